#!/bin/bash
# A flood of forged IKE_SA_INIT (issue 13): east serves an established
# tunnel to west (IPv6, userspace dataplane) carrying an iperf3 flow, and
# a right=%any conn for new peers with MODP4096 (each IKE_SA_INIT costs its
# responder a 4096-bit key pair and g^ir, milliseconds of CPU).  The load
# generator (build/tools/ikeload --flood) sends 2,000 forged IKE_SA_INIT a
# second from 198.51.100.0/24 (their answers are routed back to west and
# die there).  First without cookies (ddos-mode=unlimited, 3 s): the flood
# saturates east, which drops requests (its UDP socket's buffer overflows
# or its crypto helpers' queue refuses jobs: counted either way).  Then
# with ddos-ike-threshold=100, for 6 s: cookies engage (status says
# REQUIRED) and the half-open SAs stay near the threshold, not the 12,000
# sent; the tunnel's iperf3 flow never stalls (every 1 s interval carries
# data); a legitimate new peer gets in (ikeload answers the COOKIE);
# east's memory grows by less than 16 MiB.  After the flood: a new peer
# gets in again and east still answers --status at once.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/e2e.sh"
e2e_need ike_flood
LOAD=$BUILD/tools/ikeload
PSK=ike-flood-newpeer-0123456789
IKE=aes_gcm_16_256-sha2_256-modp4096
command -v iperf3 >/dev/null || { env_skip ike_flood "iperf3 missing"; exit; }
[ -x "$LOAD" ] || { fail setup "no $LOAD"; finish; }
two_hosts "$W" "$E" || { fail setup "cannot create namespaces"; finish; }
ip -n "$W" addr add 192.0.2.10/24 dev va
ip -n "$W" addr add 192.0.2.11/24 dev va
ip -n "$E" route add 198.51.100.0/24 via 192.0.2.1     # the forged sources

both_conf "$CONN_V6"
sed -i 's/^\tprotostack=userspace$/&\n\tddos-mode=unlimited/' "$DE/ipsec.conf"
cat >>"$DE/ipsec.conf" <<EOF

conn newpeer
	authby=secret
	left=192.0.2.2
	leftid=@resp.example
	right=%any
	rightid=%any
	ike=$IKE
	esp=aes_gcm_16_256
	auto=add
EOF
printf '@resp.example : PSK "%s"\n' "$PSK" >>"$DE/ipsec.secrets"
gstat() { we --globalstatus | sed -n "s/^.*current\.states\.$1=\([0-9]*\).*/\1/p" | head -1; }
rss_kb() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$(cat "$DE/pluto.testpid")/status"; }
newpeer() { ip netns exec "$W" "$LOAD" --remote 192.0.2.2 --psk "$PSK" --ike "$IKE" --src "$1" -n 1 --timeout 500 --tries 6 2>&1; }
flood() { ip netns exec "$W" "$LOAD" --flood 198.51.100.0/24 --remote 192.0.2.2 --ike "$IKE" --rate 2000 --duration "$1"; }
rcvbuf_errors() { ip netns exec "$E" awk '/^Udp:/ { if (h) print $6; h = 1 }' /proc/net/snmp; }
queue_drops() { we --status | sed -n 's/.*crypto job queue full[^=]*=\([0-9]*\).*/\1/p' | head -1; }

# without cookies the flood is more than east can answer
pluto_start "$E" "$DE" || { fail setup "pluto did not start"; finish; }
u0=$(rcvbuf_errors)
flood 3 >"$TMP/flood0" 2>&1
u1=$(rcvbuf_errors) q=$(queue_drops)
if [ $((u1 - u0)) -gt 0 ] || [ "${q:-0}" -gt 0 ]; then pass saturates-without-cookies
else fail saturates-without-cookies "no request dropped: UDP receive errors $u0 -> $u1, job queue drops ${q:-none}; $(head -1 "$TMP/flood0")"; fi
we --status | grep -q "DDoS cookies not required" && pass no-cookies-when-unlimited ||
	fail no-cookies-when-unlimited "$(we --status | grep 'State Information')"
pluto_stop "$DE"

sed -i 's/^\tddos-mode=unlimited$/\tddos-ike-threshold=100/' "$DE/ipsec.conf"
start_both || { fail setup "pluto did not start"; finish; }
aw --up t >"$TMP/up.out" 2>&1 || { fail up "$(tail -2 "$TMP/up.out")"; finish; }

ip netns exec "$E" iperf3 -s -B 2001:db8:2::1 -p 5201 -1 >"$TMP/iperf-s" 2>&1 &
_PIDS+=("$!")
wait_until 5 eval 'ip netns exec "$E" ss -tln | grep -q "2001:db8:2::1\]:5201"'
rss0=$(rss_kb)
ip netns exec "$W" iperf3 -c 2001:db8:2::1 -B 2001:db8:1::1 -p 5201 -t 8 -i 1 --json >"$TMP/iperf.json" 2>&1 &
ipid=$!
_PIDS+=("$ipid")
flood 6 >"$TMP/flood" 2>&1 &
fpid=$!
_PIDS+=("$fpid")
if wait_until 5 eval 'we --status | grep -q "DDoS cookies REQUIRED"'; then pass cookies-engage
else fail cookies-engage "$(we --status | grep 'State Information'); half-open $(gstat iketype.halfopen)"; fi
out=$(newpeer 192.0.2.10)
grep -q 'established=1 ' <<<"$out" && pass new-peer-in-during-flood || fail new-peer-in-during-flood "$out"
wait "$fpid"
sent=$(sed -n 's/.*flood sent=\([0-9]*\).*/\1/p' "$TMP/flood")
ho=$(gstat iketype.halfopen)
[ "${sent:-0}" -ge 6000 ] && [ "${ho:-99999}" -le 150 ] && pass halfopen-bounded ||
	fail halfopen-bounded "flood sent ${sent:-?}, half-open ${ho:-?} (threshold 100): $(head -2 "$TMP/flood" | tr '\n' '|')"
rss1=$(rss_kb)
if [ -n "${ASAN_OPTIONS:-}" ]; then
	skip memory-bounded "under AddressSanitizer RSS holds its shadow and quarantine (RSS ${rss0} kB -> ${rss1} kB)"
else
	[ $((rss1 - rss0)) -lt 16384 ] && pass memory-bounded || fail memory-bounded "RSS ${rss0} kB -> ${rss1} kB"
fi
wait "$ipid"
# every 1 s interval of the flow carried data
n_int=$(grep -c '"bits_per_second"' "$TMP/iperf.json")
zero=$(/usr/bin/python3 - "$TMP/iperf.json" 2>/dev/null <<'EOF' || echo x
import json, sys
d = json.load(open(sys.argv[1]))
iv = [i["sum"]["bytes"] for i in d["intervals"]]
print(sum(1 for b in iv if b == 0) if len(iv) >= 7 else "short:%d" % len(iv))
EOF
)
[ "$zero" = 0 ] && pass tunnel-flow-never-stalls || fail tunnel-flow-never-stalls "zero intervals: $zero ($n_int lines) $(grep -m1 error "$TMP/iperf.json")"
out=$(newpeer 192.0.2.11)
grep -q 'established=1 ' <<<"$out" && pass new-peer-in-after-flood || fail new-peer-in-after-flood "$out"
t0=$(date +%s%N); we --status >/dev/null; t1=$(date +%s%N)
[ $(((t1 - t0) / 1000000)) -lt 1000 ] && pass status-answers-after-flood ||
	fail status-answers-after-flood "$(((t1 - t0) / 1000000)) ms"
finish
