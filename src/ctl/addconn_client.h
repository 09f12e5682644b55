/* The ONLINE path of `ipsec addconn` (called from src/cli/addconn.c, which
 * owns the options and the config loading): hand the daemon the resolved
 * keyword lists of the given conns, all over ONE control connection
 * (pipelined requests, one reply each), printing the daemon's reply lines.
 *
 * With autoall: loaded conns of the same name are replaced (as Libreswan
 * does at start-up), then auto=ondemand conns are routed and auto=start
 * conns initiated (asynchronously).  Without it, a name that is already
 * loaded fails with 020 (the seed's `ipsec auto --add` semantics).
 *
 * Returns 0, the last daemon code in [20,100), or 255 when the daemon
 * cannot be reached ("connect(pluto_ctl) failed: ..." on stderr). */
#ifndef CYGNET_ADDCONN_CLIENT_H
#define CYGNET_ADDCONN_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

struct config_conn_entry;

int addconn_send(const char *ctlsocket, const struct config_conn_entry *const *conns, size_t n,
		 bool autoall, bool verbose);

#endif
