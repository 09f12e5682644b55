#!/bin/bash
# The IKE engine alone (issue 13 item 3): build/tools/ike_engine_bench brings
# N and then N_BIG IKE SAs + Child SAs up between two engines in one process
# (fake clock, fake network, no sockets, no dataplane; X25519, AES-GCM, one
# SA after the other), then deletes them (`ike_terminate` of each of the
# initiator's conns).  Prints the CPU time of each phase, per SA, and the
# ratio of N_BIG's setup time to N's (linear: N_BIG/N).  No root needed.
#   bench/ike_engine.sh                      (N=1000 N_BIG=10000)
#   TOOL=/path/to/another/ike_engine_bench bench/ike_engine.sh   (compare builds)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-1000} N_BIG=${N_BIG:-10000}
TOOL=${TOOL:-$top/${BUILD:-build}/tools/ike_engine_bench}
[ -x "$TOOL" ] || { echo "ike_engine: no $TOOL (run make)"; exit 1; }
field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$2"; }
a=$("$TOOL" "$N") || { echo "ike_engine: N=$N failed: $a"; exit 1; }
b=$("$TOOL" "$N_BIG") || { echo "ike_engine: N_BIG=$N_BIG failed: $b"; exit 1; }
echo "$a"
echo "$b"
awk -v n="$N" -v nb="$N_BIG" -v s1="$(field setup_s "$a")" -v s2="$(field setup_s "$b")" \
	-v d1="$(field delete_s "$a")" -v d2="$(field delete_s "$b")" 'BEGIN {
	printf("setup %d SAs / %d SAs: %.1fx (linear %.1fx); delete: %.1fx\n", nb, n,
		(s1 > 0 ? s2 / s1 : 0), nb / n, (d1 > 0 ? d2 / d1 : 0)) }'
