/* Typed ipsec.conf values: hosts, subnets, selectors, identities, keys.
 * (Scalars are in values.c.)  Pure: no DNS, no files, no allocation. */
#include "config/values.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define WHY(s) do { if (why) *why = (s); return false; } while (0)

/* Copy [s, s+n) into a bounded NUL-terminated buffer. */
static bool copy_tok(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		return false;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return true;
}

/* ---- hosts -------------------------------------------------------------- */

static const struct {
	const char *name;
	enum val_host_kind kind;
} host_specials[] = {
	{ "%defaultroute", VAL_HOST_DEFAULTROUTE }, { "%any", VAL_HOST_ANY },
	{ "%any4", VAL_HOST_ANY }, { "%any6", VAL_HOST_ANY6 },
	{ "%opportunistic", VAL_HOST_OPPORTUNISTIC }, { "%group", VAL_HOST_GROUP },
	{ "%opportunisticgroup", VAL_HOST_OPPOGROUP }, { "%direct", VAL_HOST_DIRECT },
};

const char *val_host_kind_name(enum val_host_kind k)
{
	for (size_t i = 0; i < sizeof host_specials / sizeof host_specials[0]; i++)
		if (host_specials[i].kind == k)
			return host_specials[i].name;
	switch (k) {
	case VAL_HOST_ADDR: return "address";
	case VAL_HOST_NAME: return "name";
	case VAL_HOST_IFACE: return "%iface";
	default: return "?";
	}
}

/* Something that only an address could be (digits, dots, colons, hex). */
static bool looks_numeric(const char *s)
{
	bool colon = strchr(s, ':') != NULL;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (!(isdigit(c) || c == '.' || (colon && (isxdigit(c) || c == ':'))))
			return false;
	}
	return true;
}

/* RFC 1123 host name (underscores tolerated, as resolvers do). */
static bool valid_dns_name(const char *s)
{
	size_t n = strlen(s), label = 0;
	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!(isalnum(c) || c == '-' || c == '_'))
			return false;
		if (++label > 63)
			return false;
	}
	return true;
}

bool val_addr(const char *text, struct ip_addr *out, const char **why)
{
	if (text == NULL || text[0] == '\0')
		WHY("empty address");
	if (!addr_parse(text, out))
		WHY("not a numeric IPv4 or IPv6 address");
	return true;
}

bool val_host(const char *text, struct val_host *out, const char **why)
{
	memset(out, 0, sizeof *out);
	if (text == NULL || text[0] == '\0')
		WHY("empty host");
	if (text[0] == '%') {
		for (size_t i = 0; i < sizeof host_specials / sizeof host_specials[0]; i++) {
			if (strcasecmp(text, host_specials[i].name) == 0) {
				out->kind = host_specials[i].kind;
				return true;
			}
		}
		/* %<interface>: Libreswan's KH_IFACE */
		const char *ifn = text + 1;
		size_t n = strlen(ifn);
		if (n == 0 || n >= 16)
			WHY("bad interface name after %");
		for (size_t i = 0; i < n; i++)
			if (!isgraph((unsigned char)ifn[i]) || ifn[i] == '/')
				WHY("bad interface name after %");
		out->kind = VAL_HOST_IFACE;
		memcpy(out->name, ifn, n + 1);
		return true;
	}
	if (addr_parse(text, &out->addr)) {
		out->kind = VAL_HOST_ADDR;
		return true;
	}
	if (looks_numeric(text))
		WHY("bad IP address");
	if (!valid_dns_name(text))
		WHY("not an IP address or a valid DNS name");
	out->kind = VAL_HOST_NAME;
	memcpy(out->name, text, strlen(text) + 1);
	return true;
}

bool val_nexthop(const char *text, struct val_host *out, const char **why)
{
	if (!val_host(text, out, why))
		return false;
	if (out->kind == VAL_HOST_ADDR || out->kind == VAL_HOST_DEFAULTROUTE ||
	    out->kind == VAL_HOST_DIRECT || out->kind == VAL_HOST_NAME)
		return true;
	WHY("nexthop must be an address, %defaultroute or %direct");
}

/* ---- subnets ------------------------------------------------------------- */

/* Dotted IPv4 netmask "255.255.0.0" to a prefix length; false when the mask
 * is not contiguous. */
static bool mask_to_plen(const char *m, uint8_t *plen)
{
	struct ip_addr a;
	if (!addr_parse(m, &a) || a.af != AF_INET)
		return false;
	uint32_t v = (uint32_t)a.a[0] << 24 | (uint32_t)a.a[1] << 16 | (uint32_t)a.a[2] << 8 | a.a[3];
	uint8_t n = 0;
	while (n < 32 && (v & (0x80000000u >> n)))
		n++;
	if (n < 32 && (v << n) != 0)
		return false;
	*plen = n;
	return true;
}

bool val_subnet(const char *text, struct ip_subnet *out, bool *host_bits, const char **why)
{
	char buf[SUBNET_STRLEN + 16];
	bool hb = false;
	if (text == NULL || text[0] == '\0')
		WHY("empty subnet");
	if (strlen(text) >= sizeof buf)
		WHY("subnet too long");
	strcpy(buf, text);
	char *slash = strchr(buf, '/');
	if (slash && strchr(slash + 1, '.')) {
		/* a.b.c.d/255.255.0.0 */
		uint8_t plen;
		if (!mask_to_plen(slash + 1, &plen))
			WHY("non-contiguous or otherwise erroneous mask");
		*slash = '\0';
		struct ip_addr a;
		if (!addr_parse(buf, &a) || a.af != AF_INET)
			WHY("bad subnet address");
		char pbuf[8];
		pbuf[0] = '/';
		size_t k = 1;
		if (plen >= 10)
			pbuf[k++] = (char)('0' + plen / 10);
		pbuf[k++] = (char)('0' + plen % 10);
		pbuf[k] = '\0';
		strcat(buf, pbuf);
	}
	slash = strchr(buf, '/');
	if (slash) {
		/* subnet_parse accepts a bare address; demand digits after '/' */
		const char *p = slash + 1;
		if (*p == '\0' || strspn(p, "0123456789") != strlen(p))
			WHY("non-contiguous or otherwise erroneous mask");
		*slash = '\0';
		struct ip_addr a;
		if (!addr_parse(buf, &a))
			WHY("bad subnet address");
		*slash = '/';
	} else {
		struct ip_addr a;
		if (!addr_parse(buf, &a))
			WHY("bad subnet address");
	}
	if (!subnet_parse(buf, out, &hb))
		WHY("non-contiguous or otherwise erroneous mask");
	if (host_bits)
		*host_bits = hb;
	return true;
}

/* One vhost:/vnet: item: %no, %priv, or a subnet. */
static bool vitem(const char *s, struct val_vitem *it, const char **why)
{
	memset(it, 0, sizeof *it);
	if (strcasecmp(s, "%no") == 0) {
		it->kind = VAL_SUBNET_NO;
		return true;
	}
	if (strcasecmp(s, "%priv") == 0) {
		it->kind = VAL_SUBNET_PRIV;
		return true;
	}
	it->kind = VAL_SUBNET_NET;
	return val_subnet(s, &it->net, NULL, why);
}

bool val_subnet_spec(const char *text, struct val_subnet_spec *out, const char **why)
{
	memset(out, 0, sizeof *out);
	if (text == NULL || text[0] == '\0')
		WHY("empty subnet");
	const char *list = NULL;
	if (strncasecmp(text, "vhost:", 6) == 0) {
		out->kind = VAL_SUBNET_VHOST;
		list = text + 6;
	} else if (strncasecmp(text, "vnet:", 5) == 0) {
		out->kind = VAL_SUBNET_VNET;
		list = text + 5;
	}
	if (!list) {
		/* Libreswan 4.10: %no and %priv are only valid inside vhost:/vnet:
		 * ("bad subnet leftsubnet=%priv [no / in subnet specification]"). */
		if (text[0] == '%')
			WHY("no / in subnet specification");
		out->kind = VAL_SUBNET_NET;
		return val_subnet(text, &out->net, &out->host_bits, why);
	}
	for (const char *p = list;;) {
		size_t n = strcspn(p, ",");
		char item[SUBNET_STRLEN + 16];
		if (n == 0)
			WHY("empty item in vhost:/vnet: list");
		if (out->n_vlist >= VAL_VLIST_MAX)
			WHY("too many items in vhost:/vnet: list");
		if (!copy_tok(item, sizeof item, p, n))
			WHY("bad item in vhost:/vnet: list");
		if (!vitem(item, &out->vlist[out->n_vlist], why))
			return false;
		out->n_vlist++;
		if (p[n] == '\0')
			return true;
		p += n + 1;
	}
}

bool val_subnet_list(const char *text, struct ip_subnet *out, size_t cap, size_t *n,
		     const char **why)
{
	char item[SUBNET_STRLEN + 16];
	*n = 0;
	if (text == NULL)
		WHY("empty subnet list");
	const char *p = text, *end = text + strlen(text);
	while (p < end && isspace((unsigned char)*p))
		p++;
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	if (p < end && *p == '{') {
		if (end[-1] != '}')
			WHY("subnet list lacks the closing }");
		p++;
		end--;
	} else if (memchr(p, '{', (size_t)(end - p)) || memchr(p, '}', (size_t)(end - p))) {
		WHY("unbalanced { } in subnet list");
	}
	for (;;) {
		while (p < end && (isspace((unsigned char)*p) || *p == ','))
			p++;
		if (p >= end)
			break;
		const char *q = p;
		while (q < end && !isspace((unsigned char)*q) && *q != ',')
			q++;
		if (*n >= cap)
			WHY("too many subnets in list");
		if (!copy_tok(item, sizeof item, p, (size_t)(q - p)))
			WHY("bad subnet in list");
		bool hb;
		if (!val_subnet(item, &out[*n], &hb, why))
			return false;
		(*n)++;
		p = q;
	}
	if (*n == 0)
		WHY("empty subnet list");
	return true;
}

bool val_pool(const char *text, struct val_pool *out, const char **why)
{
	char buf[2 * ADDR_STRLEN + 8];
	memset(out, 0, sizeof *out);
	if (text == NULL || text[0] == '\0')
		WHY("empty address pool");
	if (strlen(text) >= sizeof buf)
		WHY("address pool too long");
	strcpy(buf, text);
	char *dash = strchr(buf, '-');
	if (dash) {
		*dash = '\0';
		if (!addr_parse(buf, &out->lo) || !addr_parse(dash + 1, &out->hi))
			WHY("bad address in range");
		if (out->lo.af != out->hi.af)
			WHY("address range mixes IPv4 and IPv6");
		if (addr_cmp(&out->lo, &out->hi) > 0)
			WHY("start of range is greater than end");
		return true;
	}
	struct ip_subnet s;
	if (!strchr(buf, '/'))
		WHY("address pool must be a range a-b or a CIDR");
	if (!val_subnet(buf, &s, NULL, why))
		return false;
	subnet_range(&s, &out->lo, &out->hi);
	return true;
}

/* ---- protoport ------------------------------------------------------------- */

static const struct { const char *name; uint8_t num; } protocols[] = {
	{ "icmp", 1 }, { "igmp", 2 }, { "ipip", 4 }, { "ipencap", 4 }, { "tcp", 6 }, { "egp", 8 },
	{ "udp", 17 }, { "ipv6", 41 }, { "ipv6-route", 43 }, { "ipv6-frag", 44 }, { "rsvp", 46 },
	{ "gre", 47 }, { "esp", 50 }, { "ah", 51 }, { "ipv6-icmp", 58 }, { "icmpv6", 58 },
	{ "ipv6-nonxt", 59 }, { "ipv6-opts", 60 }, { "ospf", 89 }, { "pim", 103 },
	{ "l2tp", 115 }, { "sctp", 132 }, { "udplite", 136 }, { "mpls-in-ip", 137 },
};

static const struct { const char *name; uint16_t port; } services[] = {
	{ "ftp-data", 20 }, { "ftp", 21 }, { "ssh", 22 }, { "telnet", 23 }, { "smtp", 25 },
	{ "domain", 53 }, { "bootps", 67 }, { "bootpc", 68 }, { "tftp", 69 }, { "http", 80 },
	{ "www", 80 }, { "kerberos", 88 }, { "pop3", 110 }, { "ntp", 123 }, { "imap", 143 },
	{ "imap2", 143 }, { "snmp", 161 }, { "bgp", 179 }, { "ldap", 389 }, { "https", 443 },
	{ "isakmp", 500 }, { "syslog", 514 }, { "submission", 587 }, { "ldaps", 636 },
	{ "imaps", 993 }, { "pop3s", 995 }, { "l2tp", 1701 }, { "openvpn", 1194 },
	{ "radius", 1812 }, { "radius-acct", 1813 }, { "ipsec-nat-t", 4500 }, { "sip", 5060 },
	{ "ms-wbt-server", 3389 },
};

const char *val_proto_name(uint8_t proto)
{
	for (size_t i = 0; i < sizeof protocols / sizeof protocols[0]; i++)
		if (protocols[i].num == proto)
			return protocols[i].name;
	return NULL;
}

bool val_protoport(const char *text, struct val_protoport *out, const char **why)
{
	char proto[32];
	memset(out, 0, sizeof *out);
	if (text == NULL || text[0] == '\0')
		WHY("empty protoport");
	if (strcasecmp(text, "%any") == 0)
		return true;
	const char *slash = strchr(text, '/');
	size_t pn = slash ? (size_t)(slash - text) : strlen(text);
	if (pn == 0 || !copy_tok(proto, sizeof proto, text, pn))
		WHY("bad protocol in protoport");

	uint64_t v;
	bool found = false;
	for (size_t i = 0; i < sizeof protocols / sizeof protocols[0]; i++) {
		if (strcasecmp(proto, protocols[i].name) == 0) {
			out->proto = protocols[i].num;
			found = true;
		}
	}
	if (!found) {
		size_t k = strspn(proto, "0123456789");
		if (k == 0 || proto[k] != '\0')
			WHY("unknown protocol in protoport");
		if (k > 3 || (v = strtoull(proto, NULL, 10)) > 255)
			WHY("protocol must be between 0 and 255");
		out->proto = (uint8_t)v;
	}
	if (!slash)
		return true;

	const char *port = slash + 1;
	if (strcasecmp(port, "%any") == 0) {
		out->any_port = true;
		return true;
	}
	if (port[0] == '\0')
		WHY("empty port in protoport");
	size_t k = strspn(port, "0123456789");
	if (k == strlen(port)) {
		if (k > 5 || (v = strtoull(port, NULL, 10)) > 65535)
			WHY("<port> must be between 0 and 65535");
		out->port = (uint16_t)v;
		return true;
	}
	for (size_t i = 0; i < sizeof services / sizeof services[0]; i++) {
		if (strcasecmp(port, services[i].name) == 0) {
			out->port = services[i].port;
			return true;
		}
	}
	WHY("unknown port name in protoport");
}

/* ---- identities -------------------------------------------------------------- */

bool val_id(const char *text, struct cy_id *out, bool *myid, const char **why)
{
	if (myid)
		*myid = false;
	if (text && strcasecmp(text, "%myid") == 0) {
		memset(out, 0, sizeof *out);
		out->kind = ID_NONE;
		if (myid)
			*myid = true;
		return true;
	}
	return id_parse(text ? text : "", out, why);
}

/* ---- keys ---------------------------------------------------------------------- */

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '+') return 62;
	if (c == '/') return 63;
	return -1;
}

bool val_base64(const char *text, uint8_t *out, size_t cap, size_t *len, const char **why)
{
	uint32_t acc = 0;
	unsigned bits = 0, pad = 0, nchars = 0;
	size_t n = 0;
	*len = 0;
	if (text == NULL)
		WHY("empty base64");
	for (const char *p = text; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (isspace(c))
			continue;
		if (c == '=') {
			pad++;
			nchars++;
			continue;
		}
		int v = b64val(c);
		if (v < 0)
			WHY("bad character in base64");
		if (pad)
			WHY("base64 data after padding");
		nchars++;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n >= cap)
				WHY("base64 value too long");
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	if (n == 0)
		WHY("empty base64");
	if (pad > 2 || (pad && nchars % 4 != 0) || bits >= 6)
		WHY("bad base64 length or padding");
	*len = n;
	return true;
}

bool val_hex(const char *text, uint8_t *out, size_t cap, size_t *len, const char **why)
{
	int hi = -1;
	size_t n = 0;
	*len = 0;
	if (text == NULL)
		WHY("empty hex");
	for (const char *p = text; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '_' || isspace(c))
			continue;
		if (!isxdigit(c))
			WHY("bad character in hex");
		int v = isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n >= cap)
			WHY("hex value too long");
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0)
		WHY("odd number of hex digits");
	if (n == 0)
		WHY("empty hex");
	*len = n;
	return true;
}

bool val_pubkey(const char *text, struct val_pubkey *out, const char **why)
{
	static const struct { const char *name; enum val_pubkey_kind kind; } specials[] = {
		{ "%none", VAL_PUBKEY_NONE }, { "%cert", VAL_PUBKEY_CERT },
		{ "%dnsondemand", VAL_PUBKEY_DNSONDEMAND }, { "%dnsonload", VAL_PUBKEY_DNSONLOAD },
		{ "%dns", VAL_PUBKEY_DNS },
	};
	size_t len = 0;
	out->kind = VAL_PUBKEY_RAW;
	out->len = 0;
	if (text == NULL || text[0] == '\0')
		WHY("empty public key");
	for (size_t i = 0; i < sizeof specials / sizeof specials[0]; i++) {
		if (strcasecmp(text, specials[i].name) == 0) {
			out->kind = specials[i].kind;
			return true;
		}
	}
	if (text[0] == '0' && (text[1] == 's' || text[1] == 'S')) {
		if (!val_base64(text + 2, out->data, sizeof out->data, &len, why))
			return false;
	} else if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
		if (!val_hex(text + 2, out->data, sizeof out->data, &len, why))
			return false;
	} else {
		WHY("public key must start with 0s (base64) or 0x (hex), or be %cert, %none, %dns...");
	}
	out->len = (uint16_t)len;
	return true;
}

/* ---- virtual-private ------------------------------------------------------------ */

bool val_virtual_private(const char *text, struct val_vpriv *out, size_t cap, size_t *n,
			 const char **why)
{
	char item[SUBNET_STRLEN + 24];
	*n = 0;
	const char *p = text ? text : "";
	for (;;) {
		p += strspn(p, " \t,");
		if (*p == '\0')
			return true;
		size_t len = strcspn(p, " \t,");
		if (!copy_tok(item, sizeof item, p, len))
			WHY("virtual-private entry too long");
		p += len;
		int af;
		const char *s;
		if (strncasecmp(item, "%v4:", 4) == 0)
			af = AF_INET;
		else if (strncasecmp(item, "%v6:", 4) == 0)
			af = AF_INET6;
		else
			WHY("virtual-private entries must start with %v4: or %v6:");
		s = item + 4;
		if (*n >= cap)
			WHY("too many virtual-private entries");
		struct val_vpriv *v = &out[*n];
		v->exclude = *s == '!';
		if (v->exclude)
			s++;
		if (!strchr(s, '/'))
			WHY("virtual-private entry needs a /prefix");
		if (!val_subnet(s, &v->net, NULL, why))
			return false;
		if (v->net.addr.af != af)
			WHY("virtual-private address family does not match %v4:/%v6:");
		(*n)++;
	}
}
