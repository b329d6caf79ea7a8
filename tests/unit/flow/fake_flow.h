/* An in-memory offload table backend (flow/flow_table.h's ops) for the
 * classifier's unit tests, with the datapath's lookup done the way
 * eswitch_flow.h does it, and a resolver over a fixed set of ports. */
#ifndef VFLAG_TESTS_FAKE_FLOW_H
#define VFLAG_TESTS_FAKE_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "flow/flow_table.h"

#define FAKE_FLOW_MAX 4096

struct fake_flow_entry {
	struct vflag_flow_key key;
	struct vflag_flow_act act;
};

struct fake_flow {
	bool mask_used[VFLAG_FLOW_MAX_MASKS];
	struct vflag_flow_key mask[VFLAG_FLOW_MAX_MASKS];
	struct fake_flow_entry *tab[VFLAG_FLOW_MAX_MASKS];
	unsigned n[VFLAG_FLOW_MAX_MASKS];
	struct vflag_flow_mask_list list;
	unsigned list_writes;
	unsigned calls; /* every call, in order, for ordering checks */
	/* Ordering violations seen: a listed slot without its table, a
	 * table dropped while listed. */
	unsigned violations;
	int fail_rule_set; /* next rule_set returns this (once) */
};

extern const struct flow_table_ops fake_flow_ops;

/* The datapath's search: the winning act for a frame key, or NULL. */
const struct vflag_flow_act *fake_flow_lookup(const struct fake_flow *f,
					      const struct vflag_flow_key *k);
unsigned fake_flow_entries(const struct fake_flow *f);
void fake_flow_free(struct fake_flow *f);

/* Ports: "vf0".."vf3" (in_port 10+i, ifindex 100+i), "bond0" (in_port
 * OUT_LAG|3) and "pf1" whose offload is off. */
extern struct flow_resolver fake_flow_resolver;
extern bool fake_offload_off;	/* every port says hw-tc-offload off */
extern unsigned fake_port_base; /* vfN's port id: base + N (10) */

#endif
