#!/bin/bash
# ipsec addconn / readwriteconf command line: options, precedence, exit
# statuses, stdin, --configsetup, names, and %defaultroute resolved from the
# routing table of a network namespace created here.
set -u
TOP=${CYGNET_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
IPSEC=${CYGNET_BUILD:-$TOP/build}/ipsec
[ -x "$IPSEC" ] || { echo "FAIL config_addconn_cli: no binary $IPSEC"; exit 1; }
tmp=$(mktemp -d)
NS=cyg-cfg-$$
cleanup() { ip netns del "$NS" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fails=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }
# expect NAME WANT_RC WANT_STDOUT CMD...  (stdout compared exactly, newlines as \n)
expect() {
	local name=$1 want_rc=$2 want_out=$3 out rc; shift 3
	out=$("$@" 2>"$tmp/err"; echo "x$?"); rc=${out##*x}; out=${out%x*}
	out=${out//$'\n'/\\n}
	if [ "$rc" != "$want_rc" ]; then fail "$name" "rc $rc, want $want_rc ($(head -1 "$tmp/err"))"
	elif [ "$want_out" != "*" ] && [ "$out" != "$want_out" ]; then fail "$name" "stdout [$out], want [$want_out]"
	else pass "$name"; fi
}

cat >"$tmp/a.conf" <<'CONF'
config setup
	uniqueids=no
	shuntlifetime=15m
conn base
	left=192.0.2.1
	authby=secret
conn one
	also=base
	right=192.0.2.2
	connalias=grp
	auto=add
conn two
	also=base
	right=192.0.2.3
	connalias=grp
	auto=start
conn three
	left=192.0.2.1
	right=192.0.2.4
	authby=secret
	auto=route
conn bad
	left=192.0.2.1
	right=192.0.2.5
	leftsubnet=10.0.0.0/99
	auto=add
CONF
A=$tmp/a.conf

expect usage-no-args 10 "" "$IPSEC" addconn
expect usage-unknown-option 10 "" "$IPSEC" addconn --rootdir /x --checkconfig
expect usage-help 10 "" "$IPSEC" addconn --help
grep -q '^Usage: addconn \[--config file\]' "$tmp/err" && pass usage-text || fail usage-text "no usage on stderr"
expect checkconfig-error-rc 1 "" "$IPSEC" addconn --config "$A" --checkconfig
grep -q "a.conf:25: keyword leftsubnet, invalid value: 10.0.0.0/99" "$tmp/err" && pass error-file-line || fail error-file-line "$(cat "$tmp/err")"
expect listall 1 'base one two three bad \n' "$IPSEC" addconn --config "$A" --listall
expect listadd-no-newline 1 'one ' "$IPSEC" addconn --config "$A" --listadd
expect listroute-includes-start 1 'two three ' "$IPSEC" addconn --config "$A" --listroute
expect list-order 1 'one two three two base bad \n' "$IPSEC" addconn --config "$A" --listignore --liststart --listroute --listadd
expect listall-wins 1 'base one two three bad \n' "$IPSEC" addconn --config "$A" --listadd --listall
expect checkconfig-wins 1 '' "$IPSEC" addconn --config "$A" --checkconfig --listall
expect liststack 1 'base one two three bad \nxfrm\n' "$IPSEC" addconn --config "$A" --listall --liststack
expect liststack-before-configsetup 1 'xfrm\n' "$IPSEC" addconn --config "$A" --liststack --configsetup
expect stdin-config 0 'x \n' "$IPSEC" addconn --config - --listall < <(printf 'conn x\n\tleft=192.0.2.1\n')
expect missing-file 3 '' "$IPSEC" addconn --config "$tmp/nonexistent.conf" --checkconfig
grep -q "^cannot load config '$tmp/nonexistent.conf': can't load file" "$tmp/err" && pass missing-file-msg || fail missing-file-msg "$(cat "$tmp/err")"
printf 'conn x\n\tfrobnicate=1\n' >"$tmp/syn.conf"
expect syntax-error 3 '' "$IPSEC" addconn --config "$tmp/syn.conf" --listall
grep -q "syn.conf:2: syntax error: unknown keyword 'frobnicate'" "$tmp/err" && pass syntax-error-msg || fail syntax-error-msg "$(cat "$tmp/err")"

# --configsetup
out=$("$IPSEC" addconn --config "$A" --configsetup 2>/dev/null)
head -3 <<<"$out" | tr '\n' '|' | grep -qx "export confreadstatus=''|export configfile='$A'|export ctlsocket='/run/pluto/pluto.ctl'|" &&
	pass configsetup-head || fail configsetup-head "$(head -3 <<<"$out")"
grep -qx "export uniqueids='no'" <<<"$out" && grep -qx "export shuntlifetime='900000'" <<<"$out" &&
	grep -qx "export secretsfile='/etc/ipsec.secrets'" <<<"$out" && pass configsetup-values || fail configsetup-values "$out"
out=$("$IPSEC" addconn --config "$A" --configsetup --noexport --varprefix P_ 2>/dev/null)
grep -qx " P_uniqueids='no'" <<<"$out" && grep -qx " configfile='$A'" <<<"$out" &&
	pass configsetup-noexport-varprefix || fail configsetup-noexport-varprefix "$(head -5 <<<"$out")"
expect configsetup-empty-lists 1 '*' "$IPSEC" addconn --config "$A" --configsetup --listadd
grep -q "^export" <<<"$("$IPSEC" addconn --config "$A" --configsetup --listadd 2>/dev/null | head -1)" &&
	pass configsetup-lists-empty || fail configsetup-lists-empty "a list was printed"

# names (online part: no daemon yet)
expect name-not-found 21 '' "$IPSEC" addconn --config "$A" nosuch
grep -qx "conn 'nosuch': not found (tried aliases)" "$tmp/err" && pass not-found-msg || fail not-found-msg "$(cat "$tmp/err")"
expect two-not-found 42 '' "$IPSEC" addconn --config "$A" nosuch1 nosuch2
expect default-not-a-conn 21 '' "$IPSEC" addconn --config "$A" %default
expect broken-named 1 '' "$IPSEC" addconn --config "$A" bad
grep -qx "conn bad did not load properly" "$tmp/err" && pass broken-named-msg || fail broken-named-msg "$(cat "$tmp/err")"
expect alias-offline 255 '' "$IPSEC" addconn --ctlsocket "$tmp/none.ctl" --config "$A" grp
grep -qE "cannot reach pluto|connect\(pluto_ctl\) failed" "$tmp/err" && pass online-unreachable || fail online-unreachable "$(cat "$tmp/err")"

# --keywords: the class of every keyword, and the man page states the same
# (scripts/gen-man-keywords rewrites the page's table)
expect keywords-rc 0 '*' "$IPSEC" addconn --keywords
kw=$("$IPSEC" addconn --keywords)
grep -qE '^conn +compress +implemented: no; other values not supported yet \(IPComp\)$' <<<"$kw" &&
	grep -qE '^setup +seedbits +no effect \(' <<<"$kw" && grep -qE '^conn +ike +implemented$' <<<"$kw" &&
	! grep -q unclassified <<<"$kw" && pass keywords-classes || fail keywords-classes "$(head -3 <<<"$kw")"
man_kw=$(sed -n '/^\.\\" BEGIN KEYWORDS/,/^\.\\" END KEYWORDS/p' "$TOP/man/ipsec_addconn.8" | sed '1,2d; $d' | sed '$d; s/\\e/\\/g')
[ -n "$kw" ] && [ "$man_kw" = "$kw" ] && pass keywords-man-page ||
	fail keywords-man-page "man/ipsec_addconn.8 differs from addconn --keywords: run scripts/gen-man-keywords"
"$IPSEC" addconn --help 2>&1 | grep -q -- '--keywords (Cygnet)' && pass keywords-in-help || fail keywords-in-help

# readwriteconf
expect rwc-unknown-option 5 '' "$IPSEC" readwriteconf --bogus
expect rwc-conn 1 '*' "$IPSEC" readwriteconf --config "$A" --conn one --nosetup
"$IPSEC" readwriteconf --config "$A" --conn one --nosetup 2>/dev/null | grep -v '^#' | tr '\n' '|' |
	grep -qx 'version 2||conn one|	right=192.0.2.2|	connalias=grp|	auto=add|	left=192.0.2.1|	authby=secret|' &&
	pass rwc-conn-content || fail rwc-conn-content "$("$IPSEC" readwriteconf --config "$A" --conn one --nosetup 2>&1)"
expect rwc-conn-missing 1 '*' "$IPSEC" readwriteconf --config "$A" --conn nosuch
expect rwc-missing-file 3 '' "$IPSEC" readwriteconf --config "$tmp/nonexistent.conf"

# %defaultroute from a namespace's main table
if [ "$(id -u)" = 0 ] && ip netns add "$NS" 2>/dev/null; then
	ip -n "$NS" link add v0 type veth peer name v1 &&
	ip -n "$NS" addr add 192.0.2.1/24 dev v0 && ip -n "$NS" link set v0 up &&
	ip -n "$NS" link set v1 up && ip -n "$NS" route add default via 192.0.2.254 dev v0
	printf 'conn dr\n\tleft=%%defaultroute\n\tright=198.51.100.7\n\tauthby=secret\n\tauto=add\n' >"$tmp/dr.conf"
	out=$(ip netns exec "$NS" "$IPSEC" readwriteconf --config "$tmp/dr.conf" --nosetup 2>&1)
	grep -qx $'\tleft=192.0.2.1' <<<"$out" && grep -qx $'\tleftnexthop=192.0.2.254' <<<"$out" &&
		pass defaultroute-netns || fail defaultroute-netns "$out"
	ip -n "$NS" route del default
	out=$(ip netns exec "$NS" "$IPSEC" readwriteconf --config "$tmp/dr.conf" --nosetup 2>&1)
	grep -qx $'\tleft=%defaultroute' <<<"$out" && grep -q "no default route" <<<"$out" &&
		pass defaultroute-none || fail defaultroute-none "$out"
else
	. "$TOP/tests/integration/lib/env.sh"
	env_skip defaultroute-netns "needs root and ip netns" || fails=$((fails + 1))
fi
[ $fails -eq 0 ]
