/* Unit tests of the bond's side of struct bond_ops (src/lag/bond.c) on
 * fake ops (fake.h): what is published to the datapath and when, the
 * failover announcements and their order against publication and
 * detach, attach failures, and bond_next_deadline().
 *
 * Which MACs an announcement carries (the domain's VF MACs) is the glue's
 * business, tested live in test_bond_live.c. No privileges needed. */
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

/* The op log's lines from the first containing `from`, for order checks:
 * each of `want` must follow the previous one. */
static void log_order(const struct fx *fx, const char *const *want, unsigned n)
{
	const char *p = fx->log;

	for (unsigned i = 0; i < n; i++) {
		const char *q = strstr(p, want[i]);

		if (!q)
			fail_msg("\"%s\" not in the op log after its "
				 "predecessors:\n%s",
				 want[i], fx->log);
		p = q + strlen(want[i]);
	}
}

/* A new bond publishes an empty LAG, so the slot never holds another
 * bond's members; members attach before they are published. */
static void test_create_publishes_empty_then_members(void **state)
{
	static const char *const order[] = {
	    "publish tx=- rx=0x0", "attach pfa m0", "publish tx=pfa rx=0x1",
	    "announce pfa",	   "attach pfb m1",
	};
	struct fx *fx = *state;

	bond_new(fx, "mode active-backup miimon 0");
	log_order(fx, order, 5);
	/* pfb enslaved as backup: no publication changes, no announcement */
	assert_int_equal(fx->npublish, 2);
	assert_int_equal(log_count(fx, "announce"), 1);
}

/* Publication follows a carrier event at once (no bond_run), and only a
 * change is published: the datapath's inner map is not swapped for
 * nothing. */
static void test_publication_immediate_and_only_on_change(void **state)
{
	struct fx *fx = *state;

	bond_new(fx, "mode active-backup miimon 100");
	assert_true(published_tx(fx, A));
	fake_carrier(fx, A, false);
	assert_false(published_tx(fx, A));
	assert_true(published_tx(fx, B));
	fake_carrier(fx, B, false);
	assert_int_equal(fx->lag.tx_count, 0);
	assert_int_equal(fx->lag.rx_mask, 0);
	fake_carrier(fx, A, true);
	assert_true(published_tx(fx, A));
	assert_false(published_tx(fx, B));

	/* polls that find nothing new publish nothing */
	wire(fx, B, false);
	log_clear(fx);
	{
		unsigned n = fx->npublish;

		for (uint64_t t = 0; t <= 1000; t += 100)
			run_at(fx, t);
		assert_int_equal(fx->npublish, n);
		assert_int_equal(log_count(fx, "poll pfa"), 11);
	}
}

/* The hash policy is part of the publication. */
static void test_publication_hash_policy(void **state)
{
	struct fx *fx = *state;

	bond_new(fx, "mode balance-xor miimon 0 xmit_hash_policy 1");
	assert_int_equal(fx->lag.hash_policy, 1);
	assert_int_equal(fx->lag.tx_count, 2);
	/* in enslave order, with the ports' datapath ids */
	assert_int_equal(fx->lag.tx_ifindex[0], fx->port[A].ifindex);
	assert_int_equal(fx->lag.tx_port_id[0], fx->port[A].port_id);
	assert_int_equal(fx->lag.tx_ifindex[1], fx->port[B].ifindex);
	assert_int_equal(fx->lag.tx_port_id[1], fx->port[B].port_id);
	assert_int_equal(fx->lag.rx_mask, 0x3);
	reconfigure(fx, "mode balance-xor miimon 0 xmit_hash_policy encap3+4");
	assert_int_equal(fx->lag.hash_policy, 4);
}

/* Failover announces on the new active member after publishing it; a
 * failback that does not happen announces nothing; a primary set later
 * announces where it takes over; failed frames count as tx_errors. */
static void test_failover_announces(void **state)
{
	static const char *const order[] = {"publish tx=pfb", "announce pfb"};
	struct fx *fx = *state;
	json_t *j;

	bond_new(fx, "mode active-backup miimon 0");
	log_clear(fx);
	fake_carrier(fx, A, false);
	BOND(fx, "pfb", true, 2);
	log_order(fx, order, 2);
	assert_int_equal(log_count(fx, "announce"), 1);

	log_clear(fx);
	fake_carrier(fx, A, true);
	assert_int_equal(log_count(fx, "announce"), 0);

	fx->announce_fail = 2;
	reconfigure(fx, "mode active-backup miimon 0 primary pfa");
	BOND(fx, "pfa", true, 2);
	assert_int_equal(log_count(fx, "announce pfa"), 1);
	assert_int_equal(log_count(fx, "announce"), 1);
	j = fx_json(fx);
	assert_int_equal(json_integer_value(
			     json_object_get(member_of(j, "pfa"), "tx_errors")),
			 2);
	assert_int_equal(json_integer_value(
			     json_object_get(member_of(j, "pfb"), "tx_errors")),
			 0);
	json_decref(j);

	/* balance-xor has no active member: nothing to announce */
	log_clear(fx);
}

/* Removing the active member: the datapath stops using it, it leaves the
 * LAG's domain (detach), and only then the new active one announces, so
 * only the VFs that stay in the bond are announced. */
static void test_member_del_order(void **state)
{
	static const char *const order[] = {"publish tx=pfb rx=0x2",
					    "detach pfa", "announce pfb"};
	struct fx *fx = *state;

	bond_new(fx, "mode active-backup miimon 0");
	log_clear(fx);
	assert_int_equal(member_del(fx, A), 0);
	log_order(fx, order, 3);
	BOND(fx, "pfb", true, 1);
}

/* Deleting the bond moves no activity and announces nothing (Linux
 * releases all slaves without reselecting); the LAG is removed last. */
static void test_destroy_announces_nothing(void **state)
{
	static const char *const order[] = {"detach pfb", "detach pfa",
					    "publish none"};
	struct fx *fx = *state;

	bond_new(fx, "mode active-backup miimon 0 primary pfb");
	BOND(fx, "pfb", true, 2);
	log_clear(fx);
	bond_destroy(fx->bond, fx->now);
	fx->bond = NULL;
	assert_int_equal(log_count(fx, "announce"), 0);
	log_order(fx, order, 3);
	assert_true(fx->lag_removed);
}

/* A member whose attach fails is not added, and nothing is published for
 * it; the error says why. */
static void test_attach_failure(void **state)
{
	struct fx *fx = *state;

	bond_new_empty(fx, "mode balance-xor miimon 0");
	assert_int_equal(member_add(fx, A), 0);
	fx->attach_err = -EIO;
	assert_int_equal(member_add(fx, B), -EIO);
	assert_non_null(strstr(fx->err, "pfb"));
	assert_int_equal(bond_member_count(fx->bond), 1);
	assert_int_equal(log_count(fx, "detach"), 0);
	assert_false(published_tx(fx, B));
	fx->attach_err = 0;
	assert_int_equal(member_add(fx, B), 0);
	BOND(fx, "-", true, 2);
}

/* Member indexes: the lowest free one, reused after a removal. */
static void test_member_index_reuse(void **state)
{
	struct fx *fx = *state;

	bond_new(fx, "mode balance-xor miimon 0");
	assert_int_equal(fx->member[A], 0);
	assert_int_equal(fx->member[B], 1);
	assert_int_equal(member_del(fx, A), 0);
	assert_int_equal(member_add(fx, C), 0);
	assert_int_equal(fx->member[C], 0);
	assert_int_equal(bond_member_find(fx->bond, "pfc"), 0);
	assert_int_equal(bond_member_find(fx->bond, "pfa"), -ENOENT);
	assert_int_equal(fx->lag.rx_mask, 0x3);
	/* in enslave order: pfb before pfc */
	assert_int_equal(fx->lag.tx_ifindex[0], fx->port[B].ifindex);
	assert_int_equal(fx->lag.tx_ifindex[1], fx->port[C].ifindex);
}

/* Slow-protocol frames outside 802.3ad are counted and ignored. */
static void test_slow_rx_ignored(void **state)
{
	struct fx *fx = *state;
	uint8_t frame[124] = {0x01, 0x80, 0xc2, 0, 0, 0x02};
	json_t *j;

	bond_new(fx, "mode active-backup miimon 0");
	bond_rx(fx->bond, (unsigned)fx->member[B], frame, sizeof(frame),
		fx->now);
	bond_rx(fx->bond, (unsigned)fx->member[B], frame, sizeof(frame),
		fx->now);
	bond_rx(fx->bond, 7, frame, sizeof(frame),
		fx->now); /* no such member */
	j = fx_json(fx);
	assert_int_equal(json_integer_value(json_object_get(member_of(j, "pfb"),
							    "slow_rx_ignored")),
			 2);
	assert_int_equal(json_integer_value(json_object_get(member_of(j, "pfa"),
							    "slow_rx_ignored")),
			 0);
	json_decref(j);
}

/* bond_next_deadline(): the next poll, the end of a delay, never. */
static void test_deadline_values(void **state)
{
	struct fx *fx = *state;

	/* events only, nothing pending: never */
	bond_new(fx, "mode active-backup miimon 0 downdelay 200 updelay 300");
	assert_int_equal(bond_next_deadline(fx->bond), UINT64_MAX);
	/* downdelay running: its end */
	cable(fx, A, false);
	assert_int_equal(bond_next_deadline(fx->bond), T0 + 200);
	run_at(fx, 200);
	assert_int_equal(bond_next_deadline(fx->bond), UINT64_MAX);
	/* updelay running: its end */
	run_at(fx, 1000);
	cable(fx, A, true);
	assert_int_equal(bond_next_deadline(fx->bond), T0 + 1300);
	run_at(fx, 1300);
	MEMBER(fx, A, "up", "backup", false, false, 1);
	assert_int_equal(bond_next_deadline(fx->bond), UINT64_MAX);

	/* miimon: the next poll; reconfiguring restarts it now */
	reconfigure(fx, "mode active-backup miimon 100");
	assert_int_equal(bond_next_deadline(fx->bond), T0 + 1300);
	run_at(fx, 1300);
	assert_int_equal(bond_next_deadline(fx->bond), T0 + 1400);
}

/* A step already due on what the bond knows is due now: a member "going
 * up" once no member is usable any more (updelay is then ignored). */
static void test_deadline_due_now(void **state)
{
	struct fx *fx = *state;

	bond_new(fx, "mode active-backup miimon 0 updelay 300");
	cable(fx, B, false);
	run_at(fx, 1000);
	cable(fx, B, true); /* going up, pfa still usable */
	MEMBER(fx, B, "going up", "down", false, false, 1);
	assert_int_equal(bond_next_deadline(fx->bond), T0 + 1300);
	cable(fx, A, false); /* now none usable: pfb is due at once */
	assert_int_equal(bond_next_deadline(fx->bond), 0);
	run_at(fx, 1001);
	MEMBER(fx, B, "up", "active", true, true, 1);
}

/* Running only at the deadlines (and on events) gives what running every
 * 10 ms gives: two bonds, the same events, compared at every event. */
static void test_deadline_equivalence(void **state)
{
	static const struct {
		uint64_t at;
		int port;
		bool carrier; /* an event; port -1: a device change only */
	} ev[] = {
	    {50, A, false},    {120, A, true},	 {400, A, false},
	    {730, B, false},   {900, B, true},	 {905, A, true},
	    {1500, -1, false}, {2300, A, false}, {2350, A, true},
	    {2500, B, false},  {2600, B, true},
	};
	const char *opts = "mode active-backup miimon 100 updelay 250 "
			   "downdelay 120 primary pfb";
	struct fx *tick = *state, *dl = NULL;

	assert_int_equal(fx_setup((void **)&dl), 0);
	bond_new(tick, opts);
	bond_new(dl, opts);
	for (size_t e = 0; e <= sizeof(ev) / sizeof(ev[0]); e++) {
		uint64_t until =
		    e < sizeof(ev) / sizeof(ev[0]) ? ev[e].at : 4000;
		char *a, *b;
		json_t *ja, *jb;

		/* one ticks every 10 ms; the other runs at its deadlines */
		for (uint64_t t = tick->now - T0 + 10; t <= until; t += 10)
			run_at(tick, t);
		for (;;) {
			uint64_t d = bond_next_deadline(dl->bond);

			if (d == 0)
				d = dl->now;
			if (d > T0 + until)
				break;
			run_at(dl, d - T0);
		}
		/* both at the event time, so events see the same now */
		tick->now = dl->now = T0 + until;
		if (e < sizeof(ev) / sizeof(ev[0])) {
			int p = ev[e].port;

			if (p < 0) {
				wire(tick, B, ev[e].carrier);
				wire(dl, B, ev[e].carrier);
			} else {
				cable(tick, p, ev[e].carrier);
				cable(dl, p, ev[e].carrier);
			}
		}
		ja = fx_json(tick);
		jb = fx_json(dl);
		a = json_dumps(ja, JSON_SORT_KEYS);
		b = json_dumps(jb, JSON_SORT_KEYS);
		json_decref(ja);
		json_decref(jb);
		if (strcmp(a, b))
			fail_msg(
			    "at %llu: ticking gives\n%s\ndeadlines give\n%s",
			    (unsigned long long)until, a, b);
		free(a);
		free(b);
		assert_memory_equal(&tick->lag, &dl->lag, sizeof(tick->lag));
	}
	fx_teardown((void **)&dl);
}

#define BOND_TEST(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    BOND_TEST(test_create_publishes_empty_then_members),
	    BOND_TEST(test_publication_immediate_and_only_on_change),
	    BOND_TEST(test_publication_hash_policy),
	    BOND_TEST(test_failover_announces),
	    BOND_TEST(test_member_del_order),
	    BOND_TEST(test_destroy_announces_nothing),
	    BOND_TEST(test_attach_failure),
	    BOND_TEST(test_member_index_reuse),
	    BOND_TEST(test_slow_rx_ignored),
	    BOND_TEST(test_deadline_values),
	    BOND_TEST(test_deadline_due_now),
	    BOND_TEST(test_deadline_equivalence),
	};

	log_set_quiet(getenv("VFLAG_TEST_LOG") == NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
