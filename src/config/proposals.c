/* ike= / esp= / ah= proposal lists (see proposals.h for the grammar).
 * Behaviour checked against Libreswan 4.10's `algparse -v2` on this machine. */
#include "config/proposals.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- algorithm name tables ------------------------------------------------ */

/* Names (lower case, matched case-insensitively) and what they mean.
 * `ok` = Cygnet implements it; the others are names Libreswan 4.10 knows. */
struct alg {
	const char *names;      /* space separated: canonical first */
	uint16_t id;
	bool ok;
	bool aead;              /* ENCR only */
	const char *fmt;        /* Libreswan's display name */
};

static const struct alg encr_algs[] = {
	{ "aes_cbc aes", IKEV2_ENCR_AES_CBC, true, false, "AES_CBC" },
	{ "aes_gcm_16 aes_gcm aes_gcm_c", IKEV2_ENCR_AES_GCM_16, true, true, "AES_GCM_16" },
	{ "chacha20_poly1305 chacha20poly1305", IKEV2_ENCR_CHACHA20_POLY1305, true, true, "CHACHA20_POLY1305" },
	{ "aes_gcm_12 aes_gcm_b", IKEV2_ENCR_AES_GCM_12, false, true, "AES_GCM_12" },
	{ "aes_gcm_8 aes_gcm_a", IKEV2_ENCR_AES_GCM_8, false, true, "AES_GCM_8" },
	{ "aes_ccm_16 aes_ccm aes_ccm_c", IKEV2_ENCR_AES_CCM_16, false, true, "AES_CCM_16" },
	{ "aes_ccm_12 aes_ccm_b", IKEV2_ENCR_AES_CCM_12, false, true, "AES_CCM_12" },
	{ "aes_ccm_8 aes_ccm_a", IKEV2_ENCR_AES_CCM_8, false, true, "AES_CCM_8" },
	{ "3des_cbc 3des", IKEV2_ENCR_3DES, false, false, "3DES_CBC" },
	{ "aes_ctr aesctr", IKEV2_ENCR_AES_CTR, false, false, "AES_CTR" },
	{ "camellia_cbc camellia", IKEV2_ENCR_CAMELLIA_CBC, false, false, "CAMELLIA_CBC" },
	{ "camellia_ctr", 24, false, false, "CAMELLIA_CTR" },
	{ "null_auth_aes_gmac aes_gmac", IKEV2_ENCR_NULL_AUTH_AES_GMAC, false, false, "NULL_AUTH_AES_GMAC" },
	{ "null", IKEV2_ENCR_NULL, false, false, "NULL" },
	{ NULL, 0, false, false, NULL },
};

static const struct alg prf_algs[] = {
	{ "hmac_sha2_256 sha2 sha256 sha2_256", IKEV2_PRF_HMAC_SHA2_256, true, false, "HMAC_SHA2_256" },
	{ "hmac_sha2_384 sha384 sha2_384", IKEV2_PRF_HMAC_SHA2_384, true, false, "HMAC_SHA2_384" },
	{ "hmac_sha2_512 sha512 sha2_512", IKEV2_PRF_HMAC_SHA2_512, true, false, "HMAC_SHA2_512" },
	{ "hmac_sha1 sha sha1", IKEV2_PRF_HMAC_SHA1, false, false, "HMAC_SHA1" },
	{ "hmac_md5 md5", IKEV2_PRF_HMAC_MD5, false, false, "HMAC_MD5" },
	{ "aes_xcbc aes128_xcbc", IKEV2_PRF_AES128_XCBC, false, false, "AES_XCBC" },
	{ NULL, 0, false, false, NULL },
};

static const struct alg integ_algs[] = {
	{ "hmac_sha2_256_128 sha2 sha256 sha2_256 sha2_256_128 hmac_sha2_256", IKEV2_INTEG_HMAC_SHA2_256_128, true, false, "HMAC_SHA2_256_128" },
	{ "hmac_sha2_384_192 sha384 sha2_384 sha2_384_192 hmac_sha2_384", IKEV2_INTEG_HMAC_SHA2_384_192, true, false, "HMAC_SHA2_384_192" },
	{ "hmac_sha2_512_256 sha512 sha2_512 sha2_512_256 hmac_sha2_512", IKEV2_INTEG_HMAC_SHA2_512_256, true, false, "HMAC_SHA2_512_256" },
	{ "none null", IKEV2_INTEG_NONE, true, false, "NONE" },
	{ "hmac_sha1_96 sha sha1 sha1_96 hmac_sha1", IKEV2_INTEG_HMAC_SHA1_96, false, false, "HMAC_SHA1_96" },
	{ "hmac_md5_96 md5 hmac_md5", IKEV2_INTEG_HMAC_MD5_96, false, false, "HMAC_MD5_96" },
	{ "aes_xcbc_96 aes_xcbc aes128_xcbc aes128_xcbc_96", IKEV2_INTEG_AES_XCBC_96, false, false, "AES_XCBC_96" },
	{ "aes_cmac_96 aes_cmac", IKEV2_INTEG_AES_CMAC_96, false, false, "AES_CMAC_96" },
	{ NULL, 0, false, false, NULL },
};

static const struct alg dh_algs[] = {
	{ "modp2048 dh14", IKEV2_DH_MODP2048, true, false, "MODP2048" },
	{ "modp3072 dh15", IKEV2_DH_MODP3072, true, false, "MODP3072" },
	{ "modp4096 dh16", IKEV2_DH_MODP4096, true, false, "MODP4096" },
	{ "dh19 ecp_256 ecp256", IKEV2_DH_ECP_256, true, false, "DH19" },
	{ "dh20 ecp_384 ecp384", IKEV2_DH_ECP_384, true, false, "DH20" },
	{ "dh21 ecp_521 ecp521", IKEV2_DH_ECP_521, true, false, "DH21" },
	{ "dh31 curve25519", IKEV2_DH_CURVE25519, true, false, "DH31" },
	{ "dh32 curve448", IKEV2_DH_CURVE448, true, false, "DH32" },  /* Cygnet extension */
	{ "none null dh0", IKEV2_DH_NONE, true, false, "NONE" },
	{ "modp1536 dh5", IKEV2_DH_MODP1536, false, false, "MODP1536" },
	{ "modp6144 dh17", IKEV2_DH_MODP6144, false, false, "MODP6144" },
	{ "modp8192 dh18", IKEV2_DH_MODP8192, false, false, "MODP8192" },
	{ "modp1024 dh2", IKEV2_DH_MODP1024, false, false, "MODP1024" },
	{ "modp768 dh1", 1, false, false, "MODP768" },
	{ "dh22", 22, false, false, "DH22" },
	{ "dh23", 23, false, false, "DH23" },
	{ "dh24", 24, false, false, "DH24" },
	{ NULL, 0, false, false, NULL },
};

/* Is `word` (len bytes) one of the space separated names? */
static bool name_in(const char *names, const char *word, size_t len)
{
	const char *p = names;
	while (*p) {
		size_t n = strcspn(p, " ");
		if (n == len && strncasecmp(p, word, len) == 0)
			return true;
		p += n;
		while (*p == ' ')
			p++;
	}
	return false;
}

static const struct alg *alg_lookup(const struct alg *t, const char *word, size_t len)
{
	for (; t->names; t++)
		if (name_in(t->names, word, len))
			return t;
	return NULL;
}

static const struct alg *alg_by_id(const struct alg *t, uint16_t id)
{
	for (; t->names; t++)
		if (t->id == id && t->ok)
			return t;
	return NULL;
}

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

static bool add_trans(struct prop_transform *arr, uint8_t *n, uint16_t id, uint16_t keybits)
{
	for (uint8_t i = 0; i < *n; i++)
		if (arr[i].id == id && arr[i].keybits == keybits)
			return true;    /* Libreswan discards duplicates */
	if (*n >= PROP_MAX_TRANS)
		return false;
	arr[*n].id = id;
	arr[*n].keybits = keybits;
	(*n)++;
	return true;
}

/* Encryption name with optional key length suffix: aes128, aes_256,
 * aes_gcm_c256, chacha20_poly1305. */
static bool parse_encr_one(struct pstate *st, struct proposal *p, const char *w, size_t len)
{
	const struct alg *a = alg_lookup(encr_algs, w, len);
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
			a = b > 0 ? alg_lookup(encr_algs, w, b) : NULL;
			for (size_t i = base; i < len; i++)
				keybits = keybits * 10 + (unsigned)(w[i] - '0');
			has_keylen = a != NULL;
		}
	}
	if (!a)
		return fail(st, "%s encryption algorithm '%.*s' is not recognized",
			    kind_name[st->kind], (int)len, w);
	if (!a->ok)
		return fail(st, "algorithm '%.*s' is not supported by Cygnet", (int)len, w);
	if (st->kind == PROP_AH)
		return fail(st, "AH proposal contains unexpected '%.*s'", (int)len, w);
	if (has_keylen && a->id == IKEV2_ENCR_CHACHA20_POLY1305)
		return fail(st, "%s encryption algorithm %s does not allow a key length",
			    kind_name[st->kind], a->fmt);
	if (has_keylen && keybits == 0)
		return fail(st, "%s encryption key length is zero", kind_name[st->kind]);
	if (keybits == 192)
		return fail(st, "algorithm '%.*s' is not supported by Cygnet (key length 192)",
			    (int)len, w);
	if (keybits != 0 && keybits != 128 && keybits != 256)
		return fail(st, "%s encryption algorithm %s with key length %u invalid; valid key lengths: 128, 256",
			    kind_name[st->kind], a->fmt, keybits);
	if (p->n_encr > 0 && prop_encr_is_aead(p->encr[0].id) != a->aead)
		return fail(st, "AEAD and non-AEAD %s encryption algorithm cannot be combined",
			    kind_name[st->kind]);
	if (!add_trans(p->encr, &p->n_encr, a->id, (uint16_t)keybits))
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

	const struct alg *table = part == PART_PRF ? prf_algs : part == PART_INTEG ? integ_algs : dh_algs;
	const struct alg *a = alg_lookup(table, w, len);
	if (!a)
		return fail(st, "%s %s algorithm '%.*s' is not recognized",
			    kind_name[st->kind], part_name[part], (int)len, w);
	if (!a->ok)
		return fail(st, "algorithm '%.*s' is not supported by Cygnet", (int)len, w);

	bool added;
	switch (part) {
	case PART_PRF:
		added = add_trans(p->prf, &p->n_prf, a->id, 0);
		break;
	case PART_INTEG:
		if (a->id == IKEV2_INTEG_NONE && st->kind == PROP_AH)
			return fail(st, "AH cannot have 'none' as the integrity algorithm");
		added = add_trans(p->integ, &p->n_integ, a->id, 0);
		break;
	default:
		if (a->id == IKEV2_DH_NONE && st->kind == PROP_IKE)
			return fail(st, "IKE DH algorithm 'none' not permitted");
		added = add_trans(p->dh, &p->n_dh, a->id, 0);
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

/* Does the first name of the part [s, e) name something in `table`? */
static bool first_is(const struct alg *table, const char *s, const char *e)
{
	const char *plus = memchr(s, '+', (size_t)(e - s));
	const char *we = plus ? plus : e;
	return alg_lookup(table, s, (size_t)(we - s)) != NULL;
}

/* ---- defaults and completion --------------------------------------------- */

static const uint16_t default_ike_dh[] = {
	IKEV2_DH_MODP2048, IKEV2_DH_MODP3072, IKEV2_DH_MODP4096,
	IKEV2_DH_ECP_256, IKEV2_DH_ECP_384, IKEV2_DH_ECP_521, IKEV2_DH_CURVE25519,
};

static void fill_defaults(enum prop_kind kind, struct proposal *p)
{
	bool aead = p->n_encr > 0 && prop_encr_is_aead(p->encr[0].id);

	if (kind == PROP_IKE) {
		if (p->n_prf == 0) {
			add_trans(p->prf, &p->n_prf, IKEV2_PRF_HMAC_SHA2_512, 0);
			add_trans(p->prf, &p->n_prf, IKEV2_PRF_HMAC_SHA2_256, 0);
		}
		if (p->n_integ == 0 && !aead)
			for (uint8_t i = 0; i < p->n_prf; i++)
				add_trans(p->integ, &p->n_integ, prop_integ_for_prf(p->prf[i].id), 0);
		if (p->n_dh == 0)
			for (size_t i = 0; i < sizeof default_ike_dh / sizeof default_ike_dh[0]; i++)
				add_trans(p->dh, &p->n_dh, default_ike_dh[i], 0);
	} else if (p->n_integ == 0 && !aead) {
		add_trans(p->integ, &p->n_integ, IKEV2_INTEG_HMAC_SHA2_512_256, 0);
		add_trans(p->integ, &p->n_integ, IKEV2_INTEG_HMAC_SHA2_256_128, 0);
	}
	/* An explicit "null" integrity with AEAD is the same as none. */
	if (aead && p->n_integ == 1 && p->integ[0].id == IKEV2_INTEG_NONE)
		p->n_integ = 0;
}

static bool check_integ(struct pstate *st, const struct proposal *p)
{
	if (p->n_encr == 0)
		return true;
	bool aead = prop_encr_is_aead(p->encr[0].id);
	const struct alg *e = alg_by_id(encr_algs, p->encr[0].id);
	for (uint8_t i = 0; i < p->n_integ; i++) {
		bool none = p->integ[i].id == IKEV2_INTEG_NONE;
		if (aead && !none)
			return fail(st, "AEAD %s encryption algorithm %s must have 'NONE' as the integrity algorithm",
				    kind_name[st->kind], e ? e->fmt : "?");
		if (!aead && none)
			return fail(st, "non-AEAD %s encryption algorithm %s cannot have 'NONE' as the integrity algorithm",
				    kind_name[st->kind], e ? e->fmt : "?");
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
		} else if (nt > 1 && !first_is(prf_algs, tok[1], tend[1]) &&
			   first_is(integ_algs, tok[1], tend[1])) {
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
	fill_defaults(st->kind, p);
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

/* ---- defaults -------------------------------------------------------------- */

void proposals_default(enum prop_kind kind, struct proposal_list *out)
{
	static const struct { uint16_t id, bits; } ciphers[] = {
		{ IKEV2_ENCR_AES_GCM_16, 256 }, { IKEV2_ENCR_AES_GCM_16, 128 },
		{ IKEV2_ENCR_AES_CBC, 256 }, { IKEV2_ENCR_AES_CBC, 128 },
	};
	memset(out, 0, sizeof *out);
	if (kind == PROP_AH) {
		/* Libreswan: HMAC_SHA2_512_256, HMAC_SHA2_256_128, HMAC_SHA1_96 */
		out->p[0].integ[0].id = IKEV2_INTEG_HMAC_SHA2_512_256;
		out->p[0].n_integ = 1;
		out->p[1].integ[0].id = IKEV2_INTEG_HMAC_SHA2_256_128;
		out->p[1].n_integ = 1;
		out->n = 2;
		return;
	}
	for (size_t i = 0; i < 4; i++) {
		struct proposal *p = &out->p[i];
		p->encr[0].id = ciphers[i].id;
		p->encr[0].keybits = ciphers[i].bits;
		p->n_encr = 1;
		fill_defaults(kind, p);
	}
	out->n = 4;
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

static void fmt_list(struct sbuf *b, const struct alg *table, const struct prop_transform *t,
		     uint8_t n, bool keybits)
{
	for (uint8_t i = 0; i < n; i++) {
		const struct alg *a = alg_by_id(table, t[i].id);
		sb_printf(b, "%s", i ? "+" : "");
		if (a)
			sb_printf(b, "%s", a->fmt);
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
		fmt_list(b, encr_algs, p->encr, p->n_encr, true);
		sb_printf(b, "-");
	}
	if (kind == PROP_IKE) {
		if (p->n_integ && !integ_is_derived(p)) {
			fmt_list(b, integ_algs, p->integ, p->n_integ, false);
			sb_printf(b, "-");
		}
		fmt_list(b, prf_algs, p->prf, p->n_prf, false);
	} else if (p->n_integ) {
		fmt_list(b, integ_algs, p->integ, p->n_integ, false);
	} else {
		sb_printf(b, "NONE");
	}
	if (p->n_dh) {
		sb_printf(b, "-");
		fmt_list(b, dh_algs, p->dh, p->n_dh, false);
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

/* ---- helpers for SA builders ------------------------------------------------ */

bool prop_encr_is_aead(uint16_t encr_id)
{
	for (const struct alg *a = encr_algs; a->names; a++)
		if (a->id == encr_id)
			return a->aead;
	return false;
}

bool prop_encr_has_keylen_attr(uint16_t encr_id)
{
	return encr_id == IKEV2_ENCR_AES_CBC || encr_id == IKEV2_ENCR_AES_GCM_16 ||
	       encr_id == IKEV2_ENCR_AES_GCM_12 || encr_id == IKEV2_ENCR_AES_GCM_8 ||
	       encr_id == IKEV2_ENCR_AES_CTR || encr_id == IKEV2_ENCR_AES_CCM_16 ||
	       encr_id == IKEV2_ENCR_CAMELLIA_CBC;
}

size_t prop_encr_keylens(const struct prop_transform *t, uint16_t out[2])
{
	if (t->keybits) {
		out[0] = t->keybits;
		return 1;
	}
	if (t->id == IKEV2_ENCR_CHACHA20_POLY1305) {
		out[0] = 256;
		return 1;
	}
	out[0] = 256;
	out[1] = 128;
	return 2;
}

uint16_t prop_integ_for_prf(uint16_t prf_id)
{
	switch (prf_id) {
	case IKEV2_PRF_HMAC_SHA2_256: return IKEV2_INTEG_HMAC_SHA2_256_128;
	case IKEV2_PRF_HMAC_SHA2_384: return IKEV2_INTEG_HMAC_SHA2_384_192;
	case IKEV2_PRF_HMAC_SHA2_512: return IKEV2_INTEG_HMAC_SHA2_512_256;
	default: return IKEV2_INTEG_NONE;
	}
}

size_t prop_integ_keylen(uint16_t integ_id)
{
	switch (integ_id) {
	case IKEV2_INTEG_HMAC_SHA2_256_128: return 32;
	case IKEV2_INTEG_HMAC_SHA2_384_192: return 48;
	case IKEV2_INTEG_HMAC_SHA2_512_256: return 64;
	default: return 0;
	}
}

size_t prop_prf_keylen(uint16_t prf_id)
{
	switch (prf_id) {
	case IKEV2_PRF_HMAC_SHA2_256: return 32;
	case IKEV2_PRF_HMAC_SHA2_384: return 48;
	case IKEV2_PRF_HMAC_SHA2_512: return 64;
	default: return 0;
	}
}
