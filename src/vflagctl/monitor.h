/* `vflagctl monitor [BOND] [-i SECONDS] [-n COUNT]`: the seed's
 * `watch -d ethtool -S ... | grep phy` as a live view of the bonds'
 * members: rx/tx packets and bytes per second from the uplinks' *_phy
 * counters, link, state (which member is active) and LACP mux state.
 *
 * vflagctl's own loop, not a vflagd command: every interval it asks
 * vflagd for `bond show [BOND]` and `stats` (two ordinary round trips)
 * and computes the rates from the difference. Output per interval: on a
 * terminal, a table redrawn in place (ANSI home and clear); otherwise
 * the same table as plain lines; with -j, one JSON object per line.
 *
 * Blocking, single-threaded; keeps no global state. */
#ifndef VFLAG_VFLAGCTL_MONITOR_H
#define VFLAG_VFLAGCTL_MONITOR_H

#include <stdbool.h>
#include <stdio.h>

/* Runs the monitor against the vflagd at socket_path; argv are the words
 * after "monitor". Returns an exit code (enum vflag_ctl_exit): after
 * COUNT intervals, or at the first failed round trip. */
int vflagctl_monitor(const char *socket_path, bool json, int argc, char **argv,
		     FILE *out, FILE *err);

#endif
