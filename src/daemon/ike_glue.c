/* The daemon's doorway to the IKE engine and the dataplane.
 *
 *   UDP 500 socket ──recv──┐                       ┌──> dataplane (Child SAs,
 *   dataplane events ──────┼──> ike_recv()/tick ──>│     policies/routes)
 *    (IKE on 4500, expire) │   struct ike_engine   ├──> send: UDP 500 socket or
 *   libevent timer ────────┘                       │     dp send_ike (4500)
 *   control ops ──> ike_initiate/terminate ────────┘──> reply lines (whack codes)
 *
 * struct conn (config) is mapped onto struct ike_conn here; the conn is
 * oriented (which end is us) against the addresses of this host. */
#include "daemon/ike_glue.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "config/conn.h"
#include "config/secrets.h"
#include "daemon/conndb.h"
#include "daemon/pluto.h"
#include "dataplane/dataplane.h"
#include "dataplane/xfrm_msg.h"
#include "alg/iana.h"
#include "ike/ike.h"
#include "ike/wire.h"
#include "lib/ifaddr.h"
#include "lib/log.h"
#include "lib/pktinfo.h"

#define IKE_PORT 500
#define NATT_PORT 4500

/* An operation (sync --up) whose reply waits for the engine's outcome. */
struct pending {
	struct ctl_deferred *d;
	char conn[IKE_CONN_NAMELEN];
	struct pending *next;
};

/* A Child SA installed in the dataplane. */
struct gchild {
	unsigned serial, ike_serial;
	char conn[IKE_CONN_NAMELEN];
	uint32_t spi_in, spi_out, reqid;
	struct ip_addr local, remote;         /* outer */
	struct dp_policy pol_out[IKE_TS_MAX], pol_in[IKE_TS_MAX];
	size_t npol;
	struct cy_id remote_id;
	uint64_t add_time;
	bool transport;                       /* status: no tun.0 pairs */
	bool out_pending;                     /* rekey responder: outbound SA not installed yet */
	struct gchild *next;
};

/* A routed conn (`ipsec auto --route`, auto=route|ondemand): its trap
 * policies, outbound only, one per local x remote subnet.  Traffic hitting
 * one makes the dataplane report an acquire, on which the conn is
 * initiated.  A Child SA of the conn whose outbound policy coincides with a
 * trap takes the trap's reqid and leaves that policy in place (the SA takes
 * the traffic); when the Child SA goes, the policy is a trap again. */
struct groute {
	char conn[IKE_CONN_NAMELEN];
	uint32_t reqid;
	struct dp_policy pol[IKE_TS_MAX];
	size_t npol;
	uint64_t acquire_ms;                  /* last initiation on traffic */
	struct groute *next;
};

struct lingering_sa {
	uint32_t spi;
	struct ip_addr dst;
	uint64_t at;
	struct lingering_sa *next;
};

struct ike_glue {
	struct pluto *p;
	struct ike_engine *eng;
	struct dataplane *dp;
	int fd500[2];
	struct event *ev500[2], *evdp, *timer;
	struct pending *pending;
	struct gchild *children;
	struct groute *routes;
	struct lingering_sa *lingers;
	struct event *linger_ev;
};

/* Reqids: Child SAs CY_REQID_BASE + serial, routed conns the upper half. */
#define REQID_CHILD(serial) (CY_REQID_BASE + ((serial) & 0x7fffu))
#define REQID_ROUTE(serial) (CY_REQID_BASE + 0x8000u + ((unsigned)(serial) & 0x7fffu))

static struct ike_glue *G(struct pluto *p) { return p->glue; }

/* ---- orientation and conn mapping -------------------------------------- */

/* Which end of the conn is this host: 0 left, 1 right, -1 neither. */
static int orient(const struct conn *c)
{
	for (int s = 0; s < 2; s++)
		if (c->end[s].host_kind == HOST_ADDR || c->end[s].host_kind == HOST_DEFAULTROUTE)
			if (ifaddr_is_local(&c->end[s].host, NULL))
				return s;
	return -1;
}

static void map_end(const struct conn_end *e, struct ike_end *out)
{
	memset(out, 0, sizeof(*out));
	if (e->host_kind == HOST_ADDR || e->host_kind == HOST_DEFAULTROUTE)
		out->addr = e->host;
	else if (e->host_kind == HOST_ANY)
		out->addr.af = e->host.af;          /* %any: family only */
	out->ike_port = e->ikeport ? e->ikeport : IKE_PORT;
	if (e->has_id)
		out->id = e->id;
	else
		id_from_addr(&out->addr, &out->id);
	out->n_subnets = e->n_subnets < IKE_MAX_SUBNETS ? e->n_subnets : IKE_MAX_SUBNETS;
	if (out->n_subnets)   /* e->subnets is NULL when there are none */
		memcpy(out->subnets, e->subnets, out->n_subnets * sizeof(out->subnets[0]));
	out->protocol = e->protocol;
	out->port = e->port;
}

static bool map_conn(const struct ike_glue *g, const struct dconn *dc, struct ike_conn *ic, char *err,
		     size_t errlen)
{
	const struct conn *c = dc->conn;
	int me = orient(c);

	if (me < 0) {
		snprintf(err, errlen, "neither left nor right is an address of this host (unoriented)");
		return false;
	}
	ike_conn_defaults(ic);
	snprintf(ic->name, sizeof(ic->name), "%s", dc->name);
	map_end(&c->end[me], &ic->local);
	map_end(&c->end[!me], &ic->remote);
	if (c->ike)
		ic->ike = *c->ike;
	if (c->esp)
		ic->esp = *c->esp;
	ic->transport = c->type == CONN_TRANSPORT;
	ic->pfs = c->pfs;
	ic->esn = c->esn == ESN_YES ? IKE_ESN_YES : c->esn == ESN_NO ? IKE_ESN_NO : IKE_ESN_EITHER;
	if (c->ikelifetime_ms)
		ic->ike_lifetime_ms = c->ikelifetime_ms;
	if (c->salifetime_ms)
		ic->ipsec_lifetime_ms = c->salifetime_ms;
	ic->rekey_margin_ms = c->rekeymargin_ms;
	ic->rekey_fuzz_pct = c->rekeyfuzz_pct;
	ic->rekey = c->rekey;
	if (c->retransmit_interval_ms)
		ic->retransmit_interval_ms = (uint32_t)c->retransmit_interval_ms;
	if (c->retransmit_timeout_ms)
		ic->retransmit_timeout_ms = (uint32_t)c->retransmit_timeout_ms;
	ic->keyingtries = c->keyingtries;
	ic->dpd_delay_ms = (uint32_t)c->dpddelay_ms;
	ic->dpd_timeout_ms = (uint32_t)c->dpdtimeout_ms;
	/* hold and clear are the same to the engine (SAs deleted); a routed
	 * conn keeps its trap policies either way, which is hold */
	ic->dpd_action = c->dpdaction == DPD_RESTART ? IKE_DPD_RESTART :
			 c->dpdaction == DPD_CLEAR ? IKE_DPD_CLEAR : IKE_DPD_HOLD;
	ic->uniqueids = g->p->uniqueids;
	ic->fragmentation = c->fragmentation != FRAG_NO;
	ic->narrowing = c->narrowing;
	ic->encaps = c->encapsulation == YNA_YES ? IKE_ENCAPS_YES :
		     c->encapsulation == YNA_NO ? IKE_ENCAPS_NO : IKE_ENCAPS_AUTO;
	ic->replay_window = c->replay_window;
	ic->user = (void *)dc;
	return true;
}

/* ---- engine ops --------------------------------------------------------- */

static uint64_t op_now(void *ctx)
{
	struct timespec ts;
	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void send500(struct ike_glue *g, const uint8_t *pkt, size_t len, const struct ike_endpoint *l,
		    const struct ike_endpoint *r)
{
	int rc = pktinfo_sendto(g->fd500[r->addr.af == AF_INET6], pkt, len, &l->addr, &r->addr, r->port);

	if (rc < 0)
		log_debug("IKE send to port %u failed: %s", r->port, strerror(-rc));
}

static void op_send(void *ctx, const uint8_t *pkt, size_t len, const struct ike_endpoint *l,
		    const struct ike_endpoint *r)
{
	struct ike_glue *g = ctx;

	if (l->port == NATT_PORT || r->port == NATT_PORT) {
		int rc = g->dp ? g->dp->ops->send_ike(g->dp, pkt, len, &l->addr, l->port, &r->addr, r->port) : -ENOTCONN;
		if (rc < 0)
			log_debug("IKE send on 4500 failed: %s", strerror(-rc));
		return;
	}
	send500(g, pkt, len, l, r);
}

static struct secret *op_get_psk(void *ctx, const struct cy_id *l, const struct cy_id *r)
{
	struct ike_glue *g = ctx;
	const struct secret_entry *e = g->p->secrets ? secrets_find(g->p->secrets, SECRET_PSK, l, r) : NULL;

	return e && e->value ? secret_dup(e->value->data, e->value->len) : NULL;
}

/* Responder: the conn this peer reaches; the engine copies it. */
static const struct ike_conn *op_find_conn(void *ctx, const struct ike_endpoint *l,
					   const struct ike_endpoint *r, const struct cy_id *peer)
{
	struct ike_glue *g = ctx;
	static struct ike_conn found;
	struct dconn **all;
	size_t n;
	const struct ike_conn *best = NULL;
	int best_score = -1;

	all = conndb_sorted(g->p->db, &n);
	for (size_t i = 0; i < n; i++) {
		struct ike_conn ic;
		char err[256];
		int score = 0;
		if (!all[i]->conn->ikev2 || !map_conn(g, all[i], &ic, err, sizeof(err)))
			continue;
		if (ic.local.addr.af && !addr_is_any(&ic.local.addr) && !addr_eq(&ic.local.addr, &l->addr))
			continue;
		if (ic.remote.addr.af && !addr_is_any(&ic.remote.addr)) {
			if (!addr_eq(&ic.remote.addr, &r->addr))
				continue;
			score += 2;
		} else if (ic.remote.addr.af && ic.remote.addr.af != r->addr.af) {
			continue;
		}
		if (peer) {
			if (!id_match(&ic.remote.id, peer))
				continue;
			if (ic.remote.id.kind != ID_ANY)
				score += 1;
		}
		if (score > best_score) {
			found = ic;
			best = &found;
			best_score = score;
		}
	}
	free(all);
	return best;
}

/* Responder: the conn of the same peer whose subnets hold a Child SA's
 * proposed selectors (leftsubnets= expansions: NAME/1x2 ...); `current`
 * (the IKE SA's conn) first.  The engine copies the result. */
static const struct ike_conn *op_find_conn_for_child(void *ctx, const struct ike_conn *current,
						     const struct ike_endpoint *l, const struct ike_endpoint *r,
						     const struct cy_id *peer, const struct ike_ts_payload *tsi,
						     const struct ike_ts_payload *tsr)
{
	struct ike_glue *g = ctx;
	static struct ike_conn found;
	struct dconn **all;
	size_t n;
	const struct ike_conn *best = NULL;

	if (ike_conn_fits_ts(current, l, r, tsi, tsr))
		return current;
	all = conndb_sorted(g->p->db, &n);
	for (size_t i = 0; i < n && !best; i++) {
		struct ike_conn ic;
		char err[256];

		if (!all[i]->conn->ikev2 || !map_conn(g, all[i], &ic, err, sizeof(err)))
			continue;
		if (!strcmp(ic.name, current->name) || ic.authby != current->authby ||
		    !id_eq(&ic.local.id, &current->local.id) || !id_match(&ic.remote.id, peer))
			continue;
		if (ic.local.addr.af && !addr_is_any(&ic.local.addr) && !addr_eq(&ic.local.addr, &l->addr))
			continue;
		if (ic.remote.addr.af && !addr_is_any(&ic.remote.addr) && !addr_eq(&ic.remote.addr, &r->addr))
			continue;
		if (ic.remote.addr.af && ic.remote.addr.af != r->addr.af)
			continue;
		if (!ike_conn_fits_ts(&ic, l, r, tsi, tsr))
			continue;
		found = ic;
		best = &found;
	}
	free(all);
	return best;
}

static struct gchild *find_child(struct ike_glue *g, unsigned serial, struct gchild ***pp)
{
	struct gchild **p = &g->children;
	for (; *p; p = &(*p)->next)
		if ((*p)->serial == serial) {
			if (pp)
				*pp = p;
			return *p;
		}
	return NULL;
}

/* A traffic selector range as a subnet: the prefix whose range is exactly
 * start..end; a range that is no prefix falls back to its first host. */
static void ts_to_subnet(const struct ike_ts *ts, struct ip_subnet *s)
{
	size_t n = addr_len(&ts->start);

	for (unsigned plen = 0; plen <= n * 8; plen++) {
		struct ip_subnet t = { .addr = ts->start, .plen = (uint8_t)plen };
		struct ip_addr lo, hi;
		for (size_t i = 0; i < n; i++) {
			unsigned bit = (unsigned)i * 8;
			t.addr.a[i] &= plen >= bit + 8 ? 0xff : plen <= bit ? 0 : (uint8_t)(0xff << (8 - (plen - bit)));
		}
		subnet_range(&t, &lo, &hi);
		if (addr_eq(&lo, &ts->start) && addr_eq(&hi, &ts->end)) {
			*s = t;
			return;
		}
	}
	subnet_from_addr(&ts->start, s);
}

/* What a conn's keywords add to its SAs and policies beyond IKE's results:
 * marks (mark= both ways, mark-in=/mark-out= one way; -1 = a mark unique to
 * the conn), priority=, ipsec-max-bytes/-packets (hard; the soft limit that
 * triggers a rekey: half of it on the IKE SA's initiator, as Libreswan,
 * three quarters on the responder, so that both ends, which count the same
 * packets, do not rekey at once), tfc=. */
struct conn_dp {
	struct dp_mark mark_in, mark_out;
	uint32_t priority;
	struct dp_lifetime soft, hard;
	uint16_t tfc;
	bool rekey;
};

static void mark_of(const struct conn_mark *m, const struct dconn *dc, struct dp_mark *out)
{
	if (!m->set)
		return;
	out->value = m->unique ? 0x1000u + (uint32_t)(dc->serial & 0xfffff) : m->value;
	out->mask = m->unique ? 0xffffffffu : m->mask;
}

static void conn_dp_of(struct ike_glue *g, const char *name, bool first, struct conn_dp *out)
{
	const struct dconn *dc = conndb_find(g->p->db, name);
	const struct conn *c = dc ? dc->conn : NULL;
	const uint64_t unlimited = 1ULL << 63;

	memset(out, 0, sizeof(*out));
	if (!c)
		return;
	mark_of(&c->mark, dc, &out->mark_in);
	out->mark_out = out->mark_in;
	mark_of(&c->mark_in, dc, &out->mark_in);
	mark_of(&c->mark_out, dc, &out->mark_out);
	out->priority = c->priority;
	if (c->ipsec_max_bytes && c->ipsec_max_bytes < unlimited) {
		out->hard.bytes = c->ipsec_max_bytes;
		out->soft.bytes = !c->rekey ? 0 : first ? c->ipsec_max_bytes / 2 : c->ipsec_max_bytes / 4 * 3;
	}
	if (c->ipsec_max_packets && c->ipsec_max_packets < unlimited) {
		out->hard.packets = c->ipsec_max_packets;
		out->soft.packets = !c->rekey ? 0 : first ? c->ipsec_max_packets / 2 : c->ipsec_max_packets / 4 * 3;
	}
	out->tfc = c->tfc > 0xffff ? 0xffff : (uint16_t)c->tfc;
	out->rekey = c->rekey;
}

static void fill_sa(struct dp_sa *sa, const struct ike_child_params *p, const struct ike_child_dir *d,
		    enum dp_dir dir, uint32_t reqid, const struct conn_dp *cd)
{
	memset(sa, 0, sizeof(*sa));
	sa->spi = d->spi;
	sa->dir = dir;
	sa->src = d->src;
	sa->dst = d->dst;
	sa->encap = p->encap ? DP_ENCAP_UDP : DP_ENCAP_NONE;
	sa->sport = dir == DP_DIR_OUT ? p->local_port : p->remote_port;
	sa->dport = dir == DP_DIR_OUT ? p->remote_port : p->local_port;
	/* the engine may not know its own floated port (0): it is the NAT-T port
	 * (vm helper: the kernel took 0 literally and NAT-T broke with xfrm) */
	if (sa->encap == DP_ENCAP_UDP && !sa->sport)
		sa->sport = NATT_PORT;
	if (sa->encap == DP_ENCAP_UDP && !sa->dport)
		sa->dport = NATT_PORT;
	sa->mode = p->transport ? DP_MODE_TRANSPORT : DP_MODE_TUNNEL;
	sa->encr = p->encr;
	sa->encr_keybits = p->encr_keybits;
	sa->integ = p->integ;
	sa->encr_key = d->encr_key;
	sa->integ_key = d->integ_key;
	sa->esn = p->esn;
	sa->replay_window = p->replay_window;
	sa->reqid = reqid;
	/* hard lifetime a little after the engine's own replace time */
	sa->hard.seconds = p->lifetime_ms ? p->lifetime_ms / 1000 + 30 : 0;
	sa->soft.bytes = cd->soft.bytes;
	sa->soft.packets = cd->soft.packets;
	sa->hard.bytes = cd->hard.bytes;
	sa->hard.packets = cd->hard.packets;
	sa->mark = dir == DP_DIR_OUT ? cd->mark_out : cd->mark_in;
	if (dir == DP_DIR_OUT && !p->transport)
		sa->tfc_pad = cd->tfc;
	if (p->ts_local->n && p->ts_remote->n) {
		struct ip_subnet l, r;
		ts_to_subnet(&p->ts_local->ts[0], &l);
		ts_to_subnet(&p->ts_remote->ts[0], &r);
		sa->sel.src = dir == DP_DIR_OUT ? l : r;
		sa->sel.dst = dir == DP_DIR_OUT ? r : l;
		sa->sel.proto = p->ts_local->ts[0].ipproto;
	}
}

/* Another Child SA of the same conn with the same policies (the one a rekey
 * replaces), or NULL; with want_reqid, only one that shares that reqid.  A
 * rekeyed Child SA inherits its predecessor's reqid, so the policies stay in
 * place (XFRM picks the newest SA of a reqid) and go only with the last Child
 * SA holding them.  (vm helper: fixes traffic loss after every Child rekey
 * with protostack=xfrm, where the new reqid's policy failed with EEXIST and
 * the old child's deletion then removed the policies.) */
static struct gchild *policy_holder(struct ike_glue *g, const struct gchild *gc, bool want_reqid)
{
	for (struct gchild *o = g->children; o; o = o->next) {
		size_t i;
		if (o == gc || strcmp(o->conn, gc->conn) || o->npol != gc->npol || (want_reqid && o->reqid != gc->reqid))
			continue;
		for (i = 0; i < gc->npol; i++)
			if (!subnet_eq(&o->pol_out[i].sel.src, &gc->pol_out[i].sel.src) ||
			    !subnet_eq(&o->pol_out[i].sel.dst, &gc->pol_out[i].sel.dst) ||
			    o->pol_out[i].sel.proto != gc->pol_out[i].sel.proto)
				break;
		if (i == gc->npol)
			return o;
	}
	return NULL;
}

static struct groute *route_of(struct ike_glue *g, const char *conn)
{
	for (struct groute *r = g->routes; r; r = r->next)
		if (!strcmp(r->conn, conn))
			return r;
	return NULL;
}

static bool sel_eq(const struct dp_selector *a, const struct dp_selector *b)
{
	return subnet_eq(&a->src, &b->src) && subnet_eq(&a->dst, &b->dst) && a->proto == b->proto;
}

/* Is this outbound policy of a Child SA of conn one of the conn's traps
 * (same selectors; with reqid, also that reqid)? */
static bool route_owns(struct ike_glue *g, const char *conn, const struct dp_policy *pol, bool check_reqid)
{
	const struct groute *r = route_of(g, conn);

	for (size_t i = 0; r && i < r->npol; i++)
		if (sel_eq(&r->pol[i].sel, &pol->sel) && (!check_reqid || r->reqid == pol->reqid))
			return true;
	return false;
}

/* A reqid for a Child SA that inherits none (no predecessor, no trap):
 * REQID_CHILD(serial) unless a live Child SA or trap has it already
 * (serials wrap at 0x8000 and a conn keeps its first reqid across rekeys;
 * two conns sharing one would share the userspace dataplane's
 * reqid -> outbound SA binding and the kernel's template match). */
static uint32_t child_reqid(struct ike_glue *g, unsigned serial)
{
	for (unsigned k = 0; k < 0x8000u; k++) {
		uint32_t r = REQID_CHILD(serial + k);
		bool used = false;
		for (const struct gchild *o = g->children; o && !used; o = o->next)
			used = o->reqid == r;
		for (const struct groute *rt = g->routes; rt && !used; rt = rt->next)
			used = rt->reqid == r;
		if (!used)
			return r;
	}
	return REQID_CHILD(serial);
}

static void op_child_installed(void *ctx, const struct ike_child_params *p)
{
	struct ike_glue *g = ctx;
	struct gchild *gc = calloc(1, sizeof(*gc));
	struct dp_sa in, out;
	uint32_t reqid = child_reqid(g, p->serial);
	const struct gchild *prev;
	const struct groute *rt;
	struct conn_dp cd;
	int rc;

	if (!gc || !g->dp)
		goto fail;
	gc->serial = p->serial;
	gc->ike_serial = p->ike_serial;
	snprintf(gc->conn, sizeof(gc->conn), "%s", p->conn_name);
	conn_dp_of(g, p->conn_name, p->ike_initiator, &cd);
	for (size_t i = 0; i < p->ts_local->n && i < IKE_TS_MAX; i++) {
		for (size_t j = 0; j < p->ts_remote->n && gc->npol < IKE_TS_MAX; j++) {
			struct dp_policy *po = &gc->pol_out[gc->npol], *pi = &gc->pol_in[gc->npol];
			memset(po, 0, sizeof(*po));
			ts_to_subnet(&p->ts_local->ts[i], &po->sel.src);
			ts_to_subnet(&p->ts_remote->ts[j], &po->sel.dst);
			po->sel.proto = p->ts_local->ts[i].ipproto;
			ifaddr_in_subnet(&po->sel.src, &po->prefsrc);   /* the gateway's own traffic uses the tunnel */
			po->dir = DP_DIR_OUT;
			po->priority = cd.priority;
			*pi = *po;
			po->mark = cd.mark_out;
			pi->mark = cd.mark_in;
			pi->dir = DP_DIR_IN;
			pi->sel.src = po->sel.dst;
			pi->sel.dst = po->sel.src;
			gc->npol++;
		}
	}
	if ((prev = policy_holder(g, gc, false)))
		reqid = prev->reqid;
	else if ((rt = route_of(g, gc->conn)))
		for (size_t i = 0; i < gc->npol; i++)
			if (route_owns(g, gc->conn, &gc->pol_out[i], false))
				reqid = rt->reqid;
	for (size_t i = 0; i < gc->npol; i++)
		gc->pol_out[i].reqid = gc->pol_in[i].reqid = reqid;
	gc->spi_in = p->in.spi;
	gc->spi_out = p->out.spi;
	gc->reqid = reqid;
	gc->local = p->out.src;
	gc->remote = p->out.dst;
	gc->add_time = (uint64_t)time(NULL);
	gc->transport = p->transport;
	fill_sa(&in, p, &p->in, DP_DIR_IN, reqid, &cd);
	fill_sa(&out, p, &p->out, DP_DIR_OUT, reqid, &cd);
	gc->out_pending = p->outbound_later && prev;   /* without prev: no old SA to keep using */
	if ((rc = dp_add_sa(g->dp, &in)) < 0 || (!gc->out_pending && (rc = dp_add_sa(g->dp, &out)) < 0)) {
		log_error("\"%s\" #%u: cannot install the Child SA in the dataplane: %s", p->conn_name,
			  p->serial, strerror(-rc));
		dp_del_sa(g->dp, in.spi, &in.dst);
		goto fail;
	}
	for (size_t i = 0; !prev && i < gc->npol; i++)
		if ((!route_owns(g, gc->conn, &gc->pol_out[i], true) && g->dp->ops->add_policy(g->dp, &gc->pol_out[i]) < 0) ||
		    g->dp->ops->add_policy(g->dp, &gc->pol_in[i]) < 0)
			log_error("\"%s\" #%u: cannot install a policy", p->conn_name, p->serial);
	gc->next = g->children;
	g->children = gc;
	return;
fail:
	free(gc);
}

/* The rekey responder's deferred outbound SA: the peer has switched. */
static void op_child_outbound(void *ctx, const struct ike_child_params *p)
{
	struct ike_glue *g = ctx;
	struct gchild *gc = find_child(g, p->serial, NULL);
	struct conn_dp cd;
	struct dp_sa out;
	int rc;

	if (!gc || !gc->out_pending || !g->dp)
		return;
	gc->out_pending = false;
	conn_dp_of(g, p->conn_name, p->ike_initiator, &cd);
	fill_sa(&out, p, &p->out, DP_DIR_OUT, gc->reqid, &cd);
	if ((rc = dp_add_sa(g->dp, &out)) < 0)
		log_error("\"%s\" #%u: cannot install the outbound SA: %s", p->conn_name, p->serial, strerror(-rc));
}

/* Inbound SAs of rekeyed Child SAs linger a moment: the peer's last
 * packets on the old SA can be overtaken by the Delete (another socket,
 * another thread). */
#define LINGER_MS 1000

static void linger_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ike_glue *g = arg;
	uint64_t now = op_now(NULL);
	(void)fd;
	(void)what;

	for (struct lingering_sa **pp = &g->lingers; *pp;) {
		struct lingering_sa *l = *pp;
		if (l->at > now) {
			pp = &l->next;
			continue;
		}
		*pp = l->next;
		dp_del_sa(g->dp, l->spi, &l->dst);
		free(l);
	}
	if (g->lingers) {
		struct timeval tv = { 0, LINGER_MS * 1000 / 4 };
		evtimer_add(g->linger_ev, &tv);
	}
}

static void linger_flush(struct ike_glue *g)
{
	for (struct lingering_sa *l = g->lingers; l; l = l->next)
		l->at = 0;
	if (g->lingers)
		linger_cb(-1, 0, g);
}

static void remove_child(struct ike_glue *g, struct gchild *gc)
{
	const struct gchild *successor = policy_holder(g, gc, true);
	struct lingering_sa *l = successor && g->linger_ev ? calloc(1, sizeof(*l)) : NULL;

	for (size_t i = 0; !successor && i < gc->npol; i++) {
		if (!route_owns(g, gc->conn, &gc->pol_out[i], true))
			g->dp->ops->del_policy(g->dp, &gc->pol_out[i]);   /* else a trap again */
		g->dp->ops->del_policy(g->dp, &gc->pol_in[i]);
	}
	if (l) {
		l->spi = gc->spi_in;
		l->dst = gc->local;
		l->at = op_now(NULL) + LINGER_MS;
		l->next = g->lingers;
		g->lingers = l;
		if (!evtimer_pending(g->linger_ev, NULL)) {
			struct timeval tv = { LINGER_MS / 1000, (LINGER_MS % 1000) * 1000 };
			evtimer_add(g->linger_ev, &tv);
		}
	} else {
		dp_del_sa(g->dp, gc->spi_in, &gc->local);
	}
	if (!gc->out_pending)
		dp_del_sa(g->dp, gc->spi_out, &gc->remote);
}

static void op_child_deleted(void *ctx, const struct ike_child_params *p)
{
	struct ike_glue *g = ctx;
	struct gchild **pp, *gc = find_child(g, p->serial, &pp);

	if (!gc)
		return;
	*pp = gc->next;
	remove_child(g, gc);
	free(gc);
}

static void op_ike_established(void *ctx, const struct ike_sa_info *sa) { (void)ctx; (void)sa; }
static void op_ike_deleted(void *ctx, const struct ike_sa_info *sa) { (void)ctx; (void)sa; }
static void op_endpoints_changed(void *ctx, const struct ike_sa_info *sa) { (void)ctx; (void)sa; }

static void op_keepalive(void *ctx, const struct ike_endpoint *l, const struct ike_endpoint *r)
{
	struct ike_glue *g = ctx;

	if (g->dp)
		g->dp->ops->send_keepalive(g->dp, &l->addr, l->port, &r->addr, r->port);
}

static void op_deadline(void *ctx, uint64_t when)
{
	struct ike_glue *g = ctx;
	uint64_t now = op_now(NULL);
	struct timeval tv;

	if (!g->timer)
		return;
	if (when == UINT64_MAX) {
		evtimer_del(g->timer);
		return;
	}
	when = when > now ? when - now : 0;
	tv.tv_sec = (time_t)(when / 1000);
	tv.tv_usec = (suseconds_t)(when % 1000) * 1000;
	evtimer_add(g->timer, &tv);
}

static const struct ike_ops glue_ops = {
	.now = op_now,
	.send = op_send,
	.get_psk = op_get_psk,
	.find_conn_for_responder = op_find_conn,
	.find_conn_for_child = op_find_conn_for_child,
	.child_sa_installed = op_child_installed,
	.child_sa_outbound = op_child_outbound,
	.child_sa_deleted = op_child_deleted,
	.ike_sa_established = op_ike_established,
	.ike_sa_deleted = op_ike_deleted,
	.endpoints_changed = op_endpoints_changed,
	.deadline_changed = op_deadline,
	.send_keepalive = op_keepalive,
};

/* ---- sockets and events ------------------------------------------------- */

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ike_glue *g = arg;
	(void)fd;
	(void)what;
	ike_tick(g->eng);
	op_deadline(g, ike_next_deadline(g->eng));
}

static void read500(evutil_socket_t fd, short what, void *arg)
{
	struct ike_glue *g = arg;
	uint8_t pkt[65536];
	char cbuf[256];
	struct sockaddr_storage from;
	(void)what;

	for (int batch = 0; batch < 32; batch++) {
		struct iovec iov = { .iov_base = pkt, .iov_len = sizeof(pkt) };
		struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
				    .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
		struct ike_endpoint l = { .port = IKE_PORT }, r;
		ssize_t n = recvmsg(fd, &m, MSG_DONTWAIT);
		if (n < 0)
			return;
		if (!addr_from_sockaddr((struct sockaddr *)&from, &r.addr, &r.port))
			continue;
		pktinfo_get(&m, &l.addr);
		ike_recv(g->eng, pkt, (size_t)n, &l, &r);
	}
	op_deadline(g, ike_next_deadline(g->eng));
}

static void route_acquire(struct ike_glue *g, uint32_t reqid, const struct dp_selector *sel);

/* An SA reached its soft limit (bytes/packets: the engine's own timers
 * handle time): rekey its Child SA.  Its hard limit: the kernel removed the
 * SA (the userspace dataplane drops its traffic); with rekey=yes the Child
 * SA is replaced (unless its rekey is under way already: a burst can cross
 * both limits before the rekey's round trip), with rekey=no deleted. */
static void sa_expired(struct ike_glue *g, uint32_t spi, bool hard)
{
	const struct gchild *gc = g->children;
	struct conn_dp cd;
	bool del, ok;

	while (gc && gc->spi_in != spi && gc->spi_out != spi)
		gc = gc->next;
	if (!gc) {
		log_debug("dataplane: %s expire of SA 0x%08x, no Child SA of ours", hard ? "hard" : "soft", spi);
		return;
	}
	conn_dp_of(g, gc->conn, true, &cd);
	del = hard && !cd.rekey;
	ok = del ? ike_delete_child(g->eng, gc->serial) : ike_rekey_child(g->eng, gc->serial);
	log_info("\"%s\" #%u: %s lifetime of SA 0x%08x reached: %s%s", gc->conn, gc->serial,
		 hard ? "hard" : "soft", spi, del ? "deleting the Child SA" : "rekeying the Child SA",
		 ok ? "" : " (skipped: one is under way, or the IKE SA is not up)");
}

static void dp_event(void *arg, const struct dp_event *ev)
{
	struct ike_glue *g = arg;

	switch (ev->type) {
	case DP_EV_IKE_PACKET: {
		struct ike_endpoint l = { .addr = ev->u.ike.dst, .port = ev->u.ike.dport };
		struct ike_endpoint r = { .addr = ev->u.ike.src, .port = ev->u.ike.sport };
		ike_recv(g->eng, ev->u.ike.data, ev->u.ike.len, &l, &r);
		break;
	}
	case DP_EV_EXPIRE:
		sa_expired(g, ev->u.expire.spi, ev->u.expire.hard);
		break;
	case DP_EV_ACQUIRE:
		route_acquire(g, ev->u.acquire.reqid, &ev->u.acquire.sel);
		break;
	}
}

static void read_dp(evutil_socket_t fd, short what, void *arg)
{
	struct ike_glue *g = arg;
	(void)fd;
	(void)what;
	dp_poll_events(g->dp, dp_event, g);
	op_deadline(g, ike_next_deadline(g->eng));
}

static int open500(struct ike_glue *g, int af)
{
	int fd = pktinfo_udp_open(af, IKE_PORT);

	if (fd >= 0 && g->dp)
		dp_socket_bypass(g->dp, fd);
	return fd;
}

static struct ike_glue *glue_get(struct pluto *p)
{
	struct ike_glue *g = G(p);
	struct dp_params dpp = { 0 };
	int err = 0;

	if (g)
		return g;
	g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->p = p;
	g->fd500[0] = g->fd500[1] = -1;
	dpp.protostack = p->protostack;
	g->dp = dp_new(&dpp, &err);
	if (!g->dp)
		log_error("dataplane: cannot start: %s; Child SAs cannot be installed", strerror(-err));
	g->eng = ike_engine_new(&glue_ops, g, NULL);
	g->timer = evtimer_new(p->base, timer_cb, g);
	g->linger_ev = evtimer_new(p->base, linger_cb, g);
	if (g->dp) {
		g->evdp = event_new(p->base, dp_event_fd(g->dp), EV_READ | EV_PERSIST, read_dp, g);
		event_add(g->evdp, NULL);
	}
	p->glue = g;
	return g;
}

/* ---- deferred replies ---------------------------------------------------- */

static void sink_line(void *arg, int code, const char *text)
{
	struct pending *pd = arg;
	if (pd->d)
		ctl_deferred_line(pd->d, (uint16_t)code, text);
}

static void pending_unlink(struct ike_glue *g, struct pending *pd)
{
	for (struct pending **pp = &g->pending; *pp; pp = &(*pp)->next)
		if (*pp == pd) {
			*pp = pd->next;
			return;
		}
}

static struct ike_glue *the_glue;   /* sink_done needs the glue; one daemon per process */

static void sink_done(void *arg, int status, const char *reason)
{
	struct pending *pd = arg;

	if (pd->d) {
		if (status && reason)
			ctl_deferred_line(pd->d, (uint16_t)(status == IKE_RC_TIMEOUT ? 31 : 36), reason);
		ctl_deferred_done(pd->d, status);
	}
	if (the_glue)
		pending_unlink(the_glue, pd);
	free(pd);
}

static void sink_done_log(void *arg, int status, const char *reason)
{
	(void)arg;
	if (status)
		log_info("initiate finished: %s", reason ? reason : "failed");
}

/* ---- hooks --------------------------------------------------------------- */

int ike_glue_initiate(struct pluto *p, struct dconn *dc, const char *remote_host, bool async,
		      struct reply *rp)
{
	struct ike_glue *g = glue_get(p);
	struct ike_conn ic;
	char err[300];
	struct ike_sink sink;
	struct pending *pd = NULL;

	if (!g || !g->eng)
		return 36;
	if (!map_conn(g, dc, &ic, err, sizeof(err))) {
		rp_line(rp, 36, "\"%s\": cannot initiate: %s", dc->name, err);
		return 36;
	}
	if (!ic.remote.addr.af || addr_is_any(&ic.remote.addr)) {
		if (!remote_host || !addr_parse(remote_host, &ic.remote.addr)) {
			rp_line(rp, 29, "\"%s\": cannot initiate connection without knowing peer IP address", dc->name);
			rp_line(rp, 36, "\"%s\": failed to initiate connection", dc->name);
			return 36;
		}
	}
	dc->up = true;
	if (async) {
		/* no .line: nobody waits for the lines, and the engine logs each itself */
		sink = (struct ike_sink){ .done = sink_done_log };
		rp_line(rp, 181, "\"%s\": initiating IKEv2 connection", dc->name);
	} else {
		pd = calloc(1, sizeof(*pd));
		if (!pd)
			return 36;
		pd->d = ctl_defer(rp);
		snprintf(pd->conn, sizeof(pd->conn), "%s", dc->name);
		pd->next = g->pending;
		g->pending = pd;
		sink = (struct ike_sink){ .line = sink_line, .done = sink_done, .arg = pd };
	}
	the_glue = g;
	if (!ike_initiate(g->eng, &ic, &sink)) {
		/* ike_initiate reported through the sink already (done called) */
		return pd ? CTL_STATUS_DEFERRED : 36;
	}
	op_deadline(g, ike_next_deadline(g->eng));
	return pd ? CTL_STATUS_DEFERRED : 0;
}

int ike_glue_terminate(struct pluto *p, struct dconn *dc, struct reply *rp)
{
	struct ike_glue *g = G(p);
	unsigned n;

	rp_line(rp, 2, "\"%s\": terminating SAs using this connection", dc->name);
	dc->up = false;
	if (!g || !g->eng)
		return 0;
	n = ike_terminate(g->eng, dc->name);
	op_deadline(g, ike_next_deadline(g->eng));
	(void)n;
	return 0;
}

/* The conn's end as traffic selectors: its subnets, else its address. */
static size_t end_subnets(const struct ike_end *e, struct ip_subnet *out)
{
	if (e->n_subnets) {
		memcpy(out, e->subnets, e->n_subnets * sizeof(out[0]));
		return e->n_subnets;
	}
	subnet_from_addr(&e->addr, &out[0]);
	return 1;
}

static void route_remove(struct ike_glue *g, struct groute *r)
{
	for (struct groute **pp = &g->routes; *pp; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	for (size_t i = 0; g->dp && i < r->npol; i++)
		g->dp->ops->del_policy(g->dp, &r->pol[i]);
	free(r);
}

static bool conn_has_child(struct ike_glue *g, const char *conn)
{
	for (const struct gchild *gc = g->children; gc; gc = gc->next)
		if (!strcmp(gc->conn, conn))
			return true;
	return false;
}

static bool held_by(const struct gchild *gc, const struct dp_policy *pol)
{
	for (size_t k = 0; gc && k < gc->npol; k++)
		if (sel_eq(&gc->pol_out[k].sel, &pol->sel))
			return true;
	return false;
}

int ike_glue_route(struct pluto *p, struct dconn *dc, struct reply *rp)
{
	struct ike_glue *g = glue_get(p);
	struct ike_conn ic;
	struct ip_subnet ls[IKE_MAX_SUBNETS], rs[IKE_MAX_SUBNETS];
	size_t nl, nr;
	struct groute *r;
	const struct gchild *held = NULL;
	struct conn_dp cd;
	char err[300];

	if (!g || !g->dp) {
		rp_line(rp, 25, "\"%s\": could not route: no dataplane", dc->name);
		return 25;
	}
	if (route_of(g, dc->name))
		return 0;                     /* routed already: silent, as Libreswan */
	if (!map_conn(g, dc, &ic, err, sizeof(err))) {
		rp_line(rp, 25, "\"%s\": could not route: %s", dc->name, err);
		return 25;
	}
	if (!ic.remote.addr.af || addr_is_any(&ic.remote.addr)) {
		char pol[256];
		status_policy_text(dc, pol, sizeof(pol));
		rp_line(rp, 25, "\"%s\": cannot route template policy of %s", dc->name, pol);
		rp_line(rp, 25, "\"%s\": could not route", dc->name);
		return 25;
	}
	if (!(r = calloc(1, sizeof(*r))))
		return 25;
	snprintf(r->conn, sizeof(r->conn), "%s", dc->name);
	conn_dp_of(g, dc->name, true, &cd);
	r->reqid = REQID_ROUTE(dc->serial);
	nl = end_subnets(&ic.local, ls);
	nr = end_subnets(&ic.remote, rs);
	if (nl * nr > IKE_TS_MAX)
		log_warn("\"%s\": %zu subnet pairs; only the first %d get trap policies", dc->name, nl * nr, IKE_TS_MAX);
	for (size_t i = 0; i < nl; i++)
		for (size_t j = 0; j < nr && r->npol < IKE_TS_MAX; j++) {
			struct dp_policy *po = &r->pol[r->npol++];
			po->dir = DP_DIR_OUT;
			po->sel.src = ls[i];
			po->sel.dst = rs[j];
			po->sel.proto = ic.local.protocol;
			po->tmpl_src = ic.local.addr;
			po->tmpl_dst = ic.remote.addr;
			po->mode = ic.transport ? DP_MODE_TRANSPORT : DP_MODE_TUNNEL;
			po->mark = cd.mark_out;
			po->priority = cd.priority;
			ifaddr_in_subnet(&po->sel.src, &po->prefsrc);
		}
	/* routed while up: the Child SA's outbound policies become the traps */
	for (const struct gchild *gc = g->children; gc && !held; gc = gc->next)
		if (!strcmp(gc->conn, dc->name))
			held = gc;
	if (held)
		r->reqid = held->reqid;
	for (size_t i = 0; i < r->npol; i++) {
		int rc;
		r->pol[i].reqid = r->reqid;
		if (held_by(held, &r->pol[i]))
			continue;
		if ((rc = g->dp->ops->add_policy(g->dp, &r->pol[i])) < 0) {
			rp_line(rp, 25, "\"%s\": could not route: %s", dc->name, strerror(-rc));
			while (i--)           /* remove the ones added */
				if (!held_by(held, &r->pol[i]))
					g->dp->ops->del_policy(g->dp, &r->pol[i]);
			free(r);
			return 25;
		}
	}
	r->next = g->routes;
	g->routes = r;
	dc->routing = ROUTING_PROSPECTIVE;
	log_info("\"%s\": routed: %zu trap polic%s", dc->name, r->npol, r->npol == 1 ? "y" : "ies");
	return 0;
}

int ike_glue_unroute(struct pluto *p, struct dconn *dc, struct reply *rp)
{
	struct ike_glue *g = G(p);
	struct groute *r = g ? route_of(g, dc->name) : NULL;

	if (!r) {
		dc->routing = ROUTING_UNROUTED;
		return 0;                     /* not routed: silent, as Libreswan */
	}
	if (conn_has_child(g, dc->name)) {
		rp_line(rp, 26, "\"%s\": cannot unroute: route busy", dc->name);
		return 26;
	}
	route_remove(g, r);
	dc->routing = ROUTING_UNROUTED;
	log_info("\"%s\": unrouted", dc->name);
	return 0;
}

struct conn_sas {
	const char *conn;
	bool negotiating;
};

static void conn_sas_cb(void *arg, const struct ike_sa_info *sa)
{
	struct conn_sas *c = arg;

	if (!strcmp(sa->conn_name, c->conn) && !sa->established)
		c->negotiating = true;
}

/* Traffic hit a trap: initiate its conn unless it is up or on its way. */
static void route_acquire(struct ike_glue *g, uint32_t reqid, const struct dp_selector *sel)
{
	struct groute *r = g->routes;
	struct conn_sas cs = { 0 };
	struct dconn *dc;
	struct reply rp = { 0 };          /* no emit: the lines are logged */
	char a[SUBNET_STRLEN], b[SUBNET_STRLEN];
	uint64_t now = op_now(NULL);
	bool was_up;

	while (r && r->reqid != reqid)
		r = r->next;
	if (!r || !(dc = conndb_find(g->p->db, r->conn)))
		return;
	cs.conn = r->conn;
	ike_foreach_sa(g->eng, conn_sas_cb, &cs);
	if (cs.negotiating || conn_has_child(g, r->conn) || (r->acquire_ms && now - r->acquire_ms < 1000))
		return;
	r->acquire_ms = now;
	log_info("\"%s\": initiating on demand: acquire from %s to %s proto %u", r->conn,
		 subnet_fmt(&sel->src, a), subnet_fmt(&sel->dst, b), sel->proto);
	was_up = dc->up;
	ike_glue_initiate(g->p, dc, NULL, true, &rp);
	dc->up = was_up;                  /* on demand is not +UP */
}

void ike_glue_conn_deleted(struct pluto *p, struct dconn *dc)
{
	struct ike_glue *g = G(p);

	if (g && g->eng) {
		/* ike_terminate() may finish a deferred request (sa_done ->
		 * ctl_deferred_done -> the next pipelined request of that client,
		 * e.g. an --unroute or --delete of this conn): neither the route
		 * nor dc may be used across it */
		char name[IKE_CONN_NAMELEN];
		struct groute *r;
		snprintf(name, sizeof(name), "%s", dc->name);
		ike_terminate(g->eng, name);
		op_deadline(g, ike_next_deadline(g->eng));
		if ((r = route_of(g, name)))
			route_remove(g, r);
	}
}

int ike_glue_listen(struct pluto *p, bool on, struct reply *rp)
{
	struct ike_glue *g = glue_get(p);

	if (!g)
		return 36;
	for (int i = 0; i < 2; i++) {
		if (on && g->fd500[i] < 0) {
			int fd = open500(g, i ? AF_INET6 : AF_INET);
			if (fd < 0) {
				if (!i)
					log_error("cannot open UDP 500: %s", strerror(-fd));
				continue;
			}
			g->fd500[i] = fd;
			g->ev500[i] = event_new(p->base, fd, EV_READ | EV_PERSIST, read500, g);
			event_add(g->ev500[i], NULL);
		} else if (!on && g->fd500[i] >= 0) {
			event_free(g->ev500[i]);
			close(g->fd500[i]);
			g->fd500[i] = -1;
		}
	}
	p->listening = on;
	if (rp && on)
		rp_line(rp, 2, "listening for IKE messages");
	return 0;
}

static void count_sa(void *arg, const struct ike_sa_info *sa)
{
	struct ike_glue_counts *c = arg;

	if (sa->kind == IKE_KIND_IKE) {
		c->ike_total++;
		if (!sa->established)
			c->ike_halfopen++;
		else
			c->ike_auth++;
	} else if (sa->established) {
		c->ipsec_total++;
		c->ipsec_auth++;
	}
}

void ike_glue_counts(struct pluto *p, struct ike_glue_counts *c)
{
	struct ike_glue *g = G(p);

	memset(c, 0, sizeof(*c));
	if (g && g->eng)
		ike_foreach_sa(g->eng, count_sa, c);
}

void ike_glue_foreach_sa(struct pluto *p, void (*fn)(void *arg, const struct ike_sa_info *sa), void *arg)
{
	struct ike_glue *g = G(p);

	if (g && g->eng)
		ike_foreach_sa(g->eng, fn, arg);
}

void ike_glue_shutdown(struct pluto *p)
{
	struct ike_glue *g = G(p);

	if (!g)
		return;
	for (struct pending *pd = g->pending, *nx; pd; pd = nx) {
		nx = pd->next;
		if (pd->d)
			ctl_deferred_done(pd->d, 10);
		pd->d = NULL;
	}
	if (g->eng) {
		struct dconn **all;
		size_t n;
		all = conndb_sorted(p->db, &n);
		for (size_t i = 0; i < n; i++)
			ike_terminate(g->eng, all[i]->name);
		free(all);
		ike_engine_free(g->eng);   /* frees pending sinks? see ike.h */
	}
	while (g->routes)              /* first: children's policies are theirs again */
		route_remove(g, g->routes);
	while (g->children) {
		struct gchild *gc = g->children;
		g->children = gc->next;
		if (g->dp)
			remove_child(g, gc);
		free(gc);
	}
	if (g->dp)
		linger_flush(g);
	ike_glue_listen(p, false, NULL);
	if (g->linger_ev)
		event_free(g->linger_ev);
	if (g->evdp)
		event_free(g->evdp);
	if (g->timer)
		event_free(g->timer);
	if (g->dp)
		dp_free(g->dp);
	free(g);
	p->glue = NULL;
	the_glue = NULL;
}

/* ---- status ------------------------------------------------------------- */

struct state_ctx {
	struct ike_glue *g;
	struct reply *rp;
	uint64_t now;
	const char *only;
};

static void state_line(void *arg, const struct ike_sa_info *sa)
{
	struct state_ctx *s = arg;
	char timers[160] = "";
	size_t o = 0;

	if (s->only && strcmp(s->only, sa->conn_name) != 0)
		return;
	if (sa->retransmit_at_ms)
		o += (size_t)snprintf(timers + o, sizeof(timers) - o, " RETRANSMIT in %llus;",
				      (unsigned long long)((sa->retransmit_at_ms > s->now ? sa->retransmit_at_ms - s->now : 0) / 1000));
	if (sa->rekey_at_ms && o < sizeof(timers))
		o += (size_t)snprintf(timers + o, sizeof(timers) - o, " REKEY in %llus;",
				      (unsigned long long)((sa->rekey_at_ms > s->now ? sa->rekey_at_ms - s->now : 0) / 1000));
	if (sa->replace_at_ms && o < sizeof(timers))
		snprintf(timers + o, sizeof(timers) - o, " REPLACE in %llus;",
			 (unsigned long long)((sa->replace_at_ms > s->now ? sa->replace_at_ms - s->now : 0) / 1000));
	if (sa->kind == IKE_KIND_IKE) {
		rp_line(s->rp, 0, "#%u: \"%s\":%u %s (%s);%s%s idle;", sa->serial, sa->conn_name, sa->local.port,
			sa->state_name, sa->state_story, timers, sa->newest ? " newest;" : "");
	} else {
		char pa[ADDR_STRLEN], la[ADDR_STRLEN];
		struct dp_counters cin = { 0 }, cout = { 0 };
		if (s->g->dp && sa->established) {
			s->g->dp->ops->get_counters(s->g->dp, sa->spi_in, &sa->local.addr, DP_IPPROTO_ESP, &cin);
			s->g->dp->ops->get_counters(s->g->dp, sa->spi_out, &sa->remote.addr, DP_IPPROTO_ESP, &cout);
		}
		rp_line(s->rp, 0, "#%u: \"%s\":%u %s (%s);%s%s%s IKE SA #%u; idle;", sa->serial, sa->conn_name,
			sa->local.port, sa->state_name, sa->state_story, timers, sa->newest ? " newest;" : "",
			sa->established ? " eroute owner;" : "", sa->ike_serial);
		const struct gchild *gc = find_child(s->g, sa->serial, NULL);
		char tun[2 * ADDR_STRLEN + 20] = "";
		addr_fmt(&sa->remote.addr, pa);
		addr_fmt(&sa->local.addr, la);
		if (!gc || !gc->transport)   /* Libreswan prints no tun.0 pairs in transport mode */
			snprintf(tun, sizeof(tun), " tun.0@%s tun.0@%s", pa, la);
		if (sa->established)
			rp_line(s->rp, 0, "#%u: \"%s\" esp.%08x@%s esp.%08x@%s%s Traffic: ESPin=%lluB ESPout=%lluB ESPmax=2^63B",
				sa->serial, sa->conn_name, sa->spi_out, pa, sa->spi_in, la, tun,
				(unsigned long long)cin.bytes, (unsigned long long)cout.bytes);
	}
}

void ike_glue_states(struct pluto *p, struct reply *rp, const char *only)
{
	struct ike_glue *g = G(p);
	struct state_ctx s = { .g = g, .rp = rp, .now = op_now(NULL), .only = only };

	if (g && g->eng)
		ike_foreach_sa(g->eng, state_line, &s);
}

static void traffic_line(void *arg, const struct ike_sa_info *sa)
{
	struct state_ctx *s = arg;
	struct dp_counters cin = { 0 }, cout = { 0 };
	struct gchild *gc;
	char id[ID_STRLEN];

	if (sa->kind != IKE_KIND_CHILD || !sa->established || !s->g->dp)
		return;
	gc = find_child(s->g, sa->serial, NULL);
	s->g->dp->ops->get_counters(s->g->dp, sa->spi_in, &sa->local.addr, DP_IPPROTO_ESP, &cin);
	s->g->dp->ops->get_counters(s->g->dp, sa->spi_out, &sa->remote.addr, DP_IPPROTO_ESP, &cout);
	rp_line(s->rp, 6, "#%u: \"%s\", type=ESP, add_time=%llu, inBytes=%llu, outBytes=%llu, maxBytes=2^63B, id='%s'",
		sa->serial, sa->conn_name, (unsigned long long)(gc ? gc->add_time : 0),
		(unsigned long long)cin.bytes, (unsigned long long)cout.bytes, id_fmt(&sa->remote_id, id));
}

void ike_glue_traffic(struct pluto *p, struct reply *rp)
{
	struct ike_glue *g = G(p);
	struct state_ctx s = { .g = g, .rp = rp };

	if (g && g->eng)
		ike_foreach_sa(g->eng, traffic_line, &s);
}

struct newest_ctx {
	const char *conn;
	unsigned ike, child;
};

static void newest_cb(void *arg, const struct ike_sa_info *sa)
{
	struct newest_ctx *n = arg;

	if (!sa->established || strcmp(sa->conn_name, n->conn) != 0)
		return;
	if (sa->kind == IKE_KIND_IKE && sa->serial > n->ike)
		n->ike = sa->serial;
	else if (sa->kind == IKE_KIND_CHILD && sa->serial > n->child)
		n->child = sa->serial;
}

void ike_glue_newest(struct pluto *p, const char *conn, unsigned *ike, unsigned *child)
{
	struct ike_glue *g = G(p);
	struct newest_ctx n = { .conn = conn };

	if (g && g->eng)
		ike_foreach_sa(g->eng, newest_cb, &n);
	*ike = n.ike;
	*child = n.child;
}

unsigned ike_glue_active(struct pluto *p)
{
	struct ike_glue *g = G(p);
	unsigned n = 0;

	if (!g)
		return 0;
	for (const struct gchild *gc = g->children; gc; gc = gc->next) {
		const struct gchild *o = g->children;
		while (o != gc && strcmp(o->conn, gc->conn) != 0)
			o = o->next;
		n += o == gc;   /* count each conn once */
	}
	return n;
}

const char *ike_glue_dataplane(struct pluto *p)
{
	struct ike_glue *g = G(p);
	return g && g->dp ? g->dp->ops->name : "none";
}

void ike_glue_drops(struct pluto *p, struct reply *rp)
{
	struct ike_glue *g = G(p);
	uint64_t d[DP_DROP__COUNT];
	char line[1024];
	size_t o = 0;

	if (!g || !g->dp)
		return;
	g->dp->ops->get_global_drops(g->dp, d);
	for (int i = 0; i < DP_DROP__COUNT; i++)
		if (d[i] && o < sizeof(line))
			o += (size_t)snprintf(line + o, sizeof(line) - o, "%s%s=%llu", o ? ", " : "",
					      dp_drop_name((enum dp_drop)i), (unsigned long long)d[i]);
	rp_line(rp, 0, "dataplane drops: %s", o ? line : "none");
	if (g->eng) {
		o = 0;
		for (int i = 0; i < IKE_DROP_COUNT; i++) {
			uint64_t n = ike_drop_count(g->eng, (enum ike_drop)i);
			if (n && o < sizeof(line))
				o += (size_t)snprintf(line + o, sizeof(line) - o, "%s%s=%llu", o ? ", " : "",
						      ike_drop_name((enum ike_drop)i), (unsigned long long)n);
		}
		rp_line(rp, 0, "IKE drops: %s", o ? line : "none");
	}
}

/* `whack --rekey-ike` / `--rekey-ipsec` (helper "rekey"): start a rekey of
 * the conn's newest established IKE SA or Child SA, the one
 * ike_glue_newest() names.  No line on success (daemon/rekey.c reports the
 * outcome); Libreswan's text with code 36 when there is nothing to rekey
 * (Libreswan 4.10 prints it as 002 and exits 0). */
int ike_glue_rekey(struct pluto *p, struct dconn *dc, bool ike, struct reply *rp)
{
	struct ike_glue *g = G(p);
	const char *what = ike ? "IKE SA" : "Child SA";
	unsigned ike_serial = 0, child_serial = 0, serial;
	bool started;

	if (!dc->conn->ikev2) {
		rp_line(rp, 36, "\"%s\": cannot force rekey of IKEv1 connection", dc->name);
		return 36;
	}
	ike_glue_newest(p, dc->name, &ike_serial, &child_serial);
	serial = ike ? ike_serial : child_serial;
	if (!g || !g->eng || !serial) {
		rp_line(rp, 36, "\"%s\": connection does not have %s", dc->name, what);
		return 36;
	}
	log_info("\"%s\" #%u: whack asks to rekey the %s", dc->name, serial, what);
	started = ike ? ike_rekey_ike(g->eng, serial) : ike_rekey_child(g->eng, serial);
	if (!started) {   /* e.g. its IKE SA is being deleted */
		rp_line(rp, 36, "\"%s\" #%u: cannot rekey the %s now", dc->name, serial, what);
		return 36;
	}
	op_deadline(g, ike_next_deadline(g->eng));
	return 0;
}
