/* The SA table: the list of IKE SAs in serial order and its indexes, so that
 * a packet, a timer or an operation finds its SA in O(1) (issue 13 item 3):
 *   sa_serial     IKE SAs by serial
 *   child_serial  Child SAs by serial
 *   sa_local      IKE SAs by the SPI we chose (SPIi as initiator, SPIr as
 *                 responder): random, so the peer cannot crowd a bucket
 *   sa_peer       a responder's IKE SAs by the peer's SPIi and address (a
 *                 retransmitted IKE_SA_INIT request), keyed by a secret
 * Lookups compare the real fields, so a stale index entry can only miss.
 * With CYGNET_IKE_CROSSCHECK set in the environment (the unit tests), every
 * lookup is compared with a walk of the list and a difference aborts. */
#include "ike/sa.h"

#include <stdio.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"

void sa_index_init(struct ike_engine *e)
{
	const char *cc = getenv("CYGNET_IKE_CROSSCHECK");

	if (!crypto_random(&e->hash_key, sizeof(e->hash_key)))
		e->hash_key = (uint64_t)(uintptr_t)e * 0x9e3779b97f4a7c15ull;
	e->sa_serial = (struct sht)SHT_INIT(struct ike_sa, by_serial);
	e->sa_local = (struct sht)SHT_INIT(struct ike_sa, by_local);
	e->sa_peer = (struct sht)SHT_INIT(struct ike_sa, by_peer);
	e->sa_id = (struct sht)SHT_INIT(struct ike_sa, by_id);
	e->sa_conn = (struct sht)SHT_INIT(struct ike_sa, by_conn);
	e->child_serial = (struct sht)SHT_INIT(struct child_sa, by_serial);
	e->child_spi = (struct sht)SHT_INIT(struct child_sa, by_spi);
	e->crosscheck = cc && *cc && *cc != '0';
}

void sa_index_free(struct ike_engine *e)
{
	sht_free(&e->sa_serial);
	sht_free(&e->sa_local);
	sht_free(&e->sa_peer);
	sht_free(&e->sa_id);
	sht_free(&e->sa_conn);
	sht_free(&e->child_serial);
	sht_free(&e->child_spi);
	sa_heap_free(&e->timers);
}

static void crosscheck_fail(const char *what, unsigned want, unsigned got)
{
	log_error("IKE SA index crosscheck: %s: the walk finds #%u, the index #%u", what, want, got);
	abort();
}

static uint64_t local_spi(const struct ike_sa *sa)
{
	return sa->initiator ? sa->spi_i : sa->spi_r;
}

static uint64_t peer_hash(const struct ike_engine *e, uint64_t spi_i, const struct ip_addr *a)
{
	return hash_mix(e->hash_key, spi_i ^ hash_bytes(e->hash_key, a, sizeof(*a)));
}

void ike_sa_reindex(struct ike_sa *sa)
{
	struct ike_engine *e = sa->e;

	if (local_spi(sa))
		sht_insert(&e->sa_local, sa, hash_mix(e->hash_key, local_spi(sa)));
	else
		sht_remove(&e->sa_local, sa);
	if (!sa->initiator && sa->spi_i)
		sht_insert(&e->sa_peer, sa, peer_hash(e, sa->spi_i, &sa->remote.addr));
	else
		sht_remove(&e->sa_peer, sa);
	ike_sa_dirty(sa);
}

void ike_sa_dirty(struct ike_sa *sa)
{
	if (sa->dirty)
		return;
	sa->dirty = true;
	sa->dirty_next = sa->e->dirty;
	if (sa->dirty_next)
		sa->dirty_next->dirty_pprev = &sa->dirty_next;
	sa->dirty_pprev = &sa->e->dirty;
	sa->e->dirty = sa;
}

void sa_link(struct ike_sa *sa)
{
	struct ike_engine *e = sa->e;

	sa->prev = e->sas_tail;
	sa->next = NULL;
	if (e->sas_tail)
		e->sas_tail->next = sa;
	else
		e->sas = sa;
	e->sas_tail = sa;
	sht_insert(&e->sa_serial, sa, hash_mix(e->hash_key, sa->serial));
	ike_sa_conn_index(sa);
	ike_sa_reindex(sa);
}

void sa_unlink(struct ike_sa *sa)
{
	struct ike_engine *e = sa->e;

	if (sa->prev)
		sa->prev->next = sa->next;
	else if (e->sas == sa)
		e->sas = sa->next;
	else
		return;   /* not linked */
	if (sa->next)
		sa->next->prev = sa->prev;
	else
		e->sas_tail = sa->prev;
	sa->next = sa->prev = NULL;
	sht_remove(&e->sa_serial, sa);
	sht_remove(&e->sa_local, sa);
	sht_remove(&e->sa_peer, sa);
	sht_remove(&e->sa_id, sa);
	sht_remove(&e->sa_conn, sa);
	sa_heap_set(&e->timers, sa, UINT64_MAX);
	if (sa->dirty) {
		*sa->dirty_pprev = sa->dirty_next;
		if (sa->dirty_next)
			sa->dirty_next->dirty_pprev = sa->dirty_pprev;
		sa->dirty = false;
	}
}

static bool spis_match(const struct ike_sa *sa, uint64_t spi_i, uint64_t spi_r)
{
	return sa->spi_i == spi_i && sa->spi_r == spi_r && sa->state != IKE_S_DEAD;
}

static struct ike_sa *find_by_local(struct ike_engine *e, uint64_t spi, uint64_t spi_i, uint64_t spi_r)
{
	uint64_t h = hash_mix(e->hash_key, spi);

	for (struct ike_sa *sa = sht_first(&e->sa_local, h); sa; sa = sht_next(&e->sa_local, sa))
		if (e->visits++, local_spi(sa) == spi && spis_match(sa, spi_i, spi_r))
			return sa;
	return NULL;
}

struct ike_sa *ike_sa_find(struct ike_engine *e, uint64_t spi_i, uint64_t spi_r)
{
	struct ike_sa *sa = NULL, *w;

	if (spi_r)
		sa = find_by_local(e, spi_r, spi_i, spi_r);
	if (!sa && spi_i)
		sa = find_by_local(e, spi_i, spi_i, spi_r);
	if (e->crosscheck) {
		for (w = e->sas; w && !spis_match(w, spi_i, spi_r); w = w->next)
			;
		if (w != sa && !(w && sa && spis_match(sa, spi_i, spi_r)))
			crosscheck_fail("ike_sa_find", w ? w->serial : 0, sa ? sa->serial : 0);
	}
	if (sa)
		ike_sa_dirty(sa);
	return sa;
}

static bool init_match(const struct ike_sa *sa, uint64_t spi_i, const struct ike_endpoint *remote)
{
	return sa->spi_i == spi_i && !sa->initiator && addr_eq(&sa->remote.addr, &remote->addr) &&
	       sa->state != IKE_S_DEAD;
}

struct ike_sa *ike_sa_find_init(struct ike_engine *e, uint64_t spi_i, const struct ike_endpoint *remote)
{
	uint64_t h = peer_hash(e, spi_i, &remote->addr);
	struct ike_sa *sa, *w;

	for (sa = sht_first(&e->sa_peer, h); sa; sa = sht_next(&e->sa_peer, sa))
		if (e->visits++, init_match(sa, spi_i, remote))
			break;
	if (e->crosscheck) {
		for (w = e->sas; w && !init_match(w, spi_i, remote); w = w->next)
			;
		if (w != sa && !(w && sa))
			crosscheck_fail("ike_sa_find_init", w ? w->serial : 0, sa ? sa->serial : 0);
	}
	if (sa)
		ike_sa_dirty(sa);
	return sa;
}

static bool init_i_match(const struct ike_sa *sa, uint64_t spi_i)
{
	return sa->initiator && sa->spi_i == spi_i && sa->state == IKE_S_INIT_I;
}

struct ike_sa *ike_sa_find_init_i(struct ike_engine *e, uint64_t spi_i)
{
	uint64_t h = hash_mix(e->hash_key, spi_i);
	struct ike_sa *sa, *w;

	for (sa = sht_first(&e->sa_local, h); sa; sa = sht_next(&e->sa_local, sa))
		if (e->visits++, init_i_match(sa, spi_i))
			break;
	if (e->crosscheck) {
		for (w = e->sas; w && !init_i_match(w, spi_i); w = w->next)
			;
		if (w != sa && !(w && sa))
			crosscheck_fail("ike_sa_find_init_i", w ? w->serial : 0, sa ? sa->serial : 0);
	}
	if (sa)
		ike_sa_dirty(sa);
	return sa;
}

struct ike_sa *ike_sa_by_serial(struct ike_engine *e, unsigned serial)
{
	uint64_t h = hash_mix(e->hash_key, serial);
	struct ike_sa *sa;

	for (sa = sht_first(&e->sa_serial, h); sa; sa = sht_next(&e->sa_serial, sa))
		if (e->visits++, sa->serial == serial)
			break;
	if (e->crosscheck) {
		struct ike_sa *w;

		for (w = e->sas; w && w->serial != serial; w = w->next)
			;
		if (w != sa)
			crosscheck_fail("ike_sa_by_serial", w ? w->serial : 0, sa ? sa->serial : 0);
	}
	if (sa)
		ike_sa_dirty(sa);   /* whoever looks an SA up by serial may change its timers */
	return sa;
}

void child_sa_index(struct child_sa *c)
{
	struct ike_engine *e = c->ike->e;

	sht_insert(&e->child_serial, c, hash_mix(e->hash_key, c->serial));
}

void child_sa_unindex(struct child_sa *c)
{
	if (c->ike) {
		sht_remove(&c->ike->e->child_serial, c);
		sht_remove(&c->ike->e->child_spi, c);
	}
}

static bool spi_taken(struct ike_engine *e, uint32_t spi, uint64_t h)
{
	for (struct child_sa *o = sht_first(&e->child_spi, h); o; o = sht_next(&e->child_spi, o))
		if (e->visits++, o->spi_in == spi)
			return true;
	return false;
}

uint32_t child_spi_alloc(struct child_sa *c)
{
	struct ike_engine *e = c->ike->e;

	sht_remove(&e->child_spi, c);
	c->spi_in = 0;
	for (int tries = 0; tries < 64; tries++) {
		uint32_t spi = e->n_test_spis ? (e->n_test_spis--, *e->test_spis++) : crypto_random_esp_spi();
		uint64_t h = hash_mix(e->hash_key, spi);

		if (!spi)
			return 0;
		if (spi_taken(e, spi, h))
			continue;
		if (!sht_insert(&e->child_spi, c, h))
			return 0;
		return c->spi_in = spi;
	}
	return 0;
}

struct child_sa *child_by_serial(struct ike_engine *e, unsigned serial)
{
	uint64_t h = hash_mix(e->hash_key, serial);
	struct child_sa *c;

	for (c = sht_first(&e->child_serial, h); c; c = sht_next(&e->child_serial, c))
		if (e->visits++, c->serial == serial)
			break;
	if (e->crosscheck) {
		struct child_sa *w = NULL;

		for (struct ike_sa *sa = e->sas; sa && !w; sa = sa->next)
			for (w = sa->children; w && w->serial != serial; w = w->next)
				;
		if (w != c)
			crosscheck_fail("child_by_serial", w ? w->serial : 0, c ? c->serial : 0);
	}
	if (c)
		ike_sa_dirty(c->ike);
	return c;
}

uint64_t ike_test_visits(const struct ike_engine *e)
{
	return e->visits;
}

/* Consistent with id_eq(): names compare without case up to a NUL. */
static uint64_t id_hash(const struct ike_engine *e, const struct cy_id *id)
{
	uint64_t h = hash_mix(e->hash_key, (uint64_t)id->kind);
	uint8_t low[ID_MAXLEN];
	size_t n = 0;

	switch (id->kind) {
	case ID_IPV4_ADDR:
	case ID_IPV6_ADDR:
		return hash_mix(h, hash_bytes(e->hash_key, &id->ip, sizeof(id->ip)));
	case ID_FQDN:
	case ID_RFC822_ADDR:
	case ID_DER_ASN1_DN:
		for (; n < id->len && n < sizeof(low) && id->data[n]; n++)
			low[n] = (uint8_t)tolower(id->data[n]);
		return hash_mix(h, hash_bytes(e->hash_key, low, n) ^ id->len);
	case ID_KEY_ID:
		return hash_mix(h, hash_bytes(e->hash_key, id->data, id->len < sizeof(id->data) ? id->len : sizeof(id->data)));
	default:
		return h;
	}
}

void ike_sa_id_index(struct ike_sa *sa)
{
	if (sa->state == IKE_S_ESTABLISHED)
		sht_insert(&sa->e->sa_id, sa, id_hash(sa->e, sa->remote_id));
	else
		sht_remove(&sa->e->sa_id, sa);
}

static struct ike_sa *id_from(struct ike_engine *e, struct ike_sa *sa, const struct cy_id *id)
{
	for (; sa; sa = sht_next(&e->sa_id, sa))
		if (e->visits++, sa->state == IKE_S_ESTABLISHED && id_eq(sa->remote_id, id))
			return sa;
	return NULL;
}

struct ike_sa *ike_sa_id_first(struct ike_engine *e, const struct cy_id *id)
{
	return id_from(e, sht_first(&e->sa_id, id_hash(e, id)), id);
}

struct ike_sa *ike_sa_id_next(struct ike_engine *e, const struct ike_sa *sa, const struct cy_id *id)
{
	return id_from(e, sht_next(&e->sa_id, sa), id);
}

static int cmp_serial(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

void serials_sort(unsigned *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_serial);
}

static uint64_t conn_hash(const struct ike_engine *e, const struct ike_conn *conn)
{
	return hash_mix(e->hash_key, (uint64_t)(uintptr_t)conn);
}

void ike_sa_conn_index(struct ike_sa *sa)
{
	sht_insert(&sa->e->sa_conn, sa, conn_hash(sa->e, sa->conn));
}

static struct ike_sa *conn_from(struct ike_engine *e, struct ike_sa *sa, const struct ike_conn *conn)
{
	for (; sa; sa = sht_next(&e->sa_conn, sa))
		if (e->visits++, sa->conn == conn)
			return sa;
	return NULL;
}

struct ike_sa *ike_sa_conn_first(struct ike_engine *e, const struct ike_conn *conn)
{
	return conn_from(e, sht_first(&e->sa_conn, conn_hash(e, conn)), conn);
}

struct ike_sa *ike_sa_conn_next(struct ike_engine *e, const struct ike_sa *sa)
{
	return conn_from(e, sht_next(&e->sa_conn, sa), sa->conn);
}
