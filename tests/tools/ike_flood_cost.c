/* ike_flood_cost: what a flood of forged IKE_SA_INIT requests costs the IKE
 * engine, in process (no sockets: the engine's own ops with a fake clock).
 *
 *   ike_flood_cost [N ...]        (default: 1000 10000)
 *
 * For each N: a responder engine with ddos-ike-threshold=N takes N forged
 * requests (distinct source addresses and SPIs: N half-open IKE SAs, each
 * with its X25519), then 20000 more answered with a stateless COOKIE, then
 * one ike_tick that expires all N.  Prints CPU microseconds per forged
 * request in each phase and for the tick, and the engine's deadline
 * computations; bench/ike_flood_engine.sh prints the ratios between the
 * sizes (flat = no per-packet walk over the SAs). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/proposals.h"
#include "ike/ike.h"
#include "ike/sa.h"
#include "lib/log.h"

static uint64_t now_ms = 1000000;
static uint8_t pkt[IKE_MSG_BUF];
static size_t pkt_len;
static unsigned sent;
static struct ike_conn conns[2];

static uint64_t f_now(void *ctx) { (void)ctx; return now_ms; }

static void f_send(void *ctx, const uint8_t *p, size_t len, const struct ike_endpoint *l,
		   const struct ike_endpoint *r)
{
	(void)l;
	(void)r;
	sent++;
	if (ctx == &conns[0] && len <= sizeof(pkt)) {   /* the initiator's request */
		memcpy(pkt, p, len);
		pkt_len = len;
	}
}

static struct secret *f_psk(void *ctx, const struct cy_id *l, const struct cy_id *r)
{
	(void)ctx;
	(void)l;
	(void)r;
	return secret_dup("bench", 5);
}

static struct ike_conn *f_find(void *ctx, const struct ike_endpoint *l, const struct ike_endpoint *r,
			       const struct cy_id *id, const struct alg_suite *ike)
{
	(void)l;
	(void)r;
	(void)id;
	(void)ike;
	return ctx;
}

static const struct ike_ops ops = { .now = f_now, .send = f_send, .get_psk = f_psk, .find_conn_for_responder = f_find };

static double cpu_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static bool conn_setup(struct ike_conn *c, int i)
{
	const char *addr[2] = { "192.0.2.1", "192.0.2.2" };
	const char *why;

	ike_conn_defaults(c);
	snprintf(c->name, sizeof(c->name), "flood");
	addr_parse(addr[i], &c->local.addr);
	addr_parse(addr[!i], &c->remote.addr);
	return proposals_parse_shared(PROP_IKE, "aes_gcm256-sha2_256-curve25519", &c->ike, &why);
}

/* One forged request: source 198.51.x.y / 203.0.113.z, SPIi from k. */
static void forge(struct ike_engine *e, unsigned k, const struct ike_endpoint *dst)
{
	struct ike_endpoint src = { .port = 500 };

	addr_parse(k & 0x10000 ? "203.0.113.0" : "198.51.100.0", &src.addr);
	src.addr.a[2] = (uint8_t)(src.addr.a[2] + ((k >> 8) & 0xff));
	src.addr.a[3] = (uint8_t)k;
	memcpy(pkt, &k, sizeof(k));
	ike_recv(e, pkt, pkt_len, dst, &src);
}

static int run(unsigned n)
{
	struct ike_engine_config cfg = { .ddos_threshold = n, .max_halfopen = n + 1, .max_ike_sas = 4 * n };
	struct ike_endpoint dst = { .port = 500 };
	struct ike_engine *ini = ike_engine_new(&ops, &conns[0], NULL);
	struct ike_engine *e = ike_engine_new(&ops, &conns[1], &cfg);
	struct ike_stats st0, st1;
	size_t half = 0;
	double t0, t1, t2, t3;
	const unsigned cookies = 20000;

	dst.addr = conns[1].local.addr;
	if (!ini || !e || !ike_initiate(ini, &conns[0], NULL, NULL) || !pkt_len) {
		fprintf(stderr, "ike_flood_cost: cannot build a request\n");
		return 1;
	}
	t0 = cpu_us();
	for (unsigned k = 0; k < n; k++)
		forge(e, k, &dst);
	t1 = cpu_us();
	ike_count_sas(e, &half, NULL);
	ike_get_stats(e, &st0);
	for (unsigned k = 0; k < cookies; k++)
		forge(e, n + k, &dst);
	t2 = cpu_us();
	ike_get_stats(e, &st1);
	now_ms += 61000;
	ike_tick(e);
	t3 = cpu_us();
	printf("N=%u half-open=%zu new-sa-us=%.1f cookie-us=%.2f cookies=%llu cookie-deadline-walks=%llu "
	       "tick-expire-all-ms=%.1f left=%zu\n",
	       n, half, (t1 - t0) / n, (t2 - t1) / cookies,
	       (unsigned long long)(st1.cookies_sent - st0.cookies_sent),
	       (unsigned long long)(st1.deadline_walks - st0.deadline_walks), (t3 - t2) / 1000,
	       ike_count_sas(e, NULL, NULL));
	ike_engine_free(e);
	ike_engine_free(ini);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned def[] = { 1000, 10000 };
	int rc = 0;

	log_set_level(LOG_LVL_ERROR);
	if (!conn_setup(&conns[0], 0) || !conn_setup(&conns[1], 1)) {
		fprintf(stderr, "ike_flood_cost: proposals\n");
		return 1;
	}
	if (argc < 2)
		for (size_t i = 0; i < 2; i++)
			rc |= run(def[i]);
	for (int i = 1; i < argc; i++)
		rc |= run((unsigned)strtoul(argv[i], NULL, 10));
	return rc;
}
