/* A small unit-test harness.  Each test function is run with RUN(fn) and
 * reported as "PASS fn" or "FAIL fn: file:line: what"; table-driven tests
 * may report each row as its own case with t_case().  main() ends with
 * `return t_done();`. */
#ifndef CYGNET_TEST_HARNESS_H
#define CYGNET_TEST_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

void t_begin(const char *name);
void t_end(void);
bool t_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int t_done(void);

#define RUN(fn) do { t_begin(#fn); fn(); t_end(); } while (0)

#define CHECK(c) ((c) ? true : t_fail(__FILE__, __LINE__, "%s", #c))
#define CHECK_INT(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); \
	if (a_ != b_) t_fail(__FILE__, __LINE__, "%s == %lld, want %lld", #a, a_, b_); } while (0)
#define CHECK_STR(a, b) do { const char *a_ = (a), *b_ = (b); \
	if (!a_ || !b_ || strcmp(a_, b_) != 0) t_fail(__FILE__, __LINE__, "%s == \"%s\", want \"%s\"", \
		#a, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); } while (0)
#define CHECK_MEM(a, b, n) do { if (memcmp((a), (b), (n)) != 0) \
	t_fail(__FILE__, __LINE__, "%s differs from %s over %zu bytes", #a, #b, (size_t)(n)); } while (0)

/* Hex helper for known-answer tests: decodes hex (whitespace ignored) into
 * out, returns the byte count; aborts the test binary on bad input. */
size_t t_unhex(const char *hex, uint8_t *out, size_t cap);

#endif
