/* The responder picks a Child SA's conn by its traffic selectors
 * (ike_ops.find_conn_for_child): leftsubnets=/rightsubnets= expand into
 * conns t/1x1, t/1x2 ... of one peer.
 *   - IKE_AUTH: the IKE SA switches to the conn holding the proposed pair;
 *   - CREATE_CHILD_SA: a new Child SA on t/1x1's IKE SA belongs to t/1x2
 *     (its name in the dataplane hand-off, status, rekeys, deletes).
 * Two engines in one process; B (peer 1) is the responder with conns
 * t/1x1 (10.2.0.0/24 <-> 10.1.0.0/24) and t/1x2 (10.3.0.0/24 <-> 10.1.0.0/24). */
#include "ike_testlib.h"

#include "ike/sa.h"   /* test-only: make A propose another pair on its IKE SA */

static struct ike_conn b_conns[2];
static struct ip_subnet b_sub[2][2][IKE_MAX_SUBNETS];
static unsigned n_child_calls;

static void set_subnet(struct ip_subnet *s, const char *text)
{
	bool hb;

	if (!subnet_parse(text, s, &hb))
		t_fail(__FILE__, __LINE__, "subnet %s", text);
}

/* B's table: t/1x1 (B's p->conn, what find_conn_for_responder returns) and t/1x2. */
static void b_table(struct tn_net *n)
{
	b_conns[0] = n->p[1].conn;
	snprintf(b_conns[0].name, sizeof(b_conns[0].name), "t/1x1");
	tn_own_subnets(&b_conns[0], b_sub[0]);
	b_conns[1] = b_conns[0];
	tn_own_subnets(&b_conns[1], b_sub[1]);
	snprintf(b_conns[1].name, sizeof(b_conns[1].name), "t/1x2");
	set_subnet(&b_conns[1].local.subnets[0], "10.3.0.0/24");
	b_conns[1].ipsec_lifetime_ms = 2 * 3600 * 1000;   /* differs from t/1x1's 8h */
	n->p[1].conn = b_conns[0];
}

/* B's conns are handles: t/1x1 is B's p->conn (what find_conn_for_responder
 * returns), t/1x2 is b_conns[1]. */
static struct ike_conn *tb_find_for_child(void *ctx, struct ike_conn *current, const struct ike_endpoint *l,
					  const struct ike_endpoint *r, const struct cy_id *peer,
					  const struct ike_ts_payload *tsi, const struct ike_ts_payload *tsr)
{
	struct tn_peer *p = ctx;
	struct ike_conn *cand[2] = { &p->conn, &b_conns[1] };

	n_child_calls++;
	if (ike_conn_fits_ts(current, l, r, tsi, tsr))
		return current;
	for (unsigned i = 0; i < 2; i++)
		if (id_match(cand[i]->remote.id, peer) && ike_conn_fits_ts(cand[i], l, r, tsi, tsr))
			return cand[i];
	return NULL;
}

/* a heap conn with room for its own subnets (c first: freed as one) */
struct pair_conn {
	struct ike_conn c;
	struct ip_subnet sub[2][IKE_MAX_SUBNETS];
};

static void pair_free(struct ike_conn *c) { free(c); }

static const struct ike_ops tb_ops = {
	.send_keepalive = tn_keepalive,
	.now = tn_now,
	.send = tn_send,
	.get_psk = tn_get_psk,
	.find_conn_for_responder = tn_find,
	.find_conn_for_child = tb_find_for_child,
	.child_sa_installed = tn_installed,
	.child_sa_outbound = tn_outbound,
	.child_sa_deleted = tn_deleted,
	.ike_sa_established = tn_ike_up,
	.ike_sa_deleted = tn_ike_down,
	.child_sa_endpoints_changed = tn_float,
};

/* A net whose responder B knows t/1x1 and t/1x2; with_op = false gives B
 * no find_conn_for_child (today's behaviour before the op). */
static void tb_init(struct tn_net *n, bool with_op)
{
	tn_init(n);
	b_table(n);
	if (with_op) {
		ike_engine_free(n->p[1].e);
		n->p[1].e = ike_engine_new(&tb_ops, &n->p[1], NULL);
	}
	n_child_calls = 0;
}

static const struct tn_child *live_child(const struct tn_peer *p, const char *conn)
{
	for (unsigned i = 0; i < TN_MAX_CHILD; i++)
		if (p->child[i].live && strcmp(p->child[i].conn, conn) == 0)
			return &p->child[i];
	return NULL;
}

/* The responder's TS of a live child: its local side must be 10.3.0.0/24. */
static bool child_local_is(const struct tn_child *c, const char *subnet)
{
	struct ip_subnet s;
	struct ip_addr lo, hi;
	bool hb;

	subnet_parse(subnet, &s, &hb);
	subnet_range(&s, &lo, &hi);
	return c && c->ts_l.n == 1 && addr_eq(&c->ts_l.ts[0].start, &lo) && addr_eq(&c->ts_l.ts[0].end, &hi);
}

static unsigned snap_children_named(const struct tn_snap *s, const char *conn)
{
	unsigned k = 0;

	for (unsigned i = 0; i < s->n_child; i++)
		k += s->child[i].established && strcmp(s->child[i].conn_name, conn) == 0;
	return k;
}

/* IKE_AUTH: A initiates the t/1x2 pair; B found t/1x1 by address and ID
 * and switches to t/1x2 for the selectors. */
static void test_auth_switch(void)
{
	static const struct {
		const char *label;
		bool with_op;
		const char *a_remote;   /* what A proposes as B's side */
		int want_status;
		const char *want_conn;  /* B's IKE SA and Child SA conn; NULL = no child */
	} rows[] = {
		{ "fits t/1x1: no switch", true, "10.2.0.0/24", IKE_RC_OK, "t/1x1" },
		{ "fits t/1x2: switch", true, "10.3.0.0/24", IKE_RC_OK, "t/1x2" },
		{ "narrower than t/1x2 (narrowing=no): refused", true, "10.3.0.0/25", IKE_RC_FAILED, NULL },
		{ "fits no conn: refused", true, "10.9.0.0/24", IKE_RC_FAILED, NULL },
		{ "no op: t/1x2 refused", false, "10.3.0.0/24", IKE_RC_FAILED, NULL },
	};

	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		struct tn_net n;
		struct tn_snap b;

		tb_init(&n, rows[r].with_op);
		snprintf(n.p[0].conn.name, sizeof(n.p[0].conn.name), "west-pair");
		set_subnet(&n.p[0].conn.remote.subnets[0], rows[r].a_remote);
		tn_up(&n);
		b = tn_snap(&n.p[1]);
		if (!n.p[0].done || n.p[0].status != rows[r].want_status)
			t_fail(__FILE__, __LINE__, "%s: A status %d (%s)", rows[r].label, n.p[0].status, n.p[0].reason);
		if (b.n_ike != 1 || !b.ike[0].established)
			t_fail(__FILE__, __LINE__, "%s: B IKE SAs %u", rows[r].label, b.n_ike);
		if (rows[r].want_conn) {
			const struct tn_child *c = live_child(&n.p[1], rows[r].want_conn);

			if (b.n_ike == 1 && strcmp(b.ike[0].conn_name, rows[r].want_conn) != 0)
				t_fail(__FILE__, __LINE__, "%s: B IKE SA conn %s", rows[r].label, b.ike[0].conn_name);
			if (snap_children_named(&b, rows[r].want_conn) != 1 || tn_live(&n.p[1]) != 1 || !c)
				t_fail(__FILE__, __LINE__, "%s: B children %u live %u", rows[r].label, b.n_child,
				       tn_live(&n.p[1]));
			if (!tn_children_agree(&n))
				t_fail(__FILE__, __LINE__, "%s: children disagree", rows[r].label);
			if (!child_local_is(c, rows[r].a_remote))
				t_fail(__FILE__, __LINE__, "%s: B child TS", rows[r].label);
		} else if (tn_live(&n.p[1]) != 0 || tn_live(&n.p[0]) != 0 || b.n_child != 0) {
			t_fail(__FILE__, __LINE__, "%s: children %u/%u", rows[r].label, tn_live(&n.p[0]),
			       tn_live(&n.p[1]));
		}
		if (rows[r].with_op && n_child_calls != (strcmp(rows[r].a_remote, "10.2.0.0/24") ? 1u : 0u))
			t_fail(__FILE__, __LINE__, "%s: op called %u times", rows[r].label, n_child_calls);
		tn_free(&n);
	}
}

/* A (t/1x1's IKE SA up) proposes the t/1x2 pair in CREATE_CHILD_SA: the
 * test reaches into A's IKE SA for the selectors (the engine as initiator
 * always proposes its IKE SA's conn). */
static bool a_new_child_for(struct tn_net *n, unsigned a_ike, const char *b_subnet)
{
	struct ike_sa *sa = ike_sa_by_serial(n->p[0].e, a_ike);
	struct ip_subnet keep;
	bool ok;

	if (!sa)
		return false;
	keep = sa->conn->remote.subnets[0];
	set_subnet(&sa->conn->remote.subnets[0], b_subnet);
	ok = ike_create_child(n->p[0].e, a_ike);   /* the window is open: sent now */
	sa->conn->remote.subnets[0] = keep;
	tn_run(n);
	/* A's side of the pair belongs to A's conn for it (as B's to t/1x2),
	 * so A checks B's rekeys of it against that conn */
	for (struct child_sa *c = sa->children; c; c = c->next)
		if (c->state == CHILD_S_ESTABLISHED && !c->conn && c->ts_r->n == 1) {
			struct pair_conn *pc = malloc(sizeof(*pc));
			struct ike_conn *pair = pc ? &pc->c : NULL;
			struct ip_subnet s;
			struct ip_addr lo, hi;
			bool hb;

			subnet_parse(b_subnet, &s, &hb);
			subnet_range(&s, &lo, &hi);
			if (pair && addr_eq(&c->ts_r->ts[0].start, &lo) && addr_eq(&c->ts_r->ts[0].end, &hi)) {
				*pair = *sa->conn;
				tn_own_subnets(pair, pc->sub);
				pair->refs = 1;
				pair->release = pair_free;
				snprintf(pair->name, sizeof(pair->name), "west-pair");
				pair->remote.subnets[0] = s;
				child_sa_set_conn(c, pair);
				ike_conn_unref(pair);
			} else {
				free(pair);
			}
		}
	return ok;
}

static unsigned b_child_serial(struct tn_peer *p, const char *conn)
{
	struct tn_snap s = tn_snap(p);

	for (unsigned i = 0; i < s.n_child; i++)
		if (s.child[i].established && strcmp(s.child[i].conn_name, conn) == 0)
			return s.child[i].serial;
	return 0;
}

static void test_ccs_child_of_other_conn(void)
{
	struct tn_net n;
	struct tn_snap b;
	const struct tn_child *c;
	unsigned a_ike, old, b_ike;
	uint64_t t0;

	tb_init(&n, true);
	a_ike = tn_up(&n);
	CHECK(n.p[0].done && n.p[0].status == IKE_RC_OK);
	CHECK(live_child(&n.p[1], "t/1x1") != NULL);

	/* a pair of another conn on the same IKE SA */
	t0 = n.now;
	CHECK(a_new_child_for(&n, a_ike, "10.3.0.0/24"));
	b = tn_snap(&n.p[1]);
	CHECK_INT(b.n_ike, 1);
	CHECK_STR(b.ike[0].conn_name, "t/1x1");
	b_ike = b.ike[0].serial;
	CHECK_INT(snap_children_named(&b, "t/1x1"), 1);
	CHECK_INT(snap_children_named(&b, "t/1x2"), 1);
	c = live_child(&n.p[1], "t/1x2");
	CHECK(c != NULL);
	CHECK(child_local_is(c, "10.3.0.0/24"));
	CHECK(tn_children_agree(&n));
	CHECK_INT(tn_live(&n.p[1]), 2);
	/* its own conn's lifetime (2h), not the IKE SA conn's 8h */
	for (unsigned i = 0; i < b.n_child; i++)
		if (!strcmp(b.child[i].conn_name, "t/1x2")) {
			CHECK(b.child[i].replace_at_ms == t0 + 2 * 3600 * 1000);
			CHECK_INT(b.child[i].ike_serial, b_ike);
		}

	/* a pair of no conn is still refused, on the IKE SA */
	CHECK(a_new_child_for(&n, a_ike, "10.9.0.0/24"));
	CHECK_INT(tn_live(&n.p[1]), 2);
	CHECK_INT(tn_live(&n.p[0]), 2);
	CHECK_INT(tn_snap(&n.p[0]).n_child, 2);

	/* the peer rekeys it: B checks the TS against t/1x2, the new one is t/1x2 */
	old = b_child_serial(&n.p[1], "t/1x2");
	{
		struct tn_snap a = tn_snap(&n.p[0]);
		unsigned a_serial = 0;

		for (unsigned i = 0; i < a.n_child; i++)
			if (a.child[i].spi_out == c->spi_in)
				a_serial = a.child[i].serial;
		CHECK(ike_rekey_child(n.p[0].e, a_serial, NULL));
	}
	tn_run(&n);
	CHECK_INT(tn_live(&n.p[1]), 2);
	CHECK(tn_children_agree(&n));
	CHECK(b_child_serial(&n.p[1], "t/1x2") != 0 && b_child_serial(&n.p[1], "t/1x2") != old);
	CHECK(child_local_is(live_child(&n.p[1], "t/1x2"), "10.3.0.0/24"));
	CHECK_INT(n.p[1].n_child_deleted, 1);

	/* B rekeys it itself: proposes t/1x2's selectors, keeps the name */
	old = b_child_serial(&n.p[1], "t/1x2");
	CHECK(ike_rekey_child(n.p[1].e, old, NULL));
	tn_run(&n);
	CHECK_INT(tn_live(&n.p[1]), 2);
	CHECK(tn_children_agree(&n));
	CHECK(b_child_serial(&n.p[1], "t/1x2") != 0 && b_child_serial(&n.p[1], "t/1x2") != old);
	CHECK(child_local_is(live_child(&n.p[1], "t/1x2"), "10.3.0.0/24"));
	b = tn_snap(&n.p[1]);
	CHECK_INT(snap_children_named(&b, "t/1x1"), 1);

	/* an IKE SA rekey keeps each child's conn */
	CHECK(ike_rekey_ike(n.p[0].e, a_ike, NULL));
	tn_run(&n);
	b = tn_snap(&n.p[1]);
	CHECK_INT(b.n_ike, 1);
	CHECK_INT(snap_children_named(&b, "t/1x2"), 1);
	CHECK_INT(snap_children_named(&b, "t/1x1"), 1);

	/* --down t/1x2 on B: only that Child SA goes; t/1x1's IKE SA stays */
	CHECK_INT(ike_terminate(n.p[1].e, &b_conns[1], NULL), 0);
	tn_run(&n);
	b = tn_snap(&n.p[1]);
	CHECK_INT(b.n_ike, 1);
	CHECK_INT(snap_children_named(&b, "t/1x2"), 0);
	CHECK_INT(snap_children_named(&b, "t/1x1"), 1);
	CHECK(live_child(&n.p[1], "t/1x2") == NULL);
	CHECK_INT(tn_live(&n.p[0]), 1);
	CHECK(tn_children_agree(&n));
	CHECK(tn_established_pair(&n));
	tn_free(&n);
}

/* The deletes by the peer name the child's own conn in the dataplane hand-off. */
static void test_peer_delete_of_other_conn_child(void)
{
	struct tn_net n;
	unsigned a_ike, before;

	tb_init(&n, true);
	a_ike = tn_up(&n);
	CHECK(a_new_child_for(&n, a_ike, "10.3.0.0/24"));
	CHECK_INT(tn_live(&n.p[1]), 2);
	before = n.p[1].n_child_deleted;
	CHECK_INT(ike_terminate(n.p[0].e, &n.p[0].conn, NULL), 1);   /* A deletes the whole IKE SA */
	tn_run(&n);
	CHECK_INT(tn_live(&n.p[1]), 0);
	CHECK_INT(n.p[1].n_child_deleted, before + 2);
	CHECK_INT(tn_snap(&n.p[1]).n_ike, 0);
	tn_free(&n);
}

/* --delete t/1x2 on B while its IKE SA (t/1x1's) has an exchange in
 * flight: the Child SA's Delete waits for the request window.  A rekey of
 * it by the peer meanwhile is refused (TEMPORARY_FAILURE, RFC 7296
 * §2.25.1: we are deleting it): else its replacement would outlive the
 * delete, on a conn that is gone, with nothing left to take it down. */
static void test_peer_rekey_while_deleting(void)
{
	struct tn_net n;
	struct tn_snap b;
	unsigned a_ike, a_serial = 0, b_ike;
	const struct tn_child *c;

	tb_init(&n, true);
	a_ike = tn_up(&n);
	CHECK(a_new_child_for(&n, a_ike, "10.3.0.0/24"));
	c = live_child(&n.p[1], "t/1x2");
	CHECK(c != NULL);
	b = tn_snap(&n.p[1]);
	b_ike = b.ike[0].serial;
	{
		struct tn_snap a = tn_snap(&n.p[0]);

		for (unsigned i = 0; c && i < a.n_child; i++)
			if (a.child[i].spi_out == c->spi_in)
				a_serial = a.child[i].serial;
	}
	CHECK(a_serial != 0);
	CHECK(ike_liveness(n.p[1].e, b_ike));            /* B's window is busy */
	CHECK_INT(ike_terminate(n.p[1].e, &b_conns[1], NULL), 0);
	ike_conn_gone(&b_conns[1]);                      /* --delete */
	CHECK(ike_rekey_child(n.p[0].e, a_serial, NULL)); /* crosses B's Delete */
	tn_run(&n);
	tn_advance_to(&n, n.now + 10000);                /* A's retries, if any */
	b = tn_snap(&n.p[1]);
	CHECK_INT(snap_children_named(&b, "t/1x2"), 0);
	CHECK(live_child(&n.p[1], "t/1x2") == NULL);
	CHECK_INT(snap_children_named(&b, "t/1x1"), 1);
	CHECK_INT(tn_live(&n.p[0]), 1);
	CHECK(tn_children_agree(&n));
	CHECK_INT(b_conns[1].refs, 1);                   /* no SA holds the gone conn */
	tn_free(&n);
}

int main(void)
{
	log_set_level(getenv("IKE_TEST_LOG") ? LOG_LVL_DEBUG : LOG_LVL_ERROR);
	RUN(test_auth_switch);
	RUN(test_ccs_child_of_other_conn);
	RUN(test_peer_delete_of_other_conn_child);
	RUN(test_peer_rekey_while_deleting);
	return t_done();
}
