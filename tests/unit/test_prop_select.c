/* Proposal selection against what a peer may propose (src/ike/proposal_select.c):
 * only transforms the registry implements, at a key length both sides
 * allow, reach the chosen suite; the chosen suite is one the IKE crypto,
 * userspace ESP and XFRM all accept. */
#include <string.h>

#include "alg/alg.h"
#include "config/proposals.h"
#include "crypto/crypto.h"
#include "dataplane/esp_crypto.h"
#include "dataplane/xfrm_msg.h"
#include "harness.h"
#include "ike/sa.h"

static void tr(struct ike_proposal *p, uint8_t type, uint16_t id, uint16_t keylen)
{
	p->trans[p->n_trans++] = (struct ike_transform){ .type = type, .id = id, .key_len = keylen };
}

/* One peer ESP proposal: ENCR (id, keylen), INTEG integ (or none when
 * integ < 0), ESN none. */
static void esp_prop(struct ike_sa_payload *sa, uint16_t encr, uint16_t keylen, int integ)
{
	struct ike_proposal *p;

	memset(sa, 0, sizeof(*sa));
	sa->n_prop = 1;
	p = &sa->prop[0];
	p->num = 1;
	p->proto = IKEV2_PROTO_ESP;
	p->spi_size = 4;
	put_be32(p->spi, 0x12345678);
	tr(p, IKEV2_TRANS_ENCR, encr, keylen);
	if (integ >= 0)
		tr(p, IKEV2_TRANS_INTEG, (uint16_t)integ, 0);
	tr(p, IKEV2_TRANS_ESN, IKEV2_ESN_NO, 0);
}

static bool esp_choose(const char *ours, const struct ike_sa_payload *peer, struct chosen *c)
{
	struct proposal_list pl;
	const char *why = NULL;

	if (!CHECK(proposals_parse(PROP_ESP, ours, &pl, &why)))
		return false;
	return prop_select(peer, &pl, PROP_ESP, false, IKE_ESN_EITHER, c);
}

/* Whatever is chosen must install in both dataplanes and derive keys. */
static void check_installable(const struct chosen *c)
{
	struct alg_cipher ci;
	struct xfrm_alg_names an;
	size_t el, il;

	CHECK(alg_cipher_get(c->encr, c->keybits, &ci));
	CHECK(espc_key_lengths(c->encr, c->keybits, c->integ, &el, &il));
	CHECK(el == ci.keymat_len);
	CHECK(xfrm_alg_names(c->encr, c->integ, &an) == 0);
}

static void test_key_lengths(void)
{
	struct ike_sa_payload peer;
	struct chosen c;

	/* AES without a Key Length attribute (RFC 7296 §3.3.5: required) */
	esp_prop(&peer, IKEV2_ENCR_AES_CBC, 0, IKEV2_INTEG_HMAC_SHA2_256_128);
	CHECK(!esp_choose("aes-sha2", &peer, &c));
	esp_prop(&peer, IKEV2_ENCR_AES_GCM_16, 0, -1);
	CHECK(!esp_choose("aes_gcm", &peer, &c));
	/* AES-192: Libreswan has it, Cygnet does not */
	esp_prop(&peer, IKEV2_ENCR_AES_GCM_16, 192, -1);
	CHECK(!esp_choose("aes_gcm", &peer, &c));
	esp_prop(&peer, IKEV2_ENCR_AES_CBC, 192, IKEV2_INTEG_HMAC_SHA2_256_128);
	CHECK(!esp_choose("aes-sha2", &peer, &c));
	/* lengths no cipher has */
	esp_prop(&peer, IKEV2_ENCR_AES_CBC, 512, IKEV2_INTEG_HMAC_SHA2_256_128);
	CHECK(!esp_choose("aes-sha2", &peer, &c));
	esp_prop(&peer, IKEV2_ENCR_AES_CBC, 8, IKEV2_INTEG_HMAC_SHA2_256_128);
	CHECK(!esp_choose("aes-sha2", &peer, &c));
	/* a length we do not offer */
	esp_prop(&peer, IKEV2_ENCR_AES_CBC, 128, IKEV2_INTEG_HMAC_SHA2_256_128);
	CHECK(!esp_choose("aes256-sha2", &peer, &c));
	/* ChaCha20-Poly1305 takes no Key Length attribute (RFC 7634 §4) */
	esp_prop(&peer, IKEV2_ENCR_CHACHA20_POLY1305, 256, -1);
	CHECK(!esp_choose("chacha20_poly1305", &peer, &c));
	esp_prop(&peer, IKEV2_ENCR_CHACHA20_POLY1305, 0, -1);
	if (CHECK(esp_choose("chacha20_poly1305", &peer, &c))) {
		CHECK_INT(c.keybits, 256);
		check_installable(&c);
	}
	esp_prop(&peer, IKEV2_ENCR_AES_GCM_16, 128, -1);
	if (CHECK(esp_choose("aes_gcm", &peer, &c))) {
		CHECK_INT(c.keybits, 128);
		check_installable(&c);
	}
}

static void test_unimplemented(void)
{
	struct ike_sa_payload peer;
	struct chosen c;

	/* rows the registry knows but does not implement, and unknown ids */
	esp_prop(&peer, IKEV2_ENCR_AES_CCM_16, 256, -1);
	CHECK(!esp_choose("aes_gcm", &peer, &c));
	esp_prop(&peer, IKEV2_ENCR_3DES, 0, IKEV2_INTEG_HMAC_SHA2_256_128);
	CHECK(!esp_choose("aes-sha2", &peer, &c));
	esp_prop(&peer, IKEV2_ENCR_AES_CBC, 256, IKEV2_INTEG_HMAC_SHA1_96);
	CHECK(!esp_choose("aes-sha2", &peer, &c));
	esp_prop(&peer, 1000, 256, IKEV2_INTEG_HMAC_SHA2_256_128);
	CHECK(!esp_choose("aes-sha2", &peer, &c));
	/* a CBC cipher with INTEG NONE or none at all: no integrity, refused */
	esp_prop(&peer, IKEV2_ENCR_AES_CBC, 256, IKEV2_INTEG_NONE);
	CHECK(!esp_choose("aes-sha2", &peer, &c));
	esp_prop(&peer, IKEV2_ENCR_AES_CBC, 256, -1);
	CHECK(!esp_choose("aes-sha2", &peer, &c));
	/* an AEAD with an INTEG: the chosen suite has none (installable) */
	esp_prop(&peer, IKEV2_ENCR_AES_GCM_16, 256, IKEV2_INTEG_HMAC_SHA2_256_128);
	if (esp_choose("aes_gcm", &peer, &c)) {
		CHECK_INT(c.integ, IKEV2_INTEG_NONE);
		check_installable(&c);
	}
}

/* IKE: a peer's KE group must be implemented (MODP6144/8192 are named but not). */
static void test_ike_groups(void)
{
	static const uint16_t groups[] = { IKEV2_DH_MODP6144, IKEV2_DH_MODP8192, IKEV2_DH_MODP1024,
					   IKEV2_DH_NONE, 999 };
	struct proposal_list pl;
	const char *why = NULL;

	CHECK(proposals_parse(PROP_IKE, "aes_gcm256-sha2;modp2048", &pl, &why));
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		struct ike_sa_payload peer = { .n_prop = 1 };
		struct ike_proposal *p = &peer.prop[0];
		struct chosen c;

		p->num = 1;
		p->proto = IKEV2_PROTO_IKE;
		tr(p, IKEV2_TRANS_ENCR, IKEV2_ENCR_AES_GCM_16, 256);
		tr(p, IKEV2_TRANS_PRF, IKEV2_PRF_HMAC_SHA2_256, 0);
		tr(p, IKEV2_TRANS_DH, groups[i], 0);
		CHECK(!prop_select(&peer, &pl, PROP_IKE, true, IKE_ESN_EITHER, &c));
		CHECK(!dh_alg_get(groups[i]));
	}
}

int main(void)
{
	RUN(test_key_lengths);
	RUN(test_unimplemented);
	RUN(test_ike_groups);
	return t_done();
}
