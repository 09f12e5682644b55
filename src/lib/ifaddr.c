#include "lib/ifaddr.h"

#include <errno.h>
#include <ifaddrs.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The addresses are asked for on every Child SA installed (a route's
 * source address), and getifaddrs() dumps every interface through
 * netlink: a snapshot is kept, and dropped whenever the kernel announces
 * a change of address or link on a netlink socket that listens for them
 * (opened before the first snapshot; the announcement is queued before
 * the change's own request returns, so no query sees a stale snapshot).
 * Without that socket every query takes a fresh snapshot. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct ifaddrs *snap;
static int mon_fd = -2;         /* -2: not opened yet, -1: unavailable */

static int monitor_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
				  .nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		fd = -1;
	}
	return fd < 0 ? -1 : fd;
}

/* Did anything change since the last call (or can we not tell)? */
static bool changed(void)
{
	char buf[8192];
	bool any = false;

	if (mon_fd == -2)
		mon_fd = monitor_open();
	if (mon_fd < 0)
		return true;
	for (;;) {
		ssize_t n = recv(mon_fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n > 0 || (n < 0 && errno == ENOBUFS))   /* ENOBUFS: some were lost */
			any = true;
		else if (n < 0 && errno == EINTR)
			continue;
		else
			return any;
	}
}

/* Visit this host's addresses until match() says stop; true if it did.
 * match() runs under the lock. */
static bool each_addr(bool (*match)(const struct ip_addr *a, const char *ifname, void *arg), void *arg)
{
	bool found = false;

	pthread_mutex_lock(&lock);
	if (changed() || !snap) {
		if (snap)
			freeifaddrs(snap);
		snap = NULL;
		if (getifaddrs(&snap) < 0)
			snap = NULL;
	}
	for (const struct ifaddrs *i = snap; i && !found; i = i->ifa_next) {
		struct ip_addr x;
		if (i->ifa_addr && addr_from_sockaddr(i->ifa_addr, &x, NULL))
			found = match(&x, i->ifa_name ? i->ifa_name : "", arg);
	}
	pthread_mutex_unlock(&lock);
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
