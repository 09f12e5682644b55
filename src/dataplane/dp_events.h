/* The bounded event queue from the packet thread to the daemon's thread,
 * signalled through an eventfd.  Internal to the dataplane. */
#ifndef CYGNET_DP_EVENTS_H
#define CYGNET_DP_EVENTS_H

#include <stdbool.h>
#include <stddef.h>

#include "dataplane/dataplane.h"

#define DP_EVQ_SLOTS 32
#define DP_EVQ_DATA 65536

struct dp_evq;

struct dp_evq *dp_evq_new(void);
void dp_evq_free(struct dp_evq *q);
int dp_evq_fd(const struct dp_evq *q);
/* Copies ev (and data for IKE packets); false when the queue is full. */
bool dp_evq_push(struct dp_evq *q, const struct dp_event *ev, const void *data, size_t len);
int dp_evq_drain(struct dp_evq *q, dp_event_cb cb, void *arg);

#endif
