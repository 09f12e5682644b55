/* The daemon's request handlers: one function per control operation,
 * dispatched through a table.  Every SA-touching step goes through
 * the SA operations (ikehost.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conn.h"
#include "config/secrets.h"
#include "daemon/conn_dns.h"
#include "daemon/conndb.h"
#include "daemon/ikehost.h"
#include "daemon/pluto.h"
#include "daemon/rekey.h"
#include "lib/log.h"

/* ---- add / delete ---- */

/* leftsourceip= must lie inside leftsubnet=: the route sends the host's
 * own traffic from it, and from outside the selectors that traffic would
 * match no policy (with the kernel dataplane: leave in clear text). */
static bool sourceip_fits(const char *name, const struct conn *c, struct reply *rp)
{
	for (int s = 0; s < 2; s++) {
		const struct conn_end *e = &c->end[s];
		const char *side = s ? "right" : "left";
		char a[ADDR_STRLEN];
		bool in = false;

		if (!e->sourceip.af)
			continue;
		for (size_t i = 0; i < e->n_subnets && !in; i++)
			in = subnet_contains(&e->subnets[i], &e->sourceip);
		if (in)
			continue;
		rp_line(rp, 36, "\"%s\": failed to add connection: %ssourceip=%s invalid, %s%ssubnet", name, side,
			addr_fmt(&e->sourceip, a), e->n_subnets ? "not within " : "requires ", side);
		return false;
	}
	return true;
}

bool pluto_conn_admissible(struct pluto *p, const char *name, const struct conn *c, struct reply *rp)
{
	struct dconn *other;

	if (!sourceip_fits(name, c, rp))
		return false;
	if ((c->mark.set || c->mark_in.set || c->mark_out.set) && sa_dataplane_is_userspace(p)) {
		/* marks select packets for XFRM; the TUN dataplane sees none */
		rp_line(rp, 36, "\"%s\": failed to add connection: mark= is not supported by Cygnet "
			"with protostack=userspace (packets there carry no marks)", name);
		return false;
	}
	if (c->priority && sa_dataplane_is_userspace(p)) {
		/* its policy table orders by selectors (most specific first) only */
		rp_line(rp, 36, "\"%s\": failed to add connection: priority= is not supported by Cygnet "
			"with protostack=userspace (its policies are ordered by their selectors)", name);
		return false;
	}
	if (c->reqid && (other = conndb_find_reqid(p->db, c->reqid, name))) {
		/* two conns' SAs under one reqid: policies of one would
		 * follow the other's SAs */
		rp_line(rp, 36, "\"%s\": failed to add connection: reqid=%u is already used by \"%s\"",
			name, c->reqid, other->name);
		return false;
	}
	return true;
}

int pluto_add_conn(struct pluto *p, const char *name, const struct ctl_kv *kv, size_t nkv,
		   bool replace, struct reply *rp)
{
	struct conf_kvlist l;
	struct config_diag diag;
	struct conn *c;
	struct dconn *dc = conndb_find(p->db, name);
	int rc = 0;

	if (dc && !replace) {
		rp_line(rp, 20, "\"%s\": connection already exists (use --replace)", name);
		return 20;
	}
	kvlist_init(&l);
	diag_init(&diag);
	for (size_t i = 0; i < nkv; i++) {
		char key[256], *value = malloc(kv[i].value.len + 1);

		if (!value || kv[i].side > CTL_SIDE_RIGHT || !ctl_str_copy(kv[i].key, key, sizeof(key)) ||
		    !ctl_str_copy(kv[i].value, value, kv[i].value.len + 1) ||
		    kvlist_get(&l, key, (enum conf_side)kv[i].side) ||   /* a key twice: which one counts? */
		    !kvlist_add(&l, key, (enum conf_side)kv[i].side, value)) {
			free(value);
			rp_line(rp, 36, "\"%s\": failed to add connection: bad keyword list", name);
			rc = 36;
			goto out;
		}
		free(value);
	}
	c = conn_from_kv(name, &l, NULL, &diag);
	if (c && !conn_check_support(c, NULL, &diag)) {
		conn_free(c);
		c = NULL;
	}
	if (!c) {
		for (size_t i = 0; i < diag.n; i++)
			rp_line(rp, 3, "%s", diag.lines[i]);
		rp_line(rp, 36, "\"%s\": failed to add connection", name);
		rc = 36;
		goto out;
	}
	if (!pluto_conn_admissible(p, name, c, rp)) {
		conn_free(c);
		rc = 36;
		goto out;
	}
	if (dc) {
		log_info("\"%s\": terminating SAs using this connection", name);
		if (!conn_is_shunt(dc->conn))
			rp_line(rp, 2, "\"%s\": terminating SAs using this connection", name);
		sa_conn_deleted(p, dc);
		conndb_delete(p->db, name);
	}
	if (!conndb_insert(p->db, name, c, &dc)) {
		conn_free(c);
		rp_line(rp, 36, "\"%s\": failed to add connection: out of memory", name);
		rc = 36;
		goto out;
	}
	log_info("\"%s\": added IKEv%d connection", name, c->ikev2 ? 2 : 1);
	/* left=/right= host names: resolved now, off the loop (conn_dns.h) */
	rc = conn_dns_then(p, dc, CONN_DNS_ADDED, NULL, false, rp);
out:
	kvlist_clear(&l);
	diag_free(&diag);
	return rc;
}

/* Conns a name addresses: the conn of that name, else those with that
 * alias, in *out (the caller frees it).  Returns the count (0 = unknown
 * or out of memory: *out NULL). */
static size_t resolve(struct pluto *p, const char *name, struct dconn ***out)
{
	struct dconn *dc = conndb_find(p->db, name);
	size_t n = dc ? 1 : conndb_find_alias(p->db, name, NULL, 0);

	*out = n ? calloc(n, sizeof(**out)) : NULL;
	if (!*out)
		return 0;
	if (dc)
		(*out)[0] = dc;
	else
		n = conndb_find_alias(p->db, name, *out, n);
	return n;
}

static int op_delete(struct pluto *p, const char *name, struct reply *rp)
{
	struct dconn **v;
	size_t n = resolve(p, name, &v);
	char **names;

	if (n == 0) {
		rp_line(rp, 21, "no connection or alias named \"%s\"", name);
		return 21;
	}
	names = calloc(n, sizeof(*names));
	for (size_t i = 0; names && i < n; i++)
		names[i] = strdup(v[i]->name);
	free(v);
	if (!names)
		return 36;
	for (size_t i = 0; i < n; i++) {
		struct dconn *dc = names[i] ? conndb_find(p->db, names[i]) : NULL;

		if (!dc)
			continue;
		if (!conn_is_shunt(dc->conn))   /* a shunt has no SAs: Libreswan says nothing */
			rp_line(rp, 2, "\"%s\": terminating SAs using this connection", dc->name);
		log_info("\"%s\": deleting connection", dc->name);
		sa_conn_deleted(p, dc);
		conndb_delete(p->db, names[i]);
	}
	if (n > 1 || strcmp(names[0] ? names[0] : "", name) != 0)
		rp_line(rp, 0, "terminated %zu connections from aliased connection \"%s\"", n, name);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return 0;
}

typedef int (*each_fn)(struct pluto *p, struct dconn *dc, const struct ctl_request *rq, struct reply *rp);

static int for_each_named(struct pluto *p, const struct ctl_request *rq, const char *name,
			  each_fn fn, int unknown_code, struct reply *rp)
{
	struct dconn **v;
	size_t n = resolve(p, name, &v);
	struct ctl_deferred *hold = NULL;
	int rc = 0;

	if (n == 0) {
		if (unknown_code == 21)
			rp_line(rp, 21, "no connection named \"%s\"", name);
		else
			rp_line(rp, (uint16_t)unknown_code, "no connection or alias '%s'", name);
		return unknown_code;
	}
	if (!conndb_find(p->db, name) && rq->op == CTL_OP_INITIATE)
		rp_line(rp, 0, "initiating all conns with alias='%s'", name);
	/* a synchronous --up of several conns answers once all of them finished */
	if (n > 1 && rq->op == CTL_OP_INITIATE && !(rq->flags & CTL_F_ASYNC) && rp->arg)
		hold = ctl_defer(rp);
	for (size_t i = 0; i < n; i++) {
		int r = fn(p, v[i], rq, rp);

		if (r && !(hold && r == CTL_STATUS_DEFERRED))
			rc = r;
	}
	free(v);
	if (hold) {
		ctl_deferred_done(hold, rc);
		return CTL_STATUS_DEFERRED;
	}
	if (!conndb_find(p->db, name) && rq->op == CTL_OP_TERMINATE)
		rp_line(rp, 0, "terminated %zu connections from aliased connection \"%s\"", n, name);
	return rc;
}

static int each_initiate(struct pluto *p, struct dconn *dc, const struct ctl_request *rq, struct reply *rp)
{
	char remote[CTL_MAX_STR + 1];

	ctl_str_copy(rq->remote, remote, sizeof(remote));
	return conn_dns_then(p, dc, CONN_DNS_UP, remote[0] ? remote : NULL, rq->flags & CTL_F_ASYNC, rp);
}

static int each_terminate(struct pluto *p, struct dconn *dc, const struct ctl_request *rq, struct reply *rp)
{
	(void)rq;
	return sa_terminate(p, dc, rp);
}

static int each_route(struct pluto *p, struct dconn *dc, const struct ctl_request *rq, struct reply *rp)
{
	(void)rq;
	return conn_dns_then(p, dc, CONN_DNS_ROUTE, NULL, false, rp);
}

static int each_unroute(struct pluto *p, struct dconn *dc, const struct ctl_request *rq, struct reply *rp)
{
	(void)rq;
	return sa_unroute_conn(p, dc, rp);
}

/* ---- secrets and policy groups ---- */

static void secret_diag_lines(const struct secrets *s, struct reply *rp)
{
	for (size_t i = 0; i < s->n_diags; i++)
		rp_line(rp, 3, "%s", s->diags[i].text);
}

int pluto_reread_secrets(struct pluto *p, struct reply *rp)
{
	struct secrets_opts so = { .ipsecdir = p->o.ipsecdir };
	struct secrets *s;

	rp_line(rp, 2, "forgetting secrets");
	log_info("forgetting secrets");
	rp_line(rp, 2, "loading secrets from \"%s\"", p->o.secretsfile);
	log_info("loading secrets from \"%s\"", p->o.secretsfile);
	s = secrets_load(p->o.secretsfile, &so);
	if (!s) {
		rp_line(rp, 36, "out of memory loading secrets");
		return 36;
	}
	secret_diag_lines(s, rp);
	secrets_free(p->secrets);
	p->secrets = s;
	if (s->n_errors) {
		/* Cygnet is stricter than Libreswan: bad entries fail the command
		 * (the good entries stay loaded). */
		rp_line(rp, 32, "%u bad entr%s in secrets file \"%s\" (the others were loaded)",
			s->n_errors, s->n_errors == 1 ? "y" : "ies", p->o.secretsfile);
		return 32;
	}
	return 0;
}

static const char *const group_names[5] = { "private", "clear", "block", "private-or-clear", "clear-or-private" };

int pluto_reread_groups(struct pluto *p, struct reply *rp)
{
	(void)rp;
	for (int i = 0; i < 5; i++) {
		char path[4200];
		FILE *fp;
		char line[1024];
		size_t cap = 256, len = 0;
		char *acc = malloc(cap);

		free(p->groups[i]);
		p->groups[i] = NULL;
		if (!acc)
			return 36;
		acc[0] = '\0';
		snprintf(path, sizeof(path), "%s/policies/%s", p->o.ipsecdir, group_names[i]);
		fp = fopen(path, "re");
		if (!fp) {
			free(acc);
			continue;
		}
		while (fgets(line, sizeof(line), fp)) {
			char *s = line + strspn(line, " \t");
			size_t n = strcspn(s, " \t\r\n#");

			if (n == 0)
				continue;
			if (len + n + 2 > cap) {
				char *na = realloc(acc, cap = (cap + n) * 2);

				if (!na)
					break;
				acc = na;
			}
			memcpy(acc + len, s, n);
			len += n;
			acc[len++] = '\n';
			acc[len] = '\0';
		}
		fclose(fp);
		p->groups[i] = acc;
	}
	log_info("policy groups reloaded from %s/policies", p->o.ipsecdir);
	return 0;
}

static void list_groups(struct pluto *p, struct reply *rp)
{
	rp_line(rp, 0, " ");
	rp_line(rp, 0, "List of policy groups (from %s/policies):", p->o.ipsecdir);
	rp_line(rp, 0, " ");
	for (int i = 0; i < 5; i++) {
		const char *s = p->groups[i];

		rp_line(rp, 0, "%s:%s", group_names[i], s && *s ? "" : " (empty)");
		while (s && *s) {
			size_t n = strcspn(s, "\n");

			rp_line(rp, 0, "    %.*s", (int)n, s);
			s += n + (s[n] == '\n');
		}
	}
}

/* ---- dispatch: one handler per operation, in a table ---- */

typedef int (*op_fn)(struct pluto *p, const struct ctl_request *rq, const char *name, struct reply *rp);

static int h_add(struct pluto *p, const struct ctl_request *rq, const char *name, struct reply *rp)
{
	return pluto_add_conn(p, name, rq->kv, rq->nkv, rq->flags & CTL_F_REPLACE, rp);
}

static int h_delete(struct pluto *p, const struct ctl_request *rq, const char *name, struct reply *rp)
{
	(void)rq;
	return op_delete(p, name, rp);
}

static int h_initiate(struct pluto *p, const struct ctl_request *rq, const char *name, struct reply *rp)
{
	return for_each_named(p, rq, name, each_initiate, 21, rp);
}

static int h_terminate(struct pluto *p, const struct ctl_request *rq, const char *name, struct reply *rp)
{
	return for_each_named(p, rq, name, each_terminate, 21, rp);
}

static int h_route(struct pluto *p, const struct ctl_request *rq, const char *name, struct reply *rp)
{
	return for_each_named(p, rq, name, each_route, 25, rp);
}

static int h_unroute(struct pluto *p, const struct ctl_request *rq, const char *name, struct reply *rp)
{
	return for_each_named(p, rq, name, each_unroute, 25, rp);
}

/* --rekey-ike / --rekey-ipsec: the conn, else the conns of that alias
 * (Libreswan 4.10's unknown-name line); daemon/rekey.c does the rest. */
static int h_rekey(struct pluto *p, const struct ctl_request *rq, const char *name, struct reply *rp)
{
	struct dconn **v;
	size_t n = resolve(p, name, &v);
	int rc;

	if (n == 0) {
		rp_line(rp, 21, "no such connection or aliased connection named \"%s\"", name);
		return 21;
	}
	rc = pluto_rekey(p, v, n, conndb_find(p->db, name) ? NULL : name, rq->op == CTL_OP_REKEYIKE,
			 rq->flags & CTL_F_ASYNC, rp);
	free(v);
	return rc;
}

/* --listen (auto --ready): open the IKE sockets and reread the secrets, as Libreswan. */
static int h_listen(struct pluto *p, const struct ctl_request *rq, const char *name, struct reply *rp)
{
	int r = ikehost_listen(p, true, rp);

	(void)rq; (void)name;
	r = r ? r : pluto_reread_secrets(p, rp);
	return conn_dns_refresh_all(p, r, rp);
}

static int h_unlisten(struct pluto *p, const struct ctl_request *rq, const char *name, struct reply *rp)
{
	(void)rq; (void)name;
	return ikehost_listen(p, false, rp);
}

static int h_secrets(struct pluto *p, const struct ctl_request *rq, const char *name, struct reply *rp)
{
	(void)rq; (void)name;
	return pluto_reread_secrets(p, rp);
}

static int h_nothing(struct pluto *p, const struct ctl_request *rq, const char *name, struct reply *rp)
{
	/* rereadcerts: Cygnet authenticates by PSK only so far and loads no
	 * certificate to reread; shutdown/ping: shutdown is acted on by
	 * ctlsrv.c after the reply. */
	(void)p; (void)rq; (void)name; (void)rp;
	return 0;
}

static int h_showstates(struct pluto *p, const struct ctl_request *rq, const char *name, struct reply *rp)
{
	(void)rq; (void)name;
	sa_status_states(p, rp, NULL);
	return 0;
}

static int h_traffic(struct pluto *p, const struct ctl_request *rq, const char *name, struct reply *rp)
{
	(void)rq; (void)name;
	sa_status_traffic(p, rp);
	return 0;
}

static int h_rereadall(struct pluto *p, const struct ctl_request *rq, const char *name, struct reply *rp)
{
	int r = pluto_reread_secrets(p, rp);

	(void)rq; (void)name;
	r = r ? r : pluto_reread_groups(p, rp);
	return conn_dns_refresh_all(p, r, rp);   /* host names again */
}

static int h_groups(struct pluto *p, const struct ctl_request *rq, const char *name, struct reply *rp)
{
	(void)rq; (void)name;
	return pluto_reread_groups(p, rp);
}

static int h_listgroups(struct pluto *p, const struct ctl_request *rq, const char *name, struct reply *rp)
{
	(void)rq; (void)name;
	list_groups(p, rp);
	return 0;
}

static int h_list(struct pluto *p, const struct ctl_request *rq, const char *name, struct reply *rp)
{
	(void)name;
	list_ops(p, rq->op, rp);
	if (rq->op == CTL_OP_LISTALL || rq->op == CTL_OP_PURGEOCSP)
		list_groups(p, rp);
	return 0;
}

static int h_status(struct pluto *p, const struct ctl_request *rq, const char *name, struct reply *rp)
{
	(void)name;
	if (rq->flags & CTL_F_JSON)
		status_json(p, rp);
	else
		status_full(p, rp);
	return 0;
}

static int h_connstatus(struct pluto *p, const struct ctl_request *rq, const char *name, struct reply *rp)
{
	(void)rq;
	status_conns(p, rp, name[0] ? name : NULL);
	return 0;
}

static int h_brief(struct pluto *p, const struct ctl_request *rq, const char *name, struct reply *rp)
{
	(void)rq; (void)name;
	status_brief(p, rp);
	return 0;
}

static int h_global(struct pluto *p, const struct ctl_request *rq, const char *name, struct reply *rp)
{
	(void)rq; (void)name;
	status_global(p, rp);
	return 0;
}

static int h_shunts(struct pluto *p, const struct ctl_request *rq, const char *name, struct reply *rp)
{
	(void)rq; (void)name;
	rp_line(rp, 0, "Bare Shunt list:");
	rp_line(rp, 0, " ");
	sa_shunts_list(p, rp);
	return 0;
}

static int h_fips(struct pluto *p, const struct ctl_request *rq, const char *name, struct reply *rp)
{
	(void)p; (void)rq; (void)name;
	rp_line(rp, 0, "FIPS mode disabled");
	return 0;
}

static const op_fn handlers[CTL_OP_MAX] = {
	[CTL_OP_ADD] = h_add,
	[CTL_OP_DELETE] = h_delete,
	[CTL_OP_INITIATE] = h_initiate,
	[CTL_OP_TERMINATE] = h_terminate,
	[CTL_OP_ROUTE] = h_route,
	[CTL_OP_UNROUTE] = h_unroute,
	[CTL_OP_LISTEN] = h_listen,
	[CTL_OP_UNLISTEN] = h_unlisten,
	[CTL_OP_REREADSECRETS] = h_secrets,
	[CTL_OP_REREADCERTS] = h_nothing,
	[CTL_OP_REREADALL] = h_rereadall,
	[CTL_OP_REREADGROUPS] = h_groups,
	[CTL_OP_LISTGROUPS] = h_listgroups,
	[CTL_OP_LISTPUBKEYS] = h_list,
	[CTL_OP_LISTCERTS] = h_list,
	[CTL_OP_LISTCACERTS] = h_list,
	[CTL_OP_LISTCRLS] = h_list,
	[CTL_OP_CHECKPUBKEYS] = h_list,
	[CTL_OP_LISTALL] = h_list,
	[CTL_OP_PURGEOCSP] = h_list,
	[CTL_OP_STATUS] = h_status,
	[CTL_OP_CONNSTATUS] = h_connstatus,
	[CTL_OP_BRIEFSTATUS] = h_brief,
	[CTL_OP_GLOBALSTATUS] = h_global,
	[CTL_OP_SHOWSTATES] = h_showstates,
	[CTL_OP_TRAFFICSTATUS] = h_traffic,
	[CTL_OP_SHUNTSTATUS] = h_shunts,
	[CTL_OP_FIPSSTATUS] = h_fips,
	[CTL_OP_SHUTDOWN] = h_nothing,
	[CTL_OP_PING] = h_nothing,
	[CTL_OP_REKEYIKE] = h_rekey,
	[CTL_OP_REKEYIPSEC] = h_rekey,
};

int pluto_handle(struct pluto *p, const struct ctl_request *rq, struct reply *rp)
{
	char name[CTL_MAX_STR + 1];

	if (rq->op <= CTL_OP_NONE || rq->op >= CTL_OP_MAX || !handlers[rq->op]) {
		rp_line(rp, 33, "unsupported operation");
		return 33;
	}
	ctl_str_copy(rq->name, name, sizeof(name));
	return handlers[rq->op](p, rq, name, rp);
}
