/* lacp_port_resume (doc/architecture.md "Survivability"): a restarted
 * vflagd takes its LACP ports up where the previous one left them, so
 * the partner never sees the LAG go down. On the simulated wire: system
 * A (vflagd) restarts, B (the partner switch) must keep distributing on
 * both links the whole time. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim.h"

enum { A, B };

static bool all_distributing(struct sim *sim)
{
	for (unsigned s = 0; s < 2; s++)
		for (unsigned p = 0; p < 2; p++)
			if (!sim_distributing(sim, s, p))
				return false;
	return true;
}

/* A and B with two links, LAG formed; the partner info A saved. */
static struct sim *formed(struct lacp_info partner[2])
{
	struct sim *sim = calloc(1, sizeof(*sim));
	struct lacp_config ca = sim_default_cfg(A), cb = sim_default_cfg(B);
	struct lacp_port_status st;

	assert_non_null(sim);
	sim_init(sim);
	sim_add_sys(sim, &ca, 2);
	sim_add_sys(sim, &cb, 2);
	sim_connect(sim, A, 0, B, 0);
	sim_connect(sim, A, 1, B, 1);
	assert_true(sim_run_until(sim, all_distributing, 10000) >= 0);
	sim_run(sim, 1500);
	for (unsigned p = 0; p < 2; p++) {
		sim_port_status(sim, A, p, &st);
		partner[p] = st.partner;
	}
	return sim;
}

static void done(struct sim *sim)
{
	sim_fini(sim);
	free(sim);
}

static void test_resume_partner_never_sees_lag_down(void **state)
{
	struct lacp_info partner[2];
	struct sim *sim = formed(partner);
	unsigned tx[2];

	(void)state;
	sim_restart_sys(sim, A);
	for (unsigned p = 0; p < 2; p++) {
		tx[p] = sim->sys[A].log[p].tx;
		assert_int_equal(lacp_port_resume(sim->sys[A].lacp, p,
						  &partner[p], sim->now),
				 0);
		/* distributing at once, and told the partner so at once */
		assert_true(lacp_port_distributing(sim->sys[A].lacp, p));
		assert_int_equal(sim->sys[A].log[p].tx, tx[p] + 1);
	}
	/* Well past both sides' short timeout (3 s): nobody ever stopped. */
	for (unsigned t = 0; t < 500; t++) {
		sim_run(sim, SIM_STEP_MS);
		assert_true(all_distributing(sim));
	}
	done(sim);
}

/* Without resume (what vflagd did before), the restarted side starts
 * over and the partner stops distributing to it for a while: the flap
 * resume exists to avoid. */
static void test_without_resume_the_partner_flaps(void **state)
{
	struct lacp_info partner[2];
	struct sim *sim = formed(partner);
	bool flapped = false;

	(void)state;
	sim_restart_sys(sim, A);
	for (unsigned t = 0; t < 500; t++) {
		sim_run(sim, SIM_STEP_MS);
		flapped |= !sim_distributing(sim, B, 0);
	}
	assert_true(flapped);
	assert_true(all_distributing(sim));
	done(sim);
}

static void test_resume_refusals(void **state)
{
	struct lacp_info partner[2];
	struct sim *sim = formed(partner);

	(void)state;
	assert_int_equal(
	    lacp_port_resume(sim->sys[A].lacp, 7, &partner[0], sim->now),
	    -ENOENT);
	sim_link_set(sim, 0, false);
	assert_int_equal(
	    lacp_port_resume(sim->sys[A].lacp, 0, &partner[0], sim->now),
	    -ENETDOWN);
	done(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_resume_partner_never_sees_lag_down),
	    cmocka_unit_test(test_without_resume_the_partner_flaps),
	    cmocka_unit_test(test_resume_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
