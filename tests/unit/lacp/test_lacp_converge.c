/* LACP convergence (issue 10), end to end over the simulated wire of
 * sim.h in 10 ms steps: Ready without Aggregate_Wait_Time once no port
 * can still join (and the full wait when one might), a defaulted port of
 * a fast bond staying on Fast_Periodic_Time, a healed link distributing
 * again within 2 s, and, at every step of a restore and a bring-up, no
 * end distributing on a link whose other end does not collect. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/log.h"
#include "lacp/lacp.h"
#include "lacp/lacpdu.h"
#include "sim.h"

#define A 0
#define B 1

static struct sim *live_sim;

static struct sim *sim_new(void)
{
	struct sim *sim = malloc(sizeof(*sim));

	assert_non_null(sim);
	sim_init(sim);
	live_sim = sim;
	return sim;
}

static void sim_free(struct sim *sim)
{
	sim_fini(sim);
	free(sim);
	live_sim = NULL;
}

static int teardown(void **state)
{
	(void)state;
	if (live_sim)
		sim_free(live_sim);
	return 0;
}

/* Two systems with n ports each, port i joined to port i; the default
 * configuration but wait_shortcut as given. */
static struct sim *pair(unsigned n, bool shortcut)
{
	struct lacp_config ca = sim_default_cfg(A), cb = sim_default_cfg(B);
	struct sim *sim = sim_new();

	ca.wait_shortcut = cb.wait_shortcut = shortcut;
	sim_add_sys(sim, &ca, n);
	sim_add_sys(sim, &cb, n);
	for (unsigned i = 0; i < n; i++)
		sim_connect(sim, A, i, B, i);
	return sim;
}

static bool all_distributing(struct sim *sim)
{
	for (unsigned s = 0; s < sim->nsys; s++)
		for (unsigned p = 0; p < sim->sys[s].nports; p++)
			if (!sim_distributing(sim, s, p))
				return false;
	return true;
}

static const char *rx_state(struct sim *sim, unsigned sys, unsigned port)
{
	struct lacp_port_status st;

	sim_port_status(sim, sys, port, &st);
	return st.rx_state;
}

/* No end distributes on a link whose other end does not collect: the
 * condition for a join that loses no frame. */
static void assert_coupled(struct sim *sim)
{
	for (unsigned i = 0; i < SIM_MAX_LINKS; i++) {
		const struct sim_link *l = &sim->links[i];

		for (unsigned e = 0; l->used && e < 2; e++) {
			unsigned s = l->sys[e], o = l->sys[!e];

			if (sim_distributing(sim, s, l->port[e]) &&
			    !lacp_port_collecting(sim->sys[o].lacp,
						  l->port[!e]))
				fail_msg("t=%llu: %c port %u distributes, %c "
					 "port %u does not collect",
					 (unsigned long long)sim->now, 'A' + s,
					 l->port[e], 'A' + o, l->port[!e]);
		}
	}
}

/* Steps until all distribute, checking assert_coupled() at every step;
 * returns the ms it took, or -1. */
static long run_coupled_until_all(struct sim *sim, uint64_t max_ms)
{
	for (uint64_t t = 0; t <= max_ms; t += SIM_STEP_MS) {
		assert_coupled(sim);
		if (all_distributing(sim))
			return (long)t;
		sim_run(sim, SIM_STEP_MS);
	}
	return -1;
}

/* ---- bring-up --------------------------------------------------------- */

/* Both ends with the shortcut, both links up at once: distributing in a
 * few steps, far below Aggregate_Wait_Time, within the 3-per-second
 * budget, and coupled at every step. */
static void test_shortcut_bringup(void **state)
{
	struct sim *sim = pair(2, true);
	long took = run_coupled_until_all(sim, 3000);

	(void)state;
	assert_true(took >= 0);
	assert_true(took <= 50);
	for (unsigned p = 0; p < 2; p++)
		assert_true(sim->sys[A].log[p].tx <= 3);
	/* and it stays formed */
	sim_run(sim, 5000);
	assert_true(all_distributing(sim));
	sim_free(sim);
}

/* One end with the shortcut against one without: the one without waits
 * its 2 s, and nothing distributes toward a port that does not collect
 * in the meantime. */
static void test_shortcut_one_end(void **state)
{
	struct lacp_config ca = sim_default_cfg(A), cb = sim_default_cfg(B);
	struct sim *sim = sim_new();
	long took;

	(void)state;
	ca.wait_shortcut = true;
	sim_add_sys(sim, &ca, 2);
	sim_add_sys(sim, &cb, 2);
	sim_connect(sim, A, 0, B, 0);
	sim_connect(sim, A, 1, B, 1);
	took = run_coupled_until_all(sim, 5000);
	assert_true(took >= 2000 && took <= 3100);
	sim_free(sim);
}

/* A configured port that is up but has not heard its partner (no frame
 * of its ever arrives) might still join: the others wait out the full
 * Aggregate_Wait_Time, then go ahead without it. */
static void test_shortcut_waits_for_silent_port(void **state)
{
	struct lacp_config ca = sim_default_cfg(A), cb = sim_default_cfg(B);
	struct sim *sim = sim_new();
	long took;

	(void)state;
	ca.wait_shortcut = cb.wait_shortcut = true;
	sim_add_sys(sim, &ca, 2);
	sim_add_sys(sim, &cb, 2);
	/* A's port 1 is up, wired to nothing that answers */
	lacp_port_set_enabled(sim->sys[A].lacp, 1, true, sim->now);
	sim_connect(sim, A, 0, B, 0);
	sim_run(sim, 1500);
	assert_false(sim_distributing(sim, A, 0));
	assert_false(sim_distributing(sim, B, 0));
	assert_string_equal(rx_state(sim, A, 1), "EXPIRED");
	for (took = 1500; took < 4000 && !(sim_distributing(sim, A, 0) &&
					   sim_distributing(sim, B, 0));
	     took += SIM_STEP_MS) {
		sim_run(sim, SIM_STEP_MS);
		assert_coupled(sim);
	}
	assert_true(took >= 2000 && took < 4000);
	sim_free(sim);
}

/* A port that comes up later joins a running aggregator at once: its
 * partner is heard, no other port can come. */
static void test_shortcut_restore(void **state)
{
	struct sim *sim = pair(2, true);
	long took;

	(void)state;
	assert_true(run_coupled_until_all(sim, 3000) >= 0);
	sim_run(sim, 5000);
	sim_link_set(sim, 1, false);
	for (unsigned i = 0; i < 50; i++) {
		sim_run(sim, SIM_STEP_MS);
		assert_coupled(sim);
	}
	assert_true(sim_distributing(sim, A, 0));
	assert_false(sim_distributing(sim, A, 1));
	sim_link_set(sim, 1, true);
	took = run_coupled_until_all(sim, 3000);
	assert_true(took >= 0 && took <= 100);
	sim_free(sim);
}

/* The same restore without the shortcut, after a long outage (the
 * partner's information timed out): coupled at every step. */
static void test_restore_coupled_without_shortcut(void **state)
{
	struct sim *sim = pair(2, false);
	long took;

	(void)state;
	assert_true(run_coupled_until_all(sim, 5000) >= 0);
	sim_run(sim, 5000);
	sim_link_set(sim, 0, false);
	sim_run(sim, 10000);
	sim_link_set(sim, 0, true);
	took = run_coupled_until_all(sim, 5000);
	print_message("restore without shortcut: %ld ms\n", took);
	assert_true(took >= 0 && took <= 3100);
	sim_free(sim);
}

/* ---- defaulted, fast; healing ---------------------------------------- */

/* A fast port that hears nothing: EXPIRED, then DEFAULTED, and still
 * one LACPDU per Fast_Periodic_Time (Partner_Admin short timeout). */
static void test_defaulted_stays_fast(void **state)
{
	struct sim *sim = pair(1, true);
	struct sim_port_log *log = &sim->sys[A].log[0];
	struct lacp_port_status st;
	unsigned first;

	(void)state;
	sim->links[0].drop[0] = sim->links[0].drop[1] = true;
	sim_run(sim, 10000);
	sim_port_status(sim, A, 0, &st);
	assert_string_equal(st.rx_state, "DEFAULTED");
	assert_string_equal(st.periodic_state, "FAST_PERIODIC");
	assert_true(st.partner.state & LACP_STATE_TIMEOUT);
	first = log->tx;
	sim_run(sim, 10000);
	assert_in_range(log->tx - first, 9, 11);
	for (unsigned i = first + 1; i < log->tx; i++)
		assert_in_range(log->tx_time[i] - log->tx_time[i - 1], 1000,
				1000 + SIM_STEP_MS);
	sim_free(sim);
}

/* A slow bond keeps the standard's Partner_Admin long timeout: slow
 * once defaulted. */
static void test_defaulted_slow_stays_slow(void **state)
{
	struct lacp_config ca = sim_default_cfg(A), cb = sim_default_cfg(B);
	struct sim *sim = sim_new();
	struct lacp_port_status st;

	(void)state;
	ca.rate = cb.rate = LACP_RATE_SLOW;
	sim_add_sys(sim, &ca, 1);
	sim_add_sys(sim, &cb, 1);
	sim_connect(sim, A, 0, B, 0);
	sim->links[0].drop[0] = sim->links[0].drop[1] = true;
	sim_run(sim, 100000);
	sim_port_status(sim, A, 0, &st);
	assert_string_equal(st.rx_state, "DEFAULTED");
	assert_string_equal(st.periodic_state, "SLOW_PERIODIC");
	sim_free(sim);
}

/* A silent failure of one link (both ends default), then the link
 * heals: both ends distribute on it again within 2 s. */
static void test_heal_under_two_seconds(void **state)
{
	struct sim *sim = pair(2, true);
	long took;

	(void)state;
	assert_true(run_coupled_until_all(sim, 3000) >= 0);
	sim_run(sim, 3000);
	sim->links[0].drop[0] = sim->links[0].drop[1] = true;
	sim_run(sim, 20000);
	assert_string_equal(rx_state(sim, A, 0), "DEFAULTED");
	assert_string_equal(rx_state(sim, B, 0), "DEFAULTED");
	assert_false(sim_distributing(sim, A, 0));
	assert_true(sim_distributing(sim, A, 1)); /* the other link */

	sim->links[0].drop[0] = sim->links[0].drop[1] = false;
	took = run_coupled_until_all(sim, 35000);
	assert_true(took >= 0);
	assert_true(took < 2000);
	sim_free(sim);
}

/* A partner that says Collecting while Expired (Open vSwitch does, right
 * after a link comes back) is not distributed to until one of its
 * LACPDUs comes without Expired; collecting goes on meanwhile. */
static void test_expired_partner_not_distributed_to(void **state)
{
	struct sim *sim = pair(1, true);
	struct sim_port_log *b0 = &sim->sys[B].log[0];
	struct lacp_port_status st;
	uint8_t f[LACPDU_FRAME_LEN];
	struct lacpdu pdu;

	(void)state;
	assert_true(sim_run_until(sim, all_distributing, 5000) >= 0);
	assert_int_equal(lacpdu_parse(b0->last, b0->last_len, &pdu), LACPDU_OK);
	pdu.actor.state |= LACP_STATE_EXPIRED;
	assert_true(pdu.actor.state & LACP_STATE_COLLECTING);
	assert_int_equal(lacpdu_encode(&pdu, f, sizeof(f)), sizeof(f));
	assert_int_equal(lacp_rx(sim->sys[A].lacp, 0, f, sizeof(f), sim->now),
			 LACP_RX_LACPDU);
	sim_port_status(sim, A, 0, &st);
	assert_true(st.collecting);
	assert_false(st.distributing);
	/* B's next periodic LACPDU says Collecting without Expired. */
	assert_true(sim_run_until(sim, all_distributing, 1500) >= 0);
	sim_free(sim);
}

#define TEST(f) cmocka_unit_test_teardown(f, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_shortcut_bringup),
	    TEST(test_shortcut_one_end),
	    TEST(test_shortcut_waits_for_silent_port),
	    TEST(test_shortcut_restore),
	    TEST(test_restore_coupled_without_shortcut),
	    TEST(test_defaulted_stays_fast),
	    TEST(test_defaulted_slow_stays_slow),
	    TEST(test_heal_under_two_seconds),
	    TEST(test_expired_partner_not_distributed_to),
	};

	if (getenv("LACP_TEST_DEBUG"))
		log_set_level(LOG_LVL_DEBUG);
	else
		log_set_quiet(true);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
