#!/bin/bash
# Benchmark: parse a generated 10,000-conn ipsec.conf with
#   ipsec addconn --checkconfig   and   --listall
# with Cygnet, and --checkconfig with Libreswan (if installed), then print
# the times and the ratio.  Target: Cygnet well under one second.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
IPSEC=${CYGNET_BUILD:-$TOP/build}/ipsec
N=${N:-10000}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$TOP/bench/gen_conf.sh" "$N" >"$tmp/big.conf"
echo "generated $N conns: $(wc -c <"$tmp/big.conf") bytes"

t() {  # t LABEL CMD... -> best of 3: prints wall and CPU (user+sys) seconds; echoes wall
	local best= cpu= w u s
	for _ in 1 2 3; do
		/usr/bin/time -f '%e %U %S' -o "$tmp/time" "${@:2}" >/dev/null 2>"$tmp/err"; rc=$?
		read -r w u s <"$tmp/time"
		if [ -z "$best" ] || [ "$(echo "$w < $best" | bc -l)" = 1 ]; then
			best=$w; cpu=$(echo "$u + $s" | bc -l)
		fi
	done
	printf '%-40s %7.3f s wall %7.3f s cpu  (rc %d)\n' "$1" "$best" "$cpu" "$rc" >&2
	echo "$best"
}

c1=$(t "cygnet addconn --checkconfig" "$IPSEC" addconn --config "$tmp/big.conf" --checkconfig)
c2=$(t "cygnet addconn --listall" "$IPSEC" addconn --config "$tmp/big.conf" --listall)
[ "$("$IPSEC" addconn --config "$tmp/big.conf" --listall | wc -w)" -eq $((N + 1)) ] ||
	echo "WARNING: --listall did not list $((N + 1)) conns" >&2
if /usr/sbin/ipsec --version 2>/dev/null | grep -q Libreswan; then
	l1=$(t "libreswan addconn --checkconfig" /usr/sbin/ipsec addconn --config "$tmp/big.conf" --checkconfig)
	printf 'ratio libreswan/cygnet (--checkconfig): %.1fx\n' "$(echo "$l1 / $c1" | bc -l)"
else
	echo "libreswan not installed: no comparison"
fi
if [ "$(echo "$c1 < 1.0" | bc -l)" != 1 ]; then
	echo "FAIL: cygnet --checkconfig took ${c1}s (target < 1 s)"
	exit 1
fi
