/* The kernel dataplane's routes: kernel ESP still needs a route for the
 * peer's protected subnet, since the policy lookup happens after routing.
 * Like strongSwan, Cygnet routes it in its own table (220, rule priority
 * 220) through the device and gateway that reach the peer, with the local
 * protected address as source. */
#include "dataplane/xfrm_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>

struct route_ans {
	uint32_t oif;
	struct ip_addr gw;
};

static int getroute_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct route_ans *a = arg;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *at;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	mnl_attr_for_each(at, nlh, sizeof(*rtm)) {
		if (mnl_attr_get_type(at) == RTA_OIF && mnl_attr_get_payload_len(at) >= 4)
			a->oif = mnl_attr_get_u32(at);
		else if (mnl_attr_get_type(at) == RTA_GATEWAY)
			addr_from_bytes(rtm->rtm_family, mnl_attr_get_payload(at), &a->gw);
	}
	return MNL_CB_OK;
}

static struct nlmsghdr *rt_msg(char *buf, size_t cap, uint16_t type, uint16_t flags, uint32_t seq, int af)
{
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	memset(buf, 0, cap);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)af;
	return nlh;
}

int xk_rule(struct xk *x, bool add, int af)
{
	_Alignas(struct nlmsghdr) char buf[1024];
	struct nlmsghdr *nlh = rt_msg(buf, sizeof(buf), add ? RTM_NEWRULE : RTM_DELRULE,
				      NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0), ++x->seq, af);
	struct fib_rule_hdr *fr = mnl_nlmsg_get_payload(nlh);
	uint32_t table = x->dp->params.route_table ? x->dp->params.route_table : DP_DEFAULT_ROUTE_TABLE;
	uint32_t prio = x->dp->params.rule_priority ? x->dp->params.rule_priority : DP_DEFAULT_RULE_PRIORITY;
	int rc;

	fr->action = FR_ACT_TO_TBL;
	fr->table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	mnl_attr_put_u32(nlh, FRA_TABLE, table);
	mnl_attr_put_u32(nlh, FRA_PRIORITY, prio);
	rc = xk_talk(x->rt, buf, (int)nlh->nlmsg_len, NULL, NULL);
	return rc == -EEXIST ? 0 : rc;
}

/* pol (adding; NULL when deleting) gives the route's source (prefsrc,
 * added to lo first when not local: dp_srcaddr_hold), gateway (via, else
 * the one towards the peer), metric and MTU. */
int xk_route(struct xk *x, bool add, const struct ip_subnet *dst, const struct ip_addr *peer,
	     const struct dp_policy *pol)
{
	_Alignas(struct nlmsghdr) char buf[1024];
	struct route_ans a = { 0 };
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	uint32_t table = x->dp->params.route_table ? x->dp->params.route_table : DP_DEFAULT_ROUTE_TABLE;
	int fi = dst->addr.af == AF_INET6, rc;
	struct dp_route r = { 0 };
	size_t len;
	bool via = add && pol && pol->via.af == dst->addr.af && !addr_is_any(&pol->via);
	const struct ip_addr *toward = via ? &pol->via : peer;

	if (add) {
		/* the device (and gateway) that reaches the nexthop, else the peer */
		nlh = rt_msg(buf, sizeof(buf), RTM_GETROUTE, 0, ++x->seq, toward->af);
		rtm = mnl_nlmsg_get_payload(nlh);
		rtm->rtm_dst_len = (uint8_t)(addr_len(toward) * 8);
		mnl_attr_put(nlh, RTA_DST, addr_len(toward), toward->a);
		if ((rc = xk_talk(x->rt, buf, (int)nlh->nlmsg_len, getroute_cb, &a)) < 0 || !a.oif)
			return rc < 0 ? rc : -ENETUNREACH;
		if (via)
			a.gw = pol->via;
		if (pol && (rc = dp_srcaddr_hold(&x->srcaddrs, &pol->prefsrc)) < 0)
			return rc;
	}
	r.dst = *dst;
	r.table = table;
	if (add) {
		r.oif = a.oif;
		if (pol)
			dp_route_from_policy(&r, pol);
		r.gw = a.gw.af == dst->addr.af ? a.gw : (struct ip_addr){ 0 };
	}
	if (!(len = dp_route_msg(buf, sizeof(buf), ++x->seq, add, &r)))
		return -EAFNOSUPPORT;
	rc = xk_talk(x->rt, buf, (int)len, NULL, NULL);
	if (add && rc < 0 && pol)
		dp_srcaddr_release(&x->srcaddrs, &pol->prefsrc);
	if (rc < 0 && !(rc == -ESRCH && !add))
		return rc;
	if (add) {
		if (x->nroutes == x->caproutes) {
			size_t nc = x->caproutes ? 2 * x->caproutes : 8;
			struct ip_subnet *v = realloc(x->routes, nc * sizeof(*v));
			if (v) {
				x->routes = v;
				x->caproutes = nc;
			}
		}
		if (x->nroutes < x->caproutes)
			x->routes[x->nroutes++] = *dst;
	} else {
		for (size_t i = 0; i < x->nroutes; i++)
			if (subnet_eq(&x->routes[i], dst)) {
				x->routes[i] = x->routes[--x->nroutes];
				break;
			}
	}
	if (add && x->rule_refs[fi]++ == 0)
		xk_rule(x, true, dst->addr.af);
	else if (!add && x->rule_refs[fi] && --x->rule_refs[fi] == 0)
		xk_rule(x, false, dst->addr.af);
	return 0;
}

/* A passthrough shunt's destination in table 220 as a throw route: the
 * lookup falls through to the host's own tables, so cleartext carved out
 * of a tunnel's subnet does not follow the tunnel's route to the peer. */
int xk_throw_route(struct xk *x, bool add, const struct ip_subnet *dst)
{
	_Alignas(struct nlmsghdr) char buf[1024];
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	uint32_t table = x->dp->params.route_table ? x->dp->params.route_table : DP_DEFAULT_ROUTE_TABLE;
	int rc;

	nlh = rt_msg(buf, sizeof(buf), add ? RTM_NEWROUTE : RTM_DELROUTE,
		     NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_REPLACE : 0), ++x->seq, dst->addr.af);
	rtm = mnl_nlmsg_get_payload(nlh);
	rtm->rtm_dst_len = dst->plen;
	rtm->rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_THROW;
	mnl_attr_put_u32(nlh, RTA_TABLE, table);
	mnl_attr_put(nlh, RTA_DST, addr_len(&dst->addr), dst->addr.a);
	rc = xk_talk(x->rt, buf, (int)nlh->nlmsg_len, NULL, NULL);
	return rc == -ESRCH && !add ? 0 : rc;
}
