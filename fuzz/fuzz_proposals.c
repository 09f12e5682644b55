/* libFuzzer target: ike=/esp=/ah= proposal parsing and formatting.
 * The first byte picks the kind; the rest is the value text. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config/proposals.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct proposal_list l, l2;
	char text[1024], out[4096];
	const char *why = NULL;

	if (size < 1 || size > sizeof text)
		return 0;
	enum prop_kind kind = (enum prop_kind)(data[0] % 3);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	if (!proposals_parse(kind, text, &l, &why)) {
		if (why == NULL || strlen(why) >= PROP_WHY_MAX)
			__builtin_trap();
		return 0;
	}
	size_t n = proposals_fmt(kind, &l, out, sizeof out);
	if (n >= sizeof out || strlen(out) != n)
		__builtin_trap();
	for (size_t i = 0; i < l.n; i++) {
		const struct proposal *p = &l.p[i];
		if (p->n_encr > PROP_MAX_TRANS || p->n_prf > PROP_MAX_TRANS ||
		    p->n_integ > PROP_MAX_TRANS || p->n_dh > PROP_MAX_TRANS)
			__builtin_trap();
		if (kind == PROP_IKE && (p->n_encr == 0 || p->n_prf == 0 || p->n_dh == 0))
			__builtin_trap();
		char one[1024];
		proposal_fmt(kind, p, one, sizeof one);
	}
	/* A single formatted proposal is not always re-parseable (Libreswan's
	 * display names differ from its input names), but a tiny buffer must
	 * still be safe. */
	char tiny[3];
	proposals_fmt(kind, &l, tiny, sizeof tiny);
	(void)l2;
	return 0;
}
