/* Internal to the IKE engine: the indexes that let a packet, a timer or an
 * operation find its SA without walking every SA (issue 13 item 3).
 *
 * - sht: a chained hash table of intrusive nodes (a struct hlink inside the
 *   node), grown by doubling; the caller computes the hash and compares
 *   keys while walking one bucket.
 * - sa_heap: a binary min-heap of IKE SAs keyed by their next deadline. */
#ifndef CYGNET_IKE_SA_INDEX_H
#define CYGNET_IKE_SA_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hlink {
	void *next;
	void **pprev;            /* what points at this node: O(1) removal */
	uint64_t h;
	bool in;                 /* linked into its table */
};

struct sht {
	void **b;
	size_t size;             /* buckets, a power of two (0 before the first insert) */
	size_t n;
	size_t off;              /* offsetof(node type, its struct hlink) */
};

#define SHT_INIT(type, member) { NULL, 0, 0, offsetof(type, member) }

bool sht_insert(struct sht *t, void *node, uint64_t h);  /* false: no memory (node not linked) */
void sht_remove(struct sht *t, void *node);              /* no-op when not linked */
/* The nodes whose hash is h: first, then next until NULL. */
void *sht_first(const struct sht *t, uint64_t h);
void *sht_next(const struct sht *t, const void *node);
void sht_free(struct sht *t);

/* Keyed 64-bit mixing (the key is random per engine, so a peer cannot aim
 * its SPIs or addresses at one bucket without knowing it). */
uint64_t hash_mix(uint64_t key, uint64_t v);
uint64_t hash_bytes(uint64_t key, const void *p, size_t len);

struct ike_sa;
struct sa_heap {
	struct ike_sa **v;
	size_t n, cap;
};

/* Puts sa at key (UINT64_MAX = no deadline: removed). */
bool sa_heap_set(struct sa_heap *hp, struct ike_sa *sa, uint64_t key);
struct ike_sa *sa_heap_top(const struct sa_heap *hp);
void sa_heap_free(struct sa_heap *hp);

#endif
