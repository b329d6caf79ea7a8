/* Unit tests of src/metrics/histogram.c: which bucket a value lands in
 * (le is "less or equal"), cumulative counts, sum and count. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "metrics/histogram.h"

static const double bounds[] = {0.001, 0.01, 0.1};

static void test_empty(void **state)
{
	struct histogram h;

	(void)state;
	histogram_init(&h, bounds, 3);
	for (unsigned i = 0; i <= 3; i++)
		assert_int_equal(histogram_cumulative(&h, i), 0);
	assert_int_equal(h.count, 0);
	assert_true(h.sum == 0);
}

static void test_bounds_are_inclusive(void **state)
{
	struct histogram h;

	(void)state;
	histogram_init(&h, bounds, 3);
	histogram_observe(&h, 0.001); /* on the bound: its bucket */
	histogram_observe(&h, 0.0010001);
	histogram_observe(&h, 0);
	assert_int_equal(h.buckets[0], 2);
	assert_int_equal(h.buckets[1], 1);
	assert_int_equal(histogram_cumulative(&h, 0), 2);
	assert_int_equal(histogram_cumulative(&h, 1), 3);
}

static void test_overflow_goes_to_inf(void **state)
{
	struct histogram h;

	(void)state;
	histogram_init(&h, bounds, 3);
	histogram_observe(&h, 5);
	histogram_observe(&h, 0.05);
	assert_int_equal(h.buckets[3], 1);
	assert_int_equal(histogram_cumulative(&h, 2), 1);
	assert_int_equal(histogram_cumulative(&h, 3), 2);
	/* Past +Inf is +Inf. */
	assert_int_equal(histogram_cumulative(&h, 99), 2);
	assert_int_equal(h.count, 2);
	assert_true(h.sum > 5.0499 && h.sum < 5.0501);
}

static void test_failover_bounds_ascend(void **state)
{
	struct histogram h;

	(void)state;
	assert_true(histogram_failover_nbounds <= HISTOGRAM_MAX_BOUNDS);
	for (unsigned i = 1; i < histogram_failover_nbounds; i++)
		assert_true(histogram_failover_bounds[i - 1] <
			    histogram_failover_bounds[i]);
	histogram_init(&h, histogram_failover_bounds,
		       histogram_failover_nbounds);
	histogram_observe(&h, 0.0003); /* 300 us: the 500 us bucket */
	assert_int_equal(histogram_cumulative(&h, 1), 0);
	assert_int_equal(histogram_cumulative(&h, 2), 1);
}

static void test_too_many_bounds_are_clamped(void **state)
{
	static double many[HISTOGRAM_MAX_BOUNDS + 5];
	struct histogram h;

	(void)state;
	for (unsigned i = 0; i < HISTOGRAM_MAX_BOUNDS + 5; i++)
		many[i] = i + 1;
	histogram_init(&h, many, HISTOGRAM_MAX_BOUNDS + 5);
	assert_int_equal(h.nbounds, HISTOGRAM_MAX_BOUNDS);
	histogram_observe(&h, 1000);
	assert_int_equal(h.buckets[HISTOGRAM_MAX_BOUNDS], 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_bounds_are_inclusive),
	    cmocka_unit_test(test_overflow_goes_to_inf),
	    cmocka_unit_test(test_failover_bounds_ascend),
	    cmocka_unit_test(test_too_many_bounds_are_clamped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
