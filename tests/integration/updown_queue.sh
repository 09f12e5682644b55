#!/bin/bash
# the updown runner queues at most 256 runs for the whole daemon
# and silently (one error line each) drops the rest.  150 auto=route conns
# with a leftupdown= script need 300 runs (prepare + route) at start-up and
# 150 unroute at shutdown; the routes/firewall rules of the conns past the
# bound are never set up (or never taken down).
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/e2e.sh"
e2e_need updown_queue
two_hosts "$W" "$E" || { fail setup "cannot create namespaces"; finish; }
N=150
conf "$DW" "$CONN_V4"
cat >"$DW/updown.sh" <<EOF2
#!/bin/sh
echo "\$PLUTO_VERB \$PLUTO_CONNECTION" >>"$DW/updown.out"
sleep 1
EOF2
chmod 755 "$DW/updown.sh"
for i in $(seq 1 $N); do
	printf '\nconn c%d\n\tauthby=secret\n\tleftid=@west\n\trightid=@east\n\tleft=192.0.2.1\n\tleftsubnet=198.51.100.0/24\n\tright=192.0.2.2\n\trightsubnet=203.0.113.%d/32\n\tleftupdown=%s\n\tauto=route\n' \
		"$i" "$i" "$DW/updown.sh" >>"$DW/ipsec.conf"
done
pluto_start "$W" "$DW" || { fail setup "pluto did not start"; finish; }
wait_until 40 eval "[ \"\$(grep -c ^route- \"\$DW/updown.out\" 2>/dev/null)\" = $N ] || grep -q \"not running updown\" \"\$DW/pluto.log\""; sleep 1
pre=$(grep -c '^prepare-' "$DW/updown.out" 2>/dev/null); rt=$(grep -c '^route-' "$DW/updown.out" 2>/dev/null)
dropped=$(grep -c 'not running updown command' "$DW/pluto.log")
echo "start-up: $pre prepare, $rt route runs of $N each; $dropped runs refused"
grep -m1 'not running updown command' "$DW/pluto.log"
if [ "$rt" = "$N" ]; then pass updown-all-routes-run; else fail updown-all-routes-run "only $rt of $N conns got their route run"; fi
finish
