/* This host's interface addresses (getifaddrs), for orienting conns and for
 * status: is an address ours, on which interface, and which of our addresses
 * lies inside a subnet. */
#ifndef CYGNET_IFADDR_H
#define CYGNET_IFADDR_H

#include <net/if.h>
#include <stdbool.h>

#include "lib/addr.h"

/* True when a is an address of one of this host's interfaces; the
 * interface's name goes to ifname (when not NULL; "" when not found). */
bool ifaddr_is_local(const struct ip_addr *a, char ifname[IF_NAMESIZE]);
/* The first of this host's addresses inside s; false when none. */
bool ifaddr_in_subnet(const struct ip_subnet *s, struct ip_addr *out);

#endif
