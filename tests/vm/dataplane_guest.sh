#!/bin/bash
# Runs INSIDE the guest (tests/vm/guest.sh): the dataplane end-to-end tests
# against Debian's kernel with ESP: kernel (xfrm) on both ends, and kernel
# against Cygnet's userspace ESP (wire compatibility).  Case names are
# prefixed with the pairing.
set -u
cd "$CYGNET_TOP"
run() {
	local tag=$1 a=$2 b=$3
	ESP_PROTOSTACK_A=$a ESP_PROTOSTACK_B=$b bash tests/integration/esp_tunnel.sh 2>&1 |
		sed -u -E "s/^(PASS|FAIL|SKIP) /\\1 $tag-/"
}
run xfrm-xfrm xfrm xfrm
run xfrm-userspace xfrm userspace
