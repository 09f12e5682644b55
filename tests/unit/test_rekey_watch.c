/* rekey_step() (src/daemon/rekey.c): how a synchronous `whack --rekey-ike
 * / --rekey-ipsec` decides, from successive looks at the SAs, that the
 * rekey of SA #2 is done or failed.  One row per scenario, each a sequence
 * of looks with the outcome and "rekeyed" announcement expected after it. */
#include "harness.h"

#include <stdio.h>

#include "daemon/rekey.h"

#define T0 100000u                 /* when the rekey was asked */
#define DEADLINE (T0 + 9000u)      /* retransmit-timeout 4s + REKEY_GRACE_MS */

struct look_row {
	uint64_t at;                   /* 0 ends the sequence */
	bool present, busy;
	unsigned successor;
	bool announce;
	enum rekey_outcome want;
};

static const char *outcome_name(enum rekey_outcome o)
{
	static const char *const n[] = { "WAIT", "DONE", "FAIL_DELETED", "FAIL_IDLE", "FAIL_TIMEOUT" };
	return (unsigned)o < sizeof(n) / sizeof(n[0]) ? n[o] : "?";
}

static void test_sequences(void)
{
	static const struct {
		const char *label;
		struct look_row looks[8];
	} rows[] = {
		{ "done before the first look", {
			{ T0 + 50, false, false, 3, true, REKEY_DONE } } },
		{ "successor, then the old SA deleted", {
			{ T0 + 50, true, true, 0, false, REKEY_WAIT },
			{ T0 + 100, true, false, 3, true, REKEY_WAIT },
			{ T0 + 150, false, false, 3, false, REKEY_DONE } } },
		{ "old SA kept by the peer: done after REKEY_OLD_WAIT_MS", {
			{ T0 + 50, true, false, 3, true, REKEY_WAIT },
			{ T0 + 50 + REKEY_OLD_WAIT_MS - 1, true, false, 3, false, REKEY_WAIT },
			{ T0 + 50 + REKEY_OLD_WAIT_MS, true, false, 3, false, REKEY_DONE } } },
		{ "successor announced once, even if it goes again", {
			{ T0 + 50, true, false, 3, true, REKEY_WAIT },
			{ T0 + 100, true, false, 0, false, REKEY_WAIT },
			{ T0 + 150, true, false, 4, false, REKEY_WAIT },
			{ T0 + 200, false, false, 0, false, REKEY_DONE } } },
		{ "old SA deleted without a successor (IKE SA timed out)", {
			{ T0 + 50, true, true, 0, false, REKEY_WAIT },
			{ T0 + 4050, false, false, 0, false, REKEY_FAIL_DELETED } } },
		{ "answered without a successor: idle REKEY_IDLE_FAIL_MS", {
			{ T0 + 50, true, true, 0, false, REKEY_WAIT },
			{ T0 + 100, true, false, 0, false, REKEY_WAIT },
			{ T0 + 100 + REKEY_IDLE_FAIL_MS - 1, true, false, 0, false, REKEY_WAIT },
			{ T0 + 100 + REKEY_IDLE_FAIL_MS, true, false, 0, false, REKEY_FAIL_IDLE } } },
		{ "busy again restarts the idle clock", {
			{ T0 + 50, true, false, 0, false, REKEY_WAIT },
			{ T0 + 1000, true, true, 0, false, REKEY_WAIT },
			{ T0 + 3000, true, false, 0, false, REKEY_WAIT },
			{ T0 + 3000 + REKEY_IDLE_FAIL_MS - 1, true, false, 0, false, REKEY_WAIT },
			{ T0 + 3000 + REKEY_IDLE_FAIL_MS, true, false, 0, false, REKEY_FAIL_IDLE } } },
		{ "retransmitting until the deadline", {
			{ T0 + 50, true, true, 0, false, REKEY_WAIT },
			{ DEADLINE - 1, true, true, 0, false, REKEY_WAIT },
			{ DEADLINE, true, true, 0, false, REKEY_FAIL_TIMEOUT } } },
		{ "a successor at the deadline still counts", {
			{ T0 + 50, true, true, 0, false, REKEY_WAIT },
			{ DEADLINE + 10, true, false, 3, true, REKEY_WAIT },
			{ DEADLINE + 60, false, false, 3, false, REKEY_DONE } } },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct rekey_target t = { .old = 2, .deadline_ms = DEADLINE };

		for (size_t k = 0; k < 8 && rows[i].looks[k].at; k++) {
			const struct look_row *l = &rows[i].looks[k];
			struct rekey_view v = { .old_present = l->present, .parent_busy = l->busy, .successor = l->successor };
			bool announce = !l->announce;
			enum rekey_outcome o = rekey_step(&t, &v, l->at, &announce);

			if (o != l->want || announce != l->announce)
				t_fail(__FILE__, __LINE__, "row \"%s\" look %zu: %s%s, want %s%s", rows[i].label, k + 1,
				       outcome_name(o), announce ? " +announce" : "", outcome_name(l->want),
				       l->announce ? " +announce" : "");
		}
	}
}

/* The successor kept in the target is the first one seen (the "rekeyed"
 * line names it), not a later one. */
static void test_successor_recorded(void)
{
	struct rekey_target t = { .old = 7, .deadline_ms = DEADLINE };
	struct rekey_view v = { .old_present = true, .successor = 9 };
	bool a;

	CHECK_INT(rekey_step(&t, &v, T0 + 50, &a), REKEY_WAIT);
	CHECK(a);
	CHECK_INT(t.repl, 9);
	v.successor = 11;
	CHECK_INT(rekey_step(&t, &v, T0 + 100, &a), REKEY_WAIT);
	CHECK(!a);
	CHECK_INT(t.repl, 9);
}

int main(void)
{
	RUN(test_sequences);
	RUN(test_successor_recorded);
	return t_done();
}
