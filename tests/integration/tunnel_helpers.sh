#!/bin/bash
# config setup nhelpers= (issue 13: heavy crypto on worker threads) between
# two Cygnet daemons:
#   nhelpers=0 and nhelpers=2: status shows the helper threads in force;
#     the tunnel comes up, carries traffic, and a Child SA rekey with PFS
#     and an IKE SA rekey from each side work (their DH and key derivation
#     go through the helpers with nhelpers=2, inline with 0);
#   held helpers (test hook CYGNET_TEST_CRYPTO_HOLD=FILE: while FILE exists
#     the helpers start no job): east's IKE_SA_INIT job waits, the event
#     loop still answers the control socket (status shows the queued job,
#     no IKE SA is established), and once released the tunnel comes up.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/e2e.sh"
e2e_need tunnel_helpers
two_hosts "$W" "$E" || { fail setup "cannot create namespaces"; finish; }

# conf_helpers N: both configs with nhelpers=N (PFS is the default)
conf_helpers() {
	both_conf "$CONN_V4"
	sed -i "s/^\tprotostack=userspace\$/&\n\tnhelpers=$1/" "$DW/ipsec.conf" "$DE/ipsec.conf"
}
traffic_ok() {
	ip netns exec "$W" ping -c 2 -i 0.2 -W 2 -I 198.51.100.1 203.0.113.1 >/dev/null 2>&1
}
states() { echo "west [$(ww --showstates 2>&1 | tr '\n' '|')] east [$(we --showstates 2>&1 | tr '\n' '|')]"; }
one_each() { [ "$(n_states "$W" "$DW" IKE)" = 1 ] && [ "$(n_states "$E" "$DE" IKE)" = 1 ] &&
	     [ "$(n_states "$W" "$DW" CHILD)" = 1 ] && [ "$(n_states "$E" "$DE" CHILD)" = 1 ]; }

for h in 0 2; do
	conf_helpers $h
	start_both || { fail "h$h-setup" "pluto did not start"; continue; }
	we --status >"$TMP/st" 2>&1
	grep -q "nhelpers=$h, crypto helper threads=$h," "$TMP/st" && pass "h$h-status-threads" ||
		fail "h$h-status-threads" "$(grep nhelpers "$TMP/st")"
	if aw --up t >"$TMP/up.out" 2>&1 && traffic_ok; then
		pass "h$h-up-traffic"
	else
		fail "h$h-up-traffic" "$(tail -2 "$TMP/up.out" | tr '\n' '|')"
	fi
	for side in w e; do
		expect "h$h-rekey-ipsec-$side" 0 'replaced Child SA deleted' -- "w$side" --name t --rekey-ipsec
		wait_until 5 one_each && traffic_ok && pass "h$h-rekey-ipsec-$side-traffic" ||
			fail "h$h-rekey-ipsec-$side-traffic" "$(states)"
		expect "h$h-rekey-ike-$side" 0 'replaced IKE SA deleted' -- "w$side" --name t --rekey-ike
		wait_until 5 one_each && traffic_ok && pass "h$h-rekey-ike-$side-traffic" ||
			fail "h$h-rekey-ike-$side-traffic" "$(states)"
	done
	we --status >"$TMP/st" 2>&1
	grep -q 'refused=0$' "$TMP/st" && pass "h$h-nothing-refused" || fail "h$h-nothing-refused" "$(grep nhelpers "$TMP/st")"
	# with helpers the jobs went through their queue (max > 0), without none did
	if [ $h = 0 ]; then grep -q 'crypto jobs=0 (max 0 of 0)' "$TMP/st"; else grep -q 'crypto jobs=0 (max [1-9]' "$TMP/st"; fi &&
		pass "h$h-jobs-path" || fail "h$h-jobs-path" "$(grep nhelpers "$TMP/st")"
	# the Child SA rekeys carried a KE (PFS)
	grep -q 'rekeyed Child SA.*MODP2048' "$DW/pluto.log" && pass "h$h-pfs" || fail "h$h-pfs" "$(grep -m2 'rekeyed Child' "$DW/pluto.log")"
	stop_both
done

# ---- held helpers: the loop answers while a job waits ------------------------
conf_helpers 1
touch "$TMP/hold"
CYGNET_TEST_CRYPTO_HOLD=$TMP/hold pluto_start "$E" "$DE" && pluto_start "$W" "$DW" ||
	{ fail hold-setup "pluto did not start"; finish; }
queued() { we --status 2>/dev/null | grep -q 'crypto helper threads=1, crypto jobs=1 '; }
aw --up t >"$TMP/up.out" 2>&1 &
up=$!
if wait_until 10 queued; then
	pass hold-job-queued
else
	fail hold-job-queued "$(we --status 2>&1 | grep nhelpers)"
fi
# the loop serves the control socket while the job is held, and nothing
# is established yet
if we --status >/dev/null 2>&1 && [ "$(n_states "$E" "$DE" IKE)" = 0 ] && kill -0 $up 2>/dev/null; then
	pass hold-loop-answers
else
	fail hold-loop-answers "$(states)"
fi
rm -f "$TMP/hold"
wait $up; rc=$?
[ "$rc" = 0 ] && wait_until 5 one_each && traffic_ok && pass hold-released-up ||
	fail hold-released-up "rc $rc: $(tail -2 "$TMP/up.out" | tr '\n' '|'); $(states)"
finish
