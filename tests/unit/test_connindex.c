/* The responder's conn choice through the candidate index (connindex.c)
 * against the walk it replaced (every conn in name order, same scoring):
 * many conns with named peers, %any peers, peer IDs and shunts; again after
 * deletes and adds (the cache must follow). */
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

/* conn k: left=127.0.0.1 (this host), right= a peer of 198.51.100.1-20
 * (5-24 from k = 400 on) or
 * %any (every 7th), rightid= @pK%5.example or %any (every 3rd); every 11th
 * a passthrough shunt. */
static bool add_conn(struct pluto *p, unsigned k)
{
	struct conf_kvlist l;
	struct config_diag d;
	struct conn *c;
	char name[32], right[32], id[32];
	bool ok;

	kvlist_init(&l);
	diag_init(&d);
	snprintf(name, sizeof(name), "c%04u", k);
	/* the later ones (k >= 400) also name peers none of the first does */
	snprintf(right, sizeof(right), k % 7 == 0 ? "%%any" : "198.51.100.%u", k % 20 + 1 + (k >= 400 ? 4 : 0));
	snprintf(id, sizeof(id), k % 3 == 0 ? "%%any" : "@p%u.example", k % 5);
	kvlist_add(&l, "", CONF_LEFT, "127.0.0.1");
	kvlist_add(&l, "", CONF_RIGHT, right);
	kvlist_add(&l, "id", CONF_RIGHT, id);
	kvlist_add(&l, "authby", CONF_NOSIDE, "secret");
	if (k % 11 == 0)
		kvlist_add(&l, "type", CONF_NOSIDE, "passthrough");
	c = conn_from_kv(name, &l, NULL, &d);
	ok = c && conndb_insert(p->db, name, c, NULL);
	if (!ok && c)
		conn_free(c);
	kvlist_clear(&l);
	diag_free(&d);
	return ok;
}

static bool fits(const struct ike_conn *ic, const struct ike_endpoint *l, const struct ike_endpoint *r)
{
	if (ic->local.addr.af && !addr_is_any(&ic->local.addr) && !addr_eq(&ic->local.addr, &l->addr))
		return false;
	if (ic->remote.addr.af && !addr_is_any(&ic->remote.addr))
		return addr_eq(&ic->remote.addr, &r->addr);
	return !ic->remote.addr.af || ic->remote.addr.af == r->addr.af;
}

/* The walk connview_for_peer() did before the index. */
static struct ike_conn *reference(struct pluto *p, const struct ike_endpoint *l, const struct ike_endpoint *r,
				  const struct cy_id *peer)
{
	size_t n;
	struct dconn **all = conndb_sorted(p->db, &n);
	struct ike_conn *best = NULL;
	int best_score = -1;

	for (size_t i = 0; i < n; i++) {
		char err[256];
		struct conn_view *v;
		int score = 0;

		if (!all[i]->conn->ikev2 || conn_is_shunt(all[i]->conn) ||
		    !(v = connview_get(p, all[i], err, sizeof(err))))
			continue;
		if (!fits(&v->ike, l, r))
			continue;
		if (v->ike.remote.addr.af && !addr_is_any(&v->ike.remote.addr))
			score += 2;
		if (peer) {
			if (!id_match(v->ike.remote.id, peer))
				continue;
			if (v->ike.remote.id->kind != ID_ANY)
				score += 1;
		}
		if (score > best_score) {
			best = &v->ike;
			best_score = score;
		}
	}
	free(all);
	return best;
}

/* Every index answer first, then the walk's (which builds the views of
 * new conns, and so would hide a cache that missed them). */
static unsigned compare_all(struct pluto *p)
{
	enum { NA = 24, NI = 7 };
	struct ike_endpoint l = { .port = 500 }, r[NA];
	struct cy_id id[NI];
	struct ike_conn *got[NA][NI];
	unsigned found = 0;
	const char *why;

	addr_parse("127.0.0.1", &l.addr);
	for (unsigned a = 0; a < NA; a++) {
		char ra[32];

		snprintf(ra, sizeof(ra), "198.51.100.%u", a + 1);
		addr_parse(ra, &r[a].addr);
		r[a].port = 500;
	}
	for (unsigned k = 1; k < NI; k++) {
		char s[32];

		snprintf(s, sizeof(s), "@p%u.example", k - 1);
		id_parse(s, &id[k], &why);
	}
	for (unsigned a = 0; a < NA; a++)
		for (unsigned k = 0; k < NI; k++)
			got[a][k] = connview_for_peer(p, &l, &r[a], k ? &id[k] : NULL, NULL);
	for (unsigned a = 0; a < NA; a++)
		for (unsigned k = 0; k < NI; k++) {
			struct ike_conn *want = reference(p, &l, &r[a], k ? &id[k] : NULL);

			found += want != NULL;
			if (want != got[a][k])
				t_fail(__FILE__, __LINE__, "peer #%u id #%u: the walk picks %s, the index %s", a + 1, k,
				       want ? want->name : "none", got[a][k] ? got[a][k]->name : "none");
		}
	return found;
}

static void test_index_matches_walk(void)
{
	struct pluto p;
	char name[32];

	memset(&p, 0, sizeof(p));
	p.db = conndb_new();
	if (!CHECK(p.db))
		return;
	for (unsigned k = 0; k < 400; k++)
		CHECK(add_conn(&p, k));
	CHECK(compare_all(&p) > 0);
	/* delete a third, then add new ones: the cache follows */
	for (unsigned k = 0; k < 400; k += 3) {
		snprintf(name, sizeof(name), "c%04u", k);
		CHECK(conndb_delete(p.db, name));
	}
	CHECK(compare_all(&p) > 0);
	for (unsigned k = 400; k < 500; k++)
		CHECK(add_conn(&p, k));
	CHECK(compare_all(&p) > 0);
	conndb_free(p.db);
	connindex_flush();
}

int main(void)
{
	log_set_level(LOG_LVL_ERROR);
	RUN(test_index_matches_walk);
	return t_done();
}
