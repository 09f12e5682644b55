/* Writing a resolved configuration back as valid ipsec.conf: one
 * `config setup` (unless suppressed) and one `conn` per loaded conn with its
 * flat keyword list (also=, %default and %defaultroute already expanded),
 * so that parsing the output yields the same kv lists (round trip). */
#ifndef CYGNET_CONFIG_WRITER_H
#define CYGNET_CONFIG_WRITER_H

#include <stdbool.h>
#include <stdio.h>

#include "config/conn.h"

/* Write "\tkey=value" lines for a kv list; values quoted when needed. */
void writer_kv(FILE *out, const struct conf_kvlist *kv);
/* Whole config; only_conn limits the conns (NULL = all); broken conns are
 * written as a comment only.  Returns the number of conns written. */
size_t writer_config(FILE *out, const struct config *cfg, const char *only_conn, bool setup);

#endif
