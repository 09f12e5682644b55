/* leftupdown= scripts, as Libreswan runs them (ipsec_updown(8)).
 *
 *   updown_env.c   pure: one event (verb, conn, selector pair, SA) ->
 *                  the script's environment (PLUTO_VERB, PLUTO_CONNECTION,
 *                  PLUTO_ME, ... as Libreswan 4.10's fmt_common_shell_out)
 *   updown_run.c   the runner: /bin/sh -c SCRIPT through posix_spawn, its
 *                  stdout+stderr read on the event loop and logged line by
 *                  line (escaped), its end seen through a pidfd, a time
 *                  limit (SIGKILL to its process group), the exit status
 *                  logged; jobs of one conn run one after the other, in order
 *   updown_hook.c  when: route/unroute of a conn, up/down of the first/last
 *                  Child SA of a selector set (sa_install.c calls it)
 *
 * Which script: the local end's leftupdown=/rightupdown=.  "%disabled" or
 * "" runs nothing; the default "ipsec _updown" is Cygnet's built-in route
 * handling, done by the dataplane itself (routes in table 220 with the
 * conn's source address, gateway, metric and MTU; a source address that is
 * not local added to lo while used): nothing is executed.  Any other value
 * is a command line for /bin/sh; it runs in addition to the dataplane's own
 * routing (documented in ipsec_updown(8) and docs/COMPATIBILITY.md). */
#ifndef CYGNET_DAEMON_UPDOWN_H
#define CYGNET_DAEMON_UPDOWN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/dataplane.h"
#include "lib/addr.h"
#include "lib/id.h"

#define UPDOWN_DEFAULT "ipsec _updown"
#define UPDOWN_TIMEOUT_S 30        /* default limit of one run (pluto --updown-timeout) */

enum updown_verb { UPDOWN_PREPARE, UPDOWN_ROUTE, UPDOWN_UP, UPDOWN_DOWN, UPDOWN_UNROUTE };

/* One event, all the script is told (plain values: the builder looks
 * nothing up). */
struct updown_info {
	enum updown_verb verb;
	const char *conn;              /* PLUTO_CONNECTION */
	const char *policy;            /* PLUTO_CONN_POLICY */
	const char *stack;             /* PLUTO_STACK: "xfrm", "userspace" */
	const char *interface;         /* PLUTO_INTERFACE ("" = unknown: NULL) */
	bool instance;                 /* PLUTO_CONN_KIND CK_INSTANCE, else CK_PERMANENT */
	struct ip_addr me, peer;       /* PLUTO_ME, PLUTO_PEER */
	struct ip_addr nexthop;        /* PLUTO_NEXT_HOP (unset: the peer) */
	struct ip_addr sourceip;       /* PLUTO_MY_SOURCEIP (unset: not given) */
	struct cy_id my_id, peer_id;
	struct ip_subnet my_client, peer_client;
	uint8_t my_proto, peer_proto;
	uint16_t my_port, peer_port;
	uint32_t reqid;                /* PLUTO_SA_REQID, PLUTO_REQID */
	uint32_t metric, mtu;          /* 0 = not set (variable left out) */
	struct dp_mark mark_in, mark_out;   /* CONNMARK_IN/_OUT when value != 0 */
	bool has_sa;                   /* up/down: PLUTO_SA_TYPE=ESP, SPIs, add time */
	uint32_t spi_in, spi_out;
	uint64_t add_time;             /* PLUTO_ADDTIME, seconds since the epoch */
	bool has_bytes;                /* down: PLUTO_INBYTES / PLUTO_OUTBYTES */
	uint64_t inbytes, outbytes;
};

#define UPDOWN_ENV_MAX 64
#define UPDOWN_ENV_BYTES 8192
#define UPDOWN_VERB_STRLEN 24

/* The environment: v[0..n) "NAME=value" strings pointing into buf, v[n]
 * NULL.  Points into itself: build it in place, never copy it. */
struct updown_env {
	size_t n, used;
	char *v[UPDOWN_ENV_MAX + 1];
	char buf[UPDOWN_ENV_BYTES];
};

/* "up-client", "route-host-v6", ...: -host when our client is our own
 * address alone, -client otherwise; -v6 when our address is IPv6. */
const char *updown_verb_name(const struct updown_info *u, char buf[UPDOWN_VERB_STRLEN]);
/* Fills env (PLUTO_VERB first); false when it does not fit (never with
 * the limits above: IDs are escaped, ID_STRLEN bounded). */
bool updown_env_build(const struct updown_info *u, struct updown_env *env);

/* One line of the script's output made safe for the log (lib/esc.h);
 * out holds ESC_STRLEN(len) bytes.  Returns out. */
const char *updown_escape_line(const char *line, size_t len, char *out, size_t cap);

/* ---- the runner (updown_run.c) ---------------------------------------- */

struct event_base;
struct updown_runner;

/* timeout_s: the limit of one run (0 = UPDOWN_TIMEOUT_S).  NULL on OOM. */
struct updown_runner *updown_runner_new(struct event_base *base, unsigned timeout_s);
/* Queues a run of cmd with env (copied) for the conn key (a conn name:
 * the runs of one key happen one at a time, in order); label names the
 * run in the log ("\"conn\" #3: up-client").  false when the queue is
 * full (logged). */
bool updown_runner_queue(struct updown_runner *r, const char *key, const char *label, const char *cmd,
			 const struct updown_env *env);
/* Runs or queued (tests, shutdown). */
size_t updown_runner_busy(const struct updown_runner *r);
/* Shutdown: runs what is queued to its end (each run still limited),
 * driving the event loop, then frees the runner. */
void updown_runner_free(struct updown_runner *r);

/* ---- when (updown_hook.c) ------------------------------------------------ */

struct ikehost;
struct conn_view;
struct ike_child_params;
struct updown_conn;

/* The view's state for a conn whose updown is a script of its own; NULL
 * (nothing to do) for "", %disabled and the default. */
struct updown_conn *updown_conn_new(const char *cmd);
void updown_conn_free(struct updown_conn *u);
/* Traps installed (--route): prepare, route. */
void updown_routed(struct ikehost *h, struct conn_view *v, const struct dp_policy *pol, size_t n, uint32_t reqid);
/* Traps removed (--unroute, conn deleted): unroute unless a Child SA is left. */
void updown_unrouted(struct ikehost *h, struct conn_view *v);
/* After a Child SA entered the SA table / before it leaves it. */
void updown_child_up(struct ikehost *h, const struct ike_child_params *p);
void updown_child_down(struct ikehost *h, const struct ike_child_params *p);
/* Shutdown, before the SA table is freed: unroute what is routed. */
void updown_shutdown(struct ikehost *h);

#endif
