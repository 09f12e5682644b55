/* The two packet paths of the userspace dataplane, independent of sockets
 * and TUN so the unit tests and the fuzzer drive them directly.
 *
 * Buffers carry DP_HEADROOM bytes in front of the packet: outbound the ESP
 * header is written there (tunnel mode: in front of the inner packet),
 * inbound the IP header of a transport-mode packet is rebuilt there. */
#ifndef CYGNET_DP_PACKET_H
#define CYGNET_DP_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/sadb.h"

#define DP_HEADROOM 64
#define DP_MAX_PACKET 65535

/* Inbound ESP packet (starting at the SPI) at pkt, len bytes, with
 * DP_HEADROOM writable bytes before pkt.  Outer addresses as received.
 * On success *inner, *inner_len is the cleartext IP packet for the TUN;
 * every failure is counted in db (and the SA when known) and *why set. */
bool dp_input(struct sadb *db, uint8_t *pkt, size_t len, const struct ip_addr *osrc,
	      const struct ip_addr *odst, uint64_t now_real, uint8_t **inner, size_t *inner_len,
	      enum dp_drop *why);

/* Outbound inner IP packet at pkt (DP_HEADROOM bytes before it, cap bytes
 * usable from pkt on).  On success *sa is the SA (outer addresses, encap)
 * and *esp, *esp_len the ESP packet to send.  *why DP_DROP_AWAITING_SA: the
 * packet matched a trap policy (no SA yet), which the caller reports;
 * DP_DROP_NO_POLICY (not counted): no policy covers it, the caller passes
 * it in clear (as the kernel does); DP_SHUNT_PASS (shunt_pkt.h): a
 * passthrough shunt, the caller sends it in clear; DP_DROP_SHUNT_REJECT: a
 * reject shunt, the caller answers it. */
bool dp_output(struct sadb *db, uint8_t *pkt, size_t len, size_t cap, uint64_t now_real,
	       struct sa_entry **sa, uint8_t **esp, size_t *esp_len, enum dp_drop *why);

#endif
