/* The IKEv2 engine, two peers in one process (fake clock, fake network,
 * fake dataplane): establishment, algorithms, failures, retransmission,
 * deletes.  See test_ike_rekey.c and test_ike_malformed.c for the rest. */
#include "ike_testlib.h"

#include "config/proposals.h"

static void test_establish_default(void)
{
	struct tn_net n;
	struct tn_snap a, b;

	tn_init(&n);
	CHECK(tn_up(&n) != 0);
	CHECK(n.p[0].done);
	CHECK_INT(n.p[0].status, IKE_RC_OK);
	CHECK(tn_established_pair(&n));
	CHECK(tn_children_agree(&n));
	CHECK_INT(tn_live(&n.p[0]), 1);
	CHECK_INT(n.p[0].n_ike_up, 1);
	CHECK_INT(n.p[1].n_ike_up, 1);
	a = tn_snap(&n.p[0]);
	b = tn_snap(&n.p[1]);
	CHECK_INT(a.n_child, 1);
	CHECK_INT(b.n_child, 1);
	CHECK_STR(a.ike[0].state_name, "STATE_V2_ESTABLISHED_IKE_SA");
	CHECK(a.ike[0].initiator && !b.ike[0].initiator);
	/* Libreswan 4.10 default: AES_GCM_16_256, PRF HMAC_SHA2_512, MODP2048 */
	CHECK_INT(a.ike[0].encr, IKEV2_ENCR_AES_GCM_16);
	CHECK_INT(a.ike[0].encr_keybits, 256);
	CHECK(strstr(n.p[0].lines, "181 \"a-b\" #1: initiating IKEv2 connection") != NULL);
	CHECK(strstr(n.p[0].lines, "sent IKE_AUTH request {cipher=") != NULL);
	CHECK(strstr(n.p[0].lines, "initiator established IKE SA; authenticated peer using authby=secret and ID_FQDN '@east.example'") != NULL);
	CHECK(strstr(n.p[0].lines, "initiator established Child SA") != NULL);
	/* tunnel selectors: A's local is 10.1.0.0/24 */
	CHECK_INT(n.p[0].child[0].ts_l.n, 1);
	CHECK(!n.p[0].child[0].transport);
	/* nothing left to do but timers far away (rekey) */
	CHECK(tn_deadline(&n) > n.now + 3600 * 1000);
	CHECK_INT(ike_drop_count(n.p[0].e, DROP_DECRYPT) + ike_drop_count(n.p[1].e, DROP_DECRYPT), 0);
	tn_free(&n);
}

/* Every ENCR/INTEG/PRF and DH group of issue 4, one row each. */
static const struct alg_row {
	const char *ike, *esp;
} alg_rows[] = {
	{ "aes128-sha2_256-modp2048", "aes128-sha2_256" },
	{ "aes256-sha2_384-modp3072", "aes256-sha2_384" },
	{ "aes256-sha2_512-modp4096", "aes256-sha2_512" },
	{ "aes_gcm128-sha2_256-ecp256", "aes_gcm128" },
	{ "aes_gcm256-sha2_384-ecp384", "aes_gcm256" },
	{ "aes_gcm256-sha2_512-ecp521", "chacha20_poly1305" },
	{ "chacha20_poly1305-sha2_256-curve25519", "aes128-sha2_512" },
	{ "aes128-sha2_512-dh32", "aes_gcm128" },
};

/* The snapshot fields the daemon's state lines print (sa_status.c:
 * "REKEY in 28260s; REPLACE in 28800s;", "RETRANSMIT in 0s;"). */
static void test_status_snapshot(void)
{
	struct tn_net n;
	struct tn_snap a, b;

	tn_init(&n);
	n.p[0].conn.rekey_fuzz_pct = n.p[1].conn.rekey_fuzz_pct = 0;   /* exact times */
	tn_up(&n);
	a = tn_snap(&n.p[0]);
	b = tn_snap(&n.p[1]);
	CHECK_STR(a.ike[0].state_name, "STATE_V2_ESTABLISHED_IKE_SA");
	CHECK_STR(a.ike[0].state_story, "established IKE SA");
	CHECK_INT((a.ike[0].rekey_at_ms - n.now) / 1000, 28260);
	CHECK_INT((a.ike[0].replace_at_ms - n.now) / 1000, 28800);
	CHECK_INT(b.ike[0].rekey_at_ms, 0);                 /* the responder does not rekey IKE */
	CHECK_INT((b.ike[0].replace_at_ms - n.now) / 1000, 28800);
	CHECK_STR(a.child[0].state_name, "STATE_V2_ESTABLISHED_CHILD_SA");
	CHECK_INT(a.child[0].ike_serial, 1);
	CHECK_INT(a.child[0].serial, 2);
	CHECK_INT((a.child[0].rekey_at_ms - n.now) / 1000, 28260);
	CHECK(a.child[0].conn == &n.p[0].conn);
	CHECK_STR(a.child[0].conn_name, "a-b");
	CHECK(!a.child[0].transport);
	CHECK_INT(a.child[0].spi_out, b.child[0].spi_in);
	tn_free(&n);

	/* half-open, retransmitting */
	tn_init(&n);
	n.drop_all[0] = true;
	{
		struct ike_sink s = tn_sink(&n.p[0]);

		ike_initiate(n.p[0].e, &n.p[0].conn, NULL, &s);
	}
	tn_advance_to(&n, n.now + 1500);
	a = tn_snap(&n.p[0]);
	CHECK_STR(a.ike[0].state_name, "STATE_V2_PARENT_I1");
	CHECK(!a.ike[0].established);
	CHECK(a.ike[0].retransmit_at_ms >= n.now && a.ike[0].retransmit_at_ms - n.now < 1000);
	tn_free(&n);
}

static void test_algorithms(void)
{
	for (size_t i = 0; i < sizeof(alg_rows) / sizeof(alg_rows[0]); i++) {
		const struct alg_row *r = &alg_rows[i];
		struct tn_net n;
		const char *why;

		tn_init(&n);
		for (int k = 0; k < 2; k++) {
			if (!proposals_parse_shared(PROP_IKE, r->ike, &n.p[k].conn.ike, &why) ||
			    !proposals_parse_shared(PROP_ESP, r->esp, &n.p[k].conn.esp, &why)) {
				t_fail(__FILE__, __LINE__, "row %zu: parse: %s", i, why);
				break;
			}
		}
		tn_up(&n);
		if (n.p[0].status != IKE_RC_OK || !tn_established_pair(&n) || !tn_children_agree(&n))
			t_fail(__FILE__, __LINE__, "row %zu (%s / %s): status %d reason '%s'", i, r->ike, r->esp,
			       n.p[0].status, n.p[0].reason);
		tn_free(&n);
	}
}

static void test_esn(void)
{
	const struct { enum ike_esn a, b; int status; bool esn; } rows[] = {
		{ IKE_ESN_EITHER, IKE_ESN_EITHER, IKE_RC_OK, false },
		{ IKE_ESN_YES, IKE_ESN_EITHER, IKE_RC_OK, true },
		{ IKE_ESN_EITHER, IKE_ESN_YES, IKE_RC_OK, true },
		{ IKE_ESN_YES, IKE_ESN_YES, IKE_RC_OK, true },
		{ IKE_ESN_NO, IKE_ESN_NO, IKE_RC_OK, false },
		{ IKE_ESN_YES, IKE_ESN_NO, IKE_RC_FAILED, false },
		{ IKE_ESN_NO, IKE_ESN_YES, IKE_RC_FAILED, false },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct tn_net n;

		tn_init(&n);
		n.p[0].conn.esn = rows[i].a;
		n.p[1].conn.esn = rows[i].b;
		tn_up(&n);
		if (n.p[0].status != rows[i].status)
			t_fail(__FILE__, __LINE__, "row %zu: status %d", i, n.p[0].status);
		else if (rows[i].status == IKE_RC_OK &&
			 (!tn_children_agree(&n) || n.p[0].child[0].esn != rows[i].esn))
			t_fail(__FILE__, __LINE__, "row %zu: esn %d", i, n.p[0].child[0].esn);
		tn_free(&n);
	}
}

static void test_wrong_psk(void)
{
	struct tn_net n;

	tn_init(&n);
	snprintf(n.p[1].psk, sizeof(n.p[1].psk), "another key entirely");
	tn_up(&n);
	CHECK(n.p[0].done);
	CHECK_INT(n.p[0].status, IKE_RC_FAILED);
	CHECK(strstr(n.p[0].reason, "AUTHENTICATION_FAILED") != NULL);
	CHECK_INT(tn_snap(&n.p[0]).n_ike, 0);
	CHECK_INT(tn_snap(&n.p[1]).n_ike, 0);
	CHECK_INT(tn_live(&n.p[0]) + tn_live(&n.p[1]), 0);
	CHECK_INT(n.p[0].n_child_installed + n.p[1].n_child_installed, 0);
	tn_free(&n);
}

static void test_wrong_psk_initiator_side(void)
{
	struct tn_net n;

	/* B verifies A's AUTH with the right key but signs its own with
	 * another: A refuses B and tells it (INFORMATIONAL N(AUTHENTICATION_FAILED)) */
	tn_init(&n);
	snprintf(n.p[1].psk2, sizeof(n.p[1].psk2), "not the key");
	tn_up(&n);
	CHECK_INT(n.p[0].status, IKE_RC_FAILED);
	CHECK(strstr(n.p[0].reason, "authentication failed") != NULL);
	CHECK_INT(tn_snap(&n.p[0]).n_ike, 0);
	CHECK_INT(tn_snap(&n.p[1]).n_ike, 0);
	CHECK_INT(n.p[1].n_child_installed, 1);
	CHECK_INT(tn_live(&n.p[0]) + tn_live(&n.p[1]), 0);
	CHECK_INT(n.p[1].n_ike_down, 1);
	tn_free(&n);
}

static void test_restart_initial_contact(void)
{
	struct tn_net n;

	tn_init(&n);
	tn_up(&n);
	CHECK(tn_established_pair(&n));
	/* A restarts: a fresh engine, nothing sent; then it initiates again */
	ike_engine_free(n.p[0].e);
	memset(n.p[0].child, 0, sizeof(n.p[0].child));
	n.p[0].e = ike_engine_new(&tn_ops, &n.p[0], NULL);
	tn_up(&n);
	CHECK_INT(n.p[0].status, IKE_RC_OK);
	CHECK(tn_established_pair(&n));    /* B dropped the old SA: exactly one each */
	CHECK_INT(tn_live(&n.p[1]), 1);
	CHECK_INT(n.p[1].n_child_deleted, 1);
	CHECK(tn_children_agree(&n));
	tn_free(&n);
}

static void test_no_proposal(void)
{
	struct tn_net n;
	const char *why;

	tn_init(&n);
	CHECK(proposals_parse_shared(PROP_IKE, "aes128-sha2_256-modp2048", &n.p[0].conn.ike, &why));
	CHECK(proposals_parse_shared(PROP_IKE, "aes_gcm256-sha2_512-ecp384", &n.p[1].conn.ike, &why));
	tn_up(&n);
	CHECK(n.p[0].done);
	CHECK_INT(n.p[0].status, IKE_RC_FAILED);
	CHECK(strstr(n.p[0].reason, "NO_PROPOSAL_CHOSEN") != NULL);
	CHECK_INT(tn_snap(&n.p[0]).n_ike + tn_snap(&n.p[1]).n_ike, 0);
	tn_free(&n);
}

static void test_esp_no_proposal(void)
{
	struct tn_net n;
	const char *why;

	tn_init(&n);
	CHECK(proposals_parse_shared(PROP_ESP, "aes128-sha2_256", &n.p[0].conn.esp, &why));
	CHECK(proposals_parse_shared(PROP_ESP, "aes_gcm256", &n.p[1].conn.esp, &why));
	tn_up(&n);
	/* IKE SA up, Child SA refused: Cygnet reports failure (Libreswan exits 0) */
	CHECK_INT(n.p[0].status, IKE_RC_FAILED);
	CHECK(strstr(n.p[0].reason, "NO_PROPOSAL_CHOSEN") != NULL);
	CHECK_INT(tn_snap(&n.p[0]).n_ike, 1);
	CHECK_INT(tn_live(&n.p[0]) + tn_live(&n.p[1]), 0);
	tn_free(&n);
}

static void test_ts_unacceptable(void)
{
	struct tn_net n;
	bool hb;

	tn_init(&n);
	subnet_parse("10.9.0.0/24", &n.p[1].conn.remote.subnets[0], &hb);
	tn_up(&n);
	CHECK_INT(n.p[0].status, IKE_RC_FAILED);
	CHECK(strstr(n.p[0].reason, "TS_UNACCEPTABLE") != NULL);
	CHECK(strstr(n.p[0].lines, "003 \"a-b\" #2: IKE_AUTH response rejected Child SA with TS_UNACCEPTABLE") != NULL);
	CHECK_INT(tn_live(&n.p[0]) + tn_live(&n.p[1]), 0);
	tn_free(&n);
}

static void test_narrowing(void)
{
	struct tn_net n;
	bool hb;

	/* A asks for 10.1.0.0/16 <-> 10.2.0.0/16; B has the /24s and narrows */
	tn_init(&n);
	subnet_parse("10.1.0.0/16", &n.p[0].conn.local.subnets[0], &hb);
	subnet_parse("10.2.0.0/16", &n.p[0].conn.remote.subnets[0], &hb);
	n.p[0].conn.narrowing = n.p[1].conn.narrowing = true;
	tn_up(&n);
	CHECK_INT(n.p[0].status, IKE_RC_OK);
	CHECK(tn_children_agree(&n));
	{
		struct ip_addr lo;

		addr_parse("10.1.0.255", &lo);
		CHECK(addr_eq(&n.p[0].child[0].ts_l.ts[0].end, &lo));
	}
	tn_free(&n);
}

static void test_transport_host(void)
{
	struct tn_net n;

	tn_init(&n);
	for (int i = 0; i < 2; i++) {
		n.p[i].conn.transport = true;
		n.p[i].conn.local.n_subnets = n.p[i].conn.remote.n_subnets = 0;
	}
	tn_up(&n);
	CHECK_INT(n.p[0].status, IKE_RC_OK);
	CHECK(n.p[0].child[0].transport && n.p[1].child[0].transport);
	CHECK(addr_eq(&n.p[0].child[0].ts_l.ts[0].start, &n.p[0].conn.local.addr));
	CHECK(tn_children_agree(&n));
	tn_free(&n);
}

static void test_protoport(void)
{
	struct tn_net n;

	/* leftprotoport=udp/1701 rightprotoport=udp/%any (L2TP style), transport */
	tn_init(&n);
	for (int i = 0; i < 2; i++) {
		struct ike_conn *c = &n.p[i].conn;

		c->transport = true;
		c->local.n_subnets = c->remote.n_subnets = 0;
		c->local.protocol = c->remote.protocol = 17;
		(i ? &c->remote : &c->local)->port = 1701;
	}
	tn_up(&n);
	CHECK_INT(n.p[0].status, IKE_RC_OK);
	CHECK(tn_children_agree(&n));
	CHECK_INT(n.p[0].child[0].ts_l.ts[0].ipproto, 17);
	CHECK_INT(n.p[0].child[0].ts_l.ts[0].sport, 1701);
	CHECK_INT(n.p[0].child[0].ts_l.ts[0].eport, 1701);
	CHECK_INT(n.p[0].child[0].ts_r.ts[0].sport, 0);
	CHECK_INT(n.p[0].child[0].ts_r.ts[0].eport, 65535);
	CHECK_INT(n.p[1].child[0].ts_r.ts[0].sport, 1701);
	tn_free(&n);

	/* mismatched protocol: TS_UNACCEPTABLE */
	tn_init(&n);
	n.p[1].conn.remote.protocol = 6;
	tn_up(&n);
	CHECK_INT(n.p[0].status, IKE_RC_FAILED);
	CHECK(strstr(n.p[0].reason, "TS_UNACCEPTABLE") != NULL);
	tn_free(&n);
}

static void test_ipv6(void)
{
	struct tn_net n;
	bool hb;

	tn_init(&n);
	for (int i = 0; i < 2; i++) {
		struct ike_conn *c = &n.p[i].conn;

		addr_parse(i ? "2001:db8::2" : "2001:db8::1", &c->local.addr);
		addr_parse(i ? "2001:db8::1" : "2001:db8::2", &c->remote.addr);
		subnet_parse(i ? "2001:db8:2::/48" : "2001:db8:1::/48", &c->local.subnets[0], &hb);
		subnet_parse(i ? "2001:db8:1::/48" : "2001:db8:2::/48", &c->remote.subnets[0], &hb);
		n.p[i].ep.addr = c->local.addr;
	}
	tn_up(&n);
	CHECK_INT(n.p[0].status, IKE_RC_OK);
	CHECK(tn_established_pair(&n));
	CHECK(tn_children_agree(&n));
	tn_free(&n);
}

static void test_road_warrior_any(void)
{
	struct tn_net n;
	const char *why;

	/* B: right=%any rightid=%any */
	tn_init(&n);
	addr_any(AF_INET, &n.p[1].conn.remote.addr);
	id_parse_shared("%any", &n.p[1].conn.remote.id, &why);
	tn_up(&n);
	CHECK_INT(n.p[0].status, IKE_RC_OK);
	CHECK(tn_established_pair(&n));
	{
		struct tn_snap b = tn_snap(&n.p[1]);
		char buf[ID_STRLEN];

		CHECK_STR(id_fmt(&b.ike[0].remote_id, buf), "@west.example");
	}
	tn_free(&n);
}

static void test_template_cannot_initiate(void)
{
	struct tn_net n;
	struct ike_sink s;

	tn_init(&n);
	addr_any(AF_INET, &n.p[0].conn.remote.addr);
	s = tn_sink(&n.p[0]);
	CHECK_INT(ike_initiate(n.p[0].e, &n.p[0].conn, NULL, &s), 0);
	CHECK(n.p[0].done);
	CHECK_INT(n.p[0].status, IKE_RC_CANNOT_INITIATE);
	CHECK_INT(n.p[0].n_lines, 2);
	CHECK_STR(n.p[0].last_line, "036 \"a-b\": failed to initiate connection");
	CHECK_INT(n.n, 0);
	tn_free(&n);
}

static void test_wrong_peer_id(void)
{
	struct tn_net n;
	const char *why;

	tn_init(&n);
	id_parse_shared("@someone.else", &n.p[0].conn.local.id, &why);
	tn_up(&n);
	CHECK_INT(n.p[0].status, IKE_RC_FAILED);
	CHECK(strstr(n.p[0].reason, "AUTHENTICATION_FAILED") != NULL);
	CHECK_INT(tn_snap(&n.p[1]).n_ike, 0);
	tn_free(&n);
}

static void test_invalid_ke_retry(void)
{
	struct tn_net n;
	const char *why;
	struct ike_stats st;

	tn_init(&n);
	/* A offers ECP_256 first (its KE), also MODP2048; B accepts only MODP2048 */
	CHECK(proposals_parse_shared(PROP_IKE, "aes256-sha2_256-ecp256+modp2048", &n.p[0].conn.ike, &why));
	CHECK(proposals_parse_shared(PROP_IKE, "aes256-sha2_256-modp2048", &n.p[1].conn.ike, &why));
	tn_up(&n);
	CHECK_INT(n.p[0].status, IKE_RC_OK);
	ike_get_stats(n.p[1].e, &st);
	CHECK_INT(st.invalid_ke_sent, 1);
	CHECK_INT(tn_snap(&n.p[0]).ike[0].dh, IKEV2_DH_MODP2048);
	CHECK(strstr(n.p[0].lines, "received INVALID_KE_PAYLOAD") != NULL);
	CHECK_INT(tn_snap(&n.p[1]).n_ike, 1);
	tn_free(&n);
}

static void test_retransmit_backoff(void)
{
	struct tn_net n;
	struct ike_stats st;
	uint64_t t0;

	tn_init(&n);
	n.drop_next[0] = 2;   /* the IKE_SA_INIT request and its first retransmit */
	t0 = n.now;
	{
		struct ike_sink s = tn_sink(&n.p[0]);

		ike_initiate(n.p[0].e, &n.p[0].conn, NULL, &s);
	}
	CHECK_INT(n.n, 0);
	CHECK_INT(ike_next_deadline(n.p[0].e), t0 + 500);
	tn_advance_to(&n, t0 + 500);
	CHECK_INT(n.sent[0], 2);
	/* 0.5 s, 0.5 s, 1 s, 2 s ... up to 32 s: 7 retransmits within 60 s */
	CHECK_INT(ike_next_deadline(n.p[0].e), t0 + 1000);
	tn_advance_to(&n, t0 + 999);
	CHECK_INT(n.sent[0], 2);
	tn_advance_to(&n, t0 + 1000);
	CHECK_INT(n.p[0].status, IKE_RC_OK);
	ike_get_stats(n.p[0].e, &st);
	CHECK_INT(st.retransmits, 2);
	CHECK(strstr(n.p[0].lines, "010 \"a-b\" #1: STATE_V2_PARENT_I1: retransmission; will wait 0.5 seconds for response") != NULL);
	CHECK(strstr(n.p[0].lines, "010 \"a-b\" #1: STATE_V2_PARENT_I1: retransmission; will wait 1 seconds for response") != NULL);
	tn_free(&n);
}

static void test_cached_response(void)
{
	struct tn_net n;
	struct ike_stats st;

	tn_init(&n);
	n.dup_next[0] = 2;   /* IKE_SA_INIT and IKE_AUTH requests arrive twice */
	tn_up(&n);
	CHECK_INT(n.p[0].status, IKE_RC_OK);
	ike_get_stats(n.p[1].e, &st);
	CHECK_INT(st.cached_replays, 2);
	CHECK(tn_established_pair(&n));
	CHECK(tn_children_agree(&n));
	CHECK_INT(tn_live(&n.p[1]), 1);
	/* the second (replayed) responses were dropped by A as unsolicited */
	CHECK_INT(ike_drop_count(n.p[0].e, DROP_UNSOLICITED_RESPONSE) + ike_drop_count(n.p[0].e, DROP_UNKNOWN_SPI), 2);
	tn_free(&n);
}

static void test_lost_response(void)
{
	struct tn_net n;
	struct ike_stats st;

	tn_init(&n);
	{
		struct ike_sink s = tn_sink(&n.p[0]);

		ike_initiate(n.p[0].e, &n.p[0].conn, NULL, &s);
	}
	tn_step(&n);               /* IKE_SA_INIT request to B */
	tn_step(&n);               /* response to A; A sends IKE_AUTH */
	tn_step(&n);               /* IKE_AUTH to B: established on B */
	CHECK_INT(n.n, 1);
	tn_drop_queue(&n);         /* B's IKE_AUTH response lost */
	CHECK_INT(tn_live(&n.p[1]), 1);
	tn_advance_to(&n, n.now + 500);
	CHECK_INT(n.p[0].status, IKE_RC_OK);
	ike_get_stats(n.p[1].e, &st);
	CHECK_INT(st.cached_replays, 1);
	CHECK(tn_children_agree(&n));
	CHECK_INT(n.p[1].n_child_installed, 1);
	tn_free(&n);
}

static void test_timeout_31(void)
{
	struct tn_net n;
	struct ike_stats st;
	uint64_t t0;

	tn_init(&n);
	n.drop_all[0] = true;
	t0 = n.now;
	{
		struct ike_sink s = tn_sink(&n.p[0]);

		ike_initiate(n.p[0].e, &n.p[0].conn, NULL, &s);
	}
	tn_advance_to(&n, t0 + 59999);
	CHECK(!n.p[0].done);
	tn_advance_to(&n, t0 + 60000);
	CHECK(n.p[0].done);
	CHECK_INT(n.p[0].status, IKE_RC_TIMEOUT);
	CHECK_STR(n.p[0].last_line, "031 \"a-b\" #1: STATE_V2_PARENT_I1: 60 second timeout exceeded after 7 retransmits.  No response (or no acceptable response) to our first IKEv2 message");
	ike_get_stats(n.p[0].e, &st);
	CHECK_INT(st.retransmits, 7);
	CHECK_INT(n.sent[0], 8);
	CHECK_INT(tn_snap(&n.p[0]).n_ike, 0);     /* keyingtries=1: gone */
	CHECK_INT(ike_next_deadline(n.p[0].e), UINT64_MAX);
	tn_free(&n);
}

static void test_keyingtries_forever(void)
{
	struct tn_net n;

	tn_init(&n);
	n.drop_all[0] = true;
	n.p[0].conn.keyingtries = 0;
	n.p[0].conn.retransmit_timeout_ms = 2000;
	{
		struct ike_sink s = tn_sink(&n.p[0]);

		ike_initiate(n.p[0].e, &n.p[0].conn, NULL, &s);
	}
	tn_advance_to(&n, n.now + 2000);
	CHECK_INT(n.p[0].status, IKE_RC_TIMEOUT);
	CHECK(strstr(n.p[0].lines, "starting keying attempt 2 of an unlimited number, but releasing whack") != NULL);
	CHECK_INT(tn_snap(&n.p[0]).n_ike, 1);     /* a new attempt is running */
	/* the network heals: the background attempt establishes */
	n.drop_all[0] = false;
	tn_advance_to(&n, n.now + 2000);
	CHECK(tn_established_pair(&n));
	CHECK(tn_children_agree(&n));
	tn_free(&n);
}

static void test_delete(void)
{
	for (int side = 0; side < 2; side++) {
		struct tn_net n;

		tn_init(&n);
		tn_up(&n);
		CHECK(tn_established_pair(&n));
		{
			struct ike_sink s = tn_sink(&n.p[side]);

			CHECK_INT(ike_terminate(n.p[side].e, &n.p[side].conn, &s), 1);
			CHECK(strstr(n.p[side].lines, "002 \"a-b\" #1: deleting state (STATE_V2_ESTABLISHED_IKE_SA) aged 0.000000s and sending notification") != NULL);
			CHECK(n.p[side].done && n.p[side].status == 0);
		}
		tn_run(&n);
		CHECK_INT(tn_snap(&n.p[0]).n_ike + tn_snap(&n.p[1]).n_ike, 0);
		CHECK_INT(tn_live(&n.p[0]) + tn_live(&n.p[1]), 0);
		CHECK_INT(n.p[0].n_child_deleted, 1);
		CHECK_INT(n.p[1].n_child_deleted, 1);
		CHECK_INT(n.p[0].n_ike_down, 1);
		CHECK_INT(n.p[1].n_ike_down, 1);
		tn_free(&n);
	}
}

static void test_delete_peer_gone(void)
{
	struct tn_net n;

	tn_init(&n);
	tn_up(&n);
	n.drop_all[0] = true;
	ike_terminate(n.p[0].e, &n.p[0].conn, NULL);
	tn_advance_to(&n, n.now + 60000);
	CHECK_INT(tn_snap(&n.p[0]).n_ike, 0);
	CHECK_INT(tn_snap(&n.p[1]).n_ike, 1);   /* B never heard */
	tn_free(&n);
}

static void test_liveness(void)
{
	struct tn_net n;
	struct tn_snap a;

	tn_init(&n);
	for (int i = 0; i < 2; i++) {
		n.p[i].conn.dpd_delay_ms = 10000;
		n.p[i].conn.dpd_timeout_ms = 30000;
	}
	tn_up(&n);
	a = tn_snap(&n.p[0]);
	CHECK(ike_liveness(n.p[0].e, a.ike[0].serial));
	CHECK_INT(n.n, 1);
	tn_run(&n);
	CHECK(tn_established_pair(&n));
	/* peer disappears: the DPD probe goes unanswered for dpdtimeout, the SA is removed */
	n.drop_all[1] = true;
	tn_advance_to(&n, n.now + 10000 + 29000);
	CHECK_INT(tn_snap(&n.p[0]).n_ike, 1);
	tn_advance_to(&n, n.now + 2000);
	CHECK_INT(tn_snap(&n.p[0]).n_ike, 0);
	CHECK_INT(tn_live(&n.p[0]), 0);
	CHECK_INT(n.p[0].n_child_deleted, 1);
	tn_free(&n);
}

static void test_simultaneous_initiation(void)
{
	struct tn_net n;
	struct ike_sink s0, s1;

	tn_init(&n);
	s0 = tn_sink(&n.p[0]);
	s1 = tn_sink(&n.p[1]);
	ike_initiate(n.p[0].e, &n.p[0].conn, NULL, &s0);
	ike_initiate(n.p[1].e, &n.p[1].conn, NULL, &s1);
	tn_run(&n);
	CHECK_INT(n.p[0].status, IKE_RC_OK);
	CHECK_INT(n.p[1].status, IKE_RC_OK);
	/* uniqueids=yes: the crossing IKE SAs are resolved to one (collide.c;
	 * test_ike_collide.c covers both outcomes and uniqueids=no) */
	CHECK_INT(tn_snap(&n.p[0]).n_ike, 1);
	CHECK_INT(tn_snap(&n.p[1]).n_ike, 1);
	CHECK(tn_established_pair(&n));
	CHECK(tn_children_agree(&n));
	CHECK_INT(tn_live(&n.p[0]), 1);
	tn_free(&n);
}

static void test_second_up_adds_child(void)
{
	struct tn_net n;

	tn_init(&n);
	tn_up(&n);
	CHECK_INT(n.p[0].status, IKE_RC_OK);
	tn_up(&n);
	CHECK_INT(n.p[0].status, IKE_RC_OK);
	CHECK(strstr(n.p[0].lines, "002 \"a-b\" #3: initiating Child SA using IKE SA #1") != NULL);
	CHECK(strstr(n.p[0].lines, "189 \"a-b\" #3: sent CREATE_CHILD_SA request for new IPsec SA") != NULL);
	CHECK(strstr(n.p[0].lines, "004 \"a-b\" #3: initiator established Child SA using #1") != NULL);
	CHECK_INT(tn_snap(&n.p[0]).n_ike, 1);
	CHECK_INT(tn_live(&n.p[0]), 2);
	CHECK(tn_children_agree(&n));
	tn_free(&n);
}

static void test_cookie_threshold(void)
{
	struct tn_net n;
	struct ike_engine_config cfg = { .ddos_threshold = 1 };
	struct ike_stats st;
	struct ike_sink s;

	tn_init(&n);
	n.p[0].conn.uniqueids = n.p[1].conn.uniqueids = false;   /* keep both IKE SAs */
	ike_engine_free(n.p[1].e);
	n.p[1].e = ike_engine_new(&tn_ops, &n.p[1], &cfg);
	s = tn_sink(&n.p[0]);
	ike_initiate(n.p[0].e, &n.p[0].conn, NULL, &s);
	ike_initiate(n.p[0].e, &n.p[0].conn, NULL, &s);   /* second one arrives while the first is half-open */
	tn_run(&n);
	ike_get_stats(n.p[1].e, &st);
	CHECK_INT(st.cookies_sent, 1);
	CHECK_INT(tn_snap(&n.p[0]).n_ike, 2);
	CHECK_INT(tn_snap(&n.p[1]).n_ike, 2);
	CHECK(tn_snap(&n.p[1]).ike[1].established);
	CHECK(tn_children_agree(&n));
	tn_free(&n);
}

static void test_nat(void)
{
	struct tn_net n;

	tn_init(&n);
	n.nat_a = true;
	tn_up(&n);
	CHECK_INT(n.p[0].status, IKE_RC_OK);
	CHECK(tn_children_agree(&n));
	CHECK(n.p[0].child[0].encap && n.p[1].child[0].encap);
	CHECK_INT(n.p[0].child[0].local_port, 4500);
	CHECK_INT(n.p[0].child[0].remote_port, 4500);
	CHECK_INT(n.p[1].child[0].local_port, 4500);
	CHECK_INT(n.p[1].child[0].remote_port, 31001);   /* A's NAT mapping for 4500 */
	CHECK_INT(n.p[1].n_float, 0);
	CHECK(tn_snap(&n.p[1]).ike[0].nat);
	/* A's NAT mapping changes (RFC 7296 §2.23): B's Child SA follows it
	 * (child_sa_endpoints_changed -> the dataplane's update_sa) */
	n.nat_port4500 = 31099;
	CHECK(ike_liveness(n.p[0].e, tn_snap(&n.p[0]).ike[0].serial));
	tn_run(&n);
	CHECK_INT(n.p[1].n_float, 1);
	CHECK_INT(n.p[1].child[0].remote_port, 31099);
	CHECK_INT(n.p[0].n_float, 0);
	/* A, behind the NAT, sends keepalives every 20 s; B does not */
	tn_advance_to(&n, n.now + 20000);
	CHECK_INT(n.p[0].n_keepalive, 1);
	CHECK_INT(n.p[1].n_keepalive, 0);
	tn_advance_to(&n, n.now + 20000);
	CHECK_INT(n.p[0].n_keepalive, 2);
	tn_free(&n);
}

/* RFC 7296 §2.23: only a peer behind a NAT is followed to a new port
 * after IKE_AUTH.  A, behind the NAT, gets a copy of B's request (B is not
 * behind one) from another port first - an attacker on the path re-sending
 * what it saw, faster than the original: A's IKE SA and Child SA (its ESP)
 * stay with B's real endpoint.  B still follows A's mapping (test_nat). */
static void test_nat_no_follow_behind_nat(void)
{
	struct tn_net n;
	struct tn_snap b;

	tn_init(&n);
	n.nat_a = true;
	tn_up(&n);
	CHECK_INT(n.p[0].status, IKE_RC_OK);
	b = tn_snap(&n.p[1]);
	n.dup_next[1] = 1;
	CHECK(ike_liveness(n.p[1].e, b.ike[0].serial));
	CHECK_INT(n.n, 2);
	n.q[0].src.port = 4999;                  /* the injected copy, delivered first */
	tn_run(&n);
	CHECK_INT(n.p[0].n_float, 0);
	CHECK_INT(n.p[0].child[0].remote_port, 4500);
	CHECK_INT(tn_snap(&n.p[0]).ike[0].remote.port, 4500);
	CHECK(tn_established_pair(&n));
	tn_free(&n);

	/* a peer behind a NAT whose public address changes is not followed
	 * (that is MOBIKE's): the SAs stay where they are */
	tn_init(&n);
	n.nat_a = true;
	tn_up(&n);
	addr_parse("203.0.113.9", &n.nat_pub.addr);
	n.nat_port4500 = 31077;
	CHECK(ike_liveness(n.p[0].e, tn_snap(&n.p[0]).ike[0].serial));
	tn_run(&n);
	CHECK_INT(n.p[1].n_float, 0);
	CHECK_INT(n.p[1].child[0].remote_port, 31001);
	b = tn_snap(&n.p[1]);
	CHECK_INT(b.ike[0].remote.port, 31001);
	tn_free(&n);
}

static void test_forceencaps(void)
{
	struct tn_net n;

	tn_init(&n);
	n.p[0].conn.encaps = IKE_ENCAPS_YES;
	tn_up(&n);
	CHECK_INT(n.p[0].status, IKE_RC_OK);
	CHECK(n.p[0].child[0].encap && n.p[1].child[0].encap);
	CHECK_INT(n.p[0].child[0].remote_port, 4500);
	CHECK_INT(n.p[1].child[0].remote_port, 4500);
	CHECK(tn_children_agree(&n));
	tn_free(&n);
}

static void test_no_nat(void)
{
	struct tn_net n;

	tn_init(&n);
	tn_up(&n);
	CHECK(!n.p[0].child[0].encap && !n.p[1].child[0].encap);
	CHECK_INT(n.p[0].child[0].local_port, 500);
	tn_free(&n);
}

static void test_fragmentation(void)
{
	struct tn_net n;
	struct ike_stats st;
	const char *why;
	/* enough ESP proposals to push IKE_AUTH over 1252 bytes */
	const char *esp = "aes256-sha2_512+sha2_384+sha2_256,aes128-sha2_512+sha2_384+sha2_256,"
			  "aes_gcm256,aes_gcm128,chacha20_poly1305,aes256-sha2_256,aes128-sha2_256,"
			  "aes256-sha2_384,aes128-sha2_384,aes256-sha2_512,aes128-sha2_512,"
			  "aes_gcm256,aes_gcm128,aes256-sha2_256,aes128-sha2_256,aes256-sha2_512";
	bool hb;

	tn_init(&n);
	CHECK(proposals_parse_shared(PROP_ESP, esp, &n.p[0].conn.esp, &why));
	for (int i = 0; i < 2; i++) {
		struct ike_conn *c = &n.p[i].conn;

		addr_parse(i ? "2001:db8::2" : "2001:db8::1", &c->local.addr);
		addr_parse(i ? "2001:db8::1" : "2001:db8::2", &c->remote.addr);
		subnet_parse(i ? "2001:db8:2::/48" : "2001:db8:1::/48", &c->local.subnets[0], &hb);
		subnet_parse(i ? "2001:db8:1::/48" : "2001:db8:2::/48", &c->remote.subnets[0], &hb);
		n.p[i].ep.addr = c->local.addr;
	}
	subnet_parse("2001:db8:1::/40", &n.p[1].conn.remote.subnets[0], &hb);
	for (int i = 1; i < 8; i++) {
		char s[32];

		snprintf(s, sizeof(s), "2001:db8:1:%d::/64", i);
		subnet_parse(s, &n.p[0].conn.local.subnets[i], &hb);
	}
	n.p[0].conn.local.n_subnets = 8;
	n.p[0].conn.narrowing = n.p[1].conn.narrowing = true;
	tn_up(&n);
	CHECK_INT(n.p[0].status, IKE_RC_OK);
	ike_get_stats(n.p[0].e, &st);
	CHECK(st.fragments_sent >= 2);
	ike_get_stats(n.p[1].e, &st);
	CHECK(st.fragments_rx >= 2);
	CHECK(tn_children_agree(&n));
	tn_free(&n);
}

static void test_cookie(void)
{
	struct tn_net n;
	struct ike_engine_config cfg = { .ddos_busy = true };
	struct ike_stats st;

	tn_init(&n);
	n.p[0].conn.uniqueids = n.p[1].conn.uniqueids = false;   /* keep both IKE SAs */
	ike_engine_free(n.p[1].e);
	n.p[1].e = ike_engine_new(&tn_ops, &n.p[1], &cfg);
	tn_up(&n);
	CHECK_INT(n.p[0].status, IKE_RC_OK);
	ike_get_stats(n.p[1].e, &st);
	CHECK_INT(st.cookies_sent, 1);
	CHECK(tn_children_agree(&n));
	tn_free(&n);
}

int main(void)
{
	log_set_level(getenv("IKE_TEST_LOG") ? LOG_LVL_DEBUG : LOG_LVL_ERROR);
	RUN(test_establish_default);
	RUN(test_status_snapshot);
	RUN(test_algorithms);
	RUN(test_esn);
	RUN(test_wrong_psk);
	RUN(test_wrong_psk_initiator_side);
	RUN(test_restart_initial_contact);
	RUN(test_no_proposal);
	RUN(test_esp_no_proposal);
	RUN(test_ts_unacceptable);
	RUN(test_narrowing);
	RUN(test_transport_host);
	RUN(test_protoport);
	RUN(test_ipv6);
	RUN(test_road_warrior_any);
	RUN(test_template_cannot_initiate);
	RUN(test_wrong_peer_id);
	RUN(test_invalid_ke_retry);
	RUN(test_retransmit_backoff);
	RUN(test_cached_response);
	RUN(test_lost_response);
	RUN(test_timeout_31);
	RUN(test_keyingtries_forever);
	RUN(test_delete);
	RUN(test_delete_peer_gone);
	RUN(test_liveness);
	RUN(test_simultaneous_initiation);
	RUN(test_second_up_adds_child);
	RUN(test_nat);
	RUN(test_nat_no_follow_behind_nat);
	RUN(test_forceencaps);
	RUN(test_no_nat);
	RUN(test_fragmentation);
	RUN(test_cookie);
	RUN(test_cookie_threshold);
	return t_done();
}
