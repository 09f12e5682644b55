/* Test tool: speak raw bytes to a daemon's control socket.
 *   ctl_raw SOCK hex HEXBYTES   send the bytes, close our write side, print
 *                               the replies ("LINE NNN text" / "DONE N")
 *   ctl_raw SOCK stall MS       send half a header and hold the connection
 *                               for MS ms; prints "closed" if the daemon
 *                               dropped us, "open" otherwise
 *   ctl_raw SOCK vanish N       N times: send a status request and close
 *                               at once without reading the reply
 *   ctl_raw SOCK flood N        pipeline N status requests, wait 300 ms
 *                               without reading, then read all N replies;
 *                               prints "ok N" when all arrived
 *   ctl_raw SOCK many N         N concurrent clients, each sending a status
 *                               request before any reads; prints "ok N"
 *                               when all N got a DONE
 *   ctl_raw SOCK pipe OP NAME [OP NAME...]
 *                               pipeline the named requests (ops by their
 *                               whack names, e.g. initiate), then print
 *                               "reply I status S" for each as it comes */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctl/ctl_client.h"

static uint8_t msg[CTL_MAX_MSG];

static int print_replies(int fd)
{
	int n = 0;
	long len;

	while ((len = ctl_read_msg(fd, msg, sizeof(msg))) > 0) {
		struct ctl_line l;
		uint16_t st;

		if (ctl_decode_line(msg, (size_t)len, &l) == CTL_E_OK)
			printf("LINE %03u %.*s\n", l.code, (int)l.text.len, l.text.p);
		else if (ctl_decode_done(msg, (size_t)len, &st) == CTL_E_OK)
			printf("DONE %u\n", st);
		else
			printf("UNDECODABLE\n");
		n++;
	}
	return n;
}

static int unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (; *s; s++) {
		int v;

		if (*s == ' ')
			continue;
		if (sscanf((char[]){ *s, 0 }, "%x", &v) != 1)
			return -1;
		if (hi < 0) {
			hi = v;
		} else {
			if (n >= cap)
				return -1;
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	return (int)n;
}

int main(int argc, char **argv)
{
	int fd;

	if (argc >= 5 && strcmp(argv[2], "pipe") == 0 && argc % 2 == 1) {
		size_t off = 0;
		int n = 0;

		fd = ctl_connect(argv[1]);
		if (fd < 0)
			return 1;
		for (int i = 3; i + 1 < argc; i += 2, n++) {
			struct ctl_request rq = { .op = ctl_op_by_name(argv[i]) };
			rq.name = (struct ctl_str){ argv[i + 1], strlen(argv[i + 1]) };
			off += ctl_encode_request(msg + off, sizeof(msg) - off, &rq);
		}
		ctl_write_all(fd, msg, off);
		for (int i = 0; i < n; i++) {
			uint16_t st = 0;

			if (ctl_read_reply(fd, NULL, NULL, &st) != 0)
				return 1;
			printf("reply %d status %u\n", i, st);
			fflush(stdout);
		}
		return 0;
	}
	if (argc != 4) {
		fprintf(stderr, "usage: ctl_raw SOCK {hex HEX|stall MS|vanish N|flood N|many N|pipe OP NAME...}\n");
		return 2;
	}
	if (strcmp(argv[2], "vanish") == 0) {
		struct ctl_request rq = { .op = CTL_OP_STATUS };
		size_t len = ctl_encode_request(msg, sizeof(msg), &rq);

		for (int i = 0; i < atoi(argv[3]); i++) {
			fd = ctl_connect(argv[1]);
			if (fd < 0)
				return 1;
			ctl_write_all(fd, msg, len);
			close(fd);
		}
		printf("vanished\n");
		return 0;
	}
	if (strcmp(argv[2], "flood") == 0) {
		struct ctl_request rq = { .op = CTL_OP_STATUS };
		size_t len = ctl_encode_request(msg, sizeof(msg), &rq);
		int n = atoi(argv[3]), ok = 0;
		struct timespec ts = { 0, 300 * 1000 * 1000 };
		uint8_t *all = malloc(len * (size_t)n);

		fd = ctl_connect(argv[1]);
		if (fd < 0 || !all)
			return 1;
		for (int i = 0; i < n; i++)
			memcpy(all + len * (size_t)i, msg, len);
		/* the daemon stops reading once its output for us is large: write
		 * from a child so we can start reading */
		if (fork() == 0) {
			ctl_write_all(fd, all, len * (size_t)n);
			_exit(0);
		}
		nanosleep(&ts, NULL);
		for (int i = 0; i < n; i++) {
			uint16_t st;

			if (ctl_read_reply(fd, NULL, NULL, &st) == 0 && st == 0)
				ok++;
			else
				break;
		}
		printf("ok %d\n", ok);
		free(all);
		close(fd);
		wait(NULL);
		return ok == n ? 0 : 1;
	}
	if (strcmp(argv[2], "many") == 0) {
		int n = atoi(argv[3]), ok = 0;
		int *fds = calloc((size_t)n, sizeof(int));
		struct ctl_request rq = { .op = CTL_OP_STATUS };
		size_t len = ctl_encode_request(msg, sizeof(msg), &rq);

		for (int i = 0; i < n; i++) {
			fds[i] = ctl_connect(argv[1]);
			if (fds[i] < 0 || ctl_write_all(fds[i], msg, len) < 0) {
				fprintf(stderr, "client %d: %s\n", i, strerror(-fds[i]));
				return 1;
			}
		}
		for (int i = 0; i < n; i++) {
			uint16_t st;

			if (ctl_read_reply(fds[i], NULL, NULL, &st) == 0 && st == 0)
				ok++;
			close(fds[i]);
		}
		printf("ok %d\n", ok);
		free(fds);
		return ok == n ? 0 : 1;
	}
	fd = ctl_connect(argv[1]);
	if (fd < 0) {
		fprintf(stderr, "connect: %s\n", strerror(-fd));
		return 1;
	}
	if (strcmp(argv[2], "hex") == 0) {
		uint8_t *raw = malloc(CTL_MAX_MSG * 2);
		int n = unhex(argv[3], raw, CTL_MAX_MSG * 2);

		if (n < 0)
			return 2;
		ctl_write_all(fd, raw, (size_t)n);
		shutdown(fd, SHUT_WR);
		free(raw);
		return print_replies(fd) > 0 ? 0 : 1;
	}
	if (strcmp(argv[2], "stall") == 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int r;

		ctl_write_all(fd, "CYGC\0", 5);
		r = poll(&pfd, 1, atoi(argv[3]));
		if (r > 0) {
			char b;

			if (read(fd, &b, 1) <= 0) {
				printf("closed\n");
				return 0;
			}
		}
		printf("open\n");
		return 0;
	}
	return 2;
}
