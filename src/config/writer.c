/* ipsec.conf writer (see writer.h). */
#include <string.h>

#include "config/keywords.h"
#include "config/writer.h"

static bool needs_quotes(const char *v)
{
	return v[0] == '\0' || v[0] == '"' || v[0] == '{' || strpbrk(v, " \t\r\f\v#") != NULL;
}

void writer_kv(FILE *out, const struct conf_kvlist *kv)
{
	char key[80];

	for (size_t i = 0; i < kv->n; i++) {
		const struct conf_kv *p = &kv->v[i];
		const char *v = p->value;

		snprintf(key, sizeof(key), "%s%s",
			 p->side == CONF_LEFT ? "left" : p->side == CONF_RIGHT ? "right" : "", p->key);
		if (needs_quotes(v))
			fprintf(out, "\t%s=\"%s\"\n", key, v);
		else
			fprintf(out, "\t%s=%s\n", key, v);
	}
}

size_t writer_config(FILE *out, const struct config *cfg, const char *only_conn, bool setup)
{
	size_t n = 0;

	fprintf(out, "# resolved from %s by ipsec readwriteconf\nversion 2\n", cfg->path);
	if (setup) {
		fprintf(out, "\nconfig setup\n");
		writer_kv(out, &cfg->setup);
	}
	for (size_t i = 0; i < cfg->n_conns; i++) {
		const struct config_conn_entry *e = &cfg->conns[i];
		if (only_conn && strcmp(only_conn, e->name) != 0)
			continue;
		if (e->broken) {
			fprintf(out, "\n# conn %s (%s:%u) did not load; not written\n", e->name, e->file,
				e->line);
			continue;
		}
		fprintf(out, "\nconn %s\n", e->name);
		writer_kv(out, &e->kv);
		n++;
	}
	return n;
}
