/* Every place where the daemon would initiate, terminate, route or report
 * IKE/Child SAs goes through these hooks.  Until the IKE engine
 * (src/ike/ike.h) is wired in they answer "not supported yet" with a
 * failure code -- never a pretended success. */
#ifndef CYGNET_IKE_GLUE_H
#define CYGNET_IKE_GLUE_H

#include <stdbool.h>

struct pluto;
struct dconn;
struct reply;

/* Each returns 0 on success or a Libreswan code (25 route, 36 initiate...). */
int ike_glue_initiate(struct pluto *p, struct dconn *dc, const char *remote_host, bool async,
		      struct reply *rp);
int ike_glue_terminate(struct pluto *p, struct dconn *dc, struct reply *rp);
int ike_glue_route(struct pluto *p, struct dconn *dc, struct reply *rp);
int ike_glue_unroute(struct pluto *p, struct dconn *dc, struct reply *rp);
/* Called before a conn is deleted: tear down its SAs (none yet). */
void ike_glue_conn_deleted(struct pluto *p, struct dconn *dc);
/* Open/close the IKE sockets (--listen / --unlisten). */
int ike_glue_listen(struct pluto *p, bool on, struct reply *rp);
/* State counts for status (all zero until IKE exists). */
struct ike_glue_counts {
	unsigned ike_total, ike_halfopen, ike_open, ike_auth, ike_anon;
	unsigned ipsec_total, ipsec_auth, ipsec_anon;
};
void ike_glue_counts(struct pluto *p, struct ike_glue_counts *c);
/* Shut down every SA (SIGTERM / --shutdown). */
void ike_glue_shutdown(struct pluto *p);

#endif
