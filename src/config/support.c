/* What Cygnet does with each setting: the class column of the keyword
 * table (keywords.h) applied to a value, a conn and config setup.
 *
 * "Not supported yet" is refused: FILE:LINE: conn NAME: key=value is not
 * supported by Cygnet (what is missing).  "No effect" is accepted with
 * one warning that says why.  A few refusals depend on the form of a value
 * rather than the value (%opportunistic in left=, vhost: subnets, the default
 * authby=): those are the conn-level rules at the end. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config/conn.h"
#include "config/keywords.h"
#include "lib/log.h"

const char *kw_class_name(enum kw_class c)
{
	switch (c) {
	case KC_IMPLEMENTED:
		return "implemented";
	case KC_NOT_YET:
		return "not supported yet";
	case KC_NO_EFFECT:
		return "no effect";
	case KC_UNCLASSIFIED:
		break;
	}
	return "unclassified";
}

static bool in_list(const char *const *ok, const char *w, size_t len)
{
	for (; *ok; ok++)
		if (strlen(*ok) == len && strncmp(*ok, w, len) == 0)
			return true;
	return false;
}

enum kw_class kw_value_class(const struct kw_def *d, const char *value, const char **why)
{
	char canon[512], w[160];
	const char *p;

	if (why)
		*why = d->why;
	if (!value || !value[0])
		return KC_IMPLEMENTED;      /* empty: explicitly unset, the default applies */
	if (!d->ok)
		return (enum kw_class)d->cls;
	if (!kw_validate(d, value, w, sizeof(w), canon, sizeof(canon)))
		return (enum kw_class)d->cls;   /* invalid: refused as such elsewhere */
	if (d->type != KT_LIST)
		return in_list(d->ok, canon, strlen(canon)) ? KC_IMPLEMENTED : (enum kw_class)d->cls;
	/* a list (authby=secret,rsasig): every word must be implemented */
	for (p = canon; *p;) {
		size_t n = strcspn(p, ",");
		if (!in_list(d->ok, p, n))
			return (enum kw_class)d->cls;
		p += n + (p[n] == ',');
	}
	return KC_IMPLEMENTED;
}

/* ---- reporting --------------------------------------------------------- */

struct check {
	const struct conn *c;
	const char *where;          /* "FILE:LINE: conn NAME" or NULL */
	struct config_diag *diag;
	bool ok;
};

static void refuse(struct check *k, const struct conf_kv *at, const char *what, const char *why)
{
	if (at && at->file)
		diag_add(k->diag, true, "%s:%u: conn %s: %s is not supported by Cygnet (%s)", at->file,
			 at->line, k->c->name, what, why);
	else if (k->where)
		diag_add(k->diag, true, "%s: %s is not supported by Cygnet (%s)", k->where, what, why);
	else
		diag_add(k->diag, true, "conn %s: %s is not supported by Cygnet (%s)", k->c->name, what,
			 why);
	k->ok = false;
}

static void no_effect(struct config_diag *diag, const struct conf_kv *at, const char *pfx,
		      const char *what, const char *why)
{
	if (at && at->file)
		diag_add(diag, false, "%s:%u: warning: %s has no effect in Cygnet (%s)", at->file,
			 at->line, what, why);
	else
		diag_add(diag, false, "%s: warning: %s has no effect in Cygnet (%s)", pfx, what, why);
}

/* One written keyword: refused or warned about by its class. */
static void check_kv(struct check *k, const struct conf_kv *p)
{
	const struct kw_def *d;
	const char *why;
	char what[600], spelled[64];

	if ((p->key[0] == 'x' || p->key[0] == 'X') && (p->key[1] == '-' || p->key[1] == '_'))
		return;                 /* user keyword: Cygnet never reads it */
	d = kw_find(p->key, KWS_CONN);
	if (!d || d->obsolete)      /* unknown: refused by conn_from_kv; obsolete: warned by the parser */
		return;
	snprintf(what, sizeof(what), "%s=%s", kw_spell(d, p->side, spelled, sizeof(spelled)),
		 p->value);
	switch (kw_value_class(d, p->value, &why)) {
	case KC_NOT_YET:
		refuse(k, p, what, why ? why : "not implemented");
		break;
	case KC_NO_EFFECT:
		no_effect(k->diag, p, k->where ? k->where : k->c->name, what, why ? why : "");
		break;
	case KC_IMPLEMENTED:
	case KC_UNCLASSIFIED:
		break;
	}
}

/* ---- rules on the form of a value -------------------------------------- */

static const struct conf_kv *kv_at(const struct conn *c, const char *key, enum conf_side side)
{
	for (size_t i = 0; i < c->kv.n; i++)
		if (c->kv.v[i].side == side && strcmp(c->kv.v[i].key, key) == 0)
			return &c->kv.v[i];
	return NULL;
}

static void check_end(struct check *k, enum conf_side side)
{
	static const char *const host_why[] = {
		[HOST_OPPORTUNISTIC] = "opportunistic encryption",
		[HOST_GROUP] = "policy groups",
		[HOST_OPPOGROUP] = "opportunistic encryption",
		[HOST_IFACE] = "interface names as hosts",
	};
	const struct conn_end *e = &k->c->end[side - 1];
	const char *lr = side == CONF_LEFT ? "left" : "right";
	const struct conf_kv *p;
	char what[600];

	p = kv_at(k->c, "", side);
	if (p && e->host_kind < sizeof(host_why) / sizeof(host_why[0]) && host_why[e->host_kind]) {
		snprintf(what, sizeof(what), "%s=%s", lr, p->value);
		refuse(k, p, what, host_why[e->host_kind]);
	}
	p = kv_at(k->c, "subnet", side);
	if (p && (strncasecmp(p->value, "vhost:", 6) == 0 || strncasecmp(p->value, "vnet:", 5) == 0)) {
		snprintf(what, sizeof(what), "%ssubnet=%s", lr, p->value);
		refuse(k, p, what, "virtual-private subnets");
	}
	p = kv_at(k->c, "id", side);
	if (p && strcmp(p->value, "%fromcert") == 0) {
		snprintf(what, sizeof(what), "%sid=%s", lr, p->value);
		refuse(k, p, what, "certificates");
	}
	static const char *const keys[] = { "rsasigkey", "pubkey", "ecdsakey", NULL };

	for (const char *const *key = keys; *key; key++) {
		p = kv_at(k->c, *key, side);
		if (p && p->value[0] == '%' && strcmp(p->value, "%none") != 0) {
			snprintf(what, sizeof(what), "%s%s=%s", lr, *key, p->value);
			refuse(k, p, what, "keys from certificates or DNS");
		}
	}
}

/* authby= unset means Libreswan's default rsasig,ecdsa, unless both
 * leftauth= and rightauth= say otherwise (a shunt conn authenticates
 * nothing, so its default does not matter); authby=never negotiates
 * nothing, which only a shunt conn (type=passthrough|drop|reject) may do. */
static void check_auth(struct check *k)
{
	const struct conf_kv *a = kv_at(k->c, "authby", CONF_NOSIDE);
	const struct conf_kv *la = kv_at(k->c, "auth", CONF_LEFT), *ra = kv_at(k->c, "auth", CONF_RIGHT);
	bool both_sided = la && la->value[0] && ra && ra->value[0];   /* "leftauth=" is unset */

	if ((!a || !a->value[0]) && !both_sided && !conn_is_shunt(k->c))
		refuse(k, NULL, "authby=rsasig,ecdsa (the default)",
		       "public-key authentication: set authby=secret");
	if (a && strcasestr(a->value, "never") && !conn_is_shunt(k->c))
		refuse(k, a, "authby=never", "a conn that negotiates nothing needs type=passthrough, drop or reject");
}

/* reqid= gives all of a conn's SAs one reqid; leftsubnets=/rightsubnets=
 * make several conns (NAME/1x1 ...) that would then share it, and their
 * policies would follow each other's SAs. */
static void check_reqid(struct check *k)
{
	const struct conf_kv *r = kv_at(k->c, "reqid", CONF_NOSIDE);
	char what[600];

	if (!r || !k->c->reqid)
		return;
	if (kv_at(k->c, "subnets", CONF_LEFT) || kv_at(k->c, "subnets", CONF_RIGHT)) {
		snprintf(what, sizeof(what), "reqid=%s with leftsubnets=/rightsubnets=", r->value);
		refuse(k, r, what, "one fixed reqid for several subnet pairs");
	}
	/* a %any end serves several peers: under one reqid the inbound check
	 * could not tell one peer's subnets from another's */
	if (k->c->end[0].host_kind == HOST_ANY || k->c->end[1].host_kind == HOST_ANY) {
		snprintf(what, sizeof(what), "reqid=%s with a %%any end", r->value);
		refuse(k, r, what, "one fixed reqid for several peers");
	}
}

bool conn_check_support(const struct conn *c, const char *where, struct config_diag *diag)
{
	struct check k = { c, where, diag, true };

	for (size_t i = 0; i < c->kv.n; i++)
		check_kv(&k, &c->kv.v[i]);
	check_end(&k, CONF_LEFT);
	check_end(&k, CONF_RIGHT);
	check_auth(&k);
	check_reqid(&k);
	return k.ok;
}

bool setup_check_support(const struct conf_kv *p, struct config_diag *diag)
{
	const struct kw_def *d;
	const char *why;
	char what[600];
	int fac, pri;

	if ((p->key[0] == 'x' || p->key[0] == 'X') && (p->key[1] == '-' || p->key[1] == '_'))
		return true;
	d = kw_find(p->key, KWS_SETUP);
	if (!d || d->obsolete)
		return true;
	snprintf(what, sizeof(what), "%s=%s", d->name, p->value);
	if (strcmp(d->name, "syslog") == 0 && p->value[0] && !log_parse_syslog_target(p->value, &fac, &pri)) {
		diag_add(diag, true, "%s:%u: config setup: %s: not FACILITY[.PRIORITY] (e.g. daemon.error, local3.notice)",
			 p->file ? p->file : "config", p->line, what);
		return false;
	}
	switch (kw_value_class(d, p->value, &why)) {
	case KC_NOT_YET:
		diag_add(diag, true, "%s:%u: config setup: %s is not supported by Cygnet (%s)",
			 p->file ? p->file : "config", p->line, what, why ? why : "not implemented");
		return false;
	case KC_NO_EFFECT:
		no_effect(diag, p, "config setup", what, why ? why : "");
		return true;
	case KC_IMPLEMENTED:
	case KC_UNCLASSIFIED:
		break;
	}
	return true;
}

/* ---- the table for people (ipsec addconn --keywords, the man page) ------- */

/* One line per keyword row, in the table's order:
 *   SECTION KEYWORD [implemented: VALUES; other values ]CLASS [(why)] */
void kw_print_classes(FILE *f)
{
	for (size_t i = 0; i < kw_count; i++) {
		const struct kw_def *d = &kw_table[i];
		char name[80];

		snprintf(name, sizeof(name), "%s%s", d->sided ? "left|right" : "", d->name);
		fprintf(f, "%-5s %-34s ", d->section == KWS_SETUP ? "setup" : "conn", name);
		if (d->alias_of) {
			fprintf(f, "alias of %s%s\n", d->sided ? "left|right" : "", d->alias_of);
			continue;
		}
		if (d->obsolete) {
			fprintf(f, "obsolete: ignored with a warning\n");
			continue;
		}
		if (d->ok) {
			fputs("implemented:", f);
			for (const char *const *v = d->ok; *v; v++)
				fprintf(f, "%s %s", v == d->ok ? "" : ",", *v);
			fputs("; other values ", f);
		}
		fputs(kw_class_name((enum kw_class)d->cls), f);
		if (d->why && d->cls != KC_IMPLEMENTED)
			fprintf(f, " (%s)", d->why);
		fputc('\n', f);
	}
}
