/* Shunts in the userspace dataplane: dp_output()'s verdicts for shunt
 * policies among tunnel policies (the most specific wins, either way), and
 * the reject shunt's ICMP error (src/dataplane/shunt_pkt.c) byte by byte,
 * with the cases RFC 1122 / RFC 4443 forbid answering. */
#include "harness.h"

#include <string.h>

#include "alg/iana.h"
#include "dataplane/packet.h"
#include "dataplane/shunt_pkt.h"
#include "lib/buf.h"

/* An IPv4 ICMP echo request src -> dst (checksums not needed here). */
static size_t echo4(uint8_t *p, const char *src, const char *dst, size_t payload)
{
	struct ip_addr s, d;
	size_t len = 28 + payload;

	addr_parse(src, &s);
	addr_parse(dst, &d);
	memset(p, 0xab, len);
	memset(p, 0, 28);
	p[0] = 0x45;
	put_be16(p + 2, (uint16_t)len);
	p[8] = 63;
	p[9] = 1;
	memcpy(p + 12, s.a, 4);
	memcpy(p + 16, d.a, 4);
	p[20] = 8;
	return len;
}

static size_t echo6(uint8_t *p, const char *src, const char *dst)
{
	struct ip_addr s, d;

	addr_parse(src, &s);
	addr_parse(dst, &d);
	memset(p, 0, 48);
	p[0] = 0x60;
	put_be16(p + 4, 8);
	p[6] = 58;
	p[7] = 64;
	memcpy(p + 8, s.a, 16);
	memcpy(p + 24, d.a, 16);
	p[40] = 128;
	return 48;
}

static uint32_t sum16(const uint8_t *p, size_t len, uint32_t s)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		s += get_be16(p + i);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	return s;
}

static bool csum_ok(const uint8_t *p, size_t len, uint32_t s)
{
	s = sum16(p, len, s);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s == 0xffff;
}

static void add_policy(struct sadb *db, const char *src, const char *dst, enum dp_action act, uint32_t reqid)
{
	struct dp_policy pol = { 0 };
	bool hb;

	pol.dir = DP_DIR_OUT;
	pol.action = act;
	pol.reqid = reqid;
	subnet_parse(src, &pol.sel.src, &hb);
	subnet_parse(dst, &pol.sel.dst, &hb);
	CHECK_INT(sadb_add_policy(db, &pol), 0);
}

/* tunnel 203.0.113.0/24 (with an SA), passthrough .5, drop .6, reject .7,
 * and inside a drop shunt 192.0.2.128/25 a tunnel for .200 */
static void test_output_verdicts(void)
{
	static const struct {
		const char *dst;
		bool sent;
		enum dp_drop why;
	} cases[] = {
		{ "203.0.113.1", true, 0 },
		{ "203.0.113.5", false, DP_SHUNT_PASS },
		{ "203.0.113.6", false, DP_DROP_SHUNT },
		{ "203.0.113.7", false, DP_DROP_SHUNT_REJECT },
		{ "192.0.2.129", false, DP_DROP_SHUNT },
		{ "192.0.2.200", true, 0 },
	};
	struct sadb db;
	struct dp_sa sa = { 0 };
	uint8_t k[20], mem[DP_HEADROOM + 512], *pkt = mem + DP_HEADROOM, *esp;
	struct sa_entry *used;
	size_t esplen, len;

	sadb_init(&db);
	add_policy(&db, "198.51.100.0/24", "203.0.113.0/24", DP_ACT_IPSEC, 0x43598001);
	add_policy(&db, "198.51.100.0/24", "203.0.113.5/32", DP_ACT_PASS, 0x43598002);
	add_policy(&db, "198.51.100.0/24", "203.0.113.6/32", DP_ACT_DROP, 0x43598003);
	add_policy(&db, "198.51.100.0/24", "203.0.113.7/32", DP_ACT_REJECT, 0x43598004);
	add_policy(&db, "198.51.100.0/24", "192.0.2.128/25", DP_ACT_DROP, 0x43598005);
	add_policy(&db, "198.51.100.0/24", "192.0.2.200/32", DP_ACT_IPSEC, 0x43598001);
	memset(k, 0x5a, sizeof(k));
	sa.spi = 0x1234;
	sa.dir = DP_DIR_OUT;
	addr_parse("192.0.2.1", &sa.src);
	addr_parse("192.0.2.2", &sa.dst);
	sa.mode = DP_MODE_TUNNEL;
	sa.encr = IKEV2_ENCR_AES_GCM_16;
	sa.encr_keybits = 128;
	sa.encr_key = secret_dup(k, sizeof(k));
	sa.reqid = 0x43598001;
	CHECK_INT(sadb_add_sa(&db, &sa, 0, 0), 0);
	secret_free((struct secret *)sa.encr_key);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum dp_drop why = DP_DROP_SHORT;
		bool sent;

		len = echo4(pkt, "198.51.100.1", cases[i].dst, 8);
		sent = dp_output(&db, pkt, len, sizeof(mem) - DP_HEADROOM, 0, &used, &esp, &esplen, &why);
		if (sent != cases[i].sent || (!sent && why != cases[i].why))
			t_fail(__FILE__, __LINE__, "to %s: sent %d why %d, want sent %d why %d", cases[i].dst, sent,
			       (int)why, cases[i].sent, (int)cases[i].why);
	}
	CHECK_INT(db.drops[DP_DROP_SHUNT], 2);
	CHECK_INT(db.drops[DP_DROP_SHUNT_REJECT], 1);
	CHECK_INT(db.drops[DP_DROP_NO_POLICY], 0);
	sadb_free(&db);
}

static void test_reject_ipv4(void)
{
	uint8_t pkt[2000], out[1280];
	size_t len = echo4(pkt, "198.51.100.1", "203.0.113.7", 8), n;

	n = dp_reject_build(pkt, len, out, sizeof(out));
	CHECK_INT(n, 28 + len);
	CHECK_INT(out[0], 0x45);
	CHECK_INT(get_be16(out + 2), n);
	CHECK_INT(out[9], 1);
	CHECK_MEM(out + 12, pkt + 16, 4);          /* from the rejected destination */
	CHECK_MEM(out + 16, pkt + 12, 4);          /* to the sender */
	CHECK_INT(out[20], 3);                     /* destination unreachable */
	CHECK_INT(out[21], 13);                    /* communication administratively prohibited */
	CHECK_MEM(out + 28, pkt, len);             /* the offending packet quoted */
	CHECK(csum_ok(out, 20, 0));
	CHECK(csum_ok(out + 20, n - 20, 0));
	/* a big packet: the error stops at 576 bytes */
	len = echo4(pkt, "198.51.100.1", "203.0.113.7", 1400);
	CHECK_INT(dp_reject_build(pkt, len, out, sizeof(out)), 576);
	CHECK(csum_ok(out + 20, 556, 0));
	CHECK_INT(dp_reject_build(pkt, len, out, 500), 0);   /* no room */
}

static void test_reject_ipv6(void)
{
	uint8_t pkt[200], out[1280];
	size_t len = echo6(pkt, "2001:db8:1::1", "2001:db8:2::7"), n;
	uint8_t pseudo[40];

	n = dp_reject_build(pkt, len, out, sizeof(out));
	CHECK_INT(n, 48 + len);
	CHECK_INT(out[0] >> 4, 6);
	CHECK_INT(get_be16(out + 4), 8 + len);
	CHECK_INT(out[6], 58);
	CHECK_MEM(out + 8, pkt + 24, 16);
	CHECK_MEM(out + 24, pkt + 8, 16);
	CHECK_INT(out[40], 1);                     /* destination unreachable */
	CHECK_INT(out[41], 1);                     /* administratively prohibited */
	CHECK_MEM(out + 48, pkt, len);
	memcpy(pseudo, out + 8, 32);
	memset(pseudo + 32, 0, 8);
	put_be32(pseudo + 32, (uint32_t)(n - 40));
	pseudo[39] = 58;
	CHECK(csum_ok(out + 40, n - 40, sum16(pseudo, 40, 0)));
}

/* RFC 1122 3.2.2 / RFC 4443 2.4: no error about an error, a non-first
 * fragment, or from/to multicast, broadcast, unspecified */
static void test_reject_never(void)
{
	uint8_t pkt[200], out[1280];
	size_t len;

	len = echo4(pkt, "198.51.100.1", "203.0.113.7", 8);
	pkt[20] = 3;                               /* an ICMP unreachable */
	CHECK_INT(dp_reject_build(pkt, len, out, sizeof(out)), 0);
	pkt[20] = 0;                               /* echo reply: answered */
	CHECK(dp_reject_build(pkt, len, out, sizeof(out)) > 0);
	pkt[20] = 8;
	put_be16(pkt + 6, 0x0010);                 /* fragment offset 128 */
	CHECK_INT(dp_reject_build(pkt, len, out, sizeof(out)), 0);
	len = echo4(pkt, "198.51.100.1", "224.0.0.5", 8);
	CHECK_INT(dp_reject_build(pkt, len, out, sizeof(out)), 0);
	len = echo4(pkt, "198.51.100.1", "255.255.255.255", 8);
	CHECK_INT(dp_reject_build(pkt, len, out, sizeof(out)), 0);
	len = echo4(pkt, "0.0.0.0", "203.0.113.7", 8);
	CHECK_INT(dp_reject_build(pkt, len, out, sizeof(out)), 0);
	len = echo6(pkt, "2001:db8:1::1", "ff02::1");
	CHECK_INT(dp_reject_build(pkt, len, out, sizeof(out)), 0);
	len = echo6(pkt, "::", "2001:db8:2::7");
	CHECK_INT(dp_reject_build(pkt, len, out, sizeof(out)), 0);
	len = echo6(pkt, "2001:db8:1::1", "2001:db8:2::7");
	pkt[40] = 1;                               /* an ICMPv6 error */
	CHECK_INT(dp_reject_build(pkt, len, out, sizeof(out)), 0);
	CHECK_INT(dp_reject_build(pkt, 10, out, sizeof(out)), 0);   /* not a packet */
}

/* What the userspace dataplane never passes in clear out of its TUN (it
 * would come back in: a loop), nor answers with an ICMP error. */
static void test_link_scope(void)
{
	static const struct { const char *src, *dst; bool v6, link; } rows[] = {
		{ "198.51.100.1", "224.0.0.1", false, true },
		{ "198.51.100.1", "239.1.2.3", false, true },
		{ "198.51.100.1", "255.255.255.255", false, true },
		{ "198.51.100.1", "169.254.1.1", false, true },
		{ "198.51.100.1", "169.255.1.1", false, false },
		{ "198.51.100.1", "203.0.113.7", false, false },
		{ "198.51.100.1", "223.255.255.255", false, false },
		{ "fe80::1", "ff02::2", true, true },          /* a router solicitation */
		{ "2001:db8:1::1", "ff0e::1", true, true },
		{ "fe80::1", "2001:db8:2::7", true, true },
		{ "2001:db8:1::1", "fe80::7", true, true },
		{ "2001:db8:1::1", "febf::7", true, true },
		{ "2001:db8:1::1", "fec0::7", true, false },
		{ "2001:db8:1::1", "2001:db8:2::7", true, false },
	};
	uint8_t pkt[200], out[1280];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		size_t len = rows[i].v6 ? echo6(pkt, rows[i].src, rows[i].dst) : echo4(pkt, rows[i].src, rows[i].dst, 8);
		struct dp_tuple t;

		CHECK(dp_tuple_parse(pkt, len, &t));
		if (dp_tuple_link_scope(&t) != rows[i].link)
			t_fail(__FILE__, __LINE__, "%s -> %s: link scope %d", rows[i].src, rows[i].dst, !rows[i].link);
		if (rows[i].link)
			CHECK_INT(dp_reject_build(pkt, len, out, sizeof(out)), 0);
	}
}

int main(void)
{
	RUN(test_output_verdicts);
	RUN(test_link_scope);
	RUN(test_reject_ipv4);
	RUN(test_reject_ipv6);
	RUN(test_reject_never);
	return t_done();
}
