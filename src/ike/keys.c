/* Glue between the exchanges and src/crypto: IKE SA keys (§2.14, §2.18),
 * Child SA keys (§2.17), SK payload protection per direction, PSK AUTH
 * (§2.15), and the hand-off of Child SAs to the embedder's dataplane. */
#include "ike/sa.h"

#include <stdlib.h>
#include <string.h>

#include "lib/log.h"

bool keys_algs_get(const struct chosen *ch, struct ike_algs *out)
{
	memset(out, 0, sizeof(*out));
	alg_cipher_get(ch->encr, ch->keybits, &out->encr);
	out->prf = prf_alg_get(ch->prf);
	out->integ = integ_alg_get(ch->integ);
	out->dh = dh_alg_get(ch->dh);
	return out->encr.alg && out->prf && (out->encr.alg->aead || out->integ);
}

void keys_ike_take(struct ike_sa *sa, const struct ike_algs *algs, struct ike_keys *k)
{
	sa->algs = *algs;
	ike_keys_free(&sa->keys);
	sa->keys = *k;
	memset(k, 0, sizeof(*k));
}

void keys_spis(uint64_t spi_i, uint64_t spi_r, uint8_t spii[8], uint8_t spir[8])
{
	put_be32(spii, (uint32_t)(spi_i >> 32));
	put_be32(spii + 4, (uint32_t)spi_i);
	put_be32(spir, (uint32_t)(spi_r >> 32));
	put_be32(spir + 4, (uint32_t)spi_r);
}

static struct secret *nonempty(struct secret *s)
{
	if (s && s->len == 0) {
		secret_free(s);
		return NULL;
	}
	return s;
}

bool keys_child_derive(struct ike_sa *sa, struct child_sa *c, bool we_initiated,
		       const struct secret *gir, const uint8_t *ni, size_t nilen,
		       const uint8_t *nr, size_t nrlen)
{
	const struct alg_desc *integ = integ_alg_get(c->integ);
	struct alg_cipher encr;
	struct child_keys k = { 0 };

	if (!alg_cipher_get(c->encr, c->keybits, &encr) || (!encr.alg->aead && !integ))
		return false;
	if (!child_keys_derive(sa->algs.prf, sa->keys.sk_d, &encr, integ, gir, ni, nilen, nr, nrlen, &k))
		return false;
	keys_child_take(c, we_initiated, &k);
	return true;
}

void keys_child_take(struct child_sa *c, bool we_initiated, struct child_keys *k)
{
	c->k_out_e = we_initiated ? k->encr_i : k->encr_r;
	c->k_out_a = nonempty(we_initiated ? k->integ_i : k->integ_r);
	c->k_in_e = we_initiated ? k->encr_r : k->encr_i;
	c->k_in_a = nonempty(we_initiated ? k->integ_r : k->integ_i);
	memset(k, 0, sizeof(*k));
}

static void sk_keys_dir(const struct ike_sa *sa, bool from_initiator, struct sk_keys *k)
{
	k->encr = &sa->algs.encr;
	k->integ = sa->algs.integ;
	k->sk_e = from_initiator ? sa->keys.sk_ei : sa->keys.sk_er;
	k->sk_a = from_initiator ? sa->keys.sk_ai : sa->keys.sk_ar;
}

void keys_sk_out(const struct ike_sa *sa, struct sk_keys *k) { sk_keys_dir(sa, sa->initiator, k); }
void keys_sk_in(const struct ike_sa *sa, struct sk_keys *k) { sk_keys_dir(sa, !sa->initiator, k); }

/* Fragments stored for an IKE SA not yet authenticated count against the
 * engine's budget (cfg.frag_unauth_budget) until it is established or goes. */
static bool unauthenticated(const struct ike_sa *sa)
{
	return sa->state == IKE_S_NEW || sa->state == IKE_S_INIT_I || sa->state == IKE_S_INIT_R ||
	       sa->state == IKE_S_AUTH_I;
}

void frag_budget_sync(struct ike_sa *sa)
{
	size_t now = 0;

	if (unauthenticated(sa))
		now = (sa->reasm_req ? sa->reasm_req->bytes : 0) + (sa->reasm_resp ? sa->reasm_resp->bytes : 0);

	sa->e->frag_unauth_bytes = sa->e->frag_unauth_bytes - sa->frag_acct + now;
	sa->frag_acct = now;
}

static bool decrypt_frag(struct ike_sa *sa, struct ike_msg *m, const struct sk_keys *k,
			 uint8_t *plain, size_t cap, bool *wait)
{
	const struct pl_view *v = &m->outer.pl[m->sk_index];
	struct ike_skf f;
	enum wire_err we = ike_skf_decode(v->body, v->len, &f);
	enum frag_result fr;
	struct frag_reasm *r, **rp;
	uint8_t first_np = 0;
	bool ok;
	const char *why;
	size_t plen;

	if (we != WIRE_OK) {
		eng_drop(sa->e, DROP_FRAGMENT, "#%u: %s", sa->serial, wire_err_text(we));
		return false;
	}
	if (!sa->frag_ok) {
		eng_drop(sa->e, DROP_FRAGMENT, "#%u: fragment but fragmentation was not negotiated", sa->serial);
		return false;
	}
	if (!sk_decrypt(k, m->raw, m->aad_len, f.rest, f.rest_len, plain, cap, &plen, &why)) {
		eng_drop(sa->e, DROP_DECRYPT, "#%u: fragment %u/%u: %s", sa->serial, f.number, f.total, why);
		return false;
	}
	sa->e->stats.fragments_rx++;
	rp = ike_hdr_is_response(&m->hdr) ? &sa->reasm_resp : &sa->reasm_req;
	if (!*rp && !(*rp = calloc(1, sizeof(**rp)))) {
		eng_drop(sa->e, DROP_FRAGMENT, "#%u: %s", sa->serial, frag_result_name(FRAG_NOMEM));
		return false;
	}
	r = *rp;
	if (unauthenticated(sa) && sa->e->frag_unauth_bytes + plen > sa->e->cfg.frag_unauth_budget) {
		eng_drop(sa->e, DROP_FRAG_BUDGET, "#%u: fragment %u/%u: %zu bytes stored for unauthenticated IKE SAs",
			 sa->serial, f.number, f.total, sa->e->frag_unauth_bytes);
		return false;
	}
	if (rp == &sa->reasm_req && f.number == 1)
		resend_note_request(sa, m->raw, m->raw_len);
	fr = frag_reasm_add(r, m->hdr.msgid, f.number, f.total, m->sk_first_np, plain, plen);
	frag_budget_sync(sa);
	if (fr == FRAG_STORED) {
		*wait = true;
		return true;
	}
	if (fr != FRAG_COMPLETE) {
		eng_drop(sa->e, DROP_FRAGMENT, "#%u: %s", sa->serial, frag_result_name(fr));
		return false;
	}
	ok = frag_reasm_take(r, plain, cap, &plen, &first_np);
	frag_budget_sync(sa);
	if (!ok) {
		eng_drop(sa->e, DROP_FRAGMENT, "#%u: reassembly failed", sa->serial);
		return false;
	}
	we = ike_chain_decode(first_np, plain, plen, &m->inner);
	if (we != WIRE_OK) {
		eng_drop(sa->e, DROP_MALFORMED_PAYLOAD, "#%u: reassembled: %s", sa->serial, wire_err_text(we));
		return false;
	}
	m->inner_valid = true;
	return true;
}

bool keys_decrypt_msg(struct ike_sa *sa, struct ike_msg *m, uint8_t *plain, size_t cap, bool *wait)
{
	struct sk_keys k;
	const struct pl_view *v;
	const char *why;
	size_t plen;
	enum wire_err we;

	*wait = false;
	if (!sa->algs.encr.alg || !sa->keys.sk_ei) {
		eng_drop(sa->e, DROP_WRONG_STATE, "#%u: no keys yet", sa->serial);
		return false;
	}
	keys_sk_in(sa, &k);
	if (m->sk_is_frag)
		return decrypt_frag(sa, m, &k, plain, cap, wait);
	v = &m->outer.pl[m->sk_index];
	if (!sk_decrypt(&k, m->raw, m->aad_len, v->body, v->len, plain, cap, &plen, &why)) {
		eng_drop(sa->e, DROP_DECRYPT, "#%u: %s", sa->serial, why);
		return false;
	}
	we = ike_chain_decode(m->sk_first_np, plain, plen, &m->inner);
	if (we != WIRE_OK) {
		eng_drop(sa->e, DROP_MALFORMED_PAYLOAD, "#%u: %s", sa->serial, wire_err_text(we));
		return false;
	}
	m->inner_valid = true;
	return true;
}

static void local_id(const struct ike_sa *sa, struct cy_id *id)
{
	if (sa->conn->local.id->kind == ID_NONE)
		id_from_addr(sa->local.addr.af ? &sa->local.addr : &sa->conn->local.addr, id);
	else
		*id = *sa->conn->local.id;
}

/* The peer's ID for choosing the PSK: as received, or before the peer has
 * sent one (our own AUTH as initiator) the configured ID or address. */
static void peer_id(const struct ike_sa *sa, struct cy_id *id)
{
	if (sa->remote_id->kind != ID_NONE)
		ike_sa_remote_id(sa, id);
	else if (sa->conn->remote.id->kind != ID_NONE)
		*id = *sa->conn->remote.id;
	else
		id_from_addr(sa->remote.addr.af ? &sa->remote.addr : &sa->conn->remote.addr, id);
}

bool keys_psk_auth(struct ike_sa *sa, bool ours, const uint8_t *id_body, size_t idlen,
		   uint8_t out[CRYPTO_MAX_PRF_OUT], size_t *outlen)
{
	bool signer_is_initiator = ours ? sa->initiator : !sa->initiator;
	const uint8_t *msg = signer_is_initiator ? sa->init_req : sa->init_resp;
	size_t msglen = signer_is_initiator ? sa->init_req_len : sa->init_resp_len;
	const uint8_t *nonce = signer_is_initiator ? sa->nr : sa->ni;
	size_t nlen = signer_is_initiator ? sa->nr_len : sa->ni_len;
	const struct secret *skp = signer_is_initiator ? sa->keys.sk_pi : sa->keys.sk_pr;
	struct cy_id lid, rid;
	struct secret *psk;
	bool ok;

	if (!sa->e->ops->get_psk || !msg)
		return false;
	local_id(sa, &lid);
	peer_id(sa, &rid);
	psk = sa->e->ops->get_psk(sa->e->ctx, &lid, &rid);
	if (!psk) {
		char a[ID_STRLEN], b[ID_STRLEN];

		log_info("\"%s\" #%u: no PSK for %s - %s", sa->conn->name, sa->serial, id_fmt(&lid, a),
			 id_fmt(&rid, b));
		return false;
	}
	ok = ike_psk_auth(sa->algs.prf, psk, msg, msglen, nonce, nlen, skp, id_body, idlen, out, outlen);
	secret_free(psk);
	return ok;
}

void child_params_fill(const struct child_sa *c, struct ike_child_params *p)
{
	const struct ike_sa *sa = c->ike;
	const struct ike_conn *conn = child_conn(c);

	memset(p, 0, sizeof(*p));
	p->conn = conn;
	p->conn_name = conn->name;
	p->serial = c->serial;
	p->ike_serial = sa->serial;
	p->replaces = c->replaces;
	p->ike_initiator = sa->initiator;
	p->encr = c->encr;
	p->encr_keybits = c->keybits;
	p->integ = c->integ;
	p->dh = c->dh;
	p->esn = c->esn;
	p->transport = c->transport;
	p->peer_no_tfc = c->peer_no_tfc;
	p->encap = sa->nat_local || sa->nat_remote || sa->conn->encaps == IKE_ENCAPS_YES;
	p->local_port = sa->local.port;
	p->remote_port = sa->remote.port;
	p->replay_window = conn->replay_window;
	p->lifetime_ms = conn->ipsec_lifetime_ms;
	p->outbound_later = c->out_pending;
	p->in.spi = c->spi_in;
	p->in.src = sa->remote.addr;
	p->in.dst = sa->local.addr;
	p->in.encr_key = c->k_in_e;
	p->in.integ_key = c->k_in_a;
	p->out.spi = c->spi_out;
	p->out.src = sa->local.addr;
	p->out.dst = sa->remote.addr;
	p->out.encr_key = c->k_out_e;
	p->out.integ_key = c->k_out_a;
	p->ts_local = c->ts_l;
	p->ts_remote = c->ts_r;
}

void child_install(struct child_sa *c)
{
	struct ike_engine *e = c->ike->e;
	struct ike_child_params p;
	const struct ike_conn *conn = child_conn(c);
	uint64_t now = eng_now(e), life = conn->ipsec_lifetime_ms;

	child_sa_set_state(c, CHILD_S_ESTABLISHED);
	c->created = now;
	if (life) {
		uint64_t margin = conn->rekey_margin_ms;

		c->expire_at = now + life;
		/* the IKE SA's initiator rekeys first; the responder only if
		 * that did not happen by half the margin (avoids collisions) */
		if (conn->rekey && c->ike->initiator)
			c->rekey_at = eng_rekey_at(now, life, margin, conn->rekey_fuzz_pct);
		else if (conn->rekey && margin < life)
			c->rekey_at = now + life - margin / 2;
	}
	child_params_fill(c, &p);
	if (e->ops->child_sa_installed)
		e->ops->child_sa_installed(e->ctx, &p);
	c->installed = true;
	e->stats.established_child++;
}
