/* Inside the eswitch module only: the structs its files share and the
 * helpers one file gives another. Not for other modules. */
#ifndef VFLAG_ESWITCH_IMPL_H
#define VFLAG_ESWITCH_IMPL_H

#include "eswitch/eswitch.h"

#define ESWITCH_TAG "eswitch"

struct vf {
	unsigned index;
	enum vf_type type;
	char ifname[IF_NAMESIZE]; /* the end a container or VM gets */
	char rep[IF_NAMESIZE];	  /* the eswitch end (the TAP itself for VMs) */
	int rep_ifindex;
	uint8_t mac[6];
	uint32_t port_id;
	char netns[ESWITCH_NETNS_LEN]; /* "" while in vflagd's namespace */
	bool gone;   /* its device vanished and could not be made again */
	int ifindex; /* the VF end's, in netns: found by it, never by name */
	enum vf_link_state link_state; /* what the operator asked */
	bool rep_up;   /* the eswitch end is up, so the VF end has carrier */
	bool rep_held; /* the operator set the representor down: vflagd
			  does not bring it up (switchdev.c) */
	struct eswitch_vf_policy policy; /* tenant isolation (vf_policy.c) */
};

struct pf {
	char name[ESWITCH_PF_NAME_MAX + 1];
	char dev[IF_NAMESIZE];
	int ifindex;
	uint8_t mac[6];
	char pci[ESWITCH_PCI_LEN];
	unsigned slot; /* lone domain number, and PCI function */
	uint32_t port_id;
	bool carrier;
	bool gone;     /* the uplink device vanished */
	bool spoofchk; /* what its new VFs get; `pf set` sets all of them */
	uint32_t mtu;  /* the uplink device's, in its port entry */
	enum vf_type vf_type;
	unsigned numvfs;
	struct vf *vfs;
	bool lag_ok; /* its LAG (or lone uplink) can carry traffic */
	bool in_lag; /* false: a lone PF */
	uint32_t lag_slot;
	uint32_t member_index;
	bool adopted; /* restored from the state file (eswitch_state.c) */
	/* switchdev (switchdev.c) */
	bool mode_switchdev; /* what `eswitch set` asked */
	bool sd_active;	     /* in effect: the domain's mode */
	bool hw_tc_offload;  /* `pf set hw-tc-offload` */
	int rep_ifindex;     /* uplink misses in switchdev: its LAG
				representor's eswitch end, 0 = the host
				on the uplink */
	struct eswitch_numvfs
	    *numvfs_job; /* a numvfs change running, or NULL */
};

/* One bond's LAG representor and its domain's mode (switchdev.c). */
struct eswitch_lag {
	bool used;
	char name[IF_NAMESIZE]; /* the host's netdev: the bond's name */
	char esw[IF_NAMESIZE];	/* its eswitch end, <bond>_esw */
	int ifindex;		/* of name */
	int esw_ifindex;	/* of esw, hooked as VFLAG_PORT_LAG_REP */
	uint32_t port_id;
	bool mac_set;	/* took its first member's MAC */
	bool switchdev; /* the domain's mode in effect */
};

struct eswitch {
	const struct eswitch_ops *ops;
	void *ops_ctx;
	struct eswitch_kernel
	    *kernel; /* ours to free; NULL on other backends */
	struct pf *pfs[ESWITCH_MAX_PFS]; /* in the order added */
	unsigned npfs;
	uint64_t slots_used; /* bit per pf->slot */
	uint8_t port_ids_used[VFLAG_MAX_PORTS];
	char machine_id[64]; /* ops->machine_id's, for default VF MACs */
	struct eswitch_lag lags[VFLAG_MAX_LAGS]; /* by LAG slot */
};

/* eswitch.c: the registry. */
int eswitch_port_id_alloc(struct eswitch *sw, uint32_t *id);
void eswitch_port_id_free(struct eswitch *sw, uint32_t id);

/* domain.c: domains, their fdb and flood lists. */
uint32_t eswitch_pf_domain(const struct pf *pf);
struct vflag_port eswitch_pf_port_entry(const struct pf *pf);
struct vflag_port eswitch_vf_port_entry(const struct pf *pf,
					const struct vf *vf);
/* Rewrites the broadcast list of one domain from the PFs in it. */
int eswitch_domain_flood_sync(struct eswitch *sw, uint32_t domain);

/* switchdev.c: recomputes every domain's mode in effect and rewrites
 * the port entries whose flags or representor changed. */
void eswitch_modes_sync(struct eswitch *sw);
/* A link event on one of the representors (admin state). */
void eswitch_rep_event(struct eswitch *sw, const struct nl_link_event *ev);

/* vf_policy.c: the isolation settings a new VF starts with. */
void eswitch_vf_policy_init(const struct pf *pf, struct vf *vf);

/* The fdb VLAN a VF's MAC lives in: its VST VLAN, else untagged. */
static inline uint16_t vf_fdb_vlan(const struct vf *vf)
{
	return vf->policy.vlan;
}

/* vf.c: VF devices. */
int eswitch_vf_create(struct eswitch *sw, struct pf *pf, struct vf *vf,
		      unsigned index, enum vf_type type, char *err,
		      size_t errlen);
void eswitch_vf_destroy(struct eswitch *sw, struct pf *pf, struct vf *vf);
bool eswitch_vf_in_use(struct eswitch *sw, const struct vf *vf);
/* vf_watch.c: ports that come back, and VF link state. */
/* The VF end's device where the VF is known to be, by ifindex: -ENODEV
 * if it is not there, -EBUSY if it was renamed (err says which). */
int eswitch_vf_dev_get(struct eswitch *sw, const struct vf *vf,
		       struct eswitch_ns *ns, struct nl_link_info *info,
		       char *err, size_t errlen);
/* After a move: the VF end's ifindex in its new namespace (kept unless
 * taken there). */
void eswitch_vf_track(struct eswitch *sw, struct vf *vf);
/* Makes the device of a VF that vanished again, in vflagd's namespace,
 * with its name, MAC and port id. */
int eswitch_vf_respawn(struct eswitch *sw, struct pf *pf, struct vf *vf);
/* Brings the eswitch end up or down as link_state and pf->lag_ok say. */
void eswitch_vf_link_apply(struct eswitch *sw, const struct pf *pf,
			   struct vf *vf);
/* Sets pf->lag_ok and applies it to every VF of pf. */
void eswitch_pf_lag_ok_set(struct eswitch *sw, struct pf *pf, bool ok);
/* A new link named as a gone PF's uplink: adopts it in its place. */
int eswitch_pf_readopt(struct eswitch *sw, struct pf *pf, int ifindex);

/* numvfs.c: whether name is a device of a VF a running numvfs change of
 * pf has made (not yet the PF's). */
bool eswitch_numvfs_has_dev(const struct pf *pf, const char *name);

/* A VF (or its eswitch end) by any of its device names. */
struct vf *eswitch_vf_by_devname(struct eswitch *sw, const char *name,
				 struct pf **pfp);

#endif
