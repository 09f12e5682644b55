/* The SA database's indexes: SAs by SPI and policies/SAs by reqid (hash
 * tables that double as they fill), and the heap of SAs by the monotonic
 * second of their next time limit.  Changed on the daemon's thread under
 * the backend's write lock; the heap also by sadb_tick (the one packet
 * thread that ticks, under the read lock: nothing else touches it then). */
#include "dataplane/sadb.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static uint32_t mix32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	return x ^ (x >> 16);
}

void sadb_index_init(struct sadb *db)
{
	if (getrandom(&db->seed, sizeof(db->seed), GRND_NONBLOCK) != (ssize_t)sizeof(db->seed))
		db->seed = 0x5eed1234u;
	pthread_mutex_init(&db->retry_mu, NULL);
}

void sadb_index_free(struct sadb *db)
{
	for (size_t b = 0; db->rq_hash && b <= db->rq_mask; b++)
		for (struct sadb_rq *rq = db->rq_hash[b], *n; rq; rq = n) {
			n = rq->next;
			free(rq);
		}
	free(db->rq_hash);
	free(db->spi_hash);
	free(db->heap);
	pthread_mutex_destroy(&db->retry_mu);
}

/* ---- SAs by SPI ---------------------------------------------------------- */

uint32_t sadb_spi_bucket(const struct sadb *db, uint32_t spi)
{
	return mix32(spi ^ db->seed) & (uint32_t)db->spi_mask;
}

/* Twice the buckets; chains keep newest first (rebuilt oldest first). */
static void spi_grow(struct sadb *db)
{
	size_t nb = db->spi_hash ? (db->spi_mask + 1) * 2 : SADB_HASH_MIN;
	struct sa_entry **h = calloc(nb, sizeof(*h)), *last = NULL;

	if (!h)
		return;                     /* keep the fuller table */
	free(db->spi_hash);
	db->spi_hash = h;
	db->spi_mask = nb - 1;
	for (struct sa_entry *sa = db->all; sa; sa = sa->next)
		last = sa;
	for (struct sa_entry *sa = last; sa; sa = sa->prev) {
		uint32_t b = sadb_spi_bucket(db, sa->cfg.spi);
		sa->next_spi = h[b];
		h[b] = sa;
	}
}

int sadb_spi_insert(struct sadb *db, struct sa_entry *sa)
{
	uint32_t b;

	if (!db->spi_hash || db->nsa >= db->spi_mask + 1)
		spi_grow(db);
	if (!db->spi_hash)
		return -ENOMEM;
	db->nsa++;
	b = sadb_spi_bucket(db, sa->cfg.spi);
	sa->next_spi = db->spi_hash[b];
	db->spi_hash[b] = sa;
	return 0;
}

void sadb_spi_remove(struct sadb *db, struct sa_entry *sa)
{
	if (!db->spi_hash)
		return;
	for (struct sa_entry **pp = &db->spi_hash[sadb_spi_bucket(db, sa->cfg.spi)]; *pp; pp = &(*pp)->next_spi)
		if (*pp == sa) {
			*pp = sa->next_spi;
			db->nsa--;
			return;
		}
}

/* ---- reqids -------------------------------------------------------------- */

static const struct ip_addr no_addr;

static const struct ip_addr *key_dst(const struct ip_addr *dst)
{
	return dst && addr_is_set(dst) ? dst : &no_addr;
}

static size_t rq_bucket(const struct sadb *db, uint32_t reqid, const struct ip_addr *dst)
{
	uint32_t h = mix32(reqid ^ db->seed);

	for (size_t i = 0; i < addr_len(dst); i += 4) {
		uint32_t w;
		memcpy(&w, dst->a + i, 4);
		h = mix32(h ^ w);
	}
	return h & db->rq_mask;
}

struct sadb_rq *sadb_rq_find(const struct sadb *db, uint32_t reqid, const struct ip_addr *dst)
{
	dst = key_dst(dst);
	if (!db->rq_hash)
		return NULL;
	for (struct sadb_rq *rq = db->rq_hash[rq_bucket(db, reqid, dst)]; rq; rq = rq->next)
		if (rq->reqid == reqid && addr_eq(&rq->dst, dst))
			return rq;
	return NULL;
}

static void rq_grow(struct sadb *db)
{
	size_t nb = db->rq_hash ? (db->rq_mask + 1) * 2 : SADB_HASH_MIN, omask = db->rq_mask;
	struct sadb_rq **h = calloc(nb, sizeof(*h)), **old = db->rq_hash;

	if (!h)
		return;
	db->rq_hash = h;
	db->rq_mask = nb - 1;
	for (size_t b = 0; old && b <= omask; b++)
		for (struct sadb_rq *rq = old[b], *n; rq; rq = n) {
			size_t nbk = rq_bucket(db, rq->reqid, &rq->dst);
			n = rq->next;
			rq->next = h[nbk];
			h[nbk] = rq;
		}
	free(old);
}

struct sadb_rq *sadb_rq_get(struct sadb *db, uint32_t reqid, const struct ip_addr *dst)
{
	struct sadb_rq *rq = sadb_rq_find(db, reqid, dst);
	size_t b;

	if (rq)
		return rq;
	if (!db->rq_hash || db->nrq >= db->rq_mask + 1)
		rq_grow(db);
	if (!db->rq_hash || !(rq = calloc(1, sizeof(*rq))))
		return NULL;
	rq->reqid = reqid;
	rq->dst = *key_dst(dst);
	b = rq_bucket(db, reqid, &rq->dst);
	rq->next = db->rq_hash[b];
	db->rq_hash[b] = rq;
	db->nrq++;
	return rq;
}

void sadb_rq_put(struct sadb *db, struct sadb_rq *rq)
{
	if (!rq || rq->pols || rq->out || rq->in || rq->n_in_pols)
		return;
	for (struct sadb_rq **pp = &db->rq_hash[rq_bucket(db, rq->reqid, &rq->dst)]; *pp; pp = &(*pp)->next)
		if (*pp == rq) {
			*pp = rq->next;
			db->nrq--;
			free(rq);
			return;
		}
}

/* ---- the lifetime heap --------------------------------------------------- */

static void heap_set(struct sadb *db, size_t i, struct sa_entry *sa)
{
	db->heap[i] = sa;
	sa->heap_pos = i + 1;
}

static void sift_up(struct sadb *db, size_t i)
{
	struct sa_entry *sa = db->heap[i];

	while (i > 0 && db->heap[(i - 1) / 2]->deadline > sa->deadline) {
		heap_set(db, i, db->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(db, i, sa);
}

static void sift_down(struct sadb *db, size_t i)
{
	struct sa_entry *sa = db->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= db->heap_n)
			break;
		if (c + 1 < db->heap_n && db->heap[c + 1]->deadline < db->heap[c]->deadline)
			c++;
		if (db->heap[c]->deadline >= sa->deadline)
			break;
		heap_set(db, i, db->heap[c]);
		i = c;
	}
	heap_set(db, i, sa);
}

void sadb_heap_remove(struct sadb *db, struct sa_entry *sa)
{
	struct sa_entry *last;
	size_t i;

	if (!sa->heap_pos)
		return;
	i = sa->heap_pos - 1;
	sa->heap_pos = 0;
	if (i == --db->heap_n)
		return;
	last = db->heap[db->heap_n];
	heap_set(db, i, last);
	sift_up(db, i);
	sift_down(db, last->heap_pos - 1);
}

static uint64_t limit_at(uint64_t start, uint64_t seconds)
{
	return start + seconds < start ? UINT64_MAX : start + seconds;
}

/* The next time limit not yet reported, 0 = none. */
static uint64_t next_deadline(const struct sa_entry *sa)
{
	uint64_t d = 0;

	if (__atomic_load_n(&sa->hard_sent, __ATOMIC_RELAXED))
		return 0;
	if (sa->cfg.soft.seconds && !__atomic_load_n(&sa->soft_sent, __ATOMIC_RELAXED))
		d = limit_at(sa->add_mono, sa->cfg.soft.seconds);
	if (sa->cfg.hard.seconds && (!d || limit_at(sa->add_mono, sa->cfg.hard.seconds) < d))
		d = limit_at(sa->add_mono, sa->cfg.hard.seconds);
	return d;
}

int sadb_heap_update(struct sadb *db, struct sa_entry *sa)
{
	uint64_t d = next_deadline(sa);

	if (!d) {
		sadb_heap_remove(db, sa);
		return 0;
	}
	sa->deadline = d;
	if (sa->heap_pos) {
		size_t i = sa->heap_pos - 1;
		sift_up(db, i);
		sift_down(db, sa->heap_pos - 1);
		return 0;
	}
	if (db->heap_n == db->heap_cap) {
		size_t cap = db->heap_cap ? db->heap_cap * 2 : SADB_HASH_MIN;
		struct sa_entry **h = realloc(db->heap, cap * sizeof(*h));
		if (!h)
			return -ENOMEM;
		db->heap = h;
		db->heap_cap = cap;
	}
	heap_set(db, db->heap_n, sa);
	sift_up(db, db->heap_n++);
	return 0;
}

struct sa_entry *sadb_heap_top(const struct sadb *db)
{
	return db->heap_n ? db->heap[0] : NULL;
}
