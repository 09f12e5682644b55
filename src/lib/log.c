#include "lib/log.h"

#include <errno.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

static enum log_sink sink = LOG_SINK_STDERR;
static FILE *logfp;
static enum log_level max_level = LOG_LVL_INFO;
static bool with_time;
static int syslog_facility = LOG_DAEMON, startup_priority = LOG_ERR;
static log_tap_fn tap;
static void *tap_arg;

void log_set_stderr(void)
{
	log_close();
	sink = LOG_SINK_STDERR;
}

int log_set_file(const char *path, bool append)
{
	FILE *fp = fopen(path, append ? "ae" : "we");

	if (!fp)
		return -errno;
	log_close();
	setvbuf(fp, NULL, _IOLBF, 0);
	logfp = fp;
	sink = LOG_SINK_FILE;
	return 0;
}

void log_set_syslog(const char *ident)
{
	log_close();
	openlog(ident, LOG_PID | LOG_NDELAY, syslog_facility);
	sink = LOG_SINK_SYSLOG;
}

struct name_val {
	const char *name;
	int val;
};

static bool lookup(const struct name_val *t, const char *s, size_t len, int *out)
{
	for (; t->name; t++)
		if (strlen(t->name) == len && strncmp(t->name, s, len) == 0) {
			*out = t->val;
			return true;
		}
	return false;
}

bool log_parse_syslog_target(const char *text, int *facility, int *priority)
{
	static const struct name_val fac[] = {
		{ "auth", LOG_AUTH }, { "authpriv", LOG_AUTHPRIV }, { "cron", LOG_CRON },
		{ "daemon", LOG_DAEMON }, { "ftp", LOG_FTP }, { "kern", LOG_KERN }, { "lpr", LOG_LPR },
		{ "mail", LOG_MAIL }, { "news", LOG_NEWS }, { "security", LOG_AUTH },
		{ "syslog", LOG_SYSLOG }, { "user", LOG_USER }, { "uucp", LOG_UUCP },
		{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
		{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
		{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 }, { NULL, 0 },
	};
	static const struct name_val pri[] = {
		{ "emerg", LOG_EMERG }, { "panic", LOG_EMERG }, { "alert", LOG_ALERT },
		{ "crit", LOG_CRIT }, { "err", LOG_ERR }, { "error", LOG_ERR },
		{ "warning", LOG_WARNING }, { "warn", LOG_WARNING }, { "notice", LOG_NOTICE },
		{ "info", LOG_INFO }, { "debug", LOG_DEBUG }, { NULL, 0 },
	};
	const char *dot = strchr(text, '.');
	size_t flen = dot ? (size_t)(dot - text) : strlen(text);
	int f, p = LOG_ERR;

	if (!lookup(fac, text, flen, &f) || (dot && !lookup(pri, dot + 1, strlen(dot + 1), &p)))
		return false;
	*facility = f;
	*priority = p;
	return true;
}

bool log_set_syslog_target(const char *text)
{
	int f, p;

	if (!log_parse_syslog_target(text, &f, &p))
		return false;
	syslog_facility = f;
	startup_priority = p;
	return true;
}

void log_set_level(enum log_level max) { max_level = max; }
void log_set_time(bool on) { with_time = on; }
bool log_enabled(enum log_level lvl) { return lvl <= max_level || tap != NULL; }

void log_set_tap(log_tap_fn fn, void *arg)
{
	tap = fn;
	tap_arg = arg;
}

void log_close(void)
{
	if (sink == LOG_SINK_FILE && logfp)
		fclose(logfp);
	else if (sink == LOG_SINK_SYSLOG)
		closelog();
	logfp = NULL;
	sink = LOG_SINK_STDERR;
}

void log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG, LOG_DEBUG };
	char line[2048];
	FILE *fp;

	vsnprintf(line, sizeof(line), fmt, ap);
	if (tap)
		tap(tap_arg, lvl, line);
	if (lvl > max_level)
		return;
	if (sink == LOG_SINK_SYSLOG) {
		syslog(prio[lvl], "%s", line);
		return;
	}
	fp = (sink == LOG_SINK_FILE && logfp) ? logfp : stderr;
	if (with_time) {
		char ts[64];
		struct timespec now;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &now);
		localtime_r(&now.tv_sec, &tm);
		strftime(ts, sizeof(ts), "%b %e %H:%M:%S", &tm);
		fprintf(fp, "%s.%06ld: %s\n", ts, now.tv_nsec / 1000, line);
	} else {
		fprintf(fp, "%s\n", line);
	}
}

void log_startup(const char *fmt, ...)
{
	va_list ap;
	char line[2048];

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (sink == LOG_SINK_SYSLOG) {
		if (tap)
			tap(tap_arg, LOG_LVL_INFO, line);
		syslog(startup_priority, "%s", line);
		return;
	}
	log_msg(LOG_LVL_INFO, "%s", line);
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(lvl, fmt, ap);
	va_end(ap);
}
