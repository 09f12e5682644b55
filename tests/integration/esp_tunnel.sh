#!/bin/bash
# The userspace ESP dataplane end to end, without IKE: two namespaces joined
# by a veth, each running tests/tools/esp_static with manually keyed SAs,
# each with a protected address on lo.  Checks ping and a TCP transfer
# through the tunnel, that a capture on the veth holds only ESP (or UDP 4500)
# and never the plaintext, IPv6 inner/outer, transport mode, counters, and
# that deleting the SA/policy removes its route and rule, and stopping the
# dataplane removes the TUN.
set -u
BUILD=${CYGNET_BUILD:-$PWD/build}
TOOL=$BUILD/tools/esp_static
NA=cyespa$$ NB=cyespb$$
T=$(mktemp -d /tmp/cy-esp.XXXXXX)
PIDS=()
rc=0

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; rc=1; }
skip() { echo "SKIP $1: $2"; }
. "$(dirname "$0")/lib/env.sh"   # env_skip: SKIP, or FAIL under CI

cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	ip netns del $NA 2>/dev/null; ip netns del $NB 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

if [ "$(id -u)" != 0 ] || [ ! -x "$TOOL" ] || [ ! -e /dev/net/tun ]; then
	env_skip esp_tunnel "needs root, /dev/net/tun and $TOOL"
	exit
fi
for c in tcpdump nc ip; do
	command -v $c >/dev/null || { env_skip esp_tunnel "$c missing"; exit; }
done

# wait_for FILE PATTERN [tries of 0.1 s]
wait_for() {
	local i
	for ((i = 0; i < ${3:-50}; i++)); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

setup_net() {
	ip netns add $NA && ip netns add $NB || return 1
	ip link add va netns $NA type veth peer name vb netns $NB
	ip -n $NA link set lo up; ip -n $NB link set lo up
	ip -n $NA addr add 192.0.2.1/24 dev va; ip -n $NB addr add 192.0.2.2/24 dev vb
	ip -n $NA addr add 2001:db8:1::1/64 dev va nodad; ip -n $NB addr add 2001:db8:1::2/64 dev vb nodad
	ip -n $NA link set va up; ip -n $NB link set vb up
	ip -n $NA addr add 198.51.100.1/32 dev lo; ip -n $NB addr add 203.0.113.1/32 dev lo
	ip -n $NA addr add 2001:db8:a::1/128 dev lo nodad; ip -n $NB addr add 2001:db8:b::1/128 dev lo nodad
}

# start SIDE NS TUN COMMAND... : esp_static reading commands from a fifo
start() {
	local side=$1 ns=$2 tun=$3; shift 3
	rm -f $T/$side.in $T/$side.out; mkfifo $T/$side.in
	local ps=${ESP_PROTOSTACK_A:-userspace}
	[ "$side" = b ] && ps=${ESP_PROTOSTACK_B:-userspace}
	ip netns exec $ns "$TOOL" --tun $tun --protostack "$ps" "$@" <$T/$side.in >$T/$side.out 2>&1 &
	PIDS+=($!)
	eval "exec {fd_$side}>$T/$side.in"
	wait_for $T/$side.out READY || { echo "esp_static $side did not start:"; cat $T/$side.out; return 1; }
}

ctl() {  # ctl SIDE COMMAND : send a command, wait for its answer line
	local side=$1; shift
	local n; n=$(grep -c '^OK\|^ERR' $T/$side.out)
	eval "echo \"\$*\" >&\$fd_$side"
	local i
	for ((i = 0; i < 50; i++)); do
		[ "$(grep -c '^OK\|^ERR' $T/$side.out)" -gt "$n" ] && { grep '^OK\|^ERR' $T/$side.out | tail -1; return 0; }
		sleep 0.1
	done
	return 1
}

stop_all() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	PIDS=()
	exec {fd_a}>&- {fd_b}>&- 2>/dev/null
}

KA=000102030405060708090a0b0c0d0e0f10111213     # AES-128-GCM key + salt
KB=a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3
KC=808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f00000007   # ChaCha20 + salt
KD=c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf10111213
KE=2b7e151628aed2a6abf7158809cf4f3c                # AES-128-CBC
IK1=0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20
IK2=2122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f40

# pair NAME OUTER_A OUTER_B LOCAL_A LOCAL_B PADDR_A PADDR_B ALG_A ALG_B EXTRA
# starts both sides with an out+in SA pair and an outbound policy each.
pair() {
	local oa=$1 ob=$2 la=$3 lb=$4 pa=$5 pb=$6 alga=$7 algb=$8 extra=$9
	start a $NA cya \
		"sa dir=out,spi=0x1001,src=$oa,dst=$ob,$alga,local=$la,remote=$lb$extra" \
		"sa dir=in,spi=0x2001,src=$ob,dst=$oa,$algb,local=$la,remote=$lb$extra" \
		"policy dir=out,local=$la,remote=$lb,src=$pa" \
		"policy dir=in,local=$la,remote=$lb" || return 1
	start b $NB cyb \
		"sa dir=out,spi=0x2001,src=$ob,dst=$oa,$algb,local=$lb,remote=$la$extra" \
		"sa dir=in,spi=0x1001,src=$oa,dst=$ob,$alga,local=$lb,remote=$la$extra" \
		"policy dir=out,local=$lb,remote=$la,src=$pb" \
		"policy dir=in,local=$lb,remote=$la" || return 1
}

# capture_start / capture_check WHAT FILTER_ALLOWED MARKER
capture_start() {
	rm -f $T/cap.pcap
	# the kernel (xfrm) re-injects decrypted inbound packets on the veth, where
	# tcpdump sees them: with xfrm on A, look only at what A sends
	local q=; [ "${ESP_PROTOSTACK_A:-userspace}" = xfrm ] && q="-Q out"
	ip netns exec $NA tcpdump -i va $q -U -w $T/cap.pcap -s 0 >/dev/null 2>&1 &
	CAP=$!
	local i
	for ((i = 0; i < 50; i++)); do [ -s $T/cap.pcap ] && break; sleep 0.1; done
}
capture_stop() { sleep 0.2; kill $CAP 2>/dev/null; wait $CAP 2>/dev/null; }

# tcp_transfer NAME SERVER_ADDR : sends a file with a marker from A to B's server
tcp_transfer() {
	local dst=$1 src=$2
	head -c 300000 /dev/urandom > $T/data
	for i in $(seq 200); do echo "CYGNET-PLAINTEXT-MARKER-$i"; done >> $T/data
	rm -f $T/recv
	ip netns exec $NB timeout 20 nc -l -n ${dst%%@*} 5001 > $T/recv &
	local srv=$!
	local i
	for ((i = 0; i < 50; i++)); do
		ip netns exec $NB ss -ltn 2>/dev/null | grep -q ':5001' && break; sleep 0.1
	done
	ip netns exec $NA timeout 20 nc -N -n -s $src ${dst%%@*} 5001 < $T/data
	wait $srv
	cmp -s $T/data $T/recv
}

check_wire() {  # check_wire NAME FILTER_OF_ALLOWED
	local name=$1 allowed=$2 n_all n_ok
	n_all=$(tcpdump -nr $T/cap.pcap 'ip or ip6' 2>/dev/null | grep -vc 'ICMP6\|ARP\|ip6-allrouters\|ff02::' )
	n_ok=$(tcpdump -nr $T/cap.pcap "$allowed" 2>/dev/null | wc -l)
	if grep -q CYGNET-PLAINTEXT-MARKER $T/cap.pcap; then
		fail "$name-wire" "plaintext marker seen on the veth"
	elif [ "$n_ok" -lt 10 ] || [ "$n_all" -ne "$n_ok" ]; then
		fail "$name-wire" "$n_ok of $n_all IP packets match '$allowed'"
	else
		pass "$name-wire"
	fi
}

# ---- cases -------------------------------------------------------------------

run_case() {  # run_case NAME OA OB LA LB PA PB ALGA ALGB EXTRA WIRE_FILTER
	local name=$1; shift
	local ob=$2 pa=$5 pb=$6 filter=${10}
	# ESP_CASES: a space-separated list limits the cases run (the guest is slow)
	if [ -n "${ESP_CASES:-}" ] && [[ " $ESP_CASES " != *" $name "* ]]; then return; fi
	if ! pair "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$8" "$9"; then
		fail "$name" "dataplane did not start"; stop_all; return
	fi
	capture_start
	if ip netns exec $NA ping -c 3 -i 0.2 -W 2 -I $pa $pb >/dev/null 2>&1; then
		pass "$name-ping"
	else
		fail "$name-ping" "no reply from $pb"; ctl a drops; ctl b drops
	fi
	if tcp_transfer $pb $pa; then pass "$name-tcp"; else fail "$name-tcp" "transfer differs"; fi
	capture_stop
	check_wire $name "$filter"
	local c; c=$(ctl b "counters spi=0x1001,dst=$ob")
	if [[ "$c" =~ packets=([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -gt 10 ]; then
		pass "$name-counters"
	else
		fail "$name-counters" "inbound SA counters: $c"
	fi
	stop_all
}

setup_net || { fail setup "cannot create namespaces"; exit 1; }

GCM_A="encr=aes_gcm16,key=$KA"; GCM_B="encr=aes_gcm16,key=$KB"
run_case v4-gcm-raw 192.0.2.1 192.0.2.2 198.51.100.1/32 203.0.113.1/32 198.51.100.1 203.0.113.1 \
	"$GCM_A" "$GCM_B" "" "esp"
run_case v4-chacha-udp 192.0.2.1 192.0.2.2 198.51.100.1/32 203.0.113.1/32 198.51.100.1 203.0.113.1 \
	"encr=chacha20poly1305,key=$KC" "encr=chacha20poly1305,key=$KD" ",encap=udp,esn=yes" "udp port 4500"
run_case v6-cbc-sha256 2001:db8:1::1 2001:db8:1::2 2001:db8:a::1/128 2001:db8:b::1/128 2001:db8:a::1 2001:db8:b::1 \
	"encr=aes_cbc,key=$KE,integ=sha2_256,ikey=$IK1" "encr=aes_cbc,key=$KE,integ=sha2_256,ikey=$IK2" "" "ip6 proto 50"
run_case v4-in-v6 2001:db8:1::1 2001:db8:1::2 198.51.100.1/32 203.0.113.1/32 198.51.100.1 203.0.113.1 \
	"$GCM_A" "$GCM_B" ",encap=udp" "udp port 4500"
run_case v4-transport 192.0.2.1 192.0.2.2 192.0.2.1/32 192.0.2.2/32 192.0.2.1 192.0.2.2 \
	"$GCM_A" "$GCM_B" ",mode=transport" "esp"
run_case v6-transport-udp 2001:db8:1::1 2001:db8:1::2 2001:db8:1::1/128 2001:db8:1::2/128 2001:db8:1::1 2001:db8:1::2 \
	"encr=chacha20poly1305,key=$KC" "encr=chacha20poly1305,key=$KD" ",mode=transport,encap=udp" "udp port 4500"

# ESP_EXTRAS=0 leaves out the sections below (the guest is slow)
[ "${ESP_EXTRAS:-1}" = 0 ] && exit $rc

# ---- the shared NAT-T port: IKE (non-ESP marker), keepalives, lifetimes ----------
if pair 192.0.2.1 192.0.2.2 198.51.100.1/32 203.0.113.1/32 198.51.100.1 203.0.113.1 "$GCM_A" "$GCM_B" \
	",encap=udp,soft-packets=3,hard-packets=6"; then
	ctl b "send-ike dst=192.0.2.1,data=2a2a2a2a0102030405" >/dev/null
	if wait_for $T/a.out "EVENT ike from=192.0.2.2:4500 len=9 data=2a2a2a2a0102030405"; then
		pass natt-ike-to-daemon
	else
		fail natt-ike-to-daemon "no IKE event on A: $(grep EVENT $T/a.out)"
	fi
	ctl b "keepalive dst=192.0.2.1" >/dev/null
	ok=0
	for ((i = 0; i < 30; i++)); do
		[ "${ESP_PROTOSTACK_A:-userspace}" = xfrm ] && break
		ctl a drops | grep -q 'nat-keepalive=1' && { ok=1; break; }; sleep 0.1
	done
	if [ "${ESP_PROTOSTACK_A:-userspace}" = xfrm ]; then
		skip natt-keepalive-counted "the kernel consumes NAT-T keepalives (xfrm on A)"
	else
		[ $ok = 1 ] && pass natt-keepalive-counted || fail natt-keepalive-counted "$(ctl a drops)"
	fi
	ip netns exec $NA ping -c 8 -i 0.05 -W 1 -I 198.51.100.1 203.0.113.1 >/dev/null 2>&1
	if wait_for $T/a.out "EVENT expire soft spi=0x00001001 dir=out" && wait_for $T/a.out "EVENT expire hard spi=0x00001001 dir=out" &&
	   { [ "${ESP_PROTOSTACK_A:-userspace}" = xfrm ] || ctl a "counters spi=0x1001,dst=192.0.2.2" | grep -q 'sa-expired='; }; then
		pass lifetime-soft-hard-events
	else
		fail lifetime-soft-hard-events "$(grep 'EVENT\|counters' $T/a.out)"
	fi
else
	fail natt-shared-port "dataplane did not start: $(cat $T/a.out $T/b.out 2>/dev/null | grep -m3 '^ERR' | tr '\n' '|')"
fi
stop_all

# ---- routes and rules go with the SA ----------------------------------------
if pair 192.0.2.1 192.0.2.2 198.51.100.1/32 203.0.113.1/32 198.51.100.1 203.0.113.1 "$GCM_A" "$GCM_B" ""; then
	r1=$(ip -n $NA route show table 220 | grep -v unreachable | grep -c 203.0.113.1)
	u1=$(ip -n $NA rule | grep -c 'lookup 220')
	ctl a "del-policy dir=out,local=198.51.100.1/32,remote=203.0.113.1/32" >/dev/null
	ctl a "del-sa spi=0x1001,dst=192.0.2.2" >/dev/null
	ctl a "del-sa spi=0x2001,dst=192.0.2.1" >/dev/null
	r2=$(ip -n $NA route show table 220 | grep -c 203.0.113.1)
	u2=$(ip -n $NA rule | grep -c 'lookup 220')
	if [ "$r1" = 1 ] && [ "$u1" = 1 ] && [ "$r2" = 0 ] && [ "$u2" = 0 ]; then
		pass route-removed-with-sa
	else
		fail route-removed-with-sa "route $r1->$r2, rule $u1->$u2"
	fi
	stop_all
	for ((i = 0; i < 50; i++)); do ip -n $NB link show cyb >/dev/null 2>&1 || break; sleep 0.1; done
	if ip -n $NB link show cyb >/dev/null 2>&1 || [ -n "$(ip -n $NB route show table 220)" ] ||
	   ip -n $NB rule | grep -q 'lookup 220'; then
		fail shutdown-clean "TUN, route or rule left in $NB"
	else
		pass shutdown-clean
	fi
else
	fail route-removed-with-sa "dataplane did not start"; stop_all
fi
exit $rc
