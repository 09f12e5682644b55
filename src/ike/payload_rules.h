/* Which payloads each IKEv2 exchange carries, per request/response and
 * sender (original initiator / original responder), as one table
 * (payload_rules.c, the RFC 7296 diagram beside each row).  The check runs
 * once on a decoded message, before any handler; handlers may then assume
 * required payloads are present and forbidden ones absent.
 *
 * Variants per exchange are chosen from the message itself:
 *   IKE_SA_INIT response: normal, or notify-only (no SA, some N: COOKIE,
 *     INVALID_KE_PAYLOAD, NO_PROPOSAL_CHOSEN, ...)
 *   IKE_AUTH response: normal (AUTH present), or error (no AUTH, N present)
 *   CREATE_CHILD_SA request: IKE rekey (SA proposal proto IKE), Child rekey
 *     (N(REKEY_SA)), new Child SA; response: IKE rekey / Child / error
 *   INFORMATIONAL: anything of N, D, CP, possibly nothing (liveness)
 * Encrypted exchanges (all but IKE_SA_INIT) must carry exactly one SK or
 * SKF payload outside, and the rule is checked against the inner payloads
 * (m->inner, which must be valid: decrypt/reassemble first). */
#ifndef CYGNET_PAYLOAD_RULES_H
#define CYGNET_PAYLOAD_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include "ike/wire.h"

#define PR_REASON_LIST(X) \
	X(PR_OK, "ok") \
	X(PR_UNKNOWN_EXCHANGE, "unknown exchange type") \
	X(PR_WRONG_SENDER, "sent by the wrong side (I flag)") \
	X(PR_SK_MISSING, "payloads not encrypted") \
	X(PR_SK_UNEXPECTED, "encrypted payload in an unencrypted exchange") \
	X(PR_PLAIN_WITH_SK, "unencrypted payload beside SK") \
	X(PR_INNER_NOT_DECODED, "inner payloads not decoded") \
	X(PR_MISSING, "required payload missing") \
	X(PR_FORBIDDEN, "payload not allowed") \
	X(PR_REPEATED, "payload repeated") \
	X(PR_PARTIAL_GROUP, "SA, TSi and TSr must appear together")

#define PR_REASON_ENUM(name, text) name,
enum pr_reason { PR_REASON_LIST(PR_REASON_ENUM) PR_REASON_COUNT };
#undef PR_REASON_ENUM

const char *pr_reason_name(enum pr_reason r);

struct pr_result {
	enum pr_reason reason;
	uint8_t exch;              /* from the header, for pr_fmt */
	bool response;
	uint8_t payload;           /* the payload type concerned (0 if none) */
	const char *variant;       /* "IKE_SA_INIT response (notify only)" ... */
	const char *diagram;       /* the RFC diagram of the row applied */
};

#define PR_STRLEN 128
/* Checks m (header + outer chain; inner chain when encrypted). */
enum pr_reason payload_rules_check(const struct ike_msg *m, struct pr_result *res);
/* "IKE_SA_INIT request without KE", "IKE_AUTH response with repeated AUTH". */
const char *pr_fmt(const struct pr_result *res, char buf[PR_STRLEN]);

#endif
