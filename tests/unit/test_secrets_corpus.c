/* tests/corpus/secrets/NAME.secrets against NAME.expect:
 *   entries N / errors N / warnings N     counts after loading
 *   diag TEXT                             some diagnostic contains TEXT
 *   list LINE                             the --listall block contains LINE
 * Loaded with ipsecdir = the corpus directory (keys under private/), no
 * permission check (a checkout's file modes depend on the umask). */
#include "harness.h"

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/secrets.h"

struct lines {
	char *buf;
	size_t o, cap;
};

static void collect(void *arg, const char *line)
{
	struct lines *l = arg;
	size_t n = strlen(line);
	if (l->o + n + 2 > l->cap)
		return;
	memcpy(l->buf + l->o, line, n);
	l->o += n;
	l->buf[l->o++] = '\n';
	l->buf[l->o] = '\0';
}

static void check_one(const char *file, const char *dir)
{
	char exp[1024], line[1024], listing[16384] = "";
	struct secrets_opts o = { .ipsecdir = dir, .no_perm_check = true };
	struct secrets *s = secrets_load(file, &o);
	struct lines l = { listing, 0, sizeof(listing) };
	FILE *f;
	size_t n = strlen(file);

	snprintf(exp, sizeof(exp), "%.*s.expect", (int)(n - 8), file);
	f = fopen(exp, "r");
	if (!f) {
		t_fail(__FILE__, __LINE__, "%s: no %s", file, exp);
		secrets_free(s);
		return;
	}
	secrets_list(s, collect, &l);
	while (fgets(line, sizeof(line), f)) {
		unsigned v;
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "entries %u", &v) == 1) {
			if (v != s->n_entries)
				t_fail(__FILE__, __LINE__, "%s: %zu entries, want %u", file, s->n_entries, v);
		} else if (sscanf(line, "errors %u", &v) == 1) {
			if (v != s->n_errors)
				t_fail(__FILE__, __LINE__, "%s: %u errors, want %u", file, s->n_errors, v);
		} else if (sscanf(line, "warnings %u", &v) == 1) {
			if (v != s->n_warnings)
				t_fail(__FILE__, __LINE__, "%s: %u warnings, want %u", file, s->n_warnings, v);
		} else if (strncmp(line, "diag ", 5) == 0) {
			bool found = false;
			for (size_t i = 0; i < s->n_diags && !found; i++)
				found = strstr(s->diags[i].text, line + 5) != NULL;
			if (!found)
				t_fail(__FILE__, __LINE__, "%s: no diagnostic contains \"%s\"", file, line + 5);
		} else if (strncmp(line, "list ", 5) == 0) {
			char want[1100];
			snprintf(want, sizeof(want), "\n%s\n", line + 5);
			if (!strstr(listing, want))
				t_fail(__FILE__, __LINE__, "%s: listing lacks \"%s\":\n%s", file, line + 5, listing);
		} else if (line[0]) {
			t_fail(__FILE__, __LINE__, "%s: bad expect line \"%s\"", exp, line);
		}
	}
	fclose(f);
	for (size_t i = 0; i < s->n_diags; i++)
		printf("  %s: %s\n", file, s->diags[i].text);
	secrets_free(s);
}

int main(void)
{
	const char *top = getenv("CYGNET_TOP");
	char dir[512], pat[600];
	glob_t g;

	snprintf(dir, sizeof(dir), "%s/tests/corpus/secrets", top ? top : ".");
	snprintf(pat, sizeof(pat), "%s/*.secrets", dir);
	if (glob(pat, 0, NULL, &g) != 0 || g.gl_pathc < 10) {
		printf("FAIL corpus: too few files match %s\n", pat);
		return 1;
	}
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *b = strrchr(g.gl_pathv[i], '/') + 1;
		t_begin(b);
		check_one(g.gl_pathv[i], dir);
		t_end();
	}
	globfree(&g);
	return t_done();
}
