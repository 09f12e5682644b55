/* Bounded readers and writers for wire formats.  Errors are sticky: after
 * the first out-of-bounds access every read returns zero/NULL and `err`
 * stays set, so a decoder checks once at the end (or where it must branch). */
#ifndef CYGNET_BUF_H
#define CYGNET_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct rd {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool err;
};

static inline struct rd rd_init(const void *p, size_t len)
{
	struct rd r = { .p = p, .len = len, .off = 0, .err = false };
	return r;
}

static inline size_t rd_left(const struct rd *r) { return r->err ? 0 : r->len - r->off; }

static inline const uint8_t *rd_bytes(struct rd *r, size_t n)
{
	const uint8_t *q;
	if (r->err || n > r->len - r->off) {
		r->err = true;
		return NULL;
	}
	q = r->p + r->off;
	r->off += n;
	return q;
}

static inline uint8_t rd_u8(struct rd *r)
{
	const uint8_t *q = rd_bytes(r, 1);
	return q ? q[0] : 0;
}

static inline uint16_t rd_be16(struct rd *r)
{
	const uint8_t *q = rd_bytes(r, 2);
	return q ? (uint16_t)(q[0] << 8 | q[1]) : 0;
}

static inline uint32_t rd_be32(struct rd *r)
{
	const uint8_t *q = rd_bytes(r, 4);
	return q ? (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3] : 0;
}

static inline uint64_t rd_be64(struct rd *r)
{
	uint64_t hi = rd_be32(r);
	return hi << 32 | rd_be32(r);
}

/* A sub-reader over the next n bytes (which are consumed from r). */
static inline struct rd rd_sub(struct rd *r, size_t n)
{
	const uint8_t *q = rd_bytes(r, n);
	struct rd s = rd_init(q, q ? n : 0);
	s.err = (q == NULL);
	return s;
}

struct wr {
	uint8_t *p;
	size_t cap;
	size_t off;
	bool err;
};

static inline struct wr wr_init(void *p, size_t cap)
{
	struct wr w = { .p = p, .cap = cap, .off = 0, .err = false };
	return w;
}

/* Reserve n bytes and return where they start (NULL on overflow). */
static inline uint8_t *wr_reserve(struct wr *w, size_t n)
{
	uint8_t *q;
	if (w->err || n > w->cap - w->off) {
		w->err = true;
		return NULL;
	}
	q = w->p + w->off;
	w->off += n;
	return q;
}

static inline void wr_bytes(struct wr *w, const void *src, size_t n)
{
	uint8_t *q = wr_reserve(w, n);
	if (q && n)
		memcpy(q, src, n);
}

static inline void wr_u8(struct wr *w, uint8_t v) { wr_bytes(w, &v, 1); }

static inline void wr_be16(struct wr *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	wr_bytes(w, b, 2);
}

static inline void wr_be32(struct wr *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	wr_bytes(w, b, 4);
}

static inline void wr_be64(struct wr *w, uint64_t v)
{
	wr_be32(w, (uint32_t)(v >> 32));
	wr_be32(w, (uint32_t)v);
}

static inline void put_be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static inline uint16_t get_be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

#endif
