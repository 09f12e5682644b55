#!/bin/bash
# Runs `ipsec addconn` (--checkconfig and every --list* mode) over each file
# of tests/corpus/conf/*.conf and compares with NAME.expect; then checks the
# readwriteconf round trip (parse -> write -> parse gives the same resolved
# keyword lists).  One PASS/FAIL line per file and check.
# CYGNET_RECORD=1 rewrites the .expect files (review them before committing).
set -u
TOP=${CYGNET_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
IPSEC=${CYGNET_BUILD:-$TOP/build}/ipsec
DIR=$TOP/tests/corpus/conf
[ -x "$IPSEC" ] || { echo "FAIL config_corpus: no binary $IPSEC"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0

# print stdout between [] with newlines shown as \n (the missing trailing
# newline of --listadd/--listroute/--liststart is part of the contract)
bracket() { local o; o=$("$@" 2>/dev/null; echo x); o=${o%x}; printf '[%s]\n' "${o//$'\n'/\\n}"; }

describe() {
	local f=$1 rc
	"$IPSEC" addconn --config "$f" --checkconfig >"$tmp/out" 2>"$tmp/err"; rc=$?
	echo "checkconfig rc=$rc"
	[ -s "$tmp/out" ] && sed 's/^/stdout: /' "$tmp/out"
	grep -v 'no default route' "$tmp/err" | sed 's/^/stderr: /'
	for m in listall listadd listroute liststart listignore; do
		printf '%s: ' $m; bracket "$IPSEC" addconn --config "$f" --$m
	done
}

cd "$DIR" || exit 1
for f in *.conf; do
	n=${f%.conf}
	describe "$f" >"$tmp/got"
	if [ "${CYGNET_RECORD:-}" = 1 ]; then
		cp "$tmp/got" "$n.expect"
	fi
	if [ ! -f "$n.expect" ]; then
		echo "FAIL corpus/$n: no $n.expect"; fails=$((fails + 1))
	elif diff -u "$n.expect" "$tmp/got" >"$tmp/diff"; then
		echo "PASS corpus/$n"
	else
		echo "FAIL corpus/$n: output differs from $n.expect"; sed 's/^/    /' "$tmp/diff" | head -20
		fails=$((fails + 1))
	fi
	# round trip: resolved config written back must parse to the same kv lists
	"$IPSEC" readwriteconf --config "$f" >"$tmp/w1" 2>/dev/null; rc1=$?
	[ $rc1 -le 1 ] || continue           # file does not load: nothing to write
	"$IPSEC" readwriteconf --config "$tmp/w1" >"$tmp/w2" 2>"$tmp/w2err"; rc=$?
	if [ $rc -ne 0 ] && [ $rc -ne $rc1 ]; then
		echo "FAIL roundtrip/$n: rewritten file gives rc $rc, original $rc1: $(head -1 "$tmp/w2err")"
		fails=$((fails + 1))
	elif diff <(grep -v -e '^#' -e '^$' "$tmp/w1") <(grep -v -e '^#' -e '^$' "$tmp/w2") >"$tmp/diff"; then
		echo "PASS roundtrip/$n"
	else
		echo "FAIL roundtrip/$n: second parse differs"; head -10 "$tmp/diff" | sed 's/^/    /'
		fails=$((fails + 1))
	fi
done
[ $fails -eq 0 ]
