/* Addresses, subnets and identities (src/lib/addr.c, src/lib/id.c). */
#include "harness.h"

#include "lib/addr.h"
#include "lib/id.h"

static void test_subnet_table(void)
{
	static const struct {
		const char *in;
		bool ok;
		const char *out;
		bool host_bits;
	} rows[] = {
		{ "192.0.2.0/24", true, "192.0.2.0/24", false },
		{ "192.0.2.1/24", true, "192.0.2.0/24", true },
		{ "192.0.2.7", true, "192.0.2.7/32", false },
		{ "10.1.0.0/33", false, NULL, false },
		{ "10.1.0.0/", false, NULL, false },
		{ "10.1.0.0/x", false, NULL, false },
		{ "2001:db8::/32", true, "2001:db8::/32", false },
		{ "2001:db8::1/129", false, NULL, false },
		{ "0.0.0.0/0", true, "0.0.0.0/0", false },
		{ "/24", false, NULL, false },
		{ "300.1.1.1/8", false, NULL, false },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct ip_subnet s;
		bool hb;
		char buf[SUBNET_STRLEN];
		bool ok = subnet_parse(rows[i].in, &s, &hb);
		if (ok != rows[i].ok) {
			t_fail(__FILE__, __LINE__, "row %zu (%s): ok=%d", i, rows[i].in, ok);
			continue;
		}
		if (!ok)
			continue;
		CHECK_STR(subnet_fmt(&s, buf), rows[i].out);
		CHECK_INT(hb, rows[i].host_bits);
	}
}

static void test_subnet_contains_range(void)
{
	struct ip_subnet s;
	struct ip_addr a, lo, hi;
	char b1[ADDR_STRLEN], b2[ADDR_STRLEN];

	CHECK(subnet_parse("198.51.100.0/25", &s, NULL));
	CHECK(addr_parse("198.51.100.127", &a));
	CHECK(subnet_contains(&s, &a));
	CHECK(addr_parse("198.51.100.128", &a));
	CHECK(!subnet_contains(&s, &a));
	subnet_range(&s, &lo, &hi);
	CHECK_STR(addr_fmt(&lo, b1), "198.51.100.0");
	CHECK_STR(addr_fmt(&hi, b2), "198.51.100.127");
	CHECK(subnet_parse("2001:db8:1::/47", &s, NULL));
	subnet_range(&s, &lo, &hi);
	CHECK_STR(addr_fmt(&hi, b2), "2001:db8:1:ffff:ffff:ffff:ffff:ffff");
}

static void test_id_table(void)
{
	static const struct {
		const char *in;
		enum id_kind kind;
		const char *fmt;
	} rows[] = {
		{ "192.0.2.1", ID_IPV4_ADDR, "192.0.2.1" },
		{ "2001:db8::1", ID_IPV6_ADDR, "2001:db8::1" },
		{ "@east.example", ID_FQDN, "@east.example" },
		{ "east.example", ID_FQDN, "@east.example" },
		{ "road@example.org", ID_RFC822_ADDR, "road@example.org" },
		{ "@#0a0b", ID_KEY_ID, "@#0a0b" },
		{ "@[my key]", ID_KEY_ID, "@[my key]" },
		{ "C=CA,  O=Org ,CN=x", ID_DER_ASN1_DN, "C=CA, O=Org, CN=x" },
		{ "/C=CA/O=Org/CN=x", ID_DER_ASN1_DN, "C=CA, O=Org, CN=x" },
		{ "%any", ID_ANY, "%any" },
		{ "%fromcert", ID_FROMCERT, "%fromcert" },
		{ "%none", ID_NONE, "(none)" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct cy_id id;
		const char *why = NULL;
		char buf[ID_STRLEN];
		if (!id_parse(rows[i].in, &id, &why)) {
			t_fail(__FILE__, __LINE__, "row %zu (%s): %s", i, rows[i].in, why);
			continue;
		}
		CHECK_INT(id.kind, rows[i].kind);
		CHECK_STR(id_fmt(&id, buf), rows[i].fmt);
	}
}

static void test_id_bad(void)
{
	static const char *bad[] = { "", "@", "@#", "@#abc", "@#zz", "@[open", "%bogus", "a b" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cy_id id;
		const char *why = NULL;
		if (id_parse(bad[i], &id, &why))
			t_fail(__FILE__, __LINE__, "\"%s\" accepted", bad[i]);
		else
			CHECK(why != NULL);
	}
}

static void test_id_wire_roundtrip(void)
{
	static const char *ids[] = { "192.0.2.1", "2001:db8::1", "@east.example", "a@b.example", "@#0102" };
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct cy_id a, b;
		uint8_t w[ID_MAXLEN];
		size_t n;
		CHECK(id_parse(ids[i], &a, NULL));
		n = id_to_wire(&a, w, sizeof(w));
		CHECK(id_from_wire((int)a.kind, w, n, &b));
		CHECK(id_eq(&a, &b));
	}
	{
		struct cy_id x;
		uint8_t three[3] = { 1, 2, 3 };
		CHECK(!id_from_wire(ID_IPV4_ADDR, three, 3, &x));
		CHECK(!id_from_wire(ID_FQDN, three, 0, &x));
		CHECK(!id_from_wire(99, three, 3, &x));
	}
}

static void test_id_match(void)
{
	struct cy_id any, a, b;
	CHECK(id_parse("%any", &any, NULL));
	CHECK(id_parse("@East.Example", &a, NULL));
	CHECK(id_parse("@east.example", &b, NULL));
	CHECK(id_match(&any, &a));
	CHECK(id_match(&a, &b));  /* FQDNs compare case-insensitively */
	CHECK(id_parse("@west.example", &b, NULL));
	CHECK(!id_match(&a, &b));
}

int main(void)
{
	RUN(test_subnet_table);
	RUN(test_subnet_contains_range);
	RUN(test_id_table);
	RUN(test_id_bad);
	RUN(test_id_wire_roundtrip);
	RUN(test_id_match);
	return t_done();
}
