/* Crypto jobs on worker threads (see cryptopool.h). */
#include "daemon/cryptopool.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <event2/event.h>

#include "ike/ike.h"
#include "lib/log.h"

/* A ring of job pointers. */
struct ring {
	struct ike_job **v;
	unsigned cap, head, n;
};

static bool ring_push(struct ring *r, struct ike_job *j)
{
	if (r->n == r->cap)
		return false;
	r->v[(r->head + r->n++) % r->cap] = j;
	return true;
}

static struct ike_job *ring_pop(struct ring *r)
{
	struct ike_job *j;

	if (!r->n)
		return NULL;
	j = r->v[r->head];
	r->head = (r->head + 1) % r->cap;
	r->n--;
	return j;
}

struct cryptopool {
	struct ike_engine **engp;
	int efd;
	struct event *ev;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct ring todo, done;          /* under mu */
	unsigned outstanding;            /* submitted, not delivered (under mu) */
	bool stop, hold;                 /* under mu */
	unsigned nthreads;
	pthread_t threads[CRYPTOPOOL_MAX_HELPERS];
	struct cryptopool_stats st;      /* loop thread (outstanding: under mu) */
};

unsigned cryptopool_threads_for(int nhelpers)
{
	long ncpu;

	if (nhelpers >= 0)
		return nhelpers > CRYPTOPOOL_MAX_HELPERS ? CRYPTOPOOL_MAX_HELPERS : (unsigned)nhelpers;
	/* Libreswan: one fewer than the CPUs online, at least one */
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu <= 2)
		return 1;
	return ncpu - 1 > CRYPTOPOOL_MAX_HELPERS ? CRYPTOPOOL_MAX_HELPERS : (unsigned)(ncpu - 1);
}

static void *worker(void *arg)
{
	struct cryptopool *cp = arg;
	uint64_t one = 1;

	pthread_mutex_lock(&cp->mu);
	for (;;) {
		struct ike_job *j;

		while (!cp->stop && (cp->hold || !cp->todo.n))
			pthread_cond_wait(&cp->cv, &cp->mu);
		if (cp->stop)
			break;
		j = ring_pop(&cp->todo);
		pthread_mutex_unlock(&cp->mu);
		ike_job_run(j);
		pthread_mutex_lock(&cp->mu);
		ring_push(&cp->done, j);   /* cannot fail: done.cap = the bound of outstanding */
		if (write(cp->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			log_debug("crypto helper: eventfd: %s", strerror(errno));
	}
	pthread_mutex_unlock(&cp->mu);
	return NULL;
}

/* The loop: deliver every finished job. */
static void deliver(evutil_socket_t fd, short what, void *arg)
{
	struct cryptopool *cp = arg;
	uint64_t n;

	(void)what;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_debug("crypto helper: eventfd: %s", strerror(errno));
	for (;;) {
		struct ike_job *j;

		pthread_mutex_lock(&cp->mu);
		j = ring_pop(&cp->done);
		if (j)
			cp->outstanding--;
		pthread_mutex_unlock(&cp->mu);
		if (!j)
			break;
		cp->st.completed++;
		if (*cp->engp)
			ike_job_complete(*cp->engp, j);
		else
			ike_job_free(j);
	}
}

static void destroy(struct cryptopool *cp)
{
	struct ike_job *j;

	while ((j = ring_pop(&cp->todo)) != NULL)
		ike_job_free(j);
	while ((j = ring_pop(&cp->done)) != NULL)
		ike_job_free(j);
	if (cp->ev)
		event_free(cp->ev);
	if (cp->efd >= 0)
		close(cp->efd);
	free(cp->todo.v);
	free(cp->done.v);
	pthread_cond_destroy(&cp->cv);
	pthread_mutex_destroy(&cp->mu);
	free(cp);
}

static bool start_threads(struct cryptopool *cp, unsigned nthreads)
{
	sigset_t all, old;

	/* signals stay with the loop's thread */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (unsigned i = 0; i < nthreads; i++) {
		if (pthread_create(&cp->threads[cp->nthreads], NULL, worker, cp) != 0)
			break;
		cp->nthreads++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return cp->nthreads > 0;
}

struct cryptopool *cryptopool_new(struct event_base *base, unsigned nthreads, struct ike_engine **engp)
{
	struct cryptopool *cp;
	unsigned cap;

	if (!nthreads || nthreads > CRYPTOPOOL_MAX_HELPERS || !(cp = calloc(1, sizeof(*cp))))
		return NULL;
	cap = nthreads * CRYPTOPOOL_QUEUE_PER_HELPER;
	cp->engp = engp;
	cp->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	pthread_mutex_init(&cp->mu, NULL);
	pthread_cond_init(&cp->cv, NULL);
	cp->todo.v = calloc(cap, sizeof(*cp->todo.v));
	cp->done.v = calloc(cap, sizeof(*cp->done.v));
	cp->todo.cap = cp->done.cap = cp->st.capacity = cap;
	if (cp->efd < 0 || !cp->todo.v || !cp->done.v ||
	    !(cp->ev = event_new(base, cp->efd, EV_READ | EV_PERSIST, deliver, cp)) || event_add(cp->ev, NULL) != 0) {
		destroy(cp);
		return NULL;
	}
	if (!start_threads(cp, nthreads)) {
		destroy(cp);
		return NULL;
	}
	return cp;
}

bool cryptopool_submit(struct cryptopool *cp, struct ike_job *j)
{
	bool ok;

	pthread_mutex_lock(&cp->mu);
	ok = cp->outstanding < cp->todo.cap && ring_push(&cp->todo, j);
	if (ok) {
		cp->outstanding++;
		if (cp->outstanding > cp->st.max_outstanding)
			cp->st.max_outstanding = cp->outstanding;
		pthread_cond_signal(&cp->cv);
	}
	pthread_mutex_unlock(&cp->mu);
	if (ok)
		cp->st.submitted++;
	else
		cp->st.refused++;
	return ok;
}

unsigned cryptopool_threads(const struct cryptopool *cp) { return cp ? cp->nthreads : 0; }

void cryptopool_get_stats(struct cryptopool *cp, struct cryptopool_stats *st)
{
	*st = cp->st;
	pthread_mutex_lock(&cp->mu);
	st->outstanding = cp->outstanding;
	pthread_mutex_unlock(&cp->mu);
}

void cryptopool_hold(struct cryptopool *cp, bool hold)
{
	pthread_mutex_lock(&cp->mu);
	cp->hold = hold;
	pthread_cond_broadcast(&cp->cv);
	pthread_mutex_unlock(&cp->mu);
}

void cryptopool_free(struct cryptopool *cp)
{
	if (!cp)
		return;
	pthread_mutex_lock(&cp->mu);
	cp->stop = true;
	pthread_cond_broadcast(&cp->cv);
	pthread_mutex_unlock(&cp->mu);
	for (unsigned i = 0; i < cp->nthreads; i++)
		pthread_join(cp->threads[i], NULL);
	destroy(cp);
}
