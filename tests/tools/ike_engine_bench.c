/* The IKE engine alone, without sockets or a dataplane: two engines in one
 * process (tests/unit/ike_testlib.h: fake clock, fake network, a dataplane
 * that only counts) bring up N IKE SAs + Child SAs one after the other (A
 * initiates a conn of its own for each, B answers all with one
 * rightid=%any conn; X25519, AES-GCM, as bench/ike_rate.sh), then every SA
 * is deleted.  Prints the CPU time of each
 * phase and per SA: how the engine's own cost grows with the number of SAs
 * it holds (bench/ike_engine.sh runs N and 10 N and prints the ratio).
 * Uses only the public API (ike.h), so the same source builds against an
 * older libcygnet.a to compare.
 *
 *   ike_engine_bench N */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../unit/ike_testlib.h"
#include "config/proposals.h"

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static struct tn_net n;
	struct ike_conn *conns;
	long count = argc == 2 ? strtol(argv[1], NULL, 10) : 0;
	double t0, t1, t2;
	size_t ike, children = 0;
	const char *why;

	if (count < 1 || count > 1000000) {
		fprintf(stderr, "usage: ike_engine_bench N (1..1000000)\n");
		return 2;
	}
	conns = calloc((size_t)count, sizeof(*conns));
	if (!conns) {
		fprintf(stderr, "ike_engine_bench: out of memory\n");
		return 1;
	}
	log_set_level(LOG_LVL_ERROR);
	tn_init(&n);
	n.p[0].conn.uniqueids = n.p[1].conn.uniqueids = false;
	id_parse_shared("%any", &n.p[1].conn.remote.id, &why);
	/* what bench/ike_rate.sh configures: X25519, AES-GCM, no PFS */
	for (int i = 0; i < 2; i++) {
		if (!proposals_parse_shared(PROP_IKE, "aes_gcm_16_256-sha2_256-dh31", &n.p[i].conn.ike, &why) ||
		    !proposals_parse_shared(PROP_ESP, "aes_gcm_16_256", &n.p[i].conn.esp, &why)) {
			fprintf(stderr, "ike_engine_bench: proposals: %s\n", why);
			return 1;
		}
		n.p[i].conn.pfs = false;
	}
	t0 = cpu_s();
	for (long k = 0; k < count; k++) {
		char id[64];

		conns[k] = n.p[0].conn;
		snprintf(conns[k].name, sizeof(conns[k].name), "a-b%ld", k);
		snprintf(id, sizeof(id), "@w%ld.example", k);
		id_parse_shared(id, &conns[k].local.id, &why);
		ike_initiate(n.p[0].e, &conns[k], NULL, NULL);
		tn_run(&n);
		n.now++;
	}
	t1 = cpu_s();
	ike = ike_count_sas(n.p[1].e, NULL, &children);
	for (long k = 0; k < count; k++) {
		ike_terminate(n.p[0].e, &conns[k], NULL);
		tn_run(&n);
	}
	t2 = cpu_s();
	printf("n=%ld established=%zu children=%zu left=%zu setup_s=%.3f setup_us_per_sa=%.1f delete_s=%.3f "
	       "delete_us_per_sa=%.1f\n",
	       count, ike, children, ike_count_sas(n.p[1].e, NULL, NULL), t1 - t0, (t1 - t0) * 1e6 / (double)count,
	       t2 - t1, (t2 - t1) * 1e6 / (double)count);
	tn_free(&n);
	free(conns);
	return ike == (size_t)count ? 0 : 1;
}
