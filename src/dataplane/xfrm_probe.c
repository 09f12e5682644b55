/* Can the kernel hold an ESP SA?  Add a throwaway transport-mode SA between
 * two documentation addresses with an SPI nobody uses, then delete it. */
#include "dataplane/dataplane.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/xfrm.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#define PROBE_SPI 0xc7c7e5e5u
#define NLBUF 8192

static int nl_talk(struct mnl_socket *nl, struct nlmsghdr *nlh)
{
	char buf[NLBUF];
	unsigned portid = mnl_socket_get_portid(nl);
	ssize_t n;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0)
		return -errno;
	return mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, portid, NULL, NULL) < 0 ? -errno : 0;
}

static void probe_id(struct xfrm_usersa_id *id)
{
	id->daddr.a4 = htonl(0xcb0071feu);       /* 203.0.113.254 */
	id->spi = htonl(PROBE_SPI);
	id->family = AF_INET;
	id->proto = IPPROTO_ESP;
}

int xfrm_probe_esp(void)
{
	char buf[NLBUF];
	struct mnl_socket *nl = mnl_socket_open(NETLINK_XFRM);
	struct nlmsghdr *nlh;
	struct xfrm_usersa_info *sa;
	struct xfrm_usersa_id *id;
	union {
		struct xfrm_algo_aead a;
		uint8_t bytes[sizeof(struct xfrm_algo_aead) + 20];   /* + 160-bit key */
	} aead;
	unsigned seq = (unsigned)time(NULL);
	int rc;

	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		rc = -errno;
		goto out;
	}
	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = XFRM_MSG_NEWSA;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++seq;
	sa = mnl_nlmsg_put_extra_header(nlh, sizeof(*sa));
	sa->id.daddr.a4 = htonl(0xcb0071feu);
	sa->id.spi = htonl(PROBE_SPI);
	sa->id.proto = IPPROTO_ESP;
	sa->saddr.a4 = htonl(0xcb0071fdu);       /* 203.0.113.253 */
	sa->family = AF_INET;
	sa->mode = XFRM_MODE_TRANSPORT;
	sa->reqid = PROBE_SPI;
	sa->lft.soft_byte_limit = sa->lft.hard_byte_limit = XFRM_INF;
	sa->lft.soft_packet_limit = sa->lft.hard_packet_limit = XFRM_INF;
	memset(&aead, 0, sizeof(aead));
	strcpy(aead.a.alg_name, "rfc4106(gcm(aes))");
	aead.a.alg_key_len = 160;
	aead.a.alg_icv_len = 128;
	mnl_attr_put(nlh, XFRMA_ALG_AEAD, sizeof(aead), &aead);
	rc = nl_talk(nl, nlh);
	if (rc < 0) {
		rc = (rc == -EPERM || rc == -EACCES) ? rc : 0;
		goto out;
	}
	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = XFRM_MSG_DELSA;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++seq;
	id = mnl_nlmsg_put_extra_header(nlh, sizeof(*id));
	probe_id(id);
	nl_talk(nl, nlh);
	rc = 1;
out:
	mnl_socket_close(nl);
	return rc;
}
