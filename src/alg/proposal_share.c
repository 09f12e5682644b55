/* Shared proposal lists: one immutable copy per distinct list, counted.
 * A loaded conn and its engine handle point at these instead of carrying
 * ~4 KiB per list each (issue 13: memory per conn); thousands of conns
 * with the same ike=/esp= (or the defaults) share one copy. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "alg/proposal.h"

struct shared_list {
	struct proposal_list l;       /* first: the pointer handed out */
	unsigned refs;
	uint32_t hash;
	struct shared_list *next;
};

#define SHARE_BUCKETS 256

static pthread_mutex_t share_lock = PTHREAD_MUTEX_INITIALIZER;
static struct shared_list *share_tab[SHARE_BUCKETS];

/* The meaningful part of pl in a zeroed list: counts and the transforms
 * they count, nothing of the parser's reason or of unused slots. */
static void canonical(const struct proposal_list *pl, struct proposal_list *out)
{
	memset(out, 0, sizeof(*out));
	out->n = pl->n < PROP_MAX ? pl->n : PROP_MAX;
	for (size_t i = 0; i < out->n; i++) {
		const struct proposal *s = &pl->p[i];
		struct proposal *d = &out->p[i];

		d->n_encr = s->n_encr < PROP_MAX_TRANS ? s->n_encr : PROP_MAX_TRANS;
		d->n_prf = s->n_prf < PROP_MAX_TRANS ? s->n_prf : PROP_MAX_TRANS;
		d->n_integ = s->n_integ < PROP_MAX_TRANS ? s->n_integ : PROP_MAX_TRANS;
		d->n_dh = s->n_dh < PROP_MAX_TRANS ? s->n_dh : PROP_MAX_TRANS;
		memcpy(d->encr, s->encr, d->n_encr * sizeof(d->encr[0]));
		memcpy(d->prf, s->prf, d->n_prf * sizeof(d->prf[0]));
		memcpy(d->integ, s->integ, d->n_integ * sizeof(d->integ[0]));
		memcpy(d->dh, s->dh, d->n_dh * sizeof(d->dh[0]));
	}
}

/* FNV-1a over the proposals in use (canonical: no padding, zeroed slots). */
static uint32_t list_hash(const struct proposal_list *c)
{
	const unsigned char *b = (const unsigned char *)c->p;
	uint32_t h = 2166136261u ^ (uint32_t)c->n;

	for (size_t i = 0; i < c->n * sizeof(c->p[0]); i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

static bool list_eq(const struct proposal_list *a, const struct proposal_list *b)
{
	return a->n == b->n && memcmp(a->p, b->p, a->n * sizeof(a->p[0])) == 0;
}

const struct proposal_list *proposals_share(const struct proposal_list *pl)
{
	struct proposal_list c;
	struct shared_list *s;
	uint32_t h;

	canonical(pl, &c);
	h = list_hash(&c);
	pthread_mutex_lock(&share_lock);
	for (s = share_tab[h % SHARE_BUCKETS]; s; s = s->next)
		if (s->hash == h && list_eq(&s->l, &c))
			break;
	if (s) {
		s->refs++;
	} else if ((s = malloc(sizeof(*s)))) {
		s->l = c;
		s->refs = 1;
		s->hash = h;
		s->next = share_tab[h % SHARE_BUCKETS];
		share_tab[h % SHARE_BUCKETS] = s;
	}
	pthread_mutex_unlock(&share_lock);
	return s ? &s->l : NULL;
}

const struct proposal_list *proposals_ref(const struct proposal_list *pl)
{
	struct shared_list *s = (struct shared_list *)(void *)pl;

	if (pl) {
		pthread_mutex_lock(&share_lock);
		s->refs++;
		pthread_mutex_unlock(&share_lock);
	}
	return pl;
}

void proposals_unref(const struct proposal_list *pl)
{
	struct shared_list *s = (struct shared_list *)(void *)pl, **pp;

	if (!pl)
		return;
	pthread_mutex_lock(&share_lock);
	if (--s->refs == 0) {
		for (pp = &share_tab[s->hash % SHARE_BUCKETS]; *pp && *pp != s; pp = &(*pp)->next)
			;
		if (*pp)
			*pp = s->next;
		free(s);
	}
	pthread_mutex_unlock(&share_lock);
}

static const struct proposal_list *defaults[3];

static void defaults_init(void)
{
	struct proposal_list l;

	for (int k = PROP_IKE; k <= PROP_AH; k++) {
		proposals_default((enum prop_kind)k, &l);
		defaults[k] = proposals_share(&l);   /* this reference is never dropped */
	}
}

const struct proposal_list *proposals_default_shared(enum prop_kind kind)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, defaults_init);
	return defaults[kind];
}

size_t proposals_shared_count(void)
{
	size_t n = 0;

	pthread_mutex_lock(&share_lock);
	for (size_t i = 0; i < SHARE_BUCKETS; i++)
		for (const struct shared_list *s = share_tab[i]; s; s = s->next)
			n++;
	pthread_mutex_unlock(&share_lock);
	return n;
}
