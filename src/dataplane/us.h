/* Private state of the userspace ESP backend (us_*.c). */
#ifndef CYGNET_DP_US_H
#define CYGNET_DP_US_H

#include <net/if.h>
#include <pthread.h>
#include <stdbool.h>

#include "dataplane/dataplane.h"
#include "dataplane/sadb.h"
#include "dataplane/xfrm_int.h"

#define US_BATCH 32

enum us_sock { US_UDP4, US_UDP6, US_RAW4, US_RAW6, US_NSOCK };

struct us {
	struct dataplane *dp;
	/* guards db: the daemon's thread writes (SAs, policies), the packet
	 * threads read; per-SA packet state is owned by one packet thread
	 * (outbound: seq, inbound: replay window), shared counters are atomic */
	pthread_rwlock_t lock;
	struct sadb db;
	int tun_fd, tun_ifindex;
	char tun_name[IF_NAMESIZE];
	int sock[US_NSOCK];            /* -1 when not open */
	int stop_fd;                   /* eventfd: stop the packet thread */
	pthread_t thread[2];           /* [0] TUN -> ESP (outbound), [1] sockets -> TUN (inbound) */
	bool thread_started[2];
	struct mnl_socket *nl;
	unsigned rules[2];             /* routes per family holding the rule */
	int clear_fd[2];               /* raw IP sockets (v4, v6) for passthrough shunts and traffic
					* no policy covers (it leaves in clear, as with XFRM), -1 = none */
	int reject_fd[2];              /* raw IP sockets (v4, v6) for reject shunts' ICMP errors */
	struct mnl_socket *shunt_nl;   /* NETLINK_XFRM: shunts' kernel inbound policies (NULL = none) */
	uint32_t shunt_seq;
	uint64_t reject_sec;           /* reject shunts' ICMP budget (outbound thread only) */
	unsigned reject_n;
	struct dp_srcaddrs srcaddrs;   /* leftsourceip= addresses we added */
	struct mnl_socket *xnl;        /* NETLINK_XFRM: the kernel's inbound policies (us_xfrm.c) */
	uint32_t xseq;
	bool nft;                      /* our nftables table is there (us_guard.c) */
	uint8_t guard_sets[2][17];     /* [v4, v6] prefix lengths with a guard set and rule */
	struct mnl_socket *nfnl;       /* NETLINK_NETFILTER: the guard sets' elements */
	uint32_t nfnl_seq;
	struct xfrm_stat stat0;        /* the kernel's counters when we started */
};

/* Does the policy route its destination into the TUN?  Outbound ones do,
 * but a passthrough shunt: its traffic reaches the TUN only through a
 * tunnel's wider route, and leaves again in clear (us_shunt.c). */
static inline bool us_routed(const struct dp_policy *pol)
{
	return pol->dir == DP_DIR_OUT && pol->action != DP_ACT_PASS;
}

/* us_io.c: TUN, sockets and the packet thread. */
int us_io_open(struct us *u, const struct dp_params *p);
void us_io_close(struct us *u);
int us_io_start(struct us *u);
void us_io_stop(struct us *u);
int us_send_udp(struct us *u, const void *buf, size_t len, const struct ip_addr *src,
		const struct ip_addr *dst, uint16_t dport);

/* us_shunt.c: what shunt policies do to a packet read from the TUN. */
void us_shunt_open(struct us *u);
void us_shunt_close(struct us *u);
/* A passthrough: the packet leaves in clear, routed by the host's own
 * tables (the socket carries the dataplane's fwmark). */
void us_shunt_pass(struct us *u, const uint8_t *pkt, size_t len);
/* A reject: the ICMP error goes back to the sender (at most
 * US_REJECT_PER_SEC a second). */
#define US_REJECT_PER_SEC 100
void us_shunt_reject(struct us *u, const uint8_t *pkt, size_t len);
/* A shunt's inbound half in the kernel (cleartext arriving on other
 * interfaces never reaches the TUN): 0 or -errno; 0 without XFRM. */
int us_shunt_kernel(struct us *u, const struct dp_policy *pol, bool add);

/* us_route.c: routes and rules through rtnetlink (libmnl). */
int us_nl_open(struct us *u);
void us_nl_close(struct us *u);
int us_route(struct us *u, bool add, const struct ip_subnet *dst, const struct dp_policy *pol);
int us_rule(struct us *u, bool add, int family);
/* Start-up: the unreachable guards a killed daemon left in its table. */
void us_route_flush_stale(struct us *u);
int us_link_up(struct us *u, unsigned mtu);

/* us_guard.c: our nftables table (replaced at open; removed at close): the
 * mark on decrypted packets, and the guard that keeps traffic to a routed
 * destination from leaving through any interface but the TUN. */
int us_nft_open(struct us *u);
void us_nft_close(struct us *u);
/* dst is routed into the TUN (add) or no longer: 0 or -errno (no table: 0).
 * An add that fails (the table deleted under us: a firewall reload)
 * rebuilds the table with every routed destination once. */
int us_guard_route(struct us *u, bool add, const struct ip_subnet *dst);

/* us_xfrm.c: the kernel's inbound policy check against cleartext. */
int us_xfrm_open(struct us *u);
void us_xfrm_close(struct us *u);
/* pol's inbound twin in the kernel (dir in and fwd, template from
 * pol->tmpl_src/tmpl_dst/mode); other directions: 0. */
int us_xfrm_policy(struct us *u, const struct dp_policy *pol, bool add);
/* A conn's fixed reqid= before its first use: inbound policies a previous run left. */
void us_xfrm_purge_reqid(struct dataplane *dp, uint32_t reqid);
void us_xfrm_drops(struct us *u, uint64_t drops[DP_DROP__COUNT]);

#endif
