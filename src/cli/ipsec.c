/* ipsec: the multi-call binary.  `ipsec SUBCOMMAND [args]`, dispatched
 * through the table below (wireguard-tools style). */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"

const struct subcommand subcommands[] = {

	{ "pluto", cmd_pluto, "the IKE daemon" },
	{ "whack", cmd_whack, "talk to the daemon over its control socket" },
	{ "auto", cmd_auto, "control automatically-keyed connections" },
	{ "start", cmd_start, "start the daemon with the system configuration" },
	{ "stop", cmd_stop, "stop the daemon" },
	{ "restart", cmd_restart, "stop, then start the daemon" },
	{ "status", cmd_status, "the daemon's status (whack --status)" },
	{ "addconn", cmd_addconn, "load conns from ipsec.conf (offline: --checkconfig, --list*)" },
	{ "readwriteconf", cmd_readwriteconf, "print the resolved ipsec.conf" },
	{ "version", cmd_version, "print Cygnet's version" },
	{ "_updown", cmd_updown, "the default updown (a no-op: the dataplane routes)" },
	{ "help", cmd_help, "list the subcommands" },
	{ NULL, NULL, NULL },
};

int main(int argc, char **argv)
{
	const char *name;

	if (argc < 2) {
		cmd_help(0, NULL);
		return 2;
	}
	name = argv[1];
	if (strcmp(name, "--version") == 0)
		name = "version";
	else if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
		name = "help";
	for (const struct subcommand *c = subcommands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c->main(argc - 1, argv + 1);
	fprintf(stderr, "ipsec: unknown command \"%s\"; try \"ipsec help\"\n", name);
	return 2;
}
