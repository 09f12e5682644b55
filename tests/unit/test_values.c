/* Typed ipsec.conf values (src/config/values.c, values_net.c).
 * One table per type; every row is a valid or an invalid form with the
 * expected result.  Rows marked "L" were checked against Libreswan 4.10's
 * readwriteconf on this machine. */
#include "harness.h"

#include <stdio.h>
#include <string.h>

#include "config/values.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define ROWFAIL(r, fmt, ...) t_fail(__FILE__, (r)->line, "'%s': " fmt, (r)->in, __VA_ARGS__)

static void test_bool(void)
{
	static const struct { int line; const char *in; int want; } rows[] = {
		{ __LINE__, "yes", 1 }, { __LINE__, "no", 0 }, { __LINE__, "y", 1 }, { __LINE__, "n", 0 },
		{ __LINE__, "true", 1 }, { __LINE__, "false", 0 }, { __LINE__, "on", 1 },
		{ __LINE__, "off", 0 }, { __LINE__, "YES", 1 }, { __LINE__, "No", 0 },
		{ __LINE__, "1", -1 }, { __LINE__, "0", -1 }, { __LINE__, "", -1 },
		{ __LINE__, "yess", -1 }, { __LINE__, " yes", -1 }, { __LINE__, "t", -1 },
	};
	for (size_t i = 0; i < N(rows); i++) {
		bool v = false;
		const char *why = NULL;
		bool ok = val_bool(rows[i].in, &v, &why);
		if (ok != (rows[i].want >= 0) || (ok && v != (rows[i].want == 1)) || (!ok && !why))
			ROWFAIL(&rows[i], "ok=%d v=%d", ok, v);
	}
}

static void test_enum(void)
{
	static const struct { int line; const struct val_name *names; const char *in; int want; } rows[] = {
		{ __LINE__, val_auto_names, "route", VAL_AUTO_ONDEMAND },   /* L: stored as ondemand */
		{ __LINE__, val_auto_names, "ondemand", VAL_AUTO_ONDEMAND },
		{ __LINE__, val_auto_names, "add", VAL_AUTO_ADD },
		{ __LINE__, val_auto_names, "start", VAL_AUTO_START },
		{ __LINE__, val_auto_names, "ignore", VAL_AUTO_IGNORE },
		{ __LINE__, val_auto_names, "keep", VAL_AUTO_KEEP },
		{ __LINE__, val_auto_names, "manual", -1 },
		{ __LINE__, val_auto_names, "", -1 },
		{ __LINE__, val_ikev2_names, "propose", VAL_IKEV2_YES },
		{ __LINE__, val_ikev2_names, "insist", VAL_IKEV2_YES },
		{ __LINE__, val_ikev2_names, "permit", VAL_IKEV2_NO },
		{ __LINE__, val_ikev2_names, "yes", VAL_IKEV2_YES },
		{ __LINE__, val_ikev2_names, "no", VAL_IKEV2_NO },
		{ __LINE__, val_ikev2_names, "maybe", -1 },
		{ __LINE__, val_type_names, "tunnel", VAL_TYPE_TUNNEL },
		{ __LINE__, val_type_names, "transport", VAL_TYPE_TRANSPORT },
		{ __LINE__, val_type_names, "passthrough", VAL_TYPE_PASSTHROUGH },
		{ __LINE__, val_type_names, "pass", VAL_TYPE_PASSTHROUGH },
		{ __LINE__, val_type_names, "drop", VAL_TYPE_DROP },
		{ __LINE__, val_type_names, "reject", VAL_TYPE_REJECT },
		{ __LINE__, val_type_names, "beet", -1 },
	};
	for (size_t i = 0; i < N(rows); i++) {
		int v = -7;
		const char *why = NULL;
		bool ok = val_enum(rows[i].in, rows[i].names, &v, &why);
		if (ok != (rows[i].want >= 0) || (ok && v != rows[i].want) || (!ok && !why))
			ROWFAIL(&rows[i], "ok=%d v=%d", ok, v);
	}
	CHECK_STR(val_enum_name(val_auto_names, VAL_AUTO_ONDEMAND), "ondemand");
	CHECK(val_enum_name(val_auto_names, 99) == NULL);
}

struct u64row {
	int line;
	const char *in;
	bool ok;
	uint64_t want;
};

static void test_duration(void)
{
	static const struct u64row rows[] = {
		{ __LINE__, "10", true, 10000 },          /* L: bare = seconds */
		{ __LINE__, "10s", true, 10000 },
		{ __LINE__, "10m", true, 600000 },        /* L */
		{ __LINE__, "1h", true, 3600000 },
		{ __LINE__, "1H", true, 3600000 },        /* L */
		{ __LINE__, "1S", true, 1000 },           /* L */
		{ __LINE__, "1d", true, 86400000 },       /* L */
		{ __LINE__, "2w", true, 1209600000 },     /* L */
		{ __LINE__, "500ms", true, 500 },         /* L */
		{ __LINE__, "0", true, 0 },
		{ __LINE__, "1.5h", false, 0 },           /* L: rejected */
		{ __LINE__, "10 m", false, 0 },
		{ __LINE__, "-1", false, 0 },
		{ __LINE__, "1y", false, 0 },
		{ __LINE__, "h", false, 0 },
		{ __LINE__, "", false, 0 },
		{ __LINE__, "0x10", false, 0 },
		{ __LINE__, "99999999999999999999", false, 0 },
		{ __LINE__, "999999999999999w", false, 0 },
	};
	for (size_t i = 0; i < N(rows); i++) {
		uint64_t v = 0;
		const char *why = NULL;
		bool ok = val_duration(rows[i].in, &v, &why);
		if (ok != rows[i].ok || (ok && v != rows[i].want) || (!ok && !why))
			ROWFAIL(&rows[i], "ok=%d v=%llu", ok, (unsigned long long)v);
	}
}

static void test_duration_ms(void)
{
	static const struct u64row rows[] = {
		{ __LINE__, "500", true, 500 },           /* L: retransmit-interval in ms */
		{ __LINE__, "2s", true, 2000 },           /* L */
		{ __LINE__, "500ms", true, 500 },         /* L */
		{ __LINE__, "1m", true, 60000 },
		{ __LINE__, "x", false, 0 },
		{ __LINE__, "", false, 0 },
	};
	for (size_t i = 0; i < N(rows); i++) {
		uint64_t v = 0;
		bool ok = val_duration_ms(rows[i].in, &v, NULL);
		if (ok != rows[i].ok || (ok && v != rows[i].want))
			ROWFAIL(&rows[i], "ok=%d v=%llu", ok, (unsigned long long)v);
	}
}

static void test_lifetime(void)
{
	static const struct { int line; const char *in; bool ok; uint64_t want; bool clamped; } rows[] = {
		{ __LINE__, "8h", true, 28800000, false },
		{ __LINE__, "24h", true, 86400000, false },
		{ __LINE__, "1d", true, 86400000, false },
		{ __LINE__, "25h", true, 86400000, true },   /* clamped to 24h, as pluto does */
		{ __LINE__, "2w", true, 86400000, true },
		{ __LINE__, "bad", false, 0, false },
	};
	for (size_t i = 0; i < N(rows); i++) {
		uint64_t v = 0;
		bool c = false;
		bool ok = val_lifetime(rows[i].in, VAL_LIFETIME_MAX_MS, &v, &c, NULL);
		if (ok != rows[i].ok || (ok && (v != rows[i].want || c != rows[i].clamped)))
			ROWFAIL(&rows[i], "ok=%d v=%llu c=%d", ok, (unsigned long long)v, c);
	}
}

static void test_percent(void)
{
	static const struct { int line; const char *in; bool ok; unsigned want; } rows[] = {
		{ __LINE__, "100%", true, 100 }, { __LINE__, "0%", true, 0 },
		{ __LINE__, "200%", true, 200 },  /* may exceed 100 (man page) */
		{ __LINE__, "50", false, 0 },     /* L: '%' required (syntax error there) */
		{ __LINE__, "%", false, 0 }, { __LINE__, "50%%", false, 0 },
		{ __LINE__, "-5%", false, 0 }, { __LINE__, "1001%", false, 0 },
		{ __LINE__, "", false, 0 },
	};
	for (size_t i = 0; i < N(rows); i++) {
		unsigned v = 0;
		bool ok = val_percent(rows[i].in, 1000, &v, NULL);
		if (ok != rows[i].ok || (ok && v != rows[i].want))
			ROWFAIL(&rows[i], "ok=%d v=%u", ok, v);
	}
}

static void test_bytes(void)
{
	static const struct u64row rows[] = {
		{ __LINE__, "1000", true, 1000 },
		{ __LINE__, "1KiB", true, 1024 },                 /* L */
		{ __LINE__, "1kib", true, 1024 },                 /* L */
		{ __LINE__, "2GiB", true, 2147483648ULL },        /* L */
		{ __LINE__, "1TiB", true, 1099511627776ULL },     /* L */
		{ __LINE__, "1PiB", true, 1125899906842624ULL },  /* L */
		{ __LINE__, "1EiB", true, 1152921504606846976ULL },
		{ __LINE__, "15EiB", true, 15ULL << 60 },
		{ __LINE__, "16EiB", false, 0 },
		{ __LINE__, "1k", false, 0 },                     /* L: rejected */
		{ __LINE__, "1M", false, 0 },                     /* L */
		{ __LINE__, "1MB", false, 0 },                    /* L */
		{ __LINE__, "1 KiB", false, 0 },
		{ __LINE__, "KiB", false, 0 },
		{ __LINE__, "", false, 0 },
		{ __LINE__, "18446744073709551615", true, UINT64_MAX },
		{ __LINE__, "18446744073709551616", false, 0 },
	};
	for (size_t i = 0; i < N(rows); i++) {
		uint64_t v = 0;
		const char *why = NULL;
		bool ok = val_bytes(rows[i].in, &v, &why);
		if (ok != rows[i].ok || (ok && v != rows[i].want) || (!ok && !why))
			ROWFAIL(&rows[i], "ok=%d v=%llu", ok, (unsigned long long)v);
	}
}

static void test_numbers(void)
{
	static const struct { int line; const char *in; uint64_t min, max; bool ok; uint64_t want; } rows[] = {
		{ __LINE__, "5", 0, 10, true, 5 }, { __LINE__, "0x10", 0, 100, true, 16 },
		{ __LINE__, "11", 0, 10, false, 0 }, { __LINE__, "0", 1, 10, false, 0 },
		{ __LINE__, "-1", 0, 10, false, 0 }, { __LINE__, "abc", 0, 10, false, 0 },
		{ __LINE__, "", 0, 10, false, 0 }, { __LINE__, "0x", 0, 10, false, 0 },
		{ __LINE__, "16379", 1, 16379, true, 16379 }, { __LINE__, "5x", 0, 10, false, 0 },
	};
	for (size_t i = 0; i < N(rows); i++) {
		uint64_t v = 0;
		bool ok = val_number(rows[i].in, rows[i].min, rows[i].max, &v, NULL);
		if (ok != rows[i].ok || (ok && v != rows[i].want))
			ROWFAIL(&rows[i], "ok=%d v=%llu", ok, (unsigned long long)v);
	}
	static const struct { int line; const char *in; bool ok; int64_t want; } srows[] = {
		{ __LINE__, "-1", true, -1 }, { __LINE__, "7", true, 7 }, { __LINE__, "-2", false, 0 },
		{ __LINE__, "--1", false, 0 }, { __LINE__, "-", false, 0 }, { __LINE__, "1001", false, 0 },
	};
	for (size_t i = 0; i < N(srows); i++) {
		int64_t v = 0;
		bool ok = val_signed(srows[i].in, -1, 1000, &v, NULL);
		if (ok != srows[i].ok || (ok && v != srows[i].want))
			ROWFAIL(&srows[i], "ok=%d v=%lld", ok, (long long)v);
	}
	static const struct { int line; const char *in; bool ok; uint32_t want; } krows[] = {
		{ __LINE__, "%forever", true, 0 },  /* L: keyingtries=0 */
		{ __LINE__, "0", true, 0 }, { __LINE__, "3", true, 3 },
		{ __LINE__, "forever", false, 0 }, { __LINE__, "-1", false, 0 },
	};
	for (size_t i = 0; i < N(krows); i++) {
		uint32_t v = 9;
		bool ok = val_keyingtries(krows[i].in, &v, NULL);
		if (ok != krows[i].ok || (ok && v != krows[i].want))
			ROWFAIL(&krows[i], "ok=%d v=%u", ok, v);
	}
	static const struct { int line; const char *in; bool ok; uint16_t want; } prows[] = {
		{ __LINE__, "4500", true, 4500 }, { __LINE__, "65535", true, 65535 },
		{ __LINE__, "0", false, 0 }, { __LINE__, "65536", false, 0 }, { __LINE__, "http", false, 0 },
		{ __LINE__, "", false, 0 },
	};
	for (size_t i = 0; i < N(prows); i++) {
		uint16_t v = 0;
		bool ok = val_port(prows[i].in, &v, NULL);
		if (ok != prows[i].ok || (ok && v != prows[i].want))
			ROWFAIL(&prows[i], "ok=%d v=%u", ok, v);
	}
}

static void test_host(void)
{
	static const struct {
		int line;
		const char *in;
		bool ok;
		enum val_host_kind kind;
		const char *text;   /* formatted address or kept name */
	} rows[] = {
		{ __LINE__, "192.0.2.1", true, VAL_HOST_ADDR, "192.0.2.1" },
		{ __LINE__, "2001:db8::1", true, VAL_HOST_ADDR, "2001:db8::1" },
		{ __LINE__, "%defaultroute", true, VAL_HOST_DEFAULTROUTE, NULL },
		{ __LINE__, "%any", true, VAL_HOST_ANY, NULL },
		{ __LINE__, "%any6", true, VAL_HOST_ANY6, NULL },
		{ __LINE__, "%opportunistic", true, VAL_HOST_OPPORTUNISTIC, NULL },
		{ __LINE__, "%group", true, VAL_HOST_GROUP, NULL },
		{ __LINE__, "%opportunisticgroup", true, VAL_HOST_OPPOGROUP, NULL },
		{ __LINE__, "%direct", true, VAL_HOST_DIRECT, NULL },
		{ __LINE__, "%eth0", true, VAL_HOST_IFACE, "eth0" },     /* L: accepted */
		{ __LINE__, "east.example", true, VAL_HOST_NAME, "east.example" },
		{ __LINE__, "vpn-1.example.org", true, VAL_HOST_NAME, "vpn-1.example.org" },
		{ __LINE__, "300.1.1.1", false, 0, NULL },
		{ __LINE__, "192.0.2", false, 0, NULL },
		{ __LINE__, "2001:db8::zz", false, 0, NULL },
		{ __LINE__, "bad name", false, 0, NULL },
		{ __LINE__, "a..b", false, 0, NULL },
		{ __LINE__, "", false, 0, NULL },
		{ __LINE__, "%", false, 0, NULL },
		{ __LINE__, "%averyveryverylongifname", false, 0, NULL },
	};
	for (size_t i = 0; i < N(rows); i++) {
		struct val_host h;
		const char *why = NULL;
		char buf[ADDR_STRLEN];
		bool ok = val_host(rows[i].in, &h, &why);
		if (ok != rows[i].ok || (!ok && !why)) {
			ROWFAIL(&rows[i], "ok=%d", ok);
			continue;
		}
		if (!ok)
			continue;
		if (h.kind != rows[i].kind)
			ROWFAIL(&rows[i], "kind=%d", (int)h.kind);
		if (h.kind == VAL_HOST_ADDR && strcmp(addr_fmt(&h.addr, buf), rows[i].text) != 0)
			ROWFAIL(&rows[i], "addr=%s", buf);
		if ((h.kind == VAL_HOST_NAME || h.kind == VAL_HOST_IFACE) && strcmp(h.name, rows[i].text) != 0)
			ROWFAIL(&rows[i], "name=%s", h.name);
	}
	struct val_host h;
	CHECK(val_nexthop("%direct", &h, NULL));
	CHECK(val_nexthop("%defaultroute", &h, NULL));
	CHECK(val_nexthop("192.0.2.254", &h, NULL));
	CHECK(!val_nexthop("%any", &h, NULL));           /* L: rejected */
	CHECK(!val_nexthop("%group", &h, NULL));
	CHECK_STR(val_host_kind_name(VAL_HOST_ANY6), "%any6");
	struct ip_addr a;
	CHECK(val_addr("198.51.100.7", &a, NULL));
	CHECK(!val_addr("east.example", &a, NULL));
}

static void test_subnet(void)
{
	static const struct { int line; const char *in; bool ok; const char *out; bool hb; const char *why; } rows[] = {
		{ __LINE__, "10.1.0.0/16", true, "10.1.0.0/16", false, NULL },
		{ __LINE__, "10.1.0.1/16", true, "10.1.0.0/16", true, NULL },         /* L: 10.1.0.0/16 */
		{ __LINE__, "10.0.0.0/255.255.0.0", true, "10.0.0.0/16", false, NULL }, /* L */
		{ __LINE__, "10.0.0.0/255.0.255.0", false, NULL, false, "non-contiguous or otherwise erroneous mask" },
		{ __LINE__, "10.1.0.0/33", false, NULL, false, "non-contiguous or otherwise erroneous mask" }, /* L */
		{ __LINE__, "10.1.0.0/", false, NULL, false, "non-contiguous or otherwise erroneous mask" },
		{ __LINE__, "10.1.0.0/-1", false, NULL, false, NULL },
		{ __LINE__, "192.0.2.7", true, "192.0.2.7/32", false, NULL },
		{ __LINE__, "2001:db8::/32", true, "2001:db8::/32", false, NULL },
		{ __LINE__, "2001:db8::1/64", true, "2001:db8::/64", true, NULL },
		{ __LINE__, "2001:db8::/129", false, NULL, false, NULL },
		{ __LINE__, "0.0.0.0/0", true, "0.0.0.0/0", false, NULL },
		{ __LINE__, "::/0", true, "::/0", false, NULL },
		{ __LINE__, "east/24", false, NULL, false, NULL },
		{ __LINE__, "", false, NULL, false, NULL },
	};
	for (size_t i = 0; i < N(rows); i++) {
		struct ip_subnet s;
		bool hb = false;
		const char *why = NULL;
		char buf[SUBNET_STRLEN];
		bool ok = val_subnet(rows[i].in, &s, &hb, &why);
		if (ok != rows[i].ok || (!ok && !why)) {
			ROWFAIL(&rows[i], "ok=%d why=%s", ok, why ? why : "-");
			continue;
		}
		if (ok && (strcmp(subnet_fmt(&s, buf), rows[i].out) != 0 || hb != rows[i].hb))
			ROWFAIL(&rows[i], "-> %s hb=%d", buf, hb);
		if (!ok && rows[i].why && strcmp(why, rows[i].why) != 0)
			ROWFAIL(&rows[i], "why=%s", why);
	}
}

static void test_subnet_spec(void)
{
	struct val_subnet_spec sp;
	const char *why = NULL;
	char buf[SUBNET_STRLEN];

	CHECK(val_subnet_spec("192.0.2.0/24", &sp, &why));
	CHECK_INT(sp.kind, VAL_SUBNET_NET);
	CHECK_STR(subnet_fmt(&sp.net, buf), "192.0.2.0/24");

	CHECK(val_subnet_spec("vhost:%priv,%no", &sp, &why));  /* L: accepted */
	CHECK_INT(sp.kind, VAL_SUBNET_VHOST);
	CHECK_INT(sp.n_vlist, 2);
	CHECK_INT(sp.vlist[0].kind, VAL_SUBNET_PRIV);
	CHECK_INT(sp.vlist[1].kind, VAL_SUBNET_NO);

	CHECK(val_subnet_spec("vnet:10.0.0.0/8,%priv", &sp, &why));
	CHECK_INT(sp.kind, VAL_SUBNET_VNET);
	CHECK_INT(sp.n_vlist, 2);
	CHECK_INT(sp.vlist[0].kind, VAL_SUBNET_NET);
	CHECK_STR(subnet_fmt(&sp.vlist[0].net, buf), "10.0.0.0/8");

	/* L: bare %priv / %no: "no / in subnet specification" */
	CHECK(!val_subnet_spec("%priv", &sp, &why));
	CHECK_STR(why, "no / in subnet specification");
	CHECK(!val_subnet_spec("%no", &sp, &why));
	CHECK(!val_subnet_spec("vhost:", &sp, &why));
	CHECK(!val_subnet_spec("vhost:%priv,,%no", &sp, &why));
	CHECK(!val_subnet_spec("vnet:%bogus", &sp, &why));
	CHECK(!val_subnet_spec("vhost:1,2,3,4,5,6,7,8,9", &sp, &why));
}

static void test_subnet_list(void)
{
	static const struct { int line; const char *in; bool ok; size_t n; const char *last; } rows[] = {
		{ __LINE__, "{10.0.0.0/24 10.0.1.0/24}", true, 2, "10.0.1.0/24" },   /* L */
		{ __LINE__, "10.0.0.0/24,10.0.1.0/24", true, 2, "10.0.1.0/24" },     /* L */
		{ __LINE__, "{10.0.0.0/24,10.0.1.0/24}", true, 2, "10.0.1.0/24" },   /* L */
		{ __LINE__, "{ 10.0.0.0/24 , 2001:db8::/48 }", true, 2, "2001:db8::/48" },
		{ __LINE__, "192.0.2.0/24", true, 1, "192.0.2.0/24" },
		{ __LINE__, "{10.0.0.0/24", false, 0, NULL },
		{ __LINE__, "10.0.0.0/24}", false, 0, NULL },
		{ __LINE__, "{}", false, 0, NULL },
		{ __LINE__, "", false, 0, NULL },
		{ __LINE__, "{10.0.0.0/33}", false, 0, NULL },
		{ __LINE__, "{a b c d e}", false, 0, NULL },
		{ __LINE__, "{1.0.0.0/8 2.0.0.0/8 3.0.0.0/8 4.0.0.0/8 5.0.0.0/8}", false, 0, NULL }, /* > cap 4 */
	};
	for (size_t i = 0; i < N(rows); i++) {
		struct ip_subnet s[4];
		size_t n = 0;
		const char *why = NULL;
		char buf[SUBNET_STRLEN];
		bool ok = val_subnet_list(rows[i].in, s, 4, &n, &why);
		if (ok != rows[i].ok || (!ok && !why)) {
			ROWFAIL(&rows[i], "ok=%d", ok);
			continue;
		}
		if (ok && (n != rows[i].n || strcmp(subnet_fmt(&s[n - 1], buf), rows[i].last) != 0))
			ROWFAIL(&rows[i], "n=%zu last=%s", n, buf);
	}
}

static void test_pool(void)
{
	static const struct { int line; const char *in; bool ok; const char *lo, *hi; } rows[] = {
		{ __LINE__, "10.0.0.1-10.0.0.9", true, "10.0.0.1", "10.0.0.9" },
		{ __LINE__, "10.0.0.0/24", true, "10.0.0.0", "10.0.0.255" },
		{ __LINE__, "2001:db8:0:1::/64", true, "2001:db8:0:1::", "2001:db8:0:1:ffff:ffff:ffff:ffff" },
		{ __LINE__, "10.0.0.5-10.0.0.5", true, "10.0.0.5", "10.0.0.5" },
		{ __LINE__, "10.0.0.9-10.0.0.1", false, NULL, NULL },   /* L: start > end */
		{ __LINE__, "10.0.0.1-2001:db8::1", false, NULL, NULL },
		{ __LINE__, "10.0.0.1", false, NULL, NULL },
		{ __LINE__, "10.0.0.1-", false, NULL, NULL },
		{ __LINE__, "", false, NULL, NULL },
	};
	for (size_t i = 0; i < N(rows); i++) {
		struct val_pool p;
		char b1[ADDR_STRLEN], b2[ADDR_STRLEN];
		bool ok = val_pool(rows[i].in, &p, NULL);
		if (ok != rows[i].ok) {
			ROWFAIL(&rows[i], "ok=%d", ok);
			continue;
		}
		if (ok && (strcmp(addr_fmt(&p.lo, b1), rows[i].lo) != 0 || strcmp(addr_fmt(&p.hi, b2), rows[i].hi) != 0))
			ROWFAIL(&rows[i], "%s-%s", b1, b2);
	}
}

static void test_protoport(void)
{
	static const struct { int line; const char *in; bool ok; int proto, port; bool anyport; } rows[] = {
		{ __LINE__, "tcp/80", true, 6, 80, false },          /* L: TCP/80 */
		{ __LINE__, "17/%any", true, 17, 0, true },          /* L: UDP/%any */
		{ __LINE__, "udp", true, 17, 0, false },             /* L: UDP/0 */
		{ __LINE__, "%any", true, 0, 0, false },             /* L */
		{ __LINE__, "tcp/http", true, 6, 80, false },        /* L: TCP/80 */
		{ __LINE__, "icmp/8", true, 1, 8, false },           /* L */
		{ __LINE__, "ipv6-icmp", true, 58, 0, false },       /* L */
		{ __LINE__, "TCP/443", true, 6, 443, false },
		{ __LINE__, "gre", true, 47, 0, false },
		{ __LINE__, "sctp/5060", true, 132, 5060, false },
		{ __LINE__, "udp/domain", true, 17, 53, false },
		{ __LINE__, "255", true, 255, 0, false },
		{ __LINE__, "foo", false, 0, 0, false },             /* L */
		{ __LINE__, "tcp/99999", false, 0, 0, false },       /* L */
		{ __LINE__, "%any/80", false, 0, 0, false },         /* L */
		{ __LINE__, "300", false, 0, 0, false },             /* L */
		{ __LINE__, "tcp/", false, 0, 0, false },
		{ __LINE__, "/80", false, 0, 0, false },
		{ __LINE__, "tcp/nosuchservice", false, 0, 0, false },
		{ __LINE__, "", false, 0, 0, false },
	};
	for (size_t i = 0; i < N(rows); i++) {
		struct val_protoport pp;
		const char *why = NULL;
		bool ok = val_protoport(rows[i].in, &pp, &why);
		if (ok != rows[i].ok || (!ok && !why)) {
			ROWFAIL(&rows[i], "ok=%d", ok);
			continue;
		}
		if (ok && (pp.proto != rows[i].proto || pp.port != rows[i].port || pp.any_port != rows[i].anyport))
			ROWFAIL(&rows[i], "proto=%u port=%u any=%d", pp.proto, pp.port, pp.any_port);
	}
	CHECK_STR(val_proto_name(6), "tcp");
	CHECK(val_proto_name(254) == NULL);
}

static void test_id(void)
{
	static const struct { int line; const char *in; bool ok; enum id_kind kind; bool myid; } rows[] = {
		{ __LINE__, "@east.example", true, ID_FQDN, false },
		{ __LINE__, "user@example.org", true, ID_RFC822_ADDR, false },
		{ __LINE__, "192.0.2.1", true, ID_IPV4_ADDR, false },
		{ __LINE__, "2001:db8::1", true, ID_IPV6_ADDR, false },
		{ __LINE__, "@#0a1b", true, ID_KEY_ID, false },
		{ __LINE__, "@[key id]", true, ID_KEY_ID, false },
		{ __LINE__, "C=CA, O=Org, CN=x", true, ID_DER_ASN1_DN, false },
		{ __LINE__, "%fromcert", true, ID_FROMCERT, false },
		{ __LINE__, "%none", true, ID_NONE, false },
		{ __LINE__, "%any", true, ID_ANY, false },
		{ __LINE__, "%null", true, ID_NULL, false },
		{ __LINE__, "%myid", true, ID_NONE, true },     /* L: accepted */
		{ __LINE__, "%bogus", false, 0, false },
		{ __LINE__, "", false, 0, false },
		{ __LINE__, "@#abc", false, 0, false },
	};
	for (size_t i = 0; i < N(rows); i++) {
		struct cy_id id;
		bool my = false;
		const char *why = NULL;
		bool ok = val_id(rows[i].in, &id, &my, &why);
		if (ok != rows[i].ok || (!ok && !why) || (ok && (id.kind != rows[i].kind || my != rows[i].myid)))
			ROWFAIL(&rows[i], "ok=%d kind=%d myid=%d", ok, ok ? (int)id.kind : -1, my);
	}
}

static void test_pubkey(void)
{
	static const struct { int line; const char *in; bool ok; enum val_pubkey_kind kind; const char *hex; } rows[] = {
		{ __LINE__, "0sAQO=", true, VAL_PUBKEY_RAW, "0103" },  /* 3 chars + pad: 2 bytes */
		{ __LINE__, "0sAQOA", true, VAL_PUBKEY_RAW, "0103 80" },
		{ __LINE__, "0sAQ==", true, VAL_PUBKEY_RAW, "01" },
		{ __LINE__, "0sAQI=", true, VAL_PUBKEY_RAW, "0102" },
		{ __LINE__, "0sAQID", true, VAL_PUBKEY_RAW, "010203" },
		{ __LINE__, "0x0102", true, VAL_PUBKEY_RAW, "0102" },          /* L */
		{ __LINE__, "0x01_02 03", true, VAL_PUBKEY_RAW, "010203" },
		{ __LINE__, "0X0A0b", true, VAL_PUBKEY_RAW, "0a0b" },
		{ __LINE__, "%cert", true, VAL_PUBKEY_CERT, NULL },
		{ __LINE__, "%none", true, VAL_PUBKEY_NONE, NULL },
		{ __LINE__, "%dnsondemand", true, VAL_PUBKEY_DNSONDEMAND, NULL },
		{ __LINE__, "%dnsonload", true, VAL_PUBKEY_DNSONLOAD, NULL },
		{ __LINE__, "%dns", true, VAL_PUBKEY_DNS, NULL },
		{ __LINE__, "0x012", false, 0, NULL },
		{ __LINE__, "0xzz", false, 0, NULL },
		{ __LINE__, "0x", false, 0, NULL },
		{ __LINE__, "0s", false, 0, NULL },
		{ __LINE__, "0sA", false, 0, NULL },
		{ __LINE__, "0sAQ=I", false, 0, NULL },
		{ __LINE__, "0s!!!!", false, 0, NULL },
		{ __LINE__, "AQID", false, 0, NULL },
		{ __LINE__, "%foo", false, 0, NULL },
		{ __LINE__, "", false, 0, NULL },
	};
	static struct val_pubkey k;   /* large: keep it off the stack */
	for (size_t i = 0; i < N(rows); i++) {
		const char *why = NULL;
		uint8_t want[64];
		bool ok = val_pubkey(rows[i].in, &k, &why);
		if (ok != rows[i].ok || (!ok && !why)) {
			ROWFAIL(&rows[i], "ok=%d why=%s", ok, why ? why : "-");
			continue;
		}
		if (!ok)
			continue;
		if (k.kind != rows[i].kind)
			ROWFAIL(&rows[i], "kind=%d", (int)k.kind);
		if (rows[i].hex) {
			size_t n = t_unhex(rows[i].hex, want, sizeof want);
			if (k.len != n || memcmp(k.data, want, n) != 0)
				ROWFAIL(&rows[i], "len=%u", k.len);
		}
	}
	/* a key of VAL_PUBKEY_MAX + 1 bytes is refused, VAL_PUBKEY_MAX accepted */
	static char big[2 + 2 * (VAL_PUBKEY_MAX + 1) + 1];
	memcpy(big, "0x", 2);
	memset(big + 2, 'a', 2 * (VAL_PUBKEY_MAX + 1));
	CHECK(!val_pubkey(big, &k, NULL));
	big[2 + 2 * VAL_PUBKEY_MAX] = '\0';
	CHECK(val_pubkey(big, &k, NULL));
	CHECK_INT(k.len, VAL_PUBKEY_MAX);
}

static void test_mark(void)
{
	static const struct { int line; const char *in; bool ok; uint32_t v, m; bool uniq; } rows[] = {
		{ __LINE__, "5", true, 5, 0xffffffff, false },
		{ __LINE__, "5/0xff", true, 5, 0xff, false },          /* L */
		{ __LINE__, "0x10", true, 16, 0xffffffff, false },     /* L */
		{ __LINE__, "-1", true, 0, 0xffffffff, true },         /* L */
		{ __LINE__, "-1/0xf", true, 0, 0xf, true },            /* L */
		{ __LINE__, "4294967295", true, 0xffffffff, 0xffffffff, false },
		{ __LINE__, "4294967296", false, 0, 0, false },
		{ __LINE__, "5/", false, 0, 0, false },                /* Libreswan keeps it; Cygnet refuses */
		{ __LINE__, "5/abc", false, 0, 0, false },
		{ __LINE__, "abc", false, 0, 0, false },
		{ __LINE__, "-2", false, 0, 0, false },
		{ __LINE__, "0x10/0x0f", false, 0, 0, false },         /* value outside mask */
		{ __LINE__, "", false, 0, 0, false },
	};
	for (size_t i = 0; i < N(rows); i++) {
		struct val_mark m;
		bool ok = val_mark(rows[i].in, &m, NULL);
		if (ok != rows[i].ok) {
			ROWFAIL(&rows[i], "ok=%d", ok);
			continue;
		}
		if (ok && (m.value != rows[i].v || m.mask != rows[i].m || m.unique != rows[i].uniq))
			ROWFAIL(&rows[i], "v=%u m=%#x u=%d", m.value, m.mask, m.unique);
	}
}

static void test_label(void)
{
	char out[VAL_LABEL_MAX];
	CHECK(val_sec_label("system_u:object_r:ipsec_spd_t:s0", out, NULL));
	CHECK_STR(out, "system_u:object_r:ipsec_spd_t:s0");
	CHECK(!val_sec_label("", out, NULL));
	CHECK(!val_sec_label("a b", out, NULL));
	CHECK(!val_sec_label("a\tb", out, NULL));
	char big[VAL_LABEL_MAX + 1];
	memset(big, 'x', VAL_LABEL_MAX);
	big[VAL_LABEL_MAX] = '\0';
	CHECK(!val_sec_label(big, out, NULL));
	big[VAL_LABEL_MAX - 1] = '\0';
	CHECK(val_sec_label(big, out, NULL));
}

static void test_virtual_private(void)
{
	struct val_vpriv v[8];
	size_t n = 0;
	char buf[SUBNET_STRLEN];
	CHECK(val_virtual_private("%v4:10.0.0.0/8,%v4:192.168.0.0/16,%v4:!10.1.0.0/16,%v6:fd00::/8", v, 8, &n, NULL));
	CHECK_INT(n, 4);
	CHECK(!v[0].exclude);
	CHECK(v[2].exclude);
	CHECK_STR(subnet_fmt(&v[2].net, buf), "10.1.0.0/16");
	CHECK_INT(v[3].net.addr.af, AF_INET6);
	CHECK(val_virtual_private("%v4:10.0.0.0/8 %v4:172.16.0.0/12", v, 8, &n, NULL));
	CHECK_INT(n, 2);
	CHECK(val_virtual_private("", v, 8, &n, NULL));
	CHECK_INT(n, 0);
	CHECK(!val_virtual_private("10.0.0.0/8", v, 8, &n, NULL));
	CHECK(!val_virtual_private("%v4:fd00::/8", v, 8, &n, NULL));
	CHECK(!val_virtual_private("%v6:10.0.0.0/8", v, 8, &n, NULL));
	CHECK(!val_virtual_private("%v4:10.0.0.0", v, 8, &n, NULL));
	CHECK(!val_virtual_private("%v4:10.0.0.0/8,%v4:11.0.0.0/8", v, 1, &n, NULL));
}

static void test_plutodebug(void)
{
	uint32_t b = 0;
	CHECK(val_plutodebug("none", &b, NULL));
	CHECK_INT(b, 0);
	CHECK(val_plutodebug("base", &b, NULL));
	CHECK_INT(b, VAL_DBG_BASE);
	CHECK(val_plutodebug("base cpu-usage", &b, NULL));
	CHECK_INT(b, VAL_DBG_BASE | VAL_DBG_CPU_USAGE);
	CHECK(val_plutodebug("all,no-dns", &b, NULL));
	CHECK_INT(b, VAL_DBG_ALL & ~VAL_DBG_DNS);
	CHECK(!(b & VAL_DBG_PRIVATE));     /* "all" never includes private */
	CHECK(val_plutodebug("all private", &b, NULL));
	CHECK(b & VAL_DBG_PRIVATE);
	CHECK(val_plutodebug("", &b, NULL));
	CHECK_INT(b, 0);
	CHECK(!val_plutodebug("frobnicate", &b, NULL));
	CHECK(!val_plutodebug("base bogus", &b, NULL));
}

static bool count_word(const char *w, void *ctx)
{
	if (strcmp(w, "bad") == 0)
		return false;
	(*(int *)ctx)++;
	return true;
}

static void test_words(void)
{
	int n = 0;
	CHECK(val_words("a b,c  ,d", count_word, &n, NULL));
	CHECK_INT(n, 4);
	n = 0;
	CHECK(val_words("", count_word, &n, NULL));
	CHECK_INT(n, 0);
	CHECK(!val_words("a bad c", count_word, &n, NULL));
}

int main(void)
{
	RUN(test_bool);
	RUN(test_enum);
	RUN(test_duration);
	RUN(test_duration_ms);
	RUN(test_lifetime);
	RUN(test_percent);
	RUN(test_bytes);
	RUN(test_numbers);
	RUN(test_host);
	RUN(test_subnet);
	RUN(test_subnet_spec);
	RUN(test_subnet_list);
	RUN(test_pool);
	RUN(test_protoport);
	RUN(test_id);
	RUN(test_pubkey);
	RUN(test_mark);
	RUN(test_label);
	RUN(test_virtual_private);
	RUN(test_plutodebug);
	RUN(test_words);
	return t_done();
}
