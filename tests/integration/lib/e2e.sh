# Helpers for the two-daemon end-to-end tests (ike_daemons.sh, tunnel_*.sh).
# Sourced after common.sh.  West = namespace $W (192.0.2.1, protected
# 198.51.100.0/24 + 2001:db8:1::/64), East = $E (192.0.2.2, 203.0.113.0/24 +
# 2001:db8:2::/64); each runs its own `ipsec pluto` (protostack=userspace)
# with a private rundir under $TMP/west and $TMP/east.
W=${TAG}w E=${TAG}e
DW=$TMP/west DE=$TMP/east

# e2e_need: skip the whole script unless root, TUN and the tools exist
# (a FAIL under CI: lib/env.sh).
e2e_need() {
	local c
	if [ "$(id -u)" != 0 ] || [ ! -e /dev/net/tun ] || [ ! -x "$IPSEC" ]; then
		env_skip "${1:-e2e}" "needs root, /dev/net/tun and $IPSEC"; exit
	fi
	for c in ip tcpdump nc ping ss; do
		command -v $c >/dev/null || { env_skip "${1:-e2e}" "$c missing"; exit; }
	done
}

# conf DIR "conn lines" [PSK]: writes DIR/ipsec.conf with one conn "t"
# (left = west, right = east; each daemon orients itself) and the secret.
conf() {
	local dir=$1 body=$2 psk=${3:-e2e-$TAG-shared-secret}
	mkdir -p "$dir"
	{
		printf 'config setup\n\tprotostack=userspace\n\n'
		printf 'conn t\n\tauthby=secret\n\tleftid=@west\n\trightid=@east\n\tauto=add\n'
		printf '%s\n' "$body" | sed '/^[[:space:]]*$/d; s/^[[:space:]]*/\t/'
	} >"$dir/ipsec.conf"
	printf '@west @east : PSK "%s"\n' "$psk" >"$dir/ipsec.secrets"
	chmod 600 "$dir/ipsec.secrets"
}
# Tunnel west subnet <-> east subnet over the veth (IPv4).
CONN_V4='left=192.0.2.1
leftsubnet=198.51.100.0/24
right=192.0.2.2
rightsubnet=203.0.113.0/24'
CONN_V6='left=2001:db8::1
leftsubnet=2001:db8:1::/64
right=2001:db8::2
rightsubnet=2001:db8:2::/64'

# add_conn_t6: a second conn "t6" (CONN_V6) in both daemons' ipsec.conf
add_conn_t6() {
	local d
	for d in "$DW" "$DE"; do
		printf '\nconn t6\n\tauthby=secret\n\tleftid=@west\n\trightid=@east\n\tauto=add\n' >>"$d/ipsec.conf"
		printf '%s\n' "$CONN_V6" | sed 's/^/\t/' >>"$d/ipsec.conf"
	done
}
both_conf() { conf "$DW" "$1" "${2:-}"; conf "$DE" "$1" "${3:-${2:-}}"; }
start_both() { pluto_start "$W" "$DW" && pluto_start "$E" "$DE"; }
stop_both() { pluto_stop "$DW"; pluto_stop "$DE"; }
aw() { cy_auto "$W" "$DW" "$@"; }
ae() { cy_auto "$E" "$DE" "$@"; }
ww() { cy_whack "$W" "$DW" "$@"; }
we() { cy_whack "$E" "$DE" "$@"; }

# n_states NS DIR KIND: established IKE or CHILD states (--showstates)
n_states() {
	cy_whack "$1" "$2" --showstates 2>/dev/null | grep -c "STATE_V2_ESTABLISHED_$3"
}
no_states() { [ -z "$(cy_whack "$1" "$2" --showstates 2>/dev/null)" ]; }
routes220() { ip -n "$1" route show table 220 2>/dev/null; ip -n "$1" -6 route show table 220 2>/dev/null; }
rule220() { ip -n "$1" rule 2>/dev/null | grep 'lookup 220'; ip -n "$1" -6 rule 2>/dev/null | grep 'lookup 220'; }
clean220() { [ -z "$(routes220 "$1")" ] && [ -z "$(rule220 "$1")" ]; }

# cap_start NS DEV FILE / cap_stop: tcpdump -U on a link (waits until listening)
cap_start() {
	ip netns exec "$1" tcpdump -i "$2" -n -U --immediate-mode -s 0 -w "$3" 2>"$3.err" &
	_CAP=$! _CAPF=$3
	_PIDS+=("$_CAP")
	wait_until 5 grep -q 'listening on' "$3.err"
}
# stop after the file stopped growing (tcpdump does not drain its ring on SIGINT)
cap_stop() {
	local s=-1 i
	for ((i = 0; i < 20; i++)); do [ "$(stat -c %s "$_CAPF")" = "$s" ] && break; s=$(stat -c %s "$_CAPF"); sleep 0.1; done
	kill -INT "$_CAP" 2>/dev/null; wait "$_CAP" 2>/dev/null; }

# tcp_xfer FROM_NS SRC DST [BYTES]: sends random data + marker lines with
# nc from SRC (in FROM_NS) to DST:5001 (a listener in the other namespace);
# true when the receiver got exactly what was sent.
MARKER=CYGNET-E2E-PLAINTEXT-MARKER
tcp_xfer() {
	local from=$1 src=$2 dst=$3 bytes=${4:-200000} to srv i
	to=$E; [ "$from" = "$E" ] && to=$W
	head -c "$bytes" /dev/urandom >"$TMP/data"
	for i in $(seq 100); do echo "$MARKER-$i"; done >>"$TMP/data"
	rm -f "$TMP/recv"
	ip netns exec "$to" timeout 20 nc -l -n "$dst" 5001 >"$TMP/recv" &
	srv=$!
	wait_until 5 eval "ip netns exec $to ss -ltn | grep -q ':5001 '"
	ip netns exec "$from" timeout 20 nc -N -n -s "$src" "$dst" 5001 <"$TMP/data"
	wait $srv
	cmp -s "$TMP/data" "$TMP/recv"
}

# sa_summary NS DIR [swap]: one line per established SA from
# `whack --status --json` (states array): the fields both peers must agree
# on.  IKE: "ike SPI_I SPI_R ENCR/KEYLEN INTEG PRF DH"; Child: "child
# SPI_IN SPI_OUT ENCR/KEYLEN INTEG DH ESN" (swap: SPI_OUT SPI_IN, as the
# peer sees them).  Sorted, so two sides compare with a plain string test.
_jf() { sed -n "s/.*\"$1\":\"\\{0,1\\}\\([^\",}]*\\).*/\\1/p" <<<"$2"; }
sa_summary() {
	local l
	cy_whack "$1" "$2" --status --json 2>/dev/null | grep '"kind":' | grep '"established":true' |
	while IFS= read -r l; do
		if [ "$(_jf kind "$l")" = ike ]; then
			echo "ike $(_jf spi_i "$l") $(_jf spi_r "$l") $(_jf encr "$l")/$(_jf keylen "$l") $(_jf integ "$l") $(_jf prf "$l") $(_jf dh "$l")"
		elif [ -n "${3:-}" ]; then
			echo "child $(_jf spi_out "$l") $(_jf spi_in "$l") $(_jf encr "$l")/$(_jf keylen "$l") $(_jf integ "$l") $(_jf dh "$l") $(_jf esn "$l")"
		else
			echo "child $(_jf spi_in "$l") $(_jf spi_out "$l") $(_jf encr "$l")/$(_jf keylen "$l") $(_jf integ "$l") $(_jf dh "$l") $(_jf esn "$l")"
		fi
	done | sort
}

# wire_check NAME PCAP ESP_FILTER: the capture holds at least 10 packets
# matching ESP_FILTER (e.g. "esp" or "udp port 4500"), no plaintext TCP or
# ICMP echo, and not the marker string anywhere.
wire_check() {
	local name=$1 pcap=$2 filter=$3 n_esp n_plain
	n_esp=$(tcpdump -nr "$pcap" "$filter" 2>/dev/null | wc -l)
	n_plain=$(tcpdump -nr "$pcap" 'tcp or icmp or (icmp6 and (ip6[40] == 128 or ip6[40] == 129))' 2>/dev/null | wc -l)
	if grep -q "$MARKER" "$pcap"; then
		fail "$name" "the plaintext marker was seen on the wire"
	elif [ "$n_plain" -ne 0 ]; then
		fail "$name" "$n_plain plaintext TCP/ICMP packets on the wire"
	elif [ "$n_esp" -lt 10 ]; then
		fail "$name" "only $n_esp packets match '$filter'"
	else
		pass "$name"
	fi
}

# traffic NAME SRC DST ESP_FILTER CAP_NS CAP_DEV: ping and a TCP transfer
# from west's SRC to east's DST with a capture on the outer link.
traffic() {
	local name=$1 src=$2 dst=$3 filter=$4 cns=${5:-$W} cdev=${6:-va}
	cap_start "$cns" "$cdev" "$TMP/$name.pcap"
	if ip netns exec "$W" ping -c 3 -i 0.2 -W 2 -I "$src" "$dst" >/dev/null 2>&1; then
		pass "$name-ping"
	else
		fail "$name-ping" "no reply from $dst"
	fi
	if tcp_xfer "$W" "$src" "$dst"; then pass "$name-tcp"; else fail "$name-tcp" "received data differs"; fi
	cap_stop
	wire_check "$name-wire" "$TMP/$name.pcap" "$filter"
}

# clear_routes: routes between the protected subnets over the veth, both
# families (the way cleartext would go: tests look for it there)
clear_routes() {
	ip -n "$W" route add 203.0.113.0/24 via 192.0.2.2 && ip -n "$E" route add 198.51.100.0/24 via 192.0.2.1 &&
		ip -n "$W" route add 2001:db8:2::/64 via 2001:db8::2 && ip -n "$E" route add 2001:db8:1::/64 via 2001:db8::1
}

# tunnel_up "CONN LINES": conn t in both daemons, started, and up; else
# FAIL setup/up and end the script
tunnel_up() {
	both_conf "$1"
	start_both || { fail setup "pluto did not start"; finish; }
	aw --up t >"$TMP/up.out" 2>&1 || { fail up "$(tail -2 "$TMP/up.out")"; finish; }
}

# netns_etc NS...: a private /etc/netns/NS/ for each (files there, e.g.
# hosts and resolv.conf, replace /etc's under `ip netns exec NS`), removed
# at exit
netns_etc() {
	local ns
	[ -d /etc/netns ] || { mkdir -p /etc/netns && at_exit rmdir /etc/netns; }
	for ns; do
		mkdir -p "/etc/netns/$ns" || return 1
		at_exit rm -rf "/etc/netns/$ns"
	done
}

# no_dns NS...: a resolv.conf (under netns_etc) whose name server answers
# nothing at once: names come from the hosts file, no lookup waits
no_dns() {
	local ns
	for ns; do printf 'nameserver 127.0.0.1\noptions attempts:1 timeout:1\n' >"/etc/netns/$ns/resolv.conf"; done
}

# nat_hosts: west (192.0.2.1/25, protected 198.51.100.1/24 on lo) behind a
# NAT in namespace $N (192.0.2.126 | 192.0.2.129, nftables masquerade)
# from east (192.0.2.130/25, 203.0.113.1/24 on lo)
nat_hosts() {
	netns_add "$W" && netns_add "$E" && netns_add "$N" || return 1
	ip -n "$W" link add wn type veth peer name nw netns "$N" &&
	ip -n "$E" link add en type veth peer name ne netns "$N" || return 1
	ip -n "$W" addr add 192.0.2.1/25 dev wn; ip -n "$N" addr add 192.0.2.126/25 dev nw
	ip -n "$N" addr add 192.0.2.129/25 dev ne; ip -n "$E" addr add 192.0.2.130/25 dev en
	ip -n "$W" link set wn up; ip -n "$N" link set nw up; ip -n "$N" link set ne up; ip -n "$E" link set en up
	ip -n "$W" route add default via 192.0.2.126
	ip -n "$W" addr add 198.51.100.1/24 dev lo; ip -n "$E" addr add 203.0.113.1/24 dev lo
	ip netns exec "$N" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$N" nft -f - <<NFT
table ip nat {
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "ne" masquerade
	}
}
NFT
}
