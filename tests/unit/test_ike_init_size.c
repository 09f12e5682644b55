/* Review of issue 13 (a remote unauthenticated peer, spoofed sources): the
 * responder keeps a copy of each IKE_SA_INIT request it answers (for AUTH),
 * whatever its size.  One forged IKE_SA_INIT padded with a Vendor ID to
 * 60 KB makes it keep 60 KB; below the COOKIE threshold (25,000 half-open
 * SAs by default) forged requests from any addresses made it keep ~1.5 GB.
 * What a peer that has not shown it receives at its address (a COOKIE)
 * can make us keep must be small per half-open SA. */
#include "ike_testlib.h"

#include "ike/sa.h"

/* A's IKE_SA_INIT request with a Vendor ID of `pad` bytes at the end. */
static size_t padded_init(struct tn_net *n, uint8_t *out, size_t cap, size_t pad)
{
	struct tn_pkt *q = &n->q[0];
	size_t off = IKE_HDR_LEN, len = q->len;
	uint8_t *last_np = &out[16];

	if (len + 4 + pad > cap)
		return 0;
	memcpy(out, q->data, len);
	while (off + 4 <= len && *last_np) {
		size_t pl = (size_t)out[off + 2] << 8 | out[off + 3];

		last_np = &out[off];
		if (pl < 4)
			return 0;
		off += pl;
	}
	*last_np = IKEV2_PL_VENDOR;
	out[len] = 0;
	out[len + 1] = 0;
	out[len + 2] = (uint8_t)((4 + pad) >> 8);
	out[len + 3] = (uint8_t)(4 + pad);
	memset(out + len + 4, 0x5a, pad);
	len += 4 + pad;
	out[24] = (uint8_t)(len >> 24);
	out[25] = (uint8_t)(len >> 16);
	out[26] = (uint8_t)(len >> 8);
	out[27] = (uint8_t)len;
	return len;
}

static size_t kept_init_bytes(const struct ike_engine *e)
{
	size_t b = 0;

	for (const struct ike_sa *sa = e->sas; sa; sa = sa->next)
		if (!sa->initiator)
			b += sa->init_req_len;
	return b;
}

static void test_forged_big_init_kept_small(void)
{
	enum { FORGED = 50, PAD = 60000 };
	static uint8_t pkt[65535];
	struct tn_net n;
	struct ike_endpoint src = { .port = 500 };
	size_t len, half = 0;

	tn_init(&n);
	n.p[0].conn.uniqueids = n.p[1].conn.uniqueids = false;
	ike_initiate(n.p[0].e, &n.p[0].conn, NULL, NULL);
	CHECK_INT(n.n, 1);
	len = padded_init(&n, pkt, sizeof(pkt), PAD);
	if (!CHECK(len > PAD))
		return;
	tn_drop_queue(&n);
	n.drop_all[1] = true;            /* answers go to the spoofed addresses */
	for (unsigned k = 0; k < FORGED; k++) {
		char a[32];

		snprintf(a, sizeof(a), "198.51.100.%u", k + 1);
		addr_parse(a, &src.addr);
		pkt[7] = (uint8_t)(pkt[7] + 1);   /* another SPIi */
		ike_recv(n.p[1].e, pkt, len, &n.p[1].ep, &src);
	}
	ike_count_sas(n.p[1].e, &half, NULL);
	if (kept_init_bytes(n.p[1].e) > FORGED * 4096)
		t_fail(__FILE__, __LINE__, "%u forged IKE_SA_INIT of %zu bytes: %zu half-open SAs keep %zu bytes of requests",
		       FORGED, len, half, kept_init_bytes(n.p[1].e));
	tn_drop_queue(&n);
	n.drop_all[1] = false;
	/* an ordinary IKE_SA_INIT still gets in without a COOKIE round */
	ike_engine_free(n.p[0].e);
	n.p[0].e = ike_engine_new(&tn_ops, &n.p[0], NULL);
	tn_up(&n);
	CHECK_INT(n.p[0].status, IKE_RC_OK);
	tn_free(&n);
}

int main(void)
{
	log_set_level(getenv("IKE_TEST_LOG") ? LOG_LVL_DEBUG : LOG_LVL_ERROR);
	RUN(test_forged_big_init_kept_small);
	return t_done();
}
