/* Inside src/dp only: the struct dp that dp.c (loading, hooks, maps) and
 * dp_pin.c (pinning and adoption across restarts) share. */
#ifndef VFLAG_DP_DP_IMPL_H
#define VFLAG_DP_DP_IMPL_H

#include <stdarg.h>
#include <stdbool.h>

#include <bpf/libbpf.h>

#include "dp/dp.h"

#define DP_TC_HANDLE 0x7f1a /* ours among whatever else is on the hook */
#define DP_TC_PRIO 1

/* A port the programs are hooked onto. O(n) lookups; n <= VFLAG_MAX_PORTS. */
struct dp_hook {
	int ifindex;
	bool created_qdisc; /* remove clsact on detach */
};

struct dp {
	struct eswitch_bpf *skel;
	int ncpus;
	struct dp_hook hooks[VFLAG_MAX_PORTS];
	unsigned nhooks;
	char pin_dir[128]; /* "" = nothing pinned */
	bool adopted;	   /* the maps were found pinned, contents kept */
	int flow_fd[VFLAG_FLOW_MAX_MASKS]; /* inner tables opened, fd + 1
					      (0: not opened yet) */
	struct vflag_lag_slot *lags;	   /* `lags` mmapped (dp_lag.c) */
	size_t lags_len;
};

/* dp_flow.c: closes the inner tables' fds. */
void dp_flow_close(struct dp *dp);

/* libbpf's messages through our log level. */
int dp_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap);
/* Attaches (or atomically replaces) our filter on one hook. */
int dp_tc_attach(int ifindex, enum bpf_tc_attach_point point, int prog_fd);

/* dp_pin.c: before load, points every map at its pin under pin_dir
 * (reusing the pinned one if there is one: dp->adopted); after load,
 * pins the programs. 0 or -errno with err set. */
int dp_pin_prepare(struct dp *dp, const char *pin_dir, char *err,
		   size_t errlen);
int dp_pin_programs(struct dp *dp, char *err, size_t errlen);
/* The pinned maps could not be reused: removes the pins and prepares
 * the freshly opened skeleton for new ones (dp->adopted false). */
int dp_pin_discard(struct dp *dp, char *err, size_t errlen);

/* dp_lag.c: maps `lags` into our memory after load (also when adopted),
 * and unmaps it. */
int dp_lag_map(struct dp *dp);
void dp_lag_unmap(struct dp *dp);

#endif
