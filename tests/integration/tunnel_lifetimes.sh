#!/bin/bash
# Byte and packet lifetimes of Child SAs (ipsec-max-bytes=, ipsec-max-packets=)
# with the userspace dataplane, which counts them as the kernel does: the
# soft limit (half of the maximum, as Libreswan) makes pluto rekey the Child
# SA, the hard limit (rekey=no: no soft limit) makes it delete the Child SA.
# The kernel dataplane sends the same events (XFRM_MSG_EXPIRE) through the
# same glue; tests/vm/xfrm_guest.sh exercises that path in the guest.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/e2e.sh"
e2e_need tunnel_lifetimes
two_hosts "$W" "$E" || { fail setup "cannot create namespaces"; finish; }
both_conf "$CONN_V4
ipsec-max-bytes=100000"
for d in "$DW" "$DE"; do
	printf '\nconn p\n\tauthby=secret\n\tleftid=@west\n\trightid=@east\n\tauto=add\n\trekey=no\n\tipsec-max-packets=40\n' >>"$d/ipsec.conf"
	printf '%s\n' "$CONN_V6" | sed 's/^/\t/' >>"$d/ipsec.conf"
done
start_both || { fail setup "pluto did not start"; finish; }
child_spis() { sa_summary "$W" "$DW" | awk '$1 == "child" { print $2 }' | sort | tr '\n' ' '; }
lifelog() { cat "$DW/pluto.log" "$DE/pluto.log" | grep -c "$1 lifetime of SA"; }

# 1. bytes: 1 MB through a 100 kB SA: soft at 50 kB -> rekeyed (many times)
if aw --up t >"$TMP/up.out" 2>&1; then
	s0=$(child_spis)
	if tcp_xfer "$W" 198.51.100.1 203.0.113.1 1000000; then pass bytes-transfer-survives
	else fail bytes-transfer-survives "received $(wc -c <"$TMP/recv") of $(wc -c <"$TMP/data") bytes"; fi
	if wait_until 10 eval '[ "$(lifelog soft)" -ge 1 ]'; then pass bytes-soft-expire-logged
	else fail bytes-soft-expire-logged "$(grep -h 'lifetime\|expire' "$DW/pluto.log" "$DE/pluto.log" | head -3)"; fi
	if wait_until 10 eval '[ -n "$(child_spis)" ] && [ "$(child_spis)" != "$s0" ]'; then pass bytes-rekeyed
	else fail bytes-rekeyed "Child SA SPIs still $s0"; fi
	# Libreswan's wording for a rekeyed Child SA, on both ends
	grep -q '"t" #[0-9]*: initiator rekeyed Child SA #[0-9]* using #1; IPsec tunnel' "$DW/pluto.log" &&
	grep -q '"t" #[0-9]*: responder rekeyed Child SA #[0-9]* using #1; IPsec tunnel' "$DE/pluto.log" &&
		pass bytes-rekey-logged-as-libreswan || fail bytes-rekey-logged-as-libreswan "$(grep -h 'Child SA' "$DW/pluto.log" | tail -2)"
	grep -q 'soft lifetime of SA 0x[0-9a-f]* reached: rekeying the Child SA' "$DW/pluto.log" "$DE/pluto.log" &&
		pass bytes-rekey-reason || fail bytes-rekey-reason "$(grep -h 'lifetime of SA' "$DW/pluto.log" "$DE/pluto.log" | head -2)"
	# paced traffic (1 kB pings every 10 ms: 50 ms per soft limit's worth... the
	# rekey has 100 pings' time to finish before the hard limit): several
	# rekeys, no hard expiry, no ping lost.  (The 1 MB burst above may outrun
	# a rekey and hit the old SA's hard limit: TCP recovers from that.)
	h0=$(lifelog hard) n0=$(lifelog soft)
	ip netns exec "$W" ping -q -s 1000 -c 300 -i 0.01 -W 1 -I 198.51.100.1 203.0.113.1 >"$TMP/ping4.out" 2>&1
	rx=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$TMP/ping4.out")
	[ "$rx" = 300 ] && pass bytes-paced-no-loss ||
		fail bytes-paced-no-loss "$(grep transmitted "$TMP/ping4.out"); west $(ww --status | grep 'drops:' | tr '\n' ' '); east $(we --status | grep 'drops:' | tr '\n' ' ')"
	[ $(($(lifelog soft) - n0)) -ge 4 ] && pass bytes-paced-rekeys || fail bytes-paced-rekeys "$(($(lifelog soft) - n0)) soft expiries for 600 kB"
	[ "$(lifelog hard)" = "$h0" ] && pass bytes-paced-no-hard-expire || fail bytes-paced-no-hard-expire "$(($(lifelog hard) - h0)) hard expiries"
	if wait_until 10 eval '[ "$(n_states $W $DW CHILD)" = 1 ] && [ "$(n_states $E $DE CHILD)" = 1 ]'; then pass bytes-one-child-left
	else fail bytes-one-child-left "west $(n_states "$W" "$DW" CHILD), east $(n_states "$E" "$DE" CHILD)"; fi
	ip netns exec "$W" ping -c 1 -W 2 -I 198.51.100.1 203.0.113.1 >/dev/null 2>&1 &&
		pass bytes-ping-after || fail bytes-ping-after "no reply"
	aw --down t >/dev/null 2>&1
else
	fail bytes-up "$(tail -2 "$TMP/up.out" | tr '\n' '|')"
fi

# 2. packets, rekey=no: 40 packets, then the Child SA is deleted (both sides)
if aw --up p >"$TMP/up.out" 2>&1; then
	# 25 echo requests out + 25 replies in: each direction's SA passes 40 at most
	ip netns exec "$W" ping -6 -q -c 45 -i 0.01 -W 1 -I 2001:db8:1::1 2001:db8:2::1 >"$TMP/ping.out" 2>&1
	if wait_until 10 eval '[ "$(n_states $W $DW CHILD)" = 0 ] && [ "$(n_states $E $DE CHILD)" = 0 ]'; then
		pass packets-hard-expire-deletes
	else
		fail packets-hard-expire-deletes "west $(n_states "$W" "$DW" CHILD) east $(n_states "$E" "$DE" CHILD) children; $(grep transmitted "$TMP/ping.out")"
	fi
	grep -q 'hard lifetime of SA 0x[0-9a-f]* reached: deleting the Child SA' "$DW/pluto.log" "$DE/pluto.log" &&
		pass packets-hard-reason || fail packets-hard-reason "$(grep -h 'lifetime of SA' "$DW/pluto.log" "$DE/pluto.log" | head -2)"
	rx=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$TMP/ping.out")
	[ -n "$rx" ] && [ "$rx" -le 40 ] && [ "$rx" -ge 10 ] && pass packets-limit-enforced ||
		fail packets-limit-enforced "$(grep transmitted "$TMP/ping.out")"
	! grep -q '"p" #[0-9]*: soft lifetime' "$DW/pluto.log" "$DE/pluto.log" &&
		pass packets-rekey-no-soft || fail packets-rekey-no-soft "a soft expire with rekey=no"
	# the IKE SA stays; the conn can get a new Child SA
	[ "$(n_states "$W" "$DW" IKE)" -ge 1 ] && pass packets-ike-sa-stays || fail packets-ike-sa-stays "no IKE SA"
else
	fail packets-up "$(tail -2 "$TMP/up.out" | tr '\n' '|')"
fi
stop_both
finish
