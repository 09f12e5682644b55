/* A pool of integer ids base .. base + count - 1 (count 1..IDPOOL_MAX): the
 * never used ones first, in order, then the least recently freed (a FIFO),
 * so that a freed id comes back as late as possible.  O(1) both ways. */
#ifndef CYGNET_IDPOOL_H
#define CYGNET_IDPOOL_H

#include <stdbool.h>
#include <stdint.h>

#define IDPOOL_MAX 0x100000u

struct idpool {
	uint32_t base, count;
	uint32_t fresh;                /* offsets below were handed out once */
	uint32_t *ring;                /* freed offsets (pages touched as ids come back) */                /* freed offsets */
	uint32_t head, len;
};

bool idpool_init(struct idpool *p, uint32_t base, uint32_t count);   /* false: bad range, OOM */
void idpool_fini(struct idpool *p);
bool idpool_get(struct idpool *p, uint32_t *id);                     /* false: all in use */
void idpool_put(struct idpool *p, uint32_t id);                      /* an id from idpool_get */

#endif
