/* Review of issue 13 (a remote unauthenticated peer): the responder's conn
 * lookup (connindex.c) tries again, before every lookup, to build the view
 * of each conn whose view failed - an unoriented conn (neither end is an
 * address of this host, common in a configuration shared by several
 * hosts) fails every time, and each try asks the kernel for the host's
 * addresses (getifaddrs, ~0.1-0.4 ms) for both ends.  With U such conns
 * every IKE_SA_INIT, forged or not, costs 2U getifaddrs on the event loop:
 * 100 of them make ~50 forged packets a second saturate the daemon, below
 * any COOKIE threshold.  The retries must not be per lookup.
 *
 * getifaddrs() is replaced here (the test binary's definition wins over
 * libc's for libcygnet.a): this host has 127.0.0.1 only; calls are counted. */
#include "harness.h"

#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conn.h"
#include "daemon/conndb.h"
#include "daemon/connindex.h"
#include "daemon/connview.h"
#include "daemon/pluto.h"
#include "lib/log.h"

static unsigned n_getifaddrs;
static struct sockaddr_in lo_sin = { .sin_family = AF_INET, .sin_addr = { .s_addr = 0x0100007f } };
static char lo_name[] = "lo";
static struct ifaddrs lo_ifa = { .ifa_name = lo_name, .ifa_addr = (struct sockaddr *)&lo_sin };

int getifaddrs(struct ifaddrs **out)
{
	n_getifaddrs++;
	*out = &lo_ifa;
	return 0;
}

void freeifaddrs(struct ifaddrs *ifa)
{
	(void)ifa;
}

static bool add_conn(struct pluto *p, const char *name, const char *left, const char *right)
{
	struct conf_kvlist l;
	struct config_diag d;
	struct conn *c;
	bool ok;

	kvlist_init(&l);
	diag_init(&d);
	kvlist_add(&l, "", CONF_LEFT, left);
	kvlist_add(&l, "", CONF_RIGHT, right);
	kvlist_add(&l, "authby", CONF_NOSIDE, "secret");
	c = conn_from_kv(name, &l, NULL, &d);
	ok = c && conndb_insert(p->db, name, c, NULL);
	if (!ok && c)
		conn_free(c);
	kvlist_clear(&l);
	diag_free(&d);
	return ok;
}

static void test_unoriented_not_retried_per_lookup(void)
{
	enum { U = 100, LOOKUPS = 200 };
	struct pluto p;
	struct ike_endpoint l = { .port = 500 }, r = { .port = 500 };
	struct ike_conn *got = NULL;
	unsigned calls;

	memset(&p, 0, sizeof(p));
	p.db = conndb_new();
	if (!CHECK(p.db))
		return;
	CHECK(add_conn(&p, "roadwarriors", "127.0.0.1", "%any"));
	for (unsigned k = 0; k < U; k++) {
		char name[32], left[32], right[32];

		snprintf(name, sizeof(name), "other%03u", k);
		snprintf(left, sizeof(left), "192.0.2.%u", 100 + k % 100);
		snprintf(right, sizeof(right), "198.51.100.%u", 1 + k % 200);
		CHECK(add_conn(&p, name, left, right));
	}
	addr_parse("127.0.0.1", &l.addr);
	addr_parse("203.0.113.9", &r.addr);
	got = connview_for_peer(&p, &l, &r, NULL, NULL);      /* builds the index */
	CHECK(got && strcmp(got->name, "roadwarriors") == 0);
	calls = n_getifaddrs;
	for (unsigned i = 0; i < LOOKUPS; i++)
		got = connview_for_peer(&p, &l, &r, NULL, NULL);   /* one per IKE_SA_INIT */
	CHECK(got && strcmp(got->name, "roadwarriors") == 0);
	calls = n_getifaddrs - calls;
	/* at most a few rounds of retries, not one per lookup */
	if (calls > 4 * U)
		t_fail(__FILE__, __LINE__, "%u lookups with %u unoriented conns called getifaddrs %u times", LOOKUPS, U,
		       calls);
	conndb_free(p.db);
	connindex_flush();
}

int main(void)
{
	log_set_level(LOG_LVL_ERROR);
	RUN(test_unoriented_not_retried_per_lookup);
	return t_done();
}
