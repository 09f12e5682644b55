/* Test tool: one datagram to DST by a way an unprivileged user has of
 * steering it past the routing table.
 *   leaksend MODE DEV DST PORT TEXT [HOP]
 * MODE:
 *   bind      SO_BINDTODEVICE DEV (UDP)
 *   pktinfo   IP_PKTINFO / IPV6_PKTINFO with DEV's ifindex (UDP)
 *   unicast   IP_UNICAST_IF / IPV6_UNICAST_IF DEV (UDP)
 *   mapped    an AF_INET6 socket bound to DEV, DST as ::ffff:DST (UDP, DST IPv4)
 *   frag      bind, with TEXT repeated to 3000 bytes (fragments)
 *   ping      an ICMP "ping" socket bound to DEV: an echo request, TEXT as data
 *   nd        an ICMPv6 "ping" socket bound to DEV: a neighbour advertisement
 *   srh       IPv6 only, not bound: a segment routing header (IPV6_RTHDR,
 *             type 4) whose first segment is HOP, DST the last
 * Prints "sent" (exit 0) or "error: ..." (exit 1); 2 on bad usage. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef IP_UNICAST_IF
#define IP_UNICAST_IF 50
#endif
#ifndef IPV6_UNICAST_IF
#define IPV6_UNICAST_IF 76
#endif

static int fail(const char *what)
{
	printf("error: %s: %s\n", what, strerror(errno));
	return 1;
}

static int dst_parse(const char *s, int port, struct sockaddr_storage *ss, socklen_t *slen)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*slen = sizeof(*s4);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, s, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*slen = sizeof(*s6);
		return AF_INET6;
	}
	return -1;
}

/* sendmsg with IP(V6)_PKTINFO naming ifindex */
static ssize_t send_pktinfo(int fd, int af, const void *buf, size_t len, struct sockaddr_storage *ss,
			    socklen_t slen, unsigned ifindex)
{
	union {
		char b[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} c;
	struct iovec iov = { (void *)buf, len };
	struct msghdr m = { .msg_name = ss, .msg_namelen = slen, .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = c.b, .msg_controllen = sizeof(c.b) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);

	memset(c.b, 0, sizeof(c.b));
	if (af == AF_INET) {
		struct in_pktinfo pi = { .ipi_ifindex = (int)ifindex };
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		m.msg_controllen = CMSG_SPACE(sizeof(pi));
	} else {
		struct in6_pktinfo pi = { .ipi6_ifindex = ifindex };
		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		m.msg_controllen = CMSG_SPACE(sizeof(pi));
	}
	return sendmsg(fd, &m, 0);
}

/* the sticky segment routing header: [0] = DST (the kernel rewrites it), [1] = HOP */
static int set_srh(int fd, const char *dst, const char *hop)
{
	uint8_t h[8 + 2 * 16] = { 0 };

	h[1] = 4;                 /* hdrlen: 2 segments */
	h[2] = 4;                 /* type 4 */
	h[3] = 1;                 /* segments left */
	h[4] = 1;                 /* last entry */
	if (inet_pton(AF_INET6, dst, h + 8) != 1 || inet_pton(AF_INET6, hop, h + 24) != 1) {
		errno = EINVAL;
		return -1;
	}
	return setsockopt(fd, IPPROTO_IPV6, IPV6_RTHDR, h, sizeof(h));
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t slen;
	char text[3000], mapped[64];
	const char *mode, *dev, *dst;
	size_t len;
	unsigned ifindex;
	int fd, af, port;
	ssize_t n;

	if (argc < 6 || (port = atoi(argv[4])) <= 0 || port > 65535) {
		fprintf(stderr, "usage: leaksend MODE DEV DST PORT TEXT [HOP]\n");
		return 2;
	}
	mode = argv[1], dev = argv[2], dst = argv[3];
	ifindex = if_nametoindex(dev);
	if (!strcmp(mode, "mapped")) {
		snprintf(mapped, sizeof(mapped), "::ffff:%s", dst);
		dst = mapped;
	}
	if ((af = dst_parse(dst, port, &ss, &slen)) < 0 || !ifindex) {
		fprintf(stderr, "leaksend: bad address %s or device %s\n", dst, dev);
		return 2;
	}
	len = strlen(argv[5]);
	if (len >= sizeof(text))
		len = sizeof(text) - 1;
	memcpy(text, argv[5], len);
	if (!strcmp(mode, "frag"))
		for (; len + strlen(argv[5]) < sizeof(text); len += strlen(argv[5]))
			memcpy(text + len, argv[5], strlen(argv[5]));

	if (!strcmp(mode, "ping") || !strcmp(mode, "nd")) {
		uint8_t pkt[8 + 256] = { 0 };
		size_t tl = len < 256 ? len : 256;

		fd = socket(af, SOCK_DGRAM, af == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6);
		if (fd < 0)
			return fail("ping socket");
		if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, (socklen_t)strlen(dev)) < 0)
			return fail("SO_BINDTODEVICE");
		pkt[0] = af == AF_INET ? ICMP_ECHO : !strcmp(mode, "nd") ? ND_NEIGHBOR_ADVERT : ICMP6_ECHO_REQUEST;
		memcpy(pkt + 8, text, tl);
		((struct sockaddr_in *)&ss)->sin_port = 0;
		n = sendto(fd, pkt, 8 + tl, 0, (struct sockaddr *)&ss, slen);
	} else {
		if ((fd = socket(af, SOCK_DGRAM, 0)) < 0)
			return fail("socket");
		if ((!strcmp(mode, "bind") || !strcmp(mode, "mapped") || !strcmp(mode, "frag")) &&
		    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, (socklen_t)strlen(dev)) < 0)
			return fail("SO_BINDTODEVICE");
		if (!strcmp(mode, "unicast")) {
			uint32_t idx = htonl(ifindex);   /* both take it in network order */
			if (af == AF_INET ? setsockopt(fd, IPPROTO_IP, IP_UNICAST_IF, &idx, sizeof(idx))
					  : setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_IF, &idx, sizeof(idx)))
				return fail("UNICAST_IF");
		}
		if (!strcmp(mode, "srh") && (af != AF_INET6 || argc < 7 || set_srh(fd, argv[3], argv[6]) < 0))
			return fail("IPV6_RTHDR");
		if (!strcmp(mode, "pktinfo"))
			n = send_pktinfo(fd, af, text, len, &ss, slen, ifindex);
		else
			n = sendto(fd, text, len, 0, (struct sockaddr *)&ss, slen);
	}
	if (n < 0)
		return fail("send");
	printf("sent\n");
	close(fd);
	return 0;
}
