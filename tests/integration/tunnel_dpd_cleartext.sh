#!/bin/bash
# A dead peer must not turn a tunnel into cleartext.  ipsec.conf(5):
# dpdaction=hold (the default) "puts the eroute into %hold" (Libreswan
# installs a hold shunt); restart renegotiates at once (and
# negotiationshunt=hold, the default, holds the traffic meanwhile).  Per
# action, an auto=start-style conn (brought up with --up, not routed) with
# dpddelay=1 dpdtimeout=3: east goes silent (drops west's packets before
# anything else), west pings from its protected subnet for 12 s, the
# capture on east's link must hold no cleartext echo request.  clear is
# the one action that lets traffic out in clear (not tested).
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/e2e.sh"
e2e_need tunnel_dpd_cleartext
two_hosts "$W" "$E" || { fail setup "cannot create namespaces"; finish; }
# the main table's way to the protected subnet (a default route, as on a gateway)
ip -n "$W" route add 203.0.113.0/24 via 192.0.2.2

# dead_peer ACTION: the scenario; echoes the count of cleartext echo requests
dead_peer() {
	both_conf "$CONN_V4
dpddelay=1
dpdtimeout=3
dpdaction=$1"
	start_both || { echo "no start"; return; }
	aw --up t >"$TMP/up.$1" 2>&1 || { echo "no up: $(tail -1 "$TMP/up.$1")"; return; }
	ip netns exec "$E" nft -f - <<NFT
table inet silent {
	chain in { type filter hook prerouting priority -400; policy accept; iifname "vb" ip saddr 192.0.2.1 drop; }
}
NFT
	cap_start "$E" vb "$TMP/$1.pcap"
	for _ in $(seq 12); do ip netns exec "$W" ping -c 1 -W 1 -I 198.51.100.1 203.0.113.1 >/dev/null 2>&1; done
	cap_stop
	grep -q 'liveness: peer not responding' "$DW/pluto.log" || echo "no liveness timeout"
	tcpdump -nr "$TMP/$1.pcap" 'icmp and src host 198.51.100.1' 2>/dev/null | wc -l
	stop_both
	ip netns exec "$E" nft delete table inet silent
	rm -f "$DW/pluto.log" "$DE/pluto.log"
}
for a in hold restart; do
	r=$(dead_peer $a)
	[ "$r" = 0 ] && pass "dpdaction-$a-no-cleartext" ||
		fail "dpdaction-$a-no-cleartext" "$(echo $r | tr '\n' ' ') echo requests in clear after the peer died"
done
finish
