/* XFRM netlink message builders for the kernel dataplane: pure functions
 * that lay one request into a caller buffer with libmnl framing (no socket,
 * no global state), so their byte layouts are unit-tested directly. */
#ifndef CYGNET_XFRM_MSG_H
#define CYGNET_XFRM_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/dataplane.h"

#define XFRM_MSG_BUFSIZE 4096

/* Cygnet's reqid range (DP_REQID_BASE, dataplane.h): at start-up and
 * shutdown the kernel backend removes only SAs and policies in it. */
#define CY_REQID_BASE DP_REQID_BASE
static inline int cy_reqid_ours(uint32_t reqid) { return reqid - CY_REQID_BASE < DP_REQID_COUNT; }

/* Kernel algorithm names and ICV sizes for an SA's IANA transforms (from
 * the registry, src/alg/alg.h).
 * Returns 0 or -EINVAL for an unsupported combination. */
struct xfrm_alg_names {
	const char *aead;        /* NULL unless AEAD */
	const char *crypt;       /* cbc(aes) */
	const char *auth;        /* hmac(sha256) */
	unsigned icv_bits;       /* AEAD ICV */
	unsigned trunc_bits;     /* HMAC truncation */
};
int xfrm_alg_names(uint16_t encr, uint16_t integ, struct xfrm_alg_names *out);

/* Each returns the message length (nlmsg_len) or a negative errno.  mark:
 * NULL or mask 0 = none; an SA or policy with a mark is found (deleted,
 * read) only with the same mark. */
int xfrm_build_newsa(void *buf, size_t cap, uint32_t seq, const struct dp_sa *sa, int update);
int xfrm_build_delsa(void *buf, size_t cap, uint32_t seq, uint32_t spi, const struct ip_addr *dst,
		     uint8_t proto, const struct dp_mark *mark);
int xfrm_build_getsa(void *buf, size_t cap, uint32_t seq, uint32_t spi, const struct ip_addr *dst,
		     uint8_t proto, const struct dp_mark *mark);
/* kdir: XFRM_POLICY_IN / OUT / FWD; tmpl_src/dst/mode: the SA the policy
 * points at (tunnel endpoints). */
int xfrm_build_newpolicy(void *buf, size_t cap, uint32_t seq, const struct dp_selector *sel,
			 int kdir, uint32_t reqid, uint32_t priority, enum dp_mode mode,
			 const struct ip_addr *tmpl_src, const struct ip_addr *tmpl_dst,
			 const struct dp_mark *mark);
/* A shunt policy (type=passthrough|drop|reject): action allow (PASS) or
 * block (DROP, REJECT: XFRM has no reject), no template.  Its lifetime
 * carries CY_SHUNT_TAG (soft packet limit, which the kernel stores and
 * never enforces on a policy), so the backend finds its own shunts again
 * at start-up and shutdown as it finds its SAs by reqid.  -EINVAL for
 * DP_ACT_IPSEC. */
#define CY_SHUNT_TAG 0x4359000053484e54ull     /* "CY" ... "SHNT" */
int xfrm_build_shuntpolicy(void *buf, size_t cap, uint32_t seq, const struct dp_selector *sel,
			   int kdir, enum dp_action action, uint32_t priority, const struct dp_mark *mark);
int xfrm_build_delpolicy(void *buf, size_t cap, uint32_t seq, const struct dp_selector *sel, int kdir,
			 const struct dp_mark *mark);
/* A policy that lets traffic pass without IPsec (allow, no template, the
 * best priority): every address of family af, protocol proto (0 any) and
 * ICMP type icmp_type (-1 any).  add false: its delete. */
struct xfrm_bypass {
	int af, kdir;
	uint8_t proto;
	int icmp_type;
	uint32_t priority;
};
int xfrm_build_bypass(void *buf, size_t cap, uint32_t seq, bool add, const struct xfrm_bypass *b);
/* A dump request (XFRM_MSG_GETSA or XFRM_MSG_GETPOLICY with NLM_F_DUMP). */
int xfrm_build_dump(void *buf, size_t cap, uint32_t seq, uint16_t type);

/* A policy's priority from its selectors, as the kernel orders them (lower
 * wins): the more specific (longer prefixes, a protocol, ports), the lower.
 * Always in 1..XFRM_PRIO_AUTO_BASE, so an explicit priority= below 1 << 16
 * beats every automatic one. */
#define XFRM_PRIO_AUTO_BASE (1u << 20)
uint32_t xfrm_policy_priority(const struct dp_selector *sel);

/* An XFRM_MSG_ACQUIRE (the kernel found a packet for a policy without an
 * SA): the packet's selector and the reqid of the policy's first template.
 * -EINVAL when the message is not a well-formed acquire. */
struct nlmsghdr;
int xfrm_parse_acquire(const struct nlmsghdr *nlh, struct dp_selector *sel, uint32_t *reqid);

/* An XFRM_MSG_EXPIRE (an SA reached a soft or hard lifetime): fills
 * ev->type = DP_EV_EXPIRE and ev->u.expire's spi (host order), dst, reqid
 * and hard; dir is the caller's (the kernel does not say).  -EINVAL when
 * the message is not a well-formed expire. */
int xfrm_parse_expire(const struct nlmsghdr *nlh, struct dp_event *ev);

#endif
