/* Review of issue 13 (a remote peer with one real address): COOKIEs
 * (RFC 7296 §2.6) only prove that the initiator receives at its address;
 * a single host that answers them can still open half-open IKE SAs up to
 * the engine's global max-halfopen-ike, and then no other peer gets in
 * until they time out (60 s), again and again.  The half-open IKE SAs of
 * one source address must be bounded well below the global cap, so that
 * other peers are still taken. */
#include "ike_testlib.h"

/* Runs the network; A's IKE_AUTH requests never reach B (an attacker
 * that completes IKE_SA_INIT, COOKIE round included, and stops there). */
static void run_no_auth(struct tn_net *n)
{
	while (n->n) {
		if (n->q[0].to == 1 && n->q[0].len > 18 && n->q[0].data[18] == IKEV2_EXCH_IKE_AUTH) {
			free(n->q[0].data);
			memmove(&n->q[0], &n->q[1], (n->n - 1) * sizeof(n->q[0]));
			n->n--;
			continue;
		}
		tn_step(n);
	}
}

static size_t half_open(const struct ike_engine *e)
{
	size_t half = 0;

	ike_count_sas(e, &half, NULL);
	return half;
}

static void count_established(void *arg, const struct ike_sa_info *i)
{
	if (i->kind == IKE_KIND_IKE && i->established)
		(*(unsigned *)arg)++;
}

static void test_one_source_cannot_fill_halfopen(void)
{
	struct ike_engine_config cfg = { .max_halfopen = 64, .ddos_threshold = 8 };
	struct tn_net n;
	unsigned est = 0;

	tn_init(&n);
	n.p[0].conn.uniqueids = n.p[1].conn.uniqueids = false;
	ike_engine_free(n.p[1].e);
	n.p[1].e = ike_engine_new(&tn_ops, &n.p[1], &cfg);
	/* 200 IKE_SA_INITs from 192.0.2.1, each answering its COOKIE */
	for (unsigned i = 0; i < 200; i++) {
		ike_initiate(n.p[0].e, &n.p[0].conn, NULL, NULL);
		run_no_auth(&n);
	}
	CHECK(ike_cookies_required(n.p[1].e));
	if (half_open(n.p[1].e) >= cfg.max_halfopen || !ike_accepting_new(n.p[1].e))
		t_fail(__FILE__, __LINE__, "one source address holds %zu half-open IKE SAs (max-halfopen-ike=%u): B takes no one else",
		       half_open(n.p[1].e), cfg.max_halfopen);

	/* another peer (A's packets now come from 203.0.113.1) gets in */
	ike_engine_free(n.p[0].e);
	n.p[0].e = ike_engine_new(&tn_ops, &n.p[0], NULL);
	tn_drop_queue(&n);
	n.nat_a = true;
	tn_up(&n);
	ike_foreach_sa(n.p[0].e, count_established, &est);
	if (est != 1)
		t_fail(__FILE__, __LINE__, "a peer at another address is refused: %zu IKE_SA_INITs dropped at max-halfopen-ike",
		       (size_t)ike_drop_count(n.p[1].e, DROP_HALF_OPEN));
	tn_free(&n);
}

/* Requests forged with a victim's address (their answers never reach it)
 * must not lock the victim out: at most it has to answer a COOKIE. */
static void test_spoofed_victim_gets_in(void)
{
	struct ike_engine_config cfg = { .max_halfopen = 64, .ddos_threshold = 1000 };
	struct tn_net n;
	unsigned est = 0;

	tn_init(&n);
	n.p[0].conn.uniqueids = n.p[1].conn.uniqueids = false;
	ike_engine_free(n.p[1].e);
	n.p[1].e = ike_engine_new(&tn_ops, &n.p[1], &cfg);
	n.drop_all[1] = true;          /* the forger never sees B's answers */
	for (unsigned i = 0; i < 40; i++) {
		ike_initiate(n.p[0].e, &n.p[0].conn, NULL, NULL);
		tn_run(&n);
	}
	n.drop_all[1] = false;
	ike_engine_free(n.p[0].e);     /* the victim, at the same address */
	n.p[0].e = ike_engine_new(&tn_ops, &n.p[0], NULL);
	tn_up(&n);
	ike_foreach_sa(n.p[0].e, count_established, &est);
	CHECK_INT(est, 1);
	CHECK(ike_accepting_new(n.p[1].e));
	tn_free(&n);
}

/* ddos-mode=unlimited: never a COOKIE, so no bound per source either. */
static void test_unlimited_no_cookies(void)
{
	struct ike_engine_config cfg = { .ddos_unlimited = true };
	struct tn_net n;
	struct ike_stats st;

	tn_init(&n);
	n.p[0].conn.uniqueids = n.p[1].conn.uniqueids = false;
	ike_engine_free(n.p[1].e);
	n.p[1].e = ike_engine_new(&tn_ops, &n.p[1], &cfg);
	for (unsigned i = 0; i < 40; i++) {
		ike_initiate(n.p[0].e, &n.p[0].conn, NULL, NULL);
		run_no_auth(&n);
	}
	ike_get_stats(n.p[1].e, &st);
	CHECK_INT(st.cookies_sent, 0);
	CHECK_INT(half_open(n.p[1].e), 40);
	tn_free(&n);
}

int main(void)
{
	log_set_level(getenv("IKE_TEST_LOG") ? LOG_LVL_DEBUG : LOG_LVL_ERROR);
	RUN(test_one_source_cannot_fill_halfopen);
	RUN(test_spoofed_victim_gets_in);
	RUN(test_unlimited_no_cookies);
	return t_done();
}
