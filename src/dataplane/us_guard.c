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
 *     IPv6 neighbour discovery, and drops (with a counter) the rest whose
 *     destination is in one of the routed prefixes.  The prefixes sit in
 *     one hash set per family and prefix length (d4_24, d6_64, ...), each
 *     with one rule "daddr & mask in set": a packet costs one lookup per
 *     prefix length in use, whatever the number of peers.  The table
 *     outlives a killed daemon (as the guard routes do); the next start
 *     replaces it.  Routes are by destination only, so a bound socket is
 *     stopped on every port and protocol to such a destination, where a
 *     port selector or a passthrough carve-out would send an unbound one's
 *     packet in clear (documented in COMPATIBILITY.md).
 *
 * nft(8) does the work ("nft -f -": about 3 ms a call), once per routed
 * prefix added or removed, not per Child SA or rekey. */
#include "dataplane/us.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/log.h"

/* "nft -f -" with the script on its standard input. */
static int nft_run(const char *script)
{
	int in[2], status;
	pid_t pid;

	if (pipe2(in, O_CLOEXEC) < 0)
		return -errno;
	if ((pid = fork()) < 0) {
		close(in[0]);
		close(in[1]);
		return -errno;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(in[0], 0);
		if (null >= 0)
			dup2(null, 1);
		execlp("nft", "nft", "-f", "-", (char *)NULL);
		execl("/usr/sbin/nft", "nft", "-f", "-", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	if (write(in[1], script, strlen(script)) < 0)
		log_warn("userspace dataplane: nft: %s", strerror(errno));
	close(in[1]);
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
		 " chain guard {\n  oifname \"%s\" accept\n  meta mark & 0x%x == 0x%x accept\n"
		 "  icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert,"
		 " nd-redirect } accept\n }\n"
		 " chain guard_out {\n  type filter hook output priority filter; policy accept;\n  jump guard\n }\n"
		 " chain guard_fwd {\n  type filter hook forward priority filter; policy accept;\n  jump guard\n }\n"
		 "}\n",
		 t, t, t, u->tun_name, DP_DECRYPTED_MARK, u->tun_name, ~DP_DECRYPTED_MARK, fw);
	if ((rc = nft_run(script)) == 0) {
		u->nft = true;
		memset(u->guard_sets, 0, sizeof(u->guard_sets));
	}
	return rc;
}

void us_nft_close(struct us *u)
{
	char t[64], script[128];

	if (!u->nft)
		return;
	table_name(u, t, sizeof(t));
	snprintf(script, sizeof(script), "delete table inet %s\n", t);
	nft_run(script);
	u->nft = false;
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

int us_guard_route(struct us *u, bool add, const struct ip_subnet *dst)
{
	char t[64], net[INET6_ADDRSTRLEN], mask[INET6_ADDRSTRLEN], set[16], script[1024];
	int f = dst->addr.af == AF_INET6, maxlen = f ? 128 : 32, rc;
	bool have = false;
	size_t n = 0;

	if (!u->nft)
		return 0;
	if (!prefix_text(dst, net, mask))
		return -EINVAL;
	table_name(u, t, sizeof(t));
	snprintf(set, sizeof(set), "d%d_%u", f ? 6 : 4, dst->plen);
	have = u->guard_sets[f][dst->plen / 8] & (1u << (dst->plen % 8));
	if (add && !have)
		n = (size_t)snprintf(script, sizeof(script),
				     "add set inet %s %s { type %s; }\n"
				     "add rule inet %s guard %s daddr%s%s @%s counter drop\n",
				     t, set, f ? "ipv6_addr" : "ipv4_addr", t, f ? "ip6" : "ip",
				     dst->plen == maxlen ? "" : " & ", dst->plen == maxlen ? "" : mask, set);
	else if (!add && !have)
		return 0;
	snprintf(script + n, sizeof(script) - n, "%s element inet %s %s { %s }\n", add ? "add" : "delete", t, set,
		 net);
	rc = nft_run(script);
	if (rc == 0 && add)
		u->guard_sets[f][dst->plen / 8] |= (uint8_t)(1u << (dst->plen % 8));
	if (rc < 0)
		log_error("userspace dataplane: nft: cannot %s %s/%u %s the set of destinations that must leave "
			  "through %s: %s", add ? "add" : "remove", net, dst->plen, add ? "to" : "from", u->tun_name,
			  strerror(-rc));
	return rc;
}
