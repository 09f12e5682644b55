#!/bin/bash
# config setup settings of the IKE sockets (issue 12 §6), two daemons:
#   - listen=192.0.2.1: west's UDP 500 and 4500 sockets are bound to that
#     address only (ss -lun), no IPv6 socket, and a tunnel still comes up;
#   - ike-socket-bufsize=300000: east's UDP 500 socket has SO_RCVBUF and
#     SO_SNDBUF of 600000 (the kernel doubles it; ss -uampn skmem rb/tb);
#   - keep-alive=1 behind a NAT: west sends NAT-T keepalives (one 0xff byte
#     to UDP 4500) about every second (the default is 20 s).
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/e2e.sh"
e2e_need setup_sockets
two_hosts "$W" "$E" || { fail setup "cannot create namespaces"; finish; }
ip -n "$W" addr add 192.0.2.3/24 dev va
both_conf "$CONN_V4"
sed -i 's/^config setup$/config setup\n\tlisten=192.0.2.1/' "$DW/ipsec.conf"
sed -i 's/^config setup$/config setup\n\tike-socket-bufsize=300000/' "$DE/ipsec.conf"
start_both || { fail setup "pluto did not start"; finish; }
# the dataplane (and its 4500 socket) starts with the engine: --up starts it
up_ok=0
aw --up t >"$TMP/up" 2>&1 && up_ok=1

ip netns exec "$W" ss -lunH >"$TMP/ssw"
if grep -qE '192\.0\.2\.1:500 ' "$TMP/ssw" && grep -qE '192\.0\.2\.1:4500 ' "$TMP/ssw" &&
   ! grep -qE '(0\.0\.0\.0|\*|\[::\]):(500|4500) ' "$TMP/ssw"; then
	pass listen-binds-only-that-address
else
	fail listen-binds-only-that-address "$(tr '\n' '|' <"$TMP/ssw")"
fi
if [ "$up_ok" = 1 ] && [ "$(n_states "$W" "$DW" CHILD_SA)" -ge 1 ]; then
	pass listen-tunnel-up
else
	fail listen-tunnel-up "$(tail -2 "$TMP/up" | tr '\n' '|')"
fi
if ww --status 2>/dev/null | grep -qF 'listen=192.0.2.1'; then pass listen-status; else fail listen-status "no listen=192.0.2.1"; fi

ip netns exec "$E" ss -uampnH 'sport = :500' >"$TMP/sse"
if grep -q 'rb600000,' "$TMP/sse" && grep -q 'tb600000,' "$TMP/sse"; then
	pass ike-socket-bufsize
else
	fail ike-socket-bufsize "$(tr '\n' '|' <"$TMP/sse")"
fi
ip netns exec "$W" ss -uampnH 'sport = :500' >"$TMP/ssw5"
if ! grep -q 'rb600000,' "$TMP/ssw5"; then pass bufsize-default-elsewhere; else fail bufsize-default-elsewhere "$(tr '\n' '|' <"$TMP/ssw5")"; fi
aw --down t >/dev/null 2>&1
stop_both

# ---- syslog=local3.notice: pluto (detached, no logfile) logs to syslog ----
# with facility local3, its start-up and shutdown lines at priority notice
# (<PRI> = 19 * 8 + 5 = 157).  /dev/log is a test socket: the daemon runs
# in a private mount namespace where a directory of ours is /dev.
if command -v unshare >/dev/null; then
	SL=$TMP/syslog; mkdir -p "$SL/dev" "$SL/run"
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1])
f = open(sys.argv[2], "ab", 0)
while True:
    f.write(s.recv(65536) + b"\n")' "$SL/dev/log" "$SL/got" &
	_PIDS+=("$!")
	wait_until 5 test -S "$SL/dev/log"
	printf 'config setup\n\tsyslog=local3.notice\n' >"$SL/ipsec.conf"
	: >"$SL/ipsec.secrets"; chmod 600 "$SL/ipsec.secrets"
	: >"$SL/dev/null"
	unshare -m sh -c 'mount --bind /dev/null "$1/dev/null" && mount --bind "$1/dev" /dev &&
		exec "$2" pluto --config "$1/ipsec.conf" --secretsfile "$1/ipsec.secrets" --ipsecdir "$1" --rundir "$1/run"' \
		sh "$SL" "$IPSEC" >"$SL/start.out" 2>&1
	wait_until 5 test -s "$SL/run/pluto.pid"
	spid=$(cat "$SL/run/pluto.pid" 2>/dev/null)
	[ -n "$spid" ] && _PIDS+=("$spid")
	wait_until 5 grep -q 'Starting Cygnet pluto' "$SL/got"
	[ -n "$spid" ] && kill "$spid" 2>/dev/null
	wait_until 5 grep -q 'pluto stopped' "$SL/got"
	if grep -q '^<157>.*pluto\[[0-9]*\]: Starting Cygnet pluto' "$SL/got" &&
	   grep -q '^<157>.*pluto stopped' "$SL/got" && grep -q '^<158>.*loading secrets' "$SL/got" &&
	   ! grep -q '^<[0-9]*>' <(grep -v '^<15[0-9]>' "$SL/got"); then
		pass syslog-facility-priority
	else
		fail syslog-facility-priority "start: $(tr '\n' '|' <"$SL/start.out"); got: $(head -4 "$SL/got" | tr '\n' '|')"
	fi
	printf 'config setup\n\tsyslog=nosuch.notice\n' >"$SL/bad.conf"
	expect syslog-bad-value 1 "syslog=nosuch.notice" -- "$IPSEC" pluto --nofork --config "$SL/bad.conf" \
		--secretsfile "$SL/ipsec.secrets" --rundir "$SL/run"
	expect syslog-bad-checkconfig 1 "syslog=nosuch.notice: not FACILITY[.PRIORITY]" -- \
		"$IPSEC" addconn --config "$SL/bad.conf" --checkconfig
else
	skip syslog-facility-priority "unshare missing"
fi

# ---- keep-alive= behind a NAT (tunnel_nat.sh's layout, own namespaces) ----
W=${TAG}kw E=${TAG}ke N=${TAG}kn DW=$TMP/kwest DE=$TMP/keast
if ! command -v nft >/dev/null; then
	skip keep-alive-interval "nft missing"; finish
fi
nat_hosts || { fail setup "cannot create the namespaces and the NAT"; finish; }
conf "$DW" "left=192.0.2.1
leftsubnet=198.51.100.0/24
right=192.0.2.130
rightsubnet=203.0.113.0/24"
conf "$DE" "left=%any
leftsubnet=198.51.100.0/24
right=192.0.2.130
rightsubnet=203.0.113.0/24"
sed -i 's/^config setup$/config setup\n\tkeep-alive=1/' "$DW/ipsec.conf"
start_both || { fail setup "pluto did not start (NAT)"; finish; }
cap_start "$W" wn "$TMP/ka.pcap"
if aw --up t >"$TMP/up" 2>&1; then
	# NAT-T keepalive: UDP 4500 with the one byte 0xff (length 9)
	ka() { tcpdump -tt -nr "$TMP/ka.pcap" 'src host 192.0.2.1 and udp dst port 4500 and udp[4:2] = 9 and udp[8] = 0xff' 2>/dev/null; }
	wait_until 8 eval '[ "$(ka | wc -l)" -ge 4 ]'
	cap_stop
	# intervals between consecutive keepalives, in ms
	gaps=$(ka | awk '{ t = $1 * 1000; if (n++) printf "%d ", t - p; p = t }')
	bad=$(for g in $gaps; do [ "$g" -ge 700 ] && [ "$g" -le 1600 ] || echo "$g"; done)
	if [ "$(ka | wc -l)" -ge 4 ] && [ -z "$bad" ]; then
		pass keep-alive-interval
	else
		fail keep-alive-interval "$(ka | wc -l) keepalives, gaps(ms): $gaps"
	fi
	if ww --status 2>/dev/null | grep -q 'keepalive:1s' && ww --status 2>/dev/null | grep -q 'keep-alive=1,'; then
		pass keep-alive-status
	else
		fail keep-alive-status "$(ww --status 2>/dev/null | grep -i keep | tr '\n' '|')"
	fi
else
	cap_stop
	fail keep-alive-interval "--up failed: $(tail -2 "$TMP/up" | tr '\n' '|')"
fi
finish
