/* Review of issue 13 (an authenticated attacker): a peer that rekeys its
 * IKE SA (RFC 7296 §2.18) and never deletes the old one.  Each rekey
 * leaves the rekeyed IKE SA alive on the responder until its lifetime
 * (ikelifetime, hours), so one peer can hold any number of IKE SAs and
 * reach the engine's global cap (max_ike_sas), locking every other peer
 * out.  The responder must bound the IKE SAs one peer keeps this way. */
#include "ike_testlib.h"

static void count_ike(void *arg, const struct ike_sa_info *i)
{
	if (i->kind == IKE_KIND_IKE)
		(*(unsigned *)arg)++;
}

static unsigned n_ike(const struct tn_peer *p)
{
	unsigned k = 0;

	ike_foreach_sa(p->e, count_ike, &k);
	return k;
}

/* Runs the network, but A's INFORMATIONAL requests on the IKE SA with
 * SPIi `lost` never reach B (a peer that never deletes its old IKE SA). */
static void run_losing(struct tn_net *n, uint64_t lost)
{
	while (n->n) {
		uint64_t spi = 0;

		for (int i = 0; i < 8 && n->q[0].len >= 8; i++)
			spi = spi << 8 | n->q[0].data[i];
		if (n->q[0].to == 1 && spi == lost && n->q[0].len > 18 && n->q[0].data[18] == IKEV2_EXCH_INFORMATIONAL) {
			free(n->q[0].data);
			memmove(&n->q[0], &n->q[1], (n->n - 1) * sizeof(n->q[0]));
			n->n--;
			continue;
		}
		tn_step(n);
	}
}

static void advance_losing(struct tn_net *n, uint64_t until, uint64_t lost)
{
	run_losing(n, lost);
	for (unsigned guard = 0; guard < 100000; guard++) {
		uint64_t d = tn_deadline(n);

		if (d > until)
			break;
		if (d > n->now)
			n->now = d;
		ike_tick(n->p[0].e);
		ike_tick(n->p[1].e);
		run_losing(n, lost);
	}
	if (n->now < until)
		n->now = until;
}

struct newest { unsigned serial; uint64_t spi_i; };

static void newest_visit(void *arg, const struct ike_sa_info *i)
{
	struct newest *w = arg;

	if (i->kind == IKE_KIND_IKE && i->established && i->serial > w->serial) {
		w->serial = i->serial;
		w->spi_i = i->spi_i;
	}
}

/* A rekeys its newest IKE SA; the old one's delete (and everything else
 * A sends on it) is lost for good; A gives up on the old SA itself.  With
 * `deletes`, the delete goes through (a well-behaved peer).  A's old
 * IKE SA is given up on A after its retransmissions. */
static void rekey_round(struct tn_net *n, bool deletes)
{
	struct newest w = { 0, 0 };

	ike_foreach_sa(n->p[0].e, newest_visit, &w);
	CHECK(ike_rekey_ike(n->p[0].e, w.serial, NULL));
	advance_losing(n, n->now + 5 * 60 * 1000, deletes ? 1 : w.spi_i);
}

static void test_rekey_chain_bounded(void)
{
	struct tn_net n;
	unsigned rounds = 40, after;
	struct ike_stats st;

	tn_init(&n);
	for (int i = 0; i < 2; i++)
		n.p[i].conn.ike_lifetime_ms = 8ull * 3600 * 1000;
	tn_up(&n);
	CHECK(tn_established_pair(&n));
	for (unsigned r = 0; r < rounds; r++)
		rekey_round(&n, false);
	after = n_ike(&n.p[1]);
	/* B keeps the newest IKE SA plus a bounded number of rekeyed ones
	 * the peer has not deleted yet: not one per rekey */
	if (after > 9)
		t_fail(__FILE__, __LINE__, "B holds %u IKE SAs after %u rekeys without deletes", after, rounds);
	/* and the peer still has a working IKE SA */
	CHECK(n_ike(&n.p[0]) >= 1);
	/* B deleted the old IKE SAs the peer left over: its rekeys got through */
	ike_get_stats(n.p[1].e, &st);
	if (st.established_ike < 1 + rounds / 2)
		t_fail(__FILE__, __LINE__, "B: %llu IKE SAs established in %u rekey rounds",
		       (unsigned long long)st.established_ike, rounds);
	tn_free(&n);
}

/* A peer that deletes its old IKE SAs rekeys as often as it likes. */
static void test_rekey_with_deletes(void)
{
	struct tn_net n;

	tn_init(&n);
	tn_up(&n);
	for (unsigned r = 0; r < 10; r++)
		rekey_round(&n, true);
	CHECK_INT(n_ike(&n.p[0]), 1);
	CHECK_INT(n_ike(&n.p[1]), 1);
	CHECK(tn_established_pair(&n));
	CHECK_INT(ike_drop_count(n.p[1].e, DROP_IKE_REKEY_UNDELETED), 0);
	tn_free(&n);
}

int main(void)
{
	log_set_level(getenv("IKE_TEST_LOG") ? LOG_LVL_DEBUG : LOG_LVL_ERROR);
	RUN(test_rekey_chain_bounded);
	RUN(test_rekey_with_deletes);
	return t_done();
}
