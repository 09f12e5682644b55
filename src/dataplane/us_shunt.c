/* Shunts in the userspace dataplane.  A shunt policy sits in the same
 * selector table as the tunnels' (most specific wins), so a packet read
 * from the TUN that matches one is a passthrough carved out of a tunnel's
 * route, or traffic a drop/reject shunt routed into the TUN:
 *   passthrough: sent on in clear through a raw socket marked with the
 *     dataplane's fwmark, so the host's own routing (not table 220) takes it;
 *   drop: counted (shunt-drop);
 *   reject: counted (shunt-reject) and answered with ICMP "administratively
 *     prohibited" from the rejected destination, as a router would, sent
 *     through a raw socket whose mark also carries DP_DECRYPTED_MARK: the
 *     kernel's inbound check below lets it through to a local sender.
 * Cleartext arriving from a shunt's remote side on another interface never
 * meets the TUN: the kernel checks it, with the shunt's reversed selectors
 * as XFRM in and fwd policies (allow or block; XFRM policies work without
 * kernel ESP), tagged as the kernel dataplane's shunts and matching only
 * packets without DP_DECRYPTED_MARK. */
#include "dataplane/us.h"

#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dataplane/inner.h"
#include "dataplane/shunt_pkt.h"
#include "dataplane/xfrm_int.h"
#include "dataplane/xfrm_msg.h"
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

/* IPv4 packets we decrypted and wrote to the TUN skip the kernel's inbound
 * policies (they were checked against ours), so a tunnel nested inside a
 * drop shunt still delivers.  IPv6 has no per-input-device switch: there
 * only packets carrying DP_DECRYPTED_MARK skip them. */
static void tun_nopolicy(struct us *u)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/disable_policy", u->tun_name);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0 || write(fd, "1", 1) != 1)
		log_warn("userspace dataplane: cannot set %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
}

static void open_xfrm(struct us *u)
{
	if (!(u->shunt_nl = mnl_socket_open(NETLINK_XFRM)) || mnl_socket_bind(u->shunt_nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		log_warn("userspace dataplane: no XFRM netlink (%s): shunts act on traffic through the TUN only",
			 strerror(errno));
		if (u->shunt_nl)
			mnl_socket_close(u->shunt_nl);
		u->shunt_nl = NULL;
		return;
	}
	xk_purge(u->shunt_nl, &u->shunt_seq, true);   /* a killed daemon's */
	tun_nopolicy(u);
}

int us_shunt_kernel(struct us *u, const struct dp_policy *pol, bool add)
{
	_Alignas(struct nlmsghdr) char buf[XFRM_MSG_BUFSIZE];
	static const int kdirs[2] = { XFRM_POLICY_IN, XFRM_POLICY_FWD };
	static const struct dp_mark undecrypted = { 0, DP_DECRYPTED_MARK };
	struct dp_selector rev = pol->sel;
	uint32_t prio;
	int rc = 0;

	if (!u->shunt_nl || pol->action == DP_ACT_IPSEC || pol->dir != DP_DIR_OUT)
		return 0;
	rev.src = pol->sel.dst;
	rev.dst = pol->sel.src;
	rev.sport = pol->sel.dport;
	rev.dport = pol->sel.sport;
	prio = pol->priority ? pol->priority : xfrm_policy_priority(&rev);
	for (int i = 0; i < 2; i++) {
		int len = add ? xfrm_build_shuntpolicy(buf, sizeof(buf), ++u->shunt_seq, &rev, kdirs[i], pol->action,
						       prio, &undecrypted)
			      : xfrm_build_delpolicy(buf, sizeof(buf), ++u->shunt_seq, &rev, kdirs[i], &undecrypted);
		int r = xk_talk(u->shunt_nl, buf, len, NULL, NULL);

		if (r < 0 && !(r == -ENOENT && !add)) {
			log_error("userspace dataplane: %s a shunt's kernel inbound policy (dir %d) failed: %s",
				  add ? "adding" : "removing", kdirs[i], strerror(-r));
			if (!rc)
				rc = r;
		}
	}
	if (rc < 0 && add)
		us_shunt_kernel(u, pol, false);
	return rc;
}

void us_shunt_open(struct us *u)
{
	open_xfrm(u);
	for (int f = 0; f < 2; f++) {
		u->clear_fd[f] = open_clear(f ? AF_INET6 : AF_INET, u->dp->params.fwmark);
		u->reject_fd[f] = open_clear(f ? AF_INET6 : AF_INET, u->dp->params.fwmark | DP_DECRYPTED_MARK);
		if (u->clear_fd[f] < 0 || u->reject_fd[f] < 0)
			log_warn("userspace dataplane: no %s socket for passthrough/reject shunts: %s", f ? "IPv6" : "IPv4",
				 strerror(-(u->clear_fd[f] < 0 ? u->clear_fd[f] : u->reject_fd[f])));
	}
}

void us_shunt_close(struct us *u)
{
	if (u->shunt_nl)
		mnl_socket_close(u->shunt_nl);
	u->shunt_nl = NULL;
	for (int f = 0; f < 2; f++) {
		if (u->clear_fd[f] >= 0)
			close(u->clear_fd[f]);
		if (u->reject_fd[f] >= 0)
			close(u->reject_fd[f]);
		u->clear_fd[f] = u->reject_fd[f] = -1;
	}
}

void us_shunt_pass(struct us *u, const uint8_t *pkt, size_t len)
{
	struct dp_tuple t;
	struct sockaddr_storage ss;
	int fd;

	if (!dp_tuple_parse(pkt, len, &t))
		return;
	if (dp_link_scoped(&t.dst)) {
		__atomic_fetch_add(&u->db.drops[DP_DROP_LINK_SCOPE], 1, __ATOMIC_RELAXED);
		return;
	}
	fd = u->clear_fd[t.dst.af == AF_INET6];
	if (fd < 0 || sendto(fd, pkt, t.iplen, 0, (struct sockaddr *)&ss, addr_to_sockaddr(&t.dst, 0, &ss)) < 0)
		__atomic_fetch_add(&u->db.drops[DP_DROP_TX_ERROR], 1, __ATOMIC_RELAXED);
}

void us_shunt_reject(struct us *u, const uint8_t *pkt, size_t len)
{
	uint8_t icmp[1280];
	struct timespec ts;
	struct sockaddr_storage ss;
	struct dp_tuple t;
	size_t n;
	int fd;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if ((uint64_t)ts.tv_sec != u->reject_sec) {
		u->reject_sec = (uint64_t)ts.tv_sec;
		u->reject_n = 0;
	}
	if (u->reject_n >= US_REJECT_PER_SEC || !(n = dp_reject_build(pkt, len, icmp, sizeof(icmp))))
		return;
	u->reject_n++;
	if (!dp_tuple_parse(icmp, n, &t))
		return;
	fd = u->reject_fd[t.dst.af == AF_INET6];
	if (fd < 0 || sendto(fd, icmp, n, 0, (struct sockaddr *)&ss, addr_to_sockaddr(&t.dst, 0, &ss)) < 0)
		__atomic_fetch_add(&u->db.drops[DP_DROP_TX_ERROR], 1, __ATOMIC_RELAXED);
}
