/* The Prometheus text exposition format (see expo.h). */
#include "metrics/expo.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void expo_init(struct expo *e)
{
	memset(e, 0, sizeof(*e));
}

void expo_release(struct expo *e)
{
	free(e->buf);
	memset(e, 0, sizeof(*e));
}

const char *expo_text(const struct expo *e)
{
	if (e->failed)
		return NULL;
	return e->buf ? e->buf : "";
}

char *expo_take(struct expo *e, size_t *len)
{
	char *buf = e->failed ? NULL : e->buf;

	*len = buf ? e->len : 0;
	if (e->failed)
		free(e->buf);
	memset(e, 0, sizeof(*e));
	return buf;
}

static bool reserve(struct expo *e, size_t more)
{
	size_t cap = e->cap ? e->cap : 4096;
	char *buf;

	if (e->failed)
		return false;
	if (e->len + more + 1 <= e->cap)
		return true;
	while (cap < e->len + more + 1)
		cap *= 2;
	buf = realloc(e->buf, cap);
	if (!buf) {
		e->failed = true;
		return false;
	}
	e->buf = buf;
	e->cap = cap;
	return true;
}

static void put(struct expo *e, const char *s, size_t n)
{
	if (!reserve(e, n))
		return;
	memcpy(e->buf + e->len, s, n);
	e->len += n;
	e->buf[e->len] = '\0';
}

static void puts_(struct expo *e, const char *s)
{
	put(e, s, strlen(s));
}

static void printf_(struct expo *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void printf_(struct expo *e, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	int n;

	/* Only numbers come through here: they fit in tmp. */
	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		put(e, tmp,
		    (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* The format escapes \ and newline everywhere, and " in label values. */
static void put_escaped(struct expo *e, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			puts_(e, "\\\\");
		else if (*s == '\n')
			puts_(e, "\\n");
		else if (quote && *s == '"')
			puts_(e, "\\\"");
		else
			put(e, s, 1);
	}
}

void expo_family(struct expo *e, const char *name, const char *type,
		 const char *help)
{
	puts_(e, "# HELP ");
	puts_(e, name);
	puts_(e, " ");
	put_escaped(e, help, false);
	puts_(e, "\n# TYPE ");
	puts_(e, name);
	puts_(e, " ");
	puts_(e, type);
	puts_(e, "\n");
}

/* name{l="v",...[,le="x"]} and the space before the value. */
static void put_series(struct expo *e, const char *name, const char *suffix,
		       expo_labels labels, const char *le)
{
	const char *sep = "{";

	puts_(e, name);
	puts_(e, suffix);
	for (unsigned i = 0; labels && labels[i] && labels[i + 1]; i += 2) {
		puts_(e, sep);
		puts_(e, labels[i]);
		puts_(e, "=\"");
		put_escaped(e, labels[i + 1], true);
		puts_(e, "\"");
		sep = ",";
	}
	if (le) {
		puts_(e, sep);
		puts_(e, "le=\"");
		puts_(e, le);
		puts_(e, "\"");
		sep = ",";
	}
	if (sep[0] == ',')
		puts_(e, "}");
	puts_(e, " ");
}

void expo_u64(struct expo *e, const char *name, expo_labels labels,
	      uint64_t value)
{
	put_series(e, name, "", labels, NULL);
	printf_(e, "%" PRIu64 "\n", value);
}

/* Go's strconv formatting as Prometheus reads it: +Inf, -Inf, NaN. */
static void put_double(struct expo *e, double v)
{
	if (isnan(v))
		puts_(e, "NaN");
	else if (isinf(v))
		puts_(e, v > 0 ? "+Inf" : "-Inf");
	else
		printf_(e, "%.17g", v);
}

void expo_double(struct expo *e, const char *name, expo_labels labels,
		 double value)
{
	put_series(e, name, "", labels, NULL);
	put_double(e, value);
	puts_(e, "\n");
}

void expo_histogram(struct expo *e, const char *name, expo_labels labels,
		    const struct histogram *h)
{
	char le[32];

	for (unsigned i = 0; i < h->nbounds; i++) {
		/* %g keeps bounds short and stable ("0.00025", "2.5"). */
		snprintf(le, sizeof(le), "%g", h->bounds[i]);
		put_series(e, name, "_bucket", labels, le);
		printf_(e, "%" PRIu64 "\n", histogram_cumulative(h, i));
	}
	put_series(e, name, "_bucket", labels, "+Inf");
	printf_(e, "%" PRIu64 "\n", h->count);
	put_series(e, name, "_sum", labels, NULL);
	put_double(e, h->sum);
	puts_(e, "\n");
	put_series(e, name, "_count", labels, NULL);
	printf_(e, "%" PRIu64 "\n", h->count);
}
