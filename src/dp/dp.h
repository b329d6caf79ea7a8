/* The datapath: the eBPF eswitch loaded, hooked onto ports and fed.
 *
 * Owns the BPF programs and maps (see bpf/vflag_dp.h for what each map
 * holds) and the tc hooks it attached. Only the control thread calls it;
 * the programs read the maps concurrently, which is why a LAG's members
 * change double-buffered (dp_lag_publish; bpf/vflag_dp.h). */
#ifndef VFLAG_DP_DP_H
#define VFLAG_DP_DP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf/vflag_dp.h"

struct dp;
struct flow_table_ops;

/* Loads and verifies the programs. On failure returns NULL with a reason
 * in err. */
struct dp *dp_open(char *err, size_t errlen);
/* Detaches every hook still attached, removes the pins, and unloads.
 * Accepts NULL. */
void dp_close(struct dp *dp);

/* --- survivability (dp_pin.c, doc/architecture.md "Survivability") --- */

/* As dp_open, with every map pinned under pin_dir (created if missing)
 * and the programs pinned there as prog_ingress/prog_egress. Maps found
 * pinned there are reused with their contents (dp_adopted() says so), so
 * a restarted vflagd switches on the same fdb, ports, LAGs and counters. */
struct dp *dp_open_pinned(const char *pin_dir, char *err, size_t errlen);
/* True if dp_open_pinned found the maps pinned (a restart). */
bool dp_adopted(const struct dp *dp);
/* Frees our handles and leaves the world as it is: hooks stay attached,
 * pins stay, so the datapath forwards without us. NULL ok. */
void dp_close_keep(struct dp *dp);
/* Removes the pins (maps, programs, the directory). Loaded objects live
 * on while referenced (our fds, tc filters). */
void dp_unpin(struct dp *dp);
/* Pins the maps and programs again after dp_unpin (a teardown followed by
 * new configuration). 0 or -errno. */
int dp_repin(struct dp *dp);
/* Takes over the hook of a port a previous vflagd attached: replaces
 * its filters with our programs in one step each (BPF_TC_F_REPLACE) and
 * remembers whether clsact was ours. The ports entry is left alone. */
int dp_port_adopt(struct dp *dp, int ifindex, bool created_qdisc);
/* The LAG of slot as the datapath has it now. -ENOENT if none. */
int dp_lag_read(struct dp *dp, uint32_t slot, struct vflag_lag *lag);
/* The hooks we hold, for the state file: fills up to cap, returns n. */
unsigned dp_hooks_get(const struct dp *dp, int *ifindex, bool *created_qdisc,
		      unsigned cap);

/* Adds (or replaces) ifindex in the ports table and hooks the programs
 * onto its ingress and egress (creating clsact if it has none). */
int dp_port_attach(struct dp *dp, int ifindex, const struct vflag_port *port);
/* Replaces a port's entry without touching its hooks. */
int dp_port_update(struct dp *dp, int ifindex, const struct vflag_port *port);
/* Unhooks (unless the device is gone) and forgets ifindex; removes the
 * clsact qdisc only if dp_port_attach created it. */
void dp_port_detach(struct dp *dp, int ifindex, bool device_gone);

/* (domain, vlan, mac) -> the VF port; vlan 0 is untagged, a VST VF's
 * MAC lives in its vlan_id (bpf/vflag_dp.h). */
int dp_fdb_set(struct dp *dp, uint32_t domain, uint16_t vlan,
	       const uint8_t mac[6], int ifindex, uint32_t port_id);
void dp_fdb_del(struct dp *dp, uint32_t domain, uint16_t vlan,
		const uint8_t mac[6]);
/* Replaces a domain's broadcast list. */
int dp_flood_set(struct dp *dp, uint32_t domain, const struct vflag_flood *fl);

/* Makes `lag` the LAG of slot in one atomic step, without a syscall:
 * dp_lag_stage writes it into the copy not in use, dp_lag_flip makes that
 * copy live (one release store). dp_lag_publish is both. Clearing
 * publishes a LAG with no member (dp_lag_read then says -ENOENT). */
int dp_lag_publish(struct dp *dp, uint32_t slot, const struct vflag_lag *lag);
int dp_lag_stage(struct dp *dp, uint32_t slot, const struct vflag_lag *lag);
int dp_lag_flip(struct dp *dp, uint32_t slot);
void dp_lag_clear(struct dp *dp, uint32_t slot);

/* Sums a port's per-CPU counters. */
int dp_stats_read(struct dp *dp, uint32_t port_id,
		  struct vflag_port_stats *sum);
/* Zeroes them (a port id is being reused). */
int dp_stats_clear(struct dp *dp, uint32_t port_id);

/* --- the offload table (dp_flow.c) --- */

/* flow/flow_table.h's backend on this datapath (ctx: the struct dp):
 * an inner HASH per mask slot in flow_tables, flow_masks, flow_mask_list
 * and flow_stats, written in the order vflag_dp.h asks for. */
extern const struct flow_table_ops dp_flow_ops;
/* Many rules of one slot in one syscall (bpf_map_update_batch): the
 * bench's and a bulk load's path. Returns how many were written. */
int dp_flow_rule_set_batch(struct dp *dp, uint32_t slot,
			   const struct vflag_flow_key *keys,
			   const struct vflag_flow_act *acts, uint32_t n);

/* The programs' fds, for BPF_PROG_TEST_RUN in unit tests. */
int dp_ingress_prog_fd(const struct dp *dp);
int dp_egress_prog_fd(const struct dp *dp);

#endif
