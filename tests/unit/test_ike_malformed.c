/* The malformed-message suite of issue 4 §1, one case per class of
 * Libreswan's advisories: truncated packets, missing payloads, a proposal
 * without DH, zero/out-of-range KE values, malformed TS, INFORMATIONAL
 * before IKE_AUTH, bad rekey protocol ids, fragment reassembly abuse, plus
 * byte-flip corruption.  After each, the responder must still be up with
 * its SAs intact (a liveness exchange and a Child rekey still work). */
#include "ike_testlib.h"

#include "config/proposals.h"
#include "crypto/crypto.h"
#include "ike/sa.h"

static struct ike_sa *sa_of(struct tn_peer *p) { return p->e->sas; }

/* B established with A, children agree, and A's liveness probe answered. */
static bool intact(struct tn_net *n, const char *label)
{
	struct tn_snap b = tn_snap(&n->p[1]);
	struct ike_sa *a = sa_of(&n->p[0]);
	bool ok;

	ok = b.n_ike == 1 && b.ike[0].established && b.n_child >= 1 && tn_children_agree(n);
	if (ok) {
		ok = ike_liveness(n->p[0].e, a->serial);
		tn_run(n);
		ok = ok && !a->out.active && tn_established_pair(n);
	}
	if (!ok)
		t_fail(__FILE__, __LINE__, "%s: SAs not intact", label);
	return ok;
}

/* An encrypted request from A's IKE SA with the payloads fill() writes,
 * sent with the message ID B expects; A's own window is not touched. */
typedef void (*fill_fn)(struct ikeb *b, struct ike_sa *sa, const void *arg);

static void inject(struct tn_net *n, uint8_t exch, uint32_t msgid, fill_fn fill, const void *arg)
{
	struct ike_sa *a = sa_of(&n->p[0]);
	struct msg_build *mb = malloc(sizeof(*mb));
	struct pktset ps = { 0 };

	mb_begin(mb, a, exch, false, msgid, true);
	fill(&mb->b, a, arg);
	if (!mb_finish(mb, &ps))
		t_fail(__FILE__, __LINE__, "cannot build injected message");
	msg_transmit(a, &ps);
	pktset_clear(&ps);
	free(mb);
}

/* Inject over the established pair and resynchronise A's message IDs. */
static void inject_est(struct tn_net *n, uint8_t exch, fill_fn fill, const void *arg)
{
	struct ike_sa *a = sa_of(&n->p[0]), *b = sa_of(&n->p[1]);

	inject(n, exch, a->next_msgid, fill, arg);
	tn_run(n);
	a->next_msgid = b->peer_msgid;
}

static void setup(struct tn_net *n)
{
	tn_init(n);
	tn_up(n);
	if (!tn_established_pair(n))
		t_fail(__FILE__, __LINE__, "setup failed");
}

/* ---- truncated packets ---- */

static void test_truncated(void)
{
	struct tn_net n;
	struct tn_pkt q;

	/* every prefix of an IKE_SA_INIT request */
	tn_init(&n);
	{
		struct ike_sink s = tn_sink(&n.p[0]);

		ike_initiate(n.p[0].e, &n.p[0].conn, NULL, &s);
	}
	CHECK_INT(n.n, 1);
	q = n.q[0];
	for (size_t len = 0; len < q.len; len++)
		ike_recv(n.p[1].e, q.data, len, &q.dst, &q.src);
	CHECK_INT(tn_snap(&n.p[1]).n_ike, 0);
	CHECK(ike_drop_count(n.p[1].e, DROP_MALFORMED_HEADER) >= q.len - 1);
	tn_run(&n);   /* the real one still works */
	CHECK_INT(n.p[0].status, IKE_RC_OK);

	/* every prefix of an encrypted INFORMATIONAL */
	ike_liveness(n.p[0].e, sa_of(&n.p[0])->serial);
	CHECK_INT(n.n, 1);
	q = n.q[0];
	for (size_t len = 0; len < q.len; len++)
		ike_recv(n.p[1].e, q.data, len, &q.dst, &q.src);
	tn_run(&n);
	CHECK(!sa_of(&n.p[0])->out.active);
	intact(&n, "truncated");
	tn_free(&n);
}

/* ---- hand-built IKE_SA_INIT requests ---- */

struct init_opts {
	bool no_ke, no_nonce, no_dh_in_sa;
	uint16_t ke_group;
	const uint8_t *ke;
	size_t ke_len;
};

/* Builds an IKE_SA_INIT request and delivers it to B; returns the notify
 * type of B's answer (0 = none, 1 = a full response). */
static unsigned init_request(struct tn_net *n, const struct init_opts *o)
{
	struct ike_hdr h = { .major = 2, .exch = IKEV2_EXCH_IKE_SA_INIT, .flags = IKE_FLAG_I };
	struct proposal_list pl;
	struct ike_sa_payload sap;
	uint8_t buf[4096], nonce[32];
	const struct alg_desc *alg = dh_alg_get(IKEV2_DH_MODP2048);
	struct dh *dh = dh_new(alg);
	const uint8_t *pub;
	size_t publen, len;
	struct ikeb b;
	unsigned r = 0;
	struct ike_endpoint src = n->p[0].ep, dst = n->p[1].ep;

	crypto_random_ike_spi((uint8_t *)&h.spi_i);
	crypto_random(nonce, sizeof(nonce));
	pub = dh_public(dh, &publen);
	proposals_parse(PROP_IKE, "aes256-sha2_256-modp2048", &pl, &(const char *){ NULL });
	if (o->no_dh_in_sa)
		pl.p[0].n_dh = 0;
	prop_build_sa(&pl, PROP_IKE, true, IKE_ESN_EITHER, 0, 0, 0, &sap);
	ikeb_begin(&b, buf, sizeof(buf), &h);
	ikeb_sa(&b, &sap);
	if (!o->no_ke)
		ikeb_ke(&b, o->ke ? o->ke_group : IKEV2_DH_MODP2048, o->ke ? o->ke : pub, o->ke ? o->ke_len : publen);
	if (!o->no_nonce)
		ikeb_nonce(&b, nonce, sizeof(nonce));
	len = ikeb_finish(&b);
	dh_free(dh);
	tn_drop_queue(n);
	ike_recv(n->p[1].e, buf, len, &dst, &src);
	if (n->n == 1) {
		struct ike_msg m;
		struct ike_notify nt;

		if (ike_msg_decode(n->q[0].data, n->q[0].len, &m) == WIRE_OK) {
			if (ike_chain_find(&m.outer, IKEV2_PL_SA, NULL))
				r = 1;
			else if (chain_notify(&m.outer, v2N_NO_PROPOSAL_CHOSEN, &nt) ||
				 chain_notify(&m.outer, v2N_INVALID_KE_PAYLOAD, &nt) ||
				 chain_notify(&m.outer, v2N_INVALID_SYNTAX, &nt))
				r = nt.type;
		}
	}
	tn_drop_queue(n);
	return r;
}

static void test_missing_payloads(void)
{
	struct tn_net n;

	setup(&n);
	CHECK_INT(init_request(&n, &(struct init_opts){ .no_ke = true }), 0);
	CHECK_INT(init_request(&n, &(struct init_opts){ .no_nonce = true }), 0);
	CHECK(ike_drop_count(n.p[1].e, DROP_PAYLOAD_RULES) >= 2);
	CHECK_INT(init_request(&n, &(struct init_opts){ 0 }), 1);   /* control: a good one is answered */
	CHECK_INT(tn_snap(&n.p[1]).n_ike, 2);
	tn_free(&n);

	setup(&n);
	intact(&n, "missing payloads");
	tn_free(&n);
}

static void test_proposal_without_dh(void)
{
	struct tn_net n;

	setup(&n);
	CHECK_INT(init_request(&n, &(struct init_opts){ .no_dh_in_sa = true }), v2N_NO_PROPOSAL_CHOSEN);
	CHECK_INT(tn_snap(&n.p[1]).n_ike, 1);
	intact(&n, "proposal without DH");
	tn_free(&n);
}

/* RFC 3526 §3: the 2048-bit MODP group's prime */
static const char modp2048_p[] =
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
	"EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
	"83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
	"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
	"15728E5A8AACAA68FFFFFFFFFFFFFFFF";

static void test_bad_ke_values(void)
{
	static uint8_t zero[256], ones[256], one[256], p[256], pm1[256], nocurve[64];
	struct tn_net n;
	const struct {
		const char *label;
		uint16_t group;
		const uint8_t *v;
		size_t len;
		unsigned want;
	} rows[] = {
		{ "MODP2048 zero", IKEV2_DH_MODP2048, zero, 256, v2N_INVALID_SYNTAX },
		{ "MODP2048 one", IKEV2_DH_MODP2048, one, 256, v2N_INVALID_SYNTAX },
		{ "MODP2048 p-1", IKEV2_DH_MODP2048, pm1, 256, v2N_INVALID_SYNTAX },
		{ "MODP2048 p", IKEV2_DH_MODP2048, p, 256, v2N_INVALID_SYNTAX },
		{ "MODP2048 all ones (> p)", IKEV2_DH_MODP2048, ones, 256, v2N_INVALID_SYNTAX },
		{ "MODP2048 short", IKEV2_DH_MODP2048, ones, 255, v2N_INVALID_SYNTAX },
		{ "MODP2048 empty-ish", IKEV2_DH_MODP2048, ones, 1, v2N_INVALID_SYNTAX },
		{ "group out of range", 9999, ones, 64, v2N_INVALID_KE_PAYLOAD },
		{ "group none", 0, ones, 8, v2N_INVALID_KE_PAYLOAD },
		{ "ECP256 not configured", IKEV2_DH_ECP_256, nocurve, 64, v2N_INVALID_KE_PAYLOAD },
	};

	memset(ones, 0xff, sizeof(ones));
	one[255] = 1;
	CHECK_INT(t_unhex(modp2048_p, p, sizeof(p)), 256);
	memcpy(pm1, p, sizeof(p));
	pm1[255] = 0xfe;
	memset(nocurve, 1, sizeof(nocurve));
	setup(&n);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		unsigned got = init_request(&n, &(struct init_opts){ .ke_group = rows[i].group, .ke = rows[i].v,
								      .ke_len = rows[i].len });

		if (got != rows[i].want)
			t_fail(__FILE__, __LINE__, "%s: answer %u, want %u", rows[i].label, got, rows[i].want);
	}
	CHECK_INT(ike_drop_count(n.p[1].e, DROP_BAD_KE), 7);
	CHECK_INT(tn_snap(&n.p[1]).n_ike, 1);   /* only the established one */
	intact(&n, "bad KE");
	tn_free(&n);
}

static void test_bad_ke_curves(void)
{
	static uint8_t nocurve[64], zero32[32];
	struct tn_net n;
	const char *why;
	const struct {
		const char *ike;
		uint16_t group;
		const uint8_t *v;
		size_t len;
	} rows[] = {
		{ "aes256-sha2_256-ecp256", IKEV2_DH_ECP_256, nocurve, 64 },   /* not on the curve */
		{ "aes256-sha2_256-ecp256", IKEV2_DH_ECP_256, zero32, 32 },    /* wrong length */
		{ "aes256-sha2_256-curve25519", IKEV2_DH_CURVE25519, zero32, 32 },  /* all-zero shared secret */
	};

	memset(nocurve, 1, sizeof(nocurve));
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct ike_sa_payload sap;
		struct proposal_list pl;
		struct ike_hdr h = { .major = 2, .exch = IKEV2_EXCH_IKE_SA_INIT, .flags = IKE_FLAG_I };
		uint8_t buf[2048], nonce[32] = { 1 };
		struct ikeb b;
		size_t len;

		tn_init(&n);
		CHECK(proposals_parse_shared(PROP_IKE, rows[i].ike, &n.p[1].conn.ike, &why));
		CHECK(proposals_parse(PROP_IKE, rows[i].ike, &pl, &why));
		prop_build_sa(&pl, PROP_IKE, true, IKE_ESN_EITHER, 0, 0, 0, &sap);
		h.spi_i = 0x0102030405060708ull;
		ikeb_begin(&b, buf, sizeof(buf), &h);
		ikeb_sa(&b, &sap);
		ikeb_ke(&b, rows[i].group, rows[i].v, rows[i].len);
		ikeb_nonce(&b, nonce, sizeof(nonce));
		len = ikeb_finish(&b);
		ike_recv(n.p[1].e, buf, len, &n.p[1].ep, &n.p[0].ep);
		if (tn_snap(&n.p[1]).n_ike != 0)
			t_fail(__FILE__, __LINE__, "row %zu (%s): SA kept", i, rows[i].ike);
		if (ike_drop_count(n.p[1].e, DROP_BAD_KE) != 1)
			t_fail(__FILE__, __LINE__, "row %zu: BAD_KE drops %llu", i,
			       (unsigned long long)ike_drop_count(n.p[1].e, DROP_BAD_KE));
		tn_free(&n);
	}
}

/* ---- malformed TS, bad rekey protocol ids (CREATE_CHILD_SA) ---- */

struct ccs_opts {
	const uint8_t *tsi_raw;
	size_t tsi_len;
	int rekey_proto;          /* -1: none */
	uint32_t rekey_spi;
	uint8_t rekey_spi_size;
	bool sa_ah;
};

static void fill_ccs(struct ikeb *b, struct ike_sa *sa, const void *arg)
{
	const struct ccs_opts *o = arg;
	struct ike_sa_payload sap;
	struct ike_ts_payload ts;
	uint8_t nonce[32] = { 7 }, spi[4];

	if (o->rekey_proto >= 0) {
		put_be32(spi, o->rekey_spi);
		ikeb_notify(b, (uint8_t)o->rekey_proto, spi, o->rekey_spi_size, v2N_REKEY_SA, NULL, 0);
	}
	prop_build_sa(sa->conn->esp, PROP_ESP, false, IKE_ESN_EITHER, 0x12345678, 0, 0, &sap);
	if (o->sa_ah)
		for (unsigned i = 0; i < sap.n_prop; i++)
			sap.prop[i].proto = IKEV2_PROTO_AH;
	ikeb_sa(b, &sap);
	ikeb_nonce(b, nonce, sizeof(nonce));
	ts_from_end(&sa->conn->local, &sa->local, &ts);
	if (o->tsi_raw)
		ikeb_raw(b, IKEV2_PL_TSi, false, o->tsi_raw, o->tsi_len);
	else
		ikeb_ts(b, IKEV2_PL_TSi, &ts);
	ts_from_end(&sa->conn->remote, &sa->remote, &ts);
	ikeb_ts(b, IKEV2_PL_TSr, &ts);
}

static void test_malformed_ts(void)
{
	/* count 1; type 7, proto 0, len 16, ports 0-65535, start 10.1.0.9 > end 10.1.0.1 */
	static const uint8_t start_gt_end[] = { 1, 0, 0, 0, 7, 0, 0, 16, 0, 0, 0xff, 0xff,
						10, 1, 0, 9, 10, 1, 0, 1 };
	static const uint8_t bad_type[] = { 1, 0, 0, 0, 99, 0, 0, 16, 0, 0, 0xff, 0xff,
					    10, 1, 0, 0, 10, 1, 0, 255 };
	static const uint8_t count_zero[] = { 0, 0, 0, 0 };
	static const uint8_t truncated[] = { 2, 0, 0, 0, 7, 0, 0, 16, 0, 0, 0xff, 0xff, 10, 1, 0, 0 };
	const struct { const char *label; const uint8_t *p; size_t len; } rows[] = {
		{ "start > end", start_gt_end, sizeof(start_gt_end) },
		{ "bad type", bad_type, sizeof(bad_type) },
		{ "count zero", count_zero, sizeof(count_zero) },
		{ "truncated", truncated, sizeof(truncated) },
	};
	struct tn_net n;

	setup(&n);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct ccs_opts o = { .tsi_raw = rows[i].p, .tsi_len = rows[i].len, .rekey_proto = -1 };

		inject_est(&n, IKEV2_EXCH_CREATE_CHILD_SA, fill_ccs, &o);
		if (tn_live(&n.p[1]) != 1)
			t_fail(__FILE__, __LINE__, "%s: B has %u children", rows[i].label, tn_live(&n.p[1]));
	}
	CHECK(ike_drop_count(n.p[1].e, DROP_MALFORMED_PAYLOAD) >= 4);
	intact(&n, "malformed TS");
	tn_free(&n);
}

static void test_bad_rekey_protocol(void)
{
	struct tn_net n;
	const struct { const char *label; struct ccs_opts o; } rows[] = {
		{ "REKEY_SA proto IKE", { .rekey_proto = IKEV2_PROTO_IKE, .rekey_spi_size = 4 } },
		{ "REKEY_SA proto 0", { .rekey_proto = 0, .rekey_spi_size = 4 } },
		{ "REKEY_SA proto 200", { .rekey_proto = 200, .rekey_spi_size = 4 } },
		{ "REKEY_SA AH unknown SPI", { .rekey_proto = IKEV2_PROTO_AH, .rekey_spi = 0xdead, .rekey_spi_size = 4 } },
		{ "REKEY_SA ESP unknown SPI", { .rekey_proto = IKEV2_PROTO_ESP, .rekey_spi = 0xbeef, .rekey_spi_size = 4 } },
		{ "REKEY_SA no SPI", { .rekey_proto = IKEV2_PROTO_ESP, .rekey_spi_size = 0 } },
		{ "SA proposals proto AH", { .rekey_proto = -1, .sa_ah = true } },
	};

	setup(&n);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		unsigned before = n.p[1].n_child_installed;

		inject_est(&n, IKEV2_EXCH_CREATE_CHILD_SA, fill_ccs, &rows[i].o);
		if (n.p[1].n_child_installed != before || tn_live(&n.p[1]) != 1)
			t_fail(__FILE__, __LINE__, "%s: a Child SA was created or lost", rows[i].label);
	}
	intact(&n, "bad rekey protocol");
	tn_free(&n);
}

/* ---- INFORMATIONAL (and others) before IKE_AUTH ---- */

static void fill_delete_ike(struct ikeb *b, struct ike_sa *sa, const void *arg)
{
	(void)sa;
	(void)arg;
	ikeb_delete(b, IKEV2_PROTO_IKE, 0, 0, NULL);
}

static void test_informational_before_auth(void)
{
	struct tn_net n;
	struct ike_sa *a;

	tn_init(&n);
	{
		struct ike_sink s = tn_sink(&n.p[0]);

		ike_initiate(n.p[0].e, &n.p[0].conn, NULL, &s);
	}
	tn_step(&n);   /* IKE_SA_INIT to B */
	tn_step(&n);   /* response to A, which queues IKE_AUTH */
	CHECK_INT(n.n, 1);
	a = sa_of(&n.p[0]);
	/* with the same message ID as the IKE_AUTH, B must not act on it */
	inject(&n, IKEV2_EXCH_INFORMATIONAL, 1, fill_delete_ike, NULL);
	inject(&n, IKEV2_EXCH_CREATE_CHILD_SA, 1, fill_ccs, &(struct ccs_opts){ .rekey_proto = -1 });
	/* deliver the injected ones first */
	{
		struct tn_pkt auth = n.q[0];

		memmove(&n.q[0], &n.q[1], 2 * sizeof(n.q[0]));
		n.q[2] = auth;
	}
	tn_step(&n);
	tn_step(&n);
	CHECK_INT(ike_drop_count(n.p[1].e, DROP_WRONG_STATE), 2);
	CHECK_INT(tn_snap(&n.p[1]).n_ike, 1);
	CHECK_STR(tn_snap(&n.p[1]).ike[0].state_name, "STATE_V2_PARENT_R1");
	tn_run(&n);
	CHECK_INT(n.p[0].status, IKE_RC_OK);
	(void)a;
	intact(&n, "INFORMATIONAL before IKE_AUTH");
	tn_free(&n);
}

/* ---- fragments ---- */

static void fill_big_info(struct ikeb *b, struct ike_sa *sa, const void *arg)
{
	uint8_t v[200];

	(void)sa;
	(void)arg;
	memset(v, 0x5a, sizeof(v));
	for (int i = 0; i < 12; i++)
		ikeb_vendor(b, v, sizeof(v));
}

static void test_fragment_abuse(void)
{
	struct tn_net n;
	struct ike_sa *a, *b;
	struct tn_pkt frags[IKE_MAX_PKTS];
	unsigned nf;
	struct ike_stats st;

	setup(&n);
	a = sa_of(&n.p[0]);
	b = sa_of(&n.p[1]);
	CHECK(a->frag_ok && b->frag_ok);

	/* 1. fragments reordered and duplicated: one answer */
	inject(&n, IKEV2_EXCH_INFORMATIONAL, a->next_msgid, fill_big_info, NULL);
	nf = n.n;
	CHECK(nf >= 2);
	memcpy(frags, n.q, nf * sizeof(frags[0]));
	n.n = 0;
	for (unsigned i = nf; i-- > 0;) {
		ike_recv(n.p[1].e, frags[i].data, frags[i].len, &frags[i].dst, &frags[i].src);
		ike_recv(n.p[1].e, frags[i].data, frags[i].len, &frags[i].dst, &frags[i].src);
	}
	for (unsigned i = 0; i < nf; i++)
		free(frags[i].data);
	CHECK_INT(b->peer_msgid, a->next_msgid + 1);
	a->next_msgid = b->peer_msgid;
	tn_drop_queue(&n);   /* B's answers (the duplicates of fragment 1 replay it) */

	/* 2. a fragment with a corrupted byte is dropped, the rest wait */
	inject(&n, IKEV2_EXCH_INFORMATIONAL, a->next_msgid, fill_big_info, NULL);
	nf = n.n;
	memcpy(frags, n.q, nf * sizeof(frags[0]));
	n.n = 0;
	frags[0].data[frags[0].len - 1] ^= 1;
	for (unsigned i = 0; i < nf; i++)
		ike_recv(n.p[1].e, frags[i].data, frags[i].len, &frags[i].dst, &frags[i].src);
	CHECK(ike_drop_count(n.p[1].e, DROP_DECRYPT) >= 1);
	CHECK_INT(b->peer_msgid, a->next_msgid);   /* not complete */
	/* fragments of a stale message ID: dropped */
	for (unsigned i = 1; i < nf; i++) {
		put_be32(frags[i].data + 20, a->next_msgid - 1);
		ike_recv(n.p[1].e, frags[i].data, frags[i].len, &frags[i].dst, &frags[i].src);
	}
	for (unsigned i = 0; i < nf; i++)
		free(frags[i].data);

	/* 3. a hand-made fragment claiming total 200 / number 0 / number > total */
	{
		static const struct { uint16_t num, total; } bad[] = { { 1, 200 }, { 0, 2 }, { 3, 2 } };

		for (size_t i = 0; i < 3; i++) {
			uint8_t pkt[128];
			struct ike_hdr h = { .spi_i = a->spi_i, .spi_r = a->spi_r, .np = IKEV2_PL_SKF, .major = 2,
					     .exch = IKEV2_EXCH_INFORMATIONAL, .flags = IKE_FLAG_I,
					     .msgid = a->next_msgid, .length = 28 + 8 + 40 };

			memset(pkt, 0, sizeof(pkt));
			ike_hdr_encode(&h, pkt);
			pkt[28] = IKEV2_PL_NONE;
			put_be16(pkt + 30, 48);
			put_be16(pkt + 32, bad[i].num);
			put_be16(pkt + 34, bad[i].total);
			ike_recv(n.p[1].e, pkt, h.length, &n.p[1].ep, &n.p[0].ep);
		}
	}
	CHECK(ike_drop_count(n.p[1].e, DROP_MALFORMED_HEADER) + ike_drop_count(n.p[1].e, DROP_FRAGMENT) +
	      ike_drop_count(n.p[1].e, DROP_DECRYPT) >= 3);
	ike_get_stats(n.p[1].e, &st);
	CHECK(st.fragments_rx >= 2);
	intact(&n, "fragment abuse");
	tn_free(&n);
}

/* ---- byte flips ---- */

static void test_byte_flips(void)
{
	struct tn_net n;
	struct tn_pkt q;
	uint8_t *copy;

	setup(&n);
	ike_liveness(n.p[0].e, sa_of(&n.p[0])->serial);
	q = n.q[0];
	copy = malloc(q.len);
	for (size_t i = 0; i < q.len; i++) {
		memcpy(copy, q.data, q.len);
		copy[i] ^= 0x41;
		ike_recv(n.p[1].e, copy, q.len, &q.dst, &q.src);
	}
	free(copy);
	CHECK(!sa_of(&n.p[0])->out.active || n.n == 1);
	tn_run(&n);
	CHECK(!sa_of(&n.p[0])->out.active);
	/* and the responder of a fresh IKE_SA_INIT with every byte flipped */
	{
		struct tn_net m;

		tn_init(&m);
		{
			struct ike_sink s = tn_sink(&m.p[0]);

			ike_initiate(m.p[0].e, &m.p[0].conn, NULL, &s);
		}
		q = m.q[0];
		copy = malloc(q.len);
		for (size_t i = 0; i < q.len; i++) {
			memcpy(copy, q.data, q.len);
			copy[i] ^= 0x80;
			ike_recv(m.p[1].e, copy, q.len, &q.dst, &q.src);
		}
		free(copy);
		tn_drop_queue(&m);
		CHECK(tn_snap(&m.p[1]).n_ike < q.len);
		tn_free(&m);
	}
	intact(&n, "byte flips");
	tn_free(&n);
}

static void test_corrupt_auth_retransmitted(void)
{
	struct tn_net n;

	tn_init(&n);
	{
		struct ike_sink s = tn_sink(&n.p[0]);

		ike_initiate(n.p[0].e, &n.p[0].conn, NULL, &s);
	}
	tn_step(&n);
	tn_step(&n);
	CHECK_INT(n.n, 1);
	n.q[0].data[n.q[0].len - 3] ^= 0xff;   /* inside the ICV */
	tn_step(&n);
	CHECK_INT(ike_drop_count(n.p[1].e, DROP_DECRYPT), 1);
	tn_advance_to(&n, n.now + 500);        /* retransmission gets through */
	CHECK_INT(n.p[0].status, IKE_RC_OK);
	intact(&n, "corrupt IKE_AUTH");
	tn_free(&n);
}

static void test_delete_ike_by_peer_then_garbage(void)
{
	struct tn_net n;
	struct tn_pkt q;

	setup(&n);
	ike_liveness(n.p[0].e, sa_of(&n.p[0])->serial);
	q = n.q[0];
	q.data = malloc(q.len);
	memcpy(q.data, n.q[0].data, q.len);
	tn_run(&n);
	ike_terminate(n.p[0].e, &n.p[0].conn, NULL);
	tn_run(&n);
	/* a late retransmission for a deleted SA */
	ike_recv(n.p[1].e, q.data, q.len, &q.dst, &q.src);
	CHECK_INT(ike_drop_count(n.p[1].e, DROP_UNKNOWN_SPI), 1);
	free(q.data);
	tn_free(&n);
}

int main(void)
{
	log_set_level(getenv("IKE_TEST_LOG") ? LOG_LVL_DEBUG : LOG_LVL_ERROR);
	RUN(test_truncated);
	RUN(test_missing_payloads);
	RUN(test_proposal_without_dh);
	RUN(test_bad_ke_values);
	RUN(test_bad_ke_curves);
	RUN(test_malformed_ts);
	RUN(test_bad_rekey_protocol);
	RUN(test_informational_before_auth);
	RUN(test_fragment_abuse);
	RUN(test_byte_flips);
	RUN(test_corrupt_auth_retransmitted);
	RUN(test_delete_ike_by_peer_then_garbage);
	return t_done();
}
