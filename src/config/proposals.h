/* The grammar of ike= / esp= (phase2alg=) / ah=: Libreswan 4.10's syntax,
 * parsed into the proposal lists of alg/proposal.h, and their text form.
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
 * Spellings, and which algorithms Cygnet implements, come from the registry
 * (src/alg/alg.c).  Only implemented ones are accepted; names Libreswan
 * knows but Cygnet does not implement (3des, sha1, md5, modp1024, aes_ctr,
 * aes_ccm, camellia, ...) fail with "algorithm X is not supported by
 * Cygnet"; other names fail with "... algorithm X is not recognized".  See
 * docs/COMPATIBILITY.md "Algorithms".
 */
#ifndef CYGNET_CONFIG_PROPOSALS_H
#define CYGNET_CONFIG_PROPOSALS_H

#include <stdbool.h>
#include <stddef.h>

#include "alg/proposal.h"

/* Parse `text` (the value of ike=, esp=/phase2alg= or ah=).  On failure
 * returns false and sets *why to a reason naming the bad token; *why points
 * either to a static string or into out->why_buf (valid while out lives). */
bool proposals_parse(enum prop_kind kind, const char *text, struct proposal_list *out,
		     const char **why);
/* The same into a shared list (proposals_share()): on success *out is a
 * new reference (what *out held before is not released: the caller's);
 * on failure *out is untouched and *why a reason valid until the next
 * call in this thread. */
bool proposals_parse_shared(enum prop_kind kind, const char *text, const struct proposal_list **out,
			    const char **why);

/* Libreswan's text form, one proposal: "AES_GCM_16_256-HMAC_SHA2_512-MODP2048"
 * (parts joined by '-', alternatives by '+').  ESP AEAD shows "-NONE" as
 * Libreswan does.  Returns the length it would need (snprintf-style); the
 * output is always NUL-terminated when cap > 0. */
size_t proposal_fmt(enum prop_kind kind, const struct proposal *p, char *buf, size_t cap);
/* The whole list, proposals joined by ", ". */
size_t proposals_fmt(enum prop_kind kind, const struct proposal_list *l, char *buf, size_t cap);

#endif
