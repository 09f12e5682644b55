/* libFuzzer target: every typed ipsec.conf value parser on the same text.
 * The first byte picks the parser. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config/values.h"

static bool word_ok(const char *w, void *ctx)
{
	(void)ctx;
	return w[0] != '!';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct val_pubkey pk;
	char text[4096];
	const char *why = NULL;
	bool ok = true;

	if (size < 1 || size > sizeof text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	union {
		bool b; int i; uint64_t u; int64_t s; uint32_t u32; uint16_t u16; unsigned pct;
		struct val_host h; struct ip_addr a; struct ip_subnet sn; struct val_subnet_spec sp;
		struct ip_subnet list[8]; struct val_pool pool; struct val_protoport pp; struct cy_id id;
		struct val_mark m; char label[VAL_LABEL_MAX]; struct val_vpriv vp[8];
	} o;
	size_t n;
	bool flag;

	switch (data[0] % 25) {
	case 0: ok = val_bool(text, &o.b, &why); break;
	case 1: ok = val_enum(text, val_auto_names, &o.i, &why); break;
	case 2: ok = val_duration(text, &o.u, &why); break;
	case 3: ok = val_duration_ms(text, &o.u, &why); break;
	case 4: ok = val_lifetime(text, VAL_LIFETIME_MAX_MS, &o.u, &flag, &why);
		if (ok && o.u > VAL_LIFETIME_MAX_MS) __builtin_trap();
		break;
	case 5: ok = val_percent(text, 1000, &o.pct, &why); break;
	case 6: ok = val_bytes(text, &o.u, &why); break;
	case 7: ok = val_number(text, 1, 16379, &o.u, &why);
		if (ok && (o.u < 1 || o.u > 16379)) __builtin_trap();
		break;
	case 8: ok = val_signed(text, -1, 1000, &o.s, &why); break;
	case 9: ok = val_keyingtries(text, &o.u32, &why); break;
	case 10: ok = val_port(text, &o.u16, &why); break;
	case 11: ok = val_host(text, &o.h, &why);
		if (ok && strlen(o.h.name) >= VAL_NAME_MAX) __builtin_trap();
		break;
	case 12: ok = val_nexthop(text, &o.h, &why); break;
	case 13: ok = val_addr(text, &o.a, &why); break;
	case 14: ok = val_subnet(text, &o.sn, &flag, &why); break;
	case 15: ok = val_subnet_spec(text, &o.sp, &why);
		if (ok && o.sp.n_vlist > VAL_VLIST_MAX) __builtin_trap();
		break;
	case 16: ok = val_subnet_list(text, o.list, 8, &n, &why);
		if (ok && (n == 0 || n > 8)) __builtin_trap();
		break;
	case 17: ok = val_pool(text, &o.pool, &why); break;
	case 18: ok = val_protoport(text, &o.pp, &why); break;
	case 19: ok = val_id(text, &o.id, &flag, &why); break;
	case 20: ok = val_pubkey(text, &pk, &why);
		if (ok && pk.len > VAL_PUBKEY_MAX) __builtin_trap();
		break;
	case 21: ok = val_mark(text, &o.m, &why); break;
	case 22: ok = val_virtual_private(text, o.vp, 8, &n, &why);
		if (ok && n > 8) __builtin_trap();
		break;
	case 23: ok = val_sec_label(text, o.label, &why);
		if (ok && strcmp(o.label, text) != 0) __builtin_trap();
		break;
	default: {
		uint32_t bits;
		ok = val_plutodebug(text, &bits, &why);
		if (!val_words(text, word_ok, NULL, &why) && why == NULL) __builtin_trap();
		break;
	}
	}
	if (!ok && why == NULL)
		__builtin_trap();
	return 0;
}
