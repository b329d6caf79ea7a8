/* The daemon object (src/daemon): the one owner of everything vflagd runs (in
 * the manner of lldpd's struct lldpd or Open vSwitch's bridge.c).
 *
 * A struct vflagd holds the event loop, the loaded datapath, rtnetlink
 * and its link monitor, the eswitch model and the bonds. It owns the facts
 * that span modules: which bond a PF is in (the eswitch knows only a LAG
 * slot), which slot a bond has, the bonds' I/O (bond_ops over the eswitch,
 * the datapath and bond_io, in daemon_bond.c), the routing of link events
 * to bonds, and the timers of all of them (vflagd_next_deadline()), so the
 * loop sleeps until something is due instead of ticking.
 *
 * src/ctl/command.c turns command words into calls of this API; main.c
 * only parses options and wires the control socket and signals onto the
 * loop.
 *
 * Single-threaded: everything runs on the daemon's loop. */
#ifndef VFLAG_DAEMON_DAEMON_H
#define VFLAG_DAEMON_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/loop.h"
#include "dp/dp.h"
#include "eswitch/eswitch.h"
#include "lag/bond.h"
#include "nl/nl.h"

struct vflagd;
struct flow_table;
struct vflagd_bond; /* a bond as the daemon runs it: the bond and its I/O */

/* Opens the loop, loads the datapath, opens rtnetlink and its monitor,
 * creates the eswitch. NULL with err set. */
struct vflagd *vflagd_open(char *err, size_t errlen);
/* A daemon over parts its caller owns (tests, tools): loop and dp may be
 * NULL (then no bond can be added), sw may be NULL (then every command
 * that needs a PF refuses). No link monitor. */
struct vflagd *vflagd_open_on(struct loop *loop, struct eswitch *sw,
			      struct dp *dp);
/* Frees what vflagd_open made; does not tear anything down first (see
 * vflagd_teardown). NULL ok. */
void vflagd_close(struct vflagd *d);

struct loop *vflagd_loop(const struct vflagd *d);
struct eswitch *vflagd_eswitch(const struct vflagd *d);

/* The offload table (flow/flow_table.h, daemon_flow.c), NULL without a
 * datapath. Its ports are named as `flow add dev PORT` takes them: a
 * VF's representor (`<pf>_<n>`), a lone PF (its name or uplink device),
 * or a bond. */
struct flow_table *vflagd_flows(const struct vflagd *d);
/* After ports came or went (numvfs, PFs, bonds) or a PF's mode or
 * offload changed: every rule resolved again (flow_table_reoffload). */
void vflagd_flows_refresh(struct vflagd *d);
/* The bridge offload (bridge/bridge_offload.h, doc/bridge-offload.md):
 * starts following the kernel bridges over our representors; after
 * adoption, so rules a previous vflagd learned are learned anew. */
int vflagd_bridge_offload_start(struct vflagd *d, char *err, size_t errlen);
/* The eswitch's ports changed (a command): the bridge's rules follow. */
void vflagd_bridge_sync(struct vflagd *d);
/* A PF's mode or hw-tc-offload changed: every rule is offloaded anew
 * (in_hw or not_in_hw), the bridge's too. */
void vflagd_offload_changed(struct vflagd *d);
struct bridge_offload_status;
void vflagd_bridge_status(const struct vflagd *d,
			  struct bridge_offload_status *st);

/* Something else on the loop with deadlines of its own (the control
 * server): vflagd_run() sleeps until the earliest of everyone's. */
struct vflagd_timer {
	uint64_t (*next_deadline)(void *arg); /* absolute ms, UINT64_MAX none */
	void (*run)(void *arg, uint64_t now_ms);
	void *arg;
};
/* -ENOSPC past a handful. */
int vflagd_add_timer(struct vflagd *d, const struct vflagd_timer *t);

/* Runs the loop until vflagd_stop(); 0, or -errno if the loop failed. */
int vflagd_run(struct vflagd *d);
/* Makes vflagd_run() return after the current callback. */
void vflagd_stop(struct vflagd *d);
/* Runs every timer that is due at now_ms (bonds, LACP, others). */
void vflagd_tick(struct vflagd *d, uint64_t now_ms);
/* When vflagd_tick() next has something to do: absolute ms, 0 if now,
 * UINT64_MAX if nothing is scheduled (an idle daemon sleeps). */
uint64_t vflagd_next_deadline(const struct vflagd *d);
/* A link event from rtnetlink: the eswitch's ports, then the bond of the
 * PF whose carrier it reports. */
void vflagd_link_event(struct vflagd *d, const struct nl_link_event *ev);
/* After lost link events: every port read again (eswitch_resync()) and
 * the bonds told what changed. */
void vflagd_resync(struct vflagd *d);

/* Whether a LAG with these published members can carry traffic, the
 * input of VF link state auto: some member transmits and, in 802.3ad,
 * at least min_links do. */
bool vflagd_lag_can_carry(const struct vflag_lag *lag, enum bond_mode mode,
			  uint32_t min_links);

/* Creates a bond with no member in a free LAG slot. Names follow the PF
 * rule (eswitch_name_valid()). 0 with *out set, or -errno with err set. */
int vflagd_bond_add(struct vflagd *d, const char *name,
		    const struct bond_config *cfg, struct vflagd_bond **out,
		    char *err, size_t errlen);
/* Refuses (-EBUSY) while a member PF's VFs are in use, unless force. */
int vflagd_bond_del(struct vflagd *d, struct vflagd_bond *b, bool force,
		    char *err, size_t errlen);
struct vflagd_bond *vflagd_bond_find(const struct vflagd *d, const char *name);
/* Bonds in LAG-slot order; NULL past the end. */
struct vflagd_bond *vflagd_bond_at(const struct vflagd *d, unsigned i);
/* The bond pf is a member of, or NULL. */
struct vflagd_bond *vflagd_pf_bond(const struct vflagd *d, const struct pf *pf);
struct bond *vflagd_bond_bond(const struct vflagd_bond *b);
const char *vflagd_bond_name(const struct vflagd_bond *b);
/* Its LAG slot (the eswitch's name for its domain). */
uint32_t vflagd_bond_slot(const struct vflagd_bond *b);
struct failover;
/* Its failover timeline (daemon/failover.h), for the metrics. */
const struct failover *vflagd_bond_failover(const struct vflagd_bond *b);
/* The name of the bond in LAG slot, or NULL (reply_eswitch_lag_name_fn). */
const char *vflagd_lag_name(void *d, unsigned slot);

/* Enslaves pf (refused if it is in a bond already) / releases it. 0 or
 * -errno with err set. */
int vflagd_bond_member_add(struct vflagd *d, struct vflagd_bond *b,
			   struct pf *pf, char *err, size_t errlen);
int vflagd_bond_member_del(struct vflagd *d, struct vflagd_bond *b,
			   struct pf *pf, char *err, size_t errlen);
int vflagd_bond_reconfigure(struct vflagd *d, struct vflagd_bond *b,
			    const struct bond_config *cfg, char *err,
			    size_t errlen);

/* Removes a PF; refused (-EBUSY) while it is in a bond, or while its VFs
 * are in use unless force. */
int vflagd_pf_del(struct vflagd *d, struct pf *pf, bool force, char *err,
		  size_t errlen);

/* Everything down, in the seed's order: VFs, bonds, PFs, then the pins
 * and the state file. Refuses (-EBUSY, nothing changed) while a VF is in
 * use, unless force. Running jobs are cancelled first. */
int vflagd_teardown(struct vflagd *d, bool force, char *err, size_t errlen);

/* --- long operations in steps (job.c; doc/ctl.md "Long operations") ---
 *
 * `pf set numvfs` and `teardown` made or removed a VF at a time across
 * loop turns, so LACP, link events and other clients are served between
 * steps. The one who asked hears of progress and of the end through
 * ops; while a job runs, whatever would change its PF (any PF, for a
 * teardown) is refused with vflagd_job_busy()'s -EBUSY. */
struct vflagd_job_ops {
	/* After each turn's steps: done of total VFs (op "numvfs" or
	 * "teardown"); done only grows, and the last report before a
	 * success has done == total. */
	void (*progress)(void *arg, const char *op, unsigned done,
			 unsigned total);
	/* Once, at the end: 0, or -errno with err (-ECANCELED when vflagd
	 * stops first). The job is gone when it returns; ops and arg must
	 * live until then. */
	void (*done)(void *arg, int ret, const char *err);
};
#define VFLAGD_JOB_STARTED 1
/* Starts eswitch_numvfs_begin()'s change as a job: VFLAGD_JOB_STARTED
 * (ops->done will be called), 0 (nothing to do: done), or -errno with err
 * (refused, nothing changed; -EBUSY while a job holds pf). */
int vflagd_pf_set_numvfs_job(struct vflagd *d, struct pf *pf, unsigned numvfs,
			     enum vf_type type, bool force,
			     const struct vflagd_job_ops *ops, void *arg,
			     char *err, size_t errlen);
/* vflagd_teardown() as a job: its VFs in steps, then bonds, PFs and pins
 * at once. Returns as vflagd_pf_set_numvfs_job() (0: there were no VFs,
 * and it is all done). A refusal (a VF in use without force, a job
 * running) changes nothing. If vflagd stops during it, the PFs not
 * reached keep their VFs, and the bonds and PFs stay. */
int vflagd_teardown_job(struct vflagd *d, bool force,
			const struct vflagd_job_ops *ops, void *arg, char *err,
			size_t errlen);
/* -EBUSY with err saying what runs, if a job holds pf (NULL: any job, or
 * a teardown holds every PF); else 0. */
int vflagd_job_busy(const struct vflagd *d, const struct pf *pf, char *err,
		    size_t errlen);
bool vflagd_jobs_running(const struct vflagd *d);
bool vflagd_teardown_running(const struct vflagd *d);
/* Ends every job now (ops->done gets -ECANCELED): VFs being made are
 * removed again, VFs being removed all go. vflagd_teardown() and closing
 * call it; vflagd's main does before saving its state on the way out. */
void vflagd_jobs_cancel(struct vflagd *d);

/* --- survivability (daemon_state.c, doc/architecture.md) ---
 *
 * One instance per network namespace: its maps and programs pinned under
 * /sys/fs/bpf/vflag/<netns inode>/, its state in
 * /run/vflag/<netns inode>/state.json, a second vflagd in the same
 * namespace refused by an flock on /run/vflag/<netns inode>.lock. */

/* Takes over what the previous vflagd of this namespace left (pinned
 * datapath and state file): PFs, VFs, bonds with their LACP partners,
 * hooks switched to our programs, and nothing the datapath sees changes.
 * 0 if there was nothing to adopt too; -errno with err set. */
int vflagd_adopt(struct vflagd *d, char *err, size_t errlen);
/* What vflagd_adopt took over; false if nothing. */
bool vflagd_adopted(const struct vflagd *d, unsigned *pfs, unsigned *vfs,
		    unsigned *bonds);
/* Writes the state file (atomically: temp file + rename) if what it
 * would hold changed. Called after every command. 0 or -errno. */
int vflagd_state_save(struct vflagd *d);
/* Frees the daemon and leaves the world running: hooks, pins, VFs, the
 * state file (stop without teardown). NULL ok. */
void vflagd_close_keep(struct vflagd *d);

#endif
