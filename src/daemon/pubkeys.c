/* "List of Public Keys" (--listpubkeys, --listall, --checkpubkeys): the raw
 * RSA keys (leftrsasigkey=/rightrsasigkey=, RFC 3110 format) of the loaded
 * conns, in Libreswan's layout:
 *   000 Nov 26 16:50:46 2026, 3072 RSA Key AwEAAcv/Q (no private key), until --- -- --:--:-- ---- ok (expires never)
 *   000        ID_FQDN '@east-rsa'
 * "has private key" when the secrets hold a private key with the same
 * CKAID (SHA-1 of the modulus). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "config/conn.h"
#include "config/secrets.h"
#include "config/values.h"
#include "daemon/conndb.h"
#include "daemon/pluto.h"

/* RFC 3110: exponent length (1 byte, or 0 then 2 bytes), exponent, modulus.
 * Sets the modulus slice (leading zeros stripped); false when malformed. */
static bool rfc3110_modulus(const uint8_t *p, size_t len, const uint8_t **mod, size_t *mlen)
{
	size_t off = 1, elen;

	if (len < 1)
		return false;
	elen = p[0];
	if (elen == 0) {
		if (len < 3)
			return false;
		elen = (size_t)p[1] << 8 | p[2];
		off = 3;
	}
	if (elen == 0 || off + elen >= len)
		return false;
	off += elen;
	while (off < len && p[off] == 0)
		off++;
	if (off >= len)
		return false;
	*mod = p + off;
	*mlen = len - off;
	return true;
}

static unsigned modulus_bits(const uint8_t *m, size_t len)
{
	unsigned bits = (unsigned)len * 8;

	for (uint8_t b = m[0]; !(b & 0x80); b <<= 1)
		bits--;
	return bits;
}

static void time_text(time_t t, bool utc, char *buf, size_t cap)
{
	struct tm tm;

	if (utc) {
		gmtime_r(&t, &tm);
		strftime(buf, cap, "%b %d %H:%M:%S UTC %Y", &tm);
	} else {
		localtime_r(&t, &tm);
		strftime(buf, cap, "%b %d %H:%M:%S %Y", &tm);
	}
}

static void key_lines(struct pluto *p, const struct dconn *dc, const struct conn_end *e, bool utc,
		      struct reply *rp)
{
	static struct val_pubkey pk;
	const uint8_t *mod;
	size_t mlen;
	uint8_t ckaid[SECRETS_CKAID_LEN];
	char keyid[16], when[64], id[ID_STRLEN];
	const char *why, *idtype = "ID_NONE";
	bool priv;

	if (!e->rsasigkey || !val_pubkey(e->rsasigkey, &pk, &why) || pk.kind != VAL_PUBKEY_RAW ||
	    !rfc3110_modulus(pk.data, pk.len, &mod, &mlen))
		return;
	EVP_EncodeBlock((unsigned char *)keyid, pk.data, pk.len < 9 ? (int)pk.len : 9);
	keyid[9] = '\0';
	priv = p->secrets && EVP_Q_digest(NULL, "SHA1", NULL, mod, mlen, ckaid, NULL) &&
	       secrets_find_key(p->secrets, ckaid);
	time_text(dc->added, utc, when, sizeof(when));
	rp_line(rp, 0, "%s, %u RSA Key %s (%s private key), until --- -- --:--:-- %s---- ok (expires never)",
		when, modulus_bits(mod, mlen), keyid, priv ? "has" : "no", utc ? "UTC " : "");
	if (e->has_id) {
		id_fmt(e->id, id);
		idtype = id_kind_name(e->id->kind);
	} else if (addr_is_set(&e->host)) {
		addr_fmt(&e->host, id);
		idtype = e->host.af == AF_INET6 ? "ID_IPV6_ADDR" : "ID_IPV4_ADDR";
	} else {
		strcpy(id, "(none)");
	}
	rp_line(rp, 0, "       %s '%s'", idtype, id);
}

void list_pubkeys(struct pluto *p, struct reply *rp, bool utc, bool with_header)
{
	size_t n;
	struct dconn **v = conndb_sorted(p->db, &n);

	if (with_header) {
		rp_line(rp, 0, " ");
		rp_line(rp, 0, "List of Public Keys:");
		rp_line(rp, 0, " ");
	}
	for (size_t i = 0; i < n; i++)
		for (int s = 0; s < 2; s++)
			key_lines(p, v[i], &v[i]->conn->end[s], utc, rp);
	free(v);
}
