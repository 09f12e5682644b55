/* The dataplane interface: how the daemon and IKE install Child SAs and the
 * routes/policies that steer traffic into them, without knowing the backend.
 *
 *   daemon/IKE ──dp_*()──> struct dataplane ──ops──> backend
 *                                               ├─ "userspace": TUN + ESP in
 *                                               │   a packet thread (us_*.c)
 *                                               └─ "xfrm": the kernel's ESP
 *                                                   via XFRM netlink (xfrm.c)
 *   backend ──events (eventfd)──> daemon: expire soft/hard, acquire, and IKE
 *                                 packets received on the shared port 4500.
 *
 * Threads: every dp_* call is made from the daemon's thread.  The userspace
 * backend's packet path runs in its own thread; anything it reports comes
 * back through a bounded queue whose fd (dp_event_fd) the daemon adds to its
 * libevent loop and drains with dp_poll_events() — callbacks therefore run
 * on the daemon's thread.
 *
 * Parameter objects are read during the call only; keys are copied (and the
 * copies wiped when the SA goes), so the caller keeps ownership of its
 * struct secret. */
#ifndef CYGNET_DATAPLANE_H
#define CYGNET_DATAPLANE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"
#include "lib/secret.h"

#define DP_IPPROTO_ESP 50
#define DP_NATT_PORT 4500
#define DP_DEFAULT_REPLAY_WINDOW 128
#define DP_MAX_REPLAY_WINDOW 4096
#define DP_DEFAULT_ROUTE_TABLE 220
#define DP_DEFAULT_RULE_PRIORITY 220
#define DP_DEFAULT_FWMARK 0x4359   /* sockets of the dataplane bypass table 220 */
/* The userspace dataplane marks the packets it decrypted (written to its
 * TUN: an nftables rule, us_xfrm.c) with this bit; its kernel inbound XFRM
 * policies (Child SAs' against cleartext, shunts') match only packets
 * without it. */
#define DP_DECRYPTED_MARK 0x00200000u
#define DP_SA_MAX_PAIRS 16          /* struct dp_sa.pairs */
/* The reqids Cygnet gives its SAs and policies: DP_REQID_BASE and the
 * DP_REQID_COUNT after it (the SA table hands them out: one per Child SA
 * with selectors of its own, so a responder with 100,000 road warriors
 * needs 100,000 of them). */
#define DP_REQID_BASE 0x43590000u
#define DP_REQID_COUNT 0x100000u
/* A conn's reqid= is 1 to DP_REQID_MANUAL_MAX (Libreswan's manual range);
 * the kernel's acquires for those reach the daemon too, which knows the
 * conns that have one. */
#define DP_REQID_MANUAL_MAX 16379u

enum dp_dir { DP_DIR_IN, DP_DIR_OUT };
enum dp_mode { DP_MODE_TUNNEL, DP_MODE_TRANSPORT };
enum dp_encap { DP_ENCAP_NONE, DP_ENCAP_UDP };   /* UDP = RFC 3948 ESP-in-UDP */
/* What a policy does with matching traffic: protect it (an SA of its reqid,
 * or a trap), or a shunt (type=passthrough|drop|reject): send it in clear,
 * drop it, or drop it and answer with ICMP "administratively prohibited". */
enum dp_action { DP_ACT_IPSEC = 0, DP_ACT_PASS, DP_ACT_DROP, DP_ACT_REJECT };

/* One traffic selector pair, as seen from the SA's direction: for an
 * outbound SA src is the local (protected) side, for an inbound SA src is
 * the peer's side.  proto 0 = any; ports 0 = any (single ports only). */
struct dp_selector {
	struct ip_subnet src, dst;
	uint8_t proto;
	uint16_t sport, dport;
};

/* A packet mark the SA/policy matches (XFRMA_MARK): mark=, mark-in=,
 * mark-out=.  mask 0 = none.  Only the kernel backend has packet marks; the
 * userspace backend ignores them (with a warning). */
struct dp_mark {
	uint32_t value, mask;
};

/* Lifetimes; 0 = unlimited. */
struct dp_lifetime {
	uint64_t bytes, packets, seconds;
};

/* A Child SA in one direction. */
struct dp_sa {
	uint32_t spi;                  /* host byte order */
	enum dp_dir dir;
	struct ip_addr src, dst;       /* outer addresses (dst = where the SPI lives) */
	enum dp_encap encap;
	uint16_t sport, dport;         /* UDP ports with DP_ENCAP_UDP (host order) */
	enum dp_mode mode;
	struct dp_selector sel;        /* inner selectors: checked after decryption inbound */
	/* Every selector pair of the SA (same view as sel, which covers
	 * them), borrowed during add_sa only; npairs 0 = sel alone.  The
	 * userspace backend holds decrypted packets to them and lets an
	 * outbound SA carry only policies within one; XFRM has sel only. */
	const struct dp_selector *pairs;
	uint8_t npairs;                /* at most DP_SA_MAX_PAIRS */
	/* Algorithms: IANA transform ids (src/alg/iana.h) and key sizes. */
	uint16_t encr;                 /* IKEV2_ENCR_AES_GCM_16 / _CHACHA20_POLY1305 / _AES_CBC */
	uint16_t encr_keybits;         /* 128/192/256 for AES; 256 for ChaCha20 */
	uint16_t integ;                /* IKEV2_INTEG_HMAC_SHA2_*, NONE for AEAD */
	/* encr_key: cipher key followed by the 4-byte salt for the AEADs
	 * (RFC 4106 §8.1, RFC 7634 §2), as IKE's KEYMAT yields it. */
	const struct secret *encr_key;
	const struct secret *integ_key;  /* NULL for AEAD */
	bool esn;
	uint32_t replay_window;        /* packets; 0 = anti-replay off (inbound only) */
	struct dp_lifetime soft, hard;
	uint32_t reqid;                /* ties the SA to a policy */
	uint16_t tfc_pad;              /* outbound: pad inner packets up to this size; 0 = off */
	struct dp_mark mark;
	uint64_t first_seq;            /* next outbound seq is first_seq + 1 (tests); normally 0 */
};

/* A policy: "traffic matching sel in direction dir belongs to reqid".  In the
 * userspace backend an outbound policy installs a route for sel.dst through
 * the TUN in the dataplane's routing table, and packets read from the TUN
 * go to the outbound SA with that reqid; inbound policies are accepted and
 * the inbound SA's own selectors are checked after decryption.
 *
 * A trap (`ipsec auto --route`): an outbound policy whose reqid has no SA
 * yet.  Traffic matching it is dropped and reported as DP_EV_ACQUIRE (at
 * most about once a second per policy); an SA added later with the same
 * reqid is used from then on, and when it goes the policy is a trap again.
 * The xfrm backend needs the tunnel endpoints for such a policy's template:
 * tmpl_src/tmpl_dst/mode; unset tmpl_dst = take them from the reqid's SA.
 *
 * A shunt (action != DP_ACT_IPSEC, always given as DP_DIR_OUT, reqid and
 * template unused) covers both directions: the backend installs sel
 * outbound and its reverse inbound (xfrm: out, in and fwd policies with
 * action allow or block, as Libreswan; userspace: see us_backend.c).  The
 * most specific policy wins, so a shunt inside a tunnel's selectors carves
 * a hole in it and a tunnel inside a shunt's selectors is still protected. */
struct dp_policy {
	enum dp_dir dir;
	enum dp_action action;
	struct dp_selector sel;
	uint32_t reqid;
	struct ip_addr prefsrc;        /* optional source for the route (unset = none) */
	/* The route of an outbound policy, beside prefsrc (leftsourceip=):
	 * via = gateway (leftnexthop=; unset = none; the kernel backend's
	 * routes only, the userspace one routes into its TUN), metric (metric=, 0 =
	 * the kernel's default) and mtu (mtu=, 0 = none).  A prefsrc that is
	 * not an address of this host is added as Libreswan's _updown adds
	 * it (dp_srcaddr_hold) while a route uses it. */
	struct ip_addr via;
	uint32_t metric, mtu;
	struct ip_addr tmpl_src, tmpl_dst;
	enum dp_mode mode;
	struct dp_mark mark;
	uint32_t priority;             /* 0 = from the selectors (xfrm_policy_priority) */
};

/* Drop reasons, one counter each.  Names appear in `ipsec auto --status`. */
#define DP_DROP_LIST(X) \
	X(DP_DROP_SHORT, "short") \
	X(DP_DROP_BAD_SPI, "bad-spi") \
	X(DP_DROP_BAD_ICV, "bad-icv") \
	X(DP_DROP_REPLAY, "replay") \
	X(DP_DROP_REPLAY_OLD, "replay-too-old") \
	X(DP_DROP_BAD_PAD, "bad-padding") \
	X(DP_DROP_BAD_NEXT_HDR, "bad-next-header") \
	X(DP_DROP_BAD_INNER, "bad-inner-packet") \
	X(DP_DROP_SELECTOR, "selector-mismatch") \
	X(DP_DROP_BAD_ALIGN, "bad-alignment") \
	X(DP_DROP_HARD_EXPIRED, "sa-expired") \
	X(DP_DROP_SEQ_OVERFLOW, "seq-overflow") \
	X(DP_DROP_NO_POLICY, "no-policy") \
	X(DP_DROP_TOO_BIG, "too-big") \
	X(DP_DROP_NOT_IP, "not-ip") \
	X(DP_DROP_BAD_OUTER, "bad-outer") \
	X(DP_DROP_IKE_QUEUE_FULL, "ike-queue-full") \
	X(DP_DROP_KEEPALIVE, "nat-keepalive") \
	X(DP_DROP_TX_ERROR, "send-error") \
	X(DP_DROP_CRYPTO, "crypto-error") \
	X(DP_DROP_AWAITING_SA, "awaiting-sa") \
	X(DP_DROP_SHUNT, "shunt-drop") \
	X(DP_DROP_SHUNT_REJECT, "shunt-reject") \
	X(DP_DROP_CLEARTEXT, "cleartext") \
	X(DP_DROP_LINK_SCOPE, "link-scope")

#define DP_ENUM_ENTRY(name, str) name,
enum dp_drop { DP_DROP_LIST(DP_ENUM_ENTRY) DP_DROP__COUNT };
const char *dp_drop_name(enum dp_drop d);

/* Counters of one SA.  last_used is CLOCK_REALTIME seconds, 0 = never. */
struct dp_counters {
	uint64_t bytes, packets;       /* inner bytes, as Libreswan's in/outBytes */
	uint64_t last_used;
	uint64_t add_time;
	uint64_t drops[DP_DROP__COUNT];
};

/* Events to the daemon. */
enum dp_event_type { DP_EV_EXPIRE, DP_EV_ACQUIRE, DP_EV_IKE_PACKET, DP_EV_DROP };

struct dp_event {
	enum dp_event_type type;
	union {
		struct {
			uint32_t spi;
			enum dp_dir dir;
			struct ip_addr dst;
			uint32_t reqid;
			bool hard;
		} expire;
		struct {
			struct dp_selector sel;    /* the packet's addresses (full length) and protocol */
			uint32_t reqid;            /* the trap policy's */
		} acquire;
		struct {
			struct ip_addr src, dst;   /* src = peer, dst = our address */
			uint16_t sport, dport;
			const uint8_t *data;       /* IKE message without the non-ESP marker */
			size_t len;                /* valid during the callback only */
		} ike;
		struct {
			enum dp_drop why;          /* DP_DROP_SELECTOR */
			uint32_t spi;              /* the inbound SA's */
			struct dp_selector sel;    /* the packet: full-length addresses, protocol, ports */
			uint64_t count;            /* the SA's drops for this reason so far */
		} drop;
	} u;
};

typedef void (*dp_event_cb)(void *arg, const struct dp_event *ev);

/* Start-up parameters. */
struct dp_params {
	const char *protostack;        /* NULL/"" = probe; "xfrm", "netkey", "native", "userspace" */
	const char *tun_name;          /* default "cygnet0" */
	unsigned tun_mtu;              /* default 1400 */
	uint32_t route_table;          /* default DP_DEFAULT_ROUTE_TABLE */
	uint32_t rule_priority;        /* default DP_DEFAULT_RULE_PRIORITY */
	uint32_t fwmark;               /* default DP_DEFAULT_FWMARK */
	uint16_t natt_port;            /* default 4500; 0 here means default */
	bool no_natt_socket;           /* don't bind the 4500 socket */
	struct ip_addr listen;         /* config setup listen=: bind 4500 there only (unset = any) */
	int ike_bufsize;               /* ike-socket-bufsize= (0 = the OS default; xfrm's 4500) */
	bool no_raw_esp;               /* don't open the raw ESP sockets */
	bool no_routes;                /* install no routes/rules (tests) */
};

struct dataplane;

struct dataplane_ops {
	const char *name;              /* "userspace", "xfrm" */
	int (*init)(struct dataplane *dp, const struct dp_params *params);
	void (*shutdown)(struct dataplane *dp);
	int (*add_sa)(struct dataplane *dp, const struct dp_sa *sa);
	/* update: same spi/dst/dir; replaces addresses, encap, lifetimes
	 * (keys and algorithms of an SA never change: rekey = new SA). */
	int (*update_sa)(struct dataplane *dp, const struct dp_sa *sa);
	int (*del_sa)(struct dataplane *dp, uint32_t spi, const struct ip_addr *dst, uint8_t proto);
	int (*add_policy)(struct dataplane *dp, const struct dp_policy *pol);
	int (*del_policy)(struct dataplane *dp, const struct dp_policy *pol);
	int (*get_counters)(struct dataplane *dp, uint32_t spi, const struct ip_addr *dst,
			    uint8_t proto, struct dp_counters *out);
	/* Drops not attributable to an SA (no SPI match, short packets, ...). */
	void (*get_global_drops)(struct dataplane *dp, uint64_t drops[DP_DROP__COUNT]);
	/* IKE over the shared NAT-T socket: the backend prepends the 4-byte
	 * non-ESP marker.  src may be unset (kernel chooses). */
	int (*send_ike)(struct dataplane *dp, const void *buf, size_t len,
			const struct ip_addr *src, uint16_t sport,
			const struct ip_addr *dst, uint16_t dport);
	int (*send_keepalive)(struct dataplane *dp, const struct ip_addr *src, uint16_t sport,
			      const struct ip_addr *dst, uint16_t dport);
	/* Optional: remove what a previous run left with this fixed reqid
	 * (a conn's reqid= that run noted: daemon/fixed_reqid.c; Cygnet's
	 * own range is purged at init).  NULL: nothing outlives the daemon. */
	void (*purge_reqid)(struct dataplane *dp, uint32_t reqid);
};

struct dataplane {
	const struct dataplane_ops *ops;
	struct dp_params params;
	struct dp_evq *evq;            /* events to the daemon (dp_events.c) */
	void *priv;                    /* backend state */
};

extern const struct dataplane_ops dp_userspace_ops;
extern const struct dataplane_ops dp_xfrm_ops;

/* Choose the backend from params->protostack (probing when unset), log
 * "using kernel interface: NAME", and init it.  NULL + *err = -errno. */
struct dataplane *dp_new(const struct dp_params *params, int *err);
void dp_free(struct dataplane *dp);     /* shutdown: removes SAs, routes, rules, TUN */

/* Resolve a protostack= value: returns the ops or NULL if unknown; *probe
 * is set when the value asks for probing (NULL/""/"auto"). */
const struct dataplane_ops *dp_ops_for_protostack(const char *value, bool *probe);

/* Can the kernel hold an ESP SA?  Adds and deletes a throwaway XFRM SA.
 * 1 yes, 0 no, -errno when netlink itself failed. */
int xfrm_probe_esp(void);

/* Events: add dp_event_fd() to the loop (EV_READ), then call
 * dp_poll_events(); returns how many events were delivered. */
int dp_event_fd(const struct dataplane *dp);
int dp_poll_events(struct dataplane *dp, dp_event_cb cb, void *arg);

/* Mark a socket of the daemon (e.g. IKE's UDP 500) so its packets bypass
 * the dataplane's routing table (transport mode routes the peer's own
 * address into the TUN) and, with a per-socket XFRM policy, the kernel's
 * IPsec policies (the peer's address may be inside a protected selector).
 * -errno on failure. */
int dp_socket_bypass(const struct dataplane *dp, int fd);

/* route_msg.c: the route of an outbound policy's destination, as both
 * backends add it to their table (userspace: through the TUN, no gateway;
 * kernel: through the device and gateway that reach the nexthop or peer). */
struct dp_route {
	struct ip_subnet dst;
	uint32_t table, oif;           /* oif 0 = none */
	struct ip_addr gw;             /* unset = none */
	struct ip_addr prefsrc;        /* unset = none */
	uint32_t metric, mtu;          /* 0 = none */
};
#define DP_ROUTE_MSG_LEN 256           /* room for any dp_route_msg() */
/* The policy's source (same family as r->dst), gateway (via), metric and
 * MTU onto r. */
void dp_route_from_policy(struct dp_route *r, const struct dp_policy *pol);
/* RTM_NEWROUTE (create or replace, with every setting) or RTM_DELROUTE
 * (dst, table, oif only) in buf; its length, 0 when cap < DP_ROUTE_MSG_LEN
 * or the family is neither IPv4 nor IPv6. */
size_t dp_route_msg(void *buf, size_t cap, uint32_t seq, bool add, const struct dp_route *r);

/* srcaddr.c: route source addresses (leftsourceip=) that are not this
 * host's yet: the first route using one adds it to "lo" (IPv4 /32 scope 50,
 * the mark of an address Libreswan's _updown added; IPv6 /128), the last
 * one gone removes it; addresses that were local already are never
 * touched.  One table per backend (daemon's thread only). */
struct dp_srcaddrs {
	struct dp_srcaddr { struct ip_addr a; unsigned refs; } *v;
	size_t n, cap;
};
/* A route with source a is about to be added: 0, or -errno when a is not
 * local and cannot be added (the route would be refused). */
int dp_srcaddr_hold(struct dp_srcaddrs *s, const struct ip_addr *a);
/* A route with source a is gone. */
void dp_srcaddr_release(struct dp_srcaddrs *s, const struct ip_addr *a);
/* Shutdown: removes every address still held and frees the table. */
void dp_srcaddr_release_all(struct dp_srcaddrs *s);

/* Convenience wrappers: dp->ops->x(dp, ...). */
static inline int dp_add_sa(struct dataplane *dp, const struct dp_sa *sa) { return dp->ops->add_sa(dp, sa); }
static inline int dp_del_sa(struct dataplane *dp, uint32_t spi, const struct ip_addr *dst)
{
	return dp->ops->del_sa(dp, spi, dst, DP_IPPROTO_ESP);
}

#endif
