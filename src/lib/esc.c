#include "lib/esc.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

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

/* Length of the valid UTF-8 sequence at p (RFC 3629: no overlong forms,
 * no surrogates, nothing above U+10FFFF), 0 when there is none. */
static size_t utf8_len(const uint8_t *p)
{
	uint8_t c = p[0], lo = 0x80, hi = 0xbf;
	size_t n;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

const char *esc_json(char *dst, size_t cap, const char *s)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t o = 0;

	if (cap == 0)
		return dst;
	while (*p) {
		char t[8];
		size_t n = 1, tl;

		if (*p == '"' || *p == '\\') {
			t[0] = '\\';
			t[1] = (char)*p;
			tl = 2;
		} else if (*p < 0x20 || *p == 0x7f) {
			tl = (size_t)snprintf(t, sizeof(t), "\\u%04x", *p);
		} else if (*p < 0x80) {
			t[0] = (char)*p;
			tl = 1;
		} else if ((n = utf8_len(p)) != 0) {
			memcpy(t, p, n);
			tl = n;
		} else {
			n = 1;
			memcpy(t, "\\ufffd", 6);
			tl = 6;
		}
		if (o + tl >= cap)
			break;
		memcpy(dst + o, t, tl);
		o += tl;
		p += n;
	}
	dst[o] = '\0';
	return dst;
}
