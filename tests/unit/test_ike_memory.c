/* What an IKE SA keeps once established (issue 13, memory per SA): the DH
 * private value, the IKE_SA_INIT messages and SK_pi/SK_pr go at
 * establishment, the nonces are kept to their size; a retransmitted
 * IKE_AUTH request still gets the cached answer, rekeys and deletes work.
 * Two engines in one process (ike_testlib.h). */
#include "ike_testlib.h"

#include "ike/sa.h"

/* 1 when sa holds nothing it sheds at establishment, 0 when it holds all
 * of it, -1 for a mix.  (The DH key pair is not counted: its job made and
 * used it, a half-open responder SA no longer holds one.) */
static int shed(const struct ike_sa *sa)
{
	int gone = !sa->init_req + !sa->init_resp + !sa->keys.sk_pi + !sa->keys.sk_pr;

	return gone == 4 ? 1 : gone == 0 ? 0 : -1;
}

static bool keys_kept(const struct ike_sa *sa)
{
	return sa->keys.sk_d && sa->keys.sk_ei && sa->keys.sk_er && sa->ni && sa->nr &&
	       sa->ni_len == IKE_NONCE_LEN && sa->nr_len == IKE_NONCE_LEN;
}

/* The responder sheds at IKE_AUTH; its response is lost; the initiator's
 * retransmitted request gets the cached response, byte for byte. */
static void test_shed_then_replay(void)
{
	struct tn_net n;
	struct ike_stats st;
	struct ike_sa *a, *b;
	struct ike_sink s;

	tn_init(&n);
	s = tn_sink(&n.p[0]);
	ike_initiate(n.p[0].e, &n.p[0].conn, NULL, &s);
	tn_step(&n);               /* IKE_SA_INIT request to B */
	b = n.p[1].e->sas;
	CHECK(b && b->state == IKE_S_INIT_R);
	if (!b)
		goto out;
	CHECK_INT(shed(b), 0);     /* half-open: everything AUTH needs is there */
	tn_step(&n);               /* response to A; A sends IKE_AUTH */
	a = n.p[0].e->sas;
	CHECK(a && a->state == IKE_S_AUTH_I && a->init_req && a->init_resp && a->keys.sk_pi && !a->dh);
	tn_step(&n);               /* IKE_AUTH to B: established on B */
	CHECK(b->state == IKE_S_ESTABLISHED);
	CHECK_INT(shed(b), 1);
	CHECK(keys_kept(b));
	{
		/* the peer's ID, allocated to its length, reads back whole */
		struct cy_id id;
		char buf[ID_STRLEN];

		ike_sa_remote_id(b, &id);
		CHECK(id.kind == ID_FQDN && id_eq(&id, b->remote_id));
		CHECK_STR(id_fmt(b->remote_id, buf), "@west.example");
	}
	CHECK(b->cache.valid && b->cache.pkts.n == 1);
	tn_drop_queue(&n);         /* B's IKE_AUTH response lost */
	tn_advance_to(&n, n.now + 500);
	CHECK_INT(n.p[0].status, IKE_RC_OK);
	ike_get_stats(n.p[1].e, &st);
	CHECK_INT(st.cached_replays, 1);
	CHECK(tn_established_pair(&n));
	CHECK(tn_children_agree(&n));
	CHECK_INT(n.p[1].n_child_installed, 1);
	a = n.p[0].e->sas;
	CHECK(a && a->state == IKE_S_ESTABLISHED && shed(a) == 1 && keys_kept(a));
out:
	tn_free(&n);
}

/* After shedding: an IKE SA rekey from either side (the new SA sheds too),
 * a Child SA rekey, a liveness check and a delete. */
static void test_shed_then_rekey_dpd_delete(void)
{
	struct tn_net n;
	struct tn_snap a0;
	unsigned up;

	tn_init(&n);
	tn_up(&n);
	CHECK(tn_established_pair(&n));
	for (int side = 0; side < 2; side++) {
		a0 = tn_snap(&n.p[side]);
		CHECK(ike_rekey_ike(n.p[side].e, a0.ike[0].serial, NULL));
		tn_run(&n);
		CHECK(tn_established_pair(&n));
		CHECK(tn_snap(&n.p[side]).ike[0].serial != a0.ike[0].serial);
		for (int i = 0; i < 2; i++) {
			struct ike_sa *sa = n.p[i].e->sas;

			CHECK(sa && !sa->next && sa->state == IKE_S_ESTABLISHED && shed(sa) == 1);
			CHECK(sa && sa->ni && sa->nr && sa->ni_len == IKE_NONCE_LEN && sa->nr_len == IKE_NONCE_LEN);
		}
	}
	a0 = tn_snap(&n.p[0]);
	CHECK(ike_rekey_child(n.p[0].e, a0.child[0].serial, NULL));
	tn_run(&n);
	CHECK(tn_children_agree(&n));
	CHECK(tn_snap(&n.p[0]).child[0].spi_in != a0.child[0].spi_in);
	CHECK(ike_liveness(n.p[1].e, tn_snap(&n.p[1]).ike[0].serial));
	CHECK_INT(n.n, 1);
	tn_run(&n);
	CHECK(tn_established_pair(&n));
	up = n.p[1].n_ike_down;
	CHECK(ike_terminate(n.p[0].e, &n.p[0].conn, NULL) == 1);
	tn_run(&n);
	CHECK_INT(tn_live(&n.p[0]), 0);
	CHECK_INT(tn_live(&n.p[1]), 0);
	CHECK_INT(n.p[1].n_ike_down, up + 1);
	tn_free(&n);
}

/* child_set_ts: both sides in one allocation of their size, replaced,
 * cleared; a Child SA without selectors reads n = 0, never NULL. */
static void test_child_ts(void)
{
	struct tn_net n;
	struct ike_ts_payload l = { .n = 2 }, r = { .n = 1 }, big = { .n = IKE_TS_MAX + 1 };
	struct child_sa *c;

	tn_init(&n);
	tn_up(&n);
	c = n.p[1].e->sas ? n.p[1].e->sas->children : NULL;
	CHECK(c && c->ts_l->n == 1 && c->ts_r->n == 1);
	if (!c)
		goto out;
	l.ts[0].sport = 1, l.ts[1].sport = 2, r.ts[0].sport = 3;
	CHECK(child_set_ts(c, &l, &r));
	CHECK(c->ts_l->n == 2 && c->ts_l->ts[1].sport == 2 && c->ts_r->n == 1 && c->ts_r->ts[0].sport == 3);
	CHECK((const uint8_t *)c->ts_r == (const uint8_t *)c->ts_l + offsetof(struct ike_ts_payload, ts) +
						  2 * sizeof(struct ike_ts));
	CHECK(!child_set_ts(c, &big, &r));
	CHECK(c->ts_l && c->ts_r && c->ts_l->n == 0 && c->ts_r->n == 0);
	CHECK(child_set_ts(c, NULL, NULL) && c->ts_l->n == 0);
	CHECK(child_set_ts(c, &r, &l) && c->ts_l->n == 1 && c->ts_r->n == 2);
out:
	tn_free(&n);   /* frees c's selectors (LeakSanitizer in make asan) */
}

/* Inbound SPIs are unique in the engine: a drawn SPI that a live Child SA
 * has is drawn again (100,000 random SPIs collide about once; the
 * dataplane refused the second Child SA with EEXIST). */
static void test_spi_unique(void)
{
	static const uint32_t spis[] = { 0x1234, 0x1234, 0x1234, 0x5678 };
	struct tn_net n;
	struct child_sa *c1, *c2;
	struct ike_sa *b;

	tn_init(&n);
	tn_up(&n);
	b = n.p[1].e->sas;
	c1 = b ? b->children : NULL;
	CHECK(c1 != NULL);
	if (!c1)
		goto out;
	n.p[1].e->test_spis = spis;
	n.p[1].e->n_test_spis = 4;
	CHECK_INT(child_spi_alloc(c1), 0x1234);
	c2 = child_sa_new(b);
	CHECK(c2 && child_spi_alloc(c2) == 0x5678);      /* 0x1234 twice refused */
	CHECK_INT(n.p[1].e->n_test_spis, 0);
	child_sa_free(c2);
	/* the SPI of a Child SA gone is free again */
	n.p[1].e->test_spis = spis;
	n.p[1].e->n_test_spis = 1;
	c2 = child_sa_new(b);
	child_sa_free(c1);
	CHECK(c2 && child_spi_alloc(c2) == 0x1234);
	child_sa_free(c2);
out:
	tn_free(&n);
}

/* nonce_store: exact copies, random ones, refused lengths. */
static void test_nonce_store(void)
{
	uint8_t *p = NULL, big[IKE_NONCE_MAX + 1] = { 1, 2, 3 };
	size_t len = 7;

	CHECK(nonce_store(&p, &len, big, 3) && len == 3 && p && p[2] == 3);
	CHECK(nonce_store(&p, &len, NULL, IKE_NONCE_MAX) && len == IKE_NONCE_MAX && p);
	CHECK(!nonce_store(&p, &len, big, IKE_NONCE_MAX + 1) && !p && len == 0);
	CHECK(!nonce_store(&p, &len, big, 0) && !p && len == 0);
	free(p);
}

int main(void)
{
	RUN(test_shed_then_replay);
	RUN(test_shed_then_rekey_dpd_delete);
	RUN(test_child_ts);
	RUN(test_spi_unique);
	RUN(test_nonce_store);
	return t_done();
}
