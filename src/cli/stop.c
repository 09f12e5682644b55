/* `ipsec stop`: ask the daemon to shut down over its control socket and
 * wait (bounded) until the socket is gone.  Exit 0 stopped, 3 not running,
 * 1 it did not stop. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "ctl/ctl_client.h"

/* The daemon's pid from RUNDIR/pluto.pid (only when we know the rundir). */
static pid_t read_pid(const char *rundir, const char *ctl)
{
	char path[4200], buf[32] = "";
	FILE *fp;

	if (!rundir && ctl)
		return 0;
	snprintf(path, sizeof(path), "%s/%s", rundir ? rundir : (getenv("IPSEC_RUNDIR") ? getenv("IPSEC_RUNDIR") : CTL_DEFAULT_RUNDIR), CTL_PID_NAME);
	fp = fopen(path, "re");
	if (!fp)
		return 0;
	if (!fgets(buf, sizeof(buf), fp))
		buf[0] = '\0';
	fclose(fp);
	return (pid_t)atol(buf);
}

int cmd_stop(int argc, char **argv)
{
	const char *rundir = NULL, *ctl = NULL;
	char sock[4200];
	struct ctl_request rq = { .op = CTL_OP_SHUTDOWN };
	uint16_t status;
	pid_t pid;
	int fd;

	for (int i = 1; i + 1 < argc; i++) {
		if (strcmp(argv[i], "--rundir") == 0)
			rundir = argv[i + 1];
		else if (strcmp(argv[i], "--ctlsocket") == 0)
			ctl = argv[i + 1];
	}
	if (ctl)
		snprintf(sock, sizeof(sock), "%s", ctl);
	else if (rundir)
		snprintf(sock, sizeof(sock), "%s/%s", rundir, CTL_SOCKET_NAME);
	else
		ctl_default_socket(sock, sizeof(sock));
	pid = read_pid(rundir, ctl);
	fd = ctl_connect(sock);
	if (fd < 0) {
		fprintf(stderr, "ipsec stop: pluto is not running (%s: %s)\n", sock, strerror(-fd));
		return 3;
	}
	if (ctl_request(fd, &rq, NULL, NULL, &status) < 0) {
		close(fd);
		fprintf(stderr, "ipsec stop: no answer from pluto\n");
		return 1;
	}
	close(fd);
	for (int i = 0; i < 1000; i++) {      /* up to 10 s */
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		bool gone = pid > 0 ? (kill(pid, 0) < 0 && errno == ESRCH)
				    : (access(sock, F_OK) < 0 && errno == ENOENT);

		if (gone) {
			printf("Stopped pluto\n");
			return 0;
		}
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "ipsec stop: pluto did not stop within 10 s\n");
	return 1;
}
