# The interop result matrix (issue 6), sourced by tests/integration/interop_*.sh
# after lib/common.sh:
#   io_begin PEER NAME "DESCRIPTION" start $BUILD/interop/PEER.rows (PEER.peer holds DESCRIPTION;
#                                    NAME is how the matrix names the peer)
#   io_result SCENARIO DIR OK [TEXT] one case: DIR cy-init (Cygnet initiates) or
#                                    peer-init; OK 1 = PASS (TEXT a note), else FAIL (TEXT why)
#   io_na SCENARIO DIR REASON        a case that cannot run here for a reason outside Cygnet
#   io_end                           print the matrix
#   poll SECONDS CMD...              run CMD until it succeeds or SECONDS of wall time
#                                    passed (lib/common.sh's wait_until counts
#                                    iterations; a swanctl call alone takes ~0.1 s)
# Rows are tab-separated: peer, scenario, direction, result, note.
# tests/peers/interop_report.sh turns every PEER.rows into docs/INTEROP.md.

io_begin() {
	IO_PEER=$1 IO_NAME=$2 IO_DESC=$3
	IO_DIR=$BUILD/interop
	mkdir -p "$IO_DIR"
	IO_ROWS=$IO_DIR/$IO_PEER.rows
	: >"$IO_ROWS"
	printf '%s\n' "$IO_DESC" >"$IO_DIR/$IO_PEER.peer"
	IO_T0=$SECONDS
}

_io_dir() { if [ "$1" = cy-init ]; then echo "Cygnet initiates"; else echo "$IO_NAME initiates"; fi; }

io_result() {
	local name=$1 dir=$2 ok=$3 text=${4:-}
	text=${text//$'\t'/ } text=${text//$'\n'/ }
	if [ "$ok" = 1 ]; then
		pass "$IO_PEER/$name/$dir${text:+ ($text)}"
		printf '%s\t%s\t%s\tpass\t%s\n' "$IO_NAME" "$name" "$(_io_dir "$dir")" "$text" >>"$IO_ROWS"
	else
		fail "$IO_PEER/$name/$dir" "$text"
		printf '%s\t%s\t%s\tFAIL\t%s\n' "$IO_NAME" "$name" "$(_io_dir "$dir")" "$text" >>"$IO_ROWS"
	fi
}

io_na() {
	local name=$1 dir=$2 why=$3
	skip "$IO_PEER/$name/$dir" "$why"
	printf '%s\t%s\t%s\tn/a\t%s\n' "$IO_NAME" "$name" "$(_io_dir "$dir")" "$why" >>"$IO_ROWS"
}

io_end() {
	echo
	echo "== interop matrix: $IO_DESC ($((SECONDS - IO_T0)) s)"
	awk -F'\t' '{ printf "%-11s %-44s %-21s %-5s %s\n", $1, $2, $3, $4, $5 }' "$IO_ROWS"
}

poll() {
	local end=$((${EPOCHREALTIME/./} + $1 * 1000000))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		((${EPOCHREALTIME/./} < end)) || return 1
		sleep 0.05
	done
}
