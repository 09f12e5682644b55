#!/bin/bash
# The ways an unprivileged user has of steering a packet to a protected
# destination past table 220 (userspace dataplane, both tunnels up): none
# may put the data on the wire in clear.  As uid 65534 in west (ping
# sockets allowed to every group, as distributions set
# net.ipv4.ping_group_range): IP_PKTINFO/IPV6_PKTINFO with an ifindex,
# IP_UNICAST_IF/IPV6_UNICAST_IF, an IPv4-mapped destination from an IPv6
# socket, a datagram in fragments, an ICMP echo from a ping socket (all
# with the physical interface), an ICMPv6 neighbour advertisement from a
# ping socket (the guard lets ND through: the kernel must refuse it), and
# an IPv6 segment routing header (IPV6_RTHDR, unprivileged) whose first
# segment is an unprotected address: the kernel routes by that segment,
# XFRM looks its policy up by the final destination (and protects it);
# the userspace dataplane must not send it in clear either.  Each case
# looks for its text in a capture on east's link.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/e2e.sh"
e2e_need userspace_guard_paths
command -v setpriv >/dev/null || { env_skip userspace_guard_paths "setpriv missing"; exit; }
LS=$BUILD/tools/leaksend
two_hosts "$W" "$E" || { fail setup "cannot create namespaces"; finish; }
ip -n "$W" route add 203.0.113.0/24 via 192.0.2.2
ip -n "$E" route add 198.51.100.0/24 via 192.0.2.1
ip -n "$W" route add 2001:db8:2::/64 via 2001:db8::2
ip -n "$E" route add 2001:db8:1::/64 via 2001:db8::1
ip netns exec "$W" sysctl -qw net.ipv4.ping_group_range="0 2147483647"
both_conf "$CONN_V4"
add_conn_t6
start_both || { fail setup "pluto did not start"; finish; }
ip netns exec "$W" ping -c 1 -W 2 192.0.2.2 >/dev/null && ip netns exec "$W" ping -c 1 -W 2 2001:db8::2 >/dev/null ||
	{ fail setup "no neighbours"; finish; }
aw --up t >"$TMP/up.out" 2>&1 && aw --up t6 >>"$TMP/up.out" 2>&1 || { fail up "$(tail -2 "$TMP/up.out")"; finish; }

# send MODE DST [HOP]: as uid 65534; the text is $TAG-MODE-FAMILY
declare -A OUT
send() {
	local f=v4; [[ $2 == *:* ]] && f=v6
	OUT[$1-$f]=$(ip netns exec "$W" setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$LS" "$1" va "$2" 5001 "$TAG-$1-$f" ${3:+"$3"} 2>&1)
}
cap_start "$E" vb "$TMP/paths.pcap"
for m in pktinfo unicast mapped frag ping; do send $m 203.0.113.1; done
for m in pktinfo unicast frag ping nd; do send $m 2001:db8:2::1; done
send srh 2001:db8:2::1 2001:db8::2
ip netns exec "$W" ping -c 1 -W 1 192.0.2.2 >/dev/null 2>&1   # something after them on the link
cap_stop
for c in pktinfo-v4 unicast-v4 mapped-v4 frag-v4 ping-v4 pktinfo-v6 unicast-v6 frag-v6 ping-v6 nd-v6 srh-v6; do
	n=$(grep -a -c "$TAG-$c" "$TMP/paths.pcap")
	[ "$n" = 0 ] && pass "$c-not-in-clear" || fail "$c-not-in-clear" "leaksend: ${OUT[$c]}; seen in clear on east's link"
done
[[ ${OUT[nd-v6]} == error* ]] && pass nd-from-ping-socket-refused || fail nd-from-ping-socket-refused "${OUT[nd-v6]}"
finish
