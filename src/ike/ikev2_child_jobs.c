/* CREATE_CHILD_SA's DH and key derivation as crypto jobs (job.h), and what
 * follows each of them on the loop:
 *
 *   responder, IKE SA rekey:  job: key pair, g^ir, SKEYSEED (§2.18), SK_*
 *                             after: the new IKE SA, the answer {SA, Nr, KEr}
 *   responder, Child SA:      job: [key pair, g^ir], KEYMAT (§2.17)
 *                             after: install, the answer {SA, Nr, [KEr], TS}
 *   initiator, the answers:   job: g^ir with our key pair, keys
 *                             after: the new SA, deletes, sinks
 *
 * The checks ran before the job (ikev2_child.c).  While it is out every
 * message for the IKE SA is dropped (engine.c), so the request or response
 * it answers is taken once; what the SA was waiting on (the larval Child
 * SA, the rekeyed one) is looked up again by serial afterwards. */
#include "ike/child_int.h"

#include <stdlib.h>
#include <string.h>

#include "lib/log.h"

const char ccs_job_busy[] = "crypto job queue full";

/* The Child SA inputs of j: the IKE SA's PRF and a copy of its SK_d. */
static bool child_job_keys(const struct ike_sa *sa, struct ike_job *j, const struct chosen *cs)
{
	j->prf = sa->algs.prf;
	j->child_integ = integ_alg_get(cs->integ);
	return sa->keys.sk_d && alg_cipher_get(cs->encr, cs->keybits, &j->child_encr) &&
	       (j->child_encr.alg->aead || j->child_integ) &&
	       (j->sk_d = secret_dup(sa->keys.sk_d->data, sa->keys.sk_d->len)) != NULL;
}

static void set_nonces(struct ike_job *j, const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen)
{
	memcpy(j->ni, ni, nilen);
	j->ni_len = nilen;
	memcpy(j->nr, nr, nrlen);
	j->nr_len = nrlen;
}

/* ---- initiator: our key pair before the request ---- */

struct ccs_send_ctx {
	enum ccs_kind kind;
	unsigned old_serial;
	uint16_t group;
};

static bool ccs_send(struct ike_sa *sa, enum ccs_kind kind, struct child_sa *old, uint16_t group, struct dh *dh)
{
	if (kind == CCS_REKEY_IKE)
		return ccs_send_rekey_ike_now(sa, group, dh);
	return ccs_send_child_now(sa, old, group, dh);
}

/* A request that could not start: its operation fails, as when the
 * window opened (operations.c: ike_sa_run_pending). */
static void ccs_start_failed(struct ike_sa *sa, enum ccs_kind kind, struct child_sa *old)
{
	if (old)
		old->rekeying = false;
	if (kind == CCS_REKEY_IKE)
		op_sink_done(&sa->rekey_op, IKE_RC_FAILED, "cannot start the IKE SA rekey");
	else if (kind == CCS_REKEY_CHILD && old)
		op_sink_done(&old->rekey_op, IKE_RC_FAILED, "cannot start the Child SA rekey");
	else if (kind == CCS_NEW_CHILD)
		sa_done(sa, IKE_RC_FAILED, "cannot start CREATE_CHILD_SA");
}

static void ccs_keypair_after(struct ike_sa *sa, struct ike_job *j)
{
	const struct ccs_send_ctx *cx = j->ctx;
	struct child_sa *old = cx->kind == CCS_REKEY_CHILD ? child_by_serial(sa->e, cx->old_serial) : NULL;
	bool ok = j->ok && sa->state == IKE_S_ESTABLISHED &&
		  (cx->kind != CCS_REKEY_CHILD || (old && old->ike == sa));
	struct dh *dh = j->dh;

	if (ok) {
		j->dh = NULL;
		if (old)
			old->rekeying = false;   /* ccs_send_child_now() sets it again */
		ok = ccs_send(sa, cx->kind, old, cx->group, dh);
	}
	if (!ok)
		ccs_start_failed(sa, cx->kind, old && old->ike == sa ? old : NULL);
	ike_sa_run_pending(sa);
}

bool ccs_request(struct ike_sa *sa, enum ccs_kind kind, struct child_sa *old, uint16_t group)
{
	struct ike_job *j;
	struct ccs_send_ctx *cx;
	const struct alg_desc *dha = group ? dh_alg_get(group) : NULL;
	struct dh *dh;

	if (!group)
		return ccs_send(sa, kind, old, 0, NULL);
	if (!dha)
		return false;
	j = job_new(sa, JOB_KEYPAIR, ccs_keypair_after);
	cx = calloc(1, sizeof(*cx));
	if (!j || !cx) {
		free(cx);
		ike_job_free(j);
		return false;
	}
	*cx = (struct ccs_send_ctx){ kind, old ? old->serial : 0, group };
	j->ctx = cx;
	j->ctx_len = sizeof(*cx);
	j->dh_alg = dha;
	if (old)
		old->rekeying = true;    /* not rekeyed twice meanwhile */
	if (job_submit(sa, j))
		return true;             /* inline: done (or failed, reported) */
	/* the executor is full: make it here rather than not rekey */
	if (old)
		old->rekeying = false;
	ike_job_free(j);
	dh = dh_new(dha);
	return dh && ccs_send(sa, kind, old, group, dh);
}

/* ---- responder: IKE SA rekey ---- */

/* The new IKE SA from j, answered over sa; false = not answered. */
static bool rekey_ike_answer(struct ike_sa *sa, struct ike_job *j, struct ike_sa *n)
{
	struct msg_build *mb = malloc(sizeof(*mb));
	struct ike_sa_payload sap;
	bool ok;

	if (!mb)
		return false;
	n->spi_i = j->ch.ike_spi;
	n->spi_r = j->aux64;
	n->encr = j->ch.encr;
	n->keybits = j->ch.keybits;
	n->prf = j->ch.prf;
	n->integ = j->ch.integ;
	n->dh_group = j->ch.dh;
	if (!nonce_store(&n->ni, &n->ni_len, j->ni, j->ni_len) || !nonce_store(&n->nr, &n->nr_len, j->nr, j->nr_len))
		return false;
	keys_ike_take(n, &j->algs, &j->keys);
	ike_sa_reindex(n);
	mb_begin(mb, sa, IKEV2_EXCH_CREATE_CHILD_SA, true, j->msgid, true);
	prop_build_chosen(&j->ch, PROP_IKE, 0, n->spi_r, &sap);
	ikeb_sa(&mb->b, &sap);
	ikeb_nonce(&mb->b, n->nr, n->nr_len);
	ccs_add_ke(mb, j->dh);
	ok = msg_send_response(mb);
	free(mb);
	return ok;
}

static void rekey_ike_request_after(struct ike_sa *sa, struct ike_job *j)
{
	struct ike_sa *n = NULL;

	if (!j->ok || sa->state != IKE_S_ESTABLISHED || sa->rekeyed || !(n = ike_sa_new(sa->e, sa->conn, false))) {
		/* a bad KE; or the SA went on meanwhile (deleting, rekeyed) */
		ccs_reply_error(sa, j->msgid, !j->ok && j->bad_ke ? v2N_INVALID_SYNTAX : v2N_TEMPORARY_FAILURE,
				NULL, 0);
		goto out;
	}
	n->predecessor = sa->serial;
	if (!rekey_ike_answer(sa, j, n)) {
		ike_sa_free(n);
		goto out;
	}
	n->local = sa->local;
	n->remote = sa->remote;
	ike_sa_reindex(n);
	if (!ike_sa_set_remote_id(n, sa->remote_id))
		log_error("\"%s\" #%u: out of memory: IKE SA #%u has no peer ID", sa->conn->name, sa->serial, n->serial);
	n->peer_addr = sa->peer_addr;
	n->frag_ok = sa->frag_ok;
	n->nat_local = sa->nat_local;
	n->nat_remote = sa->nat_remote;
	ike_sa_set_state(n, IKE_S_ESTABLISHED);
	ccs_move_children(sa, n);
	ike_established_timers(n);
	if (sa->ccs.kind == CCS_REKEY_IKE)
		collide_ike_note(sa, n);   /* ours is in flight too: resolved on its answer */
	sa->rekeyed = true;
	sa->rekey_at = 0;
	ike_sa_rekeyed(sa, n);
	ike_announce(n);
out:
	ike_sa_run_pending(sa);
}

void ccs_rekey_ike_request_job(struct ike_sa *sa, uint32_t msgid, const struct ccs_msg *x, const struct chosen *cs)
{
	struct ike_job *j = job_new(sa, JOB_IKE_REKEY, rekey_ike_request_after);
	uint64_t spi_r = 0;
	uint8_t nr[IKE_NONCE_LEN];

	if (!j || !job_set_peer_ke(j, x->ke.data, x->ke.len) || !keys_algs_get(cs, &j->algs) || !sa->keys.sk_d ||
	    !(j->sk_d = secret_dup(sa->keys.sk_d->data, sa->keys.sk_d->len)) ||
	    !crypto_random_ike_spi((uint8_t *)&spi_r) || !crypto_random(nr, sizeof(nr))) {
		ike_job_free(j);
		ccs_reply_error(sa, msgid, v2N_TEMPORARY_FAILURE, NULL, 0);
		return;
	}
	j->dh_alg = dh_alg_get(cs->dh);
	j->prf = sa->algs.prf;
	j->ch = *cs;
	j->msgid = msgid;
	j->aux64 = spi_r;
	set_nonces(j, x->n.data, x->n.len, nr, sizeof(nr));
	keys_spis(cs->ike_spi, spi_r, j->spii, j->spir);
	if (!job_submit(sa, j)) {
		ike_job_free(j);
		ccs_reply_error(sa, msgid, v2N_TEMPORARY_FAILURE, NULL, 0);
	}
}

/* ---- responder: new Child SA / Child SA rekey ---- */

static bool child_answer(struct ike_sa *sa, struct ike_job *j, struct child_sa *c, struct child_sa *old)
{
	const struct ike_conn *conn = child_conn(c);
	struct msg_build *mb = malloc(sizeof(*mb));
	struct ike_sa_payload sap;
	bool ours, ok;

	if (!mb)
		return false;
	keys_child_take(c, false, &j->ck);
	mb_begin(mb, sa, IKEV2_EXCH_CREATE_CHILD_SA, true, j->msgid, true);
	if (c->transport)
		ikeb_notify(&mb->b, IKEV2_PROTO_NONE, NULL, 0, v2N_USE_TRANSPORT_MODE, NULL, 0);
	if (conn->send_no_esp_tfc)
		ikeb_notify(&mb->b, IKEV2_PROTO_NONE, NULL, 0, v2N_ESP_TFC_PADDING_NOT_SUPPORTED, NULL, 0);
	prop_build_chosen(&j->ch, PROP_ESP, c->spi_in, 0, &sap);
	ikeb_sa(&mb->b, &sap);
	ikeb_nonce(&mb->b, j->nr, j->nr_len);
	if (j->dh)
		ccs_add_ke(mb, j->dh);
	ikeb_ts(&mb->b, IKEV2_PL_TSi, c->ts_r);
	ikeb_ts(&mb->b, IKEV2_PL_TSr, c->ts_l);
	if (old && sa->e->ops->child_sa_outbound) {
		c->out_pending = true;
		c->out_at = eng_now(sa->e) + IKE_OUTBOUND_DELAY_MS;
	}
	if (old)
		c->replaces = old->serial;
	ours = old && sa->ccs.kind == CCS_REKEY_CHILD && sa->ccs.old_child_serial == old->serial;
	if (ours)
		collide_child_note(c, old, j->ni, j->ni_len, j->nr, j->nr_len);
	/* installed before the answer leaves: the initiator may send ESP on
	 * the new SA the moment it has the answer */
	child_install(c);
	ok = msg_send_response(mb);
	free(mb);
	if (!ok) {
		c->out_pending = false;
		child_sa_delete(c);
		return false;
	}
	child_line(c, false);
	if (old) {
		old->rekey_at = 0;   /* the initiator deletes it */
		old->peer_rekeyed = true;
		if (!ours)
			old->rekeying = false;
	}
	return true;
}

/* The error for a Child SA request whose job came back: 0 = answer it. */
static uint16_t child_after_error(struct ike_sa *sa, struct ike_job *j, struct child_sa *c, struct child_sa *old)
{
	if (!c || c->ike != sa || c->state != CHILD_S_LARVAL || sa->state != IKE_S_ESTABLISHED || sa->rekeyed)
		return v2N_TEMPORARY_FAILURE;
	if (j->aux64 && (!old || old->ike != sa))
		return v2N_CHILD_SA_NOT_FOUND;          /* the rekeyed one went meanwhile */
	if (old && (old->state != CHILD_S_ESTABLISHED || old->redundant || old->delete_pending))
		return v2N_TEMPORARY_FAILURE;           /* §2.25.1: we are closing it */
	if (!j->ok)
		return j->bad_ke ? v2N_INVALID_SYNTAX : v2N_TEMPORARY_FAILURE;
	return 0;
}

static void child_request_after(struct ike_sa *sa, struct ike_job *j)
{
	struct ike_engine *e = sa->e;
	struct child_sa *c = child_by_serial(e, j->aux);
	struct child_sa *old = j->aux64 ? child_by_serial(e, (unsigned)j->aux64) : NULL;
	uint16_t err = child_after_error(sa, j, c, old);

	if (err) {
		if (c && c->ike == sa && c->state == CHILD_S_LARVAL)
			child_sa_free(c);
		ccs_reply_error(sa, j->msgid, err, NULL, 0);
	} else {
		child_answer(sa, j, c, old);
	}
	ike_sa_run_pending(sa);
}

void ccs_child_request_job(struct ike_sa *sa, uint32_t msgid, struct child_sa *c, struct child_sa *old,
			   const struct ccs_msg *x, const struct chosen *cs)
{
	struct ike_job *j = job_new(sa, JOB_CHILD, child_request_after);
	uint8_t nr[IKE_NONCE_LEN];

	if (!j || !child_set_ts(c, &x->sel_l, &x->sel_r) || !child_spi_alloc(c) || !crypto_random(nr, sizeof(nr)) ||
	    !child_job_keys(sa, j, cs) || (cs->dh && !job_set_peer_ke(j, x->ke.data, x->ke.len)))
		goto fail;
	j->dh_alg = cs->dh ? dh_alg_get(cs->dh) : NULL;
	j->ch = *cs;
	j->msgid = msgid;
	j->aux = c->serial;
	j->aux64 = old ? old->serial : 0;
	set_nonces(j, x->n.data, x->n.len, nr, sizeof(nr));
	if (job_submit(sa, j))
		return;
fail:
	ike_job_free(j);
	child_sa_free(c);
	ccs_reply_error(sa, msgid, v2N_TEMPORARY_FAILURE, NULL, 0);
}

/* ---- initiator: the answers ---- */

/* What a Child SA answer's "after" needs of it. */
struct child_resp_ctx {
	struct ike_ts_payload tsi, tsr;
	bool no_tfc;
};

/* Our job for an answer: our key pair (taken from sa->ccs) if any, given
 * back when the executor refuses it. */
static const char *response_submit(struct ike_sa *sa, struct ike_job *j)
{
	j->dh = sa->ccs.dh;
	sa->ccs.dh = NULL;
	if (job_submit(sa, j))
		return NULL;
	sa->ccs.dh = j->dh;
	j->dh = NULL;
	ike_job_free(j);
	return ccs_job_busy;
}

/* After an answer's job: the exchange completes or fails. */
static void response_after(struct ike_sa *sa, struct ike_job *j, const char *(*finish)(struct ike_sa *, struct ike_job *))
{
	struct ike_engine *e = sa->e;
	unsigned serial = sa->serial;
	enum ccs_kind kind = sa->ccs.kind;
	const char *why;

	msg_request_done(sa);
	why = j->ok ? finish(sa, j) : j->why;
	if (why)
		ccs_response_failed(sa, kind, 0, why);
	if (ike_sa_by_serial(e, serial) == sa)
		ike_sa_run_pending(sa);
}

static const char *child_response_finish(struct ike_sa *sa, struct ike_job *j)
{
	struct child_sa *c = sa->ccs.child, *old;
	const struct child_resp_ctx *cx = j->ctx;

	if (!c || sa->ccs.kind == CCS_NONE || sa->ccs.kind == CCS_REKEY_IKE)
		return "no pending Child SA";
	child_apply_chosen(c, &j->ch);
	c->peer_no_tfc = cx->no_tfc;
	if (!child_set_ts(c, &cx->tsi, &cx->tsr))
		return "out of memory";
	keys_child_take(c, true, &j->ck);
	sa->ccs.child = NULL;
	if (sa->ccs.kind == CCS_REKEY_CHILD)
		c->replaces = sa->ccs.old_child_serial;
	child_install(c);
	child_line(c, true);
	old = sa->ccs.kind == CCS_REKEY_CHILD ? child_by_serial(sa->e, sa->ccs.old_child_serial) : NULL;
	if (old && old->state != CHILD_S_ESTABLISHED)
		old = NULL;
	if (sa->ccs.kind == CCS_REKEY_CHILD &&
	    collide_child_resolve(sa, c, sa->ccs.old_child_serial, sa->ccs.n, sa->ccs.n_len, j->nr, j->nr_len)) {
		if (old)
			old->rekeying = false;   /* stays until the peer deletes it */
		ccs_end(sa);
		info_send_delete_child(sa, c);
	} else {
		ccs_end(sa);
		if (old && old->ike == sa) {
			info_send_delete_child(sa, old);
		} else if (old) {
			/* the IKE SA was rekeyed meanwhile: delete over the new one */
			old->delete_pending = true;
			ike_sa_run_pending(old->ike);
		}
	}
	sa_done(sa, IKE_RC_OK, "established");
	return NULL;
}

static void child_response_after(struct ike_sa *sa, struct ike_job *j)
{
	response_after(sa, j, child_response_finish);
}

const char *ccs_child_response_job(struct ike_sa *sa, const struct ccs_msg *x, const struct chosen *cs)
{
	struct ike_job *j = job_new(sa, JOB_CHILD, child_response_after);
	struct child_resp_ctx *cx = calloc(1, sizeof(*cx));

	if (!j || !cx || !child_job_keys(sa, j, cs) || (sa->ccs.dh && !job_set_peer_ke(j, x->ke.data, x->ke.len))) {
		free(cx);
		ike_job_free(j);
		return "Child SA key derivation failed";
	}
	cx->tsi = x->tsi;
	cx->tsr = x->tsr;
	cx->no_tfc = x->no_tfc;
	j->ctx = cx;
	j->ctx_len = sizeof(*cx);
	j->ch = *cs;
	set_nonces(j, sa->ccs.n, sa->ccs.n_len, x->n.data, x->n.len);
	return response_submit(sa, j);
}

static const char *rekey_ike_response_finish(struct ike_sa *sa, struct ike_job *j)
{
	struct ike_sa *n = sa->ccs.new_ike;

	if (!n || sa->ccs.kind != CCS_REKEY_IKE)
		return "no pending IKE SA";
	n->spi_r = j->ch.ike_spi;
	n->encr = j->ch.encr;
	n->keybits = j->ch.keybits;
	n->prf = j->ch.prf;
	n->integ = j->ch.integ;
	n->dh_group = j->ch.dh;
	if (!nonce_store(&n->ni, &n->ni_len, j->ni, j->ni_len) || !nonce_store(&n->nr, &n->nr_len, j->nr, j->nr_len))
		return "out of memory";
	keys_ike_take(n, &j->algs, &j->keys);
	n->local = sa->local;
	n->remote = sa->remote;
	ike_sa_reindex(n);
	if (!ike_sa_set_remote_id(n, sa->remote_id))
		return "out of memory";
	n->peer_addr = sa->peer_addr;
	n->frag_ok = sa->frag_ok;
	n->nat_local = sa->nat_local;
	n->nat_remote = sa->nat_remote;
	ike_sa_set_state(n, IKE_S_ESTABLISHED);
	sa->ccs.new_ike = NULL;
	ccs_end(sa);
	ike_established_timers(n);
	if (collide_ike_resolve(sa, n))
		return NULL;   /* ours was redundant: deleted; the peer deletes sa */
	ccs_move_children(sa, n);
	ike_sa_rekeyed(sa, n);
	ike_announce(n);
	sa->rekeyed = true;
	info_send_delete_ike(sa);
	return NULL;
}

static void rekey_ike_response_after(struct ike_sa *sa, struct ike_job *j)
{
	response_after(sa, j, rekey_ike_response_finish);
}

const char *ccs_rekey_ike_response_job(struct ike_sa *sa, const struct ccs_msg *x, const struct chosen *cs)
{
	struct ike_job *j = job_new(sa, JOB_IKE_REKEY, rekey_ike_response_after);

	if (!j || !job_set_peer_ke(j, x->ke.data, x->ke.len) || !keys_algs_get(cs, &j->algs) || !sa->keys.sk_d ||
	    !(j->sk_d = secret_dup(sa->keys.sk_d->data, sa->keys.sk_d->len))) {
		ike_job_free(j);
		return "IKE rekey key derivation failed";
	}
	j->prf = sa->algs.prf;
	j->ch = *cs;
	set_nonces(j, sa->ccs.n, sa->ccs.n_len, x->n.data, x->n.len);
	keys_spis(sa->ccs.new_ike->spi_i, cs->ike_spi, j->spii, j->spir);
	return response_submit(sa, j);
}
