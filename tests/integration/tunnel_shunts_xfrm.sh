#!/bin/bash
# Shunt conns with the kernel (XFRM) dataplane.  Shunts need no ESP, so this
# runs on a kernel without it: one daemon (protostack=xfrm) in West with a
# routed tunnel conn (a trap for 203.0.113.0/24, never established here)
# and shunts inside it.  Each shunt is, as Libreswan installs it, three
# policies without template: out (its selectors), in and fwd (reversed),
# action allow (passthrough) or block (drop, reject), more specific than
# the tunnel's so they win.  A passthrough host answers in clear while the
# rest of the subnet is held by the trap; a drop host is unreachable both
# ways.  --unroute removes the three policies; after SIGKILL a new daemon
# removes the stale ones (tagged, as its SAs are by reqid); shutdown leaves
# none.  A routed tunnel to a peer that never answers shows the negotiation
# shunt (passthrough), then the failure shunt (reject: block) listed as a
# bare shunt, then the trap again after shuntlifetime.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/e2e.sh"
e2e_need tunnel_shunts_xfrm
two_hosts "$W" "$E" && clear_routes || { fail setup "cannot create namespaces"; finish; }
for h in 5 6 7; do ip -n "$E" addr add 203.0.113.$h/32 dev lo; done
both_conf "$CONN_V4"
sed -i 's/protostack=userspace/protostack=xfrm/; 0,/auto=add/s//auto=route/' "$DW/ipsec.conf"
shunt() {   # shunt NAME TYPE RIGHTSUBNET
	printf '\nconn %s\n\tauthby=never\n\ttype=%s\n\tauto=route\n\tleft=192.0.2.1\n\tleftsubnet=198.51.100.0/24\n\tright=192.0.2.2\n\trightsubnet=%s\n' \
		"$1" "$2" "$3" >>"$DW/ipsec.conf"
}
shunt pass passthrough 203.0.113.5/32
shunt blk drop 203.0.113.6/32
shunt rej reject 203.0.113.7/32
# a routed tunnel to a peer that never answers: negotiation then failure shunt
printf '\nconn fs\n\tauthby=secret\n\tleft=192.0.2.1\n\tleftsubnet=198.51.100.0/24\n\tright=192.0.2.9\n\trightsubnet=203.0.113.64/26\n\tnegotiationshunt=passthrough\n\tfailureshunt=reject\n\tkeyingtries=1\n\tretransmit-timeout=3s\n\tauto=route\n' >>"$DW/ipsec.conf"
sed -i 's/^\tprotostack=xfrm$/&\n\tshuntlifetime=4s/' "$DW/ipsec.conf"
pluto_start "$W" "$DW" || { fail setup "pluto did not start"; finish; }
wait_until 5 grep -q '"rej": routed' "$DW/pluto.log"

pol() { ip -n "$W" xfrm policy 2>/dev/null | grep -v '^src ::/0\|^src 0.0.0.0/0\|socket'; }
# pol_of SEL DIR: the policy's dir line ("dir out action block priority ...")
pol_of() { ip -n "$W" xfrm policy get $1 dir "$2" 2>/dev/null | sed -n 's/^[[:space:]]*\(dir .*\) ptype.*/\1/p'; }
prio() { pol_of "$1" "$2" | sed -n 's/.*priority \([0-9]*\).*/\1/p'; }
P5='src 198.51.100.0/24 dst 203.0.113.5/32' P5R='src 203.0.113.5/32 dst 198.51.100.0/24'
P6='src 198.51.100.0/24 dst 203.0.113.6/32' P6R='src 203.0.113.6/32 dst 198.51.100.0/24'
P7R='src 203.0.113.7/32 dst 198.51.100.0/24'
T='src 198.51.100.0/24 dst 203.0.113.0/24'

[[ "$(pol_of "$P5" out)" =~ ^dir\ out\ priority ]] && [[ "$(pol_of "$P5R" in)" =~ ^dir\ in\ priority ]] &&
	[[ "$(pol_of "$P5R" fwd)" =~ ^dir\ fwd\ priority ]] && pass passthrough-allow-out-in-fwd ||
	fail passthrough-allow-out-in-fwd "$(pol | tr '\n' '|')"
! ip -n "$W" xfrm policy get $P5 dir out | grep -q tmpl && pass passthrough-no-template || fail passthrough-no-template "$(ip -n "$W" xfrm policy get $P5 dir out | tr '\n' '|')"
[[ "$(pol_of "$P6" out)" =~ ^dir\ out\ action\ block ]] && [[ "$(pol_of "$P6R" in)" =~ ^dir\ in\ action\ block ]] &&
	[[ "$(pol_of "$P6R" fwd)" =~ ^dir\ fwd\ action\ block ]] && pass drop-block-out-in-fwd || fail drop-block-out-in-fwd "$(pol | tr '\n' '|')"
[[ "$(pol_of "$P7R" fwd)" =~ ^dir\ fwd\ action\ block ]] && pass reject-block || fail reject-block "$(pol | tr '\n' '|')"
[ -n "$(prio "$T" out)" ] && [ "$(prio "$P5" out)" -lt "$(prio "$T" out)" ] && pass shunt-more-specific-than-tunnel ||
	fail shunt-more-specific-than-tunnel "shunt $(prio "$P5" out), tunnel $(prio "$T" out)"

ip -n "$W" route show table 220 | grep -q '^throw 203.0.113.5 ' && ip -n "$W" route show table 220 | grep -q '^203.0.113.0/24 ' &&
	pass passthrough-throw-route || fail passthrough-throw-route "$(ip -n "$W" route show table 220 | tr '\n' '|')"
ping_w() { ip netns exec "$W" ping -c 1 -W 1 -I 198.51.100.1 "$1"; }
cap_start "$W" va "$TMP/x.pcap"
ping_w 203.0.113.5 >"$TMP/p5" 2>&1; r5=$?
ping_w 203.0.113.1 >/dev/null 2>&1; r1=$?
ping_w 203.0.113.6 >"$TMP/p6" 2>&1; r6=$?
ip netns exec "$E" ping -c 1 -W 1 -I 203.0.113.6 198.51.100.1 >/dev/null 2>&1; r6in=$?
cap_stop
[ "$r5" = 0 ] && [ "$(tcpdump -n -r "$TMP/x.pcap" 'icmp and dst host 203.0.113.5' 2>/dev/null | grep -c 'echo request')" = 1 ] &&
	pass passthrough-in-clear || fail passthrough-in-clear "rc $r5: $(tr '\n' '|' <"$TMP/p5")"
[ "$r1" != 0 ] && [ "$(tcpdump -n -r "$TMP/x.pcap" 'icmp and dst host 203.0.113.1' 2>/dev/null | grep -c .)" = 0 ] &&
	pass rest-of-subnet-trapped || fail rest-of-subnet-trapped "rc $r1"
[ "$r6" != 0 ] && [ "$(tcpdump -n -r "$TMP/x.pcap" 'icmp and host 203.0.113.6 and dst host 203.0.113.6' 2>/dev/null | grep -c .)" = 0 ] &&
	pass drop-blocks-out || fail drop-blocks-out "rc $r6: $(tr '\n' '|' <"$TMP/p6")"
[ "$r6in" != 0 ] && pass drop-blocks-in || fail drop-blocks-in "East's ping through the block"

expect unroute-pass 0 - -- aw --unroute pass
[ -z "$(pol_of "$P5" out)$(pol_of "$P5R" in)$(pol_of "$P5R" fwd)" ] && pass unroute-removes-three ||
	fail unroute-removes-three "$(pol | tr '\n' '|')"
! ip -n "$W" route show table 220 | grep -q '^throw' && pass unroute-removes-throw-route ||
	fail unroute-removes-throw-route "$(ip -n "$W" route show table 220 | tr '\n' '|')"
! ping_w 203.0.113.5 >/dev/null 2>&1 && pass unrouted-host-trapped || fail unrouted-host-trapped "ping .5 still answered"

# negotiation shunt, then failure shunt, then the trap again (kernel policies)
F='src 198.51.100.0/24 dst 203.0.113.64/26' FR='src 203.0.113.64/26 dst 198.51.100.0/24'
[[ "$(ip -n "$W" xfrm policy get $F dir out 2>/dev/null)" =~ tmpl ]] && pass fs-trap || fail fs-trap "$(pol | tr '\n' '|')"
ping_w 203.0.113.65 >/dev/null 2>&1          # the acquire
if wait_until 2 ping_w 203.0.113.65 && ! ip -n "$W" xfrm policy get $F dir out | grep -q tmpl; then pass fs-negotiation-passthrough
else fail fs-negotiation-passthrough "$(ip -n "$W" xfrm policy get $F dir out | tr '\n' '|'); $(grep '"fs"' "$DW/pluto.log" | tail -2 | tr '\n' '|')"; fi
if wait_until 10 eval '[[ "$(pol_of "$F" out)" =~ action\ block ]]'; then pass fs-failure-block
else fail fs-failure-block "$(pol | tr '\n' '|'); $(grep '"fs"' "$DW/pluto.log" | tail -2 | tr '\n' '|')"; fi
ww --shuntstatus | grep -qxF '000 198.51.100.0/24 -0-> 203.0.113.64/26 => %reject 0    failureshunt of "fs"' &&
	pass fs-listed || fail fs-listed "$(ww --shuntstatus | tr '\n' '|')"
! ping_w 203.0.113.65 >/dev/null 2>&1 && pass fs-blocks || fail fs-blocks "answered"
if wait_until 8 eval '[[ "$(ip -n "$W" xfrm policy get $F dir out 2>/dev/null)" =~ tmpl ]]' && [ -z "$(pol_of "$FR" in)" ]; then
	pass fs-expires-trap-back
else fail fs-expires-trap-back "$(pol | tr '\n' '|')"; fi
ww --shuntstatus | grep -q failureshunt && fail fs-unlisted "$(ww --shuntstatus | tr '\n' '|')" || pass fs-unlisted

# SIGKILL: the next daemon removes the stale shunts (and the trap)
pid=$(cat "$DW/pluto.testpid")
kill -9 "$pid"; wait "$pid" 2>/dev/null
rm -f "$DW/run/pluto.pid" "$DW/run/pluto.ctl" "$DW/pluto.testpid"
[ -n "$(pol_of "$P6" out)" ] && pass sigkill-leaves-policies || fail sigkill-leaves-policies "$(pol | tr '\n' '|')"
sed -i 's/auto=route/auto=add/' "$DW/ipsec.conf"   # nothing routed at start: all stale
pluto_start "$W" "$DW" || { fail restart "pluto did not start"; finish; }
wait_until 5 grep -q 'removed [0-9]* stale policies' "$DW/pluto.log" && [ -z "$(pol)" ] &&
	pass restart-removes-stale || fail restart-removes-stale "$(grep stale "$DW/pluto.log"); $(pol | tr '\n' '|')"
expect route-again 0 - -- aw --route blk
[[ "$(pol_of "$P6" out)" =~ action\ block ]] && pass route-after-restart || fail route-after-restart "$(pol | tr '\n' '|')"
pluto_stop "$DW"
[ -z "$(pol)" ] && pass shutdown-removes-shunts || fail shutdown-removes-shunts "$(pol | tr '\n' '|')"
finish
