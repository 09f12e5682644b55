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

#define REPLAY_WORDS (DP_MAX_REPLAY_WINDOW / 64 + 1)

struct replay {
	uint64_t top;          /* highest authenticated sequence number, 0 = none yet */
	uint32_t window;       /* 0 = anti-replay off */
	uint32_t nwords;
	uint64_t bits[REPLAY_WORDS];
};

enum replay_verdict { REPLAY_OK, REPLAY_DUP, REPLAY_OLD };

/* window is clamped to DP_MAX_REPLAY_WINDOW. */
void replay_init(struct replay *r, uint32_t window);
/* Infer the 64-bit number of a received seq_lo (without ESN: seq_lo). */
uint64_t replay_infer(const struct replay *r, uint32_t seq_lo, bool esn);
enum replay_verdict replay_check(const struct replay *r, uint32_t seq_lo, bool esn, uint64_t *seq);
void replay_update(struct replay *r, uint64_t seq);

#endif
