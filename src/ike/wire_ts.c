/* Traffic selector payloads TSi/TSr (RFC 7296 §3.13). */
#include "ike/wire.h"

#include <sys/socket.h>

/*  | Number of TSs |                 RESERVED                      |
 *  ~                       <Traffic Selectors>                     ~
 *  each (§3.13.1):
 *  |   TS Type     |IP Protocol ID*|       Selector Length         |
 *  |           Start Port*         |           End Port*           |
 *  ~                         Starting Address*                     ~
 *  ~                         Ending Address*                       ~   */
static enum wire_err one_ts(struct rd *r, struct ike_ts *ts)
{
	uint16_t slen;
	size_t alen;
	const uint8_t *a, *b;
	int af;

	if (rd_left(r) < 8)
		return WIRE_TS_TRUNCATED;
	ts->type = rd_u8(r);
	ts->ipproto = rd_u8(r);
	slen = rd_be16(r);
	ts->sport = rd_be16(r);
	ts->eport = rd_be16(r);
	switch (ts->type) {
	case IKEV2_TS_IPV4_ADDR_RANGE: alen = 4; af = AF_INET; break;
	case IKEV2_TS_IPV6_ADDR_RANGE: alen = 16; af = AF_INET6; break;
	default: return WIRE_TS_BAD_TYPE;
	}
	if (slen != 8 + 2 * alen)
		return WIRE_TS_BAD_LENGTH;
	a = rd_bytes(r, alen);
	b = rd_bytes(r, alen);
	if (!a || !b)
		return WIRE_TS_TRUNCATED;
	addr_from_bytes(af, a, &ts->start);
	addr_from_bytes(af, b, &ts->end);
	if (memcmp(a, b, alen) > 0)
		return WIRE_TS_ADDR_ORDER;
	if (ts->sport > ts->eport && !(ts->sport == IKE_TS_PORT_OPAQUE_START && ts->eport == 0))
		return WIRE_TS_PORT_ORDER;
	return WIRE_OK;
}

enum wire_err ike_ts_decode(const uint8_t *p, size_t len, struct ike_ts_payload *ts)
{
	struct rd r = rd_init(p, len);
	uint8_t count;

	ts->n = 0;
	if (len < 4)
		return WIRE_TS_TRUNCATED;
	count = rd_u8(&r);
	rd_bytes(&r, 3);
	if (count == 0)
		return WIRE_TS_COUNT_ZERO;
	if (count > IKE_TS_MAX)
		return WIRE_TS_TOO_MANY;
	while (ts->n < count) {
		enum wire_err e = one_ts(&r, &ts->ts[ts->n]);
		if (e != WIRE_OK)
			return e == WIRE_TS_TRUNCATED ? WIRE_TS_COUNT_MISMATCH : e;
		ts->n++;
	}
	return rd_left(&r) == 0 ? WIRE_OK : WIRE_TS_COUNT_MISMATCH;
}
