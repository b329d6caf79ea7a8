/* A bond: members aggregated in active-backup (1), balance-xor (2) or
 * 802.3ad (4) mode, with link monitoring (carrier events at once, miimon
 * polls, updelay/downdelay), an LACP instance in mode 4, and the member
 * arrays it publishes to the datapath as one struct vflag_lag.
 *
 * The datapath never sees the mode: this module reduces every mode to
 * "who may transmit, in enslave order" and "who may receive".
 *
 * No I/O and no clock, as src/lacp: the outside world (the datapath, the
 * members' sockets, their carrier) is reached only through struct
 * bond_ops, frames come in through bond_rx(), and time is passed in as
 * `now_ms` (monotonic milliseconds). Members are plain struct bond_port
 * descriptions, named by their member index (their bit in
 * vflag_lag.rx_mask, and LACP port index + 1).
 *
 * Not thread-safe: one owner (vflagd's event loop) calls everything. */
#ifndef VFLAG_LAG_BOND_H
#define VFLAG_LAG_BOND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf/vflag_dp.h"
#include "lacp/lacp.h"
#include "lag/bond_config.h"

#define BOND_DEV_MAX 16 /* IFNAMSIZ */

/* What the bond knows of a member. */
struct bond_port {
	char name[BOND_NAME_MAX + 1]; /* the PF's name: primary, logs, status */
	char dev[BOND_DEV_MAX];	      /* its uplink netdev, for status */
	int ifindex;		      /* published in vflag_lag.tx_ifindex */
	uint8_t mac[6];	  /* LACP port MAC; the first is the system's */
	uint32_t port_id; /* published in vflag_lag.tx_port_id */
	bool carrier;	  /* carrier when added */
};

struct bond;

/* Every callback runs inside a bond_*() call: it may use the queries
 * (bond_name(), bond_get_status(), ...) but must not call anything that
 * changes the same struct bond. `member` is a member index. */
struct bond_ops {
	/* A member joins (before its first publication): open its frame path
	 * and move it into the LAG's domain. 0, or -errno with err set. */
	int (*attach)(void *ctx, unsigned member, const struct bond_port *port,
		      char *err, size_t errlen);
	/* A member left (it is out of the published arrays already, and no
	 * announcement has been sent for the change yet): undo attach. */
	void (*detach)(void *ctx, unsigned member);
	/* Replaces the LAG in the datapath, whole (vflag_dp.h's atomicity
	 * rule); lag NULL removes it (bond_destroy). 0 or -errno. */
	int (*publish)(void *ctx, const struct vflag_lag *lag);
	/* Transmits one whole Ethernet frame (LACPDU, Marker Response) out of
	 * a member. 0 or -errno; the bond counts failures in tx_errors. */
	int (*send)(void *ctx, unsigned member, const void *frame, size_t len);
	/* Failover: tells the peer switch that the domain's VF MACs now live
	 * behind `member` (gratuitous RARPs). Returns how many frames failed.
	 */
	unsigned (*announce)(void *ctx, unsigned member);
	/* miimon: reads a member's carrier now. 0, or -errno (taken as no
	 * carrier for this poll). */
	int (*poll_carrier)(void *ctx, unsigned member, bool *carrier);
};

/* Why a member does or does not carry traffic, as `bond show` says it. */
struct bond_member_status {
	struct bond_port port;
	unsigned index;		/* member index */
	const char *link;	/* "up", "going down", "down", "going up" */
	const char *state;	/* "active", "backup", "down" */
	bool tx;		/* in the published tx array */
	bool rx;		/* in the published rx_mask */
	uint32_t link_failures; /* usable -> down transitions */
	uint64_t tx_errors;	/* frames the ops failed to send */
	uint64_t
	    slow_rx_ignored; /* slow-protocol frames heard outside mode 4 */
	bool has_lacp;	     /* .lacp is valid (mode 4 with LACP running) */
	struct lacp_port_status lacp;
};

struct bond_status {
	char name[BOND_NAME_MAX + 1];
	struct bond_config cfg;
	bool carrier;		 /* some member may transmit */
	const char *active;	 /* mode 1: the active member's name, or NULL */
	uint8_t sys_mac[6];	 /* LACP system ID: first member's MAC */
	struct lacp_status lacp; /* zero without LACP */
	unsigned nmembers;
	struct bond_member_status
	    members[VFLAG_MAX_LAG_MEMBERS]; /* enslave order */
};

/* Which member a frame would leave by (`bond xmit-member`). */
struct bond_xmit {
	uint32_t hash_policy; /* the published one */
	uint32_t port_select; /* the published one (enum vflag_port_select) */
	uint32_t hashed_by;   /* the policy the datapath hashes with:
				 vflag_lag_hash_policy() */
	uint32_t hash;	      /* vflag_xmit_hash() of the frame by it */
	const char *member;   /* its member's name, or NULL (none may send) */
	unsigned nusable;
	const char
	    *usable[VFLAG_MAX_LAG_MEMBERS]; /* tx array, names ("?" unknown) */
};

/* Publishes an empty LAG for `slot`. NULL with err set. */
struct bond *bond_create(const char *name, uint32_t slot,
			 const struct bond_config *cfg,
			 const struct bond_ops *ops, void *ctx, char *err,
			 size_t errlen);
/* Releases every member (no announcements), removes the LAG. NULL ok. */
void bond_destroy(struct bond *bond, uint64_t now_ms);
int bond_reconfigure(struct bond *bond, const struct bond_config *cfg,
		     uint64_t now_ms, char *err, size_t errlen);
void bond_get_config(const struct bond *bond, struct bond_config *cfg);

/* Adds a member (ops.attach, then publication and announcement); returns
 * its member index, or -errno with err set. */
int bond_member_add(struct bond *bond, const struct bond_port *port,
		    uint64_t now_ms, char *err, size_t errlen);
/* A restarted vflagd takes member `member` up where the previous one
 * left it (doc/architecture.md "Survivability"): in mode 1, `active`
 * makes it the active member again if usable (no announcement); in mode
 * 4, partner (the saved partner info, NULL: none) resumes its LACP port
 * (lacp_port_resume); link_failures carries its counter over. 0 or
 * -errno. */
int bond_resume_member(struct bond *bond, unsigned member, bool active,
		       const struct lacp_info *partner, uint32_t link_failures,
		       uint64_t now_ms);
/* Removes member `member` (ops.detach). -ENOENT. */
int bond_member_del(struct bond *bond, unsigned member, uint64_t now_ms);
/* The member index of the member named `name`, or -ENOENT. */
int bond_member_find(const struct bond *bond, const char *name);
unsigned bond_member_count(const struct bond *bond);

/* The carrier of a member changed (rtnetlink): act on it at once. */
void bond_link_changed(struct bond *bond, unsigned member, bool carrier,
		       uint64_t now_ms);
/* A member's device was made again under a new ifindex (its uplink
 * deleted and re-adopted): the member arrays name it by the new one. */
int bond_member_set_ifindex(struct bond *bond, unsigned member, int ifindex);
/* One slow-protocol frame (Ethernet header included) heard on a member. */
void bond_rx(struct bond *bond, unsigned member, const void *frame, size_t len,
	     uint64_t now_ms);
/* Timers: miimon, delays, LACP. Call at bond_next_deadline(). */
void bond_run(struct bond *bond, uint64_t now_ms);
/* The absolute time (ms) at which bond_run() next has something to do:
 * a miimon poll, the end of an up/downdelay, an LACP timer; 0 if now,
 * UINT64_MAX if never (until an event). */
uint64_t bond_next_deadline(const struct bond *bond);

const char *bond_name(const struct bond *bond);
uint32_t bond_slot(const struct bond *bond);
void bond_get_status(const struct bond *bond, struct bond_status *st);
void bond_xmit_member(const struct bond *bond, const uint8_t *frame, size_t len,
		      struct bond_xmit *x);

#endif
