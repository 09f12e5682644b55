#include "dataplane/sadb.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- selector table ---------------------------------------------------- */

static int af_index(int af) { return af == AF_INET6 ? 1 : 0; }

static unsigned addr_hash(const struct ip_addr *a, unsigned plen)
{
	uint32_t h = 2166136261u;
	size_t n = addr_len(a);

	for (size_t i = 0; i < n; i++) {
		uint8_t b = a->a[i];
		if (plen < (i + 1) * 8)
			b = plen <= i * 8 ? 0 : (uint8_t)(b & (0xff << (8 - (plen - i * 8))));
		h = (h ^ b) * 16777619u;
	}
	return h % SEL_BUCKETS;
}

void sel_table_init(struct sel_table *t)
{
	memset(t, 0, sizeof(*t));
}

void sel_table_free(struct sel_table *t)
{
	for (int f = 0; f < 2; f++)
		for (int p = 0; p <= 128; p++) {
			if (!t->heads[f][p])
				continue;
			for (int b = 0; b < SEL_BUCKETS; b++)
				for (struct sel_entry *e = t->heads[f][p][b], *n; e; e = n) {
					n = e->next;
					free(e);
				}
			free(t->heads[f][p]);
		}
	memset(t, 0, sizeof(*t));
}

struct sel_entry *sel_table_add(struct sel_table *t, const struct dp_selector *sel, void *val)
{
	int f = af_index(sel->dst.addr.af);
	unsigned plen = sel->dst.plen > 128 ? 128 : sel->dst.plen;
	struct sel_entry *e, **pp;

	if (!t->heads[f][plen] && !(t->heads[f][plen] = calloc(SEL_BUCKETS, sizeof(*t->heads[f][plen]))))
		return NULL;
	if (!(e = calloc(1, sizeof(*e))))
		return NULL;
	e->sel = *sel;
	e->val = val;
	e->id = t->next_id++;
	pp = &t->heads[f][plen][addr_hash(&sel->dst.addr, plen)];
	while (*pp)                 /* keep insertion order within a chain */
		pp = &(*pp)->next;
	*pp = e;
	t->count[f][plen]++;
	return e;
}

bool sel_table_del(struct sel_table *t, const struct dp_selector *sel, void *val)
{
	int f = af_index(sel->dst.addr.af);
	unsigned plen = sel->dst.plen > 128 ? 128 : sel->dst.plen;

	if (!t->heads[f][plen])
		return false;
	for (struct sel_entry **pp = &t->heads[f][plen][addr_hash(&sel->dst.addr, plen)]; *pp; pp = &(*pp)->next) {
		struct sel_entry *e = *pp;
		if (e->val == val && subnet_eq(&e->sel.src, &sel->src) && subnet_eq(&e->sel.dst, &sel->dst) &&
		    e->sel.proto == sel->proto && e->sel.sport == sel->sport && e->sel.dport == sel->dport) {
			*pp = e->next;
			free(e);
			t->count[f][plen]--;
			return true;
		}
	}
	return false;
}

bool sel_better(const struct sel_entry *a, const struct sel_entry *b)
{
	if (a->sel.dst.plen != b->sel.dst.plen)
		return a->sel.dst.plen > b->sel.dst.plen;
	if (a->sel.src.plen != b->sel.src.plen)
		return a->sel.src.plen > b->sel.src.plen;
	if (!a->sel.proto != !b->sel.proto)
		return a->sel.proto != 0;
	if (!a->sel.sport != !b->sel.sport)
		return a->sel.sport != 0;
	if (!a->sel.dport != !b->sel.dport)
		return a->sel.dport != 0;
	return a->id < b->id;
}

struct sel_entry *sel_table_lookup(const struct sel_table *t, const struct dp_tuple *tp)
{
	int f = af_index(tp->dst.af);
	int maxp = tp->dst.af == AF_INET6 ? 128 : 32;

	for (int plen = maxp; plen >= 0; plen--) {
		struct sel_entry *best = NULL;

		if (!t->count[f][plen])
			continue;
		for (struct sel_entry *e = t->heads[f][plen][addr_hash(&tp->dst, (unsigned)plen)]; e; e = e->next)
			if (dp_selector_match(&e->sel, tp) && (!best || sel_better(e, best)))
				best = e;
		if (best)
			return best;
	}
	return NULL;
}

/* ---- SAs --------------------------------------------------------------- */

void sadb_init(struct sadb *db)
{
	memset(db, 0, sizeof(*db));
	sel_table_init(&db->out_sel);
	sel_table_init(&db->in_sel);
}

static void sa_free(struct sa_entry *sa)
{
	espc_free(sa->c);
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
	memset(db, 0, sizeof(*db));
}

struct sa_entry *sadb_find_in(const struct sadb *db, uint32_t spi)
{
	for (struct sa_entry *sa = db->in_hash[spi % SADB_SPI_BUCKETS]; sa; sa = sa->next_spi)
		if (sa->cfg.spi == spi)
			return sa;
	return NULL;
}

struct sa_entry *sadb_find(struct sadb *db, uint32_t spi, const struct ip_addr *dst)
{
	for (struct sa_entry *sa = db->all; sa; sa = sa->next)
		if (sa->cfg.spi == spi && (!dst || !addr_is_set(dst) || addr_eq(&sa->cfg.dst, dst)))
			return sa;
	return NULL;
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

static bool sa_fits(const struct sa_entry *sa, const struct pol_entry *p)
{
	const struct dp_selector *ss = &sa->cfg.sel, *ps = &p->pol.sel;

	if (addr_is_set(&p->pol.tmpl_dst) && !addr_eq(&p->pol.tmpl_dst, &sa->cfg.dst))
		return false;
	if (ss->dst.addr.af && (!subnet_within(&ss->src, &ps->src) || !subnet_within(&ss->dst, &ps->dst)))
		return false;
	for (unsigned i = 0; i < sa->npairs; i++)   /* pairs of both families have no cover */
		if (sel_within(&sa->pairs[i], ps))
			return true;
	return !sa->npairs;         /* none: its selector alone (unset: an SA without selectors) */
}

/* Point every policy of reqid at the newest outbound SA of that reqid
 * that fits it. */
static void repoint(struct sadb *db, uint32_t reqid)
{
	for (struct pol_entry *p = db->pols; p; p = p->next) {
		if (p->pol.reqid != reqid)
			continue;
		p->sa = NULL;
		for (struct sa_entry *sa = db->all; sa; sa = sa->next)   /* list is newest first */
			if (sa->cfg.dir == DP_DIR_OUT && sa->cfg.reqid == reqid && sa_fits(sa, p)) {
				p->sa = sa;
				break;
			}
	}
}

int sadb_add_sa(struct sadb *db, const struct dp_sa *cfg, uint64_t now_mono, uint64_t now_real)
{
	struct sa_entry *sa;
	const struct secret *ek = cfg->encr_key, *ik = cfg->integ_key;

	if (!ek || (cfg->dir != DP_DIR_IN && cfg->dir != DP_DIR_OUT) || cfg->spi < 256 ||
	    cfg->npairs > DP_SA_MAX_PAIRS || (cfg->npairs && !cfg->pairs))
		return -EINVAL;
	if (cfg->dir == DP_DIR_IN ? sadb_find_in(db, cfg->spi) != NULL : sadb_find(db, cfg->spi, &cfg->dst) != NULL)
		return -EEXIST;
	if (!(sa = calloc(1, sizeof(*sa) + cfg->npairs * sizeof(sa->pairs[0]))))
		return -ENOMEM;
	sa->c = espc_new(cfg->encr, cfg->encr_keybits, cfg->integ, ek->data, ek->len,
			 ik ? ik->data : NULL, ik ? ik->len : 0);
	if (!sa->c) {
		free(sa);
		return -EINVAL;
	}
	sa->cfg = *cfg;
	sa->cfg.encr_key = sa->cfg.integ_key = NULL;
	sa->cfg.pairs = NULL;
	sa->npairs = cfg->npairs;
	if (cfg->npairs)
		memcpy(sa->pairs, cfg->pairs, cfg->npairs * sizeof(sa->pairs[0]));
	sa->seq_out = cfg->first_seq;
	replay_init(&sa->rp, cfg->replay_window);
	sa->add_mono = now_mono;
	sa->ctr.add_time = now_real;
	sa->next = db->all;
	db->all = sa;
	if (cfg->dir == DP_DIR_IN) {
		sa->next_spi = db->in_hash[cfg->spi % SADB_SPI_BUCKETS];
		db->in_hash[cfg->spi % SADB_SPI_BUCKETS] = sa;
	} else
		repoint(db, cfg->reqid);
	return 0;
}

int sadb_update_sa(struct sadb *db, const struct dp_sa *cfg)
{
	struct sa_entry *sa = cfg->dir == DP_DIR_IN ? sadb_find_in(db, cfg->spi) : sadb_find(db, cfg->spi, &cfg->dst);

	if (!sa || sa->cfg.dir != cfg->dir)
		return -ENOENT;
	sa->cfg.src = cfg->src;
	sa->cfg.dst = cfg->dst;
	sa->cfg.encap = cfg->encap;
	sa->cfg.sport = cfg->sport;
	sa->cfg.dport = cfg->dport;
	sa->cfg.soft = cfg->soft;
	sa->cfg.hard = cfg->hard;
	sa->cfg.tfc_pad = cfg->tfc_pad;
	return 0;
}

int sadb_del_sa(struct sadb *db, uint32_t spi, const struct ip_addr *dst)
{
	struct sa_entry *sa = sadb_find(db, spi, dst);

	if (!sa)
		return -ENOENT;
	for (struct sa_entry **pp = &db->all; *pp; pp = &(*pp)->next)
		if (*pp == sa) {
			*pp = sa->next;
			break;
		}
	if (sa->cfg.dir == DP_DIR_IN) {
		for (struct sa_entry **pp = &db->in_hash[spi % SADB_SPI_BUCKETS]; *pp; pp = &(*pp)->next_spi)
			if (*pp == sa) {
				*pp = sa->next_spi;
				break;
			}
	} else
		repoint(db, sa->cfg.reqid);
	sa_free(sa);
	return 0;
}

static bool pol_eq(const struct dp_policy *a, const struct dp_policy *b)
{
	return a->dir == b->dir && a->reqid == b->reqid && subnet_eq(&a->sel.src, &b->sel.src) &&
	       subnet_eq(&a->sel.dst, &b->sel.dst) && a->sel.proto == b->sel.proto &&
	       a->sel.sport == b->sel.sport && a->sel.dport == b->sel.dport;
}

int sadb_add_policy(struct sadb *db, const struct dp_policy *pol)
{
	struct pol_entry *p;

	if (pol->sel.src.addr.af != pol->sel.dst.addr.af || !pol->sel.dst.addr.af)
		return -EINVAL;
	for (p = db->pols; p; p = p->next)
		if (pol_eq(&p->pol, pol))
			return -EEXIST;
	if (!(p = calloc(1, sizeof(*p))))
		return -ENOMEM;
	p->pol = *pol;
	if (!sel_table_add(pol->dir == DP_DIR_OUT ? &db->out_sel : &db->in_sel, &pol->sel, p)) {
		free(p);
		return -ENOMEM;
	}
	p->next = db->pols;
	db->pols = p;
	repoint(db, pol->reqid);
	return 0;
}

int sadb_del_policy(struct sadb *db, const struct dp_policy *pol)
{
	for (struct pol_entry **pp = &db->pols; *pp; pp = &(*pp)->next) {
		struct pol_entry *p = *pp;
		if (!pol_eq(&p->pol, pol))
			continue;
		sel_table_del(p->pol.dir == DP_DIR_OUT ? &db->out_sel : &db->in_sel, &p->pol.sel, p);
		*pp = p->next;
		free(p);
		return 0;
	}
	return -ENOENT;
}

struct pol_entry *sadb_lookup_policy(const struct sadb *db, const struct dp_tuple *tp)
{
	struct sel_entry *e = sel_table_lookup(&db->out_sel, tp);

	return e ? e->val : NULL;
}

bool sadb_inbound_ok(const struct sadb *db, const struct sa_entry *sa, const struct dp_tuple *tp)
{
	const struct sel_entry *e;
	bool in_pair = !sa->npairs;

	if (sa->cfg.sel.src.addr.af && !dp_selector_match(&sa->cfg.sel, tp))
		return false;
	for (unsigned i = 0; i < sa->npairs && !in_pair; i++)
		in_pair = dp_selector_match(&sa->pairs[i], tp);
	if (!in_pair)
		return false;
	if ((e = sel_table_lookup(&db->in_sel, tp)))
		return ((const struct pol_entry *)e->val)->pol.reqid == sa->cfg.reqid;
	for (const struct pol_entry *p = db->pols; p; p = p->next)   /* a miss: the slow path */
		if (p->pol.dir == DP_DIR_IN && p->pol.reqid == sa->cfg.reqid)
			return false;
	return true;
}

struct sa_entry *sadb_lookup_out(const struct sadb *db, const struct dp_tuple *tp)
{
	struct pol_entry *p = sadb_lookup_policy(db, tp);

	return p ? p->sa : NULL;
}

static bool over(uint64_t limit, uint64_t value) { return limit && value >= limit; }

static void expire(struct sadb *db, struct sa_entry *sa, bool hard)
{
	/* the byte/packet check (the SA's packet thread) and the time check
	 * (the inbound thread) may race: the exchange makes the event unique */
	if (__atomic_exchange_n(hard ? &sa->hard_sent : &sa->soft_sent, true, __ATOMIC_RELAXED))
		return;
	if (hard)
		__atomic_store_n(&sa->soft_sent, true, __ATOMIC_RELAXED);
	if (db->expire)
		db->expire(db->expire_arg, sa, hard);
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
	for (struct sa_entry *sa = db->all; sa; sa = sa->next) {
		uint64_t age = now_mono - sa->add_mono;
		if (over(sa->cfg.hard.seconds, age))
			expire(db, sa, true);
		else if (over(sa->cfg.soft.seconds, age))
			expire(db, sa, false);
	}
}

void sadb_drop(struct sadb *db, struct sa_entry *sa, enum dp_drop why)
{
	__atomic_fetch_add(&db->drops[why], 1, __ATOMIC_RELAXED);   /* shared by the packet threads */
	if (sa)
		sa->ctr.drops[why]++;
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
