/* Unit tests of switchdev mode (src/eswitch/switchdev.c) on the in-memory
 * backend: the port flags and representor fields each mode writes, the
 * LAG's mode while its PFs disagree, LAG representors, hw-tc-offload, a
 * representor the operator set down, and the state file round trip.
 *
 * Every test gets uplinks eth0, eth1, PFs pf0 (eth0) and pf1 (eth1) with
 * two veth VFs each. */
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

#define SLOT 2

struct fx {
	struct fake fake;
	struct eswitch *sw;
	struct pf *pf[2];
	unsigned devs; /* before the PFs: what teardown must leave */
	char err[256];
};

static const uint8_t up_mac[2][6] = {
    {0x52, 0x54, 0, 0, 0, 1},
    {0x52, 0x54, 0, 0, 0, 2},
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	fake_init(&fx->fake);
	fake_dev_add(&fx->fake, "eth0", up_mac[0], true, true);
	fake_dev_add(&fx->fake, "eth1", up_mac[1], true, true);
	fx->devs = fake_devs_count(&fx->fake);
	fx->sw = eswitch_create_with_ops(&fake_ops, &fx->fake);
	for (int i = 0; i < 2; i++) {
		char name[8], dev[8];

		snprintf(name, sizeof(name), "pf%d", i);
		snprintf(dev, sizeof(dev), "eth%d", i);
		if (eswitch_pf_add(fx->sw, name, dev, NULL, fx->err,
				   sizeof(fx->err)))
			return -1;
		fx->pf[i] = eswitch_pf_find(fx->sw, name);
		if (eswitch_pf_set_numvfs(fx->sw, fx->pf[i], 2, VF_TYPE_VETH,
					  false, fx->err, sizeof(fx->err)))
			return -1;
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	eswitch_destroy(fx->sw);
	assert_int_equal(fake_ports_attached(&fx->fake), 0);
	/* The uplinks are all that is left: no representor behind. */
	assert_int_equal(fake_devs_count(&fx->fake), fx->devs);
	free(fx);
	return 0;
}

static const struct vflag_port *port_of(struct fx *fx, const char *dev)
{
	struct fake_dev *d = fake_dev_find(&fx->fake, "", dev);

	assert_non_null(d);
	assert_true(fx->fake.ports[d->ifindex].attached);
	return &fx->fake.ports[d->ifindex].entry;
}

static bool flagged(struct fx *fx, const char *dev, uint32_t flag)
{
	return (port_of(fx, dev)->flags & flag) != 0;
}

static void set_mode(struct fx *fx, int pf, bool sd)
{
	assert_int_equal(eswitch_pf_set_mode(fx->sw, fx->pf[pf], sd, fx->err,
					     sizeof(fx->err)),
			 0);
}

static void make_lag(struct fx *fx)
{
	assert_int_equal(eswitch_lag_rep_add(fx->sw, SLOT, "bond0", fx->err,
					     sizeof(fx->err)),
			 0);
	assert_int_equal(eswitch_pf_join_lag(fx->sw, fx->pf[0], SLOT, 0), 0);
	assert_int_equal(eswitch_pf_join_lag(fx->sw, fx->pf[1], SLOT, 1), 0);
}

static void leave_lag(struct fx *fx)
{
	eswitch_pf_leave_lag(fx->sw, fx->pf[0]);
	eswitch_pf_leave_lag(fx->sw, fx->pf[1]);
	eswitch_lag_rep_del(fx->sw, SLOT);
}

/* Legacy by default: no switchdev or offload flag, flow_port set. */
static void test_default_legacy(void **state)
{
	struct fx *fx = *state;
	struct eswitch_vf_status vs;

	assert_false(pf_switchdev(fx->pf[0]));
	assert_false(pf_hw_tc_offload(fx->pf[0]));
	for (const char *const *d =
		 (const char *const[]){"eth0", "eth1", "pf0_0", "pf1_1", NULL};
	     *d; d++) {
		assert_false(flagged(fx, *d, VFLAG_PORT_F_SWITCHDEV));
		assert_false(flagged(fx, *d, VFLAG_PORT_F_OFFLOAD));
	}
	/* A VF's flow_port is its own id, a lone uplink's its own. */
	assert_int_equal(port_of(fx, "pf0_1")->flow_port,
			 port_of(fx, "pf0_1")->id);
	assert_int_equal(port_of(fx, "eth0")->flow_port,
			 port_of(fx, "eth0")->id);
	assert_int_equal(port_of(fx, "eth0")->rep_ifindex, 0);
	assert_int_equal(eswitch_vf_status(fx->sw, fx->pf[0], 0, &vs), 0);
	assert_false(vs.switchdev);
}

/* A lone PF switches at once; only its own ports; no device changes. */
static void test_lone_pf_mode(void **state)
{
	struct fx *fx = *state;
	unsigned devs = fake_devs_count(&fx->fake);
	int rep = fake_dev_find(&fx->fake, "", "pf0_0")->ifindex;
	bool sd;

	set_mode(fx, 0, true);
	assert_true(pf_switchdev(fx->pf[0]));
	assert_true(flagged(fx, "eth0", VFLAG_PORT_F_SWITCHDEV));
	assert_true(flagged(fx, "pf0_0", VFLAG_PORT_F_SWITCHDEV));
	assert_true(flagged(fx, "pf0_1", VFLAG_PORT_F_SWITCHDEV));
	assert_false(flagged(fx, "eth1", VFLAG_PORT_F_SWITCHDEV));
	assert_false(flagged(fx, "pf1_0", VFLAG_PORT_F_SWITCHDEV));
	/* A lone PF is its own uplink representor. */
	assert_int_equal(port_of(fx, "eth0")->rep_ifindex, 0);
	/* The VFs are the same devices. */
	assert_int_equal(fake_devs_count(&fx->fake), devs);
	assert_int_equal(fake_dev_find(&fx->fake, "", "pf0_0")->ifindex, rep);
	/* The spoof check stays whatever the mode. */
	assert_true(flagged(fx, "pf0_0", VFLAG_PORT_F_SPOOFCHK));
	set_mode(fx, 0, false);
	assert_false(flagged(fx, "eth0", VFLAG_PORT_F_SWITCHDEV));
	assert_false(flagged(fx, "pf0_0", VFLAG_PORT_F_SWITCHDEV));
	/* Bad words. */
	assert_int_equal(eswitch_mode_parse("switchdev", &sd), 0);
	assert_true(sd);
	assert_int_equal(eswitch_mode_parse("legacy", &sd), 0);
	assert_false(sd);
	assert_int_equal(eswitch_mode_parse("offload", &sd), -EINVAL);
	assert_int_equal(eswitch_mode_parse("", &sd), -EINVAL);
}

/* hw-tc-offload: the PF's ports only, in both modes. */
static void test_hw_tc_offload(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(eswitch_pf_set_hw_tc_offload(fx->sw, fx->pf[1], true),
			 0);
	assert_true(pf_hw_tc_offload(fx->pf[1]));
	assert_true(flagged(fx, "eth1", VFLAG_PORT_F_OFFLOAD));
	assert_true(flagged(fx, "pf1_0", VFLAG_PORT_F_OFFLOAD));
	assert_false(flagged(fx, "eth0", VFLAG_PORT_F_OFFLOAD));
	assert_false(flagged(fx, "pf0_0", VFLAG_PORT_F_OFFLOAD));
	/* Kept across a mode switch. */
	set_mode(fx, 1, true);
	assert_true(flagged(fx, "pf1_1", VFLAG_PORT_F_OFFLOAD));
	assert_int_equal(eswitch_pf_set_hw_tc_offload(fx->sw, fx->pf[1], false),
			 0);
	assert_false(flagged(fx, "eth1", VFLAG_PORT_F_OFFLOAD));
	assert_false(flagged(fx, "pf1_1", VFLAG_PORT_F_OFFLOAD));
	assert_true(flagged(fx, "pf1_1", VFLAG_PORT_F_SWITCHDEV));
}

/* The LAG representor: a veth pair, the eswitch end a LAG_REP port of
 * the LAG's domain; the uplinks' misses go to it; its MAC the first
 * member's. */
static void test_lag_rep(void **state)
{
	struct fx *fx = *state;
	struct eswitch_lag_rep_status ls;
	const struct vflag_port *rp;
	struct fake_dev *host, *esw;

	make_lag(fx);
	host = fake_dev_find(&fx->fake, "", "bond0");
	esw = fake_dev_find(&fx->fake, "", "bond0_esw");
	assert_non_null(host);
	assert_non_null(esw);
	assert_int_equal(host->peer, esw->ifindex);
	assert_true(host->admin_up);
	assert_true(esw->admin_up);
	assert_true(host->quiet);
	assert_memory_equal(host->mac, up_mac[0], 6);
	rp = port_of(fx, "bond0_esw");
	assert_int_equal(rp->kind, VFLAG_PORT_LAG_REP);
	assert_int_equal(rp->lag_slot, SLOT);
	assert_int_equal(rp->domain, ESWITCH_DOMAIN_LAG_BASE + SLOT);
	assert_false(fx->fake.ports[host->ifindex].attached);
	for (const char *const *d = (const char *const[]){"eth0", "eth1", NULL};
	     *d; d++) {
		assert_int_equal(port_of(fx, *d)->rep_ifindex, esw->ifindex);
		assert_int_equal(port_of(fx, *d)->flow_port,
				 VFLAG_FLOW_OUT_LAG | SLOT);
	}
	assert_int_equal(eswitch_lag_rep_status(fx->sw, SLOT, &ls), 0);
	assert_string_equal(ls.name, "bond0");
	assert_string_equal(ls.esw, "bond0_esw");
	assert_int_equal(ls.port_id, rp->id);
	/* Again for the same name: adopted, nothing new. */
	assert_int_equal(eswitch_lag_rep_add(fx->sw, SLOT, "bond0", fx->err,
					     sizeof(fx->err)),
			 0);
	/* Another name for a slot that has one: refused. */
	assert_int_equal(eswitch_lag_rep_add(fx->sw, SLOT, "bond1", fx->err,
					     sizeof(fx->err)),
			 -EBUSY);
	/* A device of the name exists: a clear refusal. */
	assert_int_equal(eswitch_lag_rep_add(fx->sw, SLOT + 1, "pf0", fx->err,
					     sizeof(fx->err)),
			 0); /* pf0 is a PF name, no device */
	eswitch_lag_rep_del(fx->sw, SLOT + 1);
	fake_dev_add(&fx->fake, "bond7", up_mac[0], true, true);
	assert_int_equal(eswitch_lag_rep_add(fx->sw, SLOT + 1, "bond7", fx->err,
					     sizeof(fx->err)),
			 -EEXIST);
	assert_non_null(strstr(fx->err, "a device of that name exists"));
	leave_lag(fx);
	assert_null(fake_dev_find(&fx->fake, "", "bond0"));
	assert_null(fake_dev_find(&fx->fake, "", "bond0_esw"));
	assert_int_equal(port_of(fx, "eth0")->rep_ifindex, 0);
	assert_int_equal(port_of(fx, "eth0")->flow_port,
			 port_of(fx, "eth0")->id);
	/* bond7 is the test's device, not vflag's. */
	fx->fake.devs[fake_dev_find(&fx->fake, "", "bond7")->ifindex].used =
	    false;
}

/* Both PFs must agree: until then the LAG keeps its mode, and says why. */
static void test_lag_modes_differ(void **state)
{
	struct fx *fx = *state;
	char why[160];

	make_lag(fx);
	set_mode(fx, 0, true);
	assert_false(eswitch_lag_mode(fx->sw, SLOT, why, sizeof(why)));
	assert_string_equal(why,
			    "eswitch modes differ: pf0 switchdev, pf1 legacy");
	/* Neither PF's ports switched. */
	assert_false(pf_switchdev(fx->pf[0]));
	assert_false(flagged(fx, "eth0", VFLAG_PORT_F_SWITCHDEV));
	assert_false(flagged(fx, "pf0_0", VFLAG_PORT_F_SWITCHDEV));
	assert_true(pf_mode_switchdev(fx->pf[0]));
	set_mode(fx, 1, true);
	assert_true(eswitch_lag_mode(fx->sw, SLOT, why, sizeof(why)));
	assert_string_equal(why, "");
	for (const char *const *d =
		 (const char *const[]){"eth0", "eth1", "pf0_0", "pf0_1",
				       "pf1_0", "pf1_1", NULL};
	     *d; d++)
		assert_true(flagged(fx, *d, VFLAG_PORT_F_SWITCHDEV));
	/* One back to legacy: the LAG stays in switchdev. */
	set_mode(fx, 0, false);
	assert_true(eswitch_lag_mode(fx->sw, SLOT, why, sizeof(why)));
	assert_string_equal(why,
			    "eswitch modes differ: pf0 legacy, pf1 switchdev");
	assert_true(pf_switchdev(fx->pf[0]));
	assert_true(flagged(fx, "pf1_1", VFLAG_PORT_F_SWITCHDEV));
	/* Leaving the LAG: each PF in its own mode again. */
	leave_lag(fx);
	assert_false(pf_switchdev(fx->pf[0]));
	assert_true(pf_switchdev(fx->pf[1]));
	assert_false(flagged(fx, "eth0", VFLAG_PORT_F_SWITCHDEV));
	assert_true(flagged(fx, "eth1", VFLAG_PORT_F_SWITCHDEV));
}

/* Mode first, then the bond (and VFs after both): the same result. */
static void test_order_free(void **state)
{
	struct fx *fx = *state;

	set_mode(fx, 0, true);
	set_mode(fx, 1, true);
	make_lag(fx);
	assert_true(eswitch_lag_mode(fx->sw, SLOT, NULL, 0));
	assert_true(flagged(fx, "pf1_0", VFLAG_PORT_F_SWITCHDEV));
	assert_int_equal(eswitch_pf_set_numvfs(fx->sw, fx->pf[0], 0,
					       VF_TYPE_VETH, false, fx->err,
					       sizeof(fx->err)),
			 0);
	assert_int_equal(eswitch_pf_set_numvfs(fx->sw, fx->pf[0], 3,
					       VF_TYPE_VETH, false, fx->err,
					       sizeof(fx->err)),
			 0);
	assert_true(flagged(fx, "pf0_2", VFLAG_PORT_F_SWITCHDEV));
	assert_int_equal(port_of(fx, "pf0_2")->flow_port,
			 port_of(fx, "pf0_2")->id);
	leave_lag(fx);
}

/* The operator's `ip link set pf0_0 down` holds: the LAG coming back
 * does not bring it up; the operator's up releases it. */
static void test_rep_admin_down_held(void **state)
{
	struct fx *fx = *state;
	struct fake_dev *rep = fake_dev_find(&fx->fake, "", "pf0_0");
	struct nl_link_event ev = {.ifindex = rep->ifindex, .carrier = true};
	struct eswitch_vf_status vs;

	make_lag(fx);
	eswitch_lag_set_carry(fx->sw, SLOT, true);
	assert_true(rep->admin_up);
	rep->admin_up = false; /* the operator */
	snprintf(ev.name, sizeof(ev.name), "pf0_0");
	eswitch_link_event(fx->sw, &ev);
	assert_int_equal(eswitch_vf_status(fx->sw, fx->pf[0], 0, &vs), 0);
	assert_true(vs.rep_held);
	assert_false(vs.link_up);
	eswitch_lag_set_carry(fx->sw, SLOT, false);
	eswitch_lag_set_carry(fx->sw, SLOT, true);
	assert_false(rep->admin_up);
	/* state enable does not override it either */
	assert_int_equal(eswitch_vf_set_state(fx->sw, fx->pf[0], 0,
					      VF_LINK_ENABLE, fx->err,
					      sizeof(fx->err)),
			 0);
	assert_false(rep->admin_up);
	/* A sibling is not touched. */
	assert_true(fake_dev_find(&fx->fake, "", "pf0_1")->admin_up);
	rep->admin_up = true;
	ev.admin_up = true;
	eswitch_link_event(fx->sw, &ev);
	assert_int_equal(eswitch_vf_status(fx->sw, fx->pf[0], 0, &vs), 0);
	assert_false(vs.rep_held);
	assert_true(vs.link_up);
	assert_true(rep->admin_up);
	leave_lag(fx);
}

/* A VF whose namespace is deleted: its representor goes down, then
 * vanishes. That down was no operator's: the VF made again comes up. */
static void test_rep_gone_not_held(void **state)
{
	struct fx *fx = *state;
	struct fake_dev *rep = fake_dev_find(&fx->fake, "", "pf0_1");
	struct nl_link_event ev = {.ifindex = rep->ifindex};
	struct eswitch_vf_status vs;

	snprintf(ev.name, sizeof(ev.name), "pf0_1");
	rep->admin_up = false;
	eswitch_link_event(fx->sw, &ev); /* down, as the kernel says first */
	fx->fake.devs[rep->peer].used = false;
	rep->used = false;
	ev.deleted = true;
	eswitch_link_event(fx->sw, &ev);
	rep = fake_dev_find(&fx->fake, "", "pf0_1");
	assert_non_null(rep);
	assert_int_not_equal(rep->ifindex, ev.ifindex);
	assert_true(rep->admin_up);
	assert_int_equal(eswitch_vf_status(fx->sw, fx->pf[0], 1, &vs), 0);
	assert_false(vs.rep_held);
	assert_true(vs.link_up);
}

/* Modes, offload and the LAG representor survive a restart. */
static void test_state_round_trip(void **state)
{
	struct fx *fx = *state;
	struct eswitch *sw2;
	json_t *pfs, *lags;
	unsigned npfs, nvfs;
	struct pf *p0;
	char why[160];

	make_lag(fx);
	set_mode(fx, 0, true);
	set_mode(fx, 1, true);
	set_mode(fx, 1, false); /* differ: the LAG stays switchdev */
	eswitch_pf_set_hw_tc_offload(fx->sw, fx->pf[0], true);
	pfs = eswitch_state_save(fx->sw);
	lags = eswitch_state_save_lags(fx->sw);
	assert_non_null(pfs);
	assert_non_null(lags);
	eswitch_forget(fx->sw);
	fx->sw = eswitch_create_with_ops(&fake_ops, &fx->fake);
	sw2 = fx->sw;
	assert_int_equal(eswitch_state_restore(sw2, pfs, &npfs, &nvfs, fx->err,
					       sizeof(fx->err)),
			 0);
	assert_int_equal(
	    eswitch_state_restore_lags(sw2, lags, fx->err, sizeof(fx->err)), 0);
	p0 = eswitch_pf_find(sw2, "pf0");
	fx->pf[0] = p0;
	fx->pf[1] = eswitch_pf_find(sw2, "pf1");
	assert_true(pf_switchdev(p0));
	assert_true(pf_hw_tc_offload(p0));
	assert_true(pf_mode_switchdev(p0));
	assert_false(pf_mode_switchdev(fx->pf[1]));
	assert_true(eswitch_lag_mode(sw2, SLOT, why, sizeof(why)));
	assert_string_equal(why,
			    "eswitch modes differ: pf0 switchdev, pf1 legacy");
	/* The representor adopted: the bond's add is a no-op. */
	assert_int_equal(
	    eswitch_lag_rep_add(sw2, SLOT, "bond0", fx->err, sizeof(fx->err)),
	    0);
	/* A later change rewrites nothing it should not. */
	set_mode(fx, 1, true);
	assert_true(flagged(fx, "eth1", VFLAG_PORT_F_SWITCHDEV));
	assert_int_equal(port_of(fx, "eth1")->rep_ifindex,
			 fake_dev_find(&fx->fake, "", "bond0_esw")->ifindex);
	json_decref(pfs);
	json_decref(lags);
	leave_lag(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_default_legacy, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_lone_pf_mode, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hw_tc_offload, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_lag_rep, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lag_modes_differ, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_order_free, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rep_admin_down_held, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_rep_gone_not_held, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_state_round_trip, setup,
					    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
