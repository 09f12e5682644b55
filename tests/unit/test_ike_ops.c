/* The engine contract (ike.h): every operation that takes a sink calls its
 * done() exactly once with the outcome (rekeys and deletes included, also
 * when refused, retried, abandoned or when the engine goes); conns are
 * reference-counted handles the SAs share, never copies; the engine
 * reports its deadline after every entry point.  Two engines in one
 * process (ike_testlib.h). */
#include "ike_testlib.h"

/* A sink that counts its done() calls and keeps its lines. */
struct rec {
	unsigned n_done;
	int status;
	char reason[256];
	char lines[4096];
};

static void rec_line(void *arg, int code, const char *text)
{
	struct rec *r = arg;
	size_t l = strlen(r->lines);

	snprintf(r->lines + l, sizeof(r->lines) - l, "%03d %s\n", code, text);
}

static void rec_done(void *arg, int status, const char *reason)
{
	struct rec *r = arg;

	r->n_done++;
	r->status = status;
	snprintf(r->reason, sizeof(r->reason), "%s", reason ? reason : "");
}

static struct ike_sink rec_sink(struct rec *r)
{
	memset(r, 0, sizeof(*r));
	r->status = -1;
	return (struct ike_sink){ rec_line, rec_done, r };
}

static unsigned first_child(struct tn_peer *p)
{
	struct tn_snap s = tn_snap(p);

	return s.n_child ? s.child[0].serial : 0;
}

static void test_rekey_child_completes_once(void)
{
	struct tn_net n;
	struct rec r;
	struct ike_sink s = rec_sink(&r);
	unsigned old;

	tn_init(&n);
	tn_up(&n);
	old = first_child(&n.p[0]);
	CHECK(ike_rekey_child(n.p[0].e, old, &s));
	CHECK_INT(r.n_done, 0);               /* waits for the peer */
	tn_run(&n);
	CHECK_INT(r.n_done, 1);
	CHECK_INT(r.status, IKE_RC_OK);
	CHECK(strstr(r.lines, "004 \"a-b\" #3: initiator rekeyed Child SA #2 using #1; IPsec tunnel") != NULL);
	CHECK(strstr(r.lines, "002 \"a-b\" #2: replaced Child SA deleted, aged 0.000s") != NULL);
	tn_advance_to(&n, n.now + 60000);
	CHECK_INT(r.n_done, 1);
	tn_free(&n);
	CHECK_INT(r.n_done, 1);
}

static void test_rekey_ike_completes_once(void)
{
	struct tn_net n;
	struct rec r;
	struct ike_sink s = rec_sink(&r);

	tn_init(&n);
	tn_up(&n);
	CHECK(ike_rekey_ike(n.p[1].e, 1, &s));   /* the responder rekeys */
	tn_run(&n);
	CHECK_INT(r.n_done, 1);
	CHECK_INT(r.status, IKE_RC_OK);
	CHECK(strstr(r.lines, "004 \"a-b\" #3: initiator rekeyed IKE SA #1 {cipher=") != NULL);
	CHECK(strstr(r.lines, "002 \"a-b\" #1: replaced IKE SA deleted") != NULL);
	CHECK(tn_established_pair(&n));
	tn_free(&n);
	CHECK_INT(r.n_done, 1);
}

static void test_refused_at_once(void)
{
	struct tn_net n;
	struct rec r1, r2, r3;
	struct ike_sink s1 = rec_sink(&r1), s2 = rec_sink(&r2), s3 = rec_sink(&r3);

	tn_init(&n);
	tn_up(&n);
	/* no such SA: done() before returning */
	CHECK(!ike_rekey_child(n.p[0].e, 99, &s1));
	CHECK_INT(r1.n_done, 1);
	CHECK_INT(r1.status, IKE_RC_FAILED);
	CHECK(!ike_rekey_ike(n.p[0].e, 99, &s2));
	CHECK_INT(r2.n_done, 1);
	CHECK(!ike_delete_child(n.p[0].e, 99, &s3));
	CHECK_INT(r3.n_done, 1);
	/* a second rekey of the same SA while the first waits: refused, the
	 * first still completes, each sink once */
	s1 = rec_sink(&r1);
	s2 = rec_sink(&r2);
	CHECK(ike_rekey_child(n.p[0].e, first_child(&n.p[0]), &s1));
	CHECK(!ike_rekey_child(n.p[0].e, first_child(&n.p[0]), &s2));
	CHECK_INT(r2.n_done, 1);
	CHECK_INT(r2.status, IKE_RC_FAILED);
	tn_run(&n);
	CHECK_INT(r1.n_done, 1);
	CHECK_INT(r1.status, IKE_RC_OK);
	CHECK_INT(r2.n_done, 1);
	tn_free(&n);
}

static void test_rekey_refused_by_peer(void)
{
	struct tn_net n;
	struct rec r;
	struct ike_sink s = rec_sink(&r);

	tn_init(&n);
	tn_up(&n);
	ike_test_refuse_ccs(n.p[1].e, 1, v2N_NO_PROPOSAL_CHOSEN);
	CHECK(ike_rekey_child(n.p[0].e, first_child(&n.p[0]), &s));
	tn_run(&n);
	CHECK_INT(r.n_done, 1);
	CHECK_INT(r.status, IKE_RC_FAILED);
	CHECK(strstr(r.reason, "NO_PROPOSAL_CHOSEN") != NULL);
	tn_advance_to(&n, n.now + 30000);
	CHECK_INT(r.n_done, 1);
	tn_free(&n);
	CHECK_INT(r.n_done, 1);
}

/* TEMPORARY_FAILURE: the engine retries (collide.c); the sink waits for
 * the retry's outcome and hears it once. */
static void test_rekey_retried(void)
{
	struct tn_net n;
	struct rec r;
	struct ike_sink s = rec_sink(&r);

	tn_init(&n);
	tn_up(&n);
	ike_test_refuse_ccs(n.p[1].e, 2, v2N_TEMPORARY_FAILURE);
	CHECK(ike_rekey_ike(n.p[0].e, 1, &s));
	tn_run(&n);
	CHECK_INT(r.n_done, 0);
	tn_advance_to(&n, n.now + 20000);
	CHECK_INT(r.n_done, 1);
	CHECK_INT(r.status, IKE_RC_OK);
	CHECK(tn_established_pair(&n));
	tn_free(&n);
}

static void test_delete_child(void)
{
	struct tn_net n;
	struct rec r;
	struct ike_sink s = rec_sink(&r);

	tn_init(&n);
	tn_up(&n);
	CHECK(ike_delete_child(n.p[0].e, first_child(&n.p[0]), &s));
	tn_run(&n);
	CHECK_INT(r.n_done, 1);
	CHECK_INT(r.status, IKE_RC_OK);
	CHECK_INT(tn_live(&n.p[0]), 0);
	CHECK_INT(tn_live(&n.p[1]), 0);
	tn_free(&n);
	CHECK_INT(r.n_done, 1);
}

/* The IKE SA dies (the peer stops answering) while a rekey waits. */
static void test_rekey_abandoned(void)
{
	struct tn_net n;
	struct rec r;
	struct ike_sink s = rec_sink(&r);

	tn_init(&n);
	tn_up(&n);
	n.drop_all[1] = true;
	CHECK(ike_rekey_child(n.p[0].e, first_child(&n.p[0]), &s));
	tn_advance_to(&n, n.now + 120000);
	CHECK_INT(r.n_done, 1);
	CHECK_INT(r.status, IKE_RC_FAILED);
	CHECK(strstr(r.reason, "deleted before a replacement") != NULL);
	tn_free(&n);
	CHECK_INT(r.n_done, 1);

	/* the engine goes with the rekey still waiting: done() once */
	tn_init(&n);
	tn_up(&n);
	s = rec_sink(&r);
	n.drop_all[1] = true;
	CHECK(ike_rekey_ike(n.p[0].e, 1, &s));
	tn_run(&n);
	CHECK_INT(r.n_done, 0);
	tn_free(&n);
	CHECK_INT(r.n_done, 1);
	CHECK(r.status != IKE_RC_OK);
}

/* Conns are shared handles: every SA holds a reference, none a copy. */
static void test_conn_handles(void)
{
	struct tn_net n;
	struct tn_snap a;

	tn_init(&n);
	CHECK_INT(n.p[0].conn.refs, 1);
	tn_up(&n);
	a = tn_snap(&n.p[0]);
	CHECK(a.ike[0].conn == &n.p[0].conn);
	CHECK(a.child[0].conn == &n.p[0].conn);
	CHECK_INT(n.p[0].conn.refs, 2);          /* the IKE SA (its Child SA shares its conn) */
	CHECK(tn_snap(&n.p[1]).ike[0].conn == &n.p[1].conn);
	CHECK(ike_rekey_ike(n.p[0].e, 1, NULL));
	tn_run(&n);
	CHECK_INT(n.p[0].conn.refs, 2);          /* the new IKE SA; the old one went */
	CHECK_INT(ike_terminate(n.p[0].e, &n.p[0].conn, NULL), 1);
	tn_run(&n);
	CHECK_INT(tn_snap(&n.p[0]).n_ike, 0);
	CHECK_INT(n.p[0].conn.refs, 1);
	CHECK_INT(n.p[1].conn.refs, 1);

	/* a heap handle outlives the embedder's reference while an SA holds it */
	{
		struct ike_conn *h = ike_conn_new();

		CHECK(h != NULL);
		*h = n.p[0].conn;
		h->refs = 1;
		h->release = n.p[0].conn.release;   /* NULL: storage kept here */
		h->user = &n;
		ike_conn_gone(h);
		CHECK(h->gone && h->user == NULL);
		free(h);
	}
	tn_free(&n);
}

/* --down/--delete/--replace (ike_terminate) end every IKE SA of the conn,
 * however many: an unauthenticated peer (or one spoofing the real peer's
 * address) can hold hundreds of half-open IKE SAs of a responder's conn,
 * and the established one (its serial later than theirs after a rekey)
 * must not survive its conn's deletion. */
static unsigned n_established;

static void count_established(void *arg, const struct ike_sa_info *i)
{
	(void)arg;
	n_established += i->kind == IKE_KIND_IKE && i->established;
}

static void test_terminate_many(void)
{
	enum { HALF_OPEN = 600 };
	struct tn_net n;
	size_t half = 0;
	struct ike_engine_config cfg = { .max_halfopen_per_source = HALF_OPEN };

	tn_init(&n);
	ike_engine_free(n.p[1].e);               /* all from A's one address (halfopen.c) */
	n.p[1].e = ike_engine_new(&tn_ops, &n.p[1], &cfg);
	n.drop_all[1] = true;                    /* B's IKE_SA_INIT answers vanish */
	for (unsigned i = 0; i < HALF_OPEN; i++) {
		ike_initiate(n.p[0].e, &n.p[0].conn, NULL, NULL);
		tn_run(&n);
	}
	CHECK_INT(ike_count_sas(n.p[1].e, &half, NULL), HALF_OPEN);
	CHECK_INT(half, HALF_OPEN);
	/* a fresh A brings the real IKE SA up: its serial on B is the last */
	ike_engine_free(n.p[0].e);
	n.p[0].e = ike_engine_new(&tn_ops, &n.p[0], NULL);
	n.drop_all[1] = false;
	tn_up(&n);
	CHECK_INT(n.p[0].status, IKE_RC_OK);
	CHECK_INT(ike_count_sas(n.p[1].e, NULL, NULL), HALF_OPEN + 1);

	CHECK_INT(ike_terminate(n.p[1].e, &n.p[1].conn, NULL), HALF_OPEN + 1);
	tn_run(&n);
	n_established = 0;
	ike_foreach_sa(n.p[1].e, count_established, NULL);
	CHECK_INT(n_established, 0);
	CHECK_INT(ike_count_sas(n.p[1].e, NULL, NULL), 0);
	CHECK_INT(tn_live(&n.p[1]), 0);
	CHECK_INT(tn_live(&n.p[0]), 0);
	CHECK_INT(n.p[1].conn.refs, 1);
	tn_free(&n);
}

/* The one deadline rule: the engine reports after every entry point when
 * the deadline moved, and always after ike_tick(). */
static unsigned n_deadline;
static uint64_t last_deadline;

static void rec_deadline(void *ctx, uint64_t d)
{
	(void)ctx;
	n_deadline++;
	last_deadline = d;
}

static void test_deadline_reports(void)
{
	struct tn_net n;
	struct ike_ops ops = tn_ops;
	unsigned before;

	ops.deadline_changed = rec_deadline;
	tn_init(&n);
	ike_engine_free(n.p[0].e);
	n.p[0].e = ike_engine_new(&ops, &n.p[0], NULL);
	tn_up(&n);
	CHECK(n_deadline > 0);
	CHECK(last_deadline == ike_next_deadline(n.p[0].e));
	before = n_deadline;
	ike_tick(n.p[0].e);                      /* nothing due: still reported */
	CHECK_INT(n_deadline, before + 1);
	CHECK(last_deadline == ike_next_deadline(n.p[0].e));
	CHECK(ike_rekey_child(n.p[0].e, first_child(&n.p[0]), NULL));
	CHECK(last_deadline == ike_next_deadline(n.p[0].e));   /* a retransmission is armed */
	tn_run(&n);
	CHECK(last_deadline == ike_next_deadline(n.p[0].e));
	tn_free(&n);
}

int main(void)
{
	log_set_level(getenv("IKE_TEST_LOG") ? LOG_LVL_DEBUG : LOG_LVL_ERROR);
	RUN(test_rekey_child_completes_once);
	RUN(test_rekey_ike_completes_once);
	RUN(test_refused_at_once);
	RUN(test_rekey_refused_by_peer);
	RUN(test_rekey_retried);
	RUN(test_delete_child);
	RUN(test_rekey_abandoned);
	RUN(test_conn_handles);
	RUN(test_deadline_reports);
	RUN(test_terminate_many);
	return t_done();
}
