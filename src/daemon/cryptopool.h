/* The IKE engine's crypto jobs (DH key pairs, g^ir, SKEYSEED/SK_*, KEYMAT)
 * on `nhelpers=` worker threads, so the event loop never waits for them:
 *
 *   engine ─submit─> bounded queue ─> worker: ike_job_run() ─> done ring
 *                                                               │ eventfd
 *   event loop <── ike_job_complete(engine, job) <──────────────┘
 *
 * The queue holds at most CRYPTOPOOL_QUEUE_PER_HELPER jobs per thread
 * (queued, running and finished but not delivered together): a submit
 * beyond that is refused and the engine drops the message that needed it
 * (IKE drop "crypto job queue full or job in progress"; the peer
 * retransmits).  nhelpers=0 makes no pool: jobs run inline in the loop. */
#ifndef CYGNET_DAEMON_CRYPTOPOOL_H
#define CYGNET_DAEMON_CRYPTOPOOL_H

#include <stdbool.h>
#include <stdint.h>

struct event_base;
struct ike_engine;
struct ike_job;
struct cryptopool;

#define CRYPTOPOOL_QUEUE_PER_HELPER 256
#define CRYPTOPOOL_MAX_HELPERS 64

/* nhelpers= as Libreswan reads it: -1 (or any negative) = online CPUs - 1,
 * at least 1; 0 = none; more than CRYPTOPOOL_MAX_HELPERS is that many. */
unsigned cryptopool_threads_for(int nhelpers);

/* NULL on failure (no memory, no eventfd, no thread started).  Results go
 * to ike_job_complete(*engp, job): engp is read at delivery. */
struct cryptopool *cryptopool_new(struct event_base *base, unsigned nthreads, struct ike_engine **engp);
/* false = queue full (the caller keeps job). */
bool cryptopool_submit(struct cryptopool *cp, struct ike_job *job);
unsigned cryptopool_threads(const struct cryptopool *cp);

struct cryptopool_stats {
	uint64_t submitted, refused, completed;
	unsigned outstanding, max_outstanding, capacity;
};
void cryptopool_get_stats(struct cryptopool *cp, struct cryptopool_stats *st);

/* Test hook (whack --crypto-hold): while held the workers start no job;
 * releasing lets them go on.  The loop keeps answering meanwhile. */
void cryptopool_hold(struct cryptopool *cp, bool hold);

/* Stops the workers (each finishes the job it runs) and frees every job
 * not delivered without completing it.  Call before ike_engine_free(). */
void cryptopool_free(struct cryptopool *cp);

#endif
