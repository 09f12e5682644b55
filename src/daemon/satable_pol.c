/* The SA table's policy and reqid layer: keys, reqids per (conn, selector
 * set), conn records, and policies reference-counted by key, each pointing
 * at its effective holder's reqid (see satable.h's model). */
#include "daemon/satable_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"

/* ---- keys ------------------------------------------------------------------ */

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

static void polkey_of(const struct dp_policy *pol, struct polkey *k)
{
	selkey_of(&pol->sel, &k->sel);
	k->dir = pol->dir == DP_DIR_OUT;
	memcpy(k->mark, &pol->mark.value, 4);
	memcpy(k->mark + 4, &pol->mark.mask, 4);
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
int sat_req_get(struct satable *t, const void *conn, const struct dp_policy *pol, size_t n, struct sat_req **out)
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
		uint32_t fixed = t->fixed_reqid ? t->fixed_reqid(conn) : 0;

		if (!(r = calloc(1, sizeof(*r) + m * sizeof(sel[0]))))
			return -ENOMEM;
		if (fixed) {
			r->reqid = fixed;
			r->fixed = true;
		} else if (!idpool_get(&t->reqids, &r->reqid)) {
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

void sat_req_put(struct satable *t, struct sat_req *r)
{
	if (--r->users)
		return;
	htab_del(&t->reqs_key, &r->by_key);
	htab_del(&t->reqs_id, &r->by_id);
	if (!r->fixed)
		idpool_put(&t->reqids, r->reqid);
	free(r);
}

/* ---- conns ----------------------------------------------------------------- */

static uint32_t hash_conn(const void *conn) { return fnv1a(FNV1A_INIT, &conn, sizeof(conn)); }

struct sat_conn *sat_conn_find(const struct satable *t, const void *conn)
{
	for (struct hnode *e = htab_first(&t->conns, hash_conn(conn)); e; e = htab_next(e)) {
		struct sat_conn *c = container_of(e, struct sat_conn, node);
		if (c->conn == conn)
			return c;
	}
	return NULL;
}

struct sat_conn *sat_conn_get(struct satable *t, const void *conn)
{
	struct sat_conn *c = sat_conn_find(t, conn);

	if (c || !(c = calloc(1, sizeof(*c))))
		return c;
	c->conn = conn;
	list_init(&c->kids);
	htab_add(&t->conns, &c->node, hash_conn(conn));
	return c;
}

void sat_conn_put(struct satable *t, struct sat_conn *c)
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
	struct dp_policy d = p->inst_ref->mine;
	const struct dp_policy *tr = trap_of_reqid(gone, d.reqid) ? gone : NULL;

	for (const struct link *l = p->traps.next; !tr && l != &p->traps; l = l->next)
		if (trap_of_reqid(&container_of(l, const struct sat_ref, link)->mine, d.reqid))
			tr = &container_of(l, const struct sat_ref, link)->mine;
	if (!d.tmpl_dst.af && tr) {
		d.tmpl_src = tr->tmpl_src;
		d.tmpl_dst = tr->tmpl_dst;
		d.mode = tr->mode;
	}
	d.reqid = p->inst_reqid;
	d.action = p->inst_action;
	p->installed = false;
	p->inst_ref = NULL;
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

	if (p->installed && want && p->inst_reqid == want->mine.reqid && p->inst_action == want->mine.action) {
		/* the dataplane's version stays; it is named by a holder that stays */
		p->inst_ref = want;
		return 0;
	}
	if (p->installed)
		rc = pol_del(t, p, gone);
	if (want) {
		keep_first(&rc, r = t->dp->ops->add_policy(t->dp, &want->mine));
		if (r == 0) {
			p->inst_ref = want;
			p->inst_reqid = want->mine.reqid;
			p->inst_action = want->mine.action;
			p->installed = true;
		}
	}
	return rc;
}

int sat_ref_resync(struct satable *t, struct sat_ref *ref)
{
	return ref->pol ? pol_sync(t, ref->pol, NULL) : 0;
}

static bool pol_held(const struct sat_pol *p) { return !list_empty(&p->kids) || !list_empty(&p->traps); }

int sat_ref_release(struct satable *t, struct sat_ref *ref)
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
int sat_ref_hold(struct satable *t, struct sat_ref *ref, const struct dp_policy *pol, uint32_t reqid, bool trap)
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
	sat_ref_release(t, ref);
	return rc < 0 ? rc : -EIO;
}
