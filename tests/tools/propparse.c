/* propparse KIND=TEXT...: parse ike=/esp=/ah= values with Cygnet's proposal
 * parser and print, for each argument, a header line "== KIND=TEXT" and then
 * one proposal per line (a tab, then the proposal, as Libreswan's
 * `algparse -v2` prints it) or "\tERROR: why".  KIND is ike, esp or ah; an
 * empty TEXT prints Cygnet's built-in default.  Exit 1 if any failed. */
#include <stdio.h>
#include <string.h>

#include "config/proposals.h"

static int one(const char *arg)
{
	static struct proposal_list l;
	enum prop_kind kind;
	const char *why = NULL, *text;
	char buf[2048];

	printf("== %s\n", arg);
	if (strncmp(arg, "ike=", 4) == 0) {
		kind = PROP_IKE;
		text = arg + 4;
	} else if (strncmp(arg, "esp=", 4) == 0) {
		kind = PROP_ESP;
		text = arg + 4;
	} else if (strncmp(arg, "ah=", 3) == 0) {
		kind = PROP_AH;
		text = arg + 3;
	} else {
		printf("\tERROR: argument must start with ike=, esp= or ah=\n");
		return 1;
	}
	if (text[0] == '\0') {
		proposals_default(kind, &l);
	} else if (!proposals_parse(kind, text, &l, &why)) {
		printf("\tERROR: %s\n", why);
		return 1;
	}
	for (size_t i = 0; i < l.n; i++) {
		proposal_fmt(kind, &l.p[i], buf, sizeof buf);
		printf("\t%s\n", buf);
	}
	return 0;
}

int main(int argc, char **argv)
{
	int rc = 0;
	if (argc < 2) {
		fprintf(stderr, "usage: propparse ike=TEXT|esp=TEXT|ah=TEXT...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++)
		rc |= one(argv[i]);
	return rc;
}
