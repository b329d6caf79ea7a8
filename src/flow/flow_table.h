/* The offload table's model (issue 9 item 4): tc-flower rules by handle,
 * which of them are in the eswitch (in_hw) and, for those that are not,
 * why (not_in_hw: REASON), the mask slots they share and the order the
 * datapath searches them in.
 *
 * The datapath is a tuple-space search (bpf/vflag_dp.h "switchdev and
 * the offload table"): one hash table per distinct mask, at most
 * VFLAG_FLOW_MAX_MASKS of them, searched in the order of their best
 * (lowest) prio. This module decides what goes where; every write goes
 * through struct flow_table_ops, the real one on the dp (dp/dp_flow.c),
 * an in-memory one in the unit tests. Ports are named by the daemon
 * through struct flow_resolver.
 *
 * Handles are tc's: a rule's number on its device, assigned (lowest
 * free) when not given; a handle is also the rule's index in flow_stats,
 * so it is unique across devices and adoption finds it in the maps.
 *
 * A rule is kept but not in the eswitch (not_in_hw) when its chain is
 * not 0, its port's PF does not offload (resolver), an identical match
 * (same port, same masked key) of another prio is there already, or a
 * new mask would be the 33rd. Deleting the rule in the way promotes the
 * next identical one.
 *
 * Single-threaded: the daemon's thread only. Costs: add and delete are
 * O(1) expected (hashes), but O(n) in a slot's rules when its best prio
 * goes, and O(masks log masks) when the mask list changes. */
#ifndef VFLAG_FLOW_FLOW_TABLE_H
#define VFLAG_FLOW_FLOW_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf/vflag_dp.h"
#include "flow/flower.h"

struct flow_table;

/* The datapath side. Every call returns 0 or -errno and changes nothing
 * on error; none may call back into the table. The table orders the
 * calls so that the datapath never pauses (vflag_dp.h). */
struct flow_table_ops {
	/* Creates slot's (empty) table and writes its mask. */
	int (*mask_add)(void *ctx, uint32_t slot,
			const struct vflag_flow_key *mask);
	/* Drops slot's table (no longer listed). */
	void (*mask_del)(void *ctx, uint32_t slot);
	/* Replaces the searched list whole. */
	int (*list_set)(void *ctx, const struct vflag_flow_mask_list *list);
	/* key (already masked) -> act in slot's table. */
	int (*rule_set)(void *ctx, uint32_t slot,
			const struct vflag_flow_key *key,
			const struct vflag_flow_act *act);
	void (*rule_del)(void *ctx, uint32_t slot,
			 const struct vflag_flow_key *key);
	/* A rule's counters (rule_id = handle). */
	int (*stats_read)(void *ctx, uint32_t rule_id,
			  struct vflag_flow_stats *st);
	int (*stats_clear)(void *ctx, uint32_t rule_id);
	/* Adoption: calls fn for every (slot, mask, key, act) the datapath
	 * holds in its listed slots. NULL: nothing to adopt. */
	int (*read_back)(void *ctx,
			 void (*fn)(void *arg, uint32_t slot,
				    const struct vflag_flow_key *mask,
				    const struct vflag_flow_key *key,
				    const struct vflag_flow_act *act),
			 void *arg);
};

/* What a port name stands for (the daemon knows). */
struct flow_port {
	uint32_t in_port;     /* the key's in_port for frames from it */
	uint32_t out_ifindex; /* redirect target: ifindex or OUT_LAG|slot */
	uint32_t out_port_id; /* its port id (for offload_rx_*) */
	bool offload_ok;      /* its PF is switchdev with hw-tc-offload on */
	char why[96];	      /* !offload_ok: the reason, for not_in_hw */
};

struct flow_resolver {
	/* name -> port; -ENODEV with a message in err if unknown. */
	int (*resolve)(void *ctx, const char *name, struct flow_port *p,
		       char *err, size_t errlen);
	/* Reverse, for adoption: the name of an in_port / out_ifindex. */
	int (*name_of_in_port)(void *ctx, uint32_t in_port,
			       char name[FLOWER_NAME_MAX]);
	int (*name_of_out)(void *ctx, uint32_t out_ifindex,
			   char name[FLOWER_NAME_MAX]);
	void *ctx;
};

struct flow_table *flow_table_create(const struct flow_table_ops *ops,
				     void *ctx,
				     const struct flow_resolver *res);
/* Frees the model; the datapath keeps what it holds. NULL ok. */
void flow_table_destroy(struct flow_table *ft);

/* Adds a parsed rule. Returns the handle (> 0), or -errno with err:
 * -ENODEV unknown port, -EEXIST same handle or same prio and match on
 * the device, -ENOSPC table full. A rule that cannot be offloaded is
 * still added (not_in_hw). The same rule as one adopted and not added
 * since (a config replayed after a restart) returns that one's handle. */
int flow_table_add(struct flow_table *ft, const struct flower_rule *r,
		   char *err, size_t errlen);
/* Deletes the rules of dev, all of them (prio 0, handle 0), those of
 * prio, or the one of handle. Returns how many, or -ENOENT with err. */
int flow_table_del(struct flow_table *ft, const char *dev, uint32_t prio,
		   uint32_t handle, char *err, size_t errlen);
/* Deletes every rule (a teardown). */
void flow_table_flush(struct flow_table *ft);
/* Asks the resolver again for every rule (a PF's mode or offload
 * changed, ports came or went): what may be offloaded now is, what may
 * not leaves (with its reason), what resolves to other ports is
 * rewritten. O(rules x the resolver's cost). */
void flow_table_reoffload(struct flow_table *ft);
/* Rebuilds the model from the datapath after a restart. Returns the
 * number of rules adopted or -errno. Only in_hw rules survive. */
int flow_table_adopt(struct flow_table *ft);

/* A rule as `flow show` prints it. */
struct flow_table_entry {
	struct flower_rule rule;
	bool in_hw;
	char reason[128]; /* !in_hw */
	bool from_bridge; /* VFLAG_FLOW_F_BRIDGE */
	struct vflag_flow_stats stats;
};

/* Calls fn for each rule of dev (NULL: all) in (dev, prio, handle)
 * order, stats read when with_stats. Returns the count, or -ENOMEM. */
int flow_table_walk(struct flow_table *ft, const char *dev, bool with_stats,
		    void (*fn)(void *arg, const struct flow_table_entry *e),
		    void *arg);
/* The same for the first max rules only (a reply's worth); returns how
 * many rules dev has (may be more than max), or -ENOMEM. */
int flow_table_walk_first(
    struct flow_table *ft, const char *dev, unsigned max, bool with_stats,
    void (*fn)(void *arg, const struct flow_table_entry *e), void *arg);

/* The rule of handle as `flow show` would give it (no stats); -ENOENT. */
int flow_table_get(struct flow_table *ft, uint32_t handle,
		   struct flow_table_entry *e);

/* The counters of the rule of handle; -ENOENT. */
int flow_table_stats(struct flow_table *ft, uint32_t handle,
		     struct vflag_flow_stats *st);

/* Counts, for tests and `show`. */
unsigned flow_table_rules(const struct flow_table *ft);
unsigned flow_table_masks(const struct flow_table *ft);
/* The list as last written to the datapath. */
void flow_table_mask_list(const struct flow_table *ft,
			  struct vflag_flow_mask_list *out);

/* Learned rules (the bridge offload): flags VFLAG_FLOW_F_* on add. */
int flow_table_add_flags(struct flow_table *ft, const struct flower_rule *r,
			 uint32_t flags, char *err, size_t errlen);

#endif
