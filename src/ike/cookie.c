/* Stateless COOKIEs (RFC 7296 §2.6) once half-open IKE SAs reach the
 * ddos threshold (ddos-mode=auto), always (busy) or never (unlimited). */
#include "ike/sa.h"

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

bool cookie_check_request(struct ike_engine *e, const struct ike_msg *m, const struct ike_nonce *ni,
			  const struct ike_endpoint *local, const struct ike_endpoint *remote)
{
	uint8_t spi[8], ck[COOKIE_LEN];
	struct ike_notify n;

	if (!ike_cookies_required(e))
		return true;
	put_be32(spi, (uint32_t)(m->hdr.spi_i >> 32));
	put_be32(spi + 4, (uint32_t)m->hdr.spi_i);
	if (chain_notify(&m->outer, v2N_COOKIE, &n)) {
		if (cookie_check(&e->cookie, ni->data, ni->len, &remote->addr, spi, n.data, n.data_len))
			return true;
		eng_drop(e, DROP_BAD_COOKIE, "IKE_SA_INIT with a wrong COOKIE");
		return false;
	}
	if (!cookie_make(&e->cookie, ni->data, ni->len, &remote->addr, spi, ck))
		return false;
	e->stats.cookies_sent++;
	send_plain_notify(e, &m->hdr, v2N_COOKIE, ck, sizeof(ck), local, remote);
	return false;
}
