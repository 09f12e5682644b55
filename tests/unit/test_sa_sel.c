/* Negotiated traffic selectors as dataplane selectors (src/daemon/sa_sel.c)
 * and whether the engine agrees to a TS at all (ts_installable). */
#include <stdio.h>

#include "harness.h"
#include "ike_testlib.h"

#include "daemon/sa_sel.h"
#include "ike/sa.h"

static struct ike_ts ts(const char *start, const char *end, uint8_t proto, uint16_t sport, uint16_t eport)
{
	struct ike_ts t;

	memset(&t, 0, sizeof(t));
	addr_parse(start, &t.start);
	addr_parse(end, &t.end);
	t.type = t.start.af == AF_INET6 ? IKEV2_TS_IPV6_ADDR_RANGE : IKEV2_TS_IPV4_ADDR_RANGE;
	t.ipproto = proto;
	t.sport = sport;
	t.eport = eport;
	return t;
}

/* "SRC DST proto sport dport" of a selector, for one-line comparisons. */
static const char *fmt(const struct dp_selector *s)
{
	static char out[4][200];
	static int k;
	char a[SUBNET_STRLEN], b[SUBNET_STRLEN];
	char *o = out[k++ % 4];

	snprintf(o, 200, "%s %s %u %u %u", s->src.addr.af ? subnet_fmt(&s->src, a) : "-",
		 s->dst.addr.af ? subnet_fmt(&s->dst, b) : "-", s->proto, s->sport, s->dport);
	return o;
}

static void test_range_subnet(void)
{
	struct ip_subnet s;
	struct ip_addr a, b;
	char buf[SUBNET_STRLEN];

	addr_parse("10.1.0.0", &a);
	addr_parse("10.1.0.255", &b);
	CHECK(sa_sel_range_subnet(&a, &b, &s));
	CHECK_STR(subnet_fmt(&s, buf), "10.1.0.0/24");
	addr_parse("10.1.0.1", &a);                      /* not aligned: no prefix */
	CHECK(!sa_sel_range_subnet(&a, &b, &s));
	addr_parse("10.1.0.0", &a);
	addr_parse("10.1.0.254", &b);                    /* one short */
	CHECK(!sa_sel_range_subnet(&a, &b, &s));
	addr_parse("10.1.0.7", &a);
	CHECK(sa_sel_range_subnet(&a, &a, &s) && s.plen == 32);
	addr_parse("0.0.0.0", &a);
	addr_parse("255.255.255.255", &b);
	CHECK(sa_sel_range_subnet(&a, &b, &s) && s.plen == 0);
	addr_parse("2001:db8::", &a);
	addr_parse("2001:db8::ffff:ffff:ffff:ffff", &b);
	CHECK(sa_sel_range_subnet(&a, &b, &s));
	CHECK_STR(subnet_fmt(&s, buf), "2001:db8::/64");
	addr_parse("10.0.0.0", &b);
	CHECK(!sa_sel_range_subnet(&a, &b, &s));         /* families differ */
}

static void test_installable(void)
{
	struct ike_ts t = ts("10.1.0.0", "10.1.0.255", 6, 80, 80);

	CHECK(ts_installable(&t));
	t = ts("10.1.0.0", "10.1.0.255", 0, 0, 65535);
	CHECK(ts_installable(&t));
	t = ts("10.1.0.0", "10.1.0.255", 6, 1024, 2047);   /* a port range: no dataplane holds it */
	CHECK(!ts_installable(&t));
	t = ts("10.1.0.0", "10.1.0.255", 0, 80, 80);       /* a port without a protocol */
	CHECK(!ts_installable(&t));
	t = ts("10.1.0.1", "10.1.0.200", 6, 0, 65535);     /* no prefix */
	CHECK(!ts_installable(&t));
	t = ts("10.1.0.0", "10.1.0.255", 6, 0, 0);         /* port 0 only */
	CHECK(!ts_installable(&t));
}

/* Every pair of TSi x TSr, ports on the right side, protocols joined. */
static void test_pairs(void)
{
	struct ike_ts_payload l = { 0 }, r = { 0 };
	struct dp_selector sel[8];
	size_t bad = 9, n;

	l.ts[l.n++] = ts("198.51.100.0", "198.51.100.255", 6, 0, 65535);
	l.ts[l.n++] = ts("198.51.101.0", "198.51.101.127", 6, 0, 65535);
	r.ts[r.n++] = ts("203.0.113.0", "203.0.113.255", 6, 80, 80);
	r.ts[r.n++] = ts("2001:db8:2::", "2001:db8:2::ffff:ffff:ffff:ffff", 6, 80, 80);   /* no v6 on the left */
	r.ts[r.n++] = ts("203.0.114.0", "203.0.114.255", 6, 443, 443);
	n = sa_sel_pairs(&l, &r, sel, 8, &bad);
	CHECK_INT(n, 4);
	CHECK_INT(bad, 0);
	CHECK_STR(fmt(&sel[0]), "198.51.100.0/24 203.0.113.0/24 6 0 80");
	CHECK_STR(fmt(&sel[1]), "198.51.100.0/24 203.0.114.0/24 6 0 443");
	CHECK_STR(fmt(&sel[2]), "198.51.101.0/25 203.0.113.0/24 6 0 80");
	CHECK_STR(fmt(&sel[3]), "198.51.101.0/25 203.0.114.0/24 6 0 443");
	/* more pairs than room: counted, not written past max */
	CHECK_INT(sa_sel_pairs(&l, &r, sel, 2, NULL), 4);
	/* protocols that differ hold no packet: no pair */
	l.ts[0].ipproto = 17;
	n = sa_sel_pairs(&l, &r, sel, 8, &bad);
	CHECK_INT(n, 2);
	/* a TS that is no prefix is counted as bad, never widened */
	l.ts[1] = ts("198.51.101.1", "198.51.101.9", 6, 0, 65535);
	n = sa_sel_pairs(&l, &r, sel, 8, &bad);
	CHECK_INT(n, 0);
	CHECK_INT(bad, 2);
}

static void test_make(void)
{
	struct ip_subnet a, b, c;
	struct dp_selector s;

	subnet_parse("198.51.100.0/24", &a, NULL);
	subnet_parse("203.0.113.0/24", &b, NULL);
	subnet_parse("2001:db8::/64", &c, NULL);
	CHECK(sa_sel_make(&a, 0, 0, &b, 17, 53, &s));          /* the protocol of the side that names one */
	CHECK_STR(fmt(&s), "198.51.100.0/24 203.0.113.0/24 17 0 53");
	CHECK(!sa_sel_make(&a, 6, 0, &b, 17, 0, &s));          /* tcp vs udp */
	CHECK(!sa_sel_make(&a, 0, 0, &c, 0, 0, &s));           /* families */
	CHECK(!sa_sel_make(&a, 0, 80, &b, 0, 0, &s));          /* a port without a protocol */
	CHECK(sa_sel_make(&a, 0, 0, &b, 0, 0, &s));
	CHECK_STR(fmt(&s), "198.51.100.0/24 203.0.113.0/24 0 0 0");
}

static void test_cover_reverse(void)
{
	struct dp_selector s[3], cov, rev;
	struct ike_ts lt = ts("198.51.100.0", "198.51.100.255", 6, 0, 65535);
	struct ike_ts r1 = ts("203.0.113.0", "203.0.113.127", 6, 80, 80);
	struct ike_ts r2 = ts("203.0.113.128", "203.0.113.255", 6, 80, 80);
	struct ike_ts r3 = ts("203.0.112.0", "203.0.112.255", 6, 443, 443);

	CHECK(sa_sel_pair(&lt, &r1, &s[0]) && sa_sel_pair(&lt, &r2, &s[1]) && sa_sel_pair(&lt, &r3, &s[2]));
	sa_sel_cover(s, 2, &cov);
	CHECK_STR(fmt(&cov), "198.51.100.0/24 203.0.113.0/24 6 0 80");   /* ports kept where all agree */
	sa_sel_cover(s, 3, &cov);
	CHECK_STR(fmt(&cov), "198.51.100.0/24 203.0.112.0/23 6 0 0");
	sa_sel_reverse(&s[0], &rev);
	CHECK_STR(fmt(&rev), "203.0.113.0/25 198.51.100.0/24 6 80 0");
	sa_sel_cover(s, 0, &cov);
	CHECK_STR(fmt(&cov), "- - 0 0 0");
	lt = ts("2001:db8:1::", "2001:db8:1::ffff:ffff:ffff:ffff", 0, 0, 65535);
	r1 = ts("2001:db8:2::", "2001:db8:2::ffff:ffff:ffff:ffff", 0, 0, 65535);
	CHECK(sa_sel_pair(&lt, &r1, &s[1]));
	sa_sel_cover(s, 2, &cov);                                  /* families differ: any */
	CHECK_STR(fmt(&cov), "- - 0 0 0");
	/* protocols differ: no protocol and so no ports */
	s[1] = s[0];
	s[1].proto = 17;
	sa_sel_cover(s, 2, &cov);
	CHECK_STR(fmt(&cov), "198.51.100.0/24 203.0.113.0/25 0 0 0");
}

/* Two engines negotiate a conn with two subnets on each side and
 * tcp / tcp/80: the Child SA carries 2 x 2 TS, and both ends get the same
 * four pairs (mirrored), every one with its protocol and port. */
static void test_negotiated_pairs(void)
{
	struct tn_net n;
	struct dp_selector a[8], b[8], rev;
	size_t na, nb, bad = 0;
	bool hb;

	tn_init(&n);
	for (int i = 0; i < 2; i++) {
		struct ike_conn *c = &n.p[i].conn;
		struct ike_end *west = i ? &c->remote : &c->local, *east = i ? &c->local : &c->remote;

		subnet_parse("10.1.0.0/24", &west->subnets[0], &hb);
		subnet_parse("10.1.8.0/23", &west->subnets[1], &hb);
		subnet_parse("10.2.0.0/24", &east->subnets[0], &hb);
		subnet_parse("10.2.4.0/22", &east->subnets[1], &hb);
		west->n_subnets = east->n_subnets = 2;
		west->protocol = east->protocol = 6;
		east->port = 80;
	}
	tn_up(&n);
	CHECK_INT(n.p[0].status, IKE_RC_OK);
	CHECK(tn_children_agree(&n));
	CHECK_INT(n.p[0].child[0].ts_l.n, 2);
	CHECK_INT(n.p[0].child[0].ts_r.n, 2);
	na = sa_sel_pairs(&n.p[0].child[0].ts_l, &n.p[0].child[0].ts_r, a, 8, &bad);
	CHECK_INT(bad, 0);
	nb = sa_sel_pairs(&n.p[1].child[0].ts_l, &n.p[1].child[0].ts_r, b, 8, &bad);
	CHECK_INT(na, 4);
	CHECK_INT(nb, 4);
	CHECK_STR(fmt(&a[0]), "10.1.0.0/24 10.2.0.0/24 6 0 80");
	CHECK_STR(fmt(&a[3]), "10.1.8.0/23 10.2.4.0/22 6 0 80");
	for (size_t i = 0; i < na && i < nb; i++) {   /* east's pairs are west's seen from the other end */
		bool found = false;

		for (size_t j = 0; j < nb; j++) {
			sa_sel_reverse(&b[j], &rev);
			found |= !strcmp(fmt(&a[i]), fmt(&rev));
		}
		if (!found)
			t_fail(__FILE__, __LINE__, "west's pair %s has no twin on east", fmt(&a[i]));
	}
	tn_free(&n);
}

/* At most IKE_TS_MAX_PAIRS pairs that hold packets: 4 x 4 fits, 5 x 4
 * does not; pairs of different families or protocols do not count. */
static void test_pairs_fit(void)
{
	struct ike_ts_payload a = { 0 }, b = { 0 };
	char s[32];

	CHECK(!ts_pairs_fit(&a, &b));
	for (int i = 0; i < 5; i++) {
		snprintf(s, sizeof(s), "10.1.%d.0", i);
		a.ts[a.n] = ts(s, s, 0, 0, 65535);
		snprintf(s, sizeof(s), "2001:db8:%d::", i);
		b.ts[b.n++] = ts(s, s, 0, 0, 65535);      /* IPv6: no pair with IPv4 */
		a.n++;
	}
	CHECK(!ts_pairs_fit(&a, &b));
	b.n = 0;
	for (int i = 0; i < 4; i++) {
		snprintf(s, sizeof(s), "10.2.%d.0", i);
		b.ts[b.n++] = ts(s, s, 0, 0, 65535);
	}
	CHECK(!ts_pairs_fit(&a, &b));                    /* 20 pairs */
	a.ts[4].ipproto = 6;
	for (unsigned i = 0; i < b.n; i++)
		b.ts[i].ipproto = 17;                        /* then only udp pairs: a[0..3] (any) x b */
	CHECK(ts_pairs_fit(&a, &b));                     /* 16 */
	a.n = 4;
	b.ts[0].ipproto = 0;
	CHECK(ts_pairs_fit(&a, &b));
	b.ts[b.n++] = ts("10.3.0.0", "10.3.0.0", 0, 0, 65535);
	CHECK(!ts_pairs_fit(&a, &b));                    /* 4 x 5 */
}

/* A conn with 5 x 4 subnets: 20 pairs, more than a Child SA may have; the
 * responder refuses it (TS_UNACCEPTABLE) instead of installing part. */
static void test_too_many_pairs(void)
{
	struct tn_net n;
	char s[32];
	bool hb;

	tn_init(&n);
	for (int i = 0; i < 2; i++) {
		struct ike_conn *c = &n.p[i].conn;
		struct ike_end *west = i ? &c->remote : &c->local, *east = i ? &c->local : &c->remote;

		for (int k = 0; k < 5; k++) {
			snprintf(s, sizeof(s), "10.1.%d.0/24", k);
			subnet_parse(s, &west->subnets[k], &hb);
			snprintf(s, sizeof(s), "10.2.%d.0/24", k);
			subnet_parse(s, &east->subnets[k], &hb);
		}
		west->n_subnets = 5;
		east->n_subnets = 4;
	}
	tn_up(&n);
	CHECK_INT(n.p[0].status, IKE_RC_FAILED);
	CHECK(strstr(n.p[0].reason, "TS_UNACCEPTABLE") != NULL);
	CHECK_INT(n.p[1].n_child_installed, 0);
	tn_free(&n);
}

/* A conn's own pairs (traps, shunts): every local x remote subnet with
 * the ends' protocol and ports; pairs of other families are left out;
 * more than max are counted but not written. */
static void test_conn_pairs(void)
{
	struct ip_subnet l[2], r[2];
	struct dp_selector out[4];
	char a[SUBNET_STRLEN];

	subnet_parse("198.51.100.0/24", &l[0], NULL);
	subnet_parse("2001:db8:1::/64", &l[1], NULL);
	subnet_parse("203.0.113.8/32", &r[0], NULL);
	subnet_parse("203.0.113.64/26", &r[1], NULL);
	CHECK_INT(sa_sel_conn_pairs(l, 2, 0, 0, r, 2, 17, 5001, out, 4), 2);
	CHECK_STR(subnet_fmt(&out[0].dst, a), "203.0.113.8/32");
	CHECK_INT(out[0].proto, 17);
	CHECK_INT(out[0].sport, 0);
	CHECK_INT(out[0].dport, 5001);
	CHECK_STR(subnet_fmt(&out[1].dst, a), "203.0.113.64/26");
	CHECK_INT(sa_sel_conn_pairs(l, 1, 6, 0, r, 2, 17, 0, out, 4), 0);   /* tcp x udp: nothing fits */
	memset(out, 0, sizeof(out));
	CHECK_INT(sa_sel_conn_pairs(l, 1, 0, 0, r, 2, 0, 0, out, 1), 2);
	CHECK_STR(subnet_fmt(&out[0].dst, a), "203.0.113.8/32");
	CHECK_INT(out[1].dst.addr.af, 0);                                   /* past max: untouched */
}

int main(void)
{
	RUN(test_range_subnet);
	RUN(test_conn_pairs);
	RUN(test_installable);
	RUN(test_pairs);
	RUN(test_make);
	RUN(test_cover_reverse);
	RUN(test_negotiated_pairs);
	RUN(test_pairs_fit);
	RUN(test_too_many_pairs);
	return t_done();
}
