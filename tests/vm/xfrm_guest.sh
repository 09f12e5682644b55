#!/bin/bash
# Runs INSIDE the guest (tests/vm/guest.sh, started by tests/integration/vm_xfrm.sh):
# Cygnet's daemons with the kernel dataplane (protostack=xfrm) against
# Debian's 6.1 kernel with ESP, and Libreswan 4.10 (the host's Debian
# package) as a peer.  Case names are prefixed with the pairing:
#   xx-*   Cygnet xfrm  <-> Cygnet xfrm
#   nat-*  Cygnet xfrm  <-> Cygnet xfrm across a NAT namespace (NAT-T, kernel decap, a NAT rebinding)
#   xu-*   Cygnet xfrm  <-> Cygnet userspace
#   rt-*   Cygnet xfrm  <-> Cygnet xfrm, routed (trap policies, on demand)
#   rk-*   (in part rt) IKE SA rekey with traffic, kernel ESP
#   kx-*   Cygnet xfrm  <-> Cygnet xfrm: marks, priorities, tfc=, byte lifetimes, whack --rekey-*
#   ls-*   Libreswan (xfrm) <-> Cygnet xfrm
#   lsn-*  Libreswan initiates a leftsubnets=/rightsubnets= group (one IKE SA, 4 Child SAs)
#   sh-*   Cygnet xfrm  <-> Cygnet xfrm: shunts (type=passthrough|drop) nested in a tunnel
#   ud-*   Cygnet xfrm  <-> Cygnet xfrm: leftupdown= script, metric=, mtu=,
#          leftsourceip=, leftnexthop= on the kernel dataplane's routes
#   sel-*  Cygnet xfrm  <-> Cygnet xfrm with leftprotoport=tcp, rightprotoport=tcp/5001:
#          ports in the kernel's policies, port 5001 as ESP, 5002 in clear,
#          cleartext to 5001 dropped by the kernel and counted in --status
# VM_PARTS (space separated: xx rq nat xu rt kx ls lsn sh ud sel) limits what runs.
set -u
. "$CYGNET_TOP/tests/integration/lib/common.sh"
# for n_states (its conf() is replaced by the one below)
. "$CYGNET_TOP/tests/integration/lib/e2e.sh"
PARTS=${VM_PARTS:-xx rq nat xu rt kx ls lsn sh ud sel}
LS=/usr/libexec/ipsec
A=${TAG}a B=${TAG}b

# wait_until from common.sh counts iterations; under TCG each one can take
# much longer than its 50 ms, so bound by the clock instead
wait_until() {
	local end=$((SECONDS + $1)); shift
	while [ $SECONDS -lt $end ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
	"$@" >/dev/null 2>&1
}

# conf DIR PROTOSTACK ME : a PSK tunnel 198.51.100.0/24 <-> 203.0.113.0/24
conf() {
	local dir=$1 ps=$2 right=${3:-192.0.2.2} extra=${4:-} setup=${5:-}
	mkdir -p "$dir"
	cat >"$dir/ipsec.conf" <<CONF
config setup
	protostack=$ps
$setup

conn t
	left=192.0.2.1
	leftid=@west
	leftsubnet=198.51.100.0/24
	right=$right
	rightid=@east
	rightsubnet=203.0.113.0/24
	authby=secret
	ike=aes_gcm256-sha2_256-dh19
	esp=aes_gcm256
	auto=add
$extra
CONF
	printf '@west @east : PSK "vm-guest-test-%s-psk"\n' "$TAG" >"$dir/ipsec.secrets"
	chmod 600 "$dir/ipsec.secrets"
}

# xstate NS: SAs and policies in the kernel of NS
nsa() { ip -n "$1" xfrm state | grep -c '^src'; }
nsa_is() { [ "$(nsa "$1")" = "$2" ]; }
# (per-socket bypass policies, "socket in/out", are the daemon's sockets', not counted)
npol() { ip -n "$1" xfrm policy | grep -c 'dir '; }
# esp_pkts NS: sum of packet counters of the namespace's SAs
esp_pkts() { ip -n "$1" -s xfrm state | awk '/[0-9]+\(bytes\), [0-9]+\(packets\)/ { sub(/\(packets\).*/, "", $2); n += $2 } END { print n + 0 }'; }

ping_through() {  # ping_through NS SRC DST
	ip netns exec "$1" ping -c 3 -i 0.3 -W 3 -I "$2" "$3" >/dev/null 2>&1
}

tcp_through() {  # tcp_through NS_CLIENT SRC NS_SERVER DST
	head -c 200000 /dev/urandom >"$TMP/data"
	rm -f "$TMP/recv"
	ip netns exec "$3" timeout 30 nc -l -n "$4" 5001 >"$TMP/recv" &
	local srv=$!
	wait_until 5 sh -c "ip netns exec $3 ss -ltn | grep -q :5001"
	ip netns exec "$1" timeout 30 nc -N -n -s "$2" "$4" 5001 <"$TMP/data"
	wait $srv
	cmp -s "$TMP/data" "$TMP/recv"
}

logs() { for f in "$@"; do echo "--- $f"; tail -25 "$f"; done; }

# two namespaces, default routes so tunnel traffic has a route to follow
net() {
	two_hosts "$A" "$B" || return 1
	ip -n "$A" route add default via 192.0.2.2
	ip -n "$B" route add default via 192.0.2.1
}

# traffic_checks PREFIX NS_A NS_B: ping and TCP from A's protected address to
# B's, and the kernel's ESP packet counters in NS_A growing with them
traffic_checks() {
	local p=$1 na=$2 nb=$3
	local before; before=$(esp_pkts "$na")
	if ping_through "$na" 198.51.100.1 203.0.113.1; then pass "$p-ping"; else fail "$p-ping" "no reply"; fi
	if tcp_through "$na" 198.51.100.1 "$nb" 203.0.113.1; then pass "$p-tcp"; else fail "$p-tcp" "transfer differs"; fi
	local after; after=$(esp_pkts "$na")
	if [ $((after - before)) -ge 20 ]; then pass "$p-kernel-esp-counters"
	else fail "$p-kernel-esp-counters" "ip -s xfrm state packets $before -> $after"; fi
}

part_xx() {
	local da=$TMP/xa db=$TMP/xb
	conf "$da" xfrm; conf "$db" xfrm
	pluto_start "$A" "$da" || { fail xx-start "pluto A"; return; }
	pluto_start "$B" "$db" || { fail xx-start "pluto B"; return; }
	if cy_auto "$A" "$da" --up t >"$TMP/up.out" 2>&1; then pass xx-up
	else fail xx-up "$(tail -3 "$TMP/up.out" | tr '\n' '|')"; logs "$da/pluto.log" "$db/pluto.log"; return; fi
	if [ "$(nsa "$A")" = 2 ] && [ "$(npol "$A")" -ge 3 ] && [ "$(nsa "$B")" = 2 ]; then pass xx-kernel-sa-policy
	else fail xx-kernel-sa-policy "A: $(nsa "$A") SAs $(npol "$A") policies, B: $(nsa "$B") SAs"; fi
	traffic_checks xx "$A" "$B"
	if cy_whack "$A" "$da" --trafficstatus 2>&1 | grep -q 'inBytes=[1-9]'; then pass xx-trafficstatus
	else fail xx-trafficstatus "$(cy_whack "$A" "$da" --trafficstatus 2>&1 | head -2)"; fi
	# traffic the other way, initiated by B after A came up
	if ping_through "$B" 203.0.113.1 198.51.100.1; then pass xx-ping-reverse; else fail xx-ping-reverse "no reply"; fi
	cy_auto "$A" "$da" --down t >/dev/null 2>&1
	if wait_until 5 sh -c "[ \$(ip -n $A xfrm state | grep -c ^src) = 0 ] && [ \$(ip -n $A xfrm policy | grep -c 'dir ') = 0 ] && [ \$(ip -n $B xfrm state | grep -c ^src) = 0 ]"; then
		pass xx-down-clean
	else
		fail xx-down-clean "left: A $(nsa "$A") SAs $(npol "$A") policies, B $(nsa "$B") SAs $(npol "$B") policies"
	fi
	# up again, then kill -9 A's daemon; a restart must remove its stale SAs/policies
	cy_auto "$B" "$db" --up t >/dev/null 2>&1 || fail xx-up-from-b "$(tail -3 "$db/pluto.log")"
	if ping_through "$B" 203.0.113.1 198.51.100.1; then pass xx-up-from-b-ping; else fail xx-up-from-b-ping "no reply"; fi
	kill -9 "$(cat "$da/pluto.testpid")" 2>/dev/null
	{ wait "$(cat "$da/pluto.testpid")"; } 2>/dev/null
	wait_until 5 sh -c "! kill -0 $(cat "$da/pluto.testpid") 2>/dev/null"
	rm -f "$da/run/pluto.ctl" "$da/run/pluto.pid"
	local stale_sa stale_pol; stale_sa=$(nsa "$A") stale_pol=$(npol "$A")
	pluto_start "$A" "$da" || { fail xx-restart "pluto A did not restart"; return; }
	if [ "$stale_sa" -gt 0 ] && wait_until 5 sh -c "[ \$(ip -n $A xfrm state | grep -c ^src) = 0 ] && [ \$(ip -n $A xfrm policy | grep -c 'dir ') = 0 ]"; then
		pass xx-restart-no-stale
	else
		fail xx-restart-no-stale "before restart $stale_sa SAs $stale_pol policies; after: $(nsa "$A") SAs $(npol "$A") policies"
	fi
	if cy_auto "$A" "$da" --up t >/dev/null 2>&1 && ping_through "$A" 198.51.100.1 203.0.113.1; then
		pass xx-up-after-restart
	else
		fail xx-up-after-restart "$(tail -5 "$da/pluto.log" | tr '\n' '|')"
	fi
	pluto_stop "$da"; pluto_stop "$db"
	if [ "$(nsa "$A")" = 0 ] && [ "$(npol "$A")" = 0 ] && [ "$(nsa "$B")" = 0 ] && [ "$(npol "$B")" = 0 ]; then
		pass xx-shutdown-clean
	else
		fail xx-shutdown-clean "A $(nsa "$A")/$(npol "$A"), B $(nsa "$B")/$(npol "$B") SAs/policies after stop"
	fi
}

# reqid= (a fixed reqid): the kernel's SAs and policy templates carry it;
# after a crash (kill -9), adding the conn again removes what the previous
# run left with it (Cygnet's own range is purged at start-up anyway).
part_rq() {
	local da=$TMP/qa db=$TMP/qb
	conf "$da" xfrm 192.0.2.2 $'\treqid=1234'; conf "$db" xfrm
	pluto_start "$A" "$da" || { fail rq-start "pluto A"; return; }
	pluto_start "$B" "$db" || { fail rq-start "pluto B"; return; }
	if cy_auto "$A" "$da" --up t >"$TMP/up.out" 2>&1; then pass rq-up
	else fail rq-up "$(tail -3 "$TMP/up.out" | tr '\n' '|')"; logs "$da/pluto.log" "$db/pluto.log"; return; fi
	if [ "$(sas_reqid "$A" 1234)" = 2 ] && [ "$(nsa "$A")" = 2 ] &&
	   [ "$(policies "$A" | grep -c 'reqid 1234 ')" -ge 3 ] && [ "$(policies "$A" | grep -c 'reqid ')" = "$(policies "$A" | grep -c 'reqid 1234 ')" ]; then
		pass rq-kernel-reqid
	else fail rq-kernel-reqid "$(ip -n "$A" xfrm state | grep reqid | tr '\n' '|') $(policies "$A" | tr '\n' '|')"; fi
	if ping_through "$A" 198.51.100.1 203.0.113.1; then pass rq-ping; else fail rq-ping "no reply"; fi
	kill -9 "$(cat "$da/pluto.testpid")" 2>/dev/null
	wait_until 5 sh -c "! kill -0 $(cat "$da/pluto.testpid") 2>/dev/null"
	rm -f "$da/run/pluto.ctl" "$da/run/pluto.pid"
	local stale; stale=$(sas_reqid "$A" 1234)
	pluto_start "$A" "$da" || { fail rq-restart "pluto A did not restart"; return; }
	if [ "$stale" = 2 ] && wait_until 5 sh -c "[ \$(ip -n $A xfrm state | grep -c ^src) = 0 ] && [ \$(ip -n $A xfrm policy | grep -c 'dir ') = 0 ]"; then
		pass rq-restart-no-stale
	else fail rq-restart-no-stale "before restart $stale SAs with reqid 1234; after: $(nsa "$A") SAs $(npol "$A") policies"; fi
	pluto_stop "$da"; pluto_stop "$db"
}

part_xu() {
	local da=$TMP/ua db=$TMP/ub
	conf "$da" xfrm; conf "$db" userspace
	pluto_start "$A" "$da" || { fail xu-start "pluto A"; return; }
	pluto_start "$B" "$db" || { fail xu-start "pluto B"; return; }
	if cy_auto "$A" "$da" --up t >"$TMP/up.out" 2>&1; then pass xu-up
	else fail xu-up "$(tail -3 "$TMP/up.out" | tr '\n' '|')"; logs "$da/pluto.log" "$db/pluto.log"; return; fi
	traffic_checks xu "$A" "$B"
	if ping_through "$B" 203.0.113.1 198.51.100.1; then pass xu-ping-reverse; else fail xu-ping-reverse "no reply"; fi
	cy_auto "$B" "$db" --down t >/dev/null 2>&1
	if wait_until 5 sh -c "[ \$(ip -n $A xfrm state | grep -c ^src) = 0 ] && [ \$(ip -n $A xfrm policy | grep -c 'dir ') = 0 ]"; then
		pass xu-peer-delete-clears-kernel
	else
		fail xu-peer-delete-clears-kernel "A has $(nsa "$A") SAs $(npol "$A") policies"
	fi
	pluto_stop "$da"; pluto_stop "$db"
}

# NAT: A (192.0.2.1, protected 203.0.113.65) -- N (192.0.2.254 | 198.51.100.254,
# masquerading towards B) -- B (198.51.100.2, protected 203.0.113.1).  B sees A as
# 198.51.100.254 (left=%any on B); both must float to UDP 4500 and the kernels
# en/decapsulate ESP-in-UDP.
part_nat() {
	local N=${TAG}n da=$TMP/na db=$TMP/nb
	netns_add "$A" && netns_add "$B" && netns_add "$N" || { fail nat-setup "namespaces"; return; }
	ip -n "$A" link add va type veth peer name na netns "$N"
	ip -n "$B" link add vb type veth peer name nb netns "$N"
	ip -n "$A" addr add 192.0.2.1/24 dev va; ip -n "$N" addr add 192.0.2.254/24 dev na
	ip -n "$N" addr add 198.51.100.254/24 dev nb; ip -n "$B" addr add 198.51.100.2/24 dev vb
	ip -n "$A" addr add 203.0.113.65/32 dev lo; ip -n "$B" addr add 203.0.113.1/32 dev lo
	for l in "$A va" "$B vb" "$N na" "$N nb"; do set -- $l; ip -n "$1" link set "$2" up; done
	ip -n "$A" route add default via 192.0.2.254
	ip -n "$B" route add default via 198.51.100.254
	ip netns exec "$N" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$N" nft -f - <<'NFT' || { fail nat-setup "nft masquerade"; return; }
table ip cynat {
	chain post {
		type nat hook postrouting priority 100; policy accept;
		oifname "nb" masquerade
	}
}
NFT
	mkdir -p "$da" "$db"
	for d in "$da" "$db"; do
		cat >"$d/ipsec.conf" <<CONF
config setup
	protostack=xfrm

conn t
	left=192.0.2.1
	leftid=@west
	leftsubnet=203.0.113.65/32
	right=198.51.100.2
	rightid=@east
	rightsubnet=203.0.113.1/32
	authby=secret
	ike=aes_gcm256-sha2_256-dh19
	esp=aes_gcm256
	auto=add
CONF
		printf '@west @east : PSK "vm-guest-nat-%s-psk"\n' "$TAG" >"$d/ipsec.secrets"
	done
	# B sees the peer as 198.51.100.254 (after NAT): right=%any on B; A
	# probes liveness every second (what tells B of a new NAT mapping)
	sed -i 's/left=192.0.2.1/left=%any/' "$db/ipsec.conf"
	sed -i 's/^\tauto=add/\tdpddelay=1s\n&/' "$da/ipsec.conf"
	pluto_start "$A" "$da" || { fail nat-start "pluto A"; return; }
	pluto_start "$B" "$db" || { fail nat-start "pluto B"; return; }
	if cy_auto "$A" "$da" --up t >"$TMP/up.out" 2>&1; then pass nat-up
	else fail nat-up "$(tail -3 "$TMP/up.out" | tr '\n' '|')"; logs "$da/pluto.log" "$db/pluto.log"; return; fi
	if [ "$(ip -n "$A" xfrm state | grep -c 'encap type espinudp sport 4500 dport 4500')" = 2 ]; then pass nat-udp-encap-sa
	else fail nat-udp-encap-sa "$(ip -n "$A" xfrm state | grep encap | sort | uniq -c | tr '\n' '|')"; fi
	local before; before=$(esp_pkts "$B")
	if ping_through "$A" 203.0.113.65 203.0.113.1; then pass nat-ping; else
		fail nat-ping "no reply"
		for n in "$A" "$N" "$B"; do echo "--- $n"; ip -n "$n" -s xfrm state | grep -v 'enc \|aead \|auth'; ip -n "$n" xfrm policy; ip -n "$n" route; done
		ip netns exec "$A" cat /proc/net/xfrm_stat | grep -v ' 0$'; ip netns exec "$B" cat /proc/net/xfrm_stat | grep -v ' 0$'
		logs "$da/pluto.log" "$db/pluto.log"
	fi
	if [ $(($(esp_pkts "$B") - before)) -ge 3 ]; then pass nat-kernel-decap
	else fail nat-kernel-decap "B's SA counters $before -> $(esp_pkts "$B")"; fi
	nat_rebind "$N" "$db"
	cy_auto "$A" "$da" --down t >/dev/null 2>&1
	pluto_stop "$da"; pluto_stop "$db"
}

# nat_rebind N DIR_B: the NAT forgets its mappings (a fresh conntrack zone)
# and maps A's UDP 4500 to 40500 (RFC 7296 §2.23): A's next liveness probe
# moves B's IKE SA, B's kernel SAs follow (update_sa: B's outbound ESP to
# the new port), and ping passes both ways again.
nat_rebind() {
	local n=$1 db=$2
	ip netns exec "$n" nft -f - <<'NFT' || { fail nat-rebind-setup "nft"; return; }
table ip raw {
	chain pre {
		type filter hook prerouting priority raw; policy accept;
		ct zone set 1
	}
}
flush chain ip cynat post
add rule ip cynat post oifname "nb" meta l4proto udp masquerade to :40500
add rule ip cynat post oifname "nb" masquerade
NFT
	if wait_until 15 grep -q "Child SA follows the peer to port 40500" "$db/pluto.log"; then pass nat-rebind-logged
	else fail nat-rebind-logged "$(grep -E 'moved|follows' "$db/pluto.log" | tr '\n' '|')"; fi
	if ip -n "$B" xfrm state | grep -q 'encap type espinudp sport 4500 dport 40500'; then pass nat-rebind-kernel-sa
	else fail nat-rebind-kernel-sa "$(ip -n "$B" xfrm state | grep encap | tr '\n' '|')"; fi
	if ping_through "$A" 203.0.113.65 203.0.113.1; then pass nat-rebind-ping; else fail nat-rebind-ping "no reply"; fi
	if ping_through "$B" 203.0.113.1 203.0.113.65; then pass nat-rebind-ping-from-b
	else fail nat-rebind-ping-from-b "no reply"; fi
}

# ---- helpers for rt and rk -------------------------------------------------

# policies NS: the kernel's policies, one line each (ip xfrm policy's lines
# joined), without the daemon's per-socket bypass policies
policies() {
	ip -n "$1" xfrm policy | awk '/^src/ { if (l != "") print l; l = $0; next } { l = l " " $0 } END { if (l != "") print l }' |
		tr -s ' \t' '  ' | grep -v ' socket '
}
# routing NS DIR: the conn's routing in `whack --status` ("prospective erouted", ...)
routing() { cy_whack "$1" "$2" --status 2>/dev/null | sed -n 's/^000 "t": .*; \([a-z ]*\); eroute owner: .*/\1/p'; }
# sas_reqid NS REQID: the namespace's SAs with that reqid
sas_reqid() { ip -n "$1" xfrm state | grep -c "reqid $2 mode"; }
route220() { ip -n "$1" route show table 220 | grep -q '^203\.0\.113\.0/24'; }
ping1() { ip netns exec "$1" ping -c 1 -W 1 -I "$2" "$3"; }
ondemand() { grep -c 'initiating on demand' "$1/pluto.log"; }
# trap_only NS: exactly one policy, the outbound trap
trap_only() { [ "$(npol "$1")" = 1 ] && policies "$1" | grep -q ' dir out '; }
no_sa() { [ "$(nsa "$1")" = 0 ]; }
# keep_logs PART DIR_A DIR_B: the daemons' logs (and the part's background
# ping, $TMP/PART.ping) into the results folder ($BUILD/vm-out)
keep_logs() {
	[ -n "${VM_OUT_DIR:-}" ] || return 0
	cp "$2/pluto.log" "$VM_OUT_DIR/$1-a-pluto.log" 2>/dev/null
	cp "$3/pluto.log" "$VM_OUT_DIR/$1-b-pluto.log" 2>/dev/null
	cp "$TMP/$1.ping" "$VM_OUT_DIR/$1-ping.log" 2>/dev/null
}
# sa_ids NS DIR [swap]: "ike SPI_I SPI_R" and "child SPI_IN SPI_OUT" (swap: as
# the peer sees them) of the established SAs, sorted; one whack call (the
# fuller sa_summary of e2e.sh forks a sed per field, seconds under TCG)
sa_ids() {
	local c='child \1 \2'
	[ -n "${3:-}" ] && c='child \2 \1'
	cy_whack "$1" "$2" --status --json 2>/dev/null | sed -n '/"established":true/ {
		s/.*"kind":"ike".*"spi_i":"\([0-9a-f]*\)","spi_r":"\([0-9a-f]*\)".*/ike \1 \2/p
		s/.*"kind":"child".*"spi_in":"\([0-9a-f]*\)","spi_out":"\([0-9a-f]*\)".*/'"$c"'/p
	}' | sort
}
# one_each DIR_A DIR_B: each daemon has exactly two states in --showstates,
# one established IKE SA and one established Child SA, and both agree on
# their SPIs (left in SA_A and SA_B)
one_each() {
	local ns d
	for ns in "$A:$1" "$B:$2"; do
		d=$(cy_whack "${ns%%:*}" "${ns#*:}" --showstates 2>/dev/null | grep ' STATE_')
		[ "$(grep -c . <<<"$d")$(grep -c STATE_V2_ESTABLISHED_IKE_SA <<<"$d")$(grep -c STATE_V2_ESTABLISHED_CHILD_SA <<<"$d")" = 211 ] || return 1
	done
	SA_A=$(sa_ids "$A" "$1") SA_B=$(sa_ids "$B" "$2" swap)
	[ "$(grep -c '^ike ' <<<"$SA_A")$(grep -c '^child ' <<<"$SA_A")" = 11 ] && [ "$SA_A" = "$SA_B" ]
}

# ping_gaps FILE: echo requests lost between the first and the last reply
# of a ping's output (the last requests, in flight when ping was stopped,
# do not count); -1 without replies
ping_gaps() {
	sed -n 's/.*icmp_seq=\([0-9]*\) .*/\1/p' "$1" | sort -n | uniq |
		awk 'NR == 1 { lo = $1 } { hi = $1; n++ } END { print (n ? hi - lo + 1 - n : -1) }'
}
ping_replies() { grep -c 'icmp_seq=' "$1"; }
replies_ge() { [ "$(ping_replies "$1")" -ge "$2" ]; }
# ping_bg NS SRC DST FILE: a ping every 0.2 s in the background; pid in PING_PID
ping_bg() {
	ip netns exec "$1" ping -D -i 0.2 -W 2 -I "$2" "$3" >"$4" 2>&1 &
	PING_PID=$!
	_PIDS+=("$PING_PID")
}
ping_stop() { kill -INT "$PING_PID" 2>/dev/null; wait "$PING_PID" 2>/dev/null; }

# Trap policies (`ipsec auto --route`, issue 7 §3) with the kernel: a routed
# conn is one outbound policy with a template and no SA; traffic makes the
# kernel send an ACQUIRE and Cygnet initiates; --down and a delete from the
# peer leave the trap; --unroute removes it.
part_rt() {
	local da=$TMP/ra db=$TMP/rb p reqid n t0 ike0 spi0 gaps
	conf "$da" xfrm; conf "$db" xfrm
	pluto_start "$A" "$da" || { fail rt-start "pluto A"; return; }
	pluto_start "$B" "$db" || { fail rt-start "pluto B"; return; }
	expect rt-route-silent 0 - -- cy_auto "$A" "$da" --route t
	p=$(policies "$A")
	reqid=$(sed -n 's/.* reqid \([0-9]*\) .*/\1/p' <<<"$p")
	if [ "$(npol "$A")" = 1 ] &&
	   grep -qE '^src 198\.51\.100\.0/24 dst 203\.0\.113\.0/24 dir out .*tmpl src 192\.0\.2\.1 dst 192\.0\.2\.2 proto esp reqid [0-9]+ mode tunnel' <<<"$p" &&
	   [ -n "$reqid" ] && [ $((reqid >> 16)) = $((0x4359)) ]; then
		pass rt-route-trap-policy
	else
		fail rt-route-trap-policy "$(npol "$A") policies: $p"
	fi
	[ "$(nsa "$A")" = 0 ] && pass rt-route-no-sa || fail rt-route-no-sa "$(ip -n "$A" xfrm state | head -3 | tr '\n' '|')"
	[ "$(routing "$A" "$da")" = "prospective erouted" ] && pass rt-route-status || fail rt-route-status "'$(routing "$A" "$da")'"
	route220 "$A" && pass rt-route-table220 || fail rt-route-table220 "$(ip -n "$A" route show table 220 | tr '\n' '|')"

	# traffic brings it up (the first packets are dropped while the SA is negotiated)
	if wait_until 20 ping1 "$A" 198.51.100.1 203.0.113.1; then pass rt-ondemand-ping
	else fail rt-ondemand-ping "no reply; $(tail -5 "$da/pluto.log" | tr '\n' '|')"; fi
	if [ "$(nsa "$A")" = 2 ] && [ "$(sas_reqid "$A" "$reqid")" = 2 ] && [ "$(npol "$A")" = 3 ] &&
	   [ "$(policies "$A" | grep ' dir out ' | grep -c "reqid $reqid ")" = 1 ]; then pass rt-ondemand-sas-trap-reqid
	else fail rt-ondemand-sas-trap-reqid "$(nsa "$A") SAs, $(sas_reqid "$A" "$reqid") with reqid $reqid; $(npol "$A") policies"; fi
	grep -q 'initiating on demand: acquire from 198.51.100.1/32 to 203.0.113.1/32 proto 1' "$da/pluto.log" &&
		pass rt-ondemand-log || fail rt-ondemand-log "$(grep 'on demand' "$da/pluto.log" | head -2)"
	[ "$(routing "$A" "$da")" = erouted ] && pass rt-ondemand-status || fail rt-ondemand-status "'$(routing "$A" "$da")'"
	traffic_checks rt "$A" "$B"
	[ "$(ondemand "$da")" = 1 ] && [ "$(n_states "$A" "$da" CHILD)" = 1 ] && pass rt-ondemand-once ||
		fail rt-ondemand-once "$(ondemand "$da") initiations, $(n_states "$A" "$da" CHILD) Child SAs"

	# --unroute while up is refused; the tunnel carries on
	expect rt-unroute-busy 26 '026 "t": cannot unroute: route busy' -- cy_auto "$A" "$da" --unroute t
	if [ "$(nsa "$A")" = 2 ] && [ "$(npol "$A")" = 3 ] && ping1 "$A" 198.51.100.1 203.0.113.1 >/dev/null 2>&1; then
		pass rt-unroute-busy-keeps-tunnel
	else fail rt-unroute-busy-keeps-tunnel "$(nsa "$A") SAs $(npol "$A") policies"; fi

	# --down: the SAs and the in/fwd policies go, the trap stays
	cy_auto "$A" "$da" --down t >/dev/null 2>&1
	if wait_until 5 no_sa "$A" && trap_only "$A" &&
	   [ "$(routing "$A" "$da")" = "prospective erouted" ]; then pass rt-down-keeps-trap
	else fail rt-down-keeps-trap "$(nsa "$A") SAs; policies: $(policies "$A" | cut -c1-60 | tr '\n' '|'); '$(routing "$A" "$da")'"; fi
	if wait_until 20 ping1 "$A" 198.51.100.1 203.0.113.1 && [ "$(ondemand "$da")" = 2 ] && [ "$(nsa "$A")" = 2 ]; then
		pass rt-ondemand-after-down
	else fail rt-ondemand-after-down "$(ondemand "$da") initiations, $(nsa "$A") SAs"; fi

	# the peer deletes: again a trap, and traffic brings it up again
	cy_auto "$B" "$db" --down t >/dev/null 2>&1
	if wait_until 5 no_sa "$A" && trap_only "$A" &&
	   [ "$(routing "$A" "$da")" = "prospective erouted" ]; then pass rt-peer-delete-keeps-trap
	else fail rt-peer-delete-keeps-trap "$(nsa "$A") SAs; policies: $(policies "$A" | cut -c1-60 | tr '\n' '|'); '$(routing "$A" "$da")'"; fi
	if wait_until 20 ping1 "$A" 198.51.100.1 203.0.113.1 && [ "$(ondemand "$da")" = 3 ] && [ "$(nsa "$A")" = 2 ]; then
		pass rt-ondemand-after-peer-delete
	else fail rt-ondemand-after-peer-delete "$(ondemand "$da") initiations, $(nsa "$A") SAs"; fi

	# --down, then --unroute: nothing left in A's kernel
	cy_auto "$A" "$da" --down t >/dev/null 2>&1
	wait_until 5 no_sa "$A"
	expect rt-unroute-silent 0 - -- cy_auto "$A" "$da" --unroute t
	if [ "$(nsa "$A")" = 0 ] && [ "$(npol "$A")" = 0 ] && ! route220 "$A" && [ "$(routing "$A" "$da")" = unrouted ]; then
		pass rt-unroute-clean
	else fail rt-unroute-clean "$(nsa "$A") SAs $(npol "$A") policies; table 220: $(ip -n "$A" route show table 220 | tr '\n' '|'); '$(routing "$A" "$da")'"; fi

	# routed while up: the Child SA's outbound policy becomes the trap
	cy_auto "$A" "$da" --up t >/dev/null 2>&1
	p=$(policies "$A" | grep ' dir out ')
	expect rt-route-while-up 0 - -- cy_auto "$A" "$da" --route t
	if [ "$(nsa "$A")" = 2 ] && [ "$(npol "$A")" = 3 ] && [ "$(policies "$A" | grep ' dir out ')" = "$p" ] &&
	   [ "$(routing "$A" "$da")" = erouted ]; then pass rt-route-while-up-same-policies
	else fail rt-route-while-up-same-policies "$(nsa "$A") SAs $(npol "$A") policies, '$(routing "$A" "$da")'"; fi
	cy_auto "$A" "$da" --down t >/dev/null 2>&1
	if wait_until 5 no_sa "$A" && trap_only "$A" && [ "$(routing "$A" "$da")" = "prospective erouted" ] && route220 "$A"; then
		pass rt-route-while-up-down-keeps-trap
	else fail rt-route-while-up-down-keeps-trap "$(nsa "$A") SAs; policies: $(policies "$A" | cut -c1-60 | tr '\n' '|'); '$(routing "$A" "$da")'"; fi
	if wait_until 20 ping1 "$A" 198.51.100.1 203.0.113.1 && [ "$(ondemand "$da")" = 4 ] && [ "$(nsa "$A")" = 2 ]; then
		pass rt-route-while-up-ondemand
	else fail rt-route-while-up-ondemand "$(ondemand "$da") initiations, $(nsa "$A") SAs"; fi
	cy_auto "$A" "$da" --down t >/dev/null 2>&1
	wait_until 5 no_sa "$A"
	cy_auto "$A" "$da" --unroute t >/dev/null 2>&1
	[ "$(npol "$A")" = 0 ] && ! route220 "$A" && pass rt-route-while-up-unroute || fail rt-route-while-up-unroute "$(npol "$A") policies"

	# B restarts with auto=route (routed at start-up) and initiates on
	# traffic; A, its conn unrouted now, is a plain responder.  B has
	# ikelifetime=25s, rekeymargin=20s: it rekeys the IKE SA ~5 s after it
	# came up, with a ping every 0.2 s running across; the Child SA moves to
	# the new IKE SA, its kernel SAs stay (same SPIs, the trap's reqid) and
	# carry traffic throughout.
	pluto_stop "$db"
	sed -i 's/^\tauto=add/\tikelifetime=25s\n\trekeymargin=20s\n\trekeyfuzz=0%\n\tauto=route/' "$db/ipsec.conf"
	pluto_start "$B" "$db" || { fail rt-restart "pluto B"; return; }
	if wait_until 5 trap_only "$B" && [ "$(routing "$B" "$db")" = "prospective erouted" ] &&
	   policies "$B" | grep -q '^src 203\.0\.113\.0/24 dst 198\.51\.100\.0/24 dir out '; then pass rt-auto-route-peer
	else fail rt-auto-route-peer "$(policies "$B" | tr '\n' '|'); '$(routing "$B" "$db")'"; fi
	reqid=$(policies "$B" | sed -n 's/.* reqid \([0-9]*\) .*/\1/p')
	# the ping is the traffic that brings the tunnel up
	ping_bg "$B" 203.0.113.1 198.51.100.1 "$TMP/rt.ping"
	if wait_until 20 replies_ge "$TMP/rt.ping" 1 && [ "$(ondemand "$db")" = 1 ] &&
	   [ "$(n_states "$A" "$da" CHILD)" = 1 ] && [ "$(nsa "$A")" = 2 ]; then pass rt-ondemand-from-peer
	else fail rt-ondemand-from-peer "$(ondemand "$db") initiations; A $(n_states "$A" "$da" CHILD) Child SAs"; fi
	t0=$SECONDS
	ike0=$(sa_ids "$B" "$db" | grep '^ike '); spi0=$(esp_spis "$B")
	if ping_through "$A" 198.51.100.1 203.0.113.1; then pass rt-responder-ping; else fail rt-responder-ping "no reply"; fi
	if wait_until 30 grep -q 'initiator rekeyed IKE SA' "$db/pluto.log"; then pass rk-ike-rekeyed
	else fail rk-ike-rekeyed "no 'initiator rekeyed IKE SA' in B's log: $(tail -4 "$db/pluto.log" | tr '\n' '|')"; fi
	echo "# rk: IKE SA rekeyed $((SECONDS - t0)) s after up"
	# replies after the rekey, then stop the ping
	n=$(ping_replies "$TMP/rt.ping")
	wait_until 10 replies_ge "$TMP/rt.ping" $((n + 5))
	ping_stop
	gaps=$(ping_gaps "$TMP/rt.ping")
	echo "# rk: ping $(ping_replies "$TMP/rt.ping") replies, $gaps lost between the first and the last"
	if replies_ge "$TMP/rt.ping" $((n + 5)) && [ "$n" -ge 10 ] && [ "$gaps" -ge 0 ] && [ "$gaps" -le 1 ]; then
		pass rk-ping-survives
	else fail rk-ping-survives "$n replies before the rekey, $(ping_replies "$TMP/rt.ping") in all, $gaps lost in between"; fi
	if [ "$(esp_spis "$B")" = "$spi0" ] && [ "$(sas_reqid "$B" "$reqid")" = 2 ] && [ "$(nsa "$B")" = 2 ] &&
	   [ "$(npol "$B")" = 3 ] && [ "$(nsa "$A")" = 2 ]; then pass rk-kernel-sas-kept
	else fail rk-kernel-sas-kept "B's SPIs $spi0 -> $(esp_spis "$B"), $(sas_reqid "$B" "$reqid") with the trap's reqid, $(npol "$B") policies; A $(nsa "$A") SAs"; fi
	# the old IKE SA is gone on both sides; both agree on the new one
	if wait_until 5 one_each "$da" "$db" && [ -n "$ike0" ] && ! grep -qF "$ike0" <<<"$SA_A"; then pass rk-one-ike-one-child
	else fail rk-one-ike-one-child "A [$(cy_whack "$A" "$da" --showstates | tr '\n' '|')] B [$(cy_whack "$B" "$db" --showstates | tr '\n' '|')]"; fi
	# pluto stops with its conn routed and up: nothing left behind, and the
	# peer hears of it
	pluto_stop "$db"
	if [ "$(nsa "$B")" = 0 ] && [ "$(npol "$B")" = 0 ] && [ -z "$(ip -n "$B" route show table 220)" ] &&
	   wait_until 5 no_sa "$A" && [ "$(npol "$A")" = 0 ]; then pass rt-stop-routed-clean
	else fail rt-stop-routed-clean "B: $(nsa "$B") SAs $(npol "$B") policies [$(ip -n "$B" route show table 220 | tr '\n' '|')]; A: $(nsa "$A") SAs $(npol "$A") policies"; fi
	pluto_stop "$da"
	keep_logs rt "$da" "$db"
}

# Libreswan's own pluto, private paths in guest tmpfs
ls_start() {
	local ns=$1 d=$2
	mkdir -p "$d/run" "$d/nss" "$d/ipsec.d"
	/usr/sbin/ipsec initnss --nssdir "$d/nss" >"$d/initnss.log" 2>&1 || return 1
	ip netns exec "$ns" "$LS/pluto" --nofork --config "$d/ipsec.conf" --secretsfile "$d/ipsec.secrets" \
		--rundir "$d/run" --nssdir "$d/nss" --ipsecdir "$d/ipsec.d" --logfile "$d/pluto.log" 2>"$d/pluto.stderr" &
	local pid=$!
	_PIDS+=("$pid")
	echo "$pid" >"$d/pluto.testpid"
	wait_until 20 test -S "$d/run/pluto.ctl" || return 1
	ip netns exec "$ns" "$LS/addconn" --ctlsocket "$d/run/pluto.ctl" --config "$d/ipsec.conf" t >"$d/addconn.log" 2>&1
}
ls_whack() { local ns=$1 d=$2; shift 2; ip netns exec "$ns" "$LS/whack" --ctlsocket "$d/run/pluto.ctl" "$@"; }

# ls_one_each DIR_LIBRESWAN DIR_CYGNET: one IKE SA and one Child SA established in each
ls_one_each() {
	local l; l=$(ls_whack "$A" "$1" --showstates 2>/dev/null)
	[ "$(grep -c STATE_V2_ESTABLISHED_IKE_SA <<<"$l")$(grep -c STATE_V2_ESTABLISHED_CHILD_SA <<<"$l")" = 11 ] &&
	[ "$(n_states "$B" "$2" IKE)$(n_states "$B" "$2" CHILD)" = 11 ]
}

# in_nostates NS: the kernel's XfrmInNoStates counter (ESP for an SPI it has no SA for)
in_nostates() { ip netns exec "$1" awk '$1 == "XfrmInNoStates" { print $2 }' /proc/net/xfrm_stat; }

# esp_spis NS: the sorted SPIs of the namespace's SAs
esp_spis() { ip -n "$1" xfrm state | sed -n 's/.*spi \(0x[0-9a-f]*\).*/\1/p' | sort | tr '\n' ' '; }

part_ls() {
	local dl=$TMP/la dc=$TMP/lb n n0
	[ -x "$LS/pluto" ] || { env_skip ls "Libreswan's pluto not installed ($LS/pluto)"; return; }
	conf "$dl" xfrm 192.0.2.2 "	leftupdown=/bin/true" "	dnssec-enable=no"
	conf "$dc" xfrm
	ls_start "$A" "$dl" || { fail ls-start "Libreswan pluto: $(tail -5 "$dl/pluto.log" "$dl/initnss.log" 2>&1 | tr '\n' '|')"; return; }
	pluto_start "$B" "$dc" || { fail ls-start "Cygnet pluto"; return; }
	# 1. Libreswan initiates
	if ls_whack "$A" "$dl" --name t --initiate >"$TMP/lsup.out" 2>&1 && [ "$(nsa "$A")" = 2 ]; then pass ls-up-libreswan-initiates
	else fail ls-up-libreswan-initiates "$(tail -3 "$TMP/lsup.out" | tr '\n' '|')"; logs "$dl/pluto.log" "$dc/pluto.log"; fi
	traffic_checks ls-l "$A" "$B"
	# rekey of the Child SA from Libreswan
	local s0; s0=$(esp_spis "$B")
	ls_whack "$A" "$dl" --name t --rekey-ipsec >/dev/null 2>&1
	if wait_until 10 sh -c "[ \"\$(ip -n $B xfrm state | sed -n 's/.*spi \(0x[0-9a-f]*\).*/\1/p' | sort | tr '\n' ' ')\" != '$s0' ]" &&
	   ping_through "$A" 198.51.100.1 203.0.113.1; then pass ls-rekey-child-from-libreswan
	else fail ls-rekey-child-from-libreswan "SPIs on Cygnet's side unchanged ($s0) or no ping after"; fi
	# Libreswan rekeys the IKE SA (Cygnet responds) with a ping running
	s0=$(esp_spis "$B")
	ping_bg "$A" 198.51.100.1 203.0.113.1 "$TMP/lsi.ping"
	wait_until 5 replies_ge "$TMP/lsi.ping" 1
	ls_whack "$A" "$dl" --name t --rekey-ike >"$TMP/lsrk.out" 2>&1
	if wait_until 10 grep -q 'responder rekeyed IKE SA' "$dc/pluto.log" &&
	   wait_until 5 grep -q 'initiator rekeyed IKE SA' "$dl/pluto.log" && wait_until 5 ls_one_each "$dl" "$dc"; then
		pass ls-rekey-ike-from-libreswan
	else fail ls-rekey-ike-from-libreswan "$(tail -2 "$TMP/lsrk.out" | tr '\n' '|'); Cygnet [$(cy_whack "$B" "$dc" --showstates | tr '\n' '|')]"; fi
	n=$(ping_replies "$TMP/lsi.ping")
	wait_until 5 replies_ge "$TMP/lsi.ping" $((n + 3))
	ping_stop
	if [ "$(esp_spis "$B")" = "$s0" ] && replies_ge "$TMP/lsi.ping" $((n + 3)) && [ "$(ping_gaps "$TMP/lsi.ping")" -le 1 ]; then
		pass ls-rekey-ike-from-libreswan-traffic
	else fail ls-rekey-ike-from-libreswan-traffic "SPIs $s0 -> $(esp_spis "$B"); ping $(ping_replies "$TMP/lsi.ping") replies, $(ping_gaps "$TMP/lsi.ping") lost"; fi
	# Cygnet, the original responder, rekeys on command: IKE SA, then Child SA
	if cy_whack "$B" "$dc" --name t --rekey-ike >"$TMP/cyrk.out" 2>&1 && grep -q 'initiator rekeyed IKE SA' "$TMP/cyrk.out" &&
	   wait_until 5 grep -q 'responder rekeyed IKE SA' "$dl/pluto.log" && wait_until 5 ls_one_each "$dl" "$dc" &&
	   ping_through "$A" 198.51.100.1 203.0.113.1; then pass ls-whack-rekey-ike-from-cygnet
	else fail ls-whack-rekey-ike-from-cygnet "$(tr '\n' '|' <"$TMP/cyrk.out")"; fi
	s0=$(esp_spis "$A")
	if cy_whack "$B" "$dc" --name t --rekey-ipsec >"$TMP/cyrk.out" 2>&1 && grep -q 'rekeyed Child SA' "$TMP/cyrk.out" &&
	   [ "$(esp_spis "$A")" != "$s0" ] && wait_until 5 ls_one_each "$dl" "$dc" &&
	   ping_through "$A" 198.51.100.1 203.0.113.1; then pass ls-whack-rekey-ipsec-from-cygnet
	else fail ls-whack-rekey-ipsec-from-cygnet "$(tr '\n' '|' <"$TMP/cyrk.out"); Libreswan's SPIs $s0 -> $(esp_spis "$A")"; fi
	# Libreswan deletes: Cygnet's kernel state must go
	ls_whack "$A" "$dl" --name t --terminate >/dev/null 2>&1
	if wait_until 10 sh -c "[ \$(ip -n $B xfrm state | grep -c ^src) = 0 ] && [ \$(ip -n $B xfrm policy | grep -c 'dir ') = 0 ]"; then
		pass ls-delete-from-libreswan
	else fail ls-delete-from-libreswan "Cygnet keeps $(nsa "$B") SAs $(npol "$B") policies"; fi
	# 2. Cygnet initiates, with short lifetimes so that it rekeys the IKE SA
	# itself after ~6 s and the Child SA after ~10 s (over the new IKE SA)
	sed 's/^\tauto=add/\tsalifetime=60s\n\tikelifetime=56s\n\trekeymargin=50s\n\trekeyfuzz=0%\n&/' "$dc/ipsec.conf" >"$dc/rekey.conf"
	cy_auto "$B" "$dc" --config "$dc/rekey.conf" --replace t >"$TMP/replace.out" 2>&1 ||
		fail ls-replace "$(head -3 "$TMP/replace.out" | tr '\n' '|')"
	n0=$(grep -c 'initiator rekeyed IKE SA' "$dc/pluto.log"):$(grep -c 'responder rekeyed IKE SA' "$dl/pluto.log")
	if cy_auto "$B" "$dc" --up t >"$TMP/cyup.out" 2>&1; then pass ls-up-cygnet-initiates; s0=$(esp_spis "$A")
	else fail ls-up-cygnet-initiates "$(tail -3 "$TMP/cyup.out" | tr '\n' '|')"; logs "$dl/pluto.log" "$dc/pluto.log"; fi
	ping_bg "$B" 203.0.113.1 198.51.100.1 "$TMP/lsc.ping"
	traffic_checks ls-c "$A" "$B"
	if ping_through "$B" 203.0.113.1 198.51.100.1; then pass ls-c-ping-reverse; else fail ls-c-ping-reverse "no reply"; fi
	: >"$TMP/rk.out"
	if wait_until 25 sh -c "[ \"\$(ip -n $A xfrm state | sed -n 's/.*spi \(0x[0-9a-f]*\).*/\1/p' | sort | tr '\n' ' ')\" != '$s0' ]" &&
	   ping_through "$A" 198.51.100.1 203.0.113.1; then pass ls-rekey-child-from-cygnet
	else fail ls-rekey-child-from-cygnet "Libreswan's SPIs unchanged ($s0): $(head -2 "$TMP/rk.out" | tr '\n' '|')"; fi
	if [ "$(grep -c 'initiator rekeyed IKE SA' "$dc/pluto.log")" -gt "${n0%:*}" ] &&
	   [ "$(grep -c 'responder rekeyed IKE SA' "$dl/pluto.log")" -gt "${n0#*:}" ] &&
	   wait_until 5 ls_one_each "$dl" "$dc"; then pass ls-rekey-ike-from-cygnet
	else fail ls-rekey-ike-from-cygnet "$(grep -c 'rekeyed IKE SA' "$dc/pluto.log") IKE rekeys in Cygnet's log; Cygnet [$(cy_whack "$B" "$dc" --showstates | tr '\n' '|')]"; fi
	n=$(ping_replies "$TMP/lsc.ping")
	wait_until 5 replies_ge "$TMP/lsc.ping" $((n + 3))
	ping_stop
	echo "# ls: ping across Cygnet's IKE and Child SA rekeys: $(ping_replies "$TMP/lsc.ping") replies, $(ping_gaps "$TMP/lsc.ping") lost between the first and the last;" \
		"kernel drops, no SA for an inbound SPI: Cygnet's side $(in_nostates "$B"), Libreswan's $(in_nostates "$A")"
	if replies_ge "$TMP/lsc.ping" $((n + 3)) && [ "$(ping_gaps "$TMP/lsc.ping")" -le 1 ]; then pass ls-rekeys-from-cygnet-traffic
	else fail ls-rekeys-from-cygnet-traffic "ping $(ping_replies "$TMP/lsc.ping") replies, $(ping_gaps "$TMP/lsc.ping") lost"; fi
	cy_auto "$B" "$dc" --down t >/dev/null 2>&1
	if wait_until 10 sh -c "[ \$(ip -n $A xfrm state | grep -c ^src) = 0 ] && [ \$(ip -n $B xfrm state | grep -c ^src) = 0 ] && [ \$(ip -n $B xfrm policy | grep -c 'dir ') = 0 ]"; then
		pass ls-delete-from-cygnet
	else fail ls-delete-from-cygnet "Libreswan keeps $(nsa "$A") SAs; Cygnet $(nsa "$B") SAs $(npol "$B") policies"; fi
	pluto_stop "$dc"; pluto_stop "$dl"
	[ -n "${VM_OUT_DIR:-}" ] && cp "$dl/pluto.log" "$VM_OUT_DIR/libreswan-pluto.log" 2>/dev/null
	[ -n "${VM_OUT_DIR:-}" ] && cp "$dc/pluto.log" "$VM_OUT_DIR/cygnet-pluto-ls.log" 2>/dev/null
	[ -n "${VM_OUT_DIR:-}" ] && cp "$TMP/lsi.ping" "$VM_OUT_DIR/ls-rekey-ike-ping.log" 2>/dev/null
	[ -n "${VM_OUT_DIR:-}" ] && cp "$TMP/lsc.ping" "$VM_OUT_DIR/ls-rekeys-cygnet-ping.log" 2>/dev/null
}

# Kernel extras (xfrm <-> xfrm): XFRM marks (mark=), automatic and explicit
# policy priorities, tfc= (XFRMA_TFCPAD), byte lifetimes (the kernel's
# XFRM_MSG_EXPIRE -> Child SA rekey), whack --rekey-ipsec/--rekey-ike.
part_kx() {
	local da=$TMP/ka db=$TMP/kb
	conf "$da" xfrm 192.0.2.2 "	mark=0x2a/0xff
	tfc=1000
	ipsec-max-bytes=120000"
	conf "$db" xfrm 192.0.2.2 "	priority=100
	ipsec-max-bytes=120000"
	# A's traffic must carry the mark to match its marked policies and SAs
	ip netns exec "$A" nft -f - <<'NFT' || { fail kx-setup "nft"; return; }
table inet cymark {
	chain pre { type filter hook prerouting priority -150; policy accept; meta mark set 0x2a; }
	chain out { type route hook output priority -150; policy accept; meta mark set 0x2a; }
}
NFT
	pluto_start "$A" "$da" || { fail kx-start "pluto A"; return; }
	pluto_start "$B" "$db" || { fail kx-start "pluto B"; return; }
	if cy_auto "$A" "$da" --up t >"$TMP/up.out" 2>&1; then pass kx-up
	else fail kx-up "$(tail -3 "$TMP/up.out" | tr '\n' '|')"; logs "$da/pluto.log" "$db/pluto.log"; return; fi
	local nm; nm=$(ip -n "$A" xfrm state | grep -c 'mark 0x2a/0xff')
	[ "$nm" = 2 ] && pass kx-sa-marks || fail kx-sa-marks "$nm of 2 SAs marked: $(ip -n "$A" xfrm state | grep -i mark | tr '\n' '|')"
	nm=$(ip -n "$A" xfrm policy | grep -c 'mark 0x2a/0xff')
	[ "$nm" -ge 3 ] && pass kx-policy-marks || fail kx-policy-marks "$nm marked policies"
	# automatic priority for 198.51.100.0/24 <-> 203.0.113.0/24 on A; priority=100 on B
	if ip -n "$A" xfrm policy | grep -q "priority $(( (1 << 20) - 48 * 8 ))" && [ "$(ip -n "$B" xfrm policy | grep -c 'priority 100 ')" -ge 3 ]; then
		pass kx-priorities
	else
		fail kx-priorities "A: $(ip -n "$A" xfrm policy | grep -o 'priority [0-9]*' | sort -u | tr '\n' ' ') B: $(ip -n "$B" xfrm policy | grep -o 'priority [0-9]*' | sort -u | tr '\n' ' ')"
	fi
	ip -n "$A" xfrm state | grep -q 'tfcpad 1000' && pass kx-tfc-attr || fail kx-tfc-attr "$(ip -n "$A" xfrm state | grep -c tfcpad) SAs with tfcpad"
	ping_through "$A" 198.51.100.1 203.0.113.1 && pass kx-ping-marked || fail kx-ping-marked "no reply"
	# byte lifetime: 1 kB pings every 20 ms; soft at 60 kB (A initiated the IKE SA)
	local s0 n0; s0=$(esp_spis "$A") n0=$(grep -c 'soft lifetime of SA' "$da/pluto.log")
	ip netns exec "$A" ping -q -s 1000 -c 150 -i 0.02 -W 1 -I 198.51.100.1 203.0.113.1 >"$TMP/kx-ping.out" 2>&1
	local rx; rx=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$TMP/kx-ping.out")
	if [ "$(grep -c 'soft lifetime of SA' "$da/pluto.log")" -gt "$n0" ] && [ "$(esp_spis "$A")" != "$s0" ]; then
		pass kx-kernel-soft-expire-rekeys
	else
		fail kx-kernel-soft-expire-rekeys "SPIs $s0 -> $(esp_spis "$A"); $(grep -h 'lifetime\|expire' "$da/pluto.log" | tail -2 | tr '\n' '|')"
	fi
	[ "$rx" = 150 ] && pass kx-expire-rekey-no-loss || fail kx-expire-rekey-no-loss "$(grep transmitted "$TMP/kx-ping.out")"
	# whack --rekey-ipsec / --rekey-ike with the kernel's SAs
	s0=$(esp_spis "$A")
	if cy_whack "$A" "$da" --name t --rekey-ipsec >"$TMP/rk.out" 2>&1 && [ "$(esp_spis "$A")" != "$s0" ] &&
	   ping_through "$A" 198.51.100.1 203.0.113.1; then pass kx-whack-rekey-ipsec
	else fail kx-whack-rekey-ipsec "$(tail -2 "$TMP/rk.out" | tr '\n' '|')"; fi
	# the Child SA's SPIs must survive the IKE SA rekey; sample them once
	# the inbound SA replaced above stopped lingering (1 s, ike_glue.c)
	wait_until 5 nsa_is "$A" 2
	s0=$(esp_spis "$A")
	if cy_whack "$B" "$db" --name t --rekey-ike >"$TMP/rk.out" 2>&1 && [ "$(esp_spis "$A")" = "$s0" ] &&
	   ping_through "$A" 198.51.100.1 203.0.113.1; then pass kx-whack-rekey-ike-from-responder
	else fail kx-whack-rekey-ike-from-responder "$(tail -2 "$TMP/rk.out" | tr '\n' '|'); SPIs $s0 -> $(esp_spis "$A")"; fi
	cy_auto "$A" "$da" --down t >/dev/null 2>&1
	if wait_until 5 sh -c "[ \$(ip -n $A xfrm state | grep -c ^src) = 0 ] && [ \$(ip -n $A xfrm policy | grep -c 'dir ') = 0 ]"; then
		pass kx-down-removes-marked
	else
		fail kx-down-removes-marked "A keeps $(nsa "$A") SAs $(npol "$A") policies"
	fi
	pluto_stop "$da"; pluto_stop "$db"
	ip netns exec "$A" nft delete table inet cymark 2>/dev/null
}

lsn_children() { cy_whack "$B" "$LSN_DIR" --showstates 2>/dev/null | grep -c STATE_V2_ESTABLISHED_CHILD_SA; }

# Libreswan initiates a leftsubnets=/rightsubnets= 2x2 group: one IKE SA and
# three CREATE_CHILD_SA Child SAs; Cygnet (the responder) picks each pair's
# conn (subnets/1x1 ... 2x2) by its traffic selectors.
part_lsn() {
	local dl=$TMP/sa dc=$TMP/sb d
	[ -x "$LS/pluto" ] || { env_skip lsn "Libreswan's pluto not installed ($LS/pluto)"; return; }
	ip -n "$A" addr add 198.51.100.17/24 dev lo; ip -n "$B" addr add 203.0.113.17/24 dev lo
	for d in "$dl" "$dc"; do
		mkdir -p "$d/run" "$d/nss" "$d/ipsec.d"
		printf 'config setup\n\tprotostack=%s\n%s\nconn subnets\n\tleft=192.0.2.1\n\tleftid=@west\n\tleftsubnets={198.51.100.0/28 198.51.100.16/28}\n\tright=192.0.2.2\n\trightid=@east\n\trightsubnets={203.0.113.0/28 203.0.113.16/28}\n\tauthby=secret\n\tike=aes_gcm256-sha2_256-dh19\n\tesp=aes_gcm256\n\tauto=add\n%s\n' \
			"$([ "$d" = "$dl" ] && echo netkey || echo xfrm)" "$([ "$d" = "$dl" ] && printf '\tdnssec-enable=no')" \
			"$([ "$d" = "$dl" ] && printf '\tleftupdown=/bin/true')" >"$d/ipsec.conf"
		printf '@west @east : PSK "vm-guest-lsn-%s-psk"\n' "$TAG" >"$d/ipsec.secrets"; chmod 600 "$d/ipsec.secrets"
	done
	/usr/sbin/ipsec initnss --nssdir "$dl/nss" >"$dl/initnss.log" 2>&1
	ip netns exec "$A" "$LS/pluto" --nofork --config "$dl/ipsec.conf" --secretsfile "$dl/ipsec.secrets" \
		--rundir "$dl/run" --nssdir "$dl/nss" --ipsecdir "$dl/ipsec.d" --logfile "$dl/pluto.log" 2>"$dl/pluto.stderr" &
	_PIDS+=("$!"); echo "$!" >"$dl/pluto.testpid"
	wait_until 20 test -S "$dl/run/pluto.ctl" || { fail lsn-start "$(tail -3 "$dl/pluto.stderr" | tr '\n' '|')"; return; }
	ip netns exec "$A" "$LS/addconn" --ctlsocket "$dl/run/pluto.ctl" --config "$dl/ipsec.conf" subnets >"$dl/addconn.log" 2>&1
	pluto_start "$B" "$dc" || { fail lsn-start "Cygnet pluto"; return; }
	ls_whack "$A" "$dl" --name subnets --initiate >"$TMP/lsn-up.out" 2>&1
	LSN_DIR=$dc
	wait_until 60 eval '[ "$(lsn_children)" = 4 ]'
	local n_ike names
	n_ike=$(cy_whack "$B" "$dc" --showstates 2>/dev/null | grep -c STATE_V2_ESTABLISHED_IKE_SA)
	names=$(cy_whack "$B" "$dc" --showstates 2>/dev/null | sed -n 's/^000 #[0-9]*: "\([^"]*\)":[0-9]* STATE_V2_ESTABLISHED_CHILD_SA.*/\1/p' | sort | tr '\n' ' ')
	if [ "$(lsn_children)" = 4 ] && [ "$n_ike" = 1 ]; then pass lsn-one-ike-sa-four-child-sas
	else fail lsn-one-ike-sa-four-child-sas "IKE $n_ike, Child SAs [$names]"; logs "$dl/pluto.log" "$dc/pluto.log"; fi
	[ "$names" = "subnets/1x1 subnets/1x2 subnets/2x1 subnets/2x2 " ] && pass lsn-child-sa-conns || fail lsn-child-sa-conns "[$names]"
	local p
	for p in 198.51.100.1,203.0.113.1 198.51.100.1,203.0.113.17 198.51.100.17,203.0.113.1 198.51.100.17,203.0.113.17; do
		if ip netns exec "$A" ping -c 2 -i 0.3 -W 3 -I "${p%,*}" "${p#*,}" >/dev/null 2>&1; then pass "lsn-ping-${p/,/-}"
		else fail "lsn-ping-${p/,/-}" "no reply"; fi
	done
	# Libreswan rekeys a Child SA of the group that is not the IKE SA's own conn
	ls_whack "$A" "$dl" --name subnets/2x2 --rekey-ipsec >"$TMP/lsn-rk.out" 2>&1
	if wait_until 20 grep -q '"subnets/2x2" #[0-9]*: responder rekeyed Child SA' "$dc/pluto.log" &&
	   ip netns exec "$A" ping -c 2 -i 0.3 -W 3 -I 198.51.100.17 203.0.113.17 >/dev/null 2>&1; then pass lsn-rekey-2x2
	else fail lsn-rekey-2x2 "$(tr '\n' '|' <"$TMP/lsn-rk.out")"; fi
	pluto_stop "$dc"; pluto_stop "$dl"
}

# Shunts with kernel ESP: a tunnel 198.51.100.0/24 <-> 203.0.113.0/24 up,
# both ends with a passthrough for 203.0.113.5 (the peer must send that
# host's traffic in clear too: the kernel refuses a decrypted packet that an
# allow policy without template matches) and A with a drop shunt for
# 203.0.113.6: .1 crosses ESP, .5 crosses in clear (ESP counters still),
# .6 is blocked; unrouted, .5 and .6 go through the tunnel.
part_sh() {
	local da=$TMP/sha db=$TMP/shb
	local pass='
conn pass
	authby=never
	type=passthrough
	left=192.0.2.1
	leftsubnet=198.51.100.0/24
	right=192.0.2.2
	rightsubnet=203.0.113.5/32
	auto=route'
	conf "$da" xfrm 192.0.2.2 "$pass
conn blk
	authby=never
	type=drop
	left=192.0.2.1
	leftsubnet=198.51.100.0/24
	right=%any
	rightsubnet=203.0.113.6/32
	auto=route"
	conf "$db" xfrm 192.0.2.2 "$pass"
	pluto_start "$A" "$da" || { fail sh-start "pluto A"; return; }
	pluto_start "$B" "$db" || { fail sh-start "pluto B"; return; }
	if cy_auto "$A" "$da" --up t >"$TMP/up.out" 2>&1; then pass sh-up
	else fail sh-up "$(tail -3 "$TMP/up.out" | tr '\n' '|')"; logs "$da/pluto.log" "$db/pluto.log"; return; fi
	local e0 e1 e2
	e0=$(esp_pkts "$A")
	if ping_through "$A" 198.51.100.1 203.0.113.1; then pass sh-tunnel-ping; else fail sh-tunnel-ping "no reply"; fi
	e1=$(esp_pkts "$A")
	if ping_through "$A" 198.51.100.1 203.0.113.5; then pass sh-passthrough-ping; else fail sh-passthrough-ping "no reply"; fi
	e2=$(esp_pkts "$A")
	if [ $((e1 - e0)) -ge 6 ] && [ "$e2" = "$e1" ]; then pass sh-passthrough-in-clear
	else fail sh-passthrough-in-clear "ESP packets $e0 -> $e1 (tunnel) -> $e2 (passthrough)"; fi
	if ! ip netns exec "$A" ping -c 1 -W 2 -I 198.51.100.1 203.0.113.6 >/dev/null 2>&1; then pass sh-drop-blocks
	else fail sh-drop-blocks "ping answered"; fi
	[ "$(esp_pkts "$A")" = "$e2" ] && pass sh-drop-sends-nothing || fail sh-drop-sends-nothing "ESP $e2 -> $(esp_pkts "$A")"
	cy_auto "$A" "$da" --unroute pass >/dev/null 2>&1; cy_auto "$B" "$db" --unroute pass >/dev/null 2>&1
	cy_auto "$A" "$da" --unroute blk >/dev/null 2>&1
	e0=$(esp_pkts "$A")
	if ping_through "$A" 198.51.100.1 203.0.113.5 && ping_through "$A" 198.51.100.1 203.0.113.6 &&
	   [ $(($(esp_pkts "$A") - e0)) -ge 12 ]; then pass sh-unrouted-tunnelled
	else fail sh-unrouted-tunnelled "ESP $e0 -> $(esp_pkts "$A")"; fi
	pluto_stop "$da"; pluto_stop "$db"
	if [ "$(npol "$A")" = 0 ] && [ "$(npol "$B")" = 0 ]; then pass sh-shutdown-clean
	else fail sh-shutdown-clean "A $(npol "$A"), B $(npol "$B") policies after stop"; fi
}

# updown script and route settings with the kernel: the table-220 route has
# the nexthop as gateway, the source address (added to lo), metric and MTU;
# the gateway's own traffic leaves through ESP; the script sees
# PLUTO_STACK=xfrm; --down runs down, unroute and removes route and address.
ud_verbs() { tr '\n' ' ' <"$TMP/ud-A.verbs" 2>/dev/null; }
ud_verbs_are() { [ "$(ud_verbs)" = "$1" ]; }
part_ud() {
	local da=$TMP/ua db=$TMP/ub r before
	printf '#!/bin/sh\necho "$PLUTO_VERB" >>"$1.verbs"\nenv | grep ^PLUTO_ >>"$1.env"\n' >"$TMP/ud.sh"
	conf "$da" xfrm 192.0.2.2 "	metric=7
	mtu=1300
	leftsourceip=198.51.100.77
	leftnexthop=192.0.2.2
	leftupdown=\"/bin/sh $TMP/ud.sh $TMP/ud-A\""
	conf "$db" xfrm
	pluto_start "$A" "$da" || { fail ud-start "pluto A"; return; }
	pluto_start "$B" "$db" || { fail ud-start "pluto B"; return; }
	if ! cy_auto "$A" "$da" --up t >"$TMP/up.out" 2>&1; then
		fail ud-up "$(tail -3 "$TMP/up.out" | tr '\n' '|')"; logs "$da/pluto.log"; pluto_stop "$da"; pluto_stop "$db"; return
	fi
	r=$(ip -n "$A" route show table 220 | grep '^203.0.113.0/24 ')
	case "$r" in
	*"via 192.0.2.2 dev va"*"src 198.51.100.77"*"metric 7"*"mtu 1300"*) pass ud-route-settings ;;
	*) fail ud-route-settings "table 220: '$r'; $(grep -i route "$da/pluto.log" | tail -2 | tr '\n' '|')" ;;
	esac
	ip -n "$A" addr show dev lo | grep -q 'inet 198.51.100.77/32 scope 50' && pass ud-sourceip-on-lo ||
		fail ud-sourceip-on-lo "$(ip -n "$A" addr show dev lo | grep inet | tr '\n' '|')"
	before=$(esp_pkts "$A")
	if ip netns exec "$A" ping -c 3 -i 0.3 -W 3 203.0.113.1 >/dev/null 2>&1 && [ $(($(esp_pkts "$A") - before)) -ge 6 ]; then
		pass ud-sourceip-traffic-esp
	else
		fail ud-sourceip-traffic-esp "ping without -I; ESP packets $before -> $(esp_pkts "$A")"
	fi
	wait_until 10 ud_verbs_are 'up-client prepare-client route-client ' &&
		pass ud-verbs-up || fail ud-verbs-up "'$(ud_verbs)'"
	grep -qx 'PLUTO_STACK=xfrm' "$TMP/ud-A.env" && grep -qx 'PLUTO_NEXT_HOP=192.0.2.2' "$TMP/ud-A.env" &&
		grep -qx 'PLUTO_METRIC=7' "$TMP/ud-A.env" && pass ud-env || fail ud-env "$(sort -u "$TMP/ud-A.env" | grep -E 'STACK|NEXT_HOP|METRIC' | tr '\n' ' ')"
	cy_auto "$A" "$da" --down t >/dev/null 2>&1
	if wait_until 10 ud_verbs_are 'up-client prepare-client route-client down-client unroute-client ' &&
	   ! ip -n "$A" route show table 220 | grep -q '^203.0.113.0/24' && ! ip -n "$A" addr show dev lo | grep -q 198.51.100.77; then
		pass ud-down-clean
	else
		fail ud-down-clean "'$(ud_verbs)'; $(ip -n "$A" route show table 220 | tr '\n' '|') $(ip -n "$A" addr show dev lo | grep -c 198.51.100.77)"
	fi
	pluto_stop "$da"; pluto_stop "$db"
}

# clear_connect NS PORT: a TCP connect from 198.51.100.1 to 203.0.113.1:PORT
# on a socket with a per-socket XFRM bypass policy (IP_XFRM_POLICY, allow,
# outbound): the SYN leaves in clear whatever the kernel's policies say
clear_connect() {
	ip netns exec "$1" python3 - "$2" <<'EOF'
import socket, struct, sys
pol = bytearray(168)                      # struct xfrm_userpolicy_info
struct.pack_into("H", pol, 40, socket.AF_INET)   # sel.family
pol[160] = 1                              # dir XFRM_POLICY_OUT; action 0 = allow
s = socket.socket()
s.setsockopt(socket.IPPROTO_IP, 17, bytes(pol))  # IP_XFRM_POLICY
s.bind(("198.51.100.1", 0))
s.settimeout(3)
try:
    s.connect(("203.0.113.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
EOF
}

part_sel() {
	local da=$TMP/sa db=$TMP/sb before after pol srv
	conf "$da" xfrm 192.0.2.2 "	leftprotoport=tcp
	rightprotoport=tcp/5001"
	conf "$db" xfrm 192.0.2.2 "	leftprotoport=tcp
	rightprotoport=tcp/5001"
	pluto_start "$A" "$da" || { fail sel-start "pluto A"; return; }
	pluto_start "$B" "$db" || { fail sel-start "pluto B"; return; }
	if cy_auto "$A" "$da" --up t >"$TMP/up.out" 2>&1; then pass sel-up
	else fail sel-up "$(tail -3 "$TMP/up.out" | tr '\n' '|')"; logs "$da/pluto.log" "$db/pluto.log"; return; fi
	pol=$(policies "$A")
	if grep -q 'src 198.51.100.0/24 dst 203.0.113.0/24 proto tcp dport 5001 dir out' <<<"$pol" &&
	   grep -q 'src 203.0.113.0/24 dst 198.51.100.0/24 proto tcp sport 5001 dir in' <<<"$pol" &&
	   grep -q 'src 203.0.113.0/24 dst 198.51.100.0/24 proto tcp sport 5001 dir fwd' <<<"$pol"; then
		pass sel-kernel-policy-ports
	else
		fail sel-kernel-policy-ports "$(tr '\n' '|' <<<"$pol")"
	fi
	before=$(esp_pkts "$A")
	if tcp_through "$A" 198.51.100.1 "$B" 203.0.113.1; then pass sel-tcp5001; else fail sel-tcp5001 "transfer differs"; fi
	after=$(esp_pkts "$A")
	if [ $((after - before)) -ge 20 ]; then pass sel-tcp5001-esp
	else fail sel-tcp5001-esp "ip -s xfrm state packets $before -> $after"; fi
	# port 5002: no policy covers it, so no ESP (and it still arrives, in clear)
	ip netns exec "$B" timeout 10 nc -l -n 203.0.113.1 5002 >"$TMP/recv2" &
	srv=$!
	wait_until 5 sh -c "ip netns exec $B ss -ltn | grep -q :5002"
	before=$(esp_pkts "$A")
	echo "clear-5002" | ip netns exec "$A" timeout 10 nc -N -n -s 198.51.100.1 203.0.113.1 5002
	wait $srv
	after=$(esp_pkts "$A")
	if [ "$(cat "$TMP/recv2")" = clear-5002 ] && [ "$after" = "$before" ]; then pass sel-tcp5002-not-in-tunnel
	else fail sel-tcp5002-not-in-tunnel "received [$(cat "$TMP/recv2")], ESP packets $before -> $after"; fi
	# cleartext to 5001 around A's policy: B's kernel drops it, B's --status counts it
	ip netns exec "$B" timeout 15 nc -l -k -n 203.0.113.1 5001 >/dev/null 2>&1 &
	srv=$!
	wait_until 5 sh -c "ip netns exec $B ss -ltn | grep -q :5001"
	ip netns exec "$B" timeout 15 nc -l -k -n 203.0.113.1 5002 >/dev/null 2>&1 &
	local srv2=$!
	wait_until 5 sh -c "ip netns exec $B ss -ltn | grep -q :5002"
	if clear_connect "$A" 5002; then pass sel-bypass-socket-works; else fail sel-bypass-socket-works "no clear connect to 5002"; fi
	if clear_connect "$A" 5001; then
		fail sel-cleartext-dropped "a cleartext connect to port 5001 got through"
	elif cy_whack "$B" "$db" --status | grep -q 'dataplane drops:.*cleartext=[1-9]'; then
		pass sel-cleartext-dropped
	else
		fail sel-cleartext-dropped "$(cy_whack "$B" "$db" --status | grep 'dataplane drops')"
	fi
	kill $srv $srv2 2>/dev/null
	pluto_stop "$da"; pluto_stop "$db"
}

# each part in fresh namespaces
for part in $PARTS; do
	for n in "${_NS[@]}"; do ip netns del "$n" 2>/dev/null; done
	_NS=()
	case $part in nat) ;; *) net || { fail "$part-setup" "namespaces"; continue; } ;; esac
	t0=$SECONDS
	"part_$part"
	echo "# part $part took $((SECONDS - t0)) s"
done
finish
