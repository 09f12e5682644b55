/* Internal to IKE_SA_INIT: what ikev2_sa_init.c (initiator) and
 * ikev2_sa_init_r.c (responder) share. */
#ifndef CYGNET_IKE_SA_INIT_INT_H
#define CYGNET_IKE_SA_INIT_INT_H

#include "ike/job.h"

/* *dst = a copy of p (the old one freed); false = out of memory. */
bool sa_init_copy_msg(uint8_t **dst, size_t *dlen, const uint8_t *p, size_t len);
/* NAT detection, fragmentation and signature hash notifies of sa's message. */
void sa_init_notifies(struct msg_build *mb, struct ike_sa *sa);
/* SA, KE and Nonce of an IKE_SA_INIT message; false = dropped (counted). */
bool sa_init_decode(struct ike_engine *e, const struct ike_chain *c, struct ike_sa_payload *sap,
		    struct ike_ke *ke, struct ike_nonce *n);

#endif
