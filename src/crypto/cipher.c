/* Fetched EVP_CIPHER objects, looked up once per process by name. */
#include "crypto/crypto_int.h"

#include <pthread.h>
#include <string.h>

static const char *const names[] = {
	"AES-128-CBC", "AES-192-CBC", "AES-256-CBC",
	"AES-128-GCM", "AES-192-GCM", "AES-256-GCM",
	"ChaCha20-Poly1305",
};
static EVP_CIPHER *ciphers[sizeof(names) / sizeof(names[0])];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void fetch_all(void)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		ciphers[i] = EVP_CIPHER_fetch(NULL, names[i], NULL);
}

const EVP_CIPHER *crypto_cipher(const char *name)
{
	pthread_once(&once, fetch_all);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i], name) == 0)
			return ciphers[i];
	return NULL;
}

/* Key an AEAD or CBC cipher context for one direction; for AEAD sets the
 * 12-byte nonce length (salt | IV). */
bool crypto_cipher_init(EVP_CIPHER_CTX *ctx, const struct encr_alg *alg,
			const uint8_t *key, bool enc)
{
	const EVP_CIPHER *c = crypto_cipher(alg->evp_name);

	if (!c || !EVP_CipherInit_ex2(ctx, c, NULL, NULL, enc, NULL))
		return false;
	if (alg->aead && !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN,
					      (int)(alg->salt_len + alg->iv_len), NULL))
		return false;
	if (!EVP_CipherInit_ex2(ctx, NULL, key, NULL, enc, NULL))
		return false;
	if (!alg->aead && !EVP_CIPHER_CTX_set_padding(ctx, 0))
		return false;
	return true;
}
