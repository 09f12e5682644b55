#include "lib/esc.h"

#include <stdint.h>

static int needs_escape(uint8_t c)
{
	return c < 0x20 || c > 0x7e || c == '\\' || c == '\'' || c == '"';
}

size_t esc_bytes(char *dst, size_t cap, const void *src, size_t n)
{
	const uint8_t *p = src;
	size_t o = 0, i;

	if (cap == 0)
		return 0;
	for (i = 0; i < n; i++) {
		uint8_t c = p[i];

		if (!needs_escape(c)) {
			if (o + 1 >= cap)
				break;
			dst[o++] = (char)c;
			continue;
		}
		if (o + 4 >= cap)
			break;
		dst[o++] = '\\';
		dst[o++] = (char)('0' + (c >> 6));
		dst[o++] = (char)('0' + ((c >> 3) & 7));
		dst[o++] = (char)('0' + (c & 7));
	}
	dst[o] = '\0';
	return i;
}
