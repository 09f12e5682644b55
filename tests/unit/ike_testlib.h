/* Two IKE engines in one process: a fake clock, a fake network (deliver,
 * drop, duplicate, corrupt, rewrite addresses as a NAT would) and a fake
 * dataplane that records the Child SAs each side installs.  Header-only:
 * include it from exactly one test_ike_*.c. */
#ifndef CYGNET_IKE_TESTLIB_H
#define CYGNET_IKE_TESTLIB_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "ike/ike.h"
#include "lib/log.h"

#define TN_MAX_PKTS 512
#define TN_MAX_CHILD 32

struct tn_key { size_t len; uint8_t b[96]; };

struct tn_child {
	bool live;
	unsigned serial;
	char conn[IKE_CONN_NAMELEN];      /* ike_child_params.conn_name */
	uint32_t spi_in, spi_out;
	uint16_t encr, keybits, integ, dh;
	bool esn, transport, encap, peer_no_tfc;
	uint16_t local_port, remote_port;
	struct tn_key in_e, in_a, out_e, out_a;
	struct ike_ts_payload ts_l, ts_r;
	bool out_live;                    /* outbound SA installed (not deferred) */
	uint64_t out_seq;                 /* install order: the newest outbound carries traffic */
};

#define TN_MAX_GONE 64

struct tn_peer {
	struct ike_engine *e;
	struct tn_net *net;
	int idx;
	struct ike_conn conn;             /* what the responder side finds */
	struct ip_subnet sub[2][IKE_MAX_SUBNETS];   /* conn.local's and conn.remote's subnets */
	bool no_conn;
	char psk[64];
	char psk2[64];                    /* if set: returned from the 2nd get_psk on */
	unsigned psk_calls;
	struct ike_endpoint ep;           /* our address:500 */
	struct tn_child child[TN_MAX_CHILD];
	unsigned n_child_installed, n_child_deleted, n_ike_up, n_ike_down, n_float, n_keepalive;
	unsigned n_peer_dead, deleted_at_peer_dead;   /* ike_ops.peer_dead; n_child_deleted then */
	uint64_t out_seq;
	/* inbound SPIs deleted, and when: the daemon lets them linger 1 s */
	uint32_t gone_spi[TN_MAX_GONE];
	uint64_t gone_at[TN_MAX_GONE];
	unsigned n_gone;
	/* the operation sink */
	bool done;
	int status;
	char reason[256];
	unsigned n_lines;
	char last_line[512];
	char lines[4096];
};

struct tn_pkt {
	int to;
	struct ike_endpoint src, dst;
	size_t len;
	uint8_t *data;
};

struct tn_net {
	uint64_t now;
	struct tn_peer p[2];
	struct tn_pkt q[TN_MAX_PKTS];
	unsigned n;
	unsigned drop_next[2];            /* drop the next N packets sent by peer i */
	bool drop_all[2];
	unsigned dup_next[2];
	bool nat_a;                       /* A behind a NAT: rewrite A's source */
	struct ike_endpoint nat_pub;      /* A's public address (port per local port) */
	uint16_t nat_port4500;            /* A's mapping of its port 4500 (0 = 31001) */
	unsigned sent[2];
	uint8_t last_exch[2];             /* exchange of the last packet sent by i */
};

static inline uint64_t tn_now(void *ctx) { return ((struct tn_peer *)ctx)->net->now; }

static inline void tn_send(void *ctx, const uint8_t *pkt, size_t len, const struct ike_endpoint *local,
		    const struct ike_endpoint *remote)
{
	struct tn_peer *p = ctx;
	struct tn_net *n = p->net;
	struct tn_pkt *q;

	n->sent[p->idx]++;
	if (len >= 19)
		n->last_exch[p->idx] = pkt[18];
	if (n->drop_all[p->idx])
		return;
	if (n->drop_next[p->idx]) {
		n->drop_next[p->idx]--;
		return;
	}
	for (unsigned copies = 1 + (n->dup_next[p->idx] ? 1 : 0); copies; copies--) {
		if (n->n >= TN_MAX_PKTS)
			return;
		q = &n->q[n->n++];
		q->to = !p->idx;
		q->src = *local;
		q->dst = *remote;
		if (p->idx == 0 && n->nat_a) {
			q->src.addr = n->nat_pub.addr;
			q->src.port = (uint16_t)(local->port == 500 ? 31000 : n->nat_port4500 ? n->nat_port4500 : 31001);
		}
		q->len = len;
		q->data = malloc(len);
		memcpy(q->data, pkt, len);
	}
	if (n->dup_next[p->idx])
		n->dup_next[p->idx]--;
}

static inline struct secret *tn_get_psk(void *ctx, const struct cy_id *l, const struct cy_id *r)
{
	struct tn_peer *p = ctx;

	(void)l;
	(void)r;
	if (++p->psk_calls >= 2 && p->psk2[0])
		return secret_dup(p->psk2, strlen(p->psk2));
	return secret_dup(p->psk, strlen(p->psk));
}

static inline struct ike_conn *tn_find(void *ctx, const struct ike_endpoint *l, const struct ike_endpoint *r,
				      const struct cy_id *id, const struct alg_suite *ike)
{
	struct tn_peer *p = ctx;

	(void)l;
	(void)r;
	(void)ike;
	if (p->no_conn)
		return NULL;
	if (id && p->conn.remote.id->kind != ID_NONE && p->conn.remote.id->kind != ID_ANY &&
	    !id_match(p->conn.remote.id, id))
		return NULL;
	return &p->conn;
}

static inline void tn_key(struct tn_key *k, const struct secret *s)
{
	k->len = s ? s->len : 0;
	if (s && s->len <= sizeof(k->b))
		memcpy(k->b, s->data, s->len);
}

static inline void tn_installed(void *ctx, const struct ike_child_params *cp)
{
	struct tn_peer *p = ctx;

	p->n_child_installed++;
	for (unsigned i = 0; i < TN_MAX_CHILD; i++) {
		struct tn_child *c = &p->child[i];

		if (c->live)
			continue;
		memset(c, 0, sizeof(*c));
		c->live = true;
		c->serial = cp->serial;
		snprintf(c->conn, sizeof(c->conn), "%s", cp->conn_name ? cp->conn_name : "");
		c->spi_in = cp->in.spi;
		c->spi_out = cp->out.spi;
		c->encr = cp->encr;
		c->keybits = cp->encr_keybits;
		c->integ = cp->integ;
		c->dh = cp->dh;
		c->esn = cp->esn;
		c->transport = cp->transport;
		c->peer_no_tfc = cp->peer_no_tfc;
		c->encap = cp->encap;
		c->local_port = cp->local_port;
		c->remote_port = cp->remote_port;
		tn_key(&c->in_e, cp->in.encr_key);
		tn_key(&c->in_a, cp->in.integ_key);
		tn_key(&c->out_e, cp->out.encr_key);
		tn_key(&c->out_a, cp->out.integ_key);
		/* the engine's selectors are allocated to their count */
		c->ts_l.n = cp->ts_local->n;
		memcpy(c->ts_l.ts, cp->ts_local->ts, c->ts_l.n * sizeof(c->ts_l.ts[0]));
		c->ts_r.n = cp->ts_remote->n;
		memcpy(c->ts_r.ts, cp->ts_remote->ts, c->ts_r.n * sizeof(c->ts_r.ts[0]));
		c->out_live = !cp->outbound_later;
		c->out_seq = c->out_live ? ++p->out_seq : 0;
		return;
	}
}

/* The deferred outbound SA (ike_ops.child_sa_outbound; tn_ops_deferred). */
static inline void tn_outbound(void *ctx, const struct ike_child_params *cp)
{
	struct tn_peer *p = ctx;

	for (unsigned i = 0; i < TN_MAX_CHILD; i++)
		if (p->child[i].live && p->child[i].serial == cp->serial && !p->child[i].out_live) {
			p->child[i].out_live = true;
			p->child[i].out_seq = ++p->out_seq;
		}
}

static inline void tn_deleted(void *ctx, const struct ike_child_params *cp)
{
	struct tn_peer *p = ctx;

	p->n_child_deleted++;
	for (unsigned i = 0; i < TN_MAX_CHILD; i++)
		if (p->child[i].live && p->child[i].serial == cp->serial) {
			p->child[i].live = false;
			p->gone_spi[p->n_gone % TN_MAX_GONE] = p->child[i].spi_in;
			p->gone_at[p->n_gone % TN_MAX_GONE] = p->net->now;
			p->n_gone++;
		}
}

static inline void tn_ike_up(void *ctx, const struct ike_sa_info *i) { (void)i; ((struct tn_peer *)ctx)->n_ike_up++; }
static inline void tn_ike_down(void *ctx, const struct ike_sa_info *i) { (void)i; ((struct tn_peer *)ctx)->n_ike_down++; }
/* A Child SA follows the peer's new NAT mapping (child_sa_endpoints_changed). */
static inline void tn_float(void *ctx, const struct ike_child_params *cp)
{
	struct tn_peer *p = ctx;

	p->n_float++;
	for (unsigned i = 0; i < TN_MAX_CHILD; i++)
		if (p->child[i].live && p->child[i].serial == cp->serial) {
			p->child[i].local_port = cp->local_port;
			p->child[i].remote_port = cp->remote_port;
		}
}

static inline void tn_keepalive(void *ctx, const struct ike_endpoint *l, const struct ike_endpoint *r)
{
	(void)l;
	(void)r;
	((struct tn_peer *)ctx)->n_keepalive++;
}

static void tn_peer_dead(void *ctx, struct ike_conn *conn, enum ike_dpd_action act)
{
	struct tn_peer *p = ctx;

	(void)conn;
	(void)act;
	p->n_peer_dead++;
	p->deleted_at_peer_dead = p->n_child_deleted;
}

static const struct ike_ops tn_ops = {
	.send_keepalive = tn_keepalive,
	.now = tn_now,
	.send = tn_send,
	.get_psk = tn_get_psk,
	.find_conn_for_responder = tn_find,
	.child_sa_installed = tn_installed,
	.child_sa_deleted = tn_deleted,
	.ike_sa_established = tn_ike_up,
	.ike_sa_deleted = tn_ike_down,
	.child_sa_endpoints_changed = tn_float,
	.peer_dead = tn_peer_dead,
};

/* tn_ops plus the deferred outbound SA of a rekey responder, as the daemon. */
static const struct ike_ops tn_ops_deferred = {
	.send_keepalive = tn_keepalive,
	.now = tn_now,
	.send = tn_send,
	.get_psk = tn_get_psk,
	.find_conn_for_responder = tn_find,
	.child_sa_installed = tn_installed,
	.child_sa_outbound = tn_outbound,
	.child_sa_deleted = tn_deleted,
	.ike_sa_established = tn_ike_up,
	.ike_sa_deleted = tn_ike_down,
	.child_sa_endpoints_changed = tn_float,
	.peer_dead = tn_peer_dead,
};

static inline void tn_line(void *arg, int code, const char *text)
{
	struct tn_peer *p = arg;
	size_t l = strlen(p->lines);

	p->n_lines++;
	snprintf(p->last_line, sizeof(p->last_line), "%03d %s", code, text);
	snprintf(p->lines + l, sizeof(p->lines) - l, "%03d %s\n", code, text);
}

static inline void tn_done(void *arg, int status, const char *reason)
{
	struct tn_peer *p = arg;

	p->done = true;
	p->status = status;
	snprintf(p->reason, sizeof(p->reason), "%s", reason ? reason : "");
}

static inline struct ike_sink tn_sink(struct tn_peer *p)
{
	struct ike_sink s = { tn_line, tn_done, p };

	p->done = false;
	p->status = -1;
	p->reason[0] = 0;
	p->lines[0] = 0;
	return s;
}

/* A copy of a conn whose subnets are its own (in st), not the original's. */
static inline void tn_own_subnets(struct ike_conn *c, struct ip_subnet st[2][IKE_MAX_SUBNETS])
{
	memcpy(st[0], c->local.subnets, sizeof(st[0]));
	memcpy(st[1], c->remote.subnets, sizeof(st[1]));
	c->local.subnets = st[0];
	c->remote.subnets = st[1];
}

/* conn "a-b" from peer i's view: A 192.0.2.1 @west, B 192.0.2.2 @east,
 * subnets 10.1.0.0/24 and 10.2.0.0/24 (room for IKE_MAX_SUBNETS in st). */
static inline void tn_conn(struct ike_conn *c, int i, struct ip_subnet st[2][IKE_MAX_SUBNETS])
{
	const char *addr[2] = { "192.0.2.1", "192.0.2.2" };
	const char *id[2] = { "@west.example", "@east.example" };
	const char *sub[2] = { "10.1.0.0/24", "10.2.0.0/24" };
	const char *why;
	bool hb;

	ike_conn_defaults(c);
	c->local.subnets = st[0];
	c->remote.subnets = st[1];
	snprintf(c->name, sizeof(c->name), "a-b");
	addr_parse(addr[i], &c->local.addr);
	addr_parse(addr[!i], &c->remote.addr);
	id_parse_shared(id[i], &c->local.id, &why);
	id_parse_shared(id[!i], &c->remote.id, &why);
	subnet_parse(sub[i], &c->local.subnets[0], &hb);
	subnet_parse(sub[!i], &c->remote.subnets[0], &hb);
	c->local.n_subnets = c->remote.n_subnets = 1;
	c->keyingtries = 1;
}

static inline void tn_init(struct tn_net *n)
{
	memset(n, 0, sizeof(*n));
	n->now = 1000000;
	for (int i = 0; i < 2; i++) {
		struct tn_peer *p = &n->p[i];

		p->net = n;
		p->idx = i;
		tn_conn(&p->conn, i, p->sub);
		p->ep.addr = p->conn.local.addr;
		p->ep.port = 500;
		snprintf(p->psk, sizeof(p->psk), "a very secret shared key");
		p->e = ike_engine_new(&tn_ops, p, NULL);
	}
	addr_parse("203.0.113.1", &n->nat_pub.addr);
}

static inline void tn_free(struct tn_net *n)
{
	for (int i = 0; i < 2; i++)
		ike_engine_free(n->p[i].e);
	for (unsigned i = 0; i < n->n; i++)
		free(n->q[i].data);
	n->n = 0;
}

/* Deliver the first queued packet; false when none. */
static inline bool tn_step(struct tn_net *n)
{
	struct tn_pkt q;

	if (n->n == 0)
		return false;
	q = n->q[0];
	memmove(&n->q[0], &n->q[1], (n->n - 1) * sizeof(n->q[0]));
	n->n--;
	if (q.to == 0 && n->nat_a) {
		/* the NAT translates the reply back to A's private address */
		q.dst.addr = n->p[0].ep.addr;
		q.dst.port = (uint16_t)(q.dst.port == 31000 ? 500 : 4500);
	}
	ike_recv(n->p[q.to].e, q.data, q.len, &q.dst, &q.src);
	free(q.data);
	return true;
}

static inline unsigned tn_run(struct tn_net *n)
{
	unsigned k = 0;

	while (k < 10000 && tn_step(n))
		k++;
	return k;
}

static inline uint64_t tn_deadline(struct tn_net *n)
{
	uint64_t a = ike_next_deadline(n->p[0].e), b = ike_next_deadline(n->p[1].e);

	return a < b ? a : b;
}

/* Advance the clock to `until`, running every timer and delivery on the way. */
static inline void tn_advance_to(struct tn_net *n, uint64_t until)
{
	tn_run(n);
	for (unsigned guard = 0; guard < 100000; guard++) {
		uint64_t d = tn_deadline(n);

		if (d > until)
			break;
		if (d > n->now)
			n->now = d;
		ike_tick(n->p[0].e);
		ike_tick(n->p[1].e);
		tn_run(n);
	}
	if (n->now < until)
		n->now = until;
}

static inline void tn_drop_queue(struct tn_net *n)
{
	for (unsigned i = 0; i < n->n; i++)
		free(n->q[i].data);
	n->n = 0;
}

/* The live (established) child records of peer p. */
static inline unsigned tn_live(const struct tn_peer *p)
{
	unsigned k = 0;

	for (unsigned i = 0; i < TN_MAX_CHILD; i++)
		k += p->child[i].live;
	return k;
}

static inline const struct tn_child *tn_child_by_in(const struct tn_peer *p, uint32_t spi)
{
	for (unsigned i = 0; i < TN_MAX_CHILD; i++)
		if (p->child[i].live && p->child[i].spi_in == spi)
			return &p->child[i];
	return NULL;
}

static inline bool tn_key_eq(const struct tn_key *a, const struct tn_key *b)
{
	return a->len == b->len && memcmp(a->b, b->b, a->len) == 0;
}

/* Every live child of A has its mirror in B: SPIs crossed, keys crossed. */
static inline bool tn_children_agree(const struct tn_net *n)
{
	const struct tn_peer *a = &n->p[0], *b = &n->p[1];

	if (tn_live(a) != tn_live(b) || tn_live(a) == 0)
		return false;
	for (unsigned i = 0; i < TN_MAX_CHILD; i++) {
		const struct tn_child *x = &a->child[i], *y;

		if (!x->live)
			continue;
		y = tn_child_by_in(b, x->spi_out);
		if (!y || y->spi_out != x->spi_in || y->encr != x->encr || y->keybits != x->keybits ||
		    y->integ != x->integ || y->esn != x->esn || !tn_key_eq(&x->out_e, &y->in_e) ||
		    !tn_key_eq(&x->out_a, &y->in_a) || !tn_key_eq(&x->in_e, &y->out_e) ||
		    !tn_key_eq(&x->in_a, &y->out_a) || x->out_e.len == 0 || tn_key_eq(&x->in_e, &x->out_e))
			return false;
	}
	return true;
}

/* SA snapshot helpers */
struct tn_snap { unsigned n_ike, n_child; struct ike_sa_info ike[8], child[16]; };

static inline void tn_snap_visit(void *arg, const struct ike_sa_info *i)
{
	struct tn_snap *s = arg;

	if (i->kind == IKE_KIND_IKE && s->n_ike < 8)
		s->ike[s->n_ike++] = *i;
	else if (i->kind == IKE_KIND_CHILD && s->n_child < 16)
		s->child[s->n_child++] = *i;
}

static inline struct tn_snap tn_snap(const struct tn_peer *p)
{
	struct tn_snap s;

	memset(&s, 0, sizeof(s));
	ike_foreach_sa(p->e, tn_snap_visit, &s);
	return s;
}

/* Start A -> B and run to completion. */
static inline unsigned tn_up(struct tn_net *n)
{
	struct ike_sink s = tn_sink(&n->p[0]);
	unsigned serial = ike_initiate(n->p[0].e, &n->p[0].conn, NULL, &s);

	tn_run(n);
	return serial;
}

static inline bool tn_established_pair(struct tn_net *n)
{
	struct tn_snap a = tn_snap(&n->p[0]), b = tn_snap(&n->p[1]);

	return a.n_ike == 1 && b.n_ike == 1 && a.ike[0].established && b.ike[0].established &&
	       a.ike[0].spi_i == b.ike[0].spi_i && a.ike[0].spi_r == b.ike[0].spi_r &&
	       a.ike[0].encr == b.ike[0].encr && a.ike[0].prf == b.ike[0].prf &&
	       a.ike[0].integ == b.ike[0].integ && a.ike[0].dh == b.ike[0].dh &&
	       a.ike[0].encr_keybits == b.ike[0].encr_keybits;
}

#endif
