/* The failover timeline of a bond (see failover.h). */
#include "daemon/failover.h"

#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/log.h"

#define TAG "failover"

/* Microsecond-resolution time for the histograms: clock_now_ms() is too
 * coarse for a publication that takes tens of microseconds. */
static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double seconds_since(uint64_t start_ns, uint64_t end_ns)
{
	return end_ns > start_ns ? (double)(end_ns - start_ns) / 1e9 : 0;
}

void failover_init(struct failover *fo, failover_tx_packets_fn tx_packets,
		   void *arg)
{
	memset(fo, 0, sizeof(*fo));
	fo->tx_packets = tx_packets;
	fo->arg = arg;
	fo->now_ns = monotonic_ns;
	histogram_init(&fo->publish, histogram_failover_bounds,
		       histogram_failover_nbounds);
	histogram_init(&fo->outage, histogram_failover_bounds,
		       histogram_failover_nbounds);
	fo->next_poll_ms = UINT64_MAX;
}

static bool transmitting(const struct failover *fo, uint32_t port_id)
{
	const struct vflag_lag *lag = &fo->published;

	for (unsigned t = 0; t < lag->tx_count && t < VFLAG_MAX_LAG_MEMBERS;
	     t++)
		if (lag->tx_port_id[t] == port_id)
			return true;
	return false;
}

const char *failover_source_name(enum failover_source source)
{
	return source == FAILOVER_MIIMON ? "miimon" : "netlink";
}

void failover_event(struct failover *fo, uint32_t port_id, bool carrier,
		    enum failover_source source, uint32_t delay_ms)
{
	if (source < FAILOVER_SOURCES)
		fo->events[source]++;
	/* The latest event is the one the next publication answers. */
	fo->event_ns = fo->now_ns();
	fo->event_expiry_ns =
	    fo->event_ns +
	    ((uint64_t)delay_ms + FAILOVER_PUBLISH_GRACE_MS) * 1000000u;
	fo->loss = !carrier && transmitting(fo, port_id);
}

static void outage_stop(struct failover *fo)
{
	fo->outage_start_ns = 0;
	fo->next_poll_ms = UINT64_MAX;
}

void failover_published(struct failover *fo, const struct vflag_lag *lag)
{
	uint64_t now = fo->now_ns();

	if (!lag) {
		fo->event_ns = 0;
		outage_stop(fo);
		return;
	}
	fo->published = *lag;
	if (!fo->event_ns)
		return;
	if (now > fo->event_expiry_ns) {
		fo->event_ns = 0; /* this publication answers something else */
		fo->loss = false;
		return;
	}
	histogram_observe(&fo->publish, seconds_since(fo->event_ns, now));
	/* One line per answered event: the bench reads it (convergence.py). */
	LOG_INFO(TAG, "%s: LAG published %.0f us after the link event",
		 fo->name ? fo->name : "?",
		 seconds_since(fo->event_ns, now) * 1e6);
	if (fo->loss) {
		/* A loss still being measured ends here unmeasured: this one
		 * restarts the clock on the new survivors. */
		if (fo->outage_start_ns)
			fo->outage_unmeasured++;
		fo->outage_start_ns = fo->event_ns;
		fo->survivors = *lag;
		fo->outage_baseline = fo->tx_packets(fo->arg, lag);
		fo->next_poll_ms = clock_now_ms();
	}
	fo->event_ns = 0;
	fo->loss = false;
}

uint64_t failover_next_deadline(const struct failover *fo)
{
	return fo->next_poll_ms;
}

void failover_run(struct failover *fo, uint64_t now_ms)
{
	uint64_t now = fo->now_ns();

	if (!fo->outage_start_ns) {
		outage_stop(fo);
		return;
	}
	if (fo->tx_packets(fo->arg, &fo->survivors) > fo->outage_baseline) {
		double s = seconds_since(fo->outage_start_ns, now);

		histogram_observe(&fo->outage, s);
		LOG_INFO(TAG,
			 "%s: outage %.1f ms (carrier loss to a frame on a "
			 "survivor)",
			 fo->name ? fo->name : "?", s * 1e3);
		outage_stop(fo);
		return;
	}
	if (now - fo->outage_start_ns >=
	    (uint64_t)FAILOVER_OUTAGE_MAX_MS * 1000000u) {
		fo->outage_unmeasured++;
		outage_stop(fo);
		return;
	}
	fo->next_poll_ms = now_ms + FAILOVER_POLL_MS;
}

void failover_stats(const struct failover *fo, struct failover_stats *st)
{
	st->publish = &fo->publish;
	st->outage = &fo->outage;
	memcpy(st->events, fo->events, sizeof(st->events));
	st->outage_unmeasured = fo->outage_unmeasured;
}
