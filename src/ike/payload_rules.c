/* The payload table: which payloads each exchange, direction and sender
 * requires, allows (once or repeated) or forbids (RFC 7296 §1.2-1.5, §1.3
 * for the CREATE_CHILD_SA variants).  Anything not listed as required or
 * optional is forbidden. */
#include "ike/payload_rules.h"

#include <stdio.h>

#define B(t) (1u << ((t) - 32))
#define SA    B(IKEV2_PL_SA)
#define KE    B(IKEV2_PL_KE)
#define IDI   B(IKEV2_PL_IDi)
#define IDR   B(IKEV2_PL_IDr)
#define CERT  B(IKEV2_PL_CERT)
#define CREQ  B(IKEV2_PL_CERTREQ)
#define AUTH  B(IKEV2_PL_AUTH)
#define NONCE B(IKEV2_PL_NONCE)
#define N     B(IKEV2_PL_NOTIFY)
#define D     B(IKEV2_PL_DELETE)
#define V     B(IKEV2_PL_VENDOR)
#define TSI   B(IKEV2_PL_TSi)
#define TSR   B(IKEV2_PL_TSr)
#define CP    B(IKEV2_PL_CP)
#define CHILD (SA | TSI | TSR)

enum sender { FROM_ANY, FROM_INITIATOR, FROM_RESPONDER };

/* How a row is picked among the rows of one exchange and direction (first match). */
enum selector {
	SEL_DEFAULT,          /* always */
	SEL_NOTIFY_ONLY,      /* no SA, an error N or N(COOKIE) */
	SEL_NO_AUTH_NOTIFY,   /* no AUTH, an error N */
	SEL_IKE_REKEY,        /* SA whose first proposal is protocol IKE */
	SEL_CHILD_REKEY,      /* N(REKEY_SA) present */
};

struct pr_row {
	uint8_t exch;
	bool response;
	enum sender from;
	enum selector sel;
	uint32_t required, optional, repeat;
	uint32_t together;    /* all of these or none */
	const char *variant;
	const char *diagram;
};

static const struct pr_row rows[] = {
	{ IKEV2_EXCH_IKE_SA_INIT, false, FROM_INITIATOR, SEL_DEFAULT,
	  SA | KE | NONCE, N | V, N | V, 0,
	  "IKE_SA_INIT request", "HDR, SAi1, KEi, Ni, [N(COOKIE),] [N+,] [V+] -->" },
	{ IKEV2_EXCH_IKE_SA_INIT, true, FROM_RESPONDER, SEL_NOTIFY_ONLY,
	  N, V, N | V, 0,
	  "IKE_SA_INIT response (notify only)",
	  "<-- HDR, N(COOKIE) | N(INVALID_KE_PAYLOAD) | N(NO_PROPOSAL_CHOSEN)" },
	{ IKEV2_EXCH_IKE_SA_INIT, true, FROM_RESPONDER, SEL_DEFAULT,
	  SA | KE | NONCE, CREQ | N | V, CREQ | N | V, 0,
	  "IKE_SA_INIT response", "<-- HDR, SAr1, KEr, Nr, [CERTREQ+,] [N+,] [V+]" },

	{ IKEV2_EXCH_IKE_AUTH, false, FROM_INITIATOR, SEL_DEFAULT,
	  IDI | AUTH, CERT | CREQ | IDR | CHILD | N | CP | V, CERT | CREQ | N | V, CHILD,
	  "IKE_AUTH request",
	  "HDR, SK {IDi, [CERT+,] [CERTREQ+,] [IDr,] AUTH, [CP,] SAi2, TSi, TSr, [N+]} -->" },
	{ IKEV2_EXCH_IKE_AUTH, true, FROM_RESPONDER, SEL_NO_AUTH_NOTIFY,
	  N, V, N | V, 0,
	  "IKE_AUTH response (error)", "<-- HDR, SK {N(AUTHENTICATION_FAILED) ...}" },
	{ IKEV2_EXCH_IKE_AUTH, true, FROM_RESPONDER, SEL_DEFAULT,
	  IDR | AUTH, CERT | CHILD | N | CP | V, CERT | N | V, CHILD,
	  "IKE_AUTH response",
	  "<-- HDR, SK {IDr, [CERT+,] AUTH, [CP,] SAr2, TSi, TSr, [N+]} | {IDr, AUTH, N(TS_UNACCEPTABLE)}" },

	{ IKEV2_EXCH_CREATE_CHILD_SA, false, FROM_ANY, SEL_IKE_REKEY,
	  SA | NONCE | KE, N | V, N | V, 0,
	  "CREATE_CHILD_SA request (IKE SA rekey)", "HDR, SK {SA, Ni, KEi} -->" },
	{ IKEV2_EXCH_CREATE_CHILD_SA, false, FROM_ANY, SEL_CHILD_REKEY,
	  N | SA | NONCE | TSI | TSR, KE | V, N | V, 0,
	  "CREATE_CHILD_SA request (Child SA rekey)",
	  "HDR, SK {N(REKEY_SA), SA, Ni, [KEi,] TSi, TSr} -->" },
	{ IKEV2_EXCH_CREATE_CHILD_SA, false, FROM_ANY, SEL_DEFAULT,
	  SA | NONCE | TSI | TSR, KE | N | V, N | V, 0,
	  "CREATE_CHILD_SA request (new Child SA)", "HDR, SK {SA, Ni, [KEi,] TSi, TSr} -->" },
	{ IKEV2_EXCH_CREATE_CHILD_SA, true, FROM_ANY, SEL_NOTIFY_ONLY,
	  N, V, N | V, 0,
	  "CREATE_CHILD_SA response (error)", "<-- HDR, SK {N(NO_PROPOSAL_CHOSEN) ...}" },
	{ IKEV2_EXCH_CREATE_CHILD_SA, true, FROM_ANY, SEL_IKE_REKEY,
	  SA | NONCE | KE, N | V, N | V, 0,
	  "CREATE_CHILD_SA response (IKE SA rekey)", "<-- HDR, SK {SA, Nr, KEr}" },
	{ IKEV2_EXCH_CREATE_CHILD_SA, true, FROM_ANY, SEL_DEFAULT,
	  SA | NONCE | TSI | TSR, KE | N | V, N | V, 0,
	  "CREATE_CHILD_SA response (Child SA)", "<-- HDR, SK {SA, Nr, [KEr,] TSi, TSr}" },

	{ IKEV2_EXCH_INFORMATIONAL, false, FROM_ANY, SEL_DEFAULT,
	  0, N | D | CP | V, N | D | V, 0,
	  "INFORMATIONAL request", "HDR, SK {[N,] [D,] [CP,] ...} -->  (may be empty)" },
	{ IKEV2_EXCH_INFORMATIONAL, true, FROM_ANY, SEL_DEFAULT,
	  0, N | D | CP | V, N | D | V, 0,
	  "INFORMATIONAL response", "<-- HDR, SK {[N,] [D,] [CP,] ...}  (may be empty)" },
};

#define PR_REASON_NAME(name, text) [name] = #name,
static const char *const reason_names[] = { PR_REASON_LIST(PR_REASON_NAME) };
#define PR_REASON_TEXT(name, text) [name] = text,
static const char *const reason_texts[] = { PR_REASON_LIST(PR_REASON_TEXT) };

const char *pr_reason_name(enum pr_reason r)
{
	return (unsigned)r < PR_REASON_COUNT ? reason_names[r] : "PR_?";
}

static uint32_t bit_of(uint8_t type)
{
	return type >= 33 && type <= 53 ? B(type) : 0;
}

static bool first_proposal_is_ike(const struct pl_view *sa)
{
	/* proposal header: last, reserved, length(2), num, protocol id */
	return sa && sa->len >= 6 && sa->body[5] == IKEV2_PROTO_IKE;
}

/* An error notify (type < 16384), or N(COOKIE) when cookie_too. */
static bool has_error_notify(const struct ike_chain *c, bool cookie_too)
{
	for (const struct pl_view *v = ike_chain_find(c, IKEV2_PL_NOTIFY, NULL); v;
	     v = ike_chain_find(c, IKEV2_PL_NOTIFY, v)) {
		uint16_t t = v->len >= 4 ? get_be16(v->body + 2) : 0;
		if (v->len >= 4 && (ike_notify_is_error(t) || (cookie_too && t == v2N_COOKIE)))
			return true;
	}
	return false;
}

static bool selects(enum selector sel, const struct ike_chain *c)
{
	switch (sel) {
	case SEL_DEFAULT:
		return true;
	case SEL_NOTIFY_ONLY:
		return !ike_chain_find(c, IKEV2_PL_SA, NULL) && has_error_notify(c, true);
	case SEL_NO_AUTH_NOTIFY:
		return !ike_chain_find(c, IKEV2_PL_AUTH, NULL) && has_error_notify(c, false);
	case SEL_IKE_REKEY:
		return first_proposal_is_ike(ike_chain_find(c, IKEV2_PL_SA, NULL));
	case SEL_CHILD_REKEY:
		return ike_chain_find_notify(c, v2N_REKEY_SA) != NULL;
	}
	return false;
}

static const struct pr_row *pick_row(uint8_t exch, bool response, const struct ike_chain *c)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (rows[i].exch == exch && rows[i].response == response && selects(rows[i].sel, c))
			return &rows[i];
	return NULL;
}

static uint8_t lowest_type(uint32_t bits)
{
	for (uint8_t t = 33; t <= 53; t++)
		if (bits & B(t))
			return t;
	return 0;
}

static enum pr_reason fail(struct pr_result *res, enum pr_reason r, uint8_t type)
{
	res->reason = r;
	res->payload = type;
	return r;
}

/* Selects the chain the rule applies to (outer or the decrypted inner). */
static enum pr_reason pick_chain(const struct ike_msg *m, struct pr_result *res, const struct ike_chain **c)
{
	if (m->hdr.exch == IKEV2_EXCH_IKE_SA_INIT) {
		if (m->sk_index >= 0)
			return fail(res, PR_SK_UNEXPECTED, m->outer.pl[m->sk_index].type);
		*c = &m->outer;
		return PR_OK;
	}
	if (m->sk_index < 0)
		return fail(res, PR_SK_MISSING, m->outer.n ? m->outer.pl[0].type : 0);
	if (m->outer.n != 1)
		return fail(res, PR_PLAIN_WITH_SK, m->outer.pl[0].type);
	if (!m->inner_valid)
		return fail(res, PR_INNER_NOT_DECODED, 0);
	*c = &m->inner;
	return PR_OK;
}

enum pr_reason payload_rules_check(const struct ike_msg *m, struct pr_result *res)
{
	const struct ike_chain *c = NULL;
	const struct pr_row *row;
	bool response = ike_hdr_is_response(&m->hdr);
	bool from_init = ike_hdr_from_initiator(&m->hdr);
	uint32_t seen = 0, missing, partial;
	enum pr_reason r;

	memset(res, 0, sizeof(*res));
	res->exch = m->hdr.exch;
	res->response = response;
	if (!ikev2_exch_name(m->hdr.exch))
		return fail(res, PR_UNKNOWN_EXCHANGE, 0);
	r = pick_chain(m, res, &c);
	if (r != PR_OK)
		return r;
	row = pick_row(m->hdr.exch, response, c);
	if (!row)
		return fail(res, PR_UNKNOWN_EXCHANGE, 0);
	res->variant = row->variant;
	res->diagram = row->diagram;
	if ((row->from == FROM_INITIATOR && !from_init) || (row->from == FROM_RESPONDER && from_init))
		return fail(res, PR_WRONG_SENDER, 0);
	for (unsigned i = 0; i < c->n; i++) {
		uint8_t t = c->pl[i].type;
		uint32_t bit = bit_of(t);
		if (!(bit & (row->required | row->optional)))
			return fail(res, PR_FORBIDDEN, t);
		if ((seen & bit) && !(bit & row->repeat))
			return fail(res, PR_REPEATED, t);
		seen |= bit;
	}
	missing = row->required & ~seen;
	if (missing)
		return fail(res, PR_MISSING, lowest_type(missing));
	partial = row->together & ~seen;
	if (partial && partial != row->together)
		return fail(res, PR_PARTIAL_GROUP, lowest_type(partial));
	return PR_OK;
}

static const char *short_name(int type)
{
	const char *s = ikev2_payload_name(type);

	if (type == IKEV2_PL_NOTIFY)
		return "N";
	if (type == IKEV2_PL_DELETE)
		return "D";
	if (type == IKEV2_PL_VENDOR)
		return "V";
	if (type == IKEV2_PL_NONCE)
		return "Nonce";
	return s ? s + strlen("IKEV2_PL_") : "?";
}

const char *pr_fmt(const struct pr_result *res, char buf[PR_STRLEN])
{
	const char *ex = ikev2_exch_name(res->exch);
	const char *dir = res->response ? "response" : "request";

	ex = ex ? ex + strlen("IKEV2_EXCH_") : "unknown exchange";
	switch (res->reason) {
	case PR_OK:
		snprintf(buf, PR_STRLEN, "%s %s ok", ex, dir);
		break;
	case PR_MISSING:
		snprintf(buf, PR_STRLEN, "%s %s without %s", ex, dir, short_name(res->payload));
		break;
	case PR_FORBIDDEN:
		snprintf(buf, PR_STRLEN, "%s %s with unexpected %s", ex, dir, short_name(res->payload));
		break;
	case PR_REPEATED:
		snprintf(buf, PR_STRLEN, "%s %s with repeated %s", ex, dir, short_name(res->payload));
		break;
	case PR_PARTIAL_GROUP:
		snprintf(buf, PR_STRLEN, "%s %s with SA/TSi/TSr incomplete (no %s)", ex, dir,
			 short_name(res->payload));
		break;
	default:
		snprintf(buf, PR_STRLEN, "%s %s: %s", ex, dir,
			 (unsigned)res->reason < PR_REASON_COUNT ? reason_texts[res->reason] : "?");
		break;
	}
	return buf;
}
