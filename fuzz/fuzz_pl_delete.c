/* libFuzzer: Delete payload decoder; accepted SPIs must lie inside the input. */
#include <stdlib.h>

#include "ike/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ike_delete d;
	uint32_t sum = 0;

	if (ike_delete_decode(data, size, &d) != WIRE_OK)
		return 0;
	if (4 + (size_t)d.count * d.spi_size != size)
		abort();
	for (unsigned i = 0; i < d.count && d.spi_size == 4; i++)
		sum += ike_delete_spi32(&d, i);
	return (int)(sum & 0);
}
