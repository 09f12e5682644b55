/* IP_PKTINFO / IPV6_PKTINFO for UDP sockets bound to the wildcard address:
 * choose the source address of a datagram we send, and learn the local
 * address a datagram arrived on.  Shared by the daemon's IKE socket and the
 * dataplanes' NAT-T sockets. */
#ifndef CYGNET_PKTINFO_H
#define CYGNET_PKTINFO_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "lib/addr.h"

/* Enough control space for one pktinfo message of either family. */
#define PKTINFO_CMSG_SPACE CMSG_SPACE(sizeof(struct in6_pktinfo))

/* Ask the kernel to report the local address of received datagrams. */
void pktinfo_enable(int fd, int af);
/* Write a pktinfo control message naming src into cbuf; returns its length
 * (0 when src is unset or the wildcard: the kernel chooses). */
size_t pktinfo_put(uint8_t *cbuf, size_t cap, const struct ip_addr *src);
/* The local address a received message arrived on; false if not reported. */
bool pktinfo_get(struct msghdr *m, struct ip_addr *dst);
/* A nonblocking UDP socket bound to the wildcard address of af on port,
 * IPv6 sockets v6-only, reporting pktinfo; fd or -errno. */
int pktinfo_udp_open(int af, uint16_t port);
/* The same bound to at (config setup listen=), or to the wildcard of af
 * when at is NULL or unset; bufsize > 0 sets SO_RCVBUF/SO_SNDBUF (FORCE
 * variants first, as Libreswan's ike-socket-bufsize). */
int pktinfo_udp_open_at(int af, const struct ip_addr *at, uint16_t port, int bufsize);
/* SO_RCVBUFFORCE/SO_SNDBUFFORCE (SO_RCVBUF/SO_SNDBUF without CAP_NET_ADMIN). */
void pktinfo_set_bufsize(int fd, int bufsize);
/* sendmsg() of one datagram to dst:dport from src (may be unset). */
int pktinfo_sendto(int fd, const void *buf, size_t len, const struct ip_addr *src,
		   const struct ip_addr *dst, uint16_t dport);

#endif
