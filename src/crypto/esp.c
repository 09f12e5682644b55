/* Per-SA ESP transforms for the userspace dataplane: AES-GCM-16 (RFC 4106),
 * ChaCha20-Poly1305 (RFC 7634), AES-CBC (RFC 3602) + HMAC-SHA2 (RFC 4868).
 * Contexts are keyed once; seal/open re-initialise them with only the IV
 * (and HMAC with a NULL key, which keeps the key), so no packet allocates. */
#include "crypto/crypto_int.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

struct esp_ctx {
	const struct encr_alg *encr;
	const struct integ_alg *integ;   /* NULL with AEAD */
	bool esn;
	EVP_CIPHER_CTX *enc, *dec;
	EVP_MAC_CTX *mac;                /* keyed; re-initialised per packet */
	uint8_t salt[4];
};

size_t esp_key_len(unsigned encr, unsigned keybits, unsigned integ)
{
	const struct encr_alg *e = encr_alg_get(encr, keybits);
	const struct integ_alg *i = integ_alg_get(integ);

	if (!e || (e->aead && integ != IKEV2_INTEG_NONE) || (!e->aead && !i))
		return 0;
	return e->keymat_len + (e->aead ? 0 : i->key_len);
}

void esp_ctx_free(struct esp_ctx *c)
{
	if (!c)
		return;
	EVP_CIPHER_CTX_free(c->enc);
	EVP_CIPHER_CTX_free(c->dec);
	EVP_MAC_CTX_free(c->mac);
	secret_wipe(c, sizeof(*c));
	free(c);
}

struct esp_ctx *esp_ctx_new(unsigned encr, unsigned keybits, unsigned integ,
			    const uint8_t *key, size_t keylen, bool esn)
{
	struct esp_ctx *c;
	size_t want = esp_key_len(encr, keybits, integ);

	if (!want || keylen != want || !(c = calloc(1, sizeof(*c))))
		return NULL;
	c->encr = encr_alg_get(encr, keybits);
	c->integ = c->encr->aead ? NULL : integ_alg_get(integ);
	c->esn = esn;
	memcpy(c->salt, key + c->encr->key_len, c->encr->salt_len);
	c->enc = EVP_CIPHER_CTX_new();
	c->dec = EVP_CIPHER_CTX_new();
	if (!c->enc || !c->dec || !crypto_cipher_init(c->enc, c->encr, key, true) ||
	    !crypto_cipher_init(c->dec, c->encr, key, false))
		goto fail;
	if (c->integ && !(c->mac = crypto_hmac_new(c->integ->digest, key + c->encr->keymat_len,
						   c->integ->key_len)))
		goto fail;
	return c;
fail:
	esp_ctx_free(c);
	return NULL;
}

size_t esp_ctx_iv_len(const struct esp_ctx *c)
{
	return c->encr->iv_len;
}

size_t esp_ctx_icv_len(const struct esp_ctx *c)
{
	return c->encr->aead ? c->encr->icv_len : c->integ->icv_len;
}

size_t esp_ctx_block(const struct esp_ctx *c)
{
	return c->encr->aead ? 4 : c->encr->block_size;
}

/* AEAD AAD: SPI | seq-low, or SPI | seq-high | seq-low with ESN. */
static size_t make_aad(const struct esp_ctx *c, uint32_t spi, uint64_t seq, uint8_t aad[12])
{
	put_be32(aad, spi);
	if (c->esn) {
		put_be32(aad + 4, (uint32_t)(seq >> 32));
		put_be32(aad + 8, (uint32_t)seq);
		return 12;
	}
	put_be32(aad + 4, (uint32_t)seq);
	return 8;
}

static bool aead_run(struct esp_ctx *c, EVP_CIPHER_CTX *ctx, bool enc, uint32_t spi,
		     uint64_t seq, const uint8_t *iv, const uint8_t *in, size_t len,
		     uint8_t *out, uint8_t *tag)
{
	uint8_t nonce[12], aad[12];
	size_t aadlen = make_aad(c, spi, seq, aad);
	int n = 0, fin = 0;

	memcpy(nonce, c->salt, 4);
	memcpy(nonce + 4, iv, 8);
	if (!EVP_CipherInit_ex2(ctx, NULL, NULL, nonce, enc, NULL))
		return false;
	if (!enc && !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, (int)c->encr->icv_len, tag))
		return false;
	if (!EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aadlen))
		return false;
	if (len && !EVP_CipherUpdate(ctx, out, &n, in, (int)len))
		return false;
	if (EVP_CipherFinal_ex(ctx, out + n, &fin) <= 0)
		return false;
	if (enc && !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, (int)c->encr->icv_len, tag))
		return false;
	return true;
}

/* CBC ICV = HMAC(SPI | seq-low | IV | ciphertext [| seq-high]) truncated. */
static bool cbc_icv(struct esp_ctx *c, uint32_t spi, uint64_t seq, const uint8_t *iv,
		    const uint8_t *ct, size_t len, uint8_t *icv)
{
	uint8_t hdr[8], hi[4], full[CRYPTO_MAX_PRF_OUT];
	size_t got = 0, flen = c->integ->icv_len * 2;

	put_be32(hdr, spi);
	put_be32(hdr + 4, (uint32_t)seq);
	put_be32(hi, (uint32_t)(seq >> 32));
	if (!EVP_MAC_init(c->mac, NULL, 0, NULL) || !EVP_MAC_update(c->mac, hdr, 8) ||
	    !EVP_MAC_update(c->mac, iv, c->encr->iv_len) ||
	    (len && !EVP_MAC_update(c->mac, ct, len)) ||
	    (c->esn && !EVP_MAC_update(c->mac, hi, 4)) ||
	    !EVP_MAC_final(c->mac, full, &got, sizeof(full)) || got != flen)
		return false;
	memcpy(icv, full, c->integ->icv_len);
	return true;
}

static bool cbc_run(EVP_CIPHER_CTX *ctx, bool enc, const uint8_t *iv,
		    const uint8_t *in, size_t len, uint8_t *out)
{
	int n = 0;

	return EVP_CipherInit_ex2(ctx, NULL, NULL, iv, enc, NULL) &&
	       EVP_CipherUpdate(ctx, out, &n, in, (int)len) && (size_t)n == len;
}

static bool len_ok(const struct esp_ctx *c, size_t len)
{
	return len <= INT32_MAX && len % esp_ctx_block(c) == 0 && (c->encr->aead || len > 0);
}

bool esp_seal(struct esp_ctx *c, uint32_t spi, uint64_t seq, const uint8_t *iv,
	      const uint8_t *in, size_t len, uint8_t *out, uint8_t *icv)
{
	if (!len_ok(c, len))
		return false;
	if (c->encr->aead)
		return aead_run(c, c->enc, true, spi, seq, iv, in, len, out, icv);
	return cbc_run(c->enc, true, iv, in, len, out) &&
	       cbc_icv(c, spi, seq, iv, out, len, icv);
}

bool esp_open(struct esp_ctx *c, uint32_t spi, uint64_t seq, const uint8_t *iv,
	      const uint8_t *in, size_t len, uint8_t *out, const uint8_t *icv)
{
	uint8_t want[CRYPTO_MAX_ICV], tag[CRYPTO_MAX_ICV];

	if (!len_ok(c, len))
		return false;
	if (c->encr->aead) {
		memcpy(tag, icv, c->encr->icv_len);
		return aead_run(c, c->dec, false, spi, seq, iv, in, len, out, tag);
	}
	if (!cbc_icv(c, spi, seq, iv, in, len, want) ||
	    CRYPTO_memcmp(want, icv, c->integ->icv_len) != 0)
		return false;
	return cbc_run(c->dec, false, iv, in, len, out);
}
