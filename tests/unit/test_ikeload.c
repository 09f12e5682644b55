/* ikeload's pure pieces (tests/tools/ikeload_stats.c): latency percentiles,
 * rates, address ranges, the flood's pacer; and one initiator's handling of
 * IKE_SA_INIT answers (tests/tools/ikeload_ike.c): COOKIE and INVALID_KE
 * retries, refusals, and answers that are not for it. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "harness.h"

#include "config/proposals.h"
#include "../tools/ikeload.h"

static void test_percentiles(void)
{
	struct lat_stats s;

	CHECK(lat_init(&s, 1000));
	CHECK_INT(lat_percentile(&s, 50), 0);             /* no samples */
	for (unsigned i = 100; i >= 1; i--)               /* 1..100, reversed */
		lat_add(&s, i);
	CHECK_INT(lat_percentile(&s, 50), 50);            /* nearest rank */
	CHECK_INT(lat_percentile(&s, 99), 99);
	CHECK_INT(lat_percentile(&s, 100), 100);
	CHECK_INT(lat_percentile(&s, 1), 1);
	CHECK_INT(lat_percentile(&s, 0.5), 1);
	CHECK_INT(s.sum_us, 5050);
	lat_free(&s);

	CHECK(lat_init(&s, 3));                           /* beyond cap: counted, not kept */
	lat_add(&s, 7);
	lat_add(&s, 9);
	lat_add(&s, 8);
	lat_add(&s, 1000);
	CHECK_INT(s.n, 3);
	CHECK_INT(s.dropped, 1);
	CHECK_INT(lat_percentile(&s, 50), 8);
	lat_add(&s, (uint64_t)1 << 40);                   /* saturates, does not wrap */
	lat_free(&s);

	CHECK(lat_init(&s, 1));
	lat_add(&s, (uint64_t)1 << 40);
	CHECK_INT(lat_percentile(&s, 50), UINT32_MAX);
	lat_free(&s);
}

static void test_rate(void)
{
	CHECK_INT((long long)rate_per_s(500, 250000000), 2000);
	CHECK_INT((long long)rate_per_s(7, 0), 0);
	CHECK_INT((long long)(rate_per_s(1, 3000000000u) * 1000), 333);
}

static void test_ranges_table(void)
{
	static const struct {
		const char *in;
		bool ok;
		uint64_t count;
		const char *first, *last;
	} rows[] = {
		{ "192.0.2.7", true, 1, "192.0.2.7", "192.0.2.7" },
		{ "192.0.2.10-192.0.2.19", true, 10, "192.0.2.10", "192.0.2.19" },
		{ "192.0.2.250-192.0.3.4", true, 11, "192.0.2.250", "192.0.3.4" },   /* carries */
		{ "198.51.100.0/24", true, 254, "198.51.100.1", "198.51.100.254" }, /* no net/bcast */
		{ "198.51.100.8/31", true, 2, "198.51.100.8", "198.51.100.9" },
		{ "198.51.100.9/32", true, 1, "198.51.100.9", "198.51.100.9" },
		{ "192.0.2.1,192.0.2.5-192.0.2.6", true, 3, "192.0.2.1", "192.0.2.6" },
		{ "2001:db8::1-2001:db8::1:0", true, 65536, "2001:db8::1", "2001:db8::1:0" },
		{ "2001:db8::/120", true, 256, "2001:db8::", "2001:db8::ff" },
		{ "2001:db8::/32", true, UINT64_MAX, "2001:db8::", NULL },           /* saturated */
		{ "192.0.2.9-192.0.2.1", false, 0, NULL, NULL },                    /* reversed */
		{ "192.0.2.1-2001:db8::1", false, 0, NULL, NULL },                  /* families */
		{ "192.0.2.1/33", false, 0, NULL, NULL },
		{ "192.0.2.1/", false, 0, NULL, NULL },
		{ "192.0.2.1,,192.0.2.2", false, 0, NULL, NULL },
		{ "", false, 0, NULL, NULL },
		{ "example.com", false, 0, NULL, NULL },
		{ "1.1.1.1,1.1.1.2,1.1.1.3,1.1.1.4,1.1.1.5,1.1.1.6,1.1.1.7,1.1.1.8,1.1.1.9,"
		  "1.1.1.10,1.1.1.11,1.1.1.12,1.1.1.13,1.1.1.14,1.1.1.15,1.1.1.16,1.1.1.17", false, 0, NULL, NULL },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct addr_ranges rs;
		struct ip_addr a;
		const char *why = NULL;
		char buf[ADDR_STRLEN];
		bool ok = addr_ranges_parse(rows[i].in, &rs, &why);

		if (ok != rows[i].ok) {
			t_fail(__FILE__, __LINE__, "row %zu (%s): ok=%d (%s)", i, rows[i].in, ok, why ? why : "");
			continue;
		}
		if (!ok) {
			CHECK(why != NULL);
			continue;
		}
		if (addr_ranges_count(&rs) != rows[i].count)
			t_fail(__FILE__, __LINE__, "row %zu: count %llu", i, (unsigned long long)addr_ranges_count(&rs));
		CHECK(addr_ranges_nth(&rs, 0, &a));
		CHECK_STR(addr_fmt(&a, buf), rows[i].first);
		if (rows[i].last) {
			CHECK(addr_ranges_nth(&rs, rows[i].count - 1, &a));
			CHECK_STR(addr_fmt(&a, buf), rows[i].last);
			CHECK(!addr_ranges_nth(&rs, rows[i].count, &a));   /* past the end */
		}
	}
}

static void test_ranges_iterate(void)
{
	struct addr_ranges rs;
	struct ip_addr a, prev;
	const char *why;
	char buf[ADDR_STRLEN];

	/* every address once, in order, across parts */
	CHECK(addr_ranges_parse("192.0.2.254-192.0.3.1,203.0.113.9", &rs, &why));
	CHECK_INT(addr_ranges_count(&rs), 5);
	for (uint64_t i = 0; i < 5; i++) {
		CHECK(addr_ranges_nth(&rs, i, &a));
		if (i > 0 && i < 4) {
			struct ip_addr want;

			CHECK(addr_add(&prev, 1, &want));
			CHECK(addr_eq(&a, &want));
		}
		prev = a;
	}
	CHECK_STR(addr_fmt(&a, buf), "203.0.113.9");
	CHECK(addr_parse("255.255.255.255", &a));
	CHECK(!addr_add(&a, 1, &prev));                    /* overflow */
	CHECK(addr_parse("192.0.2.255", &a));
	CHECK(addr_add(&a, 257, &prev));
	CHECK_STR(addr_fmt(&prev, buf), "192.0.4.0");
}

static void test_in_prefix(void)
{
	struct ip_addr p, a;
	uint8_t rnd[16];
	char buf[ADDR_STRLEN];

	memset(rnd, 0xff, sizeof(rnd));
	CHECK(addr_parse("198.51.100.0", &p));
	addr_in_prefix(&p, 24, rnd, &a);
	CHECK_STR(addr_fmt(&a, buf), "198.51.100.255");
	memset(rnd, 0, sizeof(rnd));
	addr_in_prefix(&p, 20, rnd, &a);
	CHECK_STR(addr_fmt(&a, buf), "198.51.96.0");        /* host bits cleared */
	memset(rnd, 0xa5, sizeof(rnd));
	addr_in_prefix(&p, 32, rnd, &a);
	CHECK_STR(addr_fmt(&a, buf), "198.51.100.0");
	CHECK(addr_parse("2001:db8::", &p));
	addr_in_prefix(&p, 120, rnd, &a);
	CHECK_STR(addr_fmt(&a, buf), "2001:db8::a5");
}

static void test_pacer(void)
{
	struct pacer pc;
	const uint64_t s = 1000000000u;

	pacer_init(&pc, 1000, 10 * s, 50);                 /* 1000/s, bursts of 50 */
	CHECK_INT(pacer_due(&pc, 10 * s), 0);
	CHECK_INT(pacer_due(&pc, 10 * s + s / 100), 10);   /* 10 ms: 10 packets */
	pacer_sent(&pc, 10);
	CHECK_INT(pacer_due(&pc, 10 * s + s / 100), 0);
	CHECK_INT(pacer_wait_ns(&pc, 10 * s + s / 100), 1000000);
	CHECK_INT(pacer_due(&pc, 10 * s + s / 50), 10);
	pacer_sent(&pc, 10);
	/* a loop 1 s late gets one burst, not 1000 packets */
	CHECK_INT(pacer_due(&pc, 11 * s + s / 50), 50);
	pacer_sent(&pc, 50);
	CHECK_INT(pacer_due(&pc, 11 * s + s / 50), 0);
	/* the long-run rate holds: 10 s in 1 ms steps send 10,000 */
	pacer_init(&pc, 1000, 0, 50);
	uint64_t total = 0;
	for (uint64_t t = 0; t <= 10 * s; t += s / 1000) {
		unsigned d = pacer_due(&pc, t);

		pacer_sent(&pc, d);
		total += d;
	}
	CHECK_INT(total, 10000);
	CHECK_INT(pacer_wait_ns(&pc, 0), 10 * s + s / 1000);   /* not before the next is due */
}

/* ---- the initiator's IKE_SA_INIT ---------------------------------------------- */

static void cfg_init(struct ikl_cfg *c)
{
	const char *why = NULL;

	memset(c, 0, sizeof(*c));
	CHECK(proposals_parse(PROP_IKE, "aes_gcm_16_256-sha2_256-curve25519,aes256-sha2_256-modp2048", &c->ike, &why));
	CHECK(proposals_parse(PROP_ESP, "aes_gcm_16_256", &c->esp, &why));
	c->dh = IKEV2_DH_CURVE25519;
	c->psk = secret_dup("psk-0123456789", 14);
	snprintf(c->id_fmt, sizeof(c->id_fmt), "@load-%%u.example");
	c->verify = true;
}

static void sa_init(struct ikl_sa *sa, uint32_t num)
{
	memset(sa, 0, sizeof(*sa));
	sa->num = num;
	CHECK(addr_parse("192.0.2.10", &sa->laddr));
	CHECK(addr_parse("192.0.2.2", &sa->raddr));
	sa->lport = sa->rport = 500;
}

/* An answer to sa's IKE_SA_INIT: header (flags, msgid, SPIr) + one notify. */
static size_t answer(const struct ikl_sa *sa, uint8_t flags, uint32_t msgid, uint16_t ntype, const uint8_t *data,
		     size_t len, uint8_t *buf, size_t cap)
{
	struct ike_hdr h = { .major = 2, .exch = IKEV2_EXCH_IKE_SA_INIT, .flags = flags, .msgid = msgid };
	struct ikeb b;

	for (int i = 0; i < 8; i++)
		h.spi_i = h.spi_i << 8 | sa->spi_i[i];
	ikeb_begin(&b, buf, cap, &h);
	ikeb_notify(&b, 0, NULL, 0, ntype, data, len);
	return ikeb_finish(&b);
}

/* The first payload of sa's request, and its KE group (0: none). */
static void request_shape(const struct ikl_sa *sa, struct ike_msg *m, uint16_t *group, size_t *ke_len)
{
	const struct pl_view *v;
	struct ike_ke ke = { 0 };

	CHECK_INT(ike_msg_decode(sa->req, sa->req_len, m), WIRE_OK);
	v = ike_chain_find(&m->outer, IKEV2_PL_KE, NULL);
	CHECK(v && ike_ke_decode(v->body, v->len, &ke) == WIRE_OK);
	*group = ke.group;
	*ke_len = ke.len;
}

static void test_init_request(void)
{
	struct ikl_cfg c;
	struct ikl_sa sa;
	struct ike_msg *m = malloc(sizeof(*m));
	uint16_t g;
	size_t kl;

	cfg_init(&c);
	sa_init(&sa, 0x01020304);
	CHECK(ikl_build_init(&c, &sa));
	CHECK_INT(sa.state, IKL_INIT);
	request_shape(&sa, m, &g, &kl);
	CHECK_INT(m->hdr.exch, IKEV2_EXCH_IKE_SA_INIT);
	CHECK_INT(m->hdr.flags, IKE_FLAG_I);
	CHECK_INT(m->hdr.msgid, 0);
	CHECK_INT(m->hdr.spi_r, 0);
	CHECK_INT(m->hdr.spi_i & 0xffffffff, 0x01020304);   /* the number, for the receive path */
	CHECK_INT(g, IKEV2_DH_CURVE25519);
	CHECK_INT(kl, 32);
	CHECK(ike_chain_find(&m->outer, IKEV2_PL_SA, NULL) != NULL);
	CHECK(ike_chain_find(&m->outer, IKEV2_PL_NONCE, NULL) != NULL);
	CHECK(ike_chain_find_notify(&m->outer, v2N_NAT_DETECTION_SOURCE_IP) != NULL);
	CHECK(ike_chain_find_notify(&m->outer, v2N_NAT_DETECTION_DESTINATION_IP) != NULL);
	CHECK(ike_chain_find_notify(&m->outer, v2N_CHILDLESS_IKEV2_SUPPORTED) == NULL);
	ikl_sa_clear(&sa);
	c.childless = true;
	sa_init(&sa, 1);
	CHECK(ikl_build_init(&c, &sa));
	request_shape(&sa, m, &g, &kl);
	CHECK(ike_chain_find_notify(&m->outer, v2N_CHILDLESS_IKEV2_SUPPORTED) != NULL);
	ikl_sa_clear(&sa);
	secret_free(c.psk);
	free(m);
}

static void test_init_cookie(void)
{
	static const uint8_t cookie[20] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	struct ikl_cfg c;
	struct ikl_sa sa;
	struct ike_msg *m = malloc(sizeof(*m));
	uint8_t buf[512], first[IKL_BUF], ni[32];
	size_t len, first_len;
	struct ike_notify n;
	uint16_t g;
	size_t kl;

	cfg_init(&c);
	sa_init(&sa, 7);
	CHECK(ikl_build_init(&c, &sa));
	memcpy(first, sa.req, sa.req_len);
	first_len = sa.req_len;
	memcpy(ni, sa.ni, sizeof(ni));
	len = answer(&sa, IKE_FLAG_R, 0, v2N_COOKIE, cookie, sizeof(cookie), buf, sizeof(buf));
	CHECK_INT(ikl_on_response(&c, &sa, buf, len), IKL_R_RESEND);
	/* RFC 7296 2.6: N(COOKIE) first, the rest unchanged */
	request_shape(&sa, m, &g, &kl);
	CHECK_INT(m->outer.pl[0].type, IKEV2_PL_NOTIFY);
	CHECK(ike_notify_decode(m->outer.pl[0].body, m->outer.pl[0].len, &n) == WIRE_OK);
	CHECK_INT(n.type, v2N_COOKIE);
	CHECK_INT(n.data_len, sizeof(cookie));
	CHECK_MEM(n.data, cookie, sizeof(cookie));
	CHECK_INT(sa.req_len, first_len + 4 + 4 + sizeof(cookie));
	CHECK_MEM(sa.req + IKE_HDR_LEN + 8 + sizeof(cookie), first + IKE_HDR_LEN, first_len - IKE_HDR_LEN);
	CHECK_MEM(sa.ni, ni, sizeof(ni));
	/* a cookie of 0 or more than 64 bytes is not taken */
	len = answer(&sa, IKE_FLAG_R, 0, v2N_COOKIE, NULL, 0, buf, sizeof(buf));
	CHECK_INT(ikl_on_response(&c, &sa, buf, len), IKL_R_IGNORE);
	ikl_sa_clear(&sa);
	secret_free(c.psk);
	free(m);
}

static void test_init_invalid_ke(void)
{
	struct ikl_cfg c;
	struct ikl_sa sa;
	struct ike_msg *m = malloc(sizeof(*m));
	uint8_t buf[512], grp[2];
	size_t len, kl;
	uint16_t g;

	cfg_init(&c);
	sa_init(&sa, 9);
	CHECK(ikl_build_init(&c, &sa));
	put_be16(grp, IKEV2_DH_MODP2048);                   /* offered: a retry with it */
	len = answer(&sa, IKE_FLAG_R, 0, v2N_INVALID_KE_PAYLOAD, grp, 2, buf, sizeof(buf));
	CHECK_INT(ikl_on_response(&c, &sa, buf, len), IKL_R_RESEND);
	request_shape(&sa, m, &g, &kl);
	CHECK_INT(g, IKEV2_DH_MODP2048);
	CHECK_INT(kl, 256);
	put_be16(grp, IKEV2_DH_MODP2048);                   /* the same group again: refused */
	len = answer(&sa, IKE_FLAG_R, 0, v2N_INVALID_KE_PAYLOAD, grp, 2, buf, sizeof(buf));
	CHECK_INT(ikl_on_response(&c, &sa, buf, len), IKL_R_FAIL);
	CHECK(strstr(sa.why, "INVALID_KE") != NULL);
	ikl_sa_clear(&sa);

	sa_init(&sa, 10);
	CHECK(ikl_build_init(&c, &sa));
	put_be16(grp, IKEV2_DH_ECP_521);                    /* never offered */
	len = answer(&sa, IKE_FLAG_R, 0, v2N_INVALID_KE_PAYLOAD, grp, 2, buf, sizeof(buf));
	CHECK_INT(ikl_on_response(&c, &sa, buf, len), IKL_R_FAIL);
	ikl_sa_clear(&sa);
	secret_free(c.psk);
	free(m);
}

static void test_init_not_ours(void)
{
	struct ikl_cfg c;
	struct ikl_sa sa;
	uint8_t buf[512], junk[300];
	size_t len;

	cfg_init(&c);
	sa_init(&sa, 11);
	CHECK(ikl_build_init(&c, &sa));
	/* no R flag, another message ID: not an answer */
	len = answer(&sa, IKE_FLAG_I, 0, v2N_NO_PROPOSAL_CHOSEN, NULL, 0, buf, sizeof(buf));
	CHECK_INT(ikl_on_response(&c, &sa, buf, len), IKL_R_IGNORE);
	len = answer(&sa, IKE_FLAG_R, 1, v2N_NO_PROPOSAL_CHOSEN, NULL, 0, buf, sizeof(buf));
	CHECK_INT(ikl_on_response(&c, &sa, buf, len), IKL_R_IGNORE);
	/* every truncation, and noise: ignored, never a crash */
	len = answer(&sa, IKE_FLAG_R, 0, v2N_NO_PROPOSAL_CHOSEN, NULL, 0, buf, sizeof(buf));
	for (size_t l = 0; l < len; l++)
		CHECK_INT(ikl_on_response(&c, &sa, buf, l), IKL_R_IGNORE);
	for (int i = 0; i < 200; i++) {
		crypto_random(junk, sizeof(junk));
		memcpy(junk, sa.spi_i, 8);
		put_be32(junk + 24, sizeof(junk));
		CHECK(ikl_on_response(&c, &sa, junk, sizeof(junk)) != IKL_R_UP);
	}
	CHECK_INT(sa.state, IKL_INIT);
	/* a refusal ends it, with the reason */
	CHECK_INT(ikl_on_response(&c, &sa, buf, len), IKL_R_FAIL);
	CHECK(strstr(sa.why, "notify 14") != NULL);
	/* an answer without KE or nonce is malformed: wait for another */
	ikl_sa_clear(&sa);
	sa_init(&sa, 12);
	CHECK(ikl_build_init(&c, &sa));
	len = answer(&sa, IKE_FLAG_R, 0, v2N_NAT_DETECTION_SOURCE_IP, junk, 20, buf, sizeof(buf));
	buf[8] = 1;   /* a SPIr */
	CHECK_INT(ikl_on_response(&c, &sa, buf, len), IKL_R_IGNORE);
	ikl_sa_clear(&sa);
	secret_free(c.psk);
}

int main(void)
{
	RUN(test_percentiles);
	RUN(test_rate);
	RUN(test_ranges_table);
	RUN(test_ranges_iterate);
	RUN(test_in_prefix);
	RUN(test_pacer);
	RUN(test_init_request);
	RUN(test_init_cookie);
	RUN(test_init_invalid_ke);
	RUN(test_init_not_ours);
	return t_done();
}
