/* Client side of the control protocol: connect to the daemon's socket,
 * send requests, stream the reply lines.  Blocking I/O (clients are
 * short-lived command-line programs). */
#ifndef CYGNET_CTL_CLIENT_H
#define CYGNET_CTL_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "ctl/ctl_msg.h"

#define CTL_DEFAULT_RUNDIR "/run/pluto"
#define CTL_SOCKET_NAME    "pluto.ctl"
#define CTL_PID_NAME       "pluto.pid"

/* The default control socket: ${IPSEC_RUNDIR:-/run/pluto}/pluto.ctl. */
const char *ctl_default_socket(char *buf, size_t cap);

/* Connect; returns an fd or -errno (-ENOENT: no socket; -ECONNREFUSED:
 * stale socket; -ENAMETOOLONG: path too long). */
int ctl_connect(const char *path);

/* Write a whole buffer; 0 or -errno. */
int ctl_write_all(int fd, const void *p, size_t len);

/* Read one whole message into buf (CTL_MAX_MSG bytes); returns its length,
 * 0 on orderly EOF before any byte, -errno on error, -EPROTO on a bad
 * header or EOF inside a message. */
long ctl_read_msg(int fd, uint8_t *buf, size_t cap);

/* Called for every reply line of a request. */
typedef void (*ctl_line_fn)(void *arg, uint16_t code, const char *text);

/* Send one request and read its reply up to DONE, calling fn per line.
 * Returns 0 and sets *status on success, or -errno/-EPROTO. */
int ctl_request(int fd, const struct ctl_request *rq, ctl_line_fn fn, void *arg, uint16_t *status);

/* Read one reply (lines + DONE) for a request sent earlier (pipelining). */
int ctl_read_reply(int fd, ctl_line_fn fn, void *arg, uint16_t *status);

/* whack's exit-status rule: the last code in [20,100) wins. */
static inline void ctl_rc_update(int *rc, uint16_t code)
{
	if (code >= 20 && code < 100)
		*rc = code;
}

/* Standard printing of a reply line ("%03u text" or raw). */
void ctl_print_line(void *arg, uint16_t code, const char *text);

#endif
