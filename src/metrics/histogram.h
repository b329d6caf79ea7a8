/* Fixed-bucket histograms in the shape Prometheus exposes them: upper
 * bounds (le) in seconds, a +Inf bucket, a count and a sum.
 *
 * Below the daemon (the daemon records into them; src/metrics exposes
 * them), so it knows nothing of text or HTTP. No allocation: a histogram
 * is a plain struct its owner embeds. Not thread-safe: one owner. */
#ifndef VFLAG_METRICS_HISTOGRAM_H
#define VFLAG_METRICS_HISTOGRAM_H

#include <stdint.h>

#define HISTOGRAM_MAX_BOUNDS 20

struct histogram {
	const double *bounds; /* ascending upper bounds; +Inf is implicit */
	unsigned nbounds;     /* <= HISTOGRAM_MAX_BOUNDS */
	uint64_t buckets[HISTOGRAM_MAX_BOUNDS + 1]; /* per bucket, not
						      cumulative; last +Inf */
	uint64_t count;
	double sum;
};

/* The failover timeline's bounds: 100 us .. 10 s, roughly 1-2.5-5. */
extern const double histogram_failover_bounds[];
extern const unsigned histogram_failover_nbounds;

/* Empties h over bounds (which must outlive it); nbounds is clamped to
 * HISTOGRAM_MAX_BOUNDS. */
void histogram_init(struct histogram *h, const double *bounds,
		    unsigned nbounds);
/* Counts one value into the first bucket whose bound is >= value (the
 * exposition's "le" means less or equal). */
void histogram_observe(struct histogram *h, double value);
/* The cumulative count of buckets 0..i (i == nbounds: +Inf, == count). */
uint64_t histogram_cumulative(const struct histogram *h, unsigned i);

#endif
