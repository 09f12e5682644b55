/* Internal to CREATE_CHILD_SA: ikev2_child.c (requests, checks) and
 * ikev2_child_jobs.c (DH and key derivation as crypto jobs, and what
 * follows them). */
#ifndef CYGNET_IKE_CHILD_INT_H
#define CYGNET_IKE_CHILD_INT_H

#include "ike/job.h"

struct ccs_msg {
	struct ike_sa_payload sa;
	struct ike_nonce n;
	struct ike_ke ke;
	bool have_ke, have_ts;
	bool no_tfc;                     /* N(ESP_TFC_PADDING_NOT_SUPPORTED) */
	struct ike_ts_payload tsi, tsr;
	struct ike_ts_payload sel_l, sel_r;   /* responder: narrowed (ts_select) */
};

/* ikev2_child.c */
void ccs_end(struct ike_sa *sa);
void ccs_add_ke(struct msg_build *mb, const struct dh *dh);
void ccs_reply_error(struct ike_sa *sa, uint32_t msgid, uint16_t err, const uint8_t *data, size_t len);
void ccs_move_children(struct ike_sa *from, struct ike_sa *to);
/* Our request, now: dh is our key pair for group (taken; NULL = no KE). */
bool ccs_send_child_now(struct ike_sa *sa, struct child_sa *old, uint16_t group, struct dh *dh);
bool ccs_send_rekey_ike_now(struct ike_sa *sa, uint16_t group, struct dh *dh);
/* Our exchange of `kind` failed (why: for the log and the sink). */
void ccs_response_failed(struct ike_sa *sa, enum ccs_kind kind, uint16_t err, const char *why);

/* ikev2_child_jobs.c.  Our request of kind (old: the Child SA a rekey
 * replaces); with a KE (group) once our key pair's job is done.  true =
 * sent or on its way (a failure then is reported from the job's after). */
bool ccs_request(struct ike_sa *sa, enum ccs_kind kind, struct child_sa *old, uint16_t group);
/* Responder: the checks passed; answers from the
 * job's "after" (or at once with TEMPORARY_FAILURE if no job can start). */
void ccs_rekey_ike_request_job(struct ike_sa *sa, uint32_t msgid, const struct ccs_msg *x, const struct chosen *cs);
/* c: the larval Child SA (selectors, conn, algorithms set); old: the one
 * a rekey replaces or NULL. */
void ccs_child_request_job(struct ike_sa *sa, uint32_t msgid, struct child_sa *c, struct child_sa *old,
			   const struct ccs_msg *x, const struct chosen *cs);
/* Initiator: the response's checks passed.  NULL = the job is out (or ran
 * inline: sa may be gone); ccs_job_busy = the executor refused it, the
 * response is dropped (our retransmission brings it again); else why the
 * exchange failed. */
extern const char ccs_job_busy[];
const char *ccs_child_response_job(struct ike_sa *sa, const struct ccs_msg *x, const struct chosen *cs);
const char *ccs_rekey_ike_response_job(struct ike_sa *sa, const struct ccs_msg *x, const struct chosen *cs);

#endif
