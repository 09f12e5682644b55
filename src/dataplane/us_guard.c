/* The userspace backend's nftables table, cygnet_<tun> (inet): what the
 * kernel's routing alone cannot enforce.
 *
 *   decrypted (prerouting, priority raw): every packet from the TUN gets
 *     DP_DECRYPTED_MARK, so our inbound XFRM policies (us_xfrm.c) let the
 *     packets we decrypted through and drop cleartext from the peer's
 *     subnets arriving anywhere else.
 *
 *   guard (output and forward, priority filter): a packet to a destination
 *     we route into the TUN (a tunnel's, a trap's, a drop/reject shunt's)
 *     must leave through the TUN.  The route in table 220 decides for a
 *     socket that names no interface, but a socket bound to one
 *     (SO_BINDTODEVICE, unprivileged since Linux 5.7; IP_PKTINFO's
 *     ifindex) skips every route whose device differs and, finding none,
 *     the kernel "assumes the destination is on link" and sends in clear.
 *     XFRM's outbound policies would stop it with kernel ESP; here this
 *     chain does: it accepts what leaves through the TUN, our own sockets
 *     (the dataplane's fwmark; the reject socket's adds DP_DECRYPTED_MARK),
 *     IPv6 neighbour discovery, what leaves through lo (the host's own
 *     addresses, which a routed 0.0.0.0/0 or ::/0 covers: lo is no wire,
 *     and a packet sent there to another host comes back in and meets
 *     the forward hook's guard), and drops (with a counter) the rest whose
 *     destination is in one of the routed prefixes.  RTHDR: an IPv6
 *     packet with a routing header (IPV6_RTHDR, unprivileged: a segment
 *     routing header, type 4) is routed by its first segment and carries
 *     the real destination inside, where XFRM looks its policy up by that
 *     final destination; nft cannot mask a segment address, so once an
 *     IPv6 prefix is routed, every such packet leaving elsewhere than the
 *     TUN is dropped (COMPATIBILITY.md).  The prefixes sit in
 *     one hash set per family and prefix length (d4_24, d6_64, ...), each
 *     with one rule "daddr & mask in set": a packet costs one lookup per
 *     prefix length in use, whatever the number of peers.  The table
 *     outlives a killed daemon (as the guard routes do); the next start
 *     replaces it.  Routes are by destination only, so a bound socket is
 *     stopped on every port and protocol to such a destination, where a
 *     port selector or a passthrough carve-out would send an unbound one's
 *     packet in clear (documented in COMPATIBILITY.md).
 *
 * nft(8) builds the table at start-up and a set with its rule the first
 * time a prefix length is routed; the elements themselves come and go
 * with the routes through nf_tables netlink (one small batch each, no
 * process: thousands of routes at start-up or shutdown cost milliseconds).
 * A firewall reload (nft flush ruleset) deletes the table under us: the
 * next add that fails rebuilds it with every routed destination; the
 * route into the TUN does not wait for the guard (us_route.c). */
#include "dataplane/us.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/log.h"

/* "nft -f -" with the script on its standard input. */
/* nft's complaints (its standard error) into our log, the first line of
 * them: what follows is the offending input, already ours. */
static void nft_errors(int fd)
{
	char buf[1024];
	size_t n = 0;
	ssize_t r;

	while ((r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0 || (r < 0 && errno == EINTR))
		if (r > 0 && (n += (size_t)r) == sizeof(buf) - 1)
			n = sizeof(buf) / 2;           /* keep reading to EOF; the head stays */
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	if (buf[0])
		log_error("userspace dataplane: nft: %s", buf);
}

static int nft_run(const char *script)
{
	int in[2], err[2], status;
	pid_t pid;

	if (pipe2(in, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(err, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		return -errno;
	}
	if ((pid = fork()) < 0) {
		close(in[0]);
		close(in[1]);
		close(err[0]);
		close(err[1]);
		return -errno;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(in[0], 0);
		if (null >= 0)
			dup2(null, 1);
		dup2(err[1], 2);
		execlp("nft", "nft", "-f", "-", (char *)NULL);
		execl("/usr/sbin/nft", "nft", "-f", "-", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(err[1]);
	if (write(in[1], script, strlen(script)) < 0)
		log_warn("userspace dataplane: nft: %s", strerror(errno));
	close(in[1]);
	nft_errors(err[0]);          /* until nft exits (EOF) */
	close(err[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return -ENOENT;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

static void table_name(const struct us *u, char *name, size_t cap)
{
	size_t n = (size_t)snprintf(name, cap, "cygnet_%s", u->tun_name);

	for (size_t i = 7; i < n && i < cap; i++)
		if (!isalnum((unsigned char)name[i]))
			name[i] = '_';
}

int us_nft_open(struct us *u)
{
	char t[64], script[2048];
	uint32_t fw = u->dp->params.fwmark & ~DP_DECRYPTED_MARK;
	int rc;

	table_name(u, t, sizeof(t));
	snprintf(script, sizeof(script),
		 "table inet %s\ndelete table inet %s\ntable inet %s {\n"
		 " chain decrypted {\n  type filter hook prerouting priority raw; policy accept;\n"
		 "  iifname \"%s\" meta mark set meta mark or 0x%x\n }\n"
		 " chain guard {\n  oifname { \"%s\", \"lo\" } accept\n  meta mark & 0x%x == 0x%x accept\n"
		 "  icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert,"
		 " nd-redirect } accept\n }\n"
		 " chain guard_out {\n  type filter hook output priority filter; policy accept;\n  jump guard\n }\n"
		 " chain guard_fwd {\n  type filter hook forward priority filter; policy accept;\n  jump guard\n }\n"
		 "}\n",
		 t, t, t, u->tun_name, DP_DECRYPTED_MARK, u->tun_name, ~DP_DECRYPTED_MARK, fw);
	if ((rc = nft_run(script)) < 0)
		return rc;
	if (!u->nfnl &&    /* kept by a rebuild */
	    (!(u->nfnl = mnl_socket_open(NETLINK_NETFILTER)) || mnl_socket_bind(u->nfnl, 0, MNL_SOCKET_AUTOPID) < 0)) {
		rc = -errno;
		if (u->nfnl)
			mnl_socket_close(u->nfnl);
		u->nfnl = NULL;
		return rc;
	}
	u->nft = true;
	memset(u->guard_sets, 0, sizeof(u->guard_sets));
	return 0;
}

void us_nft_close(struct us *u)
{
	char t[64], script[128];

	if (!u->nft)
		return;
	table_name(u, t, sizeof(t));
	snprintf(script, sizeof(script), "delete table inet %s\n", t);
	nft_run(script);
	if (u->nfnl)
		mnl_socket_close(u->nfnl);
	u->nfnl = NULL;
	u->nft = false;
}

/* The batch header or trailer nfnetlink wants around nf_tables messages. */
static void batch_mark(struct mnl_nlmsg_batch *b, uint16_t type, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(mnl_nlmsg_batch_current(b));
	struct nfgenmsg *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = AF_UNSPEC;
	g->version = NFNETLINK_V0;
	g->res_id = htons(NFNL_SUBSYS_NFTABLES);
	mnl_nlmsg_batch_next(b);
}

/* Adds or removes one element (key: klen bytes) of table's set. */
static int set_element(struct us *u, bool add, const char *table, const char *set, const void *key, size_t klen)
{
	_Alignas(struct nlmsghdr) char buf[1024], ack[8192];
	struct mnl_nlmsg_batch *b;
	uint32_t seq = ++u->nfnl_seq;
	struct nlmsghdr *nlh;
	struct nfgenmsg *g;
	struct nlattr *elems, *elem, *k;
	ssize_t n;
	int rc;

	if (!u->nfnl)
		return -ENOTCONN;
	if (!(b = mnl_nlmsg_batch_start(buf, sizeof(buf))))   /* a small handle over buf: freed below */
		return -ENOMEM;
	u->nfnl_seq += 2;
	batch_mark(b, NFNL_MSG_BATCH_BEGIN, seq);
	nlh = mnl_nlmsg_put_header(mnl_nlmsg_batch_current(b));
	nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | (add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM);
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE : 0);
	nlh->nlmsg_seq = seq + 1;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = NFPROTO_INET;
	g->version = NFNETLINK_V0;
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, table);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set);
	elems = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
	elem = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
	k = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_KEY);
	mnl_attr_put(nlh, NFTA_DATA_VALUE, klen, key);
	mnl_attr_nest_end(nlh, k);
	mnl_attr_nest_end(nlh, elem);
	mnl_attr_nest_end(nlh, elems);
	mnl_nlmsg_batch_next(b);
	batch_mark(b, NFNL_MSG_BATCH_END, seq + 2);
	n = mnl_socket_sendto(u->nfnl, mnl_nlmsg_batch_head(b), mnl_nlmsg_batch_size(b));
	rc = -errno;
	mnl_nlmsg_batch_stop(b);
	if (n < 0)
		return rc;
	if ((n = mnl_socket_recvfrom(u->nfnl, ack, sizeof(ack))) < 0)
		return -errno;
	rc = mnl_cb_run(ack, (size_t)n, seq + 1, mnl_socket_get_portid(u->nfnl), NULL, NULL);
	return rc < 0 ? -errno : 0;
}

/* The prefix as nft writes it: the network address and the mask. */
static bool prefix_text(const struct ip_subnet *dst, char *net, char *mask)
{
	int af = dst->addr.af, len = af == AF_INET ? 4 : 16;
	uint8_t a[16] = { 0 }, m[16] = { 0 };

	if ((af != AF_INET && af != AF_INET6) || dst->plen > len * 8)
		return false;
	for (int i = 0; i < len; i++) {
		int bits = dst->plen - i * 8;
		m[i] = bits >= 8 ? 0xff : bits > 0 ? (uint8_t)(0xff << (8 - bits)) : 0;
		a[i] = dst->addr.a[i] & m[i];
	}
	return inet_ntop(af, a, net, INET6_ADDRSTRLEN) && inet_ntop(af, m, mask, INET6_ADDRSTRLEN);
}

/* Is an IPv6 prefix guarded (and so the routing header rule there)? */
static bool any_v6(const struct us *u)
{
	for (size_t i = 0; i < sizeof(u->guard_sets[1]); i++)
		if (u->guard_sets[1][i])
			return true;
	return false;
}

/* The set (and its rule) for dst's family and prefix length, made the
 * first time that length is routed; with the first IPv6 one, the rule
 * against routing headers (RTHDR at the top). */
static int guard_set(struct us *u, const char *t, const char *set, const struct ip_subnet *dst, const char *mask)
{
	char script[512];
	int f = dst->addr.af == AF_INET6, maxlen = f ? 128 : 32, rc;
	size_t n = 0;

	if (u->guard_sets[f][dst->plen / 8] & (1u << (dst->plen % 8)))
		return 0;
	if (f && !any_v6(u))
		n = (size_t)snprintf(script, sizeof(script), "add rule inet %s guard exthdr rt exists counter drop\n", t);
	snprintf(script + n, sizeof(script) - n,
		 "add set inet %s %s { type %s; }\n"
		 "add rule inet %s guard %s daddr%s%s @%s counter drop\n",
		 t, set, f ? "ipv6_addr" : "ipv4_addr", t, f ? "ip6" : "ip",
		 dst->plen == maxlen ? "" : " & ", dst->plen == maxlen ? "" : mask, set);
	if ((rc = nft_run(script)) == 0)
		u->guard_sets[f][dst->plen / 8] |= (uint8_t)(1u << (dst->plen % 8));
	return rc;
}

static int guard_one(struct us *u, bool add, const struct ip_subnet *dst)
{
	char t[64], net[INET6_ADDRSTRLEN], mask[INET6_ADDRSTRLEN], set[16];
	int f = dst->addr.af == AF_INET6, rc;
	uint8_t key[16];

	if (!prefix_text(dst, net, mask) || inet_pton(dst->addr.af, net, key) != 1)
		return -EINVAL;
	table_name(u, t, sizeof(t));
	snprintf(set, sizeof(set), "d%d_%u", f ? 6 : 4, dst->plen);
	if (!add && !(u->guard_sets[f][dst->plen / 8] & (1u << (dst->plen % 8))))
		return 0;
	if (add && (rc = guard_set(u, t, set, dst, mask)) < 0)
		return rc;
	rc = set_element(u, add, t, set, key, f ? 16 : 4);
	return rc == -ENOENT && !add ? 0 : rc;
}

/* The table again, with the guard of every routed destination (dst's
 * policy is among them when adding). */
static int guard_rebuild(struct us *u)
{
	int rc;

	if ((rc = us_nft_open(u)) < 0)
		return rc;
	for (const struct pol_entry *p = u->db.pols; p; p = p->next)
		if (us_routed(&p->pol) && (rc = guard_one(u, true, &p->pol.sel.dst)) < 0)
			return rc;
	log_warn("userspace dataplane: the nftables table for %s was gone: rebuilt", u->tun_name);
	return 0;
}

int us_guard_route(struct us *u, bool add, const struct ip_subnet *dst)
{
	char net[INET6_ADDRSTRLEN], mask[INET6_ADDRSTRLEN];
	int rc;

	if (!u->nft)
		return 0;
	if (!prefix_text(dst, net, mask))
		return -EINVAL;
	if ((rc = guard_one(u, add, dst)) < 0 && add && (rc = guard_rebuild(u)) == 0)
		rc = guard_one(u, true, dst);
	if (rc < 0)
		log_error("userspace dataplane: nft: cannot %s %s/%u %s the set of destinations that must leave "
			  "through %s: %s", add ? "add" : "remove", net, dst->plen, add ? "to" : "from", u->tun_name,
			  strerror(-rc));
	return rc;
}
