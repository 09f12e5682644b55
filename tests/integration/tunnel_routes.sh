#!/bin/bash
# Routes of the userspace dataplane under two Cygnet daemons (issue 4 §4,
# issue 5 §5): routes for the peer's selectors live in table 220 through the
# TUN (cygnet0) with one "not fwmark ... lookup 220" rule per family; --down
# removes every route and, with the last route of a family, its rule, on
# both sides, and leaves the TUN clean; --delete of an established conn
# tears it down first; stopping a daemon (SIGTERM) removes the TUN, routes
# and rules, and a restart after SIGKILL removes the rules left behind.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/e2e.sh"
e2e_need tunnel_routes
two_hosts "$W" "$E" || { fail setup "cannot create namespaces"; finish; }
both_conf "$CONN_V4"
add_conn_t6
start_both || { fail setup "pluto did not start"; finish; }

v4route() { ip -n "$1" route show table 220 | grep -c "^$2 dev cygnet0"; }
v6route() { ip -n "$1" -6 route show table 220 | grep -c "^$2 dev cygnet0"; }
rules() { echo "$(ip -n "$1" rule | grep -c 'lookup 220') $(ip -n "$1" -6 rule | grep -c 'lookup 220')"; }
# routes through the TUN outside table 220 and the kernel's own
tun_clean() {
	[ -z "$(ip -n "$1" route show table all dev cygnet0 2>/dev/null | grep -v '^local \|^multicast \|^ff00::/8 \|^fe80::/64 ')" ] &&
	[ -z "$(ip -n "$1" -6 route show table all dev cygnet0 2>/dev/null | grep -v '^local \|^multicast \|^ff00::/8 \|^fe80::/64 ')" ]
}
gone_both() { no_states "$W" "$DW" && no_states "$E" "$DE"; }

if aw --up t >/dev/null 2>&1 && aw --up t6 >/dev/null 2>&1; then
	if [ "$(v4route "$W" 203.0.113.0/24)" = 1 ] && [ "$(v6route "$W" 2001:db8:2::/64)" = 1 ] &&
	   [ "$(v4route "$E" 198.51.100.0/24)" = 1 ] && [ "$(v6route "$E" 2001:db8:1::/64)" = 1 ] &&
	   [ "$(rules "$W")" = "1 1" ] && [ "$(rules "$E")" = "1 1" ]; then
		pass routes-installed
	else
		fail routes-installed "west [$(routes220 "$W" | tr '\n' '|')] rules $(rules "$W"); east [$(routes220 "$E" | tr '\n' '|')] rules $(rules "$E")"
	fi
	aw --down t >/dev/null 2>&1
	if wait_until 5 eval '[ "$(v4route $E 198.51.100.0/24)" = 0 ] && [ "$(v4route $W 203.0.113.0/24)" = 0 ] &&
	   [ "$(v6route $W 2001:db8:2::/64)" = 1 ] && [ "$(rules $W)" = "0 1" ] && [ "$(rules $E)" = "0 1" ]'; then
		pass down-removes-v4-routes-and-rule
	else
		fail down-removes-v4-routes-and-rule "west [$(routes220 "$W" | tr '\n' '|')] rules $(rules "$W"); east [$(routes220 "$E" | tr '\n' '|')] rules $(rules "$E")"
	fi
	ip netns exec "$W" ping -c 1 -W 1 -I 2001:db8:1::1 2001:db8:2::1 >/dev/null 2>&1 &&
		pass down-other-conn-still-passes || fail down-other-conn-still-passes "no ping over t6"
	ae --down t6 >/dev/null 2>&1   # this time from the responder's side
	if wait_until 5 eval 'clean220 $W && clean220 $E' && gone_both; then
		pass down-last-route-removes-rules
	else
		fail down-last-route-removes-rules "west [$(routes220 "$W"; rule220 "$W")] east [$(routes220 "$E"; rule220 "$E")]"
	fi
	if ip -n "$W" link show cygnet0 2>/dev/null | grep -q 'UP' && tun_clean "$W" && tun_clean "$E"; then
		pass down-tun-clean
	else
		fail down-tun-clean "$(ip -n "$W" route show table all dev cygnet0 | tr '\n' '|')"
	fi
else
	fail routes-installed "--up failed"
fi

# --delete of an established conn: SAs deleted on both sides, routes gone
if aw --up t >/dev/null 2>&1; then
	aw --delete t >"$TMP/del.out" 2>&1
	if wait_until 5 gone_both && clean220 "$W" && clean220 "$E" &&
	   ! ww --status | grep -q '^000 "t":'; then
		pass delete-established-tears-down
	else
		fail delete-established-tears-down "west [$(ww --showstates | tr '\n' '|')] east [$(we --showstates | tr '\n' '|')] $(cat "$TMP/del.out")"
	fi
else
	fail delete-established-tears-down "--up failed"
fi

# stopping a daemon with SAs up: TUN, routes and rules go; the peer is told
if ae --up t6 >/dev/null 2>&1; then
	pluto_stop "$DW"
	if wait_until 5 eval '! ip -n $W link show cygnet0' && clean220 "$W" &&
	   wait_until 5 eval 'no_states $E $DE && clean220 $E'; then
		pass stop-leaves-no-routes
	else
		fail stop-leaves-no-routes "west [$(routes220 "$W"; rule220 "$W")] east [$(we --showstates | tr '\n' '|')]"
	fi
else
	fail stop-leaves-no-routes "--up failed"
fi

# SIGKILL: the TUN (and its routes) go with the process, the rule stays;
# the restarted daemon removes it before doing anything else
pluto_start "$W" "$DW"
if aw --up t >/dev/null 2>&1; then
	kill -9 "$(cat "$DW/pluto.testpid")"; wait "$(cat "$DW/pluto.testpid")" 2>/dev/null
	left=$(rule220 "$W")
	pluto_start "$W" "$DW"
	if [ -n "$left" ] && wait_until 5 eval 'ip -n $W link show cygnet0' && clean220 "$W"; then
		pass restart-after-kill-no-stale-rule
	else
		fail restart-after-kill-no-stale-rule "rule after kill [$left], after restart [$(routes220 "$W"; rule220 "$W")]"
	fi
else
	fail restart-after-kill-no-stale-rule "--up failed"
fi
finish
