/* The userspace ESP backend: the ops table.  SAs and policies change on the
 * daemon's thread under u->lock (written); the packet threads (us_io.c)
 * read it. */
#include "dataplane/us.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dataplane/dp_events.h"
#include "lib/log.h"

static struct us *US(struct dataplane *dp) { return dp->priv; }

static uint64_t mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

/* false: the SA events' channel is full; the SA database offers it again. */
static bool on_expire(void *arg, struct sa_entry *sa, bool hard)
{
	struct us *u = arg;
	struct dp_event ev = { .type = DP_EV_EXPIRE };

	ev.u.expire.spi = sa->cfg.spi;
	ev.u.expire.dir = sa->cfg.dir;
	ev.u.expire.dst = sa->cfg.dst;
	ev.u.expire.reqid = sa->cfg.reqid;
	ev.u.expire.hard = hard;
	return dp_evq_push(u->dp->evq, &ev, NULL, 0);
}

/* From the inbound packet thread: a decrypted packet outside its SA's
 * selectors (rate-limited by the SA database); the daemon logs it. */
static void on_report(void *arg, const struct sa_entry *sa, enum dp_drop why, const struct dp_tuple *tp)
{
	struct us *u = arg;
	struct dp_event ev = { .type = DP_EV_DROP };

	ev.u.drop.why = why;
	ev.u.drop.spi = sa->cfg.spi;
	subnet_from_addr(&tp->src, &ev.u.drop.sel.src);
	subnet_from_addr(&tp->dst, &ev.u.drop.sel.dst);
	ev.u.drop.sel.proto = tp->proto;
	ev.u.drop.sel.sport = tp->sport;
	ev.u.drop.sel.dport = tp->dport;
	ev.u.drop.count = sa->ctr.drops[why];
	dp_evq_push(u->dp->evq, &ev, NULL, 0);
}

static void defaults(struct dp_params *p)
{
	if (!p->tun_name || !*p->tun_name)
		p->tun_name = "cygnet0";
	if (!p->tun_mtu)
		p->tun_mtu = 1400;
	if (!p->route_table)
		p->route_table = DP_DEFAULT_ROUTE_TABLE;
	if (!p->rule_priority)
		p->rule_priority = DP_DEFAULT_RULE_PRIORITY;
	if (!p->fwmark)
		p->fwmark = DP_DEFAULT_FWMARK;
	if (!p->natt_port)
		p->natt_port = DP_NATT_PORT;
}

static void us_shutdown(struct dataplane *dp);

static int us_init(struct dataplane *dp, const struct dp_params *params)
{
	struct us *u = calloc(1, sizeof(*u));
	int rc;

	(void)params;
	if (!u)
		return -ENOMEM;
	dp->priv = u;
	u->dp = dp;
	defaults(&dp->params);
	u->clear_fd[0] = u->clear_fd[1] = u->reject_fd[0] = u->reject_fd[1] = -1;
	pthread_rwlock_init(&u->lock, NULL);
	sadb_init(&u->db);
	u->db.expire = on_expire;
	u->db.expire_arg = u;
	u->db.report = on_report;
	u->tun_fd = u->stop_fd = -1;
	for (int i = 0; i < US_NSOCK; i++)
		u->sock[i] = -1;
	if ((rc = us_nl_open(u)) < 0) {
		us_shutdown(dp);
		return rc;
	}
	/* A daemon killed with SIGKILL left its rules (its routes went with
	 * its TUN): remove them first, so a restart starts clean. */
	if (!dp->params.no_routes) {
		for (int f = 0; f < 2; f++)
			for (int i = 0; i < 8 && us_rule(u, false, f ? AF_INET6 : AF_INET) == 0; i++)
				log_info("dataplane: removed a stale routing rule for table %u", dp->params.route_table);
		us_route_flush_stale(u);
	}
	if ((rc = us_io_open(u, &dp->params)) < 0 || (rc = us_xfrm_open(u)) < 0 ||
	    (rc = us_link_up(u, dp->params.tun_mtu)) < 0 || (us_shunt_open(u), rc = us_io_start(u)) < 0) {
		us_shutdown(dp);
		return rc;
	}
	log_info("userspace ESP dataplane on %s (table %u, rule priority %u)", u->tun_name,
		 dp->params.route_table, dp->params.rule_priority);
	return 0;
}

static void us_shutdown(struct dataplane *dp)
{
	struct us *u = US(dp);

	if (!u)
		return;
	us_io_stop(u);
	/* remove our routes and rules */
	for (struct pol_entry *p = u->db.pols; p; p = p->next)
		if (us_routed(&p->pol) && !dp->params.no_routes)
			us_route(u, false, &p->pol.sel.dst, NULL);
	dp_srcaddr_release_all(&u->srcaddrs);
	for (int f = 0; f < 2; f++)
		if (u->rules[f])
			us_rule(u, false, f ? AF_INET6 : AF_INET);
	us_xfrm_close(u);
	us_nl_close(u);
	us_shunt_close(u);
	us_io_close(u);
	us_route_refs_free(u);
	sadb_free(&u->db);
	pthread_rwlock_destroy(&u->lock);
	free(u);
	dp->priv = NULL;
}

static int us_add_sa(struct dataplane *dp, const struct dp_sa *sa)
{
	struct us *u = US(dp);
	int rc;

	pthread_rwlock_wrlock(&u->lock);
	rc = sadb_add_sa(&u->db, sa, mono_s(), (uint64_t)time(NULL));
	pthread_rwlock_unlock(&u->lock);
	if (rc == 0)
		log_debug("dataplane: added %s SA spi=0x%08x", sa->dir == DP_DIR_IN ? "inbound" : "outbound", sa->spi);
	return rc;
}

static int us_update_sa(struct dataplane *dp, const struct dp_sa *sa)
{
	struct us *u = US(dp);
	int rc;

	pthread_rwlock_wrlock(&u->lock);
	rc = sadb_update_sa(&u->db, sa);
	pthread_rwlock_unlock(&u->lock);
	return rc;
}

static int us_del_sa(struct dataplane *dp, uint32_t spi, const struct ip_addr *dst, uint8_t proto)
{
	struct us *u = US(dp);
	int rc;

	if (proto != DP_IPPROTO_ESP)
		return -EPROTONOSUPPORT;
	pthread_rwlock_wrlock(&u->lock);
	rc = sadb_del_sa(&u->db, spi, dst);
	pthread_rwlock_unlock(&u->lock);
	return rc;
}

/* A shunt's inbound half: its selectors reversed, same action.  Kept in
 * the SA database with the inbound policies; the packet threads enforce a
 * shunt on what leaves through the TUN, the kernel (us_shunt_kernel) on
 * cleartext arriving on other interfaces. */
static struct dp_policy shunt_reverse(const struct dp_policy *pol)
{
	struct dp_policy in = *pol;

	in.dir = DP_DIR_IN;
	in.sel.src = pol->sel.dst;
	in.sel.dst = pol->sel.src;
	in.sel.sport = pol->sel.dport;
	in.sel.dport = pol->sel.sport;
	memset(&in.prefsrc, 0, sizeof(in.prefsrc));
	return in;
}

/* An inbound policy: ours, and its twin in the kernel against cleartext
 * (us_xfrm.c), with the tunnel endpoints of its reqid's inbound SA. */
static int add_in_policy(struct us *u, const struct dp_policy *pol)
{
	struct dp_policy k = *pol;
	const struct sa_entry *sa;
	int rc;

	pthread_rwlock_wrlock(&u->lock);
	rc = sadb_add_policy(&u->db, pol);
	if (!k.tmpl_dst.af && (sa = sadb_newest_in(&u->db, pol->reqid))) {
		k.tmpl_src = sa->cfg.src;
		k.tmpl_dst = sa->cfg.dst;
		k.mode = sa->cfg.mode;
	}
	pthread_rwlock_unlock(&u->lock);
	if (rc < 0)
		return rc;
	if ((rc = us_xfrm_policy(u, &k, true)) < 0) {
		pthread_rwlock_wrlock(&u->lock);
		sadb_del_policy(&u->db, pol);
		pthread_rwlock_unlock(&u->lock);
	}
	return rc;
}

static int us_add_policy(struct dataplane *dp, const struct dp_policy *pol)
{
	struct us *u = US(dp);
	int fi = pol->sel.dst.addr.af == AF_INET6, rc;
	bool need_route;

	if (pol->dir == DP_DIR_IN && pol->action == DP_ACT_IPSEC)
		return add_in_policy(u, pol);
	if (pol->action != DP_ACT_IPSEC && pol->dir != DP_DIR_OUT)
		return -EINVAL;
	pthread_rwlock_wrlock(&u->lock);
	need_route = us_routed(pol) && us_route_ref(u, &pol->sel.dst, 0) == 0;
	rc = sadb_add_policy(&u->db, pol);
	if (rc == 0 && pol->action != DP_ACT_IPSEC) {
		struct dp_policy in = shunt_reverse(pol);
		if ((rc = sadb_add_policy(&u->db, &in)) < 0)
			sadb_del_policy(&u->db, pol);
	}
	pthread_rwlock_unlock(&u->lock);
	if (rc == 0 && pol->action != DP_ACT_IPSEC && (rc = us_shunt_kernel(u, pol, true)) < 0) {
		struct dp_policy in = shunt_reverse(pol);
		pthread_rwlock_wrlock(&u->lock);
		sadb_del_policy(&u->db, &in);
		sadb_del_policy(&u->db, pol);
		pthread_rwlock_unlock(&u->lock);
	}
	if (rc == 0 && us_routed(pol))
		us_route_ref(u, &pol->sel.dst, +1);
	if (rc < 0 || !us_routed(pol) || dp->params.no_routes)
		return rc;
	if (!u->rules[fi]) {
		rc = us_rule(u, true, pol->sel.dst.addr.af);
		if (rc < 0 && rc != -EEXIST)
			log_warn("dataplane: cannot add the routing rule: %s", strerror(-rc));
	}
	u->rules[fi]++;
	if (!need_route)
		return 0;
	if ((rc = dp_srcaddr_hold(&u->srcaddrs, &pol->prefsrc)) < 0 ||
	    (rc = us_route(u, true, &pol->sel.dst, pol)) < 0) {
		char b[SUBNET_STRLEN];
		log_warn("dataplane: cannot route %s through %s: %s", subnet_fmt(&pol->sel.dst, b),
			 u->tun_name, strerror(-rc));
	}
	return 0;
}

static int us_del_policy(struct dataplane *dp, const struct dp_policy *pol)
{
	struct us *u = US(dp);
	int fi = pol->sel.dst.addr.af == AF_INET6, rc;
	bool last_route;

	pthread_rwlock_wrlock(&u->lock);
	rc = sadb_del_policy(&u->db, pol);
	if (rc == 0 && pol->action != DP_ACT_IPSEC) {
		struct dp_policy in = shunt_reverse(pol);
		sadb_del_policy(&u->db, &in);
	}
	last_route = rc == 0 && us_routed(pol) && us_route_ref(u, &pol->sel.dst, -1) == 0;
	pthread_rwlock_unlock(&u->lock);
	if (rc == 0 && pol->dir == DP_DIR_IN)
		us_xfrm_policy(u, pol, false);
	if (rc == 0)
		us_shunt_kernel(u, pol, false);   /* nothing for a non-shunt */
	if (rc < 0 || !us_routed(pol) || dp->params.no_routes)
		return rc;
	if (last_route) {
		us_route(u, false, &pol->sel.dst, NULL);
		dp_srcaddr_release(&u->srcaddrs, &pol->prefsrc);
	}
	if (u->rules[fi] && --u->rules[fi] == 0)
		us_rule(u, false, pol->sel.dst.addr.af);
	return 0;
}

static int us_get_counters(struct dataplane *dp, uint32_t spi, const struct ip_addr *dst, uint8_t proto,
			   struct dp_counters *out)
{
	struct us *u = US(dp);
	struct sa_entry *sa;

	if (proto != DP_IPPROTO_ESP)
		return -EPROTONOSUPPORT;
	pthread_rwlock_rdlock(&u->lock);
	sa = sadb_find(&u->db, spi, dst);
	if (sa)
		sa_counters_get(&sa->ctr, out);
	pthread_rwlock_unlock(&u->lock);
	return sa ? 0 : -ENOENT;
}

static void us_global_drops(struct dataplane *dp, uint64_t drops[DP_DROP__COUNT])
{
	struct us *u = US(dp);

	pthread_rwlock_rdlock(&u->lock);
	for (int i = 0; i < DP_DROP__COUNT; i++)
		drops[i] = __atomic_load_n(&u->db.drops[i], __ATOMIC_RELAXED);
	pthread_rwlock_unlock(&u->lock);
	us_xfrm_drops(u, drops);
}

static int us_send_ike(struct dataplane *dp, const void *buf, size_t len, const struct ip_addr *src,
		       uint16_t sport, const struct ip_addr *dst, uint16_t dport)
{
	uint8_t *m;
	int rc;

	(void)sport;   /* always the shared NAT-T port */
	if (len > DP_EVQ_DATA - 4 || !(m = malloc(len + 4)))
		return -EMSGSIZE;
	memset(m, 0, 4);                  /* non-ESP marker (RFC 3948 §2.2) */
	memcpy(m + 4, buf, len);
	rc = us_send_udp(US(dp), m, len + 4, src, dst, dport);
	free(m);
	return rc;
}

static int us_send_keepalive(struct dataplane *dp, const struct ip_addr *src, uint16_t sport,
			     const struct ip_addr *dst, uint16_t dport)
{
	static const uint8_t ka = 0xff;   /* RFC 3948 §2.3 */

	(void)sport;
	return us_send_udp(US(dp), &ka, 1, src, dst, dport);
}

const struct dataplane_ops dp_userspace_ops = {
	.name = "userspace",
	.init = us_init,
	.shutdown = us_shutdown,
	.add_sa = us_add_sa,
	.update_sa = us_update_sa,
	.del_sa = us_del_sa,
	.add_policy = us_add_policy,
	.del_policy = us_del_policy,
	.get_counters = us_get_counters,
	.get_global_drops = us_global_drops,
	.send_ike = us_send_ike,
	.send_keepalive = us_send_keepalive,
	.purge_reqid = us_xfrm_purge_reqid,
};
