/* `ipsec whack --name CONN --rekey-ike | --rekey-ipsec [--asynchronous]`:
 * the daemon side (rekey.c).  ops.c resolves the name (conn or connalias)
 * and hands the conns here. */
#ifndef CYGNET_DAEMON_REKEY_H
#define CYGNET_DAEMON_REKEY_H

#include <stdbool.h>
#include <stddef.h>

struct pluto;
struct dconn;
struct reply;

/* Rekey the newest established IKE SA (ike) or Child SA of each of the n
 * conns.  alias: the connalias the conns were found by, NULL for a conn
 * name.  async: return once the rekeys are started; otherwise the reply is
 * deferred until the engine reported every rekey's outcome
 * (CTL_STATUS_DEFERRED).  Returns 0, a failure code (36: no such SA), or
 * CTL_STATUS_DEFERRED. */
int pluto_rekey(struct pluto *p, struct dconn *const *conns, size_t n, const char *alias, bool ike,
		bool async, struct reply *rp);

#endif
