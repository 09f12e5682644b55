/* IKE message builder: header, payloads chained automatically, SK region. */
#include "ike/wire.h"

#include <sys/socket.h>

#define NO_SK ((size_t)-1)

void ikeb_begin(struct ikeb *b, uint8_t *buf, size_t cap, const struct ike_hdr *h)
{
	uint8_t *hp;
	struct ike_hdr hh = *h;

	b->w = wr_init(buf, cap);
	b->np_off = 16;
	b->pl_off = 0;
	b->sk_off = NO_SK;
	b->sk_iv_len = 0;
	b->sk_closed = false;
	hh.np = IKEV2_PL_NONE;
	hh.length = 0;
	if (hh.major == 0)
		hh.major = 2;
	hp = wr_reserve(&b->w, IKE_HDR_LEN);
	if (hp)
		ike_hdr_encode(&hh, hp);
}

bool ikeb_ok(const struct ikeb *b) { return !b->w.err; }

/* Generic payload header; the previous header's next-payload gets `type`. */
static void pl_open(struct ikeb *b, uint8_t type, bool critical)
{
	uint8_t *q;

	if (b->sk_closed) {
		b->w.err = true;
		return;
	}
	q = wr_reserve(&b->w, 4);
	if (!q)
		return;
	b->w.p[b->np_off] = type;
	b->pl_off = (size_t)(q - b->w.p);
	b->np_off = b->pl_off;
	q[0] = IKEV2_PL_NONE;
	q[1] = critical ? 0x80 : 0;
	q[2] = q[3] = 0;
}

static void pl_close(struct ikeb *b)
{
	size_t n;

	if (b->w.err)
		return;
	n = b->w.off - b->pl_off;
	if (n > 0xffff) {
		b->w.err = true;
		return;
	}
	put_be16(b->w.p + b->pl_off + 2, (uint16_t)n);
}

static void put_len16_since(struct ikeb *b, size_t start)
{
	size_t n = b->w.off - start;

	if (b->w.err)
		return;
	if (n > 0xffff) {
		b->w.err = true;
		return;
	}
	put_be16(b->w.p + start + 2, (uint16_t)n);
}

void ikeb_raw(struct ikeb *b, uint8_t type, bool critical, const void *body, size_t len)
{
	pl_open(b, type, critical);
	wr_bytes(&b->w, body, len);
	pl_close(b);
}

static void trans_encode(struct ikeb *b, const struct ike_transform *t, bool last)
{
	size_t start = b->w.off;

	wr_u8(&b->w, last ? 0 : 3);
	wr_u8(&b->w, 0);
	wr_be16(&b->w, 0);
	wr_u8(&b->w, t->type);
	wr_u8(&b->w, 0);
	wr_be16(&b->w, t->id);
	if (t->key_len) {
		wr_be16(&b->w, 0x8000 | IKEV2_ATTR_KEY_LENGTH);
		wr_be16(&b->w, t->key_len);
	}
	put_len16_since(b, start);
}

static void prop_encode(struct ikeb *b, const struct ike_proposal *pr, bool last)
{
	size_t start = b->w.off;

	if (pr->spi_size > sizeof(pr->spi) || pr->n_trans > IKE_SA_MAX_TRANSFORMS || pr->n_trans > 255) {
		b->w.err = true;
		return;
	}
	wr_u8(&b->w, last ? 0 : 2);
	wr_u8(&b->w, 0);
	wr_be16(&b->w, 0);
	wr_u8(&b->w, pr->num);
	wr_u8(&b->w, pr->proto);
	wr_u8(&b->w, pr->spi_size);
	wr_u8(&b->w, (uint8_t)pr->n_trans);
	wr_bytes(&b->w, pr->spi, pr->spi_size);
	for (unsigned i = 0; i < pr->n_trans; i++)
		trans_encode(b, &pr->trans[i], i + 1 == pr->n_trans);
	put_len16_since(b, start);
}

void ikeb_sa(struct ikeb *b, const struct ike_sa_payload *sa)
{
	pl_open(b, IKEV2_PL_SA, false);
	if (sa->n_prop > IKE_SA_MAX_PROPOSALS)
		b->w.err = true;
	for (unsigned i = 0; i < sa->n_prop && !b->w.err; i++)
		prop_encode(b, &sa->prop[i], i + 1 == sa->n_prop);
	pl_close(b);
}

void ikeb_ke(struct ikeb *b, uint16_t group, const uint8_t *data, size_t len)
{
	pl_open(b, IKEV2_PL_KE, false);
	wr_be16(&b->w, group);
	wr_be16(&b->w, 0);
	wr_bytes(&b->w, data, len);
	pl_close(b);
}

void ikeb_nonce(struct ikeb *b, const uint8_t *data, size_t len)
{
	ikeb_raw(b, IKEV2_PL_NONCE, false, data, len);
}

void ikeb_id_raw(struct ikeb *b, uint8_t pl_type, uint8_t id_type, const uint8_t *data, size_t len)
{
	pl_open(b, pl_type, false);
	wr_u8(&b->w, id_type);
	wr_bytes(&b->w, "\0\0\0", 3);
	wr_bytes(&b->w, data, len);
	pl_close(b);
}

void ikeb_id(struct ikeb *b, uint8_t pl_type, const struct cy_id *id)
{
	uint8_t data[ID_MAXLEN];
	size_t n = id_to_wire(id, data, sizeof(data));

	/* id_to_wire gives the identification data only; 0 is valid for ID_NULL */
	if (id->kind > 255 || id->kind == ID_NONE || (n == 0 && id->kind != ID_NULL)) {
		b->w.err = true;
		return;
	}
	ikeb_id_raw(b, pl_type, (uint8_t)id->kind, data, n);
}

void ikeb_auth(struct ikeb *b, uint8_t method, const uint8_t *data, size_t len)
{
	pl_open(b, IKEV2_PL_AUTH, false);
	wr_u8(&b->w, method);
	wr_bytes(&b->w, "\0\0\0", 3);
	wr_bytes(&b->w, data, len);
	pl_close(b);
}

void ikeb_notify(struct ikeb *b, uint8_t proto, const uint8_t *spi, size_t spi_len,
		 uint16_t type, const uint8_t *data, size_t len)
{
	pl_open(b, IKEV2_PL_NOTIFY, false);
	if (spi_len > 255)
		b->w.err = true;
	wr_u8(&b->w, proto);
	wr_u8(&b->w, (uint8_t)spi_len);
	wr_be16(&b->w, type);
	wr_bytes(&b->w, spi, spi_len);
	wr_bytes(&b->w, data, len);
	pl_close(b);
}

void ikeb_delete(struct ikeb *b, uint8_t proto, uint8_t spi_size, uint16_t count, const uint8_t *spis)
{
	pl_open(b, IKEV2_PL_DELETE, false);
	wr_u8(&b->w, proto);
	wr_u8(&b->w, spi_size);
	wr_be16(&b->w, count);
	wr_bytes(&b->w, spis, (size_t)spi_size * count);
	pl_close(b);
}

void ikeb_vendor(struct ikeb *b, const uint8_t *data, size_t len)
{
	ikeb_raw(b, IKEV2_PL_VENDOR, false, data, len);
}

void ikeb_ts(struct ikeb *b, uint8_t pl_type, const struct ike_ts_payload *ts)
{
	pl_open(b, pl_type, false);
	if (ts->n > IKE_TS_MAX)
		b->w.err = true;
	wr_u8(&b->w, (uint8_t)ts->n);
	wr_bytes(&b->w, "\0\0\0", 3);
	for (unsigned i = 0; i < ts->n && !b->w.err; i++) {
		const struct ike_ts *t = &ts->ts[i];
		bool v6 = t->start.af == AF_INET6;
		size_t alen = v6 ? 16 : 4;

		if ((t->start.af != AF_INET && !v6) || t->end.af != t->start.af) {
			b->w.err = true;
			break;
		}
		wr_u8(&b->w, v6 ? IKEV2_TS_IPV6_ADDR_RANGE : IKEV2_TS_IPV4_ADDR_RANGE);
		wr_u8(&b->w, t->ipproto);
		wr_be16(&b->w, (uint16_t)(8 + 2 * alen));
		wr_be16(&b->w, t->sport);
		wr_be16(&b->w, t->eport);
		wr_bytes(&b->w, t->start.a, alen);
		wr_bytes(&b->w, t->end.a, alen);
	}
	pl_close(b);
}

void ikeb_cp(struct ikeb *b, const struct ike_cp *cp)
{
	pl_open(b, IKEV2_PL_CP, false);
	if (cp->n > IKE_CP_MAX_ATTRS)
		b->w.err = true;
	wr_u8(&b->w, cp->type);
	wr_bytes(&b->w, "\0\0\0", 3);
	for (unsigned i = 0; i < cp->n && !b->w.err; i++) {
		wr_be16(&b->w, cp->attr[i].type & 0x7fff);
		wr_be16(&b->w, cp->attr[i].len);
		wr_bytes(&b->w, cp->attr[i].val, cp->attr[i].len);
	}
	pl_close(b);
}

void ikeb_cert(struct ikeb *b, uint8_t pl_type, uint8_t encoding, const uint8_t *data, size_t len)
{
	pl_open(b, pl_type, false);
	wr_u8(&b->w, encoding);
	wr_bytes(&b->w, data, len);
	pl_close(b);
}

void ikeb_sk_open(struct ikeb *b, size_t iv_len)
{
	if (b->sk_off != NO_SK) {
		b->w.err = true;
		return;
	}
	pl_open(b, IKEV2_PL_SK, false);
	if (b->w.err)
		return;
	b->sk_off = b->pl_off;
	b->sk_iv_len = iv_len;
	wr_reserve(&b->w, iv_len);
}

bool ikeb_sk_close(struct ikeb *b, size_t block, size_t icv_len, struct ike_sk_region *r)
{
	size_t pt_off, inner, pad;
	uint8_t *q;

	memset(r, 0, sizeof(*r));
	if (b->sk_off == NO_SK || b->sk_closed)
		b->w.err = true;
	if (b->w.err)
		return false;
	if (block == 0 || block > 256)
		block = 1;
	pt_off = b->sk_off + 4 + b->sk_iv_len;
	inner = b->w.off - pt_off;
	pad = (block - (inner + 1) % block) % block;
	q = wr_reserve(&b->w, pad + 1);
	if (q) {
		memset(q, 0, pad);
		q[pad] = (uint8_t)pad;
	}
	wr_reserve(&b->w, icv_len);
	b->pl_off = b->sk_off;
	pl_close(b);
	b->sk_closed = true;
	if (ikeb_finish(b) == 0)
		return false;
	r->msg = b->w.p;
	r->msg_len = b->w.off;
	r->aad_len = b->sk_off + 4;
	r->iv = b->w.p + b->sk_off + 4;
	r->iv_len = b->sk_iv_len;
	r->pt = b->w.p + pt_off;
	r->pt_len = inner + pad + 1;
	r->icv = r->pt + r->pt_len;
	r->icv_len = icv_len;
	return true;
}

size_t ikeb_finish(struct ikeb *b)
{
	if (b->sk_off != NO_SK && !b->sk_closed)
		b->w.err = true;
	if (b->w.err || b->w.off > IKE_MSG_MAX)
		return 0;
	put_be32(b->w.p + 24, (uint32_t)b->w.off);
	return b->w.off;
}
