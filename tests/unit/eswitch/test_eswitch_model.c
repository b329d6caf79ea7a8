/* Unit tests of the eswitch model (src/eswitch) on the in-memory backend
 * (fake_backend.c): the rules of PFs, VFs and domains, with no root, BPF
 * or netlink. What the datapath does with the entries is
 * test_eswitch_bpf.c's business; here we check which entries the model
 * writes, and when.
 *
 * Every test gets a fresh backend holding three uplinks, eth0..eth2, and
 * an eswitch on it (the fixture); most add PFs pf0 (eth0, slot 0) and pf1
 * (eth1, slot 1). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/log.h"
#include "eswitch/eswitch.h"
#include "fake_backend.h"

#define LAG_SLOT 3
#define LAG_DOMAIN (ESWITCH_DOMAIN_LAG_BASE + LAG_SLOT)

struct fx {
	struct fake fake;
	struct eswitch *sw;
	int up[3]; /* ifindex of eth0..eth2 */
	char err[256];
};

static const uint8_t up_mac[3][6] = {
    {0x52, 0x54, 0, 0, 0, 1},
    {0x52, 0x54, 0, 0, 0, 2},
    {0x52, 0x54, 0, 0, 0, 3},
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	char name[8];

	if (!fx)
		return -1;
	fake_init(&fx->fake);
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "eth%d", i);
		/* eth2 starts down: pf add must bring it up. */
		fx->up[i] =
		    fake_dev_add(&fx->fake, name, up_mac[i], i != 2, true);
	}
	fake_netns_add(&fx->fake, "vm1");
	fx->sw = eswitch_create_with_ops(&fake_ops, &fx->fake);
	if (!fx->sw) {
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	eswitch_destroy(fx->sw);
	/* Whatever the test left, destroy releases it all. */
	assert_int_equal(fake_ports_attached(&fx->fake), 0);
	assert_int_equal(fake_fdb_count(&fx->fake), 0);
	assert_int_equal(fx->fake.ns_handles_open, 0);
	assert_int_equal(fx->fake.netns_handles_open, 0);
	free(fx);
	return 0;
}

static struct pf *add_pf(struct fx *fx, const char *name, const char *dev)
{
	assert_int_equal(
	    eswitch_pf_add(fx->sw, name, dev, NULL, fx->err, sizeof(fx->err)),
	    0);
	return eswitch_pf_find(fx->sw, name);
}

static void set_numvfs(struct fx *fx, struct pf *pf, unsigned n,
		       enum vf_type type)
{
	assert_int_equal(eswitch_pf_set_numvfs(fx->sw, pf, n, type, false,
					       fx->err, sizeof(fx->err)),
			 0);
}

static void vf_status(struct fx *fx, struct pf *pf, unsigned v,
		      struct eswitch_vf_status *st)
{
	assert_int_equal(eswitch_vf_status(fx->sw, pf, v, st), 0);
}

/* The port entry the model wrote for a device. */
static const struct vflag_port *port_of(struct fx *fx, const char *dev)
{
	struct fake_dev *d = fake_dev_find(&fx->fake, "", dev);

	assert_non_null(d);
	assert_true(fx->fake.ports[d->ifindex].attached);
	return &fx->fake.ports[d->ifindex].entry;
}

static bool flood_has(struct fx *fx, uint32_t domain, const char *rep)
{
	const struct vflag_flood *fl = &fx->fake.flood[domain];
	struct fake_dev *d = fake_dev_find(&fx->fake, "", rep);

	for (uint32_t i = 0; d && i < fl->count; i++)
		if (fl->ifindex[i] == (uint32_t)d->ifindex)
			return true;
	return false;
}

#define ASSERT_REFUSED(fx, call, ret, text)                                    \
	do {                                                                   \
		(fx)->err[0] = 0;                                              \
		assert_int_equal((call), (ret));                               \
		assert_non_null(strstr((fx)->err, (text)));                    \
	} while (0)

static void test_name_rule(void **state)
{
	assert_true(eswitch_name_valid("pf0"));
	assert_true(eswitch_name_valid("abcdefgh"));
	assert_false(eswitch_name_valid(""));
	assert_false(eswitch_name_valid("abcdefghi")); /* 9: too long */
	assert_false(eswitch_name_valid("0pf"));
	assert_false(eswitch_name_valid("Pf0"));
	assert_false(eswitch_name_valid("pf-0"));
}

static void test_pf_add_refusals(void **state)
{
	struct fx *fx = *state;
	size_t el = sizeof(fx->err);

	ASSERT_REFUSED(fx,
		       eswitch_pf_add(fx->sw, "PF0", "eth0", NULL, fx->err, el),
		       -EINVAL, "bad PF name 'PF0'");
	ASSERT_REFUSED(
	    fx,
	    eswitch_pf_add(fx->sw, "pf0", "eth0", "0000:61:00", fx->err, el),
	    -EINVAL, "bad PCI address '0000:61:00'");
	ASSERT_REFUSED(
	    fx,
	    eswitch_pf_add(fx->sw, "pf0", "eth0", "0000:61:20.0", fx->err, el),
	    -EINVAL, "bad PCI address"); /* slot 0x20 > 31 */
	ASSERT_REFUSED(fx,
		       eswitch_pf_add(fx->sw, "pf0", "eth9", NULL, fx->err, el),
		       -ENODEV, "no interface 'eth9'");
	ASSERT_REFUSED(fx,
		       eswitch_pf_add(fx->sw, "pf0", "lo", NULL, fx->err, el),
		       -EINVAL, "loopback");
	add_pf(fx, "pf0", "eth0");
	ASSERT_REFUSED(fx,
		       eswitch_pf_add(fx->sw, "pf0", "eth1", NULL, fx->err, el),
		       -EEXIST, "PF pf0 exists already");
	ASSERT_REFUSED(fx,
		       eswitch_pf_add(fx->sw, "pf1", "eth0", NULL, fx->err, el),
		       -EBUSY, "already adopted as PF pf0");
	set_numvfs(fx, eswitch_pf_find(fx->sw, "pf0"), 1, VF_TYPE_VETH);
	ASSERT_REFUSED(
	    fx, eswitch_pf_add(fx->sw, "pf1", "pf0vf0", NULL, fx->err, el),
	    -EINVAL, "one of vflag's own VF ports");
	ASSERT_REFUSED(
	    fx, eswitch_pf_add(fx->sw, "pf1", "pf0_0", NULL, fx->err, el),
	    -EINVAL, "one of vflag's own VF ports");
	/* No refusal left anything behind. */
	assert_null(eswitch_pf_at(fx->sw, 1));
	assert_int_equal(fake_ports_attached(&fx->fake), 2);
}

static void test_pf_add_programs_uplink(void **state)
{
	struct fx *fx = *state;
	struct eswitch_pf_status st;
	struct pf *pf0 = add_pf(fx, "pf0", "eth0");
	struct pf *pf2;
	const struct vflag_port *p;

	assert_int_equal(eswitch_pf_add(fx->sw, "pf2", "eth2", "0000:3b:00.1",
					fx->err, sizeof(fx->err)),
			 0);
	pf2 = eswitch_pf_find(fx->sw, "pf2");
	assert_ptr_equal(eswitch_pf_at(fx->sw, 0), pf0);
	assert_ptr_equal(eswitch_pf_at(fx->sw, 1), pf2);
	assert_ptr_equal(eswitch_pf_by_ifindex(fx->sw, fx->up[2]), pf2);
	assert_null(eswitch_dp(fx->sw)); /* not the kernel backend */
	/* Adopting a down uplink brings it up. */
	assert_true(fx->fake.devs[fx->up[2]].admin_up);

	p = port_of(fx, "eth0");
	assert_int_equal(p->kind, VFLAG_PORT_UPLINK);
	assert_int_equal(p->id, pf_port_id(pf0));
	assert_int_equal(p->domain, 0); /* its slot: a domain of its own */
	assert_int_equal(p->lag_slot, VFLAG_NO_LAG);
	assert_int_equal(port_of(fx, "eth2")->domain, 1);

	eswitch_pf_status(fx->sw, pf0, &st);
	assert_string_equal(st.name, "pf0");
	assert_string_equal(st.dev, "eth0");
	assert_int_equal(st.ifindex, fx->up[0]);
	assert_memory_equal(st.mac, up_mac[0], 6);
	assert_string_equal(st.pci, "0000:61:00.0"); /* by slot */
	assert_true(st.carrier);
	assert_false(st.gone);
	assert_int_equal(st.numvfs, 0);
	assert_int_equal(st.lag_slot, -1);
	eswitch_pf_status(fx->sw, pf2, &st);
	assert_string_equal(st.pci, "0000:3b:00.1");
}

static void test_pf_add_unwinds(void **state)
{
	struct fx *fx = *state;
	struct pf *pf;

	fake_fail(&fx->fake, FAKE_OP_PORT_ATTACH, 0, -EPERM);
	ASSERT_REFUSED(fx,
		       eswitch_pf_add(fx->sw, "pf0", "eth0", NULL, fx->err,
				      sizeof(fx->err)),
		       -EPERM, "cannot attach the eswitch to eth0");
	assert_null(eswitch_pf_find(fx->sw, "pf0"));
	fake_fail(&fx->fake, FAKE_OP_LINK_SET_UP, 0, -EIO);
	ASSERT_REFUSED(fx,
		       eswitch_pf_add(fx->sw, "pf2", "eth2", NULL, fx->err,
				      sizeof(fx->err)),
		       -EIO, "cannot bring eth2 up");
	/* Neither kept its port id or slot. */
	pf = add_pf(fx, "pf0", "eth0");
	assert_int_equal(pf_port_id(pf), 0);
	assert_int_equal(port_of(fx, "eth0")->domain, 0);
}

static void test_numvfs_through_zero(void **state)
{
	struct fx *fx = *state;
	struct pf *pf = add_pf(fx, "pf0", "eth0");
	struct eswitch_pf_status st;

	set_numvfs(fx, pf, 2, VF_TYPE_VETH);
	ASSERT_REFUSED(fx,
		       eswitch_pf_set_numvfs(fx->sw, pf, 3, VF_TYPE_VETH, false,
					     fx->err, sizeof(fx->err)),
		       -EBUSY, "pf0 has 2 VFs: set numvfs 0 first, then 3");
	/* Not even a change of type, but the same again is no change. */
	ASSERT_REFUSED(fx,
		       eswitch_pf_set_numvfs(fx->sw, pf, 2, VF_TYPE_TAP, false,
					     fx->err, sizeof(fx->err)),
		       -EBUSY, "set numvfs 0 first");
	set_numvfs(fx, pf, 2, VF_TYPE_VETH);
	ASSERT_REFUSED(fx,
		       eswitch_pf_set_numvfs(fx->sw, pf, ESWITCH_MAX_VFS + 1,
					     VF_TYPE_VETH, false, fx->err,
					     sizeof(fx->err)),
		       -ERANGE, "numvfs 65 is more than 64");
	eswitch_pf_status(fx->sw, pf, &st);
	assert_int_equal(st.numvfs, 2);
	set_numvfs(fx, pf, 0, VF_TYPE_VETH);
	assert_null(fake_dev_find(&fx->fake, "", "pf0vf0"));
	assert_null(fake_dev_find(&fx->fake, "", "pf0_1"));
	set_numvfs(fx, pf, 3, VF_TYPE_VETH);
	eswitch_pf_status(fx->sw, pf, &st);
	assert_int_equal(st.numvfs, 3);
	assert_int_equal(
	    eswitch_vf_status(fx->sw, pf, 3, &(struct eswitch_vf_status){0}),
	    -ENOENT);
}

static void test_veth_and_tap(void **state)
{
	struct fx *fx = *state;
	struct pf *pf = add_pf(fx, "pf0", "eth0");
	struct eswitch_vf_status st;
	struct fake_dev *rep, *vf;
	const struct vflag_port *p;

	set_numvfs(fx, pf, 2, VF_TYPE_VETH);
	vf_status(fx, pf, 1, &st);
	assert_string_equal(st.ifname, "pf0vf1");
	assert_string_equal(st.rep, "pf0_1");
	assert_int_equal(st.type, VF_TYPE_VETH);
	rep = fake_dev_find(&fx->fake, "", "pf0_1");
	vf = fake_dev_find(&fx->fake, "", "pf0vf1");
	assert_non_null(rep);
	assert_non_null(vf);
	assert_int_equal(rep->peer, vf->ifindex);
	/* The eswitch end is up and quiet; the VF end gets the VF's MAC. */
	assert_true(rep->admin_up);
	assert_true(rep->quiet);
	assert_memory_equal(vf->mac, st.mac, 6);
	p = port_of(fx, "pf0_1");
	assert_int_equal(p->kind, VFLAG_PORT_VF);
	assert_int_equal(p->id, st.port_id);
	assert_memory_equal(p->mac, st.mac, 6);
	assert_int_equal(p->uplink_ifindex, fx->up[0]);
	/* Isolated by default: spoof check on, storms limited. */
	assert_int_equal(p->flags, VFLAG_PORT_F_SPOOFCHK);
	assert_int_equal(p->storm_pps, VFLAG_STORM_PPS_DEFAULT);
	assert_int_equal(p->storm_burst, VFLAG_STORM_BURST_DEFAULT);

	set_numvfs(fx, pf, 0, VF_TYPE_VETH);
	set_numvfs(fx, pf, 1, VF_TYPE_TAP);
	vf_status(fx, pf, 0, &st);
	assert_int_equal(st.type, VF_TYPE_TAP);
	/* A TAP is both ends: the VM's and the eswitch's. */
	assert_string_equal(st.ifname, "pf0vf0");
	assert_string_equal(st.rep, "pf0vf0");
	assert_true(fake_dev_find(&fx->fake, "", "pf0vf0")->tap);
	assert_null(fake_dev_find(&fx->fake, "", "pf0_0"));
	assert_true(port_of(fx, "pf0vf0")->kind == VFLAG_PORT_VF);
	set_numvfs(fx, pf, 0, VF_TYPE_VETH);
	assert_null(fake_dev_find(&fx->fake, "", "pf0vf0"));
}

static void test_vf_create_unwinds(void **state)
{
	struct fx *fx = *state;
	struct pf *pf = add_pf(fx, "pf0", "eth0");
	unsigned devs = fake_devs_count(&fx->fake);
	struct eswitch_pf_status st;

	/* A name clash at the second VF undoes the first. */
	fake_dev_add(&fx->fake, "pf0vf1", up_mac[0], false, false);
	ASSERT_REFUSED(fx,
		       eswitch_pf_set_numvfs(fx->sw, pf, 3, VF_TYPE_VETH, false,
					     fx->err, sizeof(fx->err)),
		       -EEXIST,
		       "cannot create veth pf0vf1: File exists (a device of "
		       "that name exists)");
	assert_int_equal(fake_devs_count(&fx->fake), devs + 1);
	assert_int_equal(fake_ports_attached(&fx->fake), 1);
	assert_int_equal(fake_fdb_count(&fx->fake), 0);
	eswitch_pf_status(fx->sw, pf, &st);
	assert_int_equal(st.numvfs, 0);
	/* The same at each later step of one VF. */
	fake_fail(&fx->fake, FAKE_OP_FDB_SET, 0, -ENOSPC);
	ASSERT_REFUSED(fx,
		       eswitch_pf_set_numvfs(fx->sw, pf, 1, VF_TYPE_TAP, false,
					     fx->err, sizeof(fx->err)),
		       -ENOSPC, "cannot add pf0vf0 to the switching table");
	fake_fail(&fx->fake, FAKE_OP_PORT_ATTACH, 0, -EPERM);
	ASSERT_REFUSED(fx,
		       eswitch_pf_set_numvfs(fx->sw, pf, 1, VF_TYPE_VETH, false,
					     fx->err, sizeof(fx->err)),
		       -EPERM, "cannot attach the eswitch to pf0_0");
	fake_fail(&fx->fake, FAKE_OP_FLOOD_SET, 0, -EIO);
	ASSERT_REFUSED(fx,
		       eswitch_pf_set_numvfs(fx->sw, pf, 1, VF_TYPE_VETH, false,
					     fx->err, sizeof(fx->err)),
		       -EIO, "cannot program broadcast copies");
	assert_int_equal(fake_devs_count(&fx->fake), devs + 1);
	assert_int_equal(fake_ports_attached(&fx->fake), 1);
	assert_int_equal(fake_fdb_count(&fx->fake), 0);
	/* And the port ids came back: the next VF gets id 1. */
	set_numvfs(fx, pf, 1, VF_TYPE_TAP);
	assert_int_equal(port_of(fx, "pf0vf0")->id, 1);
}

static void test_vf_mac_default_and_unique(void **state)
{
	struct fx *fx = *state;
	struct pf *pf0 = add_pf(fx, "pf0", "eth0");
	struct pf *pf1 = add_pf(fx, "pf1", "eth1");
	const uint8_t mac[6] = {0x6a, 0x66, 0x2d, 0x48, 0x92, 0xc3};
	const uint8_t mcast[6] = {0x01, 0, 0x5e, 0, 0, 1};
	const uint8_t zero[6] = {0};
	struct eswitch_vf_status a, b, c;
	uint8_t first[6];
	size_t el = sizeof(fx->err);

	set_numvfs(fx, pf0, 2, VF_TYPE_VETH);
	set_numvfs(fx, pf1, 1, VF_TYPE_VETH);
	vf_status(fx, pf0, 0, &a);
	vf_status(fx, pf0, 1, &b);
	vf_status(fx, pf1, 0, &c);
	/* Locally administered unicast, one per PF and index
	 * (test_vf_policy.c checks the machine's part). */
	assert_int_equal(a.mac[0] & 0x03, 0x02);
	assert_int_equal(b.mac[0] & 0x03, 0x02);
	assert_memory_not_equal(a.mac, b.mac, 6);
	assert_memory_not_equal(a.mac, c.mac, 6);
	assert_memory_not_equal(b.mac, c.mac, 6);
	/* Stable: the same name and index give it again. */
	memcpy(first, a.mac, 6);
	set_numvfs(fx, pf0, 0, VF_TYPE_VETH);
	set_numvfs(fx, pf0, 2, VF_TYPE_VETH);
	vf_status(fx, pf0, 0, &a);
	assert_memory_equal(a.mac, first, 6);
	assert_non_null(fake_fdb_find(&fx->fake, 0, first));

	ASSERT_REFUSED(fx,
		       eswitch_vf_set(fx->sw, pf0, 0, mcast, NULL, fx->err, el),
		       -EINVAL, "a VF needs a unicast, non-zero MAC");
	ASSERT_REFUSED(fx,
		       eswitch_vf_set(fx->sw, pf0, 0, zero, NULL, fx->err, el),
		       -EINVAL, "unicast, non-zero");
	ASSERT_REFUSED(fx,
		       eswitch_vf_set(fx->sw, pf0, 0, b.mac, NULL, fx->err, el),
		       -EEXIST, "VF 1 of pf0 has that MAC already");
	ASSERT_REFUSED(fx,
		       eswitch_vf_set(fx->sw, pf0, 2, mac, NULL, fx->err, el),
		       -ENOENT, "pf0 has no VF 2 (numvfs is 2)");
	/* Another domain may use it: the fdb is per domain. */
	assert_int_equal(
	    eswitch_vf_set(fx->sw, pf0, 0, c.mac, NULL, fx->err, el), 0);
	assert_int_equal(eswitch_vf_set(fx->sw, pf0, 0, mac, NULL, fx->err, el),
			 0);
	/* The device, the fdb and the port entry follow. */
	assert_memory_equal(fake_dev_find(&fx->fake, "", "pf0vf0")->mac, mac,
			    6);
	assert_null(fake_fdb_find(&fx->fake, 0, first));
	assert_null(fake_fdb_find(&fx->fake, 0, c.mac));
	assert_int_equal(fake_fdb_find(&fx->fake, 0, mac)->port_id, a.port_id);
	assert_memory_equal(port_of(fx, "pf0_0")->mac, mac, 6);
	/* A failed device write changes nothing. */
	fake_fail(&fx->fake, FAKE_OP_LINK_SET_MAC, 0, -EPERM);
	ASSERT_REFUSED(fx,
		       eswitch_vf_set(fx->sw, pf0, 0, first, NULL, fx->err, el),
		       -EPERM, "cannot set the MAC of pf0vf0");
	vf_status(fx, pf0, 0, &a);
	assert_memory_equal(a.mac, mac, 6);
	fake_fail(&fx->fake, FAKE_OP_FDB_SET, 0, -ENOSPC);
	ASSERT_REFUSED(fx,
		       eswitch_vf_set(fx->sw, pf0, 0, first, NULL, fx->err, el),
		       -ENOSPC, "cannot update the switching table");
	vf_status(fx, pf0, 0, &a);
	assert_memory_equal(a.mac, mac, 6);
	assert_non_null(fake_fdb_find(&fx->fake, 0, mac));
}

static void test_vf_netns(void **state)
{
	struct fx *fx = *state;
	struct pf *pf0 = add_pf(fx, "pf0", "eth0");
	struct pf *pf1 = add_pf(fx, "pf1", "eth1");
	const uint8_t mac[6] = {0x6a, 0x66, 0x2d, 0x48, 0x92, 0xc3};
	struct eswitch_vf_status st;
	char why[128];
	size_t el = sizeof(fx->err);

	set_numvfs(fx, pf0, 1, VF_TYPE_VETH);
	set_numvfs(fx, pf1, 1, VF_TYPE_TAP);
	ASSERT_REFUSED(
	    fx, eswitch_vf_set(fx->sw, pf1, 0, NULL, "vm1", fx->err, el),
	    -EINVAL,
	    "pf1vf0 is a TAP for a VM (qemu -netdev tap,ifname=pf1vf0)");
	ASSERT_REFUSED(
	    fx, eswitch_vf_set(fx->sw, pf0, 0, NULL, "nope", fx->err, el),
	    -ENOENT,
	    "no network namespace 'nope' (No such file or directory): create "
	    "it with `ip netns add nope`");
	assert_false(eswitch_pf_vfs_in_use(fx->sw, pf0, why, sizeof(why)));

	assert_int_equal(
	    eswitch_vf_set(fx->sw, pf0, 0, NULL, "vm1", fx->err, el), 0);
	assert_non_null(fake_dev_find(&fx->fake, "vm1", "pf0vf0"));
	assert_null(fake_dev_find(&fx->fake, "", "pf0vf0"));
	vf_status(fx, pf0, 0, &st);
	assert_string_equal(st.netns, "vm1");
	assert_true(st.in_use);
	assert_true(eswitch_pf_vfs_in_use(fx->sw, pf0, why, sizeof(why)));
	assert_string_equal(why, "VF 0 of pf0 (pf0vf0) is in namespace vm1");
	/* Again is no change; the MAC is set inside the namespace. */
	assert_int_equal(
	    eswitch_vf_set(fx->sw, pf0, 0, mac, "vm1", fx->err, el), 0);
	assert_memory_equal(fake_dev_find(&fx->fake, "vm1", "pf0vf0")->mac, mac,
			    6);
	/* A namespace that cannot be entered any more. */
	fake_fail(&fx->fake, FAKE_OP_NS_OPEN, 0, -ENOENT);
	ASSERT_REFUSED(fx,
		       eswitch_vf_set(fx->sw, pf0, 0, NULL, "-", fx->err, el),
		       -ENOENT, "cannot reach namespace vm1");
	fake_fail(&fx->fake, FAKE_OP_LINK_SET_NETNS, 0, -EPERM);
	ASSERT_REFUSED(fx,
		       eswitch_vf_set(fx->sw, pf0, 0, NULL, "-", fx->err, el),
		       -EPERM, "cannot move pf0vf0");
	vf_status(fx, pf0, 0, &st);
	assert_string_equal(st.netns, "vm1");

	assert_int_equal(eswitch_vf_set(fx->sw, pf0, 0, NULL, "-", fx->err, el),
			 0);
	assert_non_null(fake_dev_find(&fx->fake, "", "pf0vf0"));
	vf_status(fx, pf0, 0, &st);
	assert_string_equal(st.netns, "");
	assert_false(st.in_use);
	/* Back when back already is no change. */
	assert_int_equal(eswitch_vf_set(fx->sw, pf0, 0, NULL, "-", fx->err, el),
			 0);
}

static void test_tap_in_use_while_open(void **state)
{
	struct fx *fx = *state;
	struct pf *pf = add_pf(fx, "pf0", "eth0");
	struct eswitch_vf_status st;
	char why[128];

	set_numvfs(fx, pf, 1, VF_TYPE_TAP);
	assert_false(eswitch_pf_vfs_in_use(fx->sw, pf, why, sizeof(why)));
	/* A TAP has carrier while QEMU holds it open. */
	fake_dev_find(&fx->fake, "", "pf0vf0")->carrier = true;
	assert_true(eswitch_pf_vfs_in_use(fx->sw, pf, why, sizeof(why)));
	assert_string_equal(why, "VF 0 of pf0 (TAP pf0vf0) is open by a VM");
	vf_status(fx, pf, 0, &st);
	assert_true(st.in_use);
	ASSERT_REFUSED(fx,
		       eswitch_pf_set_numvfs(fx->sw, pf, 0, VF_TYPE_VETH, false,
					     fx->err, sizeof(fx->err)),
		       -EBUSY,
		       "VF 0 of pf0 (TAP pf0vf0) is open by a VM: detach it "
		       "first (vf set pf0 vf N netns -), or add --force");
	assert_int_equal(eswitch_pf_set_numvfs(fx->sw, pf, 0, VF_TYPE_VETH,
					       true, fx->err, sizeof(fx->err)),
			 0);
	assert_null(fake_dev_find(&fx->fake, "", "pf0vf0"));
}

static void test_teardown_order(void **state)
{
	struct fx *fx = *state;
	struct pf *pf = add_pf(fx, "pf0", "eth0");
	size_t el = sizeof(fx->err);

	set_numvfs(fx, pf, 2, VF_TYPE_VETH);
	assert_int_equal(
	    eswitch_vf_set(fx->sw, pf, 1, NULL, "vm1", fx->err, el), 0);
	ASSERT_REFUSED(
	    fx,
	    eswitch_pf_set_numvfs(fx->sw, pf, 0, VF_TYPE_VETH, false, fx->err,
				  el),
	    -EBUSY,
	    "VF 1 of pf0 (pf0vf1) is in namespace vm1: detach it first");
	ASSERT_REFUSED(fx, eswitch_pf_del(fx->sw, pf, false, fx->err, el),
		       -EBUSY, "is in namespace vm1");
	/* A refusal changed nothing. */
	assert_non_null(eswitch_pf_find(fx->sw, "pf0"));
	assert_int_equal(fake_ports_attached(&fx->fake), 3);
	assert_int_equal(fake_fdb_count(&fx->fake), 2);
	/* A PF in a LAG goes through the bond first, forced or not. */
	assert_int_equal(eswitch_pf_join_lag(fx->sw, pf, LAG_SLOT, 0), 0);
	ASSERT_REFUSED(fx, eswitch_pf_del(fx->sw, pf, true, fx->err, el),
		       -EBUSY, "remove it from the bond first");
	eswitch_pf_leave_lag(fx->sw, pf);

	assert_int_equal(eswitch_pf_del(fx->sw, pf, true, fx->err, el), 0);
	assert_null(eswitch_pf_find(fx->sw, "pf0"));
	assert_int_equal(fake_ports_attached(&fx->fake), 0);
	assert_int_equal(fake_fdb_count(&fx->fake), 0);
	assert_int_equal(fx->fake.flood[0].count, 0);
	/* The VF device goes with its pair, wherever its end is. */
	assert_null(fake_dev_find(&fx->fake, "vm1", "pf0vf1"));
	assert_null(fake_dev_find(&fx->fake, "", "pf0_0"));
	/* The uplink stays, and can be adopted again in the same slot. */
	assert_non_null(fake_dev_find(&fx->fake, "", "eth0"));
	add_pf(fx, "pf9", "eth0");
	assert_int_equal(port_of(fx, "eth0")->domain, 0);
}

static void test_lag_membership(void **state)
{
	struct fx *fx = *state;
	struct pf *pf0 = add_pf(fx, "pf0", "eth0");
	struct pf *pf1 = add_pf(fx, "pf1", "eth1");
	struct eswitch_vf_status v00, v01, v10;
	const struct vflag_port *p;
	uint8_t macs[8][6];

	set_numvfs(fx, pf0, 2, VF_TYPE_VETH);
	set_numvfs(fx, pf1, 1, VF_TYPE_TAP);
	vf_status(fx, pf0, 0, &v00);
	vf_status(fx, pf0, 1, &v01);
	vf_status(fx, pf1, 0, &v10);
	assert_int_equal(pf_lag_slot(pf0), -1);
	assert_int_equal(fx->fake.flood[0].count, 2);
	assert_int_equal(fx->fake.flood[1].count, 1);
	assert_int_equal(eswitch_domain_vf_macs(fx->sw, pf0, macs, 8), 2);

	assert_int_equal(eswitch_pf_join_lag(fx->sw, pf0, LAG_SLOT, 0), 0);
	assert_int_equal(pf_lag_slot(pf0), LAG_SLOT);
	assert_int_equal(eswitch_pf_join_lag(fx->sw, pf0, LAG_SLOT, 1), -EBUSY);
	p = port_of(fx, "eth0");
	assert_int_equal(p->domain, LAG_DOMAIN);
	assert_int_equal(p->lag_slot, LAG_SLOT);
	assert_int_equal(p->member_index, 0);
	/* Its VFs moved with it: entries, fdb and flood lists. */
	assert_int_equal(port_of(fx, "pf0_1")->domain, LAG_DOMAIN);
	assert_int_equal(port_of(fx, "pf0_1")->lag_slot, LAG_SLOT);
	assert_null(fake_fdb_find(&fx->fake, 0, v00.mac));
	assert_int_equal(fake_fdb_find(&fx->fake, LAG_DOMAIN, v01.mac)->port_id,
			 v01.port_id);
	assert_int_equal(fx->fake.flood[0].count, 0);
	assert_int_equal(fx->fake.flood[LAG_DOMAIN].count, 2);

	assert_int_equal(eswitch_pf_join_lag(fx->sw, pf1, LAG_SLOT, 1), 0);
	assert_int_equal(port_of(fx, "eth1")->member_index, 1);
	assert_int_equal(port_of(fx, "pf1vf0")->domain, LAG_DOMAIN);
	assert_non_null(fake_fdb_find(&fx->fake, LAG_DOMAIN, v10.mac));
	assert_int_equal(fx->fake.flood[LAG_DOMAIN].count, 3);
	assert_true(flood_has(fx, LAG_DOMAIN, "pf1vf0"));
	assert_int_equal(fx->fake.flood[1].count, 0);
	/* Every VF of the LAG is announced on failover, from any member. */
	assert_int_equal(eswitch_domain_vf_macs(fx->sw, pf1, macs, 8), 3);
	assert_int_equal(eswitch_domain_vf_macs(fx->sw, pf1, macs, 2), 2);

	eswitch_pf_leave_lag(fx->sw, pf0);
	assert_int_equal(pf_lag_slot(pf0), -1);
	p = port_of(fx, "eth0");
	assert_int_equal(p->domain, 0);
	assert_int_equal(p->lag_slot, VFLAG_NO_LAG);
	assert_int_equal(p->member_index, 0);
	assert_int_equal(port_of(fx, "pf0_0")->lag_slot, VFLAG_NO_LAG);
	assert_non_null(fake_fdb_find(&fx->fake, 0, v00.mac));
	assert_null(fake_fdb_find(&fx->fake, LAG_DOMAIN, v00.mac));
	assert_int_equal(fx->fake.flood[0].count, 2);
	assert_int_equal(fx->fake.flood[LAG_DOMAIN].count, 1);
	assert_true(flood_has(fx, LAG_DOMAIN, "pf1vf0"));
	eswitch_pf_leave_lag(fx->sw, pf1);
	assert_int_equal(fx->fake.flood[LAG_DOMAIN].count, 0);
	assert_int_equal(fx->fake.flood[1].count, 1);
}

static void test_lag_mac_unique_per_domain(void **state)
{
	struct fx *fx = *state;
	struct pf *pf0 = add_pf(fx, "pf0", "eth0");
	struct pf *pf1 = add_pf(fx, "pf1", "eth1");
	struct eswitch_vf_status v10;

	set_numvfs(fx, pf0, 1, VF_TYPE_VETH);
	set_numvfs(fx, pf1, 1, VF_TYPE_VETH);
	vf_status(fx, pf1, 0, &v10);
	/* Apart, pf0's VF may take pf1's VF's MAC; in one LAG not. */
	assert_int_equal(eswitch_pf_join_lag(fx->sw, pf0, LAG_SLOT, 0), 0);
	assert_int_equal(eswitch_pf_join_lag(fx->sw, pf1, LAG_SLOT, 1), 0);
	ASSERT_REFUSED(fx,
		       eswitch_vf_set(fx->sw, pf0, 0, v10.mac, NULL, fx->err,
				      sizeof(fx->err)),
		       -EEXIST, "VF 0 of pf1 has that MAC already");
	eswitch_pf_leave_lag(fx->sw, pf1);
	assert_int_equal(eswitch_vf_set(fx->sw, pf0, 0, v10.mac, NULL, fx->err,
					sizeof(fx->err)),
			 0);
	assert_non_null(fake_fdb_find(&fx->fake, LAG_DOMAIN, v10.mac));
	assert_non_null(fake_fdb_find(&fx->fake, 1, v10.mac));
	eswitch_pf_leave_lag(fx->sw, pf0);
}

static void test_join_lag_rolls_back(void **state)
{
	struct fx *fx = *state;
	struct pf *pf = add_pf(fx, "pf0", "eth0");
	struct eswitch_vf_status v0, v1;

	set_numvfs(fx, pf, 2, VF_TYPE_VETH);
	vf_status(fx, pf, 0, &v0);
	vf_status(fx, pf, 1, &v1);
	/* The second VF cannot be moved: all goes back where it was. */
	fake_fail(&fx->fake, FAKE_OP_FDB_SET, 1, -ENOSPC);
	assert_int_equal(eswitch_pf_join_lag(fx->sw, pf, LAG_SLOT, 0), -ENOSPC);
	assert_int_equal(pf_lag_slot(pf), -1);
	assert_int_equal(port_of(fx, "eth0")->domain, 0);
	assert_int_equal(port_of(fx, "pf0_0")->domain, 0);
	assert_non_null(fake_fdb_find(&fx->fake, 0, v0.mac));
	assert_non_null(fake_fdb_find(&fx->fake, 0, v1.mac));
	assert_null(fake_fdb_find(&fx->fake, LAG_DOMAIN, v0.mac));
	assert_int_equal(fx->fake.flood[0].count, 2);
	assert_int_equal(fx->fake.flood[LAG_DOMAIN].count, 0);
}

static void test_flood_list(void **state)
{
	struct fx *fx = *state;
	struct pf *pf = add_pf(fx, "pf0", "eth0");
	const struct vflag_flood *fl = &fx->fake.flood[0];
	struct eswitch_vf_status st;
	struct nl_link_event ev = {.deleted = true};

	set_numvfs(fx, pf, 3, VF_TYPE_VETH);
	assert_int_equal(fl->count, 3);
	for (unsigned v = 0; v < 3; v++) {
		vf_status(fx, pf, v, &st);
		assert_int_equal(fl->ifindex[v],
				 fake_dev_find(&fx->fake, "", st.rep)->ifindex);
		assert_int_equal(fl->port_id[v], st.port_id);
	}
	/* The uplink is not in it: the datapath floods to the wire itself. */
	assert_false(flood_has(fx, 0, "eth0"));
	/* A VF whose device vanished leaves it. */
	ev.ifindex = fake_dev_find(&fx->fake, "", "pf0_1")->ifindex;
	assert_null(eswitch_link_event(fx->sw, &ev));
	assert_int_equal(fl->count, 2);
	assert_false(flood_has(fx, 0, "pf0_1"));
	set_numvfs(fx, pf, 0, VF_TYPE_VETH);
	assert_int_equal(fl->count, 0);
}

static void test_port_ids_and_stats(void **state)
{
	struct fx *fx = *state;
	struct pf *pf = add_pf(fx, "pf0", "eth0");
	struct vflag_port_stats st;
	struct eswitch_vf_status v;

	set_numvfs(fx, pf, 2, VF_TYPE_VETH);
	assert_int_equal(pf_port_id(pf), 0);
	vf_status(fx, pf, 1, &v);
	assert_int_equal(v.port_id, 2);
	fx->fake.stats[2].rx_packets = 42;
	assert_int_equal(eswitch_port_stats(fx->sw, 2, &st), 0);
	assert_int_equal(st.rx_packets, 42);
	/* A reused id starts from zero, not from its last owner's count. */
	set_numvfs(fx, pf, 0, VF_TYPE_VETH);
	set_numvfs(fx, pf, 1, VF_TYPE_TAP);
	add_pf(fx, "pf1", "eth1");
	assert_int_equal(pf_port_id(eswitch_pf_find(fx->sw, "pf1")), 2);
	assert_int_equal(eswitch_port_stats(fx->sw, 2, &st), 0);
	assert_int_equal(st.rx_packets, 0);
	/* Unreadable counters read as zeroes. */
	assert_int_equal(eswitch_port_stats(fx->sw, VFLAG_MAX_PORTS, &st),
			 -E2BIG);
	assert_int_equal(st.rx_packets, 0);
}

static void test_link_events_and_carrier(void **state)
{
	struct fx *fx = *state;
	struct pf *pf = add_pf(fx, "pf0", "eth0");
	struct nl_link_event ev = {.ifindex = fx->up[0], .carrier = false};
	struct eswitch_pf_status st;
	bool carrier;

	set_numvfs(fx, pf, 1, VF_TYPE_VETH);
	assert_true(pf_carrier(pf));
	assert_ptr_equal(eswitch_link_event(fx->sw, &ev), pf);
	assert_false(pf_carrier(pf));
	/* No change, no report. */
	assert_null(eswitch_link_event(fx->sw, &ev));
	/* Events of devices that are not ours are ignored. */
	ev.ifindex = fx->up[2];
	assert_null(eswitch_link_event(fx->sw, &ev));

	/* miimon: carrier and admin state, read now. */
	fx->fake.devs[fx->up[0]].carrier = true;
	assert_int_equal(eswitch_pf_poll_carrier(fx->sw, pf, &carrier), 0);
	assert_true(carrier);
	assert_true(pf_carrier(pf));
	fx->fake.devs[fx->up[0]].admin_up = false;
	assert_int_equal(eswitch_pf_poll_carrier(fx->sw, pf, &carrier), 0);
	assert_false(carrier);

	/* The uplink deleted: gone, unhooked, no longer found by ifindex. */
	ev = (struct nl_link_event){.ifindex = fx->up[0], .deleted = true};
	assert_ptr_equal(eswitch_link_event(fx->sw, &ev), pf);
	assert_false(pf_carrier(pf));
	assert_false(fx->fake.ports[fx->up[0]].attached);
	assert_null(eswitch_pf_by_ifindex(fx->sw, fx->up[0]));
	assert_int_equal(eswitch_pf_poll_carrier(fx->sw, pf, &carrier),
			 -ENODEV);
	eswitch_pf_status(fx->sw, pf, &st);
	assert_true(st.gone);
	set_numvfs(fx, pf, 0, VF_TYPE_VETH);
	ASSERT_REFUSED(fx,
		       eswitch_pf_set_numvfs(fx->sw, pf, 1, VF_TYPE_VETH, false,
					     fx->err, sizeof(fx->err)),
		       -ENODEV, "the uplink eth0 of pf0 is gone");
}

static void test_spoofchk_and_status(void **state)
{
	struct fx *fx = *state;
	struct pf *pf = add_pf(fx, "pf0", "eth0");
	struct eswitch_vf_status st;
	struct eswitch_pf_status ps;

	set_numvfs(fx, pf, 2, VF_TYPE_VETH);
	assert_int_equal(eswitch_pf_set_spoofchk(fx->sw, pf, true), 0);
	assert_int_equal(port_of(fx, "pf0_0")->flags, VFLAG_PORT_F_SPOOFCHK);
	assert_int_equal(port_of(fx, "pf0_1")->flags, VFLAG_PORT_F_SPOOFCHK);
	eswitch_pf_status(fx->sw, pf, &ps);
	assert_true(ps.spoofchk);
	assert_int_equal(ps.numvfs, 2);
	assert_int_equal(ps.vf_type, VF_TYPE_VETH);
	vf_status(fx, pf, 1, &st);
	assert_string_equal(st.pf, "pf0");
	assert_string_equal(st.pf_dev, "eth0");
	assert_int_equal(st.index, 1);
	/* SR-IOV style: first VF offset 2, stride 1 from the PF. */
	assert_string_equal(st.pci, "0000:61:00.3");
	assert_int_equal(eswitch_pf_set_spoofchk(fx->sw, pf, false), 0);
	assert_int_equal(port_of(fx, "pf0_0")->flags, 0);
}

static void test_destroy_releases_all(void **state)
{
	struct fx *fx = *state;
	struct pf *pf0 = add_pf(fx, "pf0", "eth0");
	struct pf *pf1 = add_pf(fx, "pf1", "eth1");

	set_numvfs(fx, pf0, 2, VF_TYPE_VETH);
	set_numvfs(fx, pf1, 1, VF_TYPE_TAP);
	assert_int_equal(eswitch_vf_set(fx->sw, pf0, 0, NULL, "vm1", fx->err,
					sizeof(fx->err)),
			 0);
	assert_int_equal(eswitch_pf_join_lag(fx->sw, pf1, LAG_SLOT, 0), 0);
	eswitch_destroy(fx->sw);
	fx->sw = NULL;
	/* In use or in a LAG, all of it goes; the uplinks stay. */
	assert_int_equal(fake_devs_count(&fx->fake), 4); /* lo, eth0..2 */
	assert_int_equal(fake_ports_attached(&fx->fake), 0);
	assert_int_equal(fake_fdb_count(&fx->fake), 0);
	/* teardown() destroys NULL: accepted. */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_name_rule),
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	    T(test_pf_add_refusals),
	    T(test_pf_add_programs_uplink),
	    T(test_pf_add_unwinds),
	    T(test_numvfs_through_zero),
	    T(test_veth_and_tap),
	    T(test_vf_create_unwinds),
	    T(test_vf_mac_default_and_unique),
	    T(test_vf_netns),
	    T(test_tap_in_use_while_open),
	    T(test_teardown_order),
	    T(test_lag_membership),
	    T(test_lag_mac_unique_per_domain),
	    T(test_join_lag_rolls_back),
	    T(test_flood_list),
	    T(test_port_ids_and_stats),
	    T(test_link_events_and_carrier),
	    T(test_spoofchk_and_status),
	    T(test_destroy_releases_all),
#undef T
	};

	log_set_level(LOG_LVL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
