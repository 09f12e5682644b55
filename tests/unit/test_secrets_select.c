/* Secret selection (secrets_find) and the --listall listing. */
#include "harness.h"

#include <stdio.h>
#include <string.h>

#include "config/secrets.h"

static const char table_text[] =
	"@a @b : PSK \"secret-ab-first\"\n"                  /* 1 */
	"192.0.2.1 192.0.2.2 : PSK \"ip-pair-1-2\"\n"        /* 2 */
	"%any 192.0.2.1 : PSK \"any-with-1\"\n"              /* 3 */
	"@solo : PSK \"solo-local\"\n"                       /* 4 */
	": PSK \"default-psk\"\n"                            /* 5 */
	"@c @d @e : PSK \"three-ids\"\n"                     /* 6 */
	"@a @b : PSK \"secret-ab-second\"\n"                 /* 7: ties with 1 */
	"2001:db8::1 %any6 : PSK \"v6-any\"\n"               /* 8 */
	"@user : XAUTH \"xauthpw\"\n"                        /* 9 */
	"alice@example.org @gw : PSK \"rfc822-gw\"\n"        /* 10 */
	"198.51.100.7 : PSK \"local-ip-only\"\n"             /* 11 */
	"@b @a : PSK \"reversed-ab\"\n"                      /* 12: ties with 1 */
	"0.0.0.0 203.0.113.5 : PSK \"zero-as-any\"\n"        /* 13 */
	"@p1 @p2 : PPKS \"PPK_ID_1\" \"ppk-material-one\"\n" /* 14 */
	"@k1 @k2 : RSA \"/nonexistent/k.pem\"\n";            /* 15 (key file not opened) */

static const struct secrets_opts opts = { .no_includes = true, .no_key_files = true };

static void test_select_table(void)
{
	static const struct {
		const char *label;
		enum secret_kind kind;
		const char *local, *remote;   /* NULL remote: none given */
		unsigned want;                /* ordinal, 0 = no match */
	} rows[] = {
		{ "exact fqdn pair", SECRET_PSK, "@a", "@b", 1 },
		{ "pair reversed: index order irrelevant", SECRET_PSK, "@b", "@a", 1 },
		{ "tie: first loaded wins", SECRET_PSK, "@a", "@b", 1 },
		{ "exact ip pair", SECRET_PSK, "192.0.2.1", "192.0.2.2", 2 },
		{ "exact ip pair reversed beats %any", SECRET_PSK, "192.0.2.2", "192.0.2.1", 2 },
		{ "%any matches unknown ipv4 peer", SECRET_PSK, "192.0.2.1", "192.0.2.9", 3 },
		{ "%any matches %any peer", SECRET_PSK, "192.0.2.1", "%any", 3 },
		{ "%any on local side", SECRET_PSK, "192.0.2.77", "192.0.2.1", 3 },
		{ "%any does not match fqdn peer", SECRET_PSK, "192.0.2.1", "@someone", 5 },
		{ "one index matches local", SECRET_PSK, "@solo", "@x", 4 },
		{ "one index: peer not considered", SECRET_PSK, "@x", "@solo", 5 },
		{ "nothing specific: default", SECRET_PSK, "@nobody", "@nobody2", 5 },
		{ "three ids local first", SECRET_PSK, "@c", "@e", 6 },
		{ "three ids local last", SECRET_PSK, "@e", "@c", 6 },
		{ "three ids middle", SECRET_PSK, "@d", "@c", 6 },
		{ "three ids: peer unknown", SECRET_PSK, "@c", "@zz", 5 },
		{ "ipv6 with %any6", SECRET_PSK, "2001:db8::1", "2001:db8::99", 8 },
		{ "%any6 does not match ipv4", SECRET_PSK, "2001:db8::1", "192.0.2.9", 5 },
		{ "xauth by user, no remote", SECRET_XAUTH, "@user", NULL, 9 },
		{ "xauth unknown user: no default", SECRET_XAUTH, "@other", NULL, 0 },
		{ "user@fqdn and fqdn", SECRET_PSK, "alice@example.org", "@gw", 10 },
		{ "user@fqdn as remote", SECRET_PSK, "@gw", "alice@example.org", 10 },
		{ "user@fqdn case-insensitive", SECRET_PSK, "@GW", "ALICE@example.org", 10 },
		{ "fqdn is not an ip", SECRET_PSK, "@192.0.2.1", "@192.0.2.2", 5 },
		{ "ip is not an fqdn", SECRET_PSK, "192.0.2.1", "@b", 5 },
		{ "local ip single index", SECRET_PSK, "198.51.100.7", "@anything", 11 },
		{ "0.0.0.0 behaves as %any", SECRET_PSK, "192.0.2.200", "203.0.113.5", 13 },
		{ "0.0.0.0 either side", SECRET_PSK, "203.0.113.5", "198.51.100.200", 13 },
		{ "0.0.0.0 matches any kind of id", SECRET_PSK, "@somebody", "203.0.113.5", 13 },
		{ "one index never serves both sides", SECRET_PSK, "@a", "@a", 5 },
		{ "kind filter: psk ids, xauth asked", SECRET_XAUTH, "@a", "@b", 0 },
		{ "ppks by ids", SECRET_PPKS, "@p2", "@p1", 14 },
		{ "ppks no match", SECRET_PPKS, "@a", "@b", 0 },
		{ "key: both ids", SECRET_RSA, "@k1", "@k2", 15 },
		{ "key: local id only (asymmetric)", SECRET_RSA, "@k2", "@other", 15 },
		{ "key: remote only does not match", SECRET_RSA, "@other", "@k1", 0 },
		{ "ecdsa: none", SECRET_ECDSA, "@k1", "@k2", 0 },
	};
	struct secrets *s = secrets_parse_buffer("sel.secrets", table_text, strlen(table_text), &opts);

	CHECK_INT(s->n_errors, 0);
	CHECK_INT(s->n_entries, 15);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct cy_id l, r;
		const char *why = "";
		if (!id_parse(rows[i].local, &l, &why) || (rows[i].remote && !id_parse(rows[i].remote, &r, &why))) {
			t_fail(__FILE__, __LINE__, "%s: bad test id: %s", rows[i].label, why);
			continue;
		}
		const struct secret_entry *e = secrets_find(s, rows[i].kind, &l, rows[i].remote ? &r : NULL);
		unsigned got = e ? e->ordinal : 0;
		if (got != rows[i].want)
			t_fail(__FILE__, __LINE__, "%s: got entry %u, want %u", rows[i].label, got, rows[i].want);
	}
	secrets_free(s);
}

static void test_rank_order(void)
{
	/* exact beats wildcard within a class; class BOTH beats LOCAL beats DEFAULT */
	static const char text[] = "192.0.2.1 192.0.2.2 : PSK \"xxxxxxxx\"\n"
		"192.0.2.1 %any : PSK \"xxxxxxxx\"\n192.0.2.1 : PSK \"xxxxxxxx\"\n: PSK \"xxxxxxxx\"\n";
	struct secrets *s = secrets_parse_buffer("r", text, sizeof(text) - 1, &opts);
	struct cy_id l, r;
	CHECK(id_parse("192.0.2.1", &l, NULL));
	CHECK(id_parse("192.0.2.2", &r, NULL));
	CHECK_INT(s->n_entries, 4);
	if (s->n_entries == 4) {
		unsigned r0 = secrets_match_rank(&s->entries[0], &l, &r);
		unsigned r1 = secrets_match_rank(&s->entries[1], &l, &r);
		unsigned r2 = secrets_match_rank(&s->entries[2], &l, &r);
		unsigned r3 = secrets_match_rank(&s->entries[3], &l, &r);
		CHECK(r0 > r1 && r1 > r2 && r2 > r3 && r3 > 0);
	}
	CHECK(secrets_find(NULL, SECRET_PSK, &l, &r) == NULL);
	secrets_free(s);
}

static void test_find_ppk(void)
{
	struct secrets *s = secrets_parse_buffer("sel.secrets", table_text, strlen(table_text), &opts);
	const struct secret_entry *e = secrets_find_ppk(s, (const uint8_t *)"PPK_ID_1", 8);
	CHECK(e && e->ordinal == 14);
	CHECK(secrets_find_ppk(s, (const uint8_t *)"PPK_ID_2", 8) == NULL);
	secrets_free(s);
}

struct lines {
	char buf[4096];
	size_t o;
};

static void collect(void *arg, const char *line)
{
	struct lines *l = arg;
	l->o += (size_t)snprintf(l->buf + l->o, sizeof(l->buf) - l->o, "%s\n", line);
}

static void test_list(void)
{
	static const char text[] =
		"@east.example @west.example : PSK \"secret-ew-1\"\n"
		"@a : PSK 0xZZ\n"
		"@user : XAUTH \"pw\"\n"
		"192.0.2.1 192.0.2.7 : PSK \"secret-ip-47\"\n"
		"@west.example %any : PSK \"secret-any-5\"\n"
		"@x @y @z : PSK \"secret-xyz-6\"\n"
		"@p : PPKS \"id\" \"ppk-not-listed\"\n"
		": PSK \"default-secret\"\n"
		"2001:db8::1 %any6 : PSK \"secret-v6-9\"\n"
		"0.0.0.0 @k : PSK \"secret-zero-10\"\n";
	/* lines 1-9 were checked against Libreswan 4.10's pluto --listall */
	struct secrets *s = secrets_parse_buffer("/etc/ipsec.secrets", text, strlen(text), &opts);
	struct lines l = { .o = 0 };

	secrets_list(s, collect, &l);
	CHECK_STR(l.buf,
		  " \n"
		  "List of Pre-shared secrets (from /etc/ipsec.secrets)\n"
		  " \n"
		  "   10: PSK @k (none)\n"
		  "    9: PSK %any 2001:db8::1\n"
		  "    8: PSK (none) (none)\n"
		  "    6: PSK @z @y more\n"
		  "    5: PSK %any @west.example\n"
		  "    4: PSK 192.0.2.7 192.0.2.1\n"
		  "    3: XAUTH @user\n"
		  "    1: PSK @west.example @east.example\n");
	CHECK(strstr(l.buf, "secret-") == NULL && strstr(l.buf, "ppk") == NULL);
	secrets_free(s);
}

int main(void)
{
	RUN(test_select_table);
	RUN(test_rank_order);
	RUN(test_find_ppk);
	RUN(test_list);
	return t_done();
}
