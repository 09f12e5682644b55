/* Shared immutable values (share.h): a hash table of counted copies. */
#include <pthread.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "lib/htab.h"
#include "lib/share.h"

struct shared {
	struct hnode node;
	unsigned refs;
	size_t len;
	alignas(max_align_t) unsigned char data[];   /* what is handed out */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct htab tab;
static bool tab_ready;

static struct shared *of(const void *p)
{
	return container_of(p, struct shared, data);
}

const void *share_blob(const void *p, size_t len)
{
	uint32_t h = fnv1a(FNV1A_INIT, p, len);
	struct shared *x = NULL;

	pthread_mutex_lock(&lock);
	if (!tab_ready)
		tab_ready = htab_init(&tab);
	for (struct hnode *e = tab_ready ? htab_first(&tab, h) : NULL; e; e = htab_next(e)) {
		struct shared *s = container_of(e, struct shared, node);

		if (s->len == len && memcmp(s->data, p, len) == 0) {
			x = s;
			break;
		}
	}
	if (x) {
		x->refs++;
	} else if (tab_ready && (x = malloc(sizeof(*x) + len)) != NULL) {
		x->refs = 1;
		x->len = len;
		memcpy(x->data, p, len);
		htab_add(&tab, &x->node, h);
	}
	pthread_mutex_unlock(&lock);
	return x ? x->data : NULL;
}

const void *share_ref(const void *shared)
{
	if (shared) {
		pthread_mutex_lock(&lock);
		of(shared)->refs++;
		pthread_mutex_unlock(&lock);
	}
	return shared;
}

void share_drop(const void *shared)
{
	struct shared *x;

	if (!shared)
		return;
	x = of(shared);
	pthread_mutex_lock(&lock);
	if (--x->refs == 0) {
		htab_del(&tab, &x->node);
		free(x);
	}
	pthread_mutex_unlock(&lock);
}

size_t share_count(void)
{
	size_t n;

	pthread_mutex_lock(&lock);
	n = tab_ready ? tab.n : 0;
	pthread_mutex_unlock(&lock);
	return n;
}
