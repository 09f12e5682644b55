/* Child SA key direction (src/ike/keys.c keys_child_derive) against KEYMAT
 * computed independently in this file: prf+ (RFC 7296 §2.13) written out
 * with OpenSSL's one-shot HMAC(), split per §2.17 as
 *   encr key | integ key  (initiator -> responder)  then
 *   encr key | integ key  (responder -> initiator).
 * The initiator sends with the first pair and receives with the second; the
 * responder the other way round.  Two peers that swap both directions the
 * same way still agree with each other (test_ike_engine passes), so only a
 * known answer catches that. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "harness.h"
#include "ike/sa.h"

static const char SK_D[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
static const char NI[] = "404142434445464748494a4b4c4d4e4f";   /* 16 bytes: Ni and Nr differ in length */
static const char NR[] = "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f";
static const char GIR[] = "f0e0d0c0b0a090807060504030201000ffeeddccbbaa99887766554433221100";

/* prf+ with HMAC-SHA-256 for SK_D and NI | NR (no g^ir), computed with the
 * openssl CLI, one block at a time (T0 empty, S = Ni | Nr):
 *   printf "$T$S$n" | xxd -r -p | openssl dgst -sha256 -mac HMAC -macopt hexkey:$SK_D
 * for n = 01, 02, 03.  Checks this file's own prf+ below. */
static const char KEYMAT_CLI[] =
	"9730b4f154d253824607a4c783994421b555ce0a81ae34857d4514df13906ab0"
	"562aa62d9c680e6cbd0321501c45526623d27cc3c39542172ad2085be3a0fd07"
	"f00bf6bcf89b60cf8123ee28062418db2416dbe24a341acbea61a556ab853fc7";

/* prf+(K, S) = T1 | T2 | ..., T1 = HMAC(K, S | 0x01),
 * Tn = HMAC(K, T(n-1) | S | n): the first `want` bytes into out. */
static void ref_prf_plus(const uint8_t *k, size_t klen, const uint8_t *s, size_t slen,
			 uint8_t *out, size_t want)
{
	uint8_t in[32 + 256 + 1], t[32];
	size_t tlen = 0, done = 0;
	unsigned mdlen;

	for (uint8_t n = 1; done < want; n++) {
		memcpy(in, t, tlen);
		memcpy(in + tlen, s, slen);
		in[tlen + slen] = n;
		if (!HMAC(EVP_sha256(), k, (int)klen, in, tlen + slen + 1, t, &mdlen) || mdlen != 32) {
			t_fail(__FILE__, __LINE__, "HMAC failed");
			return;
		}
		tlen = 32;
		memcpy(out + done, t, want - done < 32 ? want - done : 32);
		done += want - done < 32 ? want - done : 32;
	}
}

static void check_key(const char *what, const struct secret *got, const uint8_t *want, size_t len)
{
	if (len == 0) {
		if (got)
			t_fail(__FILE__, __LINE__, "%s: %zu bytes, want none", what, got->len);
		return;
	}
	if (!got || got->len != len)
		t_fail(__FILE__, __LINE__, "%s: %zu bytes, want %zu", what, got ? got->len : 0, len);
	else if (memcmp(got->data, want, len) != 0)
		t_fail(__FILE__, __LINE__, "%s: wrong key (direction or KEYMAT order)", what);
}

struct row {
	const char *label;
	uint16_t encr, keybits, integ;
	size_t elen, alen;       /* encryption key (with salt), integrity key */
	bool pfs;
};

/* One row, both roles: derive as initiator and as responder, compare the
 * four keys with the slices of the reference KEYMAT. */
static void check_row(const struct row *r)
{
	uint8_t skd[32], ni[16], nr[32], gir[32], seed[32 + 16 + 32], km[2 * (36 + 64)];
	size_t slen = 0, e = r->elen, a = r->alen;
	struct ike_sa *sa = calloc(1, sizeof(*sa));
	struct secret *g = NULL;

	t_unhex(SK_D, skd, sizeof(skd));
	t_unhex(NI, ni, sizeof(ni));
	t_unhex(NR, nr, sizeof(nr));
	t_unhex(GIR, gir, sizeof(gir));
	if (r->pfs) {
		memcpy(seed, gir, sizeof(gir));
		slen = sizeof(gir);
		g = secret_dup(gir, sizeof(gir));
	}
	memcpy(seed + slen, ni, sizeof(ni));
	memcpy(seed + slen + sizeof(ni), nr, sizeof(nr));
	slen += sizeof(ni) + sizeof(nr);
	ref_prf_plus(skd, sizeof(skd), seed, slen, km, 2 * (e + a));
	if (!sa)
		return;
	sa->algs.prf = prf_alg_get(IKEV2_PRF_HMAC_SHA2_256);
	sa->keys.sk_d = secret_dup(skd, sizeof(skd));
	for (int role = 0; role < 2; role++) {
		bool initiator = role == 0;
		struct child_sa c = { .encr = r->encr, .keybits = r->keybits, .integ = r->integ };
		/* initiator -> responder keys come first in KEYMAT */
		const uint8_t *i2r = km, *r2i = km + e + a;
		char what[96];

		if (!keys_child_derive(sa, &c, initiator, g, ni, sizeof(ni), nr, sizeof(nr))) {
			t_fail(__FILE__, __LINE__, "%s: keys_child_derive failed", r->label);
			continue;
		}
		snprintf(what, sizeof(what), "%s %s k_out_e", r->label, initiator ? "initiator" : "responder");
		check_key(what, c.k_out_e, initiator ? i2r : r2i, e);
		snprintf(what, sizeof(what), "%s %s k_out_a", r->label, initiator ? "initiator" : "responder");
		check_key(what, c.k_out_a, (initiator ? i2r : r2i) + e, a);
		snprintf(what, sizeof(what), "%s %s k_in_e", r->label, initiator ? "initiator" : "responder");
		check_key(what, c.k_in_e, initiator ? r2i : i2r, e);
		snprintf(what, sizeof(what), "%s %s k_in_a", r->label, initiator ? "initiator" : "responder");
		check_key(what, c.k_in_a, (initiator ? r2i : i2r) + e, a);
		secret_free(c.k_out_e);
		secret_free(c.k_out_a);
		secret_free(c.k_in_e);
		secret_free(c.k_in_a);
	}
	secret_free(sa->keys.sk_d);
	secret_free(g);
	free(sa);
}

/* This file's prf+ reproduces the openssl CLI's blocks. */
static void test_reference_prf_plus(void)
{
	uint8_t skd[32], seed[16 + 32], want[96], got[96];

	t_unhex(SK_D, skd, sizeof(skd));
	t_unhex(NI, seed, 16);
	t_unhex(NR, seed + 16, 32);
	CHECK_INT(t_unhex(KEYMAT_CLI, want, sizeof(want)), 96);
	ref_prf_plus(skd, sizeof(skd), seed, sizeof(seed), got, sizeof(got));
	CHECK_MEM(got, want, sizeof(want));
}

static void test_child_key_direction(void)
{
	static const struct row rows[] = {
		{ "AES-CBC-128/HMAC-SHA2-256-128", IKEV2_ENCR_AES_CBC, 128, IKEV2_INTEG_HMAC_SHA2_256_128,
		  16, 32, false },
		{ "AES-CBC-256/HMAC-SHA2-256-128 PFS", IKEV2_ENCR_AES_CBC, 256, IKEV2_INTEG_HMAC_SHA2_256_128,
		  32, 32, true },
		{ "AES-GCM-16-256 (key | 4-byte salt)", IKEV2_ENCR_AES_GCM_16, 256, 0, 36, 0, false },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		check_row(&rows[i]);
}

int main(void)
{
	RUN(test_reference_prf_plus);
	RUN(test_child_key_direction);
	return t_done();
}
