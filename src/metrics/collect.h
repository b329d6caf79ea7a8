/* What vflagd exposes to Prometheus (doc/metrics.md): the eswitch's port
 * counters, the bonds and their members, LACP, and each bond's failover
 * timeline, written as one exposition text.
 *
 * Reads the daemon's model and the datapath's counters: call it on the
 * daemon's loop (metrics.c does, per scrape). */
#ifndef VFLAG_METRICS_COLLECT_H
#define VFLAG_METRICS_COLLECT_H

#include "daemon/daemon.h"
#include "metrics/expo.h"

/* Appends every vflag_ family to e. */
void metrics_collect(struct vflagd *d, struct expo *e);

#endif
