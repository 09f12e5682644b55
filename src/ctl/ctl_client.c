/* Blocking control-socket client used by whack, auto, addconn, stop, status. */
#include "ctl/ctl_client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/buf.h"

const char *ctl_default_socket(char *buf, size_t cap)
{
	const char *rundir = getenv("IPSEC_RUNDIR");

	if (!rundir || !*rundir)
		rundir = CTL_DEFAULT_RUNDIR;
	snprintf(buf, cap, "%s/%s", rundir, CTL_SOCKET_NAME);
	return buf;
}

int ctl_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

int ctl_write_all(int fd, const void *p, size_t len)
{
	const uint8_t *q = p;

	while (len) {
		ssize_t n = send(fd, q, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		q += n;
		len -= (size_t)n;
	}
	return 0;
}

static long read_full(int fd, uint8_t *p, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (long)got;
}

long ctl_read_msg(int fd, uint8_t *buf, size_t cap)
{
	uint16_t type;
	uint32_t blen;
	long n = read_full(fd, buf, CTL_HDR_LEN);

	if (n <= 0)
		return n;
	if (n < CTL_HDR_LEN || ctl_hdr_check(buf, CTL_HDR_LEN, &type, &blen) != CTL_E_OK)
		return -EPROTO;
	if (CTL_HDR_LEN + (size_t)blen > cap)
		return -EPROTO;
	n = read_full(fd, buf + CTL_HDR_LEN, blen);
	if (n < 0)
		return n;
	if ((size_t)n < blen)
		return -EPROTO;
	return (long)(CTL_HDR_LEN + blen);
}

int ctl_read_reply(int fd, ctl_line_fn fn, void *arg, uint16_t *status)
{
	static uint8_t buf[CTL_MAX_MSG];

	for (;;) {
		struct ctl_line line;
		char text[CTL_MAX_STR + 1];
		long n = ctl_read_msg(fd, buf, sizeof(buf));
		uint16_t type;

		if (n <= 0)
			return n == 0 ? -EPROTO : (int)n;
		type = get_be16(buf + 6);
		if (type == CTL_T_DONE)
			return ctl_decode_done(buf, (size_t)n, status) == CTL_E_OK ? 0 : -EPROTO;
		if (ctl_decode_line(buf, (size_t)n, &line) != CTL_E_OK)
			return -EPROTO;
		ctl_str_copy(line.text, text, sizeof(text));
		if (fn)
			fn(arg, line.code, text);
	}
}

int ctl_request(int fd, const struct ctl_request *rq, ctl_line_fn fn, void *arg, uint16_t *status)
{
	static uint8_t buf[CTL_MAX_MSG];
	size_t len = ctl_encode_request(buf, sizeof(buf), rq);
	int r;

	if (len == 0)
		return -EMSGSIZE;
	r = ctl_write_all(fd, buf, len);
	if (r < 0)
		return r;
	return ctl_read_reply(fd, fn, arg, status);
}

void ctl_print_line(void *arg, uint16_t code, const char *text)
{
	int *rc = arg;

	if (code == CTL_CODE_RAW)
		printf("%s\n", text);
	else
		printf("%03u %s\n", code, text);
	if (rc)
		ctl_rc_update(rc, code);
}
