/* Long operations as daemon jobs (daemon.h "jobs", command_job.h) on the
 * in-memory eswitch backend, stepped by vflagd_tick() as the loop does:
 *  - numvfs 64 in steps: the PF shows no VF until the last is made, the
 *    reports only grow and end at the total, and meanwhile every change
 *    of that PF is refused as busy while reads and other PFs go on;
 *  - a failure midway undoes every VF made (all or nothing);
 *  - numvfs 0 in steps: the PF shows what is left;
 *  - vflagd stopping mid-way: VFs being made go again, the caller told;
 *  - teardown in steps over two PFs: one total, then nothing left. */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/log.h"
#include "ctl/command.h"
#include "daemon/daemon.h"
#include "eswitch/eswitch.h"

#include "../eswitch/fake_backend.h"

struct fx {
	struct fake fake;
	struct eswitch *sw;
	struct vflagd *d;
	struct pf *p0, *p1;
	/* what the job told its caller */
	unsigned reports, last_done, last_total;
	bool monotonic;
	bool ended;
	int ret;
	char err[256];
};

static void on_progress(void *arg, const char *op, unsigned done,
			unsigned total)
{
	struct fx *fx = arg;

	(void)op;
	if (fx->reports && done < fx->last_done)
		fx->monotonic = false;
	fx->reports++;
	fx->last_done = done;
	fx->last_total = total;
}

static void on_done(void *arg, int ret, const char *err)
{
	struct fx *fx = arg;

	fx->ended = true;
	fx->ret = ret;
	snprintf(fx->err, sizeof(fx->err), "%s", err ? err : "");
}

static const struct vflagd_job_ops ops = {on_progress, on_done};

static int setup(void **state)
{
	static const uint8_t mac[2][6] = {{0x52, 0x54, 0, 0, 0, 1},
					  {0x52, 0x54, 0, 0, 0, 2}};
	struct fx *fx = calloc(1, sizeof(*fx));
	char err[256];

	assert_non_null(fx);
	fake_init(&fx->fake);
	fake_dev_add(&fx->fake, "eth0", mac[0], true, true);
	fake_dev_add(&fx->fake, "eth1", mac[1], true, true);
	fx->sw = eswitch_create_with_ops(&fake_ops, &fx->fake);
	assert_non_null(fx->sw);
	assert_int_equal(
	    eswitch_pf_add(fx->sw, "p0", "eth0", NULL, err, sizeof(err)), 0);
	assert_int_equal(
	    eswitch_pf_add(fx->sw, "p1", "eth1", NULL, err, sizeof(err)), 0);
	fx->p0 = eswitch_pf_find(fx->sw, "p0");
	fx->p1 = eswitch_pf_find(fx->sw, "p1");
	fx->d = vflagd_open_on(NULL, fx->sw, NULL);
	assert_non_null(fx->d);
	fx->monotonic = true;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	vflagd_close(fx->d);
	eswitch_destroy(fx->sw);
	assert_int_equal(fake_fdb_count(&fx->fake), 0);
	free(fx);
	return 0;
}

static unsigned numvfs(struct fx *fx, struct pf *pf)
{
	struct eswitch_pf_status st;

	eswitch_pf_status(fx->sw, pf, &st);
	return st.numvfs;
}

/* Runs a command with no call (as a config file does); its errno. */
static int run(struct fx *fx, const char *line)
{
	char copy[256], err[512] = "";
	char *argv[16];
	bool usage;
	int argc, error = 0;
	json_t *data;

	snprintf(copy, sizeof(copy), "%s", line);
	argc = command_split(copy, argv, 16);
	data = command_run(fx->d, NULL, argc, argv, &error, &usage, err,
			   sizeof(err));
	json_decref(data);
	if (error == EBUSY)
		assert_non_null(strstr(err, "busy"));
	return error;
}

/* Ticks until the job ended; the number of ticks. */
static unsigned tick_to_end(struct fx *fx)
{
	unsigned n = 0;

	while (!fx->ended) {
		assert_true(++n < 10000);
		assert_int_equal(vflagd_next_deadline(fx->d), 0);
		vflagd_tick(fx->d, 0);
	}
	return n;
}

static void test_numvfs_in_steps(void **state)
{
	struct fx *fx = *state;
	unsigned devs = fake_devs_count(&fx->fake);

	assert_int_equal(vflagd_pf_set_numvfs_job(fx->d, fx->p0, 64,
						  VF_TYPE_VETH, false, &ops, fx,
						  fx->err, sizeof(fx->err)),
			 VFLAGD_JOB_STARTED);
	/* a few steps in: VFs exist, the PF shows none yet */
	vflagd_tick(fx->d, 0);
	assert_false(fx->ended);
	assert_true(fake_devs_count(&fx->fake) > devs);
	assert_int_equal(numvfs(fx, fx->p0), 0);
	assert_true(fx->reports >= 1 && fx->last_done < 64);
	/* what would change p0 is busy; reads and p1 are not */
	assert_int_equal(run(fx, "pf set p0 numvfs 0"), EBUSY);
	assert_int_equal(run(fx, "pf set p0 spoofchk off"), EBUSY);
	assert_int_equal(run(fx, "vf set p0 vf 0 trust on"), EBUSY);
	assert_int_equal(run(fx, "pf del p0 --force"), EBUSY);
	assert_int_equal(run(fx, "teardown --force"), EBUSY);
	assert_int_equal(run(fx, "pf show"), 0);
	assert_int_equal(run(fx, "vf show p0"), 0);
	assert_int_equal(run(fx, "pf set p1 numvfs 2"), 0);
	/* a pending VF's device is no uplink */
	assert_int_equal(run(fx, "pf add p2 dev p0vf0"), EINVAL);
	assert_int_equal(vflagd_pf_set_numvfs_job(fx->d, fx->p0, 8,
						  VF_TYPE_VETH, false, &ops, fx,
						  fx->err, sizeof(fx->err)),
			 -EBUSY);

	tick_to_end(fx);
	assert_int_equal(fx->ret, 0);
	assert_true(fx->monotonic);
	assert_int_equal(fx->last_done, 64);
	assert_int_equal(fx->last_total, 64);
	assert_int_equal(numvfs(fx, fx->p0), 64);
	assert_int_equal(vflagd_next_deadline(fx->d), UINT64_MAX);
	assert_int_equal(run(fx, "vf set p0 vf 63 trust on"), 0);
}

static void test_numvfs_failure_undone(void **state)
{
	struct fx *fx = *state;
	unsigned devs = fake_devs_count(&fx->fake);
	unsigned fdb = fake_fdb_count(&fx->fake);

	fake_fail(&fx->fake, FAKE_OP_VETH_CREATE, 20, -ENOSPC);
	assert_int_equal(vflagd_pf_set_numvfs_job(fx->d, fx->p0, 64,
						  VF_TYPE_VETH, false, &ops, fx,
						  fx->err, sizeof(fx->err)),
			 VFLAGD_JOB_STARTED);
	tick_to_end(fx);
	assert_int_equal(fx->ret, -ENOSPC);
	assert_non_null(strstr(fx->err, "p0vf20"));
	assert_int_equal(numvfs(fx, fx->p0), 0);
	assert_int_equal(fake_devs_count(&fx->fake), devs);
	assert_int_equal(fake_fdb_count(&fx->fake), fdb);
	assert_int_equal(run(fx, "pf set p0 numvfs 4"), 0); /* not busy */
}

static void test_remove_in_steps(void **state)
{
	struct fx *fx = *state;
	unsigned seen = 64;

	assert_int_equal(run(fx, "pf set p0 numvfs 64"), 0);
	assert_int_equal(vflagd_pf_set_numvfs_job(fx->d, fx->p0, 0,
						  VF_TYPE_VETH, false, &ops, fx,
						  fx->err, sizeof(fx->err)),
			 VFLAGD_JOB_STARTED);
	while (!fx->ended) {
		vflagd_tick(fx->d, 0);
		/* the PF shows what is left, as the reports say */
		assert_int_equal(numvfs(fx, fx->p0), 64 - fx->last_done);
		assert_true(numvfs(fx, fx->p0) <= seen);
		seen = numvfs(fx, fx->p0);
	}
	assert_int_equal(fx->ret, 0);
	assert_true(fx->monotonic);
	assert_int_equal(fx->last_done, 64);
	assert_int_equal(numvfs(fx, fx->p0), 0);
}

static void test_cancel_undoes(void **state)
{
	struct fx *fx = *state;
	unsigned devs = fake_devs_count(&fx->fake);

	assert_int_equal(vflagd_pf_set_numvfs_job(fx->d, fx->p0, 64,
						  VF_TYPE_TAP, false, &ops, fx,
						  fx->err, sizeof(fx->err)),
			 VFLAGD_JOB_STARTED);
	vflagd_tick(fx->d, 0);
	vflagd_jobs_cancel(fx->d);
	assert_true(fx->ended);
	assert_int_equal(fx->ret, -ECANCELED);
	assert_int_equal(numvfs(fx, fx->p0), 0);
	assert_int_equal(fake_devs_count(&fx->fake), devs);
	assert_false(vflagd_jobs_running(fx->d));
}

static void test_teardown_in_steps(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(run(fx, "pf set p0 numvfs 10"), 0);
	assert_int_equal(run(fx, "pf set p1 numvfs 5"), 0);
	assert_int_equal(vflagd_teardown_job(fx->d, false, &ops, fx, fx->err,
					     sizeof(fx->err)),
			 VFLAGD_JOB_STARTED);
	vflagd_tick(fx->d, 0);
	assert_int_equal(run(fx, "pf add p2 dev eth0"), EBUSY);
	assert_int_equal(run(fx, "pf set p1 numvfs 0"), EBUSY);
	tick_to_end(fx);
	assert_int_equal(fx->ret, 0);
	assert_true(fx->monotonic);
	assert_int_equal(fx->last_total, 15);
	assert_int_equal(fx->last_done, 15);
	assert_null(eswitch_pf_at(fx->sw, 0));
	/* nothing with VFs left: a teardown is done at once */
	assert_int_equal(vflagd_teardown_job(fx->d, false, &ops, fx, fx->err,
					     sizeof(fx->err)),
			 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_numvfs_in_steps, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_numvfs_failure_undone, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_remove_in_steps, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_cancel_undoes, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_teardown_in_steps, setup,
					    teardown),
	};

	log_set_quiet(true);
	return cmocka_run_group_tests_name("command_job", tests, NULL, NULL);
}
