/* Crypto jobs (job.h): the pure computation, and its hand-off through the
 * embedder's executor (ike_ops.submit_job) or inline. */
#include "ike/job.h"

#include <stdlib.h>
#include <string.h>

#include "lib/log.h"

struct ike_job *job_new(struct ike_sa *sa, enum job_kind kind, job_after_fn after)
{
	struct ike_job *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->kind = kind;
	j->serial = sa->serial;
	j->after = after;
	return j;
}

static bool dup_bytes(uint8_t **dst, size_t *dlen, const uint8_t *p, size_t len)
{
	free(*dst);
	*dst = malloc(len ? len : 1);
	if (!*dst)
		return false;
	memcpy(*dst, p, len);
	*dlen = len;
	return true;
}

bool job_set_peer_ke(struct ike_job *j, const uint8_t *ke, size_t len)
{
	return dup_bytes(&j->peer_ke, &j->peer_ke_len, ke, len);
}

bool job_set_msg(struct ike_job *j, const uint8_t *p, size_t len)
{
	return dup_bytes(&j->msg, &j->msg_len, p, len);
}

void ike_job_free(struct ike_job *j)
{
	if (!j)
		return;
	dh_free(j->dh);
	free(j->peer_ke);
	secret_free(j->sk_d);
	ike_keys_free(&j->keys);
	child_keys_free(&j->ck);
	free(j->msg);
	if (j->ctx) {
		secret_wipe(j->ctx, j->ctx_len);
		free(j->ctx);
	}
	secret_wipe(j, sizeof(*j));
	free(j);
}

static bool run_keys(struct ike_job *j, const struct secret *gir)
{
	struct secret *skeyseed;
	bool ok;

	switch (j->kind) {
	case JOB_KEYPAIR:
		return true;
	case JOB_IKE_SA_INIT:
		skeyseed = ike_skeyseed(j->algs.prf, j->ni, j->ni_len, j->nr, j->nr_len, gir);
		break;
	case JOB_IKE_REKEY:
		skeyseed = ike_skeyseed_rekey(j->prf, j->sk_d, gir, j->ni, j->ni_len, j->nr, j->nr_len);
		break;
	case JOB_CHILD:
		return child_keys_derive(j->prf, j->sk_d, &j->child_encr, j->child_integ, gir, j->ni, j->ni_len,
					 j->nr, j->nr_len, &j->ck);
	default:
		return false;
	}
	ok = skeyseed && ike_keys_derive(&j->algs, skeyseed, j->ni, j->ni_len, j->nr, j->nr_len, j->spii,
					 j->spir, &j->keys);
	secret_free(skeyseed);
	return ok;
}

void ike_job_run(struct ike_job *j)
{
	struct secret *gir = NULL;

	j->ok = false;
	j->why = "out of memory";
	if (!j->dh && j->dh_alg && !(j->dh = dh_new(j->dh_alg))) {
		j->why = "cannot make a DH key pair";
		return;
	}
	if (j->peer_ke && !j->dh) {
		j->why = "no DH key pair";
		return;
	}
	if (j->peer_ke) {
		const char *why = NULL;

		gir = dh_derive(j->dh, j->peer_ke, j->peer_ke_len, &why);
		if (!gir) {
			j->bad_ke = true;
			j->why = why ? why : "DH failed";
			return;
		}
	}
	j->ok = run_keys(j, gir);
	j->why = j->ok ? NULL : "key derivation failed";
	secret_free(gir);
}

/* The result of j on the loop: to its SA if it still waits for it. */
static void job_finish(struct ike_engine *e, struct ike_job *j)
{
	struct ike_sa *sa = ike_sa_by_serial(e, j->serial);

	if (!sa || sa->job_id != j->id) {
		e->stats.jobs_orphaned++;
		log_debug("IKE: crypto job for #%u: the SA %s; result dropped", j->serial,
			  sa ? "no longer waits" : "is gone");
	} else {
		sa->job_id = 0;
		ike_sa_dirty(sa);
		j->after(sa, j);
	}
	ike_job_free(j);
}

void ike_job_complete(struct ike_engine *e, struct ike_job *j)
{
	e->batch++;
	job_finish(e, j);
	e->batch--;
	eng_deadline_changed(e);
}

bool job_submit(struct ike_sa *sa, struct ike_job *j)
{
	struct ike_engine *e = sa->e;

	j->id = ++e->job_seq ? e->job_seq : ++e->job_seq;   /* never 0 */
	sa->job_id = j->id;
	e->stats.jobs_submitted++;
	if (!e->ops->submit_job) {
		ike_job_run(j);
		job_finish(e, j);
		return true;
	}
	if (e->ops->submit_job(e->ctx, j))
		return true;
	sa->job_id = 0;
	eng_drop(e, DROP_CRYPTO_BUSY, "#%u: crypto job queue full", sa->serial);
	return false;
}
