/* Reading ipsec.secrets files: globs, includes (relative to the including
 * file, depth-limited, loops detected), permission warnings.  The file's
 * bytes are wiped after parsing: they hold the secrets. */
#include "config/secrets.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static __thread int glob_errno;
static __thread char glob_errpath[256];

static int glob_err(const char *path, int err)
{
	if (!glob_errno) {
		glob_errno = err;
		snprintf(glob_errpath, sizeof(glob_errpath), "%s", path);
	}
	return 0;
}

void secrets_check_perm(struct secrets *s, const char *path, int fd)
{
	struct stat st;

	if (fstat(fd, &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH)))
		secrets_diag(s, SECRETS_DIAG_WARN,
			     "%s: WARNING: %s is readable by group/others (mode %04o); it should be 0600",
			     path, path, (unsigned)(st.st_mode & 07777));
}

char *secrets_read_file(struct secrets *s, const char *path, size_t *len, bool perm_check)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		goto fail;
	}
	if ((unsigned long long)st.st_size > SECRETS_MAX_FILE_SIZE) {
		errno = EFBIG;
		goto fail;
	}
	if (perm_check)
		secrets_check_perm(s, path, fd);
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		goto fail;
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;        /* file shrank: parse what we have */
		got += (size_t)r;
	}
	buf[got] = '\0';
	*len = got;
	close(fd);
	return buf;
fail:
	{
		int e = errno;
		close(fd);
		free(buf);
		errno = e;
	}
	return NULL;
}

static void load_one(struct secrets *s, const char *path, const struct secrets_opts *opts, int depth)
{
	char *real = realpath(path, NULL), *text;
	const char *name;
	size_t len = 0;

	if (!real) {
		secrets_diag(s, SECRETS_DIAG_ERROR, "ERROR: problem with secrets file \"%s\": %s (errno %d)",
			     path, strerror(errno), errno);
		return;
	}
	for (int i = 0; i < s->n_reading; i++) {
		if (strcmp(s->reading[i], real) == 0) {
			secrets_diag(s, SECRETS_DIAG_ERROR, "%s: include loop: the file includes itself", path);
			free(real);
			return;
		}
	}
	if (s->n_reading >= (int)(sizeof(s->reading) / sizeof(s->reading[0]))) {
		free(real);
		return;
	}
	text = secrets_read_file(s, path, &len, !opts->no_perm_check);
	if (!text) {
		secrets_diag(s, SECRETS_DIAG_ERROR, "ERROR: problem with secrets file \"%s\": %s (errno %d)",
			     path, strerror(errno), errno);
		free(real);
		return;
	}
	name = secrets_add_file(s, path);
	secrets_diag(s, SECRETS_DIAG_INFO, "loading secrets from \"%s\"", path);
	s->reading[s->n_reading++] = real;
	secrets_parse_into(s, name ? name : path, text, len, opts, depth);
	s->reading[--s->n_reading] = NULL;
	secret_wipe(text, len);
	free(text);
	free(real);
}

void secrets_load_into(struct secrets *s, const char *pattern, const struct secrets_opts *opts,
		       int depth)
{
	glob_t g;
	int rc;

	glob_errno = 0;
	rc = glob(pattern, GLOB_ERR, glob_err, &g);
	if (rc == GLOB_NOMATCH && !glob_errno) {
		secrets_diag(s, SECRETS_DIAG_INFO, "no secrets filename matched \"%s\"", pattern);
	} else if (rc != 0) {
		int e = glob_errno ? glob_errno : ENOMEM;
		secrets_diag(s, SECRETS_DIAG_ERROR, "ERROR: problem with secrets file \"%s\": %s (errno %d)",
			     glob_errno ? glob_errpath : pattern, strerror(e), e);
	} else {
		for (size_t i = 0; i < g.gl_pathc; i++)
			load_one(s, g.gl_pathv[i], opts, depth);
	}
	if (rc == 0 || rc == GLOB_NOMATCH || rc == GLOB_ABORTED)
		globfree(&g);
}

struct secrets *secrets_load(const char *file, const struct secrets_opts *opts)
{
	static const struct secrets_opts no_opts;
	struct secrets *s = secrets_new();

	if (!s)
		return NULL;
	s->source = strdup(file);
	secrets_load_into(s, file, opts ? opts : &no_opts, 0);
	return s;
}
