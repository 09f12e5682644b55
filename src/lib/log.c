#include "lib/log.h"

#include <errno.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

static enum log_sink sink = LOG_SINK_STDERR;
static FILE *logfp;
static enum log_level max_level = LOG_LVL_INFO;
static bool with_time;
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
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	sink = LOG_SINK_SYSLOG;
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

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(lvl, fmt, ap);
	va_end(ap);
}
