#!/bin/bash
# Runs INSIDE the guest (tests/vm/guest.sh, started by tests/integration/vm_xfrm.sh):
# Cygnet's daemons with the kernel dataplane (protostack=xfrm) against
# Debian's 6.1 kernel with ESP, and Libreswan 4.10 (the host's Debian
# package) as a peer.  Case names are prefixed with the pairing:
#   xx-*   Cygnet xfrm  <-> Cygnet xfrm
#   nat-*  Cygnet xfrm  <-> Cygnet xfrm across a NAT namespace (NAT-T, kernel decap)
#   xu-*   Cygnet xfrm  <-> Cygnet userspace
#   ls-*   Libreswan (xfrm) <-> Cygnet xfrm
# VM_PARTS (space separated: xx nat xu ls) limits what runs.
set -u
. "$CYGNET_TOP/tests/integration/lib/common.sh"
PARTS=${VM_PARTS:-xx nat xu ls}
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
npol() { ip -n "$1" xfrm policy | grep -c '^src'; }
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
	if wait_until 5 sh -c "[ \$(ip -n $A xfrm state | grep -c ^src) = 0 ] && [ \$(ip -n $A xfrm policy | grep -c ^src) = 0 ] && [ \$(ip -n $B xfrm state | grep -c ^src) = 0 ]"; then
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
	if [ "$stale_sa" -gt 0 ] && wait_until 5 sh -c "[ \$(ip -n $A xfrm state | grep -c ^src) = 0 ] && [ \$(ip -n $A xfrm policy | grep -c ^src) = 0 ]"; then
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
	if wait_until 5 sh -c "[ \$(ip -n $A xfrm state | grep -c ^src) = 0 ] && [ \$(ip -n $A xfrm policy | grep -c ^src) = 0 ]"; then
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
	# B sees the peer as 198.51.100.254 (after NAT): right=%any on B
	sed -i 's/left=192.0.2.1/left=%any/' "$db/ipsec.conf"
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
	cy_auto "$A" "$da" --down t >/dev/null 2>&1
	pluto_stop "$da"; pluto_stop "$db"
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

# esp_spis NS: the sorted SPIs of the namespace's SAs
esp_spis() { ip -n "$1" xfrm state | sed -n 's/.*spi \(0x[0-9a-f]*\).*/\1/p' | sort | tr '\n' ' '; }

part_ls() {
	local dl=$TMP/la dc=$TMP/lb
	[ -x "$LS/pluto" ] || { skip ls "Libreswan's pluto not installed ($LS/pluto)"; return; }
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
	# Libreswan deletes: Cygnet's kernel state must go
	ls_whack "$A" "$dl" --name t --terminate >/dev/null 2>&1
	if wait_until 10 sh -c "[ \$(ip -n $B xfrm state | grep -c ^src) = 0 ] && [ \$(ip -n $B xfrm policy | grep -c ^src) = 0 ]"; then
		pass ls-delete-from-libreswan
	else fail ls-delete-from-libreswan "Cygnet keeps $(nsa "$B") SAs $(npol "$B") policies"; fi
	# 2. Cygnet initiates, with a short salifetime so that it rekeys the Child SA
	# itself after ~10 s (Cygnet's whack has no --rekey-ipsec yet)
	sed 's/^\tauto=add/\tsalifetime=60s\n\trekeymargin=50s\n\trekeyfuzz=0%\n&/' "$dc/ipsec.conf" >"$dc/rekey.conf"
	cy_auto "$B" "$dc" --config "$dc/rekey.conf" --replace t >"$TMP/replace.out" 2>&1 ||
		fail ls-replace "$(head -3 "$TMP/replace.out" | tr '\n' '|')"
	if cy_auto "$B" "$dc" --up t >"$TMP/cyup.out" 2>&1; then pass ls-up-cygnet-initiates; s0=$(esp_spis "$A")
	else fail ls-up-cygnet-initiates "$(tail -3 "$TMP/cyup.out" | tr '\n' '|')"; logs "$dl/pluto.log" "$dc/pluto.log"; fi
	traffic_checks ls-c "$A" "$B"
	if ping_through "$B" 203.0.113.1 198.51.100.1; then pass ls-c-ping-reverse; else fail ls-c-ping-reverse "no reply"; fi
	: >"$TMP/rk.out"
	if wait_until 25 sh -c "[ \"\$(ip -n $A xfrm state | sed -n 's/.*spi \(0x[0-9a-f]*\).*/\1/p' | sort | tr '\n' ' ')\" != '$s0' ]" &&
	   ping_through "$A" 198.51.100.1 203.0.113.1; then pass ls-rekey-child-from-cygnet
	else fail ls-rekey-child-from-cygnet "Libreswan's SPIs unchanged ($s0): $(head -2 "$TMP/rk.out" | tr '\n' '|')"; fi
	cy_auto "$B" "$dc" --down t >/dev/null 2>&1
	if wait_until 10 sh -c "[ \$(ip -n $A xfrm state | grep -c ^src) = 0 ] && [ \$(ip -n $B xfrm state | grep -c ^src) = 0 ] && [ \$(ip -n $B xfrm policy | grep -c ^src) = 0 ]"; then
		pass ls-delete-from-cygnet
	else fail ls-delete-from-cygnet "Libreswan keeps $(nsa "$A") SAs; Cygnet $(nsa "$B") SAs $(npol "$B") policies"; fi
	pluto_stop "$dc"; pluto_stop "$dl"
	[ -n "${VM_OUT_DIR:-}" ] && cp "$dl/pluto.log" "$VM_OUT_DIR/libreswan-pluto.log" 2>/dev/null
	[ -n "${VM_OUT_DIR:-}" ] && cp "$dc/pluto.log" "$VM_OUT_DIR/cygnet-pluto-ls.log" 2>/dev/null
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
