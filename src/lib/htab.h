/* Intrusive building blocks for the daemon's tables: nodes live inside the
 * records (no allocation per entry).  A circular doubly linked list with a
 * head sentinel, and a chained hash table that doubles as it fills; the
 * caller hashes (fnv1a) and compares its own keys:
 *
 *	for (struct hnode *e = htab_first(&h, hv); e; e = htab_next(e))
 *		if (key_eq(container_of(e, struct rec, node), key)) ...
 */
#ifndef CYGNET_HTAB_H
#define CYGNET_HTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define container_of(p, type, member) ((type *)(void *)((char *)(p) - offsetof(type, member)))

struct link {
	struct link *prev, *next;
};

static inline void list_init(struct link *l) { l->prev = l->next = l; }
static inline bool list_empty(const struct link *l) { return l->next == l; }

/* e goes right after pos: list_insert(&head, e) is a push at the front,
 * list_insert(head.prev, e) one at the back. */
static inline void list_insert(struct link *pos, struct link *e)
{
	e->prev = pos;
	e->next = pos->next;
	pos->next->prev = e;
	pos->next = e;
}

static inline void list_del(struct link *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
	e->prev = e->next = e;
}

#define FNV1A_INIT 2166136261u

static inline uint32_t fnv1a(uint32_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--) {
		h ^= *b++;
		h *= 16777619u;
	}
	return h;
}

struct hnode {
	struct hnode *next;
	uint32_t hash;
};

struct htab {
	struct hnode **b;
	size_t nb, n;                  /* nb: a power of two */
};

bool htab_init(struct htab *h);        /* before any other call; false on OOM */
void htab_free(struct htab *h);        /* the buckets; the nodes are the caller's */
void htab_add(struct htab *h, struct hnode *e, uint32_t hash);
void htab_del(struct htab *h, struct hnode *e);
/* The nodes with this hash (other keys may share it). */
struct hnode *htab_first(const struct htab *h, uint32_t hash);
struct hnode *htab_next(const struct hnode *e);
/* Calls fn for every node; fn may remove or free the node it is given. */
void htab_each(const struct htab *h, void (*fn)(void *arg, struct hnode *e), void *arg);

#endif
