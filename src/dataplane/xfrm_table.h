/* The kernel dataplane's own table of the SAs it added (xfrm.c): what the
 * kernel does not tell in its events (an SA's direction, its mark) and
 * the tunnel endpoints a policy takes from its newest SA.  A pure module,
 * used under xfrm.c's lock; every operation is O(1) (amortised):
 * - a hash by (SPI, destination): add, update, delete, EXPIRE, resync;
 * - per (reqid, direction) the SAs in the order added: the newest is the
 *   last added that is still there (a policy's template);
 * - the EXPIREs the daemon's event channel refused: at most one per SA
 *   (a hard one replaces a soft one), offered again by xt_retry until
 *   taken or the SA is deleted.  A hard-expired SA (the kernel removed it)
 *   whose event is pending stays in the table, "gone": out of the reqid
 *   index and of resync, found by SPI only (to deduplicate and to drop). */
#ifndef CYGNET_DATAPLANE_XFRM_TABLE_H
#define CYGNET_DATAPLANE_XFRM_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/dataplane.h"
#include "lib/htab.h"

struct xk_sa {
	uint32_t spi;
	enum dp_dir dir;
	struct ip_addr src, dst;
	enum dp_mode mode;
	uint32_t reqid;
	struct dp_mark mark;
};

struct xt_group;

/* One SA.  Callers read sa and gone; the rest is the table's. */
struct xt_entry {
	struct xk_sa sa;
	bool gone;                       /* hard-expired, its event pending */
	uint8_t pending;                 /* XT_PEND_* */
	struct hnode hn;                 /* by (SPI, destination) */
	struct xt_group *grp;            /* by (reqid, direction); NULL when gone */
	struct link gl;                  /* in the group, oldest first */
	struct link al;                  /* every entry (iteration) */
	struct link pl;                  /* pending list (self-linked: none) */
	uint32_t born, seen;             /* resync epochs */
};

#define XT_PEND_SOFT 1u
#define XT_PEND_HARD 2u

struct xt {
	struct htab sa;                  /* xt_entry by (SPI, destination) */
	struct htab grp;                 /* xt_group by (reqid, direction) */
	struct link all;                 /* newest first */
	struct link pend;                /* pending EXPIREs, oldest first */
	size_t n, npending;
	uint32_t epoch;                  /* resync */
	uint64_t visits;                 /* test hook: entries and groups compared */
};

/* Offers one event to the daemon; false when the channel refused it. */
typedef bool (*xt_push_fn)(void *arg, const struct dp_event *ev);

/* 0 or -ENOMEM. */
int xt_init(struct xt *t);
void xt_free(struct xt *t);
struct xt_entry *xt_find(struct xt *t, uint32_t spi, const struct ip_addr *dst);
/* The newest SA (not gone) with reqid and dir, or NULL. */
const struct xk_sa *xt_newest(struct xt *t, uint32_t reqid, enum dp_dir dir);
/* Adds sa, or updates the entry with its SPI and destination (keeping its
 * place among its reqid's, unless reqid or direction changed; a gone one
 * comes back, its pending event dropped).  0 or -ENOMEM. */
int xt_put(struct xt *t, const struct xk_sa *sa);
void xt_remove(struct xt *t, struct xt_entry *e);
/* Iteration: newest first; xt_next may be taken before removing e. */
struct xt_entry *xt_first(struct xt *t);
struct xt_entry *xt_next(struct xt *t, struct xt_entry *e);

/* The kernel reported an EXPIRE for ev's SPI and destination: fills the
 * direction, forgets the SA after a hard one and offers the event through
 * push; one refused stays pending.  false when the SA is not ours (or a
 * duplicate of a hard one pending). */
bool xt_expire(struct xt *t, struct dp_event *ev, xt_push_fn push, void *arg);
/* Offers the pending events again, oldest first, until the channel
 * refuses one; returns how many are still pending. */
size_t xt_retry(struct xt *t, xt_push_fn push, void *arg);

/* Resync after lost events: xt_resync_begin starts an epoch; the kernel's
 * SAs are marked with xt_resync_seen; xt_resync_end reports every SA of
 * ours added before the epoch and not seen as hard-expired (xt_expire).
 * Returns how many were reported. */
uint32_t xt_resync_begin(struct xt *t);
void xt_resync_seen(struct xt *t, uint32_t epoch, uint32_t spi, const struct ip_addr *dst);
size_t xt_resync_end(struct xt *t, uint32_t epoch, xt_push_fn push, void *arg);

#endif
