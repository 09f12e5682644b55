/* Escaping of peer-supplied bytes (src/lib/esc.c) and its use by id_fmt. */
#include "harness.h"

#include "lib/esc.h"
#include "lib/id.h"

static void test_esc_table(void)
{
	static const struct {
		const char *in;
		size_t n;
		const char *out;
	} rows[] = {
		{ "east.example", 12, "east.example" },
		{ "a b~!#$%&()*+,-./:;<=>?@[]^_`{|}", 32, "a b~!#$%&()*+,-./:;<=>?@[]^_`{|}" },
		{ "x\n000 forged", 12, "x\\012000 forged" },
		{ "\r\n", 2, "\\015\\012" },
		{ "a\0b", 3, "a\\000b" },
		{ "\033[31mred", 8, "\\033[31mred" },
		{ "back\\slash", 10, "back\\134slash" },
		{ "it's", 4, "it\\047s" },
		{ "say \"hi\"", 8, "say \\042hi\\042" },
		{ "\x7f\x80\xff", 3, "\\177\\200\\377" },
		{ "\xc3\xa9t\xc3\xa9", 5, "\\303\\251t\\303\\251" },
		{ "\t", 1, "\\011" },
		{ "", 0, "" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char buf[ESC_STRLEN(32)];
		size_t used = esc_bytes(buf, sizeof(buf), rows[i].in, rows[i].n);

		CHECK_STR(buf, rows[i].out);
		CHECK_INT(used, rows[i].n);
	}
}

/* Truncation stops before the first byte whose text does not fit whole. */
static void test_esc_truncation(void)
{
	char buf[8];

	CHECK_INT(esc_bytes(buf, sizeof(buf), "abcdefghij", 10), 7);
	CHECK_STR(buf, "abcdefg");
	CHECK_INT(esc_bytes(buf, sizeof(buf), "abcd\n", 5), 4);    /* "\012" needs 4 + NUL */
	CHECK_STR(buf, "abcd");
	CHECK_INT(esc_bytes(buf, sizeof(buf), "abc\n", 4), 4);      /* exactly fits */
	CHECK_STR(buf, "abc\\012");
	CHECK_INT(esc_bytes(buf, sizeof(buf), "\n\n", 2), 1);
	CHECK_STR(buf, "\\012");
	CHECK_INT(esc_bytes(buf, 4, "\n", 1), 0);
	CHECK_STR(buf, "");
	CHECK_INT(esc_bytes(buf, 1, "a", 1), 0);
	CHECK_STR(buf, "");
	buf[0] = 'x';
	CHECK_INT(esc_bytes(buf, 0, "a", 1), 0);
	CHECK(buf[0] == 'x');
	/* every prefix of every cap: NUL-terminated, no partial escape */
	for (size_t cap = 1; cap <= sizeof(buf); cap++) {
		size_t used = esc_bytes(buf, cap, "a\033\\b", 4);
		size_t len = strlen(buf);

		CHECK(len < cap);
		for (size_t j = 0; j < len; j++)
			if (buf[j] == '\\')
				CHECK(j + 3 < len && buf[j + 1] >= '0' && buf[j + 1] <= '3' &&
				      buf[j + 3] >= '0' && buf[j + 3] <= '7');
		CHECK(used <= 4);
	}
}

static void test_id_fmt_escapes(void)
{
	struct cy_id id;
	char buf[ID_STRLEN];
	uint8_t all[ID_MAXLEN];

	CHECK(id_from_wire(ID_FQDN, (const uint8_t *)"west\n000 forged", 15, &id));
	CHECK_STR(id_fmt(&id, buf), "@west\\012000 forged");
	CHECK(id_from_wire(ID_RFC822_ADDR, (const uint8_t *)"a'b\"@c\033", 7, &id));
	CHECK_STR(id_fmt(&id, buf), "a\\047b\\042@c\\033");
	CHECK(id_from_wire(ID_KEY_ID, (const uint8_t *)"k\\y", 3, &id));
	CHECK_STR(id_fmt(&id, buf), "@[k\\134y]");
	CHECK(id_from_wire(ID_KEY_ID, (const uint8_t *)"k\ny", 3, &id));
	CHECK_STR(id_fmt(&id, buf), "@#6b0a79");
	/* the longest identity, every byte escaped, fits whole */
	memset(all, '\n', sizeof(all));
	CHECK(id_from_wire(ID_FQDN, all, sizeof(all), &id));
	CHECK_INT(strlen(id_fmt(&id, buf)), 1 + 4 * ID_MAXLEN);
	CHECK(id_from_wire(ID_DER_ASN1_DN, all, sizeof(all), &id));
	CHECK_INT(strlen(id_fmt(&id, buf)), 4 * ID_MAXLEN);
	CHECK(strchr(buf, '\n') == NULL);
}

static void test_esc_json(void)
{
	static const struct {
		const char *in, *out;
	} rows[] = {
		{ "west-east", "west-east" },
		{ "a\"b\\c", "a\\\"b\\\\c" },
		{ "l1\nl2\r\t\033\x7f", "l1\\u000al2\\u000d\\u0009\\u001b\\u007f" },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80" },
		{ "x\xff\xc3(", "x\\ufffd\\ufffd(" },                /* stray byte, cut sequence */
		{ "\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80", /* overlong, surrogate, > U+10FFFF */
		  "\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd" },
		{ "\xe2\x82", "\\ufffd\\ufffd" },
	};
	char buf[ESC_JSON_STRLEN(16)];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		CHECK_STR(esc_json(buf, sizeof(buf), rows[i].in), rows[i].out);
	CHECK_STR(esc_json(buf, 7, "ab\n"), "ab");                 /* \u000a does not fit */
	CHECK_STR(esc_json(buf, 9, "ab\n"), "ab\\u000a");
	CHECK_STR(esc_json(buf, 4, "a\xe2\x82\xac"), "a");      /* no split sequence */
	CHECK_STR(esc_json(buf, 5, "a\xe2\x82\xac"), "a\xe2\x82\xac");
}

int main(void)
{
	RUN(test_esc_table);
	RUN(test_esc_truncation);
	RUN(test_id_fmt_escapes);
	RUN(test_esc_json);
	return t_done();
}
