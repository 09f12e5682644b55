/* The daemon's connection database: a hash table by name plus an index by
 * connalias, so loading N conns is O(N) and lookups are O(1). */
#ifndef CYGNET_CONNDB_H
#define CYGNET_CONNDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "lib/addr.h"
#include "dataplane/dataplane.h"

struct conn;

enum dconn_routing { ROUTING_UNROUTED = 0, ROUTING_PROSPECTIVE };

/* left=/right= given as a host name: its last answer (conn_dns.c). */
struct dconn_host {
	bool resolved;                /* addr holds the newest good answer */
	struct ip_addr addr;
	char *err;                    /* the last failure (heap; NULL after a success) */
};

struct conn_view;

struct dconn {
	char *name;
	struct conn *conn;            /* owned; built by conn_from_kv() */
	uint64_t serial;              /* "$N" in status */
	enum dconn_routing routing;
	bool up;                      /* policy +UP (initiate asked) */
	time_t added;                 /* when loaded (key listings) */
	struct conn_view *view;       /* the engine's view (connview.c), built on first use */
	uint64_t acquire_ms;          /* last initiation on traffic (sa_acquire) */
	unsigned newest_ike, newest_child;  /* its newest established SAs (0 = none) */
	/* the newest went and the next newest is not known yet: found by the
	 * next status or rekey that asks (sa_status.c), not by a walk per delete */
	bool newest_ike_stale, newest_child_stale;
	struct dconn_host dns[2];     /* [0] left, [1] right: HOST_DNS ends only */
	/* sa_shunt.c: its trap's action while not plain (negotiationshunt=
	 * passthrough while IKE negotiates on demand; failureshunt= after a
	 * failure, a bare shunt until fshunt_until, monotonic ms) */
	enum dp_action trap_action;
	uint64_t fshunt_until;        /* 0 = no failure shunt */
	struct dconn *next_name;      /* hash chain */
};

struct conndb;

struct conndb *conndb_new(void);
void conndb_free(struct conndb *db);
size_t conndb_count(const struct conndb *db);

/* Lookup by exact name; NULL when absent. */
struct dconn *conndb_find(const struct conndb *db, const char *name);
/* Conns whose connalias list contains alias: fills out (up to max),
 * returns the total number of matches. */
size_t conndb_find_alias(const struct conndb *db, const char *alias, struct dconn **out, size_t max);

/* A conn other than one named except whose reqid= is reqid, or NULL.  A
 * walk over all conns: only for the rare conn with a fixed reqid. */
struct dconn *conndb_find_reqid(const struct conndb *db, uint32_t reqid, const char *except);

/* Insert a new conn (takes ownership of c); fails (false) when the name is
 * already present. */
bool conndb_insert(struct conndb *db, const char *name, struct conn *c, struct dconn **out);
/* Remove and free; false when absent. */
bool conndb_delete(struct conndb *db, const char *name);

/* A counter that every insert, delete and new conndb moves: a cache built
 * from a conndb is valid while it and the conndb's address are unchanged. */
uint64_t conndb_generation(void);
/* All conns sorted by name (for status): a malloc'ed array of n pointers
 * the caller frees; NULL when empty or on OOM. */
struct dconn **conndb_sorted(const struct conndb *db, size_t *n);

#endif
