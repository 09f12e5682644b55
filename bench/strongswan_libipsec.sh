#!/bin/bash
# Runs two strongSwan 5.9.8 charons with kernel-libipsec (userspace ESP over
# TUN) in the namespaces NA and NB prepared by esp_throughput.sh (veth
# 192.0.2.1 <-> 192.0.2.2, protected 198.51.100.1 and 203.0.113.1 on lo),
# brings up a PSK tunnel and prints "MBPS TICKS_A TICKS_B" as its last line
# (iperf3 Mbit/s and the CPU clock ticks each charon used meanwhile).
#
# The packages are fetched with `apt-get download` and unpacked with dpkg -x
# into a cache (they conflict with libreswan, so they are not installed).
# Inside each `ip netns exec` (its own mount namespace) an overlay puts the
# unpacked usr/lib over /usr/lib (charon's plugin folder is built in) and a
# private folder is bound over /run (charon.pid).
set -u
NA=$1 NB=$2 DUR=${3:-8}
CACHE=${STRONGSWAN_CACHE:-/var/cache/cygnet/strongswan-5.9.8}
PKGS="libstrongswan strongswan-libcharon libstrongswan-standard-plugins libstrongswan-extra-plugins libcharon-extra-plugins strongswan-charon strongswan-swanctl"
T=$(mktemp -d /tmp/cy-ss.XXXXXX)
PIDS=()
# our charons: the PIDs we started, and any process whose STRONGSWAN_CONF
# points into our private folder $T (should a launcher in between fork)
ours() {
	local p
	for p in "${PIDS[@]}"; do echo $p; done
	for p in $(pgrep -x charon); do
		tr '\0' '\n' < /proc/$p/environ 2>/dev/null | grep -q "^STRONGSWAN_CONF=$T/" && echo $p
	done
}
cleanup() {
	local p i
	for p in $(ours); do kill "$p" 2>/dev/null; done
	for ((i = 0; i < 30; i++)); do
		[ -z "$(for p in $(ours); do kill -0 $p 2>/dev/null && echo $p; done)" ] && break
		sleep 0.1
	done
	for p in $(ours); do kill -9 "$p" 2>/dev/null; done
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
die() { echo "strongswan: $*" >&2; echo 0; exit 1; }

if [ ! -x "$CACHE/root/usr/lib/ipsec/charon" ]; then
	mkdir -p "$CACHE/debs" && cd "$CACHE/debs" || die "no cache dir"
	apt-get download $PKGS >/dev/null 2>&1 || die "apt-get download failed (archive unreachable?)"
	mkdir -p "$CACHE/root"
	for d in *.deb; do dpkg -x "$d" "$CACHE/root" || die "dpkg -x $d"; done
	cd - >/dev/null
fi

# in_ns SIDE NS CMD... : run CMD in NS with the strongSwan tree overlaid
in_ns() (   # a subshell: the exec below replaces it, not the script
	local side=$1 ns=$2; shift 2
	mkdir -p $T/$side/run $T/$side/upper $T/$side/work
	exec ip netns exec $ns unshare -m --propagation private sh -c '
		mount -t overlay overlay -o lowerdir='"$CACHE"'/root/usr/lib:/usr/lib /usr/lib &&
		mount --bind '"$T/$side"'/run /run && exec "$@"' sh \
		env LD_LIBRARY_PATH=/usr/lib/ipsec STRONGSWAN_CONF=$T/$side/strongswan.conf "$@"
)

conf() {  # conf SIDE LOCAL REMOTE LID RID LTS RTS
	cat > $T/$1/strongswan.conf <<EOC
charon {
	load_modular = no
	load = random nonce openssl pem pkcs1 x509 pubkey curve25519 gmp kdf aes sha1 sha2 hmac gcm chapoly kernel-libipsec kernel-netlink socket-default vici
	install_virtual_ip = no
	plugins {
		vici { socket = unix://$T/$1/run/charon.vici }
	}
	filelog { log { path = $T/$1/charon.log
		default = 1 } }
}
EOC
	cat > $T/$1/swanctl.conf <<EOC
connections {
	bench {
		version = 2
		local_addrs = $2
		remote_addrs = $3
		proposals = aes128gcm16-prfsha256-x25519
		mobike = no
		local { auth = psk
			id = $4 }
		remote { auth = psk
			id = $5 }
		children {
			net {
				local_ts = $6
				remote_ts = $7
				esp_proposals = aes128gcm16
			}
		}
	}
}
secrets { ike-1 { id-a = a
		id-b = b
		secret = "cygnet-benchmark-psk" } }
EOC
}

for s in a b; do mkdir -p $T/$s/run; done
conf a 192.0.2.1 192.0.2.2 a b 198.51.100.1/32 203.0.113.1/32
conf b 192.0.2.2 192.0.2.1 b a 203.0.113.1/32 198.51.100.1/32
in_ns a $NA /usr/lib/ipsec/charon >$T/a/stdout 2>&1 &
PIDS+=($!)
in_ns b $NB /usr/lib/ipsec/charon >$T/b/stdout 2>&1 &
PIDS+=($!)
for s in a b; do
	for ((i = 0; i < 50; i++)); do [ -S $T/$s/run/charon.vici ] && break; sleep 0.1; done
	[ -S $T/$s/run/charon.vici ] || die "charon $s did not start: $(tail -3 $T/$s/stdout $T/$s/charon.log 2>/dev/null)"
	in_ns $s $([ $s = a ] && echo $NA || echo $NB) $CACHE/root/usr/sbin/swanctl --load-all --file $T/$s/swanctl.conf \
		--uri unix://$T/$s/run/charon.vici >$T/$s/load.log 2>&1 || die "swanctl load $s: $(tail -2 $T/$s/load.log)"
done
in_ns a $NA $CACHE/root/usr/sbin/swanctl --initiate --child net --uri unix://$T/a/run/charon.vici >$T/a/init.log 2>&1 ||
	die "initiate: $(tail -3 $T/a/init.log)"
ip netns exec $NA ping -c 2 -W 2 -I 198.51.100.1 203.0.113.1 >/dev/null 2>&1 || die "no ping through the strongSwan tunnel"
ip netns exec $NB iperf3 -s -1 -B 203.0.113.1 >/dev/null 2>&1 &
srv=$!
for ((i = 0; i < 50; i++)); do ip netns exec $NB ss -ltn | grep -q ':5201' && break; sleep 0.1; done
charon_of() {  # the charon whose STRONGSWAN_CONF is side $1's
	local p
	for p in $(pgrep -x charon); do
		tr '\0' '\n' < /proc/$p/environ 2>/dev/null | grep -q "^STRONGSWAN_CONF=$T/$1/" && { echo $p; return; }
	done
}
ca=$(charon_of a); cb=$(charon_of b)
ticks() { awk '{print $14 + $15}' /proc/$1/stat 2>/dev/null || echo 0; }
t0a=$(ticks $ca); t0b=$(ticks $cb)
ip netns exec $NA iperf3 -c 203.0.113.1 -B 198.51.100.1 -t $DUR -J > $T/iperf.json 2>/dev/null
wait $srv 2>/dev/null
mbps=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%.0f" % (d["end"]["sum_received"]["bits_per_second"]/1e6))' $T/iperf.json 2>/dev/null || echo 0)
echo "$mbps $(( $(ticks $ca) - t0a )) $(( $(ticks $cb) - t0b ))"
