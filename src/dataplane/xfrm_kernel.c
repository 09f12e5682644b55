/* What both dataplanes share of the kernel's XFRM besides its tables: the
 * drop counters (/proc/net/xfrm_stat, per network namespace) and per-socket
 * bypass policies.  (Removing Cygnet's stale SAs and policies: xfrm.c's
 * xfrm_purge.) */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dataplane/xfrm_int.h"
#include "dataplane/xfrm_msg.h"
#include "lib/log.h"

int xfrm_stat_read(struct xfrm_stat *st)
{
	FILE *f = fopen("/proc/net/xfrm_stat", "re");
	char name[64];
	unsigned long long v;

	memset(st, 0, sizeof(*st));
	if (!f)
		return -errno;
	while (fscanf(f, "%63s %llu", name, &v) == 2) {
		if (!strcmp(name, "XfrmInTmplMismatch"))
			st->in_tmpl_mismatch = v;
		else if (!strcmp(name, "XfrmInStateMismatch"))
			st->in_state_mismatch = v;
		else if (!strcmp(name, "XfrmInNoPols"))
			st->in_no_pols = v;
	}
	fclose(f);
	return 0;
}

void xfrm_stat_drops(const struct xfrm_stat *st0, uint64_t drops[DP_DROP__COUNT])
{
	struct xfrm_stat st;

	if (xfrm_stat_read(&st) < 0)
		return;
	drops[DP_DROP_SELECTOR] += st.in_state_mismatch + st.in_no_pols - st0->in_state_mismatch - st0->in_no_pols;
	drops[DP_DROP_CLEARTEXT] += st.in_tmpl_mismatch - st0->in_tmpl_mismatch;
}

int xfrm_socket_bypass(int fd)
{
	int af = 0;
	socklen_t alen = sizeof(af);

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &af, &alen) < 0)
		return -errno;
	for (int dir = XFRM_POLICY_IN; dir <= XFRM_POLICY_OUT; dir++) {
		struct xfrm_userpolicy_info p;

		memset(&p, 0, sizeof(p));
		p.action = XFRM_POLICY_ALLOW;
		p.dir = (uint8_t)dir;
		p.sel.family = (uint16_t)af;   /* the kernel checks it */
		p.lft.soft_byte_limit = p.lft.hard_byte_limit = XFRM_INF;
		p.lft.soft_packet_limit = p.lft.hard_packet_limit = XFRM_INF;
		if (af == AF_INET6 ? setsockopt(fd, IPPROTO_IPV6, IPV6_XFRM_POLICY, &p, sizeof(p))
				   : setsockopt(fd, IPPROTO_IP, IP_XFRM_POLICY, &p, sizeof(p)))
			return -errno;
	}
	return 0;
}
