/* Libreswan-style state lines for --status / --showstates from an
 * ike_sa_info snapshot (formatting only: the daemon adds "000 "). */
#include <inttypes.h>
#include <stdio.h>

#include "ike/ike.h"

static uint64_t secs_until(uint64_t at, uint64_t now)
{
	return at > now ? (at - now) / 1000 : 0;
}

size_t ike_sa_state_line(const struct ike_sa_info *i, uint64_t now, char *buf, size_t cap)
{
	char t[160] = "";
	size_t o = 0;
	int n;

	if (i->retransmit_at_ms)
		o += (size_t)snprintf(t + o, sizeof(t) - o, " RETRANSMIT in %" PRIu64 "s;",
				      secs_until(i->retransmit_at_ms, now));
	if (i->established && i->rekey_at_ms && o < sizeof(t))
		o += (size_t)snprintf(t + o, sizeof(t) - o, " REKEY in %" PRIu64 "s;", secs_until(i->rekey_at_ms, now));
	if (i->established && i->replace_at_ms && o < sizeof(t))
		o += (size_t)snprintf(t + o, sizeof(t) - o, " REPLACE in %" PRIu64 "s;",
				      secs_until(i->replace_at_ms, now));
	if (i->established && i->newest && o < sizeof(t))
		o += (size_t)snprintf(t + o, sizeof(t) - o, " newest;");
	if (i->kind == IKE_KIND_CHILD && o < sizeof(t))
		snprintf(t + o, sizeof(t) - o, " IKE SA #%u;", i->ike_serial);
	n = snprintf(buf, cap, "#%u: \"%s\":%u %s (%s);%s idle;", i->serial, i->conn_name, i->remote.port,
		     i->state_name, i->state_story, t);
	return n < 0 ? 0 : (size_t)n;
}

size_t ike_child_spi_line(const struct ike_sa_info *i, bool transport, uint64_t in_bytes, uint64_t out_bytes,
			  char *buf, size_t cap)
{
	char l[ADDR_STRLEN], r[ADDR_STRLEN], tun[2 * ADDR_STRLEN + 32] = "";
	int n;

	addr_fmt(&i->local.addr, l);
	addr_fmt(&i->remote.addr, r);
	if (!transport)
		snprintf(tun, sizeof(tun), " tun.0@%s tun.0@%s", r, l);
	n = snprintf(buf, cap, "#%u: \"%s\" esp.%08x@%s esp.%08x@%s%s Traffic: ESPin=%" PRIu64 "B ESPout=%" PRIu64
		     "B ESPmax=2^63B", i->serial, i->conn_name, i->spi_out, r, i->spi_in, l, tun, in_bytes, out_bytes);
	return n < 0 ? 0 : (size_t)n;
}
