/* Retransmission of our outstanding request: first after
 * retransmit-interval, then doubling, until retransmit-timeout since the
 * first transmission (Libreswan: 0.5, 1, 2 ... 32 s, then "60 second timeout
 * exceeded after 7 retransmits"). */
#include "ike/sa.h"

#include <stdio.h>

#include "lib/log.h"

static uint32_t timeout_ms(const struct ike_sa *sa)
{
	if (sa->out.liveness && sa->conn->dpd_timeout_ms)
		return sa->conn->dpd_timeout_ms;
	return sa->conn->retransmit_timeout_ms ? sa->conn->retransmit_timeout_ms : 60000;
}

uint64_t retransmit_deadline(const struct ike_sa *sa)
{
	return sa->out.active ? sa->out.next_at : 0;
}

static void fmt_secs(char *buf, size_t cap, uint64_t ms)
{
	if (ms % 1000)
		snprintf(buf, cap, "%llu.%llu", (unsigned long long)(ms / 1000),
			 (unsigned long long)(ms % 1000) / 100);
	else
		snprintf(buf, cap, "%llu", (unsigned long long)(ms / 1000));
}

static void give_up(struct ike_sa *sa)
{
	char secs[32], reason[256];
	bool first = sa->state == IKE_S_INIT_I;

	fmt_secs(secs, sizeof(secs), timeout_ms(sa));
	snprintf(reason, sizeof(reason),
		 "%s: %s second timeout exceeded after %u retransmits.  No response (or no acceptable response) to our %sIKEv2 message",
		 ike_state_name(sa->state), secs, sa->out.count, first ? "first " : "");
	msg_request_done(sa);
	if (sa->state == IKE_S_INIT_I || sa->state == IKE_S_AUTH_I) {
		sa_line(sa, IKE_RC_TIMEOUT, "%s", reason);
		ike_sa_fail(sa, IKE_RC_TIMEOUT, reason);
	} else if (sa->state == IKE_S_ESTABLISHED && !sa->rekeyed && !sa->redundant) {
		log_info("\"%s\" #%u: %s", sa->conn->name, sa->serial, reason);
		collide_dead_peer(sa, "peer not responding");   /* dpdaction */
	} else {
		log_info("\"%s\" #%u: %s", sa->conn->name, sa->serial, reason);
		ike_sa_destroy(sa, "peer not responding");
	}
}

bool retransmit_tick(struct ike_sa *sa, uint64_t now)
{
	uint64_t wait, end;
	char secs[32];

	if (!sa->out.active || now < sa->out.next_at)
		return true;
	end = sa->out.first_sent + timeout_ms(sa);
	if (now >= end) {
		give_up(sa);
		return false;
	}
	wait = sa->out.count < 32 ? (uint64_t)sa->out.interval << sa->out.count : UINT64_MAX;
	if (wait > timeout_ms(sa))
		wait = timeout_ms(sa);
	sa->out.count++;
	sa->out.next_at = now + wait < end ? now + wait : end;
	sa->e->stats.retransmits++;
	fmt_secs(secs, sizeof(secs), wait);
	sa_line(sa, 10, "%s: retransmission; will wait %s seconds for response", ike_state_name(sa->state), secs);
	msg_transmit(sa, &sa->out.pkts);
	return true;
}
