#include "dataplane/inner.h"

#include <string.h>

#include "lib/buf.h"

static bool has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP ||
	       proto == IPPROTO_UDPLITE;
}

static void read_ports(const uint8_t *p, size_t len, size_t off, struct dp_tuple *t)
{
	if (has_ports(t->proto) && off + 4 <= len) {
		t->sport = get_be16(p + off);
		t->dport = get_be16(p + off + 2);
	} else if ((t->proto == IPPROTO_ICMP || t->proto == IPPROTO_ICMPV6) && off + 2 <= len) {
		t->sport = p[off];                /* as XFRM: ICMP type in sport, code in dport */
		t->dport = p[off + 1];
	}
}

static bool parse4(const uint8_t *p, size_t len, struct dp_tuple *t)
{
	size_t ihl;

	if (len < 20)
		return false;
	ihl = (size_t)(p[0] & 0x0f) * 4;
	t->iplen = get_be16(p + 2);
	if (ihl < 20 || t->iplen < ihl || t->iplen > len)
		return false;
	t->hdrlen = ihl;
	t->proto = p[9];
	addr_from_bytes(AF_INET, p + 12, &t->src);
	addr_from_bytes(AF_INET, p + 16, &t->dst);
	if ((get_be16(p + 6) & 0x1fff) == 0)     /* first (or only) fragment */
		read_ports(p, t->iplen, ihl, t);
	else
		t->later_frag = true;
	return true;
}

static bool parse6(const uint8_t *p, size_t len, struct dp_tuple *t)
{
	size_t off = 40;
	uint8_t nh;

	if (len < 40)
		return false;
	t->iplen = 40 + (size_t)get_be16(p + 4);
	if (t->iplen > len)
		return false;
	t->hdrlen = 40;
	addr_from_bytes(AF_INET6, p + 8, &t->src);
	addr_from_bytes(AF_INET6, p + 24, &t->dst);
	nh = p[6];
	/* skip a bounded number of extension headers */
	for (int i = 0; i < 8; i++) {
		if (nh == 0 || nh == 43 || nh == 60) {
			if (off + 8 > t->iplen)
				return false;
			nh = p[off];
			off += ((size_t)p[off + 1] + 1) * 8;
		} else if (nh == 44) {           /* fragment header */
			if (off + 8 > t->iplen)
				return false;
			bool first = (get_be16(p + off + 2) & 0xfff8) == 0;
			nh = p[off];
			off += 8;
			if (!first) {
				t->later_frag = true;
				t->proto = nh;
				return true;
			}
		} else
			break;
	}
	t->proto = nh;
	read_ports(p, t->iplen, off, t);
	return true;
}

bool dp_tuple_parse(const uint8_t *p, size_t len, struct dp_tuple *t)
{
	memset(t, 0, sizeof(*t));
	if (len < 1)
		return false;
	switch (p[0] >> 4) {
	case 4:
		return parse4(p, len, t);
	case 6:
		return parse6(p, len, t);
	default:
		return false;
	}
}

bool dp_selector_match(const struct dp_selector *s, const struct dp_tuple *t)
{
	if (!subnet_contains(&s->src, &t->src) || !subnet_contains(&s->dst, &t->dst))
		return false;
	if (s->proto && s->proto != t->proto)
		return false;
	if (s->sport && s->sport != t->sport)
		return false;
	if (s->dport && s->dport != t->dport)
		return false;
	return true;
}

bool dp_tuple_link_scope(const struct dp_tuple *t)
{
	if (t->dst.af == AF_INET)
		return (t->dst.a[0] & 0xf0) == 0xe0 ||             /* 224.0.0.0/4 */
		       (t->dst.a[0] == 169 && t->dst.a[1] == 254) ||   /* 169.254.0.0/16 */
		       (t->dst.a[0] == 255 && t->dst.a[1] == 255 && t->dst.a[2] == 255 && t->dst.a[3] == 255);
	return t->dst.a[0] == 0xff ||                                /* ff00::/8 */
	       (t->dst.a[0] == 0xfe && (t->dst.a[1] & 0xc0) == 0x80) ||   /* fe80::/10 */
	       (t->src.a[0] == 0xfe && (t->src.a[1] & 0xc0) == 0x80);
}
