/* Internal to the kernel dataplane (xfrm.c, xfrm_route.c): the backend's
 * state and the netlink request helper they share. */
#ifndef CYGNET_DATAPLANE_XFRM_INT_H
#define CYGNET_DATAPLANE_XFRM_INT_H

#include <libmnl/libmnl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "dataplane/dataplane.h"
#include "dataplane/xfrm_table.h"

#define XK_RXBUF 65536

struct xfrm_stat {
	uint64_t in_tmpl_mismatch;   /* cleartext (or the wrong SA) where a policy wants ESP */
	uint64_t in_state_mismatch;  /* decrypted, outside the SA's selector */
	uint64_t in_no_pols;         /* decrypted (tunnel mode), no inbound policy */
};

struct xk {
	struct dataplane *dp;
	struct xfrm_stat stat0;       /* the kernel's counters when we started */
	struct mnl_socket *nl;        /* requests (daemon thread) */
	struct mnl_socket *ev;        /* multicast events (event thread) */
	struct mnl_socket *dump;      /* resync dumps (event thread) */
	int natt[2];                  /* UDP 4500: IPv4, IPv6 (-1 = none) */
	int stop[2];                  /* pipe to stop the event thread */
	pthread_t thr;
	bool thr_started;
	uint32_t seq;                 /* requests on nl and rt (daemon thread) */
	uint32_t dump_seq;            /* requests on dump (event thread) */
	struct mnl_socket *rt;        /* NETLINK_ROUTE: routes for tunnel policies */
	unsigned rule_refs[2];        /* routes needing the table-220 rule, per family */
	struct ip_subnet *routes;     /* routes we added (removed at shutdown) */
	size_t nroutes, caproutes;
	struct dp_srcaddrs srcaddrs;  /* leftsourceip= addresses we added */
	pthread_mutex_t lock;         /* guards sas */
	struct xt sas;                /* our SAs and their pending EXPIREs */
};

static inline struct xk *X(struct dataplane *dp) { return dp->priv; }

/* One request on nl and its answer(s) through cb: 0 or -errno. */
int xk_talk(struct mnl_socket *nl, void *buf, int len, mnl_cb_t cb, void *arg);
/* Remove every SA (policies false) or policy of Cygnet's in the kernel:
 * reqid in Cygnet's range, or a shunt's tag (xfrm_build_shuntpolicy). */
void xk_purge(struct mnl_socket *nl, uint32_t *seq, bool policies);
/* The table-220 rule (xfrm_route.c). */
int xk_rule(struct xk *x, bool add, int af);
/* A throw route for a passthrough shunt's destination (xfrm_route.c). */
int xk_throw_route(struct xk *x, bool add, const struct ip_subnet *dst);
/* A route for a tunnel policy's remote subnet through the device that
 * reaches the peer (add, with the route settings of pol), or its removal
 * (pol NULL; the caller releases the source address). */
int xk_route(struct xk *x, bool add, const struct ip_subnet *dst, const struct ip_addr *peer,
	     const struct dp_policy *pol);

/* Delete every policy (or SA) of the kernel whose reqid is only, or (only
 * 0) as xk_purge. */
void xfrm_purge(struct mnl_socket *nl, uint32_t *seq, bool policies, uint32_t only);
/* xfrm_kernel.c, shared with the userspace backend (us_xfrm.c). */
/* The kernel's XFRM counters of this network namespace that say a packet
 * broke a policy (struct xfrm_stat): -errno when /proc/net/xfrm_stat cannot
 * be read.  xfrm_stat_drops: the increase since st0 as Cygnet's drop
 * reasons (selector-mismatch, cleartext). */
int xfrm_stat_read(struct xfrm_stat *st);
/* A per-socket policy that lets the socket's own packets (IKE, ESP in
 * UDP or raw) pass the kernel's XFRM policies both ways: the peers'
 * addresses may lie inside a protected selector (host-to-host).
 * Needs CAP_NET_ADMIN; -errno. */
int xfrm_socket_bypass(int fd);
void xfrm_stat_drops(const struct xfrm_stat *st0, uint64_t drops[DP_DROP__COUNT]);

#endif
