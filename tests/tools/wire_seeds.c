/* Writes fuzz seed inputs built with the wire encoder:
 *   wire_seeds DIR   → DIR/fuzz_ike_msg/..., DIR/fuzz_pl_sa/..., ...
 * (the committed fuzz/seeds/ were produced with DIR=fuzz/seeds). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/socket.h>

#include "ike/frag.h"
#include "ike/wire.h"

static const char *dir;

static void put(const char *target, const char *name, const void *p, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, target);
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		perror(path);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s/%s", dir, target, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* Writes each payload body of a plain message to the per-payload targets. */
static void put_bodies(const char *prefix, const struct ike_chain *c)
{
	for (unsigned i = 0; i < c->n; i++) {
		const struct pl_view *v = &c->pl[i];
		const char *t = NULL;
		char name[64];
		switch (v->type) {
		case IKEV2_PL_SA: t = "fuzz_pl_sa"; break;
		case IKEV2_PL_TSi: case IKEV2_PL_TSr: t = "fuzz_pl_ts"; break;
		case IKEV2_PL_NOTIFY: t = "fuzz_pl_notify"; break;
		case IKEV2_PL_DELETE: t = "fuzz_pl_delete"; break;
		case IKEV2_PL_IDi: case IKEV2_PL_IDr: t = "fuzz_pl_id"; break;
		case IKEV2_PL_KE: case IKEV2_PL_AUTH: case IKEV2_PL_NONCE: t = "fuzz_pl_ke"; break;
		case IKEV2_PL_CP: t = "fuzz_pl_cp"; break;
		}
		if (!t)
			continue;
		snprintf(name, sizeof(name), "%s-%u", prefix, i);
		put(t, name, v->body, v->len);
	}
}

static void ike_sa(struct ike_sa_payload *sa, bool child)
{
	static const struct ike_transform ike[] = {
		{ IKEV2_TRANS_ENCR, IKEV2_ENCR_AES_GCM_16, 256, false },
		{ IKEV2_TRANS_ENCR, IKEV2_ENCR_AES_CBC, 128, false },
		{ IKEV2_TRANS_PRF, IKEV2_PRF_HMAC_SHA2_512, 0, false },
		{ IKEV2_TRANS_INTEG, IKEV2_INTEG_HMAC_SHA2_256_128, 0, false },
		{ IKEV2_TRANS_DH, IKEV2_DH_CURVE25519, 0, false },
		{ IKEV2_TRANS_DH, IKEV2_DH_MODP2048, 0, false },
	};
	static const struct ike_transform esp[] = {
		{ IKEV2_TRANS_ENCR, IKEV2_ENCR_CHACHA20_POLY1305, 0, false },
		{ IKEV2_TRANS_ESN, IKEV2_ESN_NO, 0, false },
		{ IKEV2_TRANS_ESN, IKEV2_ESN_YES, 0, false },
	};
	memset(sa, 0, sizeof(*sa));
	sa->n_prop = 2;
	for (unsigned p = 0; p < 2; p++) {
		struct ike_proposal *pr = &sa->prop[p];
		pr->num = (uint8_t)(p + 1);
		if (child) {
			pr->proto = IKEV2_PROTO_ESP;
			pr->spi_size = 4;
			put_be32(pr->spi, 0xc1d2e3f4u + p);
			pr->n_trans = 3;
			memcpy(pr->trans, esp, sizeof(esp));
		} else {
			pr->proto = IKEV2_PROTO_IKE;
			pr->n_trans = p ? 6 : 3;
			memcpy(pr->trans, ike, sizeof(ike));
			if (!p)
				pr->trans[1] = ike[2], pr->trans[2] = ike[4];
		}
	}
}

static void ts_pair(struct ike_ts_payload *ts, bool v6)
{
	memset(ts, 0, sizeof(*ts));
	ts->n = 1;
	addr_parse(v6 ? "2001:db8:1::" : "192.0.2.0", &ts->ts[0].start);
	addr_parse(v6 ? "2001:db8:1::ffff" : "192.0.2.255", &ts->ts[0].end);
	ts->ts[0].eport = 65535;
}

int main(int argc, char **argv)
{
	static uint8_t buf[8192], nonce[32], ke[32], authd[32], cookie[16], natd[20], inner[4096], frag[1500];
	static const uint8_t sighash[6] = { 0, 2, 0, 3, 0, 4 }, spis[8] = { 0xc1, 0xd2, 0xe3, 0xf4, 0, 0, 0, 9 };
	struct ike_hdr h = { .spi_i = 0x0123456789abcdefull, .major = 2, .exch = IKEV2_EXCH_IKE_SA_INIT,
			     .flags = IKE_FLAG_I };
	static struct ike_sa_payload sa;
	static struct ike_msg m;
	struct ike_ts_payload ts;
	struct ike_cp cp = { .type = IKE_CFG_REQUEST, .n = 2, .attr = { { 1, NULL, 0 }, { 8, NULL, 0 } } };
	struct ike_sk_region r;
	struct cy_id id;
	const char *why;
	struct ikeb b;
	size_t n;

	if (argc != 2) {
		fprintf(stderr, "usage: wire_seeds DIR\n");
		return 2;
	}
	dir = argv[1];
	mkdir(dir, 0755);
	for (int i = 0; i < 32; i++)
		nonce[i] = (uint8_t)i, ke[i] = (uint8_t)(0x40 + i), authd[i] = (uint8_t)(0x80 + i);
	memset(cookie, 0xc0, sizeof(cookie));
	memset(natd, 0x5a, sizeof(natd));

	/* IKE_SA_INIT request */
	ike_sa(&sa, false);
	ikeb_begin(&b, buf, sizeof(buf), &h);
	ikeb_sa(&b, &sa);
	ikeb_ke(&b, IKEV2_DH_CURVE25519, ke, 32);
	ikeb_nonce(&b, nonce, 32);
	ikeb_notify(&b, 0, NULL, 0, v2N_NAT_DETECTION_SOURCE_IP, natd, 20);
	ikeb_notify(&b, 0, NULL, 0, v2N_NAT_DETECTION_DESTINATION_IP, natd, 20);
	ikeb_notify(&b, 0, NULL, 0, v2N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
	ikeb_notify(&b, 0, NULL, 0, v2N_SIGNATURE_HASH_ALGORITHMS, sighash, sizeof(sighash));
	ikeb_vendor(&b, (const uint8_t *)"Cygnet", 6);
	n = ikeb_finish(&b);
	put("fuzz_ike_msg", "sa_init_req", buf, n);
	ike_msg_decode(buf, n, &m);
	put_bodies("sa_init_req", &m.outer);

	/* IKE_SA_INIT response: N(COOKIE) only; N(INVALID_KE_PAYLOAD) only */
	h.flags = IKE_FLAG_R;
	ikeb_begin(&b, buf, sizeof(buf), &h);
	ikeb_notify(&b, 0, NULL, 0, v2N_COOKIE, cookie, sizeof(cookie));
	n = ikeb_finish(&b);
	put("fuzz_ike_msg", "sa_init_cookie", buf, n);
	put("fuzz_pl_notify", "cookie", buf + IKE_HDR_LEN + 4, n - IKE_HDR_LEN - 4);
	ikeb_begin(&b, buf, sizeof(buf), &h);
	ikeb_notify(&b, 0, NULL, 0, v2N_INVALID_KE_PAYLOAD, (const uint8_t *)"\0\x13", 2);
	n = ikeb_finish(&b);
	put("fuzz_ike_msg", "sa_init_invalid_ke", buf, n);

	/* IKE_AUTH request, SK with a 16-byte IV/ICV and the plaintext left in place */
	h.exch = IKEV2_EXCH_IKE_AUTH;
	h.flags = IKE_FLAG_I;
	h.msgid = 1;
	h.spi_r = 0xfedcba9876543210ull;
	ike_sa(&sa, true);
	ts_pair(&ts, false);
	ikeb_begin(&b, buf, sizeof(buf), &h);
	ikeb_sk_open(&b, 16);
	id_parse("@west.example", &id, &why);
	ikeb_id(&b, IKEV2_PL_IDi, &id);
	ikeb_notify(&b, 0, NULL, 0, v2N_INITIAL_CONTACT, NULL, 0);
	id_parse("192.0.2.2", &id, &why);
	ikeb_id(&b, IKEV2_PL_IDr, &id);
	ikeb_auth(&b, IKEV2_AUTH_PSK, authd, 32);
	ikeb_cp(&b, &cp);
	ikeb_sa(&b, &sa);
	ikeb_ts(&b, IKEV2_PL_TSi, &ts);
	ts_pair(&ts, true);
	ikeb_ts(&b, IKEV2_PL_TSr, &ts);
	ikeb_notify(&b, IKEV2_PROTO_ESP, NULL, 0, v2N_USE_TRANSPORT_MODE, NULL, 0);
	ikeb_sk_close(&b, 16, 16, &r);
	put("fuzz_ike_msg", "auth_req", buf, r.msg_len);
	{
		struct ike_chain c;
		size_t inner_len;
		ike_sk_unpad(r.pt, r.pt_len, &inner_len);
		ike_chain_decode(IKEV2_PL_IDi, r.pt, inner_len, &c);
		put_bodies("auth_req", &c);
		/* fragments of the same inner chain */
		struct frag_plan plan;
		memcpy(inner, r.pt, inner_len);
		if (frag_plan(inner_len, 200, 16, 16, 16, &plan)) {
			for (unsigned k = 1; k <= plan.total && k <= 2; k++) {
				char name[32];
				struct ike_sk_region fr;
				frag_build(&h, IKEV2_PL_IDi, inner, inner_len, &plan, k, 16, 16, 16, frag, sizeof(frag), &fr);
				snprintf(name, sizeof(name), "auth_frag%u", k);
				put("fuzz_ike_msg", name, frag, fr.msg_len);
			}
		}
		/* reassembly script: 3 fragments of msgid 1, then the round-trip part */
		uint8_t script[64] = { 1, 2, 3, 41, 0, 4, 'a', 'b', 'c', 'd',
				       1, 1, 3, 41, 0, 4, 'e', 'f', 'g', 'h',
				       1, 3, 3, 0, 0, 2, 'i', 'j', 0xff, 60 };
		memcpy(script + 30, inner, 34);
		put("fuzz_frag", "script", script, sizeof(script));
	}

	/* CREATE_CHILD_SA Child SA rekey; INFORMATIONAL delete; empty INFORMATIONAL */
	h.exch = IKEV2_EXCH_CREATE_CHILD_SA;
	h.msgid = 2;
	ts_pair(&ts, false);
	ikeb_begin(&b, buf, sizeof(buf), &h);
	ikeb_sk_open(&b, 8);
	ikeb_notify(&b, IKEV2_PROTO_ESP, spis, 4, v2N_REKEY_SA, NULL, 0);
	ikeb_sa(&b, &sa);
	ikeb_nonce(&b, nonce, 32);
	ikeb_ke(&b, IKEV2_DH_CURVE25519, ke, 32);
	ikeb_ts(&b, IKEV2_PL_TSi, &ts);
	ikeb_ts(&b, IKEV2_PL_TSr, &ts);
	ikeb_sk_close(&b, 1, 16, &r);
	put("fuzz_ike_msg", "child_rekey", buf, r.msg_len);
	put("fuzz_pl_notify", "rekey_sa", r.pt + 4, 8);

	h.exch = IKEV2_EXCH_INFORMATIONAL;
	h.msgid = 3;
	ikeb_begin(&b, buf, sizeof(buf), &h);
	ikeb_sk_open(&b, 16);
	ikeb_delete(&b, IKEV2_PROTO_ESP, 4, 2, spis);
	ikeb_delete(&b, IKEV2_PROTO_IKE, 0, 0, NULL);
	ikeb_sk_close(&b, 16, 16, &r);
	put("fuzz_ike_msg", "info_delete", buf, r.msg_len);
	put("fuzz_pl_delete", "esp", r.pt + 4, 12);
	put("fuzz_pl_delete", "ike", r.pt + 20, 4);
	ikeb_begin(&b, buf, sizeof(buf), &h);
	ikeb_sk_open(&b, 16);
	ikeb_sk_close(&b, 16, 16, &r);
	put("fuzz_ike_msg", "info_empty", buf, r.msg_len);
	return 0;
}
