/* The synopsis table against doc/ctl.md: every command line of the table
 * stands in the doc's command block, and every line of that block is in
 * the table, so the doc cannot drift from what vflagd and vflagctl say. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctl/synopsis.h"

static const char *doc_path;

#define DOC_LINES_MAX 64

/* The indented lines of the block after "## Commands", trailing
 * comments (two or more spaces, then text) cut off. */
static int doc_commands(char lines[][512], int max)
{
	FILE *f = fopen(doc_path, "r");
	char buf[512];
	int n = 0;
	int state =
	    0; /* 0 before the heading, 1 in its prose, 2 in the block */

	assert_non_null(f);
	while (fgets(buf, sizeof(buf), f)) {
		if (state == 0) {
			if (!strncmp(buf, "## Commands", 11))
				state = 1;
			continue;
		}
		if (strncmp(buf, "    ", 4)) {
			if (state == 2)
				break;
			continue;
		}
		state = 2;
		char *line = buf + 4, *cut = strstr(line, "  ");

		if (cut)
			*cut = '\0';
		line[strcspn(line, "\n")] = '\0';
		assert_true(n < max);
		memcpy(lines[n++], line, strlen(line) + 1);
	}
	fclose(f);
	return n;
}

static void test_table_in_doc(void **state)
{
	char lines[DOC_LINES_MAX][512];
	int n = doc_commands(lines, DOC_LINES_MAX);

	(void)state;
	assert_true(n > 0);
	for (size_t i = 0; i < ctl_synopses_count; i++) {
		int j;

		for (j = 0; j < n; j++) {
			if (!strcmp(lines[j], ctl_synopses[i].line))
				break;
		}
		if (j == n)
			fail_msg("doc/ctl.md lacks \"%s\"",
				 ctl_synopses[i].line);
	}
	for (int j = 0; j < n; j++) {
		size_t i;

		for (i = 0; i < ctl_synopses_count; i++) {
			if (!strcmp(lines[j], ctl_synopses[i].line))
				break;
		}
		if (i == ctl_synopses_count)
			fail_msg("doc/ctl.md has \"%s\", the table does not",
				 lines[j]);
	}
}

static void test_usage_lines(void **state)
{
	char buf[512];

	(void)state;
	assert_string_equal(ctl_synopsis_usage("log", NULL, buf, sizeof(buf)),
			    "usage: log level err|warn|info|debug");
	assert_string_equal(ctl_synopsis_usage("pf", "set", buf, sizeof(buf)),
			    "usage: pf set NAME numvfs N [type veth|tap] | "
			    "pf set NAME spoofchk on|off | "
			    "pf set NAME hw-tc-offload on|off");
	assert_string_equal(
	    ctl_synopsis_usage("nosuch", NULL, buf, sizeof(buf)), "usage:");
	/* Truncation keeps a terminated string. */
	ctl_synopsis_usage("bond", NULL, buf, 20);
	assert_int_equal(strlen(buf), 6);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table_in_doc),
	    cmocka_unit_test(test_usage_lines),
	};

	doc_path = argc > 1 ? argv[1] : "doc/ctl.md";
	return cmocka_run_group_tests(tests, NULL, NULL);
}
