/* ipsec.secrets text -> entries.  A record starts with a token in column 0
 * and continues over indented lines (lines without tokens do not end it).
 * Tokens: "quoted" or 'quoted' (on one line), or a run of non-blank
 * characters; '#' at the start of a token comments out the rest of the line;
 * an unquoted token ending in ':' is split into the token and ":".
 * Every problem is a diagnostic "FILE:LINE: ..."; a bad entry is skipped
 * (its ordinal is still used) and parsing goes on with the next record. */
#include "config/secrets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <netdb.h>

struct tok {
	const char *p;
	size_t len;
	unsigned line;
};

struct record {
	struct tok *t;
	size_t n, cap;
	unsigned line;          /* line of the first token */
	const char *bad;        /* lexical error inside the record */
	unsigned bad_line;
};

struct pctx {
	struct secrets *s;
	const char *name;       /* file name for messages (borrowed from s->files) */
	const struct secrets_opts *opts;
	int depth;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static bool rec_push(struct record *r, const char *p, size_t len, unsigned line)
{
	if (r->n == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 8;
		struct tok *nt = realloc(r->t, ncap * sizeof(*nt));
		if (!nt)
			return false;
		r->t = nt;
		r->cap = ncap;
	}
	r->t[r->n++] = (struct tok){ p, len, line };
	return true;
}

/* Split one line (without its '\n') into tokens appended to r. */
static void lex_line(struct record *r, const char *p, size_t n, unsigned line)
{
	size_t i = 0;

	while (i < n) {
		size_t start;
		if (is_blank(p[i])) {
			i++;
			continue;
		}
		if (p[i] == '#')
			return;
		start = i;
		if (p[i] == '"' || p[i] == '\'') {
			const char *q = memchr(p + i + 1, p[i], n - i - 1);
			if (!q) {
				if (!r->bad) {
					r->bad = "unterminated string";
					r->bad_line = line;
				}
				return;
			}
			i = (size_t)(q - p) + 1;
			if (i < n && !is_blank(p[i]) && !r->bad) {
				r->bad = "quoted string must be followed by white space";
				r->bad_line = line;
			}
			if (!rec_push(r, p + start, i - start, line) && !r->bad)
				r->bad = "out of memory";
			continue;
		}
		while (i < n && !is_blank(p[i]))
			i++;
		if (i - start > 1 && p[i - 1] == ':') {
			if (!rec_push(r, p + start, i - start - 1, line) || !rec_push(r, p + i - 1, 1, line))
				if (!r->bad)
					r->bad = "out of memory";
			continue;
		}
		if (!rec_push(r, p + start, i - start, line) && !r->bad)
			r->bad = "out of memory";
	}
}

static bool tok_is(const struct tok *t, const char *word)
{
	size_t n = strlen(word);
	return t->len == n && strncasecmp(t->p, word, n) == 0;
}

static bool tok_quoted(const struct tok *t)
{
	return t->len >= 2 && (t->p[0] == '"' || t->p[0] == '\'') && t->p[t->len - 1] == t->p[0];
}

/* A NUL-terminated copy (quotes stripped when strip); NULL on OOM or NUL inside. */
static char *tok_str(const struct tok *t, bool strip)
{
	const char *p = t->p;
	size_t n = t->len;
	char *c;

	if (strip && tok_quoted(t)) {
		p++;
		n -= 2;
	}
	if (memchr(p, '\0', n))
		return NULL;
	c = malloc(n + 1);
	if (!c)
		return NULL;
	memcpy(c, p, n);
	c[n] = '\0';
	return c;
}

#define ERR(c, line, fmt, ...) \
	secrets_diag((c)->s, SECRETS_DIAG_ERROR, "%s:%u: " fmt, (c)->name, (line), ##__VA_ARGS__)
#define WARN(c, line, fmt, ...) \
	secrets_diag((c)->s, SECRETS_DIAG_WARN, "%s:%u: WARNING: " fmt, (c)->name, (line), ##__VA_ARGS__)

/* ---- include ---- */

static void do_include(struct pctx *c, const struct record *r)
{
	char *path, *full = NULL;

	if (r->n != 2) {
		ERR(c, r->line, "%s", r->n < 2 ? "unexpected end of include directive"
		    : "ignoring malformed include -- expected record boundary after filename");
		return;
	}
	path = tok_str(&r->t[1], true);
	if (!path || !*path) {
		ERR(c, r->line, "%s", "include: bad file name");
		free(path);
		return;
	}
	if (c->opts->no_includes) {
		secrets_diag(c->s, SECRETS_DIAG_INFO, "%s:%u: include \"%s\" not followed (includes disabled)",
			     c->name, r->line, path);
		free(path);
		return;
	}
	if (c->depth + 1 > SECRETS_MAX_INCLUDE_DEPTH) {
		ERR(c, r->line, "include \"%s\" nested too deeply (more than %d levels)", path, SECRETS_MAX_INCLUDE_DEPTH);
		free(path);
		return;
	}
	if (path[0] != '/') {
		const char *slash = strrchr(c->name, '/');
		int dl = slash ? (int)(slash - c->name) : 0;
		if (asprintf(&full, "%.*s%s%s", dl, c->name, slash ? "/" : "", path) < 0)
			full = NULL;
	} else {
		full = strdup(path);
	}
	free(path);
	if (full)
		secrets_load_into(c->s, full, c->opts, c->depth + 1);
	free(full);
}

/* ---- indices ---- */

static bool default_resolve(void *arg, const char *host, struct ip_addr *out);

static bool parse_index(struct pctx *c, const struct tok *t, struct cy_id *id)
{
	const char *why = NULL;
	char *str = tok_str(t, true);
	bool ok = false;

	if (!str) {
		ERR(c, t->line, "index contains a NUL character");
		return false;
	}
	memset(id, 0, sizeof(*id));
	if (strcmp(str, "%any") == 0) {
		id->kind = ID_IPV4_ADDR;
		addr_any(AF_INET, &id->ip);
		ok = true;
	} else if (strcmp(str, "%any6") == 0) {
		id->kind = ID_IPV6_ADDR;
		addr_any(AF_INET6, &id->ip);
		ok = true;
	} else if (str[0] == '%') {
		ERR(c, t->line, "index \"%s\" is not allowed (only %%any and %%any6)", str);
	} else if (!id_parse(str, id, &why)) {
		ERR(c, t->line, "index \"%s\": %s", str, why);
	} else if (id->kind == ID_IPV4_ADDR && addr_is_any(&id->ip)) {
		/* 0.0.0.0: Libreswan lists it as "(none)", a wildcard */
		memset(id, 0, sizeof(*id));
		id->kind = ID_NONE;
		ok = true;
	} else if (id->kind == ID_FQDN && str[0] != '@') {
		/* a bare name is a host name, resolved now (as Libreswan does) */
		struct ip_addr a;
		secrets_resolve_fn fn = c->opts->resolve ? c->opts->resolve : default_resolve;
		if (fn(c->opts->resolve_arg, str, &a) && addr_is_set(&a)) {
			id_from_addr(&a, id);
			ok = true;
		} else {
			ERR(c, t->line, "index \"%s\" not a numeric IPv4 address and name lookup failed", str);
		}
	} else {
		ok = true;
	}
	free(str);
	return ok;
}

/* ---- values ---- */

/* A keyword we did not recognise is named only when it looks like one (up
 * to 8 capital letters): a mistyped line could otherwise put a secret into
 * the log. */
static void warn_unknown_kind(struct pctx *c, const struct tok *t)
{
	bool show = t->len > 0 && t->len <= 8;      /* like a keyword: A-Z only, short */

	for (size_t i = 0; show && i < t->len; i++)
		if (!(t->p[i] >= 'A' && t->p[i] <= 'Z'))
			show = false;
	if (show)
		WARN(c, t->line, "ignored unrecognized keyword: %.*s", (int)t->len, t->p);
	else
		WARN(c, t->line, "ignored unrecognized keyword (not shown)");
}

static struct secret *value(struct pctx *c, const struct tok *t, const char *what)
{
	const char *why = "malformed";
	struct secret *v = secrets_decode_value(t->p, t->len, &why);

	if (!v)
		ERR(c, t->line, "%s data malformed (%s)", what, why);
	return v;
}

static bool boundary(struct pctx *c, const struct record *r, size_t i)
{
	if (i < r->n) {
		ERR(c, r->t[i].line, "expected record boundary in key");
		return false;
	}
	return true;
}

static bool key_entry(struct pctx *c, const struct record *r, size_t i, struct secret_entry *e)
{
	const char *kn = secret_kind_name(e->kind), *why = NULL;
	const char *dir = c->opts->ipsecdir ? c->opts->ipsecdir : "/etc/ipsec.d";
	struct secret *pass = NULL;
	char *file;
	bool ok = false;

	if (i >= r->n) {
		ERR(c, r->line, "unexpected end of record in %s (key file name expected)", kn);
		return false;
	}
	if (r->t[i].p[0] == '{') {
		ERR(c, r->t[i].line, "raw %s key syntax { ... } is not supported; give a PEM or DER key file", kn);
		return false;
	}
	file = tok_str(&r->t[i], true);
	if (!file || !*file) {
		ERR(c, r->t[i].line, "%s: bad key file name", kn);
		free(file);
		return false;
	}
	i++;
	if (i < r->n) {
		if (tok_is(&r->t[i], "%prompt")) {
			ERR(c, r->t[i].line, "%s: %%prompt passphrases are not supported (no terminal); "
			    "give the passphrase in the file", kn);
			goto out;
		}
		pass = value(c, &r->t[i], "passphrase");
		if (!pass)
			goto out;
		i++;
	}
	if (!boundary(c, r, i))
		goto out;
	if (file[0] == '/')
		e->key_path = strdup(file);
	else if (asprintf(&e->key_path, "%s/private/%s", dir, file) < 0)
		e->key_path = NULL;
	if (!e->key_path) {
		ERR(c, r->line, "out of memory");
		goto out;
	}
	if (c->opts->no_key_files) {
		ok = true;
		goto out;
	}
	if (!secrets_load_key(c->s, e, e->key_path, pass, !c->opts->no_perm_check, &why)) {
		ERR(c, r->line, "%s key file \"%s\": %s", kn, e->key_path, why);
		goto out;
	}
	ok = true;
out:
	secret_free(pass);
	free(file);
	return ok;
}

static const struct {
	const char *word;
	enum secret_kind kind;
} kind_words[] = {
	{ "PSK", SECRET_PSK }, { "XAUTH", SECRET_XAUTH }, { "PPKS", SECRET_PPKS },
	{ "RSA", SECRET_RSA }, { "ECDSA", SECRET_ECDSA }, { "EDDSA", SECRET_EDDSA },
};

/* The part after ':' (r->t[i] is the kind).  Fills e; false = skip it. */
static bool secret_part(struct pctx *c, const struct record *r, size_t i, struct secret_entry *e)
{
	const struct tok *k;
	size_t w;

	if (i >= r->n) {
		ERR(c, r->t[i - 1].line, "unexpected end of record (secret kind expected after ':')");
		return false;
	}
	k = &r->t[i];
	/* (a bare "quoted" PSK without the keyword is refused as Libreswan
	 * 4.10 does: "ignored unrecognized keyword") */
	for (w = 0; w < sizeof(kind_words) / sizeof(kind_words[0]); w++)
		if (tok_is(k, kind_words[w].word))
			break;
	if (w == sizeof(kind_words) / sizeof(kind_words[0])) {
		warn_unknown_kind(c, k);
		return false;
	}
	e->kind = kind_words[w].kind;
	i++;
	if (secret_kind_is_key(e->kind))
		return key_entry(c, r, i, e);
	if (e->kind == SECRET_PPKS) {
		if (i >= r->n || !tok_quoted(&r->t[i])) {
			ERR(c, i < r->n ? r->t[i].line : r->line, "PPKS: no quotation marks found; the PPK ID should be in quotation marks");
			return false;
		}
		e->ppk_id_len = r->t[i].len - 2;
		e->ppk_id = malloc(e->ppk_id_len + 1);
		if (!e->ppk_id)
			return false;
		memcpy(e->ppk_id, r->t[i].p + 1, e->ppk_id_len);
		i++;
	}
	if (i >= r->n) {
		ERR(c, r->t[r->n - 1].line, "unexpected end of record in %s", secret_kind_name(e->kind));
		return false;
	}
	e->value = value(c, &r->t[i], secret_kind_name(e->kind));
	if (!e->value || !boundary(c, r, i + 1))
		return false;
	if (e->kind == SECRET_PSK && e->value->len < SECRETS_WEAK_PSK_LEN)
		WARN(c, r->t[i].line, "using a weak secret (PSK)");
	return true;
}

static void do_entry(struct pctx *c, const struct record *r)
{
	struct secret_entry e = { 0 };
	size_t i;

	e.ordinal = c->s->next_ordinal++;
	e.file = c->name;
	e.line = r->line;
	for (i = 0; i < r->n && !tok_is(&r->t[i], ":"); i++)
		;
	if (i == r->n) {        /* checked first: the tokens may be a mistyped secret */
		ERR(c, r->t[r->n - 1].line, "unexpected end of id list");
		goto skip;
	}
	for (i = 0; i < r->n && !tok_is(&r->t[i], ":"); i++) {
		struct cy_id id, *nids;
		if (!parse_index(c, &r->t[i], &id))
			goto skip;
		nids = realloc(e.ids, (e.n_ids + 1) * sizeof(*nids));
		if (!nids)
			goto skip;
		e.ids = nids;
		e.ids[e.n_ids++] = id;
	}
	if (!secret_part(c, r, i + 1, &e))
		goto skip;
	secrets_take_entry(c->s, &e);
	return;
skip:
	secrets_entry_free(&e);
}

static void do_record(struct pctx *c, struct record *r)
{
	if (r->n == 0 && !r->bad)
		return;
	if (r->bad) {
		ERR(c, r->bad_line, "%s", r->bad);
		if (!(r->n > 0 && tok_is(&r->t[0], "include")))
			c->s->next_ordinal++;
	} else if (tok_is(&r->t[0], "include")) {
		do_include(c, r);
	} else {
		do_entry(c, r);
	}
	r->n = 0;
	r->bad = NULL;
}

void secrets_parse_into(struct secrets *s, const char *name, const char *text, size_t len,
			const struct secrets_opts *opts, int depth)
{
	static const struct secrets_opts no_opts;
	struct pctx c = { s, name, opts ? opts : &no_opts, depth };
	struct record r = { 0 };
	unsigned line = 0;
	bool any = false, skipping = false;
	size_t pos = 0;

	/* Libreswan reports an indented first record and skips it (not the
	 * rest of the file: checked against its pluto). */
	while (pos < len) {
		const char *p = text + pos;
		const char *nl = memchr(p, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - p) : len - pos;
		size_t before = r.n;
		bool had_bad = r.bad != NULL;

		line++;
		pos += n + (nl ? 1 : 0);
		if (n > 0 && !is_blank(p[0]) && p[0] != '#') {
			do_record(&c, &r);      /* column 0 token: a new record */
			skipping = false;
			r.line = line;
			before = 0;
			had_bad = false;
		}
		lex_line(&r, p, n, line);
		if ((r.n > before || (r.bad && !had_bad)) && !any) {
			any = true;
			if (is_blank(p[0])) {
				ERR(&c, line, "file starts with indentation (continuation notation)");
				skipping = true;
			}
		}
		if (skipping) {
			r.n = 0;
			r.bad = NULL;
		}
	}
	do_record(&c, &r);
	free(r.t);
}

/* ---- default host name lookup ---- */

static bool default_resolve(void *arg, const char *host, struct ip_addr *out)
{
	/* IPv4 only: Libreswan 4.10 fails ip6-localhost the same way */
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_DGRAM };
	struct addrinfo *res = NULL;
	bool ok;

	(void)arg;
	if (getaddrinfo(host, NULL, &hints, &res) != 0 || !res)
		return false;
	ok = addr_from_sockaddr(res->ai_addr, out, NULL);
	freeaddrinfo(res);
	return ok;
}

struct secrets *secrets_parse_buffer(const char *name, const char *text, size_t len,
				     const struct secrets_opts *opts)
{
	struct secrets *s = secrets_new();
	const char *n;

	if (!s)
		return NULL;
	s->source = strdup(name);
	n = secrets_add_file(s, name);
	secrets_parse_into(s, n ? n : name, text, len, opts, 0);
	return s;
}
