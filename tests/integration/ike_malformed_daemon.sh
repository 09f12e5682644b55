#!/bin/bash
# The malformed-message suite of issue 4 against RUNNING daemons: two pluto
# (west 192.0.2.1, east 192.0.2.2) establish conn "t"; then a hostile peer
# (tests/tools/ike_inject, at 192.0.2.3 in west's namespace, with its own conn
# "evil" on east) sends one class of malformed message per case to east's
# UDP 500/4500: truncated packets, missing payloads, a proposal without DH,
# zero/out-of-range KE values, malformed TS (plain, and encrypted from an
# authenticated peer), INFORMATIONAL/CREATE_CHILD_SA before IKE_AUTH, bad
# rekey protocol IDs, fragment reassembly abuse, and (issue 13) bare headers
# aimed at a half-open SA's cached answer.  After each case: east's
# pluto is still running, its SA list ("#N:" state lines) is unchanged, a
# ping through "t" still passes, and the "IKE drops:" counters of
# `ipsec auto --status` went up where the class must be dropped.
. "$(dirname "$0")/lib/common.sh"

TOOL=$BUILD/tools/ike_inject
if [ "$(id -u)" != 0 ] || [ ! -x "$TOOL" ] || [ ! -e /dev/net/tun ]; then
	env_skip ike_malformed_daemon "needs root, /dev/net/tun and $TOOL"
	exit
fi
A=${TAG}w B=${TAG}e
two_hosts "$A" "$B" || { fail setup "cannot create namespaces"; finish; }
ip -n "$A" addr add 192.0.2.3/24 dev va

for side in west east; do
	d=$TMP/$side
	mkdir -p "$d"
	cat >"$d/ipsec.conf" <<CONF
config setup
	protostack=userspace

conn t
	left=192.0.2.1
	leftid=@west.example
	leftsubnet=198.51.100.0/24
	right=192.0.2.2
	rightid=@east.example
	rightsubnet=203.0.113.0/24
	authby=secret
	ike=aes_gcm256-sha2_256-dh19
	esp=aes_gcm256
	auto=add
CONF
	if [ $side = east ]; then
		cat >>"$d/ipsec.conf" <<CONF

conn evil
	left=192.0.2.3
	leftid=@evil.example
	right=192.0.2.2
	rightid=@east.example
	authby=secret
	ike=aes256-sha2_256-modp2048
	esp=aes256-sha2_256
	auto=add
CONF
	fi
	{
		echo "@west.example @east.example : PSK \"t-$TAG-not-a-real-secret\""
		echo "@evil.example @east.example : PSK \"evil-$TAG-not-a-real-secret\""
	} >"$d/ipsec.secrets"
done
W=$TMP/west E=$TMP/east
pluto_start "$A" "$W" && pluto_start "$B" "$E" || { fail start "pluto did not start"; finish; }
EPID=$(cat "$E/pluto.testpid")

if ! cy_auto "$A" "$W" --up t >"$TMP/up.out" 2>&1; then
	fail up "ipsec auto --up t: $(tail -3 "$TMP/up.out")"
	finish
fi
pass up

ping_t() { ip netns exec "$A" ping -c 1 -W 2 -I 198.51.100.1 203.0.113.1 >/dev/null 2>&1; }
states() { cy_auto "$B" "$E" --status 2>/dev/null | grep -E '^[0-9]* ?#[0-9]+: ' | sed -E 's/(REKEY|REPLACE|EXPIRE|RETRANSMIT) in [0-9]+s;//g; s/Traffic:.*//'; }
drops() {  # the sum of east's IKE drop counters
	cy_auto "$B" "$E" --status 2>/dev/null | sed -n 's/.*IKE drops: //p' | grep -o '=[0-9]*' | tr -d = |
		awk '{ s += $1 } END { print s + 0 }'
}
wait_until 5 ping_t || { fail ping-before "no ping through t"; finish; }
pass ping-before
st=$(states)
if [[ $st == *'"t"'*STATE_V2_ESTABLISHED_IKE_SA* && $st == *'"t"'*STATE_V2_ESTABLISHED_CHILD_SA* ]]; then
	pass east-states
else
	fail east-states "east's --status lacks t's IKE and Child SA: [$st]"; finish
fi

# the hostile peer, driven case by case through a coprocess
coproc INJ { ip netns exec "$A" "$TOOL" --local 192.0.2.3 --remote 192.0.2.2 --id @evil.example \
	--remote-id @east.example --psk "evil-$TAG-not-a-real-secret" 2>"$TMP/inject.err"; }
_PIDS+=("$INJ_PID")
read -r -t 10 line <&"${INJ[0]}"
[ "$line" = READY ] || { fail inject-start "ike_inject: $line $(tail -3 "$TMP/inject.err")"; finish; }

# run_case NAME DROPS(yes|no) : send, then check east
RESULT=
run_case() {
	local name=$1 want_drop=$2 d0 d1 s0 s1 line i
	d0=$(drops) s0=$(states)
	echo "$name" >&"${INJ[1]}"
	RESULT=
	while read -r -t 30 line <&"${INJ[0]}"; do
		case $line in
		"DONE $name"*) break ;;
		*) RESULT="$RESULT $line" ;;
		esac
	done
	[[ $line == "DONE $name"* ]] || { fail "$name" "ike_inject did not finish the case"; return 1; }
	RESULT="$RESULT ${line#DONE $name }"
	# the daemon may still be reading the last datagrams: poll the counters
	if [ "$want_drop" = yes ]; then
		for ((i = 0; i < 50; i++)); do d1=$(drops); [ "$d1" -gt "$d0" ] && break; sleep 0.1; done
	else
		d1=$(drops)
	fi
	s1=$(states)
	if ! kill -0 "$EPID" 2>/dev/null; then
		fail "$name" "east's pluto died"; return 1
	fi
	if [ "$want_drop" = yes ] && [ "$d1" -le "$d0" ]; then
		fail "$name" "IKE drops did not increase ($d0 -> $d1); ike_inject: $RESULT"; return 1
	fi
	if [ "$s0" != "$s1" ]; then
		fail "$name" "east's SAs changed: before [$s0] after [$s1]"; return 1
	fi
	if ! ping_t; then
		fail "$name" "no ping through t afterwards"; return 1
	fi
	pass "$name"
	echo "    $name: drops $d0 -> $d1;$RESULT"
}

run_case trunc yes
run_case missing yes
run_case nodh no && { [[ $RESULT == *notify=N14* ]] || fail nodh-answer "no NO_PROPOSAL_CHOSEN:$RESULT"; }
run_case badke yes
run_case plaints yes
# the hostile peer's IKE_SA_INIT adds a half-open SA on east: not a malformed case
echo halfopen >&"${INJ[1]}"
while read -r -t 30 line <&"${INJ[0]}"; do [[ $line == "DONE halfopen"* ]] && break; done
# issue 13: bare headers with the half-open SA's SPIi are no amplifier; the
# same request again is answered a few times only (IKE_REPLAY_MAX, 8)
run_case amplify yes && { [[ $RESULT == *answers=0\ * ]] || fail amplify-answers "east answered:$RESULT"; }
if run_case resend no; then
	n=$(sed -n 's/.*answers=\([0-9]*\).*/\1/p' <<<"$RESULT")
	if [ "${n:-0}" -ge 1 ] && [ "$n" -le 8 ]; then pass resend-answers; else fail resend-answers "answers=$n, want 1..8:$RESULT"; fi
fi
run_case infobeforeauth yes
echo auth >&"${INJ[1]}"
auth=
while read -r -t 30 line <&"${INJ[0]}"; do
	[[ $line == AUTH* ]] && auth=$line
	[[ $line == "DONE auth"* ]] && break
done
if [ "$auth" = "AUTH status=0" ]; then
	pass evil-authenticated
	run_case badts yes
	run_case badrekey no
	run_case fragabuse yes
	run_case live no && { [[ $RESULT == *"LIVE answered"* ]] || fail evil-still-alive "$RESULT"; }
else
	fail evil-authenticated "the hostile peer's IKE_AUTH: ${auth:-no answer}; $(tail -5 "$TMP/inject.err")"
fi
exec {INJ[1]}>&-
kill -0 "$EPID" 2>/dev/null && pass east-still-running || fail east-still-running "pluto exited"
cy_auto "$B" "$E" --status 2>/dev/null | grep 'IKE drops:' | sed 's/^/    /'
finish
