/* The insides of the daemon object shared by daemon.c (the object, its
 * loop and timers, PFs and teardown) and daemon_bond.c (bonds and their
 * I/O). Not for use outside src/daemon. */
#ifndef VFLAG_DAEMON_DAEMON_IMPL_H
#define VFLAG_DAEMON_DAEMON_IMPL_H

#include "lag/bond_io.h"
#include "daemon/daemon.h"

#define VFLAGD_TIMERS_MAX 4

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
	bool can_carry; /* last published: some member may transmit */
};

struct vflagd {
	struct loop *loop;
	struct dp *dp;
	struct nl *nl;
	struct nl_monitor *mon;
	struct eswitch *sw;
	bool owned;   /* vflagd_open made the parts above, and frees them */
	bool running; /* vflagd_run() goes on */
	struct vflagd_bond *bonds[VFLAG_MAX_LAGS]; /* by LAG slot; NULL free */
	struct vflagd_timer timers[VFLAGD_TIMERS_MAX];
	unsigned ntimers;
};

/* Frees a bond's I/O and the bond (its members released, no
 * announcements); the slot is the caller's to clear. NULL ok. */
void vflagd_bond_free(struct vflagd_bond *b, uint64_t now_ms);
/* pf's uplink was adopted again under a new ifindex: its member's
 * socket and the bond's arrays follow. */
void vflagd_bond_member_moved(struct vflagd *d, struct pf *pf);
/* pf's carrier changed: tells its bond, if it has one. */
void vflagd_bond_link_changed(struct vflagd *d, struct pf *pf,
			      uint64_t now_ms);

#endif
