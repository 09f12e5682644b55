/* The daemon's life: settings from `config setup` (the command line
 * wins), pid file, detach, control socket, start-up load of the config's
 * conns, the libevent loop, signals, clean shutdown. */
#include <errno.h>
#include <malloc.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include "config/conn.h"
#include "config/permutate.h"
#include "config/secrets.h"
#include "config/values.h"
#include "ctl/ctl_client.h"
#include "daemon/conn_dns.h"
#include "daemon/conndb.h"
#include "daemon/ikehost.h"
#include "daemon/pluto.h"
#include "lib/log.h"

static void log_reply(struct reply *rp, uint16_t code, const char *text)
{
	(void)rp;
	if (code >= 20 && code < 100)
		log_warn("%s", text);
	else if (code == 3)
		log_info("%s", text);   /* 002 lines were logged where they arose */
}

/* ---- pid file ---- */

static int pidfile_take(struct pluto *p)
{
	char buf[32];
	int fd = open(p->pidfile, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		long pid = 0;

		close(fd);
		if (n > 0) {
			buf[n] = '\0';
			pid = strtol(buf, NULL, 10);
		}
		if (pid > 0 && pid != getpid() && (kill((pid_t)pid, 0) == 0 || errno == EPERM)) {
			log_error("FATAL ERROR: lock file \"%s\" already exists (pluto pid %ld is running)",
				  p->pidfile, pid);
			return -EEXIST;
		}
		log_info("removing stale lock file \"%s\"", p->pidfile);
		unlink(p->pidfile);
	}
	fd = open(p->pidfile, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (fd < 0) {
		int e = errno;

		log_error("FATAL ERROR: cannot create lock file \"%s\": %s", p->pidfile, strerror(e));
		return -e;
	}
	snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (write(fd, buf, strlen(buf)) < 0)
		log_warn("cannot write lock file \"%s\": %s", p->pidfile, strerror(errno));
	close(fd);
	p->pidfile_ours = true;
	return 0;
}

static void pidfile_release(struct pluto *p)
{
	if (p->pidfile_ours)
		unlink(p->pidfile);
	p->pidfile_ours = false;
}

/* ---- config ---- */

static const char *setup_get(const struct config *cfg, const char *key)
{
	return cfg ? kvlist_get(&cfg->setup, key, CONF_NOSIDE) : NULL;
}

static bool yes(const char *v) { return v && strcmp(v, "yes") == 0; }

static char *keep[8];   /* strings taken from the config (freed at exit) */
static size_t nkeep;

static const char *dupkeep(const char *s)
{
	if (nkeep < sizeof(keep) / sizeof(keep[0]) && (keep[nkeep] = strdup(s)))
		return keep[nkeep++];
	return s;
}

static void apply_setup(struct pluto_opts *o, const struct config *cfg)
{
	const char *v;

	if (!o->set_secretsfile && (v = setup_get(cfg, "secretsfile")))
		o->secretsfile = dupkeep(v);
	if (!o->set_ipsecdir && (v = setup_get(cfg, "ipsecdir")))
		o->ipsecdir = dupkeep(v);
	if (!o->set_dumpdir && (v = setup_get(cfg, "dumpdir")))
		o->dumpdir = dupkeep(v);
	if (!o->set_logfile && !o->stderrlog && (v = setup_get(cfg, "logfile")))
		o->logfile = dupkeep(v);
	if (!o->set_append && (v = setup_get(cfg, "logappend")))
		o->log_append = yes(v);
	if ((v = setup_get(cfg, "logtime")))
		o->logtime = yes(v);
	if (!o->set_debug && (v = setup_get(cfg, "plutodebug")))
		o->debug = strcmp(v, "none") != 0 && *v;
}

/* What loading found is printed at once (logging is not set up yet: it
 * depends on config setup) and kept in *diag to be logged again once it is
 * (log_startup_diag). */
static struct config *load_config(const char *path, struct config_diag *diag)
{
	struct config *cfg;

	cfg = config_load(path, diag);
	for (size_t i = 0; i < diag->n; i++)
		log_msg(diag->is_error[i] ? LOG_LVL_ERROR : LOG_LVL_WARN, "%s", diag->lines[i]);
	if (!cfg)
		log_error("cannot load config '%s'", path);
	return cfg;
}

/* The start-up load's refusals and warnings in the log file or syslog
 * too, where the administrator looks for why a conn is missing. */
static void log_startup_diag(const struct pluto_opts *o, const struct config_diag *diag)
{
	if (o->stderrlog || (o->nofork && !o->logfile))
		return;         /* already on stderr, which is the log */
	for (size_t i = 0; i < diag->n; i++)
		log_msg(diag->is_error[i] ? LOG_LVL_ERROR : LOG_LVL_WARN, "%s", diag->lines[i]);
}

/* As Libreswan 4.10: add every auto=add|ondemand|start|route conn, then
 * route the ondemand ones and initiate the start ones (sa_ops.c). */
/* The expansion's own conns only said which entries load: freed before
 * the daemon builds its conns from the kv lists, so that what stays is
 * not scattered among the pages of what goes (malloc_trim() gives those
 * back), shared values (IDs) included.  Entries not to load are marked
 * broken. */
static void drop_entry_conns(struct config_conn_entry *x, size_t nx)
{
	for (size_t i = 0; i < nx; i++) {
		if (!x[i].conn || x[i].conn->auto_ == AUTO_IGNORE)
			x[i].broken = true;
		conn_free(x[i].conn);
		x[i].conn = NULL;
	}
}

/* Takes the config (freed here, as soon as it is expanded). */
static void load_auto_conns(struct pluto *p, struct config *cfg)
{
	struct reply rp = { .emit = log_reply };
	struct config_diag xd;
	size_t nx = 0;
	struct config_conn_entry *x;

	/* leftsubnets=/rightsubnets=: one conn per subnet pair (config/permutate.h) */
	diag_init(&xd);
	x = permutate_config(cfg, &nx, &xd);
	config_free(cfg);
	for (size_t i = 0; i < xd.n; i++)
		log_warn("%s", xd.lines[i]);
	diag_free(&xd);
	drop_entry_conns(x, nx);
	for (size_t i = 0; i < nx; i++) {
		struct config_conn_entry *e = &x[i];
		struct conn *c;
		struct dconn *dc;
		struct config_diag diag;

		if (e->broken)
			continue;
		diag_init(&diag);
		c = conn_from_kv(e->name, &e->kv, e->file, &diag);
		kvlist_clear(&e->kv);      /* its space goes to the next conns */
		if (c && !conn_check_support(c, e->file, &diag)) {   /* as pluto_add_conn */
			for (size_t j = 0; j < diag.n; j++)
				log_error("%s", diag.lines[j]);
			conn_free(c);
			c = NULL;
		}
		diag_free(&diag);
		if (c && !pluto_conn_admissible(p, e->name, c, &rp)) {
			conn_free(c);
			continue;
		}
		if (!c || !conndb_insert(p->db, e->name, c, &dc)) {
			if (c) {
				log_warn("\"%s\": duplicate connection name ignored", e->name);
				conn_free(c);
			}
			continue;
		}
		log_info("\"%s\": added IKEv%d connection", e->name, c->ikev2 ? 2 : 1);
		conn_dns_then(p, dc, CONN_DNS_ADDED, NULL, true, &rp);
	}
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < nx; i++) {
			const struct config_conn_entry *e = &x[i];
			struct dconn *dc;

			if (e->broken || !(dc = conndb_find(p->db, e->name)) || dc->conn->auto_ == AUTO_IGNORE)
				continue;
			/* a shunt conn's auto=start can only mean routed, as Libreswan */
			if (pass == 0 && (dc->conn->auto_ == AUTO_ONDEMAND ||
					  (dc->conn->auto_ == AUTO_START && conn_is_shunt(dc->conn))))
				conn_dns_then(p, dc, CONN_DNS_ROUTE, NULL, true, &rp);
			else if (pass == 1 && dc->conn->auto_ == AUTO_START && !conn_is_shunt(dc->conn))
				conn_dns_then(p, dc, CONN_DNS_UP, NULL, true, &rp);
		}
	permutate_entries_free(x, nx);
}

/* ---- signals and shutdown ---- */

void pluto_shutdown(struct pluto *p)
{
	log_startup("shutting down");
	event_base_loopexit(p->base, NULL);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct pluto *p = arg;
	struct reply rp = { .emit = log_reply };

	(void)what;
	if (sig == SIGHUP) {
		log_info("SIGHUP: rereading secrets");
		pluto_reread_secrets(p, &rp);
		return;
	}
	log_info("%s received", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	pluto_shutdown(p);
}

/* ---- detach ---- */

/* Fork; the parent waits until the child reports ready (one byte on the
 * pipe) or fails, so `ipsec start` returns once the socket exists. */
static int detach(int *ready_fd)
{
	int pfd[2];
	pid_t pid;
	char b;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		close(pfd[1]);
		if (read(pfd[0], &b, 1) == 1)
			_exit(0);
		waitpid(pid, NULL, WNOHANG);
		_exit(1);
	}
	close(pfd[0]);
	setsid();
	*ready_fd = pfd[1];
	return 0;
}

static void quiet_stdio(void)
{
	int fd = open("/dev/null", O_RDWR);

	if (fd < 0)
		return;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
}

/* The daemon's settings from its options and config setup. */
/* A numeric setup keyword (validated by the parser; the table has its default). */
static unsigned setup_unsigned(const struct config *cfg, const char *key, unsigned dflt)
{
	const char *v = setup_get(cfg, key);
	char *end;
	unsigned long n;

	if (!v)
		return dflt;
	n = strtoul(v, &end, 10);
	return end != v && !*end && n <= UINT_MAX ? (unsigned)n : dflt;
}

static int setup_signed(const struct config *cfg, const char *key, int dflt)
{
	const char *v = setup_get(cfg, key);
	char *end;
	long n;

	if (!v)
		return dflt;
	n = strtol(v, &end, 10);
	return end != v && !*end && n >= INT_MIN && n <= INT_MAX ? (int)n : dflt;
}

/* listen=, ike-socket-bufsize= and keep-alive= (validated by the parser). */
static void sockets_settings(struct pluto *p, const struct config *cfg)
{
	const char *v = setup_get(cfg, "listen");
	uint64_t n;
	const char *why;

	if (v && *v && !addr_parse(v, &p->listen))
		log_warn("config setup: listen=%s is not an address; listening on every address", v);
	if ((v = setup_get(cfg, "ike-socket-bufsize")) && *v && val_bytes(v, &n, &why))
		p->ike_bufsize = n > INT_MAX / 2 ? INT_MAX / 2 : (int)n;
	/* 0 keeps the default, as Libreswan's init_nat_traversal() */
	p->keep_alive_s = setup_unsigned(cfg, "keep-alive", 20);
	if (!p->keep_alive_s)
		p->keep_alive_s = 20;
	if (p->keep_alive_s > 86400)
		p->keep_alive_s = 86400;
}

static void pluto_settings(struct pluto *p, const struct pluto_opts *o, const struct config *cfg)
{
	const char *u = setup_get(cfg, "uniqueids");   /* table default yes */
	const char *ddos = setup_get(cfg, "ddos-mode"); /* table default auto */

	p->o = *o;
	p->ddos_mode = !ddos ? DDOS_AUTO : strcasecmp(ddos, "busy") == 0 ? DDOS_BUSY
		     : strcasecmp(ddos, "unlimited") == 0 ? DDOS_UNLIMITED : DDOS_AUTO;
	p->ddos_threshold = setup_unsigned(cfg, "ddos-ike-threshold", 25000);
	p->max_halfopen = setup_unsigned(cfg, "max-halfopen-ike", 50000);
	p->nhelpers = setup_signed(cfg, "nhelpers", -1);
	sockets_settings(p, cfg);
	p->shuntlifetime_ms = 900000;
	if (setup_get(cfg, "shuntlifetime") && !val_duration(setup_get(cfg, "shuntlifetime"), &p->shuntlifetime_ms, NULL))
		p->shuntlifetime_ms = 900000;   /* validated at load: not reached */
	if (cfg && setup_get(cfg, "protostack"))
		p->protostack = dupkeep(setup_get(cfg, "protostack"));
	p->uniqueids = !u || strcmp(u, "no") != 0;
	if (o->ctlsocket)
		snprintf(p->ctlsocket, sizeof(p->ctlsocket), "%s", o->ctlsocket);
	else
		snprintf(p->ctlsocket, sizeof(p->ctlsocket), "%s/%s", o->rundir, CTL_SOCKET_NAME);
	snprintf(p->pidfile, sizeof(p->pidfile), "%s/%s", o->rundir, CTL_PID_NAME);
}

static int setup_logging(const struct pluto_opts *o)
{
	if (o->stderrlog || (o->nofork && !o->logfile)) {
		log_set_stderr();
	} else if (o->logfile) {
		if (log_set_file(o->logfile, o->log_append) < 0) {
			fprintf(stderr, "pluto: cannot open logfile \"%s\": %s\n", o->logfile, strerror(errno));
			return -1;
		}
	} else {
		log_set_syslog("pluto");
	}
	log_set_time(o->logtime);
	log_set_level(o->debug ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	return 0;
}

/* config setup settings pluto cannot run with (said on stderr: logging is
 * not set up yet). */
static bool setup_usable(const char *path, const struct config *cfg)
{
	const char *v = cfg ? setup_get(cfg, "syslog") : NULL;

	if (cfg && cfg->setup_refused) {
		/* a config setup setting Cygnet cannot honour (logged above):
		 * running without it would not be what the file says */
		fprintf(stderr, "pluto: FATAL ERROR: config setup of \"%s\" asks for what Cygnet does not support\n",
			path);
		return false;
	}
	if (v && !log_set_syslog_target(v)) {
		fprintf(stderr, "pluto: FATAL ERROR: config setup syslog=%s: not FACILITY[.PRIORITY] "
			"(e.g. daemon.error, local3.notice)\n", v);
		return false;
	}
	return true;
}

int pluto_run(struct pluto_opts *o)
{
	static struct pluto pl;
	struct pluto *p = &pl;
	struct config *cfg = NULL;
	struct event *sig[3] = { NULL, NULL, NULL };
	static const int signos[3] = { SIGTERM, SIGINT, SIGHUP };
	struct reply lrp = { .emit = log_reply };
	int err, ready_fd = -1, rc = 1;
	struct config_diag diag;

	diag_init(&diag);
	if (access(o->config, R_OK) == 0)
		cfg = load_config(o->config, &diag);
	else
		fprintf(stderr, "pluto: config file \"%s\" not readable: %s; starting without conns\n",
			o->config, strerror(errno));
	if (!setup_usable(o->config, cfg))
		goto out_cfg;
	if (cfg)
		apply_setup(o, cfg);
	pluto_settings(p, o, cfg);
	if (setup_logging(o) < 0)
		goto out_cfg;
	log_startup_diag(o, &diag);

	if (mkdir(o->rundir, 0755) < 0 && errno != EEXIST) {
		log_error("FATAL ERROR: cannot create rundir \"%s\": %s", o->rundir, strerror(errno));
		goto out_cfg;
	}
	if (!o->nofork && detach(&ready_fd) < 0) {
		log_error("FATAL ERROR: fork failed: %s", strerror(errno));
		goto out_cfg;
	}
	if (pidfile_take(p) < 0)
		goto out_cfg;
	signal(SIGPIPE, SIG_IGN);
	p->base = event_base_new();
	p->db = conndb_new();
	if (!p->base || !p->db)
		goto out;
	p->srv = ctlsrv_new(p, p->ctlsocket, &err);
	if (!p->srv) {
		log_error("FATAL ERROR: control socket \"%s\": %s", p->ctlsocket,
			  err == EADDRINUSE ? "another pluto is listening on it" : strerror(err));
		goto out;
	}
	for (int i = 0; i < 3; i++) {
		sig[i] = evsignal_new(p->base, signos[i], on_signal, p);
		if (sig[i])
			event_add(sig[i], NULL);
	}
	p->started = time(NULL);
	log_startup("Starting Cygnet pluto pid:%d", (int)getpid());
	pluto_reread_secrets(p, &lrp);
	pluto_reread_groups(p, &lrp);
	ikehost_listen(p, true, &lrp);
	if (cfg)
		load_auto_conns(p, cfg);
	cfg = NULL;
	/* the parsed file and its expansions are gone: give their pages back
	 * (otherwise the start-up load's peak stays resident for good) */
	malloc_trim(0);
	if (ready_fd >= 0) {
		if (write(ready_fd, "1", 1) < 0)
			log_warn("cannot notify parent: %s", strerror(errno));
		close(ready_fd);
		ready_fd = -1;
		quiet_stdio();
	}
	event_base_dispatch(p->base);
	conn_dns_shutdown(p);
	ikehost_shutdown(p);
	rc = 0;
out:
	for (int i = 0; i < 3; i++)
		if (sig[i])
			event_free(sig[i]);
	ctlsrv_free(p->srv);
	conndb_free(p->db);
	secrets_free(p->secrets);
	for (int i = 0; i < 5; i++)
		free(p->groups[i]);
	if (p->base)
		event_base_free(p->base);
	pidfile_release(p);
	if (rc == 0)
		log_startup("pluto stopped");
out_cfg:
	diag_free(&diag);
	config_free(cfg);
	for (size_t i = 0; i < nkeep; i++)
		free(keep[i]);
	log_close();
	return rc;
}
