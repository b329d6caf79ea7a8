/* The installed documentation and config against the code:
 *  - every line of the synopsis table (src/ctl/synopsis.c) is a line of
 *    doc/man/vflagctl.8, once roff's markup is taken away, so the man
 *    page cannot miss a command;
 *  - dist/vflagd.conf, as installed, holds no command (a valid, empty
 *    config for vflagd -c), and each of its commented-out examples starts
 *    with an object and verb of the table.
 * Usage: test_dist VFLAGCTL_8 VFLAGD_CONF */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctl/command.h"
#include "ctl/synopsis.h"
#include "vflag/ctl.h"

static const char *man_path;
static const char *conf_path;

#define LINE_MAX_LEN 1024

/* Appends the text of one roff escape at *p to out; returns the chars
 * consumed. Fonts (\fB, \f[I]), \& \% \c vanish; \- is '-', "\ " a space. */
static size_t roff_escape(const char *p, char *out, size_t *n, size_t max)
{
	const char *text = "";
	size_t used = 2;

	switch (p[1]) {
	case 'f':
		if (p[2] == '[') {
			const char *end = strchr(p, ']');

			used = end ? (size_t)(end - p) + 1 : strlen(p);
		} else {
			used = p[2] ? 3 : 2;
		}
		break;
	case '-':
		text = "-";
		break;
	case ' ':
		text = " ";
		break;
	case 'e':
		text = "\\";
		break;
	case '(':
		used = strnlen(p, 4); /* \(xx: a special character, dropped */
		break;
	case '&':
	case '%':
	case 'c':
		break;
	case '\0':
		used = 1;
		break;
	default:
		used = 2;
		break;
	}
	for (; *text && *n + 1 < max; text++)
		out[(*n)++] = *text;
	return used;
}

/* The plain text of `in` (escapes resolved) appended to out. */
static void roff_text(const char *in, size_t len, char *out, size_t *n,
		      size_t max)
{
	for (size_t i = 0; i < len && *n + 1 < max;) {
		if (in[i] == '\\') {
			i += roff_escape(in + i, out, n, max);
			continue;
		}
		out[(*n)++] = in[i++];
	}
	out[*n] = '\0';
}

/* One source line as the reader sees its words: text lines as they are,
 * font macros (.B .I .BR .IR ...) by their arguments (the alternating
 * ones joined without spaces), other requests as "". Whitespace is
 * collapsed. */
static void roff_line(const char *line, char *out, size_t max)
{
	size_t n = 0;

	out[0] = '\0';
	if (line[0] == '.' || line[0] == '\'') {
		char name[8];
		const char *p = line + 1;
		size_t k = 0;
		bool alternating;

		while (*p && !isspace((unsigned char)*p) &&
		       k < sizeof(name) - 1)
			name[k++] = *p++;
		name[k] = '\0';
		alternating = strlen(name) == 2 && strchr("BIR", name[0]) &&
			      strchr("BIR", name[1]);
		if (strcmp(name, "B") && strcmp(name, "I") && !alternating)
			return;
		while (*p) {
			const char *start;

			while (isspace((unsigned char)*p))
				p++;
			if (!*p)
				break;
			if (n && !alternating && n + 1 < max)
				out[n++] = ' ';
			if (*p == '"') {
				start = ++p;
				while (*p && *p != '"')
					p++;
				roff_text(start, (size_t)(p - start), out, &n,
					  max);
				if (*p)
					p++;
			} else {
				start = p;
				while (*p && !isspace((unsigned char)*p))
					p += p[0] == '\\' && p[1] ? 2 : 1;
				roff_text(start, (size_t)(p - start), out, &n,
					  max);
			}
		}
	} else {
		roff_text(line, strcspn(line, "\n"), out, &n, max);
	}
	/* collapse whitespace */
	size_t w = 0;
	bool space = true;

	for (size_t r = 0; out[r]; r++) {
		if (isspace((unsigned char)out[r])) {
			if (!space)
				out[w++] = ' ';
			space = true;
		} else {
			out[w++] = out[r];
			space = false;
		}
	}
	if (w && out[w - 1] == ' ')
		w--;
	out[w] = '\0';
}

static void test_roff_line(void **state)
{
	char out[LINE_MAX_LEN];

	(void)state;
	roff_line("\\fBpf add\\fR \\fINAME\\fR [\\fBpci\\fR \\fIX\\fR]\n", out,
		  sizeof(out));
	assert_string_equal(out, "pf add NAME [pci X]");
	roff_line(".BR \"bond member\" \" add|del\"\n", out, sizeof(out));
	assert_string_equal(out, "bond member add|del");
	roff_line(".B vflagctl map\\-rep \\-\\-force\n", out, sizeof(out));
	assert_string_equal(out, "vflagctl map-rep --force");
	roff_line(".TP\n", out, sizeof(out));
	assert_string_equal(out, "");
}

static void test_synopses_in_man(void **state)
{
	FILE *f = fopen(man_path, "r");
	char line[LINE_MAX_LEN], text[LINE_MAX_LEN];
	bool found[64] = {false};

	(void)state;
	assert_non_null(f);
	assert_true(ctl_synopses_count <= 64);
	while (fgets(line, sizeof(line), f)) {
		roff_line(line, text, sizeof(text));
		for (size_t i = 0; i < ctl_synopses_count; i++) {
			if (!strcmp(text, ctl_synopses[i].line))
				found[i] = true;
		}
	}
	fclose(f);
	for (size_t i = 0; i < ctl_synopses_count; i++) {
		if (!found[i])
			fail_msg("%s has no line \"%s\" (src/ctl/synopsis.c)",
				 man_path, ctl_synopses[i].line);
	}
}

/* Whether argv starts some line of the table: its first word, then its
 * verb when it has one ("pf add ...", "show", "stats pf0"). */
static bool synopsis_starts(int argc, char **argv)
{
	for (size_t i = 0; i < ctl_synopses_count; i++) {
		const struct ctl_synopsis *s = &ctl_synopses[i];
		char first[64];
		size_t len = strcspn(s->line, " ");

		snprintf(first, sizeof(first), "%.*s", (int)len, s->line);
		if (strcmp(first, argv[0]))
			continue;
		if (!s->verb || (argc >= 2 && !strcmp(s->verb, argv[1])))
			return true;
	}
	return false;
}

static void test_default_config(void **state)
{
	FILE *f = fopen(conf_path, "r");
	char line[VFLAG_CTL_MAX_LINE];
	unsigned examples = 0, lineno = 0;

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char copy[VFLAG_CTL_MAX_LINE];
		char *argv[VFLAG_CTL_MAX_ARGS + 1];
		int argc;

		lineno++;
		memcpy(copy, line, sizeof(copy));
		argc = command_split(copy, argv, VFLAG_CTL_MAX_ARGS);
		if (argc != 0)
			fail_msg("%s:%u is a command; the installed config "
				 "runs none",
				 conf_path, lineno);
		/* "#pf add ..." (no space after '#'): a commented-out command.
		 */
		if (line[0] != '#' || !islower((unsigned char)line[1]))
			continue;
		argc = command_split(line + 1, argv, VFLAG_CTL_MAX_ARGS);
		assert_true(argc > 0);
		if (!synopsis_starts(argc, argv))
			fail_msg("%s:%u: \"%s %s\" is no command of the table",
				 conf_path, lineno, argv[0],
				 argc > 1 ? argv[1] : "");
		examples++;
	}
	fclose(f);
	assert_true(examples > 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roff_line),
	    cmocka_unit_test(test_synopses_in_man),
	    cmocka_unit_test(test_default_config),
	};

	man_path = argc > 1 ? argv[1] : "doc/man/vflagctl.8";
	conf_path = argc > 2 ? argv[2] : "dist/vflagd.conf";
	return cmocka_run_group_tests(tests, NULL, NULL);
}
