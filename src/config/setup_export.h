/* `ipsec addconn --configsetup`: the `config setup` section as shell
 * assignments, byte for byte what Libreswan 4.10's addconn prints.
 *
 * Shape (every line):  EXPORT PREFIXNAME='VALUE'
 *   EXPORT  "export", or "" with --noexport (the line then starts with a space)
 *   PREFIX  --varprefix, on every name except configfile and ctlsocket
 *   NAME    the keyword with dashes turned into underscores
 * First confreadstatus='', configfile, ctlsocket; then one line per row of
 * Libreswan's own setup keyword table, in that table's order, for the
 * keywords that are given or that Libreswan's confread defaults (a fixed
 * set, not Cygnet's defaults: e.g. keep-alive is only printed when given).
 *
 * Values are Libreswan's reading of the text (measured with the installed
 * /usr/libexec/ipsec/addconn over every keyword and enumeration value):
 *   bool       yes / no
 *   number     unsigned decimal digits only, printed as a signed 64-bit
 *              number (2^63 -> negative); anything else (-1, 1k, 0x10) -> 0
 *   time       digits with an optional unit ms s m h d w (bare = seconds),
 *              printed in milliseconds; other text leaves the default
 *   enum       Libreswan's internal number (ikev1-policy accept=0 reject=1
 *              drop=2; ddos-mode auto=1 busy=2 unlimited=3; ocsp-method
 *              get=0 post=1)
 *   plutodebug a bit mask (base=1 cpu-usage=2 refcnt=4 tmi=8 crypt=16
 *              private=32 whackwatch=64 add-prefix=128; all=7, "tmi"=15)
 *   string     as written; an empty value leaves the default; a value of
 *              decimal digits only is lost (Libreswan's lexer hands it over
 *              as a number, which a string keyword drops, default included)
 * logfile is printed twice (logfile and plutostderrlog), virtual-private
 * twice (virtual_private): Libreswan prints its alias rows too.
 * Quotes inside values are escaped ('\'') so that the output stays valid
 * shell; Libreswan prints them raw (docs/COMPATIBILITY.md). */
#ifndef CYGNET_CONFIG_SETUP_EXPORT_H
#define CYGNET_CONFIG_SETUP_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config/conn.h"

struct setup_export_opts {
	const char *configfile;   /* printed as given */
	const char *ctlsocket;
	const char *prefix;       /* --varprefix, "" for none */
	bool noexport;
};

/* Print the export lines for `setup` (canonical keyword names as in
 * struct config.setup; NULL = an empty section). */
void setup_export_write(FILE *out, const struct conf_kvlist *setup,
			const struct setup_export_opts *o);

/* One value as Libreswan's addconn prints it.  Returns false when the
 * keyword is not printed (not given and no Libreswan default, or not a
 * Libreswan setup keyword); `value` NULL means "not given". */
bool setup_export_value(const char *keyword, const char *value, char *buf, size_t cap);

/* plutodebug= text -> Libreswan 4.10 debug bit mask.  Words Libreswan
 * rejects but Cygnet's val_plutodebug() takes (older class names such as
 * "dns", "raw", any case) count as their nearest Libreswan class. */
uint64_t setup_export_debug_bits(const char *text);

/* For the table invariant test: the Cygnet keyword printed by export row i
 * (NULL past the end); whether `keyword` is printed at all; whether it is
 * one Libreswan never prints (seccomp, interfaces).  Every Cygnet setup
 * keyword is exactly one of printed or skipped. */
const char *setup_export_keyword(size_t i);
bool setup_export_knows(const char *keyword);
bool setup_export_skipped(const char *keyword);

#endif
