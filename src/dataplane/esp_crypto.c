#include "dataplane/esp_crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdlib.h>
#include <string.h>

#include "alg/iana.h"
#include "lib/buf.h"

#define ESP_SALT_LEN 4
#define ESP_AEAD_IV_LEN 8
#define ESP_AEAD_ICV_LEN 16
#define ESP_CBC_IV_LEN 16
#define ESP_MAX_ICV 32

struct espc {
	EVP_CIPHER_CTX *cipher;   /* keyed; the IV is set per packet */
	EVP_CIPHER_CTX *decrypt;  /* CBC only: decryption needs its own key schedule */
	EVP_MAC_CTX *mac;         /* keyed HMAC (CBC only); re-initialised per packet */
	bool aead;
	uint8_t salt[ESP_SALT_LEN];
	size_t iv_len, icv_len, align;
};

/* The supported integrity transforms: IANA id, digest, key and ICV bytes (RFC 4868). */
static const struct integ_alg {
	uint16_t id;
	const char *digest;
	size_t keylen, icvlen;
} integ_algs[] = {
	{ IKEV2_INTEG_HMAC_SHA2_256_128, "SHA2-256", 32, 16 },
	{ IKEV2_INTEG_HMAC_SHA2_384_192, "SHA2-384", 48, 24 },
	{ IKEV2_INTEG_HMAC_SHA2_512_256, "SHA2-512", 64, 32 },
};

static const struct integ_alg *integ_find(uint16_t id)
{
	for (size_t i = 0; i < sizeof(integ_algs) / sizeof(integ_algs[0]); i++)
		if (integ_algs[i].id == id)
			return &integ_algs[i];
	return NULL;
}

static const char *cipher_name(uint16_t encr, uint16_t keybits)
{
	switch (encr) {
	case IKEV2_ENCR_AES_GCM_16:
		return keybits == 128 ? "AES-128-GCM" : keybits == 192 ? "AES-192-GCM" :
		       keybits == 256 ? "AES-256-GCM" : NULL;
	case IKEV2_ENCR_AES_CBC:
		return keybits == 128 ? "AES-128-CBC" : keybits == 192 ? "AES-192-CBC" :
		       keybits == 256 ? "AES-256-CBC" : NULL;
	case IKEV2_ENCR_CHACHA20_POLY1305:
		return keybits == 256 || keybits == 0 ? "ChaCha20-Poly1305" : NULL;
	default:
		return NULL;
	}
}

bool espc_key_lengths(uint16_t encr, uint16_t keybits, uint16_t integ, size_t *ekeylen, size_t *ikeylen)
{
	const struct integ_alg *ia;

	if (!cipher_name(encr, keybits))
		return false;
	if (encr == IKEV2_ENCR_CHACHA20_POLY1305)
		keybits = 256;
	if (encr == IKEV2_ENCR_AES_CBC) {
		if (!(ia = integ_find(integ)))
			return false;
		*ekeylen = keybits / 8;
		*ikeylen = ia->keylen;
		return true;
	}
	if (integ != IKEV2_INTEG_NONE)
		return false;
	*ekeylen = keybits / 8 + ESP_SALT_LEN;
	*ikeylen = 0;
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

static bool mac_setup(struct espc *c, const struct integ_alg *ia, const uint8_t *ikey)
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	OSSL_PARAM params[2];
	bool ok = false;

	if (!mac)
		return false;
	c->mac = EVP_MAC_CTX_new(mac);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)ia->digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (c->mac && EVP_MAC_init(c->mac, ikey, ia->keylen, params))
		ok = true;
	EVP_MAC_free(mac);
	return ok;
}

struct espc *espc_new(uint16_t encr, uint16_t keybits, uint16_t integ,
		      const uint8_t *ekey, size_t ekeylen, const uint8_t *ikey, size_t ikeylen)
{
	size_t want_e, want_i;
	EVP_CIPHER *cipher = NULL;
	struct espc *c;

	if (!espc_key_lengths(encr, keybits, integ, &want_e, &want_i) ||
	    ekeylen != want_e || ikeylen != want_i || !ekey || (want_i && !ikey))
		return NULL;
	if (!(c = calloc(1, sizeof(*c))))
		return NULL;
	c->aead = encr != IKEV2_ENCR_AES_CBC;
	if (!(cipher = EVP_CIPHER_fetch(NULL, cipher_name(encr, keybits), NULL)) ||
	    !(c->cipher = EVP_CIPHER_CTX_new()))
		goto fail;
	if (c->aead) {
		size_t klen = ekeylen - ESP_SALT_LEN;
		OSSL_PARAM p[2];
		size_t ivlen = 12;

		memcpy(c->salt, ekey + klen, ESP_SALT_LEN);
		p[0] = OSSL_PARAM_construct_size_t(OSSL_CIPHER_PARAM_AEAD_IVLEN, &ivlen);
		p[1] = OSSL_PARAM_construct_end();
		if (!EVP_CipherInit_ex2(c->cipher, cipher, ekey, NULL, 1, p))
			goto fail;
		c->iv_len = ESP_AEAD_IV_LEN;
		c->icv_len = ESP_AEAD_ICV_LEN;
		c->align = 4;
	} else {
		const struct integ_alg *ia = integ_find(integ);

		if (!(c->decrypt = EVP_CIPHER_CTX_new()) ||
		    !EVP_CipherInit_ex2(c->cipher, cipher, ekey, NULL, 1, NULL) ||
		    !EVP_CipherInit_ex2(c->decrypt, cipher, ekey, NULL, 0, NULL) ||
		    !EVP_CIPHER_CTX_set_padding(c->cipher, 0) || !EVP_CIPHER_CTX_set_padding(c->decrypt, 0) ||
		    !mac_setup(c, ia, ikey))
			goto fail;
		c->iv_len = ESP_CBC_IV_LEN;
		c->icv_len = ia->icvlen;
		c->align = 16;
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
	uint8_t nonce[12], aad[12];
	uint8_t *data = pkt + 8 + ESP_AEAD_IV_LEN, *icv = data + ctlen;
	size_t aadlen = aead_aad(pkt, seq_hi, esn, aad);
	int n, fin;

	if (ctlen > INT32_MAX)
		return false;
	memcpy(nonce, c->salt, ESP_SALT_LEN);
	memcpy(nonce + ESP_SALT_LEN, pkt + 8, ESP_AEAD_IV_LEN);
	if (!EVP_CipherInit_ex2(c->cipher, NULL, NULL, nonce, enc, NULL))
		return false;
	if (!enc && !EVP_CIPHER_CTX_ctrl(c->cipher, EVP_CTRL_AEAD_SET_TAG, ESP_AEAD_ICV_LEN, icv))
		return false;
	if (!EVP_CipherUpdate(c->cipher, NULL, &n, aad, (int)aadlen) ||
	    !EVP_CipherUpdate(c->cipher, data, &n, data, (int)ctlen))
		return false;
	fin = EVP_CipherFinal_ex(c->cipher, data + n, &n);
	if (fin <= 0)
		return false;
	if (enc && !EVP_CIPHER_CTX_ctrl(c->cipher, EVP_CTRL_AEAD_GET_TAG, ESP_AEAD_ICV_LEN, icv))
		return false;
	return true;
}

/* HMAC over SPI|seq|IV|ciphertext (+ seq_hi with ESN, RFC 4303 §2.2.1). */
static bool cbc_mac(struct espc *c, const uint8_t *pkt, size_t authlen, uint32_t seq_hi, bool esn,
		    uint8_t out[64])
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
	return EVP_MAC_final(c->mac, out, &olen, 64) && olen >= c->icv_len;
}

static bool cbc_cipher(struct espc *c, uint8_t *pkt, size_t ctlen, int enc)
{
	uint8_t *data = pkt + 8 + ESP_CBC_IV_LEN;
	EVP_CIPHER_CTX *ctx = enc ? c->cipher : c->decrypt;
	int n;

	if (ctlen % 16 || ctlen > INT32_MAX)
		return false;
	if (!EVP_CipherInit_ex2(ctx, NULL, NULL, pkt + 8, enc, NULL))
		return false;
	return EVP_CipherUpdate(ctx, data, &n, data, (int)ctlen) && (size_t)n == ctlen;
}

bool espc_seal(struct espc *c, uint8_t *pkt, size_t ctlen, uint32_t seq_hi, bool esn)
{
	uint8_t mac[64];
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
	uint8_t mac[64];
	size_t authlen = 8 + c->iv_len + ctlen;

	if (c->aead)
		return aead_run(c, pkt, ctlen, seq_hi, esn, 0);
	if (!cbc_mac(c, pkt, authlen, seq_hi, esn, mac) ||
	    CRYPTO_memcmp(mac, pkt + authlen, c->icv_len) != 0)
		return false;
	return cbc_cipher(c, pkt, ctlen, 0);
}
