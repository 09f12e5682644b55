/* The engine host: owns the IKE engine and the dataplane, the UDP 500
 * sockets, the engine's timer, the SA table's timer and the dataplane
 * event pump, and supplies the engine's ops table.
 *
 *   UDP 500 sockets ──recv──┐                     ┌──> sa_install.c: Child SAs,
 *   dataplane events ───────┼──> ike_recv/tick ──>│    traps (SA table)
 *    (IKE on 4500, expire,  │   struct ike_engine ├──> send: UDP 500 socket or
 *     acquire)              │                     │    the dataplane's 4500
 *   engine timer ───────────┘                     └──> connview.c: conn choice
 *
 * The engine reports its next deadline itself (deadline_changed) after
 * every call into it; the host never asks. */
#include "daemon/ikehost.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "config/secrets.h"
#include "daemon/conndb.h"
#include "daemon/connview.h"
#include "daemon/cryptopool.h"
#include "daemon/satable.h"
#include "daemon/updown.h"
#include "dataplane/dataplane.h"
#include "lib/log.h"
#include "lib/pktinfo.h"

#define IKE_PORT 500
#define NATT_PORT 4500

uint64_t ikehost_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void arm(struct event *ev, uint64_t when)
{
	uint64_t now = ikehost_now();
	struct timeval tv;

	if (!ev)
		return;
	if (when == UINT64_MAX) {
		evtimer_del(ev);
		return;
	}
	when = when > now ? when - now : 0;
	tv.tv_sec = (time_t)(when / 1000);
	tv.tv_usec = (suseconds_t)(when % 1000) * 1000;
	evtimer_add(ev, &tv);
}

void ikehost_sat_changed(struct ikehost *h)
{
	uint64_t shunts = sa_shunts_deadline(h->p), sat = h->sat ? satable_next_deadline(h->sat) : UINT64_MAX;

	if (h->sat)
		arm(h->sat_timer, shunts < sat ? shunts : sat);
}

/* ---- engine ops ----------------------------------------------------------- */

static uint64_t op_now(void *ctx)
{
	(void)ctx;
	return ikehost_now();
}

static void op_send(void *ctx, const uint8_t *pkt, size_t len, const struct ike_endpoint *l,
		    const struct ike_endpoint *r)
{
	struct ikehost *h = ctx;
	int rc;

	if (l->port == NATT_PORT || r->port == NATT_PORT)
		rc = h->dp ? h->dp->ops->send_ike(h->dp, pkt, len, &l->addr, l->port, &r->addr, r->port) : -ENOTCONN;
	else
		rc = pktinfo_sendto(h->fd500[r->addr.af == AF_INET6], pkt, len, &l->addr, &r->addr, r->port);
	if (rc < 0)
		log_debug("IKE send to port %u failed: %s", r->port, strerror(-rc));
}

static struct secret *op_get_psk(void *ctx, const struct cy_id *l, const struct cy_id *r)
{
	struct ikehost *h = ctx;
	const struct secret_entry *e = h->p->secrets ? secrets_find(h->p->secrets, SECRET_PSK, l, r) : NULL;

	return e && e->value ? secret_dup(e->value->data, e->value->len) : NULL;
}

static struct ike_conn *op_find_conn(void *ctx, const struct ike_endpoint *l, const struct ike_endpoint *r,
				     const struct cy_id *peer, const struct alg_suite *ike)
{
	struct ikehost *h = ctx;

	return connview_for_peer(h->p, l, r, peer, ike);
}

static struct ike_conn *op_find_conn_for_child(void *ctx, struct ike_conn *current, const struct ike_endpoint *l,
					       const struct ike_endpoint *r, const struct cy_id *peer,
					       const struct ike_ts_payload *tsi, const struct ike_ts_payload *tsr)
{
	struct ikehost *h = ctx;

	return connview_for_child(h->p, current, l, r, peer, tsi, tsr);
}

static void op_child_installed(void *ctx, const struct ike_child_params *cp) { sa_child_installed(ctx, cp); }
static void op_child_outbound(void *ctx, const struct ike_child_params *cp) { sa_child_outbound(ctx, cp); }
static void op_child_deleted(void *ctx, const struct ike_child_params *cp) { sa_child_deleted(ctx, cp); }
static void op_child_moved(void *ctx, const struct ike_child_params *cp) { sa_child_moved(ctx, cp); }

static void op_ike_established(void *ctx, const struct ike_sa_info *sa)
{
	struct ikehost *h = ctx;

	sa_status_newest(h->p, sa->conn, true, sa->serial, true);
}

static void op_ike_deleted(void *ctx, const struct ike_sa_info *sa)
{
	struct ikehost *h = ctx;

	sa_status_newest(h->p, sa->conn, true, sa->serial, false);
}

static void op_keepalive(void *ctx, const struct ike_endpoint *l, const struct ike_endpoint *r)
{
	struct ikehost *h = ctx;

	if (h->dp)
		h->dp->ops->send_keepalive(h->dp, &l->addr, l->port, &r->addr, r->port);
}

static void op_peer_dead(void *ctx, struct ike_conn *conn, enum ike_dpd_action act)
{
	(void)act;
	sa_hold_dead_peer(ctx, conn);
}

static void op_deadline(void *ctx, uint64_t when)
{
	struct ikehost *h = ctx;

	arm(h->timer, when);
}

static bool op_submit_job(void *ctx, struct ike_job *job)
{
	struct ikehost *h = ctx;

	return cryptopool_submit(h->pool, job);
}

static const struct ike_ops host_ops = {
	.now = op_now,
	.send = op_send,
	.get_psk = op_get_psk,
	.find_conn_for_responder = op_find_conn,
	.find_conn_for_child = op_find_conn_for_child,
	.child_sa_installed = op_child_installed,
	.child_sa_outbound = op_child_outbound,
	.child_sa_deleted = op_child_deleted,
	.child_sa_endpoints_changed = op_child_moved,
	.ike_sa_established = op_ike_established,
	.ike_sa_deleted = op_ike_deleted,
	.deadline_changed = op_deadline,
	.send_keepalive = op_keepalive,
	.peer_dead = op_peer_dead,
};
/* host_ops with the crypto jobs on the helper threads (set up once) */
static struct ike_ops host_ops_pool;

/* ---- sockets, timers, dataplane events ------------------------------------ */

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ikehost *h = arg;

	(void)fd;
	(void)what;
	ike_tick(h->eng);
}

static void sat_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ikehost *h = arg;

	(void)fd;
	(void)what;
	satable_tick(h->sat, ikehost_now());
	sa_shunts_tick(h, ikehost_now());
	ikehost_sat_changed(h);
}

static void read500(evutil_socket_t fd, short what, void *arg)
{
	struct ikehost *h = arg;
	uint8_t pkt[65536];
	char cbuf[256];
	struct sockaddr_storage from;

	(void)what;
	for (int batch = 0; batch < 32; batch++) {
		struct iovec iov = { .iov_base = pkt, .iov_len = sizeof(pkt) };
		struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
				    .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
		struct ike_endpoint l = { .port = IKE_PORT }, r;
		ssize_t n = recvmsg(fd, &m, MSG_DONTWAIT);

		if (n < 0)
			return;
		if (!addr_from_sockaddr((struct sockaddr *)&from, &r.addr, &r.port))
			continue;
		pktinfo_get(&m, &l.addr);
		ike_recv(h->eng, pkt, (size_t)n, &l, &r);
	}
}

static void dp_event(void *arg, const struct dp_event *ev)
{
	struct ikehost *h = arg;

	switch (ev->type) {
	case DP_EV_IKE_PACKET: {
		struct ike_endpoint l = { .addr = ev->u.ike.dst, .port = ev->u.ike.dport };
		struct ike_endpoint r = { .addr = ev->u.ike.src, .port = ev->u.ike.sport };
		ike_recv(h->eng, ev->u.ike.data, ev->u.ike.len, &l, &r);
		break;
	}
	case DP_EV_EXPIRE:
		sa_expired(h, ev->u.expire.spi, ev->u.expire.hard);
		break;
	case DP_EV_ACQUIRE:
		sa_acquire(h, ev->u.acquire.reqid, &ev->u.acquire.sel);
		break;
	case DP_EV_DROP:
		sa_dropped(h, ev);
		break;
	}
}

/* The SA table's conns are views' ike_conn handles (sa_install.c). */
static uint32_t conn_fixed_reqid(const void *conn)
{
	return connview_of(conn)->reqid;
}

static void read_dp(evutil_socket_t fd, short what, void *arg)
{
	struct ikehost *h = arg;

	(void)fd;
	(void)what;
	dp_poll_events(h->dp, dp_event, h);
}

static void start_dataplane(struct ikehost *h)
{
	struct dp_params dpp = { 0 };
	int err = 0;

	dpp.protostack = h->p->protostack;
	dpp.listen = h->p->listen;
	dpp.ike_bufsize = h->p->ike_bufsize;
	h->dp = dp_new(&dpp, &err);
	if (!h->dp) {
		log_error("dataplane: cannot start: %s; Child SAs cannot be installed", strerror(-err));
		return;
	}
	fixed_reqid_purge_stale(h->p, h->dp);
	h->sat = satable_new(h->dp, DP_REQID_BASE, DP_REQID_COUNT);
	if (h->sat)
		satable_set_fixed_reqid(h->sat, conn_fixed_reqid);
	h->evdp = event_new(h->p->base, dp_event_fd(h->dp), EV_READ | EV_PERSIST, read_dp, h);
	if (h->evdp)
		event_add(h->evdp, NULL);
}

/* config setup's ddos-mode=, ddos-ike-threshold= and max-halfopen-ike=.  A
 * threshold of 0 asks for COOKIEs always (Libreswan compares half-open >= it). */
static void engine_config(const struct pluto *p, struct ike_engine_config *cfg)
{
	*cfg = (struct ike_engine_config){ 0 };
	cfg->ddos_busy = p->ddos_mode == DDOS_BUSY || (p->ddos_mode == DDOS_AUTO && !p->ddos_threshold);
	cfg->ddos_unlimited = p->ddos_mode == DDOS_UNLIMITED;
	cfg->ddos_threshold = p->ddos_threshold;
	cfg->max_halfopen = p->max_halfopen;
	cfg->halfopen_none = p->max_halfopen == 0;
}

/* Test hook: with CYGNET_TEST_CRYPTO_HOLD=FILE in the environment the
 * helpers start no job while FILE exists (checked every 20 ms), so a test
 * can see the loop answer while IKE_SA_INIT jobs wait. */
static void hold_check(evutil_socket_t fd, short what, void *arg)
{
	struct ikehost *h = arg;
	bool held = access(h->hold_file, F_OK) == 0;

	(void)fd;
	(void)what;
	cryptopool_hold(h->pool, held);
	if (held)
		arm(h->hold_timer, ikehost_now() + 20);
	else
		log_info("crypto helpers: test hold released");
}

/* config setup nhelpers=: the helper threads (none: crypto in the loop). */
static void start_helpers(struct ikehost *h)
{
	unsigned n = cryptopool_threads_for(h->p->nhelpers);
	const char *hold = getenv("CYGNET_TEST_CRYPTO_HOLD");

	if (h->p->nhelpers > (int)CRYPTOPOOL_MAX_HELPERS)
		log_warn("nhelpers=%d: at most %u crypto helper threads are started", h->p->nhelpers,
			 (unsigned)CRYPTOPOOL_MAX_HELPERS);
	host_ops_pool = host_ops;
	host_ops_pool.submit_job = op_submit_job;
	if (n && !(h->pool = cryptopool_new(h->p->base, n, &h->eng)))
		log_warn("crypto helpers: cannot start %u threads; IKE crypto runs in the event loop", n);
	if (!h->pool) {
		log_info("no crypto helper threads (nhelpers=%d): IKE crypto runs in the event loop", h->p->nhelpers);
		return;
	}
	log_info("starting up %u helper threads", cryptopool_threads(h->pool));
	if (hold && *hold && (h->hold_timer = evtimer_new(h->p->base, hold_check, h))) {
		h->hold_file = hold;
		hold_check(-1, 0, h);
	}
}

static void stop_helpers(struct ikehost *h)
{
	if (h->hold_timer)
		event_free(h->hold_timer);
	h->hold_timer = NULL;
	cryptopool_free(h->pool);
	h->pool = NULL;
}

struct ikehost *ikehost_get(struct pluto *p)
{
	struct ikehost *h = p->host;
	struct ike_engine_config cfg;

	if (h)
		return h;
	if (!(h = calloc(1, sizeof(*h))))
		return NULL;
	h->p = p;
	h->fd500[0] = h->fd500[1] = -1;
	start_dataplane(h);
	h->timer = evtimer_new(p->base, timer_cb, h);
	h->sat_timer = evtimer_new(p->base, sat_timer_cb, h);
	h->ud = updown_runner_new(p->base, p->o.updown_timeout_s);
	engine_config(p, &cfg);
	start_helpers(h);
	h->eng = ike_engine_new(h->pool ? &host_ops_pool : &host_ops, h, &cfg);
	if (!h->eng || !h->timer || !h->sat_timer) {
		log_error("IKE: cannot start the engine: out of memory");
		p->host = h;
		ikehost_shutdown(p);
		return NULL;
	}
	p->host = h;
	return h;
}

int ikehost_listen(struct pluto *p, bool on, struct reply *rp)
{
	struct ikehost *h = ikehost_get(p);

	if (!h)
		return 36;
	for (int i = 0; i < 2; i++) {
		int af = i ? AF_INET6 : AF_INET;

		if (on && h->fd500[i] < 0 && (!p->listen.af || p->listen.af == af)) {
			/* listen=: that address only; ike-socket-bufsize= */
			int fd = pktinfo_udp_open_at(af, &p->listen, IKE_PORT, p->ike_bufsize);
			char a[ADDR_STRLEN];

			if (fd < 0) {
				if (!i || p->listen.af)
					log_error("cannot open UDP 500%s%s: %s", p->listen.af ? " on " : "",
						  p->listen.af ? addr_fmt(&p->listen, a) : "", strerror(-fd));
				continue;
			}
			if (h->dp)
				dp_socket_bypass(h->dp, fd);
			h->fd500[i] = fd;
			h->ev500[i] = event_new(p->base, fd, EV_READ | EV_PERSIST, read500, h);
			event_add(h->ev500[i], NULL);
		} else if (!on && h->fd500[i] >= 0) {
			event_free(h->ev500[i]);
			close(h->fd500[i]);
			h->fd500[i] = -1;
		}
	}
	p->listening = on;
	if (rp && on)
		rp_line(rp, 2, "listening for IKE messages");
	return 0;
}

void ikehost_shutdown(struct pluto *p)
{
	struct ikehost *h = p->host;

	if (!h)
		return;
	if (h->eng) {
		struct dconn **all;
		size_t n;

		all = conndb_sorted(p->db, &n);
		for (size_t i = 0; i < n; i++)
			if (all[i]->view)
				ike_terminate(h->eng, &all[i]->view->ike, NULL);
		free(all);
		/* jobs not delivered are dropped (their SAs go with the engine) */
		stop_helpers(h);
		/* pending operations get done(TERMINATED): their replies end */
		ike_engine_free(h->eng);
		h->eng = NULL;
	}
	stop_helpers(h);
	ikehost_listen(p, false, NULL);
	if (h->sat) {
		updown_shutdown(h);
		satable_free(h->sat);   /* traps, Child SAs, lingering SAs */
	}
	if (h->sat_timer)
		event_free(h->sat_timer);
	if (h->evdp)
		event_free(h->evdp);
	if (h->timer)
		event_free(h->timer);
	if (h->dp) {
		dp_free(h->dp);
		fixed_reqid_done(p);    /* what it noted is gone with the rest */
	}
	updown_runner_free(h->ud);      /* runs the last down/unroute to their end */
	free(h);
	p->host = NULL;
}
