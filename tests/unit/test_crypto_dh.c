/* Diffie-Hellman groups and peer public value checks (src/crypto/dh.c). */
#include "harness.h"

#include "crypto/crypto.h"

#include <stdio.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* RFC 5903 §8.1-8.3 (ECP 256/384/521) and RFC 7748 §6.1/§6.2 (X25519/X448):
 * i and r private values, g^i and g^r public values (ECP: x | y, the IKE KE
 * format), and g^ir (ECP: the x coordinate, RFC 5903 §9). */
static const struct {
	const char *label;
	unsigned group;
	const char *i, *gi, *r, *gr, *gir;
} kat[] = {
	{ "RFC 5903 8.1 ECP-256", IKEV2_DH_ECP_256,
	  "c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433",
	  "dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180"
	  "5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3",
	  "c6ef9c5d78ae012a011164acb397ce2088685d8f06bf9be0b283ab46476bee53",
	  "d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63"
	  "56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab",
	  "d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de" },
	{ "RFC 5903 8.2 ECP-384", IKEV2_DH_ECP_384,
	  "099f3c7034d4a2c699884d73a375a67f7624ef7c6b3c0f160647b67414dce655e35b538041e649ee3faef896783ab194",
	  "667842d7d180ac2cde6f74f37551f55755c7645c20ef73e31634fe72b4c55ee6de3ac808acb4bdb4c88732aee95f41aa"
	  "9482ed1fc0eeb9cafc4984625ccfc23f65032149e0e144ada024181535a0f38eeb9fcff3c2c947dae69b4c634573a81c",
	  "41cb0779b4bdb85d47846725fbec3c9430fab46cc8dc5060855cc9bda0aa2942e0308312916b8ed2960e4bd55a7448fc",
	  "e558dbef53eecde3d3fccfc1aea08a89a987475d12fd950d83cfa41732bc509d0d1ac43a0336def96fda41d0774a3571"
	  "dcfbec7aacf3196472169e838430367f66eebe3c6e70c416dd5f0c68759dd1fff83fa40142209dff5eaad96db9e6386c",
	  "11187331c279962d93d604243fd592cb9d0a926f422e47187521287e7156c5c4d603135569b9e9d09cf5d4a270f59746" },
	{ "RFC 5903 8.3 ECP-521", IKEV2_DH_ECP_521,
	  "0037ade9319a89f4dabdb3ef411aaccca5123c61acab57b5393dce47608172a095aa85a30fe1c2952c6771d937ba9777"
	  "f5957b2639bab072462f68c27a57382d4a52",
	  "0015417e84dbf28c0ad3c278713349dc7df153c897a1891bd98bab4357c9ecbee1e3bf42e00b8e380aeae57c2d107564"
	  "941885942af5a7f4601723c4195d176ced3e"
	  "017cae20b6641d2eeb695786d8c946146239d099e18e1d5a514c739d7cb4a10ad8a788015ac405d7799dc75e7b7d5b6c"
	  "f2261a6a7f1507438bf01beb6ca3926f9582",
	  "0145ba99a847af43793fdd0e872e7cdfa16be30fdc780f97bccc3f078380201e9c677d600b343757a3bdbf2a3163e4c2"
	  "f869cca7458aa4a4effc311f5cb151685eb9",
	  "00d0b3975ac4b799f5bea16d5e13e9af971d5e9b984c9f39728b5e5739735a219b97c356436adc6e95bb0352f6be64a6"
	  "c2912d4ef2d0433ced2b6171640012d9460f"
	  "015c68226383956e3bd066e797b623c27ce0eac2f551a10c2c724d9852077b87220b6536c5c408a1d2aebb8e86d678ae"
	  "49cb57091f4732296579ab44fcd17f0fc56a",
	  "01144c7d79ae6956bc8edb8e7c787c4521cb086fa64407f97894e5e6b2d79b04d1427e73ca4baa240a34786859810c06"
	  "b3c715a3a8cc3151f2bee417996d19f3ddea" },
	{ "RFC 7748 6.1 X25519", IKEV2_DH_CURVE25519,
	  "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
	  "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
	  "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
	  "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
	  "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742" },
	{ "RFC 7748 6.2 X448", IKEV2_DH_CURVE448,
	  "9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28dd9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b",
	  "9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c22c5d9bbc836647241d953d40c5b12da88120d53177f80e532c41fa0",
	  "1c306a7ac2a0e2e0990b294470cba339e6453772b075811d8fad0d1d6927c120bb5ee8972b0d3e21374c9c921b09d1b0366f10b65173992d",
	  "3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b43027d8b972fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609",
	  "07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282bb60c0b56fd2464c335543936521c24403085d59a449a5037514a879d" },
};

static void test_dh_kat(void)
{
	for (size_t k = 0; k < N(kat); k++) {
		const struct alg_desc *alg = dh_alg_get(kat[k].group);
		uint8_t i[80], r[80], gi[140], gr[140], gir[80];
		size_t il = t_unhex(kat[k].i, i, sizeof(i)), rl = t_unhex(kat[k].r, r, sizeof(r));
		size_t gil = t_unhex(kat[k].gi, gi, sizeof(gi)), grl = t_unhex(kat[k].gr, gr, sizeof(gr));
		size_t girl = t_unhex(kat[k].gir, gir, sizeof(gir));
		struct dh *a = dh_new_from_private(alg, i, il), *b = dh_new_from_private(alg, r, rl);
		const uint8_t *pub;
		size_t publen = 0;
		const char *why = NULL;
		struct secret *s1, *s2;

		if (!a || !b) {
			t_fail(__FILE__, __LINE__, "%s: import failed", kat[k].label);
			dh_free(a);
			dh_free(b);
			continue;
		}
		pub = dh_public(a, &publen);
		if (publen != gil || memcmp(pub, gi, gil))
			t_fail(__FILE__, __LINE__, "%s: g^i wrong", kat[k].label);
		pub = dh_public(b, &publen);
		if (publen != grl || memcmp(pub, gr, grl))
			t_fail(__FILE__, __LINE__, "%s: g^r wrong", kat[k].label);
		s1 = dh_derive(a, gr, grl, &why);
		s2 = dh_derive(b, gi, gil, &why);
		if (!s1 || s1->len != girl || memcmp(s1->data, gir, girl))
			t_fail(__FILE__, __LINE__, "%s: g^ir (initiator) wrong", kat[k].label);
		if (!s2 || s2->len != girl || memcmp(s2->data, gir, girl))
			t_fail(__FILE__, __LINE__, "%s: g^ir (responder) wrong", kat[k].label);
		secret_free(s1);
		secret_free(s2);
		dh_free(a);
		dh_free(b);
	}
}

/* Every group the registry implements: two fresh parties agree, and their
 * public values have the exact wire length.  MODP has no short published
 * vector for IKE, so this is agreement plus the range checks below. */
static void test_dh_agree_all(void)
{
	unsigned groups[32];
	size_t n = 0;
	const struct alg_desc *d;

	for (size_t i = 0; (d = alg_at(i)) != NULL && n < N(groups); i++)
		if (d->type == IKEV2_TRANS_DH && d->implemented && d->id != IKEV2_DH_NONE)
			groups[n++] = d->id;
	CHECK_INT(n, 8);   /* 14, 15, 16, 19, 20, 21, 31, 32 */
	for (size_t g = 0; g < n; g++) {
		const struct alg_desc *alg = dh_alg_get(groups[g]);
		struct dh *a = dh_new(alg), *b = dh_new(alg);
		const uint8_t *pa, *pb;
		size_t la = 0, lb = 0;
		const char *why = NULL;
		struct secret *s1 = NULL, *s2 = NULL;

		if (!alg || !a || !b) {
			t_fail(__FILE__, __LINE__, "group %u: keygen failed", groups[g]);
			goto next;
		}
		pa = dh_public(a, &la);
		pb = dh_public(b, &lb);
		CHECK_INT(la, alg->public_len);
		CHECK_INT(lb, alg->public_len);
		s1 = dh_derive(a, pb, lb, &why);
		s2 = dh_derive(b, pa, la, &why);
		if (!s1 || !s2 || !secret_eq(s1, s2) || s1->len != alg->secret_len)
			t_fail(__FILE__, __LINE__, "group %u: no agreement (%s)", groups[g], why ? why : "");
next:
		secret_free(s1);
		secret_free(s2);
		dh_free(a);
		dh_free(b);
	}
}

/* MODP 2048 (RFC 3526 §3) prime p, for building the edge values p-1, p. */
static const char modp2048_p[] =
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
	"EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
	"83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
	"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
	"15728E5A8AACAA68FFFFFFFFFFFFFFFF";

static void test_dh_bad_public(void)
{
	const struct alg_desc *modp = dh_alg_get(IKEV2_DH_MODP2048);
	const struct alg_desc *p256 = dh_alg_get(IKEV2_DH_ECP_256);
	const struct alg_desc *x25519 = dh_alg_get(IKEV2_DH_CURVE25519);
	static uint8_t v[600];
	uint8_t p[256], pt[64], gi[64];
	struct dh *d = dh_new(modp), *e = dh_new(p256), *x = dh_new(x25519);
	const char *why;
	t_unhex(modp2048_p, p, sizeof(p));
	CHECK(d && e && x);
	if (!d || !e || !x)
		goto out;

	struct { const char *label; struct dh *dh; size_t len; int kind; const char *reason; } cases[] = {
		{ "modp y=0", d, 256, 0, "out of range" },
		{ "modp y=1", d, 256, 1, "out of range" },
		{ "modp y=p-1", d, 256, 2, "out of range" },
		{ "modp y=p", d, 256, 3, "out of range" },
		{ "modp y=2^2048-1", d, 256, 4, "out of range" },
		{ "modp short", d, 255, 5, "wrong length" },
		{ "modp long", d, 257, 5, "wrong length" },
		{ "modp empty", d, 0, 5, "wrong length" },
		{ "ecp not on curve", e, 64, 6, "not a point" },
		{ "ecp (0,0)", e, 64, 0, "not a point" },
		{ "ecp x=p", e, 64, 7, "not a point" },
		{ "ecp short", e, 63, 5, "wrong length" },
		{ "ecp 65 with prefix", e, 65, 8, "wrong length" },
		{ "x25519 all-zero point", x, 32, 0, "" },
		{ "x25519 small-order point u=1", x, 32, 1, "" },
		{ "x25519 short", x, 31, 5, "wrong length" },
	};
	t_unhex(kat[0].gi, gi, sizeof(gi));
	for (size_t i = 0; i < N(cases); i++) {
		struct secret *s;

		memset(v, 0, sizeof(v));
		switch (cases[i].kind) {
		case 1: v[cases[i].len - 1] = 1; break;            /* big-endian 1 */
		case 2: memcpy(v, p, 256); v[255] -= 1; break;
		case 3: memcpy(v, p, 256); break;
		case 4: memset(v, 0xff, 256); break;
		case 5: memset(v, 0x42, cases[i].len); v[0] = 0x01; break;
		case 6: memcpy(pt, gi, 64); pt[63] ^= 1; memcpy(v, pt, 64); break;
		case 7: t_unhex("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff", v, 32);
			memcpy(v + 32, gi + 32, 32); break;
		case 8: v[0] = 4; memcpy(v + 1, gi, 64); break;
		}
		if (cases[i].kind == 1 && cases[i].dh == x) {
			memset(v, 0, 32);
			v[0] = 1;   /* u = 1 (little-endian): small order, shared secret all zero */
		}
		why = NULL;
		s = dh_derive(cases[i].dh, v, cases[i].len, &why);
		if (s || !why || !strstr(why, cases[i].reason))
			t_fail(__FILE__, __LINE__, "%s: accepted or wrong reason (%s)", cases[i].label,
			       why ? why : "none");
		secret_free(s);
	}
	/* the pure check agrees with dh_derive and accepts a good value */
	CHECK(dh_check_public(p256, gi, 64, &why) && why == NULL);
	CHECK(!dh_check_public(NULL, gi, 64, &why) && why != NULL);
	{
		uint8_t two[256] = { 0 };

		two[255] = 2;
		CHECK(dh_check_public(modp, two, 256, &why));
	}
out:
	dh_free(d);
	dh_free(e);
	dh_free(x);
}

int main(void)
{
	RUN(test_dh_kat);
	RUN(test_dh_agree_all);
	RUN(test_dh_bad_public);
	return t_done();
}
