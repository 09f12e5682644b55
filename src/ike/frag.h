/* IKEv2 fragmentation (RFC 7383): splitting an encrypted message's inner
 * plaintext into SKF fragments, and bounded reassembly.
 *
 * Sending: frag_plan() picks the chunk size for a maximum IKE message
 * length, then for n = 1..plan.total frag_build() lays out fragment n
 * (header, SKF header, IV room, chunk + padding, ICV room) and returns the
 * region the caller encrypts exactly like an SK payload (ike_sk_region:
 * AAD = IKE header + SKF generic header + number + total).
 *
 * Receiving: decode the message (ike_msg_decode: SKF is last), decode the
 * SKF header (ike_skf_decode), split and decrypt the fragment, unpad, and
 * only then hand the plaintext to frag_reasm_add() — unauthenticated data
 * is never stored.  On FRAG_COMPLETE, frag_reasm_take() yields the whole
 * inner payload chain and its first payload type (for ike_chain_decode).
 *
 * The reassembly state lives in the caller's IKE SA (one for requests the
 * peer sends, one for responses to ours: the message ID spaces differ);
 * fragments are copied to heap buffers (freed and wiped by
 * frag_reasm_reset/_free).  What IKE SAs not yet authenticated store counts
 * against the engine's budget (keys.c frag_budget_sync). */
#ifndef CYGNET_FRAG_H
#define CYGNET_FRAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/wire.h"

#define FRAG_MAX_TOTAL IKE_FRAG_MAX_TOTAL   /* 64 fragments */
#define FRAG_MAX_BYTES (64 * 1024)           /* reassembled plaintext bound */

/* ---- Sending ---- */

struct frag_plan {
	size_t chunk;          /* inner plaintext bytes per fragment (last may be less) */
	unsigned total;
};

/* max_msg: the largest IKE message (header included, non-ESP marker, UDP and
 * IP headers excluded) a fragment may be, e.g. 1280 - 40 - 8 - 4 for IPv6
 * with NAT-T.  Fails if nothing fits or more than FRAG_MAX_TOTAL would be needed. */
bool frag_plan(size_t inner_len, size_t max_msg, size_t iv_len, size_t icv_len,
	       size_t block, struct frag_plan *plan);

/* Builds fragment n (1-based) of `inner` (the inner payload chain whose first
 * payload type is first_np) into out; h gives SPIs/exchange/flags/msgid. */
bool frag_build(const struct ike_hdr *h, uint8_t first_np, const uint8_t *inner, size_t inner_len,
		const struct frag_plan *plan, unsigned n, size_t iv_len, size_t icv_len, size_t block,
		uint8_t *out, size_t cap, struct ike_sk_region *r);

/* ---- Receiving ---- */

#define FRAG_RESULT_LIST(X) \
	X(FRAG_STORED, "fragment stored") \
	X(FRAG_COMPLETE, "all fragments received") \
	X(FRAG_DUPLICATE, "duplicate fragment") \
	X(FRAG_OLD_MSGID, "fragment of an older message") \
	X(FRAG_ALREADY_DONE, "fragment of the message just reassembled (a retransmission)") \
	X(FRAG_BAD_NUMBER, "fragment number not within 1..total") \
	X(FRAG_TOTAL_SMALLER, "total fragments smaller than before") \
	X(FRAG_TOO_MANY, "total fragments above the maximum") \
	X(FRAG_TOO_BIG, "reassembled message above the maximum") \
	X(FRAG_EMPTY, "fragment without data") \
	X(FRAG_NOMEM, "out of memory")

#define FRAG_RESULT_ENUM(name, text) name,
enum frag_result { FRAG_RESULT_LIST(FRAG_RESULT_ENUM) FRAG_RESULT_COUNT };
#undef FRAG_RESULT_ENUM
const char *frag_result_name(enum frag_result r);

struct frag_reasm {
	bool active;
	uint32_t msgid;
	uint16_t total;
	uint16_t have;         /* fragments stored */
	uint8_t first_np;      /* from fragment 1 */
	size_t bytes;
	uint8_t *data[FRAG_MAX_TOTAL];
	uint16_t len[FRAG_MAX_TOTAL];
	bool done;             /* done_msgid was reassembled and taken */
	uint32_t done_msgid;
	unsigned resets;       /* counters for status/debug */
	unsigned dropped;
};

void frag_reasm_init(struct frag_reasm *r);
/* np is the SKF next-payload field (meaningful only in fragment 1).
 * A newer msgid, or a larger total for the same msgid (RFC 7383 §2.6.1:
 * the sender re-fragmented), discards what was stored and starts anew. */
enum frag_result frag_reasm_add(struct frag_reasm *r, uint32_t msgid, uint16_t number, uint16_t total,
				uint8_t np, const uint8_t *pt, size_t len);
/* After FRAG_COMPLETE: copies the inner chain into out, sets *len and
 * *first_np, then resets.  False if cap is too small or not complete. */
bool frag_reasm_take(struct frag_reasm *r, uint8_t *out, size_t cap, size_t *len, uint8_t *first_np);
void frag_reasm_reset(struct frag_reasm *r);    /* wipe and free fragments */
static inline void frag_reasm_free(struct frag_reasm *r) { frag_reasm_reset(r); }

#endif
