/* RFC 7383 fragmentation (src/ike/frag.c): split → decode → reassemble,
 * and a table of reassembly abuse. */
#include "harness.h"

#include <stdio.h>

#include "ike/frag.h"

static const struct ike_hdr hdr = {
	.spi_i = 0x1111111111111111ull, .spi_r = 0x2222222222222222ull, .major = 2,
	.exch = IKEV2_EXCH_IKE_AUTH, .flags = IKE_FLAG_I, .msgid = 1,
};

/* Inner chain: IDi, CERT (2500 bytes), AUTH. */
static size_t make_inner(uint8_t *buf, size_t cap)
{
	static uint8_t cert[2500], authd[32];
	uint8_t tmp[4096];
	struct ikeb b;
	struct ike_sk_region r;
	struct cy_id id;
	const char *why;

	for (size_t i = 0; i < sizeof(cert); i++)
		cert[i] = (uint8_t)(i * 7);
	id_parse("@west.example", &id, &why);
	ikeb_begin(&b, tmp, sizeof(tmp), &hdr);
	ikeb_sk_open(&b, 0);
	ikeb_id(&b, IKEV2_PL_IDi, &id);
	ikeb_cert(&b, IKEV2_PL_CERT, IKE_CERT_X509_SIG, cert, sizeof(cert));
	ikeb_auth(&b, IKEV2_AUTH_PSK, authd, sizeof(authd));
	if (!ikeb_sk_close(&b, 1, 0, &r) || r.pt_len - 1 > cap)
		return 0;
	memcpy(buf, r.pt, r.pt_len - 1);
	return r.pt_len - 1;
}

static void test_split_and_reassemble(void)
{
	static uint8_t inner[4096], frag[1500], out[FRAG_MAX_BYTES];
	static struct ike_msg m;
	struct frag_plan plan;
	struct frag_reasm ra;
	size_t n = make_inner(inner, sizeof(inner)), outlen = 0;
	uint8_t first_np = 0;
	enum frag_result res = FRAG_STORED;

	CHECK(n > 2500);
	CHECK(frag_plan(n, 576, 16, 16, 16, &plan));
	CHECK(plan.total >= 5);
	/* each fragment fits in 576 bytes */
	CHECK(IKE_HDR_LEN + 8 + 16 + (plan.chunk + 1 + 15) / 16 * 16 + 16 <= 576);
	frag_reasm_init(&ra);
	/* deliver in reverse order */
	for (unsigned k = plan.total; k >= 1; k--) {
		struct ike_sk_region reg;
		struct ike_skf skf;
		struct ike_sk_parts parts;
		size_t ptlen;

		CHECK(frag_build(&hdr, IKEV2_PL_IDi, inner, n, &plan, k, 16, 16, 16, frag, sizeof(frag), &reg));
		CHECK(reg.msg_len <= 576);
		CHECK_INT(reg.aad_len, IKE_HDR_LEN + 8);
		CHECK_INT(reg.pt_len % 16, 0);
		CHECK_INT(ike_msg_decode(frag, reg.msg_len, &m), WIRE_OK);
		CHECK(m.sk_is_frag);
		CHECK_INT(m.sk_first_np, k == 1 ? IKEV2_PL_IDi : 0);
		CHECK_INT(m.aad_len, reg.aad_len);
		CHECK_INT(ike_skf_decode(m.outer.pl[0].body, m.outer.pl[0].len, &skf), WIRE_OK);
		CHECK_INT(skf.number, k);
		CHECK_INT(skf.total, plan.total);
		CHECK_INT(ike_sk_split(skf.rest, skf.rest_len, 16, 16, 16, &parts), WIRE_OK);
		CHECK_INT(ike_sk_unpad(parts.ct, parts.ct_len, &ptlen), WIRE_OK);
		res = frag_reasm_add(&ra, m.hdr.msgid, skf.number, skf.total, m.sk_first_np, parts.ct, ptlen);
		CHECK_INT(res, k == 1 ? FRAG_COMPLETE : FRAG_STORED);
	}
	CHECK(frag_reasm_take(&ra, out, sizeof(out), &outlen, &first_np));
	CHECK_INT(outlen, n);
	CHECK_MEM(out, inner, n);
	CHECK_INT(first_np, IKEV2_PL_IDi);
	CHECK_INT(ike_chain_decode(first_np, out, outlen, &m.inner), WIRE_OK);
	CHECK_INT(m.inner.n, 3);
	/* a retransmitted fragment of the finished message */
	CHECK_INT(frag_reasm_add(&ra, 1, 2, plan.total, 0, inner, 10), FRAG_ALREADY_DONE);
	frag_reasm_free(&ra);
}

static void test_plan_limits(void)
{
	struct frag_plan p;

	CHECK(!frag_plan(100, IKE_HDR_LEN + 8 + 32, 16, 16, 16, &p));   /* no room for a block */
	CHECK(frag_plan(100, 1000, 16, 16, 16, &p));
	CHECK_INT(p.total, 1);
	CHECK(!frag_plan(FRAG_MAX_TOTAL * 100 + 1, IKE_HDR_LEN + 8 + 8 + 16 + 101, 8, 16, 1, &p));
	CHECK(frag_plan(FRAG_MAX_TOTAL * 100, IKE_HDR_LEN + 8 + 8 + 16 + 101, 8, 16, 1, &p));
	CHECK_INT(p.chunk, 100);
	CHECK_INT(p.total, FRAG_MAX_TOTAL);
}

/* One step of a reassembly scenario. */
struct step { uint32_t msgid; uint16_t number, total; size_t len; enum frag_result want; };

static const struct scenario {
	const char *label;
	struct step steps[6];
} scenarios[] = {
	{ "duplicate", { { 5, 1, 3, 10, FRAG_STORED }, { 5, 1, 3, 10, FRAG_DUPLICATE } } },
	{ "older msgid dropped", { { 5, 1, 3, 10, FRAG_STORED }, { 4, 2, 3, 10, FRAG_OLD_MSGID } } },
	{ "newer msgid resets", { { 5, 1, 2, 10, FRAG_STORED }, { 6, 1, 2, 10, FRAG_STORED },
				  { 5, 2, 2, 10, FRAG_OLD_MSGID }, { 6, 2, 2, 10, FRAG_COMPLETE } } },
	{ "total smaller dropped", { { 5, 1, 3, 10, FRAG_STORED }, { 5, 2, 2, 10, FRAG_TOTAL_SMALLER } } },
	{ "total larger restarts", { { 5, 1, 2, 10, FRAG_STORED }, { 5, 2, 3, 10, FRAG_STORED },
				     { 5, 1, 3, 10, FRAG_STORED }, { 5, 3, 3, 10, FRAG_COMPLETE } } },
	{ "number above total", { { 5, 4, 3, 10, FRAG_BAD_NUMBER } } },
	{ "number zero", { { 5, 0, 3, 10, FRAG_BAD_NUMBER } } },
	{ "total above maximum", { { 5, 1, FRAG_MAX_TOTAL + 1, 10, FRAG_TOO_MANY } } },
	{ "empty fragment", { { 5, 1, 2, 0, FRAG_EMPTY } } },
	{ "bytes above maximum", { { 5, 1, 3, 30000, FRAG_STORED }, { 5, 2, 3, 30000, FRAG_STORED },
				   { 5, 3, 3, 30000, FRAG_TOO_BIG } } },
	{ "single fragment", { { 0, 1, 1, 1, FRAG_COMPLETE } } },
};

static void test_reassembly_table(void)
{
	static uint8_t data[30000];

	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		struct frag_reasm ra;
		frag_reasm_init(&ra);
		for (size_t s = 0; s < 6 && scenarios[i].steps[s].total; s++) {
			const struct step *st = &scenarios[i].steps[s];
			enum frag_result got = frag_reasm_add(&ra, st->msgid, st->number, st->total,
							      st->number == 1 ? IKEV2_PL_NOTIFY : 0, data, st->len);
			if (got != st->want)
				t_fail(__FILE__, __LINE__, "%s step %zu: got %s, want %s", scenarios[i].label, s,
				       frag_result_name(got), frag_result_name(st->want));
		}
		frag_reasm_free(&ra);
		CHECK(ra.data[0] == NULL && ra.bytes == 0 && !ra.active);
	}
}

static void test_take_guards(void)
{
	struct frag_reasm ra;
	uint8_t out[16], np;
	size_t len;
	static const uint8_t d[20] = { 1 };

	frag_reasm_init(&ra);
	CHECK(!frag_reasm_take(&ra, out, sizeof(out), &len, &np));          /* nothing */
	CHECK_INT(frag_reasm_add(&ra, 1, 1, 2, 41, d, 5), FRAG_STORED);
	CHECK(!frag_reasm_take(&ra, out, sizeof(out), &len, &np));          /* incomplete */
	CHECK_INT(frag_reasm_add(&ra, 1, 2, 2, 0, d, 5), FRAG_COMPLETE);
	CHECK(!frag_reasm_take(&ra, out, 9, &len, &np));                   /* cap 9 < 10 */
	CHECK(frag_reasm_take(&ra, out, sizeof(out), &len, &np));
	CHECK_INT(len, 10);
	CHECK_INT(np, 41);
	CHECK(!ra.active);
	frag_reasm_free(&ra);
}

int main(void)
{
	RUN(test_split_and_reassemble);
	RUN(test_plan_limits);
	RUN(test_reassembly_table);
	RUN(test_take_guards);
	return t_done();
}
