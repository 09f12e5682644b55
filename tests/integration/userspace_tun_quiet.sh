#!/bin/bash
# The userspace dataplane's TUN carries only what is routed into it.  It
# has no IPv6 address of its own (addr_gen_mode none): with a link-local
# address the kernel sent router solicitations into it, which the
# dataplane passed in clear through its raw socket, whose route sent them
# back into the TUN: a loop that took half the daemon's CPU.  Packets of
# link scope (multicast, limited broadcast, IPv6 link-local) that still
# come out of the TUN are dropped and counted ("link-scope"), never
# passed.  Cases: no IPv6 address on west's TUN after start-up, a datagram
# to 224.0.0.1 sent into the TUN is counted once and not looped (the TUN
# saw one packet), the tunnel still carries traffic.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/e2e.sh"
e2e_need userspace_tun_quiet
BINDSEND=$BUILD/tools/bindsend
[ -x "$BINDSEND" ] || { fail setup "no $BINDSEND"; finish; }
two_hosts "$W" "$E" || { fail setup "cannot create namespaces"; finish; }
tunnel_up "$CONN_V4"

tun=$(ip -n "$W" -o link show | sed -n 's/^[0-9]*: \(cygnet[^:@]*\).*/\1/p' | head -1)
[ -n "$tun" ] || { fail setup "no TUN in west"; finish; }
addrs=$(ip -n "$W" -6 -o addr show dev "$tun")
[ -z "$addrs" ] && pass tun-no-ipv6-address || fail tun-no-ipv6-address "$addrs"

tx() { ip -n "$W" -s -j link show dev "$tun" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["tx"]["packets"])'; }
drops() { ww --status | sed -n 's/.*dataplane drops:.*link-scope=\([0-9]*\).*/\1/p'; }
t0=$(tx)
out=$(ip netns exec "$W" "$BINDSEND" "$tun" 224.0.0.1 9 hello 2>&1)
if [ "$out" != sent ]; then fail link-scope-dropped "bindsend: $out"
elif wait_until 5 eval '[ "$(drops)" = 1 ]'; then pass link-scope-dropped
else fail link-scope-dropped "status: $(ww --status | grep 'dataplane drops')"; fi
t1=$(tx)
[ $((t1 - t0)) -le 3 ] && pass link-scope-not-looped || fail link-scope-not-looped "the TUN took $((t1 - t0)) packets for one datagram"

ip netns exec "$W" ping -c 1 -W 2 -I 198.51.100.1 203.0.113.1 >/dev/null 2>&1 &&
	pass tunnel-carries || fail tunnel-carries "no reply through the tunnel"
finish
