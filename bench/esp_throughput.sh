#!/bin/bash
# TCP throughput through Cygnet's userspace ESP dataplane between two network
# namespaces (iperf3), with manually keyed SAs (tests/tools/esp_static), and —
# when strongSwan 5.9.8 can be run from the Debian archive — the same through
# two charons with kernel-libipsec.  Prints both and the ratio.
#
# Env: SECONDS_PER_RUN (default 8), ALG (aes_gcm16|chacha20poly1305, default
# aes_gcm16), ENCAP (none|udp, default udp), PIN (1 = taskset each dataplane
# to its own core, default 1), CYGNET_BUILD (default ./build), SKIP_STRONGSWAN=1.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${CYGNET_BUILD:-$TOP/build}
TOOL=$BUILD/tools/esp_static
DUR=${SECONDS_PER_RUN:-8}
ALG=${ALG:-aes_gcm16}
ENCAP=${ENCAP:-udp}
PIN=${PIN:-1}
NA=cybencha$$ NB=cybenchb$$
T=$(mktemp -d /tmp/cy-bench.XXXXXX)
PIDS=()

cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	ip netns del $NA 2>/dev/null; ip netns del $NB 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || { echo "bench: needs root"; exit 1; }
[ -x "$TOOL" ] || { echo "bench: $TOOL missing (make first)"; exit 1; }
command -v iperf3 >/dev/null || { echo "bench: iperf3 missing (apt-get install iperf3)"; exit 1; }

setup_net() {
	ip netns add $NA; ip netns add $NB
	ip link add va netns $NA type veth peer name vb netns $NB
	ip -n $NA link set lo up; ip -n $NB link set lo up
	ip -n $NA addr add 192.0.2.1/24 dev va; ip -n $NB addr add 192.0.2.2/24 dev vb
	ip -n $NA link set va up; ip -n $NB link set vb up
	ip -n $NA addr add 198.51.100.1/32 dev lo; ip -n $NB addr add 203.0.113.1/32 dev lo
}

wait_for() { local i; for ((i = 0; i < 50; i++)); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done; return 1; }

# CPU time (user+system, all threads, in clock ticks) of the given PIDs
ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' /proc/$p/stat 2>/dev/null || echo 0))); done; echo $t; }

# iperf3 from A's protected address to B's; prints Mbit/s received
iperf() {
	ip netns exec $NB iperf3 -s -1 -B $2 >/dev/null 2>&1 &
	local srv=$!
	local i
	for ((i = 0; i < 50; i++)); do ip netns exec $NB ss -ltn | grep -q ':5201' && break; sleep 0.1; done
	ip netns exec $NA iperf3 -c $2 -B $1 -t $DUR -J > $T/iperf.json 2>/dev/null
	wait $srv 2>/dev/null
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%.0f" % (d["end"]["sum_received"]["bits_per_second"]/1e6))' $T/iperf.json 2>/dev/null || echo 0
}

cygnet() {
	local ka=000102030405060708090a0b0c0d0e0f10111213 kb=a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3
	local extra=""
	[ "$ALG" = chacha20poly1305 ] && { ka=${ka}${ka:0:32}; kb=${kb}${kb:0:32}; }
	[ "$ENCAP" = udp ] && extra=",encap=udp"
	local pa="" pb=""
	[ "$PIN" = 1 ] && { pa="taskset -c 0"; pb="taskset -c 1"; }
	ip netns exec $NA $pa "$TOOL" --tun cya \
		"sa dir=out,spi=0x1001,src=192.0.2.1,dst=192.0.2.2,encr=$ALG,key=$ka,local=198.51.100.1/32,remote=203.0.113.1/32$extra" \
		"sa dir=in,spi=0x2001,src=192.0.2.2,dst=192.0.2.1,encr=$ALG,key=$kb,local=198.51.100.1/32,remote=203.0.113.1/32$extra" \
		"policy dir=out,local=198.51.100.1/32,remote=203.0.113.1/32,src=198.51.100.1" </dev/null >$T/a.out 2>&1 &
	PIDS+=($!)
	ip netns exec $NB $pb "$TOOL" --tun cyb \
		"sa dir=out,spi=0x2001,src=192.0.2.2,dst=192.0.2.1,encr=$ALG,key=$kb,local=203.0.113.1/32,remote=198.51.100.1/32$extra" \
		"sa dir=in,spi=0x1001,src=192.0.2.1,dst=192.0.2.2,encr=$ALG,key=$ka,local=203.0.113.1/32,remote=198.51.100.1/32$extra" \
		"policy dir=out,local=203.0.113.1/32,remote=198.51.100.1/32,src=203.0.113.1" </dev/null >$T/b.out 2>&1 &
	PIDS+=($!)
	wait_for $T/a.out READY && wait_for $T/b.out READY || { echo "bench: esp_static failed" >&2; cat $T/*.out >&2; echo 0; return; }
	ip netns exec $NA ping -c 1 -W 2 -I 198.51.100.1 203.0.113.1 >/dev/null 2>&1
	local t0a t0b mbps
	t0a=$(ticks ${PIDS[0]}); t0b=$(ticks ${PIDS[1]})
	mbps=$(iperf 198.51.100.1 203.0.113.1)
	echo "$mbps $(( $(ticks ${PIDS[0]}) - t0a )) $(( $(ticks ${PIDS[1]}) - t0b ))"
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	PIDS=()
}

# report NAME "MBPS TICKS_A TICKS_B": throughput, and Mbit per CPU-second of
# the busier end (what one core per side would carry if the dataplane were
# the bottleneck; meaningful even when other load shares the machine)
report() {
	set -- "$1" $2
	python3 - "$@" "$(getconf CLK_TCK)" "$DUR" <<'EOP'
import sys
name, mbps, ta, tb, hz, dur = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
busy = max(ta, tb) / hz
per_core = mbps * dur / busy if busy > 0 else 0
print("%-40s %6.0f Mbit/s   dataplane CPU a=%.1fs b=%.1fs over %.0fs  -> %6.0f Mbit/s per core" % (name, mbps, ta / hz, tb / hz, dur, per_core))
print("PERCORE %.0f" % per_core, file=sys.stderr)
EOP
}

setup_net
plain=$(iperf 192.0.2.1 192.0.2.2)
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
echo "plain veth (no IPsec):                   ${plain} Mbit/s"
cy=$(cygnet)
report "cygnet userspace ESP ($ALG, $ENCAP)" "$cy" 2>$T/cy.pc
if [ "${SKIP_STRONGSWAN:-0}" != 1 ] && [ -x "$TOP/bench/strongswan_libipsec.sh" ]; then
	ss=$("$TOP/bench/strongswan_libipsec.sh" "$NA" "$NB" "$DUR" 2>$T/ss.err | tail -1)
	if [ -n "$ss" ] && [ "${ss%% *}" != 0 ]; then
		report "strongSwan 5.9.8 kernel-libipsec (aes128gcm16, udp)" "$ss" 2>$T/ss.pc
		python3 -c "import sys; a=float(sys.argv[1]); b=float(sys.argv[2]); c=float(sys.argv[3]); d=float(sys.argv[4]); print('ratio cygnet/strongswan: throughput %.2fx, per core %.2fx' % (a/b, c/d if d else 0))" \
			"${cy%% *}" "${ss%% *}" "$(awk '{print $2}' $T/cy.pc)" "$(awk '{print $2}' $T/ss.pc)"
	else
		echo "strongSwan 5.9.8 kernel-libipsec: not measured ($(grep strongswan: $T/ss.err | tail -1))"
	fi
else
	echo "strongSwan 5.9.8 kernel-libipsec: not measured (no runner)"
fi
