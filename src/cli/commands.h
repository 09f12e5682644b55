/* The subcommands of the `ipsec` multi-call binary, one file each. */
#ifndef CYGNET_COMMANDS_H
#define CYGNET_COMMANDS_H

#define CYGNET_VERSION "0.1.0"

struct subcommand {
	const char *name;
	int (*main)(int argc, char **argv);   /* argv[0] is the subcommand name */
	const char *help;                     /* one line for `ipsec help` */
};

extern const struct subcommand subcommands[];

int cmd_version(int argc, char **argv);
int cmd_help(int argc, char **argv);
int cmd_addconn(int argc, char **argv);
int cmd_readwriteconf(int argc, char **argv);
int cmd_auto(int argc, char **argv);
int cmd_whack(int argc, char **argv);
int cmd_pluto(int argc, char **argv);
int cmd_start(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_restart(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_updown(int argc, char **argv);

#endif
