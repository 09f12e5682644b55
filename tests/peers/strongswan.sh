# strongSwan 5.9.8 as a test peer, run from Debian's packages unpacked into a
# cache (they conflict with Libreswan's package, so they are never installed).
# Source this file; it defines:
#   sw_fetch               download + unpack once into $SW_ROOT (returns 1 if impossible)
#   sw_start NS DIR        start charon in netns NS; DIR holds swanctl.conf; sets SW_PID
#   sw_ctl NS DIR ARGS...  run swanctl against that charon (command first, as swanctl wants)
#   sw_stop DIR            stop that charon
#   sw_version             the unpacked version ("5.9.8"), sw_package_version ("5.9.8-5+deb12u6")
# Facts (see issue 6): charon's plugin folder /usr/lib/ipsec/plugins and pid file
# /var/run/charon.pid are built in, so inside the netns's own mount namespace we
# overlay the unpacked usr/lib over /usr/lib and bind a private folder over /run.
# kernel-libipsec (userspace ESP over TUN) must load before kernel-netlink: this
# kernel has no ESP.  The kdf plugin is required for key derivation.

SW_CACHE=${SW_CACHE:-${CYGNET_TOP:-$(pwd)}/.cache/peers}
SW_ROOT=$SW_CACHE/strongswan
SW_PKGS="libstrongswan strongswan-libcharon libstrongswan-standard-plugins libstrongswan-extra-plugins libcharon-extra-plugins strongswan-charon strongswan-swanctl"

sw_fetch() {
	[ -x "$SW_ROOT/usr/lib/ipsec/charon" ] && [ -x "$SW_ROOT/usr/sbin/swanctl" ] && return 0
	mkdir -p "$SW_CACHE/debs" || return 1
	( cd "$SW_CACHE/debs" && apt-get download $SW_PKGS >/dev/null 2>&1 ) ||
		{ apt-get update -qq >/dev/null 2>&1; ( cd "$SW_CACHE/debs" && apt-get download $SW_PKGS >/dev/null 2>&1 ); } ||
		return 1
	rm -rf "$SW_ROOT.tmp" && mkdir -p "$SW_ROOT.tmp" || return 1
	for d in "$SW_CACHE"/debs/*strongswan*.deb "$SW_CACHE"/debs/libcharon*.deb; do
		dpkg -x "$d" "$SW_ROOT.tmp" || return 1
	done
	rm -rf "$SW_ROOT" && mv "$SW_ROOT.tmp" "$SW_ROOT"
}

sw_package_version() {
	local d
	for d in "$SW_CACHE"/debs/strongswan-charon_*.deb; do
		[ -f "$d" ] && dpkg-deb -f "$d" Version
	done | tail -1
}
sw_version() { strings "$SW_ROOT/usr/lib/ipsec/charon" 2>/dev/null | sed -n 's/.*(strongSwan \([0-9][0-9.]*\),.*/\1/p' | head -1; }

# sw_conf DIR: strongswan.conf for one instance
sw_conf() {
	local dir=$1
	cat >"$dir/strongswan.conf" <<CONF
charon {
	load_modular = no
	load = random nonce openssl pem pkcs1 x509 pubkey kdf hmac sha1 sha2 aes gcm chapoly curve25519 kernel-libipsec kernel-netlink socket-default vici updown
	filelog {
		log {
			path = $dir/charon.log
			time_format = %b %e %T
			default = 1
			ike = 2
			cfg = 2
			knl = 1
			flush_line = yes
		}
	}
	plugins {
		vici {
			socket = unix://$dir/charon.vici
		}
	}
	install_routes = yes
	retransmit_timeout = 1.0
	retransmit_base = 1.4
	retransmit_tries = ${SW_RETRANSMIT_TRIES:-4}
}
swanctl {
	load = random nonce openssl pem pkcs1 x509 pubkey
}
CONF
}

# Run a command inside NS with the strongSwan overlay mounted (private mount ns).
# ip netns exec, unshare and the bash of SW_EXEC_SH each exec the next, so the
# PID of that chain started in the background is the command's own: sw_start
# runs the chain directly (not the sw_exec function, whose background PID would
# be a subshell's) so that sw_stop kills charon itself.
SW_EXEC_SH='root=$1 dir=$2; shift 2
	mount -t overlay overlay -o lowerdir="$root/usr/lib":/usr/lib /usr/lib || exit 97
	mount --bind "$dir/run" /run || exit 98
	export LD_LIBRARY_PATH=/usr/lib/ipsec STRONGSWAN_CONF="$dir/strongswan.conf"
	exec "$@"'
sw_exec() {
	local ns=$1 dir=$2; shift 2
	mkdir -p "$dir/run"
	ip netns exec "$ns" unshare -m --propagation private bash -c "$SW_EXEC_SH" sw "$SW_ROOT" "$dir" "$@"
}

sw_start() {
	local ns=$1 dir=$2
	sw_conf "$dir"
	rm -f "$dir/charon.vici"
	mkdir -p "$dir/run"
	ip netns exec "$ns" unshare -m --propagation private bash -c "$SW_EXEC_SH" sw "$SW_ROOT" "$dir" \
		/usr/lib/ipsec/charon >"$dir/charon.out" 2>&1 &
	SW_PID=$!
	echo "$SW_PID" >"$dir/charon.wrapper.pid"
	local i
	for i in $(seq 100); do
		[ -S "$dir/charon.vici" ] && break
		kill -0 "$SW_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	[ -S "$dir/charon.vici" ] || return 1
	sw_ctl "$ns" "$dir" --load-all --file "$dir/swanctl.conf" >"$dir/load.out" 2>&1
}

sw_ctl() {
	local ns=$1 dir=$2 cmd=$3; shift 3
	sw_exec "$ns" "$dir" "$SW_ROOT/usr/sbin/swanctl" "$cmd" --uri "unix://$dir/charon.vici" "$@"
}

sw_stop() {
	local dir=$1 pid
	pid=$(cat "$dir/charon.wrapper.pid" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$dir/charon.wrapper.pid"
}
