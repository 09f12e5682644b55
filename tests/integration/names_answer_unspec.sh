#!/bin/bash
# A DNS answer of 0.0.0.0 (the unspecified address) for a responder
# conn's peer name is no usable address: it never turns the conn into a
# %any responder.
# East: right... left=west.example; east's hosts file answers 0.0.0.0 for it.
# West initiates from 192.0.2.3 (not any address east was told about).
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/e2e.sh"
e2e_need names_answer_unspec
netns_etc "$W" "$E" || { fail setup "cannot create /etc/netns/$W"; finish; }
two_hosts "$W" "$E" || { fail setup "cannot create namespaces"; finish; }
ip -n "$W" addr add 192.0.2.3/24 dev va
no_dns "$W" "$E"
printf '127.0.0.1 localhost\n0.0.0.0 west.example\n' >"/etc/netns/$E/hosts"
printf '127.0.0.1 localhost\n' >"/etc/netns/$W/hosts"
conf "$DW" 'left=192.0.2.3
leftsubnet=198.51.100.0/24
right=192.0.2.2
rightsubnet=203.0.113.0/24'
conf "$DE" 'left=west.example
leftsubnet=198.51.100.0/24
right=192.0.2.2
rightsubnet=203.0.113.0/24'
start_both || { fail setup "pluto did not start"; finish; }
wait_until 10 eval 'we --status 2>/dev/null | grep -q "left=west.example: no usable address"' &&
	pass unspecified-answer-not-usable || fail unspecified-answer-not-usable "$(we --status 2>/dev/null | grep '"t":' | head -3 | tr '\n' '|')"
if aw --up t >"$TMP/up" 2>&1 && [ "$(n_states "$W" "$DW" CHILD_SA)" -ge 1 ]; then
	fail unspecified-answer-is-not-any "east accepted 192.0.2.3 for left=west.example (answer 0.0.0.0): $(tail -2 "$TMP/up" | tr '\n' '|'); east: $(we --showstates 2>/dev/null | head -2 | tr '\n' '|')"
else
	pass unspecified-answer-is-not-any
fi
finish
