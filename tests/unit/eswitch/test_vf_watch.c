/* Unit tests of ports that come back and VF link state
 * (src/eswitch/vf_watch.c, issue 7 items 5 and 6) on the in-memory
 * backend: a VF deleted is made again in place, its siblings untouched;
 * an uplink deleted and made again is adopted back; a VF is found by its
 * ifindex, never by name; and VF carriers follow the LAG as auto, enable
 * and disable say. A veth VF's carrier is its eswitch end's admin state,
 * so the fake's admin_up of pf0_N is what the VM would see.
 *
 * Each test gets a fresh backend with uplinks eth0, eth1 (both up, with
 * carrier), a namespace vm1, and an eswitch on it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/daemon.h"
#include "eswitch/eswitch.h"
#include "fake_backend.h"

#define LAG_SLOT 2

struct fx {
	struct fake fake;
	struct eswitch *sw;
	int up[2];
	char err[256];
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	fake_init(&fx->fake);
	fx->up[0] =
	    fake_dev_add(&fx->fake, "eth0",
			 (uint8_t[6]){0x52, 0x54, 0, 0, 0, 1}, true, true);
	fx->up[1] =
	    fake_dev_add(&fx->fake, "eth1",
			 (uint8_t[6]){0x52, 0x54, 0, 0, 0, 2}, true, true);
	fake_netns_add(&fx->fake, "vm1");
	fake_netns_add(&fx->fake, "vm2");
	fx->sw = eswitch_create_with_ops(&fake_ops, &fx->fake);
	*state = fx;
	return fx->sw ? 0 : -1;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	eswitch_destroy(fx->sw);
	assert_int_equal(fake_ports_attached(&fx->fake), 0);
	assert_int_equal(fake_fdb_count(&fx->fake), 0);
	assert_int_equal(fx->fake.ns_handles_open, 0);
	assert_int_equal(fx->fake.netns_handles_open, 0);
	free(fx);
	return 0;
}

static struct pf *add_pf(struct fx *fx, const char *name, const char *dev,
			 unsigned numvfs)
{
	struct pf *pf;

	assert_int_equal(
	    eswitch_pf_add(fx->sw, name, dev, NULL, fx->err, sizeof(fx->err)),
	    0);
	pf = eswitch_pf_find(fx->sw, name);
	assert_int_equal(eswitch_pf_set_numvfs(fx->sw, pf, numvfs, VF_TYPE_VETH,
					       false, fx->err, sizeof(fx->err)),
			 0);
	return pf;
}

static void move(struct fx *fx, struct pf *pf, unsigned v, const char *ns)
{
	assert_int_equal(
	    eswitch_vf_set(fx->sw, pf, v, NULL, ns, fx->err, sizeof(fx->err)),
	    0);
}

static struct fake_dev *dev(struct fx *fx, const char *ns, const char *name)
{
	struct fake_dev *d = fake_dev_find(&fx->fake, ns, name);

	assert_non_null(d);
	return d;
}

/* What the VM sees: a veth VF end has carrier while its peer is up. */
static bool vf_carrier(struct fx *fx, const char *rep)
{
	return dev(fx, "", rep)->admin_up;
}

static bool flood_has(struct fx *fx, uint32_t domain, int ifindex)
{
	const struct vflag_flood *fl = &fx->fake.flood[domain];

	for (uint32_t i = 0; i < fl->count; i++)
		if (fl->ifindex[i] == (uint32_t)ifindex)
			return true;
	return false;
}

/* A veth pair dies whole, as the kernel does it when the namespace holding
 * one end goes; the eswitch hears of its own end. */
static void kill_pair(struct fx *fx, const char *ns, const char *vf,
		      const char *rep)
{
	struct nl_link_event ev = {.deleted = true};
	struct fake_dev *r = dev(fx, "", rep);

	ev.ifindex = r->ifindex;
	snprintf(ev.name, sizeof(ev.name), "%s", rep);
	dev(fx, ns, vf)->used = false;
	r->used = false;
	assert_null(eswitch_link_event(fx->sw, &ev));
}

#define ASSERT_REFUSED(fx, call, ret, text)                                    \
	do {                                                                   \
		(fx)->err[0] = 0;                                              \
		assert_int_equal((call), (ret));                               \
		if (!strstr((fx)->err, (text)))                                \
			fail_msg("expected \"%s\" in \"%s\"", (text),          \
				 (fx)->err);                                   \
	} while (0)

static void test_vf_deleted_comes_back(void **state)
{
	struct fx *fx = *state;
	struct pf *pf = add_pf(fx, "pf0", "eth0", 2);
	struct eswitch_vf_status before, after, sib_before, sib_after;
	const struct fake_fdb *e;
	int old_rep, sib_rep;

	move(fx, pf, 0, "vm1");
	move(fx, pf, 1, "vm2");
	assert_int_equal(eswitch_vf_status(fx->sw, pf, 0, &before), 0);
	assert_int_equal(eswitch_vf_status(fx->sw, pf, 1, &sib_before), 0);
	old_rep = dev(fx, "", "pf0_0")->ifindex;
	sib_rep = dev(fx, "", "pf0_1")->ifindex;

	/* vm1 deleted: the pair dies, and is made again at once. */
	kill_pair(fx, "vm1", "pf0vf0", "pf0_0");
	assert_int_equal(eswitch_vf_status(fx->sw, pf, 0, &after), 0);
	assert_false(after.gone);
	assert_string_equal(after.ifname, "pf0vf0");
	assert_string_equal(after.rep, "pf0_0");
	assert_memory_equal(after.mac, before.mac, 6);
	assert_string_equal(after.pci, before.pci);
	assert_int_equal(after.port_id, before.port_id);
	assert_string_equal(after.netns, ""); /* back in vflagd's */
	assert_false(after.in_use);
	assert_true(after.link_up);
	/* The new pair, same names, same MAC on the VF end. */
	assert_int_not_equal(dev(fx, "", "pf0_0")->ifindex, old_rep);
	assert_memory_equal(dev(fx, "", "pf0vf0")->mac, before.mac, 6);
	assert_true(dev(fx, "", "pf0_0")->quiet);
	/* Hooked, in the fdb and the flood list under its new ifindex. */
	assert_false(fx->fake.ports[old_rep].attached);
	assert_true(fx->fake.ports[dev(fx, "", "pf0_0")->ifindex].attached);
	e = fake_fdb_find(&fx->fake, 0, before.mac);
	assert_non_null(e);
	assert_int_equal(e->ifindex, dev(fx, "", "pf0_0")->ifindex);
	assert_int_equal(e->port_id, before.port_id);
	assert_true(flood_has(fx, 0, dev(fx, "", "pf0_0")->ifindex));
	assert_false(flood_has(fx, 0, old_rep));

	/* The sibling is untouched: same device, still in vm2. */
	assert_int_equal(eswitch_vf_status(fx->sw, pf, 1, &sib_after), 0);
	assert_int_equal(dev(fx, "", "pf0_1")->ifindex, sib_rep);
	assert_string_equal(sib_after.netns, "vm2");
	assert_non_null(fake_dev_find(&fx->fake, "vm2", "pf0vf1"));
	assert_true(flood_has(fx, 0, sib_rep));
	assert_true(fx->fake.ports[sib_rep].attached);

	/* It can be given to a namespace again. */
	move(fx, pf, 0, "vm1");
	assert_non_null(fake_dev_find(&fx->fake, "vm1", "pf0vf0"));

	/* Deleted from inside (ip link del pf0vf0): the same. */
	kill_pair(fx, "vm1", "pf0vf0", "pf0_0");
	assert_int_equal(eswitch_vf_status(fx->sw, pf, 0, &after), 0);
	assert_false(after.gone);
	assert_non_null(fake_dev_find(&fx->fake, "", "pf0vf0"));
	move(fx, pf, 1, "-");
}

static void test_vf_respawn_fails_then_retries(void **state)
{
	struct fx *fx = *state;
	struct pf *pf = add_pf(fx, "pf0", "eth0", 1);
	struct eswitch_vf_status st;
	char why[128];

	move(fx, pf, 0, "vm1");
	fake_fail(&fx->fake, FAKE_OP_VETH_CREATE, 0, -ENOMEM);
	kill_pair(fx, "vm1", "pf0vf0", "pf0_0");
	assert_int_equal(eswitch_vf_status(fx->sw, pf, 0, &st), 0);
	assert_true(st.gone);
	assert_false(st.in_use);
	assert_false(eswitch_pf_vfs_in_use(fx->sw, pf, why, sizeof(why)));
	assert_null(fake_fdb_find(&fx->fake, 0, st.mac));
	assert_int_equal(fx->fake.flood[0].count, 0);
	/* The same event again changes nothing. */
	{
		struct nl_link_event again = {.deleted = true,
					      .ifindex = st.port_id + 1000};

		assert_null(eswitch_link_event(fx->sw, &again));
	}
	/* The next vf set tries again, and succeeds. */
	move(fx, pf, 0, "vm1");
	assert_int_equal(eswitch_vf_status(fx->sw, pf, 0, &st), 0);
	assert_false(st.gone);
	assert_string_equal(st.netns, "vm1");
	assert_non_null(fake_fdb_find(&fx->fake, 0, st.mac));
	/* Failing for good: refused, with what to do. */
	fake_fail(&fx->fake, FAKE_OP_VETH_CREATE, 0, -ENOMEM);
	kill_pair(fx, "vm1", "pf0vf0", "pf0_0");
	fake_fail(&fx->fake, FAKE_OP_VETH_CREATE, 0, -ENOMEM);
	ASSERT_REFUSED(fx,
		       eswitch_vf_set(fx->sw, pf, 0, NULL, "vm1", fx->err,
				      sizeof(fx->err)),
		       -ENODEV,
		       "VF 0 of pf0 vanished and cannot be made again (see "
		       "vflagd's log): set numvfs 0 and again");
}

static void test_uplink_gone_and_back(void **state)
{
	struct fx *fx = *state;
	struct pf *pf = add_pf(fx, "pf0", "eth0", 2);
	struct nl_link_event ev = {.ifindex = fx->up[0], .deleted = true};
	struct eswitch_pf_status st;
	int rep0 = dev(fx, "", "pf0_0")->ifindex;
	int newidx;

	move(fx, pf, 0, "vm1");
	assert_true(vf_carrier(fx, "pf0_0"));
	snprintf(ev.name, sizeof(ev.name), "eth0");
	fx->fake.devs[fx->up[0]].used = false;
	assert_ptr_equal(eswitch_link_event(fx->sw, &ev), pf);
	eswitch_pf_status(fx->sw, pf, &st);
	assert_true(st.gone);
	assert_false(st.carrier);
	assert_int_equal(st.numvfs, 2); /* its VFs stay */
	assert_non_null(fake_dev_find(&fx->fake, "vm1", "pf0vf0"));
	/* A lone PF's VFs in auto lose carrier with it. */
	assert_false(vf_carrier(fx, "pf0_0"));
	assert_false(vf_carrier(fx, "pf0_1"));

	/* An unrelated new link is not adopted. */
	ev = (struct nl_link_event){.ifindex = fx->up[1], .carrier = true};
	snprintf(ev.name, sizeof(ev.name), "eth1");
	assert_null(eswitch_link_event(fx->sw, &ev));
	assert_true(pf_gone(pf));

	/* eth0 made again: a new ifindex, adopted in place. */
	newidx =
	    fake_dev_add(&fx->fake, "eth0",
			 (uint8_t[6]){0x52, 0x54, 0, 0, 0, 9}, false, true);
	ev = (struct nl_link_event){.ifindex = newidx, .carrier = true};
	snprintf(ev.name, sizeof(ev.name), "eth0");
	assert_ptr_equal(eswitch_link_event(fx->sw, &ev), pf);
	assert_false(pf_gone(pf));
	assert_int_equal(pf_ifindex(pf), newidx);
	assert_true(fx->fake.devs[newidx].admin_up); /* brought up */
	assert_true(fx->fake.ports[newidx].attached);
	assert_int_equal(fx->fake.ports[newidx].entry.kind, VFLAG_PORT_UPLINK);
	assert_int_equal(fx->fake.ports[newidx].entry.id, pf_port_id(pf));
	assert_memory_equal(pf_mac(pf), fx->fake.devs[newidx].mac, 6);
	assert_ptr_equal(eswitch_pf_by_ifindex(fx->sw, newidx), pf);
	/* The VFs' entries name the new uplink; their devices are the same. */
	assert_int_equal(fx->fake.ports[rep0].entry.uplink_ifindex,
			 (uint32_t)newidx);
	assert_int_equal(dev(fx, "", "pf0_0")->ifindex, rep0);
	assert_true(pf_carrier(pf));
	assert_true(vf_carrier(fx, "pf0_0"));
	assert_true(vf_carrier(fx, "pf0_1"));
	/* The same event again is no change. */
	assert_null(eswitch_link_event(fx->sw, &ev));
	move(fx, pf, 0, "-");
}

static void test_uplink_back_in_lag(void **state)
{
	struct fx *fx = *state;
	struct pf *pf = add_pf(fx, "pf0", "eth0", 1);
	struct nl_link_event ev = {.ifindex = fx->up[0], .deleted = true};
	int newidx;

	assert_int_equal(eswitch_pf_join_lag(fx->sw, pf, LAG_SLOT, 1), 0);
	eswitch_lag_set_carry(fx->sw, LAG_SLOT, true);
	fx->fake.devs[fx->up[0]].used = false;
	assert_ptr_equal(eswitch_link_event(fx->sw, &ev), pf);
	/* In a LAG, the bond decides the VFs' carrier, not the member. */
	assert_true(vf_carrier(fx, "pf0_0"));
	newidx = fake_dev_add(&fx->fake, "eth0",
			      (uint8_t[6]){0x52, 0x54, 0, 0, 0, 9}, true, true);
	ev = (struct nl_link_event){.ifindex = newidx, .carrier = true};
	snprintf(ev.name, sizeof(ev.name), "eth0");
	assert_ptr_equal(eswitch_link_event(fx->sw, &ev), pf);
	/* Still the LAG's member, in its domain, at its index. */
	assert_int_equal(pf_lag_slot(pf), LAG_SLOT);
	assert_int_equal(fx->fake.ports[newidx].entry.lag_slot, LAG_SLOT);
	assert_int_equal(fx->fake.ports[newidx].entry.member_index, 1);
	assert_int_equal(fx->fake.ports[newidx].entry.domain,
			 ESWITCH_DOMAIN_LAG_BASE + LAG_SLOT);
	eswitch_pf_leave_lag(fx->sw, pf);
}

static void test_resync_after_lost_events(void **state)
{
	struct fx *fx = *state;
	struct pf *pf = add_pf(fx, "pf0", "eth0", 2);
	int sib = dev(fx, "", "pf0_1")->ifindex;
	int newidx;

	/* Both vanish with nobody told: a resync finds out. */
	dev(fx, "", "pf0_0")->used = false;
	dev(fx, "", "pf0vf0")->used = false;
	fx->fake.devs[fx->up[0]].used = false;
	assert_int_equal(eswitch_resync(fx->sw), 1); /* pf0 changed */
	assert_true(pf_gone(pf));
	assert_non_null(fake_dev_find(&fx->fake, "", "pf0_0"));
	assert_int_equal(dev(fx, "", "pf0_1")->ifindex, sib);
	/* Nothing new: no change. */
	assert_int_equal(eswitch_resync(fx->sw), 0);
	newidx = fake_dev_add(&fx->fake, "eth0",
			      (uint8_t[6]){0x52, 0x54, 0, 0, 0, 9}, true, true);
	assert_int_equal(eswitch_resync(fx->sw), 1);
	assert_int_equal(pf_ifindex(pf), newidx);
	assert_false(pf_gone(pf));
}

static void test_vf_tracked_by_ifindex(void **state)
{
	struct fx *fx = *state;
	struct pf *pf = add_pf(fx, "pf0", "eth0", 1);
	const uint8_t mac[6] = {0x6a, 0x66, 0x2d, 0x48, 0x92, 0xc3};
	struct fake_dev *vf, *planted;
	size_t el = sizeof(fx->err);
	int planted_idx;

	move(fx, pf, 0, "vm1");
	vf = dev(fx, "vm1", "pf0vf0");
	/* The tenant renames its VF and plants another pf0vf0. */
	snprintf(vf->name, sizeof(vf->name), "eth9");
	planted_idx =
	    fake_dev_add(&fx->fake, "pf0vf0",
			 (uint8_t[6]){0x02, 0, 0, 0, 0, 0x66}, true, true);
	planted = &fx->fake.devs[planted_idx];
	snprintf(planted->netns, sizeof(planted->netns), "vm1");

	ASSERT_REFUSED(
	    fx, eswitch_vf_set(fx->sw, pf, 0, NULL, "-", fx->err, el), -EBUSY,
	    "pf0vf0 (ifindex 5) was renamed eth9 in namespace vm1: "
	    "rename it back first (ip link set eth9 name pf0vf0)");
	ASSERT_REFUSED(fx,
		       eswitch_vf_set(fx->sw, pf, 0, NULL, "vm2", fx->err, el),
		       -EBUSY, "was renamed eth9");
	ASSERT_REFUSED(fx,
		       eswitch_vf_set(fx->sw, pf, 0, mac, NULL, fx->err, el),
		       -EBUSY, "was renamed eth9");
	/* Neither device moved nor changed. */
	assert_string_equal(planted->netns, "vm1");
	assert_string_equal(vf->netns, "vm1");
	assert_memory_not_equal(planted->mac, mac, 6);
	assert_memory_not_equal(vf->mac, mac, 6);

	/* The planted one gone, the VF moved off elsewhere by the tenant. */
	planted->used = false;
	snprintf(vf->name, sizeof(vf->name), "pf0vf0");
	snprintf(vf->netns, sizeof(vf->netns), "vm2");
	ASSERT_REFUSED(
	    fx, eswitch_vf_set(fx->sw, pf, 0, NULL, "-", fx->err, el), -ENODEV,
	    "pf0vf0 (ifindex 5) is not in namespace vm1 any more");
	assert_string_equal(vf->netns, "vm2");

	/* Back where we put it, under its name: it moves. */
	snprintf(vf->netns, sizeof(vf->netns), "vm1");
	assert_int_equal(eswitch_vf_set(fx->sw, pf, 0, mac, "-", fx->err, el),
			 0);
	assert_string_equal(vf->netns, "");
	assert_memory_equal(vf->mac, mac, 6);
}

static void test_link_state_lone_pf(void **state)
{
	struct fx *fx = *state;
	struct pf *pf = add_pf(fx, "pf0", "eth0", 3);
	struct nl_link_event ev = {.ifindex = fx->up[0], .carrier = false};
	struct eswitch_vf_status st;
	size_t el = sizeof(fx->err);

	assert_int_equal(eswitch_vf_status(fx->sw, pf, 0, &st), 0);
	assert_int_equal(st.link_state, VF_LINK_AUTO); /* the default */
	assert_int_equal(
	    eswitch_vf_set_state(fx->sw, pf, 1, VF_LINK_ENABLE, fx->err, el),
	    0);
	assert_int_equal(
	    eswitch_vf_set_state(fx->sw, pf, 2, VF_LINK_DISABLE, fx->err, el),
	    0);
	assert_true(vf_carrier(fx, "pf0_0"));
	assert_true(vf_carrier(fx, "pf0_1"));
	assert_false(vf_carrier(fx, "pf0_2"));

	/* The uplink's carrier lost: auto follows, the others hold. */
	assert_ptr_equal(eswitch_link_event(fx->sw, &ev), pf);
	assert_false(vf_carrier(fx, "pf0_0"));
	assert_true(vf_carrier(fx, "pf0_1"));
	assert_false(vf_carrier(fx, "pf0_2"));
	assert_int_equal(eswitch_vf_status(fx->sw, pf, 0, &st), 0);
	assert_false(st.link_up);
	ev.carrier = true;
	assert_ptr_equal(eswitch_link_event(fx->sw, &ev), pf);
	assert_true(vf_carrier(fx, "pf0_0"));
	assert_true(vf_carrier(fx, "pf0_1"));
	assert_false(vf_carrier(fx, "pf0_2"));

	/* Back to auto: it follows at once. */
	assert_int_equal(
	    eswitch_vf_set_state(fx->sw, pf, 2, VF_LINK_AUTO, fx->err, el), 0);
	assert_true(vf_carrier(fx, "pf0_2"));
	ASSERT_REFUSED(
	    fx, eswitch_vf_set_state(fx->sw, pf, 3, VF_LINK_AUTO, fx->err, el),
	    -ENOENT, "pf0 has no VF 3");
}

static void test_link_state_lag(void **state)
{
	struct fx *fx = *state;
	struct pf *pf0 = add_pf(fx, "pf0", "eth0", 1);
	struct pf *pf1 = add_pf(fx, "pf1", "eth1", 1);
	struct nl_link_event ev = {.ifindex = fx->up[0], .carrier = false};

	assert_int_equal(eswitch_pf_join_lag(fx->sw, pf0, LAG_SLOT, 0), 0);
	assert_int_equal(eswitch_pf_join_lag(fx->sw, pf1, LAG_SLOT, 1), 0);
	assert_int_equal(eswitch_vf_set_state(fx->sw, pf1, 0, VF_LINK_ENABLE,
					      fx->err, sizeof(fx->err)),
			 0);
	/* The LAG cannot carry (the daemon says so from the bond). */
	eswitch_lag_set_carry(fx->sw, LAG_SLOT, false);
	assert_false(vf_carrier(fx, "pf0_0"));
	assert_true(vf_carrier(fx, "pf1_0"));
	eswitch_lag_set_carry(fx->sw, LAG_SLOT, true);
	assert_true(vf_carrier(fx, "pf0_0"));
	/* A member's own carrier is the bond's business, not the VFs'. */
	assert_ptr_equal(eswitch_link_event(fx->sw, &ev), pf0);
	assert_true(vf_carrier(fx, "pf0_0"));
	/* Another LAG's verdict does not reach it. */
	eswitch_lag_set_carry(fx->sw, LAG_SLOT + 1, false);
	assert_true(vf_carrier(fx, "pf0_0"));
	/* Out of the LAG, a lone PF follows its own carrier (down). */
	eswitch_pf_leave_lag(fx->sw, pf0);
	assert_false(vf_carrier(fx, "pf0_0"));
	eswitch_pf_leave_lag(fx->sw, pf1);
	assert_true(vf_carrier(fx, "pf1_0"));
}

static void test_link_state_tap_refused(void **state)
{
	struct fx *fx = *state;
	struct pf *pf;

	assert_int_equal(eswitch_pf_add(fx->sw, "pf0", "eth0", NULL, fx->err,
					sizeof(fx->err)),
			 0);
	pf = eswitch_pf_find(fx->sw, "pf0");
	assert_int_equal(eswitch_pf_set_numvfs(fx->sw, pf, 1, VF_TYPE_TAP,
					       false, fx->err, sizeof(fx->err)),
			 0);
	/* A TAP deleted comes back persistent, up, with its MAC. */
	{
		struct fake_dev *tap = dev(fx, "", "pf0vf0");
		struct nl_link_event ev = {.deleted = true,
					   .ifindex = tap->ifindex};
		uint8_t mac[6];

		memcpy(mac, tap->mac, 6);
		tap->used = false;
		assert_null(eswitch_link_event(fx->sw, &ev));
		tap = dev(fx, "", "pf0vf0");
		assert_true(tap->tap);
		assert_true(tap->admin_up);
		assert_int_not_equal(tap->ifindex, ev.ifindex);
		assert_memory_equal(tap->mac, mac, 6);
		assert_true(fx->fake.ports[tap->ifindex].attached);
	}
	ASSERT_REFUSED(fx,
		       eswitch_vf_set_state(fx->sw, pf, 0, VF_LINK_DISABLE,
					    fx->err, sizeof(fx->err)),
		       -EOPNOTSUPP,
		       "pf0vf0 is a TAP: the link a VM sees is QEMU's");
}

static void test_state_names(void **state)
{
	enum vf_link_state s;

	(void)state;
	assert_int_equal(vf_link_state_parse("auto", &s), 0);
	assert_int_equal(s, VF_LINK_AUTO);
	assert_int_equal(vf_link_state_parse("enable", &s), 0);
	assert_int_equal(s, VF_LINK_ENABLE);
	assert_int_equal(vf_link_state_parse("disable", &s), 0);
	assert_int_equal(s, VF_LINK_DISABLE);
	assert_int_equal(vf_link_state_parse("on", &s), -EINVAL);
	assert_string_equal(vf_link_state_name(VF_LINK_DISABLE), "disable");
}

/* The daemon's verdict from a published LAG. */
static void test_lag_can_carry(void **state)
{
	struct vflag_lag lag = {0};

	(void)state;
	assert_false(vflagd_lag_can_carry(NULL, BOND_MODE_ACTIVE_BACKUP, 0));
	assert_false(vflagd_lag_can_carry(&lag, BOND_MODE_ACTIVE_BACKUP, 0));
	assert_false(vflagd_lag_can_carry(&lag, BOND_MODE_8023AD, 0));
	lag.tx_count = 1;
	assert_true(vflagd_lag_can_carry(&lag, BOND_MODE_ACTIVE_BACKUP, 0));
	assert_true(vflagd_lag_can_carry(&lag, BOND_MODE_XOR, 2));
	assert_true(vflagd_lag_can_carry(&lag, BOND_MODE_8023AD, 1));
	/* Fewer distributing than min_links: down (802.3ad only, as Linux). */
	assert_false(vflagd_lag_can_carry(&lag, BOND_MODE_8023AD, 2));
	lag.tx_count = 2;
	assert_true(vflagd_lag_can_carry(&lag, BOND_MODE_8023AD, 2));
	/* Collecting but not distributing carries nothing out. */
	lag.tx_count = 0;
	lag.rx_mask = 3;
	assert_false(vflagd_lag_can_carry(&lag, BOND_MODE_8023AD, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	    T(test_vf_deleted_comes_back),
	    T(test_vf_respawn_fails_then_retries),
	    T(test_uplink_gone_and_back),
	    T(test_uplink_back_in_lag),
	    T(test_resync_after_lost_events),
	    T(test_vf_tracked_by_ifindex),
	    T(test_link_state_lone_pf),
	    T(test_link_state_lag),
	    T(test_link_state_tap_refused),
	    cmocka_unit_test(test_state_names),
	    cmocka_unit_test(test_lag_can_carry),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
