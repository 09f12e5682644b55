/* The dataplane's event queues: a flood of IKE packets (anyone can send
 * them to UDP 4500) fills their channel but never takes an SA's expire or
 * a trap's acquire with it; the daemon takes SA events first and at most a
 * queue's worth per call; an expire the channel refused is offered again
 * by the SA database until it is taken. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "alg/iana.h"
#include "dataplane/dp_events.h"
#include "dataplane/sadb.h"
#include "harness.h"

struct seen {
	int ike, expire, acquire, drop;
	int first_sa_at, first_ike_at, n;
	struct dp_evq *refill;          /* push an IKE packet from inside the callback */
};

static void on_event(void *arg, const struct dp_event *ev)
{
	struct seen *s = arg;

	s->n++;
	switch (ev->type) {
	case DP_EV_IKE_PACKET:
		s->ike++;
		if (!s->first_ike_at)
			s->first_ike_at = s->n;
		if (s->refill) {
			struct dp_event e = *ev;
			dp_evq_push(s->refill, &e, "x", 1);
		}
		return;
	case DP_EV_EXPIRE: s->expire++; break;
	case DP_EV_ACQUIRE: s->acquire++; break;
	case DP_EV_DROP: s->drop++; break;
	}
	if (!s->first_sa_at)
		s->first_sa_at = s->n;
}

static bool fd_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return poll(&p, 1, 0) == 1;
}

static void ike_flood(struct dp_evq *q, int *accepted, int *refused)
{
	struct dp_event ev = { .type = DP_EV_IKE_PACKET };
	uint8_t pkt[300];

	memset(pkt, 0x2a, sizeof(pkt));
	addr_parse("192.0.2.99", &ev.u.ike.src);
	for (int i = 0; i < 10 * DP_EVQ_SLOTS; i++)
		if (dp_evq_push(q, &ev, pkt, sizeof(pkt)))
			(*accepted)++;
		else
			(*refused)++;
}

static void test_expire_survives_ike_flood(void)
{
	struct dp_evq *q = dp_evq_new();
	struct dp_event ex = { .type = DP_EV_EXPIRE }, acq = { .type = DP_EV_ACQUIRE };
	struct seen s = { 0 };
	int acc = 0, ref = 0;

	CHECK(q != NULL);
	ike_flood(q, &acc, &ref);
	CHECK_INT(acc, DP_EVQ_SLOTS);
	CHECK_INT(ref, 9 * DP_EVQ_SLOTS);             /* IKE packets may be refused (the caller counts) */
	ex.u.expire.spi = 0xc0ffee;
	ex.u.expire.hard = true;
	CHECK(dp_evq_push(q, &ex, NULL, 0));           /* ... an SA's expire never */
	acq.u.acquire.reqid = 16400;
	CHECK(dp_evq_push(q, &acq, NULL, 0));
	CHECK(fd_readable(dp_evq_fd(q)));
	CHECK_INT(dp_evq_drain(q, on_event, &s), DP_EVQ_SLOTS + 2);
	CHECK_INT(s.expire, 1);
	CHECK_INT(s.acquire, 1);
	CHECK_INT(s.ike, DP_EVQ_SLOTS);
	CHECK_INT(s.first_sa_at, 1);                   /* SA events before the packets */
	CHECK(!fd_readable(dp_evq_fd(q)));
	dp_evq_free(q);
}

/* Drop reports (diagnostics) take half the SA channel at most: expires
 * and acquires still get in. */
static void test_drop_reports_bounded(void)
{
	struct dp_evq *q = dp_evq_new();
	struct dp_event drop = { .type = DP_EV_DROP }, ex = { .type = DP_EV_EXPIRE };
	struct seen s = { 0 };
	int n = 0;

	while (n < DP_EVQ_SA_SLOTS && dp_evq_push(q, &drop, NULL, 0))
		n++;
	CHECK_INT(n, DP_EVQ_SA_SLOTS / 2);
	for (n = 0; n < DP_EVQ_SA_SLOTS && dp_evq_push(q, &ex, NULL, 0); n++)
		;
	CHECK_INT(n, DP_EVQ_SA_SLOTS / 2);
	dp_evq_drain(q, on_event, &s);
	CHECK_INT(s.drop, DP_EVQ_SA_SLOTS / 2);
	CHECK_INT(s.expire, DP_EVQ_SA_SLOTS / 2);
	dp_evq_free(q);
}

/* A sender that keeps the IKE channel full cannot keep the daemon in one
 * drain: it returns after what was queued when it started, with the
 * eventfd signalled again for the rest. */
static void test_drain_bounded(void)
{
	struct dp_evq *q = dp_evq_new();
	struct seen s = { 0 };
	int acc = 0, ref = 0;

	ike_flood(q, &acc, &ref);
	s.refill = q;
	CHECK_INT(dp_evq_drain(q, on_event, &s), DP_EVQ_SLOTS);
	CHECK(fd_readable(dp_evq_fd(q)));
	s.refill = NULL;
	CHECK_INT(dp_evq_drain(q, on_event, &s), DP_EVQ_SLOTS);
	CHECK(!fd_readable(dp_evq_fd(q)));
	dp_evq_free(q);
}

/* ---- the SA database offers a refused expire again ---------------------- */

static int refuse, offered, taken_soft, taken_hard;
static bool take_expire(void *arg, struct sa_entry *sa, bool hard)
{
	(void)arg;
	(void)sa;
	offered++;
	if (refuse > 0) {
		refuse--;
		return false;
	}
	if (hard)
		taken_hard++;
	else
		taken_soft++;
	return true;
}

static struct secret *key16(void)
{
	uint8_t k[20];
	memset(k, 0x42, sizeof(k));
	return secret_dup(k, sizeof(k));
}

static void fill(struct dp_sa *sa, uint32_t spi, struct secret *k)
{
	memset(sa, 0, sizeof(*sa));
	sa->spi = spi;
	sa->dir = DP_DIR_OUT;
	addr_parse("192.0.2.1", &sa->src);
	addr_parse("192.0.2.2", &sa->dst);
	sa->encr = IKEV2_ENCR_AES_GCM_16;
	sa->encr_keybits = 128;
	sa->encr_key = k;
	sa->reqid = 9;
	sa->soft.bytes = 100;
	sa->hard.bytes = 200;
	sa->soft.seconds = 50;
}

static void test_sadb_offers_again(void)
{
	struct secret *k = key16();
	struct sadb db;
	struct dp_sa cfg;
	struct sa_entry *sa;
	struct ip_addr dst;

	sadb_init(&db);
	db.expire = take_expire;
	fill(&cfg, 0x5000, k);
	CHECK_INT(sadb_add_sa(&db, &cfg, 1000, 0), 0);
	sa = sadb_find(&db, 0x5000, NULL);
	refuse = 2;
	sadb_account(&db, sa, 150, 1);                 /* soft by bytes: refused */
	sadb_account(&db, sa, 10, 1);                  /* no second event from the packet path */
	CHECK_INT(offered, 1);
	CHECK_INT(taken_soft, 0);
	sadb_tick(&db, 1001);                          /* offered again: refused again */
	CHECK_INT(offered, 2);
	sadb_tick(&db, 1002);                          /* taken */
	CHECK_INT(taken_soft, 1);
	sadb_tick(&db, 1003);
	CHECK_INT(offered, 3);                         /* once taken, never again */
	refuse = 1;
	sadb_account(&db, sa, 100, 1);                 /* hard by bytes: refused */
	CHECK_INT(taken_hard, 0);
	sadb_tick(&db, 1004);
	CHECK_INT(taken_hard, 1);
	CHECK_INT(taken_soft, 1);

	/* an SA deleted with its event still owed: forgotten with it */
	fill(&cfg, 0x5001, k);
	CHECK_INT(sadb_add_sa(&db, &cfg, 1000, 0), 0);
	refuse = 1;
	sadb_account(&db, sadb_find(&db, 0x5001, NULL), 150, 1);
	offered = 0;
	addr_parse("192.0.2.2", &dst);
	CHECK_INT(sadb_del_sa(&db, 0x5001, &dst), 0);
	sadb_tick(&db, 1005);
	CHECK_INT(offered, 0);
	sadb_free(&db);
	secret_free(k);
}

int main(void)
{
	RUN(test_expire_survives_ike_flood);
	RUN(test_drop_reports_bounded);
	RUN(test_drain_bounded);
	RUN(test_sadb_offers_again);
	return t_done();
}
