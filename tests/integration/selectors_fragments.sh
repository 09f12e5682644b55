#!/bin/bash
# A udp/5001 conn (userspace dataplane): a datagram larger than the path MTU
# is fragmented by the kernel before the dataplane sees it; later fragments
# carry no ports, so they must not take the "no policy covers it: clear"
# path: every fragment crosses as ESP, or is dropped - none leaves in clear.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/e2e.sh"
e2e_need selectors_fragments
two_hosts "$W" "$E" && clear_routes || { fail setup "cannot create namespaces"; finish; }
tunnel_up "$CONN_V4
leftprotoport=udp
rightprotoport=udp/5001"
cap_start "$E" vb "$TMP/frag.pcap"
ip netns exec "$W" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("198.51.100.1", 0))
s.sendto(b"SECRET-PAYLOAD " * 300, ("203.0.113.1", 5001))'
wait_until 5 eval '[ "$(tcpdump -nr "$TMP/frag.pcap" esp 2>/dev/null | wc -l)" -ge 1 ]'
cap_stop
n=$(tcpdump -nr "$TMP/frag.pcap" 'src host 198.51.100.1' 2>/dev/null | wc -l)
e=$(tcpdump -nr "$TMP/frag.pcap" esp 2>/dev/null | wc -l)
[ "$n" = 0 ] && [ "$e" -ge 1 ] && pass fragments-never-in-clear ||
	fail fragments-never-in-clear "$n cleartext packets from 198.51.100.1, $e ESP"
finish
