/* sadb_bench N [fixed]: the userspace SA database's cost per operation with N
 * peers (each: an outbound and an inbound policy, an outbound and an
 * inbound SA; its own reqid, or with "fixed" one reqid for all): add, outbound lookup, inbound SPI lookup and
 * policy check, a lifetime tick, delete.  Prints one line per operation:
 * "op N ns_per_op"; bench/sadb_scale.sh compares N=1000 with N=10000. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alg/iana.h"
#include "dataplane/sadb.h"

static struct secret *key;
static bool fixed;              /* one reqid for every peer (a fixed reqid=) */

static uint32_t reqid_of(unsigned i) { return fixed ? 16384 : 16384 + i; }

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void peer(unsigned i, struct ip_addr *a)
{
	uint8_t b[4] = { 10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i };
	addr_from_bytes(AF_INET, b, a);
}

static void pol(struct dp_policy *p, unsigned i, enum dp_dir dir)
{
	struct ip_subnet s = { .plen = 32 }, l;
	bool hb;

	memset(p, 0, sizeof(*p));
	peer(i, &s.addr);
	subnet_parse("203.0.113.0/24", &l, &hb);
	p->dir = dir;
	p->reqid = reqid_of(i);
	p->sel.src = dir == DP_DIR_OUT ? l : s;
	p->sel.dst = dir == DP_DIR_OUT ? s : l;
	if (dir == DP_DIR_OUT)
		p->tmpl_dst = s.addr;
}

static void sa(struct dp_sa *c, unsigned i, enum dp_dir dir)
{
	memset(c, 0, sizeof(*c));
	c->spi = 0x10000 + 2 * i + (dir == DP_DIR_IN);
	c->dir = dir;
	addr_parse("192.0.2.1", dir == DP_DIR_OUT ? &c->src : &c->dst);
	peer(i, dir == DP_DIR_OUT ? &c->dst : &c->src);
	c->encr = IKEV2_ENCR_AES_GCM_16;
	c->encr_keybits = 128;
	c->encr_key = key;
	c->reqid = reqid_of(i);
	c->soft.seconds = 3600 + i % 600;
	c->hard.seconds = 3900 + i % 600;
}

static bool quiet(void *arg, struct sa_entry *s, bool hard)
{
	(void)arg, (void)s, (void)hard;
	return true;
}

static void report(const char *op, unsigned n, double t0, double ops)
{
	printf("%-12s %6u %10.1f\n", op, n, (now_ns() - t0) / ops);
}

int main(int argc, char **argv)
{
	unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 1000, hits = 0;
	struct sadb db;
	struct dp_policy p;
	struct dp_sa c;
	struct dp_tuple t = { .proto = 17 };
	uint8_t k[20] = { 1 };
	double t0;

	fixed = argc > 2 && !strcmp(argv[2], "fixed");
	key = secret_dup(k, sizeof(k));
	sadb_init(&db);
	db.expire = quiet;
	t0 = now_ns();
	for (unsigned i = 0; i < n; i++) {
		pol(&p, i, DP_DIR_OUT);
		sadb_add_policy(&db, &p);
		pol(&p, i, DP_DIR_IN);
		sadb_add_policy(&db, &p);
	}
	report("add_policy", n, t0, 2.0 * n);
	t0 = now_ns();
	for (unsigned i = 0; i < n; i++) {
		sa(&c, i, DP_DIR_OUT);
		sadb_add_sa(&db, &c, 1000, 0);
		sa(&c, i, DP_DIR_IN);
		sadb_add_sa(&db, &c, 1000, 0);
	}
	report("add_sa", n, t0, 2.0 * n);
	addr_parse("203.0.113.7", &t.src);
	t0 = now_ns();
	for (unsigned r = 0; r < 10; r++)
		for (unsigned i = 0; i < n; i++) {
			peer(i, &t.dst);
			hits += sadb_lookup_out(&db, &t) != NULL;
		}
	report("lookup_out", n, t0, 10.0 * n);
	t.dst = t.src;
	t0 = now_ns();
	for (unsigned r = 0; r < 10; r++)
		for (unsigned i = 0; i < n; i++) {
			struct sa_entry *in = sadb_find_in(&db, 0x10000 + 2 * i + 1);
			peer(i, &t.src);
			hits += in && sadb_inbound_ok(&db, in, &t);
		}
	report("inbound", n, t0, 10.0 * n);
	t0 = now_ns();
	for (uint64_t s = 1000; s < 1000 + 600; s++)
		sadb_tick(&db, s);
	report("tick", n, t0, 600.0);
	t0 = now_ns();
	for (unsigned i = 0; i < n; i++) {
		struct ip_addr d;
		peer(i, &d);
		sadb_del_sa(&db, 0x10000 + 2 * i, &d);
		addr_parse("192.0.2.1", &d);
		sadb_del_sa(&db, 0x10000 + 2 * i + 1, &d);
		pol(&p, i, DP_DIR_OUT);
		sadb_del_policy(&db, &p);
		pol(&p, i, DP_DIR_IN);
		sadb_del_policy(&db, &p);
	}
	report("delete", n, t0, 4.0 * n);
	sadb_free(&db);
	secret_free(key);
	if (hits != 20 * n) {
		fprintf(stderr, "sadb_bench: %u of %u lookups hit\n", hits, 20 * n);
		return 1;
	}
	return 0;
}
