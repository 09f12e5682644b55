#include "alg/iana.h"

#include <stddef.h>

#define IANA_CASE(name, val) case val: return #name;
#define IANA_NAME_FN(fn, LIST) const char *fn(int v) { switch (v) { LIST(IANA_CASE) } return NULL; }

IANA_NAME_FN(ikev2_exch_name, IKEV2_EXCH_LIST)
IANA_NAME_FN(ikev2_payload_name, IKEV2_PAYLOAD_LIST)
IANA_NAME_FN(ikev2_trans_type_name, IKEV2_TRANS_TYPE_LIST)
IANA_NAME_FN(ikev2_encr_name, IKEV2_ENCR_LIST)
IANA_NAME_FN(ikev2_prf_name, IKEV2_PRF_LIST)
IANA_NAME_FN(ikev2_integ_name, IKEV2_INTEG_LIST)
IANA_NAME_FN(ikev2_dh_name, IKEV2_DH_LIST)
IANA_NAME_FN(ikev2_proto_name, IKEV2_PROTO_LIST)
IANA_NAME_FN(ikev2_auth_name, IKEV2_AUTH_LIST)
IANA_NAME_FN(ikev2_notify_name, IKEV2_NOTIFY_LIST)
