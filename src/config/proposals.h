/* ike= / esp= (phase2alg=) / ah= proposal lists in Libreswan 4.10's syntax,
 * parsed into IANA transform ids ready for building IKEv2 SA payloads.
 *
 * Grammar (as Libreswan 4.10's algparse accepts it, IKEv2):
 *   list      := proposal { ',' proposal }
 *   proposal  := algs { '-' algs } [ ';' algs ]       at most one ';'
 *   algs      := name { '+' name }
 * ike=: ENCR[-PRF][-DH]  or  ENCR[-PRF];DH.  INTEG is derived from the PRF
 *       for non-AEAD ciphers; AEAD ciphers get none.  As in Libreswan, when
 *       the 2nd part is not a PRF name but an integrity name, it is INTEG and
 *       a 3rd part is the PRF: ENCR-INTEG[-PRF][-DH] (aes_gcm-null-sha2-dh19).
 * esp=: ENCR[-INTEG][-DH] or ENCR[-INTEG];DH   (AEAD: INTEG omitted or "null";
 *       DH is the PFS group, used only when pfs=yes).
 * ah=:  INTEG[-DH]        or INTEG;DH
 * A missing part is filled with Libreswan's defaults for that part.  Names are
 * case-insensitive.  A cipher without key length (aes, aes_gcm) keeps
 * keybits 0 = "Libreswan's default lengths": the SA builder proposes 256 then
 * 128 (see prop_encr_keylens()).
 *
 * Only what Cygnet implements is accepted: ENCR AES-CBC 128/256, AES-GCM-16
 * 128/256, ChaCha20-Poly1305; PRF/INTEG HMAC-SHA2-256/384/512; DH 14, 15,
 * 16, 19, 20, 21, 31, 32.  Names Libreswan knows but Cygnet does not
 * implement (3des, sha1, md5, modp1024, aes_ctr, aes_ccm, camellia, ...)
 * fail with "algorithm X is not supported by Cygnet"; other names fail with
 * "unknown ... algorithm X".  See docs/COMPATIBILITY.md "Algorithms".
 */
#ifndef CYGNET_CONFIG_PROPOSALS_H
#define CYGNET_CONFIG_PROPOSALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alg/iana.h"

enum prop_kind { PROP_IKE, PROP_ESP, PROP_AH };

#define PROP_MAX_TRANS 16      /* transforms of one type in one proposal */
#define PROP_MAX 16            /* proposals in one list */
#define PROP_WHY_MAX 128

struct prop_transform {
	uint16_t id;               /* IKEV2_ENCR_*, IKEV2_PRF_*, IKEV2_INTEG_*, IKEV2_DH_* */
	uint16_t keybits;          /* ENCR only: 128/256, or 0 = default lengths */
};

struct proposal {
	uint8_t n_encr, n_prf, n_integ, n_dh;
	struct prop_transform encr[PROP_MAX_TRANS];
	struct prop_transform prf[PROP_MAX_TRANS];    /* IKE only */
	struct prop_transform integ[PROP_MAX_TRANS];  /* none for AEAD */
	struct prop_transform dh[PROP_MAX_TRANS];     /* IKE: KE groups; ESP/AH: PFS groups */
};

struct proposal_list {
	size_t n;
	struct proposal p[PROP_MAX];
	char why_buf[PROP_WHY_MAX];   /* *why of proposals_parse may point here */
};

/* Parse `text` (the value of ike=, esp=/phase2alg= or ah=).  On failure
 * returns false and sets *why to a reason naming the bad token; *why points
 * either to a static string or into out->why_buf (valid while out lives). */
bool proposals_parse(enum prop_kind kind, const char *text, struct proposal_list *out,
		     const char **why);

/* Libreswan 4.10's IKEv2 defaults for absent ike=/esp=/ah=, restricted to
 * what Cygnet implements (Libreswan's default IKE DH list also has MODP8192;
 * its AH default also has HMAC_SHA1_96: both dropped). */
void proposals_default(enum prop_kind kind, struct proposal_list *out);

/* Libreswan's text form, one proposal: "AES_GCM_16_256-HMAC_SHA2_512-MODP2048"
 * (parts joined by '-', alternatives by '+').  ESP AEAD shows "-NONE" as
 * Libreswan does.  Returns the length it would need (snprintf-style); the
 * output is always NUL-terminated when cap > 0. */
size_t proposal_fmt(enum prop_kind kind, const struct proposal *p, char *buf, size_t cap);
/* The whole list, proposals joined by ", ". */
size_t proposals_fmt(enum prop_kind kind, const struct proposal_list *l, char *buf, size_t cap);

/* Key lengths to put on the wire for one ENCR transform: keybits != 0 → just
 * that; 0 → 256 then 128 for AES-CBC/AES-GCM (Libreswan's order), 256 for
 * ChaCha20-Poly1305 (sent without a key-length attribute: see
 * prop_encr_has_keylen_attr).  Returns the count written (≤ 2). */
size_t prop_encr_keylens(const struct prop_transform *t, uint16_t out[2]);
bool prop_encr_has_keylen_attr(uint16_t encr_id);
bool prop_encr_is_aead(uint16_t encr_id);
/* The INTEG transform matching a PRF (HMAC_SHA2_256 → HMAC_SHA2_256_128...),
 * IKEV2_INTEG_NONE when none. */
uint16_t prop_integ_for_prf(uint16_t prf_id);
/* Key lengths in bytes for keying material (prf+ consumers). */
size_t prop_integ_keylen(uint16_t integ_id);   /* 32/48/64; 0 unknown */
size_t prop_prf_keylen(uint16_t prf_id);       /* output = key size: 32/48/64 */

#endif
