#!/bin/bash
# Traffic selectors end to end between two Cygnet daemons (userspace
# dataplane), issue 12 items 1 and 2:
#   - leftprotoport=tcp + rightprotoport=tcp/80: --status shows the ports as
#     Libreswan (":6/0", ":6/80"), the kernel-side inbound policies carry
#     them, TCP to port 80 crosses the tunnel as ESP, TCP to port 22 is not
#     covered by any policy and so goes by ordinary routing in clear (as
#     Libreswan with XFRM), never through the SA;
#   - cleartext from the remote protected subnet sent around the tunnel (the
#     dataplane's fwmark skips table 220) is dropped on arrival and counted
#     ("cleartext" in --status), port-exactly with tcp/80; before --up and
#     after --down the same packets pass;
#   - a decrypted packet outside its SA's selectors is dropped and counted
#     (two esp_static dataplanes with manual keys: the sender's policy is
#     wider than the receiver's).
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/e2e.sh"
e2e_need tunnel_selectors
command -v python3 >/dev/null || { env_skip tunnel_selectors "python3 missing"; exit; }
two_hosts "$W" "$E" || { fail setup "cannot create namespaces"; finish; }
# ordinary routes between the protected subnets, so traffic no policy
# covers has somewhere to go in clear
ip -n "$W" route add 203.0.113.0/24 via 192.0.2.2
ip -n "$E" route add 198.51.100.0/24 via 192.0.2.1
FWMARK=0x4359      # the dataplane's own mark: skips table 220, so skips the tunnel

PORTS="$CONN_V4
leftprotoport=tcp
rightprotoport=tcp/80"
both_conf "$PORTS"
start_both || { fail setup "pluto did not start"; finish; }

# xfer PORT: TCP from west 198.51.100.1 to east 203.0.113.1:PORT, data checked
xfer() {
	local port=$1 srv
	head -c 50000 /dev/urandom >"$TMP/data"
	rm -f "$TMP/recv"
	ip netns exec "$E" timeout 10 nc -l -n 203.0.113.1 "$port" >"$TMP/recv" &
	srv=$!
	wait_until 5 eval "ip netns exec $E ss -ltn | grep -q '203.0.113.1:$port '"
	ip netns exec "$W" timeout 10 nc -N -n -s 198.51.100.1 203.0.113.1 "$port" <"$TMP/data"
	wait $srv
	cmp -s "$TMP/data" "$TMP/recv"
}
# marked_connect PORT: a TCP connect from west that skips the tunnel (SO_MARK)
marked_connect() {
	ip netns exec "$W" python3 - "$1" "$FWMARK" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, getattr(socket, "SO_MARK", 36), int(sys.argv[2], 0))
s.bind(("198.51.100.1", 0))
s.settimeout(2)
try:
    s.connect(("203.0.113.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
EOF
}
# drops NS DIR REASON: the dataplane's count for REASON in --status (0 if none)
drops() {
	local n
	n=$(cy_whack "$1" "$2" --status 2>/dev/null | sed -n "s/.*dataplane drops:.*[ ,]$3=\([0-9]*\).*/\1/p; s/.*dataplane drops: $3=\([0-9]*\).*/\1/p" | head -1)
	echo "${n:-0}"
}
listen() {   # listen PORT: a listener on east that accepts and discards
	ip netns exec "$E" timeout 20 nc -l -k -n 203.0.113.1 "$1" >/dev/null 2>&1 &
	_PIDS+=($!)
	wait_until 5 eval "ip netns exec $E ss -ltn | grep -q '203.0.113.1:$1 '"
}

# ---- protoport: status, policies, traffic ----------------------------------
line=$(ww --status | grep '^000 "t": [0-9]')
if [[ "$line" == *'198.51.100.0/24===192.0.2.1[@west]:6/0...192.0.2.2[@east]:6/80===203.0.113.0/24;'* ]]; then
	pass status-protoport
else
	fail status-protoport "$line"
fi
line=$(we --status | grep '^000 "t": [0-9]')
if [[ "$line" == *'203.0.113.0/24===192.0.2.2[@east]:6/80...192.0.2.1[@west]:6/0===198.51.100.0/24;'* ]]; then
	pass status-protoport-east
else
	fail status-protoport-east "$line"
fi

listen 80; listen 22
if marked_connect 80 && marked_connect 22; then pass before-up-clear-passes; else fail before-up-clear-passes "no policy yet, yet a cleartext connect failed"; fi

if aw --up t >"$TMP/up.out" 2>&1; then
	pass up-ports
else
	fail up-ports "$(tail -3 "$TMP/up.out" | tr '\n' '|')"
fi
pol=$(ip -n "$E" xfrm policy 2>/dev/null | tr '\n' ' ')
if [[ "$pol" == *"src 198.51.100.0/24 dst 203.0.113.0/24 proto tcp dport 80"*"dir in"* ]] &&
   [[ "$pol" == *"src 198.51.100.0/24 dst 203.0.113.0/24 proto tcp dport 80"*"dir fwd"* ]]; then
	pass inbound-policy-ports
else
	fail inbound-policy-ports "$pol"
fi

kill "${_PIDS[-1]}" "${_PIDS[-2]}" 2>/dev/null   # the listeners: xfer brings its own
cap_start "$W" va "$TMP/p80.pcap"
if xfer 80; then pass tcp80-data; else fail tcp80-data "received data differs"; fi
cap_stop
n_esp=$(tcpdump -nr "$TMP/p80.pcap" esp 2>/dev/null | wc -l)
n_plain=$(tcpdump -nr "$TMP/p80.pcap" 'tcp port 80' 2>/dev/null | wc -l)
if [ "$n_esp" -ge 10 ] && [ "$n_plain" = 0 ]; then
	pass tcp80-crosses-tunnel
else
	fail tcp80-crosses-tunnel "$n_esp ESP, $n_plain plaintext port-80 packets on the wire"
fi

cap_start "$W" va "$TMP/p22.pcap"
if xfer 22; then pass tcp22-data; else fail tcp22-data "received data differs"; fi
cap_stop
n_esp=$(tcpdump -nr "$TMP/p22.pcap" esp 2>/dev/null | wc -l)
n_plain=$(tcpdump -nr "$TMP/p22.pcap" 'tcp port 22' 2>/dev/null | wc -l)
if [ "$n_esp" = 0 ] && [ "$n_plain" -ge 10 ]; then
	pass tcp22-not-in-tunnel
else
	fail tcp22-not-in-tunnel "$n_esp ESP, $n_plain plaintext port-22 packets: port 22 is covered by no policy"
fi

# cleartext port 80 from the protected subnet, around the tunnel: dropped
# by east's inbound policy; port 22 (no policy) still connects
listen 80; listen 22
before=$(drops "$E" "$DE" cleartext)
if marked_connect 80; then
	fail cleartext-tcp80-dropped "a cleartext connect to port 80 succeeded"
else
	after=$(drops "$E" "$DE" cleartext)
	if [ "$after" -gt "$before" ]; then
		pass cleartext-tcp80-dropped
	else
		fail cleartext-tcp80-dropped "cleartext counter $before -> $after"
	fi
fi
if marked_connect 22; then pass cleartext-tcp22-passes; else fail cleartext-tcp22-passes "port 22 is covered by no policy"; fi
aw --down t >/dev/null 2>&1
wait_until 5 eval 'no_states $W $DW && no_states $E $DE'
if marked_connect 80; then pass after-down-clear-passes; else fail after-down-clear-passes "the inbound policy outlived its SA"; fi
if [ -z "$(ip -n "$E" xfrm policy 2>/dev/null | grep -A2 'dst 203.0.113.0/24' | grep 'dir in')" ]; then
	pass down-removes-policies
else
	fail down-removes-policies "$(ip -n "$E" xfrm policy | tr '\n' ' ')"
fi

# ---- a routed (trap) conn with tcp/80: only port 80 brings the tunnel up -----
# west's trap policy carries the protocol and port: TCP to port 22 is no
# match (it leaves in clear, no acquire); TCP to port 80 is held and starts
# the negotiation.
if aw --route t >"$TMP/route.out" 2>&1; then
	listen 22
	if ip netns exec "$W" timeout 3 nc -z -n -s 198.51.100.1 203.0.113.1 22 &&
	   ! wait_until 1 eval '[ "$(n_states $W $DW CHILD)" -gt 0 ]'; then
		pass trap-port22-no-acquire
	else
		fail trap-port22-no-acquire "children: $(n_states "$W" "$DW" CHILD)"
	fi
	ip netns exec "$W" timeout 1 nc -z -n -s 198.51.100.1 203.0.113.1 80 >/dev/null 2>&1
	if wait_until 10 eval '[ "$(n_states $W $DW CHILD)" = 1 ]'; then
		pass trap-port80-acquires
	else
		fail trap-port80-acquires "no Child SA after TCP to port 80: $(grep -c 'initiating on demand' "$DW/pluto.log") acquires"
	fi
	aw --down t >/dev/null 2>&1
	wait_until 5 eval 'no_states $W $DW && no_states $E $DE'
	aw --unroute t >/dev/null 2>&1
else
	fail trap-port22-no-acquire "--route failed: $(tail -2 "$TMP/route.out" | tr '\n' '|')"
fi

# ---- every protocol: cleartext ping around the tunnel ------------------------
both_conf "$CONN_V4"
aw --config "$DW/ipsec.conf" --replace t >/dev/null 2>&1
ae --config "$DE/ipsec.conf" --replace t >/dev/null 2>&1
mping() { ip netns exec "$W" ping -c 2 -i 0.2 -W 1 -m $((FWMARK)) -I 198.51.100.1 203.0.113.1 >/dev/null 2>&1; }
if mping; then pass ping-clear-before-up; else fail ping-clear-before-up "no cleartext path"; fi
if aw --up t >"$TMP/up.out" 2>&1; then
	before=$(drops "$E" "$DE" cleartext)
	if mping; then
		fail cleartext-ping-dropped "a cleartext ping from the protected subnet got through"
	elif [ "$(drops "$E" "$DE" cleartext)" -ge $((before + 2)) ]; then
		pass cleartext-ping-dropped
	else
		fail cleartext-ping-dropped "cleartext counter $before -> $(drops "$E" "$DE" cleartext)"
	fi
	if ip netns exec "$W" ping -c 2 -i 0.2 -W 2 -I 198.51.100.1 203.0.113.1 >/dev/null 2>&1; then
		pass tunnel-ping-passes
	else
		fail tunnel-ping-passes "no reply through the tunnel"
	fi
else
	fail cleartext-ping-dropped "--up failed: $(tail -2 "$TMP/up.out" | tr '\n' '|')"
fi
aw --down t >/dev/null 2>&1
stop_both

# ---- a decrypted packet outside the SA's selectors ----------------------------
# esp_static on both ends (manual keys): west's outbound policy takes every
# protocol, east's inbound SA and policy are for TCP only; a ping crosses
# the wire as ESP, decrypts on east and is dropped there as selector-mismatch.
TOOL=$BUILD/tools/esp_static
K1=000102030405060708090a0b0c0d0e0f10111213
K2=a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3
es_start() {   # es_start NS NAME COMMAND...
	local ns=$1 name=$2; shift 2
	mkfifo "$TMP/$name.in"
	ip netns exec "$ns" "$TOOL" --tun "cys$name" "$@" <"$TMP/$name.in" >"$TMP/$name.out" 2>&1 &
	_PIDS+=($!)
	eval "exec {fd_$name}>$TMP/$name.in"
	wait_until 5 grep -q READY "$TMP/$name.out"
}
es_cmd() {   # es_cmd NAME COMMAND: the answer line
	local name=$1 n; shift
	n=$(grep -c '^OK\|^ERR' "$TMP/$name.out")
	eval "echo \"\$*\" >&\$fd_$name"
	wait_until 5 eval "[ \$(grep -c '^OK\|^ERR' $TMP/$name.out) -gt $n ]"
	grep '^OK\|^ERR' "$TMP/$name.out" | tail -1
}
G=encr=aes_gcm16
if es_start "$W" w "sa dir=out,spi=0x1001,src=192.0.2.1,dst=192.0.2.2,$G,key=$K1,local=198.51.100.0/24,remote=203.0.113.0/24" \
	"sa dir=in,spi=0x2001,src=192.0.2.2,dst=192.0.2.1,$G,key=$K2,local=198.51.100.0/24,remote=203.0.113.0/24" \
	"policy dir=out,local=198.51.100.0/24,remote=203.0.113.0/24,src=198.51.100.1" &&
   es_start "$E" e "sa dir=in,spi=0x1001,src=192.0.2.1,dst=192.0.2.2,$G,key=$K1,local=203.0.113.0/24,remote=198.51.100.0/24,proto=6" \
	"sa dir=out,spi=0x2001,src=192.0.2.2,dst=192.0.2.1,$G,key=$K2,local=203.0.113.0/24,remote=198.51.100.0/24,proto=6" \
	"policy dir=in,local=203.0.113.0/24,remote=198.51.100.0/24,proto=6" \
	"policy dir=out,local=203.0.113.0/24,remote=198.51.100.0/24,proto=6,src=203.0.113.1"; then
	ip netns exec "$W" ping -c 3 -i 0.2 -W 1 -I 198.51.100.1 203.0.113.1 >/dev/null 2>&1
	ctr=$(es_cmd e "counters spi=0x1001,dst=192.0.2.2")
	drp=$(es_cmd e drops)
	if [[ "$ctr" == *"selector-mismatch=3"* && "$drp" == *"selector-mismatch=3"* ]]; then
		pass decrypted-outside-selectors-dropped
	else
		fail decrypted-outside-selectors-dropped "counters [$ctr] drops [$drp]"
	fi
	# reported to the daemon with the packet, once for the three (within a second)
	ev=$(grep '^EVENT drop' "$TMP/e.out")
	if [ "$(grep -c . <<<"$ev")" = 1 ] &&
	   [[ "$ev" == "EVENT drop selector-mismatch spi=0x00001001 198.51.100.1:8 -> 203.0.113.1:0 proto 1 count=1" ]]; then
		pass decrypted-outside-selectors-reported
	else
		fail decrypted-outside-selectors-reported "$(tr '\n' '|' <<<"$ev")"
	fi
	# TCP (inside the selectors) still arrives: a SYN to a closed port gets its RST back
	if ip netns exec "$W" timeout 5 nc -z -n -s 198.51.100.1 203.0.113.1 9 2>&1 | grep -qi refused ||
	   [ "$(es_cmd e "counters spi=0x1001,dst=192.0.2.2" | sed -n 's/.*packets=\([0-9]*\).*/\1/p')" -ge 1 ]; then
		pass decrypted-inside-selectors-passes
	else
		fail decrypted-inside-selectors-passes "$(es_cmd e "counters spi=0x1001,dst=192.0.2.2")"
	fi
else
	fail decrypted-outside-selectors-dropped "esp_static did not start: $(cat "$TMP"/w.out "$TMP"/e.out 2>/dev/null | tr '\n' '|')"
fi
finish
