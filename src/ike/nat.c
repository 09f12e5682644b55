/* NAT detection (RFC 7296 §2.23): NAT_DETECTION_SOURCE_IP /
 * _DESTINATION_IP hashes in IKE_SA_INIT, and the float of the IKE SA to
 * port 4500 (the embedder adds the non-ESP marker there). */
#include "ike/sa.h"

#include "lib/log.h"

static void spi_bytes(uint64_t v, uint8_t out[8])
{
	put_be32(out, (uint32_t)(v >> 32));
	put_be32(out + 4, (uint32_t)v);
}

static bool hash_ep(uint64_t spi_i, uint64_t spi_r, const struct ike_endpoint *ep, uint8_t out[NATD_HASH_LEN])
{
	uint8_t si[8], sr[8];

	spi_bytes(spi_i, si);
	spi_bytes(spi_r, sr);
	return natd_hash(si, sr, &ep->addr, ep->port, out);
}

void nat_add_notifies(struct msg_build *mb, struct ike_sa *sa)
{
	uint8_t h[NATD_HASH_LEN];
	struct ike_endpoint src = sa->local;

	if (sa->conn->encaps == IKE_ENCAPS_NO && sa->initiator)
		return;
	if (sa->conn->encaps == IKE_ENCAPS_YES)
		addr_any(src.addr.af ? src.addr.af : AF_INET, &src.addr);   /* pretend a NAT (forceencaps) */
	if (hash_ep(sa->spi_i, sa->spi_r, &src, h))
		ikeb_notify(&mb->b, IKEV2_PROTO_NONE, NULL, 0, v2N_NAT_DETECTION_SOURCE_IP, h, sizeof(h));
	if (hash_ep(sa->spi_i, sa->spi_r, &sa->remote, h))
		ikeb_notify(&mb->b, IKEV2_PROTO_NONE, NULL, 0, v2N_NAT_DETECTION_DESTINATION_IP, h, sizeof(h));
}

void nat_process(struct ike_sa *sa, const struct ike_chain *c, uint64_t spi_r)
{
	uint8_t want_src[NATD_HASH_LEN], want_dst[NATD_HASH_LEN];
	const struct pl_view *v = NULL;
	bool any_src = false, any_dst = false, src_ok = false, dst_ok = false;

	if (!hash_ep(sa->spi_i, spi_r, &sa->remote, want_src) || !hash_ep(sa->spi_i, spi_r, &sa->local, want_dst))
		return;
	while ((v = ike_chain_find(c, IKEV2_PL_NOTIFY, v)) != NULL) {
		struct ike_notify n;

		if (ike_notify_decode(v->body, v->len, &n) != WIRE_OK || n.data_len != NATD_HASH_LEN)
			continue;
		if (n.type == v2N_NAT_DETECTION_SOURCE_IP) {
			any_src = true;
			src_ok |= auth_eq(n.data, n.data_len, want_src, sizeof(want_src));
		} else if (n.type == v2N_NAT_DETECTION_DESTINATION_IP) {
			any_dst = true;
			dst_ok |= auth_eq(n.data, n.data_len, want_dst, sizeof(want_dst));
		}
	}
	if (!any_src || !any_dst || sa->conn->encaps == IKE_ENCAPS_NO)
		return;
	sa->nat_remote = !src_ok;
	sa->nat_local = !dst_ok || sa->conn->encaps == IKE_ENCAPS_YES;
	if (sa->nat_remote || sa->nat_local) {
		log_info("\"%s\" #%u: NAT detected (%s%s)", sa->conn->name, sa->serial,
			 sa->nat_local ? "we are behind NAT " : "", sa->nat_remote ? "peer is behind NAT" : "");
		if (sa->initiator)
			nat_float(sa);
	}
}

/* Before IKE_AUTH: no Child SA exists yet to follow the ports. */
void nat_float(struct ike_sa *sa)
{
	sa->local.port = 4500;
	sa->remote.port = 4500;
}
