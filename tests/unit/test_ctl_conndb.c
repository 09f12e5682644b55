/* The daemon's connection database (src/daemon/conndb.c): name hash,
 * alias index, growth, deletion, sorted iteration; checked against a
 * naive reference (a plain array scanned linearly). */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conn.h"
#include "daemon/conndb.h"
#include "daemon/connview.h"

static struct conn *conn_with_alias(const char *alias)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (c && alias)
		c->connalias = strdup(alias);
	return c;
}

static void test_insert_find_delete(void)
{
	struct conndb *db = conndb_new();
	enum { N = 5000 };
	static bool present[N];
	char name[32];

	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "conn-%d", i);
		CHECK(conndb_insert(db, name, NULL, NULL));
		present[i] = true;
	}
	snprintf(name, sizeof(name), "conn-%d", 7);
	CHECK(!conndb_insert(db, name, NULL, NULL));    /* duplicate refused */
	CHECK_INT(conndb_count(db), N);
	for (int i = 0; i < N; i += 3) {
		snprintf(name, sizeof(name), "conn-%d", i);
		CHECK(conndb_delete(db, name));
		present[i] = false;
	}
	CHECK(!conndb_delete(db, "conn-0"));
	for (int i = 0; i < N; i++) {
		struct dconn *dc;

		snprintf(name, sizeof(name), "conn-%d", i);
		dc = conndb_find(db, name);
		if ((dc != NULL) != present[i])
			t_fail(__FILE__, __LINE__, "%s: found=%d, want %d", name, dc != NULL, present[i]);
		else if (dc && strcmp(dc->name, name) != 0)
			t_fail(__FILE__, __LINE__, "%s: found %s", name, dc->name);
	}
	conndb_free(db);
}

static void test_alias_and_sorted(void)
{
	struct conndb *db = conndb_new();
	struct dconn *v[8], **s;
	size_t n;

	CHECK(conndb_insert(db, "b", conn_with_alias("grp other"), NULL));
	CHECK(conndb_insert(db, "a", conn_with_alias("grp"), NULL));
	CHECK(conndb_insert(db, "c", conn_with_alias(NULL), NULL));
	CHECK_INT(conndb_find_alias(db, "grp", v, 8), 2);
	CHECK_INT(conndb_find_alias(db, "other", v, 8), 1);
	CHECK_STR(v[0]->name, "b");
	CHECK_INT(conndb_find_alias(db, "gr", v, 8), 0);
	CHECK(conndb_delete(db, "b"));
	CHECK_INT(conndb_find_alias(db, "grp", v, 8), 1);
	CHECK_STR(v[0]->name, "a");
	CHECK_INT(conndb_find_alias(db, "other", v, 8), 0);
	s = conndb_sorted(db, &n);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_STR(s[0]->name, "a");
		CHECK_STR(s[1]->name, "c");
	}
	CHECK(s[0]->serial != s[1]->serial);
	free(s);
	conndb_free(db);
}

/* A conn's view (the engine's reference-counted handle) goes with its
 * dconn, also when the database is freed at shutdown: marked gone, the
 * dconn's reference dropped (it leaked before: LeakSanitizer, one per
 * conn the engine had seen). */
/* The conn keywords reach the engine's ike_conn: defaults, then each
 * keyword set against its default. */
static struct ike_conn mapped(const char *key, const char *value)
{
	struct conf_kvlist l;
	struct config_diag d;
	struct ike_conn ic;
	struct conn *c;

	kvlist_init(&l);
	diag_init(&d);
	kvlist_add(&l, "", CONF_LEFT, "192.0.2.1");
	kvlist_add(&l, "", CONF_RIGHT, "192.0.2.2");
	if (key)
		kvlist_add(&l, key, CONF_NOSIDE, value);
	memset(&ic, 0, sizeof(ic));
	ike_conn_defaults(&ic);
	c = conn_from_kv("x", &l, NULL, &d);
	CHECK(c != NULL);
	if (c)
		connview_map_options(c, &ic);
	conn_free(c);
	kvlist_clear(&l);
	diag_free(&d);
	return ic;
}

static void test_keywords_reach_engine(void)
{
	struct ike_conn ic = mapped(NULL, NULL);

	CHECK_INT(ic.nat_keepalive_ms, 20000);
	CHECK(ic.initial_contact && !ic.send_no_esp_tfc && ic.fragmentation);
	CHECK_INT(ic.rekey_fuzz_pct, 100);
	CHECK_INT(mapped("nat-keepalive", "no").nat_keepalive_ms, 0);
	CHECK(!mapped("initial-contact", "no").initial_contact);
	CHECK(mapped("send-no-esp-tfc", "yes").send_no_esp_tfc);
	CHECK_INT(mapped("rekeyfuzz", "0%").rekey_fuzz_pct, 0);
	CHECK_INT(mapped("rekeyfuzz", "250%").rekey_fuzz_pct, 250);
	CHECK(!mapped("fragmentation", "no").fragmentation);
	/* force is IKEv1-only in Libreswan (ike_frag.v1_force): IKEv2 = yes */
	CHECK(mapped("fragmentation", "force").fragmentation);
}

static void test_view_dropped_with_conn(void)
{
	struct conndb *db = conndb_new();
	struct conn_view *v[2];
	struct dconn *dc;

	for (int i = 0; i < 2; i++) {
		v[i] = calloc(1, sizeof(*v[i]));
		ike_conn_defaults(&v[i]->ike);             /* refs 1 (the dconn's), release NULL */
		ike_conn_ref(&v[i]->ike);                  /* the test's, as an SA would hold */
		CHECK(conndb_insert(db, i ? "b" : "a", conn_with_alias(NULL), &dc));
		dc->view = v[i];
		v[i]->dc = dc;
		v[i]->ike.user = dc;
	}
	CHECK(conndb_delete(db, "a"));
	CHECK_INT(v[0]->ike.refs, 1);
	CHECK(v[0]->ike.gone && v[0]->dc == NULL && v[0]->ike.user == NULL);
	conndb_free(db);
	CHECK_INT(v[1]->ike.refs, 1);
	CHECK(v[1]->ike.gone && v[1]->dc == NULL && v[1]->ike.user == NULL);
	free(v[0]);
	free(v[1]);
}

int main(void)
{
	RUN(test_insert_find_delete);
	RUN(test_alias_and_sorted);
	RUN(test_view_dropped_with_conn);
	RUN(test_keywords_reach_engine);
	return t_done();
}
