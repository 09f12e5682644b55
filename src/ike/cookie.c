/* Stateless COOKIEs (RFC 7296 §2.6) once half-open IKE SAs reach the
 * ddos threshold (ddos-mode=auto), always (busy) or never (unlimited); the
 * rotation of their secret. */
#include "ike/sa.h"

#include "lib/log.h"

bool ike_cookies_required(const struct ike_engine *e)
{
	if (e->cfg.ddos_unlimited)
		return false;
	if (e->cfg.ddos_busy)
		return true;
	return e->n_halfopen >= e->cfg.ddos_threshold;
}

bool ike_accepting_new(const struct ike_engine *e)
{
	return !e->cfg.halfopen_none && e->n_halfopen < e->cfg.max_halfopen && e->n_sas < e->cfg.max_ike_sas;
}

const struct ike_engine_config *ike_engine_get_config(const struct ike_engine *e)
{
	return &e->cfg;
}

/* Rotation (RFC 7296 §2.6): a secret that made or checked cookies lives
 * IKE_COOKIE_ROTATE_MS; the previous one is accepted IKE_COOKIE_GRACE_MS
 * more (an initiator answering a COOKIE made just before the rotation),
 * then wiped.  A secret no cookie used is never exposed: it is kept, and
 * an engine without cookies arms no timer. */
void cookie_timer(struct ike_engine *e, uint64_t now)
{
	if (e->cookie_prev_until && now >= e->cookie_prev_until) {
		secret_wipe(e->cookie.prev, sizeof(e->cookie.prev));
		e->cookie.have_prev = false;
		e->cookie_prev_until = 0;
	}
	if (!e->cookie_rotate_at || now < e->cookie_rotate_at)
		return;
	e->cookie_rotate_at = 0;
	if (!e->cookie_used)
		return;
	if (!cookie_secret_rotate(&e->cookie)) {
		log_error("cannot rotate the COOKIE secret: keeping it");
		return;
	}
	e->cookie_used = false;
	e->cookie_prev_until = now + IKE_COOKIE_GRACE_MS;
	e->stats.cookie_rotations++;
	log_debug("rotated the COOKIE secret (version %u)", e->cookie.version);
}

uint64_t cookie_deadline(const struct ike_engine *e)
{
	uint64_t d = e->cookie_used ? e->cookie_rotate_at : 0;

	if (e->cookie_prev_until && (!d || e->cookie_prev_until < d))
		d = e->cookie_prev_until;
	return d;
}

/* The secret is about to make or check a cookie. */
static void cookie_use(struct ike_engine *e)
{
	uint64_t now = eng_now(e);

	cookie_timer(e, now);   /* due work the host's timer has not run yet */
	if (!e->cookie_rotate_at)
		e->cookie_rotate_at = now + IKE_COOKIE_ROTATE_MS;
	e->cookie_used = true;
}

bool cookie_check_request(struct ike_engine *e, const struct ike_msg *m, const struct ike_nonce *ni,
			  const struct ike_endpoint *local, const struct ike_endpoint *remote, bool force,
			  bool *proven)
{
	uint8_t spi[8], ck[COOKIE_LEN];
	struct ike_notify n;

	*proven = false;
	if (!ike_cookies_required(e) && (!force || e->cfg.ddos_unlimited))
		return true;   /* ddos-mode=unlimited: never, as the administrator said */
	cookie_use(e);
	put_be32(spi, (uint32_t)(m->hdr.spi_i >> 32));
	put_be32(spi + 4, (uint32_t)m->hdr.spi_i);
	if (chain_notify(&m->outer, v2N_COOKIE, &n)) {
		if (cookie_check(&e->cookie, ni->data, ni->len, &remote->addr, spi, n.data, n.data_len))
			return *proven = true;
		eng_drop(e, DROP_BAD_COOKIE, "IKE_SA_INIT with a wrong COOKIE");
		return false;
	}
	if (!cookie_make(&e->cookie, ni->data, ni->len, &remote->addr, spi, ck))
		return false;
	e->stats.cookies_sent++;
	send_plain_notify(e, &m->hdr, v2N_COOKIE, ck, sizeof(ck), local, remote);
	return false;
}
