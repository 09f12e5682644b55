/* The algorithm registry (src/alg/alg.c): the table's own invariants, that
 * every implemented row works in every consumer (OpenSSL, the IKE cipher
 * cache, userspace ESP, XFRM), the sizes the rest of Cygnet builds packets
 * with, and Libreswan's names. */
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "alg/alg.h"
#include "alg/proposal.h"
#include "crypto/crypto_int.h"
#include "dataplane/esp_crypto.h"
#include "dataplane/xfrm_msg.h"
#include "harness.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static size_t n_keys(const struct alg_desc *d)
{
	size_t n = 0;

	while (n < ALG_MAX_KEYS && d->keys[n].bits)
		n++;
	return n;
}

/* Is `word` one of the space separated spellings of any other row of d's type? */
static const struct alg_desc *spelled_elsewhere(const struct alg_desc *d, const char *word, size_t len)
{
	const struct alg_desc *o = alg_by_name(d->type, word, len);

	return o != d ? o : NULL;
}

static void test_rows_unique(void)
{
	const struct alg_desc *d;

	for (size_t i = 0; (d = alg_at(i)) != NULL; i++) {
		char what[64];

		snprintf(what, sizeof(what), "row %zu (%s)", i, d->fqn ? d->fqn : "?");
		if (d->type < IKEV2_TRANS_ENCR || d->type > IKEV2_TRANS_DH || !d->names || !*d->names || !d->fqn)
			t_fail(__FILE__, __LINE__, "%s: type, names and fqn are required", what);
		if (!d->names || !d->fqn)
			continue;
		/* (type, id) and (type, fqn) name one row; so does every spelling */
		if (alg_find(d->type, d->id) != d)
			t_fail(__FILE__, __LINE__, "%s: IANA id %u is another row's", what, d->id);
		for (size_t j = 0; alg_at(j); j++)
			if (j != i && alg_at(j)->type == d->type && alg_at(j)->fqn &&
			    strcmp(alg_at(j)->fqn, d->fqn) == 0)
				t_fail(__FILE__, __LINE__, "%s: name also row %zu's", what, j);
		for (const char *p = d->names; *p;) {
			size_t n = strcspn(p, " ");
			const struct alg_desc *o = spelled_elsewhere(d, p, n);

			if (o)
				t_fail(__FILE__, __LINE__, "%s: spelling '%.*s' is %s's", what, (int)n, p, o->fqn);
			for (size_t k = 0; k < n; k++)
				if (p[k] >= 'A' && p[k] <= 'Z')
					t_fail(__FILE__, __LINE__, "%s: spellings are lower case", what);
			p += n;
			p += strspn(p, " ");
		}
		/* facts only where Cygnet implements the algorithm */
		if (!d->implemented && (n_keys(d) || d->digest || d->group || d->xfrm || d->iv_len))
			t_fail(__FILE__, __LINE__, "%s: not implemented but has crypto facts", what);
	}
	/* NONE rows: for ESP/AH integrity and PFS "none" */
	CHECK(alg_get(IKEV2_TRANS_INTEG, IKEV2_INTEG_NONE) && alg_get(IKEV2_TRANS_DH, IKEV2_DH_NONE));
	CHECK_STR(alg_fqn(IKEV2_TRANS_INTEG, IKEV2_INTEG_NONE), "NONE");
	CHECK(alg_get(IKEV2_TRANS_ENCR, IKEV2_ENCR_3DES) == NULL && alg_find(IKEV2_TRANS_ENCR, IKEV2_ENCR_3DES));
	CHECK(alg_by_name(IKEV2_TRANS_ENCR, "AES_GCM", 7) == alg_find(IKEV2_TRANS_ENCR, IKEV2_ENCR_AES_GCM_16));
	CHECK(alg_by_name(IKEV2_TRANS_ENCR, "aes_gc", 6) == NULL);
	CHECK(alg_by_name(IKEV2_TRANS_PRF, "sha2", 4) != alg_by_name(IKEV2_TRANS_INTEG, "sha2", 4));
}

static void check_cipher(const struct alg_desc *d)
{
	size_t nk = n_keys(d);

	if (nk == 0 || d->iv_len == 0 || d->iv_len > CRYPTO_MAX_IV || d->block_size == 0 || !d->xfrm)
		t_fail(__FILE__, __LINE__, "%s: keys, IV, block size and XFRM name required", d->fqn);
	if (d->aead != (d->icv_len > 0) || d->aead != (d->salt_len > 0) || (d->aead && d->block_size != 1) ||
	    d->icv_len > CRYPTO_MAX_ICV)
		t_fail(__FILE__, __LINE__, "%s: an AEAD has an ICV and a salt (and no block), others neither", d->fqn);
	if (!d->keylen_attr && nk != 1)
		t_fail(__FILE__, __LINE__, "%s: without a Key Length attribute there is one length", d->fqn);
	for (size_t k = 0; k < nk; k++) {
		const struct alg_key *key = &d->keys[k];
		EVP_CIPHER *c = key->evp ? EVP_CIPHER_fetch(NULL, key->evp, NULL) : NULL;
		size_t el, il;

		/* Libreswan's order: the longest first (256 then 128) */
		if (key->bits % 8 || (k > 0 && key->bits >= d->keys[k - 1].bits) || key->bits == d->keybits_unsupported)
			t_fail(__FILE__, __LINE__, "%s: key lengths out of order", d->fqn);
		if (!c || (size_t)EVP_CIPHER_get_key_length(c) != key->bits / 8u ||
		    (!d->aead && ((size_t)EVP_CIPHER_get_iv_length(c) != d->iv_len ||
				  (size_t)EVP_CIPHER_get_block_size(c) != d->block_size)))
			t_fail(__FILE__, __LINE__, "%s_%u: OpenSSL's %s disagrees", d->fqn, key->bits,
			       key->evp ? key->evp : "(none)");
		EVP_CIPHER_free(c);
		if (!crypto_cipher(key->evp))
			t_fail(__FILE__, __LINE__, "%s_%u: not in the IKE cipher cache", d->fqn, key->bits);
		if (!espc_key_lengths(d->id, key->bits, d->aead ? IKEV2_INTEG_NONE : IKEV2_INTEG_HMAC_SHA2_256_128,
				      &el, &il) || el != key->bits / 8u + d->salt_len)
			t_fail(__FILE__, __LINE__, "%s_%u: userspace ESP refuses it", d->fqn, key->bits);
	}
}

static void check_hmac(const struct alg_desc *d)
{
	EVP_MD *md = d->digest ? EVP_MD_fetch(NULL, d->digest, NULL) : NULL;
	size_t out = md ? (size_t)EVP_MD_get_size(md) : 0;
	const struct alg_desc *integ;

	EVP_MD_free(md);
	if (!out)
		t_fail(__FILE__, __LINE__, "%s: OpenSSL has no digest %s", d->fqn, d->digest ? d->digest : "(none)");
	if (d->type == IKEV2_TRANS_PRF) {
		integ = alg_get(IKEV2_TRANS_INTEG, d->integ);
		if (d->out_len != out || d->key_len != out || d->out_len > CRYPTO_MAX_PRF_OUT || !integ ||
		    !integ->digest || strcmp(integ->digest, d->digest) != 0)
			t_fail(__FILE__, __LINE__, "%s: output, key or paired INTEG wrong", d->fqn);
	} else if (d->key_len != out || d->icv_len * 2 != out || d->icv_len > CRYPTO_MAX_ICV || !d->xfrm) {
		/* RFC 4868: key = output, ICV = half of it */
		t_fail(__FILE__, __LINE__, "%s: key, ICV or XFRM name wrong", d->fqn);
	}
}

/* Every implemented row has what each consumer needs, and they take it. */
static void test_implemented_rows_work(void)
{
	const struct alg_desc *d;
	size_t ciphers = 0;

	for (size_t i = 0; (d = alg_at(i)) != NULL; i++) {
		if (!d->implemented || d->id == 0)
			continue;
		switch (d->type) {
		case IKEV2_TRANS_ENCR:
			check_cipher(d);
			ciphers += n_keys(d);
			break;
		case IKEV2_TRANS_PRF:
		case IKEV2_TRANS_INTEG:
			check_hmac(d);
			break;
		case IKEV2_TRANS_DH:
			if (!d->dh_kind || !d->group || !d->public_len || d->public_len > CRYPTO_MAX_DH_PUBLIC ||
			    !d->secret_len)
				t_fail(__FILE__, __LINE__, "%s: DH facts missing", d->fqn);
			break;
		default:
			break;
		}
	}
	CHECK(ciphers <= 16);   /* src/crypto/cipher.c MAX_CIPHERS */
}

/* The kernel gets a name for every implemented ESP combination, with the
 * ICV / truncation of the registry. */
static void test_xfrm_names(void)
{
	const struct alg_desc *e, *i;

	for (size_t a = 0; (e = alg_at(a)) != NULL; a++) {
		if (e->type != IKEV2_TRANS_ENCR || !e->implemented)
			continue;
		for (size_t b = 0; (i = alg_at(b)) != NULL; b++) {
			struct xfrm_alg_names x;
			int rc;

			if (i->type != IKEV2_TRANS_INTEG || !i->implemented)
				continue;
			rc = xfrm_alg_names(e->id, i->id, &x);
			if (e->aead != (i->id == IKEV2_INTEG_NONE)) {
				if (rc != -EINVAL)
					t_fail(__FILE__, __LINE__, "%s with %s accepted", e->fqn, i->fqn);
			} else if (rc != 0 || (e->aead ? !x.aead || x.icv_bits != e->icv_len * 8 :
					     !x.crypt || !x.auth || x.trunc_bits != i->icv_len * 8)) {
				t_fail(__FILE__, __LINE__, "%s with %s: XFRM names wrong", e->fqn, i->fqn);
			}
		}
	}
	CHECK(xfrm_alg_names(IKEV2_ENCR_3DES, IKEV2_INTEG_HMAC_SHA2_256_128, &(struct xfrm_alg_names){ 0 }) == -EINVAL);
}

/* The numbers packets are built with (RFC 3602, 4106, 7634). */
static void test_cipher_sizes(void)
{
	static const struct {
		unsigned id, keybits, want_bits;
		size_t key, salt, iv, icv, block;
		bool aead;
	} rows[] = {
		{ IKEV2_ENCR_AES_CBC, 128, 128, 16, 0, 16, 0, 16, false },
		{ IKEV2_ENCR_AES_CBC, 256, 256, 32, 0, 16, 0, 16, false },
		{ IKEV2_ENCR_AES_CBC, 0, 256, 32, 0, 16, 0, 16, false },   /* Libreswan's first */
		{ IKEV2_ENCR_AES_GCM_16, 128, 128, 16, 4, 8, 16, 1, true },
		{ IKEV2_ENCR_AES_GCM_16, 256, 256, 32, 4, 8, 16, 1, true },
		{ IKEV2_ENCR_CHACHA20_POLY1305, 0, 256, 32, 4, 8, 16, 1, true },
		{ IKEV2_ENCR_CHACHA20_POLY1305, 256, 256, 32, 4, 8, 16, 1, true },
	};
	struct alg_cipher c;
	uint16_t kl[ALG_MAX_KEYS];

	for (size_t i = 0; i < N(rows); i++) {
		if (!alg_cipher_get(rows[i].id, rows[i].keybits, &c) || c.keybits != rows[i].want_bits ||
		    c.key_len != rows[i].key || c.alg->salt_len != rows[i].salt ||
		    c.keymat_len != c.key_len + c.alg->salt_len || c.alg->iv_len != rows[i].iv ||
		    c.alg->icv_len != rows[i].icv || c.alg->block_size != rows[i].block || c.alg->aead != rows[i].aead)
			t_fail(__FILE__, __LINE__, "cipher row %zu wrong", i);
	}
	CHECK(!alg_cipher_get(IKEV2_ENCR_CHACHA20_POLY1305, 128, &c) && c.alg == NULL);
	CHECK(!alg_cipher_get(IKEV2_ENCR_AES_CBC, 192, &c));      /* Libreswan's, not Cygnet's */
	CHECK(!alg_cipher_get(IKEV2_ENCR_AES_CBC, 64, &c));
	CHECK(!alg_cipher_get(IKEV2_ENCR_3DES, 0, &c));
	/* the SA payload proposes the same lengths in the same order */
	CHECK(prop_encr_keylens(&(struct prop_transform){ IKEV2_ENCR_AES_GCM_16, 0 }, kl) == 2 &&
	      kl[0] == 256 && kl[1] == 128);
	CHECK(alg_get(IKEV2_TRANS_PRF, IKEV2_PRF_HMAC_SHA2_384)->out_len == 48);
	CHECK(alg_get(IKEV2_TRANS_INTEG, IKEV2_INTEG_HMAC_SHA2_512_256)->icv_len == 32);
	CHECK(alg_get(IKEV2_TRANS_DH, IKEV2_DH_ECP_521)->public_len == 132);
	CHECK(alg_get(IKEV2_TRANS_DH, IKEV2_DH_MODP4096)->public_len == 512);
	CHECK(alg_get(IKEV2_TRANS_DH, IKEV2_DH_MODP8192) == NULL);
}

/* Libreswan 4.10's words: its "sent IKE_AUTH request {...}", Child SA
 * "xfrm=" and status "algorithm newest" (docs/INTEROP.md, the
 * interop_libreswan IKE algorithm cases). */
static void test_names(void)
{
	struct alg_text t;

	CHECK_STR(alg_encr_text(IKEV2_ENCR_AES_GCM_16, 256, false, &t), "AES_GCM_16_256");
	CHECK_STR(alg_encr_text(IKEV2_ENCR_CHACHA20_POLY1305, 0, false, &t), "CHACHA20_POLY1305_256");
	CHECK_STR(alg_encr_text(IKEV2_ENCR_CHACHA20_POLY1305, 0, true, &t), "CHACHA20_POLY1305");
	CHECK_STR(alg_encr_text(IKEV2_ENCR_AES_CBC, 128, true, &t), "AES_CBC_128");
	CHECK_STR(alg_encr_text(999, 128, true, &t), "?");
	CHECK_STR(alg_ike_text(&(struct alg_suite){ IKEV2_ENCR_AES_GCM_16, 256, 0, IKEV2_PRF_HMAC_SHA2_512,
						   IKEV2_DH_ECP_256 }, &t),
		  "cipher=AES_GCM_16_256 integ=n/a prf=HMAC_SHA2_512 group=DH19");
	CHECK_STR(alg_ike_text(&(struct alg_suite){ IKEV2_ENCR_AES_CBC, 256, IKEV2_INTEG_HMAC_SHA2_256_128,
						   IKEV2_PRF_HMAC_SHA2_256, IKEV2_DH_CURVE25519 }, &t),
		  "cipher=AES_CBC_256 integ=HMAC_SHA2_256_128 prf=HMAC_SHA2_256 group=DH31");
	CHECK_STR(alg_child_text(&(struct alg_suite){ IKEV2_ENCR_AES_GCM_16, 128, 0, 0, 0 }, &t),
		  "AES_GCM_16_128-NONE");
	CHECK_STR(alg_child_text(&(struct alg_suite){ IKEV2_ENCR_AES_CBC, 128, IKEV2_INTEG_HMAC_SHA2_256_128, 0,
						     IKEV2_DH_MODP2048 }, &t),
		  "AES_CBC_128-HMAC_SHA2_256_128-MODP2048");
	CHECK_STR(alg_ike_newest_text(&(struct alg_suite){ IKEV2_ENCR_AES_GCM_16, 256, 0, IKEV2_PRF_HMAC_SHA2_512,
							  IKEV2_DH_MODP2048 }, &t),
		  "AES_GCM_16_256-HMAC_SHA2_512-MODP2048");
	CHECK_STR(alg_ike_newest_text(&(struct alg_suite){ IKEV2_ENCR_AES_CBC, 256, IKEV2_INTEG_HMAC_SHA2_256_128,
							  IKEV2_PRF_HMAC_SHA2_256, IKEV2_DH_ECP_384 }, &t),
		  "AES_CBC_256-HMAC_SHA2_256-DH20");
	/* ike=aes-sha2_512_256-sha2: INTEG not the PRF's own, so shown */
	CHECK_STR(alg_ike_newest_text(&(struct alg_suite){ IKEV2_ENCR_AES_CBC, 128, IKEV2_INTEG_HMAC_SHA2_512_256,
							  IKEV2_PRF_HMAC_SHA2_256, IKEV2_DH_ECP_256 }, &t),
		  "AES_CBC_128-HMAC_SHA2_256-HMAC_SHA2_512_256-DH19");
	CHECK_STR(alg_fqn(IKEV2_TRANS_DH, IKEV2_DH_MODP1024), "MODP1024");
	CHECK_STR(alg_fqn(IKEV2_TRANS_DH, 4242), "?");
}

int main(void)
{
	RUN(test_rows_unique);
	RUN(test_implemented_rows_work);
	RUN(test_xfrm_names);
	RUN(test_cipher_sizes);
	RUN(test_names);
	return t_done();
}
