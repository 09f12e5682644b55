/* What both dataplanes do with the kernel's XFRM tables and counters: remove
 * Cygnet's stale SAs and policies (by reqid), and read the kernel's XFRM
 * drop counters (/proc/net/xfrm_stat, per network namespace). */
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

/* One request buffer, aligned for the netlink header laid into it. */
union xk_msgbuf {
	struct nlmsghdr h;
	char b[XFRM_MSG_BUFSIZE];
};

struct purge_ctx {
	bool policies;
	uint32_t only;                 /* a conn's fixed reqid, or 0: Cygnet's range */
	union xk_msgbuf *msgs;
	size_t n, cap;
};

/* The XFRMA_MARK of a dumped SA or policy (none: mask 0). */
static struct dp_mark attr_mark(const struct nlmsghdr *nlh, size_t hdrlen)
{
	const struct nlattr *a;
	struct dp_mark m = { 0, 0 };

	mnl_attr_for_each(a, nlh, hdrlen)
		if (mnl_attr_get_type(a) == XFRMA_MARK && mnl_attr_get_payload_len(a) >= sizeof(struct xfrm_mark)) {
			const struct xfrm_mark *k = mnl_attr_get_payload(a);
			m.value = k->v;
			m.mask = k->m;
		}
	return m;
}

static bool purge_match(const struct purge_ctx *pc, uint32_t reqid)
{
	return pc->only ? reqid == pc->only : cy_reqid_ours(reqid);
}

/* Collect delete requests for every SA/policy with one of our reqids. */
static int purge_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct purge_ctx *pc = arg;
	int len = -1;

	if (pc->n == pc->cap) {
		size_t nc = pc->cap ? pc->cap * 2 : 16;
		void *v = realloc(pc->msgs, nc * sizeof(*pc->msgs));
		if (!v)
			return MNL_CB_OK;
		pc->msgs = v;
		pc->cap = nc;
	}
	if (!pc->policies && nlh->nlmsg_type == XFRM_MSG_NEWSA &&
	    mnl_nlmsg_get_payload_len(nlh) >= sizeof(struct xfrm_usersa_info)) {
		const struct xfrm_usersa_info *u = mnl_nlmsg_get_payload(nlh);
		struct ip_addr dst;
		struct dp_mark mark = attr_mark(nlh, sizeof(*u));
		if (purge_match(pc, u->reqid) && addr_from_bytes(u->family, &u->id.daddr, &dst))
			len = xfrm_build_delsa(pc->msgs[pc->n].b, XFRM_MSG_BUFSIZE, 0, ntohl(u->id.spi), &dst, u->id.proto,
					       &mark);
	} else if (pc->policies && nlh->nlmsg_type == XFRM_MSG_NEWPOLICY &&
		   mnl_nlmsg_get_payload_len(nlh) >= sizeof(struct xfrm_userpolicy_info)) {
		const struct xfrm_userpolicy_info *p = mnl_nlmsg_get_payload(nlh);
		const struct nlattr *a;
		bool ours = false;
		mnl_attr_for_each(a, nlh, sizeof(*p)) {
			if (mnl_attr_get_type(a) == XFRMA_TMPL &&
			    mnl_attr_get_payload_len(a) >= sizeof(struct xfrm_user_tmpl)) {
				const struct xfrm_user_tmpl *t = mnl_attr_get_payload(a);
				ours = purge_match(pc, t->reqid);
			}
		}
		if (ours) {
			struct nlmsghdr *d = mnl_nlmsg_put_header(memset(pc->msgs[pc->n].b, 0, XFRM_MSG_BUFSIZE));
			struct xfrm_userpolicy_id *id;
			d->nlmsg_type = XFRM_MSG_DELPOLICY;
			d->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
			struct dp_mark mark = attr_mark(nlh, sizeof(*p));
			id = mnl_nlmsg_put_extra_header(d, sizeof(*id));
			id->sel = p->sel;
			id->dir = p->dir;
			if (mark.mask) {
				struct xfrm_mark m = { .v = mark.value, .m = mark.mask };
				mnl_attr_put(d, XFRMA_MARK, sizeof(m), &m);
			}
			len = (int)d->nlmsg_len;
		}
	}
	if (len > 0)
		pc->n++;
	return MNL_CB_OK;
}

void xfrm_purge(struct mnl_socket *nl, uint32_t *seq, bool policies, uint32_t only)
{
	_Alignas(struct nlmsghdr) char buf[XFRM_MSG_BUFSIZE];
	struct purge_ctx pc = { .policies = policies, .only = only };

	if (xk_talk(nl, buf, xfrm_build_dump(buf, sizeof(buf), ++*seq,
					     policies ? XFRM_MSG_GETPOLICY : XFRM_MSG_GETSA), purge_cb, &pc) < 0)
		log_warn("xfrm: cannot list the kernel's %s", policies ? "policies" : "SAs");
	for (size_t i = 0; i < pc.n; i++) {
		struct nlmsghdr *d = &pc.msgs[i].h;
		d->nlmsg_seq = ++*seq;
		xk_talk(nl, d, (int)d->nlmsg_len, NULL, NULL);
	}
	if (pc.n && only)
		log_info("xfrm: removed %zu stale %s with reqid %u", pc.n, policies ? "policies" : "SAs", only);
	else if (pc.n)
		log_info("xfrm: removed %zu stale %s of Cygnet's", pc.n, policies ? "policies" : "SAs");
	free(pc.msgs);
}


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
