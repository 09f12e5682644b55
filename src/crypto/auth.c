/* PSK AUTH (RFC 7296 §2.15), NAT detection hashes (§2.23) and stateless
 * COOKIEs (§2.6). */
#include "crypto/crypto_int.h"

#include <openssl/crypto.h>
#include <string.h>

static const char key_pad[] = "Key Pad for IKEv2";   /* 17 octets, no NUL */

struct secret *ike_signed_octets(const struct alg_desc *alg,
				 const uint8_t *msg, size_t msglen,
				 const uint8_t *peer_nonce, size_t nlen,
				 const struct secret *sk_p, const uint8_t *id_body, size_t idlen)
{
	struct chunk id = CHUNK(id_body, idlen);
	struct secret *s;

	if (!alg || !sk_p || !(s = secret_new(msglen + nlen + alg->out_len)))
		return NULL;
	memcpy(s->data, msg, msglen);
	memcpy(s->data + msglen, peer_nonce, nlen);
	if (!prf_raw(alg, sk_p->data, sk_p->len, &id, 1, s->data + msglen + nlen)) {
		secret_free(s);
		return NULL;
	}
	return s;
}

bool ike_psk_auth(const struct alg_desc *alg, const struct secret *psk,
		  const uint8_t *msg, size_t msglen,
		  const uint8_t *peer_nonce, size_t nlen,
		  const struct secret *sk_p, const uint8_t *id_body, size_t idlen,
		  uint8_t out[CRYPTO_MAX_PRF_OUT], size_t *outlen)
{
	uint8_t padkey[CRYPTO_MAX_PRF_OUT], macid[CRYPTO_MAX_PRF_OUT];
	struct chunk pad = CHUNK(key_pad, sizeof(key_pad) - 1);
	struct chunk id = CHUNK(id_body, idlen);
	bool ok;

	if (!alg || !psk || !sk_p)
		return false;
	ok = prf_raw(alg, psk->data, psk->len, &pad, 1, padkey) &&
	     prf_raw(alg, sk_p->data, sk_p->len, &id, 1, macid);
	if (ok) {
		struct chunk so[3] = { CHUNK(msg, msglen), CHUNK(peer_nonce, nlen),
				       CHUNK(macid, alg->out_len) };
		ok = prf_raw(alg, padkey, alg->out_len, so, 3, out);
	}
	if (ok)
		*outlen = alg->out_len;
	secret_wipe(padkey, sizeof(padkey));
	secret_wipe(macid, sizeof(macid));
	return ok;
}

bool auth_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return alen == blen && alen > 0 && CRYPTO_memcmp(a, b, alen) == 0;
}

bool natd_hash(const uint8_t spii[IKE_SPI_LEN], const uint8_t spir[IKE_SPI_LEN],
	       const struct ip_addr *ip, uint16_t port, uint8_t out[NATD_HASH_LEN])
{
	uint8_t p[2] = { port >> 8, port & 0xff };
	struct chunk c[4] = { CHUNK(spii, IKE_SPI_LEN), CHUNK(spir, IKE_SPI_LEN),
			      CHUNK(ip->a, addr_len(ip)), CHUNK(p, 2) };

	if (addr_len(ip) == 0)
		return false;
	return crypto_digest("SHA1", c, 4, out, NATD_HASH_LEN);
}

/* ---- COOKIE */

bool cookie_secret_init(struct cookie_secret *cs)
{
	memset(cs, 0, sizeof(*cs));
	return crypto_random(&cs->version, 1) && crypto_random(cs->cur, sizeof(cs->cur));
}

bool cookie_secret_rotate(struct cookie_secret *cs)
{
	memcpy(cs->prev, cs->cur, sizeof(cs->cur));
	cs->have_prev = true;
	cs->version++;
	return crypto_random(cs->cur, sizeof(cs->cur));
}

void cookie_secret_wipe(struct cookie_secret *cs)
{
	secret_wipe(cs, sizeof(*cs));
}

static bool cookie_hash(const uint8_t secret[32], uint8_t version,
			const uint8_t *ni, size_t nilen, const struct ip_addr *ipi,
			const uint8_t spii[IKE_SPI_LEN], uint8_t out[COOKIE_LEN])
{
	struct chunk c[4] = { CHUNK(ni, nilen), CHUNK(ipi->a, addr_len(ipi)),
			      CHUNK(spii, IKE_SPI_LEN), CHUNK(secret, 32) };

	out[0] = version;
	return crypto_digest("SHA256", c, 4, out + 1, COOKIE_LEN - 1);
}

bool cookie_make(const struct cookie_secret *cs, const uint8_t *ni, size_t nilen,
		 const struct ip_addr *ipi, const uint8_t spii[IKE_SPI_LEN], uint8_t out[COOKIE_LEN])
{
	return cookie_hash(cs->cur, cs->version, ni, nilen, ipi, spii, out);
}

bool cookie_check(const struct cookie_secret *cs, const uint8_t *ni, size_t nilen,
		  const struct ip_addr *ipi, const uint8_t spii[IKE_SPI_LEN],
		  const uint8_t *cookie, size_t len)
{
	uint8_t want[COOKIE_LEN];
	const uint8_t *secret;

	if (len != COOKIE_LEN)
		return false;
	if (cookie[0] == cs->version)
		secret = cs->cur;
	else if (cs->have_prev && cookie[0] == (uint8_t)(cs->version - 1))
		secret = cs->prev;
	else
		return false;
	if (!cookie_hash(secret, cookie[0], ni, nilen, ipi, spii, want))
		return false;
	return CRYPTO_memcmp(want, cookie, COOKIE_LEN) == 0;
}
