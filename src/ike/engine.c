/* The engine object: receive path (decode, SA lookup, message-ID checks,
 * decryption, payload rules, dispatch), timers, operations, status. */
#include "ike/sa.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/payload_rules.h"
#include "lib/log.h"

#define DROP_TEXT(n, s) [n] = s,
static const char *const drop_text[] = { IKE_DROP_LIST(DROP_TEXT) };

const char *ike_drop_name(enum ike_drop d) { return d < IKE_DROP_COUNT ? drop_text[d] : "?"; }

uint64_t ike_drop_count(const struct ike_engine *e, enum ike_drop d)
{
	return d < IKE_DROP_COUNT ? e->drops[d] : 0;
}

void ike_get_stats(const struct ike_engine *e, struct ike_stats *out) { *out = e->stats; }

uint64_t eng_now(const struct ike_engine *e) { return e->ops->now(e->ctx); }

uint64_t eng_rekey_at(uint64_t now, uint64_t life, uint64_t margin, unsigned fuzz_pct)
{
	uint64_t fuzz = fuzz_pct > 1000 ? margin * 10 : margin * fuzz_pct / 100, r = 0;

	if (margin >= life)
		return 0;
	if (fuzz >= life - margin)
		fuzz = life - margin - 1;
	if (fuzz && crypto_random(&r, sizeof(r)))
		r %= fuzz + 1;
	else
		r = 0;
	return now + life - margin - r;
}

void eng_drop(struct ike_engine *e, enum ike_drop d, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	if (d >= IKE_DROP_COUNT)
		d = DROP_OTHER;
	e->drops[d]++;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	log_info("dropping IKE message: %s: %s", drop_text[d], why);
}

static void sa_vline(struct ike_sa *sa, const char *name, unsigned serial, int code, const char *fmt, va_list ap)
	__attribute__((format(printf, 5, 0)));
static void sa_vline(struct ike_sa *sa, const char *name, unsigned serial, int code, const char *fmt, va_list ap)
{
	char text[512], line[600];

	vsnprintf(text, sizeof(text), fmt, ap);
	snprintf(line, sizeof(line), "\"%s\" #%u: %s", name, serial, text);
	log_info("%s", line);
	op_sink_line(&sa->op, code, line);
}

void sa_line_serial(struct ike_sa *sa, unsigned serial, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sa_vline(sa, sa->conn->name, serial, code, fmt, ap);
	va_end(ap);
}

void child_sa_line(struct child_sa *c, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sa_vline(c->ike, child_conn(c)->name, c->serial, code, fmt, ap);
	va_end(ap);
}

void sa_line(struct ike_sa *sa, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sa_vline(sa, sa->conn->name, sa->serial, code, fmt, ap);
	va_end(ap);
}


void sa_done(struct ike_sa *sa, int status, const char *reason)
{
	op_sink_done(&sa->op, status, reason);
}

struct ike_engine *ike_engine_new(const struct ike_ops *ops, void *ctx, const struct ike_engine_config *cfg)
{
	struct ike_engine *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->ops = ops;
	e->ctx = ctx;
	if (cfg)
		e->cfg = *cfg;
	if (!e->cfg.ddos_threshold)
		e->cfg.ddos_threshold = 25000;
	if (!e->cfg.max_ike_sas)
		e->cfg.max_ike_sas = IKE_MAX_SAS;
	if (!e->cfg.max_halfopen)
		e->cfg.max_halfopen = 50000;
	if (!e->cfg.frag_unauth_budget)
		e->cfg.frag_unauth_budget = IKE_FRAG_UNAUTH_BUDGET;
	if (!e->cfg.max_child_sas)
		e->cfg.max_child_sas = IKE_MAX_CHILD_SAS;
	if (!e->cfg.max_rekeys_in_flight)
		e->cfg.max_rekeys_in_flight = IKE_MAX_REKEYS_IN_FLIGHT;
	if (!e->cfg.max_halfopen_per_source)
		e->cfg.max_halfopen_per_source = IKE_MAX_HALFOPEN_PER_SOURCE;
	if (!cookie_secret_init(&e->cookie) || !resend_setup(e)) {
		free(e);
		return NULL;
	}
	e->last_deadline = UINT64_MAX;
	sa_index_init(e);
	halfopen_src_init(e);
	return e;
}

void ike_engine_free(struct ike_engine *e)
{
	if (!e)
		return;
	while (e->sas)
		ike_sa_free(e->sas);
	halfopen_src_free(e);
	sa_index_free(e);
	cookie_secret_wipe(&e->cookie);
	free(e);
}

/* ---- receive ---------------------------------------------------------- */

static bool rules_ok(struct ike_engine *e, const struct ike_msg *m)
{
	struct pr_result res;
	char buf[PR_STRLEN];

	if (payload_rules_check(m, &res) == PR_OK)
		return true;
	eng_drop(e, DROP_PAYLOAD_RULES, "%s", pr_fmt(&res, buf));
	return false;
}

static void recv_sa_init(struct ike_engine *e, struct ike_msg *m, const struct ike_endpoint *local,
			 const struct ike_endpoint *remote)
{
	struct ike_sa *sa;

	if (m->hdr.msgid != 0) {
		eng_drop(e, DROP_BAD_MSGID, "IKE_SA_INIT with message ID %u", m->hdr.msgid);
		return;
	}
	if (!ike_hdr_is_response(&m->hdr)) {
		if (m->hdr.spi_r != 0 || !ike_hdr_from_initiator(&m->hdr)) {
			eng_drop(e, DROP_MALFORMED_HEADER, "IKE_SA_INIT request with responder SPI or no I flag");
			return;
		}
		sa = ike_sa_find_init(e, m->hdr.spi_i, remote);
		if (sa) {
			resend_init_request(sa, m, remote);
			return;
		}
		if (rules_ok(e, m))
			sa_init_recv_request(e, m, local, remote);
		return;
	}
	sa = ike_sa_find_init_i(e, m->hdr.spi_i);
	if (!sa) {
		eng_drop(e, DROP_UNKNOWN_SPI, "IKE_SA_INIT response for no pending IKE SA");
		return;
	}
	if (ike_hdr_from_initiator(&m->hdr)) {
		eng_drop(e, DROP_MALFORMED_HEADER, "IKE_SA_INIT response with the I flag");
		return;
	}
	if (rules_ok(e, m))
		sa_init_recv_response(sa, m);
}

/* Message-ID checks (window 1): true = process; may replay a cached response. */
static bool msgid_accept(struct ike_sa *sa, struct ike_msg *m, const struct ike_endpoint *remote)
{
	struct ike_engine *e = sa->e;
	uint32_t id = m->hdr.msgid;

	if (ike_hdr_is_response(&m->hdr)) {
		if (!sa->out.active) {
			eng_drop(e, DROP_UNSOLICITED_RESPONSE, "#%u: response %u, none outstanding", sa->serial, id);
			return false;
		}
		if (id != sa->out.msgid || m->hdr.exch != sa->out.exch) {
			eng_drop(e, DROP_BAD_MSGID, "#%u: response %u, expecting %u", sa->serial, id, sa->out.msgid);
			return false;
		}
		return true;
	}
	if (sa->cache.valid && id == sa->cache.msgid) {
		resend_request(sa, m, remote);
		return false;
	}
	if (id != sa->peer_msgid) {
		eng_drop(e, DROP_BAD_MSGID, "#%u: request %u, expecting %u", sa->serial, id, sa->peer_msgid);
		return false;
	}
	return true;
}

/* Which exchanges each state accepts (requests from the peer / responses). */
static bool state_accepts(const struct ike_sa *sa, const struct ike_msg *m)
{
	bool resp = ike_hdr_is_response(&m->hdr);

	switch (sa->state) {
	case IKE_S_INIT_R:
		return !resp && m->hdr.exch == IKEV2_EXCH_IKE_AUTH;
	case IKE_S_AUTH_I:
		return resp && m->hdr.exch == IKEV2_EXCH_IKE_AUTH;
	case IKE_S_ESTABLISHED:
		return m->hdr.exch == IKEV2_EXCH_CREATE_CHILD_SA || m->hdr.exch == IKEV2_EXCH_INFORMATIONAL;
	case IKE_S_DELETING:   /* a CREATE_CHILD_SA request gets TEMPORARY_FAILURE */
		return m->hdr.exch == IKEV2_EXCH_INFORMATIONAL ||
		       (!resp && m->hdr.exch == IKEV2_EXCH_CREATE_CHILD_SA);
	default:
		return false;
	}
}

static void dispatch(struct ike_sa *sa, struct ike_msg *m)
{
	bool resp = ike_hdr_is_response(&m->hdr);

	switch (m->hdr.exch) {
	case IKEV2_EXCH_IKE_AUTH:
		resp ? auth_recv_response(sa, m) : auth_recv_request(sa, m);
		break;
	case IKEV2_EXCH_CREATE_CHILD_SA:
		resp ? child_recv_response(sa, m) : child_recv_request(sa, m);
		break;
	case IKEV2_EXCH_INFORMATIONAL:
		resp ? info_recv_response(sa, m) : info_recv_request(sa, m);
		break;
	default:
		eng_drop(sa->e, DROP_WRONG_STATE, "exchange %u", m->hdr.exch);
	}
}

/* An authenticated message from a new address/port: the NAT mapping
 * changed or the peer floated to 4500 (RFC 7296 §2.23).  Only with NAT;
 * after IKE_AUTH only to follow a peer behind a NAT: a peer that is not
 * behind one has no mapping to change, and following it anyway lets an
 * attacker on the path break the connection with a single packet (the
 * RFC's words, for a host behind a NAT) - a copy of the peer's message
 * sent from another port that arrives first would take IKE and ESP along.
 * Before IKE_AUTH the responder follows the initiator's float to 4500. */
static void follow_peer(struct ike_sa *sa, const struct ike_endpoint *local, const struct ike_endpoint *remote)
{
	struct ike_child_params p;

	if (addr_eq(&sa->remote.addr, &remote->addr) && sa->remote.port == remote->port &&
	    sa->local.port == local->port)
		return;
	if (!sa->nat_local && !sa->nat_remote)
		return;
	if (sa->state != IKE_S_INIT_R && !sa->nat_remote) {
		log_debug("\"%s\" #%u: not following the peer to port %u: it is not behind a NAT", sa->conn->name,
			  sa->serial, remote->port);
		return;
	}
	if (!addr_eq(&sa->remote.addr, &remote->addr)) {
		/* a new address is MOBIKE's (RFC 4555), which Cygnet does not do:
		 * its Child SAs could not follow (SAs live at their address) */
		char a[ADDR_STRLEN];

		log_info("\"%s\" #%u: not following the peer to address %s: only a new NAT port is followed",
			 sa->conn->name, sa->serial, addr_fmt(&remote->addr, a));
		return;
	}
	sa->remote = *remote;
	sa->local.port = local->port;
	log_info("\"%s\" #%u: peer moved to port %u", sa->conn->name, sa->serial, remote->port);
	if (!sa->e->ops->child_sa_endpoints_changed)
		return;
	for (struct child_sa *c = sa->children; c; c = c->next) {
		if (!c->installed)
			continue;
		child_params_fill(c, &p);
		sa->e->ops->child_sa_endpoints_changed(sa->e->ctx, &p);
	}
}

void ike_recv(struct ike_engine *e, const uint8_t *pkt, size_t len, const struct ike_endpoint *local,
	      const struct ike_endpoint *remote)
{
	struct ike_msg m;
	struct ike_sa *sa;
	enum wire_err we;
	uint8_t *plain = NULL;
	bool wait = false, ran = false;
	/* a message dropped or answered without state (a flood's) leaves
	 * every deadline as it was: no walk for the next one */
	unsigned serial0 = e->next_serial;
	uint64_t cookie0 = cookie_deadline(e);

	e->stats.rx++;
	e->batch++;
	we = ike_msg_decode(pkt, len, &m);
	if (we != WIRE_OK) {
		eng_drop(e, DROP_MALFORMED_HEADER, "%s", wire_err_text(we));
		goto out;
	}
	if (m.hdr.exch == IKEV2_EXCH_IKE_SA_INIT) {
		recv_sa_init(e, &m, local, remote);
		ran = ike_hdr_is_response(&m.hdr);
		goto out;
	}
	sa = ike_sa_find(e, m.hdr.spi_i, m.hdr.spi_r);
	if (!sa) {
		eng_drop(e, DROP_UNKNOWN_SPI, "%s for unknown SPIs",
			 ikev2_exch_name(m.hdr.exch) ? ikev2_exch_name(m.hdr.exch) : "exchange");
		goto out;
	}
	if (ike_hdr_from_initiator(&m.hdr) == sa->initiator) {
		eng_drop(e, DROP_MALFORMED_HEADER, "#%u: I flag does not match the sender's role", sa->serial);
		goto out;
	}
	if (sa->job_id) {
		eng_drop(e, DROP_CRYPTO_BUSY, "#%u: %s while a crypto job is out", sa->serial,
			 ikev2_exch_name(m.hdr.exch) ? ikev2_exch_name(m.hdr.exch) : "exchange");
		goto out;
	}
	if (!msgid_accept(sa, &m, remote))
		goto out;   /* dropped, or a retransmitted request answered from the cache */
	if (!state_accepts(sa, &m)) {
		eng_drop(e, DROP_WRONG_STATE, "#%u: %s %s in %s", sa->serial,
			 ikev2_exch_name(m.hdr.exch) ? ikev2_exch_name(m.hdr.exch) : "unknown exchange",
			 ike_hdr_is_response(&m.hdr) ? "response" : "request", ike_state_name(sa->state));
		goto out;
	}
	if (m.sk_index < 0) {
		eng_drop(e, DROP_PAYLOAD_RULES, "#%u: %s without SK payload", sa->serial,
			 ikev2_exch_name(m.hdr.exch));
		goto out;
	}
	plain = malloc(IKE_MSG_MAX);
	if (!plain || !keys_decrypt_msg(sa, &m, plain, IKE_MSG_MAX, &wait))
		goto out;
	if (wait)
		goto out;
	if (!ike_hdr_is_response(&m.hdr) && !m.sk_is_frag)
		resend_note_request(sa, m.raw, m.raw_len);
	if (!rules_ok(e, &m))
		goto out;
	sa->last_rx = eng_now(e);
	follow_peer(sa, local, remote);
	dispatch(sa, &m);
	ran = true;
out:
	if (plain) {
		secret_wipe(plain, IKE_MSG_MAX);
		free(plain);
	}
	e->batch--;
	if (ran || e->deadline_dirty || e->next_serial != serial0 || cookie_deadline(e) != cookie0)
		eng_deadline_changed(e);
}

/* ---- timers ----------------------------------------------------------- */

static uint64_t min_nz(uint64_t a, uint64_t b)
{
	if (!b)
		return a;
	return b < a ? b : a;
}

static uint64_t sa_deadline(const struct ike_sa *sa)
{
	uint64_t d = UINT64_MAX;

	sa->e->stats.deadline_evals++;
	d = min_nz(d, retransmit_deadline(sa));
	d = min_nz(d, sa->retry_at);
	if (sa->state == IKE_S_ESTABLISHED) {
		d = min_nz(d, sa->rekey_at);
		d = min_nz(d, sa->replace_at);
		d = min_nz(d, sa->dpd_at);
		d = min_nz(d, sa->keepalive_at);
		for (const struct child_sa *c = sa->children; c; c = c->next) {
			if (c->state != CHILD_S_ESTABLISHED)
				continue;
			d = min_nz(d, c->rekey_at);
			d = min_nz(d, c->expire_at);
			d = min_nz(d, c->out_at);
		}
	}
	if (sa->state == IKE_S_INIT_R)
		d = min_nz(d, sa->created + (sa->conn->retransmit_timeout_ms ? sa->conn->retransmit_timeout_ms : 60000));
	return d;
}

/* The walk the heap replaces, for the crosscheck (sa_table.c). */
static uint64_t deadline_walk(const struct ike_engine *e)
{
	uint64_t d = UINT64_MAX;

	for (const struct ike_sa *sa = e->sas; sa; sa = sa->next)
		if (sa->state != IKE_S_REKEY_LARVAL)
			d = min_nz(d, sa_deadline(sa));
	return min_nz(d, cookie_deadline(e));
}

/* Recomputes the deadlines of the SAs marked dirty since the last call. */
static void deadlines_update(struct ike_engine *e)
{
	while (e->dirty) {
		struct ike_sa *sa = e->dirty;

		e->dirty = sa->dirty_next;
		if (e->dirty)
			e->dirty->dirty_pprev = &e->dirty;
		sa->dirty = false;
		e->visits++;
		sa_heap_set(&e->timers, sa, sa->state == IKE_S_REKEY_LARVAL ? UINT64_MAX : sa_deadline(sa));
	}
}

uint64_t ike_next_deadline(const struct ike_engine *e)
{
	const struct ike_sa *top;

	deadlines_update((struct ike_engine *)e);
	top = sa_heap_top(&e->timers);
	return min_nz(top ? top->heap_key : UINT64_MAX, cookie_deadline(e));
}

void eng_deadline_changed(struct ike_engine *e)
{
	uint64_t d;

	if (e->batch) {
		e->deadline_dirty = true;
		return;
	}
	e->deadline_dirty = false;
	d = ike_next_deadline(e);
	e->stats.deadline_walks++;
	if (e->crosscheck && d != deadline_walk(e)) {
		log_error("IKE SA index crosscheck: next deadline %llu, the walk finds %llu",
			  (unsigned long long)d, (unsigned long long)deadline_walk(e));
		abort();
	}
	if (d != e->last_deadline) {
		e->last_deadline = d;
		if (e->ops->deadline_changed)
			e->ops->deadline_changed(e->ctx, d);
	}
}

static void child_timers(struct ike_sa *sa, uint64_t now)
{
	for (struct child_sa *c = sa->children; c; c = c->next) {
		if (c->state != CHILD_S_ESTABLISHED)
			continue;
		if (c->out_at && now >= c->out_at)
			child_outbound_now(c);
		if (c->expire_at && now >= c->expire_at) {
			c->expire_at = 0;
			c->rekey_at = 0;
			c->delete_pending = true;
		} else if (c->rekey_at && now >= c->rekey_at) {
			c->rekey_at = 0;
			c->rekey_pending = !c->rekeying;
		}
	}
}

static void sa_timers(struct ike_sa *sa, uint64_t now)
{
	if (!retransmit_tick(sa, now))
		return;   /* destroyed */
	if (sa->retry_at && now >= sa->retry_at) {
		sa->retry_at = 0;
		if (!sa_init_send_request(sa))
			ike_sa_fail(sa, IKE_RC_FAILED, "cannot restart IKE_SA_INIT");
		return;
	}
	if (sa->state == IKE_S_INIT_R && now >= sa->created + (sa->conn->retransmit_timeout_ms ? sa->conn->retransmit_timeout_ms : 60000)) {
		ike_sa_destroy(sa, "half-open IKE SA timed out");
		return;
	}
	if (sa->state != IKE_S_ESTABLISHED)
		return;
	if (sa->replace_at && now >= sa->replace_at) {
		sa->replace_at = 0;
		sa->rekey_at = 0;
		sa->pending |= PEND_DELETE_IKE;
	} else if (sa->rekey_at && now >= sa->rekey_at) {
		sa->rekey_at = 0;
		sa->pending |= PEND_REKEY_IKE;
	}
	if (sa->keepalive_at && now >= sa->keepalive_at) {
		sa->keepalive_at = now + sa->conn->nat_keepalive_ms;
		if (sa->e->ops->send_keepalive)
			sa->e->ops->send_keepalive(sa->e->ctx, &sa->local, &sa->remote);
	}
	if (sa->dpd_at && now >= sa->dpd_at) {
		sa->dpd_at = now + sa->conn->dpd_delay_ms;
		if (sa->last_rx + sa->conn->dpd_delay_ms <= now)
			sa->pending |= PEND_LIVENESS;
	}
	child_timers(sa, now);
	ike_sa_run_pending(sa);
}

/* The SAs due at now leave the heap (each is marked dirty, to be put back at
 * its next deadline) and get their timers run, by serial: a handler may free
 * any SA.  Linear in the SAs due. */
void ike_tick(struct ike_engine *e)
{
	unsigned stack[256], *serials = stack, n = 0, cap = 256;
	uint64_t now = eng_now(e);
	struct ike_sa *sa;

	cookie_timer(e, now);
	e->batch++;   /* one deadline report at the end */
	deadlines_update(e);
	while ((sa = sa_heap_top(&e->timers)) != NULL && sa->heap_key <= now) {
		if (n == cap) {
			unsigned *v = malloc(2 * cap * sizeof(*v));

			if (!v)
				break;   /* the rest stay due: the embedder's timer fires again at once */
			memcpy(v, serials, n * sizeof(*v));
			if (serials != stack)
				free(serials);
			serials = v;
			cap *= 2;
		}
		sa_heap_set(&e->timers, sa, UINT64_MAX);
		ike_sa_dirty(sa);
		serials[n++] = sa->serial;
		e->visits++;
	}
	for (unsigned i = 0; i < n; i++)
		if ((sa = ike_sa_by_serial(e, serials[i])) != NULL)
			sa_timers(sa, now);
	if (serials != stack)
		free(serials);
	e->batch--;
	e->last_deadline = 0;   /* always report after a tick: the embedder's timer fired */
	eng_deadline_changed(e);
}

/* ---- status ----------------------------------------------------------- */

void ike_foreach_sa(const struct ike_engine *e, ike_sa_visit_fn fn, void *arg)
{
	struct ike_sa_info i;

	for (const struct ike_sa *sa = e->sas; sa; sa = sa->next) {
		if (sa->state == IKE_S_REKEY_LARVAL)
			continue;
		ike_sa_info_fill(sa, &i);
		fn(arg, &i);
		for (const struct child_sa *c = sa->children; c; c = c->next) {
			child_sa_info_fill(c, &i);
			fn(arg, &i);
		}
	}
}

size_t ike_count_sas(const struct ike_engine *e, size_t *half_open, size_t *children)
{
	if (half_open)
		*half_open = e->n_halfopen;
	if (children)
		*children = e->n_children;
	return e->n_sas;
}

/* ---- small shared helpers --------------------------------------------- */

bool chain_notify(const struct ike_chain *c, uint16_t type, struct ike_notify *out)
{
	const struct pl_view *v = NULL;

	while ((v = ike_chain_find(c, IKEV2_PL_NOTIFY, v)) != NULL) {
		struct ike_notify n;

		if (ike_notify_decode(v->body, v->len, &n) == WIRE_OK && n.type == type) {
			if (out)
				*out = n;
			return true;
		}
	}
	return false;
}

int chain_notify_find(const struct ike_chain *c, uint16_t type, struct ike_notify *out)
{
	const struct pl_view *v = NULL;
	int r = 0;

	while ((v = ike_chain_find(c, IKEV2_PL_NOTIFY, v)) != NULL) {
		struct ike_notify n;

		if (v->len < 4 || get_be16(v->body + 2) != type)
			continue;
		if (ike_notify_decode(v->body, v->len, &n) != WIRE_OK) {
			r = -1;
			continue;
		}
		if (out)
			*out = n;
		return 1;
	}
	return r;
}

uint16_t chain_error_notify(const struct ike_chain *c)
{
	const struct pl_view *v = NULL;

	while ((v = ike_chain_find(c, IKEV2_PL_NOTIFY, v)) != NULL) {
		struct ike_notify n;

		if (ike_notify_decode(v->body, v->len, &n) == WIRE_OK && ike_notify_is_error(n.type))
			return n.type;
	}
	return 0;
}
