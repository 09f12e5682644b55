#!/bin/bash
# leftprotoport=icmp/8: ICMP type and code are the selector's "ports" (as
# XFRM holds them): an echo request crosses as ESP, never in clear.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/e2e.sh"
e2e_need selectors_icmp
two_hosts "$W" "$E" && clear_routes || { fail setup "cannot create namespaces"; finish; }
tunnel_up "$CONN_V4
leftprotoport=icmp/8
rightprotoport=icmp"
cap_start "$E" vb "$TMP/icmp.pcap"
ip netns exec "$W" ping -c 2 -W 1 -I 198.51.100.1 203.0.113.1 >/dev/null 2>&1
cap_stop
n=$(tcpdump -nr "$TMP/icmp.pcap" 'icmp and src host 198.51.100.1' 2>/dev/null | wc -l)
e=$(tcpdump -nr "$TMP/icmp.pcap" esp 2>/dev/null | wc -l)
[ "$n" = 0 ] && [ "$e" -ge 2 ] && pass icmp-echo-protected || fail icmp-echo-protected "$n echo requests in clear, $e ESP"
finish
