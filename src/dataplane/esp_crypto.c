#include "dataplane/esp_crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdlib.h>
#include <string.h>

#include "alg/alg.h"
#include "lib/buf.h"

#define ESP_MAX_SALT 4
#define ESP_MAX_NONCE 16   /* salt | IV of an AEAD */
#define ESP_ALIGN 4        /* payload + trailer multiple without a cipher block (RFC 4303 §2.4) */

struct espc {
	EVP_CIPHER_CTX *cipher;   /* keyed; the IV is set per packet */
	EVP_CIPHER_CTX *decrypt;  /* CBC only: decryption needs its own key schedule */
	EVP_MAC_CTX *mac;         /* keyed HMAC (CBC only); re-initialised per packet */
	bool aead;
	uint8_t salt[ESP_MAX_SALT];
	size_t salt_len, iv_len, icv_len, align;
};

/* The registry's cipher and integrity for an SA's transforms (INTEG NONE
 * with an AEAD, an HMAC otherwise); false for anything else. */
static bool esp_algs(uint16_t encr, uint16_t keybits, uint16_t integ, struct alg_cipher *c,
		     const struct alg_desc **ia)
{
	*ia = integ ? alg_get(IKEV2_TRANS_INTEG, integ) : NULL;
	if (!alg_cipher_get(encr, keybits, c) || c->alg->salt_len > ESP_MAX_SALT ||
	    c->alg->salt_len + c->alg->iv_len > ESP_MAX_NONCE)
		return false;
	return c->alg->aead ? integ == IKEV2_INTEG_NONE : *ia != NULL;
}

bool espc_key_lengths(uint16_t encr, uint16_t keybits, uint16_t integ, size_t *ekeylen, size_t *ikeylen)
{
	struct alg_cipher c;
	const struct alg_desc *ia;

	if (!esp_algs(encr, keybits, integ, &c, &ia))
		return false;
	*ekeylen = c.keymat_len;
	*ikeylen = ia ? ia->key_len : 0;
	return true;
}

void espc_free(struct espc *c)
{
	if (!c)
		return;
	EVP_CIPHER_CTX_free(c->cipher);   /* cleanses the key schedule */
	EVP_CIPHER_CTX_free(c->decrypt);
	EVP_MAC_CTX_free(c->mac);
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
}

static bool mac_setup(struct espc *c, const struct alg_desc *ia, const uint8_t *ikey)
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	OSSL_PARAM params[2];
	bool ok = false;

	if (!mac)
		return false;
	c->mac = EVP_MAC_CTX_new(mac);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)ia->digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (c->mac && EVP_MAC_init(c->mac, ikey, ia->key_len, params))
		ok = true;
	EVP_MAC_free(mac);
	return ok;
}

struct espc *espc_new(uint16_t encr, uint16_t keybits, uint16_t integ,
		      const uint8_t *ekey, size_t ekeylen, const uint8_t *ikey, size_t ikeylen)
{
	struct alg_cipher ca;
	const struct alg_desc *ia;
	EVP_CIPHER *cipher = NULL;
	struct espc *c;

	if (!esp_algs(encr, keybits, integ, &ca, &ia) || ekeylen != ca.keymat_len ||
	    ikeylen != (ia ? ia->key_len : 0) || !ekey || (ia && !ikey))
		return NULL;
	if (!(c = calloc(1, sizeof(*c))))
		return NULL;
	c->aead = ca.alg->aead;
	c->iv_len = ca.alg->iv_len;
	c->align = ca.alg->block_size > ESP_ALIGN ? ca.alg->block_size : ESP_ALIGN;
	if (!(cipher = EVP_CIPHER_fetch(NULL, ca.evp, NULL)) || !(c->cipher = EVP_CIPHER_CTX_new()))
		goto fail;
	if (c->aead) {
		OSSL_PARAM p[2];
		size_t ivlen = ca.alg->salt_len + ca.alg->iv_len;

		c->salt_len = ca.alg->salt_len;
		c->icv_len = ca.alg->icv_len;
		memcpy(c->salt, ekey + ca.key_len, c->salt_len);
		p[0] = OSSL_PARAM_construct_size_t(OSSL_CIPHER_PARAM_AEAD_IVLEN, &ivlen);
		p[1] = OSSL_PARAM_construct_end();
		if (!EVP_CipherInit_ex2(c->cipher, cipher, ekey, NULL, 1, p))
			goto fail;
	} else {
		c->icv_len = ia->icv_len;
		if (!(c->decrypt = EVP_CIPHER_CTX_new()) ||
		    !EVP_CipherInit_ex2(c->cipher, cipher, ekey, NULL, 1, NULL) ||
		    !EVP_CipherInit_ex2(c->decrypt, cipher, ekey, NULL, 0, NULL) ||
		    !EVP_CIPHER_CTX_set_padding(c->cipher, 0) || !EVP_CIPHER_CTX_set_padding(c->decrypt, 0) ||
		    !mac_setup(c, ia, ikey))
			goto fail;
	}
	EVP_CIPHER_free(cipher);
	return c;
fail:
	EVP_CIPHER_free(cipher);
	espc_free(c);
	return NULL;
}

size_t espc_iv_len(const struct espc *c) { return c->iv_len; }
size_t espc_icv_len(const struct espc *c) { return c->icv_len; }
size_t espc_align(const struct espc *c) { return c->align; }
bool espc_is_aead(const struct espc *c) { return c->aead; }

/* AAD per RFC 4106 §5 / RFC 7634 §2.1: SPI | seq (8) or SPI | seq_hi | seq_lo (12). */
static size_t aead_aad(const uint8_t *pkt, uint32_t seq_hi, bool esn, uint8_t aad[12])
{
	memcpy(aad, pkt, 4);
	if (!esn) {
		memcpy(aad + 4, pkt + 4, 4);
		return 8;
	}
	put_be32(aad + 4, seq_hi);
	memcpy(aad + 8, pkt + 4, 4);
	return 12;
}

static bool aead_run(struct espc *c, uint8_t *pkt, size_t ctlen, uint32_t seq_hi, bool esn, int enc)
{
	uint8_t nonce[ESP_MAX_NONCE], aad[12];
	uint8_t *data = pkt + 8 + c->iv_len, *icv = data + ctlen;
	size_t aadlen = aead_aad(pkt, seq_hi, esn, aad);
	int n, fin;

	if (ctlen > INT32_MAX)
		return false;
	memcpy(nonce, c->salt, c->salt_len);
	memcpy(nonce + c->salt_len, pkt + 8, c->iv_len);
	if (!EVP_CipherInit_ex2(c->cipher, NULL, NULL, nonce, enc, NULL))
		return false;
	if (!enc && !EVP_CIPHER_CTX_ctrl(c->cipher, EVP_CTRL_AEAD_SET_TAG, (int)c->icv_len, icv))
		return false;
	if (!EVP_CipherUpdate(c->cipher, NULL, &n, aad, (int)aadlen) ||
	    !EVP_CipherUpdate(c->cipher, data, &n, data, (int)ctlen))
		return false;
	fin = EVP_CipherFinal_ex(c->cipher, data + n, &n);
	if (fin <= 0)
		return false;
	if (enc && !EVP_CIPHER_CTX_ctrl(c->cipher, EVP_CTRL_AEAD_GET_TAG, (int)c->icv_len, icv))
		return false;
	return true;
}

/* HMAC over SPI|seq|IV|ciphertext (+ seq_hi with ESN, RFC 4303 §2.2.1). */
static bool cbc_mac(struct espc *c, const uint8_t *pkt, size_t authlen, uint32_t seq_hi, bool esn,
		    uint8_t out[EVP_MAX_MD_SIZE])
{
	uint8_t hi[4];
	size_t olen;

	if (!EVP_MAC_init(c->mac, NULL, 0, NULL) || !EVP_MAC_update(c->mac, pkt, authlen))
		return false;
	if (esn) {
		put_be32(hi, seq_hi);
		if (!EVP_MAC_update(c->mac, hi, 4))
			return false;
	}
	return EVP_MAC_final(c->mac, out, &olen, EVP_MAX_MD_SIZE) && olen >= c->icv_len;
}

static bool cbc_cipher(struct espc *c, uint8_t *pkt, size_t ctlen, int enc)
{
	uint8_t *data = pkt + 8 + c->iv_len;
	EVP_CIPHER_CTX *ctx = enc ? c->cipher : c->decrypt;
	int n;

	if (ctlen % c->align || ctlen > INT32_MAX)
		return false;
	if (!EVP_CipherInit_ex2(ctx, NULL, NULL, pkt + 8, enc, NULL))
		return false;
	return EVP_CipherUpdate(ctx, data, &n, data, (int)ctlen) && (size_t)n == ctlen;
}

bool espc_seal(struct espc *c, uint8_t *pkt, size_t ctlen, uint32_t seq_hi, bool esn)
{
	uint8_t mac[EVP_MAX_MD_SIZE];
	size_t authlen = 8 + c->iv_len + ctlen;

	if (c->aead)
		return aead_run(c, pkt, ctlen, seq_hi, esn, 1);
	if (!cbc_cipher(c, pkt, ctlen, 1) || !cbc_mac(c, pkt, authlen, seq_hi, esn, mac))
		return false;
	memcpy(pkt + authlen, mac, c->icv_len);
	return true;
}

bool espc_open(struct espc *c, uint8_t *pkt, size_t ctlen, uint32_t seq_hi, bool esn)
{
	uint8_t mac[EVP_MAX_MD_SIZE];
	size_t authlen = 8 + c->iv_len + ctlen;

	if (c->aead)
		return aead_run(c, pkt, ctlen, seq_hi, esn, 0);
	if (!cbc_mac(c, pkt, authlen, seq_hi, esn, mac) ||
	    CRYPTO_memcmp(mac, pkt + authlen, c->icv_len) != 0)
		return false;
	return cbc_cipher(c, pkt, ctlen, 0);
}
