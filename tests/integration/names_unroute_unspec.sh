#!/bin/bash
# an auto=route conn whose peer is a host name.  When the name's
# answer becomes 0.0.0.0, --rereadall drops the trap and the re-route fails
# ("cannot route template policy"): the conn's traffic leaves in clear.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/e2e.sh"
e2e_need names_unroute_unspec
[ -d /etc/netns ] || { mkdir -p /etc/netns && at_exit rmdir /etc/netns; }
mkdir -p "/etc/netns/$W" "/etc/netns/$E" || { fail setup "cannot create /etc/netns"; finish; }
at_exit rm -rf "/etc/netns/$W" "/etc/netns/$E"
two_hosts "$W" "$E" || { fail setup "cannot create namespaces"; finish; }
# the host's ordinary routing (a default route would do the same)
ip -n "$W" route add 203.0.113.0/24 via 192.0.2.2
ip -n "$E" route add 198.51.100.0/24 via 192.0.2.1
for ns in "$W" "$E"; do
	printf 'nameserver 127.0.0.1\noptions attempts:1 timeout:1\n' >"/etc/netns/$ns/resolv.conf"
done
hosts() { printf '127.0.0.1 localhost\n%s\n' "$2" >"/etc/netns/$1/hosts"; }
hosts "$W" '192.0.2.2 east.example'
conf "$DW" 'left=192.0.2.1
leftsubnet=198.51.100.0/24
right=east.example
rightsubnet=203.0.113.0/24'
sed -i 's/auto=add/auto=route/' "$DW/ipsec.conf"
conf "$DE" "$CONN_V4"
start_both || { fail setup "pluto did not start"; finish; }
wait_until 10 eval 'cy_whack "$W" "$DW" --status | grep -q "\"t\":.*prospective erouted"'
echo "before: $(cy_whack "$W" "$DW" --status | grep '"t":' | head -1)"
hosts "$W" '0.0.0.0 east.example'
aw --rereadall >"$TMP/rr" 2>&1; echo "rereadall rc=$? $(tr '\n' '|' <"$TMP/rr")"
sleep 1
echo "after: $(cy_whack "$W" "$DW" --status | grep '"t":' | head -1)"
cap_start "$W" va "$TMP/clear.pcap"
ip netns exec "$W" ping -c 3 -i 0.2 -W 1 -I 198.51.100.1 203.0.113.1 >"$TMP/ping" 2>&1; prc=$?
cap_stop
n=$(tcpdump -nr "$TMP/clear.pcap" 'icmp and src host 198.51.100.1' 2>/dev/null | wc -l)
echo "ping rc=$prc; cleartext ICMP on the wire: $n"
if [ "$n" -gt 0 ]; then
	fail name-change-keeps-protection "after the answer became 0.0.0.0 the conn is unrouted and $n ICMP packets left in clear"
else
	pass name-change-keeps-protection
fi
grep -a 'could not route\|template\|unrouted' "$DW/pluto.log" | tail -3
finish
