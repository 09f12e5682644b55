/* ipsec readwriteconf: print the fully resolved configuration as valid
 * ipsec.conf (also=, %default and %defaultroute expanded), which parses to
 * the same result.  Usage as Libreswan's:
 *   readwriteconf [--config <file>] [--nosetup] [--debug] [--rootdir <dir>]
 *                 [--rootdir2 <dir2>] [--conn conn_name]
 * Exit: 0 ok, 1 some conn did not load (it is listed as a comment) or
 * --conn names no conn, 3 the file cannot be loaded, 5 usage error. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "config/conn.h"
#include "config/writer.h"

static const char usage_text[] =
	"Usage: readwriteconf [--config <file>] [--nosetup] [--debug] [--rootdir <dir>] "
	"[--rootdir2 <dir2>] [--conn conn_name]\n";

int cmd_readwriteconf(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "conn", required_argument, NULL, 'n' },
		{ "nosetup", no_argument, NULL, 's' },
		{ "debug", no_argument, NULL, 'd' },
		{ "rootdir", required_argument, NULL, 'r' },
		{ "rootdir2", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct config_opts opts = { 0 };
	const char *path = "/etc/ipsec.conf", *only = NULL;
	bool setup = true;
	struct config_diag diag;
	struct config *cfg;
	int c, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'n': only = optarg; break;
		case 's': setup = false; break;
		case 'd': break;
		case 'r': opts.root_dir = optarg; break;
		case 'R': break;
		case 'h': fputs(usage_text, stdout); return 0;
		default: fputs(usage_text, stderr); return 5;
		}
	}
	if (optind < argc) {
		fputs(usage_text, stderr);
		return 5;
	}
	diag_init(&diag);
	cfg = config_load_opts(path, &opts, &diag);
	for (size_t i = 0; i < diag.n; i++)
		fprintf(stderr, "%s%s\n", !cfg && i == 0 ? "readwriteconf: config file cannot be loaded: " : "",
			diag.lines[i]);
	if (!cfg) {
		diag_free(&diag);
		return 3;
	}
	rc = diag.n_errors ? 1 : 0;
	diag_free(&diag);
	if (writer_config(stdout, cfg, only, setup) == 0 && only) {
		if (!config_find(cfg, only)) {
			fprintf(stderr, "readwriteconf: conn '%s' not found\n", only);
			rc = 1;
		}
	}
	config_free(cfg);
	return rc;
}
