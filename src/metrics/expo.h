/* The Prometheus text exposition format (version 0.0.4) written into a
 * growing buffer: a family's HELP and TYPE lines, then its samples, with
 * label values escaped as the format requires.
 *
 * The caller keeps a family's samples together (the format's rule); the
 * writer does not check it. An allocation failure sticks: every later
 * call does nothing and expo_text() returns NULL. Not thread-safe. */
#ifndef VFLAG_METRICS_EXPO_H
#define VFLAG_METRICS_EXPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metrics/histogram.h"

struct expo {
	char *buf;
	size_t len;
	size_t cap;
	bool failed; /* out of memory once: the text is incomplete */
};

/* Labels are a NULL-terminated array of name, value pairs:
 * (const char *[]){"bond", "bond0", NULL}; NULL for none. */
typedef const char *const *expo_labels;

#define EXPO_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

void expo_init(struct expo *e);
/* Frees the buffer; the struct may be reused after expo_init(). */
void expo_release(struct expo *e);
/* The text so far ("" when empty), or NULL after an allocation failure. */
const char *expo_text(const struct expo *e);
/* Hands the buffer to the caller (free() it); NULL on failure. *len set. */
char *expo_take(struct expo *e, size_t *len);

/* "# HELP name help" and "# TYPE name type" (counter, gauge, histogram). */
void expo_family(struct expo *e, const char *name, const char *type,
		 const char *help);
/* "name{labels} value", for a counter or gauge. */
void expo_u64(struct expo *e, const char *name, expo_labels labels,
	      uint64_t value);
void expo_double(struct expo *e, const char *name, expo_labels labels,
		 double value);
/* name_bucket{labels,le="..."} for each bound and +Inf, name_sum and
 * name_count, all with labels. */
void expo_histogram(struct expo *e, const char *name, expo_labels labels,
		    const struct histogram *h);

#endif
