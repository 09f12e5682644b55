#include <stdio.h>

#include "cli/commands.h"

int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("Usage: ipsec COMMAND [ARGS]\n\nCommands:\n");
	for (const struct subcommand *c = subcommands; c->name; c++)
		printf("  %-15s %s\n", c->name, c->help);
	printf("\nSee ipsec(8) and ipsec_auto(8).\n");
	return 0;
}
