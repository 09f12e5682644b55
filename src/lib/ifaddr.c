#include "lib/ifaddr.h"

#include <ifaddrs.h>
#include <stdio.h>
#include <string.h>

/* Visit this host's addresses until match() says stop; true if it did. */
static bool each_addr(bool (*match)(const struct ip_addr *a, const char *ifname, void *arg), void *arg)
{
	struct ifaddrs *ifa;
	bool found = false;

	if (getifaddrs(&ifa) < 0)
		return false;
	for (const struct ifaddrs *i = ifa; i && !found; i = i->ifa_next) {
		struct ip_addr x;
		if (i->ifa_addr && addr_from_sockaddr(i->ifa_addr, &x, NULL))
			found = match(&x, i->ifa_name ? i->ifa_name : "", arg);
	}
	freeifaddrs(ifa);
	return found;
}

struct local_q {
	const struct ip_addr *want;
	char *ifname;
};

static bool is_want(const struct ip_addr *a, const char *ifname, void *arg)
{
	struct local_q *q = arg;

	if (!addr_eq(a, q->want))
		return false;
	if (q->ifname)
		snprintf(q->ifname, IF_NAMESIZE, "%s", ifname);
	return true;
}

bool ifaddr_is_local(const struct ip_addr *a, char ifname[IF_NAMESIZE])
{
	struct local_q q = { a, ifname };

	if (ifname)
		ifname[0] = '\0';
	return a->af && !addr_is_any(a) && each_addr(is_want, &q);
}

struct subnet_q {
	const struct ip_subnet *s;
	struct ip_addr *out;
};

static bool in_subnet(const struct ip_addr *a, const char *ifname, void *arg)
{
	struct subnet_q *q = arg;

	(void)ifname;
	if (!subnet_contains(q->s, a))
		return false;
	*q->out = *a;
	return true;
}

bool ifaddr_in_subnet(const struct ip_subnet *s, struct ip_addr *out)
{
	struct subnet_q q = { s, out };

	memset(out, 0, sizeof(*out));
	return each_addr(in_subnet, &q);
}
