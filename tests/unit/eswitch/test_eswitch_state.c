/* Unit tests of the eswitch's state across a restart (eswitch_state.c)
 * on the in-memory backend: what is saved, that restoring rebuilds the
 * same model without touching the world (no entry, device or fdb
 * changes: the datapath keeps forwarding), that eswitch_forget leaves the
 * world alone, and what a restore refuses or skips. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "eswitch/eswitch.h"
#include "eswitch/eswitch_state.h"
#include "fake_backend.h"

#define LAG_SLOT 3

struct fx {
	struct fake fake;
	struct eswitch *sw;
	char err[256];
};

static const uint8_t vf_mac[6] = {0x6a, 0x66, 0x2d, 0x48, 0x92, 0xc3};

/* pf0 (eth0) and pf1 (eth1), two VFs each, pf0's VF 0 with a MAC in
 * namespace vm1, pf0 in LAG slot 3: what a running vflagd holds. */
static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	const uint8_t mac[2][6] = {{0x52, 0x54, 0, 0, 0, 1},
				   {0x52, 0x54, 0, 0, 0, 2}};
	struct pf *pf;

	if (!fx)
		return -1;
	fake_init(&fx->fake);
	fake_dev_add(&fx->fake, "eth0", mac[0], true, true);
	fake_dev_add(&fx->fake, "eth1", mac[1], true, true);
	fake_netns_add(&fx->fake, "vm1");
	fx->sw = eswitch_create_with_ops(&fake_ops, &fx->fake);
	if (!fx->sw ||
	    eswitch_pf_add(fx->sw, "pf0", "eth0", NULL, fx->err,
			   sizeof(fx->err)) ||
	    eswitch_pf_add(fx->sw, "pf1", "eth1", "0000:62:00.1", fx->err,
			   sizeof(fx->err)))
		return -1;
	for (unsigned i = 0; (pf = eswitch_pf_at(fx->sw, i)); i++)
		if (eswitch_pf_set_numvfs(fx->sw, pf, 2, VF_TYPE_VETH, false,
					  fx->err, sizeof(fx->err)))
			return -1;
	pf = eswitch_pf_find(fx->sw, "pf0");
	if (eswitch_vf_set(fx->sw, pf, 0, vf_mac, "vm1", fx->err,
			   sizeof(fx->err)) ||
	    eswitch_pf_join_lag(fx->sw, pf, LAG_SLOT, 0))
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	eswitch_destroy(fx->sw);
	assert_int_equal(fake_ports_attached(&fx->fake), 0);
	assert_int_equal(fake_fdb_count(&fx->fake), 0);
	free(fx);
	return 0;
}

/* A copy of the world, to check that nothing changed. */
static struct fake *world_copy(const struct fake *f)
{
	struct fake *c = malloc(sizeof(*c));

	assert_non_null(c);
	memcpy(c, f, sizeof(*c));
	return c;
}

static void assert_world_same(const struct fake *a, const struct fake *b)
{
	assert_memory_equal(a->devs, b->devs, sizeof(a->devs));
	assert_memory_equal(a->ports, b->ports, sizeof(a->ports));
	assert_memory_equal(a->fdb, b->fdb, sizeof(a->fdb));
	assert_memory_equal(a->flood, b->flood, sizeof(a->flood));
}

/* kill -9, then a new vflagd restores: same model, nothing touched. */
static void test_round_trip_touches_nothing(void **state)
{
	struct fx *fx = *state;
	json_t *saved = eswitch_state_save(fx->sw), *again;
	struct fake *before = world_copy(&fx->fake);
	struct eswitch_vf_status vst;
	struct eswitch *sw2;
	unsigned npfs, nvfs;
	struct pf *pf0;

	assert_non_null(saved);
	/* The old model goes without a word to the world. */
	eswitch_forget(fx->sw);
	fx->sw = NULL;
	assert_world_same(before, &fx->fake);

	sw2 = eswitch_create_with_ops(&fake_ops, &fx->fake);
	assert_non_null(sw2);
	assert_int_equal(eswitch_state_restore(sw2, saved, &npfs, &nvfs,
					       fx->err, sizeof(fx->err)),
			 0);
	fx->sw = sw2;
	assert_int_equal(npfs, 2);
	assert_int_equal(nvfs, 4);
	assert_world_same(before, &fx->fake);

	pf0 = eswitch_pf_find(sw2, "pf0");
	assert_non_null(pf0);
	assert_true(eswitch_pf_adopted(pf0));
	assert_int_equal(pf_lag_slot(pf0), LAG_SLOT);
	assert_int_equal(pf_lag_slot(eswitch_pf_find(sw2, "pf1")), -1);
	assert_int_equal(eswitch_vf_status(sw2, pf0, 0, &vst), 0);
	assert_string_equal(vst.netns, "vm1");
	assert_memory_equal(vst.mac, vf_mac, 6);
	assert_true(vst.in_use);

	/* Saved again, the same state: nothing was lost on the way. */
	again = eswitch_state_save(sw2);
	assert_true(json_equal(saved, again));
	json_decref(again);
	json_decref(saved);
	free(before);
}

/* After a restore, the model works as before: a new VF count goes
 * through the usual rules on the same devices. */
static void test_restored_model_is_live(void **state)
{
	struct fx *fx = *state;
	json_t *saved = eswitch_state_save(fx->sw);
	unsigned npfs, nvfs;
	struct pf *pf1;

	eswitch_forget(fx->sw);
	fx->sw = eswitch_create_with_ops(&fake_ops, &fx->fake);
	assert_int_equal(eswitch_state_restore(fx->sw, saved, &npfs, &nvfs,
					       fx->err, sizeof(fx->err)),
			 0);
	pf1 = eswitch_pf_find(fx->sw, "pf1");
	/* as sriov_numvfs: the same count is a no-op, another is refused */
	assert_int_equal(eswitch_pf_set_numvfs(fx->sw, pf1, 2, VF_TYPE_VETH,
					       false, fx->err, sizeof(fx->err)),
			 0);
	assert_int_equal(eswitch_pf_set_numvfs(fx->sw, pf1, 3, VF_TYPE_VETH,
					       false, fx->err, sizeof(fx->err)),
			 -EBUSY);
	assert_int_equal(eswitch_pf_set_numvfs(fx->sw, pf1, 0, VF_TYPE_VETH,
					       false, fx->err, sizeof(fx->err)),
			 0);
	/* a port id of an adopted port is not handed out twice */
	assert_int_equal(eswitch_pf_add(fx->sw, "pf0", "eth0", NULL, fx->err,
					sizeof(fx->err)),
			 -EEXIST);
	json_decref(saved);
}

/* An uplink renamed while no vflagd ran is not adopted (it may be
 * another device now); a VF whose eswitch end is gone is kept as gone. */
static void test_restore_skips_what_changed(void **state)
{
	struct fx *fx = *state;
	json_t *saved = eswitch_state_save(fx->sw);
	struct fake_dev *eth1 = fake_dev_find(&fx->fake, "", "eth1");
	struct eswitch_vf_status vst;
	struct fake_dev *rep;
	unsigned npfs, nvfs;
	struct pf *pf0;

	assert_int_equal(
	    eswitch_vf_status(fx->sw, eswitch_pf_find(fx->sw, "pf0"), 1, &vst),
	    0);
	eswitch_forget(fx->sw);
	snprintf(eth1->name, sizeof(eth1->name), "eth9");
	rep = fake_dev_find(&fx->fake, "", vst.rep);
	assert_non_null(rep);
	rep->used = false; /* vanished */

	fx->sw = eswitch_create_with_ops(&fake_ops, &fx->fake);
	assert_int_equal(eswitch_state_restore(fx->sw, saved, &npfs, &nvfs,
					       fx->err, sizeof(fx->err)),
			 0);
	assert_int_equal(npfs, 1);
	assert_null(eswitch_pf_find(fx->sw, "pf1"));
	pf0 = eswitch_pf_find(fx->sw, "pf0");
	assert_int_equal(eswitch_vf_status(fx->sw, pf0, 1, &vst), 0);
	assert_true(vst.gone);
	json_decref(saved);
	/* what pf1 held is nobody's now: the fixture's check would fail */
	for (unsigned i = 0; i < FAKE_MAX_DEVS; i++)
		fx->fake.ports[i].attached = false;
	memset(fx->fake.fdb, 0, sizeof(fx->fake.fdb));
}

static void test_restore_refuses_malformed(void **state)
{
	struct fx *fx = *state;
	struct eswitch *sw2 = eswitch_create_with_ops(&fake_ops, &fx->fake);
	json_t *bad = json_pack("[{s:s}]", "name", "pf0");
	json_t *notarray = json_object();
	unsigned npfs, nvfs;

	assert_int_equal(eswitch_state_restore(sw2, notarray, &npfs, &nvfs,
					       fx->err, sizeof(fx->err)),
			 -EINVAL);
	assert_int_equal(eswitch_state_restore(sw2, bad, &npfs, &nvfs, fx->err,
					       sizeof(fx->err)),
			 -EINVAL);
	assert_non_null(strstr(fx->err, "malformed"));
	assert_null(eswitch_pf_at(sw2, 0));
	eswitch_forget(sw2);
	json_decref(bad);
	json_decref(notarray);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_round_trip_touches_nothing),
	    T(test_restored_model_is_live),
	    T(test_restore_skips_what_changed),
	    T(test_restore_refuses_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
