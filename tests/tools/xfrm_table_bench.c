/* xfrm_table_bench SMALL BIG: the kernel dataplane's SA table
 * (xfrm_table.c) cost per operation with SMALL and with BIG peers (each an
 * inbound and an outbound SA of its own reqid): add, find by (SPI,
 * destination), newest by (reqid, direction) (a policy add), soft expire,
 * a resync pass, delete.  Prints "op ns@SMALL ns@BIG ratio" per
 * operation; near 1 means no walk (a walk shows as ~BIG/SMALL).
 * bench/xfrm_table.sh runs it. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "dataplane/xfrm_table.h"

enum { OP_ADD, OP_FIND, OP_NEWEST, OP_EXPIRE, OP_RESYNC, OP_DEL, OP__N };
static const char *const names[OP__N] = { "add", "find", "newest", "expire", "resync", "delete" };

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static struct xk_sa sa_of(unsigned i, bool in)
{
	struct xk_sa s = { .spi = 0x10000 + 2 * i + in, .dir = in ? DP_DIR_IN : DP_DIR_OUT,
			   .reqid = 16384 + i, .mode = DP_MODE_TUNNEL };
	uint8_t peer[4] = { 10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i };

	addr_parse("192.0.2.1", in ? &s.dst : &s.src);
	addr_from_bytes(AF_INET, peer, in ? &s.src : &s.dst);
	return s;
}

static bool take(void *arg, const struct dp_event *ev)
{
	(void)ev;
	++*(unsigned *)arg;
	return true;
}

/* ns per operation (per SA) with n peers, into ns[OP__N]. */
struct cost {
	double ns[OP__N];
	double visits[OP__N];     /* entries compared or walked per operation */
};

#define MARK(c, op, per) do { (c)->ns[op] = (now_ns() - t0) / (per); \
	(c)->visits[op] = (double)(t.visits - v0) / (per); t0 = now_ns(); v0 = t.visits; } while (0)

static int run(unsigned n, struct cost *c)
{
	struct xt t;
	double t0;
	uint64_t v0 = 0;
	unsigned told = 0, miss = 0;
	uint32_t ep;

	if (xt_init(&t) < 0)
		return -1;
	t0 = now_ns();
	for (unsigned i = 0; i < n; i++) {
		struct xk_sa in = sa_of(i, true), out = sa_of(i, false);
		if (xt_put(&t, &in) < 0 || xt_put(&t, &out) < 0)
			return -1;
	}
	MARK(c, OP_ADD, 2.0 * n);
	for (unsigned i = 0; i < n; i++) {
		struct xk_sa s = sa_of(i, i & 1);
		miss += !xt_find(&t, s.spi, &s.dst);
	}
	MARK(c, OP_FIND, n);
	for (unsigned i = 0; i < n; i++)
		miss += !xt_newest(&t, 16384 + i, (i & 1) ? DP_DIR_IN : DP_DIR_OUT);
	MARK(c, OP_NEWEST, n);
	for (unsigned i = 0; i < n; i++) {
		struct xk_sa s = sa_of(i, false);
		struct dp_event ev = { .type = DP_EV_EXPIRE };
		ev.u.expire.spi = s.spi;
		ev.u.expire.dst = s.dst;
		miss += !xt_expire(&t, &ev, take, &told);
	}
	MARK(c, OP_EXPIRE, n);
	ep = xt_resync_begin(&t);
	for (unsigned i = 0; i < 2 * n; i++) {
		struct xk_sa s = sa_of(i / 2, i & 1);
		xt_resync_seen(&t, ep, s.spi, &s.dst);
	}
	miss += (unsigned)xt_resync_end(&t, ep, take, &told);
	MARK(c, OP_RESYNC, 2.0 * n);
	for (unsigned i = 0; i < 2 * n; i++) {
		struct xk_sa s = sa_of(i / 2, i & 1);
		struct xt_entry *e = xt_find(&t, s.spi, &s.dst);
		if (e)
			xt_remove(&t, e);
		else
			miss++;
	}
	MARK(c, OP_DEL, 2.0 * n);
	xt_free(&t);
	return miss || told != n ? -1 : 0;
}

int main(int argc, char **argv)
{
	unsigned small = argc > 1 ? (unsigned)atoi(argv[1]) : 1000, big = argc > 2 ? (unsigned)atoi(argv[2]) : 10000;
	struct cost a, b;

	if (!small || !big || run(small, &a) < 0 || run(big, &b) < 0) {
		fprintf(stderr, "xfrm_table_bench: a run failed (usage: xfrm_table_bench SMALL BIG)\n");
		return 1;
	}
	printf("%-10s %12s %12s %8s %14s %12s\n", "operation", "ns/op@small", "ns/op@big", "ratio", "visits@small",
	       "visits@big");
	for (int k = 0; k < OP__N; k++)
		printf("%-10s %12.1f %12.1f %8.2f %14.2f %12.2f\n", names[k], a.ns[k], b.ns[k],
		       a.ns[k] > 0 ? b.ns[k] / a.ns[k] : 0, a.visits[k], b.visits[k]);
	printf("(small %u peers, big %u peers; 2 SAs each)\n", small, big);
	return 0;
}
