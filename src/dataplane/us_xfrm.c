/* The userspace backend's inbound policy check for cleartext: the kernel's.
 *
 * A packet from a remote protected subnet must arrive through an SA.  The
 * userspace backend sees only what the kernel routes into its TUN, so
 * cleartext from the peer's subnet arriving on a physical interface would
 * be delivered or forwarded by the kernel unchecked.  The kernel already
 * has the check (it only lacks ESP here): for each inbound policy of a
 * Child SA we install the same XFRM policy, dir in and fwd, with an ESP
 * template and the SA's reqid.  No packet that reaches the kernel's stack
 * carries an XFRM SA in this backend, so every packet matching such a
 * policy is dropped (XfrmInTmplMismatch) — except those written to the
 * TUN: they were decrypted by us and checked against the same policies
 * (sadb_inbound_ok).  The kernel cannot tell them apart by interface (an
 * XFRM selector's ifindex does not match the input interface, and IPv6's
 * disable_policy follows the route, not the input), so one nftables rule
 * (us_guard.c) sets DP_DECRYPTED_MARK on every packet from the TUN, and
 * our inbound XFRM policies match only packets without that mark bit.  IPv6 neighbour
 * discovery (ICMPv6 135, 136) has an allow policy of the best priority, as
 * Libreswan gives it, or a host-to-host IPv6 policy would cut the peers
 * off each other.  Our own sockets (IKE, ESP in UDP, raw ESP) carry a
 * per-socket bypass policy.  No outbound XFRM policy is installed: the
 * kernel has no ESP to apply (the same nftables table keeps protected
 * traffic from leaving anywhere but the TUN: us_guard.c).  The drops are
 * the kernel's counter, reported as "cleartext". */
#include "dataplane/us.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dataplane/xfrm_int.h"
#include "dataplane/xfrm_msg.h"
#include "lib/log.h"

/* IPv6 neighbour discovery passes every policy: [in, fwd] x [135, 136]. */
static int nd_bypass(struct us *u, bool add)
{
	static const int kdirs[2] = { XFRM_POLICY_IN, XFRM_POLICY_FWD };
	_Alignas(struct nlmsghdr) char buf[XFRM_MSG_BUFSIZE];
	int rc = 0;

	for (int d = 0; d < 2; d++)
		for (int type = 135; type <= 136; type++) {
			struct xfrm_bypass b = { .af = AF_INET6, .kdir = kdirs[d], .proto = IPPROTO_ICMPV6,
						 .icmp_type = type };
			int r = xk_talk(u->xnl, buf, xfrm_build_bypass(buf, sizeof(buf), ++u->xseq, add, &b), NULL, NULL);

			if (r < 0 && add && !rc)
				rc = r;
		}
	return rc;
}

int us_xfrm_open(struct us *u)
{
	int rc;

	if (u->dp->params.no_routes)
		return 0;                 /* tests without a namespace: leave the kernel alone */
	if (!(u->xnl = mnl_socket_open(NETLINK_XFRM)) || mnl_socket_bind(u->xnl, 0, MNL_SOCKET_AUTOPID) < 0) {
		rc = -errno;
		log_error("userspace dataplane: no XFRM policies in this kernel (%s): cannot drop cleartext that "
			  "policy says must arrive protected", strerror(-rc));
		return rc;
	}
	u->xseq = (uint32_t)time(NULL);
	xfrm_purge(u->xnl, &u->xseq, true, 0);
	xfrm_stat_read(&u->stat0);
	if ((rc = us_nft_open(u)) < 0) {
		log_error("userspace dataplane: cannot add the nftables table for %s (nft: %s): "
			  "cannot drop cleartext that policy says must arrive or leave protected", u->tun_name, strerror(-rc));
		return rc;
	}
	if ((rc = nd_bypass(u, true)) < 0)
		log_error("userspace dataplane: cannot install the kernel's neighbour discovery bypass: %s",
			  strerror(-rc));
	return rc;
}

void us_xfrm_close(struct us *u)
{
	if (!u->xnl)
		return;
	xfrm_purge(u->xnl, &u->xseq, true, 0);
	nd_bypass(u, false);
	us_nft_close(u);
	mnl_socket_close(u->xnl);
	u->xnl = NULL;
}

void us_xfrm_purge_reqid(struct dataplane *dp, uint32_t reqid)
{
	struct us *u = dp->priv;

	if (u && u->xnl)
		xfrm_purge(u->xnl, &u->xseq, true, reqid);
}

int us_xfrm_policy(struct us *u, const struct dp_policy *pol, bool add)
{
	_Alignas(struct nlmsghdr) char buf[XFRM_MSG_BUFSIZE];
	static const int kdirs[2] = { XFRM_POLICY_IN, XFRM_POLICY_FWD };
	static const struct dp_mark undecrypted = { 0, DP_DECRYPTED_MARK };   /* not from the TUN */
	uint32_t prio = pol->priority ? pol->priority : xfrm_policy_priority(&pol->sel);
	int rc = 0;

	if (!u->xnl || pol->dir != DP_DIR_IN)
		return 0;
	for (int i = 0; i < 2; i++) {
		int len = add ? xfrm_build_newpolicy(buf, sizeof(buf), ++u->xseq, &pol->sel, kdirs[i], pol->reqid,
						     prio, pol->mode, &pol->tmpl_src, &pol->tmpl_dst, &undecrypted)
			      : xfrm_build_delpolicy(buf, sizeof(buf), ++u->xseq, &pol->sel, kdirs[i], &undecrypted);
		int r = xk_talk(u->xnl, buf, len, NULL, NULL);

		if (r < 0 && !(r == -ENOENT && !add)) {
			log_error("userspace dataplane: %s the kernel's inbound policy (dir %d) failed: %s",
				  add ? "adding" : "removing", kdirs[i], strerror(-r));
			rc = r;
		}
	}
	return rc;
}

void us_xfrm_drops(struct us *u, uint64_t drops[DP_DROP__COUNT])
{
	uint64_t d[DP_DROP__COUNT] = { 0 };

	if (!u->xnl)
		return;
	xfrm_stat_drops(&u->stat0, d);
	drops[DP_DROP_CLEARTEXT] += d[DP_DROP_CLEARTEXT];   /* the kernel sees no decrypted packet here */
}
