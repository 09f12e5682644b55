/* Proposal lists: what ike=, esp= (phase2alg=) and ah= mean once parsed,
 * as IANA transform ids ready for building IKEv2 SA payloads, and
 * Libreswan 4.10's defaults for what they leave out.  The text grammar that
 * fills these is src/config/proposals.h; the SA payloads built from them
 * are src/ike/proposal_select.c. */
#ifndef CYGNET_ALG_PROPOSAL_H
#define CYGNET_ALG_PROPOSAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alg/alg.h"

enum prop_kind { PROP_IKE, PROP_ESP, PROP_AH };

#define PROP_MAX_TRANS 16      /* transforms of one type in one proposal */
#define PROP_MAX 16            /* proposals in one list */
#define PROP_WHY_MAX 128

struct prop_transform {
	uint16_t id;               /* IKEV2_ENCR_*, IKEV2_PRF_*, IKEV2_INTEG_*, IKEV2_DH_* */
	uint16_t keybits;          /* ENCR only: a length of the cipher, or 0 = its default lengths */
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
	char why_buf[PROP_WHY_MAX];   /* the parser's reason for a failure */
};

/* Libreswan 4.10's IKEv2 defaults for absent ike=/esp=/ah=, restricted to
 * what Cygnet implements (Libreswan's default IKE DH list also has MODP8192;
 * its AH default also has HMAC_SHA1_96: both dropped). */
void proposals_default(enum prop_kind kind, struct proposal_list *out);
/* Fill the parts a proposal leaves out with Libreswan's defaults for that
 * part: IKE PRF HMAC_SHA2_512+HMAC_SHA2_256, the INTEG of each PRF (not for
 * AEAD), the default DH list; ESP/AH INTEG HMAC_SHA2_512_256+HMAC_SHA2_256_128
 * (not for AEAD).  An explicit "null" INTEG with AEAD becomes none. */
void proposal_complete(enum prop_kind kind, struct proposal *p);

/* Shared lists (proposal_share.c): an immutable, counted copy of pl's
 * proposals (not its why_buf), the same pointer for equal lists; NULL on
 * allocation failure.  Thread-safe.  proposals_ref() takes one more
 * reference (NULL: none), proposals_unref() drops one (NULL: no-op). */
const struct proposal_list *proposals_share(const struct proposal_list *pl);
const struct proposal_list *proposals_ref(const struct proposal_list *pl);
void proposals_unref(const struct proposal_list *pl);
/* The shared list of proposals_default(kind): never freed, no reference
 * needed (but ref/unref pairs on it are fine). */
const struct proposal_list *proposals_default_shared(enum prop_kind kind);
/* Add a transform unless the same (id, keybits) is there (Libreswan drops
 * duplicates); false when the part is full. */
bool prop_add(struct prop_transform *arr, uint8_t *n, uint16_t id, uint16_t keybits);

/* Key lengths to put on the wire for one ENCR transform: keybits != 0 → just
 * that; 0 → the cipher's lengths in Libreswan's order (AES: 256 then 128;
 * ChaCha20-Poly1305: 256, sent without a Key Length attribute: see
 * prop_encr_has_keylen_attr).  Returns the count written (≤ ALG_MAX_KEYS). */
size_t prop_encr_keylens(const struct prop_transform *t, uint16_t out[ALG_MAX_KEYS]);
bool prop_encr_has_keylen_attr(uint16_t encr_id);
bool prop_encr_is_aead(uint16_t encr_id);
/* The INTEG transform paired with a PRF (HMAC_SHA2_256 → HMAC_SHA2_256_128),
 * IKEV2_INTEG_NONE when none. */
uint16_t prop_integ_for_prf(uint16_t prf_id);

#endif
