/* IKE_SA_INIT, the responder's side (RFC 7296 §1.2; the initiator's and
 * the shared helpers: ikev2_sa_init.c):
 *
 *   HDR, [N(COOKIE)], SAi1, KEi, Ni, [N(NAT_DETECTION_*)], [N(FRAG)]  -->
 *                  <--  HDR, SAr1, KEr, Nr, [N(NAT_DETECTION_*)], [N(FRAG)]
 *                  <--  HDR, N(COOKIE) | N(INVALID_KE_PAYLOAD) | N(NO_PROPOSAL_CHOSEN)
 *
 * Checks and the proposal on the loop; our key pair, g^ir and SK_* in a
 * crypto job; the answer from its "after". */
#include "ike/sa_init_int.h"

#include <stdlib.h>
#include <string.h>

#include "lib/log.h"

static bool respond_init(struct ike_sa *sa, const struct chosen *ch, const struct dh *dh)
{
	struct msg_build *mb = malloc(sizeof(*mb));
	struct ike_sa_payload sap;
	const uint8_t *pub;
	size_t publen;
	bool ok = false;

	if (!mb)
		return false;
	pub = dh_public(dh, &publen);
	mb_begin(mb, sa, IKEV2_EXCH_IKE_SA_INIT, true, 0, false);
	prop_build_chosen(ch, PROP_IKE, 0, 0, &sap);
	ikeb_sa(&mb->b, &sap);
	ikeb_ke(&mb->b, sa->dh_group, pub, publen);
	ikeb_nonce(&mb->b, sa->nr, sa->nr_len);
	sa_init_notifies(mb, sa);
	ok = msg_send_response(mb) && sa->cache.pkts.n == 1 &&
	     sa_init_copy_msg(&sa->init_resp, &sa->init_resp_len, sa->cache.pkts.p[0], sa->cache.pkts.len[0]);
	free(mb);
	return ok;
}

/* After the job (our key pair, g^ir, SK_*): answer, or the SA goes. */
static void respond_init_after(struct ike_sa *sa, struct ike_job *j)
{
	struct ike_engine *e = sa->e;

	if (!j->ok) {
		eng_drop(e, j->bad_ke ? DROP_BAD_KE : DROP_CRYPTO, "IKE_SA_INIT: %s", j->why);
		if (j->bad_ke)
			e->drops[DROP_CRYPTO]++;
		ike_sa_destroy(sa, "IKE_SA_INIT failed");
		return;
	}
	keys_ike_take(sa, &j->algs, &j->keys);
	if (!respond_init(sa, &j->ch, j->dh)) {
		e->drops[DROP_CRYPTO]++;
		ike_sa_destroy(sa, "IKE_SA_INIT failed");
		return;
	}
	log_info("\"%s\" #%u: responding to IKE_SA_INIT", sa->conn->name, sa->serial);
}

/* The responder's checks before any SA exists: true = go on with conn
 * (a reference is not taken) and the chosen proposal. */
static bool init_request_ok(struct ike_engine *e, struct ike_msg *m, const struct ike_sa_payload *sap,
			    const struct ike_ke *ke, const struct ike_endpoint *local,
			    const struct ike_endpoint *remote, struct ike_conn **connp, struct chosen *ch)
{
	struct ike_conn *conn;
	const char *why = NULL;
	uint8_t grp[2];

	conn = e->ops->find_conn_for_responder ? e->ops->find_conn_for_responder(e->ctx, local, remote, NULL, NULL) : NULL;
	if (!conn) {
		eng_drop(e, DROP_NO_CONN, "IKE_SA_INIT: no connection for the peer");
		send_plain_notify(e, &m->hdr, v2N_NO_PROPOSAL_CHOSEN, NULL, 0, local, remote);
		return false;
	}
	if (!prop_select(sap, conn->ike, PROP_IKE, true, IKE_ESN_EITHER, ch)) {
		log_info("\"%s\": IKE_SA_INIT: no acceptable proposal; responding NO_PROPOSAL_CHOSEN", conn->name);
		send_plain_notify(e, &m->hdr, v2N_NO_PROPOSAL_CHOSEN, NULL, 0, local, remote);
		return false;
	}
	if (ke->group != ch->dh) {
		put_be16(grp, ch->dh);
		e->stats.invalid_ke_sent++;
		log_info("\"%s\": IKE_SA_INIT: KE group %u, want %u; responding INVALID_KE_PAYLOAD", conn->name,
			 ke->group, ch->dh);
		send_plain_notify(e, &m->hdr, v2N_INVALID_KE_PAYLOAD, grp, 2, local, remote);
		return false;
	}
	if (!dh_check_public(dh_alg_get(ch->dh), ke->data, ke->len, &why)) {
		eng_drop(e, DROP_BAD_KE, "IKE_SA_INIT: %s", why);
		send_plain_notify(e, &m->hdr, v2N_INVALID_SYNTAX, NULL, 0, local, remote);
		return false;
	}
	*connp = conn;
	return true;
}

/* The job of a new responder SA: our key pair, g^ir, SKEYSEED, SK_*. */
static struct ike_job *init_job(struct ike_sa *sa, const struct ike_ke *ke, const struct chosen *ch)
{
	struct ike_job *j = job_new(sa, JOB_IKE_SA_INIT, respond_init_after);

	if (!j || !job_set_peer_ke(j, ke->data, ke->len) || !keys_algs_get(ch, &j->algs)) {
		ike_job_free(j);
		return NULL;
	}
	j->dh_alg = dh_alg_get(ch->dh);
	j->ch = *ch;
	memcpy(j->ni, sa->ni, sa->ni_len);
	j->ni_len = sa->ni_len;
	memcpy(j->nr, sa->nr, sa->nr_len);
	j->nr_len = sa->nr_len;
	keys_spis(sa->spi_i, sa->spi_r, j->spii, j->spir);
	return j;
}

void sa_init_recv_request(struct ike_engine *e, struct ike_msg *m, const struct ike_endpoint *local,
			  const struct ike_endpoint *remote)
{
	const struct ike_chain *c = &m->outer;
	struct ike_conn *conn = NULL;
	struct ike_sa_payload *sap = malloc(sizeof(*sap));
	struct ike_ke ke;
	struct ike_nonce ni;
	struct chosen ch;
	struct ike_sa *sa = NULL;
	struct ike_job *j;
	bool proven;

	if (!sap || !sa_init_decode(e, c, sap, &ke, &ni))
		goto out;
	if (e->cfg.halfopen_none || e->n_halfopen >= e->cfg.max_halfopen) {
		eng_drop(e, DROP_HALF_OPEN, "%zu half-open IKE SAs (max-halfopen-ike=%u)", e->n_halfopen,
			 e->cfg.halfopen_none ? 0 : e->cfg.max_halfopen);
		goto out;
	}
	/* a request over IKE_INIT_UNPROVEN_MAX is kept (for AUTH) only from a
	 * peer that showed it receives at its address: forged ones stay small */
	if (!cookie_check_request(e, m, &ni, local, remote,
				  m->raw_len > IKE_INIT_UNPROVEN_MAX || halfopen_src_busy(e, &remote->addr), &proven))
		goto out;
	if (proven && halfopen_src_full(e, &remote->addr)) {
		eng_drop(e, DROP_HALF_OPEN_SOURCE, "%u half-open IKE SAs from this address", e->cfg.max_halfopen_per_source);
		goto out;
	}
	if (e->n_sas >= e->cfg.max_ike_sas) {
		eng_drop(e, DROP_TOO_MANY_SAS, "%zu IKE SAs", e->cfg.max_ike_sas);
		goto out;
	}
	if (!init_request_ok(e, m, sap, &ke, local, remote, &conn, &ch))
		goto out;
	sa = ike_sa_new(e, conn, false);
	if (!sa)
		goto out;
	sa->local = *local;
	sa->remote = *remote;
	halfopen_src_enter(sa, proven);
	sa->spi_i = m->hdr.spi_i;
	sa->encr = ch.encr;
	sa->keybits = ch.keybits;
	sa->prf = ch.prf;
	sa->integ = ch.integ;
	sa->dh_group = ch.dh;
	sa->frag_ok = conn->fragmentation && chain_notify(c, v2N_IKEV2_FRAGMENTATION_SUPPORTED, NULL);
	if (!nonce_store(&sa->ni, &sa->ni_len, ni.data, ni.len) || !crypto_random_ike_spi((uint8_t *)&sa->spi_r) ||
	    !nonce_store(&sa->nr, &sa->nr_len, NULL, IKE_NONCE_LEN) ||
	    !sa_init_copy_msg(&sa->init_req, &sa->init_req_len, m->raw, m->raw_len))
		goto fail;
	ike_sa_reindex(sa);
	nat_process(sa, c, 0);
	j = init_job(sa, &ke, &ch);
	if (!j)
		goto fail;
	/* from here the job owns the outcome (inline: sa may be gone already) */
	if (!job_submit(sa, j)) {
		ike_job_free(j);
		ike_sa_destroy(sa, "crypto job queue full");
	}
	goto out;
fail:
	e->drops[DROP_CRYPTO]++;
	ike_sa_destroy(sa, "IKE_SA_INIT failed");
out:
	free(sap);
}

