/* Internal to the kernel dataplane (xfrm.c, xfrm_route.c): the backend's
 * state and the netlink request helper they share. */
#ifndef CYGNET_DATAPLANE_XFRM_INT_H
#define CYGNET_DATAPLANE_XFRM_INT_H

#include <libmnl/libmnl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "dataplane/dataplane.h"

#define XK_RXBUF 65536

struct xk_sa {
	uint32_t spi;
	enum dp_dir dir;
	struct ip_addr src, dst;
	enum dp_mode mode;
	uint32_t reqid;
	struct dp_mark mark;
	uint64_t add_time;
};

struct xk {
	struct dataplane *dp;
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
	struct xk_sa *sas;
	size_t n, cap;
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

#endif
