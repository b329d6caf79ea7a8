/* Live tests of the bond through its glue (src/daemon/daemon_bond.c) over a
 * real eswitch and eBPF datapath (see live.h): what needs the real
 * thing: carrier polls and uplink deletion through the eswitch, the
 * glue's errors, `bond xmit-member` names, the RARP frames on the wire
 * (one per VF MAC of the domain), and VF frames leaving by the member
 * the bond published. The bond's behaviours themselves are tested
 * unprivileged on fake ops in test_bond.c, test_bond_ops.c and
 * test_bond_lacp.c.
 *
 * Needs root; exits 77 ("skipped") without it. */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <jansson.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include "common/clock.h"
#include "common/log.h"
#include "eswitch/eswitch.h"
#include "lacp/lacp.h"
#include "lag/bond.h"
#include "lag/flow_spec.h"
#include "lag/xmit_hash.h"
#include "live.h"

/* ---- active-backup ---- */

/* The first member in enslave order is active; only it sends and
 * receives. */
static void test_ab_first_member_active(void **state)
{
	struct fx *fx = *state;

	bond_new(fx, "mode active-backup miimon 0");
	BOND(fx, "pfa", true, 2);
	MEMBER(fx, A, "up", "active", true, true, 0);
	MEMBER(fx, B, "up", "backup", false, false, 0);
}

/* miimon: with no events at all, a lost carrier is noticed at the next
 * poll, not before; so is its return. */
static void test_miimon_polls_carrier(void **state)
{
	struct fx *fx = *state;

	bond_new(fx, "mode active-backup miimon 100");
	run_at(fx, 0); /* polls; the next poll is at 100 */
	assert_int_equal(nl_link_set_up(fx->nl, wire_ifindex[A], false), 0);
	run_at(fx, 50);
	BOND(fx, "pfa", true, 2);
	MEMBER(fx, A, "up", "active", true, true, 0);
	run_at(fx, 100);
	BOND(fx, "pfb", true, 2);
	MEMBER(fx, A, "down", "down", false, false, 1);

	assert_int_equal(nl_link_set_up(fx->nl, wire_ifindex[A], true), 0);
	run_at(fx, 150);
	MEMBER(fx, A, "down", "down", false, false, 1);
	run_at(fx, 200);
	MEMBER(fx, A, "up", "backup", false, false, 1);
	BOND(fx, "pfb", true, 2);

	/* a new miimon restarts the monitor at once, as Linux's
	 * bond_option_miimon_set() does: set 5 s (polled at 250, next at
	 * 5250), pull the cable, then set 100 ms again: polled at 400 */
	reconfigure(fx, "mode active-backup miimon 5000");
	run_at(fx, 250);
	assert_int_equal(nl_link_set_up(fx->nl, wire_ifindex[A], false), 0);
	run_at(fx, 300);
	MEMBER(fx, A, "up", "backup", false, false, 1);
	run_at(fx, 400);
	reconfigure(fx, "mode active-backup miimon 100");
	run_at(fx, 400);
	MEMBER(fx, A, "down", "down", false, false, 2);
}

/* Removing the active member moves activity to the other; removing the
 * last leaves no active and no carrier. */
static void test_ab_member_del_active(void **state)
{
	struct fx *fx = *state;

	bond_new(fx, "mode active-backup miimon 0");
	assert_int_equal(vflagd_bond_member_del(fx->d, fx->bond, fx->pf[A],
						fx->err, sizeof(fx->err)),
			 0);
	assert_null(vflagd_pf_bond(fx->d, fx->pf[A]));
	assert_int_equal(pf_lag_slot(fx->pf[A]), -1);
	assert_int_equal(bond_member_count(vflagd_bond_bond(fx->bond)), 1);
	BOND(fx, "pfb", true, 1);
	MEMBER(fx, B, "up", "active", true, true, 0);

	/* not a member (any more) */
	fx->err[0] = 0;
	assert_int_equal(vflagd_bond_member_del(fx->d, fx->bond, fx->pf[A],
						fx->err, sizeof(fx->err)),
			 -ENOENT);
	assert_non_null(strstr(fx->err, "pfa"));

	assert_int_equal(vflagd_bond_member_del(fx->d, fx->bond, fx->pf[B],
						fx->err, sizeof(fx->err)),
			 0);
	BOND(fx, NULL, false, 0);
}

/* An uplink deleted under the bond (RTM_DELLINK): the member goes down
 * at once and stays down through later polls; the bond fails over and
 * can still release it. The veth is the test's own, made here. */
static void test_member_uplink_deleted(void **state)
{
	struct fx *fx = *state;
	struct nl_link_event ev = {.deleted = true};
	struct pf *pfc;
	json_t *j, *m;
	int ifi;

	ifi = nl_veth_create(fx->nl, "up2", "up2w", NULL);
	assert_true(ifi > 0);
	assert_int_equal(nl_link_set_up(fx->nl, ifi, true), 0);
	{
		struct nl_link_info w;

		assert_int_equal(nl_link_get(fx->nl, "up2w", 0, &w), 0);
		assert_int_equal(nl_link_set_up(fx->nl, w.ifindex, true), 0);
	}
	assert_int_equal(eswitch_pf_add(fx->sw, "pfc", "up2", NULL, fx->err,
					sizeof(fx->err)),
			 0);
	pfc = eswitch_pf_find(fx->sw, "pfc");
	bond_new_empty(fx, "mode active-backup miimon 100");
	assert_int_equal(vflagd_bond_member_add(fx->d, fx->bond, pfc, fx->err,
						sizeof(fx->err)),
			 0);
	assert_int_equal(vflagd_bond_member_add(fx->d, fx->bond, fx->pf[A],
						fx->err, sizeof(fx->err)),
			 0);
	run_at(fx, 0);
	BOND(fx, "pfc", true, 2);

	assert_int_equal(nl_link_del(fx->nl, ifi), 0);
	ev.ifindex = ifi;
	snprintf(ev.name, sizeof(ev.name), "up2");
	assert_ptr_equal(eswitch_link_event(fx->sw, &ev), pfc);
	vflagd_bond_link_changed(fx->d, pfc, fx->now);
	BOND(fx, "pfa", true, 2);
	MEMBER(fx, A, "up", "active", true, true, 0);
	run_at(fx, 1000); /* polls: the device is gone, not up */
	j = live_bond_json(fx->bond);
	m = member_of(j, "pfc");
	assert_non_null(m);
	assert_string_equal(jstr(m, "link"), "down");
	assert_true(json_is_false(json_object_get(m, "tx")));
	assert_int_equal(
	    json_integer_value(json_object_get(m, "link_failures")), 1);
	json_decref(j);

	assert_int_equal(vflagd_bond_member_del(fx->d, fx->bond, pfc, fx->err,
						sizeof(fx->err)),
			 0);
	BOND(fx, "pfa", true, 1);
	assert_int_equal(
	    eswitch_pf_del(fx->sw, pfc, false, fx->err, sizeof(fx->err)), 0);
}

/* An uplink deleted and made again under its name (issue 7 item 5): its
 * PF adopts the new device, and the daemon moves the member with it: a
 * new slow-protocol socket, the new ifindex in the published arrays. */
static void test_member_uplink_back(void **state)
{
	struct fx *fx = *state;
	struct nl_link_event ev = {.deleted = true};
	struct bond_status st;
	struct nl_link_info w;
	struct pf *pfc;
	int ifi, ifi2;

	ifi = nl_veth_create(fx->nl, "up2", "up2w", NULL);
	assert_true(ifi > 0);
	assert_int_equal(nl_link_get(fx->nl, "up2w", 0, &w), 0);
	assert_int_equal(nl_link_set_up(fx->nl, w.ifindex, true), 0);
	assert_int_equal(eswitch_pf_add(fx->sw, "pfc", "up2", NULL, fx->err,
					sizeof(fx->err)),
			 0);
	pfc = eswitch_pf_find(fx->sw, "pfc");
	bond_new_empty(fx, "mode active-backup miimon 0");
	assert_int_equal(vflagd_bond_member_add(fx->d, fx->bond, fx->pf[A],
						fx->err, sizeof(fx->err)),
			 0);
	assert_int_equal(vflagd_bond_member_add(fx->d, fx->bond, pfc, fx->err,
						sizeof(fx->err)),
			 0);
	run_at(fx, 0);
	BOND(fx, "pfa", true, 2);

	assert_int_equal(nl_link_del(fx->nl, ifi), 0);
	ev.ifindex = ifi;
	snprintf(ev.name, sizeof(ev.name), "up2");
	vflagd_link_event(fx->d, &ev);
	assert_true(pf_gone(pfc));

	/* Made again: a NEWLINK of the same name, a new ifindex. */
	ifi2 = nl_veth_create(fx->nl, "up2", "up2w", NULL);
	assert_true(ifi2 > 0 && ifi2 != ifi);
	assert_int_equal(nl_link_get(fx->nl, "up2w", 0, &w), 0);
	assert_int_equal(nl_link_set_up(fx->nl, w.ifindex, true), 0);
	ev = (struct nl_link_event){.ifindex = ifi2};
	snprintf(ev.name, sizeof(ev.name), "up2");
	vflagd_link_event(fx->d, &ev); /* adopted; pf add brings it up */
	assert_false(pf_gone(pfc));
	assert_int_equal(pf_ifindex(pfc), ifi2);
	assert_int_equal(fx->bond->members[1].ifindex, ifi2);
	assert_non_null(fx->bond->members[1].io);
	assert_int_equal(nl_link_get(fx->nl, NULL, ifi2, &w), 0);
	assert_true(w.admin_up && w.carrier);
	ev.carrier = ev.admin_up = true;
	vflagd_link_event(fx->d, &ev);
	run_at(fx, 10);

	/* The other member fails: the new device carries, by its ifindex. */
	cable(fx, A, false);
	run_at(fx, 20);
	BOND(fx, "pfc", true, 2);
	bond_get_status(vflagd_bond_bond(fx->bond), &st);
	assert_int_equal(st.members[1].port.ifindex, ifi2);
	assert_true(st.members[1].tx);
	cable(fx, A, true);
	assert_int_equal(vflagd_bond_member_del(fx->d, fx->bond, pfc, fx->err,
						sizeof(fx->err)),
			 0);
	assert_int_equal(
	    eswitch_pf_del(fx->sw, pfc, false, fx->err, sizeof(fx->err)), 0);
	nl_link_del(fx->nl, ifi2);
}

/* VF link state auto through the daemon (issue 7 item 6): the VF end's
 * carrier goes when no member can transmit, and comes back with one. */
static void test_vf_carrier_follows_bond(void **state)
{
	struct fx *fx = *state;
	struct eswitch_vf_status vs;
	struct nl_link_info info;

	assert_int_equal(eswitch_pf_set_numvfs(fx->sw, fx->pf[A], 1,
					       VF_TYPE_VETH, false, fx->err,
					       sizeof(fx->err)),
			 0);
	assert_int_equal(eswitch_vf_status(fx->sw, fx->pf[A], 0, &vs), 0);
	bond_new(fx, "mode active-backup miimon 0");
	run_at(fx, 0);
	/* The VM's end up, as a VM would: then its carrier is its peer's. */
	assert_int_equal(nl_link_get(fx->nl, vs.ifname, 0, &info), 0);
	assert_int_equal(nl_link_set_up(fx->nl, info.ifindex, true), 0);
	assert_int_equal(nl_link_get(fx->nl, vs.ifname, 0, &info), 0);
	assert_true(info.carrier);
	cable(fx, A, false);
	assert_int_equal(nl_link_get(fx->nl, vs.ifname, 0, &info), 0);
	assert_true(info.carrier); /* pfb still carries */
	cable(fx, B, false);
	assert_int_equal(nl_link_get(fx->nl, vs.ifname, 0, &info), 0);
	assert_false(info.carrier);
	cable(fx, B, true);
	assert_int_equal(nl_link_get(fx->nl, vs.ifname, 0, &info), 0);
	assert_true(info.carrier);
	cable(fx, A, true);
}

/* A member cannot be enslaved twice; one enslaved with no carrier starts
 * down and is not used. */
static void test_member_add_checks(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(nl_link_set_up(fx->nl, wire_ifindex[A], false), 0);
	{
		struct nl_link_info info;
		struct nl_link_event ev = {.ifindex = up_ifindex[A],
					   .admin_up = true};

		assert_int_equal(
		    nl_link_get(fx->nl, NULL, up_ifindex[A], &info), 0);
		ev.carrier = info.carrier;
		assert_false(ev.carrier);
		snprintf(ev.name, sizeof(ev.name), "%s", up_dev[A]);
		assert_ptr_equal(eswitch_link_event(fx->sw, &ev), fx->pf[A]);
	}
	bond_new(fx, "mode active-backup miimon 0");
	BOND(fx, "pfb", true, 2);
	MEMBER(fx, A, "down", "down", false, false, 0);
	MEMBER(fx, B, "up", "active", true, true, 0);

	fx->err[0] = 0;
	assert_int_equal(vflagd_bond_member_add(fx->d, fx->bond, fx->pf[B],
						fx->err, sizeof(fx->err)),
			 -EBUSY);
	assert_non_null(strstr(fx->err, "pfb"));
	assert_int_equal(bond_member_count(vflagd_bond_bond(fx->bond)), 2);
}

/* ---- balance-xor ---- */

/* ---- reconfiguration ---- */

/* ---- bond xmit-member ---- */

/* The answer for a frame: its hash under the policy, the usable members
 * in enslave order and usable[hash % count]. */
static void check_xmit(struct fx *fx, const uint8_t *frame, size_t len,
		       uint32_t policy, const char *const *usable,
		       unsigned nusable, const char *file, int line)
{
	uint32_t hash = vflag_xmit_hash(frame, frame + len, policy);
	json_t *j = live_xmit_json(fx->bond, frame, len);
	json_t *u = json_object_get(j, "usable");
	json_t *member = json_object_get(j, "member");
	struct why w = {{0}};

	check_str(&w, j, "bond", "bond0", "xmit-member", file, line);
	check_str(&w, j, "xmit_hash_policy", vflag_hash_policy_name(policy),
		  "xmit-member", file, line);
	if (json_integer_value(json_object_get(j, "hash")) != (json_int_t)hash)
		mismatch(&w, file, line, "hash %lld, expected %u",
			 json_integer_value(json_object_get(j, "hash")), hash);
	if (json_array_size(u) != nusable)
		mismatch(&w, file, line, "%zu usable, expected %u",
			 json_array_size(u), nusable);
	for (unsigned i = 0; i < nusable && i < json_array_size(u); i++)
		if (strcmp(jstr_at(u, i), usable[i]))
			mismatch(&w, file, line,
				 "usable[%u] is %s, expected %s", i,
				 jstr_at(u, i), usable[i]);
	if (!nusable) {
		if (!json_is_null(member))
			mismatch(&w, file, line, "member %s, expected null",
				 jstr(j, "member"));
	} else if (strcmp(jstr(j, "member"), usable[hash % nusable])) {
		mismatch(&w, file, line, "member %s, expected %s (hash %u)",
			 jstr(j, "member"), usable[hash % nusable], hash);
	}
	json_decref(j);
	if (w.msg[0])
		fail_msg("%s", w.msg);
}

/* A TCP flow from 10.0.0.1:sport to 10.0.0.2:443, built by the FLOW
 * parser. */
static size_t tcp_flow(uint16_t sport, uint8_t *frame, size_t cap)
{
	char port[8];
	char *argv[] = {"proto",    "tcp",   "src", "10.0.0.1", "dst",
			"10.0.0.2", "sport", port,  "dport",	"443"};
	size_t len;
	char err[128];

	snprintf(port, sizeof(port), "%u", sport);
	if (flow_spec_parse(10, argv, frame, cap, &len, err, sizeof(err)))
		fail_msg("flow_spec_parse: %s", err);
	return len;
}

/* In active-backup every flow leaves by the active member. */
static void test_xmit_member_ab(void **state)
{
	static const char *const a[] = {"pfa"}, *const b[] = {"pfb"};
	struct fx *fx = *state;
	uint8_t frame[FLOW_SPEC_BUILT_MAX];

	/* port_select hash: the hash reported is xmit_hash_policy's */
	bond_new(fx, "mode active-backup miimon 0 port_select hash");
	for (uint16_t sport = 1; sport < 5; sport++) {
		size_t len = tcp_flow(sport, frame, sizeof(frame));

		check_xmit(fx, frame, len, VFLAG_HASH_LAYER2, a, 1, __FILE__,
			   __LINE__);
	}
	cable(fx, A, false);
	for (uint16_t sport = 1; sport < 5; sport++) {
		size_t len = tcp_flow(sport, frame, sizeof(frame));

		check_xmit(fx, frame, len, VFLAG_HASH_LAYER2, b, 1, __FILE__,
			   __LINE__);
	}
}

/* ---- failover announcements ---- */

/* The RARP frames among `got` are exactly one per MAC of `macs`, each
 * from that MAC, broadcast, a well-formed reverse request. */
static void check_rarps(const struct rx_frame *got, int n, uint8_t (*macs)[6],
			int nmacs)
{
	int hits[8] = {0};

	if (n != nmacs)
		fail_msg("%d RARP frame(s), expected %d (one per VF MAC)", n,
			 nmacs);
	for (int f = 0; f < n; f++) {
		const uint8_t *b = got[f].b;
		int m;

		assert_true(got[f].len >= 42);
		assert_memory_equal(b, bcast, 6);
		assert_int_equal(b[12] << 8 | b[13], 0x8035);
		assert_int_equal(b[14] << 8 | b[15], 1);      /* Ethernet */
		assert_int_equal(b[16] << 8 | b[17], 0x0800); /* IPv4 */
		assert_int_equal(b[18], 6);
		assert_int_equal(b[19], 4);
		assert_int_equal(b[20] << 8 | b[21], 3); /* reverse request */
		for (m = 0; m < nmacs && memcmp(b + 6, macs[m], 6); m++)
			;
		if (m == nmacs)
			fail_msg("RARP from %02x:%02x:%02x:%02x:%02x:%02x, no "
				 "VF's MAC",
				 b[6], b[7], b[8], b[9], b[10], b[11]);
		assert_memory_equal(b + 22, macs[m], 6); /* sender */
		assert_memory_equal(b + 32, macs[m], 6); /* target */
		hits[m]++;
	}
	for (int m = 0; m < nmacs; m++)
		assert_int_equal(hits[m], 1);
}

/* On failover, the new active member sends one RARP per VF MAC of the
 * bond's domain (the VFs of both PFs); a member that becomes active
 * because the primary is set announces too, and a failback that does not
 * happen announces nothing. */
static void test_failover_announces_vf_macs(void **state)
{
	struct fx *fx = *state;
	uint8_t macs[3][6];
	struct rx_frame got[8];
	int wire[NUP];
	json_t *j;

	assert_int_equal(eswitch_pf_set_numvfs(fx->sw, fx->pf[A], 2,
					       VF_TYPE_VETH, false, fx->err,
					       sizeof(fx->err)),
			 0);
	assert_int_equal(eswitch_pf_set_numvfs(fx->sw, fx->pf[B], 1,
					       VF_TYPE_VETH, false, fx->err,
					       sizeof(fx->err)),
			 0);
	dev_mac(fx, "pfavf0", macs[0]);
	dev_mac(fx, "pfavf1", macs[1]);
	dev_mac(fx, "pfbvf0", macs[2]);
	for (int i = 0; i < NUP; i++)
		wire[i] = sock_on(wire_ifindex[i], ETH_P_RARP);

	bond_new(fx, "mode active-backup miimon 0");
	/* pfa became active on enslave: announced there */
	check_rarps(got, read_frames(wire[A], got, 8, 2), macs, 2);
	drain(wire[B]);

	/* the event does not take the cable out: the old active's wire
	 * can still hear that nothing is sent there */
	fake_carrier(fx, A, false);
	BOND(fx, "pfb", true, 2);
	check_rarps(got, read_frames(wire[B], got, 8, 3), macs, 3);
	assert_int_equal(read_frames(wire[A], got, 8, 0), 0);

	/* back, no primary: stays backup, nothing announced */
	fake_carrier(fx, A, true);
	assert_int_equal(read_frames(wire[A], got, 8, 0), 0);
	assert_int_equal(read_frames(wire[B], got, 8, 0), 0);

	/* primary pfa set: pfa takes over and announces */
	reconfigure(fx, "mode active-backup miimon 0 primary pfa");
	BOND(fx, "pfa", true, 2);
	check_rarps(got, read_frames(wire[A], got, 8, 3), macs, 3);
	assert_int_equal(read_frames(wire[B], got, 8, 0), 0);

	/* every announcement went out */
	j = live_bond_json(fx->bond);
	for (int i = 0; i < NUP; i++)
		assert_int_equal(json_integer_value(json_object_get(
				     member_of(j, pf_nm[i]), "tx_errors")),
				 0);
	json_decref(j);
	for (int i = 0; i < NUP; i++)
		close(wire[i]);
}

/* Removing the active member: the new active announces the VF MACs that
 * stay in the bond (pfb's), not those of the PF that leaves (pfa's VFs
 * are reachable through pfa alone from now on). */
static void test_member_del_announces_remaining_macs(void **state)
{
	struct fx *fx = *state;
	uint8_t macs[1][6];
	struct rx_frame got[8];
	int wire;

	assert_int_equal(eswitch_pf_set_numvfs(fx->sw, fx->pf[A], 2,
					       VF_TYPE_VETH, false, fx->err,
					       sizeof(fx->err)),
			 0);
	assert_int_equal(eswitch_pf_set_numvfs(fx->sw, fx->pf[B], 1,
					       VF_TYPE_VETH, false, fx->err,
					       sizeof(fx->err)),
			 0);
	dev_mac(fx, "pfbvf0", macs[0]);
	wire = sock_on(wire_ifindex[B], ETH_P_RARP);
	bond_new(fx, "mode active-backup miimon 0");
	assert_int_equal(read_frames(wire, got, 8, 0), 0);

	assert_int_equal(vflagd_bond_member_del(fx->d, fx->bond, fx->pf[A],
						fx->err, sizeof(fx->err)),
			 0);
	BOND(fx, "pfb", true, 1);
	check_rarps(got, read_frames(wire, got, 8, 1), macs, 1);
	close(wire);
}

/* Deleting the bond moves no activity and announces nothing: its VFs go
 * back behind their own PFs, and telling the peer switch that they all
 * live behind one of them would be false. Linux releases all slaves
 * without reselecting (__bond_release_one(..., all=true)). */
static void test_destroy_announces_nothing(void **state)
{
	struct fx *fx = *state;
	struct rx_frame got[8];
	int wire[NUP];

	assert_int_equal(eswitch_pf_set_numvfs(fx->sw, fx->pf[A], 1,
					       VF_TYPE_VETH, false, fx->err,
					       sizeof(fx->err)),
			 0);
	assert_int_equal(eswitch_pf_set_numvfs(fx->sw, fx->pf[B], 1,
					       VF_TYPE_VETH, false, fx->err,
					       sizeof(fx->err)),
			 0);
	for (int i = 0; i < NUP; i++)
		wire[i] = sock_on(wire_ifindex[i], ETH_P_RARP);
	/* the active member is the last enslaved: destroy removes it first */
	bond_new(fx, "mode active-backup miimon 0 primary pfb");
	BOND(fx, "pfb", true, 2);
	drain(wire[A]);
	drain(wire[B]);

	vflagd_bond_del(fx->d, fx->bond, true, NULL, 0);
	fx->bond = NULL;
	for (int i = 0; i < NUP; i++) {
		int n = read_frames(wire[i], got, 8, 0);

		if (n)
			fail_msg("%d RARP frame(s) on %s while the bond was "
				 "deleted",
				 n, wire_dev[i]);
		close(wire[i]);
	}
}

/* ---- the datapath follows what the bond published ---- */

/* Sends one test frame from VF port `vf_dev` (its container end) and
 * returns the wire (A, B) it left on, or -1 if none; fails if both. */
static int vf_frame_leaves_on(struct fx *fx, const char *vf_dev,
			      const int *wire)
{
	struct nl_link_info info;
	struct sockaddr_ll to = {.sll_family = AF_PACKET, .sll_halen = 6};
	uint8_t f[60] = {0x02, 0, 0, 0, 0x99, 0x01};
	struct rx_frame got[4];
	int on = -1;

	assert_int_equal(nl_link_get(fx->nl, vf_dev, 0, &info), 0);
	memcpy(f + 6, info.mac, 6);
	f[12] = ETH_P_TEST >> 8;
	f[13] = ETH_P_TEST & 0xff;
	to.sll_ifindex = info.ifindex;
	memcpy(to.sll_addr, f, 6);
	{
		int s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);

		assert_true(s >= 0);
		assert_int_equal(sendto(s, f, sizeof(f), 0,
					(struct sockaddr *)&to, sizeof(to)),
				 sizeof(f));
		close(s);
	}
	for (int i = 0; i < NUP; i++) {
		int n = read_frames(wire[i], got, 4, on < 0 ? 1 : 0);

		assert_true(n <= 1);
		if (n) {
			assert_int_equal(on, -1);
			assert_memory_equal(got[0].b + 6, info.mac, 6);
			on = i;
		}
	}
	return on;
}

/* A VF's frames leave by the active member, then by the new one after a
 * failover, with no bond_run in between: the publication is immediate. */
static void test_ab_vf_traffic_follows_active(void **state)
{
	struct fx *fx = *state;
	struct nl_link_info info;
	int wire[NUP];

	assert_int_equal(eswitch_pf_set_numvfs(fx->sw, fx->pf[A], 1,
					       VF_TYPE_VETH, false, fx->err,
					       sizeof(fx->err)),
			 0);
	assert_int_equal(nl_link_get(fx->nl, "pfavf0", 0, &info), 0);
	assert_int_equal(nl_link_set_up(fx->nl, info.ifindex, true), 0);
	for (int i = 0; i < NUP; i++)
		wire[i] = sock_on(wire_ifindex[i], ETH_P_TEST);

	bond_new(fx, "mode active-backup miimon 0");
	assert_int_equal(vf_frame_leaves_on(fx, "pfavf0", wire), A);
	fake_carrier(fx, A, false);
	assert_int_equal(vf_frame_leaves_on(fx, "pfavf0", wire), B);
	fake_carrier(fx, B, false);
	assert_int_equal(vf_frame_leaves_on(fx, "pfavf0", wire), -1);
	fake_carrier(fx, A, true);
	assert_int_equal(vf_frame_leaves_on(fx, "pfavf0", wire), A);
	for (int i = 0; i < NUP; i++)
		close(wire[i]);
}

#define BOND_TEST(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    BOND_TEST(test_ab_first_member_active),
	    BOND_TEST(test_miimon_polls_carrier),
	    BOND_TEST(test_ab_member_del_active),
	    BOND_TEST(test_member_uplink_deleted),
	    BOND_TEST(test_member_uplink_back),
	    BOND_TEST(test_vf_carrier_follows_bond),
	    BOND_TEST(test_member_add_checks),
	    BOND_TEST(test_xmit_member_ab),
	    BOND_TEST(test_failover_announces_vf_macs),
	    BOND_TEST(test_member_del_announces_remaining_macs),
	    BOND_TEST(test_destroy_announces_nothing),
	    BOND_TEST(test_ab_vf_traffic_follows_active),
	};

	return live_main(tests, sizeof(tests) / sizeof(tests[0]),
			 "test_bond_live");
}
