#include "dataplane/replay.h"

#include <stdlib.h>
#include <string.h>

bool replay_init(struct replay *r, uint32_t window)
{
	memset(r, 0, sizeof(*r));
	if (window > DP_MAX_REPLAY_WINDOW)
		window = DP_MAX_REPLAY_WINDOW;
	r->window = window;
	r->nwords = (window + 63) / 64 + 1;
	if (r->nwords > REPLAY_INLINE_WORDS && !(r->heap = calloc(r->nwords, sizeof(r->heap[0]))))
		return false;
	return true;
}

void replay_fini(struct replay *r)
{
	free(r->heap);
	r->heap = NULL;
}

static inline uint64_t *ring(struct replay *r) { return r->heap ? r->heap : r->inline_bits; }
static inline const uint64_t *ring_c(const struct replay *r) { return r->heap ? r->heap : r->inline_bits; }

/* RFC 4303 Appendix A2.2.  With anti-replay off there is no window: the
 * receiver then assumes the sender is within 2^31 of the highest number. */
uint64_t replay_infer(const struct replay *r, uint32_t seq_lo, bool esn)
{
	uint32_t w = r->window ? r->window : 0x80000000u;
	uint32_t tl = (uint32_t)r->top, th = (uint32_t)(r->top >> 32);
	uint32_t bottom = tl - w + 1;   /* mod 2^32 */

	if (!esn)
		return seq_lo;
	if (tl >= w - 1) {                    /* case A: window within one epoch */
		if (seq_lo >= bottom)
			return (uint64_t)th << 32 | seq_lo;
		return (uint64_t)(th + 1) << 32 | seq_lo;
	}
	/* case B: window spans the epoch boundary */
	if (seq_lo >= bottom && th > 0)
		return (uint64_t)(th - 1) << 32 | seq_lo;
	return (uint64_t)th << 32 | seq_lo;
}

static bool bit_test(const struct replay *r, uint64_t seq)
{
	uint64_t idx = seq % ((uint64_t)r->nwords * 64);
	return ring_c(r)[idx / 64] >> (idx % 64) & 1;
}

enum replay_verdict replay_check(const struct replay *r, uint32_t seq_lo, bool esn, uint64_t *seq)
{
	uint64_t s = replay_infer(r, seq_lo, esn);

	*seq = s;
	if (s == 0)                    /* sequence numbers start at 1 */
		return REPLAY_OLD;
	if (!r->window || s > r->top)
		return REPLAY_OK;
	if (r->top - s >= r->window)
		return REPLAY_OLD;
	return bit_test(r, s) ? REPLAY_DUP : REPLAY_OK;
}

void replay_update(struct replay *r, uint64_t seq)
{
	uint64_t bits = (uint64_t)r->nwords * 64, idx, *w = ring(r);

	if (seq > r->top) {
		uint64_t from = r->top / 64 + 1, to = seq / 64;
		/* clear the words that the window slides over (at most all of them) */
		if (to >= from && to - from + 1 >= r->nwords)
			memset(w, 0, r->nwords * sizeof(w[0]));
		else
			for (uint64_t k = from; k <= to; k++)
				w[k % r->nwords] = 0;
		r->top = seq;
	}
	if (!r->window)
		return;
	idx = seq % bits;
	w[idx / 64] |= (uint64_t)1 << (idx % 64);
}
