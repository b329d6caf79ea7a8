/* A PF's VF count changed a VF at a time (eswitch.h, "numvfs in steps"),
 * so vflagd's loop serves LACP, link events and other clients between
 * steps; eswitch_pf_set_numvfs() is the same change run to its end.
 *
 * Making VFs: the new VFs live in the job, not in the PF, until the last
 * one is made (nothing shows, floods to or saves a half-made set); then
 * they are committed at once. A failing step removes the ones made.
 * Removing VFs: from the last down, each step takes one VF out of the PF
 * and its flood list first, so the PF always shows what exists. */
#include "eswitch/eswitch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "eswitch/eswitch_impl.h"

#define TAG ESWITCH_TAG

struct eswitch_numvfs {
	struct eswitch *sw;
	struct pf *pf;
	unsigned numvfs;   /* asked for */
	enum vf_type type; /* of the VFs made */
	bool removing;	   /* to 0: pf->numvfs VFs go */
	unsigned total;	   /* VFs to make or remove */
	unsigned done;	   /* made or removed so far */
	struct vf *vfs;	   /* making: total slots, [0, done) made */
	bool finished;	   /* complete or failed: nothing more to do */
};

/* The same refusals as always, before anything changes. 1 if there is
 * something to do, 0 if not, -errno with err set. */
static int numvfs_check(struct pf *pf, unsigned numvfs, enum vf_type type,
			bool force, struct eswitch *sw, char *err,
			size_t errlen)
{
	char why[128];

	if (pf->numvfs_job) {
		snprintf(err, errlen, "%s: a numvfs change is running",
			 pf->name);
		return -EBUSY;
	}
	if (numvfs > ESWITCH_MAX_VFS) {
		snprintf(err, errlen, "numvfs %u is more than %d", numvfs,
			 ESWITCH_MAX_VFS);
		return -ERANGE;
	}
	if (numvfs == pf->numvfs && (numvfs == 0 || type == pf->vf_type))
		return 0;
	if (numvfs && pf->numvfs) {
		snprintf(err, errlen,
			 "%s has %u VFs: set numvfs 0 first, then %u (as "
			 "sriov_numvfs requires)",
			 pf->name, pf->numvfs, numvfs);
		return -EBUSY;
	}
	if (numvfs == 0) {
		if (!force && eswitch_pf_vfs_in_use(sw, pf, why, sizeof(why))) {
			snprintf(err, errlen,
				 "%s: detach it first (vf set %s vf N netns "
				 "-), or add --force",
				 why, pf->name);
			return -EBUSY;
		}
		return 1;
	}
	if (pf->gone) {
		snprintf(err, errlen, "the uplink %s of %s is gone", pf->dev,
			 pf->name);
		return -ENODEV;
	}
	return 1;
}

int eswitch_numvfs_begin(struct eswitch *sw, struct pf *pf, unsigned numvfs,
			 enum vf_type type, bool force,
			 struct eswitch_numvfs **out, char *err, size_t errlen)
{
	struct eswitch_numvfs *job;
	int ret;

	*out = NULL;
	ret = numvfs_check(pf, numvfs, type, force, sw, err, errlen);
	if (ret <= 0)
		return ret;
	job = calloc(1, sizeof(*job));
	if (!job)
		goto nomem;
	*job = (struct eswitch_numvfs){.sw = sw,
				       .pf = pf,
				       .numvfs = numvfs,
				       .type = type,
				       .removing = numvfs == 0,
				       .total = numvfs ? numvfs : pf->numvfs};
	if (!job->removing) {
		job->vfs = calloc(numvfs, sizeof(*job->vfs));
		if (!job->vfs) {
			free(job);
			goto nomem;
		}
	}
	pf->numvfs_job = job;
	*out = job;
	return 0;

nomem:
	snprintf(err, errlen, "out of memory");
	return -ENOMEM;
}

/* Removes the VFs made so far: the PF is as it was. */
static void numvfs_undo(struct eswitch_numvfs *job)
{
	while (job->done)
		eswitch_vf_destroy(job->sw, job->pf, &job->vfs[--job->done]);
	free(job->vfs);
	job->vfs = NULL;
	job->finished = true;
	job->pf->numvfs_job = NULL;
}

/* The last VF is made: the PF gets them all at once. What changed while
 * they were being made (the LAG's carrier, an uplink adopted again under
 * a new ifindex) is applied to them here. */
static int numvfs_commit(struct eswitch_numvfs *job, char *err, size_t errlen)
{
	struct eswitch *sw = job->sw;
	struct pf *pf = job->pf;
	int ret;

	pf->vfs = job->vfs;
	pf->numvfs = job->numvfs;
	pf->vf_type = job->type;
	ret = eswitch_domain_flood_sync(sw, eswitch_pf_domain(pf));
	if (ret) {
		snprintf(err, errlen, "cannot program broadcast copies: %s",
			 strerror(-ret));
		pf->vfs = NULL;
		pf->numvfs = 0;
		numvfs_undo(job);
		eswitch_domain_flood_sync(sw, eswitch_pf_domain(pf));
		return ret;
	}
	for (unsigned v = 0; v < pf->numvfs; v++) {
		struct vflag_port entry =
		    eswitch_vf_port_entry(pf, &pf->vfs[v]);

		sw->ops->port_update(sw->ops_ctx, pf->vfs[v].rep_ifindex,
				     &entry);
		eswitch_vf_link_apply(sw, pf, &pf->vfs[v]);
	}
	job->vfs = NULL;
	job->finished = true;
	pf->numvfs_job = NULL;
	LOG_INFO(TAG, "%s: %u %s VFs", pf->name, pf->numvfs,
		 vf_type_name(pf->vf_type));
	return 0;
}

/* Removes the PF's last VF, out of the flood list first. */
static void numvfs_remove_one(struct eswitch_numvfs *job)
{
	struct eswitch *sw = job->sw;
	struct pf *pf = job->pf;
	struct vf *vf = &pf->vfs[--pf->numvfs];

	eswitch_domain_flood_sync(sw, eswitch_pf_domain(pf));
	eswitch_vf_destroy(sw, pf, vf);
	job->done++;
	if (pf->numvfs)
		return;
	free(pf->vfs);
	pf->vfs = NULL;
	job->finished = true;
	pf->numvfs_job = NULL;
	LOG_INFO(TAG, "%s: VFs removed", pf->name);
}

int eswitch_numvfs_step(struct eswitch_numvfs *job, char *err, size_t errlen)
{
	struct pf *pf = job->pf;
	int ret;

	if (job->finished)
		return 0;
	if (job->removing) {
		numvfs_remove_one(job);
		return job->finished ? 0 : 1;
	}
	if (pf->gone) {
		snprintf(err, errlen,
			 "the uplink %s of %s vanished while its VFs were "
			 "being made: none made",
			 pf->dev, pf->name);
		numvfs_undo(job);
		return -ENODEV;
	}
	ret = eswitch_vf_create(job->sw, pf, &job->vfs[job->done], job->done,
				job->type, err, errlen);
	if (ret) {
		numvfs_undo(job);
		return ret;
	}
	if (++job->done < job->total)
		return 1;
	return numvfs_commit(job, err, errlen);
}

void eswitch_numvfs_progress(const struct eswitch_numvfs *job, unsigned *done,
			     unsigned *total)
{
	*done = job->done;
	*total = job->total;
}

const struct pf *eswitch_numvfs_pf(const struct eswitch_numvfs *job)
{
	return job->pf;
}

void eswitch_numvfs_free(struct eswitch_numvfs *job)
{
	if (!job)
		return;
	if (!job->finished) {
		if (job->removing) {
			while (!job->finished)
				numvfs_remove_one(job);
		} else {
			LOG_INFO(TAG,
				 "%s: numvfs %u cut short: the %u VFs "
				 "made are removed again",
				 job->pf->name, job->numvfs, job->done);
			numvfs_undo(job);
		}
	}
	free(job->vfs);
	free(job);
}

bool eswitch_numvfs_has_dev(const struct pf *pf, const char *name)
{
	const struct eswitch_numvfs *job = pf->numvfs_job;

	if (!job || job->removing)
		return false;
	for (unsigned v = 0; v < job->done; v++)
		if (!strcmp(job->vfs[v].ifname, name) ||
		    !strcmp(job->vfs[v].rep, name))
			return true;
	return false;
}

int eswitch_pf_set_numvfs(struct eswitch *sw, struct pf *pf, unsigned numvfs,
			  enum vf_type type, bool force, char *err,
			  size_t errlen)
{
	struct eswitch_numvfs *job;
	int ret;

	ret = eswitch_numvfs_begin(sw, pf, numvfs, type, force, &job, err,
				   errlen);
	if (ret || !job)
		return ret;
	do
		ret = eswitch_numvfs_step(job, err, errlen);
	while (ret > 0);
	eswitch_numvfs_free(job);
	return ret;
}
