/* The eswitch's backend: everything the model does to the world, the
 * datapath's maps and hooks and the devices of rtnetlink, goes through
 * one of these calls, so the model's rules can be tested against an
 * in-memory backend (tests/unit/eswitch/fake_backend.c) without root.
 *
 * eswitch_ops_kernel (ops_kernel.c) is the real one, on dp and nl, and
 * what eswitch_create() uses.
 *
 * Every call is made from the thread that owns the eswitch, with the
 * backend's ctx as given to eswitch_create_with_ops(). A call must not
 * call back into the eswitch. Calls returning int return 0 (or the
 * non-negative result said) or -errno, and leave nothing half-done on
 * error; void calls are best effort (the model has nothing to undo). */
#ifndef VFLAG_ESWITCH_OPS_H
#define VFLAG_ESWITCH_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf/vflag_dp.h"
#include "nl/nl.h"

/* A backend's request handle on the links of one network namespace,
 * opaque to the eswitch. NULL everywhere means vflagd's own namespace. */
struct eswitch_ns;

struct eswitch_ops {
	/* --- the datapath (see dp/dp.h for the real semantics) --- */

	/* Adds (or replaces) ifindex in the ports table and hooks it. */
	int (*port_attach)(void *ctx, int ifindex,
			   const struct vflag_port *port);
	/* Replaces a port's entry; its hooks stay. */
	int (*port_update)(void *ctx, int ifindex,
			   const struct vflag_port *port);
	/* Unhooks (unless device_gone) and forgets ifindex. */
	void (*port_detach)(void *ctx, int ifindex, bool device_gone);
	/* (domain, vlan, mac) -> port; vlan 0 is untagged. */
	int (*fdb_set)(void *ctx, uint32_t domain, uint16_t vlan,
		       const uint8_t mac[6], int ifindex, uint32_t port_id);
	void (*fdb_del)(void *ctx, uint32_t domain, uint16_t vlan,
			const uint8_t mac[6]);
	/* Replaces a domain's broadcast list whole. */
	int (*flood_set)(void *ctx, uint32_t domain,
			 const struct vflag_flood *fl);
	/* Sums a port's counters into *sum. */
	int (*stats_read)(void *ctx, uint32_t port_id,
			  struct vflag_port_stats *sum);
	/* Zeroes a port's counters (its id is being reused). */
	int (*stats_clear)(void *ctx, uint32_t port_id);

	/* --- devices --- */

	/* A request handle inside namespace netns (as `ip netns` names
	 * it); NULL with *err = -errno if it cannot be reached. Release
	 * with ns_close. */
	struct eswitch_ns *(*ns_open)(void *ctx, const char *netns, int *err);
	/* NULL ok. */
	void (*ns_close)(void *ctx, struct eswitch_ns *ns);
	/* A namespace as the target of link_set_netns: netns NULL is
	 * vflagd's own. Returns a handle >= 0 (an fd for the kernel) or
	 * -errno; release with netns_close. */
	int (*netns_open)(void *ctx, const char *netns);
	void (*netns_close)(void *ctx, int netns);

	/* Looks a link of ns up by name, or by ifindex (name NULL). */
	int (*link_get)(void *ctx, struct eswitch_ns *ns, const char *name,
			int ifindex, struct nl_link_info *out);
	/* Creates a veth pair (both ends down; peer gets peer_mac);
	 * returns the ifindex of name. */
	int (*veth_create)(void *ctx, const char *name, const char *peer,
			   const uint8_t *peer_mac);
	/* Creates a persistent TAP with mac; returns its ifindex. */
	int (*tap_create)(void *ctx, const char *name, const uint8_t mac[6]);
	/* Removes a persistent TAP. */
	int (*tap_delete)(void *ctx, const char *name);
	/* Deletes a link of ours (a veth takes its peer along). */
	int (*link_del)(void *ctx, int ifindex);
	int (*link_set_up)(void *ctx, int ifindex, bool up);
	int (*link_set_mac)(void *ctx, struct eswitch_ns *ns, int ifindex,
			    const uint8_t mac[6]);
	/* Moves a link of ns into the namespace netns_open returned. */
	int (*link_set_netns)(void *ctx, struct eswitch_ns *ns, int ifindex,
			      int netns);
	/* Keeps the host stack quiet on an eswitch end (no IPv6, so no
	 * router solicitations or MLD go into the VF). Best effort. */
	void (*rep_quiet)(void *ctx, const char *dev);

	/* --- the host --- */

	/* Writes a string naming this machine, the same across restarts
	 * and different on another host (/etc/machine-id), into buf;
	 * returns 0 or -errno. Read once, at eswitch creation; default
	 * VF MACs are derived from it. NULL: "" (tests without a host). */
	int (*machine_id)(void *ctx, char *buf, size_t len);
};

/* The real backend. Its ctx is a struct eswitch_kernel. */
struct dp;
struct nl;
struct eswitch_kernel {
	struct dp *dp; /* may be NULL: no PF can then be added */
	struct nl *nl; /* requests in vflagd's namespace */
};
extern const struct eswitch_ops eswitch_ops_kernel;

#endif
