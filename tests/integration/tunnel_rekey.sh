#!/bin/bash
# Rekeying under load between two Cygnet daemons (issue 4 §5, issue 5 §5):
# with salifetime=20s, rekeymargin=8s, ikelifetime=45s a TCP connection and
# a ping (every 0.2 s) run for DURATION seconds (default 60; the issue's
# full run is `DURATION=300`) and must survive at least 3 Child SA rekeys
# and 1 IKE SA rekey.  Criteria (strict): the TCP connection never breaks
# and delivers every byte in order; at most 1 ping of DURATION*5 is lost
# (one lost echo is tolerated for an ARP/ND or scheduling hiccup on a busy
# CI machine; a rekey that loses traffic loses several); afterwards exactly
# one IKE SA and one Child SA are left on each side and both agree on them.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/e2e.sh"
e2e_need tunnel_rekey
DURATION=${DURATION:-60}
two_hosts "$W" "$E" || { fail setup "cannot create namespaces"; finish; }
both_conf "$CONN_V4
salifetime=20s
rekeymargin=8s
ikelifetime=45s"
start_both || { fail setup "pluto did not start"; finish; }
aw --up t >"$TMP/up.out" 2>&1 || { fail rekey-up "$(tail -2 "$TMP/up.out" | tr '\n' '|')"; finish; }
first=$(sa_summary "$W" "$DW")

# TCP: a 1 kB line every 20 ms for DURATION seconds over one connection
rm -f "$TMP/recv"
ip netns exec "$E" timeout $((DURATION + 30)) nc -l -n 203.0.113.1 5001 >"$TMP/recv" &
srv=$!
wait_until 5 eval "ip netns exec $E ss -ltn | grep -q ':5001 '"
gen() {
	local end=$((SECONDS + DURATION)) i=0
	while [ $SECONDS -lt $end ]; do
		i=$((i + 1)); printf '%s-%08d %01000d\n' "$MARKER" $i 0; sleep 0.02
	done
	echo END
}
gen | tee "$TMP/sent" | ip netns exec "$W" timeout $((DURATION + 30)) nc -N -n -s 198.51.100.1 203.0.113.1 5001 &
cli=$!
ip netns exec "$W" ping -q -i 0.2 -W 2 -c $((DURATION * 5)) -I 198.51.100.1 203.0.113.1 >"$TMP/ping.out" 2>&1 &
png=$!
wait $cli; crc=$?
wait $srv
wait $png

lost=$(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p' "$TMP/ping.out")
tx=${lost% *} rx=${lost#* }
child=$(cat "$DW/pluto.log" "$DE/pluto.log" | grep -c 'sent CREATE_CHILD_SA request to rekey IPsec SA')
ike=$(grep -c 'initiator rekeyed IKE SA' "$DW/pluto.log" "$DE/pluto.log" | awk -F: '{s += $2} END {print s + 0}')
echo "# ${DURATION}s: $child Child rekeys, $ike IKE rekeys, ping $rx/$tx, TCP exit $crc, $(wc -c <"$TMP/sent") bytes sent"

[ "$child" -ge 3 ] && pass rekey-child-3 || fail rekey-child-3 "only $child Child SA rekeys in ${DURATION}s"
[ "$ike" -ge 1 ] && pass rekey-ike-1 || fail rekey-ike-1 "no IKE SA rekey in ${DURATION}s"
if [ "$crc" = 0 ] && cmp -s "$TMP/sent" "$TMP/recv" && [ "$(tail -1 "$TMP/recv")" = END ]; then
	pass rekey-tcp-survives
else
	fail rekey-tcp-survives "nc exit $crc; sent $(wc -c <"$TMP/sent"), received $(wc -c <"$TMP/recv") bytes"
fi
if [ -n "$tx" ] && [ "$tx" -ge $((DURATION * 5)) ] && [ $((tx - rx)) -le 1 ]; then
	pass rekey-ping-loss
else
	fail rekey-ping-loss "$(grep transmitted "$TMP/ping.out"); drops: $(ww --status | grep 'drops:' | tr '\n' '|')"
fi
# rekeys go on (lifetimes are short): the two daemons' snapshots agree only
# between exchanges, so poll for such a moment
one_sa_agreed() {
	sw=$(sa_summary "$W" "$DW"); se=$(sa_summary "$E" "$DE" swap)
	[ "$(grep -c '^ike ' <<<"$sw")" = 1 ] && [ "$(grep -c '^child ' <<<"$sw")" = 1 ] && [ "$sw" = "$se" ] &&
		[ "$sw" != "$first" ] && [ "$(routes220 "$W" | grep -vc "^unreachable")" = 1 ] && [ "$(routes220 "$E" | grep -vc "^unreachable")" = 1 ]
}
if wait_until 15 one_sa_agreed; then
	pass rekey-one-sa-left-and-agreed
else
	fail rekey-one-sa-left-and-agreed "west [$(ww --showstates | tr '\n' '|')] east [$(we --showstates | tr '\n' '|')]"
fi
finish
