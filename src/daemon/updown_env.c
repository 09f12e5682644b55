/* The environment of an updown script: pure (see updown.h).  Names and
 * formats follow Libreswan 4.10 (fmt_common_shell_out, _updown.xfrm), so
 * scripts written for it run unchanged.  Values go straight into the
 * environment, never through a shell, so nothing is quoted; what a peer
 * chose (its ID) is escaped as every log line (lib/esc.h). */
#include "daemon/updown.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/esc.h"

static const char *const verbs[] = {
	[UPDOWN_PREPARE] = "prepare", [UPDOWN_ROUTE] = "route", [UPDOWN_UP] = "up",
	[UPDOWN_DOWN] = "down", [UPDOWN_UNROUTE] = "unroute",
};

const char *updown_verb_name(const struct updown_info *u, char buf[UPDOWN_VERB_STRLEN])
{
	struct ip_subnet host;
	bool is_host;

	subnet_from_addr(&u->me, &host);
	is_host = subnet_eq(&host, &u->my_client);
	snprintf(buf, UPDOWN_VERB_STRLEN, "%s-%s%s", verbs[u->verb], is_host ? "host" : "client",
		 u->me.af == AF_INET6 ? "-v6" : "");
	return buf;
}

static bool put(struct updown_env *env, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool put(struct updown_env *env, const char *fmt, ...)
{
	size_t room = sizeof(env->buf) - env->used;
	va_list ap;
	int n;

	if (env->n >= UPDOWN_ENV_MAX || room == 0)
		return false;
	va_start(ap, fmt);
	n = vsnprintf(env->buf + env->used, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room)
		return false;
	env->v[env->n++] = env->buf + env->used;
	env->v[env->n] = NULL;
	env->used += (size_t)n + 1;
	return true;
}

/* The netmask of a prefix length as an address (255.255.255.0, ffff:...). */
static void mask_of(const struct ip_subnet *s, struct ip_addr *m)
{
	size_t n = addr_len(&s->addr);

	memset(m, 0, sizeof(*m));
	m->af = s->addr.af;
	for (size_t i = 0; i < n; i++) {
		unsigned bit = (unsigned)i * 8;
		m->a[i] = s->plen >= bit + 8 ? 0xff : s->plen <= bit ? 0 : (uint8_t)(0xff << (8 - (s->plen - bit)));
	}
}

static bool put_client(struct updown_env *env, const char *who, const struct ip_subnet *s)
{
	char b[SUBNET_STRLEN], a[ADDR_STRLEN];
	struct ip_addr m;

	mask_of(s, &m);
	return put(env, "PLUTO_%s_CLIENT=%s", who, subnet_fmt(s, b)) &&
	       put(env, "PLUTO_%s_CLIENT_NET=%s", who, addr_fmt(&s->addr, a)) &&
	       put(env, "PLUTO_%s_CLIENT_MASK=%s", who, addr_fmt(&m, a));
}

/* Who we are and who the peer is. */
static bool put_ends(const struct updown_info *u, struct updown_env *env)
{
	char a[ADDR_STRLEN], id[ID_STRLEN];
	const struct ip_addr *nh = u->nexthop.af ? &u->nexthop : &u->peer;

	return put(env, "PLUTO_NEXT_HOP=%s", addr_fmt(nh, a)) &&
	       put(env, "PLUTO_ME=%s", addr_fmt(&u->me, a)) &&
	       put(env, "PLUTO_MY_ID=%s", id_fmt(&u->my_id, id)) &&
	       put_client(env, "MY", &u->my_client) &&
	       put(env, "PLUTO_MY_PORT=%u", u->my_port) &&
	       put(env, "PLUTO_MY_PROTOCOL=%u", u->my_proto) &&
	       put(env, "PLUTO_SA_REQID=%" PRIu32, u->reqid) &&
	       put(env, "PLUTO_REQID=%" PRIu32, u->reqid) &&
	       put(env, "PLUTO_SA_TYPE=%s", u->has_sa ? "ESP" : "none") &&
	       put(env, "PLUTO_PEER=%s", addr_fmt(&u->peer, a)) &&
	       put(env, "PLUTO_PEER_ID=%s", id_fmt(&u->peer_id, id)) &&
	       put_client(env, "PEER", &u->peer_client) &&
	       put(env, "PLUTO_PEER_PORT=%u", u->peer_port) &&
	       put(env, "PLUTO_PEER_PROTOCOL=%u", u->peer_proto) &&
	       put(env, "PLUTO_PEER_CA=");
}

/* The conn's settings, the SA, and what Cygnet does not have (XAUTH,
 * mode config, VTI, CAT: their keywords are refused) as Libreswan sets
 * them when unused. */
static bool put_conn(const struct updown_info *u, struct updown_env *env)
{
	char a[ADDR_STRLEN];
	int fam = u->me.af == AF_INET6 ? 6 : 4, cfam = u->my_client.addr.af == AF_INET6 ? 6 : 4;

	if (!put(env, "PLUTO_STACK=%s", u->stack) ||
	    (u->metric && !put(env, "PLUTO_METRIC=%" PRIu32, u->metric)) ||
	    (u->mtu && !put(env, "PLUTO_MTU=%" PRIu32, u->mtu)) ||
	    !put(env, "PLUTO_ADDTIME=%" PRIu64, u->has_sa ? u->add_time : 0) ||
	    !put(env, "PLUTO_CONN_POLICY=%s", u->policy ? u->policy : "") ||
	    !put(env, "PLUTO_CONN_KIND=%s", u->instance ? "CK_INSTANCE" : "CK_PERMANENT") ||
	    !put(env, "PLUTO_CONN_ADDRFAMILY=ipv%d", fam) ||
	    !put(env, "PLUTO_CLIENT_FAMILY=ipv%d", cfam) ||
	    !put(env, "XAUTH_FAILED=0"))
		return false;
	if (u->sourceip.af &&
	    (!put(env, "PLUTO_MY_SOURCEIP=%s", addr_fmt(&u->sourceip, a)) ||
	     (u->has_sa && !put(env, "PLUTO_MOBIKE_EVENT="))))
		return false;
	if (!put(env, "PLUTO_IS_PEER_CISCO=0") || !put(env, "PLUTO_PEER_DNS_INFO=") ||
	    !put(env, "PLUTO_PEER_DOMAIN_INFO=") || !put(env, "PLUTO_PEER_BANNER=") ||
	    !put(env, "PLUTO_CFG_SERVER=0") || !put(env, "PLUTO_CFG_CLIENT=0"))
		return false;
	if (u->has_bytes && (!put(env, "PLUTO_INBYTES=%" PRIu64, u->inbytes) ||
			     !put(env, "PLUTO_OUTBYTES=%" PRIu64, u->outbytes)))
		return false;
	if (u->mark_in.value && !put(env, "CONNMARK_IN=%" PRIu32 "/%#08" PRIx32, u->mark_in.value, u->mark_in.mask))
		return false;
	if (u->mark_out.value &&
	    !put(env, "CONNMARK_OUT=%" PRIu32 "/%#08" PRIx32, u->mark_out.value, u->mark_out.mask))
		return false;
	return put(env, "VTI_IFACE=") && put(env, "VTI_ROUTING=no") && put(env, "VTI_SHARED=no") &&
	       put(env, "SPI_IN=0x%" PRIx32, u->has_sa ? u->spi_in : 0) &&
	       put(env, "SPI_OUT=0x%" PRIx32, u->has_sa ? u->spi_out : 0);
}

bool updown_env_build(const struct updown_info *u, struct updown_env *env)
{
	char verb[UPDOWN_VERB_STRLEN];

	env->n = env->used = 0;
	env->v[0] = NULL;
	return put(env, "PLUTO_VERB=%s", updown_verb_name(u, verb)) &&
	       put(env, "PLUTO_VERSION=2.0") &&
	       put(env, "PLUTO_CONNECTION=%s", u->conn) &&
	       put(env, "PLUTO_VIRT_INTERFACE=NULL") &&
	       put(env, "PLUTO_INTERFACE=%s", u->interface && u->interface[0] ? u->interface : "NULL") &&
	       put(env, "PLUTO_XFRMI_ROUTE=") &&
	       put_ends(u, env) && put_conn(u, env);
}

const char *updown_escape_line(const char *line, size_t len, char *out, size_t cap)
{
	esc_bytes(out, cap, line, len);
	return out;
}
