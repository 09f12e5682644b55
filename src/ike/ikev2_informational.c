/* INFORMATIONAL (RFC 7296 §1.4, §1.5): Delete of the IKE SA or Child SAs
 * and liveness checks.
 *
 *   HDR, SK {[N,] [D,] [CP,] ...}  -->
 *                  <--  HDR, SK {[N,] [D,] [CP], ...}
 *
 * Deleting Child SAs: the response carries D with our inbound SPIs of the
 * pairs the peer deleted (§1.4.1).  Deleting the IKE SA: empty response. */
#include "ike/sa.h"

#include <stdlib.h>
#include <string.h>

#include "lib/log.h"

static bool send_simple(struct ike_sa *sa, uint8_t proto, uint8_t spi_size, uint16_t count, const uint8_t *spis)
{
	struct msg_build *mb = malloc(sizeof(*mb));
	bool ok;

	if (!mb)
		return false;
	mb_begin(mb, sa, IKEV2_EXCH_INFORMATIONAL, false, sa->next_msgid, true);
	if (proto)
		ikeb_delete(&mb->b, proto, spi_size, count, spis);
	ok = msg_send_request(mb);
	free(mb);
	return ok;
}

bool info_send_delete_ike(struct ike_sa *sa)
{
	uint64_t aged = eng_now(sa->e) - sa->created;

	if (!sa->rekeyed)
		sa_line(sa, 2, "deleting state (%s) aged %llu.%03llus and sending notification",
			ike_state_name(sa->state), (unsigned long long)(aged / 1000),
			(unsigned long long)(aged % 1000));
	if (!send_simple(sa, IKEV2_PROTO_IKE, 0, 0, NULL)) {
		ike_sa_destroy(sa, "cannot send delete");
		return false;
	}
	ike_sa_set_state(sa, IKE_S_DELETING);
	return true;
}

bool info_send_delete_child(struct ike_sa *sa, struct child_sa *c)
{
	uint8_t spi[4];

	put_be32(spi, c->spi_in);
	if (!send_simple(sa, IKEV2_PROTO_ESP, 4, 1, spi))
		return false;
	child_sa_set_state(c, CHILD_S_DELETING);
	log_info("\"%s\" #%u: sent INFORMATIONAL delete for Child SA #%u", child_conn(c)->name, sa->serial, c->serial);
	return true;
}

bool info_send_liveness(struct ike_sa *sa)
{
	log_debug("\"%s\" #%u: liveness probe", sa->conn->name, sa->serial);
	if (!send_simple(sa, 0, 0, 0, NULL))
		return false;
	sa->out.liveness = true;
	eng_deadline_changed(sa->e);
	return true;
}

void info_recv_request(struct ike_sa *sa, struct ike_msg *m)
{
	const struct ike_chain *ch = &m->inner;
	const struct pl_view *v = NULL;
	struct msg_build *mb = malloc(sizeof(*mb));
	uint8_t spis[4 * 64];
	uint16_t n = 0;
	bool delete_ike = false;

	if (!mb)
		return;
	if (chain_notify(ch, v2N_AUTHENTICATION_FAILED, NULL))
		delete_ike = true;   /* the initiator refused our AUTH */
	while ((v = ike_chain_find(ch, IKEV2_PL_DELETE, v)) != NULL) {
		struct ike_delete d;

		if (ike_delete_decode(v->body, v->len, &d) != WIRE_OK) {
			eng_drop(sa->e, DROP_MALFORMED_PAYLOAD, "#%u: malformed Delete payload", sa->serial);
			free(mb);
			return;
		}
		if (d.proto == IKEV2_PROTO_IKE) {
			delete_ike = true;
			continue;
		}
		if (d.proto != IKEV2_PROTO_ESP)
			continue;   /* no AH SAs here: nothing to delete */
		for (unsigned i = 0; i < d.count; i++) {
			struct child_sa *c = child_by_spi_out(sa, ike_delete_spi32(&d, i));

			if (!c)
				continue;
			if (n < 64)
				put_be32(spis + 4 * n++, c->spi_in);
			log_info("\"%s\" #%u: peer deleted Child SA #%u", child_conn(c)->name, sa->serial, c->serial);
			child_sa_delete(c);
		}
	}
	mb_begin(mb, sa, IKEV2_EXCH_INFORMATIONAL, true, m->hdr.msgid, true);
	if (n && !delete_ike)
		ikeb_delete(&mb->b, IKEV2_PROTO_ESP, 4, n, spis);
	msg_send_response(mb);
	free(mb);
	if (delete_ike) {
		collide_ike_deleted(sa);
		sa_done(sa, IKE_RC_FAILED, "IKE SA deleted by the peer");
		ike_sa_destroy(sa, sa->rekeyed ? "replaced by rekey" : "deleted by the peer");
		return;
	}
	ike_sa_run_pending(sa);
}

void info_recv_response(struct ike_sa *sa, struct ike_msg *m)
{
	struct child_sa *c, *next;

	(void)m;
	msg_request_done(sa);
	if (sa->state == IKE_S_DELETING) {
		ike_sa_destroy(sa, sa->rekeyed ? "replaced by rekey" : "delete acknowledged");
		return;
	}
	for (c = sa->children; c; c = next) {
		next = c->next;
		if (c->state == CHILD_S_DELETING)
			child_sa_delete(c);
	}
	ike_sa_run_pending(sa);
}
