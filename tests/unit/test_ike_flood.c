/* Flood resistance of the IKE engine (issue 13): cached responses replayed
 * only for the same request byte for byte, a few times, rate-limited per
 * source; a global budget for fragments of unauthenticated IKE SAs;
 * reassembly per direction; per-IKE-SA limits on Child SAs and rekeys, no
 * Child SA on a rekeyed IKE SA; rotation of the cookie secret.  Two
 * engines in one process (ike_testlib.h). */
#include "ike_testlib.h"

#include "config/proposals.h"
#include "crypto/crypto.h"
#include "ike/sa.h"

static struct ike_sa *sa_of(struct tn_peer *p) { return p->e->sas; }

static struct tn_net *new_net(struct tn_net *n, const struct ike_engine_config *cfg_b)
{
	tn_init(n);
	n->p[0].conn.uniqueids = n->p[1].conn.uniqueids = false;
	if (cfg_b) {
		ike_engine_free(n->p[1].e);
		n->p[1].e = ike_engine_new(&tn_ops, &n->p[1], cfg_b);
	}
	return n;
}

/* Takes the first queued packet out of the network (the caller frees). */
static struct tn_pkt take(struct tn_net *n)
{
	struct tn_pkt q = n->q[0];

	memmove(&n->q[0], &n->q[1], (n->n - 1) * sizeof(n->q[0]));
	n->n--;
	return q;
}

static void deliver(struct tn_net *n, const struct tn_pkt *q, const uint8_t *data, size_t len)
{
	ike_recv(n->p[q->to].e, data, len, &q->dst, &q->src);
}

/* ---- a. amplification ---- */

/* B answered one IKE_SA_INIT request; the answer was lost.  A bare header
 * with the same SPIi, or any other bytes, gets nothing; the same request
 * gets the cached answer, at most IKE_REPLAY_MAX times. */
static void test_init_replay(void)
{
	struct tn_net n;
	struct tn_pkt req;
	uint8_t bare[IKE_HDR_LEN];
	unsigned sent;

	new_net(&n, NULL);
	ike_initiate(n.p[0].e, &n.p[0].conn, NULL, NULL);
	CHECK_INT(n.n, 1);
	req = take(&n);
	deliver(&n, &req, req.data, req.len);
	CHECK_INT(n.sent[1], 1);           /* the response */
	tn_drop_queue(&n);                 /* lost */

	/* the 28-byte header of the amplification: no answer */
	memcpy(bare, req.data, IKE_HDR_LEN);
	bare[16] = IKEV2_PL_NONE;
	put_be32(bare + 24, IKE_HDR_LEN);
	sent = n.sent[1];
	for (int i = 0; i < 50; i++)
		deliver(&n, &req, bare, sizeof(bare));
	CHECK_INT(n.sent[1], sent);
	CHECK_INT(ike_drop_count(n.p[1].e, DROP_REPLAY_MISMATCH), 50);
	/* the request with one byte changed: no answer */
	req.data[req.len - 1] ^= 1;
	deliver(&n, &req, req.data, req.len);
	req.data[req.len - 1] ^= 1;
	CHECK_INT(n.sent[1], sent);
	CHECK_INT(ike_drop_count(n.p[1].e, DROP_REPLAY_MISMATCH), 51);
	/* the real retransmission: answered, a few times only */
	deliver(&n, &req, req.data, req.len);
	CHECK_INT(n.sent[1], sent + 1);
	for (int i = 0; i < 20; i++) {
		n.now += 1000;             /* not the rate limit: the per-SA one */
		deliver(&n, &req, req.data, req.len);
	}
	CHECK_INT(n.sent[1], sent + IKE_REPLAY_MAX);
	CHECK_INT(ike_drop_count(n.p[1].e, DROP_REPLAY_LIMIT), 21 - IKE_REPLAY_MAX);
	free(req.data);
	tn_drop_queue(&n);
	tn_free(&n);
}

/* Many half-open SAs from one source: their replays together stay within
 * IKE_REPLAY_PER_SOURCE a second. */
static void test_replay_rate_per_source(void)
{
	enum { SAS = 10 };
	struct tn_net n;
	struct tn_pkt req[SAS];
	unsigned sent;

	new_net(&n, NULL);
	ike_initiate(n.p[0].e, &n.p[0].conn, NULL, NULL);
	CHECK_INT(n.n, 1);
	req[0] = take(&n);
	for (int i = 0; i < SAS; i++) {
		/* the same request with other SPIs: another half-open SA each */
		if (i) {
			req[i] = req[0];
			req[i].data = malloc(req[0].len);
			memcpy(req[i].data, req[0].data, req[0].len);
			req[i].data[0] ^= (uint8_t)i;
		}
		deliver(&n, &req[i], req[i].data, req[i].len);
	}
	tn_drop_queue(&n);
	CHECK_INT(n.sent[1], SAS);
	sent = n.sent[1];
	for (int k = 0; k < 3; k++)
		for (int i = 0; i < SAS; i++)
			deliver(&n, &req[i], req[i].data, req[i].len);
	CHECK_INT(n.sent[1] - sent, IKE_REPLAY_PER_SOURCE);
	CHECK_INT(ike_drop_count(n.p[1].e, DROP_REPLAY_RATE), 3 * SAS - IKE_REPLAY_PER_SOURCE);
	/* a second later the source has a new budget */
	n.now += 1000;
	sent = n.sent[1];
	deliver(&n, &req[0], req[0].data, req[0].len);
	CHECK_INT(n.sent[1], sent + 1);
	for (int i = 0; i < SAS; i++)
		free(req[i].data);
	tn_drop_queue(&n);
	tn_free(&n);
}

/* An encrypted request answered already: the same bytes get the cached
 * answer, other bytes with its message ID get nothing. */
static void test_encrypted_replay(void)
{
	struct tn_net n;
	struct tn_pkt req;
	unsigned sent;

	new_net(&n, NULL);
	tn_up(&n);
	CHECK(tn_established_pair(&n));
	CHECK(ike_liveness(n.p[0].e, sa_of(&n.p[0])->serial));
	CHECK_INT(n.n, 1);
	req = take(&n);
	deliver(&n, &req, req.data, req.len);
	sent = n.sent[1];
	tn_run(&n);
	CHECK(!sa_of(&n.p[0])->out.active);
	/* a forged request with the answered message ID and SPIs */
	req.data[req.len - 1] ^= 0x40;
	deliver(&n, &req, req.data, req.len);
	CHECK_INT(n.sent[1], sent);
	CHECK_INT(ike_drop_count(n.p[1].e, DROP_REPLAY_MISMATCH), 1);
	req.data[req.len - 1] ^= 0x40;
	/* the real retransmission */
	for (int i = 0; i < 12; i++) {
		n.now += 1000;
		deliver(&n, &req, req.data, req.len);
	}
	CHECK_INT(n.sent[1], sent + IKE_REPLAY_MAX);
	CHECK_INT(ike_drop_count(n.p[1].e, DROP_REPLAY_LIMIT), 12 - IKE_REPLAY_MAX);
	free(req.data);
	tn_drop_queue(&n);
	tn_free(&n);
}

/* ---- b. cookies and the half-open cap under a flood ---- */

/* Forged IKE_SA_INIT requests from 500 addresses: half-open SAs stop at
 * the cookie threshold (an O(1) count on the receive path), the rest get
 * a COOKIE and leave nothing behind; a real peer that answers its COOKIE
 * gets in during the flood; cookies stop when the flood's SAs went. */
static void test_forged_flood(void)
{
	struct ike_engine_config cfg = { .ddos_threshold = 5, .max_halfopen = 8 };
	struct tn_net n;
	struct tn_pkt req;
	struct ike_endpoint src;
	struct ike_stats st;
	size_t half = 0;

	new_net(&n, &cfg);
	ike_initiate(n.p[0].e, &n.p[0].conn, NULL, NULL);
	req = take(&n);
	tn_drop_queue(&n);
	n.drop_all[1] = true;                /* answers to forged sources go nowhere */
	for (unsigned i = 0; i < 500; i++) {
		src = req.src;
		src.addr.a[2] = (uint8_t)(i >> 8);   /* 192.0.x.y */
		src.addr.a[3] = (uint8_t)i;
		req.data[0] = (uint8_t)i;            /* and another SPIi */
		req.data[1] = (uint8_t)(i >> 8);
		ike_recv(n.p[1].e, req.data, req.len, &req.dst, &src);
	}
	free(req.data);
	ike_count_sas(n.p[1].e, &half, NULL);
	CHECK_INT(half, 5);
	ike_get_stats(n.p[1].e, &st);
	CHECK_INT(st.cookies_sent, 495);
	CHECK(ike_cookies_required(n.p[1].e));
	/* the real peer answers its COOKIE: taken (below the cap) */
	n.drop_all[1] = false;
	tn_run(&n);
	ike_engine_free(n.p[0].e);
	n.p[0].e = ike_engine_new(&tn_ops, &n.p[0], NULL);
	tn_up(&n);
	CHECK_INT(n.p[0].status, IKE_RC_OK);
	ike_count_sas(n.p[1].e, &half, NULL);
	CHECK_INT(half, 5);
	/* the flood's half-open SAs time out: no more COOKIEs */
	n.drop_all[0] = true;
	tn_advance_to(&n, n.now + 61000);
	ike_count_sas(n.p[1].e, &half, NULL);
	CHECK_INT(half, 0);
	CHECK(!ike_cookies_required(n.p[1].e));
	tn_free(&n);
}

/* ---- c. fragments ---- */

/* IKE_AUTH over 1232 bytes (fragments): IPv6, many ESP proposals and
 * traffic selectors (as test_ike_engine's test_fragmentation). */
static void big_auth(struct tn_net *n)
{
	const char *esp = "aes256-sha2_512+sha2_384+sha2_256,aes128-sha2_512+sha2_384+sha2_256,"
			  "aes_gcm256,aes_gcm128,chacha20_poly1305,aes256-sha2_256,aes128-sha2_256,"
			  "aes256-sha2_384,aes128-sha2_384,aes256-sha2_512,aes128-sha2_512,"
			  "aes_gcm256,aes_gcm128,aes256-sha2_256,aes128-sha2_256,aes256-sha2_512";
	const char *why;
	bool hb;

	CHECK(proposals_parse_shared(PROP_ESP, esp, &n->p[0].conn.esp, &why));
	for (int i = 0; i < 2; i++) {
		struct ike_conn *c = &n->p[i].conn;

		addr_parse(i ? "2001:db8::2" : "2001:db8::1", &c->local.addr);
		addr_parse(i ? "2001:db8::1" : "2001:db8::2", &c->remote.addr);
		subnet_parse(i ? "2001:db8:2::/48" : "2001:db8:1::/48", &c->local.subnets[0], &hb);
		subnet_parse(i ? "2001:db8:1::/48" : "2001:db8:2::/48", &c->remote.subnets[0], &hb);
		n->p[i].ep.addr = c->local.addr;
	}
	subnet_parse("2001:db8:1::/40", &n->p[1].conn.remote.subnets[0], &hb);
	for (int i = 1; i < 8; i++) {
		char s[32];

		snprintf(s, sizeof(s), "2001:db8:1:%d::/64", i);
		subnet_parse(s, &n->p[0].conn.local.subnets[i], &hb);
	}
	n->p[0].conn.local.n_subnets = 8;
	n->p[0].conn.narrowing = n->p[1].conn.narrowing = true;
}

/* B keeps IKE_AUTH fragments of half-open SAs within one budget for all:
 * the fragment that would go over it is dropped and counted; the bytes come
 * back when the SA is established or goes, and the peer's retransmission
 * then gets in. */
static void test_frag_budget(void)
{
	struct ike_engine_config cfg = { .frag_unauth_budget = 1500 };
	struct tn_net n;
	unsigned nfrag;
	struct tn_pkt f;

	new_net(&n, &cfg);
	big_auth(&n);
	ike_initiate(n.p[0].e, &n.p[0].conn, NULL, NULL);
	ike_initiate(n.p[0].e, &n.p[0].conn, NULL, NULL);
	CHECK_INT(n.n, 2);
	tn_step(&n);                       /* IKE_SA_INIT requests */
	tn_step(&n);
	tn_step(&n);                       /* their responses: A sends IKE_AUTH twice */
	tn_step(&n);
	nfrag = n.n / 2;                   /* the fragments of #1, then of #2 */
	CHECK(nfrag >= 2 && n.n == 2 * nfrag);
	tn_step(&n);                       /* #1 fragment 1: stored */
	CHECK(n.p[1].e->frag_unauth_bytes > 0 && n.p[1].e->frag_unauth_bytes <= 1500);
	CHECK_INT(ike_drop_count(n.p[1].e, DROP_FRAG_BUDGET), 0);
	f = n.q[nfrag - 1];                /* #2 fragment 1: over the budget */
	memmove(&n.q[nfrag - 1], &n.q[nfrag], (n.n - nfrag) * sizeof(n.q[0]));
	n.n--;
	deliver(&n, &f, f.data, f.len);
	free(f.data);
	CHECK_INT(ike_drop_count(n.p[1].e, DROP_FRAG_BUDGET), 1);
	for (unsigned i = 1; i < nfrag; i++)
		tn_step(&n);                /* the rest of #1: established */
	CHECK_INT(n.p[1].e->frag_unauth_bytes, 0);
	tn_drop_queue(&n);                 /* #2's other fragments and #1's answer */
	CHECK_INT(tn_snap(&n.p[1]).n_ike, 2);
	/* #2 retransmits: within the budget now */
	tn_advance_to(&n, n.now + 1000);
	tn_run(&n);
	CHECK_INT(n.p[0].e->stats.established_ike, 2);   /* #1's answer replayed too */
	CHECK_INT(n.p[1].e->stats.established_ike, 2);
	CHECK_INT(n.p[1].e->frag_unauth_bytes, 0);
	/* a half-open SA that goes gives its bytes back */
	ike_engine_free(n.p[0].e);
	n.p[0].e = ike_engine_new(&tn_ops, &n.p[0], NULL);
	ike_initiate(n.p[0].e, &n.p[0].conn, NULL, NULL);
	tn_step(&n);
	tn_step(&n);
	tn_step(&n);                       /* fragment 1 */
	CHECK(n.p[1].e->frag_unauth_bytes > 0);
	tn_drop_queue(&n);
	n.drop_all[0] = true;
	tn_advance_to(&n, n.now + 61000);
	CHECK_INT(n.p[1].e->frag_unauth_bytes, 0);
	tn_free(&n);

	/* with the default budget it is established */
	new_net(&n, NULL);
	big_auth(&n);
	tn_up(&n);
	CHECK_INT(n.p[0].status, IKE_RC_OK);
	CHECK(n.p[1].e->stats.fragments_rx >= 2);
	CHECK_INT(n.p[1].e->frag_unauth_bytes, 0);
	CHECK_INT(ike_drop_count(n.p[1].e, DROP_FRAG_BUDGET), 0);
	tn_free(&n);
}

static void fill_big(struct ikeb *b)
{
	uint8_t v[200];

	memset(v, 0x5a, sizeof(v));
	for (int i = 0; i < 12; i++)
		ikeb_vendor(b, v, sizeof(v));
}

/* A fragmented INFORMATIONAL from peer `from`'s IKE SA: a request with
 * message ID msgid, or a response to the other side's request msgid. */
static void send_big(struct tn_net *n, int from, bool response, uint32_t msgid)
{
	struct ike_sa *sa = sa_of(&n->p[from]);
	struct msg_build *mb = malloc(sizeof(*mb));
	struct pktset ps = { 0 };

	mb_begin(mb, sa, IKEV2_EXCH_INFORMATIONAL, response, msgid, true);
	fill_big(&mb->b);
	CHECK(mb_finish(mb, &ps));
	CHECK(ps.n >= 2);
	msg_transmit(sa, &ps);
	pktset_clear(&ps);
	free(mb);
}

/* A reassembles the peer's request with a higher message ID, then the
 * fragmented response to its own request with a lower one: both arrive
 * (one reassembly state per direction). */
static void test_frag_both_directions(void)
{
	struct tn_net n;
	struct ike_sa *a, *b;
	uint64_t frag_drops;
	uint32_t mine;

	new_net(&n, NULL);
	tn_up(&n);
	a = sa_of(&n.p[0]);
	b = sa_of(&n.p[1]);
	CHECK(a->frag_ok && b->frag_ok);
	for (int i = 0; i < 4; i++) {      /* B's message IDs above A's */
		CHECK(ike_liveness(n.p[1].e, b->serial));
		tn_run(&n);
	}
	CHECK(b->next_msgid > a->next_msgid);
	CHECK(ike_liveness(n.p[0].e, a->serial));
	mine = a->out.msgid;
	tn_drop_queue(&n);                 /* B never sees it: A waits */
	/* B's big request reaches A and is answered */
	send_big(&n, 1, false, b->next_msgid);
	b->next_msgid++;
	n.drop_all[0] = true;
	tn_run(&n);
	n.drop_all[0] = false;
	CHECK_INT(a->peer_msgid, b->next_msgid);
	/* B's big response to A's request */
	frag_drops = ike_drop_count(n.p[0].e, DROP_FRAGMENT);
	send_big(&n, 1, true, mine);
	tn_run(&n);
	CHECK_INT(ike_drop_count(n.p[0].e, DROP_FRAGMENT), frag_drops);
	CHECK(!a->out.active);             /* the exchange completed */
	tn_free(&n);
}

/* ---- d. Child SA and rekey limits ---- */

/* Rekey the Child SA `serial` of A; the Delete of the old one is lost (and
 * A's window reopened), so B keeps both. */
static void rekey_keep_old(struct tn_net *n, struct ike_sa *a, struct ike_sa *b, struct child_sa *old)
{
	CHECK(child_send_rekey(a, old));
	tn_step(n);                        /* B answers */
	n->drop_all[0] = true;
	tn_step(n);                        /* A takes the answer, its Delete is lost */
	n->drop_all[0] = false;
	msg_request_done(a);
	a->next_msgid = b->peer_msgid;
}

static struct child_sa *a_child(struct ike_sa *a, unsigned skip)
{
	for (struct child_sa *c = a->children; c; c = c->next)
		if (c->state == CHILD_S_ESTABLISHED && !c->rekeying && skip-- == 0)
			return c;
	return NULL;
}

static unsigned children(const struct ike_sa *sa)
{
	unsigned k = 0;

	for (const struct child_sa *c = sa->children; c; c = c->next)
		k++;
	return k;
}

static void test_child_limits(void)
{
	struct ike_engine_config cfg = { .max_child_sas = 3, .max_rekeys_in_flight = 1 };
	struct tn_net n;
	struct ike_sa *a, *b;
	struct child_sa *c;
	unsigned serial;

	new_net(&n, &cfg);
	tn_up(&n);
	a = sa_of(&n.p[0]);
	b = sa_of(&n.p[1]);
	for (int i = 0; i < 5; i++) {
		CHECK(ike_create_child(n.p[0].e, a->serial));
		tn_run(&n);
	}
	CHECK_INT(children(b), 3);
	CHECK_INT(ike_drop_count(n.p[1].e, DROP_NO_ADDITIONAL_SAS), 3);   /* 1 + 5 asked, 3 allowed */
	/* one rekey in flight: the second gets TEMPORARY_FAILURE */
	c = a_child(a, 0);
	serial = c->serial;
	rekey_keep_old(&n, a, b, c);
	CHECK_INT(children(b), 4);
	CHECK_INT(ike_drop_count(n.p[1].e, DROP_REKEY_LIMIT), 0);
	CHECK(child_send_rekey(a, a_child(a, 1)));
	tn_run(&n);
	CHECK_INT(ike_drop_count(n.p[1].e, DROP_REKEY_LIMIT), 1);
	CHECK_INT(children(b), 4);
	/* the same Child SA rekeyed again */
	msg_request_done(a);
	c = child_by_serial(n.p[0].e, serial);
	CHECK(c != NULL);
	if (!c)
		goto out;
	CHECK(child_send_rekey(a, c));
	tn_run(&n);
	CHECK_INT(ike_drop_count(n.p[1].e, DROP_REKEY_LIMIT), 2);
	CHECK_INT(children(b), 4);
out:
	tn_free(&n);
}

/* With the defaults: 500 CREATE_CHILD_SA requests leave IKE_MAX_CHILD_SAS. */
static void test_child_flood(void)
{
	struct tn_net n;
	struct ike_sa *a;

	new_net(&n, NULL);
	tn_up(&n);
	a = sa_of(&n.p[0]);
	for (int i = 0; i < 500; i++) {
		ike_create_child(n.p[0].e, a->serial);
		tn_run(&n);
	}
	CHECK_INT(children(sa_of(&n.p[1])), IKE_MAX_CHILD_SAS);
	CHECK_INT(ike_drop_count(n.p[1].e, DROP_NO_ADDITIONAL_SAS), 501 - IKE_MAX_CHILD_SAS);
	tn_free(&n);
}

/* A rekeyed IKE SA takes no new Child SA and no second rekey. */
static void test_rekeyed_ike_sa(void)
{
	struct tn_net n;
	struct ike_sa *a, *b;
	unsigned old_a, old_b;

	new_net(&n, NULL);
	tn_up(&n);
	a = sa_of(&n.p[0]);
	b = sa_of(&n.p[1]);
	old_a = a->serial;
	old_b = b->serial;
	CHECK(ike_rekey_ike(n.p[0].e, a->serial, NULL));
	tn_step(&n);                       /* B answers: #old_b rekeyed */
	n.drop_all[0] = true;
	tn_step(&n);                       /* A's Delete of the old one is lost */
	n.drop_all[0] = false;
	a = ike_sa_by_serial(n.p[0].e, old_a);
	b = ike_sa_by_serial(n.p[1].e, old_b);
	CHECK(a && b && b->rekeyed);
	if (!a || !b)
		goto out;
	msg_request_done(a);
	a->next_msgid = b->peer_msgid;
	a->state = IKE_S_ESTABLISHED;      /* as if it had not sent its Delete: it takes answers */
	CHECK_INT(tn_snap(&n.p[1]).n_ike, 2);
	/* a new Child SA over the old IKE SA */
	CHECK(child_send_new(a));
	tn_run(&n);
	CHECK_INT(ike_drop_count(n.p[1].e, DROP_REKEYED_IKE_SA), 1);
	CHECK_INT(children(b), 0);
	CHECK(a->ccs.kind == CCS_NONE && !a->out.active);   /* A took the TEMPORARY_FAILURE */
	/* and another rekey of it */
	a->rekeyed = false;
	CHECK(child_send_rekey_ike(a));
	tn_run(&n);
	CHECK_INT(ike_drop_count(n.p[1].e, DROP_REKEYED_IKE_SA), 2);
	CHECK_INT(tn_snap(&n.p[1]).n_ike, 2);
out:
	tn_free(&n);
}

/* ---- e. cookie secret rotation ---- */

static void test_cookie_rotation(void)
{
	struct ike_engine_config cfg = { .ddos_busy = true };
	struct tn_net n;
	struct ike_engine *e;
	struct tn_pkt held;
	uint64_t t0;

	new_net(&n, &cfg);
	e = n.p[1].e;
	CHECK_INT(ike_next_deadline(e), UINT64_MAX);   /* no cookie yet: no timer */
	t0 = n.now;
	/* a COOKIE made just before the rotation is still taken in the grace */
	ike_initiate(n.p[0].e, &n.p[0].conn, NULL, NULL);
	tn_step(&n);                       /* B: COOKIE */
	tn_step(&n);                       /* A: the request with it */
	CHECK_INT(n.n, 1);
	held = take(&n);
	CHECK_INT(ike_next_deadline(e), t0 + IKE_COOKIE_ROTATE_MS);
	n.now = t0 + IKE_COOKIE_ROTATE_MS;
	ike_tick(e);
	CHECK_INT(e->stats.cookie_rotations, 1);
	CHECK_INT(ike_next_deadline(e), n.now + IKE_COOKIE_GRACE_MS);
	deliver(&n, &held, held.data, held.len);
	free(held.data);
	CHECK_INT(ike_drop_count(e, DROP_BAD_COOKIE), 0);
	CHECK_INT(tn_snap(&n.p[1]).n_ike, 1);
	tn_drop_queue(&n);
	/* one made before a rotation and sent after the grace: refused */
	ike_initiate(n.p[0].e, &n.p[0].conn, NULL, NULL);
	tn_step(&n);
	tn_step(&n);
	held = take(&n);
	n.now = e->cookie_rotate_at;
	ike_tick(e);
	CHECK_INT(e->stats.cookie_rotations, 2);
	n.now += IKE_COOKIE_GRACE_MS;
	ike_tick(e);
	CHECK(!e->cookie.have_prev);
	deliver(&n, &held, held.data, held.len);
	free(held.data);
	CHECK_INT(ike_drop_count(e, DROP_BAD_COOKIE), 1);
	/* unused since: no rotation, no timer */
	tn_drop_queue(&n);
	n.drop_all[0] = n.drop_all[1] = true;
	tn_advance_to(&n, n.now + 10 * IKE_COOKIE_ROTATE_MS);
	CHECK(e->stats.cookie_rotations <= 3);
	CHECK_INT(ike_next_deadline(e), UINT64_MAX);
	/* and a fresh peer gets in with the current secret */
	n.drop_all[0] = n.drop_all[1] = false;
	ike_engine_free(n.p[0].e);
	n.p[0].e = ike_engine_new(&tn_ops, &n.p[0], NULL);
	tn_up(&n);
	CHECK_INT(n.p[0].status, IKE_RC_OK);
	tn_free(&n);
}

/* ---- the SA table's indexes ---- */

/* The naive reference: the first SA of the list that ike_sa_find_init
 * means. */
static struct ike_sa *naive_find_init(struct ike_engine *e, uint64_t spi_i, const struct ike_endpoint *r)
{
	for (struct ike_sa *sa = e->sas; sa; sa = sa->next)
		if (sa->spi_i == spi_i && !sa->initiator && addr_eq(&sa->remote.addr, &r->addr) &&
		    sa->state != IKE_S_DEAD)
			return sa;
	return NULL;
}

/* 400 half-open SAs from forged sources: the hashed lookups agree with a
 * walk of the list for each of them, for their SPIs with another address,
 * and after half of them went; a forged request answered with a COOKIE
 * costs no walk of the SAs for the next deadline. */
static void test_table_index(void)
{
	enum { SAS = 400 };
	struct ike_engine_config cfg = { .ddos_threshold = SAS };
	struct tn_net n;
	struct tn_pkt req;
	struct ike_endpoint src[SAS];
	uint64_t spi[SAS];
	struct ike_engine *e;
	unsigned bad = 0;
	uint64_t before;
	size_t half = 0;

	tn_init(&n);
	ike_engine_free(n.p[1].e);
	e = n.p[1].e = ike_engine_new(&tn_ops, &n.p[1], &cfg);
	ike_initiate(n.p[0].e, &n.p[0].conn, NULL, NULL);
	req = take(&n);
	n.drop_all[1] = true;
	for (unsigned i = 0; i < SAS; i++) {
		src[i] = req.src;
		src[i].addr.a[2] = (uint8_t)(i >> 8);
		src[i].addr.a[3] = (uint8_t)i;
		req.data[0] = (uint8_t)i;
		req.data[1] = (uint8_t)(i >> 8);
		spi[i] = get_be32(req.data) * 0x100000000ull + get_be32(req.data + 4);
		ike_recv(e, req.data, req.len, &req.dst, &src[i]);
	}
	ike_count_sas(e, &half, NULL);
	CHECK_INT(half, SAS);
	for (unsigned i = 0; i < SAS; i++) {
		struct ike_sa *sa = ike_sa_find_init(e, spi[i], &src[i]);
		struct ike_endpoint other = src[(i + 1) % SAS];

		bad += !sa || sa != naive_find_init(e, spi[i], &src[i]) || sa->spi_i != spi[i];
		bad += ike_sa_find_init(e, spi[i], &other) != NULL;
		bad += sa && ike_sa_by_serial(e, sa->serial) != sa;
		bad += sa && ike_sa_find(e, spi[i], sa->spi_r) != sa;
	}
	CHECK_INT(bad, 0);
	/* every other one goes */
	for (unsigned i = 0; i < SAS; i += 2)
		ike_sa_destroy(ike_sa_find_init(e, spi[i], &src[i]), "test");
	for (unsigned i = 0; i < SAS; i++) {
		struct ike_sa *sa = ike_sa_find_init(e, spi[i], &src[i]);

		bad += (i % 2 == 0) != (sa == NULL) || sa != naive_find_init(e, spi[i], &src[i]);
	}
	CHECK_INT(bad, 0);
	/* cookies now: a forged request costs no deadline walk */
	e->cfg.ddos_busy = true;
	req.data[0] ^= 0xff;
	ike_recv(e, req.data, req.len, &req.dst, &src[1]);   /* arms the cookie rotation */
	before = e->stats.deadline_walks;
	for (unsigned i = 0; i < 100; i++) {
		req.data[2] = (uint8_t)i;
		ike_recv(e, req.data, req.len, &req.dst, &src[3]);
	}
	CHECK_INT(e->stats.deadline_walks, before);
	CHECK_INT(e->stats.cookies_sent, 101);
	/* the 200 left expire in one tick, each deadline computed once (each
	 * destroy used to walk all the others for the next deadline) */
	n.drop_all[0] = true;
	n.now += 61000;
	before = e->stats.deadline_evals;
	ike_tick(e);
	ike_count_sas(e, &half, NULL);
	CHECK_INT(half, 0);
	CHECK(e->stats.deadline_evals - before <= SAS);   /* 200 due: 200, not 20100 */
	free(req.data);
	tn_free(&n);
}

int main(void)
{
	log_set_level(getenv("IKE_TEST_LOG") ? LOG_LVL_DEBUG : LOG_LVL_ERROR);
	RUN(test_init_replay);
	RUN(test_replay_rate_per_source);
	RUN(test_encrypted_replay);
	RUN(test_forged_flood);
	RUN(test_frag_budget);
	RUN(test_frag_both_directions);
	RUN(test_child_limits);
	RUN(test_child_flood);
	RUN(test_rekeyed_ike_sa);
	RUN(test_cookie_rotation);
	RUN(test_table_index);
	return t_done();
}
