#!/bin/bash
# an authenticated peer that brings its Child SA up and down in a
# loop fills the daemon-wide updown queue (256) with its own conn's runs
# (serialised per conn, each as slow as the script); meanwhile every other
# conn's updown runs are refused: here east's conn "other" never gets its
# route run (its firewall/route set-up is skipped).
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/e2e.sh"
e2e_need updown_peer_flood
two_hosts "$W" "$E" || { fail setup "cannot create namespaces"; finish; }
both_conf "$CONN_V4"
cat >"$DE/updown.sh" <<EOF2
#!/bin/sh
echo "\$PLUTO_VERB \$PLUTO_CONNECTION" >>"$DE/updown.out"
sleep 0.5
EOF2
chmod 755 "$DE/updown.sh"
printf '\trightupdown=%s\n' "$DE/updown.sh" >>"$DE/ipsec.conf"
cat >>"$DE/ipsec.conf" <<EOF2

conn other
	authby=secret
	leftid=@west
	rightid=@east
	left=192.0.2.1
	leftsubnet=198.51.100.0/24
	right=192.0.2.2
	rightsubnet=203.0.113.77/32
	rightupdown=$DE/updown.sh
	auto=ignore
EOF2
start_both || { fail setup "pluto did not start"; finish; }
# the peer (west) cycles its tunnel
aw --up t 2>&1 | tail -3; cat "$DE/ipsec.conf" | head -20
for i in $(seq 1 80); do aw --up t >/dev/null 2>&1; aw --down t >/dev/null 2>&1; done
echo "east refusals so far: $(grep -c 'not running updown command' "$DE/pluto.log")"
ae --config "$DE/ipsec.conf" --add other >/dev/null 2>&1; ae --route other >"$TMP/r" 2>&1
sleep 2; cat "$TMP/r"; grep "\"other\"" "$DE/pluto.log" | tail -5
if grep -q '"other": .*not running updown command' "$DE/pluto.log"; then
	fail other-conn-updown-runs "$(grep -m1 '"other": .*not running updown command' "$DE/pluto.log")"
else
	pass other-conn-updown-runs
fi
echo "runs done: $(wc -l <"$DE/updown.out"); refused: $(grep -c 'not running updown command' "$DE/pluto.log")"
finish
