/* Private key files for `: RSA|ECDSA|EDDSA "file" [passphrase]` entries:
 * PEM or DER (PKCS#8, traditional, encrypted PKCS#8) through OSSL_DECODER,
 * never prompting.  The CKAID is the SHA-1 of the public key as NSS forms
 * it: the RSA modulus (unsigned big-endian), the EC point (uncompressed),
 * the raw EdDSA public key. */
#include "config/secrets.h"

#include <errno.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	enum secret_kind kind;
	const char *types[2];          /* OpenSSL key type names accepted */
	const char *mismatch;
} key_types[] = {
	{ SECRET_RSA, { "RSA", "RSA-PSS" }, "the file does not hold an RSA private key" },
	{ SECRET_ECDSA, { "EC", NULL }, "the file does not hold an ECDSA (EC) private key" },
	{ SECRET_EDDSA, { "ED25519", "ED448" }, "the file does not hold an EdDSA (Ed25519/Ed448) private key" },
};

static int no_prompt(char *buf, size_t size, size_t *len, const OSSL_PARAM *params, void *arg)
{
	(void)buf; (void)size; (void)params; (void)arg;
	*len = 0;
	return 0;
}

static bool public_bytes(EVP_PKEY *pk, enum secret_kind kind, uint8_t **out, size_t *len)
{
	BIGNUM *n = NULL;
	size_t need = 0;

	*out = NULL;
	if (kind == SECRET_RSA) {
		int bl;
		if (!EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n))
			return false;
		bl = BN_num_bytes(n);
		*out = malloc(bl > 0 ? (size_t)bl : 1);
		if (*out)
			*len = (size_t)BN_bn2bin(n, *out);
		BN_free(n);
		return *out != NULL;
	}
	const char *param = kind == SECRET_ECDSA ? OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY : OSSL_PKEY_PARAM_PUB_KEY;
	if (!EVP_PKEY_get_octet_string_param(pk, param, NULL, 0, &need) || need == 0)
		return false;
	*out = malloc(need);
	if (!*out)
		return false;
	if (!EVP_PKEY_get_octet_string_param(pk, param, *out, need, len)) {
		free(*out);
		*out = NULL;
		return false;
	}
	return true;
}

static bool type_ok(EVP_PKEY *pk, enum secret_kind kind, const char **why)
{
	for (size_t i = 0; i < sizeof(key_types) / sizeof(key_types[0]); i++) {
		if (key_types[i].kind != kind)
			continue;
		for (int t = 0; t < 2; t++)
			if (key_types[i].types[t] && EVP_PKEY_is_a(pk, key_types[i].types[t]))
				return true;
		*why = key_types[i].mismatch;
		return false;
	}
	*why = "not a key entry";
	return false;
}

bool secrets_load_key(struct secrets *s, struct secret_entry *e, const char *path,
		      const struct secret *pass, bool perm_check, const char **why)
{
	OSSL_DECODER_CTX *dctx = NULL;
	EVP_PKEY *pk = NULL;
	uint8_t *pub = NULL;
	size_t len = 0, publen = 0;
	char *text = secrets_read_file(s, path, &len, perm_check);
	const unsigned char *p = (const unsigned char *)text;
	size_t left = len;
	bool ok = false;

	if (!text) {
		*why = strerror(errno);
		return false;
	}
	dctx = OSSL_DECODER_CTX_new_for_pkey(&pk, NULL, NULL, NULL, OSSL_KEYMGMT_SELECT_PRIVATE_KEY,
					     NULL, NULL);
	if (!dctx) {
		*why = "out of memory";
		goto out;
	}
	if (pass)
		OSSL_DECODER_CTX_set_passphrase(dctx, pass->data, pass->len);
	else
		OSSL_DECODER_CTX_set_passphrase_cb(dctx, no_prompt, NULL);
	if (!OSSL_DECODER_from_data(dctx, &p, &left) || !pk) {
		*why = pass ? "cannot decode a private key (wrong passphrase, or not a PEM/DER private key)"
			    : "cannot decode a private key (encrypted without a passphrase, or not a PEM/DER private key)";
		goto out;
	}
	if (!type_ok(pk, e->kind, why))
		goto out;
	if (!public_bytes(pk, e->kind, &pub, &publen) ||
	    !EVP_Q_digest(NULL, "SHA1", NULL, pub, publen, e->ckaid, NULL)) {
		*why = "cannot compute the key's CKAID";
		goto out;
	}
	e->pkey = pk;
	pk = NULL;
	ok = true;
out:
	free(pub);
	EVP_PKEY_free(pk);
	OSSL_DECODER_CTX_free(dctx);
	secret_wipe(text, len);
	free(text);
	return ok;
}
