/* Long operations done in steps on the daemon's loop (daemon.h, "jobs"):
 * `pf set numvfs` and `teardown`, a VF at a time, so that between two
 * steps the loop serves LACP, link events and other control clients.
 *
 * A job is stepped from vflagd_tick(): while one runs the loop does not
 * sleep (vflagd_next_deadline() is now), and each turn gives every job
 * up to VFLAGD_JOB_TURN_MS of work (at least one VF, at most
 * VFLAGD_JOB_TURN_STEPS), then its caller a progress report. Making a
 * veth VF costs ~1 ms, removing one ~20 ms (the kernel's unregister waits
 * for an RCU grace period), so a turn holds the loop ~5-20 ms. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "daemon/daemon_impl.h"

#define TAG "vflagd"
#define VFLAGD_JOB_TURN_MS 5	/* work per job per loop turn, at least a VF */
#define VFLAGD_JOB_TURN_STEPS 8 /* and at most this many VFs */

struct vflagd_job {
	bool teardown;		     /* else a numvfs change */
	struct pf *pf;		     /* numvfs: its PF */
	struct eswitch_numvfs *nv;   /* the numvfs change running */
	unsigned done_before, total; /* teardown: VFs of PFs finished, all */
	unsigned numvfs;	     /* numvfs: asked for */
	const struct vflagd_job_ops *ops; /* NULL once the caller is gone */
	void *arg;
};

static const char *job_op(const struct vflagd_job *j)
{
	return j->teardown ? "teardown" : "numvfs";
}

static void job_progress(const struct vflagd_job *j, unsigned *done,
			 unsigned *total)
{
	unsigned d = 0, t = 0;

	if (j->nv)
		eswitch_numvfs_progress(j->nv, &d, &t);
	if (j->teardown) {
		*done = j->done_before + d;
		*total = j->total;
	} else {
		*done = d;
		*total = t;
	}
}

int vflagd_job_busy(const struct vflagd *d, const struct pf *pf, char *err,
		    size_t errlen)
{
	for (unsigned i = 0; i < VFLAGD_JOBS_MAX; i++) {
		const struct vflagd_job *j = d->jobs[i];
		unsigned done, total;

		if (!j || (pf && !j->teardown && j->pf != pf))
			continue;
		job_progress(j, &done, &total);
		if (j->teardown)
			snprintf(err, errlen,
				 "busy: a teardown is running (%u of %u VFs "
				 "removed); try again when it ends",
				 done, total);
		else
			snprintf(err, errlen,
				 "busy: %s is changing to numvfs %u (%u of %u "
				 "VFs done); try again when it ends",
				 pf_name(j->pf), j->numvfs, done, total);
		return -EBUSY;
	}
	return 0;
}

bool vflagd_teardown_running(const struct vflagd *d)
{
	for (unsigned i = 0; i < VFLAGD_JOBS_MAX; i++)
		if (d->jobs[i] && d->jobs[i]->teardown)
			return true;
	return false;
}

bool vflagd_jobs_running(const struct vflagd *d)
{
	for (unsigned i = 0; i < VFLAGD_JOBS_MAX; i++)
		if (d->jobs[i])
			return true;
	return false;
}

/* A slot for a new job, or -EBUSY with err set. */
static int job_slot(struct vflagd *d, char *err, size_t errlen)
{
	for (unsigned i = 0; i < VFLAGD_JOBS_MAX; i++)
		if (!d->jobs[i])
			return (int)i;
	snprintf(err, errlen,
		 "busy: %d long operations are running; try again when one "
		 "ends",
		 VFLAGD_JOBS_MAX);
	return -EBUSY;
}

int vflagd_pf_set_numvfs_job(struct vflagd *d, struct pf *pf, unsigned numvfs,
			     enum vf_type type, bool force,
			     const struct vflagd_job_ops *ops, void *arg,
			     char *err, size_t errlen)
{
	struct eswitch_numvfs *nv;
	struct vflagd_job *j;
	int slot, ret;

	ret = vflagd_job_busy(d, pf, err, errlen);
	if (ret)
		return ret;
	slot = job_slot(d, err, errlen);
	if (slot < 0)
		return slot;
	ret = eswitch_numvfs_begin(d->sw, pf, numvfs, type, force, &nv, err,
				   errlen);
	if (ret || !nv)
		return ret;
	j = calloc(1, sizeof(*j));
	if (!j) {
		eswitch_numvfs_free(nv); /* nothing made yet: nothing changes */
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	*j = (struct vflagd_job){
	    .pf = pf, .nv = nv, .numvfs = numvfs, .ops = ops, .arg = arg};
	d->jobs[slot] = j;
	return VFLAGD_JOB_STARTED;
}

int vflagd_teardown_job(struct vflagd *d, bool force,
			const struct vflagd_job_ops *ops, void *arg, char *err,
			size_t errlen)
{
	struct vflagd_job *j;
	struct pf *pf;
	unsigned total = 0;
	int slot, ret;

	ret = vflagd_job_busy(d, NULL, err, errlen);
	if (ret)
		return ret;
	ret = vflagd_teardown_check(d, force, err, errlen);
	if (ret)
		return ret;
	/* The rules name the ports about to go. */
	vflagd_offload_flush(d);
	for (unsigned i = 0; d->sw && (pf = eswitch_pf_at(d->sw, i)); i++) {
		struct eswitch_pf_status st;

		eswitch_pf_status(d->sw, pf, &st);
		total += st.numvfs;
	}
	if (!total) /* nothing slow: at once */
		return vflagd_teardown(d, true, err, errlen);
	slot = job_slot(d, err, errlen);
	if (slot < 0)
		return slot;
	j = calloc(1, sizeof(*j));
	if (!j) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	*j = (struct vflagd_job){
	    .teardown = true, .total = total, .ops = ops, .arg = arg};
	d->jobs[slot] = j;
	return VFLAGD_JOB_STARTED;
}

/* A teardown's next PF with VFs gets its removal started; false when none
 * is left. */
static bool teardown_next(struct vflagd *d, struct vflagd_job *j)
{
	char err[256];
	struct pf *pf;

	for (unsigned i = 0; (pf = eswitch_pf_at(d->sw, i)); i++) {
		if (eswitch_numvfs_begin(d->sw, pf, 0, VF_TYPE_VETH, true,
					 &j->nv, err, sizeof(err)))
			LOG_WARN(TAG, "teardown: %s",
				 err); /* cannot: removal */
		if (j->nv)
			return true;
	}
	return false;
}

/* One step of j. 1 while more remain, else 0 or -errno (err set): the
 * job's end. */
static int job_step(struct vflagd *d, struct vflagd_job *j, char *err,
		    size_t errlen)
{
	unsigned done, total;
	int ret;

	if (!j->nv && !(j->teardown && teardown_next(d, j)))
		/* every VF removed: the rest of a teardown is quick */
		return j->teardown ? vflagd_teardown_rest(d, err, errlen) : 0;
	ret = eswitch_numvfs_step(j->nv, err, errlen);
	if (ret > 0)
		return 1;
	if (!j->teardown || ret < 0)
		return ret; /* the change stays for the last report */
	eswitch_numvfs_progress(j->nv, &done, &total);
	eswitch_numvfs_free(j->nv);
	j->nv = NULL;
	j->done_before += done;
	return 1;
}

/* Ends job i: saves the state (the world changed), re-resolves the
 * offload rules and tells its caller. */
static void job_end(struct vflagd *d, unsigned i, int ret, const char *err)
{
	struct vflagd_job *j = d->jobs[i];

	d->jobs[i] = NULL;
	vflagd_state_save(d);
	/* VFs came or went: rules naming them follow, the bridge's too. */
	vflagd_offload_changed(d);
	if (ret)
		LOG_WARN(TAG, "%s: %s", job_op(j), err);
	if (j->ops)
		j->ops->done(j->arg, ret, err);
	eswitch_numvfs_free(j->nv);
	free(j);
}

void vflagd_jobs_run(struct vflagd *d)
{
	for (unsigned i = 0; i < VFLAGD_JOBS_MAX; i++) {
		struct vflagd_job *j = d->jobs[i];
		uint64_t start = clock_now_ms();
		char err[512] = "";
		unsigned done, total, steps = 0;
		int ret;

		if (!j)
			continue;
		do
			ret = job_step(d, j, err, sizeof(err));
		while (ret > 0 && ++steps < VFLAGD_JOB_TURN_STEPS &&
		       clock_now_ms() - start < VFLAGD_JOB_TURN_MS);
		job_progress(j, &done, &total);
		if (ret == 0)
			done = total; /* a teardown's last PF is freed by now */
		if (j->ops && ret >= 0)
			j->ops->progress(j->arg, job_op(j), done, total);
		if (ret <= 0)
			job_end(d, i, ret, err);
	}
}

void vflagd_jobs_cancel(struct vflagd *d)
{
	for (unsigned i = 0; i < VFLAGD_JOBS_MAX; i++) {
		struct vflagd_job *j = d->jobs[i];

		if (!j)
			continue;
		/* Settled as eswitch_numvfs_free() says: VFs being made go
		 * again, VFs being removed all go. */
		eswitch_numvfs_free(j->nv);
		j->nv = NULL;
		job_end(d, i, -ECANCELED,
			"vflagd is stopping: the operation was cut short");
	}
}
