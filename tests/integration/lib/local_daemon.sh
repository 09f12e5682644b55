# Shared prelude of the tests that drive one daemon on this host (no
# namespaces): a private temporary directory $T with the rundir $R and the
# control socket $S, the daemon's $pid (killed at exit), and pass/fail.
# Source it with the temp dir's tag: . lib/local_daemon.sh ddos
set -u
B=${CYGNET_BUILD:?}/ipsec
T=$(mktemp -d "/tmp/cygnet-${1:-test}.XXXXXX")
R=$T/run S=$T/run/pluto.ctl
pid=
fails=0
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }
wait_for() { for _ in $(seq 500); do eval "$1" && return 0; sleep 0.01; done; return 1; }
