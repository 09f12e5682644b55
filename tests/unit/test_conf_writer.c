/* readwriteconf's writer: what it writes must load and give the same kv
 * lists (round trip).  Rows include fuzzer finds (regressions). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conn.h"
#include "config/writer.h"
#include "harness.h"

static const struct config_opts O = { .no_defaultroute_lookup = true, .no_include = true };

static bool same_kv(const struct conf_kvlist *a, const struct conf_kvlist *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].side != b->v[i].side || strcmp(a->v[i].key, b->v[i].key) != 0 ||
		    strcmp(a->v[i].value, b->v[i].value) != 0)
			return false;
	return true;
}

static const struct { const char *label, *text; } rows[] = {
	{ "plain", "conn a\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tauto=add\n" },
	{ "quoted-blank", "conn a\n\tleftid=\"@quoted id\"\n\tx-note=\"two words\"\n" },
	{ "hash-in-value", "conn a\n\tleftid=@#0a1b\n\tx-k=\"a # b\"\n" },
	{ "empty-value", "conn a\n\tleftsubnet=\n\tleft=192.0.2.1\n" },
	{ "braces", "conn a\n\tleftsubnets={10.0.1.0/24 10.0.2.0/24}\n\tleft=192.0.2.1\n" },
	{ "quoted-braces", "conn a\n\tx-k=\"{a b\"\n" },
	/* fuzz find: a CR inside a quoted value was written unquoted */
	{ "fuzz-cr-in-quotes", "config setup\n\tlogfile=\"/var/log/p\ru/to.log\"\n" },
	{ "hash-unquoted", "conn a\n\tx-k=a#b\n" },
	{ "tab-ff-vt", "config setup\n\tlogfile=\"a\tb\fc\vd\"\n" },
	{ "also-default", "conn %default\n\tikelifetime=1h\nconn b\n\tleft=192.0.2.1\nconn a\n\talso=b\n\tright=192.0.2.2\n" },
	{ "broken-skipped", "conn a\n\tleft=192.0.2.1\n\tleftsubnet=1.2.3.4/40\nconn b\n\tleft=192.0.2.1\n" },
};

static void test_roundtrip_rows(void)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct config_diag d1, d2;
		struct config *c1, *c2 = NULL;
		char *buf = NULL;
		size_t len = 0;
		FILE *f;

		diag_init(&d1);
		diag_init(&d2);
		c1 = config_load_buffer("t.conf", rows[i].text, strlen(rows[i].text), &O, &d1);
		if (!c1) {
			t_fail(__FILE__, __LINE__, "%s: original does not load", rows[i].label);
			goto next;
		}
		f = open_memstream(&buf, &len);
		if (!f)
			goto next;
		writer_config(f, c1, NULL, true);
		fclose(f);
		c2 = config_load_buffer("w.conf", buf, len, &O, &d2);
		if (!c2) {
			t_fail(__FILE__, __LINE__, "%s: written text does not load: %s", rows[i].label,
			       d2.n ? d2.lines[0] : "");
			goto next;
		}
		if (d2.n_errors)
			t_fail(__FILE__, __LINE__, "%s: written text has errors: %s", rows[i].label,
			       d2.lines[0]);
		if (!same_kv(&c1->setup, &c2->setup))
			t_fail(__FILE__, __LINE__, "%s: setup differs", rows[i].label);
		for (size_t k = 0, j = 0; k < c1->n_conns; k++) {
			if (c1->conns[k].broken)
				continue;
			if (j >= c2->n_conns || strcmp(c1->conns[k].name, c2->conns[j].name) != 0 ||
			    !same_kv(&c1->conns[k].kv, &c2->conns[j].kv))
				t_fail(__FILE__, __LINE__, "%s: conn %s differs", rows[i].label,
				       c1->conns[k].name);
			j++;
		}
next:
		config_free(c1);
		config_free(c2);
		free(buf);
		diag_free(&d1);
		diag_free(&d2);
	}
}

int main(void)
{
	RUN(test_roundtrip_rows);
	return t_done();
}
