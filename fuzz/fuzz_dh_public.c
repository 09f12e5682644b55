/* libFuzzer target: the peer KE value checks and DH derivation.  The first
 * byte picks the group (14, 15, 16, 17, 18, 19, 20, 21, 31, 32); the rest is the KE
 * payload data.  One private value per group is made on first use. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crypto/crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned groups[] = { 14, 15, 16, 17, 18, 19, 20, 21, 31, 32 };
	static struct dh *dh[10];
	const struct alg_desc *alg;
	const char *why = NULL;
	struct secret *s;
	size_t g;
	bool ok;

	if (size < 1)
		return 0;
	g = data[0] % 10;
	alg = dh_alg_get(groups[g]);
	if (!dh[g])
		dh[g] = dh_new(alg);
	ok = dh_check_public(alg, data + 1, size - 1, &why);
	if (!ok && !why)
		__builtin_trap();
	/* the expensive MODP exponentiation only for values that pass the checks */
	s = dh[g] ? dh_derive(dh[g], data + 1, size - 1, &why) : NULL;
	if (s && !ok)
		__builtin_trap();   /* derive must never accept what the check refused */
	secret_free(s);
	return 0;
}
