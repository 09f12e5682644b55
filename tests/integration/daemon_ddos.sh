#!/bin/bash
# config setup's ddos-mode=, ddos-ike-threshold= and max-halfopen-ike= reach
# the engine and the status: `whack --status` says what the engine decides
# now ("DDoS cookies REQUIRED" under ddos-mode=busy), --globalstatus and the
# "config setup options" print the configured numbers (Libreswan's
# defaults 25000/50000/auto when not set).
. "$(dirname "$0")/lib/local_daemon.sh" ddos
has() { if grep -qxF -- "$2" "$T/out"; then pass "$1"; else fail "$1" "no line '$2' in: $(grep -i ddos "$T/out" | head -5 | tr '\n' '|')"; fi; }

# start "SETUP LINES": a daemon with that config setup, no conns
start() {
	printf 'config setup\n%s\n' "$1" >"$T/ipsec.conf"
	: >"$T/ipsec.secrets"
	chmod 600 "$T/ipsec.secrets"
	"$B" pluto --nofork --stderrlog --config "$T/ipsec.conf" --secretsfile "$T/ipsec.secrets" \
		--rundir "$R" --ipsecdir "$T" >>"$T/pluto.log" 2>&1 &
	pid=$!
	wait_for "kill -0 $pid 2>/dev/null && \"$B\" whack --ctlsocket \"$S\" --briefstatus >/dev/null 2>&1"
}
# started NAME 'SETUP LINES' (printf escapes): start, or FAIL start_NAME and end here
started() { start "$(printf "$2")" || { fail "start_$1" "$(tail -5 "$T/pluto.log")"; exit 1; }; }
stop() { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; pid=; }
whack() { "$B" whack --ctlsocket "$S" "$@" >"$T/out" 2>&1; }

started busy '\tddos-mode=busy\n\tddos-ike-threshold=1234\n\tmax-halfopen-ike=77'
whack --status
has busy_status '000 State Information: DDoS cookies REQUIRED, Accepting new IKE connections'
has busy_options '000 ddos-cookies-threshold=1234, ddos-max-halfopen=77, ddos-mode=busy'
whack --briefstatus
has busy_brief '000 State Information: DDoS cookies REQUIRED, Accepting new IKE connections'
whack --globalstatus
has busy_global_threshold 'config.setup.ike.ddos_threshold=1234'
has busy_global_halfopen 'config.setup.ike.max_halfopen=77'
has busy_global_iketype 'current.states.iketype.halfopen=0'
stop

started unlimited '\tddos-mode=unlimited\n\tddos-ike-threshold=0'
whack --status
has unlimited_status '000 State Information: DDoS cookies not required, Accepting new IKE connections'
has unlimited_options '000 ddos-cookies-threshold=0, ddos-max-halfopen=50000, ddos-mode=unlimited'
stop

# auto with threshold 0: half-open (0) >= 0, cookies from the start (as Libreswan)
started zero '\tddos-ike-threshold=0'
whack --briefstatus
has zero_threshold_brief '000 State Information: DDoS cookies REQUIRED, Accepting new IKE connections'
stop

started default '\tplutodebug=none'
whack --status
has default_status '000 State Information: DDoS cookies not required, Accepting new IKE connections'
has default_options '000 ddos-cookies-threshold=25000, ddos-max-halfopen=50000, ddos-mode=auto'
whack --globalstatus
has default_global_threshold 'config.setup.ike.ddos_threshold=25000'
has default_global_halfopen 'config.setup.ike.max_halfopen=50000'
stop

[ "$fails" -eq 0 ]
