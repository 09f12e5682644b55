/* Shared strings: one counted copy of each distinct text, for the texts
 * thousands of loaded conns repeat (keyword names, the file they came
 * from).  Thread-safe. */
#ifndef CYGNET_STRSHARE_H
#define CYGNET_STRSHARE_H

#include <stddef.h>

/* A reference to the shared copy of s (NULL on allocation failure). */
const char *str_share(const char *s);
/* Drop a reference str_share() returned (NULL: no-op). */
void str_unshare(const char *s);
/* Distinct texts held now (tests). */
size_t str_shared_count(void);

#endif
