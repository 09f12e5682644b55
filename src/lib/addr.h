/* IP addresses and subnets, IPv4 and IPv6, as plain values. */
#ifndef CYGNET_ADDR_H
#define CYGNET_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define ADDR_STRLEN 48     /* enough for any formatted address */
#define SUBNET_STRLEN 56   /* address + "/128" */

struct ip_addr {
	uint8_t af;        /* AF_INET, AF_INET6, or 0 when unset */
	uint8_t a[16];     /* network byte order; IPv4 uses the first 4 bytes */
};

struct ip_subnet {
	struct ip_addr addr;   /* host bits are zero */
	uint8_t plen;          /* prefix length */
};

static inline size_t addr_len(const struct ip_addr *a) { return a->af == AF_INET ? 4 : a->af == AF_INET6 ? 16 : 0; }
static inline bool addr_is_set(const struct ip_addr *a) { return a->af != 0; }

bool addr_parse(const char *s, struct ip_addr *out);          /* numeric only */
bool addr_from_bytes(int af, const void *p, struct ip_addr *out);
const char *addr_fmt(const struct ip_addr *a, char buf[ADDR_STRLEN]);
bool addr_eq(const struct ip_addr *a, const struct ip_addr *b);
int addr_cmp(const struct ip_addr *a, const struct ip_addr *b);
bool addr_is_any(const struct ip_addr *a);                    /* 0.0.0.0 or :: */
void addr_any(int af, struct ip_addr *out);

/* sockaddr conversions; port in host byte order. */
socklen_t addr_to_sockaddr(const struct ip_addr *a, uint16_t port, struct sockaddr_storage *ss);
bool addr_from_sockaddr(const struct sockaddr *sa, struct ip_addr *out, uint16_t *port);

/* "a.b.c.d/len", "x::/len", or a bare address (host subnet).  Fails on a bad
 * prefix; *host_bits is set when the address had bits outside the prefix
 * (they are cleared in out). */
bool subnet_parse(const char *s, struct ip_subnet *out, bool *host_bits);
const char *subnet_fmt(const struct ip_subnet *s, char buf[SUBNET_STRLEN]);
void subnet_from_addr(const struct ip_addr *a, struct ip_subnet *out);
bool subnet_contains(const struct ip_subnet *s, const struct ip_addr *a);
bool subnet_eq(const struct ip_subnet *a, const struct ip_subnet *b);
/* First and last address of the subnet (for traffic selectors). */
void subnet_range(const struct ip_subnet *s, struct ip_addr *lo, struct ip_addr *hi);

#endif
