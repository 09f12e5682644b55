/* Peer-supplied bytes (IKE identities, anything decoded from a received
 * payload) made safe for a log line or a whack reply line.
 *
 * The one rule, Libreswan's jam_sanitized_bytes() plus three characters:
 * printable ASCII (0x20..0x7e) is copied as it is, except '\\', '\'' and
 * '"'; every other byte (controls such as \n \r \0 ESC, DEL, bytes >= 0x80)
 * and those three become a backslash and three octal digits ("\012").
 * So an escaped string never contains a control character, never ends a
 * line, never closes the quotes around it, and reads back unambiguously. */
#ifndef CYGNET_ESC_H
#define CYGNET_ESC_H

#include <stddef.h>

/* Room for n bytes escaped, with the NUL. */
#define ESC_STRLEN(n) ((n) * 4 + 1)

/* Escape src[0..n) into dst (cap > 0 bytes, always NUL-terminated).  When
 * dst is too small the output stops before the first byte whose text does
 * not fit whole: an escape is never split.  Returns the number of source
 * bytes consumed (n when everything fit). */
size_t esc_bytes(char *dst, size_t cap, const void *src, size_t n);

/* The body of a JSON string (RFC 8259) for the NUL-terminated s: '"' and
 * '\\' backslashed, controls and DEL as \u00XX, valid UTF-8 copied, every
 * byte that does not start a valid UTF-8 sequence as \ufffd.  Same
 * truncation rule as esc_bytes (no escape or sequence split); returns dst. */
#define ESC_JSON_STRLEN(n) ((n) * 6 + 1)
const char *esc_json(char *dst, size_t cap, const char *s);

#endif
