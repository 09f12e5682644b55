/* Review of issue 13 (a remote unauthenticated peer): a concentrator's
 * road-warrior conns accept any peer address (right=%any, one rightid=
 * each).  The responder's choice for an IKE_SA_INIT (no peer ID yet) went
 * through every one of them although the first that fits wins (a conn
 * naming the peer's address scores more, and those come first from the
 * index's bucket): with 2,000 of them each forged IKE_SA_INIT made 2,000
 * visits of views spread over the heap.  The choice must stop as soon as no
 * later candidate can score more. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conn.h"
#include "daemon/conndb.h"
#include "daemon/connindex.h"
#include "daemon/connview.h"
#include "daemon/pluto.h"
#include "lib/log.h"

static bool add_conn(struct pluto *p, const char *name, const char *right, const char *rightid)
{
	struct conf_kvlist l;
	struct config_diag d;
	struct conn *c;
	bool ok;

	kvlist_init(&l);
	diag_init(&d);
	kvlist_add(&l, "", CONF_LEFT, "127.0.0.1");
	kvlist_add(&l, "", CONF_RIGHT, right);
	if (rightid)
		kvlist_add(&l, "id", CONF_RIGHT, rightid);
	kvlist_add(&l, "authby", CONF_NOSIDE, "secret");
	c = conn_from_kv(name, &l, NULL, &d);
	ok = c && conndb_insert(p->db, name, c, NULL);
	if (!ok && c)
		conn_free(c);
	kvlist_clear(&l);
	diag_free(&d);
	return ok;
}

static void test_any_peer_choice_stops(void)
{
	enum { N = 2000 };
	struct pluto p;
	struct ike_endpoint l = { .port = 500 }, r = { .port = 500 }, named = { .port = 500 };
	struct ike_conn *got;
	struct cy_id id;
	const char *why;
	uint64_t v0;

	memset(&p, 0, sizeof(p));
	p.db = conndb_new();
	if (!CHECK(p.db))
		return;
	for (unsigned k = 0; k < N; k++) {
		char name[32], rid[48];

		snprintf(name, sizeof(name), "rw%04u", k);
		snprintf(rid, sizeof(rid), "@rw%04u.example", k);
		CHECK(add_conn(&p, name, "%any", rid));
	}
	CHECK(add_conn(&p, "zz-site", "198.51.100.7", "@site.example"));
	addr_parse("127.0.0.1", &l.addr);
	addr_parse("203.0.113.9", &r.addr);
	addr_parse("198.51.100.7", &named.addr);
	got = connview_for_peer(&p, &l, &r, NULL, NULL);   /* builds the index */
	CHECK(got && strcmp(got->name, "rw0000") == 0);

	/* IKE_SA_INIT from an unknown address: the first %any conn */
	v0 = connindex_visits();
	got = connview_for_peer(&p, &l, &r, NULL, NULL);
	CHECK(got && strcmp(got->name, "rw0000") == 0);
	if (connindex_visits() - v0 > 4)
		t_fail(__FILE__, __LINE__, "IKE_SA_INIT: %llu candidates visited of %u %%any conns",
		       (unsigned long long)(connindex_visits() - v0), N);
	/* from the named peer: its own conn (scores more), still few visits */
	v0 = connindex_visits();
	got = connview_for_peer(&p, &l, &named, NULL, NULL);
	CHECK(got && strcmp(got->name, "zz-site") == 0);
	if (connindex_visits() - v0 > 4)
		t_fail(__FILE__, __LINE__, "IKE_SA_INIT from a named peer: %llu candidates visited",
		       (unsigned long long)(connindex_visits() - v0));
	/* IKE_AUTH: the conn of the peer's ID (correct, whatever it visits) */
	CHECK(id_parse("@rw1999.example", &id, &why));
	got = connview_for_peer(&p, &l, &r, &id, NULL);
	CHECK(got && strcmp(got->name, "rw1999") == 0);
	CHECK(id_parse("@site.example", &id, &why));
	got = connview_for_peer(&p, &l, &named, &id, NULL);
	CHECK(got && strcmp(got->name, "zz-site") == 0);
	conndb_free(p.db);
	connindex_flush();
}

int main(void)
{
	log_set_level(LOG_LVL_ERROR);
	RUN(test_any_peer_choice_stops);
	return t_done();
}
