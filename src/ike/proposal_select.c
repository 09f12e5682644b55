/* SA payloads from our proposal lists, and proposal selection (RFC 7296
 * §2.7, §3.3.6): the responder takes the first peer proposal acceptable to
 * one of ours; the initiator checks the single returned proposal is one it
 * offered, with exactly one transform of each type. */
#include "ike/sa.h"

#include <string.h>

static void add_trans(struct ike_proposal *p, uint8_t type, uint16_t id, uint16_t keylen)
{
	if (p->n_trans >= IKE_SA_MAX_TRANSFORMS)
		return;
	p->trans[p->n_trans++] = (struct ike_transform){ .type = type, .id = id, .key_len = keylen };
}

static void add_encr(struct ike_proposal *p, const struct prop_transform *t)
{
	uint16_t kl[ALG_MAX_KEYS];
	size_t n = prop_encr_keylens(t, kl);

	for (size_t i = 0; i < n; i++)
		add_trans(p, IKEV2_TRANS_ENCR, t->id, prop_encr_has_keylen_attr(t->id) ? kl[i] : 0);
}

static size_t integ_list(const struct proposal *pr, uint16_t out[PROP_MAX_TRANS])
{
	size_t n = 0;

	for (size_t i = 0; i < pr->n_integ; i++)
		out[n++] = pr->integ[i].id;
	if (n == 0)
		for (size_t i = 0; i < pr->n_prf && n < PROP_MAX_TRANS; i++)
			if (prop_integ_for_prf(pr->prf[i].id) != IKEV2_INTEG_NONE)
				out[n++] = prop_integ_for_prf(pr->prf[i].id);
	return n;
}

static bool all_aead(const struct proposal *pr)
{
	for (size_t i = 0; i < pr->n_encr; i++)
		if (!prop_encr_is_aead(pr->encr[i].id))
			return false;
	return pr->n_encr > 0;
}

void prop_build_sa(const struct proposal_list *pl, enum prop_kind kind, bool pfs, enum ike_esn esn,
		   uint32_t spi, uint64_t ike_spi, uint16_t first_dh, struct ike_sa_payload *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < pl->n && out->n_prop < IKE_SA_MAX_PROPOSALS; i++) {
		const struct proposal *pr = &pl->p[i];
		struct ike_proposal *p = &out->prop[out->n_prop];
		uint16_t integ[PROP_MAX_TRANS];
		size_t ni = integ_list(pr, integ);

		p->num = (uint8_t)(out->n_prop + 1);
		p->proto = kind == PROP_IKE ? IKEV2_PROTO_IKE : IKEV2_PROTO_ESP;
		if (kind == PROP_IKE && ike_spi) {
			p->spi_size = 8;
			put_be32(p->spi, (uint32_t)(ike_spi >> 32));
			put_be32(p->spi + 4, (uint32_t)ike_spi);
		} else if (kind != PROP_IKE) {
			p->spi_size = 4;
			put_be32(p->spi, spi);
		}
		for (size_t j = 0; j < pr->n_encr; j++)
			add_encr(p, &pr->encr[j]);
		if (kind == PROP_IKE)
			for (size_t j = 0; j < pr->n_prf; j++)
				add_trans(p, IKEV2_TRANS_PRF, pr->prf[j].id, 0);
		if (!all_aead(pr))
			for (size_t j = 0; j < ni; j++)
				add_trans(p, IKEV2_TRANS_INTEG, integ[j], 0);
		if (kind == PROP_IKE || pfs) {
			if (first_dh && prop_dh_allowed(pl, first_dh))
				add_trans(p, IKEV2_TRANS_DH, first_dh, 0);
			for (size_t j = 0; j < pr->n_dh; j++)
				if (pr->dh[j].id != first_dh)
					add_trans(p, IKEV2_TRANS_DH, pr->dh[j].id, 0);
			if (kind != PROP_IKE && pr->n_dh == 0 && first_dh == 0)
				add_trans(p, IKEV2_TRANS_DH, IKEV2_DH_NONE, 0);
		}
		if (kind == PROP_ESP) {
			if (esn != IKE_ESN_YES)
				add_trans(p, IKEV2_TRANS_ESN, IKEV2_ESN_NO, 0);
			if (esn != IKE_ESN_NO)
				add_trans(p, IKEV2_TRANS_ESN, IKEV2_ESN_YES, 0);
		}
		out->n_prop++;
	}
}

uint16_t prop_first_dh(const struct proposal_list *pl)
{
	for (size_t i = 0; i < pl->n; i++)
		if (pl->p[i].n_dh)
			return pl->p[i].dh[0].id;
	return 0;
}

bool prop_dh_allowed(const struct proposal_list *pl, uint16_t group)
{
	for (size_t i = 0; i < pl->n; i++)
		for (size_t j = 0; j < pl->p[i].n_dh; j++)
			if (pl->p[i].dh[j].id == group)
				return true;
	return false;
}

static bool encr_ok(const struct proposal *ours, const struct ike_transform *t)
{
	struct alg_cipher cipher;

	if (!alg_cipher_get(t->id, t->key_len, &cipher))
		return false;
	for (size_t i = 0; i < ours->n_encr; i++) {
		uint16_t kl[ALG_MAX_KEYS];
		size_t n;

		if (ours->encr[i].id != t->id)
			continue;
		if (!prop_encr_has_keylen_attr(t->id))
			return t->key_len == 0;
		n = prop_encr_keylens(&ours->encr[i], kl);
		for (size_t k = 0; k < n; k++)
			if (kl[k] == t->key_len)
				return true;
	}
	return false;
}

static bool id_in(const struct prop_transform *l, size_t n, uint16_t id)
{
	for (size_t i = 0; i < n; i++)
		if (l[i].id == id)
			return true;
	return false;
}

/* Match one peer proposal against one of ours. */
/* A cipher sent without a Key Length attribute has one length (ChaCha20:
 * 256): the registry's; 0 for a cipher that needs the attribute. */
static uint16_t implied_keybits(uint16_t id)
{
	const struct alg_desc *a = alg_get(IKEV2_TRANS_ENCR, id);

	return a && !a->keylen_attr ? a->keys[0].bits : 0;
}

static bool match(const struct ike_proposal *pp, const struct proposal *ours, enum prop_kind kind,
		  bool pfs, enum ike_esn esn, struct chosen *c)
{
	uint16_t integ[PROP_MAX_TRANS];
	size_t ni = integ_list(ours, integ);
	bool have_encr = false, have_prf = false, have_integ = false, have_dh = false, have_esn = false;
	bool integ_none = false, dh_none = false, any_dh = false, any_esn = false;
	bool esn_no = false, esn_yes = false;

	memset(c, 0, sizeof(*c));
	for (unsigned i = 0; i < pp->n_trans; i++) {
		const struct ike_transform *t = &pp->trans[i];

		if (t->unknown_attr)
			continue;
		switch (t->type) {
		case IKEV2_TRANS_ENCR:
			if (!have_encr && encr_ok(ours, t)) {
				have_encr = true;
				c->encr = t->id;
				c->keybits = t->key_len ? t->key_len : implied_keybits(t->id);
			}
			break;
		case IKEV2_TRANS_PRF:
			if (!have_prf && id_in(ours->prf, ours->n_prf, t->id) && prf_alg_get(t->id)) {
				have_prf = true;
				c->prf = t->id;
			}
			break;
		case IKEV2_TRANS_INTEG:
			if (t->id == IKEV2_INTEG_NONE)
				integ_none = true;
			for (size_t k = 0; k < ni && !have_integ; k++)
				if (integ[k] == t->id && integ_alg_get(t->id)) {
					have_integ = true;
					c->integ = t->id;
				}
			break;
		case IKEV2_TRANS_DH:
			any_dh = true;
			if (t->id == IKEV2_DH_NONE)
				dh_none = true;
			else if (!have_dh && id_in(ours->dh, ours->n_dh, t->id) && dh_alg_get(t->id)) {
				have_dh = true;
				c->dh = t->id;
			}
			break;
		case IKEV2_TRANS_ESN:
			any_esn = true;
			if (t->id == IKEV2_ESN_NO)
				esn_no = true;
			else if (t->id == IKEV2_ESN_YES)
				esn_yes = true;
			break;
		default:
			return false;   /* unknown transform type: proposal unusable */
		}
	}
	if (!have_encr)
		return false;
	if (prop_encr_is_aead(c->encr)) {
		c->integ = 0;
		if (have_integ && !integ_none)
			have_integ = false;
	} else if (!have_integ) {
		return false;
	}
	if (kind == PROP_IKE) {
		if (!have_prf || !have_dh)   /* a proposal without DH is refused */
			return false;
	} else {
		if (pfs && !have_dh)
			return false;
		if (!pfs) {
			if (any_dh && !dh_none)
				return false;
			c->dh = 0;
		}
		if (!any_esn)
			esn_no = true;
		(void)have_esn;
		if (esn == IKE_ESN_YES ? !esn_yes : esn == IKE_ESN_NO ? !esn_no : !(esn_no || esn_yes))
			return false;
		c->esn = esn == IKE_ESN_YES || (esn == IKE_ESN_EITHER && !esn_no);
	}
	c->propnum = pp->num;
	if (pp->spi_size == 4)
		c->spi = ike_proposal_spi32(pp);
	if (pp->spi_size == 8)
		c->ike_spi = (uint64_t)get_be32(pp->spi) << 32 | get_be32(pp->spi + 4);
	return true;
}

bool prop_select(const struct ike_sa_payload *peer, const struct proposal_list *ours,
		 enum prop_kind kind, bool pfs, enum ike_esn esn, struct chosen *out)
{
	uint8_t want = kind == PROP_IKE ? IKEV2_PROTO_IKE : IKEV2_PROTO_ESP;

	for (unsigned i = 0; i < peer->n_prop; i++) {
		if (peer->prop[i].proto != want)
			continue;
		for (size_t j = 0; j < ours->n; j++)
			if (match(&peer->prop[i], &ours->p[j], kind, pfs, esn, out))
				return true;
	}
	return false;
}

bool prop_check_reply(const struct ike_sa_payload *reply, const struct proposal_list *ours,
		      enum prop_kind kind, bool pfs, enum ike_esn esn, struct chosen *out)
{
	unsigned count[6] = { 0 };

	if (reply->n_prop != 1)
		return false;
	for (unsigned i = 0; i < reply->prop[0].n_trans; i++) {
		uint8_t t = reply->prop[0].trans[i].type;

		if (t < 1 || t > 5 || ++count[t] > 1)
			return false;
	}
	return prop_select(reply, ours, kind, pfs, esn, out);
}

static void chosen_proposal(const struct chosen *c, enum prop_kind kind, uint32_t spi, uint64_t ike_spi,
			    struct ike_proposal *p)
{
	memset(p, 0, sizeof(*p));
	p->num = c->propnum ? c->propnum : 1;
	p->proto = kind == PROP_IKE ? IKEV2_PROTO_IKE : IKEV2_PROTO_ESP;
	if (kind == PROP_IKE && ike_spi) {
		p->spi_size = 8;
		put_be32(p->spi, (uint32_t)(ike_spi >> 32));
		put_be32(p->spi + 4, (uint32_t)ike_spi);
	} else if (kind != PROP_IKE) {
		p->spi_size = 4;
		put_be32(p->spi, spi);
	}
	add_trans(p, IKEV2_TRANS_ENCR, c->encr,
		  prop_encr_has_keylen_attr(c->encr) ? c->keybits : 0);
	if (kind == PROP_IKE)
		add_trans(p, IKEV2_TRANS_PRF, c->prf, 0);
	if (c->integ)
		add_trans(p, IKEV2_TRANS_INTEG, c->integ, 0);
	if (c->dh)
		add_trans(p, IKEV2_TRANS_DH, c->dh, 0);
	if (kind == PROP_ESP)
		add_trans(p, IKEV2_TRANS_ESN, c->esn ? IKEV2_ESN_YES : IKEV2_ESN_NO, 0);
}

void prop_build_chosen(const struct chosen *c, enum prop_kind kind, uint32_t spi, uint64_t ike_spi,
		       struct ike_sa_payload *out)
{
	memset(out, 0, sizeof(*out));
	out->n_prop = 1;
	chosen_proposal(c, kind, spi, ike_spi, &out->prop[0]);
}

/* The negotiated suite as the one proposal a peer would send, matched
 * against each of the conn's ike= proposals as in IKE_SA_INIT. */
bool ike_conn_accepts_ike(const struct ike_conn *conn, const struct alg_suite *s)
{
	struct chosen c = { .encr = (uint16_t)s->encr, .keybits = (uint16_t)s->keybits, .prf = (uint16_t)s->prf,
			    .integ = (uint16_t)s->integ, .dh = (uint16_t)s->dh };
	struct ike_proposal p;
	struct chosen out;

	chosen_proposal(&c, PROP_IKE, 0, 0, &p);
	for (size_t i = 0; i < conn->ike->n; i++)
		if (match(&p, &conn->ike->p[i], PROP_IKE, true, IKE_ESN_EITHER, &out))
			return true;
	return false;
}
