/* The responder's conn candidates without a walk over every conn (issue 13
 * item 3): a cache of the IKEv2, non-shunt conns whose views build, in name
 * order (conndb_sorted's, which decides ties), indexed by the peer address
 * when the conn names one, plus the list of those that accept any peer.  A
 * peer at address A can only match a conn of A's bucket or of that list
 * (connview.c's addrs_fit), so the candidates are their merge, in name
 * order: the choice is the one a walk of every conn makes.
 *
 * The cache is rebuilt when any conn is added or deleted or any view built
 * or dropped (the generations of conndb.c and connview.c).  Conns whose view
 * fails to build (unoriented, a host name not resolved yet) are tried again
 * before a lookup at most once every RETRY_FAILED_MS: one that builds now
 * moves the view generation, and the cache follows.  Not before each
 * lookup, as the walk did: each try of an unoriented conn asks the kernel
 * for the host's addresses (getifaddrs, 0.1-0.4 ms) for both ends, and a
 * forged IKE_SA_INIT is a lookup (100 such conns: 50 packets a second
 * filled the event loop). */
#include "daemon/connindex.h"

#include <stdlib.h>
#include <time.h>

#include "config/conn.h"
#include "daemon/conndb.h"
#include "daemon/connview.h"
#include "daemon/pluto.h"
#include "lib/htab.h"

struct conn_index {
	const struct conndb *db;
	uint64_t db_gen, view_gen;
	struct dconn **cand;           /* candidates in name order */
	size_t n;
	int *next;                     /* per candidate: next of its bucket (ascending), -1 ends */
	int *head;                     /* per bucket: first candidate, -1 = none */
	size_t nbuckets;               /* a power of two */
	int *any;                      /* candidates that accept any peer address, ascending */
	size_t n_any;
	struct dconn **failed;         /* views that did not build */
	size_t n_failed;
	uint64_t retried_ms;           /* when they were last tried (monotonic) */
};

#define RETRY_FAILED_MS 1000

static uint64_t mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static struct conn_index *cache;   /* one daemon per process: rebuilt for another conndb */
static uint64_t visits;            /* candidates handed out (tests) */

uint64_t connindex_visits(void) { return visits; }

static void index_free(struct conn_index *ix)
{
	if (!ix)
		return;
	free(ix->cand);
	free(ix->next);
	free(ix->head);
	free(ix->any);
	free(ix->failed);
	free(ix);
}

static uint32_t addr_hash(const struct ip_addr *a)
{
	return fnv1a(fnv1a(FNV1A_INIT, &a->af, 1), a->a, sizeof(a->a));
}

static bool names_peer(const struct ike_conn *ic)
{
	return ic->remote.addr.af && !addr_is_any(&ic->remote.addr);
}

static bool index_alloc(struct conn_index *ix, size_t n)
{
	ix->nbuckets = 16;
	while (ix->nbuckets < 2 * n)
		ix->nbuckets *= 2;
	ix->cand = malloc((n ? n : 1) * sizeof(*ix->cand));
	ix->next = malloc((n ? n : 1) * sizeof(*ix->next));
	ix->any = malloc((n ? n : 1) * sizeof(*ix->any));
	ix->failed = malloc((n ? n : 1) * sizeof(*ix->failed));
	ix->head = malloc(ix->nbuckets * sizeof(*ix->head));
	if (!ix->cand || !ix->next || !ix->any || !ix->failed || !ix->head)
		return false;
	for (size_t b = 0; b < ix->nbuckets; b++)
		ix->head[b] = -1;
	return true;
}

static struct conn_index *index_build(struct pluto *p)
{
	struct conn_index *ix = calloc(1, sizeof(*ix));
	struct dconn **all;
	size_t n;

	if (!ix)
		return NULL;
	all = conndb_sorted(p->db, &n);
	if ((n && !all) || !index_alloc(ix, n)) {
		free(all);
		index_free(ix);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		char err[256];

		if (!all[i]->conn->ikev2 || conn_is_shunt(all[i]->conn))
			continue;
		if (!connview_get(p, all[i], err, sizeof(err)))
			ix->failed[ix->n_failed++] = all[i];
		else
			ix->cand[ix->n++] = all[i];
	}
	free(all);
	/* backwards, so that each bucket lists its candidates in name order */
	for (size_t i = ix->n; i-- > 0;) {
		const struct ike_conn *ic = &ix->cand[i]->view->ike;
		size_t b;

		if (!names_peer(ic))
			continue;
		b = addr_hash(&ic->remote.addr) & (ix->nbuckets - 1);
		ix->next[i] = ix->head[b];
		ix->head[b] = (int)i;
	}
	for (size_t i = 0; i < ix->n; i++)
		if (!names_peer(&ix->cand[i]->view->ike))
			ix->any[ix->n_any++] = (int)i;
	ix->db = p->db;
	ix->retried_ms = mono_ms();
	ix->db_gen = conndb_generation();
	ix->view_gen = connview_generation();
	return ix;
}

static bool index_valid(const struct conn_index *ix, const struct pluto *p)
{
	return ix && ix->db == p->db && ix->db_gen == conndb_generation() &&
	       ix->view_gen == connview_generation();
}

static const struct conn_index *index_get(struct pluto *p)
{
	if (index_valid(cache, p)) {
		char err[256];
		uint64_t now = mono_ms();

		if (cache->n_failed && now - cache->retried_ms >= RETRY_FAILED_MS) {
			cache->retried_ms = now;
			for (size_t i = 0; i < cache->n_failed; i++)
				connview_get(p, cache->failed[i], err, sizeof(err));
		}
		if (index_valid(cache, p))
			return cache;
	}
	index_free(cache);
	cache = index_build(p);
	return cache;
}

/* The next bucket entry at or after candidate i that names r. */
static int bucket_skip(const struct conn_index *ix, int i, const struct ip_addr *r)
{
	while (i >= 0 && !addr_eq(&ix->cand[i]->view->ike.remote.addr, r))
		i = ix->next[i];
	return i;
}

bool connindex_begin(struct pluto *p, const struct ip_addr *r, struct conn_cands *it)
{
	const struct conn_index *ix = index_get(p);

	it->ix = ix;
	it->r = *r;
	it->a = ix ? bucket_skip(ix, ix->head[addr_hash(r) & (ix->nbuckets - 1)], r) : -1;
	it->b = 0;
	it->named_first = false;
	return ix != NULL;
}

struct conn_view *connindex_next(struct conn_cands *it)
{
	const struct conn_index *ix = it->ix;
	int b = ix && it->b < ix->n_any ? ix->any[it->b] : -1, pick;

	if (!ix || (it->a < 0 && b < 0))
		return NULL;
	visits++;
	if (it->a >= 0 && (b < 0 || it->a < b || it->named_first)) {
		pick = it->a;
		it->a = bucket_skip(ix, ix->next[it->a], &it->r);
	} else {
		pick = b;
		it->b++;
	}
	return ix->cand[pick]->view;
}

void connindex_flush(void)
{
	index_free(cache);
	cache = NULL;
}
