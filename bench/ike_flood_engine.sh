#!/bin/bash
# Benchmark: the IKE engine's cost of a forged IKE_SA_INIT flood, in process
# (tests/tools/ike_flood_cost.c): N half-open IKE SAs from forged sources,
# then 20000 more forged requests answered with a stateless COOKIE, then one
# tick expiring all N.  Prints CPU microseconds per request for 1k and 10k
# half-open SAs and the 10k/1k ratios: a COOKIE answer should cost the same
# at any N (ratio ~1: no per-packet walk over the SAs), the tick ~10x (linear).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
TOOL=${CYGNET_BUILD:-$TOP/build}/tools/ike_flood_cost
[ -x "$TOOL" ] || { echo "build first: $TOOL missing" >&2; exit 1; }
out=$("$TOOL" 1000 10000) || exit 1
echo "$out"
field() { echo "$out" | sed -n "s/^N=$1 .* $2=\([0-9.]*\).*/\1/p"; }
for f in new-sa-us cookie-us tick-expire-all-ms; do
	a=$(field 1000 "$f") b=$(field 10000 "$f")
	printf '%-22s 1k %9s  10k %9s  ratio 10k/1k %6.2f\n' "$f" "$a" "$b" "$(echo "$b / $a" | bc -l)"
done
