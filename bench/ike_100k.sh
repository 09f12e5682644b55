#!/bin/bash
# Many established IKE SA + Child SA pairs in one Cygnet responder (issue 13:
# "100,000 established IKE SA + Child SA pairs in one daemon (userspace
# dataplane) without error; RSS within the per-SA goal").
# The same setup as bench/ike_rate.sh's Cygnet runs (namespaces gen and
# resp, one right=%any PSK conn with narrowing, AES-GCM-16-256 / X25519,
# initiator k proposing 10.0.0.(k+1)/32 <-> 203.0.113.0/24, userspace
# dataplane), one fresh daemon per size in SIZES, each brought to that many
# SAs by build/tools/ikeload.  For each size: SAs up (generator and daemon
# count), setup time, rate, RSS growth per established SA (the whole
# daemon's: IKE engine, SA table, userspace SA database and selectors,
# malloc overhead), the daemon's drop counters that moved, and the ratio of
# each size's setup time to the first's (linear: the ratio of the sizes),
# and how long the daemon took to stop (it deletes every SA and policy).
#
# The userspace dataplane mirrors each Child SA's inbound policy into the
# kernel (against cleartext, us_xfrm.c); with selectors like 10.0.0.k/32 <->
# 203.0.113.0/24 those are "inexact" XFRM policies, whose deletion walks the
# kernel's whole inexact tree: ~20 ms each at 100,000 (a stop takes ~40
# min).  SPD_HTHRESH="24 32" sets the resp namespace's IPv4 policy hash
# thresholds first (`ip xfrm policy set hthresh4 24 32`: prefixes of at
# least /24 and /32 are hashed; strongSwan's spdh_thresh): deletions are then
# cheap.
#
# Not part of `make check`.  Run as root after `make`:
#   bench/ike_100k.sh                        (SIZES="10000 100000")
#   SIZES="1000 10000" bench/ike_100k.sh
#   WRAP="heaptrack -o /tmp/ht" SIZES=2000 bench/ike_100k.sh   (heap profile)
# Env: SIZES, WINDOW (64), SRCS (100 source addresses), PORTS (8 per
# address), LIMIT_S (1800 s per run), GEN_ARGS (more ikeload options), WRAP
# (a command the daemon runs under), SPD_HTHRESH (above), BUILD.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
export CYGNET_TOP=$top CYGNET_BUILD=$top/${BUILD:-build}
. "$top/tests/integration/lib/common.sh"
SIZES=${SIZES:-10000 100000} WINDOW=${WINDOW:-64} SRCS=${SRCS:-100} PORTS=${PORTS:-8}
LIMIT_S=${LIMIT_S:-1800} WRAP=${WRAP:-} SPD_HTHRESH=${SPD_HTHRESH:-}
LOAD=$BUILD/tools/ikeload
PSK=ikeload-bench-psk-0123456789abcdef
GEN=${TAG}g RESP=${TAG}r
[ "$(id -u)" = 0 ] || { echo "ike_100k: needs root (namespaces)"; exit 1; }
[ -x "$LOAD" ] || { echo "ike_100k: no $LOAD (run make)"; exit 1; }
[ "$SRCS" -ge 1 ] && [ "$SRCS" -le 200 ] || { echo "ike_100k: SRCS must be 1..200"; exit 1; }

trap 'exit 1' TERM INT   # the EXIT trap (lib/common.sh) cleans up
two_hosts "$GEN" "$RESP" || { echo "ike_100k: namespaces"; exit 1; }
for ((i = 0; i < SRCS; i++)); do ip -n "$GEN" addr add 192.0.2.$((10 + i))/24 dev va; done
SRC=192.0.2.10-192.0.2.$((9 + SRCS))
[ -z "$SPD_HTHRESH" ] || ip -n "$RESP" xfrm policy set hthresh4 $SPD_HTHRESH || { echo "ike_100k: hthresh4"; exit 1; }

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
conf() {
	mkdir -p "$1"
	printf 'config setup\n\tuniqueids=no\n\tprotostack=userspace\n\n' >"$1/ipsec.conf"
	printf 'conn load\n\tauthby=secret\n\tleft=192.0.2.2\n\tleftid=@resp.example\n\tright=%%any\n' >>"$1/ipsec.conf"
	printf '\tleftsubnet=203.0.113.0/24\n\trightsubnet=10.0.0.0/8\n\tnarrowing=yes\n' >>"$1/ipsec.conf"
	printf '\trightid=%%any\n\tike=aes_gcm_16_256-sha2_256-dh31\n\tesp=aes_gcm_16_256\n\tauto=add\n' >>"$1/ipsec.conf"
	printf '@resp.example : PSK "%s"\n' "$PSK" >"$1/ipsec.secrets"
	chmod 600 "$1/ipsec.secrets"
}
# start DIR: the responder, under WRAP when set; DPID = the daemon's pid
start() {
	local dir=$1
	conf "$dir"
	mkdir -p "$dir/run" "$dir/ipsec.d"
	ip netns exec "$RESP" $WRAP "$IPSEC" pluto --nofork --config "$dir/ipsec.conf" \
		--secretsfile "$dir/ipsec.secrets" --ipsecdir "$dir/ipsec.d" \
		--rundir "$dir/run" --logfile "$dir/pluto.log" &
	_PIDS+=("$!")
	WPID=$!
	wait_until 60 test -S "$dir/run/pluto.ctl" || return 1
	DPID=$(pgrep -P "$WPID" -f "pluto --nofork" | head -1)   # under WRAP: its child
	[ -n "$WRAP" ] || DPID=$WPID
	[ -n "$DPID" ] || DPID=$(pgrep -f -n "pluto --nofork --config $dir/ipsec.conf")
	wait_until 60 loaded "$dir"
}
loaded() { [ "$(cy_whack "$RESP" "$1" --globalstatus | sed -n 's/.*current\.connections\.loaded=//p')" -ge 1 ] 2>/dev/null; }
# stop: the daemon, within 3600 s; STOP_S = how long it took
stop() {
	local t0=$(date +%s.%N)
	kill "$DPID" 2>/dev/null
	wait_until 3600 dead "$WPID"
	wait "$WPID" 2>/dev/null
	STOP_S=$(echo "$(date +%s.%N) - $t0" | bc)
}
dead() { ! kill -0 "$1" 2>/dev/null; }
count() { cy_whack "$RESP" "$1" --globalstatus | sed -n 's/.*current\.states\.iketype\.authenticated=//p'; }
# cpu_ticks PID: its user + system clock ticks so far
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }

echo "ike_100k: sizes $SIZES, window $WINDOW, sources $SRCS x $PORTS ports; $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
echo "(stop: the daemon's time to stop; hthresh4: ${SPD_HTHRESH:-kernel default})"
printf '%8s %9s %9s %9s %9s %9s %9s %9s  %s\n' SAs up daemon "setup s" ratio "SAs/s" "RSS MiB" "KiB/SA" "errors, drops"
t0=
for n in $SIZES; do
	dir=$TMP/d$n
	start "$dir" || { echo "ike_100k: the daemon did not start ($dir/pluto.log)"; exit 1; }
	r0=$(rss_kb "$DPID")
	out=$(ip netns exec "$GEN" "$LOAD" --remote 192.0.2.2 --src "$SRC" --ports "$PORTS" --psk "$PSK" \
		--window "$WINDOW" --duration "$LIMIT_S" --tsi 10.0.0.0/8 --tsr 203.0.113.0-203.0.113.255 \
		${GEN_ARGS:-} -n "$n" 2>"$TMP/gen$n.err" | tail -1)
	wait_until 30 test "$(count "$dir")" = "$(field established "$out")"
	r1=$(rss_kb "$DPID")
	c0=$(cpu_ticks "$DPID"); sleep 2; c1=$(cpu_ticks "$DPID")   # idle: all SAs up, no traffic
	sleep "${HOLD_S:-0}"                                       # HOLD_S: time to look at it
	est=$(count "$dir")
	drops=$(cy_whack "$RESP" "$dir" --globalstatus | grep -i 'drop\|fail\|error' | grep -v '=0$' | tr '\n' ' ')
	errs=$(grep -ci 'error\|fail\|cannot' "$dir/pluto.log")
	el=$(field elapsed_s "$out")
	[ -z "$t0" ] && t0=$el
	printf '%8s %9s %9s %9s %9s %9s %9s %9s  %s\n' "$n" "$(field established "$out")" "${est:-?}" "$el" \
		"$(echo "scale=1; $el / $t0" | bc)x" "$(field rate "$out")" "$((r1 / 1024))" \
		"$(echo "scale=2; ($r1 - $r0) / ${est:-1}" | bc 2>/dev/null)" \
		"log lines with error/fail: $errs; gen: failed=$(field failed "$out") retransmits=$(field retransmits "$out") $drops"
	[ -s "$TMP/gen$n.err" ] && sed 's/^/    gen: /' "$TMP/gen$n.err" | head -5
	stop
	printf '%8s idle CPU %d%% (2 s after the last SA), stopped in %.1f s\n' "$n" \
		"$(( (c1 - c0) * 100 / $(getconf CLK_TCK) / 2 ))" "$STOP_S"
done
exit 0
