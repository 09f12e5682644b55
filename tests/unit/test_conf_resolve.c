/* ipsec.conf resolution: also=, alsoflip=, %default, include, errors with
 * FILE:LINE, typed conns (conn_from_kv) and presence bits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/conn.h"
#include "conf_testlib.h"
#include "harness.h"

static const char *kv(const struct config *c, const char *conn, const char *key, enum conf_side s)
{
	const struct config_conn_entry *e = config_find(c, conn);
	return e ? kvlist_get(&e->kv, key, s) : NULL;
}

static void test_also_and_override(void)
{
	struct config *c = load(
		"conn a\n\talso=base\n\tright=192.0.2.2\n\tauto=add\n\tikelifetime=1h\n\tauthby=secret\n"
		"conn base\n\tleft=192.0.2.1\n\tikelifetime=2h\n\talso=deeper\n"
		"conn deeper\n\tleftsubnet=10.1.0.0/24\n\tesp=aes_gcm256\n");
	CHECK(c != NULL);
	if (!c)
		return;
	CHECK_INT(D.n_errors, 0);
	CHECK_STR(kv(c, "a", "", CONF_LEFT), "192.0.2.1");          /* also target defined later */
	CHECK_STR(kv(c, "a", "subnet", CONF_LEFT), "10.1.0.0/24");  /* nested also */
	CHECK_STR(kv(c, "a", "ikelifetime", CONF_NOSIDE), "1h");    /* own value wins */
	CHECK(kv(c, "a", "also", CONF_NOSIDE) == NULL);              /* consumed */
	CHECK(config_find(c, "a")->conn != NULL);
	CHECK_INT(config_find(c, "a")->conn->ikelifetime_ms, 3600 * 1000);
	CHECK_INT(c->n_conns, 3);
	config_free(c);
}

static void test_alsoflip(void)
{
	struct config *c = load(
		"conn east-side\n\tleft=192.0.2.2\n\tleftsubnet=10.2.0.0/16\n\tleftid=@east\n"
		"conn west\n\talsoflip=east-side\n\tleft=192.0.2.1\n\tauto=add\n\tauthby=secret\n");
	CHECK(c && D.n_errors == 0);
	if (D.n_errors)
		dump_diag();
	if (!c)
		return;
	CHECK_STR(kv(c, "west", "", CONF_RIGHT), "192.0.2.2");
	CHECK_STR(kv(c, "west", "subnet", CONF_RIGHT), "10.2.0.0/16");
	CHECK_STR(kv(c, "west", "id", CONF_RIGHT), "@east");
	CHECK_STR(kv(c, "west", "", CONF_LEFT), "192.0.2.1");
	config_free(c);
}

static void test_default(void)
{
	struct config *c = load(
		"conn early\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tikelifetime=4h\n"
		"conn %default\n\tikelifetime=3h\n\tkeyingtries=5\n\tsalifetime=1h\n"
		"conn %default\n\tkeyingtries=7\n"
		"conn base\n\tsalifetime=2h\n"
		"conn late\n\talso=base\n\tleft=192.0.2.1\n\tright=192.0.2.3\n");
	const struct conn *e, *l;

	CHECK(c && D.n_errors == 0);
	if (D.n_errors)
		dump_diag();
	if (!c)
		return;
	e = config_find(c, "early")->conn;
	l = config_find(c, "late")->conn;
	CHECK(e && l);
	if (!e || !l)
		goto out;
	CHECK_INT(e->ikelifetime_ms, 4 * 3600 * 1000);     /* own beats %default */
	CHECK_INT(e->keyingtries, 7);                       /* %default applies to earlier conns; later %default wins */
	CHECK_INT(l->ikelifetime_ms, 3 * 3600 * 1000);
	CHECK_INT(l->salifetime_ms, 2 * 3600 * 1000);       /* also= beats %default */
	CHECK(conn_has(l, "ikelifetime", CONF_NOSIDE));      /* from %default: present */
	CHECK(!conn_has(l, "rekeymargin", CONF_NOSIDE));     /* table default: absent */
	CHECK_INT(l->rekeymargin_ms, 9 * 60 * 1000);
	CHECK(l->ikev2 && l->pfs);
out:
	config_free(c);
}

static void test_errors_file_line(void)
{
	struct config *c = load(
		"config setup\n\tuniqueids=maybe\n"                      /* 2 */
		"conn dupkey\n\tleft=192.0.2.1\n\tleft=192.0.2.5\n"       /* 5 */
		"conn badsub\n\tleft=192.0.2.1\n\tleftsubnet=10.1.0.0/33\n" /* 8 */
		"conn loop1\n\talso=loop2\n"                              /* 10 */
		"conn loop2\n\talso=loop1\n"                              /* 12 */
		"conn miss\n\talso=nothere\n"                             /* 14 */
		"conn c1\n\tikelifetime=1h\n"
		"conn c2\n\tikelifetime=2h\n"
		"conn conflict\n\talso=c1\n\talso=c2\n"                   /* 19, 20 */
		"conn noright\n\tleft=192.0.2.1\n\tauto=add\n"            /* 21 */
		"conn good\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tauto=add\n\tauthby=secret\n"
		"conn good\n\tleft=192.0.2.9\n"                            /* 28 */
		"config setup\n");                                          /* 30 */
	CHECK(c != NULL);
	if (!c)
		return;
	CHECK_DIAG("t.conf:2: keyword uniqueids, invalid value: maybe");
	CHECK_DIAG("t.conf:5: duplicate key 'left' in conn dupkey (first at t.conf:4)");
	CHECK_DIAG("t.conf:8: keyword leftsubnet, invalid value: 10.1.0.0/33");
	CHECK_DIAG("also= loop");
	CHECK_DIAG("t.conf:14: cannot find conn 'nothere' needed by conn 'miss'");
	CHECK_DIAG("t.conf:18: conn conflict: conflicting values for ikelifetime");
	CHECK_DIAG("t.conf:22: conn noright: right= is not set");
	CHECK_DIAG("t.conf:30: duplicate conn name 'good' (first at t.conf:25)");
	CHECK_DIAG("t.conf:32: second 'config setup' section (first at t.conf:1)");
	CHECK(config_find(c, "dupkey")->broken);
	CHECK(config_find(c, "badsub")->broken);
	CHECK(config_find(c, "loop1")->broken);
	CHECK(config_find(c, "miss")->broken);
	CHECK(config_find(c, "conflict")->broken);
	CHECK(config_find(c, "noright")->broken);
	CHECK(!config_find(c, "good")->broken && config_find(c, "good")->conn);
	CHECK_STR(kv(c, "good", "", CONF_LEFT), "192.0.2.1");   /* first definition kept */
	CHECK(!config_find(c, "c1")->broken);                     /* fragments are fine */
	config_free(c);
}

static void test_fatal(void)
{
	static const struct { const char *text, *msg; } rows[] = {
		{ "conn a\n\tfrobnicate=1\n", "t.conf:2: syntax error: unknown keyword 'frobnicate'" },
		{ "conn a\n\tright 192.0.2.13\n", "t.conf:2: syntax error" },
		{ "conn a\nleft=192.0.2.1\n", "t.conf:2: syntax error [left=192.0.2.1]" },
		{ "\tleft=192.0.2.1\n", "t.conf:1: syntax error: 'left' outside of any section" },
		{ "config setup\n\tleft=1.2.3.4\n", "unknown keyword 'left' in config setup" },
		{ "conn a\n\tleftid=\"open\n", "t.conf:2: unterminated quoted string" },
		{ "conn a\n\tleft=1\0.2\n", "NUL byte" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct config *c;
		size_t len = strlen(rows[i].text);
		if (strstr(rows[i].msg, "NUL"))
			len = 16;
		diag_free(&D);
		diag_init(&D);
		c = config_load_buffer("t.conf", rows[i].text, len, &NOROUTE, &D);
		if (c) {
			t_fail(__FILE__, __LINE__, "row %zu loaded", i);
			config_free(c);
			continue;
		}
		if (!diag_has(rows[i].msg))
			t_fail(__FILE__, __LINE__, "row %zu: no \"%s\" (got \"%s\")", i, rows[i].msg,
			       D.n ? D.lines[0] : "");
	}
}

static void test_user_obsolete_alias(void)
{
	struct config *c = load(
		"conn a\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tx-owner=\"ops team\"\n\tpfsgroup=modp2048\n"
		"\tphase2alg=aes_gcm256\n\tkeylife=2h\n\tconnalias=\"grp other\"\n\tauto=route\n\tauthby=secret\n"
		"conn b\n\tleft=192.0.2.1\n\tright=192.0.2.3\n\tconnalias=grp\n\tauthby=secret\n");
	const struct config_conn_entry *out[4];

	CHECK(c && D.n_errors == 0);
	if (D.n_errors)
		dump_diag();
	if (!c)
		return;
	CHECK_DIAG("t.conf:5: warning: obsolete keyword 'pfsgroup' ignored");
	CHECK_STR(kv(c, "a", "x-owner", CONF_NOSIDE), "ops team");
	CHECK_STR(kv(c, "a", "esp", CONF_NOSIDE), "aes_gcm256");
	CHECK_STR(kv(c, "a", "salifetime", CONF_NOSIDE), "2h");
	CHECK_INT(config_find(c, "a")->conn->auto_, AUTO_ONDEMAND);
	CHECK_INT(config_find_alias(c, "grp", out, 4), 2);
	CHECK_INT(config_find_alias(c, "other", out, 4), 1);
	CHECK_INT(config_find_alias(c, "b", out, 4), 1);
	CHECK_INT(config_find_alias(c, "nosuch", out, 4), 0);
	config_free(c);
}

static void test_typed_conn(void)
{
	struct config *c = load(
		"conn t\n\tleft=%defaultroute\n\tright=2001:db8::2\n"
		"\trightsubnets={2001:db8:1::/48 2001:db8:2::/48}\n\tleftprotoport=tcp/80\n"
		"\trightid=@east.example\n\tretransmit-interval=250\n\tkeyingtries=%forever\n"
		"\tdpddelay=30s\n\tdpdaction=restart\n\tfragmentation=force\n\tesn=yes\n"
		"\tencapsulation=yes\n\tikev2=insist\n\ttype=transport\n\tmark=5/0xff\n"
		"\treplay-window=0\n\tipsec-max-bytes=1GiB\n\tleftupdown=%disabled\n"
		"\tmark-in=-1\n\tike=aes_gcm256-sha2_512-dh19\n");
	const struct conn *k;

	CHECK(c && D.n_errors == 0);
	if (D.n_errors)
		dump_diag();
	if (!c)
		return;
	k = config_find(c, "t")->conn;
	CHECK(k != NULL);
	if (!k)
		dump_diag();
	if (!k)
		goto out;
	CHECK_INT(k->end[0].host_kind, HOST_DEFAULTROUTE);
	CHECK_INT(k->end[1].host_kind, HOST_ADDR);
	CHECK_INT(k->end[1].n_subnets, 2);
	CHECK_INT(k->end[0].protocol, 6);
	CHECK_INT(k->end[0].port, 80);
	CHECK(k->end[1].has_id && k->end[1].id->kind == ID_FQDN);
	CHECK_INT(k->retransmit_interval_ms, 250);
	CHECK_INT(k->keyingtries, 0);
	CHECK_INT(k->dpddelay_ms, 30000);
	CHECK_INT(k->dpdaction, DPD_RESTART);
	CHECK_INT(k->fragmentation, FRAG_FORCE);
	CHECK_INT(k->esn, ESN_YES);
	CHECK_INT(k->encapsulation, YNA_YES);
	CHECK(k->ikev2);
	CHECK_INT(k->type, CONN_TRANSPORT);
	/* parsed once here, as the daemon uses them */
	CHECK(k->mark.set && !k->mark.unique && k->mark.value == 5 && k->mark.mask == 0xff);
	CHECK(k->mark_in.set && k->mark_in.unique);
	CHECK(!k->mark_out.set);
	CHECK(k->ike && k->ike->n == 1 && k->ike->p[0].encr[0].keybits == 256 &&
	      k->ike->p[0].dh[0].id == IKEV2_DH_ECP_256);
	CHECK(k->esp == NULL && k->ah == NULL);    /* Libreswan's defaults */
	CHECK_INT(k->replay_window, 0);
	CHECK_INT(k->ipsec_max_bytes, 1ULL << 30);
	CHECK(k->end[0].updown == NULL);
	CHECK_STR(k->end[1].updown, "ipsec _updown");
out:
	config_free(c);
}

/* conn_from_kv is the daemon's entry point: it must validate by itself. */
static void test_conn_from_kv(void)
{
	struct conf_kvlist l;
	struct conn *k;

	kvlist_init(&l);
	kvlist_add(&l, "", CONF_LEFT, "192.0.2.1");
	kvlist_add(&l, "", CONF_RIGHT, "192.0.2.2");
	kvlist_add(&l, "ikelifetime", CONF_NOSIDE, "2h");
	diag_free(&D);
	diag_init(&D);
	k = conn_from_kv("x", &l, NULL, &D);
	CHECK(k && k->ikelifetime_ms == 7200000);
	CHECK(k && conn_has(k, "", CONF_LEFT) && !conn_has(k, "subnet", CONF_LEFT));
	conn_free(k);
	kvlist_add(&l, "subnet", CONF_RIGHT, "10.0.0.0/99");
	k = conn_from_kv("x", &l, NULL, &D);
	CHECK(k == NULL);
	CHECK_DIAG("x: keyword rightsubnet, invalid value: 10.0.0.0/99");
	/* proposals and marks: the grammar's reason, in the same words */
	kvlist_clear(&l);
	kvlist_add(&l, "esp", CONF_NOSIDE, "aes-sha1");
	CHECK(conn_from_kv("x", &l, NULL, &D) == NULL);
	CHECK_DIAG("x: keyword esp, invalid value: aes-sha1 (algorithm 'sha1' is not supported by Cygnet)");
	kvlist_clear(&l);
	kvlist_add(&l, "mark-out", CONF_NOSIDE, "7/0x3");
	CHECK(conn_from_kv("x", &l, NULL, &D) == NULL);
	CHECK_DIAG("x: keyword mark-out, invalid value: 7/0x3 (mark value has bits outside its mask)");
	kvlist_clear(&l);
	kvlist_add(&l, "nosuch", CONF_NOSIDE, "1");
	CHECK(conn_from_kv("y", &l, NULL, &D) == NULL);
	kvlist_clear(&l);
	kvlist_add(&l, "subnet", CONF_NOSIDE, "10.0.0.0/8");   /* sided keyword without side */
	CHECK(conn_from_kv("z", &l, NULL, &D) == NULL);
	kvlist_clear(&l);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		t_fail(__FILE__, __LINE__, "cannot write %s", path);
		return;
	}
	fputs(text, f);
	fclose(f);
}

static void test_include(void)
{
	char dir[] = "/tmp/cygnet-conf-XXXXXX", p[512], q[512];
	struct config *c;

	if (!mkdtemp(dir)) {
		t_fail(__FILE__, __LINE__, "mkdtemp");
		return;
	}
	snprintf(p, sizeof(p), "%s/sub", dir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/top.conf", dir);
	write_file(p, "config setup\n\tuniqueids=no\ninclude sub/*.conf\ninclude nomatch/*.conf\n"
		      "conn top\n\talso=from-sub\n\tauto=add\n\tauthby=secret\n");
	snprintf(q, sizeof(q), "%s/sub/a.conf", dir);
	write_file(q, "conn from-sub\n\tleft=192.0.2.1\n\tright=192.0.2.2\ninclude deeper.inc\n");
	snprintf(q, sizeof(q), "%s/sub/deeper.inc", dir);
	write_file(q, "conn deep\n\tleft=192.0.2.7\n");
	diag_free(&D);
	diag_init(&D);
	c = config_load_opts(p, &NOROUTE, &D);
	CHECK(c && D.n_errors == 0);
	if (D.n_errors)
		dump_diag();
	if (c) {
		CHECK_STR(kv(c, "top", "", CONF_RIGHT), "192.0.2.2");
		CHECK(config_find(c, "deep") != NULL);    /* relative to the including file */
		config_free(c);
	}
	/* a loop: deeper includes a.conf again */
	write_file(q, "include a.conf\n");
	diag_free(&D);
	diag_init(&D);
	c = config_load_opts(p, &NOROUTE, &D);
	CHECK(c == NULL);
	CHECK_DIAG("include loop");
	config_free(c);
	snprintf(q, sizeof(q), "rm -rf '%s'", dir);
	CHECK(system(q) == 0);
}

static void test_missing_file(void)
{
	diag_free(&D);
	diag_init(&D);
	CHECK(config_load("/nonexistent/ipsec.conf", &D) == NULL);
	CHECK_DIAG("can't load file '/nonexistent/ipsec.conf'");
}

int main(void)
{
	diag_init(&D);
	RUN(test_also_and_override);
	RUN(test_alsoflip);
	RUN(test_default);
	RUN(test_errors_file_line);
	RUN(test_fatal);
	RUN(test_user_obsolete_alias);
	RUN(test_typed_conn);
	RUN(test_conn_from_kv);
	RUN(test_include);
	RUN(test_missing_file);
	diag_free(&D);
	return t_done();
}
