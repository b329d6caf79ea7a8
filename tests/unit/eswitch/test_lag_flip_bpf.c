/* The double-buffered LAG (bpf/vflag_dp.h, `lags`; src/dp/dp_lag.c),
 * through BPF_PROG_TEST_RUN on a VF's frames and an uplink's:
 *   - a staged copy is not live until the flip, and the flip is live on
 *     the very next frame;
 *   - the copy a flip left is never used again: poisoned (members the
 *     LAG does not have), no frame goes there;
 *   - under a writer flipping as fast as it can (poison written into the
 *     copy not in use, then the real LAG, then the flip), no frame ever
 *     takes a poisoned member;
 *   - the LAG survives a restart: pinned, closed, reopened (adopted and
 *     mmapped again), read back and still switched on, then flipped.
 * Topology: two bonded uplinks (members 0 and 1) and one VF, veths in a
 * private namespace. A member is told by its lag_tx_packets counter; the
 * poisoned copy names port id POISON_ID, which no port has. Needs root;
 * exits 77, meson's "skipped", without namespaces or BPF. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/pkt_cls.h>

#include "../common/private_netns.h"
#include "bpf_harness.h"
#include "common/log.h"
#include "dp/dp.h"
#include "eswitch/eswitch.h"
#include "lag/xmit_hash.h"
#include "nl/nl.h"

#define LAG_SLOT 5u
#define DOMAIN (ESWITCH_DOMAIN_LAG_BASE + LAG_SLOT)
#define POISON_ID 77u
#define ETH_P_TEST 0x88b5 /* local experimental: no parser special case */

enum {
	UP0 = LAG_TOPO_UP0,
	UP1 = LAG_TOPO_UP1,
	VF0 = LAG_TOPO_VF0,
	NPORTS = LAG_TOPO_NPORTS
};

static const char *const port_name[NPORTS] = {"lfup0", "lfup1", "lfrep0"};
static const char *const wire_name[NPORTS] = {"lfup0w", "lfup1w", "lfvf0"};
static const uint32_t port_id[NPORTS] = {1, 2, 10};
static const uint8_t vf_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x02, 0x00};
static const uint8_t peer_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x99, 0x02};

static int ifindex[NPORTS];
static char pin_dir[96];

struct fx {
	struct dp *dp;
};

/* A LAG of one member (UP0 or UP1) that transmits and collects. */
static struct vflag_lag lag_on(int up)
{
	struct vflag_lag lag = {.hash_policy = VFLAG_HASH_LAYER2,
				.tx_count = 1,
				.rx_mask = 1u << (up - UP0)};

	lag.tx_ifindex[0] = (uint32_t)ifindex[up];
	lag.tx_port_id[0] = port_id[up];
	return lag;
}

/* Members no port has, collecting on both: what a torn or stale read
 * would act on. */
static struct vflag_lag poison(void)
{
	struct vflag_lag lag = {
	    .hash_policy = VFLAG_HASH_LAYER2, .tx_count = 2, .rx_mask = 0x3};

	for (int i = 0; i < 2; i++) {
		lag.tx_ifindex[i] = (uint32_t)ifindex[VF0];
		lag.tx_port_id[i] = POISON_ID;
	}
	return lag;
}

static struct vflag_port_stats stats(struct dp *dp, uint32_t id)
{
	struct vflag_port_stats s;

	assert_int_equal(dp_stats_read(dp, id, &s), 0);
	return s;
}

/* Runs `repeat` copies of one frame from the VF (up: -1) or arriving on
 * uplink `up`; returns the last verdict. */
static int run(struct dp *dp, int port, unsigned repeat)
{
	struct frame f = port == VF0
			     ? eth_frame(peer_mac, vf_mac, ETH_P_TEST, 60)
			     : eth_frame(vf_mac, peer_mac, ETH_P_TEST, 60);
	struct __sk_buff ctx = {.ifindex = (uint32_t)ifindex[port]};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f.b,
		    .data_size_in = (uint32_t)f.len, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = (int)repeat);

	assert_int_equal(bpf_prog_test_run_opts(dp_ingress_prog_fd(dp), &opts),
			 0);
	return (int)opts.retval;
}

/* Which member a VF frame took: UP0, UP1, or -1 (dropped). */
static int member_of_next_frame(struct dp *dp)
{
	uint64_t b0 = stats(dp, port_id[UP0]).lag_tx_packets;
	uint64_t b1 = stats(dp, port_id[UP1]).lag_tx_packets;
	int verdict = run(dp, VF0, 1);

	assert_int_equal(stats(dp, POISON_ID).lag_tx_packets, 0);
	if (verdict != TC_ACT_REDIRECT)
		return -1;
	if (stats(dp, port_id[UP0]).lag_tx_packets == b0 + 1 &&
	    stats(dp, port_id[UP1]).lag_tx_packets == b1)
		return UP0;
	if (stats(dp, port_id[UP1]).lag_tx_packets == b1 + 1 &&
	    stats(dp, port_id[UP0]).lag_tx_packets == b0)
		return UP1;
	fail_msg("no single member counted the frame");
	return -2;
}

/* Staged is not live; the flip is live on the next frame, both ways. */
static void test_flip_takes_effect_next_frame(void **state)
{
	struct fx *fx = *state;
	struct vflag_lag a = lag_on(UP0), b = lag_on(UP1), now;

	assert_int_equal(dp_lag_publish(fx->dp, LAG_SLOT, &a), 0);
	assert_int_equal(member_of_next_frame(fx->dp), UP0);
	assert_int_equal(dp_lag_stage(fx->dp, LAG_SLOT, &b), 0);
	assert_int_equal(member_of_next_frame(fx->dp), UP0);
	assert_int_equal(run(fx->dp, UP0, 1), TC_ACT_REDIRECT);
	assert_int_equal(run(fx->dp, UP1, 1), TC_ACT_SHOT);
	assert_int_equal(dp_lag_read(fx->dp, LAG_SLOT, &now), 0);
	assert_memory_equal(&now, &a, sizeof(a));

	assert_int_equal(dp_lag_flip(fx->dp, LAG_SLOT), 0);
	assert_int_equal(member_of_next_frame(fx->dp), UP1);
	assert_int_equal(run(fx->dp, UP0, 1), TC_ACT_SHOT);
	assert_int_equal(run(fx->dp, UP1, 1), TC_ACT_REDIRECT);
	assert_int_equal(dp_lag_read(fx->dp, LAG_SLOT, &now), 0);
	assert_memory_equal(&now, &b, sizeof(b));
}

/* After a flip the copy it left is dead: rewritten with members no port
 * has (as the next publish would, half-way), frames never go there. */
static void test_old_copy_never_used(void **state)
{
	struct fx *fx = *state;
	struct vflag_lag a = lag_on(UP0), b = lag_on(UP1), p = poison();
	uint64_t before = stats(fx->dp, port_id[UP1]).lag_tx_packets;

	assert_int_equal(dp_lag_publish(fx->dp, LAG_SLOT, &a), 0);
	assert_int_equal(dp_lag_publish(fx->dp, LAG_SLOT, &b), 0);
	/* The copy the flip left holds a; poison it instead. */
	assert_int_equal(dp_lag_stage(fx->dp, LAG_SLOT, &p), 0);
	assert_int_equal(run(fx->dp, VF0, 1000), TC_ACT_REDIRECT);
	assert_int_equal(stats(fx->dp, port_id[UP1]).lag_tx_packets,
			 before + 1000);
	assert_int_equal(stats(fx->dp, POISON_ID).lag_tx_packets, 0);
	/* Nor for what it lets collect: member 0 may not. */
	assert_int_equal(run(fx->dp, UP0, 1), TC_ACT_SHOT);
	/* Cleared: no member either way, and no LAG to read. */
	dp_lag_clear(fx->dp, LAG_SLOT);
	assert_int_equal(member_of_next_frame(fx->dp), -1);
	assert_int_equal(run(fx->dp, UP1, 1), TC_ACT_SHOT);
	assert_int_equal(dp_lag_read(fx->dp, LAG_SLOT, &a), -ENOENT);
}

struct writer {
	struct dp *dp;
	volatile bool stop;
	unsigned long flips;
};

/* vflagd at its fastest and worst: before each flip the copy not in
 * use holds poison for a while, then the real LAG. */
static void *writer_run(void *arg)
{
	struct writer *w = arg;
	struct vflag_lag lags[2] = {lag_on(UP0), lag_on(UP1)}, p = poison();

	while (!w->stop) {
		dp_lag_stage(w->dp, LAG_SLOT, &p);
		dp_lag_stage(w->dp, LAG_SLOT, &lags[w->flips & 1]);
		dp_lag_flip(w->dp, LAG_SLOT);
		w->flips++;
	}
	return NULL;
}

static void test_flips_under_load_never_torn(void **state)
{
	struct fx *fx = *state;
	struct writer w = {.dp = fx->dp};
	struct vflag_lag a = lag_on(UP0);
	pthread_t t;
	const unsigned rounds = 200, repeat = 5000;
	uint64_t sent = (uint64_t)rounds * repeat, up0, up1, dropped;

	assert_int_equal(dp_lag_publish(fx->dp, LAG_SLOT, &a), 0);
	assert_int_equal(pthread_create(&t, NULL, writer_run, &w), 0);
	for (unsigned r = 0; r < rounds; r++)
		run(fx->dp, VF0, repeat);
	w.stop = true;
	pthread_join(t, NULL);
	up0 = stats(fx->dp, port_id[UP0]).lag_tx_packets;
	up1 = stats(fx->dp, port_id[UP1]).lag_tx_packets;
	dropped = stats(fx->dp, port_id[VF0]).drop_no_member;
	print_message("%lu flips during %lu frames: %lu on member 0, %lu on "
		      "member 1, %lu dropped (torn twice)\n",
		      w.flips, (unsigned long)sent, (unsigned long)up0,
		      (unsigned long)up1, (unsigned long)dropped);
	assert_int_equal(stats(fx->dp, POISON_ID).lag_tx_packets, 0);
	assert_int_equal(up0 + up1 + dropped, sent);
	assert_true(w.flips > 1000); /* the writer did race the frames */
	assert_true(up0 > 0 && up1 > 0);
}

/* Pinned, closed as a restart does, reopened: the LAG is adopted, read
 * back, still switched on, and the new mapping flips it. */
static void test_survives_restart(void **state)
{
	struct vflag_lag a = lag_on(UP0), b = lag_on(UP1), now;
	struct vflag_port e = {.id = port_id[UP0],
			       .kind = VFLAG_PORT_UPLINK,
			       .domain = DOMAIN,
			       .lag_slot = LAG_SLOT};
	char err[256];
	struct dp *dp;

	dp = dp_open_pinned(pin_dir, err, sizeof(err));
	assert_non_null(dp);
	assert_false(dp_adopted(dp));
	assert_int_equal(dp_port_attach(dp, ifindex[UP0], &e), 0);
	assert_int_equal(dp_lag_publish(dp, LAG_SLOT, &b), 0);
	assert_int_equal(dp_lag_publish(dp, LAG_SLOT, &a), 0);
	dp_close_keep(dp);

	dp = dp_open_pinned(pin_dir, err, sizeof(err));
	assert_non_null(dp);
	assert_true(dp_adopted(dp));
	assert_int_equal(dp_port_adopt(dp, ifindex[UP0], true), 0);
	assert_int_equal(dp_lag_read(dp, LAG_SLOT, &now), 0);
	assert_memory_equal(&now, &a, sizeof(a));
	/* Collected (then to the host: this dp has no VF), not dropped. */
	assert_int_equal(run(dp, UP0, 1), TC_ACT_OK);
	b.rx_mask = 0; /* member 0 stops collecting */
	assert_int_equal(dp_lag_publish(dp, LAG_SLOT, &b), 0);
	assert_int_equal(run(dp, UP0, 1), TC_ACT_SHOT);
	dp_close(dp); /* unhooks and unpins */
	assert_int_equal(access(pin_dir, F_OK), -1);
	(void)state;
}

static int fx_setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	char err[256];

	if (!fx)
		return -1;
	fx->dp = dp_open(err, sizeof(err));
	if (!fx->dp) {
		print_error("dp_open: %s\n", err);
		free(fx);
		return -1;
	}
	if (lag_topo_attach(fx->dp, ifindex, port_id, LAG_SLOT, vf_mac)) {
		dp_close(fx->dp);
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *fx = *state;

	dp_close(fx->dp);
	free(fx);
	return 0;
}

static int build_ports(void)
{
	return lag_topo_build(port_name, wire_name, vf_mac, ifindex,
			      "test_lag_flip_bpf");
}

#define LF_TEST(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    LF_TEST(test_flip_takes_effect_next_frame),
	    LF_TEST(test_old_copy_never_used),
	    LF_TEST(test_flips_under_load_never_torn),
	    cmocka_unit_test(test_survives_restart), /* its own dp */
	};
	int ret = test_private_netns_enter("test_lag_flip_bpf");

	if (ret)
		return ret;
	log_set_quiet(true);
	if (build_ports() < 0)
		return 1;
	/* bpffs is the host's: a directory of our own, gone at the end
	 * (dp_close unpins it and its then empty parent). */
	snprintf(pin_dir, sizeof(pin_dir), "/sys/fs/bpf/vflagtest-%d/lagflip",
		 (int)getpid());
	return cmocka_run_group_tests(tests, NULL, NULL);
}
