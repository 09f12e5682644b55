/* Routes for the peer's selectors through the TUN, in a dedicated table
 * (default 220), looked up through one rule per family
 * ("not fwmark MARK lookup 220", priority 220) so the dataplane's own
 * sockets, marked with MARK, never loop back into the TUN. */
#include "dataplane/us.h"
#include "lib/log.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NLBUF 8192

int us_nl_open(struct us *u)
{
	if (!(u->nl = mnl_socket_open(NETLINK_ROUTE)))
		return -errno;
	if (mnl_socket_bind(u->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = -errno;
		mnl_socket_close(u->nl);
		u->nl = NULL;
		return e;
	}
	return 0;
}

void us_nl_close(struct us *u)
{
	if (u->nl)
		mnl_socket_close(u->nl);
	u->nl = NULL;
}

static int nl_talk(struct us *u, struct nlmsghdr *nlh)
{
	char buf[NLBUF];
	ssize_t n;

	if (!u->nl)
		return -ENOTCONN;
	if (mnl_socket_sendto(u->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	n = mnl_socket_recvfrom(u->nl, buf, sizeof(buf));
	if (n < 0)
		return -errno;
	return mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, mnl_socket_get_portid(u->nl), NULL, NULL) < 0 ? -errno : 0;
}

static uint32_t nl_seq(void)
{
	static uint32_t seq;
	if (!seq)
		seq = (uint32_t)time(NULL);
	return ++seq;
}

/* The route for an outbound policy's destination through the TUN: with
 * pol (adding) its source, metric and MTU; without (deleting) any route of
 * that destination.  No gateway: the TUN is point-to-point (and IPv6
 * refuses one the kernel reaches through another device), and the ESP
 * packets themselves follow the host's routing to the peer, as the
 * kernel's tunnel mode does; leftnexthop= only reaches PLUTO_NEXT_HOP. */
/* Beside each route through the TUN, an unreachable route of the same
 * destination with the worst metric: the TUN's route wins while it exists;
 * when the TUN is gone (the daemon killed), the lookup in our table ends
 * at the unreachable route instead of falling through to the main table
 * and sending protected traffic in clear; the next start removes them
 * (us_route_flush_stale).  Our own sockets (fwmark) skip the table.  A
 * socket bound to a device (SO_BINDTODEVICE) skips both routes: the
 * nftables guard stops its packets (us_guard.c). */
#define US_GUARD_METRIC 0xfffffff0u

static int us_route_guard(struct us *u, bool add, const struct ip_subnet *dst)
{
	_Alignas(struct nlmsghdr) char buf[DP_ROUTE_MSG_LEN];
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	int af = dst->addr.af;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_REPLACE : 0);
	nlh->nlmsg_seq = nl_seq();
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)af;
	rtm->rtm_dst_len = dst->plen;
	rtm->rtm_table = u->dp->params.route_table < 256 ? (uint8_t)u->dp->params.route_table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = add ? RT_SCOPE_UNIVERSE : RT_SCOPE_NOWHERE;
	rtm->rtm_type = RTN_UNREACHABLE;
	mnl_attr_put_u32(nlh, RTA_TABLE, u->dp->params.route_table);
	mnl_attr_put(nlh, RTA_DST, addr_len(&dst->addr), dst->addr.a);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, US_GUARD_METRIC);
	return nl_talk(u, nlh);
}

/* A killed daemon's guards stay in the table (its TUN routes went with the
 * TUN): found by their metric and type in a dump, removed at start-up. */
#define US_STALE_MAX 4096

struct stale_guards {
	struct ip_subnet dst[64];
	size_t n;
	uint32_t table;
};

static int stale_guard_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct stale_guards *g = arg;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	uint32_t table = rtm->rtm_table, prio = 0;
	const void *dst = NULL;
	size_t dlen = 0;

	if (nlh->nlmsg_type != RTM_NEWROUTE || rtm->rtm_type != RTN_UNREACHABLE || g->n >= 64)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*rtm)) {
		if (mnl_attr_get_type(a) == RTA_TABLE && mnl_attr_get_payload_len(a) >= 4)
			table = mnl_attr_get_u32(a);
		else if (mnl_attr_get_type(a) == RTA_PRIORITY && mnl_attr_get_payload_len(a) >= 4)
			prio = mnl_attr_get_u32(a);
		else if (mnl_attr_get_type(a) == RTA_DST) {
			dst = mnl_attr_get_payload(a);
			dlen = mnl_attr_get_payload_len(a);
		}
	}
	if (table != g->table || prio != US_GUARD_METRIC || !dst ||
	    dlen != (rtm->rtm_family == AF_INET ? 4u : 16u))
		return MNL_CB_OK;
	memset(&g->dst[g->n], 0, sizeof(g->dst[g->n]));
	g->dst[g->n].addr.af = rtm->rtm_family;
	memcpy(g->dst[g->n].addr.a, dst, dlen);
	g->dst[g->n].plen = rtm->rtm_dst_len;
	g->n++;
	return MNL_CB_OK;
}

/* One dump of a family's routes: the guards found go to g. */
static void stale_guards_dump(struct us *u, int af, struct stale_guards *g)
{
	char buf[NLBUF];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;
	ssize_t n;
	uint32_t seq = nl_seq();
	int rc = MNL_CB_OK;

	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	memset(rtm, 0, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)af;
	if (mnl_socket_sendto(u->nl, nlh, nlh->nlmsg_len) < 0)
		return;
	while (rc > MNL_CB_STOP && (n = mnl_socket_recvfrom(u->nl, buf, sizeof(buf))) > 0)
		rc = mnl_cb_run(buf, (size_t)n, seq, mnl_socket_get_portid(u->nl), stale_guard_cb, g);
}

void us_route_flush_stale(struct us *u)
{
	size_t total = 0;

	for (int f = 0; f < 2; f++) {
		struct stale_guards g = { .table = u->dp->params.route_table };

		do {            /* 64 at a time: dump again after deleting */
			g.n = 0;
			stale_guards_dump(u, f ? AF_INET6 : AF_INET, &g);
			for (size_t i = 0; i < g.n; i++)
				us_route_guard(u, false, &g.dst[i]);
			total += g.n;
		} while (g.n == 64 && total < US_STALE_MAX);
	}
	if (total)
		log_info("dataplane: removed %zu stale unreachable route%s of table %u", total,
			 total == 1 ? "" : "s", u->dp->params.route_table);
}

int us_route(struct us *u, bool add, const struct ip_subnet *dst, const struct dp_policy *pol)
{
	int rc;

	_Alignas(struct nlmsghdr) char buf[DP_ROUTE_MSG_LEN];
	struct dp_route r = { .dst = *dst, .table = u->dp->params.route_table, .oif = (uint32_t)u->tun_ifindex };

	if (pol) {
		dp_route_from_policy(&r, pol);
		r.gw = (struct ip_addr){ 0 };
	}
	if (!dp_route_msg(buf, sizeof(buf), nl_seq(), add, &r))
		return -EAFNOSUPPORT;
	/* Fail closed: without the unreachable route no TUN route (it would
	 * leave nothing behind a killed daemon); a TUN route that cannot be
	 * added leaves the unreachable one (the traffic stops rather than
	 * leaving in clear through the main table), and a missing nftables
	 * guard (logged) costs bound sockets only, never the route every
	 * other socket needs. */
	if (add && (rc = us_route_guard(u, true, dst)) < 0)
		return rc;
	if (add)
		us_guard_route(u, true, dst);
	rc = nl_talk(u, (struct nlmsghdr *)buf);
	if (!add) {
		us_guard_route(u, false, dst);
		us_route_guard(u, false, dst);
	}
	return rc;
}

int us_rule(struct us *u, bool add, int family)
{
	char buf[NLBUF];
	struct nlmsghdr *nlh;
	struct fib_rule_hdr *frh;
	const struct dp_params *p = &u->dp->params;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = add ? RTM_NEWRULE : RTM_DELRULE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0);
	nlh->nlmsg_seq = nl_seq();
	frh = mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));
	frh->family = (uint8_t)family;
	frh->action = FR_ACT_TO_TBL;
	frh->table = p->route_table < 256 ? (uint8_t)p->route_table : RT_TABLE_UNSPEC;
	frh->flags = FIB_RULE_INVERT;              /* not fwmark MARK */
	mnl_attr_put_u32(nlh, FRA_TABLE, p->route_table);
	mnl_attr_put_u32(nlh, FRA_PRIORITY, p->rule_priority);
	mnl_attr_put_u32(nlh, FRA_FWMARK, p->fwmark);
	mnl_attr_put_u32(nlh, FRA_FWMASK, 0xffffffffu);
	return nl_talk(u, nlh);
}

/* An RTM_NEWLINK request for the TUN in buf (NLBUF bytes). */
static struct nlmsghdr *link_msg(const struct us *u, char *buf, struct ifinfomsg **ifi)
{
	struct nlmsghdr *nlh;

	memset(buf, 0, NLBUF);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = nl_seq();
	*ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(**ifi));
	(*ifi)->ifi_family = AF_UNSPEC;
	(*ifi)->ifi_index = u->tun_ifindex;
	return nlh;
}

/* No IPv6 address of its own on the TUN (addr_gen_mode none), set before
 * it goes up: no link-local address, so the kernel sends no router
 * solicitations, MLD reports or DAD probes into it.  Routes through the
 * TUN need no address.  A kernel without IPv6 refuses: nothing to do. */
static void link_no_v6_addr(struct us *u)
{
	char buf[NLBUF];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	struct nlattr *spec, *in6;
	int rc;

	nlh = link_msg(u, buf, &ifi);
	spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	in6 = mnl_attr_nest_start(nlh, AF_INET6);
	mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
	mnl_attr_nest_end(nlh, in6);
	mnl_attr_nest_end(nlh, spec);
	if ((rc = nl_talk(u, nlh)) < 0 && rc != -EAFNOSUPPORT)
		log_warn("userspace dataplane: %s keeps its IPv6 link-local address: %s", u->tun_name,
			 strerror(-rc));
}

int us_link_up(struct us *u, unsigned mtu)
{
	char buf[NLBUF];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	link_no_v6_addr(u);
	nlh = link_msg(u, buf, &ifi);
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	mnl_attr_put_u32(nlh, IFLA_TXQLEN, 4096);   /* absorb bursts while the packet thread is busy */
	return nl_talk(u, nlh);
}

/* ---- routed destinations, counted --------------------------------------
 * A destination's route goes with its first routed policy and leaves with
 * its last: a hash of counts, so that adding or removing one of thousands
 * of policies does not look at the others. */
struct us_rref {
	struct ip_subnet dst;
	unsigned long n;
	struct us_rref *next;
};

static size_t rref_bucket(const struct ip_subnet *dst, size_t mask)
{
	uint32_t h = 2166136261u ^ dst->plen;

	for (size_t i = 0; i < addr_len(&dst->addr); i++)
		h = (h ^ dst->addr.a[i]) * 16777619u;
	return (h ^ (h >> 15)) & mask;
}

static void rref_grow(struct us *u)
{
	size_t nb = u->rref ? (u->rref_mask + 1) * 2 : 64;
	struct us_rref **h = calloc(nb, sizeof(*h));

	if (!h)
		return;
	for (size_t b = 0; u->rref && b <= u->rref_mask; b++)
		for (struct us_rref *r = u->rref[b], *n; r; r = n) {
			size_t nbk = rref_bucket(&r->dst, nb - 1);
			n = r->next;
			r->next = h[nbk];
			h[nbk] = r;
		}
	free(u->rref);
	u->rref = h;
	u->rref_mask = nb - 1;
}

long us_route_ref(struct us *u, const struct ip_subnet *dst, int delta)
{
	struct us_rref **pp, *r;

	if (delta > 0 && (!u->rref || u->rref_n > u->rref_mask))
		rref_grow(u);
	if (!u->rref)
		return delta > 0 ? -1 : 0;
	for (pp = &u->rref[rref_bucket(dst, u->rref_mask)]; (r = *pp); pp = &r->next)
		if (subnet_eq(&r->dst, dst))
			break;
	if (!r) {
		if (delta <= 0 || !(r = calloc(1, sizeof(*r))))
			return delta <= 0 ? 0 : -1;
		r->dst = *dst;
		*pp = r;
		u->rref_n++;
	}
	if (delta < 0 && r->n)
		r->n--;
	else if (delta > 0)
		r->n++;
	if (!r->n) {
		*pp = r->next;
		free(r);
		u->rref_n--;
		return 0;
	}
	return (long)r->n;
}

void us_route_refs_free(struct us *u)
{
	for (size_t b = 0; u->rref && b <= u->rref_mask; b++)
		for (struct us_rref *r = u->rref[b], *n; r; r = n) {
			n = r->next;
			free(r);
		}
	free(u->rref);
	u->rref = NULL;
	u->rref_mask = u->rref_n = 0;
}
