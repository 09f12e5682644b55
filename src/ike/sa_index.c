/* Hash tables and the deadline heap behind the SA lookups (sa_index.h). */
#include "ike/sa_index.h"

#include <stdlib.h>
#include <string.h>

#include "ike/sa.h"

#define SHT_MIN 64

static struct hlink *link_of(const struct sht *t, const void *node)
{
	return (struct hlink *)((char *)node + t->off);
}

static bool sht_grow(struct sht *t)
{
	size_t size = t->size ? t->size * 2 : SHT_MIN;
	void **b = calloc(size, sizeof(*b));

	if (!b)
		return t->size != 0;   /* keep the old table: longer chains, still correct */
	for (size_t i = 0; i < t->size; i++) {
		void *node = t->b[i];

		while (node) {
			struct hlink *l = link_of(t, node);
			void *next = l->next, **head = &b[l->h & (size - 1)];

			l->next = *head;
			if (*head)
				link_of(t, *head)->pprev = &l->next;
			l->pprev = head;
			*head = node;
			node = next;
		}
	}
	free(t->b);
	t->b = b;
	t->size = size;
	return true;
}

bool sht_insert(struct sht *t, void *node, uint64_t h)
{
	struct hlink *l = link_of(t, node);

	if (l->in)
		sht_remove(t, node);
	if ((t->n >= t->size * 2 || !t->size) && !sht_grow(t))
		return false;
	l->h = h;
	l->next = t->b[h & (t->size - 1)];
	if (l->next)
		link_of(t, l->next)->pprev = &l->next;
	l->pprev = &t->b[h & (t->size - 1)];
	l->in = true;
	*l->pprev = node;
	t->n++;
	return true;
}

void sht_remove(struct sht *t, void *node)
{
	struct hlink *l = link_of(t, node);

	if (!l->in)
		return;
	*l->pprev = l->next;
	if (l->next)
		link_of(t, l->next)->pprev = l->pprev;
	l->next = NULL;
	l->pprev = NULL;
	l->in = false;
	t->n--;
}

static void *skip_to(const struct sht *t, void *node, uint64_t h)
{
	while (node && link_of(t, node)->h != h)
		node = link_of(t, node)->next;
	return node;
}

void *sht_first(const struct sht *t, uint64_t h)
{
	return t->size ? skip_to(t, t->b[h & (t->size - 1)], h) : NULL;
}

void *sht_next(const struct sht *t, const void *node)
{
	const struct hlink *l = link_of(t, node);

	return skip_to(t, l->next, l->h);
}

void sht_free(struct sht *t)
{
	free(t->b);
	t->b = NULL;
	t->size = t->n = 0;
}

/* splitmix64's finalizer over the keyed value */
uint64_t hash_mix(uint64_t key, uint64_t v)
{
	uint64_t z = v + key + 0x9e3779b97f4a7c15ull;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t hash_bytes(uint64_t key, const void *p, size_t len)
{
	const uint8_t *b = p;
	uint64_t h = hash_mix(key, len);

	while (len) {
		uint64_t w = 0;
		size_t k = len < 8 ? len : 8;

		memcpy(&w, b, k);
		h = hash_mix(key, h ^ w);
		b += k;
		len -= k;
	}
	return h;
}

/* ---- the deadline heap: v[i]->heap_pos == i + 1 ---- */

static void heap_put(struct sa_heap *hp, size_t i, struct ike_sa *sa)
{
	hp->v[i] = sa;
	sa->heap_pos = i + 1;
}

static void heap_up(struct sa_heap *hp, size_t i)
{
	struct ike_sa *sa = hp->v[i];

	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (hp->v[p]->heap_key <= sa->heap_key)
			break;
		heap_put(hp, i, hp->v[p]);
		i = p;
	}
	heap_put(hp, i, sa);
}

static void heap_down(struct sa_heap *hp, size_t i)
{
	struct ike_sa *sa = hp->v[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= hp->n)
			break;
		if (c + 1 < hp->n && hp->v[c + 1]->heap_key < hp->v[c]->heap_key)
			c++;
		if (hp->v[c]->heap_key >= sa->heap_key)
			break;
		heap_put(hp, i, hp->v[c]);
		i = c;
	}
	heap_put(hp, i, sa);
}

static void heap_remove(struct sa_heap *hp, struct ike_sa *sa)
{
	size_t i = sa->heap_pos - 1;
	struct ike_sa *last = hp->v[--hp->n];

	sa->heap_pos = 0;
	if (last == sa)
		return;
	heap_put(hp, i, last);
	heap_up(hp, i);
	heap_down(hp, last->heap_pos - 1);
}

bool sa_heap_set(struct sa_heap *hp, struct ike_sa *sa, uint64_t key)
{
	if (key == UINT64_MAX) {
		if (sa->heap_pos)
			heap_remove(hp, sa);
		sa->heap_key = key;
		return true;
	}
	if (sa->heap_pos) {
		uint64_t old = sa->heap_key;

		sa->heap_key = key;
		if (key < old)
			heap_up(hp, sa->heap_pos - 1);
		else
			heap_down(hp, sa->heap_pos - 1);
		return true;
	}
	if (hp->n == hp->cap) {
		size_t cap = hp->cap ? hp->cap * 2 : 64;
		struct ike_sa **v = realloc(hp->v, cap * sizeof(*v));

		if (!v)
			return false;
		hp->v = v;
		hp->cap = cap;
	}
	sa->heap_key = key;
	hp->n++;
	heap_put(hp, hp->n - 1, sa);
	heap_up(hp, hp->n - 1);
	return true;
}

struct ike_sa *sa_heap_top(const struct sa_heap *hp)
{
	return hp->n ? hp->v[0] : NULL;
}

void sa_heap_free(struct sa_heap *hp)
{
	free(hp->v);
	hp->v = NULL;
	hp->n = hp->cap = 0;
}
