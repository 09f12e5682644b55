/* libFuzzer target: the ipsec.secrets parser over a memory buffer (includes
 * reported but not followed, key files not opened, no DNS), then selection
 * and listing over whatever loaded. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config/secrets.h"

static bool no_dns(void *arg, const char *host, struct ip_addr *out)
{
	(void)arg;
	if (strlen(host) == 9)                 /* pretend some names resolve */
		return addr_parse("192.0.2.9", out);
	return false;
}

static void sink(void *arg, const char *line)
{
	size_t *n = arg;
	*n += strlen(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct secrets_opts opts = {
		.ipsecdir = "/nonexistent", .resolve = no_dns, .no_includes = true, .no_key_files = true,
	};
	struct secrets *s = secrets_parse_buffer("fuzz.secrets", (const char *)data, size, &opts);
	struct cy_id a, b;
	size_t n = 0;

	if (!s)
		return 0;
	id_parse("@a", &a, NULL);
	id_parse("192.0.2.1", &b, NULL);
	for (int k = 0; k < SECRET_KIND_COUNT; k++) {
		secrets_find(s, (enum secret_kind)k, &a, &b);
		secrets_find(s, (enum secret_kind)k, &b, NULL);
	}
	secrets_find_ppk(s, (const uint8_t *)"id", 2);
	secrets_list(s, sink, &n);
	secrets_free(s);
	return 0;
}
