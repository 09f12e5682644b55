/* kw_validate(): check one keyword value by the keyword's type, using the
 * typed parsers of values.h and proposals.h (no parsing of our own). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/keywords.h"
#include "config/proposals.h"
#include "config/values.h"

static const char *const type_names[KT_TYPE_COUNT] = {
	[KT_STRING] = "string", [KT_NAME] = "name", [KT_BOOL] = "yes/no", [KT_ENUM] = "enum",
	[KT_LIST] = "list", [KT_DURATION] = "duration", [KT_DURATION_MS] = "duration-ms",
	[KT_PERCENT] = "percent", [KT_BYTES] = "bytes", [KT_NUMBER] = "number",
	[KT_SIGNED] = "signed", [KT_KEYINGTRIES] = "keyingtries", [KT_HOST] = "host",
	[KT_NEXTHOP] = "nexthop", [KT_ADDR] = "address", [KT_ADDRLIST] = "address-list",
	[KT_SUBNET] = "subnet", [KT_SUBNETS] = "subnets", [KT_ADDRPOOL] = "addresspool",
	[KT_PROTOPORT] = "protoport", [KT_ID] = "id", [KT_PUBKEY] = "pubkey",
	[KT_IKE] = "ike-proposals", [KT_ESP] = "esp-proposals", [KT_AH] = "ah-proposals",
	[KT_MARK] = "mark", [KT_VIRTPRIV] = "virtual-private", [KT_PORT] = "port",
	[KT_IPSECIF] = "ipsec-interface",
};

const char *kw_type_name(enum kw_type t)
{
	return t < KT_TYPE_COUNT && type_names[t] ? type_names[t] : NULL;
}

struct list_ctx {
	const struct kw_def *d;
	const char *why;
	char *canon;
	size_t canon_cap, used;
};

static void canon_append(struct list_ctx *c, const char *w)
{
	int n;

	if (!c->canon || c->used >= c->canon_cap)
		return;
	n = snprintf(c->canon + c->used, c->canon_cap - c->used, "%s%s", c->used ? "," : "", w);
	if (n > 0)
		c->used += (size_t)n;
}

static bool list_word(const char *w, void *arg)
{
	struct list_ctx *c = arg;
	int v;

	if (!val_enum(w, c->d->names, &v, &c->why))
		return false;
	canon_append(c, val_enum_name(c->d->names, v));
	return true;
}

static bool addr_word(const char *w, void *arg)
{
	struct list_ctx *c = arg;
	struct ip_addr a;

	if (strcmp(w, "%any") == 0 || strcmp(w, "%any6") == 0)
		return true;
	return val_addr(w, &a, &c->why);
}

static bool name_word(const char *w, void *arg)
{
	(void)w;
	(void)arg;
	return true;
}

/* authby=secret|rsasig and authby=rsasig,ecdsa: '|' separates like ','. */
static bool validate_list(const struct kw_def *d, const char *value, const char **why,
			  char *canon, size_t canon_cap)
{
	struct list_ctx c = { d, NULL, canon, canon_cap, 0 };
	char tmp[512];
	bool ok;

	snprintf(tmp, sizeof(tmp), "%s", value);
	for (char *p = tmp; *p; p++)
		if (*p == '|')
			*p = ',';
	if (canon && canon_cap)
		canon[0] = '\0';
	ok = val_words(tmp, list_word, &c, why);
	if (!ok && c.why)
		*why = c.why;
	return ok;
}

static bool validate_proposals(enum prop_kind k, const char *value, char *why, size_t why_cap)
{
	struct proposal_list l;      /* ~4 KiB on the stack: no heap churn per conn */
	const char *w = NULL;
	bool ok;

	ok = proposals_parse(k, value, &l, &w);
	if (!ok)
		snprintf(why, why_cap, "%s", w ? w : "invalid proposal list");
	return ok;
}

static bool validate_typed(const struct kw_def *d, const char *v, const char **why,
			   char *canon, size_t canon_cap)
{
	union {
		bool b; int e; uint64_t u; int64_t s; uint32_t u32; uint16_t u16; unsigned pct;
		struct val_host host; struct ip_addr addr; struct val_subnet_spec sub;
		struct ip_subnet nets[64]; struct val_pool pool; struct val_protoport pp;
		struct cy_id id; struct val_mark mark; struct val_vpriv vp[64];
	} u;
	bool myid;
	size_t n;

	switch (d->type) {
	case KT_STRING:
		return true;
	case KT_NAME:
		return val_words(v, name_word, NULL, why);
	case KT_BOOL:
		if (!val_bool(v, &u.b, why))
			return false;
		if (canon)
			snprintf(canon, canon_cap, "%s", u.b ? "yes" : "no");
		return true;
	case KT_ENUM:
		if (!val_enum(v, d->names, &u.e, why))
			return false;
		if (canon)
			snprintf(canon, canon_cap, "%s", val_enum_name(d->names, u.e));
		return true;
	case KT_LIST:
		return validate_list(d, v, why, canon, canon_cap);
	case KT_DURATION:
		return val_duration(v, &u.u, why);
	case KT_DURATION_MS:
		return val_duration_ms(v, &u.u, why);
	case KT_PERCENT:
		return val_percent(v, 100000, &u.pct, why);
	case KT_BYTES:
		return val_bytes(v, &u.u, why);
	case KT_NUMBER:
		return val_number(v, 0, UINT64_MAX, &u.u, why);
	case KT_SIGNED:
		return val_signed(v, INT64_MIN, INT64_MAX, &u.s, why);
	case KT_KEYINGTRIES:
		return val_keyingtries(v, &u.u32, why);
	case KT_HOST:
		return val_host(v, &u.host, why);
	case KT_NEXTHOP:
		return val_nexthop(v, &u.host, why);
	case KT_ADDR:
		return val_addr(v, &u.addr, why);
	case KT_ADDRLIST: {
		struct list_ctx c = { d, NULL, NULL, 0, 0 };
		if (val_words(v, addr_word, &c, why))
			return true;
		if (c.why)
			*why = c.why;
		return false;
	}
	case KT_SUBNET:
		return val_subnet_spec(v, &u.sub, why);
	case KT_SUBNETS:
		return val_subnet_list(v, u.nets, 64, &n, why);
	case KT_ADDRPOOL:
		return val_pool(v, &u.pool, why);
	case KT_PROTOPORT:
		return val_protoport(v, &u.pp, why);
	case KT_ID:
		return val_id(v, &u.id, &myid, why);
	case KT_PUBKEY: {
		struct val_pubkey pk;
		return val_pubkey(v, &pk, why);
	}
	case KT_MARK:
		return val_mark(v, &u.mark, why);
	case KT_VIRTPRIV:
		return val_virtual_private(v, u.vp, 64, &n, why);
	case KT_PORT:
		return val_port(v, &u.u16, why);
	case KT_IPSECIF:
		if (val_bool(v, &u.b, NULL))
			return true;
		return val_number(v, 0, UINT32_MAX, &u.u, why);
	case KT_IKE: case KT_ESP: case KT_AH: case KT_TYPE_COUNT:
		break;
	}
	*why = "no validator for this type";
	return false;
}

bool kw_validate(const struct kw_def *d, const char *value, char *why, size_t why_cap,
		 char *canon, size_t canon_cap)
{
	const char *w = NULL;

	if (canon && canon_cap)
		snprintf(canon, canon_cap, "%s", value);
	if (value[0] == '\0' || d->obsolete)
		return true;          /* empty = explicitly unset; obsolete = ignored */
	switch (d->type) {
	case KT_IKE:
		return validate_proposals(PROP_IKE, value, why, why_cap);
	case KT_ESP:
		return validate_proposals(PROP_ESP, value, why, why_cap);
	case KT_AH:
		return validate_proposals(PROP_AH, value, why, why_cap);
	default:
		break;
	}
	if (validate_typed(d, value, &w, canon, canon_cap))
		return true;
	snprintf(why, why_cap, "%s", w ? w : "invalid value");
	return false;
}
