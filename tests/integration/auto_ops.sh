#!/bin/bash
# Every `ipsec auto` operation against a running daemon (private rundir):
# success and failure paths with their exit codes, and with no daemon.
. "$(dirname "$0")/lib/local_daemon.sh" auto
A() { IPSEC_RUNDIR=$R "$B" auto "$@"; }
# t NAME WANT_RC [--out TEXT] -- auto args
t() {
	local name=$1 want=$2 text=; shift 2
	if [ "$1" = --out ]; then text=$2; shift 2; fi
	A "$@" >"$T/out" 2>&1; local rc=$?
	if [ "$rc" -ne "$want" ]; then fail "$name" "rc $rc want $want: $(head -3 "$T/out" | tr '\n' '|')"; return; fi
	if [ -n "$text" ] && ! grep -qF -- "$text" "$T/out"; then fail "$name" "no '$text' in $(head -3 "$T/out" | tr '\n' '|')"; return; fi
	pass "$name"
}

cat >"$T/ipsec.conf" <<CONF
conn %default
	authby=secret
	auto=ignore

conn c1
	left=192.0.2.1
	right=198.51.100.2
	connalias=grp

conn c2
	left=192.0.2.1
	right=198.51.100.3
	connalias=grp
CONF
printf '@a @b : PSK "0123456789abcdef"\n' >"$T/ipsec.secrets"
mkdir -p "$T/policies"; printf '192.0.2.0/24\n# comment\n198.51.100.7\n' >"$T/policies/clear"
C="--config $T/ipsec.conf"

# no daemon: whack ops 33, add 255, config errors first (21)
t nodaemon_status 33 --out "whack: Pluto is not running (no \"$S\")" --status
t nodaemon_add 255 --out 'connect(pluto_ctl) failed: No such file or directory' $C --add c1
t nodaemon_add_unknown 21 --out "conn 'nosuch': not found (tried aliases)" $C --add nosuch
t nodaemon_replace 255 $C --replace c1
t nodaemon_start 33 $C --start c1

"$B" pluto --nofork --stderrlog --config "$T/ipsec.conf" --secretsfile "$T/ipsec.secrets" \
	--rundir "$R" --ipsecdir "$T" >"$T/pluto.log" 2>&1 &
pid=$!
wait_for "\"$B\" whack --ctlsocket $S --briefstatus >/dev/null 2>&1" || { fail start "$(tail -3 "$T/pluto.log")"; exit 1; }

t add_ok 0 $C --add c1
[ -s "$T/out" ] && fail add_silent "$(cat "$T/out")" || pass add_silent
t add_duplicate 20 --out 'already exists' $C --add c1
t add_unknown 21 --out "conn 'nosuch': not found (tried aliases)" $C --add nosuch
t add_alias 0 $C --add c2
t status_lists_both 0 --out '"c2": 192.0.2.1...198.51.100.3; unrouted; eroute owner: #0' --status
t replace_loaded 0 --out '"c1": terminating SAs using this connection' $C --replace c1
t replace_unknown 21 $C --replace nosuch
t add_verbose_streams_log 0 --out "added IKEv2 connection" --verbose $C --replace c2
# the daemon here runs outside any namespace: 192.0.2.1 is not ours, so c1 is unoriented
t up_unoriented 36 --out 'neither left nor right is an address of this host' --up c1
t up_async_unoriented 36 --asynchronous --up c1
t up_unknown 21 --out '021 no connection named "nosuch"' --up nosuch
t down_no_sas 0 --out '"c1": terminating SAs using this connection' --down c1
t down_unknown 21 --down nosuch
t route_unoriented 25 --out '"c1": could not route: neither left nor right' --route c1
t route_unknown 25 --out "025 no connection or alias 'nosuch'" --route nosuch
t unroute_not_routed 0 --unroute c1
[ -s "$T/out" ] && fail unroute_not_routed_silent "$(cat "$T/out")" || pass unroute_not_routed_silent
t unroute_unknown 25 --out "025 no connection or alias 'nosuch'" --unroute nosuch
t start_loaded_dup 36 $C --start c1
t ondemand_unknown 25 --out "025 no connection or alias 'nosuch'" $C --ondemand nosuch
t ready 0 --out '002 listening for IKE messages' --ready
t rereadsecrets 0 --out "002 loading secrets from \"$T/ipsec.secrets\"" --rereadsecrets
t rereadall 0 --rereadall
t rereadcerts 0 --rereadcerts
t rereadgroups 0 --rereadgroups
t listgroups 0 --out '000     198.51.100.7' --listgroups
t listall 0 --out '000 List of Pre-shared secrets' --listall
t listcerts 0 --out '000 List of X.509 End Certificates:' --listcerts
t listpubkeys 0 --out '000 List of Public Keys:' --listpubkeys
t listcacerts 0 --out '000 List of X.509 CA Certificates:' --listcacerts
t listcrls 0 --out '000 List of CRLs:' --utc --listcrls
t checkpubkeys 0 --checkpubkeys
t purgeocsp 0 --out '000 List of CRLs:' --purgeocsp
t fetchcrls_usage 10 --fetchcrls
t delete_alias 0 --out 'terminated 2 connections from aliased connection "grp"' --delete grp
t delete_unknown 21 --delete c1
t status_empty 0 --out 'Total IPsec connections: loaded 0, active 0' --status
t start_ok_but_up_fails 36 --out 'unoriented' $C --start c1
printf '@a @b : PSK "0123456789abcdef"\n@c @d PSK\n' >"$T/ipsec.secrets"
t rereadsecrets_bad 32 --out 'bad entr' --rereadsecrets
"$B" whack --ctlsocket "$S" --shutdown >/dev/null 2>&1
wait "$pid"; pid=
exit $((fails > 0))
