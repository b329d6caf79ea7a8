/* Fixed-bucket histograms (see histogram.h). */
#include "metrics/histogram.h"

#include <string.h>

const double histogram_failover_bounds[] = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
    0.05,   0.1,     0.25,   0.5,   1,	    2.5,   5,	 10,
};
const unsigned histogram_failover_nbounds =
    sizeof(histogram_failover_bounds) / sizeof(histogram_failover_bounds[0]);

void histogram_init(struct histogram *h, const double *bounds, unsigned nbounds)
{
	memset(h, 0, sizeof(*h));
	h->bounds = bounds;
	h->nbounds =
	    nbounds > HISTOGRAM_MAX_BOUNDS ? HISTOGRAM_MAX_BOUNDS : nbounds;
}

void histogram_observe(struct histogram *h, double value)
{
	unsigned i = 0;

	/* O(n) in bounds, n <= 20: a failover is not a hot path. */
	while (i < h->nbounds && value > h->bounds[i])
		i++;
	h->buckets[i]++;
	h->count++;
	h->sum += value;
}

uint64_t histogram_cumulative(const struct histogram *h, unsigned i)
{
	uint64_t n = 0;

	if (i > h->nbounds)
		i = h->nbounds;
	for (unsigned b = 0; b <= i; b++)
		n += h->buckets[b];
	return n;
}
