#include "lib/pktinfo.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

void pktinfo_enable(int fd, int af)
{
	int one = 1;

	if (af == AF_INET)
		setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	else
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
}

size_t pktinfo_put(uint8_t *cbuf, size_t cap, const struct ip_addr *src)
{
	struct msghdr m = { .msg_control = cbuf, .msg_controllen = cap };
	struct cmsghdr *c;

	if (!src || !src->af || addr_is_any(src) || cap < PKTINFO_CMSG_SPACE)
		return 0;
	memset(cbuf, 0, PKTINFO_CMSG_SPACE);
	c = CMSG_FIRSTHDR(&m);
	if (src->af == AF_INET) {
		struct in_pktinfo pi = { 0 };
		memcpy(&pi.ipi_spec_dst, src->a, 4);
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		return CMSG_SPACE(sizeof(pi));
	} else {
		struct in6_pktinfo pi = { 0 };
		memcpy(&pi.ipi6_addr, src->a, 16);
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		return CMSG_SPACE(sizeof(pi));
	}
}

bool pktinfo_get(struct msghdr *m, struct ip_addr *dst)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			return addr_from_bytes(AF_INET, &pi.ipi_addr, dst);
		}
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			return addr_from_bytes(AF_INET6, &pi.ipi6_addr, dst);
		}
	}
	return false;
}

int pktinfo_sendto(int fd, const void *buf, size_t len, const struct ip_addr *src,
		   const struct ip_addr *dst, uint16_t dport)
{
	struct sockaddr_storage ss;
	socklen_t sl = addr_to_sockaddr(dst, dport, &ss);
	uint8_t cbuf[PKTINFO_CMSG_SPACE];
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr m = { .msg_name = &ss, .msg_namelen = sl, .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd < 0 || !sl)
		return -ENOTCONN;
	if (src && src->af == dst->af) {
		m.msg_controllen = pktinfo_put(cbuf, sizeof(cbuf), src);
		m.msg_control = m.msg_controllen ? cbuf : NULL;
	}
	return sendmsg(fd, &m, 0) < 0 ? -errno : 0;
}

void pktinfo_set_bufsize(int fd, int bufsize)
{
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsize, sizeof(bufsize)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof(bufsize));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &bufsize, sizeof(bufsize)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsize, sizeof(bufsize));
}

int pktinfo_udp_open(int af, uint16_t port)
{
	return pktinfo_udp_open_at(af, NULL, port, 0);
}

int pktinfo_udp_open_at(int af, const struct ip_addr *at, uint16_t port, int bufsize)
{
	int fd = socket(af, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int one = 1;
	struct ip_addr any;
	struct sockaddr_storage ss;
	socklen_t sl;

	if (fd < 0)
		return -errno;
	if (at && at->af == af)
		any = *at;
	else
		addr_any(af, &any);
	sl = addr_to_sockaddr(&any, port, &ss);
	if (bufsize > 0)
		pktinfo_set_bufsize(fd, bufsize);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (af == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	pktinfo_enable(fd, af);
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	return fd;
}
