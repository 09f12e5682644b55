/* KE, Nonce, ID, AUTH, CERT/CERTREQ, CP payloads and SK/SKF framing
 * (RFC 7296 §3.4-3.9, §3.14, §3.15; RFC 7383 §2.5). */
#include "ike/wire.h"

/*  |   Diffie-Hellman Group Num    |           RESERVED            |
 *  ~                       Key Exchange Data                       ~ */
enum wire_err ike_ke_decode(const uint8_t *p, size_t len, struct ike_ke *ke)
{
	memset(ke, 0, sizeof(*ke));
	if (len < 4)
		return WIRE_KE_TRUNCATED;
	ke->group = get_be16(p);
	ke->data = p + 4;
	ke->len = len - 4;
	return ke->len ? WIRE_OK : WIRE_KE_EMPTY;
}

enum wire_err ike_nonce_decode(const uint8_t *p, size_t len, struct ike_nonce *n)
{
	n->data = p;
	n->len = len;
	return len >= IKE_NONCE_MIN && len <= IKE_NONCE_MAX ? WIRE_OK : WIRE_NONCE_LENGTH;
}

/*  |   ID Type     |                 RESERVED                      |
 *  ~                   Identification Data                         ~ */
enum wire_err ike_id_decode(const uint8_t *p, size_t len, struct ike_id_payload *id)
{
	memset(id, 0, sizeof(*id));
	if (len < 4)
		return WIRE_ID_TRUNCATED;
	id->type = p[0];
	id->data = p + 4;
	id->len = len - 4;
	id->rest = p;
	id->rest_len = len;
	return id_from_wire(id->type, id->data, id->len, &id->id) ? WIRE_OK : WIRE_ID_BAD;
}

/*  | Auth Method   |                RESERVED                       |
 *  ~                      Authentication Data                      ~ */
enum wire_err ike_auth_decode(const uint8_t *p, size_t len, struct ike_auth *a)
{
	memset(a, 0, sizeof(*a));
	if (len < 4)
		return WIRE_AUTH_TRUNCATED;
	a->method = p[0];
	a->data = p + 4;
	a->len = len - 4;
	return a->len ? WIRE_OK : WIRE_AUTH_EMPTY;
}

/*  | Cert Encoding |                                               |
 *  ~                  Certificate Data / Certification Authority   ~ */
enum wire_err ike_cert_decode(const uint8_t *p, size_t len, bool certreq, struct ike_cert *c)
{
	memset(c, 0, sizeof(*c));
	if (len < 1)
		return WIRE_CERT_TRUNCATED;
	c->encoding = p[0];
	c->data = p + 1;
	c->len = len - 1;
	if (!certreq)
		return c->len ? WIRE_OK : WIRE_CERT_EMPTY;
	if (c->encoding == IKE_CERT_X509_SIG && c->len % 20)
		return WIRE_CERTREQ_LENGTH;
	return WIRE_OK;
}

/*  |   CFG Type    |                    RESERVED                   |
 *  ~                   Configuration Attributes                    ~
 *  each: |R|  Attribute Type  |  Length  | Value ...               */
enum wire_err ike_cp_decode(const uint8_t *p, size_t len, struct ike_cp *cp)
{
	struct rd r = rd_init(p, len);

	memset(cp, 0, sizeof(*cp));
	if (len < 4)
		return WIRE_CP_TRUNCATED;
	cp->type = rd_u8(&r);
	rd_bytes(&r, 3);
	while (rd_left(&r) > 0) {
		struct ike_cp_attr *a;
		if (cp->n >= IKE_CP_MAX_ATTRS)
			return WIRE_CP_TOO_MANY;
		if (rd_left(&r) < 4)
			return WIRE_CP_TRUNCATED;
		a = &cp->attr[cp->n];
		a->type = rd_be16(&r) & 0x7fff;
		a->len = rd_be16(&r);
		a->val = a->len ? rd_bytes(&r, a->len) : NULL;
		if (r.err)
			return WIRE_CP_TRUNCATED;
		cp->n++;
	}
	return WIRE_OK;
}

/*  ~                 Initialization Vector                         ~
 *  ~                    Encrypted IKE Payloads                     ~
 *  |               |             Padding (0-255 octets)            |
 *  +-+-+-+-+-+-+-+-+                               +-+-+-+-+-+-+-+-+
 *  |                                               |  Pad Length   |
 *  ~                    Integrity Checksum Data                    ~ */
enum wire_err ike_sk_split(const uint8_t *p, size_t len, size_t iv_len, size_t icv_len,
			   size_t block, struct ike_sk_parts *out)
{
	memset(out, 0, sizeof(*out));
	if (block == 0)
		block = 1;
	if (iv_len > len || icv_len > len - iv_len || len - iv_len - icv_len < block)
		return WIRE_SK_TOO_SHORT;
	out->iv = p;
	out->iv_len = iv_len;
	out->ct = p + iv_len;
	out->ct_len = len - iv_len - icv_len;
	out->icv = out->ct + out->ct_len;
	out->icv_len = icv_len;
	if (out->ct_len % block)
		return WIRE_SK_BAD_BLOCK;
	return WIRE_OK;
}

enum wire_err ike_sk_unpad(const uint8_t *pt, size_t len, size_t *inner_len)
{
	*inner_len = 0;
	if (len < 1 || (size_t)pt[len - 1] + 1 > len)
		return WIRE_SK_BAD_PAD;
	*inner_len = len - 1 - pt[len - 1];
	return WIRE_OK;
}

/*  |        Fragment Number        |        Total Fragments        |
 *  ~                      Initialization Vector                    ~
 *  ~                      Encrypted content                        ~
 *  ~                    Integrity Checksum Data                    ~ */
enum wire_err ike_skf_decode(const uint8_t *p, size_t len, struct ike_skf *f)
{
	memset(f, 0, sizeof(*f));
	if (len < 4)
		return WIRE_SKF_TRUNCATED;
	f->number = get_be16(p);
	f->total = get_be16(p + 2);
	f->rest = p + 4;
	f->rest_len = len - 4;
	if (f->total > IKE_FRAG_MAX_TOTAL)
		return WIRE_SKF_TOO_MANY;
	if (f->number < 1 || f->number > f->total)
		return WIRE_SKF_BAD_NUMBER;
	return WIRE_OK;
}
