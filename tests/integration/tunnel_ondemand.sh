#!/bin/bash
# On-demand tunnels with the userspace dataplane: `ipsec auto --route`,
# `--unroute`, `--ondemand` and auto=route (trap policies).  A routed conn
# has an outbound policy and a route through the TUN but no SA ("prospective
# erouted"); the first packet matching it is dropped (counted as
# awaiting-sa) and reported to pluto, which brings the tunnel up; later
# packets pass.  --down and a delete from the peer leave the trap in place
# (traffic brings the tunnel up again); --unroute of an established conn is
# refused (026 route busy); --unroute removes the trap and its route.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/e2e.sh"
e2e_need tunnel_ondemand
two_hosts "$W" "$E" || { fail setup "cannot create namespaces"; finish; }
both_conf "$CONN_V4"
add_conn_t6
printf '\nconn rw\n\tauthby=secret\n\tleft=192.0.2.1\n\tright=%%any\n\tauto=add\n' >>"$DW/ipsec.conf"
start_both || { fail setup "pluto did not start"; finish; }

routing() { ww --status 2>/dev/null | sed -n "s/^000 \"$1\": .*; \\([a-z ]*\\); eroute owner: .*/\\1/p"; }
trap_route() { ip -n "$W" route show table 220 | grep -q "^203.0.113.0/24 dev cygnet0"; }
ping1() { ip netns exec "$W" ping -c 1 -W 1 -I 198.51.100.1 203.0.113.1; }
ping6() { ip netns exec "$W" ping -6 -c 1 -W 1 -I 2001:db8:1::1 2001:db8:2::1; }
children() { n_states "$W" "$DW" CHILD; }
awaiting() { ww --status 2>/dev/null | sed -n 's/.*dataplane drops:.*awaiting-sa=\([0-9]*\).*/\1/p'; }
ondemand_logs() { grep -c 'initiating on demand' "$DW/pluto.log"; }

# (status detail: the interface of the local end, as Libreswan's block shows it)
ww --status | grep -q '^000 "t":   conn_prio: 24,24; interface: va; metric: ' && pass status-interface ||
	fail status-interface "$(ww --status | grep 'conn_prio' | head -1)"
expect route-silent 0 - -- aw --route t
expect route-again-silent 0 - -- aw --route t
[ "$(routing t)" = "prospective erouted" ] && pass route-status-prospective || fail route-status-prospective "'$(routing t)'"
trap_route && pass route-installs-route || fail route-installs-route "$(routes220 "$W" | tr '\n' '|')"
[ -z "$(ww --showstates 2>/dev/null)" ] && pass route-no-sa || fail route-no-sa "$(ww --showstates | head -2)"
expect route-template 25 '"rw": cannot route template policy of IKEv2+PSK+ENCRYPT+TUNNEL+PFS+IKE_FRAG_ALLOW+ESN_NO+ESN_YES' -- aw --route rw
grep -qF '025 "rw": could not route' "$TMP/out" && pass route-template-second-line || fail route-template-second-line "$(cat "$TMP/out")"

# the first packet brings the tunnel up
if wait_until 15 ping1; then pass ondemand-ping; else fail ondemand-ping "no reply; $(tail -5 "$DW/pluto.log" | tr '\n' '|')"; fi
[ "$(children)" = 1 ] && [ "$(n_states "$E" "$DE" CHILD)" = 1 ] && pass ondemand-one-child-each-side ||
	fail ondemand-one-child-each-side "west $(children), east $(n_states "$E" "$DE" CHILD)"
[ "$(routing t)" = erouted ] && pass ondemand-status-erouted || fail ondemand-status-erouted "'$(routing t)'"
[ "${n:=$(awaiting)}" -ge 1 ] 2>/dev/null && pass ondemand-drop-counted || fail ondemand-drop-counted "awaiting-sa='$n'"
[ "$(ondemand_logs)" = 1 ] && pass ondemand-initiated-once || fail ondemand-initiated-once "$(ondemand_logs) on-demand initiations"
grep -q 'initiating on demand: acquire from 198.51.100.1/32 to 203.0.113.1/32 proto 1' "$DW/pluto.log" &&
	pass ondemand-logs-packet || fail ondemand-logs-packet "$(grep 'on demand' "$DW/pluto.log")"
for _ in 1 2 3; do ping1 >/dev/null 2>&1; done
[ "$(ondemand_logs)" = 1 ] && [ "$(children)" = 1 ] && pass ondemand-no-second-tunnel ||
	fail ondemand-no-second-tunnel "$(ondemand_logs) initiations, $(children) children"

expect unroute-busy 26 '026 "t": cannot unroute: route busy' -- aw --unroute t
trap_route && [ "$(routing t)" = erouted ] && pass unroute-busy-keeps-tunnel || fail unroute-busy-keeps-tunnel "'$(routing t)'"

# --down: the trap stays, and traffic brings the tunnel up again
aw --down t >/dev/null 2>&1
if wait_until 5 eval '[ "$(children)" = 0 ]' && [ "$(routing t)" = "prospective erouted" ] && trap_route; then
	pass down-keeps-trap
else
	fail down-keeps-trap "children $(children), routing '$(routing t)', [$(routes220 "$W" | tr '\n' '|')]"
fi
if wait_until 15 ping1 && [ "$(ondemand_logs)" = 2 ]; then pass ondemand-after-down; else fail ondemand-after-down "$(ondemand_logs) initiations"; fi

# the peer deletes the Child SA and the IKE SA: again a trap
ae --down t >/dev/null 2>&1
if wait_until 5 eval '[ "$(children)" = 0 ]' && [ "$(routing t)" = "prospective erouted" ]; then pass peer-delete-keeps-trap
else fail peer-delete-keeps-trap "children $(children), routing '$(routing t)'"; fi
if wait_until 15 ping1 && [ "$(ondemand_logs)" = 3 ]; then pass ondemand-after-peer-delete; else fail ondemand-after-peer-delete "$(ondemand_logs) initiations"; fi

# down, then unroute: no route, no trap, no tunnel on traffic
aw --down t >/dev/null 2>&1
wait_until 5 eval '[ "$(children)" = 0 ]'
expect unroute-silent 0 - -- aw --unroute t
expect unroute-again-silent 0 - -- aw --unroute t
[ "$(routing t)" = unrouted ] && pass unroute-status || fail unroute-status "'$(routing t)'"
clean220 "$W" && pass unroute-removes-route-and-rule || fail unroute-removes-route-and-rule "$(routes220 "$W"; rule220 "$W")"
# no route left to the peer's subnet: the packet never reaches the TUN
! ping1 >/dev/null 2>&1 && [ -z "$(ww --showstates 2>/dev/null)" ] && [ "$(ondemand_logs)" = 3 ] &&
	pass unrouted-no-initiation || fail unrouted-no-initiation "$(ondemand_logs) initiations; $(ww --showstates | head -1)"

# IPv6, through ipsec auto --ondemand (add + route) of a conn not loaded
aw --delete t6 >/dev/null 2>&1
expect ondemand-op 0 - -- aw --config "$DW/ipsec.conf" --ondemand t6
[ "$(routing t6)" = "prospective erouted" ] && pass ondemand-op-routed || fail ondemand-op-routed "'$(routing t6)'"
if wait_until 15 ping6; then pass ondemand-ping6; else fail ondemand-ping6 "no reply; $(tail -3 "$DW/pluto.log" | tr '\n' '|')"; fi

# --delete of a routed conn takes its trap along
aw --delete t6 >/dev/null 2>&1
if wait_until 5 eval 'clean220 $W' && ! ww --status | grep -q '^000 "t6":'; then pass delete-routed-conn
else fail delete-routed-conn "$(routes220 "$W" | tr '\n' '|')"; fi

# auto=route at start-up: pluto routes it while loading its config
pluto_stop "$DW"
clean220 "$W" && pass stop-clean || fail stop-clean "$(routes220 "$W"; rule220 "$W")"
sed -i '/^conn t$/,/^$/ s/auto=add/auto=route/' "$DW/ipsec.conf"
pluto_start "$W" "$DW" || { fail restart "pluto did not restart"; finish; }
wait_until 5 eval '[ "$(routing t)" = "prospective erouted" ]' && pass auto-route-at-start || fail auto-route-at-start "'$(routing t)'"
if wait_until 15 ping1; then pass auto-route-ping; else fail auto-route-ping "no reply"; fi
pluto_stop "$DW"
wait_until 5 eval 'no_states $E $DE'
clean220 "$W" && pass stop-routed-and-up-clean || fail stop-routed-and-up-clean "$(routes220 "$W"; rule220 "$W")"
stop_both
finish
