/* Wire decoders (src/ike/wire_*.c): one row per malformed-input class,
 * each rejected with its specific reason, plus accepted edge cases. */
#include "harness.h"

#include <stdio.h>

#include "ike/wire.h"

enum kind { K_MSG, K_MSG_RAW, K_SA, K_KE, K_NONCE, K_ID, K_AUTH, K_N, K_D, K_TS, K_CP,
	    K_CERT, K_CERTREQ, K_SKF, K_SK16, K_UNPAD, K_CHAIN };

/* IKE header with next payload NP; K_MSG fixes the length field. */
#define HDR(np) "0102030405060708 0000000000000000 " np " 20 22 08 00000000 00000000 "
#define TS4(proto, sp, ep, a, b) "07" proto "0010" sp ep a b

static const struct row {
	const char *label;
	enum kind kind;
	const char *hex;
	enum wire_err want;
} rows[] = {
	/* header */
	{ "hdr truncated", K_MSG_RAW, "0102030405060708 0000000000000000 00 20 22 08 00000000 000000", WIRE_HDR_TRUNCATED },
	{ "hdr major 1", K_MSG, "0102030405060708 0000000000000000 00 10 22 08 00000000 00000000", WIRE_HDR_BAD_MAJOR },
	{ "hdr major 3", K_MSG, "0102030405060708 0000000000000000 00 30 22 08 00000000 00000000", WIRE_HDR_BAD_MAJOR },
	{ "hdr length mismatch", K_MSG_RAW, HDR("00") , WIRE_HDR_LENGTH_MISMATCH },
	{ "hdr length > datagram", K_MSG_RAW, "0102030405060708 0000000000000000 00 20 22 08 00000000 0000001d", WIRE_HDR_LENGTH_MISMATCH },
	{ "hdr minor ignored", K_MSG, "0102030405060708 0000000000000000 00 2f 22 08 00000000 00000000", WIRE_OK },
	{ "empty message", K_MSG, HDR("00"), WIRE_OK },
	/* generic payload chain */
	{ "payload header truncated", K_MSG, HDR("2b") "0000", WIRE_PL_TRUNCATED },
	{ "payload length < 4", K_MSG, HDR("2b") "00000003", WIRE_PL_LEN_SHORT },
	{ "payload length 0", K_MSG, HDR("2b") "00000000", WIRE_PL_LEN_SHORT },
	{ "payload past end", K_MSG, HDR("2b") "00000008 aa", WIRE_PL_PAST_END },
	{ "second payload past end", K_MSG, HDR("2b") "2b000005 aa 00000009 bb", WIRE_PL_PAST_END },
	{ "unknown critical", K_MSG, HDR("63") "00800004", WIRE_UNSUPPORTED_CRITICAL },
	{ "unknown non-critical skipped", K_MSG, HDR("63") "2b000005 aa 00000004", WIRE_OK },
	{ "trailing bytes", K_MSG, HDR("2b") "00000004 ff", WIRE_PL_TRAILING },
	{ "SK not last", K_MSG, HDR("2e") "2b000004 00000004", WIRE_SK_NOT_LAST },
	{ "SKF header truncated", K_MSG, HDR("35") "00000006 0001", WIRE_SKF_TRUNCATED },
	{ "SK last ok", K_MSG, HDR("2b") "2e000004 2b000008 00000000", WIRE_OK },
	{ "SK nested", K_CHAIN, "2e000004", WIRE_SK_NESTED },
	{ "SKF nested", K_CHAIN, "35000008 00010001", WIRE_SK_NESTED },
	/* SA */
	{ "SA zero proposals", K_SA, "", WIRE_SA_NO_PROPOSALS },
	{ "SA ok", K_SA, "00000014 01010001 0000000c 0100000c 800e0080", WIRE_OK },
	{ "SA proposal truncated", K_SA, "00000010 0101", WIRE_SA_PROP_TRUNCATED },
	{ "SA proposal length past end", K_SA, "00000020 01010001 00000008 0100000c", WIRE_SA_PROP_LENGTH },
	{ "SA proposal length < 8", K_SA, "00000004 01010001", WIRE_SA_PROP_LENGTH },
	{ "SA proposal last bad value", K_SA, "05000010 01010001 00000008 0100000c", WIRE_SA_PROP_LAST },
	{ "SA proposal more but none", K_SA, "02000010 01010001 00000008 0100000c", WIRE_SA_PROP_LAST },
	{ "SA proposal last but more", K_SA, "00000010 01010001 00000008 0100000c 00000010 02010001 00000008 0100000c", WIRE_SA_PROP_LAST },
	{ "SA proposal number 0", K_SA, "00000010 00010001 00000008 0100000c", WIRE_SA_PROP_NUMBER },
	{ "SA proposal numbers 1,3", K_SA, "02000010 01010001 00000008 0100000c 00000010 03010001 00000008 0100000c", WIRE_SA_PROP_NUMBER },
	{ "SA offer starting at 2", K_SA, "02000010 02010001 00000008 0100000c 00000010 03010001 00000008 0100000c", WIRE_SA_PROP_NUMBER },
	{ "SA single proposal num 3 (response)", K_SA, "00000010 03010001 00000008 0100000c", WIRE_OK },
	{ "SA bad protocol", K_SA, "00000010 01040001 00000008 0100000c", WIRE_SA_BAD_PROTO },
	{ "SA ESP spi size 0", K_SA, "00000010 01030001 00000008 0100000c", WIRE_SA_SPI_SIZE },
	{ "SA IKE spi size 4", K_SA, "00000014 01010401 11223344 00000008 0100000c", WIRE_SA_SPI_SIZE },
	{ "SA ESP spi truncated", K_SA, "0000000a 01030401 1122", WIRE_SA_PROP_LENGTH },
	{ "SA mixed IKE and ESP", K_SA, "02000010 01010001 00000008 0100000c 00000014 02030401 11223344 00000008 0100000c", WIRE_SA_MIXED_PROTO },
	{ "SA transform count mismatch", K_SA, "00000010 01010002 00000008 0100000c", WIRE_SA_TRANS_COUNT },
	{ "SA transform count 0", K_SA, "00000008 01010000", WIRE_SA_TRANS_COUNT },
	{ "SA transform truncated", K_SA, "0000000c 01010001 00000008", WIRE_SA_TRANS_TRUNCATED },
	{ "SA transform length < 8", K_SA, "00000010 01010001 00000004 0100000c", WIRE_SA_TRANS_LENGTH },
	{ "SA transform length past end", K_SA, "00000010 01010001 0000000c 0100000c", WIRE_SA_TRANS_LENGTH },
	{ "SA transform last flag wrong", K_SA, "00000010 01010001 03000008 0100000c", WIRE_SA_TRANS_LAST },
	{ "SA transform attribute truncated", K_SA, "00000012 01010001 0000000a 0100000c 800e", WIRE_SA_ATTR_TRUNCATED },
	{ "SA TLV attribute value truncated", K_SA, "00000014 01010001 0000000c 0100000c 00110008", WIRE_SA_ATTR_TRUNCATED },
	{ "SA KEY_LENGTH in TLV form", K_SA, "00000016 01010001 0000000e 0100000c 000e0002 0080", WIRE_SA_KEYLEN_FORM },
	{ "SA KEY_LENGTH repeated", K_SA, "00000018 01010001 00000010 0100000c 800e0080 800e0100", WIRE_SA_KEYLEN_DUP },
	/* KE, Nonce, ID, AUTH */
	{ "KE truncated", K_KE, "000e00", WIRE_KE_TRUNCATED },
	{ "KE empty", K_KE, "000e0000", WIRE_KE_EMPTY },
	{ "KE ok", K_KE, "00130000 aa", WIRE_OK },
	{ "Nonce 15 bytes", K_NONCE, "000102030405060708090a0b0c0d0e", WIRE_NONCE_LENGTH },
	{ "Nonce 16 bytes", K_NONCE, "000102030405060708090a0b0c0d0e0f", WIRE_OK },
	{ "Nonce empty", K_NONCE, "", WIRE_NONCE_LENGTH },
	{ "ID truncated", K_ID, "010000", WIRE_ID_TRUNCATED },
	{ "ID IPv4 3 bytes", K_ID, "01000000 c00002", WIRE_ID_BAD },
	{ "ID FQDN empty", K_ID, "02000000", WIRE_ID_BAD },
	{ "ID unknown type", K_ID, "63000000 aa", WIRE_ID_BAD },
	{ "ID IPv4 ok", K_ID, "01000000 c0000201", WIRE_OK },
	{ "AUTH truncated", K_AUTH, "02", WIRE_AUTH_TRUNCATED },
	{ "AUTH empty", K_AUTH, "02000000", WIRE_AUTH_EMPTY },
	/* Notify */
	{ "N truncated", K_N, "000040", WIRE_N_TRUNCATED },
	{ "N spi size 3", K_N, "03034009 112233", WIRE_N_SPI_SIZE },
	{ "N spi truncated", K_N, "03044009 1122", WIRE_N_TRUNCATED },
	{ "N COOKIE empty", K_N, "00004006", WIRE_N_DATA_LENGTH },
	{ "N COOKIE 1 byte", K_N, "00004006 aa", WIRE_OK },
	{ "N COOKIE with spi", K_N, "01084006 0102030405060708 aa", WIRE_N_SPI_SIZE },
	{ "N NAT_D 19 bytes", K_N, "00004004 000102030405060708090a0b0c0d0e0f101112", WIRE_N_DATA_LENGTH },
	{ "N NAT_D 20 bytes", K_N, "00004005 000102030405060708090a0b0c0d0e0f10111213", WIRE_OK },
	{ "N SIGNATURE_HASH odd", K_N, "0000402f 000200", WIRE_N_DATA_LENGTH },
	{ "N SIGNATURE_HASH empty", K_N, "0000402f", WIRE_N_DATA_LENGTH },
	{ "N SIGNATURE_HASH ok", K_N, "0000402f 00020003 0004", WIRE_OK },
	{ "N REKEY_SA proto IKE", K_N, "01044009 00000001", WIRE_N_PROTO },
	{ "N REKEY_SA no spi", K_N, "03004009", WIRE_N_SPI_SIZE },
	{ "N REKEY_SA with data", K_N, "03044009 00000001 aa", WIRE_N_DATA_LENGTH },
	{ "N REKEY_SA ok", K_N, "03044009 00000001", WIRE_OK },
	{ "N INVALID_KE 3 bytes", K_N, "00000011 001300", WIRE_N_DATA_LENGTH },
	{ "N INVALID_KE ok", K_N, "00000011 0013", WIRE_OK },
	{ "N FRAGMENTATION_SUPPORTED data", K_N, "0000402e aa", WIRE_N_DATA_LENGTH },
	{ "N SET_WINDOW_SIZE 2", K_N, "00004001 0001", WIRE_N_DATA_LENGTH },
	{ "N unknown type any data", K_N, "00009999 aabbcc", WIRE_OK },
	/* Delete */
	{ "D truncated", K_D, "010000", WIRE_D_TRUNCATED },
	{ "D IKE spi size 8", K_D, "01080001 0102030405060708", WIRE_D_SPI_SIZE },
	{ "D IKE count 1", K_D, "01000001", WIRE_D_COUNT },
	{ "D IKE ok", K_D, "01000000", WIRE_OK },
	{ "D ESP spi size 8", K_D, "03080001 0102030405060708", WIRE_D_SPI_SIZE },
	{ "D ESP count 2 one spi", K_D, "03040002 11223344", WIRE_D_COUNT },
	{ "D ESP count 0", K_D, "03040000", WIRE_D_COUNT },
	{ "D ESP ok", K_D, "03040002 11223344 55667788", WIRE_OK },
	{ "D bad proto", K_D, "07040001 11223344", WIRE_D_BAD_PROTO },
	/* Traffic selectors */
	{ "TS truncated", K_TS, "0100", WIRE_TS_TRUNCATED },
	{ "TS count 0", K_TS, "00000000", WIRE_TS_COUNT_ZERO },
	{ "TS count 17", K_TS, "11000000", WIRE_TS_TOO_MANY },
	{ "TS count 2 one selector", K_TS, "02000000" TS4("00", "0000", "ffff", "c0000200", "c00002ff"), WIRE_TS_COUNT_MISMATCH },
	{ "TS trailing bytes", K_TS, "01000000" TS4("00", "0000", "ffff", "c0000200", "c00002ff") "00", WIRE_TS_COUNT_MISMATCH },
	{ "TS selector truncated", K_TS, "01000000 07000010 0000ffff c0000200", WIRE_TS_COUNT_MISMATCH },
	{ "TS type 9", K_TS, "01000000 09000010 0000ffff c0000200 c00002ff", WIRE_TS_BAD_TYPE },
	{ "TS IPv4 length 40", K_TS, "01000000 07000028 0000ffff c0000200 c00002ff", WIRE_TS_BAD_LENGTH },
	{ "TS IPv6 length 16", K_TS, "01000000 08000010 0000ffff 20010db8 20010db8", WIRE_TS_BAD_LENGTH },
	{ "TS start > end address", K_TS, "01000000" TS4("00", "0000", "ffff", "c00002ff", "c0000200"), WIRE_TS_ADDR_ORDER },
	{ "TS start > end port", K_TS, "01000000" TS4("06", "01f4", "0050", "c0000200", "c00002ff"), WIRE_TS_PORT_ORDER },
	{ "TS opaque ports", K_TS, "01000000" TS4("11", "ffff", "0000", "c0000200", "c00002ff"), WIRE_OK },
	{ "TS IPv6 ok", K_TS, "01000000 08000028 0000ffff 20010db8000000000000000000000000 20010db8ffffffffffffffffffffffff", WIRE_OK },
	/* CP, CERT, CERTREQ */
	{ "CP truncated", K_CP, "010000", WIRE_CP_TRUNCATED },
	{ "CP attribute truncated", K_CP, "01000000 00010004 00", WIRE_CP_TRUNCATED },
	{ "CP attribute header truncated", K_CP, "01000000 0001", WIRE_CP_TRUNCATED },
	{ "CP empty request attribute ok", K_CP, "01000000 00010000", WIRE_OK },
	{ "CERT truncated", K_CERT, "", WIRE_CERT_TRUNCATED },
	{ "CERT empty", K_CERT, "04", WIRE_CERT_EMPTY },
	{ "CERTREQ 19 bytes", K_CERTREQ, "04 000102030405060708090a0b0c0d0e0f101112", WIRE_CERTREQ_LENGTH },
	{ "CERTREQ empty ok", K_CERTREQ, "04", WIRE_OK },
	/* SK / SKF framing (iv 16, icv 16, block 16 for K_SK16) */
	{ "SKF truncated", K_SKF, "0001", WIRE_SKF_TRUNCATED },
	{ "SKF number > total", K_SKF, "00030002 aa", WIRE_SKF_BAD_NUMBER },
	{ "SKF number 0", K_SKF, "00000002 aa", WIRE_SKF_BAD_NUMBER },
	{ "SKF total 65", K_SKF, "00010041 aa", WIRE_SKF_TOO_MANY },
	{ "SKF ok", K_SKF, "00020002 aa", WIRE_OK },
	{ "SK shorter than iv+block+icv", K_SK16, "00000000000000000000000000000000 00000000000000000000000000000000 0000000000000000", WIRE_SK_TOO_SHORT },
	{ "SK ciphertext not block multiple", K_SK16, "00000000000000000000000000000000 0000000000000000000000000000000000 00000000000000000000000000000000", WIRE_SK_BAD_BLOCK },
	{ "SK pad length too big", K_UNPAD, "aabb05", WIRE_SK_BAD_PAD },
	{ "SK pad empty", K_UNPAD, "", WIRE_SK_BAD_PAD },
	{ "SK pad ok", K_UNPAD, "aabb0000 01", WIRE_OK },
};

static enum wire_err run_row(const struct row *r, uint8_t *b, size_t n)
{
	static struct ike_msg m;
	static struct ike_sa_payload sa;
	union {
		struct ike_ke ke; struct ike_nonce no; struct ike_id_payload id; struct ike_auth au;
		struct ike_notify n; struct ike_delete d; struct ike_ts_payload ts; struct ike_cp cp;
		struct ike_cert c; struct ike_skf f; struct ike_sk_parts sk; struct ike_chain ch;
	} u;
	size_t inner;

	switch (r->kind) {
	case K_MSG:
		if (n >= IKE_HDR_LEN)
			put_be32(b + 24, (uint32_t)n);
		return ike_msg_decode(b, n, &m);
	case K_MSG_RAW: return ike_msg_decode(b, n, &m);
	case K_SA: return ike_sa_decode(b, n, &sa);
	case K_KE: return ike_ke_decode(b, n, &u.ke);
	case K_NONCE: return ike_nonce_decode(b, n, &u.no);
	case K_ID: return ike_id_decode(b, n, &u.id);
	case K_AUTH: return ike_auth_decode(b, n, &u.au);
	case K_N: return ike_notify_decode(b, n, &u.n);
	case K_D: return ike_delete_decode(b, n, &u.d);
	case K_TS: return ike_ts_decode(b, n, &u.ts);
	case K_CP: return ike_cp_decode(b, n, &u.cp);
	case K_CERT: return ike_cert_decode(b, n, false, &u.c);
	case K_CERTREQ: return ike_cert_decode(b, n, true, &u.c);
	case K_SKF: return ike_skf_decode(b, n, &u.f);
	case K_SK16: return ike_sk_split(b, n, 16, 16, 16, &u.sk);
	case K_UNPAD: return ike_sk_unpad(b, n, &inner);
	case K_CHAIN: return ike_chain_decode(b[0] ? IKEV2_PL_SK : 0, b, n, &u.ch);
	}
	return WIRE_OK;
}

static void test_malformed_table(void)
{
	static uint8_t buf[4096];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		size_t n = t_unhex(r->hex, buf, sizeof(buf));
		enum wire_err e;

		if (r->kind == K_CHAIN) {
			/* first byte of hex is the first payload's own type here */
			uint8_t first = r->hex[0] == '3' ? IKEV2_PL_SKF : IKEV2_PL_SK;
			struct ike_chain ch;
			buf[0] = 0;
			e = ike_chain_decode(first, buf, n, &ch);
		} else {
			e = run_row(r, buf, n);
		}
		if (e != r->want)
			t_fail(__FILE__, __LINE__, "row \"%s\": got %s, want %s", r->label,
			       wire_err_name(e), wire_err_name(r->want));
	}
}

static void test_long_inputs(void)
{
	static uint8_t buf[IKE_HDR_LEN + 65 * 4 + 300];
	static struct ike_msg m;
	struct ike_notify n;
	struct ike_nonce no;
	size_t len;

	/* 65 vendor payloads: one more than IKE_MAX_PAYLOADS */
	t_unhex(HDR("2b"), buf, sizeof(buf));
	len = IKE_HDR_LEN;
	for (int i = 0; i < 65; i++) {
		buf[len] = i == 64 ? 0 : IKEV2_PL_VENDOR;
		buf[len + 1] = 0;
		put_be16(buf + len + 2, 4);
		len += 4;
	}
	put_be32(buf + 24, (uint32_t)len);
	CHECK_INT(ike_msg_decode(buf, len, &m), WIRE_PL_TOO_MANY);
	/* 64 are fine */
	buf[IKE_HDR_LEN + 63 * 4] = 0;
	put_be32(buf + 24, (uint32_t)(len - 4));
	CHECK_INT(ike_msg_decode(buf, len - 4, &m), WIRE_OK);
	CHECK_INT(m.outer.n, 64);

	/* COOKIE of 65 bytes, Nonce of 257 */
	memset(buf, 0, sizeof(buf));
	put_be16(buf + 2, v2N_COOKIE);
	CHECK_INT(ike_notify_decode(buf, 4 + 64, &n), WIRE_OK);
	CHECK_INT(ike_notify_decode(buf, 4 + 65, &n), WIRE_N_DATA_LENGTH);
	CHECK_INT(ike_nonce_decode(buf, 256, &no), WIRE_OK);
	CHECK_INT(ike_nonce_decode(buf, 257, &no), WIRE_NONCE_LENGTH);

	/* header claiming more than the maximum */
	t_unhex(HDR("00"), buf, sizeof(buf));
	put_be32(buf + 24, 70000);
	CHECK_INT(ike_msg_decode(buf, IKE_HDR_LEN, &m), WIRE_HDR_TOO_LONG);
}

static void test_header_fields(void)
{
	uint8_t buf[64];
	struct ike_msg m;
	size_t n = t_unhex("0102030405060708 a1a2a3a4a5a6a7a8 00 21 25 28 01020304 0000001c", buf, sizeof(buf));

	CHECK_INT(ike_msg_decode(buf, n, &m), WIRE_OK);
	CHECK(m.hdr.spi_i == 0x0102030405060708ull);
	CHECK(m.hdr.spi_r == 0xa1a2a3a4a5a6a7a8ull);
	CHECK_INT(m.hdr.major, 2);
	CHECK_INT(m.hdr.minor, 1);
	CHECK_INT(m.hdr.exch, IKEV2_EXCH_INFORMATIONAL);
	CHECK(ike_hdr_is_response(&m.hdr));
	CHECK(ike_hdr_from_initiator(&m.hdr));
	CHECK_INT(m.hdr.msgid, 0x01020304);
	CHECK_INT(m.sk_index, -1);
	/* bad major still fills the header so the caller can answer */
	buf[17] = 0x30;
	CHECK_INT(ike_msg_decode(buf, n, &m), WIRE_HDR_BAD_MAJOR);
	CHECK_INT(m.hdr.exch, IKEV2_EXCH_INFORMATIONAL);
	CHECK_INT(m.hdr.major, 3);
}

static void test_unsupported_critical_reports_type(void)
{
	uint8_t buf[64];
	struct ike_msg m;
	size_t n = t_unhex(HDR("2b") "63000004 00800004", buf, sizeof(buf));

	put_be32(buf + 24, (uint32_t)n);
	buf[IKE_HDR_LEN] = 99;
	CHECK_INT(ike_msg_decode(buf, n, &m), WIRE_UNSUPPORTED_CRITICAL);
	CHECK_INT(m.outer.bad_type, 99);
	CHECK_INT(m.hdr.msgid, 0);
}

static void test_sk_aad(void)
{
	uint8_t buf[128];
	struct ike_msg m;
	size_t n = t_unhex(HDR("2b") "2e000004 23000008 00000000", buf, sizeof(buf));

	put_be32(buf + 24, (uint32_t)n);
	CHECK_INT(ike_msg_decode(buf, n, &m), WIRE_OK);
	CHECK_INT(m.outer.n, 2);
	CHECK_INT(m.sk_index, 1);
	CHECK(!m.sk_is_frag);
	CHECK_INT(m.sk_first_np, IKEV2_PL_IDi);
	CHECK_INT(m.aad_len, IKE_HDR_LEN + 4 + 4);
	CHECK_INT(m.outer.pl[1].len, 4);
}

static void test_names(void)
{
	CHECK_STR(wire_err_name(WIRE_TS_ADDR_ORDER), "WIRE_TS_ADDR_ORDER");
	CHECK_STR(wire_err_text(WIRE_KE_EMPTY), "KE payload without key exchange data");
	CHECK_STR(wire_err_name((enum wire_err)9999), "WIRE_?");
	for (int e = 0; e < WIRE_ERR_COUNT; e++)
		CHECK(wire_err_name((enum wire_err)e) && wire_err_text((enum wire_err)e));
}

int main(void)
{
	RUN(test_malformed_table);
	RUN(test_long_inputs);
	RUN(test_header_fields);
	RUN(test_unsupported_critical_reports_type);
	RUN(test_sk_aad);
	RUN(test_names);
	return t_done();
}
