/* SA details for status: the "states" array of `ipsec whack --status --json`: one object per IKE
 * and Child SA with what both peers must agree on (SPIs, algorithms), so a
 * test or a monitor can compare two daemons without parsing Libreswan's
 * text layout:
 *   {"serial":1,"kind":"ike","conn":"t","state":"STATE_V2_ESTABLISHED_IKE_SA",
 *    "established":true,"initiator":true,"local":"192.0.2.1:500",
 *    "remote":"192.0.2.2:500","nat":false,"spi_i":"0123456789abcdef",
 *    "spi_r":"...","encr":"AES_GCM_16","keylen":256,"integ":"NONE",
 *    "prf":"HMAC_SHA2_512","dh":"MODP2048"}
 *   {"serial":2,"kind":"child","ike_serial":1,...,"spi_in":"1a2b3c4d",
 *    "spi_out":"...","encr":...,"integ":...,"dh":"NONE","esn":false}
 * Names are the IANA names of alg/iana.h without "IKEV2_ENCR_" etc.
 * ("NONE" for 0). */
#include <stdio.h>
#include <string.h>

#include "alg/alg.h"
#include "daemon/connview.h"
#include "daemon/ikehost.h"
#include "daemon/pluto.h"
#include "ike/ike.h"

struct js_ctx {
	struct reply *rp;
	unsigned n;
};

static const char *nm(const char *(*fn)(int), unsigned v)
{
	const char *s = v ? fn((int)v) : NULL;
	const char *u;

	if (!s)
		return v ? "?" : "NONE";
	/* "IKEV2_ENCR_AES_GCM_16" -> "AES_GCM_16" */
	if (!strncmp(s, "IKEV2_", 6) && (u = strchr(s + 6, '_')))
		return u + 1;
	return s;
}

/* Conn names are ipsec.conf names: no quote or backslash can reach here,
 * but escape anyway rather than emit broken JSON. */
static const char *jstr(const char *s, char *buf, size_t cap)
{
	size_t o = 0;

	for (; s && *s && o + 3 < cap; s++) {
		if (*s == '"' || *s == '\\')
			buf[o++] = '\\';
		buf[o++] = (unsigned char)*s < 0x20 ? '?' : *s;
	}
	buf[o] = '\0';
	return buf;
}

static void state_obj(void *arg, const struct ike_sa_info *sa)
{
	struct js_ctx *c = arg;
	char name[2 * IKE_CONN_NAMELEN + 4], la[ADDR_STRLEN], ra[ADDR_STRLEN], spis[160];

	if (sa->kind == IKE_KIND_IKE)
		snprintf(spis, sizeof(spis), "\"spi_i\":\"%016llx\",\"spi_r\":\"%016llx\",\"prf\":\"%s\"",
			 (unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r,
			 nm(ikev2_prf_name, sa->prf));
	else
		snprintf(spis, sizeof(spis), "\"ike_serial\":%u,\"spi_in\":\"%08x\",\"spi_out\":\"%08x\",\"esn\":%s",
			 sa->ike_serial, sa->spi_in, sa->spi_out, sa->esn ? "true" : "false");
	rp_line(c->rp, CTL_CODE_RAW,
		"%s{\"serial\":%u,\"kind\":\"%s\",\"conn\":\"%s\",\"state\":\"%s\",\"established\":%s,"
		"\"initiator\":%s,\"local\":\"%s:%u\",\"remote\":\"%s:%u\",\"nat\":%s,%s,"
		"\"encr\":\"%s\",\"keylen\":%u,\"integ\":\"%s\",\"dh\":\"%s\"}",
		c->n ? "," : "", sa->serial, sa->kind == IKE_KIND_IKE ? "ike" : "child",
		jstr(sa->conn_name, name, sizeof(name)), sa->state_name ? sa->state_name : "?",
		sa->established ? "true" : "false", sa->initiator ? "true" : "false",
		addr_fmt(&sa->local.addr, la), sa->local.port, addr_fmt(&sa->remote.addr, ra), sa->remote.port,
		sa->nat ? "true" : "false", spis, nm(ikev2_encr_name, sa->encr), sa->encr_keybits,
		nm(ikev2_integ_name, sa->integ), nm(ikev2_dh_name, sa->dh));
	c->n++;
}

void status_json_states(struct pluto *p, struct reply *rp)
{
	struct js_ctx c = { .rp = rp };

	sa_foreach(p, state_obj, &c);
}

/* ---- the conn block's "algorithm newest" lines (Libreswan's layout) ---- */

struct newest_ctx {
	const struct dconn *dc;
	unsigned ike, child;
	struct ike_sa_info ike_sa, child_sa;
	bool have_ike, have_child;
};

static void find_newest(void *arg, const struct ike_sa_info *sa)
{
	struct newest_ctx *n = arg;

	if (connview_dconn(sa->conn) != n->dc)
		return;
	if (sa->kind == IKE_KIND_IKE && sa->serial == n->ike) {
		n->ike_sa = *sa;
		n->have_ike = true;
	} else if (sa->kind == IKE_KIND_CHILD && sa->serial == n->child) {
		n->child_sa = *sa;
		n->have_child = true;
	}
}

/*   "c":   IKEv2 algorithm newest: AES_GCM_16_256-HMAC_SHA2_512-MODP2048
 *   "c":   ESP algorithm newest: AES_GCM_16_256-NONE; pfsgroup=<Phase1> */
void status_alg_newest(struct pluto *p, struct reply *rp, const char *pre, const struct dconn *dc,
		       unsigned ike, unsigned child)
{
	struct newest_ctx n = { .dc = dc, .ike = ike, .child = child };
	struct alg_text t;

	if (!ike && !child)
		return;
	sa_foreach(p, find_newest, &n);
	if (n.have_ike) {
		const struct ike_sa_info *i = &n.ike_sa;
		const struct alg_suite suite = { i->encr, i->encr_keybits, i->integ, i->prf, i->dh };

		rp_line(rp, 0, "%s   IKEv2 algorithm newest: %s", pre, alg_ike_newest_text(&suite, &t));
	}
	if (n.have_child) {
		const struct ike_sa_info *c = &n.child_sa;

		rp_line(rp, 0, "%s   ESP algorithm newest: %s-%s; pfsgroup=%s", pre,
			alg_encr_text(c->encr, c->encr_keybits, false, &t), alg_fqn(IKEV2_TRANS_INTEG, c->integ),
			c->dh ? alg_fqn(IKEV2_TRANS_DH, c->dh) : "<Phase1>");
	}
}
