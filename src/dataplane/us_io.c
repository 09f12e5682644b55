/* The userspace backend's I/O: the TUN device, the NAT-T UDP sockets (shared
 * with IKE through the non-ESP marker), the raw ESP sockets, and the packet
 * thread that moves packets between them in batches (several TUN reads per
 * wake-up, recvmmsg/sendmmsg), allocating nothing per packet. */
#include "dataplane/us.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/udp.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dataplane/dp_events.h"
#include "dataplane/packet.h"
#include "dataplane/xfrm_int.h"
#include "dataplane/shunt_pkt.h"
#include "lib/log.h"
#include "lib/pktinfo.h"

#define BUF_SIZE (DP_HEADROOM + DP_MAX_PACKET + 64)
#define TUN_ROUNDS 4

static uint64_t now_real(void) { return (uint64_t)time(NULL); }
static uint64_t now_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

static int open_tun(struct us *u, const char *name)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	snprintf(u->tun_name, sizeof(u->tun_name), "%s", ifr.ifr_name);
	u->tun_ifindex = (int)if_nametoindex(u->tun_name);
	u->tun_fd = fd;
	return 0;
}

static int sock_common(int fd, const struct dp_params *p)
{
	int mark = (int)p->fwmark, size = 4 << 20, one = 1;

	if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size));
	if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) < 0)
		return -errno;
	return xfrm_socket_bypass(fd);   /* past the kernel's inbound policies (us_xfrm.c) */
}

static int open_sock(int af, int type, int proto, uint16_t port, const struct dp_params *p)
{
	int fd = socket(af, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto), one = 1, rc;
	struct sockaddr_storage ss;
	struct ip_addr any;

	if (fd < 0)
		return -errno;
	if (af == AF_INET6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
	}
	if ((rc = sock_common(fd, p)) < 0)
		goto fail;
	if (type == SOCK_DGRAM) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (p->listen.af == af)
			any = p->listen;          /* listen=: that address only */
		else
			addr_any(af, &any);
		if (bind(fd, (struct sockaddr *)&ss, addr_to_sockaddr(&any, port, &ss)) < 0) {
			rc = -errno;
			goto fail;
		}
	}
	return fd;
fail:
	close(fd);
	return rc;
}

int us_io_open(struct us *u, const struct dp_params *p)
{
	int rc;

	for (int i = 0; i < US_NSOCK; i++)
		u->sock[i] = -1;
	u->tun_fd = u->stop_fd = -1;
	if ((rc = open_tun(u, p->tun_name)) < 0) {
		log_error("userspace dataplane: cannot create TUN %s: %s", p->tun_name, strerror(-rc));
		return rc;
	}
	/* listen=: only its family's socket, bound to it */
	if (!p->no_natt_socket && (!p->listen.af || p->listen.af == AF_INET) &&
	    (u->sock[US_UDP4] = open_sock(AF_INET, SOCK_DGRAM, 0, p->natt_port, p)) < 0)
		return u->sock[US_UDP4];
	if (!p->no_natt_socket && (!p->listen.af || p->listen.af == AF_INET6))
		u->sock[US_UDP6] = open_sock(AF_INET6, SOCK_DGRAM, 0, p->natt_port, p);
	if (!p->no_raw_esp) {
		if ((u->sock[US_RAW4] = open_sock(AF_INET, SOCK_RAW, IPPROTO_ESP, 0, p)) < 0)
			return u->sock[US_RAW4];
		u->sock[US_RAW6] = open_sock(AF_INET6, SOCK_RAW, IPPROTO_ESP, 0, p);
	}
	if ((u->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0)
		return -errno;
	return 0;
}

void us_io_close(struct us *u)
{
	for (int i = 0; i < US_NSOCK; i++)
		if (u->sock[i] >= 0) {
			close(u->sock[i]);
			u->sock[i] = -1;
		}
	if (u->tun_fd >= 0)
		close(u->tun_fd);          /* the TUN device disappears with its fd */
	if (u->stop_fd >= 0)
		close(u->stop_fd);
	u->tun_fd = u->stop_fd = -1;
}

/* ---- sending ------------------------------------------------------------ */

int us_send_udp(struct us *u, const void *buf, size_t len, const struct ip_addr *src,
		const struct ip_addr *dst, uint16_t dport)
{
	int fd = u->sock[dst->af == AF_INET6 ? US_UDP6 : US_UDP4];
	struct sockaddr_storage ss;
	uint8_t cbuf[64];
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr m = { .msg_name = &ss, .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf };

	if (fd < 0)
		return -ENOTCONN;
	memset(cbuf, 0, sizeof(cbuf));
	m.msg_namelen = addr_to_sockaddr(dst, dport, &ss);
	m.msg_controllen = pktinfo_put(cbuf, sizeof(cbuf), src);
	if (!m.msg_controllen)
		m.msg_control = NULL;
	return sendmsg(fd, &m, 0) < 0 ? -errno : 0;
}

/* ---- the packet thread ---------------------------------------------------- */

struct batch {
	struct mmsghdr msg[US_BATCH];
	struct iovec iov[US_BATCH];
	struct sockaddr_storage name[US_BATCH];
	uint8_t ctl[US_BATCH][64] __attribute__((aligned(8)));
	unsigned n;
	/* UDP GSO: runs of equal-sized packets to one peer become one send */
	struct mmsghdr gmsg[US_BATCH];
	uint8_t gctl[US_BATCH][96] __attribute__((aligned(8)));
};

struct io {
	struct us *u;
	bool outbound;                  /* this thread reads the TUN; else the sockets */
	uint8_t *rx[US_BATCH];          /* BUF_SIZE each */
	struct batch out[US_NSOCK];
	struct batch in;
	uint8_t *tun_out[US_BATCH];     /* decapsulated packets to write */
	size_t tun_len[US_BATCH];
};

static bool udp_gso = true;     /* cleared when the kernel refuses UDP_SEGMENT */

/* Coalesce consecutive packets with the same destination, source and size
 * (the last of a run may be shorter) into one message with a UDP_SEGMENT
 * control message: the kernel then sends them as one GSO packet. */
static unsigned coalesce(struct batch *b)
{
	unsigned g = 0;

	for (unsigned i = 0; i < b->n;) {
		struct msghdr *m = &b->msg[i].msg_hdr, *gm = &b->gmsg[g].msg_hdr;
		size_t seg = b->iov[i].iov_len, total = seg;
		unsigned j = i + 1;

		while (j < b->n && j - i < 64 && total + b->iov[j].iov_len <= 65000 &&
		       b->iov[j].iov_len <= seg && b->iov[j - 1].iov_len == seg &&
		       b->msg[j].msg_hdr.msg_namelen == m->msg_namelen &&
		       !memcmp(b->msg[j].msg_hdr.msg_name, m->msg_name, m->msg_namelen) &&
		       b->msg[j].msg_hdr.msg_controllen == m->msg_controllen &&
		       (!m->msg_controllen || !memcmp(b->ctl[j], b->ctl[i], m->msg_controllen))) {
			total += b->iov[j].iov_len;
			j++;
		}
		*gm = *m;
		gm->msg_iovlen = j - i;
		if (j - i > 1) {
			struct cmsghdr *c;
			uint16_t gso = (uint16_t)seg;
			memcpy(b->gctl[g], b->ctl[i], m->msg_controllen);
			gm->msg_control = b->gctl[g];
			gm->msg_controllen = m->msg_controllen + CMSG_SPACE(sizeof(gso));
			c = (struct cmsghdr *)(void *)(b->gctl[g] + m->msg_controllen);   /* CMSG_SPACE keeps alignment */
			c->cmsg_level = IPPROTO_UDP;   /* SOL_UDP */
			c->cmsg_type = UDP_SEGMENT;
			c->cmsg_len = CMSG_LEN(sizeof(gso));
			memcpy(CMSG_DATA(c), &gso, sizeof(gso));
		}
		g++;
		i = j;
	}
	return g;
}

static void flush(struct io *io, int s)
{
	struct batch *b = &io->out[s];
	struct mmsghdr *msgs = b->msg;
	unsigned done = 0, count = b->n;

	if (udp_gso && (s == US_UDP4 || s == US_UDP6) && b->n > 1) {
		count = coalesce(b);
		msgs = b->gmsg;
	}
	while (done < count) {
		int n = sendmmsg(io->u->sock[s], msgs + done, count - done, 0);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && msgs == b->gmsg && (errno == EINVAL || errno == EIO || errno == ENOPROTOOPT)) {
				udp_gso = false;      /* no UDP GSO here: send them one by one */
				log_warn("userspace dataplane: UDP GSO refused (%s); sending packets singly", strerror(errno));
				msgs = b->msg;
				count = b->n;
				done = 0;
				continue;
			}
			for (unsigned i = done; i < count; i++)
				__atomic_fetch_add(&io->u->db.drops[DP_DROP_TX_ERROR], msgs[i].msg_hdr.msg_iovlen, __ATOMIC_RELAXED);
			break;
		}
		done += (unsigned)n;
	}
	b->n = 0;
}

static void queue_out(struct io *io, const struct sa_entry *sa, uint8_t *esp, size_t len)
{
	bool v6 = sa->cfg.dst.af == AF_INET6;
	int s = sa->cfg.encap == DP_ENCAP_UDP ? (v6 ? US_UDP6 : US_UDP4) : (v6 ? US_RAW6 : US_RAW4);
	struct batch *b = &io->out[s];
	unsigned i = b->n++;
	struct msghdr *m = &b->msg[i].msg_hdr;

	io->out[s].iov[i].iov_base = esp;
	io->out[s].iov[i].iov_len = len;
	memset(m, 0, sizeof(*m));
	m->msg_iov = &b->iov[i];
	m->msg_iovlen = 1;
	m->msg_name = &b->name[i];
	m->msg_namelen = addr_to_sockaddr(&sa->cfg.dst, sa->cfg.encap == DP_ENCAP_UDP ? sa->cfg.dport : 0,
					  &b->name[i]);
	m->msg_controllen = pktinfo_put(b->ctl[i], sizeof(b->ctl[i]), &sa->cfg.src);
	m->msg_control = m->msg_controllen ? b->ctl[i] : NULL;
}

/* A packet matched a trap policy: tell the daemon (which starts IKE for the
 * policy's conn), at most once a second per policy while the SA is missing
 * (counted from the acquire the daemon's channel took). */
static void trap_hit(struct us *u, const uint8_t *pkt, size_t len)
{
	struct dp_tuple t;
	struct pol_entry *pol;
	struct dp_event ev = { .type = DP_EV_ACQUIRE };
	struct timespec ts;
	uint64_t now_ms;

	if (!dp_tuple_parse(pkt, len, &t) || !(pol = sadb_lookup_policy(&u->db, &t)) || pol->sa)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	if (pol->acquired && now_ms - pol->acquire_mono < 1000)
		return;
	subnet_from_addr(&t.src, &ev.u.acquire.sel.src);
	subnet_from_addr(&t.dst, &ev.u.acquire.sel.dst);
	ev.u.acquire.sel.proto = t.proto;
	ev.u.acquire.reqid = pol->pol.reqid;
	if (!dp_evq_push(u->dp->evq, &ev, NULL, 0))
		return;                 /* the SA events' channel is full: the next packet asks again */
	pol->acquired = true;
	pol->acquire_mono = now_ms;
}

static void tun_readable(struct io *io)
{
	struct us *u = io->u;
	size_t len[US_BATCH];

	for (int round = 0; round < TUN_ROUNDS; round++) {
		unsigned cnt = 0;

		while (cnt < US_BATCH) {
			ssize_t n = read(u->tun_fd, io->rx[cnt] + DP_HEADROOM, DP_MAX_PACKET);
			if (n <= 0)
				break;
			len[cnt++] = (size_t)n;
		}
		if (!cnt)
			return;
		pthread_rwlock_rdlock(&u->lock);
		uint64_t now = now_real();
		for (unsigned i = 0; i < cnt; i++) {
			struct sa_entry *sa;
			uint8_t *esp;
			size_t esplen;
			enum dp_drop why;

			if (dp_output(&u->db, io->rx[i] + DP_HEADROOM, len[i], BUF_SIZE - DP_HEADROOM, now,
				      &sa, &esp, &esplen, &why))
				queue_out(io, sa, esp, esplen);
			else if (why == DP_DROP_AWAITING_SA)
				trap_hit(u, io->rx[i] + DP_HEADROOM, len[i]);
			else if (why == DP_SHUNT_PASS || why == DP_DROP_NO_POLICY)   /* in clear, as with XFRM */
				us_shunt_pass(u, io->rx[i] + DP_HEADROOM, len[i]);
			else if (why == DP_DROP_SHUNT_REJECT)
				us_shunt_reject(u, io->rx[i] + DP_HEADROOM, len[i]);
		}
		pthread_rwlock_unlock(&u->lock);
		for (int s = 0; s < US_NSOCK; s++)
			if (io->out[s].n) {
				if (u->sock[s] < 0) {
					__atomic_fetch_add(&u->db.drops[DP_DROP_TX_ERROR], io->out[s].n, __ATOMIC_RELAXED);
					io->out[s].n = 0;
				} else
					flush(io, s);
			}
		if (cnt < US_BATCH)
			return;
	}
}

static void ike_packet(struct us *u, const uint8_t *p, size_t len, const struct ip_addr *src,
		       uint16_t sport, const struct ip_addr *dst)
{
	struct dp_event ev = { .type = DP_EV_IKE_PACKET };

	ev.u.ike.src = *src;
	ev.u.ike.dst = *dst;
	ev.u.ike.sport = sport;
	ev.u.ike.dport = u->dp->params.natt_port;
	if (!dp_evq_push(u->dp->evq, &ev, p, len))
		sadb_drop(&u->db, NULL, DP_DROP_IKE_QUEUE_FULL);
}

static void sock_readable(struct io *io, int s)
{
	struct us *u = io->u;
	struct batch *b = &io->in;
	unsigned nout = 0;
	int n;

	for (unsigned i = 0; i < US_BATCH; i++) {
		struct msghdr *m = &b->msg[i].msg_hdr;
		b->iov[i].iov_base = io->rx[i] + DP_HEADROOM;
		b->iov[i].iov_len = DP_MAX_PACKET;
		memset(m, 0, sizeof(*m));
		m->msg_iov = &b->iov[i];
		m->msg_iovlen = 1;
		m->msg_name = &b->name[i];
		m->msg_namelen = sizeof(b->name[i]);
		m->msg_control = b->ctl[i];
		m->msg_controllen = sizeof(b->ctl[i]);
	}
	n = recvmmsg(u->sock[s], b->msg, US_BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return;
	pthread_rwlock_rdlock(&u->lock);
	uint64_t now = now_real();
	for (int i = 0; i < n; i++) {
		uint8_t *p = io->rx[i] + DP_HEADROOM, *inner;
		size_t len = b->msg[i].msg_len, inner_len;
		struct ip_addr src = { 0 }, dst = { 0 };
		uint16_t sport = 0;
		enum dp_drop why;

		addr_from_sockaddr((struct sockaddr *)&b->name[i], &src, &sport);
		pktinfo_get(&b->msg[i].msg_hdr, &dst);
		if (s == US_RAW4) {             /* IPv4 raw sockets deliver the IP header */
			size_t ihl = len ? (size_t)(p[0] & 0x0f) * 4 : 0;
			if (len < 20 || ihl < 20 || ihl > len) {
				sadb_drop(&u->db, NULL, DP_DROP_BAD_OUTER);
				continue;
			}
			addr_from_bytes(AF_INET, p + 12, &src);
			addr_from_bytes(AF_INET, p + 16, &dst);
			p += ihl;
			len -= ihl;
		} else if (s == US_UDP4 || s == US_UDP6) {
			if (len == 1 && p[0] == 0xff) {     /* NAT keepalive (RFC 3948 §2.3) */
				sadb_drop(&u->db, NULL, DP_DROP_KEEPALIVE);
				continue;
			}
			if (len >= 4 && !p[0] && !p[1] && !p[2] && !p[3]) {   /* non-ESP marker: IKE */
				ike_packet(u, p + 4, len - 4, &src, sport, &dst);
				continue;
			}
		}
		if (dp_input(&u->db, p, len, &src, &dst, now, &inner, &inner_len, &why)) {
			io->tun_out[nout] = inner;
			io->tun_len[nout++] = inner_len;
		}
	}
	pthread_rwlock_unlock(&u->lock);
	for (unsigned i = 0; i < nout; i++)
		if (write(u->tun_fd, io->tun_out[i], io->tun_len[i]) < 0) {
			__atomic_fetch_add(&u->db.drops[DP_DROP_TX_ERROR], 1, __ATOMIC_RELAXED);
		}
}

static void *packet_thread(void *arg)
{
	struct io *io = arg;
	struct us *u = io->u;
	int ep = epoll_create1(EPOLL_CLOEXEC);
	uint64_t last_tick = now_mono();
	struct epoll_event ev = { .events = EPOLLIN };

	ev.data.u32 = 100;              /* never read: wakes both threads for good */
	epoll_ctl(ep, EPOLL_CTL_ADD, u->stop_fd, &ev);
	if (io->outbound) {
		ev.data.u32 = 101;
		epoll_ctl(ep, EPOLL_CTL_ADD, u->tun_fd, &ev);
	} else
		for (int s = 0; s < US_NSOCK; s++)
			if (u->sock[s] >= 0) {
				ev.data.u32 = (uint32_t)s;
				epoll_ctl(ep, EPOLL_CTL_ADD, u->sock[s], &ev);
			}
	for (;;) {
		struct epoll_event evs[8];
		int n = epoll_wait(ep, evs, 8, 1000);
		uint64_t now = now_mono();

		if (!io->outbound && now != last_tick) {   /* lifetimes: checked by one thread */
			last_tick = now;
			pthread_rwlock_rdlock(&u->lock);
			sadb_tick(&u->db, now);
			pthread_rwlock_unlock(&u->lock);
		}
		for (int i = 0; i < n; i++) {
			if (evs[i].data.u32 == 100)
				goto out;
			if (evs[i].data.u32 == 101)
				tun_readable(io);
			else
				sock_readable(io, (int)evs[i].data.u32);
		}
	}
out:
	close(ep);
	for (int i = 0; i < US_BATCH; i++)
		free(io->rx[i]);
	free(io);
	return NULL;
}

static struct io *io_new(struct us *u, bool outbound)
{
	struct io *io = calloc(1, sizeof(*io));

	if (!io)
		return NULL;
	io->u = u;
	io->outbound = outbound;
	for (int i = 0; i < US_BATCH; i++)
		if (!(io->rx[i] = malloc(BUF_SIZE))) {
			for (int j = 0; j < i; j++)
				free(io->rx[j]);
			free(io);
			return NULL;
		}
	return io;
}

/* Two packet threads: outbound (TUN -> ESP -> sockets) and inbound
 * (sockets -> ESP -> TUN).  They share the SA database under u->lock;
 * an SA's outbound state (sequence number) and inbound state (replay
 * window) are each touched by one thread only. */
int us_io_start(struct us *u)
{
	for (int t = 0; t < 2; t++) {
		struct io *io = io_new(u, t == 0);
		int rc;

		if (!io)
			return -ENOMEM;
		if ((rc = pthread_create(&u->thread[t], NULL, packet_thread, io)) != 0) {
			for (int i = 0; i < US_BATCH; i++)
				free(io->rx[i]);
			free(io);
			return -rc;
		}
		u->thread_started[t] = true;
	}
	return 0;
}

void us_io_stop(struct us *u)
{
	uint64_t one = 1;

	if (!u->thread_started[0] && !u->thread_started[1])
		return;
	if (write(u->stop_fd, &one, sizeof(one)) < 0)
		log_warn("userspace dataplane: cannot signal the packet threads: %s", strerror(errno));
	for (int t = 0; t < 2; t++)
		if (u->thread_started[t]) {
			pthread_join(u->thread[t], NULL);
			u->thread_started[t] = false;
		}
}
