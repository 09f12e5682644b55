/* Diffie-Hellman for IKE: MODP groups 14/15/16 (RFC 3526, OpenSSL's named
 * "modp_N" groups), ECP 19/20/21 (RFC 5903: x | y without the 0x04 prefix,
 * g^ir = x coordinate) and X25519/X448 (RFC 8031).  The private value lives
 * only inside an EVP_PKEY. */
#include "crypto/crypto_int.h"

#include <openssl/core_names.h>
#include <openssl/dh.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>
#include <stdlib.h>
#include <string.h>

struct dh {
	const struct alg_desc *alg;
	EVP_PKEY *pkey;
	size_t publen;
	uint8_t pub[CRYPTO_MAX_DH_PUBLIC];
};

static const char *key_type(const struct alg_desc *alg)
{
	switch (alg->dh_kind) {
	case ALG_DH_MODP: return "DH";
	case ALG_DH_ECP: return "EC";
	case ALG_DH_ECX: return alg->group;
	}
	return NULL;
}

/* Our public value in wire form from the key. */
static bool fill_public(struct dh *dh)
{
	uint8_t buf[CRYPTO_MAX_DH_PUBLIC + 1];
	size_t len = 0;
	const struct alg_desc *alg = dh->alg;

	if (!EVP_PKEY_get_octet_string_param(dh->pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
					     buf, sizeof(buf), &len))
		return false;
	if (alg->dh_kind == ALG_DH_ECP) {
		if (len != alg->public_len + 1 || buf[0] != 0x04)
			return false;
		memcpy(dh->pub, buf + 1, alg->public_len);
	} else {
		if (len > alg->public_len)
			return false;
		/* MODP: left-pad to the modulus length (OpenSSL pads already) */
		memset(dh->pub, 0, alg->public_len - len);
		memcpy(dh->pub + alg->public_len - len, buf, len);
	}
	dh->publen = alg->public_len;
	return true;
}

struct dh *dh_new(const struct alg_desc *alg)
{
	EVP_PKEY_CTX *pctx = NULL;
	struct dh *dh;
	OSSL_PARAM params[2];

	if (!alg || !(dh = calloc(1, sizeof(*dh))))
		return NULL;
	dh->alg = alg;
	pctx = EVP_PKEY_CTX_new_from_name(NULL, key_type(alg), NULL);
	if (!pctx || EVP_PKEY_keygen_init(pctx) <= 0)
		goto fail;
	if (alg->dh_kind != ALG_DH_ECX) {
		params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
							     (char *)alg->group, 0);
		params[1] = OSSL_PARAM_construct_end();
		if (!EVP_PKEY_CTX_set_params(pctx, params))
			goto fail;
	}
	if (EVP_PKEY_generate(pctx, &dh->pkey) <= 0 || !fill_public(dh))
		goto fail;
	EVP_PKEY_CTX_free(pctx);
	return dh;
fail:
	EVP_PKEY_CTX_free(pctx);
	dh_free(dh);
	return NULL;
}

const uint8_t *dh_public(const struct dh *dh, size_t *len)
{
	*len = dh->publen;
	return dh->pub;
}

const struct alg_desc *dh_get_alg(const struct dh *dh)
{
	return dh->alg;
}

void dh_free(struct dh *dh)
{
	if (!dh)
		return;
	EVP_PKEY_free(dh->pkey);
	free(dh);
}

/* Builds an EVP_PKEY from OSSL_PARAMs (group name + the given extras). */
static EVP_PKEY *pkey_fromdata(const struct alg_desc *alg, OSSL_PARAM_BLD *bld, int selection)
{
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, key_type(alg), NULL);
	OSSL_PARAM *params = NULL;
	EVP_PKEY *pkey = NULL;

	if (!pctx || !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, alg->group, 0))
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	if (!params || EVP_PKEY_fromdata_init(pctx) <= 0 ||
	    EVP_PKEY_fromdata(pctx, &pkey, selection, params) <= 0)
		pkey = NULL;
out:
	OSSL_PARAM_free(params);
	EVP_PKEY_CTX_free(pctx);
	return pkey;
}

/* The MODP prime of a group, from OpenSSL's named-group tables. */
static BIGNUM *modp_prime(const struct alg_desc *alg)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	EVP_PKEY *params = bld ? pkey_fromdata(alg, bld, EVP_PKEY_KEY_PARAMETERS) : NULL;
	BIGNUM *p = NULL;

	if (params && !EVP_PKEY_get_bn_param(params, OSSL_PKEY_PARAM_FFC_P, &p))
		p = NULL;
	EVP_PKEY_free(params);
	OSSL_PARAM_BLD_free(bld);
	return p;
}

/* A public-only EVP_PKEY for the peer's value; NULL if OpenSSL rejects it. */
static EVP_PKEY *peer_pkey(const struct alg_desc *alg, const uint8_t *peer, size_t len)
{
	OSSL_PARAM_BLD *bld;
	EVP_PKEY *pkey = NULL;
	BIGNUM *y = NULL;
	uint8_t pt[1 + 132];

	if (alg->dh_kind == ALG_DH_ECX)
		return EVP_PKEY_new_raw_public_key_ex(NULL, alg->group, NULL, peer, len);
	if (!(bld = OSSL_PARAM_BLD_new()))
		return NULL;
	if (alg->dh_kind == ALG_DH_ECP) {
		pt[0] = 0x04;
		memcpy(pt + 1, peer, len);
		if (OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, len + 1))
			pkey = pkey_fromdata(alg, bld, EVP_PKEY_PUBLIC_KEY);
	} else {
		y = BN_bin2bn(peer, (int)len, NULL);
		if (y && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y))
			pkey = pkey_fromdata(alg, bld, EVP_PKEY_PUBLIC_KEY);
	}
	BN_free(y);
	OSSL_PARAM_BLD_free(bld);
	return pkey;
}

static bool modp_range_ok(const struct alg_desc *alg, const uint8_t *peer, size_t len)
{
	BIGNUM *p = modp_prime(alg), *y = BN_bin2bn(peer, (int)len, NULL);
	bool ok = false;

	/* 1 < y < p - 1 */
	if (p && y && BN_sub_word(p, 1) && BN_cmp(y, BN_value_one()) > 0 && BN_cmp(y, p) < 0)
		ok = true;
	BN_free(p);
	BN_free(y);
	return ok;
}

static bool ecp_point_ok(const struct alg_desc *alg, const uint8_t *peer, size_t len)
{
	EVP_PKEY *pkey = peer_pkey(alg, peer, len);
	EVP_PKEY_CTX *ctx = pkey ? EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL) : NULL;
	bool ok = ctx && EVP_PKEY_public_check(ctx) == 1;

	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return ok;
}

bool dh_check_public(const struct alg_desc *alg, const uint8_t *peer, size_t len, const char **why)
{
	const char *w = NULL;

	if (!alg)
		w = "unsupported DH group";
	else if (len != alg->public_len)
		w = "KE data has the wrong length for the group";
	else if (alg->dh_kind == ALG_DH_MODP && !modp_range_ok(alg, peer, len))
		w = "MODP public value out of range";
	else if (alg->dh_kind == ALG_DH_ECP && !ecp_point_ok(alg, peer, len))
		w = "ECP public value is not a point on the curve";
	if (why)
		*why = w;
	return w == NULL;
}

struct secret *dh_derive(struct dh *dh, const uint8_t *peer, size_t len, const char **whyp)
{
	const char *unused, **why = whyp ? whyp : &unused;
	const struct alg_desc *alg = dh ? dh->alg : NULL;
	EVP_PKEY *pk = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	struct secret *s = NULL;
	size_t outlen;
	static const uint8_t zero[64];

	if (!dh_check_public(alg, peer, len, why))
		return NULL;
	outlen = alg->secret_len;
	*why = "DH computation failed";
	if (!(pk = peer_pkey(alg, peer, len)))
		goto out;
	if (!(ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->pkey, NULL)) ||
	    EVP_PKEY_derive_init(ctx) <= 0)
		goto out;
	if (alg->dh_kind == ALG_DH_MODP && EVP_PKEY_CTX_set_dh_pad(ctx, 1) <= 0)
		goto out;
	/* validate = 0: dh_check_public() above did the checks that matter for
	 * these groups (for the RFC 3526 safe primes, 1 < y < p-1 excludes the
	 * only small subgroup; OpenSSL's own check adds y^q mod p, a full-size
	 * exponentiation that cost 40x the derivation itself for MODP 2048). */
	if (EVP_PKEY_derive_set_peer_ex(ctx, pk, 0) <= 0)
		goto out;
	if (!(s = secret_new(alg->secret_len)))
		goto out;
	if (EVP_PKEY_derive(ctx, s->data, &outlen) <= 0 || outlen != alg->secret_len) {
		secret_free(s);
		s = NULL;
		goto out;
	}
	if (alg->dh_kind == ALG_DH_ECX && CRYPTO_memcmp(s->data, zero, s->len) == 0) {
		*why = "DH shared secret is all zero";
		secret_free(s);
		s = NULL;
		goto out;
	}
	*why = NULL;
out:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return s;
}

/* ---- test hook: known private values */

static EVP_PKEY *ecp_from_private(const struct alg_desc *alg, const uint8_t *priv, size_t len)
{
	EC_GROUP *g = EC_GROUP_new_by_curve_name(OBJ_txt2nid(alg->group));
	EC_POINT *pt = g ? EC_POINT_new(g) : NULL;
	BIGNUM *d = BN_bin2bn(priv, (int)len, NULL);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	uint8_t pub[1 + 132];
	size_t publen = 0;
	EVP_PKEY *pkey = NULL;

	if (g && pt && d && bld && EC_POINT_mul(g, pt, d, NULL, NULL, NULL) &&
	    (publen = EC_POINT_point2oct(g, pt, POINT_CONVERSION_UNCOMPRESSED, pub, sizeof(pub), NULL)) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, publen))
		pkey = pkey_fromdata(alg, bld, EVP_PKEY_KEYPAIR);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(d);
	EC_POINT_free(pt);
	EC_GROUP_free(g);
	return pkey;
}

static EVP_PKEY *modp_from_private(const struct alg_desc *alg, const uint8_t *priv, size_t len)
{
	BIGNUM *p = modp_prime(alg), *x = BN_bin2bn(priv, (int)len, NULL);
	BIGNUM *g = BN_new(), *y = BN_new();
	BN_CTX *bnctx = BN_CTX_new();
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	EVP_PKEY *pkey = NULL;

	if (p && x && g && y && bnctx && bld && BN_set_word(g, 2) &&
	    BN_mod_exp(y, g, x, p, bnctx) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, x) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y))
		pkey = pkey_fromdata(alg, bld, EVP_PKEY_KEYPAIR);
	OSSL_PARAM_BLD_free(bld);
	BN_CTX_free(bnctx);
	BN_free(y);
	BN_free(g);
	BN_clear_free(x);
	BN_free(p);
	return pkey;
}

struct dh *dh_new_from_private(const struct alg_desc *alg, const uint8_t *priv, size_t len)
{
	struct dh *dh;

	if (!alg || !(dh = calloc(1, sizeof(*dh))))
		return NULL;
	dh->alg = alg;
	switch (alg->dh_kind) {
	case ALG_DH_ECX:
		dh->pkey = EVP_PKEY_new_raw_private_key_ex(NULL, alg->group, NULL, priv, len);
		break;
	case ALG_DH_ECP:
		dh->pkey = ecp_from_private(alg, priv, len);
		break;
	case ALG_DH_MODP:
		dh->pkey = modp_from_private(alg, priv, len);
		break;
	}
	if (!dh->pkey || !fill_public(dh)) {
		dh_free(dh);
		return NULL;
	}
	return dh;
}
