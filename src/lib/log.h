/* Logging for the CLI and the daemon.  Few levels, always with context.
 * The sink is stderr by default; the daemon switches it to a file or syslog. */
#ifndef CYGNET_LOG_H
#define CYGNET_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG, LOG_LVL_PRIVATE };

enum log_sink { LOG_SINK_STDERR, LOG_SINK_FILE, LOG_SINK_SYSLOG };

void log_set_stderr(void);
int log_set_file(const char *path, bool append);  /* -errno on failure */
void log_set_syslog(const char *ident);
/* config setup syslog=FACILITY[.PRIORITY] (Libreswan's default daemon.error):
 * the facility of every syslog line and the priority of the start-up and
 * shutdown lines (log_startup).  false: unknown name (nothing changed). */
bool log_set_syslog_target(const char *text);
/* The same check without applying it (ipsec addconn --checkconfig). */
bool log_parse_syslog_target(const char *text, int *facility, int *priority);
/* A start-up/shutdown line: the syslog= priority in syslog, info elsewhere. */
void log_startup(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_set_level(enum log_level max);           /* messages above max are dropped */
void log_set_time(bool on);                       /* timestamps in file/stderr sinks */
bool log_enabled(enum log_level lvl);
void log_close(void);

/* Optional tap: every formatted line is also handed to this hook (the
 * daemon streams a connection's log to the whack client that asked). */
typedef void (*log_tap_fn)(void *arg, enum log_level lvl, const char *line);
void log_set_tap(log_tap_fn fn, void *arg);

void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level lvl, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) do { if (log_enabled(LOG_LVL_DEBUG)) log_msg(LOG_LVL_DEBUG, __VA_ARGS__); } while (0)

#endif
