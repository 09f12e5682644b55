/* libFuzzer: SA payload decoder; anything accepted must survive
 * encode → decode unchanged (attributes other than KEY_LENGTH aside). */
#include <stdlib.h>

#include "ike/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ike_sa_payload sa, again;
	static uint8_t buf[IKE_MSG_MAX];
	static const struct ike_hdr h = { .major = 2, .exch = IKEV2_EXCH_IKE_SA_INIT };
	static struct ike_msg m;
	struct ikeb b;
	size_t n;

	if (ike_sa_decode(data, size, &sa) != WIRE_OK)
		return 0;
	for (unsigned p = 0; p < sa.n_prop; p++)
		for (unsigned t = 0; t < sa.prop[p].n_trans; t++)
			sa.prop[p].trans[t].unknown_attr = false;
	ikeb_begin(&b, buf, sizeof(buf), &h);
	ikeb_sa(&b, &sa);
	n = ikeb_finish(&b);
	if (n == 0 || ike_msg_decode(buf, n, &m) != WIRE_OK)
		abort();
	if (ike_sa_decode(m.outer.pl[0].body, m.outer.pl[0].len, &again) != WIRE_OK)
		abort();
	if (again.n_prop != sa.n_prop)
		abort();
	for (unsigned p = 0; p < sa.n_prop; p++) {
		const struct ike_proposal *x = &sa.prop[p], *y = &again.prop[p];
		if (x->num != y->num || x->proto != y->proto || x->spi_size != y->spi_size ||
		    memcmp(x->spi, y->spi, sizeof(x->spi)) || x->n_trans != y->n_trans)
			abort();
		for (unsigned t = 0; t < x->n_trans; t++)
			if (x->trans[t].type != y->trans[t].type || x->trans[t].id != y->trans[t].id ||
			    x->trans[t].key_len != y->trans[t].key_len)
				abort();
	}
	return 0;
}
