/* ipsec.secrets parsing and diagnostics (src/config/secrets_*.c). */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/secrets.h"

static bool fake_resolve(void *arg, const char *host, struct ip_addr *out)
{
	(void)arg;
	if (strcmp(host, "gw.example") == 0)
		return addr_parse("192.0.2.99", out);
	return false;
}

static const struct secrets_opts opts = {
	.ipsecdir = "/nonexistent-cygnet", .resolve = fake_resolve, .no_includes = true,
	.no_key_files = true,
};

static struct secrets *parse(const char *text)
{
	return secrets_parse_buffer("t.secrets", text, strlen(text), &opts);
}

/* all diagnostics of a level, joined with '|' */
static void diags(const struct secrets *s, int lvl, char *buf, size_t cap)
{
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < s->n_diags; i++) {
		if (lvl >= 0 && (int)s->diags[i].level != lvl)
			continue;
		o += (size_t)snprintf(buf + o, cap - o, "%s%s", o ? "|" : "", s->diags[i].text);
		if (o >= cap)
			break;
	}
}

static void test_parse_table(void)
{
	static const struct {
		const char *label, *text;
		int entries, errors, warnings;
		const char *diag;        /* substring of the errors+warnings, or NULL */
		const char *last_hex;    /* value of the last entry, hex */
		int last_ids;
	} rows[] = {
		{ "quoted", "@a @b : PSK \"secret-ab\"\n", 1, 0, 0, NULL, "7365637265742d6162", 2 },
		{ "single quotes", "@a @b : PSK 'secret-ab'\n", 1, 0, 0, NULL, "7365637265742d6162", 2 },
		{ "hex", "@a : PSK 0x0102030405060708\n", 1, 0, 0, NULL, "0102030405060708", 1 },
		{ "hex underscores", "@a : PSK 0X01020304_05060708\n", 1, 0, 0, NULL, "0102030405060708", 1 },
		{ "hex odd", "@a : PSK 0x0102030405060708a\n", 0, 1, 0, "t.secrets:1: PSK data malformed (input ends in mid-byte, perhaps truncated)", NULL, 0 },
		{ "hex bad char", "@a : PSK 0xZZ\n", 0, 1, 0, "PSK data malformed (unknown character in input)", NULL, 0 },
		{ "hex double _", "@a : PSK 0x0102__0304\n", 0, 1, 0, "misplaced _", NULL, 0 },
		{ "hex trailing _", "@a : PSK 0x01020304_\n", 0, 1, 0, "mid-byte", NULL, 0 },
		{ "hex leading _", "@a : PSK 0x_0102\n", 0, 1, 0, "misplaced _", NULL, 0 },
		{ "hex empty", "@a : PSK 0x\n", 0, 1, 0, "no digits", NULL, 0 },
		{ "base64", "@a : PSK 0sc2VjcmV0LWFi\n", 1, 0, 0, NULL, "7365637265742d6162", 1 },
		{ "base64 pad", "@a : PSK 0sc2VjcmV0LWFiYw==\n", 1, 0, 0, NULL, "7365637265742d616263", 1 },
		{ "base64 bad len", "@a : PSK 0sc2VjcmV0LWF\n", 0, 1, 0, "mid-byte", NULL, 0 },
		{ "base64 pad middle", "@a : PSK 0sc2=jcmV0\n", 0, 1, 0, "unknown character", NULL, 0 },
		{ "text", "@a : PSK 0tsecret-ab\n", 1, 0, 0, NULL, "7365637265742d6162", 1 },
		{ "no prefix", "@a : PSK nonquoted\n", 0, 1, 0, "t.secrets:1: PSK data malformed (input does not begin with format prefix)", NULL, 0 },
		{ "weak psk 7", "@a : PSK \"1234567\"\n", 1, 0, 1, "t.secrets:1: WARNING: using a weak secret (PSK)", "31323334353637", 1 },
		{ "psk 8 not weak", "@a : PSK \"12345678\"\n", 1, 0, 0, NULL, "3132333435363738", 1 },
		{ "xauth short not weak", "@u : XAUTH \"pw\"\n", 1, 0, 0, NULL, "7077", 1 },
		{ "bare quoted psk refused", ": \"old-style-psk\"\n", 0, 0, 1, "ignored unrecognized keyword (not shown)", NULL, 0 },
		{ "no indices", ": PSK \"default-secret\"\n", 1, 0, 0, NULL, "64656661756c742d736563726574", 0 },
		{ "colon glued left", "@c @d: PSK \"secret-cd\"\n", 1, 0, 0, NULL, "7365637265742d6364", 2 },
		{ "colon glued right", "@a @b :PSK \"secret-ab\"\n", 0, 1, 0, "unexpected end of id list", NULL, 0 },
		{ "missing colon", "@a @b PSK \"secret-ab\"\n", 0, 1, 0, "t.secrets:1: unexpected end of id list", NULL, 0 },
		{ "unterminated", "@a : PSK \"secret\n", 0, 1, 0, "t.secrets:1: unterminated string", NULL, 0 },
		{ "extra token", "@a : PSK \"secret-ab\" extra\n", 0, 1, 0, "expected record boundary in key", NULL, 0 },
		{ "missing value", "@a : PSK\n", 0, 1, 0, "unexpected end of record in PSK", NULL, 0 },
		{ "missing kind", "@a :\n", 0, 1, 0, "secret kind expected", NULL, 0 },
		{ "unknown kind", "@a : FOO \"x\"\n", 0, 0, 1, "WARNING: ignored unrecognized keyword: FOO", NULL, 0 },
		{ "unknown kind hidden", "@a : s3cr3t-p4ss!\n", 0, 0, 1, "keyword (not shown)", NULL, 0 },
		{ "kind lower case", "@a : psk \"secret-ab\"\n", 1, 0, 0, NULL, "7365637265742d6162", 1 },
		{ "continuation", "@a\n  @b\n\t: PSK\n  \"secret-ab\"\n", 1, 0, 0, NULL, "7365637265742d6162", 2 },
		{ "continuation over comment/blank", "@a @b\n# c\n\n  : PSK \"secret-ab\"\n", 1, 0, 0, NULL, "7365637265742d6162", 2 },
		{ "starts indented: that record skipped", "  @a : PSK \"secret-ab\"\n  @c\n@b : PSK \"secret-bb\"\n", 1, 1, 0, "t.secrets:1: file starts with indentation (continuation notation)", NULL, 0 },
		{ "indented after blank+comment", "# hi\n\n  @a : PSK \"secret-ab\"\n", 0, 1, 0, "t.secrets:3: file starts with indentation", NULL, 0 },
		{ "comments", "# x\n@a : PSK \"secret-ab\" # trailing\n#@b : PSK \"zz\"\n", 1, 0, 0, NULL, "7365637265742d6162", 1 },
		{ "hash inside quotes", "@a : PSK \"sec#ret-ab\"\n", 1, 0, 0, NULL, "736563237265742d6162", 1 },
		{ "crlf", "@a : PSK \"secret-ab\"\r\n@b : PSK \"secret-cd\"\r\n", 2, 0, 0, NULL, "7365637265742d6364", 1 },
		{ "no final newline", "@a : PSK \"secret-ab\"", 1, 0, 0, NULL, "7365637265742d6162", 1 },
		{ "ipv4 ipv6", "192.0.2.1 2001:db8::1 : PSK \"secret-ab\"\n", 1, 0, 0, NULL, "7365637265742d6162", 2 },
		{ "any any6 0.0.0.0", "%any %any6 0.0.0.0 : PSK \"secret-ab\"\n", 1, 0, 0, NULL, "7365637265742d6162", 3 },
		{ "user@fqdn keyid dn", "user@example.org @#0a0b @[kid] CN=x,O=y : PSK \"secret-ab\"\n", 1, 0, 0, NULL, "7365637265742d6162", 4 },
		{ "quoted dn index", "\"C=CA, O=Org, CN=x\" @b : PSK \"secret-ab\"\n", 1, 0, 0, NULL, "7365637265742d6162", 2 },
		{ "hostname resolved", "gw.example @b : PSK \"secret-ab\"\n", 1, 0, 0, NULL, "7365637265742d6162", 2 },
		{ "hostname fails", "nowhere.invalid @b : PSK \"secret-ab\"\n", 0, 1, 0, "t.secrets:1: index \"nowhere.invalid\" not a numeric IPv4 address and name lookup failed", NULL, 0 },
		{ "bad percent", "%fromcert : PSK \"secret-ab\"\n", 0, 1, 0, "index \"%fromcert\" is not allowed", NULL, 0 },
		{ "bad keyid", "@#abc : PSK \"secret-ab\"\n", 0, 1, 0, "index \"@#abc\"", NULL, 0 },
		{ "ppks", "@a @b : PPKS \"PPK_ID_1\" \"post-quantum-key-material\"\n", 1, 0, 0, NULL, "706f73742d7175616e74756d2d6b65792d6d6174657269616c", 2 },
		{ "ppks unquoted id", "@a : PPKS PPK_ID_1 \"xx\"\n", 0, 1, 0, "PPK ID should be in quotation marks", NULL, 0 },
		{ "ppks no value", "@a : PPKS \"PPK_ID_1\"\n", 0, 1, 0, "unexpected end of record in PPKS", NULL, 0 },
		{ "rsa key", ": RSA \"west.pem\"\n", 1, 0, 0, NULL, NULL, 0 },
		{ "rsa key passphrase", ": RSA west.pem \"pass phrase\"\n", 1, 0, 0, NULL, NULL, 0 },
		{ "rsa prompt", ": RSA west.pem %prompt\n", 0, 1, 0, "%prompt passphrases are not supported", NULL, 0 },
		{ "rsa raw braces", ": RSA {\n  Modulus: 0x00\n  }\n", 0, 1, 0, "raw RSA key syntax", NULL, 0 },
		{ "rsa no file", ": ECDSA\n", 0, 1, 0, "unexpected end of record in ECDSA", NULL, 0 },
		{ "include disabled", "include other.secrets\n@a : PSK \"secret-ab\"\n", 1, 0, 0, NULL, "7365637265742d6162", 1 },
		{ "include extra", "include a b\n", 0, 1, 0, "expected record boundary after filename", NULL, 0 },
		{ "bad then good", "@a : PSK 0xZZ\n@b : PSK \"secret-bb\"\n", 1, 1, 0, "t.secrets:1:", "7365637265742d6262", 1 },
		{ "quote glued", "@a : PSK \"secret\"x\n", 0, 1, 0, "quoted string must be followed by white space", NULL, 0 },
		{ "empty file", "", 0, 0, 0, NULL, NULL, 0 },
		{ "only comments", "# a\n   # indented comment\n\n", 0, 0, 0, NULL, NULL, 0 },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct secrets *s = parse(rows[i].text);
		char d[2048];
		diags(s, -1, d, sizeof(d));
		if ((int)s->n_entries != rows[i].entries || (int)s->n_errors != rows[i].errors ||
		    (int)s->n_warnings != rows[i].warnings) {
			t_fail(__FILE__, __LINE__, "%s: entries %zu errors %u warnings %u, want %d %d %d; diags: %s",
			       rows[i].label, s->n_entries, s->n_errors, s->n_warnings, rows[i].entries,
			       rows[i].errors, rows[i].warnings, d);
		} else if (rows[i].diag && !strstr(d, rows[i].diag)) {
			t_fail(__FILE__, __LINE__, "%s: diagnostics \"%s\" lack \"%s\"", rows[i].label, d, rows[i].diag);
		} else if (rows[i].last_hex && s->n_entries) {
			const struct secret_entry *e = &s->entries[s->n_entries - 1];
			uint8_t want[128];
			size_t n = t_unhex(rows[i].last_hex, want, sizeof(want));
			if (!e->value || e->value->len != n || memcmp(e->value->data, want, n) != 0)
				t_fail(__FILE__, __LINE__, "%s: wrong secret value", rows[i].label);
			else if ((int)e->n_ids != rows[i].last_ids)
				t_fail(__FILE__, __LINE__, "%s: %zu indices, want %d", rows[i].label, e->n_ids, rows[i].last_ids);
		}
		secrets_free(s);
	}
}

/* No diagnostic ever contains the secret, whatever the mistake. */
static void test_no_secret_in_messages(void)
{
	static const char *const texts[] = {
		"@a : PSK TOPSECRETVALUE\n",
		"@a : TOPSECRETVALUE\n",
		"@a : PSK \"TOPSECRETVALUE\" TOPSECRETVALUE\n",
		"@a : PSK 0xTOPSECRETVALUE\n",
		"@a : PSK 0sTOPSECRETVALUE\n",
		"@a : PSK \"TOPSECRETVALUE\n",
		"@a TOPSECRETVALUE\n",
		"@a : PPKS \"id\" TOPSECRETVALUE\n",
		"@a : RSA k.pem TOPSECRETVALUE\n",
		"@a : XAUTH TOPSECRETVALUE\n",
		"@a : TOPSECRET\n",
		"@a : topsecret\n",
		"@a : \"TOPSECRET\"\n",
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct secrets *s = parse(texts[i]);
		char d[2048];
		diags(s, -1, d, sizeof(d));
		if (s->n_diags == 0 || strstr(d, "TOPSECRET"))
			t_fail(__FILE__, __LINE__, "row %zu: diagnostics \"%s\"", i, d);
		secrets_free(s);
	}
}

static void test_nul_byte(void)
{
	static const char text[] = "@a\0b : PSK \"secret-ab\"\n@c : PSK \"sec\0ret-cd\"\n";
	struct secrets *s = secrets_parse_buffer("t.secrets", text, sizeof(text) - 1, &opts);
	char d[512];

	diags(s, -1, d, sizeof(d));
	CHECK_INT(s->n_entries, 1);          /* a NUL inside a quoted secret is just a byte */
	CHECK_INT(s->n_errors, 1);
	CHECK(strstr(d, "t.secrets:1: index contains a NUL character") != NULL);
	if (s->n_entries == 1)
		CHECK_INT(s->entries[0].value->len, 10);
	secrets_free(s);
}

static void test_ordinals(void)
{
	struct secrets *s = parse("@a : PSK \"secret-aa\"\n@b : PSK 0xZZ\ninclude x\n@c : XAUTH \"pw\"\n"
				  "@d : PPKS \"id\" \"ppk-material\"\n@e : PSK \"secret-ee\"\n");
	CHECK_INT(s->n_entries, 4);
	CHECK_INT(s->entries[0].ordinal, 1);
	CHECK_INT(s->entries[1].ordinal, 3);
	CHECK_INT(s->entries[2].ordinal, 4);
	CHECK_INT(s->entries[3].ordinal, 5);
	CHECK_INT(s->entries[3].line, 6);
	CHECK_STR(s->entries[3].file, "t.secrets");
	secrets_free(s);
}

static void test_large_file(void)
{
	size_t cap = 10000 * 64, o = 0;
	char *buf = malloc(cap);
	struct secrets *s;

	for (int i = 0; i < 10000; i++)
		o += (size_t)snprintf(buf + o, cap - o, "@h%d.example 192.0.2.%d : PSK \"secret-number-%d\"\n",
				      i, i % 250, i);
	s = secrets_parse_buffer("big", buf, o, &opts);
	CHECK_INT(s->n_entries, 10000);
	CHECK_INT(s->n_errors, 0);
	struct cy_id l, r;
	CHECK(id_parse("@h9999.example", &l, NULL));
	CHECK(id_parse("192.0.2.249", &r, NULL));
	const struct secret_entry *e = secrets_find(s, SECRET_PSK, &l, &r);
	CHECK(e && e->ordinal == 10000);
	secrets_free(s);
	free(buf);
}

int main(void)
{
	RUN(test_parse_table);
	RUN(test_no_secret_in_messages);
	RUN(test_nul_byte);
	RUN(test_ordinals);
	RUN(test_large_file);
	return t_done();
}
