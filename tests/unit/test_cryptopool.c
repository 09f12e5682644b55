/* The crypto helper pool (daemon/cryptopool.c) driving two real IKE engines
 * (the in-process network of ike_testlib.h): jobs run on the threads and
 * come back on the loop through the eventfd; a held pool keeps its jobs
 * while the loop goes on; freeing it with jobs queued frees them; nhelpers=
 * maps to threads as Libreswan's. */
#include <event2/event.h>
#include <unistd.h>

#include "daemon/cryptopool.h"
#include "ike_testlib.h"

static struct cryptopool *pool[2];
static struct ike_ops pool_ops;

static bool pool_submit(void *ctx, struct ike_job *j)
{
	return cryptopool_submit(pool[((struct tn_peer *)ctx)->idx], j);
}

/* Deliver packets and run the loop until cond or about 5 s. */
static bool loop_until(struct event_base *base, struct tn_net *n, bool (*cond)(struct tn_net *))
{
	for (int i = 0; i < 5000; i++) {
		tn_run(n);
		if (cond(n))
			return true;
		event_base_loop(base, EVLOOP_NONBLOCK);
		usleep(1000);
	}
	return cond(n);
}

static bool both_up(struct tn_net *n) { return n->p[0].done && tn_established_pair(n); }

static void setup(struct event_base *base, struct tn_net *n, unsigned threads)
{
	pool_ops = tn_ops;
	pool_ops.submit_job = pool_submit;
	tn_init(n);
	for (int i = 0; i < 2; i++) {
		ike_engine_free(n->p[i].e);
		n->p[i].e = ike_engine_new(&pool_ops, &n->p[i], NULL);
		pool[i] = cryptopool_new(base, threads, &n->p[i].e);
	}
}

static void teardown(struct tn_net *n)
{
	for (int i = 0; i < 2; i++) {
		cryptopool_free(pool[i]);
		pool[i] = NULL;
	}
	tn_free(n);
}

static void test_establish(void)
{
	struct event_base *base = event_base_new();
	struct tn_net n;
	struct cryptopool_stats st;
	struct ike_sink s;

	setup(base, &n, 2);
	CHECK(pool[0] && pool[1]);
	CHECK_INT(cryptopool_threads(pool[0]), 2);
	s = tn_sink(&n.p[0]);
	ike_initiate(n.p[0].e, &n.p[0].conn, NULL, &s);
	CHECK(loop_until(base, &n, both_up));
	CHECK(n.p[0].status == IKE_RC_OK);
	CHECK(tn_children_agree(&n));
	cryptopool_get_stats(pool[1], &st);
	CHECK_INT(st.submitted, 1);          /* the responder's IKE_SA_INIT */
	CHECK_INT(st.completed, 1);
	CHECK_INT(st.outstanding, 0);
	CHECK_INT(st.capacity, 2 * CRYPTOPOOL_QUEUE_PER_HELPER);
	cryptopool_get_stats(pool[0], &st);
	CHECK_INT(st.submitted, 2);          /* key pair, the answer's keys */
	teardown(&n);
	event_base_free(base);
}

static bool a_queued(struct tn_net *n)
{
	struct cryptopool_stats st;

	(void)n;
	cryptopool_get_stats(pool[0], &st);
	return st.outstanding == 1;
}

/* Held: the job waits, nothing is sent, the loop runs; released: up. */
static void test_hold(void)
{
	struct event_base *base = event_base_new();
	struct tn_net n;
	struct ike_sink s;

	setup(base, &n, 1);
	cryptopool_hold(pool[0], true);
	s = tn_sink(&n.p[0]);
	ike_initiate(n.p[0].e, &n.p[0].conn, NULL, &s);
	CHECK(loop_until(base, &n, a_queued));
	for (int i = 0; i < 50; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		usleep(1000);
	}
	CHECK_INT(n.sent[0], 0);
	CHECK(a_queued(&n));
	cryptopool_hold(pool[0], false);
	CHECK(loop_until(base, &n, both_up));
	teardown(&n);
	event_base_free(base);
}

/* Freed with a job queued (held): the job is freed, never completed. */
static void test_free_with_jobs(void)
{
	struct event_base *base = event_base_new();
	struct tn_net n;
	struct ike_sink s;

	setup(base, &n, 1);
	cryptopool_hold(pool[0], true);
	s = tn_sink(&n.p[0]);
	ike_initiate(n.p[0].e, &n.p[0].conn, NULL, &s);
	CHECK(loop_until(base, &n, a_queued));
	teardown(&n);
	event_base_free(base);
}

static void test_threads_for(void)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	CHECK_INT(cryptopool_threads_for(0), 0);
	CHECK_INT(cryptopool_threads_for(3), 3);
	CHECK_INT(cryptopool_threads_for(1000), CRYPTOPOOL_MAX_HELPERS);
	CHECK_INT(cryptopool_threads_for(-1), ncpu <= 2 ? 1 : ncpu - 1 > CRYPTOPOOL_MAX_HELPERS ? CRYPTOPOOL_MAX_HELPERS : ncpu - 1);
	CHECK(cryptopool_new(NULL, 0, NULL) == NULL);
}

int main(void)
{
	log_set_level(getenv("IKE_TEST_LOG") ? LOG_LVL_DEBUG : LOG_LVL_ERROR);
	RUN(test_establish);
	RUN(test_hold);
	RUN(test_free_with_jobs);
	RUN(test_threads_for);
	return t_done();
}
