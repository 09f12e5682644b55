#!/bin/bash
# A deferred request that finishes inside another client's request must not
# run that client's next pipelined request from there.  Client A pipelines
# `initiate t` (the peer never answers, so the reply is deferred) and then
# `unroute t` / `delete t`; client B deletes t, which terminates A's
# negotiation (A's initiate is answered from inside B's --delete).  If A's
# second request ran there, it would free the route / conn / SA that B's
# handler still uses (a use-after-free that killed pluto).  pluto must stay
# up, answer both of A's requests, and leave nothing routed.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/e2e.sh"
e2e_need daemon_reentry
RAW=$BUILD/tools/ctl_raw
[ -x "$RAW" ] || { fail setup "no $RAW"; finish; }
two_hosts "$W" "$E" || { fail setup "cannot create namespaces"; finish; }
both_conf "$CONN_V4"    # only west runs a daemon: east never answers

for second in unroute delete; do
	pluto_start "$W" "$DW" || { fail "$second-start" "pluto did not start"; continue; }
	pid=$(cat "$DW/pluto.testpid")
	aw --route t >/dev/null 2>&1
	n0=$(grep -c 'sent IKE_SA_INIT request' "$DW/pluto.log")
	ip netns exec "$W" "$RAW" "$DW/run/pluto.ctl" pipe initiate t "$second" t >"$TMP/a.out" 2>&1 &
	a=$!
	wait_until 10 eval '[ "$(grep -c "sent IKE_SA_INIT request" "$DW/pluto.log")" -gt "$n0" ]'
	ww --name t --delete >"$TMP/b.out" 2>&1; brc=$?
	wait_until 10 eval '! kill -0 $a 2>/dev/null'
	wait "$a"; arc=$?
	if kill -0 "$pid" 2>/dev/null && ww --status >/dev/null 2>&1; then pass "$second-pluto-survives"
	else fail "$second-pluto-survives" "pluto died: $(tail -3 "$DW/pluto.log" | tr '\n' '|')"; fi
	if [ "$arc" = 0 ] && [ "$(grep -c '^reply ' "$TMP/a.out")" = 2 ]; then pass "$second-both-answered"
	else fail "$second-both-answered" "client rc $arc: $(tr '\n' '|' <"$TMP/a.out")"; fi
	[ "$brc" = 0 ] && pass "$second-delete-rc" || fail "$second-delete-rc" "rc $brc: $(tr '\n' '|' <"$TMP/b.out")"
	if clean220 "$W" && ! ww --status 2>/dev/null | grep -q '^000 "t":'; then pass "$second-nothing-left"
	else fail "$second-nothing-left" "$(routes220 "$W" | tr '\n' '|')"; fi
	pluto_stop "$DW"
done
finish
