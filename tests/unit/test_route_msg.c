/* The route message of an outbound policy (src/dataplane/route_msg.c), as
 * both backends send it: metric=, mtu=, leftsourceip= and leftnexthop=
 * become RTA_PRIORITY, RTA_METRICS/RTAX_MTU, RTA_PREFSRC and RTA_GATEWAY;
 * a deletion names only the destination; other families are refused. */
#include "harness.h"

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "dataplane/dataplane.h"

struct seen {
	const struct nlattr *a[RTA_MAX + 1];
};

static int attr_cb(const struct nlattr *at, void *data)
{
	struct seen *s = data;
	int t = mnl_attr_get_type(at);

	if (t <= RTA_MAX)
		s->a[t] = at;
	return MNL_CB_OK;
}

static const struct rtmsg *parse(const void *buf, size_t len, struct seen *s)
{
	const struct nlmsghdr *nlh = buf;

	memset(s, 0, sizeof(*s));
	CHECK_INT(nlh->nlmsg_len, len);
	mnl_attr_parse(nlh, sizeof(struct rtmsg), attr_cb, s);
	return mnl_nlmsg_get_payload(nlh);
}

static bool attr_addr(const struct nlattr *at, const char *want)
{
	struct ip_addr w, got;

	return at && addr_parse(want, &w) && mnl_attr_get_payload_len(at) == addr_len(&w) &&
	       addr_from_bytes(w.af, mnl_attr_get_payload(at), &got) && addr_eq(&got, &w);
}

static uint32_t nested_mtu(const struct nlattr *metrics)
{
	const struct nlattr *at;

	mnl_attr_for_each_nested(at, metrics)
		if (mnl_attr_get_type(at) == RTAX_MTU)
			return mnl_attr_get_u32(at);
	return 0;
}

static void policy(struct dp_policy *p, const char *src, const char *dst)
{
	memset(p, 0, sizeof(*p));
	subnet_parse(src, &p->sel.src, NULL);
	subnet_parse(dst, &p->sel.dst, NULL);
}

/* every setting */
static void test_add_all(void)
{
	_Alignas(struct nlmsghdr) char buf[DP_ROUTE_MSG_LEN];
	struct dp_policy pol;
	struct dp_route r = { .table = 220, .oif = 7 };
	const struct nlmsghdr *nlh = (const void *)buf;
	const struct rtmsg *rtm;
	struct seen s;
	size_t len;

	policy(&pol, "198.51.100.0/24", "203.0.113.0/24");
	addr_parse("198.51.100.77", &pol.prefsrc);
	addr_parse("192.0.2.254", &pol.via);
	pol.metric = 7;
	pol.mtu = 1300;
	r.dst = pol.sel.dst;
	dp_route_from_policy(&r, &pol);
	len = dp_route_msg(buf, sizeof(buf), 42, true, &r);
	CHECK(len > 0);
	rtm = parse(buf, len, &s);
	CHECK_INT(nlh->nlmsg_type, RTM_NEWROUTE);
	CHECK(nlh->nlmsg_flags & NLM_F_CREATE);
	CHECK(nlh->nlmsg_flags & NLM_F_REPLACE);
	CHECK_INT(nlh->nlmsg_seq, 42);
	CHECK_INT(rtm->rtm_family, AF_INET);
	CHECK_INT(rtm->rtm_dst_len, 24);
	CHECK_INT(rtm->rtm_table, 220);
	CHECK_INT(rtm->rtm_scope, RT_SCOPE_UNIVERSE);
	CHECK(attr_addr(s.a[RTA_DST], "203.0.113.0"));
	CHECK(attr_addr(s.a[RTA_PREFSRC], "198.51.100.77"));
	CHECK(attr_addr(s.a[RTA_GATEWAY], "192.0.2.254"));
	CHECK(s.a[RTA_OIF] && mnl_attr_get_u32(s.a[RTA_OIF]) == 7);
	CHECK(s.a[RTA_TABLE] && mnl_attr_get_u32(s.a[RTA_TABLE]) == 220);
	CHECK(s.a[RTA_PRIORITY] && mnl_attr_get_u32(s.a[RTA_PRIORITY]) == 7);
	CHECK(s.a[RTA_METRICS] && nested_mtu(s.a[RTA_METRICS]) == 1300);
}

/* kernel: no settings, no gateway (peer on the link): a link route with no
 * source, metric or MTU attribute; IPv6 */
static void test_add_plain_v6(void)
{
	_Alignas(struct nlmsghdr) char buf[DP_ROUTE_MSG_LEN];
	struct dp_policy pol;
	struct dp_route r = { .table = 220, .oif = 3 };
	const struct rtmsg *rtm;
	struct seen s;
	size_t len;

	policy(&pol, "2001:db8:1::/64", "2001:db8:2::/64");
	addr_parse("198.51.100.77", &pol.prefsrc);     /* wrong family: dropped */
	addr_parse("192.0.2.254", &pol.via);
	r.dst = pol.sel.dst;
	dp_route_from_policy(&r, &pol);
	len = dp_route_msg(buf, sizeof(buf), 1, true, &r);
	rtm = parse(buf, len, &s);
	CHECK_INT(rtm->rtm_family, AF_INET6);
	CHECK_INT(rtm->rtm_dst_len, 64);
	CHECK_INT(rtm->rtm_scope, RT_SCOPE_LINK);
	CHECK(attr_addr(s.a[RTA_DST], "2001:db8:2::"));
	CHECK(!s.a[RTA_PREFSRC] && !s.a[RTA_GATEWAY] && !s.a[RTA_PRIORITY] && !s.a[RTA_METRICS]);
	/* the kernel's gateway toward the peer */
	addr_parse("2001:db8::fe", &r.gw);
	len = dp_route_msg(buf, sizeof(buf), 2, true, &r);
	rtm = parse(buf, len, &s);
	CHECK(attr_addr(s.a[RTA_GATEWAY], "2001:db8::fe"));
	CHECK_INT(rtm->rtm_scope, RT_SCOPE_UNIVERSE);
}

static void test_delete(void)
{
	_Alignas(struct nlmsghdr) char buf[DP_ROUTE_MSG_LEN];
	struct dp_policy pol;
	struct dp_route r = { .table = 220 };
	const struct nlmsghdr *nlh = (const void *)buf;
	struct seen s;
	size_t len;

	policy(&pol, "198.51.100.0/24", "203.0.113.0/24");
	addr_parse("198.51.100.77", &pol.prefsrc);
	pol.metric = 9;
	pol.mtu = 1400;
	r.dst = pol.sel.dst;
	dp_route_from_policy(&r, &pol);
	len = dp_route_msg(buf, sizeof(buf), 3, false, &r);
	parse(buf, len, &s);
	CHECK_INT(nlh->nlmsg_type, RTM_DELROUTE);
	CHECK(!(nlh->nlmsg_flags & NLM_F_CREATE));
	/* any scope: a route added with a gateway (scope universe) goes too */
	CHECK_INT(((const struct rtmsg *)mnl_nlmsg_get_payload(nlh))->rtm_scope, RT_SCOPE_NOWHERE);
	CHECK(attr_addr(s.a[RTA_DST], "203.0.113.0"));
	CHECK(!s.a[RTA_OIF] && !s.a[RTA_PREFSRC] && !s.a[RTA_PRIORITY] && !s.a[RTA_METRICS]);
}

static void test_refused(void)
{
	_Alignas(struct nlmsghdr) char buf[DP_ROUTE_MSG_LEN];
	struct dp_route r = { .table = 220 };

	CHECK_INT(dp_route_msg(buf, sizeof(buf), 1, true, &r), 0);      /* no family */
	subnet_parse("203.0.113.0/24", &r.dst, NULL);
	CHECK_INT(dp_route_msg(buf, DP_ROUTE_MSG_LEN - 1, 1, true, &r), 0);
	r.table = 1000;                                                  /* beyond 255: RTA_TABLE only */
	CHECK(dp_route_msg(buf, sizeof(buf), 1, true, &r) > 0);
	CHECK_INT(((const struct rtmsg *)mnl_nlmsg_get_payload((const void *)buf))->rtm_table, RT_TABLE_UNSPEC);
}

int main(void)
{
	RUN(test_add_all);
	RUN(test_add_plain_v6);
	RUN(test_delete);
	RUN(test_refused);
	return t_done();
}
