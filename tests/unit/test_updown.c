/* The updown environment builder (src/daemon/updown_env.c): verb names,
 * Libreswan's variables and formats, what is left out, escaping of peer
 * IDs and of output lines, and the size bound. */
#include "harness.h"

#include <stdio.h>

#include "daemon/updown.h"
#include "lib/esc.h"

static void addr(const char *s, struct ip_addr *a)
{
	if (!addr_parse(s, a))
		t_fail(__FILE__, __LINE__, "bad address %s", s);
}

static void subnet(const char *s, struct ip_subnet *n)
{
	if (!subnet_parse(s, n, NULL))
		t_fail(__FILE__, __LINE__, "bad subnet %s", s);
}

static void id(const char *s, struct cy_id *i)
{
	if (!id_parse(s, i, NULL))
		t_fail(__FILE__, __LINE__, "bad id %s", s);
}

/* A site-to-site conn, west's view. */
static void base(struct updown_info *u)
{
	memset(u, 0, sizeof(*u));
	u->verb = UPDOWN_ROUTE;
	u->conn = "west-east";
	u->policy = "IKEv2+PSK+ENCRYPT+TUNNEL+PFS";
	u->stack = "userspace";
	u->interface = "eth0";
	addr("192.0.2.1", &u->me);
	addr("192.0.2.2", &u->peer);
	id("@west", &u->my_id);
	id("@east", &u->peer_id);
	subnet("198.51.100.0/24", &u->my_client);
	subnet("203.0.113.0/24", &u->peer_client);
	u->reqid = 16389;
	u->metric = 1;
}

/* The value of NAME in env, NULL when absent. */
static const char *get(const struct updown_env *e, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < e->n; i++)
		if (strncmp(e->v[i], name, n) == 0 && e->v[i][n] == '=')
			return e->v[i] + n + 1;
	return NULL;
}

static void test_verb_names(void)
{
	static const struct {
		enum updown_verb verb;
		const char *me, *client, *want;
	} rows[] = {
		{ UPDOWN_PREPARE, "192.0.2.1", "198.51.100.0/24", "prepare-client" },
		{ UPDOWN_ROUTE, "192.0.2.1", "192.0.2.1/32", "route-host" },
		{ UPDOWN_UP, "192.0.2.1", "192.0.2.0/24", "up-client" },
		{ UPDOWN_DOWN, "2001:db8::1", "2001:db8::1/128", "down-host-v6" },
		{ UPDOWN_UNROUTE, "2001:db8::1", "2001:db8:1::/64", "unroute-client-v6" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct updown_info u;
		char b[UPDOWN_VERB_STRLEN];

		base(&u);
		u.verb = rows[i].verb;
		addr(rows[i].me, &u.me);
		subnet(rows[i].client, &u.my_client);
		CHECK_STR(updown_verb_name(&u, b), rows[i].want);
	}
}

static void test_route_env(void)
{
	static const char *const want[][2] = {
		{ "PLUTO_VERB", "route-client" }, { "PLUTO_VERSION", "2.0" }, { "PLUTO_CONNECTION", "west-east" },
		{ "PLUTO_INTERFACE", "eth0" }, { "PLUTO_NEXT_HOP", "192.0.2.2" }, { "PLUTO_ME", "192.0.2.1" },
		{ "PLUTO_MY_ID", "@west" }, { "PLUTO_MY_CLIENT", "198.51.100.0/24" },
		{ "PLUTO_MY_CLIENT_NET", "198.51.100.0" }, { "PLUTO_MY_CLIENT_MASK", "255.255.255.0" },
		{ "PLUTO_MY_PORT", "0" }, { "PLUTO_MY_PROTOCOL", "0" }, { "PLUTO_SA_REQID", "16389" },
		{ "PLUTO_REQID", "16389" }, { "PLUTO_SA_TYPE", "none" }, { "PLUTO_PEER", "192.0.2.2" },
		{ "PLUTO_PEER_ID", "@east" }, { "PLUTO_PEER_CLIENT", "203.0.113.0/24" },
		{ "PLUTO_PEER_CLIENT_NET", "203.0.113.0" }, { "PLUTO_PEER_CLIENT_MASK", "255.255.255.0" },
		{ "PLUTO_PEER_CA", "" }, { "PLUTO_STACK", "userspace" }, { "PLUTO_METRIC", "1" },
		{ "PLUTO_ADDTIME", "0" }, { "PLUTO_CONN_POLICY", "IKEv2+PSK+ENCRYPT+TUNNEL+PFS" },
		{ "PLUTO_CONN_KIND", "CK_PERMANENT" }, { "PLUTO_CONN_ADDRFAMILY", "ipv4" },
		{ "PLUTO_CLIENT_FAMILY", "ipv4" }, { "XAUTH_FAILED", "0" }, { "PLUTO_IS_PEER_CISCO", "0" },
		{ "PLUTO_PEER_DNS_INFO", "" }, { "PLUTO_CFG_CLIENT", "0" }, { "VTI_IFACE", "" },
		{ "VTI_ROUTING", "no" }, { "SPI_IN", "0x0" }, { "SPI_OUT", "0x0" },
	};
	static const char *const absent[] = {
		"PLUTO_MTU", "PLUTO_MY_SOURCEIP", "PLUTO_MOBIKE_EVENT", "PLUTO_INBYTES", "PLUTO_OUTBYTES",
		"CONNMARK_IN", "CONNMARK_OUT",
	};
	struct updown_info u;
	struct updown_env e;

	base(&u);
	CHECK(updown_env_build(&u, &e));
	CHECK(strncmp(e.v[0], "PLUTO_VERB=", 11) == 0);
	CHECK(e.v[e.n] == NULL);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const char *v = get(&e, want[i][0]);

		if (!v || strcmp(v, want[i][1]) != 0)
			t_fail(__FILE__, __LINE__, "%s=%s, want %s", want[i][0], v ? v : "(absent)", want[i][1]);
	}
	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
		if (get(&e, absent[i]))
			t_fail(__FILE__, __LINE__, "%s is set", absent[i]);
}

/* down of an SA: SA type, SPIs, bytes, route settings, marks; IPv6 masks. */
static void test_down_env(void)
{
	struct updown_info u;
	struct updown_env e;

	base(&u);
	u.verb = UPDOWN_DOWN;
	addr("2001:db8::1", &u.me);
	addr("2001:db8::2", &u.peer);
	addr("2001:db8::fe", &u.nexthop);
	subnet("2001:db8:1::/64", &u.my_client);
	subnet("::/0", &u.peer_client);
	addr("2001:db8:1::7", &u.sourceip);
	u.mtu = 1400;
	u.metric = 0;
	u.has_sa = true;
	u.spi_in = 0xc0ffee01;
	u.spi_out = 0x1234;
	u.add_time = 1700000000;
	u.has_bytes = true;
	u.inbytes = 12345678901ULL;
	u.outbytes = 0;
	u.mark_in = (struct dp_mark){ 5, 0xffffffff };
	u.instance = true;
	CHECK(updown_env_build(&u, &e));
	CHECK_STR(get(&e, "PLUTO_VERB"), "down-client-v6");
	CHECK_STR(get(&e, "PLUTO_NEXT_HOP"), "2001:db8::fe");
	CHECK_STR(get(&e, "PLUTO_MY_CLIENT_MASK"), "ffff:ffff:ffff:ffff::");
	CHECK_STR(get(&e, "PLUTO_PEER_CLIENT"), "::/0");
	CHECK_STR(get(&e, "PLUTO_PEER_CLIENT_MASK"), "::");
	CHECK_STR(get(&e, "PLUTO_SA_TYPE"), "ESP");
	CHECK_STR(get(&e, "SPI_IN"), "0xc0ffee01");
	CHECK_STR(get(&e, "SPI_OUT"), "0x1234");
	CHECK_STR(get(&e, "PLUTO_ADDTIME"), "1700000000");
	CHECK_STR(get(&e, "PLUTO_INBYTES"), "12345678901");
	CHECK_STR(get(&e, "PLUTO_OUTBYTES"), "0");
	CHECK_STR(get(&e, "PLUTO_MTU"), "1400");
	CHECK(get(&e, "PLUTO_METRIC") == NULL);
	CHECK_STR(get(&e, "PLUTO_MY_SOURCEIP"), "2001:db8:1::7");
	CHECK_STR(get(&e, "PLUTO_MOBIKE_EVENT"), "");
	CHECK_STR(get(&e, "CONNMARK_IN"), "5/0xffffffff");
	CHECK(get(&e, "CONNMARK_OUT") == NULL);
	CHECK_STR(get(&e, "PLUTO_CONN_ADDRFAMILY"), "ipv6");
	CHECK_STR(get(&e, "PLUTO_CONN_KIND"), "CK_INSTANCE");
	CHECK_STR(get(&e, "PLUTO_INTERFACE"), "eth0");
	u.interface = "";
	CHECK(updown_env_build(&u, &e));
	CHECK_STR(get(&e, "PLUTO_INTERFACE"), "NULL");
}

/* A peer's ID with a newline, a quote and high bytes cannot add a
 * variable or a line: it arrives escaped. */
static void test_peer_id_escaped(void)
{
	struct updown_info u;
	struct updown_env e;

	base(&u);
	u.peer_id.kind = ID_FQDN;
	memcpy(u.peer_id.data, "evil\nPLUTO_VERB=x'\xff", 19);
	u.peer_id.len = 19;
	CHECK(updown_env_build(&u, &e));
	CHECK_STR(get(&e, "PLUTO_PEER_ID"), "@evil\\012PLUTO_VERB=x\\047\\377");
	CHECK_STR(get(&e, "PLUTO_VERB"), "route-client");
	for (size_t i = 0; i < e.n; i++)
		CHECK(strchr(e.v[i], '\n') == NULL);
}

/* Two IDs of the longest kind, every byte escaped, still fit. */
static void test_env_bound(void)
{
	struct updown_info u;
	struct updown_env e;

	base(&u);
	u.my_id.kind = u.peer_id.kind = ID_FQDN;
	memset(u.my_id.data, 0xff, ID_MAXLEN);
	memset(u.peer_id.data, '\n', ID_MAXLEN);
	u.my_id.len = u.peer_id.len = ID_MAXLEN;
	u.sourceip = u.me;
	u.has_sa = u.has_bytes = true;
	u.mtu = 9000;
	u.mark_in = u.mark_out = (struct dp_mark){ 0xffffffff, 0xffffffff };
	CHECK(updown_env_build(&u, &e));
	CHECK(e.n <= UPDOWN_ENV_MAX);
	CHECK(strlen(get(&e, "PLUTO_PEER_ID")) == 1 + 4 * ID_MAXLEN);
}

static void test_escape_line(void)
{
	char out[ESC_STRLEN(16)];

	CHECK_STR(updown_escape_line("plain text", 10, out, sizeof(out)), "plain text");
	CHECK_STR(updown_escape_line("esc\033[31mape", 11, out, sizeof(out)), "esc\\033[31mape");
	CHECK_STR(updown_escape_line("a\rb\0c", 5, out, sizeof(out)), "a\\015b\\000c");
	CHECK_STR(updown_escape_line("", 0, out, sizeof(out)), "");
}

int main(void)
{
	RUN(test_verb_names);
	RUN(test_route_env);
	RUN(test_down_env);
	RUN(test_peer_id_escaped);
	RUN(test_env_bound);
	RUN(test_escape_line);
	return t_done();
}
