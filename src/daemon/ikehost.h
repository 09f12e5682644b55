/* The daemon's SA machinery, in four files around one struct ikehost:
 *
 *   ikehost.c    the engine host: the IKE engine and the dataplane, the
 *                UDP 500 sockets, the engine's timer, the dataplane event
 *                pump, the engine ops table (clock, send, PSKs, conn choice)
 *   sa_install.c Child SAs and trap policies into the dataplane through the
 *                SA table (satable.c: who owns which SA, policy and reqid);
 *                dataplane events (expire, acquire)
 *   sa_ops.c     the operations with their replies: up, down, route,
 *                unroute, conn deleted (rekey: rekey.c; the engine sink
 *                that answers a deferred reply: reply.c)
 *   sa_status.c  every SA line of status, traffic, counts, drops, the
 *                --status --json states
 *
 * Conns reach the engine as conn_view handles (connview.c). */
#ifndef CYGNET_DAEMON_IKEHOST_H
#define CYGNET_DAEMON_IKEHOST_H

#include <stdbool.h>
#include <stdint.h>

#include "ike/ike.h"

struct pluto;
struct dconn;
struct conn_view;
struct ike_conn;
struct reply;
struct dataplane;
struct satable;
struct event;
struct dp_selector;
struct dp_event;
struct cryptopool;

struct ikehost {
	struct pluto *p;
	struct ike_engine *eng;
	struct dataplane *dp;          /* NULL when it could not start */
	struct satable *sat;           /* NULL without a dataplane */
	int fd500[2];
	struct event *ev500[2], *evdp, *timer, *sat_timer;
	struct updown_runner *ud;      /* leftupdown= scripts (updown.h) */
	struct cryptopool *pool;       /* nhelpers= threads (cryptopool.h); NULL = crypto inline */
	struct event *hold_timer;      /* CYGNET_TEST_CRYPTO_HOLD (ikehost.c) */
	const char *hold_file;
	uint64_t fshunt_next;          /* no failure shunt ends before (sa_shunt.c; may be early) */
};

/* The host, created on first use (engine, dataplane, timers); NULL only
 * when out of memory. */
struct ikehost *ikehost_get(struct pluto *p);
/* The host if it exists (status must not start a dataplane). */
static inline struct ikehost *ikehost_peek(const struct pluto *p);
uint64_t ikehost_now(void);
/* Re-arm the SA table's timer after changing it. */
void ikehost_sat_changed(struct ikehost *h);
/* Open/close the IKE sockets (--listen / --unlisten). */
int ikehost_listen(struct pluto *p, bool on, struct reply *rp);
/* Shut down every SA (SIGTERM / --shutdown) and free the host. */
void ikehost_shutdown(struct pluto *p);

/* sa_install.c: the engine's dataplane callbacks and dataplane events. */
void sa_child_installed(struct ikehost *h, const struct ike_child_params *cp);
void sa_child_outbound(struct ikehost *h, const struct ike_child_params *cp);
void sa_child_deleted(struct ikehost *h, const struct ike_child_params *cp);
void sa_child_moved(struct ikehost *h, const struct ike_child_params *cp);
void sa_expired(struct ikehost *h, uint32_t spi, bool hard);
void sa_acquire(struct ikehost *h, uint32_t reqid, const struct dp_selector *sel);
void sa_dropped(struct ikehost *h, const struct dp_event *ev);
/* Trap policies of a conn (--route / --unroute): 0 or a Libreswan code. */
int sa_route(struct ikehost *h, struct dconn *dc, struct reply *rp);
int sa_unroute(struct ikehost *h, struct dconn *dc, struct reply *rp);
bool sa_conn_has_child(const struct ikehost *h, const struct dconn *dc);
/* sa_shunt.c: shunt conns (type=passthrough|drop|reject).  Routing one
 * installs its bypass/block policies (--unroute removes them as a trap's);
 * initiating one is refused (Libreswan's 030 + 036 lines). */
int sa_route_shunt(struct ikehost *h, struct dconn *dc, struct reply *rp);
/* dpdaction=hold|restart, peer dead: route the conn (unless routed) so its
 * trap holds the traffic once the Child SAs go (Libreswan's %hold). */
void sa_hold_dead_peer(struct ikehost *h, struct ike_conn *ic);
/* A conn's own selector pairs (sa_sel_conn_pairs over its ends' subnets,
 * protocol and ports) into sel[SATABLE_MAX_POL], for its trap or (shunt:
 * an unset end none, %any its whole family) its shunt policies. */
size_t sa_conn_selectors(const struct conn_view *v, bool shunt, struct dp_selector *sel);
int sa_initiate_shunt(struct dconn *dc, struct reply *rp);
/* Traffic hit a routed conn's trap: initiate it, under its
 * negotiationshunt=, and on failure install its failureshunt=. */
int sa_ondemand(struct ikehost *h, struct dconn *dc);
/* A Child SA of dc is installed / dc is unrouted: its shunts end. */
void sa_shunt_child_up(struct ikehost *h, struct dconn *dc);
void sa_shunt_unrouted(struct pluto *p, struct dconn *dc);
/* Failure shunts: the next expiry (UINT64_MAX: none), expiring the due
 * ones, and their lines in Libreswan's Bare Shunt list. */
uint64_t sa_shunts_deadline(const struct pluto *p);
void sa_shunts_tick(struct ikehost *h, uint64_t now);
void sa_shunts_list(struct pluto *p, struct reply *rp);

/* sa_ops.c: the operations (control requests). */
int sa_initiate(struct pluto *p, struct dconn *dc, const char *remote_host, bool async, struct reply *rp);
int sa_terminate(struct pluto *p, struct dconn *dc, struct reply *rp);
int sa_route_conn(struct pluto *p, struct dconn *dc, struct reply *rp);
int sa_unroute_conn(struct pluto *p, struct dconn *dc, struct reply *rp);
/* Is the running dataplane the userspace one? */
bool sa_dataplane_is_userspace(const struct pluto *p);
/* fixed_reqid.c: the fixed reqids (reqid=) this run takes, noted in the
 * rundir when a conn is added; start-up purges the previous run's (only
 * those: other software may use small reqids too); a clean shutdown
 * removes the note. */
void fixed_reqid_purge_stale(struct pluto *p, struct dataplane *dp);
void fixed_reqid_note(struct pluto *p, uint32_t reqid);
void fixed_reqid_done(struct pluto *p);
/* Before a conn is deleted or replaced: its SAs, traps and view go. */
void sa_conn_deleted(struct pluto *p, struct dconn *dc);

/* sa_status.c: status. */
struct sa_counts {
	unsigned ike_total, ike_halfopen, ike_auth;
	unsigned ipsec_total;
};
void sa_status_counts(struct pluto *p, struct sa_counts *c);
/* --status/--showstates state lines (all conns, or only one). */
void sa_status_states(struct pluto *p, struct reply *rp, const struct dconn *only);
void sa_status_traffic(struct pluto *p, struct reply *rp);
const char *sa_status_dataplane(const struct pluto *p);
void sa_status_drops(struct pluto *p, struct reply *rp);
/* The engine's reports that move a conn's newest SAs. */
void sa_status_newest(struct pluto *p, const struct ike_conn *conn, bool ike, unsigned serial, bool established);
/* The newest established IKE and Child SA of a conn (0 = none). */
void sa_newest(struct pluto *p, const struct dconn *dc, unsigned *ike, unsigned *child);
/* The SA objects of --status --json's "states" array. */
void status_json_states(struct pluto *p, struct reply *rp);
/* The conn block's "IKEv2/ESP algorithm newest" lines. */
void status_alg_newest(struct pluto *p, struct reply *rp, const char *pre, const struct dconn *dc,
		       unsigned ike, unsigned child);
/* How many conns have an established Child SA. */
unsigned sa_active_conns(struct pluto *p);
/* Visit every IKE SA then its children; no-op before the host exists. */
void sa_foreach(struct pluto *p, ike_sa_visit_fn fn, void *arg);

#include "daemon/pluto.h"

static inline struct ikehost *ikehost_peek(const struct pluto *p) { return p->host; }

#endif
