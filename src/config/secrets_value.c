/* Secret value notations of ipsec.secrets(5): "quoted", 'quoted', 0x hex
 * (a single '_' allowed between byte pairs), 0s base64 (RFC 2045 groups of
 * four), 0t text.  Pure: a token in, a struct secret out. */
#include "config/secrets.h"

#include <string.h>

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static struct secret *decode_hex(const char *p, size_t n, const char **why)
{
	struct secret *s = secret_new(n / 2);
	size_t o = 0, i = 0;

	if (!s) {
		*why = "out of memory";
		return NULL;
	}
	while (i < n) {
		int hi, lo;
		if (p[i] == '_') {
			if (i + 1 >= n) {
				*why = "input ends in mid-byte, perhaps truncated";
				goto bad;
			}
			if (o == 0 || p[i + 1] == '_') {
				*why = "misplaced _ separator";
				goto bad;
			}
			i++;
			continue;
		}
		hi = hexval((unsigned char)p[i]);
		if (hi < 0) {
			*why = "unknown character in input";
			goto bad;
		}
		if (i + 1 >= n || p[i + 1] == '_') {
			*why = "input ends in mid-byte, perhaps truncated";
			goto bad;
		}
		lo = hexval((unsigned char)p[i + 1]);
		if (lo < 0) {
			*why = "unknown character in input";
			goto bad;
		}
		s->data[o++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	if (o == 0) {
		*why = "no digits after the 0x prefix";
		goto bad;
	}
	s->len = o;
	return s;
bad:
	secret_free(s);
	return NULL;
}

static struct secret *decode_b64(const char *p, size_t n, const char **why)
{
	struct secret *s;
	size_t o = 0;

	if (n == 0 || n % 4) {
		*why = n ? "input ends in mid-byte, perhaps truncated" : "no digits after the 0s prefix";
		return NULL;
	}
	s = secret_new(n / 4 * 3);
	if (!s) {
		*why = "out of memory";
		return NULL;
	}
	for (size_t i = 0; i < n; i += 4) {
		int v[4], pad = 0;
		bool last = i + 4 == n;
		for (int k = 0; k < 4; k++) {
			unsigned char c = (unsigned char)p[i + k];
			if (c == '=' && last && k >= 2) {
				v[k] = 0;
				pad++;
				continue;
			}
			v[k] = b64val(c);
			if (v[k] < 0 || pad) {
				*why = "unknown character in input";
				goto bad;
			}
		}
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
		s->data[o++] = (uint8_t)(w >> 16);
		if (pad < 2)
			s->data[o++] = (uint8_t)(w >> 8);
		if (pad < 1)
			s->data[o++] = (uint8_t)w;
		secret_wipe(&w, sizeof(w));
		secret_wipe(v, sizeof(v));
	}
	s->len = o;
	return s;
bad:
	secret_free(s);
	return NULL;
}

struct secret *secrets_decode_value(const char *tok, size_t len, const char **why)
{
	struct secret *s;

	if (len >= 2 && (tok[0] == '"' || tok[0] == '\'') && tok[len - 1] == tok[0]) {
		s = secret_dup(tok + 1, len - 2);
		if (!s)
			*why = "out of memory";
		return s;
	}
	if (len < 2 || tok[0] != '0') {
		*why = "input does not begin with format prefix";
		return NULL;
	}
	switch (tok[1]) {
	case 'x':
	case 'X':
		return decode_hex(tok + 2, len - 2, why);
	case 's':
	case 'S':
		return decode_b64(tok + 2, len - 2, why);
	case 't':
	case 'T':
		s = secret_dup(tok + 2, len - 2);
		if (!s)
			*why = "out of memory";
		return s;
	}
	*why = "input does not begin with format prefix";
	return NULL;
}
