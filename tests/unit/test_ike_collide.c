/* Exchange collisions (RFC 7296 §2.8.1, §2.8.2, §2.25), TEMPORARY_FAILURE
 * retries, uniqueids and dpdaction, in the two-peer harness.
 *
 * A's conn is "a-b", B's "b-a", so the captured log lines say which peer
 * wrote them.  Engines use tn_ops_deferred (the rekey responder's deferred
 * outbound SA, as in the daemon) and tn_traffic_ok() checks after every
 * delivery that each side's current outbound SA (the newest installed) is
 * one the other side can receive on (installed, or deleted within the
 * daemon's 1 s linger). */
#include "ike_testlib.h"
#include "logcap.h"

#include "alg/iana.h"

#define IKE_COLLISION_TEST_GRACE 6000   /* > IKE_COLLISION_GRACE_MS (ike/sa.h) */

/* ---- captured log ---- */

static void tap(void *arg, enum log_level lvl, const char *line)
{
	(void)arg;
	(void)lvl;
	logcap_add(line);
}

/* ---- setup ---- */

static void init(struct tn_net *n)
{
	tn_init(n);
	snprintf(n->p[1].conn.name, sizeof(n->p[1].conn.name), "b-a");
	for (int i = 0; i < 2; i++) {
		ike_engine_free(n->p[i].e);
		n->p[i].e = ike_engine_new(&tn_ops_deferred, &n->p[i], NULL);
	}
	logcap_reset();
}

static const struct tn_child *out_child(const struct tn_peer *p)
{
	const struct tn_child *best = NULL;

	for (unsigned i = 0; i < TN_MAX_CHILD; i++)
		if (p->child[i].live && p->child[i].out_live && (!best || p->child[i].out_seq > best->out_seq))
			best = &p->child[i];
	return best;
}

static bool can_receive(const struct tn_peer *p, uint32_t spi, uint64_t now)
{
	if (tn_child_by_in(p, spi))
		return true;
	for (unsigned i = 0; i < p->n_gone && i < TN_MAX_GONE; i++)
		if (p->gone_spi[i] == spi && p->gone_at[i] + 1000 > now)
			return true;
	return false;
}

static bool tn_traffic_ok(const struct tn_net *n)
{
	for (int i = 0; i < 2; i++) {
		const struct tn_child *o = out_child(&n->p[i]);

		if (!o || !can_receive(&n->p[!i], o->spi_out, n->now))
			return false;
	}
	return true;
}

/* Deliver everything, checking the traffic after each packet. */
static bool run_checked(struct tn_net *n)
{
	bool ok = true;

	for (unsigned k = 0; k < 10000 && tn_step(n); k++)
		ok = ok && tn_traffic_ok(n);
	return ok;
}

static unsigned child_serial(struct tn_peer *p)
{
	struct tn_snap s = tn_snap(p);

	return s.n_child ? s.child[0].serial : 0;
}

/* Move queued packet i to the front (reordering on the wire). */
static void to_front(struct tn_net *n, unsigned i)
{
	struct tn_pkt q = n->q[i];

	memmove(&n->q[1], &n->q[0], i * sizeof(n->q[0]));
	n->q[0] = q;
}

/* "<conn>" #s: rekey collision: Child SA #r has the lowest nonce and is
 * redundant; #w replaces #o  ->  the loser's conn name and w. */
static bool parse_loser(const char *what, char *conn, unsigned *w)
{
	char pat[96];
	const char *p;

	snprintf(pat, sizeof(pat), "rekey collision: %s #", what);
	p = strstr(logbuf, pat);
	if (!p)
		return false;
	while (p > logbuf && p[-1] != '\n')
		p--;
	return sscanf(p, "\"%15[^\"]\" #%*u: rekey collision: %*s %*s #%*u has the lowest nonce and is redundant; #%u",
		      conn, w) == 2;
}

/* ---- Child SA rekey collision (§2.8.1) ---- */

static void test_child_collision_both_complete(void)
{
	unsigned lost[2] = { 0, 0 };

	for (int run = 0; run < 24; run++) {
		struct tn_net n;
		struct tn_snap a, b;
		uint32_t old_a, old_b;
		char conn[16], label[32];
		unsigned w = 0;
		int loser;

		snprintf(label, sizeof(label), "run %d", run);
		init(&n);
		tn_up(&n);
		old_a = tn_snap(&n.p[0]).child[0].spi_in;
		old_b = tn_snap(&n.p[1]).child[0].spi_in;
		CHECK(ike_rekey_child(n.p[0].e, child_serial(&n.p[0]), NULL));
		CHECK(ike_rekey_child(n.p[1].e, child_serial(&n.p[1]), NULL));
		CHECK_INT(n.n, 2);
		if (!run_checked(&n))
			t_fail(__FILE__, __LINE__, "%s: traffic interrupted", label);
		a = tn_snap(&n.p[0]);
		b = tn_snap(&n.p[1]);
		/* both exchanges completed: each side installed its own and the peer's */
		CHECK_INT(n.p[0].n_child_installed, 3);
		CHECK_INT(n.p[1].n_child_installed, 3);
		CHECK_INT(logcap_count("refusing CREATE_CHILD_SA"), 0);
		/* then the redundant one and the old one went: one pair left */
		CHECK_INT(a.n_child, 1);
		CHECK_INT(b.n_child, 1);
		CHECK_INT(tn_live(&n.p[0]), 1);
		CHECK_INT(tn_live(&n.p[1]), 1);
		CHECK_INT(n.p[0].n_child_deleted, 2);
		CHECK_INT(n.p[1].n_child_deleted, 2);
		CHECK(tn_children_agree(&n));
		CHECK(a.child[0].spi_in != old_a && b.child[0].spi_in != old_b);
		CHECK(tn_established_pair(&n));
		/* exactly one side lost, the other saw the same loser */
		CHECK_INT(logcap_count("rekey collision: Child SA #"), 1);
		CHECK_INT(logcap_count("rekey collision: the peer's Child SA #"), 1);
		if (!parse_loser("Child SA", conn, &w)) {
			t_fail(__FILE__, __LINE__, "%s: no loser line in\n%s", label, logbuf);
			tn_free(&n);
			continue;
		}
		loser = strcmp(conn, "a-b") == 0 ? 0 : 1;
		lost[loser]++;
		/* the loser keeps the Child SA the winner created */
		CHECK_INT(tn_snap(&n.p[loser]).child[0].serial, w);
		/* nothing left half-done: no timer rekeys twice, the pair rekeys again */
		tn_advance_to(&n, n.now + 5000);
		CHECK_INT(tn_live(&n.p[0]), 1);
		CHECK(tn_traffic_ok(&n));
		CHECK(ike_rekey_child(n.p[loser].e, child_serial(&n.p[loser]), NULL));
		if (!run_checked(&n))
			t_fail(__FILE__, __LINE__, "%s: traffic interrupted on the next rekey", label);
		CHECK(tn_children_agree(&n));
		CHECK_INT(tn_live(&n.p[0]), 1);
		tn_free(&n);
	}
	/* the nonces decide: over 24 runs each side loses sometimes */
	CHECK(lost[0] > 0 && lost[1] > 0);
}

/* B's answer overtakes B's own request: A completes and deletes the old SA
 * before B's rekey request arrives; A answers it TEMPORARY_FAILURE
 * (§2.25.1, closing) and A's Delete ends B's attempt: one pair. */
static void test_child_collision_answer_first(void)
{
	struct tn_net n;

	init(&n);
	tn_up(&n);
	CHECK(ike_rekey_child(n.p[0].e, child_serial(&n.p[0]), NULL));
	CHECK(ike_rekey_child(n.p[1].e, child_serial(&n.p[1]), NULL));
	CHECK_INT(n.n, 2);
	CHECK_INT(n.q[0].to, 1);
	tn_step(&n);                 /* A's request reaches B; B answers */
	CHECK_INT(n.n, 2);
	to_front(&n, 1);             /* B's answer overtakes B's request */
	CHECK(run_checked(&n));
	CHECK_INT(logcap_count("refusing CREATE_CHILD_SA with v2N_TEMPORARY_FAILURE"), 1);
	CHECK_INT(tn_live(&n.p[0]), 1);
	CHECK_INT(tn_live(&n.p[1]), 1);
	CHECK(tn_children_agree(&n));
	tn_advance_to(&n, n.now + 10000);   /* no retry of a deleted SA, nothing else moves */
	CHECK_INT(tn_live(&n.p[0]), 1);
	CHECK_INT(n.p[0].n_child_installed + n.p[1].n_child_installed, 4);
	CHECK(tn_children_agree(&n));
	CHECK(tn_traffic_ok(&n));
	tn_free(&n);
}

/* Both requests answered, then A's answer arrives and whatever A sends
 * next (its Delete of the old SA if it won, of its redundant SA if it lost)
 * overtakes B's answer.  Over 24 runs A wins and loses. */
static void test_child_collision_delete_overtakes(void)
{
	for (int run = 0; run < 24; run++) {
		struct tn_net n;
		char label[32];

		snprintf(label, sizeof(label), "run %d", run);
		init(&n);
		tn_up(&n);
		CHECK(ike_rekey_child(n.p[0].e, child_serial(&n.p[0]), NULL));
		CHECK(ike_rekey_child(n.p[1].e, child_serial(&n.p[1]), NULL));
		CHECK_INT(n.n, 2);
		tn_step(&n);              /* A's request: B answers */
		tn_step(&n);              /* B's request: A answers */
		CHECK_INT(n.n, 2);        /* [answer to A, answer to B] */
		tn_step(&n);              /* A has its answer: A sends a Delete */
		CHECK_INT(n.n, 2);
		to_front(&n, 1);          /* ... which overtakes B's answer */
		if (!run_checked(&n))
			t_fail(__FILE__, __LINE__, "%s: traffic interrupted", label);
		tn_advance_to(&n, n.now + IKE_COLLISION_TEST_GRACE);
		if (tn_live(&n.p[0]) != 1 || tn_live(&n.p[1]) != 1 || tn_snap(&n.p[0]).n_child != 1 ||
		    tn_snap(&n.p[1]).n_child != 1 || !tn_children_agree(&n))
			t_fail(__FILE__, __LINE__, "%s: live %u/%u, children %u/%u\n%s", label, tn_live(&n.p[0]),
			       tn_live(&n.p[1]), tn_snap(&n.p[0]).n_child, tn_snap(&n.p[1]).n_child, logbuf);
		CHECK(tn_traffic_ok(&n));
		tn_free(&n);
	}
}

/* ---- IKE SA rekey collision (§2.8.2) ---- */

static void test_ike_collision_both_complete(void)
{
	unsigned lost[2] = { 0, 0 };

	for (int run = 0; run < 16; run++) {
		struct tn_net n;
		struct tn_snap a0, a, b;
		char conn[16];
		unsigned w = 0;
		int loser;

		init(&n);
		tn_up(&n);
		a0 = tn_snap(&n.p[0]);
		CHECK(ike_rekey_ike(n.p[0].e, a0.ike[0].serial, NULL));
		CHECK(ike_rekey_ike(n.p[1].e, tn_snap(&n.p[1]).ike[0].serial, NULL));
		CHECK_INT(n.n, 2);
		CHECK(run_checked(&n));
		a = tn_snap(&n.p[0]);
		b = tn_snap(&n.p[1]);
		CHECK_INT(logcap_count("refusing CREATE_CHILD_SA"), 0);
		CHECK_INT(a.n_ike, 1);
		CHECK_INT(b.n_ike, 1);
		CHECK(tn_established_pair(&n));
		CHECK(a.ike[0].spi_i != a0.ike[0].spi_i);
		/* the Child SA moved to the surviving IKE SA on both sides, untouched */
		CHECK_INT(a.n_child, 1);
		CHECK_INT(b.n_child, 1);
		CHECK_INT(a.child[0].ike_serial, a.ike[0].serial);
		CHECK_INT(b.child[0].ike_serial, b.ike[0].serial);
		CHECK_INT(a.child[0].spi_in, a0.child[0].spi_in);
		CHECK_INT(n.p[0].n_child_deleted + n.p[1].n_child_deleted, 0);
		CHECK(tn_children_agree(&n));
		CHECK_INT(logcap_count("rekey collision: IKE SA #"), 1);
		CHECK_INT(logcap_count("rekey collision: the peer's IKE SA #"), 1);
		if (parse_loser("IKE SA", conn, &w)) {
			loser = strcmp(conn, "a-b") == 0 ? 0 : 1;
			lost[loser]++;
			CHECK_INT(tn_snap(&n.p[loser]).ike[0].serial, w);
		} else {
			t_fail(__FILE__, __LINE__, "run %d: no loser line in\n%s", run, logbuf);
		}
		/* the survivor works: a Child SA rekey and another IKE rekey */
		CHECK(ike_rekey_child(n.p[0].e, a.child[0].serial, NULL));
		CHECK(run_checked(&n));
		CHECK(tn_children_agree(&n));
		CHECK(ike_rekey_ike(n.p[1].e, b.ike[0].serial, NULL));
		tn_run(&n);
		CHECK(tn_established_pair(&n));
		CHECK(tn_children_agree(&n));
		tn_free(&n);
	}
	CHECK(lost[0] > 0 && lost[1] > 0);
}

/* As test_child_collision_delete_overtakes for the IKE SA: the loser may
 * never see its answer (the winner's Delete of the old IKE SA came first
 * and its exchange died with it); the winner then deletes the redundant
 * IKE SA itself after the grace time. */
static void test_ike_collision_delete_overtakes(void)
{
	for (int run = 0; run < 16; run++) {
		struct tn_net n;

		init(&n);
		tn_up(&n);
		CHECK(ike_rekey_ike(n.p[0].e, tn_snap(&n.p[0]).ike[0].serial, NULL));
		CHECK(ike_rekey_ike(n.p[1].e, tn_snap(&n.p[1]).ike[0].serial, NULL));
		tn_step(&n);
		tn_step(&n);
		CHECK_INT(n.n, 2);
		tn_step(&n);
		CHECK_INT(n.n, 2);
		to_front(&n, 1);
		CHECK(run_checked(&n));
		/* the grace, then the Delete's retransmit-timeout: the loser
		 * may not know the redundant IKE SA (its exchange died) */
		tn_advance_to(&n, n.now + IKE_COLLISION_TEST_GRACE + 61000);
		if (tn_snap(&n.p[0]).n_ike != 1 || tn_snap(&n.p[1]).n_ike != 1 || !tn_established_pair(&n))
			t_fail(__FILE__, __LINE__, "run %d: IKE SAs %u/%u\n%s", run, tn_snap(&n.p[0]).n_ike,
			       tn_snap(&n.p[1]).n_ike, logbuf);
		CHECK_INT(tn_snap(&n.p[0]).n_child, 1);
		CHECK_INT(tn_snap(&n.p[0]).child[0].ike_serial, tn_snap(&n.p[0]).ike[0].serial);
		CHECK_INT(tn_snap(&n.p[1]).child[0].ike_serial, tn_snap(&n.p[1]).ike[0].serial);
		CHECK(tn_children_agree(&n));
		CHECK(tn_traffic_ok(&n));
		tn_free(&n);
	}
}

/* An IKE SA rekey and a Child SA rekey cross: both complete and the old
 * Child SA is deleted over the new IKE SA. */
static void test_ike_and_child_rekey_cross(void)
{
	for (int side = 0; side < 2; side++) {
		struct tn_net n;
		struct tn_snap a0;

		init(&n);
		tn_up(&n);
		a0 = tn_snap(&n.p[0]);
		CHECK(ike_rekey_ike(n.p[side].e, tn_snap(&n.p[side]).ike[0].serial, NULL));
		CHECK(ike_rekey_child(n.p[!side].e, child_serial(&n.p[!side]), NULL));
		CHECK(run_checked(&n));
		CHECK_INT(tn_snap(&n.p[0]).n_ike, 1);
		CHECK(tn_established_pair(&n));
		CHECK_INT(tn_live(&n.p[0]), 1);
		CHECK_INT(tn_live(&n.p[1]), 1);
		CHECK_INT(tn_snap(&n.p[0]).n_child, 1);
		CHECK_INT(tn_snap(&n.p[1]).n_child, 1);
		CHECK(tn_snap(&n.p[0]).child[0].spi_in != a0.child[0].spi_in);
		CHECK(tn_children_agree(&n));
		tn_free(&n);
	}
}

/* ---- TEMPORARY_FAILURE: retry later (§2.25) ---- */

static void test_temporary_failure_child_retry(void)
{
	struct tn_net n;
	uint32_t old;
	uint64_t t0;

	init(&n);
	tn_up(&n);
	old = tn_snap(&n.p[0]).child[0].spi_in;
	ike_test_refuse_ccs(n.p[1].e, 1, v2N_TEMPORARY_FAILURE);
	CHECK(ike_rekey_child(n.p[0].e, child_serial(&n.p[0]), NULL));
	tn_run(&n);
	CHECK_INT(logcap_count("refusing CREATE_CHILD_SA with v2N_TEMPORARY_FAILURE"), 1);
	CHECK_INT(logcap_count("retrying in"), 1);
	CHECK_INT(tn_snap(&n.p[0]).child[0].spi_in, old);
	t0 = n.now;
	tn_advance_to(&n, t0 + 999);      /* not before 1 s */
	CHECK_INT(tn_snap(&n.p[0]).child[0].spi_in, old);
	tn_advance_to(&n, t0 + 3001);     /* by 3 s */
	CHECK(tn_snap(&n.p[0]).child[0].spi_in != old);
	CHECK_INT(tn_live(&n.p[0]), 1);
	CHECK(tn_children_agree(&n));
	tn_free(&n);
}

static void test_temporary_failure_bounded(void)
{
	struct tn_net n;

	init(&n);
	tn_up(&n);
	ike_test_refuse_ccs(n.p[1].e, 1000, v2N_TEMPORARY_FAILURE);
	CHECK(ike_rekey_child(n.p[0].e, child_serial(&n.p[0]), NULL));
	tn_advance_to(&n, n.now + 60000);
	/* the first try and IKE_REKEY_RETRIES retries, then no more */
	CHECK_INT(logcap_count("refusing CREATE_CHILD_SA with v2N_TEMPORARY_FAILURE"), 1 + 5);
	CHECK_INT(logcap_count("no retry left"), 1);
	CHECK_INT(tn_live(&n.p[0]), 1);
	CHECK(tn_established_pair(&n));
	tn_free(&n);

	/* never retried past the hard expiry: the SA is deleted at expiry
	 * (no rekey fuzz: with it A may start up to 4 s earlier and try more
	 * often, which is right but not what this counts) */
	init(&n);
	for (int i = 0; i < 2; i++) {
		n.p[i].conn.ipsec_lifetime_ms = 20000;
		n.p[i].conn.rekey_margin_ms = 4000;
		n.p[i].conn.rekey_fuzz_pct = 0;
	}
	tn_up(&n);
	/* both refuse: A rekeys at 16 s, B (responder) at 18 s, both retry */
	ike_test_refuse_ccs(n.p[0].e, 1000, v2N_TEMPORARY_FAILURE);
	ike_test_refuse_ccs(n.p[1].e, 1000, v2N_TEMPORARY_FAILURE);
	tn_advance_to(&n, n.now + 19999);
	CHECK(logcap_count("refusing CREATE_CHILD_SA with v2N_TEMPORARY_FAILURE") >= 2);
	CHECK(logcap_count("refusing CREATE_CHILD_SA with v2N_TEMPORARY_FAILURE") <= 6);
	CHECK_INT(logcap_count("no retry left"), 2);
	CHECK_INT(tn_live(&n.p[0]) + tn_live(&n.p[1]), 2);
	tn_advance_to(&n, n.now + 2);
	CHECK_INT(tn_live(&n.p[0]) + tn_live(&n.p[1]), 0);
	CHECK(tn_established_pair(&n));
	tn_free(&n);

	/* only B refuses: B's own rekey (responder: at half the margin)
	 * replaces the SA before it expires */
	init(&n);
	for (int i = 0; i < 2; i++) {
		n.p[i].conn.ipsec_lifetime_ms = 20000;
		n.p[i].conn.rekey_margin_ms = 4000;
	}
	tn_up(&n);
	ike_test_refuse_ccs(n.p[1].e, 1000, v2N_TEMPORARY_FAILURE);
	tn_advance_to(&n, n.now + 20001);
	CHECK_INT(tn_live(&n.p[0]), 1);
	CHECK(tn_children_agree(&n));
	tn_free(&n);
}

static void test_temporary_failure_ike_retry(void)
{
	struct tn_net n;
	struct tn_snap a0;
	uint64_t t0;

	init(&n);
	tn_up(&n);
	a0 = tn_snap(&n.p[0]);
	ike_test_refuse_ccs(n.p[1].e, 1, v2N_TEMPORARY_FAILURE);
	CHECK(ike_rekey_ike(n.p[0].e, a0.ike[0].serial, NULL));
	tn_run(&n);
	CHECK_INT(tn_snap(&n.p[0]).ike[0].spi_i, a0.ike[0].spi_i);
	CHECK_INT(logcap_count("retrying in"), 1);
	t0 = n.now;
	tn_advance_to(&n, t0 + 999);
	CHECK_INT(tn_snap(&n.p[0]).ike[0].spi_i, a0.ike[0].spi_i);
	tn_advance_to(&n, t0 + 3001);
	CHECK(tn_snap(&n.p[0]).ike[0].spi_i != a0.ike[0].spi_i);
	CHECK(tn_established_pair(&n));
	CHECK(tn_children_agree(&n));
	tn_free(&n);
}

/* ---- uniqueids ---- */

static void test_uniqueids_simultaneous_up(void)
{
	unsigned kept_a = 0, kept_b = 0;

	for (int run = 0; run < 16; run++) {
		struct tn_net n;
		struct ike_sink s0, s1;

		init(&n);
		s0 = tn_sink(&n.p[0]);
		s1 = tn_sink(&n.p[1]);
		ike_initiate(n.p[0].e, &n.p[0].conn, NULL, &s0);
		ike_initiate(n.p[1].e, &n.p[1].conn, NULL, &s1);
		tn_run(&n);
		CHECK_INT(n.p[0].status, IKE_RC_OK);
		CHECK_INT(n.p[1].status, IKE_RC_OK);
		CHECK_INT(tn_snap(&n.p[0]).n_ike, 1);
		CHECK_INT(tn_snap(&n.p[1]).n_ike, 1);
		CHECK(tn_established_pair(&n));
		CHECK_INT(tn_live(&n.p[0]), 1);
		CHECK_INT(tn_live(&n.p[1]), 1);
		CHECK(tn_children_agree(&n));
		CHECK(tn_traffic_ok(&n));
		if (tn_snap(&n.p[0]).ike[0].initiator)
			kept_a++;
		else
			kept_b++;
		/* settled: nothing else happens */
		tn_advance_to(&n, n.now + 10000);
		CHECK_INT(tn_snap(&n.p[0]).n_ike, 1);
		CHECK(tn_children_agree(&n));
		tn_free(&n);
	}
	CHECK(kept_a > 0 && kept_b > 0);
}

static void test_uniqueids_no(void)
{
	struct tn_net n;
	struct ike_sink s0, s1;

	init(&n);
	n.p[0].conn.uniqueids = n.p[1].conn.uniqueids = false;
	s0 = tn_sink(&n.p[0]);
	s1 = tn_sink(&n.p[1]);
	ike_initiate(n.p[0].e, &n.p[0].conn, NULL, &s0);
	ike_initiate(n.p[1].e, &n.p[1].conn, NULL, &s1);
	tn_run(&n);
	CHECK_INT(tn_snap(&n.p[0]).n_ike, 2);
	CHECK_INT(tn_snap(&n.p[1]).n_ike, 2);
	CHECK_INT(tn_live(&n.p[0]), 2);
	CHECK(tn_children_agree(&n));
	tn_free(&n);
}

/* The peer lost its IKE SA without telling us and without INITIAL_CONTACT,
 * then connects again: the new IKE SA replaces the older one. */
static void test_uniqueids_replaces_older(void)
{
	struct tn_net n;
	struct ike_sink s1;
	unsigned old;

	init(&n);
	tn_up(&n);
	old = tn_snap(&n.p[0]).ike[0].serial;
	ike_engine_free(n.p[1].e);
	memset(n.p[1].child, 0, sizeof(n.p[1].child));
	n.p[1].e = ike_engine_new(&tn_ops_deferred, &n.p[1], NULL);
	n.p[1].conn.initial_contact = false;
	s1 = tn_sink(&n.p[1]);
	ike_initiate(n.p[1].e, &n.p[1].conn, NULL, &s1);
	tn_run(&n);
	CHECK_INT(n.p[1].status, IKE_RC_OK);
	CHECK_INT(logcap_count("uniqueids: IKE SA #"), 1);
	/* A's Delete of the old one goes unanswered (B forgot it): gone at the timeout */
	CHECK(!tn_snap(&n.p[0]).ike[0].established);
	CHECK(tn_traffic_ok(&n));
	tn_advance_to(&n, n.now + 61000);
	CHECK_INT(tn_snap(&n.p[0]).n_ike, 1);
	CHECK(tn_snap(&n.p[0]).ike[0].serial != old);
	CHECK(tn_established_pair(&n));
	CHECK_INT(tn_live(&n.p[0]), 1);
	CHECK(tn_children_agree(&n));
	tn_free(&n);

	/* A initiates twice at once: B, responder of both, keeps the newer */
	init(&n);
	{
		struct ike_sink s0 = tn_sink(&n.p[0]);

		ike_initiate(n.p[0].e, &n.p[0].conn, NULL, &s0);
		ike_initiate(n.p[0].e, &n.p[0].conn, NULL, NULL);
		tn_run(&n);
	}
	CHECK_INT(logcap_count("\"b-a\" #1: uniqueids: IKE SA #"), 1);
	CHECK_INT(logcap_count("\"a-b\" #1: uniqueids"), 0);
	CHECK_INT(tn_snap(&n.p[0]).n_ike, 1);
	CHECK_INT(tn_snap(&n.p[1]).n_ike, 1);
	CHECK(tn_established_pair(&n));
	CHECK_INT(tn_live(&n.p[0]), 1);
	CHECK(tn_children_agree(&n));
	tn_free(&n);
}

/* ---- dpdaction ---- */

static void test_dpdaction(void)
{
	static const struct {
		const char *label;
		enum ike_dpd_action act;
		bool restarts;
	} rows[] = {
		{ "hold", IKE_DPD_HOLD, false },
		{ "clear", IKE_DPD_CLEAR, false },
		{ "restart", IKE_DPD_RESTART, true },
	};

	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		struct tn_net n;
		unsigned sent;

		init(&n);
		n.p[0].conn.dpd_delay_ms = 10000;        /* DPD on A only */
		n.p[0].conn.dpd_timeout_ms = 30000;
		n.p[0].conn.dpd_action = rows[r].act;
		tn_up(&n);
		n.drop_all[1] = true;                     /* B goes silent */
		tn_advance_to(&n, n.now + 10000 + 31000);
		if (!strstr(logbuf, rows[r].label) || logcap_count("liveness: peer not responding") != 1)
			t_fail(__FILE__, __LINE__, "%s: no liveness line", rows[r].label);
		CHECK_INT(tn_live(&n.p[0]), 0);
		CHECK_INT(n.p[0].n_child_deleted, 1);
		/* hold and restart: the embedder hears first (its trap takes over) */
		CHECK_INT(n.p[0].n_peer_dead, rows[r].act == IKE_DPD_CLEAR ? 0 : 1);
		CHECK_INT(n.p[0].deleted_at_peer_dead, 0);
		if (!rows[r].restarts) {
			CHECK_INT(tn_snap(&n.p[0]).n_ike, 0);
			sent = n.sent[0];
			tn_advance_to(&n, n.now + 120000);
			CHECK_INT(n.sent[0], sent);        /* nothing initiated */
			tn_free(&n);
			continue;
		}
		/* restart: a new IKE_SA_INIT went out at once */
		CHECK_INT(tn_snap(&n.p[0]).n_ike, 1);
		CHECK(!tn_snap(&n.p[0]).ike[0].established);
		CHECK_INT(n.last_exch[0], IKEV2_EXCH_IKE_SA_INIT);
		n.drop_all[1] = false;                    /* B answers again */
		tn_advance_to(&n, n.now + 2000);
		CHECK_INT(tn_snap(&n.p[0]).n_ike, 1);
		CHECK_INT(tn_snap(&n.p[1]).n_ike, 1);     /* INITIAL_CONTACT cleared B's stale one */
		CHECK(tn_established_pair(&n));
		CHECK_INT(tn_live(&n.p[0]), 1);
		CHECK(tn_children_agree(&n));
		tn_free(&n);

		/* restart respects keyingtries (1): a peer still dead ends it */
		init(&n);
		n.p[0].conn.dpd_delay_ms = 10000;
		n.p[0].conn.dpd_timeout_ms = 30000;
		n.p[0].conn.dpd_action = IKE_DPD_RESTART;
		tn_up(&n);
		n.drop_all[1] = true;
		tn_advance_to(&n, n.now + 41000);
		CHECK_INT(tn_snap(&n.p[0]).n_ike, 1);
		tn_advance_to(&n, n.now + 61000);
		CHECK_INT(tn_snap(&n.p[0]).n_ike, 0);
		sent = n.sent[0];
		tn_advance_to(&n, n.now + 120000);
		CHECK_INT(n.sent[0], sent);
		tn_free(&n);
	}
}

int main(void)
{
	log_set_level(getenv("IKE_TEST_LOG") ? LOG_LVL_DEBUG : LOG_LVL_ERROR);
	log_set_tap(tap, NULL);
	RUN(test_child_collision_both_complete);
	RUN(test_child_collision_answer_first);
	RUN(test_child_collision_delete_overtakes);
	RUN(test_ike_collision_both_complete);
	RUN(test_ike_collision_delete_overtakes);
	RUN(test_ike_and_child_rekey_cross);
	RUN(test_temporary_failure_child_retry);
	RUN(test_temporary_failure_bounded);
	RUN(test_temporary_failure_ike_retry);
	RUN(test_uniqueids_simultaneous_up);
	RUN(test_uniqueids_no);
	RUN(test_uniqueids_replaces_older);
	RUN(test_dpdaction);
	return t_done();
}
