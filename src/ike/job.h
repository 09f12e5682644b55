/* Internal to the IKE engine: the heavy crypto of an exchange as a job.
 *
 *   exchange "before" (loop): parse, checks, proposal choice; inputs copied
 *        │                    into a job; the SA waits (sa->job_id)
 *        ▼
 *   ike_ops.submit_job ──> ike_job_run (any thread): our key pair, g^ir,
 *        │                 SKEYSEED/SK_* or KEYMAT, on the job's copies only
 *        ▼
 *   ike_job_complete (loop): the SA looked up by serial; if it still waits
 *        for this job, the exchange's "after" builds/sends the answer or
 *        processes the reply; else the result is dropped.  Secrets wiped.
 *
 * No embedder executor (submit_job NULL): the job runs inline at once. */
#ifndef CYGNET_IKE_JOB_H
#define CYGNET_IKE_JOB_H

#include "ike/sa.h"

enum job_kind {
	JOB_KEYPAIR,          /* our key pair only */
	JOB_IKE_SA_INIT,      /* + g^ir, SKEYSEED, SK_* (§2.14) */
	JOB_IKE_REKEY,        /* + g^ir, SKEYSEED from the old SK_d (§2.18), SK_* */
	JOB_CHILD,            /* [+ g^ir], KEYMAT (§2.17) */
};

struct ike_job;
/* The exchange's continuation, on the loop, with the SA still waiting. */
typedef void (*job_after_fn)(struct ike_sa *sa, struct ike_job *j);

struct ike_job {
	enum job_kind kind;
	uint32_t id;                       /* == sa->job_id while the SA waits */
	unsigned serial;                   /* the waiting IKE SA */
	job_after_fn after;
	/* inputs */
	const struct alg_desc *dh_alg;     /* key pair to make when dh is NULL */
	struct dh *dh;                     /* ours (taken from the SA, or made) */
	uint8_t *peer_ke;                  /* NULL = no g^ir */
	size_t peer_ke_len;
	struct ike_algs algs;              /* IKE keys: the new SA's algorithms */
	const struct alg_desc *prf;        /* rekey / child: the IKE SA's PRF */
	struct secret *sk_d;               /* rekey / child: a copy of its SK_d */
	struct alg_cipher child_encr;
	const struct alg_desc *child_integ;
	uint8_t ni[IKE_NONCE_MAX], nr[IKE_NONCE_MAX];
	size_t ni_len, nr_len;
	uint8_t spii[8], spir[8];
	/* outputs */
	bool ok;
	bool bad_ke;                       /* the peer's KE gave no g^ir */
	const char *why;                   /* static text */
	struct ike_keys keys;
	struct child_keys ck;
	/* the exchange's own context for "after" (copied, never pointers into
	 * the SA): a message to decode again, the chosen proposal, a msgid */
	uint8_t *msg;
	size_t msg_len;
	struct chosen ch;
	uint32_t msgid;
	unsigned aux;                      /* e.g. a Child SA's serial */
	uint64_t aux64;
	void *ctx;                         /* heap, wiped and freed with the job */
	size_t ctx_len;
};

/* A new job of kind for sa (NULL: out of memory). */
struct ike_job *job_new(struct ike_sa *sa, enum job_kind kind, job_after_fn after);
bool job_set_peer_ke(struct ike_job *j, const uint8_t *ke, size_t len);
bool job_set_msg(struct ike_job *j, const uint8_t *p, size_t len);
/* Hands j out (or runs it inline and completes it before returning: sa may
 * be gone then).  false = refused by the embedder (queue full, counted as
 * DROP_CRYPTO_BUSY): j is still the caller's and sa does not wait. */
bool job_submit(struct ike_sa *sa, struct ike_job *j);
/* A message for an SA whose job is out: dropped (counted). */
static inline bool job_waiting(const struct ike_sa *sa) { return sa->job_id != 0; }

#endif
