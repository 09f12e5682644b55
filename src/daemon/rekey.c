/* whack --rekey-ike / --rekey-ipsec: start a rekey of each addressed conn's
 * newest established SA and, unless --asynchronous, keep the whack
 * client's reply open until the engine reports each rekey's outcome
 * (ike_rekey_ike/ike_rekey_child's sink: exactly one done() each).  Reply
 * lines, for old SA #O and its successor #N:
 *
 *   002 "c": initiating rekey to replace IKE SA #O          (at once)
 *   004 "c" #N: initiator rekeyed IKE SA #O {cipher=... integ=... prf=... group=...}
 *   004 "c" #N: initiator rekeyed Child SA #O using #P; IPsec tunnel ... {ESP=>0xOUT <0xIN xfrm=...}
 *   002 "c" #O: replaced IKE SA deleted, aged S.mmms             -> success
 *   036 "c" #O: rekey of Child SA failed: WHY                     -> rc 36
 *
 * Only the waiting client is held (its later requests wait, as for a
 * synchronous --up); the control socket keeps serving everyone else. */
#include "daemon/rekey.h"

#include <stdio.h>
#include <stdlib.h>

#include "alg/alg.h"
#include "config/conn.h"
#include "daemon/conndb.h"
#include "daemon/ikehost.h"
#include "daemon/pluto.h"
#include "lib/log.h"

static const char *sa_kind(bool ike) { return ike ? "IKE SA" : "Child SA"; }

static void async_done(void *arg, int status, const char *reason)
{
	(void)arg;
	if (status)
		log_info("whack rekey failed: %s", reason ? reason : "failed");
}

/* Start one rekey: 0, 36 with a line, or CTL_STATUS_DEFERRED (sync). */
static int rekey_one(struct pluto *p, struct dconn *dc, bool ike, bool async, struct reply *rp)
{
	struct ikehost *h = ikehost_peek(p);
	unsigned newest_ike, newest_child, serial;
	struct ike_sink sink = { .done = async_done };
	char prefix[IKE_CONN_NAMELEN + 64];

	if (!dc->conn->ikev2) {
		rp_line(rp, 36, "\"%s\": cannot force rekey of IKEv1 connection", dc->name);
		return 36;
	}
	sa_newest(p, dc, &newest_ike, &newest_child);
	serial = ike ? newest_ike : newest_child;
	if (!h || !serial) {
		rp_line(rp, 36, "\"%s\": connection does not have %s", dc->name, sa_kind(ike));
		return 36;
	}
	log_info("\"%s\" #%u: whack asks to rekey the %s", dc->name, serial, sa_kind(ike));
	if (!async) {
		/* failures: 036 "c" #2: rekey of Child SA failed: WHY, exit 36 */
		snprintf(prefix, sizeof(prefix), "\"%s\" #%u: rekey of %s failed: ", dc->name, serial, sa_kind(ike));
		if (!reply_sink_new(rp, prefix, 36, &sink)) {
			rp_line(rp, 36, "out of memory");
			return 36;
		}
		rp_line(rp, 2, "\"%s\": initiating rekey to replace %s #%u", dc->name, sa_kind(ike), serial);
	}
	if (ike ? ike_rekey_ike(h->eng, serial, &sink) : ike_rekey_child(h->eng, serial, &sink))
		return async ? 0 : CTL_STATUS_DEFERRED;
	if (!async)
		return CTL_STATUS_DEFERRED;   /* done() answered already, with the reason */
	rp_line(rp, 36, "\"%s\" #%u: cannot rekey the %s now (see the log)", dc->name, serial, sa_kind(ike));
	return 36;
}

int pluto_rekey(struct pluto *p, struct dconn *const *conns, size_t n, const char *alias, bool ike,
		bool async, struct reply *rp)
{
	size_t started = 0;
	bool deferred = false;
	int rc = 0;
	/* the request's own hold on its deferred reply: a rekey refused at
	 * once (done() before ike_rekey_* returns) must not end the reply while
	 * the alias's other conns are still to come (a second DONE, lines
	 * after the first) */
	struct ctl_deferred *hold = !async && (n > 1 || alias) && rp->arg ? ctl_defer(rp) : NULL;

	for (size_t i = 0; i < n; i++) {
		int r = rekey_one(p, conns[i], ike, async, rp);

		if (r == CTL_STATUS_DEFERRED)
			deferred = true;
		else if (r)
			rc = r;
		if (r == 0 || r == CTL_STATUS_DEFERRED)
			started++;
	}
	if (alias && started)
		rp_line(rp, 0, "rekeyed %zu connection%s from aliased connection \"%s\"", started,
			started == 1 ? "" : "s", alias);
	if (hold) {
		ctl_deferred_done(hold, rc);
		return CTL_STATUS_DEFERRED;
	}
	return deferred ? CTL_STATUS_DEFERRED : rc;
}
