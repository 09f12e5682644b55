/* libFuzzer: ID payload decoder; what decodes must encode back to the same body. */
#include <stdlib.h>

#include "ike/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[1024];
	static const struct ike_hdr h = { .major = 2, .exch = IKEV2_EXCH_IKE_AUTH };
	static struct ike_msg m;
	struct ike_id_payload id;
	struct ikeb b;
	size_t n;

	if (ike_id_decode(data, size, &id) != WIRE_OK)
		return 0;
	ikeb_begin(&b, buf, sizeof(buf), &h);
	ikeb_id(&b, IKEV2_PL_IDi, &id.id);
	n = ikeb_finish(&b);
	if (n == 0 || ike_msg_decode(buf, n, &m) != WIRE_OK)
		abort();
	/* body equal except the reserved bytes */
	if (m.outer.pl[0].len != size || m.outer.pl[0].body[0] != data[0] ||
	    memcmp(m.outer.pl[0].body + 4, data + 4, size - 4) != 0)
		abort();
	return 0;
}
