/* Typed ipsec.conf values: scalars (booleans, enumerations, times, sizes,
 * numbers, marks, labels, lists).  Addresses, selectors and keys are in
 * values_net.c.  Behaviour was checked against Libreswan 4.10's
 * readwriteconf/addconn on this machine; differences are listed in
 * docs/COMPATIBILITY.md "Values". */
#include "config/values.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#define WHY(s) do { if (why) *why = (s); return false; } while (0)

/* ---- booleans and enumerations -------------------------------------------- */

bool val_bool(const char *text, bool *out, const char **why)
{
	/* Libreswan 4.10 accepts yes/no, y/n, true/false, on/off (its lexer
	 * rejects 1/0).  Matching is case-insensitive here. */
	static const struct val_name names[] = {
		{ "yes", 1 }, { "y", 1 }, { "true", 1 }, { "on", 1 },
		{ "no", 0 }, { "n", 0 }, { "false", 0 }, { "off", 0 },
		{ NULL, 0 },
	};
	int v;
	if (!val_enum(text, names, &v, NULL))
		WHY("expected yes or no");
	*out = v != 0;
	return true;
}

bool val_enum(const char *text, const struct val_name *names, int *out, const char **why)
{
	if (text == NULL || text[0] == '\0')
		WHY("empty value");
	for (const struct val_name *n = names; n->name; n++) {
		if (strcasecmp(n->name, text) == 0) {
			*out = n->value;
			return true;
		}
	}
	WHY("invalid value");
}

const char *val_enum_name(const struct val_name *names, int value)
{
	for (const struct val_name *n = names; n->name; n++)
		if (n->value == value)
			return n->name;
	return NULL;
}

const struct val_name val_auto_names[] = {
	{ "ignore", VAL_AUTO_IGNORE }, { "add", VAL_AUTO_ADD }, { "ondemand", VAL_AUTO_ONDEMAND },
	{ "route", VAL_AUTO_ONDEMAND }, { "start", VAL_AUTO_START }, { "keep", VAL_AUTO_KEEP },
	{ NULL, 0 },
};

const struct val_name val_ikev2_names[] = {
	{ "yes", VAL_IKEV2_YES }, { "no", VAL_IKEV2_NO }, { "propose", VAL_IKEV2_YES },
	{ "insist", VAL_IKEV2_YES }, { "permit", VAL_IKEV2_NO }, { "always", VAL_IKEV2_YES },
	{ "never", VAL_IKEV2_NO },
	{ NULL, 0 },
};

const struct val_name val_type_names[] = {
	{ "tunnel", VAL_TYPE_TUNNEL }, { "transport", VAL_TYPE_TRANSPORT },
	{ "passthrough", VAL_TYPE_PASSTHROUGH }, { "pass", VAL_TYPE_PASSTHROUGH },
	{ "drop", VAL_TYPE_DROP }, { "reject", VAL_TYPE_REJECT },
	{ NULL, 0 },
};

/* ---- numbers ------------------------------------------------------------------ */

/* Leading unsigned decimal digits of s into *v; returns the end, or NULL
 * when there are none or on overflow. */
static const char *scan_u64(const char *s, uint64_t *v)
{
	uint64_t n = 0;
	const char *p = s;
	while (*p >= '0' && *p <= '9') {
		unsigned d = (unsigned)(*p - '0');
		if (n > (UINT64_MAX - d) / 10)
			return NULL;
		n = n * 10 + d;
		p++;
	}
	if (p == s)
		return NULL;
	*v = n;
	return p;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Whole-string unsigned number: decimal or 0x hex. */
static bool parse_u64(const char *s, uint64_t *v)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		uint64_t n = 0;
		const char *p = s + 2;
		if (*p == '\0')
			return false;
		for (; *p; p++) {
			int h = hexval((unsigned char)*p);
			if (h < 0 || n > UINT64_MAX >> 4)
				return false;
			n = n << 4 | (unsigned)h;
		}
		*v = n;
		return true;
	}
	const char *e = scan_u64(s, v);
	return e != NULL && *e == '\0';
}

bool val_number(const char *text, uint64_t min, uint64_t max, uint64_t *out, const char **why)
{
	uint64_t v;
	if (text == NULL || text[0] == '\0')
		WHY("empty value");
	if (!parse_u64(text, &v))
		WHY("not a number");
	if (v < min || v > max)
		WHY("number out of range");
	*out = v;
	return true;
}

bool val_signed(const char *text, int64_t min, int64_t max, int64_t *out, const char **why)
{
	uint64_t v;
	bool neg = false;
	if (text == NULL || text[0] == '\0')
		WHY("empty value");
	if (text[0] == '-') {
		neg = true;
		text++;
	}
	const char *e = scan_u64(text, &v);
	if (e == NULL || *e != '\0')
		WHY("not a number");
	if (v > (uint64_t)INT64_MAX + (neg ? 1u : 0u))
		WHY("number out of range");
	int64_t s = neg ? (int64_t)(0 - v) : (int64_t)v;
	if (s < min || s > max)
		WHY("number out of range");
	*out = s;
	return true;
}

bool val_keyingtries(const char *text, uint32_t *out, const char **why)
{
	uint64_t v;
	if (text && strcasecmp(text, "%forever") == 0) {
		*out = 0;
		return true;
	}
	if (!val_number(text, 0, UINT32_MAX, &v, why))
		return false;
	*out = (uint32_t)v;
	return true;
}

bool val_port(const char *text, uint16_t *out, const char **why)
{
	uint64_t v;
	if (text == NULL || text[0] == '\0')
		WHY("empty value");
	const char *e = scan_u64(text, &v);
	if (e == NULL || *e != '\0')
		WHY("port is not a number");
	if (v == 0 || v > 65535)
		WHY("port must be between 1 and 65535");
	*out = (uint16_t)v;
	return true;
}

/* ---- times ---------------------------------------------------------------------- */

/* Suffixes Libreswan 4.10 accepts (case-insensitive): ms s m h d w. */
static bool duration(const char *text, uint64_t bare_mult, uint64_t *ms, const char **why)
{
	static const struct { const char *sfx; uint64_t mult; } units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
		{ "d", 86400000 }, { "w", 604800000 },
	};
	uint64_t v, mult = 0;
	if (text == NULL || text[0] == '\0')
		WHY("empty time value");
	const char *e = scan_u64(text, &v);
	if (e == NULL)
		WHY(text[0] == '-' ? "time value must not be negative" : "time value is not a number");
	if (*e == '\0') {
		mult = bare_mult;
	} else {
		for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
			if (strcasecmp(e, units[i].sfx) == 0)
				mult = units[i].mult;
		if (mult == 0)
			WHY("unknown time unit (use s, m, h, d or w)");
	}
	if (v > UINT64_MAX / mult)
		WHY("time value too large");
	*ms = v * mult;
	return true;
}

bool val_duration(const char *text, uint64_t *ms, const char **why)
{
	return duration(text, 1000, ms, why);
}

bool val_duration_ms(const char *text, uint64_t *ms, const char **why)
{
	return duration(text, 1, ms, why);
}

bool val_lifetime(const char *text, uint64_t max_ms, uint64_t *ms, bool *clamped, const char **why)
{
	uint64_t v;
	if (!duration(text, 1000, &v, why))
		return false;
	*clamped = v > max_ms;
	*ms = *clamped ? max_ms : v;
	return true;
}

/* ---- percentages and sizes --------------------------------------------------------- */

bool val_percent(const char *text, unsigned max_pct, unsigned *pct, const char **why)
{
	uint64_t v;
	if (text == NULL || text[0] == '\0')
		WHY("empty value");
	const char *e = scan_u64(text, &v);
	if (e == NULL || e[0] != '%' || e[1] != '\0')
		WHY("percentage must be a number followed by %");
	if (v > max_pct)
		WHY("percentage too large");
	*pct = (unsigned)v;
	return true;
}

bool val_bytes(const char *text, uint64_t *out, const char **why)
{
	static const char *const sfx[] = { "kib", "mib", "gib", "tib", "pib", "eib" };
	uint64_t v;
	if (text == NULL || text[0] == '\0')
		WHY("empty value");
	const char *e = scan_u64(text, &v);
	if (e == NULL)
		WHY("byte count is not a number");
	if (*e != '\0') {
		unsigned shift = 0;
		for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++)
			if (strcasecmp(e, sfx[i]) == 0)
				shift = 10 * (unsigned)(i + 1);
		if (shift == 0)
			WHY("unknown byte unit (use KiB, MiB, GiB, TiB, PiB or EiB)");
		if (v > UINT64_MAX >> shift)
			WHY("byte count too large");
		v <<= shift;
	}
	*out = v;
	return true;
}

/* ---- marks, labels ------------------------------------------------------------------ */

static bool parse_u32(const char *s, uint32_t *v)
{
	uint64_t n;
	if (!parse_u64(s, &n) || n > UINT32_MAX)
		return false;
	*v = (uint32_t)n;
	return true;
}

bool val_mark(const char *text, struct val_mark *out, const char **why)
{
	char buf[32];
	if (text == NULL || text[0] == '\0')
		WHY("empty mark");
	size_t n = strlen(text);
	if (n >= sizeof buf)
		WHY("mark too long");
	memcpy(buf, text, n + 1);
	char *slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	out->unique = false;
	out->value = 0;
	out->mask = 0xffffffffu;
	if (strcmp(buf, "-1") == 0)
		out->unique = true;
	else if (!parse_u32(buf, &out->value))
		WHY("bad mark value (want a number, 0x hex, or -1)");
	if (slash && !parse_u32(slash + 1, &out->mask))
		WHY("bad mark mask (want a number or 0x hex)");
	if (!out->unique && (out->value & ~out->mask) != 0)
		WHY("mark value has bits outside its mask");
	return true;
}

bool val_sec_label(const char *text, char out[VAL_LABEL_MAX], const char **why)
{
	if (text == NULL || text[0] == '\0')
		WHY("empty security label");
	size_t n = strlen(text);
	if (n >= VAL_LABEL_MAX)
		WHY("security label too long");
	for (size_t i = 0; i < n; i++)
		if (!isgraph((unsigned char)text[i]))
			WHY("security label contains white space or control characters");
	memcpy(out, text, n + 1);
	return true;
}

/* ---- lists ---------------------------------------------------------------------------- */

bool val_words(const char *text, bool (*fn)(const char *word, void *ctx), void *ctx,
	       const char **why)
{
	char w[VAL_NAME_MAX];
	const char *p = text ? text : "";
	for (;;) {
		p += strspn(p, " \t,");
		if (*p == '\0')
			return true;
		size_t n = strcspn(p, " \t,");
		if (n >= sizeof w)
			WHY("list item too long");
		memcpy(w, p, n);
		w[n] = '\0';
		if (!fn(w, ctx))
			WHY("invalid list item");
		p += n;
	}
}

static const struct { const char *name; uint32_t bits; } dbg_names[] = {
	{ "base", VAL_DBG_BASE }, { "cpu-usage", VAL_DBG_CPU_USAGE }, { "crypt", VAL_DBG_CRYPT },
	{ "private", VAL_DBG_PRIVATE }, { "tmi", VAL_DBG_TMI }, { "dns", VAL_DBG_DNS },
	{ "routing", VAL_DBG_ROUTING }, { "whackwatch", VAL_DBG_WHACKWATCH },
	{ "nattraversal", VAL_DBG_NATT }, { "refcnt", VAL_DBG_REFCNT },
	{ "add-prefix", VAL_DBG_ADD_PREFIX }, { "all", VAL_DBG_ALL },
	/* Libreswan 4.10 also takes these; they map onto the nearest class. */
	{ "controlmore", VAL_DBG_BASE }, { "control", VAL_DBG_BASE }, { "lifecycle", VAL_DBG_BASE },
	{ "emitting", VAL_DBG_BASE }, { "parsing", VAL_DBG_BASE }, { "raw", VAL_DBG_TMI },
	{ "crypt-low", VAL_DBG_CRYPT }, { "proposal-parser", VAL_DBG_BASE },
	{ "klips", VAL_DBG_ROUTING }, { "netkey", VAL_DBG_ROUTING }, { "x509", VAL_DBG_BASE },
	{ "dpd", VAL_DBG_BASE }, { "oppo", VAL_DBG_BASE }, { "oppoinfo", VAL_DBG_BASE },
};

static bool dbg_word(const char *w, uint32_t *bits)
{
	bool neg = strncasecmp(w, "no-", 3) == 0;
	const char *name = neg ? w + 3 : w;
	if (!neg && strcasecmp(name, "none") == 0) {
		*bits = 0;
		return true;
	}
	for (size_t i = 0; i < sizeof dbg_names / sizeof dbg_names[0]; i++) {
		if (strcasecmp(name, dbg_names[i].name) == 0) {
			if (neg)
				*bits &= ~dbg_names[i].bits;
			else
				*bits |= dbg_names[i].bits;
			return true;
		}
	}
	return false;
}

bool val_plutodebug(const char *text, uint32_t *out, const char **why)
{
	char w[64];
	uint32_t bits = 0;
	const char *p = text ? text : "";
	for (;;) {
		p += strspn(p, " \t,");
		if (*p == '\0')
			break;
		size_t n = strcspn(p, " \t,");
		if (n >= sizeof w)
			WHY("unknown debug option");
		memcpy(w, p, n);
		w[n] = '\0';
		if (!dbg_word(w, &bits))
			WHY("unknown debug option");
		p += n;
	}
	*out = bits;
	return true;
}
