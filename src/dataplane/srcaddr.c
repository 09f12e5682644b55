/* Route source addresses (leftsourceip=) that this host does not have yet.
 * A route's RTA_PREFSRC must be a local address, so Libreswan's _updown
 * (addsource/delsource) adds leftsourceip= to "lo" when `ip route get` does
 * not call it local, and removes it when no route uses it any more; IPv4
 * gets scope 50, which marks the address as added by IPsec.  Cygnet does
 * the same from the dataplane's route code, counting the routes that use
 * each address it added (see dataplane.h). */
#include "dataplane/dataplane.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/ifaddr.h"
#include "lib/log.h"

#define SRCADDR_SCOPE_V4 50     /* Libreswan's _updown: "scope 50" */

/* RTM_NEWADDR / RTM_DELADDR of a/32 (/128) on lo, on a socket of its own
 * (rare: once per source address). */
static int addr_msg(bool add, const struct ip_addr *a)
{
	_Alignas(struct nlmsghdr) char buf[512];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	unsigned lo = if_nametoindex("lo");
	unsigned portid;
	uint32_t seq = (uint32_t)time(NULL);
	ssize_t n;
	int rc = 0;

	if (!lo)
		return -ENODEV;
	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = add ? RTM_NEWADDR : RTM_DELADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0);
	nlh->nlmsg_seq = seq;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)a->af;
	ifa->ifa_prefixlen = (uint8_t)(addr_len(a) * 8);
	ifa->ifa_scope = a->af == AF_INET ? SRCADDR_SCOPE_V4 : RT_SCOPE_UNIVERSE;
	ifa->ifa_flags = a->af == AF_INET6 ? IFA_F_NODAD : 0;
	ifa->ifa_index = lo;
	mnl_attr_put(nlh, IFA_LOCAL, addr_len(a), a->a);
	mnl_attr_put(nlh, IFA_ADDRESS, addr_len(a), a->a);
	if (!(nl = mnl_socket_open(NETLINK_ROUTE)))
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 || mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		rc = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	if ((n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) < 0 ||
	    mnl_cb_run(buf, (size_t)n, seq, portid, NULL, NULL) < 0)
		rc = -errno;
out:
	mnl_socket_close(nl);
	return rc;
}

static struct dp_srcaddr *find(struct dp_srcaddrs *s, const struct ip_addr *a)
{
	for (size_t i = 0; i < s->n; i++)
		if (addr_eq(&s->v[i].a, a))
			return &s->v[i];
	return NULL;
}

int dp_srcaddr_hold(struct dp_srcaddrs *s, const struct ip_addr *a)
{
	struct dp_srcaddr *e;
	char b[ADDR_STRLEN];
	int rc;

	if (!a->af)
		return 0;
	if ((e = find(s, a))) {
		e->refs++;
		return 0;
	}
	if (ifaddr_is_local(a, NULL))
		return 0;                     /* the host's own: never touched */
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 4;
		struct dp_srcaddr *v = realloc(s->v, nc * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = nc;
	}
	if ((rc = addr_msg(true, a)) < 0 && rc != -EEXIST) {
		log_warn("dataplane: cannot add the source address %s to lo: %s", addr_fmt(a, b), strerror(-rc));
		return rc;
	}
	log_info("dataplane: added the source address %s/%zu to lo", addr_fmt(a, b), addr_len(a) * 8);
	s->v[s->n++] = (struct dp_srcaddr){ .a = *a, .refs = 1 };
	return 0;
}

void dp_srcaddr_release(struct dp_srcaddrs *s, const struct ip_addr *a)
{
	struct dp_srcaddr *e = a->af ? find(s, a) : NULL;
	char b[ADDR_STRLEN];
	int rc;

	if (!e || --e->refs)
		return;
	if ((rc = addr_msg(false, a)) < 0 && rc != -EADDRNOTAVAIL)
		log_warn("dataplane: cannot remove the source address %s from lo: %s", addr_fmt(a, b), strerror(-rc));
	else
		log_info("dataplane: removed the source address %s from lo", addr_fmt(a, b));
	*e = s->v[--s->n];
}

void dp_srcaddr_release_all(struct dp_srcaddrs *s)
{
	while (s->n) {
		s->v[0].refs = 1;
		dp_srcaddr_release(s, &s->v[0].a);
	}
	free(s->v);
	memset(s, 0, sizeof(*s));
}
