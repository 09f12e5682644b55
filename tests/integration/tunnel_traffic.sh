#!/bin/bash
# Traffic through tunnels negotiated by two Cygnet daemons (issue 5 §5):
# ping and a TCP transfer, with a capture on the veth that must hold ESP and
# never the plaintext (a marker string in the TCP data, plaintext TCP or
# ICMP echo): IPv4 tunnel, IPv6 tunnel (outer and inner IPv6), IPv4 inner
# over IPv6 outer, and transport mode over IPv4 and IPv6.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/e2e.sh"
e2e_need tunnel_traffic
two_hosts "$W" "$E" || { fail setup "cannot create namespaces"; finish; }
both_conf "$CONN_V4"
start_both || { fail setup "pluto did not start"; finish; }

# case NAME "conn lines" SRC DST [ESP_FILTER]
case_() {
	local name=$1 body=$2 src=$3 dst=$4 filter=${5:-esp}
	both_conf "$body"
	aw --config "$DW/ipsec.conf" --replace t >/dev/null 2>&1
	ae --config "$DE/ipsec.conf" --replace t >/dev/null 2>&1
	if ! aw --up t >"$TMP/up.out" 2>&1; then
		fail "$name" "--up failed: $(tail -2 "$TMP/up.out" | tr '\n' '|')"; return
	fi
	traffic "$name" "$src" "$dst" "$filter"
	# Libreswan's SPI line has tun.0@ pairs in tunnel mode only
	local want=1; [[ "$body" == *type=transport* ]] && want=0
	if [ "$(ww --showstates | grep ' esp\.' | grep -c ' tun\.0@')" = "$want" ]; then
		pass "$name-status-mode"
	else
		fail "$name-status-mode" "$(ww --showstates | grep ' esp\.')"
	fi
	aw --down t >/dev/null 2>&1
	wait_until 5 eval 'no_states $W $DW && no_states $E $DE'
}

case_ v4-tunnel "$CONN_V4" 198.51.100.1 203.0.113.1
case_ v6-tunnel "$CONN_V6" 2001:db8:1::1 2001:db8:2::1
case_ v4-in-v6 "left=2001:db8::1
leftsubnet=198.51.100.0/24
right=2001:db8::2
rightsubnet=203.0.113.0/24
esp=chacha20_poly1305" 198.51.100.1 203.0.113.1 "ip6 proto 50"
case_ v4-transport "left=192.0.2.1
right=192.0.2.2
type=transport
esp=aes256-sha2_256" 192.0.2.1 192.0.2.2
case_ v6-transport "left=2001:db8::1
right=2001:db8::2
type=transport" 2001:db8::1 2001:db8::2
finish
