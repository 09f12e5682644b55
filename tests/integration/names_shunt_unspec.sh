#!/bin/bash
# A passthrough shunt whose right= is a host name answered with 0.0.0.0
# is not widened to 0.0.0.0/0 (every destination bypassing every tunnel):
# that answer is no usable address.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/e2e.sh"
e2e_need names_shunt_unspec
netns_etc "$W" "$E" || { fail setup "cannot create /etc/netns/$W"; finish; }
two_hosts "$W" "$E" || { fail setup "cannot create namespaces"; finish; }
no_dns "$W" "$E"
for ns in "$W" "$E"; do
	printf '127.0.0.1 localhost\n0.0.0.0 printer.example\n' >"/etc/netns/$ns/hosts"
done
conf "$DW" "$CONN_V4"
cat >>"$DW/ipsec.conf" <<'CONF'

conn printer
	type=passthrough
	left=192.0.2.1
	right=printer.example
	auto=route
CONF
conf "$DE" "$CONN_V4"
start_both || { fail setup "pluto did not start"; finish; }
wait_until 10 eval 'cy_whack "$W" "$DW" --status 2>/dev/null | grep -q "\"printer\".*routed"'
cy_whack "$W" "$DW" --status 2>/dev/null | grep '"printer":' | head -2
# (one line per policy; the daemon's per-socket bypass policies, "socket in/out", are not shunts)
ip -n "$W" xfrm policy 2>/dev/null | awk '/^src/ { if (l != "") print l; l = $0; next } { l = l " " $0 } END { if (l != "") print l }' |
	grep -v 'socket in\|socket out' | grep 'src 0.0.0.0/0\|dst 0.0.0.0/0' | head -20 >"$TMP/pol"
cat "$TMP/pol"
if grep -q '0.0.0.0/0' "$TMP/pol"; then
	fail shunt-name-unspecified "passthrough shunt for right=printer.example (answer 0.0.0.0) covers 0.0.0.0/0"
else
	pass shunt-name-unspecified
fi
finish
