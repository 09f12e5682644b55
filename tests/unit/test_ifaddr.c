/* This host's addresses (src/lib/ifaddr.c): the snapshot it keeps follows
 * every address added or removed, at once.  Runs in a network namespace
 * of its own (unshare: needs root, as `make check` does). */
#include "harness.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/ifaddr.h"

static struct ip_addr A(const char *s)
{
	struct ip_addr a;

	if (!addr_parse(s, &a))
		abort();
	return a;
}

static void test_follows_changes(void)
{
	struct ip_addr a77 = A("192.0.2.77"), a6 = A("2001:db8::77"), lo = A("127.0.0.1"), got;
	struct ip_subnet net;
	char ifname[IF_NAMESIZE];

	if (unshare(CLONE_NEWNET) < 0) {
		t_fail(__FILE__, __LINE__, "unshare(CLONE_NEWNET) failed: run as root");
		return;
	}
	CHECK(system("ip link set lo up") == 0);
	CHECK(ifaddr_is_local(&lo, ifname));
	CHECK_STR(ifname, "lo");
	CHECK(!ifaddr_is_local(&a77, NULL));
	CHECK(subnet_parse("192.0.2.0/24", &net, NULL));
	CHECK(!ifaddr_in_subnet(&net, &got));
	for (int round = 0; round < 3; round++) {
		CHECK(system("ip addr add 192.0.2.77/32 dev lo && ip addr add 2001:db8::77/128 dev lo nodad") == 0);
		CHECK(ifaddr_is_local(&a77, ifname));
		CHECK_STR(ifname, "lo");
		CHECK(ifaddr_is_local(&a6, NULL));
		CHECK(ifaddr_in_subnet(&net, &got) && addr_eq(&got, &a77));
		CHECK(system("ip addr del 192.0.2.77/32 dev lo") == 0);
		CHECK(!ifaddr_is_local(&a77, NULL));
		CHECK(!ifaddr_in_subnet(&net, &got));
		CHECK(ifaddr_is_local(&a6, NULL));
		CHECK(system("ip addr del 2001:db8::77/128 dev lo") == 0);
		CHECK(!ifaddr_is_local(&a6, NULL));
	}
	CHECK(!ifaddr_is_local(&(struct ip_addr){ 0 }, NULL));
}

int main(void)
{
	RUN(test_follows_changes);
	return t_done();
}
