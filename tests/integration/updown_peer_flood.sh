#!/bin/bash
# An authenticated peer that brings its Child SA up and down in a loop
# fills only its own conn's share of the updown queue (64 runs per conn,
# each as slow as the script): east's other conn routed meanwhile still gets
# its prepare and route runs (once a daemon-wide bound of 256 starved it).
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
for i in $(seq 1 80); do aw --up t >/dev/null 2>&1; aw --down t >/dev/null 2>&1; done
ae --config "$DE/ipsec.conf" --add other >/dev/null 2>&1; ae --route other >"$TMP/r" 2>&1
if wait_until 60 grep -q '^route-client other$' "$DE/updown.out" &&
   ! grep -q '"other": .*not running updown command' "$DE/pluto.log"; then
	pass other-conn-updown-runs
else
	fail other-conn-updown-runs "$(grep -m1 '"other": .*not running updown command' "$DE/pluto.log")$(tr '\n' '|' <"$TMP/r")"
fi
finish
