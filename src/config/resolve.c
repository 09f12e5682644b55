/* Resolution: raw sections -> struct config (also=, alsoflip=, %default,
 * %defaultroute, validation with FILE:LINE, duplicate conn names).
 * Linear in the size of the file: conn names and keywords are hashed. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conn.h"
#include "config/defaultroute.h"
#include "config/keywords.h"
#include "config/parser.h"

enum origin { O_OWN, O_ALSO, O_DEFAULT };

struct merged {
	const struct raw_item *it;
	enum conf_side side;
	enum origin origin;
};

struct name_hash {
	size_t cap;          /* power of two */
	long *slot;          /* index + 1, 0 = empty */
};

struct rstate {
	struct raw_config *rc;
	struct config *cfg;
	struct config_diag *diag;
	const struct config_opts *o;
	struct name_hash sections;         /* conn name -> section index (first one) */
	const struct raw_item **defaults;  /* %default: slot -> item */
	size_t *def_slots, n_def_slots;    /* the slots set in defaults, in order */
	const struct raw_item **def_user;  /* %default x- keys */
	size_t n_def_user;
	unsigned char *visiting;           /* per section, for also= loops */
	struct merged *m;                  /* the conn being resolved */
	size_t n_m, cap_m;
	unsigned *slot;                    /* kw slot -> merged index + 1 */
	bool broken;
	int dr_state[2];                   /* per family: 0 unknown, 1 ok, -1 none */
	struct defaultroute dr[2];
};

struct cfg_priv {
	struct name_hash conns;            /* conn name -> entry index */
};

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static bool nh_init(struct name_hash *h, size_t n)
{
	h->cap = 16;
	while (h->cap < n * 2 + 1)
		h->cap *= 2;
	h->slot = calloc(h->cap, sizeof(*h->slot));
	return h->slot != NULL;
}

/* Find name; `get(i)` returns the name of stored index i.  Returns the
 * slot position (occupied by name or the empty one where it would go). */
static size_t nh_pos(const struct name_hash *h, const char *name,
		     const char *(*get)(const void *ctx, long i), const void *ctx)
{
	size_t i = hash_str(name) & (h->cap - 1);

	while (h->slot[i] && strcmp(get(ctx, h->slot[i] - 1), name) != 0)
		i = (i + 1) & (h->cap - 1);
	return i;
}

static const char *sec_name(const void *ctx, long i)
{
	return ((const struct raw_config *)ctx)->sec[i].name;
}

static const char *entry_name(const void *ctx, long i)
{
	return ((const struct config *)ctx)->conns[i].name;
}

static size_t kslot(const struct kw_def *d, enum conf_side side)
{
	return kw_index(d) * 3 + (size_t)side;
}

static bool is_also(const struct raw_item *it)
{
	return it->ref.def && (strcmp(it->ref.def->name, "also") == 0 ||
			       strcmp(it->ref.def->name, "alsoflip") == 0);
}

static enum conf_side flip_side(enum conf_side s, bool flip)
{
	if (!flip || s == CONF_NOSIDE)
		return s;
	return s == CONF_LEFT ? CONF_RIGHT : CONF_LEFT;
}

/* Validate one raw item once (cached); reports with its FILE:LINE. */
static bool item_valid(struct rstate *rs, const struct raw_item *cit)
{
	struct raw_item *it = (struct raw_item *)cit;
	char why[200];

	if (!it->ref.def || it->valid > 0)
		return true;
	if (it->valid < 0)
		return false;
	if (kw_validate(it->ref.def, it->value, why, sizeof(why), NULL, 0)) {
		it->valid = 1;
		return true;
	}
	if (strcmp(why, "invalid value") == 0)
		diag_add(rs->diag, true, "%s:%u: keyword %s, invalid value: %s", it->file, it->line,
			 it->key, it->value);
	else
		diag_add(rs->diag, true, "%s:%u: keyword %s, invalid value: %s (%s)", it->file,
			 it->line, it->key, it->value, why);
	it->valid = -1;
	return false;
}

static void push_merged(struct rstate *rs, const struct raw_item *it, enum conf_side side,
			enum origin o)
{
	if (rs->n_m == rs->cap_m) {
		rs->cap_m = rs->cap_m ? rs->cap_m * 2 : 32;
		rs->m = realloc(rs->m, rs->cap_m * sizeof(*rs->m));
		if (!rs->m)
			abort();
	}
	rs->m[rs->n_m].it = it;
	rs->m[rs->n_m].side = side;
	rs->m[rs->n_m].origin = o;
	rs->n_m++;
}

static void add_merged(struct rstate *rs, const char *conn, const struct raw_item *it,
		       enum conf_side side, enum origin o)
{
	struct merged *old = NULL;

	if (!item_valid(rs, it))
		rs->broken = true;
	if (it->ref.user) {
		for (size_t i = 0; i < rs->n_m; i++)
			if (rs->m[i].it->ref.user && strcmp(rs->m[i].it->key, it->key) == 0)
				old = &rs->m[i];
	} else if (rs->slot[kslot(it->ref.def, side)]) {
		old = &rs->m[rs->slot[kslot(it->ref.def, side)] - 1];
	}
	if (old) {
		/* the conn's own value wins over also=/%default; two also=
		 * sources must agree */
		if (old->origin == O_ALSO && o == O_ALSO && strcmp(old->it->value, it->value) != 0) {
			diag_add(rs->diag, true,
				 "%s:%u: conn %s: conflicting values for %s via also=: '%s' (from %s:%u) and '%s'",
				 it->file, it->line, conn, it->key, old->it->value, old->it->file,
				 old->it->line, it->value);
			rs->broken = true;
		}
		return;
	}
	push_merged(rs, it, side, o);
	if (!it->ref.user)
		rs->slot[kslot(it->ref.def, side)] = (unsigned)rs->n_m;
}

static void merge_section(struct rstate *rs, const char *conn, long si, bool flip, enum origin o,
			  int depth);

static void follow_also(struct rstate *rs, const char *conn, const struct raw_item *it,
			bool flip, int depth)
{
	bool aflip = strcmp(it->ref.def->name, "alsoflip") == 0;
	char *names = strdup(it->value), *save = NULL;

	if (!names)
		abort();
	for (char *t = strtok_r(names, " \t,", &save); t; t = strtok_r(NULL, " \t,", &save)) {
		size_t pos = nh_pos(&rs->sections, t, sec_name, rs->rc);
		long ti = (long)rs->sections.slot[pos] - 1;
		if (ti < 0) {
			diag_add(rs->diag, true, "%s:%u: cannot find conn '%s' needed by conn '%s'",
				 it->file, it->line, t, conn);
			rs->broken = true;
			continue;
		}
		if (rs->visiting[ti] || depth > 64) {
			diag_add(rs->diag, true, "%s:%u: also= loop: conn '%s' includes itself (via conn '%s')",
				 it->file, it->line, t, conn);
			rs->broken = true;
			continue;
		}
		merge_section(rs, conn, ti, flip ^ aflip, O_ALSO, depth + 1);
	}
	free(names);
}

static void merge_section(struct rstate *rs, const char *conn, long si, bool flip, enum origin o,
			  int depth)
{
	const struct raw_section *s = &rs->rc->sec[si];

	rs->visiting[si] = 1;
	if (s->broken)
		rs->broken = true;
	for (size_t i = 0; i < s->n; i++)
		if (!is_also(&s->items[i]))
			add_merged(rs, conn, &s->items[i], flip_side(s->items[i].ref.side, flip), o);
	for (size_t i = 0; i < s->n; i++)
		if (is_also(&s->items[i]))
			follow_also(rs, conn, &s->items[i], flip, depth);
	rs->visiting[si] = 0;
}

static void merge_defaults(struct rstate *rs, const char *conn)
{
	for (size_t k = 0; k < rs->n_def_slots; k++) {
		size_t i = rs->def_slots[k];
		if (!rs->slot[i])
			add_merged(rs, conn, rs->defaults[i], rs->defaults[i]->ref.side, O_DEFAULT);
	}
	for (size_t i = 0; i < rs->n_def_user; i++)
		add_merged(rs, conn, rs->def_user[i], CONF_NOSIDE, O_DEFAULT);
}

/* ---- %defaultroute ----------------------------------------------------- */

static const struct defaultroute *get_dr(struct rstate *rs, int af)
{
	int k = af == AF_INET6;

	if (rs->o && rs->o->no_defaultroute_lookup)
		return NULL;
	if (rs->dr_state[k] == 0)
		rs->dr_state[k] = defaultroute_get(af, &rs->dr[k]) == 0 ? 1 : -1;
	return rs->dr_state[k] > 0 ? &rs->dr[k] : NULL;
}

static void resolve_defaultroute(struct rstate *rs, struct config_conn_entry *e)
{
	struct conf_kvlist *kv = &e->kv;
	const char *fam = kvlist_get(kv, "hostaddrfamily", CONF_NOSIDE);

	for (int s = CONF_LEFT; s <= CONF_RIGHT; s++) {
		const char *other = kvlist_get(kv, "", s == CONF_LEFT ? CONF_RIGHT : CONF_LEFT);
		int af = (fam && strcmp(fam, "ipv6") == 0) || (other && strchr(other, ':'))
			 ? AF_INET6 : AF_INET;
		bool host_dr = false, nh_dr = false, has_nh = false;
		const struct defaultroute *dr;
		char buf[ADDR_STRLEN];

		for (size_t i = 0; i < kv->n; i++) {
			if (kv->v[i].side != (enum conf_side)s)
				continue;
			if (kv->v[i].key[0] == '\0' && strcmp(kv->v[i].value, "%defaultroute") == 0)
				host_dr = true;
			if (strcmp(kv->v[i].key, "nexthop") == 0) {
				has_nh = true;
				nh_dr = strcmp(kv->v[i].value, "%defaultroute") == 0;
			}
		}
		if (!host_dr && !nh_dr)
			continue;
		dr = get_dr(rs, af);
		if (!dr) {
			if (!(rs->o && rs->o->no_defaultroute_lookup))
				diag_add(rs->diag, false, "%s:%u: conn %s: no default route (IPv%d); %%defaultroute left unresolved",
					 e->file, e->line, e->name, af == AF_INET ? 4 : 6);
			continue;
		}
		for (size_t i = 0; i < kv->n; i++) {
			struct conf_kv *p = &kv->v[i];
			const struct ip_addr *a = NULL;
			if (p->side != (enum conf_side)s || strcmp(p->value, "%defaultroute") != 0)
				continue;
			if (p->key[0] == '\0')
				a = &dr->src;
			else if (strcmp(p->key, "nexthop") == 0 && addr_is_set(&dr->gw))
				a = &dr->gw;
			if (!a)
				continue;
			free((char *)p->value);
			p->value = strdup(addr_fmt(a, buf));
			if (!p->value)
				abort();
		}
		if (host_dr && !has_nh && addr_is_set(&dr->gw))
			kvlist_add(kv, "nexthop", s, addr_fmt(&dr->gw, buf));
	}
}

/* ---- per conn ---------------------------------------------------------- */

static bool needs_ends(const struct conf_kvlist *kv)
{
	const char *a = kvlist_get(kv, "auto", CONF_NOSIDE);
	int x;
	/* the same (case-insensitive) reading conn_from_kv and start-up use */
	return a && val_enum(a, val_auto_names, &x, NULL) && x != VAL_AUTO_IGNORE;
}

static void resolve_conn(struct rstate *rs, long si, struct config_conn_entry *e)
{
	const struct raw_section *s = &rs->rc->sec[si];
	char where[600];

	rs->n_m = 0;
	rs->broken = false;
	merge_section(rs, s->name, si, false, O_OWN, 0);
	merge_defaults(rs, s->name);
	for (size_t i = 0; i < rs->n_m; i++) {
		const struct merged *m = &rs->m[i];
		rs->slot[m->it->ref.user ? 0 : kslot(m->it->ref.def, m->side)] = 0;
		if (!kvlist_add_at(&e->kv, m->it->ref.user ? m->it->key : m->it->ref.def->name,
				   m->side, m->it->value, m->it->file, m->it->line))
			abort();
	}
	rs->slot[0] = 0;
	if (!rs->broken && needs_ends(&e->kv)) {
		for (int side = CONF_LEFT; side <= CONF_RIGHT; side++) {
			const char *v = kvlist_get(&e->kv, "", side);
			if (!v || !v[0]) {
				diag_add(rs->diag, true, "%s:%u: conn %s: %s= is not set", e->file, e->line,
					 e->name, side == CONF_LEFT ? "left" : "right");
				rs->broken = true;
			}
		}
	}
	if (!rs->broken)
		resolve_defaultroute(rs, e);
	e->broken = rs->broken;
	if (e->broken)
		return;
	snprintf(where, sizeof(where), "%s:%u: conn %s", e->file, e->line, e->name);
	e->conn = conn_from_kv(e->name, &e->kv, where, rs->diag);
	if (!e->conn) {
		e->broken = true;
		return;
	}
	/* Conns that start-up does not load (auto=ignore: often only also=
	 * fragments) are checked when they are added. */
	if (needs_ends(&e->kv) && !conn_check_support(e->conn, where, rs->diag)) {
		conn_free(e->conn);
		e->conn = NULL;
		e->broken = e->refused = true;
		return;
	}
	e->conn->file = strdup(e->file);
	e->conn->line = e->line;
}

static void load_setup(struct rstate *rs, const struct raw_section *s)
{
	struct config *cfg = rs->cfg;

	cfg->has_setup = true;
	for (size_t i = 0; i < s->n; i++) {
		const struct raw_item *it = &s->items[i];
		item_valid(rs, it);
		if (!kvlist_add_at(&cfg->setup, it->ref.user ? it->key : it->ref.def->name, CONF_NOSIDE,
				   it->value, it->file, it->line))
			abort();
		if (!setup_check_support(&cfg->setup.v[cfg->setup.n - 1], rs->diag))
			cfg->setup_refused = true;
	}
}

static void load_defaults(struct rstate *rs, const struct raw_section *s)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct raw_item *it = &s->items[i];
		if (is_also(it)) {
			diag_add(rs->diag, true, "%s:%u: %s= is not allowed in conn %%default",
				 it->file, it->line, it->key);
			continue;
		}
		if (it->ref.user) {
			rs->def_user = realloc(rs->def_user, (rs->n_def_user + 1) * sizeof(*rs->def_user));
			if (!rs->def_user)
				abort();
			rs->def_user[rs->n_def_user++] = it;
			continue;
		}
		if (!rs->defaults[kslot(it->ref.def, it->ref.side)]) {
			rs->def_slots = realloc(rs->def_slots, (rs->n_def_slots + 1) * sizeof(*rs->def_slots));
			if (!rs->def_slots)
				abort();
			rs->def_slots[rs->n_def_slots++] = kslot(it->ref.def, it->ref.side);
		}
		rs->defaults[kslot(it->ref.def, it->ref.side)] = it;   /* later %default wins */
	}
}

static struct config *resolve(struct raw_config *rc, const char *path, const struct config_opts *o,
			      struct config_diag *diag)
{
	struct rstate rs = { .rc = rc, .diag = diag, .o = o };
	struct config *cfg = calloc(1, sizeof(*cfg));
	struct cfg_priv *pv = calloc(1, sizeof(*pv));
	bool setup_done = false;

	if (!cfg || !pv || !(cfg->path = strdup(path)) || !nh_init(&rs.sections, rc->n) ||
	    !nh_init(&pv->conns, rc->n) ||
	    !(rs.defaults = calloc(kw_count * 3, sizeof(*rs.defaults))) ||
	    !(rs.slot = calloc(kw_count * 3, sizeof(*rs.slot))) ||
	    !(rs.visiting = calloc(rc->n + 1, 1)) ||
	    !(cfg->conns = calloc(rc->n + 1, sizeof(*cfg->conns))))
		abort();
	cfg->priv = pv;
	rs.cfg = cfg;
	kvlist_init(&cfg->setup);

	/* pass 1: names, defaults, setup */
	for (size_t i = 0; i < rc->n; i++) {
		const struct raw_section *s = &rc->sec[i];
		if (s->kind == RAW_SETUP) {
			if (!setup_done && !s->broken)
				load_setup(&rs, s);
			setup_done = true;
		} else if (s->kind == RAW_DEFAULT) {
			load_defaults(&rs, s);
		} else {
			size_t pos = nh_pos(&rs.sections, s->name, sec_name, rc);
			if (rs.sections.slot[pos]) {
				const struct raw_section *f = &rc->sec[rs.sections.slot[pos] - 1];
				diag_add(diag, true, "%s:%u: duplicate conn name '%s' (first at %s:%u); ignored",
					 s->file, s->line, s->name, f->file, f->line);
				continue;
			}
			rs.sections.slot[pos] = (long)i + 1;
		}
	}
	/* pass 2: resolve each conn in file order */
	for (size_t i = 0; i < rc->n; i++) {
		const struct raw_section *s = &rc->sec[i];
		struct config_conn_entry *e;
		size_t pos;

		if (s->kind != RAW_CONN)
			continue;
		pos = nh_pos(&rs.sections, s->name, sec_name, rc);
		if (rs.sections.slot[pos] != (long)i + 1)
			continue;          /* duplicate name */
		e = &cfg->conns[cfg->n_conns];
		e->name = strdup(s->name);
		e->file = strdup(s->file);
		if (!e->name || !e->file)
			abort();
		e->line = s->line;
		kvlist_init(&e->kv);
		pv->conns.slot[nh_pos(&pv->conns, e->name, entry_name, cfg)] = (long)cfg->n_conns + 1;
		cfg->n_conns++;
		resolve_conn(&rs, (long)i, e);
	}
	free(rs.sections.slot);
	free(rs.defaults);
	free(rs.def_slots);
	free(rs.def_user);
	free(rs.slot);
	free(rs.visiting);
	free(rs.m);
	return cfg;
}

/* ---- public entry points ---------------------------------------------- */

struct config *config_load_opts(const char *path, const struct config_opts *o,
				struct config_diag *diag)
{
	struct raw_config *rc = parser_parse_file(path, o, diag);
	struct config *cfg;

	if (!rc)
		return NULL;
	cfg = resolve(rc, path, o, diag);
	raw_config_free(rc);
	return cfg;
}

struct config *config_load(const char *path, struct config_diag *diag)
{
	return config_load_opts(path, NULL, diag);
}

struct config *config_load_buffer(const char *name, const char *buf, size_t len,
				  const struct config_opts *o, struct config_diag *diag)
{
	struct raw_config *rc = parser_parse_buffer(name, buf, len, o, diag);
	struct config *cfg;

	if (!rc)
		return NULL;
	cfg = resolve(rc, name, o, diag);
	raw_config_free(rc);
	return cfg;
}

void config_free(struct config *cfg)
{
	struct cfg_priv *pv;

	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n_conns; i++) {
		struct config_conn_entry *e = &cfg->conns[i];
		free(e->name);
		free(e->file);
		kvlist_clear(&e->kv);
		conn_free(e->conn);
	}
	free(cfg->conns);
	kvlist_clear(&cfg->setup);
	pv = cfg->priv;
	if (pv)
		free(pv->conns.slot);
	free(pv);
	free(cfg->path);
	free(cfg);
}

const struct config_conn_entry *config_find(const struct config *cfg, const char *name)
{
	const struct cfg_priv *pv = cfg->priv;
	size_t pos = nh_pos(&pv->conns, name, entry_name, cfg);

	return pv->conns.slot[pos] ? &cfg->conns[pv->conns.slot[pos] - 1] : NULL;
}

static bool alias_has(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; p && *p;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		const char *q = p;
		while (*q && *q != ' ' && *q != '\t' && *q != ',')
			q++;
		if ((size_t)(q - p) == n && strncmp(p, name, n) == 0)
			return true;
		p = q;
	}
	return false;
}

size_t config_find_alias(const struct config *cfg, const char *name,
			 const struct config_conn_entry **out, size_t max)
{
	size_t k = 0;
	const struct config_conn_entry *e = config_find(cfg, name);

	if (e) {
		if (max)
			out[0] = e;
		return 1;
	}
	for (size_t i = 0; i < cfg->n_conns; i++) {
		if (!alias_has(kvlist_get(&cfg->conns[i].kv, "connalias", CONF_NOSIDE), name))
			continue;
		if (k < max)
			out[k] = &cfg->conns[i];
		k++;
	}
	return k;
}
