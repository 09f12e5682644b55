/* The algorithm registry: one table row per supported transform, keyed by
 * IANA id (and key length for ciphers). */
#include "crypto/crypto.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const struct encr_alg encr_algs[] = {
	/* id, name, keybits, key, salt, keymat, iv, icv, block, aead, evp */
	{ IKEV2_ENCR_AES_CBC, "AES_CBC_128", 128, 16, 0, 16, 16, 0, 16, false, "AES-128-CBC" },
	{ IKEV2_ENCR_AES_CBC, "AES_CBC_192", 192, 24, 0, 24, 16, 0, 16, false, "AES-192-CBC" },
	{ IKEV2_ENCR_AES_CBC, "AES_CBC_256", 256, 32, 0, 32, 16, 0, 16, false, "AES-256-CBC" },
	{ IKEV2_ENCR_AES_GCM_16, "AES_GCM_16_128", 128, 16, 4, 20, 8, 16, 1, true, "AES-128-GCM" },
	{ IKEV2_ENCR_AES_GCM_16, "AES_GCM_16_192", 192, 24, 4, 28, 8, 16, 1, true, "AES-192-GCM" },
	{ IKEV2_ENCR_AES_GCM_16, "AES_GCM_16_256", 256, 32, 4, 36, 8, 16, 1, true, "AES-256-GCM" },
	{ IKEV2_ENCR_CHACHA20_POLY1305, "CHACHA20_POLY1305", 0, 32, 4, 36, 8, 16, 1, true, "ChaCha20-Poly1305" },
};

static const struct prf_alg prf_algs[] = {
	{ IKEV2_PRF_HMAC_SHA2_256, "HMAC_SHA2_256", "SHA256", 32, 32 },
	{ IKEV2_PRF_HMAC_SHA2_384, "HMAC_SHA2_384", "SHA384", 48, 48 },
	{ IKEV2_PRF_HMAC_SHA2_512, "HMAC_SHA2_512", "SHA512", 64, 64 },
};

static const struct integ_alg integ_algs[] = {
	{ IKEV2_INTEG_HMAC_SHA2_256_128, "HMAC_SHA2_256_128", "SHA256", 32, 16 },
	{ IKEV2_INTEG_HMAC_SHA2_384_192, "HMAC_SHA2_384_192", "SHA384", 48, 24 },
	{ IKEV2_INTEG_HMAC_SHA2_512_256, "HMAC_SHA2_512_256", "SHA512", 64, 32 },
};

static const struct dh_alg dh_algs[] = {
	{ IKEV2_DH_MODP2048, "MODP2048", DH_KIND_MODP, "modp_2048", 256, 256 },
	{ IKEV2_DH_MODP3072, "MODP3072", DH_KIND_MODP, "modp_3072", 384, 384 },
	{ IKEV2_DH_MODP4096, "MODP4096", DH_KIND_MODP, "modp_4096", 512, 512 },
	{ IKEV2_DH_MODP6144, "MODP6144", DH_KIND_MODP, "modp_6144", 768, 768 },
	{ IKEV2_DH_MODP8192, "MODP8192", DH_KIND_MODP, "modp_8192", 1024, 1024 },
	{ IKEV2_DH_ECP_256, "ECP_256", DH_KIND_ECP, "prime256v1", 64, 32 },
	{ IKEV2_DH_ECP_384, "ECP_384", DH_KIND_ECP, "secp384r1", 96, 48 },
	{ IKEV2_DH_ECP_521, "ECP_521", DH_KIND_ECP, "secp521r1", 132, 66 },
	{ IKEV2_DH_CURVE25519, "CURVE25519", DH_KIND_ECX, "X25519", 32, 32 },
	{ IKEV2_DH_CURVE448, "CURVE448", DH_KIND_ECX, "X448", 56, 56 },
};

const struct encr_alg *encr_alg_get(unsigned id, unsigned keybits)
{
	if (keybits == 0 && (id == IKEV2_ENCR_AES_CBC || id == IKEV2_ENCR_AES_GCM_16))
		keybits = 128;
	if (keybits == 256 && id == IKEV2_ENCR_CHACHA20_POLY1305)
		keybits = 0;
	for (size_t i = 0; i < ARRAY_LEN(encr_algs); i++)
		if (encr_algs[i].id == id && encr_algs[i].keybits == keybits)
			return &encr_algs[i];
	return NULL;
}

const struct prf_alg *prf_alg_get(unsigned id)
{
	for (size_t i = 0; i < ARRAY_LEN(prf_algs); i++)
		if (prf_algs[i].id == id)
			return &prf_algs[i];
	return NULL;
}

const struct integ_alg *integ_alg_get(unsigned id)
{
	for (size_t i = 0; i < ARRAY_LEN(integ_algs); i++)
		if (integ_algs[i].id == id)
			return &integ_algs[i];
	return NULL;
}

const struct dh_alg *dh_alg_get(unsigned id)
{
	for (size_t i = 0; i < ARRAY_LEN(dh_algs); i++)
		if (dh_algs[i].id == id)
			return &dh_algs[i];
	return NULL;
}
