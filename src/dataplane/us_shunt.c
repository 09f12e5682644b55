/* Shunts in the userspace dataplane.  A shunt policy sits in the same
 * selector table as the tunnels' (most specific wins), so a packet read
 * from the TUN that matches one is a passthrough carved out of a tunnel's
 * route, or traffic a drop/reject shunt routed into the TUN:
 *   passthrough: sent on in clear through a raw socket marked with the
 *     dataplane's fwmark, so the host's own routing (not table 220) takes it;
 *   drop: counted (shunt-drop);
 *   reject: counted (shunt-reject) and answered with ICMP "administratively
 *     prohibited" written back into the TUN, as a router would. */
#include "dataplane/us.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dataplane/inner.h"
#include "dataplane/shunt_pkt.h"
#include "lib/log.h"

static int open_clear(int af, uint32_t mark)
{
	int fd = socket(af, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW), m = (int)mark;

	if (fd < 0)
		return -errno;
	/* IPPROTO_RAW implies IP_HDRINCL (IPv4) and IPV6_HDRINCL (IPv6) */
	if (setsockopt(fd, SOL_SOCKET, SO_MARK, &m, sizeof(m)) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

void us_shunt_open(struct us *u)
{
	for (int f = 0; f < 2; f++) {
		u->clear_fd[f] = open_clear(f ? AF_INET6 : AF_INET, u->dp->params.fwmark);
		if (u->clear_fd[f] < 0)
			log_warn("userspace dataplane: no %s socket for passthrough shunts: %s", f ? "IPv6" : "IPv4",
				 strerror(-u->clear_fd[f]));
	}
}

void us_shunt_close(struct us *u)
{
	for (int f = 0; f < 2; f++) {
		if (u->clear_fd[f] >= 0)
			close(u->clear_fd[f]);
		u->clear_fd[f] = -1;
	}
}

void us_shunt_pass(struct us *u, const uint8_t *pkt, size_t len)
{
	struct dp_tuple t;
	struct sockaddr_storage ss;
	int fd;

	if (!dp_tuple_parse(pkt, len, &t))
		return;
	fd = u->clear_fd[t.dst.af == AF_INET6];
	if (fd < 0 || sendto(fd, pkt, t.iplen, 0, (struct sockaddr *)&ss, addr_to_sockaddr(&t.dst, 0, &ss)) < 0)
		__atomic_fetch_add(&u->db.drops[DP_DROP_TX_ERROR], 1, __ATOMIC_RELAXED);
}

void us_shunt_reject(struct us *u, const uint8_t *pkt, size_t len)
{
	uint8_t icmp[1280];
	struct timespec ts;
	size_t n;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if ((uint64_t)ts.tv_sec != u->reject_sec) {
		u->reject_sec = (uint64_t)ts.tv_sec;
		u->reject_n = 0;
	}
	if (u->reject_n >= US_REJECT_PER_SEC || !(n = dp_reject_build(pkt, len, icmp, sizeof(icmp))))
		return;
	u->reject_n++;
	if (write(u->tun_fd, icmp, n) < 0)
		__atomic_fetch_add(&u->db.drops[DP_DROP_TX_ERROR], 1, __ATOMIC_RELAXED);
}
