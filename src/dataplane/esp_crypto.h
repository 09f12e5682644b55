/* Per-SA ESP cipher contexts over OpenSSL EVP (RFC 4303 framing, RFC 4106
 * AES-GCM-16, RFC 7634 ChaCha20-Poly1305, RFC 3602 AES-CBC + RFC 4868
 * HMAC-SHA2).  One context per SA and direction, keyed once; sealing or
 * opening a packet re-uses it and allocates nothing with an AEAD (with
 * CBC+HMAC, OpenSSL 3.0's HMAC re-initialisation allocates twice inside
 * OpenSSL per HMAC: tests/unit/test_esp_crypto.c pins it).  A context is
 * used by one thread at a time (the packet thread).
 *
 * Algorithms, key and ICV sizes and the OpenSSL names come from the
 * registry (src/alg/alg.h); it works in place on the ESP packet layout
 * (SPI|seq|IV|payload|ICV) so the hot path copies nothing. */
#ifndef CYGNET_ESP_CRYPTO_H
#define CYGNET_ESP_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct espc;

/* ekey: cipher key + 4-byte salt for the AEADs.  NULL on unsupported
 * algorithm, wrong key length or OpenSSL failure. */
struct espc *espc_new(uint16_t encr, uint16_t keybits, uint16_t integ,
		      const uint8_t *ekey, size_t ekeylen, const uint8_t *ikey, size_t ikeylen);
void espc_free(struct espc *c);

size_t espc_iv_len(const struct espc *c);     /* 8 (AEAD) or 16 (CBC) */
size_t espc_icv_len(const struct espc *c);    /* 16, 24 or 32 */
size_t espc_align(const struct espc *c);      /* payload+trailer multiple: 4 or 16 */
bool espc_is_aead(const struct espc *c);
/* Expected key lengths (bytes) for an algorithm triple; false if unsupported. */
bool espc_key_lengths(uint16_t encr, uint16_t keybits, uint16_t integ, size_t *ekeylen, size_t *ikeylen);

/* pkt = SPI(4) | seq_lo(4) | IV | payload(ctlen) | ICV.  The IV must be in
 * place.  seal encrypts the payload in place and writes the ICV; open
 * verifies the ICV first (CBC) or as part of the AEAD and decrypts in
 * place.  seq_hi is used (AAD / appended to the HMAC input) when esn. */
bool espc_seal(struct espc *c, uint8_t *pkt, size_t ctlen, uint32_t seq_hi, bool esn);
bool espc_open(struct espc *c, uint8_t *pkt, size_t ctlen, uint32_t seq_hi, bool esn);

#endif
