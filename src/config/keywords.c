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

/* ---- implemented values of partly implemented keywords (canonical) ----- */

static const char *const v_no[] = { "no", NULL };
static const char *const v_yes[] = { "yes", NULL };
static const char *const v_zero[] = { "0", NULL };
static const char *const v_none[] = { "none", NULL };
static const char *const v_never[] = { "never", NULL };
static const char *const v_ietf[] = { "ietf", NULL };
static const char *const v_esp[] = { "esp", NULL };
static const char *const v_secret[] = { "secret", NULL };
/* authby=never: only with a shunt type= (support.c) */
static const char *const v_authby[] = { "secret", "never", NULL };
static const char *const v_disabled[] = { "disabled", NULL };
static const char *const v_auto_no[] = { "auto", "no", NULL };
static const char *const v_auto[] = { "ignore", "add", "ondemand", "start", NULL };
static const char *const v_stack[] = { "xfrm", "userspace", "auto", NULL };
/* interfaces=: the two values Libreswan 4.10 keeps with XFRM (IKE on every
 * interface; listen= restricts it); KLIPS virtual=physical pairs are refused */
static const char *const v_interfaces[] = { "%defaultroute", "%none", NULL };

/* ---- the table --------------------------------------------------------- */

#define C KWS_CONN
#define S KWS_SETUP
/* conn keyword, sided conn keyword, setup keyword, alias, obsolete */
/* the last argument(s): the class column (keywords.h), one of
 *   IMPL                  implemented, every value
 *   TODO(why)             not supported yet: refused
 *   TODO_BUT(ok, why)     the values in ok implemented, others refused
 *   NOEFF(why)            no effect: accepted with a warning
 *   NOEFF_BUT(ok, why)    the values in ok implemented, others warned about
 * An alias row's class is its target's (the lookup resolves aliases). */
#define IMPL                 KC_IMPLEMENTED, NULL, NULL
#define TODO(why)            KC_NOT_YET, NULL, why
#define TODO_BUT(ok, why)    KC_NOT_YET, ok, why
#define NOEFF(why)           KC_NO_EFFECT, NULL, why
#define NOEFF_BUT(ok, why)   KC_NO_EFFECT, ok, why
#define K(n, t, nm, d, ...)   { n, C, false, t, nm, d, NULL, false, __VA_ARGS__ }
#define L(n, t, nm, d, ...)   { n, C, true, t, nm, d, NULL, false, __VA_ARGS__ }
#define G(n, t, nm, d, ...)   { n, S, false, t, nm, d, NULL, false, __VA_ARGS__ }
#define KA(n, target, ...)    { n, C, false, KT_STRING, NULL, NULL, target, false, __VA_ARGS__ }
#define LA(n, target, ...)    { n, C, true, KT_STRING, NULL, NULL, target, false, __VA_ARGS__ }
#define GA(n, target, ...)    { n, S, false, KT_STRING, NULL, NULL, target, false, __VA_ARGS__ }
#define KO(n, ...)            { n, C, false, KT_STRING, NULL, NULL, NULL, true, __VA_ARGS__ }
#define LO(n, ...)            { n, C, true, KT_STRING, NULL, NULL, NULL, true, __VA_ARGS__ }
#define GO(n, ...)            { n, S, false, KT_STRING, NULL, NULL, NULL, true, __VA_ARGS__ }

const struct kw_def kw_table[] = {
	/* ---- conn, sided (leftX / rightX) ---- */
	L("", KT_HOST, NULL, NULL, IMPL),
	L("subnet", KT_SUBNET, NULL, NULL, IMPL),
	L("subnets", KT_SUBNETS, NULL, NULL, IMPL),
	L("vti", KT_SUBNET, NULL, NULL, TODO("VTI interfaces")),
	L("addresspool", KT_ADDRPOOL, NULL, NULL, TODO("address pools (Configuration Payload)")),
	L("protoport", KT_PROTOPORT, NULL, NULL, IMPL),
	L("nexthop", KT_NEXTHOP, NULL, NULL, IMPL),
	L("sourceip", KT_ADDR, NULL, NULL, IMPL),
	L("updown", KT_STRING, NULL, "ipsec _updown", IMPL),
	L("cat", KT_BOOL, NULL, "no", TODO_BUT(v_no, "client address translation")),
	L("id", KT_ID, NULL, NULL, IMPL),
	L("rsasigkey", KT_PUBKEY, NULL, NULL, IMPL),
	L("pubkey", KT_PUBKEY, NULL, NULL, IMPL),
	L("ecdsakey", KT_PUBKEY, NULL, NULL, IMPL),
	L("cert", KT_STRING, NULL, NULL, TODO("certificates")),
	L("ckaid", KT_STRING, NULL, NULL, TODO("certificates")),
	L("auth", KT_ENUM, auth_n, NULL, TODO_BUT(v_secret, "authentication other than secret (PSK)")),
	L("autheap", KT_ENUM, autheap_n, "none", TODO_BUT(v_none, "EAP")),
	L("ca", KT_STRING, NULL, NULL, TODO("certificates")),
	L("ikeport", KT_PORT, NULL, NULL, IMPL),
	L("sendcert", KT_ENUM, sendcert_n, "sendifasked", NOEFF("Cygnet has no certificates yet")),
	L("xauthserver", KT_BOOL, NULL, "no", TODO_BUT(v_no, "XAUTH (IKEv1)")),
	L("xauthclient", KT_BOOL, NULL, "no", TODO_BUT(v_no, "XAUTH (IKEv1)")),
	L("username", KT_STRING, NULL, NULL, NOEFF("used by XAUTH (IKEv1) only")),
	LA("xauthusername", "username", NOEFF("used by XAUTH (IKEv1) only")),
	L("modecfgserver", KT_BOOL, NULL, "no", TODO_BUT(v_no, "Mode Config")),
	L("modecfgclient", KT_BOOL, NULL, "no", TODO_BUT(v_no, "Mode Config")),
	LO("firewall", NOEFF("obsolete")),

	/* ---- conn, not sided ---- */
	K("keyexchange", KT_ENUM, keyexchange_n, "ike", IMPL),
	K("ikev2", KT_ENUM, val_ikev2_names, "yes", TODO_BUT(v_yes, "IKEv1: Cygnet speaks IKEv2 only")),
	K("hostaddrfamily", KT_ENUM, family_n, NULL, IMPL),
	K("clientaddrfamily", KT_ENUM, family_n, NULL, NOEFF("the subnets decide the client address family")),
	K("type", KT_ENUM, val_type_names, "tunnel", IMPL),
	K("auto", KT_ENUM, val_auto_names, "ignore", TODO_BUT(v_auto, "auto=keep")),
	K("also", KT_NAME, NULL, NULL, IMPL),
	K("alsoflip", KT_NAME, NULL, NULL, IMPL),
	K("connalias", KT_NAME, NULL, NULL, IMPL),
	K("authby", KT_LIST, authby_n, NULL, TODO_BUT(v_authby, "authentication other than secret (PSK)")),
	K("ike", KT_IKE, NULL, NULL, IMPL),
	K("esp", KT_ESP, NULL, NULL, IMPL),
	KA("phase2alg", "esp", IMPL),
	K("ah", KT_AH, NULL, NULL, TODO("AH")),
	K("phase2", KT_ENUM, phase2_n, "esp", TODO_BUT(v_esp, "AH")),
	K("sha2-truncbug", KT_BOOL, NULL, "no", TODO_BUT(v_no, "truncated SHA-2 integrity")),
	K("ms-dh-downgrade", KT_BOOL, NULL, "no", TODO_BUT(v_no, "DH downgrade for Microsoft peers")),
	K("dns-match-id", KT_BOOL, NULL, "no", TODO_BUT(v_no, "checking IDs against DNS")),
	K("require-id-on-certificate", KT_BOOL, NULL, "yes", NOEFF_BUT(v_yes, "Cygnet has no certificates yet")),
	K("ppk", KT_ENUM, ppk_n, "no", TODO_BUT(v_never, "PPK (RFC 8784)")),
	K("nat-ikev1-method", KT_ENUM, natv1_n, "both", NOEFF("used by IKEv1 only")),
	K("fragmentation", KT_ENUM, frag_n, "yes", IMPL),
	K("ikepad", KT_BOOL, NULL, "yes", NOEFF("used by IKEv1 only")),
	K("mobike", KT_BOOL, NULL, "no", TODO_BUT(v_no, "MOBIKE")),
	K("esn", KT_ENUM, esn_n, "either", IMPL),
	K("decap-dscp", KT_BOOL, NULL, "no", TODO_BUT(v_no, "copying DSCP on decapsulation")),
	K("nopmtudisc", KT_BOOL, NULL, "no", TODO_BUT(v_no, "disabling PMTU discovery")),
	K("narrowing", KT_BOOL, NULL, "no", IMPL),
	K("sareftrack", KT_ENUM, sareftrack_n, "yes", NOEFF("SAref tracking is for KLIPS; Linux XFRM has none")),
	K("nic-offload", KT_ENUM, yna_n, "auto", TODO_BUT(v_auto_no, "NIC offload")),
	K("xauthby", KT_ENUM, xauthby_n, "file", NOEFF("used by XAUTH (IKEv1) only")),
	K("xauthfail", KT_ENUM, xauthfail_n, "hard", NOEFF("used by XAUTH (IKEv1) only")),
	K("pam-authorize", KT_BOOL, NULL, "no", TODO_BUT(v_no, "PAM authorization")),
	K("modecfgpull", KT_BOOL, NULL, "no", TODO_BUT(v_no, "Mode Config")),
	K("modecfgdns", KT_STRING, NULL, NULL, TODO("Mode Config")),
	K("modecfgdomains", KT_STRING, NULL, NULL, TODO("Mode Config")),
	K("modecfgbanner", KT_STRING, NULL, NULL, TODO("Mode Config")),
	K("remote-peer-type", KT_ENUM, peertype_n, "ietf", TODO_BUT(v_ietf, "Cisco peer quirks")),
	KA("remote_peer_type", "remote-peer-type", TODO_BUT(v_ietf, "Cisco peer quirks")),
	K("nm-configured", KT_BOOL, NULL, "no", TODO_BUT(v_no, "NetworkManager integration")),
	K("encapsulation", KT_ENUM, yna_n, "auto", IMPL),
	KA("forceencaps", "encapsulation", IMPL),
	K("enable-tcp", KT_ENUM, tcp_n, "no", TODO_BUT(v_no, "IKE over TCP (RFC 8229)")),
	K("tcp-remoteport", KT_PORT, NULL, "4500", NOEFF("used with enable-tcp only")),
	K("nat-keepalive", KT_BOOL, NULL, "yes", IMPL),
	K("initial-contact", KT_BOOL, NULL, "yes", IMPL),
	K("cisco-unity", KT_BOOL, NULL, "no", TODO_BUT(v_no, "Cisco Unity")),
	K("ignore-peer-dns", KT_BOOL, NULL, "no", NOEFF("used by a Mode Config client only")),
	K("accept-redirect", KT_BOOL, NULL, "no", TODO_BUT(v_no, "IKEv2 redirect (RFC 5685)")),
	K("accept-redirect-to", KT_ADDRLIST, NULL, NULL, TODO("IKEv2 redirect (RFC 5685)")),
	K("send-redirect", KT_ENUM, sendredirect_n, "no", TODO_BUT(v_no, "IKEv2 redirect (RFC 5685)")),
	K("redirect-to", KT_STRING, NULL, NULL, TODO("IKEv2 redirect (RFC 5685)")),
	K("fake-strongswan", KT_BOOL, NULL, "no", TODO_BUT(v_no, "vendor IDs")),
	K("send-vendorid", KT_BOOL, NULL, "no", TODO_BUT(v_no, "vendor IDs")),
	K("overlapip", KT_BOOL, NULL, "no", TODO_BUT(v_no, "overlapping addresses")),
	K("reqid", KT_NUMBER, NULL, NULL, IMPL),
	K("dpddelay", KT_DURATION, NULL, "0", IMPL),
	K("dpdtimeout", KT_DURATION, NULL, "0", IMPL),
	K("dpdaction", KT_ENUM, dpdaction_n, "hold", IMPL),
	K("pfs", KT_BOOL, NULL, "yes", IMPL),
	KO("pfsgroup", NOEFF("obsolete")),
	K("aggressive", KT_BOOL, NULL, "no", NOEFF("used by IKEv1 only")),
	KA("aggrmode", "aggressive", NOEFF("used by IKEv1 only")),
	K("salifetime", KT_DURATION, NULL, "8h", IMPL),
	KA("keylife", "salifetime", IMPL),
	KA("lifetime", "salifetime", IMPL),
	KA("ipsec-lifetime", "salifetime", IMPL),
	K("ipsec-max-bytes", KT_BYTES, NULL, NULL, IMPL),
	K("ipsec-max-packets", KT_BYTES, NULL, NULL, IMPL),
	K("replay-window", KT_NUMBER, NULL, "128", IMPL),
	K("rekey", KT_BOOL, NULL, "yes", IMPL),
	K("rekeymargin", KT_DURATION, NULL, "9m", IMPL),
	K("rekeyfuzz", KT_PERCENT, NULL, "100%", IMPL),
	K("keyingtries", KT_KEYINGTRIES, NULL, "0", IMPL),
	K("ikelifetime", KT_DURATION, NULL, "8h", IMPL),
	K("retransmit-timeout", KT_DURATION, NULL, "60s", IMPL),
	K("retransmit-interval", KT_DURATION_MS, NULL, "500", IMPL),
	K("compress", KT_BOOL, NULL, "no", TODO_BUT(v_no, "IPComp")),
	K("metric", KT_NUMBER, NULL, "1", IMPL),
	K("mtu", KT_NUMBER, NULL, NULL, IMPL),
	K("tfc", KT_NUMBER, NULL, NULL, IMPL),
	K("send-no-esp-tfc", KT_BOOL, NULL, "no", IMPL),
	K("nflog", KT_NUMBER, NULL, NULL, TODO("NFLOG")),
	K("mark", KT_MARK, NULL, NULL, IMPL),
	K("mark-in", KT_MARK, NULL, NULL, IMPL),
	K("mark-out", KT_MARK, NULL, NULL, IMPL),
	K("vti-interface", KT_NAME, NULL, NULL, TODO("VTI interfaces")),
	K("vti-routing", KT_BOOL, NULL, "yes", NOEFF("used with vti-interface only")),
	K("vti-shared", KT_BOOL, NULL, "no", NOEFF("used with vti-interface only")),
	K("ipsec-interface", KT_IPSECIF, NULL, NULL, TODO_BUT(v_no, "XFRM interfaces")),
	K("priority", KT_NUMBER, NULL, NULL, IMPL),
	K("sendca", KT_ENUM, sendca_n, "none", NOEFF("Cygnet has no certificates yet")),
	KO("labeled-ipsec", NOEFF("obsolete")),
	K("interface-ip", KT_SUBNET, NULL, NULL, TODO("XFRM interfaces")),   /* reference §6.1; not in 4.10's parser */
	K("policy-label", KT_STRING, NULL, NULL, TODO("labeled IPsec")),
	KA("sec-label", "policy-label", TODO("labeled IPsec")),
	K("failureshunt", KT_ENUM, failureshunt_n, "none", IMPL),
	K("negotiationshunt", KT_ENUM, negoshunt_n, "hold", IMPL),
	K("intermediate", KT_BOOL, NULL, "no", TODO_BUT(v_no, "IKE_INTERMEDIATE")),
	K("reauth", KT_BOOL, NULL, "no", TODO_BUT(v_no, "reauthentication")),

	/* ---- config setup ---- */
	G("protostack", KT_ENUM, protostack_n, NULL, TODO_BUT(v_stack, "KLIPS and BSD stacks")),
	G("interfaces", KT_STRING, NULL, NULL,
	  TODO_BUT(v_interfaces, "KLIPS virtual=physical interface pairs: use listen= to choose the IKE address")),
	G("listen", KT_ADDR, NULL, NULL, IMPL),
	G("ike-socket-bufsize", KT_BYTES, NULL, NULL, IMPL),
	G("ike-socket-errqueue", KT_BOOL, NULL, "yes", NOEFF("Cygnet does not read the IKE socket error queue")),
	G("listen-udp", KT_BOOL, NULL, "yes", TODO_BUT(v_yes, "IKE over TCP only")),
	G("listen-tcp", KT_BOOL, NULL, "no", TODO_BUT(v_no, "IKE over TCP (RFC 8229)")),
	G("nflog-all", KT_NUMBER, NULL, "0", TODO_BUT(v_zero, "NFLOG")),
	G("keep-alive", KT_NUMBER, NULL, "20", IMPL),
	G("virtual-private", KT_VIRTPRIV, NULL, NULL, NOEFF("used by vhost:/vnet: subnets only, which Cygnet does not support")),
	GA("virtual_private", "virtual-private", NOEFF("used by vhost:/vnet: subnets only, which Cygnet does not support")),
	G("myvendorid", KT_STRING, NULL, NULL, TODO("vendor IDs")),
	G("nhelpers", KT_SIGNED, NULL, "-1", IMPL),
	G("seedbits", KT_NUMBER, NULL, "0", NOEFF("the kernel random generator needs no seeding")),
	G("ikev1-secctx-attr-type", KT_NUMBER, NULL, "32001", NOEFF("used by IKEv1 only")),
	GA("secctx-attr-type", "ikev1-secctx-attr-type", NOEFF("used by IKEv1 only")),
	G("ikev1-policy", KT_ENUM, ikev1policy_n, "accept", NOEFF("Cygnet speaks IKEv2 only and drops IKEv1 messages")),
	G("crlcheckinterval", KT_DURATION, NULL, "0", NOEFF("Cygnet has no certificates yet, so no revocation checking")),
	G("crl-strict", KT_BOOL, NULL, "no", NOEFF("Cygnet has no certificates yet, so no revocation checking")),
	G("curl-iface", KT_NAME, NULL, NULL, NOEFF("Cygnet has no certificates yet, so no revocation checking")),
	G("curl-timeout", KT_DURATION, NULL, "5s", NOEFF("Cygnet has no certificates yet, so no revocation checking")),
	G("ocsp-enable", KT_BOOL, NULL, "no", NOEFF("Cygnet has no certificates yet, so no revocation checking")),
	G("ocsp-strict", KT_BOOL, NULL, "no", NOEFF("Cygnet has no certificates yet, so no revocation checking")),
	G("ocsp-method", KT_ENUM, ocspmethod_n, "get", NOEFF("Cygnet has no certificates yet, so no revocation checking")),
	G("ocsp-timeout", KT_DURATION, NULL, "2", NOEFF("Cygnet has no certificates yet, so no revocation checking")),
	G("ocsp-uri", KT_STRING, NULL, NULL, NOEFF("Cygnet has no certificates yet, so no revocation checking")),
	G("ocsp-trustname", KT_STRING, NULL, NULL, NOEFF("Cygnet has no certificates yet, so no revocation checking")),
	G("ocsp-cache-size", KT_NUMBER, NULL, "1000", NOEFF("Cygnet has no certificates yet, so no revocation checking")),
	G("ocsp-cache-min-age", KT_DURATION, NULL, "3600", NOEFF("Cygnet has no certificates yet, so no revocation checking")),
	G("ocsp-cache-max-age", KT_DURATION, NULL, "86400", NOEFF("Cygnet has no certificates yet, so no revocation checking")),
	G("syslog", KT_STRING, NULL, "daemon.error", IMPL),
	G("plutodebug", KT_STRING, NULL, "none", IMPL),
	G("uniqueids", KT_BOOL, NULL, "yes", IMPL),
	G("logfile", KT_STRING, NULL, NULL, IMPL),
	GA("plutostderrlog", "logfile", IMPL),
	G("logappend", KT_BOOL, NULL, "yes", IMPL),
	G("logip", KT_BOOL, NULL, "yes", TODO_BUT(v_yes, "hiding addresses in logs")),
	G("audit-log", KT_BOOL, NULL, "yes", NOEFF_BUT(v_no, "Cygnet writes no Linux audit records")),
	G("logtime", KT_BOOL, NULL, "yes", IMPL),
	G("ddos-mode", KT_ENUM, ddos_n, "auto", IMPL),
	G("ddos-ike-threshold", KT_NUMBER, NULL, "25000", IMPL),
	G("max-halfopen-ike", KT_NUMBER, NULL, "50000", IMPL),
	G("global-redirect", KT_ENUM, globalredirect_n, "no", TODO_BUT(v_no, "IKEv2 redirect (RFC 5685)")),
	G("global-redirect-to", KT_ADDRLIST, NULL, NULL, TODO("IKEv2 redirect (RFC 5685)")),
	G("shuntlifetime", KT_DURATION, NULL, "15m", IMPL),
	G("xfrmlifetime", KT_DURATION, NULL, "30", NOEFF("Cygnet keeps no larval kernel states")),
	G("dumpdir", KT_STRING, NULL, "/run/pluto", IMPL),
	G("statsbin", KT_STRING, NULL, NULL, TODO("a statistics hook")),
	G("ipsecdir", KT_STRING, NULL, "/etc/ipsec.d", IMPL),
	G("nssdir", KT_STRING, NULL, "/var/lib/ipsec/nss", NOEFF("Cygnet does not use NSS")),
	G("secretsfile", KT_STRING, NULL, "/etc/ipsec.secrets", IMPL),
	G("seccomp", KT_ENUM, seccomp_n, "disabled", TODO_BUT(v_disabled, "seccomp filtering")),
	G("dnssec-enable", KT_BOOL, NULL, "yes", NOEFF_BUT(v_no, "names are resolved by the system resolver")),
	G("dnssec-rootkey-file", KT_STRING, NULL, "/usr/share/dns/root.key", NOEFF("names are resolved by the system resolver")),
	G("dnssec-anchors", KT_STRING, NULL, NULL, NOEFF("names are resolved by the system resolver")),
	G("drop-oppo-null", KT_BOOL, NULL, "no", NOEFF("Cygnet has no opportunistic encryption")),
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
