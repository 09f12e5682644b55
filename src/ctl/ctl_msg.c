/* Control protocol encoders and pure decoders; the format is in ctl_msg.h. */
#include "ctl/ctl_msg.h"

#include <string.h>

#include "lib/buf.h"

static const char *const err_names[] = {
#define CTL_ERR_NAME(e, s) [CTL_E_##e] = s,
	CTL_ERRS(CTL_ERR_NAME)
#undef CTL_ERR_NAME
};

static const struct {
	const char *name;
	bool needs_name;
} ops[CTL_OP_MAX] = {
#define CTL_OP_ROW(e, v, s, n) [v] = { s, n },
	CTL_OPS(CTL_OP_ROW)
#undef CTL_OP_ROW
};

const char *ctl_err_name(enum ctl_err e)
{
	return (unsigned)e < sizeof(err_names) / sizeof(err_names[0]) ? err_names[e] : "?";
}

const char *ctl_op_name(enum ctl_op op)
{
	return (op > CTL_OP_NONE && op < CTL_OP_MAX) ? ops[op].name : NULL;
}

bool ctl_op_needs_name(enum ctl_op op)
{
	return op > CTL_OP_NONE && op < CTL_OP_MAX && ops[op].needs_name;
}

enum ctl_op ctl_op_by_name(const char *s)
{
	for (int i = 1; i < CTL_OP_MAX; i++)
		if (ops[i].name && strcmp(ops[i].name, s) == 0)
			return (enum ctl_op)i;
	return CTL_OP_NONE;
}

bool ctl_str_copy(struct ctl_str s, char *buf, size_t cap)
{
	if (s.len >= cap)
		return false;
	if (s.len)
		memcpy(buf, s.p, s.len);
	buf[s.len] = '\0';
	return true;
}

bool ctl_str_eq(struct ctl_str s, const char *z)
{
	return strlen(z) == s.len && memcmp(s.p, z, s.len) == 0;
}

/* ---- header ---- */

enum ctl_err ctl_hdr_check(const uint8_t *p, size_t len, uint16_t *type, uint32_t *body_len)
{
	struct rd r = rd_init(p, len);
	uint32_t magic = rd_be32(&r);
	uint16_t version = rd_be16(&r);
	uint16_t t = rd_be16(&r);
	uint32_t blen = rd_be32(&r);

	if (r.err)
		return CTL_E_SHORT;
	if (magic != CTL_MAGIC)
		return CTL_E_MAGIC;
	if (version != CTL_VERSION)
		return CTL_E_VERSION;
	if (blen > CTL_MAX_BODY)
		return CTL_E_TOOBIG;
	*type = t;
	*body_len = blen;
	return CTL_E_OK;
}

/* ---- encoders ---- */

static void wr_hdr(struct wr *w, uint16_t type)
{
	wr_be32(w, CTL_MAGIC);
	wr_be16(w, CTL_VERSION);
	wr_be16(w, type);
	wr_be32(w, 0);   /* patched by wr_finish */
}

static size_t wr_finish(struct wr *w)
{
	size_t body;

	if (w->err || w->off < CTL_HDR_LEN)
		return 0;
	body = w->off - CTL_HDR_LEN;
	if (body > CTL_MAX_BODY)
		return 0;
	put_be32(w->p + 8, (uint32_t)body);
	return w->off;
}

static void wr_attr(struct wr *w, uint16_t type, const void *v, size_t len)
{
	if (len > 0xffff) {
		w->err = true;
		return;
	}
	wr_be16(w, type);
	wr_be16(w, (uint16_t)len);
	wr_bytes(w, v, len);
}

static void wr_attr_str(struct wr *w, uint16_t type, const char *s, size_t len)
{
	if (len > CTL_MAX_STR || (len && memchr(s, '\0', len))) {
		w->err = true;
		return;
	}
	wr_attr(w, type, s, len);
}

static void wr_attr_u16(struct wr *w, uint16_t type, uint16_t v)
{
	uint8_t b[2];

	put_be16(b, v);
	wr_attr(w, type, b, 2);
}

size_t ctl_encode_request(uint8_t *out, size_t cap, const struct ctl_request *rq)
{
	struct wr w = wr_init(out, cap);
	uint8_t b4[4];

	if (rq->nkv > CTL_MAX_KV)
		return 0;
	wr_hdr(&w, CTL_T_REQUEST);
	wr_attr_u16(&w, CTL_A_OP, (uint16_t)rq->op);
	if (rq->flags) {
		put_be32(b4, rq->flags);
		wr_attr(&w, CTL_A_FLAGS, b4, 4);
	}
	if (rq->name.len)
		wr_attr_str(&w, CTL_A_NAME, rq->name.p, rq->name.len);
	if (rq->remote.len)
		wr_attr_str(&w, CTL_A_REMOTE, rq->remote.p, rq->remote.len);
	for (size_t i = 0; i < rq->nkv; i++) {
		const struct ctl_kv *kv = &rq->kv[i];
		size_t alen = 2 + kv->key.len + kv->value.len;

		if (kv->key.len > 255 || kv->value.len > CTL_MAX_STR ||
		    (kv->key.len && memchr(kv->key.p, '\0', kv->key.len)) ||
		    (kv->value.len && memchr(kv->value.p, '\0', kv->value.len)))
			return 0;
		wr_be16(&w, CTL_A_KV);
		wr_be16(&w, (uint16_t)alen);
		wr_u8(&w, kv->side);
		wr_u8(&w, (uint8_t)kv->key.len);
		wr_bytes(&w, kv->key.p, kv->key.len);
		wr_bytes(&w, kv->value.p, kv->value.len);
	}
	return wr_finish(&w);
}

size_t ctl_encode_line(uint8_t *out, size_t cap, uint16_t code, const char *text, size_t text_len)
{
	struct wr w = wr_init(out, cap);

	if (text_len > CTL_MAX_STR)
		text_len = CTL_MAX_STR;   /* lines are display text: truncate, never fail */
	wr_hdr(&w, CTL_T_LINE);
	wr_attr_u16(&w, CTL_A_CODE, code);
	wr_attr_str(&w, CTL_A_TEXT, text, text_len);
	return wr_finish(&w);
}

size_t ctl_encode_done(uint8_t *out, size_t cap, uint16_t status)
{
	struct wr w = wr_init(out, cap);

	wr_hdr(&w, CTL_T_DONE);
	wr_attr_u16(&w, CTL_A_STATUS, status);
	return wr_finish(&w);
}

/* ---- decoders ---- */

/* Check the header against the whole buffer and return a reader over the
 * body. */
static enum ctl_err open_body(const uint8_t *p, size_t len, uint16_t want, struct rd *body)
{
	uint16_t type;
	uint32_t blen;
	enum ctl_err e = ctl_hdr_check(p, len, &type, &blen);

	if (e != CTL_E_OK)
		return e;
	if (len - CTL_HDR_LEN != blen)
		return len - CTL_HDR_LEN < blen ? CTL_E_SHORT : CTL_E_ATTR;
	if (type != want)
		return CTL_E_TYPE;
	*body = rd_init(p + CTL_HDR_LEN, blen);
	return CTL_E_OK;
}

static bool next_attr(struct rd *body, uint16_t *type, struct rd *val, bool *bad)
{
	uint16_t alen;

	if (rd_left(body) == 0)
		return false;
	*type = rd_be16(body);
	alen = rd_be16(body);
	*val = rd_sub(body, alen);
	if (body->err || val->err) {
		*bad = true;
		return false;
	}
	return true;
}

static bool get_str(struct rd *v, struct ctl_str *s)
{
	size_t n = rd_left(v);

	if (n > CTL_MAX_STR)
		return false;
	s->p = (const char *)v->p + v->off;
	s->len = n;
	return n == 0 || memchr(s->p, '\0', n) == NULL;
}

static bool get_u16(struct rd *v, uint16_t *out)
{
	if (rd_left(v) != 2)
		return false;
	*out = rd_be16(v);
	return true;
}

static enum ctl_err get_kv(struct rd *v, struct ctl_kv *kv)
{
	uint8_t klen;
	const uint8_t *k;

	kv->side = rd_u8(v);
	klen = rd_u8(v);
	k = rd_bytes(v, klen);
	if (v->err || kv->side > CTL_SIDE_SETUP)
		return CTL_E_ATTR;
	if (klen && memchr(k, '\0', klen))
		return CTL_E_STR;
	kv->key.p = klen ? (const char *)k : "";
	kv->key.len = klen;
	return get_str(v, &kv->value) ? CTL_E_OK : CTL_E_STR;
}

enum ctl_err ctl_decode_request(const uint8_t *p, size_t len, struct ctl_request *rq)
{
	struct ctl_kv *kv = rq->kv;
	struct rd body, v;
	uint16_t type, op = 0;
	uint32_t seen = 0;
	bool bad = false;
	enum ctl_err e = open_body(p, len, CTL_T_REQUEST, &body);

	memset(rq, 0, sizeof(*rq));
	rq->kv = kv;
	if (e != CTL_E_OK)
		return e;
	while (next_attr(&body, &type, &v, &bad)) {
		if (type < 32 && type != CTL_A_KV) {
			if (seen & (1u << type))
				return CTL_E_DUP;
			seen |= 1u << type;
		}
		switch (type) {
		case CTL_A_OP:
			if (!get_u16(&v, &op))
				return CTL_E_ATTR;
			break;
		case CTL_A_FLAGS:
			if (rd_left(&v) != 4)
				return CTL_E_ATTR;
			rq->flags = rd_be32(&v);
			break;
		case CTL_A_NAME:
			if (!get_str(&v, &rq->name))
				return CTL_E_STR;
			break;
		case CTL_A_REMOTE:
			if (!get_str(&v, &rq->remote))
				return CTL_E_STR;
			break;
		case CTL_A_KV:
			if (rq->nkv >= CTL_MAX_KV)
				return CTL_E_TOOMANYKV;
			if (!kv)
				return CTL_E_TOOMANYKV;
			e = get_kv(&v, &kv[rq->nkv]);
			if (e != CTL_E_OK)
				return e;
			rq->nkv++;
			break;
		default:
			break;   /* unknown attributes are skipped */
		}
	}
	if (bad)
		return CTL_E_ATTR;
	if (!ctl_op_name((enum ctl_op)op))
		return CTL_E_NOOP;
	rq->op = (enum ctl_op)op;
	if (ctl_op_needs_name(rq->op) && rq->name.len == 0)
		return CTL_E_NONAME;
	return CTL_E_OK;
}

enum ctl_err ctl_decode_line(const uint8_t *p, size_t len, struct ctl_line *line)
{
	struct rd body, v;
	uint16_t type;
	bool bad = false, have_code = false;
	enum ctl_err e = open_body(p, len, CTL_T_LINE, &body);

	memset(line, 0, sizeof(*line));
	line->text.p = "";
	if (e != CTL_E_OK)
		return e;
	while (next_attr(&body, &type, &v, &bad)) {
		if (type == CTL_A_CODE) {
			if (have_code || !get_u16(&v, &line->code) || line->code > CTL_CODE_RAW)
				return CTL_E_ATTR;
			have_code = true;
		} else if (type == CTL_A_TEXT) {
			if (!get_str(&v, &line->text))
				return CTL_E_STR;
		}
	}
	if (bad || !have_code)
		return CTL_E_ATTR;
	return CTL_E_OK;
}

enum ctl_err ctl_decode_done(const uint8_t *p, size_t len, uint16_t *status)
{
	struct rd body, v;
	uint16_t type;
	bool bad = false, have = false;
	enum ctl_err e = open_body(p, len, CTL_T_DONE, &body);

	if (e != CTL_E_OK)
		return e;
	while (next_attr(&body, &type, &v, &bad)) {
		if (type == CTL_A_STATUS) {
			if (have || !get_u16(&v, status))
				return CTL_E_ATTR;
			have = true;
		}
	}
	if (bad || !have)
		return CTL_E_ATTR;
	return CTL_E_OK;
}
