/* The failover timeline of a bond, as the daemon measures it (doc/metrics.md):
 *
 *   publish  from a member's carrier event (the rtnetlink message handled
 *            on the daemon's loop) to the next LAG the bond publishes to
 *            the datapath (ops.publish returned);
 *   outage   from the carrier loss of a member that was transmitting to
 *            the first frame the datapath counts (lag_tx_packets) on a
 *            member of the LAG published since: the time the LAG sent
 *            nothing, as the datapath saw it. Measured by polling the
 *            survivors' counters every millisecond for at most
 *            FAILOVER_OUTAGE_MAX_MS; an outage that sees no frame
 *            in that time (no traffic, no survivor) is counted as
 *            unmeasured instead.
 *
 * A member event is a carrier change seen by rtnetlink or by the miimon
 * poll, whichever comes first: the kernel delivers carrier changes through
 * linkwatch, which may hold them back up to a second, while the poll
 * reads the carrier as it is. Single-threaded: the daemon's loop. */
#ifndef VFLAG_DAEMON_FAILOVER_H
#define VFLAG_DAEMON_FAILOVER_H

#include <stdbool.h>
#include <stdint.h>

#include "bpf/vflag_dp.h"
#include "metrics/histogram.h"

#define FAILOVER_OUTAGE_MAX_MS 10000
#define FAILOVER_POLL_MS 1
/* How long past the bond's up/downdelay an event may wait for its
 * publication: an event that changes nothing published (a backup's
 * carrier in mode 1) must not be matched with some later, unrelated one. */
#define FAILOVER_PUBLISH_GRACE_MS 1000

/* Who saw a member event. */
enum failover_source {
	FAILOVER_NETLINK, /* an rtnetlink link message */
	FAILOVER_MIIMON,  /* the bond's miimon poll */
	FAILOVER_SOURCES
};

/* Frames the datapath hashed onto the tx members of lag, summed. */
typedef uint64_t (*failover_tx_packets_fn)(void *arg,
					   const struct vflag_lag *lag);

struct failover {
	failover_tx_packets_fn tx_packets;
	void *arg;
	const char *name;	  /* the bond's, for logs; may be NULL */
	uint64_t (*now_ns)(void); /* CLOCK_MONOTONIC in ns; tests replace it */
	struct histogram publish; /* seconds, event -> publish */
	struct histogram outage;  /* seconds, loss -> frame on a survivor */
	uint64_t events[FAILOVER_SOURCES]; /* carrier changes of members */
	uint64_t outage_unmeasured;	   /* outages with no frame in time */
	/* In flight. */
	uint64_t event_ns;	    /* last event awaiting publish; 0 none */
	uint64_t event_expiry_ns;   /* when it stops waiting */
	bool loss;		    /* that event lost a transmitting member */
	uint64_t outage_start_ns;   /* 0: no outage being measured */
	uint64_t outage_baseline;   /* survivors' lag_tx_packets at publish */
	struct vflag_lag survivors; /* the LAG published after the loss */
	struct vflag_lag published; /* the last LAG published */
	uint64_t next_poll_ms;	    /* UINT64_MAX: nothing to poll */
};

/* A snapshot for the exposition (src/metrics). */
struct failover_stats {
	const struct histogram *publish;
	const struct histogram *outage;
	uint64_t events[FAILOVER_SOURCES];
	uint64_t outage_unmeasured;
};

/* "netlink", "miimon": the exposition's source label. */
const char *failover_source_name(enum failover_source source);

/* Empties fo; tx_packets(arg, lag) reads the datapath's counters. */
void failover_init(struct failover *fo, failover_tx_packets_fn tx_packets,
		   void *arg);
/* The member on port port_id changed carrier (before the bond acts);
 * delay_ms is the bond's up/downdelay that may stand between the event and
 * its publication. */
void failover_event(struct failover *fo, uint32_t port_id, bool carrier,
		    enum failover_source source, uint32_t delay_ms);
/* A LAG was just published to the datapath (lag NULL: removed). */
void failover_published(struct failover *fo, const struct vflag_lag *lag);
/* When failover_run() next has a poll to do, absolute ms; UINT64_MAX
 * none. */
uint64_t failover_next_deadline(const struct failover *fo);
void failover_run(struct failover *fo, uint64_t now_ms);
void failover_stats(const struct failover *fo, struct failover_stats *st);

#endif
