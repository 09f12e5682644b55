/* The class column of the keyword table (implemented / not supported yet /
 * no effect) and how it is applied: every row has a class, the table is
 * consistent with itself, and conns / config setup are refused or warned
 * about with FILE:LINE. */
#include <stdio.h>
#include <string.h>

#include "config/conn.h"
#include "config/keywords.h"
#include "conf_testlib.h"
#include "harness.h"

static const struct kw_def *target(const struct kw_def *d)
{
	return d->alias_of ? kw_find(d->alias_of, d->section) : d;
}

/* Every row has a class; rows that refuse or warn say why. */
static void test_every_row_classified(void)
{
	for (size_t i = 0; i < kw_count; i++) {
		const struct kw_def *d = &kw_table[i];

		if (d->cls != KC_IMPLEMENTED && d->cls != KC_NOT_YET && d->cls != KC_NO_EFFECT)
			t_fail(__FILE__, __LINE__, "%s: no class", d->name);
		if (d->cls != KC_IMPLEMENTED && (!d->why || !d->why[0]))
			t_fail(__FILE__, __LINE__, "%s: %s without a reason", d->name,
			       kw_class_name((enum kw_class)d->cls));
		if (d->cls == KC_IMPLEMENTED && d->ok)
			t_fail(__FILE__, __LINE__, "%s: implemented with a value list", d->name);
	}
}

/* An alias is the same setting under another name: same class. */
static void test_alias_same_class(void)
{
	for (size_t i = 0; i < kw_count; i++) {
		const struct kw_def *d = &kw_table[i], *t = target(d);

		if (!d->alias_of)
			continue;
		if (!t) {
			t_fail(__FILE__, __LINE__, "%s: alias of unknown %s", d->name, d->alias_of);
			continue;
		}
		if (d->cls != t->cls || d->ok != t->ok)
			t_fail(__FILE__, __LINE__, "%s (%s) and %s (%s) differ", d->name,
			       kw_class_name((enum kw_class)d->cls), t->name,
			       kw_class_name((enum kw_class)t->cls));
	}
}

/* Implemented values are valid canonical spellings, and a default is never
 * refused (else every conn would be). */
static void test_ok_values_and_defaults(void)
{
	char why[160], canon[512];

	for (size_t i = 0; i < kw_count; i++) {
		const struct kw_def *d = target(&kw_table[i]);

		if (!d || d->obsolete)
			continue;
		for (const char *const *v = d->ok; v && *v; v++) {
			if (!kw_validate(d, *v, why, sizeof(why), canon, sizeof(canon)))
				t_fail(__FILE__, __LINE__, "%s: implemented value %s invalid: %s", d->name,
				       *v, why);
			else if (strcmp(canon, *v) != 0)
				t_fail(__FILE__, __LINE__, "%s: implemented value %s is not canonical (%s)",
				       d->name, *v, canon);
		}
		if (d->def && kw_value_class(d, d->def, NULL) == KC_NOT_YET)
			t_fail(__FILE__, __LINE__, "%s: the default %s is refused", d->name, d->def);
	}
}

static void test_value_class(void)
{
	static const struct {
		const char *key, *value;
		enum kw_class want;
	} rows[] = {
		{ "authby", "secret", KC_IMPLEMENTED },
		{ "ppk", "no", KC_IMPLEMENTED },                 /* canonical never */
		{ "authby", "secret,rsasig", KC_NOT_YET },       /* every word counts */
		{ "authby", "rsasig", KC_NOT_YET },
		{ "authby", "", KC_IMPLEMENTED },                /* unset: the default applies */
		{ "type", "tunnel", KC_IMPLEMENTED },
		{ "compress", "no", KC_IMPLEMENTED },
		{ "compress", "yes", KC_NOT_YET },
		{ "auto", "route", KC_IMPLEMENTED },             /* canonical ondemand */
		{ "ikelifetime", "1h", KC_IMPLEMENTED },
		{ "ikepad", "no", KC_NO_EFFECT },
		{ "ppk", "never", KC_IMPLEMENTED },
		{ "ppk", "insist", KC_NOT_YET },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct kw_def *d = kw_find(rows[i].key, KWS_CONN);
		enum kw_class got;

		if (!d) {
			t_fail(__FILE__, __LINE__, "no row %s", rows[i].key);
			continue;
		}
		got = kw_value_class(d, rows[i].value, NULL);
		if (got != rows[i].want)
			t_fail(__FILE__, __LINE__, "%s=%s: %s, want %s", rows[i].key, rows[i].value,
			       kw_class_name(got), kw_class_name(rows[i].want));
	}
}

#define HOSTS "\tleft=192.0.2.1\n\tright=192.0.2.2\n\tauto=add\n"

/* A refused conn is left out with FILE:LINE of the setting; the others load. */
static void test_conn_refused(void)
{
	struct config *c = load(
		"conn good\n" HOSTS "\tauthby=secret\n"                       /* 1-5 */
		"conn comp\n" HOSTS "\tauthby=secret\n\tcompress=yes\n"       /* 6-11 */
		"conn nokey\n" HOSTS                                          /* 12-15 */
		"conn never\n" HOSTS "\tauthby=never\n"                       /* 16-20 */
		"conn warn\n" HOSTS "\tauthby=secret\n\tleftsendcert=always\n\tx-mine=1\n" /* 21-27 */
		"conn frag\n\tcompress=yes\n");                               /* auto=ignore */
	const struct config_conn_entry *e;

	CHECK(c != NULL);
	if (!c) {
		dump_diag();
		return;
	}
	CHECK_DIAG("t.conf:11: conn comp: compress=yes is not supported by Cygnet (IPComp)");
	CHECK_DIAG("t.conf:12: conn nokey: authby=rsasig,ecdsa (the default) is not supported by Cygnet");
	CHECK_DIAG("t.conf:20: conn never: authby=never is not supported by Cygnet");
	CHECK_DIAG("t.conf:26: warning: leftsendcert=always has no effect in Cygnet");
	CHECK(!diag_has("x-mine"));
	CHECK(!diag_has("conn frag"));              /* checked when it is added */
	CHECK_INT(D.n_errors, 3);
	e = config_find(c, "good");
	CHECK(e && e->conn && !e->broken && !e->refused);
	e = config_find(c, "warn");
	CHECK(e && e->conn && !e->broken && !e->refused);
	for (const char *const *n = (const char *const[]){ "comp", "nokey", "never", NULL }; *n; n++) {
		e = config_find(c, *n);
		if (!e || e->conn || !e->refused)
			t_fail(__FILE__, __LINE__, "conn %s not refused", *n);
	}
	config_free(c);
}

/* Both leftauth= and rightauth= given: no default authby= applies. */
static void test_sided_auth(void)
{
	struct config *c = load("conn s\n" HOSTS "\tleftauth=secret\n\trightauth=secret\n"
				"conn r\n" HOSTS "\tleftauth=secret\n\trightauth=rsasig\n");

	CHECK(c != NULL);
	if (!c)
		return;
	CHECK(config_find(c, "s")->conn != NULL);
	CHECK_DIAG("t.conf:12: conn r: rightauth=rsasig is not supported by Cygnet");
	CHECK(config_find(c, "r")->refused);
	config_free(c);
}

static void test_setup(void)
{
	struct config *c = load("config setup\n\tprotostack=klips\n\tseedbits=2\n\tuniqueids=yes\n"
				"conn good\n" HOSTS "\tauthby=secret\n");

	CHECK(c != NULL);
	if (!c)
		return;
	CHECK_DIAG("t.conf:2: config setup: protostack=klips is not supported by Cygnet");
	CHECK_DIAG("t.conf:3: warning: seedbits=2 has no effect in Cygnet");
	CHECK(c->setup_refused);
	CHECK(config_find(c, "good")->conn != NULL);
	config_free(c);
	c = load("config setup\n\tprotostack=userspace\n");
	CHECK(c && !c->setup_refused && D.n_errors == 0);
	config_free(c);
}

/* Spellings that must not slip past the conn-level rules: auto= in any
 * case (start-up loads it), authby=NEVER, VHOST:, an empty leftauth=. */
static void test_spellings(void)
{
	struct config *c = load(
		"conn up\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tauto=Add\n"                  /* 1-4 */
		"conn nv\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tauto=START\n\tauthby=NEVER\n" /* 5-9 */
		"conn vh\n" HOSTS "\tauthby=secret\n\trightsubnet=VHOST:%priv\n"                 /* 10-15 */
		"conn ea\n" HOSTS "\tleftauth=\n\trightauth=\n");                               /* 16-21 */

	CHECK(c != NULL);
	if (!c)
		return;
	CHECK_DIAG("t.conf:1: conn up: authby=rsasig,ecdsa (the default) is not supported by Cygnet");
	CHECK_DIAG("t.conf:9: conn nv: authby=never is not supported by Cygnet");
	CHECK_DIAG("t.conf:15: conn vh: rightsubnet=VHOST:%priv is not supported by Cygnet");
	CHECK_DIAG("t.conf:16: conn ea: authby=rsasig,ecdsa (the default) is not supported by Cygnet");
	for (const char *const *n = (const char *const[]){ "up", "nv", "vh", "ea", NULL }; *n; n++)
		if (!config_find(c, *n) || !config_find(c, *n)->refused)
			t_fail(__FILE__, __LINE__, "conn %s not refused", *n);
	config_free(c);
}

/* reqid=: one conn's SAs, never several peers' or several subnet pairs' */
static void test_reqid_rules(void)
{
	struct config *c = load(
		"conn one\n" HOSTS "\tauthby=secret\n\treqid=5\n"                                   /* 1-6 */
		"conn rw\n\tleft=192.0.2.1\n\tright=%any\n\tauto=add\n\tauthby=secret\n\treqid=6\n"); /* 7-12 */

	CHECK(c != NULL);
	if (!c)
		return;
	CHECK(config_find(c, "one")->conn && config_find(c, "one")->conn->reqid == 5);
	CHECK_DIAG("t.conf:12: conn rw: reqid=6 with a %any end is not supported by Cygnet");
	CHECK(config_find(c, "rw")->refused);
	config_free(c);
}

int main(void)
{
	RUN(test_every_row_classified);
	RUN(test_alias_same_class);
	RUN(test_ok_values_and_defaults);
	RUN(test_value_class);
	RUN(test_conn_refused);
	RUN(test_sided_auth);
	RUN(test_setup);
	RUN(test_spellings);
	RUN(test_reqid_rules);
	diag_free(&D);
	return t_done();
}
