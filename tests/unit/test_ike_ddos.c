/* The responder's DDoS limits from ike_engine_config (config setup
 * ddos-mode=, ddos-ike-threshold=, max-halfopen-ike=): COOKIEs from the
 * threshold on in auto mode, always when busy, never when unlimited; new
 * IKE_SA_INIT requests dropped (and counted) at max-halfopen-ike.  The
 * half-open count is kept on state changes: it follows establishment, IKE
 * SA rekeys and deletes.  Two engines in one process (ike_testlib.h). */
#include "ike_testlib.h"

/* B (the responder) gets cfg; A's IKE_SA_INIT requests reach B, B's
 * answers vanish: every request leaves one half-open IKE SA on B. */
static void ddos_net(struct tn_net *n, const struct ike_engine_config *cfg)
{
	tn_init(n);
	n->p[0].conn.uniqueids = n->p[1].conn.uniqueids = false;
	ike_engine_free(n->p[1].e);
	n->p[1].e = ike_engine_new(&tn_ops, &n->p[1], cfg);
	n->drop_all[1] = true;
}

static void half_open_one(struct tn_net *n)
{
	ike_initiate(n->p[0].e, &n->p[0].conn, NULL, NULL);
	tn_run(n);
}

static size_t half_open(const struct ike_engine *e)
{
	size_t half = 0;

	ike_count_sas(e, &half, NULL);
	return half;
}

static uint64_t cookies_sent(const struct ike_engine *e)
{
	struct ike_stats st;

	ike_get_stats(e, &st);
	return st.cookies_sent;
}

static void test_threshold(void)
{
	struct ike_engine_config cfg = { .ddos_threshold = 3 };
	struct tn_net n;

	ddos_net(&n, &cfg);
	CHECK_INT(ike_engine_get_config(n.p[1].e)->ddos_threshold, 3);
	CHECK_INT(ike_engine_get_config(n.p[1].e)->max_halfopen, 50000);   /* the default */
	for (unsigned i = 0; i < 3; i++) {
		CHECK(!ike_cookies_required(n.p[1].e));
		half_open_one(&n);
	}
	CHECK_INT(half_open(n.p[1].e), 3);
	CHECK(ike_cookies_required(n.p[1].e));
	CHECK(ike_accepting_new(n.p[1].e));
	CHECK_INT(cookies_sent(n.p[1].e), 0);
	half_open_one(&n);                       /* answered with a COOKIE, no SA */
	CHECK_INT(cookies_sent(n.p[1].e), 1);
	CHECK_INT(half_open(n.p[1].e), 3);
	/* the half-open SAs go: no more COOKIEs */
	CHECK_INT(ike_terminate(n.p[1].e, &n.p[1].conn, NULL), 3);
	tn_run(&n);
	CHECK_INT(half_open(n.p[1].e), 0);
	CHECK(!ike_cookies_required(n.p[1].e));
	tn_free(&n);
}

static void test_default_threshold(void)
{
	struct tn_net n;

	ddos_net(&n, NULL);
	for (unsigned i = 0; i < 5; i++)
		half_open_one(&n);
	CHECK_INT(half_open(n.p[1].e), 5);
	CHECK(!ike_cookies_required(n.p[1].e));
	CHECK_INT(ike_engine_get_config(n.p[1].e)->ddos_threshold, 25000);
	CHECK_INT(cookies_sent(n.p[1].e), 0);
	tn_free(&n);
}

/* max-halfopen-ike=0 as Libreswan: no new IKE_SA_INIT is taken. */
static void test_halfopen_none(void)
{
	struct ike_engine_config cfg = { .halfopen_none = true };
	struct tn_net n;

	ddos_net(&n, &cfg);
	CHECK(!ike_accepting_new(n.p[1].e));
	half_open_one(&n);
	CHECK_INT(half_open(n.p[1].e), 0);
	CHECK_INT(ike_drop_count(n.p[1].e, DROP_HALF_OPEN), 1);
	tn_free(&n);
}

static void test_halfopen_cap(void)
{
	struct ike_engine_config cfg = { .max_halfopen = 2 };
	struct tn_net n;

	ddos_net(&n, &cfg);
	half_open_one(&n);
	CHECK(ike_accepting_new(n.p[1].e));
	half_open_one(&n);
	CHECK(!ike_accepting_new(n.p[1].e));
	CHECK_INT(ike_drop_count(n.p[1].e, DROP_HALF_OPEN), 0);
	half_open_one(&n);
	half_open_one(&n);
	CHECK_INT(half_open(n.p[1].e), 2);
	CHECK_INT(ike_drop_count(n.p[1].e, DROP_HALF_OPEN), 2);
	CHECK_INT(ike_drop_count(n.p[1].e, DROP_TOO_MANY_SAS), 0);
	CHECK(strcmp(ike_drop_name(DROP_HALF_OPEN), "max-halfopen-ike reached") == 0);
	/* they go: new ones are taken again */
	CHECK_INT(ike_terminate(n.p[1].e, &n.p[1].conn, NULL), 2);
	tn_run(&n);
	CHECK(ike_accepting_new(n.p[1].e));
	/* established IKE SAs are not half-open: a fresh A gets through twice */
	ike_engine_free(n.p[0].e);
	n.p[0].e = ike_engine_new(&tn_ops, &n.p[0], NULL);
	n.drop_all[1] = false;
	tn_up(&n);
	CHECK_INT(n.p[0].status, IKE_RC_OK);
	tn_up(&n);
	CHECK_INT(n.p[0].status, IKE_RC_OK);
	CHECK_INT(half_open(n.p[1].e), 0);
	CHECK(ike_accepting_new(n.p[1].e));
	CHECK_INT(ike_drop_count(n.p[1].e, DROP_HALF_OPEN), 2);
	tn_free(&n);
}

static void test_busy(void)
{
	struct ike_engine_config cfg = { .ddos_busy = true };
	struct tn_net n;

	ddos_net(&n, &cfg);
	CHECK(ike_cookies_required(n.p[1].e));   /* with no SA at all */
	n.drop_all[1] = false;
	tn_up(&n);
	CHECK_INT(n.p[0].status, IKE_RC_OK);
	CHECK_INT(cookies_sent(n.p[1].e), 1);
	CHECK(ike_cookies_required(n.p[1].e));
	tn_free(&n);
}

static void test_unlimited(void)
{
	struct ike_engine_config cfg = { .ddos_unlimited = true, .ddos_threshold = 1 };
	struct tn_net n;

	ddos_net(&n, &cfg);
	for (unsigned i = 0; i < 4; i++)
		half_open_one(&n);
	CHECK_INT(half_open(n.p[1].e), 4);
	CHECK(!ike_cookies_required(n.p[1].e));
	CHECK_INT(cookies_sent(n.p[1].e), 0);
	tn_free(&n);
}

/* The kept counts follow every state change: IKE SA rekeys (whose new SA
 * is a larva, then established) and deletes leave them right (one IKE SA
 * at most: max_ike_sas = 1). */
static void test_count_follows_rekey(void)
{
	struct ike_engine_config cfg = { .ddos_threshold = 1, .max_halfopen = 1, .max_ike_sas = 1 };
	struct tn_net n;
	struct tn_snap s;

	tn_init(&n);
	for (int i = 0; i < 2; i++) {
		ike_engine_free(n.p[i].e);
		n.p[i].e = ike_engine_new(&tn_ops, &n.p[i], &cfg);
	}
	tn_up(&n);                                 /* one COOKIE round trip */
	CHECK_INT(n.p[0].status, IKE_RC_OK);
	for (int i = 0; i < 2; i++) {
		CHECK_INT(half_open(n.p[i].e), 0);
		CHECK(!ike_cookies_required(n.p[i].e));
		CHECK(!ike_accepting_new(n.p[i].e));   /* the one IKE SA */
	}
	s = tn_snap(&n.p[0]);
	CHECK(ike_rekey_ike(n.p[0].e, s.ike[0].serial, NULL));
	tn_run(&n);
	CHECK_INT(tn_snap(&n.p[0]).n_ike, 1);
	CHECK(tn_snap(&n.p[0]).ike[0].serial != s.ike[0].serial);
	for (int i = 0; i < 2; i++) {
		CHECK_INT(half_open(n.p[i].e), 0);
		CHECK(!ike_cookies_required(n.p[i].e));
		CHECK(!ike_accepting_new(n.p[i].e));
	}
	CHECK_INT(ike_terminate(n.p[0].e, &n.p[0].conn, NULL), 1);
	tn_run(&n);
	for (int i = 0; i < 2; i++) {
		CHECK_INT(ike_count_sas(n.p[i].e, NULL, NULL), 0);
		CHECK(!ike_cookies_required(n.p[i].e));
		CHECK(ike_accepting_new(n.p[i].e));
	}
	tn_up(&n);
	CHECK_INT(n.p[0].status, IKE_RC_OK);
	tn_free(&n);
}

int main(void)
{
	log_set_level(getenv("IKE_TEST_LOG") ? LOG_LVL_DEBUG : LOG_LVL_ERROR);
	RUN(test_threshold);
	RUN(test_default_threshold);
	RUN(test_halfopen_cap);
	RUN(test_halfopen_none);
	RUN(test_busy);
	RUN(test_unlimited);
	RUN(test_count_follows_rekey);
	return t_done();
}
