/* ipsec.conf parser: files and includes -> raw sections (see parser.h). */
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/lexer.h"
#include "config/parser.h"

struct pstate {
	struct raw_config *rc;
	const struct config_opts *o;
	struct config_diag *diag;
	long cur;                      /* index of the current section, -1 = none */
	long setup;                    /* index of the first config setup, -1 = none */
	bool fatal;
	int depth;
	char *stack[PARSER_MAX_DEPTH + 2];   /* real paths of the files being read */
};

static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
	size_t nc;
	void *np;

	if (need <= *cap)
		return p;
	nc = *cap ? *cap * 2 : 8;
	while (nc < need)
		nc *= 2;
	np = realloc(p, nc * elem);
	if (!np)
		abort();                 /* out of memory: nothing sensible to do */
	*cap = nc;
	return np;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		abort();
	return d;
}

static const char *keep_file(struct raw_config *rc, const char *name)
{
	rc->files = grow(rc->files, &rc->cap_files, rc->n_files + 1, sizeof(*rc->files));
	rc->files[rc->n_files] = xstrdup(name);
	return rc->files[rc->n_files++];
}

static long new_section(struct pstate *ps, enum raw_kind kind, const char *name,
			const char *file, unsigned line)
{
	struct raw_config *rc = ps->rc;
	struct raw_section *s;

	rc->sec = grow(rc->sec, &rc->cap, rc->n + 1, sizeof(*rc->sec));
	s = &rc->sec[rc->n];
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->name = xstrdup(name);
	s->file = file;
	s->line = line;
	return (long)rc->n++;
}

static const char *kind_word(enum raw_kind k)
{
	return k == RAW_SETUP ? "config setup" : "conn";
}

static void add_item(struct pstate *ps, const char *file, unsigned line, char *key, char *value)
{
	struct raw_section *s;
	struct kw_ref ref;
	struct raw_item *it;

	if (ps->cur < 0) {
		diag_add(ps->diag, true, "%s:%u: syntax error: '%s' outside of any section",
			 file, line, key);
		ps->fatal = true;
		return;
	}
	s = &ps->rc->sec[ps->cur];
	if (!kw_lookup(key, s->kind == RAW_SETUP ? KWS_SETUP : KWS_CONN, &ref)) {
		diag_add(ps->diag, true, "%s:%u: syntax error: unknown keyword '%s' in %s section",
			 file, line, key, kind_word(s->kind));
		ps->fatal = true;
		return;
	}
	if (ref.spelled && ref.spelled->obsolete) {
		diag_add(ps->diag, false, "%s:%u: warning: obsolete keyword '%s' ignored",
			 file, line, key);
		return;
	}
	if (ref.spelled && ref.spelled->alias_of && ref.spelled != ref.def) {
		/* alias: accepted silently (Libreswan does too) */
	}
	for (size_t i = 0; i < s->n; i++) {
		struct raw_item *o = &s->items[i];
		bool same = ref.user ? (o->ref.user && strcmp(o->key, key) == 0)
				     : (o->ref.def == ref.def && o->ref.side == ref.side);
		if (!same)
			continue;
		if (ref.def && (strcmp(ref.def->name, "also") == 0 ||
				strcmp(ref.def->name, "alsoflip") == 0))
			break;           /* repeatable */
		diag_add(ps->diag, true,
			 "%s:%u: duplicate key '%s' in %s%s%s (first at %s:%u)",
			 file, line, key, kind_word(s->kind), s->kind == RAW_SETUP ? "" : " ",
			 s->kind == RAW_SETUP ? "" : s->name, o->file, o->line);
		s->broken = true;
		return;
	}
	s->items = grow(s->items, &s->cap, s->n + 1, sizeof(*s->items));
	it = &s->items[s->n++];
	it->ref = ref;
	it->key = xstrdup(key);
	it->value = xstrdup(value);
	it->file = file;
	it->line = line;
	it->valid = 0;
}

static void parse_text(struct pstate *ps, const char *file, char *text, size_t len);

static bool read_all(FILE *f, char **out, size_t *outlen)
{
	size_t cap = 8192, n = 0, r;
	char *b = malloc(cap);

	if (!b)
		return false;
	while ((r = fread(b + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			char *nb = realloc(b, cap * 2);
			if (!nb) {
				free(b);
				return false;
			}
			b = nb;
			cap *= 2;
		}
	}
	if (ferror(f)) {
		free(b);
		return false;
	}
	*out = b;
	*outlen = n;
	return true;
}

/* Read one file and parse it (used for the top file and every include). */
static void parse_path(struct pstate *ps, const char *path, const char *from, unsigned from_line)
{
	char real[PATH_MAX];
	FILE *f;
	char *text;
	size_t len;
	const char *kept;
	bool is_stdin = strcmp(path, "-") == 0 && !from;

	if (!is_stdin) {
		if (!realpath(path, real))
			snprintf(real, sizeof(real), "%s", path);
		for (int i = 0; i < ps->depth; i++) {
			if (ps->stack[i] && strcmp(ps->stack[i], real) == 0) {
				diag_add(ps->diag, true, "%s:%u: include loop: '%s' is already being read",
					 from, from_line, path);
				ps->fatal = true;
				return;
			}
		}
	}
	if (ps->depth > PARSER_MAX_DEPTH) {
		diag_add(ps->diag, true, "%s:%u: include nesting deeper than %d at '%s'",
			 from, from_line, PARSER_MAX_DEPTH, path);
		ps->fatal = true;
		return;
	}
	f = is_stdin ? stdin : fopen(path, "r");
	if (!f || !read_all(f, &text, &len)) {
		int e = errno;
		if (from)
			diag_add(ps->diag, true, "%s:%u: cannot read include file '%s': %s",
				 from, from_line, path, strerror(e));
		else
			diag_add(ps->diag, true, "can't load file '%s'", path);
		if (f && !is_stdin)
			fclose(f);
		ps->fatal = true;
		return;
	}
	if (!is_stdin)
		fclose(f);
	kept = keep_file(ps->rc, is_stdin ? "<stdin>" : path);
	ps->stack[ps->depth++] = is_stdin ? NULL : xstrdup(real);
	parse_text(ps, kept, text, len);
	ps->depth--;
	free(ps->stack[ps->depth]);
	ps->stack[ps->depth] = NULL;
	free(text);
}

static void do_include(struct pstate *ps, const char *file, unsigned line, const char *pat)
{
	char full[PATH_MAX];
	glob_t g;
	int r;

	if (ps->o && ps->o->no_include) {
		diag_add(ps->diag, true, "%s:%u: include is disabled here ('%s')", file, line, pat);
		ps->fatal = true;
		return;
	}
	if (pat[0] == '/') {
		snprintf(full, sizeof(full), "%s%s", ps->o && ps->o->root_dir ? ps->o->root_dir : "", pat);
	} else {
		const char *slash = strrchr(file, '/');
		int dl = slash ? (int)(slash - file) : 0;
		if (slash)
			snprintf(full, sizeof(full), "%.*s/%s", dl, file, pat);
		else
			snprintf(full, sizeof(full), "%s", pat);
	}
	r = glob(full, 0, NULL, &g);
	if (r == GLOB_NOMATCH)
		return;              /* silently ignored, as in Libreswan */
	if (r != 0) {
		diag_add(ps->diag, true, "%s:%u: include '%s' failed", file, line, pat);
		ps->fatal = true;
		return;
	}
	for (size_t i = 0; i < g.gl_pathc && !ps->fatal; i++)
		parse_path(ps, g.gl_pathv[i], file, line);
	globfree(&g);
}

static void handle_line(struct pstate *ps, const char *file, unsigned ln, char *line)
{
	struct lex_line l;
	const char *why, *tok;

	if (!lex_line(line, &l, &why, &tok)) {
		diag_add(ps->diag, true, "%s:%u: %s [%.60s]", file, ln, why, tok);
		ps->fatal = true;
		return;
	}
	switch (l.kind) {
	case LEX_BLANK:
	case LEX_VERSION:
		return;
	case LEX_SETUP:
		if (ps->setup >= 0) {
			const struct raw_section *first = &ps->rc->sec[ps->setup];
			diag_add(ps->diag, true, "%s:%u: second 'config setup' section (first at %s:%u)",
				 file, ln, first->file, first->line);
			ps->cur = new_section(ps, RAW_SETUP, "setup", file, ln);
			ps->rc->sec[ps->cur].broken = true;
			return;
		}
		ps->cur = ps->setup = new_section(ps, RAW_SETUP, "setup", file, ln);
		return;
	case LEX_CONN:
		ps->cur = new_section(ps, strcmp(l.a, "%default") == 0 ? RAW_DEFAULT : RAW_CONN,
				      l.a, file, ln);
		return;
	case LEX_INCLUDE:
		do_include(ps, file, ln, l.a);
		return;
	case LEX_KV:
		add_item(ps, file, ln, l.a, l.b);
		return;
	}
}

static void parse_text(struct pstate *ps, const char *file, char *text, size_t len)
{
	unsigned ln = 0;
	size_t i = 0, cap = 0;
	char *line = NULL;

	while (i < len && !ps->fatal) {
		size_t e = i;
		while (e < len && text[e] != '\n')
			e++;
		ln++;
		if (memchr(text + i, '\0', e - i)) {
			diag_add(ps->diag, true, "%s:%u: NUL byte in line", file, ln);
			ps->fatal = true;
			break;
		}
		if (e - i + 1 > cap) {
			cap = (e - i + 1) * 2;
			free(line);
			line = malloc(cap);
			if (!line)
				abort();
		}
		memcpy(line, text + i, e - i);
		line[e - i] = '\0';
		handle_line(ps, file, ln, line);
		i = e + 1;
	}
	free(line);
}

static struct raw_config *finish(struct pstate *ps)
{
	for (int i = 0; i < ps->depth; i++)
		free(ps->stack[i]);
	if (ps->fatal) {
		raw_config_free(ps->rc);
		return NULL;
	}
	return ps->rc;
}

static void pstate_init(struct pstate *ps, const struct config_opts *o, struct config_diag *diag)
{
	memset(ps, 0, sizeof(*ps));
	ps->rc = calloc(1, sizeof(*ps->rc));
	if (!ps->rc)
		abort();
	ps->o = o;
	ps->diag = diag;
	ps->cur = ps->setup = -1;
}

struct raw_config *parser_parse_file(const char *path, const struct config_opts *o,
				     struct config_diag *diag)
{
	struct pstate ps;

	pstate_init(&ps, o, diag);
	parse_path(&ps, path, NULL, 0);
	return finish(&ps);
}

struct raw_config *parser_parse_buffer(const char *name, const char *buf, size_t len,
				       const struct config_opts *o, struct config_diag *diag)
{
	struct pstate ps;
	char *copy = malloc(len + 1);
	const char *kept;

	if (!copy)
		abort();
	memcpy(copy, buf, len);
	copy[len] = '\0';
	pstate_init(&ps, o, diag);
	kept = keep_file(ps.rc, name);
	parse_text(&ps, kept, copy, len);
	free(copy);
	return finish(&ps);
}

void raw_config_free(struct raw_config *rc)
{
	if (!rc)
		return;
	for (size_t i = 0; i < rc->n; i++) {
		struct raw_section *s = &rc->sec[i];
		for (size_t j = 0; j < s->n; j++) {
			free(s->items[j].key);
			free(s->items[j].value);
		}
		free(s->items);
		free(s->name);
	}
	free(rc->sec);
	for (size_t i = 0; i < rc->n_files; i++)
		free(rc->files[i]);
	free(rc->files);
	free(rc);
}
