/* The responder switches conn at IKE_AUTH (the peer's ID points to another
 * conn than the one IKE_SA_INIT chose by address): the IKE algorithms
 * already negotiated under the first conn must be acceptable to the new
 * conn's ike=, and the first Child SA is selected against the new conn's
 * esp=.
 * Two engines in one process; B (peer 1) is the responder with conns
 * "weak" (B's p->conn: default ike=, found by address at IKE_SA_INIT, its
 * rightid another peer's) and "strict" (rightid=@west.example, found by ID);
 * and the same check when the switch is by traffic selectors. */
#include "ike_testlib.h"

#include "config/proposals.h"

static struct ike_conn strict;
static bool find_ignores_ike;  /* an embedder that does not filter by ike */
static char log_buf[4096];

static void tap(void *arg, enum log_level lvl, const char *line)
{
	size_t l = strlen(log_buf);

	(void)arg;
	(void)lvl;
	snprintf(log_buf + l, sizeof(log_buf) - l, "%s\n", line);
}

static void set_props(const struct proposal_list **pl, enum prop_kind kind, const char *text)
{
	const char *why = NULL;

	if (!proposals_parse_shared(kind, text, pl, &why))
		t_fail(__FILE__, __LINE__, "%s: %s", text, why ? why : "?");
}

static struct ike_conn *ta_find(void *ctx, const struct ike_endpoint *l, const struct ike_endpoint *r,
				const struct cy_id *id, const struct alg_suite *ike)
{
	struct tn_peer *p = ctx;
	struct ike_conn *cand[2] = { &strict, &p->conn };

	(void)l;
	(void)r;
	if (!id)
		return &p->conn;   /* IKE_SA_INIT: "weak", by address */
	for (unsigned i = 0; i < 2; i++) {
		if (find_ignores_ike && ike && i == 1)
			break;
		if (!id_match(cand[i]->remote.id, id))
			continue;
		if (ike && !find_ignores_ike && !ike_conn_accepts_ike(cand[i], ike))
			continue;
		return cand[i];
	}
	return NULL;
}

/* The conn by traffic selectors (leftsubnets= expansions): "strict" when
 * they fit it. */
static struct ike_conn *ta_find_child(void *ctx, struct ike_conn *current, const struct ike_endpoint *l,
				      const struct ike_endpoint *r, const struct cy_id *peer,
				      const struct ike_ts_payload *tsi, const struct ike_ts_payload *tsr)
{
	(void)ctx;
	(void)peer;
	if (ike_conn_fits_ts(current, l, r, tsi, tsr))
		return current;
	return ike_conn_fits_ts(&strict, l, r, tsi, tsr) ? &strict : NULL;
}

static const struct ike_ops ta_ops = {
	.find_conn_for_child = ta_find_child,
	.now = tn_now,
	.send = tn_send,
	.get_psk = tn_get_psk,
	.find_conn_for_responder = ta_find,
	.child_sa_installed = tn_installed,
	.child_sa_deleted = tn_deleted,
	.ike_sa_established = tn_ike_up,
	.ike_sa_deleted = tn_ike_down,
};

struct row {
	const char *label;
	const char *a_ike, *a_esp;         /* what A proposes */
	const char *weak_esp;              /* NULL = default */
	const char *strict_ike, *strict_esp;
	bool any_id, ignores_ike;          /* weak's rightid=%any; the find op does not filter */
	const char *want_conn;             /* B's IKE SA; NULL = none (AUTHENTICATION_FAILED) */
	bool want_child;
	const char *want_log;              /* in B's log */
};

static void run_row(const struct row *rw)
{
	struct tn_net n;
	struct tn_snap b;
	const char *why;

	tn_init(&n);
	ike_engine_free(n.p[1].e);
	n.p[1].e = ike_engine_new(&ta_ops, &n.p[1], NULL);
	snprintf(n.p[1].conn.name, sizeof(n.p[1].conn.name), "weak");
	strict = n.p[1].conn;
	snprintf(strict.name, sizeof(strict.name), "strict");
	id_parse_shared("@other.example", &n.p[1].conn.remote.id, &why);
	set_props(&n.p[0].conn.ike, PROP_IKE, rw->a_ike);
	set_props(&n.p[0].conn.esp, PROP_ESP, rw->a_esp);
	if (rw->weak_esp)
		set_props(&n.p[1].conn.esp, PROP_ESP, rw->weak_esp);
	set_props(&strict.ike, PROP_IKE, rw->strict_ike);
	if (rw->strict_esp)
		set_props(&strict.esp, PROP_ESP, rw->strict_esp);
	if (rw->any_id)
		n.p[1].conn.remote.id = id_share(&(struct cy_id){ .kind = ID_ANY });   /* "weak" takes any peer ID too */
	find_ignores_ike = rw->ignores_ike;
	log_buf[0] = 0;
	log_set_tap(tap, NULL);
	tn_up(&n);
	log_set_tap(NULL, NULL);
	b = tn_snap(&n.p[1]);
	if (!n.p[0].done || n.p[0].status != (rw->want_child ? IKE_RC_OK : IKE_RC_FAILED))
		t_fail(__FILE__, __LINE__, "%s: A status %d (%s)", rw->label, n.p[0].status, n.p[0].reason);
	if (!rw->want_conn) {
		if (b.n_ike != 0 || tn_snap(&n.p[0]).n_ike != 0)
			t_fail(__FILE__, __LINE__, "%s: IKE SAs A %u B %u", rw->label, tn_snap(&n.p[0]).n_ike, b.n_ike);
		if (!strstr(n.p[0].reason, "AUTHENTICATION_FAILED"))
			t_fail(__FILE__, __LINE__, "%s: A reason %s", rw->label, n.p[0].reason);
	} else if (b.n_ike != 1 || !b.ike[0].established || strcmp(b.ike[0].conn_name, rw->want_conn) != 0) {
		t_fail(__FILE__, __LINE__, "%s: B IKE SAs %u conn %s", rw->label, b.n_ike,
		       b.n_ike ? b.ike[0].conn_name : "-");
	}
	if (tn_live(&n.p[1]) != (rw->want_child ? 1u : 0u) || tn_live(&n.p[0]) != tn_live(&n.p[1]))
		t_fail(__FILE__, __LINE__, "%s: children A %u B %u", rw->label, tn_live(&n.p[0]), tn_live(&n.p[1]));
	if (rw->want_child && (strcmp(n.p[1].child[0].conn, rw->want_conn) != 0 || !tn_children_agree(&n)))
		t_fail(__FILE__, __LINE__, "%s: B child conn %s", rw->label, n.p[1].child[0].conn);
	if (rw->want_log && !strstr(log_buf, rw->want_log))
		t_fail(__FILE__, __LINE__, "%s: no \"%s\" in B's log:\n%s", rw->label, rw->want_log, log_buf);
	tn_free(&n);
}

static void test_switch_checks_ike(void)
{
	static const struct row rows[] = {
		{ "strict refuses the suite: AUTHENTICATION_FAILED", "aes_gcm256-sha2_512-modp2048", "aes_gcm256", NULL,
		  "aes_gcm256-sha2_512-dh20", NULL, false, false, NULL, false,
		  "\"weak\" #1: responder: authentication failed: connection \"strict\" for the peer's ID does not "
		  "accept the IKE algorithms {cipher=AES_GCM_16_256 integ=n/a prf=HMAC_SHA2_512 group=MODP2048} "
		  "negotiated under \"weak\"" },
		{ "an embedder that does not filter: the engine refuses", "aes_gcm256-sha2_512-modp2048", "aes_gcm256",
		  NULL, "aes_gcm256-sha2_512-dh20", NULL, false, true, NULL, false,
		  "connection \"strict\" for the peer's ID does not accept" },
		{ "strict refuses, weak takes any ID: stays on weak", "aes_gcm256-sha2_512-modp2048", "aes_gcm256",
		  NULL, "aes_gcm256-sha2_512-dh20", NULL, true, false, "weak", true, NULL },
		{ "strict refuses the cipher", "aes256-sha2_256-modp2048", "aes_gcm256", NULL,
		  "aes_gcm256-sha2_256-modp2048", NULL, false, false, NULL, false, "does not accept" },
		{ "strict refuses the key length", "aes_gcm128-sha2_512-modp2048", "aes_gcm256", NULL,
		  "aes_gcm256-sha2_512-modp2048", NULL, false, false, NULL, false, "does not accept" },
		{ "strict accepts the suite: switches", "aes_gcm256-sha2_512-modp2048", "aes_gcm256", NULL,
		  "aes_gcm256-sha2_512-dh20,aes_gcm256-sha2_512-modp2048", NULL, false, false, "strict", true,
		  "\"weak\" #1: switched to connection \"strict\" for the peer's ID" },
		{ "non-AEAD suite accepted: switches", "aes256-sha2_256-modp2048", "aes_gcm256", NULL,
		  "aes256-sha2_256-modp2048", NULL, false, false, "strict", true, NULL },
	};

	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++)
		run_row(&rows[r]);
}

/* The first Child SA is selected against the conn finally chosen. */
static void test_child_uses_new_conn_esp(void)
{
	static const struct row rows[] = {
		{ "strict's esp= refuses A's: Child SA refused", "aes_gcm256-sha2_512-modp2048", "aes_gcm256", NULL,
		  "aes_gcm256-sha2_512-modp2048", "aes_gcm128", false, false, "strict", false, "NO_PROPOSAL_CHOSEN" },
		{ "only strict's esp= accepts A's: Child SA up", "aes_gcm256-sha2_512-modp2048", "aes_gcm128",
		  "aes_gcm256", "aes_gcm256-sha2_512-modp2048", "aes_gcm128", false, false, "strict", true, NULL },
	};

	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++)
		run_row(&rows[r]);
}

/* The switch by traffic selectors (IKE_AUTH) checks the IKE algorithms
 * too: "strict" holds 10.3.0.0/24, "weak" (found by address and ID) not. */
static void test_switch_for_child_checks_ike(void)
{
	static const struct {
		const char *label, *strict_ike, *want_conn, *want_log;
		bool want_child;
	} rows[] = {
		{ "strict refuses the suite: no switch, Child SA refused", "aes_gcm256-sha2_512-dh20", "weak",
		  "\"weak\" #1: not switching: connection \"strict\" for the proposed traffic selectors does not "
		  "accept the IKE algorithms", false },
		{ "strict accepts the suite: switch", "aes_gcm256-sha2_512-modp2048", "strict",
		  "\"weak\" #1: switched to connection \"strict\" for the proposed traffic selectors", true },
	};

	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		struct tn_net n;
		struct tn_snap b;
		const char *why;
		bool hb;

		tn_init(&n);
		ike_engine_free(n.p[1].e);
		n.p[1].e = ike_engine_new(&ta_ops, &n.p[1], NULL);
		snprintf(n.p[1].conn.name, sizeof(n.p[1].conn.name), "weak");
		strict = n.p[1].conn;
		snprintf(strict.name, sizeof(strict.name), "strict");
		id_parse_shared("@other.example", &strict.remote.id, &why);   /* not found by ID */
		subnet_parse("10.3.0.0/24", &strict.local.subnets[0], &hb);
		subnet_parse("10.3.0.0/24", &n.p[0].conn.remote.subnets[0], &hb);
		set_props(&n.p[0].conn.ike, PROP_IKE, "aes_gcm256-sha2_512-modp2048");
		set_props(&strict.ike, PROP_IKE, rows[r].strict_ike);
		find_ignores_ike = false;
		log_buf[0] = 0;
		log_set_tap(tap, NULL);
		tn_up(&n);
		log_set_tap(NULL, NULL);
		b = tn_snap(&n.p[1]);
		if (n.p[0].status != (rows[r].want_child ? IKE_RC_OK : IKE_RC_FAILED))
			t_fail(__FILE__, __LINE__, "%s: A status %d (%s)", rows[r].label, n.p[0].status, n.p[0].reason);
		if (b.n_ike != 1 || strcmp(b.ike[0].conn_name, rows[r].want_conn) != 0)
			t_fail(__FILE__, __LINE__, "%s: B IKE SAs %u", rows[r].label, b.n_ike);
		if (tn_live(&n.p[1]) != (rows[r].want_child ? 1u : 0u))
			t_fail(__FILE__, __LINE__, "%s: B children %u", rows[r].label, tn_live(&n.p[1]));
		if (!strstr(log_buf, rows[r].want_log))
			t_fail(__FILE__, __LINE__, "%s: B's log:\n%s", rows[r].label, log_buf);
		tn_free(&n);
	}
}

int main(void)
{
	log_set_level(getenv("IKE_TEST_LOG") ? LOG_LVL_DEBUG : LOG_LVL_ERROR);
	RUN(test_switch_checks_ike);
	RUN(test_child_uses_new_conn_esp);
	RUN(test_switch_for_child_checks_ike);
	return t_done();
}
