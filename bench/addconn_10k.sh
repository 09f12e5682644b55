#!/bin/bash
# Load 10,000 conns through `ipsec addconn --autoall` into Cygnet's daemon
# and, in the same run, into Libreswan 4.10's pluto (private rundir, NSS db,
# config, secrets); print both times and the ratio.  Then one
# `ipsec auto --replace` against the 10,000-conn file for both.
# Env: N (default 10000), BUILD (default build), SKIP_LIBRESWAN=1.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-10000}
B=$top/${BUILD:-build}/ipsec
T=$(mktemp -d /tmp/cygnet-bench.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
now() { date +%s.%N; }
# CPU seconds (user+sys) a process has used so far
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.3f", ($14 + $15) / hz}' "/proc/$1/stat"; }
wait_sock() { for _ in $(seq 3000); do [ -S "$1" ] && return 0; sleep 0.01; done; return 1; }

# the config: N PSK conns, auto=add, distinct peers (documentation ranges)
{
	printf 'config setup\n\tlogfile=%s/pluto.log\n\n' "$T"
	printf 'conn %%default\n\tauthby=secret\n\tleft=192.0.2.1\n\tleftid=@west\n\tauto=add\n\n'
	for ((i = 0; i < N; i++)); do
		printf 'conn c%d\n\tright=198.51.%d.%d\n\trightid=@east%d\n\tleftsubnet=10.%d.%d.0/24\n\trightsubnet=10.200.%d.0/24\n\n' \
			$i $((100 + i / 250 % 2)) $((i % 250 + 1)) $i $((i / 256 % 256)) $((i % 256)) $((i % 256))
	done
} >"$T/ipsec.conf"
# an empty config for pluto itself, so it starts with nothing loaded
printf 'config setup\n' >"$T/empty.conf"
printf '@west %%any : PSK "0123456789abcdef0123"\n' >"$T/ipsec.secrets"
chmod 600 "$T/ipsec.secrets"

# ---- Cygnet ----
mkdir -p "$T/cy"
"$B" pluto --nofork --logfile "$T/cy/pluto.log" --config "$T/empty.conf" --secretsfile "$T/ipsec.secrets" \
	--rundir "$T/cy" --ipsecdir "$T" &
cypid=$!
pids+=($cypid)
wait_sock "$T/cy/pluto.ctl" || { echo "cygnet pluto did not start"; exit 1; }
d0=$(cpu_of $cypid)
t0=$(now)
/usr/bin/time -f '%U %S' -o "$T/cy/time" "$B" addconn --ctlsocket "$T/cy/pluto.ctl" --config "$T/ipsec.conf" --autoall >"$T/cy/out" 2>&1
rc=$?
t1=$(now)
d1=$(cpu_of $cypid)
loaded=$("$B" whack --ctlsocket "$T/cy/pluto.ctl" --status | grep -c '^000 "c[0-9]*": .*eroute owner')
cy=$(echo "$t1 - $t0" | bc -l)
printf 'cygnet:    addconn --autoall %d conns: %.3f s (rc %d, %d loaded; cpu: addconn %.3f s, pluto %.3f s)\n' \
	"$N" "$cy" $rc "$loaded" "$(awk '{print $1 + $2}' "$T/cy/time")" "$(echo "$d1 - $d0" | bc -l)"
echo "            (load average now: $(cut -d' ' -f1 /proc/loadavg) on $(nproc) cores; wall times grow with it)"
t0=$(now)
"$B" auto --ctlsocket "$T/cy/pluto.ctl" --config "$T/ipsec.conf" --replace c$((N / 2)) >/dev/null 2>&1
t1=$(now)
cyr=$(echo "$t1 - $t0" | bc -l)
printf 'cygnet:    auto --replace against the %d-conn file: %.3f s\n' "$N" "$cyr"
"$B" whack --ctlsocket "$T/cy/pluto.ctl" --shutdown >/dev/null 2>&1

[ "${SKIP_LIBRESWAN:-0}" = 1 ] && exit 0
LS_PLUTO=/usr/libexec/ipsec/pluto LS_ADDCONN=/usr/libexec/ipsec/addconn LS_WHACK=/usr/libexec/ipsec/whack
if [ ! -x $LS_PLUTO ]; then echo "libreswan: not installed (apt-get install libreswan); no comparison"; exit 0; fi
mkdir -p "$T/ls/run" "$T/ls/nss" "$T/ls/ipsecd"
ipsec initnss --nssdir "$T/ls/nss" >/dev/null 2>&1
$LS_PLUTO --nofork --logfile "$T/ls/pluto.log" --config "$T/empty.conf" --secretsfile "$T/ipsec.secrets" \
	--rundir "$T/ls/run" --nssdir "$T/ls/nss" --ipsecdir "$T/ls/ipsecd" --dumpdir "$T/ls/run" &
lspid=$!
pids+=($lspid)
wait_sock "$T/ls/run/pluto.ctl" || { echo "libreswan pluto did not start"; exit 1; }
d0=$(cpu_of $lspid)
t0=$(now)
/usr/bin/time -f '%U %S' -o "$T/ls/time" $LS_ADDCONN --ctlsocket "$T/ls/run/pluto.ctl" --config "$T/ipsec.conf" --autoall >"$T/ls/out" 2>&1
rc=$?
t1=$(now)
d1=$(cpu_of $lspid)
ls=$(echo "$t1 - $t0" | bc -l)
loaded=$($LS_WHACK --ctlsocket "$T/ls/run/pluto.ctl" --status | grep -c '^000 "c[0-9]*": .*eroute owner')
printf 'libreswan: addconn --autoall %d conns: %.3f s (rc %d, %d loaded; cpu: addconn %.3f s, pluto %.3f s)\n' \
	"$N" "$ls" $rc "$loaded" "$(awk '{print $1 + $2}' "$T/ls/time")" "$(echo "$d1 - $d0" | bc -l)"
t0=$(now)
IPSEC_RUNDIR=$T/ls/run /usr/libexec/ipsec/auto --ctlsocket "$T/ls/run/pluto.ctl" --config "$T/ipsec.conf" \
	--replace c$((N / 2)) >/dev/null 2>&1
t1=$(now)
lsr=$(echo "$t1 - $t0" | bc -l)
printf 'libreswan: auto --replace against the %d-conn file: %.3f s\n' "$N" "$lsr"
$LS_WHACK --ctlsocket "$T/ls/run/pluto.ctl" --shutdown >/dev/null 2>&1
printf 'ratio (libreswan / cygnet): addconn --autoall %.1fx, auto --replace %.1fx\n' \
	"$(echo "$ls / $cy" | bc -l)" "$(echo "$lsr / $cyr" | bc -l)"
