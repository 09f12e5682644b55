/* ikeload's pure pieces (tests/tools/ikeload_stats.c): latency percentiles,
 * rates, address ranges, the flood's pacer. */
#include <stdlib.h>
#include <sys/socket.h>

#include "harness.h"

#include "../tools/ikeload.h"

static void test_percentiles(void)
{
	struct lat_stats s;

	CHECK(lat_init(&s, 1000));
	CHECK_INT(lat_percentile(&s, 50), 0);             /* no samples */
	for (unsigned i = 100; i >= 1; i--)               /* 1..100, reversed */
		lat_add(&s, i);
	CHECK_INT(lat_percentile(&s, 50), 50);            /* nearest rank */
	CHECK_INT(lat_percentile(&s, 99), 99);
	CHECK_INT(lat_percentile(&s, 100), 100);
	CHECK_INT(lat_percentile(&s, 1), 1);
	CHECK_INT(lat_percentile(&s, 0.5), 1);
	CHECK_INT(s.sum_us, 5050);
	lat_free(&s);

	CHECK(lat_init(&s, 3));                           /* beyond cap: counted, not kept */
	lat_add(&s, 7);
	lat_add(&s, 9);
	lat_add(&s, 8);
	lat_add(&s, 1000);
	CHECK_INT(s.n, 3);
	CHECK_INT(s.dropped, 1);
	CHECK_INT(lat_percentile(&s, 50), 8);
	lat_add(&s, (uint64_t)1 << 40);                   /* saturates, does not wrap */
	lat_free(&s);

	CHECK(lat_init(&s, 1));
	lat_add(&s, (uint64_t)1 << 40);
	CHECK_INT(lat_percentile(&s, 50), UINT32_MAX);
	lat_free(&s);
}

static void test_rate(void)
{
	CHECK_INT((long long)rate_per_s(500, 250000000), 2000);
	CHECK_INT((long long)rate_per_s(7, 0), 0);
	CHECK_INT((long long)(rate_per_s(1, 3000000000u) * 1000), 333);
}

static void test_ranges_table(void)
{
	static const struct {
		const char *in;
		bool ok;
		uint64_t count;
		const char *first, *last;
	} rows[] = {
		{ "192.0.2.7", true, 1, "192.0.2.7", "192.0.2.7" },
		{ "192.0.2.10-192.0.2.19", true, 10, "192.0.2.10", "192.0.2.19" },
		{ "192.0.2.250-192.0.3.4", true, 11, "192.0.2.250", "192.0.3.4" },   /* carries */
		{ "198.51.100.0/24", true, 254, "198.51.100.1", "198.51.100.254" }, /* no net/bcast */
		{ "198.51.100.8/31", true, 2, "198.51.100.8", "198.51.100.9" },
		{ "198.51.100.9/32", true, 1, "198.51.100.9", "198.51.100.9" },
		{ "192.0.2.1,192.0.2.5-192.0.2.6", true, 3, "192.0.2.1", "192.0.2.6" },
		{ "2001:db8::1-2001:db8::1:0", true, 65536, "2001:db8::1", "2001:db8::1:0" },
		{ "2001:db8::/120", true, 256, "2001:db8::", "2001:db8::ff" },
		{ "2001:db8::/32", true, UINT64_MAX, "2001:db8::", NULL },           /* saturated */
		{ "192.0.2.9-192.0.2.1", false, 0, NULL, NULL },                    /* reversed */
		{ "192.0.2.1-2001:db8::1", false, 0, NULL, NULL },                  /* families */
		{ "192.0.2.1/33", false, 0, NULL, NULL },
		{ "192.0.2.1/", false, 0, NULL, NULL },
		{ "192.0.2.1,,192.0.2.2", false, 0, NULL, NULL },
		{ "", false, 0, NULL, NULL },
		{ "example.com", false, 0, NULL, NULL },
		{ "1.1.1.1,1.1.1.2,1.1.1.3,1.1.1.4,1.1.1.5,1.1.1.6,1.1.1.7,1.1.1.8,1.1.1.9,"
		  "1.1.1.10,1.1.1.11,1.1.1.12,1.1.1.13,1.1.1.14,1.1.1.15,1.1.1.16,1.1.1.17", false, 0, NULL, NULL },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct addr_ranges rs;
		struct ip_addr a;
		const char *why = NULL;
		char buf[ADDR_STRLEN];
		bool ok = addr_ranges_parse(rows[i].in, &rs, &why);

		if (ok != rows[i].ok) {
			t_fail(__FILE__, __LINE__, "row %zu (%s): ok=%d (%s)", i, rows[i].in, ok, why ? why : "");
			continue;
		}
		if (!ok) {
			CHECK(why != NULL);
			continue;
		}
		if (addr_ranges_count(&rs) != rows[i].count)
			t_fail(__FILE__, __LINE__, "row %zu: count %llu", i, (unsigned long long)addr_ranges_count(&rs));
		CHECK(addr_ranges_nth(&rs, 0, &a));
		CHECK_STR(addr_fmt(&a, buf), rows[i].first);
		if (rows[i].last) {
			CHECK(addr_ranges_nth(&rs, rows[i].count - 1, &a));
			CHECK_STR(addr_fmt(&a, buf), rows[i].last);
			CHECK(!addr_ranges_nth(&rs, rows[i].count, &a));   /* past the end */
		}
	}
}

static void test_ranges_iterate(void)
{
	struct addr_ranges rs;
	struct ip_addr a, prev;
	const char *why;
	char buf[ADDR_STRLEN];

	/* every address once, in order, across parts */
	CHECK(addr_ranges_parse("192.0.2.254-192.0.3.1,203.0.113.9", &rs, &why));
	CHECK_INT(addr_ranges_count(&rs), 5);
	for (uint64_t i = 0; i < 5; i++) {
		CHECK(addr_ranges_nth(&rs, i, &a));
		if (i > 0 && i < 4) {
			struct ip_addr want;

			CHECK(addr_add(&prev, 1, &want));
			CHECK(addr_eq(&a, &want));
		}
		prev = a;
	}
	CHECK_STR(addr_fmt(&a, buf), "203.0.113.9");
	CHECK(addr_parse("255.255.255.255", &a));
	CHECK(!addr_add(&a, 1, &prev));                    /* overflow */
	CHECK(addr_parse("192.0.2.255", &a));
	CHECK(addr_add(&a, 257, &prev));
	CHECK_STR(addr_fmt(&prev, buf), "192.0.4.0");
}

static void test_in_prefix(void)
{
	struct ip_addr p, a;
	uint8_t rnd[16];
	char buf[ADDR_STRLEN];

	memset(rnd, 0xff, sizeof(rnd));
	CHECK(addr_parse("198.51.100.0", &p));
	addr_in_prefix(&p, 24, rnd, &a);
	CHECK_STR(addr_fmt(&a, buf), "198.51.100.255");
	memset(rnd, 0, sizeof(rnd));
	addr_in_prefix(&p, 20, rnd, &a);
	CHECK_STR(addr_fmt(&a, buf), "198.51.96.0");        /* host bits cleared */
	memset(rnd, 0xa5, sizeof(rnd));
	addr_in_prefix(&p, 32, rnd, &a);
	CHECK_STR(addr_fmt(&a, buf), "198.51.100.0");
	CHECK(addr_parse("2001:db8::", &p));
	addr_in_prefix(&p, 120, rnd, &a);
	CHECK_STR(addr_fmt(&a, buf), "2001:db8::a5");
}

static void test_pacer(void)
{
	struct pacer pc;
	const uint64_t s = 1000000000u;

	pacer_init(&pc, 1000, 10 * s, 50);                 /* 1000/s, bursts of 50 */
	CHECK_INT(pacer_due(&pc, 10 * s), 0);
	CHECK_INT(pacer_due(&pc, 10 * s + s / 100), 10);   /* 10 ms: 10 packets */
	pacer_sent(&pc, 10);
	CHECK_INT(pacer_due(&pc, 10 * s + s / 100), 0);
	CHECK_INT(pacer_wait_ns(&pc, 10 * s + s / 100), 1000000);
	CHECK_INT(pacer_due(&pc, 10 * s + s / 50), 10);
	pacer_sent(&pc, 10);
	/* a loop 1 s late gets one burst, not 1000 packets */
	CHECK_INT(pacer_due(&pc, 11 * s + s / 50), 50);
	pacer_sent(&pc, 50);
	CHECK_INT(pacer_due(&pc, 11 * s + s / 50), 0);
	/* the long-run rate holds: 10 s in 1 ms steps send 10,000 */
	pacer_init(&pc, 1000, 0, 50);
	uint64_t total = 0;
	for (uint64_t t = 0; t <= 10 * s; t += s / 1000) {
		unsigned d = pacer_due(&pc, t);

		pacer_sent(&pc, d);
		total += d;
	}
	CHECK_INT(total, 10000);
	CHECK_INT(pacer_wait_ns(&pc, 0), 10 * s + s / 1000);   /* not before the next is due */
}

int main(void)
{
	RUN(test_percentiles);
	RUN(test_rate);
	RUN(test_ranges_table);
	RUN(test_ranges_iterate);
	RUN(test_in_prefix);
	RUN(test_pacer);
	return t_done();
}
