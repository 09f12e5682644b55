/* IKE_AUTH with PSK (RFC 7296 §1.2, §2.15) and the first Child SA:
 *
 *   HDR, SK {IDi, [N(INITIAL_CONTACT)], [IDr], AUTH,
 *            [N(USE_TRANSPORT_MODE)], [N(ESP_TFC_PADDING_NOT_SUPPORTED)],
 *            SAi2, TSi, TSr}  -->
 *                  <--  HDR, SK {IDr, AUTH, [N(USE_TRANSPORT_MODE)], SAr2, TSi, TSr}
 *                  <--  HDR, SK {N(AUTHENTICATION_FAILED)}
 *                  <--  HDR, SK {IDr, AUTH, N(NO_PROPOSAL_CHOSEN | TS_UNACCEPTABLE)}
 */
#include "ike/sa.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"

#define ID_BODY_MAX (4 + ID_MAXLEN + 64)

static void our_id(const struct ike_sa *sa, struct cy_id *id)
{
	if (sa->conn->local.id->kind == ID_NONE || sa->conn->local.id->kind == ID_ANY)
		id_from_addr(&sa->local.addr, id);
	else
		*id = *sa->conn->local.id;
}

/* The ID payload body (type, 3 reserved, data): what AUTH signs. */
static size_t id_body(const struct cy_id *id, uint8_t out[ID_BODY_MAX])
{
	size_t n = id_to_wire(id, out + 4, ID_BODY_MAX - 4);

	if (n == 0 && id->kind != ID_NULL)
		return 0;
	out[0] = (uint8_t)id->kind;
	out[1] = out[2] = out[3] = 0;
	return n + 4;
}

/* Does the peer's ID satisfy what the conn expects of it? */
static bool peer_id_ok(const struct ike_sa *sa, const struct cy_id *peer)
{
	const struct cy_id *want = sa->conn->remote.id;
	struct cy_id addr_id;

	if (want->kind == ID_ANY)
		return true;
	if (want->kind == ID_NONE) {
		if (!addr_is_set(&sa->peer_addr) || addr_is_any(&sa->peer_addr))
			return true;
		id_from_addr(&sa->peer_addr, &addr_id);
		return id_eq(&addr_id, peer);
	}
	return id_match(want, peer);
}

void ike_established_timers(struct ike_sa *sa)
{
	uint64_t now = eng_now(sa->e), life = sa->conn->ike_lifetime_ms, margin = sa->conn->rekey_margin_ms;

	sa->established_at = now;
	sa->established_seq = ++sa->e->seq;
	sa->rekey_at = sa->replace_at = 0;
	if (life) {
		sa->replace_at = now + life;
		if (sa->conn->rekey && sa->initiator)
			sa->rekey_at = eng_rekey_at(now, life, margin, sa->conn->rekey_fuzz_pct);
	}
	sa->dpd_at = sa->conn->dpd_delay_ms ? now + sa->conn->dpd_delay_ms : 0;
	/* NAT keepalives only from behind a NAT (RFC 3948 §2.3) */
	sa->keepalive_at = sa->nat_local && sa->conn->nat_keepalive_ms ? now + sa->conn->nat_keepalive_ms : 0;
	sa->e->stats.established_ike++;
}

void ike_announce(struct ike_sa *sa)
{
	struct ike_sa_info i;

	if (sa->e->ops->ike_sa_established) {
		ike_sa_info_fill(sa, &i);
		sa->e->ops->ike_sa_established(sa->e->ctx, &i);
	}
}

/* "[10.1.0.0-10.1.0.255:0-65535 0]", Libreswan 4's selector form. */
static void ts_text(const struct ike_ts_payload *t, char *buf, size_t cap)
{
	char a[ADDR_STRLEN], b[ADDR_STRLEN];

	if (t->n == 0) {
		snprintf(buf, cap, "[]");
		return;
	}
	snprintf(buf, cap, "[%s-%s:%u-%u %u]", addr_fmt(&t->ts[0].start, a), addr_fmt(&t->ts[0].end, b),
		 t->ts[0].sport, t->ts[0].eport, t->ts[0].ipproto);
}

void child_line(struct child_sa *c, bool initiator)
{
	const struct alg_suite suite = { c->encr, c->keybits, c->integ, 0, c->dh };
	struct alg_text algs;
	bool nat = c->ike->nat_local || c->ike->nat_remote;
	char l[2 * ADDR_STRLEN + 24], r[2 * ADDR_STRLEN + 24], what[48], line[600];

	ts_text(c->ts_l, l, sizeof(l));
	ts_text(c->ts_r, r, sizeof(r));
	/* Libreswan: "initiator established Child SA using #1" for a new one,
	 * "initiator rekeyed Child SA #2 using #1" for a rekey */
	if (c->replaces)
		snprintf(what, sizeof(what), "rekeyed Child SA #%u", c->replaces);
	else
		snprintf(what, sizeof(what), "established Child SA");
	snprintf(line, sizeof(line),
		 "\"%s\" #%u: %s %s using #%u; IPsec %s %s -> %s {ESP%s%s=>0x%08x <0x%08x xfrm=%s NATOA=none NATD=%s DPD=%s}",
		 child_conn(c)->name, c->serial, initiator ? "initiator" : "responder", what, c->ike->serial,
		 c->transport ? "transport" : "tunnel", l, r, nat ? "inUDP" : "", c->esn ? "/ESN" : "", c->spi_out,
		 c->spi_in, alg_child_text(&suite, &algs), nat ? "yes" : "none",
		 c->ike->conn->dpd_delay_ms ? "active" : "passive");
	log_info("%s", line);
	op_sink_line(&c->ike->op, 4, line);
	if (c->replaces)
		child_sa_rekeyed(c, line);
}

/* INITIAL_CONTACT only when we hold no other IKE SA for this conn. */
static bool have_established(const struct ike_sa *sa)
{
	bool any = sa->conn->n_established > (sa->state == IKE_S_ESTABLISHED ? 1u : 0u);

	if (sa->e->crosscheck) {   /* the walk it replaced */
		bool w = false;

		for (const struct ike_sa *o = sa->e->sas; o && !w; o = o->next)
			w = o != sa && o->state == IKE_S_ESTABLISHED && o->conn == sa->conn;
		if (w != any) {
			log_error("IKE SA index crosscheck: have_established %d, the walk %d", any, w);
			abort();
		}
	}
	return any;
}

bool auth_send_request(struct ike_sa *sa)
{
	struct msg_build *mb = malloc(sizeof(*mb));
	struct ike_sa_payload *sap = malloc(sizeof(*sap));
	struct ike_ts_payload tsi, tsr;
	struct child_sa *c = NULL;
	struct cy_id lid;
	uint8_t body[ID_BODY_MAX], auth[CRYPTO_MAX_PRF_OUT];
	size_t blen, alen = 0;
	bool ok = false;

	if (!mb || !sap || !ike_sa_set_state(sa, IKE_S_AUTH_I))
		goto out;
	our_id(sa, &lid);
	blen = id_body(&lid, body);
	if (!blen || !keys_psk_auth(sa, true, body, blen, auth, &alen)) {
		sa_line(sa, 3, "cannot compute AUTH (no PSK?)");
		goto out;
	}
	c = child_sa_new(sa);
	if (!c || !child_spi_alloc(c))
		goto out;
	c->transport = sa->conn->transport;
	ts_from_end(&sa->conn->local, &sa->local, &tsi);
	ts_from_end(&sa->conn->remote, &sa->remote, &tsr);
	if (!child_set_ts(c, &tsi, &tsr))
		goto out;
	mb_begin(mb, sa, IKEV2_EXCH_IKE_AUTH, false, sa->next_msgid, true);
	ikeb_raw(&mb->b, IKEV2_PL_IDi, false, body, blen);
	if (sa->conn->initial_contact && !have_established(sa))
		ikeb_notify(&mb->b, IKEV2_PROTO_NONE, NULL, 0, v2N_INITIAL_CONTACT, NULL, 0);
	if (sa->conn->remote.id->kind != ID_NONE && sa->conn->remote.id->kind != ID_ANY) {
		uint8_t rb[ID_BODY_MAX];
		size_t rlen = id_body(sa->conn->remote.id, rb);

		if (rlen)
			ikeb_raw(&mb->b, IKEV2_PL_IDr, false, rb, rlen);
	}
	ikeb_auth(&mb->b, IKEV2_AUTH_PSK, auth, alen);
	if (c->transport)
		ikeb_notify(&mb->b, IKEV2_PROTO_NONE, NULL, 0, v2N_USE_TRANSPORT_MODE, NULL, 0);
	if (sa->conn->send_no_esp_tfc)
		ikeb_notify(&mb->b, IKEV2_PROTO_NONE, NULL, 0, v2N_ESP_TFC_PADDING_NOT_SUPPORTED, NULL, 0);
	prop_build_sa(sa->conn->esp, PROP_ESP, false, sa->conn->esn, c->spi_in, 0, 0, sap);
	ikeb_sa(&mb->b, sap);
	ikeb_ts(&mb->b, IKEV2_PL_TSi, &tsi);
	ikeb_ts(&mb->b, IKEV2_PL_TSr, &tsr);
	if (!msg_send_request(mb))
		goto out;
	sa->auth_child = c;
	c = NULL;
	{
		const struct alg_suite suite = { sa->encr, sa->keybits, sa->integ, sa->prf, sa->dh_group };
		struct alg_text algs;

		sa_line(sa, 182, "sent IKE_AUTH request {%s}", alg_ike_text(&suite, &algs));
	}
	ok = true;
out:
	if (c)
		child_sa_free(c);
	secret_wipe(auth, sizeof(auth));
	free(mb);
	free(sap);
	return ok;
}

/* ---- responder ---- */

static bool decode_id(const struct ike_chain *ch, uint8_t type, struct ike_id_payload *id)
{
	const struct pl_view *v = ike_chain_find(ch, type, NULL);

	return v && ike_id_decode(v->body, v->len, id) == WIRE_OK;
}

/* Child SA for the responder: fills c or returns the notify to refuse with. */
static uint16_t responder_child(struct ike_sa *sa, const struct ike_chain *ch, struct child_sa *c,
				const struct ike_sa_payload *sap, bool pfs)
{
	const struct pl_view *vi = ike_chain_find(ch, IKEV2_PL_TSi, NULL);
	const struct pl_view *vr = ike_chain_find(ch, IKEV2_PL_TSr, NULL);
	struct ike_ts_payload tsi, tsr, sel_l, sel_r;
	struct chosen cs;
	bool want_transport = chain_notify(ch, v2N_USE_TRANSPORT_MODE, NULL);

	if (!vi || !vr || ike_ts_decode(vi->body, vi->len, &tsi) != WIRE_OK ||
	    ike_ts_decode(vr->body, vr->len, &tsr) != WIRE_OK)
		return v2N_INVALID_SYNTAX;
	if (!prop_select(sap, sa->conn->esp, PROP_ESP, pfs, sa->conn->esn, &cs))
		return v2N_NO_PROPOSAL_CHOSEN;
	if (want_transport != sa->conn->transport)
		return v2N_NO_PROPOSAL_CHOSEN;
	/* conn local is TSr (the initiator's remote) */
	if (!ts_select(sa->conn, &sa->local, &sa->remote, &tsi, &tsr, &sel_r, &sel_l))
		return v2N_TS_UNACCEPTABLE;
	if (!child_set_ts(c, &sel_l, &sel_r))
		return v2N_TEMPORARY_FAILURE;
	child_apply_chosen(c, &cs);
	c->transport = want_transport;
	c->peer_no_tfc = chain_notify(ch, v2N_ESP_TFC_PADDING_NOT_SUPPORTED, NULL);
	if (!child_spi_alloc(c))
		return v2N_TEMPORARY_FAILURE;
	return 0;
}

static void add_child_reply(struct msg_build *mb, struct child_sa *c, uint16_t err)
{
	struct ike_sa_payload sap;
	struct chosen cs = { .encr = c->encr, .keybits = c->keybits, .integ = c->integ, .dh = c->dh,
			     .esn = c->esn, .propnum = 1 };

	if (err) {
		ikeb_notify(&mb->b, IKEV2_PROTO_NONE, NULL, 0, err, NULL, 0);
		return;
	}
	if (c->transport)
		ikeb_notify(&mb->b, IKEV2_PROTO_NONE, NULL, 0, v2N_USE_TRANSPORT_MODE, NULL, 0);
	if (mb->sa->conn->send_no_esp_tfc)
		ikeb_notify(&mb->b, IKEV2_PROTO_NONE, NULL, 0, v2N_ESP_TFC_PADDING_NOT_SUPPORTED, NULL, 0);
	prop_build_chosen(&cs, PROP_ESP, c->spi_in, 0, &sap);
	ikeb_sa(&mb->b, &sap);
	ikeb_ts(&mb->b, IKEV2_PL_TSi, c->ts_r);
	ikeb_ts(&mb->b, IKEV2_PL_TSr, c->ts_l);
}

static void auth_fail_reply(struct ike_sa *sa, struct msg_build *mb, const char *why)
{
	log_info("\"%s\" #%u: responder: authentication failed: %s; sending AUTHENTICATION_FAILED",
		 sa->conn->name, sa->serial, why);
	mb_begin(mb, sa, IKEV2_EXCH_IKE_AUTH, true, sa->peer_msgid, true);
	ikeb_notify(&mb->b, IKEV2_PROTO_NONE, NULL, 0, v2N_AUTHENTICATION_FAILED, NULL, 0);
	msg_send_response(mb);
	ike_sa_destroy(sa, "AUTHENTICATION_FAILED");
}

/* INITIAL_CONTACT (RFC 7296 §2.4): the peer forgot every other IKE SA it
 * had with us (it restarted): remove ours for the same conn and peer ID
 * without telling it. */
static void initial_contact(struct ike_sa *sa)
{
	unsigned serials[64], n = 0;

	/* only those up before this IKE SA began: one that completed while
	 * this one was negotiated cannot be what the peer forgot */
	for (struct ike_sa *o = ike_sa_id_first(sa->e, sa->remote_id); o && n < 64;
	     o = ike_sa_id_next(sa->e, o, sa->remote_id))
		if (o != sa && o->conn == sa->conn && o->established_seq < sa->created_seq)
			serials[n++] = o->serial;
	serials_sort(serials, n);
	for (unsigned i = 0; i < n; i++) {
		struct ike_sa *o = ike_sa_by_serial(sa->e, serials[i]);

		if (o)
			ike_sa_destroy(o, "INITIAL_CONTACT: the peer restarted");
	}
}

/* "connection "strict" for the peer's ID does not accept ...": the conn
 * the IDs point to refuses the IKE algorithms negotiated under sa->conn. */
static void refuse_text(const struct ike_sa *sa, const struct ike_conn *conn, const char *for_what, char *why,
			size_t cap)
{
	const struct alg_suite suite = { sa->encr, sa->keybits, sa->integ, sa->prf, sa->dh_group };
	struct alg_text algs;

	snprintf(why, cap, "connection \"%s\" for the %s does not accept the IKE algorithms {%s} negotiated under \"%s\"",
		 conn->name, for_what, alg_ike_text(&suite, &algs), sa->conn->name);
}

/* Re-pick the conn now that the peer's ID is known (road warriors).  The
 * IKE SA's algorithms were chosen at IKE_SA_INIT against sa->conn's ike=:
 * the new conn must accept them too, or a conn with stricter proposals
 * would be reached with weaker algorithms.  As Libreswan, look for a conn
 * that fits; when none does, false with why filled: the caller answers
 * AUTHENTICATION_FAILED (RFC 7296 §2.21.2: NO_PROPOSAL_CHOSEN in IKE_AUTH
 * refuses only the Child SA, while this refuses the IKE SA). */
static bool switch_conn(struct ike_sa *sa, const struct cy_id *peer, char *why, size_t cap)
{
	const struct alg_suite suite = { sa->encr, sa->keybits, sa->integ, sa->prf, sa->dh_group };
	struct ike_engine *e = sa->e;
	struct ike_conn *conn;

	snprintf(why, cap, "no connection for the peer's ID");
	if (!e->ops->find_conn_for_responder)
		return false;
	conn = e->ops->find_conn_for_responder(e->ctx, &sa->local, &sa->remote, peer, &suite);
	if (!conn) {
		/* only to name the conn that refused */
		conn = e->ops->find_conn_for_responder(e->ctx, &sa->local, &sa->remote, peer, NULL);
		if (conn && conn != sa->conn && !ike_conn_accepts_ike(conn, &suite))
			refuse_text(sa, conn, "peer's ID", why, cap);
		return false;
	}
	if (conn == sa->conn)
		return true;
	if (!ike_conn_accepts_ike(conn, &suite)) {
		refuse_text(sa, conn, "peer's ID", why, cap);
		return false;
	}
	log_info("\"%s\" #%u: switched to connection \"%s\" for the peer's ID", sa->conn->name, sa->serial,
		 conn->name);
	ike_sa_set_conn(sa, conn);
	return true;
}

/* The first Child SA's selectors may belong to another conn of this peer
 * (leftsubnets=/rightsubnets= expand into one conn per pair): switch the
 * IKE SA to the conn that holds them.  Undecodable selectors are left to
 * responder_child() to refuse. */
static void switch_conn_for_child(struct ike_sa *sa, const struct ike_chain *ch)
{
	const struct pl_view *vi = ike_chain_find(ch, IKEV2_PL_TSi, NULL);
	const struct pl_view *vr = ike_chain_find(ch, IKEV2_PL_TSr, NULL);
	const struct alg_suite suite = { sa->encr, sa->keybits, sa->integ, sa->prf, sa->dh_group };
	struct ike_ts_payload tsi, tsr;
	struct ike_conn *conn;
	char why[256];

	if (!vi || !vr || ike_ts_decode(vi->body, vi->len, &tsi) != WIRE_OK ||
	    ike_ts_decode(vr->body, vr->len, &tsr) != WIRE_OK)
		return;
	conn = ts_conn_for_child(sa, sa->conn, &tsi, &tsr);
	if (!conn || conn == sa->conn)
		return;
	if (!ike_conn_accepts_ike(conn, &suite)) {
		/* stay: responder_child() refuses the selectors under sa->conn */
		refuse_text(sa, conn, "proposed traffic selectors", why, sizeof(why));
		log_info("\"%s\" #%u: not switching: %s", sa->conn->name, sa->serial, why);
		return;
	}
	log_info("\"%s\" #%u: switched to connection \"%s\" for the proposed traffic selectors", sa->conn->name,
		 sa->serial, conn->name);
	ike_sa_set_conn(sa, conn);
}

void auth_recv_request(struct ike_sa *sa, struct ike_msg *m)
{
	const struct ike_chain *ch = &m->inner;
	struct msg_build *mb = malloc(sizeof(*mb));
	struct ike_sa_payload *sap = malloc(sizeof(*sap));
	struct ike_id_payload idi;
	struct ike_auth au;
	const struct pl_view *va = ike_chain_find(ch, IKEV2_PL_AUTH, NULL);
	const struct pl_view *vs = ike_chain_find(ch, IKEV2_PL_SA, NULL);
	struct child_sa *c = NULL;
	uint8_t expect[CRYPTO_MAX_PRF_OUT], body[ID_BODY_MAX], auth[CRYPTO_MAX_PRF_OUT];
	size_t elen = 0, blen, alen = 0;
	uint16_t child_err = 0;
	struct cy_id lid;
	char idb[ID_STRLEN], why[256];

	if (!mb || !sap)
		goto out;
	if (!decode_id(ch, IKEV2_PL_IDi, &idi) || !va || ike_auth_decode(va->body, va->len, &au) != WIRE_OK ||
	    (vs && ike_sa_decode(vs->body, vs->len, sap) != WIRE_OK)) {
		eng_drop(sa->e, DROP_MALFORMED_PAYLOAD, "#%u: IKE_AUTH request: bad IDi, AUTH or SA", sa->serial);
		goto out;
	}
	if (!ike_sa_set_remote_id(sa, &idi.id)) {
		eng_drop(sa->e, DROP_MALFORMED_PAYLOAD, "#%u: IKE_AUTH request: out of memory", sa->serial);
		goto out;
	}
	if (!switch_conn(sa, &idi.id, why, sizeof(why)) || !peer_id_ok(sa, &idi.id)) {
		auth_fail_reply(sa, mb, why);
		goto out;
	}
	if (au.method != IKEV2_AUTH_PSK || sa->conn->authby != IKE_AUTHBY_PSK) {
		auth_fail_reply(sa, mb, "authentication method is not PSK");
		goto out;
	}
	if (!keys_psk_auth(sa, false, idi.rest, idi.rest_len, expect, &elen) ||
	    !auth_eq(expect, elen, au.data, au.len)) {
		auth_fail_reply(sa, mb, "PSK AUTH payload does not match");
		goto out;
	}
	/* authenticated: the rest is about the child */
	if (vs)
		switch_conn_for_child(sa, ch);
	our_id(sa, &lid);
	blen = id_body(&lid, body);
	if (!blen || !keys_psk_auth(sa, true, body, blen, auth, &alen)) {
		auth_fail_reply(sa, mb, "cannot compute our AUTH");
		goto out;
	}
	sa->peer_initial_contact = chain_notify(ch, v2N_INITIAL_CONTACT, NULL);
	if (vs) {
		c = child_sa_new(sa);
		child_err = c ? responder_child(sa, ch, c, sap, false) : v2N_TEMPORARY_FAILURE;
		if (!child_err && !keys_child_derive(sa, c, false, NULL, sa->ni, sa->ni_len, sa->nr, sa->nr_len))
			child_err = v2N_TEMPORARY_FAILURE;
	}
	mb_begin(mb, sa, IKEV2_EXCH_IKE_AUTH, true, m->hdr.msgid, true);
	ikeb_raw(&mb->b, IKEV2_PL_IDr, false, body, blen);
	ikeb_auth(&mb->b, IKEV2_AUTH_PSK, auth, alen);
	if (c)
		add_child_reply(mb, c, child_err);
	if (!ike_sa_set_state(sa, IKE_S_ESTABLISHED)) {
		ike_sa_destroy(sa, "cannot answer IKE_AUTH");
		c = NULL;                 /* freed with its IKE SA */
		goto out;
	}
	/* the Child SA goes in before the answer leaves: the initiator may send
	 * ESP the moment it has the answer */
	if (c && !child_err)
		child_install(c);
	if (!msg_send_response(mb)) {
		ike_sa_destroy(sa, "cannot answer IKE_AUTH");
		c = NULL;
		goto out;
	}
	ike_established_timers(sa);
	sa_line(sa, 3, "responder established IKE SA; authenticated peer using authby=secret and %s '%s'",
		id_kind_name(idi.id.kind), id_fmt(&idi.id, idb));
	if (sa->peer_initial_contact)
		initial_contact(sa);
	ike_announce(sa);
	if (c && !child_err) {
		child_line(c, false);
	} else if (c) {
		log_info("\"%s\" #%u: Child SA refused with %s", sa->conn->name, c->serial,
			 ikev2_notify_name(child_err) ? ikev2_notify_name(child_err) : "error");
		child_sa_free(c);
	}
	c = NULL;
	collide_uniqueids(sa);
out:
	if (c)
		child_sa_free(c);
	secret_wipe(expect, sizeof(expect));
	secret_wipe(auth, sizeof(auth));
	free(mb);
	free(sap);
}

/* ---- initiator: the response ---- */

static void initiator_auth_failed(struct ike_sa *sa, const char *why)
{
	struct msg_build *mb = malloc(sizeof(*mb));

	sa_line(sa, 3, "%s", why);
	msg_request_done(sa);
	if (mb && sa->keys.sk_ei) {
		/* tell the peer (best effort, not retransmitted) */
		mb_begin(mb, sa, IKEV2_EXCH_INFORMATIONAL, false, sa->next_msgid, true);
		ikeb_notify(&mb->b, IKEV2_PROTO_NONE, NULL, 0, v2N_AUTHENTICATION_FAILED, NULL, 0);
		struct pktset ps = { 0 };
		if (mb_finish(mb, &ps))
			msg_transmit(sa, &ps);
		pktset_clear(&ps);
	}
	free(mb);
	ike_sa_fail(sa, IKE_RC_FAILED, why);
}

/* The Child SA part of the IKE_AUTH response; returns the failure text or NULL. */
static const char *initiator_child(struct ike_sa *sa, const struct ike_chain *ch, struct child_sa *c,
				   char *buf, size_t cap)
{
	const struct pl_view *vs = ike_chain_find(ch, IKEV2_PL_SA, NULL);
	const struct pl_view *vi = ike_chain_find(ch, IKEV2_PL_TSi, NULL);
	const struct pl_view *vr = ike_chain_find(ch, IKEV2_PL_TSr, NULL);
	struct ike_sa_payload *sap;
	struct ike_ts_payload tsi, tsr;
	struct chosen cs;
	uint16_t err = chain_error_notify(ch);
	const char *why = NULL;

	if (!vs) {
		snprintf(buf, cap, "IKE_AUTH response rejected Child SA with %s",
			 err && ikev2_notify_name(err) ? ikev2_notify_name(err) + 4 : "no SA payload");
		return buf;
	}
	sap = malloc(sizeof(*sap));
	if (!sap || ike_sa_decode(vs->body, vs->len, sap) != WIRE_OK || !vi || !vr ||
	    ike_ts_decode(vi->body, vi->len, &tsi) != WIRE_OK || ike_ts_decode(vr->body, vr->len, &tsr) != WIRE_OK)
		why = "malformed SA or TS in IKE_AUTH response";
	else if (!prop_check_reply(sap, sa->conn->esp, PROP_ESP, false, sa->conn->esn, &cs))
		why = "IKE_AUTH response chose an ESP proposal we did not offer";
	else if (!ts_within(&tsi, c->ts_l) || !ts_within(&tsr, c->ts_r) || !ts_pairs_fit(&tsi, &tsr) ||
		 (!sa->conn->narrowing && (!ts_payload_eq(&tsi, c->ts_l) || !ts_payload_eq(&tsr, c->ts_r))))
		why = "IKE_AUTH response traffic selectors are not acceptable";
	else if (chain_notify(ch, v2N_USE_TRANSPORT_MODE, NULL) != c->transport)
		why = "IKE_AUTH response mode (tunnel/transport) differs";
	c->peer_no_tfc = chain_notify(ch, v2N_ESP_TFC_PADDING_NOT_SUPPORTED, NULL);
	free(sap);
	if (why)
		return why;
	c->spi_out = cs.spi;
	c->encr = cs.encr;
	c->keybits = cs.keybits;
	c->integ = cs.integ;
	c->esn = cs.esn;
	if (!child_set_ts(c, &tsi, &tsr))
		return "out of memory";
	if (!keys_child_derive(sa, c, true, NULL, sa->ni, sa->ni_len, sa->nr, sa->nr_len))
		return "Child SA key derivation failed";
	return NULL;
}

void auth_recv_response(struct ike_sa *sa, struct ike_msg *m)
{
	const struct ike_chain *ch = &m->inner;
	const struct pl_view *va = ike_chain_find(ch, IKEV2_PL_AUTH, NULL);
	struct ike_id_payload idr;
	struct ike_auth au;
	uint8_t expect[CRYPTO_MAX_PRF_OUT];
	size_t elen = 0;
	char idb[ID_STRLEN], buf[160];
	const char *child_why;
	struct child_sa *c = sa->auth_child;

	if (!va) {
		uint16_t err = chain_error_notify(ch);

		snprintf(buf, sizeof(buf), "IKE SA authentication request rejected by peer: %s",
			 err && ikev2_notify_name(err) ? ikev2_notify_name(err) + 4 : "no AUTH payload");
		msg_request_done(sa);
		ike_sa_fail(sa, IKE_RC_FAILED, buf);
		return;
	}
	if (!decode_id(ch, IKEV2_PL_IDr, &idr) || ike_auth_decode(va->body, va->len, &au) != WIRE_OK) {
		eng_drop(sa->e, DROP_MALFORMED_PAYLOAD, "#%u: IKE_AUTH response: bad IDr or AUTH", sa->serial);
		return;
	}
	if (!ike_sa_set_remote_id(sa, &idr.id)) {
		eng_drop(sa->e, DROP_MALFORMED_PAYLOAD, "#%u: IKE_AUTH response: out of memory", sa->serial);
		return;
	}
	if (!peer_id_ok(sa, &idr.id)) {
		snprintf(buf, sizeof(buf), "peer ID '%s' does not match the expected rightid", id_fmt(&idr.id, idb));
		initiator_auth_failed(sa, buf);
		return;
	}
	if (au.method != IKEV2_AUTH_PSK || !keys_psk_auth(sa, false, idr.rest, idr.rest_len, expect, &elen) ||
	    !auth_eq(expect, elen, au.data, au.len)) {
		secret_wipe(expect, sizeof(expect));
		initiator_auth_failed(sa, "authentication failed: PSK AUTH payload of the peer does not match");
		return;
	}
	secret_wipe(expect, sizeof(expect));
	msg_request_done(sa);
	if (!ike_sa_set_state(sa, IKE_S_ESTABLISHED))
		return;
	ike_established_timers(sa);
	sa_line(sa, 3, "initiator established IKE SA; authenticated peer using authby=secret and %s '%s'",
		id_kind_name(idr.id.kind), id_fmt(&idr.id, idb));
	ike_announce(sa);
	sa->auth_child = NULL;
	child_why = c ? initiator_child(sa, ch, c, buf, sizeof(buf)) : "no Child SA";
	if (child_why) {
		sa_line_serial(sa, c ? c->serial : sa->serial, 3, "%s", child_why);
		if (c)
			child_sa_free(c);
		sa_done(sa, IKE_RC_FAILED, child_why);
	} else {
		child_install(c);
		child_line(c, true);
		sa_done(sa, IKE_RC_OK, "established");
	}
	collide_uniqueids(sa);
	ike_sa_run_pending(sa);
}
