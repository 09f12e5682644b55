/* Libreswan 4.10 `addconn --configsetup` output (see setup_export.h).
 *
 * The table below is Libreswan's config-setup keyword table as its addconn
 * walks it: row order, value kind and the default its confread sets (as
 * printed).  It was read off the installed /usr/libexec/ipsec/addconn by
 * setting every keyword (tests/integration/config_vs_libreswan.sh repeats
 * that comparison on every `make check`). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/setup_export.h"
#include "config/values.h"

enum sx_kind {
	SX_STRING,   /* as written */
	SX_BOOL,     /* yes / no */
	SX_NUMBER,   /* Libreswan integer reading */
	SX_TIME,     /* milliseconds */
	SX_ENUM,     /* Libreswan's number for the word */
	SX_DEBUG,    /* plutodebug bit mask */
};

struct sx_word {
	const char *name;
	int value;
};

struct sx_row {
	const char *var;            /* printed name (dashes already underscores) */
	const char *kw;             /* Cygnet canonical keyword it prints */
	enum sx_kind kind;
	const char *def;            /* printed when not given; NULL = line omitted */
	const struct sx_word *words;/* SX_ENUM, NULL-terminated */
};

static const struct sx_word ikev1_policy_w[] = {
	{ "accept", 0 }, { "reject", 1 }, { "drop", 2 }, { NULL, 0 } };
static const struct sx_word ocsp_method_w[] = { { "get", 0 }, { "post", 1 }, { NULL, 0 } };
static const struct sx_word ddos_mode_w[] = {
	{ "auto", 1 }, { "busy", 2 }, { "unlimited", 3 }, { NULL, 0 } };

#define STR(v, k, d)   { v, k, SX_STRING, d, NULL }
#define BOOL(v, k, d)  { v, k, SX_BOOL, d, NULL }
#define NUM(v, k, d)   { v, k, SX_NUMBER, d, NULL }
#define TIME(v, k, d)  { v, k, SX_TIME, d, NULL }
#define ENUM(v, k, d, w) { v, k, SX_ENUM, d, w }

static const struct sx_row sx_table[] = {
	ENUM("ikev1_policy", "ikev1-policy", "2", ikev1_policy_w),
	STR("curl_iface", "curl-iface", NULL),
	TIME("curl_timeout", "curl-timeout", NULL),
	STR("myvendorid", "myvendorid", NULL),
	STR("syslog", "syslog", NULL),
	{ "plutodebug", "plutodebug", SX_DEBUG, NULL, NULL },
	STR("logfile", "logfile", NULL),
	STR("plutostderrlog", "logfile", NULL),           /* alias row, printed too */
	BOOL("logtime", "logtime", "yes"),
	BOOL("logappend", "logappend", "yes"),
	BOOL("logip", "logip", "yes"),
	BOOL("audit_log", "audit-log", "yes"),
	BOOL("dnssec_enable", "dnssec-enable", "yes"),
	STR("dnssec_rootkey_file", "dnssec-rootkey-file", "/usr/share/dns/root.key"),
	STR("dnssec_anchors", "dnssec-anchors", NULL),
	STR("dumpdir", "dumpdir", "/run/pluto"),
	STR("ipsecdir", "ipsecdir", "/etc/ipsec.d"),
	STR("nssdir", "nssdir", "/var/lib/ipsec/nss"),
	STR("secretsfile", "secretsfile", "/etc/ipsec.secrets"),
	STR("statsbin", "statsbin", NULL),
	BOOL("uniqueids", "uniqueids", "yes"),
	TIME("shuntlifetime", "shuntlifetime", "900000"),
	STR("global_redirect", "global-redirect", NULL),  /* a string in Libreswan */
	STR("global_redirect_to", "global-redirect-to", NULL),
	BOOL("crl_strict", "crl-strict", "no"),
	TIME("crlcheckinterval", "crlcheckinterval", NULL),
	BOOL("ocsp_strict", "ocsp-strict", "no"),
	BOOL("ocsp_enable", "ocsp-enable", "no"),
	STR("ocsp_uri", "ocsp-uri", NULL),
	NUM("ocsp_timeout", "ocsp-timeout", "2"),         /* seconds, a plain number */
	STR("ocsp_trustname", "ocsp-trustname", NULL),
	NUM("ocsp_cache_size", "ocsp-cache-size", "1000"),
	TIME("ocsp_cache_min_age", "ocsp-cache-min-age", "3600000"),
	TIME("ocsp_cache_max_age", "ocsp-cache-max-age", "86400000"),
	ENUM("ocsp_method", "ocsp-method", NULL, ocsp_method_w),
	ENUM("ddos_mode", "ddos-mode", "1", ddos_mode_w),
	NUM("ddos_ike_threshold", "ddos-ike-threshold", "25000"),
	NUM("max_halfopen_ike", "max-halfopen-ike", "50000"),
	NUM("ike_socket_bufsize", "ike-socket-bufsize", NULL),
	BOOL("ike_socket_errqueue", "ike-socket-errqueue", "yes"),
	NUM("nflog_all", "nflog-all", NULL),
	NUM("xfrmlifetime", "xfrmlifetime", "30"),        /* seconds, a plain number */
	STR("virtual_private", "virtual-private", NULL),
	STR("virtual_private", "virtual-private", NULL),  /* virtual_private alias row */
	NUM("seedbits", "seedbits", NULL),
	NUM("keep_alive", "keep-alive", NULL),
	BOOL("listen_tcp", "listen-tcp", "no"),
	BOOL("listen_udp", "listen-udp", "yes"),
	STR("listen", "listen", NULL),
	STR("protostack", "protostack", NULL),            /* a string in Libreswan */
	NUM("nhelpers", "nhelpers", "-1"),
	BOOL("drop_oppo_null", "drop-oppo-null", "no"),
	NUM("ikev1_secctx_attr_type", "ikev1-secctx-attr-type", "32001"),
};

/* Cygnet setup keywords Libreswan 4.10's addconn never prints:
 * interfaces (obsolete there: warned about and ignored), seccomp (Debian's
 * build has no seccomp support: `syntax error [seccomp]`). */
static const char *const sx_skipped[] = { "interfaces", "seccomp" };

#define N_ROWS (sizeof(sx_table) / sizeof(sx_table[0]))

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* digits -> uint64; false on overflow or non-digit (stops at *end) */
static bool scan_digits(const char *s, uint64_t *v, const char **end)
{
	uint64_t n = 0;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (n > (UINT64_MAX - d) / 10)
			return false;
		n = n * 10 + d;
	}
	*end = p;
	*v = n;
	return p != s;
}

/* Libreswan's integer: digits only, else 0; printed as intmax_t. */
static void fmt_number(const char *v, char *buf, size_t cap)
{
	uint64_t n = 0;
	const char *end;

	if (!scan_digits(v, &n, &end) || *end)
		n = 0;
	snprintf(buf, cap, "%" PRId64, (int64_t)n);
}

/* Libreswan's duration: digits, optional unit; false = not understood. */
static bool fmt_time(const char *v, char *buf, size_t cap)
{
	static const struct { const char *unit; uint64_t ms; } units[] = {
		{ "", 1000 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
		{ "d", 86400000 }, { "w", 604800000 },
	};
	uint64_t n;
	const char *end;

	if (!scan_digits(v, &n, &end))
		return false;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcasecmp(end, units[i].unit) == 0) {
			/* Libreswan multiplies without an overflow check: wrap too */
			snprintf(buf, cap, "%" PRId64, (int64_t)(n * units[i].ms));
			return true;
		}
	}
	return false;
}

static bool fmt_enum(const struct sx_word *w, const char *v, char *buf, size_t cap)
{
	for (; w->name; w++) {
		if (strcasecmp(w->name, v) == 0) {
			snprintf(buf, cap, "%d", w->value);
			return true;
		}
	}
	return false;
}

/* ---- plutodebug ---------------------------------------------------------- */

enum {
	LSW_DBG_BASE = 1, LSW_DBG_CPU_USAGE = 2, LSW_DBG_REFCNT = 4, LSW_DBG_TMI = 8,
	LSW_DBG_CRYPT = 16, LSW_DBG_PRIVATE = 32, LSW_DBG_WHACKWATCH = 64,
	LSW_DBG_ADD_PREFIX = 128,
	LSW_DBG_ALL = LSW_DBG_BASE | LSW_DBG_CPU_USAGE | LSW_DBG_REFCNT,
};

static const struct { const char *name; uint64_t bit; } lsw_dbg_names[] = {
	{ "base", LSW_DBG_BASE }, { "cpu-usage", LSW_DBG_CPU_USAGE },
	{ "refcnt", LSW_DBG_REFCNT }, { "tmi", LSW_DBG_TMI }, { "crypt", LSW_DBG_CRYPT },
	{ "private", LSW_DBG_PRIVATE }, { "whackwatch", LSW_DBG_WHACKWATCH },
	{ "add-prefix", LSW_DBG_ADD_PREFIX },
};

/* One class name as Libreswan 4.10 reads it: the aliases "all" and "tmi"
 * (exact case), else a class name with an optional "debug-" prefix, any
 * case. */
static bool lsw_dbg_class(const char *w, uint64_t *bits)
{
	if (strcmp(w, "all") == 0) {
		*bits = LSW_DBG_ALL;
		return true;
	}
	if (strcmp(w, "tmi") == 0) {
		*bits = LSW_DBG_ALL | LSW_DBG_TMI;
		return true;
	}
	if (strncasecmp(w, "debug-", 6) == 0)
		w += 6;
	for (size_t i = 0; i < sizeof(lsw_dbg_names) / sizeof(lsw_dbg_names[0]); i++) {
		if (strcasecmp(w, lsw_dbg_names[i].name) == 0) {
			*bits = lsw_dbg_names[i].bit;
			return true;
		}
	}
	return false;
}

/* A word Libreswan rejects: Cygnet's own reading (values.h), its classes
 * mapped onto the nearest Libreswan class. */
static bool cy_dbg_class(const char *w, uint64_t *bits)
{
	static const struct { uint32_t cy; uint64_t lsw; } map[] = {
		{ VAL_DBG_BASE, LSW_DBG_BASE }, { VAL_DBG_CPU_USAGE, LSW_DBG_CPU_USAGE },
		{ VAL_DBG_CRYPT, LSW_DBG_CRYPT }, { VAL_DBG_PRIVATE, LSW_DBG_PRIVATE },
		{ VAL_DBG_TMI, LSW_DBG_TMI }, { VAL_DBG_DNS, LSW_DBG_BASE },
		{ VAL_DBG_ROUTING, LSW_DBG_BASE }, { VAL_DBG_WHACKWATCH, LSW_DBG_WHACKWATCH },
		{ VAL_DBG_NATT, LSW_DBG_BASE }, { VAL_DBG_REFCNT, LSW_DBG_REFCNT },
		{ VAL_DBG_ADD_PREFIX, LSW_DBG_ADD_PREFIX },
	};
	uint32_t cy;

	if (!val_plutodebug(w, &cy, NULL) || cy == 0)
		return false;
	*bits = 0;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (cy & map[i].cy)
			*bits |= map[i].lsw;
	if (strcasecmp(w, "all") == 0)
		*bits = LSW_DBG_ALL;
	return true;
}

static void dbg_apply(uint64_t *bits, bool neg, uint64_t m)
{
	if (neg)
		*bits &= ~m;
	else
		*bits |= m;
}

/* none / [no-]CLASS; Libreswan's reading first, then Cygnet's (any case). */
static void dbg_word(const char *w, uint64_t *bits)
{
	bool neg = strncmp(w, "no-", 3) == 0;
	uint64_t m;

	if (strcmp(w, "none") == 0) {
		*bits = 0;
		return;
	}
	if (lsw_dbg_class(neg ? w + 3 : w, &m)) {
		dbg_apply(bits, neg, m);
		return;
	}
	if (strcasecmp(w, "none") == 0) {
		*bits = 0;
		return;
	}
	neg = strncasecmp(w, "no-", 3) == 0;
	if (cy_dbg_class(neg ? w + 3 : w, &m))
		dbg_apply(bits, neg, m);
	/* a word neither reads is ignored */
}

uint64_t setup_export_debug_bits(const char *text)
{
	uint64_t bits = 0;
	char w[64];
	const char *p = text ? text : "";

	for (;;) {
		p += strspn(p, " \t,+");
		if (!*p)
			return bits;
		size_t n = strcspn(p, " \t,+");
		if (n < sizeof(w)) {
			memcpy(w, p, n);
			w[n] = '\0';
			dbg_word(w, &bits);
		}
		p += n;
	}
}

/* ---- rows ------------------------------------------------------------------ */

static const struct sx_row *row_of(const char *kw)
{
	for (size_t i = 0; i < N_ROWS; i++)
		if (strcmp(sx_table[i].kw, kw) == 0)
			return &sx_table[i];
	return NULL;
}

const char *setup_export_keyword(size_t i)
{
	return i < N_ROWS ? sx_table[i].kw : NULL;
}

bool setup_export_knows(const char *keyword)
{
	return row_of(keyword) != NULL;
}

bool setup_export_skipped(const char *keyword)
{
	for (size_t i = 0; i < sizeof(sx_skipped) / sizeof(sx_skipped[0]); i++)
		if (strcmp(sx_skipped[i], keyword) == 0)
			return true;
	return false;
}

/* The printed text of row r for value v (NULL = not given): v itself, the
 * default, or a number formatted into buf; NULL = the line is omitted. */
static const char *row_value(const struct sx_row *r, const char *v, char *buf, size_t cap)
{
	bool b;

	if (v && !*v)
		v = NULL;               /* `key=` leaves Libreswan's value alone */
	if (v) {
		switch (r->kind) {
		case SX_STRING:
			/* Libreswan's lexer hands digits over as a number token,
			 * which a string keyword drops (its default with it) */
			return all_digits(v) ? NULL : v;
		case SX_BOOL:
			if (val_bool(v, &b, NULL))
				return b ? "yes" : "no";
			break;
		case SX_NUMBER:
			fmt_number(v, buf, cap);
			return buf;
		case SX_TIME:
			if (fmt_time(v, buf, cap))
				return buf;
			break;
		case SX_ENUM:
			if (fmt_enum(r->words, v, buf, cap))
				return buf;
			break;
		case SX_DEBUG:
			snprintf(buf, cap, "%" PRIu64, setup_export_debug_bits(v));
			return buf;
		}
	}
	return r->def;
}

bool setup_export_value(const char *keyword, const char *value, char *buf, size_t cap)
{
	const struct sx_row *r = row_of(keyword);
	const char *v = r ? row_value(r, value, buf, cap) : NULL;

	if (!v)
		return false;
	if (v != buf)
		snprintf(buf, cap, "%s", v);
	return true;
}

static void put_quoted(FILE *out, const char *v)
{
	fputc('\'', out);
	for (; *v; v++) {
		if (*v == '\'')
			fputs("'\\''", out);
		else
			fputc(*v, out);
	}
	fputc('\'', out);
}

static void put_var(FILE *out, const char *exp, const char *prefix, const char *name,
		    const char *value)
{
	fprintf(out, "%s %s%s=", exp, prefix, name);
	put_quoted(out, value);
	fputc('\n', out);
}

void setup_export_write(FILE *out, const struct conf_kvlist *setup,
			const struct setup_export_opts *o)
{
	const char *exp = o->noexport ? "" : "export";
	const char *prefix = o->prefix ? o->prefix : "";
	char buf[32];

	put_var(out, exp, prefix, "confreadstatus", "");
	put_var(out, exp, "", "configfile", o->configfile);
	put_var(out, exp, "", "ctlsocket", o->ctlsocket);
	for (size_t i = 0; i < N_ROWS; i++) {
		const struct sx_row *r = &sx_table[i];
		const char *v = setup ? kvlist_get(setup, r->kw, CONF_NOSIDE) : NULL;

		v = row_value(r, v, buf, sizeof(buf));
		if (v)
			put_var(out, exp, prefix, r->var, v);
	}
}
