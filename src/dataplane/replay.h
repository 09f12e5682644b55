/* The ESP anti-replay window (RFC 4303 §3.4.3) with ESN high-bit inference
 * (RFC 4303 Appendix A2.2), as a ring of 64-bit words (RFC 6479).
 *
 * Use: replay_check() (read-only: may the packet be accepted, and what is
 * its 64-bit sequence number?), then verify the ICV with that number, then
 * replay_update() — so unauthenticated packets never move the window. */
#ifndef CYGNET_REPLAY_H
#define CYGNET_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "dataplane/dataplane.h"

/* The ring has nwords = window / 64 + 2 words (rounded): windows up to
 * REPLAY_INLINE_WINDOW (128, Libreswan's default replay-window) fit in the
 * struct; larger ones get an allocation of their own (memory per SA: a
 * fixed ring for the largest window cost 520 bytes per SA, outbound ones
 * included). */
#define REPLAY_INLINE_WORDS 3
#define REPLAY_INLINE_WINDOW ((REPLAY_INLINE_WORDS - 1) * 64)

struct replay {
	uint64_t top;          /* highest authenticated sequence number, 0 = none yet */
	uint32_t window;       /* 0 = anti-replay off */
	uint32_t nwords;
	uint64_t *heap;        /* the ring when nwords > REPLAY_INLINE_WORDS, else NULL */
	uint64_t inline_bits[REPLAY_INLINE_WORDS];
};

enum replay_verdict { REPLAY_OK, REPLAY_DUP, REPLAY_OLD };

/* window is clamped to DP_MAX_REPLAY_WINDOW.  false: out of memory (a
 * window above REPLAY_INLINE_WINDOW); replay_fini() frees. */
bool replay_init(struct replay *r, uint32_t window);
void replay_fini(struct replay *r);
/* Infer the 64-bit number of a received seq_lo (without ESN: seq_lo). */
uint64_t replay_infer(const struct replay *r, uint32_t seq_lo, bool esn);
enum replay_verdict replay_check(const struct replay *r, uint32_t seq_lo, bool esn, uint64_t *seq);
void replay_update(struct replay *r, uint64_t seq);

#endif
