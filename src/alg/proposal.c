/* Proposal lists: Libreswan 4.10's defaults (from `algparse -v2 ike|esp|ah`)
 * and the per-transform facts the SA builders ask, from the registry. */
#include "alg/proposal.h"

#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const uint16_t default_ike_prf[] = { IKEV2_PRF_HMAC_SHA2_512, IKEV2_PRF_HMAC_SHA2_256 };
static const uint16_t default_ike_dh[] = {
	IKEV2_DH_MODP2048, IKEV2_DH_MODP3072, IKEV2_DH_MODP4096,
	IKEV2_DH_ECP_256, IKEV2_DH_ECP_384, IKEV2_DH_ECP_521, IKEV2_DH_CURVE25519,
};
static const uint16_t default_integ[] = { IKEV2_INTEG_HMAC_SHA2_512_256, IKEV2_INTEG_HMAC_SHA2_256_128 };
/* one proposal per cipher and length */
static const struct prop_transform default_ciphers[] = {
	{ IKEV2_ENCR_AES_GCM_16, 256 }, { IKEV2_ENCR_AES_GCM_16, 128 },
	{ IKEV2_ENCR_AES_CBC, 256 }, { IKEV2_ENCR_AES_CBC, 128 },
};

bool prop_add(struct prop_transform *arr, uint8_t *n, uint16_t id, uint16_t keybits)
{
	for (uint8_t i = 0; i < *n; i++)
		if (arr[i].id == id && arr[i].keybits == keybits)
			return true;
	if (*n >= PROP_MAX_TRANS)
		return false;
	arr[*n].id = id;
	arr[*n].keybits = keybits;
	(*n)++;
	return true;
}

void proposal_complete(enum prop_kind kind, struct proposal *p)
{
	bool aead = p->n_encr > 0 && prop_encr_is_aead(p->encr[0].id);

	if (kind == PROP_IKE) {
		if (p->n_prf == 0)
			for (size_t i = 0; i < N(default_ike_prf); i++)
				prop_add(p->prf, &p->n_prf, default_ike_prf[i], 0);
		if (p->n_integ == 0 && !aead)
			for (uint8_t i = 0; i < p->n_prf; i++)
				prop_add(p->integ, &p->n_integ, prop_integ_for_prf(p->prf[i].id), 0);
		if (p->n_dh == 0)
			for (size_t i = 0; i < N(default_ike_dh); i++)
				prop_add(p->dh, &p->n_dh, default_ike_dh[i], 0);
	} else if (p->n_integ == 0 && !aead) {
		for (size_t i = 0; i < N(default_integ); i++)
			prop_add(p->integ, &p->n_integ, default_integ[i], 0);
	}
	/* An explicit "null" integrity with AEAD is the same as none. */
	if (aead && p->n_integ == 1 && p->integ[0].id == IKEV2_INTEG_NONE)
		p->n_integ = 0;
}

void proposals_default(enum prop_kind kind, struct proposal_list *out)
{
	memset(out, 0, sizeof *out);
	if (kind == PROP_AH) {
		/* one proposal per integrity algorithm */
		for (size_t i = 0; i < N(default_integ); i++) {
			struct proposal *p = &out->p[out->n++];

			prop_add(p->integ, &p->n_integ, default_integ[i], 0);
		}
		return;
	}
	for (size_t i = 0; i < N(default_ciphers); i++) {
		struct proposal *p = &out->p[out->n++];

		p->encr[0] = default_ciphers[i];
		p->n_encr = 1;
		proposal_complete(kind, p);
	}
}

size_t prop_encr_keylens(const struct prop_transform *t, uint16_t out[ALG_MAX_KEYS])
{
	const struct alg_desc *d = alg_find(IKEV2_TRANS_ENCR, t->id);
	size_t n = 0;

	if (t->keybits) {
		out[0] = t->keybits;
		return 1;
	}
	for (size_t k = 0; d && k < ALG_MAX_KEYS && d->keys[k].bits; k++)
		out[n++] = d->keys[k].bits;
	return n;
}

bool prop_encr_has_keylen_attr(uint16_t encr_id)
{
	const struct alg_desc *d = alg_find(IKEV2_TRANS_ENCR, encr_id);

	return d && d->keylen_attr;
}

bool prop_encr_is_aead(uint16_t encr_id)
{
	const struct alg_desc *d = alg_find(IKEV2_TRANS_ENCR, encr_id);

	return d && d->aead;
}

uint16_t prop_integ_for_prf(uint16_t prf_id)
{
	const struct alg_desc *d = alg_get(IKEV2_TRANS_PRF, prf_id);

	return d ? d->integ : IKEV2_INTEG_NONE;
}
