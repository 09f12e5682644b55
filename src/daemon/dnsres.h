/* Host names resolved off the event loop.  getaddrinfo() blocks (for
 * seconds when a name server does not answer), so lookups run on a few
 * worker threads; each finished query comes back to the loop's thread
 * through an eventfd and its done() runs there, exactly once.
 *
 *   dnsres_submit ──> queue ──> worker: lookup(name) ──> done list
 *                                                         │ eventfd
 *   event loop <── done(arg, result) <────────────────────┘
 *
 * A query holds up to two names (a conn's left= and right=).  The lookup
 * function is the system resolver (dnsres_lookup_system: getaddrinfo, so
 * /etc/hosts and nsswitch.conf apply) unless a test supplies its own. */
#ifndef CYGNET_DAEMON_DNSRES_H
#define CYGNET_DAEMON_DNSRES_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/addr.h"

#define DNSRES_NAME_MAX 256
#define DNSRES_ERR_MAX 128
#define DNSRES_WORKERS 2

struct event_base;
struct dnsres;

struct dnsres_query {
	bool want[2];
	char name[2][DNSRES_NAME_MAX];
	int af[2];                  /* AF_INET, AF_INET6 or AF_UNSPEC (the first answer) */
};

struct dnsres_result {
	bool ok[2];
	struct ip_addr addr[2];
	char err[2][DNSRES_ERR_MAX]; /* why not ok, e.g. "Name or service not known" */
};

/* 0 and *out, or nonzero with err filled.  Runs on a worker thread. */
typedef int (*dnsres_lookup_fn)(const char *name, int af, struct ip_addr *out, char *err, size_t errlen);
/* In the loop's thread; r NULL when the resolver is freed before the
 * answer (the query is abandoned: free what arg holds). */
typedef void (*dnsres_done_fn)(void *arg, const struct dnsres_result *r);

/* false for answers no conn may use: unspecified, multicast, broadcast. */
bool dnsres_addr_usable(const struct ip_addr *a);
int dnsres_lookup_system(const char *name, int af, struct ip_addr *out, char *err, size_t errlen);

/* NULL on failure (out of memory, no eventfd).  lookup NULL = the system's. */
struct dnsres *dnsres_new(struct event_base *base, dnsres_lookup_fn lookup);
/* false when out of memory or no worker could start (done is not called). */
bool dnsres_submit(struct dnsres *r, const struct dnsres_query *q, dnsres_done_fn done, void *arg);
/* Queries submitted and not yet delivered. */
unsigned dnsres_pending(const struct dnsres *r);
/* Waits for lookups in progress at most DNSRES_EXIT_WAIT_MS (a name
 * server that never answers must not hold up the daemon's exit), then
 * calls done(arg, NULL) for every query not delivered; a worker still in
 * its lookup finishes on its own and the last one frees what is left. */
#define DNSRES_EXIT_WAIT_MS 1000
void dnsres_free(struct dnsres *r);

#endif
