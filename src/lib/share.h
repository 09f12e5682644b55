/* Shared immutable values: one counted copy of each distinct byte string,
 * for what thousands of loaded conns repeat (proposal lists, IDs, keyword
 * and file names).  Callers hand in a canonical form (no padding or unused
 * bytes that differ between equal values).  Thread-safe. */
#ifndef CYGNET_SHARE_H
#define CYGNET_SHARE_H

#include <stddef.h>
#include <string.h>

/* A reference to the shared copy of the len bytes at p (aligned for any
 * type), NULL on allocation failure. */
const void *share_blob(const void *p, size_t len);
/* One more reference to a shared copy (NULL: NULL). */
const void *share_ref(const void *shared);
/* Drop a reference (NULL: no-op); the last frees the copy. */
void share_drop(const void *shared);
/* Distinct values held now (tests). */
size_t share_count(void);

/* Shared strings. */
static inline const char *str_share(const char *s) { return share_blob(s, strlen(s) + 1); }
static inline void str_unshare(const char *s) { share_drop(s); }

#endif
