/* For the SA table's tests (src/daemon/satable.c): a fake dataplane that
 * records every call and enforces what the backends need: a policy without
 * template endpoints comes after its reqid's SA and goes before it (XFRM
 * takes the template, and finds the route to delete, through that SA), a
 * policy key is installed once, a deletion names what was installed, an SA
 * is added with its key.  STEP() asserts the calls since the last step, in
 * order, and the exact contents of the dataplane, as lists "a; b; c" where
 * reqids print as rN = CY_REQID_BASE + N.  Builders make the Child SAs and
 * traps the daemon would hand over.  Header-only: include it from one test
 * program. */
#ifndef CYGNET_SATABLE_TESTLIB_H
#define CYGNET_SATABLE_TESTLIB_H

#include "harness.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/satable.h"
#include "dataplane/xfrm_msg.h"
#include "lib/htab.h"
#include "lib/secret.h"

#define BASE CY_REQID_BASE
#define LIST_MAX 4096

enum { OP_ADD_SA = 1, OP_ADD_POL };

struct fsa {
	uint32_t spi, reqid;
	struct ip_addr dst;
	enum dp_dir dir;
	uint16_t sport, dport;
};

struct fake {
	struct dataplane dp;
	struct fsa sa[64];
	size_t nsa;
	struct dp_policy pol[64];
	size_t npol;
	char calls[LIST_MAX];
	int fail_op;                   /* fail the fail_n-th next call of this op */
	unsigned fail_n;
	char bad[200];                 /* the first rule the table broke */
};

static inline struct fake *F(struct dataplane *dp) { return container_of(dp, struct fake, dp); }

static inline void note(struct fake *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void note(struct fake *f, const char *fmt, ...)
{
	size_t n = strlen(f->calls);
	va_list ap;

	if (n)
		n += (size_t)snprintf(f->calls + n, sizeof(f->calls) - n, "; ");
	va_start(ap, fmt);
	vsnprintf(f->calls + n, sizeof(f->calls) - n, fmt, ap);
	va_end(ap);
}

static inline void broke(struct fake *f, const char *why)
{
	const char *last = strrchr(f->calls, ';');

	if (!f->bad[0])
		snprintf(f->bad, sizeof(f->bad), "%s: %.120s", why, last ? last + 2 : f->calls);
}

static inline bool failing(struct fake *f, int op)
{
	if (f->fail_op != op || --f->fail_n)
		return false;
	f->fail_op = 0;
	note(f, "FAIL");
	return true;
}

static inline const char *dirs(enum dp_dir d) { return d == DP_DIR_OUT ? "out" : "in"; }

static inline void fmt_pol(const struct dp_policy *p, bool tmpl, char *buf, size_t n)
{
	char s[SUBNET_STRLEN], d[SUBNET_STRLEN], m[32] = "";

	if (p->mark.mask)
		snprintf(m, sizeof(m), " m%x/%x", p->mark.value, p->mark.mask);
	static const char *const act[] = { "", " pass", " drop", " reject" };

	snprintf(buf, n, "pol %s %s>%s r%u%s%s%s", dirs(p->dir), subnet_fmt(&p->sel.src, s),
		 subnet_fmt(&p->sel.dst, d), p->reqid - BASE, m, act[p->action & 3], tmpl && p->tmpl_dst.af ? " t" : "");
}

static inline int find_sa(const struct fake *f, uint32_t spi, const struct ip_addr *dst)
{
	for (size_t i = 0; i < f->nsa; i++)
		if (f->sa[i].spi == spi && addr_eq(&f->sa[i].dst, dst))
			return (int)i;
	return -1;
}

static inline bool sa_of_reqid(const struct fake *f, uint32_t reqid, enum dp_dir dir)
{
	for (size_t i = 0; i < f->nsa; i++)
		if (f->sa[i].reqid == reqid && f->sa[i].dir == dir)
			return true;
	return false;
}

static inline int find_pol(const struct fake *f, const struct dp_policy *p, bool with_reqid)
{
	for (size_t i = 0; i < f->npol; i++) {
		const struct dp_policy *q = &f->pol[i];
		if (q->dir == p->dir && subnet_eq(&q->sel.src, &p->sel.src) && subnet_eq(&q->sel.dst, &p->sel.dst) &&
		    q->sel.proto == p->sel.proto && q->mark.value == p->mark.value && q->mark.mask == p->mark.mask &&
		    (!with_reqid || q->reqid == p->reqid))
			return (int)i;
	}
	return -1;
}

static inline int f_add_sa(struct dataplane *dp, const struct dp_sa *sa)
{
	struct fake *f = F(dp);

	note(f, "+sa %s 0x%x r%u", dirs(sa->dir), sa->spi, sa->reqid - BASE);
	if (failing(f, OP_ADD_SA))
		return -ENOBUFS;
	if (!sa->encr_key)
		broke(f, "add_sa without its key");
	if (find_sa(f, sa->spi, &sa->dst) >= 0 || f->nsa == 64) {
		broke(f, "add_sa: the SA exists");
		return -EEXIST;
	}
	f->sa[f->nsa++] = (struct fsa){ sa->spi, sa->reqid, sa->dst, sa->dir, sa->sport, sa->dport };
	return 0;
}

static inline int f_update_sa(struct dataplane *dp, const struct dp_sa *sa)
{
	struct fake *f = F(dp);
	int i = find_sa(f, sa->spi, &sa->dst);

	note(f, "=sa %s 0x%x r%u ports %u>%u", dirs(sa->dir), sa->spi, sa->reqid - BASE, sa->sport, sa->dport);
	if (i < 0)
		return -ENOENT;
	if (!sa->encr_key)
		broke(f, "update_sa without its key");
	if (f->sa[i].reqid != sa->reqid || f->sa[i].dir != sa->dir)
		broke(f, "update_sa changed the reqid or direction");
	f->sa[i].sport = sa->sport;
	f->sa[i].dport = sa->dport;
	return 0;
}

static inline int f_del_sa(struct dataplane *dp, uint32_t spi, const struct ip_addr *dst, uint8_t proto)
{
	struct fake *f = F(dp);
	int i = find_sa(f, spi, dst);

	note(f, "-sa 0x%x", spi);
	if (i < 0 || proto != DP_IPPROTO_ESP) {
		broke(f, "del_sa: no such SA");
		return -ENOENT;
	}
	f->sa[i] = f->sa[--f->nsa];
	return 0;
}

static inline int f_add_pol(struct dataplane *dp, const struct dp_policy *pol)
{
	struct fake *f = F(dp);
	char b[160];

	fmt_pol(pol, true, b, sizeof(b));
	note(f, "+%s", b);
	if (failing(f, OP_ADD_POL))
		return -ENOBUFS;
	if (find_pol(f, pol, false) >= 0 || f->npol == 64) {
		broke(f, "add_policy: the key is installed");
		return -EEXIST;
	}
	if (!pol->tmpl_dst.af && !sa_of_reqid(f, pol->reqid, pol->dir)) {
		broke(f, "add_policy before its SA");
		return -ENOENT;
	}
	f->pol[f->npol++] = *pol;
	return 0;
}

static inline int f_del_pol(struct dataplane *dp, const struct dp_policy *pol)
{
	struct fake *f = F(dp);
	int i = find_pol(f, pol, true);
	char b[160];

	fmt_pol(pol, true, b, sizeof(b));
	note(f, "-%s", b);
	if (i < 0) {
		broke(f, "del_policy: not installed so");
		return -ENOENT;
	}
	if (!pol->tmpl_dst.af && !sa_of_reqid(f, pol->reqid, pol->dir))
		broke(f, "del_policy after its SA, without template (XFRM loses the route)");
	f->pol[i] = f->pol[--f->npol];
	return 0;
}

static const struct dataplane_ops fake_ops = {
	.name = "fake", .add_sa = f_add_sa, .update_sa = f_update_sa, .del_sa = f_del_sa, .add_policy = f_add_pol, .del_policy = f_del_pol,
};

static inline struct satable *setup(struct fake *f, uint32_t nreqids)
{
	memset(f, 0, sizeof(*f));
	f->dp.ops = &fake_ops;
	return satable_new(&f->dp, BASE, nreqids);
}

/* ---- comparing lists "a; b; c" as sets ---------------------------------- */

static inline int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static inline void sorted(const char *in, char *out, size_t n)
{
	char buf[LIST_MAX], *items[128], *save = NULL;
	size_t k = 0, len = 0;

	snprintf(buf, sizeof(buf), "%s", in);
	for (char *s = strtok_r(buf, ";", &save); s && k < 128; s = strtok_r(NULL, ";", &save)) {
		while (*s == ' ')
			s++;
		if (*s)
			items[k++] = s;
	}
	qsort(items, k, sizeof(items[0]), cmp_str);
	out[0] = 0;
	for (size_t i = 0; i < k && len < n; i++)
		len += (size_t)snprintf(out + len, n - len, "%s%s", i ? "; " : "", items[i]);
}

/* The dataplane's contents, sorted; tmpl: mark trap versions with " t". */
static inline void state_of(const struct fake *f, bool tmpl, char *out, size_t n)
{
	char buf[LIST_MAX] = "", b[160];
	size_t len = 0;

	for (size_t i = 0; i < f->nsa; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "sa %s 0x%x r%u; ", dirs(f->sa[i].dir),
					f->sa[i].spi, f->sa[i].reqid - BASE);
	for (size_t i = 0; i < f->npol; i++) {
		fmt_pol(&f->pol[i], tmpl, b, sizeof(b));
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s; ", b);
	}
	sorted(buf, out, n);
}

static inline void check_step(const char *file, int line, struct fake *f, const char *calls, const char *state)
{
	char got[LIST_MAX], want[LIST_MAX];

	if (strcmp(f->calls, calls))
		t_fail(file, line, "calls\n    got  %s\n    want %s", f->calls, calls);
	if (f->bad[0])
		t_fail(file, line, "rule broken: %s\n    calls %s", f->bad, f->calls);
	f->calls[0] = f->bad[0] = 0;
	state_of(f, true, got, sizeof(got));
	sorted(state, want, sizeof(want));
	if (strcmp(got, want))
		t_fail(file, line, "dataplane\n    got  %s\n    want %s", got, want);
}

/* STEP(&fake, calls made since the last step, in order; dataplane contents) */
#define STEP(f, calls, state) check_step(__FILE__, __LINE__, f, calls, state)

/* ---- building what the daemon would hand over --------------------------- */

static const struct { size_t len; uint8_t data[16]; } key_bytes = { 16, { 1, 2, 3 } };
#define KEY ((const struct secret *)(const void *)&key_bytes)

static int conns[8];                   /* identities only */
#define A (&conns[0])
#define B (&conns[1])
#define C (&conns[2])
#define D (&conns[3])

static inline void mk_sa(struct dp_sa *sa, enum dp_dir dir, uint32_t spi)
{
	memset(sa, 0, sizeof(*sa));
	sa->dir = dir;
	sa->spi = spi;
	addr_parse(dir == DP_DIR_IN ? "192.0.2.1" : "192.0.2.2", &sa->dst);
	addr_parse(dir == DP_DIR_IN ? "192.0.2.2" : "192.0.2.1", &sa->src);
	sa->encr_key = KEY;
	sa->reqid = 0xdead;            /* the table sets it */
}

/* "L>R,L>R": outbound L>R and inbound R>L per pair; trap: template set. */
static inline size_t mk_pols(const char *pairs, struct dp_policy *out, struct dp_policy *in, bool trap)
{
	char buf[512], *save = NULL;
	size_t n = 0;

	snprintf(buf, sizeof(buf), "%s", pairs);
	for (char *p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save), n++) {
		char *gt = strchr(p, '>');
		*gt = 0;
		memset(&out[n], 0, sizeof(out[n]));
		out[n].dir = DP_DIR_OUT;
		subnet_parse(p, &out[n].sel.src, NULL);
		subnet_parse(gt + 1, &out[n].sel.dst, NULL);
		out[n].reqid = 0xdead;
		if (trap) {
			addr_parse("192.0.2.1", &out[n].tmpl_src);
			addr_parse("192.0.2.2", &out[n].tmpl_dst);
		}
		if (in) {
			in[n] = out[n];
			in[n].dir = DP_DIR_IN;
			in[n].sel.src = out[n].sel.dst;
			in[n].sel.dst = out[n].sel.src;
		}
	}
	return n;
}

/* Child #serial of conn: SPIs 0x1000 + serial in, 0x2000 + serial out. */
static inline struct satable_child mk_child(unsigned serial, const void *conn, const char *pairs)
{
	struct satable_child c;

	memset(&c, 0, sizeof(c));
	c.serial = serial;
	c.ike_serial = 1;
	c.conn = conn;
	mk_sa(&c.in, DP_DIR_IN, 0x1000 + serial);
	mk_sa(&c.out, DP_DIR_OUT, 0x2000 + serial);
	c.npol = mk_pols(pairs, c.pol_out, c.pol_in, false);
	return c;
}

static inline int add(struct satable *t, unsigned serial, const void *conn, const char *pairs, unsigned replaces)
{
	struct satable_child c = mk_child(serial, conn, pairs);
	c.replaces = replaces;
	return satable_child_add(t, &c);
}

static inline int route(struct satable *t, const void *conn, const char *pairs, uint32_t *reqid)
{
	struct dp_policy pol[SATABLE_MAX_POL];
	size_t n = mk_pols(pairs, pol, NULL, true);
	return satable_trap_add(t, conn, pol, n, reqid);
}

static inline uint32_t reqid_of(const struct satable *t, unsigned serial)
{
	const struct satable_child_info *ci = satable_child_get(t, serial);
	return ci ? ci->reqid - BASE : 0xffffffffu;
}

#define S12 "10.1.0.0/16>10.2.0.0/16"
#define AO "pol out 10.1.0.0/16>10.2.0.0/16"
#define AI "pol in 10.2.0.0/16>10.1.0.0/16"
#define S13 "10.1.0.0/16>10.3.0.0/16"
#define A3O "pol out 10.1.0.0/16>10.3.0.0/16"
#define A3I "pol in 10.3.0.0/16>10.1.0.0/16"
#define UP1 "+sa in 0x1001 r0; +sa out 0x2001 r0; +" AO " r0; +" AI " r0"
#define SA1 "sa in 0x1001 r0; sa out 0x2001 r0; "

#endif
