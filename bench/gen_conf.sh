#!/bin/bash
# gen_conf.sh N: print an ipsec.conf with N conns (a %default, a shared
# also= base, and per-conn subnets/ids/auto values), for bench/config_parse.sh.
n=${1:-10000}
awk -v n="$n" 'BEGIN {
	print "config setup\n\tuniqueids=yes\n\tlogfile=/var/log/pluto.log\n"
	print "conn %default\n\tikelifetime=8h\n\tsalifetime=1h\n\tkeyingtries=3\n"
	print "conn hub-base\n\tleft=192.0.2.1\n\tleftid=@hub.example\n\tauthby=secret\n\tike=aes256-sha2_256-dh19\n\tesp=aes_gcm256\n"
	split("add start ondemand ignore", autos, " ")
	for (i = 0; i < n; i++) {
		a = int(i / 65536) % 256; b = int(i / 256) % 256; c = i % 256
		printf "conn spoke-%d\n\talso=hub-base\n", i
		printf "\tleftsubnet=10.%d.%d.0/24\n", b, c
		printf "\tright=198.51.%d.%d\n\trightid=@spoke-%d.example\n", b % 256, c, i
		printf "\trightsubnet=172.%d.%d.0/24\n", 16 + (b % 16), c
		printf "\tauto=%s\n\n", autos[(i % 4) + 1]
	}
}'
