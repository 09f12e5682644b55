/* Shunt conns (type=passthrough|drop|reject): no IKE at all.  Routing one
 * (`ipsec auto --route`, auto=route|ondemand, auto=start) installs, per
 * local x remote subnet with the ends' protocol and ports, an outbound policy with the conn's action through
 * the SA table, like a trap (satable.h): the dataplane adds the reverse
 * direction (dataplane.h).  --unroute and --delete remove them as any
 * trap.  Which policy wins where a shunt and a tunnel overlap is the
 * dataplane's: the most specific selectors, as XFRM priorities. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/conn.h"
#include "daemon/conndb.h"
#include "daemon/connview.h"
#include "daemon/ikehost.h"
#include "daemon/satable.h"
#include "lib/ifaddr.h"
#include "lib/log.h"

static const char *type_name(const struct conn *c)
{
	return c->type == CONN_PASSTHROUGH ? "passthrough" : c->type == CONN_DROP ? "drop" : "reject";
}

/* Per local x remote subnet with the ends' protocol and ports
 * (leftprotoport=/rightprotoport=), as a tunnel's trap. */
static size_t shunt_policies(const struct conn_view *v, enum dp_action action, struct dp_policy *pol)
{
	struct dp_selector sel[SATABLE_MAX_POL];
	size_t n = sa_conn_selectors(v, true, sel);

	for (size_t i = 0; i < n; i++) {
		struct dp_policy *po = &pol[i];

		memset(po, 0, sizeof(*po));
		po->sel = sel[i];
		po->dir = DP_DIR_OUT;
		po->action = action;
		po->mark = v->mark_out;
		po->priority = v->priority;
		ifaddr_in_subnet(&po->sel.src, &po->prefsrc);
	}
	return n;
}

int sa_route_shunt(struct ikehost *h, struct dconn *dc, struct reply *rp)
{
	const struct conn *c = dc->conn;
	enum dp_action action = c->type == CONN_PASSTHROUGH ? DP_ACT_PASS :
				c->type == CONN_DROP ? DP_ACT_DROP : DP_ACT_REJECT;
	struct dp_policy pol[SATABLE_MAX_POL];
	struct conn_view *v;
	char err[300];
	size_t n;
	int rc;

	if (!(v = connview_get(h->p, dc, err, sizeof(err)))) {
		rp_line(rp, 25, "\"%s\": could not route: %s", dc->name, err);
		return 25;
	}
	if (satable_trap_of(h->sat, &v->ike, NULL))
		return 0;                     /* routed already: silent, as Libreswan */
	if (!(n = shunt_policies(v, action, pol))) {
		rp_line(rp, 25, "\"%s\": could not route: no selectors of one address family", dc->name);
		return 25;
	}
	if ((rc = satable_trap_add(h->sat, &v->ike, pol, n, NULL)) < 0) {
		rp_line(rp, 25, "\"%s\": could not route: %s", dc->name, strerror(-rc));
		return 25;
	}
	dc->routing = ROUTING_PROSPECTIVE;
	log_info("\"%s\": routed: %zu %s shunt polic%s", dc->name, n, type_name(c), n == 1 ? "y" : "ies");
	return 0;
}

int sa_initiate_shunt(struct dconn *dc, struct reply *rp)
{
	const struct conn *c = dc->conn;

	if (c->authby && strstr(c->authby, "never"))
		rp_line(rp, 30, "\"%s\": cannot initiate an authby=never connection", dc->name);
	else
		rp_line(rp, 30, "\"%s\": cannot initiate a type=%s connection", dc->name, type_name(c));
	rp_line(rp, 36, "\"%s\": failed to initiate connection", dc->name);
	return 36;
}

/* ---- negotiation and failure shunts of routed conns ------------------------
 *
 * A routed conn's trap holds (drops) its traffic while IKE negotiates on
 * demand.  negotiationshunt=passthrough turns the trap into a passthrough
 * for that time; when the negotiation fails, failureshunt=passthrough|
 * drop|reject turns it into that shunt for shuntlifetime= (a bare shunt:
 * listed by --shuntstatus, no negotiation on traffic meanwhile), after
 * which the trap is back; failureshunt=none puts the trap back at once.
 * A Child SA established meanwhile (the engine's further keying tries)
 * ends either: its policies take over, and the trap is plain again under
 * them.  --unroute and --delete remove the trap, shunt and all. */

static enum dp_action failure_action(const struct conn *c)
{
	const char *v = conn_get(c, "failureshunt", CONF_NOSIDE);

	if (!v || !strcasecmp(v, "none") || !v[0])
		return DP_ACT_IPSEC;
	return !strcasecmp(v, "passthrough") ? DP_ACT_PASS : !strcasecmp(v, "reject") ? DP_ACT_REJECT : DP_ACT_DROP;
}

static bool nego_pass(const struct conn *c)
{
	const char *v = conn_get(c, "negotiationshunt", CONF_NOSIDE);

	return v && !strcasecmp(v, "passthrough");
}

static void set_trap_action(struct ikehost *h, struct dconn *dc, enum dp_action a)
{
	int rc;

	if (!h->sat || !dc->view || dc->trap_action == a)
		return;
	if ((rc = satable_trap_action(h->sat, &dc->view->ike, a)) < 0 && rc != -ENOENT)
		log_error("\"%s\": cannot change its trap policies: %s", dc->name, strerror(-rc));
	dc->trap_action = rc == -ENOENT ? DP_ACT_IPSEC : a;
}

static void end_failure_shunt(struct pluto *p, struct dconn *dc)
{
	if (!dc->fshunt_until)
		return;
	dc->fshunt_until = 0;
	if (p->n_bare_shunts)
		p->n_bare_shunts--;
}

struct ondemand {
	struct ikehost *h;
	struct ike_conn *ic;            /* a reference */
};

static void ondemand_done(void *arg, int status, const char *reason)
{
	struct ondemand *od = arg;
	struct dconn *dc = od->ic->gone ? NULL : od->ic->user;
	struct ikehost *h = od->h;

	if (dc && status && reason)
		log_info("\"%s\": on-demand initiation failed: %s", dc->name, reason);
	if (dc && h->sat && satable_trap_of(h->sat, od->ic, NULL)) {
		enum dp_action fa = failure_action(dc->conn);

		if (status && status != IKE_RC_TERMINATED && fa != DP_ACT_IPSEC && !sa_conn_has_child(h, dc)) {
			set_trap_action(h, dc, fa);
			if (!h->p->n_bare_shunts)
				h->fshunt_next = UINT64_MAX;
			if (!dc->fshunt_until)
				h->p->n_bare_shunts++;
			dc->fshunt_until = ikehost_now() + h->p->shuntlifetime_ms;
			if (dc->fshunt_until < h->fshunt_next)
				h->fshunt_next = dc->fshunt_until;
			log_info("\"%s\": failureshunt=%s for %llus", dc->name,
				 conn_get(dc->conn, "failureshunt", CONF_NOSIDE),
				 (unsigned long long)(h->p->shuntlifetime_ms / 1000));
			ikehost_sat_changed(h);
		} else if (!dc->fshunt_until) {
			set_trap_action(h, dc, DP_ACT_IPSEC);
		}
	}
	ike_conn_unref(od->ic);
	free(od);
}

int sa_ondemand(struct ikehost *h, struct dconn *dc)
{
	struct conn_view *v = dc->view;
	struct ondemand *od;
	struct ike_sink sink;

	if (!v || !(od = calloc(1, sizeof(*od))))
		return -ENOMEM;
	od->h = h;
	od->ic = ike_conn_ref(&v->ike);
	sink = (struct ike_sink){ .done = ondemand_done, .arg = od };
	if (nego_pass(dc->conn)) {
		set_trap_action(h, dc, DP_ACT_PASS);
		log_info("\"%s\": negotiationshunt=passthrough: its traffic passes in clear while IKE negotiates", dc->name);
	}
	ike_initiate(h->eng, &v->ike, NULL, &sink);   /* done() may run before this returns */
	return 0;
}

void sa_shunt_child_up(struct ikehost *h, struct dconn *dc)
{
	end_failure_shunt(h->p, dc);
	set_trap_action(h, dc, DP_ACT_IPSEC);
}

void sa_shunt_unrouted(struct pluto *p, struct dconn *dc)
{
	end_failure_shunt(p, dc);
	dc->trap_action = DP_ACT_IPSEC;
}

/* The failure shunts' next end: kept in h->fshunt_next (lowered when one
 * starts; one ending early leaves it early, and the tick that finds nothing
 * due recomputes it), so that a change of the SA table does not walk every
 * conn. */
uint64_t sa_shunts_deadline(const struct pluto *p)
{
	const struct ikehost *h = ikehost_peek(p);

	return p->n_bare_shunts && h ? h->fshunt_next : UINT64_MAX;
}

void sa_shunts_tick(struct ikehost *h, uint64_t now)
{
	uint64_t next = UINT64_MAX;
	struct dconn **all;
	size_t n;

	if (!h->p->n_bare_shunts || now < h->fshunt_next || !(all = conndb_sorted(h->p->db, &n)))
		return;
	for (size_t i = 0; i < n; i++)
		if (all[i]->fshunt_until && all[i]->fshunt_until <= now) {
			log_info("\"%s\": failure shunt expired; traffic triggers negotiation again", all[i]->name);
			end_failure_shunt(h->p, all[i]);
			set_trap_action(h, all[i], DP_ACT_IPSEC);
		} else if (all[i]->fshunt_until && all[i]->fshunt_until < next)
			next = all[i]->fshunt_until;
	free(all);
	h->fshunt_next = next;
}

/* A selector as Libreswan 4.10 prints it: the subnet, and ":PORT" when
 * a protocol or port is set. */
static const char *sel_text(const struct ip_subnet *s, uint8_t proto, uint16_t port, char *buf, size_t cap)
{
	char sub[SUBNET_STRLEN];

	if (proto || port)
		snprintf(buf, cap, "%s:%u", subnet_fmt(s, sub), port);
	else
		snprintf(buf, cap, "%s", subnet_fmt(s, sub));
	return buf;
}

/* Libreswan's bare shunt line: "OUR -PROTO-> PEER => %ACTION PRIO    WHY". */
void sa_shunts_list(struct pluto *p, struct reply *rp)
{
	static const char *const said[] = { "%trap", "%pass", "%drop", "%reject" };
	struct ikehost *h = p->host;
	struct dconn **all;
	size_t n;

	if (!p->n_bare_shunts || !h || !h->sat || !(all = conndb_sorted(p->db, &n)))
		return;
	for (size_t i = 0; i < n; i++) {
		struct dp_policy pol[SATABLE_MAX_POL];
		size_t np;

		if (!all[i]->fshunt_until || !all[i]->view)
			continue;
		np = satable_trap_policies(h->sat, &all[i]->view->ike, pol, SATABLE_MAX_POL);
		for (size_t j = 0; j < np; j++) {
			const struct dp_selector *sl = &pol[j].sel;
			char a[SUBNET_STRLEN + 8], b[SUBNET_STRLEN + 8];

			rp_line(rp, 0, "%s -%u-> %s => %s 0    failureshunt of \"%s\"",
				sel_text(&sl->src, sl->proto, sl->sport, a, sizeof(a)), sl->proto,
				sel_text(&sl->dst, sl->proto, sl->dport, b, sizeof(b)), said[pol[j].action & 3], all[i]->name);
		}
	}
	free(all);
}
