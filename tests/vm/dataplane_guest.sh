#!/bin/bash
# Runs INSIDE the guest (tests/vm/guest.sh): the dataplane end-to-end tests
# against Debian's kernel with ESP: kernel (xfrm) on both ends, and kernel
# against Cygnet's userspace ESP (wire compatibility).  Case names are
# prefixed with the pairing.
# Exits nonzero when any run of esp_tunnel.sh did (pipefail: the status of
# the test, not of the sed that renames its cases).
set -u -o pipefail
cd "$CYGNET_TOP"
rc=0
run() {
	local tag=$1 a=$2 b=$3
	ESP_PROTOSTACK_A=$a ESP_PROTOSTACK_B=$b bash tests/integration/esp_tunnel.sh 2>&1 |
		sed -u -E "s/^(PASS|FAIL|SKIP) /\\1 $tag-/" || rc=1
}
# Under TCG every case costs about a minute, so by default (in make check) the
# guest runs one case: kernel <-> userspace ESP (AES-GCM), the wire-compatibility
# proof; the daemon suite (tests/vm/xfrm_guest.sh) covers kernel <-> kernel,
# NAT-T (UDP encapsulation) and ESN.  DP_GUEST_ALL=1 runs every case of
# esp_tunnel.sh in both pairings (about 8 minutes).
if [ "${DP_GUEST_ALL:-0}" = 1 ]; then
	run xfrm-xfrm xfrm xfrm
	run xfrm-userspace xfrm userspace
else
	ESP_CASES=v4-gcm-raw ESP_EXTRAS=0 run xfrm-userspace xfrm userspace
fi
exit $rc
