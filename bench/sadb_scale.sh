#!/bin/bash
# Benchmark: the userspace SA database's cost per operation with 1,000 and
# 10,000 peers (build/tools/sadb_bench), and the ratio 10k/1k per
# operation.  Near 1 means no operation walks all SAs or policies (a walk
# shows as ~10).  Goal: every ratio well under 10 (setup of 10k <= 12x 1k).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BENCH=${CYGNET_BUILD:-$TOP/build}/tools/sadb_bench
[ -x "$BENCH" ] || { echo "sadb_scale: build first (make)" >&2; exit 1; }
small=${SMALL:-1000} big=${BIG:-10000}
a=$("$BENCH" "$small") || exit 1
b=$("$BENCH" "$big") || exit 1
printf '%-12s %12s %12s %8s\n' operation "ns/op@$small" "ns/op@$big" ratio
join <(echo "$a" | awk '{print $1, $3}' | sort) <(echo "$b" | awk '{print $1, $3}' | sort) |
	awk '{ printf "%-12s %12.1f %12.1f %8.2f\n", $1, $2, $3, ($2 > 0 ? $3 / $2 : 0) }'
