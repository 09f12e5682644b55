/* Negotiated traffic selectors as dataplane selectors: see sa_sel.h. */
#include "daemon/sa_sel.h"

#include <string.h>

static bool bit(const struct ip_addr *a, unsigned i) { return a->a[i / 8] & (0x80 >> (i % 8)); }

/* How many leading bits a and b share (same family), at most max. */
static unsigned common_bits(const struct ip_addr *a, const struct ip_addr *b, unsigned max)
{
	unsigned i = 0;

	while (i < max && bit(a, i) == bit(b, i))
		i++;
	return i;
}

static void mask_to(struct ip_addr *a, unsigned plen)
{
	for (unsigned i = plen; i < addr_len(a) * 8; i++)
		a->a[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
}

bool sa_sel_range_subnet(const struct ip_addr *start, const struct ip_addr *end, struct ip_subnet *out)
{
	unsigned n = (unsigned)addr_len(start) * 8, p;

	if (!n || start->af != end->af)
		return false;
	p = common_bits(start, end, n);
	for (unsigned i = p; i < n; i++)
		if (bit(start, i) || !bit(end, i))
			return false;
	memset(out, 0, sizeof(*out));
	out->addr = *start;
	out->plen = (uint8_t)p;
	return true;
}

bool sa_sel_make(const struct ip_subnet *l, uint8_t lproto, uint16_t lport,
		 const struct ip_subnet *r, uint8_t rproto, uint16_t rport, struct dp_selector *out)
{
	memset(out, 0, sizeof(*out));
	if (!l->addr.af || l->addr.af != r->addr.af || (lproto && rproto && lproto != rproto))
		return false;
	out->src = *l;
	out->dst = *r;
	out->proto = lproto ? lproto : rproto;
	out->sport = lport;
	out->dport = rport;
	return out->proto || (!lport && !rport);
}

size_t sa_sel_conn_pairs(const struct ip_subnet *ls, size_t nl, uint8_t lproto, uint16_t lport,
			 const struct ip_subnet *rs, size_t nr, uint8_t rproto, uint16_t rport,
			 struct dp_selector *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < nl; i++)
		for (size_t j = 0; j < nr; j++) {
			struct dp_selector s;

			if (!sa_sel_make(&ls[i], lproto, lport, &rs[j], rproto, rport, &s))
				continue;  /* families or protocols differ: no packet fits */
			if (n < max)
				out[n] = s;
			n++;
		}
	return n;
}

/* One TS: its prefix and its port (0 = all ports); false when not exact. */
static bool ts_part(const struct ike_ts *t, struct ip_subnet *s, uint16_t *port)
{
	if (!sa_sel_range_subnet(&t->start, &t->end, s))
		return false;
	if (t->sport == 0 && t->eport == 65535)
		*port = 0;
	else if (t->sport == t->eport && t->sport && t->ipproto)
		*port = t->sport;
	else
		return false;
	return true;
}

bool sa_sel_pair(const struct ike_ts *local, const struct ike_ts *remote, struct dp_selector *out)
{
	struct ip_subnet l, r;
	uint16_t lp, rp;

	memset(out, 0, sizeof(*out));
	return ts_part(local, &l, &lp) && ts_part(remote, &r, &rp) &&
	       sa_sel_make(&l, local->ipproto, lp, &r, remote->ipproto, rp, out);
}

size_t sa_sel_pairs(const struct ike_ts_payload *local, const struct ike_ts_payload *remote,
		    struct dp_selector *out, size_t max, size_t *bad)
{
	size_t n = 0, nbad = 0;

	for (unsigned i = 0; i < local->n; i++)
		for (unsigned j = 0; j < remote->n; j++) {
			const struct ike_ts *a = &local->ts[i], *b = &remote->ts[j];
			struct dp_selector sel;

			if (a->start.af != b->start.af || (a->ipproto && b->ipproto && a->ipproto != b->ipproto))
				continue;          /* no packet fits both */
			if (!sa_sel_pair(a, b, &sel)) {
				nbad++;
				continue;
			}
			if (n < max)
				out[n] = sel;
			n++;
		}
	if (bad)
		*bad = nbad;
	return n;
}

static void cover_subnet(struct ip_subnet *acc, const struct ip_subnet *s)
{
	unsigned p = acc->plen < s->plen ? acc->plen : s->plen;

	acc->plen = (uint8_t)common_bits(&acc->addr, &s->addr, p);
	mask_to(&acc->addr, acc->plen);
}

void sa_sel_cover(const struct dp_selector *sel, size_t n, struct dp_selector *out)
{
	memset(out, 0, sizeof(*out));
	if (!n)
		return;
	*out = sel[0];
	for (size_t i = 1; i < n; i++) {
		if (sel[i].src.addr.af != out->src.addr.af) {
			memset(out, 0, sizeof(*out));
			return;
		}
		cover_subnet(&out->src, &sel[i].src);
		cover_subnet(&out->dst, &sel[i].dst);
		if (sel[i].proto != out->proto)
			out->proto = 0;
		if (sel[i].sport != out->sport)
			out->sport = 0;
		if (sel[i].dport != out->dport)
			out->dport = 0;
	}
	if (!out->proto)
		out->sport = out->dport = 0;
}

void sa_sel_reverse(const struct dp_selector *s, struct dp_selector *out)
{
	struct dp_selector r = *s;

	r.src = s->dst;
	r.dst = s->src;
	r.sport = s->dport;
	r.dport = s->sport;
	*out = r;
}
