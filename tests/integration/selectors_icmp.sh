#!/bin/bash
# leftprotoport=icmp/8: ICMP type and code are the selector's "ports" (as
# XFRM holds them): an echo request crosses as ESP, never in clear.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/e2e.sh"
e2e_need selectors_icmp
two_hosts "$W" "$E" || { fail setup "cannot create namespaces"; finish; }
ip -n "$W" route add 203.0.113.0/24 via 192.0.2.2
ip -n "$E" route add 198.51.100.0/24 via 192.0.2.1
both_conf "$CONN_V4
leftprotoport=icmp/8
rightprotoport=icmp"
start_both || { fail setup "pluto did not start"; finish; }
aw --up t >"$TMP/up.out" 2>&1 || { fail up "$(tail -2 "$TMP/up.out")"; finish; }
cap_start "$E" vb "$TMP/icmp.pcap"
ip netns exec "$W" ping -c 2 -W 1 -I 198.51.100.1 203.0.113.1 >/dev/null 2>&1
cap_stop
n=$(tcpdump -nr "$TMP/icmp.pcap" 'icmp and src host 198.51.100.1' 2>/dev/null | wc -l)
e=$(tcpdump -nr "$TMP/icmp.pcap" esp 2>/dev/null | wc -l)
[ "$n" = 0 ] && [ "$e" -ge 2 ] && pass icmp-echo-protected || fail icmp-echo-protected "$n echo requests in clear, $e ESP"
finish
