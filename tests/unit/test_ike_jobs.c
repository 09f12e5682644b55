/* Crypto jobs (src/ike/job.c) with a deferred executor: the engine hands
 * IKE_SA_INIT's DH and key derivation to ike_ops.submit_job; this test
 * queues them and runs them later, out of order, after their SA went,
 * after a retransmission, or refuses them (queue full). */
#include "ike_testlib.h"

#define JQ_MAX 64

/* One queue per peer (ike_ops ctx is the tn_peer). */
static struct jq {
	struct ike_job *q[JQ_MAX];
	unsigned n;
	bool refuse;                      /* the executor's queue is full */
	unsigned submitted, refused;
} jq[2];

static bool jq_submit(void *ctx, struct ike_job *j)
{
	struct jq *q = &jq[((struct tn_peer *)ctx)->idx];

	if (q->refuse || q->n == JQ_MAX) {
		q->refused++;
		return false;
	}
	q->q[q->n++] = j;
	q->submitted++;
	return true;
}

static struct ike_ops jq_ops;

/* tn_init with engines that defer their jobs. */
static void jq_init(struct tn_net *n)
{
	memset(jq, 0, sizeof(jq));
	jq_ops = tn_ops;
	jq_ops.submit_job = jq_submit;
	tn_init(n);
	for (int i = 0; i < 2; i++) {
		ike_engine_free(n->p[i].e);
		n->p[i].e = ike_engine_new(&jq_ops, &n->p[i], NULL);
	}
}

/* Run peer i's job k (as a helper thread would) and complete it. */
static void jq_run_one(struct tn_net *n, int i, unsigned k)
{
	struct jq *q = &jq[i];
	struct ike_job *j = q->q[k];

	memmove(&q->q[k], &q->q[k + 1], (q->n - k - 1) * sizeof(q->q[0]));
	q->n--;
	ike_job_run(j);
	ike_job_complete(n->p[i].e, j);
}

/* Deliver packets and run jobs until neither is left; lifo: newest job first. */
static void jq_drain(struct tn_net *n, bool lifo)
{
	for (unsigned guard = 0; guard < 1000; guard++) {
		tn_run(n);
		if (!jq[0].n && !jq[1].n)
			return;
		for (int i = 0; i < 2; i++)
			while (jq[i].n)
				jq_run_one(n, i, lifo ? jq[i].n - 1 : 0);
	}
}

/* tn_up with A's key pair job run: its IKE_SA_INIT request is on the way. */
static void jq_up(struct tn_net *n)
{
	tn_up(n);
	if (jq[0].n == 1)
		jq_run_one(n, 0, 0);
	tn_run(n);
}

static void jq_free(struct tn_net *n)
{
	for (int i = 0; i < 2; i++)
		while (jq[i].n)
			ike_job_free(jq[i].q[--jq[i].n]);
	tn_free(n);
}

/* After a CREATE_CHILD_SA operation on side: its key pair's job runs and
 * the request goes out. */
static void jq_request_out(struct tn_net *n, int side)
{
	tn_run(n);
	CHECK_INT(jq[side].n, 1);
	if (jq[side].n)
		jq_run_one(n, side, jq[side].n - 1);
	tn_run(n);
}

static uint64_t drops(struct tn_net *n, int i, enum ike_drop d) { return ike_drop_count(n->p[i].e, d); }

static size_t half_open(struct tn_net *n, int i)
{
	size_t h = 0;

	ike_count_sas(n->p[i].e, &h, NULL);
	return h;
}

/* The responder answers only once its job ran; the initiator goes on to
 * IKE_AUTH only once its own ran. */
static void test_deferred_establish(void)
{
	struct tn_net n;
	struct ike_stats st;

	jq_init(&n);
	tn_up(&n);
	CHECK_INT(jq[0].n, 1);               /* A's key pair */
	CHECK_INT(n.sent[0], 0);
	jq_run_one(&n, 0, 0);
	CHECK_INT(n.sent[0], 1);             /* the request */
	tn_run(&n);
	CHECK_INT(jq[1].n, 1);               /* B's IKE_SA_INIT job waits */
	CHECK_INT(n.sent[1], 0);             /* and B has not answered */
	CHECK_INT(half_open(&n, 1), 1);
	jq_run_one(&n, 1, 0);
	CHECK_INT(n.sent[1], 1);             /* the answer */
	tn_run(&n);
	CHECK_INT(jq[0].n, 1);               /* A's job for the answer */
	CHECK(n.last_exch[0] == IKEV2_EXCH_IKE_SA_INIT);
	jq_drain(&n, false);
	CHECK(tn_established_pair(&n));
	CHECK(n.p[0].done && n.p[0].status == IKE_RC_OK);
	CHECK(tn_children_agree(&n));
	ike_get_stats(n.p[1].e, &st);
	CHECK_INT(st.jobs_submitted, 1);
	CHECK_INT(st.jobs_orphaned, 0);
	ike_get_stats(n.p[0].e, &st);
	CHECK_INT(st.jobs_submitted, 2);     /* key pair, then g^ir and keys */
	jq_free(&n);
}

/* Jobs completed newest first, with both ends initiating at once, and then
 * a Child SA rekey with PFS and an IKE SA rekey on the established pair. */
static void test_out_of_order(void)
{
	struct tn_net n;
	struct ike_sink sb;

	jq_init(&n);
	n.p[0].conn.pfs = n.p[1].conn.pfs = true;
	sb = tn_sink(&n.p[1]);
	jq_up(&n);
	ike_initiate(n.p[1].e, &n.p[1].conn, NULL, &sb);
	tn_run(&n);
	CHECK_INT(jq[0].n, 0);
	CHECK_INT(jq[1].n, 2);               /* responder to A, B's own key pair */
	jq_drain(&n, true);
	CHECK(n.p[0].done && n.p[0].status == IKE_RC_OK);
	CHECK(n.p[1].done && n.p[1].status == IKE_RC_OK);
	CHECK(tn_children_agree(&n));
	CHECK(ike_rekey_ike(n.p[0].e, tn_snap(&n.p[0]).ike[0].serial, NULL));
	jq_drain(&n, true);
	CHECK(tn_children_agree(&n));
	CHECK_INT(half_open(&n, 0) + half_open(&n, 1), 0);
	jq_free(&n);
}

/* A retransmitted IKE_SA_INIT while B's job is out: dropped, no second
 * job, no answer; the one job's answer establishes. */
static void test_retransmit_while_waiting(void)
{
	struct tn_net n;

	jq_init(&n);
	jq_up(&n);
	CHECK_INT(jq[1].n, 1);
	tn_advance_to(&n, n.now + 600);      /* A retransmits (500 ms) */
	CHECK(n.sent[0] >= 2);
	CHECK_INT(jq[1].n, 1);
	CHECK_INT(n.sent[1], 0);
	CHECK(drops(&n, 1, DROP_CRYPTO_BUSY) >= 1);
	CHECK_INT(half_open(&n, 1), 1);
	/* A's job out, and B's answer comes again (A retransmitted): dropped */
	jq_run_one(&n, 1, 0);
	tn_run(&n);
	CHECK_INT(jq[0].n, 1);
	tn_advance_to(&n, n.now + 1100);
	CHECK_INT(jq[0].n, 1);               /* still the one job */
	CHECK(drops(&n, 0, DROP_CRYPTO_BUSY) >= 1);
	CHECK_INT(n.p[0].n_ike_up, 0);
	jq_drain(&n, false);
	CHECK(tn_established_pair(&n));
	CHECK_INT(n.p[0].n_ike_up, 1);
	CHECK_INT(n.p[1].n_ike_up, 1);
	jq_free(&n);
}

/* B's SA times out (and A gives up) while their jobs are out: the results
 * are dropped, nothing is sent, nothing leaks. */
static void test_sa_gone(void)
{
	struct tn_net n;
	struct ike_stats st;
	unsigned sent;

	jq_init(&n);
	n.p[0].conn.retransmit_timeout_ms = 5000;
	jq_up(&n);
	CHECK_INT(jq[1].n, 1);
	tn_advance_to(&n, n.now + 70000);    /* past the 60 s half-open limit */
	CHECK_INT(half_open(&n, 1), 0);
	CHECK(n.p[0].done && n.p[0].status == IKE_RC_TIMEOUT);
	sent = n.sent[1];
	jq_run_one(&n, 1, 0);
	CHECK_INT(n.sent[1], sent);
	ike_get_stats(n.p[1].e, &st);
	CHECK_INT(st.jobs_orphaned, 1);
	jq_free(&n);
}

/* The executor refuses (queue full): the request is dropped and counted,
 * no SA is kept; A's retransmission gets through once it takes jobs. */
static void test_queue_full(void)
{
	struct tn_net n;

	jq_init(&n);
	jq[1].refuse = true;
	jq_up(&n);
	CHECK_INT(jq[1].refused, 1);
	CHECK_INT(drops(&n, 1, DROP_CRYPTO_BUSY), 1);
	CHECK_INT(half_open(&n, 1), 0);
	CHECK_INT(n.sent[1], 0);
	jq[1].refuse = false;
	tn_advance_to(&n, n.now + 600);
	jq_drain(&n, false);
	CHECK(tn_established_pair(&n));
	jq_free(&n);
}

/* Engines freed with jobs still queued: the embedder frees them. */
static void test_free_with_jobs(void)
{
	struct tn_net n;

	jq_init(&n);
	jq_up(&n);
	CHECK_INT(jq[1].n, 1);
	jq_free(&n);
}

static unsigned first_child(struct tn_peer *p)
{
	struct tn_snap s = tn_snap(p);

	return s.n_child ? s.child[0].serial : 0;
}

static unsigned first_ike(struct tn_peer *p)
{
	struct tn_snap s = tn_snap(p);

	return s.n_ike ? s.ike[0].serial : 0;
}

/* CREATE_CHILD_SA with PFS (Child SA rekey) and an IKE SA rekey, started by
 * either side: each end's DH and keys go through its executor. */
static void test_ccs_jobs(void)
{
	for (int side = 0; side < 2; side++) {
		struct tn_net n;
		unsigned before;

		jq_init(&n);
		n.p[0].conn.pfs = n.p[1].conn.pfs = true;
		jq_up(&n);
		jq_drain(&n, false);
		CHECK(tn_established_pair(&n));
		before = jq[0].submitted + jq[1].submitted;
		CHECK(ike_rekey_child(n.p[side].e, first_child(&n.p[side]), NULL));
		jq_request_out(&n, side);        /* our key pair first */
		CHECK_INT(jq[!side].n, 1);       /* the responder's job */
		CHECK_INT(n.p[side].n_child_installed, 1);
		jq_drain(&n, true);
		CHECK_INT(jq[0].submitted + jq[1].submitted, before + 3);
		CHECK_INT(n.p[0].n_child_installed, 2);
		CHECK_INT(n.p[1].n_child_installed, 2);
		CHECK_INT(tn_live(&n.p[0]), 1);
		CHECK(tn_children_agree(&n));
		CHECK(ike_rekey_ike(n.p[side].e, first_ike(&n.p[side]), NULL));
		jq_request_out(&n, side);
		CHECK_INT(jq[!side].n, 1);
		jq_drain(&n, false);
		CHECK_INT(jq[0].submitted + jq[1].submitted, before + 6);
		CHECK(tn_established_pair(&n));
		CHECK_INT(tn_snap(&n.p[0]).n_ike, 1);
		CHECK_INT(tn_snap(&n.p[1]).n_ike, 1);
		CHECK(tn_children_agree(&n));
		jq_free(&n);
	}
}

/* The initiator retransmits its CREATE_CHILD_SA request while the
 * responder's job is out: dropped, answered once. */
static void test_ccs_retransmit_while_waiting(void)
{
	struct tn_net n;

	jq_init(&n);
	n.p[0].conn.pfs = n.p[1].conn.pfs = true;
	jq_up(&n);
	jq_drain(&n, false);
	CHECK(ike_rekey_child(n.p[0].e, first_child(&n.p[0]), NULL));
	jq_request_out(&n, 0);
	CHECK_INT(jq[1].n, 1);
	tn_advance_to(&n, n.now + 600);
	CHECK_INT(jq[1].n, 1);
	CHECK(drops(&n, 1, DROP_CRYPTO_BUSY) >= 1);
	jq_drain(&n, false);
	CHECK_INT(n.p[1].n_child_installed, 2);
	CHECK_INT(tn_live(&n.p[0]), 1);
	CHECK_INT(tn_live(&n.p[1]), 1);
	CHECK(tn_children_agree(&n));
	jq_free(&n);
}

/* The IKE SA goes while the responder's CREATE_CHILD_SA job is out: B's own
 * liveness probe, sent just before, is never answered and B declares the
 * peer dead.  The job's result is dropped, nothing is sent for it. */
static void test_ccs_sa_gone(void)
{
	struct tn_net n;
	struct ike_stats st;
	unsigned sent;

	jq_init(&n);
	n.p[0].conn.pfs = n.p[1].conn.pfs = true;
	n.p[1].conn.retransmit_timeout_ms = 5000;
	jq_up(&n);
	jq_drain(&n, false);
	CHECK(ike_rekey_child(n.p[0].e, first_child(&n.p[0]), NULL));
	tn_run(&n);
	CHECK_INT(jq[0].n, 1);
	jq_run_one(&n, 0, 0);                /* A's request is in the queue */
	CHECK(ike_liveness(n.p[1].e, first_ike(&n.p[1])));
	n.drop_all[0] = true;                /* A's answers are lost from now on */
	tn_run(&n);
	CHECK_INT(jq[1].n, 1);
	tn_advance_to(&n, n.now + 10000);
	CHECK_INT(tn_snap(&n.p[1]).n_ike, 0);
	sent = n.sent[1];
	jq_run_one(&n, 1, 0);
	CHECK_INT(n.sent[1], sent);
	ike_get_stats(n.p[1].e, &st);
	CHECK_INT(st.jobs_orphaned, 1);
	jq_free(&n);
}

/* The responder's executor is full: TEMPORARY_FAILURE; the initiator
 * retries the rekey 1-3 s later and it goes through. */
static void test_ccs_queue_full(void)
{
	struct tn_net n;

	jq_init(&n);
	jq_up(&n);
	jq_drain(&n, false);
	jq[1].refuse = true;
	CHECK(ike_rekey_child(n.p[0].e, first_child(&n.p[0]), NULL));
	jq_request_out(&n, 0);
	CHECK_INT(jq[1].refused, 1);
	CHECK_INT(drops(&n, 1, DROP_CRYPTO_BUSY), 1);
	CHECK_INT(n.p[1].n_child_installed, 1);
	jq[1].refuse = false;
	tn_advance_to(&n, n.now + 3500);
	jq_drain(&n, false);
	CHECK_INT(n.p[1].n_child_installed, 2);
	CHECK_INT(tn_live(&n.p[0]), 1);
	CHECK(tn_children_agree(&n));
	jq_free(&n);
}

int main(void)
{
	log_set_level(getenv("IKE_TEST_LOG") ? LOG_LVL_DEBUG : LOG_LVL_ERROR);
	RUN(test_deferred_establish);
	RUN(test_out_of_order);
	RUN(test_retransmit_while_waiting);
	RUN(test_sa_gone);
	RUN(test_queue_full);
	RUN(test_free_with_jobs);
	RUN(test_ccs_jobs);
	RUN(test_ccs_retransmit_while_waiting);
	RUN(test_ccs_sa_gone);
	RUN(test_ccs_queue_full);
	return t_done();
}
