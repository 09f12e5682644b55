/* Host names resolved on worker threads (see dnsres.h). */
#include "daemon/dnsres.h"

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "lib/log.h"

struct job {
	struct dnsres_query q;
	struct dnsres_result res;
	dnsres_done_fn done;
	void *arg;
	bool orphan;                     /* given up by dnsres_free: the worker frees it */
	struct job *next;
};

struct dnsres {
	dnsres_lookup_fn lookup;
	int efd;
	struct event *ev;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *todo, **todo_tail;   /* FIFO, under mu */
	struct job *done;                /* LIFO, under mu */
	bool stop;                       /* under mu */
	bool abandoned;                  /* dnsres_free gave up waiting: the last worker frees r (under mu) */
	unsigned live;                   /* workers not yet returned, under mu */
	struct job *running[DNSRES_WORKERS];   /* lookups in progress, under mu */
	unsigned idle;                   /* workers waiting, under mu */
	unsigned nthreads;               /* loop thread only */
	pthread_t threads[DNSRES_WORKERS];
	unsigned pending;                /* loop thread only */
};

/* An answer that can be a peer's or our own host address: never the
 * unspecified address (0.0.0.0, ::), which the daemon reads as %any (a
 * responder for every peer, a trap nobody can route, a shunt for the
 * whole family), nor multicast or the limited broadcast. */
bool dnsres_addr_usable(const struct ip_addr *a)
{
	if (!a->af || addr_is_any(a))
		return false;
	if (a->af == AF_INET)
		return a->a[0] < 224;           /* multicast, class E, 255.255.255.255 */
	return a->a[0] != 0xff;            /* IPv6 multicast */
}

int dnsres_lookup_system(const char *name, int af, struct ip_addr *out, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_family = af, .ai_socktype = SOCK_DGRAM }, *res = NULL;
	int rc = getaddrinfo(name, NULL, &hints, &res);

	if (rc != 0) {
		snprintf(err, errlen, "%s", rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return -1;
	}
	rc = -1;
	for (const struct addrinfo *ai = res; ai && rc; ai = ai->ai_next)
		if (addr_from_sockaddr(ai->ai_addr, out, NULL) && dnsres_addr_usable(out))
			rc = 0;
	freeaddrinfo(res);
	if (rc)
		snprintf(err, errlen, "no usable address");
	return rc;
}

static void destroy(struct dnsres *r)
{
	if (r->efd >= 0)
		close(r->efd);
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

static void running_set(struct dnsres *r, struct job *from, struct job *to)
{
	for (unsigned i = 0; i < DNSRES_WORKERS; i++)
		if (r->running[i] == from) {
			r->running[i] = to;
			return;
		}
}

static void *worker(void *arg)
{
	struct dnsres *r = arg;
	uint64_t one = 1;
	bool last;

	pthread_mutex_lock(&r->mu);
	for (;;) {
		struct job *j;

		while (!r->stop && !r->todo) {
			r->idle++;
			pthread_cond_wait(&r->cv, &r->mu);
			r->idle--;
		}
		if (r->stop)
			break;
		j = r->todo;
		r->todo = j->next;
		if (!r->todo)
			r->todo_tail = &r->todo;
		running_set(r, NULL, j);
		pthread_mutex_unlock(&r->mu);
		for (int s = 0; s < 2; s++)
			if (j->q.want[s])
				j->res.ok[s] = r->lookup(j->q.name[s], j->q.af[s], &j->res.addr[s], j->res.err[s],
							 sizeof(j->res.err[s])) == 0;
		pthread_mutex_lock(&r->mu);
		running_set(r, j, NULL);
		if (j->orphan) {
			free(j);
			continue;
		}
		j->next = r->done;
		r->done = j;
		if (write(r->efd, &one, sizeof(one)) < 0) {
			/* the counter cannot overflow here; nothing to do */
		}
	}
	last = --r->live == 0 && r->abandoned;
	pthread_mutex_unlock(&r->mu);
	if (last)
		destroy(r);
	return NULL;
}

/* The finished queries, oldest first. */
static struct job *take_done(struct dnsres *r)
{
	struct job *lifo, *fifo = NULL;

	pthread_mutex_lock(&r->mu);
	lifo = r->done;
	r->done = NULL;
	pthread_mutex_unlock(&r->mu);
	while (lifo) {
		struct job *n = lifo->next;

		lifo->next = fifo;
		fifo = lifo;
		lifo = n;
	}
	return fifo;
}

static void on_event(evutil_socket_t fd, short what, void *arg)
{
	struct dnsres *r = arg;
	uint64_t n;

	(void)what;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	for (struct job *j = take_done(r), *next; j; j = next) {
		next = j->next;
		r->pending--;
		j->done(j->arg, &j->res);
		free(j);
	}
}

struct dnsres *dnsres_new(struct event_base *base, dnsres_lookup_fn lookup)
{
	struct dnsres *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->lookup = lookup ? lookup : dnsres_lookup_system;
	r->todo_tail = &r->todo;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	r->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (r->efd < 0 || !(r->ev = event_new(base, r->efd, EV_READ | EV_PERSIST, on_event, r)) ||
	    event_add(r->ev, NULL) < 0) {
		dnsres_free(r);
		return NULL;
	}
	return r;
}

/* A worker more when all are busy (signals stay with the loop's thread). */
static void grow(struct dnsres *r)
{
	sigset_t all, old;

	if (r->nthreads >= DNSRES_WORKERS || r->idle)
		return;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (pthread_create(&r->threads[r->nthreads], NULL, worker, r) == 0) {
		r->nthreads++;
		r->live++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

bool dnsres_submit(struct dnsres *r, const struct dnsres_query *q, dnsres_done_fn done, void *arg)
{
	struct job *j = calloc(1, sizeof(*j));

	if (!j)
		return false;
	j->q = *q;
	j->done = done;
	j->arg = arg;
	pthread_mutex_lock(&r->mu);
	grow(r);
	if (!r->nthreads) {
		pthread_mutex_unlock(&r->mu);
		free(j);
		return false;
	}
	*r->todo_tail = j;
	r->todo_tail = &j->next;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	r->pending++;
	return true;
}

unsigned dnsres_pending(const struct dnsres *r)
{
	return r ? r->pending : 0;
}

static void abandon(struct job *j)
{
	while (j) {
		struct job *n = j->next;

		j->done(j->arg, NULL);
		free(j);
		j = n;
	}
}

/* Queries in progress are given up (orphans): done(NULL) now, freed by
 * their worker when its lookup returns. */
static void orphan_running(struct dnsres *r)
{
	struct { dnsres_done_fn done; void *arg; } given[DNSRES_WORKERS];
	unsigned n = 0;

	pthread_mutex_lock(&r->mu);
	for (unsigned i = 0; i < DNSRES_WORKERS; i++)
		if (r->running[i] && !r->running[i]->orphan) {
			r->running[i]->orphan = true;      /* the job is the worker's now */
			given[n].done = r->running[i]->done;
			given[n++].arg = r->running[i]->arg;
		}
	pthread_mutex_unlock(&r->mu);
	for (unsigned i = 0; i < n; i++)
		given[i].done(given[i].arg, NULL);
}

void dnsres_free(struct dnsres *r)
{
	struct job *todo;
	struct timespec until;
	unsigned stuck = 0;
	bool free_now;

	if (!r)
		return;
	pthread_mutex_lock(&r->mu);
	r->stop = true;
	todo = r->todo;
	r->todo = NULL;
	r->todo_tail = &r->todo;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	abandon(todo);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += DNSRES_EXIT_WAIT_MS / 1000;
	until.tv_nsec += (DNSRES_EXIT_WAIT_MS % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	for (unsigned i = 0; i < r->nthreads; i++)
		if (pthread_timedjoin_np(r->threads[i], NULL, &until) != 0) {
			pthread_detach(r->threads[i]);
			stuck++;
		}
	orphan_running(r);
	abandon(take_done(r));
	if (r->ev)
		event_free(r->ev);
	r->ev = NULL;
	pthread_mutex_lock(&r->mu);
	r->abandoned = stuck > 0;
	free_now = r->live == 0;
	pthread_mutex_unlock(&r->mu);
	if (stuck)
		log_warn("host-name resolver: %u lookup%s still running after %d ms: not waiting for %s", stuck,
			 stuck == 1 ? "" : "s", DNSRES_EXIT_WAIT_MS, stuck == 1 ? "it" : "them");
	if (free_now)
		destroy(r);
}
