#!/bin/bash
# with the runner's 16-at-once limit, shutdown still starts every
# conn's last (unroute) run side by side: 40 routed conns whose script takes
# 1 s stop in about 1 s, not 40 (a regression test for the limit).
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/e2e.sh"
e2e_need updown_shutdown
two_hosts "$W" "$E" || { fail setup "cannot create namespaces"; finish; }
N=40
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
# shutdown: 40 unroute runs of 1 s each
t0=$(date +%s)
pluto_stop "$DW"
pid=$(pgrep -f "pluto --nofork --config $DW/ipsec.conf" | head -1)
while [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
t1=$(date +%s)
echo "shutdown took $((t1 - t0)) s for $N conns ($(grep -c '^unroute-' "$DW/updown.out") unroute runs)"
if [ $((t1 - t0)) -lt 5 ]; then pass shutdown-runs-side-by-side; else fail shutdown-runs-side-by-side "shutdown took $((t1 - t0)) s: one unroute after another"; fi
grep -a "c1[0-9]*\": unroute\|signal\|shutting\|exiting" "$DW/pluto.log" | tail -12
finish
