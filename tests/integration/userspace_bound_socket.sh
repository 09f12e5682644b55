#!/bin/bash
# The userspace dataplane keeps protected traffic inside the tunnel even
# from a socket bound to a device: an unprivileged user's SO_BINDTODEVICE
# skips the TUN routes of table 220, and without the nftables guard
# (us_guard.c) the kernel "assumes on link" and sends in clear.  Cases, for
# IPv4 and IPv6, as uid 65534 in west: before any tunnel the bound socket's
# datagram crosses in clear (the capture can see it); with the tunnel up
# the send fails (EPERM) and nothing crosses in clear, while unbound
# traffic still flows through the tunnel; a conn taken down frees its
# destination (and only its); after kill -9 of the daemon the
# guard still holds; a restarted daemon without the tunnel lets it pass
# again (the guard follows the routes, and is not left behind).
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/e2e.sh"
e2e_need userspace_bound_socket
command -v setpriv >/dev/null || { env_skip userspace_bound_socket "setpriv missing"; exit; }
BINDSEND=$BUILD/tools/bindsend
two_hosts "$W" "$E" && clear_routes || { fail setup "cannot create namespaces"; finish; }
both_conf "$CONN_V4"
add_conn_t6
# neighbours known before the first capture (a datagram waiting for
# neighbour discovery could reach the link after the capture stopped)
ip netns exec "$W" ping -c 1 -W 2 192.0.2.2 >/dev/null && ip netns exec "$W" ping -c 1 -W 2 2001:db8::2 >/dev/null ||
	{ fail setup "no neighbours"; finish; }

# bound_send DST TEXT: the datagram from uid 65534 bound to va; prints bindsend's line
bound_send() {
	ip netns exec "$W" setpriv --reuid=65534 --regid=65534 --clear-groups "$BINDSEND" va "$1" 5001 "$2" 2>&1
}
# clear_count PCAP TEXT: datagrams on east's link carrying TEXT in clear
clear_count() { tcpdump -A -nr "$1" udp port 5001 2>/dev/null | grep -c "$2"; }

# probe NAME: both families' bound sends with a capture on east's link;
# sets R4/R6 (bindsend's lines) and C4/C6 (datagrams seen in clear)
probe() {
	cap_start "$E" vb "$TMP/$1.pcap"
	R4=$(bound_send 203.0.113.1 "$TAG-$1-v4")
	R6=$(bound_send 2001:db8:2::1 "$TAG-$1-v6")
	ip netns exec "$W" ping -c 1 -W 1 192.0.2.2 >/dev/null 2>&1   # something after them on the link
	cap_stop
	C4=$(clear_count "$TMP/$1.pcap" "$TAG-$1-v4")
	C6=$(clear_count "$TMP/$1.pcap" "$TAG-$1-v6")
}
blocked() { # NAME: both families stopped
	[ "$C4" = 0 ] && [ "$C6" = 0 ] && [[ $R4 == *"not permitted"* ]] && [[ $R6 == *"not permitted"* ]] &&
		pass "$1" || fail "$1" "v4: $R4, $C4 in clear; v6: $R6, $C6 in clear"
}
passes() { # NAME: both families cross in clear
	[ "$C4" -ge 1 ] && [ "$C6" -ge 1 ] && pass "$1" || fail "$1" "v4: $R4, $C4 in clear; v6: $R6, $C6 in clear"
}

start_both || { fail setup "pluto did not start"; finish; }
probe before
passes no-tunnel-bound-socket-in-clear
aw --up t >"$TMP/up.out" 2>&1 && aw --up t6 >>"$TMP/up.out" 2>&1 || { fail up "$(tail -2 "$TMP/up.out")"; finish; }
probe up
blocked tunnel-up-bound-socket-stopped
ip netns exec "$W" ping -c 1 -W 2 -I 198.51.100.1 203.0.113.1 >/dev/null &&
	ip netns exec "$W" ping -c 1 -W 2 -I 2001:db8:1::1 2001:db8:2::1 >/dev/null &&
	pass unbound-traffic-through-tunnel || fail unbound-traffic-through-tunnel
n=$(ip netns exec "$W" nft list chain inet cygnet_cygnet0 guard 2>/dev/null | grep -c 'counter packets [1-9].* drop')
[ "$n" = 2 ] && pass guard-counts-drops || fail guard-counts-drops "$n rules with drops counted"
# the guard follows the routes: t down, its destination is free again, t6's is not
aw --down t >"$TMP/down.out" 2>&1
probe down
[ "$C4" -ge 1 ] && [ "$C6" = 0 ] && [[ $R6 == *"not permitted"* ]] && pass down-frees-only-its-destination ||
	fail down-frees-only-its-destination "v4: $R4, $C4 in clear; v6: $R6, $C6 in clear"
aw --up t >"$TMP/up.out" 2>&1 || { fail up-again "$(tail -2 "$TMP/up.out")"; finish; }
pid=$(cat "$DW/pluto.testpid"); kill -9 "$pid"; wait "$pid" 2>/dev/null
wait_until 5 eval '! ip -n "$W" link show cygnet0 >/dev/null 2>&1'
probe killed
blocked killed-daemon-bound-socket-stopped
pluto_start "$W" "$DW" || { fail restart "pluto did not start"; finish; }
probe restarted
passes restart-without-tunnel-lets-it-pass
finish
