/* `ipsec _updown`: the default leftupdown= as a command.  Libreswan's
 * default script adds the routes and source addresses of a conn; Cygnet's
 * dataplane does that itself (see ipsec_updown(8)), so the daemon never
 * runs this.  It exists for custom scripts that call the default first
 * (`ipsec _updown "$@"` and then their own firewall rules): it checks
 * Libreswan's arguments (custom, --route yes|no, --iproute ARGS) and
 * PLUTO_VERB, and changes nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"

int cmd_updown(int argc, char **argv)
{
	const char *verb = getenv("PLUTO_VERB");
	int i = 1;

	if (i < argc && strcmp(argv[i], "custom") == 0)
		i++;
	for (; i < argc; i += 2) {
		if ((strcmp(argv[i], "--route") != 0 && strcmp(argv[i], "--iproute") != 0) || i + 1 >= argc) {
			fprintf(stderr, "ipsec _updown: Unknown argument \"%s\"\n", argv[i]);
			return 1;
		}
	}
	if (!verb || !verb[0]) {
		fprintf(stderr, "ipsec _updown: PLUTO_VERB is not set: run by pluto for leftupdown=\n");
		return 1;
	}
	return 0;   /* routes and source addresses are the dataplane's */
}
