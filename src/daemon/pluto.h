/* The daemon (`ipsec pluto`): settings, global state, and the entry points
 * shared by its files. */
#ifndef CYGNET_PLUTO_H
#define CYGNET_PLUTO_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "ctl/ctl_msg.h"
#include "lib/addr.h"

struct event_base;
struct conn;
struct conndb;
struct ctlsrv;
struct secrets;
struct ikehost;
struct dconn;
struct dnsres;

struct pluto_opts {
	const char *config;         /* --config (default /etc/ipsec.conf) */
	const char *secretsfile;    /* --secretsfile (default /etc/ipsec.secrets) */
	const char *ipsecdir;       /* --ipsecdir (default /etc/ipsec.d) */
	const char *rundir;         /* --rundir (default /run/pluto) */
	const char *ctlsocket;      /* --ctlsocket (default RUNDIR/pluto.ctl) */
	const char *logfile;        /* --logfile */
	const char *dumpdir;
	bool nofork, stderrlog, log_append, logtime, debug;
	unsigned ctl_timeout_s;     /* --ctl-timeout: drop a control client silent this long */
	unsigned updown_timeout_s;  /* --updown-timeout: kill an updown script after this (0 = default) */
	bool set_secretsfile, set_ipsecdir, set_logfile, set_append, set_debug, set_dumpdir;
};

struct pluto {
	struct pluto_opts o;
	char pidfile[4096];
	char ctlsocket[4096];
	struct event_base *base;
	struct conndb *db;
	struct ctlsrv *srv;
	bool listening;
	bool pidfile_ours;
	time_t started;
	struct secrets *secrets;    /* the last (re)read of secretsfile */
	char *groups[5];            /* policy group files' entries (text), see ops.c */
	struct ikehost *host;       /* IKE engine + dataplane (ikehost.h) */
	struct dnsres *dns;         /* host-name lookups (dnsres.h), made on first use */
	const char *protostack;     /* config setup protostack= (NULL = probe) */
	bool uniqueids;             /* config setup uniqueids= (yes) */
	enum { DDOS_AUTO, DDOS_BUSY, DDOS_UNLIMITED } ddos_mode;  /* config setup ddos-mode= */
	unsigned ddos_threshold;    /* ddos-ike-threshold= (25000) */
	unsigned max_halfopen;      /* max-halfopen-ike= (50000) */
	int nhelpers;               /* nhelpers= (-1: CPUs - 1, at least 1; 0: crypto inline) */
	struct ip_addr listen;      /* listen= (unset: every address) */
	int ike_bufsize;            /* ike-socket-bufsize= (0: the OS default) */
	unsigned keep_alive_s;      /* keep-alive= NAT-T keepalive interval (20) */
	uint64_t shuntlifetime_ms;  /* shuntlifetime= (15m): a failure shunt's life */
	unsigned n_bare_shunts;     /* failure shunts in place (sa_shunt.c) */
};

/* One reply being built for a control request: lines go to the client. */
struct reply {
	void (*emit)(struct reply *rp, uint16_t code, const char *text);
	void *arg;
	uint32_t flags;             /* CTL_F_* of the request */
	int rc;                     /* last code in [20,100) emitted */
};

/* reply.c: a line of the reply now; an engine sink (ike/embed.h) that
 * defers rp and answers it from the operation's lines and outcome: on
 * failure one line "PREFIXreason" (031 for a timeout, else 036) and the
 * status (fail_rc instead when not 0).  false = cannot defer. */
void rp_line(struct reply *rp, uint16_t code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
struct ike_sink;
bool reply_sink_new(struct reply *rp, const char *prefix, int fail_rc, struct ike_sink *out);

/* ops.c: perform one request; returns the DONE status (0 = success). */
int pluto_handle(struct pluto *p, const struct ctl_request *rq, struct reply *rp);
/* Add a conn from a resolved kv list (ctl or config); status code. */
/* Checks across conns and against the running dataplane (a reqid= another
 * conn has, mark= with the userspace dataplane): false with the reason on rp. */
bool pluto_conn_admissible(struct pluto *p, const char *name, const struct conn *c, struct reply *rp);
int pluto_add_conn(struct pluto *p, const char *name, const struct ctl_kv *kv, size_t nkv,
		   bool replace, struct reply *rp);
/* secrets and policy groups */
int pluto_reread_secrets(struct pluto *p, struct reply *rp);
int pluto_reread_groups(struct pluto *p, struct reply *rp);

/* status.c */
void status_full(struct pluto *p, struct reply *rp);
void status_brief(struct pluto *p, struct reply *rp);
void status_global(struct pluto *p, struct reply *rp);
void status_json(struct pluto *p, struct reply *rp);
void status_conns(struct pluto *p, struct reply *rp, const char *only);
/* The conn's "policy:" text, e.g. IKEv2+PSK+ENCRYPT+TUNNEL+PFS+IKE_FRAG_ALLOW+ESN_NO+ESN_YES. */
void status_policy_text(const struct dconn *dc, char *out, size_t cap);
void list_ops(struct pluto *p, enum ctl_op op, struct reply *rp);
/* pubkeys.c */
void list_pubkeys(struct pluto *p, struct reply *rp, bool utc, bool with_header);

/* ctlsrv.c: the control socket. */
/* Keep the current request's reply open past pluto_handle(): the handler
 * returns CTL_STATUS_DEFERRED and later streams lines and one done. */
#define CTL_STATUS_DEFERRED (-1)
struct ctl_deferred;
struct ctl_deferred *ctl_defer(struct reply *rp);
void ctl_deferred_line(struct ctl_deferred *d, uint16_t code, const char *text);
void ctl_deferred_done(struct ctl_deferred *d, int status);
/* A reply whose lines go to d's client now (another operation continues
 * the deferred request); false when the client is gone. */
bool ctl_deferred_reply(struct ctl_deferred *d, struct reply *rp, uint32_t flags);
struct ctlsrv *ctlsrv_new(struct pluto *p, const char *path, int *err);
void ctlsrv_free(struct ctlsrv *s);

/* daemon.c */
int pluto_run(struct pluto_opts *o);
void pluto_shutdown(struct pluto *p);

#endif
