/* %defaultroute: the main routing table's default route, read over
 * rtnetlink (libmnl, RTM_GETROUTE / RTM_GETADDR dumps) in the caller's
 * network namespace, as Libreswan's addconn does at load time. */
#ifndef CYGNET_CONFIG_DEFAULTROUTE_H
#define CYGNET_CONFIG_DEFAULTROUTE_H

#include "lib/addr.h"

struct defaultroute {
	struct ip_addr src;     /* preferred source (or first address of the device) */
	struct ip_addr gw;      /* gateway; unset for a direct (device) route */
	int ifindex;
};

/* af: AF_INET or AF_INET6.  0 on success, -ENOENT when there is no default
 * route (or no usable source address), another -errno on netlink failure. */
int defaultroute_get(int af, struct defaultroute *out);

#endif
