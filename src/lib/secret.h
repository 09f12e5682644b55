/* Secret bytes (keys, DH private values, PSKs): heap-held, never logged,
 * wiped with OPENSSL_cleanse when freed. */
#ifndef CYGNET_SECRET_H
#define CYGNET_SECRET_H

#include <stddef.h>
#include <stdint.h>

struct secret {
	size_t len;
	uint8_t data[];
};

struct secret *secret_new(size_t len);                 /* zero-filled; NULL on OOM */
struct secret *secret_dup(const void *p, size_t len);
struct secret *secret_concat(const struct secret *a, const struct secret *b);
void secret_free(struct secret *s);                    /* wipes; NULL is fine */
void secret_wipe(void *p, size_t len);                 /* wipe a stack buffer */
int secret_eq(const struct secret *a, const struct secret *b); /* constant-time, 1 if equal */

#endif
