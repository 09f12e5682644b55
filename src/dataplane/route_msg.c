/* The route message both backends send for an outbound policy (see
 * dataplane.h, dp_route_msg): pure, so its attributes are unit-tested
 * (tests/unit/test_route_msg.c) for the kernel backend too, whose routes
 * this machine cannot exercise. */
#include "dataplane/dataplane.h"

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <string.h>

void dp_route_from_policy(struct dp_route *r, const struct dp_policy *pol)
{
	int af = r->dst.addr.af;

	if (pol->prefsrc.af == af)
		r->prefsrc = pol->prefsrc;
	if (pol->via.af == af && !addr_is_any(&pol->via))
		r->gw = pol->via;
	r->metric = pol->metric;
	r->mtu = pol->mtu;
}

size_t dp_route_msg(void *buf, size_t cap, uint32_t seq, bool add, const struct dp_route *r)
{
	int af = r->dst.addr.af;
	bool gw = r->gw.af == af;
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	if (cap < DP_ROUTE_MSG_LEN || (af != AF_INET && af != AF_INET6))
		return 0;
	memset(buf, 0, DP_ROUTE_MSG_LEN);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_REPLACE : 0);
	nlh->nlmsg_seq = seq;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)af;
	rtm->rtm_dst_len = r->dst.plen;
	rtm->rtm_table = r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = RTPROT_STATIC;
	/* a deletion matches any scope (as `ip route del`): the route may
	 * have been added with a gateway the deleting side no longer knows */
	rtm->rtm_scope = !add ? RT_SCOPE_NOWHERE : gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_TABLE, r->table);
	mnl_attr_put(nlh, RTA_DST, addr_len(&r->dst.addr), r->dst.addr.a);
	if (r->oif)
		mnl_attr_put_u32(nlh, RTA_OIF, r->oif);
	if (!add)
		return nlh->nlmsg_len;         /* any route of dst (and oif) in the table */
	if (gw)
		mnl_attr_put(nlh, RTA_GATEWAY, addr_len(&r->gw), r->gw.a);
	if (r->prefsrc.af == af)
		mnl_attr_put(nlh, RTA_PREFSRC, addr_len(&r->prefsrc), r->prefsrc.a);
	if (r->metric)
		mnl_attr_put_u32(nlh, RTA_PRIORITY, r->metric);
	if (r->mtu) {
		struct nlattr *m = mnl_attr_nest_start(nlh, RTA_METRICS);

		mnl_attr_put_u32(nlh, RTAX_MTU, r->mtu);
		mnl_attr_nest_end(nlh, m);
	}
	return nlh->nlmsg_len;
}
