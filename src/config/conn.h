/* Resolved ipsec.conf connections and the loaded configuration.
 *
 * Data flow:  file(s) --lexer/parser--> sections (raw key=value, FILE:LINE)
 *             --resolve (also=, alsoflip=, %default, %defaultroute)-->
 *             one flat, ordered keyword/value list per conn (struct conf_kvlist)
 *             --conn_from_kv()--> struct conn (typed, validated).
 *
 * The kv list is the exchange format: the CLI sends it to the daemon over
 * the control socket and the daemon rebuilds the struct with the SAME pure
 * function conn_from_kv(), so both sides validate identically.
 *
 * Values the daemon acts on are parsed once here (proposals, marks, ...);
 * their text stays in the kv list (conn_get()) for output that repeats it.
 *
 * Keywords in a kv list are canonical table names (aliases already mapped,
 * see keywords.h); sided keywords carry the side and the name WITHOUT the
 * left/right prefix ("subnet" + CONF_LEFT means leftsubnet; the endpoint
 * itself is the sided keyword "" i.e. left=/right=).  Values are the text as
 * written (quotes removed).  Keywords unknown to the typed struct (e.g.
 * modecfgdns) stay readable through conn_get().
 *
 * The library never prints: errors are collected in struct config_diag as
 * "FILE:LINE: message" strings; the caller prints them. */
#ifndef CYGNET_CONFIG_CONN_H
#define CYGNET_CONFIG_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alg/proposal.h"
#include "lib/addr.h"
#include "lib/id.h"

/* ---- flat keyword/value view ---------------------------------------- */

enum conf_side { CONF_NOSIDE = 0, CONF_LEFT = 1, CONF_RIGHT = 2 };

struct conf_kv {
	const char *key;        /* canonical keyword (no side prefix); shared (str_share) */
	const char *value;      /* owned copy */
	const char *file;       /* where it was written (shared, str_share), or NULL */
	enum conf_side side;
	unsigned line;
};

struct conf_kvlist {
	size_t n, cap;
	struct conf_kv *v;
};

void kvlist_init(struct conf_kvlist *l);
bool kvlist_add(struct conf_kvlist *l, const char *key, enum conf_side side, const char *value);
/* The same, remembering where it was written (file may be NULL). */
bool kvlist_add_at(struct conf_kvlist *l, const char *key, enum conf_side side, const char *value,
		   const char *file, unsigned line);
/* Append a copy of e (with its location). */
bool kvlist_add_kv(struct conf_kvlist *l, const struct conf_kv *e);
void kvlist_clear(struct conf_kvlist *l);
/* Value of key/side, or NULL when not present. */
const char *kvlist_get(const struct conf_kvlist *l, const char *key, enum conf_side side);

/* ---- diagnostics ---------------------------------------------------- */

struct config_diag {
	size_t n_errors, n_warnings;
	size_t n, cap;
	char **lines;            /* "FILE:LINE: message" or "FILE: message"; errors and warnings */
	bool *is_error;          /* parallel to lines */
};

void diag_init(struct config_diag *d);
void diag_free(struct config_diag *d);
void diag_add(struct config_diag *d, bool error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- the typed connection ------------------------------------------- */

enum conn_host_kind {
	HOST_UNSET = 0,
	HOST_ADDR,            /* numeric address in .addr */
	HOST_DNS,             /* name in .host_name, resolved later by the daemon */
	HOST_ANY,             /* %any / %any6 (af in .addr.af) */
	HOST_DEFAULTROUTE,    /* %defaultroute: .addr filled at load when a route exists */
	HOST_OPPORTUNISTIC,   /* %opportunistic */
	HOST_GROUP,           /* %group */
	HOST_OPPOGROUP,       /* %opportunisticgroup */
	HOST_IFACE,           /* %iface name in .host_name */
	HOST_DIRECT,          /* %direct (nexthop only) */
};

enum conn_auth { AUTH_UNSET = 0, AUTH_RSASIG, AUTH_RSA_SHA2, AUTH_RSA_SHA2_384, AUTH_RSA_SHA2_512,
	AUTH_ECDSA, AUTH_SECRET, AUTH_NULL, AUTH_EAPONLY };

enum conn_type { CONN_TUNNEL = 0, CONN_TRANSPORT, CONN_PASSTHROUGH, CONN_DROP, CONN_REJECT };
enum conn_auto { AUTO_IGNORE = 0, AUTO_ADD, AUTO_ONDEMAND, AUTO_START, AUTO_KEEP };
enum conn_yna { YNA_AUTO = 0, YNA_YES, YNA_NO };                /* tri-states */
enum conn_frag { FRAG_YES = 0, FRAG_NO, FRAG_FORCE };
enum conn_esn { ESN_EITHER = 0, ESN_YES, ESN_NO };
enum conn_dpdaction { DPD_HOLD = 0, DPD_CLEAR, DPD_RESTART };
enum conn_sendcert { SENDCERT_IFASKED = 0, SENDCERT_ALWAYS, SENDCERT_NEVER };

#define CONN_MAX_SUBNETS 64

/* mark=, mark-in=, mark-out=: "value[/mask]" (mask 0xffffffff when not
 * given), or -1: a mark unique to the conn (the daemon picks it). */
struct conn_mark {
	bool set;
	bool unique;
	uint32_t value, mask;
};

struct conn_end {
	enum conn_host_kind host_kind;
	struct ip_addr host;             /* HOST_ADDR, resolved HOST_DEFAULTROUTE, %any family */
	char *host_name;                 /* HOST_DNS / HOST_IFACE text */
	enum conn_host_kind nexthop_kind;/* HOST_UNSET, HOST_ADDR, HOST_DEFAULTROUTE, HOST_DIRECT */
	struct ip_addr nexthop;
	bool has_id;
	const struct cy_id *id;          /* leftid=, shared (id_share()); NULL unset: the host address */
	size_t n_subnets;                /* leftsubnet= or leftsubnets={...}; 0 = host only */
	struct ip_subnet *subnets;       /* n_subnets entries (heap, owned), at most CONN_MAX_SUBNETS */
	bool subnet_virtual;             /* vhost:/vnet: text kept in kv list */
	uint8_t protocol;                /* leftprotoport, 0 = any */
	uint16_t port;                   /* 0 = any */
	bool port_any;                   /* "%any" port */
	struct ip_addr sourceip;
	char *updown;                    /* NULL = none (%disabled or "") */
	char *rsasigkey, *cert, *ckaid, *ca;
	enum conn_auth auth;
	uint16_t ikeport;                /* 0 = default */
	enum conn_sendcert sendcert;
	bool xauthserver, xauthclient, modecfgserver, modecfgclient;
};

struct conn {
	char *name;
	char *connalias;                 /* space separated list or NULL */
	char *file; unsigned line;       /* where the conn section starts */

	struct conn_end end[2];          /* [0] = left, [1] = right */

	enum conn_type type;
	enum conn_auto auto_;
	bool ikev2;                      /* ikev2=yes (default) */
	char *authby;                    /* text as written, NULL = default (rsasig,ecdsa) */
	/* ike=, esp= (phase2alg=), ah= parsed, shared (proposals_share());
	 * NULL = Libreswan's defaults */
	const struct proposal_list *ike, *esp, *ah;
	bool phase2_ah;                  /* phase2=ah */
	uint64_t ikelifetime_ms, salifetime_ms, rekeymargin_ms;
	uint32_t rekeyfuzz_pct;
	bool rekey, pfs, compress, narrowing, mobike, nat_keepalive, aggressive;
	bool initial_contact, send_no_esp_tfc;
	uint64_t retransmit_interval_ms, retransmit_timeout_ms;
	uint32_t keyingtries;            /* 0 = forever */
	uint64_t dpddelay_ms, dpdtimeout_ms;
	enum conn_dpdaction dpdaction;
	enum conn_esn esn;
	enum conn_frag fragmentation;
	enum conn_yna encapsulation;
	uint64_t ipsec_max_bytes, ipsec_max_packets;
	uint32_t replay_window;
	uint32_t reqid, priority, metric, mtu, tfc, nflog;
	struct conn_mark mark, mark_in, mark_out;
	char *vti_interface;

	/* Presence: one bit per (keyword, side) that was given explicitly
	 * (in the conn, via also=, or via %default); see conn_has(). */
	uint8_t *present;                /* bits: see conn.c present_set() */

	struct conf_kvlist kv;           /* the full resolved keyword list (source of truth) */
};

/* type=passthrough|drop|reject: a shunt, which never negotiates; routing
 * it installs bypass or block policies (no IKE at all). */
static inline bool conn_is_shunt(const struct conn *c)
{
	return c->type == CONN_PASSTHROUGH || c->type == CONN_DROP || c->type == CONN_REJECT;
}

/* Build a conn from a resolved kv list: pure, validates every value by
 * its keyword's type (values.h / proposals.h), fills defaults.  On error
 * returns NULL and adds "NAME: keyword K, invalid value: V" style lines to
 * diag (prefixed with where, which may be NULL). */
struct conn *conn_from_kv(const char *name, const struct conf_kvlist *kv,
			  const char *where, struct config_diag *diag);
void conn_free(struct conn *c);
/* The keyword classes (keywords.h) applied to a conn built by
 * conn_from_kv(): "not supported yet" settings are errors in diag (returns
 * false: the conn must not load), "no effect" ones warnings.  Lines carry
 * the FILE:LINE of the keyword when its kv entry has one, else where
 * ("FILE:LINE: conn NAME", may be NULL). */
bool conn_check_support(const struct conn *c, const char *where, struct config_diag *diag);
/* The same for one config setup keyword. */
bool setup_check_support(const struct conf_kv *p, struct config_diag *diag);
/* Was key/side given (not defaulted)? */
bool conn_has(const struct conn *c, const char *key, enum conf_side side);
/* Text value of any keyword (given or NULL). */
const char *conn_get(const struct conn *c, const char *key, enum conf_side side);

/* ---- the whole file ------------------------------------------------- */

struct config_conn_entry {
	char *name;
	char *file; unsigned line;
	struct conf_kvlist kv;        /* resolved, after also/%default/%defaultroute */
	struct conn *conn;            /* NULL when the conn is broken (errors in diag) */
	bool broken;
	bool refused;                 /* broken only by settings Cygnet does not support
				       * (still listed by --list* with its auto=) */
};

struct config {
	char *path;                   /* top file as given ("-" = stdin) */
	bool has_setup;
	struct conf_kvlist setup;     /* config setup keys as given (canonical names) */
	bool setup_refused;           /* a setup setting Cygnet does not support (in diag) */
	size_t n_conns;               /* in file order, %default sections excluded */
	struct config_conn_entry *conns;
	void *priv;                   /* name hash etc. */
};

struct config_opts {
	bool no_defaultroute_lookup;  /* do not ask the kernel for %defaultroute */
	bool no_include;              /* fuzzing: include lines are errors */
	const char *root_dir;         /* prefix for absolute include paths, or NULL */
};

/* Load and resolve a file ("-" = stdin).  Returns NULL only when the file
 * itself cannot be loaded or has a syntax error (diag says why; Libreswan
 * rc 3).  Value errors and conn-level errors leave the conn broken
 * (entry->conn == NULL) and are in diag; other conns load. */
struct config *config_load(const char *path, struct config_diag *diag);
struct config *config_load_opts(const char *path, const struct config_opts *o,
				struct config_diag *diag);
/* Parse from memory; `name` is the virtual file name used in messages
 * and as the base for relative includes. */
struct config *config_load_buffer(const char *name, const char *buf, size_t len,
				  const struct config_opts *o, struct config_diag *diag);
void config_free(struct config *cfg);

/* Lookup by conn name (O(1)); NULL when absent. */
const struct config_conn_entry *config_find(const struct config *cfg, const char *name);
/* Conns whose name or connalias matches: fills out[] (up to max), returns count. */
size_t config_find_alias(const struct config *cfg, const char *name,
			 const struct config_conn_entry **out, size_t max);

#endif
