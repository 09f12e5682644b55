/* The SA operations behind control requests: `ipsec auto --up/--down/
 * --route/--unroute`, and what a conn's deletion takes with it.  A
 * synchronous --up answers from the engine's completion: the reply is
 * deferred (CTL_STATUS_DEFERRED) and a reply sink (reply.c) streams the
 * engine's lines into it and ends it with the outcome. */
#include <stdio.h>
#include <stdlib.h>

#include "config/conn.h"
#include "daemon/conndb.h"
#include "daemon/connview.h"
#include "daemon/ikehost.h"
#include "daemon/satable.h"
#include "daemon/updown.h"
#include "lib/log.h"

static void log_done(void *arg, int status, const char *reason)
{
	(void)arg;
	if (status)
		log_info("initiate finished: %s", reason ? reason : "failed");
}

/* ---- operations ----------------------------------------------------------- */

int sa_initiate(struct pluto *p, struct dconn *dc, const char *remote_host, bool async, struct reply *rp)
{
	struct ikehost *h = ikehost_get(p);
	struct conn_view *v;
	struct ip_addr remote = { 0 };
	struct ike_sink sink;
	char err[300];

	if (conn_is_shunt(dc->conn))
		return sa_initiate_shunt(dc, rp);
	if (!h)
		return 36;
	if (!(v = connview_get(p, dc, err, sizeof(err)))) {
		rp_line(rp, 36, "\"%s\": cannot initiate: %s", dc->name, err);
		return 36;
	}
	if ((!v->ike.remote.addr.af || addr_is_any(&v->ike.remote.addr)) &&
	    (!remote_host || !addr_parse(remote_host, &remote))) {
		rp_line(rp, 29, "\"%s\": cannot initiate connection without knowing peer IP address", dc->name);
		rp_line(rp, 36, "\"%s\": failed to initiate connection", dc->name);
		return 36;
	}
	dc->up = true;
	if (async) {
		/* no .line: nobody waits for the lines, and the engine logs each itself */
		sink = (struct ike_sink){ .done = log_done };
		rp_line(rp, 181, "\"%s\": initiating IKEv2 connection", dc->name);
	} else if (!reply_sink_new(rp, NULL, 0, &sink)) {
		rp_line(rp, 36, "\"%s\": cannot initiate: out of memory", dc->name);
		return 36;
	}
	if (!ike_initiate(h->eng, &v->ike, remote.af ? &remote : NULL, &sink))
		return async ? 36 : CTL_STATUS_DEFERRED;   /* the sink has its done() */
	return async ? 0 : CTL_STATUS_DEFERRED;
}

int sa_terminate(struct pluto *p, struct dconn *dc, struct reply *rp)
{
	struct ikehost *h = ikehost_peek(p);

	if (!conn_is_shunt(dc->conn))      /* nothing to terminate: Libreswan is silent */
		rp_line(rp, 2, "\"%s\": terminating SAs using this connection", dc->name);
	dc->up = false;
	if (h && dc->view)
		ike_terminate(h->eng, &dc->view->ike, NULL);
	return 0;
}

int sa_route_conn(struct pluto *p, struct dconn *dc, struct reply *rp)
{
	struct ikehost *h = ikehost_get(p);

	if (!h)
		return 25;
	if (conn_is_shunt(dc->conn) && h->sat)
		return sa_route_shunt(h, dc, rp);
	return sa_route(h, dc, rp);
}

int sa_unroute_conn(struct pluto *p, struct dconn *dc, struct reply *rp)
{
	return sa_unroute(ikehost_peek(p), dc, rp);
}

bool sa_dataplane_is_userspace(const struct pluto *p)
{
	const struct ikehost *h = ikehost_peek(p);

	return h && h->dp && h->dp->ops == &dp_userspace_ops;
}

void sa_conn_deleted(struct pluto *p, struct dconn *dc)
{
	struct ikehost *h = ikehost_peek(p);
	struct conn_view *v = dc->view;

	if (!v)
		return;
	/* ike_terminate() may finish a deferred request (done -> the next
	 * pipelined request of that client, e.g. an --unroute or --delete of
	 * this conn): the view is held across it, dc is not used after it */
	ike_conn_ref(&v->ike);
	if (h) {
		ike_terminate(h->eng, &v->ike, NULL);
		if (h->sat && satable_trap_of(h->sat, &v->ike, NULL)) {
			satable_trap_del(h->sat, &v->ike);
			if (v->dc)
				sa_shunt_unrouted(p, v->dc);
			updown_unrouted(h, v);
			ikehost_sat_changed(h);
		}
	}
	if (v->dc)
		connview_drop(v->dc);
	ike_conn_unref(&v->ike);
}
