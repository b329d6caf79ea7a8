/* The offload table in the eBPF eswitch (bpf/eswitch_flow.h), programmed
 * through the classifier (flow/flow_table.c) on the real datapath
 * backend (dp/dp_flow.c), each action run through BPF_PROG_TEST_RUN and,
 * where only a delivered frame shows it (vlan push), live on veths.
 *
 * In a private network namespace (as tests/unit/eswitch):
 *   up0, up1   uplinks, members 0 and 1 of the LAG in slot 3 (`bond0`)
 *   rep0, rep1 the eswitch ends of VFs vf0, vf1 (their representors)
 * every port in switchdev with hw-tc-offload on. Needs root; exits 77
 * without namespaces or BPF. */
#include <errno.h>
#include <sched.h>
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

#include <bpf/bpf.h>
#include <linux/if_packet.h>
#include <linux/pkt_cls.h>

#include "../common/private_netns.h"
#include "../eswitch/bpf_harness.h"
#include "common/log.h"
#include "dp/dp.h"
#include "flow/flow_table.h"
#include "lag/xmit_hash.h"
#include "nl/nl.h"
#include "words.h"

#define LAG_SLOT 3u
enum { UP0, UP1, VF0, VF1, NPORTS };
static const char *const port_name[NPORTS] = {"up0", "up1", "rep0", "rep1"};
static const char *const wire_name[NPORTS] = {"up0w", "up1w", "vf0", "vf1"};
static const uint32_t port_id[NPORTS] = {1, 2, 10, 11};
static const uint8_t vf_mac[NPORTS][6] = {
    [VF0] = {0x02, 0, 0, 0, 0x01, 0x00},
    [VF1] = {0x02, 0, 0, 0, 0x01, 0x01},
};
static const uint8_t remote_mac[6] = {0x02, 0, 0, 0, 0x99, 0x01};
static int ifindex[NPORTS], wire_ifindex[NPORTS];

struct fx {
	struct dp *dp;
	struct flow_table *ft;
	int ingress_fd;
	struct vflag_port_stats before[NPORTS];
};

static char err[256];

/* ---- the test's port names, as the daemon resolves them ---- */

static int resolve(void *ctx, const char *name, struct flow_port *p, char *e,
		   size_t elen)
{
	memset(p, 0, sizeof(*p));
	p->offload_ok = true;
	for (int i = VF0; i <= VF1; i++)
		if (!strcmp(name, port_name[i])) {
			p->in_port = port_id[i];
			p->out_ifindex = (uint32_t)ifindex[i];
			p->out_port_id = port_id[i];
			return 0;
		}
	if (!strcmp(name, "bond0")) {
		p->in_port = p->out_ifindex = VFLAG_FLOW_OUT_LAG | LAG_SLOT;
		return 0;
	}
	if (elen)
		snprintf(e, elen, "unknown port %s", name);
	return -ENODEV;
}

static const struct flow_resolver resolver = {.resolve = resolve};

/* ---- frames ---- */

static struct frame tcp_frame(const uint8_t dst[6], const uint8_t src[6],
			      const char *saddr, const char *daddr,
			      uint16_t sport, uint16_t dport, int vid)
{
	struct frame f = eth_frame(dst, src, vid ? 0x8100 : 0x0800, 64);
	uint8_t *ip = f.b + 14, *tcp;

	if (vid) {
		put16(f.b + 14, (uint16_t)vid);
		put16(f.b + 16, 0x0800);
		ip += 4;
	}
	tcp = ip + 20;
	ip[0] = 0x45;
	put16(ip + 2, 40);
	ip[8] = 64;
	ip[9] = 6;
	inet_pton(AF_INET, saddr, ip + 12);
	inet_pton(AF_INET, daddr, ip + 16);
	put16(tcp, sport);
	put16(tcp + 2, dport);
	tcp[12] = 5 << 4;
	return f;
}

static struct frame from_vf0(const uint8_t dst[6], uint16_t dport)
{
	return tcp_frame(dst, vf_mac[VF0], "10.0.0.1", "10.0.0.2", 40000, dport,
			 0);
}

static int ingress(struct fx *fx, int port, const struct frame *f,
		   uint32_t *len_out)
{
	return run_on(fx->ingress_fd, ifindex[port], f->b, f->len, len_out);
}

/* ---- counters ---- */

static void mark(struct fx *fx)
{
	for (int p = 0; p < NPORTS; p++)
		assert_int_equal(
		    dp_stats_read(fx->dp, port_id[p], &fx->before[p]), 0);
}

static uint64_t moved_(struct fx *fx, int port, size_t off)
{
	struct vflag_port_stats s;

	assert_int_equal(dp_stats_read(fx->dp, port_id[port], &s), 0);
	return stat_get(&s, off) - stat_get(&fx->before[port], off);
}
#define MOVED(fx, port, field)                                                 \
	moved_(fx, port, offsetof(struct vflag_port_stats, field))

static void wait_moved(struct fx *fx, int port, size_t off)
{
	for (int i = 0; i < 2000 && !moved_(fx, port, off); i++)
		nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
}

static int add(struct fx *fx, const char *spec)
{
	char *argv[64];
	int argc = words(spec, argv);
	struct flower_rule r;

	if (flower_parse(argc, argv, &r, err, sizeof(err)))
		fail_msg("%s: %s", spec, err);
	return flow_table_add(fx->ft, &r, err, sizeof(err));
}

static struct vflag_flow_stats rule_stats(struct fx *fx, int handle)
{
	struct vflag_flow_stats s;

	assert_int_equal(dp_flow_ops.stats_read(fx->dp, (uint32_t)handle, &s),
			 0);
	return s;
}

/* ---- fixture ---- */

static struct vflag_port entry(int p, uint16_t vlan_id)
{
	struct vflag_port e = {
	    .id = port_id[p],
	    .kind = p >= VF0 ? VFLAG_PORT_VF : VFLAG_PORT_UPLINK,
	    .domain = 100,
	    .lag_slot = LAG_SLOT,
	    .uplink_ifindex = (uint32_t)ifindex[UP0],
	    .member_index = p == UP1 ? 1 : 0,
	    .flags = VFLAG_PORT_F_SWITCHDEV | VFLAG_PORT_F_OFFLOAD,
	    .flow_port = p >= VF0 ? port_id[p] : VFLAG_FLOW_OUT_LAG | LAG_SLOT,
	    .vlan_id = vlan_id,
	};

	if (p >= VF0)
		memcpy(e.mac, vf_mac[p], 6);
	return e;
}

static void publish(struct fx *fx, unsigned ntx)
{
	struct vflag_lag lag = {
	    .hash_policy = VFLAG_HASH_LAYER34, .tx_count = ntx, .rx_mask = 0x3};

	for (unsigned i = 0; i < ntx; i++) {
		lag.tx_ifindex[i] = (uint32_t)ifindex[UP0 + i];
		lag.tx_port_id[i] = port_id[UP0 + i];
	}
	assert_int_equal(dp_lag_publish(fx->dp, LAG_SLOT, &lag), 0);
}

static int fx_setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	fx->dp = dp_open(err, sizeof(err));
	if (!fx->dp) {
		print_error("dp_open: %s\n", err);
		free(fx);
		return -1;
	}
	fx->ingress_fd = dp_ingress_prog_fd(fx->dp);
	for (int p = 0; p < NPORTS; p++) {
		struct vflag_port e = entry(p, p == VF1 ? 20 : 0);

		if (dp_port_attach(fx->dp, ifindex[p], &e))
			return -1;
	}
	publish(fx, 2);
	fx->ft = flow_table_create(&dp_flow_ops, fx->dp, &resolver);
	*state = fx;
	return fx->ft ? 0 : -1;
}

static int fx_teardown(void **state)
{
	struct fx *fx = *state;

	flow_table_destroy(fx->ft);
	dp_close(fx->dp);
	free(fx);
	return 0;
}

/* ---- the actions ---- */

/* No rule takes it: the representor (TC_ACT_OK on the VF's end). */
static void test_miss_to_representor(void **state)
{
	struct fx *fx = *state;
	struct frame f = from_vf0(remote_mac, 80);

	mark(fx);
	assert_int_equal(ingress(fx, VF0, &f, NULL), TC_ACT_OK);
	assert_int_equal(MOVED(fx, VF0, slow_packets), 1);
	/* A rule for something else: still a miss. */
	assert_true(add(fx, "dev rep0 flower eth_type ipv4 ip_proto tcp "
			    "dst_port 81 action drop") > 0);
	assert_int_equal(ingress(fx, VF0, &f, NULL), TC_ACT_OK);
	assert_int_equal(MOVED(fx, VF0, slow_packets), 2);
	assert_int_equal(MOVED(fx, VF0, offload_packets), 0);
	/* Another port's rule does not take rep0's frames. */
	assert_true(add(fx, "dev rep1 flower action drop") > 0);
	assert_int_equal(ingress(fx, VF0, &f, NULL), TC_ACT_OK);
	assert_int_equal(MOVED(fx, VF0, slow_packets), 3);
}

/* drop: shot, counted on the port and the rule; last_used moves. */
static void test_drop_and_rule_counters(void **state)
{
	struct fx *fx = *state;
	struct frame f = from_vf0(remote_mac, 80);
	struct vflag_flow_stats s1, s2;
	int h = add(fx, "dev rep0 flower dst_mac 02:00:00:00:99:01 action "
			"drop");

	assert_true(h > 0);
	mark(fx);
	assert_int_equal(ingress(fx, VF0, &f, NULL), TC_ACT_SHOT);
	assert_int_equal(MOVED(fx, VF0, flow_drop), 1);
	assert_int_equal(MOVED(fx, VF0, offload_packets), 1);
	assert_int_equal(MOVED(fx, VF0, offload_bytes), f.len);
	assert_int_equal(MOVED(fx, VF0, slow_packets), 0);
	s1 = rule_stats(fx, h);
	assert_int_equal(s1.packets, 1);
	assert_int_equal(s1.bytes, f.len);
	assert_true(s1.last_used_ns > 0);
	nanosleep(&(struct timespec){.tv_nsec = 2000000}, NULL);
	assert_int_equal(ingress(fx, VF0, &f, NULL), TC_ACT_SHOT);
	s2 = rule_stats(fx, h);
	assert_int_equal(s2.packets, 2);
	assert_true(s2.last_used_ns > s1.last_used_ns);
	/* Offload off on the port: the same frame takes the slow path. */
	{
		struct vflag_port e = entry(VF0, 0);

		e.flags &= ~VFLAG_PORT_F_OFFLOAD;
		assert_int_equal(dp_port_update(fx->dp, ifindex[VF0], &e), 0);
		assert_int_equal(ingress(fx, VF0, &f, NULL), TC_ACT_OK);
		assert_int_equal(MOVED(fx, VF0, slow_packets), 1);
		assert_int_equal(rule_stats(fx, h).packets, 2);
	}
}

/* redirect to a VF: handed to rep1, counted there as offloaded rx. */
static void test_redirect_to_vf(void **state)
{
	struct fx *fx = *state;
	struct frame f = from_vf0(vf_mac[VF1], 80);

	assert_true(add(fx, "dev rep0 flower dst_mac 02:00:00:00:01:01 "
			    "action mirred egress redirect dev rep1") > 0);
	mark(fx);
	assert_int_equal(ingress(fx, VF0, &f, NULL), TC_ACT_REDIRECT);
	assert_int_equal(MOVED(fx, VF0, offload_packets), 1);
	assert_int_equal(MOVED(fx, VF1, offload_rx_packets), 1);
	assert_int_equal(MOVED(fx, VF1, offload_rx_bytes), f.len);
	assert_int_equal(MOVED(fx, VF0, flow_act_fail), 0);
}

/* redirect to the LAG: the member the hash picks, as wire_xmit; no
 * member: the action fails. */
static void test_redirect_to_lag(void **state)
{
	struct fx *fx = *state;

	assert_true(add(fx, "dev rep0 flower eth_type ipv4 action mirred "
			    "egress redirect dev bond0") > 0);
	for (uint16_t flow = 0; flow < 8; flow++) {
		struct frame f =
		    tcp_frame(remote_mac, vf_mac[VF0], "10.0.0.1", "10.0.0.2",
			      (uint16_t)(50000 + flow), 443, 0);
		int member = UP0 + (int)(vflag_xmit_hash(f.b, f.b + f.len,
							 VFLAG_HASH_LAYER34) %
					 2);

		mark(fx);
		assert_int_equal(ingress(fx, VF0, &f, NULL), TC_ACT_REDIRECT);
		assert_int_equal(MOVED(fx, member, lag_tx_packets), 1);
		assert_int_equal(MOVED(fx, member, offload_rx_packets), 1);
		assert_int_equal(MOVED(fx, UP0 + UP1 - member, lag_tx_packets),
				 0);
	}
	publish(fx, 0);
	{
		struct frame f = from_vf0(remote_mac, 80);

		mark(fx);
		assert_int_equal(ingress(fx, VF0, &f, NULL), TC_ACT_SHOT);
		assert_int_equal(MOVED(fx, VF0, flow_act_fail), 1);
	}
}

/* vlan pop on frames from the wire (`dev bond0`), then to vf0: the tag
 * leaves the frame. */
static void test_vlan_pop(void **state)
{
	struct fx *fx = *state;
	struct frame f = tcp_frame(vf_mac[VF0], remote_mac, "10.0.0.2",
				   "10.0.0.1", 443, 40000, 10);
	struct frame other = tcp_frame(vf_mac[VF0], remote_mac, "10.0.0.2",
				       "10.0.0.1", 443, 40000, 11);
	uint32_t len = 0;

	assert_true(add(fx, "dev bond0 flower vlan_id 10 action vlan pop "
			    "action mirred egress redirect dev rep0") > 0);
	mark(fx);
	assert_int_equal(ingress(fx, UP1, &f, &len), TC_ACT_REDIRECT);
	assert_int_equal(len, f.len - 4);
	assert_int_equal(MOVED(fx, UP1, offload_packets), 1);
	assert_int_equal(MOVED(fx, VF0, offload_rx_packets), 1);
	/* VLAN 11 is no match: to the LAG representor (the host here). */
	assert_int_equal(ingress(fx, UP0, &other, &len), TC_ACT_OK);
	assert_int_equal(len, other.len);
	assert_int_equal(MOVED(fx, UP0, slow_packets), 1);
}

static int wire_send(int port, const struct frame *f)
{
	struct sockaddr_ll to = {.sll_family = AF_PACKET,
				 .sll_ifindex = wire_ifindex[port],
				 .sll_halen = 6};
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	ssize_t n;

	if (fd < 0)
		return -errno;
	memcpy(to.sll_addr, f->b, 6);
	n = sendto(fd, f->b, f->len, 0, (struct sockaddr *)&to, sizeof(to));
	close(fd);
	return n == (ssize_t)f->len ? 0 : -EIO;
}

/* vlan push, live: vf0's frame is tagged 20 and handed to rep1, whose
 * VF is VST VLAN 20: its egress takes the tag off (vlan_popped), which
 * it does only for a frame tagged 20. Without the push, no pop. */
static void test_vlan_push_live(void **state)
{
	struct fx *fx = *state;
	struct frame f = from_vf0(vf_mac[VF1], 80);
	int h = add(fx, "dev rep0 flower dst_mac 02:00:00:00:01:01 action vlan "
			"push id 20 action mirred egress redirect dev rep1");

	assert_true(h > 0);
	mark(fx);
	assert_int_equal(wire_send(VF0, &f), 0);
	wait_moved(fx, VF1, offsetof(struct vflag_port_stats, rx_packets));
	assert_int_equal(MOVED(fx, VF1, vlan_popped), 1);
	assert_int_equal(MOVED(fx, VF1, rx_packets), 1);
	assert_int_equal(MOVED(fx, VF1, drop_vlan), 0);
	assert_int_equal(rule_stats(fx, h).packets, 1);
	/* Pushed with another VLAN: rep1's egress refuses it. */
	assert_int_equal(flow_table_del(fx->ft, "rep0", 0, 0, err, sizeof(err)),
			 1);
	assert_true(add(fx, "dev rep0 flower dst_mac 02:00:00:00:01:01 action "
			    "vlan push id 21 action mirred egress redirect dev "
			    "rep1") > 0);
	mark(fx);
	assert_int_equal(wire_send(VF0, &f), 0);
	wait_moved(fx, VF1, offsetof(struct vflag_port_stats, drop_vlan));
	assert_int_equal(MOVED(fx, VF1, drop_vlan), 1);
	assert_int_equal(MOVED(fx, VF1, vlan_popped), 0);
	/* A push alone (no redirect) goes on to the representor. */
	assert_true(add(fx, "dev rep0 flower dst_mac 02:00:00:00:99:01 action "
			    "vlan push id 5") > 0);
	{
		struct frame g = from_vf0(remote_mac, 80);

		mark(fx);
		assert_int_equal(ingress(fx, VF0, &g, NULL), TC_ACT_OK);
		assert_int_equal(MOVED(fx, VF0, offload_packets), 1);
		assert_int_equal(MOVED(fx, VF0, slow_packets), 1);
	}
}

/* Two masks match: the lower prio wins, whichever mask is searched
 * first; deleting it hands the frame to the other. */
static void test_priority_between_masks(void **state)
{
	struct fx *fx = *state;
	struct frame f = from_vf0(vf_mac[VF1], 80);
	int mac, port;

	mac = add(fx, "dev rep0 prio 20 flower dst_mac 02:00:00:00:01:01 "
		      "action mirred egress redirect dev rep1");
	port = add(fx, "dev rep0 prio 10 flower eth_type ipv4 ip_proto tcp "
		       "dst_port 80 action drop");
	assert_true(mac > 0 && port > 0);
	mark(fx);
	assert_int_equal(ingress(fx, VF0, &f, NULL), TC_ACT_SHOT);
	assert_int_equal(
	    flow_table_del(fx->ft, "rep0", 10, 0, err, sizeof(err)), 1);
	assert_int_equal(ingress(fx, VF0, &f, NULL), TC_ACT_REDIRECT);
	/* And the other way round. */
	port = add(fx, "dev rep0 prio 30 flower eth_type ipv4 ip_proto tcp "
		       "dst_port 80 action drop");
	assert_int_equal(ingress(fx, VF0, &f, NULL), TC_ACT_REDIRECT);
	assert_int_equal(rule_stats(fx, mac).packets, 2);
	assert_int_equal(rule_stats(fx, port).packets, 0);
}

/* A masked MAC and an IP prefix. */
static void test_masked_match(void **state)
{
	struct fx *fx = *state;
	uint8_t in_oui[6] = {0x02, 0, 0, 0x55, 0x66, 0x77};
	uint8_t out_oui[6] = {0x04, 0, 0, 0x55, 0x66, 0x77};
	struct frame a = from_vf0(in_oui, 1), b = from_vf0(out_oui, 1);
	struct frame c =
	    tcp_frame(out_oui, vf_mac[VF0], "10.0.0.1", "192.168.7.9", 1, 2, 0);

	assert_true(add(fx, "dev rep0 flower dst_mac 02:00:00:00:00:00/24 "
			    "action drop") > 0);
	assert_true(add(fx, "dev rep0 flower eth_type ipv4 dst_ip "
			    "192.168.0.0/16 action mirred egress redirect dev "
			    "rep1") > 0);
	assert_int_equal(ingress(fx, VF0, &a, NULL), TC_ACT_SHOT);
	assert_int_equal(ingress(fx, VF0, &b, NULL), TC_ACT_OK);
	assert_int_equal(ingress(fx, VF0, &c, NULL), TC_ACT_REDIRECT);
}

/* A restart: a new model adopts what the maps hold. */
static void test_adopt_from_maps(void **state)
{
	struct fx *fx = *state;
	struct flow_table *again;

	assert_true(add(fx, "dev rep0 prio 3 flower dst_mac 02:00:00:00:01:01 "
			    "action drop") > 0);
	assert_true(add(fx, "dev rep0 prio 4 flower eth_type ipv4 action "
			    "mirred egress redirect dev bond0") > 0);
	again = flow_table_create(&dp_flow_ops, fx->dp, &resolver);
	assert_int_equal(flow_table_adopt(again), 2);
	assert_int_equal(flow_table_masks(again), 2);
	flow_table_destroy(again);
}

static int build_ports(void)
{
	struct nl *nl = nl_open();
	int ret = -1;

	if (!nl)
		return -1;
	for (int p = 0; p < NPORTS; p++) {
		struct nl_link_info info;

		ifindex[p] = nl_veth_create(nl, port_name[p], wire_name[p],
					    p >= VF0 ? vf_mac[p] : NULL);
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

#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_miss_to_representor),
	    T(test_drop_and_rule_counters),
	    T(test_redirect_to_vf),
	    T(test_redirect_to_lag),
	    T(test_vlan_pop),
	    T(test_vlan_push_live),
	    T(test_priority_between_masks),
	    T(test_masked_match),
	    T(test_adopt_from_maps),
	};
	int ret = test_private_netns_enter("test_flow_bpf");

	if (ret)
		return ret;
	log_set_quiet(true);
	if (build_ports() < 0) {
		fprintf(stderr, "test_flow_bpf: cannot build the ports\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
