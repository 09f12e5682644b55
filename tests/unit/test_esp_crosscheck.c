/* Differential test between two independent ESP transform implementations:
 * the dataplane's in-place packet path (src/dataplane/esp.c + esp_crypto.c)
 * and src/crypto's esp_ctx_* (written separately by the crypto component).
 * Every packet the dataplane seals must open with esp_ctx, and vice versa,
 * for every algorithm, with and without ESN. */
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "dataplane/esp.h"
#include "harness.h"
#include "alg/iana.h"
#include "lib/buf.h"

static const struct {
	const char *label;
	uint16_t encr, bits, integ;
} algs[] = {
	{ "aes-gcm16-128", IKEV2_ENCR_AES_GCM_16, 128, IKEV2_INTEG_NONE },
	{ "aes-gcm16-256", IKEV2_ENCR_AES_GCM_16, 256, IKEV2_INTEG_NONE },
	{ "chacha20-poly1305", IKEV2_ENCR_CHACHA20_POLY1305, 256, IKEV2_INTEG_NONE },
	{ "aes-cbc-128-sha256", IKEV2_ENCR_AES_CBC, 128, IKEV2_INTEG_HMAC_SHA2_256_128 },
	{ "aes-cbc-256-sha512", IKEV2_ENCR_AES_CBC, 256, IKEV2_INTEG_HMAC_SHA2_512_256 },
};

static void test_crosscheck(void)
{
	uint8_t key[128], buf[2048], plain[2048], out[2048], icv[64];

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 31 + 7);
	for (size_t a = 0; a < sizeof(algs) / sizeof(algs[0]); a++) {
		size_t ekl, ikl;
		if (!espc_key_lengths(algs[a].encr, algs[a].bits, algs[a].integ, &ekl, &ikl) ||
		    esp_key_len(algs[a].encr, algs[a].bits, algs[a].integ) != ekl + ikl) {
			t_fail(__FILE__, __LINE__, "%s: key lengths disagree", algs[a].label);
			continue;
		}
		for (int esn = 0; esn < 2; esn++) {
			struct espc *mine = espc_new(algs[a].encr, algs[a].bits, algs[a].integ, key, ekl,
						     ikl ? key + ekl : NULL, ikl);
			struct esp_ctx *theirs = esp_ctx_new(algs[a].encr, algs[a].bits, algs[a].integ, key, ekl + ikl, esn);
			if (!mine || !theirs) {
				t_fail(__FILE__, __LINE__, "%s: context creation", algs[a].label);
				espc_free(mine);
				esp_ctx_free(theirs);
				continue;
			}
			size_t hl = esp_header_len(mine), icvl = espc_icv_len(mine);
			for (size_t len = 1; len < 1500; len += 97) {
				uint64_t seq = esn ? 0x300000000ull + len : len;
				size_t total, ct;
				enum dp_drop why;

				for (size_t k = 0; k < len; k++)
					buf[hl + k] = (uint8_t)(k ^ len);
				memcpy(plain, buf + hl, len);
				/* dataplane seals; crypto opens */
				if (!esp_encap(mine, 0xc0ffee, seq, esn, 41, NULL, buf, len, sizeof(buf), 0, &total, &why)) {
					t_fail(__FILE__, __LINE__, "%s: encap", algs[a].label);
					continue;
				}
				ct = total - hl - icvl;
				if (!esp_open(theirs, 0xc0ffee, seq, buf + 8, buf + hl, ct, out, buf + hl + ct)) {
					t_fail(__FILE__, __LINE__, "%s esn %d len %zu: esp_open refused the dataplane's packet",
					       algs[a].label, esn, len);
					continue;
				}
				if (memcmp(out, plain, len) != 0 || out[ct - 1] != 41)
					t_fail(__FILE__, __LINE__, "%s len %zu: plaintext differs", algs[a].label, len);
				/* crypto seals the same plaintext+trailer; the dataplane opens */
				uint8_t pkt[2048];
				memcpy(pkt, buf, hl);      /* SPI, seq, IV */
				if (!esp_seal(theirs, 0xc0ffee, seq, buf + 8, out, ct, pkt + hl, icv)) {
					t_fail(__FILE__, __LINE__, "%s: esp_seal", algs[a].label);
					continue;
				}
				memcpy(pkt + hl + ct, icv, icvl);
				if (memcmp(pkt, buf, total) != 0)
					t_fail(__FILE__, __LINE__, "%s esn %d len %zu: the two implementations' packets differ",
					       algs[a].label, esn, len);
				if (!espc_open(mine, pkt, ct, (uint32_t)(seq >> 32), esn))
					t_fail(__FILE__, __LINE__, "%s: espc_open refused crypto's packet", algs[a].label);
			}
			espc_free(mine);
			esp_ctx_free(theirs);
		}
	}
}

int main(void)
{
	RUN(test_crosscheck);
	return t_done();
}
