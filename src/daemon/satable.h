/* The SA table: the one owner of what the daemon installs in the dataplane
 * (Child SAs, their policies, trap policies, lingering inbound SAs).  Pure:
 * it calls only dp->ops->add_sa/del_sa/add_policy/del_policy, has no clock
 * (time comes in as now_ms), no event loop and no globals.
 *
 * Model
 *
 * - Owners.  A conn is an opaque `const void *conn`, compared by identity,
 *   never dereferenced.  A Child SA is known by its serial (its IKE SA's
 *   serial is a label only: an IKE rekey changes nothing installed); a conn
 *   has at most one trap (`ipsec auto --route`).
 *
 * - Reqids are allocated per (conn, selector set): the set of its outbound
 *   policies' selectors (src, dst, proto, sport, dport; order and
 *   duplicates ignored).  A Child SA or trap whose (conn, set) is in use
 *   takes that reqid: a rekeyed Child SA inherits its predecessor's, a
 *   conn's trap and Child SA share one when the negotiated selectors equal
 *   the conn's.  Anything else gets a fresh reqid from the range given to
 *   satable_new().  A reqid is in use while a Child SA, trap or lingering
 *   SA has it; then it goes back.  Never used values come first, then the
 *   least recently freed (FIFO, O(1)): a reqid is reused as late as
 *   possible, and two live (conn, set) never share one.
 *
 * - Policies are reference-counted by key = direction + selectors + mark
 *   (value, mask), what identifies a policy to XFRM.  Holders: Child SAs
 *   (an outbound and an inbound policy per selector pair) and traps
 *   (outbound).  A policy is added with its first holder and deleted with
 *   its last.  It points at one reqid: its newest Child SA holder's, else
 *   its oldest trap's.  When that changes (a Child SA of another reqid
 *   comes to hold a trap's or another conn's policy, or goes), the table
 *   re-installs it: delete, then add the new holder's own version (a
 *   trap's has template endpoints).  While the reqid stays, the installed
 *   version stays: a Child rekey, a conn routed while up, a Child SA going
 *   from under its trap change no policy.  A deletion names the installed
 *   version, with the template endpoints of a trap of its reqid if it has
 *   none (XFRM finds the route to remove through them once the SA is gone).
 *
 * - Child SAs.  The caller builds the two struct dp_sa and the policies;
 *   the table sets their reqid.  Keys are borrowed during the call only
 *   (the dataplane copies them); the copies the table keeps have
 *   encr_key = integ_key = NULL.  SAs go in before their policies (XFRM
 *   takes a policy's template from its reqid's SA) and out after them.  A
 *   rekey responder defers its outbound SA (out_deferred: the peer keeps
 *   receiving on the old one until it switches); the deferral is honoured
 *   only while an older Child SA of the same reqid has its outbound SA in
 *   place (else nothing would carry the traffic); satable_child_outbound()
 *   adds it later.
 *
 * - Deleting a Child SA releases its policies, deletes its outbound SA
 *   (unless still deferred), and its inbound SA lingers SATABLE_LINGER_MS
 *   if a successor exists (a live Child SA that `replaces` it, or one of
 *   the same reqid): the peer's last packets on it can be overtaken by the
 *   Delete.  Else it goes at once.  satable_next_deadline() and
 *   satable_tick() remove lingering SAs when due.
 *
 * - Errors.  An add the dataplane refuses is rolled back (no half-installed
 *   Child SA or trap, no reference or reqid kept; policies it re-pointed
 *   point back) and returns -errno.  Removals always complete in the table
 *   and return the first dataplane error, for the caller to log.
 *
 * - Scale.  Lookups by serial, SPI, conn, reqid and policy key are hash
 *   tables; no event walks all records.  Records that lookups return are
 *   borrowed: valid until the table next changes. */
#ifndef CYGNET_SATABLE_H
#define CYGNET_SATABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/dataplane.h"

#define SATABLE_MAX_POL 16          /* selector pairs of one Child SA or trap */
#define SATABLE_LINGER_MS 1000      /* a replaced Child SA's inbound SA */

struct satable;

/* What the caller hands over for a new Child SA (read during the call). */
struct satable_child {
	unsigned serial, ike_serial;
	unsigned replaces;              /* serial of the Child SA this rekeys; 0 = none */
	const void *conn;
	struct dp_sa in, out;           /* reqid is set by the table */
	bool out_deferred;              /* rekey responder: inbound only for now */
	size_t npol;                    /* 1..SATABLE_MAX_POL pairs */
	struct dp_policy pol_out[SATABLE_MAX_POL], pol_in[SATABLE_MAX_POL];
};

/* One SA of a Child SA as the table keeps it: what finds, updates and
 * deletes it (a whole struct dp_sa is 216 bytes, and the dataplane keeps
 * its own). */
struct satable_sa {
	uint32_t spi, reqid;
	enum dp_dir dir;
	struct ip_addr src, dst;
	uint16_t sport, dport;          /* with UDP encapsulation */
};

/* An installed Child SA, as lookups return it (borrowed, read-only). */
struct satable_child_info {
	unsigned serial, ike_serial, replaces;
	const void *conn;
	uint32_t reqid;
	struct satable_sa in, out;      /* as installed */
	bool out_deferred;              /* the outbound SA is not installed yet */
	size_t npol;
};

/* reqid_base/reqid_count: the range reqids come from (the daemon:
 * DP_REQID_BASE, DP_REQID_COUNT); count is at most 0x100000.  NULL on OOM. */
struct satable *satable_new(struct dataplane *dp, uint32_t reqid_base, uint32_t reqid_count);
/* Fixed reqids (reqid= of a conn): fn(conn) gives a conn's own reqid, or 0
 * for one from the range.  Every (conn, selector set) of such a conn uses
 * it (Libreswan's reqid=: one reqid for the conn's SAs); it never returns
 * to the range's pool.  The table does not check that two conns do not
 * share one: the daemon refuses a conn whose reqid= another conn has (an
 * old view of the same conn, replaced while its SAs live, may share it:
 * its policies then follow the newest SA, as on a rekey).  What a crashed
 * run left with a fixed reqid is the daemon's to purge (fixed_reqid.c). */
void satable_set_fixed_reqid(struct satable *t, uint32_t (*fn)(const void *conn));

/* Shutdown: removes everything the table installed, traps and lingering
 * SAs included, at once (no policy re-pointed on the way), and frees it. */
void satable_free(struct satable *t);

/* Installs a Child SA: -EEXIST (serial known), -EINVAL (no conn, npol out
 * of range), -ENOSPC (no reqid left), -ENOMEM, or the dataplane's -errno. */
int satable_child_add(struct satable *t, const struct satable_child *c);
/* The deferred outbound SA (same SPI as given to child_add; keys again):
 * 0 when added or already installed, -ENOENT, -EINVAL, dataplane -errno. */
int satable_child_outbound(struct satable *t, unsigned serial, const struct dp_sa *out);
/* Removes a Child SA (see the model for lingering): -ENOENT when unknown. */
int satable_child_del(struct satable *t, unsigned serial, uint64_t now_ms);
/* The Child SA's SAs moved to new ports (the peer's NAT mapping changed):
 * update_sa of each installed one, same SPIs and addresses (-EINVAL
 * otherwise), keys again; the kept copies follow.  -ENOENT when unknown. */
int satable_child_update(struct satable *t, unsigned serial, const struct dp_sa *in, const struct dp_sa *out);
/* The Child SA now belongs to another IKE SA (IKE rekey): nothing in the
 * dataplane changes.  -ENOENT when unknown. */
int satable_child_reparent(struct satable *t, unsigned serial, unsigned ike_serial);

const struct satable_child_info *satable_child_get(const struct satable *t, unsigned serial);
/* By the SPI of its inbound or outbound SA (an expire event); dst NULL =
 * any destination. */
const struct satable_child_info *satable_child_by_spi(const struct satable *t, uint32_t spi,
						      const struct ip_addr *dst);
/* Policy i (< npol) of a Child SA in direction dir: its own version, with
 * its reqid (the dataplane may hold another holder's of the same reqid). */
const struct dp_policy *satable_child_policy(const struct satable_child_info *ci, enum dp_dir dir, size_t i);
/* Calls fn for each Child SA of conn (conn NULL: of every conn; no order).
 * fn must not change the table. */
void satable_foreach_child(const struct satable *t, const void *conn,
			   void (*fn)(void *arg, const struct satable_child_info *ci), void *arg);

bool satable_conn_has_child(const struct satable *t, const void *conn);
/* How many conns have at least one Child SA (status "active"). */
size_t satable_active_conns(const struct satable *t);

/* Routes conn: its outbound trap policies (template endpoints set), n in
 * 1..SATABLE_MAX_POL.  -EEXIST when routed, -EINVAL, -ENOSPC, -ENOMEM,
 * dataplane -errno.  *reqid (may be NULL) gets the trap's reqid. */
int satable_trap_add(struct satable *t, const void *conn, const struct dp_policy *pol, size_t n, uint32_t *reqid);
/* Unroutes conn (refusing while it has a Child SA is the caller's call):
 * -ENOENT when not routed. */
int satable_trap_del(struct satable *t, const void *conn);
/* A trap's policies may carry an action (dataplane.h): a shunt conn's
 * route, or a routed conn's negotiation/failure shunt.  Changing it
 * re-installs each policy the trap is the effective holder of (delete,
 * then add); a Child SA holding the policy keeps it.  -ENOENT when not
 * routed. */
int satable_trap_action(struct satable *t, const void *conn, enum dp_action action);
/* The trap's policies (its own versions), at most max: the count. */
size_t satable_trap_policies(const struct satable *t, const void *conn, struct dp_policy *out, size_t max);
/* The routed conn whose trap has this reqid (an acquire), or NULL. */
const void *satable_trap_by_reqid(const struct satable *t, uint32_t reqid);
/* Is conn routed?  *reqid (may be NULL) gets the trap's reqid. */
bool satable_trap_of(const struct satable *t, const void *conn, uint32_t *reqid);

/* When the next lingering SA is due (UINT64_MAX: none), and removing the
 * ones due at now_ms. */
uint64_t satable_next_deadline(const struct satable *t);
void satable_tick(struct satable *t, uint64_t now_ms);

#endif
