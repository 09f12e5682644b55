/* `ipsec addconn --configsetup` printer (src/config/setup_export.c).
 * Expected texts are what Libreswan 4.10's /usr/libexec/ipsec/addconn
 * printed on this machine for a one-line `config setup` section; the
 * integration test config_vs_libreswan.sh repeats that comparison live. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/keywords.h"
#include "config/setup_export.h"
#include "harness.h"

/* Every setup keyword of Cygnet's table is printed or deliberately skipped
 * (never both), and every printed keyword exists in Cygnet's table. */
static void test_table_covers_keywords(void)
{
	for (size_t i = 0; i < kw_count; i++) {
		const struct kw_def *d = &kw_table[i];
		bool known, skipped;

		if (d->section != KWS_SETUP || d->alias_of || d->obsolete)
			continue;
		known = setup_export_knows(d->name);
		skipped = setup_export_skipped(d->name);
		if (known == skipped)
			t_fail(__FILE__, __LINE__, "setup keyword %s: printed=%d skipped=%d", d->name,
			       known, skipped);
	}
	for (size_t i = 0; setup_export_keyword(i); i++)
		if (!kw_find(setup_export_keyword(i), KWS_SETUP))
			t_fail(__FILE__, __LINE__, "export row %zu: %s is not a setup keyword", i,
			       setup_export_keyword(i));
}

/* keyword, value as written (NULL = not given), printed value (NULL = no line) */
static const struct { const char *kw, *v, *want; } value_rows[] = {
	/* defaults Libreswan's confread sets */
	{ "ikev1-policy", NULL, "2" }, { "ddos-mode", NULL, "1" }, { "logtime", NULL, "yes" },
	{ "shuntlifetime", NULL, "900000" }, { "nhelpers", NULL, "-1" },
	{ "ocsp-cache-min-age", NULL, "3600000" }, { "xfrmlifetime", NULL, "30" },
	{ "dumpdir", NULL, "/run/pluto" }, { "nssdir", NULL, "/var/lib/ipsec/nss" },
	/* no Libreswan default: no line unless given */
	{ "keep-alive", NULL, NULL }, { "seedbits", NULL, NULL }, { "plutodebug", NULL, NULL },
	{ "ocsp-method", NULL, NULL }, { "curl-timeout", NULL, NULL }, { "syslog", NULL, NULL },
	{ "global-redirect", NULL, NULL }, { "protostack", NULL, NULL },
	/* enumerations: Libreswan's numbers, any case */
	{ "ikev1-policy", "accept", "0" }, { "ikev1-policy", "reject", "1" },
	{ "ikev1-policy", "drop", "2" }, { "ikev1-policy", "Accept", "0" },
	{ "ddos-mode", "auto", "1" }, { "ddos-mode", "busy", "2" },
	{ "ddos-mode", "unlimited", "3" }, { "ddos-mode", "BUSY", "2" },
	{ "ocsp-method", "get", "0" }, { "ocsp-method", "post", "1" },
	{ "ocsp-method", "POST", "1" },
	/* strings Libreswan keeps as written (global-redirect, protostack too) */
	{ "global-redirect", "auto", "auto" }, { "global-redirect", "YES", "YES" },
	{ "protostack", "netkey", "netkey" }, { "listen", "192.0.2.1", "192.0.2.1" },
	{ "dumpdir", "/tmp/x", "/tmp/x" }, { "dumpdir", "", "/run/pluto" },
	{ "syslog", "", NULL },
	/* a digits-only string is a number token to Libreswan: lost, default too */
	{ "dumpdir", "1", NULL }, { "dumpdir", "01", NULL }, { "dumpdir", "-1", "-1" },
	{ "syslog", "1a", "1a" },
	/* booleans */
	{ "logtime", "no", "no" }, { "logtime", "off", "no" }, { "logtime", "true", "yes" },
	{ "listen-tcp", "y", "yes" }, { "drop-oppo-null", "n", "no" },
	/* numbers: digits only, else 0; 64-bit wrap as Libreswan's %jd */
	{ "nhelpers", "4", "4" }, { "nhelpers", "-1", "0" }, { "nhelpers", "+3", "0" },
	{ "nhelpers", "007", "7" }, { "nflog-all", "0x10", "0" },
	{ "ike-socket-bufsize", "1KiB", "0" }, { "ocsp-timeout", "1m", "0" },
	{ "seedbits", "9223372036854775808", "-9223372036854775808" },
	{ "seedbits", "18446744073709551615", "-1" }, { "seedbits", "18446744073709551616", "0" },
	{ "seedbits", "", NULL }, { "nhelpers", "", "-1" },
	/* times: bare number = seconds, printed in ms */
	{ "curl-timeout", "7", "7000" }, { "curl-timeout", "500ms", "500" },
	{ "curl-timeout", "2m", "120000" }, { "curl-timeout", "1h", "3600000" },
	{ "curl-timeout", "1d", "86400000" }, { "curl-timeout", "1w", "604800000" },
	{ "curl-timeout", "10S", "10000" }, { "curl-timeout", "1MS", "1" },
	{ "curl-timeout", "1.5", NULL }, { "shuntlifetime", "1.5s", "900000" },
	{ "curl-timeout", "99999999999999999", "7766279631452240920" },
	/* plutodebug: bit mask */
	{ "plutodebug", "none", "0" }, { "plutodebug", "all", "7" }, { "plutodebug", "tmi", "15" },
	{ "plutodebug", "Tmi", "8" }, { "plutodebug", "debug-tmi", "8" },
	{ "plutodebug", "base", "1" }, { "plutodebug", "cpu-usage", "2" },
	{ "plutodebug", "refcnt", "4" }, { "plutodebug", "crypt", "16" },
	{ "plutodebug", "private", "32" }, { "plutodebug", "whackwatch", "64" },
	{ "plutodebug", "add-prefix", "128" }, { "plutodebug", "all no-base", "6" },
	{ "plutodebug", "tmi no-tmi", "0" }, { "plutodebug", "private all", "39" },
	{ "plutodebug", "refcnt,none,crypt", "16" }, { "plutodebug", "base+crypt", "17" },
	{ "plutodebug", "no-Base", "0" }, { "plutodebug", "", NULL },
	/* words Libreswan 4.10 rejects, read as Cygnet does (nearest class) */
	{ "plutodebug", "ALL", "7" }, { "plutodebug", "None", "0" }, { "plutodebug", "dns", "1" },
	{ "plutodebug", "raw", "8" }, { "plutodebug", "all NO-base", "6" },
	{ "plutodebug", "bogus", "0" },
	/* not printed at all */
	{ "seccomp", "enabled", NULL }, { "interfaces", "%defaultroute", NULL },
};

static void test_values(void)
{
	for (size_t i = 0; i < sizeof(value_rows) / sizeof(value_rows[0]); i++) {
		char buf[64];
		bool got = setup_export_value(value_rows[i].kw, value_rows[i].v, buf, sizeof(buf));
		const char *want = value_rows[i].want;

		if (got != (want != NULL) || (got && strcmp(buf, want) != 0))
			t_fail(__FILE__, __LINE__, "row %zu %s=%s: got %s, want %s", i,
			       value_rows[i].kw, value_rows[i].v ? value_rows[i].v : "(unset)",
			       got ? buf : "(no line)", want ? want : "(no line)");
	}
}

static char *render(const struct conf_kvlist *kv, const struct setup_export_opts *o)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		abort();
	setup_export_write(f, kv, o);
	fclose(f);
	return text;
}

/* The whole output for an empty `config setup`, Libreswan 4.10 verbatim. */
static void test_defaults_verbatim(void)
{
	static const char want[] =
		"export confreadstatus=''\n"
		"export configfile='/etc/ipsec.conf'\n"
		"export ctlsocket='/run/pluto/pluto.ctl'\n"
		"export ikev1_policy='2'\n"
		"export logtime='yes'\n"
		"export logappend='yes'\n"
		"export logip='yes'\n"
		"export audit_log='yes'\n"
		"export dnssec_enable='yes'\n"
		"export dnssec_rootkey_file='/usr/share/dns/root.key'\n"
		"export dumpdir='/run/pluto'\n"
		"export ipsecdir='/etc/ipsec.d'\n"
		"export nssdir='/var/lib/ipsec/nss'\n"
		"export secretsfile='/etc/ipsec.secrets'\n"
		"export uniqueids='yes'\n"
		"export shuntlifetime='900000'\n"
		"export crl_strict='no'\n"
		"export ocsp_strict='no'\n"
		"export ocsp_enable='no'\n"
		"export ocsp_timeout='2'\n"
		"export ocsp_cache_size='1000'\n"
		"export ocsp_cache_min_age='3600000'\n"
		"export ocsp_cache_max_age='86400000'\n"
		"export ddos_mode='1'\n"
		"export ddos_ike_threshold='25000'\n"
		"export max_halfopen_ike='50000'\n"
		"export ike_socket_errqueue='yes'\n"
		"export xfrmlifetime='30'\n"
		"export listen_tcp='no'\n"
		"export listen_udp='yes'\n"
		"export nhelpers='-1'\n"
		"export drop_oppo_null='no'\n"
		"export ikev1_secctx_attr_type='32001'\n";
	struct setup_export_opts o = { "/etc/ipsec.conf", "/run/pluto/pluto.ctl", "", false };
	struct conf_kvlist kv;
	char *got;

	kvlist_init(&kv);
	got = render(&kv, &o);
	CHECK_STR(got, want);
	free(got);
	got = render(NULL, &o);         /* no section at all: the same */
	CHECK_STR(got, want);
	free(got);
}

/* --noexport / --varprefix, alias rows printed twice, order of the table
 * (not of the file), quotes escaped. */
static void test_shape(void)
{
	struct setup_export_opts o = { "a b.conf", "/x/ctl", "P_", true };
	struct conf_kvlist kv;
	char *got;

	kvlist_init(&kv);
	kvlist_add(&kv, "virtual-private", CONF_NOSIDE, "%v4:10.0.0.0/8");
	kvlist_add(&kv, "logfile", CONF_NOSIDE, "/tmp/l");
	kvlist_add(&kv, "myvendorid", CONF_NOSIDE, "it's");
	got = render(&kv, &o);
	CHECK(strncmp(got, " P_confreadstatus=''\n configfile='a b.conf'\n ctlsocket='/x/ctl'\n"
			   " P_ikev1_policy='2'\n P_myvendorid='it'\\''s'\n"
			   " P_logfile='/tmp/l'\n P_plutostderrlog='/tmp/l'\n P_logtime='yes'\n",
		      strlen(" P_confreadstatus=''\n configfile='a b.conf'\n ctlsocket='/x/ctl'\n"
			     " P_ikev1_policy='2'\n P_myvendorid='it'\\''s'\n"
			     " P_logfile='/tmp/l'\n P_plutostderrlog='/tmp/l'\n P_logtime='yes'\n")) == 0);
	CHECK(strstr(got, " P_virtual_private='%v4:10.0.0.0/8'\n P_virtual_private='%v4:10.0.0.0/8'\n"));
	free(got);
	kvlist_clear(&kv);
}

int main(void)
{
	RUN(test_table_covers_keywords);
	RUN(test_values);
	RUN(test_defaults_verbatim);
	RUN(test_shape);
	return t_done();
}
