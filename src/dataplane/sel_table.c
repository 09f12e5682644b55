/* The selector table of the SA database: the most specific selector that
 * matches a packet (order in sadb.h).  Levels by destination prefix length,
 * longest first; within one, the source prefix lengths present, longest
 * first; each (dst plen, src plen) pair is a hash of the two prefixes, so
 * a lookup visits only the entries that share the packet's prefixes. */
#include "dataplane/sadb.h"

#include <stdlib.h>
#include <string.h>

static int af_index(int af) { return af == AF_INET6 ? 1 : 0; }

static uint32_t prefix_hash(uint32_t h, const struct ip_addr *a, unsigned plen)
{
	size_t n = addr_len(a);

	for (size_t i = 0; i < n && i * 8 < plen; i++) {
		uint8_t b = a->a[i];
		if (plen < (i + 1) * 8)
			b = (uint8_t)(b & (0xff << (8 - (plen - i * 8))));
		h = (h ^ b) * 16777619u;
	}
	return (h ^ plen) * 16777619u;
}

static unsigned sel_hash(const struct ip_addr *dst, unsigned dplen, const struct ip_addr *src, unsigned splen,
			 unsigned nbuckets)
{
	uint32_t h = prefix_hash(prefix_hash(2166136261u, dst, dplen), src, splen);

	h ^= h >> 15;                      /* the low bits pick the chain */
	return h & (nbuckets - 1);
}

static unsigned clamp(unsigned plen) { return plen > 128 ? 128 : plen; }

void sel_table_init(struct sel_table *t)
{
	memset(t, 0, sizeof(*t));
}

void sel_table_free(struct sel_table *t)
{
	for (int f = 0; f < 2; f++)
		for (int p = 0; p <= 128; p++) {
			struct sel_level *lv = t->lv[f][p];
			if (!lv)
				continue;
			for (unsigned b = 0; b < lv->nbuckets; b++)
				for (struct sel_entry *e = lv->heads[b], *n; e; e = n) {
					n = e->next;
					free(e);
				}
			free(lv->heads);
			free(lv);
		}
	memset(t, 0, sizeof(*t));
}

static struct sel_level *level_new(void)
{
	struct sel_level *lv = calloc(1, sizeof(*lv));

	if (lv && !(lv->heads = calloc(SEL_BUCKETS, sizeof(*lv->heads)))) {
		free(lv);
		return NULL;
	}
	if (lv)
		lv->nbuckets = SEL_BUCKETS;
	return lv;
}

/* Twice the chains (order within a chain does not matter: the lookup
 * compares every match). */
static void level_grow(struct sel_level *lv, unsigned dplen)
{
	unsigned nb = lv->nbuckets * 2;
	struct sel_entry **h = calloc(nb, sizeof(*h));

	if (!h)
		return;                     /* keep the fuller chains */
	for (unsigned b = 0; b < lv->nbuckets; b++)
		for (struct sel_entry *e = lv->heads[b], *n; e; e = n) {
			unsigned nbk = sel_hash(&e->sel.dst.addr, dplen, &e->sel.src.addr, clamp(e->sel.src.plen), nb);
			n = e->next;
			e->next = h[nbk];
			h[nbk] = e;
		}
	free(lv->heads);
	lv->heads = h;
	lv->nbuckets = nb;
}

struct sel_entry *sel_table_add(struct sel_table *t, const struct dp_selector *sel, void *val)
{
	int f = af_index(sel->dst.addr.af);
	unsigned dplen = clamp(sel->dst.plen), splen = clamp(sel->src.plen), b;
	struct sel_level *lv = t->lv[f][dplen];
	struct sel_entry *e;

	if (!lv && !(lv = t->lv[f][dplen] = level_new()))
		return NULL;
	if (!(e = calloc(1, sizeof(*e))))
		return NULL;
	if (lv->count >= 2 * lv->nbuckets)
		level_grow(lv, dplen);
	e->sel = *sel;
	e->val = val;
	e->id = t->next_id++;
	b = sel_hash(&sel->dst.addr, dplen, &sel->src.addr, splen, lv->nbuckets);
	e->next = lv->heads[b];
	lv->heads[b] = e;
	lv->count++;
	if (lv->src_count[splen]++ == 0)
		lv->src_map[splen / 64] |= 1ull << (splen % 64);
	return e;
}

bool sel_table_del(struct sel_table *t, const struct dp_selector *sel, void *val)
{
	int f = af_index(sel->dst.addr.af);
	unsigned dplen = clamp(sel->dst.plen), splen = clamp(sel->src.plen);
	struct sel_level *lv = t->lv[f][dplen];

	if (!lv)
		return false;
	for (struct sel_entry **pp = &lv->heads[sel_hash(&sel->dst.addr, dplen, &sel->src.addr, splen, lv->nbuckets)];
	     *pp; pp = &(*pp)->next) {
		struct sel_entry *e = *pp;
		if (e->val == val && subnet_eq(&e->sel.src, &sel->src) && subnet_eq(&e->sel.dst, &sel->dst) &&
		    e->sel.proto == sel->proto && e->sel.sport == sel->sport && e->sel.dport == sel->dport) {
			*pp = e->next;
			free(e);
			lv->count--;
			if (--lv->src_count[splen] == 0)
				lv->src_map[splen / 64] &= ~(1ull << (splen % 64));
			return true;
		}
	}
	return false;
}

struct sel_entry *sel_table_find(const struct sel_table *t, const struct dp_selector *sel,
				 bool (*same)(const void *val, const void *arg), const void *arg)
{
	int f = af_index(sel->dst.addr.af);
	unsigned dplen = clamp(sel->dst.plen), splen = clamp(sel->src.plen);
	const struct sel_level *lv = t->lv[f][dplen];

	if (!lv)
		return NULL;
	for (struct sel_entry *e = lv->heads[sel_hash(&sel->dst.addr, dplen, &sel->src.addr, splen, lv->nbuckets)]; e;
	     e = e->next)
		if (subnet_eq(&e->sel.src, &sel->src) && subnet_eq(&e->sel.dst, &sel->dst) &&
		    e->sel.proto == sel->proto && e->sel.sport == sel->sport && e->sel.dport == sel->dport &&
		    same(e->val, arg))
			return e;
	return NULL;
}

bool sel_better(const struct sel_entry *a, const struct sel_entry *b)
{
	if (a->sel.dst.plen != b->sel.dst.plen)
		return a->sel.dst.plen > b->sel.dst.plen;
	if (a->sel.src.plen != b->sel.src.plen)
		return a->sel.src.plen > b->sel.src.plen;
	if (!a->sel.proto != !b->sel.proto)
		return a->sel.proto != 0;
	if (!a->sel.sport != !b->sel.sport)
		return a->sel.sport != 0;
	if (!a->sel.dport != !b->sel.dport)
		return a->sel.dport != 0;
	return a->id < b->id;
}

/* The best match of one level: source prefix lengths longest first. */
static struct sel_entry *level_lookup(const struct sel_level *lv, unsigned dplen, const struct dp_tuple *tp)
{
	for (int w = 2; w >= 0; w--)
		for (uint64_t m = lv->src_map[w]; m;) {
			unsigned bit = 63u - (unsigned)__builtin_clzll(m), splen = (unsigned)w * 64 + bit;
			struct sel_entry *best = NULL;

			m &= ~(1ull << bit);
			for (struct sel_entry *e = lv->heads[sel_hash(&tp->dst, dplen, &tp->src, splen, lv->nbuckets)]; e;
			     e = e->next)
				if (clamp(e->sel.src.plen) == splen && dp_selector_match(&e->sel, tp) &&
				    (!best || sel_better(e, best)))
					best = e;            /* (others of the chain: other prefixes) */
			if (best)
				return best;
		}
	return NULL;
}

struct sel_entry *sel_table_lookup(const struct sel_table *t, const struct dp_tuple *tp)
{
	int f = af_index(tp->dst.af);
	int maxp = tp->dst.af == AF_INET6 ? 128 : 32;

	for (int plen = maxp; plen >= 0; plen--) {
		const struct sel_level *lv = t->lv[f][plen];
		struct sel_entry *best;

		if (lv && lv->count && (best = level_lookup(lv, (unsigned)plen, tp)))
			return best;
	}
	return NULL;
}
