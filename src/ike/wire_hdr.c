/* IKE header (RFC 7296 §3.1) and the generic payload chain (§3.2). */
#include "ike/wire.h"

#define WIRE_ERR_NAME(name, text) [name] = #name,
#define WIRE_ERR_TEXT(name, text) [name] = text,
static const char *const wire_err_names[] = { WIRE_ERR_LIST(WIRE_ERR_NAME) };
static const char *const wire_err_texts[] = { WIRE_ERR_LIST(WIRE_ERR_TEXT) };

const char *wire_err_name(enum wire_err e)
{
	return (unsigned)e < WIRE_ERR_COUNT ? wire_err_names[e] : "WIRE_?";
}

const char *wire_err_text(enum wire_err e)
{
	return (unsigned)e < WIRE_ERR_COUNT ? wire_err_texts[e] : "?";
}

/*
 *   0                   1                   2                   3
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                       IKE SA Initiator's SPI                  |
 *  |                       IKE SA Responder's SPI                  |
 *  |  Next Payload | MjVer | MnVer | Exchange Type |     Flags     |
 *  |                          Message ID                           |
 *  |                            Length                             |
 */
enum wire_err ike_hdr_decode(const uint8_t *p, size_t len, struct ike_hdr *h)
{
	struct rd r = rd_init(p, len);
	uint8_t ver;

	memset(h, 0, sizeof(*h));
	if (len < IKE_HDR_LEN)
		return WIRE_HDR_TRUNCATED;
	h->spi_i = rd_be64(&r);
	h->spi_r = rd_be64(&r);
	h->np = rd_u8(&r);
	ver = rd_u8(&r);
	h->major = ver >> 4;
	h->minor = ver & 0x0f;
	h->exch = rd_u8(&r);
	h->flags = rd_u8(&r);
	h->msgid = rd_be32(&r);
	h->length = rd_be32(&r);
	if (h->major != 2)
		return WIRE_HDR_BAD_MAJOR;
	if (len > IKE_MSG_MAX || h->length > IKE_MSG_MAX)
		return WIRE_HDR_TOO_LONG;
	if (h->length != len)
		return WIRE_HDR_LENGTH_MISMATCH;
	return WIRE_OK;
}

void ike_hdr_encode(const struct ike_hdr *h, uint8_t out[IKE_HDR_LEN])
{
	struct wr w = wr_init(out, IKE_HDR_LEN);

	wr_be64(&w, h->spi_i);
	wr_be64(&w, h->spi_r);
	wr_u8(&w, h->np);
	wr_u8(&w, (uint8_t)(h->major << 4 | (h->minor & 0x0f)));
	wr_u8(&w, h->exch);
	wr_u8(&w, h->flags);
	wr_be32(&w, h->msgid);
	wr_be32(&w, h->length);
}

bool ike_payload_known(uint8_t type)
{
	switch (type) {
#define KNOWN_CASE(name, val) case val:
	IKEV2_PAYLOAD_LIST(KNOWN_CASE)
#undef KNOWN_CASE
		return type != IKEV2_PL_NONE;
	}
	return false;
}

static bool is_sk(uint8_t type) { return type == IKEV2_PL_SK || type == IKEV2_PL_SKF; }

/* Walks the chain.  base_off is added to offsets (the chain's position
 * in the buffer offsets are reported against).  When outer, SK/SKF stop
 * the walk (they must be last); otherwise they are refused. */
static enum wire_err walk(uint8_t np, const uint8_t *p, size_t len, size_t base_off, bool outer,
			  struct ike_chain *c)
{
	struct rd r = rd_init(p, len);

	c->n = 0;
	c->skipped = 0;
	c->bad_type = 0;
	while (np != IKEV2_PL_NONE) {
		size_t off = r.off;
		uint8_t type = np;
		uint8_t flags;
		uint16_t plen;
		const uint8_t *body;

		if (rd_left(&r) < 4)
			return WIRE_PL_TRUNCATED;
		np = rd_u8(&r);
		flags = rd_u8(&r);
		plen = rd_be16(&r);
		if (plen < 4)
			return WIRE_PL_LEN_SHORT;
		body = rd_bytes(&r, plen - 4u);
		if (!body)
			return WIRE_PL_PAST_END;
		if (!ike_payload_known(type)) {
			if (flags & 0x80) {
				c->bad_type = type;
				return WIRE_UNSUPPORTED_CRITICAL;
			}
			c->skipped++;
			continue;
		}
		if (is_sk(type) && !outer)
			return WIRE_SK_NESTED;
		if (c->n >= IKE_MAX_PAYLOADS)
			return WIRE_PL_TOO_MANY;
		c->pl[c->n++] = (struct pl_view){
			.type = type, .np = np, .critical = (flags & 0x80) != 0,
			.body = body, .len = plen - 4u, .off = base_off + off,
		};
		if (is_sk(type))
			return rd_left(&r) == 0 ? WIRE_OK : WIRE_SK_NOT_LAST;
	}
	return rd_left(&r) == 0 ? WIRE_OK : WIRE_PL_TRAILING;
}

enum wire_err ike_msg_decode(const uint8_t *p, size_t len, struct ike_msg *m)
{
	enum wire_err e;

	memset(m, 0, offsetof(struct ike_msg, outer));
	m->outer.n = 0;
	m->inner.n = 0;
	m->sk_index = -1;
	m->sk_is_frag = false;
	m->sk_first_np = 0;
	m->aad_len = 0;
	m->inner_valid = false;
	e = ike_hdr_decode(p, len, &m->hdr);
	if (e != WIRE_OK)
		return e;
	m->raw = p;
	m->raw_len = len;
	e = walk(m->hdr.np, p + IKE_HDR_LEN, len - IKE_HDR_LEN, IKE_HDR_LEN, true, &m->outer);
	if (e != WIRE_OK)
		return e;
	if (m->outer.n > 0 && is_sk(m->outer.pl[m->outer.n - 1].type)) {
		const struct pl_view *sk = &m->outer.pl[m->outer.n - 1];
		m->sk_index = (int)m->outer.n - 1;
		m->sk_is_frag = sk->type == IKEV2_PL_SKF;
		m->sk_first_np = sk->np;
		m->aad_len = sk->off + 4 + (m->sk_is_frag ? 4 : 0);
		if (m->aad_len > len)
			return WIRE_SKF_TRUNCATED;
	}
	return WIRE_OK;
}

enum wire_err ike_chain_decode(uint8_t first_np, const uint8_t *p, size_t len, struct ike_chain *c)
{
	return walk(first_np, p, len, 0, false, c);
}

const struct pl_view *ike_chain_find(const struct ike_chain *c, uint8_t type, const struct pl_view *after)
{
	unsigned i = after ? (unsigned)(after - c->pl) + 1 : 0;

	for (; i < c->n; i++)
		if (c->pl[i].type == type)
			return &c->pl[i];
	return NULL;
}

const struct pl_view *ike_chain_find_notify(const struct ike_chain *c, uint16_t ntype)
{
	for (const struct pl_view *v = ike_chain_find(c, IKEV2_PL_NOTIFY, NULL); v;
	     v = ike_chain_find(c, IKEV2_PL_NOTIFY, v))
		if (v->len >= 4 && get_be16(v->body + 2) == ntype)
			return v;
	return NULL;
}

unsigned ike_chain_count(const struct ike_chain *c, uint8_t type)
{
	unsigned n = 0;

	for (unsigned i = 0; i < c->n; i++)
		n += c->pl[i].type == type;
	return n;
}

const struct ike_chain *ike_msg_payloads(const struct ike_msg *m)
{
	return m->inner_valid ? &m->inner : &m->outer;
}
