# Libreswan 4.10 as a test peer: Debian's package (scripts/install-deps installs
# it), its pluto run privately inside a netns.  Source this file; it defines:
#   ls_available           0 when Libreswan's pluto and whack are installed
#   ls_version             "4.10"; ls_package_version "4.10-2+deb12u1"
#   ls_start NS DIR        start pluto in NS; DIR holds ipsec.conf and ipsec.secrets
#                          (an NSS db is made in DIR/nss); sets LS_PID
#   ls_whack NS DIR ARGS   ipsec whack against that pluto
#   ls_stop DIR            stop that pluto
# Facts (issue 6): pluto takes --nofork --config --secretsfile --rundir
# --nssdir --ipsecdir --logfile and loads its config's auto= conns itself.  On
# a kernel without ESP it completes IKE_SA_INIT and IKE_AUTH but cannot
# install a Child SA (XFRM answers EPROTONOSUPPORT, errno 93).

LS_LIBEXEC=${LS_LIBEXEC:-/usr/libexec/ipsec}

ls_available() { [ -x "$LS_LIBEXEC/pluto" ] && [ -x "$LS_LIBEXEC/whack" ] && command -v ipsec >/dev/null; }
ls_version() { "$LS_LIBEXEC/pluto" --version 2>/dev/null | sed -n '1s/^Libreswan \([0-9.]*\).*/\1/p'; }
ls_package_version() { dpkg-query -W -f '${Version}' libreswan 2>/dev/null; }

ls_start() {
	local ns=$1 dir=$2 i
	mkdir -p "$dir/run" "$dir/nss" "$dir/ipsec.d"
	rm -f "$dir/run/pluto.ctl" "$dir/run/pluto.pid"
	chmod 600 "$dir/ipsec.secrets"
	[ -f "$dir/nss/cert9.db" ] || ipsec initnss --nssdir "$dir/nss" >"$dir/initnss.out" 2>&1 || return 1
	ip netns exec "$ns" "$LS_LIBEXEC/pluto" --nofork --config "$dir/ipsec.conf" \
		--secretsfile "$dir/ipsec.secrets" --rundir "$dir/run" --nssdir "$dir/nss" \
		--ipsecdir "$dir/ipsec.d" --logfile "$dir/pluto.log" >"$dir/pluto.out" 2>&1 &
	LS_PID=$!
	echo "$LS_PID" >"$dir/pluto.lspid"
	for i in $(seq 100); do
		[ -S "$dir/run/pluto.ctl" ] && return 0
		kill -0 "$LS_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

ls_whack() { local ns=$1 dir=$2; shift 2; ip netns exec "$ns" "$LS_LIBEXEC/whack" --ctlsocket "$dir/run/pluto.ctl" "$@"; }

ls_stop() {
	local dir=$1 pid
	pid=$(cat "$dir/pluto.lspid" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$dir/pluto.lspid"
}
