#include <stdio.h>

#include "cli/commands.h"

int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("Cygnet " CYGNET_VERSION " (Libreswan-compatible IKEv2 keying)\n");
	return 0;
}
