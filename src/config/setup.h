/* `config setup` values: typed access with table defaults (the
 * `ipsec addconn --configsetup` export is config/setup_export.h). */
#ifndef CYGNET_CONFIG_SETUP_H
#define CYGNET_CONFIG_SETUP_H

#include <stdbool.h>

#include "config/conn.h"

/* Value of a setup keyword: as given, else the table default, else NULL. */
const char *setup_get(const struct config *cfg, const char *key);

#endif
