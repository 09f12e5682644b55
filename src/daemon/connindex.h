/* The responder's conn candidates for a peer address without a walk over
 * every conn: an index of the conn views by peer address, cached while the
 * conns and their views are unchanged (connindex.c). */
#ifndef CYGNET_DAEMON_CONNINDEX_H
#define CYGNET_DAEMON_CONNINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

struct pluto;
struct conn_view;
struct conn_index;

struct conn_cands {
	const struct conn_index *ix;
	struct ip_addr r;
	int a;                  /* next candidate of r's bucket, -1 = none */
	size_t b;               /* next of the any-peer list */
	bool named_first;       /* all that name r (name order), then the others */
};

/* The views of the IKEv2, non-shunt conns that name peer address r or
 * accept any peer, in name order (what a walk of conndb_sorted() would
 * visit of those).  false: out of memory (no candidates). */
bool connindex_begin(struct pluto *p, const struct ip_addr *r, struct conn_cands *it);
struct conn_view *connindex_next(struct conn_cands *it);
/* Are candidates that name the peer's address still to come? */
static inline bool connindex_named_left(const struct conn_cands *it) { return it->a >= 0; }
/* Candidates connindex_next() handed out so far (tests). */
uint64_t connindex_visits(void);
/* Drop the cache (tests; the daemon at exit). */
void connindex_flush(void);

#endif
