/* leftsubnets=/rightsubnets= -> one conn per subnet pair (see permutate.h). */
#include "config/permutate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/values.h"

/* One side's subnets in Libreswan's order: subnet= (index 0), then
 * subnets= (from 1).  Items point into the kv list or into nets[]. */
struct side_list {
	size_t n;
	unsigned base;                              /* index of item[0]: 0 or 1 */
	const char *item[CONN_MAX_SUBNETS + 1];
	char nets[CONN_MAX_SUBNETS][SUBNET_STRLEN];
};

static const char *given(const struct conf_kvlist *kv, const char *key, enum conf_side side)
{
	const char *v = kvlist_get(kv, key, side);

	return v && v[0] ? v : NULL;
}

static bool side_list(const struct conf_kvlist *kv, enum conf_side side, struct side_list *s,
		      const char **why)
{
	const char *one = given(kv, "subnet", side), *many = given(kv, "subnets", side);
	struct ip_subnet nets[CONN_MAX_SUBNETS];
	size_t n = 0;

	s->n = 0;
	s->base = one ? 0 : 1;
	if (one)
		s->item[s->n++] = one;
	if (many && !val_subnet_list(many, nets, CONN_MAX_SUBNETS, &n, why))
		return false;
	for (size_t i = 0; i < n; i++)
		s->item[s->n++] = subnet_fmt(&nets[i], s->nets[i]);
	return true;
}

void permuted_free(struct permuted *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].name);
		kvlist_clear(&v[i].kv);
	}
	free(v);
}

static bool is_replaced(const struct conf_kv *e)
{
	if (e->side == CONF_NOSIDE)
		return strcmp(e->key, "connalias") == 0;
	return strcmp(e->key, "subnet") == 0 || strcmp(e->key, "subnets") == 0;
}

/* The conn's kv list with subnet=/subnets=/connalias= replaced. */
static bool pair_kv(const struct conf_kvlist *kv, const char *alias, const char *l, const char *r,
		    struct conf_kvlist *out)
{
	kvlist_init(out);
	for (size_t i = 0; i < kv->n; i++)
		if (!is_replaced(&kv->v[i]) && !kvlist_add_kv(out, &kv->v[i]))
			return false;
	return kvlist_add(out, "subnet", CONF_LEFT, l) && kvlist_add(out, "subnet", CONF_RIGHT, r) &&
	       kvlist_add(out, "connalias", CONF_NOSIDE, alias);
}

int permutate_kv(const char *name, const struct conf_kvlist *kv, struct permuted **out,
		 char *why, size_t whylen)
{
	struct side_list *s = NULL;
	struct permuted *v = NULL;
	const char *bad = NULL;
	size_t n = 0, total;
	int rc = -1;

	if (!given(kv, "subnets", CONF_LEFT) && !given(kv, "subnets", CONF_RIGHT))
		return 0;
	s = calloc(2, sizeof(*s));
	if (!s) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		const char *lr = i ? "right" : "left";

		if (!side_list(kv, i ? CONF_RIGHT : CONF_LEFT, &s[i], &bad)) {
			snprintf(why, whylen, "%ssubnets=: %s", lr, bad ? bad : "invalid");
			goto out;
		}
		if (s[i].n == 0) {
			snprintf(why, whylen, "%ssubnets= needs %ssubnet= or %ssubnets=; no connection added",
				 i ? "left" : "right", lr, lr);
			goto out;
		}
	}
	total = s[0].n * s[1].n;
	if (total > PERMUTATE_MAX) {
		snprintf(why, whylen, "%zu subnet pairs, more than %d", total, PERMUTATE_MAX);
		goto out;
	}
	v = calloc(total, sizeof(*v));
	if (!v)
		goto oom;
	for (size_t li = 0; li < s[0].n; li++)
		for (size_t ri = 0; ri < s[1].n; ri++, n++) {
			if (asprintf(&v[n].name, "%s/%zux%zu", name, li + s[0].base, ri + s[1].base) < 0) {
				v[n].name = NULL;
				goto oom;
			}
			if (!pair_kv(kv, name, s[0].item[li], s[1].item[ri], &v[n].kv)) {
				n++;
				goto oom;
			}
		}
	*out = v;
	v = NULL;
	rc = (int)total;
	goto out;
oom:
	snprintf(why, whylen, "out of memory");
	permuted_free(v, n);
	v = NULL;
out:
	free(s);
	return rc;
}

/* ---- whole entries ---- */

static bool entry_set(struct config_conn_entry *d, const char *name, const char *file, unsigned line,
		      bool broken)
{
	memset(d, 0, sizeof(*d));
	kvlist_init(&d->kv);
	d->name = strdup(name);
	d->file = file ? strdup(file) : NULL;
	d->line = line;
	d->broken = broken;
	return d->name && (!file || d->file);
}

static void entry_clear(struct config_conn_entry *d)
{
	free(d->name);
	free(d->file);
	kvlist_clear(&d->kv);
	conn_free(d->conn);
}

void permutate_entries_free(struct config_conn_entry *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		entry_clear(&v[i]);
	free(v);
}

/* Append one entry (kv taken over) to *v; conn rebuilt unless broken. */
static bool push(struct config_conn_entry **v, size_t *n, size_t *cap, const struct config_conn_entry *src,
		 const char *name, struct conf_kvlist *kv)
{
	struct config_conn_entry *d;
	struct config_diag scratch;

	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct config_conn_entry *nv = realloc(*v, nc * sizeof(*nv));

		if (!nv)
			return false;
		*v = nv;
		*cap = nc;
	}
	d = &(*v)[*n];
	if (!entry_set(d, name, src->file, src->line, src->broken)) {
		entry_clear(d);
		return false;
	}
	(*n)++;
	d->kv = *kv;
	kvlist_init(kv);
	if (!d->broken) {
		diag_init(&scratch);
		d->conn = conn_from_kv(name, &d->kv, src->file, &scratch);
		d->broken = d->conn == NULL;
		diag_free(&scratch);
	}
	return true;
}

static bool copy_kv(const struct conf_kvlist *src, struct conf_kvlist *dst)
{
	kvlist_init(dst);
	for (size_t i = 0; i < src->n; i++)
		if (!kvlist_add_kv(dst, &src->v[i]))
			return false;
	return true;
}

struct config_conn_entry *permutate_entries(const struct config_conn_entry *const *in, size_t n,
					    size_t *n_out, struct config_diag *diag)
{
	struct config_conn_entry *v = NULL;
	size_t nv = 0, cap = 0;
	struct conf_kvlist kv;
	char why[256];

	for (size_t i = 0; i < n; i++) {
		const struct config_conn_entry *e = in[i];
		struct permuted *p = NULL;
		int k = e->broken ? 0 : permutate_kv(e->name, &e->kv, &p, why, sizeof(why));

		if (k < 0) {
			diag_add(diag, true, "%s:%u: conn '%s': %s", e->file ? e->file : "?", e->line, e->name,
				 why);
			continue;
		}
		if (k == 0) {
			if (!copy_kv(&e->kv, &kv) || !push(&v, &nv, &cap, e, e->name, &kv))
				goto oom_kv;
			continue;
		}
		for (int j = 0; j < k; j++)
			if (!push(&v, &nv, &cap, e, p[j].name, &p[j].kv)) {
				permuted_free(p, (size_t)k);
				goto oom;
			}
		permuted_free(p, (size_t)k);
	}
	*n_out = nv;
	if (nv == 0) {
		free(v);
		return NULL;
	}
	return v;
oom_kv:
	kvlist_clear(&kv);
oom:
	diag_add(diag, true, "out of memory expanding leftsubnets=/rightsubnets=");
	permutate_entries_free(v, nv);
	*n_out = 0;
	return NULL;
}

struct config_conn_entry *permutate_config(const struct config *cfg, size_t *n_out,
					   struct config_diag *diag)
{
	const struct config_conn_entry **in = calloc(cfg->n_conns + 1, sizeof(*in));
	struct config_conn_entry *v;

	*n_out = 0;
	if (!in) {
		diag_add(diag, true, "out of memory expanding leftsubnets=/rightsubnets=");
		return NULL;
	}
	for (size_t i = 0; i < cfg->n_conns; i++)
		in[i] = &cfg->conns[i];
	v = permutate_entries(in, cfg->n_conns, n_out, diag);
	free(in);
	return v;
}
