/* Shunt conns (type=passthrough|drop|reject): no IKE at all.  Routing one
 * (`ipsec auto --route`, auto=route|ondemand, auto=start) installs, per
 * local x remote subnet, an outbound policy with the conn's action through
 * the SA table, like a trap (satable.h): the dataplane adds the reverse
 * direction (dataplane.h).  --unroute and --delete remove them as any
 * trap.  Which policy wins where a shunt and a tunnel overlap is the
 * dataplane's: the most specific selectors, as XFRM priorities. */
#include <stdio.h>
#include <string.h>

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

/* An end as selectors: its subnets, else its address, else (%any) all of
 * the family. */
static size_t shunt_subnets(const struct ike_end *e, struct ip_subnet *out)
{
	if (e->n_subnets) {
		memcpy(out, e->subnets, e->n_subnets * sizeof(out[0]));
		return e->n_subnets;
	}
	if (!e->addr.af)
		return 0;
	if (addr_is_any(&e->addr)) {
		memset(&out[0], 0, sizeof(out[0]));
		out[0].addr.af = e->addr.af;  /* 0.0.0.0/0 or ::/0 */
		return 1;
	}
	subnet_from_addr(&e->addr, &out[0]);
	return 1;
}

static size_t shunt_policies(const struct conn_view *v, enum dp_action action, struct dp_policy *pol)
{
	const struct ike_conn *ic = &v->ike;
	struct ip_subnet ls[IKE_MAX_SUBNETS], rs[IKE_MAX_SUBNETS];
	size_t nl = shunt_subnets(&ic->local, ls), nr = shunt_subnets(&ic->remote, rs), n = 0;

	if (nl * nr > SATABLE_MAX_POL)
		log_warn("\"%s\": %zu subnet pairs; only the first %d get shunt policies", ic->name, nl * nr,
			 SATABLE_MAX_POL);
	for (size_t i = 0; i < nl; i++)
		for (size_t j = 0; j < nr && n < SATABLE_MAX_POL; j++) {
			struct dp_policy *po = &pol[n];

			if (ls[i].addr.af != rs[j].addr.af)
				continue;
			memset(po, 0, sizeof(*po));
			po->dir = DP_DIR_OUT;
			po->action = action;
			po->sel.src = ls[i];
			po->sel.dst = rs[j];
			po->sel.proto = ic->local.protocol;
			po->mark = v->mark_out;
			po->priority = v->priority;
			ifaddr_in_subnet(&po->sel.src, &po->prefsrc);
			n++;
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
