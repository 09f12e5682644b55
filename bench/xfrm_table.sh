#!/bin/bash
# Benchmark: the kernel (XFRM) dataplane's SA table (src/dataplane/xfrm_table.c)
# alone, no kernel: ns and entries visited per operation (add, find by SPI,
# newest SA of a reqid as a policy add asks, expire, resync pass, delete)
# with SMALL and BIG peers (2 SAs each), and the ratio BIG/SMALL.  A walk
# over all SAs shows as a ratio near BIG/SMALL and visits growing with N;
# goal: ratios near 1 (caches), visits constant.  No root needed.
#   SMALL (default 1000), BIG (default 10000)
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
TOOL=${CYGNET_BUILD:-$TOP/build}/tools/xfrm_table_bench
[ -x "$TOOL" ] || { echo "xfrm_table: build first (make)" >&2; exit 1; }
exec "$TOOL" "${SMALL:-1000}" "${BIG:-10000}"
