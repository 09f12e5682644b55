/* `ipsec whack --name CONN --rekey-ike | --rekey-ipsec [--asynchronous]`:
 * the daemon side (rekey.c).  ops.c resolves the name (conn or connalias)
 * and hands the conns here. */
#ifndef CYGNET_DAEMON_REKEY_H
#define CYGNET_DAEMON_REKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pluto;
struct dconn;
struct reply;

/* Rekey the newest established IKE SA (ike) or Child SA of each of the n
 * conns.  alias: the connalias the conns were found by, NULL for a conn
 * name.  async: return once the rekeys are started; otherwise the reply is
 * deferred until every rekey finished or failed (CTL_STATUS_DEFERRED).
 * Returns 0, a failure code (36: no such SA), or CTL_STATUS_DEFERRED. */
int pluto_rekey(struct pluto *p, struct dconn *const *conns, size_t n, const char *alias, bool ike,
		bool async, struct reply *rp);

/* ---- the waiting decision, pure (tests/unit/test_rekey_watch.c) ----------
 * A synchronous rekey of SA #old is followed by looking at the SAs every
 * REKEY_WATCH_MS; each look gives a view, rekey_step() moves the target on
 * and says whether it has its outcome:
 *   successor seen (first time)          *announce = true ("rekeyed" line)
 *   successor seen, #old gone            REKEY_DONE (the rekey deleted it)
 *   successor seen REKEY_OLD_WAIT_MS     REKEY_DONE (old one kept by the peer)
 *   no successor, #old gone              REKEY_FAIL_DELETED
 *   no successor, its IKE SA idle for    REKEY_FAIL_IDLE (the request was
 *     REKEY_IDLE_FAIL_MS                   refused or never sent)
 *   no successor by the deadline         REKEY_FAIL_TIMEOUT
 * An exchange in flight (RETRANSMIT timer) is "busy"; a rekey request the
 * engine queued behind another exchange keeps its IKE SA busy until sent. */
#define REKEY_WATCH_MS      50
#define REKEY_IDLE_FAIL_MS  2000
#define REKEY_OLD_WAIT_MS   10000
#define REKEY_GRACE_MS      5000     /* deadline: retransmit-timeout + this */

struct rekey_target {
	unsigned old;                  /* the SA being rekeyed */
	unsigned repl;                 /* its successor once seen, else 0 */
	uint64_t repl_seen_ms, idle_since_ms, deadline_ms;
	bool idle;                     /* idle_since_ms is set */
};

struct rekey_view {
	bool old_present;              /* #old still exists (any state) */
	bool parent_busy;              /* the IKE SA carrying #old has an exchange in flight */
	unsigned successor;            /* newest established SA of the kind, serial > old; 0 none */
};

enum rekey_outcome { REKEY_WAIT, REKEY_DONE, REKEY_FAIL_DELETED, REKEY_FAIL_IDLE, REKEY_FAIL_TIMEOUT };

enum rekey_outcome rekey_step(struct rekey_target *t, const struct rekey_view *v, uint64_t now_ms,
			      bool *announce);

#endif
