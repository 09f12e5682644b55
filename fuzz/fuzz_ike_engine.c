/* Fuzz the IKE engine's receive path (the wire decoders have their own
 * targets).  Byte 0 selects:
 *   even: the rest is one datagram for a responder engine (IKE_SA_INIT
 *         handling, SA lookup, message IDs, decryption failures);
 *   1:    the rest is a list of payload records {type, len, body...} that an
 *         established peer sends ENCRYPTED (so it passes integrity) as a
 *         request of exchange 34 + (byte 1 & 3): every exchange handler
 *         sees arbitrary, authenticated inner payloads;
 *   3:    the initiator starts a request (byte 1: new Child SA, Child rekey,
 *         IKE rekey, liveness), the real answer is lost, and the records
 *         come back ENCRYPTED as the response: every response handler;
 *   2 (mod 4): the rest is a datagram answering a fresh initiator's
 *         IKE_SA_INIT (its SPI patched in): a malicious responder.
 * The pair is re-established whenever a fuzz input tore it down. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/proposals.h"
#include "ike/ike.h"
#include "ike/sa.h"
#include "lib/log.h"

struct fpkt { int to; struct ike_endpoint src, dst; size_t len; uint8_t *p; };

static struct fnet {
	uint64_t now;
	struct ike_engine *e[2];
	struct ike_conn conn[2];
	struct ike_endpoint ep[2];
	struct fpkt q[256];
	unsigned n;
	int who[2];
} net;

static uint64_t f_now(void *ctx) { (void)ctx; return net.now; }

static void f_send(void *ctx, const uint8_t *pkt, size_t len, const struct ike_endpoint *l,
		   const struct ike_endpoint *r)
{
	int me = *(int *)ctx;

	if (net.n >= 256)
		return;
	net.q[net.n] = (struct fpkt){ .to = !me, .src = *l, .dst = *r, .len = len, .p = malloc(len) };
	memcpy(net.q[net.n].p, pkt, len);
	net.n++;
}

static struct secret *f_psk(void *ctx, const struct cy_id *l, const struct cy_id *r)
{
	(void)ctx;
	(void)l;
	(void)r;
	return secret_dup("fuzzing key 0123456789", 22);
}

static struct ike_conn *f_find(void *ctx, const struct ike_endpoint *l, const struct ike_endpoint *r,
				     const struct cy_id *id, const struct alg_suite *ike)
{
	(void)l;
	(void)r;
	(void)id;
	(void)ike;
	return &net.conn[*(int *)ctx];
}

static const struct ike_ops f_ops = {
	.now = f_now, .send = f_send, .get_psk = f_psk, .find_conn_for_responder = f_find,
};

static void drain(void)
{
	for (unsigned k = 0; k < 64 && net.n; k++) {
		struct fpkt q = net.q[0];

		memmove(&net.q[0], &net.q[1], (net.n - 1) * sizeof(net.q[0]));
		net.n--;
		ike_recv(net.e[q.to], q.p, q.len, &q.dst, &q.src);
		free(q.p);
	}
	while (net.n)
		free(net.q[--net.n].p);
}

static void setup_conn(int i)
{
	const char *why;
	bool hb;

	ike_conn_defaults(&net.conn[i]);
	strcpy(net.conn[i].name, "fuzz");
	addr_parse(i ? "192.0.2.2" : "192.0.2.1", &net.conn[i].local.addr);
	addr_parse(i ? "192.0.2.1" : "192.0.2.2", &net.conn[i].remote.addr);
	subnet_parse(i ? "10.2.0.0/16" : "10.1.0.0/16", &net.conn[i].local.subnets[0], &hb);
	subnet_parse(i ? "10.1.0.0/16" : "10.2.0.0/16", &net.conn[i].remote.subnets[0], &hb);
	net.conn[i].local.n_subnets = net.conn[i].remote.n_subnets = 1;
	net.conn[i].narrowing = true;
	net.conn[i].keyingtries = 1;
	proposals_parse(PROP_IKE, "aes_gcm128-sha2_256-curve25519", &net.conn[i].ike, &why);
	proposals_parse(PROP_ESP, "aes_gcm128", &net.conn[i].esp, &why);
	net.ep[i] = (struct ike_endpoint){ net.conn[i].local.addr, 500 };
}

static struct ike_sa *established(int i)
{
	for (struct ike_sa *sa = net.e[i]->sas; sa; sa = sa->next)
		if (sa->state == IKE_S_ESTABLISHED)
			return sa;
	return NULL;
}

static void reset(void)
{
	for (int i = 0; i < 2; i++) {
		ike_engine_free(net.e[i]);
		net.e[i] = ike_engine_new(&f_ops, &net.who[i], NULL);
	}
}

static bool ensure_pair(void)
{
	if (established(0) && established(1) && !net.e[0]->sas->next && !net.e[1]->sas->next)
		return true;
	reset();
	ike_initiate(net.e[0], &net.conn[0], NULL, NULL);
	drain();
	return established(0) && established(1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;

	if (!init) {
		log_set_level(LOG_LVL_ERROR);
		net.who[1] = 1;
		setup_conn(0);
		setup_conn(1);
		reset();
		init = true;
	}
	if (size < 2)
		return 0;
	net.now += 1000;
	if ((data[0] & 3) == 0) {
		ike_recv(net.e[1], data + 1, size - 1, &net.ep[1], &net.ep[0]);
		drain();
		if (ike_count_sas(net.e[1], NULL, NULL) > 256)
			reset();
	} else if ((data[0] & 3) == 2) {
		uint8_t *pkt = malloc(size - 1);
		struct ike_sa *a;

		reset();
		ike_initiate(net.e[0], &net.conn[0], NULL, NULL);
		while (net.n)
			free(net.q[--net.n].p);
		a = net.e[0]->sas;
		memcpy(pkt, data + 1, size - 1);
		if (a && size - 1 >= 8) {
			put_be32(pkt, (uint32_t)(a->spi_i >> 32));
			put_be32(pkt + 4, (uint32_t)a->spi_i);
		}
		ike_recv(net.e[0], pkt, size - 1, &net.ep[0], &net.ep[1]);
		free(pkt);
		drain();
	} else if ((data[0] & 3) == 3 && ensure_pair()) {
		struct ike_sa *a = established(0), *b = established(1);
		struct msg_build *mb;
		struct pktset ps = { 0 };
		size_t off = 2;

		switch (data[1] & 3) {
		case 0: ike_create_child(net.e[0], a->serial); break;
		case 1: ike_rekey_child(net.e[0], a->children ? a->children->serial : 0, NULL); break;
		case 2: ike_rekey_ike(net.e[0], a->serial, NULL); break;
		default: ike_liveness(net.e[0], a->serial); break;
		}
		while (net.n)
			free(net.q[--net.n].p);
		if (!a->out.active)
			return 0;
		mb = malloc(sizeof(*mb));
		mb_begin(mb, b, a->out.exch, true, a->out.msgid, true);
		while (off + 2 <= size) {
			uint8_t type = data[off];
			size_t len = data[off + 1];

			off += 2;
			if (len > size - off)
				len = size - off;
			ikeb_raw(&mb->b, type, false, data + off, len);
			off += len;
		}
		if (mb_finish(mb, &ps))
			msg_transmit(b, &ps);
		pktset_clear(&ps);
		free(mb);
		b->peer_msgid = a->next_msgid;
		drain();
	} else if ((data[0] & 3) == 1 && ensure_pair()) {
		struct ike_sa *a = established(0), *b = established(1);
		struct msg_build *mb = malloc(sizeof(*mb));
		struct pktset ps = { 0 };
		size_t off = 2;

		mb_begin(mb, a, (uint8_t)(34 + (data[1] & 3)), false, b->peer_msgid, true);
		while (off + 2 <= size) {
			uint8_t type = data[off];
			size_t len = data[off + 1];

			off += 2;
			if (len > size - off)
				len = size - off;
			ikeb_raw(&mb->b, type, false, data + off, len);
			off += len;
		}
		if (mb_finish(mb, &ps))
			msg_transmit(a, &ps);
		pktset_clear(&ps);
		free(mb);
		drain();
		if ((a = established(0)) != NULL && (b = established(1)) != NULL)
			a->next_msgid = b->peer_msgid;
	}
	ike_tick(net.e[0]);
	ike_tick(net.e[1]);
	drain();
	return 0;
}
