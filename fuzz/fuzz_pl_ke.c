/* libFuzzer: KE, Nonce, AUTH, CERT/CERTREQ, CP, SKF, SK split/unpad
 * decoders (the small ones) over the same input. */
#include <stdlib.h>

#include "ike/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ike_cp cp;
	struct ike_ke ke;
	struct ike_nonce no;
	struct ike_auth au;
	struct ike_cert ce;
	struct ike_skf f;
	struct ike_sk_parts parts;
	size_t inner;

	if (ike_ke_decode(data, size, &ke) == WIRE_OK && (ke.len == 0 || ke.data + ke.len != data + size))
		abort();
	ike_nonce_decode(data, size, &no);
	ike_auth_decode(data, size, &au);
	ike_cert_decode(data, size, false, &ce);
	ike_cert_decode(data, size, true, &ce);
	if (ike_cp_decode(data, size, &cp) == WIRE_OK)
		for (unsigned i = 0; i < cp.n; i++)
			if (cp.attr[i].len && (cp.attr[i].val < data || cp.attr[i].val + cp.attr[i].len > data + size))
				abort();
	ike_skf_decode(data, size, &f);
	if (size > 0 && ike_sk_split(data, size, data[0] & 31, 16, (data[0] >> 5) ? 16 : 1, &parts) == WIRE_OK) {
		if (parts.iv_len + parts.ct_len + parts.icv_len != size)
			abort();
		if (ike_sk_unpad(parts.ct, parts.ct_len, &inner) == WIRE_OK && inner >= parts.ct_len)
			abort();
	}
	return 0;
}
