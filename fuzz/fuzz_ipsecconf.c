/* libFuzzer target: the whole ipsec.conf pipeline (lexer, parser, also=/
 * %default resolution, value validation, conn_from_kv, writer) from a
 * memory buffer.  include lines are rejected (no file access) and
 * %defaultroute is not looked up (no netlink), so the run is pure. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "config/conn.h"
#include "config/writer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct config_opts o = { .no_defaultroute_lookup = true, .no_include = true };
	struct config_diag diag;
	struct config *cfg;

	if (size > 1 << 16)
		return 0;
	diag_init(&diag);
	cfg = config_load_buffer("fuzz.conf", (const char *)data, size, &o, &diag);
	if (cfg) {
		/* exercise lookups and the writer; then re-parse what was written:
		 * the writer must always produce loadable text */
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		const struct config_conn_entry *out[4];

		for (size_t i = 0; i < cfg->n_conns; i++)
			config_find_alias(cfg, cfg->conns[i].name, out, 4);
		if (f) {
			writer_config(f, cfg, NULL, true);
			fclose(f);
			struct config_diag d2;
			diag_init(&d2);
			struct config *again = config_load_buffer("rw.conf", buf, len, &o, &d2);
			if (!again)
				__builtin_trap();   /* written config must load */
			config_free(again);
			diag_free(&d2);
			free(buf);
		}
		config_free(cfg);
	}
	diag_free(&diag);
	return 0;
}
