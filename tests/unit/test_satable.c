/* The SA table (src/daemon/satable.c), scenario by scenario, against the
 * recording fake dataplane of satable_testlib.h: every step asserts the
 * calls made, in order, and the exact contents of the dataplane. */
#include "satable_testlib.h"

#include "lib/idpool.h"

/* ---- scenarios -------------------------------------------------------------- */

/* A Child rekey: #2 replaces #1 and inherits its reqid; the policies are
 * neither removed nor re-added; #1's outbound SA goes with it, its inbound
 * SA lingers SATABLE_LINGER_MS. */
static void test_child_rekey(void)
{
	struct fake f;
	struct satable *t = setup(&f, 0x10000);
	const struct satable_child_info *ci;

	CHECK_INT(add(t, 1, A, S12, 0), 0);
	STEP(&f, UP1, SA1 AO " r0; " AI " r0");
	CHECK_INT(add(t, 2, A, S12, 1), 0);
	STEP(&f, "+sa in 0x1002 r0; +sa out 0x2002 r0",
	     SA1 "sa in 0x1002 r0; sa out 0x2002 r0; " AO " r0; " AI " r0");
	CHECK_INT(reqid_of(t, 2), 0);
	CHECK_INT(satable_child_del(t, 1, 5000), 0);
	STEP(&f, "-sa 0x2001", "sa in 0x1001 r0; sa in 0x1002 r0; sa out 0x2002 r0; " AO " r0; " AI " r0");
	CHECK(satable_child_get(t, 1) == NULL);
	CHECK(satable_child_by_spi(t, 0x1001, NULL) == NULL);     /* lingering is no Child SA */
	CHECK_INT(satable_next_deadline(t), 5000 + SATABLE_LINGER_MS);
	satable_tick(t, 5999);
	STEP(&f, "", "sa in 0x1001 r0; sa in 0x1002 r0; sa out 0x2002 r0; " AO " r0; " AI " r0");
	satable_tick(t, 6000);
	STEP(&f, "-sa 0x1001", "sa in 0x1002 r0; sa out 0x2002 r0; " AO " r0; " AI " r0");
	CHECK(satable_next_deadline(t) == UINT64_MAX);
	ci = satable_child_by_spi(t, 0x2002, NULL);
	CHECK(ci && ci->serial == 2 && ci->in.dir == DP_DIR_IN && ci->out.dir == DP_DIR_OUT);
	CHECK(ci && ci->in.reqid == BASE && satable_child_policy(ci, DP_DIR_IN, 0)->reqid == BASE);
	CHECK_INT(satable_child_del(t, 2, 7000), 0);      /* no successor: all at once */
	STEP(&f, "-" AI " r0; -" AO " r0; -sa 0x2002; -sa 0x1002", "");
	CHECK(satable_next_deadline(t) == UINT64_MAX);
	CHECK_INT(satable_child_del(t, 2, 7000), -ENOENT);
	satable_free(t);
	STEP(&f, "", "");
}

/* An IKE rekey moves the Child SAs to the new IKE SA: nothing changes in
 * the dataplane, and a later Child rekey still inherits the reqid. */
static void test_ike_rekey(void)
{
	struct fake f;
	struct satable *t = setup(&f, 0x10000);

	CHECK_INT(add(t, 1, A, S12, 0), 0);
	CHECK_INT(add(t, 2, B, S13, 0), 0);
	STEP(&f, UP1 "; +sa in 0x1002 r1; +sa out 0x2002 r1; +" A3O " r1; +" A3I " r1",
	     SA1 "sa in 0x1002 r1; sa out 0x2002 r1; " AO " r0; " AI " r0; " A3O " r1; " A3I " r1");
	CHECK_INT(satable_child_reparent(t, 1, 7), 0);
	CHECK_INT(satable_child_reparent(t, 2, 7), 0);
	CHECK_INT(satable_child_reparent(t, 9, 7), -ENOENT);
	STEP(&f, "", SA1 "sa in 0x1002 r1; sa out 0x2002 r1; " AO " r0; " AI " r0; " A3O " r1; " A3I " r1");
	CHECK_INT(satable_child_get(t, 1)->ike_serial, 7);
	CHECK_INT(add(t, 3, A, S12, 1), 0);
	CHECK_INT(satable_child_del(t, 1, 0), 0);
	satable_tick(t, SATABLE_LINGER_MS);
	STEP(&f, "+sa in 0x1003 r0; +sa out 0x2003 r0; -sa 0x2001; -sa 0x1001",
	     "sa in 0x1003 r0; sa out 0x2003 r0; sa in 0x1002 r1; sa out 0x2002 r1; " AO " r0; " AI " r0; " A3O
	     " r1; " A3I " r1");
	satable_free(t);
	STEP(&f, "-" AI " r0; -" AO " r0; -sa 0x2003; -sa 0x1003; -" A3I " r1; -" A3O " r1; -sa 0x2002; -sa 0x1002",
	     "");
}

/* The peer's NAT mapping moved: the Child SA's installed SAs get their new
 * ports through update_sa (same SPIs, reqid and addresses), the table's
 * copies follow, nothing else changes; a deferred outbound SA is left
 * alone and a different address is refused. */
static void test_child_update(void)
{
	struct fake f;
	struct satable *t = setup(&f, 0x10000);
	struct satable_child c = mk_child(1, A, S12);
	struct dp_sa in = c.in, out = c.out;
	int i;

	CHECK_INT(satable_child_add(t, &c), 0);
	STEP(&f, UP1, SA1 AO " r0; " AI " r0");
	in.sport = out.dport = 40500;
	in.dport = out.sport = 4500;
	CHECK_INT(satable_child_update(t, 1, &in, &out), 0);
	STEP(&f, "=sa in 0x1001 r0 ports 40500>4500; =sa out 0x2001 r0 ports 4500>40500", SA1 AO " r0; " AI " r0");
	i = find_sa(&f, 0x2001, &out.dst);
	CHECK(i >= 0 && f.sa[i].dport == 40500);
	CHECK_INT(satable_child_get(t, 1)->out.dport, 40500);
	CHECK(addr_eq(&satable_child_get(t, 1)->out.dst, &out.dst));
	CHECK_INT(satable_child_update(t, 9, &in, &out), -ENOENT);
	addr_parse("192.0.2.9", &out.dst);
	CHECK_INT(satable_child_update(t, 1, &in, &out), -EINVAL);
	STEP(&f, "=sa in 0x1001 r0 ports 40500>4500", SA1 AO " r0; " AI " r0");
	CHECK_INT(satable_child_get(t, 1)->out.dport, 40500);

	/* a rekey responder's Child SA with its outbound SA deferred */
	c = mk_child(2, A, S12);
	c.replaces = 1;
	c.out_deferred = true;
	CHECK_INT(satable_child_add(t, &c), 0);
	STEP(&f, "+sa in 0x1002 r0", SA1 "sa in 0x1002 r0; " AO " r0; " AI " r0");
	CHECK_INT(satable_child_update(t, 2, &c.in, &c.out), 0);
	STEP(&f, "=sa in 0x1002 r0 ports 0>0", SA1 "sa in 0x1002 r0; " AO " r0; " AI " r0");
	CHECK(f.bad[0] == 0);
	satable_free(t);
}

/* --route, --up, --down: the Child SA shares the trap's reqid and its
 * outbound policy; after --down the trap is there as before; --unroute
 * removes it. */
static void test_route_up_down(void)
{
	struct fake f;
	struct satable *t = setup(&f, 0x10000);
	uint32_t r = 0;

	CHECK_INT(route(t, A, S12, &r), 0);
	CHECK_INT(r, BASE);
	STEP(&f, "+" AO " r0 t", AO " r0 t");
	CHECK(satable_trap_by_reqid(t, BASE) == A);
	CHECK_INT(route(t, A, S12, NULL), -EEXIST);
	CHECK(!satable_conn_has_child(t, A));
	CHECK_INT(add(t, 1, A, S12, 0), 0);
	STEP(&f, "+sa in 0x1001 r0; +sa out 0x2001 r0; +" AI " r0", SA1 AO " r0 t; " AI " r0");
	CHECK(satable_conn_has_child(t, A));
	CHECK_INT(satable_active_conns(t), 1);
	CHECK_INT(satable_child_del(t, 1, 0), 0);
	STEP(&f, "-" AI " r0; -sa 0x2001; -sa 0x1001", AO " r0 t");
	CHECK(satable_trap_by_reqid(t, BASE) == A);
	CHECK(satable_trap_of(t, A, &r) && r == BASE);
	CHECK_INT(satable_active_conns(t), 0);
	CHECK_INT(satable_trap_del(t, A), 0);
	STEP(&f, "-" AO " r0 t", "");
	CHECK(satable_trap_by_reqid(t, BASE) == NULL);
	CHECK(!satable_trap_of(t, A, NULL));
	CHECK_INT(satable_trap_del(t, A), -ENOENT);
	satable_free(t);
}

/* A trap's action (negotiation / failure shunts): changing it re-installs
 * the policy with the new action; a Child SA arriving under a failure
 * shunt takes the policy over with its own (IPsec) version, even with the
 * same reqid; the trap back to plain under the Child SA changes nothing. */
static void test_trap_action(void)
{
	struct fake f;
	struct satable *t = setup(&f, 0x10000);
	struct dp_policy pol[2];

	CHECK_INT(satable_trap_action(t, A, DP_ACT_DROP), -ENOENT);
	CHECK_INT(route(t, A, S12, NULL), 0);
	STEP(&f, "+" AO " r0 t", AO " r0 t");
	CHECK_INT(satable_trap_action(t, A, DP_ACT_PASS), 0);
	STEP(&f, "-" AO " r0 t; +" AO " r0 pass t", AO " r0 pass t");
	CHECK_INT(satable_trap_action(t, A, DP_ACT_PASS), 0);
	STEP(&f, "", AO " r0 pass t");
	CHECK_INT(satable_trap_action(t, A, DP_ACT_DROP), 0);
	STEP(&f, "-" AO " r0 pass t; +" AO " r0 drop t", AO " r0 drop t");
	CHECK_INT(satable_trap_policies(t, A, pol, 2), 1);
	CHECK_INT(pol[0].action, DP_ACT_DROP);
	CHECK_INT(add(t, 1, A, S12, 0), 0);
	STEP(&f, "+sa in 0x1001 r0; +sa out 0x2001 r0; -" AO " r0 drop t; +" AO " r0; +" AI " r0",
	     SA1 AO " r0; " AI " r0");
	CHECK_INT(satable_trap_action(t, A, DP_ACT_IPSEC), 0);
	STEP(&f, "", SA1 AO " r0; " AI " r0");
	CHECK_INT(satable_child_del(t, 1, 0), 0);
	STEP(&f, "-" AI " r0; -sa 0x2001; -sa 0x1001", AO " r0");
	CHECK_INT(satable_trap_del(t, A), 0);
	STEP(&f, "-" AO " r0 t", "");
	CHECK_INT(satable_trap_policies(t, A, pol, 2), 0);
	satable_free(t);
}

/* --up, then --route while up (the trap takes the Child SA's reqid and
 * policy), --down: the trap remains; its deletion carries the template
 * (the Child SA's policy version had none, and its SA is gone by then). */
static void test_up_route_down(void)
{
	struct fake f;
	struct satable *t = setup(&f, 0x10000);
	uint32_t r = 0;

	CHECK_INT(add(t, 1, A, S12, 0), 0);
	STEP(&f, UP1, SA1 AO " r0; " AI " r0");
	CHECK_INT(route(t, A, S12, &r), 0);
	CHECK_INT(r, BASE);
	STEP(&f, "", SA1 AO " r0; " AI " r0");
	CHECK(satable_trap_by_reqid(t, BASE) == A);
	CHECK_INT(satable_child_del(t, 1, 0), 0);
	STEP(&f, "-" AI " r0; -sa 0x2001; -sa 0x1001", AO " r0");
	CHECK(satable_trap_by_reqid(t, BASE) == A);
	CHECK_INT(satable_trap_del(t, A), 0);
	STEP(&f, "-" AO " r0 t", "");
	satable_free(t);
}

/* Two conns whose selectors overlap get their own reqids and policies;
 * two conns with exactly equal keys share the policies, which point at
 * the newest Child SA's reqid and are re-pointed when it goes; a mark
 * makes another key. */
static void test_overlap(void)
{
	struct fake f;
	struct satable *t = setup(&f, 0x10000);

#define WO "pol out 10.0.0.0/16>10.9.0.0/16"
#define WI "pol in 10.9.0.0/16>10.0.0.0/16"
#define NO "pol out 10.0.1.0/24>10.9.0.0/16"
#define NI "pol in 10.9.0.0/16>10.0.1.0/24"
#define BOTH "sa in 0x1002 r1; sa out 0x2002 r1; " NO " r1; " NI " r1"
	CHECK_INT(add(t, 1, A, "10.0.0.0/16>10.9.0.0/16", 0), 0);
	CHECK_INT(add(t, 2, B, "10.0.1.0/24>10.9.0.0/16", 0), 0);
	STEP(&f, "+sa in 0x1001 r0; +sa out 0x2001 r0; +" WO " r0; +" WI " r0; "
		 "+sa in 0x1002 r1; +sa out 0x2002 r1; +" NO " r1; +" NI " r1",
	     SA1 WO " r0; " WI " r0; " BOTH);
	CHECK_INT(satable_active_conns(t), 2);
	CHECK_INT(satable_child_del(t, 1, 0), 0);
	STEP(&f, "-" WI " r0; -" WO " r0; -sa 0x2001; -sa 0x1001", BOTH);

	/* exactly equal: C's #3 (r2), D's #4 (r3) */
	CHECK_INT(add(t, 3, C, S12, 0), 0);
	CHECK_INT(add(t, 4, D, S12, 0), 0);
#define CD "sa in 0x1003 r2; sa out 0x2003 r2; sa in 0x1004 r3; sa out 0x2004 r3; "
	STEP(&f, "+sa in 0x1003 r2; +sa out 0x2003 r2; +" AO " r2; +" AI " r2; "
		 "+sa in 0x1004 r3; +sa out 0x2004 r3; -" AO " r2; +" AO " r3; -" AI " r2; +" AI " r3",
	     BOTH "; " CD AO " r3; " AI " r3");
	CHECK_INT(reqid_of(t, 3), 2);
	CHECK_INT(reqid_of(t, 4), 3);
	/* C's rekey #5 is now the newest holder */
	CHECK_INT(add(t, 5, C, S12, 3), 0);
	STEP(&f, "+sa in 0x1005 r2; +sa out 0x2005 r2; -" AO " r3; +" AO " r2; -" AI " r3; +" AI " r2",
	     BOTH "; " CD "sa in 0x1005 r2; sa out 0x2005 r2; " AO " r2; " AI " r2");
	CHECK_INT(satable_child_del(t, 3, 0), 0);
	satable_tick(t, SATABLE_LINGER_MS);
	STEP(&f, "-sa 0x2003; -sa 0x1003",
	     BOTH "; sa in 0x1004 r3; sa out 0x2004 r3; sa in 0x1005 r2; sa out 0x2005 r2; " AO " r2; " AI " r2");
	CHECK_INT(satable_child_del(t, 5, 0), 0);   /* back to D's */
	STEP(&f, "-" AI " r2; +" AI " r3; -" AO " r2; +" AO " r3; -sa 0x2005; -sa 0x1005",
	     BOTH "; sa in 0x1004 r3; sa out 0x2004 r3; " AO " r3; " AI " r3");

	/* the same selectors with a mark: another key */
	{
		struct satable_child c = mk_child(6, A, S12);
		c.pol_out[0].mark = c.pol_in[0].mark = (struct dp_mark){ 7, 0xffffffff };
		CHECK_INT(satable_child_add(t, &c), 0);
	}
	STEP(&f, "+sa in 0x1006 r4; +sa out 0x2006 r4; +" AO " r4 m7/ffffffff; +" AI " r4 m7/ffffffff",
	     BOTH "; sa in 0x1004 r3; sa out 0x2004 r3; " AO " r3; " AI " r3; "
		  "sa in 0x1006 r4; sa out 0x2006 r4; " AO " r4 m7/ffffffff; " AI " r4 m7/ffffffff");
	CHECK_INT(satable_child_del(t, 4, 0), 0);
	STEP(&f, "-" AI " r3; -" AO " r3; -sa 0x2004; -sa 0x1004",
	     BOTH "; sa in 0x1006 r4; sa out 0x2006 r4; " AO " r4 m7/ffffffff; " AI " r4 m7/ffffffff");
	satable_free(t);
}

/* The peer deletes a Child SA whose outbound policies are also traps: of
 * the routed conn itself (shared reqid), then of another conn with equal
 * selectors (own reqid: the trap's policy is re-pointed, then restored). */
static void test_peer_delete_under_trap(void)
{
	struct fake f;
	struct satable *t = setup(&f, 0x10000);

	CHECK_INT(route(t, A, S12 "," S13, NULL), 0);
	STEP(&f, "+" AO " r0 t; +" A3O " r0 t", AO " r0 t; " A3O " r0 t");
	CHECK_INT(add(t, 1, A, S13 "," S12, 0), 0);      /* the same set, another order */
	STEP(&f, "+sa in 0x1001 r0; +sa out 0x2001 r0; +" A3I " r0; +" AI " r0",
	     SA1 AO " r0 t; " A3O " r0 t; " A3I " r0; " AI " r0");
	CHECK_INT(satable_child_del(t, 1, 0), 0);
	STEP(&f, "-" AI " r0; -" A3I " r0; -sa 0x2001; -sa 0x1001", AO " r0 t; " A3O " r0 t");

	CHECK_INT(add(t, 2, B, S12, 0), 0);
	STEP(&f, "+sa in 0x1002 r1; +sa out 0x2002 r1; -" AO " r0 t; +" AO " r1; +" AI " r1",
	     "sa in 0x1002 r1; sa out 0x2002 r1; " AO " r1; " AI " r1; " A3O " r0 t");
	CHECK(satable_trap_by_reqid(t, BASE + 1) == NULL);
	CHECK_INT(satable_child_del(t, 2, 0), 0);
	STEP(&f, "-" AI " r1; -" AO " r1; +" AO " r0 t; -sa 0x2002; -sa 0x1002", AO " r0 t; " A3O " r0 t");
	CHECK(satable_trap_by_reqid(t, BASE) == A);
	satable_free(t);
	STEP(&f, "-" A3O " r0 t; -" AO " r0 t", "");
}

#define S14 "10.1.0.0/16>10.4.0.0/16"
#define A4O "pol out 10.1.0.0/16>10.4.0.0/16"
#define A4I "pol in 10.4.0.0/16>10.1.0.0/16"

/* Reqids come back when their last user goes (a lingering SA is one),
 * least recently freed first; the range can run out. */
static void test_reqid_reuse(void)
{
	struct fake f;
	struct satable *t = setup(&f, 3);

	CHECK_INT(add(t, 1, A, S12, 0), 0);
	CHECK_INT(add(t, 2, B, S13, 0), 0);
	CHECK_INT(add(t, 3, C, S14, 0), 0);
	f.calls[0] = 0;
	CHECK_INT(add(t, 4, D, S12, 0), -ENOSPC);
	CHECK_INT(route(t, D, S12, NULL), -ENOSPC);
	CHECK_INT(route(t, A, S12, NULL), 0);        /* A's set has a reqid */
	STEP(&f, "", SA1 AO " r0; " AI " r0; sa in 0x1002 r1; sa out 0x2002 r1; " A3O " r1; " A3I " r1; "
		     "sa in 0x1003 r2; sa out 0x2003 r2; " A4O " r2; " A4I " r2");
	CHECK_INT(satable_child_del(t, 2, 0), 0);
	CHECK_INT(add(t, 4, D, S13, 0), 0);
	STEP(&f, "-" A3I " r1; -" A3O " r1; -sa 0x2002; -sa 0x1002; "
		 "+sa in 0x1004 r1; +sa out 0x2004 r1; +" A3O " r1; +" A3I " r1",
	     SA1 AO " r0; " AI " r0; sa in 0x1004 r1; sa out 0x2004 r1; " A3O " r1; " A3I " r1; "
	     "sa in 0x1003 r2; sa out 0x2003 r2; " A4O " r2; " A4I " r2");
	CHECK_INT(satable_trap_del(t, A), 0);
	CHECK_INT(satable_child_del(t, 1, 0), 0);    /* frees r0 */
	CHECK_INT(satable_child_del(t, 3, 0), 0);    /* then r2 */
	CHECK_INT(add(t, 5, C, S12, 0), 0);
	CHECK_INT(add(t, 6, B, S14, 0), 0);
	CHECK_INT(reqid_of(t, 5), 0);
	CHECK_INT(reqid_of(t, 6), 2);
	f.calls[0] = 0;
	STEP(&f, "", "sa in 0x1004 r1; sa out 0x2004 r1; " A3O " r1; " A3I " r1; sa in 0x1005 r0; sa out 0x2005 r0; "
		     AO " r0; " AI " r0; sa in 0x1006 r2; sa out 0x2006 r2; " A4O " r2; " A4I " r2");
	satable_free(t);

	t = setup(&f, 2);                            /* a lingering SA keeps its reqid */
	CHECK_INT(add(t, 1, A, S12, 0), 0);
	CHECK_INT(add(t, 2, A, S12, 1), 0);
	CHECK_INT(satable_child_del(t, 1, 0), 0);
	CHECK_INT(satable_child_del(t, 2, 0), 0);
	CHECK_INT(add(t, 3, B, S13, 0), 0);
	CHECK_INT(add(t, 4, C, S14, 0), -ENOSPC);
	STEP(&f, UP1 "; +sa in 0x1002 r0; +sa out 0x2002 r0; -sa 0x2001; -" AI " r0; -" AO " r0; -sa 0x2002; "
		 "-sa 0x1002; +sa in 0x1003 r1; +sa out 0x2003 r1; +" A3O " r1; +" A3I " r1",
	     "sa in 0x1001 r0; sa in 0x1003 r1; sa out 0x2003 r1; " A3O " r1; " A3I " r1");
	satable_tick(t, SATABLE_LINGER_MS);
	CHECK_INT(add(t, 4, C, S14, 0), 0);
	STEP(&f, "-sa 0x1001; +sa in 0x1004 r0; +sa out 0x2004 r0; +" A4O " r0; +" A4I " r0",
	     "sa in 0x1003 r1; sa out 0x2003 r1; " A3O " r1; " A3I " r1; sa in 0x1004 r0; sa out 0x2004 r0; " A4O
	     " r0; " A4I " r0");
	satable_free(t);
}

/* The rekey responder's deferred outbound SA. */
static void test_deferred_outbound(void)
{
	struct fake f;
	struct satable *t = setup(&f, 0x10000);
	struct satable_child c;
	const struct satable_child_info *ci;

	CHECK_INT(add(t, 1, A, S12, 0), 0);
	STEP(&f, UP1, SA1 AO " r0; " AI " r0");
	c = mk_child(2, A, S12);
	c.replaces = 1;
	c.out_deferred = true;
	CHECK_INT(satable_child_add(t, &c), 0);
	STEP(&f, "+sa in 0x1002 r0", SA1 "sa in 0x1002 r0; " AO " r0; " AI " r0");
	ci = satable_child_by_spi(t, 0x2002, NULL);
	CHECK(ci && ci->serial == 2 && ci->out_deferred);
	CHECK_INT(satable_child_outbound(t, 2, &c.out), 0);
	STEP(&f, "+sa out 0x2002 r0", SA1 "sa in 0x1002 r0; sa out 0x2002 r0; " AO " r0; " AI " r0");
	CHECK(!satable_child_get(t, 2)->out_deferred);
	CHECK_INT(satable_child_outbound(t, 2, &c.out), 0);   /* installed already */
	CHECK_INT(satable_child_outbound(t, 9, &c.out), -ENOENT);
	CHECK_INT(satable_child_del(t, 1, 0), 0);
	satable_tick(t, SATABLE_LINGER_MS);
	STEP(&f, "-sa 0x2001; -sa 0x1001", "sa in 0x1002 r0; sa out 0x2002 r0; " AO " r0; " AI " r0");

	/* deleted before its outbound SA: no outbound SA to delete */
	c = mk_child(3, A, S12);
	c.replaces = 2;
	c.out_deferred = true;
	CHECK_INT(satable_child_add(t, &c), 0);
	c.out.spi = 0x9999;
	CHECK_INT(satable_child_outbound(t, 3, &c.out), -EINVAL);
	CHECK_INT(satable_child_del(t, 3, 0), 0);
	satable_tick(t, SATABLE_LINGER_MS);
	STEP(&f, "+sa in 0x1003 r0; -sa 0x1003", "sa in 0x1002 r0; sa out 0x2002 r0; " AO " r0; " AI " r0");

	/* nothing would carry the traffic: the deferral is not honoured */
	c = mk_child(4, B, S13);
	c.out_deferred = true;
	CHECK_INT(satable_child_add(t, &c), 0);
	STEP(&f, "+sa in 0x1004 r1; +sa out 0x2004 r1; +" A3O " r1; +" A3I " r1",
	     "sa in 0x1002 r0; sa out 0x2002 r0; " AO " r0; " AI " r0; sa in 0x1004 r1; sa out 0x2004 r1; " A3O
	     " r1; " A3I " r1");
	CHECK(!satable_child_get(t, 4)->out_deferred);
	satable_free(t);
}

/* A refused add is rolled back: nothing half-installed, no reference or
 * reqid kept (two reqids only: after all the failures, a trap and a Child
 * SA of other sets still fit). */
static void test_rollback(void)
{
	struct fake f;
	struct satable *t = setup(&f, 2);

	f.fail_op = OP_ADD_POL;
	f.fail_n = 2;
	CHECK_INT(add(t, 1, A, S12 "," S13, 0), -ENOBUFS);
	STEP(&f, UP1 "; FAIL; -" AO " r0; -sa 0x2001; -sa 0x1001", "");
	CHECK(!satable_child_get(t, 1) && !satable_conn_has_child(t, A) && satable_active_conns(t) == 0);

	f.fail_op = OP_ADD_SA;
	f.fail_n = 2;
	CHECK_INT(add(t, 1, A, S12, 0), -ENOBUFS);
	STEP(&f, "+sa in 0x1001 r1; +sa out 0x2001 r1; FAIL; -sa 0x1001", "");

	CHECK_INT(route(t, A, S12, NULL), 0);
	f.fail_op = OP_ADD_POL;                      /* re-pointing the trap's policy fails */
	f.fail_n = 1;
	CHECK_INT(add(t, 2, B, S12, 0), -ENOBUFS);
	STEP(&f, "+" AO " r0 t; +sa in 0x1002 r1; +sa out 0x2002 r1; -" AO " r0 t; +" AO " r1; FAIL; +" AO
		 " r0 t; -sa 0x2002; -sa 0x1002",
	     AO " r0 t");

	f.fail_op = OP_ADD_POL;
	f.fail_n = 2;
	CHECK_INT(route(t, B, S13 "," S14, NULL), -ENOBUFS);
	STEP(&f, "+" A3O " r1 t; +" A4O " r1 t; FAIL; -" A3O " r1 t", AO " r0 t");
	CHECK(!satable_trap_of(t, B, NULL));

	CHECK_INT(add(t, 3, C, S13, 0), 0);
	STEP(&f, "+sa in 0x1003 r1; +sa out 0x2003 r1; +" A3O " r1; +" A3I " r1",
	     AO " r0 t; sa in 0x1003 r1; sa out 0x2003 r1; " A3O " r1; " A3I " r1");
	satable_free(t);
}

/* A Child SA narrower than its conn's trap has its own reqid and policies;
 * the trap is untouched, and all is as before once it goes. */
static void test_narrower_child(void)
{
	struct fake f;
	struct satable *t = setup(&f, 0x10000);

#define NAO "pol out 10.1.5.0/24>10.2.0.0/16"
#define NAI "pol in 10.2.0.0/16>10.1.5.0/24"
	CHECK_INT(route(t, A, S12, NULL), 0);
	STEP(&f, "+" AO " r0 t", AO " r0 t");
	CHECK_INT(add(t, 1, A, "10.1.5.0/24>10.2.0.0/16", 0), 0);
	STEP(&f, "+sa in 0x1001 r1; +sa out 0x2001 r1; +" NAO " r1; +" NAI " r1",
	     AO " r0 t; sa in 0x1001 r1; sa out 0x2001 r1; " NAO " r1; " NAI " r1");
	CHECK(satable_trap_by_reqid(t, BASE) == A);
	CHECK(satable_trap_by_reqid(t, BASE + 1) == NULL);
	CHECK_INT(satable_child_del(t, 1, 0), 0);
	STEP(&f, "-" NAI " r1; -" NAO " r1; -sa 0x2001; -sa 0x1001", AO " r0 t");
	satable_free(t);
	STEP(&f, "-" AO " r0 t", "");
}

static uint32_t fixed_for_a(const void *conn)
{
	return conn == A ? 100 : 0;
}

/* reqid= : every (conn, selector set) of the conn uses it, trap included;
 * it never comes from or goes to the pool. */
static void test_fixed_reqid(void)
{
	struct fake f;
	struct satable *t = setup(&f, 1);
	uint32_t r = 0;

	satable_set_fixed_reqid(t, fixed_for_a);
	CHECK_INT(route(t, A, S12, &r), 0);
	CHECK_INT(r, 100);
	CHECK(satable_trap_by_reqid(t, 100) == A);
	CHECK_INT(add(t, 1, A, S12, 0), 0);
	CHECK_INT(add(t, 2, A, "10.1.5.0/24>10.2.0.0/16", 0), 0);   /* another set: same reqid */
	CHECK_INT(satable_child_get(t, 1)->reqid, 100);
	CHECK_INT(satable_child_get(t, 2)->reqid, 100);
	CHECK(satable_trap_by_reqid(t, 100) == A);
	for (size_t i = 0; i < f.nsa; i++)
		CHECK_INT(f.sa[i].reqid, 100);
	CHECK_INT(add(t, 3, B, S13, 0), 0);                           /* the pool's one reqid */
	CHECK_INT(reqid_of(t, 3), 0);
	CHECK_INT(satable_trap_del(t, A), 0);
	CHECK_INT(satable_child_del(t, 1, 0), 0);
	CHECK_INT(satable_child_del(t, 2, 0), 0);
	CHECK_INT(add(t, 4, C, S14, 0), -ENOSPC);                     /* 100 did not join the pool */
	CHECK_INT(satable_child_del(t, 3, 0), 0);
	CHECK_INT(add(t, 4, C, S14, 0), 0);
	CHECK_INT(reqid_of(t, 4), 0);
	CHECK(!f.bad[0]);
	satable_free(t);
}

static void count_cb(void *arg, const struct satable_child_info *ci)
{
	(*(unsigned *)arg) += ci->serial;
}

/* Lookups; shutdown removes everything, lingering SAs and traps included. */
static void test_lookups_and_shutdown(void)
{
	struct fake f;
	struct satable *t = setup(&f, 0x10000);
	struct ip_addr peer;
	unsigned sum = 0;
	char want[LIST_MAX];

	CHECK_INT(route(t, A, S12, NULL), 0);
	CHECK_INT(add(t, 1, A, S12, 0), 0);
	CHECK_INT(add(t, 2, A, S12, 1), 0);
	CHECK_INT(add(t, 3, B, S13, 0), 0);
	CHECK_INT(add(t, 3, B, S13, 0), -EEXIST);
	CHECK_INT(satable_child_del(t, 1, 100), 0);
	CHECK_INT(satable_next_deadline(t), 100 + SATABLE_LINGER_MS);
	addr_parse("192.0.2.2", &peer);
	CHECK(satable_child_by_spi(t, 0x2003, &peer) && satable_child_by_spi(t, 0x2003, &peer)->serial == 3);
	CHECK(satable_child_by_spi(t, 0x1003, &peer) == NULL);       /* inbound SAs live at 192.0.2.1 */
	satable_foreach_child(t, A, count_cb, &sum);
	CHECK_INT(sum, 2);
	satable_foreach_child(t, NULL, count_cb, &sum);
	CHECK_INT(sum, 2 + 5);
	CHECK_INT(satable_active_conns(t), 2);
	STEP(&f, "+" AO " r0 t; +sa in 0x1001 r0; +sa out 0x2001 r0; +" AI " r0; +sa in 0x1002 r0; +sa out 0x2002 r0; "
		 "+sa in 0x1003 r1; +sa out 0x2003 r1; +" A3O " r1; +" A3I " r1; -sa 0x2001",
	     "sa in 0x1001 r0; sa in 0x1002 r0; sa out 0x2002 r0; " AO " r0 t; " AI " r0; "
	     "sa in 0x1003 r1; sa out 0x2003 r1; " A3O " r1; " A3I " r1");
	satable_free(t);
	/* the trap first (no change: #2 holds its policy), then the Child SAs
	 * (in the hash's order), then the lingering SA */
	sorted(f.calls, f.calls, sizeof(f.calls));
	sorted("-" AI " r0; -" AO " r0 t; -sa 0x2002; -sa 0x1002; -" A3I " r1; -" A3O " r1; -sa 0x2003; -sa 0x1003; "
	       "-sa 0x1001", want, sizeof(want));
	STEP(&f, want, "");
}

/* Thousands of Child SAs (the hash tables grow), each found by serial and
 * SPI; a dataplane that only counts. */
static int n_sa, n_pol;
static int cnt_add_sa(struct dataplane *dp, const struct dp_sa *sa) { (void)dp; (void)sa; return ++n_sa, 0; }
static int cnt_add_pol(struct dataplane *dp, const struct dp_policy *p) { (void)dp; (void)p; return ++n_pol, 0; }
static int cnt_del_pol(struct dataplane *dp, const struct dp_policy *p) { (void)dp; (void)p; return n_pol--, 0; }
static int cnt_del_sa(struct dataplane *dp, uint32_t spi, const struct ip_addr *dst, uint8_t proto)
{
	(void)dp, (void)spi, (void)dst, (void)proto;
	return n_sa--, 0;
}

static void test_scale(void)
{
	static const struct dataplane_ops ops = { .add_sa = cnt_add_sa, .del_sa = cnt_del_sa,
						  .add_policy = cnt_add_pol, .del_policy = cnt_del_pol };
	static char many[5000];                          /* conn identities */
	struct dataplane dp = { .ops = &ops };
	struct satable *t = satable_new(&dp, BASE, 0x10000);
	char pair[64];
	bool found = true;

	for (unsigned i = 0; i < 5000; i++) {
		struct satable_child c;
		snprintf(pair, sizeof(pair), "10.%u.%u.0/24>10.200.0.0/16", i / 250, i % 250);
		c = mk_child(i + 1, &many[i], pair);
		c.in.spi = 0x100000 + i;
		c.out.spi = 0x200000 + i;
		CHECK_INT(satable_child_add(t, &c), 0);
	}
	CHECK_INT(n_sa, 10000);
	CHECK_INT(n_pol, 10000);
	CHECK_INT(satable_active_conns(t), 5000);
	for (unsigned i = 0; i < 5000; i++) {
		const struct satable_child_info *ci = satable_child_get(t, i + 1);
		found &= ci && ci->conn == &many[i] && satable_child_by_spi(t, 0x100000 + i, NULL) == ci &&
			 satable_child_by_spi(t, 0x200000 + i, NULL) == ci && satable_conn_has_child(t, &many[i]);
	}
	CHECK(found);
	for (unsigned i = 0; i < 5000; i += 2)
		CHECK_INT(satable_child_del(t, i + 1, 0), 0);
	CHECK_INT(n_sa, 5000);
	CHECK_INT(satable_active_conns(t), 2500);
	satable_free(t);
	CHECK_INT(n_sa, 0);
	CHECK_INT(n_pol, 0);
}

/* The reqid pool of the daemon's size: more than 65,536 ids at once,
 * distinct and in range; a freed one comes back only after the fresh ones. */
static void test_reqid_pool(void)
{
	struct idpool p;
	uint32_t id, last = 0;
	static uint8_t seen[DP_REQID_COUNT / 8];
	bool ok = true;

	CHECK(!idpool_init(&p, DP_REQID_BASE, IDPOOL_MAX + 1));
	if (!CHECK(idpool_init(&p, DP_REQID_BASE, DP_REQID_COUNT)))
		return;
	memset(seen, 0, sizeof(seen));
	for (uint32_t i = 0; i < 100000 && ok; i++) {
		uint32_t off;

		ok = idpool_get(&p, &id) && id >= DP_REQID_BASE && (off = id - DP_REQID_BASE) < DP_REQID_COUNT &&
		     !(seen[off / 8] & (1u << (off % 8)));
		if (ok)
			seen[off / 8] |= (uint8_t)(1u << (off % 8));
		last = id;
	}
	CHECK(ok);
	CHECK_INT(last, DP_REQID_BASE + 99999);
	idpool_put(&p, DP_REQID_BASE + 70000);
	CHECK(idpool_get(&p, &id) && id == DP_REQID_BASE + 100000);   /* fresh ones first */
	idpool_fini(&p);
}

int main(void)
{
	RUN(test_reqid_pool);
	RUN(test_child_rekey);
	RUN(test_ike_rekey);
	RUN(test_child_update);
	RUN(test_route_up_down);
	RUN(test_up_route_down);
	RUN(test_trap_action);
	RUN(test_overlap);
	RUN(test_peer_delete_under_trap);
	RUN(test_reqid_reuse);
	RUN(test_deferred_outbound);
	RUN(test_rollback);
	RUN(test_narrower_child);
	RUN(test_fixed_reqid);
	RUN(test_lookups_and_shutdown);
	RUN(test_scale);
	return t_done();
}
