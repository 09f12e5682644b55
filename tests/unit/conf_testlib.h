/* For the ipsec.conf tests: load a config from text into the diagnostics
 * D (no %defaultroute lookup), and look for a diagnostic line.
 * Header-only: include it from one test program. */
#ifndef CYGNET_CONF_TESTLIB_H
#define CYGNET_CONF_TESTLIB_H

#include <stdio.h>
#include <string.h>

#include "config/conn.h"
#include "harness.h"

static struct config_diag D;
static const struct config_opts NOROUTE = { .no_defaultroute_lookup = true };

static inline struct config *load(const char *text)
{
	diag_free(&D);
	diag_init(&D);
	return config_load_buffer("t.conf", text, strlen(text), &NOROUTE, &D);
}

static inline bool diag_has(const char *needle)
{
	for (size_t i = 0; i < D.n; i++)
		if (strstr(D.lines[i], needle))
			return true;
	return false;
}

static inline void dump_diag(void)
{
	for (size_t i = 0; i < D.n; i++)
		fprintf(stderr, "  diag: %s\n", D.lines[i]);
}

#define CHECK_DIAG(s) do { if (!diag_has(s)) { t_fail(__FILE__, __LINE__, "no diag line with \"%s\"", s); \
	dump_diag(); } } while (0)

#endif
