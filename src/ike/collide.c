/* Exchange collisions and their relatives (RFC 7296 §2.8.1, §2.8.2, §2.25):
 *
 *   A --CREATE_CHILD_SA {N(REKEY_SA), Ni_a ...}-->      both ends rekey the
 *     <--CREATE_CHILD_SA {N(REKEY_SA), Ni_b ...}-- B    same SA at once
 *
 * Each end answers the other's request as usual, so both exchanges
 * complete and two new SAs replace the one old SA.  The new SA created with
 * the lowest of the four nonces is redundant: the end that created it (the
 * initiator of that exchange) deletes it; the other end deletes the old SA,
 * exactly as after a rekey without collision.  Both ends see the same four
 * nonces, so they agree without another message.  For the IKE SA the same
 * rule holds, and the Child SAs end on the surviving IKE SA.
 *
 * Also here: retrying a rekey the peer refused with TEMPORARY_FAILURE
 * (§2.25: "retry later"), uniqueids (a new IKE SA for the same conn and
 * peer ID replaces older ones; two negotiations that crossed keep one by
 * the same nonce rule) and dpdaction when the peer stopped answering. */
#include "ike/sa.h"

#include <string.h>

#include "lib/log.h"

int nonce_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int r = n ? memcmp(a, b, n) : 0;

	return r ? r : (alen > blen) - (alen < blen);
}

/* The lower of two nonces (octet by octet, §2.8.1). */
static void lower_nonce(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, uint8_t *out,
			size_t *outlen)
{
	bool first = nonce_cmp(a, alen, b, blen) <= 0;
	const uint8_t *p = first ? a : b;
	size_t len = first ? alen : blen;

	if (len > IKE_NONCE_MAX)
		len = IKE_NONCE_MAX;
	memcpy(out, p, len);
	*outlen = len;
}

/* The same, kept in *out (allocated to its size, see nonce_store).  Out
 * of memory: an empty nonce, which loses every comparison but one with
 * another empty nonce (the collision still resolves, by the other rules). */
static void keep_lower_nonce(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, uint8_t **out,
			     size_t *outlen)
{
	uint8_t low[IKE_NONCE_MAX];
	size_t lowlen;

	lower_nonce(a, alen, b, blen, low, &lowlen);
	if (!lowlen || !nonce_store(out, outlen, low, lowlen))
		*outlen = 0;
}

/* ---- Child SA rekey collision (§2.8.1) ---- */

void collide_child_note(struct child_sa *c, const struct child_sa *old, const uint8_t *ni, size_t nilen,
			const uint8_t *nr, size_t nrlen)
{
	c->collided = true;
	c->replaces = old->serial;
	keep_lower_nonce(ni, nilen, nr, nrlen, &c->coll_n, &c->coll_len);
	log_info("\"%s\" #%u: rekey collision: the peer rekeys Child SA #%u too; answered with #%u",
		 child_conn(c)->name, c->ike->serial, old->serial, c->serial);
}

/* The Child SA our answer to the peer's rekey of old created, if any. */
static struct child_sa *peer_rekey_of(struct ike_engine *e, unsigned old_serial)
{
	for (struct ike_sa *sa = e->sas; sa; sa = sa->next)
		for (struct child_sa *c = sa->children; c; c = c->next)
			if (c->collided && c->replaces == old_serial && c->state == CHILD_S_ESTABLISHED)
				return c;
	return NULL;
}

/* The loser deletes its redundant SA once it has its answer; if its answer
 * never comes (its SA went first), the winner deletes it after this. */
static uint64_t grace_until(const struct ike_engine *e, uint64_t cur)
{
	uint64_t at = eng_now(e) + IKE_COLLISION_GRACE_MS;

	return cur && cur < at ? cur : at;
}

bool collide_child_resolve(struct ike_sa *sa, struct child_sa *ours, unsigned old_serial,
			   const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen)
{
	struct child_sa *theirs = peer_rekey_of(sa->e, old_serial);
	uint8_t low[IKE_NONCE_MAX];
	size_t lowlen;

	if (!theirs)
		return false;
	theirs->collided = false;
	lower_nonce(ni, nilen, nr, nrlen, low, &lowlen);
	if (nonce_cmp(low, lowlen, theirs->coll_n, theirs->coll_len) < 0) {
		/* ours holds the lowest nonce: we delete it; the peer deletes old,
		 * which switches our outbound to theirs (child_sa_delete) */
		ours->redundant = true;
		sa_line_serial(sa, ours->serial, 0,
			       "rekey collision: Child SA #%u has the lowest nonce and is redundant; #%u replaces #%u",
			       ours->serial, theirs->serial, old_serial);
		return true;
	}
	/* theirs is redundant: the peer deletes it; never send on it */
	theirs->redundant = true;
	theirs->out_pending = false;
	theirs->out_at = 0;
	theirs->rekey_at = 0;
	theirs->expire_at = grace_until(sa->e, theirs->expire_at);
	sa_line_serial(sa, ours->serial, 0,
		       "rekey collision: the peer's Child SA #%u has the lowest nonce and is redundant; #%u replaces #%u",
		       theirs->serial, ours->serial, old_serial);
	return false;
}

/* ---- IKE SA rekey collision (§2.8.2) ---- */

/* sa->coll_serial = serial, keeping the count of those set (a peer's
 * Delete looks for one only while a collision is unresolved). */
static void set_coll(struct ike_sa *sa, unsigned serial)
{
	sa->e->n_coll += (serial != 0) - (sa->coll_serial != 0);
	sa->coll_serial = serial;
}

void collide_ike_note(struct ike_sa *old, const struct ike_sa *n)
{
	set_coll(old, n->serial);
	keep_lower_nonce(n->ni, n->ni_len, n->nr, n->nr_len, &old->coll_n, &old->coll_len);
	log_info("\"%s\" #%u: rekey collision: the peer rekeys IKE SA #%u too; answered with #%u",
		 old->conn->name, old->serial, old->serial, n->serial);
}

static void move_all_children(struct ike_sa *from, struct ike_sa *to)
{
	while (from->children)
		child_sa_move(from->children, to);
}

bool collide_ike_resolve(struct ike_sa *old, struct ike_sa *n)
{
	struct ike_sa *theirs = old->coll_serial ? ike_sa_by_serial(old->e, old->coll_serial) : NULL;
	uint8_t low[IKE_NONCE_MAX];
	size_t lowlen;

	set_coll(old, 0);
	if (!theirs || theirs->state != IKE_S_ESTABLISHED)
		return false;
	lower_nonce(n->ni, n->ni_len, n->nr, n->nr_len, low, &lowlen);
	if (nonce_cmp(low, lowlen, old->coll_n, old->coll_len) < 0) {
		/* ours is redundant: the Child SAs stay with theirs; the peer
		 * deletes old; we delete ours over itself */
		n->redundant = true;
		n->rekeyed = true;
		n->rekey_at = 0;
		move_all_children(old, theirs);
		sa_line(old, 0, "rekey collision: IKE SA #%u has the lowest nonce and is redundant; #%u replaces #%u",
			n->serial, theirs->serial, old->serial);
		info_send_delete_ike(n);
		return true;
	}
	theirs->redundant = true;
	theirs->rekeyed = true;
	theirs->rekey_at = 0;
	theirs->replace_at = grace_until(old->e, theirs->replace_at);
	ike_sa_dirty(theirs);
	move_all_children(theirs, n);
	sa_line(old, 0, "rekey collision: the peer's IKE SA #%u has the lowest nonce and is redundant; #%u replaces #%u",
		theirs->serial, n->serial, old->serial);
	return false;
}

void collide_ike_deleted(struct ike_sa *sa)
{
	if (!sa->e->n_coll)
		return;   /* no collision waits: no walk */
	for (struct ike_sa *o = sa->e->sas; o; o = o->next) {
		if (o == sa || o->coll_serial != sa->serial || o->state != IKE_S_ESTABLISHED)
			continue;
		/* the peer lost the collision before we had our answer: its
		 * Delete of the IKE SA we made for it must not take the Child
		 * SAs; they wait on the old one for our own answer */
		log_info("\"%s\" #%u: rekey collision: the peer deleted its redundant IKE SA #%u; Child SAs back to #%u",
			 sa->conn->name, o->serial, sa->serial, o->serial);
		move_all_children(sa, o);
		set_coll(o, 0);
		o->rekeyed = false;
		return;
	}
}

/* ---- TEMPORARY_FAILURE: retry later (§2.25) ---- */

static uint64_t retry_delay(void)
{
	uint16_t r = 0;

	if (!crypto_random(&r, sizeof(r)))
		r = 0;
	return 1000 + r % 2001;     /* 1-3 s */
}

/* The next try, or 0 when out of tries or past the hard limit. */
static uint64_t retry_at(const char *conn, unsigned serial, unsigned *tries, uint64_t now, uint64_t hard)
{
	uint64_t at = now + retry_delay();

	if (*tries >= IKE_REKEY_RETRIES || (hard && at >= hard)) {
		log_info("\"%s\" #%u: rekey refused with TEMPORARY_FAILURE; no retry left before expiry", conn,
			 serial);
		return 0;
	}
	(*tries)++;
	log_info("\"%s\" #%u: rekey refused with TEMPORARY_FAILURE; retrying in %llu ms (try %u of %u)", conn,
		 serial, (unsigned long long)(at - now), *tries, IKE_REKEY_RETRIES);
	return at;
}

bool collide_retry_child_rekey(struct child_sa *old)
{
	uint64_t at;

	if (!old || old->state != CHILD_S_ESTABLISHED || old->redundant || old->ike->state != IKE_S_ESTABLISHED)
		return false;
	at = retry_at(child_conn(old)->name, old->serial, &old->rekey_retries, eng_now(old->ike->e), old->expire_at);
	if (at)
		old->rekey_at = at;
	return at != 0;
}

bool collide_retry_ike_rekey(struct ike_sa *sa)
{
	uint64_t at;

	if (sa->state != IKE_S_ESTABLISHED || sa->rekeyed || sa->redundant)
		return false;
	at = retry_at(sa->conn->name, sa->serial, &sa->rekey_retries, eng_now(sa->e), sa->replace_at);
	if (at)
		sa->rekey_at = at;
	return at != 0;
}

/* ---- uniqueids ----
 *
 * Two established IKE SAs of one conn with the same peer ID:
 *   - both initiated by the peer: the newer replaces the older (we delete
 *     it, with a Delete); both initiated by us: nothing, the peer decides;
 *   - one each, the older up before the newer began: the older goes;
 *   - one each, negotiated at the same time (both ends ran --up at once):
 *     the one with the lowest of the four nonces goes, deleted by its
 *     initiator; both ends compute the same answer.
 * The timing tests use the engine's event order, not the clock. */

static void uniq_delete(struct ike_sa *o)
{
	o->pending = PEND_DELETE_IKE;
	o->rekey_at = o->replace_at = o->retry_at = 0;
	ike_sa_dirty(o);
	ike_sa_run_pending(o);
}

void collide_uniqueids(struct ike_sa *sa)
{
	unsigned serials[64], n = 0;
	uint8_t mine[IKE_NONCE_MAX];
	size_t minelen;

	if (!sa->conn->uniqueids || sa->state != IKE_S_ESTABLISHED)
		return;
	lower_nonce(sa->ni, sa->ni_len, sa->nr, sa->nr_len, mine, &minelen);
	/* the established SAs with the same peer ID (an index, not a walk),
	 * in serial order */
	for (struct ike_sa *o = ike_sa_id_first(sa->e, sa->remote_id); o && n < 64;
	     o = ike_sa_id_next(sa->e, o, sa->remote_id))
		if (o != sa && !o->rekeyed && !o->redundant && o->conn == sa->conn)
			serials[n++] = o->serial;
	serials_sort(serials, n);
	for (unsigned i = 0; i < n; i++) {
		struct ike_sa *o = ike_sa_by_serial(sa->e, serials[i]), *loser;
		uint8_t theirs[IKE_NONCE_MAX];
		size_t theirslen;

		if (!o)
			continue;
		if (o->initiator == sa->initiator && sa->initiator)
			continue;   /* we initiated both: the peer, responder of both, decides */
		if (o->initiator == sa->initiator || o->established_seq < sa->created_seq) {
			/* the peer initiated both, or o was up before sa began:
			 * sa replaces it */
			sa_line(o, 0, "uniqueids: IKE SA #%u authenticated the same peer; deleting this older IKE SA",
				sa->serial);
			uniq_delete(o);
			continue;
		}
		/* the two negotiations crossed (both ends initiated at once):
		 * keep one, by the rule of §2.8.2; its creator deletes the other */
		lower_nonce(o->ni, o->ni_len, o->nr, o->nr_len, theirs, &theirslen);
		loser = nonce_cmp(mine, minelen, theirs, theirslen) < 0 ? sa : o;
		loser->redundant = true;
		loser->rekey_at = 0;
		if (!loser->initiator) {
			log_info("\"%s\" #%u: uniqueids: IKE SAs #%u and #%u crossed; the peer deletes #%u",
				 sa->conn->name, loser->serial, sa->serial, o->serial, loser->serial);
			continue;
		}
		sa_line(loser, 0, "uniqueids: IKE SAs #%u and #%u crossed; deleting the redundant #%u", sa->serial,
			o->serial, loser->serial);
		uniq_delete(loser);
		if (loser == sa)
			break;
	}
}

/* ---- dpdaction ---- */

static const char *const dpd_action_name[] = {
	[IKE_DPD_HOLD] = "hold", [IKE_DPD_CLEAR] = "clear", [IKE_DPD_RESTART] = "restart",
};

void collide_dead_peer(struct ike_sa *sa, const char *reason)
{
	struct ike_engine *e = sa->e;
	struct ike_conn *conn = ike_conn_ref(sa->conn);
	struct ip_addr peer = sa->peer_addr;
	bool dpd = conn->dpd_delay_ms != 0;
	enum ike_dpd_action act = conn->dpd_action <= IKE_DPD_RESTART ? conn->dpd_action : IKE_DPD_HOLD;

	if (dpd)
		sa_line(sa, 0, "liveness: peer not responding; dpdaction=%s", dpd_action_name[act]);
	if (dpd && act != IKE_DPD_CLEAR && !conn->gone && e->ops->peer_dead)
		e->ops->peer_dead(e->ctx, conn, act);    /* its trap takes over before the SAs go */
	ike_sa_destroy(sa, reason);
	if (!dpd || act != IKE_DPD_RESTART || conn->gone) {
		ike_conn_unref(conn);
		return;
	}
	if (!addr_is_set(&peer) || addr_is_any(&peer)) {
		log_info("\"%s\": dpdaction=restart: no peer address to restart with", conn->name);
	} else {
		log_info("\"%s\": dpdaction=restart: initiating the connection again", conn->name);
		sa_init_start(e, conn, &peer, NULL);
	}
	ike_conn_unref(conn);
}
