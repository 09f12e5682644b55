/* IKE SA and Child SA objects, the SA table, and the one state-change
 * function per kind that checks the move and logs `from -> to`. */
#include "ike/sa.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"


static void ops_end(struct op_sink *rekey, bool replaced, const char *conn, unsigned serial, const char *kind,
		    uint64_t aged);
static void child_ops_end(struct child_sa *c, uint64_t now);

#define STATE_NAME(n, s, t) [n] = s,
#define STATE_STORY(n, s, t) [n] = t,
static const char *const ike_names[] = { IKE_STATE_LIST(STATE_NAME) };
static const char *const ike_stories[] = { IKE_STATE_LIST(STATE_STORY) };
static const char *const child_names[] = { CHILD_STATE_LIST(STATE_NAME) };
static const char *const child_stories[] = { CHILD_STATE_LIST(STATE_STORY) };

const char *ike_state_name(enum ike_state s) { return s < IKE_S_COUNT ? ike_names[s] : "?"; }
const char *ike_state_story(enum ike_state s) { return s < IKE_S_COUNT ? ike_stories[s] : "?"; }
const char *child_state_name(enum child_state s) { return s < CHILD_S_COUNT ? child_names[s] : "?"; }

/* Allowed IKE SA moves: ike_moves[from] is a bit set of targets. */
#define B(s) (1u << (s))
static const unsigned ike_moves[IKE_S_COUNT] = {
	[IKE_S_NEW] = B(IKE_S_INIT_I) | B(IKE_S_DEAD),
	[IKE_S_INIT_I] = B(IKE_S_INIT_I) | B(IKE_S_AUTH_I) | B(IKE_S_DEAD),
	[IKE_S_INIT_R] = B(IKE_S_ESTABLISHED) | B(IKE_S_DEAD),
	[IKE_S_AUTH_I] = B(IKE_S_ESTABLISHED) | B(IKE_S_DEAD),
	[IKE_S_REKEY_LARVAL] = B(IKE_S_ESTABLISHED) | B(IKE_S_DEAD),
	[IKE_S_ESTABLISHED] = B(IKE_S_DELETING) | B(IKE_S_DEAD),
	[IKE_S_DELETING] = B(IKE_S_DEAD),
	[IKE_S_DEAD] = 0,
};

static const unsigned child_moves[CHILD_S_COUNT] = {
	[CHILD_S_LARVAL] = B(CHILD_S_ESTABLISHED) | B(CHILD_S_DEAD),
	[CHILD_S_ESTABLISHED] = B(CHILD_S_DELETING) | B(CHILD_S_DEAD),
	[CHILD_S_DELETING] = B(CHILD_S_DEAD),
	[CHILD_S_DEAD] = 0,
};

void pktset_clear(struct pktset *ps)
{
	for (unsigned i = 0; i < ps->n; i++)
		free(ps->p[i]);
	free(ps->p);
	free(ps->len);
	ps->p = NULL;
	ps->len = NULL;
	ps->n = ps->cap = 0;
}

static bool pktset_grow(struct pktset *ps)
{
	unsigned cap = ps->cap ? ps->cap * 2 : 1;
	uint8_t **p;
	size_t *len;

	if (cap > IKE_MAX_PKTS)
		cap = IKE_MAX_PKTS;
	if (!(p = realloc(ps->p, cap * sizeof(*p))))
		return false;
	ps->p = p;
	if (!(len = realloc(ps->len, cap * sizeof(*len))))
		return false;
	ps->len = len;
	ps->cap = cap;
	return true;
}

bool pktset_add(struct pktset *ps, const uint8_t *p, size_t len)
{
	uint8_t *q;

	if (ps->n >= IKE_MAX_PKTS || (ps->n == ps->cap && !pktset_grow(ps)) || !(q = malloc(len ? len : 1)))
		return false;
	memcpy(q, p, len);
	ps->p[ps->n] = q;
	ps->len[ps->n++] = len;
	return true;
}

/* Keeps e->n_sas, e->n_halfopen and e->n_children: d = +1 when sa enters
 * the list or a state, -1 when it leaves them. */
static void sa_tally(struct ike_sa *sa, int d)
{
	struct ike_engine *e = sa->e;

	if (sa->state == IKE_S_REKEY_LARVAL)
		return;
	if (d < 0 && sa->src_count)
		halfopen_src_leave(sa);   /* leaves IKE_SA_INIT, or goes */
	e->n_sas += (size_t)d;
	e->n_children += (size_t)d * sa->n_est_children;
	if (sa->state == IKE_S_NEW || sa->state == IKE_S_INIT_I || sa->state == IKE_S_INIT_R)
		e->n_halfopen += (size_t)d;
}

/* sa->conn's count of established IKE SAs: d = +1 / -1 around a change of
 * sa's state or conn. */
static void conn_tally(const struct ike_sa *sa, int d)
{
	if (sa->state == IKE_S_ESTABLISHED && sa->conn)
		sa->conn->n_established += (unsigned)d;
}

/* The same for an established Child SA (counted when its IKE SA is). */
static void child_tally(const struct child_sa *c, int d)
{
	struct ike_sa *sa = c->ike;

	if (!sa || c->state != CHILD_S_ESTABLISHED)
		return;
	sa->n_est_children += (unsigned)d;
	if (sa->state != IKE_S_REKEY_LARVAL)
		sa->e->n_children += (size_t)d;
	ike_sa_dirty(sa);
}

struct ike_sa *ike_sa_new(struct ike_engine *e, struct ike_conn *conn, bool initiator)
{
	struct ike_sa *sa = calloc(1, sizeof(*sa));

	if (!sa)
		return NULL;
	sa->e = e;
	sa->serial = ++e->next_serial;
	sa->created_seq = ++e->seq;
	sa->state = initiator ? IKE_S_NEW : IKE_S_INIT_R;
	sa->initiator = initiator;
	sa->conn = ike_conn_ref(conn);
	sa->remote_id = &id_none;
	sa->peer_addr = conn->remote.addr;
	sa->created = eng_now(e);
	sa_link(sa);
	sa_tally(sa, +1);
	return sa;
}

void ike_sa_make_larval(struct ike_sa *sa)
{
	sa_tally(sa, -1);
	sa->state = IKE_S_REKEY_LARVAL;
	ike_sa_dirty(sa);
}

void child_sa_free(struct child_sa *c)
{
	struct child_sa **pp;

	if (!c)
		return;
	if (c->ike) {
		child_tally(c, -1);
		child_sa_unindex(c);
		for (pp = &c->ike->children; *pp; pp = &(*pp)->next)
			if (*pp == c) {
				*pp = c->next;
				break;
			}
		if (c->ike->auth_child == c)
			c->ike->auth_child = NULL;
		if (c->ike->ccs.child == c)
			c->ike->ccs.child = NULL;
	}
	free(c->coll_n);
	child_set_ts(c, NULL, NULL);
	secret_free(c->k_in_e);
	secret_free(c->k_in_a);
	secret_free(c->k_out_e);
	secret_free(c->k_out_a);
	if (c->ike)
		child_ops_end(c, eng_now(c->ike->e));
	if (c->ike && c->conn)
		c->ike->e->n_foreign--;
	ike_conn_unref(c->conn);
	secret_wipe(c, sizeof(*c));
	free(c);
}

void child_outbound_now(struct child_sa *c)
{
	struct ike_engine *e = c->ike->e;
	struct ike_child_params p;

	if (!c->out_pending)
		return;
	c->out_pending = false;
	c->out_at = 0;
	if (c->installed && e->ops->child_sa_outbound) {
		child_params_fill(c, &p);
		e->ops->child_sa_outbound(e->ctx, &p);
	}
}

void child_sa_delete(struct child_sa *c)
{
	struct ike_engine *e = c->ike->e;

	/* the Child SA that rekeyed this one takes the traffic now */
	for (struct child_sa *n = c->ike->children; n; n = n->next)
		if (n != c && n->out_pending && n->replaces == c->serial)
			child_outbound_now(n);
	c->out_pending = false;   /* its own deferred outbound SA was never installed */
	if (c->installed && e->ops->child_sa_deleted) {
		struct ike_child_params p;

		child_params_fill(c, &p);
		e->ops->child_sa_deleted(e->ctx, &p);
	}
	if (c->state != CHILD_S_DEAD)
		child_sa_set_state(c, CHILD_S_DEAD);
	child_sa_free(c);
}

static void ccs_clear(struct ike_sa *sa)
{
	dh_free(sa->ccs.dh);
	if (sa->ccs.new_ike)
		ike_sa_free(sa->ccs.new_ike);
	secret_wipe(&sa->ccs, sizeof(sa->ccs));
}

static void reasm_free(struct frag_reasm **r)
{
	if (!*r)
		return;
	frag_reasm_free(*r);
	free(*r);
	*r = NULL;
}

static size_t id_size(const struct cy_id *id)
{
	return offsetof(struct cy_id, data) + (id->len < ID_MAXLEN ? id->len : ID_MAXLEN);
}

bool ike_sa_set_remote_id(struct ike_sa *sa, const struct cy_id *id)
{
	struct cy_id *n = NULL;

	if (id && id->kind != ID_NONE && (n = malloc(id_size(id))))
		memcpy(n, id, id_size(id));
	if (sa->remote_id != &id_none)
		free((void *)sa->remote_id);
	sa->remote_id = n ? n : &id_none;
	return n || !id || id->kind == ID_NONE;
}

void ike_sa_remote_id(const struct ike_sa *sa, struct cy_id *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out, sa->remote_id, id_size(sa->remote_id));
}

bool nonce_store(uint8_t **p, size_t *plen, const uint8_t *data, size_t len)
{
	free(*p);
	*plen = 0;
	if (!len || len > IKE_NONCE_MAX || !(*p = malloc(len)))
		return (*p = NULL), false;
	if (data)
		memcpy(*p, data, len);
	else if (!crypto_random(*p, len))
		return free(*p), (*p = NULL), false;
	*plen = len;
	return true;
}

/* What an established IKE SA no longer needs: its DH private value (a
 * rekey makes its own), the IKE_SA_INIT messages, a COOKIE and SK_pi/SK_pr (the AUTH
 * payloads are computed; a retransmitted IKE_AUTH request gets the cached
 * response).  About 1.9 KiB per SA, docs/PERFORMANCE.md. */
static void ike_sa_shed(struct ike_sa *sa)
{
	dh_free(sa->dh);
	sa->dh = NULL;
	free(sa->init_req);
	free(sa->init_resp);
	sa->init_req = sa->init_resp = NULL;
	sa->init_req_len = sa->init_resp_len = 0;
	secret_free(sa->keys.sk_pi);
	secret_free(sa->keys.sk_pr);
	sa->keys.sk_pi = sa->keys.sk_pr = NULL;
	free(sa->cookie);
	sa->cookie = NULL;
	sa->cookie_len = 0;
}

void ike_sa_free(struct ike_sa *sa)
{
	if (!sa)
		return;
	while (sa->children)
		child_sa_free(sa->children);
	if (sa->prev || sa->e->sas == sa) {
		sa_tally(sa, -1);
		sa_unlink(sa);
	}
	if (sa->coll_serial)
		sa->e->n_coll--;
	conn_tally(sa, -1);
	ccs_clear(sa);
	op_sink_done(&sa->op, IKE_RC_TERMINATED, "IKE SA freed");
	ops_end(&sa->rekey_op, sa->successor || sa->rekeyed, sa->conn->name, sa->serial, "IKE SA",
		eng_now(sa->e) - sa->created);
	ike_conn_unref(sa->conn);
	ike_keys_free(&sa->keys);
	dh_free(sa->dh);
	free(sa->init_req);
	free(sa->init_resp);
	free(sa->ni);
	free(sa->nr);
	free(sa->coll_n);
	free(sa->cookie);
	ike_sa_set_remote_id(sa, NULL);
	pktset_clear(&sa->out.pkts);
	pktset_clear(&sa->cache.pkts);
	reasm_free(&sa->reasm_req);
	reasm_free(&sa->reasm_resp);
	frag_budget_sync(sa);   /* none left: gives its bytes back */
	secret_wipe(sa, sizeof(*sa));
	free(sa);
}

void ike_sa_destroy(struct ike_sa *sa, const char *why)
{
	struct ike_engine *e = sa->e;
	bool was_established = sa->established_at != 0;

	log_info("\"%s\" #%u: deleting IKE SA (%s): %s", sa->conn->name, sa->serial,
		 ike_state_name(sa->state), why);
	while (sa->children)
		child_sa_delete(sa->children);
	if (sa->state != IKE_S_DEAD)
		ike_sa_set_state(sa, IKE_S_DEAD);
	if (was_established && e->ops->ike_sa_deleted) {
		struct ike_sa_info i;

		ike_sa_info_fill(sa, &i);
		e->ops->ike_sa_deleted(e->ctx, &i);
	}
	ike_sa_free(sa);
	eng_deadline_changed(e);
}

bool ike_sa_set_state(struct ike_sa *sa, enum ike_state to)
{
	enum ike_state from = sa->state;

	if (from >= IKE_S_COUNT || to >= IKE_S_COUNT || !(ike_moves[from] & B(to))) {
		log_error("\"%s\" #%u: refused IKE SA state change %s -> %s", sa->conn->name, sa->serial,
			  ike_state_name(from), ike_state_name(to));
		return false;
	}
	sa_tally(sa, -1);
	conn_tally(sa, -1);
	sa->state = to;
	sa_tally(sa, +1);
	conn_tally(sa, +1);
	ike_sa_dirty(sa);
	ike_sa_id_index(sa);
	frag_budget_sync(sa);   /* established: its fragments leave the budget */
	if (to == IKE_S_ESTABLISHED)
		ike_sa_shed(sa);
	log_debug("\"%s\" #%u: %s -> %s", sa->conn->name, sa->serial, ike_state_name(from), ike_state_name(to));
	return true;
}

static const struct ike_ts_payload ts_none;

static size_t ts_size(const struct ike_ts_payload *t)
{
	return offsetof(struct ike_ts_payload, ts) + t->n * sizeof(t->ts[0]);
}

bool child_set_ts(struct child_sa *c, const struct ike_ts_payload *l, const struct ike_ts_payload *r)
{
	uint8_t *b = NULL;
	size_t nl;

	if (l && r && l->n <= IKE_TS_MAX && r->n <= IKE_TS_MAX) {
		nl = ts_size(l);
		if ((b = malloc(nl + ts_size(r)))) {
			memcpy(b, l, nl);
			memcpy(b + nl, r, ts_size(r));
		}
	}
	if (c->ts_l != &ts_none)
		free((void *)c->ts_l);
	c->ts_l = b ? (const struct ike_ts_payload *)b : &ts_none;
	c->ts_r = b ? (const struct ike_ts_payload *)(b + nl) : &ts_none;
	return b || !l;
}

struct child_sa *child_sa_new(struct ike_sa *sa)
{
	struct child_sa *c = calloc(1, sizeof(*c)), **pp;

	if (!c)
		return NULL;
	c->ike = sa;
	c->ts_l = c->ts_r = &ts_none;
	c->serial = ++sa->e->next_serial;
	c->state = CHILD_S_LARVAL;
	c->created = eng_now(sa->e);
	child_sa_index(c);
	ike_sa_dirty(sa);
	for (pp = &sa->children; *pp; pp = &(*pp)->next)
		;
	*pp = c;
	return c;
}

void child_sa_move(struct child_sa *c, struct ike_sa *to)
{
	struct child_sa **pp;

	child_tally(c, -1);
	ike_sa_dirty(c->ike);
	for (pp = &c->ike->children; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	c->next = NULL;
	c->ike = to;
	child_tally(c, +1);
	ike_sa_dirty(to);
	for (pp = &to->children; *pp; pp = &(*pp)->next)
		;
	*pp = c;
}

void child_sa_set_conn(struct child_sa *c, struct ike_conn *conn)
{
	struct ike_conn *old = c->conn;

	c->conn = conn && conn != c->ike->conn ? ike_conn_ref(conn) : NULL;
	c->ike->e->n_foreign += (size_t)(c->conn != NULL) - (size_t)(old != NULL);
	ike_conn_unref(old);
}

void ike_sa_set_conn(struct ike_sa *sa, struct ike_conn *conn)
{
	struct ike_conn *old = sa->conn;

	/* children that belonged to the IKE SA's conn keep it */
	for (struct child_sa *c = sa->children; c; c = c->next)
		if (!c->conn && old != conn) {
			c->conn = ike_conn_ref(old);
			sa->e->n_foreign++;
		}
	conn_tally(sa, -1);
	sa->conn = ike_conn_ref(conn);
	conn_tally(sa, +1);
	ike_sa_conn_index(sa);
	sa->peer_addr = conn->remote.addr;
	for (struct child_sa *c = sa->children; c; c = c->next)
		if (c->conn == conn) {
			c->conn = NULL;
			sa->e->n_foreign--;
			ike_conn_unref(conn);
		}
	ike_conn_unref(old);
}

/* ---- operations waiting for an outcome ---- */

bool op_sink_start(struct op_sink *o, const struct ike_sink *sink, const char *busy)
{
	if (!sink)
		return true;
	if (o->active) {
		if (sink->done)
			sink->done(sink->arg, IKE_RC_FAILED, busy);
		return false;
	}
	o->s = *sink;
	o->active = true;
	return true;
}

void op_sink_line(struct op_sink *o, int code, const char *line)
{
	if (o->active && o->s.line)
		o->s.line(o->s.arg, code, line);
}

void op_sink_done(struct op_sink *o, int status, const char *reason)
{
	if (!o->active)
		return;
	o->active = false;
	if (o->s.done)
		o->s.done(o->s.arg, status, reason);
}

/* An SA with a rekey waiting on it ends: done, or failed without a
 * replacement. */
static void ops_end(struct op_sink *rekey, bool replaced, const char *conn, unsigned serial, const char *kind,
		    uint64_t aged)
{
	char line[IKE_CONN_NAMELEN + 96];

	if (!rekey->active)
		return;
	if (!replaced) {
		op_sink_done(rekey, IKE_RC_FAILED, "it was deleted before a replacement was established");
		return;
	}
	snprintf(line, sizeof(line), "\"%s\" #%u: replaced %s deleted, aged %llu.%03llus", conn, serial, kind,
		 (unsigned long long)(aged / 1000), (unsigned long long)(aged % 1000));
	op_sink_line(rekey, 2, line);
	op_sink_done(rekey, IKE_RC_OK, "rekeyed");
}

static void child_ops_end(struct child_sa *c, uint64_t now)
{
	ops_end(&c->rekey_op, c->successor != 0, child_conn(c)->name, c->serial, "Child SA", now - c->created);
	op_sink_done(&c->delete_op, IKE_RC_OK, "deleted");
}

void ike_sa_rekeyed(struct ike_sa *old, struct ike_sa *n)
{
	struct ike_engine *e = old->e;
	const struct alg_suite suite = { n->encr, n->keybits, n->integ, n->prf, n->dh_group };
	struct alg_text algs;
	char line[IKE_CONN_NAMELEN + 200];

	old->successor = n->serial;
	snprintf(line, sizeof(line), "\"%s\" #%u: %s rekeyed IKE SA #%u {%s}", n->conn->name, n->serial,
		 n->initiator ? "initiator" : "responder", old->serial, alg_ike_text(&suite, &algs));
	log_info("%s", line);
	op_sink_line(&old->rekey_op, 4, line);
	if (e->ops->ike_sa_rekeyed) {
		struct ike_sa_info i;

		ike_sa_info_fill(n, &i);
		e->ops->ike_sa_rekeyed(e->ctx, old->serial, &i);
	}
}

void child_sa_rekeyed(struct child_sa *c, const char *line)
{
	struct ike_engine *e = c->ike->e;
	struct child_sa *old = child_by_serial(e, c->replaces);

	if (old) {
		old->successor = c->serial;
		op_sink_line(&old->rekey_op, 4, line);
	}
	if (e->ops->child_sa_rekeyed) {
		struct ike_sa_info i;

		child_sa_info_fill(c, &i);
		e->ops->child_sa_rekeyed(e->ctx, c->replaces, &i);
	}
}

void child_sa_set_state(struct child_sa *c, enum child_state to)
{
	enum child_state from = c->state;

	if (from >= CHILD_S_COUNT || to >= CHILD_S_COUNT || !(child_moves[from] & B(to))) {
		log_error("\"%s\" #%u: refused Child SA state change %s -> %s", child_conn(c)->name,
			  c->serial, child_state_name(from), child_state_name(to));
		return;
	}
	child_tally(c, -1);
	c->state = to;
	child_tally(c, +1);
	ike_sa_dirty(c->ike);
	log_debug("\"%s\" #%u: %s -> %s", child_conn(c)->name, c->serial, child_state_name(from),
		  child_state_name(to));
}

struct child_sa *child_by_spi_in(struct ike_sa *sa, uint32_t spi)
{
	for (struct child_sa *c = sa->children; c; c = c->next)
		if (c->spi_in == spi && c->state != CHILD_S_LARVAL)
			return c;
	return NULL;
}

struct child_sa *child_by_spi_out(struct ike_sa *sa, uint32_t spi)
{
	for (struct child_sa *c = sa->children; c; c = c->next)
		if (c->spi_out == spi && c->state != CHILD_S_LARVAL)
			return c;
	return NULL;
}

void ike_sa_info_fill(const struct ike_sa *sa, struct ike_sa_info *i)
{
	memset(i, 0, sizeof(*i));
	i->kind = IKE_KIND_IKE;
	i->serial = i->ike_serial = sa->serial;
	i->conn = sa->conn;
	i->conn_name = sa->conn->name;
	i->state_name = ike_state_name(sa->state);
	i->state_story = ike_state_story(sa->state);
	i->initiator = sa->initiator;
	i->established = sa->state == IKE_S_ESTABLISHED;
	i->spi_i = sa->spi_i;
	i->spi_r = sa->spi_r;
	i->encr = sa->encr;
	i->encr_keybits = sa->keybits;
	i->integ = sa->integ;
	i->prf = sa->prf;
	i->dh = sa->dh_group;
	i->local = sa->local;
	i->remote = sa->remote;
	ike_sa_remote_id(sa, &i->remote_id);
	i->created_ms = sa->created;
	i->rekey_at_ms = sa->rekey_at;
	i->replace_at_ms = sa->replace_at;
	i->retransmit_at_ms = sa->out.active ? sa->out.next_at : 0;
	i->nat = sa->nat_local || sa->nat_remote;
}

void child_sa_info_fill(const struct child_sa *c, struct ike_sa_info *i)
{
	ike_sa_info_fill(c->ike, i);
	i->kind = IKE_KIND_CHILD;
	i->serial = c->serial;
	i->conn = child_conn(c);
	i->conn_name = child_conn(c)->name;
	i->state_name = child_state_name(c->state);
	i->state_story = child_stories[c->state < CHILD_S_COUNT ? c->state : 0];
	i->established = c->state == CHILD_S_ESTABLISHED;
	i->spi_in = c->spi_in;
	i->spi_out = c->spi_out;
	i->encr = c->encr;
	i->encr_keybits = c->keybits;
	i->integ = c->integ;
	i->prf = 0;
	i->dh = c->dh;
	i->esn = c->esn;
	i->transport = c->transport;
	i->created_ms = c->created;
	i->rekey_at_ms = c->rekey_at;
	i->replace_at_ms = c->expire_at;
	i->retransmit_at_ms = 0;
}

void child_apply_chosen(struct child_sa *c, const struct chosen *cs)
{
	c->spi_out = cs->spi;
	c->encr = cs->encr;
	c->keybits = cs->keybits;
	c->integ = cs->integ;
	c->dh = cs->dh;
	c->esn = cs->esn;
}
