/* The kernel dataplane's table of its SAs (xfrm_table.h): hashed by
 * (SPI, destination) and grouped by (reqid, direction), with the EXPIREs
 * the daemon's channel refused kept on a list until taken. */
#include "dataplane/xfrm_table.h"

#include <errno.h>
#include <stdlib.h>

/* The SAs of one (reqid, direction), oldest first. */
struct xt_group {
	struct hnode hn;
	uint32_t reqid;
	enum dp_dir dir;
	struct link sas;
};

#define ENTRY(l, member) container_of(l, struct xt_entry, member)

static uint32_t hash_sa(uint32_t spi, const struct ip_addr *dst)
{
	uint32_t h = fnv1a(FNV1A_INIT, &spi, sizeof(spi));

	h = fnv1a(h, &dst->af, 1);
	return fnv1a(h, dst->a, addr_len(dst));
}

static uint32_t hash_group(uint32_t reqid, enum dp_dir dir)
{
	uint8_t d = (uint8_t)dir;

	return fnv1a(fnv1a(FNV1A_INIT, &reqid, sizeof(reqid)), &d, 1);
}

int xt_init(struct xt *t)
{
	*t = (struct xt){ 0 };
	list_init(&t->all);
	list_init(&t->pend);
	if (!htab_init(&t->sa) || !htab_init(&t->grp)) {
		htab_free(&t->sa);
		htab_free(&t->grp);
		return -ENOMEM;
	}
	return 0;
}

void xt_free(struct xt *t)
{
	while (!list_empty(&t->all))
		xt_remove(t, ENTRY(t->all.next, al));
	htab_free(&t->sa);
	htab_free(&t->grp);
}

struct xt_entry *xt_find(struct xt *t, uint32_t spi, const struct ip_addr *dst)
{
	for (struct hnode *n = htab_first(&t->sa, hash_sa(spi, dst)); n; n = htab_next(n)) {
		struct xt_entry *e = container_of(n, struct xt_entry, hn);
		t->visits++;
		if (e->sa.spi == spi && addr_eq(&e->sa.dst, dst))
			return e;
	}
	return NULL;
}

static struct xt_group *group_find(struct xt *t, uint32_t reqid, enum dp_dir dir)
{
	for (struct hnode *n = htab_first(&t->grp, hash_group(reqid, dir)); n; n = htab_next(n)) {
		struct xt_group *g = container_of(n, struct xt_group, hn);
		t->visits++;
		if (g->reqid == reqid && g->dir == dir)
			return g;
	}
	return NULL;
}

/* e (not in a group) becomes the newest of its (reqid, direction). */
static int group_link(struct xt *t, struct xt_entry *e)
{
	struct xt_group *g = group_find(t, e->sa.reqid, e->sa.dir);

	if (!g) {
		if (!(g = calloc(1, sizeof(*g))))
			return -ENOMEM;
		g->reqid = e->sa.reqid;
		g->dir = e->sa.dir;
		list_init(&g->sas);
		htab_add(&t->grp, &g->hn, hash_group(g->reqid, g->dir));
	}
	list_insert(g->sas.prev, &e->gl);
	e->grp = g;
	return 0;
}

static void group_unlink(struct xt *t, struct xt_entry *e)
{
	struct xt_group *g = e->grp;

	if (!g)
		return;
	list_del(&e->gl);
	e->grp = NULL;
	if (list_empty(&g->sas)) {
		htab_del(&t->grp, &g->hn);
		free(g);
	}
}

const struct xk_sa *xt_newest(struct xt *t, uint32_t reqid, enum dp_dir dir)
{
	struct xt_group *g = group_find(t, reqid, dir);

	return g ? &ENTRY(g->sas.prev, gl)->sa : NULL;
}

static void pend_drop(struct xt *t, struct xt_entry *e)
{
	if (!list_empty(&e->pl)) {
		list_del(&e->pl);
		t->npending--;
	}
	e->pending = 0;
}

/* One pending event per SA: a hard one replaces a soft one. */
static void pend_set(struct xt *t, struct xt_entry *e, bool hard)
{
	if (hard)
		e->pending = XT_PEND_HARD;
	else if (!(e->pending & XT_PEND_HARD))
		e->pending = XT_PEND_SOFT;
	if (list_empty(&e->pl)) {
		list_insert(t->pend.prev, &e->pl);
		t->npending++;
	}
}

/* An entry changed (reqid or direction) or came back from gone: it is the
 * newest of its group now. */
static int put_existing(struct xt *t, struct xt_entry *e, const struct xk_sa *sa)
{
	bool regroup = e->gone || e->sa.reqid != sa->reqid || e->sa.dir != sa->dir;

	if (e->gone) {
		pend_drop(t, e);
		e->gone = false;
		e->born = t->epoch;
	}
	if (regroup)
		group_unlink(t, e);
	e->sa = *sa;
	if (regroup && group_link(t, e) < 0) {
		xt_remove(t, e);
		return -ENOMEM;
	}
	return 0;
}

int xt_put(struct xt *t, const struct xk_sa *sa)
{
	struct xt_entry *e = xt_find(t, sa->spi, &sa->dst);

	if (e)
		return put_existing(t, e, sa);
	if (!(e = calloc(1, sizeof(*e))))
		return -ENOMEM;
	e->sa = *sa;
	e->born = t->epoch;
	list_init(&e->pl);
	if (group_link(t, e) < 0) {
		free(e);
		return -ENOMEM;
	}
	htab_add(&t->sa, &e->hn, hash_sa(sa->spi, &sa->dst));
	list_insert(&t->all, &e->al);
	t->n++;
	return 0;
}

void xt_remove(struct xt *t, struct xt_entry *e)
{
	pend_drop(t, e);
	group_unlink(t, e);
	htab_del(&t->sa, &e->hn);
	list_del(&e->al);
	t->n--;
	free(e);
}

struct xt_entry *xt_first(struct xt *t) { return list_empty(&t->all) ? NULL : ENTRY(t->all.next, al); }

struct xt_entry *xt_next(struct xt *t, struct xt_entry *e)
{
	return e->al.next == &t->all ? NULL : ENTRY(e->al.next, al);
}

static void expire_event(const struct xt_entry *e, bool hard, struct dp_event *ev)
{
	*ev = (struct dp_event){ .type = DP_EV_EXPIRE };
	ev->u.expire.spi = e->sa.spi;
	ev->u.expire.dst = e->sa.dst;
	ev->u.expire.dir = e->sa.dir;
	ev->u.expire.reqid = e->sa.reqid;
	ev->u.expire.hard = hard;
}

bool xt_expire(struct xt *t, struct dp_event *ev, xt_push_fn push, void *arg)
{
	struct xt_entry *e = xt_find(t, ev->u.expire.spi, &ev->u.expire.dst);
	bool hard = ev->u.expire.hard;

	if (!e || e->gone)
		return false;          /* not ours, or its hard expire is pending */
	ev->u.expire.dir = e->sa.dir;
	if (push(arg, ev)) {
		if (hard)
			xt_remove(t, e);      /* the kernel has removed it */
		else
			pend_drop(t, e);      /* an older soft one is told now */
		return true;
	}
	if (hard) {
		group_unlink(t, e);     /* no policy's template any more */
		e->gone = true;
	}
	pend_set(t, e, hard);
	return true;
}

size_t xt_retry(struct xt *t, xt_push_fn push, void *arg)
{
	while (!list_empty(&t->pend)) {
		struct xt_entry *e = ENTRY(t->pend.next, pl);
		bool hard = e->pending & XT_PEND_HARD;
		struct dp_event ev;

		expire_event(e, hard, &ev);
		if (!push(arg, &ev))
			break;            /* still full: the rest wait with it */
		if (hard)
			xt_remove(t, e);
		else
			pend_drop(t, e);
	}
	return t->npending;
}

uint32_t xt_resync_begin(struct xt *t) { return ++t->epoch; }

void xt_resync_seen(struct xt *t, uint32_t epoch, uint32_t spi, const struct ip_addr *dst)
{
	struct xt_entry *e = xt_find(t, spi, dst);

	if (e)
		e->seen = epoch;
}

size_t xt_resync_end(struct xt *t, uint32_t epoch, xt_push_fn push, void *arg)
{
	size_t gone = 0;

	for (struct xt_entry *e = xt_first(t), *nx; e; e = nx) {
		struct dp_event ev;

		nx = xt_next(t, e);
		t->visits++;
		/* added since the dump began (the dump may not show it), seen,
		 * or already reported */
		if ((int32_t)(epoch - e->born) <= 0 || e->seen == epoch || e->gone)
			continue;
		expire_event(e, true, &ev);
		if (xt_expire(t, &ev, push, arg))
			gone++;
	}
	return gone;
}
