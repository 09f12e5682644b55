/* %defaultroute via rtnetlink (see defaultroute.h). */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config/defaultroute.h"

struct rt_best {
	int af;
	bool found;
	uint32_t prio;
	struct defaultroute r;
};

static int route_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int t = mnl_attr_get_type(a);

	if (mnl_attr_type_valid(a, RTA_MAX) < 0)
		return MNL_CB_OK;
	tb[t] = a;
	return MNL_CB_OK;
}

static void attr_addr(const struct nlattr *a, int af, struct ip_addr *out)
{
	size_t want = af == AF_INET ? 4 : 16;

	if (a && mnl_attr_get_payload_len(a) >= want)
		addr_from_bytes(af, mnl_attr_get_payload(a), out);
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rt_best *b = data;
	const struct rtmsg *rm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[RTA_MAX + 1] = { 0 };
	uint32_t table, prio = 0;

	if (nlh->nlmsg_type != RTM_NEWROUTE || rm->rtm_family != b->af || rm->rtm_dst_len != 0 ||
	    rm->rtm_type != RTN_UNICAST)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*rm), route_attr, tb);
	table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rm->rtm_table;
	if (table != RT_TABLE_MAIN)
		return MNL_CB_OK;
	if (tb[RTA_PRIORITY])
		prio = mnl_attr_get_u32(tb[RTA_PRIORITY]);
	if (b->found && prio >= b->prio)
		return MNL_CB_OK;
	memset(&b->r, 0, sizeof(b->r));
	attr_addr(tb[RTA_GATEWAY], b->af, &b->r.gw);
	attr_addr(tb[RTA_PREFSRC], b->af, &b->r.src);
	b->r.ifindex = tb[RTA_OIF] ? (int)mnl_attr_get_u32(tb[RTA_OIF]) : 0;
	b->prio = prio;
	b->found = true;
	return MNL_CB_OK;
}

static int addr_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid(a, IFA_MAX) < 0)
		return MNL_CB_OK;
	tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rt_best *b = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1] = { 0 };

	if (nlh->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != b->af ||
	    (int)ifa->ifa_index != b->r.ifindex || addr_is_set(&b->r.src))
		return MNL_CB_OK;
	if (b->af == AF_INET6 && ifa->ifa_scope != RT_SCOPE_UNIVERSE)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifa), addr_attr, tb);
	attr_addr(tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS], b->af, &b->r.src);
	return MNL_CB_OK;
}

static int dump(struct mnl_socket *nl, int type, int af, mnl_cb_t cb, void *data)
{
	enum { BUFSZ = 32768 };
	char *buf = malloc(BUFSZ);
	struct nlmsghdr *nlh;
	unsigned seq = (unsigned)time(NULL), portid = mnl_socket_get_portid(nl);
	ssize_t n;
	int r = MNL_CB_OK;

	if (!buf)
		return -ENOMEM;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	if (type == RTM_GETROUTE) {
		struct rtmsg *rm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rm));
		rm->rtm_family = (unsigned char)af;
	} else {
		struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
		ifa->ifa_family = (unsigned char)af;
	}
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		r = -errno;
		goto out;
	}
	while ((n = mnl_socket_recvfrom(nl, buf, BUFSZ)) > 0) {
		r = mnl_cb_run(buf, (size_t)n, seq, portid, cb, data);
		if (r <= MNL_CB_STOP)
			break;
	}
	r = (n < 0 || r == MNL_CB_ERROR) ? -(errno ? errno : EIO) : 0;
out:
	free(buf);
	return r;
}

int defaultroute_get(int af, struct defaultroute *out)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	struct rt_best b = { .af = af };
	int r;

	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		goto out;
	}
	r = dump(nl, RTM_GETROUTE, af, route_cb, &b);
	if (r < 0)
		goto out;
	if (!b.found) {
		r = -ENOENT;
		goto out;
	}
	if (!addr_is_set(&b.r.src)) {
		r = dump(nl, RTM_GETADDR, af, addr_cb, &b);
		if (r < 0)
			goto out;
	}
	if (!addr_is_set(&b.r.src)) {
		r = -ENOENT;
		goto out;
	}
	*out = b.r;
	r = 0;
out:
	mnl_socket_close(nl);
	return r;
}
