/* libFuzzer target: the control protocol decoders (src/ctl/ctl_msg.c). */
#include <stddef.h>
#include <stdint.h>

#include "ctl/ctl_msg.h"

static struct ctl_kv kv[CTL_MAX_KV];

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	struct ctl_request rq = { .kv = kv };
	struct ctl_line line;
	uint16_t type, status;
	uint32_t blen;
	volatile size_t sink = 0;

	(void)ctl_hdr_check(p, len, &type, &blen);
	if (ctl_decode_request(p, len, &rq) == CTL_E_OK) {
		sink += rq.name.len + rq.remote.len;
		for (size_t i = 0; i < rq.nkv; i++)
			sink += rq.kv[i].key.len + rq.kv[i].value.len + (rq.kv[i].key.len ? (uint8_t)rq.kv[i].key.p[0] : 0);
	}
	if (ctl_decode_line(p, len, &line) == CTL_E_OK)
		sink += line.text.len ? (uint8_t)line.text.p[line.text.len - 1] : 0;
	(void)ctl_decode_done(p, len, &status);
	(void)sink;
	return 0;
}
