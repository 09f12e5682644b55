/* Internal helpers shared by the src/crypto files; not for other modules. */
#ifndef CYGNET_CRYPTO_INT_H
#define CYGNET_CRYPTO_INT_H

#include "crypto/crypto.h"

#include <openssl/evp.h>

/* A keyed HMAC context (digest name as OpenSSL spells it). */
EVP_MAC_CTX *crypto_hmac_new(const char *digest, const void *key, size_t keylen);
bool crypto_hmac(const char *digest, const void *key, size_t keylen,
		 const struct chunk *data, size_t n, uint8_t *out, size_t out_len);
bool crypto_digest(const char *name, const struct chunk *data, size_t n,
		   uint8_t *out, size_t out_len);

static inline void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}


const EVP_CIPHER *crypto_cipher(const char *name);
bool crypto_cipher_init(EVP_CIPHER_CTX *ctx, const struct alg_cipher *alg,
			const uint8_t *key, bool enc);

#endif
