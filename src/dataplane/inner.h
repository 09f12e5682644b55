/* Inner (cleartext) IP packets: a pure decoder of the 5-tuple that traffic
 * selectors are matched against, and the selector match itself. */
#ifndef CYGNET_DP_INNER_H
#define CYGNET_DP_INNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/dataplane.h"

struct dp_tuple {
	struct ip_addr src, dst;
	uint8_t proto;
	uint16_t sport, dport;     /* 0 when the protocol has no ports or for non-first fragments */
	bool later_frag;           /* a non-first fragment: its ports are unknown */
	size_t iplen;              /* total length from the IP header */
	size_t hdrlen;             /* IPv4 header / IPv6 fixed header length */
};

/* IPv4 or IPv6 packet at p; false when malformed or when the IP length
 * exceeds len (the packet may be followed by TFC padding). */
bool dp_tuple_parse(const uint8_t *p, size_t len, struct dp_tuple *t);
bool dp_selector_match(const struct dp_selector *s, const struct dp_tuple *t);
/* A packet whose scope is the link it was sent on: to a multicast, the
 * limited broadcast or an IPv4 link-local address, or from/to an IPv6
 * link-local address.  The
 * host's own such packets on the TUN belong to no other link: passing
 * them in clear would send them back into the TUN (a loop). */
bool dp_tuple_link_scope(const struct dp_tuple *t);

#endif
