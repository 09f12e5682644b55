/* `ipsec auto`: Libreswan 4.10's auto script in C.  Each operation is
 * translated into the same `ipsec whack ...` / `ipsec addconn ...` command
 * lines as the script (reference §1); --showonly prints them, otherwise
 * they run in-process through the same code (cmd_whack, the online addconn). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "ctl/ctl_client.h"

static const char usage[] =
	"Usage:\n"
	"\tipsec auto [--showonly] [--asynchronous] --up connectionname \\\n"
	"\t\t[--remote-host ipaddr]\n"
	"\tipsec auto [--showonly] [--asynchronous] --down connectionname\n"
	"\tipsec auto [--showonly] --{add|delete|replace|start} connectionname\n"
	"\tipsec auto [--showonly] --{route|unroute|ondemand} connectionname\n"
	"\tipsec auto [--showonly] --{ready|status}\n"
	"\tipsec auto [--showonly] --{fetchcrls|rereadcerts|rereadall|rereadsecrets}\n"
	"\tipsec auto [--showonly] [--utc] --{listpubkeys|listcerts|listcacerts}\n"
	"\tipsec auto [--showonly] [--utc] --{listcrls|listall}\n"
	"\tipsec auto [--showonly] [--utc] --checkpubkeys\n"
	"\tipsec auto [--showonly] [--utc] --purgeocsp\n"
	"\n"
	"\tother options: [--config ipsecconfigfile] [--verbose] \\\n"
	"\t\t[--ctlsocket <file>]\n";

/* How an operation maps to commands. */
enum plan { P_ADD, P_DELETE, P_REPLACE, P_START, P_UP, P_WHACK_NAME, P_ONDEMAND, P_WHACK,
	    P_WHACK_UTC, P_PURGE, P_FETCHCRLS, P_REREADCRLS };

static const struct auto_op {
	const char *name;
	enum plan plan;
	const char *whack;     /* whack option for P_WHACK* plans */
	bool needs_name;
	bool obsolete_named;   /* accepted as `ipsec auto NAME op` */
	bool obsolete_bare;    /* accepted as `ipsec auto op` */
} ops[] = {
	{ "add", P_ADD, NULL, true, true, false },
	{ "delete", P_DELETE, "--delete", true, true, false },
	{ "replace", P_REPLACE, NULL, true, true, false },
	{ "start", P_START, NULL, true, true, false },
	{ "up", P_UP, NULL, true, true, false },
	{ "down", P_WHACK_NAME, "--terminate", true, true, false },
	{ "route", P_WHACK_NAME, "--route", true, true, false },
	{ "unroute", P_WHACK_NAME, "--unroute", true, true, false },
	{ "ondemand", P_ONDEMAND, NULL, true, false, false },
	{ "rotatecert", P_ADD, NULL, true, true, false },
	{ "status", P_WHACK, "--status", false, false, true },
	{ "ready", P_WHACK, "--listen", false, false, true },
	{ "rereadsecrets", P_WHACK, "--rereadsecrets", false, false, true },
	{ "rereadall", P_WHACK, "--rereadall", false, false, true },
	{ "rereadcerts", P_WHACK, "--rereadcerts", false, false, true },
	{ "rereadcacerts", P_WHACK, "--rereadcerts", false, false, true },
	{ "rereadgroups", P_WHACK, "--rereadgroups", false, false, false },
	{ "listgroups", P_WHACK, "--listgroups", false, false, false },
	{ "listall", P_WHACK_UTC, "--listall", false, false, true },
	{ "listcerts", P_WHACK_UTC, "--listcerts", false, false, true },
	{ "listpubkeys", P_WHACK_UTC, "--listpubkeys", false, false, true },
	{ "checkpubkeys", P_WHACK_UTC, "--checkpubkeys", false, false, false },
	{ "listcacerts", P_WHACK_UTC, "--listcacerts", false, false, true },
	{ "listcrls", P_WHACK_UTC, "--listcrls", false, false, true },
	{ "purgeocsp", P_PURGE, NULL, false, false, false },
	{ "fetchcrls", P_FETCHCRLS, NULL, false, false, false },
	{ "rereadcrls", P_REREADCRLS, NULL, false, false, true },
};

static const struct auto_op *find_op(const char *s)
{
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(ops[i].name, s) == 0)
			return &ops[i];
	return NULL;
}

#define MAX_CMDS 2
#define MAX_ARGS 16

struct cmd {
	bool is_whack;           /* else addconn */
	int argc;
	char *argv[MAX_ARGS];
};

struct auto_args {
	bool showonly, async, verbose, utc;
	const char *config, *ctlsocket, *remote;
	const struct auto_op *op;
	const char *name;
};

static void push(struct cmd *c, const char *a)
{
	if (c->argc < MAX_ARGS - 1)
		c->argv[c->argc++] = (char *)a;
	c->argv[c->argc] = NULL;
}

static void addconn_cmd(struct cmd *c, const struct auto_args *a, bool with_name)
{
	c->is_whack = false;
	push(c, "addconn");
	push(c, "--ctlsocket");
	push(c, a->ctlsocket);
	if (a->verbose)
		push(c, "--verbose");
	if (a->config) {
		push(c, "--config");
		push(c, a->config);
	}
	if (with_name)
		push(c, a->name);
}

static void whack_cmd(struct cmd *c, const struct auto_args *a)
{
	c->is_whack = true;
	push(c, "whack");
	push(c, "--ctlsocket");
	push(c, a->ctlsocket);
}

static void initiate_cmd(struct cmd *c, const struct auto_args *a)
{
	whack_cmd(c, a);
	if (a->async)
		push(c, "--asynchronous");
	push(c, "--name");
	push(c, a->name);
	push(c, "--initiate");
	if (a->remote) {
		push(c, "--remote-host");
		push(c, a->remote);
	}
}

static void named_whack(struct cmd *c, const struct auto_args *a, const char *opt)
{
	whack_cmd(c, a);
	push(c, "--name");
	push(c, a->name);
	push(c, opt);
}

static int plan_cmds(const struct auto_args *a, struct cmd cmds[MAX_CMDS])
{
	memset(cmds, 0, sizeof(struct cmd) * MAX_CMDS);
	switch (a->op->plan) {
	case P_ADD: addconn_cmd(&cmds[0], a, true); return 1;
	case P_DELETE: named_whack(&cmds[0], a, "--delete"); return 1;
	case P_REPLACE:
		named_whack(&cmds[0], a, "--delete");
		addconn_cmd(&cmds[1], a, true);
		return 2;
	case P_START:
		addconn_cmd(&cmds[0], a, true);
		initiate_cmd(&cmds[1], a);
		return 2;
	case P_UP: initiate_cmd(&cmds[0], a); return 1;
	case P_WHACK_NAME: named_whack(&cmds[0], a, a->op->whack); return 1;
	case P_ONDEMAND:
		addconn_cmd(&cmds[0], a, true);
		named_whack(&cmds[1], a, "--route");
		return 2;
	case P_WHACK:
		whack_cmd(&cmds[0], a);
		push(&cmds[0], a->op->whack);
		return 1;
	case P_WHACK_UTC:
	case P_PURGE:
		whack_cmd(&cmds[0], a);
		if (a->utc)
			push(&cmds[0], "--utc");
		push(&cmds[0], a->op->plan == P_PURGE ? "--listall" : a->op->whack);
		if (a->op->plan == P_PURGE)
			push(&cmds[0], "--purgeocsp");
		return 1;
	case P_FETCHCRLS: addconn_cmd(&cmds[0], a, false); return 1;
	case P_REREADCRLS: return 0;
	}
	return 0;
}

static int usage_error(void)
{
	fputs(usage, stderr);
	return 2;
}

static const char *const value_opts[] = { "--config", "--ctlsocket", "--remote-host" };

int cmd_auto(int argc, char **argv)
{
	struct auto_args a = { 0 };
	struct cmd cmds[MAX_CMDS];
	char defsock[4200];
	int i, npos, n, rc = 0;

	for (i = 1; i < argc; i++) {
		const char *s = argv[i];
		const struct auto_op *op;
		bool is_value = false;

		if (strcmp(s, "--") == 0) {
			i++;
			break;
		}
		if (s[0] != '-')
			break;
		for (size_t k = 0; k < 3; k++)
			if (strcmp(s, value_opts[k]) == 0) {
				if (i + 1 >= argc) {
					fprintf(stderr, "ipsec auto: option \"%s\" needs a value\n", s);
					return 2;
				}
				if (k == 0) a.config = argv[++i];
				else if (k == 1) a.ctlsocket = argv[++i];
				else a.remote = argv[++i];
				is_value = true;
			}
		if (is_value)
			continue;
		if (strcmp(s, "--showonly") == 0) a.showonly = true;
		else if (strcmp(s, "--asynchronous") == 0) a.async = true;
		else if (strcmp(s, "--verbose") == 0) a.verbose = true;
		else if (strcmp(s, "--utc") == 0) a.utc = true;
		else if (strcmp(s, "--show") == 0) ;
		else if (strcmp(s, "--help") == 0) { fputs(usage, stdout); return 0; }
		else if (strcmp(s, "--version") == 0) { printf("ipsec auto %s\n", CYGNET_VERSION); return 0; }
		else if (strncmp(s, "--", 2) == 0 && (op = find_op(s + 2))) {
			if (a.op)
				return usage_error();
			a.op = op;
		} else {
			fprintf(stderr, "ipsec auto: unknown option \"%s\"\n", s);
			return 2;
		}
	}
	npos = argc - i;
	if (!a.op) {
		/* the obsolete forms: `NAME OPERATION` and bare `OPERATION` */
		const struct auto_op *op;

		if (npos == 2 && (op = find_op(argv[i + 1])) && op->obsolete_named) {
			a.op = op;
			a.name = argv[i];
		} else if (npos == 1 && (op = find_op(argv[i])) && op->obsolete_bare) {
			a.op = op;
		} else {
			return usage_error();
		}
		fprintf(stderr, "ipsec auto: warning: obsolete command syntax used\n");
	} else if (a.op->needs_name) {
		if (npos != 1)
			return usage_error();
		a.name = argv[i];
	} else if (npos != 0) {
		return usage_error();
	}
	if (a.op->plan == P_REREADCRLS) {
		printf("ipsec auto --rereadcrls has been obsoleted - please see: ipsec crls\n");
		return 1;
	}
	if (!a.ctlsocket)
		a.ctlsocket = ctl_default_socket(defsock, sizeof(defsock));
	n = plan_cmds(&a, cmds);
	for (int k = 0; k < n; k++) {
		if (a.showonly) {
			printf("ipsec");
			for (int j = 0; j < cmds[k].argc; j++)
				printf(" %s", cmds[k].argv[j]);
			printf("\n");
			continue;
		}
		fflush(stdout);
		rc = cmds[k].is_whack ? cmd_whack(cmds[k].argc, cmds[k].argv)
				      : cmd_addconn(cmds[k].argc, cmds[k].argv);
		fflush(stdout);
	}
	return a.showonly ? 0 : rc;
}
