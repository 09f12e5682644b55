#!/bin/bash
# Two Cygnet daemons (`ipsec pluto`, protostack=userspace) in two network
# namespaces negotiating with each other (issue 4 §5): both report the same
# IKE and Child SA SPIs and algorithms; a wrong PSK fails cleanly on both
# sides whichever side initiates; no common IKE or ESP proposal gives a
# clear error; an unreachable peer gives exit 31 after retransmit-timeout;
# a restarted daemon re-establishes (auto=start) and its peer, told by the
# delete on shutdown and by INITIAL_CONTACT, keeps exactly one IKE SA; with
# dpddelay/dpdtimeout a peer killed without a word is detected and cleared.
# The NAT case is tunnel_nat.sh.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/e2e.sh"
e2e_need ike_daemons
two_hosts "$W" "$E" || { fail setup "cannot create namespaces"; finish; }

# established_both: an established Child SA on both sides
established_both() { [ "$(n_states "$W" "$DW" CHILD)" -ge 1 ] && [ "$(n_states "$E" "$DE" CHILD)" -ge 1 ]; }
gone_both() { no_states "$W" "$DW" && no_states "$E" "$DE"; }
ping_tunnel() { ip netns exec "$W" ping -c 1 -W 1 -I 198.51.100.1 203.0.113.1 >/dev/null 2>&1; }

# ---- SAs agree ------------------------------------------------------------
# agree NAME IKE ESP WANT_IKE WANT_CHILD WANT_NEWEST: --up, then both sides'
# --status --json SA summaries must be equal (Child SPIs swapped) with the
# expected algorithm names, and so must the conn block's "algorithm newest".
agree() {
	local name=$1 ike=$2 esp=$3 want_ike=$4 want_child=$5 sw se
	both_conf "$CONN_V4
ike=$ike
esp=$esp"
	aw --config "$DW/ipsec.conf" --replace t >/dev/null 2>&1
	ae --config "$DE/ipsec.conf" --replace t >/dev/null 2>&1
	if ! aw --up t >"$TMP/up.out" 2>&1; then
		fail "$name" "--up failed: $(tail -2 "$TMP/up.out" | tr '\n' '|')"; return
	fi
	wait_until 5 established_both
	sw=$(sa_summary "$W" "$DW"); se=$(sa_summary "$E" "$DE" swap)
	if [ "$(grep -c '^ike ' <<<"$sw")" != 1 ] || [ "$(grep -c '^child ' <<<"$sw")" != 1 ]; then
		fail "$name" "west does not show one IKE and one Child SA: $sw"
	elif [ "$sw" != "$se" ]; then
		fail "$name" "west [$sw] != east [$se]"
	elif ! grep -q "^ike [0-9a-f]\{16\} [0-9a-f]\{16\} $want_ike\$" <<<"$sw" ||
	     ! grep -q "^child [0-9a-f]\{8\} [0-9a-f]\{8\} $want_child\$" <<<"$sw"; then
		fail "$name" "unexpected algorithms: $sw"
	elif ! cy_whack "$E" "$DE" --showstates | grep -q "esp\.$(awk '/^child/{print $2}' <<<"$sw")@192.0.2.1 esp\.$(awk '/^child/{print $3}' <<<"$sw")@192.0.2.2"; then
		fail "$name" "east --showstates lacks the Child SPIs west reports: $(cy_whack "$E" "$DE" --showstates | tr '\n' '|')"
	else
		pass "$name"
	fi
	# Libreswan's conn block: "IKEv2 algorithm newest: ..." / "ESP algorithm newest: ..."
	local aw_ ae_
	aw_=$(ww --status | grep 'algorithm newest' | sed 's/^000 //'); ae_=$(we --status | grep 'algorithm newest' | sed 's/^000 //')
	if [ "$(wc -l <<<"$aw_")" = 2 ] && [ "$aw_" = "$ae_" ] && grep -q "IKEv2 algorithm newest: $6\$" <<<"$aw_"; then
		pass "$name-status-newest"
	else
		fail "$name-status-newest" "west [$(tr '\n' '|' <<<"$aw_")] east [$(tr '\n' '|' <<<"$ae_")]"
	fi
	if command -v python3 >/dev/null; then
		ww --status --json | python3 -c 'import json, sys; d = json.load(sys.stdin); sys.exit(len(d["states"]) != 2)' &&
			pass "$name-json-valid" || fail "$name-json-valid" "--status --json is not JSON with 2 states"
	fi
	aw --down t >/dev/null 2>&1
	wait_until 5 gone_both
}

both_conf "$CONN_V4"
start_both || { fail setup "pluto did not start"; finish; }
agree sa-agree-gcm aes_gcm256-sha2_512-dh19 aes_gcm128 \
	"AES_GCM_16/256 NONE HMAC_SHA2_512 ECP_256" "AES_GCM_16/128 NONE NONE false" AES_GCM_16_256-HMAC_SHA2_512-DH19
agree sa-agree-cbc aes256-sha2_256-dh14 aes128-sha2_512 \
	"AES_CBC/256 HMAC_SHA2_256_128 HMAC_SHA2_256 MODP2048" "AES_CBC/128 HMAC_SHA2_512_256 NONE false" AES_CBC_256-HMAC_SHA2_256-MODP2048
agree sa-agree-chacha chacha20_poly1305-sha2_384-dh31 chacha20_poly1305 \
	"CHACHA20_POLY1305/256 NONE HMAC_SHA2_384 CURVE25519" "CHACHA20_POLY1305/256 NONE NONE false" CHACHA20_POLY1305_256-HMAC_SHA2_384-DH31

# ---- failures: exit status, reason, nothing left on either side ------------
# refused NAME WANT_RC REASON_REGEX SIDE(west|east initiates) [IKE_LEFT]
refused() {
	local name=$1 want=$2 reason=$3 side=$4 ike_left=${5:-no} rc
	if [ "$side" = east ]; then ae --up t >"$TMP/up.out" 2>&1; else aw --up t >"$TMP/up.out" 2>&1; fi
	rc=$?
	if [ "$rc" != "$want" ]; then
		fail "$name" "exit $rc, want $want: $(tail -2 "$TMP/up.out" | tr '\n' '|')"
	elif ! grep -Eq "$reason" "$TMP/up.out"; then
		fail "$name" "no reason /$reason/ printed: $(tr '\n' '|' <"$TMP/up.out")"
	elif [ "$ike_left" = no ] && ! wait_until 5 gone_both; then
		fail "$name" "SAs left: west [$(ww --showstates | tr '\n' '|')] east [$(we --showstates | tr '\n' '|')]"
	elif [ "$(n_states "$W" "$DW" CHILD)" != 0 ] || [ "$(n_states "$E" "$DE" CHILD)" != 0 ] ||
	     ! clean220 "$W" || ! clean220 "$E"; then
		fail "$name" "a Child SA or a route was left"
	else
		pass "$name"
	fi
	aw --down t >/dev/null 2>&1; ae --down t >/dev/null 2>&1
	wait_until 5 gone_both
}
reload() {
	aw --config "$DW/ipsec.conf" --replace t >/dev/null 2>&1
	ae --config "$DE/ipsec.conf" --replace t >/dev/null 2>&1
}

both_conf "$CONN_V4" "west-psk-$TAG" "east-psk-$TAG"
ww --rereadsecrets >/dev/null; we --rereadsecrets >/dev/null; reload
refused wrong-psk-west-initiates 36 'AUTHENTICATION_FAILED' west
refused wrong-psk-east-initiates 36 'AUTHENTICATION_FAILED' east
grep -q 'authentication failed' "$DE/pluto.log" && grep -q 'authentication failed' "$DW/pluto.log" &&
	pass wrong-psk-logged-by-responder || fail wrong-psk-logged-by-responder "no 'authentication failed' in a responder log"

conf "$DW" "$CONN_V4
ike=aes128-sha2_256-dh14"
conf "$DE" "$CONN_V4
ike=aes256-sha2_512-dh19"
ww --rereadsecrets >/dev/null; we --rereadsecrets >/dev/null; reload
refused no-common-ike-proposal 36 'NO_PROPOSAL_CHOSEN' west
grep -q 'no acceptable proposal' "$DE/pluto.log" && pass no-common-ike-proposal-logged ||
	fail no-common-ike-proposal-logged "responder log lacks 'no acceptable proposal'"

# ESP mismatch: the IKE SA is established, the Child SA refused -> exit 36
# (Libreswan 4.10 exits 0 here; Cygnet does not), no Child SA on either side.
conf "$DW" "$CONN_V4
esp=aes128-sha2_256"
conf "$DE" "$CONN_V4
esp=chacha20_poly1305"
reload
refused no-common-esp-proposal 36 'Child SA.*NO_PROPOSAL_CHOSEN' west ike-may-stay

# ---- unreachable peer: exit 31 after retransmit-timeout ----------------------
both_conf "$CONN_V4
retransmit-timeout=3s"
reload
ip netns exec "$E" nft -f - <<NFT 2>/dev/null || ip netns exec "$E" iptables -I INPUT -p udp --dport 500 -j DROP
table inet e2edrop {
	chain in {
		type filter hook input priority 0; policy accept;
		udp dport 500 drop
	}
}
NFT
t0=$(date +%s%N)
aw --up t >"$TMP/up.out" 2>&1; rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
if [ "$rc" = 31 ] && grep -q '^031 .*timeout' "$TMP/up.out" && [ "$ms" -ge 2500 ] && [ "$ms" -lt 8000 ]; then
	pass unreachable-exit-31
else
	fail unreachable-exit-31 "exit $rc after ${ms}ms: $(tail -2 "$TMP/up.out" | tr '\n' '|')"
fi
# keyingtries=0 (%forever) keeps trying in the background; --down stops it
aw --down t >/dev/null 2>&1
wait_until 5 no_states "$W" "$DW" && pass unreachable-down-stops-retrying ||
	fail unreachable-down-stops-retrying "$(ww --showstates | tr '\n' '|')"
ip netns exec "$E" nft delete table inet e2edrop 2>/dev/null || ip netns exec "$E" iptables -D INPUT -p udp --dport 500 -j DROP

# ---- restart of one daemon ----------------------------------------------------
both_conf "$CONN_V4"
reload
if aw --up t >/dev/null 2>&1 && wait_until 5 established_both && ping_tunnel; then
	pluto_stop "$DE"
	# east's shutdown deletes its SAs at the peer: west is left with none
	if wait_until 5 no_states "$W" "$DW" && clean220 "$W" && clean220 "$E"; then
		pass restart-shutdown-deletes-at-peer
	else
		fail restart-shutdown-deletes-at-peer "west [$(ww --showstates | tr '\n' '|')] routes W [$(routes220 "$W")] E [$(routes220 "$E")]"
	fi
	sed -i 's/auto=add/auto=start/' "$DE/ipsec.conf"
	pluto_start "$E" "$DE"
	if wait_until 10 eval 'established_both && ping_tunnel'; then
		pass restart-auto-start-reestablishes
	else
		fail restart-auto-start-reestablishes "west [$(ww --showstates | tr '\n' '|')] east [$(we --showstates | tr '\n' '|')]"
	fi
	# a crash (SIGKILL: no delete sent): the restarted east initiates with
	# INITIAL_CONTACT and west replaces the stale IKE SA
	kill -9 "$(cat "$DE/pluto.testpid")"
	wait "$(cat "$DE/pluto.testpid")" 2>/dev/null
	old=$(sa_summary "$W" "$DW" | awk '/^ike/{print $2}')
	pluto_start "$E" "$DE"
	if wait_until 10 eval '[ "$(n_states $W $DW IKE)" = 1 ] && [ "$(sa_summary $W $DW | awk "/^ike/{print \$2}")" != "$old" ] && ping_tunnel' &&
	   [ "$(n_states "$W" "$DW" CHILD)" = 1 ] && [ "$(sa_summary "$W" "$DW")" = "$(sa_summary "$E" "$DE" swap)" ]; then
		pass restart-after-crash-initial-contact
	else
		fail restart-after-crash-initial-contact "west [$(ww --showstates | tr '\n' '|')] east [$(we --showstates | tr '\n' '|')]"
	fi
else
	fail restart-auto-start-reestablishes "the first --up failed"
fi

# ---- DPD: a peer that died without a word is detected and cleared -------------
both_conf "$CONN_V4
dpddelay=1s
dpdtimeout=3s
dpdaction=clear"
reload
if aw --up t >"$TMP/up.out" 2>&1 && grep -q 'DPD=active' "$TMP/up.out"; then
	kill -9 "$(cat "$DE/pluto.testpid")"
	wait "$(cat "$DE/pluto.testpid")" 2>/dev/null
	if wait_until 10 eval 'no_states $W $DW && clean220 $W' && grep -q 'peer not responding' "$DW/pluto.log"; then
		pass dpd-clears-dead-peer
	else
		fail dpd-clears-dead-peer "west [$(ww --showstates | tr '\n' '|')] [$(routes220 "$W")]"
	fi
else
	fail dpd-clears-dead-peer "--up failed or DPD not active: $(tail -1 "$TMP/up.out")"
fi
finish
