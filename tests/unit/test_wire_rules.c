/* Payload rules table (src/ike/payload_rules.c): one row per exchange
 * variant accepted, and per rule broken with its message. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>

#include "ike/payload_rules.h"

#define INIT IKE_FLAG_I
#define RESP IKE_FLAG_R
#define IRESP (IKE_FLAG_I | IKE_FLAG_R)

static const struct row {
	const char *label;
	uint8_t exch;
	uint8_t flags;
	const char *spec;          /* payloads; "!X" = outside SK; "PLAIN" = no SK at all */
	enum pr_reason want;
	const char *text;          /* pr_fmt() when not NULL */
} rows[] = {
	{ "init req", IKEV2_EXCH_IKE_SA_INIT, INIT, "SAIKE KE Ni N:16388 N:16389 N:16430 V", PR_OK, NULL },
	{ "init req with cookie", IKEV2_EXCH_IKE_SA_INIT, INIT, "N:16390 SAIKE KE Ni", PR_OK, NULL },
	{ "init req no KE", IKEV2_EXCH_IKE_SA_INIT, INIT, "SAIKE Ni", PR_MISSING, "IKE_SA_INIT request without KE" },
	{ "init req no SA", IKEV2_EXCH_IKE_SA_INIT, INIT, "KE Ni", PR_MISSING, "IKE_SA_INIT request without SA" },
	{ "init req no Ni", IKEV2_EXCH_IKE_SA_INIT, INIT, "SAIKE KE", PR_MISSING, "IKE_SA_INIT request without Nonce" },
	{ "init req two KE", IKEV2_EXCH_IKE_SA_INIT, INIT, "SAIKE KE KE Ni", PR_REPEATED, "IKE_SA_INIT request with repeated KE" },
	{ "init req with AUTH", IKEV2_EXCH_IKE_SA_INIT, INIT, "SAIKE KE Ni AUTH", PR_FORBIDDEN, "IKE_SA_INIT request with unexpected AUTH" },
	{ "init req with SK", IKEV2_EXCH_IKE_SA_INIT, INIT, "KE", PR_SK_UNEXPECTED, NULL },
	{ "init req from responder", IKEV2_EXCH_IKE_SA_INIT, 0, "SAIKE KE Ni", PR_WRONG_SENDER, NULL },
	{ "init resp", IKEV2_EXCH_IKE_SA_INIT, RESP, "SAIKE KE Ni N:16388 N:16389 CERTREQ", PR_OK, NULL },
	{ "init resp cookie only", IKEV2_EXCH_IKE_SA_INIT, RESP, "N:16390", PR_OK, NULL },
	{ "init resp invalid KE only", IKEV2_EXCH_IKE_SA_INIT, RESP, "N:17", PR_OK, NULL },
	{ "init resp no proposal", IKEV2_EXCH_IKE_SA_INIT, RESP, "N:14", PR_OK, NULL },
	{ "init resp only NAT_D", IKEV2_EXCH_IKE_SA_INIT, RESP, "N:16388", PR_MISSING, "IKE_SA_INIT response without SA" },
	{ "init resp empty", IKEV2_EXCH_IKE_SA_INIT, RESP, "", PR_MISSING, "IKE_SA_INIT response without SA" },
	{ "init resp no Nr", IKEV2_EXCH_IKE_SA_INIT, RESP, "SAIKE KE", PR_MISSING, "IKE_SA_INIT response without Nonce" },
	{ "init resp from initiator", IKEV2_EXCH_IKE_SA_INIT, IRESP, "SAIKE KE Ni", PR_WRONG_SENDER, NULL },

	{ "auth req", IKEV2_EXCH_IKE_AUTH, INIT, "IDi AUTH SA TSi TSr N:16384 N:16391", PR_OK, NULL },
	{ "auth req with IDr CERTREQ CP", IKEV2_EXCH_IKE_AUTH, INIT, "IDi CERTREQ IDr AUTH CP SA TSi TSr", PR_OK, NULL },
	{ "auth req childless", IKEV2_EXCH_IKE_AUTH, INIT, "IDi AUTH", PR_OK, NULL },
	{ "auth req no AUTH", IKEV2_EXCH_IKE_AUTH, INIT, "IDi SA TSi TSr", PR_MISSING, "IKE_AUTH request without AUTH" },
	{ "auth req no IDi", IKEV2_EXCH_IKE_AUTH, INIT, "AUTH SA TSi TSr", PR_MISSING, "IKE_AUTH request without IDi" },
	{ "auth req no TSr", IKEV2_EXCH_IKE_AUTH, INIT, "IDi AUTH SA TSi", PR_PARTIAL_GROUP, "IKE_AUTH request with SA/TSi/TSr incomplete (no TSr)" },
	{ "auth req with KE", IKEV2_EXCH_IKE_AUTH, INIT, "IDi AUTH KE SA TSi TSr", PR_FORBIDDEN, "IKE_AUTH request with unexpected KE" },
	{ "auth req two AUTH", IKEV2_EXCH_IKE_AUTH, INIT, "IDi AUTH AUTH", PR_REPEATED, NULL },
	{ "auth req plaintext", IKEV2_EXCH_IKE_AUTH, INIT, "PLAIN IDi AUTH SA TSi TSr", PR_SK_MISSING, NULL },
	{ "auth req plain V beside SK", IKEV2_EXCH_IKE_AUTH, INIT, "!V IDi AUTH", PR_PLAIN_WITH_SK, NULL },
	{ "auth req from responder", IKEV2_EXCH_IKE_AUTH, 0, "IDi AUTH SA TSi TSr", PR_WRONG_SENDER, NULL },
	{ "auth resp", IKEV2_EXCH_IKE_AUTH, RESP, "IDr AUTH SA TSi TSr", PR_OK, NULL },
	{ "auth resp auth failed", IKEV2_EXCH_IKE_AUTH, RESP, "N:24", PR_OK, NULL },
	{ "auth resp ts unacceptable", IKEV2_EXCH_IKE_AUTH, RESP, "IDr AUTH N:38", PR_OK, NULL },
	{ "auth resp only status N", IKEV2_EXCH_IKE_AUTH, RESP, "N:16384", PR_MISSING, "IKE_AUTH response without IDr" },
	{ "auth resp no IDr", IKEV2_EXCH_IKE_AUTH, RESP, "AUTH SA TSi TSr", PR_MISSING, "IKE_AUTH response without IDr" },
	{ "auth resp empty", IKEV2_EXCH_IKE_AUTH, RESP, "", PR_MISSING, "IKE_AUTH response without IDr" },
	{ "auth resp with IDi", IKEV2_EXCH_IKE_AUTH, RESP, "IDi IDr AUTH", PR_FORBIDDEN, NULL },

	{ "child req new", IKEV2_EXCH_CREATE_CHILD_SA, INIT, "SA Ni KE TSi TSr N:16391", PR_OK, NULL },
	{ "child req new no pfs", IKEV2_EXCH_CREATE_CHILD_SA, 0, "SA Ni TSi TSr", PR_OK, NULL },
	{ "child req rekey", IKEV2_EXCH_CREATE_CHILD_SA, INIT, "N:16393 SA Ni TSi TSr", PR_OK, NULL },
	{ "child req rekey no TSi", IKEV2_EXCH_CREATE_CHILD_SA, INIT, "N:16393 SA Ni TSr", PR_MISSING, "CREATE_CHILD_SA request without TSi" },
	{ "child req no Ni", IKEV2_EXCH_CREATE_CHILD_SA, INIT, "SA TSi TSr", PR_MISSING, NULL },
	{ "ike rekey req", IKEV2_EXCH_CREATE_CHILD_SA, 0, "SAIKE Ni KE", PR_OK, NULL },
	{ "ike rekey req no KE", IKEV2_EXCH_CREATE_CHILD_SA, INIT, "SAIKE Ni", PR_MISSING, "CREATE_CHILD_SA request without KE" },
	{ "ike rekey req with TS", IKEV2_EXCH_CREATE_CHILD_SA, INIT, "SAIKE Ni KE TSi TSr", PR_FORBIDDEN, NULL },
	{ "child req with AUTH", IKEV2_EXCH_CREATE_CHILD_SA, INIT, "SA Ni TSi TSr AUTH", PR_FORBIDDEN, NULL },
	{ "child req empty", IKEV2_EXCH_CREATE_CHILD_SA, INIT, "", PR_MISSING, NULL },
	{ "child resp", IKEV2_EXCH_CREATE_CHILD_SA, RESP, "SA Ni KE TSi TSr", PR_OK, NULL },
	{ "child resp error", IKEV2_EXCH_CREATE_CHILD_SA, IRESP, "N:14", PR_OK, NULL },
	{ "child resp status N only", IKEV2_EXCH_CREATE_CHILD_SA, RESP, "N:16391", PR_MISSING, NULL },
	{ "ike rekey resp", IKEV2_EXCH_CREATE_CHILD_SA, RESP, "SAIKE Ni KE", PR_OK, NULL },
	{ "ike rekey resp no KE", IKEV2_EXCH_CREATE_CHILD_SA, RESP, "SAIKE Ni", PR_MISSING, NULL },

	{ "info empty (liveness)", IKEV2_EXCH_INFORMATIONAL, INIT, "", PR_OK, NULL },
	{ "info empty resp", IKEV2_EXCH_INFORMATIONAL, IRESP, "", PR_OK, NULL },
	{ "info delete", IKEV2_EXCH_INFORMATIONAL, 0, "D D N:16384", PR_OK, NULL },
	{ "info with SA", IKEV2_EXCH_INFORMATIONAL, INIT, "D SA", PR_FORBIDDEN, "INFORMATIONAL request with unexpected SA" },
	{ "info plaintext", IKEV2_EXCH_INFORMATIONAL, INIT, "PLAIN D", PR_SK_MISSING, NULL },
	{ "unknown exchange", 40, INIT, "", PR_UNKNOWN_EXCHANGE, NULL },
};

static uint8_t type_of(const char *tok)
{
	static const struct { const char *s; uint8_t t; } names[] = {
		{ "KE", IKEV2_PL_KE }, { "Ni", IKEV2_PL_NONCE }, { "IDi", IKEV2_PL_IDi },
		{ "IDr", IKEV2_PL_IDr }, { "AUTH", IKEV2_PL_AUTH }, { "CERT", IKEV2_PL_CERT },
		{ "CERTREQ", IKEV2_PL_CERTREQ }, { "D", IKEV2_PL_DELETE }, { "V", IKEV2_PL_VENDOR },
		{ "TSi", IKEV2_PL_TSi }, { "TSr", IKEV2_PL_TSr }, { "CP", IKEV2_PL_CP },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(tok, names[i].s) == 0)
			return names[i].t;
	return 0;
}

static void add(struct ikeb *b, const char *tok)
{
	/* proposal: last, len 16, #1, proto, spi size, 1 transform; ENCR AES_CBC */
	uint8_t sa[16] = { 0, 0, 0, 16, 1, IKEV2_PROTO_ESP, 4, 1, 0, 0, 0, 8, 1, 0, 0, 12 };
	static const uint8_t junk[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	if (strcmp(tok, "SA") == 0 || strcmp(tok, "SAIKE") == 0) {
		if (tok[2]) {
			uint8_t ike[12] = { 0, 0, 0, 12, 1, IKEV2_PROTO_IKE, 0, 1, 0, 0, 0, 8 };
			uint8_t body[16];
			memcpy(body, ike, 12);
			memcpy(body + 12, sa + 12, 4);
			ikeb_raw(b, IKEV2_PL_SA, false, body, 16);
		} else {
			/* ESP proposal carries a 4-byte SPI */
			uint8_t body[20];
			memcpy(body, sa, 8);
			body[3] = 20;
			memcpy(body + 8, junk, 4);
			memcpy(body + 12, sa + 8, 8);
			ikeb_raw(b, IKEV2_PL_SA, false, body, 20);
		}
	} else if (strncmp(tok, "N:", 2) == 0) {
		uint16_t t = (uint16_t)atoi(tok + 2);
		ikeb_notify(b, t == v2N_REKEY_SA ? IKEV2_PROTO_ESP : 0, junk, t == v2N_REKEY_SA ? 4 : 0, t, NULL, 0);
	} else {
		ikeb_raw(b, type_of(tok), false, junk, 8);
	}
}

/* Builds the message (SK with no cipher: iv 0, icv 0, block 1), decodes it. */
static bool build(const struct row *r, uint8_t *buf, size_t cap, struct ike_msg *m)
{
	struct ike_hdr h = { .spi_i = 1, .spi_r = 2, .major = 2, .exch = r->exch, .flags = r->flags, .msgid = 1 };
	bool plain = r->exch == IKEV2_EXCH_IKE_SA_INIT || strncmp(r->spec, "PLAIN", 5) == 0;
	bool sk_in_init = r->exch == IKEV2_EXCH_IKE_SA_INIT && strcmp(r->label, "init req with SK") == 0;
	char spec[256], *save = NULL;
	struct ikeb b;
	struct ike_sk_region reg;
	size_t n, inner;
	struct ike_sk_parts parts;

	snprintf(spec, sizeof(spec), "%s", r->spec);
	ikeb_begin(&b, buf, cap, &h);
	for (char *t = strtok_r(spec, " ", &save); t; t = strtok_r(NULL, " ", &save))
		if (t[0] == '!')
			add(&b, t + 1);
	if (!plain || sk_in_init)
		ikeb_sk_open(&b, 0);
	snprintf(spec, sizeof(spec), "%s", r->spec);
	for (char *t = strtok_r(spec, " ", &save); t; t = strtok_r(NULL, " ", &save))
		if (t[0] != '!' && strcmp(t, "PLAIN") != 0)
			add(&b, t);
	if (!plain || sk_in_init) {
		if (!ikeb_sk_close(&b, 1, 0, &reg))
			return false;
	}
	n = ikeb_finish(&b);
	if (n == 0 || ike_msg_decode(buf, n, m) != WIRE_OK)
		return false;
	if (m->sk_index >= 0) {
		const struct pl_view *sk = &m->outer.pl[m->sk_index];
		if (ike_sk_split(sk->body, sk->len, 0, 0, 1, &parts) != WIRE_OK ||
		    ike_sk_unpad(parts.ct, parts.ct_len, &inner) != WIRE_OK ||
		    ike_chain_decode(m->sk_first_np, parts.ct, inner, &m->inner) != WIRE_OK)
			return false;
		m->inner_valid = true;
	}
	return true;
}

static void test_rules_table(void)
{
	static uint8_t buf[2048];
	static struct ike_msg m;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct pr_result res;
		char txt[PR_STRLEN];
		enum pr_reason got;

		if (!build(r, buf, sizeof(buf), &m)) {
			t_fail(__FILE__, __LINE__, "row \"%s\": could not build", r->label);
			continue;
		}
		got = payload_rules_check(&m, &res);
		pr_fmt(&res, txt);
		if (got != r->want)
			t_fail(__FILE__, __LINE__, "row \"%s\": got %s (%s), want %s", r->label,
			       pr_reason_name(got), txt, pr_reason_name(r->want));
		else if (r->text && strcmp(txt, r->text) != 0)
			t_fail(__FILE__, __LINE__, "row \"%s\": text \"%s\", want \"%s\"", r->label, txt, r->text);
	}
}

static void test_variant_and_diagram(void)
{
	static uint8_t buf[512];
	static struct ike_msg m;
	struct pr_result res;
	const struct row cookie = { "x", IKEV2_EXCH_IKE_SA_INIT, RESP, "N:16390", PR_OK, NULL };
	const struct row rekey = { "x", IKEV2_EXCH_CREATE_CHILD_SA, INIT, "N:16393 SA Ni TSi TSr", PR_OK, NULL };

	CHECK(build(&cookie, buf, sizeof(buf), &m));
	CHECK_INT(payload_rules_check(&m, &res), PR_OK);
	CHECK_STR(res.variant, "IKE_SA_INIT response (notify only)");
	CHECK(res.diagram && strstr(res.diagram, "N(COOKIE)"));
	CHECK(build(&rekey, buf, sizeof(buf), &m));
	CHECK_INT(payload_rules_check(&m, &res), PR_OK);
	CHECK_STR(res.variant, "CREATE_CHILD_SA request (Child SA rekey)");
	/* encrypted exchange whose inner chain was not decoded */
	m.inner_valid = false;
	CHECK_INT(payload_rules_check(&m, &res), PR_INNER_NOT_DECODED);
}

int main(void)
{
	RUN(test_rules_table);
	RUN(test_variant_and_diagram);
	return t_done();
}
