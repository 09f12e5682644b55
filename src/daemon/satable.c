/* The SA table (the model is in satable.h).  Records and their indexes:
 *
 *   serials, spis_in, spis_out, replaces ──> sat_child ──refs[]──┐
 *   conns ──> sat_conn (its Child SAs, its trap) ──> sat_trap ─refs[]─┤
 *   pols ───> sat_pol (one per key; holders: Child SAs newest first, <┘
 *                      traps oldest first; the installed version)
 *   reqs_key (conn, selector set), reqs_id ──> sat_req (reqid, users)
 *   lingers (earliest deadline first) ──> sat_linger ──> sat_req
 */
#include "daemon/satable_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"

/* ---- SAs ------------------------------------------------------------------- */

static void sa_keep(struct satable_sa *keep, const struct dp_sa *s)
{
	keep->spi = s->spi;
	keep->reqid = s->reqid;
	keep->dir = s->dir;
	keep->src = s->src;
	keep->dst = s->dst;
	keep->sport = s->sport;
	keep->dport = s->dport;
}

/* Adds sa with reqid; on success *keep is the SA as installed. */
static int sa_add(struct satable *t, const struct dp_sa *sa, uint32_t reqid, struct satable_sa *keep)
{
	struct dp_sa s = *sa;
	int rc;

	s.reqid = reqid;
	rc = t->dp->ops->add_sa(t->dp, &s);
	if (rc == 0)
		sa_keep(keep, &s);
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
	sat_req_put(t, l->req);
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
	if (!ch || !(ch->conn = sat_conn_get(t, c->conn))) {
		free(ch);
		return NULL;
	}
	if ((*rc = sat_req_get(t, c->conn, c->pol_out, c->npol, &ch->req)) < 0) {
		sat_conn_put(t, ch->conn);
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

	sa_keep(&ch->info.out, &c->out);
	ch->info.out.reqid = reqid;
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
		if ((rc = sat_ref_hold(t, &ch->refs[i], &c->pol_out[i], reqid, false)) < 0 ||
		    (rc = sat_ref_hold(t, &ch->refs[n + i], &c->pol_in[i], reqid, false)) < 0)
			return rc;
	return 0;
}

/* Policies first, then the SAs; the inbound SA lingers when asked to. */
static int child_teardown(struct satable *t, struct sat_child *ch, bool linger, uint64_t at)
{
	int rc = 0;

	for (size_t i = 2 * ch->info.npol; i-- > 0;)
		keep_first(&rc, sat_ref_release(t, &ch->refs[i]));
	if (ch->out_on) {
		keep_first(&rc, sa_del(t, ch->info.out.spi, &ch->info.out.dst));
		ch->req->nout--;
	}
	if (ch->in_on && !(linger && linger_add(t, ch, at)))
		keep_first(&rc, sa_del(t, ch->info.in.spi, &ch->info.in.dst));
	ch->req->nkids--;
	sat_req_put(t, ch->req);
	if (--ch->conn->nkids == 0)
		t->nactive--;
	sat_conn_put(t, ch->conn);
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

/* update_sa of one installed SA; the kept copy follows. */
static int sa_update(struct satable *t, const struct dp_sa *sa, uint32_t reqid, struct satable_sa *keep)
{
	struct dp_sa s = *sa;
	int rc;

	if (s.spi != keep->spi || !addr_eq(&s.dst, &keep->dst) || s.dir != keep->dir)
		return -EINVAL;
	s.reqid = reqid;
	rc = t->dp->ops->update_sa(t->dp, &s);
	if (rc == 0)
		sa_keep(keep, &s);
	return rc;
}

int satable_child_update(struct satable *t, unsigned serial, const struct dp_sa *in, const struct dp_sa *out)
{
	struct sat_child *ch = child_find(t, serial);
	int rc = 0;

	if (!ch)
		return -ENOENT;
	if (ch->in_on)
		rc = sa_update(t, in, ch->req->reqid, &ch->info.in);
	if (rc == 0 && ch->out_on)
		rc = sa_update(t, out, ch->req->reqid, &ch->info.out);
	return rc;
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
	const struct sat_conn *cn = conn ? sat_conn_find(t, conn) : NULL;

	for (size_t i = 0; !conn && i < t->serials.nb; i++)
		for (const struct hnode *e = t->serials.b[i]; e; e = e->next)
			fn(arg, &container_of(e, const struct sat_child, by_serial)->info);
	for (const struct link *l = cn ? cn->kids.next : NULL; cn && l != &cn->kids; l = l->next)
		fn(arg, &container_of(l, const struct sat_child, conn_link)->info);
}

bool satable_conn_has_child(const struct satable *t, const void *conn)
{
	const struct sat_conn *cn = sat_conn_find(t, conn);
	return cn && cn->nkids;
}

size_t satable_active_conns(const struct satable *t) { return t->nactive; }

/* ---- traps ----------------------------------------------------------------- */

static int trap_teardown(struct satable *t, struct sat_trap *tr)
{
	int rc = 0;

	for (size_t i = tr->n; i-- > 0;)
		keep_first(&rc, sat_ref_release(t, &tr->refs[i]));
	if (tr->req->trap == tr)
		tr->req->trap = NULL;
	if (tr->conn->trap == tr)
		tr->conn->trap = NULL;
	sat_req_put(t, tr->req);
	sat_conn_put(t, tr->conn);
	free(tr);
	return rc;
}

int satable_trap_add(struct satable *t, const void *conn, const struct dp_policy *pol, size_t n, uint32_t *reqid)
{
	struct sat_conn *cn = sat_conn_find(t, conn);
	struct sat_trap *tr;
	int rc = 0;

	if (!conn || !n || n > SATABLE_MAX_POL)
		return -EINVAL;
	if (cn && cn->trap)
		return -EEXIST;
	tr = calloc(1, sizeof(*tr) + n * sizeof(tr->refs[0]));
	if (!tr || !(cn = sat_conn_get(t, conn))) {
		free(tr);
		return -ENOMEM;
	}
	tr->conn = cn;
	tr->n = n;
	if ((rc = sat_req_get(t, conn, pol, n, &tr->req)) < 0) {
		sat_conn_put(t, cn);
		free(tr);
		return rc;
	}
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = sat_ref_hold(t, &tr->refs[i], &pol[i], tr->req->reqid, true);
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
	struct sat_conn *cn = sat_conn_find(t, conn);

	if (!cn || !cn->trap)
		return -ENOENT;
	return trap_teardown(t, cn->trap);
}

int satable_trap_action(struct satable *t, const void *conn, enum dp_action action)
{
	struct sat_conn *cn = sat_conn_find(t, conn);
	int rc = 0;

	if (!cn || !cn->trap)
		return -ENOENT;
	for (size_t i = 0; i < cn->trap->n; i++)
		if (cn->trap->refs[i].mine.action != action) {
			cn->trap->refs[i].mine.action = action;
			keep_first(&rc, sat_ref_resync(t, &cn->trap->refs[i]));
		}
	return rc;
}

size_t satable_trap_policies(const struct satable *t, const void *conn, struct dp_policy *out, size_t max)
{
	const struct sat_conn *cn = sat_conn_find(t, conn);
	size_t n = 0;

	for (; cn && cn->trap && n < cn->trap->n && n < max; n++)
		out[n] = cn->trap->refs[n].mine;
	return n;
}

const void *satable_trap_by_reqid(const struct satable *t, uint32_t reqid)
{
	for (struct hnode *e = htab_first(&t->reqs_id, hash_u32(reqid)); e; e = htab_next(e)) {
		const struct sat_req *r = container_of(e, const struct sat_req, by_id);
		if (r->reqid == reqid && r->trap)   /* a fixed reqid: several (conn, set) */
			return r->conn;
	}
	return NULL;
}

bool satable_trap_of(const struct satable *t, const void *conn, uint32_t *reqid)
{
	const struct sat_conn *cn = sat_conn_find(t, conn);

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

void satable_set_fixed_reqid(struct satable *t, uint32_t (*fn)(const void *conn))
{
	t->fixed_reqid = fn;
}

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
