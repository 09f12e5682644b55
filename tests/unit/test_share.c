/* Shared proposal lists (src/alg/proposal_share.c) and shared strings
 * (src/lib/share.c): equal contents give one copy, references are
 * counted, the last drop frees, and a conn's lists and keyword names are
 * shared between conns (issue 13: memory per loaded conn). */
#include "harness.h"

#include <stdio.h>
#include <string.h>

#include "config/conn.h"
#include "config/proposals.h"
#include "lib/share.h"

static void test_proposals(void)
{
	const struct proposal_list *a = NULL, *b = NULL, *c = NULL, *d;
	const char *why = NULL;
	size_t base = share_count();
	struct proposal_list junk;

	CHECK(proposals_parse_shared(PROP_IKE, "aes_gcm256-sha2_256-dh31", &a, &why));
	CHECK(proposals_parse_shared(PROP_IKE, "AES_GCM256-SHA2_256-DH31", &b, &why));
	CHECK(a == b);                                  /* one copy */
	CHECK_INT((int)share_count(), (int)base + 1);
	CHECK(proposals_parse_shared(PROP_IKE, "aes256-sha2_256-dh19", &c, &why));
	CHECK(c != a);
	CHECK_INT((int)share_count(), (int)base + 2);
	/* the parser's reason, unused transform slots: not part of the identity */
	CHECK(proposals_parse(PROP_IKE, "aes256-sha2_256-dh19", &junk, &why));
	memset(junk.why_buf, 'x', sizeof(junk.why_buf));
	junk.p[0].encr[PROP_MAX_TRANS - 1].id = 999;
	d = proposals_share(&junk);
	CHECK(d == c);
	CHECK(d->p[0].encr[PROP_MAX_TRANS - 1].id == 0);
	proposals_unref(d);
	proposals_unref(c);
	CHECK_INT((int)share_count(), (int)base + 1);   /* c freed */
	proposals_unref(a);
	CHECK_INT((int)share_count(), (int)base + 1);   /* b still holds it */
	proposals_unref(b);
	CHECK_INT((int)share_count(), (int)base);
	/* a failure leaves *out alone and gives a reason */
	a = NULL;
	CHECK(!proposals_parse_shared(PROP_IKE, "nosuchcipher", &a, &why));
	CHECK(a == NULL && why && strstr(why, "nosuchcipher"));
	/* the defaults: never freed by balanced ref/unref */
	d = proposals_default_shared(PROP_ESP);
	proposals_unref(proposals_ref(d));
	CHECK(proposals_default_shared(PROP_ESP) == d && d->n > 0);
}

static void test_strings(void)
{
	size_t base = share_count();
	char buf[32];
	const char *a, *b, *c;

	snprintf(buf, sizeof(buf), "leftsubnet");
	a = str_share(buf);
	buf[0] = 'L';
	CHECK_STR(a, "leftsubnet");                     /* a copy */
	b = str_share("leftsubnet");
	c = str_share("rightsubnet");
	CHECK(a == b && a != c);
	CHECK_INT((int)share_count(), (int)base + 2);
	str_unshare(a);
	str_unshare(c);
	CHECK_INT((int)share_count(), (int)base + 1);
	CHECK_STR(b, "leftsubnet");
	str_unshare(b);
	str_unshare(NULL);
	CHECK_INT((int)share_count(), (int)base);
}

/* Two conns with the same ike=/esp= share the lists, their kv lists share
 * keyword and file names; freeing both gives everything back. */
static void test_conns(void)
{
	size_t base = share_count();
	struct conf_kvlist kv;
	struct config_diag diag;
	struct conn *c1, *c2;

	kvlist_init(&kv);
	diag_init(&diag);
	CHECK(kvlist_add_at(&kv, "ike", CONF_NOSIDE, "aes_gcm256-sha2_256-dh31", "/etc/ipsec.conf", 3));
	CHECK(kvlist_add_at(&kv, "esp", CONF_NOSIDE, "aes_gcm256", "/etc/ipsec.conf", 4));
	CHECK(kvlist_add_at(&kv, "", CONF_LEFT, "192.0.2.1", "/etc/ipsec.conf", 5));
	CHECK(kvlist_add_at(&kv, "", CONF_RIGHT, "192.0.2.2", "/etc/ipsec.conf", 6));
	c1 = conn_from_kv("a", &kv, NULL, &diag);
	c2 = conn_from_kv("b", &kv, NULL, &diag);
	CHECK(c1 && c2);
	if (!c1 || !c2)
		return;
	CHECK(c1->ike && c1->ike == c2->ike && c1->esp == c2->esp && c1->ike != c1->esp);
	CHECK(c1->kv.v[0].key == c2->kv.v[0].key && c1->kv.v[0].file == c2->kv.v[0].file);
	CHECK(c1->kv.v[0].value != c2->kv.v[0].value);  /* values are the conn's own */
	conn_free(c1);
	conn_free(c2);
	kvlist_clear(&kv);
	diag_free(&diag);
	CHECK_INT((int)share_count(), (int)base);
}

int main(void)
{
	RUN(test_proposals);
	RUN(test_strings);
	RUN(test_conns);
	return t_done();
}
