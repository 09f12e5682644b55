# Shared helpers for integration tests (sourced).  Every test:
#   - creates its own namespaces with a unique tag and deletes them on exit,
#   - uses documentation addresses only,
#   - stops only the processes it started, by PID,
#   - reports one line per case: PASS name / FAIL name: why / SKIP name: why.
set -u
TOP=${CYGNET_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
BUILD=${CYGNET_BUILD:-$TOP/build}
IPSEC=$BUILD/ipsec
TAG=${TAG:-cy$$}
TMP=$(mktemp -d "/tmp/cygnet-test.XXXXXX")
_NS=() _PIDS=() _FAILS=0 _CLEANUPS=()

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: ${2:-}"; _FAILS=$((_FAILS + 1)); }
skip() { echo "SKIP $1: ${2:-}"; }
. "$TOP/tests/integration/lib/env.sh"   # env_skip: SKIP, or FAIL under CI
# check NAME CMD...: PASS if CMD succeeds
check() { local n=$1; shift; if "$@"; then pass "$n"; else fail "$n" "command failed: $*"; fi; }

at_exit() { _CLEANUPS+=("$*"); }
_cleanup() {
	local i
	for ((i = ${#_CLEANUPS[@]} - 1; i >= 0; i--)); do eval "${_CLEANUPS[$i]}" >/dev/null 2>&1; done
	for p in "${_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${_PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null
	done
	for n in "${_NS[@]}"; do ip netns del "$n" 2>/dev/null; done
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"
}
trap _cleanup EXIT
finish() { exit $((_FAILS > 0)); }

# wait_until TIMEOUT_S CMD...: poll every 50 ms
wait_until() {
	local t=$1 i; shift
	for ((i = 0; i < t * 20; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.05; done
	"$@" >/dev/null 2>&1
}

netns_add() { ip netns add "$1" && _NS+=("$1") && ip -n "$1" link set lo up; }

# two_hosts A B: A=192.0.2.1 (subnet 198.51.100.0/24), B=192.0.2.2 (203.0.113.0/24),
# plus 2001:db8::1/::2 on the veth and 2001:db8:1::1/2001:db8:2::1 protected.
two_hosts() {
	local a=$1 b=$2
	netns_add "$a" && netns_add "$b" || return 1
	ip -n "$a" link add va type veth peer name vb netns "$b" || return 1
	ip -n "$a" addr add 192.0.2.1/24 dev va
	ip -n "$b" addr add 192.0.2.2/24 dev vb
	ip -n "$a" addr add 2001:db8::1/64 dev va nodad
	ip -n "$b" addr add 2001:db8::2/64 dev vb nodad
	ip -n "$a" addr add 198.51.100.1/24 dev lo
	ip -n "$b" addr add 203.0.113.1/24 dev lo
	ip -n "$a" addr add 2001:db8:1::1/64 dev lo nodad
	ip -n "$b" addr add 2001:db8:2::1/64 dev lo nodad
	ip -n "$a" link set va up && ip -n "$b" link set vb up
}

# pluto_start NS DIR [extra options]: DIR has ipsec.conf and ipsec.secrets
pluto_start() {
	local ns=$1 dir=$2; shift 2
	mkdir -p "$dir/run" "$dir/ipsec.d"
	chmod 600 "$dir/ipsec.secrets" 2>/dev/null
	ip netns exec "$ns" "$IPSEC" pluto --nofork --config "$dir/ipsec.conf" \
		--secretsfile "$dir/ipsec.secrets" --ipsecdir "$dir/ipsec.d" \
		--rundir "$dir/run" --logfile "$dir/pluto.log" "$@" &
	local pid=$!
	_PIDS+=("$pid")
	echo "$pid" >"$dir/pluto.testpid"
	wait_until 10 test -S "$dir/run/pluto.ctl"
}
pluto_stop() {
	local dir=$1 pid
	pid=$(cat "$dir/pluto.testpid" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	rm -f "$dir/pluto.testpid"
}
# expect NAME RC TEXT -- CMD...: CMD's exit code is RC and its output holds
# TEXT (grep -F), or is empty with TEXT=-; the output stays in $TMP/out
expect() {
	local name=$1 want=$2 text=$3; shift 4
	"$@" >"$TMP/out" 2>&1; local rc=$?
	if [ "$rc" != "$want" ]; then fail "$name" "rc $rc want $want: $(head -4 "$TMP/out" | tr '\n' '|')"
	elif [ "$text" = - ] && [ -s "$TMP/out" ]; then fail "$name" "not silent: $(head -3 "$TMP/out" | tr '\n' '|')"
	elif [ "$text" != - ] && ! grep -qF -- "$text" "$TMP/out"; then fail "$name" "no '$text' in $(head -4 "$TMP/out" | tr '\n' '|')"
	else pass "$name"; fi
}
# cy_auto NS DIR ARGS...: ipsec auto against that daemon
cy_auto() { local ns=$1 dir=$2; shift 2; ip netns exec "$ns" "$IPSEC" auto --ctlsocket "$dir/run/pluto.ctl" "$@"; }
cy_whack() { local ns=$1 dir=$2; shift 2; ip netns exec "$ns" "$IPSEC" whack --ctlsocket "$dir/run/pluto.ctl" "$@"; }
