#!/bin/bash
# Many conns with a leftupdown= script: the runner queues per conn (64
# each, 4096 in all) and runs 16 scripts at once while the daemon runs.
# - start-up: 150 auto=route conns each get their prepare and route run;
#   none is refused (a daemon-wide bound of 256 once dropped runs);
# - shutdown: the last (unroute) runs start side by side, beyond the 16 at
#   once: more than 16 unroute runs start before the first one ends (one
#   after another, 150 runs of 1 s would hold pluto's exit for minutes).
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/e2e.sh"
e2e_need updown_many
two_hosts "$W" "$E" || { fail setup "cannot create namespaces"; finish; }
N=150
conf "$DW" "$CONN_V4"
cat >"$DW/updown.sh" <<EOF2
#!/bin/sh
echo "start \$PLUTO_VERB \$PLUTO_CONNECTION" >>"$DW/updown.out"
case \$PLUTO_VERB in unroute-*) sleep 1 ;; esac
echo "end \$PLUTO_VERB \$PLUTO_CONNECTION" >>"$DW/updown.out"
EOF2
chmod 755 "$DW/updown.sh"
for i in $(seq 1 $N); do
	printf '\nconn c%d\n\tauthby=secret\n\tleftid=@west\n\trightid=@east\n\tleft=192.0.2.1\n\tleftsubnet=198.51.100.0/24\n\tright=192.0.2.2\n\trightsubnet=203.0.113.%d/32\n\tleftupdown=%s\n\tauto=route\n' \
		"$i" "$i" "$DW/updown.sh" >>"$DW/ipsec.conf"
done
pluto_start "$W" "$DW" || { fail setup "pluto did not start"; finish; }
n_lines() { grep -c "^$1" "$DW/updown.out" 2>/dev/null; }
wait_until 60 eval '[ "$(n_lines "end route-")" = $N ] || grep -q "not running updown" "$DW/pluto.log"'
pre=$(n_lines "end prepare-") rt=$(n_lines "end route-")
dropped=$(grep -c 'not running updown command' "$DW/pluto.log")
if [ "$pre" = "$N" ] && [ "$rt" = "$N" ] && [ "$dropped" = 0 ]; then pass startup-every-conn-routed
else fail startup-every-conn-routed "$pre prepare, $rt route runs of $N; $dropped refused: $(grep -m1 'not running updown' "$DW/pluto.log")"; fi
pid=$(cat "$DW/pluto.testpid")
kill "$pid"
wait_until 120 eval '! kill -0 $pid 2>/dev/null'
before_first_end=$(grep -E '^(start|end) unroute-' "$DW/updown.out" | sed '/^end /,$d' | wc -l)
if [ "$(n_lines "start unroute-")" = $N ] && [ "$before_first_end" -gt 16 ]; then pass shutdown-runs-side-by-side
else fail shutdown-runs-side-by-side "$(n_lines "start unroute-") unroute runs started, $before_first_end before the first ended"; fi
finish
