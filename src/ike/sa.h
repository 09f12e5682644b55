/* Internal to the IKE engine: IKE SA / Child SA state, the SA table, and the
 * helpers the exchange files share.  Not for the embedder (use ike.h). */
#ifndef CYGNET_IKE_SA_H
#define CYGNET_IKE_SA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "ike/frag.h"
#include "ike/ike.h"
#include "ike/sa_index.h"
#include "ike/wire.h"

#define IKE_MSG_BUF 8192          /* largest message we build (before fragmenting) */
#define IKE_FRAG_LIMIT_V4 1280    /* fragment above this (RFC 7383 §2.5.1 guidance) */
#define IKE_NONCE_LEN 32
#define IKE_COOKIE_MAX 64         /* RFC 7296 §2.6: 1 to 64 octets */
#define IKE_MAX_PKTS FRAG_MAX_TOTAL
/* Default cap on IKE SAs (ike_engine_config.max_ike_sas): half-open ones
 * have their own (max-halfopen-ike), so this bounds authenticated peers;
 * at ~8 KiB per IKE SA + Child SA it is ~8 GiB (docs/PERFORMANCE.md). */
#define IKE_MAX_SAS (1u << 20)

/* Flood limits (docs/ARCHITECTURE.md "Floods"). */
#define IKE_REPLAY_MAX 8                /* replays of one cached response */
#define IKE_REPLAY_PER_SOURCE 16        /* replays per source address bucket per second */
#define IKE_REPLAY_BUCKETS 1024
#define IKE_FRAG_UNAUTH_BUDGET (8u << 20)   /* default ike_engine_config.frag_unauth_budget */
#define IKE_MAX_CHILD_SAS 128           /* default ike_engine_config.max_child_sas */
#define IKE_MAX_REKEYS_IN_FLIGHT 8      /* default ike_engine_config.max_rekeys_in_flight */
#define IKE_MAX_HALFOPEN_PER_SOURCE 16  /* default ike_engine_config.max_halfopen_per_source */
#define IKE_INIT_UNPROVEN_MAX 2048     /* larger IKE_SA_INIT requests need a COOKIE */
#define IKE_REKEYED_GRACE_MS 60000      /* a rekeyed IKE SA the peer has not deleted: we do */
#define IKE_COOKIE_ROTATE_MS 120000     /* cookie secret lifetime (RFC 7296 §2.6) */
#define IKE_COOKIE_GRACE_MS 10000       /* the previous secret is accepted this long */

/* ---- states ---- */

/* name, Libreswan state name, story */
#define IKE_STATE_LIST(X) \
	X(IKE_S_NEW, "STATE_V2_PARENT_I0", "waiting for KE to finish") \
	X(IKE_S_INIT_I, "STATE_V2_PARENT_I1", "sent IKE_SA_INIT request") \
	X(IKE_S_INIT_R, "STATE_V2_PARENT_R1", "sent IKE_SA_INIT reply") \
	X(IKE_S_AUTH_I, "STATE_V2_PARENT_I2", "sent IKE_AUTH request") \
	X(IKE_S_ESTABLISHED, "STATE_V2_ESTABLISHED_IKE_SA", "established IKE SA") \
	X(IKE_S_REKEY_LARVAL, "STATE_V2_REKEY_IKE_I0", "IKE SA rekey in progress") \
	X(IKE_S_DELETING, "STATE_V2_IKE_SA_DELETE", "sent INFORMATIONAL delete") \
	X(IKE_S_DEAD, "STATE_V2_IKE_SA_DEAD", "deleted")

#define IKE_STATE_ENUM(n, s, t) n,
enum ike_state { IKE_STATE_LIST(IKE_STATE_ENUM) IKE_S_COUNT };

#define CHILD_STATE_LIST(X) \
	X(CHILD_S_LARVAL, "STATE_V2_NEW_CHILD_I0", "pending Child SA") \
	X(CHILD_S_ESTABLISHED, "STATE_V2_ESTABLISHED_CHILD_SA", "established Child SA") \
	X(CHILD_S_DELETING, "STATE_V2_CHILD_SA_DELETE", "deleting Child SA") \
	X(CHILD_S_DEAD, "STATE_V2_CHILD_SA_DEAD", "deleted")

enum child_state { CHILD_STATE_LIST(IKE_STATE_ENUM) CHILD_S_COUNT };

const char *ike_state_name(enum ike_state s);
const char *ike_state_story(enum ike_state s);
const char *child_state_name(enum child_state s);

/* ---- a set of datagrams (one message, or its fragments) ---- */

/* The arrays grow with the datagrams (most messages are one): an SA keeps
 * two of these, a request and a cached response. */
struct pktset {
	unsigned n, cap;                   /* at most IKE_MAX_PKTS */
	uint8_t **p;
	size_t *len;
};
void pktset_clear(struct pktset *ps);
bool pktset_add(struct pktset *ps, const uint8_t *p, size_t len);

/* ---- an operation waiting for its outcome ---- */

/* The sink of one operation (initiate, rekey, delete) until its done():
 * exactly one done() per sink handed to the engine. */
struct op_sink {
	struct ike_sink s;
	bool active;
};
/* Take sink (NULL = none).  false when one is waiting already: sink got
 * done(IKE_RC_FAILED, busy) and the waiting one stays. */
bool op_sink_start(struct op_sink *o, const struct ike_sink *sink, const char *busy);
void op_sink_line(struct op_sink *o, int code, const char *line);
void op_sink_done(struct op_sink *o, int status, const char *reason);

/* ---- Child SA ---- */

struct child_sa {
	struct child_sa *next;
	struct ike_sa *ike;
	unsigned serial;
	struct hlink by_serial;            /* e->child_serial */
	struct hlink by_spi;               /* e->child_spi, once child_spi_alloc() chose spi_in */
	enum child_state state;
	uint32_t spi_in, spi_out;          /* host order: we receive on spi_in */
	uint16_t encr, keybits, integ, dh;
	bool esn, transport;
	bool peer_no_tfc;                /* the peer sent ESP_TFC_PADDING_NOT_SUPPORTED */
	/* Negotiated selectors, both in one allocation sized to their
	 * counts (child_set_ts; a struct ike_ts_payload is 644 bytes, most
	 * Child SAs have one selector a side): read only ts[0 .. n-1] */
	const struct ike_ts_payload *ts_l, *ts_r;
	struct secret *k_in_e, *k_in_a, *k_out_e, *k_out_a;
	uint64_t created, rekey_at, expire_at;
	bool installed;
	bool rekeying;                     /* a CREATE_CHILD_SA rekey for it is in flight */
	bool peer_rekeyed;                 /* we answered the peer's rekey of it: it goes soon */
	bool rekey_pending, delete_pending; /* waiting for the request window */
	/* rekey responder: the outbound SA waits until the initiator switched
	 * (see ike_child_params.outbound_later) */
	bool out_pending;
	uint64_t out_at;
	unsigned replaces;                 /* serial of the Child SA this one rekeyed */
	/* rekey collision (RFC 7296 §2.8.1, collide.c): we answered the peer's
	 * rekey of `replaces` while rekeying it ourselves; coll_n is the lower
	 * of that exchange's two nonces */
	bool collided;
	uint8_t *coll_n;                   /* nonce_store(), coll_len bytes */
	size_t coll_len;
	bool redundant;                    /* lost a collision: its creator deletes it */
	unsigned rekey_retries;            /* TEMPORARY_FAILURE answers to our rekeys */
	/* The conn this Child SA belongs to when it is not its IKE SA's (a
	 * responder's CREATE_CHILD_SA whose selectors fit another conn of the
	 * same peer); a reference, NULL = the IKE SA's conn.  See child_conn(). */
	struct ike_conn *conn;
	struct op_sink rekey_op;           /* ike_rekey_child() waiting */
	struct op_sink delete_op;          /* ike_delete_child() waiting */
	unsigned successor;                /* the Child SA a rekey replaced this one with */
};

/* ---- outstanding request / cached response ---- */

struct outstanding {
	bool active;
	uint32_t msgid;
	uint8_t exch;
	struct pktset pkts;
	uint64_t first_sent, next_at;
	uint32_t interval;                 /* current back-off */
	unsigned count;                    /* retransmits so far */
	bool liveness;                     /* a DPD probe: dpdtimeout applies */
};

/* The response to the peer's last request, replayed only when the same
 * request comes again byte for byte (resend.c). */
#define IKE_REQ_HASH_LEN 16
struct resp_cache {
	bool valid;
	uint32_t msgid;
	struct pktset pkts;
	bool have_hash;                    /* req_hash is the request's (or its fragment 1's) */
	uint8_t req_hash[IKE_REQ_HASH_LEN];
	unsigned replays;                  /* times replayed (at most IKE_REPLAY_MAX) */
};

/* The CREATE_CHILD_SA exchange this IKE SA has in flight (as initiator). */
enum ccs_kind { CCS_NONE, CCS_NEW_CHILD, CCS_REKEY_CHILD, CCS_REKEY_IKE };

struct ccs_state {
	enum ccs_kind kind;
	struct child_sa *child;            /* the new (larval) child */
	unsigned old_child_serial;         /* REKEY_CHILD: the one replaced */
	struct ike_sa *new_ike;            /* REKEY_IKE: the larval IKE SA */
	struct dh *dh;
	uint16_t dh_group;
	uint8_t n[IKE_NONCE_LEN];
	size_t n_len;
	uint32_t new_spi;
};

/* Work waiting for the request window (window size 1). */
enum ike_pending {
	PEND_DELETE_IKE = 1 << 0,
	PEND_LIVENESS = 1 << 1,
	PEND_REKEY_IKE = 1 << 2,
	PEND_NEW_CHILD = 1 << 3,
};

struct halfopen_src;

struct ike_sa {
	struct ike_sa *next, *prev;        /* e->sas, in serial order */
	struct ike_engine *e;
	unsigned serial;
	/* indexes (sa_index.h): by serial, by our SPI, by the peer's SPIi and
	 * address (a responder's); the deadline heap and the dirty list */
	struct hlink by_serial, by_local, by_peer, by_id;  /* by_id: established, by remote_id */
	struct hlink by_conn;              /* e->sa_conn: by conn handle */
	size_t heap_pos;                   /* 1 + index in e->timers, 0 = not in it */
	uint64_t heap_key;
	struct ike_sa *dirty_next, **dirty_pprev;   /* e->dirty: O(1) removal */
	bool dirty;
	unsigned n_est_children;           /* children in CHILD_S_ESTABLISHED */
	enum ike_state state;
	bool initiator;                    /* original initiator of this IKE SA */
	uint64_t spi_i, spi_r;
	struct ike_conn *conn;             /* a reference */
	struct ike_endpoint local, remote;
	/* the peer's address as configured (%any for a responder's template),
	 * or the one ike_initiate() was given: what ID_NONE means */
	struct ip_addr peer_addr;
	/* the peer's ID as authenticated, allocated to its length (a struct
	 * cy_id is 280 bytes): set with ike_sa_set_remote_id, copied out with
	 * ike_sa_remote_id; never NULL (kind ID_NONE until IKE_AUTH) */
	const struct cy_id *remote_id;

	/* negotiated */
	uint16_t encr, keybits, prf, integ, dh_group;
	struct ike_algs algs;
	struct ike_keys keys;
	/* The exchange's own DH and the IKE_SA_INIT messages (AUTH signs
	 * them) go when the SA is established (ike_sa_shed); the nonces stay
	 * (uniqueids compares them), allocated to their size (nonce_store). */
	struct dh *dh;
	uint8_t *ni, *nr;
	size_t ni_len, nr_len;
	uint8_t *init_req, *init_resp;     /* IKE_SA_INIT messages, for AUTH */
	size_t init_req_len, init_resp_len;
	uint8_t *cookie;                   /* the responder's COOKIE (nonce_store), 1..IKE_COOKIE_MAX */
	size_t cookie_len;

	/* message ids (window 1) */
	uint32_t next_msgid;               /* our next request */
	uint32_t peer_msgid;               /* next request expected from the peer */
	struct outstanding out;
	struct resp_cache cache;
	unsigned pending;                  /* enum ike_pending bits */

	struct child_sa *children;
	struct child_sa *auth_child;       /* negotiated inside IKE_AUTH */
	struct ccs_state ccs;

	struct op_sink op;                 /* ike_initiate() waiting */
	struct op_sink rekey_op;           /* ike_rekey_ike() waiting */
	unsigned successor;                /* the IKE SA a rekey replaced this one with */
	unsigned predecessor;              /* the IKE SA the peer's rekey made this one from */
	struct halfopen_src *src_count;    /* its source's half-open count (halfopen.c), or NULL */
	bool src_proven;                   /* counted there as made with a COOKIE */

	/* timers (0 = off) */
	uint64_t created, established_at;
	uint64_t rekey_at, replace_at, dpd_at, keepalive_at, last_rx;
	uint64_t retry_at;                 /* keyingtries: next attempt */
	uint64_t created_seq, established_seq;  /* engine event order (uniqueids) */
	unsigned keying_try;

	bool nat_local, nat_remote, frag_ok, peer_initial_contact;
	bool rekeyed;                      /* replaced by a rekey: delete quietly */
	/* IKE SA rekey collision (§2.8.2, collide.c): the IKE SA we created
	 * answering the peer's rekey of this one while rekeying it ourselves,
	 * and the lower of that exchange's nonces */
	unsigned coll_serial;
	uint8_t *coll_n;                   /* nonce_store(), coll_len bytes */
	size_t coll_len;
	bool redundant;                    /* lost a collision: its creator deletes it */
	unsigned rekey_retries;            /* TEMPORARY_FAILURE answers to our IKE rekeys */
	/* RFC 7383 reassembly, one per direction (the message ID spaces
	 * differ), allocated at the direction's first fragment */
	struct frag_reasm *reasm_req, *reasm_resp;
	size_t frag_acct;                  /* bytes of these in e->frag_unauth_bytes */
	uint16_t invalid_ke_tries;
	/* the request being processed: its hash goes to cache.req_hash */
	bool rx_hash_ok;
	uint8_t rx_hash[IKE_REQ_HASH_LEN];
	/* a crypto job (job.h) is out for this SA: its id, 0 = none; every
	 * message for the SA is dropped until it completes */
	uint32_t job_id;
};

/* The conn a Child SA belongs to (its own, or its IKE SA's). */
static inline struct ike_conn *child_conn(const struct child_sa *c)
{
	return c->conn ? c->conn : c->ike->conn;
}

struct ike_engine {
	const struct ike_ops *ops;
	void *ctx;
	struct ike_engine_config cfg;
	struct ike_sa *sas, *sas_tail;     /* in serial order */
	size_t n_sas, n_halfopen;          /* of sas, not counting rekey larvae (sa.c keeps them) */
	size_t n_children;                 /* established Child SAs of those */
	/* indexes (sa.c): nothing a packet, a timer or an operation does walks
	 * every SA */
	uint64_t hash_key;
	struct sht sa_serial, sa_local, sa_peer, sa_id, sa_conn, child_serial;
	struct sht child_spi;              /* Child SAs by spi_in: no two get the same */
	const uint32_t *test_spis;         /* tests: child_spi_alloc draws these first */
	size_t n_test_spis;
	size_t n_foreign;                  /* Child SAs with a conn of their own (child_sa.conn) */
	struct sa_heap timers;             /* IKE SAs by next deadline */
	struct ike_sa *dirty;              /* SAs whose deadline must be recomputed */
	bool crosscheck;                   /* CYGNET_IKE_CROSSCHECK: compare with walks (tests) */
	uint64_t visits;                   /* SAs examined by lookups and timers (ike_test_visits) */
	size_t n_coll;                     /* IKE SAs with a coll_serial (collide.c) */
	unsigned next_serial;
	uint64_t drops[IKE_DROP_COUNT];
	struct ike_stats stats;
	struct cookie_secret cookie;
	uint64_t last_deadline;
	/* inside ike_recv/ike_tick: deadline changes are reported once at
	 * the end (each SA destroyed would walk all the others) */
	unsigned batch;
	bool deadline_dirty;
	/* cookie secret rotation (cookie.c): next rotation, end of the
	 * previous secret's grace; cookie_used = made or checked since the
	 * last rotation (an idle engine arms no timer for it) */
	uint64_t cookie_rotate_at, cookie_prev_until;
	bool cookie_used;
	/* replays of cached responses per source (resend.c): a fixed table of
	 * buckets chosen by a keyed hash of the address */
	struct replay_bucket { uint64_t window; uint32_t count; } replay_src[IKE_REPLAY_BUCKETS];
	uint64_t replay_key;
	uint8_t req_key[16];               /* key of the request hashes */
	size_t frag_unauth_bytes;          /* fragments stored for SAs not yet authenticated */
	struct sht halfopen_src;           /* half-open responder SAs per source (halfopen.c) */
	uint64_t seq;                      /* event counter: created_seq/established_seq */
	uint32_t job_seq;                  /* last crypto job id (job.c) */
	unsigned refuse_ccs;               /* ike_test_refuse_ccs() */
	uint16_t refuse_ccs_notify;
};

/* ---- sa.c ---- */
/* *p (freed first) becomes a copy of len bytes of data, or len random
 * bytes when data is NULL; len is 1..IKE_NONCE_MAX.  false: *p NULL, *plen 0. */
bool nonce_store(uint8_t **p, size_t *plen, const uint8_t *data, size_t len);
/* sa's remote_id becomes a copy of id.  false: out of memory (ID_NONE). */
bool ike_sa_set_remote_id(struct ike_sa *sa, const struct cy_id *id);
void ike_sa_remote_id(const struct ike_sa *sa, struct cy_id *out);
struct ike_sa *ike_sa_new(struct ike_engine *e, struct ike_conn *conn, bool initiator);  /* refs conn */
void ike_sa_free(struct ike_sa *sa);          /* unlinks; no messages, no callbacks */
/* Tells the embedder (children deleted, ike_sa_deleted) then frees. */
void ike_sa_destroy(struct ike_sa *sa, const char *why);
struct ike_sa *ike_sa_find(struct ike_engine *e, uint64_t spi_i, uint64_t spi_r);
struct ike_sa *ike_sa_find_init(struct ike_engine *e, uint64_t spi_i, const struct ike_endpoint *remote);
/* Our IKE SA waiting for the IKE_SA_INIT response with this SPIi. */
struct ike_sa *ike_sa_find_init_i(struct ike_engine *e, uint64_t spi_i);
struct ike_sa *ike_sa_by_serial(struct ike_engine *e, unsigned serial);
/* Index sa again after its SPIs, role or remote address changed. */
void ike_sa_reindex(struct ike_sa *sa);
/* sa's timers may have changed: its deadline is recomputed before the
 * engine next reports one (eng_deadline_changed). */
void ike_sa_dirty(struct ike_sa *sa);
/* The responder's IKE_SA_INIT response for our SPIi (an initiator in INIT_I). */
struct ike_sa *ike_sa_find_init_i(struct ike_engine *e, uint64_t spi_i);
void sa_index_init(struct ike_engine *e);
void sa_link(struct ike_sa *sa);              /* sa_table.c: list + indexes */
void sa_unlink(struct ike_sa *sa);
/* The established IKE SAs whose peer ID is id_eq() to id: first, then next
 * until NULL (an index kept by ike_sa_set_state). */
struct ike_sa *ike_sa_id_first(struct ike_engine *e, const struct cy_id *id);
struct ike_sa *ike_sa_id_next(struct ike_engine *e, const struct ike_sa *sa, const struct cy_id *id);
/* Sort serials ascending (the order a walk of the list gives). */
void serials_sort(unsigned *v, size_t n);
void ike_sa_id_index(struct ike_sa *sa);      /* per its state: in or out */
/* The IKE SAs whose conn is conn (any state): first, then next until NULL. */
struct ike_sa *ike_sa_conn_first(struct ike_engine *e, const struct ike_conn *conn);
struct ike_sa *ike_sa_conn_next(struct ike_engine *e, const struct ike_sa *sa);
void ike_sa_conn_index(struct ike_sa *sa);    /* after sa->conn changed */
void child_sa_index(struct child_sa *c);
/* A random inbound SPI no other Child SA of the engine has, into
 * c->spi_in (and its index).  0: none (out of randomness or memory).
 * Random SPIs of 100,000 Child SAs collide about once: the dataplane then
 * refused the second with EEXIST. */
uint32_t child_spi_alloc(struct child_sa *c);
void child_sa_unindex(struct child_sa *c);
void sa_index_free(struct ike_engine *e);
/* The one state-change function: checks the move, logs "from -> to". */
bool ike_sa_set_state(struct ike_sa *sa, enum ike_state to);
/* A new SA that only carries an IKE SA rekey (not counted, never on the wire). */
void ike_sa_make_larval(struct ike_sa *sa);
struct child_sa *child_sa_new(struct ike_sa *sa);
/* c's selectors become copies of l and r (none: n = 0 each, the state of
 * a new Child SA).  false: out of memory, c keeps none. */
bool child_set_ts(struct child_sa *c, const struct ike_ts_payload *l, const struct ike_ts_payload *r);
void child_sa_set_state(struct child_sa *c, enum child_state to);
void child_sa_free(struct child_sa *c);       /* unlinks and wipes */
void child_sa_delete(struct child_sa *c);     /* dataplane callback if installed, then free */
/* Install a deferred outbound SA now (no-op unless out_pending). */
void child_outbound_now(struct child_sa *c);
struct child_sa *child_by_spi_in(struct ike_sa *sa, uint32_t spi);
struct child_sa *child_by_spi_out(struct ike_sa *sa, uint32_t spi);
struct child_sa *child_by_serial(struct ike_engine *e, unsigned serial);
void ike_sa_info_fill(const struct ike_sa *sa, struct ike_sa_info *i);
void child_sa_info_fill(const struct child_sa *c, struct ike_sa_info *i);
/* Move child to a new parent (IKE SA rekey). */
void child_sa_move(struct child_sa *c, struct ike_sa *to);
/* c belongs to conn (a reference when it is not its IKE SA's). */
void child_sa_set_conn(struct child_sa *c, struct ike_conn *conn);
/* Switch the IKE SA to another conn (the responder's choice by peer ID or
 * selectors): references move, children of the old conn keep it. */
void ike_sa_set_conn(struct ike_sa *sa, struct ike_conn *conn);
/* A rekey replaced old by n (IKE SAs) / old_serial by c (Child SAs):
 * events to the embedder, lines to a waiting rekey's sink. */
void ike_sa_rekeyed(struct ike_sa *old, struct ike_sa *n);
void child_sa_rekeyed(struct child_sa *c, const char *line);

/* ---- engine.c ---- */
uint64_t eng_now(const struct ike_engine *e);
/* The initiator's rekey time for a lifetime: life - margin - random(0 ..
 * margin * fuzz%) (rekeyfuzz, as Libreswan); 0 = no rekey (margin >= life).
 * The fuzz is trimmed so that the rekey stays after now. */
uint64_t eng_rekey_at(uint64_t now, uint64_t life, uint64_t margin, unsigned fuzz_pct);
void eng_drop(struct ike_engine *e, enum ike_drop d, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void sa_line(struct ike_sa *sa, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void sa_line_serial(struct ike_sa *sa, unsigned serial, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* sa_line_serial() for a Child SA, named after its own conn. */
void child_sa_line(struct child_sa *c, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void sa_done(struct ike_sa *sa, int status, const char *reason);
void eng_deadline_changed(struct ike_engine *e);

/* ---- msgid.c / retransmit.c: sending ---- */

/* A message under construction. */
struct msg_build {
	struct ikeb b;
	struct ike_sa *sa;
	bool encrypted;
	uint8_t exch;
	uint32_t msgid;
	bool response;
	uint8_t buf[IKE_MSG_BUF];
};
/* Begins a message of sa (flags from its role).  Encrypted: opens SK. */
void mb_begin(struct msg_build *mb, struct ike_sa *sa, uint8_t exch, bool response,
	      uint32_t msgid, bool encrypted);
/* Closes/encrypts (fragmenting when needed) into pkts. */
bool mb_finish(struct msg_build *mb, struct pktset *pkts);
/* A request: uses sa->next_msgid, sends, arms retransmission. */
bool msg_send_request(struct msg_build *mb);
/* A response to the peer's request msgid: caches it and sends. */
bool msg_send_response(struct msg_build *mb);
void msg_transmit(struct ike_sa *sa, const struct pktset *ps);
/* Can a new request go out now? */
static inline bool msg_window_open(const struct ike_sa *sa) { return !sa->out.active && !sa->job_id; }
void msg_request_done(struct ike_sa *sa);     /* response received */
/* Timers: retransmission, give-up; returns false if sa was destroyed. */
bool retransmit_tick(struct ike_sa *sa, uint64_t now);
uint64_t retransmit_deadline(const struct ike_sa *sa);
/* An unencrypted notify-only answer with no SA (COOKIE, INVALID_KE...). */
void send_plain_notify(struct ike_engine *e, const struct ike_hdr *req, uint16_t type,
		       const uint8_t *data, size_t len, const struct ike_endpoint *local,
		       const struct ike_endpoint *remote);

/* ---- keys.c ---- */
struct chosen;
/* The IKE algorithms of a chosen proposal; false = not usable. */
bool keys_algs_get(const struct chosen *ch, struct ike_algs *out);
/* Install keys computed elsewhere (a crypto job): k is moved (zeroed). */
void keys_ike_take(struct ike_sa *sa, const struct ike_algs *algs, struct ike_keys *k);
/* The SPIs in wire order, for prf+. */
void keys_spis(uint64_t spi_i, uint64_t spi_r, uint8_t spii[8], uint8_t spir[8]);
bool keys_child_derive(struct ike_sa *sa, struct child_sa *c, bool we_initiated,
		       const struct secret *gir, const uint8_t *ni, size_t nilen,
		       const uint8_t *nr, size_t nrlen);
/* Install Child SA keys computed elsewhere (a crypto job): k is moved. */
void keys_child_take(struct child_sa *c, bool we_initiated, struct child_keys *k);
void keys_sk_out(const struct ike_sa *sa, struct sk_keys *k);
void keys_sk_in(const struct ike_sa *sa, struct sk_keys *k);
/* Decrypts m's SK (or collects SKF) into plain; false = drop (counted).
 * *wait = a fragment was stored, nothing to do yet. */
bool keys_decrypt_msg(struct ike_sa *sa, struct ike_msg *m, uint8_t *plain, size_t cap, bool *wait);
/* PSK AUTH for our side (ours=true) or the peer's. */
bool keys_psk_auth(struct ike_sa *sa, bool ours, const uint8_t *id_body, size_t idlen,
		   uint8_t out[CRYPTO_MAX_PRF_OUT], size_t *outlen);
void child_install(struct child_sa *c);
void child_params_fill(const struct child_sa *c, struct ike_child_params *p);

/* ---- proposal_select.c ---- */
struct chosen {
	uint16_t encr, keybits, prf, integ, dh;
	bool esn;
	uint8_t propnum;
	uint32_t spi;                      /* ESP: the peer's SPI */
	uint64_t ike_spi;                  /* IKE rekey: the peer's SPI */
};

/* Take the peer's SPI and the negotiated algorithms of a Child SA proposal. */
void child_apply_chosen(struct child_sa *c, const struct chosen *cs);
/* Our SA payload from a proposal list (IKE or ESP). spi: ESP SPI or 0;
 * ike_spi for IKE rekey (0 = none); only_dh: IKE: put first the group we
 * sent a KE for (0 = as configured); pfs: ESP include DH. */
void prop_build_sa(const struct proposal_list *pl, enum prop_kind kind, bool pfs, enum ike_esn esn,
		   uint32_t spi, uint64_t ike_spi, uint16_t first_dh, struct ike_sa_payload *out);
/* Responder: first peer proposal acceptable to ours. */
bool prop_select(const struct ike_sa_payload *peer, const struct proposal_list *ours,
		 enum prop_kind kind, bool pfs, enum ike_esn esn, struct chosen *out);
/* Initiator: the responder's single proposal must be one we offered. */
bool prop_check_reply(const struct ike_sa_payload *reply, const struct proposal_list *ours,
		      enum prop_kind kind, bool pfs, enum ike_esn esn, struct chosen *out);
/* A one-proposal SA payload for the chosen transforms. */
void prop_build_chosen(const struct chosen *c, enum prop_kind kind, uint32_t spi, uint64_t ike_spi,
		       struct ike_sa_payload *out);
uint16_t prop_first_dh(const struct proposal_list *pl);
bool prop_dh_allowed(const struct proposal_list *pl, uint16_t group);

/* ---- ts.c ---- */
void ts_from_end(const struct ike_end *end, const struct ike_endpoint *ep, struct ike_ts_payload *out);
/* Responder: narrow the peer's TSi/TSr against ours (conn local = TSr).
 * false = TS_UNACCEPTABLE. */
bool ts_select(const struct ike_conn *conn, const struct ike_endpoint *local, const struct ike_endpoint *remote,
	       const struct ike_ts_payload *tsi, const struct ike_ts_payload *tsr,
	       struct ike_ts_payload *out_i, struct ike_ts_payload *out_r);
/* Initiator: the responder's TS must be within what we proposed. */
bool ts_within(const struct ike_ts_payload *got, const struct ike_ts_payload *proposed);
/* One prefix, one port or all (with a protocol), see ts.c. */
bool ts_installable(const struct ike_ts *t);
/* Do TSi x TSr give 1..IKE_TS_MAX_PAIRS (wire.h) pairs that hold packets?
 * A Child SA with more is refused, never installed in part. */
bool ts_pairs_fit(const struct ike_ts_payload *a, const struct ike_ts_payload *b);
bool ts_payload_eq(const struct ike_ts_payload *a, const struct ike_ts_payload *b);
/* The responder's choice of conn for a Child SA proposing tsi/tsr: sa's
 * own when the selectors fit it, else find_conn_for_child()'s (a conn of
 * the same peer), else NULL (TS_UNACCEPTABLE). */
struct ike_conn *ts_conn_for_child(struct ike_sa *sa, struct ike_conn *current,
					 const struct ike_ts_payload *tsi, const struct ike_ts_payload *tsr);
bool ts_conn_matches(const struct ike_conn *conn, const struct ike_endpoint *local, const struct ike_endpoint *remote,
		     const struct ike_ts_payload *tsi, const struct ike_ts_payload *tsr);

/* ---- nat.c ---- */
void nat_add_notifies(struct msg_build *mb, struct ike_sa *sa);
/* Examines NAT_DETECTION_* in an IKE_SA_INIT message; floats to 4500. */
void nat_process(struct ike_sa *sa, const struct ike_chain *c, uint64_t spi_r);
void nat_float(struct ike_sa *sa);

/* splitmix64's finalizer: hashes of values a peer chooses (SPIs, source
 * addresses) are ike_mix64(value ^ secret key), so it cannot aim at one
 * bucket of a table. */
static inline uint64_t ike_mix64(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* ---- resend.c: retransmitted requests ---- */
/* Hash of a request just accepted (after decryption; for a fragmented one,
 * its fragment 1) into sa->rx_hash: msg_send_response() keeps it. */
void resend_note_request(struct ike_sa *sa, const uint8_t *raw, size_t len);
/* A request with the message ID of the cached response: replay the
 * response if it is the same request byte for byte, within the per-SA and
 * per-source limits; else drop (counted). */
void resend_request(struct ike_sa *sa, const struct ike_msg *m, const struct ike_endpoint *remote);
/* An IKE_SA_INIT request for the half-open SA sa (same SPIi and address). */
void resend_init_request(struct ike_sa *sa, const struct ike_msg *m, const struct ike_endpoint *remote);
bool resend_setup(struct ike_engine *e);

/* ---- fragments of unauthenticated SAs (keys.c) ---- */
/* Brings e->frag_unauth_bytes up to date with sa's reassembly states. */
void frag_budget_sync(struct ike_sa *sa);

/* ---- cookie.c ---- */
/* Rotation of the cookie secret: due work, and its next deadline (0 = none). */
void cookie_timer(struct ike_engine *e, uint64_t now);
uint64_t cookie_deadline(const struct ike_engine *e);
/* Responder: true = proceed; false = answered with COOKIE (or dropped). */
/* halfopen.c */
void halfopen_src_init(struct ike_engine *e);
void halfopen_src_free(struct ike_engine *e);
bool halfopen_src_busy(const struct ike_engine *e, const struct ip_addr *a);
bool halfopen_src_full(const struct ike_engine *e, const struct ip_addr *a);
bool halfopen_src_enter(struct ike_sa *sa, bool proven);
void halfopen_src_leave(struct ike_sa *sa);

/* True: go on (*proven: with a valid COOKIE); false: answered or dropped.
 * force: a COOKIE is required from this source whatever the threshold
 * (except with ddos-mode=unlimited). */
bool cookie_check_request(struct ike_engine *e, const struct ike_msg *m, const struct ike_nonce *ni,
			  const struct ike_endpoint *local, const struct ike_endpoint *remote, bool force,
			  bool *proven);

/* ---- collide.c: exchange collisions, retries, duplicates, DPD ---- */
int nonce_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);
/* Responder of a Child SA rekey of `old` while our own rekey of it is in
 * flight: remember the peer's exchange on the new Child SA c. */
void collide_child_note(struct child_sa *c, const struct child_sa *old, const uint8_t *ni, size_t nilen,
			const uint8_t *nr, size_t nrlen);
/* Initiator: our rekey of the Child SA old_serial (which may be gone
 * already: the peer deleted it) produced `ours`; if the peer's rekey of the
 * same SA also completed, the SA with the lowest of the four nonces goes
 * (§2.8.1).  True = we lost (we delete ours, the peer deletes old). */
bool collide_child_resolve(struct ike_sa *sa, struct child_sa *ours, unsigned old_serial,
			   const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen);
/* The winner deletes the loser's redundant SA itself if the loser has not
 * after this long (the loser's answer can be lost with its old SA). */
#define IKE_COLLISION_GRACE_MS 5000
/* The same for the IKE SA (§2.8.2); `n` is the IKE SA our rekey created.
 * True = we lost: n was deleted (Delete sent over it), old stays for the
 * peer to delete.  Children end on the surviving IKE SA. */
void collide_ike_note(struct ike_sa *old, const struct ike_sa *n);
bool collide_ike_resolve(struct ike_sa *old, struct ike_sa *n);
/* The peer deletes IKE SA sa: if it is the one we made answering its rekey
 * in a collision not resolved yet, its Child SAs go back to the old one. */
void collide_ike_deleted(struct ike_sa *sa);
/* TEMPORARY_FAILURE to a rekey we initiated (§2.25): retry in 1-3 s,
 * at most IKE_REKEY_RETRIES times and never past the hard expiry. */
#define IKE_REKEY_RETRIES 5
/* true = a retry is scheduled */
bool collide_retry_child_rekey(struct child_sa *old);
bool collide_retry_ike_rekey(struct ike_sa *sa);
/* uniqueids: sa (just established) replaces older IKE SAs of its conn
 * with the same peer ID; crossing negotiations keep one by nonces. */
void collide_uniqueids(struct ike_sa *sa);
/* The peer stopped answering an established IKE SA: dpdaction. */
void collide_dead_peer(struct ike_sa *sa, const char *reason);

/* ---- exchanges ---- */
struct ike_sa *sa_init_start(struct ike_engine *e, struct ike_conn *conn, const struct ip_addr *remote,
			     const struct ike_sink *sink);
bool sa_init_send_request(struct ike_sa *sa);
void sa_init_recv_request(struct ike_engine *e, struct ike_msg *m, const struct ike_endpoint *local,
			  const struct ike_endpoint *remote);
void sa_init_recv_response(struct ike_sa *sa, struct ike_msg *m);
bool auth_send_request(struct ike_sa *sa);
void auth_recv_request(struct ike_sa *sa, struct ike_msg *m);
void auth_recv_response(struct ike_sa *sa, struct ike_msg *m);
void info_recv_request(struct ike_sa *sa, struct ike_msg *m);
void info_recv_response(struct ike_sa *sa, struct ike_msg *m);
bool info_send_delete_ike(struct ike_sa *sa);
bool info_send_delete_child(struct ike_sa *sa, struct child_sa *c);
bool info_send_liveness(struct ike_sa *sa);
void child_recv_request(struct ike_sa *sa, struct ike_msg *m);
void child_recv_response(struct ike_sa *sa, struct ike_msg *m);
bool child_send_new(struct ike_sa *sa);
bool child_send_rekey(struct ike_sa *sa, struct child_sa *c);
bool child_send_rekey_ike(struct ike_sa *sa);
/* Start whatever is pending once the window opens. */
void ike_sa_run_pending(struct ike_sa *sa);
/* After a failed exchange: delete the SA; keyingtries may retry. */
void ike_sa_fail(struct ike_sa *sa, int status, const char *reason);
void ike_established_timers(struct ike_sa *sa);
void ike_announce(struct ike_sa *sa);
void child_line(struct child_sa *c, bool initiator);
/* Helpers for notifies in a chain. */
bool chain_notify(const struct ike_chain *c, uint16_t type, struct ike_notify *out);
/* 1 = present and well formed (*out filled), 0 = absent, -1 = only malformed. */
int chain_notify_find(const struct ike_chain *c, uint16_t type, struct ike_notify *out);
/* First error notify (type < 16384) in c, 0 if none. */
uint16_t chain_error_notify(const struct ike_chain *c);

#endif
