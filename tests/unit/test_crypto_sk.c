/* IKE SK payload protection (src/crypto/sk.c). */
#include "harness.h"

#include "crypto/crypto.h"

#include <openssl/evp.h>
#include <stdio.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct vec {
	const char *label;
	unsigned encr, keybits, integ;
	const char *ek, *ak, *hdr, *iv, *plain;
	size_t padlen;
	const char *body;   /* IV | ciphertext | ICV */
};

static const struct vec vecs[] = {
	/* RFC 7634 Appendix B: ChaCha20-Poly1305 in an IKEv2 INFORMATIONAL
	 * message; the plaintext is one Notify payload with Pad Length 0. */
	{ "RFC 7634 App. B", IKEV2_ENCR_CHACHA20_POLY1305, 0, 0,
	  "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f" "a0a1a2a3", NULL,
	  "c0c1c2c3c4c5c6c7d0d1d2d3d4d5d6d72e202500000000090000004529000029",
	  "1011121314151617", "0000000c000040010000000a", 0,
	  "1011121314151617" "610394701f8d017f7c12924889" "6b71bfe25236efd7cdc67066906315b2" },
	/* AES-GCM-16-256 SK payload from AOSP's IKE library unit test
	 * (packages/modules/IKE IkeCombinedModeCipherTest.java: KEY, IV,
	 * ADDITIONAL_AUTH_DATA, UNENCRYPTED_PADDED_DATA, ENCRYPTED_...). */
	{ "AOSP GCM-256 IKE", IKEV2_ENCR_AES_GCM_16, 256, 0,
	  "7c04513660dec572d896105254ef92608054f8e6ee19e79ce52ab8697b2b5f2c" "2aa90c29", NULL,
	  "77c708b4523e39a471dc683c1d4f21362e202508000000060000004129000025",
	  "fbd69d9de2dafc5e", "000000080000400f", 0,
	  "fbd69d9de2dafc5e" "f4109834e9f3559758c05edf119917521b885f67f0d14ced43" },
	/* AES-CBC-256 + HMAC-SHA2-512-256: expected value computed with an
	 * independent tool (`openssl enc -aes-256-cbc -nopad` for the ciphertext,
	 * Python hmac for the ICV over header | IV | ciphertext). */
	{ "CBC-256/SHA-512 (openssl enc + python)", IKEV2_ENCR_AES_CBC, 256,
	  IKEV2_INTEG_HMAC_SHA2_512_256,
	  "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
	  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	  "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f",
	  "c0c1c2c3c4c5c6c7d0d1d2d3d4d5d6d72e20250800000009000000502900003c",
	  "101112131415161718191a1b1c1d1e1f", "0000000c000040010000000a", 3,
	  "101112131415161718191a1b1c1d1e1f" "33c5424c06b72578caad1ebb0765f102"
	  "bb2eb3e7f737c65f23924a9456979fc991e0c848da0ea0630ab994b4f5a5e84c" },
};

struct keys {
	struct sk_keys k;
	struct alg_cipher cipher;
	struct secret *e, *a;
};

static bool keys_load(struct keys *ks, unsigned encr, unsigned keybits, unsigned integ,
		      const char *ek, const char *ak)
{
	uint8_t b[80];
	size_t n;

	memset(ks, 0, sizeof(*ks));
	alg_cipher_get(encr, keybits, &ks->cipher);
	ks->k.encr = &ks->cipher;
	ks->k.integ = integ ? integ_alg_get(integ) : NULL;
	n = t_unhex(ek, b, sizeof(b));
	ks->e = secret_dup(b, n);
	if (ak) {
		n = t_unhex(ak, b, sizeof(b));
		ks->a = secret_dup(b, n);
	}
	ks->k.sk_e = ks->e;
	ks->k.sk_a = ks->a;
	return ks->k.encr != NULL;
}

static void keys_free(struct keys *ks)
{
	secret_free(ks->e);
	secret_free(ks->a);
}

static void test_sk_kat(void)
{
	for (size_t i = 0; i < N(vecs); i++) {
		const struct vec *v = &vecs[i];
		struct keys ks;
		uint8_t hdr[64], iv[16], plain[64], body[128], out[128], back[128];
		size_t hl, pl, bl, outlen = 0, backlen = 0;
		const char *why = NULL;

		if (!keys_load(&ks, v->encr, v->keybits, v->integ, v->ek, v->ak)) {
			t_fail(__FILE__, __LINE__, "%s: no alg", v->label);
			continue;
		}
		hl = t_unhex(v->hdr, hdr, sizeof(hdr));
		t_unhex(v->iv, iv, sizeof(iv));
		pl = t_unhex(v->plain, plain, sizeof(plain));
		bl = t_unhex(v->body, body, sizeof(body));
		if (!sk_encrypt_iv(&ks.k, hdr, hl, plain, pl, iv, v->padlen, out, sizeof(out), &outlen) ||
		    outlen != bl || memcmp(out, body, bl))
			t_fail(__FILE__, __LINE__, "%s: encrypt differs", v->label);
		if (!sk_decrypt(&ks.k, hdr, hl, body, bl, back, sizeof(back), &backlen, &why) ||
		    backlen != pl || memcmp(back, plain, pl))
			t_fail(__FILE__, __LINE__, "%s: decrypt failed (%s)", v->label, why ? why : "");
		/* in place: plaintext lands where the ciphertext was */
		{
			size_t ivl = ks.k.encr->alg->iv_len;

			if (!sk_decrypt(&ks.k, hdr, hl, body, bl, body + ivl, bl - ivl, &backlen, NULL) ||
			    backlen != pl || memcmp(body + ivl, plain, pl))
				t_fail(__FILE__, __LINE__, "%s: in-place decrypt failed", v->label);
			/* and in-place encryption gives the published bytes back */
			memcpy(out + ivl, plain, pl);
			if (!sk_encrypt_iv(&ks.k, hdr, hl, out + ivl, pl, iv, v->padlen, out, sizeof(out),
					   &outlen) || outlen != bl)
				t_fail(__FILE__, __LINE__, "%s: in-place encrypt failed", v->label);
			t_unhex(v->body, body, sizeof(body));
			CHECK_MEM(out, body, bl);
		}
		keys_free(&ks);
	}
}

/* McGrew & Viega, "The Galois/Counter Mode of Operation", test case 16
 * (AES-256, 96-bit IV cafebabe|facedbaddecaf888, 20-byte AAD): used as an SK
 * body with salt cafebabe and IV facedbaddecaf888.  The plaintext's last
 * byte (0x39 = 57) is read as the Pad Length, leaving 2 payload bytes. */
static void test_sk_gcm_spec(void)
{
	struct keys ks;
	uint8_t hdr[20], body[8 + 60 + 16], plain[80];
	size_t plen = 0;
	const char *why = NULL;

	keys_load(&ks, IKEV2_ENCR_AES_GCM_16, 256, 0,
		  "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308" "cafebabe", NULL);
	t_unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2", hdr, sizeof(hdr));
	t_unhex("facedbaddecaf888"
		"522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
		"8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
		"76fc6ece0f4e1768cddf8853bb2d551b", body, sizeof(body));
	CHECK(sk_decrypt(&ks.k, hdr, sizeof(hdr), body, sizeof(body), plain, sizeof(plain), &plen, &why));
	CHECK_INT(plen, 2);
	CHECK(plain[0] == 0xd9 && plain[1] == 0x31);
	body[10] ^= 0x80;
	CHECK(!sk_decrypt(&ks.k, hdr, sizeof(hdr), body, sizeof(body), plain, sizeof(plain), &plen, &why));
	keys_free(&ks);
}

/* Every algorithm: random keys, encrypt -> decrypt for lengths 0..70, and
 * the body length matches sk_body_len(). */
static void test_sk_round_trip(void)
{
	static const struct { unsigned encr, keybits, integ; } algs[] = {
		{ IKEV2_ENCR_AES_CBC, 128, IKEV2_INTEG_HMAC_SHA2_256_128 },
		{ IKEV2_ENCR_AES_CBC, 256, IKEV2_INTEG_HMAC_SHA2_384_192 },
		{ IKEV2_ENCR_AES_CBC, 256, IKEV2_INTEG_HMAC_SHA2_512_256 },
		{ IKEV2_ENCR_AES_GCM_16, 128, 0 },
		{ IKEV2_ENCR_AES_GCM_16, 256, 0 },
		{ IKEV2_ENCR_CHACHA20_POLY1305, 0, 0 },
	};
	for (size_t i = 0; i < N(algs); i++) {
		struct alg_cipher c;
		const struct alg_cipher *e = alg_cipher_get(algs[i].encr, algs[i].keybits, &c) ? &c : NULL;
		const struct alg_desc *a = algs[i].integ ? integ_alg_get(algs[i].integ) : NULL;
		struct secret *ek = secret_new(e->keymat_len), *ak = secret_new(a ? a->key_len : 0);
		struct sk_keys k = { e, a, ek, ak };
		uint8_t hdr[32], plain[80], body[200], back[200];

		crypto_random(ek->data, ek->len);
		crypto_random(ak->data, ak->len);
		crypto_random(hdr, sizeof(hdr));
		crypto_random(plain, sizeof(plain));
		for (size_t n = 0; n <= 70; n++) {
			size_t bl = 0, pl = 0;
			const char *why = NULL;

			if (!sk_encrypt(&k, hdr, sizeof(hdr), plain, n, body, sizeof(body), &bl) ||
			    bl != sk_body_len(&k, n) ||
			    !sk_decrypt(&k, hdr, sizeof(hdr), body, bl, back, sizeof(back), &pl, &why) ||
			    pl != n || memcmp(back, plain, n)) {
				t_fail(__FILE__, __LINE__, "%s len %zu: round trip failed (%s)", e->alg->fqn, n,
				       why ? why : "");
				break;
			}
		}
		secret_free(ek);
		secret_free(ak);
	}
}

/* A validly protected SK body whose Pad Length byte (200) exceeds the
 * 16-byte plaintext.  sk_encrypt cannot produce one, so this encrypts
 * directly with OpenSSL (AEAD) or re-MACs a CBC body whose IV was adjusted
 * to flip the last plaintext byte of the single block. */
static bool forge_bad_pad(const struct sk_keys *k, const uint8_t *hdr, const uint8_t *iv,
			  uint8_t *body, size_t *bl)
{
	const struct alg_cipher *e = k->encr;
	uint8_t p[16] = { 0 };
	size_t n = 0;

	if (!e->alg->aead) {
		struct chunk c[2];

		/* 15 bytes + Pad Length 0 = one block; IV[15] ^= 200 flips it to 200 */
		if (!sk_encrypt_iv(k, hdr, 32, p, 15, iv, 0, body, 200, &n))
			return false;
		body[15] ^= 200;
		c[0] = CHUNK(hdr, 32);
		c[1] = CHUNK(body, 16 + 16);
		*bl = n;
		return integ_raw(k->integ, k->sk_a->data, k->sk_a->len, c, 2, body + 32);
	}
	{
		EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
		EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, e->evp, NULL);
		uint8_t nonce[12];
		int len = 0;
		bool ok;

		p[15] = 200;
		memcpy(nonce, k->sk_e->data + e->key_len, 4);
		memcpy(nonce + 4, iv, 8);
		memcpy(body, iv, 8);
		ok = ctx && c && EVP_EncryptInit_ex2(ctx, c, k->sk_e->data, nonce, NULL) &&
		     EVP_EncryptUpdate(ctx, NULL, &len, hdr, 32) &&
		     EVP_EncryptUpdate(ctx, body + 8, &len, p, 16) &&
		     EVP_EncryptFinal_ex(ctx, body + 8 + 16, &len) &&
		     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, body + 8 + 16);
		*bl = 8 + 16 + 16;
		EVP_CIPHER_CTX_free(ctx);
		EVP_CIPHER_free(c);
		return ok;
	}
}

/* Rejection table: tampered ICV / ciphertext / IV / header, truncation, bad
 * Pad Length, wrong key sizes, short output buffer. */
static void test_sk_reject(void)
{
	static const struct { unsigned encr, keybits, integ; } algs[] = {
		{ IKEV2_ENCR_AES_CBC, 128, IKEV2_INTEG_HMAC_SHA2_256_128 },
		{ IKEV2_ENCR_AES_GCM_16, 256, 0 },
		{ IKEV2_ENCR_CHACHA20_POLY1305, 0, 0 },
	};
	enum { T_ICV, T_CT, T_IV, T_HDR, T_SHORT, T_EMPTY, T_ONLY_IV, T_CAP, T_BADPAD, T_UNALIGNED };
	static const struct { const char *label; int what; const char *reason; } rows[] = {
		{ "flipped ICV bit", T_ICV, "integrity" },
		{ "flipped ciphertext bit", T_CT, "integrity" },
		{ "flipped IV bit", T_IV, "integrity" },
		{ "flipped header bit", T_HDR, "integrity" },
		{ "truncated by one byte", T_SHORT, "" },
		{ "empty body", T_EMPTY, "too short" },
		{ "IV only", T_ONLY_IV, "too short" },
		{ "output buffer too small", T_CAP, "too large" },
		{ "Pad Length past the start", T_BADPAD, "Pad Length" },
		{ "CBC ciphertext not block aligned", T_UNALIGNED, "multiple" },
	};
	for (size_t i = 0; i < N(algs); i++) {
		struct alg_cipher c;
		const struct alg_cipher *e = alg_cipher_get(algs[i].encr, algs[i].keybits, &c) ? &c : NULL;
		const struct alg_desc *a = algs[i].integ ? integ_alg_get(algs[i].integ) : NULL;
		struct secret *ek = secret_new(e->keymat_len), *ak = secret_new(a ? a->key_len : 0);
		struct sk_keys k = { e, a, ek, ak };
		uint8_t hdr[32], plain[40], good[200], body[200], back[200], iv[16];
		size_t gl = 0;

		crypto_random(ek->data, ek->len);
		crypto_random(ak->data, ak->len);
		crypto_random(hdr, sizeof(hdr));
		crypto_random(iv, sizeof(iv));
		memset(plain, 0x5a, sizeof(plain));
		CHECK(sk_encrypt(&k, hdr, sizeof(hdr), plain, 20, good, sizeof(good), &gl));
		for (size_t r = 0; r < N(rows); r++) {
			uint8_t h[32];
			size_t bl = gl, cap = sizeof(back), pl = 0;
			const char *why = NULL;
			bool ok;

			memcpy(body, good, gl);
			memcpy(h, hdr, sizeof(h));
			switch (rows[r].what) {
			case T_ICV: body[gl - 1] ^= 1; break;
			case T_CT: body[e->alg->iv_len] ^= 1; break;
			case T_IV: body[0] ^= 1; break;
			case T_HDR: h[5] ^= 1; break;
			case T_SHORT: bl = gl - 1; break;
			case T_EMPTY: bl = 0; break;
			case T_ONLY_IV: bl = e->alg->iv_len; break;
			case T_CAP: cap = 3; break;
			case T_BADPAD:
				if (!forge_bad_pad(&k, hdr, iv, body, &bl))
					t_fail(__FILE__, __LINE__, "%s: cannot forge", e->alg->fqn);
				break;
			case T_UNALIGNED:
				if (e->alg->aead)
					continue;
				/* drop one ciphertext byte, keep the ICV at the end */
				memmove(body + e->alg->iv_len + 15, body + e->alg->iv_len + 16, gl - e->alg->iv_len - 16);
				bl = gl - 1;
				break;
			}
			ok = sk_decrypt(&k, h, sizeof(h), body, bl, back, cap, &pl, &why);
			if (ok || !why || !strstr(why, rows[r].reason))
				t_fail(__FILE__, __LINE__, "%s / %s: accepted or wrong reason (%s)", e->alg->fqn,
				       rows[r].label, why ? why : "none");
		}
		/* wrong key sizes are refused up front */
		{
			struct secret *bad = secret_new(e->keymat_len - 1);
			struct sk_keys kb = { e, a, bad, ak };
			size_t bl = 0, pl = 0;
			const char *why = NULL;

			CHECK(!sk_encrypt(&kb, hdr, sizeof(hdr), plain, 4, body, sizeof(body), &bl));
			CHECK(!sk_decrypt(&kb, hdr, sizeof(hdr), good, gl, back, sizeof(back), &pl, &why));
			secret_free(bad);
		}
		/* an output buffer too small for encryption */
		{
			size_t bl = 0;

			CHECK(!sk_encrypt(&k, hdr, sizeof(hdr), plain, 20, body, sk_body_len(&k, 20) - 1, &bl));
		}
		secret_free(ek);
		secret_free(ak);
	}
}

int main(void)
{
	RUN(test_sk_kat);
	RUN(test_sk_gcm_spec);
	RUN(test_sk_round_trip);
	RUN(test_sk_reject);
	return t_done();
}
