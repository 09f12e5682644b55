/* ike_inject: a hostile IKEv2 peer for tests/integration/ike_malformed_daemon.sh.
 *
 *   ike_inject --local ADDR --remote ADDR --id ID --remote-id ID --psk PSK
 *              [--ike PROPOSALS] [--esp PROPOSALS]
 *
 * Binds ADDR:500 (SO_REUSEADDR, next to a wildcard-bound pluto) and reads
 * one case name per line from stdin; for each it sends malformed messages
 * to REMOTE:500 (or :4500 with the non-ESP marker) and prints
 *   DONE <case> <what came back>
 * The unauthenticated cases are raw datagrams; the others run a real IKE
 * engine (libcygnet) as initiator so the malformed payloads can be inside a
 * correctly encrypted SK payload: "halfopen" stops after IKE_SA_INIT (the
 * IKE_AUTH request is held back), "auth" releases it and completes IKE_AUTH
 * with the PSK, so later cases come from an authenticated peer.
 * Case names: trunc, missing, nodh, badke, plaints, halfopen, amplify,
 * resend, infobeforeauth, auth, badts, badrekey, fragabuse, live.  "live" runs a liveness exchange on
 * the engine's IKE SA and reports whether it was answered. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "config/proposals.h"
#include "crypto/crypto.h"
#include "ike/ike.h"
#include "ike/sa.h"
#include "lib/buf.h"
#include "lib/log.h"

static int fd = -1;
static struct ike_endpoint me, peer;
static struct ike_conn conn;
static char psk[256];
static struct ike_engine *eng;
static bool hold_auth;                 /* keep the IKE_AUTH request back */
static uint8_t held[IKE_MAX_PKTS][IKE_MSG_BUF];
static size_t held_len[IKE_MAX_PKTS];
static unsigned n_held;
static bool op_done;
static int op_status;
static unsigned answers;               /* datagrams received in the current case */
static char last_notify[64];

static uint64_t now_ms(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void send_raw(const uint8_t *p, size_t len, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t sl = addr_to_sockaddr(&peer.addr, port, &ss);
	uint8_t buf[IKE_MSG_BUF + 4];

	if (port == 4500) {   /* the non-ESP marker */
		if (len > IKE_MSG_BUF)
			return;
		memset(buf, 0, 4);
		memcpy(buf + 4, p, len);
		p = buf;
		len += 4;
	}
	if (sendto(fd, p, len, 0, (struct sockaddr *)&ss, sl) < 0)
		fprintf(stderr, "sendto: %s\n", strerror(errno));
}

static void op_send(void *ctx, const uint8_t *pkt, size_t len, const struct ike_endpoint *l,
		    const struct ike_endpoint *r)
{
	(void)ctx;
	(void)l;
	if (hold_auth && len >= 28 && pkt[18] == IKEV2_EXCH_IKE_AUTH && len <= IKE_MSG_BUF &&
	    n_held < IKE_MAX_PKTS) {
		memcpy(held[n_held], pkt, len);
		held_len[n_held++] = len;
		return;
	}
	send_raw(pkt, len, r->port);
}

static struct secret *op_psk(void *ctx, const struct cy_id *l, const struct cy_id *r)
{
	(void)ctx;
	(void)l;
	(void)r;
	return secret_dup(psk, strlen(psk));
}

static struct ike_conn *op_find(void *ctx, const struct ike_endpoint *l, const struct ike_endpoint *r,
				      const struct cy_id *id, const struct alg_suite *ike)
{
	(void)ctx;
	(void)l;
	(void)r;
	(void)id;
	(void)ike;
	return NULL;   /* never a responder */
}

static const struct ike_ops ops = { .now = now_ms, .send = op_send, .get_psk = op_psk,
				    .find_conn_for_responder = op_find };

static void sink_line(void *arg, int code, const char *text)
{
	(void)arg;
	fprintf(stderr, "engine: %03d %s\n", code, text);
}

static void sink_done(void *arg, int status, const char *reason)
{
	(void)arg;
	op_done = true;
	op_status = status;
	fprintf(stderr, "engine: done %d %s\n", status, reason ? reason : "");
}

/* Receive for up to ms milliseconds (or until cond() holds), feeding the
 * engine and recording plain notifies of answers to raw messages. */
static void pump(int ms, bool (*cond)(void))
{
	uint64_t end = now_ms(NULL) + (uint64_t)ms;

	for (;;) {
		uint64_t t = now_ms(NULL);
		uint8_t pkt[65536];
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (cond && cond())
			return;
		if (t >= end)
			return;
		if (poll(&pf, 1, (int)(end - t > 20 ? 20 : end - t)) > 0 &&
		    (n = recv(fd, pkt, sizeof(pkt), MSG_DONTWAIT)) > 0) {
			struct ike_msg m;
			struct ike_notify nt;

			answers++;
			if (ike_msg_decode(pkt, (size_t)n, &m) == WIRE_OK) {
				for (size_t i = 0; i < m.outer.n; i++)
					if (m.outer.pl[i].type == IKEV2_PL_NOTIFY &&
					    ike_notify_decode(m.outer.pl[i].body, m.outer.pl[i].len, &nt) == WIRE_OK)
						snprintf(last_notify, sizeof(last_notify), "N%u", nt.type);
			}
			if (eng)
				ike_recv(eng, pkt, (size_t)n, &me, &peer);
		}
		if (eng)
			ike_tick(eng);
	}
}

/* ---- raw, unauthenticated messages --------------------------------------- */

struct init_opts {
	bool no_ke, no_nonce, no_dh;
	bool raw_ke;
	uint16_t ke_group;
	const uint8_t *ke;
	size_t ke_len;
	const uint8_t *ts;   /* a raw TSi body to add */
	size_t ts_len;
};

static size_t build_init(const struct init_opts *o, uint8_t *buf, size_t cap)
{
	struct ike_hdr h = { .major = 2, .exch = IKEV2_EXCH_IKE_SA_INIT, .flags = IKE_FLAG_I };
	struct proposal_list pl = *conn.ike;
	struct ike_sa_payload sap;
	uint8_t nonce[32], pub[256];
	struct ikeb b;

	crypto_random_ike_spi((uint8_t *)&h.spi_i);
	crypto_random(nonce, sizeof(nonce));
	crypto_random(pub, sizeof(pub));
	if (o->no_dh)
		for (unsigned i = 0; i < pl.n; i++)
			pl.p[i].n_dh = 0;
	prop_build_sa(&pl, PROP_IKE, true, IKE_ESN_EITHER, 0, 0, 0, &sap);
	ikeb_begin(&b, buf, cap, &h);
	ikeb_sa(&b, &sap);
	if (!o->no_ke) {
		if (o->raw_ke)
			ikeb_ke(&b, o->ke_group, o->ke, o->ke_len);
		else   /* random bytes of the right size for MODP2048 */
			ikeb_ke(&b, IKEV2_DH_MODP2048, pub, sizeof(pub));
	}
	if (!o->no_nonce)
		ikeb_nonce(&b, nonce, sizeof(nonce));
	if (o->ts)
		ikeb_raw(&b, IKEV2_PL_TSi, false, o->ts, o->ts_len);
	return ikeb_finish(&b);
}

static void send_init(const struct init_opts *o, uint16_t port)
{
	uint8_t buf[4096];
	size_t len = build_init(o, buf, sizeof(buf));

	if (len)
		send_raw(buf, len, port);
}

static void case_trunc(void)
{
	uint8_t buf[4096];
	size_t len = build_init(&(struct init_opts){ 0 }, buf, sizeof(buf));

	for (size_t l = 0; l < len; l += 7) {   /* prefixes, on both ports */
		send_raw(buf, l, 500);
		send_raw(buf, l, 4500);
	}
	put_be32(buf + 24, 60000);              /* length field larger than the datagram */
	send_raw(buf, len, 500);
	put_be32(buf + 24, 20);                 /* smaller than the header */
	send_raw(buf, len, 500);
}

static void case_missing(void)
{
	send_init(&(struct init_opts){ .no_ke = true }, 500);
	send_init(&(struct init_opts){ .no_nonce = true }, 500);
	send_init(&(struct init_opts){ .no_ke = true, .no_nonce = true }, 4500);
}

static void case_nodh(void) { send_init(&(struct init_opts){ .no_dh = true }, 500); }

static void case_badke(void)
{
	static uint8_t zero[256], ones[256];
	const struct { uint16_t group; const uint8_t *v; size_t len; } rows[] = {
		{ IKEV2_DH_MODP2048, zero, 256 }, { IKEV2_DH_MODP2048, ones, 256 },
		{ IKEV2_DH_MODP2048, ones, 3 },   { IKEV2_DH_MODP2048, ones, 0 },
		{ 0, ones, 8 },                   { 65535, ones, 64 },
		{ IKEV2_DH_ECP_256, zero, 64 },   { IKEV2_DH_CURVE25519, zero, 32 },
	};

	memset(ones, 0xff, sizeof(ones));
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		send_init(&(struct init_opts){ .raw_ke = true, .ke_group = rows[i].group, .ke = rows[i].v,
					       .ke_len = rows[i].len }, 500);
}

/* count 1; type 7, proto 0, len 16, ports, start 10.1.0.9 > end 10.1.0.1 */
static const uint8_t ts_start_gt_end[] = { 1, 0, 0, 0, 7, 0, 0, 16, 0, 0, 0xff, 0xff, 10, 1, 0, 9, 10, 1, 0, 1 };
static const uint8_t ts_truncated[] = { 2, 0, 0, 0, 7, 0, 0, 16, 0, 0, 0xff, 0xff, 10, 1, 0, 0 };
static const uint8_t ts_bad_len[] = { 1, 0, 0, 0, 7, 0, 0, 200, 0, 0, 0xff, 0xff, 10, 1, 0, 0, 10, 1, 0, 1 };

static void case_plaints(void)
{
	send_init(&(struct init_opts){ .ts = ts_start_gt_end, .ts_len = sizeof(ts_start_gt_end) }, 500);
	send_init(&(struct init_opts){ .ts = ts_truncated, .ts_len = sizeof(ts_truncated) }, 500);
}

/* ---- through the engine: correctly encrypted, malformed inside ------------ */

static struct ike_sa *the_sa(void) { return eng ? eng->sas : NULL; }

typedef void (*fill_fn)(struct ikeb *b, struct ike_sa *sa, const void *arg);

static void inject(uint8_t exch, uint32_t msgid, fill_fn fill, const void *arg)
{
	struct ike_sa *sa = the_sa();
	struct msg_build *mb;
	struct pktset ps = { 0 };

	if (!sa)
		return;
	mb = malloc(sizeof(*mb));
	if (!mb)
		return;
	mb_begin(mb, sa, exch, false, msgid, true);
	fill(&mb->b, sa, arg);
	if (mb_finish(mb, &ps))
		msg_transmit(sa, &ps);
	else
		fprintf(stderr, "cannot build the injected message\n");
	pktset_clear(&ps);
	free(mb);
}

static bool init_answered(void)
{
	struct ike_sa *sa = the_sa();

	return sa && n_held > 0;
}

static bool established(void) { return op_done; }

static void case_halfopen(void)
{
	struct ike_sink s = { sink_line, sink_done, NULL };

	if (eng)
		return;
	eng = ike_engine_new(&ops, NULL, NULL);
	hold_auth = true;
	op_done = false;
	ike_initiate(eng, &conn, NULL, &s);
	pump(5000, init_answered);
}

/* Issue 13's amplification against the peer's half-open SA for ours:
 * 28-byte headers with its SPIi get nothing ("amplify"); our IKE_SA_INIT
 * request again and again gets the cached answer a few times ("resend"). */
static void case_amplify(void)
{
	struct ike_sa *sa = the_sa();
	uint8_t hdr[IKE_HDR_LEN];

	if (!sa || !sa->init_req || sa->init_req_len < IKE_HDR_LEN)
		return;
	memcpy(hdr, sa->init_req, IKE_HDR_LEN);
	hdr[16] = IKEV2_PL_NONE;
	put_be32(hdr + 24, IKE_HDR_LEN);
	for (int i = 0; i < 50; i++)
		send_raw(hdr, sizeof(hdr), 500);
}

static void case_resend(void)
{
	struct ike_sa *sa = the_sa();

	for (int i = 0; sa && sa->init_req && i < 20; i++)
		send_raw(sa->init_req, sa->init_req_len, 500);
}

static void fill_delete_ike(struct ikeb *b, struct ike_sa *sa, const void *arg)
{
	(void)sa;
	(void)arg;
	ikeb_delete(b, IKEV2_PROTO_IKE, 0, 0, NULL);
}

struct ccs_opts {
	const uint8_t *tsi_raw;
	size_t tsi_len;
	int rekey_proto;   /* -1: none */
	uint32_t rekey_spi;
	uint8_t rekey_spi_size;
};

static void fill_ccs(struct ikeb *b, struct ike_sa *sa, const void *arg)
{
	const struct ccs_opts *o = arg;
	struct ike_sa_payload sap;
	struct ike_ts_payload ts;
	uint8_t nonce[32] = { 7 }, spi[4];

	if (o->rekey_proto >= 0) {
		put_be32(spi, o->rekey_spi);
		ikeb_notify(b, (uint8_t)o->rekey_proto, spi, o->rekey_spi_size, v2N_REKEY_SA, NULL, 0);
	}
	prop_build_sa(sa->conn->esp, PROP_ESP, false, IKE_ESN_EITHER, 0x12345678, 0, 0, &sap);
	ikeb_sa(b, &sap);
	ikeb_nonce(b, nonce, sizeof(nonce));
	ts_from_end(&sa->conn->local, &sa->local, &ts);
	if (o->tsi_raw)
		ikeb_raw(b, IKEV2_PL_TSi, false, o->tsi_raw, o->tsi_len);
	else
		ikeb_ts(b, IKEV2_PL_TSi, &ts);
	ts_from_end(&sa->conn->remote, &sa->remote, &ts);
	ikeb_ts(b, IKEV2_PL_TSr, &ts);
}

/* Before IKE_AUTH: an encrypted INFORMATIONAL (deleting the IKE SA) and a
 * CREATE_CHILD_SA with the message ID of the IKE_AUTH. */
static void case_infobeforeauth(void)
{
	inject(IKEV2_EXCH_INFORMATIONAL, 1, fill_delete_ike, NULL);
	inject(IKEV2_EXCH_CREATE_CHILD_SA, 1, fill_ccs, &(struct ccs_opts){ .rekey_proto = -1 });
	inject(IKEV2_EXCH_INFORMATIONAL, 5, fill_delete_ike, NULL);
}

static void case_auth(void)
{
	hold_auth = false;
	for (unsigned i = 0; i < n_held; i++)
		send_raw(held[i], held_len[i], peer.port);
	n_held = 0;
	pump(10000, established);
	printf("AUTH status=%d\n", op_done ? op_status : -1);
}

/* An authenticated request with the message ID the responder expects. */
static void inject_est(uint8_t exch, fill_fn fill, const void *arg)
{
	struct ike_sa *sa = the_sa();

	if (!sa)
		return;
	inject(exch, sa->next_msgid, fill, arg);
	sa->next_msgid++;
	pump(300, NULL);
}

static void case_badts(void)
{
	const struct { const uint8_t *p; size_t len; } rows[] = {
		{ ts_start_gt_end, sizeof(ts_start_gt_end) },
		{ ts_truncated, sizeof(ts_truncated) },
		{ ts_bad_len, sizeof(ts_bad_len) },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		inject_est(IKEV2_EXCH_CREATE_CHILD_SA, fill_ccs,
			   &(struct ccs_opts){ .tsi_raw = rows[i].p, .tsi_len = rows[i].len, .rekey_proto = -1 });
}

static void case_badrekey(void)
{
	const struct ccs_opts rows[] = {
		{ .rekey_proto = IKEV2_PROTO_IKE, .rekey_spi_size = 4 },
		{ .rekey_proto = 0, .rekey_spi_size = 4 },
		{ .rekey_proto = 200, .rekey_spi_size = 4 },
		{ .rekey_proto = IKEV2_PROTO_AH, .rekey_spi = 0xdead, .rekey_spi_size = 4 },
		{ .rekey_proto = IKEV2_PROTO_ESP, .rekey_spi = 0xbeef, .rekey_spi_size = 4 },
		{ .rekey_proto = IKEV2_PROTO_ESP, .rekey_spi_size = 0 },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		inject_est(IKEV2_EXCH_CREATE_CHILD_SA, fill_ccs, &rows[i]);
}

/* Fragments (RFC 7383) of a large INFORMATIONAL: a fragment number out of
 * range, a total that changes, fragments of far-away message IDs, a flipped
 * byte; then the complete set duplicated and reversed (it must be answered). */
static void fill_big(struct ikeb *b, struct ike_sa *sa, const void *arg)
{
	uint8_t v[200];

	(void)sa;
	(void)arg;
	memset(v, 0x5a, sizeof(v));
	for (int i = 0; i < 12; i++)
		ikeb_vendor(b, v, sizeof(v));
}

static void frag_set(uint32_t msgid, struct pktset *ps)
{
	struct ike_sa *sa = the_sa();
	struct msg_build *mb = malloc(sizeof(*mb));

	memset(ps, 0, sizeof(*ps));
	if (!mb || !sa) {
		free(mb);
		return;
	}
	mb_begin(mb, sa, IKEV2_EXCH_INFORMATIONAL, false, msgid, true);
	fill_big(&mb->b, sa, NULL);
	if (!mb_finish(mb, ps))
		pktset_clear(ps);
	free(mb);
}

static void case_fragabuse(void)
{
	struct ike_sa *sa = the_sa();
	struct pktset ps;

	if (!sa)
		return;
	frag_set(sa->next_msgid, &ps);
	printf("FRAGMENTS %u\n", ps.n);
	if (ps.n < 2) {
		pktset_clear(&ps);
		return;
	}
	/* SKF header: after the 28-byte IKE header, generic header (4), then
	 * fragment number (2) and total (2). */
	for (unsigned i = 0; i < ps.n; i++) {
		uint8_t *p = malloc(ps.len[i]);

		if (!p)
			break;
		memcpy(p, ps.p[i], ps.len[i]);
		put_be16(p + 32, 0);                          /* number 0 */
		send_raw(p, ps.len[i], peer.port);
		put_be16(p + 32, 0xffff);                     /* number > total */
		send_raw(p, ps.len[i], peer.port);
		memcpy(p, ps.p[i], ps.len[i]);
		put_be16(p + 34, 0xffff);                     /* huge total */
		send_raw(p, ps.len[i], peer.port);
		memcpy(p, ps.p[i], ps.len[i]);
		put_be32(p + 20, sa->next_msgid + 1000 + i);  /* far-away message IDs */
		send_raw(p, ps.len[i], peer.port);
		memcpy(p, ps.p[i], ps.len[i]);
		p[ps.len[i] - 1] ^= 1;                        /* corrupted */
		send_raw(p, ps.len[i], peer.port);
		memcpy(p, ps.p[i], ps.len[i]);                 /* truncated */
		send_raw(p, ps.len[i] / 2, peer.port);
		free(p);
	}
	/* the real set, reversed and duplicated: must still be answered */
	for (unsigned i = ps.n; i-- > 0;) {
		send_raw(ps.p[i], ps.len[i], peer.port);
		send_raw(ps.p[i], ps.len[i], peer.port);
	}
	pktset_clear(&ps);
	sa->next_msgid++;
	pump(500, NULL);
}

static bool live_done(void)
{
	struct ike_sa *sa = the_sa();

	return sa && !sa->out.active;
}

static void case_live(void)
{
	struct ike_sa *sa = the_sa();
	bool ok;

	if (!sa) {
		printf("LIVE no-sa\n");
		return;
	}
	ok = ike_liveness(eng, sa->serial);
	pump(3000, live_done);
	printf("LIVE %s\n", ok && live_done() ? "answered" : "unanswered");
}

static const struct { const char *name; void (*fn)(void); int wait_ms; } cases[] = {
	{ "trunc", case_trunc, 300 },
	{ "missing", case_missing, 300 },
	{ "nodh", case_nodh, 500 },
	{ "badke", case_badke, 1000 },
	{ "plaints", case_plaints, 300 },
	{ "halfopen", case_halfopen, 0 },
	{ "amplify", case_amplify, 500 },
	{ "resend", case_resend, 500 },
	{ "infobeforeauth", case_infobeforeauth, 500 },
	{ "auth", case_auth, 0 },
	{ "badts", case_badts, 200 },
	{ "badrekey", case_badrekey, 200 },
	{ "fragabuse", case_fragabuse, 200 },
	{ "live", case_live, 0 },
};

static int usage(void)
{
	fprintf(stderr, "usage: ike_inject --local ADDR --remote ADDR --id ID --remote-id ID --psk PSK "
			"[--ike P] [--esp P]   (case names on stdin)\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *why = NULL, *ike = "aes256-sha2_256-modp2048", *esp = "aes256-sha2_256";
	struct sockaddr_storage ss;
	socklen_t sl;
	int one = 1;
	char line[128];

	ike_conn_defaults(&conn);
	snprintf(conn.name, sizeof(conn.name), "inject");
	for (int i = 1; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];

		if (!strcmp(k, "--local") && addr_parse(v, &me.addr))
			conn.local.addr = me.addr;
		else if (!strcmp(k, "--remote") && addr_parse(v, &peer.addr))
			conn.remote.addr = peer.addr;
		else if (!strcmp(k, "--id") && id_parse_shared(v, &conn.local.id, &why))
			;
		else if (!strcmp(k, "--remote-id") && id_parse_shared(v, &conn.remote.id, &why))
			;
		else if (!strcmp(k, "--psk"))
			snprintf(psk, sizeof(psk), "%s", v);
		else if (!strcmp(k, "--ike"))
			ike = v;
		else if (!strcmp(k, "--esp"))
			esp = v;
		else
			return usage();
	}
	if (!me.addr.af || !peer.addr.af || !psk[0])
		return usage();
	if (!proposals_parse_shared(PROP_IKE, ike, &conn.ike, &why) || !proposals_parse_shared(PROP_ESP, esp, &conn.esp, &why)) {
		fprintf(stderr, "proposals: %s\n", why ? why : "?");
		return 2;
	}
	conn.keyingtries = 1;
	conn.retransmit_timeout_ms = 5000;
	me.port = peer.port = 500;
	fd = socket(me.addr.af, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	sl = addr_to_sockaddr(&me.addr, 500, &ss);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		fprintf(stderr, "bind: %s\n", strerror(errno));
		return 1;
	}
	printf("READY\n");
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		size_t i;

		line[strcspn(line, "\r\n")] = 0;
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			if (!strcmp(line, cases[i].name))
				break;
		if (i == sizeof(cases) / sizeof(cases[0])) {
			printf("DONE %s unknown-case\n", line);
			fflush(stdout);
			continue;
		}
		answers = 0;
		last_notify[0] = 0;
		cases[i].fn();
		pump(cases[i].wait_ms, NULL);
		printf("DONE %s answers=%u notify=%s\n", line, answers, last_notify[0] ? last_notify : "none");
		fflush(stdout);
	}
	if (eng)
		ike_engine_free(eng);
	close(fd);
	return 0;
}
