/* PSK AUTH, NAT-D hashes, COOKIEs and randomness (src/crypto/auth.c,
 * src/crypto/random.c). */
#include "harness.h"

#include "crypto/crypto.h"

#include <stdio.h>

/* AUTH = prf(prf(PSK, "Key Pad for IKEv2"), msg | Nr | prf(SK_pi, IDi'))
 * (RFC 7296 §2.15).  No published vector exists; the expected values were
 * computed with an independent tool (Python 3 hmac/hashlib) from:
 * PSK "Cygnet test pre-shared key", msg = bytes 0..199, Nr = a0..bf,
 * SK_pi = 20..3f (SHA-256) or 20..5f (SHA-512), IDi' = 01000000 c0000201
 * (ID_IPV4_ADDR 192.0.2.1). */
static void test_psk_auth(void)
{
	static const char *const want_hex[] = {
		"e14b1e1ee08b4a20f850d05ec0a6afbdc577f66cac0a843005945b261119d72c",
		"edc5fca87138c6842fa5a583141021901f4fcd9e29f7b1e6370ff897d62ca23b"
		"2f7f7801027c4850b693f65c0cf8ad6f2aea92d660c780ec28e24539d390f983",
	};
	static const unsigned prfs[] = { IKEV2_PRF_HMAC_SHA2_256, IKEV2_PRF_HMAC_SHA2_512 };
	static const char psk_text[] = "Cygnet test pre-shared key";
	uint8_t msg[200], nr[32], skp[64], id[8], want[64], out[CRYPTO_MAX_PRF_OUT];

	for (int i = 0; i < 200; i++)
		msg[i] = (uint8_t)i;
	for (int i = 0; i < 32; i++)
		nr[i] = (uint8_t)(0xa0 + i);
	for (int i = 0; i < 64; i++)
		skp[i] = (uint8_t)(0x20 + i);
	t_unhex("01000000c0000201", id, sizeof(id));
	for (int r = 0; r < 2; r++) {
		const struct alg_desc *p = prf_alg_get(prfs[r]);
		struct secret *psk = secret_dup(psk_text, strlen(psk_text));
		struct secret *sk_p = secret_dup(skp, p->key_len);
		size_t wl = t_unhex(want_hex[r], want, sizeof(want)), ol = 0;
		struct secret *so;

		CHECK(ike_psk_auth(p, psk, msg, sizeof(msg), nr, sizeof(nr), sk_p, id, sizeof(id), out, &ol));
		CHECK_INT(ol, wl);
		CHECK_MEM(out, want, wl);
		CHECK(auth_eq(out, ol, want, wl));
		CHECK(!auth_eq(out, ol - 1, want, wl));
		out[3] ^= 1;
		CHECK(!auth_eq(out, ol, want, wl));
		/* a different ID changes AUTH (the ID is covered via prf(SK_p, ID)) */
		id[7] ^= 1;
		CHECK(ike_psk_auth(p, psk, msg, sizeof(msg), nr, sizeof(nr), sk_p, id, sizeof(id), out, &ol));
		CHECK(!auth_eq(out, ol, want, wl));
		id[7] ^= 1;
		/* signed octets = msg | Nr | prf(SK_p, ID) */
		so = ike_signed_octets(p, msg, sizeof(msg), nr, sizeof(nr), sk_p, id, sizeof(id));
		CHECK(so && so->len == sizeof(msg) + sizeof(nr) + p->out_len);
		if (so)
			CHECK_MEM(so->data, msg, sizeof(msg));
		secret_free(so);
		secret_free(psk);
		secret_free(sk_p);
	}
}

/* NAT_DETECTION_*_IP = SHA-1(SPIi | SPIr | IP | Port) (RFC 7296 §2.23);
 * expected values from Python hashlib.sha1 over the same bytes. */
static void test_natd(void)
{
	static const struct {
		const char *ip, *spir, *want;
		uint16_t port;
	} rows[] = {
		{ "192.0.2.1", "0000000000000000", "644b4575455bd6fcc1efe2be8162a9218e448e5f", 500 },
		{ "2001:db8::1", "1112131415161718", "1ee24423bf8f59515e0265c6d0f08be3d038f7e5", 4500 },
	};
	uint8_t spii[8], spir[8], want[20], out[20];

	t_unhex("0102030405060708", spii, sizeof(spii));
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct ip_addr a;

		CHECK(addr_parse(rows[i].ip, &a));
		t_unhex(rows[i].spir, spir, sizeof(spir));
		t_unhex(rows[i].want, want, sizeof(want));
		if (!natd_hash(spii, spir, &a, rows[i].port, out) || memcmp(out, want, 20))
			t_fail(__FILE__, __LINE__, "row %zu (%s): wrong hash", i, rows[i].ip);
		CHECK(natd_hash(spii, spir, &a, rows[i].port + 1, out) && memcmp(out, want, 20) != 0);
	}
	{
		struct ip_addr unset = { 0 };

		CHECK(!natd_hash(spii, spir, &unset, 500, out));
	}
}

static void test_cookie(void)
{
	struct cookie_secret cs;
	struct ip_addr ip, other;
	uint8_t ni[32], spii[8], c1[COOKIE_LEN], c2[COOKIE_LEN];

	CHECK(addr_parse("198.51.100.7", &ip));
	CHECK(addr_parse("198.51.100.8", &other));
	crypto_random(ni, sizeof(ni));
	crypto_random(spii, sizeof(spii));
	CHECK(cookie_secret_init(&cs));
	CHECK(cookie_make(&cs, ni, sizeof(ni), &ip, spii, c1));
	CHECK(cookie_check(&cs, ni, sizeof(ni), &ip, spii, c1, COOKIE_LEN));
	/* deterministic for the same inputs and secret */
	CHECK(cookie_make(&cs, ni, sizeof(ni), &ip, spii, c2) && memcmp(c1, c2, COOKIE_LEN) == 0);
	/* every input is bound */
	CHECK(!cookie_check(&cs, ni, sizeof(ni), &other, spii, c1, COOKIE_LEN));
	CHECK(!cookie_check(&cs, ni, sizeof(ni) - 1, &ip, spii, c1, COOKIE_LEN));
	spii[0] ^= 1;
	CHECK(!cookie_check(&cs, ni, sizeof(ni), &ip, spii, c1, COOKIE_LEN));
	spii[0] ^= 1;
	CHECK(!cookie_check(&cs, ni, sizeof(ni), &ip, spii, c1, COOKIE_LEN - 1));
	c2[10] ^= 1;
	CHECK(!cookie_check(&cs, ni, sizeof(ni), &ip, spii, c2, COOKIE_LEN));
	/* one rotation: the old cookie still passes; a new one differs */
	CHECK(cookie_secret_rotate(&cs));
	CHECK(cookie_check(&cs, ni, sizeof(ni), &ip, spii, c1, COOKIE_LEN));
	CHECK(cookie_make(&cs, ni, sizeof(ni), &ip, spii, c2) && memcmp(c1, c2, COOKIE_LEN) != 0);
	CHECK(c2[0] == (uint8_t)(c1[0] + 1));
	/* two rotations: the first cookie is dead */
	CHECK(cookie_secret_rotate(&cs));
	CHECK(!cookie_check(&cs, ni, sizeof(ni), &ip, spii, c1, COOKIE_LEN));
	CHECK(cookie_check(&cs, ni, sizeof(ni), &ip, spii, c2, COOKIE_LEN));
	cookie_secret_wipe(&cs);
}

static void test_random(void)
{
	uint8_t a[8], b[8], zero[8] = { 0 };
	uint32_t s;

	CHECK(crypto_random_ike_spi(a) && memcmp(a, zero, 8) != 0);
	CHECK(crypto_random_ike_spi(b) && memcmp(a, b, 8) != 0);
	for (int i = 0; i < 1000; i++) {
		s = crypto_random_esp_spi();
		if (s < 0x100) {
			t_fail(__FILE__, __LINE__, "reserved ESP SPI %u", s);
			break;
		}
	}
	CHECK(crypto_random(a, 0));
}

int main(void)
{
	RUN(test_psk_auth);
	RUN(test_natd);
	RUN(test_cookie);
	RUN(test_random);
	return t_done();
}
