/* Message builder (src/ike/wire_build.c): a hand-checked IKE_SA_INIT
 * layout, encode→decode round trips for every payload, the SK region. */
#include "harness.h"

#include <stdio.h>
#include <sys/socket.h>

#include "ike/wire.h"

static const struct ike_hdr init_hdr = {
	.spi_i = 0x0011223344556677ull, .spi_r = 0, .major = 2,
	.exch = IKEV2_EXCH_IKE_SA_INIT, .flags = IKE_FLAG_I, .msgid = 0,
};

static void one_ike_proposal(struct ike_sa_payload *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->n_prop = 1;
	sa->prop[0] = (struct ike_proposal){ .num = 1, .proto = IKEV2_PROTO_IKE, .n_trans = 4 };
	sa->prop[0].trans[0] = (struct ike_transform){ IKEV2_TRANS_ENCR, IKEV2_ENCR_AES_CBC, 256, false };
	sa->prop[0].trans[1] = (struct ike_transform){ IKEV2_TRANS_PRF, IKEV2_PRF_HMAC_SHA2_256, 0, false };
	sa->prop[0].trans[2] = (struct ike_transform){ IKEV2_TRANS_INTEG, IKEV2_INTEG_HMAC_SHA2_256_128, 0, false };
	sa->prop[0].trans[3] = (struct ike_transform){ IKEV2_TRANS_DH, IKEV2_DH_ECP_256, 0, false };
}

/* HDR, SAi1, KEi, Ni, N(IKEV2_FRAGMENTATION_SUPPORTED) laid out by hand. */
static void test_sa_init_layout(void)
{
	static const char *want_hex =
		/* IKE header (RFC 7296 §3.1) */
		"0011223344556677"   /* SPIi */
		"0000000000000000"   /* SPIr */
		"21"                 /* next payload: SA (33) */
		"20"                 /* version 2.0 */
		"22"                 /* exchange IKE_SA_INIT (34) */
		"08"                 /* flags: Initiator */
		"00000000"           /* message id 0 */
		"00000074"           /* length 116 */
		/* SA payload: next KE (34), not critical, length 48 */
		"22 00 0030"
		/*   proposal: last, length 44, #1, IKE, SPI size 0, 4 transforms */
		"00 00 002c 01 01 00 04"
		/*     ENCR AES_CBC (12), KEY_LENGTH (TV, 14) = 256 */
		"03 00 000c 01 00 000c 800e 0100"
		/*     PRF HMAC_SHA2_256 (5) */
		"03 00 0008 02 00 0005"
		/*     INTEG HMAC_SHA2_256_128 (12) */
		"03 00 0008 03 00 000c"
		/*     DH ECP_256 (19), last transform */
		"00 00 0008 04 00 0013"
		/* KE payload: next Nonce (40), length 12, group 19, reserved, data */
		"28 00 000c 0013 0000 aabbccdd"
		/* Nonce payload: next Notify (41), length 20, 16 bytes */
		"29 00 0014 000102030405060708090a0b0c0d0e0f"
		/* Notify: last, length 8, proto 0, SPI size 0, IKEV2_FRAGMENTATION_SUPPORTED (16430) */
		"00 00 0008 00 00 402e";
	uint8_t want[256], buf[256], nonce[16];
	static const uint8_t ke[4] = { 0xaa, 0xbb, 0xcc, 0xdd };
	struct ike_sa_payload sa;
	struct ikeb b;
	size_t wn = t_unhex(want_hex, want, sizeof(want)), n;

	for (int i = 0; i < 16; i++)
		nonce[i] = (uint8_t)i;
	one_ike_proposal(&sa);
	ikeb_begin(&b, buf, sizeof(buf), &init_hdr);
	ikeb_sa(&b, &sa);
	ikeb_ke(&b, IKEV2_DH_ECP_256, ke, sizeof(ke));
	ikeb_nonce(&b, nonce, sizeof(nonce));
	ikeb_notify(&b, 0, NULL, 0, v2N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
	n = ikeb_finish(&b);
	CHECK_INT(n, 116);
	CHECK_INT(wn, 116);
	if (n == wn)
		CHECK_MEM(buf, want, n);
}

static void test_sa_roundtrip(void)
{
	static struct ike_sa_payload sa, out;
	static uint8_t buf[4096];
	struct ikeb b;
	struct ike_msg m;
	size_t n;

	memset(&sa, 0, sizeof(sa));
	sa.n_prop = 3;
	for (unsigned p = 0; p < 3; p++) {
		struct ike_proposal *pr = &sa.prop[p];
		pr->num = (uint8_t)(p + 1);
		pr->proto = IKEV2_PROTO_ESP;
		pr->spi_size = 4;
		put_be32(pr->spi, 0xc0ffee00 + p);
		pr->n_trans = 2 + p;
		for (unsigned t = 0; t < pr->n_trans; t++)
			pr->trans[t] = (struct ike_transform){ (uint8_t)(1 + t % 5), (uint16_t)(12 + t),
							       (uint16_t)(t == 0 ? 128 : 0), false };
	}
	ikeb_begin(&b, buf, sizeof(buf), &init_hdr);
	ikeb_sa(&b, &sa);
	n = ikeb_finish(&b);
	CHECK(n > 0);
	CHECK_INT(ike_msg_decode(buf, n, &m), WIRE_OK);
	CHECK_INT(m.outer.n, 1);
	CHECK_INT(ike_sa_decode(m.outer.pl[0].body, m.outer.pl[0].len, &out), WIRE_OK);
	CHECK_INT(out.n_prop, 3);
	for (unsigned p = 0; p < 3; p++) {
		CHECK_INT(out.prop[p].num, p + 1);
		CHECK_INT(out.prop[p].proto, IKEV2_PROTO_ESP);
		CHECK_INT(ike_proposal_spi32(&out.prop[p]), 0xc0ffee00 + p);
		CHECK_INT(out.prop[p].n_trans, 2 + p);
		for (unsigned t = 0; t < out.prop[p].n_trans; t++) {
			CHECK_INT(out.prop[p].trans[t].type, sa.prop[p].trans[t].type);
			CHECK_INT(out.prop[p].trans[t].id, sa.prop[p].trans[t].id);
			CHECK_INT(out.prop[p].trans[t].key_len, sa.prop[p].trans[t].key_len);
			CHECK(!out.prop[p].trans[t].unknown_attr);
		}
	}
}

static void test_payload_roundtrips(void)
{
	static uint8_t buf[4096];
	static const uint8_t ke[32] = { 1, 2, 3 }, nonce[32] = { 9 }, authd[32] = { 7 },
		cookie[8] = { 0xc0, 0x0c }, spis[8] = { 0, 0, 0, 1, 0, 0, 0, 2 }, vid[5] = "CYGNT",
		cert[10] = { 0x30, 0x82 }, creq[40] = { 1 };
	static struct ike_msg m;
	struct ike_ts_payload ts = { .n = 2 }, tso;
	struct ike_cp cp = { .type = IKE_CFG_REQUEST, .n = 2 }, cpo;
	struct cy_id id;
	struct ike_id_payload idp;
	struct ike_ke kep;
	struct ike_nonce np;
	struct ike_auth ap;
	struct ike_notify nn;
	struct ike_delete dd;
	struct ike_cert cc;
	struct ikeb b;
	size_t n;
	const char *why;

	CHECK(addr_parse("192.0.2.0", &ts.ts[0].start));
	CHECK(addr_parse("192.0.2.255", &ts.ts[0].end));
	ts.ts[0].ipproto = 6;
	ts.ts[0].sport = 0;
	ts.ts[0].eport = 65535;
	CHECK(addr_parse("2001:db8::", &ts.ts[1].start));
	CHECK(addr_parse("2001:db8::ffff", &ts.ts[1].end));
	ts.ts[1].sport = 500;
	ts.ts[1].eport = 500;
	cp.attr[0] = (struct ike_cp_attr){ 1, NULL, 0 };
	cp.attr[1] = (struct ike_cp_attr){ 8, NULL, 0 };
	CHECK(id_parse("@east.example", &id, &why));

	ikeb_begin(&b, buf, sizeof(buf), &init_hdr);
	ikeb_ke(&b, 31, ke, sizeof(ke));
	ikeb_nonce(&b, nonce, sizeof(nonce));
	ikeb_id(&b, IKEV2_PL_IDi, &id);
	ikeb_auth(&b, IKEV2_AUTH_PSK, authd, sizeof(authd));
	ikeb_notify(&b, 0, NULL, 0, v2N_COOKIE, cookie, sizeof(cookie));
	ikeb_notify(&b, IKEV2_PROTO_ESP, spis, 4, v2N_REKEY_SA, NULL, 0);
	ikeb_delete(&b, IKEV2_PROTO_ESP, 4, 2, spis);
	ikeb_vendor(&b, vid, sizeof(vid));
	ikeb_ts(&b, IKEV2_PL_TSi, &ts);
	ikeb_cp(&b, &cp);
	ikeb_cert(&b, IKEV2_PL_CERT, IKE_CERT_X509_SIG, cert, sizeof(cert));
	ikeb_cert(&b, IKEV2_PL_CERTREQ, IKE_CERT_X509_SIG, creq, sizeof(creq));
	n = ikeb_finish(&b);
	CHECK(n > 0);
	CHECK_INT(ike_msg_decode(buf, n, &m), WIRE_OK);
	CHECK_INT(m.outer.n, 12);
	if (m.outer.n != 12)
		return;
	CHECK_INT(m.outer.pl[0].type, IKEV2_PL_KE);
	CHECK_INT(ike_ke_decode(m.outer.pl[0].body, m.outer.pl[0].len, &kep), WIRE_OK);
	CHECK_INT(kep.group, 31);
	CHECK_INT(kep.len, 32);
	CHECK_MEM(kep.data, ke, 32);
	CHECK_INT(ike_nonce_decode(m.outer.pl[1].body, m.outer.pl[1].len, &np), WIRE_OK);
	CHECK_MEM(np.data, nonce, 32);
	CHECK_INT(m.outer.pl[2].type, IKEV2_PL_IDi);
	CHECK_INT(ike_id_decode(m.outer.pl[2].body, m.outer.pl[2].len, &idp), WIRE_OK);
	CHECK(id_eq(&idp.id, &id));
	CHECK_INT(idp.rest_len, 4 + strlen("east.example"));
	CHECK_INT(ike_auth_decode(m.outer.pl[3].body, m.outer.pl[3].len, &ap), WIRE_OK);
	CHECK_INT(ap.method, IKEV2_AUTH_PSK);
	CHECK_MEM(ap.data, authd, 32);
	CHECK_INT(ike_notify_decode(m.outer.pl[4].body, m.outer.pl[4].len, &nn), WIRE_OK);
	CHECK_INT(nn.type, v2N_COOKIE);
	CHECK_INT(nn.data_len, 8);
	CHECK(ike_chain_find_notify(&m.outer, v2N_COOKIE) == &m.outer.pl[4]);
	CHECK(ike_chain_find_notify(&m.outer, v2N_REKEY_SA) == &m.outer.pl[5]);
	CHECK_INT(ike_notify_decode(m.outer.pl[5].body, m.outer.pl[5].len, &nn), WIRE_OK);
	CHECK_INT(ike_notify_spi32(&nn), 1);
	CHECK_INT(ike_delete_decode(m.outer.pl[6].body, m.outer.pl[6].len, &dd), WIRE_OK);
	CHECK_INT(dd.count, 2);
	CHECK_INT(ike_delete_spi32(&dd, 1), 2);
	CHECK_INT(m.outer.pl[7].len, 5);
	CHECK_INT(ike_ts_decode(m.outer.pl[8].body, m.outer.pl[8].len, &tso), WIRE_OK);
	CHECK_INT(tso.n, 2);
	CHECK_INT(tso.ts[0].type, IKEV2_TS_IPV4_ADDR_RANGE);
	CHECK_INT(tso.ts[0].ipproto, 6);
	CHECK(addr_eq(&tso.ts[0].end, &ts.ts[0].end));
	CHECK_INT(tso.ts[1].type, IKEV2_TS_IPV6_ADDR_RANGE);
	CHECK(addr_eq(&tso.ts[1].start, &ts.ts[1].start));
	CHECK_INT(tso.ts[1].sport, 500);
	CHECK_INT(ike_cp_decode(m.outer.pl[9].body, m.outer.pl[9].len, &cpo), WIRE_OK);
	CHECK_INT(cpo.type, IKE_CFG_REQUEST);
	CHECK_INT(cpo.n, 2);
	CHECK_INT(cpo.attr[1].type, 8);
	CHECK_INT(ike_cert_decode(m.outer.pl[10].body, m.outer.pl[10].len, false, &cc), WIRE_OK);
	CHECK_INT(cc.len, 10);
	CHECK_INT(ike_cert_decode(m.outer.pl[11].body, m.outer.pl[11].len, true, &cc), WIRE_OK);
	CHECK_INT(cc.len, 40);
	CHECK_INT(ike_chain_count(&m.outer, IKEV2_PL_NOTIFY), 2);
}

/* SK: inner payloads, padding to the block size, region pointers. */
static void test_sk_region(void)
{
	static uint8_t buf[512];
	static const uint8_t authd[20] = { 1 };
	struct ike_hdr h = init_hdr;
	struct ike_sk_region r;
	struct ike_sk_parts parts;
	static struct ike_msg m;
	struct cy_id id;
	const char *why;
	size_t inner;
	struct ikeb b;

	h.exch = IKEV2_EXCH_IKE_AUTH;
	h.msgid = 1;
	CHECK(id_parse("192.0.2.1", &id, &why));
	ikeb_begin(&b, buf, sizeof(buf), &h);
	ikeb_sk_open(&b, 16);
	ikeb_id(&b, IKEV2_PL_IDi, &id);
	ikeb_auth(&b, IKEV2_AUTH_PSK, authd, sizeof(authd));
	CHECK(ikeb_sk_close(&b, 16, 16, &r));
	/* inner = IDi (4+4+4=12) + AUTH (4+4+20=28) = 40, padded to 48 */
	CHECK_INT(r.pt_len, 48);
	CHECK_INT(r.pt[47], 7);
	CHECK_INT(r.msg_len, IKE_HDR_LEN + 4 + 16 + 48 + 16);
	CHECK_INT(r.aad_len, IKE_HDR_LEN + 4);
	CHECK(r.iv == buf + IKE_HDR_LEN + 4);
	CHECK(r.icv == buf + r.msg_len - 16);
	CHECK_INT(ikeb_finish(&b), r.msg_len);
	CHECK_INT(get_be32(buf + 24), r.msg_len);
	CHECK_INT(buf[16], IKEV2_PL_SK);
	/* decode: the plaintext is left unencrypted here */
	CHECK_INT(ike_msg_decode(buf, r.msg_len, &m), WIRE_OK);
	CHECK_INT(m.sk_index, 0);
	CHECK_INT(m.sk_first_np, IKEV2_PL_IDi);
	CHECK_INT(m.aad_len, r.aad_len);
	CHECK_INT(ike_sk_split(m.outer.pl[0].body, m.outer.pl[0].len, 16, 16, 16, &parts), WIRE_OK);
	CHECK(parts.ct == r.pt);
	CHECK_INT(parts.ct_len, 48);
	CHECK_INT(ike_sk_unpad(parts.ct, parts.ct_len, &inner), WIRE_OK);
	CHECK_INT(inner, 40);
	CHECK_INT(ike_chain_decode(m.sk_first_np, parts.ct, inner, &m.inner), WIRE_OK);
	CHECK_INT(m.inner.n, 2);
	CHECK_INT(m.inner.pl[1].type, IKEV2_PL_AUTH);
	/* nothing may follow SK */
	ikeb_vendor(&b, authd, 4);
	CHECK(!ikeb_ok(&b));
	CHECK_INT(ikeb_finish(&b), 0);
}

/* AEAD-style SK (block 1): only the pad-length byte is added. */
static void test_sk_aead_and_empty(void)
{
	uint8_t buf[128];
	struct ike_hdr h = init_hdr;
	struct ike_sk_region r;
	struct ikeb b;

	h.exch = IKEV2_EXCH_INFORMATIONAL;
	ikeb_begin(&b, buf, sizeof(buf), &h);
	ikeb_sk_open(&b, 8);
	CHECK(ikeb_sk_close(&b, 1, 16, &r));
	CHECK_INT(r.pt_len, 1);
	CHECK_INT(r.msg_len, IKE_HDR_LEN + 4 + 8 + 1 + 16);
	CHECK_INT(buf[IKE_HDR_LEN], IKEV2_PL_NONE);   /* SK np: empty inner chain */
}

static void test_overflow(void)
{
	uint8_t buf[40];
	uint8_t big[64] = { 0 };
	struct ikeb b;
	struct ike_sk_region r;

	ikeb_begin(&b, buf, sizeof(buf), &init_hdr);
	ikeb_nonce(&b, big, sizeof(big));
	CHECK(!ikeb_ok(&b));
	CHECK_INT(ikeb_finish(&b), 0);
	/* unclosed SK */
	ikeb_begin(&b, buf, sizeof(buf), &init_hdr);
	ikeb_sk_open(&b, 0);
	CHECK_INT(ikeb_finish(&b), 0);
	/* close without open */
	ikeb_begin(&b, buf, sizeof(buf), &init_hdr);
	CHECK(!ikeb_sk_close(&b, 1, 0, &r));
	/* too small for the header */
	ikeb_begin(&b, buf, 10, &init_hdr);
	CHECK_INT(ikeb_finish(&b), 0);
}

/* HDR, SK {D(ESP: 2 SPIs)} and a TSi laid out by hand (no cipher: IV 0). */
static void test_delete_ts_layout(void)
{
	static const char *want_hex =
		"0102030405060708 1112131415161718"   /* SPIi, SPIr */
		"2e 20 25 20"                         /* next SK, v2.0, INFORMATIONAL (37), flags R */
		"00000005 00000031"                   /* message id 5, length 49 */
		/* SK: next payload D (42), length 21; inner: */
		"2a 00 0015"
		/*   D: last, length 16, ESP (3), SPI size 4, 2 SPIs */
		"00 00 0010 03 04 0002 c1c2c3c4 d1d2d3d4"
		/*   pad length 0 (block 1, no ICV) */
		"00";
	static const char *ts_hex =
		/* TSi payload body: 1 selector; IPv4 range, TCP, length 16, ports 0..65535 */
		"01 000000 07 06 0010 0000 ffff c0000200 c00002ff";
	static const uint8_t spis[8] = { 0xc1, 0xc2, 0xc3, 0xc4, 0xd1, 0xd2, 0xd3, 0xd4 };
	struct ike_hdr h = { .spi_i = 0x0102030405060708ull, .spi_r = 0x1112131415161718ull,
			     .exch = IKEV2_EXCH_INFORMATIONAL, .flags = IKE_FLAG_R, .msgid = 5 };
	uint8_t want[128], buf[128];
	struct ike_ts_payload ts = { .n = 1 };
	struct ike_sk_region r;
	struct ikeb b;
	size_t wn = t_unhex(want_hex, want, sizeof(want));

	ikeb_begin(&b, buf, sizeof(buf), &h);
	ikeb_sk_open(&b, 0);
	ikeb_delete(&b, IKEV2_PROTO_ESP, 4, 2, spis);
	CHECK(ikeb_sk_close(&b, 1, 0, &r));
	CHECK_INT(r.msg_len, wn);
	if (r.msg_len == wn)
		CHECK_MEM(buf, want, wn);

	wn = t_unhex(ts_hex, want, sizeof(want));
	CHECK(addr_parse("192.0.2.0", &ts.ts[0].start));
	CHECK(addr_parse("192.0.2.255", &ts.ts[0].end));
	ts.ts[0].ipproto = 6;
	ts.ts[0].eport = 65535;
	ikeb_begin(&b, buf, sizeof(buf), &h);
	ikeb_ts(&b, IKEV2_PL_TSi, &ts);
	CHECK_INT(ikeb_finish(&b), IKE_HDR_LEN + 4 + wn);
	CHECK_INT(get_be16(buf + IKE_HDR_LEN + 2), 4 + wn);
	CHECK_MEM(buf + IKE_HDR_LEN + 4, want, wn);
}

int main(void)
{
	RUN(test_sa_init_layout);
	RUN(test_sa_roundtrip);
	RUN(test_payload_roundtrips);
	RUN(test_delete_ts_layout);
	RUN(test_sk_region);
	RUN(test_sk_aead_and_empty);
	RUN(test_overflow);
	return t_done();
}
