/* When a conn's updown script runs (updown.h), as Libreswan 4.10 runs it:
 *
 *   --route (traps installed)           prepare, route
 *   first Child SA of a selector set    up; then prepare, route unless routed
 *   last Child SA of a selector set     down (with PLUTO_INBYTES/OUTBYTES);
 *     gone                              then unroute unless the conn is
 *                                       routed (traps) or has Child SAs left
 *   --unroute, conn deleted             unroute (when routed and no Child SA)
 *   shutdown                            down per Child SA, unroute
 *
 * A rekey runs nothing: the new Child SA has its predecessor's selectors
 * (and reqid, satable.h), so it is not the first of its selector set, and
 * the old one is not the last.  Each verb runs once per selector pair (Libreswan: per
 * spd_route).  Only conns whose updown is a script of their own get here
 * (the view's `updown` is NULL otherwise): nothing is looked up for others. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/conn.h"
#include "daemon/conndb.h"
#include "daemon/connview.h"
#include "daemon/ikehost.h"
#include "daemon/satable.h"
#include "daemon/updown.h"
#include "lib/ifaddr.h"
#include "lib/log.h"

struct updown_conn {
	char *cmd;
	bool routed;                   /* prepare/route ran, unroute not yet */
	size_t npairs;                 /* what route ran for: unroute runs for it */
	struct dp_selector pairs[SATABLE_MAX_POL];
	uint32_t reqid;
	char policy[256];              /* PLUTO_CONN_POLICY, kept for after the conn went */
};

struct updown_conn *updown_conn_new(const char *cmd)
{
	struct updown_conn *u;

	if (!cmd || !cmd[0] || strcmp(cmd, "%disabled") == 0 || strcmp(cmd, UPDOWN_DEFAULT) == 0)
		return NULL;               /* nothing, or the dataplane's own routing */
	if (!(u = calloc(1, sizeof(*u))) || !(u->cmd = strdup(cmd))) {
		free(u);
		log_error("updown \"%s\": out of memory; it will not run", cmd);
		return NULL;
	}
	return u;
}

void updown_conn_free(struct updown_conn *u)
{
	if (u)
		free(u->cmd);
	free(u);
}

/* What the conn says, for any verb. */
static void info_of_conn(struct ikehost *h, struct conn_view *v, struct updown_info *u)
{
	const struct ike_conn *ic = &v->ike;

	memset(u, 0, sizeof(*u));
	if (v->dc)
		status_policy_text(v->dc, v->updown->policy, sizeof(v->updown->policy));
	u->conn = ic->name;
	u->policy = v->updown->policy;
	u->stack = h->dp ? h->dp->ops->name : "none";
	u->me = ic->local.addr;
	u->peer = ic->remote.addr;
	u->nexthop = v->nexthop.af && !addr_is_any(&v->nexthop) ? v->nexthop : ic->remote.addr;
	u->sourceip = v->sourceip;
	u->my_id = *ic->local.id;
	u->peer_id = *ic->remote.id;
	u->metric = v->metric;
	u->mtu = v->mtu;
	u->mark_in = v->mark_in;
	u->mark_out = v->mark_out;
}

static void set_pair(struct updown_info *u, const struct dp_selector *s)
{
	u->my_client = s->src;
	u->peer_client = s->dst;
	u->my_proto = u->peer_proto = s->proto;
	u->my_port = s->sport;
	u->peer_port = s->dport;
}

static void queue(struct ikehost *h, struct conn_view *v, struct updown_info *u, unsigned serial)
{
	char ifname[IF_NAMESIZE] = "", verb[UPDOWN_VERB_STRLEN], label[160];
	struct updown_env *env;

	if (!h->ud)
		return;
	if (!(env = malloc(sizeof(*env)))) {
		log_error("\"%s\": updown: out of memory", u->conn);
		return;
	}
	ifaddr_is_local(&u->me, ifname);
	u->interface = ifname;
	if (serial)
		snprintf(label, sizeof(label), "\"%s\" #%u: %s", u->conn, serial, updown_verb_name(u, verb));
	else
		snprintf(label, sizeof(label), "\"%s\": %s", u->conn, updown_verb_name(u, verb));
	if (updown_env_build(u, env))
		updown_runner_queue(h->ud, u->conn, label, v->updown->cmd, env);
	else
		log_error("%s: updown environment too large; not run", label);
	free(env);
}

/* prepare + route for these pairs, remembered for unroute. */
static void route(struct ikehost *h, struct conn_view *v, const struct dp_selector *pairs, size_t n,
		  uint32_t reqid, unsigned serial)
{
	struct updown_conn *ud = v->updown;
	struct updown_info u;

	ud->routed = true;
	ud->npairs = n < SATABLE_MAX_POL ? n : SATABLE_MAX_POL;
	memcpy(ud->pairs, pairs, ud->npairs * sizeof(pairs[0]));
	ud->reqid = reqid;
	info_of_conn(h, v, &u);
	u.reqid = reqid;
	for (size_t i = 0; i < ud->npairs; i++) {
		set_pair(&u, &ud->pairs[i]);
		u.verb = UPDOWN_PREPARE;
		queue(h, v, &u, serial);
		u.verb = UPDOWN_ROUTE;
		queue(h, v, &u, serial);
	}
}

static void unroute(struct ikehost *h, struct conn_view *v)
{
	struct updown_conn *ud = v->updown;
	struct updown_info u;

	if (!ud || !ud->routed)
		return;
	ud->routed = false;
	info_of_conn(h, v, &u);
	u.verb = UPDOWN_UNROUTE;
	u.reqid = ud->reqid;
	for (size_t i = 0; i < ud->npairs; i++) {
		set_pair(&u, &ud->pairs[i]);
		queue(h, v, &u, 0);
	}
}

void updown_routed(struct ikehost *h, struct conn_view *v, const struct dp_policy *pol, size_t n, uint32_t reqid)
{
	struct dp_selector pairs[SATABLE_MAX_POL];

	if (!v->updown || v->updown->routed)
		return;
	for (size_t i = 0; i < n && i < SATABLE_MAX_POL; i++)
		pairs[i] = pol[i].sel;
	route(h, v, pairs, n, reqid, 0);
}

void updown_unrouted(struct ikehost *h, struct conn_view *v)
{
	if (v->updown && h->sat && !satable_conn_has_child(h->sat, &v->ike))
		unroute(h, v);
}

struct others {
	const struct satable_child_info *me;
	size_t n;                      /* Child SAs of the conn but me */
	size_t same;                   /* ... with my selectors */
};

static bool same_selectors(const struct satable_child_info *a, const struct satable_child_info *b)
{
	if (a->reqid == b->reqid && a->npol == b->npol) {
		for (size_t i = 0; i < a->npol; i++) {
			const struct dp_selector *x = &satable_child_policy(a, DP_DIR_OUT, i)->sel;
			const struct dp_selector *y = &satable_child_policy(b, DP_DIR_OUT, i)->sel;

			if (!subnet_eq(&x->src, &y->src) || !subnet_eq(&x->dst, &y->dst) || x->proto != y->proto ||
			    x->sport != y->sport || x->dport != y->dport)
				return false;
		}
		return true;
	}
	return false;
}

static void count_cb(void *arg, const struct satable_child_info *ci)
{
	struct others *o = arg;

	if (ci->serial == o->me->serial)
		return;
	o->n++;
	o->same += same_selectors(ci, o->me);
}

/* The conn's other Child SAs, and those of them with the same selectors
 * (a rekey's pair; reqid= gives every Child SA of a conn one reqid). */
static struct others others(struct ikehost *h, const struct ike_conn *conn, const struct satable_child_info *me)
{
	struct others o = { .me = me };

	satable_foreach_child(h->sat, conn, count_cb, &o);
	return o;
}

struct find_ike {
	unsigned serial;
	struct cy_id id;
	bool found;
};

static void ike_cb(void *arg, const struct ike_sa_info *sa)
{
	struct find_ike *f = arg;

	if (sa->kind == IKE_KIND_IKE && sa->serial == f->serial) {
		f->id = sa->remote_id;
		f->found = true;
	}
}

/* The Child SA's own: endpoints, the peer's authenticated ID, SPIs. */
static void info_of_child(struct ikehost *h, struct conn_view *v, const struct ike_child_params *p,
			  uint32_t reqid, struct updown_info *u)
{
	struct find_ike f = { .serial = p->ike_serial };

	info_of_conn(h, v, u);
	u->me = p->in.dst;
	u->peer = p->in.src;
	if (!v->nexthop.af || addr_is_any(&v->nexthop))
		u->nexthop = u->peer;
	if (h->eng)
		ike_foreach_sa(h->eng, ike_cb, &f);
	if (f.found)
		u->peer_id = f.id;
	u->instance = !v->ike.remote.addr.af || addr_is_any(&v->ike.remote.addr);
	u->reqid = reqid;
	u->has_sa = true;
	u->spi_in = p->in.spi;
	u->spi_out = p->out.spi;
}

void updown_child_up(struct ikehost *h, const struct ike_child_params *p)
{
	struct conn_view *v = connview_of(p->conn);
	const struct satable_child_info *ci;
	struct dp_selector pairs[SATABLE_MAX_POL];
	struct updown_info u;
	size_t n;

	if (!v->updown || !h->sat || !(ci = satable_child_get(h->sat, p->serial)))
		return;
	if (others(h, p->conn, ci).same)
		return;                    /* a rekey (same selectors, same reqid), or not the first */
	n = ci->npol < SATABLE_MAX_POL ? ci->npol : SATABLE_MAX_POL;
	for (size_t i = 0; i < n; i++)
		pairs[i] = satable_child_policy(ci, DP_DIR_OUT, i)->sel;
	info_of_child(h, v, p, ci->reqid, &u);
	u.add_time = (uint64_t)time(NULL);
	u.verb = UPDOWN_UP;
	for (size_t i = 0; i < n; i++) {
		set_pair(&u, &pairs[i]);
		queue(h, v, &u, p->serial);
	}
	if (!v->updown->routed)
		route(h, v, pairs, n, ci->reqid, p->serial);
}

/* Before the Child SA leaves the SA table. */
void updown_child_down(struct ikehost *h, const struct ike_child_params *p)
{
	struct conn_view *v = connview_of(p->conn);
	const struct satable_child_info *ci;
	struct dp_counters cin = { 0 }, cout = { 0 };
	struct others s;
	struct updown_info u;

	if (!v->updown || !h->sat || !(ci = satable_child_get(h->sat, p->serial)))
		return;
	s = others(h, p->conn, ci);
	if (!s.same) {
		info_of_child(h, v, p, ci->reqid, &u);
		if (h->dp && h->dp->ops->get_counters &&
		    h->dp->ops->get_counters(h->dp, ci->in.spi, &ci->in.dst, DP_IPPROTO_ESP, &cin) == 0 &&
		    h->dp->ops->get_counters(h->dp, ci->out.spi, &ci->out.dst, DP_IPPROTO_ESP, &cout) == 0) {
			u.has_bytes = true;
			u.inbytes = cin.bytes;
			u.outbytes = cout.bytes;
			u.add_time = cin.add_time;
		}
		u.verb = UPDOWN_DOWN;
		for (size_t i = 0; i < ci->npol; i++) {
			set_pair(&u, &satable_child_policy(ci, DP_DIR_OUT, i)->sel);
			queue(h, v, &u, p->serial);
		}
	}
	if (!s.n && !satable_trap_of(h->sat, p->conn, NULL))
		unroute(h, v);
}

/* Shutdown, before the SA table goes: the traps' unroute. */
void updown_shutdown(struct ikehost *h)
{
	struct dconn **all;
	size_t n;

	all = conndb_sorted(h->p->db, &n);
	for (size_t i = 0; i < n; i++)
		if (all[i]->view && all[i]->view->updown)
			unroute(h, all[i]->view);
	free(all);
}
