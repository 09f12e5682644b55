/* Every SA line of status: --status/--showstates state lines, the Child
 * SAs' SPI/traffic lines, --trafficstatus, the state counts, the
 * dataplane's and the engine's drop counters, which SA of a conn is the
 * newest (kept on the dconn as the engine reports SAs established and
 * deleted), the conn block's "algorithm newest" lines, and the SA objects
 * of --status --json.
 *
 * The JSON "states" array of `ipsec whack --status --json`: one object per IKE
 * and Child SA with what both peers must agree on (SPIs, algorithms), so a
 * test or a monitor can compare two daemons without parsing Libreswan's
 * text layout:
 *   {"serial":1,"kind":"ike","conn":"t","state":"STATE_V2_ESTABLISHED_IKE_SA",
 *    "established":true,"initiator":true,"local":"192.0.2.1:500",
 *    "remote":"192.0.2.2:500","nat":false,"spi_i":"0123456789abcdef",
 *    "spi_r":"...","encr":"AES_GCM_16","keylen":256,"integ":"NONE",
 *    "prf":"HMAC_SHA2_512","dh":"MODP2048"}
 *   {"serial":2,"kind":"child","ike_serial":1,...,"spi_in":"1a2b3c4d",
 *    "spi_out":"...","encr":...,"integ":...,"dh":"NONE","esn":false}
 * Names are the IANA names of alg/iana.h without "IKEV2_ENCR_" etc.
 * ("NONE" for 0). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alg/alg.h"
#include "daemon/conndb.h"
#include "lib/esc.h"
#include "daemon/connview.h"
#include "daemon/ikehost.h"
#include "daemon/satable.h"
#include "dataplane/dataplane.h"

void sa_foreach(struct pluto *p, ike_sa_visit_fn fn, void *arg)
{
	struct ikehost *h = ikehost_peek(p);

	if (h && h->eng)
		ike_foreach_sa(h->eng, fn, arg);
}

/* Conns with a newest SA to find again (sa_status_newest). */
static unsigned n_stale;

static void refresh_cb(void *arg, const struct ike_sa_info *sa)
{
	struct dconn *dc = connview_dconn(sa->conn);

	(void)arg;
	if (!dc || !sa->established)
		return;
	if (sa->kind == IKE_KIND_IKE && dc->newest_ike_stale && sa->serial > dc->newest_ike)
		dc->newest_ike = sa->serial;
	if (sa->kind == IKE_KIND_CHILD && dc->newest_child_stale && sa->serial > dc->newest_child)
		dc->newest_child = sa->serial;
}

/* Finds every stale newest SA in one walk of the SAs (and one of the conns
 * to clear the marks): only when something asks after a newest went. */
static void newest_refresh(struct pluto *p)
{
	struct dconn **all;
	size_t n;

	if (!n_stale)
		return;
	sa_foreach(p, refresh_cb, NULL);
	all = conndb_sorted(p->db, &n);
	if (!all && n)
		return;   /* out of memory: try again next time */
	for (size_t i = 0; i < n; i++)
		all[i]->newest_ike_stale = all[i]->newest_child_stale = false;
	free(all);
	n_stale = 0;
}

void sa_newest(struct pluto *p, const struct dconn *dc, unsigned *ike, unsigned *child)
{
	newest_refresh(p);
	*ike = dc->newest_ike;
	*child = dc->newest_child;
}

/* A conn's newest SA of a kind: the latest established; when that one goes,
 * the newest of the rest, found when status or a rekey next asks for it. */
void sa_status_newest(struct pluto *p, const struct ike_conn *conn, bool ike, unsigned serial, bool established)
{
	struct dconn *dc = connview_dconn(conn);
	unsigned *newest = !dc ? NULL : ike ? &dc->newest_ike : &dc->newest_child;
	bool *stale = !dc ? NULL : ike ? &dc->newest_ike_stale : &dc->newest_child_stale;

	(void)p;
	if (!newest)
		return;
	if (established) {
		if (!*stale && serial > *newest)
			*newest = serial;
	} else if (*newest == serial) {
		*newest = 0;
		if (!*stale)
			n_stale++;
		*stale = true;
	}
}

static void count_sa(void *arg, const struct ike_sa_info *sa)
{
	struct sa_counts *c = arg;

	if (sa->kind == IKE_KIND_IKE) {
		c->ike_total++;
		if (!sa->established)
			c->ike_halfopen++;
		else
			c->ike_auth++;
	} else if (sa->established) {
		c->ipsec_total++;
	}
}

void sa_status_counts(struct pluto *p, struct sa_counts *c)
{
	memset(c, 0, sizeof(*c));
	sa_foreach(p, count_sa, c);
}

struct state_ctx {
	struct ikehost *h;
	struct reply *rp;
	uint64_t now;
	const struct dconn *only;
};

static uint64_t secs_until(uint64_t at, uint64_t now)
{
	return (at > now ? at - now : 0) / 1000;
}

/* " RETRANSMIT in 4s; REKEY in 27928s; REPLACE in 28797s;" */
static void timers_text(const struct ike_sa_info *sa, uint64_t now, char *t, size_t cap)
{
	size_t o = 0;

	t[0] = '\0';
	if (sa->retransmit_at_ms)
		o += (size_t)snprintf(t + o, cap - o, " RETRANSMIT in %llus;",
				      (unsigned long long)secs_until(sa->retransmit_at_ms, now));
	if (sa->rekey_at_ms && o < cap)
		o += (size_t)snprintf(t + o, cap - o, " REKEY in %llus;",
				      (unsigned long long)secs_until(sa->rekey_at_ms, now));
	if (sa->replace_at_ms && o < cap)
		snprintf(t + o, cap - o, " REPLACE in %llus;", (unsigned long long)secs_until(sa->replace_at_ms, now));
}

static bool is_newest(const struct ike_sa_info *sa)
{
	const struct dconn *dc = connview_dconn(sa->conn);

	return dc && sa->serial == (sa->kind == IKE_KIND_IKE ? dc->newest_ike : dc->newest_child);
}

static void counters(struct ikehost *h, const struct ike_sa_info *sa, struct dp_counters *cin, struct dp_counters *cout)
{
	memset(cin, 0, sizeof(*cin));
	memset(cout, 0, sizeof(*cout));
	if (!h->dp || !sa->established)
		return;
	h->dp->ops->get_counters(h->dp, sa->spi_in, &sa->local.addr, DP_IPPROTO_ESP, cin);
	h->dp->ops->get_counters(h->dp, sa->spi_out, &sa->remote.addr, DP_IPPROTO_ESP, cout);
}

static void child_lines(struct state_ctx *s, const struct ike_sa_info *sa, const char *timers)
{
	char pa[ADDR_STRLEN], la[ADDR_STRLEN], tun[2 * ADDR_STRLEN + 20] = "";
	struct dp_counters cin, cout;

	rp_line(s->rp, 0, "#%u: \"%s\":%u %s (%s);%s%s%s IKE SA #%u; idle;", sa->serial, sa->conn_name,
		sa->local.port, sa->state_name, sa->state_story, timers, is_newest(sa) ? " newest;" : "",
		sa->established ? " eroute owner;" : "", sa->ike_serial);
	if (!sa->established)
		return;
	counters(s->h, sa, &cin, &cout);
	addr_fmt(&sa->remote.addr, pa);
	addr_fmt(&sa->local.addr, la);
	if (!sa->transport)   /* Libreswan prints no tun.0 pairs in transport mode */
		snprintf(tun, sizeof(tun), " tun.0@%s tun.0@%s", pa, la);
	rp_line(s->rp, 0, "#%u: \"%s\" esp.%08x@%s esp.%08x@%s%s Traffic: ESPin=%lluB ESPout=%lluB ESPmax=2^63B",
		sa->serial, sa->conn_name, sa->spi_out, pa, sa->spi_in, la, tun, (unsigned long long)cin.bytes,
		(unsigned long long)cout.bytes);
}

static void state_line(void *arg, const struct ike_sa_info *sa)
{
	struct state_ctx *s = arg;
	char timers[160];

	if (s->only && connview_dconn(sa->conn) != s->only)
		return;
	timers_text(sa, s->now, timers, sizeof(timers));
	if (sa->kind == IKE_KIND_IKE)
		rp_line(s->rp, 0, "#%u: \"%s\":%u %s (%s);%s%s idle;", sa->serial, sa->conn_name, sa->local.port,
			sa->state_name, sa->state_story, timers, is_newest(sa) ? " newest;" : "");
	else
		child_lines(s, sa, timers);
}

void sa_status_states(struct pluto *p, struct reply *rp, const struct dconn *only)
{
	struct state_ctx s = { .h = ikehost_peek(p), .rp = rp, .now = ikehost_now(), .only = only };

	newest_refresh(p);
	sa_foreach(p, state_line, &s);
}

static void traffic_line(void *arg, const struct ike_sa_info *sa)
{
	struct state_ctx *s = arg;
	struct dp_counters cin, cout;
	char id[ID_STRLEN];

	if (sa->kind != IKE_KIND_CHILD || !sa->established || !s->h->dp)
		return;
	counters(s->h, sa, &cin, &cout);
	rp_line(s->rp, 6, "#%u: \"%s\", type=ESP, add_time=%llu, inBytes=%llu, outBytes=%llu, maxBytes=2^63B, id='%s'",
		sa->serial, sa->conn_name, (unsigned long long)cin.add_time, (unsigned long long)cin.bytes,
		(unsigned long long)cout.bytes, id_fmt(&sa->remote_id, id));
}

void sa_status_traffic(struct pluto *p, struct reply *rp)
{
	struct state_ctx s = { .h = ikehost_peek(p), .rp = rp };

	sa_foreach(p, traffic_line, &s);
}

unsigned sa_active_conns(struct pluto *p)
{
	struct ikehost *h = ikehost_peek(p);

	return h && h->sat ? (unsigned)satable_active_conns(h->sat) : 0;
}

const char *sa_status_dataplane(const struct pluto *p)
{
	const struct ikehost *h = ikehost_peek(p);

	return h && h->dp ? h->dp->ops->name : "none";
}

void sa_status_drops(struct pluto *p, struct reply *rp)
{
	struct ikehost *h = ikehost_peek(p);
	uint64_t d[DP_DROP__COUNT];
	char line[2048];   /* every dataplane or IKE drop counter with its name */
	size_t o = 0;

	if (!h || !h->dp)
		return;
	h->dp->ops->get_global_drops(h->dp, d);
	for (int i = 0; i < DP_DROP__COUNT; i++)
		if (d[i] && o < sizeof(line))
			o += (size_t)snprintf(line + o, sizeof(line) - o, "%s%s=%llu", o ? ", " : "",
					      dp_drop_name((enum dp_drop)i), (unsigned long long)d[i]);
	rp_line(rp, 0, "dataplane drops: %s", o ? line : "none");
	o = 0;
	for (int i = 0; i < IKE_DROP_COUNT; i++) {
		uint64_t n = ike_drop_count(h->eng, (enum ike_drop)i);

		if (n && o < sizeof(line))
			o += (size_t)snprintf(line + o, sizeof(line) - o, "%s%s=%llu", o ? ", " : "",
					      ike_drop_name((enum ike_drop)i), (unsigned long long)n);
	}
	rp_line(rp, 0, "IKE drops: %s", o ? line : "none");
}

/* ---- --status --json: the "states" array ---------------------------------- */

struct js_ctx {
	struct reply *rp;
	unsigned n;
};

static const char *nm(const char *(*fn)(int), unsigned v)
{
	const char *s = v ? fn((int)v) : NULL;
	const char *u;

	if (!s)
		return v ? "?" : "NONE";
	/* "IKEV2_ENCR_AES_GCM_16" -> "AES_GCM_16" */
	if (!strncmp(s, "IKEV2_", 6) && (u = strchr(s + 6, '_')))
		return u + 1;
	return s;
}

/* Conn names are ipsec.conf names: no quote or backslash can reach here,
 * but escape anyway rather than emit broken JSON. */
static void state_obj(void *arg, const struct ike_sa_info *sa)
{
	struct js_ctx *c = arg;
	char name[ESC_JSON_STRLEN(IKE_CONN_NAMELEN)], la[ADDR_STRLEN], ra[ADDR_STRLEN], spis[160];

	if (sa->kind == IKE_KIND_IKE)
		snprintf(spis, sizeof(spis), "\"spi_i\":\"%016llx\",\"spi_r\":\"%016llx\",\"prf\":\"%s\"",
			 (unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r,
			 nm(ikev2_prf_name, sa->prf));
	else
		snprintf(spis, sizeof(spis), "\"ike_serial\":%u,\"spi_in\":\"%08x\",\"spi_out\":\"%08x\",\"esn\":%s",
			 sa->ike_serial, sa->spi_in, sa->spi_out, sa->esn ? "true" : "false");
	rp_line(c->rp, CTL_CODE_RAW,
		"%s{\"serial\":%u,\"kind\":\"%s\",\"conn\":\"%s\",\"state\":\"%s\",\"established\":%s,"
		"\"initiator\":%s,\"local\":\"%s:%u\",\"remote\":\"%s:%u\",\"nat\":%s,%s,"
		"\"encr\":\"%s\",\"keylen\":%u,\"integ\":\"%s\",\"dh\":\"%s\"}",
		c->n ? "," : "", sa->serial, sa->kind == IKE_KIND_IKE ? "ike" : "child",
		esc_json(name, sizeof(name), sa->conn_name ? sa->conn_name : ""), sa->state_name ? sa->state_name : "?",
		sa->established ? "true" : "false", sa->initiator ? "true" : "false",
		addr_fmt(&sa->local.addr, la), sa->local.port, addr_fmt(&sa->remote.addr, ra), sa->remote.port,
		sa->nat ? "true" : "false", spis, nm(ikev2_encr_name, sa->encr), sa->encr_keybits,
		nm(ikev2_integ_name, sa->integ), nm(ikev2_dh_name, sa->dh));
	c->n++;
}

void status_json_states(struct pluto *p, struct reply *rp)
{
	struct js_ctx c = { .rp = rp };

	newest_refresh(p);
	sa_foreach(p, state_obj, &c);
}

/* ---- the conn block's "algorithm newest" lines (Libreswan's layout) ---- */

struct newest_ctx {
	const struct dconn *dc;
	unsigned ike, child;
	struct ike_sa_info ike_sa, child_sa;
	bool have_ike, have_child;
};

static void find_newest(void *arg, const struct ike_sa_info *sa)
{
	struct newest_ctx *n = arg;

	if (connview_dconn(sa->conn) != n->dc)
		return;
	if (sa->kind == IKE_KIND_IKE && sa->serial == n->ike) {
		n->ike_sa = *sa;
		n->have_ike = true;
	} else if (sa->kind == IKE_KIND_CHILD && sa->serial == n->child) {
		n->child_sa = *sa;
		n->have_child = true;
	}
}

/*   "c":   IKEv2 algorithm newest: AES_GCM_16_256-HMAC_SHA2_512-MODP2048
 *   "c":   ESP algorithm newest: AES_GCM_16_256-NONE; pfsgroup=<Phase1> */
void status_alg_newest(struct pluto *p, struct reply *rp, const char *pre, const struct dconn *dc,
		       unsigned ike, unsigned child)
{
	struct newest_ctx n = { .dc = dc, .ike = ike, .child = child };
	struct alg_text t;

	if (!ike && !child)
		return;
	sa_foreach(p, find_newest, &n);
	if (n.have_ike) {
		const struct ike_sa_info *i = &n.ike_sa;
		const struct alg_suite suite = { i->encr, i->encr_keybits, i->integ, i->prf, i->dh };

		rp_line(rp, 0, "%s   IKEv2 algorithm newest: %s", pre, alg_ike_newest_text(&suite, &t));
	}
	if (n.have_child) {
		const struct ike_sa_info *c = &n.child_sa;

		rp_line(rp, 0, "%s   ESP algorithm newest: %s-%s; pfsgroup=%s", pre,
			alg_encr_text(c->encr, c->encr_keybits, false, &t), alg_fqn(IKEV2_TRANS_INTEG, c->integ),
			c->dh ? alg_fqn(IKEV2_TRANS_DH, c->dh) : "<Phase1>");
	}
}
