/* The SA table (the model is in satable.h).  Records and their indexes:
 *
 *   serials, spis_in, spis_out, replaces ──> sat_child ──refs[]──┐
 *   conns ──> sat_conn (its Child SAs, its trap) ──> sat_trap ─refs[]─┤
 *   pols ───> sat_pol (one per key; holders: Child SAs newest first, <┘
 *                      traps oldest first; the installed version)
 *   reqs_key (conn, selector set), reqs_id ──> sat_req (reqid, users)
 *   lingers (earliest deadline first) ──> sat_linger ──> sat_req
 */
#include "daemon/satable.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/htab.h"
#include "lib/idpool.h"
#include "lib/log.h"

/* ---- keys ------------------------------------------------------------------ */

static uint32_t hash_u32(uint32_t v) { return fnv1a(FNV1A_INIT, &v, sizeof(v)); }

/* A selector as bytes (per subnet: family, 16 address bytes, zero past the
 * family's length, prefix length; then proto, sport, dport): equal
 * selectors, equal keys; memcmp orders them. */
struct selkey {
	uint8_t b[2 * 18 + 5];
};

static void selkey_of(const struct dp_selector *s, struct selkey *k)
{
	const struct ip_subnet *sn[2] = { &s->src, &s->dst };
	uint8_t *p = k->b;

	memset(k, 0, sizeof(*k));
	for (int i = 0; i < 2; i++, p += 18) {
		p[0] = sn[i]->addr.af;
		memcpy(p + 1, sn[i]->addr.a, addr_len(&sn[i]->addr));
		p[17] = sn[i]->plen;
	}
	p[0] = s->proto;
	memcpy(p + 1, &s->sport, sizeof(s->sport));
	memcpy(p + 3, &s->dport, sizeof(s->dport));
}

/* A policy's key: direction + selectors + mark (bytes only: no padding). */
struct polkey {
	struct selkey sel;
	uint8_t dir;
	uint8_t mark[8];
};

static void polkey_of(const struct dp_policy *pol, struct polkey *k)
{
	selkey_of(&pol->sel, &k->sel);
	k->dir = pol->dir == DP_DIR_OUT;
	memcpy(k->mark, &pol->mark.value, 4);
	memcpy(k->mark + 4, &pol->mark.mask, 4);
}

/* ---- records ------------------------------------------------------------- */

struct sat_pol {                       /* one policy key in the dataplane */
	struct hnode node;
	struct polkey key;
	struct dp_policy inst;         /* what the dataplane has (installed) or had */
	bool installed;
	struct link kids, traps;       /* holders: Child SAs newest first, traps oldest first */
};

struct sat_ref {                       /* one holder's claim on a policy */
	struct link link;
	struct sat_pol *pol;           /* NULL: not held */
	struct dp_policy mine;         /* the holder's own version, with its reqid */
};

struct sat_trap;

struct sat_req {                       /* a reqid and the (conn, selector set) it serves */
	struct hnode by_key, by_id;
	const void *conn;
	uint32_t reqid;
	unsigned users;                /* Child SAs, the trap, lingering SAs */
	unsigned nkids, nout;          /* Child SAs; those with their outbound SA installed */
	struct sat_trap *trap;
	size_t nsel;
	struct selkey sel[];           /* sorted, no duplicates */
};

struct sat_conn {
	struct hnode node;
	const void *conn;
	struct link kids;              /* its Child SAs */
	size_t nkids;
	struct sat_trap *trap;
};

struct sat_trap {
	struct sat_conn *conn;
	struct sat_req *req;
	size_t n;
	struct sat_ref refs[];
};

struct sat_child {
	struct satable_child_info info;
	struct hnode by_serial, by_spi_in, by_spi_out, by_replaces;
	struct link conn_link;
	struct sat_conn *conn;
	struct sat_req *req;
	bool in_on, out_on;            /* SAs installed */
	struct sat_ref refs[];         /* [0, npol) outbound, [npol, 2 npol) inbound */
};

struct sat_linger {
	struct link link;
	uint32_t spi;
	struct ip_addr dst;
	uint64_t at;
	struct sat_req *req;
};

struct satable {
	struct dataplane *dp;
	struct htab serials, spis_in, spis_out, replaces, conns, reqs_key, reqs_id, pols;
	struct link lingers;           /* earliest deadline first */
	size_t nactive;                /* conns with a Child SA */
	bool closing;                  /* satable_free: policies go with their first holder */
	struct idpool reqids;
};

static void keep_first(int *rc, int r)
{
	if (r < 0 && *rc == 0)
		*rc = r;
}

/* ---- reqids ---------------------------------------------------------------- */

static int selkey_cmp(const void *a, const void *b) { return memcmp(a, b, sizeof(struct selkey)); }

/* The selector set of n policies: sorted, duplicates dropped. */
static size_t selset_of(const struct dp_policy *pol, size_t n, struct selkey *out)
{
	size_t m = 0;

	for (size_t i = 0; i < n; i++)
		selkey_of(&pol[i].sel, &out[i]);
	qsort(out, n, sizeof(out[0]), selkey_cmp);
	for (size_t i = 0; i < n; i++)
		if (!m || selkey_cmp(&out[m - 1], &out[i]))
			out[m++] = out[i];
	return m;
}

/* The reqid of (conn, selector set of pol[0..n)), with one more user. */
static int req_get(struct satable *t, const void *conn, const struct dp_policy *pol, size_t n, struct sat_req **out)
{
	struct selkey sel[SATABLE_MAX_POL];
	size_t m = selset_of(pol, n, sel);
	uint32_t hv = fnv1a(fnv1a(FNV1A_INIT, &conn, sizeof(conn)), sel, m * sizeof(sel[0]));
	struct sat_req *r = NULL;

	for (struct hnode *e = htab_first(&t->reqs_key, hv); e && !r; e = htab_next(e)) {
		r = container_of(e, struct sat_req, by_key);
		if (r->conn != conn || r->nsel != m || memcmp(r->sel, sel, m * sizeof(sel[0])))
			r = NULL;
	}
	if (!r) {
		if (!(r = calloc(1, sizeof(*r) + m * sizeof(sel[0]))))
			return -ENOMEM;
		if (!idpool_get(&t->reqids, &r->reqid)) {
			free(r);
			return -ENOSPC;
		}
		r->conn = conn;
		r->nsel = m;
		memcpy(r->sel, sel, m * sizeof(sel[0]));
		htab_add(&t->reqs_key, &r->by_key, hv);
		htab_add(&t->reqs_id, &r->by_id, hash_u32(r->reqid));
	}
	r->users++;
	*out = r;
	return 0;
}

static void req_put(struct satable *t, struct sat_req *r)
{
	if (--r->users)
		return;
	htab_del(&t->reqs_key, &r->by_key);
	htab_del(&t->reqs_id, &r->by_id);
	idpool_put(&t->reqids, r->reqid);
	free(r);
}

/* ---- conns ----------------------------------------------------------------- */

static uint32_t hash_conn(const void *conn) { return fnv1a(FNV1A_INIT, &conn, sizeof(conn)); }

static struct sat_conn *conn_find(const struct satable *t, const void *conn)
{
	for (struct hnode *e = htab_first(&t->conns, hash_conn(conn)); e; e = htab_next(e)) {
		struct sat_conn *c = container_of(e, struct sat_conn, node);
		if (c->conn == conn)
			return c;
	}
	return NULL;
}

static struct sat_conn *conn_get(struct satable *t, const void *conn)
{
	struct sat_conn *c = conn_find(t, conn);

	if (c || !(c = calloc(1, sizeof(*c))))
		return c;
	c->conn = conn;
	list_init(&c->kids);
	htab_add(&t->conns, &c->node, hash_conn(conn));
	return c;
}

static void conn_put(struct satable *t, struct sat_conn *c)
{
	if (c->nkids || c->trap)
		return;
	htab_del(&t->conns, &c->node);
	free(c);
}

/* ---- policies -------------------------------------------------------------- */

/* Whose version the dataplane should have: the newest Child SA's, else the
 * oldest trap's, else none. */
static const struct sat_ref *pol_effective(const struct sat_pol *p)
{
	if (!list_empty(&p->kids))
		return container_of(p->kids.next, struct sat_ref, link);
	if (!list_empty(&p->traps))
		return container_of(p->traps.next, struct sat_ref, link);
	return NULL;
}

static bool trap_of_reqid(const struct dp_policy *v, uint32_t reqid)
{
	return v && v->tmpl_dst.af && v->reqid == reqid;
}

/* The version a deletion names: the installed one; if that has no
 * template endpoints (a Child SA's, whose SA may be gone by now), with
 * those of a trap of its reqid, holding or just gone: XFRM finds the route
 * to remove through them. */
static int pol_del(struct satable *t, struct sat_pol *p, const struct dp_policy *gone)
{
	struct dp_policy d = p->inst;
	const struct dp_policy *tr = trap_of_reqid(gone, d.reqid) ? gone : NULL;

	for (const struct link *l = p->traps.next; !tr && l != &p->traps; l = l->next)
		if (trap_of_reqid(&container_of(l, const struct sat_ref, link)->mine, d.reqid))
			tr = &container_of(l, const struct sat_ref, link)->mine;
	if (!d.tmpl_dst.af && tr) {
		d.tmpl_src = tr->tmpl_src;
		d.tmpl_dst = tr->tmpl_dst;
		d.mode = tr->mode;
	}
	p->installed = false;
	return t->dp->ops->del_policy(t->dp, &d);
}

/* Brings the dataplane in line with p's holders: nothing to do while the
 * reqid stays; else delete, then add the effective holder's version.  A
 * failed add leaves p uninstalled (the next sync tries again).  Returns the
 * first dataplane error. */
static int pol_sync(struct satable *t, struct sat_pol *p, const struct dp_policy *gone)
{
	const struct sat_ref *want = t->closing ? NULL : pol_effective(p);
	int rc = 0, r;

	if (p->installed && want && p->inst.reqid == want->mine.reqid)
		return 0;
	if (p->installed)
		rc = pol_del(t, p, gone);
	if (want) {
		keep_first(&rc, r = t->dp->ops->add_policy(t->dp, &want->mine));
		if (r == 0) {
			p->inst = want->mine;
			p->installed = true;
		}
	}
	return rc;
}

static bool pol_held(const struct sat_pol *p) { return !list_empty(&p->kids) || !list_empty(&p->traps); }

static int ref_release(struct satable *t, struct sat_ref *ref)
{
	struct sat_pol *p = ref->pol;
	int rc;

	if (!p)
		return 0;
	list_del(&ref->link);
	ref->pol = NULL;
	rc = pol_sync(t, p, &ref->mine);
	if (!pol_held(p)) {
		htab_del(&t->pols, &p->node);
		free(p);
	}
	return rc;
}

/* Takes a reference on pol's key for a Child SA or a trap; on failure the
 * dataplane has again the same policies with the same reqids. */
static int ref_hold(struct satable *t, struct sat_ref *ref, const struct dp_policy *pol, uint32_t reqid, bool trap)
{
	struct sat_pol *p = NULL;
	struct polkey key;
	uint32_t hv;
	int rc;

	ref->mine = *pol;
	ref->mine.reqid = reqid;
	polkey_of(pol, &key);
	hv = fnv1a(FNV1A_INIT, &key, sizeof(key));
	for (struct hnode *e = htab_first(&t->pols, hv); e && !p; e = htab_next(e))
		if (!memcmp(&container_of(e, struct sat_pol, node)->key, &key, sizeof(key)))
			p = container_of(e, struct sat_pol, node);
	if (!p) {
		if (!(p = calloc(1, sizeof(*p))))
			return -ENOMEM;
		p->key = key;
		list_init(&p->kids);
		list_init(&p->traps);
		htab_add(&t->pols, &p->node, hv);
	}
	list_insert(trap ? p->traps.prev : &p->kids, &ref->link);
	ref->pol = p;
	rc = pol_sync(t, p, NULL);
	if (p->installed)
		return 0;
	ref_release(t, ref);
	return rc < 0 ? rc : -EIO;
}

/* ---- SAs ------------------------------------------------------------------- */

/* Adds sa with reqid; on success *keep is the SA as installed, without keys. */
static int sa_add(struct satable *t, const struct dp_sa *sa, uint32_t reqid, struct dp_sa *keep)
{
	struct dp_sa s = *sa;
	int rc;

	s.reqid = reqid;
	rc = t->dp->ops->add_sa(t->dp, &s);
	s.encr_key = s.integ_key = NULL;
	if (rc == 0)
		*keep = s;
	return rc;
}

static int sa_del(struct satable *t, uint32_t spi, const struct ip_addr *dst)
{
	return t->dp->ops->del_sa(t->dp, spi, dst, DP_IPPROTO_ESP);
}

static void linger_end(struct satable *t, struct sat_linger *l)
{
	int rc = sa_del(t, l->spi, &l->dst);

	if (rc < 0)
		log_warn("dataplane: cannot delete the inbound SA 0x%08x of a replaced Child SA: %s", l->spi,
			 strerror(-rc));
	list_del(&l->link);
	req_put(t, l->req);
	free(l);
}

/* The inbound SA stays until at (it keeps its reqid in use); false on OOM. */
static bool linger_add(struct satable *t, const struct sat_child *ch, uint64_t at)
{
	struct sat_linger *l = calloc(1, sizeof(*l));
	struct link *pos = t->lingers.prev;

	if (!l)
		return false;
	l->spi = ch->info.in.spi;
	l->dst = ch->info.in.dst;
	l->at = at;
	l->req = ch->req;
	l->req->users++;
	while (pos != &t->lingers && container_of(pos, struct sat_linger, link)->at > at)
		pos = pos->prev;
	list_insert(pos, &l->link);
	return true;
}

/* ---- Child SAs ------------------------------------------------------------- */

static struct sat_child *child_find(const struct satable *t, unsigned serial)
{
	for (struct hnode *e = htab_first(&t->serials, hash_u32(serial)); e; e = htab_next(e)) {
		struct sat_child *ch = container_of(e, struct sat_child, by_serial);
		if (ch->info.serial == serial)
			return ch;
	}
	return NULL;
}

/* Is a live Child SA a rekey of this one? */
static bool child_replaced(const struct satable *t, unsigned serial)
{
	for (struct hnode *e = htab_first(&t->replaces, hash_u32(serial)); e; e = htab_next(e))
		if (container_of(e, struct sat_child, by_replaces)->info.replaces == serial)
			return true;
	return false;
}

/* A record with its conn and reqid taken, nothing installed. */
static struct sat_child *child_new(struct satable *t, const struct satable_child *c, int *rc)
{
	struct sat_child *ch = calloc(1, sizeof(*ch) + 2 * c->npol * sizeof(ch->refs[0]));

	*rc = -ENOMEM;
	if (!ch || !(ch->conn = conn_get(t, c->conn))) {
		free(ch);
		return NULL;
	}
	if ((*rc = req_get(t, c->conn, c->pol_out, c->npol, &ch->req)) < 0) {
		conn_put(t, ch->conn);
		free(ch);
		return NULL;
	}
	ch->info.serial = c->serial;
	ch->info.ike_serial = c->ike_serial;
	ch->info.replaces = c->replaces;
	ch->info.conn = c->conn;
	ch->info.reqid = ch->req->reqid;
	ch->info.npol = c->npol;
	ch->req->nkids++;
	if (ch->conn->nkids++ == 0)
		t->nactive++;
	return ch;
}

/* SAs first (XFRM takes a policy's template from its reqid's SA), then
 * the policies; stops at the first failure (child_teardown undoes). */
static int child_install(struct satable *t, struct sat_child *ch, const struct satable_child *c)
{
	uint32_t reqid = ch->req->reqid;
	size_t n = c->npol;
	int rc;

	ch->info.out = c->out;
	ch->info.out.reqid = reqid;
	ch->info.out.encr_key = ch->info.out.integ_key = NULL;
	ch->info.out_deferred = c->out_deferred && ch->req->nout > 0;
	if ((rc = sa_add(t, &c->in, reqid, &ch->info.in)) < 0)
		return rc;
	ch->in_on = true;
	if (!ch->info.out_deferred) {
		if ((rc = sa_add(t, &c->out, reqid, &ch->info.out)) < 0)
			return rc;
		ch->out_on = true;
		ch->req->nout++;
	}
	for (size_t i = 0; i < n; i++)
		if ((rc = ref_hold(t, &ch->refs[i], &c->pol_out[i], reqid, false)) < 0 ||
		    (rc = ref_hold(t, &ch->refs[n + i], &c->pol_in[i], reqid, false)) < 0)
			return rc;
	return 0;
}

/* Policies first, then the SAs; the inbound SA lingers when asked to. */
static int child_teardown(struct satable *t, struct sat_child *ch, bool linger, uint64_t at)
{
	int rc = 0;

	for (size_t i = 2 * ch->info.npol; i-- > 0;)
		keep_first(&rc, ref_release(t, &ch->refs[i]));
	if (ch->out_on) {
		keep_first(&rc, sa_del(t, ch->info.out.spi, &ch->info.out.dst));
		ch->req->nout--;
	}
	if (ch->in_on && !(linger && linger_add(t, ch, at)))
		keep_first(&rc, sa_del(t, ch->info.in.spi, &ch->info.in.dst));
	ch->req->nkids--;
	req_put(t, ch->req);
	if (--ch->conn->nkids == 0)
		t->nactive--;
	conn_put(t, ch->conn);
	free(ch);
	return rc;
}

static void child_link(struct satable *t, struct sat_child *ch)
{
	htab_add(&t->serials, &ch->by_serial, hash_u32(ch->info.serial));
	htab_add(&t->spis_in, &ch->by_spi_in, hash_u32(ch->info.in.spi));
	htab_add(&t->spis_out, &ch->by_spi_out, hash_u32(ch->info.out.spi));
	if (ch->info.replaces)
		htab_add(&t->replaces, &ch->by_replaces, hash_u32(ch->info.replaces));
	list_insert(&ch->conn->kids, &ch->conn_link);
}

static void child_unlink(struct satable *t, struct sat_child *ch)
{
	htab_del(&t->serials, &ch->by_serial);
	htab_del(&t->spis_in, &ch->by_spi_in);
	htab_del(&t->spis_out, &ch->by_spi_out);
	if (ch->info.replaces)
		htab_del(&t->replaces, &ch->by_replaces);
	list_del(&ch->conn_link);
}

int satable_child_add(struct satable *t, const struct satable_child *c)
{
	struct sat_child *ch;
	int rc;

	if (!c->conn || !c->npol || c->npol > SATABLE_MAX_POL)
		return -EINVAL;
	if (child_find(t, c->serial))
		return -EEXIST;
	if (!(ch = child_new(t, c, &rc)))
		return rc;
	if ((rc = child_install(t, ch, c)) < 0) {
		child_teardown(t, ch, false, 0);
		return rc;
	}
	child_link(t, ch);
	return 0;
}

int satable_child_outbound(struct satable *t, unsigned serial, const struct dp_sa *out)
{
	struct sat_child *ch = child_find(t, serial);
	int rc;

	if (!ch)
		return -ENOENT;
	if (ch->out_on)
		return 0;
	if (out->spi != ch->info.out.spi)
		return -EINVAL;
	if ((rc = sa_add(t, out, ch->req->reqid, &ch->info.out)) < 0)
		return rc;
	ch->out_on = true;
	ch->info.out_deferred = false;
	ch->req->nout++;
	return 0;
}

int satable_child_del(struct satable *t, unsigned serial, uint64_t now_ms)
{
	struct sat_child *ch = child_find(t, serial);
	bool successor;

	if (!ch)
		return -ENOENT;
	child_unlink(t, ch);
	successor = ch->req->nkids > 1 || child_replaced(t, serial);
	return child_teardown(t, ch, successor, now_ms + SATABLE_LINGER_MS);
}

int satable_child_reparent(struct satable *t, unsigned serial, unsigned ike_serial)
{
	struct sat_child *ch = child_find(t, serial);

	if (!ch)
		return -ENOENT;
	ch->info.ike_serial = ike_serial;
	return 0;
}

const struct satable_child_info *satable_child_get(const struct satable *t, unsigned serial)
{
	const struct sat_child *ch = child_find(t, serial);
	return ch ? &ch->info : NULL;
}

const struct satable_child_info *satable_child_by_spi(const struct satable *t, uint32_t spi,
						      const struct ip_addr *dst)
{
	for (struct hnode *e = htab_first(&t->spis_in, hash_u32(spi)); e; e = htab_next(e)) {
		const struct sat_child *ch = container_of(e, const struct sat_child, by_spi_in);
		if (ch->info.in.spi == spi && (!dst || addr_eq(&ch->info.in.dst, dst)))
			return &ch->info;
	}
	for (struct hnode *e = htab_first(&t->spis_out, hash_u32(spi)); e; e = htab_next(e)) {
		const struct sat_child *ch = container_of(e, const struct sat_child, by_spi_out);
		if (ch->info.out.spi == spi && (!dst || addr_eq(&ch->info.out.dst, dst)))
			return &ch->info;
	}
	return NULL;
}

const struct dp_policy *satable_child_policy(const struct satable_child_info *ci, enum dp_dir dir, size_t i)
{
	const struct sat_child *ch = container_of(ci, const struct sat_child, info);

	if (i >= ci->npol)
		return NULL;
	return &ch->refs[dir == DP_DIR_OUT ? i : ci->npol + i].mine;
}

void satable_foreach_child(const struct satable *t, const void *conn,
			   void (*fn)(void *arg, const struct satable_child_info *ci), void *arg)
{
	const struct sat_conn *cn = conn ? conn_find(t, conn) : NULL;

	for (size_t i = 0; !conn && i < t->serials.nb; i++)
		for (const struct hnode *e = t->serials.b[i]; e; e = e->next)
			fn(arg, &container_of(e, const struct sat_child, by_serial)->info);
	for (const struct link *l = cn ? cn->kids.next : NULL; cn && l != &cn->kids; l = l->next)
		fn(arg, &container_of(l, const struct sat_child, conn_link)->info);
}

bool satable_conn_has_child(const struct satable *t, const void *conn)
{
	const struct sat_conn *cn = conn_find(t, conn);
	return cn && cn->nkids;
}

size_t satable_active_conns(const struct satable *t) { return t->nactive; }

/* ---- traps ----------------------------------------------------------------- */

static int trap_teardown(struct satable *t, struct sat_trap *tr)
{
	int rc = 0;

	for (size_t i = tr->n; i-- > 0;)
		keep_first(&rc, ref_release(t, &tr->refs[i]));
	if (tr->req->trap == tr)
		tr->req->trap = NULL;
	if (tr->conn->trap == tr)
		tr->conn->trap = NULL;
	req_put(t, tr->req);
	conn_put(t, tr->conn);
	free(tr);
	return rc;
}

int satable_trap_add(struct satable *t, const void *conn, const struct dp_policy *pol, size_t n, uint32_t *reqid)
{
	struct sat_conn *cn = conn_find(t, conn);
	struct sat_trap *tr;
	int rc = 0;

	if (!conn || !n || n > SATABLE_MAX_POL)
		return -EINVAL;
	if (cn && cn->trap)
		return -EEXIST;
	tr = calloc(1, sizeof(*tr) + n * sizeof(tr->refs[0]));
	if (!tr || !(cn = conn_get(t, conn))) {
		free(tr);
		return -ENOMEM;
	}
	tr->conn = cn;
	tr->n = n;
	if ((rc = req_get(t, conn, pol, n, &tr->req)) < 0) {
		conn_put(t, cn);
		free(tr);
		return rc;
	}
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = ref_hold(t, &tr->refs[i], &pol[i], tr->req->reqid, true);
	if (rc < 0) {
		trap_teardown(t, tr);
		return rc;
	}
	cn->trap = tr;
	tr->req->trap = tr;
	if (reqid)
		*reqid = tr->req->reqid;
	return 0;
}

int satable_trap_del(struct satable *t, const void *conn)
{
	struct sat_conn *cn = conn_find(t, conn);

	if (!cn || !cn->trap)
		return -ENOENT;
	return trap_teardown(t, cn->trap);
}

const void *satable_trap_by_reqid(const struct satable *t, uint32_t reqid)
{
	for (struct hnode *e = htab_first(&t->reqs_id, hash_u32(reqid)); e; e = htab_next(e)) {
		const struct sat_req *r = container_of(e, const struct sat_req, by_id);
		if (r->reqid == reqid)
			return r->trap ? r->conn : NULL;
	}
	return NULL;
}

bool satable_trap_of(const struct satable *t, const void *conn, uint32_t *reqid)
{
	const struct sat_conn *cn = conn_find(t, conn);

	if (!cn || !cn->trap)
		return false;
	if (reqid)
		*reqid = cn->trap->req->reqid;
	return true;
}

/* ---- time ------------------------------------------------------------------ */

uint64_t satable_next_deadline(const struct satable *t)
{
	if (list_empty(&t->lingers))
		return UINT64_MAX;
	return container_of(t->lingers.next, const struct sat_linger, link)->at;
}

void satable_tick(struct satable *t, uint64_t now_ms)
{
	while (!list_empty(&t->lingers)) {
		struct sat_linger *l = container_of(t->lingers.next, struct sat_linger, link);
		if (l->at > now_ms)
			break;
		linger_end(t, l);
	}
}

/* ---- life ------------------------------------------------------------------ */

struct satable *satable_new(struct dataplane *dp, uint32_t reqid_base, uint32_t reqid_count)
{
	struct satable *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->dp = dp;
	list_init(&t->lingers);
	if (!idpool_init(&t->reqids, reqid_base, reqid_count) || !htab_init(&t->serials) ||
	    !htab_init(&t->spis_in) || !htab_init(&t->spis_out) || !htab_init(&t->replaces) ||
	    !htab_init(&t->conns) || !htab_init(&t->reqs_key) || !htab_init(&t->reqs_id) || !htab_init(&t->pols)) {
		satable_free(t);
		return NULL;
	}
	return t;
}

static void free_child(void *arg, struct hnode *e)
{
	struct satable *t = arg;
	struct sat_child *ch = container_of(e, struct sat_child, by_serial);
	unsigned serial = ch->info.serial;
	int rc;

	child_unlink(t, ch);
	if ((rc = child_teardown(t, ch, false, 0)) < 0)
		log_warn("dataplane: removing Child SA #%u: %s", serial, strerror(-rc));
}

static void free_trap(void *arg, struct hnode *e)
{
	struct satable *t = arg;
	struct sat_conn *cn = container_of(e, struct sat_conn, node);
	int rc;

	if (cn->trap && (rc = trap_teardown(t, cn->trap)) < 0)
		log_warn("dataplane: removing a trap: %s", strerror(-rc));
}

/* Every policy goes with the first of its holders to go, while all SAs
 * are still there (XFRM finds a policy's route through its SA); no policy
 * is re-pointed on the way. */
void satable_free(struct satable *t)
{
	if (!t)
		return;
	t->closing = true;
	htab_each(&t->conns, free_trap, t);
	htab_each(&t->serials, free_child, t);
	while (!list_empty(&t->lingers))
		linger_end(t, container_of(t->lingers.next, struct sat_linger, link));
	htab_free(&t->serials);
	htab_free(&t->spis_in);
	htab_free(&t->spis_out);
	htab_free(&t->replaces);
	htab_free(&t->conns);
	htab_free(&t->reqs_key);
	htab_free(&t->reqs_id);
	htab_free(&t->pols);
	idpool_fini(&t->reqids);
	free(t);
}
