/* libFuzzer target: the kernel dataplane's event decoders
 * (src/dataplane/xfrm_msg.c), which read what the kernel multicasts on
 * XFRMNLGRP_ACQUIRE / XFRMNLGRP_EXPIRE:
 *   xfrm_parse_acquire()  XFRM_MSG_ACQUIRE -> selector + the template's reqid
 *   xfrm_parse_expire()   XFRM_MSG_EXPIRE  -> SPI, destination, reqid, hard
 *
 * Input: the netlink message from its nlmsghdr on, as received.  The
 * harness copies it into an exactly sized, aligned heap buffer (so ASan sees
 * any read past the end) and then makes the header consistent with what the
 * receive path (mnl_cb_run: mnl_nlmsg_ok) guarantees: nlmsg_len is at most
 * the bytes there.  An input shorter than a header is zero-padded to one,
 * its nlmsg_len also cut to the input's length (below a header: mnl_cb_run
 * never passes that on, but the decoders must refuse it).  The message is
 * decoded as it came, then as an acquire and as an expire (so the fuzzer
 * need not find the types; each decoder must refuse the other's). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/xfrm.h>
#include <sys/socket.h>

#include "dataplane/xfrm_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void decode(const struct nlmsghdr *nlh)
{
	struct dp_selector sel;
	struct dp_event ev;
	uint32_t reqid = 0;

	if (xfrm_parse_acquire(nlh, &sel, &reqid) == 0) {
		/* the outputs are what the daemon formats and compares */
		if ((sel.src.addr.af != AF_INET && sel.src.addr.af != AF_INET6) || sel.src.addr.af != sel.dst.addr.af ||
		    sel.src.plen > 128 || sel.dst.plen > 128)
			abort();
		(void)cy_reqid_ours(reqid);
	}
	if (xfrm_parse_expire(nlh, &ev) == 0) {
		if (ev.type != DP_EV_EXPIRE || (ev.u.expire.dst.af != AF_INET && ev.u.expire.dst.af != AF_INET6))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cap = size < MNL_NLMSG_HDRLEN ? MNL_NLMSG_HDRLEN : size;
	struct nlmsghdr *nlh;

	if (size > 65536)
		return 0;
	/* malloc: aligned for struct nlmsghdr and the kernel structs after it */
	if (!(nlh = malloc(cap)))
		return 0;
	memset(nlh, 0, cap);
	memcpy(nlh, data, size);
	if (nlh->nlmsg_len > size)
		nlh->nlmsg_len = (uint32_t)size;     /* mnl_nlmsg_ok() guarantees this */
	decode(nlh);
	nlh->nlmsg_type = XFRM_MSG_ACQUIRE;
	decode(nlh);
	nlh->nlmsg_type = XFRM_MSG_EXPIRE;
	decode(nlh);
	free(nlh);
	return 0;
}
