/* libFuzzer target: leftsubnets=/rightsubnets= expansion (config/permutate.c)
 * over any loadable ipsec.conf from a memory buffer (no include, no
 * netlink).  Invariants: an expanded conn has no *subnets= left, exactly
 * one leftsubnet= and rightsubnet=, and connalias= = the conn's name; the
 * count is the product of the two sides' list lengths. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/conn.h"
#include "config/permutate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct config_opts o = { .no_defaultroute_lookup = true, .no_include = true };
	struct config_diag diag;
	struct config *cfg;
	struct config_conn_entry *v;
	size_t n = 0;

	if (size > 1 << 16)
		return 0;
	diag_init(&diag);
	cfg = config_load_buffer("fuzz.conf", (const char *)data, size, &o, &diag);
	if (!cfg)
		goto out;
	v = permutate_config(cfg, &n, &diag);
	for (size_t i = 0; i < n; i++) {
		const char *alias = kvlist_get(&v[i].kv, "connalias", CONF_NOSIDE);
		const char *slash = strrchr(v[i].name, '/');

		if (!slash || !alias || strncmp(v[i].name, alias, (size_t)(slash - v[i].name)) != 0 ||
		    alias[slash - v[i].name] != '\0')
			continue;   /* not an expansion (names may contain '/' themselves) */
		if (kvlist_get(&v[i].kv, "subnets", CONF_LEFT) || kvlist_get(&v[i].kv, "subnets", CONF_RIGHT) ||
		    !kvlist_get(&v[i].kv, "subnet", CONF_LEFT) || !kvlist_get(&v[i].kv, "subnet", CONF_RIGHT))
			__builtin_trap();
	}
	permutate_entries_free(v, n);
	config_free(cfg);
out:
	diag_free(&diag);
	return 0;
}
