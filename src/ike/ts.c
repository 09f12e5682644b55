/* Traffic selectors (RFC 7296 §2.9, §3.13): ours from a conn end, the
 * responder's selection and narrowing, the initiator's check of the reply. */
#include "ike/sa.h"

#include <string.h>

static void ts_set_ports(struct ike_ts *t, const struct ike_end *end)
{
	t->ipproto = end->protocol;
	t->sport = end->port ? end->port : 0;
	t->eport = end->port ? end->port : 65535;
}

void ts_from_end(const struct ike_end *end, const struct ike_endpoint *ep, struct ike_ts_payload *out)
{
	memset(out, 0, sizeof(*out));
	if (end->n_subnets == 0) {
		struct ike_ts *t = &out->ts[out->n++];

		t->type = ep->addr.af == AF_INET6 ? IKEV2_TS_IPV6_ADDR_RANGE : IKEV2_TS_IPV4_ADDR_RANGE;
		t->start = t->end = ep->addr;
		ts_set_ports(t, end);
		return;
	}
	for (size_t i = 0; i < end->n_subnets && out->n < IKE_TS_MAX; i++) {
		struct ike_ts *t = &out->ts[out->n++];

		subnet_range(&end->subnets[i], &t->start, &t->end);
		t->type = t->start.af == AF_INET6 ? IKEV2_TS_IPV6_ADDR_RANGE : IKEV2_TS_IPV4_ADDR_RANGE;
		ts_set_ports(t, end);
	}
}

static bool ts_intersect(const struct ike_ts *a, const struct ike_ts *b, struct ike_ts *out)
{
	if (a->start.af != b->start.af || a->start.af == 0)
		return false;
	if (a->ipproto && b->ipproto && a->ipproto != b->ipproto)
		return false;
	*out = *a;
	out->ipproto = a->ipproto ? a->ipproto : b->ipproto;
	out->sport = a->sport > b->sport ? a->sport : b->sport;
	out->eport = a->eport < b->eport ? a->eport : b->eport;
	if (out->sport > out->eport)
		return false;
	out->start = addr_cmp(&a->start, &b->start) >= 0 ? a->start : b->start;
	out->end = addr_cmp(&a->end, &b->end) <= 0 ? a->end : b->end;
	return addr_cmp(&out->start, &out->end) <= 0;
}

static bool ts_eq(const struct ike_ts *a, const struct ike_ts *b)
{
	return a->ipproto == b->ipproto && a->sport == b->sport && a->eport == b->eport &&
	       addr_eq(&a->start, &b->start) && addr_eq(&a->end, &b->end);
}

/* Can the dataplanes hold t exactly?  An address range that is one prefix,
 * and ports that are one port (not 0) or all of them, with a protocol if
 * a port is named: what Libreswan configures (protoport is one port or
 * %any) and what an XFRM selector or struct dp_selector holds.  Anything
 * else a peer offers is narrowed away or refused, never widened or cut
 * silently (Libreswan, too, takes a narrower port range only when it is
 * one port). */
bool ts_installable(const struct ike_ts *t)
{
	size_t n = addr_len(&t->start);
	bool any_port = t->sport == 0 && t->eport == 65535;
	unsigned i = 0;

	if (!n || t->start.af != t->end.af || !(any_port || (t->sport == t->eport && t->sport && t->ipproto)))
		return false;
	/* a prefix: equal leading bits, then start all 0 and end all 1 */
	while (i < n * 8 && ((t->start.a[i / 8] ^ t->end.a[i / 8]) & (0x80 >> (i % 8))) == 0)
		i++;
	for (; i < n * 8; i++)
		if ((t->start.a[i / 8] & (0x80 >> (i % 8))) || !(t->end.a[i / 8] & (0x80 >> (i % 8))))
			return false;
	return true;
}

bool ts_pairs_fit(const struct ike_ts_payload *a, const struct ike_ts_payload *b)
{
	unsigned n = 0;

	for (unsigned i = 0; i < a->n; i++)
		for (unsigned j = 0; j < b->n; j++)
			n += a->ts[i].start.af == b->ts[j].start.af &&
			     !(a->ts[i].ipproto && b->ts[j].ipproto && a->ts[i].ipproto != b->ts[j].ipproto);
	return n >= 1 && n <= IKE_TS_MAX_PAIRS;
}

/* Is b inside a? */
static bool ts_contains(const struct ike_ts *a, const struct ike_ts *b)
{
	struct ike_ts x;

	return ts_intersect(a, b, &x) && ts_eq(&x, b);
}

bool ts_payload_eq(const struct ike_ts_payload *a, const struct ike_ts_payload *b)
{
	if (a->n != b->n)
		return false;
	for (unsigned i = 0; i < a->n; i++)
		if (!ts_eq(&a->ts[i], &b->ts[i]))
			return false;
	return true;
}

/* One side: the selectors both agree on, or false when none.  As Libreswan:
 * with narrowing=no each of ours must be proposed exactly; with
 * narrowing=yes the answer is the intersections (ours where covered). */
static bool narrow_side(const struct ike_ts_payload *peer, const struct ike_ts_payload *ours,
			bool narrowing, struct ike_ts_payload *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned j = 0; j < ours->n; j++) {
		bool covered = false;

		for (unsigned i = 0; i < peer->n; i++) {
			struct ike_ts x;

			if (!ts_intersect(&peer->ts[i], &ours->ts[j], &x))
				continue;
			if (narrowing ? ts_eq(&x, &ours->ts[j]) : ts_eq(&peer->ts[i], &ours->ts[j])) {
				covered = true;   /* peer's selector covers (narrowing=no: equals) ours */
				break;
			}
			if (narrowing && out->n < IKE_TS_MAX && ts_installable(&x)) {
				bool dup = false;

				for (unsigned k = 0; k < out->n; k++)
					dup |= ts_eq(&out->ts[k], &x);
				if (!dup)
					out->ts[out->n++] = x;
			}
		}
		if (covered && out->n < IKE_TS_MAX)
			out->ts[out->n++] = ours->ts[j];
	}
	if (!narrowing) {
		/* everything we have must be covered, nothing narrowed */
		return out->n == ours->n;
	}
	return out->n > 0;
}

bool ts_select(const struct ike_conn *conn, const struct ike_endpoint *local, const struct ike_endpoint *remote,
	       const struct ike_ts_payload *tsi, const struct ike_ts_payload *tsr,
	       struct ike_ts_payload *out_i, struct ike_ts_payload *out_r)
{
	struct ike_ts_payload ours_i, ours_r;

	ts_from_end(&conn->remote, remote, &ours_i);
	ts_from_end(&conn->local, local, &ours_r);
	return narrow_side(tsi, &ours_i, conn->narrowing, out_i) &&
	       narrow_side(tsr, &ours_r, conn->narrowing, out_r) && ts_pairs_fit(out_i, out_r);
}

bool ts_conn_matches(const struct ike_conn *conn, const struct ike_endpoint *local, const struct ike_endpoint *remote,
		     const struct ike_ts_payload *tsi, const struct ike_ts_payload *tsr)
{
	struct ike_ts_payload a, b;

	return ts_select(conn, local, remote, tsi, tsr, &a, &b);
}

bool ts_within(const struct ike_ts_payload *got, const struct ike_ts_payload *proposed)
{
	if (got->n == 0)
		return false;
	for (unsigned i = 0; i < got->n; i++) {
		bool ok = false;

		if (!ts_installable(&got->ts[i]))
			return false;   /* the dataplanes could not enforce it as agreed */
		for (unsigned j = 0; j < proposed->n && !ok; j++)
			ok = ts_contains(&proposed->ts[j], &got->ts[i]);
		if (!ok)
			return false;
	}
	return true;
}

bool ike_conn_fits_ts(const struct ike_conn *conn, const struct ike_endpoint *local,
		      const struct ike_endpoint *remote, const struct ike_ts_payload *tsi,
		      const struct ike_ts_payload *tsr)
{
	return ts_conn_matches(conn, local, remote, tsi, tsr);
}

struct ike_conn *ts_conn_for_child(struct ike_sa *sa, struct ike_conn *current,
				   const struct ike_ts_payload *tsi, const struct ike_ts_payload *tsr)
{
	struct ike_engine *e = sa->e;
	struct ike_conn *c;

	if (ts_conn_matches(current, &sa->local, &sa->remote, tsi, tsr))
		return current;
	if (!e->ops->find_conn_for_child)
		return NULL;
	c = e->ops->find_conn_for_child(e->ctx, current, &sa->local, &sa->remote, sa->remote_id, tsi, tsr);
	/* trust, but check: the answer must hold the selectors */
	if (!c || !ts_conn_matches(c, &sa->local, &sa->remote, tsi, tsr))
		return NULL;
	return c;
}
