/* The kernel dataplane's SA table (xfrm_table.c): look-ups by (SPI,
 * destination) and "newest SA by (reqid, direction)" cost O(1) however
 * many SAs there are (the visit counter catches a walk); an EXPIRE the
 * daemon's event channel refuses is kept (one per SA, hard over soft) and
 * arrives after the daemon drains; a resync reports exactly the SAs the
 * kernel lost. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/dp_events.h"
#include "dataplane/xfrm_table.h"
#include "harness.h"

#define MANY 20000

static struct xk_sa mk(uint32_t spi, uint32_t reqid, enum dp_dir dir)
{
	struct xk_sa s = { .spi = spi, .dir = dir, .reqid = reqid, .mode = DP_MODE_TUNNEL };
	char a[32];

	/* many destinations, several SAs per destination */
	snprintf(a, sizeof(a), "198.51.100.%u", spi % 200);
	addr_parse(a, &s.dst);
	addr_parse("203.0.113.1", &s.src);
	return s;
}

static struct xt_entry *find(struct xt *t, uint32_t spi)
{
	struct xk_sa s = mk(spi, 0, DP_DIR_IN);
	return xt_find(t, spi, &s.dst);
}

/* MANY SAs (two per reqid and direction): every add, find and newest
 * look-up costs a few visits, not a walk (N^2/2 = 2e8 visits). */
static void test_many_sas(void)
{
	struct xt t;
	int bad = 0;

	CHECK_INT(xt_init(&t), 0);
	for (uint32_t i = 0; i < MANY; i++) {
		struct xk_sa s = mk(0x1000 + i, 16384 + i / 4, (i & 1) ? DP_DIR_OUT : DP_DIR_IN);
		if (xt_put(&t, &s) != 0)
			bad++;
	}
	CHECK_INT(bad, 0);
	CHECK_INT(t.n, MANY);
	for (uint32_t i = 0; i < MANY; i++) {
		struct xt_entry *e = find(&t, 0x1000 + i);
		if (!e || e->sa.spi != 0x1000 + i || e->sa.reqid != 16384 + i / 4)
			bad++;
	}
	CHECK_INT(bad, 0);
	CHECK(find(&t, 0x1000 + MANY) == NULL);
	for (uint32_t r = 0; r < MANY / 4; r++) {
		const struct xk_sa *in = xt_newest(&t, 16384 + r, DP_DIR_IN);
		const struct xk_sa *out = xt_newest(&t, 16384 + r, DP_DIR_OUT);
		if (!in || !out || in->spi != 0x1000 + 4 * r + 2 || out->spi != 0x1000 + 4 * r + 3)
			bad++;
	}
	CHECK_INT(bad, 0);
	CHECK(xt_newest(&t, 16384 + MANY, DP_DIR_IN) == NULL);
	/* adds + finds + newest: MANY * 2.5 operations; a few visits each */
	if (t.visits > (uint64_t)MANY * 10)
		t_fail(__FILE__, __LINE__, "%llu visits for %d SAs: a walk", (unsigned long long)t.visits, MANY);
	xt_free(&t);
}

/* Removing and adding again: the removed are gone, the others stay, the
 * count follows; an update changes an SA in place. */
static void test_remove_readd(void)
{
	struct xt t;
	int bad = 0;

	CHECK_INT(xt_init(&t), 0);
	for (uint32_t i = 0; i < 1000; i++) {
		struct xk_sa s = mk(0x100 + i, 16384 + i, DP_DIR_OUT);
		xt_put(&t, &s);
	}
	for (uint32_t i = 0; i < 1000; i += 2)
		xt_remove(&t, find(&t, 0x100 + i));
	CHECK_INT(t.n, 500);
	for (uint32_t i = 0; i < 1000; i++)
		if ((find(&t, 0x100 + i) != NULL) != (i & 1))
			bad++;
	CHECK_INT(bad, 0);
	for (uint32_t i = 0; i < 1000; i += 2) {
		struct xk_sa s = mk(0x100 + i, 20000 + i, DP_DIR_IN);
		xt_put(&t, &s);
	}
	CHECK_INT(t.n, 1000);
	for (uint32_t i = 0; i < 1000; i++) {
		struct xt_entry *e = find(&t, 0x100 + i);
		if (!e || e->sa.reqid != ((i & 1) ? 16384 + i : 20000 + i))
			bad++;
	}
	CHECK_INT(bad, 0);
	{
		struct xk_sa s = mk(0x101, 16385, DP_DIR_OUT);      /* an update */
		s.mark.value = 7;
		CHECK_INT(xt_put(&t, &s), 0);
		CHECK_INT(t.n, 1000);
		CHECK_INT(find(&t, 0x101)->sa.mark.value, 7);
	}
	{
		size_t n = 0;
		for (struct xt_entry *e = xt_first(&t); e; e = xt_next(&t, e))
			n++;
		CHECK_INT(n, 1000);
	}
	xt_free(&t);
}

/* The newest is the last added that is still there: removing it makes the
 * one before newest; updating an older one does not make it newest. */
static void test_newest_by_reqid(void)
{
	struct xt t;
	struct xk_sa a = mk(0xa, 16400, DP_DIR_OUT), b = mk(0xb, 16400, DP_DIR_OUT), c = mk(0xc, 16400, DP_DIR_OUT);
	struct xk_sa other = mk(0xd, 16400, DP_DIR_IN);

	CHECK_INT(xt_init(&t), 0);
	xt_put(&t, &a);
	xt_put(&t, &b);
	xt_put(&t, &other);
	xt_put(&t, &c);
	CHECK_INT(xt_newest(&t, 16400, DP_DIR_OUT)->spi, 0xc);
	CHECK_INT(xt_newest(&t, 16400, DP_DIR_IN)->spi, 0xd);
	xt_put(&t, &a);                                     /* an update keeps its place */
	CHECK_INT(xt_newest(&t, 16400, DP_DIR_OUT)->spi, 0xc);
	xt_remove(&t, find(&t, 0xc));
	CHECK_INT(xt_newest(&t, 16400, DP_DIR_OUT)->spi, 0xb);
	xt_remove(&t, find(&t, 0xa));
	CHECK_INT(xt_newest(&t, 16400, DP_DIR_OUT)->spi, 0xb);
	xt_remove(&t, find(&t, 0xb));
	CHECK(xt_newest(&t, 16400, DP_DIR_OUT) == NULL);
	CHECK_INT(xt_newest(&t, 16400, DP_DIR_IN)->spi, 0xd);
	xt_put(&t, &c);
	CHECK_INT(xt_newest(&t, 16400, DP_DIR_OUT)->spi, 0xc);
	c.reqid = 16401;                                     /* moved to another reqid */
	xt_put(&t, &c);
	CHECK(xt_newest(&t, 16400, DP_DIR_OUT) == NULL);
	CHECK_INT(xt_newest(&t, 16401, DP_DIR_OUT)->spi, 0xc);
	xt_free(&t);
}

/* ---- pending EXPIREs ---------------------------------------------------- */

static bool push(void *q, const struct dp_event *ev) { return dp_evq_push(q, ev, NULL, 0); }

struct got {
	int expire, soft, hard, other;
	uint32_t last_spi;
	enum dp_dir last_dir;
	unsigned *per_spi;            /* hard expires per SPI - 0x1000 */
};

static void on_event(void *arg, const struct dp_event *ev)
{
	struct got *g = arg;

	if (ev->type != DP_EV_EXPIRE) {
		g->other++;
		return;
	}
	g->expire++;
	if (ev->u.expire.hard)
		g->hard++;
	else
		g->soft++;
	g->last_spi = ev->u.expire.spi;
	g->last_dir = ev->u.expire.dir;
	if (g->per_spi && ev->u.expire.hard)
		g->per_spi[ev->u.expire.spi - 0x1000]++;
}

/* The SA channel full of others' events (acquires from traps). */
static void fill_channel(struct dp_evq *q)
{
	struct dp_event acq = { .type = DP_EV_ACQUIRE };
	int n = 0;

	while (n < DP_EVQ_SA_SLOTS && dp_evq_push(q, &acq, NULL, 0))
		n++;
	CHECK_INT(n, DP_EVQ_SA_SLOTS);
}

static struct dp_event kernel_expire(uint32_t spi, bool hard)
{
	struct dp_event ev = { .type = DP_EV_EXPIRE };
	struct xk_sa s = mk(spi, 0, DP_DIR_IN);

	ev.u.expire.spi = spi;
	ev.u.expire.dst = s.dst;
	ev.u.expire.hard = hard;
	ev.u.expire.dir = DP_DIR_IN;          /* the kernel does not say: the table does */
	return ev;
}

static void test_expire_arrives_after_drain(void)
{
	struct dp_evq *q = dp_evq_new();
	struct xt t;
	struct xk_sa s = mk(0x77, 16500, DP_DIR_OUT);
	struct dp_event ev = kernel_expire(0x77, false);
	struct got g = { 0 };

	CHECK_INT(xt_init(&t), 0);
	xt_put(&t, &s);
	fill_channel(q);
	CHECK(xt_expire(&t, &ev, push, q));             /* ours, refused by the channel: kept */
	CHECK_INT(t.npending, 1);
	CHECK_INT(xt_retry(&t, push, q), 1);            /* still full */
	dp_evq_drain(q, on_event, &g);
	CHECK_INT(g.expire, 0);
	CHECK_INT(g.other, DP_EVQ_SA_SLOTS);
	CHECK_INT(xt_retry(&t, push, q), 0);            /* room now */
	dp_evq_drain(q, on_event, &g);
	CHECK_INT(g.expire, 1);
	CHECK_INT(g.soft, 1);
	CHECK_INT(g.last_spi, 0x77);
	CHECK_INT(g.last_dir, DP_DIR_OUT);
	CHECK(find(&t, 0x77) != NULL);                  /* a soft one leaves the SA */
	CHECK_INT(xt_retry(&t, push, q), 0);
	dp_evq_drain(q, on_event, &g);
	CHECK_INT(g.expire, 1);                          /* told once */
	ev = kernel_expire(0x99, true);
	CHECK(!xt_expire(&t, &ev, push, q));            /* not ours */
	xt_free(&t);
	dp_evq_free(q);
}

static void test_hard_replaces_soft(void)
{
	struct dp_evq *q = dp_evq_new();
	struct xt t;
	struct xk_sa s = mk(0x78, 16501, DP_DIR_IN), newer = mk(0x79, 16501, DP_DIR_IN);
	struct dp_event soft = kernel_expire(0x78, false), hard = kernel_expire(0x78, true);
	struct got g = { 0 };

	CHECK_INT(xt_init(&t), 0);
	xt_put(&t, &newer);
	xt_put(&t, &s);
	fill_channel(q);
	CHECK(xt_expire(&t, &soft, push, q));
	CHECK(xt_expire(&t, &hard, push, q));
	CHECK_INT(t.npending, 1);                       /* one per SA */
	CHECK(find(&t, 0x78)->gone);
	CHECK_INT(xt_newest(&t, 16501, DP_DIR_IN)->spi, 0x79);   /* no policy's template now */
	hard = kernel_expire(0x78, true);
	CHECK(!xt_expire(&t, &hard, push, q));          /* a duplicate */
	CHECK_INT(t.npending, 1);
	dp_evq_drain(q, on_event, &g);
	CHECK_INT(xt_retry(&t, push, q), 0);
	dp_evq_drain(q, on_event, &g);
	CHECK_INT(g.expire, 1);
	CHECK_INT(g.hard, 1);
	CHECK_INT(g.last_spi, 0x78);
	CHECK(find(&t, 0x78) == NULL);                  /* told: forgotten */
	CHECK_INT(t.n, 1);
	/* deleted by the daemon while pending: nothing is told */
	fill_channel(q);
	soft = kernel_expire(0x79, false);
	CHECK(xt_expire(&t, &soft, push, q));
	xt_remove(&t, find(&t, 0x79));
	CHECK_INT(t.npending, 0);
	dp_evq_drain(q, on_event, &g);
	CHECK_INT(xt_retry(&t, push, q), 0);
	dp_evq_drain(q, on_event, &g);
	CHECK_INT(g.expire, 1);
	xt_free(&t);
	dp_evq_free(q);
}

/* However many EXPIREs the kernel sends while the channel is full, at
 * most one per SA waits; every SA's hard expire arrives exactly once. */
static void test_pending_bounded(void)
{
	enum { N = 3 * DP_EVQ_SA_SLOTS };
	struct dp_evq *q = dp_evq_new();
	struct xt t;
	struct got g = { 0 };
	int rounds = 0, bad = 0;

	g.per_spi = calloc(N, sizeof(*g.per_spi));
	CHECK_INT(xt_init(&t), 0);
	for (uint32_t i = 0; i < N; i++) {
		struct xk_sa s = mk(0x1000 + i, 16384 + i, DP_DIR_OUT);
		xt_put(&t, &s);
	}
	fill_channel(q);
	for (uint32_t i = 0; i < N; i++)
		for (int k = 0; k < 3; k++) {
			struct dp_event ev = kernel_expire(0x1000 + i, k == 2);
			xt_expire(&t, &ev, push, q);
		}
	CHECK_INT(t.npending, N);
	while (t.npending && rounds++ < 100) {
		dp_evq_drain(q, on_event, &g);
		xt_retry(&t, push, q);
	}
	dp_evq_drain(q, on_event, &g);
	CHECK_INT(t.npending, 0);
	CHECK_INT(g.hard, N);
	CHECK_INT(g.soft, 0);
	for (uint32_t i = 0; i < N; i++)
		if (g.per_spi[i] != 1)
			bad++;
	CHECK_INT(bad, 0);
	CHECK_INT(t.n, 0);
	free(g.per_spi);
	xt_free(&t);
	dp_evq_free(q);
}

/* ---- resync ------------------------------------------------------------- */

static void test_resync(void)
{
	struct dp_evq *q = dp_evq_new();
	struct xt t;
	struct got g = { 0 };
	uint32_t ep;
	uint64_t v0;

	CHECK_INT(xt_init(&t), 0);
	for (uint32_t i = 0; i < MANY; i++) {
		struct xk_sa s = mk(0x1000 + i, 16384 + i, DP_DIR_OUT);
		xt_put(&t, &s);
	}
	v0 = t.visits;
	ep = xt_resync_begin(&t);
	{
		struct xk_sa late = mk(0x1000 + MANY, 99, DP_DIR_OUT);
		xt_put(&t, &late);              /* added during the dump, not in it */
	}
	for (uint32_t i = 0; i < MANY; i++) {
		struct xk_sa k = mk(0x1000 + i, 0, DP_DIR_OUT);
		if (i % 1000)                   /* the kernel lost every 1000th */
			xt_resync_seen(&t, ep, k.spi, &k.dst);
	}
	CHECK_INT(xt_resync_end(&t, ep, push, q), MANY / 1000);
	if (t.visits - v0 > (uint64_t)MANY * 10)
		t_fail(__FILE__, __LINE__, "resync: %llu visits for %d SAs", (unsigned long long)(t.visits - v0), MANY);
	dp_evq_drain(q, on_event, &g);
	CHECK_INT(g.hard, MANY / 1000);
	CHECK_INT(t.n, MANY + 1 - MANY / 1000);
	CHECK(find(&t, 0x1000) == NULL);
	CHECK(find(&t, 0x1000 + MANY) != NULL);
	xt_free(&t);
	dp_evq_free(q);
}

int main(void)
{
	RUN(test_many_sas);
	RUN(test_remove_readd);
	RUN(test_newest_by_reqid);
	RUN(test_expire_arrives_after_drain);
	RUN(test_hard_replaces_soft);
	RUN(test_pending_bounded);
	RUN(test_resync);
	return t_done();
}
