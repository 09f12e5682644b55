/* CREATE_CHILD_SA: new Child SAs, Child SA rekey (with and without PFS),
 * IKE SA rekey (§2.18) from either side, lifetime-driven rekeys, and
 * rekey collisions resolved by nonces.  Two engines in one process. */
#include "ike_testlib.h"

#include "config/proposals.h"

static unsigned child_serial(struct tn_peer *p)
{
	struct tn_snap s = tn_snap(p);

	return s.n_child ? s.child[0].serial : 0;
}

static void check_after_child_rekey(struct tn_net *n, uint32_t old_a_in, const char *label)
{
	struct tn_snap a = tn_snap(&n->p[0]), b = tn_snap(&n->p[1]);

	if (tn_live(&n->p[0]) != 1 || tn_live(&n->p[1]) != 1 || a.n_child != 1 || b.n_child != 1)
		t_fail(__FILE__, __LINE__, "%s: live %u/%u children %u/%u", label, tn_live(&n->p[0]),
		       tn_live(&n->p[1]), a.n_child, b.n_child);
	if (!tn_children_agree(n))
		t_fail(__FILE__, __LINE__, "%s: children disagree", label);
	if (a.n_child && a.child[0].spi_in == old_a_in)
		t_fail(__FILE__, __LINE__, "%s: SPI unchanged", label);
	if (n->p[0].n_child_deleted != 1 || n->p[1].n_child_deleted != 1)
		t_fail(__FILE__, __LINE__, "%s: deleted %u/%u", label, n->p[0].n_child_deleted,
		       n->p[1].n_child_deleted);
}

static void test_child_rekey(void)
{
	for (int side = 0; side < 2; side++) {
		for (int pfs = 0; pfs < 2; pfs++) {
			struct tn_net n;
			uint32_t old;
			char label[64];

			snprintf(label, sizeof(label), "side %d pfs %d", side, pfs);
			tn_init(&n);
			n.p[0].conn.pfs = n.p[1].conn.pfs = pfs;
			tn_up(&n);
			old = tn_snap(&n.p[0]).child[0].spi_in;
			CHECK(ike_rekey_child(n.p[side].e, child_serial(&n.p[side]), NULL));
			tn_run(&n);
			check_after_child_rekey(&n, old, label);
			if (tn_live(&n.p[0]) == 1) {
				const struct tn_child *c = NULL;

				for (unsigned i = 0; i < TN_MAX_CHILD; i++)
					if (n.p[0].child[i].live)
						c = &n.p[0].child[i];
				if (c->dh != (pfs ? IKEV2_DH_MODP2048 : 0))
					t_fail(__FILE__, __LINE__, "%s: child dh %u", label, c->dh);
			}
			CHECK(tn_established_pair(&n));
			tn_free(&n);
		}
	}
}

static void test_ike_rekey(void)
{
	for (int side = 0; side < 2; side++) {
		struct tn_net n;
		struct tn_snap a0, a, b;

		tn_init(&n);
		tn_up(&n);
		a0 = tn_snap(&n.p[0]);
		CHECK(ike_rekey_ike(n.p[side].e, tn_snap(&n.p[side]).ike[0].serial, NULL));
		tn_run(&n);
		a = tn_snap(&n.p[0]);
		b = tn_snap(&n.p[1]);
		CHECK_INT(a.n_ike, 1);
		CHECK_INT(b.n_ike, 1);
		CHECK(tn_established_pair(&n));
		CHECK(a.ike[0].spi_i != a0.ike[0].spi_i && a.ike[0].spi_r != a0.ike[0].spi_r);
		CHECK(a.ike[0].serial != a0.ike[0].serial);
		/* the Child SA moved, untouched */
		CHECK_INT(a.n_child, 1);
		CHECK_INT(b.n_child, 1);
		CHECK_INT(a.child[0].spi_in, a0.child[0].spi_in);
		CHECK_INT(n.p[0].n_child_deleted + n.p[1].n_child_deleted, 0);
		CHECK(tn_children_agree(&n));
		/* the new IKE SA works: its SK_d derives a Child rekey both agree on */
		CHECK(ike_rekey_child(n.p[0].e, a.child[0].serial, NULL));
		tn_run(&n);
		check_after_child_rekey(&n, a0.child[0].spi_in, side ? "after B's IKE rekey" : "after A's IKE rekey");
		/* and a delete over it removes everything */
		ike_terminate(n.p[!side].e, &n.p[!side].conn, NULL);
		tn_run(&n);
		CHECK_INT(tn_snap(&n.p[0]).n_ike + tn_snap(&n.p[1]).n_ike, 0);
		tn_free(&n);
	}
}

static void test_child_invalid_ke_retry(void)
{
	struct tn_net n;
	const char *why;
	uint32_t old;

	/* A's PFS offer starts with ECP_256, B takes only MODP2048 */
	tn_init(&n);
	CHECK(proposals_parse_shared(PROP_ESP, "aes_gcm256;ecp256+modp2048", &n.p[0].conn.esp, &why));
	CHECK(proposals_parse_shared(PROP_ESP, "aes_gcm256;modp2048", &n.p[1].conn.esp, &why));
	tn_up(&n);
	CHECK_INT(n.p[0].status, IKE_RC_OK);
	old = tn_snap(&n.p[0]).child[0].spi_in;
	CHECK(ike_rekey_child(n.p[0].e, child_serial(&n.p[0]), NULL));
	tn_run(&n);
	check_after_child_rekey(&n, old, "INVALID_KE retry");
	{
		struct ike_stats st;

		ike_get_stats(n.p[1].e, &st);
		CHECK_INT(st.invalid_ke_sent, 1);
	}
	{
		const struct tn_child *c = NULL;

		for (unsigned i = 0; i < TN_MAX_CHILD; i++)
			if (n.p[1].child[i].live)
				c = &n.p[1].child[i];
		CHECK(c && c->dh == IKEV2_DH_MODP2048);
	}
	tn_free(&n);
}

static void test_ike_rekey_twice_then_dh_change(void)
{
	struct tn_net n;
	const char *why;

	tn_init(&n);
	for (int i = 0; i < 2; i++)
		CHECK(proposals_parse_shared(PROP_IKE, "aes_gcm256-sha2_384-curve25519", &n.p[i].conn.ike, &why));
	tn_up(&n);
	for (int k = 0; k < 2; k++) {
		CHECK(ike_rekey_ike(n.p[k].e, tn_snap(&n.p[k]).ike[0].serial, NULL));
		tn_run(&n);
		CHECK(tn_established_pair(&n));
	}
	CHECK_INT(tn_snap(&n.p[0]).ike[0].dh, IKEV2_DH_CURVE25519);
	CHECK(tn_children_agree(&n));
	tn_free(&n);
}

static void test_child_rekey_collision(void)
{
	struct tn_net n;
	uint32_t old;

	tn_init(&n);
	tn_up(&n);
	old = tn_snap(&n.p[0]).child[0].spi_in;
	CHECK(ike_rekey_child(n.p[0].e, child_serial(&n.p[0]), NULL));
	CHECK(ike_rekey_child(n.p[1].e, child_serial(&n.p[1]), NULL));
	CHECK_INT(n.n, 2);    /* both requests in flight */
	tn_run(&n);
	/* both complete (§2.8.1); the redundant one and the old one go:
	 * one pair left (details: test_ike_collide.c) */
	CHECK_INT(n.p[0].n_child_installed + n.p[1].n_child_installed, 6);
	CHECK_INT(n.p[0].n_child_deleted, 2);
	CHECK_INT(n.p[1].n_child_deleted, 2);
	CHECK_INT(tn_live(&n.p[0]), 1);
	CHECK_INT(tn_live(&n.p[1]), 1);
	CHECK(tn_children_agree(&n));
	CHECK(tn_snap(&n.p[0]).child[0].spi_in != old);
	CHECK(tn_established_pair(&n));
	tn_free(&n);
}

static void test_ike_rekey_collision(void)
{
	struct tn_net n;
	struct tn_snap a0;

	tn_init(&n);
	tn_up(&n);
	a0 = tn_snap(&n.p[0]);
	CHECK(ike_rekey_ike(n.p[0].e, a0.ike[0].serial, NULL));
	CHECK(ike_rekey_ike(n.p[1].e, tn_snap(&n.p[1]).ike[0].serial, NULL));
	CHECK_INT(n.n, 2);
	tn_run(&n);
	CHECK_INT(tn_snap(&n.p[0]).n_ike, 1);
	CHECK_INT(tn_snap(&n.p[1]).n_ike, 1);
	CHECK(tn_established_pair(&n));
	CHECK(tn_snap(&n.p[0]).ike[0].spi_i != a0.ike[0].spi_i);
	CHECK(tn_children_agree(&n));
	CHECK_INT(tn_snap(&n.p[0]).n_child, 1);
	tn_free(&n);
}

static void test_lifetime_rekeys(void)
{
	struct tn_net n;
	struct tn_snap a0, a;

	tn_init(&n);
	for (int i = 0; i < 2; i++) {
		n.p[i].conn.ipsec_lifetime_ms = 600 * 1000;
		n.p[i].conn.ike_lifetime_ms = 3600 * 1000;
		n.p[i].conn.rekey_margin_ms = 60 * 1000;
		n.p[i].conn.rekey_fuzz_pct = 0;
	}
	tn_up(&n);
	a0 = tn_snap(&n.p[0]);
	CHECK_INT(a0.child[0].rekey_at_ms, n.now + 540 * 1000);
	tn_advance_to(&n, n.now + 541 * 1000);     /* Child SA rekey by A */
	a = tn_snap(&n.p[0]);
	CHECK_INT(a.n_child, 1);
	CHECK(a.child[0].spi_in != a0.child[0].spi_in);
	CHECK(tn_children_agree(&n));
	CHECK(a0.ike[0].rekey_at_ms != 0);
	tn_advance_to(&n, a0.ike[0].rekey_at_ms + 1000);   /* IKE SA rekey by A */
	a = tn_snap(&n.p[0]);
	CHECK_INT(a.n_ike, 1);
	CHECK(a.ike[0].spi_i != a0.ike[0].spi_i);
	CHECK(tn_established_pair(&n));
	CHECK(tn_children_agree(&n));
	tn_free(&n);
}

static void test_two_children_rekey_together(void)
{
	struct tn_net n;
	struct tn_snap a0, a;

	tn_init(&n);
	for (int i = 0; i < 2; i++) {
		n.p[i].conn.ipsec_lifetime_ms = 600 * 1000;
		n.p[i].conn.rekey_margin_ms = 60 * 1000;
		n.p[i].conn.rekey_fuzz_pct = 0;
	}
	tn_up(&n);
	tn_up(&n);   /* a second Child SA, same instant */
	a0 = tn_snap(&n.p[0]);
	CHECK_INT(a0.n_child, 2);
	CHECK_INT(a0.child[0].rekey_at_ms, a0.child[1].rekey_at_ms);
	tn_advance_to(&n, n.now + 541 * 1000);
	a = tn_snap(&n.p[0]);
	CHECK_INT(a.n_child, 2);
	CHECK_INT(tn_live(&n.p[0]), 2);
	CHECK_INT(tn_live(&n.p[1]), 2);
	for (unsigned i = 0; i < a.n_child; i++)
		CHECK(a.child[i].spi_in != a0.child[0].spi_in && a.child[i].spi_in != a0.child[1].spi_in);
	CHECK(tn_children_agree(&n));
	CHECK_INT(n.p[0].n_child_deleted, 2);
	tn_free(&n);
}

/* rekeyfuzz (as Libreswan): the initiator rekeys at lifetime - margin -
 * random(0 .. margin * fuzz%); 0% is exactly lifetime - margin.  The
 * responder keeps its lifetime - margin/2 fallback. */
static void test_rekeyfuzz(void)
{
	static const unsigned fuzz[] = { 0, 50, 100, 300 };

	for (unsigned f = 0; f < sizeof(fuzz) / sizeof(fuzz[0]); f++) {
		uint64_t lo = 540000 - 60000ULL * fuzz[f] / 100, first = 0;
		bool varied = false;

		for (int k = 0; k < 8; k++) {
			struct tn_net n;
			struct tn_snap a, b;
			uint64_t c_at, i_at;

			tn_init(&n);
			for (int i = 0; i < 2; i++) {
				n.p[i].conn.ipsec_lifetime_ms = n.p[i].conn.ike_lifetime_ms = 600 * 1000;
				n.p[i].conn.rekey_margin_ms = 60 * 1000;
				n.p[i].conn.rekey_fuzz_pct = fuzz[f];
			}
			tn_up(&n);
			a = tn_snap(&n.p[0]);
			b = tn_snap(&n.p[1]);
			c_at = a.child[0].rekey_at_ms - n.now;
			i_at = a.ike[0].rekey_at_ms - n.now;
			if (c_at < lo || c_at > 540000 || i_at < lo || i_at > 540000)
				t_fail(__FILE__, __LINE__, "fuzz %u%%: child %llu ike %llu not in [%llu, 540000]",
				       fuzz[f], (unsigned long long)c_at, (unsigned long long)i_at,
				       (unsigned long long)lo);
			CHECK_INT(b.child[0].rekey_at_ms - n.now, 570000);
			if (k == 0)
				first = c_at;
			varied |= c_at != first || i_at != first;
			tn_free(&n);
		}
		CHECK_INT(varied, fuzz[f] != 0);
	}
}

static void test_responder_expiry_without_rekey(void)
{
	struct tn_net n;

	/* rekey=no on A: nobody rekeys; the Child SA expires and is deleted */
	tn_init(&n);
	for (int i = 0; i < 2; i++) {
		n.p[i].conn.rekey = false;
		n.p[i].conn.ipsec_lifetime_ms = 60 * 1000;
	}
	tn_up(&n);
	tn_advance_to(&n, n.now + 61 * 1000);
	CHECK_INT(tn_live(&n.p[0]) + tn_live(&n.p[1]), 0);
	CHECK(tn_established_pair(&n));
	tn_free(&n);
}

int main(void)
{
	log_set_level(getenv("IKE_TEST_LOG") ? LOG_LVL_DEBUG : LOG_LVL_ERROR);
	RUN(test_child_rekey);
	RUN(test_ike_rekey);
	RUN(test_child_invalid_ke_retry);
	RUN(test_ike_rekey_twice_then_dh_change);
	RUN(test_child_rekey_collision);
	RUN(test_ike_rekey_collision);
	RUN(test_lifetime_rekeys);
	RUN(test_two_children_rekey_together);
	RUN(test_rekeyfuzz);
	RUN(test_responder_expiry_without_rekey);
	return t_done();
}
