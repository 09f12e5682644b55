/* Fetched EVP_CIPHER objects: every cipher of the registry, fetched once
 * per process, looked up by name. */
#include "crypto/crypto_int.h"

#include <pthread.h>
#include <string.h>

#define MAX_CIPHERS 16   /* implemented (cipher, key length) pairs; tests/unit/test_alg.c */

static EVP_CIPHER *ciphers[MAX_CIPHERS];
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* The i-th OpenSSL cipher name of the registry (implemented ciphers at each
 * of their lengths), NULL past the end. */
static const char *cipher_name(size_t i)
{
	const struct alg_desc *d;

	for (size_t r = 0; (d = alg_at(r)) != NULL; r++) {
		if (d->type != IKEV2_TRANS_ENCR || !d->implemented)
			continue;
		for (size_t k = 0; k < ALG_MAX_KEYS && d->keys[k].bits; k++)
			if (i-- == 0)
				return d->keys[k].evp;
	}
	return NULL;
}

static void fetch_all(void)
{
	const char *name;

	for (size_t i = 0; i < MAX_CIPHERS && (name = cipher_name(i)) != NULL; i++)
		ciphers[i] = EVP_CIPHER_fetch(NULL, name, NULL);
}

const EVP_CIPHER *crypto_cipher(const char *name)
{
	const char *n;

	pthread_once(&once, fetch_all);
	for (size_t i = 0; i < MAX_CIPHERS && (n = cipher_name(i)) != NULL; i++)
		if (strcmp(n, name) == 0)
			return ciphers[i];
	return NULL;
}

/* Key an AEAD or CBC cipher context for one direction; for AEAD sets the
 * 12-byte nonce length (salt | IV). */
bool crypto_cipher_init(EVP_CIPHER_CTX *ctx, const struct alg_cipher *alg,
			const uint8_t *key, bool enc)
{
	const EVP_CIPHER *c = alg->alg ? crypto_cipher(alg->evp) : NULL;

	if (!c || !EVP_CipherInit_ex2(ctx, c, NULL, NULL, enc, NULL))
		return false;
	if (alg->alg->aead && !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN,
						   (int)(alg->alg->salt_len + alg->alg->iv_len), NULL))
		return false;
	if (!EVP_CipherInit_ex2(ctx, NULL, key, NULL, enc, NULL))
		return false;
	if (!alg->alg->aead && !EVP_CIPHER_CTX_set_padding(ctx, 0))
		return false;
	return true;
}
