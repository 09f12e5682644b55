/* --status, --briefstatus, --globalstatus, --status --json and the list
 * operations, in Libreswan 4.10's layout (reference §4). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/conn.h"
#include "config/secrets.h"
#include "daemon/conn_dns.h"
#include "daemon/conndb.h"
#include "daemon/cryptopool.h"
#include "daemon/ikehost.h"
#include "daemon/pluto.h"
#include "lib/esc.h"
#include "lib/ifaddr.h"

#define BLANK(rp) rp_line(rp, 0, " ")

static const char *host_text(const struct conn_end *e, char *buf, size_t cap)
{
	char a[ADDR_STRLEN];

	switch (e->host_kind) {
	case HOST_ADDR:
	case HOST_DEFAULTROUTE:
		if (addr_is_set(&e->host))
			return addr_fmt(&e->host, buf);
		snprintf(buf, cap, "%%defaultroute");
		return buf;
	case HOST_DNS:       /* its answer when it has one (conn_dns_status_end) */
		if (addr_is_set(&e->host))
			snprintf(buf, cap, "%s<%s>", addr_fmt(&e->host, a), e->host_name ? e->host_name : "?");
		else
			snprintf(buf, cap, "%%dns<%s>", e->host_name ? e->host_name : "?");
		return buf;
	case HOST_ANY:
		snprintf(buf, cap, "%%any");
		return buf;
	case HOST_IFACE:
		snprintf(buf, cap, "%%iface<%s>", e->host_name ? e->host_name : "?");
		return buf;
	case HOST_OPPORTUNISTIC: snprintf(buf, cap, "%%opportunistic"); return buf;
	case HOST_GROUP: snprintf(buf, cap, "%%group"); return buf;
	case HOST_OPPOGROUP: snprintf(buf, cap, "%%opportunisticgroup"); return buf;
	default:
		snprintf(buf, cap, "%%none");
		return buf;
	}
}

/* One end: [SUBNET===]HOST[ID][:PROTO/PORT][---NEXTHOP] (or mirrored for
 * the peer), PORT "%any" for a wildcard port, as Libreswan. */
static void end_text(const struct conn_end *e, bool peer, char *out, size_t cap)
{
	char host[300], sub[SUBNET_STRLEN] = "", id[ID_STRLEN] = "", nh[ADDR_STRLEN] = "";
	char idpart[ID_STRLEN + 4] = "", pp[24] = "";

	host_text(e, host, sizeof(host));
	if (e->n_subnets)
		subnet_fmt(&e->subnets[0], sub);
	if (e->has_id) {
		id_fmt(e->id, id);
		if (strcmp(id, host) != 0)
			snprintf(idpart, sizeof(idpart), "[%s]", id);
	}
	if (e->port_any)
		snprintf(pp, sizeof(pp), ":%u/%%any", e->protocol);
	else if (e->protocol || e->port)
		snprintf(pp, sizeof(pp), ":%u/%u", e->protocol, e->port);
	if (e->nexthop_kind == HOST_ADDR || (e->nexthop_kind == HOST_DEFAULTROUTE && addr_is_set(&e->nexthop)))
		addr_fmt(&e->nexthop, nh);
	if (!peer)
		snprintf(out, cap, "%s%s%s%s%s%s%s", sub, sub[0] ? "===" : "", host, idpart, pp,
			 nh[0] ? "---" : "", nh);
	else
		snprintf(out, cap, "%s%s%s%s%s%s%s", nh, nh[0] ? "---" : "", host, idpart, pp,
			 sub[0] ? "===" : "", sub);
}

static const char *auth_name(enum conn_auth a)
{
	switch (a) {
	case AUTH_SECRET: return "secret";
	case AUTH_NULL: return "null";
	case AUTH_ECDSA: return "ecdsa";
	case AUTH_EAPONLY: return "eaponly";
	case AUTH_UNSET: return "rsasig";
	default: return "rsasig";
	}
}

static enum conn_auth end_auth(const struct conn *c, int e)
{
	if (c->end[e].auth != AUTH_UNSET)
		return c->end[e].auth;
	if (c->authby && strstr(c->authby, "secret"))
		return AUTH_SECRET;
	if (c->authby && strstr(c->authby, "null"))
		return AUTH_NULL;
	return AUTH_RSASIG;
}

static const char *id_type_of(const struct conn_end *e, char *idbuf)
{
	if (e->has_id) {
		id_fmt(e->id, idbuf);
		return id_kind_name(e->id->kind);
	}
	if (addr_is_set(&e->host)) {
		addr_fmt(&e->host, idbuf);
		return e->host.af == AF_INET6 ? "ID_IPV6_ADDR" : "ID_IPV4_ADDR";
	}
	strcpy(idbuf, "(none)");
	return "ID_NONE";
}

/* "2^63" for Libreswan's default, the number otherwise. */
static const char *count_text(uint64_t v, char *buf, size_t cap)
{
	if (v == 0 || v == (uint64_t)1 << 63)
		snprintf(buf, cap, "2^63");
	else
		snprintf(buf, cap, "%llu", (unsigned long long)v);
	return buf;
}

static unsigned prio_plen(const struct conn_end *e)
{
	if (e->n_subnets)
		return e->subnets[0].plen;
	if (e->host_kind == HOST_ANY)
		return 0;
	return e->host.af == AF_INET6 ? 128 : 32;
}

static bool authby_never(const struct conn *c) { return c->authby && strstr(c->authby, "never"); }

/* A shunt conn (type=passthrough|drop|reject) negotiates nothing: Libreswan
 * prints its policy as IKEv2+AUTH_NEVER+PASS+NEVER_NEGOTIATE. */
static void shunt_policy_text(const struct conn *c, enum conn_auth auth, char *out, size_t cap)
{
	snprintf(out, cap, "IKEv%d+%s+%s+NEVER_NEGOTIATE", c->ikev2 ? 2 : 1,
		 authby_never(c) ? "AUTH_NEVER" : auth == AUTH_SECRET ? "PSK" : auth == AUTH_NULL ? "AUTH_NULL" : "RSASIG",
		 c->type == CONN_PASSTHROUGH ? "PASS" : c->type == CONN_DROP ? "DROP" : "REJECT");
}

static void policy_text(const struct conn *c, enum conn_auth auth, bool up, char *out, size_t cap)
{
	if (conn_is_shunt(c)) {
		shunt_policy_text(c, auth, out, cap);
		return;
	}
	const char *nego = conn_get(c, "negotiationshunt", CONF_NOSIDE), *fail = conn_get(c, "failureshunt", CONF_NOSIDE);

	snprintf(out, cap, "IKEv%d+%s+ENCRYPT+%s%s%s%s%s%s%s%s", c->ikev2 ? 2 : 1,
		 auth == AUTH_SECRET ? "PSK" : auth == AUTH_NULL ? "AUTH_NULL" : "RSASIG",
		 c->type == CONN_TRANSPORT ? "TRANSPORT" : "TUNNEL",
		 c->pfs ? "+PFS" : "", up ? "+UP" : "",
		 c->compress ? "+COMPRESS" : "",
		 c->fragmentation == FRAG_NO ? "" : c->fragmentation == FRAG_FORCE ? "+IKE_FRAG_ALLOW+IKE_FRAG_FORCE" : "+IKE_FRAG_ALLOW",
		 c->esn == ESN_YES ? "+ESN_YES" : c->esn == ESN_NO ? "+ESN_NO" : "+ESN_NO+ESN_YES",
		 /* as Libreswan: +NEGO_PASS, +failurePASS / DROP / REJECT */
		 nego && !strcmp(nego, "passthrough") ? "+NEGO_PASS" : "",
		 !fail || !strcmp(fail, "none") || !fail[0] ? "" : !strcmp(fail, "passthrough") ? "+failurePASS" :
		 !strcmp(fail, "reject") ? "+failureREJECT" : "+failureDROP");
}

void status_policy_text(const struct dconn *dc, char *out, size_t cap)
{
	const struct conn *c = dc->conn;
	int l = ifaddr_is_local(&c->end[1].host, NULL) && !ifaddr_is_local(&c->end[0].host, NULL);

	policy_text(c, end_auth(c, l), dc->up, out, cap);
}

/* The conn's ends with host names' answers (conn_dns.h). */
static void conn_ends(const struct dconn *dc, struct conn_end ends[2])
{
	conn_dns_status_end(dc, 0, &ends[0]);
	conn_dns_status_end(dc, 1, &ends[1]);
}

/* A host name without an answer says why. */
static void dns_reasons(struct reply *rp, const char *pre, const struct dconn *dc)
{
	for (int s = 0; s < 2; s++)
		if (dc->conn->end[s].host_kind == HOST_DNS && !dc->dns[s].resolved)
			rp_line(rp, 0, "%s   %s=%s: %s", pre, s ? "right" : "left", dc->conn->end[s].host_name,
				dc->dns[s].err ? dc->dns[s].err : "not resolved yet");
}

/* Lifetimes and retransmits: a shunt conn has none (Libreswan prints 0s). */
static void limits_lines(struct reply *rp, const char *pre, const struct conn *c)
{
	char n1[32], n2[32];

	if (conn_is_shunt(c)) {
		rp_line(rp, 0, "%s   ike_life: 0s; ipsec_life: 0s; ipsec_max_bytes: 0B; ipsec_max_packets: 0; "
			"replay_window: 0; rekey_margin: 0s; rekey_fuzz: 0%%; keyingtries: 0;", pre);
		rp_line(rp, 0, "%s   retransmit-interval: 0ms; retransmit-timeout: 0s; iketcp:no; iketcp-port:0;", pre);
		return;
	}
	rp_line(rp, 0, "%s   ike_life: %llus; ipsec_life: %llus; ipsec_max_bytes: %sB; ipsec_max_packets: %s; "
		"replay_window: %u; rekey_margin: %llus; rekey_fuzz: %u%%; keyingtries: %u;",
		pre, (unsigned long long)(c->ikelifetime_ms / 1000), (unsigned long long)(c->salifetime_ms / 1000),
		count_text(c->ipsec_max_bytes, n1, sizeof(n1)), count_text(c->ipsec_max_packets, n2, sizeof(n2)),
		c->replay_window, (unsigned long long)(c->rekeymargin_ms / 1000), c->rekeyfuzz_pct, c->keyingtries);
	rp_line(rp, 0, "%s   retransmit-interval: %llums; retransmit-timeout: %llus; iketcp:no; iketcp-port:4500;", pre,
		(unsigned long long)c->retransmit_interval_ms,
		(unsigned long long)(c->retransmit_timeout_ms / 1000));
}

/* Liveness and NAT-T (IKEv2). */
static void liveness_lines(struct reply *rp, const char *pre, const struct conn *c, unsigned keep_alive_s)
{
	static const char *const dpdaction[] = { "hold", "clear", "restart" };

	if (conn_is_shunt(c)) {
		rp_line(rp, 0, "%s   liveness: passive; dpdaction:disabled; dpddelay:0s; retransmit-timeout:0s", pre);
		rp_line(rp, 0, "%s   nat-traversal: encaps:no; keepalive:no", pre);
		return;
	}
	rp_line(rp, 0, "%s   liveness: %s; dpdaction:%s; dpddelay:%llus; retransmit-timeout:%llus", pre,
		c->dpddelay_ms ? "active" : "passive", dpdaction[c->dpdaction % 3],
		(unsigned long long)(c->dpddelay_ms / 1000), (unsigned long long)(c->retransmit_timeout_ms / 1000));
	rp_line(rp, 0, "%s   nat-traversal: encaps:%s; keepalive:%us", pre,
		c->encapsulation == YNA_YES ? "yes" : c->encapsulation == YNA_NO ? "no" : "auto",
		c->nat_keepalive ? keep_alive_s : 0);
}

static void conn_block(struct pluto *p, struct reply *rp, const struct dconn *dc)
{
	const struct conn *c = dc->conn;
	const struct conn_end *L, *R;
	int l = 0, r = 1;
	bool oriented = true;
	char a[700], b[700], pre[CTL_MAX_STR / 2], pol[256], n1[32], n2[32];
	char id0[ID_STRLEN], id1[ID_STRLEN], ifname[IF_NAMESIZE];
	const char *t0, *t1;
	static const char *const dpdaction[] = { "hold", "clear", "restart" };
	unsigned newest_ike = 0, newest_child = 0;
	struct conn_end ends[2];        /* host names with their answers */

	conn_ends(dc, ends);
	if (ifaddr_is_local(&ends[1].host, NULL) && !ifaddr_is_local(&ends[0].host, NULL)) {
		l = 1;
		r = 0;
	} else if (!ifaddr_is_local(&ends[0].host, NULL)) {
		oriented = false;
	}
	L = &ends[l];
	R = &ends[r];
	snprintf(pre, sizeof(pre), "\"%s\":", dc->name);
	end_text(L, false, a, sizeof(a));
	end_text(R, true, b, sizeof(b));
	sa_newest(p, dc, &newest_ike, &newest_child);
	rp_line(rp, 0, "%s %s...%s; %s; eroute owner: #%u", pre, a, b,
		newest_child ? "erouted" : dc->routing == ROUTING_PROSPECTIVE ? "prospective erouted" : "unrouted",
		newest_child);
	rp_line(rp, 0, "%s     %s; my_ip=unset; their_ip=unset; my_updown=%s;", pre,
		oriented ? "oriented" : "unoriented", L->updown ? L->updown : "ipsec _updown");
	dns_reasons(rp, pre, dc);
	rp_line(rp, 0, "%s   xauth us:%s, xauth them:%s,  my_username=[any]; their_username=[any]", pre,
		L->xauthserver ? "server" : L->xauthclient ? "client" : "none",
		R->xauthserver ? "server" : R->xauthclient ? "client" : "none");
	rp_line(rp, 0, "%s   our auth:%s, their auth:%s, our autheap:none, their autheap:none;", pre,
		authby_never(c) ? "never" : auth_name(end_auth(c, l)), authby_never(c) ? "never" : auth_name(end_auth(c, r)));
	rp_line(rp, 0, "%s   modecfg info: us:%s, them:%s, modecfg policy:push, dns:unset, domains:unset, cat:unset;",
		pre, L->modecfgserver ? "server" : L->modecfgclient ? "client" : "none",
		R->modecfgserver ? "server" : R->modecfgclient ? "client" : "none");
	rp_line(rp, 0, "%s   sec_label:unset;", pre);
	limits_lines(rp, pre, c);
	rp_line(rp, 0, "%s   initial-contact:%s; cisco-unity:no; fake-strongswan:no; send-vendorid:no; send-no-esp-tfc:%s;",
		pre, c->initial_contact ? "yes" : "no", c->send_no_esp_tfc ? "yes" : "no");
	policy_text(c, end_auth(c, l), dc->up, pol, sizeof(pol));
	rp_line(rp, 0, "%s   policy: %s;", pre, pol);
	if (c->ikev2)
		rp_line(rp, 0, "%s   v2-auth-hash-policy: %s;", pre,
			end_auth(c, l) == AUTH_SECRET || end_auth(c, l) == AUTH_NULL ? "none" : "SHA2_256+SHA2_384+SHA2_512");
	ifaddr_is_local(&L->host, ifname);
	rp_line(rp, 0, "%s   conn_prio: %u,%u; interface: %s; metric: %u; mtu: %s; sa_prio:%s; sa_tfc:%s;", pre,
		prio_plen(L), prio_plen(R), ifname, c->metric, c->mtu ? (snprintf(n1, sizeof(n1), "%u", c->mtu), n1) : "unset",
		c->priority ? (snprintf(n2, sizeof(n2), "%u", c->priority), n2) : "auto",
		c->tfc ? "set" : "none");
	rp_line(rp, 0, "%s   nflog-group: %s; mark: %s; vti-iface:%s; vti-routing:no; vti-shared:no; nic-offload:%s;",
		pre, c->nflog ? (snprintf(n1, sizeof(n1), "%u", c->nflog), n1) : "unset",
		c->mark.set ? conn_get(c, "mark", CONF_NOSIDE) : "unset", c->vti_interface ? c->vti_interface : "unset",
		conn_is_shunt(c) ? "no" : conn_get(c, "nic-offload", CONF_NOSIDE) ? conn_get(c, "nic-offload", CONF_NOSIDE) : "auto");
	t0 = id_type_of(L, id0);
	t1 = id_type_of(R, id1);
	if (conn_is_shunt(c) && R->host_kind == HOST_ANY && !R->has_id)
		t1 = "%none";
	rp_line(rp, 0, "%s   our idtype: %s; our id=%s; their idtype: %s; their id=%s", pre, t0, id0, t1, id1);
	if (c->ikev2) {
		liveness_lines(rp, pre, c, p->keep_alive_s);
		rp_line(rp, 0, "%s   newest IKE SA: #%u; newest IPsec SA: #%u; conn serial: $%llu;", pre,
			newest_ike, newest_child, (unsigned long long)dc->serial);
		if (c->connalias)
			rp_line(rp, 0, "%s   aliases: %s", pre, c->connalias);
		status_alg_newest(p, rp, pre, dc, newest_ike, newest_child);
	} else {
		rp_line(rp, 0, "%s   dpd: %s; action:%s; delay:%llus; timeout:%llus", pre,
			c->dpddelay_ms ? "active" : "passive", dpdaction[c->dpdaction % 3],
			(unsigned long long)(c->dpddelay_ms / 1000), (unsigned long long)(c->dpdtimeout_ms / 1000));
		rp_line(rp, 0, "%s   nat-traversal: encaps:%s; keepalive:%us; ikev1-method:rfc+drafts", pre,
			c->encapsulation == YNA_YES ? "yes" : c->encapsulation == YNA_NO ? "no" : "auto",
			c->nat_keepalive ? p->keep_alive_s : 0);
		rp_line(rp, 0, "%s   newest ISAKMP SA: #0; newest IPsec SA: #0; conn serial: $%llu;", pre,
			(unsigned long long)dc->serial);
		if (c->connalias)
			rp_line(rp, 0, "%s   aliases: %s", pre, c->connalias);
	}
}

void status_conns(struct pluto *p, struct reply *rp, const char *only)
{
	size_t n;
	struct dconn **v = conndb_sorted(p->db, &n);

	for (size_t i = 0; i < n; i++)
		if (!only || strcmp(only, v[i]->name) == 0)
			conn_block(p, rp, v[i]);
	free(v);
}

void status_brief(struct pluto *p, struct reply *rp)
{
	const struct ike_engine *e = p->host ? p->host->eng : NULL;
	struct sa_counts c;
	bool cookies, accepting;

	sa_status_counts(p, &c);
	/* the engine's current decisions; before it exists, those of the config */
	cookies = e ? ike_cookies_required(e) : p->ddos_mode == DDOS_BUSY;
	accepting = p->listening && (!e || ike_accepting_new(e));
	rp_line(rp, 0, "State Information: DDoS cookies %s, %s new IKE connections",
		cookies ? "REQUIRED" : "not required", accepting ? "Accepting" : "NOT ACCEPTING");
	rp_line(rp, 0, "IKE SAs: total(%u), half-open(%u), open(%u), authenticated(%u), anonymous(%u)",
		c.ike_total, c.ike_halfopen, 0u, c.ike_auth, 0u);
	/* open and anonymous are 0: PSK authenticates every SA in IKE_AUTH */
	rp_line(rp, 0, "IPsec SAs: total(%u), authenticated(%u), anonymous(%u)", c.ipsec_total, c.ipsec_total, 0u);
}

/* nhelpers= as configured and the helper threads in force (0 until the
 * engine starts, and with nhelpers=0: crypto runs in the loop). */
static void status_helpers(const struct pluto *p, struct reply *rp)
{
	struct ikehost *h = ikehost_peek(p);
	struct cryptopool_stats st = { 0 };

	if (h && h->pool)
		cryptopool_get_stats(h->pool, &st);
	rp_line(rp, 0, "nhelpers=%d, crypto helper threads=%u, crypto jobs=%u (max %u of %u), refused=%llu",
		p->nhelpers, h ? cryptopool_threads(h->pool) : 0u, st.outstanding, st.max_outstanding, st.capacity,
		(unsigned long long)st.refused);
}

void status_full(struct pluto *p, struct reply *rp)
{
	char la[ADDR_STRLEN];

	rp_line(rp, 0, "using kernel interface: %s", sa_status_dataplane(p));
	sa_status_drops(p, rp);
	BLANK(rp);
	rp_line(rp, 0, "fips mode=disabled;");
	rp_line(rp, 0, "SElinux=disabled");
	rp_line(rp, 0, "seccomp=unsupported");
	BLANK(rp);
	rp_line(rp, 0, "config setup options:");
	BLANK(rp);
	rp_line(rp, 0, "configdir=/etc, configfile=%s, secrets=%s, ipsecdir=%s", p->o.config,
		p->o.secretsfile, p->o.ipsecdir);
	rp_line(rp, 0, "dumpdir=%s, rundir=%s, ctlsocket=%s", p->o.dumpdir, p->o.rundir, p->ctlsocket);
	rp_line(rp, 0, "pluto_version=cygnet, logappend=%s, logtime=%s", p->o.log_append ? "yes" : "no",
		p->o.logtime ? "yes" : "no");
	rp_line(rp, 0, "ddos-cookies-threshold=%u, ddos-max-halfopen=%u, ddos-mode=%s", p->ddos_threshold,
		p->max_halfopen, p->ddos_mode == DDOS_BUSY ? "busy" : p->ddos_mode == DDOS_UNLIMITED ? "unlimited" : "auto");
	rp_line(rp, 0, "ikebuf=%d, listen=%s", p->ike_bufsize, p->listen.af ? addr_fmt(&p->listen, la) : "<any>");
	status_helpers(p, rp);
	rp_line(rp, 0, "debug:%s", p->o.debug ? " all" : "");
	BLANK(rp);
	rp_line(rp, 0, "nat-traversal=yes, keep-alive=%u, nat-ikeport=4500", p->keep_alive_s);
	BLANK(rp);
	rp_line(rp, 0, "Connection list:");
	BLANK(rp);
	status_conns(p, rp, NULL);
	BLANK(rp);
	rp_line(rp, 0, "Total IPsec connections: loaded %zu, active %u", conndb_count(p->db), sa_active_conns(p));
	BLANK(rp);
	status_brief(p, rp);
	BLANK(rp);
	sa_status_states(p, rp, NULL);
	BLANK(rp);
	rp_line(rp, 0, "Bare Shunt list:");
	BLANK(rp);
	sa_shunts_list(p, rp);
}

void status_global(struct pluto *p, struct reply *rp)
{
	struct sa_counts c;

	sa_status_counts(p, &c);
	rp_line(rp, CTL_CODE_RAW, "config.setup.ike.ddos_threshold=%u", p->ddos_threshold);
	rp_line(rp, CTL_CODE_RAW, "config.setup.ike.max_halfopen=%u", p->max_halfopen);
	rp_line(rp, CTL_CODE_RAW, "current.states.all=%u", c.ike_total + c.ipsec_total);
	rp_line(rp, CTL_CODE_RAW, "current.states.ipsec=%u", c.ipsec_total);
	rp_line(rp, CTL_CODE_RAW, "current.states.ike=%u", c.ike_total);
	rp_line(rp, CTL_CODE_RAW, "current.states.shunts=%u", p->n_bare_shunts);
	rp_line(rp, CTL_CODE_RAW, "current.states.iketype.anonymous=0");
	rp_line(rp, CTL_CODE_RAW, "current.states.iketype.authenticated=%u", c.ike_auth);
	rp_line(rp, CTL_CODE_RAW, "current.states.iketype.halfopen=%u", c.ike_halfopen);
	rp_line(rp, CTL_CODE_RAW, "current.states.iketype.open=0");
	rp_line(rp, CTL_CODE_RAW, "current.connections.loaded=%zu", conndb_count(p->db));
}

void status_json(struct pluto *p, struct reply *rp)
{
	size_t n;
	struct dconn **v = conndb_sorted(p->db, &n);
	struct sa_counts c;

	sa_status_counts(p, &c);
	rp_line(rp, CTL_CODE_RAW, "{\"version\":1,\"listening\":%s,\"connections\":[",
		p->listening ? "true" : "false");
	for (size_t i = 0; i < n; i++) {
		const struct conn *cn = v[i]->conn;
		char name[600], l[700], r[700], e0[700], e1[700];
		struct conn_end ends[2];

		conn_ends(v[i], ends);
		end_text(&ends[0], false, e0, sizeof(e0));
		end_text(&ends[1], true, e1, sizeof(e1));
		rp_line(rp, CTL_CODE_RAW,
			"{\"name\":\"%s\",\"serial\":%llu,\"routing\":\"%s\",\"left\":\"%s\",\"right\":\"%s\","
			"\"ikev2\":%s,\"type\":\"%s\",\"ike_sa\":0,\"ipsec_sa\":0}%s",
			esc_json(name, sizeof(name), v[i]->name), (unsigned long long)v[i]->serial,
			v[i]->routing == ROUTING_PROSPECTIVE ? "prospective erouted" : "unrouted",
			esc_json(l, sizeof(l), e0), esc_json(r, sizeof(r), e1), cn->ikev2 ? "true" : "false",
			cn->type == CONN_TRANSPORT ? "transport" : "tunnel", i + 1 < n ? "," : "");
	}
	rp_line(rp, CTL_CODE_RAW, "],\"ike_sas\":{\"total\":%u,\"half_open\":%u,\"open\":%u,"
		"\"authenticated\":%u,\"anonymous\":%u},\"ipsec_sas\":{\"total\":%u},\"states\":[",
		c.ike_total, c.ike_halfopen, 0u, c.ike_auth, 0u, c.ipsec_total);
	status_json_states(p, rp);
	rp_line(rp, CTL_CODE_RAW, "]}");
	free(v);
}

static void secrets_emit(void *arg, const char *line)
{
	rp_line(arg, 0, "%s", line);
}

void list_ops(struct pluto *p, enum ctl_op op, struct reply *rp)
{
	bool all = op == CTL_OP_LISTALL || op == CTL_OP_PURGEOCSP;

	if (op == CTL_OP_CHECKPUBKEYS) {
		list_pubkeys(p, rp, rp->flags & CTL_F_UTC, false);
		return;
	}
	if (all || op == CTL_OP_LISTPUBKEYS)
		list_pubkeys(p, rp, rp->flags & CTL_F_UTC, true);
	if (all) {
		if (p->secrets)   /* prints its own header */
			secrets_list(p->secrets, secrets_emit, rp);
	}
	if (all || op == CTL_OP_LISTCERTS) {
		BLANK(rp);
		rp_line(rp, 0, "List of X.509 End Certificates:");
		BLANK(rp);
	}
	if (all || op == CTL_OP_LISTCACERTS) {
		BLANK(rp);
		rp_line(rp, 0, "List of X.509 CA Certificates:");
		BLANK(rp);
	}
	if (all || op == CTL_OP_LISTCRLS) {
		BLANK(rp);
		rp_line(rp, 0, "List of CRLs:");
		BLANK(rp);
	}
}
