/* ikeload: many IKEv2 (RFC 7296) initiators in one process, and a flood of
 * forged IKE_SA_INIT requests.  Three files:
 *
 *   ikeload.c        options, sockets, the epoll loop, the window of
 *                    exchanges, retransmissions, the report, flood mode
 *   ikeload_ike.c    one initiator's messages: IKE_SA_INIT (COOKIE and
 *                    INVALID_KE retries), IKE_AUTH with PSK (a Child SA or
 *                    childless, RFC 6023), INFORMATIONAL delete; built with
 *                    Cygnet's wire builders and crypto
 *   ikeload_stats.c  pure pieces, unit-tested (tests/unit/test_ikeload.c):
 *                    latency percentiles, rates, address ranges, the pacer
 *
 * Plain RFC 7296 only, so any responder will do: no vendor IDs, no
 * fragmentation, no Cygnet-specific behaviour is assumed. */
#ifndef CYGNET_IKELOAD_H
#define CYGNET_IKELOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alg/proposal.h"
#include "crypto/crypto.h"
#include "ike/wire.h"
#include "lib/addr.h"

/* ---- latency samples and rates (ikeload_stats.c) ------------------------ */

/* Up to cap samples in microseconds; the ones beyond cap are counted but
 * not kept (the caller sizes cap to the number of SAs it will make). */
struct lat_stats {
	uint32_t *us;
	size_t n, cap;
	uint64_t dropped;
	uint64_t sum_us;
};

bool lat_init(struct lat_stats *s, size_t cap);
void lat_free(struct lat_stats *s);
void lat_add(struct lat_stats *s, uint64_t us);
/* The nearest-rank percentile (0 < pct <= 100) of the kept samples, 0 when
 * none.  Sorts the samples in place. */
uint32_t lat_percentile(struct lat_stats *s, double pct);
/* count per second over ns nanoseconds (0 when ns is 0). */
double rate_per_s(uint64_t count, uint64_t ns);

/* ---- address ranges --------------------------------------------------- */

/* "A", "A-B" (same family, A <= B) or "A/len" (every address of the prefix;
 * for IPv4 prefixes shorter than /31 without the network and broadcast
 * addresses), several joined by commas.  At most ADDR_RANGES_MAX parts. */
#define ADDR_RANGES_MAX 16
struct addr_range { struct ip_addr lo, hi; };
struct addr_ranges {
	unsigned n;
	struct addr_range r[ADDR_RANGES_MAX];
};
bool addr_ranges_parse(const char *s, struct addr_ranges *out, const char **why);
/* Number of addresses, saturated at UINT64_MAX. */
uint64_t addr_ranges_count(const struct addr_ranges *rs);
/* The i-th address (0 <= i < count) in order; false past the end. */
bool addr_ranges_nth(const struct addr_ranges *rs, uint64_t i, struct ip_addr *out);
/* Address + n (n may carry across bytes); false on overflow. */
bool addr_add(const struct ip_addr *a, uint64_t n, struct ip_addr *out);
/* An address within prefix/len whose host bits come from rnd. */
void addr_in_prefix(const struct ip_addr *prefix, unsigned len, const uint8_t rnd[16], struct ip_addr *out);

/* ---- pacing ------------------------------------------------------------ */

/* rate packets per second from t0: how many may go now without exceeding
 * the rate, at most burst at once (a late loop does not send a burst the
 * size of the delay). */
struct pacer {
	double rate;
	uint64_t t0_ns;
	uint64_t sent;
	unsigned burst;
};
void pacer_init(struct pacer *p, double rate, uint64_t now_ns, unsigned burst);
unsigned pacer_due(struct pacer *p, uint64_t now_ns);
void pacer_sent(struct pacer *p, unsigned n);
/* Nanoseconds until the next packet is due (0 when one is due now). */
uint64_t pacer_wait_ns(const struct pacer *p, uint64_t now_ns);

/* ---- one initiator (ikeload_ike.c) ---------------------------------------- */

#define IKL_BUF 2048            /* our requests are small: no fragmentation */
#define v2N_CHILDLESS_IKEV2_SUPPORTED 16418   /* RFC 6023 */

struct ikl_cfg {
	struct proposal_list ike, esp;
	uint16_t dh;                /* the group of the KE we send first */
	struct secret *psk;
	char id_fmt[128];           /* IDi, "%u" = the initiator's number */
	bool childless;             /* ask for RFC 6023 (needs the responder's notify) */
	bool verify;                /* check the responder's AUTH */
	/* the Child SA's selectors (all protocols and ports): TSi the n-th
	 * address of tsi (n = the initiator's number modulo their count), else
	 * the initiator's own address; TSr the range tsr, else the responder's
	 * address */
	struct addr_ranges tsi;
	struct addr_range tsr;
	bool have_tsi, have_tsr;
};

enum ikl_state { IKL_IDLE, IKL_INIT, IKL_AUTH, IKL_UP, IKL_DELETE, IKL_DONE, IKL_FAILED };

struct ikl_sa {
	enum ikl_state state;
	uint32_t num;               /* initiator number (ID, SPI low half) */
	uint8_t spi_i[8], spi_r[8];
	struct ip_addr laddr, raddr;
	uint16_t lport, rport;
	uint16_t dh_group;
	struct dh *dh;
	uint8_t ni[32], nr[256];
	size_t nr_len;
	uint8_t cookie[64];
	size_t cookie_len;
	uint8_t *init_resp;         /* the responder's IKE_SA_INIT (its AUTH signs it) */
	size_t init_resp_len;
	struct ike_algs algs;
	struct ike_keys keys;
	uint32_t msgid;             /* of the request in flight */
	uint8_t *req;               /* the request in flight, for retransmission */
	size_t req_len;
	bool childless;             /* the responder agreed */
	bool child_up;
	char why[96];               /* the failure */
};

/* IKE_SA_INIT request into sa->req (a new SPIi, nonce and DH on the first
 * call; the same ones with the cookie or new group after a retry). */
bool ikl_build_init(const struct ikl_cfg *c, struct ikl_sa *sa);
/* What a response did. */
enum ikl_result { IKL_R_IGNORE, IKL_R_RESEND, IKL_R_NEXT, IKL_R_UP, IKL_R_DONE, IKL_R_FAIL };
/* A datagram for this SA (SPIi matched, a response to msgid): moves the SA
 * and builds the next request into sa->req when there is one. */
enum ikl_result ikl_on_response(const struct ikl_cfg *c, struct ikl_sa *sa, const uint8_t *p, size_t len);
/* INFORMATIONAL { D(IKE) } into sa->req. */
bool ikl_build_delete(struct ikl_sa *sa);
/* Frees everything but the numbers (the SA may be reused). */
void ikl_sa_clear(struct ikl_sa *sa);

#endif
