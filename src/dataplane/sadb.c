#include "dataplane/sadb.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- SAs --------------------------------------------------------------- */

void sadb_init(struct sadb *db)
{
	memset(db, 0, sizeof(*db));
	sel_table_init(&db->out_sel);
	sel_table_init(&db->in_sel);
	sadb_index_init(db);
}

static void sa_free(struct sa_entry *sa)
{
	espc_free(sa->c);
	replay_fini(&sa->rp);
	free(sa);
}

void sadb_free(struct sadb *db)
{
	for (struct sa_entry *sa = db->all, *n; sa; sa = n) {
		n = sa->next;
		sa_free(sa);
	}
	for (struct pol_entry *p = db->pols, *n; p; p = n) {
		n = p->next;
		free(p);
	}
	sel_table_free(&db->out_sel);
	sel_table_free(&db->in_sel);
	sadb_index_free(db);
	memset(db, 0, sizeof(*db));
}

struct sa_entry *sadb_find_in(const struct sadb *db, uint32_t spi)
{
	if (!db->spi_hash)
		return NULL;
	for (struct sa_entry *sa = db->spi_hash[sadb_spi_bucket(db, spi)]; sa; sa = sa->next_spi)
		if (sa->cfg.spi == spi && sa->cfg.dir == DP_DIR_IN)
			return sa;
	return NULL;
}

/* The newest SA of spi (to dst, when set), either direction. */
struct sa_entry *sadb_find(struct sadb *db, uint32_t spi, const struct ip_addr *dst)
{
	if (!db->spi_hash)
		return NULL;
	for (struct sa_entry *sa = db->spi_hash[sadb_spi_bucket(db, spi)]; sa; sa = sa->next_spi) {
		db->steps++;
		if (sa->cfg.spi == spi && (!dst || !addr_is_set(dst) || addr_eq(&sa->cfg.dst, dst)))
			return sa;
	}
	return NULL;
}

struct sa_entry *sadb_newest_in(const struct sadb *db, uint32_t reqid)
{
	const struct sadb_rq *rq = sadb_rq_find(db, reqid, NULL);

	return rq ? rq->in : NULL;
}

/* Could sa carry the traffic of policy p?  Its peer is the policy's
 * template destination (as XFRM requires in tunnel mode), and its
 * selectors cover the policy's (a fixed reqid= is shared by every
 * (conn, selector set) of a conn, peers of a right=%any conn included). */
static bool subnet_within(const struct ip_subnet *outer, const struct ip_subnet *in)
{
	return outer->plen <= in->plen && subnet_contains(outer, &in->addr);
}

/* Does every packet of selector in match outer? */
static bool sel_within(const struct dp_selector *outer, const struct dp_selector *in)
{
	return subnet_within(&outer->src, &in->src) && subnet_within(&outer->dst, &in->dst) &&
	       (!outer->proto || outer->proto == in->proto) && (!outer->sport || outer->sport == in->sport) &&
	       (!outer->dport || outer->dport == in->dport);
}

static bool sel_same(const struct dp_selector *a, const struct dp_selector *b)
{
	return subnet_eq(&a->src, &b->src) && subnet_eq(&a->dst, &b->dst) && a->proto == b->proto &&
	       a->sport == b->sport && a->dport == b->dport;
}

/* sa's selector pairs (none: its selector alone). */
static const struct dp_selector *sa_pairs(const struct sa_entry *sa, unsigned *n)
{
	*n = sa->pair_is_sel ? 1 : sa->npairs;
	return sa->pair_is_sel ? &sa->cfg.sel : sa->pairs;
}

static bool sa_fits(const struct sa_entry *sa, const struct pol_entry *p)
{
	const struct dp_selector *ss = &sa->cfg.sel, *ps = &p->pol.sel, *pairs;
	unsigned npairs;

	pairs = sa_pairs(sa, &npairs);
	if (addr_is_set(&p->pol.tmpl_dst) && !addr_eq(&p->pol.tmpl_dst, &sa->cfg.dst))
		return false;
	if (ss->dst.addr.af && (!subnet_within(&ss->src, &ps->src) || !subnet_within(&ss->dst, &ps->dst)))
		return false;
	for (unsigned i = 0; i < npairs; i++)   /* pairs of both families have no cover */
		if (sel_within(&pairs[i], ps))
			return true;
	return !npairs;             /* none: its selector alone (unset: an SA without selectors) */
}

/* Every outbound policy points at the newest outbound SA of its reqid
 * that fits it (or none).  With a template destination only SAs to that
 * peer can: its (reqid, peer) entry's; else any of the reqid's. */
static void repoint_policy(struct sadb *db, struct pol_entry *p)
{
	bool peer = addr_is_set(&p->pol.tmpl_dst);
	const struct sadb_rq *rq = sadb_rq_find(db, p->pol.reqid, &p->pol.tmpl_dst);

	p->sa = NULL;
	for (struct sa_entry *sa = rq ? rq->out : NULL; sa; sa = peer ? sa->g_next : sa->rq_next) {
		db->steps++;
		if (sa_fits(sa, p)) {
			p->sa = sa;
			return;
		}
	}
}

/* An outbound SA to a peer: on its (reqid, peer) list too.  (Without a
 * destination it fits only policies without a template destination.) */
static bool has_peer(const struct sa_entry *sa)
{
	return sa->cfg.dir == DP_DIR_OUT && addr_is_set(&sa->cfg.dst);
}

/* The policies sa may serve: its peer's, then the reqid's without a
 * template destination. */
static struct sadb_rq *pol_lists(struct sadb *db, const struct sa_entry *sa, struct sadb_rq **any)
{
	*any = sadb_rq_find(db, sa->cfg.reqid, NULL);
	return has_peer(sa) ? sadb_rq_find(db, sa->cfg.reqid, &sa->cfg.dst) : NULL;
}

/* A new outbound SA: the newest of its reqid, so it wins every policy it fits. */
static void repoint_added(struct sadb *db, struct sa_entry *sa)
{
	struct sadb_rq *any, *peer = pol_lists(db, sa, &any);

	for (int i = 0; i < 2; i++)
		for (struct pol_entry *p = i ? (any ? any->pols : NULL) : (peer ? peer->pols : NULL); p;
		     p = p->rq_next) {
			db->steps++;
			if (sa_fits(sa, p))
				p->sa = sa;
		}
}

/* An outbound SA leaves (already unlinked): the policies that pointed at
 * it look again. */
static void repoint_removed(struct sadb *db, const struct sa_entry *sa)
{
	struct sadb_rq *any, *peer = pol_lists(db, sa, &any);

	for (int i = 0; i < 2; i++)
		for (struct pol_entry *p = i ? (any ? any->pols : NULL) : (peer ? peer->pols : NULL); p;
		     p = p->rq_next) {
			db->steps++;
			if (p->sa == sa)
				repoint_policy(db, p);
		}
}

static struct sa_entry *sa_new(const struct dp_sa *cfg)
{
	const struct secret *ek = cfg->encr_key, *ik = cfg->integ_key;
	/* the usual Child SA has one pair, its selector: not kept twice */
	bool one = cfg->npairs == 1 && sel_same(&cfg->pairs[0], &cfg->sel);
	struct sa_entry *sa = calloc(1, sizeof(*sa) + (one ? 0 : cfg->npairs) * sizeof(sa->pairs[0]));

	if (!sa)
		return NULL;
	sa->c = espc_new(cfg->encr, cfg->encr_keybits, cfg->integ, ek->data, ek->len,
			 ik ? ik->data : NULL, ik ? ik->len : 0);
	if (!sa->c) {
		free(sa);
		return NULL;
	}
	sa->cfg = *cfg;
	sa->cfg.encr_key = sa->cfg.integ_key = NULL;
	sa->cfg.pairs = NULL;
	sa->pair_is_sel = one;
	sa->npairs = one ? 0 : cfg->npairs;
	if (sa->npairs)
		memcpy(sa->pairs, cfg->pairs, sa->npairs * sizeof(sa->pairs[0]));
	sa->seq_out = cfg->first_seq;
	/* an outbound SA checks no replays: no ring */
	if (!replay_init(&sa->rp, cfg->dir == DP_DIR_IN ? cfg->replay_window : 0)) {
		sa_free(sa);
		return NULL;
	}
	return sa;
}

/* Link sa into its reqid's lists (and its peer's, outbound). */
static int sa_link(struct sadb *db, struct sa_entry *sa)
{
	struct sadb_rq *rq = sadb_rq_get(db, sa->cfg.reqid, NULL), *peer = NULL;
	struct sa_entry **list;

	if (!rq || (has_peer(sa) && !(peer = sadb_rq_get(db, sa->cfg.reqid, &sa->cfg.dst)))) {
		sadb_rq_put(db, rq);
		return -ENOMEM;
	}
	list = sa->cfg.dir == DP_DIR_IN ? &rq->in : &rq->out;
	sa->rq_next = *list;
	if (*list)
		(*list)->rq_prev = sa;
	*list = sa;
	if (peer) {
		sa->g_next = peer->out;
		if (peer->out)
			peer->out->g_prev = sa;
		peer->out = sa;
	}
	return 0;
}

static void sa_unlink(struct sadb *db, struct sa_entry *sa)
{
	struct sadb_rq *rq = sadb_rq_find(db, sa->cfg.reqid, NULL);
	struct sadb_rq *peer = has_peer(sa) ? sadb_rq_find(db, sa->cfg.reqid, &sa->cfg.dst) : NULL;

	if (sa->rq_prev)
		sa->rq_prev->rq_next = sa->rq_next;
	else if (rq)
		*(sa->cfg.dir == DP_DIR_IN ? &rq->in : &rq->out) = sa->rq_next;
	if (sa->rq_next)
		sa->rq_next->rq_prev = sa->rq_prev;
	if (sa->g_prev)
		sa->g_prev->g_next = sa->g_next;
	else if (peer)
		peer->out = sa->g_next;
	if (sa->g_next)
		sa->g_next->g_prev = sa->g_prev;
	sadb_rq_put(db, peer);
	sadb_rq_put(db, rq);
}

int sadb_add_sa(struct sadb *db, const struct dp_sa *cfg, uint64_t now_mono, uint64_t now_real)
{
	struct sa_entry *sa;

	if (!cfg->encr_key || (cfg->dir != DP_DIR_IN && cfg->dir != DP_DIR_OUT) || cfg->spi < 256 ||
	    cfg->npairs > DP_SA_MAX_PAIRS || (cfg->npairs && !cfg->pairs))
		return -EINVAL;
	if (cfg->dir == DP_DIR_IN ? sadb_find_in(db, cfg->spi) != NULL : sadb_find(db, cfg->spi, &cfg->dst) != NULL)
		return -EEXIST;
	if (!(sa = sa_new(cfg)))
		return -EINVAL;
	sa->add_mono = now_mono;
	sa->ctr.add_time = now_real;
	if (sadb_spi_insert(db, sa) < 0 || sadb_heap_update(db, sa) < 0 || sa_link(db, sa) < 0) {
		sadb_heap_remove(db, sa);
		sadb_spi_remove(db, sa);
		sa_free(sa);
		return -ENOMEM;
	}
	sa->next = db->all;
	if (db->all)
		db->all->prev = sa;
	db->all = sa;
	if (cfg->dir == DP_DIR_OUT)
		repoint_added(db, sa);
	return 0;
}

/* New addresses and ports (a NAT mapping moved), lifetimes, TFC padding.
 * An outbound SA is found by its destination, which therefore stays. */
int sadb_update_sa(struct sadb *db, const struct dp_sa *cfg)
{
	struct sa_entry *sa = cfg->dir == DP_DIR_IN ? sadb_find_in(db, cfg->spi) : sadb_find(db, cfg->spi, &cfg->dst);

	if (!sa || sa->cfg.dir != cfg->dir)
		return -ENOENT;
	if (cfg->dir == DP_DIR_OUT && !addr_eq(&cfg->dst, &sa->cfg.dst))
		return -EINVAL;
	sa->cfg.src = cfg->src;
	sa->cfg.dst = cfg->dst;
	sa->cfg.encap = cfg->encap;
	sa->cfg.sport = cfg->sport;
	sa->cfg.dport = cfg->dport;
	sa->cfg.soft = cfg->soft;
	sa->cfg.hard = cfg->hard;
	sa->cfg.tfc_pad = cfg->tfc_pad;
	return sadb_heap_update(db, sa);
}

/* Expire events of sa not yet taken are forgotten with it. */
static void retry_forget(struct sadb *db, struct sa_entry *sa)
{
	pthread_mutex_lock(&db->retry_mu);
	if (sa->on_retry)
		for (struct sa_entry **pp = &db->retry; *pp; pp = &(*pp)->retry_next)
			if (*pp == sa) {
				*pp = sa->retry_next;
				break;
			}
	pthread_mutex_unlock(&db->retry_mu);
}

int sadb_del_sa(struct sadb *db, uint32_t spi, const struct ip_addr *dst)
{
	struct sa_entry *sa = sadb_find(db, spi, dst);

	if (!sa)
		return -ENOENT;
	if (sa->prev)
		sa->prev->next = sa->next;
	else
		db->all = sa->next;
	if (sa->next)
		sa->next->prev = sa->prev;
	sadb_spi_remove(db, sa);
	sadb_heap_remove(db, sa);
	retry_forget(db, sa);
	sa_unlink(db, sa);
	if (sa->cfg.dir == DP_DIR_OUT)
		repoint_removed(db, sa);
	sa_free(sa);
	return 0;
}

static bool pol_eq(const struct dp_policy *a, const struct dp_policy *b)
{
	return a->dir == b->dir && a->reqid == b->reqid && subnet_eq(&a->sel.src, &b->sel.src) &&
	       subnet_eq(&a->sel.dst, &b->sel.dst) && a->sel.proto == b->sel.proto &&
	       a->sel.sport == b->sel.sport && a->sel.dport == b->sel.dport;
}

static bool pol_same(const void *val, const void *arg)
{
	return pol_eq(&((const struct pol_entry *)val)->pol, arg);
}

/* The policy equal to pol: found through its selector's chain. */
static struct pol_entry *pol_find(const struct sadb *db, const struct dp_policy *pol)
{
	const struct sel_entry *e = sel_table_find(pol->dir == DP_DIR_OUT ? &db->out_sel : &db->in_sel, &pol->sel,
						   pol_same, pol);

	return e ? e->val : NULL;
}

/* The reqid's entry counts its inbound policies; an outbound one goes on
 * the list of its peer (template destination) or of its reqid. */
static struct sadb_rq *pol_rq(struct sadb *db, const struct dp_policy *pol, bool create)
{
	const struct ip_addr *key = pol->dir == DP_DIR_OUT ? &pol->tmpl_dst : NULL;

	return create ? sadb_rq_get(db, pol->reqid, key) : sadb_rq_find(db, pol->reqid, key);
}

int sadb_add_policy(struct sadb *db, const struct dp_policy *pol)
{
	struct pol_entry *p;
	struct sadb_rq *rq;

	if (pol->sel.src.addr.af != pol->sel.dst.addr.af || !pol->sel.dst.addr.af)
		return -EINVAL;
	if (pol_find(db, pol))
		return -EEXIST;
	if (!(rq = pol_rq(db, pol, true)))
		return -ENOMEM;
	if (!(p = calloc(1, sizeof(*p)))) {
		sadb_rq_put(db, rq);
		return -ENOMEM;
	}
	p->pol = *pol;
	if (!sel_table_add(pol->dir == DP_DIR_OUT ? &db->out_sel : &db->in_sel, &pol->sel, p)) {
		free(p);
		sadb_rq_put(db, rq);
		return -ENOMEM;
	}
	p->next = db->pols;
	if (db->pols)
		db->pols->prev = p;
	db->pols = p;
	if (pol->dir == DP_DIR_OUT) {
		p->rq_next = rq->pols;
		if (rq->pols)
			rq->pols->rq_prev = p;
		rq->pols = p;
		repoint_policy(db, p);
	} else
		rq->n_in_pols++;
	return 0;
}

int sadb_del_policy(struct sadb *db, const struct dp_policy *pol)
{
	struct pol_entry *p = pol_find(db, pol);
	struct sadb_rq *rq = p ? pol_rq(db, &p->pol, false) : NULL;   /* the template is the stored one's */

	if (!p || !rq)
		return -ENOENT;
	sel_table_del(p->pol.dir == DP_DIR_OUT ? &db->out_sel : &db->in_sel, &p->pol.sel, p);
	if (p->prev)
		p->prev->next = p->next;
	else
		db->pols = p->next;
	if (p->next)
		p->next->prev = p->prev;
	if (p->pol.dir == DP_DIR_OUT) {
		if (p->rq_prev)
			p->rq_prev->rq_next = p->rq_next;
		else
			rq->pols = p->rq_next;
		if (p->rq_next)
			p->rq_next->rq_prev = p->rq_prev;
	} else
		rq->n_in_pols--;
	free(p);
	sadb_rq_put(db, rq);
	return 0;
}

struct pol_entry *sadb_lookup_policy(const struct sadb *db, const struct dp_tuple *tp)
{
	struct sel_entry *e = sel_table_lookup(&db->out_sel, tp);

	return e ? e->val : NULL;
}

bool sadb_inbound_ok(const struct sadb *db, const struct sa_entry *sa, const struct dp_tuple *tp)
{
	const struct sel_entry *e;
	const struct sadb_rq *rq;
	unsigned npairs;
	const struct dp_selector *pairs = sa_pairs(sa, &npairs);
	bool in_pair = !npairs;

	if (sa->cfg.sel.src.addr.af && !dp_selector_match(&sa->cfg.sel, tp))
		return false;
	for (unsigned i = 0; i < npairs && !in_pair; i++)
		in_pair = dp_selector_match(&pairs[i], tp);
	if (!in_pair)
		return false;
	if ((e = sel_table_lookup(&db->in_sel, tp)))
		return ((const struct pol_entry *)e->val)->pol.reqid == sa->cfg.reqid;
	rq = sadb_rq_find(db, sa->cfg.reqid, NULL);
	return !rq || !rq->n_in_pols;       /* a miss: only an SA without inbound policies passes */
}

struct sa_entry *sadb_lookup_out(const struct sadb *db, const struct dp_tuple *tp)
{
	struct pol_entry *p = sadb_lookup_policy(db, tp);

	return p ? p->sa : NULL;
}

static bool over(uint64_t limit, uint64_t value) { return limit && value >= limit; }

/* An expire event the daemon could not be told of yet: offered again by
 * the next tick, until it is taken (or the SA deleted). */
static void retry_add(struct sadb *db, struct sa_entry *sa, uint8_t bits)
{
	pthread_mutex_lock(&db->retry_mu);
	sa->retry |= bits;
	if (!sa->on_retry) {
		sa->on_retry = true;
		sa->retry_next = db->retry;
		db->retry = sa;
	}
	pthread_mutex_unlock(&db->retry_mu);
}

static void retry_offer(struct sadb *db)
{
	struct sa_entry *list;

	pthread_mutex_lock(&db->retry_mu);
	list = db->retry;
	db->retry = NULL;
	for (struct sa_entry *sa = list; sa; sa = sa->retry_next)
		sa->on_retry = false;
	pthread_mutex_unlock(&db->retry_mu);
	while (list) {
		struct sa_entry *sa = list;
		uint8_t bits;

		list = sa->retry_next;
		pthread_mutex_lock(&db->retry_mu);
		bits = sa->retry;
		sa->retry = 0;
		pthread_mutex_unlock(&db->retry_mu);
		if ((bits & SADB_RETRY_SOFT) && !db->expire(db->expire_arg, sa, false))
			retry_add(db, sa, SADB_RETRY_SOFT);
		if ((bits & SADB_RETRY_HARD) && !db->expire(db->expire_arg, sa, true))
			retry_add(db, sa, SADB_RETRY_HARD);
	}
}

static void expire(struct sadb *db, struct sa_entry *sa, bool hard)
{
	/* the byte/packet check (the SA's packet thread) and the time check
	 * (the inbound thread) may race: the exchange makes the event unique */
	if (__atomic_exchange_n(hard ? &sa->hard_sent : &sa->soft_sent, true, __ATOMIC_RELAXED))
		return;
	if (hard)
		__atomic_store_n(&sa->soft_sent, true, __ATOMIC_RELAXED);
	if (db->expire && !db->expire(db->expire_arg, sa, hard))
		retry_add(db, sa, hard ? SADB_RETRY_HARD : SADB_RETRY_SOFT);
}

void sadb_account(struct sadb *db, struct sa_entry *sa, size_t bytes, uint64_t now_real)
{
	sa->ctr.bytes += bytes;
	sa->ctr.packets++;
	sa->ctr.last_used = now_real;
	if (over(sa->cfg.hard.bytes, sa->ctr.bytes) || over(sa->cfg.hard.packets, sa->ctr.packets))
		expire(db, sa, true);
	else if (over(sa->cfg.soft.bytes, sa->ctr.bytes) || over(sa->cfg.soft.packets, sa->ctr.packets))
		expire(db, sa, false);
}

void sadb_tick(struct sadb *db, uint64_t now_mono)
{
	struct sa_entry *sa;

	if (__atomic_load_n(&db->retry, __ATOMIC_RELAXED))
		retry_offer(db);
	while ((sa = sadb_heap_top(db)) && sa->deadline <= now_mono) {
		uint64_t age = now_mono - sa->add_mono;

		db->tick_steps++;
		if (over(sa->cfg.hard.seconds, age))
			expire(db, sa, true);
		else if (over(sa->cfg.soft.seconds, age))
			expire(db, sa, false);
		if (sadb_heap_update(db, sa) < 0 || (sadb_heap_top(db) == sa && sa->deadline <= now_mono))
			break;                  /* cannot happen: the deadline moved past now, or it left */
	}
}

void sadb_drop(struct sadb *db, struct sa_entry *sa, enum dp_drop why)
{
	__atomic_fetch_add(&db->drops[why], 1, __ATOMIC_RELAXED);   /* shared by the packet threads */
	if (sa && sa->ctr.drops[why] != UINT32_MAX)
		sa->ctr.drops[why]++;
}

void sa_counters_get(const struct sa_counters *c, struct dp_counters *out)
{
	memset(out, 0, sizeof(*out));
	out->bytes = c->bytes;
	out->packets = c->packets;
	out->last_used = c->last_used;
	out->add_time = c->add_time;
	for (int i = 0; i < DP_DROP__COUNT; i++)
		out->drops[i] = c->drops[i];
}

void sadb_drop_report(struct sadb *db, struct sa_entry *sa, enum dp_drop why, const struct dp_tuple *tp,
		      uint64_t now_ms)
{
	sadb_drop(db, sa, why);
	if (!db->report || (sa->report_ms && now_ms - sa->report_ms < SADB_REPORT_MS))
		return;
	sa->report_ms = now_ms ? now_ms : 1;
	db->report(db->expire_arg, sa, why, tp);
}
