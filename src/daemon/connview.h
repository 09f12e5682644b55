/* The engine's view of a conn: built once per add/replace of a dconn (on
 * first use: orientation needs this host's addresses) and shared by every
 * SA of the conn as a reference-counted struct ike_conn handle.  Besides
 * what IKE needs it holds what the conn adds to its dataplane SAs and
 * policies (marks, priority, byte/packet limits, TFC), parsed once.
 *
 * When the conn is deleted or replaced, connview_drop() marks the handle
 * gone (SAs still holding it keep working until they end) and drops the
 * dconn's reference; the view is freed with the last SA. */
#ifndef CYGNET_DAEMON_CONNVIEW_H
#define CYGNET_DAEMON_CONNVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/dataplane.h"
#include "ike/ike.h"

struct conn;
struct pluto;
struct dconn;
struct updown_conn;

struct conn_view {
	struct ike_conn ike;           /* first: handles convert both ways */
	struct dconn *dc;              /* NULL once the conn is gone */
	struct dp_mark mark_in, mark_out;   /* mark=, mark-in=, mark-out= */
	uint32_t priority;             /* priority= (0 = from the selectors) */
	uint32_t reqid;                /* reqid= (0 = one from the SA table's range) */
	bool reqid_noted;              /* fixed_reqid_note() done for it */
	uint64_t max_bytes, max_packets;    /* ipsec-max-bytes/-packets (0 = none) */
	uint16_t tfc;                  /* tfc= */
	struct ip_addr host[2];        /* left/right addresses it was built with
					* (a host name's answer at the time) */
	/* The routes of its outbound policies: leftsourceip= (unset = the
	 * host's own address inside the local subnet, if any), leftnexthop=
	 * (unset = none), metric=, mtu= (0 = none). */
	struct ip_addr sourceip, nexthop;
	uint32_t metric, mtu;
	struct updown_conn *updown;    /* leftupdown= state (updown.h); NULL = none */
	struct ip_subnet sub[];        /* ike.local's then ike.remote's subnets */
};

/* The conn's timers and per-conn options (rekey, DPD, NAT keepalive,
 * initial-contact, send-no-esp-tfc, fragmentation) onto the engine's
 * ike_conn (filled with ike_conn_defaults() first). */
void connview_map_options(const struct conn *c, struct ike_conn *ic);
/* The dconn's view, built on first use; NULL with err filled when the
 * conn cannot be oriented or mapped. */
struct conn_view *connview_get(struct pluto *p, struct dconn *dc, char *err, size_t errlen);
/* Moved by every view built or dropped: what a cache of the views compares. */
uint64_t connview_generation(void);
/* An outbound policy's route settings from the view (see above). */
void connview_route(const struct conn_view *v, struct dp_policy *po);
/* The conn is deleted or replaced: see above.  No-op without a view. */
void connview_drop(struct dconn *dc);

static inline struct conn_view *connview_of(const struct ike_conn *c)
{
	return (struct conn_view *)(void *)c;   /* ike is the first member */
}

/* The dconn of an SA's conn, NULL when the conn is gone. */
static inline struct dconn *connview_dconn(const struct ike_conn *c)
{
	return c ? connview_of(c)->dc : NULL;
}

/* Responder choices (the engine's find_conn_for_responder/_for_child). */
struct ike_conn *connview_for_peer(struct pluto *p, const struct ike_endpoint *local,
				   const struct ike_endpoint *remote, const struct cy_id *peer,
				   const struct alg_suite *ike);
struct ike_conn *connview_for_child(struct pluto *p, struct ike_conn *current, const struct ike_endpoint *local,
				    const struct ike_endpoint *remote, const struct cy_id *peer,
				    const struct ike_ts_payload *tsi, const struct ike_ts_payload *tsr);

#endif
