/* `ipsec whack`: send one or more control requests to the daemon and print
 * its reply lines ("NNN text").  Exit status as Libreswan: the last code in
 * [20,100) the daemon sent, 0 otherwise; whack-side problems exit 33. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "ctl/ctl_client.h"

#define WHACK_PROBLEM 33

static const char usage[] =
	"Usage: ipsec whack [--ctlsocket FILE] --name NAME {--initiate [--asynchronous]\n"
	"           [--remote-host IP] | --terminate | --delete | --route | --unroute |\n"
	"           --rekey-ike [--asynchronous] | --rekey-ipsec [--asynchronous]}\n"
	"       ipsec whack [--ctlsocket FILE] {--listen | --unlisten | --rereadsecrets |\n"
	"           --rereadcerts | --rereadall | --rereadgroups | --shutdown}\n"
	"       ipsec whack [--ctlsocket FILE] [--utc] {--listpubkeys | --listcerts | --listcacerts |\n"
	"           --listcrls | --listgroups | --checkpubkeys | --listall | --purgeocsp}\n"
	"       ipsec whack [--ctlsocket FILE] {--status [--json] | --briefstatus | --globalstatus |\n"
	"           --showstates | --trafficstatus | --shuntstatus | --fipsstatus |\n"
	"           --connectionstatus}\n";

enum { O_CTLSOCKET = 256, O_NAME, O_ASYNC, O_REMOTE, O_UTC, O_JSON, O_HELP, O_VERSION, O_OPBASE = 512 };

/* Connect and send the wanted operations in Libreswan's order; the exit
 * status of the last reply (or WHACK_PROBLEM). */
static int whack_send(const char *ctlsocket, const char *name, const char *remote, uint32_t flags,
		      const bool want[CTL_OP_MAX])
{
	int fd, rc = 0;

	fd = ctl_connect(ctlsocket);
	if (fd == -ENOENT) {
		fprintf(stderr, "whack: Pluto is not running (no \"%s\")\n", ctlsocket);
		return WHACK_PROBLEM;
	}
	if (fd < 0) {
		fprintf(stderr, "whack: is Pluto running?  connect() for \"%s\" failed (%d %s)\n",
			ctlsocket, -fd, strerror(-fd));
		return WHACK_PROBLEM;
	}
	/* Order as Libreswan: connection ops first, then lists/status, shutdown last. */
	for (int op = 1; op < CTL_OP_MAX; op++) {
		struct ctl_request rq = { .op = (enum ctl_op)op, .flags = flags };
		uint16_t status;
		int r;

		if (!want[op] || op == CTL_OP_SHUTDOWN)
			continue;
		if (name)
			rq.name = (struct ctl_str){ name, strlen(name) };
		if (remote && op == CTL_OP_INITIATE)
			rq.remote = (struct ctl_str){ remote, strlen(remote) };
		r = ctl_request(fd, &rq, ctl_print_line, &rc, &status);
		fflush(stdout);
		if (r < 0) {
			fprintf(stderr, "whack: lost the control connection to \"%s\": %s\n", ctlsocket,
				r == -EPROTO ? "protocol error" : strerror(-r));
			close(fd);
			return WHACK_PROBLEM;
		}
	}
	if (want[CTL_OP_SHUTDOWN]) {
		struct ctl_request rq = { .op = CTL_OP_SHUTDOWN };
		uint16_t status;

		if (ctl_request(fd, &rq, ctl_print_line, &rc, &status) < 0) {
			fprintf(stderr, "whack: no answer to --shutdown from \"%s\"\n", ctlsocket);
			close(fd);
			return WHACK_PROBLEM;
		}
	}
	close(fd);
	return rc;
}

int cmd_whack(int argc, char **argv)
{
	struct option opts[CTL_OP_MAX + 16];
	size_t no = 0;
	const char *ctlsocket = NULL, *name = NULL, *remote = NULL;
	char defsock[4200];
	uint32_t flags = 0;
	bool want[CTL_OP_MAX] = { false };
	int nops = 0, c;

	opts[no++] = (struct option){ "ctlsocket", required_argument, NULL, O_CTLSOCKET };
	opts[no++] = (struct option){ "name", required_argument, NULL, O_NAME };
	opts[no++] = (struct option){ "asynchronous", no_argument, NULL, O_ASYNC };
	opts[no++] = (struct option){ "remote-host", required_argument, NULL, O_REMOTE };
	opts[no++] = (struct option){ "utc", no_argument, NULL, O_UTC };
	opts[no++] = (struct option){ "json", no_argument, NULL, O_JSON };
	opts[no++] = (struct option){ "help", no_argument, NULL, O_HELP };
	opts[no++] = (struct option){ "version", no_argument, NULL, O_VERSION };
	for (int op = 1; op < CTL_OP_MAX; op++)
		if (op != CTL_OP_ADD && op != CTL_OP_PING)
			opts[no++] = (struct option){ ctl_op_name((enum ctl_op)op), no_argument, NULL, O_OPBASE + op };
	opts[no] = (struct option){ NULL, 0, NULL, 0 };

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case O_CTLSOCKET: ctlsocket = optarg; break;
		case O_NAME: name = optarg; break;
		case O_ASYNC: flags |= CTL_F_ASYNC; break;
		case O_REMOTE: remote = optarg; break;
		case O_UTC: flags |= CTL_F_UTC; break;
		case O_JSON: flags |= CTL_F_JSON; break;
		case O_HELP: fputs(usage, stdout); return 0;
		case O_VERSION: printf("Cygnet whack %s\n", CYGNET_VERSION); return 0;
		case '?':
			if (optopt)
				fprintf(stderr, "whack: option '%s' requires an argument\n", argv[optind - 1]);
			else
				fprintf(stderr, "whack: unrecognized option '%s'\n", argv[optind - 1]);
			return WHACK_PROBLEM;
		default:
			if (c >= O_OPBASE && c < O_OPBASE + CTL_OP_MAX) {
				if (!want[c - O_OPBASE])
					nops++;
				want[c - O_OPBASE] = true;
			}
			break;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "whack error: unexpected argument \"%s\"; try --help for hints\n", argv[optind]);
		return WHACK_PROBLEM;
	}
	/* --listall --purgeocsp: purgeocsp lists everything itself */
	if (want[CTL_OP_PURGEOCSP] && want[CTL_OP_LISTALL]) {
		want[CTL_OP_LISTALL] = false;
		nops--;
	}
	if (nops == 0) {
		if (name)
			fprintf(stderr, "whack error: \"%s\" no action specified; try --help for hints\n", name);
		else
			fprintf(stderr, "whack error: no action specified; try --help for hints\n");
		return WHACK_PROBLEM;
	}
	for (int op = 1; op < CTL_OP_MAX; op++)
		if (want[op] && ctl_op_needs_name((enum ctl_op)op) && !name) {
			fprintf(stderr, "whack error: missing --name <connection_name>\n");
			return WHACK_PROBLEM;
		}
	if (!ctlsocket)
		ctlsocket = ctl_default_socket(defsock, sizeof(defsock));
	return whack_send(ctlsocket, name, remote, flags, want);
}
