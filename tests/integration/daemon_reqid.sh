#!/bin/bash
# reqid= and the kernel's tables (XFRM policies exist on every kernel; the
# SAs themselves are checked in the guest, tests/vm/xfrm_guest.sh part rq):
# - kernel policies with the same small reqid that pluto did not install
#   (another IPsec stack's, a manual one) survive adding and routing a conn
#   with that reqid;
# - what a killed pluto left with a conn's fixed reqid (here its trap
#   policy) is removed when pluto starts again, and the others' stay:
#   pluto notes in its rundir each fixed reqid it installs something with
#   and purges only those (a reqid it shares with another stack, as conn
#   seven once routed, is the administrator's collision: documented).
. "$(dirname "$0")/lib/common.sh"
if [ "$(id -u)" != 0 ]; then env_skip daemon_reqid "needs root (network namespace)"; finish; fi
A=${TAG}a
netns_add "$A" || { fail setup "no netns"; finish; }
ip -n "$A" addr add 192.0.2.1/32 dev lo
foreign() {
	ip -n "$A" xfrm policy add src 198.51.100.0/24 dst 203.0.113.0/24 dir out \
		tmpl src 192.0.2.1 dst 192.0.2.77 proto esp reqid 7 mode tunnel
	ip -n "$A" xfrm policy add src 10.9.0.0/16 dst 10.8.0.0/16 dir out mark 5 mask 0xff \
		tmpl src 192.0.2.1 dst 192.0.2.99 proto esp reqid 7 mode tunnel
}
nreqid() { ip -n "$A" xfrm policy | grep -c "reqid $1 "; }
foreign || { fail setup "ip xfrm policy add"; finish; }
D=$TMP/a; mkdir -p "$D"
cat >"$D/ipsec.conf" <<CONF
config setup
	protostack=xfrm
conn seven
	left=192.0.2.1
	right=192.0.2.2
	leftsubnet=192.0.2.1/32
	rightsubnet=192.0.2.2/32
	authby=secret
	reqid=7
	auto=ignore
conn nine
	left=192.0.2.1
	right=192.0.2.3
	leftsubnet=192.0.2.1/32
	rightsubnet=192.0.2.3/32
	authby=secret
	reqid=9
	auto=route
CONF
echo '192.0.2.1 192.0.2.2 : PSK "daemon-reqid-test-0123456789"' >"$D/ipsec.secrets"
pluto_start "$A" "$D" || { fail start "$(tail -3 "$D/pluto.log")"; finish; }
wait_until 5 eval '[ "$(nreqid 9)" = 1 ]' && pass route-fixed-reqid || fail route-fixed-reqid "$(ip -n "$A" xfrm policy)"
cy_auto "$A" "$D" --config "$D/ipsec.conf" --add seven >/dev/null 2>&1
[ "$(nreqid 7)" = 2 ] && pass foreign-kept-at-add || fail foreign-kept-at-add "$(nreqid 7) policies with reqid 7 left of 2"
grep -qx 7 "$D/run/pluto.reqids" 2>/dev/null && fail not-noted-unused "reqid 7 noted without use" || pass not-noted-unused
# a crash leaves conn nine's trap (reqid 9, noted in the rundir)
pid=$(cat "$D/pluto.testpid")
kill -9 "$pid"; wait "$pid" 2>/dev/null
rm -f "$D/run/pluto.ctl" "$D/run/pluto.pid" "$D/pluto.testpid"
sed -i 's/^\tauto=route/\tauto=ignore/' "$D/ipsec.conf"
stale=$(nreqid 9)
pluto_start "$A" "$D" || { fail restart "$(tail -3 "$D/pluto.log")"; finish; }
if [ "$stale" = 1 ] && [ "$(nreqid 9)" = 0 ] && [ "$(nreqid 7)" = 2 ]; then pass restart-purges-own-only
else fail restart-purges-own-only "reqid 9: $stale before, $(nreqid 9) after; reqid 7: $(nreqid 7) (want 2)"; fi
pluto_stop "$D"
finish
