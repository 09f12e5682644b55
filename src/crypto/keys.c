/* Key derivation: SKEYSEED and the IKE SA keys (RFC 7296 §2.14), IKE SA
 * rekey (§2.18) and Child SA KEYMAT (§2.17). */
#include "crypto/crypto_int.h"

#include <stdlib.h>
#include <string.h>

struct secret *ike_skeyseed(const struct alg_desc *alg,
			    const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
			    const struct secret *gir)
{
	uint8_t *key;
	struct secret *s;

	if (!alg || !gir || !(key = malloc(nilen + nrlen + 1)))
		return NULL;
	memcpy(key, ni, nilen);
	memcpy(key + nilen, nr, nrlen);
	s = prf(alg, key, nilen + nrlen, gir->data, gir->len);
	free(key);   /* nonces are public */
	return s;
}

struct secret *ike_skeyseed_rekey(const struct alg_desc *old_prf, const struct secret *old_sk_d,
				  const struct secret *gir,
				  const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen)
{
	struct chunk c[3] = { CHUNK(gir ? gir->data : NULL, gir ? gir->len : 0),
			      CHUNK(ni, nilen), CHUNK(nr, nrlen) };
	struct secret *s;

	if (!old_prf || !old_sk_d || !gir || !(s = secret_new(old_prf->out_len)))
		return NULL;
	if (!prf_raw(old_prf, old_sk_d->data, old_sk_d->len, c, 3, s->data)) {
		secret_free(s);
		return NULL;
	}
	return s;
}

/* Splits keymat into n consecutive secrets of the given sizes. */
static bool split(const struct secret *km, const size_t *sizes, struct secret **out[], size_t n)
{
	size_t off = 0;

	for (size_t i = 0; i < n; i++) {
		*out[i] = secret_dup(km->data + off, sizes[i]);
		if (!*out[i]) {
			for (size_t j = 0; j < i; j++) {
				secret_free(*out[j]);
				*out[j] = NULL;
			}
			return false;
		}
		off += sizes[i];
	}
	return true;
}

bool ike_keys_derive(const struct ike_algs *algs, const struct secret *skeyseed,
		     const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
		     const uint8_t spii[IKE_SPI_LEN], const uint8_t spir[IKE_SPI_LEN],
		     struct ike_keys *out)
{
	const struct alg_desc *p = algs->prf;
	size_t alen, elen, total, seedlen = nilen + nrlen + 2 * IKE_SPI_LEN;
	struct secret *km, *seed;
	bool ok;

	memset(out, 0, sizeof(*out));
	if (!p || !algs->encr.alg || !skeyseed || (!algs->encr.alg->aead && !algs->integ))
		return false;
	alen = algs->encr.alg->aead ? 0 : algs->integ->key_len;
	elen = algs->encr.keymat_len;
	total = 3 * p->key_len + 2 * alen + 2 * elen;
	if (!(seed = secret_new(seedlen)))
		return false;
	memcpy(seed->data, ni, nilen);
	memcpy(seed->data + nilen, nr, nrlen);
	memcpy(seed->data + nilen + nrlen, spii, IKE_SPI_LEN);
	memcpy(seed->data + nilen + nrlen + IKE_SPI_LEN, spir, IKE_SPI_LEN);
	km = prf_plus(p, skeyseed->data, skeyseed->len, seed->data, seedlen, total);
	secret_free(seed);
	if (!km)
		return false;
	{
		const size_t sizes[7] = { p->key_len, alen, alen, elen, elen, p->key_len, p->key_len };
		struct secret **dst[7] = { &out->sk_d, &out->sk_ai, &out->sk_ar, &out->sk_ei,
					   &out->sk_er, &out->sk_pi, &out->sk_pr };
		ok = split(km, sizes, dst, 7);
	}
	secret_free(km);
	return ok;
}

void ike_keys_free(struct ike_keys *k)
{
	secret_free(k->sk_d);
	secret_free(k->sk_ai);
	secret_free(k->sk_ar);
	secret_free(k->sk_ei);
	secret_free(k->sk_er);
	secret_free(k->sk_pi);
	secret_free(k->sk_pr);
	memset(k, 0, sizeof(*k));
}

bool child_keys_derive(const struct alg_desc *prf, const struct secret *sk_d,
		       const struct alg_cipher *encr, const struct alg_desc *integ,
		       const struct secret *gir,
		       const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
		       struct child_keys *out)
{
	size_t glen = gir ? gir->len : 0, elen, alen;
	struct secret *seed, *km;
	bool ok;

	memset(out, 0, sizeof(*out));
	if (!prf || !sk_d || !encr || !encr->alg)
		return false;
	elen = encr->keymat_len;
	alen = encr->alg->aead || !integ ? 0 : integ->key_len;
	if (!encr->alg->aead && !integ)
		return false;
	if (!(seed = secret_new(glen + nilen + nrlen)))
		return false;
	if (glen)
		memcpy(seed->data, gir->data, glen);
	memcpy(seed->data + glen, ni, nilen);
	memcpy(seed->data + glen + nilen, nr, nrlen);
	km = prf_plus(prf, sk_d->data, sk_d->len, seed->data, seed->len, 2 * (elen + alen));
	secret_free(seed);
	if (!km)
		return false;
	{
		const size_t sizes[4] = { elen, alen, elen, alen };
		struct secret **dst[4] = { &out->encr_i, &out->integ_i, &out->encr_r, &out->integ_r };
		ok = split(km, sizes, dst, 4);
	}
	secret_free(km);
	return ok;
}

void child_keys_free(struct child_keys *k)
{
	secret_free(k->encr_i);
	secret_free(k->integ_i);
	secret_free(k->encr_r);
	secret_free(k->integ_r);
	memset(k, 0, sizeof(*k));
}
