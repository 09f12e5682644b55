/* ikeload: an IKEv2 load generator (issue 13).  Many PSK initiators in one
 * single-threaded process, or a flood of forged IKE_SA_INIT requests.
 *
 *   ikeload --remote ADDR --src LIST --psk PSK [-n N] [--window W]
 *           [--ike P] [--esp P] [--id FMT] [--childless] [--delete]
 *           [--sport P] [--ports N] [--rport P] [--timeout MS] [--tries N]
 *           [--duration S] [--no-verify] [--tsi LIST] [--tsr RANGE]
 *   ikeload --flood PREFIX --remote ADDR --rate PPS [--duration S] [-n N] [--ike P]
 *
 * Load mode: N initiators (numbers 0..N-1), at most W exchanges in flight;
 * initiator k sends from socket k mod (addresses x ports) of --src
 * (addresses, ranges A-B or prefixes, comma separated; each bound at ports
 * sport..sport+ports-1).  The Child SA's TSi is initiator k's own address,
 * or with --tsi the k-th address of LIST (modulo its size); TSr is the
 * responder's address, or the one range or prefix RANGE.  Retransmission: timeout MS, doubled, N tries.
 * One report line on stdout:
 *   ikeload: n=.. established=.. child=.. childless=.. failed=.. deleted=..
 *            retransmits=.. cookies=.. invalid_ke=.. elapsed_s=.. rate=..
 *            p50_ms=.. p99_ms=.. cpu_s=..
 * rate is IKE SAs established per second from the first request to the last
 * establishment (the generator's own DH and PRF work included); cpu_s is
 * the generator's own CPU time (user + system).  The first
 * failure reasons go to stderr.  Exit status 0 when every SA came up.
 *
 * Flood mode: IKE_SA_INIT requests from random addresses of PREFIX (IPv4,
 * raw socket, port 500), each with a fresh SPIi and nonce and a valid KE,
 * paced at PPS; reports `ikeload: flood sent=.. elapsed_s=.. rate=..`. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "config/proposals.h"
#include "ike/sa.h"
#include "ikeload.h"
#include "lib/log.h"

struct opts {
	struct ip_addr remote;
	uint16_t rport, sport;
	unsigned ports;
	struct addr_ranges src;
	bool have_src;
	uint32_t n, window;
	unsigned timeout_ms, tries;
	double duration_s;
	const char *ike, *esp;
	bool del;
	bool n_given;
	/* flood */
	bool flood;
	struct ip_addr flood_prefix;
	unsigned flood_len;
	double rate;
};

struct slot {
	struct ikl_sa sa;
	uint64_t t_start, t_sent;   /* ns */
	uint32_t rto_ms;
	uint8_t tries;
	uint32_t pos;               /* in the in-flight array */
	int sock;
};

struct run {
	struct opts o;
	struct ikl_cfg cfg;
	struct slot *slots;
	uint32_t *inflight, n_inflight, next;
	int *socks, n_socks, ep;
	struct lat_stats lat;
	uint64_t t0, t_last;
	uint64_t established, child, childless, failed, deleted, retransmits, cookies, invalid_ke, stray;
	unsigned reasons_shown;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- sockets ------------------------------------------------------------- */

static int open_udp(const struct ip_addr *a, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t sl = addr_to_sockaddr(a, port, &ss);
	int fd = socket(a->af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1, sz = 4 << 20;
	char t[ADDR_STRLEN];

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		fprintf(stderr, "ikeload: bind %s:%u: %s\n", addr_fmt(a, t), port, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static bool open_sockets(struct run *r)
{
	uint64_t na = addr_ranges_count(&r->o.src);
	struct epoll_event ev = { .events = EPOLLIN };

	if (na == 0 || na > 65536 || na * r->o.ports > 65536 || r->o.sport + r->o.ports - 1 > 65535) {
		fprintf(stderr, "ikeload: --src x --ports must give 1..65536 sockets, --sport + --ports - 1 <= 65535\n");
		return false;
	}
	r->n_socks = (int)(na * r->o.ports);
	r->socks = calloc((size_t)r->n_socks, sizeof(*r->socks));
	r->ep = epoll_create1(EPOLL_CLOEXEC);
	if (!r->socks || r->ep < 0)
		return false;
	for (int i = 0; i < r->n_socks; i++) {
		struct ip_addr a;

		if (!addr_ranges_nth(&r->o.src, (uint64_t)i / r->o.ports, &a) || a.af != r->o.remote.af) {
			fprintf(stderr, "ikeload: --src addresses must be of --remote's family\n");
			return false;
		}
		r->socks[i] = open_udp(&a, (uint16_t)(r->o.sport + i % r->o.ports));
		if (r->socks[i] < 0)
			return false;
		ev.data.u32 = (uint32_t)i;
		if (epoll_ctl(r->ep, EPOLL_CTL_ADD, r->socks[i], &ev) < 0)
			return false;
	}
	return true;
}

static void send_req(struct run *r, struct slot *s)
{
	struct sockaddr_storage ss;
	socklen_t sl = addr_to_sockaddr(&s->sa.raddr, s->sa.rport, &ss);

	s->t_sent = now_ns();
	if (sendto(r->socks[s->sock], s->sa.req, s->sa.req_len, 0, (struct sockaddr *)&ss, sl) < 0 &&
	    errno != EAGAIN && errno != ENOBUFS)
		fprintf(stderr, "ikeload: sendto: %s\n", strerror(errno));
}

/* ---- the window ---------------------------------------------------------- */

static void leave(struct run *r, struct slot *s)
{
	uint32_t last = r->inflight[--r->n_inflight];

	r->inflight[s->pos] = last;
	r->slots[last].pos = s->pos;
	ikl_sa_clear(&s->sa);
}

static void failed(struct run *r, struct slot *s, const char *why)
{
	r->failed++;
	if (r->reasons_shown < 5) {
		r->reasons_shown++;
		fprintf(stderr, "ikeload: #%u failed: %s\n", s->sa.num, why[0] ? why : "?");
	}
	s->sa.state = IKL_FAILED;
	leave(r, s);
}

static void start_one(struct run *r)
{
	uint32_t k = r->next++;
	struct slot *s = &r->slots[k];
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	uint16_t port = 0;

	s->sa.num = k;
	s->sock = (int)(k % (uint32_t)r->n_socks);
	if (getsockname(r->socks[s->sock], (struct sockaddr *)&ss, &sl) == 0)
		addr_from_sockaddr((struct sockaddr *)&ss, &s->sa.laddr, &port);
	s->sa.lport = port;
	s->sa.raddr = r->o.remote;
	s->sa.rport = r->o.rport;
	s->pos = r->n_inflight;
	r->inflight[r->n_inflight++] = k;
	s->t_start = now_ns();
	if (!r->t0)
		r->t0 = s->t_start;
	s->rto_ms = r->o.timeout_ms;
	s->tries = 1;
	if (!ikl_build_init(&r->cfg, &s->sa)) {
		failed(r, s, s->sa.why);
		return;
	}
	send_req(r, s);
}

static void established(struct run *r, struct slot *s)
{
	uint64_t t = now_ns();

	r->established++;
	r->t_last = t;
	lat_add(&r->lat, (t - s->t_start) / 1000);
	if (s->sa.childless)
		r->childless++;
	else if (s->sa.child_up)
		r->child++;
	else if (r->reasons_shown < 5) {
		r->reasons_shown++;
		fprintf(stderr, "ikeload: #%u: %s\n", s->sa.num, s->sa.why);
	}
	if (r->o.del && ikl_build_delete(&s->sa)) {
		s->rto_ms = r->o.timeout_ms;
		s->tries = 1;
		send_req(r, s);
		return;
	}
	leave(r, s);
}

static void on_datagram(struct run *r, const uint8_t *p, size_t len)
{
	uint32_t k;
	struct slot *s;
	enum ikl_result res;
	enum ikl_state before;

	if (len < IKE_HDR_LEN || (k = get_be32(p + 4)) >= r->next) {
		r->stray++;
		return;
	}
	s = &r->slots[k];
	if (memcmp(p, s->sa.spi_i, 8) != 0 || s->sa.state == IKL_DONE || s->sa.state == IKL_FAILED ||
	    s->sa.state == IKL_IDLE || (s->sa.state == IKL_UP && !s->sa.req)) {
		r->stray++;
		return;
	}
	before = s->sa.state;
	res = ikl_on_response(&r->cfg, &s->sa, p, len);
	switch (res) {
	case IKL_R_RESEND:
		if (s->sa.cookie_len && before == IKL_INIT)
			r->cookies++;
		else
			r->invalid_ke++;
		/* fall through */
	case IKL_R_NEXT:
		s->rto_ms = r->o.timeout_ms;
		s->tries = 1;
		send_req(r, s);
		break;
	case IKL_R_UP:
		established(r, s);
		break;
	case IKL_R_DONE:
		r->deleted++;
		leave(r, s);
		break;
	case IKL_R_FAIL:
		failed(r, s, s->sa.why);
		break;
	case IKL_R_IGNORE:
		r->stray++;
		break;
	}
}

static void drain(struct run *r, int sock)
{
	uint8_t buf[IKE_MSG_MAX];

	for (int i = 0; i < 256; i++) {
		ssize_t n = recv(sock, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0)
			return;
		on_datagram(r, buf, (size_t)n);
	}
}

static void retransmit(struct run *r)
{
	uint64_t t = now_ns();

	for (uint32_t i = 0; i < r->n_inflight;) {
		struct slot *s = &r->slots[r->inflight[i]];

		if (t - s->t_sent < (uint64_t)s->rto_ms * 1000000u) {
			i++;
			continue;
		}
		if (s->tries >= r->o.tries) {
			snprintf(s->sa.why, sizeof(s->sa.why), "no answer to message %u after %u tries",
				 s->sa.msgid, s->tries);
			failed(r, s, s->sa.why);   /* moves another slot to i */
			continue;
		}
		s->tries++;
		s->rto_ms *= 2;
		r->retransmits++;
		send_req(r, s);
		i++;
	}
}

/* CPU seconds (user + system) this process used so far */
static double cpu_s(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void report(struct run *r)
{
	uint64_t el = (r->t_last > r->t0 ? r->t_last : now_ns()) - r->t0;

	printf("ikeload: n=%u established=%llu child=%llu childless=%llu failed=%llu deleted=%llu "
	       "retransmits=%llu cookies=%llu invalid_ke=%llu stray=%llu elapsed_s=%.3f rate=%.1f "
	       "p50_ms=%.2f p99_ms=%.2f cpu_s=%.3f\n",
	       r->o.n, (unsigned long long)r->established, (unsigned long long)r->child,
	       (unsigned long long)r->childless, (unsigned long long)r->failed, (unsigned long long)r->deleted,
	       (unsigned long long)r->retransmits, (unsigned long long)r->cookies,
	       (unsigned long long)r->invalid_ke, (unsigned long long)r->stray, (double)el / 1e9,
	       rate_per_s(r->established, el), lat_percentile(&r->lat, 50) / 1000.0,
	       lat_percentile(&r->lat, 99) / 1000.0, cpu_s());
	fflush(stdout);
}

static int run_load(struct run *r)
{
	struct epoll_event ev[64];
	uint64_t t_end, t_rtx = 0;

	r->slots = calloc(r->o.n, sizeof(*r->slots));
	r->inflight = calloc(r->o.window, sizeof(*r->inflight));
	if (!r->slots || !r->inflight || !lat_init(&r->lat, r->o.n)) {
		fprintf(stderr, "ikeload: no memory for %u initiators\n", r->o.n);
		return 1;
	}
	if (!open_sockets(r))
		return 1;
	t_end = now_ns() + (uint64_t)(r->o.duration_s * 1e9);
	while (r->next < r->o.n || r->n_inflight > 0) {
		int n;

		while (r->n_inflight < r->o.window && r->next < r->o.n)
			start_one(r);
		n = epoll_wait(r->ep, ev, 64, 10);
		for (int i = 0; i < n; i++)
			drain(r, r->socks[ev[i].data.u32]);
		if (now_ns() - t_rtx > 50000000u) {
			retransmit(r);
			t_rtx = now_ns();
		}
		if (now_ns() > t_end) {
			fprintf(stderr, "ikeload: --duration reached with %u in flight, %u not started\n",
				r->n_inflight, r->o.n - r->next);
			r->failed += r->n_inflight + (r->o.n - r->next);
			break;
		}
	}
	report(r);
	return r->established == r->o.n && r->failed == 0 ? 0 : 1;
}

/* ---- flood ------------------------------------------------------------------ */

static size_t flood_packet(const struct ike_sa_payload *sap, uint16_t group, const uint8_t *pub, size_t publen,
			   uint8_t *buf, size_t cap)
{
	struct ike_hdr h = { .major = 2, .exch = IKEV2_EXCH_IKE_SA_INIT, .flags = IKE_FLAG_I };
	uint8_t nonce[32];
	struct ikeb b;

	crypto_random(&h.spi_i, sizeof(h.spi_i));
	h.spi_i |= 1;
	crypto_random(nonce, sizeof(nonce));
	ikeb_begin(&b, buf, cap, &h);
	ikeb_sa(&b, sap);
	ikeb_ke(&b, group, pub, publen);
	ikeb_nonce(&b, nonce, sizeof(nonce));
	return ikeb_finish(&b);
}

static bool flood_send(int fd, const struct opts *o, const struct ike_sa_payload *sap, uint16_t group,
		       const uint8_t *pub, size_t publen)
{
	uint8_t pkt[IKL_BUF], rnd[16];
	struct iphdr *ip = (struct iphdr *)pkt;
	struct udphdr *udp = (struct udphdr *)(pkt + sizeof(*ip));
	size_t ike = flood_packet(sap, group, pub, publen, pkt + sizeof(*ip) + sizeof(*udp),
				  sizeof(pkt) - sizeof(*ip) - sizeof(*udp));
	struct sockaddr_in dst = { .sin_family = AF_INET };
	struct ip_addr src;

	if (!ike)
		return false;
	crypto_random(rnd, sizeof(rnd));
	addr_in_prefix(&o->flood_prefix, o->flood_len, rnd, &src);
	memset(ip, 0, sizeof(*ip));
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = htons((uint16_t)(sizeof(*ip) + sizeof(*udp) + ike));   /* the kernel fills id and checksum */
	memcpy(&ip->saddr, src.a, 4);
	memcpy(&ip->daddr, o->remote.a, 4);
	udp->source = htons(500);
	udp->dest = htons(o->rport);
	udp->len = htons((uint16_t)(sizeof(*udp) + ike));
	udp->check = 0;   /* optional over IPv4 */
	memcpy(&dst.sin_addr, o->remote.a, 4);
	return sendto(fd, pkt, sizeof(*ip) + sizeof(*udp) + ike, 0, (struct sockaddr *)&dst, sizeof(dst)) >= 0;
}

static int run_flood(struct run *r)
{
	const struct opts *o = &r->o;
	struct ike_sa_payload *sap = malloc(sizeof(*sap));
	uint16_t group = prop_first_dh(&r->cfg.ike);
	const struct alg_desc *alg = dh_alg_get(group);
	struct dh *dh = alg ? dh_new(alg) : NULL;
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	uint64_t t0 = now_ns(), t_end = t0 + (uint64_t)(o->duration_s * 1e9), sent = 0, errs = 0;
	const uint8_t *pub;
	size_t publen = 0;
	struct pacer pc;

	if (fd < 0 || !sap || !dh) {
		fprintf(stderr, "ikeload: flood: %s\n", fd < 0 ? strerror(errno) : "no memory or DH");
		return 1;
	}
	pub = dh_public(dh, &publen);
	prop_build_sa(&r->cfg.ike, PROP_IKE, true, IKE_ESN_EITHER, 0, 0, group, sap);
	pacer_init(&pc, o->rate, t0, 64);
	while (sent < o->n) {
		uint64_t t = now_ns();
		unsigned due;

		if (t > t_end)
			break;
		due = pacer_due(&pc, t);
		if (!due) {
			uint64_t w = pacer_wait_ns(&pc, t);
			struct timespec ts = { (time_t)(w / 1000000000u), (long)(w % 1000000000u) };

			nanosleep(&ts, NULL);
			continue;
		}
		for (unsigned i = 0; i < due && sent < o->n; i++, sent++)
			if (!flood_send(fd, o, sap, group, pub, publen))
				errs++;
		pacer_sent(&pc, due);
	}
	printf("ikeload: flood sent=%llu errors=%llu elapsed_s=%.3f rate=%.1f\n", (unsigned long long)sent,
	       (unsigned long long)errs, (double)(now_ns() - t0) / 1e9, rate_per_s(sent, now_ns() - t0));
	fflush(stdout);
	dh_free(dh);
	free(sap);
	close(fd);
	return 0;
}

/* ---- options ---------------------------------------------------------------- */

static int usage(void)
{
	fprintf(stderr,
		"usage: ikeload --remote ADDR --src LIST --psk PSK [-n N] [--window W] [--ike P] [--esp P]\n"
		"               [--id FMT] [--childless] [--delete] [--sport P] [--ports N] [--rport P]\n"
		"               [--timeout MS] [--tries N] [--duration S] [--no-verify] [--tsi LIST] [--tsr RANGE]\n"
		"       ikeload --flood PREFIX --remote ADDR --rate PPS [--duration S] [-n N] [--ike P]\n");
	return 2;
}

static bool num(const char *v, double lo, double hi, double *out)
{
	char *end;
	double d = strtod(v, &end);

	if (end == v || *end || !(d >= lo && d <= hi))
		return false;
	*out = d;
	return true;
}

/* One option with a value; false on a bad one. */
static bool opt_value(struct run *r, const char *k, const char *v)
{
	struct opts *o = &r->o;
	const char *why = "?";
	struct addr_ranges p_tsr;
	double d;

	if (!strcmp(k, "--remote"))
		return addr_parse(v, &o->remote);
	if (!strcmp(k, "--src")) {
		o->have_src = addr_ranges_parse(v, &o->src, &why);
		if (!o->have_src)
			fprintf(stderr, "ikeload: --src %s: %s\n", v, why);
		return o->have_src;
	}
	if (!strcmp(k, "--tsi") || !strcmp(k, "--tsr")) {
		struct addr_ranges *rs = k[4] == 'i' ? &r->cfg.tsi : &p_tsr;
		bool ok = addr_ranges_parse(v, rs, &why) && (k[4] == 'i' || rs->n == 1);

		if (!ok)
			fprintf(stderr, "ikeload: %s %s: %s\n", k, v, rs->n > 1 ? "one range only" : why);
		else if (k[4] == 'i')
			r->cfg.have_tsi = true;
		else
			r->cfg.tsr = p_tsr.r[0], r->cfg.have_tsr = true;
		return ok;
	}
	if (!strcmp(k, "--psk"))
		return (r->cfg.psk = secret_dup(v, strlen(v))) != NULL;
	if (!strcmp(k, "--id"))
		return snprintf(r->cfg.id_fmt, sizeof(r->cfg.id_fmt), "%s", v) < (int)sizeof(r->cfg.id_fmt);
	if (!strcmp(k, "--ike"))
		return (o->ike = v), true;
	if (!strcmp(k, "--esp"))
		return (o->esp = v), true;
	if (!strcmp(k, "--flood")) {
		struct addr_ranges p;
		const char *sl = strchr(v, '/');

		o->flood = true;
		o->flood_len = sl ? (unsigned)atoi(sl + 1) : 32;
		return addr_ranges_parse(v, &p, &why) && p.n == 1 && p.r[0].lo.af == AF_INET && o->flood_len <= 32 &&
		       ((o->flood_prefix = p.r[0].lo), true);
	}
	if (!num(v, 0, 4294967295.0, &d))
		return false;
	if (!strcmp(k, "-n"))
		o->n = (uint32_t)d, o->n_given = true;
	else if (!strcmp(k, "--window"))
		o->window = (uint32_t)d;
	else if (!strcmp(k, "--sport") && d <= 65535)
		o->sport = (uint16_t)d;
	else if (!strcmp(k, "--rport") && d >= 1 && d <= 65535)
		o->rport = (uint16_t)d;
	else if (!strcmp(k, "--ports"))
		o->ports = (unsigned)d;
	else if (!strcmp(k, "--timeout"))
		o->timeout_ms = (unsigned)d;
	else if (!strcmp(k, "--tries"))
		o->tries = (unsigned)d;
	else if (!strcmp(k, "--duration"))
		o->duration_s = d;
	else if (!strcmp(k, "--rate"))
		o->rate = d;
	else
		return false;
	return true;
}

static bool parse_args(struct run *r, int argc, char **argv)
{
	struct opts *o = &r->o;
	const char *why = NULL;

	*o = (struct opts){ .rport = 500, .sport = 500, .ports = 1, .n = 100, .window = 64, .timeout_ms = 2000,
			    .tries = 4, .duration_s = 600, .ike = "aes_gcm_16_256-sha2_256-curve25519",
			    .esp = "aes_gcm_16_256", .rate = 1000 };
	snprintf(r->cfg.id_fmt, sizeof(r->cfg.id_fmt), "@ikeload-%%u.example");
	r->cfg.verify = true;
	for (int i = 1; i < argc; i++) {
		const char *k = argv[i];

		if (!strcmp(k, "--childless"))
			r->cfg.childless = true;
		else if (!strcmp(k, "--delete"))
			o->del = true;
		else if (!strcmp(k, "--no-verify"))
			r->cfg.verify = false;
		else if (i + 1 >= argc || !opt_value(r, k, argv[++i])) {
			fprintf(stderr, "ikeload: bad option %s%s%s\n", k, i < argc ? " " : "", i < argc ? argv[i] : "");
			return false;
		}
	}
	if (!proposals_parse(PROP_IKE, o->ike, &r->cfg.ike, &why) ||
	    !proposals_parse(PROP_ESP, o->esp, &r->cfg.esp, &why)) {
		fprintf(stderr, "ikeload: proposals: %s\n", why ? why : "?");
		return false;
	}
	r->cfg.dh = prop_first_dh(&r->cfg.ike);
	if (o->flood && !o->n_given)
		o->n = UINT32_MAX;   /* until --duration */
	if (!o->remote.af || !o->n || (!o->flood && (!o->have_src || !r->cfg.psk || !o->window || !o->ports ||
						     !o->tries || !o->timeout_ms)))
		return false;
	return true;
}

int main(int argc, char **argv)
{
	static struct run r;
	int rc;

	log_set_level(LOG_LVL_ERROR);
	if (!parse_args(&r, argc, argv))
		return usage();
	rc = r.o.flood ? run_flood(&r) : run_load(&r);
	secret_free(r.cfg.psk);
	return rc;
}
