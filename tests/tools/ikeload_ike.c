/* One ikeload initiator's messages (RFC 7296), with Cygnet's wire builders,
 * decoders and crypto.  No sockets and no clock: ikeload.c sends sa->req and
 * hands back the responses.
 *
 *   HDR, [N(COOKIE)], SAi1, KEi, Ni, N(NAT_D_SRC), N(NAT_D_DST),
 *        [N(CHILDLESS_IKEV2_SUPPORTED)]                              -->
 *                             <--  HDR, SAr1, KEr, Nr, [N(...)]  | N(COOKIE) | N(INVALID_KE)
 *   HDR, SK {IDi, AUTH, [SAi2, TSi, TSr]}                            -->
 *                             <--  HDR, SK {IDr, AUTH, [SAr2, TSi, TSr]}
 *   HDR, SK {D(IKE)}                                                 -->
 *                             <--  HDR, SK {}                                      */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ike/sa.h"
#include "ikeload.h"

#include <stdarg.h>

__attribute__((format(printf, 2, 3)))
static void fail_why(struct ikl_sa *sa, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sa->why, sizeof(sa->why), fmt, ap);
	va_end(ap);
}

/* The ID text: fmt with each "%u" replaced by the initiator's number. */
static void id_text(const char *fmt, uint32_t num, char *out, size_t cap)
{
	struct wr w = wr_init(out, cap - 1);
	char n[16];

	snprintf(n, sizeof(n), "%u", num);
	for (const char *p = fmt; *p; p++) {
		if (p[0] == '%' && p[1] == 'u') {
			wr_bytes(&w, n, strlen(n));
			p++;
		} else {
			wr_u8(&w, (uint8_t)*p);
		}
	}
	out[w.err ? 0 : w.off] = 0;
}

static uint64_t be64(const uint8_t b[8])
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

static bool keep_req(struct ikl_sa *sa, const uint8_t *p, size_t len)
{
	if (!sa->req)
		sa->req = malloc(IKL_BUF);
	if (!sa->req || len == 0 || len > IKL_BUF)
		return false;
	if (p != sa->req)
		memcpy(sa->req, p, len);
	sa->req_len = len;
	return true;
}

static bool new_dh(struct ikl_sa *sa, uint16_t group)
{
	const struct alg_desc *alg = dh_alg_get(group);

	dh_free(sa->dh);
	sa->dh = alg ? dh_new(alg) : NULL;
	sa->dh_group = group;
	return sa->dh != NULL;
}

bool ikl_build_init(const struct ikl_cfg *c, struct ikl_sa *sa)
{
	struct ike_hdr h = { .major = 2, .exch = IKEV2_EXCH_IKE_SA_INIT, .flags = IKE_FLAG_I };
	static const uint8_t zero[8];
	struct ike_sa_payload *sap = malloc(sizeof(*sap));
	uint8_t buf[IKL_BUF], natd[NATD_HASH_LEN];
	const uint8_t *pub;
	size_t publen, len = 0;
	struct ikeb b;

	if (!sap)
		return false;
	if (!sa->dh) {   /* first attempt: SPIi = random | number, Ni, the DH */
		crypto_random(sa->spi_i, 4);
		sa->spi_i[0] |= 0x80;
		put_be32(sa->spi_i + 4, sa->num);
		crypto_random(sa->ni, sizeof(sa->ni));
		if (!new_dh(sa, sa->dh_group ? sa->dh_group : c->dh)) {
			fail_why(sa, "%s", "cannot make a DH value");
			goto out;
		}
	}
	memset(sa->spi_r, 0, sizeof(sa->spi_r));
	h.spi_i = be64(sa->spi_i);
	ikeb_begin(&b, buf, sizeof(buf), &h);
	if (sa->cookie_len)   /* §2.6: first, everything else unchanged */
		ikeb_notify(&b, 0, NULL, 0, v2N_COOKIE, sa->cookie, sa->cookie_len);
	prop_build_sa(&c->ike, PROP_IKE, true, IKE_ESN_EITHER, 0, 0, sa->dh_group, sap);
	ikeb_sa(&b, sap);
	pub = dh_public(sa->dh, &publen);
	ikeb_ke(&b, sa->dh_group, pub, publen);
	ikeb_nonce(&b, sa->ni, sizeof(sa->ni));
	if (natd_hash(sa->spi_i, zero, &sa->laddr, sa->lport, natd))
		ikeb_notify(&b, 0, NULL, 0, v2N_NAT_DETECTION_SOURCE_IP, natd, sizeof(natd));
	if (natd_hash(sa->spi_i, zero, &sa->raddr, sa->rport, natd))
		ikeb_notify(&b, 0, NULL, 0, v2N_NAT_DETECTION_DESTINATION_IP, natd, sizeof(natd));
	if (c->childless)
		ikeb_notify(&b, 0, NULL, 0, v2N_CHILDLESS_IKEV2_SUPPORTED, NULL, 0);
	len = ikeb_finish(&b);
	if (!len || !keep_req(sa, buf, len)) {
		fail_why(sa, "%s", "IKE_SA_INIT does not fit");
		len = 0;
		goto out;
	}
	sa->msgid = 0;
	sa->state = IKL_INIT;
out:
	free(sap);
	return len != 0;
}

/* ---- SK ---------------------------------------------------------------- */

static void sk_out(const struct ikl_sa *sa, struct sk_keys *k)
{
	*k = (struct sk_keys){ &sa->algs.encr, sa->algs.integ, sa->keys.sk_ei, sa->keys.sk_ai };
}

static void sk_in(const struct ikl_sa *sa, struct sk_keys *k)
{
	*k = (struct sk_keys){ &sa->algs.encr, sa->algs.integ, sa->keys.sk_er, sa->keys.sk_ar };
}

/* Close the SK payload opened on b, encrypt it, keep it as the request. */
static bool seal(struct ikl_sa *sa, struct ikeb *b)
{
	struct ike_sk_region r;
	struct sk_keys k;
	uint8_t tmp[IKL_BUF];
	size_t inner, outlen = 0;
	bool ok;

	sk_out(sa, &k);
	if (!ikeb_sk_close(b, k.encr->alg->block_size, sk_icv_len(&k), &r))
		return false;
	inner = r.pt_len - 1 - r.pt[r.pt_len - 1];
	memcpy(tmp, r.pt, inner);
	ok = sk_encrypt(&k, r.msg, r.aad_len, tmp, inner, r.iv, r.iv_len + r.pt_len + r.icv_len, &outlen) &&
	     outlen == r.iv_len + r.pt_len + r.icv_len;
	secret_wipe(tmp, inner);
	return ok && keep_req(sa, r.msg, r.msg_len);
}

static void begin_sk(struct ikl_sa *sa, struct ikeb *b, uint8_t *buf, size_t cap, uint8_t exch, uint32_t msgid)
{
	struct ike_hdr h = { .major = 2, .exch = exch, .flags = IKE_FLAG_I, .msgid = msgid };

	h.spi_i = be64(sa->spi_i);
	h.spi_r = be64(sa->spi_r);
	ikeb_begin(b, buf, cap, &h);
	ikeb_sk_open(b, sa->algs.encr.alg->iv_len);
	sa->msgid = msgid;
}

/* ---- IKE_AUTH ----------------------------------------------------------- */

static void range_ts(const struct ip_addr *lo, const struct ip_addr *hi, struct ike_ts_payload *ts)
{
	memset(ts, 0, sizeof(*ts));
	ts->n = 1;
	ts->ts[0].type = lo->af == AF_INET6 ? IKEV2_TS_IPV6_ADDR_RANGE : IKEV2_TS_IPV4_ADDR_RANGE;
	ts->ts[0].eport = 65535;
	ts->ts[0].start = *lo;
	ts->ts[0].end = *hi;
}

static void child_ts(const struct ikl_cfg *c, const struct ikl_sa *sa, struct ike_ts_payload *tsi,
		     struct ike_ts_payload *tsr)
{
	struct ip_addr a = sa->laddr;
	uint64_t n = c->have_tsi ? addr_ranges_count(&c->tsi) : 0;

	if (n)
		addr_ranges_nth(&c->tsi, sa->num % n, &a);
	range_ts(&a, &a, tsi);
	if (c->have_tsr)
		range_ts(&c->tsr.lo, &c->tsr.hi, tsr);
	else
		range_ts(&sa->raddr, &sa->raddr, tsr);
}

static bool build_auth(const struct ikl_cfg *c, struct ikl_sa *sa)
{
	struct ike_sa_payload *sap = malloc(sizeof(*sap));
	uint8_t buf[IKL_BUF], idb[4 + ID_MAXLEN], auth[CRYPTO_MAX_PRF_OUT];
	char idtext[160];
	const char *why = NULL;
	struct ike_ts_payload tsi, tsr;
	struct cy_id id;
	size_t idlen, alen = 0;
	struct ikeb b;
	bool ok = false;

	if (!sap)
		return false;
	id_text(c->id_fmt, sa->num, idtext, sizeof(idtext));
	if (!id_parse(idtext, &id, &why) || id.kind > 255) {
		fail_why(sa, "bad ID: %.60s", why ? why : idtext);
		goto out;
	}
	memset(idb, 0, 4);
	idb[0] = (uint8_t)id.kind;
	idlen = 4 + id_to_wire(&id, idb + 4, sizeof(idb) - 4);
	/* the AUTH signs our IKE_SA_INIT request, still in sa->req */
	if (!ike_psk_auth(sa->algs.prf, c->psk, sa->req, sa->req_len, sa->nr, sa->nr_len, sa->keys.sk_pi, idb,
			  idlen, auth, &alen)) {
		fail_why(sa, "%s", "cannot compute AUTH");
		goto out;
	}
	begin_sk(sa, &b, buf, sizeof(buf), IKEV2_EXCH_IKE_AUTH, 1);
	ikeb_id_raw(&b, IKEV2_PL_IDi, idb[0], idb + 4, idlen - 4);
	ikeb_auth(&b, IKEV2_AUTH_PSK, auth, alen);
	if (!sa->childless) {
		uint32_t spi = crypto_random_esp_spi();

		prop_build_sa(&c->esp, PROP_ESP, false, IKE_ESN_EITHER, spi, 0, 0, sap);
		ikeb_sa(&b, sap);
		child_ts(c, sa, &tsi, &tsr);
		ikeb_ts(&b, IKEV2_PL_TSi, &tsi);
		ikeb_ts(&b, IKEV2_PL_TSr, &tsr);
	}
	ok = seal(sa, &b);
	if (!ok)
		fail_why(sa, "%s", "cannot build IKE_AUTH");
	else
		sa->state = IKL_AUTH;
out:
	free(sap);
	secret_wipe(auth, sizeof(auth));
	return ok;
}

bool ikl_build_delete(struct ikl_sa *sa)
{
	uint8_t buf[IKL_BUF];
	struct ikeb b;

	begin_sk(sa, &b, buf, sizeof(buf), IKEV2_EXCH_INFORMATIONAL, 2);
	ikeb_delete(&b, IKEV2_PROTO_IKE, 0, 0, NULL);
	if (!seal(sa, &b)) {
		fail_why(sa, "%s", "cannot build the delete");
		return false;
	}
	sa->state = IKL_DELETE;
	return true;
}

/* ---- responses ----------------------------------------------------------- */

/* The first error Notify (type < 16384) of a chain, 0 when none. */
static uint16_t error_notify(const struct ike_chain *ch)
{
	const struct pl_view *v = NULL;
	struct ike_notify n;

	while ((v = ike_chain_find(ch, IKEV2_PL_NOTIFY, v)))
		if (ike_notify_decode(v->body, v->len, &n) == WIRE_OK && ike_notify_is_error(n.type))
			return n.type;
	return 0;
}

static bool notify_data(const struct ike_chain *ch, uint16_t type, struct ike_notify *n)
{
	const struct pl_view *v = ike_chain_find_notify(ch, type);

	return v && ike_notify_decode(v->body, v->len, n) == WIRE_OK;
}

/* COOKIE or INVALID_KE_PAYLOAD: the same request again, changed as asked. */
static enum ikl_result init_retry(const struct ikl_cfg *c, struct ikl_sa *sa, const struct ike_chain *ch)
{
	struct ike_notify n;

	if (notify_data(ch, v2N_COOKIE, &n)) {
		if (n.data_len == 0 || n.data_len > sizeof(sa->cookie))
			return IKL_R_IGNORE;
		memcpy(sa->cookie, n.data, n.data_len);
		sa->cookie_len = n.data_len;
		return ikl_build_init(c, sa) ? IKL_R_RESEND : IKL_R_FAIL;
	}
	if (notify_data(ch, v2N_INVALID_KE_PAYLOAD, &n)) {
		uint16_t g = ike_notify_u16(&n);

		if (g == sa->dh_group || !prop_dh_allowed(&c->ike, g)) {
			snprintf(sa->why, sizeof(sa->why), "INVALID_KE_PAYLOAD asks for group %u", g);
			return IKL_R_FAIL;
		}
		sa->cookie_len = 0;
		if (!new_dh(sa, g))
			return IKL_R_FAIL;
		return ikl_build_init(c, sa) ? IKL_R_RESEND : IKL_R_FAIL;
	}
	return IKL_R_IGNORE;
}

static bool derive(struct ikl_sa *sa, const struct chosen *ch, const struct ike_ke *ke, const struct ike_nonce *nr)
{
	const char *why = "bad KE";
	struct secret *gir, *skeyseed;
	bool ok;

	if (!alg_cipher_get(ch->encr, ch->keybits, &sa->algs.encr)) {
		fail_why(sa, "%s", "chosen cipher unknown");
		return false;
	}
	sa->algs.integ = integ_alg_get(ch->integ);
	sa->algs.prf = prf_alg_get(ch->prf);
	sa->algs.dh = dh_alg_get(ch->dh);
	if (!sa->algs.prf || (!sa->algs.encr.alg->aead && !sa->algs.integ)) {
		fail_why(sa, "%s", "chosen PRF/INTEG unknown");
		return false;
	}
	memcpy(sa->nr, nr->data, nr->len);
	sa->nr_len = nr->len;
	gir = dh_derive(sa->dh, ke->data, ke->len, &why);
	if (!gir) {
		fail_why(sa, "DH: %s", why);
		return false;
	}
	skeyseed = ike_skeyseed(sa->algs.prf, sa->ni, sizeof(sa->ni), sa->nr, sa->nr_len, gir);
	ok = skeyseed && ike_keys_derive(&sa->algs, skeyseed, sa->ni, sizeof(sa->ni), sa->nr, sa->nr_len,
					 sa->spi_i, sa->spi_r, &sa->keys);
	secret_free(gir);
	secret_free(skeyseed);
	dh_free(sa->dh);
	sa->dh = NULL;
	if (!ok)
		fail_why(sa, "%s", "key derivation failed");
	return ok;
}

static enum ikl_result on_init(const struct ikl_cfg *c, struct ikl_sa *sa, const struct ike_msg *m)
{
	const struct pl_view *vsa = ike_chain_find(&m->outer, IKEV2_PL_SA, NULL);
	const struct pl_view *vke = ike_chain_find(&m->outer, IKEV2_PL_KE, NULL);
	const struct pl_view *vn = ike_chain_find(&m->outer, IKEV2_PL_NONCE, NULL);
	struct ike_sa_payload *sap;
	struct ike_ke ke;
	struct ike_nonce nr;
	struct chosen ch;
	enum ikl_result r = init_retry(c, sa, &m->outer);
	uint16_t err;

	if (r != IKL_R_IGNORE)
		return r;
	if ((err = error_notify(&m->outer))) {
		snprintf(sa->why, sizeof(sa->why), "IKE_SA_INIT answered with notify %u", err);
		return IKL_R_FAIL;
	}
	if (!vsa || !vke || !vn || m->hdr.spi_r == 0 || ike_ke_decode(vke->body, vke->len, &ke) != WIRE_OK ||
	    ike_nonce_decode(vn->body, vn->len, &nr) != WIRE_OK || nr.len > sizeof(sa->nr))
		return IKL_R_IGNORE;   /* malformed: wait for a retransmission */
	sap = malloc(sizeof(*sap));
	if (!sap)
		return IKL_R_FAIL;
	if (ike_sa_decode(vsa->body, vsa->len, sap) != WIRE_OK ||
	    !prop_check_reply(sap, &c->ike, PROP_IKE, true, IKE_ESN_EITHER, &ch) || ch.dh != sa->dh_group ||
	    ke.group != sa->dh_group) {
		free(sap);
		fail_why(sa, "%s", "the responder's SA or KE is not what we proposed");
		return IKL_R_FAIL;
	}
	free(sap);
	for (int i = 0; i < 8; i++)
		sa->spi_r[i] = (uint8_t)(m->hdr.spi_r >> (56 - 8 * i));
	if (!derive(sa, &ch, &ke, &nr))
		return IKL_R_FAIL;
	sa->childless = c->childless && ike_chain_find_notify(&m->outer, v2N_CHILDLESS_IKEV2_SUPPORTED);
	free(sa->init_resp);
	sa->init_resp = malloc(m->raw_len);
	if (!sa->init_resp)
		return IKL_R_FAIL;
	memcpy(sa->init_resp, m->raw, m->raw_len);
	sa->init_resp_len = m->raw_len;
	return build_auth(c, sa) ? IKL_R_NEXT : IKL_R_FAIL;
}

static bool verify_auth(const struct ikl_cfg *c, struct ikl_sa *sa, const struct ike_chain *in)
{
	const struct pl_view *vid = ike_chain_find(in, IKEV2_PL_IDr, NULL);
	const struct pl_view *va = ike_chain_find(in, IKEV2_PL_AUTH, NULL);
	uint8_t want[CRYPTO_MAX_PRF_OUT];
	struct ike_auth a;
	size_t wlen = 0;

	if (!vid || !va || ike_auth_decode(va->body, va->len, &a) != WIRE_OK) {
		fail_why(sa, "%s", "IKE_AUTH response without IDr or AUTH");
		return false;
	}
	if (!c->verify)
		return true;
	if (a.method != IKEV2_AUTH_PSK ||
	    !ike_psk_auth(sa->algs.prf, c->psk, sa->init_resp, sa->init_resp_len, sa->ni, sizeof(sa->ni),
			  sa->keys.sk_pr, vid->body, vid->len, want, &wlen) ||
	    !auth_eq(want, wlen, a.data, a.len)) {
		fail_why(sa, "%s", "the responder's AUTH does not verify");
		return false;
	}
	return true;
}

static enum ikl_result on_auth(const struct ikl_cfg *c, struct ikl_sa *sa, const struct ike_chain *in)
{
	uint16_t err = error_notify(in);

	if (!ike_chain_find(in, IKEV2_PL_AUTH, NULL)) {
		snprintf(sa->why, sizeof(sa->why), "IKE_AUTH refused (notify %u)", err);
		return IKL_R_FAIL;
	}
	if (!verify_auth(c, sa, in))
		return IKL_R_FAIL;
	/* an error notify beside IDr/AUTH refuses the Child SA only (§1.2) */
	sa->child_up = !sa->childless && !err && ike_chain_find(in, IKEV2_PL_SA, NULL) &&
		       ike_chain_find(in, IKEV2_PL_TSi, NULL) && ike_chain_find(in, IKEV2_PL_TSr, NULL);
	if (!sa->childless && !sa->child_up)
		snprintf(sa->why, sizeof(sa->why), "Child SA refused (notify %u)", err);
	free(sa->init_resp);
	sa->init_resp = NULL;
	sa->state = IKL_UP;
	return IKL_R_UP;
}

/* Decrypt m's SK into *plain (malloc'd) and decode the inner chain. */
static bool open_sk(struct ikl_sa *sa, struct ike_msg *m, uint8_t **plain)
{
	const struct pl_view *v;
	struct sk_keys k;
	const char *why = NULL;
	size_t plen = 0;

	*plain = NULL;
	if (m->sk_index < 0 || m->sk_is_frag || !sa->keys.sk_er)
		return false;
	v = &m->outer.pl[m->sk_index];
	*plain = malloc(v->len ? v->len : 1);
	if (!*plain)
		return false;
	sk_in(sa, &k);
	if (!sk_decrypt(&k, m->raw, m->aad_len, v->body, v->len, *plain, v->len, &plen, &why) ||
	    ike_chain_decode(m->sk_first_np, *plain, plen, &m->inner) != WIRE_OK)
		return false;
	m->inner_valid = true;
	return true;
}

static uint8_t exch_of(enum ikl_state s)
{
	return s == IKL_INIT ? IKEV2_EXCH_IKE_SA_INIT : s == IKL_AUTH ? IKEV2_EXCH_IKE_AUTH : IKEV2_EXCH_INFORMATIONAL;
}

enum ikl_result ikl_on_response(const struct ikl_cfg *c, struct ikl_sa *sa, const uint8_t *p, size_t len)
{
	struct ike_msg *m = malloc(sizeof(*m));
	uint8_t *plain = NULL;
	enum ikl_result r = IKL_R_IGNORE;

	if (!m)
		return IKL_R_IGNORE;
	if (ike_msg_decode(p, len, m) != WIRE_OK || !ike_hdr_is_response(&m->hdr) ||
	    m->hdr.msgid != sa->msgid || m->hdr.exch != exch_of(sa->state) ||
	    (sa->state != IKL_INIT && m->hdr.spi_r != be64(sa->spi_r)))
		goto out;
	switch (sa->state) {
	case IKL_INIT:
		r = on_init(c, sa, m);
		break;
	case IKL_AUTH:
		if (open_sk(sa, m, &plain))
			r = on_auth(c, sa, &m->inner);
		break;
	case IKL_DELETE:
		if (open_sk(sa, m, &plain)) {
			sa->state = IKL_DONE;
			r = IKL_R_DONE;
		}
		break;
	default:
		break;
	}
out:
	free(plain);
	free(m);
	return r;
}

void ikl_sa_clear(struct ikl_sa *sa)
{
	dh_free(sa->dh);
	sa->dh = NULL;
	ike_keys_free(&sa->keys);
	free(sa->init_resp);
	sa->init_resp = NULL;
	free(sa->req);
	sa->req = NULL;
	sa->req_len = 0;
}
