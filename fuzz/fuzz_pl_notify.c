/* libFuzzer: Notify payload decoder with an encode → decode check. */
#include <stdlib.h>

#include "ike/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[IKE_MSG_MAX];
	static const struct ike_hdr h = { .major = 2, .exch = IKEV2_EXCH_INFORMATIONAL };
	static struct ike_msg m;
	struct ike_notify n, again;
	struct ikeb b;
	size_t len;

	if (ike_notify_decode(data, size, &n) != WIRE_OK)
		return 0;
	(void)ike_notify_u16(&n);
	(void)ike_notify_spi32(&n);
	ikeb_begin(&b, buf, sizeof(buf), &h);
	ikeb_notify(&b, n.proto, n.spi, n.spi_size, n.type, n.data, n.data_len);
	len = ikeb_finish(&b);
	if (len == 0) {
		if (size + 4 + IKE_HDR_LEN <= IKE_MSG_MAX)
			abort();
		return 0;
	}
	if (ike_msg_decode(buf, len, &m) != WIRE_OK ||
	    ike_notify_decode(m.outer.pl[0].body, m.outer.pl[0].len, &again) != WIRE_OK ||
	    again.type != n.type || again.proto != n.proto || again.data_len != n.data_len ||
	    again.spi_size != n.spi_size || (n.data_len && memcmp(again.data, n.data, n.data_len)))
		abort();
	return 0;
}
