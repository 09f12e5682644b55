#!/bin/bash
# Exchange collisions between two Cygnet daemons (userspace dataplane):
#   up-crossing:  both ends `ipsec auto --up` at once (IKE held back with
#                 nft drop rules so that the two negotiations cross, see
#                 crossing()): uniqueids=yes leaves one
#                 IKE SA and one Child SA per side, both agree, traffic flows;
#   rekey-ipsec:  both ends `whack --rekey-ipsec` at once (same way):
#                 one new Child SA pair, new SPIs, traffic flows, a ping
#                 running through it loses at most one packet;
#   rekey-ike:    both ends `whack --rekey-ike` at once: one new IKE SA, the
#                 Child SA survives under it;
#   dpd-restart:  dpdaction=restart: east frozen past dpdtimeout, west
#                 deletes and initiates again; once east runs it is up again;
#   uniqueids=no: crossing --up leaves both IKE SAs (Libreswan's meaning).
# The engine's unit tests (test_ike_collide.c) pin the exact outcomes.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/e2e.sh"
e2e_need ike_collisions
command -v nft >/dev/null || { env_skip ike_collisions "nft missing"; exit; }
two_hosts "$W" "$E" || { fail setup "cannot create namespaces"; finish; }
both_conf "$CONN_V4
retransmit-timeout=10s"
start_both || { fail setup "pluto did not start"; finish; }
epid=$(cat "$DE/pluto.testpid")

sw() { sa_summary "$W" "$DW"; }
se() { sa_summary "$E" "$DE" swap; }   # as west sees them
one_each() { [ "$(n_states "$W" "$DW" IKE)" = 1 ] && [ "$(n_states "$E" "$DE" IKE)" = 1 ] &&
	     [ "$(n_states "$W" "$DW" CHILD)" = 1 ] && [ "$(n_states "$E" "$DE" CHILD)" = 1 ] &&
	     [ "$(sw)" = "$(se)" ]; }
states() { echo "west [$(ww --showstates 2>&1 | tr '\n' '|')] east [$(we --showstates 2>&1 | tr '\n' '|')]"; }
ping_ok() { ip netns exec "$W" ping -c 2 -i 0.2 -W 2 -I 198.51.100.1 203.0.113.1 >/dev/null 2>&1; }

# settled NAME: one pair each that agrees, traffic passes
settled() {
	if ! wait_until 10 one_each; then
		fail "$1" "not one IKE + one Child SA each, agreeing: $(states)"
	elif ! ping_ok || ! tcp_xfer "$W" 198.51.100.1 203.0.113.1 100000; then
		fail "$1" "no traffic: $(states)"
	else
		pass "$1"
	fi
}

# Outbound IKE (UDP 500) of both namespaces dropped by an nft rule with a
# counter: "all", or "responses" only (the R flag, byte 19 of the IKE header).
filter() {
	local ns rule='udp dport 500 counter drop'
	[ "$1" = responses ] && rule='udp dport 500 @th,216,8 and 0x20 == 0x20 counter drop'
	for ns in "$W" "$E"; do
		ip netns exec "$ns" nft delete table inet cycoll 2>/dev/null
		[ "$1" = none ] && continue
		ip netns exec "$ns" nft add table inet cycoll &&
		ip netns exec "$ns" nft add chain inet cycoll o '{ type filter hook output priority 0; }' &&
		ip netns exec "$ns" nft add rule inet cycoll o $rule || return 1
	done
}
dropped() { ip netns exec "$1" nft list chain inet cycoll o 2>/dev/null | sed -n 's/.*packets \([0-9]*\).*/\1/p'; }
both_dropped() { [ "$(dropped "$W")" -ge 1 ] && [ "$(dropped "$E")" -ge 1 ]; }

# crossing CMD_W... -- CMD_E...: both ends start their exchange before
# seeing the other's.  With all IKE dropped both commands send their
# request; then only responses are dropped: each end gets the other's
# retransmitted request while its own is outstanding and answers it (the
# collision); then nothing is dropped and the next retransmissions get the
# cached answers.  Prints the two commands' exit codes.
crossing() {
	local a=() b=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do a+=("$1"); shift; done
	shift
	b=("$@")
	filter all || { echo "nft failed"; return; }
	"${a[@]}" >"$TMP/w.out" 2>&1 &
	local apid=$!
	"${b[@]}" >"$TMP/e.out" 2>&1 &
	local bpid=$!
	wait_until 5 both_dropped
	filter responses
	wait_until 5 both_dropped
	filter none
	wait "$apid"; local ra=$?
	wait "$bpid"; local rb=$?
	echo "$ra $rb"
}

# ---- both ends --up at once ---------------------------------------------------
rc=$(crossing aw --up t -- ae --up t)
[ "$rc" = "0 0" ] && pass up-crossing-rc || fail up-crossing-rc "rc $rc: $(tail -2 "$TMP/w.out" | tr '\n' '|') / $(tail -2 "$TMP/e.out" | tr '\n' '|')"
settled up-crossing
if grep -hq 'uniqueids: IKE SAs #[0-9]* and #[0-9]* crossed; deleting the redundant' "$DW/pluto.log" "$DE/pluto.log"; then
	pass up-crossing-uniqueids-logged
else
	fail up-crossing-uniqueids-logged "no uniqueids line in either log"
fi

# ---- both ends rekey the Child SA at once ------------------------------------
before=$(sw)
ip netns exec "$W" ping -i 0.05 -c 60 -W 1 -I 198.51.100.1 203.0.113.1 >"$TMP/ping.out" 2>&1 &
ppid=$!
wait_until 3 grep -q 'bytes from' "$TMP/ping.out"
rc=$(crossing ww --name t --rekey-ipsec --asynchronous -- we --name t --rekey-ipsec --asynchronous)
[ "$rc" = "0 0" ] || fail rekey-ipsec-both-rc "rc $rc"
settled rekey-ipsec-both
after=$(sw)
if [ "$(grep '^child ' <<<"$after")" != "$(grep '^child ' <<<"$before")" ] &&
   [ "$(grep '^ike ' <<<"$after")" = "$(grep '^ike ' <<<"$before")" ]; then
	pass rekey-ipsec-both-new-spis
else
	fail rekey-ipsec-both-new-spis "before [$(tr '\n' '|' <<<"$before")] after [$(tr '\n' '|' <<<"$after")]"
fi
wait "$ppid"
lost=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$TMP/ping.out")
if [ -n "$lost" ] && [ "$lost" -ge 59 ]; then
	pass rekey-ipsec-both-traffic-continuous
else
	fail rekey-ipsec-both-traffic-continuous "$(tail -2 "$TMP/ping.out" | tr '\n' '|')"
fi
# the loser always says so; the winner only if its answer came before the
# loser's Delete of the redundant SA
if [ "$(grep -h 'rekey collision: Child SA #[0-9]* has the lowest nonce' "$DW/pluto.log" "$DE/pluto.log" | wc -l)" = 1 ] &&
   [ "$(grep -h "rekey collision: the peer's Child SA #[0-9]* has the lowest nonce" "$DW/pluto.log" "$DE/pluto.log" | wc -l)" -le 1 ]; then
	pass rekey-ipsec-both-collision-resolved
else
	fail rekey-ipsec-both-collision-resolved "$(grep -h 'collision' "$DW/pluto.log" "$DE/pluto.log" | tr '\n' '|')"
fi

# ---- both ends rekey the IKE SA at once --------------------------------------
before=$(sw)
rc=$(crossing ww --name t --rekey-ike --asynchronous -- we --name t --rekey-ike --asynchronous)
[ "$rc" = "0 0" ] || fail rekey-ike-both-rc "rc $rc"
settled rekey-ike-both
# one side resolved it (the loser's answer may die with the old IKE SA)
if [ "$(grep -hE "rekey collision: (the peer's )?IKE SA #[0-9]* has the lowest nonce" "$DW/pluto.log" "$DE/pluto.log" | wc -l)" -ge 1 ]; then
	pass rekey-ike-both-collision-resolved
else
	fail rekey-ike-both-collision-resolved "$(grep -h 'collision' "$DW/pluto.log" "$DE/pluto.log" | tr '\n' '|')"
fi
after=$(sw)
if [ "$(grep '^ike ' <<<"$after")" != "$(grep '^ike ' <<<"$before")" ] &&
   [ "$(grep '^child ' <<<"$after")" = "$(grep '^child ' <<<"$before")" ]; then
	pass rekey-ike-both-child-kept
else
	fail rekey-ike-both-child-kept "before [$(tr '\n' '|' <<<"$before")] after [$(tr '\n' '|' <<<"$after")]"
fi

# ---- dpdaction=restart ---------------------------------------------------------
both_conf "$CONN_V4
dpddelay=1s
dpdtimeout=3s
dpdaction=restart"
aw --config "$DW/ipsec.conf" --replace t >/dev/null 2>&1
ae --config "$DE/ipsec.conf" --replace t >/dev/null 2>&1
if aw --up t >"$TMP/up.out" 2>&1 && wait_until 5 one_each; then
	kill -STOP "$epid"
	if wait_until 10 grep -q 'dpdaction=restart' "$DW/pluto.log"; then
		pass dpd-restart-detected
	else
		fail dpd-restart-detected "no dpdaction line in west's log"
	fi
	kill -CONT "$epid"
	settled dpd-restart-up-again
else
	kill -CONT "$epid" 2>/dev/null
	fail dpd-restart "cannot bring the conn up: $(tail -2 "$TMP/up.out" | tr '\n' '|')"
fi
# ---- uniqueids=no (config setup): crossing --up keeps both IKE SAs -----------
stop_both
both_conf "$CONN_V4
retransmit-timeout=10s"
sed -i 's/^\tprotostack=userspace$/&\n\tuniqueids=no/' "$DW/ipsec.conf" "$DE/ipsec.conf"
u0=$(cat "$DW/pluto.log" "$DE/pluto.log" | grep -c 'uniqueids: IKE SAs')
if start_both; then
	rc=$(crossing aw --up t -- ae --up t)
	if wait_until 10 eval '[ "$(n_states $W $DW IKE)" = 2 ] && [ "$(n_states $E $DE IKE)" = 2 ]' &&
	   [ "$(cat "$DW/pluto.log" "$DE/pluto.log" | grep -c 'uniqueids: IKE SAs')" = "$u0" ]; then
		pass uniqueids-no-keeps-both
	else
		fail uniqueids-no-keeps-both "rc $rc: $(states)"
	fi
else
	fail uniqueids-no-keeps-both "pluto did not restart"
fi

# KEEP_LOGS=dir keeps both daemons' logs for a look at how it went
[ -n "${KEEP_LOGS:-}" ] && cp "$DW/pluto.log" "$KEEP_LOGS/west.log" && cp "$DE/pluto.log" "$KEEP_LOGS/east.log"
finish
