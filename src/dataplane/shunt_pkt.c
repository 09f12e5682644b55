#include "dataplane/shunt_pkt.h"

#include <string.h>

#include "dataplane/inner.h"
#include "lib/buf.h"

#define V4_MAX 576
#define V6_MAX 1280

static uint32_t csum_add(uint32_t s, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		s += get_be16(p + i);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	return s;
}

static uint16_t csum_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static bool v4_unicast(const uint8_t *a)
{
	return a[0] != 0 && a[0] < 224 && !(a[0] == 127 && a[1] == 255 && a[2] == 255 && a[3] == 255);
}

static size_t reject4(const uint8_t *pkt, const struct dp_tuple *t, uint8_t *out, size_t cap)
{
	size_t quote = t->iplen < V4_MAX - 28 ? t->iplen : V4_MAX - 28, total = 28 + quote;
	const uint8_t *icmp = pkt + t->hdrlen;

	if ((get_be16(pkt + 6) & 0x1fff) || !v4_unicast(pkt + 12) || !v4_unicast(pkt + 16) ||
	    !memcmp(pkt + 16, "\xff\xff\xff\xff", 4))
		return 0;
	if (t->proto == 1 && (t->iplen <= t->hdrlen || (icmp[0] != 0 && icmp[0] != 8 && icmp[0] < 13)))
		return 0;   /* an ICMP error (or unknown): never answered */
	if (cap < total)
		return 0;
	memset(out, 0, 28);
	out[0] = 0x45;
	out[1] = 0xc0;                    /* internetwork control, as the kernel's */
	put_be16(out + 2, (uint16_t)total);
	out[8] = 64;
	out[9] = 1;
	memcpy(out + 12, pkt + 16, 4);    /* from the packet's destination */
	memcpy(out + 16, pkt + 12, 4);
	put_be16(out + 10, csum_fold(csum_add(0, out, 20)));
	out[20] = 3;
	out[21] = 13;
	memcpy(out + 28, pkt, quote);
	put_be16(out + 22, csum_fold(csum_add(0, out + 20, 8 + quote)));
	return total;
}

static size_t reject6(const uint8_t *pkt, const struct dp_tuple *t, uint8_t *out, size_t cap)
{
	size_t quote = t->iplen < V6_MAX - 48 ? t->iplen : V6_MAX - 48, total = 48 + quote;
	static const uint8_t zero[16];
	uint8_t pseudo[8] = { 0 };
	uint32_t s;

	if (pkt[8] == 0xff || pkt[24] == 0xff || !memcmp(pkt + 8, zero, 16))
		return 0;   /* multicast or unspecified */
	if (t->proto == 58 && (pkt[6] != 58 || t->iplen < 41 || pkt[40] < 128))
		return 0;   /* an ICMPv6 error */
	if (cap < total)
		return 0;
	memset(out, 0, 48);
	out[0] = 0x60;
	put_be16(out + 4, (uint16_t)(8 + quote));
	out[6] = 58;
	out[7] = 64;
	memcpy(out + 8, pkt + 24, 16);
	memcpy(out + 24, pkt + 8, 16);
	out[40] = 1;
	out[41] = 1;
	memcpy(out + 48, pkt, quote);
	put_be32(pseudo, (uint32_t)(8 + quote));
	pseudo[7] = 58;
	s = csum_add(csum_add(csum_add(0, out + 8, 32), pseudo, 8), out + 40, 8 + quote);
	put_be16(out + 42, csum_fold(s));
	return total;
}

size_t dp_reject_build(const uint8_t *pkt, size_t len, uint8_t *out, size_t cap)
{
	struct dp_tuple t;

	memset(&t, 0, sizeof(t));
	if (!dp_tuple_parse(pkt, len, &t))
		return 0;
	return t.src.af == AF_INET ? reject4(pkt, &t, out, cap) : reject6(pkt, &t, out, cap);
}

bool dp_link_scoped(const struct ip_addr *a)
{
	const uint8_t *b = a->a;

	if (a->af == AF_INET6)
		return (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) || (b[0] == 0xff && (b[1] & 0x0f) <= 2);
	if (a->af == AF_INET)
		return (b[0] == 169 && b[1] == 254) || (b[0] == 224 && b[1] == 0 && b[2] == 0) ||
		       (b[0] == 255 && b[1] == 255 && b[2] == 255 && b[3] == 255);
	return false;
}
