/* Replies to control requests: lines now (rp_line), and the engine sink
 * that answers a deferred reply (reply_sink_new): the handler returned
 * CTL_STATUS_DEFERRED and the engine streams its lines into the reply and
 * ends it, exactly once, with the operation's outcome. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/pluto.h"
#include "ike/embed.h"

void rp_line(struct reply *rp, uint16_t code, const char *fmt, ...)
{
	char text[CTL_MAX_STR + 1];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (code >= 20 && code < 100)
		rp->rc = code;
	if (rp->emit)
		rp->emit(rp, code, text);
}

struct reply_sink {
	struct ctl_deferred *d;
	int fail_rc;
	char prefix[];
};

static void rs_line(void *arg, int code, const char *text)
{
	struct reply_sink *rs = arg;

	ctl_deferred_line(rs->d, (uint16_t)code, text);
}

static void rs_done(void *arg, int status, const char *reason)
{
	struct reply_sink *rs = arg;
	char line[CTL_MAX_STR + 1];

	if (status && reason) {
		snprintf(line, sizeof(line), "%s%s", rs->prefix, reason);
		ctl_deferred_line(rs->d, (uint16_t)(status == IKE_RC_TIMEOUT ? 31 : 36), line);
	}
	ctl_deferred_done(rs->d, status && rs->fail_rc ? rs->fail_rc : status);
	free(rs);
}

bool reply_sink_new(struct reply *rp, const char *prefix, int fail_rc, struct ike_sink *out)
{
	size_t plen = prefix ? strlen(prefix) : 0;
	struct reply_sink *rs = calloc(1, sizeof(*rs) + plen + 1);

	if (!rs || !(rs->d = ctl_defer(rp))) {
		free(rs);
		return false;
	}
	if (plen)
		memcpy(rs->prefix, prefix, plen);
	rs->fail_rc = fail_rc;
	*out = (struct ike_sink){ .line = rs_line, .done = rs_done, .arg = rs };
	return true;
}
