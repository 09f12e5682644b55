#include "lib/idpool.h"

#include <stdlib.h>

bool idpool_init(struct idpool *p, uint32_t base, uint32_t count)
{
	p->base = base;
	p->count = count;
	p->fresh = p->head = p->len = 0;
	p->ring = NULL;
	if (!count || count > IDPOOL_MAX || base > UINT32_MAX - (count - 1))
		return false;
	return (p->ring = calloc(count, sizeof(p->ring[0]))) != NULL;
}

void idpool_fini(struct idpool *p)
{
	free(p->ring);
	p->ring = NULL;
}

bool idpool_get(struct idpool *p, uint32_t *id)
{
	uint32_t off;

	if (p->fresh < p->count) {
		off = p->fresh++;
	} else if (p->len) {
		off = p->ring[p->head];
		p->head = (p->head + 1) % p->count;
		p->len--;
	} else {
		return false;
	}
	*id = p->base + off;
	return true;
}

void idpool_put(struct idpool *p, uint32_t id)
{
	p->ring[(p->head + p->len) % p->count] = id - p->base;
	p->len++;
}
