/* Unit tests of the bond in 802.3ad mode (src/lag/bond.c's LACP glue) on
 * fake ops (fake.h): the LACP blocks of `bond show`, the LACPDUs the
 * bond sends, a partner system (the project's own LACP machines on the
 * far end of the fake wires) forming the LAG, min_links, send failures,
 * and bond_next_deadline() with LACP timers. No privileges needed. */
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
#include "fake.h"
#include "lag/bond.h"

#define ETH_P_SLOW 0x8809

static const uint8_t slow_mac[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x02};

static const char *const lacp_keys[] = {
    "rate",	    "active",	   "ad_select",	    "min_links",
    "sys_priority", "sys_mac",	   "aggregator_id", "num_ports",
    "ready",	    "partner_mac", "partner_key",   "actor_key",
};
static const char *const member_lacp_keys[] = {
    "aggregator_id", "selected",  "actor",	    "partner",
    "rx_state",	     "mux_state", "periodic_state", "actor_churn",
    "partner_churn", "looped",	  "counters",
};

/* The LACP objects are there; with no partner, nothing distributes at
 * first; LACPDUs go out of every member, from the member's MAC. */
static void test_8023ad_json_and_lacpdus(void **state)
{
	struct fx *fx = *state;
	char macstr[18];
	json_t *j, *l;

	bond_new(
	    fx,
	    "mode 802.3ad miimon 0 lacp_rate fast min_links 1 sys_prio 1000");
	BOND(fx, "-", false, 2);
	MEMBER(fx, A, "up", "backup", false, false, 0);
	MEMBER(fx, B, "up", "backup", false, false, 0);

	j = fx_json(fx);
	assert_string_equal(jstr(j, "mode"), "802.3ad");
	assert_int_equal(json_integer_value(json_object_get(j, "mode_num")), 4);
	l = json_object_get(j, "lacp");
	assert_true(json_is_object(l));
	for (size_t k = 0; k < sizeof(lacp_keys) / sizeof(lacp_keys[0]); k++)
		if (!json_object_get(l, lacp_keys[k]))
			fail_msg("bond lacp has no \"%s\"", lacp_keys[k]);
	assert_string_equal(jstr(l, "rate"), "fast");
	assert_string_equal(jstr(l, "ad_select"), "stable");
	assert_int_equal(json_integer_value(json_object_get(l, "min_links")),
			 1);
	assert_int_equal(json_integer_value(json_object_get(l, "sys_priority")),
			 1000);
	/* key 0x100 + the LAG slot (1) */
	assert_int_equal(json_integer_value(json_object_get(l, "actor_key")),
			 0x101);
	snprintf(macstr, sizeof(macstr), "%02x:%02x:%02x:%02x:%02x:%02x",
		 fx->port[A].mac[0], fx->port[A].mac[1], fx->port[A].mac[2],
		 fx->port[A].mac[3], fx->port[A].mac[4], fx->port[A].mac[5]);
	assert_string_equal(jstr(l, "sys_mac"), macstr);
	for (int i = 0; i < 2; i++) {
		json_t *m = member_of(j, pf_nm[i]), *ml;

		assert_non_null(m);
		ml = json_object_get(m, "lacp");
		assert_true(json_is_object(ml));
		for (size_t k = 0;
		     k < sizeof(member_lacp_keys) / sizeof(member_lacp_keys[0]);
		     k++)
			if (!json_object_get(ml, member_lacp_keys[k]))
				fail_msg("%s lacp has no \"%s\"", pf_nm[i],
					 member_lacp_keys[k]);
		assert_string_not_equal(jstr(ml, "mux_state"),
					"COLLECTING_DISTRIBUTING");
		assert_int_equal(json_integer_value(json_object_get(
				     json_object_get(ml, "actor"), "port")),
				 i + 1);
	}
	json_decref(j);

	/* 2.5 s with no partner: one LACPDU when the port is enabled, then
	 * fast periodic (1 s) while the partner's info is expired (802.1AX
	 * 6.4.12: EXPIRED asks for the short timeout) */
	for (uint64_t t = 0; t <= 2500; t += 100)
		run_at(fx, t);
	j = fx_json(fx);
	for (int i = 0; i < 2; i++) {
		json_t *c = json_object_get(
		    json_object_get(member_of(j, pf_nm[i]), "lacp"),
		    "counters");
		int n = 0;

		for (unsigned f = 0; f < fx->nsent; f++) {
			const uint8_t *b = fx->sent[f].b;

			if (fx->sent[f].port != (unsigned)i)
				continue;
			n++;
			assert_memory_equal(b, slow_mac, 6);
			assert_memory_equal(b + 6, fx->port[i].mac, 6);
			assert_int_equal(b[12] << 8 | b[13], ETH_P_SLOW);
			assert_int_equal(b[14], 1); /* LACP subtype */
		}
		assert_int_equal(n, 3);
		assert_int_equal(
		    json_integer_value(json_object_get(c, "lacpdu_tx")), n);
	}
	json_decref(j);
	MEMBER(fx, A, "up", "backup", false, false, 0);
	MEMBER(fx, B, "up", "backup", false, false, 0);
}

static bool member_tx(struct fx *fx, int i)
{
	json_t *j = fx_json(fx);
	bool tx = json_is_true(json_object_get(member_of(j, pf_nm[i]), "tx"));

	json_decref(j);
	return tx;
}

static bool both_tx(struct fx *fx)
{
	return member_tx(fx, A) && member_tx(fx, B);
}

static bool a_tx(struct fx *fx)
{
	return member_tx(fx, A);
}

/* With a partner, both members distribute; min_links 2 stops the
 * survivor as soon as one member goes down, min_links 1 lets it go on. */
static void test_8023ad_partner_min_links(void **state)
{
	struct fx *fx = *state;
	json_t *j, *l;

	bond_new(fx, "mode 802.3ad miimon 0 lacp_rate fast min_links 2");
	fx_partner_open(fx);
	if (!run_lacp(fx, 10000, both_tx))
		fail_msg("the LAG did not form with the partner in 10 s");
	BOND(fx, "-", true, 2);
	MEMBER(fx, A, "up", "active", true, true, 0);
	MEMBER(fx, B, "up", "active", true, true, 0);
	j = fx_json(fx);
	l = json_object_get(j, "lacp");
	assert_string_equal(jstr(l, "partner_mac"), "02:00:00:00:99:00");
	assert_int_equal(json_integer_value(json_object_get(l, "partner_key")),
			 0x55);
	assert_int_equal(json_integer_value(json_object_get(l, "num_ports")),
			 2);
	assert_true(json_is_true(json_object_get(l, "ready")));
	assert_string_equal(
	    jstr(json_object_get(member_of(j, "pfa"), "lacp"), "mux_state"),
	    "COLLECTING_DISTRIBUTING");
	json_decref(j);

	/* pfb's cable out (both sides see it): below min_links */
	cable(fx, B, false);
	lacp_port_set_enabled(fx->partner, B, false, fx->now);
	BOND(fx, "-", false, 2);
	MEMBER(fx, A, "up", "backup", false, false, 0);
	MEMBER(fx, B, "down", "down", false, false, 1);
	run_lacp(fx, 3000, NULL);
	BOND(fx, "-", false, 2);
	MEMBER(fx, A, "up", "backup", false, false, 0);
	j = fx_json(fx);
	l = json_object_get(j, "lacp");
	assert_true(json_is_false(json_object_get(l, "ready")));
	json_decref(j);

	/* min_links 1: the survivor is enough */
	reconfigure(fx, "mode 802.3ad miimon 0 lacp_rate fast min_links 1");
	if (!run_lacp(fx, 5000, a_tx))
		fail_msg("pfa did not distribute again with min_links 1");
	BOND(fx, "-", true, 2);
	MEMBER(fx, A, "up", "active", true, true, 0);
	MEMBER(fx, B, "down", "down", false, false, 1);
}

/* A silent partner (frames lost, carrier up) is noticed by LACP's
 * timeout alone: the member stops distributing within 3 s (fast). It
 * still collects while EXPIRED (ATTACHED collects, lacp_mux.c: the loss
 * may be one way, and the partner may still send to us), and stops once
 * DEFAULTED detaches it, 3 s later. */
static void test_8023ad_partner_silent(void **state)
{
	struct fx *fx = *state;

	bond_new(fx, "mode 802.3ad miimon 100 lacp_rate fast");
	fx_partner_open(fx);
	if (!run_lacp(fx, 10000, both_tx))
		fail_msg("the LAG did not form with the partner in 10 s");
	/* the partner's port B goes quiet, the carrier stays */
	lacp_port_set_enabled(fx->partner, B, false, fx->now);
	run_lacp(fx, 3500, NULL);
	MEMBER(fx, A, "up", "active", true, true, 0);
	MEMBER(fx, B, "up", "backup", false, true, 0);
	BOND(fx, "-", true, 2);
	run_lacp(fx, 3000, NULL);
	MEMBER(fx, A, "up", "active", true, true, 0);
	MEMBER(fx, B, "up", "backup", false, false, 0);
}

/* LACPDUs the ops fail to send count in the member's tx_errors and
 * LACP's lacpdu_tx_err. */
static void test_8023ad_send_errors(void **state)
{
	struct fx *fx = *state;
	json_t *j, *m;

	fx->send_err = -ENOBUFS;
	bond_new(fx, "mode 802.3ad miimon 0 lacp_rate fast");
	run_at(fx, 0);
	j = fx_json(fx);
	m = member_of(j, "pfa");
	assert_true(json_integer_value(json_object_get(m, "tx_errors")) >= 1);
	assert_int_equal(
	    json_integer_value(json_object_get(m, "tx_errors")),
	    json_integer_value(json_object_get(
		json_object_get(json_object_get(m, "lacp"), "counters"),
		"lacpdu_tx_err")));
	json_decref(j);
}

/* Leaving 802.3ad (empty bond) stops LACP: no "lacp" block, frames are
 * ignored and counted; back in 802.3ad, it starts again with members. */
static void test_8023ad_mode_change(void **state)
{
	struct fx *fx = *state;
	uint8_t frame[124] = {0x01, 0x80, 0xc2, 0, 0, 0x02};
	json_t *j;

	bond_new(fx, "mode 802.3ad miimon 0");
	assert_int_equal(member_del(fx, A), 0);
	assert_int_equal(member_del(fx, B), 0);
	reconfigure(fx, "mode balance-xor miimon 0");
	assert_int_equal(member_add(fx, A), 0);
	bond_rx(fx->bond, (unsigned)fx->member[A], frame, sizeof(frame),
		fx->now);
	j = fx_json(fx);
	assert_null(json_object_get(j, "lacp"));
	assert_null(json_object_get(member_of(j, "pfa"), "lacp"));
	assert_int_equal(json_integer_value(json_object_get(member_of(j, "pfa"),
							    "slow_rx_ignored")),
			 1);
	json_decref(j);
	assert_int_equal(member_del(fx, A), 0);
	reconfigure(fx, "mode 802.3ad miimon 0");
	assert_int_equal(member_add(fx, B), 0);
	j = fx_json(fx);
	assert_true(
	    json_is_object(json_object_get(member_of(j, "pfb"), "lacp")));
	json_decref(j);
}

/* With LACP, bond_next_deadline() includes the machines' timers: running
 * only there (and on frames) forms the LAG as ticking does, and run_at's
 * check finds nothing changing before any deadline. */
static void test_8023ad_deadline(void **state)
{
	struct fx *fx = *state;
	uint64_t end;

	bond_new(fx, "mode 802.3ad miimon 0 lacp_rate fast");
	assert_true(bond_next_deadline(fx->bond) < UINT64_MAX);
	fx_partner_open(fx);
	end = fx->now + 10000;
	while (fx->now < end && !both_tx(fx)) {
		uint64_t d = bond_next_deadline(fx->bond);
		uint64_t p = lacp_next_deadline(fx->partner);
		uint64_t next = d < p ? d : p;

		if (next <= fx->now)
			next = fx->now;
		if (next > end)
			break;
		run_at(fx, next - T0);
		lacp_run(fx->partner, fx->now);
		fx_pump(fx);
	}
	MEMBER(fx, A, "up", "active", true, true, 0);
	MEMBER(fx, B, "up", "active", true, true, 0);
}

#define BOND_TEST(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    BOND_TEST(test_8023ad_json_and_lacpdus),
	    BOND_TEST(test_8023ad_partner_min_links),
	    BOND_TEST(test_8023ad_partner_silent),
	    BOND_TEST(test_8023ad_send_errors),
	    BOND_TEST(test_8023ad_mode_change),
	    BOND_TEST(test_8023ad_deadline),
	};

	log_set_quiet(getenv("VFLAG_TEST_LOG") == NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
