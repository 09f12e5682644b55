/* Retransmitted requests (RFC 7296 §2.1): the responder answers a request
 * it has answered already with the response it cached, without processing
 * it again.  That answer costs nothing to trigger, so it is bounded: a
 * response is replayed only for the same request byte for byte (a keyed
 * hash of the request, or of its fragment 1, kept with the response; an
 * IKE_SA_INIT request is compared with the copy kept for AUTH), at most
 * IKE_REPLAY_MAX times per response, and at most IKE_REPLAY_PER_SOURCE
 * times a second per source address (a fixed table of buckets chosen by
 * a keyed hash: addresses that share a bucket share its budget).  Without
 * these, one spoofed IKE_SA_INIT plus bare headers with its SPIi made us
 * send the cached response, ~16-25 times their size, to the spoofed
 * address at will. */
#include "ike/sa.h"

#include <string.h>

#include "lib/log.h"

bool resend_setup(struct ike_engine *e)
{
	return crypto_random(&e->replay_key, sizeof(e->replay_key)) &&
	       crypto_random(e->req_key, sizeof(e->req_key));
}

static bool req_hash(const struct ike_engine *e, const uint8_t *raw, size_t len, uint8_t out[IKE_REQ_HASH_LEN])
{
	const struct alg_desc *prf = prf_alg_get(IKEV2_PRF_HMAC_SHA2_256);
	struct chunk c = CHUNK(raw, len);
	uint8_t full[CRYPTO_MAX_PRF_OUT];

	if (!prf || !prf_raw(prf, e->req_key, sizeof(e->req_key), &c, 1, full))
		return false;
	memcpy(out, full, IKE_REQ_HASH_LEN);
	return true;
}

void resend_note_request(struct ike_sa *sa, const uint8_t *raw, size_t len)
{
	sa->rx_hash_ok = req_hash(sa->e, raw, len, sa->rx_hash);
}

/* One more replay to this source within its bucket's budget? */
static bool source_ok(struct ike_engine *e, const struct ip_addr *a)
{
	uint8_t bytes[16] = { 0 };
	uint64_t lo, hi, sec = eng_now(e) / 1000;
	struct replay_bucket *b;

	memcpy(bytes, a->a, addr_len(a));
	memcpy(&lo, bytes, 8);
	memcpy(&hi, bytes + 8, 8);
	b = &e->replay_src[ike_mix64(ike_mix64(lo ^ e->replay_key) ^ hi) % IKE_REPLAY_BUCKETS];

	if (b->window != sec) {
		b->window = sec;
		b->count = 0;
	}
	if (b->count >= IKE_REPLAY_PER_SOURCE)
		return false;
	b->count++;
	return true;
}

/* The request matched: replay within the limits. */
static void replay(struct ike_sa *sa, const struct ike_endpoint *remote)
{
	struct ike_engine *e = sa->e;

	if (sa->cache.replays >= IKE_REPLAY_MAX) {
		eng_drop(e, DROP_REPLAY_LIMIT, "#%u: request %u retransmitted %u times already", sa->serial,
			 sa->cache.msgid, sa->cache.replays);
		return;
	}
	if (!source_ok(e, &remote->addr)) {
		eng_drop(e, DROP_REPLAY_RATE, "#%u: request %u", sa->serial, sa->cache.msgid);
		return;
	}
	sa->cache.replays++;
	e->stats.cached_replays++;
	log_debug("#%u: retransmitted request %u, replaying the cached response", sa->serial, sa->cache.msgid);
	msg_transmit(sa, &sa->cache.pkts);
}

void resend_request(struct ike_sa *sa, const struct ike_msg *m, const struct ike_endpoint *remote)
{
	uint8_t h[IKE_REQ_HASH_LEN];

	if (m->sk_is_frag) {
		/* RFC 7383 §2.6.1: answer only the first fragment */
		struct ike_skf f;
		const struct pl_view *v = &m->outer.pl[m->sk_index];

		if (ike_skf_decode(v->body, v->len, &f) != WIRE_OK || f.number != 1) {
			sa->e->drops[DROP_RETRANSMITTED_FRAGMENT]++;   /* normal: not logged */
			return;
		}
	}
	if (!sa->cache.have_hash || !req_hash(sa->e, m->raw, m->raw_len, h) ||
	    !auth_eq(h, sizeof(h), sa->cache.req_hash, sizeof(h))) {
		eng_drop(sa->e, DROP_REPLAY_MISMATCH, "#%u: request %u is not the one answered", sa->serial,
			 m->hdr.msgid);
		return;
	}
	replay(sa, remote);
}

void resend_init_request(struct ike_sa *sa, const struct ike_msg *m, const struct ike_endpoint *remote)
{
	if (sa->job_id) {
		eng_drop(sa->e, DROP_CRYPTO_BUSY, "#%u: IKE_SA_INIT request retransmitted while its answer is computed",
			 sa->serial);
		return;
	}
	if (!sa->cache.valid || sa->cache.msgid != 0 || sa->state != IKE_S_INIT_R) {
		eng_drop(sa->e, DROP_WRONG_STATE, "IKE_SA_INIT request for existing #%u", sa->serial);
		return;
	}
	if (!sa->init_req || sa->init_req_len != m->raw_len || memcmp(sa->init_req, m->raw, m->raw_len) != 0) {
		eng_drop(sa->e, DROP_REPLAY_MISMATCH, "#%u: IKE_SA_INIT request is not the one answered", sa->serial);
		return;
	}
	replay(sa, remote);
}
