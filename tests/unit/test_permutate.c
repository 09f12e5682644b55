/* leftsubnets=/rightsubnets= expansion (src/config/permutate.c).  The
 * expected names, order and pairs are what Libreswan 4.10's addconn added
 * to its pluto for the same conns (`ipsec whack --status`, checked on this
 * host: "both/1x1" .. "both/2x3", "lonly/1x0", "mixed/0x1", aliases: NAME,
 * nothing at all for a side without any subnet). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conn.h"
#include "config/permutate.h"
#include "harness.h"

static const struct config_opts NOROUTE = { .no_defaultroute_lookup = true };

#define HOSTS "\tleft=192.0.2.1\n\tright=192.0.2.2\n\tauthby=secret\n"

static const struct {
	const char *label, *body;
	const char *want;     /* "NAME LEFT RIGHT;" per conn, or "!error text" */
} cases[] = {
	{ "both sides", HOSTS "\tleftsubnets={10.1.0.0/24 10.1.1.0/24}\n"
	  "\trightsubnets={10.2.0.0/24 10.2.1.0/24 10.2.2.0/24}\n",
	  "c/1x1 10.1.0.0/24 10.2.0.0/24;c/1x2 10.1.0.0/24 10.2.1.0/24;c/1x3 10.1.0.0/24 10.2.2.0/24;"
	  "c/2x1 10.1.1.0/24 10.2.0.0/24;c/2x2 10.1.1.0/24 10.2.1.0/24;c/2x3 10.1.1.0/24 10.2.2.0/24;" },
	{ "left subnets, right subnet", HOSTS "\tleftsubnets=10.1.0.0/24,10.1.1.0/24\n\trightsubnet=10.2.0.0/16\n",
	  "c/1x0 10.1.0.0/24 10.2.0.0/16;c/2x0 10.1.1.0/24 10.2.0.0/16;" },
	{ "right subnets, left subnet", HOSTS "\tleftsubnet=10.1.0.0/16\n\trightsubnets={10.2.0.0/24 10.2.1.0/24}\n",
	  "c/0x1 10.1.0.0/16 10.2.0.0/24;c/0x2 10.1.0.0/16 10.2.1.0/24;" },
	{ "subnet= and subnets= on one side", HOSTS "\tleftsubnet=10.1.9.0/24\n"
	  "\tleftsubnets={10.1.0.0/24 10.1.1.0/24}\n\trightsubnets=10.2.0.0/24\n",
	  "c/0x1 10.1.9.0/24 10.2.0.0/24;c/1x1 10.1.0.0/24 10.2.0.0/24;c/2x1 10.1.1.0/24 10.2.0.0/24;" },
	{ "one element", HOSTS "\tleftsubnets=10.1.0.0/24\n\trightsubnets={10.2.0.0/24}\n",
	  "c/1x1 10.1.0.0/24 10.2.0.0/24;" },
	{ "IPv6", "\tleft=2001:db8::1\n\tright=2001:db8::2\n\tauthby=secret\n"
	  "\tleftsubnets={2001:db8:1::/48 2001:db8:2::/48}\n\trightsubnet=2001:db8:9::/48\n",
	  "c/1x0 2001:db8:1::/48 2001:db8:9::/48;c/2x0 2001:db8:2::/48 2001:db8:9::/48;" },
	{ "no subnets=: not expanded", HOSTS "\tleftsubnet=10.1.0.0/24\n\trightsubnet=10.2.0.0/24\n",
	  "c 10.1.0.0/24 10.2.0.0/24;" },
	{ "right side empty", HOSTS "\tleftsubnets={10.1.0.0/24 10.1.1.0/24}\n",
	  "!conn 'c': leftsubnets= needs rightsubnet= or rightsubnets=; no connection added" },
	{ "left side empty", HOSTS "\trightsubnets={10.2.0.0/24}\n",
	  "!conn 'c': rightsubnets= needs leftsubnet= or leftsubnets=; no connection added" },
};

static void render(const struct config_conn_entry *v, size_t n, char *out, size_t len)
{
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && o < len; i++) {
		const char *l = kvlist_get(&v[i].kv, "subnet", CONF_LEFT);
		const char *r = kvlist_get(&v[i].kv, "subnet", CONF_RIGHT);
		o += (size_t)snprintf(out + o, len - o, "%s %s %s;", v[i].name, l ? l : "-", r ? r : "-");
	}
}

static void test_table(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[1024], got[2048];
		struct config_diag d;
		struct config *cfg;
		struct config_conn_entry *v;
		size_t n = 0;

		snprintf(text, sizeof(text), "conn c\n%s\tauto=add\n", cases[i].body);
		diag_init(&d);
		cfg = config_load_buffer("t.conf", text, strlen(text), &NOROUTE, &d);
		if (!CHECK(cfg && d.n_errors == 0)) {
			t_fail(__FILE__, __LINE__, "%s: does not load", cases[i].label);
			diag_free(&d);
			config_free(cfg);
			continue;
		}
		v = permutate_config(cfg, &n, &d);
		if (cases[i].want[0] == '!') {
			if (n != 0 || d.n_errors != 1 || !strstr(d.lines[0], cases[i].want + 1))
				t_fail(__FILE__, __LINE__, "%s: %zu conns, diag \"%s\", want error \"%s\"",
				       cases[i].label, n, d.n ? d.lines[0] : "", cases[i].want + 1);
			if (d.n && strncmp(d.lines[0], "t.conf:1: ", 10) != 0)
				t_fail(__FILE__, __LINE__, "%s: diag \"%s\" without FILE:LINE", cases[i].label,
				       d.lines[0]);
		} else {
			render(v, n, got, sizeof(got));
			if (strcmp(got, cases[i].want) != 0)
				t_fail(__FILE__, __LINE__, "%s: got \"%s\", want \"%s\"", cases[i].label, got,
				       cases[i].want);
			for (size_t j = 0; j < n; j++) {
				bool expanded = strchr(v[j].name, '/') != NULL;
				const char *alias = kvlist_get(&v[j].kv, "connalias", CONF_NOSIDE);

				if (!v[j].conn || v[j].broken)
					t_fail(__FILE__, __LINE__, "%s: %s did not build", cases[i].label, v[j].name);
				else if (v[j].conn->end[0].n_subnets != 1 || v[j].conn->end[1].n_subnets != 1)
					t_fail(__FILE__, __LINE__, "%s: %s has %zu/%zu subnets", cases[i].label,
					       v[j].name, v[j].conn->end[0].n_subnets, v[j].conn->end[1].n_subnets);
				if (expanded && (!alias || strcmp(alias, "c") != 0))
					t_fail(__FILE__, __LINE__, "%s: %s connalias=%s", cases[i].label, v[j].name,
					       alias ? alias : "(none)");
				if (expanded && (kvlist_get(&v[j].kv, "subnets", CONF_LEFT) ||
						 kvlist_get(&v[j].kv, "subnets", CONF_RIGHT)))
					t_fail(__FILE__, __LINE__, "%s: %s keeps subnets=", cases[i].label, v[j].name);
			}
		}
		permutate_entries_free(v, n);
		diag_free(&d);
		config_free(cfg);
	}
}

/* connalias= of the conn is replaced by NAME (Libreswan: "aliases: al");
 * other keywords are kept; the conn's own name finds the group through
 * config_find_alias-compatible connalias; the other conns pass unchanged,
 * and broken ones are copied, not expanded. */
static void test_alias_and_mix(void)
{
	static const char text[] =
		"conn plain\n" HOSTS "\tauto=add\n"
		"conn al\n" HOSTS "\tleftsubnets={10.1.0.0/24 10.1.1.0/24}\n\trightsubnet=10.2.0.0/24\n"
		"\tconnalias=\"grp other\"\n\tike=aes256-sha2\n\tauto=start\n"
		"conn last\n" HOSTS "\tleftsubnet=10.9.0.0/24\n\tauto=ignore\n";
	struct config_diag d;
	struct config *cfg;
	struct config_conn_entry *v;
	size_t n = 0;

	diag_init(&d);
	cfg = config_load_buffer("t.conf", text, strlen(text), &NOROUTE, &d);
	if (!CHECK(cfg != NULL))
		return;
	v = permutate_config(cfg, &n, &d);
	CHECK_INT(n, 4);
	CHECK_INT(d.n, 0);
	if (n == 4) {
		CHECK_STR(v[0].name, "plain");
		CHECK_STR(v[1].name, "al/1x0");
		CHECK_STR(v[2].name, "al/2x0");
		CHECK_STR(v[3].name, "last");
		CHECK_STR(kvlist_get(&v[1].kv, "connalias", CONF_NOSIDE), "al");
		CHECK_STR(v[2].conn->connalias, "al");
		CHECK_STR(kvlist_get(&v[2].kv, "ike", CONF_NOSIDE), "aes256-sha2");
		CHECK_INT(v[2].conn->auto_, AUTO_START);
		CHECK_STR(v[2].file, "t.conf");
		CHECK_INT(v[2].line, cfg->conns[1].line);
		CHECK(kvlist_get(&v[0].kv, "connalias", CONF_NOSIDE) == NULL);
		CHECK(v[3].conn && v[3].conn->auto_ == AUTO_IGNORE);
	}
	permutate_entries_free(v, n);
	diag_free(&d);
	config_free(cfg);
}

/* The pure core: 0 when there is nothing to expand, the limit. */
static void test_kv_core(void)
{
	struct conf_kvlist kv;
	struct permuted *p = NULL;
	char why[256], big[8192];
	size_t o = 0;
	int k;

	kvlist_init(&kv);
	kvlist_add(&kv, "subnet", CONF_LEFT, "10.1.0.0/24");
	CHECK_INT(permutate_kv("x", &kv, &p, why, sizeof(why)), 0);
	CHECK(p == NULL);
	kvlist_add(&kv, "subnets", CONF_RIGHT, "10.2.0.0/24 10.2.1.0/24");
	k = permutate_kv("x", &kv, &p, why, sizeof(why));
	CHECK_INT(k, 2);
	if (k == 2) {
		CHECK_STR(p[0].name, "x/0x1");
		CHECK_STR(p[1].name, "x/0x2");
		CHECK_STR(kvlist_get(&p[1].kv, "subnet", CONF_RIGHT), "10.2.1.0/24");
	}
	permuted_free(p, k > 0 ? (size_t)k : 0);
	kvlist_clear(&kv);

	/* 64 x 64 = 4096 pairs is the limit; 65 subnets are refused by the list */
	kvlist_init(&kv);
	for (int i = 0; i < 64; i++)
		o += (size_t)snprintf(big + o, sizeof(big) - o, "10.%d.0.0/16 ", i);
	kvlist_add(&kv, "subnets", CONF_LEFT, big);
	kvlist_add(&kv, "subnets", CONF_RIGHT, big);
	p = NULL;
	k = permutate_kv("x", &kv, &p, why, sizeof(why));
	CHECK_INT(k, 4096);
	if (k == 4096)
		CHECK_STR(p[4095].name, "x/64x64");
	permuted_free(p, k > 0 ? (size_t)k : 0);
	kvlist_clear(&kv);
	kvlist_init(&kv);
	kvlist_add(&kv, "subnet", CONF_LEFT, "10.99.0.0/16");
	kvlist_add(&kv, "subnets", CONF_LEFT, big);
	kvlist_add(&kv, "subnets", CONF_RIGHT, big);
	p = NULL;
	k = permutate_kv("x", &kv, &p, why, sizeof(why));
	CHECK_INT(k, -1);
	CHECK(strstr(why, "4160 subnet pairs") != NULL);
	kvlist_clear(&kv);
}

int main(void)
{
	RUN(test_table);
	RUN(test_alias_and_mix);
	RUN(test_kv_core);
	return t_done();
}
