#include "lib/addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

bool addr_parse(const char *s, struct ip_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, out->a) == 1) {
		out->af = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, s, out->a) == 1) {
		out->af = AF_INET6;
		return true;
	}
	memset(out, 0, sizeof(*out));
	return false;
}

bool addr_from_bytes(int af, const void *p, struct ip_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (af != AF_INET && af != AF_INET6)
		return false;
	out->af = (uint8_t)af;
	memcpy(out->a, p, af == AF_INET ? 4 : 16);
	return true;
}

const char *addr_fmt(const struct ip_addr *a, char buf[ADDR_STRLEN])
{
	if (!a->af || !inet_ntop(a->af, a->a, buf, ADDR_STRLEN))
		snprintf(buf, ADDR_STRLEN, "<unset>");
	return buf;
}

bool addr_eq(const struct ip_addr *a, const struct ip_addr *b)
{
	return a->af == b->af && memcmp(a->a, b->a, addr_len(a)) == 0;
}

int addr_cmp(const struct ip_addr *a, const struct ip_addr *b)
{
	if (a->af != b->af)
		return a->af < b->af ? -1 : 1;
	return memcmp(a->a, b->a, addr_len(a));
}

bool addr_is_any(const struct ip_addr *a)
{
	static const uint8_t zero[16];
	return a->af && memcmp(a->a, zero, addr_len(a)) == 0;
}

void addr_any(int af, struct ip_addr *out)
{
	memset(out, 0, sizeof(*out));
	out->af = (uint8_t)af;
}

socklen_t addr_to_sockaddr(const struct ip_addr *a, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->af == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, a->a, 4);
		return sizeof(*sin);
	}
	if (a->af == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, a->a, 16);
		return sizeof(*sin6);
	}
	return 0;
}

/* The fields are read at their offsets with memcpy: a struct sockaddr
 * (alignment 2) need not be aligned for sockaddr_in/sockaddr_in6. */
bool addr_from_sockaddr(const struct sockaddr *sa, struct ip_addr *out, uint16_t *port)
{
	const char *b = (const char *)sa;
	uint16_t nport;

	if (sa->sa_family == AF_INET) {
		if (port) {
			memcpy(&nport, b + offsetof(struct sockaddr_in, sin_port), sizeof(nport));
			*port = ntohs(nport);
		}
		return addr_from_bytes(AF_INET, b + offsetof(struct sockaddr_in, sin_addr), out);
	}
	if (sa->sa_family == AF_INET6) {
		if (port) {
			memcpy(&nport, b + offsetof(struct sockaddr_in6, sin6_port), sizeof(nport));
			*port = ntohs(nport);
		}
		return addr_from_bytes(AF_INET6, b + offsetof(struct sockaddr_in6, sin6_addr), out);
	}
	return false;
}

static void mask_host_bits(struct ip_addr *a, unsigned plen, bool *had)
{
	size_t n = addr_len(a);

	for (size_t i = 0; i < n; i++) {
		unsigned bit = (unsigned)i * 8;
		uint8_t m = plen >= bit + 8 ? 0xff : plen <= bit ? 0 : (uint8_t)(0xff << (8 - (plen - bit)));
		if (a->a[i] & ~m)
			*had = true;
		a->a[i] &= m;
	}
}

bool subnet_parse(const char *s, struct ip_subnet *out, bool *host_bits)
{
	char tmp[ADDR_STRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	bool had = false;
	unsigned long plen;
	char *end;

	memset(out, 0, sizeof(*out));
	if (host_bits)
		*host_bits = false;
	if (alen == 0 || alen >= sizeof(tmp))
		return false;
	memcpy(tmp, s, alen);
	tmp[alen] = '\0';
	if (!addr_parse(tmp, &out->addr))
		return false;
	if (!slash) {
		out->plen = (uint8_t)(addr_len(&out->addr) * 8);
		return true;
	}
	if (slash[1] < '0' || slash[1] > '9')
		return false;
	plen = strtoul(slash + 1, &end, 10);
	if (*end || plen > addr_len(&out->addr) * 8)
		return false;
	out->plen = (uint8_t)plen;
	mask_host_bits(&out->addr, out->plen, &had);
	if (host_bits)
		*host_bits = had;
	return true;
}

const char *subnet_fmt(const struct ip_subnet *s, char buf[SUBNET_STRLEN])
{
	char a[ADDR_STRLEN];

	snprintf(buf, SUBNET_STRLEN, "%s/%u", addr_fmt(&s->addr, a), s->plen);
	return buf;
}

void subnet_from_addr(const struct ip_addr *a, struct ip_subnet *out)
{
	out->addr = *a;
	out->plen = (uint8_t)(addr_len(a) * 8);
}

bool subnet_contains(const struct ip_subnet *s, const struct ip_addr *a)
{
	unsigned full = s->plen / 8, rest = s->plen % 8;

	if (s->addr.af != a->af)
		return false;
	if (memcmp(s->addr.a, a->a, full) != 0)
		return false;
	if (rest) {
		uint8_t m = (uint8_t)(0xff << (8 - rest));
		if ((s->addr.a[full] & m) != (a->a[full] & m))
			return false;
	}
	return true;
}

bool subnet_eq(const struct ip_subnet *a, const struct ip_subnet *b)
{
	return a->plen == b->plen && addr_eq(&a->addr, &b->addr);
}

void subnet_range(const struct ip_subnet *s, struct ip_addr *lo, struct ip_addr *hi)
{
	size_t n = addr_len(&s->addr);

	*lo = s->addr;
	*hi = s->addr;
	for (size_t i = 0; i < n; i++) {
		unsigned bit = (unsigned)i * 8;
		uint8_t m = s->plen >= bit + 8 ? 0xff : s->plen <= bit ? 0 : (uint8_t)(0xff << (8 - (s->plen - bit)));
		hi->a[i] |= (uint8_t)~m;
	}
}
