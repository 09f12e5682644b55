/* The algorithm registry: one descriptor per IKEv2 transform (encryption,
 * PRF, integrity, key exchange), the only place that knows an algorithm's
 * facts.  Every other layer reads them from here:
 *   - the ike=/esp=/ah= grammar (src/config/proposals.c): spellings, which
 *     names Cygnet implements, AEAD or not, key lengths;
 *   - the SA payloads (src/ike/proposal_select.c): key lengths in the order
 *     Libreswan proposes them, the Key Length attribute;
 *   - IKE crypto (src/crypto): sizes, OpenSSL cipher/digest/group names;
 *   - userspace ESP (src/dataplane/esp_crypto.c) and kernel XFRM
 *     (src/dataplane/xfrm_msg.c): sizes, OpenSSL and XFRM names;
 *   - progress and status lines: Libreswan's names (AES_GCM_16_256, DH19).
 *
 * Adding an algorithm is one row in alg.c's table (its IANA number in
 * iana.h, spellings, Libreswan's name, sizes, OpenSSL and XFRM names,
 * implemented = true) plus, when it is a new KIND of crypto (a cipher mode
 * or key exchange the code does not drive yet), that code in src/crypto and
 * src/dataplane/esp_crypto.c.  tests/unit/test_alg.c checks every row's
 * invariants.
 *
 * This folder is a leaf: it includes nothing from the rest of src/. */
#ifndef CYGNET_ALG_ALG_H
#define CYGNET_ALG_ALG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alg/iana.h"

#define ALG_MAX_KEYS 2   /* key lengths of one cipher */

/* One key length of a cipher. */
struct alg_key {
	uint16_t bits;           /* the Key Length attribute's value */
	const char *evp;         /* OpenSSL cipher name at this length */
};

enum alg_dh_kind { ALG_DH_MODP = 1, ALG_DH_ECP, ALG_DH_ECX };

struct alg_desc {
	enum ikev2_trans_type type;   /* IKEV2_TRANS_ENCR, _PRF, _INTEG or _DH */
	uint16_t id;                  /* IANA number (iana.h) */
	const char *names;            /* ike=/esp= spellings, space separated, canonical first */
	const char *fqn;              /* Libreswan's name: AES_GCM_16, HMAC_SHA2_256_128, DH19 */
	bool implemented;             /* false: Libreswan knows it, Cygnet refuses it */

	/* ENCR */
	bool aead;
	bool keylen_attr;             /* sent with a Key Length attribute (RFC 7296 §3.3.5) */
	struct alg_key keys[ALG_MAX_KEYS];  /* Cygnet's lengths, in the order Libreswan
					     * proposes them when ike=/esp= give none */
	uint16_t keybits_unsupported; /* a length Libreswan takes but Cygnet does not (0: none) */
	size_t iv_len;                /* explicit IV on the wire (IKE SK payload and ESP) */
	size_t salt_len;              /* AEAD: key material bytes after the key (RFC 4106 §8.1) */
	size_t block_size;            /* padding alignment inside the SK payload; 1: none */

	/* ENCR (AEAD tag) and INTEG (truncated HMAC, RFC 4868) */
	size_t icv_len;

	/* PRF and INTEG */
	const char *digest;           /* OpenSSL digest of the HMAC */
	size_t key_len;               /* PRF: preferred key length (= out_len); INTEG: key bytes */
	size_t out_len;               /* PRF output */
	uint16_t integ;               /* PRF: the INTEG Libreswan pairs with it (ike=aes-sha2) */

	/* DH */
	enum alg_dh_kind dh_kind;
	const char *group;            /* OpenSSL group / curve / key type */
	size_t public_len;            /* KE payload data bytes */
	size_t secret_len;            /* g^ir bytes */

	/* kernel ESP: the XFRM algorithm name (NULL: not for ESP); the ICV
	 * (AEAD) or truncation (HMAC) length in bits is icv_len * 8 */
	const char *xfrm;
};

/* Lookups.  alg_find: any row (implemented or not); alg_get: implemented
 * rows only.  Both NULL for an unknown (type, id).  INTEG and DH have a
 * "NONE" row (id 0). */
const struct alg_desc *alg_find(enum ikev2_trans_type type, unsigned id);
const struct alg_desc *alg_get(enum ikev2_trans_type type, unsigned id);
/* By spelling (len bytes, case-insensitive), implemented or not. */
const struct alg_desc *alg_by_name(enum ikev2_trans_type type, const char *name, size_t len);
/* The whole table, for tests: row i, NULL past the end. */
const struct alg_desc *alg_at(size_t i);

/* A cipher: an implemented ENCR transform at one of its key lengths. */
struct alg_cipher {
	const struct alg_desc *alg;   /* NULL: none */
	const char *evp;              /* OpenSSL cipher name */
	unsigned keybits;
	size_t key_len;               /* keybits / 8 */
	size_t keymat_len;            /* key_len + salt_len: SK_e / ESP encryption key bytes */
};
/* keybits 0 means the first of alg->keys (Libreswan's preference: 256 for
 * AES, the only length for ChaCha20-Poly1305).  false (and out->alg NULL)
 * for an unknown or unimplemented algorithm or key length. */
bool alg_cipher_get(unsigned encr_id, unsigned keybits, struct alg_cipher *out);

/* ---- Libreswan's names ------------------------------------------------ */

/* Libreswan's name of (type, id): "HMAC_SHA2_256", "DH19", "NONE"; "?"
 * for an unknown id. */
const char *alg_fqn(enum ikev2_trans_type type, unsigned id);

#define ALG_TEXT_MAX 160
struct alg_text { char s[ALG_TEXT_MAX]; };

/* Negotiated transforms of an SA, by IANA id (0: none). */
struct alg_suite {
	unsigned encr, keybits, integ, prf, dh;
};

/* The cipher with its key length: "AES_GCM_16_256", "CHACHA20_POLY1305_256"
 * (Libreswan's IKE SA lines and "algorithm newest").  xfrm: as a Child SA's
 * "xfrm=" shows it, without a length the algorithm has no choice of
 * ("CHACHA20_POLY1305"). */
const char *alg_encr_text(unsigned id, unsigned keybits, bool xfrm, struct alg_text *t);
/* An IKE SA's "cipher=AES_GCM_16_256 integ=n/a prf=HMAC_SHA2_512 group=DH19". */
const char *alg_ike_text(const struct alg_suite *s, struct alg_text *t);
/* A Child SA's "AES_GCM_16_256-NONE" or with PFS "AES_CBC_128-HMAC_SHA2_256_128-DH19". */
const char *alg_child_text(const struct alg_suite *s, struct alg_text *t);
/* status "IKEv2 algorithm newest: AES_GCM_16_256-HMAC_SHA2_512-MODP2048"
 * (INTEG shown only when it is not the PRF's own, as Libreswan). */
const char *alg_ike_newest_text(const struct alg_suite *s, struct alg_text *t);

#endif
