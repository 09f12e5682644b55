/* The SA database of the userspace dataplane: inbound SAs by SPI (hash),
 * outbound SAs found through policies by selector (most specific first),
 * and per-SA hot-path state (cipher context, sequence number, replay
 * window, counters, lifetimes).  Not locked: the backend serialises access
 * (daemon thread writes, packet thread reads/updates under its lock). */
#ifndef CYGNET_SADB_H
#define CYGNET_SADB_H

#include <stdbool.h>
#include <stdint.h>

#include "dataplane/dataplane.h"
#include "dataplane/esp_crypto.h"
#include "dataplane/inner.h"
#include "dataplane/replay.h"

/* ---- selector table: most specific match ----------------------------------
 * Order (the same in the naive reference of the unit test): longer dst
 * prefix, then longer src prefix, then proto set, sport set, dport set,
 * then the earlier insertion. */
#define SEL_BUCKETS 64

struct sel_entry {
	struct dp_selector sel;
	uint64_t id;               /* insertion order */
	void *val;
	struct sel_entry *next;
};

struct sel_table {
	struct sel_entry **heads[2][129];   /* [v4/v6][dst plen] -> SEL_BUCKETS chains, lazily */
	unsigned count[2][129];
	uint64_t next_id;
};

void sel_table_init(struct sel_table *t);
void sel_table_free(struct sel_table *t);
struct sel_entry *sel_table_add(struct sel_table *t, const struct dp_selector *sel, void *val);
/* Removes the first entry with this exact selector and value; false if none. */
bool sel_table_del(struct sel_table *t, const struct dp_selector *sel, void *val);
struct sel_entry *sel_table_lookup(const struct sel_table *t, const struct dp_tuple *tp);
/* true when a should win over b (both match). */
bool sel_better(const struct sel_entry *a, const struct sel_entry *b);

/* ---- SAs --------------------------------------------------------------- */
struct sa_entry {
	struct dp_sa cfg;           /* key pointers cleared */
	struct espc *c;
	struct replay rp;           /* inbound */
	uint64_t seq_out;           /* outbound: last sequence number used */
	struct dp_counters ctr;
	uint64_t add_mono;          /* monotonic seconds at add */
	bool soft_sent, hard_sent;  /* lifetime events emitted */
	uint64_t report_ms;         /* inbound: last selector drop reported (inbound thread only) */
	struct sa_entry *next_spi;  /* inbound hash chain */
	struct sa_entry *next;      /* list of all SAs */
	uint8_t npairs;             /* cfg.pairs copied: 0 = cfg.sel alone */
	struct dp_selector pairs[];
};

struct pol_entry {
	struct dp_policy pol;
	struct sa_entry *sa;        /* the current outbound SA of pol.reqid, or NULL (a trap) */
	uint64_t acquire_mono;      /* trap: when the last acquire was reported (outbound thread only) */
	bool acquired;              /* one was reported since the policy was added */
	struct pol_entry *next;
};

#define SADB_SPI_BUCKETS 256

typedef void (*sadb_expire_fn)(void *arg, struct sa_entry *sa, bool hard);
/* A drop worth a log line (a decrypted packet outside its SA's selectors),
 * at most one per SA per SADB_REPORT_MS. */
typedef void (*sadb_report_fn)(void *arg, const struct sa_entry *sa, enum dp_drop why, const struct dp_tuple *tp);
#define SADB_REPORT_MS 1000

struct sadb {
	struct sa_entry *in_hash[SADB_SPI_BUCKETS];
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
/* Check time lifetimes of every SA. */
void sadb_tick(struct sadb *db, uint64_t now_mono);
void sadb_drop(struct sadb *db, struct sa_entry *sa, enum dp_drop why);
/* Count a drop of sa's packet tp and report it (rate-limited, see
 * sadb_report_fn); now_ms is monotonic. */
void sadb_drop_report(struct sadb *db, struct sa_entry *sa, enum dp_drop why, const struct dp_tuple *tp,
		      uint64_t now_ms);

#endif
