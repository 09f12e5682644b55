#!/bin/bash
# The userspace dataplane's bound-socket guard (us_guard.c) must not cut the
# host off from itself.  With a protected prefix that covers the host's own
# addresses (a remote-access client: rightsubnet=0.0.0.0/0 and ::/0), the
# local table still delivers 127.0.0.1, ::1 and the host's own addresses
# through lo, as with XFRM (lo has disable_xfrm); the guard's "daddr in a
# routed prefix, leaving anywhere but the TUN" must not drop those.  Cases,
# in west with both tunnels up: ping 127.0.0.1, ::1 and its own
# 198.51.100.1; the tunnels still carry traffic to east.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/e2e.sh"
e2e_need userspace_guard_loopback
two_hosts "$W" "$E" || { fail setup "cannot create namespaces"; finish; }
both_conf 'left=192.0.2.1
leftsubnet=198.51.100.0/24
right=192.0.2.2
rightsubnet=0.0.0.0/0'
for d in "$DW" "$DE"; do
	printf '\nconn t6\n\tauthby=secret\n\tleftid=@west\n\trightid=@east\n\tauto=add\n' >>"$d/ipsec.conf"
	printf '\tleft=2001:db8::1\n\tleftsubnet=2001:db8:1::/64\n\tright=2001:db8::2\n\trightsubnet=::/0\n' >>"$d/ipsec.conf"
done
start_both || { fail setup "pluto did not start"; finish; }
aw --up t >"$TMP/up.out" 2>&1 && aw --up t6 >>"$TMP/up.out" 2>&1 || { fail up "$(tail -2 "$TMP/up.out")"; finish; }
lping() { ip netns exec "$W" ping -c 1 -W 2 "$@" >/dev/null 2>&1; }
lping 127.0.0.1 && pass zero-prefix-loopback-v4 || fail zero-prefix-loopback-v4 "ping 127.0.0.1 fails with 0.0.0.0/0 routed"
lping ::1 && pass zero-prefix-loopback-v6 || fail zero-prefix-loopback-v6 "ping ::1 fails with ::/0 routed"
lping 198.51.100.1 && pass zero-prefix-own-address || fail zero-prefix-own-address "ping of its own 198.51.100.1 fails"
lping -I 198.51.100.1 203.0.113.1 && lping -I 2001:db8:1::1 2001:db8:2::1 &&
	pass zero-prefix-tunnels-carry || fail zero-prefix-tunnels-carry "no reply through the tunnels"
finish
