/* Per-conn options the engine honours (ipsec.conf names): nat-keepalive,
 * initial-contact, send-no-esp-tfc.  Two engines in one process.
 * (rekeyfuzz: test_ike_rekey; keyword -> ike_conn: test_ctl_conndb) */
#include "ike_testlib.h"

/* nat-keepalive=no: behind a NAT, no keepalives at all (test_ike_engine's
 * test_nat counts them with the default). */
static void test_no_nat_keepalive(void)
{
	struct tn_net n;

	tn_init(&n);
	n.nat_a = true;
	n.p[0].conn.nat_keepalive_ms = 0;
	tn_up(&n);
	CHECK_INT(n.p[0].status, IKE_RC_OK);
	CHECK(tn_snap(&n.p[1]).ike[0].nat);
	tn_advance_to(&n, n.now + 100000);
	CHECK_INT(n.p[0].n_keepalive + n.p[1].n_keepalive, 0);
	tn_free(&n);
}

/* initial-contact=no: the restarted A sends no INITIAL_CONTACT, so B keeps
 * the old IKE SA and Child SA beside the new ones. */
static void test_restart_no_initial_contact(void)
{
	struct tn_net n;

	tn_init(&n);
	n.p[0].conn.initial_contact = false;
	tn_up(&n);
	ike_engine_free(n.p[0].e);
	memset(n.p[0].child, 0, sizeof(n.p[0].child));
	n.p[0].e = ike_engine_new(&tn_ops, &n.p[0], NULL);
	tn_up(&n);
	CHECK_INT(n.p[0].status, IKE_RC_OK);
	CHECK_INT(tn_snap(&n.p[1]).n_ike, 2);
	CHECK_INT(tn_live(&n.p[1]), 2);
	CHECK_INT(n.p[1].n_child_deleted, 0);
	tn_free(&n);
}

/* send-no-esp-tfc=yes: ESP_TFC_PADDING_NOT_SUPPORTED in IKE_AUTH, from
 * either side; the receiver's Child SA says so (no TFC padding towards it). */
static void test_send_no_esp_tfc(void)
{
	for (int side = 0; side < 2; side++) {
		struct tn_net n;

		tn_init(&n);
		n.p[side].conn.send_no_esp_tfc = true;
		tn_up(&n);
		CHECK(tn_children_agree(&n));
		CHECK(n.p[!side].child[0].peer_no_tfc);
		CHECK(!n.p[side].child[0].peer_no_tfc);
		/* CREATE_CHILD_SA too, whoever rekeys */
		for (int r = 0; r < 2; r++) {
			struct tn_snap s = tn_snap(&n.p[r]);

			CHECK(ike_rekey_child(n.p[r].e, s.child[0].serial, NULL));
			tn_run(&n);
			CHECK_INT(tn_live(&n.p[0]), 1);
			for (unsigned i = 0; i < TN_MAX_CHILD; i++) {
				if (n.p[!side].child[i].live)
					CHECK(n.p[!side].child[i].peer_no_tfc);
				if (n.p[side].child[i].live)
					CHECK(!n.p[side].child[i].peer_no_tfc);
			}
		}
		tn_free(&n);
	}
	{
		struct tn_net n;

		tn_init(&n);
		tn_up(&n);
		CHECK(!n.p[0].child[0].peer_no_tfc && !n.p[1].child[0].peer_no_tfc);
		tn_free(&n);
	}
}

int main(void)
{
	RUN(test_no_nat_keepalive);
	RUN(test_restart_no_initial_contact);
	RUN(test_send_no_esp_tfc);
	return t_done();
}
