/* The kernel dataplane: Child SAs and policies go into the kernel through
 * XFRM netlink (libmnl), and the kernel does ESP.
 *
 *   daemon thread: add/update/del SA, add/del policy, counters (GETSA)
 *                  — request/ACK on a private netlink socket;
 *   event thread:  XFRM multicast (EXPIRE, ACQUIRE) and the UDP 4500
 *                  socket (UDP_ENCAP_ESPINUDP: the kernel takes ESP, IKE
 *                  with its non-ESP marker reaches us) → the dataplane's
 *                  event queue, drained on the daemon's thread.
 * On ENOBUFS from the event socket events were lost: the thread dumps the
 * kernel's SAs and reports every SA of ours that vanished as hard-expired.
 * An EXPIRE the event channel refuses waits in the SA table (xfrm_table.c)
 * and is offered again every XK_RETRY_MS until taken.
 * Ownership: our reqids carry CY_REQID_BASE; start-up and shutdown delete
 * only SAs/policies with such reqids, never the rest of the kernel's tables. */
#include "dataplane/dataplane.h"

#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/udp.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dataplane/dp_events.h"
#include "dataplane/xfrm_int.h"
#include "dataplane/xfrm_msg.h"
#include "lib/log.h"
#include "lib/pktinfo.h"

#ifndef UDP_ENCAP
#define UDP_ENCAP 100
#endif
#ifndef UDP_ENCAP_ESPINUDP
#define UDP_ENCAP_ESPINUDP 2
#endif

#define XK_RETRY_MS 50     /* pending EXPIREs offered again */

/* ---- request/ACK ------------------------------------------------------ */

struct talk_ctx {
	int (*cb)(const struct nlmsghdr *, void *);
	void *arg;
};

int xk_talk(struct mnl_socket *nl, void *buf, int len, mnl_cb_t cb, void *arg)
{
	struct nlmsghdr *req = buf;
	_Alignas(struct nlmsghdr) char rx[XK_RXBUF];
	unsigned portid = mnl_socket_get_portid(nl);
	int rc;

	if (len < 0)
		return len;
	if (mnl_socket_sendto(nl, buf, (size_t)len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, rx, sizeof(rx));
		if (n < 0)
			return -errno;
		rc = mnl_cb_run(rx, (size_t)n, req->nlmsg_seq, portid, cb, arg);
		if (rc == MNL_CB_ERROR)
			return -errno;
		if (rc == MNL_CB_STOP)
			return 0;
		if (!(req->nlmsg_flags & NLM_F_DUMP))
			return 0;     /* one answer (an ACK or the object asked for) */
	}
}

/* ---- our SA table ------------------------------------------------------ */

static int remember(struct xk *x, const struct dp_sa *sa)
{
	struct xk_sa s = {
		.spi = sa->spi, .dir = sa->dir, .src = sa->src, .dst = sa->dst,
		.mode = sa->mode, .reqid = sa->reqid, .mark = sa->mark,
	};

	return xt_put(&x->sas, &s);
}

static void forget(struct xk *x, uint32_t spi, const struct ip_addr *dst)
{
	struct xt_entry *e = xt_find(&x->sas, spi, dst);

	if (e)
		xt_remove(&x->sas, e);
}

/* ---- ops --------------------------------------------------------------- */

static int xk_sa(struct dataplane *dp, const struct dp_sa *sa, int update)
{
	struct xk *x = X(dp);
	_Alignas(struct nlmsghdr) char buf[XFRM_MSG_BUFSIZE];
	int rc;

	if (!cy_reqid_ours(sa->reqid) && sa->reqid > DP_REQID_MANUAL_MAX)
		log_warn("xfrm: SA 0x%08x has reqid %u outside Cygnet's range", sa->spi, sa->reqid);
	rc = xk_talk(x->nl, buf, xfrm_build_newsa(buf, sizeof(buf), ++x->seq, sa, update), NULL, NULL);
	secret_wipe(buf, sizeof(buf));
	if (rc < 0) {
		log_error("xfrm: %s SA 0x%08x failed: %s", update ? "update" : "add", sa->spi, strerror(-rc));
		return rc;
	}
	pthread_mutex_lock(&x->lock);
	rc = remember(x, sa);
	pthread_mutex_unlock(&x->lock);
	return rc;
}

static int xk_add_sa(struct dataplane *dp, const struct dp_sa *sa) { return xk_sa(dp, sa, 0); }

/* The mark an SA of ours was added with (the kernel finds it only with it). */
static struct dp_mark sa_mark(struct xk *x, uint32_t spi, const struct ip_addr *dst)
{
	struct dp_mark m = { 0, 0 };
	const struct xt_entry *e;

	pthread_mutex_lock(&x->lock);
	if ((e = xt_find(&x->sas, spi, dst)))
		m = e->sa.mark;
	pthread_mutex_unlock(&x->lock);
	return m;
}
static int xk_update_sa(struct dataplane *dp, const struct dp_sa *sa) { return xk_sa(dp, sa, 1); }

static int xk_del_sa(struct dataplane *dp, uint32_t spi, const struct ip_addr *dst, uint8_t proto)
{
	struct xk *x = X(dp);
	_Alignas(struct nlmsghdr) char buf[XFRM_MSG_BUFSIZE];
	struct dp_mark mark = sa_mark(x, spi, dst);
	int rc = xk_talk(x->nl, buf, xfrm_build_delsa(buf, sizeof(buf), ++x->seq, spi, dst, proto, &mark), NULL, NULL);

	pthread_mutex_lock(&x->lock);
	forget(x, spi, dst);
	pthread_mutex_unlock(&x->lock);
	return rc == -ESRCH ? 0 : rc;
}

/* A shunt (type=passthrough|drop|reject), as Libreswan installs it: its
 * selectors OUT, their reverse IN and FWD, action allow or block, no
 * template.  A passthrough's destination gets a throw route in table 220,
 * so its cleartext follows the host's own routing, not a covering
 * tunnel's route (two passthroughs to one destination share it: the first
 * removal takes it). */
static int xk_shunt(struct xk *x, const struct dp_policy *pol, bool add)
{
	_Alignas(struct nlmsghdr) char buf[XFRM_MSG_BUFSIZE];
	static const int kdirs[3] = { XFRM_POLICY_OUT, XFRM_POLICY_IN, XFRM_POLICY_FWD };
	struct dp_selector rev = pol->sel;
	uint32_t prio = pol->priority ? pol->priority : xfrm_policy_priority(&pol->sel);
	int rc = 0;

	rev.src = pol->sel.dst;
	rev.dst = pol->sel.src;
	rev.sport = pol->sel.dport;
	rev.dport = pol->sel.sport;
	for (int i = 0; i < 3; i++) {
		const struct dp_selector *sel = i ? &rev : &pol->sel;
		int len = add ? xfrm_build_shuntpolicy(buf, sizeof(buf), ++x->seq, sel, kdirs[i], pol->action, prio,
						       &pol->mark)
			      : xfrm_build_delpolicy(buf, sizeof(buf), ++x->seq, sel, kdirs[i], &pol->mark);
		int r = xk_talk(x->nl, buf, len, NULL, NULL);

		if (r < 0 && !(r == -ENOENT && !add)) {
			log_error("xfrm: %s shunt policy (dir %d) failed: %s", add ? "add" : "delete", kdirs[i],
				  strerror(-r));
			if (!rc)
				rc = r;
		}
	}
	if (rc < 0 && add) {
		xk_shunt(x, pol, false);         /* all three or none */
		return rc;
	}
	if (pol->action == DP_ACT_PASS && x->rt && !x->dp->params.no_routes) {
		int r = xk_throw_route(x, add, &pol->sel.dst);
		if (r < 0)
			log_warn("xfrm: %s throw route for a passthrough failed: %s", add ? "add" : "delete", strerror(-r));
	}
	return rc;
}

/* An inbound policy is needed twice: IN for traffic to us, FWD for traffic
 * we route on to a protected subnet. */
static int xk_policy(struct dataplane *dp, const struct dp_policy *pol, bool add)
{
	struct xk *x = X(dp);
	_Alignas(struct nlmsghdr) char buf[XFRM_MSG_BUFSIZE];
	int kdirs[2] = { pol->dir == DP_DIR_OUT ? XFRM_POLICY_OUT : XFRM_POLICY_IN, XFRM_POLICY_FWD };
	int nk = pol->dir == DP_DIR_OUT ? 1 : 2;
	struct ip_addr tsrc = { 0 }, tdst = { 0 };
	enum dp_mode mode = DP_MODE_TUNNEL;
	uint32_t prio = pol->priority ? pol->priority : xfrm_policy_priority(&pol->sel);
	int rc = 0;

	if (pol->action != DP_ACT_IPSEC)
		return pol->dir == DP_DIR_OUT ? xk_shunt(x, pol, add) : -EINVAL;
	if (add && pol->tmpl_dst.af) {
		tsrc = pol->tmpl_src;      /* a trap: no SA yet */
		tdst = pol->tmpl_dst;
		mode = pol->mode;
	} else if (add) {
		const struct xk_sa *s;
		pthread_mutex_lock(&x->lock);
		s = xt_newest(&x->sas, pol->reqid, pol->dir);
		if (s) {
			tsrc = s->src;
			tdst = s->dst;
			mode = s->mode;
		}
		pthread_mutex_unlock(&x->lock);
		if (!s)
			return -ENOENT;   /* the SA (and so the tunnel endpoints) comes first */
	}
	if (pol->dir == DP_DIR_OUT && x->rt) {
		const struct xk_sa *s;
		struct ip_addr peer = add ? tdst : pol->tmpl_dst;
		bool need;
		pthread_mutex_lock(&x->lock);
		s = add ? NULL : xt_newest(&x->sas, pol->reqid, DP_DIR_OUT);
		if (s) {
			peer = s->dst;
			mode = s->mode;
		} else if (!add) {
			mode = pol->mode;
		}
		pthread_mutex_unlock(&x->lock);
		need = mode == DP_MODE_TUNNEL && !(pol->sel.dst.plen == addr_len(&peer) * 8 &&
						   addr_eq(&pol->sel.dst.addr, &peer));
		if (need && (add || peer.af)) {
			int r = xk_route(x, add, &pol->sel.dst, &peer, add ? pol : NULL);
			if (r < 0)
				log_warn("xfrm: %s route for the policy failed: %s", add ? "add" : "delete", strerror(-r));
			else if (!add)
				dp_srcaddr_release(&x->srcaddrs, &pol->prefsrc);
		}
	}
	for (int i = 0; i < nk; i++) {
		int len = add ? xfrm_build_newpolicy(buf, sizeof(buf), ++x->seq, &pol->sel, kdirs[i], pol->reqid,
						     prio, mode, &tsrc, &tdst, &pol->mark)
			      : xfrm_build_delpolicy(buf, sizeof(buf), ++x->seq, &pol->sel, kdirs[i], &pol->mark);
		int r = xk_talk(x->nl, buf, len, NULL, NULL);
		if (r < 0 && !(r == -ENOENT && !add)) {
			log_error("xfrm: %s policy (dir %d) failed: %s", add ? "add" : "delete", kdirs[i], strerror(-r));
			rc = r;
		}
	}
	return rc;
}

static int xk_add_policy(struct dataplane *dp, const struct dp_policy *pol) { return xk_policy(dp, pol, true); }
static int xk_del_policy(struct dataplane *dp, const struct dp_policy *pol) { return xk_policy(dp, pol, false); }

static int getsa_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct dp_counters *c = arg;
	struct xfrm_usersa_info ub;      /* a copy: the payload is only 4-aligned */
	const struct xfrm_usersa_info *u = &ub;

	if (nlh->nlmsg_type != XFRM_MSG_NEWSA || mnl_nlmsg_get_payload_len(nlh) < sizeof(ub))
		return MNL_CB_OK;
	memcpy(&ub, mnl_nlmsg_get_payload(nlh), sizeof(ub));
	c->bytes = u->curlft.bytes;
	c->packets = u->curlft.packets;
	c->add_time = u->curlft.add_time;
	c->last_used = u->curlft.use_time;
	c->drops[DP_DROP_REPLAY] = u->stats.replay;
	c->drops[DP_DROP_BAD_ICV] = u->stats.integrity_failed;
	return MNL_CB_STOP;
}

static int xk_counters(struct dataplane *dp, uint32_t spi, const struct ip_addr *dst, uint8_t proto,
		       struct dp_counters *out)
{
	struct xk *x = X(dp);
	_Alignas(struct nlmsghdr) char buf[XFRM_MSG_BUFSIZE];
	struct dp_mark mark = sa_mark(x, spi, dst);

	memset(out, 0, sizeof(*out));
	return xk_talk(x->nl, buf, xfrm_build_getsa(buf, sizeof(buf), ++x->seq, spi, dst, proto, &mark), getsa_cb, out);
}

/* The kernel's own counters (this namespace, since we started): a packet
 * outside its SA's selector or inbound policies, or cleartext where a
 * policy wants ESP (the kernel counts an SA that is not the policy's
 * there too). */
static void xk_global_drops(struct dataplane *dp, uint64_t drops[DP_DROP__COUNT])
{
	memset(drops, 0, sizeof(uint64_t) * DP_DROP__COUNT);
	xfrm_stat_drops(&X(dp)->stat0, drops);
}

static int natt_send(struct xk *x, const void *buf, size_t len, const struct ip_addr *src,
		     const struct ip_addr *dst, uint16_t dport)
{
	return pktinfo_sendto(x->natt[dst->af == AF_INET6], buf, len, src, dst, dport);
}

static int xk_send_ike(struct dataplane *dp, const void *buf, size_t len, const struct ip_addr *src,
		       uint16_t sport, const struct ip_addr *dst, uint16_t dport)
{
	uint8_t pkt[65536];

	(void)sport;
	if (len > sizeof(pkt) - 4)
		return -EMSGSIZE;
	memset(pkt, 0, 4);                /* non-ESP marker (RFC 3948 §2.2) */
	memcpy(pkt + 4, buf, len);
	return natt_send(X(dp), pkt, len + 4, src, dst, dport);
}

static int xk_send_keepalive(struct dataplane *dp, const struct ip_addr *src, uint16_t sport,
			     const struct ip_addr *dst, uint16_t dport)
{
	static const uint8_t ka = 0xff;   /* RFC 3948 §2.3 */
	(void)sport;
	return natt_send(X(dp), &ka, 1, src, dst, dport);
}

/* ---- event thread ----------------------------------------------------- */

static bool evq_push(void *evq, const struct dp_event *ev) { return dp_evq_push(evq, ev, NULL, 0); }

/* An SA of ours reached a lifetime: tell the daemon (with the SA's
 * direction, which the kernel does not say); after a hard one the kernel
 * has removed the SA.  One the event channel refuses stays pending in the
 * table; the event thread offers it again (retry_expires). */
static void push_expire(struct xk *x, struct dp_event *ev)
{
	pthread_mutex_lock(&x->lock);
	xt_expire(&x->sas, ev, evq_push, x->dp->evq);
	pthread_mutex_unlock(&x->lock);
}

/* The EXPIREs still pending after offering them again. */
static size_t retry_expires(struct xk *x)
{
	size_t n;

	pthread_mutex_lock(&x->lock);
	n = x->sas.npending ? xt_retry(&x->sas, evq_push, x->dp->evq) : 0;
	pthread_mutex_unlock(&x->lock);
	return n;
}

static int event_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct xk *x = arg;
	struct dp_event ev = { .type = DP_EV_ACQUIRE };

	if (nlh->nlmsg_type == XFRM_MSG_EXPIRE) {
		if (xfrm_parse_expire(nlh, &ev) == 0)
			push_expire(x, &ev);
	} else if (nlh->nlmsg_type == XFRM_MSG_ACQUIRE) {
		if (xfrm_parse_acquire(nlh, &ev.u.acquire.sel, &ev.u.acquire.reqid) == 0 &&
		    (cy_reqid_ours(ev.u.acquire.reqid) || ev.u.acquire.reqid <= DP_REQID_MANUAL_MAX))
			dp_evq_push(x->dp->evq, &ev, NULL, 0);
	}
	return MNL_CB_OK;
}

struct resync {
	struct xk *x;
	uint32_t epoch;
};

static int resync_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct resync *r = arg;
	struct xfrm_usersa_info ub;      /* a copy: the payload is only 4-aligned */
	const struct xfrm_usersa_info *u = &ub;
	struct ip_addr dst;

	if (nlh->nlmsg_type != XFRM_MSG_NEWSA || mnl_nlmsg_get_payload_len(nlh) < sizeof(ub))
		return MNL_CB_OK;
	memcpy(&ub, mnl_nlmsg_get_payload(nlh), sizeof(ub));
	if (!addr_from_bytes(u->family, &u->id.daddr, &dst))
		return MNL_CB_OK;
	pthread_mutex_lock(&r->x->lock);
	xt_resync_seen(&r->x->sas, r->epoch, ntohl(u->id.spi), &dst);
	pthread_mutex_unlock(&r->x->lock);
	return MNL_CB_OK;
}

/* Events were lost: compare the kernel's SAs with ours, one hash look-up
 * per kernel SA (the lock is held per SA, not over the dump: the daemon
 * thread goes on adding and deleting; an SA added after the dump began
 * is not judged by it).  Ours the kernel no longer has are reported as
 * hard-expired. */
static void resync(struct xk *x)
{
	_Alignas(struct nlmsghdr) char buf[XFRM_MSG_BUFSIZE];
	struct resync r = { .x = x };
	size_t gone = 0;
	int rc;

	log_warn("xfrm: event socket overflowed (ENOBUFS); resynchronising with the kernel's SAs");
	pthread_mutex_lock(&x->lock);
	r.epoch = xt_resync_begin(&x->sas);
	pthread_mutex_unlock(&x->lock);
	rc = xk_talk(x->dump, buf, xfrm_build_dump(buf, sizeof(buf), ++x->dump_seq, XFRM_MSG_GETSA), resync_cb, &r);
	if (rc < 0) {
		log_warn("xfrm: cannot list the kernel's SAs for the resync: %s", strerror(-rc));
		return;
	}
	pthread_mutex_lock(&x->lock);
	gone = xt_resync_end(&x->sas, r.epoch, evq_push, x->dp->evq);
	pthread_mutex_unlock(&x->lock);
	if (gone)
		log_info("xfrm: %zu SA(s) of ours vanished while events were lost: reported hard-expired", gone);
}

static void natt_read(struct xk *x, int fd)
{
	uint8_t pkt[65536];
	struct sockaddr_storage from;
	_Alignas(struct cmsghdr) char cbuf[256];
	struct iovec iov = { .iov_base = pkt, .iov_len = sizeof(pkt) };
	struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	ssize_t n = recvmsg(fd, &m, MSG_DONTWAIT);
	struct dp_event ev = { .type = DP_EV_IKE_PACKET };

	if (n < 0)
		return;
	if (n == 1 && pkt[0] == 0xff)
		return;                   /* NAT keepalive */
	if (n < 4 || memcmp(pkt, "\0\0\0\0", 4) != 0)
		return;                   /* not IKE (the kernel handles ESP) */
	addr_from_sockaddr((struct sockaddr *)&from, &ev.u.ike.src, &ev.u.ike.sport);
	pktinfo_get(&m, &ev.u.ike.dst);
	ev.u.ike.dport = x->dp->params.natt_port;
	dp_evq_push(x->dp->evq, &ev, pkt + 4, (size_t)n - 4);
}

static void *event_thread(void *arg)
{
	struct xk *x = arg;
	_Alignas(struct nlmsghdr) char rx[XK_RXBUF];
	size_t pending = 0;

	for (;;) {
		struct pollfd p[4] = {
			{ .fd = x->stop[0], .events = POLLIN },
			{ .fd = mnl_socket_get_fd(x->ev), .events = POLLIN },
			{ .fd = x->natt[0], .events = POLLIN },
			{ .fd = x->natt[1], .events = POLLIN },
		};
		/* while an EXPIRE waits for room in the event channel, look
		 * again every XK_RETRY_MS */
		if (poll(p, 4, pending ? XK_RETRY_MS : -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			break;
		if (pending)
			pending = retry_expires(x);
		if (p[1].revents & POLLIN) {
			ssize_t n = recv(p[1].fd, rx, sizeof(rx), MSG_DONTWAIT);
			if (n < 0 && errno == ENOBUFS)
				resync(x);
			else if (n > 0)
				mnl_cb_run(rx, (size_t)n, 0, 0, event_cb, x);
		}
		for (int i = 0; i < 2; i++)
			if (p[2 + i].fd >= 0 && (p[2 + i].revents & POLLIN))
				natt_read(x, p[2 + i].fd);
		pthread_mutex_lock(&x->lock);
		pending = x->sas.npending;
		pthread_mutex_unlock(&x->lock);
	}
	return NULL;
}

/* ---- set-up and tear-down --------------------------------------------- */

static int open_natt(int af, uint16_t port, const struct dp_params *p)
{
	int fd = pktinfo_udp_open_at(af, &p->listen, port, p->ike_bufsize), encap = UDP_ENCAP_ESPINUDP;

	if (fd >= 0 && (setsockopt(fd, IPPROTO_UDP, UDP_ENCAP, &encap, sizeof(encap)) < 0 ||
			xfrm_socket_bypass(fd) < 0)) {
		int e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

/* One request buffer, aligned for the netlink header laid into it. */
union xk_msgbuf {
	struct nlmsghdr h;
	char b[XFRM_MSG_BUFSIZE];
};

struct purge_ctx {
	bool policies;
	uint32_t only;                 /* a conn's fixed reqid, or 0: Cygnet's range */
	union xk_msgbuf *msgs;
	size_t n, cap;
};

/* The XFRMA_MARK of a dumped SA or policy (none: mask 0). */
static struct dp_mark attr_mark(const struct nlmsghdr *nlh, size_t hdrlen)
{
	const struct nlattr *a;
	struct dp_mark m = { 0, 0 };

	mnl_attr_for_each(a, nlh, hdrlen)
		if (mnl_attr_get_type(a) == XFRMA_MARK && mnl_attr_get_payload_len(a) >= sizeof(struct xfrm_mark)) {
			const struct xfrm_mark *k = mnl_attr_get_payload(a);
			m.value = k->v;
			m.mask = k->m;
		}
	return m;
}

static bool purge_match(const struct purge_ctx *pc, uint32_t reqid)
{
	return pc->only ? reqid == pc->only : cy_reqid_ours(reqid);
}

/* Collect delete requests for every SA/policy with one of our reqids. */
static int purge_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct purge_ctx *pc = arg;
	int len = -1;

	if (pc->n == pc->cap) {
		size_t nc = pc->cap ? pc->cap * 2 : 16;
		void *v = realloc(pc->msgs, nc * sizeof(*pc->msgs));
		if (!v)
			return MNL_CB_OK;
		pc->msgs = v;
		pc->cap = nc;
	}
	if (!pc->policies && nlh->nlmsg_type == XFRM_MSG_NEWSA &&
	    mnl_nlmsg_get_payload_len(nlh) >= sizeof(struct xfrm_usersa_info)) {
		struct xfrm_usersa_info ub;      /* a copy: the payload is only 4-aligned */
		const struct xfrm_usersa_info *u = memcpy(&ub, mnl_nlmsg_get_payload(nlh), sizeof(ub));
		struct ip_addr dst;
		struct dp_mark mark = attr_mark(nlh, sizeof(*u));
		if (purge_match(pc, u->reqid) && addr_from_bytes(u->family, &u->id.daddr, &dst))
			len = xfrm_build_delsa(pc->msgs[pc->n].b, XFRM_MSG_BUFSIZE, 0, ntohl(u->id.spi), &dst, u->id.proto,
					       &mark);
	} else if (pc->policies && nlh->nlmsg_type == XFRM_MSG_NEWPOLICY &&
		   mnl_nlmsg_get_payload_len(nlh) >= sizeof(struct xfrm_userpolicy_info)) {
		struct xfrm_userpolicy_info pb;   /* a copy: the payload is only 4-aligned */
		const struct xfrm_userpolicy_info *p = memcpy(&pb, mnl_nlmsg_get_payload(nlh), sizeof(pb));
		const struct nlattr *a;
		bool ours = false;
		mnl_attr_for_each(a, nlh, sizeof(*p)) {
			if (mnl_attr_get_type(a) == XFRMA_TMPL &&
			    mnl_attr_get_payload_len(a) >= sizeof(struct xfrm_user_tmpl)) {
				const struct xfrm_user_tmpl *t = mnl_attr_get_payload(a);
				ours = purge_match(pc, t->reqid);
			}
		}
		if (!ours && !pc->only && p->lft.soft_packet_limit == CY_SHUNT_TAG)
			ours = true;           /* a shunt of ours (xfrm_build_shuntpolicy) */
		if (ours) {
			struct nlmsghdr *d = mnl_nlmsg_put_header(memset(pc->msgs[pc->n].b, 0, XFRM_MSG_BUFSIZE));
			struct xfrm_userpolicy_id *id;
			d->nlmsg_type = XFRM_MSG_DELPOLICY;
			d->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
			struct dp_mark mark = attr_mark(nlh, sizeof(*p));
			id = mnl_nlmsg_put_extra_header(d, sizeof(*id));
			id->sel = p->sel;
			id->dir = p->dir;
			if (mark.mask) {
				struct xfrm_mark m = { .v = mark.value, .m = mark.mask };
				mnl_attr_put(d, XFRMA_MARK, sizeof(m), &m);
			}
			len = (int)d->nlmsg_len;
		}
	}
	if (len > 0)
		pc->n++;
	return MNL_CB_OK;
}

void xfrm_purge(struct mnl_socket *nl, uint32_t *seq, bool policies, uint32_t only)
{
	_Alignas(struct nlmsghdr) char buf[XFRM_MSG_BUFSIZE];
	struct purge_ctx pc = { .policies = policies, .only = only };

	if (xk_talk(nl, buf, xfrm_build_dump(buf, sizeof(buf), ++*seq,
					   policies ? XFRM_MSG_GETPOLICY : XFRM_MSG_GETSA), purge_cb, &pc) < 0)
		log_warn("xfrm: cannot list the kernel's %s", policies ? "policies" : "SAs");
	for (size_t i = 0; i < pc.n; i++) {
		struct nlmsghdr *d = &pc.msgs[i].h;
		d->nlmsg_seq = ++*seq;
		xk_talk(nl, d, (int)d->nlmsg_len, NULL, NULL);
	}
	if (pc.n && only)
		log_info("xfrm: removed %zu stale %s with reqid %u", pc.n, policies ? "policies" : "SAs", only);
	else if (pc.n)
		log_info("xfrm: removed %zu stale %s of Cygnet's", pc.n, policies ? "policies" : "SAs");
	free(pc.msgs);
}

void xk_purge(struct mnl_socket *nl, uint32_t *seq, bool policies)
{
	xfrm_purge(nl, seq, policies, 0);
}

/* A fixed reqid a previous run noted (daemon/fixed_reqid.c): what it left. */
static void xk_purge_reqid(struct dataplane *dp, uint32_t reqid)
{
	xfrm_purge(X(dp)->nl, &X(dp)->seq, true, reqid);
	xfrm_purge(X(dp)->nl, &X(dp)->seq, false, reqid);
}

static void xk_shutdown(struct dataplane *dp)
{
	struct xk *x = X(dp);

	if (!x)
		return;
	if (x->thr_started) {
		(void)!write(x->stop[1], "x", 1);
		pthread_join(x->thr, NULL);
	}
	if (x->nl) {
		xk_purge(x->nl, &x->seq, true);
		xk_purge(x->nl, &x->seq, false);
		mnl_socket_close(x->nl);
	}
	if (x->ev)
		mnl_socket_close(x->ev);
	if (x->rt) {
		while (x->nroutes) {
			struct ip_subnet r = x->routes[x->nroutes - 1];
			struct ip_addr none = { 0 };
			if (xk_route(x, false, &r, &none, NULL) < 0)
				x->nroutes--;
		}
		free(x->routes);
		dp_srcaddr_release_all(&x->srcaddrs);
		for (int f = 0; f < 2; f++)
			if (x->rule_refs[f])
				xk_rule(x, false, f ? AF_INET6 : AF_INET);
		mnl_socket_close(x->rt);
	}
	if (x->dump)
		mnl_socket_close(x->dump);
	for (int i = 0; i < 2; i++) {
		if (x->natt[i] >= 0)
			close(x->natt[i]);
		if (x->stop[i] >= 0)
			close(x->stop[i]);
	}
	pthread_mutex_destroy(&x->lock);
	xt_free(&x->sas);
	free(x);
	dp->priv = NULL;
}

static struct mnl_socket *nl_open(unsigned groups)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_XFRM);

	if (nl && mnl_socket_bind(nl, groups, MNL_SOCKET_AUTOPID) < 0) {
		mnl_socket_close(nl);
		return NULL;
	}
	return nl;
}

static int xk_init(struct dataplane *dp, const struct dp_params *params)
{
	struct xk *x = calloc(1, sizeof(*x));
	int rc;

	if (!x)
		return -ENOMEM;
	x->dp = dp;
	x->natt[0] = x->natt[1] = x->stop[0] = x->stop[1] = -1;
	x->seq = (uint32_t)time(NULL);
	pthread_mutex_init(&x->lock, NULL);
	if (xt_init(&x->sas) < 0) {
		pthread_mutex_destroy(&x->lock);
		free(x);
		return -ENOMEM;
	}
	dp->priv = x;
	x->nl = nl_open(0);
	x->dump = nl_open(0);
	x->ev = nl_open((1u << (XFRMNLGRP_ACQUIRE - 1)) | (1u << (XFRMNLGRP_EXPIRE - 1)));
	if (!params->no_routes && (x->rt = mnl_socket_open(NETLINK_ROUTE)) &&
	    mnl_socket_bind(x->rt, 0, MNL_SOCKET_AUTOPID) < 0) {
		mnl_socket_close(x->rt);
		x->rt = NULL;
	}
	if (!x->nl || !x->dump || !x->ev) {
		rc = -errno;
		goto fail;
	}
	xk_purge(x->nl, &x->seq, true);
	xk_purge(x->nl, &x->seq, false);
	xfrm_stat_read(&x->stat0);
	if (!params->no_natt_socket) {
		uint16_t port = params->natt_port ? params->natt_port : DP_NATT_PORT;
		/* listen=: only its family's socket, bound to it */
		x->natt[0] = x->natt[1] = -1;
		if ((!params->listen.af || params->listen.af == AF_INET) &&
		    (x->natt[0] = open_natt(AF_INET, port, params)) < 0) {
			rc = x->natt[0];
			log_error("xfrm: cannot open UDP %u with ESP-in-UDP decapsulation: %s", port, strerror(-rc));
			goto fail;
		}
		if (!params->listen.af || params->listen.af == AF_INET6)
			x->natt[1] = open_natt(AF_INET6, port, params);   /* optional: no IPv6 is fine */
	}
	if (pipe2(x->stop, O_CLOEXEC) < 0) {
		rc = -errno;
		goto fail;
	}
	if ((rc = -pthread_create(&x->thr, NULL, event_thread, x)) < 0)
		goto fail;
	x->thr_started = true;
	return 0;
fail:
	xk_shutdown(dp);
	return rc;
}

const struct dataplane_ops dp_xfrm_ops = {
	.name = "xfrm",
	.init = xk_init,
	.shutdown = xk_shutdown,
	.add_sa = xk_add_sa,
	.update_sa = xk_update_sa,
	.del_sa = xk_del_sa,
	.add_policy = xk_add_policy,
	.del_policy = xk_del_policy,
	.get_counters = xk_counters,
	.get_global_drops = xk_global_drops,
	.send_ike = xk_send_ike,
	.send_keepalive = xk_send_keepalive,
	.purge_reqid = xk_purge_reqid,
};
