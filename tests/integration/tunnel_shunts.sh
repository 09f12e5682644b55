#!/bin/bash
# Shunt conns (type=passthrough|drop|reject, authby=never) with the
# userspace dataplane, between two daemons: routing a shunt (auto=route at
# start-up, --route after --add, --ondemand) installs its policy without
# any IKE; a passthrough for one host inside the tunnel's subnet sends that
# host's traffic in clear while the rest of the subnet stays in the tunnel
# (the more specific policy wins); a drop shunt swallows packets (counted
# as shunt-drop), a reject shunt answers with ICMP "administratively
# prohibited" (ping: Packet filtered); --status shows them as Libreswan
# (prospective erouted, policy ...+PASS+NEVER_NEGOTIATE), --shuntstatus
# and the status' Bare Shunt list stay empty (Libreswan lists only bare
# shunts there, never type= conns); --up of a shunt is refused (030/036);
# a shunt with rightprotoport= drops that traffic only;
# --unroute and --delete remove them and traffic is tunnelled again.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/e2e.sh"
e2e_need tunnel_shunts
# cleartext routes between the protected subnets (what a passthrough uses)
two_hosts "$W" "$E" && clear_routes || { fail setup "cannot create namespaces"; finish; }
for h in 5 6 7 8; do ip -n "$E" addr add 203.0.113.$h/32 dev lo; done
ip -n "$E" addr add 2001:db8:2::7/128 dev lo nodad
# the tunnel carries 198.51.100.0/25 only; a drop shunt covers the whole
# /24 <-> /24: the tunnel, more specific, still works through it
both_conf "${CONN_V4/leftsubnet=198.51.100.0\/24/leftsubnet=198.51.100.0/25}"
shunt() {   # shunt NAME TYPE AUTO RIGHT RIGHTSUBNET [LEFTSUBNET]
	printf '\nconn %s\n\tauthby=never\n\ttype=%s\n\tauto=%s\n\tleft=%s\n\tleftsubnet=%s\n\tright=%s\n\trightsubnet=%s\n' \
		"$1" "$2" "$3" "${7:-192.0.2.1}" "${6:-198.51.100.0/24}" "$4" "$5" >>"$DW/ipsec.conf"
}
shunt pass passthrough route 192.0.2.2 203.0.113.5/32
# east routes the same passthrough: without it east's inbound policy of the
# tunnel drops the cleartext from 198.51.100.0/25 (as the kernel does)
printf '\nconn pass\n\tauthby=never\n\ttype=passthrough\n\tauto=route\n\tleft=192.0.2.1\n\tleftsubnet=198.51.100.0/24\n\tright=192.0.2.2\n\trightsubnet=203.0.113.5/32\n' >>"$DE/ipsec.conf"
shunt wide drop route 192.0.2.2 203.0.113.0/24
shunt blk drop add %any 203.0.113.6/32
shunt rej reject ignore 192.0.2.2 203.0.113.7/32
shunt rej6 reject add 2001:db8::2 2001:db8:2::7/128 2001:db8:1::/64 2001:db8::1
# a routed tunnel to a peer that never answers (192.0.2.9 does not exist):
# negotiationshunt=passthrough while IKE tries, then failureshunt=drop
printf '\nconn fs\n\tauthby=secret\n\tleft=192.0.2.1\n\tleftsubnet=198.51.100.0/24\n\tright=192.0.2.9\n\trightsubnet=203.0.113.64/26\n\tnegotiationshunt=passthrough\n\tfailureshunt=drop\n\tkeyingtries=1\n\tretransmit-timeout=3s\n\tauto=route\n' >>"$DW/ipsec.conf"
sed -i 's/^\tprotostack=userspace$/&\n\tshuntlifetime=4s/' "$DW/ipsec.conf"
ip -n "$E" addr add 203.0.113.65/32 dev lo
start_both || { fail setup "pluto did not start"; finish; }

routing() { ww --status 2>/dev/null | sed -n "s/^000 \"$1\": .*; \\([a-z ]*\\); eroute owner: .*/\\1/p"; }
ping_to() { ip netns exec "$W" ping -c 1 -W 1 -I 198.51.100.1 "$1"; }
drops() { ww --status 2>/dev/null | sed -n "s/.*dataplane drops:.*$1=\\([0-9]*\\).*/\\1/p"; }
# esp_to FILE / clear_icmp_to FILE ADDR: what crossed the veth
esp_in() { tcpdump -n -r "$1" esp 2>/dev/null | grep -c 'ESP'; }
clear_icmp_to() { tcpdump -n -r "$1" "icmp and dst host $2" 2>/dev/null | grep -c 'echo request'; }

# ---- loading and status ----
[ "$(routing pass)" = "prospective erouted" ] && pass autoroute-at-startup || fail autoroute-at-startup "'$(routing pass)'"
[ "$(routing blk)" = unrouted ] && pass add-leaves-unrouted || fail add-leaves-unrouted "'$(routing blk)'"
ww --status | grep -qF '000 "pass":   policy: IKEv2+AUTH_NEVER+PASS+NEVER_NEGOTIATE;' && pass status-policy-pass ||
	fail status-policy-pass "$(ww --status | grep '"pass":   policy')"
ww --status | grep -qF '000 "pass":   our auth:never, their auth:never,' && pass status-auth-never ||
	fail status-auth-never "$(ww --status | grep '"pass":   our auth')"
ww --status | grep -qF '000 "blk": 198.51.100.0/24===192.0.2.1...%any===203.0.113.6/32; unrouted; eroute owner: #0' &&
	pass status-head-any || fail status-head-any "$(ww --status | grep '^000 "blk": 198')"
ww --status | grep -qF '000 "pass":   ike_life: 0s; ipsec_life: 0s; ipsec_max_bytes: 0B;' && pass status-no-lifetimes ||
	fail status-no-lifetimes "$(ww --status | grep '"pass":   ike_life')"
expect up-refused 36 '030 "pass": cannot initiate an authby=never connection' -- aw --up pass
grep -qF '036 "pass": failed to initiate connection' "$TMP/out" && pass up-refused-036 || fail up-refused-036 "$(cat "$TMP/out")"
[ -z "$(ww --showstates 2>/dev/null)" ] && pass no-ike-at-all || fail no-ike-at-all "$(ww --showstates | head -2)"

# ---- passthrough inside the tunnel ----
expect tunnel-up 0 'established Child SA' -- aw --up t
cap_start "$W" va "$TMP/pass.pcap"
ping_to 203.0.113.1 >/dev/null 2>&1; r1=$?
ping_to 203.0.113.5 >"$TMP/ping5" 2>&1; r5=$?
cap_stop
[ "$r1" = 0 ] && [ "$(esp_in "$TMP/pass.pcap")" -ge 2 ] && [ "$(clear_icmp_to "$TMP/pass.pcap" 203.0.113.1)" = 0 ] &&
	pass tunnel-still-encrypts || fail tunnel-still-encrypts "rc $r1, $(esp_in "$TMP/pass.pcap") ESP"
[ "$r5" = 0 ] && [ "$(clear_icmp_to "$TMP/pass.pcap" 203.0.113.5)" = 1 ] && pass passthrough-in-clear ||
	fail passthrough-in-clear "rc $r5, $(clear_icmp_to "$TMP/pass.pcap" 203.0.113.5) clear; $(cat "$TMP/ping5" | tr '\n' '|')"

# ---- a tunnel inside a drop shunt ----
ip netns exec "$W" ping -c 1 -W 1 -I 198.51.100.200 203.0.113.1 >/dev/null 2>&1 && fail wide-drop-outside-tunnel "answered" ||
	pass wide-drop-outside-tunnel
b0=$(ip netns exec "$W" awk '$1 == "XfrmInPolBlock" { print $2 }' /proc/net/xfrm_stat)
ip netns exec "$E" ping -c 1 -W 1 -I 203.0.113.1 198.51.100.200 >/dev/null 2>&1 && fail wide-drop-inbound "answered" ||
	{ [ "$(ip netns exec "$W" awk '$1 == "XfrmInPolBlock" { print $2 }' /proc/net/xfrm_stat)" -gt "$b0" ] &&
		pass wide-drop-inbound || fail wide-drop-inbound "not blocked by the kernel's inbound policy"; }
ping_to 203.0.113.1 >/dev/null 2>&1 && pass tunnel-inside-drop || fail tunnel-inside-drop "no reply through the tunnel"

# ---- drop and reject ----
expect route-drop 0 - -- aw --route blk
[ "$(routing blk)" = "prospective erouted" ] && pass route-drop-status || fail route-drop-status "'$(routing blk)'"
d0=$(drops shunt-drop); d0=${d0:-0}
cap_start "$W" va "$TMP/drop.pcap"
! ping_to 203.0.113.6 >"$TMP/ping6" 2>&1 && pass drop-blocks-ping || fail drop-blocks-ping "$(cat "$TMP/ping6" | tr '\n' '|')"
cap_stop
[ "$(tcpdump -n -r "$TMP/drop.pcap" ip 2>/dev/null | grep -c .)" = 0 ] && pass drop-sends-nothing ||
	fail drop-sends-nothing "$(tcpdump -n -r "$TMP/drop.pcap" ip 2>/dev/null | head -3 | tr '\n' '|')"
[ "$(drops shunt-drop)" -gt "$d0" ] 2>/dev/null && pass drop-counted || fail drop-counted "shunt-drop '$(drops shunt-drop)' was $d0"
grep -q 'Packet filtered\|Unreachable' "$TMP/ping6" && fail drop-silent "$(cat "$TMP/ping6" | tr '\n' '|')" || pass drop-silent
# cleartext from the dropped host arriving on the veth: the kernel's inbound
# policy (the shunt's reverse, block) drops it before delivery
polblock() { ip netns exec "$W" awk '$1 == "XfrmInPolBlock" { print $2 }' /proc/net/xfrm_stat; }
b0=$(polblock)
ip netns exec "$E" ping -c 1 -W 1 -I 203.0.113.6 198.51.100.200 >/dev/null 2>&1   # outside the tunnel: clear
[ "$(polblock)" -gt "${b0:-0}" ] 2>/dev/null && pass drop-blocks-inbound || fail drop-blocks-inbound "XfrmInPolBlock ${b0:-?} -> $(polblock)"
[ "$(ip -n "$W" xfrm policy | grep -A2 '^src 203.0.113.6/32 dst 198.51.100.0/24' | grep -c 'dir fwd action block\|mark 0/0x200000')" = 3 ] &&
	pass drop-kernel-fwd-policy || fail drop-kernel-fwd-policy "$(ip -n "$W" xfrm policy | tr '\n' '|')"

expect ondemand-reject 0 - -- aw --config "$DW/ipsec.conf" --ondemand rej
ping_to 203.0.113.7 >"$TMP/ping7" 2>&1
grep -q 'From 203.0.113.7 icmp_seq=1 Packet filtered' "$TMP/ping7" && pass reject-admin-prohibited ||
	fail reject-admin-prohibited "$(cat "$TMP/ping7" | tr '\n' '|')"
[ "$(drops shunt-reject)" -ge 1 ] 2>/dev/null && pass reject-counted || fail reject-counted "shunt-reject '$(drops shunt-reject)'"
expect route-reject6 0 - -- aw --route rej6
ip netns exec "$W" ping -6 -c 1 -W 1 -I 2001:db8:1::1 2001:db8:2::7 >"$TMP/ping7v6" 2>&1
grep -qi 'administratively prohibited' "$TMP/ping7v6" && pass reject6-admin-prohibited ||
	fail reject6-admin-prohibited "$(cat "$TMP/ping7v6" | tr '\n' '|')"

# ---- listing: type= conns are not bare shunts (Libreswan) ----
ww --shuntstatus >"$TMP/shunts" 2>&1
printf '000 Bare Shunt list:\n000  \n' | cmp -s - "$TMP/shunts" && pass shuntstatus-format ||
	fail shuntstatus-format "$(cat -A "$TMP/shunts" | tr '\n' '|')"
ww --status | tail -2 | cmp -s - "$TMP/shunts" && pass status-bare-shunt-list || fail status-bare-shunt-list "$(ww --status | tail -2 | tr '\n' '|')"
ww --globalstatus | grep -qx 'current.states.shunts=0' && pass globalstatus-shunts || fail globalstatus-shunts "$(ww --globalstatus | grep shunts)"

# ---- unroute / delete: the tunnel takes the traffic again ----
expect unroute-pass 0 - -- aw --unroute pass
ae --unroute pass >/dev/null 2>&1
expect unroute-drop 0 - -- aw --unroute blk
expect delete-reject 0 - -- aw --delete rej
[ "$(routing pass)" = unrouted ] && [ "$(routing blk)" = unrouted ] && pass unroute-status ||
	fail unroute-status "'$(routing pass)' '$(routing blk)'"
cap_start "$W" va "$TMP/after.pcap"
ok=0
for h in 5 6 7; do ping_to 203.0.113.$h >/dev/null 2>&1 && ok=$((ok + 1)); done
cap_stop
[ "$ok" = 3 ] && [ "$(clear_icmp_to "$TMP/after.pcap" 203.0.113.5)" = 0 ] && [ "$(esp_in "$TMP/after.pcap")" -ge 6 ] &&
	pass unrouted-hosts-tunnelled || fail unrouted-hosts-tunnelled "$ok replies, $(esp_in "$TMP/after.pcap") ESP"
aw --down t >/dev/null 2>&1
wait_until 5 eval '[ "$(n_states "$W" "$DW" CHILD)" = 0 ]'
expect unroute-reject6 0 - -- aw --unroute rej6
expect unroute-wide 0 - -- aw --unroute wide

# ---- a shunt with ports (rightprotoport=): only that traffic is dropped ----
printf '\nconn pdrop\n\tauthby=never\n\ttype=drop\n\tleft=192.0.2.1\n\tleftsubnet=198.51.100.0/24\n\tright=192.0.2.2\n\trightsubnet=203.0.113.8/32\n\trightprotoport=udp/5001\n' >>"$DW/ipsec.conf"
if aw --config "$DW/ipsec.conf" --add pdrop >"$TMP/pdrop" 2>&1 && aw --route pdrop >>"$TMP/pdrop" 2>&1; then
	d0=$(drops shunt-drop)
	ping_to 203.0.113.8 >/dev/null && pass port-shunt-passes-other-traffic || fail port-shunt-passes-other-traffic "no reply"
	ip netns exec "$W" sh -c 'echo x | nc -u -w1 -s 198.51.100.1 203.0.113.8 5001' >/dev/null 2>&1
	wait_until 3 eval '[ "$(drops shunt-drop)" -gt "${d0:-0}" ]' && pass port-shunt-drops-its-port ||
		fail port-shunt-drops-its-port "shunt-drop $(drops shunt-drop), was $d0"
	aw --delete pdrop >/dev/null 2>&1
else
	fail port-shunt-passes-other-traffic "$(tr '\n' '|' <"$TMP/pdrop")"
fi

# ---- negotiation and failure shunts of a routed conn ----
ww --status | grep -q '^000 "fs":   policy: IKEv2+PSK+ENCRYPT+TUNNEL+PFS+IKE_FRAG_ALLOW+ESN_NO+ESN_YES+NEGO_PASS+failureDROP;' &&
	pass status-nego-failure-policy || fail status-nego-failure-policy "$(ww --status | grep '"fs":   policy')"
ping_to 203.0.113.65 >/dev/null 2>&1     # the acquire: IKE starts
wait_until 2 ping_to 203.0.113.65 && pass negotiationshunt-passthrough ||
	fail negotiationshunt-passthrough "no clear reply while negotiating; $(grep '"fs"' "$DW/pluto.log" | tail -3 | tr '\n' '|')"
if wait_until 10 eval 'ww --shuntstatus | grep -q failureshunt'; then
	ww --shuntstatus >"$TMP/fs"
	printf '000 Bare Shunt list:\n000  \n000 198.51.100.0/24 -0-> 203.0.113.64/26 => %%drop 0    failureshunt of "fs"\n' |
		cmp -s - "$TMP/fs" && pass failureshunt-listed || fail failureshunt-listed "$(cat "$TMP/fs" | tr '\n' '|')"
else
	fail failureshunt-listed "none after the failure; $(grep '"fs"' "$DW/pluto.log" | tail -3 | tr '\n' '|')"
fi
! ping_to 203.0.113.65 >/dev/null 2>&1 && pass failureshunt-drops || fail failureshunt-drops "ping answered"
ww --status | grep -qF '000 198.51.100.0/24 -0-> 203.0.113.64/26 => %drop 0    failureshunt of "fs"' &&
	pass status-lists-failureshunt || fail status-lists-failureshunt "$(ww --status | tail -3 | tr '\n' '|')"
ww --globalstatus | grep -qx 'current.states.shunts=1' && pass globalstatus-counts-shunt || fail globalstatus-counts-shunt "$(ww --globalstatus | grep shunts)"
n0=$(grep -c '"fs": initiating on demand' "$DW/pluto.log")
wait_until 8 eval '! ww --shuntstatus | grep -q failureshunt' && pass failureshunt-expires ||
	fail failureshunt-expires "$(ww --shuntstatus | tr '\n' '|')"
ping_to 203.0.113.65 >/dev/null 2>&1
wait_until 3 eval '[ "$(grep -c "\"fs\": initiating on demand" "$DW/pluto.log")" -gt "$n0" ]' && pass trap-back-after-expiry ||
	fail trap-back-after-expiry "no new negotiation; $(grep '"fs"' "$DW/pluto.log" | tail -3 | tr '\n' '|')"
expect unroute-fs 0 - -- aw --unroute fs
clean220 "$W" && pass no-routes-left || fail no-routes-left "$(routes220 "$W" | tr '\n' '|')"
[ -z "$(ip -n "$W" xfrm policy | grep -v '^src ::/0\|^src 0.0.0.0/0\|socket\|^\s')" ] && pass no-kernel-policies-left ||
	fail no-kernel-policies-left "$(ip -n "$W" xfrm policy | tr '\n' '|')"

# ---- authby=never only with a shunt type ----
printf '\nconn bad\n\tauthby=never\n\tleft=192.0.2.1\n\tright=192.0.2.2\n' >>"$DW/ipsec.conf"
expect authby-never-tunnel-refused 1 'authby=never is not supported by Cygnet (a conn that negotiates nothing needs type=passthrough, drop or reject)' -- aw --config "$DW/ipsec.conf" --add bad
finish
