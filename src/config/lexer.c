/* ipsec.conf lexer: one line at a time (see lexer.h). */
#include <string.h>

#include "config/lexer.h"

static bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

static char *skip_ws(char *p)
{
	while (is_ws(*p))
		p++;
	return p;
}

/* Only whitespace and an optional comment remain? */
static bool rest_empty(char *p)
{
	p = skip_ws(p);
	return *p == '\0' || *p == '#';
}

/* Cut one blank-separated word at *pp; returns it, advances *pp. */
static char *word(char **pp)
{
	char *p = skip_ws(*pp), *w = p;

	while (*p && !is_ws(*p))
		p++;
	if (*p)
		*p++ = '\0';
	*pp = p;
	return w;
}

static bool lex_section(char *p, struct lex_line *out, const char **why, const char **tok)
{
	char *w = word(&p);

	if (strcmp(w, "version") == 0) {
		char *v = word(&p);
		if ((strcmp(v, "2") == 0 || strcmp(v, "2.0") == 0) && rest_empty(p)) {
			out->kind = LEX_VERSION;
			return true;
		}
		*why = "unsupported version";
		*tok = v;
		return false;
	}
	if (strcmp(w, "config") == 0) {
		char *v = word(&p);
		if (strcmp(v, "setup") == 0 && rest_empty(p)) {
			out->kind = LEX_SETUP;
			return true;
		}
		*why = "syntax error";
		*tok = v;
		return false;
	}
	if (strcmp(w, "conn") == 0 || strcmp(w, "include") == 0) {
		out->kind = w[0] == 'c' ? LEX_CONN : LEX_INCLUDE;
		out->a = word(&p);
		if (out->a[0] == '\0' || out->a[0] == '#') {
			*why = out->kind == LEX_CONN ? "conn without a name" : "include without a path";
			*tok = w;
			return false;
		}
		if (!rest_empty(p)) {
			*why = "syntax error";
			*tok = skip_ws(p);
			return false;
		}
		return true;
	}
	*why = "syntax error";
	*tok = w;
	return false;
}

static bool key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.';
}

static bool lex_value(char *p, struct lex_line *out, const char **why, const char **tok)
{
	char *v = skip_ws(p), *end;

	out->quoted = false;
	if (*v == '"') {
		end = strchr(v + 1, '"');
		if (!end) {
			*why = "unterminated quoted string";
			*tok = v;
			return false;
		}
		*end = '\0';
		out->b = v + 1;
		out->quoted = true;
		p = end + 1;
	} else if (*v == '{') {
		end = strchr(v, '}');
		if (!end) {
			*why = "unterminated {list}";
			*tok = v;
			return false;
		}
		p = end + 1;
		if (*p && !is_ws(*p)) {
			*why = "syntax error";
			*tok = p;
			return false;
		}
		if (*p)
			*p++ = '\0';
		out->b = v;
	} else if (*v == '#' || *v == '\0') {
		*v = '\0';
		out->b = v;        /* empty value */
		return true;
	} else {
		end = v;
		while (*end && !is_ws(*end))
			end++;
		p = end;
		if (*p)
			*p++ = '\0';
		out->b = v;
	}
	if (!out->quoted && strchr(out->b, '"')) {
		*why = "syntax error: stray double quote in value";
		*tok = out->b;
		return false;
	}
	if (!rest_empty(p)) {
		*why = "syntax error: text after the value";
		*tok = skip_ws(p);
		return false;
	}
	return true;
}

bool lex_line(char *line, struct lex_line *out, const char **why, const char **tok)
{
	char *p, *k;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	*tok = line;
	p = skip_ws(line);
	if (*p == '\0' || *p == '#') {
		out->kind = LEX_BLANK;
		return true;
	}
	if (p == line)
		return lex_section(p, out, why, tok);
	k = p;
	while (key_char(*p))
		p++;
	if (p == k) {
		*why = "syntax error";
		*tok = k;
		return false;
	}
	if (*p != '=' && !is_ws(*p)) {
		*why = "syntax error: bad character in keyword";
		*tok = k;
		return false;
	}
	{
		char *e = p;
		p = skip_ws(p);
		if (*p != '=') {
			*e = '\0';
			*why = "syntax error: expected '=' after keyword";
			*tok = k;
			return false;
		}
		*e = '\0';
		p++;
	}
	out->kind = LEX_KV;
	out->a = k;
	return lex_value(p, out, why, tok);
}
