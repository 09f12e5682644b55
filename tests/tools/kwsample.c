/* kwsample: for every keyword row that is not implemented (or not for all
 * values), one valid value of that class:
 *   CLASS SECTION SPELLED VALUE
 * CLASS is not-yet or no-effect; VALUE "-" when no candidate fits (the
 * test that reads this fails then).  Used by
 * tests/integration/config_keyword_classes.sh. */
#include <stdio.h>
#include <string.h>

#include "config/keywords.h"

static const char *const generic[] = {
	"yes", "no", "5", "1h", "10%", "1KiB", "192.0.2.9", "10.9.0.0/24", "tcp/80", "@east",
	"aes128-sha2", "aes_gcm256", "sha2_256", "5/0xff", "%v4:10.0.0.0/8", "500", "x", "vti9",
	"10.9.0.1-10.9.0.9", "0", "1", "%any", NULL,
};

static const char *sample(const struct kw_def *d)
{
	char why[160];

	for (const struct val_name *n = d->names; n && n->name; n++)
		if (kw_validate(d, n->name, why, sizeof(why), NULL, 0) &&
		    kw_value_class(d, n->name, NULL) == (enum kw_class)d->cls)
			return n->name;
	for (const char *const *v = generic; *v; v++)
		if (kw_validate(d, *v, why, sizeof(why), NULL, 0) &&
		    kw_value_class(d, *v, NULL) == (enum kw_class)d->cls)
			return *v;
	return "-";
}

int main(void)
{
	char buf[80];

	for (size_t i = 0; i < kw_count; i++) {
		const struct kw_def *d = &kw_table[i];

		if (d->alias_of || d->obsolete || d->cls == KC_IMPLEMENTED)
			continue;
		printf("%s %s %s %s\n", d->cls == KC_NOT_YET ? "not-yet" : "no-effect",
		       d->section == KWS_CONN ? "conn" : "setup",
		       kw_spell(d, d->sided ? CONF_LEFT : CONF_NOSIDE, buf, sizeof(buf)), sample(d));
	}
	return 0;
}
