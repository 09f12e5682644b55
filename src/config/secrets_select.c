/* Choosing the secret for (local ID, remote ID), after ipsec.secrets(5):
 *
 *   0 indices              matches any pair                      class DEFAULT
 *   1 index                must match the local ID; the peer is
 *                          not considered                        class LOCAL
 *   2 or more indices      the local ID and the remote ID must
 *                          each match one of the indices (two
 *                          different indices)                    class BOTH
 *   (private keys with >= 2 indices may match on the local ID
 *    alone, as Libreswan's "asymmetric" rule: class LOCAL)
 *
 * An index matches an ID exactly when they are equal (id_eq).  %any and
 * %any6 (or ::) are wildcards: they match any IPv4 (resp. IPv6) address ID
 * and an unknown ID (ID_ANY / ID_NONE); the index 0.0.0.0 (kept as ID_NONE,
 * listed "(none)" as Libreswan does) matches any ID.  Wildcards match less
 * specifically than an exact index.  rank = class * 4 + number of sides matched exactly; the
 * highest rank wins; among equal ranks the entry loaded first wins
 * (Libreswan: "multiple ipsec.secrets entries with distinct secrets match
 * endpoints: first secret used"). */
#include "config/secrets.h"

#include <string.h>

enum { M_NONE, M_WILD, M_EXACT };
enum { C_DEFAULT = 1, C_LOCAL = 2, C_BOTH = 3 };

static bool is_wild(const struct cy_id *ix)
{
	return (ix->kind == ID_IPV4_ADDR || ix->kind == ID_IPV6_ADDR) && addr_is_any(&ix->ip);
}

static int index_match(const struct cy_id *ix, const struct cy_id *id)
{
	if (!id)
		return M_NONE;
	if (ix->kind == ID_NONE)
		return M_WILD;
	if (is_wild(ix)) {
		if (id->kind == ID_ANY || id->kind == ID_NONE)
			return M_WILD;
		if ((id->kind == ID_IPV4_ADDR || id->kind == ID_IPV6_ADDR) && id->ip.af == ix->ip.af)
			return M_WILD;
		return M_NONE;
	}
	return id_eq(ix, id) ? M_EXACT : M_NONE;
}

static int best_match(const struct secret_entry *e, const struct cy_id *id)
{
	int best = M_NONE;

	for (size_t i = 0; i < e->n_ids && best != M_EXACT; i++) {
		int m = index_match(&e->ids[i], id);
		if (m > best)
			best = m;
	}
	return best;
}

/* Best count of exact matches (0..2) over two different indices i (local)
 * and j (remote) that both match; -1 when no such pair exists. */
static int pair_match(const struct secret_entry *e, const struct cy_id *local, const struct cy_id *remote)
{
	int best = -1;

	for (size_t i = 0; i < e->n_ids; i++) {
		int ml = index_match(&e->ids[i], local);
		if (ml == M_NONE)
			continue;
		for (size_t j = 0; j < e->n_ids; j++) {
			int mr = j == i ? M_NONE : index_match(&e->ids[j], remote);
			int score = (ml == M_EXACT) + (mr == M_EXACT);
			if (mr != M_NONE && score > best)
				best = score;
		}
	}
	return best;
}

unsigned secrets_match_rank(const struct secret_entry *e, const struct cy_id *local,
			    const struct cy_id *remote)
{
	int me, him;

	if (e->n_ids == 0)
		return C_DEFAULT * 4;
	me = best_match(e, local);
	if (me == M_NONE)
		return 0;
	if (e->n_ids == 1)
		return C_LOCAL * 4 + (me == M_EXACT);
	him = pair_match(e, local, remote);
	if (him < 0)
		return secret_kind_is_key(e->kind) ? C_LOCAL * 4 + (me == M_EXACT) : 0;
	return C_BOTH * 4 + (unsigned)him;
}

const struct secret_entry *secrets_find(const struct secrets *s, enum secret_kind kind,
					const struct cy_id *local, const struct cy_id *remote)
{
	const struct secret_entry *best = NULL;
	unsigned best_rank = 0;

	if (!s)
		return NULL;
	for (size_t i = 0; i < s->n_entries; i++) {
		const struct secret_entry *e = &s->entries[i];
		unsigned r;
		if (e->kind != kind)
			continue;
		r = secrets_match_rank(e, local, remote);
		if (r > best_rank) {
			best_rank = r;
			best = e;
		}
	}
	return best;
}

const struct secret_entry *secrets_find_ppk(const struct secrets *s, const uint8_t *id, size_t len)
{
	for (size_t i = 0; s && i < s->n_entries; i++) {
		const struct secret_entry *e = &s->entries[i];
		if (e->kind == SECRET_PPKS && e->ppk_id_len == len && (len == 0 || memcmp(e->ppk_id, id, len) == 0))
			return e;
	}
	return NULL;
}

const struct secret_entry *secrets_find_key(const struct secrets *s, const uint8_t ckaid[SECRETS_CKAID_LEN])
{
	for (size_t i = 0; s && i < s->n_entries; i++) {
		const struct secret_entry *e = &s->entries[i];
		if (secret_kind_is_key(e->kind) && e->pkey && memcmp(e->ckaid, ckaid, SECRETS_CKAID_LEN) == 0)
			return e;
	}
	return NULL;
}
