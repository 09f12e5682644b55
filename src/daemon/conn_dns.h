/* left=/right= given as host names (conn end HOST_DNS).
 *
 * A name is resolved when its conn is added (`ipsec auto --add`, the
 * start-up load), again before each `--up` and `--route` of the conn, and
 * for every named conn on `--rereadall` and `whack --listen`.  Lookups run
 * on dnsres.c's worker threads, never on the event loop; the request that
 * waits (a synchronous --up, --route, --add, --rereadall) is deferred until
 * the answer is in, then continues.
 *
 * Until a name has an answer its conn has no view (connview.c): it is never
 * chosen as responder (a peer is never accepted from any address because
 * the name did not resolve) and cannot be initiated or routed, and says why
 * ("failed to resolve 'right=NAME': ...").  As in Libreswan 4.10, a conn
 * whose name does not resolve at --add is still added (status shows
 * %dns<NAME>) and the name is tried again at --up.  A later failure keeps
 * the last good answer.  A new answer rebuilds the conn's view when no SA
 * uses it (its trap policies move to the new address); a conn with SAs
 * keeps its address until they are gone and the next --up. */
#ifndef CYGNET_DAEMON_CONN_DNS_H
#define CYGNET_DAEMON_CONN_DNS_H

#include <stdbool.h>

struct conn;
struct dconn;
struct pluto;
struct reply;

/* What follows the answers. */
enum conn_dns_then {
	CONN_DNS_ADDED,     /* report a failure (the conn stays added) */
	CONN_DNS_UP,        /* sa_initiate() */
	CONN_DNS_ROUTE,     /* sa_route_conn() */
};

bool conn_dns_has_names(const struct conn *c);
/* Resolve dc's names (if it has any), then do `then` with rp's client (or
 * the log when nobody waits: rp without a client, or async).  Returns
 * the request's status, or CTL_STATUS_DEFERRED when it will answer later.
 * A conn without names does `then` at once. */
int conn_dns_then(struct pluto *p, struct dconn *dc, enum conn_dns_then then, const char *remote,
		  bool async, struct reply *rp);
/* Every named conn again (--rereadall, --listen); the request answers
 * `status` once all answers are in (returns CTL_STATUS_DEFERRED), or at
 * once (returns status) when no conn has a name. */
int conn_dns_refresh_all(struct pluto *p, int status, struct reply *rp);
/* Status: the end's host as Libreswan prints it: ADDR<NAME> once resolved,
 * %dns<NAME> before.  Fills e's host from dc's answers (side 0 left). */
struct conn_end;
void conn_dns_status_end(const struct dconn *dc, int side, struct conn_end *e);
/* Stop the resolver (daemon shutdown): waiting requests end. */
void conn_dns_shutdown(struct pluto *p);

#endif
