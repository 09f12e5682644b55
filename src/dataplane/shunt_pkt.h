/* What the userspace dataplane answers for a reject shunt (type=reject):
 * a pure builder of the ICMP error, so unit tests check its bytes. */
#ifndef CYGNET_DP_SHUNT_PKT_H
#define CYGNET_DP_SHUNT_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/dataplane.h"

/* dp_output()'s *why for a packet that matched a passthrough shunt: not a
 * drop (nothing is counted); the caller sends the packet in clear. */
#define DP_SHUNT_PASS DP_DROP__COUNT

/* The ICMP error for the IP packet pkt (len bytes): IPv4 destination
 * unreachable, communication administratively prohibited (type 3 code 13,
 * RFC 1812 §5.2.7.1), or ICMPv6 type 1 code 1 (RFC 4443 §3.1); from the
 * packet's destination to its source (as the router in front of it would
 * answer), quoting as much of the packet as fits
 * in 576 (IPv4) or 1280 (IPv6) bytes.  Returns its length, or 0 when no
 * error may be sent (RFC 1122 §3.2.2, RFC 4443 §2.4): the packet is
 * malformed, an ICMP error itself, a non-first fragment, or from/to a
 * multicast, broadcast or unspecified address; or cap is too small. */
size_t dp_reject_build(const uint8_t *pkt, size_t len, uint8_t *out, size_t cap);

#endif
