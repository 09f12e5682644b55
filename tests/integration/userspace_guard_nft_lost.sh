#!/bin/bash
# The userspace dataplane fails closed when its nftables table is gone.
# A firewall reload (`nft flush ruleset`, what `systemctl reload nftables`
# runs) removes the cygnet_<tun> table under a running daemon; the next
# routed prefix then cannot get its guard (us_guard.c), and the route into
# the TUN must still be installed: a tunnel that comes up without it sends
# the protected subnet's traffic in clear through the main table while
# --status shows it established.  Cases: with the table deleted, `--up`
# sends nothing in clear (a capture on east's link), the ping crosses the
# tunnel, and the table (the decrypted mark and the bound-socket guard)
# is back.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/e2e.sh"
e2e_need userspace_guard_nft_lost
command -v nft >/dev/null || { env_skip userspace_guard_nft_lost "nft missing"; exit; }
# the main table's way to the protected subnets (a default route, as on a gateway)
two_hosts "$W" "$E" && clear_routes || { fail setup "cannot create namespaces"; finish; }
both_conf "$CONN_V4"
start_both || { fail setup "pluto did not start"; finish; }
ip netns exec "$W" ping -c 1 -W 2 192.0.2.2 >/dev/null || { fail setup "no neighbours"; finish; }
ip netns exec "$W" nft list table inet cygnet_cygnet0 >/dev/null 2>&1 || { fail setup "no cygnet_cygnet0 table"; finish; }
ip netns exec "$W" nft flush ruleset          # the firewall reload
aw --up t >"$TMP/up.out" 2>&1 || { fail up "$(tail -2 "$TMP/up.out")"; finish; }
cap_start "$E" vb "$TMP/clear.pcap"
ip netns exec "$W" ping -c 2 -i 0.2 -W 2 -I 198.51.100.1 203.0.113.1 >/dev/null 2>&1
ok=$?
cap_stop
n=$(tcpdump -nr "$TMP/clear.pcap" 'icmp and src host 198.51.100.1' 2>/dev/null | wc -l)
[ "$n" = 0 ] && pass table-lost-no-cleartext-out ||
	fail table-lost-no-cleartext-out "$n echo requests left in clear with the tunnel up ($(routes220 "$W" | tr '\n' ';'))"
[ "$ok" = 0 ] && pass table-lost-ping-through-tunnel || fail table-lost-ping-through-tunnel "no reply"
ip netns exec "$W" nft list chain inet cygnet_cygnet0 guard 2>/dev/null | grep -q 'd4_24' &&
	pass table-lost-guard-rebuilt || fail table-lost-guard-rebuilt "no guard for 203.0.113.0/24"
finish
