#include "lib/secret.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

struct secret *secret_new(size_t len)
{
	struct secret *s = calloc(1, sizeof(*s) + len + 1);

	if (s)
		s->len = len;
	return s;
}

struct secret *secret_dup(const void *p, size_t len)
{
	struct secret *s = secret_new(len);

	if (s && len)
		memcpy(s->data, p, len);
	return s;
}

struct secret *secret_concat(const struct secret *a, const struct secret *b)
{
	struct secret *s = secret_new(a->len + b->len);

	if (!s)
		return NULL;
	memcpy(s->data, a->data, a->len);
	memcpy(s->data + a->len, b->data, b->len);
	return s;
}

void secret_wipe(void *p, size_t len)
{
	OPENSSL_cleanse(p, len);
}

void secret_free(struct secret *s)
{
	if (!s)
		return;
	OPENSSL_cleanse(s->data, s->len);
	free(s);
}

int secret_eq(const struct secret *a, const struct secret *b)
{
	if (!a || !b || a->len != b->len)
		return 0;
	return CRYPTO_memcmp(a->data, b->data, a->len) == 0;
}
