/* Online addconn: resolved kv lists -> pipelined ADD requests. */
#include "ctl/addconn_client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/conn.h"
#include "ctl/ctl_client.h"

struct batch {
	uint8_t *buf;
	size_t len, cap;
	size_t n;                 /* requests in the batch */
};

static bool batch_add(struct batch *b, const struct ctl_request *rq)
{
	size_t n;

	if (b->cap - b->len < CTL_MAX_MSG) {
		size_t ncap = b->cap ? b->cap * 2 : 4 * CTL_MAX_MSG;
		uint8_t *nb = realloc(b->buf, ncap);

		if (!nb)
			return false;
		b->buf = nb;
		b->cap = ncap;
	}
	n = ctl_encode_request(b->buf + b->len, b->cap - b->len, rq);
	if (!n)
		return false;
	b->len += n;
	b->n++;
	return true;
}

static struct ctl_kv kvs[CTL_MAX_KV];

static bool add_conn(struct batch *b, const struct config_conn_entry *e, uint32_t flags)
{
	struct ctl_request rq = { .op = CTL_OP_ADD, .flags = flags, .kv = kvs };

	if (e->kv.n > CTL_MAX_KV)
		return false;
	rq.name = (struct ctl_str){ e->name, strlen(e->name) };
	for (size_t i = 0; i < e->kv.n; i++) {
		kvs[i].side = (uint8_t)e->kv.v[i].side;
		kvs[i].key = (struct ctl_str){ e->kv.v[i].key, strlen(e->kv.v[i].key) };
		kvs[i].value = (struct ctl_str){ e->kv.v[i].value, strlen(e->kv.v[i].value) };
	}
	rq.nkv = e->kv.n;
	return batch_add(b, &rq);
}

static bool named_op(struct batch *b, enum ctl_op op, const char *name, uint32_t flags)
{
	struct ctl_request rq = { .op = op, .flags = flags };

	rq.name = (struct ctl_str){ name, strlen(name) };
	return batch_add(b, &rq);
}

int addconn_send(const char *ctlsocket, const struct config_conn_entry *const *conns, size_t n,
		 bool autoall, bool verbose)
{
	struct batch b = { 0 };
	uint32_t flags = (verbose ? CTL_F_VERBOSE : 0) | (autoall ? CTL_F_REPLACE : 0);
	int rc = 0, fd;

	for (size_t i = 0; i < n; i++)
		if (!conns[i]->broken && !add_conn(&b, conns[i], flags)) {
			printf("Failed to load connection %s: too large for the control protocol\n",
			       conns[i]->name);
			rc = 255;
		}
	if (autoall) {
		for (size_t i = 0; i < n; i++)
			if (conns[i]->conn && conns[i]->conn->auto_ == AUTO_ONDEMAND)
				named_op(&b, CTL_OP_ROUTE, conns[i]->name, flags & ~CTL_F_REPLACE);
		for (size_t i = 0; i < n; i++)
			if (conns[i]->conn && conns[i]->conn->auto_ == AUTO_START)
				named_op(&b, CTL_OP_INITIATE, conns[i]->name,
					 (flags & ~CTL_F_REPLACE) | CTL_F_ASYNC);
	}
	if (b.n == 0)
		return rc;
	fd = ctl_connect(ctlsocket);
	if (fd < 0) {
		fprintf(stderr, "connect(pluto_ctl) failed: %s\n", strerror(-fd));
		free(b.buf);
		return 255;
	}
	if (ctl_write_all(fd, b.buf, b.len) < 0) {
		fprintf(stderr, "write(pluto_ctl) failed: %s\n", strerror(errno));
		rc = 255;
	} else {
		for (size_t i = 0; i < b.n; i++) {
			uint16_t status;
			int r = ctl_read_reply(fd, ctl_print_line, &rc, &status);

			if (r < 0) {
				fprintf(stderr, "lost the control connection: %s\n",
					r == -EPROTO ? "protocol error" : strerror(-r));
				rc = 255;
				break;
			}
		}
	}
	fflush(stdout);
	close(fd);
	free(b.buf);
	return rc;
}
