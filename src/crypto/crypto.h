/* IKEv2 cryptography on OpenSSL 3 EVP (issue 4 §2); ESP's is in
 * src/dataplane/esp_crypto.c.
 *
 * Everything here is keyed by IANA transform ids (src/alg/iana.h).  Keys are
 * struct secret (src/lib/secret.h), wiped when freed; nothing in this module
 * logs key bytes.  Failures return false/NULL and, where a peer could cause
 * them, a static reason string ("ICV mismatch") suitable for a drop log.
 *
 *   alg.c     the registry's implemented PRF / INTEG / DH descriptors
 *   prf.c     prf(), prf+ (RFC 7296 §2.13), hashes
 *   keys.c    SKEYSEED, IKE SA keys (§2.14), rekey (§2.18), Child KEYMAT (§2.17)
 *   dh.c      MODP (RFC 3526), ECP 19/20/21 (RFC 5903), X25519/X448 (RFC 8031)
 *   sk.c      SK / SKF payload protection (RFC 7296 §3.14, RFC 5282, RFC 7634)
 *   auth.c    PSK AUTH (§2.15), NAT-D hash (§2.23), COOKIE (§2.6)
 *   cipher.c  EVP_CIPHER fetch cache, cipher context keying (internal)
 *   random.c  RAND_bytes, SPIs
 */
#ifndef CYGNET_CRYPTO_H
#define CYGNET_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alg/alg.h"
#include "lib/addr.h"
#include "lib/secret.h"

#define CRYPTO_MAX_PRF_OUT   64   /* HMAC-SHA2-512 */
#define CRYPTO_MAX_ICV       32   /* HMAC-SHA2-512-256 */
#define CRYPTO_MAX_IV        16
#define CRYPTO_MAX_DH_PUBLIC 1024 /* room for MODP 8192 */
#define IKE_SPI_LEN          8
#define NATD_HASH_LEN        20   /* SHA-1 */

/* ---------------------------------------------------------------- registry */

/* Algorithms are the registry's descriptors (src/alg/alg.h): ciphers are a
 * struct alg_cipher (an ENCR transform at one key length, alg_cipher_get());
 * PRF, INTEG and DH a struct alg_desc.  These return only what Cygnet
 * implements, and NULL for NONE. */
const struct alg_desc *prf_alg_get(unsigned id);
const struct alg_desc *integ_alg_get(unsigned id);
const struct alg_desc *dh_alg_get(unsigned id);

/* --------------------------------------------------------------- prf, prf+ */

/* A byte range, for functions that hash a concatenation without copying. */
struct chunk {
	const void *p;
	size_t len;
};
#define CHUNK(ptr, n) ((struct chunk){ (ptr), (n) })

/* prf(key, data) into out (alg->out_len bytes).  HMAC accepts any key length. */
bool prf_raw(const struct alg_desc *alg, const void *key, size_t keylen,
	     const struct chunk *data, size_t nchunks, uint8_t *out);
struct secret *prf(const struct alg_desc *alg, const void *key, size_t keylen,
		   const void *data, size_t len);
/* prf+ (RFC 7296 §2.13): T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n);
 * at most 255 blocks, so len <= 255 * out_len. */
struct secret *prf_plus(const struct alg_desc *alg, const void *key, size_t keylen,
			const void *seed, size_t seedlen, size_t len);

/* Truncated HMAC integrity (RFC 4868) over chunks; writes alg->icv_len bytes. */
bool integ_raw(const struct alg_desc *alg, const void *key, size_t keylen,
	       const struct chunk *data, size_t nchunks, uint8_t *icv);

/* ----------------------------------------------------------- IKE SA keys */

struct ike_keys {
	struct secret *sk_d, *sk_ai, *sk_ar, *sk_ei, *sk_er, *sk_pi, *sk_pr;
	/* sk_ai/sk_ar are zero-length (not NULL) with an AEAD cipher.
	 * sk_ei/sk_er hold key | salt for AEAD (encr->keymat_len). */
};

struct ike_algs {
	struct alg_cipher encr;            /* .alg NULL: not set */
	const struct alg_desc *integ;     /* NULL with an AEAD cipher */
	const struct alg_desc *prf;
	const struct alg_desc *dh;           /* not used for key sizes */
};

/* SKEYSEED = prf(Ni | Nr, g^ir)  (§2.14).  Note: for HMAC the key is the
 * full Ni | Nr. */
struct secret *ike_skeyseed(const struct alg_desc *prf,
			    const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
			    const struct secret *gir);
/* Rekey: SKEYSEED = prf(SK_d(old), g^ir(new) | Ni | Nr)  (§2.18); prf is the
 * prf of the OLD IKE SA. */
struct secret *ike_skeyseed_rekey(const struct alg_desc *old_prf, const struct secret *old_sk_d,
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
bool child_keys_derive(const struct alg_desc *prf, const struct secret *sk_d,
		       const struct alg_cipher *encr, const struct alg_desc *integ,
		       const struct secret *gir,
		       const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
		       struct child_keys *out);
void child_keys_free(struct child_keys *k);

/* ------------------------------------------------------------------- DH */

struct dh;   /* a private value (inside an EVP_PKEY) and its public value */

/* Generates a fresh private value.  NULL on failure. */
struct dh *dh_new(const struct alg_desc *alg);
/* Our public value in IKE KE wire format: MODP y padded to len(p); ECP x | y
 * (no 0x04 prefix, RFC 5903); X25519/X448 the raw u-coordinate. */
const uint8_t *dh_public(const struct dh *dh, size_t *len);
const struct alg_desc *dh_get_alg(const struct dh *dh);
/* g^ir from the peer's KE data, after dh_check_public(); NULL with *why set
 * (why may be NULL) on a bad peer value (X25519/X448 all-zero output is
 * rejected).  MODP g^ir is left-padded to the modulus length (§2.14). */
struct secret *dh_derive(struct dh *dh, const uint8_t *peer, size_t len, const char **why);
void dh_free(struct dh *dh);
/* Pure check of a peer public value: exact length; MODP 1 < y < p-1; ECP a
 * point on the curve (not infinity); X25519/X448 length only. */
bool dh_check_public(const struct alg_desc *alg, const uint8_t *peer, size_t len, const char **why);
/* Test hook: a dh with a known private value (big-endian scalar for MODP/ECP,
 * raw for X25519/X448).  The public value is computed from it. */
struct dh *dh_new_from_private(const struct alg_desc *alg, const uint8_t *priv, size_t len);

/* ------------------------------------------------- SK payload protection */

/* One direction's keys for the SK (and SKF) payload: the initiator sends with
 * {SK_ei, SK_ai} and the responder with {SK_er, SK_ar}.  Borrowed pointers. */
struct sk_keys {
	const struct alg_cipher *encr;
	const struct alg_desc *integ;    /* NULL with AEAD */
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
bool ike_psk_auth(const struct alg_desc *prf, const struct secret *psk,
		  const uint8_t *msg, size_t msglen,
		  const uint8_t *peer_nonce, size_t nlen,
		  const struct secret *sk_p, const uint8_t *id_body, size_t idlen,
		  uint8_t out[CRYPTO_MAX_PRF_OUT], size_t *outlen);
/* <SignedOctets> into a new secret (for signature methods later). */
struct secret *ike_signed_octets(const struct alg_desc *prf,
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

/* ---------------------------------------------------------------- random */

bool crypto_random(void *buf, size_t len);      /* RAND_bytes */
bool crypto_random_ike_spi(uint8_t spi[IKE_SPI_LEN]);  /* never all zero */
uint32_t crypto_random_esp_spi(void);           /* >= 0x100 (1..255 reserved); 0 on failure */

#endif
