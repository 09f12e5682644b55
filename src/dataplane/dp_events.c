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
	unsigned head, count;                   /* IKE packets */
	struct evslot slots[DP_EVQ_SLOTS];
	unsigned sa_head, sa_count;             /* SA events */
	struct dp_event *sa;                    /* DP_EVQ_SA_SLOTS */
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
	q->sa = calloc(DP_EVQ_SA_SLOTS, sizeof(*q->sa));
	for (int i = 0; i < DP_EVQ_SLOTS; i++)
		if (!(q->slots[i].data = malloc(DP_EVQ_DATA)))
			goto fail;
	if (q->efd < 0 || !q->scratch || !q->sa)
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
	free(q->sa);
	free(q->scratch);
	pthread_mutex_destroy(&q->mu);
	free(q);
}

int dp_evq_fd(const struct dp_evq *q) { return q->efd; }

static void signal_reader(struct dp_evq *q)
{
	uint64_t one = 1;

	if (write(q->efd, &one, sizeof(one)) < 0) {
		/* counter saturated: the reader is already signalled */
	}
}

/* Under q->mu: an SA event into its own channel. */
static bool push_sa_event(struct dp_evq *q, const struct dp_event *ev)
{
	unsigned cap = ev->type == DP_EV_DROP ? DP_EVQ_SA_SLOTS / 2 : DP_EVQ_SA_SLOTS;

	if (q->sa_count >= cap)
		return false;
	q->sa[(q->sa_head + q->sa_count) % DP_EVQ_SA_SLOTS] = *ev;
	q->sa_count++;
	return true;
}

bool dp_evq_push(struct dp_evq *q, const struct dp_event *ev, const void *data, size_t len)
{
	struct evslot *s;
	bool ok = true;

	if (ev->type != DP_EV_IKE_PACKET) {
		pthread_mutex_lock(&q->mu);
		ok = push_sa_event(q, ev);
		pthread_mutex_unlock(&q->mu);
		if (ok)
			signal_reader(q);
		return ok;
	}
	if (len > DP_EVQ_DATA)
		return false;
	pthread_mutex_lock(&q->mu);
	if (q->count == DP_EVQ_SLOTS)
		ok = false;
	else {
		s = &q->slots[(q->head + q->count) % DP_EVQ_SLOTS];
		s->ev = *ev;
		s->len = len;
		if (len)
			memcpy(s->data, data, len);
		q->count++;
	}
	pthread_mutex_unlock(&q->mu);
	if (ok)
		signal_reader(q);
	return ok;
}

static bool pop_sa_event(struct dp_evq *q, struct dp_event *ev)
{
	bool got;

	pthread_mutex_lock(&q->mu);
	if ((got = q->sa_count > 0)) {
		*ev = q->sa[q->sa_head];
		q->sa_head = (q->sa_head + 1) % DP_EVQ_SA_SLOTS;
		q->sa_count--;
	}
	pthread_mutex_unlock(&q->mu);
	return got;
}

static bool pop_ike_packet(struct dp_evq *q, struct dp_event *ev)
{
	struct evslot *s;
	bool got;

	pthread_mutex_lock(&q->mu);
	if ((got = q->count > 0)) {
		s = &q->slots[q->head];
		*ev = s->ev;
		memcpy(q->scratch, s->data, s->len);
		ev->u.ike.data = q->scratch;
		ev->u.ike.len = s->len;
		q->head = (q->head + 1) % DP_EVQ_SLOTS;
		q->count--;
	}
	pthread_mutex_unlock(&q->mu);
	return got;
}

int dp_evq_drain(struct dp_evq *q, dp_event_cb cb, void *arg)
{
	struct dp_event ev;
	unsigned nsa, nike;
	uint64_t v;
	int n = 0;
	bool more;

	if (read(q->efd, &v, sizeof(v)) < 0) {
		/* nothing signalled; still look at the queues */
	}
	pthread_mutex_lock(&q->mu);
	nsa = q->sa_count;
	nike = q->count;
	pthread_mutex_unlock(&q->mu);
	for (; nsa && pop_sa_event(q, &ev); nsa--, n++)
		cb(arg, &ev);
	for (; nike && pop_ike_packet(q, &ev); nike--, n++) {
		cb(arg, &ev);
		/* an SA event that arrived meanwhile goes before the next packet */
		for (unsigned k = 0; k < DP_EVQ_SLOTS && pop_sa_event(q, &ev); k++, n++)
			cb(arg, &ev);
	}
	pthread_mutex_lock(&q->mu);
	more = q->count || q->sa_count;
	pthread_mutex_unlock(&q->mu);
	if (more)
		signal_reader(q);     /* the rest after the loop's other events */
	return n;
}
