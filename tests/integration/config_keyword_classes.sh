#!/bin/bash
# Every keyword class, table-driven (src/config/keywords.c, via
# build/tools/kwsample: one valid value of each row's class):
# - "not supported yet": `addconn --checkconfig` exits 1 naming
#   FILE:LINE: conn NAME: KEY=VALUE is not supported by Cygnet; pluto's
#   start-up load logs the same line and skips that conn while the others
#   load; `ipsec auto --add` exits non-zero with the line.  In config setup:
#   checkconfig exits 1 and pluto does not start.
# - "no effect": accepted with FILE:LINE: warning: KEY=VALUE has no effect
#   in Cygnet, and the conn loads.
# The implemented keywords that change traffic prove their effect in the
# tunnel_*/daemon_* tests.
. "$(dirname "$0")/lib/common.sh"
SAMPLE=$BUILD/tools/kwsample
[ -x "$SAMPLE" ] || { fail setup "no $SAMPLE"; finish; }
"$SAMPLE" >"$TMP/samples" || { fail setup "kwsample failed"; finish; }
if awk '$4 == "-" { bad = bad " " $3 } END { if (bad) { print bad; exit 1 } }' "$TMP/samples" >"$TMP/nosample"; then
	pass samples
else
	fail samples "no valid value of its class for:$(cat "$TMP/nosample")"
fi

HOSTS=$'\tleft=192.0.2.1\n\tright=192.0.2.2\n\tauthby=secret\n\tauto=add'
good() { printf 'conn good\n%s\n' "$HOSTS"; }
# conn NAME KEY VALUE: a complete conn, then KEY=VALUE in place of its own
# KEY= if it has one; always 6 lines, KEY=VALUE on the last
conn() {
	printf 'conn %s\n' "$1"
	if grep -q "^	$2=" <<<"$HOSTS"; then
		grep -v "^	$2=" <<<"$HOSTS"
		printf '\t#\n'
	else
		printf '%s\n' "$HOSTS"
	fi
	printf '\t%s=%s\n' "$2" "$3"
}

# ---- offline, one file per keyword -----------------------------------------
n=0 bad_ck=
while read -r cls sec key value; do
	[ "$value" = - ] && continue
	n=$((n + 1))
	f=$TMP/k$n.conf
	if [ "$sec" = setup ]; then
		{ printf 'config setup\n\t%s=%s\n' "$key" "$value"; good; } >"$f"
		line=2 what="config setup: $key=$value"
	else
		{ good; conn "k$n" "$key" "$value"; } >"$f"
		line=11 what="conn k$n: $key=$value"
	fi
	"$IPSEC" addconn --config "$f" --checkconfig >/dev/null 2>"$TMP/err"; rc=$?
	if [ "$cls" = not-yet ]; then
		if [ $rc -ne 1 ] || ! grep -qF "$f:$line: $what is not supported by Cygnet (" "$TMP/err"; then
			bad_ck="$bad_ck $key=$value(rc $rc: $(head -1 "$TMP/err"))"
		fi
	elif [ $rc -ne 0 ] || ! grep -qF "$f:$line: warning: $key=$value has no effect in Cygnet (" "$TMP/err"; then
		bad_ck="$bad_ck $key=$value(rc $rc: $(head -1 "$TMP/err"))"
	fi
done <"$TMP/samples"
[ -z "$bad_ck" ] && [ $n -gt 50 ] && pass "checkconfig-every-class ($n keywords)" ||
	fail checkconfig-every-class "$n keywords; wrong:$bad_ck"

# ---- the daemon: start-up load and auto --add --------------------------------
if [ "$(id -u)" != 0 ]; then
	env_skip daemon-classes "needs root (network namespace)"; finish
fi
NS=${TAG}k D=$TMP/d
netns_add "$NS" || { fail setup "cannot create namespace"; finish; }
mkdir -p "$D"
{
	printf 'config setup\n\tprotostack=userspace\n'
	good
	n=0
	while read -r cls sec key value; do
		n=$((n + 1))
		[ "$sec" = conn ] && [ "$value" != - ] || continue
		conn "${cls%%-*}$n" "$key" "$value"
	done <"$TMP/samples"
} >"$D/ipsec.conf"
printf '192.0.2.1 192.0.2.2 : PSK "keyword-classes"\n' >"$D/ipsec.secrets"
pluto_start "$NS" "$D" || { fail daemon-start "$(tail -3 "$D/pluto.log")"; finish; }
cy_whack "$NS" "$D" --status >"$TMP/status" 2>&1
loaded() { grep -q "^000 \"$1\": " "$TMP/status"; }
miss= extra= nolog=
n=0
while read -r cls sec key value; do
	n=$((n + 1))
	[ "$sec" = conn ] && [ "$value" != - ] || continue
	name=${cls%%-*}$n
	if [ "$cls" = not-yet ]; then
		loaded "$name" && extra="$extra $name($key)"
		grep -qF "conn $name: $key=$value is not supported by Cygnet" "$D/pluto.log" || nolog="$nolog $key"
	else
		loaded "$name" || miss="$miss $name($key)"
	fi
done <"$TMP/samples"
loaded good || miss="$miss good"
[ -z "$extra" ] && pass startup-refused-not-loaded || fail startup-refused-not-loaded "loaded:$extra"
[ -z "$nolog" ] && pass startup-refusal-logged || fail startup-refusal-logged "no log line for:$nolog"
[ -z "$miss" ] && pass startup-others-load || fail startup-others-load "not loaded:$miss"

bad_add=
n=0
while read -r cls sec key value; do
	n=$((n + 1))
	[ "$sec" = conn ] && [ "$cls" = not-yet ] && [ "$value" != - ] || continue
	ip netns exec "$NS" "$IPSEC" auto --config "$D/ipsec.conf" --ctlsocket "$D/run/pluto.ctl" \
		--add "not$n" >"$TMP/out" 2>&1; rc=$?
	if [ $rc -eq 0 ] || ! grep -qF "conn not$n: $key=$value is not supported by Cygnet" "$TMP/out"; then
		bad_add="$bad_add $key(rc $rc: $(head -1 "$TMP/out"))"
	fi
done <"$TMP/samples"
[ -z "$bad_add" ] && pass auto-add-refused || fail auto-add-refused "$bad_add"
cy_whack "$NS" "$D" --status >"$TMP/status" 2>&1
loaded good && ! grep -q '^000 "not[0-9]*": ' "$TMP/status" && pass auto-add-keeps-state ||
	fail auto-add-keeps-state "$(grep -c '^000 "' "$TMP/status") conn lines"

# reqid= (implemented): 1..16379; one conn per reqid; not with subnets=
printf 'conn r1\n%s\n\treqid=100\nconn r2\n%s\n\treqid=100\n' "$HOSTS" "$HOSTS" >"$D/r1.conf"
cp "$D/r1.conf" "$D/r2.conf"
printf 'conn r3\n%s\n\treqid=16380\n' "$HOSTS" >"$D/r3.conf"
printf 'conn r4\n%s\n\treqid=101\n\tleftsubnets={10.1.0.0/24 10.2.0.0/24}\n\trightsubnet=10.3.0.0/24\n' \
	"$HOSTS" >"$D/r4.conf"
printf 'conn r5\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tauthby=secret\n\treqid=102\n\tleftsubnets={10.1.0.0/24 10.2.0.0/24}\n\trightsubnet=10.3.0.0/24\n' \
	>"$D/r5.conf"
ra() { ip netns exec "$NS" "$IPSEC" auto --config "$D/$1.conf" --ctlsocket "$D/run/pluto.ctl" --add "$1"; }
ra r1 >"$TMP/r1" 2>&1 && pass reqid-add || fail reqid-add "$(cat "$TMP/r1")"
if ! ra r2 >"$TMP/r2" 2>&1 && grep -q 'reqid=100 is already used by "r1"' "$TMP/r2"; then pass reqid-twice-refused
else fail reqid-twice-refused "$(cat "$TMP/r2")"; fi
if ! ra r3 >"$TMP/r3" 2>&1 && grep -q 'keyword reqid, invalid value: 16380 (a fixed reqid is 1 to 16379' "$TMP/r3"; then
	pass reqid-range
else fail reqid-range "$(cat "$TMP/r3")"; fi
if ! ra r4 >"$TMP/r4" 2>&1 && grep -q 'reqid=101 with leftsubnets=/rightsubnets= is not supported by Cygnet' "$TMP/r4"; then
	pass reqid-subnets-refused
else fail reqid-subnets-refused "$(cat "$TMP/r4")"; fi

# mark= selects packets by their mark: the userspace dataplane has none
printf 'conn m1\n%s\n\tmark=5/0xff\n' "$HOSTS" >"$D/m1.conf"
if ! ra m1 >"$TMP/m1" 2>&1 && grep -q 'mark= is not supported by Cygnet with protostack=userspace' "$TMP/m1"; then
	pass mark-userspace-refused
else fail mark-userspace-refused "$(cat "$TMP/m1")"; fi
printf 'conn p1\n%s\n\tpriority=100\n' "$HOSTS" >"$D/p1.conf"
if ! ra p1 >"$TMP/p1" 2>&1 && grep -q 'priority= is not supported by Cygnet with protostack=userspace' "$TMP/p1"; then
	pass priority-userspace-refused
else fail priority-userspace-refused "$(cat "$TMP/p1")"; fi
# an auto=ignore conn is checked whole by `auto --add`, before leftsubnets= splits it
if ! ra r5 >"$TMP/r5" 2>&1 && grep -q 'r5.conf:5: conn r5: reqid=102 with leftsubnets=/rightsubnets= is not supported' "$TMP/r5" &&
   ! cy_whack "$NS" "$D" --status 2>/dev/null | grep -q '"r5/'; then
	pass reqid-subnets-add-whole
else fail reqid-subnets-add-whole "$(cat "$TMP/r5")"; fi
pluto_stop "$D"

# ---- config setup: pluto does not start --------------------------------------
bad_setup=
n=0
while read -r cls sec key value; do
	n=$((n + 1))
	[ "$sec" = setup ] && [ "$cls" = not-yet ] && [ "$value" != - ] || continue
	{ printf 'config setup\n\t%s=%s\n' "$key" "$value"; good; } >"$D/s.conf"
	timeout 10 ip netns exec "$NS" "$IPSEC" pluto --nofork --config "$D/s.conf" \
		--secretsfile "$D/ipsec.secrets" --rundir "$D/run2" --ipsecdir "$D" \
		--logfile "$D/s.log" >"$TMP/out" 2>&1; rc=$?
	if [ $rc -eq 0 ] || [ $rc -eq 124 ] || ! grep -qF "config setup: $key=$value is not supported by Cygnet" "$TMP/out" "$D/s.log" 2>/dev/null; then
		bad_setup="$bad_setup $key(rc $rc)"
	fi
done <"$TMP/samples"
[ -z "$bad_setup" ] && pass setup-refused-no-start || fail setup-refused-no-start "$bad_setup"
finish
