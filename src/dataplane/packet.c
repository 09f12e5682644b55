#include "dataplane/packet.h"

#include <string.h>
#include <time.h>

#include "dataplane/esp.h"
#include "dataplane/shunt_pkt.h"
#include "lib/buf.h"

static bool drop(struct sadb *db, struct sa_entry *sa, enum dp_drop reason, enum dp_drop *why)
{
	sadb_drop(db, sa, reason);
	*why = reason;
	return false;
}

static uint16_t csum_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static uint16_t ipv4_csum(const uint8_t *h, size_t len)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		s += get_be16(h + i);
	return csum_fold(s);
}

/* Transport mode: rebuild an IP header in front of the decrypted payload
 * from the outer addresses (RFC 4303 §3.1.1); the L4 checksum stays valid
 * because the outer addresses are the ones it was computed with (NAT-T
 * address changes are not corrected here). */
static uint8_t *rebuild_ip(uint8_t *payload, size_t len, uint8_t proto, const struct ip_addr *src,
			   const struct ip_addr *dst, size_t *total)
{
	uint8_t *h;

	if (src->af == AF_INET) {
		if (len + 20 > 0xffff)
			return NULL;
		h = payload - 20;
		memset(h, 0, 20);
		h[0] = 0x45;
		put_be16(h + 2, (uint16_t)(len + 20));
		h[8] = 64;
		h[9] = proto;
		memcpy(h + 12, src->a, 4);
		memcpy(h + 16, dst->a, 4);
		put_be16(h + 10, ipv4_csum(h, 20));
		*total = len + 20;
		return h;
	}
	if (len > 0xffff)
		return NULL;
	h = payload - 40;
	memset(h, 0, 40);
	h[0] = 0x60;
	put_be16(h + 4, (uint16_t)len);
	h[6] = proto;
	h[7] = 64;
	memcpy(h + 8, src->a, 16);
	memcpy(h + 24, dst->a, 16);
	*total = len + 40;
	return h;
}

bool dp_input(struct sadb *db, uint8_t *pkt, size_t len, const struct ip_addr *osrc,
	      const struct ip_addr *odst, uint64_t now_real, uint8_t **inner, size_t *inner_len,
	      enum dp_drop *why)
{
	uint32_t spi, seq_lo;
	struct sa_entry *sa;
	struct esp_decap_out d;
	struct dp_tuple t;
	uint8_t *ip;
	size_t iplen;

	if (!esp_peek(pkt, len, &spi, &seq_lo))
		return drop(db, NULL, DP_DROP_SHORT, why);
	if (!(sa = sadb_find_in(db, spi)))
		return drop(db, NULL, DP_DROP_BAD_SPI, why);
	if (__atomic_load_n(&sa->hard_sent, __ATOMIC_RELAXED))   /* set by the other packet thread too */
		return drop(db, sa, DP_DROP_HARD_EXPIRED, why);
	if (!esp_decap(sa->c, &sa->rp, sa->cfg.esn, pkt, len, &d, why))
		return drop(db, sa, *why, why);
	if (d.next_header == ESP_NH_NONE)          /* dummy packet: authenticated, nothing inside */
		return drop(db, sa, DP_DROP_BAD_NEXT_HDR, why);
	ip = pkt + d.off;
	if (sa->cfg.mode == DP_MODE_TUNNEL) {
		if (d.next_header != ESP_NH_IPV4 && d.next_header != ESP_NH_IPV6)
			return drop(db, sa, DP_DROP_BAD_NEXT_HDR, why);
		if (!dp_tuple_parse(ip, d.len, &t) ||
		    (d.next_header == ESP_NH_IPV4) != (t.src.af == AF_INET))
			return drop(db, sa, DP_DROP_BAD_INNER, why);
		iplen = t.iplen;                     /* trims TFC padding */
	} else {
		if (d.next_header == ESP_NH_IPV4 || d.next_header == ESP_NH_IPV6 ||
		    !osrc || !odst || osrc->af != odst->af || !osrc->af)
			return drop(db, sa, DP_DROP_BAD_NEXT_HDR, why);
		if (!(ip = rebuild_ip(ip, d.len, d.next_header, osrc, odst, &iplen)) ||
		    !dp_tuple_parse(ip, iplen, &t))
			return drop(db, sa, DP_DROP_BAD_INNER, why);
	}
	if (!sadb_inbound_ok(db, sa, &t)) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		sadb_drop_report(db, sa, DP_DROP_SELECTOR, &t, (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
		*why = DP_DROP_SELECTOR;
		return false;
	}
	sadb_account(db, sa, iplen, now_real);
	*inner = ip;
	*inner_len = iplen;
	return true;
}

bool dp_output(struct sadb *db, uint8_t *pkt, size_t len, size_t cap, uint64_t now_real,
	       struct sa_entry **sap, uint8_t **esp, size_t *esp_len, enum dp_drop *why)
{
	struct dp_tuple t;
	struct pol_entry *pol;
	struct sa_entry *sa;
	uint8_t *payload, *start, nh;
	size_t plen, hlen, tfc = 0;
	uint64_t limit;

	if (!dp_tuple_parse(pkt, len, &t))
		return drop(db, NULL, DP_DROP_NOT_IP, why);
	if (!(pol = sadb_lookup_policy(db, &t))) {
		/* a later fragment has no ports: when a port-specific IPsec policy
		 * may cover its datagram it must not leave in clear (XFRM looks
		 * local traffic up before fragmenting it) */
		for (const struct pol_entry *p = t.later_frag ? db->pols : NULL; p; p = p->next) {
			const struct dp_selector *s = &p->pol.sel;

			if (p->pol.dir == DP_DIR_OUT && p->pol.action == DP_ACT_IPSEC && (s->sport || s->dport) &&
			    (!s->proto || s->proto == t.proto) && subnet_contains(&s->src, &t.src) &&
			    subnet_contains(&s->dst, &t.dst))
				return drop(db, NULL, DP_DROP_BAD_INNER, why);
		}
		*why = DP_DROP_NO_POLICY;    /* not counted: the caller passes it in clear */
		return false;
	}
	if (pol->pol.action == DP_ACT_PASS) {
		*why = DP_SHUNT_PASS;            /* the caller sends it in clear */
		return false;
	}
	if (pol->pol.action != DP_ACT_IPSEC)   /* the caller answers a reject */
		return drop(db, NULL, pol->pol.action == DP_ACT_REJECT ? DP_DROP_SHUNT_REJECT : DP_DROP_SHUNT, why);
	if (!(sa = pol->sa))
		return drop(db, NULL, DP_DROP_AWAITING_SA, why);   /* a trap: the caller reports it */
	if (__atomic_load_n(&sa->hard_sent, __ATOMIC_RELAXED))   /* set by the other packet thread too */
		return drop(db, sa, DP_DROP_HARD_EXPIRED, why);
	limit = sa->cfg.esn ? UINT64_MAX : UINT32_MAX;
	if (sa->seq_out >= limit)
		return drop(db, sa, DP_DROP_SEQ_OVERFLOW, why);
	hlen = esp_header_len(sa->c);
	if (sa->cfg.mode == DP_MODE_TUNNEL) {
		payload = pkt;
		plen = t.iplen;
		nh = t.src.af == AF_INET ? ESP_NH_IPV4 : ESP_NH_IPV6;
		tfc = sa->cfg.tfc_pad;
	} else {
		if (t.hdrlen != (t.src.af == AF_INET ? 20u : 40u) || (t.src.af == AF_INET6 && pkt[6] != t.proto))
			return drop(db, sa, DP_DROP_BAD_INNER, why);   /* options/extension headers */
		payload = pkt + t.hdrlen;
		plen = t.iplen - t.hdrlen;
		nh = t.proto;
	}
	start = payload - hlen;
	if (!esp_encap(sa->c, sa->cfg.spi, sa->seq_out + 1, sa->cfg.esn, nh, NULL, start, plen,
		       cap - (size_t)(payload - pkt) + hlen, tfc, esp_len, why))
		return drop(db, sa, *why, why);
	sa->seq_out++;
	sadb_account(db, sa, t.iplen, now_real);
	*sap = sa;
	*esp = start;
	return true;
}
