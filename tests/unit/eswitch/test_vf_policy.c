/* Unit tests of a VF's tenant isolation settings (src/eswitch/vf_policy.c)
 * and the uplink's mtu, on the in-memory backend (fake_backend.c): which
 * port entry and fdb keys the model writes for each knob, its refusals,
 * its rollbacks, and the default MACs' machine part. What the datapath
 * then does with them is test_isolation_bpf.c's business.
 *
 * Every test gets a backend with uplinks eth0 and eth1 (mtu 9000), and
 * PF pf0 on eth0 with two veth VFs. */
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
	struct pf *pf;
	int up[2];
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
	fx->up[0] = fake_dev_add(&fx->fake, "eth0", up_mac[0], true, true);
	fx->up[1] = fake_dev_add(&fx->fake, "eth1", up_mac[1], true, true);
	fx->fake.devs[fx->up[1]].mtu = 9000;
	fx->fake.machine_id = "0123456789abcdef0123456789abcdef";
	fx->sw = eswitch_create_with_ops(&fake_ops, &fx->fake);
	if (!fx->sw || eswitch_pf_add(fx->sw, "pf0", "eth0", NULL, fx->err,
				      sizeof(fx->err)))
		return -1;
	fx->pf = eswitch_pf_find(fx->sw, "pf0");
	if (eswitch_pf_set_numvfs(fx->sw, fx->pf, 2, VF_TYPE_VETH, false,
				  fx->err, sizeof(fx->err)))
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

static const struct vflag_port *port_of(struct fx *fx, const char *dev)
{
	struct fake_dev *d = fake_dev_find(&fx->fake, "", dev);

	assert_non_null(d);
	assert_true(fx->fake.ports[d->ifindex].attached);
	return &fx->fake.ports[d->ifindex].entry;
}

static struct eswitch_vf_policy get(struct fx *fx, unsigned vf)
{
	struct eswitch_vf_policy pol;

	assert_int_equal(eswitch_vf_get_policy(fx->sw, fx->pf, vf, &pol), 0);
	return pol;
}

static int set(struct fx *fx, unsigned vf, const struct eswitch_vf_policy *p)
{
	fx->err[0] = 0;
	return eswitch_vf_set_policy(fx->sw, fx->pf, vf, p, fx->err,
				     sizeof(fx->err));
}

static const uint8_t *vf_mac(struct fx *fx, unsigned vf)
{
	static struct eswitch_vf_status st;

	assert_int_equal(eswitch_vf_status(fx->sw, fx->pf, vf, &st), 0);
	return st.mac;
}

static void test_defaults(void **state)
{
	struct fx *fx = *state;
	struct eswitch_vf_policy p = get(fx, 0);
	const struct vflag_port *e = port_of(fx, "pf0_0");
	struct eswitch_vf_status st;

	assert_int_equal(p.vlan, 0);
	assert_int_equal(p.qos, 0);
	assert_int_equal(p.vlan_proto, 0x8100);
	assert_true(p.spoofchk);
	assert_false(p.trust);
	assert_int_equal(p.max_tx_rate, 0);
	assert_int_equal(p.storm_pps, VFLAG_STORM_PPS_DEFAULT);
	assert_int_equal(p.storm_burst, VFLAG_STORM_BURST_DEFAULT);
	/* The entry: spoof check on, storms limited, nothing else. */
	assert_int_equal(e->flags, VFLAG_PORT_F_SPOOFCHK);
	assert_int_equal(e->vlan_id, 0);
	assert_int_equal(e->vlan_qos, 0);
	assert_int_equal(e->vlan_proto, 0);
	assert_int_equal(e->max_tx_rate, 0);
	assert_int_equal(e->storm_pps, VFLAG_STORM_PPS_DEFAULT);
	assert_int_equal(e->storm_burst, VFLAG_STORM_BURST_DEFAULT);
	/* vf show has them too. */
	assert_int_equal(eswitch_vf_status(fx->sw, fx->pf, 1, &st), 0);
	assert_true(st.policy.spoofchk);
	assert_int_equal(st.policy.storm_pps, VFLAG_STORM_PPS_DEFAULT);
}

static void test_every_knob_in_the_entry(void **state)
{
	struct fx *fx = *state;
	struct eswitch_vf_policy p = get(fx, 1);
	const struct vflag_port *e;
	struct eswitch_vf_status st;

	p.vlan = 10;
	p.qos = 5;
	p.vlan_proto = 0x88a8;
	p.spoofchk = false;
	p.trust = true;
	p.max_tx_rate = 100;
	p.storm_pps = 50;
	p.storm_burst = 10;
	assert_int_equal(set(fx, 1, &p), 0);
	e = port_of(fx, "pf0_1");
	assert_int_equal(e->flags, VFLAG_PORT_F_TRUST);
	assert_int_equal(e->vlan_id, 10);
	assert_int_equal(e->vlan_qos, 5);
	assert_int_equal(e->vlan_proto, 0x88a8);
	assert_int_equal(e->max_tx_rate, 100);
	assert_int_equal(e->storm_pps, 50);
	assert_int_equal(e->storm_burst, 10);
	/* The other VF is untouched. */
	assert_int_equal(port_of(fx, "pf0_0")->vlan_id, 0);
	assert_int_equal(eswitch_vf_status(fx->sw, fx->pf, 1, &st), 0);
	assert_int_equal(st.policy.vlan, 10);
	assert_true(st.policy.trust);

	/* storm_pps 0 turns the limit off: no burst left in the entry. */
	p.storm_pps = 0;
	assert_int_equal(set(fx, 1, &p), 0);
	assert_int_equal(port_of(fx, "pf0_1")->storm_pps, 0);
	assert_int_equal(port_of(fx, "pf0_1")->storm_burst, 0);
	/* VLAN 0: untagged again, qos and proto leave the entry. */
	p.vlan = 0;
	p.qos = 0;
	assert_int_equal(set(fx, 1, &p), 0);
	e = port_of(fx, "pf0_1");
	assert_int_equal(e->vlan_id, 0);
	assert_int_equal(e->vlan_proto, 0);
}

static void test_vlan_moves_fdb(void **state)
{
	struct fx *fx = *state;
	struct eswitch_vf_policy p = get(fx, 0);
	uint8_t mac[6];

	memcpy(mac, vf_mac(fx, 0), 6);
	assert_non_null(fake_fdb_find_vlan(&fx->fake, 0, 0, mac));
	p.vlan = 10;
	assert_int_equal(set(fx, 0, &p), 0);
	assert_null(fake_fdb_find_vlan(&fx->fake, 0, 0, mac));
	assert_non_null(fake_fdb_find_vlan(&fx->fake, 0, 10, mac));
	assert_int_equal(fake_fdb_count(&fx->fake), 2);
	p.vlan = 20;
	assert_int_equal(set(fx, 0, &p), 0);
	assert_null(fake_fdb_find_vlan(&fx->fake, 0, 10, mac));
	assert_non_null(fake_fdb_find_vlan(&fx->fake, 0, 20, mac));

	/* A MAC change keeps the VLAN. */
	{
		const uint8_t m2[6] = {0x02, 0, 0, 0, 0, 0x42};

		assert_int_equal(eswitch_vf_set(fx->sw, fx->pf, 0, m2, NULL,
						fx->err, sizeof(fx->err)),
				 0);
		assert_null(fake_fdb_find_vlan(&fx->fake, 0, 20, mac));
		assert_non_null(fake_fdb_find_vlan(&fx->fake, 0, 20, m2));
		memcpy(mac, m2, 6);
	}
	/* Into a LAG and out: the key follows the domain, VLAN kept. */
	assert_int_equal(eswitch_pf_join_lag(fx->sw, fx->pf, LAG_SLOT, 0), 0);
	assert_null(fake_fdb_find_vlan(&fx->fake, 0, 20, mac));
	assert_non_null(fake_fdb_find_vlan(&fx->fake, LAG_DOMAIN, 20, mac));
	eswitch_pf_leave_lag(fx->sw, fx->pf);
	assert_non_null(fake_fdb_find_vlan(&fx->fake, 0, 20, mac));
	assert_int_equal(fake_fdb_count(&fx->fake), 2);
	/* Back to untagged. */
	p.vlan = 0;
	assert_int_equal(set(fx, 0, &p), 0);
	assert_non_null(fake_fdb_find_vlan(&fx->fake, 0, 0, mac));
	assert_int_equal(fake_fdb_count(&fx->fake), 2);
}

#define ASSERT_REFUSED(fx, pol, text)                                          \
	do {                                                                   \
		assert_int_equal(set((fx), 0, &(pol)), -EINVAL);               \
		if (!strstr((fx)->err, (text)))                                \
			print_error("err: %s\n", (fx)->err);                   \
		assert_non_null(strstr((fx)->err, (text)));                    \
	} while (0)

static void test_refusals(void **state)
{
	struct fx *fx = *state;
	const struct eswitch_vf_policy good = get(fx, 0);
	struct eswitch_vf_policy p;
	struct vflag_port before = *port_of(fx, "pf0_0");

	p = good, p.vlan = 4095;
	ASSERT_REFUSED(fx, p, "vlan 4095 is out of range: 1..4094");
	p = good, p.vlan = 10, p.qos = 8;
	ASSERT_REFUSED(fx, p, "qos 8 is out of range: a PCP is 0..7");
	p = good, p.qos = 3;
	ASSERT_REFUSED(fx, p, "qos 3 needs a vlan");
	p = good, p.vlan = 10, p.vlan_proto = 0x9100;
	ASSERT_REFUSED(fx, p, "vlan proto 0x9100 is not 802.1Q");
	p = good, p.max_tx_rate = ESWITCH_MAX_TX_RATE + 1;
	ASSERT_REFUSED(fx, p, "max_tx_rate 1000001 is out of range");
	p = good, p.storm_pps = ESWITCH_MAX_STORM_PPS + 1;
	ASSERT_REFUSED(fx, p, "storm_pps and storm_burst are 0..");
	/* Nothing changed. */
	assert_memory_equal(port_of(fx, "pf0_0"), &before, sizeof(before));
	assert_int_equal(get(fx, 0).vlan, 0);
	/* No such VF. */
	assert_int_equal(eswitch_vf_set_policy(fx->sw, fx->pf, 2, &good,
					       fx->err, sizeof(fx->err)),
			 -ENOENT);
	assert_non_null(strstr(fx->err, "pf0 has no VF 2"));
	assert_int_equal(eswitch_vf_get_policy(fx->sw, fx->pf, 2, &p), -ENOENT);
}

/* A backend refusal leaves the VF as it was: entry, fdb and settings. */
static void test_rollback(void **state)
{
	struct fx *fx = *state;
	struct eswitch_vf_policy p = get(fx, 0);
	struct vflag_port before = *port_of(fx, "pf0_0");
	uint8_t mac[6];

	memcpy(mac, vf_mac(fx, 0), 6);
	p.vlan = 10;
	fake_fail(&fx->fake, FAKE_OP_FDB_SET, 0, -ENOSPC);
	assert_int_equal(set(fx, 0, &p), -ENOSPC);
	assert_non_null(strstr(fx->err, "cannot update the switching table"));
	fake_fail(&fx->fake, FAKE_OP_PORT_UPDATE, 0, -EIO);
	assert_int_equal(set(fx, 0, &p), -EIO);
	assert_non_null(strstr(fx->err, "cannot program pf0_0"));
	assert_memory_equal(port_of(fx, "pf0_0"), &before, sizeof(before));
	assert_int_equal(get(fx, 0).vlan, 0);
	assert_non_null(fake_fdb_find_vlan(&fx->fake, 0, 0, mac));
	assert_null(fake_fdb_find_vlan(&fx->fake, 0, 10, mac));
	assert_int_equal(fake_fdb_count(&fx->fake), 2);
}

/* `pf set spoofchk` is the PF-wide switch: all its VFs, and the new. */
static void test_pf_spoofchk(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(eswitch_pf_set_spoofchk(fx->sw, fx->pf, false), 0);
	assert_false(get(fx, 0).spoofchk);
	assert_false(get(fx, 1).spoofchk);
	assert_int_equal(port_of(fx, "pf0_1")->flags, 0);
	assert_int_equal(eswitch_pf_set_numvfs(fx->sw, fx->pf, 0, VF_TYPE_VETH,
					       false, fx->err, sizeof(fx->err)),
			 0);
	assert_int_equal(eswitch_pf_set_numvfs(fx->sw, fx->pf, 1, VF_TYPE_VETH,
					       false, fx->err, sizeof(fx->err)),
			 0);
	assert_false(get(fx, 0).spoofchk);
	assert_int_equal(eswitch_pf_set_spoofchk(fx->sw, fx->pf, true), 0);
	assert_int_equal(port_of(fx, "pf0_0")->flags, VFLAG_PORT_F_SPOOFCHK);
}

static void test_uplink_mtu(void **state)
{
	struct fx *fx = *state;
	struct eswitch_pf_status ps;
	struct nl_link_event ev = {.ifindex = fx->up[1], .carrier = true};
	struct pf *pf1;

	assert_int_equal(port_of(fx, "eth0")->mtu, 1500);
	assert_int_equal(eswitch_pf_add(fx->sw, "pf1", "eth1", NULL, fx->err,
					sizeof(fx->err)),
			 0);
	pf1 = eswitch_pf_find(fx->sw, "pf1");
	assert_int_equal(port_of(fx, "eth1")->mtu, 9000);
	/* A link event with a new MTU reprograms the entry... */
	ev.mtu = 4000;
	eswitch_link_event(fx->sw, &ev);
	assert_int_equal(port_of(fx, "eth1")->mtu, 4000);
	eswitch_pf_status(fx->sw, pf1, &ps);
	assert_int_equal(ps.mtu, 4000);
	/* ...one without it (0) leaves it; and it survives a LAG move. */
	ev.mtu = 0;
	eswitch_link_event(fx->sw, &ev);
	assert_int_equal(port_of(fx, "eth1")->mtu, 4000);
	assert_int_equal(eswitch_pf_join_lag(fx->sw, pf1, LAG_SLOT, 1), 0);
	assert_int_equal(port_of(fx, "eth1")->mtu, 4000);
	eswitch_pf_leave_lag(fx->sw, pf1);
}

/* Issue 8 item 7: stable across restarts, distinct across hosts. */
static void test_default_mac_machine(void **state)
{
	struct fx *fx = *state;
	uint8_t a[6], a2[6], b[6], c[6], d[6];
	struct eswitch *sw2;
	struct fake other;

	eswitch_vf_default_mac("machine-a", "pf0", 0, a);
	eswitch_vf_default_mac("machine-a", "pf0", 0, a2);
	eswitch_vf_default_mac("machine-b", "pf0", 0, b);
	eswitch_vf_default_mac("machine-a", "pf0", 1, c);
	eswitch_vf_default_mac("machine-a", "pf1", 0, d);
	assert_memory_equal(a, a2, 6);
	assert_memory_not_equal(a, b, 6);
	assert_memory_not_equal(a, c, 6);
	assert_memory_not_equal(a, d, 6);
	for (int i = 0; i < 256; i++) {
		char id[16];
		uint8_t m[6];

		snprintf(id, sizeof(id), "host%d", i);
		eswitch_vf_default_mac(id, "pf0", (unsigned)i % 4, m);
		assert_int_equal(m[0] & 0x01, 0);    /* unicast */
		assert_int_equal(m[0] & 0x02, 0x02); /* locally administered */
	}
	/* Through the backend: the VF got the MAC of this machine's id,
	 * and a second "machine" (another backend) a different one. */
	eswitch_vf_default_mac(fx->fake.machine_id, "pf0", 0, a);
	assert_memory_equal(vf_mac(fx, 0), a, 6);
	fake_init(&other);
	fake_dev_add(&other, "eth0", up_mac[0], true, true);
	other.machine_id = "fedcba9876543210fedcba9876543210";
	sw2 = eswitch_create_with_ops(&fake_ops, &other);
	assert_non_null(sw2);
	assert_int_equal(
	    eswitch_pf_add(sw2, "pf0", "eth0", NULL, fx->err, sizeof(fx->err)),
	    0);
	assert_int_equal(eswitch_pf_set_numvfs(sw2, eswitch_pf_find(sw2, "pf0"),
					       1, VF_TYPE_VETH, false, fx->err,
					       sizeof(fx->err)),
			 0);
	{
		struct eswitch_vf_status st;

		assert_int_equal(
		    eswitch_vf_status(sw2, eswitch_pf_find(sw2, "pf0"), 0, &st),
		    0);
		assert_memory_not_equal(st.mac, vf_mac(fx, 0), 6);
	}
	eswitch_destroy(sw2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	    T(test_defaults),	    T(test_every_knob_in_the_entry),
	    T(test_vlan_moves_fdb), T(test_refusals),
	    T(test_rollback),	    T(test_pf_spoofchk),
	    T(test_uplink_mtu),	    T(test_default_mac_machine),
#undef T
	};

	log_set_level(LOG_LVL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
