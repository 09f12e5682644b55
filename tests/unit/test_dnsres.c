/* The host-name resolver (daemon/dnsres.c): lookups on worker threads with
 * a fake lookup function that blocks until the test releases it; the loop
 * stays responsive meanwhile, each answer is delivered once, on the loop's
 * thread, and freeing with queries pending abandons them (done(NULL)). */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <event2/event.h>

#include "daemon/dnsres.h"
#include "harness.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static bool released;
static unsigned started;     /* lookups entered */
static pthread_t loop_thread;

/* Blocks until released; "bad.example" fails, others get 192.0.2.N where
 * N is the name's length (distinct per name). */
static int fake_lookup(const char *name, int af, struct ip_addr *out, char *err, size_t errlen)
{
	(void)af;
	pthread_mutex_lock(&mu);
	started++;
	pthread_cond_broadcast(&cv);
	while (!released)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	if (strcmp(name, "bad.example") == 0) {
		snprintf(err, errlen, "Name or service not known");
		return -1;
	}
	char text[32];

	snprintf(text, sizeof(text), "192.0.2.%zu", strlen(name));
	return addr_parse(text, out) ? 0 : -1;
}

static void release(bool on)
{
	pthread_mutex_lock(&mu);
	released = on;
	started = 0;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

struct got {
	unsigned calls;
	bool on_loop_thread;
	bool null_result;
	struct dnsres_result r;
};

static void done_cb(void *arg, const struct dnsres_result *r)
{
	struct got *g = arg;

	g->calls++;
	g->on_loop_thread = pthread_equal(pthread_self(), loop_thread);
	if (r)
		g->r = *r;
	else
		g->null_result = true;
}

static struct dnsres_query query(const char *left, const char *right)
{
	struct dnsres_query q = { 0 };

	if (left) {
		q.want[0] = true;
		snprintf(q.name[0], sizeof(q.name[0]), "%s", left);
	}
	if (right) {
		q.want[1] = true;
		snprintf(q.name[1], sizeof(q.name[1]), "%s", right);
	}
	q.af[0] = q.af[1] = AF_UNSPEC;
	return q;
}

/* A timer that counts its ticks: the loop runs while a lookup blocks. */
static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd; (void)what;
	(*(unsigned *)arg)++;
}

static void loop_for_ms(struct event_base *base, unsigned ms)
{
	struct timeval tv = { 0, (suseconds_t)ms * 1000 };

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

static void test_blocking_lookup_keeps_loop_running(void)
{
	struct event_base *base = event_base_new();
	struct dnsres *r = dnsres_new(base, fake_lookup);
	struct dnsres_query q = query(NULL, "east.example");
	struct got g = { 0 };
	unsigned ticks = 0;
	struct timeval every = { 0, 5000 };
	struct event *t = event_new(base, -1, EV_PERSIST, tick_cb, &ticks);
	char a[ADDR_STRLEN];

	loop_thread = pthread_self();
	release(false);
	CHECK(r != NULL);
	event_add(t, &every);
	CHECK(dnsres_submit(r, &q, done_cb, &g));
	CHECK_INT(dnsres_pending(r), 1);
	/* the loop runs while the lookup blocks (it cannot return before
	 * release): timer ticks keep coming */
	for (int i = 0; i < 200 && ticks < 5; i++)
		loop_for_ms(base, 10);
	CHECK(ticks >= 5);
	CHECK_INT(g.calls, 0);
	release(true);
	for (int i = 0; i < 200 && !g.calls; i++)
		loop_for_ms(base, 10);
	CHECK_INT(g.calls, 1);
	CHECK(g.on_loop_thread);
	CHECK(!g.r.ok[0]);                 /* not asked */
	CHECK(g.r.ok[1]);
	CHECK_STR(addr_fmt(&g.r.addr[1], a), "192.0.2.12");
	CHECK_INT(dnsres_pending(r), 0);
	loop_for_ms(base, 30);
	CHECK_INT(g.calls, 1);             /* exactly once */
	event_free(t);
	dnsres_free(r);
	event_base_free(base);
}

static void test_failure_and_two_names(void)
{
	struct event_base *base = event_base_new();
	struct dnsres *r = dnsres_new(base, fake_lookup);
	struct dnsres_query q = query("west.example.org", "bad.example");
	struct got g[5] = { { 0 } };
	char a[ADDR_STRLEN];

	loop_thread = pthread_self();
	release(true);
	for (int i = 0; i < 5; i++)
		CHECK(dnsres_submit(r, &q, done_cb, &g[i]));
	for (int i = 0; i < 300 && dnsres_pending(r); i++)
		loop_for_ms(base, 10);
	for (int i = 0; i < 5; i++) {
		CHECK_INT(g[i].calls, 1);
		CHECK(g[i].r.ok[0]);
		CHECK_STR(addr_fmt(&g[i].r.addr[0], a), "192.0.2.16");
		CHECK(!g[i].r.ok[1]);
		CHECK_STR(g[i].r.err[1], "Name or service not known");
	}
	dnsres_free(r);
	event_base_free(base);
}

/* Free while a lookup is in a worker and more wait in the queue: the
 * lookup in progress finishes, then every undelivered query gets
 * done(NULL) exactly once; nothing is delivered afterwards. */
static void *release_later(void *arg)
{
	(void)arg;
	release(true);
	return NULL;
}

static void test_free_with_pending(void)
{
	struct event_base *base = event_base_new();
	struct dnsres *r = dnsres_new(base, fake_lookup);
	struct dnsres_query q = query("a.example", NULL);
	struct got g[6] = { { 0 } };
	pthread_t th;

	loop_thread = pthread_self();
	release(false);
	for (int i = 0; i < 6; i++)
		CHECK(dnsres_submit(r, &q, done_cb, &g[i]));
	pthread_mutex_lock(&mu);
	while (!started)                    /* a lookup is in progress */
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	pthread_create(&th, NULL, release_later, NULL);
	dnsres_free(r);                     /* joins the workers once released */
	pthread_join(th, NULL);
	for (int i = 0; i < 6; i++) {
		CHECK_INT(g[i].calls, 1);
		CHECK(g[i].null_result);
	}
	loop_for_ms(base, 20);
	for (int i = 0; i < 6; i++)
		CHECK_INT(g[i].calls, 1);
	event_base_free(base);
}

/* A lookup that never returns (a name server that never answers) holds
 * up dnsres_free at most DNSRES_EXIT_WAIT_MS: every query, the one in
 * progress included, is abandoned (done(NULL) once); the worker, released
 * later, frees the rest on its own (an ASan build sees no leak). */
static void test_free_with_hung_lookup(void)
{
	struct event_base *base = event_base_new();
	struct dnsres *r = dnsres_new(base, fake_lookup);
	struct dnsres_query q = query("a.example", NULL);
	struct got g[3] = { { 0 } };
	struct timespec t0, t1;
	long ms;

	loop_thread = pthread_self();
	release(false);
	for (int i = 0; i < 3; i++)
		CHECK(dnsres_submit(r, &q, done_cb, &g[i]));
	pthread_mutex_lock(&mu);
	while (!started)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	dnsres_free(r);                     /* never released meanwhile */
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	CHECK(ms >= DNSRES_EXIT_WAIT_MS - 50 && ms < DNSRES_EXIT_WAIT_MS + 2000);
	for (int i = 0; i < 3; i++) {
		CHECK_INT(g[i].calls, 1);
		CHECK(g[i].null_result);
	}
	release(true);                      /* the stuck workers finish and free */
	loop_for_ms(base, 20);
	for (int i = 0; i < 3; i++)
		CHECK_INT(g[i].calls, 1);
	event_base_free(base);
}

/* The system resolver: a numeric name needs no lookup service. */
static void test_system_numeric(void)
{
	struct ip_addr out;
	char err[DNSRES_ERR_MAX] = "", a[ADDR_STRLEN];

	CHECK_INT(dnsres_lookup_system("198.51.100.7", AF_UNSPEC, &out, err, sizeof(err)), 0);
	CHECK_STR(addr_fmt(&out, a), "198.51.100.7");
	CHECK_INT(dnsres_lookup_system("2001:db8::1", AF_INET6, &out, err, sizeof(err)), 0);
	CHECK_STR(addr_fmt(&out, a), "2001:db8::1");
	CHECK(dnsres_lookup_system("198.51.100.7", AF_INET6, &out, err, sizeof(err)) != 0);
	CHECK(err[0] != '\0');
}

/* An answer of the unspecified address (or multicast/broadcast)
 * is no address: 0.0.0.0 would make a conn %any. */
static void test_system_unusable(void)
{
	struct ip_addr out;
	char err[DNSRES_ERR_MAX] = "";

	CHECK(dnsres_lookup_system("0.0.0.0", AF_UNSPEC, &out, err, sizeof(err)) != 0);
	CHECK_STR(err, "no usable address");
	CHECK(dnsres_lookup_system("::", AF_INET6, &out, err, sizeof(err)) != 0);
	CHECK(dnsres_lookup_system("224.0.0.1", AF_INET, &out, err, sizeof(err)) != 0);
	CHECK(dnsres_lookup_system("255.255.255.255", AF_INET, &out, err, sizeof(err)) != 0);
	CHECK(dnsres_lookup_system("ff02::1", AF_INET6, &out, err, sizeof(err)) != 0);
	CHECK_INT(dnsres_lookup_system("192.0.2.9", AF_INET, &out, err, sizeof(err)), 0);
}

int main(void)
{
	RUN(test_blocking_lookup_keeps_loop_running);
	RUN(test_failure_and_two_names);
	RUN(test_free_with_pending);
	RUN(test_free_with_hung_lookup);
	RUN(test_system_numeric);
	RUN(test_system_unusable);
	return t_done();
}
