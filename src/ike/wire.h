/* IKEv2 wire format (RFC 7296 §3, RFC 7383 §2.5): pure decoders over
 * (const uint8_t *p, size_t len) and a message builder over a caller buffer.
 *
 * Nothing here looks anything up, allocates, or touches global state.
 * Decoders fill plain structs whose pointers borrow from the input buffer
 * (keep the datagram alive while you use them) and return WIRE_OK or a
 * named reason (wire_err_name()) the caller logs and counts.
 *
 * Typical receive path:
 *   struct ike_msg m;
 *   e = ike_msg_decode(pkt, len, &m);                 header + outer chain
 *   if (m.sk_index >= 0) {                            SK: split, decrypt
 *       ike_sk_split(body, blen, iv, icv, block, &parts) -> crypto decrypts
 *       ike_sk_unpad(pt, ptlen, &inner_len)
 *       ike_chain_decode(m.sk_first_np, pt, inner_len, &m.inner)
 *   }
 *   payload_rules_check(&m, ...)                      (payload_rules.h)
 *   then decode bodies: ike_sa_decode(v->body, v->len, &sa) ...
 *
 * Send path: ikeb_begin -> ikeb_sa/ikeb_ke/... -> ikeb_sk_open -> inner
 * payloads -> ikeb_sk_close (gives the IV/plaintext/ICV region the caller
 * encrypts in place) -> ikeb_finish; or ikeb_finish directly when plain. */
#ifndef CYGNET_WIRE_H
#define CYGNET_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alg/iana.h"
#include "lib/addr.h"
#include "lib/buf.h"
#include "lib/id.h"

/* ---- Reasons ----------------------------------------------------------- */

#define WIRE_ERR_LIST(X) \
	X(WIRE_OK, "ok") \
	X(WIRE_HDR_TRUNCATED, "message shorter than the 28-byte IKE header") \
	X(WIRE_HDR_BAD_MAJOR, "IKE major version is not 2") \
	X(WIRE_HDR_LENGTH_MISMATCH, "IKE header length differs from the datagram length") \
	X(WIRE_HDR_TOO_LONG, "IKE message longer than the maximum") \
	X(WIRE_PL_TRUNCATED, "payload header truncated") \
	X(WIRE_PL_LEN_SHORT, "payload length below 4") \
	X(WIRE_PL_PAST_END, "payload extends past the end of the message") \
	X(WIRE_PL_TOO_MANY, "too many payloads") \
	X(WIRE_PL_TRAILING, "bytes after the last payload") \
	X(WIRE_UNSUPPORTED_CRITICAL, "unknown payload with the critical bit set") \
	X(WIRE_SK_NOT_LAST, "SK/SKF payload is not the last payload") \
	X(WIRE_SK_NESTED, "SK/SKF payload inside an encrypted payload") \
	X(WIRE_SA_NO_PROPOSALS, "SA payload without proposals") \
	X(WIRE_SA_TOO_MANY_PROPOSALS, "SA payload with too many proposals") \
	X(WIRE_SA_PROP_TRUNCATED, "SA proposal truncated") \
	X(WIRE_SA_PROP_LENGTH, "SA proposal length inconsistent") \
	X(WIRE_SA_PROP_LAST, "SA proposal last-substructure field wrong") \
	X(WIRE_SA_PROP_NUMBER, "SA proposal numbers not sequential from 1") \
	X(WIRE_SA_BAD_PROTO, "SA proposal protocol id not IKE, AH or ESP") \
	X(WIRE_SA_SPI_SIZE, "SA proposal SPI size inconsistent with its protocol") \
	X(WIRE_SA_MIXED_PROTO, "SA payload mixes IKE and non-IKE proposals") \
	X(WIRE_SA_TRANS_COUNT, "SA proposal transform count does not match") \
	X(WIRE_SA_TOO_MANY_TRANSFORMS, "SA proposal with too many transforms") \
	X(WIRE_SA_TRANS_TRUNCATED, "SA transform truncated") \
	X(WIRE_SA_TRANS_LAST, "SA transform last-substructure field wrong") \
	X(WIRE_SA_TRANS_LENGTH, "SA transform length inconsistent") \
	X(WIRE_SA_ATTR_TRUNCATED, "SA transform attribute truncated") \
	X(WIRE_SA_KEYLEN_FORM, "KEY_LENGTH attribute not in TV form") \
	X(WIRE_SA_KEYLEN_DUP, "KEY_LENGTH attribute repeated") \
	X(WIRE_KE_TRUNCATED, "KE payload truncated") \
	X(WIRE_KE_EMPTY, "KE payload without key exchange data") \
	X(WIRE_NONCE_LENGTH, "Nonce not 16..256 bytes") \
	X(WIRE_ID_TRUNCATED, "ID payload truncated") \
	X(WIRE_ID_BAD, "ID payload body invalid for its type") \
	X(WIRE_AUTH_TRUNCATED, "AUTH payload truncated") \
	X(WIRE_AUTH_EMPTY, "AUTH payload without data") \
	X(WIRE_N_TRUNCATED, "Notify payload truncated") \
	X(WIRE_N_SPI_SIZE, "Notify SPI size wrong for its type") \
	X(WIRE_N_PROTO, "Notify protocol id wrong for its type") \
	X(WIRE_N_DATA_LENGTH, "Notify data length wrong for its type") \
	X(WIRE_D_TRUNCATED, "Delete payload truncated") \
	X(WIRE_D_BAD_PROTO, "Delete protocol id not IKE, AH or ESP") \
	X(WIRE_D_SPI_SIZE, "Delete SPI size wrong for its protocol") \
	X(WIRE_D_COUNT, "Delete SPI count inconsistent with its length") \
	X(WIRE_TS_TRUNCATED, "TS payload truncated") \
	X(WIRE_TS_COUNT_ZERO, "TS payload with zero selectors") \
	X(WIRE_TS_TOO_MANY, "TS payload with too many selectors") \
	X(WIRE_TS_COUNT_MISMATCH, "TS selector count does not match the payload") \
	X(WIRE_TS_BAD_TYPE, "TS type not IPv4 or IPv6 address range") \
	X(WIRE_TS_BAD_LENGTH, "TS selector length wrong for its type") \
	X(WIRE_TS_ADDR_ORDER, "TS start address above end address") \
	X(WIRE_TS_PORT_ORDER, "TS start port above end port") \
	X(WIRE_CP_TRUNCATED, "CP payload truncated") \
	X(WIRE_CP_TOO_MANY, "CP payload with too many attributes") \
	X(WIRE_CERT_TRUNCATED, "CERT/CERTREQ payload truncated") \
	X(WIRE_CERT_EMPTY, "CERT payload without data") \
	X(WIRE_CERTREQ_LENGTH, "CERTREQ X.509 hashes not a multiple of 20 bytes") \
	X(WIRE_SK_TOO_SHORT, "SK payload shorter than IV + one block + ICV") \
	X(WIRE_SK_BAD_BLOCK, "SK ciphertext not a multiple of the block size") \
	X(WIRE_SK_BAD_PAD, "SK padding length exceeds the plaintext") \
	X(WIRE_SKF_TRUNCATED, "SKF payload truncated") \
	X(WIRE_SKF_BAD_NUMBER, "SKF fragment number not within 1..total") \
	X(WIRE_SKF_TOO_MANY, "SKF total fragments above the maximum")

#define WIRE_ERR_ENUM(name, text) name,
enum wire_err { WIRE_ERR_LIST(WIRE_ERR_ENUM) WIRE_ERR_COUNT };
#undef WIRE_ERR_ENUM

const char *wire_err_name(enum wire_err e);   /* "WIRE_TS_ADDR_ORDER" */
const char *wire_err_text(enum wire_err e);   /* "TS start address above end address" */

/* ---- IKE header (RFC 7296 §3.1) --------------------------------------- */

#define IKE_HDR_LEN        28
#define IKE_MSG_MAX        65535    /* bounded maximum accepted/produced */
#define IKE_FLAG_I         0x08     /* sent by the original initiator */
#define IKE_FLAG_V         0x10     /* higher version supported */
#define IKE_FLAG_R         0x20     /* response */
#define IKE_NON_ESP_MARKER 4        /* 4 zero bytes before IKE on port 4500 */

struct ike_hdr {
	uint64_t spi_i;        /* host order of the 8 wire bytes (big endian) */
	uint64_t spi_r;
	uint8_t np;            /* first payload */
	uint8_t major, minor;  /* version; decode requires major 2 */
	uint8_t exch;          /* enum ikev2_exch */
	uint8_t flags;         /* IKE_FLAG_* */
	uint32_t msgid;
	uint32_t length;       /* whole message, header included */
};

static inline bool ike_hdr_is_response(const struct ike_hdr *h) { return (h->flags & IKE_FLAG_R) != 0; }
static inline bool ike_hdr_from_initiator(const struct ike_hdr *h) { return (h->flags & IKE_FLAG_I) != 0; }

/* Decodes the 28-byte header; len is the datagram length (after the
 * non-ESP marker, which the caller strips) and must equal h->length.
 * On WIRE_HDR_BAD_MAJOR / LENGTH_MISMATCH *h is still filled (so the
 * caller can answer INVALID_MAJOR_VERSION). */
enum wire_err ike_hdr_decode(const uint8_t *p, size_t len, struct ike_hdr *h);
/* Writes 28 bytes (length field as given). */
void ike_hdr_encode(const struct ike_hdr *h, uint8_t out[IKE_HDR_LEN]);

/* ---- Payload chain ------------------------------------------------------ */

#define IKE_MAX_PAYLOADS 64

struct pl_view {
	uint8_t type;          /* enum ikev2_payload */
	uint8_t np;            /* next payload field as received */
	bool critical;
	const uint8_t *body;   /* after the 4-byte generic header */
	size_t len;            /* body length */
	size_t off;            /* offset of the generic header within the decoded buffer */
};

struct ike_chain {
	unsigned n;
	struct pl_view pl[IKE_MAX_PAYLOADS];
	unsigned skipped;      /* unknown non-critical payloads skipped */
	uint8_t bad_type;      /* the type, on WIRE_UNSUPPORTED_CRITICAL */
};

struct ike_msg {
	struct ike_hdr hdr;
	const uint8_t *raw;    /* the decoded datagram (borrowed) */
	size_t raw_len;
	struct ike_chain outer;        /* plaintext payloads incl. SK/SKF */
	int sk_index;                  /* index in outer of SK or SKF, -1 if none */
	bool sk_is_frag;               /* it is SKF (RFC 7383) */
	uint8_t sk_first_np;           /* SK/SKF next-payload: first inner payload */
	size_t aad_len;                /* bytes raw[0..aad_len) are the AEAD AAD /
	                                  start of the integrity-protected part:
	                                  header + SK generic header (+4 for SKF) */
	bool inner_valid;              /* set by the caller after ike_chain_decode */
	struct ike_chain inner;        /* payloads inside SK (caller fills) */
};

/* Header + outer chain.  Unknown payloads without the critical bit are
 * skipped; with it → WIRE_UNSUPPORTED_CRITICAL and m->outer.bad_type (the
 * header is valid then, so the caller may answer).  SK/SKF must be last. */
enum wire_err ike_msg_decode(const uint8_t *p, size_t len, struct ike_msg *m);

/* Walks a payload chain starting with payload type first_np over p..p+len
 * (the decrypted SK plaintext without padding, or a reassembled message).
 * SK/SKF are not allowed inside (WIRE_SK_NESTED).  Offsets are relative
 * to p. */
enum wire_err ike_chain_decode(uint8_t first_np, const uint8_t *p, size_t len, struct ike_chain *c);

/* Is this payload type one we parse (so an unknown critical one is refused)? */
bool ike_payload_known(uint8_t type);

/* Lookups over a decoded chain (NULL when absent).  `after` is NULL to
 * start from the beginning, or a previous result to continue. */
const struct pl_view *ike_chain_find(const struct ike_chain *c, uint8_t type, const struct pl_view *after);
/* First Notify of the given type (does not validate the body). */
const struct pl_view *ike_chain_find_notify(const struct ike_chain *c, uint16_t ntype);
unsigned ike_chain_count(const struct ike_chain *c, uint8_t type);
/* The payloads the rules and handlers see: inner when m->inner_valid, else outer. */
const struct ike_chain *ike_msg_payloads(const struct ike_msg *m);

/* ---- SA (RFC 7296 §3.3) ------------------------------------------------ */

#define IKE_SA_MAX_PROPOSALS  16
#define IKE_SA_MAX_TRANSFORMS 64   /* per proposal */

struct ike_transform {
	uint8_t type;          /* enum ikev2_trans_type (others kept; selection skips) */
	uint16_t id;
	uint16_t key_len;      /* KEY_LENGTH attribute in bits, 0 when absent */
	bool unknown_attr;     /* an attribute other than KEY_LENGTH: reject this transform */
};

struct ike_proposal {
	uint8_t num;
	uint8_t proto;         /* enum ikev2_proto: IKE, AH, ESP */
	uint8_t spi_size;      /* 0 or 8 for IKE, 4 for AH/ESP */
	uint8_t spi[8];
	unsigned n_trans;
	struct ike_transform trans[IKE_SA_MAX_TRANSFORMS];
};

struct ike_sa_payload {
	unsigned n_prop;
	struct ike_proposal prop[IKE_SA_MAX_PROPOSALS];
};

enum wire_err ike_sa_decode(const uint8_t *p, size_t len, struct ike_sa_payload *sa);
/* SPI of a 4-byte (AH/ESP) proposal as a host-order number. */
uint32_t ike_proposal_spi32(const struct ike_proposal *pr);

/* ---- KE, Nonce, ID, AUTH, V, CERT/CERTREQ ------------------------------ */

struct ike_ke { uint16_t group; const uint8_t *data; size_t len; };
enum wire_err ike_ke_decode(const uint8_t *p, size_t len, struct ike_ke *ke);

#define IKE_NONCE_MIN 16
#define IKE_NONCE_MAX 256
struct ike_nonce { const uint8_t *data; size_t len; };
enum wire_err ike_nonce_decode(const uint8_t *p, size_t len, struct ike_nonce *n);

/* IDi/IDr.  `rest`/`rest_len` is the whole body (type + reserved + data):
 * the RestOfIDPayload the AUTH computation signs (§2.15). */
struct ike_id_payload {
	uint8_t type;          /* ID_* (enum id_kind values) */
	const uint8_t *data;
	size_t len;
	const uint8_t *rest;
	size_t rest_len;
	struct cy_id id;       /* decoded with id_from_wire */
};
enum wire_err ike_id_decode(const uint8_t *p, size_t len, struct ike_id_payload *id);

struct ike_auth { uint8_t method; const uint8_t *data; size_t len; };
enum wire_err ike_auth_decode(const uint8_t *p, size_t len, struct ike_auth *a);

struct ike_cert { uint8_t encoding; const uint8_t *data; size_t len; };
#define IKE_CERT_X509_SIG 4        /* certificate encoding: X.509 Certificate - Signature */
/* CERT: data must be non-empty.  CERTREQ (certreq=true): may be empty;
 * with encoding X509_SIG the data is a list of 20-byte SHA-1 key hashes. */
enum wire_err ike_cert_decode(const uint8_t *p, size_t len, bool certreq, struct ike_cert *c);

/* ---- Notify (RFC 7296 §3.10) ------------------------------------------- */

struct ike_notify {
	uint8_t proto;
	uint8_t spi_size;
	uint16_t type;         /* enum ikev2_notify */
	const uint8_t *spi;    /* spi_size bytes, NULL when 0 */
	const uint8_t *data;
	size_t data_len;
};
/* Checks the SPI size, protocol and data length of the known types:
 * COOKIE 1..64, NAT_DETECTION_* 20, SIGNATURE_HASH_ALGORITHMS even >= 2,
 * REKEY_SA proto AH/ESP + 4-byte SPI + no data, INVALID_KE_PAYLOAD 2,
 * SET_WINDOW_SIZE 4, status flags (INITIAL_CONTACT, USE_TRANSPORT_MODE,
 * IKEV2_FRAGMENTATION_SUPPORTED, ESP_TFC_PADDING_NOT_SUPPORTED, ...) no data. */
enum wire_err ike_notify_decode(const uint8_t *p, size_t len, struct ike_notify *n);
static inline bool ike_notify_is_error(uint16_t type) { return type < 16384; }
/* INVALID_KE_PAYLOAD data → group; REKEY_SA / INVALID_SPI spi → host order. */
static inline uint16_t ike_notify_u16(const struct ike_notify *n) { return n->data_len >= 2 ? get_be16(n->data) : 0; }
static inline uint32_t ike_notify_spi32(const struct ike_notify *n) { return n->spi_size == 4 ? get_be32(n->spi) : 0; }

/* ---- Delete (RFC 7296 §3.11) ------------------------------------------- */

struct ike_delete {
	uint8_t proto;         /* IKE: spi_size 0, count 0; AH/ESP: spi_size 4, count >= 1 */
	uint8_t spi_size;
	uint16_t count;
	const uint8_t *spis;   /* count * spi_size bytes */
};
enum wire_err ike_delete_decode(const uint8_t *p, size_t len, struct ike_delete *d);
static inline uint32_t ike_delete_spi32(const struct ike_delete *d, unsigned i) { return get_be32(d->spis + 4 * i); }

/* ---- Traffic selectors (RFC 7296 §3.13) -------------------------------- */

#define IKE_TS_MAX 16
/* The TSi x TSr pairs a Child SA may have: the dataplane installs one
 * policy pair each, and the daemon's SA table holds this many. */
#define IKE_TS_MAX_PAIRS 16
#define IKE_TS_PORT_OPAQUE_START 65535   /* OPAQUE ports: start 65535, end 0 (allowed) */

struct ike_ts {
	uint8_t type;          /* IKEV2_TS_IPV4_ADDR_RANGE / IPV6 */
	uint8_t ipproto;       /* 0 = any */
	uint16_t sport, eport;
	struct ip_addr start, end;
};
struct ike_ts_payload { unsigned n; struct ike_ts ts[IKE_TS_MAX]; };
enum wire_err ike_ts_decode(const uint8_t *p, size_t len, struct ike_ts_payload *ts);

/* ---- Configuration (RFC 7296 §3.15) ------------------------------------ */

#define IKE_CP_MAX_ATTRS 32
#define IKE_CFG_REQUEST 1
#define IKE_CFG_REPLY   2
#define IKE_CFG_SET     3
#define IKE_CFG_ACK     4
struct ike_cp_attr { uint16_t type; const uint8_t *val; uint16_t len; };   /* type without the R bit */
struct ike_cp { uint8_t type; unsigned n; struct ike_cp_attr attr[IKE_CP_MAX_ATTRS]; };
enum wire_err ike_cp_decode(const uint8_t *p, size_t len, struct ike_cp *cp);

/* ---- SK and SKF framing (RFC 7296 §3.14, RFC 7383 §2.5) --------------- */

/* Split of an SK body (or of skf.rest) into IV | ciphertext | ICV.  The
 * sizes come from the negotiated algorithms: block is the cipher block
 * size (16 for AES-CBC) or 1 for AEAD/stream ciphers; the ciphertext must
 * hold at least the 1-byte pad length. */
struct ike_sk_parts {
	const uint8_t *iv; size_t iv_len;
	const uint8_t *ct; size_t ct_len;
	const uint8_t *icv; size_t icv_len;
};
enum wire_err ike_sk_split(const uint8_t *p, size_t len, size_t iv_len, size_t icv_len,
			   size_t block, struct ike_sk_parts *out);
/* After decryption: the last byte is the pad length; *inner_len = the
 * length of the inner payload chain. */
enum wire_err ike_sk_unpad(const uint8_t *pt, size_t len, size_t *inner_len);

#define IKE_FRAG_MAX_TOTAL 64
struct ike_skf {
	uint16_t number, total;     /* 1 <= number <= total <= IKE_FRAG_MAX_TOTAL */
	const uint8_t *rest;        /* IV | ciphertext | ICV */
	size_t rest_len;
};
enum wire_err ike_skf_decode(const uint8_t *p, size_t len, struct ike_skf *f);

/* ---- Message builder ---------------------------------------------------- */

struct ikeb {
	struct wr w;
	size_t np_off;         /* byte to patch with the next payload's type */
	size_t pl_off;         /* generic header of the payload being written */
	size_t sk_off;         /* SK generic header, SIZE_MAX when not open */
	size_t sk_iv_len;
	bool sk_closed;
};

/* Where the caller encrypts in place after ikeb_sk_close():
 *   msg[0..aad_len)   = IKE header + SK generic header (AEAD AAD)
 *   iv[iv_len]        = caller fills with the IV
 *   pt[pt_len]        = inner payloads + padding + pad length (encrypt in place)
 *   icv[icv_len]      = caller fills with the ICV/tag
 * For non-AEAD the ICV covers msg[0 .. icv - msg). msg_len is final. */
struct ike_sk_region {
	uint8_t *msg; size_t msg_len;
	size_t aad_len;
	uint8_t *iv; size_t iv_len;
	uint8_t *pt; size_t pt_len;
	uint8_t *icv; size_t icv_len;
};

/* Header from h (length is fixed by finish/sk_close; h->np ignored). */
void ikeb_begin(struct ikeb *b, uint8_t *buf, size_t cap, const struct ike_hdr *h);
bool ikeb_ok(const struct ikeb *b);
/* Any payload with a raw body (tests, vendor payloads, unknown types). */
void ikeb_raw(struct ikeb *b, uint8_t type, bool critical, const void *body, size_t len);
void ikeb_sa(struct ikeb *b, const struct ike_sa_payload *sa);
void ikeb_ke(struct ikeb *b, uint16_t group, const uint8_t *data, size_t len);
void ikeb_nonce(struct ikeb *b, const uint8_t *data, size_t len);
/* pl_type IKEV2_PL_IDi or IKEV2_PL_IDr; id encoded with id_to_wire. */
void ikeb_id(struct ikeb *b, uint8_t pl_type, const struct cy_id *id);
void ikeb_id_raw(struct ikeb *b, uint8_t pl_type, uint8_t id_type, const uint8_t *data, size_t len);
void ikeb_auth(struct ikeb *b, uint8_t method, const uint8_t *data, size_t len);
void ikeb_notify(struct ikeb *b, uint8_t proto, const uint8_t *spi, size_t spi_len,
		 uint16_t type, const uint8_t *data, size_t len);
void ikeb_delete(struct ikeb *b, uint8_t proto, uint8_t spi_size, uint16_t count, const uint8_t *spis);
void ikeb_vendor(struct ikeb *b, const uint8_t *data, size_t len);
/* pl_type IKEV2_PL_TSi or IKEV2_PL_TSr; the TS type follows each start's af. */
void ikeb_ts(struct ikeb *b, uint8_t pl_type, const struct ike_ts_payload *ts);
void ikeb_cp(struct ikeb *b, const struct ike_cp *cp);
/* pl_type IKEV2_PL_CERT or IKEV2_PL_CERTREQ */
void ikeb_cert(struct ikeb *b, uint8_t pl_type, uint8_t encoding, const uint8_t *data, size_t len);

/* Opens SK: writes its generic header and reserves iv_len bytes.  The
 * following ikeb_* calls write inner payloads (plaintext). */
void ikeb_sk_open(struct ikeb *b, size_t iv_len);
/* Pads the inner plaintext (pad bytes zero + pad-length byte) to a multiple
 * of block (1 for AEAD), reserves icv_len bytes, fixes SK and header lengths. */
bool ikeb_sk_close(struct ikeb *b, size_t block, size_t icv_len, struct ike_sk_region *r);
/* Fixes the header length (SK, if opened, must be closed); returns the
 * message length, or 0 when anything overflowed. */
size_t ikeb_finish(struct ikeb *b);

#endif
