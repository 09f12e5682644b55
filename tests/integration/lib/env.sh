# Environment skips, sourced by lib/common.sh and by the scripts that do not
# use it.
#
# env_skip NAME WHY: NAME cannot run in this environment - not root, a tool,
# a peer's package or the test guest is missing or does not come up.  On a
# developer's machine that is a SKIP; under CI (the CI variable set and not
# empty, e.g. CI=true) the environment is meant to be complete and a skip
# would pass for a success, so it is a FAIL saying why.  Returns 1 under CI,
# else 0: `env_skip NAME WHY; exit` ends a script with the right status.
# Documented per-case skips (a case this kind of host can never run, covered
# elsewhere) are plain SKIPs, not env_skip.
env_skip() {
	if [ -n "${CI:-}" ]; then
		echo "FAIL $1: cannot run in this environment, which CI=$CI requires: ${2:-}"
		_FAILS=$((${_FAILS:-0} + 1))
		return 1
	fi
	echo "SKIP $1: ${2:-}"
}
