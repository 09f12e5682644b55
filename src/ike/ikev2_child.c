/* CREATE_CHILD_SA (RFC 7296 §1.3):
 *
 * New Child SA / Child SA rekey (§1.3.1, §1.3.3):
 *   HDR, SK {[N(REKEY_SA)], SA, Ni, [KEi], TSi, TSr}  -->
 *                  <--  HDR, SK {SA, Nr, [KEr], TSi, TSr}
 * IKE SA rekey (§1.3.2, keys per §2.18):
 *   HDR, SK {SA, Ni, KEi}  -->
 *                  <--  HDR, SK {SA, Nr, KEr}
 * Errors: <-- HDR, SK {N(NO_PROPOSAL_CHOSEN | INVALID_KE_PAYLOAD |
 *                         TS_UNACCEPTABLE | CHILD_SA_NOT_FOUND | TEMPORARY_FAILURE)}
 *
 * Collisions (§2.8.1, §2.8.2): when both ends rekey the same SA at once,
 * both requests are answered as usual; once both exchanges completed, the
 * new SA with the lowest of the four nonces is deleted by its creator
 * (collide.c).  A request to rekey an SA we are deleting is answered with
 * TEMPORARY_FAILURE (§2.25.1/2); TEMPORARY_FAILURE to our own rekey makes us
 * retry 1-3 s later (§2.25). */
#include "ike/child_int.h"

#include <stdlib.h>
#include <string.h>

#include "lib/log.h"

static uint16_t pfs_group(const struct ike_sa *sa, const struct ike_conn *conn)
{
	uint16_t g = prop_first_dh(conn->esp);

	return g ? g : sa->dh_group;
}

/* The ESP proposals with PFS: proposals without a DH list use the IKE SA's
 * group (Libreswan: esp= without ;dh means "the IKE SA's group"). */
static struct proposal_list *esp_pfs_list(const struct ike_sa *sa, const struct ike_conn *conn)
{
	struct proposal_list *l = malloc(sizeof(*l));

	if (!l)
		return NULL;
	*l = *conn->esp;
	for (size_t i = 0; i < l->n; i++)
		if (l->p[i].n_dh == 0) {
			l->p[i].dh[0].id = sa->dh_group;
			l->p[i].n_dh = 1;
		}
	return l;
}

/* dh: our key pair for group (taken), NULL without a KE. */
static bool ccs_begin(struct ike_sa *sa, enum ccs_kind kind, uint16_t group, struct dh *dh)
{
	sa->ccs.dh = dh;
	sa->ccs.kind = kind;
	sa->ccs.n_len = IKE_NONCE_LEN;
	sa->ccs.dh_group = group;
	return crypto_random(sa->ccs.n, sa->ccs.n_len) && (!group || dh);
}

void ccs_end(struct ike_sa *sa)
{
	dh_free(sa->ccs.dh);
	if (sa->ccs.new_ike)
		ike_sa_free(sa->ccs.new_ike);
	if (sa->ccs.child && sa->ccs.child->state == CHILD_S_LARVAL)
		child_sa_free(sa->ccs.child);
	secret_wipe(&sa->ccs, sizeof(sa->ccs));
}

void ccs_add_ke(struct msg_build *mb, const struct dh *dh)
{
	size_t len;
	const uint8_t *pub = dh_public(dh, &len);

	ikeb_ke(&mb->b, dh_get_alg(dh)->id, pub, len);
}

bool ccs_send_child_now(struct ike_sa *sa, struct child_sa *old, uint16_t group, struct dh *dh)
{
	struct msg_build *mb = malloc(sizeof(*mb));
	struct ike_sa_payload *sap = malloc(sizeof(*sap));
	struct child_sa *c = NULL;
	struct ike_conn *conn = old ? child_conn(old) : sa->conn;
	bool ok = false;

	if (!ccs_begin(sa, old ? CCS_REKEY_CHILD : CCS_NEW_CHILD, group, dh) || !mb || !sap)
		goto out;
	c = child_sa_new(sa);
	if (!c || !child_spi_alloc(c))
		goto out;
	child_sa_set_conn(c, conn);   /* old may go while the rekey is in flight */
	c->transport = old ? old->transport : sa->conn->transport;
	if (old) {
		if (!child_set_ts(c, old->ts_l, old->ts_r))
			goto out;
	} else {
		struct ike_ts_payload tl, tr;

		ts_from_end(&sa->conn->local, &sa->local, &tl);
		ts_from_end(&sa->conn->remote, &sa->remote, &tr);
		if (!child_set_ts(c, &tl, &tr))
			goto out;
	}
	sa->ccs.child = c;
	mb_begin(mb, sa, IKEV2_EXCH_CREATE_CHILD_SA, false, sa->next_msgid, true);
	if (old) {
		uint8_t spi[4];

		put_be32(spi, old->spi_in);
		ikeb_notify(&mb->b, IKEV2_PROTO_ESP, spi, 4, v2N_REKEY_SA, NULL, 0);
		sa->ccs.old_child_serial = old->serial;
		old->rekeying = true;
	}
	if (c->transport)
		ikeb_notify(&mb->b, IKEV2_PROTO_NONE, NULL, 0, v2N_USE_TRANSPORT_MODE, NULL, 0);
	if (conn->send_no_esp_tfc)
		ikeb_notify(&mb->b, IKEV2_PROTO_NONE, NULL, 0, v2N_ESP_TFC_PADDING_NOT_SUPPORTED, NULL, 0);
	{
		struct proposal_list *pl = esp_pfs_list(sa, conn);

		if (!pl)
			goto out;
		prop_build_sa(group ? pl : conn->esp, PROP_ESP, group != 0, conn->esn, c->spi_in, 0, group, sap);
		free(pl);
	}
	ikeb_sa(&mb->b, sap);
	ikeb_nonce(&mb->b, sa->ccs.n, sa->ccs.n_len);
	if (sa->ccs.dh)
		ccs_add_ke(mb, sa->ccs.dh);
	ikeb_ts(&mb->b, IKEV2_PL_TSi, c->ts_l);
	ikeb_ts(&mb->b, IKEV2_PL_TSr, c->ts_r);
	if (!old)
		child_sa_line(c, 2, "initiating Child SA using IKE SA #%u", sa->serial);
	ok = msg_send_request(mb);
	if (ok)
		child_sa_line(c, 189, "sent CREATE_CHILD_SA request %s IPsec SA", old ? "to rekey" : "for new");
out:
	if (!ok) {
		if (old)
			old->rekeying = false;
		ccs_end(sa);
	}
	free(mb);
	free(sap);
	return ok;
}

bool child_send_new(struct ike_sa *sa)
{
	return ccs_request(sa, CCS_NEW_CHILD, NULL, sa->conn->pfs ? pfs_group(sa, sa->conn) : 0);
}

bool child_send_rekey(struct ike_sa *sa, struct child_sa *c)
{
	const struct ike_conn *conn = child_conn(c);

	return ccs_request(sa, CCS_REKEY_CHILD, c, conn->pfs ? pfs_group(sa, conn) : 0);
}

bool child_send_rekey_ike(struct ike_sa *sa) { return ccs_request(sa, CCS_REKEY_IKE, NULL, sa->dh_group); }

bool ccs_send_rekey_ike_now(struct ike_sa *sa, uint16_t group, struct dh *dh)
{
	struct msg_build *mb = malloc(sizeof(*mb));
	struct ike_sa_payload *sap = malloc(sizeof(*sap));
	struct ike_sa *n;
	bool ok = false;

	if (!ccs_begin(sa, CCS_REKEY_IKE, group, dh) || !mb || !sap)
		goto out;
	n = ike_sa_new(sa->e, sa->conn, true);
	if (!n)
		goto out;
	ike_sa_make_larval(n);
	sa->ccs.new_ike = n;
	if (!crypto_random_ike_spi((uint8_t *)&n->spi_i))
		goto out;
	ike_sa_reindex(n);
	mb_begin(mb, sa, IKEV2_EXCH_CREATE_CHILD_SA, false, sa->next_msgid, true);
	prop_build_sa(sa->conn->ike, PROP_IKE, true, IKE_ESN_EITHER, 0, n->spi_i, group, sap);
	ikeb_sa(&mb->b, sap);
	ikeb_nonce(&mb->b, sa->ccs.n, sa->ccs.n_len);
	ccs_add_ke(mb, sa->ccs.dh);
	ok = msg_send_request(mb);
	if (ok)
		sa_line(sa, 2, "sent CREATE_CHILD_SA request to rekey IKE SA");
out:
	if (!ok)
		ccs_end(sa);
	free(mb);
	free(sap);
	return ok;
}

/* ---- shared decoding ---- */

static bool ccs_decode(const struct ike_chain *ch, struct ccs_msg *x)
{
	const struct pl_view *vs = ike_chain_find(ch, IKEV2_PL_SA, NULL);
	const struct pl_view *vn = ike_chain_find(ch, IKEV2_PL_NONCE, NULL);
	const struct pl_view *vk = ike_chain_find(ch, IKEV2_PL_KE, NULL);
	const struct pl_view *vi = ike_chain_find(ch, IKEV2_PL_TSi, NULL);
	const struct pl_view *vr = ike_chain_find(ch, IKEV2_PL_TSr, NULL);

	memset(x, 0, sizeof(*x));
	if (!vs || !vn || ike_sa_decode(vs->body, vs->len, &x->sa) != WIRE_OK ||
	    ike_nonce_decode(vn->body, vn->len, &x->n) != WIRE_OK)
		return false;
	if (vk) {
		if (ike_ke_decode(vk->body, vk->len, &x->ke) != WIRE_OK)
			return false;
		x->have_ke = true;
	}
	if (vi && vr) {
		if (ike_ts_decode(vi->body, vi->len, &x->tsi) != WIRE_OK ||
		    ike_ts_decode(vr->body, vr->len, &x->tsr) != WIRE_OK)
			return false;
		x->have_ts = true;
	}
	x->no_tfc = chain_notify(ch, v2N_ESP_TFC_PADDING_NOT_SUPPORTED, NULL);
	return true;
}

void ccs_reply_error(struct ike_sa *sa, uint32_t msgid, uint16_t err, const uint8_t *data, size_t len)
{
	struct msg_build *mb = malloc(sizeof(*mb));

	if (!mb)
		return;
	if (err == v2N_INVALID_KE_PAYLOAD)
		sa->e->stats.invalid_ke_sent++;
	log_info("\"%s\" #%u: refusing CREATE_CHILD_SA with %s", sa->conn->name, sa->serial,
		 ikev2_notify_name(err) ? ikev2_notify_name(err) : "error");
	mb_begin(mb, sa, IKEV2_EXCH_CREATE_CHILD_SA, true, msgid, true);
	ikeb_notify(&mb->b, IKEV2_PROTO_NONE, NULL, 0, err, data, len);
	msg_send_response(mb);
	free(mb);
}

void ccs_move_children(struct ike_sa *from, struct ike_sa *to)
{
	while (from->children)
		child_sa_move(from->children, to);
}

/* ---- responder ---- */

/* The IKE SA the peer's rekey replaced with this one, not deleted yet:
 * the peer must delete it (§2.18) before it rekeys again, or a peer that
 * never deletes keeps one IKE SA per rekey up to the engine's cap.  One
 * left over for longer than a retransmission timeout (the peer's delete
 * was lost, or never sent) we delete ourselves, so that the peer's retry
 * of this rekey gets through. */
static bool predecessor_alive(struct ike_sa *sa)
{
	struct ike_sa *p = sa->predecessor ? ike_sa_by_serial(sa->e, sa->predecessor) : NULL;
	uint64_t now = eng_now(sa->e);

	if (!p || p->state == IKE_S_DEAD)
		return false;
	if (p->state == IKE_S_ESTABLISHED && now >= sa->established_at + IKE_REKEYED_GRACE_MS &&
	    (!p->replace_at || p->replace_at > now)) {
		p->replace_at = now;   /* its timer sends the delete */
		ike_sa_dirty(p);
	}
	return true;
}

static void rekey_ike_request(struct ike_sa *sa, struct ike_msg *m, struct ccs_msg *x)
{
	struct chosen cs;
	uint8_t grp[2];

	if (predecessor_alive(sa)) {
		sa->e->drops[DROP_IKE_REKEY_UNDELETED]++;
		ccs_reply_error(sa, m->hdr.msgid, v2N_TEMPORARY_FAILURE, NULL, 0);
		return;
	}
	if (!prop_select(&x->sa, sa->conn->ike, PROP_IKE, true, IKE_ESN_EITHER, &cs) || !cs.ike_spi) {
		ccs_reply_error(sa, m->hdr.msgid, v2N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	if (!x->have_ke || x->ke.group != cs.dh) {
		put_be16(grp, cs.dh);
		ccs_reply_error(sa, m->hdr.msgid, v2N_INVALID_KE_PAYLOAD, grp, 2);
		return;
	}
	ccs_rekey_ike_request_job(sa, m->hdr.msgid, x, &cs);
}

/* The Child SA a REKEY_SA notify names (*old NULL: none, a new Child SA);
 * false = the request was answered with an error. */
static bool request_old_child(struct ike_sa *sa, const struct ike_msg *m, struct child_sa **old)
{
	struct ike_notify rn;
	int rk = chain_notify_find(&m->inner, v2N_REKEY_SA, &rn);
	uint32_t spi;

	*old = NULL;
	if (rk < 0) {
		eng_drop(sa->e, DROP_MALFORMED_PAYLOAD, "#%u: malformed REKEY_SA (protocol/SPI)", sa->serial);
		ccs_reply_error(sa, m->hdr.msgid, v2N_INVALID_SYNTAX, NULL, 0);
		return false;
	}
	if (rk == 0)
		return true;
	spi = ike_notify_spi32(&rn);
	if (rn.proto != IKEV2_PROTO_ESP ||
	    (!(*old = child_by_spi_out(sa, spi)) && !(*old = child_by_spi_in(sa, spi))) ||
	    ((*old)->state != CHILD_S_ESTABLISHED && (*old)->state != CHILD_S_DELETING)) {
		ccs_reply_error(sa, m->hdr.msgid, v2N_CHILD_SA_NOT_FOUND, NULL, 0);
		return false;
	}
	if ((*old)->state == CHILD_S_DELETING || (*old)->redundant || (*old)->delete_pending ||
	    child_conn(*old)->gone) {
		/* §2.25.1: we are closing it (or will once the window opens:
		 * a replacement would outlive the delete, maybe of its conn) */
		ccs_reply_error(sa, m->hdr.msgid, v2N_TEMPORARY_FAILURE, NULL, 0);
		return false;
	}
	return true;
}

/* The peer's Child SAs on one IKE SA are bounded (RFC 7296 §1.3: a
 * request beyond them gets NO_ADDITIONAL_SAS): at most cfg.max_child_sas,
 * and at most cfg.max_rekeys_in_flight of them rekeyed but not deleted yet
 * (TEMPORARY_FAILURE, §2.25: it may retry once it deleted the old ones);
 * a Child SA is rekeyed once.  False = refused (answered, counted). */
static bool child_limits_ok(struct ike_sa *sa, const struct ike_msg *m, const struct child_sa *old)
{
	const struct ike_engine_config *cfg = &sa->e->cfg;
	unsigned n = 0, rekeyed = 0;

	for (const struct child_sa *c = sa->children; c; c = c->next) {
		n++;
		rekeyed += c->peer_rekeyed;
	}
	if (!old && n >= cfg->max_child_sas) {
		sa->e->drops[DROP_NO_ADDITIONAL_SAS]++;   /* reply_error() logs it */
		ccs_reply_error(sa, m->hdr.msgid, v2N_NO_ADDITIONAL_SAS, NULL, 0);
		return false;
	}
	if (old && (old->peer_rekeyed || rekeyed >= cfg->max_rekeys_in_flight)) {
		sa->e->drops[DROP_REKEY_LIMIT]++;
		ccs_reply_error(sa, m->hdr.msgid, v2N_TEMPORARY_FAILURE, NULL, 0);
		return false;
	}
	return true;
}

static void child_request(struct ike_sa *sa, struct ike_msg *m, struct ccs_msg *x)
{
	const struct ike_chain *ch = &m->inner;
	struct child_sa *old = NULL, *c;
	struct chosen cs;
	bool transport = chain_notify(ch, v2N_USE_TRANSPORT_MODE, NULL);
	uint8_t grp[2];

	if (!request_old_child(sa, m, &old) || !child_limits_ok(sa, m, old))
		return;
	if (!x->have_ts) {
		ccs_reply_error(sa, m->hdr.msgid, v2N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	/* the conn of the new Child SA: a rekey keeps the old one's; a new
	 * one takes the conn its selectors fit (maybe not the IKE SA's) */
	struct ike_conn *conn = old ? child_conn(old) : ts_conn_for_child(sa, sa->conn, &x->tsi, &x->tsr);
	const struct ike_conn *pconn = conn ? conn : sa->conn;   /* none: refused below with TS_UNACCEPTABLE */
	struct proposal_list *pl = esp_pfs_list(sa, pconn);
	bool chosen = pl && prop_select(&x->sa, x->have_ke ? pl : pconn->esp, PROP_ESP, x->have_ke,
					pconn->esn, &cs);

	free(pl);
	if (!chosen || transport != pconn->transport) {
		ccs_reply_error(sa, m->hdr.msgid, v2N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	if (x->have_ke && x->ke.group != cs.dh) {
		put_be16(grp, cs.dh);
		ccs_reply_error(sa, m->hdr.msgid, v2N_INVALID_KE_PAYLOAD, grp, 2);
		return;
	}
	c = child_sa_new(sa);
	if (!c)
		return;
	if (!conn || !ts_select(conn, &sa->local, &sa->remote, &x->tsi, &x->tsr, &x->sel_r, &x->sel_l)) {
		child_sa_free(c);
		ccs_reply_error(sa, m->hdr.msgid, v2N_TS_UNACCEPTABLE, NULL, 0);
		return;
	}
	child_sa_set_conn(c, conn);
	child_apply_chosen(c, &cs);
	c->transport = transport;
	c->peer_no_tfc = x->no_tfc;
	ccs_child_request_job(sa, m->hdr.msgid, c, old, x, &cs);
}

void child_recv_request(struct ike_sa *sa, struct ike_msg *m)
{
	struct ccs_msg *x = malloc(sizeof(*x));

	if (!x)
		return;
	if (sa->e->refuse_ccs) {
		sa->e->refuse_ccs--;
		ccs_reply_error(sa, m->hdr.msgid, sa->e->refuse_ccs_notify, NULL, 0);   /* fault injection */
	} else if (sa->state == IKE_S_DELETING) {
		ccs_reply_error(sa, m->hdr.msgid, v2N_TEMPORARY_FAILURE, NULL, 0);      /* §2.25.2 */
	} else if (sa->rekeyed) {
		/* replaced: new Child SAs and rekeys belong on its successor */
		sa->e->drops[DROP_REKEYED_IKE_SA]++;
		ccs_reply_error(sa, m->hdr.msgid, v2N_TEMPORARY_FAILURE, NULL, 0);
	} else if (!ccs_decode(&m->inner, x)) {
		eng_drop(sa->e, DROP_MALFORMED_PAYLOAD, "#%u: malformed CREATE_CHILD_SA request", sa->serial);
		ccs_reply_error(sa, m->hdr.msgid, v2N_INVALID_SYNTAX, NULL, 0);
	} else if (x->sa.n_prop && x->sa.prop[0].proto == IKEV2_PROTO_IKE) {
		rekey_ike_request(sa, m, x);
	} else {
		child_request(sa, m, x);
	}
	free(x);
	ike_sa_run_pending(sa);
}

/* ---- initiator: the response ---- */

/* The checks of a response; the keys come from a job (NULL: it is out). */
static const char *child_response(struct ike_sa *sa, struct ccs_msg *x)
{
	struct child_sa *c = sa->ccs.child;
	struct chosen cs;

	if (!c)
		return "no pending Child SA";
	const struct ike_conn *conn = child_conn(c);
	struct proposal_list *pl = esp_pfs_list(sa, conn);
	bool chosen = pl && prop_check_reply(&x->sa, sa->ccs.dh ? pl : conn->esp, PROP_ESP,
					     sa->ccs.dh != NULL, conn->esn, &cs);

	free(pl);
	if (!chosen)
		return "CREATE_CHILD_SA response chose an ESP proposal we did not offer";
	if (!x->have_ts || !ts_within(&x->tsi, c->ts_l) || !ts_within(&x->tsr, c->ts_r) ||
	    !ts_pairs_fit(&x->tsi, &x->tsr))
		return "CREATE_CHILD_SA response traffic selectors are not acceptable";
	if (sa->ccs.dh && (!x->have_ke || x->ke.group != sa->ccs.dh_group))
		return "CREATE_CHILD_SA response KE group differs";
	return ccs_child_response_job(sa, x, &cs);
}

static const char *rekey_ike_response(struct ike_sa *sa, struct ccs_msg *x)
{
	struct chosen cs;

	if (!sa->ccs.new_ike)
		return "no pending IKE SA";
	if (!prop_check_reply(&x->sa, sa->conn->ike, PROP_IKE, true, IKE_ESN_EITHER, &cs) || !cs.ike_spi)
		return "IKE rekey response chose a proposal we did not offer";
	if (!x->have_ke || x->ke.group != sa->ccs.dh_group || cs.dh != sa->ccs.dh_group || !sa->ccs.dh)
		return "IKE rekey response KE group differs";
	return ccs_rekey_ike_response_job(sa, x, &cs);
}

/* INVALID_KE_PAYLOAD (§1.3): retry once more with the group the peer
 * asked for, when we offered it.  True = a new request went out. */
static bool retry_ke(struct ike_sa *sa, const struct ike_chain *ch)
{
	enum ccs_kind kind = sa->ccs.kind;
	struct ike_notify nt;
	struct child_sa *old = NULL;
	struct proposal_list *pl;
	uint16_t g;
	bool ok;

	if (!chain_notify(ch, v2N_INVALID_KE_PAYLOAD, &nt) || sa->invalid_ke_tries >= 3 || kind == CCS_NONE)
		return false;
	g = ike_notify_u16(&nt);
	pl = esp_pfs_list(sa, sa->ccs.child ? child_conn(sa->ccs.child) : sa->conn);
	ok = pl && g != sa->ccs.dh_group && dh_alg_get(g) &&
	     (kind == CCS_REKEY_IKE ? prop_dh_allowed(sa->conn->ike, g) : prop_dh_allowed(pl, g));
	free(pl);
	if (!ok)
		return false;
	if (kind == CCS_REKEY_CHILD)
		old = child_by_serial(sa->e, sa->ccs.old_child_serial);
	if (old)
		old->rekeying = false;
	ccs_end(sa);
	sa->invalid_ke_tries++;
	sa_line(sa, 2, "CREATE_CHILD_SA: peer wants %s; resending", alg_fqn(IKEV2_TRANS_DH, g));
	if (kind == CCS_REKEY_CHILD && (!old || old->state != CHILD_S_ESTABLISHED))
		return false;
	return ccs_request(sa, kind, old, g);
}

void ccs_response_failed(struct ike_sa *sa, enum ccs_kind kind, uint16_t err, const char *why)
{
	struct child_sa *old = kind == CCS_REKEY_CHILD ? child_by_serial(sa->e, sa->ccs.old_child_serial) : NULL;

	if (old)
		old->rekeying = false;
	sa_line(sa, 3, "%s", why);
	ccs_end(sa);
	if (kind == CCS_NEW_CHILD)
		sa_done(sa, IKE_RC_FAILED, why);
	else if (kind == CCS_REKEY_CHILD && old && !(err == v2N_TEMPORARY_FAILURE && collide_retry_child_rekey(old)))
		op_sink_done(&old->rekey_op, IKE_RC_FAILED, why);
	else if (kind == CCS_REKEY_IKE && !(err == v2N_TEMPORARY_FAILURE && collide_retry_ike_rekey(sa)))
		op_sink_done(&sa->rekey_op, IKE_RC_FAILED, why);
}

/* A response carrying SA: its checks now, the keys in a job whose "after"
 * (ikev2_child_jobs.c) completes the exchange.  The request stays
 * outstanding meanwhile (nothing new starts; the response is not taken
 * twice).  True = handled (the job is out, or it was dropped). */
static bool response_with_sa(struct ike_sa *sa, struct ike_msg *m, enum ccs_kind kind)
{
	struct ccs_msg *x = malloc(sizeof(*x));
	struct ike_engine *e = sa->e;
	unsigned serial = sa->serial;
	const char *why;

	if (!x)
		return false;
	if (!ccs_decode(&m->inner, x)) {
		free(x);
		return false;
	}
	why = kind == CCS_REKEY_IKE ? rekey_ike_response(sa, x) : child_response(sa, x);
	free(x);
	if (!why || why == ccs_job_busy)
		return true;   /* job out (inline: done, sa may be gone); or dropped */
	msg_request_done(sa);
	ccs_response_failed(sa, kind, 0, why);
	if (ike_sa_by_serial(e, serial) == sa)
		ike_sa_run_pending(sa);
	return true;
}

void child_recv_response(struct ike_sa *sa, struct ike_msg *m)
{
	struct ike_engine *e = sa->e;
	unsigned serial = sa->serial;
	enum ccs_kind kind = sa->ccs.kind;
	uint16_t err = chain_error_notify(&m->inner);
	bool has_sa = ike_chain_find(&m->inner, IKEV2_PL_SA, NULL) != NULL;
	const char *why = NULL;
	char buf[160];

	if (kind != CCS_NONE && has_sa && response_with_sa(sa, m, kind))
		return;
	msg_request_done(sa);
	if (kind == CCS_NONE) {
		why = "unexpected CREATE_CHILD_SA response";
	} else if (!has_sa && err == v2N_INVALID_KE_PAYLOAD && retry_ke(sa, &m->inner)) {
		return;
	} else if (!has_sa) {
		snprintf(buf, sizeof(buf), "CREATE_CHILD_SA failed with error notification %s",
			 err && ikev2_notify_name(err) ? ikev2_notify_name(err) + 4 : "(none)");
		why = buf;
	} else {
		why = "malformed CREATE_CHILD_SA response";
	}
	if (why)
		ccs_response_failed(sa, kind, err, why);
	if (ike_sa_by_serial(e, serial) == sa)
		ike_sa_run_pending(sa);
}
