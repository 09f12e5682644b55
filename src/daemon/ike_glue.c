/* The daemon's only doorway to the IKE engine.  The engine is not wired in
 * yet: the SA operations fail with a clear "not supported yet" line and
 * the Libreswan code a failure of that operation carries. */
#include "daemon/ike_glue.h"

#include <string.h>

#include "daemon/conndb.h"
#include "daemon/pluto.h"
#include "lib/log.h"

#define NOT_YET "not supported yet (the IKE engine is not wired into the daemon)"

int ike_glue_initiate(struct pluto *p, struct dconn *dc, const char *remote_host, bool async,
		      struct reply *rp)
{
	(void)p; (void)remote_host; (void)async;
	log_warn("\"%s\": cannot initiate: %s", dc->name, NOT_YET);
	if (rp)
		rp_line(rp, 36, "\"%s\": failed to initiate connection: %s", dc->name, NOT_YET);
	return 36;
}

int ike_glue_terminate(struct pluto *p, struct dconn *dc, struct reply *rp)
{
	(void)p;
	log_warn("\"%s\": cannot terminate: %s", dc->name, NOT_YET);
	if (rp)
		rp_line(rp, 36, "\"%s\": cannot terminate SAs: %s", dc->name, NOT_YET);
	return 36;
}

int ike_glue_route(struct pluto *p, struct dconn *dc, struct reply *rp)
{
	(void)p;
	log_warn("\"%s\": cannot route: %s", dc->name, NOT_YET);
	if (rp)
		rp_line(rp, 25, "\"%s\": could not route: %s", dc->name, NOT_YET);
	return 25;
}

int ike_glue_unroute(struct pluto *p, struct dconn *dc, struct reply *rp)
{
	(void)p;
	log_warn("\"%s\": cannot unroute: %s", dc->name, NOT_YET);
	if (rp)
		rp_line(rp, 25, "\"%s\": could not unroute: %s", dc->name, NOT_YET);
	return 25;
}

void ike_glue_conn_deleted(struct pluto *p, struct dconn *dc)
{
	(void)p;
	(void)dc;   /* no SAs can exist yet */
}

int ike_glue_listen(struct pluto *p, bool on, struct reply *rp)
{
	/* No IKE sockets yet: remember the wish so status can report it. */
	p->listening = on;
	if (rp && on)
		rp_line(rp, 2, "listening for IKE messages");
	return 0;
}

void ike_glue_counts(struct pluto *p, struct ike_glue_counts *c)
{
	(void)p;
	memset(c, 0, sizeof(*c));
}

void ike_glue_shutdown(struct pluto *p)
{
	(void)p;
}
