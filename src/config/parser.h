/* ipsec.conf parser: files -> raw sections (no resolution yet).
 *
 * Reads the top file (or a memory buffer), follows `include` globs relative
 * to the including file's directory (depth <= PARSER_MAX_DEPTH, a file that
 * includes itself directly or indirectly is an error), maps every keyword
 * through the keyword table (aliases -> canonical, obsolete -> warning,
 * unknown -> syntax error) and records FILE:LINE for each item.
 * Errors go to struct config_diag.  Fatal (file-level) errors make the
 * parse fail, as in Libreswan (addconn rc 3); a key repeated inside one
 * section only marks that section broken. */
#ifndef CYGNET_CONFIG_PARSER_H
#define CYGNET_CONFIG_PARSER_H

#include <stdbool.h>
#include <stddef.h>

#include "config/conn.h"
#include "config/keywords.h"

#define PARSER_MAX_DEPTH 10

struct raw_item {
	struct kw_ref ref;          /* ref.def canonical row (NULL for x- user keys) */
	char *key;                  /* as spelled (user keys: exact text) */
	char *value;
	const char *file;           /* owned by raw_config.files */
	unsigned line;
	signed char valid;          /* resolve's cache: 0 unchecked, 1 valid, -1 invalid */
};

enum raw_kind { RAW_SETUP, RAW_CONN, RAW_DEFAULT };

struct raw_section {
	enum raw_kind kind;
	char *name;                 /* conn name ("%default" for RAW_DEFAULT) */
	const char *file;
	unsigned line;
	bool broken;                /* duplicate key etc. (message in diag) */
	size_t n, cap;
	struct raw_item *items;
};

struct raw_config {
	size_t n, cap;
	struct raw_section *sec;
	size_t n_files, cap_files;
	char **files;               /* every file name seen (for FILE:LINE) */
};

struct raw_config *parser_parse_file(const char *path, const struct config_opts *o,
				     struct config_diag *diag);
struct raw_config *parser_parse_buffer(const char *name, const char *buf, size_t len,
				       const struct config_opts *o, struct config_diag *diag);
void raw_config_free(struct raw_config *rc);

#endif
