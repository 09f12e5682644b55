/* SA payload (RFC 7296 §3.3): proposals → transforms → attributes. */
#include "ike/wire.h"

#define SUBSTRUCT_LAST       0
#define SUBSTRUCT_MORE_PROP  2
#define SUBSTRUCT_MORE_TRANS 3
#define ATTR_TV              0x8000

/*  Transform attribute (§3.3.5):
 *  |A|       Attribute Type        |    AF=0  Attribute Length     |
 *  |                               |    AF=1  Attribute Value      |
 *  |                   AF=0  Attribute Value                       |   */
static enum wire_err attrs_decode(struct rd *r, struct ike_transform *t)
{
	bool have_keylen = false;

	while (rd_left(r) > 0) {
		uint16_t at, v;

		if (rd_left(r) < 4)
			return WIRE_SA_ATTR_TRUNCATED;
		at = rd_be16(r);
		v = rd_be16(r);
		if ((at & 0x7fff) == IKEV2_ATTR_KEY_LENGTH) {
			if (!(at & ATTR_TV))
				return WIRE_SA_KEYLEN_FORM;
			if (have_keylen)
				return WIRE_SA_KEYLEN_DUP;
			have_keylen = true;
			t->key_len = v;
			continue;
		}
		t->unknown_attr = true;
		if (!(at & ATTR_TV) && !rd_bytes(r, v))
			return WIRE_SA_ATTR_TRUNCATED;
	}
	return WIRE_OK;
}

/*  Transform substructure (§3.3.2):
 *  | Last Substruc |   RESERVED    |        Transform Length       |
 *  |Transform Type |   RESERVED    |          Transform ID         |
 *  ~                      Transform Attributes                     ~ */
static enum wire_err trans_decode(struct rd *r, struct ike_transform *t)
{
	uint8_t ls;
	uint16_t tlen;
	struct rd tr;

	if (rd_left(r) < 8)
		return WIRE_SA_TRANS_TRUNCATED;
	ls = rd_u8(r);
	rd_u8(r);
	tlen = rd_be16(r);
	if (ls != SUBSTRUCT_LAST && ls != SUBSTRUCT_MORE_TRANS)
		return WIRE_SA_TRANS_LAST;
	if (tlen < 8 || tlen - 4u > rd_left(r))
		return WIRE_SA_TRANS_LENGTH;
	tr = rd_sub(r, tlen - 4u);
	if ((ls == SUBSTRUCT_LAST) != (rd_left(r) == 0))
		return WIRE_SA_TRANS_LAST;
	memset(t, 0, sizeof(*t));
	t->type = rd_u8(&tr);
	rd_u8(&tr);
	t->id = rd_be16(&tr);
	return attrs_decode(&tr, t);
}

static bool spi_size_ok(uint8_t proto, uint8_t spi_size)
{
	switch (proto) {
	case IKEV2_PROTO_IKE:
		return spi_size == 0 || spi_size == 8;
	case IKEV2_PROTO_AH:
	case IKEV2_PROTO_ESP:
		return spi_size == 4;
	}
	return false;
}

/*  Proposal substructure (§3.3.1):
 *  | Last Substruc |   RESERVED    |         Proposal Length       |
 *  | Proposal Num  |  Protocol ID  |    SPI Size   |Num  Transforms|
 *  ~                        SPI (variable)                         ~
 *  ~                        <Transforms>                           ~ */
static enum wire_err prop_decode(struct rd *r, bool *last, struct ike_proposal *pr)
{
	uint8_t ls, ntrans;
	uint16_t plen;
	struct rd pb;
	const uint8_t *spi;

	if (rd_left(r) < 8)
		return WIRE_SA_PROP_TRUNCATED;
	ls = rd_u8(r);
	rd_u8(r);
	plen = rd_be16(r);
	if (ls != SUBSTRUCT_LAST && ls != SUBSTRUCT_MORE_PROP)
		return WIRE_SA_PROP_LAST;
	*last = ls == SUBSTRUCT_LAST;
	if (plen < 8 || plen - 4u > rd_left(r))
		return WIRE_SA_PROP_LENGTH;
	pb = rd_sub(r, plen - 4u);
	if (*last != (rd_left(r) == 0))
		return WIRE_SA_PROP_LAST;
	pr->num = rd_u8(&pb);
	pr->proto = rd_u8(&pb);
	pr->spi_size = rd_u8(&pb);
	ntrans = rd_u8(&pb);
	if (pr->proto != IKEV2_PROTO_IKE && pr->proto != IKEV2_PROTO_AH && pr->proto != IKEV2_PROTO_ESP)
		return WIRE_SA_BAD_PROTO;
	if (!spi_size_ok(pr->proto, pr->spi_size))
		return WIRE_SA_SPI_SIZE;
	spi = rd_bytes(&pb, pr->spi_size);
	if (!spi)
		return WIRE_SA_PROP_LENGTH;
	memset(pr->spi, 0, sizeof(pr->spi));
	memcpy(pr->spi, spi, pr->spi_size);
	pr->n_trans = 0;
	while (rd_left(&pb) > 0) {
		enum wire_err e;
		if (pr->n_trans >= IKE_SA_MAX_TRANSFORMS)
			return WIRE_SA_TOO_MANY_TRANSFORMS;
		e = trans_decode(&pb, &pr->trans[pr->n_trans]);
		if (e != WIRE_OK)
			return e;
		pr->n_trans++;
	}
	if (pr->n_trans != ntrans || ntrans == 0)
		return WIRE_SA_TRANS_COUNT;
	return WIRE_OK;
}

enum wire_err ike_sa_decode(const uint8_t *p, size_t len, struct ike_sa_payload *sa)
{
	struct rd r = rd_init(p, len);
	bool last = false, any_ike = false, any_child = false;

	sa->n_prop = 0;
	if (len == 0)
		return WIRE_SA_NO_PROPOSALS;
	while (!last) {
		struct ike_proposal *pr;
		enum wire_err e;

		if (sa->n_prop >= IKE_SA_MAX_PROPOSALS)
			return WIRE_SA_TOO_MANY_PROPOSALS;
		pr = &sa->prop[sa->n_prop];
		e = prop_decode(&r, &last, pr);
		if (e != WIRE_OK)
			return e;
		/* First proposal is 1 in an offer, each next one more; a
		 * response's single proposal carries the number chosen. */
		if (pr->num == 0 || (sa->n_prop > 0 && pr->num != sa->prop[sa->n_prop - 1].num + 1))
			return WIRE_SA_PROP_NUMBER;
		if (sa->n_prop == 0 && !last && pr->num != 1)
			return WIRE_SA_PROP_NUMBER;
		any_ike |= pr->proto == IKEV2_PROTO_IKE;
		any_child |= pr->proto != IKEV2_PROTO_IKE;
		sa->n_prop++;
	}
	if (any_ike && any_child)
		return WIRE_SA_MIXED_PROTO;
	return WIRE_OK;
}

uint32_t ike_proposal_spi32(const struct ike_proposal *pr)
{
	return pr->spi_size == 4 ? get_be32(pr->spi) : 0;
}
