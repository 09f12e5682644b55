/* ike= / esp= / ah= proposal lists (see proposals.h for the grammar); the
 * algorithms, their spellings and Libreswan's names are the registry's
 * (src/alg/alg.c).  Behaviour checked against Libreswan 4.10's
 * `algparse -v2` on this machine. */
#include "config/proposals.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- parser state ------------------------------------------------------- */

enum part { PART_ENCR, PART_PRF, PART_INTEG, PART_DH };

static const char *const kind_name[] = { "IKE", "ESP", "AH" };
static const char *const part_name[] = { "encryption", "PRF", "integrity", "DH" };

struct pstate {
	enum prop_kind kind;
	struct proposal_list *out;
	const char **why;
};

__attribute__((format(printf, 2, 3)))
static bool fail(struct pstate *st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(st->out->why_buf, sizeof st->out->why_buf, fmt, ap);
	va_end(ap);
	if (st->why)
		*st->why = st->out->why_buf;
	return false;
}

static const enum ikev2_trans_type part_type[] = {
	IKEV2_TRANS_ENCR, IKEV2_TRANS_PRF, IKEV2_TRANS_INTEG, IKEV2_TRANS_DH,
};

/* Is keybits one of the cipher's lengths? */
static bool keybits_ok(const struct alg_desc *a, unsigned keybits)
{
	for (size_t k = 0; k < ALG_MAX_KEYS && a->keys[k].bits; k++)
		if (a->keys[k].bits == keybits)
			return true;
	return false;
}

/* "128, 256": the cipher's lengths, ascending (keys[] is in proposal order) */
static void keybits_list(const struct alg_desc *a, char *buf, size_t cap)
{
	unsigned last = 0;
	size_t len = 0;

	buf[0] = '\0';
	for (;;) {
		unsigned next = 0;

		for (size_t k = 0; k < ALG_MAX_KEYS && a->keys[k].bits; k++)
			if (a->keys[k].bits > last && (!next || a->keys[k].bits < next))
				next = a->keys[k].bits;
		if (!next || len >= cap)
			return;
		len += (size_t)snprintf(buf + len, cap - len, "%s%u", len ? ", " : "", next);
		last = next;
	}
}

/* Encryption name with optional key length suffix: aes128, aes_256,
 * aes_gcm_c256, chacha20_poly1305. */
static bool parse_encr_one(struct pstate *st, struct proposal *p, const char *w, size_t len)
{
	const struct alg_desc *a = alg_by_name(IKEV2_TRANS_ENCR, w, len);
	unsigned keybits = 0;
	bool has_keylen = false;
	size_t base = len;

	if (!a) {
		while (base > 0 && w[base - 1] >= '0' && w[base - 1] <= '9')
			base--;
		size_t digits = len - base;
		if (digits > 0 && digits <= 5 && base > 0) {
			size_t b = base;
			if (w[b - 1] == '_')
				b--;
			a = b > 0 ? alg_by_name(IKEV2_TRANS_ENCR, w, b) : NULL;
			for (size_t i = base; i < len; i++)
				keybits = keybits * 10 + (unsigned)(w[i] - '0');
			has_keylen = a != NULL;
		}
	}
	if (!a)
		return fail(st, "%s encryption algorithm '%.*s' is not recognized",
			    kind_name[st->kind], (int)len, w);
	if (!a->implemented)
		return fail(st, "algorithm '%.*s' is not supported by Cygnet", (int)len, w);
	if (st->kind == PROP_AH)
		return fail(st, "AH proposal contains unexpected '%.*s'", (int)len, w);
	if (has_keylen && !a->keylen_attr)
		return fail(st, "%s encryption algorithm %s does not allow a key length",
			    kind_name[st->kind], a->fqn);
	if (has_keylen && keybits == 0)
		return fail(st, "%s encryption key length is zero", kind_name[st->kind]);
	if (keybits != 0 && keybits == a->keybits_unsupported)
		return fail(st, "algorithm '%.*s' is not supported by Cygnet (key length %u)",
			    (int)len, w, keybits);
	if (keybits != 0 && !keybits_ok(a, keybits)) {
		char valid[32];

		keybits_list(a, valid, sizeof(valid));
		return fail(st, "%s encryption algorithm %s with key length %u invalid; valid key lengths: %s",
			    kind_name[st->kind], a->fqn, keybits, valid);
	}
	if (p->n_encr > 0 && prop_encr_is_aead(p->encr[0].id) != a->aead)
		return fail(st, "AEAD and non-AEAD %s encryption algorithm cannot be combined",
			    kind_name[st->kind]);
	if (!prop_add(p->encr, &p->n_encr, a->id, (uint16_t)keybits))
		return fail(st, "too many %s encryption algorithms", kind_name[st->kind]);
	return true;
}

static bool parse_one(struct pstate *st, struct proposal *p, enum part part,
		      const char *w, size_t len)
{
	if (len == 0)
		return fail(st, "%s %s algorithm is empty", kind_name[st->kind], part_name[part]);
	if (part == PART_ENCR)
		return parse_encr_one(st, p, w, len);

	const struct alg_desc *a = alg_by_name(part_type[part], w, len);
	if (!a)
		return fail(st, "%s %s algorithm '%.*s' is not recognized",
			    kind_name[st->kind], part_name[part], (int)len, w);
	if (!a->implemented)
		return fail(st, "algorithm '%.*s' is not supported by Cygnet", (int)len, w);

	bool added;
	switch (part) {
	case PART_PRF:
		added = prop_add(p->prf, &p->n_prf, a->id, 0);
		break;
	case PART_INTEG:
		if (a->id == IKEV2_INTEG_NONE && st->kind == PROP_AH)
			return fail(st, "AH cannot have 'none' as the integrity algorithm");
		added = prop_add(p->integ, &p->n_integ, a->id, 0);
		break;
	default:
		if (a->id == IKEV2_DH_NONE && st->kind == PROP_IKE)
			return fail(st, "IKE DH algorithm 'none' not permitted");
		added = prop_add(p->dh, &p->n_dh, a->id, 0);
		break;
	}
	if (!added)
		return fail(st, "too many %s %s algorithms", kind_name[st->kind], part_name[part]);
	return true;
}

/* One part: "a+b+c" in [s, e). */
static bool parse_part(struct pstate *st, struct proposal *p, enum part part,
		       const char *s, const char *e)
{
	for (;;) {
		const char *plus = memchr(s, '+', (size_t)(e - s));
		const char *we = plus ? plus : e;
		if (!parse_one(st, p, part, s, (size_t)(we - s)))
			return false;
		if (!plus)
			return true;
		s = plus + 1;
	}
}

/* Does the first name of the part [s, e) name an algorithm of `type`? */
static bool first_is(enum ikev2_trans_type type, const char *s, const char *e)
{
	const char *plus = memchr(s, '+', (size_t)(e - s));
	const char *we = plus ? plus : e;
	return alg_by_name(type, s, (size_t)(we - s)) != NULL;
}

/* ---- completion ---------------------------------------------------------- */

static bool check_integ(struct pstate *st, const struct proposal *p)
{
	if (p->n_encr == 0)
		return true;
	bool aead = prop_encr_is_aead(p->encr[0].id);
	const struct alg_desc *e = alg_get(IKEV2_TRANS_ENCR, p->encr[0].id);
	for (uint8_t i = 0; i < p->n_integ; i++) {
		bool none = p->integ[i].id == IKEV2_INTEG_NONE;
		if (aead && !none)
			return fail(st, "AEAD %s encryption algorithm %s must have 'NONE' as the integrity algorithm",
				    kind_name[st->kind], e ? e->fqn : "?");
		if (!aead && none)
			return fail(st, "non-AEAD %s encryption algorithm %s cannot have 'NONE' as the integrity algorithm",
				    kind_name[st->kind], e ? e->fqn : "?");
	}
	return true;
}

/* ---- one proposal -------------------------------------------------------- */

#define MAX_TOKENS 8

static bool parse_proposal(struct pstate *st, struct proposal *p, const char *s, const char *e)
{
	memset(p, 0, sizeof *p);
	const char *semi = memchr(s, ';', (size_t)(e - s));
	const char *le = semi ? semi : e;

	/* '-' separated tokens of the left part */
	const char *tok[MAX_TOKENS], *tend[MAX_TOKENS];
	size_t nt = 0;
	for (const char *q = s;;) {
		const char *dash = memchr(q, '-', (size_t)(le - q));
		const char *qe = dash ? dash : le;
		if (nt == MAX_TOKENS)
			return fail(st, "%s proposal contains unexpected '%.*s'", kind_name[st->kind],
				    (int)(qe - q), q);
		tok[nt] = q;
		tend[nt++] = qe;
		if (!dash)
			break;
		q = dash + 1;
	}

	/* Roles of the tokens, by kind. */
	enum part role[MAX_TOKENS];
	size_t nr = 0, i = 0;
	if (st->kind == PROP_AH) {
		role[nr++] = PART_INTEG;
	} else {
		role[nr++] = PART_ENCR;
		if (st->kind == PROP_ESP) {
			role[nr++] = PART_INTEG;
		} else if (nt > 1 && !first_is(IKEV2_TRANS_PRF, tok[1], tend[1]) &&
			   first_is(IKEV2_TRANS_INTEG, tok[1], tend[1])) {
			role[nr++] = PART_INTEG;
			role[nr++] = PART_PRF;
		} else {
			role[nr++] = PART_PRF;
		}
	}
	role[nr++] = PART_DH;
	bool left_dh = false;

	for (i = 0; i < nt; i++) {
		if (i >= nr)
			return fail(st, "%s proposal contains unexpected '%.*s'", kind_name[st->kind],
				    (int)(tend[i] - tok[i]), tok[i]);
		if (!parse_part(st, p, role[i], tok[i], tend[i]))
			return false;
		left_dh = role[i] == PART_DH;
	}
	if (semi && left_dh) {
		/* ENCR-PRF-DH;DH: Libreswan names the part after ';' */
		size_t xl = strcspn(semi + 1, "-;+,");
		if ((size_t)(e - semi - 1) < xl)
			xl = (size_t)(e - semi - 1);
		return fail(st, "%s proposal contains unexpected '%.*s'", kind_name[st->kind],
			    (int)xl, semi + 1);
	}
	if (semi) {
		const char *ds = semi + 1;
		const char *semi2 = memchr(ds, ';', (size_t)(e - ds));
		const char *de = semi2 ? semi2 : e;
		/* a '-' in the DH part means more parts than the grammar has */
		const char *dash = memchr(ds, '-', (size_t)(de - ds));
		if (!parse_part(st, p, PART_DH, ds, dash ? dash : de))
			return false;
		if (dash || semi2) {
			const char *x = dash ? dash + 1 : semi2 + 1;
			size_t xl = strcspn(x, "-;+,");
			if ((size_t)(e - x) < xl)
				xl = (size_t)(e - x);
			return fail(st, "%s proposal contains unexpected '%.*s'", kind_name[st->kind],
				    (int)xl, x);
		}
	}
	if (!check_integ(st, p))
		return false;
	proposal_complete(st->kind, p);
	return true;
}

bool proposals_parse(enum prop_kind kind, const char *text, struct proposal_list *out,
		     const char **why)
{
	struct pstate st = { kind, out, why };
	out->n = 0;
	out->why_buf[0] = '\0';
	if ((unsigned)kind > PROP_AH)
		return fail(&st, "bad proposal kind");
	if (text == NULL || text[0] == '\0')
		return fail(&st, "%s proposal is empty", kind_name[kind]);

	const char *s = text;
	for (;;) {
		const char *comma = strchr(s, ',');
		const char *e = comma ? comma : s + strlen(s);
		if (out->n >= PROP_MAX) {
			out->n = 0;
			return fail(&st, "too many %s proposals (at most %d)", kind_name[kind], PROP_MAX);
		}
		if (!parse_proposal(&st, &out->p[out->n], s, e)) {
			out->n = 0;
			return false;
		}
		out->n++;
		if (!comma)
			break;
		s = comma + 1;
	}
	return true;
}

/* ---- formatting -------------------------------------------------------------- */

struct sbuf {
	char *buf;
	size_t cap, len;
};

__attribute__((format(printf, 2, 3)))
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t room = b->len < b->cap ? b->cap - b->len : 0;
	int n = vsnprintf(room ? b->buf + b->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->len += (size_t)n;
}

static void fmt_list(struct sbuf *b, enum ikev2_trans_type type, const struct prop_transform *t,
		     uint8_t n, bool keybits)
{
	for (uint8_t i = 0; i < n; i++) {
		const struct alg_desc *a = alg_get(type, t[i].id);
		sb_printf(b, "%s", i ? "+" : "");
		if (a)
			sb_printf(b, "%s", a->fqn);
		else
			sb_printf(b, "%u", t[i].id);
		if (keybits && t[i].keybits)
			sb_printf(b, "_%u", t[i].keybits);
	}
}

/* IKE shows INTEG only when it is not the one derived from the PRFs. */
static bool integ_is_derived(const struct proposal *p)
{
	if (p->n_integ != p->n_prf)
		return false;
	for (uint8_t i = 0; i < p->n_prf; i++)
		if (p->integ[i].id != prop_integ_for_prf(p->prf[i].id))
			return false;
	return true;
}

static void fmt_one(struct sbuf *b, enum prop_kind kind, const struct proposal *p)
{
	if (kind != PROP_AH) {
		fmt_list(b, IKEV2_TRANS_ENCR, p->encr, p->n_encr, true);
		sb_printf(b, "-");
	}
	if (kind == PROP_IKE) {
		if (p->n_integ && !integ_is_derived(p)) {
			fmt_list(b, IKEV2_TRANS_INTEG, p->integ, p->n_integ, false);
			sb_printf(b, "-");
		}
		fmt_list(b, IKEV2_TRANS_PRF, p->prf, p->n_prf, false);
	} else if (p->n_integ) {
		fmt_list(b, IKEV2_TRANS_INTEG, p->integ, p->n_integ, false);
	} else {
		sb_printf(b, "NONE");
	}
	if (p->n_dh) {
		sb_printf(b, "-");
		fmt_list(b, IKEV2_TRANS_DH, p->dh, p->n_dh, false);
	}
}

size_t proposal_fmt(enum prop_kind kind, const struct proposal *p, char *buf, size_t cap)
{
	struct sbuf b = { buf, cap, 0 };
	if (cap)
		buf[0] = '\0';
	fmt_one(&b, kind, p);
	return b.len;
}

bool proposals_parse_shared(enum prop_kind kind, const char *text, const struct proposal_list **out,
			    const char **why)
{
	static _Thread_local char why_copy[PROP_WHY_MAX];
	struct proposal_list l;
	const struct proposal_list *shared;
	const char *w = NULL;

	if (!proposals_parse(kind, text, &l, &w)) {
		snprintf(why_copy, sizeof(why_copy), "%s", w ? w : "invalid");
		*why = why_copy;
		return false;
	}
	if (!(shared = proposals_share(&l))) {
		*why = "out of memory";
		return false;
	}
	*out = shared;
	return true;
}

size_t proposals_fmt(enum prop_kind kind, const struct proposal_list *l, char *buf, size_t cap)
{
	struct sbuf b = { buf, cap, 0 };
	if (cap)
		buf[0] = '\0';
	for (size_t i = 0; i < l->n && i < PROP_MAX; i++) {
		if (i)
			sb_printf(&b, ", ");
		fmt_one(&b, kind, &l->p[i]);
	}
	return b.len;
}
