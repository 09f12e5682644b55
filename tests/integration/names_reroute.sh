#!/bin/bash
# A routed conn (auto=route) whose ends are host names keeps protecting its
# traffic when the names' answers change into something it cannot route
# with: `ipsec auto --rereadall` keeps the old addresses and trap (and says
# why) instead of unrouting the conn, so the traffic never leaves in clear.
#   unspec:     right=east.example now answers 0.0.0.0 (not a usable
#               address: it would make the conn a %any);
#   unroutable: left=west.example now answers an address this host lacks
#               (the conn would be unoriented).
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/e2e.sh"
e2e_need names_reroute
netns_etc "$W" "$E" || { fail setup "cannot create /etc/netns/$W"; finish; }
two_hosts "$W" "$E" || { fail setup "cannot create namespaces"; finish; }
# the hosts' ordinary routing (a default route would do the same)
ip -n "$W" route add 203.0.113.0/24 via 192.0.2.2
ip -n "$E" route add 198.51.100.0/24 via 192.0.2.1
no_dns "$W" "$E"
hosts() { printf '127.0.0.1 localhost\n%s\n' "$2" >"/etc/netns/$1/hosts"; }

# round NAME LEFT HOSTS_BEFORE HOSTS_AFTER WHY: WHY in --rereadall's answer
round() {
	local name=$1 left=$2 why=$5 n
	hosts "$W" "$3"
	conf "$DW" "left=$left
leftsubnet=198.51.100.0/24
right=east.example
rightsubnet=203.0.113.0/24"
	sed -i 's/auto=add/auto=route/' "$DW/ipsec.conf"
	conf "$DE" "$CONN_V4"
	start_both || { fail "$name-start" "pluto did not start"; return; }
	if ! wait_until 10 eval 'ww --status | grep -q "\"t\":.*prospective erouted"'; then
		fail "$name-routed" "$(ww --status | grep '"t":' | head -1)"; stop_both; return
	fi
	hosts "$W" "$4"
	aw --rereadall >"$TMP/rr" 2>&1
	grep -q "$why" "$TMP/rr" && pass "$name-says-why" ||
		fail "$name-says-why" "$(tr '\n' '|' <"$TMP/rr")"
	ww --status | grep -q '"t":.*prospective erouted' && pass "$name-still-routed" ||
		fail "$name-still-routed" "$(ww --status | grep '"t":' | head -1)"
	cap_start "$W" va "$TMP/$name.pcap"
	ip netns exec "$W" ping -c 3 -i 0.2 -W 1 -I 198.51.100.1 203.0.113.1 >/dev/null 2>&1
	cap_stop
	n=$(tcpdump -nr "$TMP/$name.pcap" 'icmp and src host 198.51.100.1' 2>/dev/null | wc -l)
	[ "$n" = 0 ] && pass "$name-no-cleartext" || fail "$name-no-cleartext" "$n ICMP packets left in clear"
	stop_both
}
round unspec 192.0.2.1 '192.0.2.2 east.example' '0.0.0.0 east.example' \
	'no usable address; keeping the last address'
round unroutable west.example $'192.0.2.1 west.example\n192.0.2.2 east.example' \
	$'192.0.2.77 west.example\n192.0.2.2 east.example' 'keeps its old addresses and trap'
finish
