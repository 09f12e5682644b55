/* struct conn from a resolved keyword list (pure), kv lists, diagnostics. */
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conn.h"
#include "config/keywords.h"
#include "config/proposals.h"
#include "config/values.h"
#include "lib/share.h"

/* ---- kv lists ---------------------------------------------------------- */

void kvlist_init(struct conf_kvlist *l)
{
	memset(l, 0, sizeof(*l));
}

bool kvlist_add(struct conf_kvlist *l, const char *key, enum conf_side side, const char *value)
{
	return kvlist_add_at(l, key, side, value, NULL, 0);
}

bool kvlist_add_kv(struct conf_kvlist *l, const struct conf_kv *e)
{
	return kvlist_add_at(l, e->key, e->side, e->value, e->file, e->line);
}

bool kvlist_add_at(struct conf_kvlist *l, const char *key, enum conf_side side, const char *value,
		   const char *file, unsigned line)
{
	const char *k, *f = NULL;
	char *v;

	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 16;
		struct conf_kv *nv = realloc(l->v, nc * sizeof(*nv));
		if (!nv)
			return false;
		l->v = nv;
		l->cap = nc;
	}
	/* keyword names and file names repeat in every conn: shared */
	k = str_share(key);
	v = strdup(value);
	if (file)
		f = str_share(file);
	if (!k || !v || (file && !f)) {
		str_unshare(k);
		free(v);
		str_unshare(f);
		return false;
	}
	l->v[l->n] = (struct conf_kv){ .key = k, .side = side, .value = v, .file = f, .line = line };
	l->n++;
	return true;
}

void kvlist_clear(struct conf_kvlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		str_unshare(l->v[i].key);
		free((char *)l->v[i].value);
		str_unshare(l->v[i].file);
	}
	free(l->v);
	kvlist_init(l);
}

const char *kvlist_get(const struct conf_kvlist *l, const char *key, enum conf_side side)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].side == side && strcmp(l->v[i].key, key) == 0)
			return l->v[i].value;
	return NULL;
}

/* ---- diagnostics ------------------------------------------------------- */

void diag_init(struct config_diag *d)
{
	memset(d, 0, sizeof(*d));
}

void diag_free(struct config_diag *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		free(d->lines[i]);
	free(d->lines);
	free(d->is_error);
	diag_init(d);
}

void diag_add(struct config_diag *d, bool error, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	if (!d)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s)
		return;
	/* a warning from a %default or also= section applies to every conn
	 * using it: say it once */
	for (size_t i = 0; !error && i < d->n; i++)
		if (!d->is_error[i] && strcmp(d->lines[i], s) == 0) {
			free(s);
			return;
		}
	if (d->n == d->cap) {
		size_t nc = d->cap ? d->cap * 2 : 16;
		char **nl = realloc(d->lines, nc * sizeof(*nl));
		bool *ne;
		if (!nl) {
			free(s);
			return;
		}
		d->lines = nl;
		ne = realloc(d->is_error, nc * sizeof(*ne));
		if (!ne) {
			free(s);
			return;
		}
		d->is_error = ne;
		d->cap = nc;
	}
	d->lines[d->n] = s;
	d->is_error[d->n] = error;
	d->n++;
	if (error)
		d->n_errors++;
	else
		d->n_warnings++;
}

/* ---- the field table: keyword -> typed member -------------------------- */

enum fkind {
	F_HOST, F_NEXTHOP, F_ID, F_SUBNET, F_SUBNETS, F_PROTOPORT, F_ADDR,
	F_STR, F_ENUM, F_BOOL, F_MS, F_MS_MS, F_LIFETIME, F_PCT, F_BYTES, F_U32, F_REQID,
	F_KEYINGTRIES, F_PORT, F_MARK, F_PROPOSALS,
};

struct field {
	const char *kw;
	bool sided;             /* offset is into struct conn_end */
	enum fkind kind;
	size_t off;
};

#define E(kw, kind, member) { kw, true, kind, offsetof(struct conn_end, member) }
#define F(kw, kind, member) { kw, false, kind, offsetof(struct conn, member) }

static const struct field fields[] = {
	E("", F_HOST, host_kind),
	E("nexthop", F_NEXTHOP, nexthop_kind),
	E("id", F_ID, id),
	E("subnet", F_SUBNET, n_subnets),
	E("subnets", F_SUBNETS, n_subnets),
	E("protoport", F_PROTOPORT, protocol),
	E("sourceip", F_ADDR, sourceip),
	E("updown", F_STR, updown),
	E("rsasigkey", F_STR, rsasigkey),
	E("cert", F_STR, cert),
	E("ckaid", F_STR, ckaid),
	E("ca", F_STR, ca),
	E("auth", F_ENUM, auth),
	E("ikeport", F_PORT, ikeport),
	E("sendcert", F_ENUM, sendcert),
	E("xauthserver", F_BOOL, xauthserver),
	E("xauthclient", F_BOOL, xauthclient),
	E("modecfgserver", F_BOOL, modecfgserver),
	E("modecfgclient", F_BOOL, modecfgclient),
	F("connalias", F_STR, connalias),
	F("type", F_ENUM, type),
	F("auto", F_ENUM, auto_),
	F("ikev2", F_ENUM, ikev2),
	F("authby", F_STR, authby),
	F("ike", F_PROPOSALS, ike),
	F("esp", F_PROPOSALS, esp),
	F("ah", F_PROPOSALS, ah),
	F("phase2", F_ENUM, phase2_ah),
	F("ikelifetime", F_LIFETIME, ikelifetime_ms),
	F("salifetime", F_LIFETIME, salifetime_ms),
	F("rekeymargin", F_MS, rekeymargin_ms),
	F("rekeyfuzz", F_PCT, rekeyfuzz_pct),
	F("rekey", F_BOOL, rekey),
	F("pfs", F_BOOL, pfs),
	F("compress", F_BOOL, compress),
	F("narrowing", F_BOOL, narrowing),
	F("mobike", F_BOOL, mobike),
	F("nat-keepalive", F_BOOL, nat_keepalive),
	F("initial-contact", F_BOOL, initial_contact),
	F("send-no-esp-tfc", F_BOOL, send_no_esp_tfc),
	F("aggressive", F_BOOL, aggressive),
	F("retransmit-interval", F_MS_MS, retransmit_interval_ms),
	F("retransmit-timeout", F_MS, retransmit_timeout_ms),
	F("keyingtries", F_KEYINGTRIES, keyingtries),
	F("dpddelay", F_MS, dpddelay_ms),
	F("dpdtimeout", F_MS, dpdtimeout_ms),
	F("dpdaction", F_ENUM, dpdaction),
	F("esn", F_ENUM, esn),
	F("fragmentation", F_ENUM, fragmentation),
	F("encapsulation", F_ENUM, encapsulation),
	F("ipsec-max-bytes", F_BYTES, ipsec_max_bytes),
	F("ipsec-max-packets", F_BYTES, ipsec_max_packets),
	F("replay-window", F_U32, replay_window),
	F("reqid", F_REQID, reqid),
	F("priority", F_U32, priority),
	F("metric", F_U32, metric),
	F("mtu", F_U32, mtu),
	F("tfc", F_U32, tfc),
	F("nflog", F_U32, nflog),
	F("mark", F_MARK, mark),
	F("mark-in", F_MARK, mark_in),
	F("mark-out", F_MARK, mark_out),
	F("vti-interface", F_STR, vti_interface),
};

#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

static short *field_of;                    /* kw_table index -> field index + 1 */
static pthread_once_t field_once = PTHREAD_ONCE_INIT;

static void fields_init(void)
{
	field_of = calloc(kw_count, sizeof(*field_of));
	if (!field_of)
		abort();
	for (size_t i = 0; i < N_FIELDS; i++) {
		const struct kw_def *d = kw_find(fields[i].kw, KWS_CONN);
		if (d)
			field_of[kw_index(d)] = (short)(i + 1);
	}
}

static bool set_host(struct conn_end *e, const struct val_host *h, bool nexthop)
{
	static const enum conn_host_kind map[] = {
		[VAL_HOST_ADDR] = HOST_ADDR, [VAL_HOST_NAME] = HOST_DNS,
		[VAL_HOST_DEFAULTROUTE] = HOST_DEFAULTROUTE, [VAL_HOST_ANY] = HOST_ANY,
		[VAL_HOST_ANY6] = HOST_ANY, [VAL_HOST_OPPORTUNISTIC] = HOST_OPPORTUNISTIC,
		[VAL_HOST_GROUP] = HOST_GROUP, [VAL_HOST_OPPOGROUP] = HOST_OPPOGROUP,
		[VAL_HOST_DIRECT] = HOST_DIRECT, [VAL_HOST_IFACE] = HOST_IFACE,
	};
	enum conn_host_kind k = map[h->kind];

	if (nexthop) {
		e->nexthop_kind = k;
		e->nexthop = h->addr;
		return true;
	}
	e->host_kind = k;
	e->host = h->addr;
	if (h->kind == VAL_HOST_ANY)
		addr_any(AF_INET, &e->host);
	if (h->kind == VAL_HOST_ANY6)
		addr_any(AF_INET6, &e->host);
	if (h->kind == VAL_HOST_NAME || h->kind == VAL_HOST_IFACE) {
		free(e->host_name);
		e->host_name = strdup(h->name);
		return e->host_name != NULL;
	}
	return true;
}

static bool set_subnets(struct conn_end *e, const struct ip_subnet *nets, size_t n)
{
	free(e->subnets);
	e->subnets = NULL;
	e->n_subnets = 0;
	if (n == 0)
		return true;
	e->subnets = malloc(n * sizeof(*nets));
	if (!e->subnets)
		return false;
	memcpy(e->subnets, nets, n * sizeof(*nets));
	e->n_subnets = n;
	return true;
}

static bool set_str(char **slot, const char *v)
{
	free(*slot);
	*slot = NULL;
	if (v[0] == '\0')
		return true;
	*slot = strdup(v);
	return *slot != NULL;
}

/* set_str() on a char * member at byte address m: m is a char pointer (base
 * + offset), so the member is copied in and out rather than cast. */
static bool set_str_at(char *m, const char *v)
{
	char *slot;
	bool ok;

	memcpy(&slot, m, sizeof(slot));
	ok = set_str(&slot, v);
	memcpy(m, &slot, sizeof(slot));
	return ok;
}

/* ike=/esp=/ah= into the const struct proposal_list * at byte address m:
 * a shared list (proposals_share()), or NULL for an empty value (the
 * defaults). */
static bool set_proposals(char *m, const struct kw_def *d, const char *v, const char **why)
{
	enum prop_kind k = d->type == KT_IKE ? PROP_IKE : d->type == KT_ESP ? PROP_ESP : PROP_AH;
	const struct proposal_list *shared = NULL, *old;

	if (v[0] && !proposals_parse_shared(k, v, &shared, why))
		return false;
	memcpy(&old, m, sizeof(old));
	proposals_unref(old);
	memcpy(m, &shared, sizeof(shared));
	return true;
}

/* mark=/mark-in=/mark-out= into the struct conn_mark at byte address m. */
static bool set_mark(char *m, const char *v, const char **why)
{
	struct conn_mark cm = { 0 };
	struct val_mark vm;

	if (v[0]) {
		if (!val_mark(v, &vm, why))
			return false;
		cm = (struct conn_mark){ .set = true, .unique = vm.unique, .value = vm.value, .mask = vm.mask };
	}
	memcpy(m, &cm, sizeof(cm));
	return true;
}

/* A parsed value (the val_* functions write their output only on success)
 * into the member at byte address m, when ok. */
static bool store(char *m, const void *val, size_t n, bool ok)
{
	if (ok)
		memcpy(m, val, n);
	return ok;
}

/* Apply one validated value to the member described by f.  m is the
 * member's byte address; scalar members are written through memcpy from a
 * local of the member's type (no cast of m to a wider pointer type). */
/* The values of one end: hosts, IDs, subnets, protoport. */
static bool apply_end(const struct field *f, struct conn_end *e, const char *v, const char **why)
{
	switch (f->kind) {
	case F_HOST: case F_NEXTHOP: {
		struct val_host h;
		if (!(f->kind == F_HOST ? val_host(v, &h, why) : val_nexthop(v, &h, why)))
			return false;
		return set_host(e, &h, f->kind == F_NEXTHOP);
	}
	case F_ID: {
		bool myid = false;
		struct cy_id id;
		const struct cy_id *shared;
		if (!val_id(v, &id, &myid, why))
			return false;
		if (!(shared = id_share(&id))) {
			*why = "out of memory";
			return false;
		}
		id_unshare(e->id);
		e->id = shared;
		e->has_id = true;
		return true;
	}
	case F_SUBNET: {
		struct val_subnet_spec s;
		if (!val_subnet_spec(v, &s, why))
			return false;
		e->subnet_virtual = s.kind == VAL_SUBNET_VHOST || s.kind == VAL_SUBNET_VNET;
		return set_subnets(e, s.kind == VAL_SUBNET_NET ? &s.net : NULL,
				   s.kind == VAL_SUBNET_NET ? 1 : 0);
	}
	case F_SUBNETS: {
		struct ip_subnet tmp[CONN_MAX_SUBNETS];
		size_t n = 0;
		if (!val_subnet_list(v, tmp, CONN_MAX_SUBNETS, &n, why))
			return false;
		return set_subnets(e, tmp, n);
	}
	case F_PROTOPORT: {
		struct val_protoport pp;
		if (!val_protoport(v, &pp, why))
			return false;
		e->protocol = pp.proto;
		e->port = pp.port;
		e->port_any = pp.any_port;
		return true;
	}
	default:
		return false;
	}
}

/* Durations, lifetimes, sizes, percentages, counts, ports. */
static bool apply_number(const struct field *f, char *m, const char *v, const char **why)
{
	switch (f->kind) {
	case F_MS: case F_MS_MS: case F_LIFETIME: case F_BYTES: {
		uint64_t x = 0;
		bool clamped;
		return store(m, &x, sizeof(x),
			     f->kind == F_MS ? val_duration(v, &x, why) :
			     f->kind == F_MS_MS ? val_duration_ms(v, &x, why) :
			     f->kind == F_LIFETIME ? val_lifetime(v, VAL_LIFETIME_MAX_MS, &x, &clamped, why) :
			     val_bytes(v, &x, why));
	}
	case F_PCT: {
		unsigned p = 0;
		bool ok = val_percent(v, 100000, &p, why);
		uint32_t u = p;
		return store(m, &u, sizeof(u), ok);
	}
	case F_U32: {
		uint64_t x = 0;
		bool ok = val_number(v, 0, UINT32_MAX, &x, why);
		uint32_t u = (uint32_t)x;
		return store(m, &u, sizeof(u), ok);
	}
	case F_REQID: {
		/* Libreswan's manual range; 0 = automatic, as unset */
		uint64_t x = 0;
		bool ok = val_number(v, 0, 16379, &x, why);
		uint32_t u = (uint32_t)x;
		if (!ok)
			*why = "a fixed reqid is 1 to 16379 (0: automatic)";
		return store(m, &u, sizeof(u), ok);
	}
	case F_KEYINGTRIES: {
		uint32_t u = 0;
		return store(m, &u, sizeof(u), val_keyingtries(v, &u, why));
	}
	case F_PORT: {
		uint16_t u = 0;
		return store(m, &u, sizeof(u), val_port(v, &u, why));
	}
	default:
		return false;
	}
}

static bool apply(const struct field *f, const struct kw_def *d, void *base, const char *v,
		  const char **why)
{
	char *m = (char *)base + f->off;

	if (f->kind != F_STR && f->kind != F_PROPOSALS && f->kind != F_MARK && v[0] == '\0')
		return true;                 /* explicitly empty: keep the default */
	switch (f->kind) {
	case F_HOST: case F_NEXTHOP: case F_ID: case F_SUBNET: case F_SUBNETS: case F_PROTOPORT:
		return apply_end(f, base, v, why);
	case F_MS: case F_MS_MS: case F_LIFETIME: case F_BYTES: case F_PCT: case F_U32: case F_REQID: case F_KEYINGTRIES:
	case F_PORT:
		return apply_number(f, m, v, why);
	case F_ADDR:
		return val_addr(v, (struct ip_addr *)m, why);
	case F_STR:
		if (f->sided && f->off == offsetof(struct conn_end, updown) &&
		    strcmp(v, "%disabled") == 0)
			v = "";
		return set_str_at(m, v);
	case F_ENUM: {
		int x;
		if (!val_enum(v, d->names, &x, why))
			return false;
		if (d->names == NULL)
			return false;
		if (strcmp(d->name, "ikev2") == 0 || strcmp(d->name, "phase2") == 0) {
			bool b = x != 0;
			memcpy(m, &b, sizeof(b));
		} else {
			memcpy(m, &x, sizeof(x));
		}
		return true;
	}
	case F_BOOL:
		return val_bool(v, (bool *)m, why);
	case F_MARK:
		return set_mark(m, v, why);
	case F_PROPOSALS:
		return set_proposals(m, d, v, why);
	}
	return false;
}

static void conn_defaults(struct conn *c)
{
	c->ikev2 = true;
	c->rekey = c->pfs = c->nat_keepalive = c->initial_contact = true;
	c->ikelifetime_ms = c->salifetime_ms = 8ULL * 3600 * 1000;
	c->rekeymargin_ms = 9ULL * 60 * 1000;
	c->rekeyfuzz_pct = 100;
	c->retransmit_interval_ms = 500;
	c->retransmit_timeout_ms = 60000;
	c->ipsec_max_bytes = c->ipsec_max_packets = 1ULL << 63;
	c->replay_window = 128;
	c->metric = 1;
	for (int s = 0; s < 2; s++) {
		c->end[s].updown = strdup("ipsec _updown");
		c->end[s].sendcert = SENDCERT_IFASKED;
	}
}

/* c->present: one bit per (keyword, side) */
static size_t pbit(size_t idx, enum conf_side side)
{
	return idx * 3 + (size_t)side;
}

static void present_set(struct conn *c, size_t idx, enum conf_side side)
{
	size_t b = pbit(idx, side);

	c->present[b / 8] |= (uint8_t)(1u << (b % 8));
}

static bool present_get(const struct conn *c, size_t idx, enum conf_side side)
{
	size_t b = pbit(idx, side);

	return c->present && (c->present[b / 8] >> (b % 8) & 1);
}

struct conn *conn_from_kv(const char *name, const struct conf_kvlist *kv,
			  const char *where, struct config_diag *diag)
{
	struct conn *c = calloc(1, sizeof(*c));
	const char *pfx = where ? where : name;
	bool ok = true;

	pthread_once(&field_once, fields_init);
	if (!c || !(c->present = calloc((kw_count * 3 + 7) / 8, 1)) || !(c->name = strdup(name))) {
		diag_add(diag, true, "%s: out of memory", pfx);
		conn_free(c);
		return NULL;
	}
	conn_defaults(c);
	/* the conn's copy of the list, sized to it (thousands of conns) */
	if (kv->n && !(c->kv.v = malloc(kv->n * sizeof(*c->kv.v)))) {
		diag_add(diag, true, "%s: out of memory", pfx);
		conn_free(c);
		return NULL;
	}
	c->kv.cap = kv->n;
	for (size_t i = 0; i < kv->n; i++) {
		const struct conf_kv *p = &kv->v[i];
		const struct kw_def *d;
		const struct field *f;
		char why[160], spelled[64];
		const char *w = NULL;

		if ((p->key[0] == 'x' || p->key[0] == 'X') && (p->key[1] == '-' || p->key[1] == '_'))
			goto keep;     /* user keyword */
		d = kw_find(p->key, KWS_CONN);
		if (!d || d->sided != (p->side != CONF_NOSIDE)) {
			diag_add(diag, true, "%s: unknown keyword '%s'", pfx, p->key);
			ok = false;
			continue;
		}
		kw_spell(d, p->side, spelled, sizeof(spelled));
		f = field_of[kw_index(d)] ? &fields[field_of[kw_index(d)] - 1] : NULL;
		/* typed fields are validated by their parser in apply(); text
		 * fields and keywords without a field by their keyword type */
		if ((!f || f->kind == F_STR) &&
		    !kw_validate(d, p->value, why, sizeof(why), NULL, 0)) {
			diag_add(diag, true, "%s: keyword %s, invalid value: %s (%s)", pfx, spelled,
				 p->value, why);
			ok = false;
			continue;
		}
		present_set(c, kw_index(d), p->side);
		if (f && !apply(f, d, f->sided ? (void *)&c->end[p->side - 1] : (void *)c,
				p->value, &w)) {
			diag_add(diag, true, "%s: keyword %s, invalid value: %s (%s)", pfx, spelled,
				 p->value, w ? w : "invalid");
			ok = false;
		}
	keep:
		if (!kvlist_add_kv(&c->kv, p)) {
			ok = false;
			break;
		}
	}
	if (!ok) {
		conn_free(c);
		return NULL;
	}
	return c;
}

void conn_free(struct conn *c)
{
	if (!c)
		return;
	for (int s = 0; s < 2; s++) {
		struct conn_end *e = &c->end[s];
		free(e->host_name);
		free(e->subnets);
		free(e->updown);
		free(e->rsasigkey);
		free(e->cert);
		free(e->ckaid);
		free(e->ca);
		id_unshare(e->id);
	}
	free(c->name);
	free(c->connalias);
	free(c->file);
	free(c->authby);
	proposals_unref(c->ike);
	proposals_unref(c->esp);
	proposals_unref(c->ah);
	free(c->vti_interface);
	free(c->present);
	kvlist_clear(&c->kv);
	free(c);
}

bool conn_has(const struct conn *c, const char *key, enum conf_side side)
{
	const struct kw_def *d = kw_find(key, KWS_CONN);

	return d && present_get(c, kw_index(d), side);
}

const char *conn_get(const struct conn *c, const char *key, enum conf_side side)
{
	return kvlist_get(&c->kv, key, side);
}
