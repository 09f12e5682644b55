#!/bin/bash
# Two Cygnet daemons with a NAT between them (issue 4 §5, issue 5 §5):
#   west 192.0.2.1/25 --- 192.0.2.126 [nat] 192.0.2.129 --- 192.0.2.130/25 east
# The middle namespace masquerades (nftables) what leaves towards east, so
# east sees west as 192.0.2.129 and accepts it through left=%any with
# leftid=@west.  NAT detection makes both sides float to 4500: IKE_AUTH
# carries the non-ESP marker, ESP is UDP-encapsulated (no IP protocol 50 on
# the wire), and ping and a TCP transfer pass without the plaintext marker
# ever crossing either link.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/e2e.sh"
e2e_need tunnel_nat
command -v nft >/dev/null || { env_skip tunnel_nat "nft missing"; exit; }
N=${TAG}n
setup() {
	netns_add "$W" && netns_add "$E" && netns_add "$N" || return 1
	ip -n "$W" link add wn type veth peer name nw netns "$N" &&
	ip -n "$E" link add en type veth peer name ne netns "$N" || return 1
	ip -n "$W" addr add 192.0.2.1/25 dev wn; ip -n "$N" addr add 192.0.2.126/25 dev nw
	ip -n "$N" addr add 192.0.2.129/25 dev ne; ip -n "$E" addr add 192.0.2.130/25 dev en
	ip -n "$W" link set wn up; ip -n "$N" link set nw up; ip -n "$N" link set ne up; ip -n "$E" link set en up
	ip -n "$W" route add default via 192.0.2.126
	ip -n "$W" addr add 198.51.100.1/24 dev lo; ip -n "$E" addr add 203.0.113.1/24 dev lo
	ip netns exec "$N" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$N" nft -f - <<NFT
table ip nat {
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "ne" masquerade
	}
}
NFT
}
setup || { fail setup "cannot create the namespaces and the NAT"; finish; }
conf "$DW" "left=192.0.2.1
leftsubnet=198.51.100.0/24
right=192.0.2.130
rightsubnet=203.0.113.0/24"
conf "$DE" "left=%any
leftsubnet=198.51.100.0/24
right=192.0.2.130
rightsubnet=203.0.113.0/24"
start_both || { fail setup "pluto did not start"; finish; }

cap_start "$E" en "$TMP/ike.pcap"
if ! aw --up t >"$TMP/up.out" 2>&1; then
	fail nat-up "--up failed: $(tail -2 "$TMP/up.out" | tr '\n' '|')"; finish
fi
pass nat-up
grep -q 'ESPinUDP=>.*NATD=yes' "$TMP/up.out" && pass nat-detected ||
	fail nat-detected "no ESPinUDP/NATD=yes in: $(tail -1 "$TMP/up.out")"
# both float: every IKE and Child SA on port 4500, remote as each sees it
sw=$(ww --status --json | grep '"established":true'); se=$(we --status --json | grep '"established":true')
if [ "$(grep -c '"local":"192.0.2.1:4500","remote":"192.0.2.130:4500","nat":true' <<<"$sw")" = 2 ] &&
   [ "$(grep -c '"local":"192.0.2.130:4500","remote":"192.0.2.129:4500","nat":true' <<<"$se")" = 2 ]; then
	pass nat-both-float-4500
else
	fail nat-both-float-4500 "west [$sw] east [$se]"
fi
[ "$(sa_summary "$W" "$DW")" = "$(sa_summary "$E" "$DE" swap)" ] && pass nat-sa-agree ||
	fail nat-sa-agree "west [$(sa_summary "$W" "$DW")] east [$(sa_summary "$E" "$DE" swap)]"
cap_stop
# IKE_SA_INIT on 500, IKE_AUTH on 4500 with the non-ESP marker (tcpdump
# prints "NONESP-encap"), from the NAT's address
if tcpdump -nr "$TMP/ike.pcap" 2>/dev/null | grep -q '192.0.2.129.500 > 192.0.2.130.500: isakmp' &&
   tcpdump -nr "$TMP/ike.pcap" 2>/dev/null | grep -q '192.0.2.129.4500 > 192.0.2.130.4500: NONESP-encap: isakmp.*ikev2_auth' &&
   tcpdump -nr "$TMP/ike.pcap" 2>/dev/null | grep -q '192.0.2.130.4500 > 192.0.2.129.4500: NONESP-encap: isakmp.*ikev2_auth'; then
	pass nat-ike-auth-on-4500
else
	fail nat-ike-auth-on-4500 "$(tcpdump -nr "$TMP/ike.pcap" 2>/dev/null | grep isakmp | tr '\n' '|')"
fi

# traffic, captured on both links: UDP-encapsulated ESP only
cap_start "$W" wn "$TMP/inside.pcap"; c1=$_CAP f1=$_CAPF
traffic nat-outside 198.51.100.1 203.0.113.1 'udp port 4500' "$E" en
_CAP=$c1 _CAPF=$f1; cap_stop
wire_check nat-inside-wire "$TMP/inside.pcap" 'udp port 4500'
n50=$(tcpdump -nr "$TMP/inside.pcap" 'ip proto 50' 2>/dev/null | wc -l)
[ "$n50" = 0 ] && pass nat-no-plain-esp || fail nat-no-plain-esp "$n50 IP protocol 50 packets"

aw --down t >/dev/null 2>&1
wait_until 5 eval 'no_states $W $DW && no_states $E $DE && clean220 $W && clean220 $E' &&
	pass nat-down-clean || fail nat-down-clean "west [$(ww --showstates | tr '\n' '|')] east [$(we --showstates | tr '\n' '|')]"
finish
