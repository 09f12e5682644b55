/* The control protocol's encoders and pure decoders (src/ctl/ctl_msg.c). */
#include "harness.h"

#include <stdio.h>

#include "ctl/ctl_msg.h"
#include "lib/buf.h"

static uint8_t buf[CTL_MAX_MSG + 64];
static struct ctl_kv kvin[CTL_MAX_KV + 1], kvout[CTL_MAX_KV];

static void test_request_roundtrip(void)
{
	struct ctl_request rq = { .op = CTL_OP_ADD, .flags = CTL_F_VERBOSE | CTL_F_REPLACE, .kv = kvin };
	struct ctl_request out = { .kv = kvout };
	size_t n;

	rq.name = (struct ctl_str){ "west-east", 9 };
	kvin[0] = (struct ctl_kv){ 1, { "", 0 }, { "192.0.2.1", 9 } };
	kvin[1] = (struct ctl_kv){ 2, { "subnet", 6 }, { "10.2.0.0/24", 11 } };
	kvin[2] = (struct ctl_kv){ 0, { "auto", 4 }, { "", 0 } };
	rq.nkv = 3;
	n = ctl_encode_request(buf, sizeof(buf), &rq);
	CHECK(n > CTL_HDR_LEN);
	CHECK_INT(ctl_decode_request(buf, n, &out), CTL_E_OK);
	CHECK_INT(out.op, CTL_OP_ADD);
	CHECK_INT(out.flags, CTL_F_VERBOSE | CTL_F_REPLACE);
	CHECK(ctl_str_eq(out.name, "west-east"));
	CHECK_INT(out.nkv, 3);
	CHECK_INT(out.kv[0].side, 1);
	CHECK(ctl_str_eq(out.kv[0].key, ""));
	CHECK(ctl_str_eq(out.kv[0].value, "192.0.2.1"));
	CHECK(ctl_str_eq(out.kv[1].key, "subnet"));
	CHECK(ctl_str_eq(out.kv[2].value, ""));
	/* every truncation of a valid message is rejected */
	for (size_t k = 0; k < n; k++)
		if (ctl_decode_request(buf, k, &out) == CTL_E_OK)
			t_fail(__FILE__, __LINE__, "truncated to %zu bytes decoded", k);
}

static void test_line_done_roundtrip(void)
{
	struct ctl_line l;
	uint16_t st = 0;
	size_t n = ctl_encode_line(buf, sizeof(buf), 21, "no connection named \"x\"", 23);

	CHECK_INT(ctl_decode_line(buf, n, &l), CTL_E_OK);
	CHECK_INT(l.code, 21);
	CHECK(ctl_str_eq(l.text, "no connection named \"x\""));
	CHECK_INT(ctl_decode_request(buf, n, &(struct ctl_request){ .kv = kvout }), CTL_E_TYPE);
	n = ctl_encode_done(buf, sizeof(buf), 36);
	CHECK_INT(ctl_decode_done(buf, n, &st), CTL_E_OK);
	CHECK_INT(st, 36);
	CHECK_INT(ctl_decode_line(buf, n, &l), CTL_E_TYPE);
}

static void test_encoder_limits(void)
{
	static char big[CTL_MAX_STR + 2];
	struct ctl_request rq = { .op = CTL_OP_DELETE, .kv = kvin };

	memset(big, 'a', sizeof(big) - 1);
	rq.name = (struct ctl_str){ big, CTL_MAX_STR + 1 };
	CHECK_INT(ctl_encode_request(buf, sizeof(buf), &rq), 0);
	rq.name = (struct ctl_str){ "a\0b", 3 };
	CHECK_INT(ctl_encode_request(buf, sizeof(buf), &rq), 0);
	rq.name = (struct ctl_str){ "a", 1 };
	CHECK_INT(ctl_encode_request(buf, 8, &rq), 0);            /* no room */
	rq.nkv = CTL_MAX_KV + 1;
	CHECK_INT(ctl_encode_request(buf, sizeof(buf), &rq), 0);
	/* lines longer than the limit are truncated, not refused */
	CHECK(ctl_encode_line(buf, sizeof(buf), 0, big, sizeof(big) - 1) > 0);
}

/* Hand-made messages: header fields and attributes, one row each. */
static size_t mk(uint8_t *p, uint32_t magic, uint16_t ver, uint16_t type, const char *body_hex,
		 int32_t len_override)
{
	uint8_t body[256];
	size_t bl = t_unhex(body_hex, body, sizeof(body));

	put_be32(p, magic);
	put_be16(p + 4, ver);
	put_be16(p + 6, type);
	put_be32(p + 8, len_override >= 0 ? (uint32_t)len_override : (uint32_t)bl);
	memcpy(p + 12, body, bl);
	return 12 + bl;
}

static void test_malformed_table(void)
{
	static const struct {
		const char *label;
		uint32_t magic;
		uint16_t ver, type;
		const char *body;
		int32_t len;
		enum ctl_err want;
	} rows[] = {
		{ "ok status", CTL_MAGIC, 1, 1, "0001 0002 0015", -1, CTL_E_OK },
		{ "bad magic", 0x50555454, 1, 1, "0001 0002 0015", -1, CTL_E_MAGIC },
		{ "version 2", CTL_MAGIC, 2, 1, "0001 0002 0015", -1, CTL_E_VERSION },
		{ "too big", CTL_MAGIC, 1, 1, "", CTL_MAX_BODY + 1, CTL_E_TOOBIG },
		{ "length beyond data", CTL_MAGIC, 1, 1, "0001 0002 0015", 7, CTL_E_SHORT },
		{ "length short of data", CTL_MAGIC, 1, 1, "0001 0002 0015", 4, CTL_E_ATTR },
		{ "wrong type", CTL_MAGIC, 1, 2, "0001 0002 0015", -1, CTL_E_TYPE },
		{ "attr past end", CTL_MAGIC, 1, 1, "0001 0009 0015", -1, CTL_E_ATTR },
		{ "attr header cut", CTL_MAGIC, 1, 1, "0001 0002 0015 00", -1, CTL_E_ATTR },
		{ "op wrong size", CTL_MAGIC, 1, 1, "0001 0001 15", -1, CTL_E_ATTR },
		{ "op twice", CTL_MAGIC, 1, 1, "0001 0002 0015 0001 0002 0015", -1, CTL_E_DUP },
		{ "no op", CTL_MAGIC, 1, 1, "0002 0001 61", -1, CTL_E_NOOP },
		{ "unknown op", CTL_MAGIC, 1, 1, "0001 0002 7777", -1, CTL_E_NOOP },
		{ "delete without name", CTL_MAGIC, 1, 1, "0001 0002 0002", -1, CTL_E_NONAME },
		{ "delete with name", CTL_MAGIC, 1, 1, "0001 0002 0002 0002 0001 61", -1, CTL_E_OK },
		{ "NUL in name", CTL_MAGIC, 1, 1, "0001 0002 0002 0002 0002 6100", -1, CTL_E_STR },
		{ "unknown attr skipped", CTL_MAGIC, 1, 1, "0001 0002 0015 0063 0003 616263", -1, CTL_E_OK },
		{ "flags wrong size", CTL_MAGIC, 1, 1, "0001 0002 0015 0003 0002 0001", -1, CTL_E_ATTR },
		{ "kv bad side", CTL_MAGIC, 1, 1, "0001 0002 0001 0002 0001 61 0005 0003 09 00 78", -1, CTL_E_ATTR },
		{ "kv key past end", CTL_MAGIC, 1, 1, "0001 0002 0001 0002 0001 61 0005 0003 01 05 78", -1, CTL_E_ATTR },
		{ "kv ok", CTL_MAGIC, 1, 1, "0001 0002 0001 0002 0001 61 0005 0004 01 01 78 79", -1, CTL_E_OK },
		{ "rekey-ike without name", CTL_MAGIC, 1, 1, "0001 0002 001f", -1, CTL_E_NONAME },
		{ "rekey-ipsec without name", CTL_MAGIC, 1, 1, "0001 0002 0020 0003 0004 00000001", -1, CTL_E_NONAME },
		{ "rekey-ipsec async", CTL_MAGIC, 1, 1, "0001 0002 0020 0003 0004 00000001 0002 0001 74", -1, CTL_E_OK },
		{ "op after rekey-ipsec", CTL_MAGIC, 1, 1, "0001 0002 0021 0002 0001 74", -1, CTL_E_NOOP },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct ctl_request rq = { .kv = kvout };
		size_t n = mk(buf, rows[i].magic, rows[i].ver, rows[i].type, rows[i].body, rows[i].len);
		enum ctl_err e = ctl_decode_request(buf, n, &rq);

		if (e != rows[i].want)
			t_fail(__FILE__, __LINE__, "row \"%s\": got %s, want %s", rows[i].label,
			       ctl_err_name(e), ctl_err_name(rows[i].want));
	}
}

static void test_too_many_kv(void)
{
	struct ctl_request rq = { .op = CTL_OP_ADD, .kv = kvin }, out = { .kv = kvout };
	size_t n;

	rq.name = (struct ctl_str){ "x", 1 };
	for (size_t i = 0; i < CTL_MAX_KV; i++)
		kvin[i] = (struct ctl_kv){ 0, { "k", 1 }, { "v", 1 } };
	rq.nkv = CTL_MAX_KV;
	n = ctl_encode_request(buf, sizeof(buf), &rq);
	CHECK(n > 0);
	CHECK_INT(ctl_decode_request(buf, n, &out), CTL_E_OK);
	CHECK_INT(out.nkv, CTL_MAX_KV);
	/* append one more kv attribute by hand */
	memcpy(buf + n, "\x00\x05\x00\x03\x00\x01k", 7);
	put_be32(buf + 8, (uint32_t)(n + 7 - CTL_HDR_LEN));
	CHECK_INT(ctl_decode_request(buf, n + 7, &out), CTL_E_TOOMANYKV);
}

/* The op numbers are the wire format: a client and a daemon of different
 * builds must agree on them, so each is pinned here (new ops go at the end). */
static void test_op_numbers(void)
{
	static const struct {
		int op;
		const char *name;
		bool needs_name;
	} rows[] = {
		{ 1, "add", true }, { 2, "delete", true }, { 3, "initiate", true }, { 4, "terminate", true },
		{ 5, "route", true }, { 6, "unroute", true }, { 7, "listen", false }, { 8, "unlisten", false },
		{ 9, "rereadsecrets", false }, { 10, "rereadcerts", false }, { 11, "rereadall", false },
		{ 12, "rereadgroups", false }, { 13, "listpubkeys", false }, { 14, "listcerts", false },
		{ 15, "listcacerts", false }, { 16, "listcrls", false }, { 17, "listgroups", false },
		{ 18, "checkpubkeys", false }, { 19, "listall", false }, { 20, "purgeocsp", false },
		{ 21, "status", false }, { 22, "briefstatus", false }, { 23, "globalstatus", false },
		{ 24, "showstates", false }, { 25, "trafficstatus", false }, { 26, "shuntstatus", false },
		{ 27, "fipsstatus", false }, { 28, "shutdown", false }, { 29, "ping", false },
		{ 30, "connectionstatus", false }, { 31, "rekey-ike", true }, { 32, "rekey-ipsec", true },
	};

	CHECK_INT(CTL_OP_MAX, (int)(sizeof(rows) / sizeof(rows[0])) + 1);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *n = ctl_op_name((enum ctl_op)rows[i].op);

		if (!n || strcmp(n, rows[i].name) != 0 || ctl_op_needs_name((enum ctl_op)rows[i].op) != rows[i].needs_name)
			t_fail(__FILE__, __LINE__, "op %d: got \"%s\" needs_name %d, want \"%s\" %d", rows[i].op,
			       n ? n : "(none)", ctl_op_needs_name((enum ctl_op)rows[i].op), rows[i].name,
			       rows[i].needs_name);
	}
	CHECK_INT(CTL_OP_REKEYIKE, 31);
	CHECK_INT(CTL_OP_REKEYIPSEC, 32);
}

/* whack --name t --rekey-ipsec --asynchronous on the wire, both ways. */
static void test_rekey_request(void)
{
	static const char want_hex[] = "43594743 0001 0001 00000013 0001 0002 0020 0003 0004 00000001 0002 0001 74";
	uint8_t want[64];
	size_t wn = t_unhex(want_hex, want, sizeof(want));
	struct ctl_request rq = { .op = CTL_OP_REKEYIPSEC, .flags = CTL_F_ASYNC, .name = { "t", 1 } };
	struct ctl_request out = { .kv = kvout };
	size_t n = ctl_encode_request(buf, sizeof(buf), &rq);

	CHECK_INT(n, wn);
	CHECK_MEM(buf, want, wn);
	CHECK_INT(ctl_decode_request(want, wn, &out), CTL_E_OK);
	CHECK_INT(out.op, CTL_OP_REKEYIPSEC);
	CHECK_INT(out.flags, CTL_F_ASYNC);
	CHECK(ctl_str_eq(out.name, "t"));
	CHECK_INT(ctl_op_by_name("rekey-ike"), CTL_OP_REKEYIKE);
}

static void test_op_table(void)
{
	CHECK_INT(ctl_op_by_name("status"), CTL_OP_STATUS);
	CHECK_INT(ctl_op_by_name("nosuch"), CTL_OP_NONE);
	CHECK(ctl_op_needs_name(CTL_OP_INITIATE));
	CHECK(!ctl_op_needs_name(CTL_OP_LISTALL));
	for (int op = 1; op < CTL_OP_MAX; op++) {
		const char *n = ctl_op_name((enum ctl_op)op);

		if (!n || (int)ctl_op_by_name(n) != op)
			t_fail(__FILE__, __LINE__, "op %d does not round-trip through its name", op);
	}
	CHECK(ctl_op_name(CTL_OP_MAX) == NULL);
}

int main(void)
{
	RUN(test_request_roundtrip);
	RUN(test_line_done_roundtrip);
	RUN(test_encoder_limits);
	RUN(test_malformed_table);
	RUN(test_too_many_kv);
	RUN(test_op_table);
	RUN(test_op_numbers);
	RUN(test_rekey_request);
	return t_done();
}
