/* Unit tests of the bond (src/lag/bond.c) on fake ops and a fake clock
 * (fake.h): modes 1 and 2, the link monitor (events, miimon, updelay,
 * downdelay), members, reconfiguration, `bond xmit-member`, failover
 * announcements and what is published to the datapath, in what order.
 * 802.3ad is in test_bond_lacp.c; the same bond over a real eswitch in
 * test_bond_live.c.
 *
 * What is checked is what users and the datapath see: `bond show`'s JSON
 * (ctl/reply_bond.c), every struct vflag_lag published (MEMBER() checks
 * both agree), and the op log (publish, announce, detach, ...).
 *
 * No privileges needed. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/log.h"
#include "ctl/reply_bond.h"
#include "fake.h"
#include "lag/bond.h"
#include "lag/flow_spec.h"
#include "lag/xmit_hash.h"

/* `bond xmit-member`'s JSON. */
static json_t *xmit_json(struct fx *fx, const uint8_t *frame, size_t len)
{
	struct bond_xmit x;

	bond_xmit_member(fx->bond, frame, len, &x);
	return reply_bond_xmit_json(bond_name(fx->bond), &x);
}

static const char *jstr_at(json_t *array, size_t i)
{
	const char *s = json_string_value(json_array_get(array, i));

	return s ? s : "(not a string)";
}

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

/* Carrier loss with downdelay 0 fails over at once (no bond_run); the
 * returning member stays backup when no primary is set. */
static void test_ab_failover_at_once_no_failback(void **state)
{
	struct fx *fx = *state;

	bond_new(fx, "mode active-backup miimon 0");
	cable(fx, A, false);
	BOND(fx, "pfb", true, 2);
	MEMBER(fx, A, "down", "down", false, false, 1);
	MEMBER(fx, B, "up", "active", true, true, 0);

	run_at(fx, 1000);
	cable(fx, A, true);
	run_at(fx, 5000);
	BOND(fx, "pfb", true, 2);
	MEMBER(fx, A, "up", "backup", false, false, 1);
	MEMBER(fx, B, "up", "active", true, true, 0);

	/* the backup fails: nothing moves, its failure is counted */
	cable(fx, A, false);
	BOND(fx, "pfb", true, 2);
	MEMBER(fx, A, "down", "down", false, false, 2);
	MEMBER(fx, B, "up", "active", true, true, 0);
}

/* With a primary, activity goes back to it when it returns, and only to
 * it: a returning non-primary stays backup. */
static void test_ab_primary_failback(void **state)
{
	struct fx *fx = *state;

	/* primary pfb wins over enslave order from the start */
	bond_new(fx, "mode active-backup miimon 0 primary pfb");
	BOND(fx, "pfb", true, 2);
	MEMBER(fx, A, "up", "backup", false, false, 0);
	MEMBER(fx, B, "up", "active", true, true, 0);

	cable(fx, B, false);
	BOND(fx, "pfa", true, 2);
	MEMBER(fx, A, "up", "active", true, true, 0);
	MEMBER(fx, B, "down", "down", false, false, 1);

	cable(fx, B, true);
	BOND(fx, "pfb", true, 2);
	MEMBER(fx, A, "up", "backup", false, false, 0);
	MEMBER(fx, B, "up", "active", true, true, 1);

	/* the non-primary fails and returns: pfb keeps the activity */
	cable(fx, A, false);
	cable(fx, A, true);
	BOND(fx, "pfb", true, 2);
	MEMBER(fx, A, "up", "backup", false, false, 1);
	MEMBER(fx, B, "up", "active", true, true, 1);
}

/* No member up: no active, no carrier; the first one back takes over. */
static void test_ab_all_down(void **state)
{
	struct fx *fx = *state;

	bond_new(fx, "mode active-backup miimon 0");
	cable(fx, A, false);
	cable(fx, B, false);
	BOND(fx, NULL, false, 2);
	MEMBER(fx, A, "down", "down", false, false, 1);
	MEMBER(fx, B, "down", "down", false, false, 1);

	cable(fx, B, true);
	BOND(fx, "pfb", true, 2);
	MEMBER(fx, A, "down", "down", false, false, 1);
	MEMBER(fx, B, "up", "active", true, true, 1);
}

/* downdelay: a failing member stays in use ("going down") until the
 * delay ends; then it is dropped and counted as failed once. */
static void test_ab_downdelay(void **state)
{
	struct fx *fx = *state;

	bond_new(fx, "mode active-backup miimon 0 downdelay 200");
	run_at(fx, 0);
	cable(fx, A, false);
	BOND(fx, "pfa", true, 2);
	MEMBER(fx, A, "going down", "active", true, true, 0);
	MEMBER(fx, B, "up", "backup", false, false, 0);

	run_at(fx, 199);
	BOND(fx, "pfa", true, 2);
	MEMBER(fx, A, "going down", "active", true, true, 0);

	run_at(fx, 200);
	BOND(fx, "pfb", true, 2);
	MEMBER(fx, A, "down", "down", false, false, 1);
	MEMBER(fx, B, "up", "active", true, true, 0);

	run_at(fx, 5000);
	MEMBER(fx, A, "down", "down", false, false, 1);
}

/* A carrier that comes back during downdelay was never lost. */
static void test_ab_downdelay_flap(void **state)
{
	struct fx *fx = *state;

	bond_new(fx, "mode active-backup miimon 0 downdelay 200");
	run_at(fx, 0);
	cable(fx, A, false);
	run_at(fx, 100);
	cable(fx, A, true);
	MEMBER(fx, A, "up", "active", true, true, 0);
	run_at(fx, 300);
	BOND(fx, "pfa", true, 2);
	MEMBER(fx, A, "up", "active", true, true, 0);
	MEMBER(fx, B, "up", "backup", false, false, 0);
}

/* updelay: a returning member waits ("going up", not usable) until the
 * delay ends, even when it is the primary. */
static void test_ab_updelay(void **state)
{
	struct fx *fx = *state;

	bond_new(fx, "mode active-backup miimon 0 updelay 300 primary pfa");
	run_at(fx, 0);
	cable(fx, A, false); /* downdelay 0: at once */
	BOND(fx, "pfb", true, 2);

	run_at(fx, 1000);
	cable(fx, A, true);
	BOND(fx, "pfb", true, 2);
	MEMBER(fx, A, "going up", "down", false, false, 1);
	MEMBER(fx, B, "up", "active", true, true, 0);

	run_at(fx, 1299);
	BOND(fx, "pfb", true, 2);
	MEMBER(fx, A, "going up", "down", false, false, 1);

	run_at(fx, 1300);
	BOND(fx, "pfa", true, 2);
	MEMBER(fx, A, "up", "active", true, true, 1);
	MEMBER(fx, B, "up", "backup", false, false, 0);
}

/* A flap during updelay sends the member back down (not counted as a
 * failure: it was never up) and the next return waits the whole delay
 * again: the first return's deadline means nothing any more. */
static void test_ab_updelay_flap(void **state)
{
	struct fx *fx = *state;

	bond_new(fx, "mode active-backup miimon 0 updelay 300 primary pfa");
	run_at(fx, 0);
	cable(fx, A, false);
	run_at(fx, 1000);
	cable(fx, A, true); /* would be up at 1300 */
	run_at(fx, 1100);
	cable(fx, A, false);
	BOND(fx, "pfb", true, 2);
	MEMBER(fx, A, "down", "down", false, false, 1);

	run_at(fx, 1200);
	cable(fx, A, true); /* up at 1500 */
	run_at(fx, 1300);
	BOND(fx, "pfb", true, 2);
	MEMBER(fx, A, "going up", "down", false, false, 1);
	run_at(fx, 1499);
	MEMBER(fx, A, "going up", "down", false, false, 1);
	run_at(fx, 1500);
	BOND(fx, "pfa", true, 2);
	MEMBER(fx, A, "up", "active", true, true, 1);
}

/* With no member usable, the first link back is taken at once: updelay
 * would only prolong the outage. Linux does this (bond_miimon_inspect():
 * ignore_updelay when there is no curr_active_slave; bonding.rst 13.1:
 * "when a bonding interface has no active links, the driver will
 * immediately reuse the first link that goes up, even if the updelay
 * parameter has been specified"). */
static void test_ab_updelay_ignored_when_none_up(void **state)
{
	struct fx *fx = *state;

	bond_new(fx, "mode active-backup miimon 0 updelay 300");
	run_at(fx, 0);
	cable(fx, A, false);
	cable(fx, B, false);
	BOND(fx, NULL, false, 2);
	run_at(fx, 1000);
	cable(fx, B, true);
	BOND(fx, "pfb", true, 2);
	MEMBER(fx, B, "up", "active", true, true, 1);
	/* with pfb up, pfa waits its updelay as usual */
	cable(fx, A, true);
	MEMBER(fx, A, "going up", "down", false, false, 1);
	run_at(fx, 1300);
	MEMBER(fx, A, "up", "backup", false, false, 1);
}

/* The same in balance-xor (Linux: no usable slave, since f8a65ab2f3ff
 * "bonding: fix link recovery in mode 2 when updelay is nonzero"). */
static void test_xor_updelay_ignored_when_none_up(void **state)
{
	struct fx *fx = *state;

	bond_new(fx, "mode balance-xor miimon 0 updelay 300");
	run_at(fx, 0);
	cable(fx, A, false);
	cable(fx, B, false);
	BOND(fx, "-", false, 2);
	run_at(fx, 1000);
	cable(fx, A, true);
	BOND(fx, "-", true, 2);
	MEMBER(fx, A, "up", "active", true, true, 1);
}

/* miimon: with no events at all, a lost carrier is noticed at the next
 * poll, not before; so is its return. */
static void test_miimon_polls_carrier(void **state)
{
	struct fx *fx = *state;

	bond_new(fx, "mode active-backup miimon 100");
	run_at(fx, 0); /* polls; the next poll is at 100 */
	wire(fx, A, false);
	run_at(fx, 50);
	BOND(fx, "pfa", true, 2);
	MEMBER(fx, A, "up", "active", true, true, 0);
	run_at(fx, 100);
	BOND(fx, "pfb", true, 2);
	MEMBER(fx, A, "down", "down", false, false, 1);

	wire(fx, A, true);
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
	wire(fx, A, false);
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
	assert_int_equal(member_del(fx, A), 0);
	assert_int_equal(fx->member[A], -1);
	assert_int_equal(bond_member_count(fx->bond), 1);
	BOND(fx, "pfb", true, 1);
	MEMBER(fx, B, "up", "active", true, true, 0);

	/* not a member (any more); the glue names it (test_bond_live.c) */
	assert_int_equal(member_del(fx, A), -ENOENT);
	assert_int_equal(bond_member_del(fx->bond, 0, fx->now), -ENOENT);

	assert_int_equal(member_del(fx, B), 0);
	BOND(fx, NULL, false, 0);
}

/* An uplink deleted under the bond (RTM_DELLINK): the member goes down
 * at once and stays down through later polls (they fail); the bond fails
 * over and can still release it. */
static void test_member_uplink_deleted(void **state)
{
	struct fx *fx = *state;
	json_t *j, *m;

	bond_new_empty(fx, "mode active-backup miimon 100");
	assert_int_equal(member_add(fx, C), 0);
	assert_int_equal(member_add(fx, A), 0);
	run_at(fx, 0);
	BOND(fx, "pfc", true, 2);

	/* the eswitch reports no carrier for a gone uplink, and polls fail */
	fx->device[C] = false;
	fx->poll_err[C] = -ENODEV;
	fake_carrier(fx, C, false);
	BOND(fx, "pfa", true, 2);
	MEMBER(fx, A, "up", "active", true, true, 0);
	run_at(fx, 1000); /* polls: the device is gone, not up */
	j = fx_json(fx);
	m = member_of(j, "pfc");
	assert_non_null(m);
	assert_string_equal(jstr(m, "link"), "down");
	assert_true(json_is_false(json_object_get(m, "tx")));
	assert_int_equal(
	    json_integer_value(json_object_get(m, "link_failures")), 1);
	json_decref(j);

	assert_int_equal(member_del(fx, C), 0);
	BOND(fx, "pfa", true, 1);
}

/* A member cannot be enslaved twice; one enslaved with no carrier starts
 * down and is not used. */
static void test_member_add_checks(void **state)
{
	struct fx *fx = *state;

	wire(fx, A, false);
	bond_new(fx, "mode active-backup miimon 0");
	BOND(fx, "pfb", true, 2);
	MEMBER(fx, A, "down", "down", false, false, 0);
	MEMBER(fx, B, "up", "active", true, true, 0);

	fx->err[0] = 0;
	assert_int_equal(bond_member_add(fx->bond, &fx->port[B], fx->now,
					 fx->err, sizeof(fx->err)),
			 -EBUSY);
	assert_non_null(strstr(fx->err, "pfb"));
	assert_int_equal(bond_member_count(fx->bond), 2);
}

/* ---- balance-xor ---- */

/* Every usable member transmits and receives; a down one is dropped
 * from both, and comes back when its carrier does. */
static void test_xor_all_up_transmit(void **state)
{
	struct fx *fx = *state;

	bond_new(fx, "mode balance-xor miimon 0");
	BOND(fx, "-", true, 2);
	MEMBER(fx, A, "up", "active", true, true, 0);
	MEMBER(fx, B, "up", "active", true, true, 0);

	cable(fx, B, false);
	BOND(fx, "-", true, 2);
	MEMBER(fx, A, "up", "active", true, true, 0);
	MEMBER(fx, B, "down", "down", false, false, 1);

	cable(fx, A, false);
	BOND(fx, "-", false, 2);
	MEMBER(fx, A, "down", "down", false, false, 1);

	cable(fx, B, true);
	BOND(fx, "-", true, 2);
	MEMBER(fx, B, "up", "active", true, true, 1);
}

/* balance-xor with downdelay: the failing member keeps transmitting until
 * the delay ends. */
static void test_xor_downdelay(void **state)
{
	struct fx *fx = *state;

	bond_new(fx, "mode balance-xor miimon 0 downdelay 100");
	run_at(fx, 0);
	cable(fx, B, false);
	MEMBER(fx, B, "going down", "active", true, true, 0);
	run_at(fx, 100);
	MEMBER(fx, B, "down", "down", false, false, 1);
	MEMBER(fx, A, "up", "active", true, true, 0);
}

/* min_links counts in 802.3ad only, as in Linux (bonding.rst: "This
 * option only affects 802.3ad mode"): a balance-xor bond with fewer up
 * members keeps transmitting on the rest. */
static void test_xor_min_links_not_applied(void **state)
{
	struct fx *fx = *state;

	bond_new(fx, "mode balance-xor miimon 0 min_links 2");
	cable(fx, B, false);
	BOND(fx, "-", true, 2);
	MEMBER(fx, A, "up", "active", true, true, 0);
}

/* ---- reconfiguration ---- */

static void test_reconfigure(void **state)
{
	struct fx *fx = *state;
	struct bond_config cfg;
	json_t *j;
	uint8_t frame[FLOW_SPEC_BUILT_MAX];
	size_t len;
	char *flow[] = {"src", "10.0.0.1", "dst", "10.0.0.2"};

	bond_new(fx, "mode active-backup miimon 0");
	/* a mode change with members is refused, and changes nothing */
	config_of("mode balance-xor miimon 0", &cfg);
	fx->err[0] = 0;
	assert_int_equal(
	    bond_reconfigure(fx->bond, &cfg, fx->now, fx->err, sizeof(fx->err)),
	    -EBUSY);
	assert_non_null(strstr(fx->err, "mode"));
	j = fx_json(fx);
	assert_string_equal(jstr(j, "mode"), "active-backup");
	json_decref(j);
	BOND(fx, "pfa", true, 2);

	/* other options are taken, the published hash policy too */
	config_of("mode active-backup miimon 50 updelay 10 downdelay 20 "
		  "xmit_hash_policy layer3+4",
		  &cfg);
	assert_int_equal(
	    bond_reconfigure(fx->bond, &cfg, fx->now, fx->err, sizeof(fx->err)),
	    0);
	j = fx_json(fx);
	assert_string_equal(jstr(j, "xmit_hash_policy"), "layer3+4");
	assert_int_equal(json_integer_value(json_object_get(j, "miimon")), 50);
	assert_int_equal(json_integer_value(json_object_get(j, "updelay")), 10);
	assert_int_equal(json_integer_value(json_object_get(j, "downdelay")),
			 20);
	json_decref(j);
	assert_int_equal(
	    flow_spec_parse(4, flow, frame, sizeof(frame), &len, NULL, 0), 0);
	j = xmit_json(fx, frame, len);
	assert_string_equal(jstr(j, "xmit_hash_policy"), "layer3+4");
	assert_string_equal(jstr(j, "member"), "pfa");
	json_decref(j);

	/* a primary set later takes over at once */
	config_of("mode active-backup miimon 0 primary pfb", &cfg);
	assert_int_equal(
	    bond_reconfigure(fx->bond, &cfg, fx->now, fx->err, sizeof(fx->err)),
	    0);
	BOND(fx, "pfb", true, 2);
	MEMBER(fx, A, "up", "backup", false, false, 0);
	MEMBER(fx, B, "up", "active", true, true, 0);

	/* once empty, the mode may change */
	for (int i = 0; i < 2; i++)
		assert_int_equal(member_del(fx, i), 0);
	config_of("mode balance-xor miimon 0", &cfg);
	assert_int_equal(
	    bond_reconfigure(fx->bond, &cfg, fx->now, fx->err, sizeof(fx->err)),
	    0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(member_add(fx, i), 0);
	j = fx_json(fx);
	assert_string_equal(jstr(j, "mode"), "balance-xor");
	json_decref(j);
	BOND(fx, "-", true, 2);
	MEMBER(fx, A, "up", "active", true, true, 0);
	MEMBER(fx, B, "up", "active", true, true, 0);
}

/* ---- bond xmit-member ---- */

/* The answer for a frame: its hash under the policy the datapath uses
 * (hashed_by), the usable members
 * in enslave order and usable[hash % count]. */
static void check_xmit(struct fx *fx, const uint8_t *frame, size_t len,
		       uint32_t policy, const char *const *usable,
		       unsigned nusable, const char *file, int line)
{
	uint32_t hash = vflag_xmit_hash(frame, frame + len, policy);
	json_t *j = xmit_json(fx, frame, len);
	json_t *u = json_object_get(j, "usable");
	json_t *member = json_object_get(j, "member");
	struct why w = {{0}};

	check_str(&w, j, "bond", "bond0", "xmit-member", file, line);
	/* the policy the datapath hashes with (port_select decides) */
	check_str(&w, j, "hashed_by", vflag_hash_policy_name(policy),
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

static void test_xmit_member_xor(void **state)
{
	static const char *const both[] = {"pfa", "pfb"}, *const b_only[] = {
							      "pfb"};
	struct fx *fx = *state;
	uint8_t frame[FLOW_SPEC_BUILT_MAX];
	bool seen[2] = {false, false};

	bond_new(fx, "mode balance-xor miimon 0 xmit_hash_policy layer3+4");
	for (uint16_t sport = 40000; sport < 40016; sport++) {
		size_t len = tcp_flow(sport, frame, sizeof(frame));
		uint32_t h =
		    vflag_xmit_hash(frame, frame + len, VFLAG_HASH_LAYER34);

		check_xmit(fx, frame, len, VFLAG_HASH_LAYER34, both, 2,
			   __FILE__, __LINE__);
		seen[h % 2] = true;
	}
	/* the flows chosen do spread, so both answers were checked */
	assert_true(seen[0] && seen[1]);

	cable(fx, A, false);
	for (uint16_t sport = 40000; sport < 40004; sport++) {
		size_t len = tcp_flow(sport, frame, sizeof(frame));

		check_xmit(fx, frame, len, VFLAG_HASH_LAYER34, b_only, 1,
			   __FILE__, __LINE__);
	}
	cable(fx, B, false);
	{
		size_t len = tcp_flow(40000, frame, sizeof(frame));

		check_xmit(fx, frame, len, VFLAG_HASH_LAYER34, NULL, 0,
			   __FILE__, __LINE__);
	}
}

/* port_select queue_affinity (the default) with the seed's options (no
 * xmit_hash_policy, so layer2): flows between one pair of MACs spread
 * over both members by their layer3+4 hash, and xmit-member says so. */
static void test_xmit_member_queue_affinity(void **state)
{
	static const char *const both[] = {"pfa", "pfb"};
	struct fx *fx = *state;
	uint8_t frame[FLOW_SPEC_BUILT_MAX];
	bool seen[2] = {false, false};

	bond_new(fx, "mode balance-xor miimon 0");
	for (uint16_t sport = 40000; sport < 40010; sport++) {
		size_t len = tcp_flow(sport, frame, sizeof(frame));
		uint32_t h =
		    vflag_xmit_hash(frame, frame + len, VFLAG_HASH_LAYER34);
		json_t *j = xmit_json(fx, frame, len);

		assert_string_equal(jstr(j, "xmit_hash_policy"), "layer2");
		assert_string_equal(jstr(j, "port_select"), "queue_affinity");
		assert_string_equal(jstr(j, "hashed_by"), "layer3+4");
		json_decref(j);
		check_xmit(fx, frame, len, VFLAG_HASH_LAYER34, both, 2,
			   __FILE__, __LINE__);
		seen[h % 2] = true;
	}
	/* ten flows of one MAC pair (iperf3 -P 10) use both members */
	assert_true(seen[0] && seen[1]);
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

#define BOND_TEST(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    BOND_TEST(test_ab_first_member_active),
	    BOND_TEST(test_ab_failover_at_once_no_failback),
	    BOND_TEST(test_ab_primary_failback),
	    BOND_TEST(test_ab_all_down),
	    BOND_TEST(test_ab_downdelay),
	    BOND_TEST(test_ab_downdelay_flap),
	    BOND_TEST(test_ab_updelay),
	    BOND_TEST(test_ab_updelay_flap),
	    BOND_TEST(test_ab_updelay_ignored_when_none_up),
	    BOND_TEST(test_xor_updelay_ignored_when_none_up),
	    BOND_TEST(test_miimon_polls_carrier),
	    BOND_TEST(test_ab_member_del_active),
	    BOND_TEST(test_member_uplink_deleted),
	    BOND_TEST(test_member_add_checks),
	    BOND_TEST(test_xor_all_up_transmit),
	    BOND_TEST(test_xor_downdelay),
	    BOND_TEST(test_xor_min_links_not_applied),
	    BOND_TEST(test_reconfigure),
	    BOND_TEST(test_xmit_member_xor),
	    BOND_TEST(test_xmit_member_ab),
	    BOND_TEST(test_xmit_member_queue_affinity),
	};

	log_set_quiet(getenv("VFLAG_TEST_LOG") == NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
