#include "harness.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static const char *cur;
static bool cur_failed;
static int npass, nfail;

void t_begin(const char *name)
{
	cur = name;
	cur_failed = false;
}

void t_end(void)
{
	if (cur_failed)
		nfail++;
	else {
		npass++;
		printf("PASS %s\n", cur);
	}
	fflush(stdout);
}

bool t_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("FAIL %s: %s:%d: ", cur ? cur : "?", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	cur_failed = true;
	return false;
}

int t_done(void)
{
	fflush(stdout);
	fprintf(stderr, "\n%d passed, %d failed\n", npass, nfail);
	return nfail ? 1 : 0;
}

size_t t_unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (; *hex; hex++) {
		int v;
		if (isspace((unsigned char)*hex))
			continue;
		if (!isxdigit((unsigned char)*hex))
			abort();
		v = isdigit((unsigned char)*hex) ? *hex - '0' : (tolower((unsigned char)*hex) - 'a' + 10);
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n >= cap)
			abort();
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0)
		abort();
	return n;
}
