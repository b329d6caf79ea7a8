/* The command synopses, one table shared by vflagd (its usage errors),
 * vflagctl (its help) and doc/ctl.md (checked against it by a test), so
 * a command is spelled the same everywhere.
 *
 * Constant data: safe from any thread. */
#ifndef VFLAG_CTL_SYNOPSIS_H
#define VFLAG_CTL_SYNOPSIS_H

#include <stddef.h>

struct ctl_synopsis {
	const char *object; /* the object whose help lists it: "pf", "stats" */
	const char *verb;   /* second word, or NULL when there is none */
	const char *line;   /* the whole command line, as doc/ctl.md shows it */
};

/* Every command line, grouped by object in the order help lists them. */
extern const struct ctl_synopsis ctl_synopses[];
extern const size_t ctl_synopses_count;

/* Writes "usage: LINE | LINE" for every line of object (and verb, unless
 * NULL) into buf; returns buf. */
const char *ctl_synopsis_usage(const char *object, const char *verb, char *buf,
			       size_t len);

#endif
