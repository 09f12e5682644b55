#!/bin/bash
# `ipsec auto --showonly`: the exact command lines of reference §1 for every
# operation and option combination, plus the CLI parsing rules (§1.1, §1.2).
set -u
B=${CYGNET_BUILD:?}/ipsec
fails=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }
S=/run/pluto/pluto.ctl
X=/tmp/cygnet-test-$$/x.sock

# label | args | expected stdout (lines separated by ";")
while IFS='|' read -r label args want; do
	[ -z "$label" ] && continue
	out=$(env -u IPSEC_RUNDIR "$B" auto --showonly $args 2>/dev/null | paste -sd';')
	rc=$?
	if [ "$out" = "$want" ]; then pass "showonly_$label"; else fail "showonly_$label" "got [$out] want [$want]"; fi
done <<EOF2
add|--add c|ipsec addconn --ctlsocket $S c
add_verbose_config|--verbose --config /x/ipsec.conf --add c|ipsec addconn --ctlsocket $S --verbose --config /x/ipsec.conf c
delete|--delete c|ipsec whack --ctlsocket $S --name c --delete
delete_ignores_config|--config /x --verbose --delete c|ipsec whack --ctlsocket $S --name c --delete
replace|--replace c|ipsec whack --ctlsocket $S --name c --delete;ipsec addconn --ctlsocket $S c
replace_verbose_config|--verbose --config /x/ipsec.conf --replace myconn|ipsec whack --ctlsocket $S --name myconn --delete;ipsec addconn --ctlsocket $S --verbose --config /x/ipsec.conf myconn
start|--start c|ipsec addconn --ctlsocket $S c;ipsec whack --ctlsocket $S --name c --initiate
start_async_remote|--asynchronous --remote-host 192.0.2.99 --start myconn|ipsec addconn --ctlsocket $S myconn;ipsec whack --ctlsocket $S --asynchronous --name myconn --initiate --remote-host 192.0.2.99
up|--up c|ipsec whack --ctlsocket $S --name c --initiate
up_async|--asynchronous --up c|ipsec whack --ctlsocket $S --asynchronous --name c --initiate
up_remote|--remote-host 192.0.2.7 --up c|ipsec whack --ctlsocket $S --name c --initiate --remote-host 192.0.2.7
down|--down c|ipsec whack --ctlsocket $S --name c --terminate
down_async_ignored|--asynchronous --down c|ipsec whack --ctlsocket $S --name c --terminate
route|--route c|ipsec whack --ctlsocket $S --name c --route
unroute|--unroute c|ipsec whack --ctlsocket $S --name c --unroute
ondemand|--ondemand c|ipsec addconn --ctlsocket $S c;ipsec whack --ctlsocket $S --name c --route
rotatecert|--rotatecert c|ipsec addconn --ctlsocket $S c
status|--status|ipsec whack --ctlsocket $S --status
status_utc_ignored|--utc --status|ipsec whack --ctlsocket $S --status
ready|--ready|ipsec whack --ctlsocket $S --listen
rereadsecrets|--rereadsecrets|ipsec whack --ctlsocket $S --rereadsecrets
rereadall|--rereadall|ipsec whack --ctlsocket $S --rereadall
rereadcerts|--rereadcerts|ipsec whack --ctlsocket $S --rereadcerts
rereadgroups|--rereadgroups|ipsec whack --ctlsocket $S --rereadgroups
listgroups|--listgroups|ipsec whack --ctlsocket $S --listgroups
listall|--listall|ipsec whack --ctlsocket $S --listall
listall_utc|--utc --listall|ipsec whack --ctlsocket $S --utc --listall
listcerts_utc|--utc --listcerts|ipsec whack --ctlsocket $S --utc --listcerts
listpubkeys|--listpubkeys|ipsec whack --ctlsocket $S --listpubkeys
checkpubkeys_utc|--utc --checkpubkeys|ipsec whack --ctlsocket $S --utc --checkpubkeys
listcacerts|--listcacerts|ipsec whack --ctlsocket $S --listcacerts
listcrls_utc|--utc --listcrls|ipsec whack --ctlsocket $S --utc --listcrls
purgeocsp_utc|--utc --purgeocsp|ipsec whack --ctlsocket $S --utc --listall --purgeocsp
fetchcrls|--fetchcrls|ipsec addconn --ctlsocket $S
ctlsocket|--ctlsocket $X --up c|ipsec whack --ctlsocket $X --name c --initiate
dashdash|--add -- c|ipsec addconn --ctlsocket $S c
show_ignored|--show --status|ipsec whack --ctlsocket $S --status
EOF2

# IPSEC_RUNDIR moves the default socket
out=$(IPSEC_RUNDIR=/tmp/rd$$ "$B" auto --showonly --status)
[ "$out" = "ipsec whack --ctlsocket /tmp/rd$$/pluto.ctl --status" ] && pass ipsec_rundir || fail ipsec_rundir "$out"

# obsolete syntax: same lines plus a warning on stderr
out=$(env -u IPSEC_RUNDIR "$B" auto --showonly c up 2>/tmp/err$$)
[ "$out" = "ipsec whack --ctlsocket $S --name c --initiate" ] && grep -q 'ipsec auto: warning: obsolete command syntax used' /tmp/err$$ \
	&& pass obsolete_named || fail obsolete_named "$out / $(cat /tmp/err$$)"
out=$(env -u IPSEC_RUNDIR "$B" auto --showonly status 2>/tmp/err$$)
[ "$out" = "ipsec whack --ctlsocket $S --status" ] && grep -q 'obsolete command syntax' /tmp/err$$ \
	&& pass obsolete_bare || fail obsolete_bare "$out"
rm -f /tmp/err$$

# parsing errors: label | args | rc | stderr must contain
while IFS='|' read -r label args want_rc want_err; do
	[ -z "$label" ] && continue
	err=$("$B" auto --showonly $args 2>&1 >/dev/null); rc=$?
	if [ "$rc" = "$want_rc" ] && [[ "$err" == *"$want_err"* ]]; then pass "usage_$label"; else fail "usage_$label" "rc $rc err [$err]"; fi
done <<'EOF2'
option_after_name|--add c --verbose|2|Usage:
remote_after_name|--up c --remote-host 192.0.2.1|2|Usage:
two_ops|--add --delete c|2|Usage:
missing_name|--add|2|Usage:
extra_positional|--status extra|2|Usage:
unknown_option|--bogus|2|ipsec auto: unknown option "--bogus"
missing_value|--add c --config|2|Usage:
config_no_value|--config|2|needs a value
dashdash_first|-- --add c|2|Usage:
no_args||2|Usage:
EOF2

out=$("$B" auto --help 2>/dev/null); rc=$?
[ $rc -eq 0 ] && [[ "$out" == Usage:* ]] && [[ "$out" == *"ipsec auto [--showonly] --{ready|status}"* ]] && pass help_stdout || fail help_stdout "rc $rc"
out=$("$B" auto --showonly --rereadcrls 2>&1); rc=$?
[ $rc -eq 1 ] && [ "$out" = "ipsec auto --rereadcrls has been obsoleted - please see: ipsec crls" ] && pass rereadcrls_obsoleted || fail rereadcrls_obsoleted "rc $rc [$out]"
exit $((fails > 0))
