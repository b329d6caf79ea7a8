/* LACP machines, end to end: systems wired back to back through the
 * simulated wire of sim.h, fake time in 10 ms steps. Each test asserts
 * states, timings, counters or frames; none only "does not crash". */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/log.h"
#include "sim.h"

#define A 0
#define B 1
#define C 2

#define ALL_SYNC                                                               \
	(LACP_STATE_ACTIVITY | LACP_STATE_TIMEOUT | LACP_STATE_AGGREGATION |   \
	 LACP_STATE_SYNCHRONIZATION | LACP_STATE_COLLECTING |                  \
	 LACP_STATE_DISTRIBUTING)

/* The test's sim, freed by teardown if an assertion jumped out early. */
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
	if (live_sim)
		sim_free(live_sim);
	return 0;
}

/* Two systems A and B with n ports each, port i joined to port i. */
static struct sim *pair(const struct lacp_config *ca,
			const struct lacp_config *cb, unsigned n)
{
	struct sim *sim = sim_new();

	sim_add_sys(sim, ca, n);
	sim_add_sys(sim, cb, n);
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

static bool ab_01_distributing(struct sim *sim)
{
	return sim_distributing(sim, A, 0) && sim_distributing(sim, A, 1) &&
	       sim_distributing(sim, B, 0) && sim_distributing(sim, B, 1);
}

static struct sim *formed_pair(enum lacp_rate rate, unsigned n)
{
	struct lacp_config ca = sim_default_cfg(A), cb = sim_default_cfg(B);
	struct sim *sim;

	ca.rate = cb.rate = rate;
	sim = pair(&ca, &cb, n);
	assert_true(sim_run_until(sim, all_distributing, 10000) >= 0);
	return sim;
}

/* Decodes the last frame port `port` of `sys` sent. */
static void last_sent(struct sim *sim, unsigned sys, unsigned port,
		      struct lacpdu *out)
{
	struct sim_port_log *log = &sim->sys[sys].log[port];

	assert_true(log->tx > 0);
	assert_int_equal(lacpdu_parse(log->last, log->last_len, out),
			 LACPDU_OK);
}

static const char *rx_state(struct sim *sim, unsigned sys, unsigned port)
{
	struct lacp_port_status st;

	sim_port_status(sim, sys, port, &st);
	return st.rx_state;
}

static bool a0_expired(struct sim *sim)
{
	return !strcmp(rx_state(sim, A, 0), "EXPIRED");
}

static bool a0_defaulted(struct sim *sim)
{
	return !strcmp(rx_state(sim, A, 0), "DEFAULTED");
}

static bool a0_distributing(struct sim *sim)
{
	return sim_distributing(sim, A, 0);
}

/* ---- forming ---------------------------------------------------------- */

static void test_active_active_fast_forms(void **state)
{
	struct lacp_config ca = sim_default_cfg(A), cb = sim_default_cfg(B);
	struct sim *sim = pair(&ca, &cb, 2);
	struct lacp_port_status st0, st1;
	struct lacp_status as;
	struct lacpdu pdu;
	long took;

	/* Link up sends at once, without waiting for the periodic timer. */
	assert_int_equal(sim->sys[A].log[0].tx, 1);
	assert_int_equal(sim->sys[B].log[1].tx, 1);

	took = sim_run_until(sim, all_distributing, 10000);
	/* Aggregate_Wait_Time holds attachment back; then one round trip. */
	assert_true(took >= 2000);
	assert_true(took <= 2100);
	/* Forming spent the 3-per-second budget: the COLLECTING_DISTRIBUTING
	 * news may follow up to a second later. */
	sim_run(sim, 1000);

	sim_port_status(sim, A, 0, &st0);
	sim_port_status(sim, A, 1, &st1);
	assert_string_equal(st0.rx_state, "CURRENT");
	assert_string_equal(st0.periodic_state, "FAST_PERIODIC");
	assert_string_equal(st0.mux_state, "COLLECTING_DISTRIBUTING");
	assert_string_equal(st0.actor_churn, "NO_ACTOR_CHURN");
	assert_string_equal(st0.partner_churn, "NO_PARTNER_CHURN");
	assert_true(st0.selected && !st0.standby && st0.collecting);
	assert_int_not_equal(st0.aggregator_id, 0);
	assert_int_equal(st0.aggregator_id, st1.aggregator_id);
	assert_memory_equal(st0.partner.sys_mac, cb.sys_mac, 6);
	assert_int_equal(st0.partner.port, 1);
	assert_int_equal(st0.partner.state, ALL_SYNC);
	assert_int_equal(st0.actor.state, ALL_SYNC);

	lacp_get_status(sim->sys[A].lacp, &as);
	assert_int_equal(as.active_aggregator_id, st0.aggregator_id);
	assert_int_equal(as.num_ports, 2);
	assert_true(as.ready);
	assert_memory_equal(as.partner_mac, cb.sys_mac, 6);
	assert_int_equal(as.partner_key, cb.key);
	assert_int_equal(as.actor_key, ca.key);
	assert_true(sim->sys[A].changed_calls > 0);
	assert_true(lacp_port_collecting(sim->sys[A].lacp, 1));

	/* What went on the wire says the same. */
	last_sent(sim, A, 1, &pdu);
	assert_int_equal(pdu.actor.state, ALL_SYNC);
	assert_int_equal(pdu.actor.port, 2);
	assert_memory_equal(pdu.actor.sys_mac, ca.sys_mac, 6);
	assert_memory_equal(pdu.partner.sys_mac, cb.sys_mac, 6);
	assert_int_equal(pdu.partner.port, 2);
	sim_free(sim);
}

static void test_aggregate_wait_is_configurable(void **state)
{
	struct lacp_config ca = sim_default_cfg(A), cb = sim_default_cfg(B);
	struct sim *sim;
	long took;

	ca.aggregate_wait_ms = cb.aggregate_wait_ms = 500;
	sim = pair(&ca, &cb, 2);
	took = sim_run_until(sim, all_distributing, 10000);
	assert_true(took >= 500 && took <= 600);
	sim_free(sim);
}

/* Intervals between periodic LACPDUs once formed and quiet. */
static void check_periodic(enum lacp_rate rate, uint64_t period_ms,
			   uint64_t window_ms, unsigned min, unsigned max)
{
	struct sim *sim = formed_pair(rate, 2);
	struct sim_port_log *log = &sim->sys[A].log[0];
	unsigned first, n;

	sim_run(sim, 5000); /* let the forming burst pass */
	first = log->tx;
	sim_run(sim, window_ms);
	n = log->tx - first;
	assert_in_range(n, min, max);
	for (unsigned i = first + 1; i < log->tx; i++)
		assert_in_range(log->tx_time[i] - log->tx_time[i - 1],
				period_ms, period_ms + SIM_STEP_MS);
	assert_string_equal(rx_state(sim, B, 0),
			    "CURRENT"); /* never timed out */
	assert_true(all_distributing(sim));
	sim_free(sim);
}

static void test_periodic_fast(void **state)
{
	check_periodic(LACP_RATE_FAST, 1000, 60000, 59, 61);
}

static void test_periodic_slow(void **state)
{
	/* slow: 30 s apart, and 90 s long timeout keeps the link up */
	check_periodic(LACP_RATE_SLOW, 30000, 185000, 6, 7);
}

/* ---- timeouts --------------------------------------------------------- */

static void
test_partner_silence_expires_then_defaults_then_recovers(void **state)
{
	struct sim *sim = formed_pair(LACP_RATE_FAST, 2);
	struct sim_port_log *a0 = &sim->sys[A].log[0];
	struct lacp_port_status st;
	uint64_t last_rx, t_expired;
	long took;

	sim_run(sim, 3000);
	sim->links[0].drop[1] = true; /* B port 0 -> A port 0 goes silent */
	last_rx = a0->last_rx_time;

	assert_true(sim_run_until(sim, a0_expired, 10000) >= 0);
	t_expired = sim->now;
	/* short timeout: 3 s after the last LACPDU */
	assert_in_range(t_expired - last_rx, 3000, 3000 + SIM_STEP_MS);
	sim_port_status(sim, A, 0, &st);
	assert_false(st.distributing);
	assert_string_equal(st.mux_state, "ATTACHED");
	assert_true(st.actor.state & LACP_STATE_EXPIRED);
	assert_false(st.partner.state & LACP_STATE_SYNCHRONIZATION);
	/* the other link is untouched */
	assert_true(sim_distributing(sim, A, 1));
	assert_true(sim_distributing(sim, B, 1));

	assert_true(sim_run_until(sim, a0_defaulted, 10000) >= 0);
	assert_in_range(sim->now - t_expired, 3000, 3000 + SIM_STEP_MS);
	sim_run(sim, 2 * SIM_STEP_MS); /* our out-of-sync PDU reaches B */
	sim_port_status(sim, A, 0, &st);
	assert_true(st.actor.state & LACP_STATE_DEFAULTED);
	assert_false(st.actor.state & LACP_STATE_SYNCHRONIZATION);
	assert_false(st.distributing);
	assert_false(sim_distributing(sim, B, 0));
	assert_true(sim_distributing(sim, A, 1));
	{
		struct lacp_status as;

		lacp_get_status(sim->sys[A].lacp, &as);
		assert_int_equal(as.num_ports, 1);
	}

	/* recovery: the partner speaks again */
	sim->links[0].drop[1] = false;
	took = sim_run_until(sim, all_distributing, 10000);
	assert_true(took >= 0 && took <= 1000 + 2000 + 200);
	sim_port_status(sim, A, 0, &st);
	assert_string_equal(st.rx_state, "CURRENT");
	assert_false(st.actor.state & LACP_STATE_DEFAULTED);
	sim_free(sim);
}

/* ---- activity --------------------------------------------------------- */

static void test_passive_passive_never_forms(void **state)
{
	struct lacp_config ca = sim_default_cfg(A), cb = sim_default_cfg(B);
	struct sim *sim;

	ca.active = cb.active = false;
	sim = pair(&ca, &cb, 2);
	sim_run(sim, 30000);
	for (unsigned s = 0; s < 2; s++)
		for (unsigned p = 0; p < 2; p++) {
			struct lacp_port_status st;

			sim_port_status(sim, s, p, &st);
			assert_int_equal(sim->sys[s].log[p].tx, 0);
			assert_false(st.distributing);
			assert_string_equal(st.periodic_state, "NO_PERIODIC");
			assert_string_equal(st.rx_state, "DEFAULTED");
		}
	sim_free(sim);
}

static void test_active_passive_forms(void **state)
{
	struct lacp_config ca = sim_default_cfg(A), cb = sim_default_cfg(B);
	struct sim *sim;
	struct lacpdu pdu;
	long took;

	cb.active = false;
	sim = pair(&ca, &cb, 2);
	/* the passive end keeps quiet until it hears an active partner */
	assert_int_equal(sim->sys[B].log[0].tx, 0);
	took = sim_run_until(sim, all_distributing, 10000);
	assert_true(took >= 2000 && took <= 2100);
	last_sent(sim, B, 0, &pdu);
	assert_false(pdu.actor.state & LACP_STATE_ACTIVITY);
	assert_true(pdu.actor.state & LACP_STATE_DISTRIBUTING);
	last_sent(sim, A, 0, &pdu);
	assert_true(pdu.actor.state & LACP_STATE_ACTIVITY);
	sim_free(sim);
}

/* ---- selection -------------------------------------------------------- */

/* A has 3 ports: 0 and 1 to B, 2 to C. */
static struct sim *three_way(const struct lacp_config *ca,
			     const struct lacp_config *cc, bool link_c_first)
{
	struct lacp_config cb = sim_default_cfg(B);
	struct sim *sim = sim_new();

	sim_add_sys(sim, ca, 3);
	sim_add_sys(sim, &cb, 2);
	sim_add_sys(sim, cc, 1);
	if (link_c_first) {
		sim_connect(sim, A, 2, C, 0);
		sim_run(sim, 3000);
	}
	sim_connect(sim, A, 0, B, 0);
	sim_connect(sim, A, 1, B, 1);
	if (!link_c_first)
		sim_connect(sim, A, 2, C, 0);
	sim_run(sim, 5000);
	return sim;
}

static void assert_b_chosen(struct sim *sim)
{
	struct lacp_port_status st0, st1, st2;
	struct lacp_status as;

	sim_port_status(sim, A, 0, &st0);
	sim_port_status(sim, A, 1, &st1);
	sim_port_status(sim, A, 2, &st2);
	lacp_get_status(sim->sys[A].lacp, &as);
	assert_true(ab_01_distributing(sim));
	assert_int_equal(st0.aggregator_id, st1.aggregator_id);
	assert_int_not_equal(st2.aggregator_id, 0);
	assert_int_not_equal(st2.aggregator_id, st0.aggregator_id);
	assert_int_equal(as.active_aggregator_id, st0.aggregator_id);
	assert_int_equal(as.num_ports, 2);
	assert_false(st2.distributing);
	assert_true(st2.standby);
	assert_false(st2.actor.state & LACP_STATE_SYNCHRONIZATION);
	assert_false(sim_distributing(sim, C, 0));
}

static void assert_c_chosen(struct sim *sim)
{
	struct lacp_port_status st2;
	struct lacp_status as;

	sim_port_status(sim, A, 2, &st2);
	lacp_get_status(sim->sys[A].lacp, &as);
	assert_true(sim_distributing(sim, A, 2));
	assert_true(sim_distributing(sim, C, 0));
	assert_int_equal(as.active_aggregator_id, st2.aggregator_id);
	assert_int_equal(as.num_ports, 1);
	for (unsigned p = 0; p < 2; p++) {
		struct lacp_port_status st;

		sim_port_status(sim, A, p, &st);
		assert_true(st.standby);
		assert_false(st.distributing);
		assert_false(sim_distributing(sim, B, p));
	}
}

static void test_other_system_separate_aggregator_count(void **state)
{
	struct lacp_config ca = sim_default_cfg(A), cc = sim_default_cfg(C);
	struct sim *sim;

	ca.ad_select = LACP_SELECT_COUNT;
	sim = three_way(&ca, &cc, false);
	/* even with the faster link on C, count wants two ports */
	assert_b_chosen(sim);
	sim_free(sim);
}

static void test_other_key_separate_aggregator(void **state)
{
	struct lacp_config ca = sim_default_cfg(A), cc = sim_default_cfg(B);
	struct sim *sim;

	/* C claims B's system ID but another key: another LAG */
	cc.key = 99;
	sim = three_way(&ca, &cc, false);
	assert_b_chosen(sim);
	{
		struct lacp_port_status st2;

		sim_port_status(sim, A, 2, &st2);
		assert_int_equal(st2.partner.key, 99);
	}
	sim_free(sim);
}

static void test_ad_select_bandwidth(void **state)
{
	struct lacp_config ca = sim_default_cfg(A), cc = sim_default_cfg(C);
	struct lacp_port_config pc = sim_port_cfg(A, 2);
	struct lacp_config cb = sim_default_cfg(B);
	struct sim *sim = sim_new();

	ca.ad_select = LACP_SELECT_BANDWIDTH;
	sim_add_sys(sim, &ca, 2);
	sim_add_sys(sim, &cb, 2);
	sim_add_sys(sim, &cc, 1);
	pc.speed_mbps = 100000; /* one 100G beats two 10G */
	assert_int_equal(lacp_port_add(sim->sys[A].lacp, 2, &pc, sim->now), 0);
	sim->sys[A].nports = 3;
	sim_connect(sim, A, 0, B, 0);
	sim_connect(sim, A, 1, B, 1);
	sim_connect(sim, A, 2, C, 0);
	sim_run(sim, 5000);
	assert_c_chosen(sim);

	/* count on the same wiring picks the two ports */
	ca.ad_select = LACP_SELECT_COUNT;
	lacp_reconfigure(sim->sys[A].lacp, &ca, sim->now);
	sim_run(sim, 5000);
	assert_b_chosen(sim);
	sim_free(sim);
}

static void test_ad_select_stable(void **state)
{
	struct lacp_config ca = sim_default_cfg(A), cc = sim_default_cfg(C);
	struct sim *sim;

	ca.ad_select = LACP_SELECT_STABLE;
	sim = three_way(&ca, &cc, true);
	/* C came first; stable keeps it though B now offers two ports */
	assert_c_chosen(sim);
	sim_run(sim, 30000);
	assert_c_chosen(sim);

	/* losing the active aggregator's only link forces a new choice */
	sim_link_set(sim, 0, false); /* A port 2 - C, linked first */
	assert_false(sim_distributing(sim, A, 2));
	sim_run(sim, 3000);
	assert_true(ab_01_distributing(sim));
	/* and stable stays there when C returns */
	sim_link_set(sim, 0, true);
	sim_run(sim, 5000);
	assert_true(ab_01_distributing(sim));
	assert_false(sim_distributing(sim, A, 2));
	sim_free(sim);
}

static void test_min_links(void **state)
{
	struct lacp_config ca = sim_default_cfg(A), cb = sim_default_cfg(B);
	struct lacp_status as;
	struct sim *sim;
	unsigned calls;

	ca.min_links = 3;
	sim = pair(&ca, &cb, 2);
	sim_run(sim, 10000);
	lacp_get_status(sim->sys[A].lacp, &as);
	assert_int_not_equal(as.active_aggregator_id, 0);
	assert_int_equal(as.num_ports, 2);
	assert_false(as.ready);
	for (unsigned p = 0; p < 2; p++) {
		struct lacp_port_status st;

		sim_port_status(sim, A, p, &st);
		assert_true(st.standby);
		assert_false(st.distributing);
		assert_false(sim_distributing(sim, B, p));
	}

	ca.min_links = 2;
	lacp_reconfigure(sim->sys[A].lacp, &ca, sim->now);
	assert_true(sim_run_until(sim, all_distributing, 5000) >= 0);
	lacp_get_status(sim->sys[A].lacp, &as);
	assert_true(as.ready);

	/* one link down: below min_links, the survivor stops at once */
	calls = sim->sys[A].changed_calls;
	sim_link_set(sim, 1, false);
	assert_false(sim_distributing(sim, A, 0));
	assert_false(sim_distributing(sim, A, 1));
	assert_int_equal(sim->sys[A].changed_calls, calls + 1);
	lacp_get_status(sim->sys[A].lacp, &as);
	assert_false(as.ready);
	assert_int_equal(as.num_ports, 1);
	sim_free(sim);
}

/* ---- link events ------------------------------------------------------ */

static void test_port_disabled_stops_at_once(void **state)
{
	struct sim *sim = formed_pair(LACP_RATE_FAST, 2);
	unsigned calls_a = sim->sys[A].changed_calls;
	struct lacp_port_status st;

	sim_link_set(sim, 0, false); /* no time passes */
	assert_false(sim_distributing(sim, A, 0));
	assert_false(lacp_port_collecting(sim->sys[A].lacp, 0));
	assert_false(sim_distributing(sim, B, 0));
	assert_true(sim_distributing(sim, A, 1));
	assert_int_equal(sim->sys[A].changed_calls, calls_a + 1);
	sim_port_status(sim, A, 0, &st);
	assert_false(st.enabled);
	assert_string_equal(st.rx_state, "PORT_DISABLED");
	assert_string_equal(st.periodic_state, "NO_PERIODIC");

	/* link back: the partner info is still current, so no new wait */
	sim_link_set(sim, 0, true);
	assert_true(sim_run_until(sim, all_distributing, 5000) >= 0);
	sim_free(sim);
}

static void test_port_remove(void **state)
{
	struct sim *sim = formed_pair(LACP_RATE_FAST, 2);
	unsigned calls = sim->sys[A].changed_calls;
	struct lacp_port_status st;
	struct lacp_status as;

	lacp_port_remove(sim->sys[A].lacp, 1, sim->now);
	assert_int_equal(sim->sys[A].changed_calls, calls + 1);
	assert_int_equal(lacp_port_get_status(sim->sys[A].lacp, 1, &st),
			 -ENOENT);
	assert_true(sim_distributing(sim, A, 0));
	lacp_get_status(sim->sys[A].lacp, &as);
	assert_int_equal(as.num_ports, 1);
	lacp_port_remove(sim->sys[A].lacp, 1, sim->now); /* twice: no-op */
	/* B's port 1 no longer hears A and gives up after 3 + 3 s */
	sim->sys[A].nports = 1;
	sim_run(sim, 7000);
	assert_false(sim_distributing(sim, B, 1));
	assert_true(sim_distributing(sim, B, 0));
	assert_true(sim_distributing(sim, A, 0));
	sim_free(sim);
}

/* ---- loops ------------------------------------------------------------ */

static void test_loop_own_pdu(void **state)
{
	struct sim *sim = formed_pair(LACP_RATE_FAST, 2);
	struct sim_port_log *a1 = &sim->sys[A].log[1];
	struct lacp_port_status st;
	uint8_t own[LACPDU_FRAME_LEN];

	memcpy(own, a1->last, sizeof(own));
	assert_int_equal(
	    lacp_rx(sim->sys[A].lacp, 0, own, sizeof(own), sim->now),
	    LACP_RX_LACPDU);
	sim_port_status(sim, A, 0, &st);
	assert_int_equal(st.counters.rx_looped, 1);
	assert_true(st.looped);
	assert_false(st.distributing);
	assert_int_equal(st.aggregator_id, 0);
	assert_true(sim_distributing(sim, A, 1));

	/* the real partner's next LACPDU ends it */
	assert_true(sim_run_until(sim, all_distributing, 5000) >= 0);
	sim_port_status(sim, A, 0, &st);
	assert_false(st.looped);
	assert_int_equal(st.counters.rx_looped, 1);
	sim_free(sim);
}

static void test_loop_cable(void **state)
{
	struct lacp_config ca = sim_default_cfg(A);
	struct sim *sim = sim_new();

	sim_add_sys(sim, &ca, 2);
	sim_connect(sim, A, 0, A, 1); /* a cable from the bond to itself */
	/* fast while EXPIRED, and still fast once DEFAULTED: Partner_Admin
	 * takes the bond's fast rate (lacp_rx.c's recordDefault) */
	sim_run(sim, 40000);
	for (unsigned p = 0; p < 2; p++) {
		struct lacp_port_status st;

		sim_port_status(sim, A, p, &st);
		/* link up, then one a second for 40 s */
		assert_int_equal(st.counters.rx_looped, 41);
		assert_int_equal(st.counters.lacpdu_rx, 0);
		assert_true(st.looped);
		assert_int_equal(st.aggregator_id, 0);
		assert_false(st.distributing);
	}
	sim_free(sim);
}

/* ---- transmit --------------------------------------------------------- */

static const struct lacp_info rogue = {
    .sys_priority = 100,
    .sys_mac = {0x02, 0xbb, 0, 0, 0, 1},
    .key = 5,
    .port_priority = 1,
    .port = 1,
    .state = LACP_STATE_ACTIVITY | LACP_STATE_TIMEOUT | LACP_STATE_AGGREGATION,
};

static void test_tx_limit_three_per_second(void **state)
{
	struct lacp_config ca = sim_default_cfg(A);
	struct sim *sim = sim_new();
	struct sim_port_log *log = &sim->sys[A].log[0];
	struct lacp_port_status st;
	uint8_t f[LACPDU_FRAME_LEN];
	struct lacp_info wrong = {0};
	struct lacp *l;

	sim_add_sys(sim, &ca, 1);
	l = sim->sys[A].lacp;
	lacp_port_set_enabled(l, 0, true, sim->now);
	assert_int_equal(log->tx, 1);

	/* Every PDU describes us wrongly, so each sets NTT. */
	for (unsigned i = 0; i < 10; i++) {
		wrong.port = (uint16_t)(100 + i);
		sim_craft_lacpdu(f, &rogue, &wrong);
		sim->now += 20; /* the log stamps sends with sim->now */
		lacp_rx(l, 0, f, sizeof(f), sim->now);
	}
	sim_port_status(sim, A, 0, &st);
	assert_int_equal(log->tx, 3);
	assert_int_equal(st.counters.lacpdu_tx, 3);
	assert_true(st.counters.lacpdu_tx_limited >= 1);
	assert_int_equal(st.counters.lacpdu_rx, 10);
	/* the held NTT goes out when the window opens */
	assert_int_equal(lacp_next_deadline(l), log->tx_time[0] + 1000);
	sim->now = log->tx_time[0] + 999;
	lacp_run(l, sim->now);
	assert_int_equal(log->tx, 3);
	sim->now++;
	lacp_run(l, sim->now);
	assert_int_equal(log->tx, 4);

	/* a long flood: never more than 3 in any second */
	for (unsigned i = 0; i < 500; i++) {
		wrong.port = (uint16_t)i;
		sim_craft_lacpdu(f, &rogue, &wrong);
		sim->now += 10;
		lacp_rx(l, 0, f, sizeof(f), sim->now);
	}
	assert_true(log->tx >= 4 + 12);
	for (unsigned i = 3; i < log->tx && i < SIM_TX_LOG; i++)
		assert_true(log->tx_time[i] - log->tx_time[i - 3] >= 1000);
	sim_port_status(sim, A, 0, &st);
	assert_true(st.counters.lacpdu_tx_limited >= 5);
	sim_free(sim);
}

static void test_immediate_ntt_on_state_change(void **state)
{
	struct sim *sim = formed_pair(LACP_RATE_SLOW, 2);
	struct sim_port_log *a0 = &sim->sys[A].log[0];
	struct lacp_port_status sb;
	uint8_t f[LACPDU_FRAME_LEN];
	struct lacp_info actor, partner;
	struct lacpdu pdu;
	unsigned before;

	sim_run(sim, 5000); /* slow: nothing periodic for ~25 s now */
	before = a0->tx;
	/* B's port 0 says it fell out of sync */
	sim_port_status(sim, B, 0, &sb);
	actor = sb.actor;
	partner = sb.partner;
	actor.state &= ~(LACP_STATE_SYNCHRONIZATION | LACP_STATE_COLLECTING |
			 LACP_STATE_DISTRIBUTING);
	sim_craft_lacpdu(f, &actor, &partner);
	lacp_rx(sim->sys[A].lacp, 0, f, sizeof(f), sim->now);

	assert_false(sim_distributing(sim, A, 0));
	assert_int_equal(a0->tx, before + 1); /* sent within lacp_rx() */
	last_sent(sim, A, 0, &pdu);
	assert_true(pdu.actor.state & LACP_STATE_SYNCHRONIZATION);
	/* ATTACHED still collects: the partner may send until it hears us
	 * (lacp_mux.c); only distributing stops. */
	assert_true(pdu.actor.state & LACP_STATE_COLLECTING);
	assert_false(pdu.actor.state & LACP_STATE_DISTRIBUTING);
	assert_false(pdu.partner.state & LACP_STATE_SYNCHRONIZATION);
	assert_true(sim_distributing(sim, A, 1));
	sim_free(sim);
}

static void test_reconfigure_rate_sends_at_once(void **state)
{
	struct sim *sim = formed_pair(LACP_RATE_FAST, 2);
	struct lacp_config ca = sim->sys[A].cfg;
	struct sim_port_log *b0 = &sim->sys[B].log[0];
	unsigned before = sim->sys[A].log[0].tx, b_before;
	struct lacpdu pdu;

	sim_run(sim, 3000);
	before = sim->sys[A].log[0].tx;
	ca.rate = LACP_RATE_SLOW;
	lacp_reconfigure(sim->sys[A].lacp, &ca, sim->now);
	assert_int_equal(sim->sys[A].log[0].tx, before + 1);
	last_sent(sim, A, 0, &pdu);
	assert_false(pdu.actor.state & LACP_STATE_TIMEOUT);
	/* B now sends to A at the slow rate */
	sim_run(sim, 100);
	b_before = b0->tx;
	sim_run(sim, 25000);
	assert_int_equal(b0->tx, b_before);
	sim_run(sim, 6000);
	assert_int_equal(b0->tx, b_before + 1);
	assert_true(all_distributing(sim));
	sim_free(sim);
}

static void test_send_failure_counted(void **state)
{
	struct sim *sim = formed_pair(LACP_RATE_FAST, 2);
	struct lacp_port_status st;
	uint64_t tx;

	sim_port_status(sim, A, 0, &st);
	tx = st.counters.lacpdu_tx;
	sim->sys[A].send_err = -ENOBUFS;
	sim_run(sim, 2500);
	sim_port_status(sim, A, 0, &st);
	assert_int_equal(st.counters.lacpdu_tx, tx);
	assert_in_range(st.counters.lacpdu_tx_err, 2, 3);
	sim_free(sim);
}

/* ---- marker ----------------------------------------------------------- */

static void test_marker_response(void **state)
{
	struct lacp_config ca = sim_default_cfg(A);
	struct sim *sim = sim_new();
	struct sim_port_log *log = &sim->sys[A].log[0];
	struct lacpdu req = {
	    .kind = LACPDU_KIND_MARKER,
	    .src_mac = {0x02, 0xcc, 0, 0, 0, 9},
	    .marker = {.requester_port = 7,
		       .requester_system = {0x02, 0xcc, 0, 0, 0, 1},
		       .requester_transaction_id = 0xdeadbeef},
	};
	struct lacp_port_config pc = sim_port_cfg(A, 0);
	struct lacp_port_status st;
	uint8_t f[LACPDU_FRAME_LEN];
	struct lacpdu resp;
	struct lacp *l;
	unsigned before;

	sim_add_sys(sim, &ca, 1);
	l = sim->sys[A].lacp;
	lacpdu_encode(&req, f, sizeof(f));

	/* a port that is down does not answer */
	assert_int_equal(lacp_rx(l, 0, f, sizeof(f), sim->now), LACP_RX_MARKER);
	assert_int_equal(log->tx, 0);

	lacp_port_set_enabled(l, 0, true, sim->now);
	before = log->tx;
	assert_int_equal(lacp_rx(l, 0, f, sizeof(f), sim->now), LACP_RX_MARKER);
	assert_int_equal(log->tx, before + 1);
	assert_int_equal(log->last_len, LACPDU_FRAME_LEN);
	assert_memory_equal(log->last, lacpdu_slow_protocols_mac, 6);
	assert_memory_equal(log->last + 6, pc.mac, 6);
	assert_int_equal(log->last[12], 0x88);
	assert_int_equal(log->last[13], 0x09);
	assert_int_equal(log->last[14], 2); /* Marker */
	assert_int_equal(log->last[16], 2); /* Marker Response TLV */
	assert_int_equal(log->last[17], 16);
	assert_int_equal(lacpdu_parse(log->last, log->last_len, &resp),
			 LACPDU_OK);
	assert_int_equal(resp.kind, LACPDU_KIND_MARKER_RESPONSE);
	assert_int_equal(resp.marker.requester_port, 7);
	assert_memory_equal(resp.marker.requester_system,
			    req.marker.requester_system, 6);
	assert_int_equal(resp.marker.requester_transaction_id, 0xdeadbeef);

	/* a response is counted, not answered */
	before = log->tx;
	lacpdu_encode(&resp, f, sizeof(f));
	assert_int_equal(lacp_rx(l, 0, f, sizeof(f), sim->now),
			 LACP_RX_MARKER_RESPONSE);
	assert_int_equal(log->tx, before);

	sim_port_status(sim, A, 0, &st);
	assert_int_equal(st.counters.marker_rx, 2);
	assert_int_equal(st.counters.marker_resp_tx, 1);
	assert_int_equal(st.counters.marker_resp_rx, 1);
	assert_int_equal(st.counters.lacpdu_rx, 0);
	sim_free(sim);
}

/* ---- hostile input ---------------------------------------------------- */

struct hostile {
	const char *what;
	size_t off; /* byte to overwrite, or 0 */
	uint8_t val;
	size_t len; /* frame length passed in */
	enum lacp_rx_result want;
	size_t counter; /* offsetof in struct lacp_port_counters */
};

#define CNT(f) offsetof(struct lacp_port_counters, f)
#define BAD(what, off, val, len, cnt)                                          \
	{                                                                      \
		what, off, val, len, LACP_RX_ILLEGAL, CNT(cnt)                 \
	}

static uint64_t counter_at(const struct lacp_port_counters *c, size_t off)
{
	uint64_t v;

	memcpy(&v, (const uint8_t *)c + off, sizeof(v));
	return v;
}

static void test_hostile_frames_counted_and_harmless(void **state)
{
	static const struct hostile cases[] = {
	    BAD("truncated", 0, 0, 60, rx_truncated),
	    BAD("header only", 0, 0, 14, rx_truncated),
	    BAD("not slow", 13, 0x00, 124, rx_not_slow),
	    {"OAM subtype", 14, 3, 124, LACP_RX_UNKNOWN, CNT(unknown_rx)},
	    BAD("version 0", 15, 0, 124, rx_bad_version),
	    BAD("actor TLV type", 16, 9, 124, rx_bad_tlv),
	    BAD("actor TLV len", 17, 21, 124, rx_bad_tlv),
	    BAD("partner TLV len", 37, 2, 124, rx_bad_tlv),
	    BAD("collector len", 57, 0, 124, rx_bad_tlv),
	    BAD("terminator", 72, 7, 124, rx_bad_tlv),
	    BAD("multicast system", 20, 0x01, 124, rx_bad_system),
	};
	struct sim *sim = formed_pair(LACP_RATE_FAST, 2);
	struct sim_port_log *b0 = &sim->sys[B].log[0];
	struct lacp *l = sim->sys[A].lacp;
	struct lacp_port_status st, st1;
	uint8_t good[LACPDU_FRAME_LEN], f[LACPDU_FRAME_LEN + 100];
	uint64_t rx0, illegal = 0;

	memcpy(good, b0->last, sizeof(good)); /* B port 0's latest LACPDU */
	sim_port_status(sim, A, 0, &st);
	rx0 = st.counters.lacpdu_rx;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t before;

		memcpy(f, good, sizeof(good));
		if (cases[i].off)
			f[cases[i].off] = cases[i].val;
		sim_port_status(sim, A, 0, &st);
		before = counter_at(&st.counters, cases[i].counter);
		assert_int_equal(lacp_rx(l, 0, f, cases[i].len, sim->now),
				 cases[i].want);
		sim_port_status(sim, A, 0, &st);
		assert_int_equal(counter_at(&st.counters, cases[i].counter),
				 before + 1);
		illegal += cases[i].want == LACP_RX_ILLEGAL;
		assert_true(ab_01_distributing(sim));
	}

	/* zero and broadcast actor systems */
	memcpy(f, good, sizeof(good));
	memset(f + 20, 0, 6);
	assert_int_equal(lacp_rx(l, 1, f, sizeof(good), sim->now),
			 LACP_RX_ILLEGAL);
	memset(f + 20, 0xff, 6);
	assert_int_equal(lacp_rx(l, 1, f, sizeof(good), sim->now),
			 LACP_RX_ILLEGAL);
	sim_port_status(sim, A, 1, &st1);
	assert_int_equal(st1.counters.rx_bad_system, 2);
	assert_int_equal(st1.counters.illegal_rx, 2);

	/* trailing bytes after a good PDU are fine */
	memset(f, 0x5a, sizeof(f));
	memcpy(f, good, sizeof(good));
	assert_int_equal(lacp_rx(l, 0, f, sizeof(f), sim->now), LACP_RX_LACPDU);

	sim_port_status(sim, A, 0, &st);
	assert_int_equal(st.counters.illegal_rx, illegal);
	assert_int_equal(st.counters.illegal_rx,
			 st.counters.rx_truncated + st.counters.rx_bad_version +
			     st.counters.rx_bad_tlv +
			     st.counters.rx_bad_system +
			     st.counters.rx_not_slow);
	assert_int_equal(st.counters.lacpdu_rx, rx0 + 1);
	assert_int_equal(st.counters.partner_changes, 0);
	assert_int_equal(lacp_rx(l, 7, good, sizeof(good), sim->now),
			 LACP_RX_NO_PORT);
	assert_int_equal(
	    lacp_rx(l, LACP_MAX_PORTS + 1, good, sizeof(good), sim->now),
	    LACP_RX_NO_PORT);

	/* and the aggregation never noticed */
	sim_run(sim, 10000);
	assert_true(all_distributing(sim));
	sim_free(sim);
}

static void test_flapping_partner_key(void **state)
{
	struct lacp_config ca = sim_default_cfg(A), cb = sim_default_cfg(B);
	struct sim *sim = sim_new();
	struct lacp_port_status st;
	struct lacp_info flap, partner = {0};
	uint8_t f[LACPDU_FRAME_LEN];
	struct lacp *l;
	unsigned pdus = 0;

	sim_add_sys(sim, &ca, 3);
	sim_add_sys(sim, &cb, 2);
	sim_connect(sim, A, 0, B, 0);
	sim_connect(sim, A, 1, B, 1);
	assert_true(sim_run_until(sim, ab_01_distributing, 5000) >= 0);
	l = sim->sys[A].lacp;
	lacp_port_set_enabled(l, 2, true, sim->now);

	/* Port 2's "partner" claims B's system, with B's key on every other
	 * PDU, so it keeps joining and leaving the active aggregator. */
	memset(&flap, 0, sizeof(flap));
	flap.sys_priority = cb.sys_priority;
	memcpy(flap.sys_mac, cb.sys_mac, 6);
	flap.port_priority = 255;
	flap.port = 3;
	flap.state = LACP_STATE_ACTIVITY | LACP_STATE_TIMEOUT |
		     LACP_STATE_AGGREGATION | LACP_STATE_SYNCHRONIZATION;
	for (unsigned i = 0; i < 100; i++) {
		flap.key = i % 2 ? cb.key : (uint16_t)(cb.key + 1);
		sim_craft_lacpdu(f, &flap, &partner);
		assert_int_equal(lacp_rx(l, 2, f, sizeof(f), sim->now),
				 LACP_RX_LACPDU);
		pdus++;
		sim_run(sim, 100);
		assert_true(ab_01_distributing(sim));
		assert_false(sim_distributing(sim, A, 2));
	}
	sim_port_status(sim, A, 2, &st);
	assert_int_equal(st.counters.lacpdu_rx, pdus);
	assert_int_equal(st.counters.partner_changes, pdus - 1);
	sim_port_status(sim, A, 0, &st);
	assert_int_equal(st.counters.partner_changes, 0);
	{
		struct lacp_status as;

		lacp_get_status(l, &as);
		assert_memory_equal(as.partner_mac, cb.sys_mac, 6);
	}
	sim_free(sim);
}

/* ---- churn ------------------------------------------------------------ */

static void test_churn_detection(void **state)
{
	struct sim *sim = formed_pair(LACP_RATE_FAST, 2);
	struct lacp_port_status st;
	uint64_t t_out;

	sim->links[0].drop[1] = true;
	assert_true(sim_run_until(sim, a0_expired, 10000) >= 0);
	t_out = sim->now; /* partner out of sync from here */
	sim_run(sim, 59000);
	sim_port_status(sim, A, 0, &st);
	assert_string_equal(st.partner_churn, "PARTNER_CHURN_MONITOR");
	sim_run(sim, 2000);
	sim_port_status(sim, A, 0, &st);
	assert_true(sim->now - t_out >= 60000);
	assert_string_equal(st.partner_churn, "PARTNER_CHURN");
	/* the actor fell out of sync at DEFAULTED, 3 s later */
	sim_run(sim, 3000);
	sim_port_status(sim, A, 0, &st);
	assert_string_equal(st.actor_churn, "ACTOR_CHURN");
	sim_port_status(sim, A, 1, &st);
	assert_string_equal(st.actor_churn, "NO_ACTOR_CHURN");
	assert_string_equal(st.partner_churn, "NO_PARTNER_CHURN");

	sim->links[0].drop[1] = false;
	assert_true(sim_run_until(sim, a0_distributing, 10000) >= 0);
	sim_port_status(sim, A, 0, &st);
	assert_string_equal(st.actor_churn, "NO_ACTOR_CHURN");
	assert_string_equal(st.partner_churn, "NO_PARTNER_CHURN");
	sim_free(sim);
}

/* ---- port_moved ------------------------------------------------------- */

static void test_port_moved(void **state)
{
	struct lacp_config ca = sim_default_cfg(A), cb = sim_default_cfg(B);
	struct sim *sim = sim_new();
	struct lacp_port_status st;
	unsigned link;

	sim_add_sys(sim, &ca, 2);
	sim_add_sys(sim, &cb, 1);
	link = sim_connect(sim, A, 0, B, 0);
	assert_true(sim_run_until(sim, a0_distributing, 5000) >= 0);

	/* The cable moves from A port 0 to A port 1; B's port stays up. */
	lacp_port_set_enabled(sim->sys[A].lacp, 0, false, sim->now);
	sim->links[link].port[0] = 1;
	lacp_port_set_enabled(sim->sys[A].lacp, 1, true, sim->now);
	sim_port_status(sim, A, 0, &st);
	assert_memory_equal(st.partner.sys_mac, cb.sys_mac, 6);
	sim_run(sim, 3000);
	assert_true(sim_distributing(sim, A, 1));
	/* port 0 let go of its partner the moment it appeared elsewhere */
	sim_port_status(sim, A, 0, &st);
	assert_string_equal(st.rx_state, "PORT_DISABLED");
	assert_true(st.actor.state & LACP_STATE_DEFAULTED);
	assert_int_equal(st.aggregator_id, 0);
	sim_free(sim);
}

/* ---- API -------------------------------------------------------------- */

static int null_send(void *ctx, unsigned port, const void *f, size_t len)
{
	return 0;
}

static void test_api_contract(void **state)
{
	struct lacp_config cfg = sim_default_cfg(A);
	struct lacp_ops ops = {.send = null_send};
	struct lacp_port_config pc = sim_port_cfg(A, 0);
	struct lacp_port_status st;
	const char *names[8];
	struct lacp_status as;
	struct lacp *l;

	lacp_destroy(NULL);
	cfg.sys_mac[0] = 0x01;
	assert_null(lacp_create(&cfg, &ops, NULL));
	memset(cfg.sys_mac, 0, 6);
	assert_null(lacp_create(&cfg, &ops, NULL));
	cfg = sim_default_cfg(A);
	assert_null(lacp_create(&cfg, &(struct lacp_ops){0}, NULL));
	l = lacp_create(&cfg, &ops, NULL);
	assert_non_null(l);

	assert_int_equal(lacp_next_deadline(l), UINT64_MAX);
	assert_int_equal(lacp_port_add(l, LACP_MAX_PORTS, &pc, 0), -EINVAL);
	pc.port_number = 0;
	assert_int_equal(lacp_port_add(l, 0, &pc, 0), -EINVAL);
	pc.port_number = 1;
	assert_int_equal(lacp_port_add(l, 0, &pc, 0), 0);
	assert_int_equal(lacp_port_add(l, 0, &pc, 0), -EEXIST);
	assert_int_equal(lacp_port_add(l, 1, &pc, 0), -EEXIST); /* number */
	assert_int_equal(lacp_port_get_status(l, 1, &st), -ENOENT);
	assert_int_equal(lacp_port_get_status(l, 0, &st), 0);
	assert_false(st.enabled);
	assert_string_equal(st.rx_state, "PORT_DISABLED");
	assert_string_equal(st.mux_state, "DETACHED");
	assert_string_equal(st.periodic_state, "NO_PERIODIC");
	assert_string_equal(st.actor_churn, "ACTOR_CHURN_MONITOR");
	assert_int_equal(st.actor.state,
			 LACP_STATE_ACTIVITY | LACP_STATE_TIMEOUT |
			     LACP_STATE_AGGREGATION | LACP_STATE_DEFAULTED);
	assert_false(lacp_port_distributing(l, 5));
	assert_false(lacp_port_collecting(l, LACP_MAX_PORTS));
	lacp_port_set_enabled(l, 6, true, 0); /* no such port: ignored */
	lacp_port_remove(l, 6, 0);
	lacp_get_status(l, &as);
	assert_int_equal(as.active_aggregator_id, 0);
	assert_int_equal(as.actor_key, cfg.key);

	/* deadlines: the periodic timer once up */
	lacp_port_set_enabled(l, 0, true, 1000);
	assert_int_equal(lacp_next_deadline(l), 2000);
	lacp_run(l, 2000);
	assert_int_equal(lacp_next_deadline(l), 3000);

	assert_int_equal(lacp_state_names(0, names), 0);
	assert_int_equal(lacp_state_names(0xff, names), 8);
	assert_string_equal(names[0], "activity");
	assert_string_equal(names[7], "expired");
	assert_int_equal(
	    lacp_state_names(LACP_STATE_SYNCHRONIZATION | LACP_STATE_DEFAULTED,
			     names),
	    2);
	assert_string_equal(names[0], "in_sync");
	assert_string_equal(names[1], "defaulted");
	lacp_destroy(l);
}

/* Every test with the teardown that frees its sim if it failed early. */
#define TEST(f) cmocka_unit_test_teardown(f, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_active_active_fast_forms),
	    TEST(test_aggregate_wait_is_configurable),
	    TEST(test_periodic_fast),
	    TEST(test_periodic_slow),
	    TEST(test_partner_silence_expires_then_defaults_then_recovers),
	    TEST(test_passive_passive_never_forms),
	    TEST(test_active_passive_forms),
	    TEST(test_other_system_separate_aggregator_count),
	    TEST(test_other_key_separate_aggregator),
	    TEST(test_ad_select_bandwidth),
	    TEST(test_ad_select_stable),
	    TEST(test_min_links),
	    TEST(test_port_disabled_stops_at_once),
	    TEST(test_port_remove),
	    TEST(test_loop_own_pdu),
	    TEST(test_loop_cable),
	    TEST(test_tx_limit_three_per_second),
	    TEST(test_immediate_ntt_on_state_change),
	    TEST(test_reconfigure_rate_sends_at_once),
	    TEST(test_send_failure_counted),
	    TEST(test_marker_response),
	    TEST(test_hostile_frames_counted_and_harmless),
	    TEST(test_flapping_partner_key),
	    TEST(test_churn_detection),
	    TEST(test_port_moved),
	    TEST(test_api_contract),
	};

	if (getenv("LACP_TEST_DEBUG"))
		log_set_level(LOG_LVL_DEBUG);
	else
		log_set_quiet(true);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
