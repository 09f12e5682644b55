/* The ipsec.conf keyword table (see keywords.h) and its lookup. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/keywords.h"

/* ---- enumeration word lists (first spelling of a value is canonical) ---- */

static const struct val_name keyexchange_n[] = { { "ike", 0 }, { NULL, 0 } };
static const struct val_name family_n[] = { { "ipv4", 4 }, { "ipv6", 6 }, { NULL, 0 } };
static const struct val_name auth_n[] = {
	{ "rsasig", AUTH_RSASIG }, { "rsa", AUTH_RSASIG }, { "rsa-sha2", AUTH_RSA_SHA2 },
	{ "rsa-sha2_256", AUTH_RSA_SHA2 }, { "rsa-sha2_384", AUTH_RSA_SHA2_384 },
	{ "rsa-sha2_512", AUTH_RSA_SHA2_512 }, { "ecdsa", AUTH_ECDSA }, { "secret", AUTH_SECRET },
	{ "psk", AUTH_SECRET }, { "null", AUTH_NULL }, { "eaponly", AUTH_EAPONLY }, { NULL, 0 } };
static const struct val_name authby_n[] = {
	{ "rsasig", 1 }, { "rsa", 1 }, { "ecdsa", 2 }, { "rsa-sha2", 3 }, { "rsa-sha2_256", 3 },
	{ "rsa-sha2_384", 4 }, { "rsa-sha2_512", 5 }, { "rsa-sha1", 6 }, { "secret", 7 },
	{ "never", 8 }, { "null", 9 }, { NULL, 0 } };
static const struct val_name autheap_n[] = { { "none", 0 }, { "tls", 1 }, { NULL, 0 } };
static const struct val_name sendcert_n[] = {
	{ "sendifasked", SENDCERT_IFASKED }, { "ifasked", SENDCERT_IFASKED },
	{ "always", SENDCERT_ALWAYS }, { "yes", SENDCERT_ALWAYS },
	{ "never", SENDCERT_NEVER }, { "no", SENDCERT_NEVER }, { NULL, 0 } };
static const struct val_name phase2_n[] = { { "esp", 0 }, { "ah", 1 }, { NULL, 0 } };
static const struct val_name ppk_n[] = {
	{ "propose", 1 }, { "yes", 1 }, { "permit", 1 }, { "insist", 2 }, { "never", 0 }, { "no", 0 }, { NULL, 0 } };
static const struct val_name natv1_n[] = {
	{ "both", 0 }, { "drafts", 1 }, { "rfc", 2 }, { "none", 3 }, { NULL, 0 } };
static const struct val_name frag_n[] = {
	{ "yes", FRAG_YES }, { "no", FRAG_NO }, { "force", FRAG_FORCE }, { NULL, 0 } };
static const struct val_name esn_n[] = {
	{ "either", ESN_EITHER }, { "yes", ESN_YES }, { "no", ESN_NO }, { NULL, 0 } };
static const struct val_name sareftrack_n[] = {
	{ "yes", 1 }, { "no", 0 }, { "conntrack", 2 }, { NULL, 0 } };
static const struct val_name yna_n[] = {
	{ "auto", YNA_AUTO }, { "yes", YNA_YES }, { "no", YNA_NO }, { NULL, 0 } };
static const struct val_name xauthby_n[] = {
	{ "file", 0 }, { "pam", 1 }, { "alwaysok", 2 }, { NULL, 0 } };
static const struct val_name xauthfail_n[] = { { "hard", 0 }, { "soft", 1 }, { NULL, 0 } };
static const struct val_name peertype_n[] = { { "ietf", 0 }, { "cisco", 1 }, { NULL, 0 } };
static const struct val_name tcp_n[] = { { "no", 0 }, { "yes", 1 }, { "fallback", 2 }, { NULL, 0 } };
static const struct val_name sendredirect_n[] = {
	{ "no", 0 }, { "yes", 1 }, { "auto", 2 }, { NULL, 0 } };
static const struct val_name dpdaction_n[] = {
	{ "hold", DPD_HOLD }, { "clear", DPD_CLEAR }, { "restart", DPD_RESTART }, { NULL, 0 } };
static const struct val_name sendca_n[] = {
	{ "none", 0 }, { "issuer", 1 }, { "all", 2 }, { NULL, 0 } };
static const struct val_name failureshunt_n[] = {
	{ "none", 0 }, { "passthrough", 1 }, { "drop", 2 }, { "hold", 2 }, { "reject", 3 }, { NULL, 0 } };
static const struct val_name negoshunt_n[] = {
	{ "hold", 0 }, { "drop", 0 }, { "passthrough", 1 }, { NULL, 0 } };
static const struct val_name protostack_n[] = {
	{ "xfrm", 0 }, { "netkey", 0 }, { "native", 0 }, { "bsd", 1 }, { "kame", 1 }, { "bsdkame", 1 },
	{ "klips", 2 }, { "mast", 2 }, { "userspace", 3 }, { "auto", 4 }, { NULL, 0 } };
static const struct val_name ikev1policy_n[] = {
	{ "accept", 0 }, { "reject", 1 }, { "drop", 2 }, { NULL, 0 } };
static const struct val_name ocspmethod_n[] = { { "get", 0 }, { "post", 1 }, { NULL, 0 } };
static const struct val_name ddos_n[] = {
	{ "auto", 0 }, { "busy", 1 }, { "unlimited", 2 }, { NULL, 0 } };
static const struct val_name seccomp_n[] = {
	{ "disabled", 0 }, { "enabled", 1 }, { "tolerant", 2 }, { NULL, 0 } };
static const struct val_name globalredirect_n[] = {
	{ "no", 0 }, { "yes", 1 }, { "auto", 2 }, { NULL, 0 } };

/* ---- the table --------------------------------------------------------- */

#define C KWS_CONN
#define S KWS_SETUP
/* conn keyword, sided conn keyword, setup keyword, alias, obsolete */
#define K(n, t, nm, d)   { n, C, false, t, nm, d, NULL, false }
#define L(n, t, nm, d)   { n, C, true, t, nm, d, NULL, false }
#define G(n, t, nm, d)   { n, S, false, t, nm, d, NULL, false }
#define KA(n, target)    { n, C, false, KT_STRING, NULL, NULL, target, false }
#define LA(n, target)    { n, C, true, KT_STRING, NULL, NULL, target, false }
#define GA(n, target)    { n, S, false, KT_STRING, NULL, NULL, target, false }
#define KO(n)            { n, C, false, KT_STRING, NULL, NULL, NULL, true }
#define LO(n)            { n, C, true, KT_STRING, NULL, NULL, NULL, true }
#define GO(n)            { n, S, false, KT_STRING, NULL, NULL, NULL, true }

const struct kw_def kw_table[] = {
	/* ---- conn, sided (leftX / rightX) ---- */
	L("", KT_HOST, NULL, NULL),
	L("subnet", KT_SUBNET, NULL, NULL),
	L("subnets", KT_SUBNETS, NULL, NULL),
	L("vti", KT_SUBNET, NULL, NULL),
	L("addresspool", KT_ADDRPOOL, NULL, NULL),
	L("protoport", KT_PROTOPORT, NULL, NULL),
	L("nexthop", KT_NEXTHOP, NULL, NULL),
	L("sourceip", KT_ADDR, NULL, NULL),
	L("updown", KT_STRING, NULL, "ipsec _updown"),
	L("cat", KT_BOOL, NULL, "no"),
	L("id", KT_ID, NULL, NULL),
	L("rsasigkey", KT_PUBKEY, NULL, NULL),
	L("pubkey", KT_PUBKEY, NULL, NULL),
	L("ecdsakey", KT_PUBKEY, NULL, NULL),
	L("cert", KT_STRING, NULL, NULL),
	L("ckaid", KT_STRING, NULL, NULL),
	L("auth", KT_ENUM, auth_n, NULL),
	L("autheap", KT_ENUM, autheap_n, "none"),
	L("ca", KT_STRING, NULL, NULL),
	L("ikeport", KT_PORT, NULL, NULL),
	L("sendcert", KT_ENUM, sendcert_n, "sendifasked"),
	L("xauthserver", KT_BOOL, NULL, "no"),
	L("xauthclient", KT_BOOL, NULL, "no"),
	L("username", KT_STRING, NULL, NULL),
	LA("xauthusername", "username"),
	L("modecfgserver", KT_BOOL, NULL, "no"),
	L("modecfgclient", KT_BOOL, NULL, "no"),
	LO("firewall"),

	/* ---- conn, not sided ---- */
	K("keyexchange", KT_ENUM, keyexchange_n, "ike"),
	K("ikev2", KT_ENUM, val_ikev2_names, "yes"),
	K("hostaddrfamily", KT_ENUM, family_n, NULL),
	K("clientaddrfamily", KT_ENUM, family_n, NULL),
	K("type", KT_ENUM, val_type_names, "tunnel"),
	K("auto", KT_ENUM, val_auto_names, "ignore"),
	K("also", KT_NAME, NULL, NULL),
	K("alsoflip", KT_NAME, NULL, NULL),
	K("connalias", KT_NAME, NULL, NULL),
	K("authby", KT_LIST, authby_n, NULL),
	K("ike", KT_IKE, NULL, NULL),
	K("esp", KT_ESP, NULL, NULL),
	KA("phase2alg", "esp"),
	K("ah", KT_AH, NULL, NULL),
	K("phase2", KT_ENUM, phase2_n, "esp"),
	K("sha2-truncbug", KT_BOOL, NULL, "no"),
	K("ms-dh-downgrade", KT_BOOL, NULL, "no"),
	K("dns-match-id", KT_BOOL, NULL, "no"),
	K("require-id-on-certificate", KT_BOOL, NULL, "yes"),
	K("ppk", KT_ENUM, ppk_n, "no"),
	K("nat-ikev1-method", KT_ENUM, natv1_n, "both"),
	K("fragmentation", KT_ENUM, frag_n, "yes"),
	K("ikepad", KT_BOOL, NULL, "yes"),
	K("mobike", KT_BOOL, NULL, "no"),
	K("esn", KT_ENUM, esn_n, "either"),
	K("decap-dscp", KT_BOOL, NULL, "no"),
	K("nopmtudisc", KT_BOOL, NULL, "no"),
	K("narrowing", KT_BOOL, NULL, "no"),
	K("sareftrack", KT_ENUM, sareftrack_n, "yes"),
	K("nic-offload", KT_ENUM, yna_n, "auto"),
	K("xauthby", KT_ENUM, xauthby_n, "file"),
	K("xauthfail", KT_ENUM, xauthfail_n, "hard"),
	K("pam-authorize", KT_BOOL, NULL, "no"),
	K("modecfgpull", KT_BOOL, NULL, "no"),
	K("modecfgdns", KT_STRING, NULL, NULL),
	K("modecfgdomains", KT_STRING, NULL, NULL),
	K("modecfgbanner", KT_STRING, NULL, NULL),
	K("remote-peer-type", KT_ENUM, peertype_n, "ietf"),
	KA("remote_peer_type", "remote-peer-type"),
	K("nm-configured", KT_BOOL, NULL, "no"),
	K("encapsulation", KT_ENUM, yna_n, "auto"),
	KA("forceencaps", "encapsulation"),
	K("enable-tcp", KT_ENUM, tcp_n, "no"),
	K("tcp-remoteport", KT_PORT, NULL, "4500"),
	K("nat-keepalive", KT_BOOL, NULL, "yes"),
	K("initial-contact", KT_BOOL, NULL, "yes"),
	K("cisco-unity", KT_BOOL, NULL, "no"),
	K("ignore-peer-dns", KT_BOOL, NULL, "no"),
	K("accept-redirect", KT_BOOL, NULL, "no"),
	K("accept-redirect-to", KT_ADDRLIST, NULL, NULL),
	K("send-redirect", KT_ENUM, sendredirect_n, "no"),
	K("redirect-to", KT_STRING, NULL, NULL),
	K("fake-strongswan", KT_BOOL, NULL, "no"),
	K("send-vendorid", KT_BOOL, NULL, "no"),
	K("overlapip", KT_BOOL, NULL, "no"),
	K("reqid", KT_NUMBER, NULL, NULL),
	K("dpddelay", KT_DURATION, NULL, "0"),
	K("dpdtimeout", KT_DURATION, NULL, "0"),
	K("dpdaction", KT_ENUM, dpdaction_n, "hold"),
	K("pfs", KT_BOOL, NULL, "yes"),
	KO("pfsgroup"),
	K("aggressive", KT_BOOL, NULL, "no"),
	KA("aggrmode", "aggressive"),
	K("salifetime", KT_DURATION, NULL, "8h"),
	KA("keylife", "salifetime"),
	KA("lifetime", "salifetime"),
	KA("ipsec-lifetime", "salifetime"),
	K("ipsec-max-bytes", KT_BYTES, NULL, NULL),
	K("ipsec-max-packets", KT_BYTES, NULL, NULL),
	K("replay-window", KT_NUMBER, NULL, "128"),
	K("rekey", KT_BOOL, NULL, "yes"),
	K("rekeymargin", KT_DURATION, NULL, "9m"),
	K("rekeyfuzz", KT_PERCENT, NULL, "100%"),
	K("keyingtries", KT_KEYINGTRIES, NULL, "0"),
	K("ikelifetime", KT_DURATION, NULL, "8h"),
	K("retransmit-timeout", KT_DURATION, NULL, "60s"),
	K("retransmit-interval", KT_DURATION_MS, NULL, "500"),
	K("compress", KT_BOOL, NULL, "no"),
	K("metric", KT_NUMBER, NULL, "1"),
	K("mtu", KT_NUMBER, NULL, NULL),
	K("tfc", KT_NUMBER, NULL, NULL),
	K("send-no-esp-tfc", KT_BOOL, NULL, "no"),
	K("nflog", KT_NUMBER, NULL, NULL),
	K("mark", KT_MARK, NULL, NULL),
	K("mark-in", KT_MARK, NULL, NULL),
	K("mark-out", KT_MARK, NULL, NULL),
	K("vti-interface", KT_NAME, NULL, NULL),
	K("vti-routing", KT_BOOL, NULL, "yes"),
	K("vti-shared", KT_BOOL, NULL, "no"),
	K("ipsec-interface", KT_IPSECIF, NULL, NULL),
	K("priority", KT_NUMBER, NULL, NULL),
	K("sendca", KT_ENUM, sendca_n, "none"),
	KO("labeled-ipsec"),
	K("interface-ip", KT_SUBNET, NULL, NULL),   /* reference §6.1; not in 4.10's parser */
	K("policy-label", KT_STRING, NULL, NULL),
	KA("sec-label", "policy-label"),
	K("failureshunt", KT_ENUM, failureshunt_n, "none"),
	K("negotiationshunt", KT_ENUM, negoshunt_n, "hold"),
	K("intermediate", KT_BOOL, NULL, "no"),
	K("reauth", KT_BOOL, NULL, "no"),

	/* ---- config setup ---- */
	G("protostack", KT_ENUM, protostack_n, NULL),
	G("interfaces", KT_STRING, NULL, NULL),
	G("listen", KT_ADDR, NULL, NULL),
	G("ike-socket-bufsize", KT_BYTES, NULL, NULL),
	G("ike-socket-errqueue", KT_BOOL, NULL, "yes"),
	G("listen-udp", KT_BOOL, NULL, "yes"),
	G("listen-tcp", KT_BOOL, NULL, "no"),
	G("nflog-all", KT_NUMBER, NULL, "0"),
	G("keep-alive", KT_NUMBER, NULL, "20"),
	G("virtual-private", KT_VIRTPRIV, NULL, NULL),
	GA("virtual_private", "virtual-private"),
	G("myvendorid", KT_STRING, NULL, NULL),
	G("nhelpers", KT_SIGNED, NULL, "-1"),
	G("seedbits", KT_NUMBER, NULL, "0"),
	G("ikev1-secctx-attr-type", KT_NUMBER, NULL, "32001"),
	GA("secctx-attr-type", "ikev1-secctx-attr-type"),
	G("ikev1-policy", KT_ENUM, ikev1policy_n, "accept"),
	G("crlcheckinterval", KT_DURATION, NULL, "0"),
	G("crl-strict", KT_BOOL, NULL, "no"),
	G("curl-iface", KT_NAME, NULL, NULL),
	G("curl-timeout", KT_DURATION, NULL, "5s"),
	G("ocsp-enable", KT_BOOL, NULL, "no"),
	G("ocsp-strict", KT_BOOL, NULL, "no"),
	G("ocsp-method", KT_ENUM, ocspmethod_n, "get"),
	G("ocsp-timeout", KT_DURATION, NULL, "2"),
	G("ocsp-uri", KT_STRING, NULL, NULL),
	G("ocsp-trustname", KT_STRING, NULL, NULL),
	G("ocsp-cache-size", KT_NUMBER, NULL, "1000"),
	G("ocsp-cache-min-age", KT_DURATION, NULL, "3600"),
	G("ocsp-cache-max-age", KT_DURATION, NULL, "86400"),
	G("syslog", KT_STRING, NULL, "daemon.error"),
	G("plutodebug", KT_STRING, NULL, "none"),
	G("uniqueids", KT_BOOL, NULL, "yes"),
	G("logfile", KT_STRING, NULL, NULL),
	GA("plutostderrlog", "logfile"),
	G("logappend", KT_BOOL, NULL, "yes"),
	G("logip", KT_BOOL, NULL, "yes"),
	G("audit-log", KT_BOOL, NULL, "yes"),
	G("logtime", KT_BOOL, NULL, "yes"),
	G("ddos-mode", KT_ENUM, ddos_n, "auto"),
	G("ddos-ike-threshold", KT_NUMBER, NULL, "25000"),
	G("max-halfopen-ike", KT_NUMBER, NULL, "50000"),
	G("global-redirect", KT_ENUM, globalredirect_n, "no"),
	G("global-redirect-to", KT_ADDRLIST, NULL, NULL),
	G("shuntlifetime", KT_DURATION, NULL, "15m"),
	G("xfrmlifetime", KT_DURATION, NULL, "30"),
	G("dumpdir", KT_STRING, NULL, "/run/pluto"),
	G("statsbin", KT_STRING, NULL, NULL),
	G("ipsecdir", KT_STRING, NULL, "/etc/ipsec.d"),
	G("nssdir", KT_STRING, NULL, "/var/lib/ipsec/nss"),
	G("secretsfile", KT_STRING, NULL, "/etc/ipsec.secrets"),
	G("seccomp", KT_ENUM, seccomp_n, "disabled"),
	G("dnssec-enable", KT_BOOL, NULL, "yes"),
	G("dnssec-rootkey-file", KT_STRING, NULL, "/usr/share/dns/root.key"),
	G("dnssec-anchors", KT_STRING, NULL, NULL),
	G("drop-oppo-null", KT_BOOL, NULL, "no"),
};

const size_t kw_count = sizeof(kw_table) / sizeof(kw_table[0]);

/* ---- lookup: hash of every spelled form -> (row, side) ------------------ */

#define KW_HASH_SIZE 1024   /* power of two, > 2 * spelled forms */

struct kw_slot {
	char spelled[48];
	const struct kw_def *row;
	enum conf_side side;
};

static struct kw_slot kw_hash[KW_HASH_SIZE];
static struct kw_slot kw_canon_hash[KW_HASH_SIZE];   /* canonical name -> row */
static pthread_once_t kw_once = PTHREAD_ONCE_INIT;

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;          /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static void kw_insert(struct kw_slot *h, const char *spelled, const struct kw_def *row,
		      enum conf_side side)
{
	uint32_t i = hash_str(spelled) & (KW_HASH_SIZE - 1);

	while (h[i].row) {
		if (strcmp(h[i].spelled, spelled) == 0 && h[i].row->section == row->section)
			return;
		i = (i + 1) & (KW_HASH_SIZE - 1);
	}
	snprintf(h[i].spelled, sizeof(h[i].spelled), "%s", spelled);
	h[i].row = row;
	h[i].side = side;
}

static void kw_build(void)
{
	char buf[64];

	for (size_t i = 0; i < kw_count; i++) {
		const struct kw_def *d = &kw_table[i];
		if (d->sided) {
			kw_insert(kw_hash, kw_spell(d, CONF_LEFT, buf, sizeof(buf)), d, CONF_LEFT);
			kw_insert(kw_hash, kw_spell(d, CONF_RIGHT, buf, sizeof(buf)), d, CONF_RIGHT);
		} else {
			kw_insert(kw_hash, d->name, d, CONF_NOSIDE);
		}
		if (!d->alias_of)
			kw_insert(kw_canon_hash, d->name, d, CONF_NOSIDE);
	}
}

const char *kw_spell(const struct kw_def *d, enum conf_side side, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s%s", side == CONF_LEFT ? "left" : side == CONF_RIGHT ? "right" : "",
		 d->name);
	return buf;
}

size_t kw_index(const struct kw_def *d)
{
	return (size_t)(d - kw_table);
}

static const struct kw_def *kw_canon(const struct kw_def *d)
{
	if (!d->alias_of)
		return d;
	for (size_t i = 0; i < kw_count; i++)
		if (!kw_table[i].alias_of && kw_table[i].section == d->section &&
		    kw_table[i].sided == d->sided && strcmp(kw_table[i].name, d->alias_of) == 0)
			return &kw_table[i];
	return NULL;
}

bool kw_lookup(const char *spelled, enum kw_section sec, struct kw_ref *out)
{
	uint32_t i;

	memset(out, 0, sizeof(*out));
	if ((spelled[0] == 'x' || spelled[0] == 'X') && (spelled[1] == '-' || spelled[1] == '_') &&
	    spelled[2]) {
		out->user = true;
		return true;
	}
	pthread_once(&kw_once, kw_build);
	i = hash_str(spelled) & (KW_HASH_SIZE - 1);
	for (; kw_hash[i].row; i = (i + 1) & (KW_HASH_SIZE - 1)) {
		if (kw_hash[i].row->section != sec || strcmp(kw_hash[i].spelled, spelled) != 0)
			continue;
		out->spelled = kw_hash[i].row;
		out->def = kw_canon(kw_hash[i].row);
		out->side = kw_hash[i].side;
		return out->def != NULL;
	}
	return false;
}

const struct kw_def *kw_find(const char *name, enum kw_section sec)
{
	uint32_t i;

	pthread_once(&kw_once, kw_build);
	i = hash_str(name) & (KW_HASH_SIZE - 1);
	for (; kw_canon_hash[i].row; i = (i + 1) & (KW_HASH_SIZE - 1))
		if (kw_canon_hash[i].row->section == sec && strcmp(kw_canon_hash[i].spelled, name) == 0)
			return kw_canon_hash[i].row;
	return NULL;
}
