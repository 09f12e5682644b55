/* libFuzzer: TS payload decoder with an encode → decode check. */
#include <stdlib.h>

#include "ike/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ike_ts_payload ts, again;
	static uint8_t buf[2048];
	static const struct ike_hdr h = { .major = 2, .exch = IKEV2_EXCH_IKE_SA_INIT };
	static struct ike_msg m;
	struct ikeb b;
	size_t n;

	if (ike_ts_decode(data, size, &ts) != WIRE_OK)
		return 0;
	ikeb_begin(&b, buf, sizeof(buf), &h);
	ikeb_ts(&b, IKEV2_PL_TSi, &ts);
	n = ikeb_finish(&b);
	if (n == 0 || ike_msg_decode(buf, n, &m) != WIRE_OK ||
	    ike_ts_decode(m.outer.pl[0].body, m.outer.pl[0].len, &again) != WIRE_OK || again.n != ts.n)
		abort();
	for (unsigned i = 0; i < ts.n; i++)
		if (memcmp(&ts.ts[i], &again.ts[i], sizeof(ts.ts[i])) != 0)
			abort();
	return 0;
}
