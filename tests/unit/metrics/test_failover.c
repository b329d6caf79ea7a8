/* Unit tests of src/daemon/failover.c: which events start a measurement,
 * what a publication closes, how an outage ends (a frame on a survivor)
 * or is given up, with the datapath's counters faked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/failover.h"

static uint64_t fake_tx;  /* the survivors' lag_tx_packets */
static uint64_t fake_now; /* ns */

static uint64_t now_ns(void)
{
	return fake_now;
}

static uint64_t tx_packets(void *arg, const struct vflag_lag *lag)
{
	(void)arg;
	(void)lag;
	return fake_tx;
}

static struct vflag_lag lag_of(unsigned n, const uint32_t *ports)
{
	struct vflag_lag lag;

	memset(&lag, 0, sizeof(lag));
	lag.tx_count = n;
	for (unsigned i = 0; i < n; i++)
		lag.tx_port_id[i] = ports[i];
	return lag;
}

static void test_loss_of_active_is_measured(void **state)
{
	struct failover fo;
	struct vflag_lag both = lag_of(1, (uint32_t[]){7});
	struct vflag_lag survivor = lag_of(1, (uint32_t[]){8});
	struct failover_stats st;

	(void)state;
	fake_tx = 100;
	failover_init(&fo, tx_packets, NULL);
	failover_published(&fo, &both); /* no event: nothing observed */
	assert_int_equal(fo.publish.count, 0);
	assert_int_equal(failover_next_deadline(&fo), UINT64_MAX);

	failover_event(&fo, 7, false, FAILOVER_NETLINK, 0);
	failover_published(&fo, &survivor);
	assert_int_equal(fo.publish.count, 1);
	assert_int_not_equal(failover_next_deadline(&fo), UINT64_MAX);

	failover_run(&fo, 1000); /* no frame yet: poll again */
	assert_int_equal(fo.outage.count, 0);
	assert_int_equal(failover_next_deadline(&fo), 1000 + FAILOVER_POLL_MS);
	fake_tx = 101;
	failover_run(&fo, 1001);
	assert_int_equal(fo.outage.count, 1);
	assert_int_equal(failover_next_deadline(&fo), UINT64_MAX);

	failover_stats(&fo, &st);
	assert_int_equal(st.events[FAILOVER_NETLINK], 1);
	assert_int_equal(st.events[FAILOVER_MIIMON], 0);
	assert_int_equal(st.publish->count, 1);
	assert_int_equal(st.outage->count, 1);
	assert_int_equal(st.outage_unmeasured, 0);
}

static void test_backup_loss_starts_no_outage(void **state)
{
	struct failover fo;
	struct vflag_lag active = lag_of(1, (uint32_t[]){7});
	struct vflag_lag same = lag_of(1, (uint32_t[]){7});

	(void)state;
	failover_init(&fo, tx_packets, NULL);
	failover_published(&fo, &active);
	failover_event(&fo, 8, false, FAILOVER_MIIMON,
		       0); /* port 8 was not transmitting */
	same.rx_mask = 1;  /* the bond published a change */
	failover_published(&fo, &same);
	assert_int_equal(fo.publish.count, 1);
	assert_int_equal(failover_next_deadline(&fo), UINT64_MAX);
	/* Carrier coming back starts none either. */
	failover_event(&fo, 7, true, FAILOVER_NETLINK, 0);
	failover_published(&fo, &active);
	assert_int_equal(fo.publish.count, 2);
	assert_int_equal(failover_next_deadline(&fo), UINT64_MAX);
}

static void test_publication_without_event_observes_nothing(void **state)
{
	struct failover fo;
	struct vflag_lag lag = lag_of(1, (uint32_t[]){7});

	(void)state;
	failover_init(&fo, tx_packets, NULL);
	failover_published(&fo, &lag);
	failover_published(&fo, &lag);
	assert_int_equal(fo.publish.count, 0);
}

static void test_removed_lag_ends_measurement(void **state)
{
	struct failover fo;
	struct vflag_lag lag = lag_of(2, (uint32_t[]){7, 8});

	(void)state;
	failover_init(&fo, tx_packets, NULL);
	failover_published(&fo, &lag);
	failover_event(&fo, 7, false, FAILOVER_NETLINK, 0);
	failover_published(&fo, &lag);
	assert_int_not_equal(failover_next_deadline(&fo), UINT64_MAX);
	failover_published(&fo, NULL);
	assert_int_equal(failover_next_deadline(&fo), UINT64_MAX);
	assert_int_equal(fo.outage.count, 0);
}

static void test_second_loss_counts_first_unmeasured(void **state)
{
	struct failover fo;
	struct vflag_lag two = lag_of(2, (uint32_t[]){7, 8});
	struct vflag_lag one = lag_of(1, (uint32_t[]){8});
	struct vflag_lag none = lag_of(0, NULL);

	(void)state;
	fake_tx = 5;
	failover_init(&fo, tx_packets, NULL);
	failover_published(&fo, &two);
	failover_event(&fo, 7, false, FAILOVER_NETLINK, 0);
	failover_published(&fo, &one);
	failover_event(&fo, 8, false, FAILOVER_MIIMON, 0);
	failover_published(&fo, &none);
	assert_int_equal(fo.outage_unmeasured, 1);
	assert_int_equal(fo.publish.count, 2);
}

static void test_stale_event_is_not_matched(void **state)
{
	struct failover fo;
	struct vflag_lag a = lag_of(1, (uint32_t[]){7});
	struct vflag_lag b = lag_of(1, (uint32_t[]){8});

	(void)state;
	failover_init(&fo, tx_packets, NULL);
	fo.now_ns = now_ns;
	fake_now = 1000000000u;
	failover_published(&fo, &a);
	/* A backup's carrier: nothing to publish. */
	failover_event(&fo, 8, true, FAILOVER_NETLINK, 200);
	fake_now += (200 + FAILOVER_PUBLISH_GRACE_MS + 1) * 1000000ull;
	failover_published(&fo, &b); /* much later, for another reason */
	assert_int_equal(fo.publish.count, 0);
	/* Within the delay it counts, and the whole wait is observed. */
	failover_event(&fo, 8, false, FAILOVER_MIIMON, 200);
	fake_now += 200 * 1000000ull;
	failover_published(&fo, &a);
	assert_int_equal(fo.publish.count, 1);
	assert_true(fo.publish.sum > 0.1999 && fo.publish.sum < 0.2001);
	assert_true(failover_next_deadline(&fo) != UINT64_MAX); /* a loss */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_loss_of_active_is_measured),
	    cmocka_unit_test(test_backup_loss_starts_no_outage),
	    cmocka_unit_test(test_publication_without_event_observes_nothing),
	    cmocka_unit_test(test_removed_lag_ends_measurement),
	    cmocka_unit_test(test_second_loss_counts_first_unmeasured),
	    cmocka_unit_test(test_stale_event_is_not_matched),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
