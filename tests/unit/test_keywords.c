/* Invariants of the ipsec.conf keyword table (src/config/keywords.c). */
#include <stdio.h>
#include <string.h>

#include "config/keywords.h"
#include "harness.h"

/* Every keyword of the reference tables (§6.1 conn, §6.2 config setup). */
static const char *const ref_conn[] = {
	"keyexchange", "ikev2", "hostaddrfamily", "clientaddrfamily", "type", "auto", "also",
	"alsoflip", "connalias", "left", "right", "leftsubnet", "leftsubnets", "leftvti",
	"leftaddresspool", "leftprotoport", "leftnexthop", "leftsourceip", "leftupdown",
	"leftcat", "leftfirewall", "leftid", "leftrsasigkey", "leftcert", "leftckaid", "leftauth",
	"leftautheap", "leftca", "leftikeport", "leftsendcert", "leftxauthserver",
	"leftxauthclient", "leftusername", "leftmodecfgserver", "leftmodecfgclient", "authby",
	"ike", "esp", "phase2alg", "ah", "phase2", "sha2-truncbug", "ms-dh-downgrade",
	"dns-match-id", "require-id-on-certificate", "ppk", "nat-ikev1-method", "fragmentation",
	"ikepad", "mobike", "esn", "decap-dscp", "nopmtudisc", "narrowing", "sareftrack",
	"nic-offload", "xauthby", "xauthfail", "pam-authorize", "modecfgpull", "modecfgdns",
	"modecfgdomains", "modecfgbanner", "remote-peer-type", "nm-configured", "encapsulation",
	"forceencaps", "enable-tcp", "tcp-remoteport", "nat-keepalive", "initial-contact",
	"cisco-unity", "ignore-peer-dns", "accept-redirect", "accept-redirect-to",
	"send-redirect", "redirect-to", "fake-strongswan", "send-vendorid", "overlapip", "reqid",
	"dpddelay", "dpdtimeout", "dpdaction", "pfs", "pfsgroup", "aggressive", "aggrmode",
	"salifetime", "keylife", "lifetime", "ipsec-lifetime", "ipsec-max-bytes",
	"ipsec-max-packets", "replay-window", "rekey", "rekeymargin", "rekeyfuzz", "keyingtries",
	"ikelifetime", "retransmit-timeout", "retransmit-interval", "compress", "metric", "mtu",
	"tfc", "send-no-esp-tfc", "nflog", "mark", "mark-in", "mark-out", "vti-interface",
	"vti-routing", "vti-shared", "ipsec-interface", "interface-ip", "priority", "sendca",
	"labeled-ipsec", "policy-label", "sec-label", "failureshunt", "negotiationshunt",
	"intermediate", "reauth", "remote_peer_type", "leftxauthusername",
};

static const char *const ref_setup[] = {
	"protostack", "interfaces", "listen", "ike-socket-bufsize", "ike-socket-errqueue",
	"listen-udp", "listen-tcp", "nflog-all", "keep-alive", "virtual-private", "myvendorid",
	"nhelpers", "seedbits", "ikev1-secctx-attr-type", "ikev1-policy", "crlcheckinterval",
	"crl-strict", "curl-iface", "curl-timeout", "ocsp-enable", "ocsp-strict", "ocsp-method",
	"ocsp-timeout", "ocsp-uri", "ocsp-trustname", "ocsp-cache-size", "ocsp-cache-min-age",
	"ocsp-cache-max-age", "syslog", "plutodebug", "uniqueids", "logfile", "plutostderrlog",
	"logappend", "logip", "audit-log", "logtime", "ddos-mode", "ddos-ike-threshold",
	"max-halfopen-ike", "global-redirect", "global-redirect-to", "shuntlifetime",
	"xfrmlifetime", "dumpdir", "statsbin", "ipsecdir", "nssdir", "secretsfile", "seccomp",
	"dnssec-enable", "dnssec-rootkey-file", "dnssec-anchors", "drop-oppo-null",
	"virtual_private",
};

static void test_reference_covered(void)
{
	struct kw_ref r;

	for (size_t i = 0; i < sizeof(ref_conn) / sizeof(ref_conn[0]); i++) {
		if (!kw_lookup(ref_conn[i], KWS_CONN, &r))
			t_fail(__FILE__, __LINE__, "conn keyword %s missing", ref_conn[i]);
		else if (strncmp(ref_conn[i], "left", 4) == 0 && r.def->sided) {
			char right[64];
			snprintf(right, sizeof(right), "right%s", ref_conn[i] + 4);
			if (!kw_lookup(right, KWS_CONN, &r) || r.side != CONF_RIGHT)
				t_fail(__FILE__, __LINE__, "twin %s missing", right);
		}
	}
	for (size_t i = 0; i < sizeof(ref_setup) / sizeof(ref_setup[0]); i++)
		if (!kw_lookup(ref_setup[i], KWS_SETUP, &r))
			t_fail(__FILE__, __LINE__, "setup keyword %s missing", ref_setup[i]);
}

static void test_unique_spellings(void)
{
	char a[64], b[64];

	for (size_t i = 0; i < kw_count; i++)
		for (size_t j = i + 1; j < kw_count; j++) {
			const struct kw_def *x = &kw_table[i], *y = &kw_table[j];
			if (x->section != y->section)
				continue;
			for (int sx = 0; sx < 3; sx++)
				for (int sy = 0; sy < 3; sy++) {
					if ((sx != 0) != x->sided || (sy != 0) != y->sided)
						continue;
					kw_spell(x, sx, a, sizeof(a));
					kw_spell(y, sy, b, sizeof(b));
					if (strcmp(a, b) == 0)
						t_fail(__FILE__, __LINE__, "row %zu and %zu both spell %s", i, j, a);
				}
		}
}

static void test_aliases_and_twins(void)
{
	char buf[64];
	struct kw_ref r;

	for (size_t i = 0; i < kw_count; i++) {
		const struct kw_def *d = &kw_table[i];
		if (d->alias_of) {
			const struct kw_def *t = kw_find(d->alias_of, d->section);
			if (!t || t->alias_of || t->obsolete || t->sided != d->sided)
				t_fail(__FILE__, __LINE__, "alias %s -> %s: bad target", d->name, d->alias_of);
		}
		for (int s = d->sided ? CONF_LEFT : CONF_NOSIDE;
		     s <= (d->sided ? CONF_RIGHT : CONF_NOSIDE); s++) {
			kw_spell(d, s, buf, sizeof(buf));
			if (!kw_lookup(buf, d->section, &r) || r.spelled != d || (int)r.side != s ||
			    (!d->alias_of && r.def != d))
				t_fail(__FILE__, __LINE__, "%s does not resolve to its row", buf);
		}
		if (!d->alias_of && !d->obsolete && kw_find(d->name, d->section) != d)
			t_fail(__FILE__, __LINE__, "kw_find(%s) is not its row", d->name);
	}
}

static void test_types_and_defaults(void)
{
	char why[160];

	for (int t = 0; t < KT_TYPE_COUNT; t++)
		if (!kw_type_name(t))
			t_fail(__FILE__, __LINE__, "type %d has no name", t);
	for (size_t i = 0; i < kw_count; i++) {
		const struct kw_def *d = &kw_table[i];
		bool needs_names = d->type == KT_ENUM || d->type == KT_LIST;
		if (d->alias_of || d->obsolete)
			continue;
		if (needs_names != (d->names != NULL))
			t_fail(__FILE__, __LINE__, "%s: names only for enum/list types", d->name);
		if (d->def && !kw_validate(d, d->def, why, sizeof(why), NULL, 0))
			t_fail(__FILE__, __LINE__, "%s: default '%s' invalid: %s", d->name, d->def, why);
		/* the validator exists: a garbage value must not hit "no validator" */
		if (!kw_validate(d, "\x01garbage", why, sizeof(why), NULL, 0) &&
		    strstr(why, "no validator"))
			t_fail(__FILE__, __LINE__, "%s: type %s has no validator", d->name,
			       kw_type_name(d->type));
	}
}

/* Table-driven: spelled keyword, section, valid?, value, canonical text. */
static const struct {
	const char *kw; enum kw_section sec; const char *value; bool ok; const char *canon;
} cases[] = {
	{ "auto", KWS_CONN, "route", true, "ondemand" },
	{ "auto", KWS_CONN, "add", true, "add" },
	{ "auto", KWS_CONN, "sometimes", false, NULL },
	{ "keyexchange", KWS_CONN, "ikev2", false, NULL },
	{ "ikev2", KWS_CONN, "insist", true, "yes" },
	{ "authby", KWS_CONN, "secret|rsasig", true, "secret,rsasig" },
	{ "authby", KWS_CONN, "rsasig,ecdsa", true, "rsasig,ecdsa" },
	{ "authby", KWS_CONN, "password", false, NULL },
	{ "leftsubnet", KWS_CONN, "10.1.0.0/33", false, NULL },
	{ "leftsubnet", KWS_CONN, "10.1.0.0/16", true, "10.1.0.0/16" },
	{ "rightsubnets", KWS_CONN, "{10.1.0.0/24 10.2.0.0/24}", true, NULL },
	{ "ikelifetime", KWS_CONN, "3h", true, NULL },
	{ "ikelifetime", KWS_CONN, "3x", false, NULL },
	{ "rekeyfuzz", KWS_CONN, "50%", true, NULL },
	{ "left", KWS_CONN, "%defaultroute", true, NULL },
	{ "rightid", KWS_CONN, "@east.example", true, NULL },
	{ "leftprotoport", KWS_CONN, "tcp/80", true, NULL },
	{ "uniqueids", KWS_SETUP, "maybe", false, NULL },
	{ "uniqueids", KWS_SETUP, "no", true, "no" },
	{ "phase2alg", KWS_CONN, "aes_gcm256", true, NULL },
	{ "ike", KWS_CONN, "aes256-sha2_256-modp2048", true, NULL },
	{ "ike", KWS_CONN, "rot13-md4", false, NULL },
	{ "leftsubnet", KWS_CONN, "", true, "" },     /* empty = explicitly unset */
};

static void test_validate_table(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kw_ref r;
		char why[160], canon[256];
		bool ok;

		if (!kw_lookup(cases[i].kw, cases[i].sec, &r) || !r.def) {
			t_fail(__FILE__, __LINE__, "case %zu: %s unknown", i, cases[i].kw);
			continue;
		}
		ok = kw_validate(r.def, cases[i].value, why, sizeof(why), canon, sizeof(canon));
		if (ok != cases[i].ok)
			t_fail(__FILE__, __LINE__, "case %zu: %s=%s valid=%d, want %d (%s)", i,
			       cases[i].kw, cases[i].value, ok, cases[i].ok, ok ? "" : why);
		else if (ok && cases[i].canon && strcmp(canon, cases[i].canon) != 0)
			t_fail(__FILE__, __LINE__, "case %zu: %s canon '%s', want '%s'", i, cases[i].kw,
			       canon, cases[i].canon);
	}
}

static void test_lookup_misc(void)
{
	struct kw_ref r;

	CHECK(kw_lookup("x-my-key", KWS_CONN, &r) && r.user && !r.def);
	CHECK(kw_lookup("x_other", KWS_SETUP, &r) && r.user);
	CHECK(!kw_lookup("x-", KWS_CONN, &r));
	CHECK(!kw_lookup("frobnicate", KWS_CONN, &r));
	CHECK(!kw_lookup("uniqueids", KWS_CONN, &r));     /* setup keyword in a conn */
	CHECK(!kw_lookup("left", KWS_SETUP, &r));
	CHECK(kw_lookup("phase2alg", KWS_CONN, &r) && strcmp(r.def->name, "esp") == 0);
	CHECK(kw_lookup("leftxauthusername", KWS_CONN, &r) && r.side == CONF_LEFT &&
	      strcmp(r.def->name, "username") == 0);
	CHECK(kw_lookup("right", KWS_CONN, &r) && r.side == CONF_RIGHT && r.def->name[0] == '\0');
	CHECK(kw_lookup("pfsgroup", KWS_CONN, &r) && r.spelled->obsolete);
}

int main(void)
{
	RUN(test_reference_covered);
	RUN(test_unique_spellings);
	RUN(test_aliases_and_twins);
	RUN(test_types_and_defaults);
	RUN(test_validate_table);
	RUN(test_lookup_misc);
	return t_done();
}
