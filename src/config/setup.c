/* config setup access (see setup.h). */
#include <string.h>

#include "config/keywords.h"
#include "config/setup.h"
#include "config/values.h"

const char *setup_get(const struct config *cfg, const char *key)
{
	const struct kw_def *d = kw_find(key, KWS_SETUP);
	const char *v = cfg ? kvlist_get(&cfg->setup, key, CONF_NOSIDE) : NULL;

	return v ? v : d ? d->def : NULL;
}
