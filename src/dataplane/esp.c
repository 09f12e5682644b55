#include "dataplane/esp.h"

#include <openssl/rand.h>
#include <string.h>

#include "lib/buf.h"

bool esp_encap(struct espc *c, uint32_t spi, uint64_t seq, bool esn, uint8_t next_header,
	       const uint8_t *iv, uint8_t *pkt, size_t plen, size_t cap, size_t tfc_to,
	       size_t *outlen, enum dp_drop *why)
{
	size_t hlen = esp_header_len(c), ivlen = espc_iv_len(c), align = espc_align(c);
	size_t body = plen > tfc_to ? plen : tfc_to, padlen, ctlen, total;
	uint8_t *p;

	padlen = (align - (body + 2) % align) % align;
	ctlen = body + padlen + 2;
	total = hlen + ctlen + espc_icv_len(c);
	if (total > cap || total < plen) {
		*why = DP_DROP_TOO_BIG;
		return false;
	}
	put_be32(pkt, spi);
	put_be32(pkt + 4, (uint32_t)seq);
	if (iv)
		memcpy(pkt + ESP_HDR_LEN, iv, ivlen);
	else if (espc_is_aead(c)) {
		put_be32(pkt + ESP_HDR_LEN, (uint32_t)(seq >> 32));
		put_be32(pkt + ESP_HDR_LEN + 4, (uint32_t)seq);
	} else if (RAND_bytes(pkt + ESP_HDR_LEN, (int)ivlen) != 1) {
		*why = DP_DROP_CRYPTO;
		return false;
	}
	p = pkt + hlen + plen;
	memset(p, 0, body - plen);                 /* TFC padding */
	p += body - plen;
	for (size_t i = 0; i < padlen; i++)        /* RFC 4303 §2.4: 1, 2, 3, ... */
		*p++ = (uint8_t)(i + 1);
	*p++ = (uint8_t)padlen;
	*p++ = next_header;
	if (!espc_seal(c, pkt, ctlen, (uint32_t)(seq >> 32), esn)) {
		*why = DP_DROP_CRYPTO;
		return false;
	}
	*outlen = total;
	return true;
}

bool esp_peek(const uint8_t *pkt, size_t len, uint32_t *spi, uint32_t *seq_lo)
{
	struct rd r = rd_init(pkt, len);

	*spi = rd_be32(&r);
	*seq_lo = rd_be32(&r);
	return !r.err;
}

static bool check_padding(const uint8_t *pad, size_t padlen)
{
	for (size_t i = 0; i < padlen; i++)
		if (pad[i] != (uint8_t)(i + 1))
			return false;
	return true;
}

bool esp_decap(struct espc *c, struct replay *r, bool esn, uint8_t *pkt, size_t len,
	       struct esp_decap_out *out, enum dp_drop *why)
{
	size_t hlen = esp_header_len(c), icvlen = espc_icv_len(c), ctlen, padlen;
	uint32_t spi, seq_lo;
	uint64_t seq;
	uint8_t *trailer;

	if (!esp_peek(pkt, len, &spi, &seq_lo) || len < hlen + 4 + icvlen) {
		*why = DP_DROP_SHORT;
		return false;
	}
	ctlen = len - hlen - icvlen;
	if (ctlen % espc_align(c)) {
		*why = DP_DROP_BAD_ALIGN;
		return false;
	}
	if (r) {
		switch (replay_check(r, seq_lo, esn, &seq)) {
		case REPLAY_OK:
			break;
		case REPLAY_DUP:
			*why = DP_DROP_REPLAY;
			return false;
		case REPLAY_OLD:
			*why = DP_DROP_REPLAY_OLD;
			return false;
		}
	} else {
		seq = seq_lo;
		esn = false;
	}
	if (!espc_open(c, pkt, ctlen, (uint32_t)(seq >> 32), esn)) {
		*why = DP_DROP_BAD_ICV;
		return false;
	}
	if (r)
		replay_update(r, seq);
	trailer = pkt + hlen + ctlen - 2;
	padlen = trailer[0];
	if (padlen + 2 > ctlen || !check_padding(trailer - padlen, padlen)) {
		*why = DP_DROP_BAD_PAD;
		return false;
	}
	out->seq = seq;
	out->next_header = trailer[1];
	out->off = hlen;
	out->len = ctlen - 2 - padlen;
	return true;
}
