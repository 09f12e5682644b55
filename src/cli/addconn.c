/* ipsec addconn: load conns from ipsec.conf.
 *
 * OFFLINE modes (this file): --checkconfig, --listall/--listadd/--listroute/
 * --liststart/--listignore, --liststack, --configsetup [--noexport]
 * [--varprefix P].  Output shapes and precedence follow Libreswan 4.10
 * (reference §5.1): the load is checked first (--checkconfig exits there),
 * then the lists are printed, then --liststack, then --configsetup; names
 * and --autoall then go ONLINE through addconn_online().
 *
 * Exit status: 0 ok; 3 file cannot be loaded / syntax error; 1 a conn or
 * value error (Cygnet is strict: Libreswan exits 0 there); 10 usage;
 * 21 per name not found (capped at 252, no wrap to 0 as in Libreswan);
 * 255 daemon unreachable. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "config/conn.h"
#include "config/keywords.h"
#include "config/permutate.h"
#include "config/setup_export.h"
#include "ctl/addconn_client.h"

#define DEFAULT_CONFIG "/etc/ipsec.conf"
#define DEFAULT_CTLSOCKET "/run/pluto/pluto.ctl"

static const char usage_text[] =
	"Usage: addconn [--config file] [--ctlsocket socketfile]\n"
	"               [--varprefix prefix] [--noexport]\n"
	"               [--verbose]\n"
	"               [--configsetup]\n"
	"               [--liststack]\n"
	"               [--checkconfig]\n"
	"               [--autoall]\n"
	"               [--listall] [--listadd] [--listroute] [--liststart]\n"
	"               [--listignore]\n"
	"               [--keywords]\n"
	"               names\n"
	"--keywords (Cygnet): every ipsec.conf keyword with its class: implemented,\n"
	"not supported yet (refused: FILE:LINE: ... is not supported by Cygnet), or no\n"
	"effect (accepted with a warning that says why); see ipsec_addconn(8).\n";

enum { L_ALL = 1, L_ADD = 2, L_ROUTE = 4, L_START = 8, L_IGNORE = 16 };

struct addconn_opts {
	const char *config, *ctlsocket, *varprefix;
	bool noexport, verbose, configsetup, liststack, checkconfig, autoall, keywords;
	unsigned lists;
};

/* ---- ONLINE: loading conns into the daemon ------------------------------
 * Implemented by the daemon work in src/ctl/addconn_client.c (one control
 * connection for all conns).  It receives only conns that resolved
 * cleanly; each one's flat kv list (entry->kv) is what goes on the wire and
 * conn_from_kv() rebuilds the struct in the daemon. */
static void print_diag(const struct config_diag *d, const char *fatal_prefix);

/* A conn with leftsubnets=/rightsubnets= goes as one conn per subnet pair,
 * "NAME/1x1" ..., connalias=NAME (src/config/permutate.h). */
static int addconn_online(const struct addconn_opts *o, const struct config *cfg,
			  const struct config_conn_entry *const *conns, size_t n)
{
	struct config_diag diag;
	struct config_conn_entry *x;
	const struct config_conn_entry **sel;
	size_t nx = 0;
	int rc;

	(void)cfg;
	diag_init(&diag);
	x = permutate_entries(conns, n, &nx, &diag);
	print_diag(&diag, NULL);
	sel = calloc(nx + 1, sizeof(*sel));
	if (!sel)
		abort();
	for (size_t i = 0; i < nx; i++)
		sel[i] = &x[i];
	rc = nx ? addconn_send(o->ctlsocket, sel, nx, o->autoall, o->verbose) : 0;
	if (!rc && diag.n_errors)
		rc = 1;
	free(sel);
	permutate_entries_free(x, nx);
	diag_free(&diag);
	return rc;
}

/* ---- OFFLINE ------------------------------------------------------------ */

static int usage(void)
{
	fputs(usage_text, stderr);
	return 10;
}

static int parse_opts(int argc, char **argv, struct addconn_opts *o)
{
	enum { O_CONFIG = 256, O_CTL, O_VARPREFIX, O_NOEXPORT, O_VERBOSE, O_CONFIGSETUP,
	       O_LISTSTACK, O_CHECK, O_AUTOALL, O_LALL, O_LADD, O_LROUTE, O_LSTART, O_LIGNORE,
	       O_DEFROUTE, O_HELP, O_KEYWORDS };
	static const struct option lo[] = {
		{ "config", required_argument, NULL, O_CONFIG },
		{ "ctlsocket", required_argument, NULL, O_CTL },
		{ "ctlbase", required_argument, NULL, O_CTL },
		{ "varprefix", required_argument, NULL, O_VARPREFIX },
		{ "noexport", no_argument, NULL, O_NOEXPORT },
		{ "verbose", no_argument, NULL, O_VERBOSE },
		{ "configsetup", no_argument, NULL, O_CONFIGSETUP },
		{ "liststack", no_argument, NULL, O_LISTSTACK },
		{ "checkconfig", no_argument, NULL, O_CHECK },
		{ "autoall", no_argument, NULL, O_AUTOALL },
		{ "addall", no_argument, NULL, O_AUTOALL },
		{ "listall", no_argument, NULL, O_LALL },
		{ "listadd", no_argument, NULL, O_LADD },
		{ "listroute", no_argument, NULL, O_LROUTE },
		{ "liststart", no_argument, NULL, O_LSTART },
		{ "listignore", no_argument, NULL, O_LIGNORE },
		{ "defaultroute", required_argument, NULL, O_DEFROUTE },
		{ "defaultroutenexthop", required_argument, NULL, O_DEFROUTE },
		{ "help", no_argument, NULL, O_HELP },
		{ "keywords", no_argument, NULL, O_KEYWORDS },
		{ NULL, 0, NULL, 0 },
	};
	bool warned = false;
	int c;

	memset(o, 0, sizeof(*o));
	o->config = DEFAULT_CONFIG;
	o->ctlsocket = DEFAULT_CTLSOCKET;
	o->varprefix = "";
	optind = 0;           /* full reset: cmd_* may be called more than once */
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case O_CONFIG: o->config = optarg; break;
		case O_CTL: o->ctlsocket = optarg; break;
		case O_VARPREFIX: o->varprefix = optarg; break;
		case O_NOEXPORT: o->noexport = true; break;
		case O_VERBOSE: o->verbose = true; break;
		case O_CONFIGSETUP: o->configsetup = true; break;
		case O_LISTSTACK: o->liststack = true; break;
		case O_CHECK: o->checkconfig = true; break;
		case O_AUTOALL: o->autoall = true; break;
		case O_LALL: o->lists |= L_ALL; break;
		case O_LADD: o->lists |= L_ADD; break;
		case O_LROUTE: o->lists |= L_ROUTE; break;
		case O_LSTART: o->lists |= L_START; break;
		case O_LIGNORE: o->lists |= L_IGNORE; break;
		case O_KEYWORDS: o->keywords = true; break;
		case O_DEFROUTE:
			if (!warned)
				fprintf(stderr, "Warning: options --defaultroute and --defaultroutenexthop are obsolete and were ignored\n");
			warned = true;
			break;
		default:
			return -1;
		}
	}
	return optind;
}

static void print_diag(const struct config_diag *d, const char *fatal_prefix)
{
	for (size_t i = 0; i < d->n; i++) {
		if (fatal_prefix && i == 0)
			fprintf(stderr, "%s", fatal_prefix);
		fprintf(stderr, "%s\n", d->lines[i]);
	}
}

/* auto= of an entry as its canonical word ("route" -> "ondemand").  A
 * broken conn cannot be loaded, so it counts as auto=ignore; one refused
 * only for settings Cygnet does not support keeps its auto= (the listing
 * says what the file asks for; adding it then says why it cannot load). */
static const char *entry_auto(const struct config_conn_entry *e)
{
	const char *v = kvlist_get(&e->kv, "auto", CONF_NOSIDE);
	static const char *const words[] = { "ignore", "add", "ondemand", "start", "keep" };
	int x;

	if ((e->broken && !e->refused) || !v || !val_enum(v, val_auto_names, &x, NULL) || x < 0 ||
	    x > 4)
		return "ignore";
	return words[x];
}

static void print_list(const struct config *cfg, const char *a1, const char *a2, bool newline)
{
	for (size_t i = 0; cfg && i < cfg->n_conns; i++) {
		const char *a = entry_auto(&cfg->conns[i]);
		if (!a1 || strcmp(a, a1) == 0 || (a2 && strcmp(a, a2) == 0))
			printf("%s ", cfg->conns[i].name);
	}
	if (newline)
		putchar('\n');
}

static void print_lists(const struct config *cfg, unsigned lists)
{
	if (lists & L_ALL) {
		print_list(cfg, NULL, NULL, true);
		return;
	}
	/* Libreswan omits the newline after these three (scripts rely on it) */
	if (lists & L_ADD)
		print_list(cfg, "add", NULL, false);
	if (lists & L_ROUTE)
		print_list(cfg, "ondemand", "start", false);
	if (lists & L_START)
		print_list(cfg, "start", NULL, false);
	if (lists & L_IGNORE)
		print_list(cfg, "ignore", NULL, true);
}

/* Start-up checked the conns it loads; an auto=ignore one is checked here,
 * before permutate splits it (the daemon checks each part again). */
static bool entry_supported(const struct config_conn_entry *e)
{
	struct config_diag diag;
	char where[600];
	bool ok;

	if (!e->conn || strcmp(entry_auto(e), "ignore") != 0)
		return true;        /* checked (and reported) when the file was loaded */
	diag_init(&diag);
	snprintf(where, sizeof(where), "%s:%u: conn %s", e->file, e->line, e->name);
	ok = conn_check_support(e->conn, where, &diag);
	print_diag(&diag, NULL);
	diag_free(&diag);
	return ok;
}

static int load_names(const struct addconn_opts *o, const struct config *cfg, char **names,
		      int n)
{
	const struct config_conn_entry **sel = NULL, *found[256];
	size_t n_sel = 0, missing = 0;
	int rc = 0, orc;

	for (int i = 0; i < n; i++) {
		size_t k = config_find_alias(cfg, names[i], found, 256);
		if (k == 0) {
			fprintf(stderr, "conn '%s': not found (tried aliases)\n", names[i]);
			missing++;
			continue;
		}
		for (size_t j = 0; j < k && j < 256; j++) {
			if (found[j]->broken) {
				fprintf(stderr, "conn %s did not load properly\n", found[j]->name);
				rc = 1;
				continue;
			}
			if (!entry_supported(found[j])) {
				rc = 1;     /* checked whole, before leftsubnets= splits it */
				continue;
			}
			sel = realloc(sel, (n_sel + 1) * sizeof(*sel));
			if (!sel)
				abort();
			sel[n_sel++] = found[j];
		}
	}
	if (n_sel > 0) {
		orc = addconn_online(o, cfg, sel, n_sel);
		if (orc)
			rc = orc;
	}
	free(sel);
	if (missing)
		rc = missing >= 12 ? 252 : (int)(21 * missing);
	return rc;
}

static int autoall(const struct addconn_opts *o, const struct config *cfg)
{
	const struct config_conn_entry **sel = calloc(cfg->n_conns + 1, sizeof(*sel));
	size_t n = 0;
	int rc;

	if (!sel)
		abort();
	for (size_t i = 0; i < cfg->n_conns; i++) {
		const char *a = entry_auto(&cfg->conns[i]);
		if (!cfg->conns[i].broken && strcmp(a, "ignore") != 0)
			sel[n++] = &cfg->conns[i];
	}
	rc = addconn_online(o, cfg, sel, n);
	free(sel);
	return rc;
}

int cmd_addconn(int argc, char **argv)
{
	struct addconn_opts o;
	struct config_diag diag;
	struct config *cfg;
	char prefix[512];
	int first, rc;

	first = parse_opts(argc, argv, &o);
	if (first < 0)
		return usage();
	if (o.keywords) {
		kw_print_classes(stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (first >= argc && !o.autoall && !o.lists && !o.checkconfig && !o.configsetup &&
	    !o.liststack)
		return usage();
	if (o.verbose)
		printf("opening file: %s\n", o.config);
	diag_init(&diag);
	cfg = config_load(o.config, &diag);
	if (!cfg) {
		snprintf(prefix, sizeof(prefix), "cannot load config '%s': ", o.config);
		print_diag(&diag, prefix);
		diag_free(&diag);
		return 3;
	}
	print_diag(&diag, NULL);
	rc = diag.n_errors ? 1 : 0;
	diag_free(&diag);
	if (o.checkconfig)
		goto out;
	/* with --configsetup Libreswan reads only the setup section: lists are empty */
	print_lists(o.configsetup ? NULL : cfg, o.lists);
	fflush(stdout);
	if (o.liststack) {
		printf("xfrm\n");
		goto out;
	}
	if (o.configsetup) {
		struct setup_export_opts eo = {
			.configfile = o.config, .ctlsocket = o.ctlsocket,
			.prefix = o.varprefix, .noexport = o.noexport,
		};
		setup_export_write(stdout, &cfg->setup, &eo);
		goto out;
	}
	if (o.autoall) {
		int r = autoall(&o, cfg);
		if (r)
			rc = r;
	}
	if (first < argc) {
		if (o.verbose) {
			printf("loading named conns:");
			for (int i = first; i < argc; i++)
				printf(" %s", argv[i]);
			printf("\n");
		}
		int r = load_names(&o, cfg, argv + first, argc - first);
		if (r)
			rc = r;
	}
out:
	fflush(stdout);
	config_free(cfg);
	return rc;
}
