/* IKE identities (RFC 7296 §3.5) in Libreswan's text syntax:
 *   192.0.2.1 / 2001:db8::1     ID_IPV4_ADDR / ID_IPV6_ADDR
 *   @east.example               ID_FQDN ("east.example" on the wire)
 *   user@example.org            ID_RFC822_ADDR
 *   @#0a1b2c                    ID_KEY_ID (hex)
 *   @[some key id]              ID_KEY_ID (text)
 *   C=CA, O=Org, CN=x           ID_DER_ASN1_DN (kept as normalised text here)
 *   %any / %none / %fromcert / %null  wildcard / none / from certificate / ID_NULL
 * A bare name without '@' (east.example) is an FQDN too. */
#ifndef CYGNET_ID_H
#define CYGNET_ID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

enum id_kind {
	ID_NONE = 0,          /* unset: defaults to the end's address */
	ID_IPV4_ADDR = 1,
	ID_FQDN = 2,
	ID_RFC822_ADDR = 3,
	ID_IPV6_ADDR = 5,
	ID_DER_ASN1_DN = 9,
	ID_KEY_ID = 11,
	ID_NULL = 13,         /* RFC 7619 */
	ID_ANY = 256,         /* %any: matches every identity */
	ID_FROMCERT = 257,    /* %fromcert: the certificate's subject */
};

#define ID_MAXLEN 256
/* id_fmt's text: every byte of data escaped (lib/esc.h), or KEY_ID hex */
#define ID_STRLEN (ID_MAXLEN * 4 + 8)

struct cy_id {
	enum id_kind kind;
	struct ip_addr ip;           /* ID_IPV4_ADDR, ID_IPV6_ADDR */
	uint16_t len;                /* bytes in data */
	uint8_t data[ID_MAXLEN];     /* FQDN/RFC822/DN text, KEY_ID bytes */
};

/* Parse text; on failure returns false with *why set to a static reason. */
bool id_parse(const char *s, struct cy_id *out, const char **why);
/* Shared identities (lib/share.h): one counted copy of each distinct ID,
 * for the conns that name the same one.  id_share: NULL on allocation
 * failure; id_unshare(NULL) is a no-op.  id_parse_shared parses into a new
 * reference in *out (what *out held is not released: the caller's). */
const struct cy_id *id_share(const struct cy_id *id);
const struct cy_id *id_ref(const struct cy_id *id);   /* one more reference */
void id_unshare(const struct cy_id *id);
bool id_parse_shared(const char *s, const struct cy_id **out, const char **why);
/* ID_NONE, for handles that name no ID (never freed, not counted). */
extern const struct cy_id id_none;
/* Libreswan's text of an identity; the bytes of an FQDN, user FQDN, DN or
 * textual key id escaped as lib/esc.h says, since the peer chose them. */
const char *id_fmt(const struct cy_id *id, char buf[ID_STRLEN]);
const char *id_kind_name(enum id_kind k);   /* "ID_FQDN", ... */
bool id_eq(const struct cy_id *a, const struct cy_id *b);
/* Does the concrete id `have` satisfy the pattern `want` (%any, exact)? */
bool id_match(const struct cy_id *want, const struct cy_id *have);
void id_from_addr(const struct ip_addr *a, struct cy_id *out);
/* Wire body of an ID payload (after the 4-byte type header) and back. */
size_t id_to_wire(const struct cy_id *id, uint8_t *out, size_t cap);
bool id_from_wire(int type, const uint8_t *p, size_t len, struct cy_id *out);

#endif
