/* whack --rekey-ike / --rekey-ipsec: start a rekey of each addressed conn's
 * newest established SA (ike_glue_rekey) and, unless --asynchronous, keep
 * the whack client's reply open until each rekey has an outcome.
 *
 * The engine has no per-rekey completion callback, so while a whack waits a
 * watcher looks at the SAs (ike_glue_foreach_sa) every REKEY_WATCH_MS and
 * rekey_step() (pure, see rekey.h) decides.  Reply lines, for old SA #O and
 * its successor #N:
 *
 *   002 "c": initiating rekey to replace IKE SA #O          (at once)
 *   004 "c" #N: initiator rekeyed IKE SA #O {cipher=... integ=... prf=... group=...}
 *   004 "c" #N: rekeyed Child SA #O using #P {ESP=>0xOUT <0xIN xfrm=ENCR-INTEG[-DH]}
 *   002 "c" #O: replaced IKE SA deleted, aged S.mmms             -> success
 *   036 "c" #O: rekey of Child SA failed: WHY                     -> rc 36
 *   031 "c" #O: rekey of Child SA failed: no outcome within Ns    -> rc 31
 *
 * Only the waiting client is held (its later requests wait, as for a
 * synchronous --up); the control socket keeps serving everyone else. */
#include "daemon/rekey.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "alg/alg.h"
#include "config/conn.h"
#include "daemon/conndb.h"
#include "daemon/ike_glue.h"
#include "daemon/pluto.h"
#include "ike/ike.h"
#include "lib/log.h"

#define DEFAULT_RTO_MS  60000   /* retransmit-timeout's default */

/* ---- the decision ------------------------------------------------------- */

enum rekey_outcome rekey_step(struct rekey_target *t, const struct rekey_view *v, uint64_t now,
			      bool *announce)
{
	*announce = false;
	if (v->successor && !t->repl) {
		t->repl = v->successor;
		t->repl_seen_ms = now;
		*announce = true;
	}
	if (t->repl) {
		if (!v->old_present || now - t->repl_seen_ms >= REKEY_OLD_WAIT_MS)
			return REKEY_DONE;
		return REKEY_WAIT;
	}
	if (!v->old_present)
		return REKEY_FAIL_DELETED;
	if (v->parent_busy) {
		t->idle = false;
	} else if (!t->idle) {
		t->idle = true;
		t->idle_since_ms = now;
	} else if (now - t->idle_since_ms >= REKEY_IDLE_FAIL_MS) {
		return REKEY_FAIL_IDLE;
	}
	return now >= t->deadline_ms ? REKEY_FAIL_TIMEOUT : REKEY_WAIT;
}

/* ---- looking at the SAs -------------------------------------------------- */

struct target {
	struct rekey_target rt;
	char conn[IKE_CONN_NAMELEN];   /* as the engine stores it */
	uint64_t old_created_ms;
	unsigned timeout_s;
	bool done;
};

/* One walk over the SAs for one target. */
struct look {
	const char *conn;
	unsigned old;
	bool ike;
	bool cur_ike_busy;             /* the IKE SA last visited (its children follow it) */
	struct rekey_view v;
	uint64_t old_created_ms;
	struct ike_sa_info repl;       /* numeric fields only are used */
};

static void look_cb(void *arg, const struct ike_sa_info *sa)
{
	struct look *l = arg;

	if (sa->kind == IKE_KIND_IKE)
		l->cur_ike_busy = sa->retransmit_at_ms != 0;   /* an exchange in flight */
	if ((sa->kind == IKE_KIND_IKE) != l->ike || strcmp(sa->conn_name, l->conn) != 0)
		return;
	if (sa->serial == l->old) {
		l->v.old_present = true;
		l->v.parent_busy = l->cur_ike_busy;
		l->old_created_ms = sa->created_ms;
	} else if (sa->established && sa->serial > l->old && sa->serial > l->v.successor) {
		l->v.successor = sa->serial;
		l->repl = *sa;
	}
}

static void look(struct pluto *p, const char *conn, unsigned old, bool ike, struct look *l)
{
	memset(l, 0, sizeof(*l));
	l->conn = conn;
	l->old = old;
	l->ike = ike;
	ike_glue_foreach_sa(p, look_cb, l);
}

/* ---- the watcher --------------------------------------------------------- */

struct rekey_watch {
	struct pluto *p;
	struct ctl_deferred *d;
	struct event *ev;
	bool ike;
	int status;
	size_t n;
	struct rekey_watch *next;
	struct target t[];
};

/* Watches in progress; kept reachable so a daemon shut down meanwhile
 * leaves nothing dangling behind (its event loop is gone). */
static struct rekey_watch *watches;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static const char *sa_kind(bool ike) { return ike ? "IKE SA" : "Child SA"; }

static void out(struct rekey_watch *w, uint16_t code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void out(struct rekey_watch *w, uint16_t code, const char *fmt, ...)
{
	char text[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	ctl_deferred_line(w->d, code, text);
}

static void rekeyed_line(struct rekey_watch *w, const struct target *t, const struct ike_sa_info *n)
{
	const struct alg_suite suite = { n->encr, n->encr_keybits, n->integ, n->prf, n->dh };
	struct alg_text algs;

	if (w->ike)
		out(w, 4, "\"%s\" #%u: %s rekeyed IKE SA #%u {%s}", t->conn, n->serial,
		    n->initiator ? "initiator" : "responder", t->rt.old, alg_ike_text(&suite, &algs));
	else
		out(w, 4, "\"%s\" #%u: rekeyed Child SA #%u using #%u {ESP%s%s=>0x%08x <0x%08x xfrm=%s}",
		    t->conn, n->serial, t->rt.old, n->ike_serial, n->nat ? "inUDP" : "", n->esn ? "/ESN" : "",
		    n->spi_out, n->spi_in, alg_child_text(&suite, &algs));
}

static void fail(struct rekey_watch *w, struct target *t, uint16_t code, const char *why)
{
	out(w, code, "\"%s\" #%u: rekey of %s failed: %s", t->conn, t->rt.old, sa_kind(w->ike), why);
	log_info("\"%s\" #%u: whack rekey of %s failed: %s", t->conn, t->rt.old, sa_kind(w->ike), why);
	w->status = code;
}

/* One look at a target; sets t->done when it has its outcome. */
static void watch_target(struct rekey_watch *w, struct target *t, uint64_t now)
{
	struct look l;
	enum rekey_outcome o;
	bool announce;
	char why[80];

	look(w->p, t->conn, t->rt.old, w->ike, &l);
	if (l.v.old_present)
		t->old_created_ms = l.old_created_ms;
	o = rekey_step(&t->rt, &l.v, now, &announce);
	if (announce)
		rekeyed_line(w, t, &l.repl);
	t->done = o != REKEY_WAIT;
	switch (o) {
	case REKEY_WAIT:
		break;
	case REKEY_DONE:
		if (!l.v.old_present) {
			uint64_t age = now > t->old_created_ms ? now - t->old_created_ms : 0;

			out(w, 2, "\"%s\" #%u: replaced %s deleted, aged %llu.%03llus", t->conn, t->rt.old,
			    sa_kind(w->ike), (unsigned long long)(age / 1000), (unsigned long long)(age % 1000));
		}
		break;
	case REKEY_FAIL_DELETED:
		fail(w, t, 36, "it was deleted before a replacement was established");
		break;
	case REKEY_FAIL_IDLE:
		fail(w, t, 36, "no exchange in progress and no replacement (refused by the peer? see the log)");
		break;
	case REKEY_FAIL_TIMEOUT:
		snprintf(why, sizeof(why), "no outcome within %us", t->timeout_s);
		fail(w, t, 31, why);
		break;
	}
}

static void watch_free(struct rekey_watch *w)
{
	for (struct rekey_watch **pp = &watches; *pp; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	if (w->ev)
		event_free(w->ev);
	free(w);
}

static void tick(evutil_socket_t fd, short what, void *arg)
{
	struct rekey_watch *w = arg;
	uint64_t now = now_ms();
	size_t left = 0;

	(void)fd;
	(void)what;
	for (size_t i = 0; i < w->n; i++) {
		if (!w->t[i].done)
			watch_target(w, &w->t[i], now);
		left += !w->t[i].done;
	}
	if (left)
		return;
	ctl_deferred_done(w->d, w->status);
	watch_free(w);
}

static bool watch_start(struct rekey_watch *w, struct reply *rp)
{
	struct timeval tv = { 0, REKEY_WATCH_MS * 1000 };

	w->ev = event_new(w->p->base, -1, EV_PERSIST, tick, w);
	if (!w->ev || event_add(w->ev, &tv) < 0)
		return false;
	w->d = ctl_defer(rp);
	if (!w->d)
		return false;
	w->next = watches;
	watches = w;
	return true;
}

/* ---- the request ---------------------------------------------------------- */

int pluto_rekey(struct pluto *p, struct dconn *const *conns, size_t n, const char *alias, bool ike,
		bool async, struct reply *rp)
{
	struct rekey_watch *w = NULL;
	size_t started = 0;
	int rc = 0;

	if (!async && !(w = calloc(1, sizeof(*w) + n * sizeof(w->t[0])))) {
		rp_line(rp, 36, "out of memory");
		return 36;
	}
	for (size_t i = 0; i < n; i++) {
		struct dconn *dc = conns[i];
		struct target t;
		struct look l;
		unsigned newest_ike = 0, newest_child = 0;
		uint64_t rto = dc->conn->retransmit_timeout_ms ? dc->conn->retransmit_timeout_ms : DEFAULT_RTO_MS;
		int r;

		/* the SA ike_glue_rekey() takes, and its age */
		memset(&t, 0, sizeof(t));
		ike_glue_newest(p, dc->name, &newest_ike, &newest_child);
		snprintf(t.conn, sizeof(t.conn), "%s", dc->name);
		t.rt.old = ike ? newest_ike : newest_child;
		look(p, t.conn, t.rt.old, ike, &l);
		t.old_created_ms = l.old_created_ms;
		t.rt.deadline_ms = now_ms() + rto + REKEY_GRACE_MS;
		t.timeout_s = (unsigned)((rto + REKEY_GRACE_MS) / 1000);
		r = ike_glue_rekey(p, dc, ike, rp);
		if (r) {
			rc = r;
			continue;
		}
		started++;
		if (!w)
			continue;
		rp_line(rp, 2, "\"%s\": initiating rekey to replace %s #%u", dc->name, sa_kind(ike), t.rt.old);
		w->t[w->n++] = t;
	}
	if (alias && started)
		rp_line(rp, 0, "rekeyed %zu connection%s from aliased connection \"%s\"", started,
			started == 1 ? "" : "s", alias);
	if (!w)
		return rc;
	w->p = p;
	w->ike = ike;
	w->status = rc;
	if (w->n == 0 || !watch_start(w, rp)) {
		if (w->n)
			rp_line(rp, 0, "cannot wait for the rekey; it goes on in the background");
		if (w->ev)
			event_free(w->ev);
		free(w);
		return rc;
	}
	return CTL_STATUS_DEFERRED;
}
