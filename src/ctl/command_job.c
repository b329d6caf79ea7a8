/* Long operations for control clients (command_job.h): the glue between
 * a daemon job's reports and a deferred ctl_call. */
#include "ctl/command_job.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ctl/ctl_server.h"

/* A job's report as a progress object: {"op", "done", "total"}. */
static void job_progress(void *arg, const char *op, unsigned done,
			 unsigned total)
{
	struct ctl_call *call = arg;

	if (!ctl_call_wants_progress(call))
		return;
	ctl_call_progress(call, json_pack("{s:s, s:i, s:i}", "op", op, "done",
					  (int)done, "total", (int)total));
}

static void job_done(void *arg, int ret, const char *err)
{
	ctl_call_reply(arg, NULL, -ret, ret == -EINVAL, err);
}

static const struct vflagd_job_ops job_ops = {job_progress, job_done};

/* The PF named name, if there is one. */
static struct pf *named_pf(struct vflagd *d, const char *name)
{
	return vflagd_eswitch(d) ? eswitch_pf_find(vflagd_eswitch(d), name)
				 : NULL;
}

/* Busy if a job holds the PF named name (an unknown name is not: the
 * command itself says so). */
static int pf_busy(struct vflagd *d, const char *name, char *err, size_t errlen)
{
	struct pf *pf = named_pf(d, name);

	return pf ? vflagd_job_busy(d, pf, err, errlen) : 0;
}

/* Busy if a job holds a member of the bond named name. */
static int bond_busy(struct vflagd *d, const char *name, char *err,
		     size_t errlen)
{
	struct vflagd_bond *b = vflagd_bond_find(d, name);
	struct pf *pf;
	int ret = 0;

	for (unsigned i = 0;
	     b && !ret && (pf = eswitch_pf_at(vflagd_eswitch(d), i)); i++)
		if (vflagd_pf_bond(d, pf) == b)
			ret = vflagd_job_busy(d, pf, err, errlen);
	return ret;
}

int command_job_busy(struct vflagd *d, int argc, char **argv, char *err,
		     size_t errlen)
{
	const char *verb = argc > 1 ? argv[1] : "";
	int ret = 0;

	if (!vflagd_jobs_running(d))
		return 0;
	if (!strcmp(argv[0], "teardown"))
		return vflagd_job_busy(d, NULL, err, errlen);
	if (!strcmp(argv[0], "pf") && !strcmp(verb, "add"))
		/* a new PF conflicts with nothing but a teardown */
		return vflagd_teardown_running(d)
			   ? vflagd_job_busy(d, NULL, err, errlen)
			   : 0;
	if ((!strcmp(argv[0], "pf") &&
	     (!strcmp(verb, "set") || !strcmp(verb, "del"))) ||
	    (!strcmp(argv[0], "vf") && !strcmp(verb, "set")))
		return argc > 2 ? pf_busy(d, argv[2], err, errlen) : 0;
	if (strcmp(argv[0], "bond") ||
	    !(!strcmp(verb, "add") || !strcmp(verb, "set") ||
	      !strcmp(verb, "del") || !strcmp(verb, "member")))
		return 0; /* a read */
	/* bond add|set|del NAME ..., bond member add|del NAME PF: the
	 * bond's members, and any PF the words name. */
	for (int i = 2; !ret && i < argc; i++)
		ret = bond_busy(d, argv[i], err, errlen);
	for (int i = 2; !ret && i < argc; i++)
		ret = pf_busy(d, argv[i], err, errlen);
	return ret;
}

int command_job_numvfs(struct vflagd *d, struct ctl_call *call, struct pf *pf,
		       unsigned numvfs, enum vf_type type, bool force,
		       char *err, size_t errlen)
{
	int ret;

	if (!call)
		return eswitch_pf_set_numvfs(vflagd_eswitch(d), pf, numvfs,
					     type, force, err, errlen);
	ret = vflagd_pf_set_numvfs_job(d, pf, numvfs, type, force, &job_ops,
				       call, err, errlen);
	if (ret != VFLAGD_JOB_STARTED)
		return ret;
	ctl_call_defer(call);
	return 0;
}

int command_job_teardown(struct vflagd *d, struct ctl_call *call, bool force,
			 char *err, size_t errlen)
{
	int ret;

	if (!call)
		return vflagd_teardown(d, force, err, errlen);
	ret = vflagd_teardown_job(d, force, &job_ops, call, err, errlen);
	if (ret != VFLAGD_JOB_STARTED)
		return ret;
	ctl_call_defer(call);
	return 0;
}
