/* libFuzzer: the whole receive-side decode pipeline of an IKE message —
 * header, payload chain, SK/SKF framing with several algorithm sizes, the
 * inner chain (the ciphertext treated as plaintext), every payload body
 * decoder, and the payload rules table. */
#include <stddef.h>
#include <stdint.h>

#include "ike/payload_rules.h"
#include "ike/wire.h"

static void bodies(const struct ike_chain *c)
{
	static struct ike_sa_payload sa;
	union {
		struct ike_ke ke; struct ike_nonce no; struct ike_id_payload id; struct ike_auth au;
		struct ike_notify n; struct ike_delete d; struct ike_ts_payload ts; struct ike_cp cp;
		struct ike_cert ce; struct ike_skf f;
	} u;

	for (unsigned i = 0; i < c->n; i++) {
		const struct pl_view *v = &c->pl[i];
		switch (v->type) {
		case IKEV2_PL_SA: ike_sa_decode(v->body, v->len, &sa); break;
		case IKEV2_PL_KE: ike_ke_decode(v->body, v->len, &u.ke); break;
		case IKEV2_PL_NONCE: ike_nonce_decode(v->body, v->len, &u.no); break;
		case IKEV2_PL_IDi: case IKEV2_PL_IDr: ike_id_decode(v->body, v->len, &u.id); break;
		case IKEV2_PL_AUTH: ike_auth_decode(v->body, v->len, &u.au); break;
		case IKEV2_PL_NOTIFY: ike_notify_decode(v->body, v->len, &u.n); break;
		case IKEV2_PL_DELETE: ike_delete_decode(v->body, v->len, &u.d); break;
		case IKEV2_PL_TSi: case IKEV2_PL_TSr: ike_ts_decode(v->body, v->len, &u.ts); break;
		case IKEV2_PL_CP: ike_cp_decode(v->body, v->len, &u.cp); break;
		case IKEV2_PL_CERT: ike_cert_decode(v->body, v->len, false, &u.ce); break;
		case IKEV2_PL_CERTREQ: ike_cert_decode(v->body, v->len, true, &u.ce); break;
		case IKEV2_PL_SKF: ike_skf_decode(v->body, v->len, &u.f); break;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ike_msg m;
	static const size_t algs[][3] = { { 0, 0, 1 }, { 16, 16, 16 }, { 8, 16, 1 }, { 16, 32, 16 } };
	struct pr_result res;
	char txt[PR_STRLEN];

	if (ike_msg_decode(data, size, &m) != WIRE_OK)
		return 0;
	bodies(&m.outer);
	payload_rules_check(&m, &res);
	pr_fmt(&res, txt);
	if (m.sk_index < 0)
		return 0;
	for (size_t a = 0; a < sizeof(algs) / sizeof(algs[0]); a++) {
		const struct pl_view *sk = &m.outer.pl[m.sk_index];
		const uint8_t *body = sk->body;
		size_t len = sk->len, inner;
		struct ike_sk_parts parts;
		struct ike_skf skf;

		if (m.sk_is_frag) {
			if (ike_skf_decode(body, len, &skf) != WIRE_OK)
				return 0;
			body = skf.rest;
			len = skf.rest_len;
		}
		if (ike_sk_split(body, len, algs[a][0], algs[a][1], algs[a][2], &parts) != WIRE_OK)
			continue;
		if (ike_sk_unpad(parts.ct, parts.ct_len, &inner) != WIRE_OK)
			continue;
		if (ike_chain_decode(m.sk_first_np, parts.ct, inner, &m.inner) != WIRE_OK)
			continue;
		m.inner_valid = true;
		bodies(&m.inner);
		payload_rules_check(&m, &res);
		pr_fmt(&res, txt);
		m.inner_valid = false;
	}
	return 0;
}
