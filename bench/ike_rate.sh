#!/bin/bash
# IKE SA setup rate, cost growth and memory, side by side (issue 13 item 2):
# the same generator (build/tools/ikeload) and the same run against
#   cygnet     Cygnet's `ipsec pluto` (userspace dataplane)
#   strongswan strongSwan 5.9.8's charon from Debian's packages, unpacked as
#              tests/peers/strongswan.sh does (kernel-libipsec: userspace ESP)
#   libreswan  Libreswan 4.10's pluto (Debian's package); this kernel has no
#              ESP, so its Child SAs cannot be installed: it is measured with
#              childless IKE SAs (RFC 6023) when it agrees to them, else with
#              the IKE SAs it establishes while refusing the Child SA.
# Namespaces: gen (192.0.2.1 + SRCS aliases from 192.0.2.10) and resp
# (192.0.2.2); one right=%any PSK conn (uniqueids=no / unique=never), AES-GCM-16-256,
# PRF HMAC-SHA2-256, X25519 (ESP AES-GCM-16-256); the Child SAs join
# 203.0.113.0/24 (resp) and 10.0.0.0/8, initiator k proposing 10.0.0.(k+1)/32
# as a road warrior with its own inner address would.  For each daemon:
#   1. RSS with only that conn, then with CONNS more conns loaded: KiB per loaded conn,
#      and again after one IKE SA (a responder has then looked at every conn)
#   2. a fresh daemon, N IKE SAs (+ Child SAs) with WINDOW exchanges in flight:
#      SAs/s, p50/p99 latency, KiB of RSS per established SA; for Cygnet also
#      the latency of control requests meanwhile (its event loop's freedom)
#   3. a fresh daemon, N_BIG SAs: setup time, and its ratio to N's setup time
#      (near-linear growth: time(N_BIG)/time(N) close to N_BIG/N)
# and then the ratios of Cygnet's rate to the others'.  The generator's own DH
# and PRF work runs on the same 2 cores and counts against everyone alike.
# Every daemon is configured for load the same way: no cookies below 25,000
# half-open SAs (strongSwan's cookie and block thresholds raised to match;
# its IKE SA hash table sized 1024, as its documentation advises for many SAs).
#
# Not part of `make check`.  Run as root after `make`:
#   bench/ike_rate.sh                          (N=1000 N_BIG=10000)
#   N=200 N_BIG=1000 DAEMONS="cygnet strongswan" bench/ike_rate.sh
# Env: N, N_BIG (0: skip), WINDOW (64), SRCS (100 source addresses), PORTS (4
# per address), CONNS (1000), DAEMONS, LIMIT_S (600 s per run), GEN_ARGS (more
# ikeload options, e.g. "--delete" or "--ike aes256-sha2_256-modp2048"), BUILD,
# SW_CACHE (where tests/peers/strongswan.sh keeps the unpacked packages),
# SW_ROUTES (strongSwan's install_routes, yes), SW_COOKIE_THRESHOLD (25000; 1
# makes strongSwan answer every IKE_SA_INIT with a COOKIE), SW_LOG (1),
# RESP_IKE (the Cygnet/Libreswan conn's ike=, aes_gcm_16_256-sha2_256-dh31;
# e.g. RESP_IKE=aes256-sha2_256-modp4096 GEN_ARGS="--ike aes256-sha2_256-modp4096"),
# CY_SETUP (more config setup lines for Cygnet, e.g. CY_SETUP='\tnhelpers=0').
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
export CYGNET_TOP=$top CYGNET_BUILD=$top/${BUILD:-build}
. "$top/tests/integration/lib/common.sh"
. "$top/tests/peers/strongswan.sh"
. "$top/tests/peers/libreswan.sh"
N=${N:-1000} N_BIG=${N_BIG:-10000} WINDOW=${WINDOW:-64} SRCS=${SRCS:-100} PORTS=${PORTS:-4}
CONNS=${CONNS:-1000} LIMIT_S=${LIMIT_S:-600}
DAEMONS=${DAEMONS:-cygnet strongswan libreswan}
RESP_IKE=${RESP_IKE:-aes_gcm_16_256-sha2_256-dh31}
LOAD=$BUILD/tools/ikeload
PSK=ikeload-bench-psk-0123456789abcdef
GEN=${TAG}g RESP=${TAG}r
[ "$(id -u)" = 0 ] || { echo "ike_rate: needs root (namespaces)"; exit 1; }
[ -x "$LOAD" ] || { echo "ike_rate: no $LOAD (run make)"; exit 1; }
[ "$SRCS" -ge 1 ] && [ "$SRCS" -le 200 ] || { echo "ike_rate: SRCS must be 1..200"; exit 1; }

trap 'exit 1' TERM INT   # the EXIT trap (lib/common.sh) cleans up
two_hosts "$GEN" "$RESP" || { echo "ike_rate: namespaces"; exit 1; }
for ((i = 0; i < SRCS; i++)); do ip -n "$GEN" addr add 192.0.2.$((10 + i))/24 dev va; done
SRC=192.0.2.10-192.0.2.$((9 + SRCS))

udp500() { ip netns exec "$RESP" ss -Hlun | grep -q ':500 '; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# conn_addr I: a peer address for extra conn I (never one of the generator's)
conn_addr() { echo "198.51.$((100 + $1 / 250 % 4)).$(($1 % 250 + 1))"; }

# ---- Cygnet and Libreswan: the same ipsec.conf and ipsec.secrets ----
# swan_conf DIR EXTRA [childless]: the load conn and EXTRA more conns
swan_conf() {
	local dir=$1 extra=$2 setup=$3
	mkdir -p "$dir"
	{
		printf 'config setup\n\tuniqueids=no\n%b\n' "$setup"
		printf 'conn load\n\tauthby=secret\n\tleft=192.0.2.2\n\tleftid=@resp.example\n\tright=%%any\n'
		printf '\tleftsubnet=203.0.113.0/24\n\trightsubnet=10.0.0.0/8\n\tnarrowing=yes\n'
		printf '\trightid=%%any\n\tike=%s\n\tesp=aes_gcm_16_256\n\tauto=add\n\n' "$RESP_IKE"
		awk -v n="$extra" 'BEGIN { for (i = 0; i < n; i++) {
			printf "conn extra%d\n\tauthby=secret\n\tleft=192.0.2.2\n\tleftid=@resp.example\n", i
			printf "\tright=198.51.%d.%d\n\trightid=@peer%d.example\n", 100 + int(i / 250) % 4, i % 250 + 1, i
			printf "\tleftsubnet=10.%d.%d.0/24\n\trightsubnet=172.16.%d.0/24\n\tauto=add\n\n", int(i / 256) % 256, i % 256, i % 256 } }'
	} >"$dir/ipsec.conf"
	printf '@resp.example : PSK "%s"\n' "$PSK" >"$dir/ipsec.secrets"
	chmod 600 "$dir/ipsec.secrets"
}
cygnet_start() {   # DIR EXTRA
	swan_conf "$1" "$2" "\tprotostack=userspace${CY_SETUP:+\n}${CY_SETUP:-}"
	pluto_start "$RESP" "$1" || return 1
	DPID=$(cat "$1/pluto.testpid")
	# the start-up load of auto=add conns is done when all are listed
	wait_until 120 cy_loaded "$1" $(($2 + 1))
}
cy_loaded() { [ "$(cy_whack "$RESP" "$1" --globalstatus | sed -n 's/.*current\.connections\.loaded=//p')" -ge "$2" ]; }
cygnet_stop() { pluto_stop "$1"; }
cygnet_count() { cy_whack "$RESP" "$1" --globalstatus | sed -n 's/.*current\.states\.iketype\.authenticated=//p'; }

libreswan_start() {
	swan_conf "$1" "$2" '\tplutodebug=none\n\tddos-mode=unlimited'
	at_exit ls_stop "$1"
	ls_start "$RESP" "$1" || return 1
	DPID=$LS_PID
	wait_until 120 ls_loaded "$1" $(($2 + 1))
}
ls_loaded() { [ "$(ls_whack "$RESP" "$1" --globalstatus | sed -n 's/.*current\.connections\.loaded=//p')" -ge "$2" ] 2>/dev/null ||
	      [ "$(ls_whack "$RESP" "$1" --status | grep -c '^000 "[a-z0-9]*": .*eroute owner')" -ge "$2" ]; }
libreswan_stop() { ls_stop "$1"; }
libreswan_count() { ls_whack "$RESP" "$1" --globalstatus | sed -n 's/.*current\.states\.iketype\.authenticated=//p'; }

# ---- strongSwan: swanctl.conf, and a strongswan.conf for load ----
sw_conf() {
	local dir=$1
	cat >"$dir/strongswan.conf" <<CONF
charon {
	load_modular = no
	load = random nonce openssl pem pkcs1 x509 pubkey kdf hmac sha1 sha2 aes gcm chapoly curve25519 kernel-libipsec kernel-netlink socket-default vici
	filelog { log { path = $dir/charon.log
		default = ${SW_LOG:-1}
		flush_line = no } }
	plugins {
		vici { socket = unix://$dir/charon.vici }
	}
	cookie_threshold = ${SW_COOKIE_THRESHOLD:-25000}
	cookie_threshold_ip = ${SW_COOKIE_THRESHOLD:-25000}
	block_threshold = 25000
	ikesa_table_size = 1024
	ikesa_table_segments = 16
	install_routes = ${SW_ROUTES:-yes}
}
CONF
}
strongswan_start() {
	local dir=$1 extra=$2
	mkdir -p "$dir"
	{
		printf 'connections {\n\tload {\n\t\tlocal_addrs = 192.0.2.2\n\t\tproposals = aes256gcm16-prfsha256-x25519\n'
		printf '\t\tunique = never\n\t\tlocal {\n\t\t\tauth = psk\n\t\t\tid = @resp.example\n\t\t}\n\t\tremote {\n\t\t\tauth = psk\n\t\t}\n'
		printf '\t\tchildren {\n\t\t\tload {\n\t\t\t\tesp_proposals = aes256gcm16\n'
		printf '\t\t\t\tlocal_ts = 203.0.113.0/24\n\t\t\t\tremote_ts = 10.0.0.0/8\n\t\t\t}\n\t\t}\n\t}\n'
		awk -v n="$extra" 'BEGIN { for (i = 0; i < n; i++) {
			printf "\textra%d {\n\t\tlocal_addrs = 192.0.2.2\n\t\tremote_addrs = 198.51.%d.%d\n", i, 100 + int(i / 250) % 4, i % 250 + 1
			printf "\t\tproposals = aes256gcm16-prfsha256-x25519\n"
			printf "\t\tlocal { auth = psk\n\t\t\tid = @resp.example }\n\t\tremote { auth = psk\n\t\t\tid = @peer%d.example }\n", i
			printf "\t\tchildren { c { local_ts = 10.%d.%d.0/24\n\t\t\tremote_ts = 172.16.%d.0/24\n\t\t\tesp_proposals = aes256gcm16 } }\n\t}\n", int(i / 256) % 256, i % 256, i % 256 } }'
		printf '}\nsecrets {\n\tike-1 {\n\t\tsecret = "%s"\n\t}\n}\n' "$PSK"
	} >"$dir/swanctl.conf"
	at_exit sw_stop "$dir"
	sw_start "$RESP" "$dir" || return 1
	DPID=$SW_PID
	wait_until 10 udp500 || { echo "  strongswan: no IKE socket: $(grep -i socket "$dir/charon.log" | head -2)"; return 1; }
	grep -q "loaded connection 'load'" "$dir/load.out" 2>/dev/null || grep -qi "successfully loaded" "$dir/load.out"
}
strongswan_stop() { sw_stop "$1"; }
strongswan_count() { sw_ctl "$RESP" "$1" --stats 2>/dev/null | sed -n 's/^IKE_SAs: \([0-9]*\) total.*/\1/p'; }

# ---- one run ----
# stop D DIR: stop daemon D, and wait until port 500 is free for the next one
stop() { "${1}_stop" "$2"; wait_until 10 port500_free; }
port500_free() { ! udp500; }
# gen ARGS...: ikeload from gen to resp; its report line on stdout
gen() {
	ip netns exec "$GEN" "$LOAD" --remote 192.0.2.2 --src "$SRC" --ports "$PORTS" --psk "$PSK" \
		--window "$WINDOW" --duration "$LIMIT_S" --tsi 10.0.0.0/8 --tsr 203.0.113.0-203.0.113.255 ${GEN_ARGS:-} "$@" 2>>"$TMP/gen.err" | tail -1
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
declare -A RATE TIME TIME_BIG P50 P99 KB_CONN KB_CONN_USED KB_SA EST NOTE GEN_US

# Cygnet's event loop while it sets up SAs: the latency of a control request
# (whack --globalstatus, every 50 ms) during the N run.  Crypto on the loop
# (nhelpers=0) delays it by the DH work of the datagrams read in one batch.
ctl_probe_start() {
	: >"$TMP/ctl.ms"; touch "$TMP/ctl.on"
	( while [ -e "$TMP/ctl.on" ]; do
		t0=$(date +%s%N); cy_whack "$RESP" "$1" --globalstatus >/dev/null 2>&1; t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000000)) >>"$TMP/ctl.ms"; sleep 0.05
	done ) &
	CTL_PID=$!
}
ctl_probe_stop() {
	rm -f "$TMP/ctl.on"; wait "$CTL_PID"
	sort -n "$TMP/ctl.ms" | awk '{ v[NR] = $1 } END { k = int(NR * 0.99); if (k < 1) k = 1
		if (NR) printf "  cygnet control request during N: p50 %d ms, p99 %d ms, max %d ms (%d requests)\n", v[int((NR + 1) / 2)], v[k], v[NR], NR }'
}

# measure D: the three steps for daemon D
measure() {
	local d=$1 dir=$TMP/$1 r0 r1 r2 out est extra=()
	[ "$d" = libreswan ] && extra=(--childless)
	# 1. memory per loaded conn
	"${d}_start" "$dir.c0" 0 || { NOTE[$d]="did not start"; return; }
	r0=$(rss_kb "$DPID"); stop "$d" "$dir.c0"
	"${d}_start" "$dir.cn" "$CONNS" || { NOTE[$d]="did not load $CONNS conns"; stop "$d" "$dir.cn"; return; }
	r1=$(rss_kb "$DPID")
	# one IKE SA: a responder then has looked at every conn (Cygnet builds
	# each conn's engine view for its responder index)
	gen -n 1 "${extra[@]}" >/dev/null
	r2=$(rss_kb "$DPID"); stop "$d" "$dir.cn"
	KB_CONN[$d]=$(echo "scale=2; ($r1 - $r0) / $CONNS" | bc)
	KB_CONN_USED[$d]=$(echo "scale=2; ($r2 - $r0) / $CONNS" | bc)
	# 2. N SAs: rate, latency, memory per SA
	"${d}_start" "$dir.n" 0 || { NOTE[$d]="did not start"; return; }
	r0=$(rss_kb "$DPID")
	[ "$d" = cygnet ] && ctl_probe_start "$dir.n"
	out=$(gen -n "$N" "${extra[@]}")
	[ "$d" = cygnet ] && ctl_probe_stop
	echo "  $d N=$N: $out"
	r1=$(rss_kb "$DPID")
	est=$("${d}_count" "$dir.n")
	stop "$d" "$dir.n"
	RATE[$d]=$(field rate "$out") TIME[$d]=$(field elapsed_s "$out") P50[$d]=$(field p50_ms "$out") P99[$d]=$(field p99_ms "$out")
	GEN_US[$d]=$(echo "scale=0; $(field cpu_s "$out") * 1000000 / $N" | bc 2>/dev/null)
	EST[$d]="$(field established "$out")/$N (daemon: ${est:-?})"
	[ "$(field childless "$out")" != 0 ] && NOTE[$d]="childless"
	[ "$(field child "$out")" = 0 ] && [ "$(field childless "$out")" = 0 ] && NOTE[$d]="IKE SAs only (Child SA refused)"
	KB_SA[$d]=$(echo "scale=2; ($r1 - $r0) / ${est:-1}" | bc 2>/dev/null)
	# 3. N_BIG SAs: how the cost grows
	[ "$N_BIG" -gt 0 ] || return
	"${d}_start" "$dir.b" 0 || return
	out=$(gen -n "$N_BIG" "${extra[@]}")
	echo "  $d N=$N_BIG: $out"
	stop "$d" "$dir.b"
	TIME_BIG[$d]=$(field elapsed_s "$out")
	[ "$(field established "$out")" = "$N_BIG" ] || TIME_BIG[$d]="${TIME_BIG[$d]} ($(field established "$out") up)"
}

have() {
	case $1 in
	cygnet) [ -x "$IPSEC" ] ;;
	strongswan) sw_fetch ;;
	libreswan) ls_available ;;
	esac
}
echo "ike_rate: N=$N N_BIG=$N_BIG window=$WINDOW sources=$SRCS x $PORTS ports, $CONNS extra conns; $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
ran=()
for d in $DAEMONS; do
	if ! have "$d"; then echo "  $d: not available, skipped"; continue; fi
	measure "$d"
	ran+=("$d")
done
printf '\n%-10s %9s %9s %9s %9s %16s %9s %9s %9s %9s  %s\n' daemon "SAs/s" "p50 ms" "p99 ms" "N s" "N_BIG s" "KiB/conn" "KiB/conn'" "KiB/SA" "gen us/SA" "established, notes"
for d in "${ran[@]}"; do
	big=${TIME_BIG[$d]:--}
	if [ -n "${TIME[$d]:-}" ] && [ "${TIME_BIG[$d]:-}" ] && [[ ${TIME_BIG[$d]} != *up* ]]; then
		big="$big ($(echo "scale=1; ${TIME_BIG[$d]} / ${TIME[$d]}" | bc)x)"
	fi
	printf '%-10s %9s %9s %9s %9s %16s %9s %9s %9s %9s  %s\n' "$d" "${RATE[$d]:--}" "${P50[$d]:--}" "${P99[$d]:--}" \
		"${TIME[$d]:--}" "$big" "${KB_CONN[$d]:--}" "${KB_CONN_USED[$d]:--}" "${KB_SA[$d]:--}" "${GEN_US[$d]:--}" "${EST[$d]:--} ${NOTE[$d]:-}"
done
echo "(N_BIG s: setup time of $N_BIG SAs, in brackets its ratio to the time of $N; linear is $(echo "scale=1; $N_BIG / $N" | bc)x."
echo " KiB: RSS growth per loaded conn (conn': the same after one IKE SA) / per established SA.  gen us/SA: the generator's own CPU per SA at N.)"
for d in "${ran[@]}"; do
	[ "$d" = cygnet ] && continue
	[ -n "${RATE[cygnet]:-}" ] && [ -n "${RATE[$d]:-}" ] && [ "${RATE[$d]}" != 0.0 ] &&
		printf 'ratio cygnet / %s: rate %.2fx\n' "$d" "$(echo "${RATE[cygnet]} / ${RATE[$d]}" | bc -l)"
done
exit 0
