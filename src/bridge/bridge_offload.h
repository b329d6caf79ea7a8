/* The kernel bridge as an offloaded control plane, the way switchdev
 * drivers offload it (mlx5's bridge offload is the model): the bridge
 * over the VF representors and a bond's LAG representor decides, vflag
 * installs what it decided as flow rules, so established traffic goes
 * VF <-> LAG (or VF <-> VF) in the eswitch and stops reaching the
 * representors.
 *
 * What the bridge knows reaches us as rtnetlink events (nl/nl_bridge.h):
 * its ports, their STP state, its FDB. For every learned address D on a
 * port P of ours (a VF representor or a LAG representor), with the other
 * ports Q of ours in the same bridge, both forwarding:
 *   - P a VF, Q a LAG representor:  in_port Q, dst D          -> P
 *   - Q a VF with a learned address S (on Q):
 *                                   in_port Q, src S, dst D   -> P
 * The source match on a VF's rules keeps the bridge learning: a frame
 * from an address the bridge has not seen on that port (a MAC that
 * moved) misses, takes the slow path, and the bridge's move comes back
 * as an event. Broadcasts and unknown destinations always take the slow
 * path (the bridge floods them).
 *
 * An address a rule in the datapath uses is marked extern_learn in the
 * bridge (the bridge stops ageing it: it no longer sees the traffic),
 * and its ageing is ours: when no rule using it (as source or
 * destination) was hit for the bridge's ageing time, the entry is
 * removed from the bridge and its rules go with it. A marked address no
 * rule in the datapath uses any more (hw-tc-offload off, legacy mode) is
 * removed from the bridge at once, which learns it again from the slow
 * path as an ordinary entry that it ages itself.
 *
 * Pure: the world is reached through struct bridge_offload_ops, time is
 * passed in. VLANs: only VLAN 0 (this kernel's bridge cannot filter
 * VLANs); entries of other VLANs are left to the slow path. */
#ifndef VFLAG_BRIDGE_OFFLOAD_H
#define VFLAG_BRIDGE_OFFLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nl/nl_bridge.h"

/* Rules one bridge offload installs at most; beyond, the rest stays on
 * the slow path (counted in status). */
#define BRIDGE_OFFLOAD_MAX_RULES 65536
/* The flow-table priority of the bridge's rules: after any a user adds
 * with a lower number (tc's default is 49152). */
#define BRIDGE_OFFLOAD_PRIO 60000

struct bridge_offload;

enum bro_port_kind { BRO_PORT_VF = 1, BRO_PORT_LAG = 2 };

/* A bridge port as the eswitch knows it. */
struct bro_port {
	enum bro_port_kind kind;
	char name[16];	      /* the representor (a flow rule's dev) */
	uint32_t flow_port;   /* in_port of frames arriving from it */
	uint32_t out_ifindex; /* redirect target (vflag_flow_act) */
	uint32_t out_port_id;
};

struct bro_rule {
	char in_dev[16]; /* the representor frames arrive from */
	uint32_t in_port;
	bool match_src;
	uint8_t src[6];
	uint8_t dst[6];
	struct bro_port out;
};

struct bridge_offload_ops {
	/* Whether ifindex is a representor of ours (filled in *out). */
	bool (*resolve)(void *ctx, int ifindex, struct bro_port *out);
	/* Installs a rule; sets *handle and whether the datapath has it
	 * (a rule for a PF in legacy mode or with hw-tc-offload off is
	 * kept, not in hw). -errno if refused. */
	int (*rule_add)(void *ctx, const struct bro_rule *r, uint32_t *handle,
			bool *in_hw);
	void (*rule_del)(void *ctx, uint32_t handle);
	/* Whether the rule is in the datapath now (a PF's mode or
	 * hw-tc-offload may have changed since it was added). */
	bool (*rule_in_hw)(void *ctx, uint32_t handle);
	/* The rule's last hit (CLOCK_MONOTONIC ns), 0 if never. */
	uint64_t (*rule_last_used)(void *ctx, uint32_t handle);
	/* Marks a bridge entry extern_learn / removes it. */
	int (*fdb_ext_learn)(void *ctx, int port, const uint8_t mac[6]);
	int (*fdb_del)(void *ctx, int port, const uint8_t mac[6]);
};

struct bridge_offload_status {
	unsigned bridges;    /* bridges on the host */
	unsigned entries;    /* their learned FDB entries (VLAN 0) */
	unsigned rules;	     /* rules installed */
	unsigned rules_hw;   /* of which in the datapath */
	unsigned marked;     /* entries marked extern_learn */
	uint64_t aged;	     /* entries we aged out */
	uint64_t moves;	     /* entries that moved port */
	uint64_t over_limit; /* rules not installed: over the limit */
};

struct bridge_offload *
bridge_offload_create(const struct bridge_offload_ops *ops, void *ctx);
/* Removes every rule it installed. NULL ok. */
void bridge_offload_destroy(struct bridge_offload *bo);
/* Frees the model and leaves its rules where they are (a restart: the
 * datapath forwards on). NULL ok. */
void bridge_offload_release(struct bridge_offload *bo);

/* Events (from the monitor or a dump). They change the model only;
 * bridge_offload_sync() then makes the rules agree. */
void bridge_offload_link(struct bridge_offload *bo,
			 const struct nl_brlink_event *ev);
void bridge_offload_fdb(struct bridge_offload *bo,
			const struct nl_fdb_event *ev, uint64_t now_ns);
/* Before a full dump (after lost events): entries not seen again by
 * bridge_offload_dump_end() are dropped. */
void bridge_offload_dump_begin(struct bridge_offload *bo);
void bridge_offload_dump_end(struct bridge_offload *bo);

/* Installs and removes rules until they are what the bridge decided, and
 * marks the entries in use extern_learn. Call after events, and when
 * the eswitch's ports changed (modes, VFs, hw-tc-offload): ports are
 * resolved anew each time. */
void bridge_offload_sync(struct bridge_offload *bo, uint64_t now_ns);
/* Ages out marked entries idle for their bridge's ageing time. Returns
 * the next time it has something to age (0: nothing marked). */
uint64_t bridge_offload_age(struct bridge_offload *bo, uint64_t now_ns);

void bridge_offload_status(const struct bridge_offload *bo,
			   struct bridge_offload_status *st);

#endif
