/* The engine finds SAs and runs timers without walking every SA (issue 13
 * item 3): the number of SAs its lookups, deadline updates and timer runs
 * examine (ike_test_visits) for one more IKE SA is the same with 8 SAs up
 * as with 1000; one tick expiring N half-open SAs examines O(N) SAs, a tick
 * with nothing due none; the counts stay right.  A walk per packet or per
 * deadline (what the engine did) makes these fail.  Two engines in one
 * process (ike_testlib.h); the crosscheck (scripts/run-tests) compares every
 * lookup and deadline with a walk meanwhile. */
#include "ike_testlib.h"

static void scale_net(struct tn_net *n)
{
	const char *why;

	tn_init(n);
	n->p[0].conn.uniqueids = n->p[1].conn.uniqueids = false;
	id_parse_shared("%any", &n->p[1].conn.remote.id, &why);
}

/* A brings up an IKE SA + Child SA of a new conn of its own ("a-bK" with
 * ID @wK.example, so that its INITIAL_CONTACT replaces nothing; B answers
 * all with its one conn, rightid=%any): one more IKE SA per call. */
static void up_one(struct tn_net *n, struct ike_conn *conns, unsigned k)
{
	char id[64];
	const char *why;

	conns[k] = n->p[0].conn;
	snprintf(conns[k].name, sizeof(conns[k].name), "a-b%u", k);
	snprintf(id, sizeof(id), "@w%u.example", k);
	id_parse_shared(id, &conns[k].local.id, &why);
	ike_initiate(n->p[0].e, &conns[k], NULL, NULL);
	tn_run(n);
}

static void count_visit(void *arg, const struct ike_sa_info *i)
{
	size_t *k = arg;

	k[i->kind == IKE_KIND_IKE ? 0 : 1] += i->established;
}

/* The visits on B for bringing one more IKE SA + Child SA up with `have` up. */
static uint64_t visits_for_one_more(unsigned have)
{
	struct tn_net n;
	size_t half = 1, children = 0, walked[2] = { 0, 0 };
	struct ike_conn *conns = calloc(have + 1, sizeof(*conns));
	uint64_t v0;

	if (!CHECK(conns))
		return 0;
	scale_net(&n);
	for (unsigned i = 0; i < have; i++)
		up_one(&n, conns, i);
	v0 = ike_test_visits(n.p[1].e);
	up_one(&n, conns, have);
	v0 = ike_test_visits(n.p[1].e) - v0;
	CHECK_INT(ike_count_sas(n.p[1].e, &half, &children), have + 1);
	CHECK_INT(half, 0);
	CHECK_INT(children, have + 1);
	ike_foreach_sa(n.p[1].e, count_visit, walked);
	CHECK_INT(walked[0], have + 1);
	CHECK_INT(walked[1], have + 1);
	tn_free(&n);
	free(conns);
	return v0;
}

static void test_lookup_flat(void)
{
	uint64_t few = visits_for_one_more(8), many = visits_for_one_more(1000);

	CHECK(few > 0);
	/* a walk per packet or per deadline would add ~1000 per step */
	if (!CHECK(many <= few + 16))
		fprintf(stderr, "visits for one more SA: %llu with 8 up, %llu with 1000 up\n",
			(unsigned long long)few, (unsigned long long)many);
}

static void test_expiry_linear(void)
{
	enum { N = 2000 };
	struct tn_net n;
	size_t half = 0;
	struct ike_conn *conns = calloc(N, sizeof(*conns));
	uint64_t v0;

	if (!CHECK(conns))
		return;
	scale_net(&n);
	{
		/* all from A's one address: past the per-source bound (halfopen.c) */
		struct ike_engine_config cfg = { .max_halfopen_per_source = N };

		ike_engine_free(n.p[1].e);
		n.p[1].e = ike_engine_new(&tn_ops, &n.p[1], &cfg);
	}
	n.drop_all[1] = true;   /* B's answers vanish: each request leaves a half-open SA on B */
	for (unsigned i = 0; i < N; i++)
		up_one(&n, conns, i);
	CHECK_INT(ike_count_sas(n.p[1].e, &half, NULL), N);
	CHECK_INT(half, N);
	/* nothing due: a tick looks at nothing */
	v0 = ike_test_visits(n.p[1].e);
	ike_tick(n.p[1].e);
	CHECK(ike_test_visits(n.p[1].e) - v0 <= 2);
	/* all of them time out at once (60 s): one tick, linear work */
	n.now += 61000;
	v0 = ike_test_visits(n.p[1].e);
	ike_tick(n.p[1].e);
	v0 = ike_test_visits(n.p[1].e) - v0;
	CHECK_INT(ike_count_sas(n.p[1].e, &half, NULL), 0);
	CHECK_INT(half, 0);
	if (!CHECK(v0 <= 4 * N))
		fprintf(stderr, "one tick expiring %d half-open SAs examined %llu\n", N, (unsigned long long)v0);
	CHECK_INT(ike_next_deadline(n.p[1].e), UINT64_MAX);
	tn_free(&n);
	free(conns);
}

int main(void)
{
	log_set_level(getenv("IKE_TEST_LOG") ? LOG_LVL_DEBUG : LOG_LVL_ERROR);
	RUN(test_lookup_flat);
	RUN(test_expiry_linear);
	return t_done();
}
