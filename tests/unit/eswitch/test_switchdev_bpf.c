/* BPF_PROG_TEST_RUN tests of switchdev's miss paths in the eBPF eswitch
 * (src/bpf/eswitch.bpf.c: switchdev_ingress, to_representor, the LAG
 * representor's frames), in a private network namespace:
 *
 *   up0, up1   uplinks, members 0 and 1 of the bond in LAG slot 3
 *   rep0       eswitch end of the bond's VF vf0
 *   lrep       eswitch end of the bond's LAG representor (host end: bond0)
 *   up2, rep2  a lone PF and its VF
 *
 * Entries are what src/eswitch/domain.c and switchdev.c write in
 * switchdev mode (VFLAG_PORT_F_SWITCHDEV, rep_ifindex, flow_port); no
 * rule exists, so every frame is a miss. Every counter of every port is
 * checked: a frame moves what it names and nothing else. A live test
 * shows that an uplink's miss really arrives on the LAG representor's
 * host end.
 *
 * Needs root; exits 77 without it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "bpf_harness.h"
#include <linux/if_packet.h>
#include <linux/pkt_cls.h>

#include "../common/private_netns.h"
#include "common/log.h"
#include "dp/dp.h"
#include "eswitch/eswitch.h"
#include "lag/xmit_hash.h"
#include "nl/nl.h"

#define LAG_SLOT 3u
#define DOMAIN_A (ESWITCH_DOMAIN_LAG_BASE + LAG_SLOT)
#define DOMAIN_B 2u

enum { UP0, UP1, UP2, VF0, VF2, LREP, NPORTS };

static const char *const port_name[NPORTS] = {"up0",  "up1",  "up2",
					      "rep0", "rep2", "lrep"};
static const char *const wire_name[NPORTS] = {"up0w", "up1w", "up2w",
					      "vf0",  "vf2",  "bond0"};
static const uint32_t port_id[NPORTS] = {1, 2, 3, 10, 12, 20};
static const uint8_t vf_mac[NPORTS][6] = {
    [VF0] = {0x02, 0x00, 0x00, 0x00, 0x01, 0x00},
    [VF2] = {0x02, 0x00, 0x00, 0x00, 0x01, 0x02},
};
static const uint8_t remote_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x99, 0x01};
static const uint8_t bcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t lacp_mac[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x02};

static int ifindex[NPORTS];
static int wire_ifindex[NPORTS];

struct fx {
	struct dp *dp;
	int ingress_fd;
	struct vflag_port_stats before[NPORTS];
};

static struct frame tcp_frame(const uint8_t dst[6], const uint8_t src[6],
			      uint16_t sport)
{
	struct frame f = eth_frame(dst, src, 0x0800, 60);
	uint8_t *ip = f.b + 14, *tcp = ip + 20;
	uint32_t s = htonl(0x0a000001), d = htonl(0x0a000002);

	ip[0] = 0x45;
	put16(ip + 2, 40);
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, &s, 4);
	memcpy(ip + 16, &d, 4);
	put16(tcp, sport);
	put16(tcp + 2, 80);
	tcp[12] = 5 << 4;
	return f;
}

/* ---- counters ---- */

static const struct stat_ports checked = {port_id, port_name, NPORTS};

static void stats_all(struct fx *fx, struct vflag_port_stats *out)
{
	stats_read_all(fx->dp, &checked, out);
}

static void mark(struct fx *fx)
{
	stats_all(fx, fx->before);
}

static void expect_deltas_(struct fx *fx, const struct delta *d, size_t n,
			   int line)
{
	stats_expect(fx->dp, &checked, fx->before, d, n, line);
}
#define expect_deltas(fx, ...)                                                 \
	do {                                                                   \
		const struct delta d_[] = {__VA_ARGS__};                       \
		expect_deltas_(fx, d_, sizeof(d_) / sizeof(d_[0]), __LINE__);  \
	} while (0)

static int ingress(struct fx *fx, int port, const struct frame *f)
{
	return run_on(fx->ingress_fd, ifindex[port], f->b, f->len, NULL);
}

/* ---- entries as switchdev.c writes them ---- */

static struct vflag_port uplink_entry(int port, uint32_t flags)
{
	bool bonded = port != UP2;

	return (struct vflag_port){
	    .id = port_id[port],
	    .kind = VFLAG_PORT_UPLINK,
	    .domain = bonded ? DOMAIN_A : DOMAIN_B,
	    .lag_slot = bonded ? LAG_SLOT : VFLAG_NO_LAG,
	    .member_index = port == UP1 ? 1 : 0,
	    .flags = flags,
	    .flow_port = bonded ? VFLAG_FLOW_OUT_LAG | LAG_SLOT : port_id[port],
	    .rep_ifindex = bonded ? (uint32_t)ifindex[LREP] : 0,
	};
}

static struct vflag_port vf_entry(int port, uint32_t flags)
{
	bool bonded = port != VF2;
	struct vflag_port p = {
	    .id = port_id[port],
	    .kind = VFLAG_PORT_VF,
	    .domain = bonded ? DOMAIN_A : DOMAIN_B,
	    .lag_slot = bonded ? LAG_SLOT : VFLAG_NO_LAG,
	    .uplink_ifindex =
		bonded ? (uint32_t)ifindex[UP0] : (uint32_t)ifindex[UP2],
	    .flags = VFLAG_PORT_F_SPOOFCHK | flags,
	    .flow_port = port_id[port],
	};

	memcpy(p.mac, vf_mac[port], 6);
	return p;
}

static struct vflag_port lag_rep_entry(void)
{
	return (struct vflag_port){
	    .id = port_id[LREP],
	    .kind = VFLAG_PORT_LAG_REP,
	    .domain = DOMAIN_A,
	    .lag_slot = LAG_SLOT,
	    .flow_port = port_id[LREP],
	};
}

/* Every port in switchdev (flags), the LAG with both members. */
static int program(struct fx *fx, uint32_t flags)
{
	struct vflag_lag lag = {
	    .hash_policy = VFLAG_HASH_LAYER34, .tx_count = 2, .rx_mask = 0x3};
	struct vflag_port e;

	for (int p = UP0; p <= UP2; p++) {
		e = uplink_entry(p, flags);
		if (dp_port_attach(fx->dp, ifindex[p], &e))
			return -1;
	}
	for (int p = VF0; p <= VF2; p++) {
		e = vf_entry(p, flags);
		if (dp_port_attach(fx->dp, ifindex[p], &e) ||
		    dp_fdb_set(fx->dp, e.domain, 0, vf_mac[p], ifindex[p],
			       port_id[p]))
			return -1;
	}
	e = lag_rep_entry();
	if (dp_port_attach(fx->dp, ifindex[LREP], &e))
		return -1;
	lag.tx_ifindex[0] = (uint32_t)ifindex[UP0];
	lag.tx_port_id[0] = port_id[UP0];
	lag.tx_ifindex[1] = (uint32_t)ifindex[UP1];
	lag.tx_port_id[1] = port_id[UP1];
	return dp_lag_publish(fx->dp, LAG_SLOT, &lag);
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
	if (program(fx, VFLAG_PORT_F_SWITCHDEV)) {
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

/* A VF's miss goes up its representor (TC_ACT_OK on its eswitch end),
 * counted as slow path, after the isolation rules; never out of the LAG
 * or to a sibling. */
static void test_vf_miss_to_representor(void **state)
{
	struct fx *fx = *state;
	struct frame f = tcp_frame(remote_mac, vf_mac[VF0], 1000);
	struct frame b = eth_frame(bcast_mac, vf_mac[VF0], 0x0806, 60);
	struct frame spoof = tcp_frame(remote_mac, remote_mac, 1000);

	mark(fx);
	assert_int_equal(ingress(fx, VF0, &f), TC_ACT_OK);
	assert_int_equal(ingress(fx, VF0, &b), TC_ACT_OK);
	expect_deltas(fx, D(VF0, tx_packets, 2),
		      D(VF0, tx_bytes, f.len + b.len), D(VF0, slow_packets, 2),
		      D(VF0, slow_bytes, f.len + b.len));
	/* The isolation rules hold in switchdev too. */
	mark(fx);
	assert_int_equal(ingress(fx, VF0, &spoof), TC_ACT_SHOT);
	expect_deltas(fx, D(VF0, tx_packets, 1), D(VF0, tx_bytes, spoof.len),
		      D(VF0, drop_spoof, 1));
	/* hw-tc-offload on with no rule: still the representor. */
	assert_int_equal(
	    program(fx, VFLAG_PORT_F_SWITCHDEV | VFLAG_PORT_F_OFFLOAD), 0);
	mark(fx);
	assert_int_equal(ingress(fx, VF2, &f), TC_ACT_SHOT); /* spoofed */
	f = tcp_frame(remote_mac, vf_mac[VF2], 1000);
	assert_int_equal(ingress(fx, VF2, &f), TC_ACT_OK);
	expect_deltas(fx, D(VF2, tx_packets, 2), D(VF2, tx_bytes, 2 * f.len),
		      D(VF2, drop_spoof, 1), D(VF2, slow_packets, 1),
		      D(VF2, slow_bytes, f.len));
}

/* A bonded uplink's miss (even for a VF's MAC: no legacy fdb in
 * switchdev) is redirected to the LAG representor; a lone uplink's goes
 * to the host on itself. Broadcasts are not flooded to the VFs. */
static void test_uplink_miss_to_lag_rep(void **state)
{
	struct fx *fx = *state;
	struct frame f = tcp_frame(vf_mac[VF0], remote_mac, 1000);
	struct frame b = eth_frame(bcast_mac, remote_mac, 0x0806, 60);

	mark(fx);
	assert_int_equal(ingress(fx, UP0, &f), TC_ACT_REDIRECT);
	assert_int_equal(ingress(fx, UP1, &b), TC_ACT_REDIRECT);
	expect_deltas(fx, D(UP0, rx_packets, 1), D(UP0, rx_bytes, f.len),
		      D(UP0, slow_packets, 1), D(UP0, slow_bytes, f.len),
		      D(UP1, rx_packets, 1), D(UP1, rx_bytes, b.len),
		      D(UP1, slow_packets, 1), D(UP1, slow_bytes, b.len));
	mark(fx);
	f = tcp_frame(vf_mac[VF2], remote_mac, 1000);
	assert_int_equal(ingress(fx, UP2, &f), TC_ACT_OK);
	expect_deltas(fx, D(UP2, rx_packets, 1), D(UP2, rx_bytes, f.len),
		      D(UP2, slow_packets, 1), D(UP2, slow_bytes, f.len));
}

/* LACP stays the uplink's (vflagd's socket) in switchdev; a member that
 * may not collect still drops, before the representor. */
static void test_uplink_slow_proto_and_collecting(void **state)
{
	struct fx *fx = *state;
	struct frame l = eth_frame(lacp_mac, remote_mac, 0x8809, 124);
	struct frame f = tcp_frame(vf_mac[VF0], remote_mac, 1000);
	struct vflag_lag lag = {.hash_policy = VFLAG_HASH_LAYER34,
				.tx_count = 1,
				.rx_mask = 1u << 1};

	l.b[14] = 0x01;
	mark(fx);
	assert_int_equal(ingress(fx, UP0, &l), TC_ACT_OK);
	expect_deltas(fx, D(UP0, rx_packets, 1), D(UP0, rx_bytes, l.len),
		      D(UP0, slow_proto_packets, 1));
	lag.tx_ifindex[0] = (uint32_t)ifindex[UP1];
	lag.tx_port_id[0] = port_id[UP1];
	assert_int_equal(dp_lag_publish(fx->dp, LAG_SLOT, &lag), 0);
	mark(fx);
	assert_int_equal(ingress(fx, UP0, &f), TC_ACT_SHOT);
	expect_deltas(fx, D(UP0, rx_packets, 1), D(UP0, rx_bytes, f.len),
		      D(UP0, drop_not_collecting, 1));
}

/* What the host sends on bond0 leaves through the LAG on the member the
 * hash picks among the distributing ones, in either mode. */
static void test_lag_rep_out_of_lag(void **state)
{
	struct fx *fx = *state;
	static const int both[] = {UP0, UP1};
	unsigned seen[2] = {0, 0};

	for (int legacy = 0; legacy < 2; legacy++) {
		if (legacy)
			assert_int_equal(program(fx, 0), 0);
		for (uint16_t flow = 0; flow < 16; flow++) {
			struct frame f =
			    tcp_frame(remote_mac, vf_mac[VF0], 40000 + flow);
			unsigned m = vflag_xmit_hash(f.b, f.b + f.len,
						     VFLAG_HASH_LAYER34) %
				     2;

			mark(fx);
			assert_int_equal(ingress(fx, LREP, &f),
					 TC_ACT_REDIRECT);
			expect_deltas(fx, D(LREP, tx_packets, 1),
				      D(LREP, tx_bytes, f.len),
				      D(both[m], lag_tx_packets, 1),
				      D(both[m], lag_tx_bytes, f.len));
			seen[m]++;
		}
	}
	assert_true(seen[0] > 0 && seen[1] > 0);
	/* No member: dropped and counted. */
	dp_lag_clear(fx->dp, LAG_SLOT);
	{
		struct frame f = tcp_frame(remote_mac, vf_mac[VF0], 1);

		mark(fx);
		assert_int_equal(ingress(fx, LREP, &f), TC_ACT_SHOT);
		expect_deltas(fx, D(LREP, tx_packets, 1),
			      D(LREP, tx_bytes, f.len),
			      D(LREP, drop_no_member, 1));
	}
}

/* Legacy again: the same frames take the fdb as before. */
static void test_back_to_legacy(void **state)
{
	struct fx *fx = *state;
	struct frame f = tcp_frame(vf_mac[VF0], remote_mac, 1000);
	int member;

	assert_int_equal(program(fx, 0), 0);
	mark(fx);
	assert_int_equal(ingress(fx, UP0, &f), TC_ACT_REDIRECT);
	expect_deltas(fx, D(UP0, rx_packets, 1), D(UP0, rx_bytes, f.len));
	f = tcp_frame(remote_mac, vf_mac[VF0], 1000);
	member = vflag_xmit_hash(f.b, f.b + f.len, VFLAG_HASH_LAYER34) % 2
		     ? UP1
		     : UP0;
	mark(fx);
	assert_int_equal(ingress(fx, VF0, &f), TC_ACT_REDIRECT);
	expect_deltas(fx, D(VF0, tx_packets, 1), D(VF0, tx_bytes, f.len),
		      D(member, lag_tx_packets, 1),
		      D(member, lag_tx_bytes, f.len));
}

/* Live: a frame from the wire on up0 comes out of bond0, the LAG
 * representor's host end (its egress hook counts it as rx). */
static void test_live_uplink_miss_on_bond0(void **state)
{
	struct fx *fx = *state;
	struct frame f = tcp_frame(remote_mac, vf_mac[VF2], 1000);
	struct sockaddr_ll to = {.sll_family = AF_PACKET,
				 .sll_ifindex = wire_ifindex[UP0],
				 .sll_halen = 6};
	struct vflag_port_stats s;
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memcpy(to.sll_addr, f.b, 6);
	mark(fx);
	assert_int_equal(
	    sendto(fd, f.b, f.len, 0, (struct sockaddr *)&to, sizeof(to)),
	    (ssize_t)f.len);
	close(fd);
	for (int i = 0; i < 2000; i++) {
		assert_int_equal(dp_stats_read(fx->dp, port_id[LREP], &s), 0);
		if (s.rx_packets > fx->before[LREP].rx_packets)
			break;
		nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
	}
	expect_deltas(fx, D(UP0, rx_packets, 1), D(UP0, rx_bytes, f.len),
		      D(UP0, slow_packets, 1), D(UP0, slow_bytes, f.len),
		      D(LREP, rx_packets, 1), D(LREP, rx_bytes, f.len));
}

static int build_ports(void)
{
	struct nl *nl = nl_open();
	int ret = -1;

	if (!nl)
		return -1;
	for (int p = 0; p < NPORTS; p++) {
		struct nl_link_info info;

		ifindex[p] =
		    nl_veth_create(nl, port_name[p], wire_name[p],
				   p == VF0 || p == VF2 ? vf_mac[p] : NULL);
		if (ifindex[p] < 0 ||
		    nl_link_get(nl, wire_name[p], 0, &info) < 0)
			goto close_nl;
		wire_ifindex[p] = info.ifindex;
		if (nl_link_set_up(nl, ifindex[p], true) ||
		    nl_link_set_up(nl, wire_ifindex[p], true))
			goto close_nl;
	}
	ret = 0;
close_nl:
	nl_close(nl);
	return ret;
}

#define SD_TEST(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    SD_TEST(test_vf_miss_to_representor),
	    SD_TEST(test_uplink_miss_to_lag_rep),
	    SD_TEST(test_uplink_slow_proto_and_collecting),
	    SD_TEST(test_lag_rep_out_of_lag),
	    SD_TEST(test_back_to_legacy),
	    SD_TEST(test_live_uplink_miss_on_bond0),
	};
	int ret = test_private_netns_enter("test_switchdev_bpf");

	if (ret)
		return ret;
	log_set_quiet(true);
	if (build_ports() < 0) {
		fprintf(stderr, "test_switchdev_bpf: cannot build the ports\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
