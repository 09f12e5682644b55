/* ikeload's pure pieces: latency percentiles, rates, address ranges and the
 * flood's pacer.  No I/O, no clock: the callers pass the time in. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ikeload.h"

bool lat_init(struct lat_stats *s, size_t cap)
{
	memset(s, 0, sizeof(*s));
	s->us = calloc(cap ? cap : 1, sizeof(*s->us));
	s->cap = s->us ? cap : 0;
	return s->us != NULL;
}

void lat_free(struct lat_stats *s)
{
	free(s->us);
	memset(s, 0, sizeof(*s));
}

void lat_add(struct lat_stats *s, uint64_t us)
{
	s->sum_us += us;
	if (s->n >= s->cap) {
		s->dropped++;
		return;
	}
	s->us[s->n++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

uint32_t lat_percentile(struct lat_stats *s, double pct)
{
	size_t rank;

	if (s->n == 0 || !(pct > 0))
		return 0;
	if (pct > 100)
		pct = 100;
	qsort(s->us, s->n, sizeof(*s->us), cmp_u32);
	/* nearest rank: the smallest value with at least pct% at or below it */
	rank = (size_t)((pct / 100.0) * (double)s->n + 0.999999999);
	if (rank < 1)
		rank = 1;
	if (rank > s->n)
		rank = s->n;
	return s->us[rank - 1];
}

double rate_per_s(uint64_t count, uint64_t ns)
{
	return ns ? (double)count * 1e9 / (double)ns : 0;
}

/* ---- addresses ---------------------------------------------------------- */

static size_t alen(const struct ip_addr *a) { return a->af == AF_INET6 ? 16 : 4; }

bool addr_add(const struct ip_addr *a, uint64_t n, struct ip_addr *out)
{
	size_t l = alen(a);

	*out = *a;
	for (size_t i = l; i-- > 0 && n;) {
		uint64_t v = out->a[i] + (n & 0xff);

		out->a[i] = (uint8_t)v;
		n = (n >> 8) + (v >> 8);
	}
	return n == 0;
}

/* hi - lo + 1, saturated */
static uint64_t range_count(const struct addr_range *r)
{
	size_t l = alen(&r->lo);
	uint64_t d = 0;

	for (size_t i = 0; i < l; i++) {
		int diff = (int)r->hi.a[i] - (int)r->lo.a[i];

		if (d > (UINT64_MAX >> 8))
			return UINT64_MAX;
		/* borrow handled by signed arithmetic on the running value */
		d = d * 256 + (uint64_t)(int64_t)diff;
	}
	return d == UINT64_MAX ? d : d + 1;
}

static bool prefix_range(const char *s, struct addr_range *r, const char **why)
{
	char a[64];
	const char *slash = strchr(s, '/');
	char *end;
	unsigned long len;
	size_t l;

	if ((size_t)(slash - s) >= sizeof(a)) {
		*why = "address too long";
		return false;
	}
	memcpy(a, s, (size_t)(slash - s));
	a[slash - s] = 0;
	len = strtoul(slash + 1, &end, 10);
	if (!addr_parse(a, &r->lo) || *end || end == slash + 1) {
		*why = "bad prefix";
		return false;
	}
	l = alen(&r->lo);
	if (len > l * 8) {
		*why = "prefix length too long";
		return false;
	}
	r->hi = r->lo;
	for (size_t bit = len; bit < l * 8; bit++) {
		r->lo.a[bit / 8] &= (uint8_t)~(0x80 >> (bit % 8));
		r->hi.a[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
	}
	if (r->lo.af == AF_INET && len < 31) {   /* no network or broadcast address */
		addr_add(&r->lo, 1, &r->lo);
		r->hi.a[3]--;
	}
	return true;
}

static bool one_range(const char *s, struct addr_range *r, const char **why)
{
	char a[64];
	const char *dash = strchr(s, '-');

	if (strchr(s, '/'))
		return prefix_range(s, r, why);
	if (!dash) {
		if (!addr_parse(s, &r->lo)) {
			*why = "bad address";
			return false;
		}
		r->hi = r->lo;
		return true;
	}
	if ((size_t)(dash - s) >= sizeof(a)) {
		*why = "address too long";
		return false;
	}
	memcpy(a, s, (size_t)(dash - s));
	a[dash - s] = 0;
	if (!addr_parse(a, &r->lo) || !addr_parse(dash + 1, &r->hi)) {
		*why = "bad address in range";
		return false;
	}
	if (r->lo.af != r->hi.af || addr_cmp(&r->lo, &r->hi) > 0) {
		*why = "range ends differ in family or are reversed";
		return false;
	}
	return true;
}

bool addr_ranges_parse(const char *s, struct addr_ranges *out, const char **why)
{
	char part[160];

	memset(out, 0, sizeof(*out));
	while (*s) {
		size_t n = strcspn(s, ",");

		if (n == 0 || n >= sizeof(part)) {
			*why = n ? "part too long" : "empty part";
			return false;
		}
		if (out->n == ADDR_RANGES_MAX) {
			*why = "too many parts";
			return false;
		}
		memcpy(part, s, n);
		part[n] = 0;
		if (!one_range(part, &out->r[out->n], why))
			return false;
		out->n++;
		s += n;
		if (*s == ',')
			s++;
	}
	if (out->n == 0) {
		*why = "no address";
		return false;
	}
	return true;
}

uint64_t addr_ranges_count(const struct addr_ranges *rs)
{
	uint64_t t = 0;

	for (unsigned i = 0; i < rs->n; i++) {
		uint64_t c = range_count(&rs->r[i]);

		if (c > UINT64_MAX - t)
			return UINT64_MAX;
		t += c;
	}
	return t;
}

bool addr_ranges_nth(const struct addr_ranges *rs, uint64_t i, struct ip_addr *out)
{
	for (unsigned k = 0; k < rs->n; k++) {
		uint64_t c = range_count(&rs->r[k]);

		if (i < c)
			return addr_add(&rs->r[k].lo, i, out);
		i -= c;
	}
	return false;
}

void addr_in_prefix(const struct ip_addr *prefix, unsigned len, const uint8_t rnd[16], struct ip_addr *out)
{
	size_t l = alen(prefix);

	*out = *prefix;
	for (size_t bit = len; bit < l * 8; bit++) {
		uint8_t m = (uint8_t)(0x80 >> (bit % 8));

		out->a[bit / 8] = (uint8_t)((out->a[bit / 8] & ~m) | (rnd[bit / 8] & m));
	}
}

/* ---- pacing -------------------------------------------------------------- */

void pacer_init(struct pacer *p, double rate, uint64_t now_ns, unsigned burst)
{
	p->rate = rate > 0 ? rate : 1;
	p->t0_ns = now_ns;
	p->sent = 0;
	p->burst = burst ? burst : 1;
}

unsigned pacer_due(struct pacer *p, uint64_t now_ns)
{
	double allowed;
	uint64_t want;

	if (now_ns <= p->t0_ns)
		return 0;
	allowed = (double)(now_ns - p->t0_ns) * p->rate / 1e9;
	want = (uint64_t)allowed;
	if (want <= p->sent)
		return 0;
	if (want - p->sent > p->burst) {
		/* the loop was late: forget the backlog beyond one burst */
		p->sent = want - p->burst;
		return p->burst;
	}
	return (unsigned)(want - p->sent);
}

void pacer_sent(struct pacer *p, unsigned n) { p->sent += n; }

uint64_t pacer_wait_ns(const struct pacer *p, uint64_t now_ns)
{
	double next_ns = (double)(p->sent + 1) * 1e9 / p->rate;
	uint64_t at = p->t0_ns + (uint64_t)next_ns;

	return at > now_ns ? at - now_ns : 0;
}
