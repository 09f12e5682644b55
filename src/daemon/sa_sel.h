/* Negotiated traffic selectors as dataplane selectors (pure: no lookups,
 * no logging).  A Child SA carries every pair of its TSi x TSr (RFC 7296
 * §2.9); each pair that can hold a packet becomes one struct dp_selector
 * (src = local side, outbound view) with its protocol and ports, and so
 * one outbound and one inbound policy.  The SA's own selector (dp_sa.sel)
 * is the smallest one that covers all of its pairs. */
#ifndef CYGNET_DAEMON_SA_SEL_H
#define CYGNET_DAEMON_SA_SEL_H

#include <stdbool.h>
#include <stddef.h>

#include "dataplane/dataplane.h"
#include "ike/wire.h"

/* The range start..end as one prefix; false when it is none. */
bool sa_sel_range_subnet(const struct ip_addr *start, const struct ip_addr *end, struct ip_subnet *out);

/* The outbound selector of (local end, remote end) given as subnet,
 * protocol and port (0 = any) each: the pair's protocol is the one both
 * allow (false when they name different ones), sport the local port,
 * dport the remote one.  false too when the families differ, or a port is
 * named without a protocol. */
bool sa_sel_make(const struct ip_subnet *l, uint8_t lproto, uint16_t lport,
		 const struct ip_subnet *r, uint8_t rproto, uint16_t rport, struct dp_selector *out);

/* A conn's own pairs: every local x remote subnet with the ends' protocol
 * and port (sa_sel_make) that holds packets, in order, at most max in
 * out.  Returns how many there are (more than max: the caller says so). */
size_t sa_sel_conn_pairs(const struct ip_subnet *ls, size_t nl, uint8_t lproto, uint16_t lport,
			 const struct ip_subnet *rs, size_t nr, uint8_t rproto, uint16_t rport,
			 struct dp_selector *out, size_t max);

/* The same from two negotiated TS: false also when a TS's addresses are no
 * prefix or its ports neither one port nor all of them (the engine agrees
 * to no such TS: ts_installable). */
bool sa_sel_pair(const struct ike_ts *local, const struct ike_ts *remote, struct dp_selector *out);

/* Every pair of local x remote that holds packets, in order, at most max
 * in out.  Returns how many there are (more than max: the caller refuses);
 * *bad (may be NULL) counts the pairs left out because a TS cannot be
 * installed exactly. */
size_t sa_sel_pairs(const struct ike_ts_payload *local, const struct ike_ts_payload *remote,
		    struct dp_selector *out, size_t max, size_t *bad);

/* The smallest selector that holds sel[0..n): common prefixes, the
 * protocol and ports where all agree; families that differ (or n == 0):
 * the any selector (family unset). */
void sa_sel_cover(const struct dp_selector *sel, size_t n, struct dp_selector *out);

/* The selector seen from the other direction (src and dst, ports swapped). */
void sa_sel_reverse(const struct dp_selector *s, struct dp_selector *out);

#endif
