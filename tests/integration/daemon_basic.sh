#!/bin/bash
# The daemon and its control channel: start-up load, pid file, whack exit
# codes, malformed/oversized/stalled/concurrent clients, SIGHUP, SIGTERM.
. "$(dirname "$0")/lib/local_daemon.sh" daemon
RAW=$CYGNET_BUILD/tools/ctl_raw
# expect NAME WANT_RC CMD...  (stdout+stderr in $T/out)
expect() {
	local name=$1 want=$2; shift 2
	"$@" >"$T/out" 2>&1; local rc=$?
	if [ "$rc" -eq "$want" ]; then pass "$name"; else fail "$name" "rc $rc, want $want: $(head -3 "$T/out" | tr '\n' '|')"; fi
}
has() { if grep -qF -- "$2" "$T/out"; then pass "$1"; else fail "$1" "no '$2' in: $(head -5 "$T/out" | tr '\n' '|')"; fi; }
# the daemon drops a client that sent part of a message and then nothing for
# this long; long enough that "served while another client stalls" has a
# real margin below it
CTL_TIMEOUT=3

cat >"$T/ipsec.conf" <<CONF
config setup
	plutodebug=none

conn %default
	authby=secret

conn loaded
	left=192.0.2.1
	leftsubnet=10.1.0.0/24
	right=198.51.100.2
	rightid=@east.example
	rightsubnet=10.2.0.0/24
	connalias=grp
	initial-contact=no
	send-no-esp-tfc=yes
	auto=add

conn notloaded
	left=192.0.2.1
	right=198.51.100.3
	auto=ignore

conn starter
	left=192.0.2.1
	right=198.51.100.4
	auto=start

conn routed
	left=192.0.2.1
	right=198.51.100.5
	auto=ondemand
CONF
printf '@west @east.example : PSK "0123456789abcdef"\n' >"$T/ipsec.secrets"
chmod 600 "$T/ipsec.secrets"

start() {
	"$B" pluto --nofork --stderrlog --config "$T/ipsec.conf" --secretsfile "$T/ipsec.secrets" \
		--rundir "$R" --ipsecdir "$T" --ctl-timeout "$CTL_TIMEOUT" >>"$T/pluto.log" 2>&1 &
	pid=$!
	wait_for "kill -0 $pid 2>/dev/null && \"$B\" whack --ctlsocket \"$S\" --briefstatus >/dev/null 2>&1"
}

# not running
expect not_running_rc 33 "$B" whack --ctlsocket "$S" --status
has not_running_msg "whack: Pluto is not running (no \"$S\")"

if ! start; then fail start "no socket: $(tail -5 "$T/pluto.log")"; exit 1; fi
pass start
[ "$(stat -c %a "$S")" = 600 ] && pass socket_mode_0600 || fail socket_mode_0600 "$(stat -c %a "$S")"
[ "$(cat "$R/pluto.pid")" = "$pid" ] && pass pidfile || fail pidfile "$(cat "$R/pluto.pid")"

# start-up load: auto=add loaded, auto=ignore not
expect status_rc 0 "$B" whack --ctlsocket "$S" --status
has status_head '000 "loaded": 10.1.0.0/24===192.0.2.1...198.51.100.2[@east.example]===10.2.0.0/24; unrouted; eroute owner: #0'
has status_policy '000 "loaded":   policy: IKEv2+PSK+ENCRYPT+TUNNEL+PFS+IKE_FRAG_ALLOW+ESN_NO+ESN_YES;'
has status_ids '000 "loaded":   our idtype: ID_IPV4_ADDR; our id=192.0.2.1; their idtype: ID_FQDN; their id=@east.example'
has status_lifetimes '000 "loaded":   ike_life: 28800s; ipsec_life: 28800s; ipsec_max_bytes: 2^63B; ipsec_max_packets: 2^63; replay_window: 128; rekey_margin: 540s; rekey_fuzz: 100%; keyingtries: 0;'
has status_options '000 "loaded":   initial-contact:no; cisco-unity:no; fake-strongswan:no; send-vendorid:no; send-no-esp-tfc:yes;'
# 18 lines as Libreswan 4.10 prints for this conn (its connalias=grp adds "aliases: grp")
n=$(grep -c '^000 "loaded": ' "$T/out"); [ "$n" = 18 ] && pass status_block_18_lines || fail status_block_18_lines "$n lines"
has status_aliases '000 "loaded":   aliases: grp'
has status_total '000 Total IPsec connections: loaded 3, active 0'
order=$(grep -o '^000 "[a-z]*": [^ ]*\.\.\.' "$T/out" | cut -d'"' -f2 | paste -sd,)
[ "$order" = "loaded,routed,starter" ] && pass status_sorted || fail status_sorted "$order"
grep -q '"starter": cannot initiate: neither left nor right' "$T/pluto.log" && pass startup_auto_start_logged || fail startup_auto_start_logged "$(tail -3 "$T/pluto.log")"
grep -q '"routed": could not route: neither left nor right' "$T/pluto.log" && pass startup_auto_ondemand_logged || fail startup_auto_ondemand_logged "no log"
if grep -q notloaded "$T/out"; then fail autoignore "auto=ignore conn loaded"; else pass autoignore; fi

# second instance refused while the first lives
"$B" pluto --nofork --stderrlog --config "$T/ipsec.conf" --rundir "$R" >"$T/out" 2>&1
rc=$?; [ $rc -ne 0 ] && grep -q 'already exists' "$T/out" && pass second_instance_refused || fail second_instance_refused "rc $rc $(cat "$T/out")"

# whack exit codes
expect whack_unknown_up 21 "$B" whack --ctlsocket "$S" --name nosuch --initiate
has whack_unknown_up_msg '021 no connection named "nosuch"'
expect whack_up_unoriented 36 "$B" whack --ctlsocket "$S" --name loaded --initiate
has whack_up_unoriented_msg 'unoriented'
expect whack_route_unoriented 25 "$B" whack --ctlsocket "$S" --name loaded --route
has whack_route_unoriented_msg '025 "loaded": could not route: neither left nor right'
expect whack_no_action 33 "$B" whack --ctlsocket "$S"
has whack_no_action_msg 'whack error: no action specified; try --help for hints'
expect whack_missing_name 33 "$B" whack --ctlsocket "$S" --initiate
has whack_missing_name_msg 'whack error: missing --name <connection_name>'
expect whack_bad_option 33 "$B" whack --ctlsocket "$S" --bogus
expect whack_brief 0 "$B" whack --ctlsocket "$S" --briefstatus
has whack_brief_line '000 IKE SAs: total(0), half-open(0), open(0), authenticated(0), anonymous(0)'
expect whack_globalstatus 0 "$B" whack --ctlsocket "$S" --globalstatus
has whack_globalstatus_raw 'current.states.all=0'
expect whack_trafficstatus_empty 0 "$B" whack --ctlsocket "$S" --trafficstatus
[ -s "$T/out" ] && fail trafficstatus_empty_output "$(cat "$T/out")" || pass trafficstatus_empty_output
expect whack_json 0 "$B" whack --ctlsocket "$S" --status --json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["connections"][0]["name"]=="loaded"' "$T/out" 2>/dev/null; then
	pass status_json_parses; else fail status_json_parses "$(head -3 "$T/out")"; fi
expect whack_listall 0 "$B" whack --ctlsocket "$S" --listall
has listall_secrets 'PSK @east.example @west'
has listall_crls '000 List of CRLs:'
expect whack_listcerts 0 "$B" whack --ctlsocket "$S" --listcerts
[ "$(cat "$T/out")" = "$(printf '000  \n000 List of X.509 End Certificates:\n000  ')" ] && pass listcerts_layout || fail listcerts_layout "$(cat -A "$T/out")"

# non-root peers are refused by their credentials (SO_PEERCRED), even if
# the socket's mode would let them connect.  nobody runs a copy of the
# binary in $T: the build may sit where nobody cannot reach it (/root).
chmod 666 "$S"; chmod 755 "$T"
NB=$T/ipsec-nobody
cp "$B" "$NB" && chmod 755 "$NB"
if setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null && \
   setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$NB"; then
	expect nonroot_refused 33 setpriv --reuid=65534 --regid=65534 --clear-groups "$NB" whack --ctlsocket "$S" --status
	has nonroot_dropped_by_daemon 'whack: lost the control connection'
	if grep -q '"loaded"' "$T/out"; then fail nonroot_no_data "status leaked"; else pass nonroot_no_data; fi
else
	. "${CYGNET_TOP:-$(dirname "$0")/../..}/tests/integration/lib/env.sh"
	env_skip nonroot_refused "cannot run the binary as nobody here" || fails=$((fails + 1))
fi
chmod 600 "$S"; chmod 700 "$T"

# malformed, truncated, oversized messages: error reply, daemon survives
expect raw_bad_magic 0 "$RAW" "$S" hex "5055545400010001000000000"0
has raw_bad_magic_reply 'DONE 33'
# a header announcing a 10-byte body, then 4 bytes and EOF: the daemon
# answers why (ctlsrv.c event_cb -> fail_and_close, CTL_E_SHORT) and status 33
expect raw_truncated 0 "$RAW" "$S" hex "43594743000100010000000a00010002"
[ "$(cat "$T/out")" = "$(printf 'LINE 033 malformed control message: truncated message\nDONE 33')" ] &&
	pass raw_truncated_reply || fail raw_truncated_reply "$(tr '\n' '|' <"$T/out")"
expect raw_oversized 0 "$RAW" "$S" hex "435947430001000100010001"
has raw_oversized_reply 'message too large'
expect raw_bad_attr 0 "$RAW" "$S" hex "435947430001000100000006000100090015"
has raw_bad_attr_reply 'DONE 33'
expect alive_after_garbage 0 "$B" whack --ctlsocket "$S" --status
has state_kept '"loaded":'

# a client stalled mid-message does not block others.  held_clients: the
# daemon's accepted control connections with nothing left unread (ss: the
# socket is owned by the daemon's pid, Recv-Q 0) - the stalled client counts
# once the daemon accepted it and read its half header.
held_clients() { ss -xpH state established src "$S" | awk -v p="pid=$pid," 'index($0, p) && $2 == 0' | wc -l; }
n0=$(held_clients)
"$RAW" "$S" stall $(( (CTL_TIMEOUT + 2) * 1000 )) >"$T/stall" 2>&1 &
stallpid=$!
if wait_for "[ \$(held_clients) -gt $n0 ]"; then pass stalled_client_connected
else fail stalled_client_connected "the daemon holds no new control connection: $(ss -xapH src "$S" | tr '\n' '|')"; fi
t0=$(date +%s%N)
expect served_while_stalled 0 "$B" whack --ctlsocket "$S" --briefstatus
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
# a daemon that waited for the stalled client would answer only after
# dropping it, CTL_TIMEOUT s after it connected
[ $ms -lt $(( CTL_TIMEOUT * 1000 / 3 )) ] && pass served_fast_while_stalled ||
	fail served_fast_while_stalled "$ms ms (the stalled client is dropped after ${CTL_TIMEOUT}s)"
[ "$(held_clients)" -gt "$n0" ] && pass stalled_client_still_held ||
	fail stalled_client_still_held "the stalled client was gone before the other one was served"
wait $stallpid
grep -qx closed "$T/stall" && pass stalled_client_dropped || fail stalled_client_dropped "$(cat "$T/stall")"
grep -q "client stalled for ${CTL_TIMEOUT}s; dropping it" "$T/pluto.log" && pass stalled_client_logged || fail stalled_client_logged "no log line"

# clients that vanish before reading their replies
expect vanishing_clients 0 "$RAW" "$S" vanish 20
expect alive_after_vanish 0 "$B" whack --ctlsocket "$S" --briefstatus

# a client that pipelines many requests before reading (its replies are
# held back, not dropped, and other clients are served meanwhile)
"$RAW" "$S" flood 4000 >"$T/flood" 2>&1 &
floodpid=$!
sleep 0.1
expect served_during_flood 0 "$B" whack --ctlsocket "$S" --briefstatus
wait $floodpid; rc=$?
[ $rc -eq 0 ] && grep -qx 'ok 4000' "$T/flood" && pass flood_all_replies || fail flood_all_replies "rc $rc $(cat "$T/flood")"

# 50 concurrent clients
expect concurrent_50 0 "$RAW" "$S" many 50
has concurrent_50_ok 'ok 50'

# SIGHUP rereads secrets
printf '@west @east.example : PSK "0123456789abcdef"\n@x @y : PSK "another-long-secret"\n' >"$T/ipsec.secrets"
kill -HUP "$pid"
if wait_for "\"$B\" whack --ctlsocket \"$S\" --listall 2>/dev/null | grep -q 'PSK @y @x'"; then pass sighup_reload; else fail sighup_reload "new secret not listed"; fi

# rereadsecrets with a bad entry: reported, nonzero, good entries kept
printf '@a @b : PSK "0123456789abcdef"\n@c @d : PSK 0xZZ\n' >"$T/ipsec.secrets"
expect rereadsecrets_bad 32 "$B" whack --ctlsocket "$S" --rereadsecrets
has rereadsecrets_bad_msg '003 '
"$B" whack --ctlsocket "$S" --listall >"$T/out" 2>&1
has rereadsecrets_keeps_good 'PSK @b @a'

# SIGTERM: clean shutdown, socket and pid file removed
kill -TERM "$pid"
if wait_for "! kill -0 $pid 2>/dev/null"; then pass sigterm_exit; else fail sigterm_exit "still running"; fi
wait "$pid"; rc=$?; pid=
[ $rc -eq 0 ] && pass sigterm_rc0 || fail sigterm_rc0 "rc $rc"
[ ! -e "$S" ] && [ ! -e "$R/pluto.pid" ] && pass sigterm_cleanup || fail sigterm_cleanup "$(ls "$R")"

# stale pid file and stale socket are replaced
echo 999999 >"$R/pluto.pid"
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$S"
expect stale_socket_refused 33 "$B" whack --ctlsocket "$S" --status
has stale_socket_msg "whack: is Pluto running?  connect() for \"$S\" failed (111 Connection refused)"
if start; then pass stale_pid_replaced; else fail stale_pid_replaced "$(tail -3 "$T/pluto.log")"; fi
[ "$(cat "$R/pluto.pid")" = "$pid" ] && pass stale_pid_rewritten || fail stale_pid_rewritten "$(cat "$R/pluto.pid")"

# --shutdown
expect whack_shutdown 0 "$B" whack --ctlsocket "$S" --shutdown
if wait_for "[ ! -e $S ]"; then pass shutdown_removes_socket; else fail shutdown_removes_socket "socket still there"; fi
wait "$pid" 2>/dev/null; pid=

# ipsec start / status / stop with a private rundir (detaching)
expect ipsec_start 0 "$B" start --config "$T/ipsec.conf" --secretsfile "$T/ipsec.secrets" --rundir "$R" --ipsecdir "$T" --logfile "$T/detached.log"
pid=$(cat "$R/pluto.pid" 2>/dev/null)
expect ipsec_status 0 "$B" status --rundir "$R"
has ipsec_status_conn '"loaded":'
expect ipsec_restart 0 "$B" restart --config "$T/ipsec.conf" --secretsfile "$T/ipsec.secrets" --rundir "$R" --ipsecdir "$T" --logfile "$T/detached.log"
newpid=$(cat "$R/pluto.pid" 2>/dev/null)
[ -n "$newpid" ] && [ "$newpid" != "$pid" ] && ! kill -0 "$pid" 2>/dev/null && kill -0 "$newpid" && pass restart_new_process || fail restart_new_process "old $pid new $newpid"
pid=$newpid
expect ipsec_start_twice 1 "$B" start --config "$T/ipsec.conf" --rundir "$R"
has ipsec_start_twice_msg 'already running'
expect ipsec_stop 0 "$B" stop --rundir "$R"
[ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null && pass stop_really_stopped || fail stop_really_stopped "pid $pid alive"
expect ipsec_status_stopped 33 "$B" status --rundir "$R"
expect ipsec_stop_not_running 3 "$B" stop --rundir "$R"
exit $((fails > 0))
