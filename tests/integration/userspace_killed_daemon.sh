#!/bin/bash
# The userspace dataplane fails closed when its daemon dies (kill -9): the
# TUN and its routes go with the process, and an unreachable route beside
# each TUN route in table 220 keeps protected traffic from falling through
# to the main table and leaving in clear.  Before that: a Child SA rekey
# keeps the kernel inbound (cleartext-dropping) policies in place.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/e2e.sh"
e2e_need userspace_killed_daemon
two_hosts "$W" "$E" && clear_routes || { fail setup "cannot create namespaces"; finish; }
tunnel_up "$CONN_V4"
n0=$(grep -c 'sent CREATE_CHILD_SA request to rekey IPsec SA' "$DW/pluto.log")
ww --name t --rekey-ipsec >"$TMP/rk.out" 2>&1
wait_until 10 eval '[ "$(n_states "$W" "$DW" CHILD_SA)" = 1 ] && [ "$(grep -c "sent CREATE_CHILD_SA request to rekey IPsec SA" "$DW/pluto.log")" -gt $n0 ]'
n=$(ip -n "$E" xfrm policy | grep -c "^src 198.51.100.0/24 dst 203.0.113.0/24")
[ "$n" -ge 2 ] && pass rekey-keeps-in-policies || fail rekey-keeps-in-policies "in/fwd policies after rekey: $n"
ip netns exec "$W" ping -c 1 -W 2 -I 198.51.100.1 203.0.113.1 >/dev/null && pass ping-after-rekey || fail ping-after-rekey
pid=$(cat "$DW/pluto.testpid"); kill -9 "$pid"; wait "$pid" 2>/dev/null
wait_until 5 eval '! ip -n "$W" link show cygnet0 >/dev/null 2>&1'
cap_start "$E" vb "$TMP/clear.pcap"
ip netns exec "$W" ping -c 2 -W 1 -I 198.51.100.1 203.0.113.1 >/dev/null 2>&1
cap_stop
n=$(tcpdump -nr "$TMP/clear.pcap" 'icmp and src host 198.51.100.1' 2>/dev/null | wc -l)
[ "$n" = 0 ] && pass killed-daemon-no-cleartext-out || fail killed-daemon-no-cleartext-out "$n echo requests left in clear after kill -9"
finish
