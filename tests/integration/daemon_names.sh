#!/bin/bash
# left=/right= as DNS names (issue 12 §5), resolved through a per-namespace
# hosts file: `ip netns exec NS` bind-mounts /etc/netns/NS/hosts over
# /etc/hosts for the daemon it starts (the real /etc/hosts is untouched;
# the files are rewritten in place, so the bind mount sees new contents).
#   - a conn whose peer is a name establishes a tunnel; status shows
#     ADDR<NAME> as Libreswan;
#   - the responder with a name for the peer refuses a peer from another
#     address (a name is never %any);
#   - an unresolvable name: --add loads the conn and says why, --up fails
#     with the reason, status shows %dns<NAME> and the reason;
#   - after the hosts files change, --rereadall moves the conn to the new
#     address and the next --up reaches the peer there; without
#     --rereadall, the next --up resolves again;
#   - a lookup that hangs (a name server that never answers) does not stall
#     the daemon: status answers at once while the --add waits for it;
#     nor does it hold up pluto's exit.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/e2e.sh"
e2e_need daemon_names
netns_etc "$W" "$E" || { fail setup "cannot create /etc/netns/$W"; finish; }
two_hosts "$W" "$E" || { fail setup "cannot create namespaces"; finish; }
ip -n "$W" addr add 192.0.2.3/24 dev va
ip -n "$E" addr add 192.0.2.4/24 dev vb
# a name server that answers nothing at once (no lookup waits on a timeout)
no_dns "$W" "$E"
# hosts NS LINES: rewrite NS's hosts file in place (same inode)
hosts() { printf '127.0.0.1 localhost\n%s\n' "$2" >"/etc/netns/$1/hosts"; }
hosts "$W" '192.0.2.2 east.example'
hosts "$E" $'192.0.2.1 west.example\n192.0.2.2 east.example'

conf "$DW" 'left=192.0.2.1
leftsubnet=198.51.100.0/24
right=east.example
rightsubnet=203.0.113.0/24'
conf "$DE" 'left=west.example
leftsubnet=198.51.100.0/24
right=east.example
rightsubnet=203.0.113.0/24'
# west: the same subnets from another address (refused by east), and a
# conn whose peer has no address
cat >>"$DW/ipsec.conf" <<'CONF'

conn other
	authby=secret
	leftid=@west
	rightid=@east
	left=192.0.2.3
	leftsubnet=198.51.100.0/24
	right=192.0.2.2
	rightsubnet=203.0.113.0/24
	auto=ignore

conn nowhere
	authby=secret
	left=192.0.2.1
	right=nosuch.example
	auto=ignore

conn slow
	authby=secret
	left=192.0.2.1
	right=slow.example
	auto=ignore
CONF
start_both || { fail setup "pluto did not start"; finish; }
status_w() { ww --status 2>/dev/null | grep '"t":'; }
status_e() { we --status 2>/dev/null | grep '"t":'; }

if wait_until 10 eval 'status_w | grep -qF "192.0.2.1[@west]...192.0.2.2<east.example>[@east]"' &&
   wait_until 10 eval 'status_e | grep -qF "192.0.2.2<east.example>[@east]...192.0.2.1<west.example>[@west]"'; then
	pass status-shows-address-and-name
else
	fail status-shows-address-and-name "west: $(status_w | head -1); east: $(status_e | head -1)"
fi

if aw --up t >"$TMP/up" 2>&1 && [ "$(n_states "$W" "$DW" CHILD_SA)" -ge 1 ]; then
	pass up-by-name
	traffic by-name 198.51.100.1 203.0.113.1 esp
else
	fail up-by-name "$(tail -3 "$TMP/up" | tr '\n' '|')"
fi
aw --down t >/dev/null 2>&1
wait_until 10 eval 'no_states "$W" "$DW" && no_states "$E" "$DE"'

# east's peer is west.example = 192.0.2.1: 192.0.2.3 is nobody it knows
expect add-other 0 - -- aw --config "$DW/ipsec.conf" --add other
if ! aw --up other >"$TMP/up" 2>&1 && grep -q 'sent IKE_SA_INIT request to 192.0.2.2' "$TMP/up" && [ "$(n_states "$E" "$DE" IKE_SA)" = 0 ] &&
   ! grep -q 'STATE_V2_ESTABLISHED' <(we --showstates 2>/dev/null); then
	pass responder-refuses-other-address
else
	fail responder-refuses-other-address "up: $(tail -2 "$TMP/up" | tr '\n' '|'); east: $(we --showstates 2>/dev/null | head -2 | tr '\n' '|')"
fi
aw --delete other >/dev/null 2>&1
wait_until 10 eval 'no_states "$W" "$DW" && no_states "$E" "$DE"'

expect unresolvable-add-says-why 0 "failed to resolve 'right=nosuch.example'" -- aw --config "$DW/ipsec.conf" --add nowhere
expect unresolvable-up-fails 36 "failed to resolve 'right=nosuch.example'" -- aw --up nowhere
if ww --status 2>/dev/null | grep -F '"nowhere":' >"$TMP/st" &&
   grep -qF '192.0.2.1...%dns<nosuch.example>' "$TMP/st" && grep -qF 'right=nosuch.example: ' "$TMP/st"; then
	pass unresolvable-status
else
	fail unresolvable-status "$(head -3 "$TMP/st" | tr '\n' '|')"
fi

# east.example moves to 192.0.2.4: both daemons reread
hosts "$W" '192.0.2.4 east.example'
hosts "$E" $'192.0.2.1 west.example\n192.0.2.4 east.example'
expect rereadall-rc 0 "loading secrets" -- aw --rereadall
we --rereadall >/dev/null 2>&1
if status_w | grep -qF '...192.0.2.4<east.example>' && status_e | grep -qF '192.0.2.4<east.example>[@east]...'; then
	pass rereadall-new-address
else
	fail rereadall-new-address "west: $(status_w | head -1); east: $(status_e | head -1)"
fi
cap_start "$W" va "$TMP/moved.pcap"
if aw --up t >"$TMP/up" 2>&1 && [ "$(n_states "$W" "$DW" CHILD_SA)" -ge 1 ]; then
	cap_stop
	if [ "$(tcpdump -nr "$TMP/moved.pcap" 'dst host 192.0.2.4 and udp port 500' 2>/dev/null | wc -l)" -ge 1 ] &&
	   [ "$(tcpdump -nr "$TMP/moved.pcap" 'dst host 192.0.2.2' 2>/dev/null | wc -l)" = 0 ]; then
		pass up-after-rereadall-uses-new-address
	else
		fail up-after-rereadall-uses-new-address "no IKE to 192.0.2.4 alone: $(tcpdump -nr "$TMP/moved.pcap" 2>/dev/null | head -3 | tr '\n' '|')"
	fi
else
	cap_stop
	fail up-after-rereadall-uses-new-address "$(tail -3 "$TMP/up" | tr '\n' '|')"
fi
aw --down t >/dev/null 2>&1
wait_until 10 eval 'no_states "$W" "$DW" && no_states "$E" "$DE"'

# back to 192.0.2.2, west without --rereadall: the next --up resolves again
hosts "$W" '192.0.2.2 east.example'
hosts "$E" $'192.0.2.1 west.example\n192.0.2.2 east.example'
we --rereadall >/dev/null 2>&1
if aw --up t >"$TMP/up" 2>&1 && status_w | grep -qF '...192.0.2.2<east.example>' &&
   ww --showstates 2>/dev/null | grep -q 'ESTABLISHED_CHILD_SA'; then
	pass next-up-resolves-again
else
	fail next-up-resolves-again "$(tail -2 "$TMP/up" | tr '\n' '|'); $(status_w | head -1)"
fi

# a name server nobody answers for (no such neighbour on the link): the
# lookup of slow.example takes the resolver's 3 s timeout
printf 'nameserver 192.0.2.99\noptions attempts:1 timeout:3\n' >"/etc/netns/$W/resolv.conf"
t0=$(date +%s%N)
aw --config "$DW/ipsec.conf" --add slow >"$TMP/slow" 2>&1 &
slowpid=$!
if wait_until 5 eval 'ww --status 2>/dev/null | grep -qF "\"slow\":   right=slow.example: not resolved yet"'; then
	t1=$(date +%s%N); ww --briefstatus >/dev/null 2>&1; t2=$(date +%s%N)
	if kill -0 "$slowpid" 2>/dev/null && [ $(((t2 - t1) / 1000000)) -lt 1000 ]; then
		pass lookup-does-not-stall-daemon
	else
		fail lookup-does-not-stall-daemon "status took $(((t2 - t1) / 1000000)) ms (add still waiting: $(kill -0 "$slowpid" 2>/dev/null && echo yes || echo no))"
	fi
else
	fail lookup-does-not-stall-daemon "no status line for the pending lookup: $(ww --status 2>/dev/null | grep '"slow"' | tr '\n' '|')"
fi
wait "$slowpid"; rc=$?; t3=$(date +%s%N)
if [ "$rc" = 0 ] && grep -qF "failed to resolve 'right=slow.example'" "$TMP/slow" && [ $(((t3 - t0) / 1000000)) -ge 2000 ]; then
	pass slow-lookup-answers-add
else
	fail slow-lookup-answers-add "rc $rc after $(((t3 - t0) / 1000000)) ms: $(tr '\n' '|' <"$TMP/slow")"
fi

# a lookup that would take 30 s (a name server that takes the query and
# never answers) does not hold up pluto's exit: it waits for a lookup in
# progress about a second, then leaves it
ip netns exec "$W" nc -u -l 127.0.0.2 53 >/dev/null 2>&1 &
_PIDS+=("$!")
wait_until 5 eval 'ip netns exec "$W" ss -uln | grep -q "127.0.0.2:53"'
printf 'nameserver 127.0.0.2\noptions attempts:1 timeout:30\n' >"/etc/netns/$W/resolv.conf"
aw --delete slow >/dev/null 2>&1
aw --config "$DW/ipsec.conf" --add slow >"$TMP/slow2" 2>&1 &
slowpid=$!
if wait_until 5 eval 'ww --status 2>/dev/null | grep -qF "\"slow\":   right=slow.example: not resolved yet"'; then
	pid=$(cat "$DW/pluto.testpid"); kill "$pid"
	if wait_until 5 eval '! kill -0 $pid 2>/dev/null'; then pass hung-lookup-does-not-hold-exit
	else fail hung-lookup-does-not-hold-exit "pluto still running 5 s after SIGTERM"; fi
	wait "$slowpid"
	grep -q "still running after" "$DW/pluto.log" && pass hung-lookup-exit-logged ||
		fail hung-lookup-exit-logged "$(tail -3 "$DW/pluto.log" | tr '\n' '|')"
else
	fail hung-lookup-does-not-hold-exit "no pending lookup: $(ww --status 2>/dev/null | grep '"slow"' | tr '\n' '|')"
fi
finish
