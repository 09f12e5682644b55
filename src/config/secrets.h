/* ipsec.secrets: pre-shared keys, XAUTH passwords, static PPKs and
 * private-key file references, in Libreswan's ipsec.secrets(5) syntax.
 *
 *   file    := { entry | include | comment | blank }
 *   entry   := [index {WS index}] WS? ':' WS kind WS value   (first token in column 0;
 *              continuation lines indented)
 *   index   := IPv4 | IPv6 | hostname | @fqdn | user@fqdn | @#hex | @[keyid] | DN | %any | %any6
 *   kind    := PSK | XAUTH | PPKS | RSA | ECDSA | EDDSA      (case-insensitive)
 *   value   := "quoted" | 0xHEX[_HEX..] | 0sBASE64 | 0tTEXT
 *   PPKS    := PPKS "PPK_ID" value
 *   RSA ... := RSA "keyfile" [ "passphrase" | 0x.. | 0s.. | 0t.. ]
 *   include := include PATH-OR-GLOB   (relative to the including file; depth <= 10)
 *
 * The loader never prints: every message (FILE:LINE: text, never the secret
 * bytes) is collected in the table's diagnostics for the caller to forward:
 * ERROR and WARN texts map to Libreswan's "003" lines, INFO texts ("loading
 * secrets from \"F\"" for every file read, "no secrets filename matched
 * \"P\"") to "002" lines.  Texts already carry "WARNING:" / "ERROR:" where
 * Libreswan's do.  Selection rules: secrets_select.c; differences from
 * Libreswan: docs/COMPATIBILITY.md "ipsec.secrets".
 * Secret bytes live in struct secret and are wiped by secrets_free(). */
#ifndef CYGNET_SECRETS_H
#define CYGNET_SECRETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/id.h"
#include "lib/secret.h"

typedef struct evp_pkey_st EVP_PKEY;

#define SECRETS_MAX_INCLUDE_DEPTH 10
#define SECRETS_MAX_FILE_SIZE (64u << 20)
#define SECRETS_WEAK_PSK_LEN 8          /* shorter PSKs get a warning */
#define SECRETS_CKAID_LEN 20            /* SHA-1 */

#define SECRET_KINDS(X) \
	X(SECRET_PSK, "PSK") \
	X(SECRET_XAUTH, "XAUTH") \
	X(SECRET_PPKS, "PPKS") \
	X(SECRET_RSA, "RSA") \
	X(SECRET_ECDSA, "ECDSA") \
	X(SECRET_EDDSA, "EDDSA")

#define SECRET_KIND_ENUM(e, s) e,
enum secret_kind { SECRET_KINDS(SECRET_KIND_ENUM) SECRET_KIND_COUNT };
#undef SECRET_KIND_ENUM

const char *secret_kind_name(enum secret_kind k);
bool secret_kind_is_key(enum secret_kind k);   /* RSA, ECDSA, EDDSA */

struct secret_entry {
	unsigned ordinal;             /* 1-based position among all entries loaded, in
				       * load order; failed entries consume a number too */
	enum secret_kind kind;
	size_t n_ids;
	struct cy_id *ids;            /* indices, in file order; %any = 0.0.0.0, %any6 = :: */
	struct secret *value;         /* PSK / XAUTH / PPKS bytes; NULL for keys */
	uint8_t *ppk_id;              /* PPKS only (not secret) */
	size_t ppk_id_len;
	EVP_PKEY *pkey;               /* RSA / ECDSA / EDDSA: the loaded private key */
	uint8_t ckaid[SECRETS_CKAID_LEN];
	char *key_path;               /* resolved key file path (keys only) */
	const char *file;             /* borrowed from the table's file list */
	unsigned line;                /* where the entry starts (--listall shows it) */
};

enum secrets_diag_level { SECRETS_DIAG_ERROR, SECRETS_DIAG_WARN, SECRETS_DIAG_INFO };

struct secrets_diag {
	enum secrets_diag_level level;
	char *text;                   /* "FILE:LINE: message" or "FILE: ..." */
};

struct secrets {
	struct secret_entry *entries; /* load order (files in include order) */
	size_t n_entries, cap_entries;
	struct secrets_diag *diags;
	size_t n_diags, cap_diags;
	unsigned n_errors, n_warnings;
	unsigned next_ordinal;
	char *source;                 /* the name given to secrets_load/parse_buffer */
	char **files;                 /* every file read, first = the top file */
	size_t n_files, cap_files;
	/* loader state: real paths of the files being read (include loops) */
	char *reading[SECRETS_MAX_INCLUDE_DEPTH + 2];
	int n_reading;
};

/* Resolve a hostname index to an address; false when the lookup fails.  */
typedef bool (*secrets_resolve_fn)(void *arg, const char *host, struct ip_addr *out);

struct secrets_opts {
	const char *ipsecdir;         /* relative key paths: <ipsecdir>/private/FILE
				       * (NULL: "/etc/ipsec.d") */
	secrets_resolve_fn resolve;   /* NULL: getaddrinfo() */
	void *resolve_arg;
	bool no_includes;             /* report include lines, read nothing (fuzzing) */
	bool no_key_files;            /* parse key entries but do not open key files */
	bool no_perm_check;           /* skip the group/other-readable warning */
};

/* Load FILE (a glob, as Libreswan accepts) with its includes into a new
 * table.  Never NULL except on out-of-memory; check n_errors and diags. */
struct secrets *secrets_load(const char *file, const struct secrets_opts *opts);
/* Parse one in-memory file named NAME.  Includes are followed (relative to
 * NAME's directory) unless opts->no_includes. */
struct secrets *secrets_parse_buffer(const char *name, const char *text, size_t len,
				     const struct secrets_opts *opts);
void secrets_free(struct secrets *s);   /* wipes every secret; NULL is fine */

/* The best entry of KIND for (local, remote) by the ipsec.secrets(5) rules
 * (see secrets_select.c for the exact ranking); NULL when none matches.
 * remote may be NULL (XAUTH lookup by user name). */
const struct secret_entry *secrets_find(const struct secrets *s, enum secret_kind kind,
					const struct cy_id *local, const struct cy_id *remote);
/* Match rank of one entry (0 = does not match); exposed for tests. */
unsigned secrets_match_rank(const struct secret_entry *e, const struct cy_id *local,
			    const struct cy_id *remote);
/* The static PPK with this PPK_ID (first in file order), or NULL. */
const struct secret_entry *secrets_find_ppk(const struct secrets *s, const uint8_t *id, size_t len);
/* The private key whose CKAID (SHA-1 of the public key) is ckaid, or NULL. */
const struct secret_entry *secrets_find_key(const struct secrets *s, const uint8_t ckaid[SECRETS_CKAID_LEN]);

/* `--listall` "List of Pre-shared secrets" block, one call per line, lines
 * without the "000 " code prefix (blank lines are " "). */
typedef void (*secrets_line_fn)(void *arg, const char *line);
void secrets_list(const struct secrets *s, secrets_line_fn emit, void *arg);

/* ---- internal, shared by the secrets_*.c files ---- */
struct secrets *secrets_new(void);
void secrets_diag(struct secrets *s, enum secrets_diag_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *secrets_add_file(struct secrets *s, const char *path);
/* Append a finished entry; its pointers move to the table (freed on OOM). */
bool secrets_take_entry(struct secrets *s, struct secret_entry *e);
void secrets_entry_free(struct secret_entry *e);   /* wipes, zeroes */
/* Parse NAME's text into s; depth counts include nesting (0 = top file). */
void secrets_parse_into(struct secrets *s, const char *name, const char *text, size_t len,
			const struct secrets_opts *opts, int depth);
/* Read and parse a file (or glob) into s; used for the top file and includes. */
void secrets_load_into(struct secrets *s, const char *pattern, const struct secrets_opts *opts,
		       int depth);
/* Load the key file PATH into e (kind RSA/ECDSA/EDDSA: pkey, ckaid) with an
 * optional passphrase; warns into s about loose permissions; on failure sets
 * *why to a static reason and returns false. */
bool secrets_load_key(struct secrets *s, struct secret_entry *e, const char *path,
		      const struct secret *pass, bool perm_check, const char **why);
/* Decode a value token (quoted, 0x, 0s, 0t) into a new secret; *why on failure. */
struct secret *secrets_decode_value(const char *tok, size_t len, const char **why);
/* Read a whole regular file (max SECRETS_MAX_FILE_SIZE, NUL-terminated);
 * NULL with errno on failure.  The caller wipes and frees it. */
char *secrets_read_file(struct secrets *s, const char *path, size_t *len, bool perm_check);
/* Warn when a file is readable by group or others. */
void secrets_check_perm(struct secrets *s, const char *path, int fd);

#endif
