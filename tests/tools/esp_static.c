/* esp_static: run Cygnet's userspace ESP dataplane with manually keyed SAs,
 * like `ip xfrm state add ... enc ... auth ...` — for namespace tests and the
 * benchmark without IKE.
 *
 *   esp_static [--tun NAME] [--table N] [--priority N] [--mark N] [--port N]
 *              [--protostack NAME] [--no-natt] [--no-raw] COMMAND...
 *
 * Each COMMAND (also read line by line from stdin until EOF) is one of
 *   sa dir=in|out,spi=0x..,src=ADDR,dst=ADDR[,encap=udp,sport=4500,dport=4500]
 *      [,mode=tunnel|transport],encr=aes_gcm16|chacha20poly1305|aes_cbc[,keybits=N]
 *      [,integ=sha2_256|sha2_384|sha2_512],key=HEX[,ikey=HEX][,esn=yes][,replay=N]
 *      ,local=SUBNET,remote=SUBNET[,proto=N][,reqid=N][,tfc=N]
 *      [,soft-packets=N,hard-packets=N,soft-bytes=N,hard-bytes=N,soft-seconds=N,hard-seconds=N]
 *   policy dir=in|out,local=SUBNET,remote=SUBNET[,proto=N][,reqid=N][,src=ADDR]
 *   (reqid defaults to CY_REQID_BASE + 1, so the xfrm backend owns and cleans it)
 *   del-sa spi=0x..,dst=ADDR        del-policy (as policy)
 *   counters spi=0x..,dst=ADDR      drops        quit
 *   send-ike dst=ADDR[,dport=4500],data=HEX   (IKE over the shared NAT-T socket)
 *   keepalive dst=ADDR[,dport=4500]
 * Output: "OK ...", "ERR ...", "EVENT ..." lines on stdout.  SIGINT/SIGTERM
 * shut the dataplane down (routes, rules and TUN removed). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dataplane/dataplane.h"
#include "dataplane/xfrm_msg.h"
#include "alg/iana.h"
#include "lib/log.h"

static volatile sig_atomic_t stop;
static void on_sig(int s) { (void)s; stop = 1; }

struct kv { char *k, *v; };

static int split(char *s, struct kv *kv, int max)
{
	int n = 0;
	for (char *save = NULL, *tok = strtok_r(s, ",", &save); tok && n < max; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		kv[n].k = tok;
		kv[n].v = eq ? (*eq = 0, eq + 1) : (char *)"";
		n++;
	}
	return n;
}

static const char *get(struct kv *kv, int n, const char *k)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(kv[i].k, k))
			return kv[i].v;
	return NULL;
}

static uint64_t num(struct kv *kv, int n, const char *k, uint64_t def)
{
	const char *v = get(kv, n, k);
	return v ? strtoull(v, NULL, 0) : def;
}

static struct secret *unhex(const char *h)
{
	size_t n = h ? strlen(h) : 0;
	struct secret *s;

	if (!h || n % 2)
		return NULL;
	if (!strncmp(h, "0x", 2)) {
		h += 2;
		n -= 2;
	}
	if (!(s = secret_new(n / 2)))
		return NULL;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned b;
		if (sscanf(h + 2 * i, "%2x", &b) != 1) {
			secret_free(s);
			return NULL;
		}
		s->data[i] = (uint8_t)b;
	}
	return s;
}

static bool sel_from(struct kv *kv, int n, enum dp_dir dir, struct dp_selector *sel)
{
	struct ip_subnet l, r;
	bool hb;
	const char *ls = get(kv, n, "local"), *rs = get(kv, n, "remote");

	if (!ls || !rs || !subnet_parse(ls, &l, &hb) || !subnet_parse(rs, &r, &hb))
		return false;
	memset(sel, 0, sizeof(*sel));
	sel->src = dir == DP_DIR_OUT ? l : r;
	sel->dst = dir == DP_DIR_OUT ? r : l;
	sel->proto = (uint8_t)num(kv, n, "proto", 0);
	return true;
}

static const struct { const char *name; uint16_t id; } encrs[] = {
	{ "aes_gcm16", IKEV2_ENCR_AES_GCM_16 }, { "chacha20poly1305", IKEV2_ENCR_CHACHA20_POLY1305 },
	{ "aes_cbc", IKEV2_ENCR_AES_CBC },
}, integs[] = {
	{ "none", IKEV2_INTEG_NONE }, { "sha2_256", IKEV2_INTEG_HMAC_SHA2_256_128 },
	{ "sha2_384", IKEV2_INTEG_HMAC_SHA2_384_192 }, { "sha2_512", IKEV2_INTEG_HMAC_SHA2_512_256 },
};

static int cmd_sa(struct dataplane *dp, struct kv *kv, int n)
{
	struct dp_sa sa = { 0 };
	const char *v;
	int rc = -EINVAL;

	sa.dir = (v = get(kv, n, "dir")) && !strcmp(v, "in") ? DP_DIR_IN : DP_DIR_OUT;
	sa.spi = (uint32_t)num(kv, n, "spi", 0);
	if (!(v = get(kv, n, "src")) || !addr_parse(v, &sa.src) || !(v = get(kv, n, "dst")) || !addr_parse(v, &sa.dst))
		return -EINVAL;
	sa.encap = (v = get(kv, n, "encap")) && !strcmp(v, "udp") ? DP_ENCAP_UDP : DP_ENCAP_NONE;
	sa.sport = (uint16_t)num(kv, n, "sport", 4500);
	sa.dport = (uint16_t)num(kv, n, "dport", 4500);
	sa.mode = (v = get(kv, n, "mode")) && !strcmp(v, "transport") ? DP_MODE_TRANSPORT : DP_MODE_TUNNEL;
	if (!sel_from(kv, n, sa.dir, &sa.sel))
		return -EINVAL;
	sa.encr = 0;
	for (size_t i = 0; (v = get(kv, n, "encr")) && i < sizeof(encrs) / sizeof(encrs[0]); i++)
		if (!strcmp(v, encrs[i].name))
			sa.encr = encrs[i].id;
	sa.integ = IKEV2_INTEG_NONE;
	for (size_t i = 0; (v = get(kv, n, "integ")) && i < sizeof(integs) / sizeof(integs[0]); i++)
		if (!strcmp(v, integs[i].name))
			sa.integ = integs[i].id;
	sa.encr_keybits = (uint16_t)num(kv, n, "keybits", sa.encr == IKEV2_ENCR_CHACHA20_POLY1305 ? 256 : 128);
	sa.esn = (v = get(kv, n, "esn")) && !strcmp(v, "yes");
	sa.replay_window = (uint32_t)num(kv, n, "replay", DP_DEFAULT_REPLAY_WINDOW);
	sa.reqid = (uint32_t)num(kv, n, "reqid", CY_REQID_BASE + 1);
	sa.tfc_pad = (uint16_t)num(kv, n, "tfc", 0);
	sa.soft.packets = num(kv, n, "soft-packets", 0);
	sa.hard.packets = num(kv, n, "hard-packets", 0);
	sa.soft.bytes = num(kv, n, "soft-bytes", 0);
	sa.hard.bytes = num(kv, n, "hard-bytes", 0);
	sa.soft.seconds = num(kv, n, "soft-seconds", 0);
	sa.hard.seconds = num(kv, n, "hard-seconds", 0);
	struct secret *ek = unhex(get(kv, n, "key")), *ik = get(kv, n, "ikey") ? unhex(get(kv, n, "ikey")) : NULL;
	sa.encr_key = ek;
	sa.integ_key = ik;
	if (ek && sa.encr)
		rc = dp->ops->add_sa(dp, &sa);
	secret_free(ek);
	secret_free(ik);
	return rc;
}

static int cmd_policy(struct dataplane *dp, struct kv *kv, int n, bool del)
{
	struct dp_policy pol = { 0 };
	const char *v;

	pol.dir = (v = get(kv, n, "dir")) && !strcmp(v, "in") ? DP_DIR_IN : DP_DIR_OUT;
	if (!sel_from(kv, n, pol.dir, &pol.sel))
		return -EINVAL;
	pol.reqid = (uint32_t)num(kv, n, "reqid", CY_REQID_BASE + 1);
	if ((v = get(kv, n, "src")) && !addr_parse(v, &pol.prefsrc))
		return -EINVAL;
	return del ? dp->ops->del_policy(dp, &pol) : dp->ops->add_policy(dp, &pol);
}

static int spi_dst(struct kv *kv, int n, uint32_t *spi, struct ip_addr *dst)
{
	const char *v = get(kv, n, "dst");
	*spi = (uint32_t)num(kv, n, "spi", 0);
	memset(dst, 0, sizeof(*dst));
	return v && !addr_parse(v, dst) ? -EINVAL : 0;
}

static int run(struct dataplane *dp, char *line)
{
	char *args = line + strcspn(line, " \t");
	struct kv kv[40];
	uint32_t spi;
	struct ip_addr dst;
	int n, rc;

	if (*args)
		*args++ = 0;
	n = split(args, kv, 40);
	if (!strcmp(line, "sa"))
		rc = cmd_sa(dp, kv, n);
	else if (!strcmp(line, "policy") || !strcmp(line, "del-policy"))
		rc = cmd_policy(dp, kv, n, line[0] == 'd');
	else if (!strcmp(line, "del-sa"))
		rc = spi_dst(kv, n, &spi, &dst) ?: dp->ops->del_sa(dp, spi, &dst, DP_IPPROTO_ESP);
	else if (!strcmp(line, "counters")) {
		struct dp_counters c;
		if (!(rc = spi_dst(kv, n, &spi, &dst)) && !(rc = dp->ops->get_counters(dp, spi, &dst, DP_IPPROTO_ESP, &c))) {
			printf("OK counters spi=0x%08x bytes=%llu packets=%llu", spi, (unsigned long long)c.bytes,
			       (unsigned long long)c.packets);
			for (int d = 0; d < DP_DROP__COUNT; d++)
				if (c.drops[d])
					printf(" %s=%llu", dp_drop_name((enum dp_drop)d), (unsigned long long)c.drops[d]);
			printf("\n");
			fflush(stdout);
			return 0;
		}
	} else if (!strcmp(line, "drops")) {
		uint64_t d[DP_DROP__COUNT];
		dp->ops->get_global_drops(dp, d);
		printf("OK drops");
		for (int i = 0; i < DP_DROP__COUNT; i++)
			if (d[i])
				printf(" %s=%llu", dp_drop_name((enum dp_drop)i), (unsigned long long)d[i]);
		printf("\n");
		fflush(stdout);
		return 0;
	} else if (!strcmp(line, "send-ike") || !strcmp(line, "keepalive")) {
		const char *v = get(kv, n, "dst");
		uint16_t port = (uint16_t)num(kv, n, "dport", 4500);
		struct secret *d = line[0] == 's' ? unhex(get(kv, n, "data")) : NULL;
		rc = -EINVAL;
		if (v && addr_parse(v, &dst) && (line[0] == 'k' || d))
			rc = line[0] == 's' ? dp->ops->send_ike(dp, d->data, d->len, NULL, 4500, &dst, port)
					    : dp->ops->send_keepalive(dp, NULL, 4500, &dst, port);
		secret_free(d);
	} else if (!strcmp(line, "quit")) {
		stop = 1;
		rc = 0;
	} else
		rc = -EINVAL;
	printf(rc ? "ERR %s: %s\n" : "OK %s\n", line, strerror(-rc));
	fflush(stdout);
	return rc;
}

static void on_event(void *arg, const struct dp_event *ev)
{
	char b[ADDR_STRLEN];
	(void)arg;
	if (ev->type == DP_EV_EXPIRE)
		printf("EVENT expire %s spi=0x%08x dir=%s\n", ev->u.expire.hard ? "hard" : "soft", ev->u.expire.spi,
		       ev->u.expire.dir == DP_DIR_IN ? "in" : "out");
	else if (ev->type == DP_EV_IKE_PACKET)
	{
		printf("EVENT ike from=%s:%u len=%zu data=", addr_fmt(&ev->u.ike.src, b), ev->u.ike.sport, ev->u.ike.len);
		for (size_t i = 0; i < ev->u.ike.len && i < 64; i++)
			printf("%02x", ev->u.ike.data[i]);
		printf("\n");
	} else if (ev->type == DP_EV_DROP) {
		char d[ADDR_STRLEN];
		printf("EVENT drop %s spi=0x%08x %s:%u -> %s:%u proto %u count=%llu\n", dp_drop_name(ev->u.drop.why),
		       ev->u.drop.spi, addr_fmt(&ev->u.drop.sel.src.addr, b), ev->u.drop.sel.sport,
		       addr_fmt(&ev->u.drop.sel.dst.addr, d), ev->u.drop.sel.dport, ev->u.drop.sel.proto,
		       (unsigned long long)ev->u.drop.count);
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct dp_params p = { 0 };
	struct dataplane *dp;
	int i, err = 0, bad = 0;
	char line[4096];

	for (i = 1; i < argc && !strncmp(argv[i], "--", 2); i++) {
		const char *o = argv[i] + 2, *v = i + 1 < argc ? argv[i + 1] : "";
		if (!strcmp(o, "no-natt")) { p.no_natt_socket = true; continue; }
		if (!strcmp(o, "no-raw")) { p.no_raw_esp = true; continue; }
		if (!strcmp(o, "debug")) { log_set_level(LOG_LVL_DEBUG); continue; }
		i++;
		if (!strcmp(o, "tun")) p.tun_name = v;
		else if (!strcmp(o, "table")) p.route_table = (uint32_t)strtoul(v, NULL, 0);
		else if (!strcmp(o, "priority")) p.rule_priority = (uint32_t)strtoul(v, NULL, 0);
		else if (!strcmp(o, "mark")) p.fwmark = (uint32_t)strtoul(v, NULL, 0);
		else if (!strcmp(o, "port")) p.natt_port = (uint16_t)strtoul(v, NULL, 0);
		else if (!strcmp(o, "protostack")) p.protostack = v;
		else if (!strcmp(o, "mtu")) p.tun_mtu = (unsigned)strtoul(v, NULL, 0);
		else { fprintf(stderr, "esp_static: unknown option --%s\n", o); return 2; }
	}
	signal(SIGINT, on_sig);
	signal(SIGTERM, on_sig);
	signal(SIGPIPE, SIG_IGN);
	if (!p.protostack)
		p.protostack = "userspace";
	if (!(dp = dp_new(&p, &err))) {
		fprintf(stderr, "esp_static: %s\n", strerror(-err));
		return 1;
	}
	for (; i < argc; i++) {
		snprintf(line, sizeof(line), "%s", argv[i]);
		bad |= run(dp, line) != 0;
	}
	if (!bad) {
		printf("READY\n");
		fflush(stdout);
	}
	struct pollfd pfd[2] = { { .fd = 0, .events = POLLIN }, { .fd = dp_event_fd(dp), .events = POLLIN } };
	while (!stop && !bad) {
		if (poll(pfd, 2, 500) < 0)
			continue;
		if (pfd[1].revents)
			dp_poll_events(dp, on_event, NULL);
		if (pfd[0].revents) {
			/* stdio may hold several buffered lines: run them all */
			do {
				if (!fgets(line, sizeof(line), stdin)) {
					pfd[0].fd = -1;      /* stdin closed: keep running until a signal */
					break;
				}
				line[strcspn(line, "\r\n")] = 0;
				if (*line)
					run(dp, line);
			} while (stdin->_IO_read_ptr < stdin->_IO_read_end);
		}
	}
	dp_free(dp);
	return bad;
}
