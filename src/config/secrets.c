/* ipsec.secrets table: construction, diagnostics, freeing (secrets wiped). */
#include "config/secrets.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECRET_KIND_NAME(e, s) [e] = s,
static const char *const kind_names[SECRET_KIND_COUNT] = { SECRET_KINDS(SECRET_KIND_NAME) };
#undef SECRET_KIND_NAME

const char *secret_kind_name(enum secret_kind k)
{
	return (unsigned)k < SECRET_KIND_COUNT ? kind_names[k] : "?";
}

bool secret_kind_is_key(enum secret_kind k)
{
	return k == SECRET_RSA || k == SECRET_ECDSA || k == SECRET_EDDSA;
}

struct secrets *secrets_new(void)
{
	struct secrets *s = calloc(1, sizeof(*s));

	if (s)
		s->next_ordinal = 1;
	return s;
}

static bool grow(void **v, size_t *cap, size_t n, size_t elem)
{
	size_t ncap;
	void *nv;

	if (n < *cap)
		return true;
	ncap = *cap ? *cap * 2 : 16;
	nv = realloc(*v, ncap * elem);
	if (!nv)
		return false;
	*v = nv;
	*cap = ncap;
	return true;
}

void secrets_diag(struct secrets *s, enum secrets_diag_level lvl, const char *fmt, ...)
{
	va_list ap;
	char *text = NULL;

	if (lvl == SECRETS_DIAG_ERROR)
		s->n_errors++;
	else if (lvl == SECRETS_DIAG_WARN)
		s->n_warnings++;
	if (!grow((void **)&s->diags, &s->cap_diags, s->n_diags, sizeof(*s->diags)))
		return;
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	if (!text)
		return;
	s->diags[s->n_diags].level = lvl;
	s->diags[s->n_diags].text = text;
	s->n_diags++;
}

const char *secrets_add_file(struct secrets *s, const char *path)
{
	char *copy;

	if (!grow((void **)&s->files, &s->cap_files, s->n_files, sizeof(*s->files)))
		return NULL;
	copy = strdup(path);
	if (!copy)
		return NULL;
	s->files[s->n_files++] = copy;
	return copy;
}

static void entry_free(struct secret_entry *e)
{
	secret_free(e->value);
	free(e->ids);
	free(e->ppk_id);
	free(e->key_path);
	EVP_PKEY_free(e->pkey);
	memset(e, 0, sizeof(*e));
}

void secrets_free(struct secrets *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_entries; i++)
		entry_free(&s->entries[i]);
	free(s->entries);
	for (size_t i = 0; i < s->n_diags; i++)
		free(s->diags[i].text);
	free(s->diags);
	for (size_t i = 0; i < s->n_files; i++)
		free(s->files[i]);
	free(s->files);
	free(s->source);
	free(s);
}

/* Append a finished entry (ownership of its pointers moves to the table). */
bool secrets_take_entry(struct secrets *s, struct secret_entry *e)
{
	if (!grow((void **)&s->entries, &s->cap_entries, s->n_entries, sizeof(*s->entries))) {
		entry_free(e);
		return false;
	}
	s->entries[s->n_entries++] = *e;
	memset(e, 0, sizeof(*e));
	return true;
}

void secrets_entry_free(struct secret_entry *e)
{
	entry_free(e);
}
