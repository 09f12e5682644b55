/* The event queues from the dataplane's threads to the daemon's thread,
 * signalled through one eventfd.  Internal to the dataplane.
 *
 * Two channels, so that anyone on the network cannot crowd out what the
 * dataplane's own SAs have to say:
 * - IKE packets (from the shared UDP 4500 socket, from anyone): DP_EVQ_SLOTS
 *   slots with their data; when full, a packet is refused (the caller
 *   counts it) as a socket buffer would drop it.
 * - SA events (EXPIRE, ACQUIRE, DROP reports): DP_EVQ_SA_SLOTS slots of
 *   their own.  DROP reports (diagnostics) take at most half of them; when
 *   an EXPIRE or ACQUIRE is refused the producer keeps it and offers it
 *   again (the SA database's retry list, the trap's next packet).
 * The daemon drains SA events first, and at most one queue's worth of
 * each per call (the eventfd is signalled again when more are left), so
 * a flood of IKE packets cannot hold the event loop either. */
#ifndef CYGNET_DP_EVENTS_H
#define CYGNET_DP_EVENTS_H

#include <stdbool.h>
#include <stddef.h>

#include "dataplane/dataplane.h"

#define DP_EVQ_SLOTS 32
#define DP_EVQ_DATA 65536
#define DP_EVQ_SA_SLOTS 1024

struct dp_evq;

struct dp_evq *dp_evq_new(void);
void dp_evq_free(struct dp_evq *q);
int dp_evq_fd(const struct dp_evq *q);
/* Copies ev (and data for IKE packets) into its channel; false when that
 * channel is full (or data too long). */
bool dp_evq_push(struct dp_evq *q, const struct dp_event *ev, const void *data, size_t len);
/* Delivers the SA events, then the IKE packets, queued when it started;
 * returns how many. */
int dp_evq_drain(struct dp_evq *q, dp_event_cb cb, void *arg);

#endif
