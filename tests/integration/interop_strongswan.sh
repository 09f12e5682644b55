#!/bin/bash
# Interoperability with strongSwan 5.9.8 (issue 6): charon with kernel-libipsec
# (userspace ESP over TUN), run from Debian's packages unpacked into
# .cache/peers (tests/peers/strongswan.sh), against Cygnet's pluto with the
# userspace dataplane, in two namespaces.  One daemon on each side serves every
# scenario: each scenario loads its own conn on both sides, runs, and deletes
# its SAs.  kernel-libipsec fakes a NAT, so every SA floats to 4500 with
# ESP-in-UDP.  Scenarios (both directions unless noted): PSK subnet-to-subnet
# with ping, TCP (iperf3), the wire and the counters; an algorithm matrix;
# IP IDs; %any responder (strongSwan initiates); IPv6 outer addresses; delete;
# Child SA and IKE SA rekey with traffic flowing (no loss); liveness/DPD;
# wrong PSK.  The result rows go to $CYGNET_BUILD/interop/strongswan.rows
# (tests/peers/interop_report.sh turns them into docs/INTEROP.md).
. "$(dirname "$0")/lib/common.sh"
. "$TOP/tests/peers/strongswan.sh"
. "$TOP/tests/peers/interop_lib.sh"
export SW_RETRANSMIT_TRIES=2   # strongSwan gives up (and declares a dead peer) after ~4.4 s

if [ "$(id -u)" != 0 ] || [ ! -e /dev/net/tun ]; then
	env_skip interop-strongswan "needs root and /dev/net/tun"
	exit
fi
for c in iperf3 tcpdump nft; do
	command -v $c >/dev/null || { env_skip interop-strongswan "$c missing"; exit; }
done
if ! sw_fetch; then
	echo "!!! strongSwan packages could not be downloaded from the Debian archive: interop NOT tested !!!"
	env_skip interop-strongswan "apt-get download of strongSwan into $SW_CACHE failed (no archive access?)"
	exit
fi
io_begin strongswan strongSwan "strongSwan $(sw_version) (Debian $(sw_package_version), charon + kernel-libipsec)"

CY=$TAG-cy SW=$TAG-sw
CYD=$TMP/cy SWD=$TMP/sw
two_hosts "$CY" "$SW" || { fail setup "namespaces"; finish; }
mkdir -p "$CYD" "$SWD"
PSK="interop-psk-0123456789abcdef"

# ---- the daemons, started once ---------------------------------------------
printf 'config setup\n\tprotostack=userspace\n' >"$CYD/ipsec.conf"
cat >"$CYD/ipsec.secrets" <<SECRETS
@cygnet.example @swan.example : PSK "$PSK"
@cygnet.example @rw.example : PSK "$PSK"
192.0.2.1 192.0.2.2 : PSK "$PSK"
@cy-wrong.example @sw-wrong.example : PSK "the-cygnet-side-of-a-mismatch"
SECRETS
SW_SECRETS="secrets {
	ike-fqdn { id-1 = swan.example
		id-2 = cygnet.example
		secret = \"$PSK\" }
	ike-rw { id-1 = rw.example
		id-2 = cygnet.example
		secret = \"$PSK\" }
	ike-ip { id-1 = 192.0.2.2
		id-2 = 192.0.2.1
		secret = \"$PSK\" }
	ike-wrong { id-1 = sw-wrong.example
		id-2 = cy-wrong.example
		secret = \"the-strongswan-side-of-a-mismatch\" }
}"
printf 'connections {\n}\n%s\n' "$SW_SECRETS" >"$SWD/swanctl.conf"
pluto_start "$CY" "$CYD" || { fail setup "Cygnet pluto did not start"; finish; }
sw_start "$SW" "$SWD" || { fail setup "charon did not start: $(tail -3 "$SWD/charon.out" "$SWD/load.out")"; finish; }
at_exit sw_stop "$SWD"

cy() { cy_auto "$CY" "$CYD" "$@"; }
cyw() { cy_whack "$CY" "$CYD" "$@"; }
sw() { sw_ctl "$SW" "$SWD" "$@"; }

# ---- per-scenario configuration ----------------------------------------------
# Defaults for one scenario; a scenario overrides these variables, then calls
# load_conn.  C_* are Cygnet's conn lines, S_* strongSwan's.
reset_conf() {
	NAME=$1
	C_LEFT=192.0.2.1 C_RIGHT=192.0.2.2 C_LID=@cygnet.example C_RID=@swan.example
	C_LSUB=198.51.100.0/24 C_RSUB=203.0.113.0/24 C_EXTRA=()
	S_LADDR=192.0.2.2 S_RADDR=192.0.2.1 S_LID=swan.example S_RID=cygnet.example
	S_LTS=203.0.113.0/24 S_RTS=198.51.100.0/24 S_CONN="" S_CHILD="" RTO=8s
	PING_SRC=198.51.100.1 PING_DST=203.0.113.1
}
load_conn() {
	{
		printf 'config setup\n\tprotostack=userspace\n\nconn %s\n' "$NAME"
		printf '\tauthby=secret\n\tauto=add\n\tretransmit-timeout=%s\n\tkeyingtries=1\n' "$RTO"
		printf '\tleft=%s\n\tleftid=%s\n\tright=%s\n\trightid=%s\n' "$C_LEFT" "$C_LID" "$C_RIGHT" "$C_RID"
		[ -n "$C_LSUB" ] && printf '\tleftsubnet=%s\n' "$C_LSUB"
		[ -n "$C_RSUB" ] && printf '\trightsubnet=%s\n' "$C_RSUB"
		for kv in "${C_EXTRA[@]}"; do printf '\t%s\n' "$kv"; done
	} >"$CYD/$NAME.conf"
	cat >"$SWD/swanctl.conf" <<CONF
connections {
	$NAME {
		local_addrs = $S_LADDR
		remote_addrs = $S_RADDR
		version = 2
		mobike = no
		$S_CONN
		local { auth = psk
			id = $S_LID }
		remote { auth = psk
			id = $S_RID }
		children {
			$NAME { local_ts = $S_LTS
				remote_ts = $S_RTS
				$S_CHILD }
		}
	}
}
$SW_SECRETS
CONF
	cy --config "$CYD/$NAME.conf" --add "$NAME" >"$TMP/add.out" 2>&1 || { WHY="ipsec auto --add: $(tail -1 "$TMP/add.out")"; return 1; }
	sw --load-conns --file "$SWD/swanctl.conf" >"$TMP/load.out" 2>&1 || { WHY="swanctl --load-conns: $(tail -1 "$TMP/load.out")"; return 1; }
}
# Delete the scenario's conn and every SA on both sides; wait until both are empty.
unload_conn() {
	cy --delete "$NAME" >/dev/null 2>&1
	poll 2 sw_empty || sw --terminate --ike "$NAME" --force --timeout 1 >/dev/null 2>&1
	poll 2 sw_empty
	poll 2 cy_empty
}

sw_sas() { sw --list-sas 2>/dev/null; }
sw_empty() { ! sw_sas | grep -q 'ESTABLISHED\|CONNECTING\|REKEY\|DELET'; }
cy_empty() { ! cyw --showstates 2>/dev/null | grep -q "#[0-9]*: \"$NAME\""; }
cy_child() { cyw --trafficstatus 2>/dev/null | grep -q "\"$NAME\".*type=ESP"; }
sw_child() { sw_sas | grep -q 'INSTALLED'; }
cy_ike_serial() { cyw --showstates 2>/dev/null | sed -n "s/^000 #\([0-9]*\): \"$NAME\".*ESTABLISHED_IKE_SA.*/\1/p" | tail -1; }
cy_child_serial() { cyw --trafficstatus 2>/dev/null | sed -n "s/^006 #\([0-9]*\): \"$NAME\".*/\1/p" | tail -1; }
sw_ike_spi() { sw_sas | sed -n 's/.*ESTABLISHED, IKEv2, \([0-9a-f]*\)_i.*/\1/p' | head -1; }
sw_child_spi_in() { sw_sas | awk '/INSTALLED/ { f = 1 } f && $1 == "in" { sub(",", "", $2); print $2; exit }'; }

# up DIRECTION: the initiator brings the conn up; both sides must show the Child SA.
up() {
	if [ "$1" = cy-init ]; then
		cy --up "$NAME" >"$TMP/up.out" 2>&1 || { WHY="ipsec auto --up: $(tail -1 "$TMP/up.out")"; return 1; }
	else
		sw --initiate --child "$NAME" --timeout 10 >"$TMP/up.out" 2>&1 || { WHY="swanctl --initiate: $(grep -m1 -i 'fail\|error' "$TMP/up.out")"; return 1; }
	fi
	poll 5 cy_child || { WHY="no Child SA on Cygnet"; return 1; }
	poll 5 sw_child || { WHY="no Child SA on strongSwan"; return 1; }
}
# pings N INTERVAL: every ping through the tunnel must be answered
pings() {
	ip netns exec "$CY" ping -q -c "$1" -i "${2:-0.05}" -W 2 -I "$PING_SRC" "$PING_DST" >"$TMP/ping.out" 2>&1 && return 0
	WHY="ping $PING_SRC -> $PING_DST: $(grep -m1 'packet loss' "$TMP/ping.out")"
	return 1
}
# run_case NAME DIRECTION FUNCTION: set up via FUNCTION's own reset_conf/load_conn
run_case() {
	local name=$1 dir=$2 fn=$3
	[ -n "${IO_ONLY:-}" ] && ! [[ "$name/$dir" =~ $IO_ONLY ]] && return
	WHY="" NOTE=""
	CY_LOG0=$(wc -l <"$CYD/pluto.log") SW_LOG0=$(wc -l <"$SWD/charon.log")
	local t0=$SECONDS ok=0
	"$fn" "$dir" && ok=1
	unload_conn
	[ $ok = 1 ] && io_result "$name" "$dir" 1 "$NOTE${NOTE:+; }$((SECONDS - t0)) s"
	[ $ok = 1 ] || io_result "$name" "$dir" 0 "$WHY"
}
# cy_log_count PATTERN: matching lines Cygnet logged since the case began
cy_log_count() { tail -n +$((CY_LOG0 + 1)) "$CYD/pluto.log" | grep -c "$1"; }

# ---- 1. PSK subnet to subnet: ping, TCP, wire, counters ----------------------
capture_start() {
	rm -f "$TMP/cap.pcap" "$TMP/tcpdump.err"
	ip netns exec "$SW" tcpdump -i vb -n -U -w "$TMP/cap.pcap" udp or esp or icmp or tcp >/dev/null 2>"$TMP/tcpdump.err" &
	TCPDUMP=$!
	poll 5 grep -q 'listening on' "$TMP/tcpdump.err"
}
capture_stop() { kill -INT "$TCPDUMP" 2>/dev/null; wait "$TCPDUMP" 2>/dev/null; }
rcvbuf_errors() {
	ip netns exec "$1" cat /proc/net/snmp | awk '$1 == "Udp:" { if (h) { print $c; exit } for (i = 2; i <= NF; i++) if ($i == "RcvbufErrors") c = i; h = 1 }'
}
sw_rcvbuf_errors() { rcvbuf_errors "$SW"; }
cy_rcvbuf_errors() { rcvbuf_errors "$CY"; }

case_basic() {
	reset_conf psk-subnet
	load_conn && up "$1" || return 1
	capture_start
	pings 5 0.1 || { capture_stop; return 1; }
	ip netns exec "$SW" iperf3 -s -1 -B 203.0.113.1 >"$TMP/iperf-s.out" 2>&1 &
	local ipid=$! drops0 cydrops0
	poll 5 sh -c "ip netns exec $SW ss -ltn | grep -q ':5201 '"
	drops0=$(sw_rcvbuf_errors) cydrops0=$(cy_rcvbuf_errors)
	# paced so charon's UDP socket keeps up (unpaced, its receive buffer overflows)
	ip netns exec "$CY" iperf3 -c 203.0.113.1 -B 198.51.100.1 -n 8M -b 100M >"$TMP/iperf.out" 2>&1
	local irc=$?
	wait $ipid 2>/dev/null
	capture_stop
	[ $irc = 0 ] || { WHY="iperf3 TCP transfer: $(tail -2 "$TMP/iperf.out" | tr '\n' ' ')"; return 1; }
	local encap plain
	encap=$(tcpdump -n -r "$TMP/cap.pcap" 'udp port 4500 and udp[8:4] != 0' 2>/dev/null | wc -l)
	plain=$(tcpdump -n -r "$TMP/cap.pcap" 'icmp or tcp port 5201' 2>/dev/null | wc -l)
	[ "$encap" -gt 100 ] && [ "$plain" -eq 0 ] || { WHY="wire: $encap ESP-in-UDP, $plain plaintext ICMP/TCP"; return 1; }
	# counters: Cygnet's outbound bytes = strongSwan's inbound bytes and back,
	# except for packets a receiver's UDP socket dropped (charon's libipsec
	# can fall behind at this rate: UdpRcvbufErrors counts those, each at
	# most one MTU of plaintext)
	local cy_in cy_out sw_in sw_out cy_drops sw_drops
	cy_in=$(cyw --trafficstatus | sed -n "s/.*\"$NAME\".*inBytes=\([0-9]*\).*/\1/p" | head -1)
	cy_out=$(cyw --trafficstatus | sed -n "s/.*\"$NAME\".*outBytes=\([0-9]*\).*/\1/p" | head -1)
	sw_in=$(sw_sas | awk '$1 == "in" { print $3; exit }')
	sw_out=$(sw_sas | awk '$1 == "out" { print $3; exit }')
	sw_drops=$(($(sw_rcvbuf_errors) - drops0)) cy_drops=$(($(cy_rcvbuf_errors) - cydrops0))
	WHY="counters: Cygnet in=$cy_in out=$cy_out, strongSwan in=$sw_in out=$sw_out, receive-buffer drops: Cygnet $cy_drops strongSwan $sw_drops"
	[ -n "$cy_out" ] && [ -n "$sw_in" ] && [ -n "$cy_in" ] && [ -n "$sw_out" ] || return 1
	local dout=$((cy_out - sw_in)) din=$((sw_out - cy_in))
	[ $dout -ge 0 ] && [ $dout -le $((sw_drops * 1500)) ] && [ $din -ge 0 ] && [ $din -le $((cy_drops * 1500)) ] || return 1
	NOTE="$(sed -n 's/.*sender$//; s/.* \([0-9.]* [MG]bits\/sec\).*receiver$/\1/p' "$TMP/iperf.out" | head -1); $encap ESP-in-UDP packets; counters out/in $cy_out/$cy_in B, $sw_drops dropped by charon's socket"
}
run_case psk-subnet cy-init case_basic
run_case psk-subnet peer-init case_basic

# ---- 1b. one Child SA with two TS pairs (strongSwan proposes two remote_ts) -----
# Cygnet (narrowing=yes) answers with both: each pair becomes its own
# policies (the kernel-side inbound ones are listed by ip xfrm) and both
# halves of Cygnet's subnet reach strongSwan's through the one Child SA.
# (Two local_ts on strongSwan's side would be two routes to one destination
# through its TUN, which kernel-libipsec cannot install.)
case_multi_ts() {
	reset_conf multi-ts
	C_EXTRA=("narrowing=yes")
	S_RTS="198.51.100.0/25,198.51.100.128/25"
	load_conn && up "$1" || return 1
	local pol; pol=$(ip -n "$CY" xfrm policy 2>/dev/null | tr '\n' ' ')
	[[ "$pol" == *"src 203.0.113.0/24 dst 198.51.100.0/25 "*"dir in"* &&
	   "$pol" == *"src 203.0.113.0/24 dst 198.51.100.128/25 "*"dir in"* ]] ||
		{ WHY="Cygnet's inbound policies: $pol"; return 1; }
	pings 2 || return 1
	PING_SRC=198.51.100.129
	pings 2 || return 1
	[ "$(cyw --trafficstatus | grep -c "\"$NAME\".*type=ESP")" = 1 ] || { WHY="not one Child SA: $(cyw --trafficstatus)"; return 1; }
}
run_case "two TS pairs" peer-init case_multi_ts

# ---- 2. algorithm matrix -------------------------------------------------------
# Cygnet ike/esp | strongSwan proposals/esp_proposals | strongSwan's names in --list-sas
algs=(
	"aes_gcm128-sha2_256|aes_gcm128|aes128gcm16-prfsha256|aes128gcm16|AES_GCM_16-128/PRF_HMAC_SHA2_256|ESP:AES_GCM_16-128"
	"aes_gcm256-sha2_256|aes_gcm256|aes256gcm16-prfsha256|aes256gcm16|AES_GCM_16-256/PRF_HMAC_SHA2_256|ESP:AES_GCM_16-256"
	"aes256-sha2_256|aes256-sha2_256|aes256-sha256|aes256-sha256|AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256|ESP:AES_CBC-256/HMAC_SHA2_256_128"
	"aes256-sha2_512|aes256-sha2_512|aes256-sha512|aes256-sha512|AES_CBC-256/HMAC_SHA2_512_256/PRF_HMAC_SHA2_512|ESP:AES_CBC-256/HMAC_SHA2_512_256"
	"chacha20_poly1305-sha2_256|chacha20_poly1305|chacha20poly1305-prfsha256|chacha20poly1305|CHACHA20_POLY1305/PRF_HMAC_SHA2_256|ESP:CHACHA20_POLY1305"
)
declare -A dhn=([14]=modp2048 [19]=ecp256 [20]=ecp384 [31]=curve25519)
declare -A dhshow=([14]=MODP_2048 [19]=ECP_256 [20]=ECP_384 [31]=CURVE_25519)
case_alg() {
	reset_conf "$ALG_NAME"
	C_EXTRA=("ike=$ALG_CIKE" "esp=$ALG_CESP")
	S_CONN="proposals = $ALG_SIKE" S_CHILD="esp_proposals = $ALG_SESP"
	load_conn && up "$1" && pings 2 0.05 || return 1
	local sas; sas=$(sw_sas)
	grep -qF "$ALG_SHOWIKE" <<<"$sas" || { WHY="strongSwan negotiated $(grep -m1 PRF_ <<<"$sas" | xargs), expected $ALG_SHOWIKE"; return 1; }
	grep -qF "$ALG_SHOWESP" <<<"$sas" || { WHY="strongSwan negotiated $(grep -m1 -o 'ESP:[^ ]*' <<<"$sas"), expected $ALG_SHOWESP"; return 1; }
}
i=0
for a in "${algs[@]}"; do
	IFS='|' read -r cike cesp sike sesp showike showesp <<<"$a"
	for dh in 14 19 20 31; do
		dir=cy-init; [ $((i % 2)) = 1 ] && dir=peer-init
		ALG_NAME="alg-${cesp%%-*}-dh$dh" ALG_CIKE="$cike-dh$dh" ALG_CESP=$cesp
		ALG_SIKE="$sike-${dhn[$dh]}" ALG_SESP=$sesp
		ALG_SHOWIKE="$showike/${dhshow[$dh]}" ALG_SHOWESP=$showesp
		run_case "alg ike=$ALG_CIKE esp=$ALG_CESP" $dir case_alg
		i=$((i + 1))
	done
done

# ---- 3. IDs: IP addresses (the @fqdn IDs are every other scenario's) ---------
case_ipid() {
	reset_conf ip-ids
	C_LID=192.0.2.1 C_RID=192.0.2.2 S_LID=192.0.2.2 S_RID=192.0.2.1
	load_conn && up "$1" && pings 2 || return 1
	grep -q "'192.0.2.1' @ 192.0.2.1" <<<"$(sw_sas)" || { WHY="strongSwan does not show the IP ID 192.0.2.1"; return 1; }
}
run_case "IP IDs" cy-init case_ipid
run_case "IP IDs" peer-init case_ipid

# ---- 4. %any responder (road warrior): strongSwan initiates ------------------
case_rw() {
	reset_conf roadwarrior
	C_RIGHT=%any C_RID=@rw.example S_LID=rw.example
	load_conn && up "$1" && pings 2 || return 1
	# the SAs belong to the %any conn, with the road warrior's address as peer
	cyw --showstates | grep -q "\"$NAME\".* esp\.[0-9a-f]*@192\.0\.2\.2 " ||
		{ WHY="Cygnet shows no Child SA of \"$NAME\" to 192.0.2.2"; return 1; }
	# Libreswan would show an instance, "roadwarrior"[1] 192.0.2.2 (reference
	# §status); Cygnet lists the SAs under the template: noted, not failed
	cyw --showstates | grep -q "\"$NAME\"\[1\] 192.0.2.2" ||
		NOTE="Cygnet names no instance \"$NAME\"[1] 192.0.2.2 in its status, unlike Libreswan"
}
run_case "%any responder" peer-init case_rw

# ---- 5. IPv6 outer addresses ----------------------------------------------------
case_v6() {
	reset_conf ipv6
	C_LEFT=2001:db8::1 C_RIGHT=2001:db8::2 C_LSUB=2001:db8:1::/64 C_RSUB=2001:db8:2::/64
	S_LADDR=2001:db8::2 S_RADDR=2001:db8::1 S_LTS=2001:db8:2::/64 S_RTS=2001:db8:1::/64
	PING_SRC=2001:db8:1::1 PING_DST=2001:db8:2::1
	load_conn && up "$1" && pings 3 || return 1
	grep -q '2001:db8::1\[4500\]' <<<"$(sw_sas)" || { WHY="strongSwan SA not on [2001:db8::1]:4500"; return 1; }
}
run_case "IPv6 outer" cy-init case_v6
run_case "IPv6 outer" peer-init case_v6

# ---- 6. delete, observed by the other side -----------------------------------
case_delete() {
	reset_conf delete
	load_conn && up cy-init || return 1
	if [ "$1" = cy-init ]; then
		cy --down "$NAME" >/dev/null 2>&1
		poll 5 sw_empty || { WHY="strongSwan still has SAs after ipsec auto --down"; return 1; }
		cy_empty || { WHY="Cygnet still has states after --down"; return 1; }
	else
		sw --terminate --ike "$NAME" --timeout 5 >/dev/null 2>&1
		poll 5 cy_empty || { WHY="Cygnet still has states after strongSwan's delete"; return 1; }
	fi
}
case_delete_child() {
	reset_conf delete-child
	load_conn && up cy-init || return 1
	ip netns exec "$CY" ip route show table 220 | grep -q 203.0.113 || { WHY="no route into the tunnel while it is up"; return 1; }
	sw --terminate --child "$NAME" --timeout 5 >/dev/null 2>&1
	poll 5 sh -c "! $IPSEC whack --ctlsocket $CYD/run/pluto.ctl --trafficstatus 2>/dev/null | grep -q '\"$NAME\"'" ||
		{ WHY="Cygnet still has the Child SA"; return 1; }
	[ -n "$(cy_ike_serial)" ] || { WHY="Cygnet lost the IKE SA with the Child SA"; return 1; }
	ip netns exec "$CY" ip route show table 220 | grep -q 203.0.113 && { WHY="Cygnet's route into the tunnel remains"; return 1; }
	return 0
}
run_case "delete IKE SA" cy-init case_delete
run_case "delete IKE SA" peer-init case_delete
run_case "delete Child SA only" peer-init case_delete_child

# ---- 7. rekey with traffic flowing ---------------------------------------------
# Pings every 20 ms for 5 s across at least one rekey; not one may be lost.
# PFS: the Child SA rekey carries a KE (group 19) both ways.
rekey_conf() {
	reset_conf "$1"
	C_EXTRA=("ike=aes_gcm256-sha2_256-dh19" "esp=aes_gcm256" "rekeyfuzz=0%")
	S_CONN="proposals = aes256gcm16-prfsha256-ecp256" S_CHILD="esp_proposals = aes256gcm16-ecp256"
}
case_rekey_child() {
	rekey_conf rekey-child
	if [ "$1" = cy-init ]; then C_EXTRA+=("salifetime=4s" "rekeymargin=2s")
	else S_CHILD+="
				rekey_time = 2s
				life_time = 60s
				rand_time = 0"; fi
	load_conn && up "$1" || return 1
	local c0 s0; c0=$(cy_child_serial) s0=$(sw_child_spi_in)
	pings 250 0.02 || return 1
	local c1 s1; c1=$(cy_child_serial) s1=$(sw_child_spi_in)
	[ "$c0" != "$c1" ] && [ "$s0" != "$s1" ] || { WHY="no Child SA rekey seen (Cygnet #$c0 -> #$c1, strongSwan SPI $s0 -> $s1)"; return 1; }
	local n; n=$(cy_log_count "\"$NAME\" #[0-9]*: .*\(established\|rekeyed\) Child SA")
	NOTE="250 pings, 0 lost; Child SA #$c0 -> #$c1 ($((n - 1)) rekeys)"
}
case_rekey_ike() {
	rekey_conf rekey-ike
	if [ "$1" = cy-init ]; then C_EXTRA+=("ikelifetime=4s" "rekeymargin=2s")
	else S_CONN+="
		rekey_time = 2s
		over_time = 60s
		rand_time = 0"; fi
	load_conn && up "$1" || return 1
	local i0 c0 s0; i0=$(cy_ike_serial) c0=$(cy_child_serial) s0=$(sw_ike_spi)
	pings 250 0.02 || return 1
	local i1 c1 s1; i1=$(cy_ike_serial) c1=$(cy_child_serial) s1=$(sw_ike_spi)
	[ "$i0" != "$i1" ] && [ "$s0" != "$s1" ] || { WHY="no IKE SA rekey seen (Cygnet #$i0 -> #$i1, strongSwan SPI $s0 -> $s1)"; return 1; }
	[ "$c0" = "$c1" ] || { WHY="the Child SA changed (#$c0 -> #$c1) with the IKE SA rekey"; return 1; }
	sw_sas | grep -q "$NAME: #[0-9]*, reqid [0-9]*, INSTALLED" || { WHY="strongSwan lost the Child SA"; return 1; }
	NOTE="250 pings, 0 lost; IKE SA #$i0 -> #$i1, Child SA #$c0 kept"
}
run_case "Child SA rekey" cy-init case_rekey_child
run_case "Child SA rekey" peer-init case_rekey_child
run_case "IKE SA rekey" cy-init case_rekey_ike
run_case "IKE SA rekey" peer-init case_rekey_ike

# ---- 8. liveness / DPD ---------------------------------------------------------
# The prober's empty INFORMATIONALs are answered; then the wire is cut (the
# other side drops everything) and the prober declares the peer dead.
sw_count() { grep -c "$1" "$SWD/charon.log"; }
# block ADDR: the peer's namespace drops everything from ADDR (nftables; the
# namespace, and with it the table, goes away at exit)
block() {
	ip netns exec "$SW" nft -f - <<NFT
table inet cyio {
	chain in {
		type filter hook input priority 0;
		ip saddr $1 drop
	}
}
NFT
}
unblock() { ip netns exec "$SW" nft delete table inet cyio; }
case_dpd() {
	reset_conf dpd
	# Cygnet, like Libreswan 4.10, gives up on a liveness probe after retransmit-timeout
	if [ "$1" = cy-init ]; then C_EXTRA=("dpddelay=1s" "dpdtimeout=3s" "dpdaction=clear") RTO=3s
	else S_CONN="dpd_delay = 1s"; fi
	load_conn && up cy-init || return 1
	local pat='parsed INFORMATIONAL request [0-9]* \[ \]'
	[ "$1" = peer-init ] && pat='parsed INFORMATIONAL response [0-9]* \[ \]'
	local n0; n0=$(sw_count "$pat")
	probes_answered() { [ "$(sw_count "$pat")" -ge $((n0 + 2)) ]; }
	poll 5 probes_answered ||
		{ WHY="fewer than 2 answered liveness probes in 5 s"; return 1; }
	block 192.0.2.1 || { WHY="nft"; return 1; }
	local t0=$SECONDS ok=0
	if [ "$1" = cy-init ]; then
		poll 10 cy_empty && [ "$(cy_log_count "\"$NAME\".*not responding")" -gt 0 ] && ok=1
		WHY="Cygnet did not declare the peer dead within 10 s"
		sw --terminate --ike "$NAME" --force --timeout 1 >/dev/null 2>&1   # strongSwan ran no DPD
	else
		poll 15 sw_empty && ok=1
		WHY="strongSwan did not declare Cygnet dead within 15 s"
		cy --down "$NAME" >/dev/null 2>&1   # Cygnet ran no DPD
	fi
	unblock 192.0.2.1
	[ $ok = 1 ] || return 1
	NOTE="probes answered; dead peer cleared after $((SECONDS - t0)) s"
}
run_case "liveness/DPD" cy-init case_dpd
run_case "liveness/DPD" peer-init case_dpd

# ---- 9. wrong PSK: fails cleanly on both sides, no half state ----------------
case_wrong() {
	reset_conf wrong-psk
	C_LID=@cy-wrong.example C_RID=@sw-wrong.example S_LID=sw-wrong.example S_RID=cy-wrong.example
	load_conn || return 1
	if [ "$1" = cy-init ]; then
		cy --up "$NAME" >"$TMP/up.out" 2>&1 && { WHY="ipsec auto --up succeeded with a wrong PSK"; return 1; }
		grep -q 'AUTHENTICATION_FAILED' "$TMP/up.out" || { WHY="--up did not report AUTHENTICATION_FAILED: $(tail -1 "$TMP/up.out")"; return 1; }
	else
		sw --initiate --child "$NAME" --timeout 10 >"$TMP/up.out" 2>&1 && { WHY="strongSwan's initiate succeeded"; return 1; }
		tail -n +$((SW_LOG0 + 1)) "$SWD/charon.log" | grep -q 'AUTH_FAILED\|AUTHENTICATION_FAILED' ||
			{ WHY="strongSwan saw no AUTHENTICATION_FAILED"; return 1; }
	fi
	poll 5 cy_empty || { WHY="Cygnet keeps a state: $(cyw --showstates | grep '#' | head -1)"; return 1; }
	poll 5 sw_empty || { WHY="strongSwan keeps an SA"; return 1; }
}
run_case "wrong PSK" cy-init case_wrong
run_case "wrong PSK" peer-init case_wrong

io_end
finish
