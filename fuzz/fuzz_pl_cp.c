/* libFuzzer: CP payload decoder with an encode → decode check. */
#include <stdlib.h>

#include "ike/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ike_cp cp, again;
	static uint8_t buf[IKE_MSG_MAX];
	static const struct ike_hdr h = { .major = 2, .exch = IKEV2_EXCH_IKE_AUTH };
	static struct ike_msg m;
	struct ikeb b;
	size_t n;

	if (ike_cp_decode(data, size, &cp) != WIRE_OK)
		return 0;
	ikeb_begin(&b, buf, sizeof(buf), &h);
	ikeb_cp(&b, &cp);
	n = ikeb_finish(&b);
	if (n == 0 || ike_msg_decode(buf, n, &m) != WIRE_OK ||
	    ike_cp_decode(m.outer.pl[0].body, m.outer.pl[0].len, &again) != WIRE_OK ||
	    again.n != cp.n || again.type != cp.type)
		abort();
	for (unsigned i = 0; i < cp.n; i++)
		if (again.attr[i].type != cp.attr[i].type || again.attr[i].len != cp.attr[i].len ||
		    (cp.attr[i].len && memcmp(again.attr[i].val, cp.attr[i].val, cp.attr[i].len)))
			abort();
	return 0;
}
