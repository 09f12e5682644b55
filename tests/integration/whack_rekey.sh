#!/bin/bash
# `ipsec whack --name CONN --rekey-ike | --rekey-ipsec [--asynchronous]`
# between two Cygnet daemons (userspace dataplane), from the initiator and
# from the responder:
#   --rekey-ipsec: new ESP SPIs on both sides, traffic flows, one Child SA
#                  left per side;
#   --rekey-ike:   new IKE SPIs on both sides, the Child SA survives (same
#                  SPIs, now under the new IKE SA), one IKE SA per side;
#   synchronous:   whack returns once the old SA is gone (checked at once,
#                  no polling on the side that asked), other control clients
#                  are served meanwhile; a rekey the peer never answers ends
#                  in 036 when the IKE SA times out (retransmit-timeout=4s);
#   --asynchronous returns at once (the exchange still in flight: the peer
#                  is stopped with SIGSTOP), silent, rc 0;
#   errors: unknown name -> 021 rc 21 (Libreswan 4.10's line); a conn
#           without that SA -> 036 rc 36 (Libreswan 4.10 prints the same
#           text as 002 and exits 0); no --name -> whack's own error, rc 33.
#           (IKEv1 conns, ikev2=no, are refused when they are added.)
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/e2e.sh"
e2e_need whack_rekey
two_hosts "$W" "$E" || { fail setup "cannot create namespaces"; finish; }
both_conf "$CONN_V4
connalias=\"grp grp2\"
retransmit-timeout=4s"
for d in "$DW" "$DE"; do   # a second conn that never comes up
	printf '\nconn u\n\tauthby=secret\n\tleftid=@west\n\trightid=@east\n\tauto=add\n' >>"$d/ipsec.conf"
	printf '\tleft=192.0.2.1\n\tright=192.0.2.2\n\tleftsubnet=198.51.100.0/25\n\trightsubnet=203.0.113.0/25\n' >>"$d/ipsec.conf"
	printf '\tconnalias=grp2\n' >>"$d/ipsec.conf"
done
start_both || { fail setup "pluto did not start"; finish; }

sw() { sa_summary "$W" "$DW"; }
se() { sa_summary "$E" "$DE" swap; }   # as west sees them
ike_of() { grep '^ike ' <<<"$1"; }
child_of() { grep '^child ' <<<"$1"; }
agree() { [ "$(sw)" = "$(se)" ]; }
one_each() { [ "$(n_states "$W" "$DW" IKE)" = 1 ] && [ "$(n_states "$E" "$DE" IKE)" = 1 ] &&
	     [ "$(n_states "$W" "$DW" CHILD)" = 1 ] && [ "$(n_states "$E" "$DE" CHILD)" = 1 ]; }
traffic_ok() {
	ip netns exec "$W" ping -c 2 -i 0.2 -W 2 -I 198.51.100.1 203.0.113.1 >/dev/null 2>&1 &&
		tcp_xfer "$W" 198.51.100.1 203.0.113.1 100000
}
states() { echo "west [$(ww --showstates 2>&1 | tr '\n' '|')] east [$(we --showstates 2>&1 | tr '\n' '|')]"; }
epid=$(cat "$DE/pluto.testpid")

# ---- errors ------------------------------------------------------------------
expect unknown-conn-ike 21 '021 no such connection or aliased connection named "nosuch"' -- ww --name nosuch --rekey-ike
expect unknown-conn-ipsec 21 '021 no such connection or aliased connection named "nosuch"' -- ww --name nosuch --rekey-ipsec
expect no-sa-ike 36 '036 "t": connection does not have IKE SA' -- ww --name t --rekey-ike
expect no-sa-ipsec 36 '036 "t": connection does not have Child SA' -- ww --name t --rekey-ipsec
expect no-name 33 'whack error: missing --name <connection_name>' -- ww --rekey-ipsec
aw --up t >"$TMP/up.out" 2>&1 || { fail up "$(tail -2 "$TMP/up.out" | tr '\n' '|')"; finish; }
expect other-conn-no-sa 36 '036 "u": connection does not have Child SA' -- ww --name u --rekey-ipsec

# ---- --rekey-ipsec / --rekey-ike from SIDE (w or e) ---------------------------
rekey_ipsec() {
	local side=$1 who=w$1 before after
	before=$(sw)
	expect "rekey-ipsec-$side" 0 'replaced Child SA deleted' -- "$who" --name t --rekey-ipsec
	grep -qE '^004 "t" #[0-9]+: initiator rekeyed Child SA #[0-9]+ using #[0-9]+; IPsec tunnel .* \{ESP=>0x[0-9a-f]{8} <0x[0-9a-f]{8} xfrm=' "$TMP/out" &&
		pass "rekey-ipsec-$side-line" || fail "rekey-ipsec-$side-line" "$(tr '\n' '|' <"$TMP/out")"
	# synchronous: on the asking side the old Child SA is gone when whack returns
	after=$( [ "$side" = w ] && sw || se)
	if [ "$(child_of "$after" | wc -l)" = 1 ] && [ "$(child_of "$after")" != "$(child_of "$before")" ] &&
	   [ "$(ike_of "$after")" = "$(ike_of "$before")" ]; then
		pass "rekey-ipsec-$side-new-esp-spis"
	else
		fail "rekey-ipsec-$side-new-esp-spis" "before [$(tr '\n' '|' <<<"$before")] after [$(tr '\n' '|' <<<"$after")]"
	fi
	wait_until 5 agree && one_each && pass "rekey-ipsec-$side-both-sides-agree-one-child" ||
		fail "rekey-ipsec-$side-both-sides-agree-one-child" "$(states)"
	traffic_ok && pass "rekey-ipsec-$side-traffic" || fail "rekey-ipsec-$side-traffic" "ping/TCP failed; $(states)"
}
rekey_ike() {
	local side=$1 who=w$1 before after newike
	before=$(sw)
	expect "rekey-ike-$side" 0 'replaced IKE SA deleted' -- "$who" --name t --rekey-ike
	grep -qE '^004 "t" #[0-9]+: initiator rekeyed IKE SA #[0-9]+ \{cipher=AES_GCM_16_256 integ=n/a prf=HMAC_SHA2_512 group=MODP2048\}' "$TMP/out" &&
		pass "rekey-ike-$side-line" || fail "rekey-ike-$side-line" "$(tr '\n' '|' <"$TMP/out")"
	after=$( [ "$side" = w ] && sw || se)
	if [ "$(ike_of "$after" | wc -l)" = 1 ] && [ "$(ike_of "$after")" != "$(ike_of "$before")" ] &&
	   [ "$(child_of "$after")" = "$(child_of "$before")" ]; then
		pass "rekey-ike-$side-new-ike-spis-child-kept"
	else
		fail "rekey-ike-$side-new-ike-spis-child-kept" "before [$(tr '\n' '|' <<<"$before")] after [$(tr '\n' '|' <<<"$after")]"
	fi
	wait_until 5 agree && one_each && pass "rekey-ike-$side-both-sides-agree-one-ike" ||
		fail "rekey-ike-$side-both-sides-agree-one-ike" "$(states)"
	newike=$(sed -n 's/^004 "t" #\([0-9]*\): initiator rekeyed IKE SA.*/\1/p' "$TMP/out")
	"$who" --showstates 2>/dev/null | grep -q "STATE_V2_ESTABLISHED_CHILD_SA.* IKE SA #$newike;" &&
		pass "rekey-ike-$side-child-moved" || fail "rekey-ike-$side-child-moved" "not under #$newike: $(states)"
	traffic_ok && pass "rekey-ike-$side-traffic" || fail "rekey-ike-$side-traffic" "ping/TCP failed; $(states)"
}
rekey_ipsec w
rekey_ike w
rekey_ipsec e        # the responder asks
rekey_ike e
expect rekey-alias 0 'rekeyed 1 connection from aliased connection "grp"' -- ww --name grp --rekey-ipsec
wait_until 5 agree && one_each && pass rekey-alias-one-child || fail rekey-alias-one-child "$(states)"

# ---- --asynchronous: returns while the exchange is still in flight ----------------
before=$(sw)
kill -STOP "$epid"
t0=$(date +%s%N)
expect async-silent 0 - -- ww --name t --rekey-ike --asynchronous
ms=$((($(date +%s%N) - t0) / 1000000))
inflight=$(ww --showstates 2>/dev/null | grep -c 'STATE_V2_ESTABLISHED_IKE_SA.*RETRANSMIT in')
kill -CONT "$epid"
[ "$ms" -lt 1500 ] && [ "$inflight" = 1 ] && pass async-returns-at-once ||
	fail async-returns-at-once "took ${ms} ms, $inflight IKE SA with an exchange in flight"
rekeyed() { agree && [ "$(ike_of "$(sw)" | wc -l)" = 1 ] && [ "$(ike_of "$(sw)")" != "$(ike_of "$before")" ]; }
wait_until 10 rekeyed && one_each && pass async-rekey-completes || fail async-rekey-completes "$(states)"

# ---- synchronous: the control socket stays served; a peer that never answers ----
kill -STOP "$epid"
t0=$(date +%s%N)
ww --name t --rekey-ipsec >"$TMP/sync.out" 2>&1 &
bg=$!
_PIDS+=("$bg")
sleep_poll() { ww --showstates 2>/dev/null | grep -q 'RETRANSMIT in'; }
if wait_until 3 sleep_poll && kill -0 "$bg" 2>/dev/null; then
	pass sync-other-clients-served
else
	fail sync-other-clients-served "no --showstates answer while a rekey waits"
fi
wait "$bg"; rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
kill -CONT "$epid"
if [ "$rc" = 36 ] && grep -qF '036 "t" #' "$TMP/sync.out" && grep -qF 'rekey of Child SA failed' "$TMP/sync.out" && [ "$ms" -ge 3000 ]; then
	pass sync-unanswered-fails-36
else
	fail sync-unanswered-fails-36 "rc $rc after ${ms} ms: $(tr '\n' '|' <"$TMP/sync.out")"
fi

# ---- an alias of two conns (grp2: t, u) whose rekeys are both refused at
# once (each has one waiting already): one answer, with both outcomes ------
aw --up t >/dev/null 2>&1; aw --up u >/dev/null 2>&1
kill -STOP "$epid"
ww --name t --rekey-ipsec --asynchronous >/dev/null 2>&1
ww --name u --rekey-ipsec --asynchronous >/dev/null 2>&1
expect alias-refused-at-once 36 'rekeyed 2 connections from aliased connection "grp2"' -- ww --name grp2 --rekey-ipsec
kill -CONT "$epid"
if grep -qE '^036 "t" #[0-9]+: rekey of Child SA failed: a rekey of the Child SA is already waiting' "$TMP/out" &&
   grep -qE '^036 "u" #[0-9]+: rekey of Child SA failed: a rekey of the Child SA is already waiting' "$TMP/out"; then
	pass alias-refused-at-once-both-outcomes
else
	fail alias-refused-at-once-both-outcomes "$(tr '\n' '|' <"$TMP/out")"
fi
finish
