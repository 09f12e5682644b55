/* leftsubnets=/rightsubnets=: one conn per pair of subnets, as Libreswan
 * 4.10's addconn does it (its starter_permutate_conns()).
 *
 * A side's list is its subnet= (when given) followed by its subnets=
 * entries; the index of subnet= is 0, subnets= count from 1.  A conn in
 * which either side has subnets= becomes one conn per (left, right) pair,
 * left index outermost, named "NAME/LxR" ("net/1x1", "net/1x2", "net/2x1";
 * "net/1x0" when the right side has only subnet=), each with that pair as
 * leftsubnet=/rightsubnet=, no *subnets=, and connalias=NAME (which
 * replaces a connalias= of the conn, as in Libreswan: its status then says
 * "aliases: NAME").  `ipsec auto --up NAME` etc. reach the group through
 * that alias.  Only addconn's online path and the daemon's start-up load
 * expand; the --list* modes print NAME.
 *
 * When one side has subnets= and the other neither subnet= nor subnets=,
 * Libreswan 4.10 adds no conn at all and says nothing (rc 0); Cygnet adds
 * none either but reports it as an error (see docs/COMPATIBILITY.md). */
#ifndef CYGNET_CONFIG_PERMUTATE_H
#define CYGNET_CONFIG_PERMUTATE_H

#include <stddef.h>

#include "config/conn.h"

#define PERMUTATE_MAX 4096      /* conns one conn may expand to */

struct permuted {
	char *name;                 /* "NAME/LxR" */
	struct conf_kvlist kv;
};

/* Pure: expand one resolved kv list.  Returns 0 when neither side has
 * subnets= (nothing to expand, *out untouched), the number of conns
 * (*out: an owned array, free with permuted_free), or -1 with why filled
 * (a side without any subnet, a bad list, too many pairs, no memory). */
int permutate_kv(const char *name, const struct conf_kvlist *kv, struct permuted **out,
		 char *why, size_t whylen);
void permuted_free(struct permuted *v, size_t n);

/* The entries to load for the given ones: each entry copied, or replaced
 * by its expansion (conn rebuilt by conn_from_kv(), file/line kept).  A
 * broken entry is copied as is.  An entry that cannot expand is left out,
 * with an error "FILE:LINE: conn 'NAME': ..." in diag.  Returns an owned
 * array (free with permutate_entries_free) and its length in *n_out, or
 * NULL with *n_out = 0 when nothing remains. */
struct config_conn_entry *permutate_entries(const struct config_conn_entry *const *in, size_t n,
					    size_t *n_out, struct config_diag *diag);
/* The same over every conn of a loaded file, in file order. */
struct config_conn_entry *permutate_config(const struct config *cfg, size_t *n_out,
					   struct config_diag *diag);
void permutate_entries_free(struct config_conn_entry *v, size_t n);

#endif
