/* The updown runner (src/daemon/updown_run.c) on a real event loop with
 * real /bin/sh children: output lines (escaped, the last one without a
 * newline too), exit status and signals, the environment (the run's own,
 * none of the daemon's PLUTO_*), one key's runs in order while another key
 * runs beside them, the time limit, the queue bound, and the shutdown
 * drain without the loop. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <event2/event.h>

#include "daemon/updown.h"
#include "lib/log.h"

#define MAXLINES 512

static char *lines[MAXLINES];
static size_t nlines;

static void tap(void *arg, enum log_level lvl, const char *line)
{
	(void)arg;
	(void)lvl;
	if (nlines < MAXLINES)
		lines[nlines++] = strdup(line);
}

static void clear(void)
{
	for (size_t i = 0; i < nlines; i++)
		free(lines[i]);
	nlines = 0;
}

/* Index of the first logged line containing s, -1 when none. */
static long seen(const char *s)
{
	for (size_t i = 0; i < nlines; i++)
		if (strstr(lines[i], s))
			return (long)i;
	return -1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Drives the loop until the runner is idle (at most 10 s). */
static void run(struct event_base *b, struct updown_runner *r)
{
	double end = now_s() + 10;

	while (updown_runner_busy(r) && now_s() < end)
		event_base_loop(b, EVLOOP_ONCE);
	CHECK_INT(updown_runner_busy(r), 0);
}

static void env1(struct updown_env *e, const char *kv)
{
	e->n = 0;
	e->used = 0;
	snprintf(e->buf, sizeof(e->buf), "%s", kv);
	e->v[e->n++] = e->buf;
	e->v[e->n] = NULL;
}

static void test_output_status_env(void)
{
	struct event_base *b = event_base_new();
	struct updown_runner *r = updown_runner_new(b, 5);
	struct updown_env e;

	clear();
	setenv("PLUTO_LEAK", "daemon", 1);
	env1(&e, "PLUTO_VERB=up-client");
	CHECK(updown_runner_queue(r, "c", "\"c\" #2: up-client",
				  "echo one; printf 'two\\033x\\n' >&2; echo \"$PLUTO_VERB leak=${PLUTO_LEAK:-none}\";"
				  " printf 'last'; exit 3", &e));
	run(b, r);
	CHECK(seen("\"c\" #2: up-client: running updown command") >= 0);
	CHECK(seen("\"c\" #2: up-client output: one") >= 0);
	CHECK(seen("\"c\" #2: up-client output: two\\033x") >= 0);
	CHECK(seen("output: up-client leak=none") >= 0);
	CHECK(seen("\"c\" #2: up-client output: last") >= 0);
	CHECK(seen("\"c\" #2: up-client: updown command exited with status 3") >= 0);
	for (size_t i = 0; i < nlines; i++)
		CHECK(strchr(lines[i], '\033') == NULL);
	unsetenv("PLUTO_LEAK");
	updown_runner_free(r);
	event_base_free(b);
}

static void test_order_and_parallel(void)
{
	struct event_base *b = event_base_new();
	struct updown_runner *r = updown_runner_new(b, 5);
	struct updown_env e;
	long first, second, other;

	clear();
	env1(&e, "PLUTO_VERB=route-client");
	updown_runner_queue(r, "a", "a1", "sleep 0.3; echo first", &e);
	updown_runner_queue(r, "a", "a2", "echo second", &e);
	updown_runner_queue(r, "b", "b1", "echo other", &e);
	CHECK_INT(updown_runner_busy(r), 3);
	run(b, r);
	first = seen("a1 output: first");
	second = seen("a2 output: second");
	other = seen("b1 output: other");
	CHECK(first >= 0 && second > first);       /* one key: in order */
	CHECK(other >= 0 && other < first);        /* another key: beside it */
	updown_runner_free(r);
	event_base_free(b);
}

static void test_time_limit(void)
{
	struct event_base *b = event_base_new();
	struct updown_runner *r = updown_runner_new(b, 1);
	struct updown_env e;
	double t0 = now_s();

	clear();
	env1(&e, "PLUTO_VERB=down-client");
	updown_runner_queue(r, "h", "h1", "echo hanging; sleep 30 & wait", &e);
	updown_runner_queue(r, "h", "h2", "echo next", &e);
	run(b, r);
	CHECK(now_s() - t0 < 3);
	CHECK(seen("h1: updown command \"echo hanging; sleep 30 & wait\" still running after 1s: killing it") >= 0);
	CHECK(seen("h1: updown command exited with signal 9 (killed: time limit)") >= 0);
	CHECK(seen("h2 output: next") > seen("h1: updown command exited"));
	updown_runner_free(r);
	event_base_free(b);
}

/* 64 runs of one conn at most (another conn still gets its runs); the
 * shutdown drain runs what is queued without the loop. */
static void test_bound_and_drain(void)
{
	struct event_base *b = event_base_new();
	struct updown_runner *r = updown_runner_new(b, 2);
	struct updown_env e;
	size_t ok = 0;

	clear();
	env1(&e, "PLUTO_VERB=unroute-client");
	updown_runner_queue(r, "q", "q0", "sleep 0.2; echo start", &e);
	for (int i = 1; i < 300; i++)
		ok += updown_runner_queue(r, "q", "qn", ":", &e);
	CHECK_INT(ok, 63);
	CHECK(seen("qn: not running updown command \":\": 64 runs of this conn already waiting") >= 0);
	CHECK(updown_runner_queue(r, "other", "o", "echo other", &e));   /* not starved */
	clear();
	updown_runner_free(r);                   /* the loop never ran */
	CHECK(seen("q0 output: start") >= 0);
	CHECK(seen("o output: other") >= 0);
	CHECK(seen("qn: updown command exited with status 0") > seen("q0 output: start"));
	event_base_free(b);
}

/* 300 runs of 150 conns (more than the old daemon-wide 256) all
 * run, at most 16 side by side. */
static void test_many_conns(void)
{
	struct event_base *b = event_base_new();
	struct updown_runner *r = updown_runner_new(b, 5);
	struct updown_env e;
	size_t ok = 0;
	char key[16];

	clear();
	env1(&e, "PLUTO_VERB=route-client");
	for (int i = 0; i < 300; i++) {
		snprintf(key, sizeof(key), "c%d", i / 2);
		ok += updown_runner_queue(r, key, "m", ":", &e);
	}
	CHECK_INT(ok, 300);
	CHECK(updown_runner_busy(r) == 300);
	run(b, r);
	CHECK_INT(updown_runner_busy(r), 0);
	CHECK(seen("not running") < 0);
	updown_runner_free(r);
	event_base_free(b);
}

int main(void)
{
	log_set_tap(tap, NULL);
	log_set_level(LOG_LVL_INFO);
	RUN(test_output_status_env);
	RUN(test_order_and_parallel);
	RUN(test_time_limit);
	RUN(test_bound_and_drain);
	RUN(test_many_conns);
	clear();
	return t_done();
}
