#include "lib/id.h"
#include "lib/share.h"

#include "lib/esc.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static bool set_text(struct cy_id *out, enum id_kind k, const char *s, size_t n, const char **why)
{
	if (n == 0) {
		*why = "empty identity";
		return false;
	}
	if (n > ID_MAXLEN) {
		*why = "identity too long";
		return false;
	}
	out->kind = k;
	out->len = (uint16_t)n;
	memcpy(out->data, s, n);
	return true;
}

/* Normalise a DN's text: no blanks around '=' and ',' (and '/' separators
 * of the "/C=CA/O=x" form turned into ", "), single spaces elsewhere. */
static bool parse_dn(const char *s, struct cy_id *out, const char **why)
{
	char buf[ID_MAXLEN + 1];
	size_t n = 0;
	const char *p = s;

	if (*p == '/')
		p++;
	for (; *p; p++) {
		char c = *p == '/' ? ',' : *p;
		if (isspace((unsigned char)c)) {
			if (n == 0 || buf[n - 1] == ',' || buf[n - 1] == '=' || buf[n - 1] == ' ')
				continue;
			c = ' ';
		} else if ((c == ',' || c == '=') && n > 0 && buf[n - 1] == ' ') {
			n--;
		}
		if (n >= ID_MAXLEN) {
			*why = "distinguished name too long";
			return false;
		}
		buf[n++] = c;
	}
	while (n > 0 && buf[n - 1] == ' ')
		n--;
	/* store with ", " separators */
	{
		char norm[ID_MAXLEN + 1];
		size_t m = 0;
		for (size_t i = 0; i < n; i++) {
			if (m + 2 > ID_MAXLEN) {
				*why = "distinguished name too long";
				return false;
			}
			norm[m++] = buf[i];
			if (buf[i] == ',')
				norm[m++] = ' ';
		}
		return set_text(out, ID_DER_ASN1_DN, norm, m, why);
	}
}

bool id_parse(const char *s, struct cy_id *out, const char **why)
{
	static const char *dummy;
	size_t n = strlen(s);

	if (!why)
		why = &dummy;
	memset(out, 0, sizeof(*out));
	if (n == 0) {
		*why = "empty identity";
		return false;
	}
	if (strcmp(s, "%any") == 0 || strcmp(s, "%any6") == 0) {
		out->kind = ID_ANY;
		return true;
	}
	if (strcmp(s, "%none") == 0) {
		out->kind = ID_NONE;
		return true;
	}
	if (strcmp(s, "%fromcert") == 0) {
		out->kind = ID_FROMCERT;
		return true;
	}
	if (strcmp(s, "%null") == 0) {
		out->kind = ID_NULL;
		return true;
	}
	if (s[0] == '%') {
		*why = "unknown special identity";
		return false;
	}
	if (addr_parse(s, &out->ip)) {
		out->kind = out->ip.af == AF_INET ? ID_IPV4_ADDR : ID_IPV6_ADDR;
		return true;
	}
	if (s[0] == '@' && s[1] == '#') {
		size_t hn = n - 2;
		if (hn == 0 || hn % 2 || hn / 2 > ID_MAXLEN) {
			*why = "@# key id needs an even number of hex digits";
			return false;
		}
		for (size_t i = 0; i < hn / 2; i++) {
			int hi = hexval(s[2 + 2 * i]), lo = hexval(s[3 + 2 * i]);
			if (hi < 0 || lo < 0) {
				*why = "@# key id is not hexadecimal";
				return false;
			}
			out->data[i] = (uint8_t)(hi << 4 | lo);
		}
		out->kind = ID_KEY_ID;
		out->len = (uint16_t)(hn / 2);
		return true;
	}
	if (s[0] == '@' && s[1] == '[') {
		if (s[n - 1] != ']') {
			*why = "@[ key id lacks the closing ]";
			return false;
		}
		return set_text(out, ID_KEY_ID, s + 2, n - 3, why);
	}
	if (s[0] == '@')
		return set_text(out, ID_FQDN, s + 1, n - 1, why);
	if (strchr(s, '='))
		return parse_dn(s, out, why);
	if (strchr(s, '@'))
		return set_text(out, ID_RFC822_ADDR, s, n, why);
	for (const char *p = s; *p; p++) {
		if (isspace((unsigned char)*p)) {
			*why = "identity contains white space";
			return false;
		}
	}
	return set_text(out, ID_FQDN, s, n, why);
}

const char *id_kind_name(enum id_kind k)
{
	switch (k) {
	case ID_NONE: return "ID_NONE";
	case ID_IPV4_ADDR: return "ID_IPV4_ADDR";
	case ID_FQDN: return "ID_FQDN";
	case ID_RFC822_ADDR: return "ID_USER_FQDN";
	case ID_IPV6_ADDR: return "ID_IPV6_ADDR";
	case ID_DER_ASN1_DN: return "ID_DER_ASN1_DN";
	case ID_KEY_ID: return "ID_KEY_ID";
	case ID_NULL: return "ID_NULL";
	case ID_ANY: return "%any";
	case ID_FROMCERT: return "%fromcert";
	}
	return "ID_UNKNOWN";
}

static bool printable(const struct cy_id *id)
{
	for (size_t i = 0; i < id->len; i++)
		if (id->data[i] < 0x20 || id->data[i] > 0x7e)
			return false;
	return true;
}

/* The text of an identity's bytes behind a prefix and before a suffix,
 * escaped (lib/esc.h): an identity may come from the peer. */
static void fmt_text(char buf[ID_STRLEN], const char *pre, const struct cy_id *id, const char *post)
{
	size_t o = (size_t)snprintf(buf, ID_STRLEN, "%s", pre);

	esc_bytes(buf + o, ID_STRLEN - o - strlen(post), id->data, id->len);
	strcat(buf, post);
}

const char *id_fmt(const struct cy_id *id, char buf[ID_STRLEN])
{
	char a[ADDR_STRLEN];

	switch (id->kind) {
	case ID_NONE: snprintf(buf, ID_STRLEN, "(none)"); break;
	case ID_ANY: snprintf(buf, ID_STRLEN, "%%any"); break;
	case ID_FROMCERT: snprintf(buf, ID_STRLEN, "%%fromcert"); break;
	case ID_NULL: snprintf(buf, ID_STRLEN, "ID_NULL"); break;
	case ID_IPV4_ADDR:
	case ID_IPV6_ADDR: snprintf(buf, ID_STRLEN, "%s", addr_fmt(&id->ip, a)); break;
	case ID_FQDN: fmt_text(buf, "@", id, ""); break;
	case ID_RFC822_ADDR:
	case ID_DER_ASN1_DN: fmt_text(buf, "", id, ""); break;
	case ID_KEY_ID:
		if (printable(id)) {
			fmt_text(buf, "@[", id, "]");
		} else {
			size_t o = (size_t)snprintf(buf, ID_STRLEN, "@#");
			for (size_t i = 0; i < id->len && o + 3 < ID_STRLEN; i++)
				o += (size_t)snprintf(buf + o, ID_STRLEN - o, "%02x", id->data[i]);
		}
		break;
	default: snprintf(buf, ID_STRLEN, "(kind %d)", (int)id->kind); break;
	}
	return buf;
}

bool id_eq(const struct cy_id *a, const struct cy_id *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case ID_IPV4_ADDR:
	case ID_IPV6_ADDR:
		return addr_eq(&a->ip, &b->ip);
	case ID_FQDN:
	case ID_RFC822_ADDR:
	case ID_DER_ASN1_DN:
		return a->len == b->len && strncasecmp((const char *)a->data, (const char *)b->data, a->len) == 0;
	case ID_KEY_ID:
		return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
	default:
		return true;
	}
}

bool id_match(const struct cy_id *want, const struct cy_id *have)
{
	if (want->kind == ID_ANY)
		return true;
	return id_eq(want, have);
}

void id_from_addr(const struct ip_addr *a, struct cy_id *out)
{
	memset(out, 0, sizeof(*out));
	out->kind = a->af == AF_INET6 ? ID_IPV6_ADDR : ID_IPV4_ADDR;
	out->ip = *a;
}

size_t id_to_wire(const struct cy_id *id, uint8_t *out, size_t cap)
{
	size_t n;

	switch (id->kind) {
	case ID_IPV4_ADDR:
	case ID_IPV6_ADDR:
		n = addr_len(&id->ip);
		if (n > cap)
			return 0;
		memcpy(out, id->ip.a, n);
		return n;
	case ID_FQDN:
	case ID_RFC822_ADDR:
	case ID_KEY_ID:
	case ID_DER_ASN1_DN: /* DER encoding arrives with the certificate work */
		if (id->len > cap)
			return 0;
		memcpy(out, id->data, id->len);
		return id->len;
	case ID_NULL:
		return 0;
	default:
		return 0;
	}
}

bool id_from_wire(int type, const uint8_t *p, size_t len, struct cy_id *out)
{
	memset(out, 0, sizeof(*out));
	switch (type) {
	case ID_IPV4_ADDR:
		if (len != 4)
			return false;
		out->kind = ID_IPV4_ADDR;
		return addr_from_bytes(AF_INET, p, &out->ip);
	case ID_IPV6_ADDR:
		if (len != 16)
			return false;
		out->kind = ID_IPV6_ADDR;
		return addr_from_bytes(AF_INET6, p, &out->ip);
	case ID_FQDN:
	case ID_RFC822_ADDR:
	case ID_KEY_ID:
	case ID_DER_ASN1_DN:
		if (len == 0 || len > ID_MAXLEN)
			return false;
		out->kind = (enum id_kind)type;
		out->len = (uint16_t)len;
		memcpy(out->data, p, len);
		return true;
	case ID_NULL:
		out->kind = ID_NULL;
		return len == 0;
	default:
		return false;
	}
}

/* ---- shared identities ---------------------------------------------------- */

const struct cy_id id_none = { .kind = ID_NONE };

const struct cy_id *id_share(const struct cy_id *id)
{
	struct cy_id c;

	memset(&c, 0, sizeof(c));          /* padding and unused bytes */
	c.kind = id->kind;
	c.ip = id->ip;
	c.len = id->len <= ID_MAXLEN ? id->len : ID_MAXLEN;
	memcpy(c.data, id->data, c.len);
	return share_blob(&c, sizeof(c));
}

const struct cy_id *id_ref(const struct cy_id *id)
{
	return id == &id_none ? id : share_ref(id);
}

void id_unshare(const struct cy_id *id)
{
	if (id != &id_none)
		share_drop(id);
}

bool id_parse_shared(const char *s, const struct cy_id **out, const char **why)
{
	struct cy_id id;
	const struct cy_id *shared;

	if (!id_parse(s, &id, why))
		return false;
	if (!(shared = id_share(&id))) {
		*why = "out of memory";
		return false;
	}
	*out = shared;
	return true;
}
