/* `ipsec start` and `ipsec restart`: the `ipsec setup start` role.  Runs
 * this same binary as `ipsec pluto` (which detaches once its control
 * socket is ready) with the system config, or the --config/--rundir/
 * --secretsfile/... given; extra arguments go to pluto unchanged. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/commands.h"
#include "ctl/ctl_client.h"

/* Find --rundir/--ctlsocket among argv to know where the daemon listens. */
static void socket_of(int argc, char **argv, char *buf, size_t cap)
{
	const char *rundir = NULL, *ctl = NULL;

	for (int i = 1; i + 1 < argc; i++) {
		if (strcmp(argv[i], "--rundir") == 0)
			rundir = argv[i + 1];
		else if (strcmp(argv[i], "--ctlsocket") == 0)
			ctl = argv[i + 1];
	}
	if (ctl)
		snprintf(buf, cap, "%s", ctl);
	else if (rundir)
		snprintf(buf, cap, "%s/%s", rundir, CTL_SOCKET_NAME);
	else
		ctl_default_socket(buf, cap);
}

int cmd_start(int argc, char **argv)
{
	char *args[64];
	char sock[4200];
	int n = 0, fd, status;
	pid_t pid;

	socket_of(argc, argv, sock, sizeof(sock));
	fd = ctl_connect(sock);
	if (fd >= 0) {
		close(fd);
		fprintf(stderr, "ipsec start: pluto is already running (\"%s\")\n", sock);
		return 1;
	}
	args[n++] = (char *)"ipsec";
	args[n++] = (char *)"pluto";
	for (int i = 1; i < argc && n < 62; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	pid = fork();
	if (pid < 0) {
		perror("ipsec start: fork");
		return 1;
	}
	if (pid == 0) {
		execv("/proc/self/exe", args);
		perror("ipsec start: exec");
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "ipsec start: pluto failed to start\n");
		return 1;
	}
	printf("Redirecting to: cygnet pluto\nStarted pluto (control socket %s)\n", sock);
	return 0;
}

int cmd_restart(int argc, char **argv)
{
	int rc = cmd_stop(argc, argv);

	if (rc != 0 && rc != 3)
		return rc;
	return cmd_start(argc, argv);
}
