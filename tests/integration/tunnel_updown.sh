#!/bin/bash
# leftupdown=/rightupdown= scripts and the route settings (issue 12 items 4
# and 7) between two Cygnet daemons.  Conn t names a script for each side;
# each daemon runs its own end's (west left, east right), which records its
# environment per run.  The verbs come in Libreswan's order: --route gives
# prepare, route; --up of a routed conn up; --down down (still routed);
# --unroute unroute; the unrouted peer gets up, prepare, route and then
# down, unroute.  metric=, mtu= and leftsourceip= (not an address of west:
# added to lo while used) show in `ip route`; traffic from the gateway
# itself leaves with the source address.  %disabled runs nothing; a script
# that hangs is killed after --updown-timeout while the daemon answers.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/e2e.sh"
e2e_need tunnel_updown
two_hosts "$W" "$E" || { fail setup "cannot create namespaces"; finish; }

cat >"$TMP/ud.sh" <<'EOF'
#!/bin/sh
# $1: the file prefix of this side
{ echo "=== $PLUTO_VERB"; env | grep -E '^(PLUTO_|CONNMARK|SPI_|VTI_|XAUTH)' | sort; } >>"$1.env"
echo "$PLUTO_VERB" >>"$1.verbs"
echo "hello from $PLUTO_VERB"
printf 'esc\033[31mape\n' >&2
EOF
cat >"$TMP/hang.sh" <<'EOF'
#!/bin/sh
echo $$ >>"$1.pids"
echo "hanging in $PLUTO_VERB"
exec sleep 60
EOF
both_conf "$CONN_V4
metric=7
mtu=1300
leftsourceip=198.51.100.77
rightsourceip=203.0.113.1
leftupdown=\"/bin/sh $TMP/ud.sh $TMP/W\"
rightupdown=\"/bin/sh $TMP/ud.sh $TMP/E\""
for d in "$DW" "$DE"; do
	printf '\nconn t6\n\tauthby=secret\n\tleftid=@west\n\trightid=@east\n\tauto=add\n\tleftupdown=%%disabled\n\trightupdown=\n\tleftnexthop=2001:db8::fe\n' >>"$d/ipsec.conf"
	printf '%s\n' "$CONN_V6" | sed 's/^/\t/' >>"$d/ipsec.conf"
done
printf '\nconn th\n\tauthby=secret\n\tauto=add\n\tleft=2001:db8::1\n\tright=2001:db8::2\n\tleftsubnet=2001:db8:1:1::/64\n\trightsubnet=2001:db8:2:1::/64\n\tleftupdown="/bin/sh %s %s"\n' \
	"$TMP/hang.sh" "$TMP/hang" >>"$DW/ipsec.conf"
printf '\nconn badsrc\n\tauthby=secret\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tleftsubnet=198.51.100.0/24\n\trightsubnet=203.0.113.0/24\n\tleftsourceip=192.0.2.77\n' >>"$DW/ipsec.conf"
printf '\nconn nosubnet\n\tauthby=secret\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tleftsourceip=192.0.2.1\n' >>"$DW/ipsec.conf"
pluto_start "$W" "$DW" --updown-timeout 2 && pluto_start "$E" "$DE" --updown-timeout 2 ||
	{ fail setup "pluto did not start"; finish; }

verbs() { tr '\n' ' ' <"$TMP/$1.verbs" 2>/dev/null | sed 's/ $//'; }
# want NAME SIDE "verbs...": the side's runs so far, in order (they are
# asynchronous: waited for)
verbs_are() { [ "$(verbs "$_ws")" = "$_wv" ]; }
want() {
	_ws=$2 _wv=$3
	if wait_until 10 verbs_are; then pass "$1"; else fail "$1" "ran '$(verbs "$2")', want '$3'"; fi
}
# block SIDE VERB N: the N-th environment block of VERB
block() { awk -v v="=== $2" -v n="${3:-1}" '$0 == v { k++; next } /^===/ { if (k == n) exit } k == n' "$TMP/$1.env"; }
# var NAME SIDE VERB "NAME=value..." : each given variable in that block
var() {
	local name=$1 side=$2 verb=$3 kv missing=""; shift 3
	for kv in "$@"; do block "$side" "$verb" | grep -qxF -- "$kv" || missing="$missing $kv"; done
	if [ -z "$missing" ]; then pass "$name"; else fail "$name" "missing:$missing; got $(block "$side" "$verb" | tr '\n' ' ' | head -c 600)"; fi
}

# ---- `ipsec _updown`, for scripts that call the default first ------------
expect default-updown-noop 0 - -- env PLUTO_VERB=up-client "$IPSEC" _updown --route yes
expect default-updown-bad-arg 1 'Unknown argument "--bogus"' -- env PLUTO_VERB=up-client "$IPSEC" _updown --bogus

# ---- leftsourceip= outside leftsubnet= would send clear text: refused ----
expect sourceip-outside-subnet 36 '"badsrc": failed to add connection: leftsourceip=192.0.2.77 invalid, not within leftsubnet' -- \
	aw --config "$DW/ipsec.conf" --add badsrc
expect sourceip-needs-subnet 36 '"nosubnet": failed to add connection: leftsourceip=192.0.2.1 invalid, requires leftsubnet' -- \
	aw --config "$DW/ipsec.conf" --add nosubnet

# ---- --route: prepare, route; the route carries the settings -------------
aw --route t >/dev/null 2>&1
want route-verbs W "prepare-client route-client"
[ ! -e "$TMP/E.verbs" ] && pass route-only-local-side || fail route-only-local-side "east ran '$(verbs E)'"
var route-env W route-client PLUTO_CONNECTION=t PLUTO_ME=192.0.2.1 PLUTO_PEER=192.0.2.2 \
	PLUTO_MY_CLIENT=198.51.100.0/24 PLUTO_MY_CLIENT_NET=198.51.100.0 PLUTO_MY_CLIENT_MASK=255.255.255.0 \
	PLUTO_PEER_CLIENT=203.0.113.0/24 PLUTO_PEER_CLIENT_NET=203.0.113.0 PLUTO_PEER_CLIENT_MASK=255.255.255.0 \
	PLUTO_MY_ID=@west PLUTO_PEER_ID=@east PLUTO_SA_TYPE=none PLUTO_STACK=userspace PLUTO_METRIC=7 \
	PLUTO_MTU=1300 PLUTO_MY_SOURCEIP=198.51.100.77 PLUTO_NEXT_HOP=192.0.2.2 PLUTO_CONN_ADDRFAMILY=ipv4 \
	PLUTO_INTERFACE=va PLUTO_VERSION=2.0 PLUTO_MY_PROTOCOL=0 PLUTO_PEER_PORT=0 PLUTO_CONN_KIND=CK_PERMANENT
r=$(ip -n "$W" route show table 220 | grep '^203.0.113.0/24 ')
case "$r" in
*"dev cygnet0"*"src 198.51.100.77"*"metric 7"*"mtu 1300"*) pass route-src-metric-mtu ;;
*) fail route-src-metric-mtu "table 220: '$r'" ;;
esac
g=$(ip -n "$W" route get 203.0.113.5 2>&1)
case "$g" in
*"dev cygnet0"*"src 198.51.100.77"*) pass route-get-src ;;
*) fail route-get-src "$g" ;;
esac
ip -n "$W" addr show dev lo | grep -q 'inet 198.51.100.77/32 scope 50' && pass sourceip-added-to-lo ||
	fail sourceip-added-to-lo "$(ip -n "$W" addr show dev lo | grep inet | tr '\n' '|')"
grep -qF '"t": route-client output: hello from route-client' "$DW/pluto.log" && pass output-logged ||
	fail output-logged "$(grep 'output' "$DW/pluto.log" | head -3 | tr '\n' '|')"
grep -qF 'output: esc\033[31mape' "$DW/pluto.log" && ! grep -q $'\033' "$DW/pluto.log" && pass output-escaped ||
	fail output-escaped "$(grep -a 'esc' "$DW/pluto.log" | head -2 | cat -v | tr '\n' '|')"
grep -qF '"t": route-client: updown command exited with status 0' "$DW/pluto.log" && pass exit-status-logged ||
	fail exit-status-logged "$(grep 'updown' "$DW/pluto.log" | tail -3 | tr '\n' '|')"

# ---- --up: up (west is routed); east: up, prepare, route ---------------------
if aw --up t >/dev/null 2>&1; then
	want up-verbs W "prepare-client route-client up-client"
	want up-verbs-peer E "up-client prepare-client route-client"
	var up-env W up-client PLUTO_SA_TYPE=ESP PLUTO_PEER_ID=@east PLUTO_MY_ID=@west PLUTO_ME=192.0.2.1 \
		PLUTO_PEER=192.0.2.2 PLUTO_PEER_CLIENT=203.0.113.0/24 PLUTO_MY_SOURCEIP=198.51.100.77
	var up-env-peer E up-client PLUTO_ME=192.0.2.2 PLUTO_PEER=192.0.2.1 PLUTO_MY_CLIENT=203.0.113.0/24 \
		PLUTO_PEER_CLIENT=198.51.100.0/24 PLUTO_MY_ID=@east PLUTO_PEER_ID=@west PLUTO_MY_SOURCEIP=203.0.113.1
	rq_route=$(block W route-client | sed -n 's/^PLUTO_SA_REQID=//p')
	rq_up=$(block W up-client | sed -n 's/^PLUTO_SA_REQID=//p')
	spi=$(block W up-client | sed -n 's/^SPI_IN=//p')
	if [ -n "$rq_up" ] && [ "$rq_up" != 0 ] && [ "$rq_up" = "$rq_route" ] && [ "$spi" != 0x0 ]; then
		pass up-reqid-spi
	else
		fail up-reqid-spi "route reqid '$rq_route' up reqid '$rq_up' SPI_IN '$spi'"
	fi
	# a Child SA rekey (from either side) runs nothing: same selectors, same reqid
	ww --name t --rekey-ipsec >/dev/null 2>&1
	we --name t --rekey-ipsec >/dev/null 2>&1
	one_child() { [ "$(n_states "$W" "$DW" CHILD)" = 1 ] && [ "$(n_states "$E" "$DE" CHILD)" = 1 ]; }
	wait_until 5 one_child
	if one_child && grep -q 'rekeyed' "$DW/pluto.log" && [ "$(verbs W)" = "prepare-client route-client up-client" ] &&
	   [ "$(verbs E)" = "up-client prepare-client route-client" ]; then
		pass rekey-runs-nothing
	else
		fail rekey-runs-nothing "west '$(verbs W)' east '$(verbs E)'; $(ww --showstates | tr '\n' '|')"
	fi
	# the gateway's own traffic takes the source address and the tunnel
	if ip netns exec "$W" ping -c 2 -i 0.2 -W 2 203.0.113.1 >/dev/null 2>&1; then
		pass sourceip-traffic
	else
		fail sourceip-traffic "no reply to a ping without -I"
	fi
	aw --down t >/dev/null 2>&1
	want down-verbs W "prepare-client route-client up-client down-client"
	want down-verbs-peer E "up-client prepare-client route-client down-client unroute-client"
	inb=$(block W down-client | sed -n 's/^PLUTO_INBYTES=//p')
	outb=$(block W down-client | sed -n 's/^PLUTO_OUTBYTES=//p')
	[ "${inb:-0}" -gt 0 ] && [ "${outb:-0}" -gt 0 ] && pass down-bytes || fail down-bytes "in '$inb' out '$outb'"
	ip -n "$W" route show table 220 | grep -q '^203.0.113.0/24 .*src 198.51.100.77' && pass down-keeps-trap-route ||
		fail down-keeps-trap-route "$(routes220 "$W" | tr '\n' '|')"
else
	fail up-verbs "--up t failed"
fi

# ---- --unroute: unroute; the source address goes ----------------------------
aw --unroute t >/dev/null 2>&1
want unroute-verbs W "prepare-client route-client up-client down-client unroute-client"
var unroute-env W unroute-client PLUTO_SA_TYPE=none PLUTO_MY_CLIENT=198.51.100.0/24 PLUTO_PEER_CLIENT=203.0.113.0/24
ip -n "$W" addr show dev lo | grep -q '198.51.100.77' && fail sourceip-removed "still on lo" || pass sourceip-removed
ip -n "$W" addr show dev lo | grep -q 'inet 198.51.100.1/24' && pass own-address-untouched ||
	fail own-address-untouched "198.51.100.1 went"

# ---- %disabled / empty: nothing runs ------------------------------------------
n_before=$(grep -c 'updown command' "$DW/pluto.log")
if aw --up t6 >/dev/null 2>&1; then
	# leftnexthop=: no gateway on a route into the TUN (the kernel
	# dataplane's routes carry it: test_route_msg), but PLUTO_NEXT_HOP
	r=$(ip -n "$W" -6 route show table 220 | grep '^2001:db8:2::/64 ')
	case "$r" in
	"2001:db8:2::/64 dev cygnet0 "*) pass nexthop-tun-route ;;
	*) fail nexthop-tun-route "table 220: '$r'; $(grep -i "cannot route\|route" "$DW/pluto.log" | tail -3 | tr "\\n" "|")" ;;
	esac
	ip netns exec "$W" ping -6 -c 1 -W 2 -I 2001:db8:1::1 2001:db8:2::1 >/dev/null 2>&1 && pass nexthop-traffic ||
		fail nexthop-traffic "no reply over t6"
	aw --down t6 >/dev/null 2>&1
	wait_until 5 eval 'no_states $E $DE'
	if [ "$(grep -c 'updown command' "$DW/pluto.log")" = "$n_before" ] && ! grep -q '"t6".*updown' "$DE/pluto.log"; then
		pass disabled-runs-nothing
	else
		fail disabled-runs-nothing "$(grep '"t6".*updown' "$DW/pluto.log" "$DE/pluto.log" | head -3 | tr '\n' '|')"
	fi
else
	fail disabled-runs-nothing "--up t6 failed"
fi

# ---- a script that hangs: killed after the limit, the daemon answers ---------
aw --route th >/dev/null 2>&1
wait_until 5 test -s "$TMP/hang.pids" || fail hang-started "$(grep '"th"' "$DW/pluto.log" | tr '\n' '|')"
t0=$(date +%s%N)
ww --status >/dev/null 2>&1; rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
if [ "$rc" = 0 ] && [ "$ms" -lt 1500 ] && [ -s "$TMP/hang.pids" ] && [ -z "$(grep 'killing it' "$DW/pluto.log")" ]; then
	pass hang-status-answers
else
	fail hang-status-answers "rc $rc after ${ms}ms; $(grep 'killing' "$DW/pluto.log" | head -1)"
fi
if wait_until 10 eval '[ "$(grep -c "\"th\": [a-z0-9-]*: updown command exited with signal 9 (killed: time limit)" "$DW/pluto.log")" = 2 ]'; then
	pass hang-killed-both-verbs
else
	fail hang-killed-both-verbs "$(grep '"th"' "$DW/pluto.log" | tr '\n' '|')"
fi
# gone or a zombie (a killed grandchild waits for init to reap it)
running() { [ -r "/proc/$1/stat" ] && [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
none_running() { local pid; for pid in $(cat "$TMP/hang.pids" 2>/dev/null); do running "$pid" && return 1; done; return 0; }
wait_until 5 none_running
alive=""
for pid in $(cat "$TMP/hang.pids" 2>/dev/null); do running "$pid" && alive="$alive $pid"; done
[ -z "$alive" ] && [ "$(wc -l <"$TMP/hang.pids")" = 2 ] && pass hang-processes-gone ||
	fail hang-processes-gone "alive:$alive; pids $(tr '\n' ' ' <"$TMP/hang.pids")"
grep -qF '"th": prepare-host-v6' "$DW/pluto.log" && fail hang-verb-suffix "host verb for a subnet" ||
	{ grep -qF '"th": prepare-client-v6 output: hanging in prepare-client-v6' "$DW/pluto.log" && pass hang-verb-suffix ||
	  fail hang-verb-suffix "$(grep '"th"' "$DW/pluto.log" | head -2 | tr '\n' '|')"; }

# ---- shutdown: what is routed is unrouted --------------------------------------
aw --route t >/dev/null 2>&1
want reroute-verbs W "prepare-client route-client up-client down-client unroute-client prepare-client route-client"
wpid=$(cat "$DW/pluto.testpid")
t0=$SECONDS
pluto_stop "$DW"
# th's unroute hangs too: killed after the limit, the daemon still exits
if ! kill -0 "$wpid" 2>/dev/null && [ $((SECONDS - t0)) -le 4 ] &&
   grep -q '"th": unroute-client-v6: updown command exited with signal 9 (killed: time limit)' "$DW/pluto.log" &&
   [ "$(wc -l <"$TMP/hang.pids")" = 3 ] && wait_until 5 none_running; then
	pass shutdown-hanging-unroute-killed
else
	fail shutdown-hanging-unroute-killed "pluto $(kill -0 "$wpid" 2>/dev/null && echo alive || echo gone) after $((SECONDS - t0))s; $(grep '"th": unroute' "$DW/pluto.log" | tail -2 | tr '\n' '|')"
fi
want shutdown-unroute W "prepare-client route-client up-client down-client unroute-client prepare-client route-client unroute-client"
ip -n "$W" addr show dev lo | grep -q '198.51.100.77' && fail shutdown-sourceip-removed "still on lo" ||
	pass shutdown-sourceip-removed
stop_both
finish
