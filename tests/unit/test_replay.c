/* Anti-replay window edge tables (RFC 4303 §3.4.3) and ESN high-half
 * inference (RFC 4303 Appendix A2.2). */
#include <stdio.h>
#include <string.h>

#include "dataplane/replay.h"
#include "harness.h"

/* One scenario: a window size, ESN or not, a starting top, then a list of
 * received low sequence numbers with the expected verdict; every accepted
 * number is committed (as if its ICV verified). */
struct step {
	uint32_t seq_lo;
	enum replay_verdict want;
	uint64_t want_seq;     /* 0 = don't check */
};

static const struct scenario {
	const char *label;
	uint32_t window;
	bool esn;
	uint64_t top;
	struct step steps[12];
} scenarios[] = {
	{ "in order", 64, false, 0, { { 1, REPLAY_OK, 1 }, { 2, REPLAY_OK, 2 }, { 3, REPLAY_OK, 3 } } },
	{ "seq 0 never valid", 64, false, 0, { { 0, REPLAY_OLD, 0 }, { 1, REPLAY_OK, 1 }, { 0, REPLAY_OLD, 0 } } },
	{ "duplicate", 64, false, 0, { { 1, REPLAY_OK, 1 }, { 1, REPLAY_DUP, 1 }, { 2, REPLAY_OK, 2 }, { 1, REPLAY_DUP, 1 } } },
	{ "out of order inside window", 64, false, 0,
	  { { 10, REPLAY_OK, 10 }, { 5, REPLAY_OK, 5 }, { 7, REPLAY_OK, 7 }, { 5, REPLAY_DUP, 5 }, { 9, REPLAY_OK, 9 } } },
	{ "left edge: top-window+1 ok, top-window old", 64, false, 0,
	  { { 100, REPLAY_OK, 100 }, { 37, REPLAY_OK, 37 }, { 36, REPLAY_OLD, 36 }, { 37, REPLAY_DUP, 37 } } },
	{ "far ahead jump clears the window", 128, false, 0,
	  { { 1, REPLAY_OK, 1 }, { 2, REPLAY_OK, 2 }, { 100000, REPLAY_OK, 100000 }, { 99999, REPLAY_OK, 99999 },
	    { 99873, REPLAY_OK, 99873 }, { 99872, REPLAY_OLD, 99872 }, { 100000, REPLAY_DUP, 100000 } } },
	/* Jumps by exactly the ring size (nwords * 64 bits): every bit of the
	 * ring is stale, and each received number below the old top lands on
	 * the bit of an in-window number never received (seq + ring).  A window
	 * that clears (words jumped) % nwords clears nothing here. */
	{ "jump by exactly the ring size (128 bits, window 64) keeps no stale bits", 64, false, 0,
	  { { 1, REPLAY_OK, 1 }, { 2, REPLAY_OK, 2 }, { 3, REPLAY_OK, 3 }, { 4, REPLAY_OK, 4 }, { 5, REPLAY_OK, 5 },
	    { 5 + 128, REPLAY_OK, 133 }, { 4 + 128, REPLAY_OK, 132 }, { 3 + 128, REPLAY_OK, 131 },
	    { 1 + 128, REPLAY_OK, 129 }, { 133, REPLAY_DUP, 133 }, { 69, REPLAY_OLD, 69 }, { 70, REPLAY_OK, 70 } } },
	{ "jump by exactly the ring size (192 bits, window 100) keeps no stale bits", 100, false, 0,
	  { { 50, REPLAY_OK, 50 }, { 60, REPLAY_OK, 60 }, { 64, REPLAY_OK, 64 }, { 65, REPLAY_OK, 65 },
	    { 65 + 192, REPLAY_OK, 257 }, { 64 + 192, REPLAY_OK, 256 }, { 60 + 192, REPLAY_OK, 252 },
	    { 50 + 192, REPLAY_OK, 242 }, { 257, REPLAY_DUP, 257 }, { 242, REPLAY_DUP, 242 }, { 157, REPLAY_OLD, 157 } } },
	{ "window 1", 1, false, 0, { { 5, REPLAY_OK, 5 }, { 4, REPLAY_OLD, 4 }, { 5, REPLAY_DUP, 5 }, { 6, REPLAY_OK, 6 } } },
	{ "window 0 = off: duplicates and old accepted", 0, false, 0,
	  { { 5, REPLAY_OK, 5 }, { 5, REPLAY_OK, 5 }, { 1, REPLAY_OK, 1 }, { 0, REPLAY_OLD, 0 } } },
	{ "window 4096 (max), old edge", 4096, false, 0,
	  { { 5000, REPLAY_OK, 5000 }, { 905, REPLAY_OK, 905 }, { 904, REPLAY_OLD, 904 }, { 905, REPLAY_DUP, 905 } } },
	{ "non-ESN near 2^32-1", 64, false, 0xfffffff0u,
	  { { 0xfffffffe, REPLAY_OK, 0xfffffffe }, { 0xffffffff, REPLAY_OK, 0xffffffff }, { 0xffffffff, REPLAY_DUP, 0 },
	    { 1, REPLAY_OLD, 1 } } },
	/* ESN: App. A2.2 case A (window within one epoch) */
	{ "ESN case A: same epoch", 64, true, 0x500000100ull,
	  { { 0x101, REPLAY_OK, 0x500000101ull }, { 0xc2, REPLAY_OK, 0x5000000c2ull }, { 0xc2, REPLAY_DUP, 0x5000000c2ull },
	    /* below the window: inferred as the next epoch (its ICV would then fail) */
	    { 0xc1, REPLAY_OK, 0x6000000c1ull } } },
	{ "ESN case A: low number below window = next epoch", 64, true, 0x5fffffff0ull,
	  { { 0x10, REPLAY_OK, 0x600000010ull }, { 0xfffffff5, REPLAY_OK, 0x5fffffff5ull } } },
	/* case B: window spans the epoch boundary */
	{ "ESN case B: wrap, late packet from previous epoch", 64, true, 0x600000010ull,
	  { { 0xfffffff0, REPLAY_OK, 0x5fffffff0ull }, { 0xfffffff0, REPLAY_DUP, 0x5fffffff0ull },
	    { 0x11, REPLAY_OK, 0x600000011ull }, { 0xffffff00, REPLAY_OK, 0x6ffffff00ull } } },
	{ "ESN wrap in order", 128, true, 0x1fffffffdull,
	  { { 0xfffffffe, REPLAY_OK, 0x1fffffffeull }, { 0xffffffff, REPLAY_OK, 0x1ffffffffull }, { 0, REPLAY_OK, 0x200000000ull }, { 1, REPLAY_OK, 0x200000001ull },
	    { 0xffffffff, REPLAY_DUP, 0x1ffffffffull }, { 0xfffffffe, REPLAY_DUP, 0x1fffffffeull } } },
	{ "ESN epoch 0 case B: no underflow", 64, true, 5,
	  { { 0xfffffff0, REPLAY_OK, 0xfffffff0ull } } },
	{ "ESN with window 0 infers within 2^31", 0, true, 0x300000010ull,
	  { { 0x7fffffff, REPLAY_OK, 0x37fffffffull }, { 0x90000000, REPLAY_OK, 0x390000000ull } } },
};

static void test_scenarios(void)
{
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		const struct scenario *s = &scenarios[i];
		struct replay r;

		replay_init(&r, s->window);
		r.top = s->top;
		for (int k = 0; k < 12; k++) {
			const struct step *st = &s->steps[k];
			uint64_t seq;
			enum replay_verdict v;

			if (k > 0 && st->seq_lo == 0 && st->want == REPLAY_OK && st->want_seq == 0)
				break;   /* end of list (zero row) */
			v = replay_check(&r, st->seq_lo, s->esn, &seq);
			if (v != st->want)
				t_fail(__FILE__, __LINE__, "%s step %d (seq %#x): verdict %d, want %d", s->label, k,
				       st->seq_lo, v, st->want);
			if (st->want_seq && seq != st->want_seq)
				t_fail(__FILE__, __LINE__, "%s step %d: seq %#llx, want %#llx", s->label, k,
				       (unsigned long long)seq, (unsigned long long)st->want_seq);
			if (v == REPLAY_OK)
				replay_update(&r, seq);
		}
		replay_fini(&r);
	}
}

/* Differential: a random walk against a naive set-of-seen-numbers model. */
static uint64_t rng = 88172645463325252ull;
static uint64_t next(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }

static void test_random_vs_naive(void)
{
	static const uint32_t windows[] = { 1, 32, 64, 65, 128, 1000, 4096 };
	static uint8_t seen[20000];

	for (size_t w = 0; w < sizeof(windows) / sizeof(windows[0]); w++) {
		struct replay r;
		uint64_t top = 0;

		CHECK(replay_init(&r, windows[w]));
		/* up to Libreswan's default 128 the ring lives in the struct */
		CHECK((r.heap == NULL) == (windows[w] <= REPLAY_INLINE_WINDOW));
		memset(seen, 0, sizeof(seen));
		for (int i = 0; i < 20000; i++) {
			uint64_t s = 1 + next() % 19000, got;
			enum replay_verdict want, v;
			if (i % 3 == 0 && top + 5 < 19000)
				s = top + 1 + next() % 5;      /* mostly moving forward */
			want = s > top ? REPLAY_OK : top - s >= windows[w] ? REPLAY_OLD : seen[s] ? REPLAY_DUP : REPLAY_OK;
			v = replay_check(&r, (uint32_t)s, false, &got);
			if (v != want) {
				t_fail(__FILE__, __LINE__, "window %u step %d seq %llu top %llu: %d want %d", windows[w], i,
				       (unsigned long long)s, (unsigned long long)top, v, want);
				break;
			}
			if (v == REPLAY_OK) {
				replay_update(&r, s);
				seen[s] = 1;
				if (s > top)
					top = s;
			}
		}
		replay_fini(&r);
	}
}

int main(void)
{
	RUN(test_scenarios);
	RUN(test_random_vs_naive);
	return t_done();
}
