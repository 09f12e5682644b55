/* ike= / esp= / ah= proposal parsing (src/config/proposals.c).
 * Expected strings come from Libreswan 4.10's `algparse -v2 [-pfs]` run on the
 * same inputs, minus what Cygnet does not implement (the default IKE DH list
 * loses MODP8192; Libreswan-only algorithms become "not supported by Cygnet"). */
#include "harness.h"

#include <stdio.h>
#include <string.h>

#include "config/proposals.h"

#define DEF_DH "MODP2048+MODP3072+MODP4096+DH19+DH20+DH21+DH31"
#define DEF_PRF "HMAC_SHA2_512+HMAC_SHA2_256"

struct row {
	int line;
	enum prop_kind kind;
	const char *in;
	const char *out;   /* proposals_fmt, or NULL when parsing must fail */
	const char *why;   /* expected reason (substring) on failure */
};

static const struct row rows[] = {
	/* IKE: man page ipsec.conf(5) examples and algparse results */
	{ __LINE__, PROP_IKE, "aes", "AES_CBC-" DEF_PRF "-" DEF_DH, NULL },
	{ __LINE__, PROP_IKE, "aes_gcm", "AES_GCM_16-" DEF_PRF "-" DEF_DH, NULL },
	{ __LINE__, PROP_IKE, "aes_gcm256-sha2", "AES_GCM_16_256-HMAC_SHA2_256-" DEF_DH, NULL },
	{ __LINE__, PROP_IKE, "aes256-sha2;dh19", "AES_CBC_256-HMAC_SHA2_256-DH19", NULL },
	{ __LINE__, PROP_IKE, "aes-sha2-dh19", "AES_CBC-HMAC_SHA2_256-DH19", NULL },
	{ __LINE__, PROP_IKE, "aes;dh19", "AES_CBC-" DEF_PRF "-DH19", NULL },
	{ __LINE__, PROP_IKE, "aes-sha2;dh19+dh20", "AES_CBC-HMAC_SHA2_256-DH19+DH20", NULL },
	{ __LINE__, PROP_IKE, "aes_gcm256-sha2_512+sha2_256-dh19", "AES_GCM_16_256-HMAC_SHA2_512+HMAC_SHA2_256-DH19", NULL },
	{ __LINE__, PROP_IKE, "aes_gcm-null", "AES_GCM_16-" DEF_PRF "-" DEF_DH, NULL },
	{ __LINE__, PROP_IKE, "aes_gcm-null-sha2", "AES_GCM_16-HMAC_SHA2_256-" DEF_DH, NULL },
	{ __LINE__, PROP_IKE, "aes_gcm-null-sha2-dh19", "AES_GCM_16-HMAC_SHA2_256-DH19", NULL },
	{ __LINE__, PROP_IKE, "aes_gcm-null-sha2;dh19", "AES_GCM_16-HMAC_SHA2_256-DH19", NULL },
	{ __LINE__, PROP_IKE, "aes_gcm-sha2_256-dh19", "AES_GCM_16-HMAC_SHA2_256-DH19", NULL },
	{ __LINE__, PROP_IKE, "aes128+aes256-sha2", "AES_CBC_128+AES_CBC_256-HMAC_SHA2_256-" DEF_DH, NULL },
	{ __LINE__, PROP_IKE, "AES-SHA2", "AES_CBC-HMAC_SHA2_256-" DEF_DH, NULL },
	{ __LINE__, PROP_IKE, "aes_gcm_c", "AES_GCM_16-" DEF_PRF "-" DEF_DH, NULL },
	{ __LINE__, PROP_IKE, "aes_gcm128", "AES_GCM_16_128-" DEF_PRF "-" DEF_DH, NULL },
	{ __LINE__, PROP_IKE, "aes_gcm_c256", "AES_GCM_16_256-" DEF_PRF "-" DEF_DH, NULL },
	{ __LINE__, PROP_IKE, "aes_gcm_256", "AES_GCM_16_256-" DEF_PRF "-" DEF_DH, NULL },
	{ __LINE__, PROP_IKE, "aes_256", "AES_CBC_256-" DEF_PRF "-" DEF_DH, NULL },
	{ __LINE__, PROP_IKE, "chacha20_poly1305", "CHACHA20_POLY1305-" DEF_PRF "-" DEF_DH, NULL },
	{ __LINE__, PROP_IKE, "chacha20poly1305-sha512;dh31", "CHACHA20_POLY1305-HMAC_SHA2_512-DH31", NULL },
	{ __LINE__, PROP_IKE, "aes-sha2;modp2048", "AES_CBC-HMAC_SHA2_256-MODP2048", NULL },
	{ __LINE__, PROP_IKE, "aes-sha2;ecp256", "AES_CBC-HMAC_SHA2_256-DH19", NULL },
	{ __LINE__, PROP_IKE, "aes-sha2;ecp_384", "AES_CBC-HMAC_SHA2_256-DH20", NULL },
	{ __LINE__, PROP_IKE, "aes-sha2;ecp521", "AES_CBC-HMAC_SHA2_256-DH21", NULL },
	{ __LINE__, PROP_IKE, "aes-sha2;curve25519", "AES_CBC-HMAC_SHA2_256-DH31", NULL },
	{ __LINE__, PROP_IKE, "aes-sha2;dh15+dh16", "AES_CBC-HMAC_SHA2_256-MODP3072+MODP4096", NULL },
	{ __LINE__, PROP_IKE, "aes-sha2;dh14+dh14", "AES_CBC-HMAC_SHA2_256-MODP2048", NULL },
	{ __LINE__, PROP_IKE, "aes+aes-sha2;dh19", "AES_CBC-HMAC_SHA2_256-DH19", NULL },
	{ __LINE__, PROP_IKE, "aes-sha384", "AES_CBC-HMAC_SHA2_384-" DEF_DH, NULL },
	{ __LINE__, PROP_IKE, "aes-sha2_512_256", "AES_CBC-HMAC_SHA2_512_256-" DEF_PRF "-" DEF_DH, NULL },
	{ __LINE__, PROP_IKE, "aes-sha2;dh19,aes_gcm", "AES_CBC-HMAC_SHA2_256-DH19, AES_GCM_16-" DEF_PRF "-" DEF_DH, NULL },
	{ __LINE__, PROP_IKE, "aes-sha2;dh32", "AES_CBC-HMAC_SHA2_256-DH32", NULL },  /* Cygnet extension */
	{ __LINE__, PROP_IKE, "aes_gcm+chacha20_poly1305;dh14+dh19",
	  "AES_GCM_16+CHACHA20_POLY1305-" DEF_PRF "-MODP2048+DH19", NULL },
	/* IKE errors, wording as Libreswan's where it has one */
	{ __LINE__, PROP_IKE, "", NULL, "IKE proposal is empty" },
	{ __LINE__, PROP_IKE, "foo", NULL, "IKE encryption algorithm 'foo' is not recognized" },
	{ __LINE__, PROP_IKE, "aes-foo", NULL, "IKE PRF algorithm 'foo' is not recognized" },
	{ __LINE__, PROP_IKE, "aes-sha2-foo", NULL, "IKE DH algorithm 'foo' is not recognized" },
	{ __LINE__, PROP_IKE, "aes,", NULL, "IKE encryption algorithm is empty" },
	{ __LINE__, PROP_IKE, ",aes", NULL, "IKE encryption algorithm is empty" },
	{ __LINE__, PROP_IKE, "aes-", NULL, "IKE PRF algorithm is empty" },
	{ __LINE__, PROP_IKE, "aes--sha2", NULL, "IKE PRF algorithm is empty" },
	{ __LINE__, PROP_IKE, "aes+", NULL, "IKE encryption algorithm is empty" },
	{ __LINE__, PROP_IKE, "aes-sha2;", NULL, "IKE DH algorithm is empty" },
	{ __LINE__, PROP_IKE, "aes-sha2-dh19-dh20", NULL, "IKE proposal contains unexpected 'dh20'" },
	{ __LINE__, PROP_IKE, "aes-sha2-dh19;dh20", NULL, "IKE proposal contains unexpected 'dh20'" },
	{ __LINE__, PROP_IKE, "aes;dh19;dh20", NULL, "IKE proposal contains unexpected 'dh20'" },
	{ __LINE__, PROP_IKE, "aes_gcm256-sha2_512+sha2_256-dh19;modp2048,aes128-sha1", NULL,
	  "IKE proposal contains unexpected 'modp2048'" },
	{ __LINE__, PROP_IKE, "aes-sha2_256-sha2_512-dh19", NULL, "IKE DH algorithm 'sha2_512' is not recognized" },
	{ __LINE__, PROP_IKE, "aes+aes_gcm", NULL, "AEAD and non-AEAD IKE encryption algorithm cannot be combined" },
	{ __LINE__, PROP_IKE, "aes-null", NULL, "non-AEAD IKE encryption algorithm AES_CBC cannot have 'NONE' as the integrity algorithm" },
	{ __LINE__, PROP_IKE, "aes_gcm-sha2+null", NULL, NULL },
	{ __LINE__, PROP_IKE, "aes-sha2;dh0", NULL, "IKE DH algorithm 'none' not permitted" },
	{ __LINE__, PROP_IKE, "aes-sha2;none", NULL, "IKE DH algorithm 'none' not permitted" },
	{ __LINE__, PROP_IKE, "aes_gcm16", NULL, "key length 16 invalid" },
	{ __LINE__, PROP_IKE, "aes512", NULL, "key length 512 invalid" },
	{ __LINE__, PROP_IKE, "chacha20_poly1305_256", NULL, "IKE encryption algorithm CHACHA20_POLY1305 does not allow a key length" },
	{ __LINE__, PROP_IKE, "aes0", NULL, "IKE encryption key length is zero" },
	{ __LINE__, PROP_IKE, "aes_0128", "AES_CBC_128-" DEF_PRF "-" DEF_DH, NULL },
	{ __LINE__, PROP_IKE, "aes_gcm_16_256", "AES_GCM_16_256-" DEF_PRF "-" DEF_DH, NULL },
	{ __LINE__, PROP_IKE, "aes-hmac_sha2_256", "AES_CBC-HMAC_SHA2_256-" DEF_DH, NULL },
	{ __LINE__, PROP_IKE, "128", NULL, "IKE encryption algorithm '128' is not recognized" },
	{ __LINE__, PROP_IKE, "aes_", NULL, "IKE encryption algorithm 'aes_' is not recognized" },
	{ __LINE__, PROP_IKE, "sha2", NULL, "IKE encryption algorithm 'sha2' is not recognized" },
	{ __LINE__, PROP_IKE, " aes", NULL, "IKE encryption algorithm ' aes' is not recognized" },
	{ __LINE__, PROP_IKE, "aes-sha2;x25519", NULL, "IKE DH algorithm 'x25519' is not recognized" },
	/* known to Libreswan, not implemented by Cygnet */
	{ __LINE__, PROP_IKE, "3des-sha1", NULL, "algorithm '3des' is not supported by Cygnet" },
	{ __LINE__, PROP_IKE, "aes-sha1", NULL, "algorithm 'sha1' is not supported by Cygnet" },
	{ __LINE__, PROP_IKE, "aes-md5", NULL, "algorithm 'md5' is not supported by Cygnet" },
	{ __LINE__, PROP_IKE, "aes-sha", NULL, "algorithm 'sha' is not supported by Cygnet" },
	{ __LINE__, PROP_IKE, "aes_ctr", NULL, "algorithm 'aes_ctr' is not supported by Cygnet" },
	{ __LINE__, PROP_IKE, "aes_ccm", NULL, "algorithm 'aes_ccm' is not supported by Cygnet" },
	{ __LINE__, PROP_IKE, "camellia", NULL, "algorithm 'camellia' is not supported by Cygnet" },
	{ __LINE__, PROP_IKE, "aes_gcm_a", NULL, "algorithm 'aes_gcm_a' is not supported by Cygnet" },
	{ __LINE__, PROP_IKE, "aes192", NULL, "algorithm 'aes192' is not supported by Cygnet" },
	{ __LINE__, PROP_IKE, "aes-sha2;modp1024", NULL, "algorithm 'modp1024' is not supported by Cygnet" },
	{ __LINE__, PROP_IKE, "aes-sha2;modp1536", NULL, "algorithm 'modp1536' is not supported by Cygnet" },
	{ __LINE__, PROP_IKE, "aes-sha2;dh18", NULL, "algorithm 'dh18' is not supported by Cygnet" },
	{ __LINE__, PROP_IKE, "aes-sha2;dh22", NULL, "algorithm 'dh22' is not supported by Cygnet" },
	{ __LINE__, PROP_IKE, "aes-aes_xcbc", NULL, "algorithm 'aes_xcbc' is not supported by Cygnet" },
	{ __LINE__, PROP_IKE, "aes_gcm+chacha20_poly1305;dh14+dh19,aes+3des-sha2+sha1;dh14", NULL,
	  "algorithm '3des' is not supported by Cygnet" },

	/* ESP */
	{ __LINE__, PROP_ESP, "aes", "AES_CBC-HMAC_SHA2_512_256+HMAC_SHA2_256_128", NULL },
	{ __LINE__, PROP_ESP, "aes256", "AES_CBC_256-HMAC_SHA2_512_256+HMAC_SHA2_256_128", NULL },
	{ __LINE__, PROP_ESP, "aes_gcm", "AES_GCM_16-NONE", NULL },
	{ __LINE__, PROP_ESP, "aes_gcm-null", "AES_GCM_16-NONE", NULL },
	{ __LINE__, PROP_ESP, "aes-sha2-dh19", "AES_CBC-HMAC_SHA2_256_128-DH19", NULL },
	{ __LINE__, PROP_ESP, "aes-sha2;dh19", "AES_CBC-HMAC_SHA2_256_128-DH19", NULL },
	{ __LINE__, PROP_ESP, "aes-sha2;dh14", "AES_CBC-HMAC_SHA2_256_128-MODP2048", NULL },
	{ __LINE__, PROP_ESP, "aes_gcm;dh19", "AES_GCM_16-NONE-DH19", NULL },
	{ __LINE__, PROP_ESP, "aes_gcm-null;dh19", "AES_GCM_16-NONE-DH19", NULL },
	{ __LINE__, PROP_ESP, "aes_gcm256-null-dh19", "AES_GCM_16_256-NONE-DH19", NULL },
	{ __LINE__, PROP_ESP, "aes-sha2_256_128", "AES_CBC-HMAC_SHA2_256_128", NULL },
	{ __LINE__, PROP_ESP, "aes-sha2_512", "AES_CBC-HMAC_SHA2_512_256", NULL },
	{ __LINE__, PROP_ESP, "aes-sha512", "AES_CBC-HMAC_SHA2_512_256", NULL },
	{ __LINE__, PROP_ESP, "aes-sha2_384", "AES_CBC-HMAC_SHA2_384_192", NULL },
	{ __LINE__, PROP_ESP, "aes-sha2;none", "AES_CBC-HMAC_SHA2_256_128-NONE", NULL },
	{ __LINE__, PROP_ESP, "aes-sha2;dh0", "AES_CBC-HMAC_SHA2_256_128-NONE", NULL },
	{ __LINE__, PROP_ESP, "chacha20_poly1305", "CHACHA20_POLY1305-NONE", NULL },
	{ __LINE__, PROP_ESP, "aes_gcm+chacha20_poly1305", "AES_GCM_16+CHACHA20_POLY1305-NONE", NULL },
	{ __LINE__, PROP_ESP, "aes_gcm256,aes128-sha2", "AES_GCM_16_256-NONE, AES_CBC_128-HMAC_SHA2_256_128", NULL },
	{ __LINE__, PROP_ESP, "aes_gcm-sha2", NULL, "AEAD ESP encryption algorithm AES_GCM_16 must have 'NONE' as the integrity algorithm" },
	{ __LINE__, PROP_ESP, "aes-null", NULL, "non-AEAD ESP encryption algorithm AES_CBC cannot have 'NONE' as the integrity algorithm" },
	{ __LINE__, PROP_ESP, "aes-none", NULL, "cannot have 'NONE'" },
	{ __LINE__, PROP_ESP, "aes-sha2-sha2", NULL, "ESP DH algorithm 'sha2' is not recognized" },
	{ __LINE__, PROP_ESP, "aes-sha2-dh19-dh20", NULL, "ESP proposal contains unexpected 'dh20'" },
	{ __LINE__, PROP_ESP, "", NULL, "ESP proposal is empty" },
	{ __LINE__, PROP_ESP, "aes-sha1", NULL, "algorithm 'sha1' is not supported by Cygnet" },
	{ __LINE__, PROP_ESP, "aes-sha2+sha1", NULL, "algorithm 'sha1' is not supported by Cygnet" },
	{ __LINE__, PROP_ESP, "null-sha2", NULL, "algorithm 'null' is not supported by Cygnet" },
	{ __LINE__, PROP_ESP, "aes_ctr", NULL, "algorithm 'aes_ctr' is not supported by Cygnet" },
	{ __LINE__, PROP_ESP, "aes-aes_xcbc", NULL, "algorithm 'aes_xcbc' is not supported by Cygnet" },

	/* AH */
	{ __LINE__, PROP_AH, "sha2", "HMAC_SHA2_256_128", NULL },
	{ __LINE__, PROP_AH, "sha2_512;dh19", "HMAC_SHA2_512_256-DH19", NULL },
	{ __LINE__, PROP_AH, "sha2-dh19", "HMAC_SHA2_256_128-DH19", NULL },
	{ __LINE__, PROP_AH, "sha2_512+sha2_256", "HMAC_SHA2_512_256+HMAC_SHA2_256_128", NULL },
	{ __LINE__, PROP_AH, "aes", NULL, "AH integrity algorithm 'aes' is not recognized" },
	{ __LINE__, PROP_AH, "null", NULL, "AH cannot have 'none' as the integrity algorithm" },
	{ __LINE__, PROP_AH, "sha2-sha2", NULL, "AH DH algorithm 'sha2' is not recognized" },
	{ __LINE__, PROP_AH, "sha1", NULL, "algorithm 'sha1' is not supported by Cygnet" },
	{ __LINE__, PROP_AH, "md5", NULL, "algorithm 'md5' is not supported by Cygnet" },
};

static void test_proposal_table(void)
{
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const struct row *r = &rows[i];
		struct proposal_list l;
		const char *why = NULL;
		char buf[1024];
		bool ok = proposals_parse(r->kind, r->in, &l, &why);
		if (ok != (r->out != NULL)) {
			t_fail(__FILE__, r->line, "'%s': ok=%d why=%s", r->in, ok, why ? why : "-");
			continue;
		}
		if (ok) {
			proposals_fmt(r->kind, &l, buf, sizeof buf);
			if (strcmp(buf, r->out) != 0)
				t_fail(__FILE__, r->line, "'%s' -> '%s', want '%s'", r->in, buf, r->out);
		} else if (why == NULL) {
			t_fail(__FILE__, r->line, "'%s': no reason", r->in);
		} else if (r->why && strstr(why, r->why) == NULL) {
			t_fail(__FILE__, r->line, "'%s': why '%s', want '%s'", r->in, why, r->why);
		}
	}
}

/* Libreswan 4.10 `algparse -v2 ike|esp|ah` without MODP8192 / HMAC_SHA1_96. */
static void test_defaults(void)
{
	struct proposal_list l;
	char buf[1024];

	proposals_default(PROP_IKE, &l);
	proposals_fmt(PROP_IKE, &l, buf, sizeof buf);
	CHECK_STR(buf, "AES_GCM_16_256-" DEF_PRF "-" DEF_DH ", AES_GCM_16_128-" DEF_PRF "-" DEF_DH
		  ", AES_CBC_256-" DEF_PRF "-" DEF_DH ", AES_CBC_128-" DEF_PRF "-" DEF_DH);
	CHECK_INT(l.n, 4);
	CHECK_INT(l.p[0].n_integ, 0);                 /* AEAD: no INTEG */
	CHECK_INT(l.p[2].n_integ, 2);
	CHECK_INT(l.p[2].integ[0].id, IKEV2_INTEG_HMAC_SHA2_512_256);
	CHECK_INT(l.p[2].integ[1].id, IKEV2_INTEG_HMAC_SHA2_256_128);

	proposals_default(PROP_ESP, &l);
	proposals_fmt(PROP_ESP, &l, buf, sizeof buf);
	CHECK_STR(buf, "AES_GCM_16_256-NONE, AES_GCM_16_128-NONE, "
		  "AES_CBC_256-HMAC_SHA2_512_256+HMAC_SHA2_256_128, AES_CBC_128-HMAC_SHA2_512_256+HMAC_SHA2_256_128");
	CHECK_INT(l.p[0].n_dh, 0);

	proposals_default(PROP_AH, &l);
	proposals_fmt(PROP_AH, &l, buf, sizeof buf);
	CHECK_STR(buf, "HMAC_SHA2_512_256, HMAC_SHA2_256_128");
}

/* The typed output, not only its text form. */
static void test_ids(void)
{
	struct proposal_list l;
	const char *why;
	CHECK(proposals_parse(PROP_IKE, "aes_gcm256-sha2_512+sha2_256-dh19", &l, &why));
	CHECK_INT(l.n, 1);
	CHECK_INT(l.p[0].n_encr, 1);
	CHECK_INT(l.p[0].encr[0].id, IKEV2_ENCR_AES_GCM_16);
	CHECK_INT(l.p[0].encr[0].keybits, 256);
	CHECK_INT(l.p[0].n_prf, 2);
	CHECK_INT(l.p[0].prf[0].id, IKEV2_PRF_HMAC_SHA2_512);
	CHECK_INT(l.p[0].prf[1].id, IKEV2_PRF_HMAC_SHA2_256);
	CHECK_INT(l.p[0].n_integ, 0);
	CHECK_INT(l.p[0].n_dh, 1);
	CHECK_INT(l.p[0].dh[0].id, IKEV2_DH_ECP_256);

	CHECK(proposals_parse(PROP_IKE, "aes-sha2;dh31", &l, &why));
	CHECK_INT(l.p[0].encr[0].id, IKEV2_ENCR_AES_CBC);
	CHECK_INT(l.p[0].encr[0].keybits, 0);
	CHECK_INT(l.p[0].n_integ, 1);
	CHECK_INT(l.p[0].integ[0].id, IKEV2_INTEG_HMAC_SHA2_256_128);
	CHECK_INT(l.p[0].dh[0].id, IKEV2_DH_CURVE25519);

	uint16_t kl[ALG_MAX_KEYS];
	CHECK_INT(prop_encr_keylens(&l.p[0].encr[0], kl), 2);
	CHECK_INT(kl[0], 256);
	CHECK_INT(kl[1], 128);
	struct prop_transform cc = { IKEV2_ENCR_CHACHA20_POLY1305, 0 };
	CHECK_INT(prop_encr_keylens(&cc, kl), 1);
	CHECK_INT(kl[0], 256);
	CHECK(!prop_encr_has_keylen_attr(IKEV2_ENCR_CHACHA20_POLY1305));
	CHECK(prop_encr_has_keylen_attr(IKEV2_ENCR_AES_GCM_16));
	CHECK(prop_encr_is_aead(IKEV2_ENCR_AES_GCM_16));
	CHECK(!prop_encr_is_aead(IKEV2_ENCR_AES_CBC));
	CHECK_INT(prop_integ_for_prf(IKEV2_PRF_HMAC_SHA2_384), IKEV2_INTEG_HMAC_SHA2_384_192);
	CHECK_INT(prop_integ_for_prf(IKEV2_PRF_HMAC_SHA1), IKEV2_INTEG_NONE);   /* not implemented */

	CHECK(proposals_parse(PROP_ESP, "aes-sha2;none", &l, &why));
	CHECK_INT(l.p[0].n_dh, 1);
	CHECK_INT(l.p[0].dh[0].id, IKEV2_DH_NONE);
}

static void test_limits(void)
{
	char big[4096];
	struct proposal_list l;
	const char *why = NULL;
	size_t n = 0;

	/* PROP_MAX proposals are fine, one more is not */
	for (int i = 0; i < PROP_MAX; i++)
		n += (size_t)snprintf(big + n, sizeof big - n, "%saes", i ? "," : "");
	CHECK(proposals_parse(PROP_ESP, big, &l, &why));
	CHECK_INT(l.n, PROP_MAX);
	snprintf(big + n, sizeof big - n, ",aes");
	CHECK(!proposals_parse(PROP_ESP, big, &l, &why));
	CHECK(why && strstr(why, "too many"));
	CHECK_INT(l.n, 0);

	/* the formatter truncates safely and reports the full length */
	CHECK(proposals_parse(PROP_IKE, "aes", &l, &why));
	char small[8];
	size_t need = proposals_fmt(PROP_IKE, &l, small, sizeof small);
	CHECK_INT(strlen(small), sizeof small - 1);
	CHECK_INT(need, strlen("AES_CBC-" DEF_PRF "-" DEF_DH));
}

int main(void)
{
	RUN(test_proposal_table);
	RUN(test_defaults);
	RUN(test_ids);
	RUN(test_limits);
	return t_done();
}
