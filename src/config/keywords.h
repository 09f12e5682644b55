/* THE ipsec.conf keyword table: every keyword of `config setup` and `conn`
 * sections (Libreswan 4.10 ipsec.conf(5)), one row each:
 *   name     canonical name; for sided keywords WITHOUT the left/right
 *            prefix ("subnet" = leftsubnet/rightsubnet, "" = left/right)
 *   section  KWS_CONN or KWS_SETUP
 *   sided    has left and right twins
 *   type     value type, validated by kw_validate() (values.h/proposals.h)
 *   names    for KT_ENUM/KT_LIST: accepted words (values.h struct val_name);
 *            the first spelling of a value is canonical (route -> ondemand)
 *   def      default as text (NULL = none/computed), valid under type
 *   alias_of canonical keyword this row is an alias of (NULL = not an alias)
 *   obsolete accepted with a warning and otherwise ignored
 *   cls, ok, why  what Cygnet does with it (issue 12, "every setting tells
 *            the truth"): cls is the class of every value not listed in ok
 *            (canonical values, NULL-terminated; those are implemented);
 *            why says what is missing (not supported yet) or why the
 *            keyword changes nothing (no effect).  config/support.c applies
 *            it; a unit test fails for any row without a class.
 * Lookups are by a hash over the full spelled name ("leftsubnet"). */
#ifndef CYGNET_CONFIG_KEYWORDS_H
#define CYGNET_CONFIG_KEYWORDS_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>

#include "config/conn.h"
#include "config/values.h"

enum kw_section { KWS_CONN = 1, KWS_SETUP = 2 };

enum kw_type {
	KT_STRING,      /* any text */
	KT_NAME,        /* a section / interface / alias name list: no spaces needed */
	KT_BOOL,        /* yes/no */
	KT_ENUM,        /* one of .values */
	KT_LIST,        /* comma or space separated words from .values */
	KT_DURATION,    /* seconds, s/m/h/d suffix */
	KT_DURATION_MS, /* milliseconds by default, ms/s/m/h/d suffix */
	KT_PERCENT,     /* N% */
	KT_BYTES,       /* number with KiB.. EiB suffixes */
	KT_NUMBER,      /* unsigned decimal */
	KT_SIGNED,      /* signed decimal */
	KT_KEYINGTRIES, /* number or %forever */
	KT_HOST,        /* left=: IP, name, %defaultroute, %any, ... */
	KT_NEXTHOP,     /* IP, %defaultroute, %direct */
	KT_ADDR,        /* numeric address */
	KT_ADDRLIST,    /* addresses separated by comma/space, %any */
	KT_SUBNET,      /* CIDR, vhost:/vnet:, %priv, %no, list */
	KT_SUBNETS,     /* {a b c} */
	KT_ADDRPOOL,    /* a-b range or CIDR */
	KT_PROTOPORT,   /* tcp/80, 17/%any */
	KT_ID,          /* IKE identity */
	KT_PUBKEY,      /* 0s..., 0x..., %none, %cert, %dns... */
	KT_IKE,         /* ike= proposal list */
	KT_ESP,         /* esp= proposal list */
	KT_AH,          /* ah= proposal list */
	KT_MARK,        /* value[/mask], -1 */
	KT_VIRTPRIV,    /* %v4:net,%v6:!net */
	KT_PORT,        /* 1..65535 */
	KT_IPSECIF,     /* yes/no/number */
	KT_TYPE_COUNT
};

/* What Cygnet does with a keyword value. */
enum kw_class {
	KC_UNCLASSIFIED = 0, /* a bug: the completeness test fails */
	KC_IMPLEMENTED,      /* does what ipsec.conf(5) says, in both dataplanes */
	KC_NOT_YET,          /* refused at load: "... is not supported by Cygnet" */
	KC_NO_EFFECT,        /* accepted with a warning saying why; never about trust or
			      * which packets are protected */
};

struct kw_def {
	const char *name;
	unsigned char section;
	bool sided;
	enum kw_type type;
	const struct val_name *names; /* KT_ENUM / KT_LIST words; first spelling of a value is canonical */
	const char *def;
	const char *alias_of;
	bool obsolete;
	unsigned char cls;                /* enum kw_class of values not in ok */
	const char *const *ok;            /* implemented canonical values, or NULL */
	const char *why;                  /* what is missing / why no effect */
};

extern const struct kw_def kw_table[];
extern const size_t kw_count;

/* Result of looking up a spelled keyword such as "leftsubnet", "phase2alg". */
struct kw_ref {
	const struct kw_def *def;     /* canonical row (alias resolved) */
	const struct kw_def *spelled; /* the row that matched (alias row or def) */
	enum conf_side side;
	bool user;                    /* x-... / x_... user keyword (def == NULL) */
};

/* Look a spelled keyword up for a section; false when unknown. */
bool kw_lookup(const char *spelled, enum kw_section sec, struct kw_ref *out);
/* Canonical row by canonical name (no prefix); NULL when absent. */
const struct kw_def *kw_find(const char *name, enum kw_section sec);
/* Index of a row in kw_table (for presence bitmaps). */
size_t kw_index(const struct kw_def *d);
/* Full spelled name: "left"+"subnet" -> "leftsubnet", into buf. */
const char *kw_spell(const struct kw_def *d, enum conf_side side, char *buf, size_t cap);

/* Validate a value for a keyword.  On failure returns false and writes a
 * short reason to why.  When canon is non-NULL, the canonical stored text
 * (e.g. "route" -> "ondemand") is written there. */
bool kw_validate(const struct kw_def *d, const char *value, char *why, size_t why_cap,
		 char *canon, size_t canon_cap);
const char *kw_type_name(enum kw_type t);
/* Class of a value of d ("" = unset: implemented).  *why (may be NULL)
 * gets the row's reason.  A list (authby=secret,rsasig) takes the worst
 * class of its words. */
enum kw_class kw_value_class(const struct kw_def *d, const char *value, const char **why);
const char *kw_class_name(enum kw_class c);
/* Every row with its class, one line each (ipsec addconn --keywords). */
void kw_print_classes(FILE *f);

#endif
