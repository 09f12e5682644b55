/* Building and sending messages: message IDs (window 1), the outstanding
 * request kept for retransmission, and the cached response replayed when
 * the peer retransmits its request (RFC 7296 §2.1-2.3). */
#include "ike/sa.h"

#include <stdlib.h>
#include <string.h>

#include "lib/log.h"

void mb_begin(struct msg_build *mb, struct ike_sa *sa, uint8_t exch, bool response,
	      uint32_t msgid, bool encrypted)
{
	struct ike_hdr h = {
		.spi_i = sa->spi_i,
		.spi_r = sa->spi_r,
		.major = 2,
		.exch = exch,
		.flags = (uint8_t)((sa->initiator ? IKE_FLAG_I : 0) | (response ? IKE_FLAG_R : 0)),
		.msgid = msgid,
	};

	mb->sa = sa;
	mb->encrypted = encrypted;
	mb->exch = exch;
	mb->msgid = msgid;
	mb->response = response;
	ikeb_begin(&mb->b, mb->buf, sizeof(mb->buf), &h);
	if (encrypted)
		ikeb_sk_open(&mb->b, sa->algs.encr.alg->iv_len);
}

static size_t frag_limit(const struct ike_sa *sa)
{
	size_t l = sa->remote.addr.af == AF_INET6 ? 1280 - 40 - 8 : 1280 - 20 - 8;

	return sa->remote.port != 500 ? l - IKE_NON_ESP_MARKER : l;
}

static bool encrypt_region(const struct sk_keys *k, struct ike_sk_region *r, size_t inner_len)
{
	uint8_t *tmp = malloc(inner_len ? inner_len : 1);
	size_t outlen = 0;
	bool ok;

	if (!tmp)
		return false;
	memcpy(tmp, r->pt, inner_len);
	ok = sk_encrypt(k, r->msg, r->aad_len, tmp, inner_len, r->iv, r->iv_len + r->pt_len + r->icv_len,
			&outlen) &&
	     outlen == r->iv_len + r->pt_len + r->icv_len;
	secret_wipe(tmp, inner_len);
	free(tmp);
	if (!ok)
		log_error("SK encryption failed or sizes disagree (%zu)", outlen);
	return ok;
}

static bool fragment(struct msg_build *mb, const struct sk_keys *k, const struct ike_sk_region *r,
		     size_t inner_len, struct pktset *pkts)
{
	struct ike_sa *sa = mb->sa;
	struct ike_hdr h;
	struct frag_plan plan;
	uint8_t first_np = r->msg[r->aad_len - 4];
	uint8_t *inner = malloc(inner_len), *out = malloc(IKE_MSG_BUF);
	bool ok = false;

	if (!inner || !out)
		goto out;
	memcpy(inner, r->pt, inner_len);
	if (ike_hdr_decode(r->msg, r->msg_len, &h) != WIRE_OK)
		goto out;
	if (!frag_plan(inner_len, frag_limit(sa), k->encr->alg->iv_len, sk_icv_len(k), k->encr->alg->block_size, &plan))
		goto out;
	for (unsigned n = 1; n <= plan.total; n++) {
		struct ike_sk_region fr;
		size_t flen;

		if (!frag_build(&h, first_np, inner, inner_len, &plan, n, k->encr->alg->iv_len, sk_icv_len(k),
				k->encr->alg->block_size, out, IKE_MSG_BUF, &fr))
			goto out;
		flen = fr.pt_len - 1 - fr.pt[fr.pt_len - 1];
		if (!encrypt_region(k, &fr, flen) || !pktset_add(pkts, fr.msg, fr.msg_len))
			goto out;
		sa->e->stats.fragments_sent++;
	}
	ok = true;
out:
	if (inner) {
		secret_wipe(inner, inner_len);
		free(inner);
	}
	free(out);
	return ok;
}

bool mb_finish(struct msg_build *mb, struct pktset *pkts)
{
	struct ike_sk_region r;
	struct sk_keys k;
	size_t len, inner_len;

	pktset_clear(pkts);
	if (!mb->encrypted) {
		len = ikeb_finish(&mb->b);
		return len && pktset_add(pkts, mb->buf, len);
	}
	keys_sk_out(mb->sa, &k);
	if (!ikeb_sk_close(&mb->b, k.encr->alg->block_size, sk_icv_len(&k), &r)) {
		log_error("\"%s\" #%u: message does not fit", mb->sa->conn->name, mb->sa->serial);
		return false;
	}
	inner_len = r.pt_len - 1 - r.pt[r.pt_len - 1];
	if (mb->sa->frag_ok && mb->sa->conn->fragmentation && r.msg_len > frag_limit(mb->sa))
		return fragment(mb, &k, &r, inner_len, pkts);
	return encrypt_region(&k, &r, inner_len) && pktset_add(pkts, r.msg, r.msg_len);
}

void msg_transmit(struct ike_sa *sa, const struct pktset *ps)
{
	for (unsigned i = 0; i < ps->n; i++) {
		sa->e->stats.tx++;
		sa->e->ops->send(sa->e->ctx, ps->p[i], ps->len[i], &sa->local, &sa->remote);
	}
}

bool msg_send_request(struct msg_build *mb)
{
	struct ike_sa *sa = mb->sa;
	uint64_t now = eng_now(sa->e);

	pktset_clear(&sa->out.pkts);
	if (!mb_finish(mb, &sa->out.pkts))
		return false;
	sa->out.active = true;
	sa->out.msgid = mb->msgid;
	sa->out.exch = mb->exch;
	sa->out.first_sent = now;
	sa->out.interval = sa->conn->retransmit_interval_ms ? sa->conn->retransmit_interval_ms : 500;
	sa->out.next_at = now + sa->out.interval;
	sa->out.count = 0;
	sa->out.liveness = false;
	if (mb->msgid == sa->next_msgid)
		sa->next_msgid++;
	msg_transmit(sa, &sa->out.pkts);
	ike_sa_dirty(sa);
	eng_deadline_changed(sa->e);
	return true;
}

bool msg_send_response(struct msg_build *mb)
{
	struct ike_sa *sa = mb->sa;

	pktset_clear(&sa->cache.pkts);
	sa->cache.valid = false;
	if (!mb_finish(mb, &sa->cache.pkts))
		return false;
	sa->cache.valid = true;
	sa->cache.msgid = mb->msgid;
	sa->cache.replays = 0;
	sa->cache.have_hash = sa->rx_hash_ok;
	memcpy(sa->cache.req_hash, sa->rx_hash, sizeof(sa->cache.req_hash));
	sa->rx_hash_ok = false;
	sa->peer_msgid = mb->msgid + 1;
	msg_transmit(sa, &sa->cache.pkts);
	return true;
}

void msg_request_done(struct ike_sa *sa)
{
	pktset_clear(&sa->out.pkts);
	sa->out.active = false;
	ike_sa_dirty(sa);
}

void send_plain_notify(struct ike_engine *e, const struct ike_hdr *req, uint16_t type,
		       const uint8_t *data, size_t len, const struct ike_endpoint *local,
		       const struct ike_endpoint *remote)
{
	struct ike_hdr h = {
		.spi_i = req->spi_i, .major = 2, .exch = req->exch, .flags = IKE_FLAG_R, .msgid = req->msgid,
	};
	uint8_t buf[256];
	struct ikeb b;
	size_t n;

	ikeb_begin(&b, buf, sizeof(buf), &h);
	ikeb_notify(&b, IKEV2_PROTO_NONE, NULL, 0, type, data, len);
	n = ikeb_finish(&b);
	if (!n)
		return;
	e->stats.tx++;
	e->ops->send(e->ctx, buf, n, local, remote);
}
