/* Notify (RFC 7296 §3.10) and Delete (§3.11) payloads. */
#include "ike/wire.h"

enum spi_rule { SPI_ANY, SPI_NONE, SPI_CHILD };

/* Known notify types with a fixed shape; others only need to fit. */
static const struct notify_rule {
	uint16_t type;
	enum spi_rule spi;
	uint16_t min, max;        /* data length bounds */
	bool even;
} notify_rules[] = {
	{ v2N_INVALID_KE_PAYLOAD,             SPI_ANY,   2, 2, false },
	{ v2N_INITIAL_CONTACT,                SPI_NONE,  0, 0, false },
	{ v2N_SET_WINDOW_SIZE,                SPI_NONE,  4, 4, false },
	{ v2N_NAT_DETECTION_SOURCE_IP,        SPI_NONE, 20, 20, false },   /* SHA-1 */
	{ v2N_NAT_DETECTION_DESTINATION_IP,   SPI_NONE, 20, 20, false },
	{ v2N_COOKIE,                         SPI_NONE,  1, 64, false },
	{ v2N_USE_TRANSPORT_MODE,             SPI_ANY,   0, 0, false },
	{ v2N_REKEY_SA,                       SPI_CHILD, 0, 0, false },
	{ v2N_ESP_TFC_PADDING_NOT_SUPPORTED,  SPI_ANY,   0, 0, false },
	{ v2N_NON_FIRST_FRAGMENTS_ALSO,       SPI_ANY,   0, 0, false },
	{ v2N_MOBIKE_SUPPORTED,               SPI_NONE,  0, 0, false },
	{ v2N_IKEV2_FRAGMENTATION_SUPPORTED,  SPI_NONE,  0, 0, false },
	{ v2N_SIGNATURE_HASH_ALGORITHMS,      SPI_NONE,  2, 65535, true },
};

static const struct notify_rule *rule_for(uint16_t type)
{
	for (size_t i = 0; i < sizeof(notify_rules) / sizeof(notify_rules[0]); i++)
		if (notify_rules[i].type == type)
			return &notify_rules[i];
	return NULL;
}

/*  |  Protocol ID  |   SPI Size    |      Notify Message Type      |
 *  ~                Security Parameter Index (SPI)                 ~
 *  ~                       Notification Data                       ~   */
enum wire_err ike_notify_decode(const uint8_t *p, size_t len, struct ike_notify *n)
{
	struct rd r = rd_init(p, len);
	const struct notify_rule *rule;

	memset(n, 0, sizeof(*n));
	if (len < 4)
		return WIRE_N_TRUNCATED;
	n->proto = rd_u8(&r);
	n->spi_size = rd_u8(&r);
	n->type = rd_be16(&r);
	if (n->spi_size != 0 && n->spi_size != 4 && n->spi_size != 8)
		return WIRE_N_SPI_SIZE;
	if (n->spi_size) {
		n->spi = rd_bytes(&r, n->spi_size);
		if (!n->spi)
			return WIRE_N_TRUNCATED;
	}
	n->data_len = rd_left(&r);
	n->data = n->data_len ? rd_bytes(&r, n->data_len) : NULL;
	rule = rule_for(n->type);
	if (!rule)
		return WIRE_OK;
	switch (rule->spi) {
	case SPI_ANY:
		break;
	case SPI_NONE:
		if (n->spi_size != 0)
			return WIRE_N_SPI_SIZE;
		break;
	case SPI_CHILD:
		if (n->proto != IKEV2_PROTO_ESP && n->proto != IKEV2_PROTO_AH)
			return WIRE_N_PROTO;
		if (n->spi_size != 4)
			return WIRE_N_SPI_SIZE;
		break;
	}
	if (n->data_len < rule->min || n->data_len > rule->max || (rule->even && n->data_len % 2))
		return WIRE_N_DATA_LENGTH;
	return WIRE_OK;
}

/*  | Protocol ID   |   SPI Size    |          Num of SPIs          |
 *  ~               Security Parameter Index(es) (SPI)              ~   */
enum wire_err ike_delete_decode(const uint8_t *p, size_t len, struct ike_delete *d)
{
	struct rd r = rd_init(p, len);

	memset(d, 0, sizeof(*d));
	if (len < 4)
		return WIRE_D_TRUNCATED;
	d->proto = rd_u8(&r);
	d->spi_size = rd_u8(&r);
	d->count = rd_be16(&r);
	switch (d->proto) {
	case IKEV2_PROTO_IKE:
		if (d->spi_size != 0)
			return WIRE_D_SPI_SIZE;
		if (d->count != 0 || rd_left(&r) != 0)
			return WIRE_D_COUNT;
		return WIRE_OK;
	case IKEV2_PROTO_AH:
	case IKEV2_PROTO_ESP:
		if (d->spi_size != 4)
			return WIRE_D_SPI_SIZE;
		if (d->count == 0 || rd_left(&r) != (size_t)d->count * 4)
			return WIRE_D_COUNT;
		d->spis = rd_bytes(&r, (size_t)d->count * 4);
		return WIRE_OK;
	}
	return WIRE_D_BAD_PROTO;
}
