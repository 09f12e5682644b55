/* IKE_SA_INIT (RFC 7296 §1.2, §2.6 COOKIE, §1.2/§2.7 INVALID_KE_PAYLOAD),
 * the initiator's side (the responder's: ikev2_sa_init_r.c):
 *
 *   HDR, [N(COOKIE)], SAi1, KEi, Ni, [N(NAT_DETECTION_*)], [N(FRAG)]  -->
 *                  <--  HDR, SAr1, KEr, Nr, [N(NAT_DETECTION_*)], [N(FRAG)]
 *                  <--  HDR, N(COOKIE) | N(INVALID_KE_PAYLOAD) | N(NO_PROPOSAL_CHOSEN)
 */
#include "ike/sa_init_int.h"

#include <stdlib.h>
#include <string.h>

#include "lib/log.h"

/* RFC 7427 hash algorithms: SHA2-256, SHA2-384, SHA2-512 */
static const uint8_t sig_hashes[] = { 0, 2, 0, 3, 0, 4 };

bool sa_init_copy_msg(uint8_t **dst, size_t *dlen, const uint8_t *p, size_t len)
{
	free(*dst);
	*dst = malloc(len);
	if (!*dst)
		return false;
	memcpy(*dst, p, len);
	*dlen = len;
	return true;
}

void sa_init_notifies(struct msg_build *mb, struct ike_sa *sa)
{
	nat_add_notifies(mb, sa);
	if (sa->conn->fragmentation)
		ikeb_notify(&mb->b, IKEV2_PROTO_NONE, NULL, 0, v2N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
	ikeb_notify(&mb->b, IKEV2_PROTO_NONE, NULL, 0, v2N_SIGNATURE_HASH_ALGORITHMS, sig_hashes,
		    sizeof(sig_hashes));
}

/* The request, with sa's key pair (of sa->dh_group). */
static bool init_request_build(struct ike_sa *sa)
{
	struct ike_sa_payload sap;
	struct msg_build *mb;
	const uint8_t *pub;
	size_t publen;
	bool ok = false;

	if (!(mb = malloc(sizeof(*mb))))
		return false;
	if (!sa->spi_i && !crypto_random_ike_spi((uint8_t *)&sa->spi_i))
		goto out;
	sa->spi_r = 0;
	ike_sa_reindex(sa);
	if (sa->ni_len == 0 && !nonce_store(&sa->ni, &sa->ni_len, NULL, IKE_NONCE_LEN))
		goto out;
	pub = dh_public(sa->dh, &publen);
	sa->next_msgid = 0;
	mb_begin(mb, sa, IKEV2_EXCH_IKE_SA_INIT, false, 0, false);
	if (sa->cookie_len)
		ikeb_notify(&mb->b, IKEV2_PROTO_NONE, NULL, 0, v2N_COOKIE, sa->cookie, sa->cookie_len);
	prop_build_sa(sa->conn->ike, PROP_IKE, true, IKE_ESN_EITHER, 0, 0, sa->dh_group, &sap);
	ikeb_sa(&mb->b, &sap);
	ikeb_ke(&mb->b, sa->dh_group, pub, publen);
	ikeb_nonce(&mb->b, sa->ni, sa->ni_len);
	sa_init_notifies(mb, sa);
	if (!msg_send_request(mb) || sa->out.pkts.n != 1 ||
	    !sa_init_copy_msg(&sa->init_req, &sa->init_req_len, sa->out.pkts.p[0], sa->out.pkts.len[0]))
		goto out;
	if (sa->state != IKE_S_INIT_I)
		ike_sa_set_state(sa, IKE_S_INIT_I);
	{
		char a[ADDR_STRLEN];

		sa_line(sa, 181, "sent IKE_SA_INIT request to %s:%u", addr_fmt(&sa->remote.addr, a),
			sa->remote.port);
	}
	ok = true;
out:
	free(mb);
	return ok;
}

/* After our key pair's job: the request goes out. */
static void init_request_after(struct ike_sa *sa, struct ike_job *j)
{
	if (!j->ok) {
		ike_sa_fail(sa, IKE_RC_FAILED, "cannot make a DH key pair");
		return;
	}
	dh_free(sa->dh);
	sa->dh = j->dh;
	j->dh = NULL;
	if (!init_request_build(sa))
		ike_sa_fail(sa, IKE_RC_FAILED, "cannot build IKE_SA_INIT request");
}

bool sa_init_send_request(struct ike_sa *sa)
{
	const struct alg_desc *dha = dh_alg_get(sa->dh_group);
	struct ike_job *j;

	if (!dha)
		return false;
	/* a COOKIE or a new attempt resends the same KE (RFC 7296 §2.6) */
	if (sa->dh && dh_get_alg(sa->dh) == dha)
		return init_request_build(sa);
	dh_free(sa->dh);
	sa->dh = NULL;
	j = job_new(sa, JOB_KEYPAIR, init_request_after);
	if (!j)
		return false;
	j->dh_alg = dha;
	if (job_submit(sa, j))
		return true;   /* inline: done, and sa may be gone */
	/* the executor is full: make it here rather than not initiate */
	ike_job_free(j);
	sa->dh = dh_new(dha);
	return sa->dh && init_request_build(sa);
}

struct ike_sa *sa_init_start(struct ike_engine *e, struct ike_conn *conn, const struct ip_addr *remote,
			     const struct ike_sink *sink)
{
	struct ike_sa *sa;
	unsigned serial;

	if (!remote || !addr_is_set(remote) || addr_is_any(remote))
		remote = &conn->remote.addr;
	if (!addr_is_set(remote) || addr_is_any(remote)) {
		char line[IKE_CONN_NAMELEN + 80];

		if (sink && sink->line) {
			snprintf(line, sizeof(line), "\"%s\": cannot initiate connection without knowing peer IP address",
				 conn->name);
			sink->line(sink->arg, 29, line);
			snprintf(line, sizeof(line), "\"%s\": failed to initiate connection", conn->name);
			sink->line(sink->arg, 36, line);
		}
		if (sink && sink->done)
			sink->done(sink->arg, IKE_RC_CANNOT_INITIATE, "cannot initiate connection without knowing peer IP address");
		return NULL;
	}
	sa = ike_sa_new(e, conn, true);
	if (!sa) {
		if (sink && sink->done)
			sink->done(sink->arg, IKE_RC_FAILED, "out of memory");
		return NULL;
	}
	op_sink_start(&sa->op, sink, NULL);
	sa->peer_addr = *remote;
	sa->local = (struct ike_endpoint){ conn->local.addr, conn->local.ike_port ? conn->local.ike_port : 500 };
	sa->remote = (struct ike_endpoint){ *remote, conn->remote.ike_port ? conn->remote.ike_port : 500 };
	sa->dh_group = prop_first_dh(conn->ike);
	sa_line(sa, 181, "initiating IKEv2 connection");
	serial = sa->serial;
	if (!sa_init_send_request(sa)) {
		sa_done(sa, IKE_RC_FAILED, "cannot build IKE_SA_INIT request");
		ike_sa_destroy(sa, "cannot build IKE_SA_INIT request");
		return NULL;
	}
	return ike_sa_by_serial(e, serial);   /* a job run inline may have failed it */
}

void ike_sa_fail(struct ike_sa *sa, int status, const char *reason)
{
	struct ike_engine *e = sa->e;
	struct ike_conn *conn = ike_conn_ref(sa->conn);
	struct ip_addr peer = sa->peer_addr;
	unsigned tries = sa->keying_try + 1;
	bool retry = sa->initiator && status == IKE_RC_TIMEOUT && !conn->gone &&
		     (conn->keyingtries == 0 || tries < conn->keyingtries);

	if (retry) {
		if (conn->keyingtries == 0)
			sa_line(sa, 0, "starting keying attempt %u of an unlimited number, but releasing whack", tries + 1);
		else
			sa_line(sa, 0, "starting keying attempt %u of at most %u, but releasing whack", tries + 1,
				conn->keyingtries);
	}
	sa_done(sa, status, reason);
	ike_sa_destroy(sa, reason);
	if (retry) {
		struct ike_sa *n = sa_init_start(e, conn, &peer, NULL);

		if (n)
			n->keying_try = tries;
	}
	ike_conn_unref(conn);
}

bool sa_init_decode(struct ike_engine *e, const struct ike_chain *c, struct ike_sa_payload *sap,
			struct ike_ke *ke, struct ike_nonce *n)
{
	const struct pl_view *vs = ike_chain_find(c, IKEV2_PL_SA, NULL);
	const struct pl_view *vk = ike_chain_find(c, IKEV2_PL_KE, NULL);
	const struct pl_view *vn = ike_chain_find(c, IKEV2_PL_NONCE, NULL);
	enum wire_err we;

	if (!vs || !vk || !vn) {
		eng_drop(e, DROP_PAYLOAD_RULES, "IKE_SA_INIT without SA, KE or Nonce");
		return false;
	}
	if ((we = ike_sa_decode(vs->body, vs->len, sap)) != WIRE_OK ||
	    (we = ike_ke_decode(vk->body, vk->len, ke)) != WIRE_OK ||
	    (we = ike_nonce_decode(vn->body, vn->len, n)) != WIRE_OK) {
		eng_drop(e, DROP_MALFORMED_PAYLOAD, "IKE_SA_INIT: %s", wire_err_text(we));
		return false;
	}
	return true;
}

/* ---- initiator: the response ---- */

static void notify_only_response(struct ike_sa *sa, struct ike_msg *m)
{
	struct ike_notify n;
	char reason[128];
	uint16_t err;

	if (chain_notify(&m->outer, v2N_COOKIE, &n)) {
		if (sa->cookie_len || n.data_len > IKE_COOKIE_MAX ||
		    !nonce_store(&sa->cookie, &sa->cookie_len, n.data, n.data_len)) {
			eng_drop(sa->e, DROP_BAD_COOKIE, "#%u: second or bad COOKIE request", sa->serial);
			return;
		}
		msg_request_done(sa);
		log_info("\"%s\" #%u: received COOKIE, resending IKE_SA_INIT", sa->conn->name, sa->serial);
		if (!sa_init_send_request(sa))
			ike_sa_fail(sa, IKE_RC_FAILED, "cannot resend IKE_SA_INIT");
		return;
	}
	if (chain_notify(&m->outer, v2N_INVALID_KE_PAYLOAD, &n)) {
		uint16_t g = ike_notify_u16(&n);

		if (g == sa->dh_group || !prop_dh_allowed(sa->conn->ike, g) || !dh_alg_get(g) ||
		    sa->invalid_ke_tries >= 3) {
			eng_drop(sa->e, DROP_BAD_KE, "#%u: INVALID_KE_PAYLOAD asks for unacceptable group %u",
				 sa->serial, g);
			return;   /* keep retransmitting: unauthenticated */
		}
		sa->invalid_ke_tries++;
		sa_line(sa, 2, "received INVALID_KE_PAYLOAD; resending IKE_SA_INIT with %s",
			alg_fqn(IKEV2_TRANS_DH, g));
		sa->dh_group = g;
		msg_request_done(sa);
		if (!sa_init_send_request(sa))
			ike_sa_fail(sa, IKE_RC_FAILED, "cannot resend IKE_SA_INIT");
		return;
	}
	err = chain_error_notify(&m->outer);
	if (!err) {
		eng_drop(sa->e, DROP_PAYLOAD_RULES, "#%u: IKE_SA_INIT response without SA or error", sa->serial);
		return;
	}
	snprintf(reason, sizeof(reason), "IKE_SA_INIT response rejected: %s",
		 ikev2_notify_name(err) ? ikev2_notify_name(err) + 4 : "error");
	sa_line(sa, 3, "%s", reason);
	msg_request_done(sa);
	ike_sa_fail(sa, IKE_RC_FAILED, reason);
}

/* After the job (g^ir, SK_*) for the response j->msg: commit, IKE_AUTH. */
static void init_response_after(struct ike_sa *sa, struct ike_job *j)
{
	struct ike_msg m;
	struct ike_nonce nr;
	const struct pl_view *vn;

	if (!j->ok) {
		/* a bad KE in an unauthenticated response: keep waiting */
		sa->dh = j->dh;
		j->dh = NULL;
		eng_drop(sa->e, j->bad_ke ? DROP_BAD_KE : DROP_CRYPTO, "#%u: IKE_SA_INIT response KE: %s",
			 sa->serial, j->why);
		return;
	}
	/* decoded and checked before the job: cannot fail now */
	if (ike_msg_decode(j->msg, j->msg_len, &m) != WIRE_OK || !(vn = ike_chain_find(&m.outer, IKEV2_PL_NONCE, NULL)) ||
	    ike_nonce_decode(vn->body, vn->len, &nr) != WIRE_OK) {
		msg_request_done(sa);
		ike_sa_fail(sa, IKE_RC_FAILED, "IKE_SA_INIT response lost");
		return;
	}
	/* all checks passed: commit */
	sa->spi_r = m.hdr.spi_r;
	sa->encr = j->ch.encr;
	sa->keybits = j->ch.keybits;
	sa->prf = j->ch.prf;
	sa->integ = j->ch.integ;
	sa->frag_ok = sa->conn->fragmentation && chain_notify(&m.outer, v2N_IKEV2_FRAGMENTATION_SUPPORTED, NULL);
	keys_ike_take(sa, &j->algs, &j->keys);
	if (!nonce_store(&sa->nr, &sa->nr_len, nr.data, nr.len) ||
	    !sa_init_copy_msg(&sa->init_resp, &sa->init_resp_len, m.raw, m.raw_len)) {
		msg_request_done(sa);
		ike_sa_fail(sa, IKE_RC_FAILED, "key derivation failed");
		return;
	}
	msg_request_done(sa);
	nat_process(sa, &m.outer, m.hdr.spi_r);
	if (!auth_send_request(sa))
		ike_sa_fail(sa, IKE_RC_FAILED, "cannot build IKE_AUTH request");
}

/* The initiator's job for a response: our key pair (taken from sa),
 * g^ir, SKEYSEED, SK_*. */
static struct ike_job *response_job(struct ike_sa *sa, const struct ike_msg *m, const struct ike_ke *ke,
				    const struct ike_nonce *nr, const struct chosen *ch)
{
	struct ike_job *j = job_new(sa, JOB_IKE_SA_INIT, init_response_after);

	if (!j || !job_set_peer_ke(j, ke->data, ke->len) || !job_set_msg(j, m->raw, m->raw_len) ||
	    !keys_algs_get(ch, &j->algs)) {
		ike_job_free(j);
		return NULL;
	}
	j->ch = *ch;
	memcpy(j->ni, sa->ni, sa->ni_len);
	j->ni_len = sa->ni_len;
	memcpy(j->nr, nr->data, nr->len);
	j->nr_len = nr->len;
	keys_spis(sa->spi_i, m->hdr.spi_r, j->spii, j->spir);
	j->dh = sa->dh;
	sa->dh = NULL;
	return j;
}

void sa_init_recv_response(struct ike_sa *sa, struct ike_msg *m)
{
	struct ike_sa_payload *sap;
	struct ike_ke ke;
	struct ike_nonce nr;
	struct chosen ch;
	struct ike_job *j;

	if (job_waiting(sa)) {
		eng_drop(sa->e, DROP_CRYPTO_BUSY, "#%u: IKE_SA_INIT response while its keys are computed", sa->serial);
		return;
	}
	if (!ike_chain_find(&m->outer, IKEV2_PL_SA, NULL)) {
		notify_only_response(sa, m);
		return;
	}
	if (m->hdr.spi_r == 0) {
		eng_drop(sa->e, DROP_MALFORMED_HEADER, "#%u: IKE_SA_INIT response without responder SPI", sa->serial);
		return;
	}
	sap = malloc(sizeof(*sap));
	if (!sap || !sa_init_decode(sa->e, &m->outer, sap, &ke, &nr))
		goto out;
	if (!prop_check_reply(sap, sa->conn->ike, PROP_IKE, true, IKE_ESN_EITHER, &ch) || ch.dh != sa->dh_group) {
		eng_drop(sa->e, DROP_MALFORMED_PAYLOAD, "#%u: IKE_SA_INIT response chose a proposal we did not offer",
			 sa->serial);
		goto out;
	}
	if (ke.group != sa->dh_group || !sa->dh) {
		eng_drop(sa->e, DROP_BAD_KE, "#%u: IKE_SA_INIT response KE: %s", sa->serial,
			 ke.group != sa->dh_group ? "wrong group" : "no key pair");
		goto out;
	}
	j = response_job(sa, m, &ke, &nr, &ch);
	if (!j) {
		msg_request_done(sa);
		ike_sa_fail(sa, IKE_RC_FAILED, "key derivation failed");
		goto out;
	}
	/* refused (queue full): dropped; our retransmission brings it again */
	if (!job_submit(sa, j)) {
		sa->dh = j->dh;
		j->dh = NULL;
		ike_job_free(j);
	}
out:
	free(sap);
}
