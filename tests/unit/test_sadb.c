/* The SA database: outbound selector lookup against a naive linear scan
 * (random tables, differential), SPI lookup, rekey (newest outbound SA of
 * a reqid wins, the old inbound SA keeps working until deleted), and the
 * tuple decoder. */
#include <stdlib.h>
#include <errno.h>
#include <string.h>

#include "dataplane/sadb.h"
#include "harness.h"
#include "alg/iana.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return (uint32_t)rng; }

/* Addresses from a small pool so that prefixes overlap often. */
static void rand_addr(int af, struct ip_addr *a)
{
	uint8_t b[16] = { 0 };
	if (af == AF_INET) {
		b[0] = 10; b[1] = (uint8_t)(rnd() % 3); b[2] = (uint8_t)(rnd() % 4); b[3] = (uint8_t)(rnd() % 8);
	} else {
		b[0] = 0x20; b[1] = 0x01; b[2] = 0x0d; b[3] = 0xb8;
		b[5] = (uint8_t)(rnd() % 3); b[14] = (uint8_t)(rnd() % 4); b[15] = (uint8_t)(rnd() % 8);
	}
	addr_from_bytes(af, b, a);
}

static void rand_subnet(int af, struct ip_subnet *s)
{
	static const uint8_t p4[] = { 0, 8, 16, 22, 24, 29, 30, 32 }, p6[] = { 0, 32, 48, 64, 120, 124, 127, 128 };
	struct ip_addr a;
	rand_addr(af, &a);
	uint8_t plen = af == AF_INET ? p4[rnd() % 8] : p6[rnd() % 8];
	/* clear host bits */
	for (unsigned i = 0; i < addr_len(&a) * 8; i++)
		if (i >= plen)
			a.a[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
	s->addr = a;
	s->plen = plen;
}

/* The reference: scan everything, keep the best by the documented order. */
struct ref { struct dp_selector sel; int id; bool live; };

static bool ref_better(const struct ref *a, const struct ref *b)
{
	if (a->sel.dst.plen != b->sel.dst.plen) return a->sel.dst.plen > b->sel.dst.plen;
	if (a->sel.src.plen != b->sel.src.plen) return a->sel.src.plen > b->sel.src.plen;
	if ((a->sel.proto != 0) != (b->sel.proto != 0)) return a->sel.proto != 0;
	if ((a->sel.sport != 0) != (b->sel.sport != 0)) return a->sel.sport != 0;
	if ((a->sel.dport != 0) != (b->sel.dport != 0)) return a->sel.dport != 0;
	return a->id < b->id;
}

static bool ref_match(const struct dp_selector *s, const struct dp_tuple *t)
{
	return subnet_contains(&s->src, &t->src) && subnet_contains(&s->dst, &t->dst) &&
	       (!s->proto || s->proto == t->proto) && (!s->sport || s->sport == t->sport) &&
	       (!s->dport || s->dport == t->dport);
}

static void test_selector_differential(void)
{
	enum { N = 300, LOOKUPS = 4000 };
	static struct ref refs[N];

	for (int round = 0; round < 6; round++) {
		int af = round % 2 ? AF_INET6 : AF_INET, n = 10 + round * 50;
		struct sel_table t;
		int mismatches = 0;

		sel_table_init(&t);
		for (int i = 0; i < n; i++) {
			memset(&refs[i], 0, sizeof(refs[i]));
			rand_subnet(af, &refs[i].sel.src);
			rand_subnet(af, &refs[i].sel.dst);
			refs[i].sel.proto = rnd() % 3 == 0 ? (uint8_t)(rnd() % 2 ? 6 : 17) : 0;
			refs[i].sel.sport = rnd() % 5 == 0 ? (uint16_t)(1000 + rnd() % 3) : 0;
			refs[i].sel.dport = rnd() % 5 == 0 ? (uint16_t)(80 + rnd() % 3) : 0;
			refs[i].id = i;
			refs[i].live = true;
			CHECK(sel_table_add(&t, &refs[i].sel, &refs[i]) != NULL);
		}
		/* delete a few, then compare lookups */
		for (int i = 0; i < n / 5; i++) {
			int k = (int)(rnd() % (unsigned)n);
			if (refs[k].live) {
				CHECK(sel_table_del(&t, &refs[k].sel, &refs[k]));
				refs[k].live = false;
			}
		}
		for (int q = 0; q < LOOKUPS; q++) {
			struct dp_tuple tp = { 0 };
			const struct ref *best = NULL;
			struct sel_entry *got;

			rand_addr(af, &tp.src);
			rand_addr(af, &tp.dst);
			tp.proto = (uint8_t)(rnd() % 2 ? 6 : 17);
			tp.sport = (uint16_t)(1000 + rnd() % 3);
			tp.dport = (uint16_t)(80 + rnd() % 3);
			for (int i = 0; i < n; i++)
				if (refs[i].live && ref_match(&refs[i].sel, &tp) && (!best || ref_better(&refs[i], best)))
					best = &refs[i];
			got = sel_table_lookup(&t, &tp);
			if ((got ? got->val : NULL) != (const void *)best && mismatches++ < 5)
				t_fail(__FILE__, __LINE__, "round %d lookup %d: got id %d, want id %d", round, q,
				       got ? ((struct ref *)got->val)->id : -1, best ? best->id : -1);
		}
		sel_table_free(&t);
	}
}

static struct secret *key20(void)
{
	uint8_t k[20];
	memset(k, 0x42, sizeof(k));
	return secret_dup(k, sizeof(k));
}

static void fill_sa(struct dp_sa *sa, uint32_t spi, enum dp_dir dir, uint32_t reqid, struct secret *k)
{
	bool hb;
	memset(sa, 0, sizeof(*sa));
	sa->spi = spi;
	sa->dir = dir;
	addr_parse(dir == DP_DIR_OUT ? "192.0.2.1" : "192.0.2.2", &sa->src);
	addr_parse(dir == DP_DIR_OUT ? "192.0.2.2" : "192.0.2.1", &sa->dst);
	subnet_parse("198.51.100.0/24", &sa->sel.src, &hb);
	subnet_parse("203.0.113.0/24", &sa->sel.dst, &hb);
	sa->encr = IKEV2_ENCR_AES_GCM_16;
	sa->encr_keybits = 128;
	sa->encr_key = k;
	sa->reqid = reqid;
	sa->replay_window = 128;
}

static void test_sa_table_and_rekey(void)
{
	struct sadb db;
	struct secret *k = key20();
	struct dp_sa sa;
	struct dp_policy pol = { 0 };
	struct dp_tuple tp = { 0 };
	struct ip_addr dst;
	bool hb;

	sadb_init(&db);
	fill_sa(&sa, 0x1000, DP_DIR_OUT, 7, k);
	CHECK_INT(sadb_add_sa(&db, &sa, 0, 0), 0);
	CHECK_INT(sadb_add_sa(&db, &sa, 0, 0), -EEXIST);
	fill_sa(&sa, 0x2000, DP_DIR_IN, 7, k);
	CHECK_INT(sadb_add_sa(&db, &sa, 0, 0), 0);
	fill_sa(&sa, 0x10, DP_DIR_IN, 7, k);           /* SPIs 1..255 are reserved */
	CHECK_INT(sadb_add_sa(&db, &sa, 0, 0), -EINVAL);
	fill_sa(&sa, 0x3000, DP_DIR_IN, 7, k);
	sa.encr_keybits = 100;
	CHECK_INT(sadb_add_sa(&db, &sa, 0, 0), -EINVAL);
	CHECK(sadb_find_in(&db, 0x2000) != NULL);
	CHECK(sadb_find_in(&db, 0x1000) == NULL);      /* outbound SAs are not found inbound */

	pol.dir = DP_DIR_OUT;
	subnet_parse("198.51.100.0/24", &pol.sel.src, &hb);
	subnet_parse("203.0.113.0/24", &pol.sel.dst, &hb);
	pol.reqid = 7;
	CHECK_INT(sadb_add_policy(&db, &pol), 0);
	CHECK_INT(sadb_add_policy(&db, &pol), -EEXIST);
	addr_parse("198.51.100.5", &tp.src);
	addr_parse("203.0.113.9", &tp.dst);
	tp.proto = 1;
	CHECK(sadb_lookup_out(&db, &tp) && sadb_lookup_out(&db, &tp)->cfg.spi == 0x1000);
	/* rekey: the new outbound SA takes over, the old inbound one stays */
	fill_sa(&sa, 0x1001, DP_DIR_OUT, 7, k);
	CHECK_INT(sadb_add_sa(&db, &sa, 0, 0), 0);
	fill_sa(&sa, 0x2001, DP_DIR_IN, 7, k);
	CHECK_INT(sadb_add_sa(&db, &sa, 0, 0), 0);
	CHECK(sadb_lookup_out(&db, &tp)->cfg.spi == 0x1001);
	CHECK(sadb_find_in(&db, 0x2000) && sadb_find_in(&db, 0x2001));
	addr_parse("192.0.2.2", &dst);
	CHECK_INT(sadb_del_sa(&db, 0x1001, &dst), 0);
	CHECK(sadb_lookup_out(&db, &tp)->cfg.spi == 0x1000);   /* back to the older one */
	CHECK_INT(sadb_del_sa(&db, 0x1000, &dst), 0);
	CHECK(sadb_lookup_out(&db, &tp) == NULL);
	addr_parse("203.0.114.1", &tp.dst);
	CHECK(sadb_lookup_out(&db, &tp) == NULL);
	CHECK_INT(sadb_del_policy(&db, &pol), 0);
	CHECK_INT(sadb_del_policy(&db, &pol), -ENOENT);
	sadb_free(&db);
	secret_free(k);
}

static int soft_events, hard_events;
static bool on_exp(void *arg, struct sa_entry *sa, bool hard)
{
	(void)arg; (void)sa;
	if (hard) hard_events++; else soft_events++;
	return true;
}

static void test_lifetimes(void)
{
	struct sadb db;
	struct secret *k = key20();
	struct dp_sa sa;
	struct sa_entry *e;

	sadb_init(&db);
	db.expire = on_exp;
	fill_sa(&sa, 0x4000, DP_DIR_IN, 1, k);
	sa.soft.bytes = 1000;
	sa.hard.bytes = 2000;
	sa.soft.seconds = 10;
	sa.hard.seconds = 20;
	CHECK_INT(sadb_add_sa(&db, &sa, 100, 0), 0);
	e = sadb_find_in(&db, 0x4000);
	sadb_account(&db, e, 999, 1);
	CHECK_INT(soft_events, 0);
	sadb_account(&db, e, 1, 1);
	CHECK_INT(soft_events, 1);
	sadb_account(&db, e, 10, 1);
	CHECK_INT(soft_events, 1);                       /* once only */
	sadb_account(&db, e, 990, 1);
	CHECK_INT(hard_events, 1);
	sadb_free(&db);

	soft_events = hard_events = 0;
	sadb_init(&db);
	db.expire = on_exp;
	CHECK_INT(sadb_add_sa(&db, &sa, 100, 0), 0);
	sadb_tick(&db, 109);
	CHECK_INT(soft_events, 0);
	sadb_tick(&db, 110);
	CHECK_INT(soft_events, 1);
	sadb_tick(&db, 120);
	CHECK_INT(hard_events, 1);
	sadb_tick(&db, 121);
	CHECK_INT(hard_events, 1);
	sadb_free(&db);
	secret_free(k);
}

static void test_tuple(void)
{
	static const struct {
		const char *label, *hex;
		bool ok;
		uint8_t proto;
		uint16_t sport, dport;
	} rows[] = {
		{ "ipv4 udp", "4500001c0000000040110000c0000201c00002020400005000080000", true, 17, 1024, 80 },
		{ "ipv4 tcp truncated ports", "4500001600000000400600000a0000010a0000020400", true, 6, 0, 0 },
		{ "ipv4 later fragment", "4500001c0000000a40110000c0000201c00002020400005000080000", true, 17, 0, 0 },
		{ "ipv4 total length > buffer", "450000ff0000000040110000c0000201c0000202", false, 0, 0, 0 },
		{ "ipv4 ihl < 5", "440000140000000040110000c0000201c0000202", false, 0, 0, 0 },
		{ "ipv6 udp", "6000000000081140" "20010db8000000000000000000000001" "20010db8000000000000000000000002"
			      "1234005000080000", true, 17, 0x1234, 80 },
		{ "ipv6 hop-by-hop then tcp", "60000000000c0040" "20010db8000000000000000000000001"
			"20010db8000000000000000000000002" "0600000000000000" "11110016", true, 6, 0x1111, 22 },
		{ "ipv6 short", "60000000", false, 0, 0, 0 },
		{ "version 5", "50000000", false, 0, 0, 0 },
		{ "empty", "", false, 0, 0, 0 },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint8_t p[128];
		size_t n = t_unhex(rows[i].hex, p, sizeof(p));
		struct dp_tuple t;
		bool ok = dp_tuple_parse(p, n, &t);
		if (ok != rows[i].ok)
			t_fail(__FILE__, __LINE__, "%s: parse %d", rows[i].label, ok);
		else if (ok && (t.proto != rows[i].proto || t.sport != rows[i].sport || t.dport != rows[i].dport))
			t_fail(__FILE__, __LINE__, "%s: proto %u ports %u/%u", rows[i].label, t.proto, t.sport, t.dport);
	}
}

/* A fixed reqid= shared by a right=%any conn's peers: each policy uses
 * the outbound SA of its own peer (its template destination and
 * selectors), not the newest SA of the reqid (as XFRM's state lookup). */
static void out_pol(struct dp_policy *p, const char *dst, uint32_t reqid)
{
	bool hb;

	memset(p, 0, sizeof(*p));
	p->dir = DP_DIR_OUT;
	subnet_parse("203.0.113.0/24", &p->sel.src, &hb);
	subnet_parse(dst, &p->sel.dst, &hb);
	p->reqid = reqid;
}

static void peer_sa(struct dp_sa *sa, uint32_t spi, const char *peer, uint32_t reqid, struct secret *k)
{
	bool hb;

	fill_sa(sa, spi, DP_DIR_OUT, reqid, k);
	addr_parse(peer, &sa->dst);
	subnet_parse("203.0.113.0/24", &sa->sel.src, &hb);
	subnet_parse(peer, &sa->sel.dst, &hb);
	sa->sel.dst.plen = 32;
}

static void test_shared_reqid_peers(void)
{
	struct sadb db;
	struct secret *k = key20();
	struct dp_sa sa;
	struct dp_policy pa, pb;
	struct dp_tuple tp = { 0 };
	struct sa_entry *e;

	sadb_init(&db);
	out_pol(&pa, "192.0.2.2/32", 100);
	out_pol(&pb, "192.0.2.18/32", 100);
	CHECK_INT(sadb_add_policy(&db, &pa), 0);
	peer_sa(&sa, 0x1111, "192.0.2.2", 100, k);
	CHECK_INT(sadb_add_sa(&db, &sa, 0, 0), 0);
	CHECK_INT(sadb_add_policy(&db, &pb), 0);
	peer_sa(&sa, 0x2222, "192.0.2.18", 100, k);
	CHECK_INT(sadb_add_sa(&db, &sa, 0, 0), 0);    /* newest of reqid 100 */
	addr_parse("203.0.113.1", &tp.src);
	addr_parse("192.0.2.2", &tp.dst);
	tp.proto = 1;
	e = sadb_lookup_out(&db, &tp);
	CHECK_INT(e ? e->cfg.spi : 0, 0x1111);
	addr_parse("192.0.2.18", &tp.dst);
	e = sadb_lookup_out(&db, &tp);
	CHECK_INT(e ? e->cfg.spi : 0, 0x2222);
	sadb_free(&db);
	secret_free(k);
}

/* The inbound check after decryption (sadb_inbound_ok), as the kernel's
 * policy check: an SA with two tcp/80 pairs passes packets of either pair
 * only, not one between them that its own covering selector would hold;
 * a packet whose best inbound policy is another SA's is refused; an SA
 * whose reqid has no inbound policy has only its own selector; the drop
 * is counted and reported once a second. */
static int reports;
static void on_report(void *arg, const struct sa_entry *sa, enum dp_drop why, const struct dp_tuple *tp)
{
	(void)arg;
	(void)sa;
	(void)tp;
	if (why == DP_DROP_SELECTOR)
		reports++;
}

static struct dp_tuple tup(const char *src, uint16_t sport, const char *dst, uint16_t dport, uint8_t proto)
{
	struct dp_tuple t;

	memset(&t, 0, sizeof(t));
	addr_parse(src, &t.src);
	addr_parse(dst, &t.dst);
	t.sport = sport;
	t.dport = dport;
	t.proto = proto;
	return t;
}

static void test_inbound_policies(void)
{
	struct sadb db;
	struct secret *k = key20();
	struct dp_sa sa;
	struct dp_policy pol;
	struct sa_entry *in, *other;
	struct dp_tuple t;
	bool hb;
	static const char *const remote[] = { "203.0.113.0/25", "203.0.113.128/25" };

	sadb_init(&db);
	db.report = on_report;
	fill_sa(&sa, 0x1001, DP_DIR_IN, 7, k);
	subnet_parse("203.0.113.0/24", &sa.sel.src, &hb);      /* the cover of both pairs */
	subnet_parse("198.51.100.0/24", &sa.sel.dst, &hb);
	sa.sel.proto = 6;
	sa.sel.sport = 80;
	CHECK_INT(sadb_add_sa(&db, &sa, 0, 0), 0);
	in = sadb_find_in(&db, 0x1001);
	/* no inbound policy of reqid 7 yet: the SA's own selector only */
	t = tup("203.0.113.200", 80, "198.51.100.5", 40000, 6);
	CHECK(sadb_inbound_ok(&db, in, &t));
	t = tup("203.0.113.200", 22, "198.51.100.5", 40000, 6);
	CHECK(!sadb_inbound_ok(&db, in, &t));
	for (int i = 0; i < 2; i++) {
		memset(&pol, 0, sizeof(pol));
		pol.dir = DP_DIR_IN;
		pol.reqid = 7;
		subnet_parse(remote[i], &pol.sel.src, &hb);
		subnet_parse(i ? "198.51.100.0/25" : "198.51.100.128/25", &pol.sel.dst, &hb);
		pol.sel.proto = 6;
		pol.sel.sport = 80;
		CHECK_INT(sadb_add_policy(&db, &pol), 0);
	}
	/* pair 0: 203.0.113.0/25 -> 198.51.100.128/25; pair 1: .128/25 -> .0/25 */
	t = tup("203.0.113.5", 80, "198.51.100.200", 40000, 6);
	CHECK(sadb_inbound_ok(&db, in, &t));
	t = tup("203.0.113.200", 80, "198.51.100.5", 40000, 6);
	CHECK(sadb_inbound_ok(&db, in, &t));
	t = tup("203.0.113.5", 80, "198.51.100.5", 40000, 6);      /* inside the cover, in no pair */
	CHECK(!sadb_inbound_ok(&db, in, &t));
	t = tup("203.0.113.5", 81, "198.51.100.200", 40000, 6);    /* the wrong port */
	CHECK(!sadb_inbound_ok(&db, in, &t));
	t = tup("203.0.113.5", 80, "198.51.100.200", 40000, 17);   /* the wrong protocol */
	CHECK(!sadb_inbound_ok(&db, in, &t));
	/* a more specific policy of another SA takes its packets away */
	fill_sa(&sa, 0x1002, DP_DIR_IN, 8, k);
	sa.sel.src = sa.sel.dst;
	subnet_parse("203.0.113.0/24", &sa.sel.src, &hb);
	subnet_parse("198.51.100.0/24", &sa.sel.dst, &hb);
	CHECK_INT(sadb_add_sa(&db, &sa, 0, 0), 0);
	other = sadb_find_in(&db, 0x1002);
	memset(&pol, 0, sizeof(pol));
	pol.dir = DP_DIR_IN;
	pol.reqid = 8;
	subnet_parse("203.0.113.5/32", &pol.sel.src, &hb);
	subnet_parse("198.51.100.200/32", &pol.sel.dst, &hb);
	CHECK_INT(sadb_add_policy(&db, &pol), 0);
	t = tup("203.0.113.5", 80, "198.51.100.200", 40000, 6);
	CHECK(!sadb_inbound_ok(&db, in, &t));
	CHECK(sadb_inbound_ok(&db, other, &t));
	CHECK_INT(sadb_del_policy(&db, &pol), 0);
	CHECK(sadb_inbound_ok(&db, in, &t));
	/* counted every time, reported at most once a second */
	sadb_drop_report(&db, in, DP_DROP_SELECTOR, &t, 5000);
	sadb_drop_report(&db, in, DP_DROP_SELECTOR, &t, 5500);
	sadb_drop_report(&db, in, DP_DROP_SELECTOR, &t, 6000);
	CHECK_INT(in->ctr.drops[DP_DROP_SELECTOR], 3);
	CHECK_INT(db.drops[DP_DROP_SELECTOR], 3);
	CHECK_INT(reports, 2);
	sadb_free(&db);
	secret_free(k);
}

/* A fixed reqid= shared by two Child SAs of one conn with other selector
 * pairs: A holds 203.0.113.0/26 and .128/26, B .64/26 (remote side).
 * Inbound, a packet from B's subnet decrypted with A is refused though
 * A's cover (.0/24) and the best inbound policy (B's, same reqid) hold
 * it; outbound, B's policy goes to B even when A is newer. */
static void sel_pair(struct dp_selector *s, const char *src, const char *dst)
{
	bool hb;

	memset(s, 0, sizeof(*s));
	subnet_parse(src, &s->src, &hb);
	subnet_parse(dst, &s->dst, &hb);
}

static void test_fixed_reqid_pairs(void)
{
	struct sadb db;
	struct secret *k = key20();
	struct dp_sa sa;
	struct dp_selector pa[2], pb[1], oa[2];
	struct dp_policy pol;
	struct dp_tuple t;
	struct sa_entry *a, *b, *e;
	static const char *const rem[] = { "203.0.113.0/26", "203.0.113.128/26", "203.0.113.64/26" };

	sadb_init(&db);
	for (int i = 0; i < 3; i++) {            /* inbound policies of both, reqid 9 */
		memset(&pol, 0, sizeof(pol));
		pol.dir = DP_DIR_IN;
		pol.reqid = 9;
		sel_pair(&pol.sel, rem[i], "198.51.100.0/24");
		CHECK_INT(sadb_add_policy(&db, &pol), 0);
	}
	sel_pair(&pa[0], rem[0], "198.51.100.0/24");
	sel_pair(&pa[1], rem[1], "198.51.100.0/24");
	sel_pair(&pb[0], rem[2], "198.51.100.0/24");
	fill_sa(&sa, 0x3001, DP_DIR_IN, 9, k);
	sel_pair(&sa.sel, "203.0.113.0/24", "198.51.100.0/24");   /* A's cover */
	sa.pairs = pa;
	sa.npairs = 2;
	CHECK_INT(sadb_add_sa(&db, &sa, 0, 0), 0);
	fill_sa(&sa, 0x3002, DP_DIR_IN, 9, k);
	sel_pair(&sa.sel, rem[2], "198.51.100.0/24");
	sa.pairs = pb;
	sa.npairs = 1;
	CHECK_INT(sadb_add_sa(&db, &sa, 0, 0), 0);
	a = sadb_find_in(&db, 0x3001);
	b = sadb_find_in(&db, 0x3002);
	CHECK(a && b && a->npairs == 2 && !a->cfg.pairs);
	/* B's one pair is its selector: not copied, still checked as a pair */
	CHECK(a && b && !a->pair_is_sel && b->pair_is_sel && b->npairs == 0);
	t = tup("203.0.113.70", 0, "198.51.100.5", 0, 1);
	CHECK(!sadb_inbound_ok(&db, a, &t));
	CHECK(sadb_inbound_ok(&db, b, &t));
	t = tup("203.0.113.10", 0, "198.51.100.5", 0, 1);
	CHECK(sadb_inbound_ok(&db, a, &t));
	CHECK(!sadb_inbound_ok(&db, b, &t));
	/* outbound: B first, then A (newest); B's policy stays with B */
	for (int i = 0; i < 2; i++)
		sel_pair(&oa[i], "198.51.100.0/24", rem[i]);
	fill_sa(&sa, 0x4002, DP_DIR_OUT, 9, k);
	sel_pair(&sa.sel, "198.51.100.0/24", rem[2]);
	sel_pair(&pb[0], "198.51.100.0/24", rem[2]);
	sa.pairs = pb;
	sa.npairs = 1;
	CHECK_INT(sadb_add_sa(&db, &sa, 0, 0), 0);
	fill_sa(&sa, 0x4001, DP_DIR_OUT, 9, k);
	sel_pair(&sa.sel, "198.51.100.0/24", "203.0.113.0/24");
	sa.pairs = oa;
	sa.npairs = 2;
	CHECK_INT(sadb_add_sa(&db, &sa, 0, 0), 0);
	for (int i = 0; i < 3; i++) {
		memset(&pol, 0, sizeof(pol));
		pol.dir = DP_DIR_OUT;
		pol.reqid = 9;
		sel_pair(&pol.sel, "198.51.100.0/24", rem[i]);
		CHECK_INT(sadb_add_policy(&db, &pol), 0);
	}
	t = tup("198.51.100.5", 0, "203.0.113.70", 0, 1);
	e = sadb_lookup_out(&db, &t);
	CHECK_INT(e ? e->cfg.spi : 0, 0x4002);
	t = tup("198.51.100.5", 0, "203.0.113.130", 0, 1);
	e = sadb_lookup_out(&db, &t);
	CHECK_INT(e ? e->cfg.spi : 0, 0x4001);
	sa.npairs = DP_SA_MAX_PAIRS + 1;          /* too many pairs: refused */
	sa.spi = 0x4003;
	CHECK_INT(sadb_add_sa(&db, &sa, 0, 0), -EINVAL);
	sadb_free(&db);
	secret_free(k);
}

/* An SA whose pairs mix IPv4 and IPv6 has no covering selector (sa_sel_cover
 * gives none): its pairs alone must decide which policies it carries.
 * A (older) holds 198.51.100.0/24 -> 203.0.113.0/26; B (newer, same reqid)
 * 198.51.100.0/24 -> 203.0.113.64/26 and 2001:db8:1::/64 -> 2001:db8:2::/64:
 * A's policy stays with A, B's go to B. */
static void test_mixed_family_pairs(void)
{
	struct sadb db;
	struct secret *k = key20();
	struct dp_sa sa;
	struct dp_selector pa[1], pb[2];
	struct dp_policy pol;
	struct dp_tuple t;
	struct sa_entry *e;

	sadb_init(&db);
	sel_pair(&pa[0], "198.51.100.0/24", "203.0.113.0/26");
	sel_pair(&pb[0], "198.51.100.0/24", "203.0.113.64/26");
	sel_pair(&pb[1], "2001:db8:1::/64", "2001:db8:2::/64");
	fill_sa(&sa, 0x5001, DP_DIR_OUT, 11, k);
	sa.sel = pa[0];
	sa.pairs = pa;
	sa.npairs = 1;
	CHECK_INT(sadb_add_sa(&db, &sa, 0, 0), 0);
	fill_sa(&sa, 0x5002, DP_DIR_OUT, 11, k);
	memset(&sa.sel, 0, sizeof(sa.sel));          /* no cover across families */
	sa.pairs = pb;
	sa.npairs = 2;
	CHECK_INT(sadb_add_sa(&db, &sa, 0, 0), 0);
	memset(&pol, 0, sizeof(pol));
	pol.dir = DP_DIR_OUT;
	pol.reqid = 11;
	pol.sel = pa[0];
	CHECK_INT(sadb_add_policy(&db, &pol), 0);
	for (int i = 0; i < 2; i++) {
		pol.sel = pb[i];
		CHECK_INT(sadb_add_policy(&db, &pol), 0);
	}
	t = tup("198.51.100.5", 0, "203.0.113.10", 0, 1);
	e = sadb_lookup_out(&db, &t);
	CHECK_INT(e ? e->cfg.spi : 0, 0x5001);
	t = tup("198.51.100.5", 0, "203.0.113.70", 0, 1);
	e = sadb_lookup_out(&db, &t);
	CHECK_INT(e ? e->cfg.spi : 0, 0x5002);
	t = tup("2001:db8:1::5", 0, "2001:db8:2::5", 0, 58);
	e = sadb_lookup_out(&db, &t);
	CHECK_INT(e ? e->cfg.spi : 0, 0x5002);
	sadb_free(&db);
	secret_free(k);
}

int main(void)
{
	RUN(test_selector_differential);
	RUN(test_sa_table_and_rekey);
	RUN(test_lifetimes);
	RUN(test_tuple);
	RUN(test_shared_reqid_peers);
	RUN(test_inbound_policies);
	RUN(test_fixed_reqid_pairs);
	RUN(test_mixed_family_pairs);
	return t_done();
}
