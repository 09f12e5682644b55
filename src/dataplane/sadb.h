/* The SA database of the userspace dataplane: inbound SAs by SPI (hash),
 * outbound SAs found through policies by selector (most specific first),
 * and per-SA hot-path state (cipher context, sequence number, replay
 * window, counters, lifetimes).  Not locked: the backend serialises access
 * (daemon thread writes, packet thread reads/updates under its lock). */
#ifndef CYGNET_SADB_H
#define CYGNET_SADB_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/dataplane.h"
#include "dataplane/esp_crypto.h"
#include "dataplane/inner.h"
#include "dataplane/replay.h"

/* ---- selector table: most specific match ----------------------------------
 * Order (the same in the naive reference of the unit test): longer dst
 * prefix, then longer src prefix, then proto set, sport set, dport set,
 * then the earlier insertion. */
#define SEL_BUCKETS 16          /* initial chains of a prefix-length pair; doubled as it fills */

struct sel_entry {
	struct dp_selector sel;
	uint64_t id;               /* insertion order */
	void *val;
	struct sel_entry *next;
};

/* The entries of one destination prefix length (sel_table.c): chained by
 * hash of (destination prefix, source prefix length, source prefix), so
 * that thousands of policies of one destination (the inbound policies of
 * many peers toward one local subnet) are not one chain. */
struct sel_level {
	unsigned count;
	unsigned src_count[129];            /* entries per source prefix length */
	uint64_t src_map[3];                /* bit p: src_count[p] != 0 */
	unsigned nbuckets;                  /* a power of two >= SEL_BUCKETS */
	struct sel_entry **heads;
};

struct sel_table {
	struct sel_level *lv[2][129];       /* [v4/v6][dst plen], lazily */
	uint64_t next_id;
};

void sel_table_init(struct sel_table *t);
void sel_table_free(struct sel_table *t);
struct sel_entry *sel_table_add(struct sel_table *t, const struct dp_selector *sel, void *val);
/* Removes the first entry with this exact selector and value; false if none. */
bool sel_table_del(struct sel_table *t, const struct dp_selector *sel, void *val);
struct sel_entry *sel_table_lookup(const struct sel_table *t, const struct dp_tuple *tp);
/* The entry of exactly this selector whose value same() accepts, or NULL. */
struct sel_entry *sel_table_find(const struct sel_table *t, const struct dp_selector *sel,
				 bool (*same)(const void *val, const void *arg), const void *arg);
/* true when a should win over b (both match). */
bool sel_better(const struct sel_entry *a, const struct sel_entry *b);

/* ---- SAs --------------------------------------------------------------- */
/* An SA's counters: struct dp_counters with 32-bit per-reason drops
 * (saturating; they only feed rate-limited log lines): 96 bytes less per SA. */
struct sa_counters {
	uint64_t bytes, packets;
	uint64_t last_used;
	uint64_t add_time;
	uint32_t drops[DP_DROP__COUNT];
};
void sa_counters_get(const struct sa_counters *c, struct dp_counters *out);

struct sa_entry {
	struct dp_sa cfg;           /* key pointers cleared */
	struct espc *c;
	struct replay rp;           /* inbound */
	uint64_t seq_out;           /* outbound: last sequence number used */
	struct sa_counters ctr;
	uint64_t add_mono;          /* monotonic seconds at add */
	bool soft_sent, hard_sent;  /* lifetime events emitted */
	uint64_t report_ms;         /* inbound: last selector drop reported (inbound thread only) */
	struct sa_entry *next_spi;  /* SPI hash chain (both directions), newest first */
	struct sa_entry *next, *prev;       /* list of all SAs, newest first */
	struct sa_entry *rq_next, *rq_prev; /* its reqid's inbound or outbound SAs, newest first */
	struct sa_entry *g_next, *g_prev;   /* outbound: its (reqid, peer)'s, newest first */
	size_t heap_pos;            /* 1 + index in the lifetime heap, 0 = not in it */
	uint64_t deadline;          /* heap key: monotonic second of the next time limit */
	uint8_t retry;              /* SADB_RETRY_*: expire events not yet taken (retry_mu) */
	bool on_retry;
	struct sa_entry *retry_next;
	uint8_t npairs;             /* cfg.pairs copied: 0 = cfg.sel alone */
	bool pair_is_sel;           /* one pair equal to cfg.sel: not copied (sa_pairs) */
	struct dp_selector pairs[];
};

struct pol_entry {
	struct dp_policy pol;
	struct sa_entry *sa;        /* the current outbound SA of pol.reqid, or NULL (a trap) */
	uint64_t acquire_mono;      /* trap: when the last acquire was reported (outbound thread only) */
	bool acquired;              /* one was reported since the policy was added */
	struct pol_entry *next, *prev;       /* list of all policies, newest first */
	struct pol_entry *rq_next, *rq_prev; /* outbound: its sadb_rq's policies */
};

/* Per reqid, and per (reqid, peer): what repoint and the inbound check
 * need, so that no change walks the whole database (nor, with a fixed
 * reqid= shared by thousands of peers, the whole reqid).  The reqid's own
 * entry (dst unset) holds its outbound policies without a template
 * destination, all its outbound SAs (rq_next) and inbound SAs, and the
 * count of its inbound policies; a (reqid, peer) entry holds the outbound
 * policies whose template destination is that peer and the outbound SAs
 * to it (g_next).  Freed when empty. */
struct sadb_rq {
	uint32_t reqid;
	struct ip_addr dst;                 /* unset: the reqid's own entry */
	struct pol_entry *pols;             /* outbound policies */
	struct sa_entry *out, *in;          /* newest first */
	unsigned n_in_pols;                 /* inbound policies */
	struct sadb_rq *next;               /* hash chain */
};

#define SADB_HASH_MIN 64                /* initial buckets of the SPI and reqid hashes */
#define SADB_RETRY_SOFT 1
#define SADB_RETRY_HARD 2

/* Delivers an expire event: false when it could not be queued (the
 * database offers it again at the next sadb_tick). */
typedef bool (*sadb_expire_fn)(void *arg, struct sa_entry *sa, bool hard);
/* A drop worth a log line (a decrypted packet outside its SA's selectors),
 * at most one per SA per SADB_REPORT_MS. */
typedef void (*sadb_report_fn)(void *arg, const struct sa_entry *sa, enum dp_drop why, const struct dp_tuple *tp);
#define SADB_REPORT_MS 1000

struct sadb {
	struct sa_entry **spi_hash;         /* every SA by SPI; spi_mask + 1 buckets */
	size_t spi_mask, nsa;
	uint32_t seed;                      /* keys the hashes (peers choose outbound SPIs) */
	struct sadb_rq **rq_hash;
	size_t rq_mask, nrq;
	struct sa_entry **heap;             /* SAs with a time lifetime, by deadline */
	size_t heap_n, heap_cap;
	pthread_mutex_t retry_mu;           /* the retry list: packet threads and the tick */
	struct sa_entry *retry;
	uint64_t steps;                     /* entries visited by changes (tests count them) */
	uint64_t tick_steps;                /* SAs visited by sadb_tick */
	struct sa_entry *all;
	struct pol_entry *pols;
	struct sel_table out_sel;           /* outbound policies -> struct pol_entry */
	struct sel_table in_sel;            /* inbound policies -> struct pol_entry */
	uint64_t drops[DP_DROP__COUNT];     /* every drop, SA or not */
	sadb_expire_fn expire;
	void *expire_arg;               /* also report's */
	sadb_report_fn report;
};

void sadb_init(struct sadb *db);
void sadb_free(struct sadb *db);        /* frees SAs (keys wiped) and policies */

/* -EINVAL bad parameters/keys, -EEXIST duplicate, -ENOMEM. */
int sadb_add_sa(struct sadb *db, const struct dp_sa *sa, uint64_t now_mono, uint64_t now_real);
int sadb_update_sa(struct sadb *db, const struct dp_sa *sa);
int sadb_del_sa(struct sadb *db, uint32_t spi, const struct ip_addr *dst);
struct sa_entry *sadb_find(struct sadb *db, uint32_t spi, const struct ip_addr *dst);
struct sa_entry *sadb_find_in(const struct sadb *db, uint32_t spi);

int sadb_add_policy(struct sadb *db, const struct dp_policy *pol);
int sadb_del_policy(struct sadb *db, const struct dp_policy *pol);
/* Outbound SA for an inner packet, or NULL (no policy / no SA yet). */
struct sa_entry *sadb_lookup_out(const struct sadb *db, const struct dp_tuple *tp);
/* The outbound policy an inner packet matches, or NULL. */
struct pol_entry *sadb_lookup_policy(const struct sadb *db, const struct dp_tuple *tp);
/* Did the decrypted packet tp arrive on the SA it belongs to?  As the
 * kernel's inbound policy check: within the SA's own selector (family
 * unset = any) and one of its pairs (when it has them: Child SAs of one
 * fixed reqid= may hold different ones), and the most specific inbound
 * policy it matches names the SA's reqid.  An SA whose reqid has no inbound policy at all (static
 * keying, tests) has only its own selector. */
bool sadb_inbound_ok(const struct sadb *db, const struct sa_entry *sa, const struct dp_tuple *tp);

/* Count traffic and check byte/packet lifetimes (calls db->expire). */
void sadb_account(struct sadb *db, struct sa_entry *sa, size_t bytes, uint64_t now_real);
/* Check time lifetimes of the SAs whose deadline passed (a heap), and
 * offer again expire events that could not be queued. */
void sadb_tick(struct sadb *db, uint64_t now_mono);
/* The newest inbound SA of reqid, or NULL. */
struct sa_entry *sadb_newest_in(const struct sadb *db, uint32_t reqid);

/* ---- indexes (sadb_index.c), for sadb.c ---------------------------------- */
void sadb_index_init(struct sadb *db);
void sadb_index_free(struct sadb *db);
uint32_t sadb_spi_bucket(const struct sadb *db, uint32_t spi);
int sadb_spi_insert(struct sadb *db, struct sa_entry *sa);   /* before linking it into db->all; -ENOMEM */
void sadb_spi_remove(struct sadb *db, struct sa_entry *sa);
/* dst NULL or unset: the reqid's own entry. */
struct sadb_rq *sadb_rq_find(const struct sadb *db, uint32_t reqid, const struct ip_addr *dst);
struct sadb_rq *sadb_rq_get(struct sadb *db, uint32_t reqid, const struct ip_addr *dst);   /* NULL = -ENOMEM */
void sadb_rq_put(struct sadb *db, struct sadb_rq *rq);          /* freed when empty */
/* (Re)place sa in the lifetime heap from its limits and flags: 0 or -ENOMEM. */
int sadb_heap_update(struct sadb *db, struct sa_entry *sa);
void sadb_heap_remove(struct sadb *db, struct sa_entry *sa);
struct sa_entry *sadb_heap_top(const struct sadb *db);
void sadb_drop(struct sadb *db, struct sa_entry *sa, enum dp_drop why);
/* Count a drop of sa's packet tp and report it (rate-limited, see
 * sadb_report_fn); now_ms is monotonic. */
void sadb_drop_report(struct sadb *db, struct sa_entry *sa, enum dp_drop why, const struct dp_tuple *tp,
		      uint64_t now_ms);

#endif
