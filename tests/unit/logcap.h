/* Unit tests: the daemon's log lines captured into one buffer (each line
 * and a newline; what does not fit is left out), for tests that assert on
 * what was logged.  Header-only: one capture per test program. */
#ifndef CYGNET_TESTS_LOGCAP_H
#define CYGNET_TESTS_LOGCAP_H

#include <string.h>

static char logbuf[1 << 16];
static size_t loglen;

static inline void logcap_add(const char *line)
{
	size_t l = strlen(line);

	if (loglen + l + 2 < sizeof(logbuf)) {
		memcpy(logbuf + loglen, line, l);
		loglen += l;
		logbuf[loglen++] = '\n';
		logbuf[loglen] = 0;
	}
}

static inline void logcap_reset(void)
{
	loglen = 0;
	logbuf[0] = 0;
}

/* How many times needle occurs in what was captured. */
static inline unsigned logcap_count(const char *needle)
{
	unsigned k = 0;

	for (const char *p = logbuf; (p = strstr(p, needle)) != NULL; p++)
		k++;
	return k;
}

#endif
