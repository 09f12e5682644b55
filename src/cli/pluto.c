/* `ipsec pluto`: parse the daemon's options and run it (src/daemon/). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "daemon/pluto.h"

static const char usage[] =
	"Usage: ipsec pluto [--config FILE] [--secretsfile FILE] [--ipsecdir DIR]\n"
	"                   [--rundir DIR] [--ctlsocket FILE] [--nofork] [--stderrlog]\n"
	"                   [--logfile FILE] [--log-no-append] [--debug] [--ctl-timeout SECONDS]\n"
	"                   [--updown-timeout SECONDS] [--help] [--version]\n";

int cmd_pluto(int argc, char **argv)
{
	enum { O_CONFIG = 256, O_SECRETS, O_IPSECDIR, O_RUNDIR, O_CTLSOCKET, O_NOFORK, O_STDERR,
	       O_LOGFILE, O_NOAPPEND, O_DEBUG, O_HELP, O_VERSION, O_NSSDIR, O_DUMPDIR, O_CTLTIMEOUT,
	       O_UPDOWNTIMEOUT };
	static const struct option opts[] = {
		{ "config", required_argument, NULL, O_CONFIG },
		{ "secretsfile", required_argument, NULL, O_SECRETS },
		{ "ipsecdir", required_argument, NULL, O_IPSECDIR },
		{ "rundir", required_argument, NULL, O_RUNDIR },
		{ "ctlsocket", required_argument, NULL, O_CTLSOCKET },
		{ "nofork", no_argument, NULL, O_NOFORK },
		{ "stderrlog", no_argument, NULL, O_STDERR },
		{ "logfile", required_argument, NULL, O_LOGFILE },
		{ "log-no-append", no_argument, NULL, O_NOAPPEND },
		{ "debug", optional_argument, NULL, O_DEBUG },
		{ "help", no_argument, NULL, O_HELP },
		{ "version", no_argument, NULL, O_VERSION },
		{ "nssdir", required_argument, NULL, O_NSSDIR },     /* accepted for compatibility */
		{ "dumpdir", required_argument, NULL, O_DUMPDIR },
		{ "ctl-timeout", required_argument, NULL, O_CTLTIMEOUT },
		{ "updown-timeout", required_argument, NULL, O_UPDOWNTIMEOUT },
		{ NULL, 0, NULL, 0 },
	};
	struct pluto_opts o = {
		.config = "/etc/ipsec.conf", .secretsfile = "/etc/ipsec.secrets",
		.ipsecdir = "/etc/ipsec.d", .rundir = "/run/pluto", .dumpdir = "/run/pluto",
		.log_append = true, .logtime = true, .ctl_timeout_s = 10,
	};
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case O_CONFIG: o.config = optarg; break;
		case O_SECRETS: o.secretsfile = optarg; o.set_secretsfile = true; break;
		case O_IPSECDIR: o.ipsecdir = optarg; o.set_ipsecdir = true; break;
		case O_RUNDIR: o.rundir = optarg; if (!o.set_dumpdir) o.dumpdir = optarg; break;
		case O_CTLSOCKET: o.ctlsocket = optarg; break;
		case O_NOFORK: o.nofork = true; break;
		case O_STDERR: o.stderrlog = true; break;
		case O_LOGFILE: o.logfile = optarg; o.set_logfile = true; break;
		case O_NOAPPEND: o.log_append = false; o.set_append = true; break;
		case O_DEBUG:
			o.debug = !(optarg && strcmp(optarg, "none") == 0);
			o.set_debug = true;
			break;
		case O_HELP: fputs(usage, stdout); return 0;
		case O_VERSION: printf("Cygnet pluto %s\n", CYGNET_VERSION); return 0;
		case O_NSSDIR: break;
		case O_DUMPDIR: o.dumpdir = optarg; o.set_dumpdir = true; break;
		case O_CTLTIMEOUT:
		case O_UPDOWNTIMEOUT: {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);

			if (*end || v == 0 || v > 3600) {
				fprintf(stderr, "pluto: --%s wants 1..3600 seconds\n",
					c == O_CTLTIMEOUT ? "ctl-timeout" : "updown-timeout");
				return 1;
			}
			*(c == O_CTLTIMEOUT ? &o.ctl_timeout_s : &o.updown_timeout_s) = (unsigned)v;
			break;
		}
		default: fputs(usage, stderr); return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pluto: unexpected argument \"%s\"\n", argv[optind]);
		fputs(usage, stderr);
		return 1;
	}
	return pluto_run(&o);
}
