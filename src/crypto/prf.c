/* prf (HMAC-SHA2), prf+ (RFC 7296 §2.13) and truncated HMAC integrity
 * (RFC 4868), all through EVP_MAC. */
#include "crypto/crypto_int.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static EVP_MAC *hmac;
static pthread_once_t hmac_once = PTHREAD_ONCE_INIT;

static void hmac_fetch(void)
{
	hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
}

/* One keyless context per digest, made once: each HMAC starts from a copy
 * of it, so the digest is not looked up by name (EVP_MD_fetch) for every
 * PRF call.  The templates are only read once made. */
#define HMAC_TEMPLATES 8

static struct {
	char digest[24];
	EVP_MAC_CTX *ctx;
} templ[HMAC_TEMPLATES];
static pthread_mutex_t templ_lock = PTHREAD_MUTEX_INITIALIZER;

static const EVP_MAC_CTX *hmac_template(const char *digest)
{
	OSSL_PARAM params[2];
	EVP_MAC_CTX *ctx = NULL;

	pthread_mutex_lock(&templ_lock);
	for (size_t i = 0; i < HMAC_TEMPLATES && !ctx; i++) {
		if (templ[i].ctx && strcmp(templ[i].digest, digest) == 0) {
			ctx = templ[i].ctx;
		} else if (!templ[i].ctx && strlen(digest) < sizeof(templ[i].digest)) {
			params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest, 0);
			params[1] = OSSL_PARAM_construct_end();
			if (!(ctx = EVP_MAC_CTX_new(hmac)))
				break;
			if (!EVP_MAC_CTX_set_params(ctx, params)) {
				EVP_MAC_CTX_free(ctx);
				ctx = NULL;
				break;
			}
			snprintf(templ[i].digest, sizeof(templ[i].digest), "%s", digest);
			templ[i].ctx = ctx;
		}
	}
	pthread_mutex_unlock(&templ_lock);
	return ctx;
}

EVP_MAC_CTX *crypto_hmac_new(const char *digest, const void *key, size_t keylen)
{
	const EVP_MAC_CTX *t;
	EVP_MAC_CTX *ctx;
	static const uint8_t empty[1];

	pthread_once(&hmac_once, hmac_fetch);
	if (!hmac || !(t = hmac_template(digest)) || !(ctx = EVP_MAC_CTX_dup(t)))
		return NULL;
	if (!EVP_MAC_init(ctx, keylen ? key : empty, keylen, NULL)) {
		EVP_MAC_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* HMAC over chunks into out (full digest, out_len bytes). */
bool crypto_hmac(const char *digest, const void *key, size_t keylen,
		 const struct chunk *data, size_t n, uint8_t *out, size_t out_len)
{
	EVP_MAC_CTX *ctx = crypto_hmac_new(digest, key, keylen);
	size_t got = 0;
	bool ok = ctx != NULL;

	for (size_t i = 0; ok && i < n; i++)
		if (data[i].len)
			ok = EVP_MAC_update(ctx, data[i].p, data[i].len);
	if (ok)
		ok = EVP_MAC_final(ctx, out, &got, out_len) && got == out_len;
	EVP_MAC_CTX_free(ctx);
	return ok;
}

bool prf_raw(const struct alg_desc *alg, const void *key, size_t keylen,
	     const struct chunk *data, size_t nchunks, uint8_t *out)
{
	if (!alg)
		return false;
	return crypto_hmac(alg->digest, key, keylen, data, nchunks, out, alg->out_len);
}

struct secret *prf(const struct alg_desc *alg, const void *key, size_t keylen,
		   const void *data, size_t len)
{
	struct chunk c = CHUNK(data, len);
	struct secret *s;

	if (!alg || !(s = secret_new(alg->out_len)))
		return NULL;
	if (!prf_raw(alg, key, keylen, &c, 1, s->data)) {
		secret_free(s);
		return NULL;
	}
	return s;
}

struct secret *prf_plus(const struct alg_desc *alg, const void *key, size_t keylen,
			const void *seed, size_t seedlen, size_t len)
{
	uint8_t t[CRYPTO_MAX_PRF_OUT];
	struct secret *s;
	size_t done = 0;
	uint8_t n = 1;

	if (!alg || len > 255 * alg->out_len || !(s = secret_new(len)))
		return NULL;
	while (done < len) {
		struct chunk c[3] = {
			CHUNK(t, n == 1 ? 0 : alg->out_len),
			CHUNK(seed, seedlen),
			CHUNK(&n, 1),
		};
		size_t take = len - done < alg->out_len ? len - done : alg->out_len;

		if (!prf_raw(alg, key, keylen, c, 3, t)) {
			secret_free(s);
			s = NULL;
			break;
		}
		memcpy(s->data + done, t, take);
		done += take;
		n++;
	}
	secret_wipe(t, sizeof(t));
	return s;
}

bool integ_raw(const struct alg_desc *alg, const void *key, size_t keylen,
	       const struct chunk *data, size_t nchunks, uint8_t *icv)
{
	uint8_t full[CRYPTO_MAX_PRF_OUT];
	size_t dlen = alg ? alg->icv_len * 2 : 0;   /* RFC 4868: truncate to half */
	bool ok;

	if (!alg)
		return false;
	ok = crypto_hmac(alg->digest, key, keylen, data, nchunks, full, dlen);
	if (ok)
		memcpy(icv, full, alg->icv_len);
	secret_wipe(full, sizeof(full));
	return ok;
}

bool crypto_digest(const char *name, const struct chunk *data, size_t n,
		   uint8_t *out, size_t out_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_MD *md = EVP_MD_fetch(NULL, name, NULL);
	unsigned int got = 0;
	bool ok = ctx && md && EVP_DigestInit_ex(ctx, md, NULL) &&
		  (size_t)EVP_MD_get_size(md) == out_len;

	for (size_t i = 0; ok && i < n; i++)
		if (data[i].len)
			ok = EVP_DigestUpdate(ctx, data[i].p, data[i].len);
	if (ok)
		ok = EVP_DigestFinal_ex(ctx, out, &got) && got == out_len;
	EVP_MD_CTX_free(ctx);
	EVP_MD_free(md);
	return ok;
}
