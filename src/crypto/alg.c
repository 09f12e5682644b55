/* The crypto module's view of the algorithm registry (src/alg/alg.c): the
 * implemented PRF, INTEG and DH descriptors, NONE excluded. */
#include "crypto/crypto.h"

static const struct alg_desc *get(enum ikev2_trans_type type, unsigned id)
{
	return id ? alg_get(type, id) : NULL;
}

const struct alg_desc *prf_alg_get(unsigned id) { return get(IKEV2_TRANS_PRF, id); }
const struct alg_desc *integ_alg_get(unsigned id) { return get(IKEV2_TRANS_INTEG, id); }
const struct alg_desc *dh_alg_get(unsigned id) { return get(IKEV2_TRANS_DH, id); }
