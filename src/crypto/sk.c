/* IKE SK / SKF payload protection (RFC 7296 §3.14; AES-GCM RFC 5282;
 * ChaCha20-Poly1305 RFC 7634).
 *
 *   body = IV | E(inner payloads | padding | Pad Length) | ICV
 *   CBC:  ICV = integ(SK_a, hdr | IV | ciphertext)
 *   AEAD: nonce = salt | IV, AAD = hdr (IKE header .. SK payload header)
 */
#include "crypto/crypto_int.h"

#include <openssl/crypto.h>
#include <string.h>

size_t sk_icv_len(const struct sk_keys *k)
{
	return k->encr->alg->aead ? k->encr->alg->icv_len : k->integ ? k->integ->icv_len : 0;
}

static size_t pad_for(const struct sk_keys *k, size_t plen)
{
	size_t bs = k->encr->alg->block_size;

	return (bs - (plen + 1) % bs) % bs;
}

size_t sk_body_len(const struct sk_keys *k, size_t plen)
{
	return k->encr->alg->iv_len + plen + pad_for(k, plen) + 1 + sk_icv_len(k);
}

static bool keys_ok(const struct sk_keys *k)
{
	if (!k->encr || !k->encr->alg || !k->sk_e || k->sk_e->len != k->encr->keymat_len)
		return false;
	if (k->encr->alg->aead)
		return true;
	return k->integ && k->sk_a && k->sk_a->len == k->integ->key_len;
}

/* One AEAD or CBC pass over in[0..len) into out; AEAD tag in/out via tag. */
static bool cipher_run(const struct sk_keys *k, bool enc, const uint8_t *iv,
		       const uint8_t *aad, size_t aadlen,
		       const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag)
{
	const struct alg_desc *a = k->encr->alg;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t nonce[4 + CRYPTO_MAX_IV];
	const uint8_t *ivp = iv;
	int n = 0, fin = 0;
	bool ok = false;

	if (!ctx || !crypto_cipher_init(ctx, k->encr, k->sk_e->data, enc))
		goto out;
	if (a->aead) {
		memcpy(nonce, k->sk_e->data + k->encr->key_len, a->salt_len);
		memcpy(nonce + a->salt_len, iv, a->iv_len);
		ivp = nonce;
	}
	if (!EVP_CipherInit_ex2(ctx, NULL, NULL, ivp, enc, NULL))
		goto out;
	if (a->aead) {
		if (!enc && !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, (int)a->icv_len, tag))
			goto out;
		if (aadlen && !EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aadlen))
			goto out;
	}
	if (!EVP_CipherUpdate(ctx, out, &n, in, (int)len))
		goto out;
	if (EVP_CipherFinal_ex(ctx, out + n, &fin) <= 0 || (size_t)(n + fin) != len)
		goto out;
	if (a->aead && enc && !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, (int)a->icv_len, tag))
		goto out;
	ok = true;
out:
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

bool sk_encrypt_iv(const struct sk_keys *k, const uint8_t *hdr, size_t hdrlen,
		   const uint8_t *plain, size_t plen, const uint8_t *iv, size_t padlen,
		   uint8_t *out, size_t outcap, size_t *outlen)
{
	const struct alg_desc *a = k->encr ? k->encr->alg : NULL;
	size_t ctlen = plen + padlen + 1, icvlen, total;
	uint8_t *ct;

	if (!keys_ok(k) || padlen > 255 || ctlen % a->block_size || ctlen > INT32_MAX)
		return false;
	icvlen = sk_icv_len(k);
	total = a->iv_len + ctlen + icvlen;
	if (total > outcap)
		return false;
	ct = out + a->iv_len;
	memcpy(out, iv, a->iv_len);
	memmove(ct, plain, plen);
	memset(ct + plen, 0, padlen);
	ct[plen + padlen] = (uint8_t)padlen;
	if (!cipher_run(k, true, iv, hdr, hdrlen, ct, ctlen, ct, ct + ctlen))
		return false;
	if (!a->aead) {
		struct chunk c[2] = { CHUNK(hdr, hdrlen), CHUNK(out, a->iv_len + ctlen) };

		if (!integ_raw(k->integ, k->sk_a->data, k->sk_a->len, c, 2, ct + ctlen))
			return false;
	}
	*outlen = total;
	return true;
}

bool sk_encrypt(const struct sk_keys *k, const uint8_t *hdr, size_t hdrlen,
		const uint8_t *plain, size_t plen, uint8_t *out, size_t outcap, size_t *outlen)
{
	uint8_t iv[CRYPTO_MAX_IV];

	if (!k->encr || !k->encr->alg || !crypto_random(iv, k->encr->alg->iv_len))
		return false;
	return sk_encrypt_iv(k, hdr, hdrlen, plain, plen, iv, pad_for(k, plen),
			     out, outcap, outlen);
}

bool sk_decrypt(const struct sk_keys *k, const uint8_t *hdr, size_t hdrlen,
		const uint8_t *body, size_t bodylen, uint8_t *plain, size_t cap,
		size_t *plen, const char **whyp)
{
	const char *unused, **why = whyp ? whyp : &unused;
	const struct alg_desc *a = k && k->encr ? k->encr->alg : NULL;
	size_t icvlen, ctlen, padlen;
	uint8_t tag[CRYPTO_MAX_ICV];

	*why = "SK keys unusable";
	if (!k || !keys_ok(k))
		return false;
	icvlen = sk_icv_len(k);
	*why = "SK payload too short";
	if (bodylen < a->iv_len + icvlen + 1)
		return false;
	ctlen = bodylen - a->iv_len - icvlen;
	*why = "SK ciphertext not a multiple of the block size";
	if (ctlen % a->block_size)
		return false;
	*why = "SK payload too large";
	if (ctlen > cap || ctlen > INT32_MAX)
		return false;
	memcpy(tag, body + a->iv_len + ctlen, icvlen);
	if (!a->aead) {
		uint8_t icv[CRYPTO_MAX_ICV];
		struct chunk c[2] = { CHUNK(hdr, hdrlen), CHUNK(body, a->iv_len + ctlen) };
		bool ok = integ_raw(k->integ, k->sk_a->data, k->sk_a->len, c, 2, icv) &&
			  CRYPTO_memcmp(icv, tag, icvlen) == 0;

		*why = "integrity check failed (ICV mismatch)";
		if (!ok)
			return false;
	}
	if (!cipher_run(k, false, body, hdr, hdrlen, body + a->iv_len, ctlen, plain, tag)) {
		*why = a->aead ? "integrity check failed (AEAD tag mismatch)" : "decryption failed";
		secret_wipe(plain, ctlen);
		return false;
	}
	padlen = plain[ctlen - 1];
	if (padlen + 1 > ctlen) {
		*why = "SK Pad Length exceeds the plaintext";
		secret_wipe(plain, ctlen);
		return false;
	}
	*plen = ctlen - padlen - 1;
	*why = NULL;
	return true;
}
