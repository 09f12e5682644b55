/* Typed ipsec.conf values: one pure parser per value type.
 *
 * Every parser has the shape
 *     bool val_X(const char *text, <typed out>, const char **why);
 * It returns true and fills *out, or returns false with *why set to a short
 * static reason ("non-contiguous or otherwise erroneous mask"); the caller
 * adds FILE:LINE and the keyword.  No allocation, no global state, no DNS
 * (host names are kept as text), no files read.  `text` is the value as the
 * lexer delivered it (quotes already removed).  `why` may be NULL.
 *
 * Libreswan 4.10 behaviour notes live beside each function and in
 * docs/COMPATIBILITY.md, section "Values".
 */
#ifndef CYGNET_CONFIG_VALUES_H
#define CYGNET_CONFIG_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"
#include "lib/id.h"

/* ---- booleans and enumerations ------------------------------------------- */

/* yes/no and Libreswan 4.10's other spellings (case-insensitive here):
 * yes y true on  /  no n false off.  (1/0 are a syntax error in Libreswan.) */
bool val_bool(const char *text, bool *out, const char **why);

/* A name list for an enumeration; terminated by { NULL, 0 }.  Several names
 * may map to one value (aliases, e.g. auto=route -> ondemand).  Matching is
 * case-insensitive, as Libreswan's. */
struct val_name {
	const char *name;
	int value;
};
bool val_enum(const char *text, const struct val_name *names, int *out, const char **why);
/* The first name in `names` for `value` (the canonical spelling), or NULL. */
const char *val_enum_name(const struct val_name *names, int value);

/* Ready-made name lists for the enumerations whose values Cygnet acts on.
 * (Others may be declared by the keyword table with its own val_name lists.) */
enum val_auto { VAL_AUTO_IGNORE, VAL_AUTO_ADD, VAL_AUTO_ONDEMAND, VAL_AUTO_START, VAL_AUTO_KEEP };
extern const struct val_name val_auto_names[];       /* route -> ondemand */
enum val_ikev2 { VAL_IKEV2_NO, VAL_IKEV2_YES };
extern const struct val_name val_ikev2_names[];      /* yes/propose/insist -> yes, no/permit -> no */
enum val_type { VAL_TYPE_TUNNEL, VAL_TYPE_TRANSPORT, VAL_TYPE_PASSTHROUGH, VAL_TYPE_DROP, VAL_TYPE_REJECT };
extern const struct val_name val_type_names[];       /* also pass -> passthrough */

/* ---- times, sizes, numbers ------------------------------------------------ */

/* Duration "N" / "Ns" / "Nm" / "Nh" / "Nd" (bare number = seconds) -> ms. */
bool val_duration(const char *text, uint64_t *ms, const char **why);
/* As val_duration but a bare number means milliseconds (retransmit-interval);
 * an explicit suffix (including "ms") is honoured. */
bool val_duration_ms(const char *text, uint64_t *ms, const char **why);
/* Lifetimes (ikelifetime, salifetime): a duration; a value above max_ms is
 * CLAMPED to max_ms and *clamped set (Libreswan 4.10 logs "... lifetime
 * limited to the maximum allowed ..." and continues). */
#define VAL_LIFETIME_MAX_MS (24ULL * 3600 * 1000)
bool val_lifetime(const char *text, uint64_t max_ms, uint64_t *ms, bool *clamped, const char **why);

/* Percentage "N%" (0..max_pct); the '%' is required, as in Libreswan. */
bool val_percent(const char *text, unsigned max_pct, unsigned *pct, const char **why);

/* Byte count: N, or N with a binary suffix KiB MiB GiB TiB PiB EiB (case-
 * insensitive, optional space).  Overflow of 2^64 is an error. */
bool val_bytes(const char *text, uint64_t *out, const char **why);

/* Unsigned decimal (or 0x hex) number in [min,max]. */
bool val_number(const char *text, uint64_t min, uint64_t max, uint64_t *out, const char **why);
/* Signed decimal number in [min,max] (nhelpers=-1, ...). */
bool val_signed(const char *text, int64_t min, int64_t max, int64_t *out, const char **why);

/* keyingtries: a number or %forever (== 0, meaning "forever"). */
bool val_keyingtries(const char *text, uint32_t *out, const char **why);

/* A UDP/TCP port 1..65535 (0 rejected). */
bool val_port(const char *text, uint16_t *out, const char **why);

/* ---- hosts, subnets, selectors ------------------------------------------- */

enum val_host_kind {
	VAL_HOST_ADDR,            /* numeric IPv4/IPv6 in .addr */
	VAL_HOST_NAME,            /* DNS name in .name, resolved by the caller */
	VAL_HOST_DEFAULTROUTE,    /* %defaultroute */
	VAL_HOST_ANY,             /* %any (IPv4 unless other end says otherwise) */
	VAL_HOST_ANY6,            /* %any6 */
	VAL_HOST_OPPORTUNISTIC,   /* %opportunistic */
	VAL_HOST_GROUP,           /* %group */
	VAL_HOST_OPPOGROUP,       /* %opportunisticgroup */
	VAL_HOST_DIRECT,          /* %direct (nexthop only) */
	VAL_HOST_IFACE,           /* %<ifname>: the address of interface .name */
};
#define VAL_NAME_MAX 256
struct val_host {
	enum val_host_kind kind;
	struct ip_addr addr;          /* VAL_HOST_ADDR */
	char name[VAL_NAME_MAX];      /* VAL_HOST_NAME, VAL_HOST_IFACE (without '%') */
};
/* left=/right= */
bool val_host(const char *text, struct val_host *out, const char **why);
/* leftnexthop=: an address, %defaultroute or %direct only. */
bool val_nexthop(const char *text, struct val_host *out, const char **why);
/* A plain numeric IPv4/IPv6 address (leftsourceip=, listen=, ...). */
bool val_addr(const char *text, struct ip_addr *out, const char **why);
const char *val_host_kind_name(enum val_host_kind k);   /* "%any", "%defaultroute", ... */

/* A subnet "a.b.c.d/len" / "x::/len" / bare address (host subnet).
 * Host bits set (10.1.0.1/16): accepted with the host bits cleared and
 * *host_bits set so the caller can warn (see values.c for Libreswan's
 * behaviour).  A bad mask gives "non-contiguous or otherwise erroneous mask". */
bool val_subnet(const char *text, struct ip_subnet *out, bool *host_bits, const char **why);

/* leftsubnet= in full: a subnet (also a.b.c.d/255.255.0.0), or vhost:/vnet:
 * lists of subnets, %no and %priv.  A bare %no or %priv is rejected, as
 * Libreswan 4.10 does ("no / in subnet specification"). */
enum val_subnet_kind {
	VAL_SUBNET_NET,           /* .net */
	VAL_SUBNET_NO,            /* %no */
	VAL_SUBNET_PRIV,          /* %priv (the virtual-private set) */
	VAL_SUBNET_VHOST,         /* vhost:<list>: items in .vlist */
	VAL_SUBNET_VNET,          /* vnet:<list> */
};
#define VAL_VLIST_MAX 8
struct val_vitem {                 /* one item of a vhost:/vnet: list */
	enum val_subnet_kind kind;     /* NET, NO or PRIV */
	struct ip_subnet net;
};
struct val_subnet_spec {
	enum val_subnet_kind kind;
	struct ip_subnet net;          /* VAL_SUBNET_NET */
	bool host_bits;                /* VAL_SUBNET_NET: host bits were cleared */
	uint8_t n_vlist;
	struct val_vitem vlist[VAL_VLIST_MAX];
};
bool val_subnet_spec(const char *text, struct val_subnet_spec *out, const char **why);

/* leftsubnets=: "{a b c}" or "a, b, c" (also mixed "{a,b}").  At most cap
 * entries; *n set. */
bool val_subnet_list(const char *text, struct ip_subnet *out, size_t cap, size_t *n,
		     const char **why);

/* leftaddresspool=: "a-b" range (same family, a <= b) or a CIDR. */
struct val_pool {
	struct ip_addr lo, hi;
};
bool val_pool(const char *text, struct val_pool *out, const char **why);

/* leftprotoport=: "proto", "proto/port", "proto/%any", or "%any" (Libreswan
 * 4.10 rejects "%any/port").  proto: a number 0..255 or a name (tcp udp icmp
 * ipv6-icmp/icmpv6 gre esp ah sctp udplite ipip ipv6 ...).  port: number
 * 0..65535, %any (0), or a common service name (http https domain ...);
 * no file (/etc/protocols, /etc/services) is read. */
struct val_protoport {
	uint8_t proto;        /* 0 = any */
	uint16_t port;        /* 0 = any */
	bool any_port;        /* "%any" given for the port */
};
bool val_protoport(const char *text, struct val_protoport *out, const char **why);
/* "tcp", "udp", ... for a protocol number known to val_protoport, else NULL. */
const char *val_proto_name(uint8_t proto);

/* ---- identities and keys ------------------------------------------------- */

/* leftid=: src/lib/id.h syntax (%fromcert, %none, %any, %null, @fqdn, ...),
 * plus %myid (kept as ID_NONE with *myid set; resolved by the daemon). */
bool val_id(const char *text, struct cy_id *out, bool *myid, const char **why);

/* leftrsasigkey= / leftpubkey=: a raw key "0s<base64>" or "0x<hex>" (bytes,
 * spaces and '_' allowed in hex), or one of the specials. */
enum val_pubkey_kind {
	VAL_PUBKEY_RAW,
	VAL_PUBKEY_NONE,          /* %none */
	VAL_PUBKEY_CERT,          /* %cert */
	VAL_PUBKEY_DNSONDEMAND,   /* %dnsondemand (Libreswan's default) */
	VAL_PUBKEY_DNSONLOAD,     /* %dnsonload */
	VAL_PUBKEY_DNS,           /* %dns */
};
#define VAL_PUBKEY_MAX 2048
struct val_pubkey {
	enum val_pubkey_kind kind;
	uint16_t len;
	uint8_t data[VAL_PUBKEY_MAX];
};
bool val_pubkey(const char *text, struct val_pubkey *out, const char **why);
/* Decoders usable by others (ipsec.secrets): 0s base64 / 0x hex to bytes.
 * Return false on bad characters, bad padding or more than cap bytes. */
bool val_base64(const char *text, uint8_t *out, size_t cap, size_t *len, const char **why);
bool val_hex(const char *text, uint8_t *out, size_t cap, size_t *len, const char **why);

/* ---- marks, labels, lists ------------------------------------------------- */

/* mark=/mark-in=/mark-out=: "value[/mask]" (decimal or 0x), mask defaults to
 * 0xffffffff; "-1" (optionally "-1/mask") = a unique mark per instance. */
struct val_mark {
	uint32_t value, mask;
	bool unique;
};
bool val_mark(const char *text, struct val_mark *out, const char **why);

/* policy-label= (sec-label): a non-empty SELinux context string of printable
 * characters, at most VAL_LABEL_MAX-1 bytes; copied to out. */
#define VAL_LABEL_MAX 256
bool val_sec_label(const char *text, char out[VAL_LABEL_MAX], const char **why);

/* virtual-private=: "%v4:10.0.0.0/8,%v4:!10.1.0.0/16,%v6:fd00::/8"
 * (comma or space separated). */
struct val_vpriv {
	bool exclude;             /* "!" */
	struct ip_subnet net;     /* family from %v4/%v6 */
};
bool val_virtual_private(const char *text, struct val_vpriv *out, size_t cap, size_t *n,
			 const char **why);

/* plutodebug=: space/comma separated names (none, all, base, cpu-usage, crypt,
 * private, tmi, ...); "none" clears; a name prefixed with "no-" removes. */
enum {
	VAL_DBG_BASE = 1u << 0,
	VAL_DBG_CPU_USAGE = 1u << 1,
	VAL_DBG_CRYPT = 1u << 2,
	VAL_DBG_PRIVATE = 1u << 3,
	VAL_DBG_TMI = 1u << 4,
	VAL_DBG_DNS = 1u << 5,
	VAL_DBG_ROUTING = 1u << 6,
	VAL_DBG_WHACKWATCH = 1u << 7,
	VAL_DBG_NATT = 1u << 8,
	VAL_DBG_REFCNT = 1u << 9,
	VAL_DBG_ADD_PREFIX = 1u << 10,
};
#define VAL_DBG_ALL (VAL_DBG_BASE | VAL_DBG_CPU_USAGE | VAL_DBG_CRYPT | VAL_DBG_DNS | VAL_DBG_ROUTING | VAL_DBG_WHACKWATCH | VAL_DBG_NATT | VAL_DBG_REFCNT)
bool val_plutodebug(const char *text, uint32_t *out, const char **why);

/* A whitespace/comma separated list of words (connalias=, modecfgdns=, ...):
 * calls fn for each word (copied, NUL-terminated, at most VAL_NAME_MAX-1
 * bytes); stops and fails if fn returns false. */
bool val_words(const char *text, bool (*fn)(const char *word, void *ctx), void *ctx,
	       const char **why);

#endif
