/* `ipsec auto --listall`: "List of Pre-shared secrets" in Libreswan 4.10's
 * shape (reference §4.4), without the "000 " prefix:
 *
 *    " "
 *    "List of Pre-shared secrets (from /etc/ipsec.secrets)"
 *    " "
 *    "    5: PSK %any @west.example"        newest entry first; indices reversed;
 *    "    3: XAUTH @user"                   0 indices: "(none) (none)";
 *    "    1: RSA (none) (none)"             > 2 indices: the first two then "more";
 *    "       ckaid: 90d3f2..."              PPKS entries are not listed.
 * The number is the line (in its own file) where the entry starts, as
 * Libreswan 4.10 prints it (checked against its pluto); %any6 shows as
 * %any, key IDs as @#0x<hex>. */
#include "config/secrets.h"

#include <stdio.h>

static const char *index_fmt(const struct cy_id *id, char buf[ID_STRLEN])
{
	if (id->kind == ID_NONE)
		return id_fmt(id, buf);        /* "(none)" */
	if ((id->kind == ID_IPV4_ADDR || id->kind == ID_IPV6_ADDR) && addr_is_any(&id->ip)) {
		snprintf(buf, ID_STRLEN, "%%any");
		return buf;
	}
	if (id->kind == ID_KEY_ID) {     /* Libreswan shows key IDs as @#0x<hex> */
		size_t o = (size_t)snprintf(buf, ID_STRLEN, "@#0x");
		for (size_t i = 0; i < id->len && o + 3 < ID_STRLEN; i++)
			o += (size_t)snprintf(buf + o, ID_STRLEN - o, "%02x", id->data[i]);
		return buf;
	}
	return id_fmt(id, buf);
}

static void list_entry(const struct secret_entry *e, secrets_line_fn emit, void *arg)
{
	char line[2 * ID_STRLEN + 64], a[ID_STRLEN], b[ID_STRLEN];
	const char *kind = secret_kind_name(e->kind);

	if (e->n_ids == 0)
		snprintf(line, sizeof(line), "%5u: %s (none) (none)", e->line, kind);
	else if (e->n_ids == 1)
		snprintf(line, sizeof(line), "%5u: %s %s", e->line, kind, index_fmt(&e->ids[0], a));
	else
		snprintf(line, sizeof(line), "%5u: %s %s %s%s", e->line, kind,
			 index_fmt(&e->ids[e->n_ids - 1], a), index_fmt(&e->ids[e->n_ids - 2], b),
			 e->n_ids > 2 ? " more" : "");
	emit(arg, line);
	if (secret_kind_is_key(e->kind) && e->pkey) {
		int o = snprintf(line, sizeof(line), "       ckaid: ");
		for (size_t i = 0; i < SECRETS_CKAID_LEN; i++)
			o += snprintf(line + o, sizeof(line) - (size_t)o, "%02x", e->ckaid[i]);
		emit(arg, line);
	}
}

void secrets_list(const struct secrets *s, secrets_line_fn emit, void *arg)
{
	char head[512];

	emit(arg, " ");
	snprintf(head, sizeof(head), "List of Pre-shared secrets (from %s)",
		 s && s->source ? s->source : "/etc/ipsec.secrets");
	emit(arg, head);
	emit(arg, " ");
	for (size_t i = s ? s->n_entries : 0; i-- > 0;) {
		if (s->entries[i].kind != SECRET_PPKS)
			list_entry(&s->entries[i], emit, arg);
	}
}
