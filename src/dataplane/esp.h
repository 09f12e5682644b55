/* ESP packet framing (RFC 4303) over caller buffers: pure functions that
 * touch only the packet, the SA's cipher context and its replay window.
 *
 *   0                   1                   2                   3
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |               Security Parameters Index (SPI)                 |
 *   |                      Sequence Number                          |
 *   |                IV (8: GCM/ChaCha20, 16: CBC)                  |
 *   |     Payload Data | TFC padding | Padding | Pad Len | Next Hdr |
 *   |                 ICV (16 AEAD, 16/24/32 HMAC-SHA2)             |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
#ifndef CYGNET_ESP_H
#define CYGNET_ESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/dataplane.h"
#include "dataplane/esp_crypto.h"
#include "dataplane/replay.h"

#define ESP_HDR_LEN 8
#define ESP_NH_IPV4 4
#define ESP_NH_IPV6 41
#define ESP_NH_NONE 59      /* dummy packet (RFC 4303 §2.6) */

static inline size_t esp_header_len(const struct espc *c) { return ESP_HDR_LEN + espc_iv_len(c); }
/* Most bytes encapsulation adds to a payload (without TFC padding). */
static inline size_t esp_max_overhead(const struct espc *c)
{
	return esp_header_len(c) + espc_align(c) - 1 + 2 + espc_icv_len(c);
}

/* Encapsulate in place.  The payload (plen bytes) is already at
 * pkt + esp_header_len(c); pkt has room for cap bytes.  iv: explicit IV
 * (tests) or NULL = the sequence number for AEADs (unique per key, as
 * RFC 4106 §3.1 allows) and random bytes for CBC.  tfc_to > plen pads the
 * payload with zero bytes up to tfc_to (tunnel mode only: the receiver
 * trims by the inner IP length).  On success *outlen is the ESP packet
 * length.  False + *why on failure (too-big, crypto-error). */
bool esp_encap(struct espc *c, uint32_t spi, uint64_t seq, bool esn, uint8_t next_header,
	       const uint8_t *iv, uint8_t *pkt, size_t plen, size_t cap, size_t tfc_to,
	       size_t *outlen, enum dp_drop *why);

/* The SPI and low sequence number of a received packet; false when shorter
 * than the ESP header. */
bool esp_peek(const uint8_t *pkt, size_t len, uint32_t *spi, uint32_t *seq_lo);

struct esp_decap_out {
	uint64_t seq;
	uint8_t next_header;
	size_t off, len;        /* payload at pkt + off (may still carry TFC padding) */
};

/* Decapsulate in place: length checks, replay pre-check, ICV verification
 * and decryption, replay window update, padding and trailer checks.  r may
 * be NULL (no anti-replay state at all; non-ESN only).  Nothing in r
 * changes unless the ICV verified. */
bool esp_decap(struct espc *c, struct replay *r, bool esn, uint8_t *pkt, size_t len,
	       struct esp_decap_out *out, enum dp_drop *why);

#endif
