/* The SA table under random churn against a naive model that restates the
 * rules of satable.h with linear scans: Child SAs of four conns over
 * selector sets that overlap and coincide across conns (one set listed in
 * two orders), rekeys, deferred outbound SAs, traps, lingering inbound
 * SAs, and dataplane failures injected into every kind of add.  After each
 * operation: the fake dataplane holds exactly the SAs and policies the
 * model predicts, each policy pointing at the reqid the model predicts; a
 * refused add changed nothing; two live (conn, selector set) never share a
 * reqid and one never has two; the lookups agree with the model. */
#include "satable_testlib.h"

#define NCONN 4
#define NSET 4
#define MAXKID 16
#define NREQIDS 64                      /* small: reqids are reused many times */
#define STEPS 2500

static const char *const sets[NSET] = { S12, S12 "," S13, "10.1.5.0/24>10.2.0.0/16", S13 "," S12 };
static const int canon[NSET] = { 0, 1, 2, 1 };   /* which sets are equal */

struct mkid {
	unsigned serial, replaces;
	int conn, set;
	bool deferred;
	uint64_t order;
	uint32_t reqid;
};

struct mlinger {
	uint32_t spi, reqid;
	int conn, set;
	uint64_t at;
};

struct model {
	struct mkid kid[MAXKID];
	size_t nkid;
	int trap[NCONN];                /* its set, -1: not routed */
	uint64_t trap_order[NCONN];
	struct mlinger lin[64];
	size_t nlin;
	uint64_t order, now, rng;
	unsigned serial;
};

static unsigned rnd(struct model *m)
{
	m->rng ^= m->rng << 13;
	m->rng ^= m->rng >> 7;
	m->rng ^= m->rng << 17;
	return (unsigned)(m->rng >> 11);
}

static bool same_reqid(const struct mkid *a, const struct mkid *b)
{
	return a->conn == b->conn && canon[a->set] == canon[b->set];
}

/* ---- the prediction ------------------------------------------------------- */

struct ment {
	struct dp_policy p;
	uint64_t order;
	bool trap;
};

static size_t entries(const struct satable *t, const struct model *m, struct ment *e)
{
	struct dp_policy out[SATABLE_MAX_POL], in[SATABLE_MAX_POL];
	size_t n = 0;

	for (size_t i = 0; i < m->nkid; i++) {
		size_t k = mk_pols(sets[m->kid[i].set], out, in, false);
		for (size_t j = 0; j < 2 * k; j++) {
			e[n] = (struct ment){ j < k ? out[j] : in[j - k], m->kid[i].order, false };
			e[n++].p.reqid = m->kid[i].reqid;
		}
	}
	for (int c = 0; c < NCONN; c++) {
		uint32_t r = 0;
		size_t k = m->trap[c] < 0 ? 0 : mk_pols(sets[m->trap[c]], out, NULL, true);
		satable_trap_of(t, &conns[c], &r);
		for (size_t j = 0; j < k; j++) {
			e[n] = (struct ment){ out[j], m->trap_order[c], true };
			e[n++].p.reqid = r;
		}
	}
	return n;
}

static bool same_key(const struct dp_policy *a, const struct dp_policy *b)
{
	return a->dir == b->dir && subnet_eq(&a->sel.src, &b->sel.src) && subnet_eq(&a->sel.dst, &b->sel.dst);
}

/* What the dataplane must hold: the SAs of the Child SAs and lingering
 * ones; per policy key, the newest Child SA's reqid, else the oldest trap's. */
static void predict(const struct satable *t, const struct model *m, char *out, size_t cap)
{
	struct ment e[MAXKID * 8 + NCONN * 2];
	size_t n = entries(t, m, e), len = 0;
	char buf[LIST_MAX] = "", b[160];

	for (size_t i = 0; i < m->nkid; i++) {
		const struct mkid *k = &m->kid[i];
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "sa in 0x%x r%u; ", 0x1000 + k->serial, k->reqid - BASE);
		if (!k->deferred)
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "sa out 0x%x r%u; ", 0x2000 + k->serial,
						k->reqid - BASE);
	}
	for (size_t i = 0; i < m->nlin; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "sa in 0x%x r%u; ", m->lin[i].spi, m->lin[i].reqid - BASE);
	for (size_t i = 0; i < n; i++) {
		bool effective = true;
		for (size_t j = 0; j < n && effective; j++)
			if (j != i && same_key(&e[i].p, &e[j].p))
				effective = e[i].trap ? e[j].trap && e[j].order > e[i].order
						      : e[j].trap || e[j].order < e[i].order;
		if (!effective)
			continue;
		fmt_pol(&e[i].p, false, b, sizeof(b));
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s; ", b);
	}
	sorted(buf, out, cap);
}

/* Two holders share a reqid exactly when they share (conn, selector set). */
static bool reqids_ok(const struct satable *t, const struct model *m, char *why, size_t cap)
{
	struct holder { int conn, set; uint32_t reqid; } h[MAXKID + NCONN + 64];
	size_t n = 0;

	for (size_t i = 0; i < m->nkid; i++)
		h[n++] = (struct holder){ m->kid[i].conn, canon[m->kid[i].set], m->kid[i].reqid };
	for (int c = 0; c < NCONN; c++)
		if (m->trap[c] >= 0) {
			h[n] = (struct holder){ c, canon[m->trap[c]], 0 };
			satable_trap_of(t, &conns[c], &h[n++].reqid);
		}
	for (size_t i = 0; i < m->nlin; i++)
		h[n++] = (struct holder){ m->lin[i].conn, canon[m->lin[i].set], m->lin[i].reqid };
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if ((h[i].conn == h[j].conn && h[i].set == h[j].set) != (h[i].reqid == h[j].reqid)) {
				snprintf(why, cap, "conn %d set %d r%u vs conn %d set %d r%u", h[i].conn, h[i].set,
					 h[i].reqid - BASE, h[j].conn, h[j].set, h[j].reqid - BASE);
				return false;
			}
	return true;
}

static bool lookups_ok(const struct satable *t, const struct model *m, char *why, size_t cap)
{
	size_t active = 0;
	uint64_t next = UINT64_MAX;

	for (size_t i = 0; i < m->nkid; i++) {
		const struct mkid *k = &m->kid[i];
		const struct satable_child_info *a = satable_child_by_spi(t, 0x1000 + k->serial, NULL);
		const struct satable_child_info *b = satable_child_by_spi(t, 0x2000 + k->serial, NULL);
		if (!a || a != b || a->serial != k->serial || a->out_deferred != k->deferred || a->reqid != k->reqid) {
			snprintf(why, cap, "lookup of #%u", k->serial);
			return false;
		}
	}
	for (int c = 0; c < NCONN; c++) {
		bool has = false;
		uint32_t r = 0;
		for (size_t i = 0; i < m->nkid; i++)
			has |= m->kid[i].conn == c;
		active += has;
		if (satable_conn_has_child(t, &conns[c]) != has || satable_trap_of(t, &conns[c], &r) != (m->trap[c] >= 0) ||
		    (m->trap[c] >= 0 && satable_trap_by_reqid(t, r) != &conns[c])) {
			snprintf(why, cap, "conn %d", c);
			return false;
		}
	}
	for (size_t i = 0; i < m->nlin; i++)
		next = m->lin[i].at < next ? m->lin[i].at : next;
	if (satable_active_conns(t) != active || satable_next_deadline(t) != next) {
		snprintf(why, cap, "active conns %zu / deadline", active);
		return false;
	}
	return true;
}

/* ---- the operations --------------------------------------------------------- */

static int op_add(struct satable *t, struct model *m)
{
	struct satable_child c;
	struct mkid k = { .serial = ++m->serial, .conn = (int)(rnd(m) % NCONN), .set = (int)(rnd(m) % NSET) };
	int rc;

	if (m->nkid == MAXKID)
		return 0;
	for (size_t i = 0; i < m->nkid && !k.replaces; i++)   /* a rekey of one of the conn's */
		if (m->kid[i].conn == k.conn && rnd(m) % 2)
			k.replaces = m->kid[i].serial;
	c = mk_child(k.serial, &conns[k.conn], sets[k.set]);
	c.replaces = k.replaces;
	c.out_deferred = k.replaces && rnd(m) % 2;
	for (size_t i = 0; i < m->nkid && c.out_deferred && !k.deferred; i++)
		k.deferred = same_reqid(&m->kid[i], &k) && !m->kid[i].deferred;
	if ((rc = satable_child_add(t, &c)) == 0) {
		k.order = ++m->order;
		k.reqid = satable_child_get(t, k.serial)->reqid;
		m->kid[m->nkid++] = k;
	}
	return rc;
}

static int outbound(struct satable *t, struct mkid *k)
{
	struct dp_sa out;
	int rc;

	mk_sa(&out, DP_DIR_OUT, 0x2000 + k->serial);
	if ((rc = satable_child_outbound(t, k->serial, &out)) == 0)
		k->deferred = false;
	return rc;
}

/* As the engine does: the peer's Delete of a carrier first switches its
 * rekeyed successors to their outbound SAs. */
static int op_del(struct satable *t, struct model *m)
{
	struct mkid k;
	bool successor = false;
	size_t i;
	int rc;

	if (!m->nkid)
		return 0;
	k = m->kid[i = rnd(m) % m->nkid];
	m->kid[i] = m->kid[--m->nkid];
	for (i = 0; i < m->nkid; i++) {
		if (!k.deferred && m->kid[i].deferred && same_reqid(&m->kid[i], &k) && outbound(t, &m->kid[i]) < 0)
			return -EIO;
		successor |= same_reqid(&m->kid[i], &k) || m->kid[i].replaces == k.serial;
	}
	if ((rc = satable_child_del(t, k.serial, m->now)) == 0 && successor)
		m->lin[m->nlin++] = (struct mlinger){ 0x1000 + k.serial, k.reqid, k.conn, k.set,
						      m->now + SATABLE_LINGER_MS };
	return rc;
}

static int op_trap(struct satable *t, struct fake *f, struct model *m)
{
	int c = (int)(rnd(m) % NCONN), s = (int)(rnd(m) % NSET), rc;

	if (m->trap[c] >= 0) {
		f->fail_op = 0;                  /* failures go into adds only */
		if ((rc = satable_trap_del(t, &conns[c])) == 0)
			m->trap[c] = -1;
		return rc;
	}
	if ((rc = route(t, &conns[c], sets[s], NULL)) == 0) {
		m->trap[c] = s;
		m->trap_order[c] = ++m->order;
	}
	return rc;
}

static int op_outbound(struct satable *t, struct model *m)
{
	for (size_t i = 0, start = m->nkid ? rnd(m) % m->nkid : 0; i < m->nkid; i++)
		if (m->kid[(start + i) % m->nkid].deferred)
			return outbound(t, &m->kid[(start + i) % m->nkid]);
	return 0;
}

static void expire(struct satable *t, struct model *m)
{
	satable_tick(t, m->now);
	for (size_t i = 0; i < m->nlin;)
		if (m->lin[i].at <= m->now)
			m->lin[i] = m->lin[--m->nlin];
		else
			i++;
}

/* One step; false (reported) on the first disagreement. */
static bool step(struct satable *t, struct fake *f, struct model *m, unsigned n)
{
	unsigned op = rnd(m) % 10;
	bool adds = op < 4 || op >= 7, inject = adds && rnd(m) % 3 == 0;
	char before[LIST_MAX], want[LIST_MAX], got[LIST_MAX], why[160] = "";
	int rc;

	m->now += 400;
	expire(t, m);
	state_of(f, false, before, sizeof(before));
	if (inject) {
		f->fail_op = rnd(m) % 2 ? OP_ADD_SA : OP_ADD_POL;
		f->fail_n = 1 + rnd(m) % 4;
	}
	rc = op < 4 ? op_add(t, m) : op < 7 ? op_del(t, m) : op < 9 ? op_trap(t, f, m) : op_outbound(t, m);
	f->fail_op = 0;
	state_of(f, false, got, sizeof(got));
	if (rc < 0 && (!inject || rc != -ENOBUFS || strcmp(got, before)))
		return t_fail(__FILE__, __LINE__, "step %u op %u: rc %d\n    before %s\n    after  %s", n, op, rc, before, got);
	predict(t, m, want, sizeof(want));
	state_of(f, false, got, sizeof(got));
	if (strcmp(want, got))
		return t_fail(__FILE__, __LINE__, "step %u op %u\n    got  %s\n    want %s", n, op, got, want);
	if (f->bad[0])
		return t_fail(__FILE__, __LINE__, "step %u op %u: rule broken: %s\n    calls %s", n, op, f->bad, f->calls);
	f->calls[0] = 0;
	if (!reqids_ok(t, m, why, sizeof(why)) || !lookups_ok(t, m, why, sizeof(why)))
		return t_fail(__FILE__, __LINE__, "step %u op %u: %s", n, op, why);
	return true;
}

static void test_churn(void)
{
	for (uint64_t seed = 1; seed <= 4; seed++) {
		struct fake f;
		struct satable *t = setup(&f, NREQIDS);
		struct model *m = calloc(1, sizeof(*m));
		bool ok = true;

		m->rng = 0x9e3779b97f4a7c15ull * seed;
		for (int c = 0; c < NCONN; c++)
			m->trap[c] = -1;
		for (unsigned n = 0; n < STEPS && ok; n++)
			ok = step(t, &f, m, n);
		satable_free(t);
		if (ok)                          /* whatever the calls, nothing is left */
			STEP(&f, f.calls, "");
		free(m);
	}
}

int main(void)
{
	RUN(test_churn);
	return t_done();
}
