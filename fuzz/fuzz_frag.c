/* libFuzzer: RFC 7383 reassembly driven by a script of fragments, then
 * split → reassemble round trip of the remaining input.
 * Script record (6 bytes): msgid, number, total, np, len(2, mod 1500). */
#include <stdlib.h>

#include "ike/frag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct frag_reasm ra;
	static uint8_t out[FRAG_MAX_BYTES], frag[2048];
	static struct ike_msg m;
	struct frag_plan plan;
	size_t off = 0, len, got;
	uint8_t np;

	frag_reasm_init(&ra);
	while (size - off >= 6 && data[off] != 0xff) {
		const uint8_t *r = data + off;
		size_t dlen = (size_t)get_be16(r + 4) % 1500;
		off += 6;
		if (dlen > size - off)
			dlen = size - off;
		enum frag_result res = frag_reasm_add(&ra, r[0], r[1], r[2], r[3], data + off, dlen);
		off += dlen;
		if (res == FRAG_COMPLETE) {
			if (!frag_reasm_take(&ra, out, sizeof(out), &len, &np) || len > FRAG_MAX_BYTES)
				abort();
		}
		if (ra.bytes > FRAG_MAX_BYTES || ra.have > ra.total)
			abort();
	}
	frag_reasm_reset(&ra);
	if (off < size)
		off++;
	/* round trip of the rest through frag_build and reassembly */
	len = size - off;
	size_t max_msg = 200 + (len ? data[off] : 0) * 4;
	if (!frag_plan(len, max_msg, 16, 16, 16, &plan))
		return 0;
	frag_reasm_init(&ra);
	for (unsigned k = 1; k <= plan.total; k++) {
		struct ike_sk_region reg;
		struct ike_skf skf;
		struct ike_sk_parts parts;
		size_t pt;
		static const struct ike_hdr h = { .major = 2, .exch = IKEV2_EXCH_IKE_AUTH, .msgid = 7 };
		enum frag_result res;

		if (!frag_build(&h, IKEV2_PL_VENDOR, data + off, len, &plan, k, 16, 16, 16, frag, sizeof(frag), &reg))
			abort();
		if (reg.msg_len > max_msg || ike_msg_decode(frag, reg.msg_len, &m) != WIRE_OK || !m.sk_is_frag ||
		    ike_skf_decode(m.outer.pl[0].body, m.outer.pl[0].len, &skf) != WIRE_OK ||
		    ike_sk_split(skf.rest, skf.rest_len, 16, 16, 16, &parts) != WIRE_OK ||
		    ike_sk_unpad(parts.ct, parts.ct_len, &pt) != WIRE_OK)
			abort();
		res = frag_reasm_add(&ra, 7, skf.number, skf.total, m.sk_first_np, parts.ct, pt);
		if (len == 0)
			break;   /* an empty message makes an empty fragment: refused */
		if (res != (k == plan.total ? FRAG_COMPLETE : FRAG_STORED))
			abort();
	}
	if (len && (!frag_reasm_take(&ra, out, sizeof(out), &got, &np) || got != len ||
		    memcmp(out, data + off, len) != 0 || np != IKEV2_PL_VENDOR))
		abort();
	frag_reasm_reset(&ra);
	return 0;
}
