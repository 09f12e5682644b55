#include "lib/htab.h"

#include <stdlib.h>

bool htab_init(struct htab *h)
{
	h->nb = 16;
	h->n = 0;
	h->b = calloc(h->nb, sizeof(*h->b));
	return h->b != NULL;
}

void htab_free(struct htab *h)
{
	free(h->b);
	h->b = NULL;
	h->nb = h->n = 0;
}

static void grow(struct htab *h)
{
	size_t nb = h->nb * 2;
	struct hnode **b = calloc(nb, sizeof(*b));

	if (!b)
		return;                /* longer chains, still correct */
	for (size_t i = 0; i < h->nb; i++)
		for (struct hnode *e = h->b[i], *nx; e; e = nx) {
			nx = e->next;
			e->next = b[e->hash & (nb - 1)];
			b[e->hash & (nb - 1)] = e;
		}
	free(h->b);
	h->b = b;
	h->nb = nb;
}

void htab_add(struct htab *h, struct hnode *e, uint32_t hash)
{
	if (h->n >= h->nb)
		grow(h);
	e->hash = hash;
	e->next = h->b[hash & (h->nb - 1)];
	h->b[hash & (h->nb - 1)] = e;
	h->n++;
}

void htab_del(struct htab *h, struct hnode *e)
{
	for (struct hnode **pp = &h->b[e->hash & (h->nb - 1)]; *pp; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			h->n--;
			return;
		}
}

static struct hnode *skip(struct hnode *e, uint32_t hash)
{
	while (e && e->hash != hash)
		e = e->next;
	return e;
}

struct hnode *htab_first(const struct htab *h, uint32_t hash)
{
	return h->nb ? skip(h->b[hash & (h->nb - 1)], hash) : NULL;
}

struct hnode *htab_next(const struct hnode *e) { return skip(e->next, e->hash); }

void htab_each(const struct htab *h, void (*fn)(void *arg, struct hnode *e), void *arg)
{
	for (size_t i = 0; i < h->nb; i++)
		for (struct hnode *e = h->b[i], *nx; e; e = nx) {
			nx = e->next;
			fn(arg, e);
		}
}
