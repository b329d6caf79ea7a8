/* The insides of the daemon object shared by daemon.c (the object, its
 * loop and timers, PFs and teardown) and daemon_bond.c (bonds and their
 * I/O). Not for use outside src/daemon. */
#ifndef VFLAG_DAEMON_DAEMON_IMPL_H
#define VFLAG_DAEMON_DAEMON_IMPL_H

#include "lag/bond_io.h"
#include "daemon/daemon.h"
#include "daemon/failover.h"

#define VFLAGD_TIMERS_MAX 4
#define VFLAGD_JOBS_MAX 8 /* long operations running at once (job.c) */
struct vflagd_job;

/* What a member's packet socket callback needs to find it again. */
struct vflagd_member {
	struct vflagd_bond *b;
	unsigned index;	    /* member index in the bond */
	struct pf *pf;	    /* NULL: no member at this index */
	struct bond_io *io; /* its slow-protocol socket */
	int ifindex;	    /* the device io is bound to */
};

struct vflagd_bond {
	struct vflagd *d;
	uint32_t slot; /* LAG slot in the datapath */
	struct bond *bond;
	struct vflagd_member members[VFLAG_MAX_LAG_MEMBERS]; /* by index */
	struct failover fo; /* its failover timeline (failover.h) */
	/* Resuming after a restart (daemon_state.c): the bond is rebuilt
	 * over a datapath that still forwards, so nothing it says while
	 * half-built may reach the datapath or the wire. */
	bool hold_publish; /* keep publications in `pending` */
	bool hold_send;	   /* drop LACPDUs and announcements */
	bool releasing;	   /* freed without touching the eswitch */
	bool have_pending;
	struct vflag_lag pending; /* the last publication held back */
	bool can_carry;		  /* last published: some member may transmit */
};

struct vflagd {
	struct loop *loop;
	struct dp *dp;
	struct nl *nl;
	struct nl_monitor *mon;
	struct eswitch *sw;
	struct flow_table *flows;     /* the offload table; NULL without a dp */
	struct vflagd_bridge *bridge; /* the bridge offload (daemon_bridge.c) */
	bool owned;   /* vflagd_open made the parts above, and frees them */
	bool running; /* vflagd_run() goes on */
	struct vflagd_bond *bonds[VFLAG_MAX_LAGS]; /* by LAG slot; NULL free */
	struct vflagd_timer timers[VFLAGD_TIMERS_MAX];
	unsigned ntimers;
	struct vflagd_job *jobs[VFLAGD_JOBS_MAX]; /* job.c; NULL free */
	/* The instance (daemon_state.c): per network namespace. */
	char pin_dir[128];    /* bpffs directory of our maps and programs */
	char state_path[128]; /* the state file */
	int lock_fd;	      /* flock on the instance's lock file, or -1 */
	char lock_path[96];
	char *last_state; /* what the state file holds, to skip rewrites */
	uint64_t next_save_ms;
	bool keep;     /* vflagd_close leaves the world as it is */
	bool unpinned; /* torn down: pins and state removed */
	bool adopted;  /* restored from a previous vflagd */
	unsigned adopted_pfs, adopted_vfs, adopted_bonds;
};

/* A bond's daemon side, before its bond_create(): the daemon, its slot,
 * its failover timeline (every way a bond is made goes through here). */
struct vflagd_bond *vflagd_bond_alloc(struct vflagd *d, uint32_t slot);
/* Frees a bond's I/O and the bond (its members released, no
 * announcements); the slot is the caller's to clear. NULL ok. */
void vflagd_bond_free(struct vflagd_bond *b, uint64_t now_ms);
/* pf's uplink was adopted again under a new ifindex: its member's
 * socket and the bond's arrays follow. */
void vflagd_bond_member_moved(struct vflagd *d, struct pf *pf);
/* pf's carrier changed: tells its bond, if it has one. */
void vflagd_bond_link_changed(struct vflagd *d, struct pf *pf, uint64_t now_ms);

/* daemon_flow.c: the offload table over d->dp with the daemon's port
 * names; 0 or -ENOMEM. Closing leaves the datapath's rules as they are. */
int vflagd_flows_open(struct vflagd *d);
void vflagd_flows_close(struct vflagd *d);
/* A teardown: every rule goes (theirs name the ports about to go), the
 * bridge offload's model with them. */
void vflagd_offload_flush(struct vflagd *d);
/* daemon.c: the refusal of a teardown (a VF in use, unless force), and
 * the teardown itself once no job runs. 0 or -errno with err set. */
int vflagd_teardown_check(struct vflagd *d, bool force, char *err,
			  size_t errlen);
int vflagd_teardown_rest(struct vflagd *d, char *err, size_t errlen);
/* job.c: a step of every running job (from vflagd_tick). */
void vflagd_jobs_run(struct vflagd *d);

/* daemon_bond.c: the bonds' I/O, also for bonds rebuilt on adoption. */
extern const struct bond_ops vflagd_bond_ops;

/* daemon_state.c: the instance's paths and lock, before the datapath
 * loads (vflagd_open). 0 or -errno with err set. */
int vflagd_instance_open(struct vflagd *d, char *err, size_t errlen);
void vflagd_instance_close(struct vflagd *d);
/* Saves now if a bond exists and a second passed (LACP partners, active
 * members change without a command). */
void vflagd_state_tick(struct vflagd *d, uint64_t now_ms);
uint64_t vflagd_state_next_deadline(const struct vflagd *d);
/* After a teardown: removes the state file and the pins. */
void vflagd_state_remove(struct vflagd *d);

/* daemon_bridge.c: the bridge offload. Close leaves its rules when keep
 * (a restart), else removes them; reset forgets a model whose rules
 * the table already dropped (teardown). NULL bridge ok. */
void vflagd_bridge_close(struct vflagd *d, bool keep);
void vflagd_bridge_reset(struct vflagd *d);

#endif
