/* IKEv2 fragmentation (RFC 7383): SKF fragment construction and bounded
 * reassembly of decrypted fragment plaintexts. */
#include "ike/frag.h"

#include <stdlib.h>

#include <openssl/crypto.h>

/* Bytes of a fragment that are not inner plaintext (without IV/ICV):
 * IKE header + SKF generic header + fragment number + total. */
#define SKF_FIXED (IKE_HDR_LEN + 4 + 4)

#define FRAG_RESULT_NAME(name, text) [name] = #name,
static const char *const frag_names[] = { FRAG_RESULT_LIST(FRAG_RESULT_NAME) };

const char *frag_result_name(enum frag_result r)
{
	return (unsigned)r < FRAG_RESULT_COUNT ? frag_names[r] : "FRAG_?";
}

bool frag_plan(size_t inner_len, size_t max_msg, size_t iv_len, size_t icv_len,
	       size_t block, struct frag_plan *plan)
{
	size_t overhead = SKF_FIXED + iv_len + icv_len, space, total;

	memset(plan, 0, sizeof(*plan));
	if (block == 0)
		block = 1;
	if (max_msg > IKE_MSG_MAX)
		max_msg = IKE_MSG_MAX;
	if (max_msg <= overhead || block > 256)
		return false;
	space = (max_msg - overhead) / block * block;    /* chunk + pad + pad length */
	if (space < 2)
		return false;
	plan->chunk = space - 1;
	total = inner_len ? (inner_len + plan->chunk - 1) / plan->chunk : 1;
	if (total > FRAG_MAX_TOTAL)
		return false;
	plan->total = (unsigned)total;
	return true;
}

/*  HDR(np=SKF) | SKF{ np, C, len | number | total | IV | chunk, pad, padlen | ICV } */
bool frag_build(const struct ike_hdr *h, uint8_t first_np, const uint8_t *inner, size_t inner_len,
		const struct frag_plan *plan, unsigned n, size_t iv_len, size_t icv_len, size_t block,
		uint8_t *out, size_t cap, struct ike_sk_region *r)
{
	struct ike_hdr hh = *h;
	struct wr w = wr_init(out, cap);
	size_t off, chunk, pad, skf_off, pt_off;
	uint8_t *q;

	memset(r, 0, sizeof(*r));
	if (block == 0)
		block = 1;
	if (n < 1 || n > plan->total || plan->chunk == 0)
		return false;
	off = (size_t)(n - 1) * plan->chunk;
	if (off > inner_len || (off == inner_len && inner_len != 0))
		return false;
	chunk = inner_len - off < plan->chunk ? inner_len - off : plan->chunk;
	pad = (block - (chunk + 1) % block) % block;
	hh.np = IKEV2_PL_SKF;
	if (hh.major == 0)
		hh.major = 2;
	hh.length = (uint32_t)(SKF_FIXED + iv_len + chunk + pad + 1 + icv_len);
	if (hh.length > IKE_MSG_MAX)
		return false;
	q = wr_reserve(&w, IKE_HDR_LEN);
	if (q)
		ike_hdr_encode(&hh, q);
	skf_off = w.off;
	wr_u8(&w, n == 1 ? first_np : IKEV2_PL_NONE);
	wr_u8(&w, 0);
	wr_be16(&w, (uint16_t)(hh.length - IKE_HDR_LEN));
	wr_be16(&w, (uint16_t)n);
	wr_be16(&w, (uint16_t)plan->total);
	wr_reserve(&w, iv_len);
	pt_off = w.off;
	wr_bytes(&w, inner + off, chunk);
	q = wr_reserve(&w, pad + 1);
	if (q) {
		memset(q, 0, pad);
		q[pad] = (uint8_t)pad;
	}
	wr_reserve(&w, icv_len);
	if (w.err)
		return false;
	r->msg = out;
	r->msg_len = w.off;
	r->aad_len = skf_off + 8;
	r->iv = out + skf_off + 8;
	r->iv_len = iv_len;
	r->pt = out + pt_off;
	r->pt_len = chunk + pad + 1;
	r->icv = r->pt + r->pt_len;
	r->icv_len = icv_len;
	return true;
}

void frag_reasm_init(struct frag_reasm *r)
{
	memset(r, 0, sizeof(*r));
}

void frag_reasm_reset(struct frag_reasm *r)
{
	for (unsigned i = 0; i < FRAG_MAX_TOTAL; i++) {
		if (r->data[i]) {
			OPENSSL_cleanse(r->data[i], r->len[i]);
			free(r->data[i]);
		}
		r->data[i] = NULL;
		r->len[i] = 0;
	}
	r->active = false;
	r->have = 0;
	r->total = 0;
	r->bytes = 0;
	r->first_np = 0;
}

static void start(struct frag_reasm *r, uint32_t msgid, uint16_t total)
{
	if (r->active)
		r->resets++;
	frag_reasm_reset(r);
	r->active = true;
	r->msgid = msgid;
	r->total = total;
}

static enum frag_result drop(struct frag_reasm *r, enum frag_result why)
{
	r->dropped++;
	return why;
}

enum frag_result frag_reasm_add(struct frag_reasm *r, uint32_t msgid, uint16_t number, uint16_t total,
				uint8_t np, const uint8_t *pt, size_t len)
{
	uint8_t *copy;

	if (total > FRAG_MAX_TOTAL)
		return drop(r, FRAG_TOO_MANY);
	if (number < 1 || number > total)
		return drop(r, FRAG_BAD_NUMBER);
	if (len == 0)
		return drop(r, FRAG_EMPTY);
	if (len > UINT16_MAX)
		return drop(r, FRAG_TOO_BIG);
	if (r->done && msgid == r->done_msgid && !(r->active && r->msgid == msgid))
		return drop(r, FRAG_ALREADY_DONE);
	if (r->active && msgid < r->msgid)
		return drop(r, FRAG_OLD_MSGID);
	if (!r->active && r->done && msgid < r->done_msgid)
		return drop(r, FRAG_OLD_MSGID);
	if (!r->active || msgid > r->msgid)
		start(r, msgid, total);
	else if (total < r->total)
		return drop(r, FRAG_TOTAL_SMALLER);
	else if (total > r->total)
		start(r, msgid, total);     /* RFC 7383 §2.6.1: re-fragmented, start anew */
	if (r->data[number - 1])
		return drop(r, FRAG_DUPLICATE);
	if (r->bytes + len > FRAG_MAX_BYTES)
		return drop(r, FRAG_TOO_BIG);
	copy = malloc(len);
	if (!copy)
		return drop(r, FRAG_NOMEM);
	memcpy(copy, pt, len);
	r->data[number - 1] = copy;
	r->len[number - 1] = (uint16_t)len;
	r->bytes += len;
	r->have++;
	if (number == 1)
		r->first_np = np;
	return r->have == r->total ? FRAG_COMPLETE : FRAG_STORED;
}

bool frag_reasm_take(struct frag_reasm *r, uint8_t *out, size_t cap, size_t *len, uint8_t *first_np)
{
	size_t off = 0;

	*len = 0;
	if (!r->active || r->have != r->total || r->bytes > cap)
		return false;
	for (unsigned i = 0; i < r->total; i++) {
		memcpy(out + off, r->data[i], r->len[i]);
		off += r->len[i];
	}
	*len = off;
	*first_np = r->first_np;
	r->done = true;
	r->done_msgid = r->msgid;
	frag_reasm_reset(r);
	return true;
}
