/* The control socket: a libevent listener plus one bufferevent per client.
 * Messages are framed by ctl_hdr_check(); a client may pipeline requests.
 * Nothing here blocks: partial reads wait for more bytes (bounded by
 * CTL_MAX_MSG per client), a stalled client is dropped by its read timeout,
 * malformed input gets an error reply and the connection is closed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "ctl/ctl_client.h"
#include "daemon/pluto.h"
#include "lib/log.h"


/* A client that pipelines requests without reading the replies is not read
 * further while this much output waits for it (back-pressure). */
#define CLIENT_MAX_PENDING_OUTPUT (4u << 20)

struct ctlsrv {
	struct pluto *p;
	struct evconnlistener *lev;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	unsigned nclients;
	struct client *clients;     /* all live clients (freed with the server) */
};

struct client {
	struct ctlsrv *srv;
	struct bufferevent *bev;
	bool closing;           /* close once the output is flushed */
	bool shutdown_after;    /* then shut the daemon down */
	bool throttled;         /* reading paused until our output drains */
	struct ctl_deferred *deferred;  /* a request whose reply is still coming */
	struct client *prev, *next;
};

/* A reply that outlives its request handler (e.g. a synchronous --up that
 * waits for IKE): lines and the final DONE arrive later.  The client is not
 * read meanwhile (requests stay in order) and is not timed out; if it goes
 * away, the remaining lines are dropped. */
struct ctl_deferred {
	struct client *c;       /* NULL once the client is gone */
	unsigned refs;          /* ctl_defer() calls not yet done (an alias: one per conn) */
	int status;             /* the last nonzero status given to done */
};

static struct ctl_kv kvbuf[CTL_MAX_KV];

static void client_free(struct client *c)
{
	if (c->deferred)
		c->deferred->c = NULL;
	if (c->prev)
		c->prev->next = c->next;
	else
		c->srv->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->srv->nclients--;
	bufferevent_free(c->bev);
	free(c);
}

static void emit_to_client(struct reply *rp, uint16_t code, const char *text)
{
	struct client *c = rp->arg;
	uint8_t buf[CTL_HDR_LEN + 64 + CTL_MAX_STR];
	size_t n = ctl_encode_line(buf, sizeof(buf), code, text, strlen(text));

	if (n)
		bufferevent_write(c->bev, buf, n);
}

static void send_done(struct client *c, uint16_t status)
{
	uint8_t buf[64];
	size_t n = ctl_encode_done(buf, sizeof(buf), status);

	bufferevent_write(c->bev, buf, n);
}

/* The log tap: during a request with CTL_F_VERBOSE, daemon log lines are
 * streamed to its client as 002 lines. */
static void tap_to_client(void *arg, enum log_level lvl, const char *line)
{
	struct reply *rp = arg;

	(void)lvl;
	emit_to_client(rp, 2, line);
}

static void fail_and_close(struct client *c, enum ctl_err e)
{
	struct reply rp = { .emit = emit_to_client, .arg = c };

	log_warn("control: dropping client: %s", ctl_err_name(e));
	rp_line(&rp, 33, "malformed control message: %s", ctl_err_name(e));
	send_done(c, 33);
	c->closing = true;
	bufferevent_disable(c->bev, EV_READ);
}

static void handle_msg(struct client *c, const uint8_t *msg, size_t len)
{
	struct ctl_request rq = { .kv = kvbuf };
	struct reply rp = { .emit = emit_to_client, .arg = c };
	enum ctl_err e = ctl_decode_request(msg, len, &rq);
	int status;

	if (e != CTL_E_OK) {
		fail_and_close(c, e);
		return;
	}
	rp.flags = rq.flags;
	log_debug("control: %s \"%.*s\" (%zu keywords)", ctl_op_name(rq.op), (int)rq.name.len,
		  rq.name.p ? rq.name.p : "", rq.nkv);
	if (rq.flags & CTL_F_VERBOSE)
		log_set_tap(tap_to_client, &rp);
	status = pluto_handle(c->srv->p, &rq, &rp);
	if (rq.flags & CTL_F_VERBOSE)
		log_set_tap(NULL, NULL);
	if (c->deferred || status == CTL_STATUS_DEFERRED)
		return;           /* ctl_deferred_done() answers (or answered) */
	send_done(c, (uint16_t)status);
	if (rq.op == CTL_OP_SHUTDOWN) {
		c->closing = true;
		c->shutdown_after = true;
		bufferevent_disable(c->bev, EV_READ);
	}
}

struct ctl_deferred *ctl_defer(struct reply *rp)
{
	struct client *c = rp->arg;
	struct ctl_deferred *d;

	if (c->deferred) {        /* one request, several operations (an alias) */
		c->deferred->refs++;
		return c->deferred;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->c = c;
	d->refs = 1;
	c->deferred = d;
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_set_timeouts(c->bev, NULL, NULL);
	return d;
}

void ctl_deferred_line(struct ctl_deferred *d, uint16_t code, const char *text)
{
	struct reply rp = { .emit = emit_to_client };

	if (!d || !d->c)
		return;
	rp.arg = d->c;
	emit_to_client(&rp, code, text);
}

bool ctl_deferred_reply(struct ctl_deferred *d, struct reply *rp, uint32_t flags)
{
	if (!d || !d->c)
		return false;
	*rp = (struct reply){ .emit = emit_to_client, .arg = d->c, .flags = flags };
	return true;
}

static void read_cb(struct bufferevent *bev, void *arg);

void ctl_deferred_done(struct ctl_deferred *d, int status)
{
	struct client *c;

	if (!d)
		return;
	if (status)
		d->status = status;
	if (--d->refs > 0)
		return;           /* other operations of the same request still run */
	c = d->c;
	status = d->status;
	free(d);
	if (!c)
		return;
	c->deferred = NULL;
	send_done(c, (uint16_t)status);
	/* after the loop ended (shutdown: a lookup abandoned) nothing reads
	 * again, and a deferred callback would keep the bufferevent alive */
	if (!c->closing && !event_base_got_exit(c->srv->p->base)) {
		struct timeval tv = { (time_t)c->srv->p->o.ctl_timeout_s, 0 };
		bufferevent_set_timeouts(c->bev, &tv, NULL);
		bufferevent_enable(c->bev, EV_READ);
		/* pipelined requests may be waiting: read them from the event
		 * loop, not from here - the caller may be deep in another
		 * request's handler (ike_terminate -> sa_done -> here) that a
		 * nested request (--delete, --unroute of the same conn) would
		 * pull the conn, route or SA out from under */
		bufferevent_trigger(c->bev, EV_READ, BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
	}
}

static void read_cb(struct bufferevent *bev, void *arg)
{
	struct client *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	while (!c->closing && !c->deferred) {
		uint8_t hdr[CTL_HDR_LEN];
		uint16_t type;
		uint32_t blen;
		size_t have = evbuffer_get_length(in);
		enum ctl_err e;
		uint8_t *msg;

		if (evbuffer_get_length(bufferevent_get_output(bev)) > CLIENT_MAX_PENDING_OUTPUT) {
			c->throttled = true;
			log_debug("control: a client has %zu bytes of replies unread; pausing its requests",
				  evbuffer_get_length(bufferevent_get_output(bev)));
			bufferevent_disable(bev, EV_READ);
			break;
		}

		if (have < CTL_HDR_LEN)
			break;
		evbuffer_copyout(in, hdr, CTL_HDR_LEN);
		e = ctl_hdr_check(hdr, CTL_HDR_LEN, &type, &blen);
		if (e == CTL_E_OK && type != CTL_T_REQUEST)
			e = CTL_E_TYPE;
		if (e != CTL_E_OK) {
			fail_and_close(c, e);
			break;
		}
		if (have < CTL_HDR_LEN + (size_t)blen)
			break;   /* wait for the rest (bounded: blen <= CTL_MAX_BODY) */
		msg = evbuffer_pullup(in, (ssize_t)(CTL_HDR_LEN + blen));
		if (!msg) {
			fail_and_close(c, CTL_E_TOOBIG);
			break;
		}
		handle_msg(c, msg, CTL_HDR_LEN + blen);
		evbuffer_drain(in, CTL_HDR_LEN + blen);
	}
	if (c->closing && evbuffer_get_length(bufferevent_get_output(bev)) == 0) {
		bool sd = c->shutdown_after;
		struct pluto *p = c->srv->p;

		client_free(c);
		if (sd)
			pluto_shutdown(p);
	}
}

static void write_cb(struct bufferevent *bev, void *arg)
{
	struct client *c = arg;

	if (c->throttled && !c->closing) {
		c->throttled = false;
		bufferevent_enable(bev, EV_READ);
		read_cb(bev, c);   /* requests may already be waiting in the input */
		return;
	}
	if (c->closing) {
		bool sd = c->shutdown_after;
		struct pluto *p = c->srv->p;

		client_free(c);
		if (sd)
			pluto_shutdown(p);
	}
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct client *c = arg;

	if ((what & BEV_EVENT_TIMEOUT) && !(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) &&
	    evbuffer_get_length(bufferevent_get_output(bev)) > 0 &&
	    evbuffer_get_length(bufferevent_get_input(bev)) == 0) {
		/* nothing half-sent by the client, and it is still taking our
		 * replies: a slow reader, not a stalled writer */
		bufferevent_enable(bev, EV_READ);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT)
		log_warn("control: client stalled for %us; dropping it", c->srv->p->o.ctl_timeout_s);
	if ((what & BEV_EVENT_EOF) && !c->closing &&
	    evbuffer_get_length(bufferevent_get_input(c->bev)) > 0) {
		/* the peer closed its side inside a message: tell it why */
		fail_and_close(c, CTL_E_SHORT);
		return;
	}
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) {
		bool sd = c->shutdown_after;
		struct pluto *p = c->srv->p;

		client_free(c);
		if (sd)
			pluto_shutdown(p);
	}
}

static bool peer_allowed(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return false;
	return cred.uid == 0 || cred.uid == geteuid();
}

static void accept_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
		      int salen, void *arg)
{
	struct ctlsrv *s = arg;
	struct client *c;
	struct timeval tv = { (time_t)s->p->o.ctl_timeout_s, 0 };

	(void)lev; (void)sa; (void)salen;
	if (!peer_allowed(fd)) {
		log_warn("control: refusing a client that is not root");
		close(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->srv = s;
	c->bev = bufferevent_socket_new(s->p->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!c->bev) {
		close(fd);
		free(c);
		return;
	}
	s->nclients++;
	c->next = s->clients;
	if (c->next)
		c->next->prev = c;
	s->clients = c;
	bufferevent_setcb(c->bev, read_cb, write_cb, event_cb, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, CTL_MAX_MSG);
	bufferevent_set_timeouts(c->bev, &tv, NULL);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

struct ctlsrv *ctlsrv_new(struct pluto *p, const char *path, int *err)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ctlsrv *s;
	int fd, probe;
	mode_t old;

	*err = 0;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		*err = ENAMETOOLONG;
		return NULL;
	}
	probe = ctl_connect(path);
	if (probe >= 0) {
		close(probe);
		*err = EADDRINUSE;   /* a live daemon owns it */
		return NULL;
	}
	unlink(path);            /* stale socket */
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		*err = errno;
		return NULL;
	}
	old = umask(0077);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		*err = errno;
		umask(old);
		close(fd);
		return NULL;
	}
	umask(old);
	chmod(path, 0600);
	s = calloc(1, sizeof(*s));
	if (!s) {
		*err = ENOMEM;
		close(fd);
		unlink(path);
		return NULL;
	}
	s->p = p;
	strcpy(s->path, path);
	s->lev = evconnlistener_new(p->base, accept_cb, s, LEV_OPT_CLOSE_ON_FREE, 128, fd);
	if (!s->lev) {
		*err = errno ? errno : EINVAL;
		close(fd);
		unlink(path);
		free(s);
		return NULL;
	}
	return s;
}

void ctlsrv_free(struct ctlsrv *s)
{
	if (!s)
		return;
	while (s->clients)
		client_free(s->clients);
	evconnlistener_free(s->lev);
	unlink(s->path);
	free(s);
}
