/* left=/right= host names: lookups off the loop, then the waiting request
 * continues (see conn_dns.h). */
#include "daemon/conn_dns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config/conn.h"
#include "daemon/conndb.h"
#include "daemon/connview.h"
#include "daemon/dnsres.h"
#include "daemon/ikehost.h"
#include "daemon/pluto.h"
#include "daemon/satable.h"
#include "lib/log.h"

static const char *const side_name[2] = { "left", "right" };

/* One lookup and what follows it.  The conn is named by name + serial:
 * it may be deleted or replaced while the lookup runs. */
struct dns_req {
	struct pluto *p;
	char *name;
	uint64_t serial;
	enum conn_dns_then then;
	bool async;
	uint32_t flags;                /* the request's CTL_F_* */
	struct ctl_deferred *d;        /* the waiting request, NULL: the log */
	char remote[CTL_MAX_STR + 1];  /* --up's remote host, "" = none */
	struct dnsres_query q;
};

bool conn_dns_has_names(const struct conn *c)
{
	return c && (c->end[0].host_kind == HOST_DNS || c->end[1].host_kind == HOST_DNS);
}

static void log_emit(struct reply *rp, uint16_t code, const char *text)
{
	(void)rp;
	if (code >= 20 && code < 100)
		log_warn("%s", text);
	else if (code == 3 || code == 0)
		log_info("%s", text);
}

/* ---- answers ------------------------------------------------------------- */

struct busy {
	const struct ike_conn *conn;
	bool yes;
};

static void busy_cb(void *arg, const struct ike_sa_info *sa)
{
	struct busy *b = arg;

	if (sa->conn == b->conn)
		b->yes = true;
}

/* Would the view built from the new answers take over the conn's trap?
 * (oriented, and a peer that is an address, not %any: sa_route refuses a
 * template).  Built aside and dropped: the old view stays meanwhile. */
static bool routable_after(struct pluto *p, struct dconn *dc, struct reply *rp)
{
	struct conn_view *old = dc->view, *nv;
	char err[300] = "", a[ADDR_STRLEN];
	bool ok;

	dc->view = NULL;
	nv = connview_get(p, dc, err, sizeof(err));
	ok = nv && nv->ike.remote.addr.af && !addr_is_any(&nv->ike.remote.addr);
	if (nv) {
		if (!ok)
			snprintf(err, sizeof(err), "the peer would be %s", addr_fmt(&nv->ike.remote.addr, a));
		connview_drop(dc);
	}
	dc->view = old;
	if (!ok) {
		rp_line(rp, 25, "\"%s\": keeps its old addresses and trap: the new answers cannot be routed: %s",
			dc->name, err);
		log_warn("\"%s\": keeps its old addresses and trap: the new answers cannot be routed: %s", dc->name,
			 err);
	}
	return ok;
}

/* The conn's view was built with other addresses: rebuild it when no SA
 * uses it, moving its trap policies; else keep it (the next --up tries
 * again). */
static void readdress(struct pluto *p, struct dconn *dc, struct reply *rp)
{
	struct conn_view *v = dc->view;
	struct ikehost *h = ikehost_peek(p);
	struct busy b = { v ? &v->ike : NULL, false };
	bool routed;
	char a[ADDR_STRLEN];

	if (!v)
		return;
	for (int s = 0; s < 2; s++)
		if (dc->conn->end[s].host_kind == HOST_DNS && dc->dns[s].resolved &&
		    !addr_eq(&dc->dns[s].addr, &v->host[s]))
			b.yes = true;
	if (!b.yes)
		return;                 /* same addresses: nothing to do */
	b.yes = false;
	if (h)
		sa_foreach(p, busy_cb, &b);
	if (b.yes) {
		log_info("\"%s\": keeps peer address %s while its SAs exist", dc->name,
			 addr_fmt(&v->ike.remote.addr, a));
		return;
	}
	routed = h && h->sat && satable_trap_of(h->sat, &v->ike, NULL);
	if (routed && !routable_after(p, dc, rp))
		return;                 /* keep the old view and its trap: never fail open */
	if (routed)
		sa_unroute(h, dc, rp);
	connview_drop(dc);
	if (routed)
		sa_route(h, dc, rp);
}

/* Keep the answers (a failure keeps an older good one) and report. */
static void store(struct pluto *p, struct dconn *dc, const struct dns_req *rq,
		  const struct dnsres_result *r, struct reply *rp)
{
	char a[ADDR_STRLEN];

	for (int s = 0; s < 2; s++) {
		struct dconn_host *hh = &dc->dns[s];

		if (!rq->q.want[s])
			continue;
		if (r && r->ok[s]) {
			if (!hh->resolved || !addr_eq(&hh->addr, &r->addr[s]))
				log_info("\"%s\": %s=%s resolves to %s", dc->name, side_name[s], rq->q.name[s],
					 addr_fmt(&r->addr[s], a));
			hh->resolved = true;
			hh->addr = r->addr[s];
			free(hh->err);
			hh->err = NULL;
			continue;
		}
		free(hh->err);
		hh->err = strdup(r ? r->err[s] : "the resolver stopped");
		rp_line(rp, 3, "\"%s\": failed to resolve '%s=%s': %s%s", dc->name, side_name[s],
			rq->q.name[s], hh->err ? hh->err : "out of memory",
			hh->resolved ? "; keeping the last address" : "");
		log_warn("\"%s\": failed to resolve '%s=%s': %s", dc->name, side_name[s], rq->q.name[s],
			 hh->err ? hh->err : "out of memory");
	}
	readdress(p, dc, rp);
}

static int follow(struct pluto *p, struct dconn *dc, const struct dns_req *rq, bool async, struct reply *rp)
{
	switch (rq->then) {
	case CONN_DNS_ADDED:
		return 0;
	case CONN_DNS_UP:
		readdress(p, dc, rp);   /* SAs gone since the last answer? */
		return sa_initiate(p, dc, rq->remote[0] ? rq->remote : NULL, async, rp);
	case CONN_DNS_ROUTE:
		return sa_route_conn(p, dc, rp);
	}
	return 0;
}

static void on_answer(void *arg, const struct dnsres_result *r)
{
	struct dns_req *rq = arg;
	struct pluto *p = rq->p;
	struct dconn *dc = r && p->db ? conndb_find(p->db, rq->name) : NULL;
	struct reply rp = { .emit = log_emit };
	bool client = ctl_deferred_reply(rq->d, &rp, rq->flags);
	int rc = 0;

	if (dc && dc->serial != rq->serial)
		dc = NULL;              /* replaced meanwhile: the new one resolves itself */
	if (!r) {
		rp_line(&rp, 36, "\"%s\": shutting down before its host names were resolved", rq->name);
		rc = 36;
	} else if (!dc) {
		if (rq->then != CONN_DNS_ADDED) {
			rp_line(&rp, 36, "\"%s\": the connection went away while its host names were resolved",
				rq->name);
			rc = 36;
		}
	} else {
		store(p, dc, rq, r, &rp);
		/* nobody waits for a synchronous answer: go on as --asynchronous */
		rc = follow(p, dc, rq, rq->async || !client, &rp);
	}
	if (rq->d)
		ctl_deferred_done(rq->d, rc == CTL_STATUS_DEFERRED ? 0 : rc);
	free(rq->name);
	free(rq);
}

/* ---- requests ------------------------------------------------------------ */

static struct dnsres *resolver(struct pluto *p)
{
	if (!p->dns && p->base)
		p->dns = dnsres_new(p->base, NULL);
	return p->dns;
}

/* The query for dc's names; an end's family follows the other end's
 * numeric address, else either. */
static void query_of(const struct dconn *dc, struct dnsres_query *q)
{
	memset(q, 0, sizeof(*q));
	for (int s = 0; s < 2; s++) {
		const struct conn_end *e = &dc->conn->end[s], *o = &dc->conn->end[!s];

		if (e->host_kind != HOST_DNS || !e->host_name)
			continue;
		q->want[s] = true;
		snprintf(q->name[s], sizeof(q->name[s]), "%s", e->host_name);
		q->af[s] = e->host.af ? e->host.af : addr_is_set(&o->host) ? o->host.af : AF_UNSPEC;
	}
}

/* Start dc's lookup; d (may be NULL) is released by the answer. */
static bool submit(struct pluto *p, struct dconn *dc, enum conn_dns_then then, const char *remote, bool async,
		   uint32_t flags, struct ctl_deferred *d)
{
	struct dnsres *r = resolver(p);
	struct dns_req *rq = calloc(1, sizeof(*rq));

	if (!r || !rq || !(rq->name = strdup(dc->name))) {
		if (rq)
			free(rq->name);
		free(rq);
		return false;
	}
	rq->p = p;
	rq->serial = dc->serial;
	rq->then = then;
	rq->async = async;
	rq->flags = flags;
	rq->d = d;
	snprintf(rq->remote, sizeof(rq->remote), "%s", remote ? remote : "");
	query_of(dc, &rq->q);
	if (!dnsres_submit(r, &rq->q, on_answer, rq)) {
		free(rq->name);
		free(rq);
		return false;
	}
	return true;
}

int conn_dns_then(struct pluto *p, struct dconn *dc, enum conn_dns_then then, const char *remote,
		  bool async, struct reply *rp)
{
	struct ctl_deferred *d = NULL;

	if (!conn_dns_has_names(dc->conn)) {
		struct dns_req rq = { .then = then };

		snprintf(rq.remote, sizeof(rq.remote), "%s", remote ? remote : "");
		return follow(p, dc, &rq, async, rp);
	}
	/* a client that waits gets the answer; --asynchronous and the start-up
	 * load (no client) go on from the log */
	if (rp->arg && !async && !(d = ctl_defer(rp))) {
		rp_line(rp, 36, "\"%s\": cannot resolve its host names: out of memory", dc->name);
		return 36;
	}
	if (!submit(p, dc, then, remote, async, rp->flags, d)) {
		rp_line(rp, 36, "\"%s\": cannot resolve its host names: no resolver", dc->name);
		if (!d)
			return 36;
		ctl_deferred_done(d, 36);
		return CTL_STATUS_DEFERRED;
	}
	if (async && then == CONN_DNS_UP)
		rp_line(rp, 181, "\"%s\": resolving host names before initiating", dc->name);
	return d ? CTL_STATUS_DEFERRED : 0;
}

int conn_dns_refresh_all(struct pluto *p, int status, struct reply *rp)
{
	struct dconn **all;
	size_t n;
	struct ctl_deferred *hold = NULL;

	all = conndb_sorted(p->db, &n);
	for (size_t i = 0; i < n; i++) {
		struct ctl_deferred *d = NULL;

		if (!conn_dns_has_names(all[i]->conn))
			continue;
		if (rp->arg && !hold)
			hold = ctl_defer(rp);
		if (hold)
			d = ctl_defer(rp);
		if (!submit(p, all[i], CONN_DNS_ADDED, NULL, true, rp->flags, d) && d)
			ctl_deferred_done(d, 36);
	}
	free(all);
	if (!hold)
		return status;
	ctl_deferred_done(hold, status);
	return CTL_STATUS_DEFERRED;
}

void conn_dns_status_end(const struct dconn *dc, int side, struct conn_end *e)
{
	*e = dc->conn->end[side];
	if (e->host_kind == HOST_DNS && dc->dns[side].resolved)
		e->host = dc->dns[side].addr;
}

void conn_dns_shutdown(struct pluto *p)
{
	dnsres_free(p->dns);   /* waiting requests: on_answer(NULL) */
	p->dns = NULL;
}
