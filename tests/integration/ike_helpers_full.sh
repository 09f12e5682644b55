#!/bin/bash
# The crypto helpers' queue full (issue 13, nhelpers=): a responder with
# nhelpers=1 (a queue of 256 jobs) whose helper is held (test hook
# CYGNET_TEST_CRYPTO_HOLD=FILE) gets 300 IKE_SA_INIT requests at once from
# the load generator:
#   - 256 jobs wait, the others are refused: dropped and counted (status:
#     "refused=N", IKE drops: "crypto job queue full or job in progress"),
#     no half-open SA is kept for them;
#   - the event loop answers control requests meanwhile;
#   - released, every SA comes up (the refused ones on their retransmission).
. "$(dirname "$0")/lib/common.sh"
GEN=${TAG}gen RESP=${TAG}resp
LOAD=$BUILD/tools/ikeload
PSK=ike-helpers-full-0123456789
[ "$(id -u)" = 0 ] || { env_skip ike_helpers_full "needs root (namespaces)"; exit; }
[ -x "$LOAD" ] || { fail ikeload_built "no $LOAD"; finish; }

two_hosts "$GEN" "$RESP" || { fail setup "namespaces"; finish; }
for i in $(seq 10 19); do ip -n "$GEN" addr add 192.0.2.$i/24 dev va; done
D=$TMP/resp
mkdir -p "$D"
cat >"$D/ipsec.conf" <<EOF
config setup
	uniqueids=no
	nhelpers=1

conn load
	authby=secret
	left=192.0.2.2
	leftid=@resp.example
	right=%any
	rightid=%any
	ike=aes_gcm_16_256-sha2_256-curve25519
	esp=aes_gcm_16_256
	auto=add
EOF
printf '@resp.example : PSK "%s"\n' "$PSK" >"$D/ipsec.secrets"
touch "$TMP/hold"
CYGNET_TEST_CRYPTO_HOLD=$TMP/hold pluto_start "$RESP" "$D" || { fail pluto_start "$(tail -5 "$D/pluto.log" 2>/dev/null)"; finish; }

helpers() { cy_whack "$RESP" "$D" --status | grep 'crypto helper threads='; }
full() { helpers | grep -Eq 'crypto jobs=256 \(max 256 of 256\), refused=[1-9]'; }
gstat() { cy_whack "$RESP" "$D" --globalstatus | sed -n "s/^.*current\.states\.$1=\([0-9]*\).*/\1/p" | head -1; }

ip netns exec "$GEN" "$LOAD" --remote 192.0.2.2 --psk "$PSK" --src 192.0.2.10-192.0.2.19 --ports 30 \
	-n 300 --window 300 --timeout 1000 --tries 8 >"$TMP/load.out" 2>"$TMP/load.err" &
load=$!
if wait_until 20 full; then
	pass queue-full-refused
else
	fail queue-full-refused "$(helpers)"
fi
cy_whack "$RESP" "$D" --status | grep -q 'IKE drops:.*crypto job queue full or job in progress' &&
	pass queue-full-counted || fail queue-full-counted "$(cy_whack "$RESP" "$D" --status | grep 'IKE drops')"
# only the queued requests hold a half-open IKE SA; none is established
[ "$(gstat iketype.authenticated)" = 0 ] && [ "$(cy_whack "$RESP" "$D" --globalstatus | sed -n 's/.*current\.states\.ike=//p')" -le 256 ] &&
	pass queue-full-loop-answers || fail queue-full-loop-answers "$(cy_whack "$RESP" "$D" --globalstatus | tr '\n' ' ')"
rm -f "$TMP/hold"
wait $load; rc=$?
if [ $rc = 0 ] && grep -q 'established=300 child=300 .*failed=0' "$TMP/load.out"; then
	pass released-all-up
else
	fail released-all-up "rc $rc: $(cat "$TMP/load.out") $(head -3 "$TMP/load.err" | tr '\n' '|')"
fi
helpers | grep -q 'crypto jobs=0 ' && pass released-queue-empty || fail released-queue-empty "$(helpers)"
finish
