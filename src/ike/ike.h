/* The IKEv2 engine (RFC 7296): exchanges, IKE/Child SA state, PSK auth.
 *
 * An engine is a plain object driven by its embedder: no sockets, no event
 * loop, no clock inside.  The embedder supplies a const ops table:
 *   now()        monotonic milliseconds (a fake clock in tests)
 *   send()       one datagram (the embedder adds the non-ESP marker on 4500)
 *   get_psk()    the shared secret for (local id, remote id) from ipsec.secrets
 *   find_conn_for_responder()  the conn a peer's IDi selects (%any road warriors)
 *   find_conn_for_child()  the conn a Child SA's traffic selectors select
 *   child_sa_installed()/child_sa_deleted()  the dataplane hand-off
 *   ike_sa_established()/ike_sa_deleted()    notifications for the daemon
 *   deadline_changed()  the next time ike_tick() must be called (optional:
 *                       ike_next_deadline() returns the same value)
 * and calls ike_recv() for each datagram, ike_tick() at the deadline,
 * ike_initiate()/ike_terminate() for `ipsec auto --up/--down`.
 *
 * Progress of an operation (ike_initiate) streams to a per-operation sink
 * with Libreswan's whack codes (181 initiating, 182 sent IKE_AUTH, 003
 * established, 010 retransmission, 031 timeout...), and finishes with one
 * done() call carrying the exit status `ipsec auto --up` should return. */
#ifndef CYGNET_IKE_H
#define CYGNET_IKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alg/proposal.h"
#include "ike/wire.h"
#include "lib/addr.h"
#include "lib/id.h"
#include "lib/secret.h"

#define IKE_CONN_NAMELEN 64
#define IKE_MAX_SUBNETS 8

struct ike_engine;

/* An address and UDP port. */
struct ike_endpoint {
	struct ip_addr addr;
	uint16_t port;
};


/* One end of a connection as IKE sees it. */
struct ike_end {
	struct ip_addr addr;          /* af 0 or any-address = %any */
	uint16_t ike_port;            /* 500 unless configured */
	struct cy_id id;              /* ID_NONE = the address */
	struct ip_subnet subnets[IKE_MAX_SUBNETS];
	size_t n_subnets;             /* 0 = host-to-host (the address) */
	uint8_t protocol;             /* leftprotoport: 0 = any */
	uint16_t port;                /* 0 = any */
};

enum ike_encaps { IKE_ENCAPS_AUTO, IKE_ENCAPS_YES, IKE_ENCAPS_NO };
enum ike_esn { IKE_ESN_EITHER, IKE_ESN_YES, IKE_ESN_NO };
enum ike_authby { IKE_AUTHBY_PSK };
/* dpdaction=: what a dead peer (DPD / liveness timeout) leads to.  For the
 * engine hold and clear are the same (the SAs are deleted); the embedder
 * keeps a routed conn's trap policies either way (hold).  restart deletes
 * and initiates the conn again (keyingtries applies to the new attempt). */
enum ike_dpd_action { IKE_DPD_HOLD = 0, IKE_DPD_CLEAR, IKE_DPD_RESTART };

/* What IKE needs from a connection; the daemon maps struct conn onto it.
 * The engine copies it into each IKE SA (no borrowed pointer survives). */
struct ike_conn {
	char name[IKE_CONN_NAMELEN];
	struct ike_end local, remote;
	enum ike_authby authby;
	bool transport;               /* type=transport */
	struct proposal_list ike;     /* ike= (or the defaults) */
	struct proposal_list esp;     /* esp= (or the defaults) */
	bool pfs;
	enum ike_esn esn;
	uint64_t ike_lifetime_ms;     /* ikelifetime (8h) */
	uint64_t ipsec_lifetime_ms;   /* salifetime (8h) */
	uint64_t rekey_margin_ms;     /* rekeymargin (9m) */
	unsigned rekey_fuzz_pct;      /* rekeyfuzz (100) */
	bool rekey;                   /* rekey=yes */
	uint32_t retransmit_interval_ms;  /* 500 */
	uint32_t retransmit_timeout_ms;   /* 60000 */
	unsigned keyingtries;         /* 0 = %forever */
	uint32_t dpd_delay_ms, dpd_timeout_ms;  /* 0 = off */
	enum ike_dpd_action dpd_action;   /* dpdaction (hold) */
	bool uniqueids;               /* config setup uniqueids (yes): a new IKE SA
				       * for the same conn and peer ID replaces older ones */
	bool fragmentation;
	bool narrowing;
	enum ike_encaps encaps;
	uint32_t nat_keepalive_ms;    /* 20000 */
	bool initial_contact;
	bool send_no_esp_tfc;
	uint32_t replay_window;       /* 128 */
	void *user;                   /* the embedder's handle, passed back */
};

/* Fill the Libreswan defaults (proposals from proposals_default()). */
void ike_conn_defaults(struct ike_conn *c);

/* The parameters of one negotiated Child SA, for the dataplane.  "out" is
 * local -> remote, "in" remote -> local; keys are borrowed for the call. */
struct ike_child_dir {
	uint32_t spi;                 /* host order */
	struct ip_addr src, dst;
	const struct secret *encr_key;   /* includes the AEAD salt */
	const struct secret *integ_key;  /* NULL for AEAD */
};

#define IKE_OUTBOUND_DELAY_MS 2000   /* see ike_child_params.outbound_later */

struct ike_child_params {
	const char *conn_name;
	void *conn_user;
	unsigned serial;              /* #N of the Child SA */
	unsigned ike_serial;
	bool ike_initiator;           /* we initiated the IKE SA (it rekeys first) */
	uint16_t encr, encr_keybits, integ, dh;   /* IANA ids; dh = PFS group or 0 */
	bool esn;
	bool transport;
	bool encap;                   /* UDP encapsulation (NAT) */
	uint16_t local_port, remote_port;  /* IKE ports (for encap) */
	uint32_t replay_window;
	uint64_t lifetime_ms;
	/* The responder of a Child SA rekey: install only the inbound SA now;
	 * child_sa_outbound() follows once the initiator has switched to the
	 * new SA (its Delete of the old one arrived) or IKE_OUTBOUND_DELAY_MS
	 * passed.  Until then the old outbound SA carries the traffic, so the
	 * peer never receives ESP for an SA it has not installed yet. */
	bool outbound_later;
	struct ike_child_dir in, out;
	const struct ike_ts_payload *ts_local, *ts_remote;   /* struct ike_ts: wire.h */
};

struct ike_sa_info;   /* see ike_sa_info_get() below */

struct ike_ops {
	uint64_t (*now)(void *ctx);
	void (*send)(void *ctx, const uint8_t *pkt, size_t len,
		     const struct ike_endpoint *local, const struct ike_endpoint *remote);
	/* A fresh copy of the PSK (the engine frees it) or NULL when none. */
	struct secret *(*get_psk)(void *ctx, const struct cy_id *local, const struct cy_id *remote);
	/* The conn for a peer (remote may be %any in the conn); NULL = none.
	 * peer_id is NULL when choosing before IKE_AUTH (IKE_SA_INIT). */
	const struct ike_conn *(*find_conn_for_responder)(void *ctx, const struct ike_endpoint *local,
							  const struct ike_endpoint *remote,
							  const struct cy_id *peer_id);
	/* Optional: the responder's conn for a Child SA whose proposed
	 * selectors (tsi/tsr as received: tsi is the peer's side) do not fit
	 * `current`, the IKE SA's conn.  Return a conn of the same peer (local
	 * and remote addresses, local ID, peer ID, authby and so PSK) that
	 * ike_conn_fits_ts(), preferring `current`; NULL = none (the engine
	 * answers TS_UNACCEPTABLE).  The engine copies the result.  In
	 * IKE_AUTH the IKE SA switches to it; in CREATE_CHILD_SA the new Child
	 * SA belongs to it (its name in ike_child_params and ike_sa_info). */
	const struct ike_conn *(*find_conn_for_child)(void *ctx, const struct ike_conn *current,
						      const struct ike_endpoint *local,
						      const struct ike_endpoint *remote, const struct cy_id *peer,
						      const struct ike_ts_payload *tsi,
						      const struct ike_ts_payload *tsr);
	void (*child_sa_installed)(void *ctx, const struct ike_child_params *p);
	/* The deferred outbound SA (outbound_later above); NULL = never defer. */
	void (*child_sa_outbound)(void *ctx, const struct ike_child_params *p);
	void (*child_sa_deleted)(void *ctx, const struct ike_child_params *p);
	void (*ike_sa_established)(void *ctx, const struct ike_sa_info *sa);
	void (*ike_sa_deleted)(void *ctx, const struct ike_sa_info *sa);
	/* NAT detected: the IKE SA moved to these endpoints (port 4500). */
	void (*endpoints_changed)(void *ctx, const struct ike_sa_info *sa);
	void (*deadline_changed)(void *ctx, uint64_t deadline_ms);
	/* Optional: a NAT keepalive (RFC 3948 §2.3: the single byte 0xFF, no
	 * non-ESP marker) from local to remote, both on port 4500. */
	void (*send_keepalive)(void *ctx, const struct ike_endpoint *local, const struct ike_endpoint *remote);
};

/* Per-operation progress: whack-style lines, then exactly one done(). */
struct ike_sink {
	void (*line)(void *arg, int code, const char *text);
	void (*done)(void *arg, int status, const char *reason);  /* 0 = success */
	void *arg;
};

/* Exit statuses reported through done(). */
enum {
	IKE_RC_OK = 0,
	IKE_RC_FAILED = 1,      /* refused by the peer (AUTH, proposal, TS) */
	IKE_RC_TIMEOUT = 31,    /* no (acceptable) response */
	IKE_RC_TERMINATED = 10, /* operation abandoned (--down, --delete, engine freed) */
	IKE_RC_CANNOT_INITIATE = 36, /* e.g. no peer address (template): "036 failed to initiate" */
};

struct ike_engine_config {
	unsigned ddos_threshold;       /* half-open IKE SAs before COOKIEs (25000) */
	bool ddos_busy;                /* ddos-mode=busy: always cookies */
	bool ddos_unlimited;           /* ddos-mode=unlimited: never cookies */
	size_t max_ike_sas;            /* hard cap (65536) */
};

struct ike_engine *ike_engine_new(const struct ike_ops *ops, void *ctx,
				  const struct ike_engine_config *cfg);
/* No messages are sent; operations still pending get done(IKE_RC_TERMINATED). */
void ike_engine_free(struct ike_engine *e);

/* Would the responder accept a Child SA proposing tsi/tsr (as received)
 * under conn, with the narrowing rules it applies (narrowing=)? */
bool ike_conn_fits_ts(const struct ike_conn *conn, const struct ike_endpoint *local,
		      const struct ike_endpoint *remote, const struct ike_ts_payload *tsi,
		      const struct ike_ts_payload *tsr);

/* Start negotiating `conn` (copied).  Returns the IKE SA serial, or 0 after
 * the sink got its lines and exactly one done() (failure to start). */
unsigned ike_initiate(struct ike_engine *e, const struct ike_conn *conn, const struct ike_sink *sink);
/* A datagram for us (non-ESP marker already stripped). */
void ike_recv(struct ike_engine *e, const uint8_t *pkt, size_t len,
	      const struct ike_endpoint *local, const struct ike_endpoint *remote);
/* Delete every SA of this conn, telling the peer.  Returns how many IKE SAs. */
unsigned ike_terminate(struct ike_engine *e, const char *conn_name);
/* The same, streaming Libreswan's per-state lines to sink ("002 "c" #1:
 * deleting state (STATE_V2_ESTABLISHED_IKE_SA) aged 1.234s and sending
 * notification"), then done(0).  sink may be NULL. */
unsigned ike_terminate_sink(struct ike_engine *e, const char *conn_name, const struct ike_sink *sink);
/* Run timers due at now(). */
void ike_tick(struct ike_engine *e);
/* Next time ike_tick() has work; UINT64_MAX when none. */
uint64_t ike_next_deadline(const struct ike_engine *e);

/* Rekey triggers (normally driven by lifetimes; exposed for tests/ops). */
bool ike_rekey_ike(struct ike_engine *e, unsigned ike_serial);
bool ike_rekey_child(struct ike_engine *e, unsigned child_serial);
/* Delete one Child SA, telling the peer (its hard lifetime ran out). */
bool ike_delete_child(struct ike_engine *e, unsigned child_serial);
/* A new Child SA over an established IKE SA of the same conn. */
bool ike_create_child(struct ike_engine *e, unsigned ike_serial);
/* Send an empty INFORMATIONAL (liveness) now. */
bool ike_liveness(struct ike_engine *e, unsigned ike_serial);
/* Fault injection for tests: answer the next n CREATE_CHILD_SA requests
 * with the error notify (e.g. v2N_TEMPORARY_FAILURE) instead of serving. */
void ike_test_refuse_ccs(struct ike_engine *e, unsigned n, uint16_t notify);

/* ---- status ----------------------------------------------------------- */

enum ike_sa_kind { IKE_KIND_IKE, IKE_KIND_CHILD };

/* A snapshot of one SA for --status/--showstates lines. */
struct ike_sa_info {
	enum ike_sa_kind kind;
	unsigned serial;              /* #N */
	unsigned ike_serial;          /* parent (children) or self */
	const char *conn_name;
	void *conn_user;
	const char *state_name;       /* "STATE_V2_ESTABLISHED_IKE_SA" */
	const char *state_story;      /* "established IKE SA" */
	bool initiator;
	bool established;
	uint64_t spi_i, spi_r;        /* IKE SPIs (kind IKE) */
	uint32_t spi_in, spi_out;     /* ESP SPIs (kind CHILD) */
	uint16_t encr, encr_keybits, integ, prf, dh;
	bool esn;
	struct ike_endpoint local, remote;
	struct cy_id remote_id;
	uint64_t created_ms;
	uint64_t rekey_at_ms, replace_at_ms, retransmit_at_ms;  /* 0 = none */
	bool newest;
	bool nat;                     /* NAT detected, on 4500 */
};

/* Libreswan's --status/--showstates state line (without the "000 "):
 *   #1: "c":500 STATE_V2_ESTABLISHED_IKE_SA (established IKE SA); REKEY in 27928s; REPLACE in 28797s; newest; idle;
 *   #1: "c":500 STATE_V2_PARENT_I1 (sent IKE_SA_INIT request); RETRANSMIT in 4s; idle;
 *   #2: "c":500 STATE_V2_ESTABLISHED_CHILD_SA (established Child SA); REKEY in 28514s; REPLACE in 28800s; newest; IKE SA #1; idle;
 * Returns the length (snprintf-style). */
size_t ike_sa_state_line(const struct ike_sa_info *i, uint64_t now_ms, char *buf, size_t cap);
/* The Child SA's second line:
 *   #2: "c" esp.1a2b3c4d@192.0.2.2 esp.5e6f7a8b@192.0.2.1 tun.0@192.0.2.2 tun.0@192.0.2.1 Traffic: ESPin=0B ESPout=0B ESPmax=2^63B
 * (transport mode omits the tun.0 pairs). */
size_t ike_child_spi_line(const struct ike_sa_info *i, bool transport, uint64_t in_bytes, uint64_t out_bytes,
			  char *buf, size_t cap);

typedef void (*ike_sa_visit_fn)(void *arg, const struct ike_sa_info *info);
/* Visit every IKE SA then its children, in serial order. */
void ike_foreach_sa(const struct ike_engine *e, ike_sa_visit_fn fn, void *arg);
size_t ike_count_sas(const struct ike_engine *e, size_t *half_open, size_t *children);

/* ---- drop counters ---------------------------------------------------- */

#define IKE_DROP_LIST(X) \
	X(DROP_MALFORMED_HEADER, "malformed IKE header") \
	X(DROP_MALFORMED_PAYLOAD, "malformed payload") \
	X(DROP_PAYLOAD_RULES, "payloads not allowed for the exchange") \
	X(DROP_UNKNOWN_SPI, "no IKE SA for the SPIs") \
	X(DROP_BAD_MSGID, "unexpected message ID") \
	X(DROP_WRONG_STATE, "message not expected in this state") \
	X(DROP_DECRYPT, "SK payload failed integrity/decryption") \
	X(DROP_UNSOLICITED_RESPONSE, "response without an outstanding request") \
	X(DROP_NO_CONN, "no connection for the peer") \
	X(DROP_TOO_MANY_SAS, "IKE SA limit reached") \
	X(DROP_BAD_COOKIE, "missing or wrong COOKIE") \
	X(DROP_BAD_KE, "unacceptable KE payload") \
	X(DROP_FRAGMENT, "fragment rejected") \
	X(DROP_CRYPTO, "crypto failure") \
	X(DROP_OTHER, "other")

#define IKE_DROP_ENUM(n, s) n,
enum ike_drop { IKE_DROP_LIST(IKE_DROP_ENUM) IKE_DROP_COUNT };
const char *ike_drop_name(enum ike_drop d);
uint64_t ike_drop_count(const struct ike_engine *e, enum ike_drop d);

/* Counters of exchanges for tests and --globalstatus. */
struct ike_stats {
	uint64_t rx, tx, retransmits, cached_replays, established_ike, established_child;
	uint64_t cookies_sent, invalid_ke_sent, fragments_sent, fragments_rx;
};
void ike_get_stats(const struct ike_engine *e, struct ike_stats *out);

#endif
