/* The IKEv2 engine (RFC 7296): exchanges, IKE/Child SA state, PSK auth.
 *
 * An engine is a plain object driven by its embedder: no sockets, no event
 * loop, no clock inside.  The embedder supplies a const ops table
 * (ike/embed.h: clock, datagrams out, PSKs, the responder's conn choice,
 * the dataplane hand-off of Child SAs, events, the next deadline) and calls
 * ike_recv() for each datagram, ike_tick() at the deadline, and the
 * operations below.  Conns are reference-counted handles (struct ike_conn):
 * the engine compares them by pointer and never copies them.
 *
 * Every operation that takes a struct ike_sink reports its outcome through
 * it exactly once (done()), possibly before returning; lines stream
 * Libreswan's whack codes (181 initiating, 182 sent IKE_AUTH, 004
 * established, 010 retransmission, 031 timeout...).  sink may be NULL.
 * The SA snapshots for status are in ike/info.h. */
#ifndef CYGNET_IKE_H
#define CYGNET_IKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/embed.h"
#include "ike/info.h"

struct ike_engine *ike_engine_new(const struct ike_ops *ops, void *ctx,
				  const struct ike_engine_config *cfg);
/* No messages are sent; operations still pending get done(IKE_RC_TERMINATED). */
void ike_engine_free(struct ike_engine *e);

/* Would the responder accept a Child SA proposing tsi/tsr (as received)
 * under conn, with the narrowing rules it applies (narrowing=)? */
bool ike_conn_fits_ts(const struct ike_conn *conn, const struct ike_endpoint *local,
		      const struct ike_endpoint *remote, const struct ike_ts_payload *tsi,
		      const struct ike_ts_payload *tsr);

/* Would the conn's ike= have chosen these IKE algorithms (an IKE SA's
 * negotiated encr/keybits, integ, prf, dh)?  The responder switching an
 * IKE SA to another conn at IKE_AUTH requires it. */
bool ike_conn_accepts_ike(const struct ike_conn *conn, const struct alg_suite *ike);

/* A datagram for us (non-ESP marker already stripped). */
void ike_recv(struct ike_engine *e, const uint8_t *pkt, size_t len,
	      const struct ike_endpoint *local, const struct ike_endpoint *remote);
/* Run timers due at now(). */
void ike_tick(struct ike_engine *e);
/* Next time ike_tick() has work; UINT64_MAX when none. */
uint64_t ike_next_deadline(const struct ike_engine *e);

/* Start negotiating `conn` (the engine takes a reference); over an
 * established IKE SA of the conn, a new Child SA.  remote: the peer's
 * address when the conn's is %any (NULL = the conn's).  Returns the IKE SA
 * serial, or 0 after the sink got its lines and done() (failure to start).
 * done() comes when the Child SA is up or the attempt failed. */
unsigned ike_initiate(struct ike_engine *e, struct ike_conn *conn, const struct ip_addr *remote,
		      const struct ike_sink *sink);
/* Delete every SA of `conn`, telling the peer, streaming Libreswan's
 * per-state lines ("002 "c" #1: deleting state (STATE_V2_ESTABLISHED_IKE_SA)
 * aged 1.234s and sending notification"), then done(0).  Returns how many
 * IKE SAs. */
unsigned ike_terminate(struct ike_engine *e, const struct ike_conn *conn, const struct ike_sink *sink);

/* Rekey IKE SA / Child SA #serial.  done(0) once the replacement is
 * established and the old SA deleted ("004 ... rekeyed ..." and "002 ...
 * replaced IKE SA deleted, aged ..." lines first); done(IKE_RC_FAILED, why)
 * when it cannot be started, was refused (after TEMPORARY_FAILURE retries)
 * or the SA went first.  A rekey already waiting for an outcome refuses a
 * second sink.  Returns whether a rekey is under way. */
bool ike_rekey_ike(struct ike_engine *e, unsigned ike_serial, const struct ike_sink *sink);
bool ike_rekey_child(struct ike_engine *e, unsigned child_serial, const struct ike_sink *sink);
/* Delete one Child SA, telling the peer; done(0) when it is gone. */
bool ike_delete_child(struct ike_engine *e, unsigned child_serial, const struct ike_sink *sink);
/* A new Child SA over an established IKE SA of the same conn. */
bool ike_create_child(struct ike_engine *e, unsigned ike_serial);
/* Send an empty INFORMATIONAL (liveness) now. */
bool ike_liveness(struct ike_engine *e, unsigned ike_serial);
/* Fault injection for tests: answer the next n CREATE_CHILD_SA requests
 * with the error notify (e.g. v2N_TEMPORARY_FAILURE) instead of serving. */
void ike_test_refuse_ccs(struct ike_engine *e, unsigned n, uint16_t notify);
/* Test hook: how many SAs the engine's lookups, deadline updates and timer
 * runs have examined so far (what a walk over every SA would inflate). */
uint64_t ike_test_visits(const struct ike_engine *e);

#endif
