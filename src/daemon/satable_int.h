/* Internal to the SA table (satable.c, satable_pol.c): its records and
 * indexes.  See satable.c's header for the picture. */
#ifndef CYGNET_DAEMON_SATABLE_INT_H
#define CYGNET_DAEMON_SATABLE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/satable.h"
#include "lib/htab.h"
#include "lib/idpool.h"

/* A selector as bytes (per subnet: family, 16 address bytes, zero past the
 * family's length, prefix length; then proto, sport, dport): equal
 * selectors, equal keys; memcmp orders them. */
struct selkey {
	uint8_t b[2 * 18 + 5];
};

/* A policy's key: direction + selectors + mark (bytes only: no padding). */
struct polkey {
	struct selkey sel;
	uint8_t dir;
	uint8_t mark[8];
};

struct sat_ref;

struct sat_pol {                       /* one policy key in the dataplane */
	struct hnode node;
	struct polkey key;
	/* What the dataplane has (installed): the version of this holder
	 * (never freed while it is the one: a holder goes through
	 * sat_ref_release, which re-points or deletes first), with the reqid
	 * and action it was installed with (a trap's action changes in place).
	 * Not a copy of a 152-byte struct dp_policy per policy. */
	const struct sat_ref *inst_ref;
	uint32_t inst_reqid;
	enum dp_action inst_action;
	bool installed;
	struct link kids, traps;       /* holders: Child SAs newest first, traps oldest first */
};

struct sat_ref {                       /* one holder's claim on a policy */
	struct link link;
	struct sat_pol *pol;           /* NULL: not held */
	struct dp_policy mine;         /* the holder's own version, with its reqid */
};

struct sat_trap;

struct sat_req {                       /* a reqid and the (conn, selector set) it serves */
	struct hnode by_key, by_id;
	const void *conn;
	uint32_t reqid;
	bool fixed;                    /* the conn's reqid=: not from the pool */
	unsigned users;                /* Child SAs, the trap, lingering SAs */
	unsigned nkids, nout;          /* Child SAs; those with their outbound SA installed */
	struct sat_trap *trap;
	size_t nsel;
	struct selkey sel[];           /* sorted, no duplicates */
};

struct sat_conn {
	struct hnode node;
	const void *conn;
	struct link kids;              /* its Child SAs */
	size_t nkids;
	struct sat_trap *trap;
};

struct sat_trap {
	struct sat_conn *conn;
	struct sat_req *req;
	size_t n;
	struct sat_ref refs[];
};

struct sat_child {
	struct satable_child_info info;
	struct hnode by_serial, by_spi_in, by_spi_out, by_replaces;
	struct link conn_link;
	struct sat_conn *conn;
	struct sat_req *req;
	bool in_on, out_on;            /* SAs installed */
	struct sat_ref refs[];         /* [0, npol) outbound, [npol, 2 npol) inbound */
};

struct sat_linger {
	struct link link;
	uint32_t spi;
	struct ip_addr dst;
	uint64_t at;
	struct sat_req *req;
};

struct satable {
	struct dataplane *dp;
	struct htab serials, spis_in, spis_out, replaces, conns, reqs_key, reqs_id, pols;
	struct link lingers;           /* earliest deadline first */
	size_t nactive;                /* conns with a Child SA */
	bool closing;                  /* satable_free: policies go with their first holder */
	struct idpool reqids;
	uint32_t (*fixed_reqid)(const void *conn);   /* NULL: none fixed */
};

static inline void keep_first(int *rc, int r)
{
	if (r < 0 && *rc == 0)
		*rc = r;
}

static inline uint32_t hash_u32(uint32_t v) { return fnv1a(FNV1A_INIT, &v, sizeof(v)); }

/* satable_pol.c: reqids per (conn, selector set), conn records, and the
 * reference-counted policies. */
int sat_req_get(struct satable *t, const void *conn, const struct dp_policy *pol, size_t n, struct sat_req **out);
void sat_req_put(struct satable *t, struct sat_req *r);
struct sat_conn *sat_conn_find(const struct satable *t, const void *conn);
struct sat_conn *sat_conn_get(struct satable *t, const void *conn);
void sat_conn_put(struct satable *t, struct sat_conn *c);
/* A holder's claim on the policy with pol's key (its own version, with
 * reqid), and its release: each adds, re-points or deletes the policy. */
int sat_ref_hold(struct satable *t, struct sat_ref *ref, const struct dp_policy *pol, uint32_t reqid, bool trap);
int sat_ref_release(struct satable *t, struct sat_ref *ref);
/* The holder changed its own version (a trap's action): bring the
 * dataplane in line. */
int sat_ref_resync(struct satable *t, struct sat_ref *ref);


#endif
