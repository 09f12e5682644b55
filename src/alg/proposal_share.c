/* Shared proposal lists: one immutable copy per distinct list, counted.
 * A loaded conn and its engine handle point at these instead of carrying
 * ~4 KiB per list each (issue 13: memory per conn); thousands of conns
 * with the same ike=/esp= (or the defaults) share one copy (lib/share.h). */
#include <pthread.h>
#include <string.h>

#include "alg/proposal.h"
#include "lib/share.h"

/* The meaningful part of pl in a zeroed list: counts and the transforms
 * they count, nothing of the parser's reason or of unused slots. */
static void canonical(const struct proposal_list *pl, struct proposal_list *out)
{
	memset(out, 0, sizeof(*out));
	out->n = pl->n < PROP_MAX ? pl->n : PROP_MAX;
	for (size_t i = 0; i < out->n; i++) {
		const struct proposal *s = &pl->p[i];
		struct proposal *d = &out->p[i];

		d->n_encr = s->n_encr < PROP_MAX_TRANS ? s->n_encr : PROP_MAX_TRANS;
		d->n_prf = s->n_prf < PROP_MAX_TRANS ? s->n_prf : PROP_MAX_TRANS;
		d->n_integ = s->n_integ < PROP_MAX_TRANS ? s->n_integ : PROP_MAX_TRANS;
		d->n_dh = s->n_dh < PROP_MAX_TRANS ? s->n_dh : PROP_MAX_TRANS;
		memcpy(d->encr, s->encr, d->n_encr * sizeof(d->encr[0]));
		memcpy(d->prf, s->prf, d->n_prf * sizeof(d->prf[0]));
		memcpy(d->integ, s->integ, d->n_integ * sizeof(d->integ[0]));
		memcpy(d->dh, s->dh, d->n_dh * sizeof(d->dh[0]));
	}
}

const struct proposal_list *proposals_share(const struct proposal_list *pl)
{
	struct proposal_list c;

	canonical(pl, &c);
	return share_blob(&c, sizeof(c));
}

const struct proposal_list *proposals_ref(const struct proposal_list *pl)
{
	return share_ref(pl);
}

void proposals_unref(const struct proposal_list *pl)
{
	share_drop(pl);
}

static const struct proposal_list *defaults[3];

static void defaults_init(void)
{
	struct proposal_list l;

	for (int k = PROP_IKE; k <= PROP_AH; k++) {
		proposals_default((enum prop_kind)k, &l);
		defaults[k] = proposals_share(&l);   /* this reference is never dropped */
	}
}

const struct proposal_list *proposals_default_shared(enum prop_kind kind)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, defaults_init);
	return defaults[kind];
}
