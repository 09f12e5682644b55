/* struct conn (config) -> struct conn_view (the engine's handle plus the
 * conn's dataplane settings), built once per dconn; the responder's conn
 * choices over the views.  See connview.h. */
#include "daemon/connview.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conn.h"
#include "daemon/connindex.h"
#include "daemon/conndb.h"
#include "daemon/pluto.h"
#include "daemon/updown.h"
#include "lib/ifaddr.h"

#define IKE_PORT 500

/* Which end of the conn is this host: 0 left, 1 right, -1 neither. */
static int orient(const struct conn_end end[2])
{
	for (int s = 0; s < 2; s++)
		if (end[s].host_kind == HOST_ADDR || end[s].host_kind == HOST_DEFAULTROUTE)
			if (ifaddr_is_local(&end[s].host, NULL))
				return s;
	return -1;
}

/* The conn's ends with host names replaced by their answers (conn_dns.c);
 * false when a name has none: a conn never stands for %any because its
 * name did not resolve. */
static bool resolved_ends(const struct dconn *dc, struct conn_end end[2], char *err, size_t errlen)
{
	for (int s = 0; s < 2; s++) {
		const struct dconn_host *h = &dc->dns[s];

		end[s] = dc->conn->end[s];
		if (end[s].host_kind != HOST_DNS)
			continue;
		if (!h->resolved) {
			if (h->err[0])
				snprintf(err, errlen, "failed to resolve '%s=%s': %s", s ? "right" : "left",
					 end[s].host_name, h->err);
			else
				snprintf(err, errlen, "'%s=%s' is not resolved yet", s ? "right" : "left",
					 end[s].host_name);
			return false;
		}
		end[s].host_kind = HOST_ADDR;
		end[s].host = h->addr;
	}
	return true;
}

static size_t n_view_subnets(const struct conn_end *e)
{
	return e->n_subnets < IKE_MAX_SUBNETS ? e->n_subnets : IKE_MAX_SUBNETS;
}

/* One end into the view's ike_end; its subnets go to sub (room for
 * n_view_subnets(e)).  False when the ID cannot be shared (no memory). */
static bool map_end(const struct conn_end *e, struct ike_end *out, struct ip_subnet *sub)
{
	memset(out, 0, sizeof(*out));
	if (e->host_kind == HOST_ADDR || e->host_kind == HOST_DEFAULTROUTE)
		out->addr = e->host;
	else if (e->host_kind == HOST_ANY)
		out->addr.af = e->host.af;          /* %any: family only */
	out->ike_port = e->ikeport ? e->ikeport : IKE_PORT;
	if (e->has_id) {
		out->id = id_ref(e->id);
	} else {
		struct cy_id id;

		id_from_addr(&out->addr, &id);
		out->id = id_share(&id);
	}
	out->n_subnets = n_view_subnets(e);
	out->subnets = sub;
	if (out->n_subnets)   /* e->subnets is NULL when there are none */
		memcpy(sub, e->subnets, out->n_subnets * sizeof(sub[0]));
	out->protocol = e->protocol;
	out->port = e->port;
	return out->id != NULL;
}

void connview_map_options(const struct conn *c, struct ike_conn *ic)
{
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
	if (!c->nat_keepalive)
		ic->nat_keepalive_ms = 0;
	ic->initial_contact = c->initial_contact;
	ic->send_no_esp_tfc = c->send_no_esp_tfc;
	/* fragmentation=force only changes IKEv1 in Libreswan (fragments
	 * before the peer's vendor ID); for IKEv2 it is yes: RFC 7383 §2.3
	 * allows fragments only once both sides announced support */
	ic->fragmentation = c->fragmentation != FRAG_NO;
}

/* mark=/mark-in=/mark-out= (-1 = a mark unique to the conn). */
static void mark_of(const struct conn_mark *m, const struct dconn *dc, struct dp_mark *out)
{
	if (!m->set)
		return;
	out->value = m->unique ? 0x1000u + (uint32_t)(dc->serial & 0xfffff) : m->value;
	out->mask = m->unique ? 0xffffffffu : m->mask;
}

static void map_dataplane(const struct dconn *dc, int me, struct conn_view *v)
{
	const struct conn *c = dc->conn;
	const struct conn_end *e = &c->end[me];
	const uint64_t unlimited = 1ULL << 63;

	mark_of(&c->mark, dc, &v->mark_in);
	v->mark_out = v->mark_in;
	mark_of(&c->mark_in, dc, &v->mark_in);
	mark_of(&c->mark_out, dc, &v->mark_out);
	v->priority = c->priority;
	v->reqid = c->reqid;
	v->max_bytes = c->ipsec_max_bytes < unlimited ? c->ipsec_max_bytes : 0;
	v->max_packets = c->ipsec_max_packets < unlimited ? c->ipsec_max_packets : 0;
	v->tfc = c->tfc > 0xffff ? 0xffff : (uint16_t)c->tfc;
	v->sourceip = e->sourceip;
	/* leftnexthop=ADDR, or %defaultroute's gateway when it was found */
	if (e->nexthop_kind == HOST_ADDR || e->nexthop_kind == HOST_DEFAULTROUTE)
		v->nexthop = e->nexthop;
	v->metric = c->metric;
	v->mtu = c->mtu;
}

void connview_route(const struct conn_view *v, struct dp_policy *po)
{
	if (v->sourceip.af && v->sourceip.af == po->sel.src.addr.af)
		po->prefsrc = v->sourceip;
	else
		ifaddr_in_subnet(&po->sel.src, &po->prefsrc);   /* the gateway's own traffic uses the tunnel */
	if (v->nexthop.af == po->sel.dst.addr.af && !addr_is_any(&v->nexthop))
		po->via = v->nexthop;
	po->metric = v->metric;
	po->mtu = v->mtu;
}

static void view_release(struct ike_conn *ic)
{
	updown_conn_free(connview_of(ic)->updown);
	proposals_unref(ic->ike);
	proposals_unref(ic->esp);
	id_unshare(ic->local.id);
	id_unshare(ic->remote.id);
	free(connview_of(ic));
}

static struct conn_view *build(const struct pluto *p, struct dconn *dc, char *err, size_t errlen)
{
	const struct conn *c = dc->conn;
	struct conn_end end[2];
	int me;
	struct conn_view *v;
	struct ike_conn *ic;

	if (!resolved_ends(dc, end, err, errlen))
		return NULL;
	if ((me = orient(end)) < 0) {
		snprintf(err, errlen, "neither left nor right is an address of this host (unoriented)");
		return NULL;
	}
	/* the subnets of both ends after the view, in the same allocation */
	if (!(v = calloc(1, sizeof(*v) + (n_view_subnets(&end[0]) + n_view_subnets(&end[1])) * sizeof(v->sub[0])))) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ic = &v->ike;
	ike_conn_defaults(ic);
	ic->release = view_release;
	/* the view holds its own references: it may outlive the conn */
	ic->ike = proposals_ref(c->ike ? c->ike : proposals_default_shared(PROP_IKE));
	ic->esp = proposals_ref(c->esp ? c->esp : proposals_default_shared(PROP_ESP));
	snprintf(ic->name, sizeof(ic->name), "%s", dc->name);
	if (!map_end(&end[me], &ic->local, v->sub) ||
	    !map_end(&end[!me], &ic->remote, v->sub + n_view_subnets(&end[me])) || !ic->ike || !ic->esp) {
		snprintf(err, errlen, "out of memory");
		view_release(ic);
		return NULL;
	}
	v->host[0] = end[0].host;
	v->host[1] = end[1].host;
	ic->transport = c->type == CONN_TRANSPORT;
	ic->pfs = c->pfs;
	ic->esn = c->esn == ESN_YES ? IKE_ESN_YES : c->esn == ESN_NO ? IKE_ESN_NO : IKE_ESN_EITHER;
	connview_map_options(c, ic);
	if (c->nat_keepalive)      /* config setup keep-alive= */
		ic->nat_keepalive_ms = (p->keep_alive_s ? p->keep_alive_s : 20) * 1000u;
	ic->uniqueids = p->uniqueids;
	ic->narrowing = c->narrowing;
	ic->encaps = c->encapsulation == YNA_YES ? IKE_ENCAPS_YES :
		     c->encapsulation == YNA_NO ? IKE_ENCAPS_NO : IKE_ENCAPS_AUTO;
	ic->replay_window = c->replay_window;
	ic->user = dc;
	v->dc = dc;
	map_dataplane(dc, me, v);
	v->updown = updown_conn_new(c->end[me].updown);
	return v;
}

/* Moved by every view built or dropped (connindex.c's cache). */
static uint64_t view_generation = 1;

uint64_t connview_generation(void) { return view_generation; }

struct conn_view *connview_get(struct pluto *p, struct dconn *dc, char *err, size_t errlen)
{
	if (!dc->view && (dc->view = build(p, dc, err, errlen)) != NULL)
		view_generation++;
	return dc->view;
}

void connview_drop(struct dconn *dc)
{
	struct conn_view *v = dc->view;

	if (!v)
		return;
	view_generation++;
	dc->view = NULL;
	v->dc = NULL;
	ike_conn_gone(&v->ike);
	ike_conn_unref(&v->ike);
}

/* ---- the responder's choices ---------------------------------------------- */

/* Does the view's end addresses admit this pair of endpoints? */
static bool addrs_fit(const struct ike_conn *ic, const struct ike_endpoint *l, const struct ike_endpoint *r)
{
	if (ic->local.addr.af && !addr_is_any(&ic->local.addr) && !addr_eq(&ic->local.addr, &l->addr))
		return false;
	if (ic->remote.addr.af && !addr_is_any(&ic->remote.addr))
		return addr_eq(&ic->remote.addr, &r->addr);
	return !ic->remote.addr.af || ic->remote.addr.af == r->addr.af;
}

struct ike_conn *connview_for_peer(struct pluto *p, const struct ike_endpoint *l, const struct ike_endpoint *r,
				   const struct cy_id *peer, const struct alg_suite *ike)
{
	struct conn_cands it;
	struct conn_view *v;
	struct ike_conn *best = NULL;
	int best_score = -1;

	/* a conn that names the peer's address scores 2 (3 with its ID),
	 * one that accepts any peer at most 1: those first, each group in
	 * name order, give the choice of the walk in name order */
	connindex_begin(p, &r->addr, &it);
	it.named_first = true;
	while ((v = connindex_next(&it)) != NULL) {
		const struct ike_conn *ic = &v->ike;
		int score = 0;

		if (!addrs_fit(ic, l, r) || (ike && !ike_conn_accepts_ike(ic, ike)))
			continue;
		if (ic->remote.addr.af && !addr_is_any(&ic->remote.addr))
			score += 2;
		if (peer) {
			if (!id_match(ic->remote.id, peer))
				continue;
			if (ic->remote.id->kind != ID_ANY)
				score += 1;
		}
		if (score > best_score) {
			best = &v->ike;
			best_score = score;
		}
		/* ties go to the first: stop when no later one can score more
		 * (a road-warrior concentrator's thousands of conns accept any
		 * peer: an IKE_SA_INIT must not visit them all) */
		if (best_score >= (connindex_named_left(&it) ? 2 : 0) + (peer ? 1 : 0))
			break;
	}
	return best;
}

/* The conn of the same peer whose subnets hold a Child SA's proposed
 * selectors (leftsubnets= expansions: NAME/1x2 ...); `current` (the IKE
 * SA's conn) first. */
struct ike_conn *connview_for_child(struct pluto *p, struct ike_conn *current, const struct ike_endpoint *l,
				    const struct ike_endpoint *r, const struct cy_id *peer,
				    const struct ike_ts_payload *tsi, const struct ike_ts_payload *tsr)
{
	struct conn_cands it;
	struct conn_view *v;
	struct ike_conn *best = NULL;

	if (ike_conn_fits_ts(current, l, r, tsi, tsr))
		return current;
	connindex_begin(p, &r->addr, &it);
	while (!best && (v = connindex_next(&it)) != NULL) {
		const struct ike_conn *ic = &v->ike;

		if (ic == current || ic->authby != current->authby || !id_eq(ic->local.id, current->local.id) ||
		    !id_match(ic->remote.id, peer) || !addrs_fit(ic, l, r))
			continue;
		if (ike_conn_fits_ts(ic, l, r, tsi, tsr))
			best = &v->ike;
	}
	return best;
}
