/* ipsec.conf lexer: a pure decoder of ONE line of text.
 *
 *   version 2[.0]                 LEX_VERSION
 *   config setup                  LEX_SETUP
 *   conn NAME                     LEX_CONN     (name in .a)
 *   include PATH-OR-GLOB          LEX_INCLUDE  (path in .a)
 *   <ws>key = value  [# comment]  LEX_KV       (key in .a, value in .b)
 *   blank / comment               LEX_BLANK
 *
 * Sections start in column 0; key lines are indented.  `#` starts a comment
 * at the beginning of a line or after whitespace (so leftid=@#0a1b keeps
 * its '#').  A value is a double-quoted string (no embedded quote, no
 * continuation), a {braced list} that may hold spaces, or a run of
 * non-blank characters.  The line is modified in place (NULs written);
 * .a/.b point into it. */
#ifndef CYGNET_CONFIG_LEXER_H
#define CYGNET_CONFIG_LEXER_H

#include <stdbool.h>
#include <stddef.h>

enum lex_kind { LEX_BLANK, LEX_VERSION, LEX_SETUP, LEX_CONN, LEX_INCLUDE, LEX_KV };

struct lex_line {
	enum lex_kind kind;
	char *a, *b;
	bool quoted;          /* LEX_KV: the value was double-quoted */
};

/* Decode `line` (NUL-terminated, no newline).  On a syntax error returns
 * false, *why a static reason and *tok the offending text (into line). */
bool lex_line(char *line, struct lex_line *out, const char **why, const char **tok);

#endif
