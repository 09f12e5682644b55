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
#include "ike/sa.h"

#include <stdlib.h>
#include <string.h>

#include "lib/log.h"

static uint16_t pfs_group(const struct ike_sa *sa, const struct ike_conn *conn)
{
	uint16_t g = prop_first_dh(&conn->esp);

	return g ? g : sa->dh_group;
}

/* The ESP proposals with PFS: proposals without a DH list use the IKE SA's
 * group (Libreswan: esp= without ;dh means "the IKE SA's group"). */
static struct proposal_list *esp_pfs_list(const struct ike_sa *sa, const struct ike_conn *conn)
{
	struct proposal_list *l = malloc(sizeof(*l));

	if (!l)
		return NULL;
	*l = conn->esp;
	for (size_t i = 0; i < l->n; i++)
		if (l->p[i].n_dh == 0) {
			l->p[i].dh[0].id = sa->dh_group;
			l->p[i].n_dh = 1;
		}
	return l;
}

static bool ccs_begin(struct ike_sa *sa, enum ccs_kind kind, uint16_t group)
{
	sa->ccs.kind = kind;
	sa->ccs.n_len = IKE_NONCE_LEN;
	sa->ccs.dh_group = group;
	if (!crypto_random(sa->ccs.n, sa->ccs.n_len))
		return false;
	if (group && !(sa->ccs.dh = dh_new(dh_alg_get(group))))
		return false;
	return true;
}

static void ccs_end(struct ike_sa *sa)
{
	dh_free(sa->ccs.dh);
	if (sa->ccs.new_ike)
		ike_sa_free(sa->ccs.new_ike);
	if (sa->ccs.child && sa->ccs.child->state == CHILD_S_LARVAL)
		child_sa_free(sa->ccs.child);
	secret_wipe(&sa->ccs, sizeof(sa->ccs));
}

static void add_ke(struct msg_build *mb, struct dh *dh)
{
	size_t len;
	const uint8_t *pub = dh_public(dh, &len);

	ikeb_ke(&mb->b, dh_get_alg(dh)->id, pub, len);
}

/* group: the PFS group to send a KE for (0 = none). */
static bool send_child_req(struct ike_sa *sa, struct child_sa *old, uint16_t group)
{
	struct msg_build *mb = malloc(sizeof(*mb));
	struct ike_sa_payload *sap = malloc(sizeof(*sap));
	struct child_sa *c = NULL;
	struct ike_conn *conn = old ? child_conn(old) : sa->conn;
	bool ok = false;

	if (!mb || !sap || !ccs_begin(sa, old ? CCS_REKEY_CHILD : CCS_NEW_CHILD, group))
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
		prop_build_sa(group ? pl : &conn->esp, PROP_ESP, group != 0, conn->esn, c->spi_in, 0, group, sap);
		free(pl);
	}
	ikeb_sa(&mb->b, sap);
	ikeb_nonce(&mb->b, sa->ccs.n, sa->ccs.n_len);
	if (sa->ccs.dh)
		add_ke(mb, sa->ccs.dh);
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
	return send_child_req(sa, NULL, sa->conn->pfs ? pfs_group(sa, sa->conn) : 0);
}

bool child_send_rekey(struct ike_sa *sa, struct child_sa *c)
{
	const struct ike_conn *conn = child_conn(c);

	return send_child_req(sa, c, conn->pfs ? pfs_group(sa, conn) : 0);
}

static bool send_rekey_ike(struct ike_sa *sa, uint16_t group);

bool child_send_rekey_ike(struct ike_sa *sa) { return send_rekey_ike(sa, sa->dh_group); }

static bool send_rekey_ike(struct ike_sa *sa, uint16_t group)
{
	struct msg_build *mb = malloc(sizeof(*mb));
	struct ike_sa_payload *sap = malloc(sizeof(*sap));
	struct ike_sa *n;
	bool ok = false;

	if (!mb || !sap || !ccs_begin(sa, CCS_REKEY_IKE, group))
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
	prop_build_sa(&sa->conn->ike, PROP_IKE, true, IKE_ESN_EITHER, 0, n->spi_i, group, sap);
	ikeb_sa(&mb->b, sap);
	ikeb_nonce(&mb->b, sa->ccs.n, sa->ccs.n_len);
	add_ke(mb, sa->ccs.dh);
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

struct ccs_msg {
	struct ike_sa_payload sa;
	struct ike_nonce n;
	struct ike_ke ke;
	bool have_ke, have_ts;
	bool no_tfc;                     /* N(ESP_TFC_PADDING_NOT_SUPPORTED) */
	struct ike_ts_payload tsi, tsr;
	struct ike_ts_payload sel_l, sel_r;   /* responder: narrowed (ts_select) */
};

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

static void reply_error(struct ike_sa *sa, uint32_t msgid, uint16_t err, const uint8_t *data, size_t len)
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

static void move_children(struct ike_sa *from, struct ike_sa *to)
{
	while (from->children)
		child_sa_move(from->children, to);
}

/* ---- responder ---- */

static void rekey_ike_request(struct ike_sa *sa, struct ike_msg *m, struct ccs_msg *x)
{
	struct chosen cs;
	struct ike_sa *n = NULL;
	struct secret *gir = NULL;
	struct msg_build *mb = NULL;
	struct ike_sa_payload sap;
	const char *why;
	uint8_t grp[2];

	if (!prop_select(&x->sa, &sa->conn->ike, PROP_IKE, true, IKE_ESN_EITHER, &cs) || !cs.ike_spi) {
		reply_error(sa, m->hdr.msgid, v2N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	if (!x->have_ke || x->ke.group != cs.dh) {
		put_be16(grp, cs.dh);
		reply_error(sa, m->hdr.msgid, v2N_INVALID_KE_PAYLOAD, grp, 2);
		return;
	}
	n = ike_sa_new(sa->e, sa->conn, false);
	if (!n)
		return;
	n->spi_i = cs.ike_spi;
	n->encr = cs.encr;
	n->keybits = cs.keybits;
	n->prf = cs.prf;
	n->integ = cs.integ;
	n->dh_group = cs.dh;
	if (!nonce_store(&n->ni, &n->ni_len, x->n.data, x->n.len) || !crypto_random_ike_spi((uint8_t *)&n->spi_r) ||
	    !nonce_store(&n->nr, &n->nr_len, NULL, IKE_NONCE_LEN) ||
	    !(n->dh = dh_new(dh_alg_get(cs.dh))) || !(gir = dh_derive(n->dh, x->ke.data, x->ke.len, &why)) ||
	    !keys_ike_rekey_derive(n, sa, gir) || !(mb = malloc(sizeof(*mb)))) {
		reply_error(sa, m->hdr.msgid, gir ? v2N_TEMPORARY_FAILURE : v2N_INVALID_SYNTAX, NULL, 0);
		ike_sa_free(n);
		goto out;
	}
	ike_sa_reindex(n);
	mb_begin(mb, sa, IKEV2_EXCH_CREATE_CHILD_SA, true, m->hdr.msgid, true);
	prop_build_chosen(&cs, PROP_IKE, 0, n->spi_r, &sap);
	ikeb_sa(&mb->b, &sap);
	ikeb_nonce(&mb->b, n->nr, n->nr_len);
	add_ke(mb, n->dh);
	if (!msg_send_response(mb)) {
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
	move_children(sa, n);
	ike_established_timers(n);
	if (sa->ccs.kind == CCS_REKEY_IKE)
		collide_ike_note(sa, n);   /* ours is in flight too: resolved on its answer */
	sa->rekeyed = true;
	sa->rekey_at = 0;
	ike_sa_rekeyed(sa, n);
	ike_announce(n);
out:
	secret_free(gir);
	free(mb);
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
		reply_error(sa, m->hdr.msgid, v2N_INVALID_SYNTAX, NULL, 0);
		return false;
	}
	if (rk == 0)
		return true;
	spi = ike_notify_spi32(&rn);
	if (rn.proto != IKEV2_PROTO_ESP ||
	    (!(*old = child_by_spi_out(sa, spi)) && !(*old = child_by_spi_in(sa, spi))) ||
	    ((*old)->state != CHILD_S_ESTABLISHED && (*old)->state != CHILD_S_DELETING)) {
		reply_error(sa, m->hdr.msgid, v2N_CHILD_SA_NOT_FOUND, NULL, 0);
		return false;
	}
	if ((*old)->state == CHILD_S_DELETING || (*old)->redundant || (*old)->delete_pending ||
	    child_conn(*old)->gone) {
		/* §2.25.1: we are closing it (or will once the window opens:
		 * a replacement would outlive the delete, maybe of its conn) */
		reply_error(sa, m->hdr.msgid, v2N_TEMPORARY_FAILURE, NULL, 0);
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
		reply_error(sa, m->hdr.msgid, v2N_NO_ADDITIONAL_SAS, NULL, 0);
		return false;
	}
	if (old && (old->peer_rekeyed || rekeyed >= cfg->max_rekeys_in_flight)) {
		sa->e->drops[DROP_REKEY_LIMIT]++;
		reply_error(sa, m->hdr.msgid, v2N_TEMPORARY_FAILURE, NULL, 0);
		return false;
	}
	return true;
}

static void child_request(struct ike_sa *sa, struct ike_msg *m, struct ccs_msg *x)
{
	const struct ike_chain *ch = &m->inner;
	struct child_sa *old = NULL, *c;
	struct chosen cs;
	struct secret *gir = NULL;
	struct dh *dh = NULL;
	struct msg_build *mb = NULL;
	struct ike_sa_payload sap;
	bool transport = chain_notify(ch, v2N_USE_TRANSPORT_MODE, NULL), ours = false;
	uint8_t nr[IKE_NONCE_LEN], grp[2];
	const char *why;

	if (!request_old_child(sa, m, &old) || !child_limits_ok(sa, m, old))
		return;
	if (!x->have_ts) {
		reply_error(sa, m->hdr.msgid, v2N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	/* the conn of the new Child SA: a rekey keeps the old one's; a new
	 * one takes the conn its selectors fit (maybe not the IKE SA's) */
	struct ike_conn *conn = old ? child_conn(old) : ts_conn_for_child(sa, sa->conn, &x->tsi, &x->tsr);
	const struct ike_conn *pconn = conn ? conn : sa->conn;   /* none: refused below with TS_UNACCEPTABLE */
	struct proposal_list *pl = esp_pfs_list(sa, pconn);
	bool chosen = pl && prop_select(&x->sa, x->have_ke ? pl : &pconn->esp, PROP_ESP, x->have_ke,
					pconn->esn, &cs);

	free(pl);
	if (!chosen || transport != pconn->transport) {
		reply_error(sa, m->hdr.msgid, v2N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	if (x->have_ke && x->ke.group != cs.dh) {
		put_be16(grp, cs.dh);
		reply_error(sa, m->hdr.msgid, v2N_INVALID_KE_PAYLOAD, grp, 2);
		return;
	}
	c = child_sa_new(sa);
	if (!c)
		return;
	if (!conn || !ts_select(conn, &sa->local, &sa->remote, &x->tsi, &x->tsr, &x->sel_r, &x->sel_l)) {
		child_sa_free(c);
		reply_error(sa, m->hdr.msgid, v2N_TS_UNACCEPTABLE, NULL, 0);
		return;
	}
	child_sa_set_conn(c, conn);
	child_apply_chosen(c, &cs);
	c->transport = transport;
	c->peer_no_tfc = x->no_tfc;
	if (!child_set_ts(c, &x->sel_l, &x->sel_r) || !child_spi_alloc(c) || !crypto_random(nr, sizeof(nr)) ||
	    (cs.dh && (!(dh = dh_new(dh_alg_get(cs.dh))) || !(gir = dh_derive(dh, x->ke.data, x->ke.len, &why)))) ||
	    !keys_child_derive(sa, c, false, gir, x->n.data, x->n.len, nr, sizeof(nr)) ||
	    !(mb = malloc(sizeof(*mb)))) {
		child_sa_free(c);
		reply_error(sa, m->hdr.msgid, cs.dh && dh && !gir ? v2N_INVALID_SYNTAX : v2N_TEMPORARY_FAILURE, NULL, 0);
		goto out;
	}
	mb_begin(mb, sa, IKEV2_EXCH_CREATE_CHILD_SA, true, m->hdr.msgid, true);
	if (transport)
		ikeb_notify(&mb->b, IKEV2_PROTO_NONE, NULL, 0, v2N_USE_TRANSPORT_MODE, NULL, 0);
	if (conn->send_no_esp_tfc)
		ikeb_notify(&mb->b, IKEV2_PROTO_NONE, NULL, 0, v2N_ESP_TFC_PADDING_NOT_SUPPORTED, NULL, 0);
	prop_build_chosen(&cs, PROP_ESP, c->spi_in, 0, &sap);
	ikeb_sa(&mb->b, &sap);
	ikeb_nonce(&mb->b, nr, sizeof(nr));
	if (dh)
		add_ke(mb, dh);
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
		collide_child_note(c, old, x->n.data, x->n.len, nr, sizeof(nr));
	/* installed before the answer leaves: the initiator may send ESP on
	 * the new SA the moment it has the answer */
	child_install(c);
	if (!msg_send_response(mb)) {
		c->out_pending = false;
		child_sa_delete(c);
		goto out;
	}
	child_line(c, false);
	if (old) {
		old->rekey_at = 0;   /* the initiator deletes it */
		old->peer_rekeyed = true;
		if (!ours)
			old->rekeying = false;
	}
out:
	secret_free(gir);
	dh_free(dh);
	free(mb);
}

void child_recv_request(struct ike_sa *sa, struct ike_msg *m)
{
	struct ccs_msg *x = malloc(sizeof(*x));

	if (!x)
		return;
	if (sa->e->refuse_ccs) {
		sa->e->refuse_ccs--;
		reply_error(sa, m->hdr.msgid, sa->e->refuse_ccs_notify, NULL, 0);   /* fault injection */
	} else if (sa->state == IKE_S_DELETING) {
		reply_error(sa, m->hdr.msgid, v2N_TEMPORARY_FAILURE, NULL, 0);      /* §2.25.2 */
	} else if (sa->rekeyed) {
		/* replaced: new Child SAs and rekeys belong on its successor */
		sa->e->drops[DROP_REKEYED_IKE_SA]++;
		reply_error(sa, m->hdr.msgid, v2N_TEMPORARY_FAILURE, NULL, 0);
	} else if (!ccs_decode(&m->inner, x)) {
		eng_drop(sa->e, DROP_MALFORMED_PAYLOAD, "#%u: malformed CREATE_CHILD_SA request", sa->serial);
		reply_error(sa, m->hdr.msgid, v2N_INVALID_SYNTAX, NULL, 0);
	} else if (x->sa.n_prop && x->sa.prop[0].proto == IKEV2_PROTO_IKE) {
		rekey_ike_request(sa, m, x);
	} else {
		child_request(sa, m, x);
	}
	free(x);
	ike_sa_run_pending(sa);
}

/* ---- initiator: the response ---- */

static const char *child_response(struct ike_sa *sa, struct ccs_msg *x)
{
	struct child_sa *c = sa->ccs.child, *old;
	struct chosen cs;
	struct secret *gir = NULL;
	const char *why = NULL;

	if (!c)
		return "no pending Child SA";
	const struct ike_conn *conn = child_conn(c);
	struct proposal_list *pl = esp_pfs_list(sa, conn);
	bool chosen = pl && prop_check_reply(&x->sa, sa->ccs.dh ? pl : &conn->esp, PROP_ESP,
					     sa->ccs.dh != NULL, conn->esn, &cs);

	free(pl);
	if (!chosen)
		return "CREATE_CHILD_SA response chose an ESP proposal we did not offer";
	if (!x->have_ts || !ts_within(&x->tsi, c->ts_l) || !ts_within(&x->tsr, c->ts_r) ||
	    !ts_pairs_fit(&x->tsi, &x->tsr))
		return "CREATE_CHILD_SA response traffic selectors are not acceptable";
	if (sa->ccs.dh) {
		if (!x->have_ke || x->ke.group != sa->ccs.dh_group)
			return "CREATE_CHILD_SA response KE group differs";
		if (!(gir = dh_derive(sa->ccs.dh, x->ke.data, x->ke.len, &why)))
			return why ? why : "DH failed";
	}
	child_apply_chosen(c, &cs);
	c->peer_no_tfc = x->no_tfc;
	if (!child_set_ts(c, &x->tsi, &x->tsr)) {
		secret_free(gir);
		return "out of memory";
	}
	if (!keys_child_derive(sa, c, true, gir, sa->ccs.n, sa->ccs.n_len, x->n.data, x->n.len)) {
		secret_free(gir);
		return "Child SA key derivation failed";
	}
	secret_free(gir);
	sa->ccs.child = NULL;
	if (sa->ccs.kind == CCS_REKEY_CHILD)
		c->replaces = sa->ccs.old_child_serial;
	child_install(c);
	child_line(c, true);
	old = sa->ccs.kind == CCS_REKEY_CHILD ? child_by_serial(sa->e, sa->ccs.old_child_serial) : NULL;
	if (old && old->state != CHILD_S_ESTABLISHED)
		old = NULL;
	if (sa->ccs.kind == CCS_REKEY_CHILD &&
	    collide_child_resolve(sa, c, sa->ccs.old_child_serial, sa->ccs.n, sa->ccs.n_len, x->n.data, x->n.len)) {
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

static const char *rekey_ike_response(struct ike_sa *sa, struct ccs_msg *x)
{
	struct ike_sa *n = sa->ccs.new_ike;
	struct chosen cs;
	struct secret *gir;
	const char *why = NULL;

	if (!prop_check_reply(&x->sa, &sa->conn->ike, PROP_IKE, true, IKE_ESN_EITHER, &cs) || !cs.ike_spi)
		return "IKE rekey response chose a proposal we did not offer";
	if (!x->have_ke || x->ke.group != sa->ccs.dh_group || cs.dh != sa->ccs.dh_group)
		return "IKE rekey response KE group differs";
	if (!(gir = dh_derive(sa->ccs.dh, x->ke.data, x->ke.len, &why)))
		return why ? why : "DH failed";
	n->spi_r = cs.ike_spi;
	n->encr = cs.encr;
	n->keybits = cs.keybits;
	n->prf = cs.prf;
	n->integ = cs.integ;
	n->dh_group = cs.dh;
	if (!nonce_store(&n->ni, &n->ni_len, sa->ccs.n, sa->ccs.n_len) ||
	    !nonce_store(&n->nr, &n->nr_len, x->n.data, x->n.len) || !keys_ike_rekey_derive(n, sa, gir) ||
	    !ike_sa_set_remote_id(n, sa->remote_id)) {
		secret_free(gir);
		return "IKE rekey key derivation failed";
	}
	secret_free(gir);
	n->local = sa->local;
	n->remote = sa->remote;
	ike_sa_reindex(n);
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
	move_children(sa, n);
	ike_sa_rekeyed(sa, n);
	ike_announce(n);
	sa->rekeyed = true;
	info_send_delete_ike(sa);
	return NULL;
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
	     (kind == CCS_REKEY_IKE ? prop_dh_allowed(&sa->conn->ike, g) : prop_dh_allowed(pl, g));
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
	if (kind == CCS_REKEY_IKE)
		return send_rekey_ike(sa, g);
	if (kind == CCS_REKEY_CHILD && (!old || old->state != CHILD_S_ESTABLISHED))
		return false;
	return send_child_req(sa, old, g);
}

void child_recv_response(struct ike_sa *sa, struct ike_msg *m)
{
	struct ccs_msg *x = malloc(sizeof(*x));
	struct ike_engine *e = sa->e;
	unsigned serial = sa->serial;
	enum ccs_kind kind = sa->ccs.kind;
	uint16_t err = chain_error_notify(&m->inner);
	const char *why = NULL;
	char buf[160];

	msg_request_done(sa);
	if (!x)
		return;
	if (kind == CCS_NONE) {
		why = "unexpected CREATE_CHILD_SA response";
	} else if (!ike_chain_find(&m->inner, IKEV2_PL_SA, NULL) && err == v2N_INVALID_KE_PAYLOAD &&
		   retry_ke(sa, &m->inner)) {
		free(x);
		return;
	} else if (!ike_chain_find(&m->inner, IKEV2_PL_SA, NULL)) {
		snprintf(buf, sizeof(buf), "CREATE_CHILD_SA failed with error notification %s",
			 err && ikev2_notify_name(err) ? ikev2_notify_name(err) + 4 : "(none)");
		why = buf;
	} else if (!ccs_decode(&m->inner, x)) {
		why = "malformed CREATE_CHILD_SA response";
	} else if (kind == CCS_REKEY_IKE) {
		why = rekey_ike_response(sa, x);
	} else {
		why = child_response(sa, x);
	}
	if (why) {
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
	free(x);
	if (ike_sa_by_serial(e, serial) == sa)
		ike_sa_run_pending(sa);
}
