/* Child SAs and trap policies into the dataplane.  The engine hands over
 * a negotiated Child SA (ike_child_params); this file translates it into
 * two struct dp_sa and a policy pair per traffic-selector pair, adding what
 * the conn's view says (marks, priority, byte/packet limits, TFC), and the
 * SA table (satable.c) installs them, deciding reqids and which policies
 * are shared.  Routed conns (`ipsec auto --route`) install trap policies
 * the same way; traffic hitting one (an acquire) initiates the conn. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config/conn.h"
#include "daemon/conndb.h"
#include "daemon/connview.h"
#include "daemon/ikehost.h"
#include "daemon/sa_sel.h"
#include "daemon/satable.h"
#include "daemon/updown.h"
#include "lib/ifaddr.h"
#include "lib/log.h"

#define NATT_PORT 4500

_Static_assert(SATABLE_MAX_POL >= IKE_TS_MAX_PAIRS, "the SA table holds every pair the engine agrees to");

/* The Child SA's selector pairs (outbound view: src local) into
 * sel[SATABLE_MAX_POL]: how many there are.  None, more than the table
 * holds, or any *bad: the caller refuses to install the Child SA. */
static size_t child_pairs(const struct ike_child_params *p, struct dp_selector *sel, size_t *bad)
{
	return sa_sel_pairs(p->ts_local, p->ts_remote, sel, SATABLE_MAX_POL, bad);
}

/* The SA's selector pairs, seen from dir, into pairs[SATABLE_MAX_POL]:
 * the userspace dataplane holds each decrypted packet to them and gives
 * the outbound SA only policies within one.  Its own selector covers
 * them all: XFRM checks that one alone (a fixed reqid= shared by Child
 * SAs of other selectors: see COMPATIBILITY.md). */
static void sa_selectors(const struct ike_child_params *p, enum dp_dir dir, struct dp_sa *sa,
			 struct dp_selector *pairs)
{
	size_t n = child_pairs(p, pairs, NULL);

	if (n > SATABLE_MAX_POL)
		n = SATABLE_MAX_POL;    /* refused before: sa_child_installed */
	for (size_t i = 0; dir == DP_DIR_IN && i < n; i++) {
		struct dp_selector out = pairs[i];
		sa_sel_reverse(&out, &pairs[i]);
	}
	sa_sel_cover(pairs, n, &sa->sel);
	sa->pairs = pairs;
	sa->npairs = (uint8_t)n;
}

/* The soft limit that triggers a rekey: half the hard one on the IKE SA's
 * initiator, as Libreswan, three quarters on the responder, so that both
 * ends (which count the same packets) do not rekey at once; none without
 * rekey=yes. */
static uint64_t soft_limit(uint64_t hard, bool rekey, bool ike_initiator)
{
	if (!hard || !rekey)
		return 0;
	return ike_initiator ? hard / 2 : hard / 4 * 3;
}

static void fill_sa(struct dp_sa *sa, const struct ike_child_params *p, const struct ike_child_dir *d,
		    enum dp_dir dir, const struct conn_view *v, struct dp_selector *pairs)
{
	memset(sa, 0, sizeof(*sa));
	sa->spi = d->spi;
	sa->dir = dir;
	sa->src = d->src;
	sa->dst = d->dst;
	sa->encap = p->encap ? DP_ENCAP_UDP : DP_ENCAP_NONE;
	sa->sport = dir == DP_DIR_OUT ? p->local_port : p->remote_port;
	sa->dport = dir == DP_DIR_OUT ? p->remote_port : p->local_port;
	/* the engine may not know its own floated port (0): it is the NAT-T port
	 * (vm helper: the kernel took 0 literally and NAT-T broke with xfrm) */
	if (sa->encap == DP_ENCAP_UDP && !sa->sport)
		sa->sport = NATT_PORT;
	if (sa->encap == DP_ENCAP_UDP && !sa->dport)
		sa->dport = NATT_PORT;
	sa->mode = p->transport ? DP_MODE_TRANSPORT : DP_MODE_TUNNEL;
	sa->encr = p->encr;
	sa->encr_keybits = p->encr_keybits;
	sa->integ = p->integ;
	sa->encr_key = d->encr_key;
	sa->integ_key = d->integ_key;
	sa->esn = p->esn;
	sa->replay_window = p->replay_window;
	/* hard lifetime a little after the engine's own replace time */
	sa->hard.seconds = p->lifetime_ms ? p->lifetime_ms / 1000 + 30 : 0;
	sa->hard.bytes = v->max_bytes;
	sa->hard.packets = v->max_packets;
	sa->soft.bytes = soft_limit(v->max_bytes, v->ike.rekey, p->ike_initiator);
	sa->soft.packets = soft_limit(v->max_packets, v->ike.rekey, p->ike_initiator);
	sa->mark = dir == DP_DIR_OUT ? v->mark_out : v->mark_in;
	if (dir == DP_DIR_OUT && !p->transport && !p->peer_no_tfc)
		sa->tfc_pad = v->tfc;
	sa_selectors(p, dir, sa, pairs);
}

/* One policy pair per selector pair: protocol and ports included. */
static void fill_policies(struct satable_child *sc, const struct dp_selector *pairs, size_t n,
			  const struct conn_view *v)
{
	for (size_t i = 0; i < n; i++) {
		struct dp_policy *po = &sc->pol_out[i], *pi = &sc->pol_in[i];

		memset(po, 0, sizeof(*po));
		po->sel = pairs[i];
		connview_route(v, po);
		po->dir = DP_DIR_OUT;
		po->priority = v->priority;
		*pi = *po;
		po->mark = v->mark_out;
		pi->mark = v->mark_in;
		pi->dir = DP_DIR_IN;
		sa_sel_reverse(&po->sel, &pi->sel);
	}
	sc->npol = n;
}

/* A fixed reqid (reqid=) in the kernel for the first time this run: noted
 * so that a crash's leftovers are purged at the next start (fixed_reqid.c). */
static void note_fixed_reqid(struct ikehost *h, struct conn_view *v)
{
	if (v->reqid && !v->reqid_noted) {
		fixed_reqid_note(h->p, v->reqid);
		v->reqid_noted = true;
	}
}

void sa_child_installed(struct ikehost *h, const struct ike_child_params *p)
{
	struct conn_view *v = connview_of(p->conn);
	struct dp_selector pairs[SATABLE_MAX_POL], sa_in[SATABLE_MAX_POL], sa_out[SATABLE_MAX_POL];
	struct satable_child sc;
	size_t npairs, bad = 0;
	int rc;

	if (!h->sat) {
		log_error("\"%s\" #%u: cannot install the Child SA: no dataplane", p->conn_name, p->serial);
		return;
	}
	npairs = child_pairs(p, pairs, &bad);
	if (!npairs || npairs > SATABLE_MAX_POL || bad) {
		/* the engine agrees only to installable selectors (ts_installable) */
		log_error("\"%s\" #%u: cannot install the Child SA: %u x %u traffic selectors give %zu pairs (%zu not installable, at most %d)",
			  p->conn_name, p->serial, p->ts_local->n, p->ts_remote->n, npairs, bad, SATABLE_MAX_POL);
		return;
	}
	memset(&sc, 0, sizeof(sc));
	sc.serial = p->serial;
	sc.ike_serial = p->ike_serial;
	sc.replaces = p->replaces;
	sc.conn = p->conn;
	sc.out_deferred = p->outbound_later;
	fill_sa(&sc.in, p, &p->in, DP_DIR_IN, v, sa_in);
	fill_sa(&sc.out, p, &p->out, DP_DIR_OUT, v, sa_out);
	fill_policies(&sc, pairs, npairs, v);
	if ((rc = satable_child_add(h->sat, &sc)) < 0) {
		log_error("\"%s\" #%u: cannot install the Child SA in the dataplane: %s", p->conn_name, p->serial,
			  strerror(-rc));
	} else {
		note_fixed_reqid(h, v);
		sa_status_newest(h->p, p->conn, false, p->serial, true);
		if (v && v->dc)
			sa_shunt_child_up(h, v->dc);
		updown_child_up(h, p);
	}
	secret_wipe(&sc, sizeof(sc));   /* no key pointers left behind */
}

/* The rekey responder's deferred outbound SA: the peer has switched. */
void sa_child_outbound(struct ikehost *h, const struct ike_child_params *p)
{
	struct dp_selector pairs[SATABLE_MAX_POL];
	struct dp_sa out;
	int rc;

	if (!h->sat)
		return;
	fill_sa(&out, p, &p->out, DP_DIR_OUT, connview_of(p->conn), pairs);
	if ((rc = satable_child_outbound(h->sat, p->serial, &out)) < 0 && rc != -ENOENT)
		log_error("\"%s\" #%u: cannot install the outbound SA: %s", p->conn_name, p->serial, strerror(-rc));
}

void sa_child_deleted(struct ikehost *h, const struct ike_child_params *p)
{
	int rc;

	sa_status_newest(h->p, p->conn, false, p->serial, false);
	if (h->sat)
		updown_child_down(h, p);
	if (!h->sat || (rc = satable_child_del(h->sat, p->serial, ikehost_now())) == -ENOENT)
		return;
	if (rc < 0)
		log_error("\"%s\" #%u: removing the Child SA from the dataplane: %s", p->conn_name, p->serial,
			  strerror(-rc));
	ikehost_sat_changed(h);
}

/* The peer's NAT mapping moved: the SAs follow (update_sa keeps keys and
 * algorithms, takes the new addresses and ports). */
void sa_child_moved(struct ikehost *h, const struct ike_child_params *p)
{
	const struct conn_view *v = connview_of(p->conn);
	struct dp_selector pin[SATABLE_MAX_POL], pout[SATABLE_MAX_POL];
	struct dp_sa in, out;
	int rc;

	if (!h->sat)
		return;
	fill_sa(&in, p, &p->in, DP_DIR_IN, v, pin);
	fill_sa(&out, p, &p->out, DP_DIR_OUT, v, pout);
	rc = satable_child_update(h->sat, p->serial, &in, &out);
	secret_wipe(&in, sizeof(in));
	secret_wipe(&out, sizeof(out));
	if (rc == -ENOENT)
		return;
	if (rc < 0)
		log_error("\"%s\" #%u: cannot move the Child SA to the peer's new port: %s", p->conn_name, p->serial,
			  strerror(-rc));
	else
		log_info("\"%s\" #%u: Child SA follows the peer to port %u", p->conn_name, p->serial, p->remote_port);
}

/* An SA reached its soft limit (bytes/packets: the engine's own timers
 * handle time): rekey its Child SA.  Its hard limit: the kernel removed the
 * SA (the userspace dataplane drops its traffic); with rekey=yes the Child
 * SA is replaced (unless its rekey is under way already: a burst can cross
 * both limits before the rekey's round trip), with rekey=no deleted. */
void sa_expired(struct ikehost *h, uint32_t spi, bool hard)
{
	const struct satable_child_info *ci = h->sat ? satable_child_by_spi(h->sat, spi, NULL) : NULL;
	const struct ike_conn *conn;
	unsigned serial;
	bool del, ok;

	if (!ci) {
		log_debug("dataplane: %s expire of SA 0x%08x, no Child SA of ours", hard ? "hard" : "soft", spi);
		return;
	}
	conn = ci->conn;
	serial = ci->serial;
	del = hard && !conn->rekey;
	ok = del ? ike_delete_child(h->eng, serial, NULL) : ike_rekey_child(h->eng, serial, NULL);
	log_info("\"%s\" #%u: %s lifetime of SA 0x%08x reached: %s%s", conn->name, serial, hard ? "hard" : "soft",
		 spi, del ? "deleting the Child SA" : "rekeying the Child SA",
		 ok ? "" : " (skipped: one is under way, or the IKE SA is not up)");
}

bool sa_conn_has_child(const struct ikehost *h, const struct dconn *dc)
{
	return h && h->sat && dc->view && satable_conn_has_child(h->sat, &dc->view->ike);
}

/* The conn's end as traffic selectors: its subnets, else its address; for
 * a shunt an unset address is none, %any every address of its family. */
static size_t end_subnets(const struct ike_end *e, bool shunt, struct ip_subnet *out)
{
	if (e->n_subnets) {
		memcpy(out, e->subnets, e->n_subnets * sizeof(out[0]));
		return e->n_subnets;
	}
	if (shunt && !e->addr.af)
		return 0;
	if (shunt && addr_is_any(&e->addr)) {
		memset(&out[0], 0, sizeof(out[0]));
		out[0].addr.af = e->addr.af;  /* 0.0.0.0/0 or ::/0 */
		return 1;
	}
	subnet_from_addr(&e->addr, &out[0]);
	return 1;
}

size_t sa_conn_selectors(const struct conn_view *v, bool shunt, struct dp_selector *sel)
{
	const struct ike_conn *ic = &v->ike;
	struct ip_subnet ls[IKE_MAX_SUBNETS], rs[IKE_MAX_SUBNETS];
	size_t n = sa_sel_conn_pairs(ls, end_subnets(&ic->local, shunt, ls), ic->local.protocol, ic->local.port, rs,
				     end_subnets(&ic->remote, shunt, rs), ic->remote.protocol, ic->remote.port, sel,
				     SATABLE_MAX_POL);

	if (n > SATABLE_MAX_POL) {
		log_warn("\"%s\": %zu subnet pairs; only the first %d get %s policies", ic->name, n, SATABLE_MAX_POL,
			 shunt ? "shunt" : "trap");
		n = SATABLE_MAX_POL;
	}
	return n;
}

static size_t trap_policies(const struct conn_view *v, struct dp_policy *pol)
{
	const struct ike_conn *ic = &v->ike;
	struct dp_selector sel[SATABLE_MAX_POL];
	size_t n = sa_conn_selectors(v, false, sel);

	for (size_t i = 0; i < n; i++) {
		struct dp_policy *po = &pol[i];

		memset(po, 0, sizeof(*po));
		po->sel = sel[i];
		po->dir = DP_DIR_OUT;
		po->tmpl_src = ic->local.addr;
		po->tmpl_dst = ic->remote.addr;
		po->mode = ic->transport ? DP_MODE_TRANSPORT : DP_MODE_TUNNEL;
		po->mark = v->mark_out;
		po->priority = v->priority;
		connview_route(v, po);
	}
	return n;
}

int sa_route(struct ikehost *h, struct dconn *dc, struct reply *rp)
{
	struct dp_policy pol[SATABLE_MAX_POL];
	struct conn_view *v;
	char err[300];
	uint32_t reqid = 0;
	size_t n;
	int rc;

	if (!h->sat) {
		rp_line(rp, 25, "\"%s\": could not route: no dataplane", dc->name);
		return 25;
	}
	if (!(v = connview_get(h->p, dc, err, sizeof(err)))) {
		rp_line(rp, 25, "\"%s\": could not route: %s", dc->name, err);
		return 25;
	}
	if (satable_trap_of(h->sat, &v->ike, NULL))
		return 0;                     /* routed already: silent, as Libreswan */
	if (!v->ike.remote.addr.af || addr_is_any(&v->ike.remote.addr)) {
		char text[256];

		status_policy_text(dc, text, sizeof(text));
		rp_line(rp, 25, "\"%s\": cannot route template policy of %s", dc->name, text);
		rp_line(rp, 25, "\"%s\": could not route", dc->name);
		return 25;
	}
	n = trap_policies(v, pol);
	if ((rc = satable_trap_add(h->sat, &v->ike, pol, n, &reqid)) < 0) {
		rp_line(rp, 25, "\"%s\": could not route: %s", dc->name, strerror(-rc));
		return 25;
	}
	note_fixed_reqid(h, v);
	dc->routing = ROUTING_PROSPECTIVE;
	log_info("\"%s\": routed: %zu trap polic%s", dc->name, n, n == 1 ? "y" : "ies");
	updown_routed(h, v, pol, n, reqid);
	return 0;
}

void sa_hold_dead_peer(struct ikehost *h, struct ike_conn *ic)
{
	struct conn_view *v = connview_of(ic);
	struct reply rp = { 0 };

	if (!h->sat || !v || !v->dc || satable_trap_of(h->sat, ic, NULL))
		return;                       /* routed already: its trap stays */
	if (sa_route(h, v->dc, &rp) == 0)
		log_info("\"%s\": dead peer: its traffic is held (the conn is routed)", v->dc->name);
	else
		log_warn("\"%s\": dead peer: cannot hold its traffic (no trap: a %%any peer?)", v->dc->name);
}

int sa_unroute(struct ikehost *h, struct dconn *dc, struct reply *rp)
{
	if (!h || !h->sat || !dc->view || !satable_trap_of(h->sat, &dc->view->ike, NULL)) {
		dc->routing = ROUTING_UNROUTED;
		return 0;                     /* not routed: silent, as Libreswan */
	}
	if (sa_conn_has_child(h, dc)) {
		rp_line(rp, 26, "\"%s\": cannot unroute: route busy", dc->name);
		return 26;
	}
	satable_trap_del(h->sat, &dc->view->ike);
	sa_shunt_unrouted(h->p, dc);
	dc->routing = ROUTING_UNROUTED;
	log_info("\"%s\": unrouted", dc->name);
	updown_unrouted(h, dc->view);
	return 0;
}

struct negotiating {
	const struct ike_conn *conn;
	bool yes;
};

static void negotiating_cb(void *arg, const struct ike_sa_info *sa)
{
	struct negotiating *n = arg;

	if (sa->conn == n->conn && !sa->established)
		n->yes = true;
}

/* Traffic hit a trap: initiate its conn unless it is up or on its way
 * (at most one initiation a second per conn). */
void sa_acquire(struct ikehost *h, uint32_t reqid, const struct dp_selector *sel)
{
	const struct ike_conn *conn = h->sat ? satable_trap_by_reqid(h->sat, reqid) : NULL;
	struct conn_view *v = conn ? connview_of(conn) : NULL;
	struct negotiating ng = { .conn = conn };
	char a[SUBNET_STRLEN], b[SUBNET_STRLEN];
	uint64_t now = ikehost_now();
	struct dconn *dc;

	if (!v || !(dc = v->dc) || conn_is_shunt(dc->conn))
		return;
	ike_foreach_sa(h->eng, negotiating_cb, &ng);
	if (ng.yes || sa_conn_has_child(h, dc) || (dc->acquire_ms && now - dc->acquire_ms < 1000))
		return;
	dc->acquire_ms = now;
	log_info("\"%s\": initiating on demand: acquire from %s to %s proto %u", dc->name,
		 subnet_fmt(&sel->src, a), subnet_fmt(&sel->dst, b), sel->proto);
	sa_ondemand(h, dc);               /* on demand is not +UP */
}

/* The dataplane dropped a decrypted packet outside its Child SA's
 * selectors (rate-limited there): one log line with the packet. */
void sa_dropped(struct ikehost *h, const struct dp_event *ev)
{
	const struct satable_child_info *ci = h->sat ? satable_child_by_spi(h->sat, ev->u.drop.spi, NULL) : NULL;
	const struct dp_selector *s = &ev->u.drop.sel;
	char a[ADDR_STRLEN], b[ADDR_STRLEN];

	log_warn("\"%s\" #%u: dropped a decrypted packet outside the Child SA's traffic selectors (%s): "
		 "%s:%u -> %s:%u proto %u; %llu so far",
		 ci ? ((const struct ike_conn *)ci->conn)->name : "?", ci ? ci->serial : 0u, dp_drop_name(ev->u.drop.why),
		 addr_fmt(&s->src.addr, a), s->sport, addr_fmt(&s->dst.addr, b), s->dport, s->proto,
		 (unsigned long long)ev->u.drop.count);
}
