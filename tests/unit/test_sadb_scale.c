/* The SA database with thousands of peers: adding, finding and deleting
 * SAs and policies visits a bounded number of entries each (counted in
 * db.steps, not timed), the lifetime tick visits only SAs whose limit
 * came, inbound policies toward one local subnet are not one chain, and a
 * fixed reqid= shared by many peers still points each policy at its own
 * peer's SA.  The walks these replace cost N^2: 4000 peers ~ 10^8 steps. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alg/iana.h"
#include "dataplane/sadb.h"
#include "dataplane/us.h"
#include "harness.h"

enum { N = 4000 };

static struct secret *key;

/* Peer i: 10.x.y.z/32 behind 198.51.100.x... its own /32 as remote subnet
 * (documentation prefixes are too small for thousands of peers' subnets:
 * they are private addresses here, never on a wire). */
static void peer_addr(unsigned i, struct ip_addr *a)
{
	uint8_t b[4] = { 10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i };
	addr_from_bytes(AF_INET, b, a);
}

static void local_subnet(struct ip_subnet *s)
{
	bool hb;
	subnet_parse("203.0.113.0/24", s, &hb);
}

static void peer_sa(struct dp_sa *sa, unsigned i, enum dp_dir dir, uint32_t reqid)
{
	memset(sa, 0, sizeof(*sa));
	sa->spi = 0x10000 + i * 2 + (dir == DP_DIR_IN);
	sa->dir = dir;
	addr_parse("192.0.2.1", dir == DP_DIR_OUT ? &sa->src : &sa->dst);
	peer_addr(i, dir == DP_DIR_OUT ? &sa->dst : &sa->src);
	sa->encr = IKEV2_ENCR_AES_GCM_16;
	sa->encr_keybits = 128;
	sa->encr_key = key;
	sa->reqid = reqid;
	sa->soft.seconds = 100 + i % 50;
	sa->hard.seconds = 200 + i % 50;
}

static void peer_pol(struct dp_policy *p, unsigned i, enum dp_dir dir, uint32_t reqid)
{
	struct ip_subnet peer, local;

	memset(p, 0, sizeof(*p));
	peer_addr(i, &peer.addr);
	peer.plen = 32;
	local_subnet(&local);
	p->dir = dir;
	p->reqid = reqid;
	p->sel.src = dir == DP_DIR_OUT ? local : peer;
	p->sel.dst = dir == DP_DIR_OUT ? peer : local;
	if (dir == DP_DIR_OUT)
		peer_addr(i, &p->tmpl_dst);
}

static void tuple_to(struct dp_tuple *t, unsigned i, bool out)
{
	struct ip_addr local;

	memset(t, 0, sizeof(*t));
	addr_parse("203.0.113.7", &local);
	peer_addr(i, out ? &t->dst : &t->src);
	*(out ? &t->src : &t->dst) = local;
	t->proto = 17;
}

static void add_peers(struct sadb *db, bool fixed_reqid)
{
	for (unsigned i = 0; i < N; i++) {
		uint32_t reqid = fixed_reqid ? 77 : 16384 + i;
		struct dp_policy p;
		struct dp_sa sa;

		peer_pol(&p, i, DP_DIR_OUT, reqid);
		CHECK_INT(sadb_add_policy(db, &p), 0);
		peer_pol(&p, i, DP_DIR_IN, reqid);
		CHECK_INT(sadb_add_policy(db, &p), 0);
		peer_sa(&sa, i, DP_DIR_OUT, reqid);
		CHECK_INT(sadb_add_sa(db, &sa, 1000, 0), 0);
		peer_sa(&sa, i, DP_DIR_IN, reqid);
		CHECK_INT(sadb_add_sa(db, &sa, 1000, 0), 0);
	}
}

/* Every peer's traffic goes out on its own SA and comes in accepted on it. */
static void check_peers(struct sadb *db)
{
	unsigned bad_out = 0, bad_in = 0;

	for (unsigned i = 0; i < N; i++) {
		struct dp_tuple t;
		struct sa_entry *out, *in;

		tuple_to(&t, i, true);
		out = sadb_lookup_out(db, &t);
		if (!out || out->cfg.spi != 0x10000 + i * 2)
			bad_out++;
		tuple_to(&t, i, false);
		in = sadb_find_in(db, 0x10000 + i * 2 + 1);
		if (!in || !sadb_inbound_ok(db, in, &t))
			bad_in++;
	}
	CHECK_INT(bad_out, 0);
	CHECK_INT(bad_in, 0);
}

static unsigned longest_chain(const struct sel_table *t, int f, unsigned dplen)
{
	const struct sel_level *lv = t->lv[f][dplen];
	unsigned longest = 0;

	for (unsigned b = 0; lv && b < lv->nbuckets; b++) {
		unsigned n = 0;
		for (const struct sel_entry *e = lv->heads[b]; e; e = e->next)
			n++;
		if (n > longest)
			longest = n;
	}
	return longest;
}

/* Thousands of peers with a reqid each, or one fixed reqid= for all (a
 * right=%any conn with reqid=): each addition, deletion and re-pointing
 * visits a handful of entries, and each outbound policy still gets its own
 * peer's SA (its template destination). */
static void many_peers(bool fixed)
{
	struct sadb db;
	struct ip_addr dst;

	sadb_init(&db);
	add_peers(&db, fixed);
	/* 4 additions per peer, each a handful of visits (walks: ~N^2 = 1.6e7+) */
	if (!CHECK(db.steps < 20u * N))
		fprintf(stderr, "steps %llu for %u peers\n", (unsigned long long)db.steps, N);
	check_peers(&db);
	/* 4000 inbound policies toward one local /24: spread over chains */
	CHECK(longest_chain(&db.in_sel, 0, 24) <= 16);
	CHECK(longest_chain(&db.out_sel, 0, 32) <= 16);

	db.steps = 0;
	for (unsigned i = 0; i < N; i += 2) {        /* half the peers leave */
		uint32_t reqid = fixed ? 77 : 16384 + i;
		struct dp_policy p;

		peer_addr(i, &dst);
		CHECK_INT(sadb_del_sa(&db, 0x10000 + i * 2, &dst), 0);
		addr_parse("192.0.2.1", &dst);
		CHECK_INT(sadb_del_sa(&db, 0x10000 + i * 2 + 1, &dst), 0);
		peer_pol(&p, i, DP_DIR_OUT, reqid);
		CHECK_INT(sadb_del_policy(&db, &p), 0);
		peer_pol(&p, i, DP_DIR_IN, reqid);
		CHECK_INT(sadb_del_policy(&db, &p), 0);
		CHECK_INT(sadb_del_policy(&db, &p), -ENOENT);
	}
	if (!CHECK(db.steps < 20u * N))
		fprintf(stderr, "steps %llu for deleting %u peers\n", (unsigned long long)db.steps, N / 2);
	for (unsigned i = 1; i < N; i += 2) {        /* the others are untouched */
		struct dp_tuple t;
		tuple_to(&t, i, true);
		if (!CHECK(sadb_lookup_out(&db, &t) && sadb_lookup_out(&db, &t)->cfg.spi == 0x10000 + i * 2))
			break;
	}
	sadb_free(&db);
}

static void test_many_peers(void)
{
	many_peers(false);
}

static void test_fixed_reqid_many_peers(void)
{
	many_peers(true);
}

/* A second's tick visits the SAs whose limit came, not all of them. */
static unsigned soft, hard;
static bool count_expire(void *arg, struct sa_entry *sa, bool h)
{
	(void)arg;
	(void)sa;
	if (h)
		hard++;
	else
		soft++;
	return true;
}

static void test_tick_visits_due_only(void)
{
	struct sadb db;

	sadb_init(&db);
	db.expire = count_expire;
	add_peers(&db, false);
	for (uint64_t now = 1000; now < 1100; now++)
		sadb_tick(&db, now);
	CHECK_INT(db.tick_steps, 0);                  /* nothing due yet: 100 ticks x 8000 SAs before */
	CHECK_INT(soft, 0);
	for (uint64_t now = 1100; now <= 1260; now++)
		sadb_tick(&db, now);
	CHECK_INT(soft, 2 * N);
	CHECK_INT(hard, 2 * N);
	CHECK_INT(db.tick_steps, 4 * N);              /* each SA: its soft, then its hard limit */
	sadb_free(&db);
}

/* The routed destinations' counts (us_route.c): the first policy of a
 * destination routes it, the last unroutes it, others share it. */
static void test_route_refs(void)
{
	struct us u;
	struct ip_subnet d;

	memset(&u, 0, sizeof(u));
	for (unsigned i = 0; i < N; i++) {
		peer_addr(i, &d.addr);
		d.plen = 32;
		CHECK_INT(us_route_ref(&u, &d, 0), 0);
		CHECK_INT(us_route_ref(&u, &d, +1), 1);
		CHECK_INT(us_route_ref(&u, &d, +1), 2);
	}
	peer_addr(5, &d.addr);
	CHECK_INT(us_route_ref(&u, &d, -1), 1);
	CHECK_INT(us_route_ref(&u, &d, -1), 0);
	CHECK_INT(us_route_ref(&u, &d, -1), 0);
	CHECK_INT(us_route_ref(&u, &d, 0), 0);
	d.plen = 31;
	peer_addr(6, &d.addr);
	CHECK_INT(us_route_ref(&u, &d, 0), 0);         /* another prefix */
	CHECK_INT(u.rref_n, N - 1);
	CHECK(u.rref_mask + 1 >= N / 2);
	us_route_refs_free(&u);
}

/* Differential: random additions and deletions of outbound SAs (to a few
 * peers, or without a destination) and policies (with a template
 * destination or without) over a few reqids; after each, every policy's
 * SA must be the one a naive scan picks: the newest live SA of its reqid
 * whose destination is the policy's template (any, without one). */
enum { R = 3, P = 4, OPS = 3000, MAXSA = 64 };

struct rsa { uint32_t spi, reqid; int peer; bool live; };   /* peer -1: no destination */
struct rpol { bool live; int tmpl; };                        /* tmpl -1: none */

static void diff_pol(struct dp_policy *p, int r, int k, int tmpl)
{
	bool hb;
	char buf[32];

	memset(p, 0, sizeof(*p));
	p->dir = DP_DIR_OUT;
	p->reqid = 500 + (uint32_t)r;
	snprintf(buf, sizeof(buf), "10.9.%d.%d/32", r, k);
	subnet_parse(buf, &p->sel.dst, &hb);
	subnet_parse("203.0.113.0/24", &p->sel.src, &hb);
	if (tmpl >= 0)
		peer_addr(900 + (unsigned)tmpl, &p->tmpl_dst);
}

static bool diff_check(struct sadb *db, const struct rsa *sas, int nsa, struct rpol pols[R][P], int op)
{
	for (int r = 0; r < R; r++)
		for (int k = 0; k < P; k++) {
			struct dp_tuple t = { .proto = 6 };
			struct sa_entry *got;
			uint32_t want = 0;
			char buf[32];

			if (!pols[r][k].live)
				continue;
			for (int i = nsa - 1; i >= 0 && !want; i--)    /* newest first */
				if (sas[i].live && sas[i].reqid == 500 + (uint32_t)r &&
				    (pols[r][k].tmpl < 0 || sas[i].peer == pols[r][k].tmpl))
					want = sas[i].spi;
			snprintf(buf, sizeof(buf), "10.9.%d.%d", r, k);
			addr_parse(buf, &t.dst);
			addr_parse("203.0.113.5", &t.src);
			got = sadb_lookup_out(db, &t);
			if ((got ? got->cfg.spi : 0) != want) {
				t_fail(__FILE__, __LINE__, "op %d policy %d/%d: SA 0x%x, want 0x%x", op, r, k,
				       got ? got->cfg.spi : 0, want);
				return false;
			}
		}
	return true;
}

static void test_repoint_differential(void)
{
	static struct rsa sas[OPS];
	struct rpol pols[R][P] = { 0 };
	uint64_t rng = 0x1234567;
	struct sadb db;
	int nsa = 0;
	bool ok = true;

	sadb_init(&db);
	for (int op = 0; op < OPS && ok; op++) {
		unsigned x;
		rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
		x = (unsigned)rng;
		if (x % 4 == 0) {                       /* a policy comes or goes */
			int r = (int)(x >> 4) % R, k = (int)(x >> 8) % P, tmpl = (int)((x >> 12) % (P + 1)) - 1;
			struct dp_policy p;
			diff_pol(&p, r, k, pols[r][k].live ? pols[r][k].tmpl : tmpl);
			CHECK_INT(pols[r][k].live ? sadb_del_policy(&db, &p) : sadb_add_policy(&db, &p), 0);
			pols[r][k].tmpl = pols[r][k].live ? pols[r][k].tmpl : tmpl;
			pols[r][k].live = !pols[r][k].live;
		} else if (x % 4 == 1 && nsa) {         /* an SA goes */
			struct rsa *v = &sas[(x >> 4) % (unsigned)nsa];
			struct ip_addr d = { 0 };
			if (v->live) {
				if (v->peer >= 0)
					peer_addr(900 + (unsigned)v->peer, &d);
				CHECK_INT(sadb_del_sa(&db, v->spi, &d), 0);
				v->live = false;
			}
		} else {                                /* an SA comes */
			struct rsa *v = &sas[nsa];
			struct dp_sa c;
			v->spi = 0x9000 + (uint32_t)nsa;
			v->reqid = 500 + (x >> 4) % R;
			v->peer = (int)((x >> 8) % (P + 1)) - 1;
			memset(&c, 0, sizeof(c));
			c.spi = v->spi;
			c.dir = DP_DIR_OUT;
			if (v->peer >= 0)
				peer_addr(900 + (unsigned)v->peer, &c.dst);
			c.encr = IKEV2_ENCR_AES_GCM_16;
			c.encr_keybits = 128;
			c.encr_key = key;
			c.reqid = v->reqid;
			CHECK_INT(sadb_add_sa(&db, &c, 0, 0), 0);
			v->live = true;
			nsa++;
		}
		ok = diff_check(&db, sas, nsa, pols, op);
	}
	sadb_free(&db);
}

int main(void)
{
	uint8_t k[20];

	memset(k, 0x42, sizeof(k));
	key = secret_dup(k, sizeof(k));
	RUN(test_many_peers);
	RUN(test_fixed_reqid_many_peers);
	RUN(test_tick_visits_due_only);
	RUN(test_route_refs);
	RUN(test_repoint_differential);
	secret_free(key);
	return t_done();
}
