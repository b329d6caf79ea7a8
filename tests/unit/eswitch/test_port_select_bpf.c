/* Port selection of a LAG in the eBPF datapath (struct vflag_lag's
 * port_select, issue 10 item 7), through BPF_PROG_TEST_RUN: one VF
 * talking to one peer MAC, ten TCP flows (iperf3 -P 10).
 *   - queue_affinity with hash_policy layer2 (the seed's options): the
 *     flows spread over both members, each by its layer3+4 hash, which
 *     is what `bond xmit-member` predicts;
 *   - hash with layer2: all on one member, as Linux bonding does.
 * The member a frame took is read from its lag_tx_packets counter.
 *
 * The harness is a minimal copy of test_eswitch_bpf.c's (private
 * namespace, veths, dp.h): two bonded uplinks and one VF. Needs root;
 * exits 77, meson's "skipped", without namespaces or BPF. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

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

#define LAG_SLOT 2u
#define NFLOWS 10

enum {
	UP0 = LAG_TOPO_UP0,
	UP1 = LAG_TOPO_UP1,
	VF0 = LAG_TOPO_VF0,
	NPORTS = LAG_TOPO_NPORTS
};

static const char *const port_name[NPORTS] = {"psup0", "psup1", "psrep0"};
static const char *const wire_name[NPORTS] = {"psup0w", "psup1w", "psvf0"};
static const uint32_t port_id[NPORTS] = {1, 2, 10};
static const uint8_t vf_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x01, 0x00};
static const uint8_t peer_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x99, 0x01};

static int ifindex[NPORTS];

struct fx {
	struct dp *dp;
	int ingress_fd;
};

/* An IPv4/TCP segment from the VF to the peer, padded to 60 bytes. */
static size_t tcp_frame(uint8_t *b, uint16_t sport)
{
	uint32_t saddr = htonl(0x0a000001), daddr = htonl(0x0a000002);
	uint8_t *ip = b + 14, *tcp = ip + 20;

	memset(b, 0, 60);
	memcpy(b, peer_mac, 6);
	memcpy(b + 6, vf_mac, 6);
	b[12] = 0x08;
	ip[0] = 0x45;
	ip[3] = 40;
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, &saddr, 4);
	memcpy(ip + 16, &daddr, 4);
	tcp[0] = (uint8_t)(sport >> 8);
	tcp[1] = (uint8_t)sport;
	tcp[2] = 0x14; /* 5201, iperf3's */
	tcp[3] = 0x51;
	tcp[12] = 5 << 4;
	tcp[13] = 0x10;
	return 60;
}

static uint64_t lag_tx(struct fx *fx, int port)
{
	struct vflag_port_stats s;

	assert_int_equal(dp_stats_read(fx->dp, port_id[port], &s), 0);
	return s.lag_tx_packets;
}

/* Sends flow `sport` from the VF; returns the member (UP0, UP1) whose
 * lag_tx_packets moved. */
static int send_flow(struct fx *fx, uint16_t sport)
{
	uint8_t b[64];
	size_t len = tcp_frame(b, sport);
	struct __sk_buff ctx = {.ifindex = (uint32_t)ifindex[VF0]};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = b,
		    .data_size_in = (uint32_t)len, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);
	uint64_t before[2] = {lag_tx(fx, UP0), lag_tx(fx, UP1)};

	assert_int_equal(bpf_prog_test_run_opts(fx->ingress_fd, &opts), 0);
	assert_int_equal(opts.retval, TC_ACT_REDIRECT);
	if (lag_tx(fx, UP0) == before[0] + 1 && lag_tx(fx, UP1) == before[1])
		return UP0;
	if (lag_tx(fx, UP1) == before[1] + 1 && lag_tx(fx, UP0) == before[0])
		return UP1;
	fail_msg("flow %u: no single member counted it", sport);
	return -1;
}

static void publish(struct fx *fx, uint32_t port_select, uint32_t policy)
{
	struct vflag_lag lag = {.hash_policy = policy,
				.port_select = port_select,
				.tx_count = 2,
				.rx_mask = 0x3};

	for (int i = 0; i < 2; i++) {
		lag.tx_ifindex[i] = (uint32_t)ifindex[UP0 + i];
		lag.tx_port_id[i] = port_id[UP0 + i];
	}
	assert_int_equal(dp_lag_publish(fx->dp, LAG_SLOT, &lag), 0);
}

/* queue_affinity, layer2: iperf3 -P 10 spreads, and each flow takes
 * the member its layer3+4 hash names (vflag_lag_hash_policy()). */
static void test_queue_affinity_spreads(void **state)
{
	struct fx *fx = *state;
	unsigned hits[2] = {0};
	struct vflag_lag lag = {.hash_policy = VFLAG_HASH_LAYER2,
				.port_select =
				    VFLAG_PORT_SELECT_QUEUE_AFFINITY};

	publish(fx, VFLAG_PORT_SELECT_QUEUE_AFFINITY, VFLAG_HASH_LAYER2);
	assert_int_equal(vflag_lag_hash_policy(&lag), VFLAG_HASH_LAYER34);
	for (uint16_t i = 0; i < NFLOWS; i++) {
		uint8_t b[64];
		size_t len = tcp_frame(b, (uint16_t)(40000 + i));
		uint32_t h = vflag_xmit_hash(b, b + len, VFLAG_HASH_LAYER34);
		int m = send_flow(fx, (uint16_t)(40000 + i));

		assert_int_equal(m, UP0 + (int)(h % 2));
		hits[m - UP0]++;
	}
	print_message("queue_affinity: %u / %u flows per member\n", hits[0],
		      hits[1]);
	assert_true(hits[0] > 0 && hits[1] > 0);
}

/* hash, layer2: Linux's answer, every flow of one MAC pair on one
 * member. */
static void test_hash_layer2_one_member(void **state)
{
	struct fx *fx = *state;
	unsigned hits[2] = {0};

	publish(fx, VFLAG_PORT_SELECT_HASH, VFLAG_HASH_LAYER2);
	for (uint16_t i = 0; i < NFLOWS; i++)
		hits[send_flow(fx, (uint16_t)(40000 + i)) - UP0]++;
	assert_true(hits[0] == NFLOWS || hits[1] == NFLOWS);
}

/* hash, layer3+4: the same as queue_affinity, since both hash l3+4. */
static void test_hash_layer34_spreads(void **state)
{
	struct fx *fx = *state;
	unsigned hits[2] = {0};

	publish(fx, VFLAG_PORT_SELECT_HASH, VFLAG_HASH_LAYER34);
	for (uint16_t i = 0; i < NFLOWS; i++)
		hits[send_flow(fx, (uint16_t)(40000 + i)) - UP0]++;
	assert_true(hits[0] > 0 && hits[1] > 0);
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
	fx->ingress_fd = dp_ingress_prog_fd(fx->dp);
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
			      "test_port_select_bpf");
}

#define PS_TEST(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    PS_TEST(test_queue_affinity_spreads),
	    PS_TEST(test_hash_layer2_one_member),
	    PS_TEST(test_hash_layer34_spreads),
	};
	int ret = test_private_netns_enter("test_port_select_bpf");

	if (ret)
		return ret;
	log_set_quiet(true);
	if (build_ports() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
