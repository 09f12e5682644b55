/* The updown runner (updown.h): scripts run beside the event loop, never
 * on it.  A run is `/bin/sh -c CMD` started with posix_spawn in a process
 * group of its own, stdin /dev/null, stdout and stderr on one pipe that the
 * loop reads (each line logged, escaped, as Libreswan's "VERB output:
 * ..."), its end seen through a pidfd (a 100 ms waitpid poll where the
 * kernel has none), a time limit that kills the process group, and the exit
 * status logged.  The runs of one conn (key) happen one at a time in the
 * order queued, so a conn's prepare, route, up, down, unroute never
 * overtake each other; different conns run side by side. */
#include "daemon/updown.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "lib/esc.h"
#include "lib/log.h"

#define QUEUE_MAX 4096             /* runs queued or running at once, all conns */
#define KEY_MAX 64                 /* ... of one conn (key): a peer that cycles its
				    * Child SAs fills its own conn's share only */
#define RUN_MAX 16                 /* scripts running side by side */
#define LINE_MAX_LEN 1024          /* longer output lines are split */
#define POLL_MS 100                /* without pidfd */

extern char **environ;

struct job {
	struct job *next;
	struct updown_runner *r;
	char *key, *label, *cmd;
	char **envp;                   /* environ without PLUTO_*, then the run's own */
	pid_t pid;
	uint64_t started_ms;
	int pidfd, out;
	struct event *ev_out, *ev_exit, *ev_timer;
	bool running, killed;
	size_t linelen;
	char line[LINE_MAX_LEN];
};

struct updown_runner {
	struct event_base *base;
	unsigned timeout_s;
	struct job *head;
	size_t n;
	bool closing;                  /* shutdown: every free conn's run starts at once */
};

static void kick(struct updown_runner *r);

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct updown_runner *updown_runner_new(struct event_base *base, unsigned timeout_s)
{
	struct updown_runner *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->base = base;
	r->timeout_s = timeout_s ? timeout_s : UPDOWN_TIMEOUT_S;
	return r;
}

size_t updown_runner_busy(const struct updown_runner *r)
{
	return r ? r->n : 0;
}

static void job_free(struct job *j)
{
	if (j->ev_out)
		event_free(j->ev_out);
	if (j->ev_exit)
		event_free(j->ev_exit);
	if (j->ev_timer)
		event_free(j->ev_timer);
	if (j->out >= 0)
		close(j->out);
	if (j->pidfd >= 0)
		close(j->pidfd);
	if (j->envp)
		for (size_t i = 0; j->envp[i]; i++)
			free(j->envp[i]);
	free(j->envp);
	free(j->key);
	free(j->label);
	free(j->cmd);
	free(j);
}

/* The daemon's environment minus any PLUTO_* of its own, then env. */
static char **env_copy(const struct updown_env *env)
{
	size_t ne = 0, k = 0;
	char **v;

	while (environ && environ[ne])
		ne++;
	if (!(v = calloc(ne + env->n + 1, sizeof(*v))))
		return NULL;
	for (size_t i = 0; i < ne; i++)
		if (strncmp(environ[i], "PLUTO_", 6) != 0 && !(v[k++] = strdup(environ[i])))
			goto oom;
	for (size_t i = 0; i < env->n; i++)
		if (!(v[k++] = strdup(env->v[i])))
			goto oom;
	return v;
oom:
	for (size_t i = 0; i < k; i++)
		free(v[i]);
	free(v);
	return NULL;
}

bool updown_runner_queue(struct updown_runner *r, const char *key, const char *label, const char *cmd,
			 const struct updown_env *env)
{
	struct job *j, **pp;

	size_t same = 0;

	for (j = r->head; j; j = j->next)
		same += strcmp(j->key, key) == 0;
	if (same >= KEY_MAX) {
		log_error("%s: not running updown command \"%s\": %d runs of this conn already waiting", label, cmd,
			  KEY_MAX);
		return false;
	}
	if (r->n >= QUEUE_MAX) {
		log_error("%s: not running updown command \"%s\": %d runs already waiting", label, cmd, QUEUE_MAX);
		return false;
	}
	if (!(j = calloc(1, sizeof(*j))))
		goto oom;
	j->r = r;
	j->pidfd = j->out = -1;
	if (!(j->key = strdup(key)) || !(j->label = strdup(label)) || !(j->cmd = strdup(cmd)) ||
	    !(j->envp = env_copy(env))) {
		job_free(j);
		goto oom;
	}
	for (pp = &r->head; *pp; pp = &(*pp)->next)
		;
	*pp = j;
	r->n++;
	kick(r);
	return true;
oom:
	log_error("%s: not running updown command \"%s\": out of memory", label, cmd);
	return false;
}

/* ---- output ---------------------------------------------------------------- */

static void flush_line(struct job *j)
{
	char esc[ESC_STRLEN(LINE_MAX_LEN)];

	log_info("%s output: %s", j->label, updown_escape_line(j->line, j->linelen, esc, sizeof(esc)));
	j->linelen = 0;
}

/* Reads what the pipe holds; false at EOF or error (the pipe is done). */
static bool read_out(struct job *j)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(j->out, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				flush_line(j);
				continue;
			}
			if (j->linelen == sizeof(j->line))
				flush_line(j);
			j->line[j->linelen++] = buf[i];
		}
	}
	return n < 0 && (errno == EAGAIN || errno == EINTR);
}

static void close_out(struct job *j)
{
	if (j->linelen)
		flush_line(j);
	if (j->ev_out) {
		event_free(j->ev_out);
		j->ev_out = NULL;
	}
	if (j->out >= 0) {
		close(j->out);
		j->out = -1;
	}
}

static void on_out(evutil_socket_t fd, short what, void *arg)
{
	struct job *j = arg;

	(void)fd;
	(void)what;
	if (!read_out(j))
		close_out(j);
}

/* ---- the end of a run ------------------------------------------------------ */

static void finish(struct job *j, int status)
{
	struct updown_runner *r = j->r;
	struct job **pp;

	/* what the script wrote before it ended; a background child of it
	 * that keeps the pipe open is not waited for */
	if (j->out >= 0)
		read_out(j);
	close_out(j);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		log_info("%s: updown command exited with status 0", j->label);
	else if (WIFEXITED(status))
		log_warn("%s: updown command exited with status %d", j->label, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		log_warn("%s: updown command exited with signal %d%s", j->label, WTERMSIG(status),
			 j->killed ? " (killed: time limit)" : "");
	for (pp = &r->head; *pp && *pp != j; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = j->next;
	r->n--;
	job_free(j);
	kick(r);
}

static void on_exit_ev(evutil_socket_t fd, short what, void *arg)
{
	struct job *j = arg;
	int status;
	pid_t w;

	(void)fd;
	(void)what;
	while ((w = waitpid(j->pid, &status, WNOHANG)) < 0 && errno == EINTR)
		;
	if (w == j->pid) {
		finish(j, status);
	} else if (w < 0) {
		log_error("%s: waiting for the updown command: %s", j->label, strerror(errno));
		finish(j, 0xff00);
	} else if (j->pidfd < 0) {
		struct timeval tv = { 0, POLL_MS * 1000 };
		event_add(j->ev_exit, &tv);
	}
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct job *j = arg;

	(void)fd;
	(void)what;
	log_warn("%s: updown command \"%s\" still running after %us: killing it", j->label, j->cmd, j->r->timeout_s);
	j->killed = true;
	kill(-j->pid, SIGKILL);         /* its process group: the shell and what it started */
	kill(j->pid, SIGKILL);
}

/* ---- start ----------------------------------------------------------------- */

static int spawn(struct job *j, int out_w)
{
	static const int dfl[] = { SIGPIPE, SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2 };
	char sh[] = "/bin/sh", dash_c[] = "-c";
	char *argv[] = { sh, dash_c, j->cmd, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, def;
	int rc;

	sigemptyset(&none);
	sigemptyset(&def);
	for (size_t i = 0; i < sizeof(dfl) / sizeof(dfl[0]); i++)
		sigaddset(&def, dfl[i]);
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out_w, 1);
	posix_spawn_file_actions_adddup2(&fa, out_w, 2);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &def);
	rc = posix_spawn(&j->pid, argv[0], &fa, &at, argv, j->envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	return -rc;
}

static int start(struct job *j)
{
	struct updown_runner *r = j->r;
	struct timeval limit = { (time_t)r->timeout_s, 0 }, poll = { 0, POLL_MS * 1000 };
	int pfd[2], rc;

	if (pipe2(pfd, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	rc = spawn(j, pfd[1]);
	close(pfd[1]);
	if (rc < 0) {
		close(pfd[0]);
		return rc;
	}
	j->running = true;
	j->started_ms = now_ms();
	j->out = pfd[0];
	j->pidfd = (int)syscall(SYS_pidfd_open, j->pid, 0);
	j->ev_out = event_new(r->base, j->out, EV_READ | EV_PERSIST, on_out, j);
	j->ev_exit = j->pidfd >= 0 ? event_new(r->base, j->pidfd, EV_READ, on_exit_ev, j)
				   : evtimer_new(r->base, on_exit_ev, j);
	j->ev_timer = evtimer_new(r->base, on_timeout, j);
	if (!j->ev_out || !j->ev_exit || !j->ev_timer) {
		/* cannot watch it: stop it now rather than lose track of it */
		kill(-j->pid, SIGKILL);
		waitpid(j->pid, NULL, 0);
		return -ENOMEM;
	}
	event_add(j->ev_out, NULL);
	event_add(j->ev_exit, j->pidfd >= 0 ? NULL : &poll);
	event_add(j->ev_timer, &limit);
	log_info("%s: running updown command \"%s\"", j->label, j->cmd);
	return 0;
}

/* Starts every queued run whose key has no earlier run. */
static void kick(struct updown_runner *r)
{
	struct job *next;
	size_t running = 0;

	for (struct job *j = r->head; j; j = j->next)
		running += j->running;
	for (struct job *j = r->head; j && (r->closing || running < RUN_MAX); j = next) {
		bool blocked = false;
		int rc;

		next = j->next;
		if (j->running)
			continue;
		for (struct job *e = r->head; e != j && !blocked; e = e->next)
			blocked = strcmp(e->key, j->key) == 0;
		if (blocked)
			continue;
		if ((rc = start(j)) == 0) {
			running++;
			continue;
		}
		log_error("%s: cannot run updown command \"%s\": %s", j->label, j->cmd, strerror(-rc));
		j->running = true;             /* so finish() may take it out */
		j->pid = 0;
		finish(j, 0xff00);
		return;                        /* finish() kicked again */
	}
}

/* Shutdown: the event loop no longer runs (and must not: control requests
 * would meet a host being freed), so the first run is watched here with
 * poll(), to its end or its time limit; then the next. */
static void drain_one(struct job *j)
{
	uint64_t limit = j->started_ms + (uint64_t)j->r->timeout_s * 1000;

	for (;;) {
		struct pollfd fds[2] = { { .fd = j->out, .events = POLLIN }, { .fd = j->pidfd, .events = POLLIN } };
		uint64_t now = now_ms();
		int wait = j->pidfd < 0 ? POLL_MS : now >= limit ? 0 : (int)(limit - now);
		int status;
		pid_t w;

		if (poll(fds, 2, wait > POLL_MS && j->killed ? POLL_MS : wait) < 0 && errno != EINTR)
			break;
		if (j->out >= 0 && (fds[0].revents & (POLLIN | POLLHUP)) && !read_out(j))
			close_out(j);
		if ((w = waitpid(j->pid, &status, WNOHANG)) == j->pid) {
			finish(j, status);
			return;
		}
		if (w < 0)
			break;
		if (!j->killed && now_ms() >= limit)
			on_timeout(-1, 0, j);
	}
	finish(j, 0xff00);
}

void updown_runner_free(struct updown_runner *r)
{
	if (!r)
		return;
	r->closing = true;
	kick(r);                       /* the conns' last runs side by side, as before the bound */
	while (r->head) {
		struct job *j = r->head;

		if (!j->running) {             /* kick() could not start it: its key was busy */
			int rc = start(j);

			if (rc < 0) {
				log_error("%s: cannot run updown command \"%s\": %s", j->label, j->cmd, strerror(-rc));
				j->running = true;
				j->pid = 0;
				finish(j, 0xff00);
				continue;
			}
		}
		if (j->pid > 0)
			drain_one(j);
		else
			finish(j, 0xff00);
	}
	free(r);
}
