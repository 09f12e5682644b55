/* The engine's operations (ike.h): conn handles, initiate, terminate,
 * rekeys, deletes, and the queue of work that waits for the request
 * window (ike_sa_run_pending).  Each operation's sink gets exactly one
 * done(): at once when it cannot start, else when the outcome is known
 * (sa.c ends waiting operations when their SA goes). */
#include "ike/sa.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"

/* ---- conn handles -------------------------------------------------------- */

void ike_conn_defaults(struct ike_conn *c)
{
	memset(c, 0, sizeof(*c));
	c->refs = 1;
	c->local.ike_port = c->remote.ike_port = 500;
	c->local.id = c->remote.id = &id_none;
	c->ike = proposals_default_shared(PROP_IKE);
	c->esp = proposals_default_shared(PROP_ESP);
	c->pfs = true;
	c->esn = IKE_ESN_EITHER;
	c->ike_lifetime_ms = c->ipsec_lifetime_ms = 8 * 3600 * 1000ull;
	c->rekey_margin_ms = 540 * 1000;
	c->rekey_fuzz_pct = 100;
	c->rekey = true;
	c->retransmit_interval_ms = 500;
	c->retransmit_timeout_ms = 60000;
	c->fragmentation = true;
	c->nat_keepalive_ms = 20000;
	c->initial_contact = true;
	c->replay_window = 128;
	c->uniqueids = true;
}

static void conn_free(struct ike_conn *c) { free(c); }

struct ike_conn *ike_conn_new(void)
{
	struct ike_conn *c = malloc(sizeof(*c));

	if (!c)
		return NULL;
	ike_conn_defaults(c);
	c->release = conn_free;
	return c;
}

struct ike_conn *ike_conn_ref(struct ike_conn *c)
{
	if (c)
		c->refs++;
	return c;
}

void ike_conn_unref(struct ike_conn *c)
{
	if (c && --c->refs == 0 && c->release)
		c->release(c);
}

void ike_conn_gone(struct ike_conn *c)
{
	c->gone = true;
	c->user = NULL;
}

/* ---- operations -------------------------------------------------------- */

static struct ike_sa *established_for(struct ike_engine *e, const struct ike_conn *conn)
{
	struct ike_sa *best = NULL;

	if (!conn->n_established && !e->crosscheck)
		return NULL;   /* the usual --up */
	for (struct ike_sa *sa = ike_sa_conn_first(e, conn); sa; sa = ike_sa_conn_next(e, sa))
		if (sa->state == IKE_S_ESTABLISHED && (!best || sa->serial > best->serial))
			best = sa;
	if (e->crosscheck && (best != NULL) != (conn->n_established != 0)) {
		log_error("IKE SA index crosscheck: \"%s\" counts %u established IKE SAs, the walk %s", conn->name,
			  conn->n_established, best ? "finds one" : "none");
		abort();
	}
	return best;
}

static void sink_fail(const struct ike_sink *sink, int status, const char *reason)
{
	if (sink && sink->done)
		sink->done(sink->arg, status, reason);
}

unsigned ike_initiate(struct ike_engine *e, struct ike_conn *conn, const struct ip_addr *remote,
		      const struct ike_sink *sink)
{
	struct ike_sa *sa = established_for(e, conn);
	unsigned serial = 0;

	if (sa) {
		/* Libreswan: another --up over an existing IKE SA adds a Child SA */
		if (sink) {
			sa_done(sa, IKE_RC_TERMINATED, "superseded by a newer request");
			op_sink_start(&sa->op, sink, NULL);
		}
		sa->pending |= PEND_NEW_CHILD;
		ike_sa_run_pending(sa);
		serial = sa->serial;
	} else {
		sa = sa_init_start(e, conn, remote, sink);   /* on failure it called done() */
		serial = sa ? sa->serial : 0;
	}
	eng_deadline_changed(e);
	return serial;
}

static void state_line(const struct ike_sink *sink, const char *conn, unsigned serial, const char *state,
		       uint64_t aged, bool notify)
{
	char line[300];

	if (!sink || !sink->line)
		return;
	snprintf(line, sizeof(line), "\"%s\" #%u: deleting state (%s) aged %llu.%06llus and %s notification", conn,
		 serial, state, (unsigned long long)(aged / 1000), (unsigned long long)(aged % 1000) * 1000,
		 notify ? "sending" : "NOT sending");
	sink->line(sink->arg, 2, line);
}

static bool child_mark_pending(struct ike_engine *e, unsigned serial, bool delete, const struct ike_sink *sink);

/* What ike_terminate() acts on: conn's IKE SAs (c NULL), and conn's
 * established Child SAs on IKE SAs of other conns. */
static bool terminate_target(const struct ike_sa *sa, const struct child_sa *c, const struct ike_conn *conn)
{
	if (!c)
		return sa->conn == conn && sa->state != IKE_S_REKEY_LARVAL;
	return sa->conn != conn && c->conn == conn && c->state == CHILD_S_ESTABLISHED;
}

/* The walk of every SA: conn's Child SAs on other conns' IKE SAs (only
 * when some Child SA has a conn of its own), and the crosscheck. */
static size_t collect_walk(const struct ike_engine *e, const struct ike_conn *conn, bool children, unsigned *v)
{
	size_t k = 0;

	for (const struct ike_sa *sa = e->sas; sa; sa = sa->next) {
		if (!children && terminate_target(sa, NULL, conn)) {
			if (v)
				v[k] = sa->serial;
			k++;
		}
		for (const struct child_sa *c = children ? sa->children : NULL; c; c = c->next)
			if (terminate_target(sa, c, conn)) {
				if (v)
					v[k] = c->serial;
				k++;
			}
	}
	return k;
}

/* Fills v (when not NULL, in serial order) and returns the count: the IKE
 * SAs from the index by conn, no walk. */
static size_t terminate_collect(struct ike_engine *e, const struct ike_conn *conn, bool children, unsigned *v)
{
	size_t k = 0;

	if (children)
		return e->n_foreign ? collect_walk(e, conn, true, v) : 0;
	for (struct ike_sa *sa = ike_sa_conn_first(e, conn); sa; sa = ike_sa_conn_next(e, sa))
		if (terminate_target(sa, NULL, conn)) {
			if (v)
				v[k] = sa->serial;
			k++;
		}
	if (v)
		serials_sort(v, k);
	if (e->crosscheck && k != collect_walk(e, conn, false, NULL)) {
		log_error("IKE SA index crosscheck: \"%s\": %zu IKE SAs by conn, the walk %zu", conn->name, k,
			  collect_walk(e, conn, false, NULL));
		abort();
	}
	return k;
}

/* The serials of those IKE SAs (children false) or Child SAs, collected
 * before acting (acting may free any SA), all of them: an unauthenticated
 * peer can hold any number of half-open IKE SAs of a responder's conn.  A
 * heap array of *n; NULL when none or out of memory (logged). */
static unsigned *terminate_targets(struct ike_engine *e, const struct ike_conn *conn, bool children, size_t *n)
{
	size_t k = terminate_collect(e, conn, children, NULL);
	unsigned *v = k ? malloc(k * sizeof(*v)) : NULL;

	if (k && !v)
		log_error("\"%s\": cannot terminate %zu SAs: out of memory", conn->name, k);
	*n = v ? terminate_collect(e, conn, children, v) : 0;
	return v;
}

/* Child SAs of conn on IKE SAs of other conns (find_conn_for_child):
 * each is deleted alone; the IKE SA stays for its own conn. */
static void terminate_foreign_children(struct ike_engine *e, const struct ike_conn *conn,
				       const struct ike_sink *sink)
{
	size_t k;
	unsigned *serials = terminate_targets(e, conn, true, &k);
	uint64_t now = eng_now(e);

	for (size_t i = 0; i < k; i++) {
		struct child_sa *c = child_by_serial(e, serials[i]);

		if (!c)
			continue;
		state_line(sink, conn->name, c->serial, child_state_name(c->state), now - c->created, true);
		if (!child_mark_pending(e, c->serial, true, NULL))
			child_sa_delete(c);   /* its IKE SA is not established: nothing to tell */
	}
	free(serials);
}

unsigned ike_terminate(struct ike_engine *e, const struct ike_conn *conn, const struct ike_sink *sink)
{
	unsigned n = 0, *serials;
	size_t k;

	terminate_foreign_children(e, conn, sink);
	serials = terminate_targets(e, conn, false, &k);
	for (size_t i = 0; i < k; i++) {
		struct ike_sa *sa = ike_sa_by_serial(e, serials[i]);

		if (!sa)
			continue;
		n++;
		state_line(sink, sa->conn->name, sa->serial, ike_state_name(sa->state), eng_now(e) - sa->created,
			   sa->state == IKE_S_ESTABLISHED);
		sa_done(sa, IKE_RC_TERMINATED, "terminated");
		if (sa->state == IKE_S_ESTABLISHED) {
			sa->pending = PEND_DELETE_IKE;
			sa->retry_at = 0;
			if (sa->out.active) {
				/* abandon the exchange in flight; the delete goes now */
				pktset_clear(&sa->out.pkts);
				sa->out.active = false;
			}
			ike_sa_run_pending(sa);
		} else if (sa->state != IKE_S_DELETING) {
			ike_sa_destroy(sa, "terminated");
		}
	}
	free(serials);
	eng_deadline_changed(e);
	if (sink && sink->done)
		sink->done(sink->arg, IKE_RC_OK, "terminated");
	return n;
}

bool ike_rekey_ike(struct ike_engine *e, unsigned serial, const struct ike_sink *sink)
{
	struct ike_sa *sa = ike_sa_by_serial(e, serial);

	if (!sa || sa->state != IKE_S_ESTABLISHED || sa->rekeyed) {
		sink_fail(sink, IKE_RC_FAILED, "the IKE SA is not established");
		return false;
	}
	if (!op_sink_start(&sa->rekey_op, sink, "a rekey of the IKE SA is already waiting for its outcome"))
		return false;
	sa->pending |= PEND_REKEY_IKE;
	ike_sa_run_pending(sa);
	eng_deadline_changed(e);
	return true;
}

/* Mark an established Child SA of an established IKE SA for a rekey or a
 * delete, and run it when the request window allows. */
static bool child_mark_pending(struct ike_engine *e, unsigned serial, bool delete, const struct ike_sink *sink)
{
	struct child_sa *c = child_by_serial(e, serial);

	if (!c || c->state != CHILD_S_ESTABLISHED || c->ike->state != IKE_S_ESTABLISHED) {
		sink_fail(sink, IKE_RC_FAILED, "the Child SA or its IKE SA is not established");
		return false;
	}
	if (!op_sink_start(delete ? &c->delete_op : &c->rekey_op, sink,
			   delete ? "a delete of the Child SA is already waiting" :
				    "a rekey of the Child SA is already waiting for its outcome"))
		return false;
	if (delete)
		c->delete_pending = true;
	else
		c->rekey_pending = true;
	ike_sa_run_pending(c->ike);
	eng_deadline_changed(e);
	return true;
}

bool ike_rekey_child(struct ike_engine *e, unsigned serial, const struct ike_sink *sink)
{
	return child_mark_pending(e, serial, false, sink);
}

bool ike_delete_child(struct ike_engine *e, unsigned serial, const struct ike_sink *sink)
{
	return child_mark_pending(e, serial, true, sink);
}

bool ike_create_child(struct ike_engine *e, unsigned serial)
{
	struct ike_sa *sa = ike_sa_by_serial(e, serial);

	if (!sa || sa->state != IKE_S_ESTABLISHED)
		return false;
	sa->pending |= PEND_NEW_CHILD;
	ike_sa_run_pending(sa);
	eng_deadline_changed(e);
	return true;
}

void ike_test_refuse_ccs(struct ike_engine *e, unsigned n, uint16_t notify)
{
	e->refuse_ccs = n;
	e->refuse_ccs_notify = notify;
}

bool ike_liveness(struct ike_engine *e, unsigned serial)
{
	struct ike_sa *sa = ike_sa_by_serial(e, serial);

	if (!sa || sa->state != IKE_S_ESTABLISHED)
		return false;
	sa->pending |= PEND_LIVENESS;
	ike_sa_run_pending(sa);
	eng_deadline_changed(e);
	return true;
}

void ike_sa_run_pending(struct ike_sa *sa)
{
	if (!msg_window_open(sa) || sa->state != IKE_S_ESTABLISHED)
		return;
	if (sa->pending & PEND_DELETE_IKE) {
		sa->pending = 0;
		info_send_delete_ike(sa);
		return;
	}
	if (sa->pending & PEND_REKEY_IKE) {
		sa->pending &= ~(unsigned)PEND_REKEY_IKE;
		if (child_send_rekey_ike(sa))
			return;
		op_sink_done(&sa->rekey_op, IKE_RC_FAILED, "cannot start the IKE SA rekey");
	}
	for (struct child_sa *c = sa->children; c; c = c->next) {
		if (c->state != CHILD_S_ESTABLISHED)
			continue;
		if (c->delete_pending) {
			c->delete_pending = c->rekey_pending = false;
			if (info_send_delete_child(sa, c))
				return;
		}
		if (c->rekey_pending && !c->rekeying) {
			c->rekey_pending = false;
			if (child_send_rekey(sa, c))
				return;
			op_sink_done(&c->rekey_op, IKE_RC_FAILED, "cannot start the Child SA rekey");
		}
	}
	if (sa->pending & PEND_NEW_CHILD) {
		sa->pending &= ~(unsigned)PEND_NEW_CHILD;
		if (child_send_new(sa))
			return;
		sa_done(sa, IKE_RC_FAILED, "cannot start CREATE_CHILD_SA");
	}
	if (sa->pending & PEND_LIVENESS) {
		sa->pending &= ~(unsigned)PEND_LIVENESS;
		info_send_liveness(sa);
	}
}
