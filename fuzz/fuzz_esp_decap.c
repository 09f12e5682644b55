/* libFuzzer target: ESP decapsulation through the whole inbound path
 * (dp_input: SPI lookup, replay window, ICV, trailer, inner packet,
 * selectors, transport-mode header rebuild).
 *
 * Input byte 0 picks the path:
 *   bit 0 = 0: the rest is an ESP packet as received (mostly rejected at
 *              the ICV, exercising the length/SPI/replay checks);
 *   bit 0 = 1: the rest is a decrypted payload+trailer that is sealed with
 *              the SA's real key first, so the checks after the ICV (padding,
 *              next header, inner IP parsing, selectors) see fuzzed data.
 *   bits 1-2: which SA (GCM tunnel / ChaCha20 transport ESN / CBC tunnel). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/esp.h"
#include "dataplane/packet.h"
#include "alg/iana.h"
#include "lib/buf.h"

static struct sadb db;
static struct espc *seal_ctx[3];
static const uint32_t spis[3] = { 0x1001, 0x1002, 0x1003 };
static const bool esns[3] = { false, true, false };

static void add(int i, uint16_t encr, uint16_t bits, uint16_t integ, size_t ekl, size_t ikl, enum dp_mode mode)
{
	uint8_t ek[64], ik[64];
	struct dp_sa sa = { 0 };
	bool hb;

	memset(ek, 0x11 * (i + 1), sizeof(ek));
	memset(ik, 0x22 * (i + 1), sizeof(ik));
	sa.spi = spis[i];
	sa.dir = DP_DIR_IN;
	addr_parse("192.0.2.2", &sa.src);
	addr_parse("192.0.2.1", &sa.dst);
	sa.mode = mode;
	subnet_parse(mode == DP_MODE_TUNNEL ? "10.0.0.0/8" : "192.0.2.2/32", &sa.sel.src, &hb);
	subnet_parse(mode == DP_MODE_TUNNEL ? "10.0.0.0/8" : "192.0.2.1/32", &sa.sel.dst, &hb);
	sa.encr = encr;
	sa.encr_keybits = bits;
	sa.integ = integ;
	sa.encr_key = secret_dup(ek, ekl);
	sa.integ_key = ikl ? secret_dup(ik, ikl) : NULL;
	sa.esn = esns[i];
	sa.replay_window = 64;
	if (sadb_add_sa(&db, &sa, 0, 0))
		abort();
	seal_ctx[i] = espc_new(encr, bits, integ, ek, ekl, ikl ? ik : NULL, ikl);
	secret_free((struct secret *)sa.encr_key);
	secret_free((struct secret *)sa.integ_key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	static uint8_t mem[DP_HEADROOM + 70000];
	static uint64_t seq = 1;
	uint8_t *pkt = mem + DP_HEADROOM, *inner;
	size_t len, ilen;
	struct ip_addr osrc, odst;
	enum dp_drop why;
	int which;

	if (!init) {
		sadb_init(&db);
		add(0, IKEV2_ENCR_AES_GCM_16, 128, IKEV2_INTEG_NONE, 20, 0, DP_MODE_TUNNEL);
		add(1, IKEV2_ENCR_CHACHA20_POLY1305, 256, IKEV2_INTEG_NONE, 36, 0, DP_MODE_TRANSPORT);
		add(2, IKEV2_ENCR_AES_CBC, 128, IKEV2_INTEG_HMAC_SHA2_256_128, 16, 32, DP_MODE_TUNNEL);
		init = true;
	}
	if (size < 1 || size > 65000)
		return 0;
	which = (data[0] >> 1) % 3;
	addr_parse("192.0.2.2", &osrc);
	addr_parse("192.0.2.1", &odst);
	if (!(data[0] & 1)) {
		len = size - 1;
		memcpy(pkt, data + 1, len);
	} else {
		struct espc *c = seal_ctx[which];
		size_t hl = esp_header_len(c), ct = size - 1;
		/* pad the fuzzed trailer region to the cipher's alignment */
		ct += (espc_align(c) - ct % espc_align(c)) % espc_align(c);
		memset(pkt, 0, hl + ct);
		memcpy(pkt + hl, data + 1, size - 1);
		put_be32(pkt, spis[which]);
		seq++;
		put_be32(pkt + 4, (uint32_t)seq);
		put_be32(pkt + 8, (uint32_t)(seq >> 32));
		if (!espc_seal(c, pkt, ct, (uint32_t)(seq >> 32), esns[which]))
			return 0;
		len = hl + ct + espc_icv_len(c);
	}
	if (dp_input(&db, pkt, len, &osrc, &odst, 0, &inner, &ilen, &why)) {
		/* what reaches the TUN must be inside the buffer and a parsable IP packet */
		struct dp_tuple t;
		if (inner < mem || inner + ilen > mem + sizeof(mem) || !dp_tuple_parse(inner, ilen, &t))
			abort();
	}
	return 0;
}
