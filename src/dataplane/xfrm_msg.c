#include "dataplane/xfrm_msg.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/udp.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <string.h>

#include "alg/alg.h"

#ifndef UDP_ENCAP_ESPINUDP
#define UDP_ENCAP_ESPINUDP 2
#endif

int xfrm_alg_names(uint16_t encr, uint16_t integ, struct xfrm_alg_names *out)
{
	const struct alg_desc *e = alg_get(IKEV2_TRANS_ENCR, encr);
	const struct alg_desc *i = integ ? alg_get(IKEV2_TRANS_INTEG, integ) : NULL;

	memset(out, 0, sizeof(*out));
	if (!e || !e->xfrm)
		return -EINVAL;
	if (e->aead) {
		out->aead = e->xfrm;
		out->icv_bits = (unsigned)e->icv_len * 8;
		return integ == IKEV2_INTEG_NONE ? 0 : -EINVAL;
	}
	if (!i || !i->xfrm)
		return -EINVAL;
	out->crypt = e->xfrm;
	out->auth = i->xfrm;
	out->trunc_bits = (unsigned)i->icv_len * 8;
	return 0;
}

static void put_addr(xfrm_address_t *x, const struct ip_addr *a)
{
	memset(x, 0, sizeof(*x));
	if (a && a->af)
		memcpy(x, a->a, addr_len(a));
}

static void put_selector(struct xfrm_selector *s, const struct dp_selector *sel)
{
	memset(s, 0, sizeof(*s));
	s->family = sel->src.addr.af ? sel->src.addr.af : sel->dst.addr.af;
	put_addr(&s->saddr, &sel->src.addr);
	put_addr(&s->daddr, &sel->dst.addr);
	s->prefixlen_s = sel->src.plen;
	s->prefixlen_d = sel->dst.plen;
	s->proto = sel->proto;
	if (sel->sport) {
		s->sport = htons(sel->sport);
		s->sport_mask = 0xffff;
	}
	if (sel->dport) {
		s->dport = htons(sel->dport);
		s->dport_mask = 0xffff;
	}
}

static struct nlmsghdr *start(void *buf, size_t cap, uint16_t type, uint16_t flags, uint32_t seq)
{
	struct nlmsghdr *nlh;

	if (cap < MNL_NLMSG_HDRLEN + 1024)
		return NULL;
	memset(buf, 0, cap);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	return nlh;
}

static uint64_t lim(uint64_t v) { return v ? v : XFRM_INF; }

static int put_mark(struct nlmsghdr *nlh, size_t cap, const struct dp_mark *mark)
{
	struct xfrm_mark m;

	if (!mark || !mark->mask)
		return 0;
	m.v = mark->value;
	m.m = mark->mask;
	return mnl_attr_put_check(nlh, cap, XFRMA_MARK, sizeof(m), &m) ? 0 : -ENOSPC;
}

static int put_key_attr(struct nlmsghdr *nlh, size_t cap, uint16_t type, size_t hdr, const void *h,
			const struct secret *key)
{
	uint8_t tmp[sizeof(struct xfrm_algo_aead) + 128];

	if (!key || hdr + key->len > sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, h, hdr);
	memcpy(tmp + hdr, key->data, key->len);
	if (!mnl_attr_put_check(nlh, cap, type, hdr + key->len, tmp)) {
		secret_wipe(tmp, sizeof(tmp));
		return -ENOSPC;
	}
	secret_wipe(tmp, sizeof(tmp));
	return 0;
}

int xfrm_build_newsa(void *buf, size_t cap, uint32_t seq, const struct dp_sa *sa, int update)
{
	struct nlmsghdr *nlh = start(buf, cap, update ? XFRM_MSG_UPDSA : XFRM_MSG_NEWSA,
				     NLM_F_ACK | (update ? 0 : NLM_F_CREATE | NLM_F_EXCL), seq);
	struct xfrm_usersa_info *u;
	struct xfrm_alg_names an;
	int rc;

	if (!nlh)
		return -ENOSPC;
	if ((rc = xfrm_alg_names(sa->encr, sa->integ, &an)) < 0)
		return rc;
	if (!sa->encr_key || (an.auth && !sa->integ_key))
		return -EINVAL;
	u = mnl_nlmsg_put_extra_header(nlh, sizeof(*u));
	put_selector(&u->sel, &sa->sel);
	put_addr(&u->id.daddr, &sa->dst);
	u->id.spi = htonl(sa->spi);
	u->id.proto = IPPROTO_ESP;
	put_addr(&u->saddr, &sa->src);
	u->family = sa->dst.af;
	u->mode = sa->mode == DP_MODE_TUNNEL ? XFRM_MODE_TUNNEL : XFRM_MODE_TRANSPORT;
	u->reqid = sa->reqid;
	u->replay_window = 0;             /* the window travels in XFRMA_REPLAY_ESN_VAL */
	u->flags = sa->esn ? XFRM_STATE_ESN : 0;
	if (sa->mode == DP_MODE_TUNNEL)
		u->flags |= XFRM_STATE_AF_UNSPEC;
	u->lft.soft_byte_limit = lim(sa->soft.bytes);
	u->lft.hard_byte_limit = lim(sa->hard.bytes);
	u->lft.soft_packet_limit = lim(sa->soft.packets);
	u->lft.hard_packet_limit = lim(sa->hard.packets);
	u->lft.soft_add_expires_seconds = sa->soft.seconds;
	u->lft.hard_add_expires_seconds = sa->hard.seconds;

	if (an.aead) {
		struct xfrm_algo_aead a;
		memset(&a, 0, sizeof(a));
		strncpy(a.alg_name, an.aead, sizeof(a.alg_name) - 1);
		a.alg_key_len = (unsigned)sa->encr_key->len * 8;
		a.alg_icv_len = an.icv_bits;
		if ((rc = put_key_attr(nlh, cap, XFRMA_ALG_AEAD, sizeof(a), &a, sa->encr_key)) < 0)
			return rc;
	} else {
		struct xfrm_algo c;
		struct xfrm_algo_auth t;
		memset(&c, 0, sizeof(c));
		strncpy(c.alg_name, an.crypt, sizeof(c.alg_name) - 1);
		c.alg_key_len = (unsigned)sa->encr_key->len * 8;
		if ((rc = put_key_attr(nlh, cap, XFRMA_ALG_CRYPT, sizeof(c), &c, sa->encr_key)) < 0)
			return rc;
		memset(&t, 0, sizeof(t));
		strncpy(t.alg_name, an.auth, sizeof(t.alg_name) - 1);
		t.alg_key_len = (unsigned)sa->integ_key->len * 8;
		t.alg_trunc_len = an.trunc_bits;
		if ((rc = put_key_attr(nlh, cap, XFRMA_ALG_AUTH_TRUNC, sizeof(t), &t, sa->integ_key)) < 0)
			return rc;
	}
	{
		/* The replay state (and ESN): bitmap words for the window. */
		uint32_t win = sa->dir == DP_DIR_IN ? sa->replay_window : 0;
		/* the kernel refuses an ESN SA without a window (EINVAL), outbound too */
		if (sa->esn && !win)
			win = 32;
		uint32_t words = win ? (win + 31) / 32 : 1;
		uint8_t rs[sizeof(struct xfrm_replay_state_esn) + DP_MAX_REPLAY_WINDOW / 8];
		struct xfrm_replay_state_esn *r = (struct xfrm_replay_state_esn *)rs;
		size_t len = sizeof(*r) + words * sizeof(uint32_t);
		if (win > DP_MAX_REPLAY_WINDOW)
			return -EINVAL;
		memset(rs, 0, sizeof(rs));
		r->bmp_len = words;
		r->replay_window = win ? words * 32 : 0;
		if (!mnl_attr_put_check(nlh, cap, XFRMA_REPLAY_ESN_VAL, len, rs))
			return -ENOSPC;
	}
	if ((rc = put_mark(nlh, cap, &sa->mark)) < 0)
		return rc;
	if (sa->dir == DP_DIR_OUT && sa->tfc_pad && sa->mode == DP_MODE_TUNNEL &&
	    !mnl_attr_put_u32_check(nlh, cap, XFRMA_TFCPAD, sa->tfc_pad))
		return -ENOSPC;
	if (sa->encap == DP_ENCAP_UDP) {
		struct xfrm_encap_tmpl e;
		memset(&e, 0, sizeof(e));
		e.encap_type = UDP_ENCAP_ESPINUDP;
		e.encap_sport = htons(sa->sport);
		e.encap_dport = htons(sa->dport);
		if (!mnl_attr_put_check(nlh, cap, XFRMA_ENCAP, sizeof(e), &e))
			return -ENOSPC;
	}
	return (int)nlh->nlmsg_len;
}

static int build_said(void *buf, size_t cap, uint16_t type, uint32_t seq, uint32_t spi,
		      const struct ip_addr *dst, uint8_t proto, const struct dp_mark *mark)
{
	struct nlmsghdr *nlh = start(buf, cap, type, type == XFRM_MSG_DELSA ? NLM_F_ACK : 0, seq);
	struct xfrm_usersa_id *id;

	if (!nlh)
		return -ENOSPC;
	id = mnl_nlmsg_put_extra_header(nlh, sizeof(*id));
	put_addr(&id->daddr, dst);
	id->spi = htonl(spi);
	id->family = dst->af;
	id->proto = proto;
	if (put_mark(nlh, cap, mark) < 0)
		return -ENOSPC;
	return (int)nlh->nlmsg_len;
}

int xfrm_build_delsa(void *buf, size_t cap, uint32_t seq, uint32_t spi, const struct ip_addr *dst,
		     uint8_t proto, const struct dp_mark *mark)
{
	return build_said(buf, cap, XFRM_MSG_DELSA, seq, spi, dst, proto, mark);
}

int xfrm_build_getsa(void *buf, size_t cap, uint32_t seq, uint32_t spi, const struct ip_addr *dst,
		     uint8_t proto, const struct dp_mark *mark)
{
	return build_said(buf, cap, XFRM_MSG_GETSA, seq, spi, dst, proto, mark);
}

int xfrm_build_newpolicy(void *buf, size_t cap, uint32_t seq, const struct dp_selector *sel,
			 int kdir, uint32_t reqid, uint32_t priority, enum dp_mode mode,
			 const struct ip_addr *tmpl_src, const struct ip_addr *tmpl_dst,
			 const struct dp_mark *mark)
{
	struct nlmsghdr *nlh = start(buf, cap, XFRM_MSG_UPDPOLICY, NLM_F_ACK | NLM_F_CREATE, seq);
	struct xfrm_userpolicy_info *p;
	struct xfrm_user_tmpl t;

	if (!nlh)
		return -ENOSPC;
	p = mnl_nlmsg_put_extra_header(nlh, sizeof(*p));
	put_selector(&p->sel, sel);
	p->lft.soft_byte_limit = p->lft.hard_byte_limit = XFRM_INF;
	p->lft.soft_packet_limit = p->lft.hard_packet_limit = XFRM_INF;
	p->priority = priority;
	p->dir = (uint8_t)kdir;
	p->action = XFRM_POLICY_ALLOW;
	p->share = XFRM_SHARE_ANY;
	memset(&t, 0, sizeof(t));
	t.id.proto = IPPROTO_ESP;
	t.family = tmpl_dst && tmpl_dst->af ? tmpl_dst->af : p->sel.family;
	t.reqid = reqid;
	t.mode = mode == DP_MODE_TUNNEL ? XFRM_MODE_TUNNEL : XFRM_MODE_TRANSPORT;
	if (mode == DP_MODE_TUNNEL) {
		put_addr(&t.id.daddr, tmpl_dst);
		put_addr(&t.saddr, tmpl_src);
	}
	t.aalgos = t.ealgos = t.calgos = ~0u;
	if (!mnl_attr_put_check(nlh, cap, XFRMA_TMPL, sizeof(t), &t) || put_mark(nlh, cap, mark) < 0)
		return -ENOSPC;
	return (int)nlh->nlmsg_len;
}

int xfrm_build_shuntpolicy(void *buf, size_t cap, uint32_t seq, const struct dp_selector *sel,
			   int kdir, enum dp_action action, uint32_t priority, const struct dp_mark *mark)
{
	struct nlmsghdr *nlh;
	struct xfrm_userpolicy_info *p;

	if (action != DP_ACT_PASS && action != DP_ACT_DROP && action != DP_ACT_REJECT)
		return -EINVAL;
	if (!(nlh = start(buf, cap, XFRM_MSG_UPDPOLICY, NLM_F_ACK | NLM_F_CREATE, seq)))
		return -ENOSPC;
	p = mnl_nlmsg_put_extra_header(nlh, sizeof(*p));
	put_selector(&p->sel, sel);
	p->lft.soft_byte_limit = p->lft.hard_byte_limit = XFRM_INF;
	p->lft.hard_packet_limit = XFRM_INF;
	p->lft.soft_packet_limit = CY_SHUNT_TAG;
	p->priority = priority;
	p->dir = (uint8_t)kdir;
	p->action = action == DP_ACT_PASS ? XFRM_POLICY_ALLOW : XFRM_POLICY_BLOCK;
	p->share = XFRM_SHARE_ANY;
	if (put_mark(nlh, cap, mark) < 0)
		return -ENOSPC;
	return (int)nlh->nlmsg_len;
}

int xfrm_build_delpolicy(void *buf, size_t cap, uint32_t seq, const struct dp_selector *sel, int kdir,
			 const struct dp_mark *mark)
{
	struct nlmsghdr *nlh = start(buf, cap, XFRM_MSG_DELPOLICY, NLM_F_ACK, seq);
	struct xfrm_userpolicy_id *id;

	if (!nlh)
		return -ENOSPC;
	id = mnl_nlmsg_put_extra_header(nlh, sizeof(*id));
	put_selector(&id->sel, sel);
	id->dir = (uint8_t)kdir;
	if (put_mark(nlh, cap, mark) < 0)
		return -ENOSPC;
	return (int)nlh->nlmsg_len;
}

int xfrm_build_bypass(void *buf, size_t cap, uint32_t seq, bool add, const struct xfrm_bypass *b)
{
	struct nlmsghdr *nlh = start(buf, cap, add ? XFRM_MSG_UPDPOLICY : XFRM_MSG_DELPOLICY,
				     add ? NLM_F_ACK | NLM_F_CREATE : NLM_F_ACK, seq);
	struct xfrm_selector *sel;

	if (!nlh)
		return -ENOSPC;
	if (b->af != AF_INET && b->af != AF_INET6)
		return -EINVAL;
	if (add) {
		struct xfrm_userpolicy_info *p = mnl_nlmsg_put_extra_header(nlh, sizeof(*p));

		p->lft.soft_byte_limit = p->lft.hard_byte_limit = XFRM_INF;
		p->lft.soft_packet_limit = p->lft.hard_packet_limit = XFRM_INF;
		p->priority = b->priority;
		p->dir = (uint8_t)b->kdir;
		p->action = XFRM_POLICY_ALLOW;       /* and no template: nothing required */
		p->share = XFRM_SHARE_ANY;
		sel = &p->sel;
	} else {
		struct xfrm_userpolicy_id *id = mnl_nlmsg_put_extra_header(nlh, sizeof(*id));

		id->dir = (uint8_t)b->kdir;
		sel = &id->sel;
	}
	sel->family = (uint16_t)b->af;
	sel->proto = b->proto;
	if (b->icmp_type >= 0) {                 /* XFRM keeps an ICMP type in sport */
		sel->sport = htons((uint16_t)b->icmp_type);
		sel->sport_mask = 0xffff;
	}
	return (int)nlh->nlmsg_len;
}

uint32_t xfrm_policy_priority(const struct dp_selector *sel)
{
	/* prefix lengths weigh most (up to 2 x 128), then protocol, then ports */
	uint32_t specific = ((uint32_t)sel->src.plen + sel->dst.plen) * 8 + (sel->proto ? 4u : 0) +
			    (sel->sport ? 1u : 0) + (sel->dport ? 1u : 0);

	return XFRM_PRIO_AUTO_BASE - specific;
}

int xfrm_parse_acquire(const struct nlmsghdr *nlh, struct dp_selector *sel, uint32_t *reqid)
{
	struct xfrm_user_acquire ab;      /* a copy: the payload is only 4-aligned */
	const struct xfrm_user_acquire *a = &ab;
	const struct xfrm_selector *s;
	const struct nlattr *attr;
	unsigned maxlen;

	if (nlh->nlmsg_type != XFRM_MSG_ACQUIRE || nlh->nlmsg_len < MNL_NLMSG_HDRLEN ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(ab))
		return -EINVAL;
	memcpy(&ab, mnl_nlmsg_get_payload(nlh), sizeof(ab));
	s = &a->sel;
	maxlen = s->family == AF_INET ? 32 : s->family == AF_INET6 ? 128 : 0;
	if (!maxlen || s->prefixlen_s > maxlen || s->prefixlen_d > maxlen)
		return -EINVAL;
	memset(sel, 0, sizeof(*sel));
	if (!addr_from_bytes(s->family, &s->saddr, &sel->src.addr) ||
	    !addr_from_bytes(s->family, &s->daddr, &sel->dst.addr))
		return -EINVAL;
	sel->src.plen = s->prefixlen_s;
	sel->dst.plen = s->prefixlen_d;
	sel->proto = s->proto;
	sel->sport = s->sport_mask ? ntohs(s->sport) : 0;
	sel->dport = s->dport_mask ? ntohs(s->dport) : 0;
	*reqid = 0;
	mnl_attr_for_each(attr, nlh, sizeof(*a))
		if (mnl_attr_get_type(attr) == XFRMA_TMPL && mnl_attr_get_payload_len(attr) >= sizeof(struct xfrm_user_tmpl)) {
			*reqid = ((const struct xfrm_user_tmpl *)mnl_attr_get_payload(attr))->reqid;
			break;
		}
	return 0;
}

int xfrm_parse_expire(const struct nlmsghdr *nlh, struct dp_event *ev)
{
	struct xfrm_user_expire eb;       /* a copy: the payload is only 4-aligned */
	const struct xfrm_user_expire *e = &eb;

	if (nlh->nlmsg_type != XFRM_MSG_EXPIRE || nlh->nlmsg_len < MNL_NLMSG_HDRLEN ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(eb))
		return -EINVAL;
	memcpy(&eb, mnl_nlmsg_get_payload(nlh), sizeof(eb));
	memset(ev, 0, sizeof(*ev));
	ev->type = DP_EV_EXPIRE;
	if (!addr_from_bytes(e->state.family, &e->state.id.daddr, &ev->u.expire.dst))
		return -EINVAL;
	ev->u.expire.spi = ntohl(e->state.id.spi);
	ev->u.expire.reqid = e->state.reqid;
	ev->u.expire.hard = e->hard != 0;
	return 0;
}

int xfrm_build_dump(void *buf, size_t cap, uint32_t seq, uint16_t type)
{
	struct nlmsghdr *nlh = start(buf, cap, type, NLM_F_DUMP, seq);

	if (!nlh)
		return -ENOSPC;
	return (int)nlh->nlmsg_len;
}
