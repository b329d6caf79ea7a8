/* The commands that are long operations (`pf set numvfs`, `teardown`)
 * run as daemon jobs (daemon.h) for a control client, answered with
 * progress lines and a late reply (ctl_server.h, ctl_call); and the
 * "busy" refusal of what would change a PF a job holds.
 *
 * Single-threaded (vflagd's loop). */
#ifndef VFLAG_CTL_COMMAND_JOB_H
#define VFLAG_CTL_COMMAND_JOB_H

#include <stdbool.h>
#include <stddef.h>

#include "ctl/ctl_request.h"
#include "daemon/daemon.h"

/* -EBUSY with err set if the command words argv (objects and verbs as in
 * doc/ctl.md) would change a PF a running job holds, or anything during a
 * teardown; 0 otherwise (reads are never busy). */
int command_job_busy(struct vflagd *d, int argc, char **argv, char *err,
		     size_t errlen);
/* `pf set PF numvfs N`: with a call, a job whose reply comes later (the
 * call deferred); without one, at once. 0 or -errno with err set. */
int command_job_numvfs(struct vflagd *d, struct ctl_call *call, struct pf *pf,
		       unsigned numvfs, enum vf_type type, bool force,
		       char *err, size_t errlen);
/* `teardown [--force]` the same way. */
int command_job_teardown(struct vflagd *d, struct ctl_call *call, bool force,
			 char *err, size_t errlen);

#endif
