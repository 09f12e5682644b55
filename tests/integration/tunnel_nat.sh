#!/bin/bash
# Two Cygnet daemons with a NAT between them (issue 4 §5, issue 5 §5):
#   west 192.0.2.1/25 --- 192.0.2.126 [nat] 192.0.2.129 --- 192.0.2.130/25 east
# The middle namespace masquerades (nftables) what leaves towards east, so
# east sees west as 192.0.2.129 and accepts it through left=%any with
# leftid=@west.  NAT detection makes both sides float to 4500: IKE_AUTH
# carries the non-ESP marker, ESP is UDP-encapsulated (no IP protocol 50 on
# the wire), and ping and a TCP transfer pass without the plaintext marker
# ever crossing either link.
# Then the NAT forgets its mappings and maps west's port 4500 to 40500
# (RFC 7296 §2.23): west's next liveness probe (dpddelay=1s) reaches east
# from the new port, east moves the IKE SA and the Child SA there (the
# dataplane's update_sa), and traffic passes both ways again: east's
# outbound ESP must go to the new port, the old one leads nowhere.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/e2e.sh"
e2e_need tunnel_nat
command -v nft >/dev/null || { env_skip tunnel_nat "nft missing"; exit; }
N=${TAG}n
nat_hosts || { fail setup "cannot create the namespaces and the NAT"; finish; }
conf "$DW" "left=192.0.2.1
leftsubnet=198.51.100.0/24
right=192.0.2.130
rightsubnet=203.0.113.0/24
dpddelay=1s"
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

# The NAT is re-created with another public port: every packet goes to a
# fresh conntrack zone (the old mappings are not seen any more) whose
# masquerade maps to port 40500 only.
ip netns exec "$N" nft -f - <<NFT || fail nat-rebind-setup "cannot re-create the NAT"
table ip raw {
	chain pre {
		type filter hook prerouting priority raw; policy accept;
		ct zone set 1
	}
}
flush chain ip nat post
add rule ip nat post oifname "ne" meta l4proto udp masquerade to :40500
add rule ip nat post oifname "ne" masquerade
NFT
moved() { grep -q "peer moved to port 40500" "$DE/pluto.log" &&
	grep -q "Child SA follows the peer to port 40500" "$DE/pluto.log"; }
wait_until 10 moved && pass nat-rebind-logged ||
	fail nat-rebind-logged "$(grep -E 'moved|follows|port' "$DE/pluto.log" | tail -3 | tr '\n' '|')"
# east's status: the IKE SA and the Child SA at the new port
se=$(we --status --json | grep '"established":true')
[ "$(grep -c '"local":"192.0.2.130:4500","remote":"192.0.2.129:40500","nat":true' <<<"$se")" = 2 ] &&
	pass nat-rebind-status || fail nat-rebind-status "east [$se]"
# both ways through the moved tunnel: west's ping and TCP (east's side of
# it captured outside the NAT: ESP to the new port), then east's ping (its
# echo requests are its own outbound ESP)
traffic nat-rebind 198.51.100.1 203.0.113.1 'udp and src host 192.0.2.130 and dst port 40500' "$N" ne
if ip netns exec "$E" ping -c 3 -i 0.2 -W 2 -I 203.0.113.1 198.51.100.1 >/dev/null 2>&1; then
	pass nat-rebind-ping-from-east
else
	fail nat-rebind-ping-from-east "no reply from 198.51.100.1"
fi

aw --down t >/dev/null 2>&1
wait_until 5 eval 'no_states $W $DW && no_states $E $DE && clean220 $W && clean220 $E' &&
	pass nat-down-clean || fail nat-down-clean "west [$(ww --showstates | tr '\n' '|')] east [$(we --showstates | tr '\n' '|')]"
finish
