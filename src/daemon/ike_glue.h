/* Every place where the daemon initiates, terminates, routes or reports
 * IKE/Child SAs goes through these hooks (ike_glue.c), which drive the IKE
 * engine (src/ike/ike.h) and the dataplane (src/dataplane/dataplane.h).
 * ike_glue_initiate() of a synchronous --up returns CTL_STATUS_DEFERRED and
 * answers the client when the engine reports the outcome. */
#ifndef CYGNET_IKE_GLUE_H
#define CYGNET_IKE_GLUE_H

#include <stdbool.h>

struct pluto;
struct dconn;
struct reply;
struct ike_sa_info;

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
/* Status: the state lines of --status/--showstates (all conns, or only
 * one), --trafficstatus lines, the dataplane's name and drop counters. */
void ike_glue_states(struct pluto *p, struct reply *rp, const char *only);
void ike_glue_traffic(struct pluto *p, struct reply *rp);
const char *ike_glue_dataplane(struct pluto *p);
/* The newest established IKE and Child SA of a conn (0 = none), and how
 * many conns have an established Child SA. */
void ike_glue_newest(struct pluto *p, const char *conn, unsigned *ike, unsigned *child);
unsigned ike_glue_active(struct pluto *p);
void ike_glue_drops(struct pluto *p, struct reply *rp);
/* Visit every IKE SA then its children (ike_foreach_sa); fn gets a
 * struct ike_sa_info (ike/ike.h).  No-op before the engine exists. */
void ike_glue_foreach_sa(struct pluto *p, void (*fn)(void *arg, const struct ike_sa_info *sa), void *arg);
/* Shut down every SA (SIGTERM / --shutdown). */
void ike_glue_shutdown(struct pluto *p);
/* whack --rekey-ike (ike) / --rekey-ipsec: start rekeying the conn's newest
 * established IKE SA / Child SA (ike_glue_newest).  0 when started; 36 with
 * a line when the conn has no such SA or it cannot be rekeyed now. */
int ike_glue_rekey(struct pluto *p, struct dconn *dc, bool ike, struct reply *rp);

#endif
