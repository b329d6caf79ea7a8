/* The eswitch model: PFs (adopted uplink interfaces), their VFs (veth
 * pairs or TAP devices with stable names, MACs and pseudo PCI addresses)
 * and the switching domains they form, programmed into the datapath.
 *
 * A lone PF is a domain of its own: its VFs and its uplink. A PF that
 * joins a LAG moves, with its VFs, into the LAG slot's domain, so all VFs
 * of every bonded PF share the LAG ("the bond mode is reflected to all
 * VFs"). The eswitch knows a PF's LAG slot because it programs that
 * domain; which bond owns the slot is the daemon's business.
 *
 * The world (datapath maps and hooks, rtnetlink devices) is reached only
 * through struct eswitch_ops (eswitch/ops.h).
 *
 * Single-threaded: vflagd's event loop owns it. Every mutating call either
 * succeeds or leaves things as they were, and explains a refusal in err. */
#ifndef VFLAG_ESWITCH_H
#define VFLAG_ESWITCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf/vflag_dp.h"
#include "eswitch/ops.h"
#include "nl/nl.h"

#define ESWITCH_MAX_PFS 64
#define ESWITCH_MAX_VFS 64 /* per PF */
#define ESWITCH_PF_NAME_MAX 8
#define ESWITCH_DOMAIN_LAG_BASE 128 /* domains >= this are LAG slots' */
#define ESWITCH_PCI_LEN 16
#define ESWITCH_NETNS_LEN 64

struct eswitch;
struct pf;
struct dp;

enum vf_type { VF_TYPE_VETH, VF_TYPE_TAP };

/* A VF's link as `ip link set DEV vf N state` sets it: auto follows
 * whether its LAG (or lone uplink) can carry traffic. */
enum vf_link_state {
	VF_LINK_AUTO,
	VF_LINK_ENABLE,
	VF_LINK_DISABLE,
};

/* An eswitch on the real backend (dp and nl; either may be NULL for an
 * eswitch that never gets a PF). NULL on out of memory. */
struct eswitch *eswitch_create(struct dp *dp, struct nl *nl);
/* An eswitch on any backend; ops must outlive it. */
struct eswitch *eswitch_create_with_ops(const struct eswitch_ops *ops,
					void *ops_ctx);
/* The rule for PF and bond names: 1..8 of [a-z0-9], a letter first, so
 * the VF devices named after them fit in IFNAMSIZ. */
bool eswitch_name_valid(const char *name);
/* Removes every VF and releases every PF, whatever uses them (a PF still
 * in a LAG leaves it first). NULL ok. */
void eswitch_destroy(struct eswitch *sw);

int eswitch_pf_add(struct eswitch *sw, const char *name, const char *ifname,
		   const char *pci, char *err, size_t errlen);
/* Refuses a PF in a LAG, or with VFs in use unless force. */
int eswitch_pf_del(struct eswitch *sw, struct pf *pf, bool force, char *err,
		   size_t errlen);
/* As sriov_numvfs: a non-zero count changes only through 0; going to 0
 * is refused while a VF is in use, unless force. */
int eswitch_pf_set_numvfs(struct eswitch *sw, struct pf *pf, unsigned numvfs,
			  enum vf_type type, bool force, char *err,
			  size_t errlen);
/* The same change in steps, so the caller's loop runs between them (vflagd
 * must not hold LACP for the length of 64 VFs; doc/ctl.md "Long
 * operations"). Same refusals, same outcome:
 *  - making VFs (0 -> N): the new VFs stay out of the PF (not shown, not
 *    flooded to, not saved) until the last is made, then join it at once;
 *    a failing step removes the ones made: all or nothing, as above;
 *  - removing VFs (N -> 0): one a step from the last down, each out of
 *    the PF and its flood list first; the PF shows the ones left. It
 *    cannot fail.
 * While a change runs, a second one on its PF is refused (-EBUSY); the
 * caller refuses everything else that would change the PF (its domain, a
 * VF's settings, its removal) until it ends. */
struct eswitch_numvfs;
/* 0 with *out set to the change, 0 with *out NULL when there is nothing to
 * do, or -errno with err set (refused, nothing changed). */
int eswitch_numvfs_begin(struct eswitch *sw, struct pf *pf, unsigned numvfs,
			 enum vf_type type, bool force,
			 struct eswitch_numvfs **out, char *err, size_t errlen);
/* One VF made or removed: 1 while more remain, 0 once the change is
 * complete, -errno with err set when it failed (and was undone). */
int eswitch_numvfs_step(struct eswitch_numvfs *job, char *err, size_t errlen);
/* VFs made or removed so far, of total. */
void eswitch_numvfs_progress(const struct eswitch_numvfs *job, unsigned *done,
			     unsigned *total);
const struct pf *eswitch_numvfs_pf(const struct eswitch_numvfs *job);
/* Frees a change; one cut short is settled first: VFs being made are
 * removed again (the PF as before), VFs being removed are all removed.
 * NULL ok. */
void eswitch_numvfs_free(struct eswitch_numvfs *job);
int eswitch_pf_set_spoofchk(struct eswitch *sw, struct pf *pf, bool on);
/* mac: NULL = unchanged. netns: NULL = unchanged, "-" = back to ours. */
int eswitch_vf_set(struct eswitch *sw, struct pf *pf, unsigned vf,
		   const uint8_t *mac, const char *netns, char *err,
		   size_t errlen);
/* A VF's tenant isolation settings, as `ip link set DEV vf N` has them
 * (doc/ctl.md). A new VF gets spoofchk from its PF (on unless `pf set
 * spoofchk off`), no VLAN, trust off, no rate limit and the storm limit
 * VFLAG_STORM_PPS_DEFAULT/VFLAG_STORM_BURST_DEFAULT. */
struct eswitch_vf_policy {
	uint16_t vlan;	      /* VST VLAN 1..4094, 0 = untagged */
	uint8_t qos;	      /* PCP 0..7 of the tag pushed (needs a vlan) */
	uint16_t vlan_proto;  /* 0x8100 (802.1Q) or 0x88a8 (802.1ad) */
	bool spoofchk;	      /* drop frames not from its MAC */
	bool trust;	      /* may send LLDP/802.1X, and tags without vlan */
	uint32_t max_tx_rate; /* Mbit/s, 0 = unlimited */
	uint32_t storm_pps;   /* broadcast+multicast per second, 0 = off */
	uint32_t storm_burst; /* packets the storm bucket holds */
};

#define ESWITCH_MAX_TX_RATE 1000000u /* Mbit/s: 1 Tbit/s */
#define ESWITCH_MAX_STORM_PPS 100000000u

/* -ENOENT past the PF's numvfs. */
int eswitch_vf_get_policy(struct eswitch *sw, const struct pf *pf, unsigned vf,
			  struct eswitch_vf_policy *pol);
/* Checks pol whole (clear refusals for a bad VID, PCP, proto, rate),
 * then programs the VF's port entry; a VLAN change moves its fdb entry
 * to (domain, new vlan, MAC). All or nothing. */
int eswitch_vf_set_policy(struct eswitch *sw, struct pf *pf, unsigned vf,
			  const struct eswitch_vf_policy *pol, char *err,
			  size_t errlen);
/* The default MAC of VF index of PF pf_name on the machine machine_id:
 * a hash of the three, locally administered unicast, so it is stable
 * across restarts and differs across hosts sharing a wire. */
void eswitch_vf_default_mac(const char *machine_id, const char *pf_name,
			    unsigned index, uint8_t mac[6]);

/* Sets a veth VF's link state (a TAP's link is QEMU's: refused). */
int eswitch_vf_set_state(struct eswitch *sw, struct pf *pf, unsigned vf,
			 enum vf_link_state state, char *err, size_t errlen);
/* Whether the LAG of slot lag_slot can carry traffic (the daemon decides,
 * from the bond's published members): VFs in auto follow it. */
void eswitch_lag_set_carry(struct eswitch *sw, uint32_t lag_slot, bool ok);
/* After lost link events: re-reads every port, adopts back uplinks that
 * returned, remakes VFs that vanished. Returns the PFs whose uplink
 * changed (carrier, gone or back) as a bit per eswitch_pf_at() index. */
uint64_t eswitch_resync(struct eswitch *sw);
/* True if some VF of pf is in use (in another namespace, or its TAP
 * opened); why says which. */
bool eswitch_pf_vfs_in_use(struct eswitch *sw, struct pf *pf, char *why,
			   size_t whylen);

struct pf *eswitch_pf_find(struct eswitch *sw, const char *name);
struct pf *eswitch_pf_by_ifindex(struct eswitch *sw, int ifindex);
/* PFs in the order they were added; NULL past the end. */
struct pf *eswitch_pf_at(struct eswitch *sw, unsigned i);

/* A link event for one of our ports; returns the PF whose uplink carrier
 * it reports, or NULL. */
struct pf *eswitch_link_event(struct eswitch *sw,
			      const struct nl_link_event *ev);
/* Reads the uplink's carrier now (miimon); -errno if it is gone. */
int eswitch_pf_poll_carrier(struct eswitch *sw, struct pf *pf, bool *carrier);

/* For the bond. */
/* The real backend's datapath (NULL on any other backend). */
struct dp *eswitch_dp(struct eswitch *sw);
const char *pf_name(const struct pf *pf);
const char *pf_dev(const struct pf *pf);
int pf_ifindex(const struct pf *pf);
const uint8_t *pf_mac(const struct pf *pf);
bool pf_carrier(const struct pf *pf);
/* The uplink device vanished (and has not come back). */
bool pf_gone(const struct pf *pf);
uint32_t pf_port_id(const struct pf *pf);
/* The LAG slot whose domain pf is in, or -1 for a lone PF. */
int pf_lag_slot(const struct pf *pf);
/* Moves pf and its VFs into LAG slot lag_slot's domain; member_index is
 * its bit in vflag_lag.rx_mask. Refuses (-EBUSY) a PF in a LAG. */
int eswitch_pf_join_lag(struct eswitch *sw, struct pf *pf, uint32_t lag_slot,
			uint32_t member_index);
/* Back to a domain of its own. */
void eswitch_pf_leave_lag(struct eswitch *sw, struct pf *pf);
/* The MACs of every VF in the domain of pf (for failover announcements);
 * returns how many were written. */
unsigned eswitch_domain_vf_macs(struct eswitch *sw, const struct pf *pf,
				uint8_t (*macs)[6], unsigned cap);

/* --- switchdev (switchdev.c, doc/switchdev.md) --- */

/* "legacy" or "switchdev"; and back (-EINVAL). */
const char *eswitch_mode_name(bool switchdev);
int eswitch_mode_parse(const char *s, bool *switchdev);
/* `eswitch set PF mode`: pf's own mode. Its domain follows at once for
 * a lone PF; a LAG's domain only when every member PF is in the mode
 * (eswitch_lag_mode() says why not). VFs and devices stay as they are. */
int eswitch_pf_set_mode(struct eswitch *sw, struct pf *pf, bool switchdev,
			char *err, size_t errlen);
/* `pf set PF hw-tc-offload on|off` (ethtool -K): off clears
 * VFLAG_PORT_F_OFFLOAD on pf's uplink and VFs, so every frame takes the
 * representors. Default off. */
int eswitch_pf_set_hw_tc_offload(struct eswitch *sw, struct pf *pf, bool on);
/* For the flow table: whether pf's domain is in switchdev now (the mode
 * in effect, not only what pf was set to) ... */
bool pf_switchdev(const struct pf *pf);
/* ... and whether hw-tc-offload is on for pf, so rules on its ports are
 * in_hw. Both O(1). */
bool pf_hw_tc_offload(const struct pf *pf);
/* The mode pf was set to (`eswitch set`), in effect or not. */
bool pf_mode_switchdev(const struct pf *pf);
/* The mode in effect in LAG slot's domain; why gets "" when its member
 * PFs agree, else "eswitch modes differ: pf0 switchdev, pf1 legacy"
 * (why may be NULL). */
bool eswitch_lag_mode(struct eswitch *sw, uint32_t slot, char *why,
		      size_t whylen);

/* A bond's LAG representor: a veth pair, `name` for the host (up, with
 * its first member's MAC once it has one, quiet: no IPv6) and
 * `name`_esw, the eswitch end, hooked as a VFLAG_PORT_LAG_REP port of
 * the LAG's domain. In switchdev the uplinks' misses arrive on `name`;
 * in both modes what the host sends on it leaves through the LAG. 0 if
 * slot has it already (adopted). */
int eswitch_lag_rep_add(struct eswitch *sw, uint32_t slot, const char *name,
			char *err, size_t errlen);
/* Removes slot's LAG representor (no-op without one). */
void eswitch_lag_rep_del(struct eswitch *sw, uint32_t slot);
/* A PF joined slot's LAG: the representor may take its MAC. */
void eswitch_lag_members_changed(struct eswitch *sw, uint32_t slot);

struct eswitch_lag_rep_status {
	char name[IF_NAMESIZE]; /* the bond's netdev */
	char esw[IF_NAMESIZE];	/* its eswitch end */
	int ifindex;
	int esw_ifindex;
	uint32_t port_id; /* the eswitch end's, for eswitch_port_stats */
	bool switchdev;	  /* the LAG domain's mode in effect */
};
/* -ENOENT if slot has no LAG representor. */
int eswitch_lag_rep_status(struct eswitch *sw, uint32_t slot,
			   struct eswitch_lag_rep_status *st);

/* What `pf show` reports of one PF (doc/ctl.md). */
struct eswitch_pf_status {
	char name[ESWITCH_PF_NAME_MAX + 1];
	char dev[IF_NAMESIZE]; /* the uplink device */
	int ifindex;
	uint8_t mac[6];
	char pci[ESWITCH_PCI_LEN];
	bool carrier;
	bool gone; /* the uplink device vanished */
	unsigned numvfs;
	enum vf_type vf_type;
	bool spoofchk;
	int lag_slot;	     /* -1: a lone PF */
	uint32_t port_id;    /* for eswitch_port_stats */
	uint32_t mtu;	     /* the uplink's, the VFs' largest payload out */
	bool mode_switchdev; /* what `eswitch set` asked */
	bool switchdev;	     /* in effect (its domain's) */
	bool hw_tc_offload;
};

/* What `vf show` and `map-rep` report of one VF. */
struct eswitch_vf_status {
	char pf[ESWITCH_PF_NAME_MAX + 1];
	char pf_dev[IF_NAMESIZE];
	unsigned index;
	enum vf_type type;
	char ifname[IF_NAMESIZE]; /* the end a container or VM gets */
	char rep[IF_NAMESIZE];	  /* the eswitch end (the TAP itself) */
	int rep_ifindex;	  /* its ifindex (0: gone) */
	uint8_t mac[6];
	char pci[ESWITCH_PCI_LEN];     /* pseudo SR-IOV address */
	char netns[ESWITCH_NETNS_LEN]; /* "" while in vflagd's */
	bool in_use;
	bool gone;
	uint32_t port_id; /* for eswitch_port_stats */
	struct eswitch_vf_policy policy;
	enum vf_link_state link_state;
	bool link_up;	/* the VF end has carrier (veth), as link_state says */
	bool switchdev; /* its PF's domain is in switchdev: rep is one */
	bool rep_held;	/* the operator set the representor down */
};

void eswitch_pf_status(struct eswitch *sw, const struct pf *pf,
		       struct eswitch_pf_status *st);
/* -ENOENT past the PF's numvfs. in_use may ask the backend (a TAP's
 * carrier). */
int eswitch_vf_status(struct eswitch *sw, const struct pf *pf, unsigned vf,
		      struct eswitch_vf_status *st);
/* A port's counters (a PF's or VF's port_id); zeroes on -errno. */
int eswitch_port_stats(struct eswitch *sw, uint32_t port_id,
		       struct vflag_port_stats *st);

/* "veth" or "tap". */
const char *vf_type_name(enum vf_type type);
/* "auto", "enable", "disable"; and back (-EINVAL). */
const char *vf_link_state_name(enum vf_link_state state);
int vf_link_state_parse(const char *s, enum vf_link_state *state);

#endif
