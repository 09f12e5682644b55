/* The algorithm table (see alg.h).  Spellings and Libreswan names checked
 * against Libreswan 4.10's `algparse -v2` and its progress lines; sizes
 * from the RFCs cited per row. */
#include "alg/alg.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define ROW(t, i, n, f, impl) .type = IKEV2_TRANS_##t, .id = IKEV2_##t##_##i, .names = n, .fqn = f, \
	.implemented = impl

/* RFC 4868 HMAC-SHA2 as a PRF, and the INTEG (truncated to half) paired with it */
#define HMAC_PRF(dg, len, integ_id) .digest = dg, .key_len = len, .out_len = len, .integ = integ_id

static const struct alg_desc table[] = {
	/* ---- ENCR ---- */
	/* RFC 3602 */
	{ ROW(ENCR, AES_CBC, "aes_cbc aes", "AES_CBC", true), .keylen_attr = true,
	  .keys = { { 256, "AES-256-CBC" }, { 128, "AES-128-CBC" } }, .keybits_unsupported = 192,
	  .iv_len = 16, .block_size = 16, .xfrm = "cbc(aes)" },
	/* RFC 4106, RFC 5282 */
	{ ROW(ENCR, AES_GCM_16, "aes_gcm_16 aes_gcm aes_gcm_c", "AES_GCM_16", true), .aead = true,
	  .keylen_attr = true, .keys = { { 256, "AES-256-GCM" }, { 128, "AES-128-GCM" } },
	  .keybits_unsupported = 192, .iv_len = 8, .salt_len = 4, .block_size = 1, .icv_len = 16,
	  .xfrm = "rfc4106(gcm(aes))" },
	/* RFC 7634 */
	{ ROW(ENCR, CHACHA20_POLY1305, "chacha20_poly1305 chacha20poly1305", "CHACHA20_POLY1305", true),
	  .aead = true, .keys = { { 256, "ChaCha20-Poly1305" } }, .iv_len = 8, .salt_len = 4,
	  .block_size = 1, .icv_len = 16, .xfrm = "rfc7539esp(chacha20,poly1305)" },
	{ ROW(ENCR, AES_GCM_12, "aes_gcm_12 aes_gcm_b", "AES_GCM_12", false), .aead = true, .keylen_attr = true },
	{ ROW(ENCR, AES_GCM_8, "aes_gcm_8 aes_gcm_a", "AES_GCM_8", false), .aead = true, .keylen_attr = true },
	{ ROW(ENCR, AES_CCM_16, "aes_ccm_16 aes_ccm aes_ccm_c", "AES_CCM_16", false), .aead = true, .keylen_attr = true },
	{ ROW(ENCR, AES_CCM_12, "aes_ccm_12 aes_ccm_b", "AES_CCM_12", false), .aead = true, .keylen_attr = true },
	{ ROW(ENCR, AES_CCM_8, "aes_ccm_8 aes_ccm_a", "AES_CCM_8", false), .aead = true, .keylen_attr = true },
	{ ROW(ENCR, 3DES, "3des_cbc 3des", "3DES_CBC", false) },
	{ ROW(ENCR, AES_CTR, "aes_ctr aesctr", "AES_CTR", false), .keylen_attr = true },
	{ ROW(ENCR, CAMELLIA_CBC, "camellia_cbc camellia", "CAMELLIA_CBC", false), .keylen_attr = true },
	{ ROW(ENCR, CAMELLIA_CTR, "camellia_ctr", "CAMELLIA_CTR", false), .keylen_attr = true },
	{ ROW(ENCR, NULL_AUTH_AES_GMAC, "null_auth_aes_gmac aes_gmac", "NULL_AUTH_AES_GMAC", false),
	  .keylen_attr = true },
	{ ROW(ENCR, NULL, "null", "NULL", false) },

	/* ---- PRF (RFC 4868) ---- */
	{ ROW(PRF, HMAC_SHA2_256, "hmac_sha2_256 sha2 sha256 sha2_256", "HMAC_SHA2_256", true),
	  HMAC_PRF("SHA2-256", 32, IKEV2_INTEG_HMAC_SHA2_256_128) },
	{ ROW(PRF, HMAC_SHA2_384, "hmac_sha2_384 sha384 sha2_384", "HMAC_SHA2_384", true),
	  HMAC_PRF("SHA2-384", 48, IKEV2_INTEG_HMAC_SHA2_384_192) },
	{ ROW(PRF, HMAC_SHA2_512, "hmac_sha2_512 sha512 sha2_512", "HMAC_SHA2_512", true),
	  HMAC_PRF("SHA2-512", 64, IKEV2_INTEG_HMAC_SHA2_512_256) },
	{ ROW(PRF, HMAC_SHA1, "hmac_sha1 sha sha1", "HMAC_SHA1", false) },
	{ ROW(PRF, HMAC_MD5, "hmac_md5 md5", "HMAC_MD5", false) },
	{ ROW(PRF, AES128_XCBC, "aes_xcbc aes128_xcbc", "AES_XCBC", false) },

	/* ---- INTEG (RFC 4868: the HMAC truncated to half) ---- */
	{ ROW(INTEG, HMAC_SHA2_256_128, "hmac_sha2_256_128 sha2 sha256 sha2_256 sha2_256_128 hmac_sha2_256",
	      "HMAC_SHA2_256_128", true), .digest = "SHA2-256", .key_len = 32, .icv_len = 16,
	  .xfrm = "hmac(sha256)" },
	{ ROW(INTEG, HMAC_SHA2_384_192, "hmac_sha2_384_192 sha384 sha2_384 sha2_384_192 hmac_sha2_384",
	      "HMAC_SHA2_384_192", true), .digest = "SHA2-384", .key_len = 48, .icv_len = 24,
	  .xfrm = "hmac(sha384)" },
	{ ROW(INTEG, HMAC_SHA2_512_256, "hmac_sha2_512_256 sha512 sha2_512 sha2_512_256 hmac_sha2_512",
	      "HMAC_SHA2_512_256", true), .digest = "SHA2-512", .key_len = 64, .icv_len = 32,
	  .xfrm = "hmac(sha512)" },
	{ ROW(INTEG, NONE, "none null", "NONE", true) },
	{ ROW(INTEG, HMAC_SHA1_96, "hmac_sha1_96 sha sha1 sha1_96 hmac_sha1", "HMAC_SHA1_96", false) },
	{ ROW(INTEG, HMAC_MD5_96, "hmac_md5_96 md5 hmac_md5", "HMAC_MD5_96", false) },
	{ ROW(INTEG, AES_XCBC_96, "aes_xcbc_96 aes_xcbc aes128_xcbc aes128_xcbc_96", "AES_XCBC_96", false) },
	{ ROW(INTEG, AES_CMAC_96, "aes_cmac_96 aes_cmac", "AES_CMAC_96", false) },

	/* ---- DH: MODP (RFC 3526), ECP (RFC 5903), X25519/X448 (RFC 8031) ---- */
	{ ROW(DH, MODP2048, "modp2048 dh14", "MODP2048", true), .dh_kind = ALG_DH_MODP,
	  .group = "modp_2048", .public_len = 256, .secret_len = 256 },
	{ ROW(DH, MODP3072, "modp3072 dh15", "MODP3072", true), .dh_kind = ALG_DH_MODP,
	  .group = "modp_3072", .public_len = 384, .secret_len = 384 },
	{ ROW(DH, MODP4096, "modp4096 dh16", "MODP4096", true), .dh_kind = ALG_DH_MODP,
	  .group = "modp_4096", .public_len = 512, .secret_len = 512 },
	{ ROW(DH, ECP_256, "dh19 ecp_256 ecp256", "DH19", true), .dh_kind = ALG_DH_ECP,
	  .group = "prime256v1", .public_len = 64, .secret_len = 32 },
	{ ROW(DH, ECP_384, "dh20 ecp_384 ecp384", "DH20", true), .dh_kind = ALG_DH_ECP,
	  .group = "secp384r1", .public_len = 96, .secret_len = 48 },
	{ ROW(DH, ECP_521, "dh21 ecp_521 ecp521", "DH21", true), .dh_kind = ALG_DH_ECP,
	  .group = "secp521r1", .public_len = 132, .secret_len = 66 },
	{ ROW(DH, CURVE25519, "dh31 curve25519", "DH31", true), .dh_kind = ALG_DH_ECX,
	  .group = "X25519", .public_len = 32, .secret_len = 32 },
	/* a Cygnet extension: Libreswan 4.10 does not know it */
	{ ROW(DH, CURVE448, "dh32 curve448", "DH32", true), .dh_kind = ALG_DH_ECX,
	  .group = "X448", .public_len = 56, .secret_len = 56 },
	{ ROW(DH, NONE, "none null dh0", "NONE", true) },
	{ ROW(DH, MODP1536, "modp1536 dh5", "MODP1536", false) },
	{ ROW(DH, MODP6144, "modp6144 dh17", "MODP6144", false) },
	{ ROW(DH, MODP8192, "modp8192 dh18", "MODP8192", false) },
	{ ROW(DH, MODP1024, "modp1024 dh2", "MODP1024", false) },
	{ ROW(DH, MODP768, "modp768 dh1", "MODP768", false) },
	{ ROW(DH, MODP1024_160, "dh22", "DH22", false) },
	{ ROW(DH, MODP2048_224, "dh23", "DH23", false) },
	{ ROW(DH, MODP2048_256, "dh24", "DH24", false) },
};

#define N_ROWS (sizeof(table) / sizeof(table[0]))

const struct alg_desc *alg_at(size_t i)
{
	return i < N_ROWS ? &table[i] : NULL;
}

const struct alg_desc *alg_find(enum ikev2_trans_type type, unsigned id)
{
	for (size_t i = 0; i < N_ROWS; i++)
		if (table[i].type == type && table[i].id == id)
			return &table[i];
	return NULL;
}

const struct alg_desc *alg_get(enum ikev2_trans_type type, unsigned id)
{
	const struct alg_desc *d = alg_find(type, id);

	return d && d->implemented ? d : NULL;
}

/* Is `word` (len bytes) one of the space separated names? */
static bool name_in(const char *names, const char *word, size_t len)
{
	for (const char *p = names; *p;) {
		size_t n = strcspn(p, " ");

		if (n == len && strncasecmp(p, word, len) == 0)
			return true;
		p += n;
		p += strspn(p, " ");
	}
	return false;
}

const struct alg_desc *alg_by_name(enum ikev2_trans_type type, const char *name, size_t len)
{
	for (size_t i = 0; i < N_ROWS; i++)
		if (table[i].type == type && name_in(table[i].names, name, len))
			return &table[i];
	return NULL;
}

bool alg_cipher_get(unsigned encr_id, unsigned keybits, struct alg_cipher *out)
{
	const struct alg_desc *d = alg_get(IKEV2_TRANS_ENCR, encr_id);

	memset(out, 0, sizeof(*out));
	for (size_t k = 0; d && k < ALG_MAX_KEYS && d->keys[k].bits; k++) {
		if (keybits && d->keys[k].bits != keybits)
			continue;
		out->alg = d;
		out->evp = d->keys[k].evp;
		out->keybits = d->keys[k].bits;
		out->key_len = out->keybits / 8;
		out->keymat_len = out->key_len + d->salt_len;
		return true;
	}
	return false;
}

/* ---- Libreswan's names ------------------------------------------------ */

const char *alg_fqn(enum ikev2_trans_type type, unsigned id)
{
	const struct alg_desc *d = alg_find(type, id);

	return d ? d->fqn : "?";
}

const char *alg_encr_text(unsigned id, unsigned keybits, bool xfrm, struct alg_text *t)
{
	const struct alg_desc *d = alg_find(IKEV2_TRANS_ENCR, id);
	unsigned bits = keybits ? keybits : d ? d->keys[0].bits : 0;

	/* Libreswan's xfrm= omits the length of a cipher sent without one
	 * when it is the default (its keylen_omitted and keydeflen) */
	if (!d || !bits || (xfrm && !d->keylen_attr && bits == d->keys[0].bits))
		snprintf(t->s, sizeof(t->s), "%s", d ? d->fqn : "?");
	else
		snprintf(t->s, sizeof(t->s), "%s_%u", d->fqn, bits);
	return t->s;
}

const char *alg_ike_text(const struct alg_suite *s, struct alg_text *t)
{
	struct alg_text e;

	snprintf(t->s, sizeof(t->s), "cipher=%s integ=%s prf=%s group=%s",
		 alg_encr_text(s->encr, s->keybits, false, &e),
		 s->integ ? alg_fqn(IKEV2_TRANS_INTEG, s->integ) : "n/a", alg_fqn(IKEV2_TRANS_PRF, s->prf),
		 s->dh ? alg_fqn(IKEV2_TRANS_DH, s->dh) : "none");
	return t->s;
}

const char *alg_child_text(const struct alg_suite *s, struct alg_text *t)
{
	struct alg_text e;

	snprintf(t->s, sizeof(t->s), "%s-%s%s%s", alg_encr_text(s->encr, s->keybits, true, &e),
		 alg_fqn(IKEV2_TRANS_INTEG, s->integ), s->dh ? "-" : "", s->dh ? alg_fqn(IKEV2_TRANS_DH, s->dh) : "");
	return t->s;
}

const char *alg_ike_newest_text(const struct alg_suite *s, struct alg_text *t)
{
	const struct alg_desc *prf = alg_find(IKEV2_TRANS_PRF, s->prf);
	bool own_integ = s->integ == 0 || (prf && prf->integ == s->integ);
	struct alg_text e;

	snprintf(t->s, sizeof(t->s), "%s-%s%s%s-%s", alg_encr_text(s->encr, s->keybits, false, &e),
		 alg_fqn(IKEV2_TRANS_PRF, s->prf), own_integ ? "" : "-",
		 own_integ ? "" : alg_fqn(IKEV2_TRANS_INTEG, s->integ),
		 s->dh ? alg_fqn(IKEV2_TRANS_DH, s->dh) : "NONE");
	return t->s;
}
