/* IKEv2 and ESP cryptography on OpenSSL 3 EVP (issue 4 §2).
 *
 * Everything here is keyed by IANA transform ids (src/alg/iana.h).  Keys are
 * struct secret (src/lib/secret.h), wiped when freed; nothing in this module
 * logs key bytes.  Failures return false/NULL and, where a peer could cause
 * them, a static reason string ("ICV mismatch") suitable for a drop log.
 *
 *   alg.c     registry: encr / prf / integ / dh descriptors
 *   prf.c     prf(), prf+ (RFC 7296 §2.13), hashes
 *   keys.c    SKEYSEED, IKE SA keys (§2.14), rekey (§2.18), Child KEYMAT (§2.17)
 *   dh.c      MODP 14/15/16/17/18, ECP 19/20/21 (RFC 5903), X25519/X448 (RFC 8031)
 *   sk.c      SK / SKF payload protection (RFC 7296 §3.14, RFC 5282, RFC 7634)
 *   auth.c    PSK AUTH (§2.15), NAT-D hash (§2.23), COOKIE (§2.6)
 *   esp.c     per-SA ESP seal/open for the userspace dataplane
 *   cipher.c  EVP_CIPHER fetch cache, cipher context keying (internal)
 *   random.c  RAND_bytes, SPIs
 */
#ifndef CYGNET_CRYPTO_H
#define CYGNET_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alg/iana.h"
#include "lib/addr.h"
#include "lib/secret.h"

#define CRYPTO_MAX_PRF_OUT   64   /* HMAC-SHA2-512 */
#define CRYPTO_MAX_ICV       32   /* HMAC-SHA2-512-256 */
#define CRYPTO_MAX_IV        16
#define CRYPTO_MAX_DH_PUBLIC 1024 /* MODP 8192 */
#define IKE_SPI_LEN          8
#define NATD_HASH_LEN        20   /* SHA-1 */

/* ---------------------------------------------------------------- registry */

struct encr_alg {
	enum ikev2_encr id;
	const char *name;        /* "AES_CBC_256", "AES_GCM_16_128", "CHACHA20_POLY1305" */
	unsigned keybits;        /* value of the Key Length attribute; 0 = none sent (ChaCha) */
	size_t key_len;          /* cipher key bytes */
	size_t salt_len;         /* AEAD: 4 bytes taken after the key from keymat; else 0 */
	size_t keymat_len;       /* key_len + salt_len: bytes of SK_e / ESP encr key */
	size_t iv_len;           /* 16 CBC, 8 GCM/ChaCha (IKE and ESP) */
	size_t icv_len;          /* AEAD tag length; 0 for CBC (integ provides it) */
	size_t block_size;       /* padding alignment: 16 CBC; 1 AEAD in IKE (ESP uses 4) */
	bool aead;
	const char *evp_name;    /* OpenSSL cipher name */
};

struct prf_alg {
	enum ikev2_prf id;
	const char *name;        /* "HMAC_SHA2_256" */
	const char *digest;      /* OpenSSL digest name */
	size_t key_len;          /* preferred key length = output length (SK_d, SK_p) */
	size_t out_len;
};

struct integ_alg {
	enum ikev2_integ id;
	const char *name;        /* "HMAC_SHA2_256_128" */
	const char *digest;
	size_t key_len;          /* SK_a / ESP integ key bytes */
	size_t icv_len;          /* truncated output (RFC 4868) */
};

enum dh_kind { DH_KIND_MODP, DH_KIND_ECP, DH_KIND_ECX };

struct dh_alg {
	enum ikev2_dh id;
	const char *name;        /* "MODP2048", "ECP_256", "CURVE25519" */
	enum dh_kind kind;
	const char *group;       /* OpenSSL group / curve / key type name */
	size_t public_len;       /* exact KE payload data length */
	size_t secret_len;       /* g^ir length */
};

/* Lookups by IANA id; NULL when unsupported.  encr: keybits 0 means the
 * algorithm's default (AES 128; ChaCha has no Key Length attribute and
 * accepts only 0 or 256).  AES-CBC and AES-GCM-16 accept 128, 192, 256. */
const struct encr_alg *encr_alg_get(unsigned id, unsigned keybits);
const struct prf_alg *prf_alg_get(unsigned id);
const struct integ_alg *integ_alg_get(unsigned id);   /* NONE → NULL */
const struct dh_alg *dh_alg_get(unsigned id);          /* NONE → NULL */

/* --------------------------------------------------------------- prf, prf+ */

/* A byte range, for functions that hash a concatenation without copying. */
struct chunk {
	const void *p;
	size_t len;
};
#define CHUNK(ptr, n) ((struct chunk){ (ptr), (n) })

/* prf(key, data) into out (alg->out_len bytes).  HMAC accepts any key length. */
bool prf_raw(const struct prf_alg *alg, const void *key, size_t keylen,
	     const struct chunk *data, size_t nchunks, uint8_t *out);
struct secret *prf(const struct prf_alg *alg, const void *key, size_t keylen,
		   const void *data, size_t len);
/* prf+ (RFC 7296 §2.13): T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n);
 * at most 255 blocks, so len <= 255 * out_len. */
struct secret *prf_plus(const struct prf_alg *alg, const void *key, size_t keylen,
			const void *seed, size_t seedlen, size_t len);

/* Truncated HMAC integrity (RFC 4868) over chunks; writes alg->icv_len bytes. */
bool integ_raw(const struct integ_alg *alg, const void *key, size_t keylen,
	       const struct chunk *data, size_t nchunks, uint8_t *icv);

/* ----------------------------------------------------------- IKE SA keys */

struct ike_keys {
	struct secret *sk_d, *sk_ai, *sk_ar, *sk_ei, *sk_er, *sk_pi, *sk_pr;
	/* sk_ai/sk_ar are zero-length (not NULL) with an AEAD cipher.
	 * sk_ei/sk_er hold key | salt for AEAD (encr->keymat_len). */
};

struct ike_algs {
	const struct encr_alg *encr;
	const struct integ_alg *integ;     /* NULL with an AEAD cipher */
	const struct prf_alg *prf;
	const struct dh_alg *dh;           /* not used for key sizes */
};

/* SKEYSEED = prf(Ni | Nr, g^ir)  (§2.14).  Note: for HMAC the key is the
 * full Ni | Nr. */
struct secret *ike_skeyseed(const struct prf_alg *prf,
			    const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
			    const struct secret *gir);
/* Rekey: SKEYSEED = prf(SK_d(old), g^ir(new) | Ni | Nr)  (§2.18); prf is the
 * prf of the OLD IKE SA. */
struct secret *ike_skeyseed_rekey(const struct prf_alg *old_prf, const struct secret *old_sk_d,
				  const struct secret *gir,
				  const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen);
/* {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
 *    = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr).   On failure *out is all NULL. */
bool ike_keys_derive(const struct ike_algs *algs, const struct secret *skeyseed,
		     const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
		     const uint8_t spii[IKE_SPI_LEN], const uint8_t spir[IKE_SPI_LEN],
		     struct ike_keys *out);
void ike_keys_free(struct ike_keys *k);   /* frees and NULLs all members */

/* Child SA KEYMAT = prf+(SK_d, [g^ir (new)] | Ni | Nr)  (§2.17), split as
 * encr_i | integ_i | encr_r | integ_r ("i" = initiator→responder SA).
 * encr keys include the AEAD salt; integ keys are zero-length with AEAD or
 * integ NULL.  gir may be NULL (no PFS). */
struct child_keys {
	struct secret *encr_i, *integ_i, *encr_r, *integ_r;
};
bool child_keys_derive(const struct prf_alg *prf, const struct secret *sk_d,
		       const struct encr_alg *encr, const struct integ_alg *integ,
		       const struct secret *gir,
		       const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
		       struct child_keys *out);
void child_keys_free(struct child_keys *k);

/* ------------------------------------------------------------------- DH */

struct dh;   /* a private value (inside an EVP_PKEY) and its public value */

/* Generates a fresh private value.  NULL on failure. */
struct dh *dh_new(const struct dh_alg *alg);
/* Our public value in IKE KE wire format: MODP y padded to len(p); ECP x | y
 * (no 0x04 prefix, RFC 5903); X25519/X448 the raw u-coordinate. */
const uint8_t *dh_public(const struct dh *dh, size_t *len);
const struct dh_alg *dh_get_alg(const struct dh *dh);
/* g^ir from the peer's KE data, after dh_check_public(); NULL with *why set
 * (why may be NULL) on a bad peer value (X25519/X448 all-zero output is
 * rejected).  MODP g^ir is left-padded to the modulus length (§2.14). */
struct secret *dh_derive(struct dh *dh, const uint8_t *peer, size_t len, const char **why);
void dh_free(struct dh *dh);
/* Pure check of a peer public value: exact length; MODP 1 < y < p-1; ECP a
 * point on the curve (not infinity); X25519/X448 length only. */
bool dh_check_public(const struct dh_alg *alg, const uint8_t *peer, size_t len, const char **why);
/* Test hook: a dh with a known private value (big-endian scalar for MODP/ECP,
 * raw for X25519/X448).  The public value is computed from it. */
struct dh *dh_new_from_private(const struct dh_alg *alg, const uint8_t *priv, size_t len);

/* ------------------------------------------------- SK payload protection */

/* One direction's keys for the SK (and SKF) payload: the initiator sends with
 * {SK_ei, SK_ai} and the responder with {SK_er, SK_ar}.  Borrowed pointers. */
struct sk_keys {
	const struct encr_alg *encr;
	const struct integ_alg *integ;   /* NULL with AEAD */
	const struct secret *sk_e;       /* key | salt */
	const struct secret *sk_a;       /* NULL/empty with AEAD */
};

/* Length of the SK payload body (IV | ciphertext incl. padding and Pad
 * Length | ICV) for plen bytes of inner payloads.  The caller writes the IKE
 * header and the SK (or SKF) generic header with lengths that include it. */
size_t sk_body_len(const struct sk_keys *k, size_t plen);
size_t sk_icv_len(const struct sk_keys *k);

/* Encrypt: hdr/hdrlen are the message bytes from the IKE header through the
 * SK payload header (or, for RFC 7383 fragments, through the SKF header with
 * Fragment Number and Total Fragments), with final lengths already written:
 * the AEAD's AAD, or (CBC) the start of the integrity-covered data.
 * Writes sk_body_len() bytes to out (IV random, minimal padding).  plain may
 * sit at out + iv_len (in place); no other overlap. */
bool sk_encrypt(const struct sk_keys *k, const uint8_t *hdr, size_t hdrlen,
		const uint8_t *plain, size_t plen, uint8_t *out, size_t outcap, size_t *outlen);
/* Decrypt and verify: body is IV | ciphertext | ICV.  CBC: the ICV is checked
 * first (constant time), then decryption; AEAD: the tag is checked by the
 * cipher, plaintext is wiped on failure; then the Pad Length is checked.
 * Writes the inner payloads (padding removed, *plen bytes) to plain, which
 * needs cap >= the ciphertext length; plain may be body + iv_len (in
 * place).  On failure *why (if why is not NULL) names the reason. */
bool sk_decrypt(const struct sk_keys *k, const uint8_t *hdr, size_t hdrlen,
		const uint8_t *body, size_t bodylen, uint8_t *plain, size_t cap,
		size_t *plen, const char **why);
/* Test hook: as sk_encrypt with a given IV (iv_len bytes) and pad length. */
bool sk_encrypt_iv(const struct sk_keys *k, const uint8_t *hdr, size_t hdrlen,
		   const uint8_t *plain, size_t plen, const uint8_t *iv, size_t padlen,
		   uint8_t *out, size_t outcap, size_t *outlen);

/* --------------------------------------------------------- PSK, NAT-D, COOKIE */

/* AUTH = prf(prf(PSK, "Key Pad for IKEv2"), <SignedOctets>)  (§2.15), where
 *   SignedOctets = msg | peer_nonce | prf(SK_p, id_body).
 * Initiator: msg = its IKE_SA_INIT request, peer_nonce = Nr, sk_p = SK_pi,
 *            id_body = IDi payload body (ID Type | RESERVED(3) | data).
 * Responder: msg = its IKE_SA_INIT response, peer_nonce = Ni, sk_p = SK_pr, IDr.
 * Writes prf->out_len bytes. To verify the peer's AUTH, compute with the
 * peer's values and compare with auth_eq(). */
bool ike_psk_auth(const struct prf_alg *prf, const struct secret *psk,
		  const uint8_t *msg, size_t msglen,
		  const uint8_t *peer_nonce, size_t nlen,
		  const struct secret *sk_p, const uint8_t *id_body, size_t idlen,
		  uint8_t out[CRYPTO_MAX_PRF_OUT], size_t *outlen);
/* <SignedOctets> into a new secret (for signature methods later). */
struct secret *ike_signed_octets(const struct prf_alg *prf,
				 const uint8_t *msg, size_t msglen,
				 const uint8_t *peer_nonce, size_t nlen,
				 const struct secret *sk_p, const uint8_t *id_body, size_t idlen);
bool auth_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen); /* constant time */

/* NAT_DETECTION_*_IP data: SHA-1(SPIi | SPIr | IP | Port), port host order.
 * In IKE_SA_INIT requests SPIr is all zero. */
bool natd_hash(const uint8_t spii[IKE_SPI_LEN], const uint8_t spir[IKE_SPI_LEN],
	       const struct ip_addr *ip, uint16_t port, uint8_t out[NATD_HASH_LEN]);

/* COOKIE (§2.6): Cookie = <VersionIDofSecret> | SHA-256(Ni | IPi | SPIi | <secret>).
 * The secret rotates (cookie_secret_rotate, e.g. every few minutes); cookies
 * made with the current or the previous secret are accepted. */
#define COOKIE_LEN 33   /* 1 version byte + SHA-256 */
struct cookie_secret {
	uint8_t version;
	uint8_t cur[32], prev[32];
	bool have_prev;
};
bool cookie_secret_init(struct cookie_secret *cs);
bool cookie_secret_rotate(struct cookie_secret *cs);
void cookie_secret_wipe(struct cookie_secret *cs);
bool cookie_make(const struct cookie_secret *cs, const uint8_t *ni, size_t nilen,
		 const struct ip_addr *ipi, const uint8_t spii[IKE_SPI_LEN], uint8_t out[COOKIE_LEN]);
bool cookie_check(const struct cookie_secret *cs, const uint8_t *ni, size_t nilen,
		  const struct ip_addr *ipi, const uint8_t spii[IKE_SPI_LEN],
		  const uint8_t *cookie, size_t len);

/* ------------------------------------------------------------------- ESP */

/* A per-SA ESP transform context for the userspace dataplane (RFC 4303,
 * RFC 4106 AES-GCM-16, RFC 7634 ChaCha20-Poly1305, AES-CBC + HMAC-SHA2).
 * Cipher contexts are keyed once at creation (one for sealing, one for
 * opening); AEAD seal/open allocate nothing.  CBC+HMAC: the HMAC context is
 * keyed once and re-initialised per packet, which in OpenSSL 3.0 still costs
 * two small allocations inside OpenSSL per HMAC (its EVP_MD re-init always
 * re-creates the provider context; no non-deprecated way around it).
 * Not thread-safe: one context per SA per thread.
 *
 * key = encryption keymat (encr->keymat_len: key | 4-byte salt for AEAD)
 *       followed by integrity key (integ->key_len; none for AEAD),
 * i.e. exactly encr_i | integ_i (or encr_r | integ_r) from child_keys.
 * esn: Extended Sequence Numbers negotiated.
 *
 * seal/open take the SPI (host order), the full 64-bit sequence number
 * (only the low 32 bits are on the wire without ESN), the IV (iv_len bytes,
 * as on the wire), and the payload: plaintext INCLUDING the ESP trailer
 * (padding, Pad Length, Next Header), already padded by the caller to
 * esp_ctx_block(): 16 for CBC, 4 for AEAD.  in == out is allowed.
 *   AEAD AAD = SPI | seq (8 bytes) or SPI | seq-high | seq-low (ESN, 12).
 *   CBC ICV  = HMAC(SPI | seq-low | IV | ciphertext [| seq-high if ESN]).
 * For AES-GCM / ChaCha, the IV must never repeat under one key: use the
 * 64-bit sequence number as the IV (RFC 4106 §3.1, RFC 7634 §2). */
struct esp_ctx;
struct esp_ctx *esp_ctx_new(unsigned encr, unsigned keybits, unsigned integ,
			    const uint8_t *key, size_t keylen, bool esn);
void esp_ctx_free(struct esp_ctx *c);
size_t esp_ctx_iv_len(const struct esp_ctx *c);
size_t esp_ctx_icv_len(const struct esp_ctx *c);
size_t esp_ctx_block(const struct esp_ctx *c);
/* Expected key length for (encr, keybits, integ); 0 when unsupported. */
size_t esp_key_len(unsigned encr, unsigned keybits, unsigned integ);
bool esp_seal(struct esp_ctx *c, uint32_t spi, uint64_t seq, const uint8_t *iv,
	      const uint8_t *in, size_t len, uint8_t *out, uint8_t *icv);
/* false on ICV mismatch (checked before decrypting for CBC) or bad length. */
bool esp_open(struct esp_ctx *c, uint32_t spi, uint64_t seq, const uint8_t *iv,
	      const uint8_t *in, size_t len, uint8_t *out, const uint8_t *icv);

/* ---------------------------------------------------------------- random */

bool crypto_random(void *buf, size_t len);      /* RAND_bytes */
bool crypto_random_ike_spi(uint8_t spi[IKE_SPI_LEN]);  /* never all zero */
uint32_t crypto_random_esp_spi(void);           /* >= 0x100 (1..255 reserved); 0 on failure */

#endif
