/* Introspection of an IKE engine: SA snapshots for status, counters of
 * dropped messages and of exchanges.  Formatting is the embedder's. */
#ifndef CYGNET_IKE_INFO_H
#define CYGNET_IKE_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/embed.h"

/* ---- SAs --------------------------------------------------------------- */

enum ike_sa_kind { IKE_KIND_IKE, IKE_KIND_CHILD };

/* A snapshot of one SA for --status/--showstates lines. */
struct ike_sa_info {
	enum ike_sa_kind kind;
	unsigned serial;              /* #N */
	unsigned ike_serial;          /* parent (children) or self */
	const struct ike_conn *conn;  /* handle (compare by pointer) */
	const char *conn_name;        /* conn->name */
	const char *state_name;       /* "STATE_V2_ESTABLISHED_IKE_SA" */
	const char *state_story;      /* "established IKE SA" */
	bool initiator;
	bool established;
	uint64_t spi_i, spi_r;        /* IKE SPIs (kind IKE) */
	uint32_t spi_in, spi_out;     /* ESP SPIs (kind CHILD) */
	uint16_t encr, encr_keybits, integ, prf, dh;
	bool esn;
	bool transport;               /* kind CHILD: transport mode */
	struct ike_endpoint local, remote;
	struct cy_id remote_id;
	uint64_t created_ms;
	uint64_t rekey_at_ms, replace_at_ms, retransmit_at_ms;  /* 0 = none */
	bool nat;                     /* NAT detected, on 4500 */
};

typedef void (*ike_sa_visit_fn)(void *arg, const struct ike_sa_info *info);
/* Visit every IKE SA then its children, in serial order. */
void ike_foreach_sa(const struct ike_engine *e, ike_sa_visit_fn fn, void *arg);
size_t ike_count_sas(const struct ike_engine *e, size_t *half_open, size_t *children);

/* The responder's current DDoS decisions, as `whack --status` reports them:
 * whether a new IKE_SA_INIT must carry a COOKIE, and whether one is taken at
 * all (not when max-halfopen-ike or the IKE SA cap is reached). */
bool ike_cookies_required(const struct ike_engine *e);
bool ike_accepting_new(const struct ike_engine *e);
const struct ike_engine_config *ike_engine_get_config(const struct ike_engine *e);

/* ---- drop counters ---------------------------------------------------- */

#define IKE_DROP_LIST(X) \
	X(DROP_MALFORMED_HEADER, "malformed IKE header") \
	X(DROP_MALFORMED_PAYLOAD, "malformed payload") \
	X(DROP_PAYLOAD_RULES, "payloads not allowed for the exchange") \
	X(DROP_UNKNOWN_SPI, "no IKE SA for the SPIs") \
	X(DROP_BAD_MSGID, "unexpected message ID") \
	X(DROP_WRONG_STATE, "message not expected in this state") \
	X(DROP_DECRYPT, "SK payload failed integrity/decryption") \
	X(DROP_UNSOLICITED_RESPONSE, "response without an outstanding request") \
	X(DROP_NO_CONN, "no connection for the peer") \
	X(DROP_TOO_MANY_SAS, "IKE SA limit reached") \
	X(DROP_HALF_OPEN, "max-halfopen-ike reached") \
	X(DROP_BAD_COOKIE, "missing or wrong COOKIE") \
	X(DROP_BAD_KE, "unacceptable KE payload") \
	X(DROP_FRAGMENT, "fragment rejected") \
	X(DROP_CRYPTO, "crypto failure") \
	X(DROP_REPLAY_MISMATCH, "retransmitted request not byte-identical") \
	X(DROP_REPLAY_LIMIT, "cached response replay limit") \
	X(DROP_REPLAY_RATE, "cached response replay rate per source") \
	X(DROP_RETRANSMITTED_FRAGMENT, "retransmitted fragment (not the first)") \
	X(DROP_FRAG_BUDGET, "fragment budget of unauthenticated IKE SAs") \
	X(DROP_NO_ADDITIONAL_SAS, "Child SA limit of the IKE SA (NO_ADDITIONAL_SAS)") \
	X(DROP_REKEY_LIMIT, "Child SA rekey limit (TEMPORARY_FAILURE)") \
	X(DROP_REKEYED_IKE_SA, "CREATE_CHILD_SA on a rekeyed IKE SA") \
	X(DROP_CRYPTO_BUSY, "crypto job queue full or job in progress") \
	X(DROP_HALF_OPEN_SOURCE, "half-open IKE SAs of one source address (with COOKIEs)") \
	X(DROP_IKE_REKEY_UNDELETED, "IKE SA rekey while its predecessor is not deleted (TEMPORARY_FAILURE)") \
	X(DROP_OTHER, "other")

#define IKE_DROP_ENUM(n, s) n,
enum ike_drop { IKE_DROP_LIST(IKE_DROP_ENUM) IKE_DROP_COUNT };
const char *ike_drop_name(enum ike_drop d);
uint64_t ike_drop_count(const struct ike_engine *e, enum ike_drop d);

/* Counters of exchanges for tests and --globalstatus. */
struct ike_stats {
	uint64_t rx, tx, retransmits, cached_replays, established_ike, established_child;
	uint64_t cookies_sent, invalid_ke_sent, fragments_sent, fragments_rx;
	uint64_t cookie_rotations;
	uint64_t deadline_walks;          /* next-deadline computations (each walks the SAs) */
	uint64_t deadline_evals;          /* SAs whose deadline was computed (walks, ticks) */
	uint64_t jobs_submitted;          /* crypto jobs handed out (or run inline) */
	uint64_t jobs_orphaned;           /* results dropped: their SA went or stopped waiting */
};
void ike_get_stats(const struct ike_engine *e, struct ike_stats *out);

#endif
