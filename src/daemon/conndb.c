/* Connection database: chained hash by name (FNV-1a, doubling), alias
 * index as a second chained hash of (alias word -> dconn) entries. */
#include "daemon/conndb.h"

#include <stdlib.h>
#include <string.h>

#include "config/conn.h"
#include "daemon/connview.h"

struct alias_ent {
	char *alias;
	struct dconn *dc;
	struct alias_ent *next;
};

struct conndb {
	size_t n, nbuckets;
	struct dconn **buckets;
	size_t nalias_buckets;
	struct alias_ent **alias;
	uint64_t next_serial;
};

/* Bumped by every change of any conndb (and by each new one): what a cache
 * of a conndb's contents compares (connindex.c). */
static uint64_t generation = 1;

uint64_t conndb_generation(void) { return generation; }

static uint32_t hash_str(const char *s, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		h ^= (uint8_t)s[i];
		h *= 16777619u;
	}
	return h;
}

struct conndb *conndb_new(void)
{
	struct conndb *db = calloc(1, sizeof(*db));

	if (!db)
		return NULL;
	db->nbuckets = 64;
	db->nalias_buckets = 64;
	db->buckets = calloc(db->nbuckets, sizeof(*db->buckets));
	db->alias = calloc(db->nalias_buckets, sizeof(*db->alias));
	db->next_serial = 1;
	generation++;
	if (!db->buckets || !db->alias) {
		conndb_free(db);
		return NULL;
	}
	return db;
}

static void dconn_free(struct dconn *dc)
{
	connview_drop(dc);   /* the engine's handle: freed with its last SA */
	conn_free(dc->conn);
	free(dc->dns[0].err);
	free(dc->dns[1].err);
	free(dc->name);
	free(dc);
}

void conndb_free(struct conndb *db)
{
	if (!db)
		return;
	for (size_t i = 0; db->buckets && i < db->nbuckets; i++)
		for (struct dconn *dc = db->buckets[i], *nx; dc; dc = nx) {
			nx = dc->next_name;
			dconn_free(dc);
		}
	for (size_t i = 0; db->alias && i < db->nalias_buckets; i++)
		for (struct alias_ent *a = db->alias[i], *nx; a; a = nx) {
			nx = a->next;
			free(a->alias);
			free(a);
		}
	free(db->buckets);
	free(db->alias);
	free(db);
}

size_t conndb_count(const struct conndb *db) { return db->n; }

struct dconn *conndb_find(const struct conndb *db, const char *name)
{
	struct dconn *dc = db->buckets[hash_str(name, strlen(name)) & (db->nbuckets - 1)];

	for (; dc; dc = dc->next_name)
		if (strcmp(dc->name, name) == 0)
			return dc;
	return NULL;
}

struct dconn *conndb_find_reqid(const struct conndb *db, uint32_t reqid, const char *except)
{
	for (size_t i = 0; i < db->nbuckets; i++)
		for (struct dconn *dc = db->buckets[i]; dc; dc = dc->next_name)
			if (dc->conn->reqid == reqid && strcmp(dc->name, except) != 0)
				return dc;
	return NULL;
}

size_t conndb_find_alias(const struct conndb *db, const char *alias, struct dconn **out, size_t max)
{
	size_t n = 0;
	struct alias_ent *a = db->alias[hash_str(alias, strlen(alias)) & (db->nalias_buckets - 1)];

	for (; a; a = a->next)
		if (strcmp(a->alias, alias) == 0) {
			if (n < max)
				out[n] = a->dc;
			n++;
		}
	return n;
}

static bool grow(struct conndb *db)
{
	size_t nb = db->nbuckets * 2;
	struct dconn **b = calloc(nb, sizeof(*b));

	if (!b)
		return false;
	for (size_t i = 0; i < db->nbuckets; i++)
		for (struct dconn *dc = db->buckets[i], *nx; dc; dc = nx) {
			size_t h = hash_str(dc->name, strlen(dc->name)) & (nb - 1);

			nx = dc->next_name;
			dc->next_name = b[h];
			b[h] = dc;
		}
	free(db->buckets);
	db->buckets = b;
	db->nbuckets = nb;
	return true;
}

static bool grow_alias(struct conndb *db, size_t want)
{
	size_t nb = db->nalias_buckets;
	struct alias_ent **b;

	if (want <= nb)
		return true;
	while (nb < want)
		nb *= 2;
	b = calloc(nb, sizeof(*b));
	if (!b)
		return false;
	for (size_t i = 0; i < db->nalias_buckets; i++)
		for (struct alias_ent *a = db->alias[i], *nx; a; a = nx) {
			size_t h = hash_str(a->alias, strlen(a->alias)) & (nb - 1);

			nx = a->next;
			a->next = b[h];
			b[h] = a;
		}
	free(db->alias);
	db->alias = b;
	db->nalias_buckets = nb;
	return true;
}

static void alias_add(struct conndb *db, struct dconn *dc, const char *list)
{
	const char *p = list;

	while (p && *p) {
		size_t len;
		struct alias_ent *a;
		size_t h;

		p += strspn(p, " \t,");
		len = strcspn(p, " \t,");
		if (!len)
			break;
		a = calloc(1, sizeof(*a));
		if (a && (a->alias = strndup(p, len))) {
			a->dc = dc;
			h = hash_str(p, len) & (db->nalias_buckets - 1);
			a->next = db->alias[h];
			db->alias[h] = a;
		} else {
			free(a);
		}
		p += len;
	}
}

static void alias_remove(struct conndb *db, struct dconn *dc)
{
	const char *p = dc->conn ? dc->conn->connalias : NULL;

	while (p && *p) {
		size_t len;
		struct alias_ent **pp;

		p += strspn(p, " \t,");
		len = strcspn(p, " \t,");
		if (!len)
			break;
		pp = &db->alias[hash_str(p, len) & (db->nalias_buckets - 1)];
		while (*pp) {
			if ((*pp)->dc == dc) {
				struct alias_ent *a = *pp;

				*pp = a->next;
				free(a->alias);
				free(a);
			} else {
				pp = &(*pp)->next;
			}
		}
		p += len;
	}
}

bool conndb_insert(struct conndb *db, const char *name, struct conn *c, struct dconn **out)
{
	struct dconn *dc;
	size_t h;

	if (conndb_find(db, name))
		return false;
	if (db->n + 1 > db->nbuckets && !grow(db))
		return false;
	if (!grow_alias(db, db->n + 1))
		return false;
	dc = calloc(1, sizeof(*dc));
	if (!dc || !(dc->name = strdup(name))) {
		free(dc);
		return false;
	}
	dc->conn = c;
	dc->serial = db->next_serial++;
	dc->added = time(NULL);
	h = hash_str(name, strlen(name)) & (db->nbuckets - 1);
	dc->next_name = db->buckets[h];
	db->buckets[h] = dc;
	db->n++;
	generation++;
	if (c && c->connalias)
		alias_add(db, dc, c->connalias);
	if (out)
		*out = dc;
	return true;
}

bool conndb_delete(struct conndb *db, const char *name)
{
	struct dconn **pp = &db->buckets[hash_str(name, strlen(name)) & (db->nbuckets - 1)];

	for (; *pp; pp = &(*pp)->next_name) {
		struct dconn *dc = *pp;

		if (strcmp(dc->name, name) == 0) {
			*pp = dc->next_name;
			alias_remove(db, dc);
			dconn_free(dc);
			db->n--;
			generation++;
			return true;
		}
	}
	return false;
}

static int cmp_name(const void *a, const void *b)
{
	const struct dconn *x = *(const struct dconn *const *)a, *y = *(const struct dconn *const *)b;

	return strcmp(x->name, y->name);
}

struct dconn **conndb_sorted(const struct conndb *db, size_t *n)
{
	struct dconn **v;
	size_t k = 0;

	*n = 0;
	if (db->n == 0 || !(v = malloc(db->n * sizeof(*v))))
		return NULL;
	for (size_t i = 0; i < db->nbuckets; i++)
		for (struct dconn *dc = db->buckets[i]; dc; dc = dc->next_name)
			v[k++] = dc;
	qsort(v, k, sizeof(*v), cmp_name);
	*n = k;
	return v;
}
