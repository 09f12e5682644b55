/* config setup access and export (see setup.h). */
#include <inttypes.h>
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

static void put_quoted(FILE *out, const char *v)
{
	fputc('\'', out);
	for (; *v; v++) {
		if (*v == '\'')
			fputs("'\\''", out);
		else
			fputc(*v, out);
	}
	fputc('\'', out);
}

static void put_var(FILE *out, const char *exp, const char *prefix, const char *name,
		    const char *value)
{
	fprintf(out, "%s %s", exp, prefix);
	for (const char *p = name; *p; p++)
		fputc(*p == '-' ? '_' : *p, out);
	fputc('=', out);
	put_quoted(out, value);
	fputc('\n', out);
}

/* Libreswan prints these durations in seconds, all others in ms. */
static bool in_seconds(const char *name)
{
	return strcmp(name, "ocsp-timeout") == 0 || strcmp(name, "xfrmlifetime") == 0;
}

void setup_export(FILE *out, const struct config *cfg, const char *configfile,
		  const char *ctlsocket, const char *prefix, bool noexport)
{
	const char *exp = noexport ? "" : "export";

	put_var(out, exp, prefix, "confreadstatus", "");
	put_var(out, exp, "", "configfile", configfile);
	put_var(out, exp, "", "ctlsocket", ctlsocket);
	for (size_t i = 0; i < kw_count; i++) {
		const struct kw_def *d = &kw_table[i];
		const char *v;
		char canon[256], why[128], num[32];
		uint64_t ms;

		if (d->section != KWS_SETUP || d->alias_of || d->obsolete)
			continue;
		v = setup_get(cfg, d->name);
		if (!v)
			continue;
		if (!kw_validate(d, v, why, sizeof(why), canon, sizeof(canon)))
			snprintf(canon, sizeof(canon), "%s", v);
		if ((d->type == KT_DURATION) && val_duration(v, &ms, NULL)) {
			snprintf(num, sizeof(num), "%" PRIu64, in_seconds(d->name) ? ms / 1000 : ms);
			put_var(out, exp, prefix, d->name, num);
			continue;
		}
		put_var(out, exp, prefix, d->name, canon);
	}
}
