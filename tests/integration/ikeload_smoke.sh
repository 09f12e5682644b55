#!/bin/bash
# The load generator (build/tools/ikeload) against a Cygnet responder:
#   gen  192.0.2.1 + 192.0.2.10-192.0.2.19 (aliases) --- 192.0.2.2  resp
# resp runs pluto with one right=%any PSK conn; ikeload brings up 50 IKE SAs
# with a Child SA each from the 10 aliases (window 16), and the responder's
# `whack --globalstatus` must count 50 authenticated IKE SAs and 50 Child
# SAs.  Then --delete: 20 more come up and are deleted again (the count
# goes back), childless is asked for and the Child SA still comes (Cygnet
# does not do RFC 6023), a wrong PSK fails cleanly, IPv6 works, and a flood of forged
# IKE_SA_INIT from 198.51.100.0/24 reaches the responder as half-open SAs.
. "$(dirname "$0")/lib/common.sh"
GEN=${TAG}gen RESP=${TAG}resp
LOAD=$BUILD/tools/ikeload
PSK=ikeload-smoke-0123456789
[ "$(id -u)" = 0 ] || { env_skip ikeload_smoke "needs root (namespaces)"; exit; }
[ -x "$LOAD" ] || { fail ikeload_built "no $LOAD"; finish; }

two_hosts "$GEN" "$RESP" || { fail setup "namespaces"; finish; }
for i in $(seq 10 19); do ip -n "$GEN" addr add 192.0.2.$i/24 dev va; done
# the flood's forged sources: their answers come back to gen (and die there)
ip -n "$RESP" route add 198.51.100.0/24 via 192.0.2.1

D=$TMP/resp
mkdir -p "$D"
cat >"$D/ipsec.conf" <<EOF
config setup
	uniqueids=no

conn load
	authby=secret
	left=192.0.2.2
	leftid=@resp.example
	right=%any
	rightid=%any
	ike=aes_gcm_16_256-sha2_256-curve25519,aes256-sha2_256-modp2048
	esp=aes_gcm_16_256
	auto=add

conn load6
	also=load
	left=2001:db8::2
	right=%any6
EOF
printf '@resp.example : PSK "%s"\n' "$PSK" >"$D/ipsec.secrets"
pluto_start "$RESP" "$D" || { fail pluto_start "$(tail -5 "$D/pluto.log" 2>/dev/null)"; finish; }

# gstat KEY: a number from the responder's --globalstatus
gstat() { cy_whack "$RESP" "$D" --globalstatus | sed -n "s/^.*current\.states\.$1=\([0-9]*\).*/\1/p" | head -1; }
is() { [ "$(gstat "$1")" = "$2" ]; }
at_least() { [ "$(gstat "$1")" -ge "$2" ]; }
load() { ip netns exec "$GEN" "$LOAD" --remote 192.0.2.2 --psk "$PSK" "$@"; }

out=$(load --src 192.0.2.10-192.0.2.19 -n 50 --window 16 --timeout 1000 2>"$TMP/err1")
rc=$?
echo "$out" >"$TMP/out1"
if [ $rc = 0 ] && grep -q 'established=50 child=50 .*failed=0' <<<"$out"; then
	pass load_50_established
else
	fail load_50_established "rc $rc: $out $(head -3 "$TMP/err1" | tr '\n' '|')"
fi
if grep -Eq 'rate=[0-9.]+ p50_ms=[0-9.]+ p99_ms=[0-9.]+' <<<"$out" && ! grep -q 'rate=0.0 ' <<<"$out"; then
	pass load_reports_rate_latency
else
	fail load_reports_rate_latency "$out"
fi
if wait_until 5 is iketype.authenticated 50 && is ipsec 50; then
	pass responder_counts_50
else
	fail responder_counts_50 "authenticated=$(gstat iketype.authenticated) ipsec=$(gstat ipsec)"
fi
# the SAs came from the ten aliases (the Child SAs' peer ends)
n_peers=$(cy_whack "$RESP" "$D" --showstates | grep -o 'esp\.[0-9a-f]*@192\.0\.2\.1[0-9] ' | sed 's/.*@//' | sort -u | wc -l)
if [ "$n_peers" = 10 ]; then pass load_from_10_sources; else fail load_from_10_sources "$n_peers peers"; fi

out=$(load --src 192.0.2.10-192.0.2.13 --sport 600 --ports 2 -n 20 --window 8 --delete --ike aes256-sha2_256-modp2048 2>"$TMP/err2")
rc=$?
if [ $rc = 0 ] && grep -q 'established=20 .*deleted=20 ' <<<"$out" && wait_until 5 is iketype.authenticated 50; then
	pass load_delete_after_establish
else
	fail load_delete_after_establish "rc $rc: $out authenticated=$(gstat iketype.authenticated) $(head -3 "$TMP/err2" | tr '\n' '|')"
fi

out=$(load --src 192.0.2.19 --sport 700 -n 5 --childless 2>/dev/null)
if grep -q 'established=5 child=5 childless=0 ' <<<"$out"; then
	pass childless_not_offered_child_comes
else
	fail childless_not_offered_child_comes "$out"
fi

out=$(ip netns exec "$GEN" "$LOAD" --remote 192.0.2.2 --psk wrong-psk --src 192.0.2.18 --sport 800 -n 3 \
	--timeout 300 --tries 2 2>"$TMP/err3")
rc=$?
if [ $rc = 1 ] && grep -q 'established=0 .*failed=3 ' <<<"$out"; then
	pass wrong_psk_fails
else
	fail wrong_psk_fails "rc $rc: $out"
fi

up=$(gstat iketype.authenticated)
out=$(load --remote 2001:db8::2 --src 2001:db8::1 --sport 900 -n 5 2>"$TMP/err6")
if grep -q 'established=5 child=5 .*failed=0 ' <<<"$out" && wait_until 5 is iketype.authenticated $((up + 5)); then
	pass load_ipv6
else
	fail load_ipv6 "$out $(head -2 "$TMP/err6" | tr '\n' '|')"
fi

before=$(gstat iketype.halfopen)
out=$(ip netns exec "$GEN" "$LOAD" --flood 198.51.100.0/24 --remote 192.0.2.2 --rate 200 -n 100 2>&1)
if grep -q 'flood sent=100 errors=0 ' <<<"$out" && wait_until 5 at_least iketype.halfopen $((before + 50)); then
	pass flood_makes_halfopen
else
	fail flood_makes_halfopen "$out halfopen=$(gstat iketype.halfopen)"
fi
finish
