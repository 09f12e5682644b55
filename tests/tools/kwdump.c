/* kwdump: print the ipsec.conf keyword table, one spelled keyword a line:
 *   SECTION SPELLED TYPE DEFAULT ALIAS_OF|- obsolete|-
 * (used by tests/integration/config_vs_libreswan.sh and for docs). */
#include <stdio.h>

#include "config/keywords.h"

int main(void)
{
	char buf[80];

	for (size_t i = 0; i < kw_count; i++) {
		const struct kw_def *d = &kw_table[i];
		for (int s = d->sided ? CONF_LEFT : CONF_NOSIDE; s <= (d->sided ? CONF_RIGHT : CONF_NOSIDE); s++)
			printf("%s %s %s %s %s %s\n", d->section == KWS_CONN ? "conn" : "setup",
			       kw_spell(d, s, buf, sizeof(buf)),
			       d->alias_of ? "alias" : kw_type_name(d->type),
			       d->def ? d->def : "-", d->alias_of ? d->alias_of : "-",
			       d->obsolete ? "obsolete" : "-");
	}
	return 0;
}
