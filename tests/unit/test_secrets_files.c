/* ipsec.secrets from disk: includes, permissions, private key files. */
#include "harness.h"

#include <ftw.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/secrets.h"

static char dir[64];

static void put(const char *rel, const char *text, mode_t mode)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	f = fopen(p, "w");
	if (!f) {
		t_fail(__FILE__, __LINE__, "cannot write %s", p);
		return;
	}
	fputs(text, f);
	fclose(f);
	chmod(p, mode);
}

static const char *path(const char *rel)
{
	static char p[512];
	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	return p;
}

static bool has_diag(const struct secrets *s, const char *needle)
{
	for (size_t i = 0; i < s->n_diags; i++)
		if (strstr(s->diags[i].text, needle))
			return true;
	return false;
}

static void dump(const struct secrets *s)
{
	for (size_t i = 0; i < s->n_diags; i++)
		printf("  diag: %s\n", s->diags[i].text);
}

static struct secrets_opts opts(void)
{
	struct secrets_opts o = { .ipsecdir = dir };
	return o;
}

static void test_includes(void)
{
	struct secrets_opts o = opts();
	char want[1200];
	struct secrets *s;

	mkdir(path("d"), 0700);
	put("top.secrets", "@a : PSK \"top-secret-1\"\ninclude d/*.secrets\n@z : PSK \"top-secret-2\"\n", 0600);
	put("d/1.secrets", "@b : PSK \"inc-secret-1\"\ninclude ../leaf.secrets\n", 0600);
	put("d/2.secrets", "@c : PSK \"inc-secret-2\"\n", 0600);
	put("leaf.secrets", "@l : PSK \"leaf-secret\"\n", 0600);
	s = secrets_load(path("top.secrets"), &o);
	CHECK_INT(s->n_errors, 0);
	CHECK_INT(s->n_entries, 5);
	if (s->n_entries == 5) {
		/* include order: a, b, l (nested, relative to d/), c, z */
		CHECK_STR(s->entries[0].file, path("top.secrets"));
		CHECK(s->entries[1].ids[0].data[0] == 'b');
		CHECK(s->entries[2].ids[0].data[0] == 'l');
		CHECK(s->entries[3].ids[0].data[0] == 'c');
		CHECK(s->entries[4].ids[0].data[0] == 'z');
		CHECK_INT(s->entries[4].ordinal, 5);
		CHECK_INT(s->entries[4].line, 3);
	}
	snprintf(want, sizeof(want), "loading secrets from \"%s/d/../leaf.secrets\"", dir);
	CHECK(has_diag(s, want));
	secrets_free(s);

	/* a loop, a missing glob, a missing directory */
	put("loop1.secrets", "include loop2.secrets\n@a : PSK \"loop-secret\"\n", 0600);
	put("loop2.secrets", "include loop1.secrets\n", 0600);
	s = secrets_load(path("loop1.secrets"), &o);
	CHECK_INT(s->n_entries, 1);
	CHECK(has_diag(s, "include loop"));
	secrets_free(s);

	put("miss.secrets", "include nothing-*.secrets\ninclude /nonexistent-cygnet-dir/*.secrets\n", 0600);
	s = secrets_load(path("miss.secrets"), &o);
	snprintf(want, sizeof(want), "no secrets filename matched \"%s/nothing-*.secrets\"", dir);
	CHECK(has_diag(s, want));
	CHECK(has_diag(s, "ERROR: problem with secrets file \"/nonexistent-cygnet-dir\": No such file or directory (errno 2)"));
	secrets_free(s);

	s = secrets_load("/nonexistent-cygnet.secrets", &o);
	CHECK_INT(s->n_entries, 0);
	CHECK(has_diag(s, "no secrets filename matched \"/nonexistent-cygnet.secrets\""));
	secrets_free(s);

	/* depth: a chain of 12 files, each including the next */
	for (int i = 0; i < 12; i++) {
		char n[32], t[96];
		snprintf(n, sizeof(n), "chain%d.secrets", i);
		snprintf(t, sizeof(t), "@n%d : PSK \"chain-secret-%d\"\ninclude chain%d.secrets\n", i, i, i + 1);
		put(n, t, 0600);
	}
	s = secrets_load(path("chain0.secrets"), &o);
	CHECK_INT(s->n_entries, 11);      /* top file + 10 levels */
	CHECK(has_diag(s, "nested too deeply"));
	secrets_free(s);
}

static void test_permissions(void)
{
	struct secrets_opts o = opts();
	char want[1200];
	struct secrets *s;

	put("loose.secrets", "@a : PSK \"loose-secret\"\n", 0644);
	s = secrets_load(path("loose.secrets"), &o);
	snprintf(want, sizeof(want), "%s: WARNING: %s is readable by group/others (mode 0644); it should be 0600",
		 path("loose.secrets"), path("loose.secrets"));
	CHECK(has_diag(s, want));
	CHECK_INT(s->n_warnings, 1);
	CHECK_INT(s->n_entries, 1);
	secrets_free(s);
	put("tight.secrets", "@a : PSK \"tight-secret\"\n", 0600);
	s = secrets_load(path("tight.secrets"), &o);
	CHECK_INT(s->n_warnings, 0);
	secrets_free(s);
}

static void write_key(const char *rel, EVP_PKEY *pk, const char *pass, mode_t mode)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	f = fopen(p, "w");
	if (!f)
		return;
	PEM_write_PrivateKey(f, pk, pass ? EVP_aes_256_cbc() : NULL, NULL, 0, NULL, (void *)pass);
	fclose(f);
	chmod(p, mode);
}

/* RFC 8032 §7.1 test 1 private key (PKCS#8); the CKAID is SHA-1 of its
 * public key d75a9801...511a (computed independently). */
static const char ed_pem[] = "-----BEGIN PRIVATE KEY-----\n"
	"MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
	"-----END PRIVATE KEY-----\n";

static void test_keys(void)
{
	struct secrets_opts o = opts();
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	struct secrets *s;
	uint8_t want[20];

	mkdir(path("private"), 0700);
	write_key("private/rsa.pem", rsa, NULL, 0600);
	write_key("private/rsa-enc.pem", rsa, "correct horse", 0600);
	write_key("private/ec.pem", ec, NULL, 0644);
	put("private/ed.pem", ed_pem, 0600);
	put("private/garbage.pem", "not a key\n", 0600);
	{
		FILE *f = fopen(path("private/ec.der"), "wb");
		if (f) {
			i2d_PrivateKey_fp(f, ec);
			fclose(f);
		}
		f = fopen(path("private/ec-pub.pem"), "w");
		if (f) {
			PEM_write_PUBKEY(f, ec);
			fclose(f);
		}
		chmod(path("private/ec.der"), 0600);
		chmod(path("private/ec-pub.pem"), 0600);
	}
	put("keys.secrets",
	    "@west : RSA rsa.pem\n"                              /* 1 */
	    ": RSA \"rsa-enc.pem\" \"correct horse\"\n"          /* 2 */
	    ": RSA rsa-enc.pem \"wrong horse\"\n"                /* 3: bad passphrase */
	    ": RSA rsa-enc.pem\n"                                /* 4: no passphrase */
	    ": ECDSA ec.pem\n"                                   /* 5 (+ mode warning) */
	    ": EDDSA ed.pem\n"                                   /* 6 */
	    ": ECDSA rsa.pem\n"                                  /* 7: type mismatch */
	    ": RSA missing.pem\n"                                /* 8 */
	    ": RSA garbage.pem\n"                               /* 9 */
	    ": ECDSA ec.der\n"                                  /* 10: DER */
	    ": ECDSA ec-pub.pem\n", 0600);                      /* 11: public key only */
	s = secrets_load(path("keys.secrets"), &o);
	CHECK_INT(s->n_entries, 5);
	CHECK_INT(s->n_errors, 6);
	CHECK(has_diag(s, "keys.secrets:11: ECDSA key file"));
	CHECK_INT(s->n_warnings, 1);
	CHECK(has_diag(s, "keys.secrets:3: RSA key file"));
	CHECK(has_diag(s, "wrong passphrase"));
	CHECK(has_diag(s, "keys.secrets:4: RSA key file"));
	CHECK(has_diag(s, "keys.secrets:7: ECDSA key file"));
	CHECK(has_diag(s, "does not hold an ECDSA"));
	CHECK(has_diag(s, "keys.secrets:8: RSA key file"));
	CHECK(has_diag(s, "/private/ec.pem is readable by group/others (mode 0644)"));
	CHECK(!has_diag(s, "horse"));
	if (s->n_entries == 5) {
		CHECK_MEM(s->entries[4].ckaid, s->entries[2].ckaid, 20);   /* DER = PEM key */
		CHECK(s->entries[0].pkey && EVP_PKEY_is_a(s->entries[0].pkey, "RSA"));
		CHECK_MEM(s->entries[0].ckaid, s->entries[1].ckaid, 20);   /* same key, encrypted */
		CHECK(s->entries[2].pkey && EVP_PKEY_is_a(s->entries[2].pkey, "EC"));
		CHECK_INT(s->entries[3].ordinal, 6);
		t_unhex("5b27aa5589179770e47575b162a1ded97b8bfc6d", want, sizeof(want));
		CHECK_MEM(s->entries[3].ckaid, want, 20);
		CHECK(secrets_find_key(s, want) == &s->entries[3]);
		struct cy_id w;
		CHECK(id_parse("@west", &w, NULL));
		CHECK(secrets_find(s, SECRET_RSA, &w, NULL) == &s->entries[0]);
		CHECK_STR(s->entries[3].key_path, path("private/ed.pem"));
	}
	dump(s);
	secrets_free(s);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(p);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/cygnet-secrets-XXXXXX");
	if (!mkdtemp(dir)) {
		printf("FAIL setup: mkdtemp\n");
		return 1;
	}
	RUN(test_includes);
	RUN(test_permissions);
	RUN(test_keys);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return t_done();
}
