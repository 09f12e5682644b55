/* Shared strings (strshare.h): a hash table of counted copies. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/htab.h"
#include "lib/strshare.h"

struct shared_str {
	struct hnode node;
	unsigned refs;
	char s[];                     /* the text handed out */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct htab tab;
static bool tab_ready;

static struct shared_str *find(const char *s, uint32_t h)
{
	for (struct hnode *e = htab_first(&tab, h); e; e = htab_next(e)) {
		struct shared_str *x = container_of(e, struct shared_str, node);

		if (strcmp(x->s, s) == 0)
			return x;
	}
	return NULL;
}

const char *str_share(const char *s)
{
	size_t len = strlen(s);
	uint32_t h = fnv1a(FNV1A_INIT, s, len);
	struct shared_str *x = NULL;

	pthread_mutex_lock(&lock);
	if (!tab_ready)
		tab_ready = htab_init(&tab);
	if (tab_ready && (x = find(s, h)) != NULL) {
		x->refs++;
	} else if (tab_ready && (x = malloc(sizeof(*x) + len + 1)) != NULL) {
		x->refs = 1;
		memcpy(x->s, s, len + 1);
		htab_add(&tab, &x->node, h);
	}
	pthread_mutex_unlock(&lock);
	return x ? x->s : NULL;
}

void str_unshare(const char *s)
{
	struct shared_str *x;

	if (!s)
		return;
	x = container_of(s, struct shared_str, s);
	pthread_mutex_lock(&lock);
	if (--x->refs == 0) {
		htab_del(&tab, &x->node);
		free(x);
	}
	pthread_mutex_unlock(&lock);
}

size_t str_shared_count(void)
{
	size_t n;

	pthread_mutex_lock(&lock);
	n = tab_ready ? tab.n : 0;
	pthread_mutex_unlock(&lock);
	return n;
}
