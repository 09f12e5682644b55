/* `config setup` values: typed access with table defaults, and the
 * `ipsec addconn --configsetup` shell-variable export. */
#ifndef CYGNET_CONFIG_SETUP_H
#define CYGNET_CONFIG_SETUP_H

#include <stdbool.h>
#include <stdio.h>

#include "config/conn.h"

/* Value of a setup keyword: as given, else the table default, else NULL. */
const char *setup_get(const struct config *cfg, const char *key);

/* Print `export NAME='value'` lines (Libreswan addconn --configsetup shape):
 * confreadstatus, configfile, ctlsocket, then every setup keyword with a
 * value (given or default), dashes -> underscores, durations in ms,
 * booleans yes/no, enums as their canonical word.  noexport replaces
 * "export" by an empty word; prefix is put before every name except
 * configfile and ctlsocket.  cfg may be NULL (defaults only). */
void setup_export(FILE *out, const struct config *cfg, const char *configfile,
		  const char *ctlsocket, const char *prefix, bool noexport);

#endif
