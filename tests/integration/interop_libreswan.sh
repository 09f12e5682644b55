#!/bin/bash
# Interoperability with Libreswan 4.10 at the IKE level (issue 6): Libreswan's
# own pluto (Debian's package) in one namespace, Cygnet's pluto in the other.
# This host's kernel has no ESP, so Libreswan cannot install a Child SA (its
# XFRM "Add SA" fails); everything short of that is checked, both directions:
# IKE SA established and authenticated (Libreswan initiates childless, with
# `whack --impair omit-v2-ike-auth-child`), delete, liveness/DPD, IKE SA
# rekey, IPv6 and IP IDs, wrong PSK.  The Child SA rows record why they cannot
# run here, with the evidence from Libreswan's log.  Full ESP interop with
# Libreswan runs in the Debian-kernel guest (tests/vm).
. "$(dirname "$0")/lib/common.sh"
. "$TOP/tests/peers/libreswan.sh"
. "$TOP/tests/peers/interop_lib.sh"

if [ "$(id -u)" != 0 ]; then
	env_skip interop-libreswan "needs root"
	exit
fi
if ! ls_available; then
	echo "!!! Libreswan is not installed (scripts/install-deps installs it): interop NOT tested !!!"
	env_skip interop-libreswan "Libreswan 4.10 not installed"
	exit
fi
if ! command -v tcpdump >/dev/null || ! command -v nft >/dev/null; then
	env_skip interop-libreswan "tcpdump/nft missing"
	exit
fi
io_begin libreswan Libreswan "Libreswan $(ls_version) (Debian $(ls_package_version), pluto with XFRM, no kernel ESP)"

CY=$TAG-cy LS=$TAG-ls
CYD=$TMP/cy LSD=$TMP/ls
two_hosts "$CY" "$LS" || { fail setup "namespaces"; finish; }
mkdir -p "$CYD" "$LSD"
PSK="interop-psk-0123456789abcdef-0123456789"   # >= 32 bytes: no FIPS warning

printf 'config setup\n\tprotostack=userspace\n' >"$CYD/ipsec.conf"
printf 'config setup\n\tplutodebug=none\n' >"$LSD/ipsec.conf"
cat >"$CYD/ipsec.secrets" <<SECRETS
@cygnet.example @libreswan.example : PSK "$PSK"
192.0.2.1 192.0.2.2 : PSK "$PSK"
@cy-wrong.example @ls-wrong.example : PSK "the-cygnet-side-of-a-mismatch-0123456789"
SECRETS
cat >"$LSD/ipsec.secrets" <<SECRETS
@libreswan.example @cygnet.example : PSK "$PSK"
192.0.2.2 192.0.2.1 : PSK "$PSK"
@ls-wrong.example @cy-wrong.example : PSK "the-libreswan-side-of-a-mismatch-012345"
SECRETS
pluto_start "$CY" "$CYD" || { fail setup "Cygnet pluto did not start"; finish; }
ls_start "$LS" "$LSD" || { fail setup "Libreswan pluto did not start: $(tail -3 "$LSD/pluto.log")"; finish; }
at_exit ls_stop "$LSD"

cy() { cy_auto "$CY" "$CYD" "$@"; }
cyw() { cy_whack "$CY" "$CYD" "$@"; }
lsw() { ls_whack "$LS" "$LSD" "$@"; }

# ---- per-scenario configuration: the same conn text on both sides, mirrored ----
reset_conf() {
	NAME=$1
	C_LEFT=192.0.2.1 C_RIGHT=192.0.2.2 C_LID=@cygnet.example C_RID=@libreswan.example
	C_LSUB=198.51.100.0/24 C_RSUB=203.0.113.0/24 C_EXTRA=() L_EXTRA=() RTO=8s
}
conn_text() {   # conn_text LEFT LID LSUB RIGHT RID RSUB EXTRA...
	printf 'conn %s\n\tauthby=secret\n\tauto=add\n\tkeyingtries=1\n\tretransmit-timeout=%s\n' "$NAME" "$RTO"
	printf '\tleft=%s\n\tleftid=%s\n\tleftsubnet=%s\n\tright=%s\n\trightid=%s\n\trightsubnet=%s\n' "$1" "$2" "$3" "$4" "$5" "$6"
	shift 6
	for kv in "$@"; do printf '\t%s\n' "$kv"; done
}
load_conn() {
	{ printf 'config setup\n\tprotostack=userspace\n\n'
	  conn_text "$C_LEFT" "$C_LID" "$C_LSUB" "$C_RIGHT" "$C_RID" "$C_RSUB" "${C_EXTRA[@]}"; } >"$CYD/$NAME.conf"
	{ printf 'config setup\n\n'
	  conn_text "$C_RIGHT" "$C_RID" "$C_RSUB" "$C_LEFT" "$C_LID" "$C_LSUB" "${L_EXTRA[@]}"; } >"$LSD/$NAME.conf"
	cy --config "$CYD/$NAME.conf" --add "$NAME" >"$TMP/add.out" 2>&1 || { WHY="Cygnet --add: $(tail -1 "$TMP/add.out")"; return 1; }
	ip netns exec "$LS" "$LS_LIBEXEC/addconn" --ctlsocket "$LSD/run/pluto.ctl" --config "$LSD/$NAME.conf" "$NAME" >"$TMP/add.out" 2>&1 ||
		{ WHY="Libreswan addconn: $(tail -1 "$TMP/add.out")"; return 1; }
}
# Delete the conn on both sides, Libreswan's first: its delete notifies Cygnet
# (deleting Cygnet's first would make a Libreswan initiator revive its conn).
unload_conn() {
	lsw --name "$NAME" --delete >/dev/null 2>&1
	poll 2 cy_empty
	cy --delete "$NAME" >/dev/null 2>&1
	poll 2 cy_empty
	poll 2 ls_empty
}
ls_states() { lsw --showstates 2>/dev/null | grep "\"$NAME\""; }
ls_empty() { ! ls_states | grep -q .; }
cy_states() { cyw --showstates 2>/dev/null | grep "#[0-9]*: \"$NAME\""; }
cy_empty() { ! cy_states | grep -q .; }
cy_ike() { cy_states | grep -q 'STATE_V2_ESTABLISHED_IKE_SA'; }
ls_ike() { ls_states | grep -q 'STATE_V2_ESTABLISHED_IKE_SA'; }
cy_ike_serial() { cy_states | sed -n 's/^000 #\([0-9]*\): .*ESTABLISHED_IKE_SA.*/\1/p' | tail -1; }
ls_ike_serial() { ls_states | sed -n 's/^000 #\([0-9]*\): .*ESTABLISHED_IKE_SA.*/\1/p' | tail -1; }
# ls_log_since PATTERN: Libreswan's log lines for this conn since the case began
ls_log_since() { tail -n +$((LS_LOG0 + 1)) "$LSD/pluto.log" | grep "\"$NAME\"" | grep -- "$1"; }
cy_log_since() { tail -n +$((CY_LOG0 + 1)) "$CYD/pluto.log" | grep "\"$NAME\"" | grep -- "$1"; }

# up DIRECTION: an authenticated IKE SA on both sides.  Cygnet's IKE_AUTH
# carries a Child SA that Libreswan cannot install (--up then reports the
# refused Child SA); Libreswan initiates childless.
up() {
	if [ "$1" = cy-init ]; then
		cy --up "$NAME" >"$TMP/up.out" 2>&1
	else
		lsw --impair omit-v2-ike-auth-child >/dev/null 2>&1
		lsw --name "$NAME" --initiate >"$TMP/up.out" 2>&1
	fi
	poll 5 cy_ike || { WHY="no IKE SA on Cygnet: $(grep -v '^00[02]' "$TMP/up.out" | tail -1)"; return 1; }
	poll 5 ls_ike || { WHY="no IKE SA on Libreswan: $(tail -1 "$TMP/up.out")"; return 1; }
	local lpeer cpeer
	lpeer="authenticated peer using authby=secret and ID_${C_LID:0:1}"
	[ "${C_LID:0:1}" = @ ] && lpeer="authenticated peer using authby=secret and ID_FQDN '$C_LID'" ||
		lpeer="authenticated peer using authby=secret and ID_IPV4_ADDR '$C_LID'"
	cpeer=${lpeer/$C_LID/$C_RID}
	ls_log_since "$lpeer" >/dev/null || { WHY="Libreswan did not log: $lpeer"; return 1; }
	cy_log_since "$cpeer" >/dev/null || { WHY="Cygnet did not log: $cpeer"; return 1; }
}

run_case() {
	local name=$1 dir=$2 fn=$3
	[ -n "${IO_ONLY:-}" ] && ! [[ "$name/$dir" =~ $IO_ONLY ]] && return
	WHY="" NOTE=""
	CY_LOG0=$(wc -l <"$CYD/pluto.log") LS_LOG0=$(wc -l <"$LSD/pluto.log")
	local t0=$SECONDS rc
	"$fn" "$dir"
	rc=$?   # 0 pass, 1 fail, 2 cannot run here for a reason outside Cygnet (WHY says which)
	unload_conn
	lsw --impair none >/dev/null 2>&1
	case $rc in
	0) io_result "$name" "$dir" 1 "$NOTE${NOTE:+; }$((SECONDS - t0)) s" ;;
	2) io_na "$name" "$dir" "$WHY" ;;
	*) io_result "$name" "$dir" 0 "$WHY" ;;
	esac
}

# ---- 1. IKE SA established and authenticated ----------------------------------
case_ike() {
	reset_conf ike
	load_conn && up "$1" || return 1
	if [ "$1" = cy-init ]; then
		# the Child SA in IKE_AUTH: Libreswan's kernel refused it; Cygnet keeps the IKE SA
		grep -q 'TS_UNACCEPTABLE' "$TMP/up.out" || { WHY="expected the Child SA refused (TS_UNACCEPTABLE): $(tail -1 "$TMP/up.out")"; return 1; }
		CHILD_EVIDENCE=$(ls_log_since 'netlink response for Add SA' | sed 's/^[^"]*//' | head -1)
		NOTE="Child SA refused by Libreswan's kernel"
	else
		# childless (RFC 6023): no Child SA on either side, and the IKE SA stays
		sleep 1
		cy_ike && ls_ike || { WHY="the childless IKE SA did not stay up"; return 1; }
		cy_states | grep -q CHILD_SA && { WHY="Cygnet shows a Child SA"; return 1; }
		grep -q 'omitting CHILD SA payloads' "$TMP/up.out" || { WHY="the impair did not act"; return 1; }
		NOTE="childless (whack --impair omit-v2-ike-auth-child), stable"
	fi
}
CHILD_EVIDENCE=""
run_case "IKE SA, PSK @fqdn" cy-init case_ike
run_case "IKE SA, PSK @fqdn" peer-init case_ike
why_child="this kernel has no ESP: Libreswan logs ${CHILD_EVIDENCE:-netlink Add SA failed}; Cygnet's side of the Child SA is covered by the strongSwan suite and the Debian-kernel guest (tests/vm)"
io_na "Child SA (ESP)" cy-init "$why_child"
io_na "Child SA (ESP)" peer-init "$why_child"

# ---- 1b. IKE algorithm matrix (the Child SA cannot be installed here) -------------
# Cygnet ike= (the same text in Libreswan's conn) | what Libreswan logs as
# {cipher=... integ=... prf=...} (and Cygnet's "sent IKE_AUTH request" line
# too, when it initiates); DH 14 19 20 31 each, the initiator alternating.
ike_algs=(
	"aes_gcm128-sha2_256|aes_gcm128|cipher=AES_GCM_16_128 integ=n/a prf=HMAC_SHA2_256"
	"aes_gcm256-sha2_256|aes_gcm256|cipher=AES_GCM_16_256 integ=n/a prf=HMAC_SHA2_256"
	"aes256-sha2_256|aes256-sha2_256|cipher=AES_CBC_256 integ=HMAC_SHA2_256_128 prf=HMAC_SHA2_256"
	"aes256-sha2_512|aes256-sha2_512|cipher=AES_CBC_256 integ=HMAC_SHA2_512_256 prf=HMAC_SHA2_512"
	"chacha20_poly1305-sha2_256|chacha20_poly1305|cipher=CHACHA20_POLY1305_256 integ=n/a prf=HMAC_SHA2_256"
)
declare -A ls_group=([14]=MODP2048 [19]=DH19 [20]=DH20 [31]=DH31)
case_alg() {
	reset_conf "$ALG_NAME"
	C_EXTRA=("ike=$ALG_IKE" "esp=$ALG_ESP")
	L_EXTRA=("ike=$ALG_IKE" "esp=$ALG_ESP")
	load_conn && up "$1" || return 1
	local got; got=$(ls_log_since '{cipher=' | sed -n 's/.*{\(cipher=[^}]*\)}.*/\1/p' | head -1)
	[ "$got" = "$ALG_SHOW group=${ls_group[$ALG_DH]}" ] ||
		{ WHY="Libreswan negotiated {$got}, expected {$ALG_SHOW group=${ls_group[$ALG_DH]}}"; return 1; }
	# Cygnet as initiator names the same algorithms with the same words
	if [ "$1" = cy-init ]; then
		local mine; mine=$(sed -n 's/.*sent IKE_AUTH request {\(cipher=[^}]*\)}.*/\1/p' "$TMP/up.out" | head -1)
		[ "$mine" = "$got" ] || { WHY="Cygnet's 182 line says {$mine}, Libreswan's {$got}"; return 1; }
	fi
}
i=0
for a in "${ike_algs[@]}"; do
	IFS='|' read -r ike esp show <<<"$a"
	for dh in 14 19 20 31; do
		dir=cy-init; [ $((i % 2)) = 1 ] && dir=peer-init
		ALG_NAME="alg-$i" ALG_IKE="$ike-dh$dh" ALG_ESP=$esp ALG_SHOW=$show ALG_DH=$dh
		run_case "IKE alg ike=$ALG_IKE" $dir case_alg
		i=$((i + 1))
	done
done

# ---- 2. IP IDs, IPv6 outer ------------------------------------------------------
case_ipid() {
	reset_conf ip-ids
	C_LID=192.0.2.1 C_RID=192.0.2.2
	load_conn && up "$1"
}
case_v6() {
	reset_conf ipv6
	C_LEFT=2001:db8::1 C_RIGHT=2001:db8::2 C_LSUB=2001:db8:1::/64 C_RSUB=2001:db8:2::/64
	load_conn && up "$1" || return 1
	cy_states | grep -q 'STATE_V2_ESTABLISHED_IKE_SA' && ls_states | grep -q . || return 1
	lsw --status | grep -q "\"$NAME\".*2001:db8::2.*2001:db8::1" || { WHY="Libreswan status lacks the IPv6 endpoints"; return 1; }
}
run_case "IP IDs" cy-init case_ipid
run_case "IP IDs" peer-init case_ipid
run_case "IPv6 outer" cy-init case_v6
run_case "IPv6 outer" peer-init case_v6

# ---- 3. delete, observed by the other side ------------------------------------
case_delete() {
	reset_conf delete
	load_conn && up "$1" || return 1
	if [ "$1" = cy-init ]; then
		cy --down "$NAME" >/dev/null 2>&1
		poll 5 ls_empty || { WHY="Libreswan keeps: $(ls_states | head -1)"; return 1; }
		ls_log_since 'deleting' >/dev/null || { WHY="Libreswan logged no delete"; return 1; }
	else
		lsw --name "$NAME" --terminate >/dev/null 2>&1
		poll 5 cy_empty || { WHY="Cygnet keeps: $(cy_states | head -1)"; return 1; }
	fi
	cy_empty && ls_empty || { WHY="a state remains"; return 1; }
}
run_case "delete IKE SA" cy-init case_delete
run_case "delete IKE SA" peer-init case_delete

# ---- 4. IKE SA rekey ----------------------------------------------------------------
case_rekey_ike() {
	reset_conf rekey-ike
	if [ "$1" = cy-init ]; then C_EXTRA=("ikelifetime=4s" "rekeymargin=2s" "rekeyfuzz=0%")
	else L_EXTRA=("ikelifetime=4s" "rekeymargin=2s" "rekeyfuzz=0%"); fi
	load_conn && up "$1" || return 1
	local c0 l0; c0=$(cy_ike_serial) l0=$(ls_ike_serial)
	rekeyed() { [ -n "$(cy_ike_serial)" ] && [ "$(cy_ike_serial)" != "$c0" ] && [ -n "$(ls_ike_serial)" ] && [ "$(ls_ike_serial)" != "$l0" ]; }
	poll 6 rekeyed || { WHY="no IKE SA rekey seen (Cygnet #$c0 -> #$(cy_ike_serial), Libreswan #$l0 -> #$(ls_ike_serial))"; return 1; }
	# the replaced IKE SA is gone on both sides, the new one is up on both
	poll 3 sh -c "[ \$($IPSEC whack --ctlsocket $CYD/run/pluto.ctl --showstates | grep -c '\"$NAME\".*ESTABLISHED_IKE_SA') = 1 ]" ||
		{ WHY="Cygnet keeps the replaced IKE SA"; return 1; }
	local how="initiator rekeyed IKE SA" cyhow="responder rekeyed IKE SA"
	[ "$1" = cy-init ] && how="responder rekeyed IKE SA" cyhow="initiator rekeyed IKE SA"
	ls_log_since "$how" >/dev/null || { WHY="Libreswan did not log: $how"; return 1; }
	cy_log_since "$cyhow" >/dev/null || { WHY="Cygnet did not log: $cyhow"; return 1; }
	NOTE="IKE SA #$c0 -> #$(cy_ike_serial) (Libreswan #$l0 -> #$(ls_ike_serial))"
}
run_case "IKE SA rekey" cy-init case_rekey_ike
run_case "IKE SA rekey" peer-init case_rekey_ike

# ---- 5. liveness / DPD ------------------------------------------------------------
# The prober's empty INFORMATIONAL requests and the answers, counted on the
# wire (IKE header: exchange type 37 at byte 18, flags at byte 19, R = 0x20);
# then the other side drops everything and the prober declares it dead.
block() {
	ip netns exec "$LS" nft -f - <<NFT
table inet cyio {
	chain in {
		type filter hook input priority 0;
		ip saddr 192.0.2.1 drop
	}
}
NFT
}
unblock() { ip netns exec "$LS" nft delete table inet cyio; }
case_dpd() {
	reset_conf dpd
	local src=192.0.2.1 dst=192.0.2.2
	if [ "$1" = cy-init ]; then C_EXTRA=("dpddelay=1s" "dpdtimeout=3s" "dpdaction=clear")
	else L_EXTRA=("dpddelay=1s" "dpdtimeout=3s" "dpdaction=clear") RTO=3s src=192.0.2.2 dst=192.0.2.1; fi
	load_conn && up "$1" || return 1
	rm -f "$TMP/dpd.pcap" "$TMP/dpd.err"
	ip netns exec "$LS" tcpdump -i vb -n -U -w "$TMP/dpd.pcap" 'udp port 500 and udp[26] = 37' >/dev/null 2>"$TMP/dpd.err" &
	local tp=$!
	poll 5 grep -q 'listening on' "$TMP/dpd.err"
	local rq rs
	answered() {
		rq=$(tcpdump -n -r "$TMP/dpd.pcap" "src $src and udp[27] & 0x20 = 0" 2>/dev/null | wc -l)
		rs=$(tcpdump -n -r "$TMP/dpd.pcap" "src $dst and udp[27] & 0x20 != 0" 2>/dev/null | wc -l)
		[ "$rq" -ge 2 ] && [ "$rs" -ge 2 ]
	}
	poll 5 answered; local ok=$?
	kill -INT $tp; wait $tp 2>/dev/null
	answered
	if [ $ok != 0 ] && [ "$1" = peer-init ] && [ "$rq" = 0 ]; then
		# Libreswan 4.10 runs liveness from its Child SAs; this IKE SA has none
		WHY="Libreswan sends no liveness probe on a childless IKE SA (0 INFORMATIONAL requests on the wire in 5 s with dpddelay=1s) and cannot install a Child SA on this kernel"
		return 2
	fi
	[ $ok = 0 ] || { WHY="liveness: $rq requests, $rs answers on the wire in 5 s"; return 1; }
	block || { WHY="nft"; return 1; }
	local t0=$SECONDS
	if [ "$1" = cy-init ]; then
		poll 10 cy_empty; ok=$?
		WHY="Cygnet did not declare Libreswan dead within 10 s"
	else
		poll 12 ls_empty; ok=$?
		WHY="Libreswan did not declare Cygnet dead within 12 s"
		[ $ok = 0 ] && ! ls_log_since 'liveness' >/dev/null && { ok=1; WHY="Libreswan cleared the SA without a liveness message"; }
	fi
	unblock
	[ $ok = 0 ] || return 1
	NOTE="probes answered; dead peer cleared after $((SECONDS - t0)) s"
}
run_case "liveness/DPD" cy-init case_dpd
run_case "liveness/DPD" peer-init case_dpd

# ---- 6. wrong PSK ------------------------------------------------------------------
case_wrong() {
	reset_conf wrong-psk
	C_LID=@cy-wrong.example C_RID=@ls-wrong.example
	load_conn || return 1
	if [ "$1" = cy-init ]; then
		cy --up "$NAME" >"$TMP/up.out" 2>&1 && { WHY="--up succeeded with a wrong PSK"; return 1; }
		grep -q 'AUTHENTICATION_FAILED' "$TMP/up.out" || { WHY="--up did not report AUTHENTICATION_FAILED: $(tail -1 "$TMP/up.out")"; return 1; }
	else
		lsw --impair omit-v2-ike-auth-child >/dev/null 2>&1
		lsw --name "$NAME" --initiate >"$TMP/up.out" 2>&1
		grep -q 'AUTHENTICATION_FAILED' "$TMP/up.out" || { WHY="Libreswan did not report AUTHENTICATION_FAILED: $(tail -1 "$TMP/up.out")"; return 1; }
	fi
	poll 5 cy_empty || { WHY="Cygnet keeps a state: $(cy_states | head -1)"; return 1; }
	poll 5 ls_empty || { WHY="Libreswan keeps a state: $(ls_states | head -1)"; return 1; }
}
run_case "wrong PSK" cy-init case_wrong
run_case "wrong PSK" peer-init case_wrong

# ---- 7. leftsubnets=/rightsubnets= (2 x 2) -------------------------------------
# The same conn on both sides (mirrored) loads as subnets/1x1 .. subnets/2x2,
# connalias=subnets.  Cygnet's `--up subnets` initiates all four (one IKE SA
# each); Libreswan must answer each IKE_AUTH with its conn for exactly that
# pair (Cygnet's subnets/AxB is Libreswan's subnets/BxA): its log names that
# conn when the kernel refuses the Child SA (no ESP here), and Cygnet's
# IKE_AUTH proposed exactly that pair (Cygnet's status of the conn).
subnets_text() {   # LEFT LID LSUBS RIGHT RID RSUBS
	printf 'conn subnets\n\tauthby=secret\n\tauto=add\n\tkeyingtries=1\n\tretransmit-timeout=8s\n'
	printf '\tleft=%s\n\tleftid=%s\n\tleftsubnets=%s\n\tright=%s\n\trightid=%s\n\trightsubnets=%s\n' "$@"
}
case_subnets() {
	reset_conf subnets
	local a b n=0 ls_name
	if [ "$1" = peer-init ]; then
		WHY="Libreswan brings up the group as Child SAs of one IKE SA, which its kernel cannot install here (no ESP); checked in the guest instead (Cygnet answers its CREATE_CHILD_SA pairs with the matching NAME/LxR conns)"
		return 2
	fi
	{ printf 'config setup\n\tprotostack=userspace\n\n'
	  subnets_text 192.0.2.1 @cygnet.example '{198.51.100.0/28 198.51.100.16/28}' 192.0.2.2 @libreswan.example '{203.0.113.0/28 203.0.113.16/28}'; } >"$CYD/subnets.conf"
	{ printf 'config setup\n\n'
	  subnets_text 192.0.2.2 @libreswan.example '{203.0.113.0/28 203.0.113.16/28}' 192.0.2.1 @cygnet.example '{198.51.100.0/28 198.51.100.16/28}'; } >"$LSD/subnets.conf"
	cy --config "$CYD/subnets.conf" --add subnets >"$TMP/add.out" 2>&1 || { WHY="Cygnet --add: $(tail -1 "$TMP/add.out")"; return 1; }
	ip netns exec "$LS" "$LS_LIBEXEC/addconn" --ctlsocket "$LSD/run/pluto.ctl" --config "$LSD/subnets.conf" subnets >"$TMP/add.out" 2>&1 ||
		{ WHY="Libreswan addconn: $(tail -1 "$TMP/add.out")"; return 1; }
	[ "$(lsw --status | grep -c '^000 "subnets/[12]x[12]": [0-9]')" = 4 ] || { WHY="Libreswan did not load subnets/1x1..2x2"; return 1; }
	cy --up subnets >"$TMP/up.out" 2>&1
	grep -q "^000 initiating all conns with alias='subnets'" "$TMP/up.out" || { WHY="no alias line: $(head -1 "$TMP/up.out")"; return 1; }
	for a in 1 2; do
		for b in 1 2; do
			ls_name="subnets/${b}x${a}"
			poll 5 eval "tail -n +$((LS_LOG0 + 1)) '$LSD/pluto.log' | grep -q '\"$ls_name\" #[0-9]*: .*netlink response for Add SA'" ||
				{ WHY="Libreswan did not take Cygnet's subnets/${a}x${b} with its $ls_name"; return 1; }
			tail -n +$((CY_LOG0 + 1)) "$CYD/pluto.log" | grep -q "\"subnets/${a}x${b}\" #[0-9]*: initiator established IKE SA" ||
				{ WHY="Cygnet's subnets/${a}x${b} established no IKE SA"; return 1; }
			n=$((n + 1))
		done
	done
	NOTE="$n IKE SAs, each taken by Libreswan's conn for its pair; Child SAs refused by Libreswan's kernel"
}
run_case "leftsubnets=/rightsubnets= 2x2" cy-init case_subnets
run_case "leftsubnets=/rightsubnets= 2x2" peer-init case_subnets

io_end
finish
