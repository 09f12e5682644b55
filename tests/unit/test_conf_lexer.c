/* The ipsec.conf line lexer, table-driven. */
#include <stdio.h>
#include <string.h>

#include "config/lexer.h"
#include "harness.h"

static const struct {
	const char *line;
	bool ok;
	enum lex_kind kind;
	const char *a, *b;
} rows[] = {
	{ "", true, LEX_BLANK, NULL, NULL },
	{ "   ", true, LEX_BLANK, NULL, NULL },
	{ "# comment", true, LEX_BLANK, NULL, NULL },
	{ "\t# indented comment", true, LEX_BLANK, NULL, NULL },
	{ "version 2", true, LEX_VERSION, NULL, NULL },
	{ "version 2.0", true, LEX_VERSION, NULL, NULL },
	{ "version 3", false, LEX_BLANK, NULL, NULL },
	{ "config setup", true, LEX_SETUP, NULL, NULL },
	{ "config setup # c", true, LEX_SETUP, NULL, NULL },
	{ "config other", false, LEX_BLANK, NULL, NULL },
	{ "conn west-east", true, LEX_CONN, "west-east", NULL },
	{ "conn %default", true, LEX_CONN, "%default", NULL },
	{ "conn 1st", true, LEX_CONN, "1st", NULL },
	{ "conn", false, LEX_BLANK, NULL, NULL },
	{ "conn a b", false, LEX_BLANK, NULL, NULL },
	{ "include /etc/ipsec.d/*.conf", true, LEX_INCLUDE, "/etc/ipsec.d/*.conf", NULL },
	{ "\tleft=192.0.2.1", true, LEX_KV, "left", "192.0.2.1" },
	{ "  left = 192.0.2.1  ", true, LEX_KV, "left", "192.0.2.1" },
	{ "\tleft=192.0.2.1 # trailing", true, LEX_KV, "left", "192.0.2.1" },
	{ "\tleftid=@#0a1b", true, LEX_KV, "leftid", "@#0a1b" },
	{ "\tleftid=\"C=CA, O=Org, CN=x\"", true, LEX_KV, "leftid", "C=CA, O=Org, CN=x" },
	{ "\tleftid=\"@quoted id\" # c", true, LEX_KV, "leftid", "@quoted id" },
	{ "\tleftsubnets={10.0.1.0/24 10.0.2.0/24}", true, LEX_KV, "leftsubnets", "{10.0.1.0/24 10.0.2.0/24}" },
	{ "\tleftsubnet=", true, LEX_KV, "leftsubnet", "" },
	{ "\tleftsubnet=   # nothing", true, LEX_KV, "leftsubnet", "" },
	{ "\tleftid=C=CA", true, LEX_KV, "leftid", "C=CA" },
	{ "\tx-my_key=v", true, LEX_KV, "x-my_key", "v" },
	{ "\tright 192.0.2.13", false, LEX_BLANK, NULL, NULL },
	{ "\tleftid=\"unterminated", false, LEX_BLANK, NULL, NULL },
	{ "\tleft=1.2.3.4 extra", false, LEX_BLANK, NULL, NULL },
	{ "\t=value", false, LEX_BLANK, NULL, NULL },
	{ "\tle$ft=1", false, LEX_BLANK, NULL, NULL },
	{ "left=192.0.2.1", false, LEX_BLANK, NULL, NULL },     /* unindented key */
	{ "\tleftsubnets={10.0.1.0/24", false, LEX_BLANK, NULL, NULL },
	/* fuzz find: a quote inside an unquoted value could not be written back */
	{ "\tx-k=NET-r=\"network#team\"", false, LEX_BLANK, NULL, NULL },
	{ "\tx-k={a \"b}", false, LEX_BLANK, NULL, NULL },
};

static void test_lexer_rows(void)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char buf[256];
		struct lex_line l;
		const char *why, *tok;
		bool ok;

		snprintf(buf, sizeof(buf), "%s", rows[i].line);
		ok = lex_line(buf, &l, &why, &tok);
		if (ok != rows[i].ok) {
			t_fail(__FILE__, __LINE__, "row %zu \"%s\": ok=%d want %d (%s)", i, rows[i].line,
			       ok, rows[i].ok, why ? why : "");
			continue;
		}
		if (!ok) {
			if (!why || !tok)
				t_fail(__FILE__, __LINE__, "row %zu: no reason/token", i);
			continue;
		}
		if (l.kind != rows[i].kind)
			t_fail(__FILE__, __LINE__, "row %zu \"%s\": kind %d want %d", i, rows[i].line,
			       l.kind, rows[i].kind);
		if (rows[i].a && (!l.a || strcmp(l.a, rows[i].a) != 0))
			t_fail(__FILE__, __LINE__, "row %zu: a=\"%s\" want \"%s\"", i, l.a ? l.a : "",
			       rows[i].a);
		if (rows[i].b && (!l.b || strcmp(l.b, rows[i].b) != 0))
			t_fail(__FILE__, __LINE__, "row %zu: b=\"%s\" want \"%s\"", i, l.b ? l.b : "",
			       rows[i].b);
	}
}

int main(void)
{
	RUN(test_lexer_rows);
	return t_done();
}
