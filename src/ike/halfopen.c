/* Half-open IKE SAs per source address.  A COOKIE (RFC 7296 §2.6) only
 * proves that the initiator receives at its address: one host that
 * answers them could otherwise open half-open IKE SAs up to
 * max-halfopen-ike and keep every other peer out.  Each source address
 * with responder SAs in IKE_SA_INIT has an entry (an exact hash table,
 * keyed: at most one entry per half-open SA) counting them, and those of
 * them made from a request with a valid COOKIE.  From
 * cfg.max_halfopen_per_source half-open SAs on, the source must send a
 * COOKIE even below the ddos threshold; with as many COOKIE-proven ones,
 * its new requests are dropped.  A spoofer can make a victim's address
 * send COOKIEs, never lock it out: only the victim can prove a COOKIE. */
#include "ike/sa.h"

#include <stdlib.h>

struct halfopen_src {
	struct hlink link;
	struct ip_addr addr;
	unsigned total;       /* half-open responder SAs from addr */
	unsigned proven;      /* of them, made from a request with a valid COOKIE */
};

void halfopen_src_init(struct ike_engine *e)
{
	e->halfopen_src = (struct sht)SHT_INIT(struct halfopen_src, link);
}

void halfopen_src_free(struct ike_engine *e)
{
	for (size_t b = 0; b < e->halfopen_src.size; b++)
		while (e->halfopen_src.b[b]) {
			struct halfopen_src *s = e->halfopen_src.b[b];

			sht_remove(&e->halfopen_src, s);
			free(s);
		}
	sht_free(&e->halfopen_src);
}

static uint64_t src_hash(const struct ike_engine *e, const struct ip_addr *a)
{
	return hash_bytes(e->hash_key, a->a, addr_len(a)) ^ a->af;
}

static struct halfopen_src *src_find(const struct ike_engine *e, const struct ip_addr *a)
{
	struct halfopen_src *s;

	for (s = sht_first(&e->halfopen_src, src_hash(e, a)); s; s = sht_next(&e->halfopen_src, s))
		if (addr_eq(&s->addr, a))
			return s;
	return NULL;
}

bool halfopen_src_busy(const struct ike_engine *e, const struct ip_addr *a)
{
	const struct halfopen_src *s = src_find(e, a);

	return s && s->total >= e->cfg.max_halfopen_per_source;
}

bool halfopen_src_full(const struct ike_engine *e, const struct ip_addr *a)
{
	const struct halfopen_src *s = src_find(e, a);

	return s && s->proven >= e->cfg.max_halfopen_per_source;
}

/* sa (a responder's, in IKE_SA_INIT, sa->remote set) counts for its source;
 * false: no memory (it does not count, it is not refused). */
bool halfopen_src_enter(struct ike_sa *sa, bool proven)
{
	struct ike_engine *e = sa->e;
	struct halfopen_src *s = src_find(e, &sa->remote.addr);

	if (!s) {
		if (!(s = calloc(1, sizeof(*s))))
			return false;
		s->addr = sa->remote.addr;
		if (!sht_insert(&e->halfopen_src, s, src_hash(e, &s->addr))) {
			free(s);
			return false;
		}
	}
	s->total++;
	s->proven += proven;
	sa->src_count = s;
	sa->src_proven = proven;
	return true;
}

/* sa leaves IKE_SA_INIT (established, failed, freed). */
void halfopen_src_leave(struct ike_sa *sa)
{
	struct halfopen_src *s = sa->src_count;

	if (s) {
		s->total--;
		s->proven -= sa->src_proven;
		if (!s->total) {
			sht_remove(&sa->e->halfopen_src, s);
			free(s);
		}
	}
	sa->src_count = NULL;
	sa->src_proven = false;
}
