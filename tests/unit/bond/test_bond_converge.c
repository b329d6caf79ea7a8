/* Unit tests of the bond's convergence (issue 10) on fake ops (fake.h):
 * a member that comes back is published collecting before any LACPDU
 * tells the partner it may send there, and is published distributing
 * only once the partner's port collects; the LACP options reach the
 * machines; port_select reaches the published struct vflag_lag. No
 * privileges needed. */
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

#include "bpf/vflag_dp.h"
#include "common/log.h"
#include "fake.h"
#include "lacp/lacpdu.h"
#include "lag/bond.h"

static bool both_tx(struct fx *fx)
{
	return published_tx(fx, A) && published_tx(fx, B);
}

/* Walks the op log since the last log_clear(): every LACPDU sent on
 * port i that tells the partner it may send to us (Synchronization or
 * Collecting) must follow a publication whose rx_mask holds i; every
 * publication with i in tx must find the partner's port i collecting.
 * Returns how many such LACPDUs were seen. */
static unsigned check_restore_order(struct fx *fx, int i)
{
	unsigned rx = 0, announcing = 0, bit = 1u << fx->member[i];
	char tx_name[16];
	const char *line = fx->log;

	snprintf(tx_name, sizeof(tx_name), "%s", pf_nm[i]);
	while (line && *line) {
		const char *end = strchr(line, '\n');
		char buf[256];
		size_t n = end ? (size_t)(end - line) : strlen(line);
		unsigned state, pcol;
		const char *s;

		if (n >= sizeof(buf))
			n = sizeof(buf) - 1;
		memcpy(buf, line, n);
		buf[n] = 0;
		if (!strncmp(buf, "publish tx=", 11)) {
			char *tx = buf + 11, *sp = strchr(tx, ' ');

			s = strstr(buf, " rx=0x");
			assert_non_null(s);
			rx = (unsigned)strtoul(s + 6, NULL, 16);
			s = strstr(buf, " pcol=0x");
			assert_non_null(s);
			pcol = (unsigned)strtoul(s + 8, NULL, 16);
			if (sp)
				*sp = 0;
			if (strstr(tx, tx_name) && !(pcol & (1u << i)))
				fail_msg("published %s distributing while the "
					 "partner's port does not collect: %s",
					 tx_name, line);
		} else if (!strncmp(buf, "send ", 5) &&
			   !strncmp(buf + 5, tx_name, strlen(tx_name)) &&
			   (s = strstr(buf, " state=0x"))) {
			state = (unsigned)strtoul(s + 9, NULL, 16);
			if (state & (LACP_STATE_SYNCHRONIZATION |
				     LACP_STATE_COLLECTING)) {
				announcing++;
				if (!(rx & bit))
					fail_msg("LACPDU on %s says 0x%02x "
						 "before rx_mask has it",
						 tx_name, state);
			}
		}
		line = end ? end + 1 : NULL;
	}
	return announcing;
}

/* 802.3ad, fast, a partner on both wires: pfb's cable out and back in.
 * The restore must open the datapath before announcing and distribute
 * only toward a collecting partner port (item 3 of issue 10). */
static void test_restore_publishes_before_announcing(void **state)
{
	struct fx *fx = *state;

	bond_new(fx, "mode 802.3ad miimon 100 lacp_rate fast");
	fx_partner_open(fx);
	if (!run_lacp(fx, 10000, both_tx))
		fail_msg("the LAG did not form with the partner in 10 s");

	cable(fx, B, false);
	lacp_port_set_enabled(fx->partner, B, false, fx->now);
	run_lacp(fx, 1000, NULL);
	assert_false(published_tx(fx, B));
	assert_false(published_rx(fx, B));

	log_clear(fx);
	cable(fx, B, true);
	lacp_port_set_enabled(fx->partner, B, true, fx->now);
	fx_pump(fx);
	if (!run_lacp(fx, 5000, both_tx))
		fail_msg("pfb did not distribute again in 5 s");
	assert_true(check_restore_order(fx, B) > 0);
	/* and the survivor was never touched */
	assert_true(published_tx(fx, A) && published_rx(fx, A));
}

/* Bring-up with the shortcut (the default): both members distributing
 * within a few 100 ms steps of the fake clock, not after 2 s; with the
 * shortcut off, Aggregate_Wait_Time (lacp_wait_ms) holds again. */
static void test_bringup_shortcut_and_wait(void **state)
{
	struct fx *fx = *state;
	uint64_t t0;

	bond_new(fx, "mode 802.3ad miimon 100 lacp_rate fast");
	t0 = fx->now;
	fx_partner_open(fx);
	/* the partner (fake.c) waits its own 2 s: the bond's shortcut
	 * shows in its own Mux only */
	assert_true(run_lacp(fx, 5000, both_tx));
	assert_true(fx->now - t0 <= 2500);

	reconfigure(fx, "mode 802.3ad miimon 100 lacp_rate fast "
			"lacp_wait_shortcut off lacp_wait_ms 3000");
	{
		json_t *j = fx_json(fx);
		json_t *l = json_object_get(j, "lacp");

		assert_int_equal(
		    json_integer_value(json_object_get(l, "wait_ms")), 3000);
		assert_false(json_is_true(json_object_get(l, "wait_shortcut")));
		json_decref(j);
	}
}

/* port_select: queue_affinity by default, published with the LAG, and
 * hash once asked for; `bond show` says which. */
static void test_port_select_published(void **state)
{
	struct fx *fx = *state;
	json_t *j;

	bond_new(fx, "mode balance-xor miimon 0");
	assert_int_equal(fx->lag.port_select, VFLAG_PORT_SELECT_QUEUE_AFFINITY);
	assert_int_equal(fx->lag.hash_policy, 0); /* layer2, Linux's */
	j = fx_json(fx);
	assert_string_equal(jstr(j, "port_select"), "queue_affinity");
	json_decref(j);

	reconfigure(fx, "mode balance-xor miimon 0 port_select hash");
	assert_int_equal(fx->lag.port_select, VFLAG_PORT_SELECT_HASH);
	assert_true(log_count(fx, "select=0") > 0);
	j = fx_json(fx);
	assert_string_equal(jstr(j, "port_select"), "hash");
	json_decref(j);
}

#define BOND_TEST(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    BOND_TEST(test_restore_publishes_before_announcing),
	    BOND_TEST(test_bringup_shortcut_and_wait),
	    BOND_TEST(test_port_select_published),
	};

	log_set_quiet(true);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
