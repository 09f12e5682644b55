/* `ipsec status`: as Libreswan's wrapper, `whack --status` against
 * --ctlsocket FILE, --rundir DIR/pluto.ctl, or the default socket; when
 * the daemon is not running: `whack: Pluto is not running (no "PATH")`, 33. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "ctl/ctl_client.h"

int cmd_status(int argc, char **argv)
{
	char sock[4200];
	char *wargv[5] = { (char *)"whack", (char *)"--ctlsocket", sock, (char *)"--status", NULL };

	ctl_default_socket(sock, sizeof(sock));
	for (int i = 1; i < argc; i++) {
		if (i + 1 < argc && strcmp(argv[i], "--rundir") == 0)
			snprintf(sock, sizeof(sock), "%s/%s", argv[++i], CTL_SOCKET_NAME);
		else if (i + 1 < argc && strcmp(argv[i], "--ctlsocket") == 0)
			snprintf(sock, sizeof(sock), "%s", argv[++i]);
		else {
			fprintf(stderr, "Usage: ipsec status [--rundir DIR | --ctlsocket FILE]\n");
			return 2;
		}
	}
	return cmd_whack(4, wargv);
}
