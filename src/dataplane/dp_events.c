#include "dataplane/dp_events.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct evslot {
	struct dp_event ev;
	size_t len;
	uint8_t *data;          /* DP_EVQ_DATA bytes, allocated once */
};

struct dp_evq {
	pthread_mutex_t mu;
	int efd;
	unsigned head, count;
	struct evslot slots[DP_EVQ_SLOTS];
	uint8_t *scratch;       /* the daemon's copy during a callback */
};

struct dp_evq *dp_evq_new(void)
{
	struct dp_evq *q = calloc(1, sizeof(*q));

	if (!q)
		return NULL;
	pthread_mutex_init(&q->mu, NULL);
	q->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	q->scratch = malloc(DP_EVQ_DATA);
	for (int i = 0; i < DP_EVQ_SLOTS; i++)
		if (!(q->slots[i].data = malloc(DP_EVQ_DATA)))
			goto fail;
	if (q->efd < 0 || !q->scratch)
		goto fail;
	return q;
fail:
	dp_evq_free(q);
	return NULL;
}

void dp_evq_free(struct dp_evq *q)
{
	if (!q)
		return;
	if (q->efd >= 0)
		close(q->efd);
	for (int i = 0; i < DP_EVQ_SLOTS; i++)
		free(q->slots[i].data);
	free(q->scratch);
	pthread_mutex_destroy(&q->mu);
	free(q);
}

int dp_evq_fd(const struct dp_evq *q) { return q->efd; }

bool dp_evq_push(struct dp_evq *q, const struct dp_event *ev, const void *data, size_t len)
{
	uint64_t one = 1;
	struct evslot *s;

	if (len > DP_EVQ_DATA)
		return false;
	pthread_mutex_lock(&q->mu);
	if (q->count == DP_EVQ_SLOTS) {
		pthread_mutex_unlock(&q->mu);
		return false;
	}
	s = &q->slots[(q->head + q->count) % DP_EVQ_SLOTS];
	s->ev = *ev;
	s->len = len;
	if (len)
		memcpy(s->data, data, len);
	q->count++;
	pthread_mutex_unlock(&q->mu);
	if (write(q->efd, &one, sizeof(one)) < 0) {
		/* counter saturated: the reader is already signalled */
	}
	return true;
}

int dp_evq_drain(struct dp_evq *q, dp_event_cb cb, void *arg)
{
	uint64_t v;
	int n = 0;

	if (read(q->efd, &v, sizeof(v)) < 0) {
		/* nothing signalled; still look at the queue */
	}
	for (;;) {
		struct dp_event ev;
		struct evslot *s;

		pthread_mutex_lock(&q->mu);
		if (!q->count) {
			pthread_mutex_unlock(&q->mu);
			return n;
		}
		s = &q->slots[q->head];
		ev = s->ev;
		if (ev.type == DP_EV_IKE_PACKET) {
			memcpy(q->scratch, s->data, s->len);
			ev.u.ike.data = q->scratch;
			ev.u.ike.len = s->len;
		}
		q->head = (q->head + 1) % DP_EVQ_SLOTS;
		q->count--;
		pthread_mutex_unlock(&q->mu);
		cb(arg, &ev);
		n++;
	}
}
