/* What an embedder of the IKE engine provides and receives: conn handles,
 * the ops table (clock, network, secrets, conn choice, dataplane hand-off,
 * events), per-operation sinks.  The operations are in ike/ike.h, the
 * introspection (SA snapshots, counters) in ike/info.h. */
#ifndef CYGNET_IKE_EMBED_H
#define CYGNET_IKE_EMBED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alg/proposal.h"
#include "ike/wire.h"
#include "lib/addr.h"
#include "lib/id.h"
#include "lib/secret.h"

struct ike_sa_info;   /* ike/info.h */

#define IKE_CONN_NAMELEN 64
#define IKE_MAX_SUBNETS 8

struct ike_engine;
struct ike_job;       /* heavy crypto (DH, key derivation): see ike_ops.submit_job */

/* An address and UDP port. */
struct ike_endpoint {
	struct ip_addr addr;
	uint16_t port;
};


/* One end of a connection as IKE sees it. */
struct ike_end {
	struct ip_addr addr;          /* af 0 or any-address = %any */
	uint16_t ike_port;            /* 500 unless configured */
	const struct cy_id *id;       /* shared (id_share()), the embedder's; &id_none = the address */
	struct ip_subnet *subnets;    /* n_subnets (at most IKE_MAX_SUBNETS), the embedder's */
	size_t n_subnets;             /* 0 = host-to-host (the address) */
	uint8_t protocol;             /* leftprotoport: 0 = any */
	uint16_t port;                /* 0 = any */
};

enum ike_encaps { IKE_ENCAPS_AUTO, IKE_ENCAPS_YES, IKE_ENCAPS_NO };
enum ike_esn { IKE_ESN_EITHER, IKE_ESN_YES, IKE_ESN_NO };
enum ike_authby { IKE_AUTHBY_PSK };
/* dpdaction=: what a dead peer (DPD / liveness timeout) leads to.  For the
 * engine hold and clear are the same (the SAs are deleted); with hold and
 * restart the embedder is told first (ike_ops.peer_dead), so that the
 * conn's trap holds its traffic once the Child SAs are gone.  restart
 * deletes and initiates the conn again (keyingtries applies to the new
 * attempt). */
enum ike_dpd_action { IKE_DPD_HOLD = 0, IKE_DPD_CLEAR, IKE_DPD_RESTART };

/* What IKE needs from a connection: a reference-counted handle.  The
 * embedder builds one per conn (once per add/replace) and hands the engine
 * pointers to it; every IKE/Child SA of the conn holds a reference, so no
 * SA carries a copy and the engine tells conns apart by pointer, never by
 * name (name is for log lines).  When the embedder deletes the conn it
 * calls ike_conn_gone() (user is cleared; SAs still holding the handle
 * keep working until they end) and drops its reference.
 *
 * refs/release: ike_conn_new() returns one reference and frees on the last
 * unref.  A handle in storage the embedder keeps for the engine's whole
 * life (tests) may have release NULL: unref then never frees. */
struct ike_conn {
	unsigned refs;
	void (*release)(struct ike_conn *c);
	bool gone;                    /* ike_conn_gone() was called */
	unsigned n_established;       /* the engine's: its IKE SAs in ESTABLISHED */
	char name[IKE_CONN_NAMELEN];
	struct ike_end local, remote;
	enum ike_authby authby;
	bool transport;               /* type=transport */
	/* ike=, esp= (or the defaults): the embedder's, shared between conns
	 * (proposals_share()); the engine only reads them */
	const struct proposal_list *ike, *esp;
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
	void *user;                   /* the embedder's, passed back; NULL once gone */
};

/* Fill the Libreswan defaults (proposals from proposals_default());
 * refs = 1, release NULL. */
void ike_conn_defaults(struct ike_conn *c);
/* A heap handle with the defaults and one reference (freed by the last
 * ike_conn_unref()); NULL on allocation failure. */
struct ike_conn *ike_conn_new(void);
struct ike_conn *ike_conn_ref(struct ike_conn *c);
void ike_conn_unref(struct ike_conn *c);
/* The embedder deleted the conn: clear user so no callback hands it back. */
void ike_conn_gone(struct ike_conn *c);

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
	const struct ike_conn *conn;  /* the Child SA's conn (handle) */
	const char *conn_name;        /* conn->name */
	unsigned serial;              /* #N of the Child SA */
	unsigned ike_serial;
	unsigned replaces;            /* #N of the Child SA this one rekeys, 0 = none */
	bool ike_initiator;           /* we initiated the IKE SA (it rekeys first) */
	uint16_t encr, encr_keybits, integ, dh;   /* IANA ids; dh = PFS group or 0 */
	bool esn;
	bool transport;
	bool peer_no_tfc;             /* peer sent ESP_TFC_PADDING_NOT_SUPPORTED: no TFC padding to it */
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

struct ike_ops {
	uint64_t (*now)(void *ctx);
	void (*send)(void *ctx, const uint8_t *pkt, size_t len,
		     const struct ike_endpoint *local, const struct ike_endpoint *remote);
	/* A fresh copy of the PSK (the engine frees it) or NULL when none. */
	struct secret *(*get_psk)(void *ctx, const struct cy_id *local, const struct cy_id *remote);
	/* The conn for a peer (remote may be %any in the conn); NULL = none.
	 * peer_id and ike are NULL when choosing before IKE_AUTH (IKE_SA_INIT).
	 * In IKE_AUTH, ike holds the IKE SA's negotiated algorithms: skip
	 * conns that would not have chosen them (ike_conn_accepts_ike()); the
	 * engine refuses a conn that does not (AUTHENTICATION_FAILED), asking
	 * again with ike = NULL only to name it in the log.  The handle is
	 * borrowed: the engine takes its own reference. */
	struct ike_conn *(*find_conn_for_responder)(void *ctx, const struct ike_endpoint *local,
							  const struct ike_endpoint *remote,
							  const struct cy_id *peer_id, const struct alg_suite *ike);
	/* Optional: the responder's conn for a Child SA whose proposed
	 * selectors (tsi/tsr as received: tsi is the peer's side) do not fit
	 * `current`, the IKE SA's conn.  Return a conn of the same peer (local
	 * and remote addresses, local ID, peer ID, authby and so PSK) that
	 * ike_conn_fits_ts(), preferring `current`; NULL = none (the engine
	 * answers TS_UNACCEPTABLE).  The engine takes a reference.  In
	 * IKE_AUTH the IKE SA switches to it; in CREATE_CHILD_SA the new Child
	 * SA belongs to it (its name in ike_child_params and ike_sa_info). */
	struct ike_conn *(*find_conn_for_child)(void *ctx, struct ike_conn *current,
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
	/* Optional: the IKE SA's endpoints changed (the peer's NAT mapping
	 * moved, RFC 7296 §2.23): once per installed Child SA of it, with the
	 * new ports/addresses, for the dataplane's update_sa. */
	void (*child_sa_endpoints_changed)(void *ctx, const struct ike_child_params *p);
	/* Optional: a rekey (ours or the peer's) replaced SA #old_serial by the
	 * established `sa` (of the same kind).  The old one is deleted later. */
	void (*ike_sa_rekeyed)(void *ctx, unsigned old_serial, const struct ike_sa_info *sa);
	void (*child_sa_rekeyed)(void *ctx, unsigned old_serial, const struct ike_sa_info *sa);
	/* The next time ike_tick() must run (UINT64_MAX = none).  The one
	 * rule: every engine entry point (ike_recv, ike_tick, each operation)
	 * reports here before it returns when the deadline changed, and
	 * ike_tick() always reports; the embedder never asks by itself. */
	void (*deadline_changed)(void *ctx, uint64_t deadline_ms);
	/* Optional: DPD declared conn's peer dead with dpdaction=hold or
	 * restart; called before the IKE SA and its Child SAs are deleted. */
	void (*peer_dead)(void *ctx, struct ike_conn *conn, enum ike_dpd_action act);
	/* Optional: a NAT keepalive (RFC 3948 §2.3: the single byte 0xFF, no
	 * non-ESP marker) from local to remote, both on port 4500. */
	void (*send_keepalive)(void *ctx, const struct ike_endpoint *local, const struct ike_endpoint *remote);
	/* Optional: run a crypto job (our DH key pair, g^ir, SKEYSEED/SK_* or
	 * KEYMAT) off the engine's thread.  The embedder calls ike_job_run(job)
	 * on any thread, then ike_job_complete(engine, job) on the engine's
	 * thread (which frees it); at shutdown, before ike_engine_free(), it may
	 * ike_job_free() the jobs it still holds instead.  false = cannot take
	 * it now (queue full): the engine keeps the job and drops the message
	 * that needed it (DROP_CRYPTO_BUSY; the peer retransmits).  NULL = every
	 * job runs inline at once (deterministic: the unit tests). */
	bool (*submit_job)(void *ctx, struct ike_job *job);
};

/* A job handed to ike_ops.submit_job: pure computation on copies (no engine
 * state), safe on any thread, at most once. */
void ike_job_run(struct ike_job *job);
/* On the engine's thread after ike_job_run(): the waiting exchange goes on
 * (or, if its SA went or stopped waiting, the result is dropped); frees job
 * and wipes its secrets. */
void ike_job_complete(struct ike_engine *e, struct ike_job *job);
/* Wipes and frees a job without completing it (embedder shutdown). */
void ike_job_free(struct ike_job *job);

/* Per-operation progress: whack-style lines, then exactly one done(),
 * for every operation that takes a sink (line may be NULL). */
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
	size_t max_ike_sas;            /* hard cap (0: IKE_MAX_SAS, sa.h) */
	unsigned max_halfopen;         /* max-halfopen-ike: half-open IKE SAs before new
					* IKE_SA_INIT requests are dropped (0: 50000) */
	bool halfopen_none;            /* max-halfopen-ike=0: every new IKE_SA_INIT is dropped */
	/* Flood limits; 0 = the default (src/ike/sa.h). */
	size_t frag_unauth_budget;     /* bytes of fragments stored for SAs not yet
					* authenticated, all together (8 MiB) */
	unsigned max_child_sas;        /* Child SAs a peer may have on one IKE SA (128):
					* more are refused with NO_ADDITIONAL_SAS */
	unsigned max_rekeys_in_flight; /* Child SAs a peer rekeyed without deleting yet
					* (8): more rekeys get TEMPORARY_FAILURE */
	unsigned max_halfopen_per_source; /* half-open IKE SAs of one source address (16):
					* from then on it must send COOKIEs, and with
					* as many made with COOKIEs it is dropped */
};

#endif
