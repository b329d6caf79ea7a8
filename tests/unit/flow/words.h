/* Splits a test's spec string into words (at most 64, in a static
 * buffer: one spec at a time). */
#ifndef VFLAG_TESTS_FLOW_WORDS_H
#define VFLAG_TESTS_FLOW_WORDS_H

#include <stdio.h>
#include <string.h>

static inline int words(const char *s, char **argv)
{
	static char buf[1024];
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", s);
	for (char *t = strtok(buf, " "); t && n < 64; t = strtok(NULL, " "))
		argv[n++] = t;
	return n;
}

#endif
