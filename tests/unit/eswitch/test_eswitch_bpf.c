/* Unit tests of the eBPF eswitch (src/bpf/eswitch.bpf.c) through the
 * loader API (src/dp/dp.h) and BPF_PROG_TEST_RUN.
 *
 * The process leaves the host's network namespace first thing
 * (unshare(CLONE_NEWNET)) and builds, inside its private one, the ports of
 * a small eswitch out of veth pairs:
 *
 *   up0, up1   uplinks, members 0 and 1 of the bond in LAG slot 3
 *              (domain A = ESWITCH_DOMAIN_LAG_BASE + 3)
 *   rep0, rep1 eswitch ends of the bond's VFs vf0, vf1 (domain A)
 *   up2        a lone PF (slot 2, domain B = 2)
 *   rep2       eswitch end of up2's VF vf2 (domain B)
 *
 * Every test opens its own datapath (dp_open), programs it with the
 * entries vflagd writes (src/eswitch/domain.c eswitch_pf_port_entry,
 * eswitch_vf_port_entry, eswitch_domain_flood_sync; bond.c bond_publish),
 * runs crafted frames through vflag_ingress/vflag_egress with
 * ctx.ifindex naming the port they arrive on, and checks the verdict
 * and the change of EVERY counter of every port: a frame must move the
 * counters it names and no other.
 *
 * BPF_PROG_TEST_RUN returns TC_ACT_REDIRECT without doing the redirect,
 * so the redirect targets are also checked live ("live_" tests): a frame
 * is sent into a veth with a packet socket, the attached programs switch
 * it, and the egress program's counter on the target port shows where it
 * went. Copies made by bpf_clone_redirect are transmitted even under test
 * run, so flooding is visible on the VFs' egress counters directly.
 *
 * IPv6 is disabled in the namespace so that no device sends anything by
 * itself (router solicitations, MLD) into the live hooks.
 *
 * Needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_BPF); exits 77, meson's
 * "skipped", when the namespace or the BPF programs are not permitted. */
#include <errno.h>
#include <fcntl.h>
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

#include "bpf_harness.h"
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_packet.h>
#include <linux/pkt_cls.h>

#include "common/log.h"
#include "dp/dp.h"
#include "../common/private_netns.h"
#include "eswitch/eswitch.h"
#include "lag/xmit_hash.h"
#include "nl/nl.h"

#define LAG_SLOT 3u
#define DOMAIN_A (ESWITCH_DOMAIN_LAG_BASE + LAG_SLOT)
#define DOMAIN_B 2u

/* Ports: index in the fixture's tables. */
enum { UP0, UP1, UP2, VF0, VF1, VF2, NPORTS };

static const char *const port_name[NPORTS] = {"up0",  "up1",  "up2",
					      "rep0", "rep1", "rep2"};
static const char *const wire_name[NPORTS] = {"up0w", "up1w", "up2w",
					      "vf0",  "vf1",  "vf2"};
/* Port ids (indexes in port_stats) as vflagd would allocate them. */
static const uint32_t port_id[NPORTS] = {1, 2, 3, 10, 11, 12};

static const uint8_t vf_mac[NPORTS][6] = {
    [VF0] = {0x02, 0x00, 0x00, 0x00, 0x01, 0x00},
    [VF1] = {0x02, 0x00, 0x00, 0x00, 0x01, 0x01},
    [VF2] = {0x02, 0x00, 0x00, 0x00, 0x01, 0x02},
};
static const uint8_t remote_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x99, 0x01};
static const uint8_t unknown_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x77, 0x77};
static const uint8_t bcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t mcast_mac[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb};
static const uint8_t lacp_mac[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x02};

/* Built once in main(), in the private namespace. */
static int ifindex[NPORTS];	 /* the eswitch side */
static int wire_ifindex[NPORTS]; /* the other end of each veth */

struct fx {
	struct dp *dp;
	int ingress_fd;
	int egress_fd;
	struct vflag_port_stats before[NPORTS];
};

/* ---- frames ---- */

/* An IPv4/TCP segment padded to the 60-byte minimum. */
static struct frame tcp_frame(const uint8_t dst[6], const uint8_t src[6],
			      uint32_t saddr, uint32_t daddr, uint16_t sport,
			      uint16_t dport)
{
	struct frame f = eth_frame(dst, src, 0x0800, 60);
	uint8_t *ip = f.b + 14, *tcp = ip + 20;

	ip[0] = 0x45;
	put16(ip + 2, 40);
	ip[8] = 64;
	ip[9] = 6; /* TCP */
	saddr = htonl(saddr);
	daddr = htonl(daddr);
	memcpy(ip + 12, &saddr, 4);
	memcpy(ip + 16, &daddr, 4);
	put16(tcp, sport);
	put16(tcp + 2, dport);
	tcp[12] = 5 << 4;
	tcp[13] = 0x10; /* ACK */
	return f;
}

/* Numerical Recipes' LCG: reproducible flows. */
static uint32_t lcg(uint32_t x)
{
	return x * 1664525u + 1013904223u;
}

/* ---- running the programs ---- */

static int ingress(struct fx *fx, int port, const struct frame *f)
{
	return run_on(fx->ingress_fd, ifindex[port], f->b, f->len, NULL);
}

static int egress(struct fx *fx, int port, const struct frame *f)
{
	return run_on(fx->egress_fd, ifindex[port], f->b, f->len, NULL);
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

/* Checks that since mark(), every counter of every port moved by what
 * the list says (listed twice: summed) and the others did not move. */
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
#define expect_no_change(fx) expect_deltas_(fx, NULL, 0, __LINE__)

/* ---- programming the datapath as vflagd does ---- */

/* pf_port_entry() */
static struct vflag_port uplink_entry(int port)
{
	bool bonded = port != UP2;

	return (struct vflag_port){
	    .id = port_id[port],
	    .kind = VFLAG_PORT_UPLINK,
	    .domain = bonded ? DOMAIN_A : DOMAIN_B,
	    .lag_slot = bonded ? LAG_SLOT : VFLAG_NO_LAG,
	    .member_index = port == UP1 ? 1 : 0,
	};
}

/* vf_port_entry() */
static struct vflag_port vf_entry(int port, bool spoofchk)
{
	bool bonded = port != VF2;
	struct vflag_port p = {
	    .id = port_id[port],
	    .kind = VFLAG_PORT_VF,
	    .domain = bonded ? DOMAIN_A : DOMAIN_B,
	    .lag_slot = bonded ? LAG_SLOT : VFLAG_NO_LAG,
	    .uplink_ifindex =
		bonded ? (uint32_t)ifindex[UP0] : (uint32_t)ifindex[UP2],
	    .flags = spoofchk ? VFLAG_PORT_F_SPOOFCHK : 0,
	};

	memcpy(p.mac, vf_mac[port], 6);
	return p;
}

/* bond_publish(): tx members in enslave order, rx bits by member index. */
static void publish(struct fx *fx, uint32_t policy, const int *tx, unsigned ntx,
		    uint32_t rx_mask)
{
	struct vflag_lag lag = {.hash_policy = policy, .rx_mask = rx_mask};

	for (unsigned i = 0; i < ntx; i++) {
		lag.tx_ifindex[lag.tx_count] = (uint32_t)ifindex[tx[i]];
		lag.tx_port_id[lag.tx_count] = port_id[tx[i]];
		lag.tx_count++;
	}
	assert_int_equal(dp_lag_publish(fx->dp, LAG_SLOT, &lag), 0);
}

static const int both[] = {UP0, UP1};

static int fx_setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct vflag_flood fl_a = {0}, fl_b = {0};
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
	fx->egress_fd = dp_egress_prog_fd(fx->dp);
	for (int p = UP0; p <= UP2; p++) {
		struct vflag_port e = uplink_entry(p);

		if (dp_port_attach(fx->dp, ifindex[p], &e))
			goto fail;
	}
	for (int p = VF0; p <= VF2; p++) {
		struct vflag_port e = vf_entry(p, false);
		uint32_t dom = e.domain;
		struct vflag_flood *fl = dom == DOMAIN_A ? &fl_a : &fl_b;

		if (dp_port_attach(fx->dp, ifindex[p], &e) ||
		    dp_fdb_set(fx->dp, dom, 0, vf_mac[p], ifindex[p],
			       port_id[p]))
			goto fail;
		fl->ifindex[fl->count] = (uint32_t)ifindex[p];
		fl->port_id[fl->count] = port_id[p];
		fl->count++;
	}
	if (dp_flood_set(fx->dp, DOMAIN_A, &fl_a) ||
	    dp_flood_set(fx->dp, DOMAIN_B, &fl_b))
		goto fail;
	/* Both members distribute and collect unless a test says otherwise. */
	{
		struct vflag_lag lag = {.hash_policy = VFLAG_HASH_LAYER34,
					.tx_count = 2,
					.rx_mask = 0x3};

		lag.tx_ifindex[0] = (uint32_t)ifindex[UP0];
		lag.tx_port_id[0] = port_id[UP0];
		lag.tx_ifindex[1] = (uint32_t)ifindex[UP1];
		lag.tx_port_id[1] = port_id[UP1];
		if (dp_lag_publish(fx->dp, LAG_SLOT, &lag))
			goto fail;
	}
	*state = fx;
	return 0;

fail:
	dp_close(fx->dp);
	free(fx);
	return -1;
}

static int fx_teardown(void **state)
{
	struct fx *fx = *state;

	dp_close(fx->dp);
	free(fx);
	return 0;
}

/* ---- uplink ingress ---- */

/* A member whose bit is not in rx_mask drops what it receives. */
static void test_uplink_not_collecting_drops(void **state)
{
	struct fx *fx = *state;
	struct frame f = tcp_frame(vf_mac[VF0], remote_mac, 0x0a000001,
				   0x0a000002, 1000, 80);

	publish(fx, VFLAG_HASH_LAYER34, both, 2, 1u << 1); /* member 1 only */
	mark(fx);
	assert_int_equal(ingress(fx, UP0, &f), TC_ACT_SHOT);
	expect_deltas(fx, D(UP0, rx_packets, 1), D(UP0, rx_bytes, f.len),
		      D(UP0, drop_not_collecting, 1));
	/* The collecting member takes the same frame. */
	mark(fx);
	assert_int_equal(ingress(fx, UP1, &f), TC_ACT_REDIRECT);
	expect_deltas(fx, D(UP1, rx_packets, 1), D(UP1, rx_bytes, f.len));
}

/* Once the bit is set, a frame for a VF's MAC is redirected to it. */
static void test_uplink_collecting_redirects_to_vf(void **state)
{
	struct fx *fx = *state;
	struct frame f = tcp_frame(vf_mac[VF0], remote_mac, 0x0a000001,
				   0x0a000002, 1000, 80);

	publish(fx, VFLAG_HASH_LAYER34, both, 2, 1u << 1);
	assert_int_equal(ingress(fx, UP0, &f), TC_ACT_SHOT);
	publish(fx, VFLAG_HASH_LAYER34, both, 2, (1u << 0) | (1u << 1));
	mark(fx);
	assert_int_equal(ingress(fx, UP0, &f), TC_ACT_REDIRECT);
	expect_deltas(fx, D(UP0, rx_packets, 1), D(UP0, rx_bytes, f.len));
}

/* No LAG published in the slot: nothing may collect. */
static void test_uplink_no_lag_published_drops(void **state)
{
	struct fx *fx = *state;
	struct frame f = tcp_frame(vf_mac[VF0], remote_mac, 0x0a000001,
				   0x0a000002, 1000, 80);

	dp_lag_clear(fx->dp, LAG_SLOT);
	mark(fx);
	assert_int_equal(ingress(fx, UP1, &f), TC_ACT_SHOT);
	expect_deltas(fx, D(UP1, rx_packets, 1), D(UP1, rx_bytes, f.len),
		      D(UP1, drop_not_collecting, 1));
}

static void test_uplink_unknown_unicast_to_host(void **state)
{
	struct fx *fx = *state;
	struct frame f = tcp_frame(unknown_mac, remote_mac, 0x0a000001,
				   0x0a000002, 1000, 80);

	mark(fx);
	assert_int_equal(ingress(fx, UP0, &f), TC_ACT_OK);
	expect_deltas(fx, D(UP0, rx_packets, 1), D(UP0, rx_bytes, f.len),
		      D(UP0, to_host_packets, 1));
}

/* A broadcast reaches the host and a copy goes to every VF of the domain;
 * the copies are really transmitted, so the VFs' egress hooks count them. */
static void test_uplink_broadcast_floods(void **state)
{
	struct fx *fx = *state;
	struct frame f = eth_frame(bcast_mac, remote_mac, 0x0806, 60);
	struct frame m = eth_frame(mcast_mac, remote_mac, 0x0800, 60);

	mark(fx);
	assert_int_equal(ingress(fx, UP0, &f), TC_ACT_OK);
	expect_deltas(fx, D(UP0, rx_packets, 1), D(UP0, rx_bytes, f.len),
		      D(UP0, flood_packets, 2), D(VF0, rx_packets, 1),
		      D(VF0, rx_bytes, f.len), D(VF1, rx_packets, 1),
		      D(VF1, rx_bytes, f.len));
	/* Multicast too; and on the lone PF, only its one VF. */
	mark(fx);
	assert_int_equal(ingress(fx, UP2, &m), TC_ACT_OK);
	expect_deltas(fx, D(UP2, rx_packets, 1), D(UP2, rx_bytes, m.len),
		      D(UP2, flood_packets, 1), D(VF2, rx_packets, 1),
		      D(VF2, rx_bytes, m.len));
}

/* A broadcast on a member that may not collect is dropped, not flooded. */
static void test_uplink_broadcast_not_collecting(void **state)
{
	struct fx *fx = *state;
	struct frame f = eth_frame(bcast_mac, remote_mac, 0x0806, 60);

	publish(fx, VFLAG_HASH_LAYER34, both, 2, 1u << 1);
	mark(fx);
	assert_int_equal(ingress(fx, UP0, &f), TC_ACT_SHOT);
	expect_deltas(fx, D(UP0, rx_packets, 1), D(UP0, rx_bytes, f.len),
		      D(UP0, drop_not_collecting, 1));
}

/* LACP reaches vflagd whether the member collects or not, and is never
 * copied to the VFs. */
static void test_uplink_slow_proto_always_up(void **state)
{
	struct fx *fx = *state;
	struct frame f = eth_frame(lacp_mac, remote_mac, 0x8809, 124);

	f.b[14] = 0x01;				     /* LACP subtype */
	publish(fx, VFLAG_HASH_LAYER34, NULL, 0, 0); /* nothing collects */
	mark(fx);
	assert_int_equal(ingress(fx, UP0, &f), TC_ACT_OK);
	assert_int_equal(ingress(fx, UP1, &f), TC_ACT_OK);
	expect_deltas(fx, D(UP0, rx_packets, 1), D(UP0, rx_bytes, f.len),
		      D(UP0, slow_proto_packets, 1), D(UP1, rx_packets, 1),
		      D(UP1, rx_bytes, f.len), D(UP1, slow_proto_packets, 1));
	/* With no LAG published at all, as right after the bond is created. */
	dp_lag_clear(fx->dp, LAG_SLOT);
	mark(fx);
	assert_int_equal(ingress(fx, UP0, &f), TC_ACT_OK);
	expect_deltas(fx, D(UP0, rx_packets, 1), D(UP0, rx_bytes, f.len),
		      D(UP0, slow_proto_packets, 1));
}

/* Other IEEE reserved multicast (here LLDP, 01:80:c2:00:00:0e) is the
 * host's on the PF it came in on: never flooded to the VFs, and not
 * dropped on a member that does not collect. */
static void test_uplink_link_local_to_host_only(void **state)
{
	struct fx *fx = *state;
	static const uint8_t lldp_mac[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e};
	struct frame f = eth_frame(lldp_mac, remote_mac, 0x88cc, 60);

	publish(fx, VFLAG_HASH_LAYER34, NULL, 0, 0); /* nothing collects */
	mark(fx);
	assert_int_equal(ingress(fx, UP0, &f), TC_ACT_OK);
	expect_deltas(fx, D(UP0, rx_packets, 1), D(UP0, rx_bytes, f.len),
		      D(UP0, to_host_packets, 1));
}

/* A VF must not speak for the bond: its LACPDUs go nowhere, counted as
 * slow protocols (the EtherType is checked before the address). */
static void test_vf_link_local_dropped(void **state)
{
	struct fx *fx = *state;
	struct frame f = eth_frame(lacp_mac, vf_mac[VF0], 0x8809, 124);

	f.b[14] = 0x01; /* LACP subtype */
	publish(fx, VFLAG_HASH_LAYER34, both, 2, 0x3);
	mark(fx);
	assert_int_equal(ingress(fx, VF0, &f), TC_ACT_SHOT);
	expect_deltas(fx, D(VF0, tx_packets, 1), D(VF0, tx_bytes, f.len),
		      D(VF0, drop_slow_proto, 1));
}

/* ---- VF ingress: the LAG ---- */

/* The member is usable[vflag_xmit_hash(frame) % tx_count], with the hash
 * computed here in userspace on the same bytes. */
static void test_vf_lag_member_is_hash_mod_count(void **state)
{
	struct fx *fx = *state;
	static const uint32_t policies[] = {
	    VFLAG_HASH_LAYER2, VFLAG_HASH_LAYER34, VFLAG_HASH_LAYER23,
	    VFLAG_HASH_ENCAP23, VFLAG_HASH_ENCAP34};
	static const int three[] = {UP1, UP2,
				    UP0}; /* order matters, not the port */

	for (unsigned ntx = 2; ntx <= 3; ntx++) {
		const int *tx = ntx == 2 ? both : three;

		for (size_t p = 0; p < sizeof(policies) / sizeof(policies[0]);
		     p++) {
			unsigned hits[3] = {0};

			publish(fx, policies[p], tx, ntx, 0x3);
			uint32_t seed = 12345;

			for (int flow = 0; flow < 24; flow++) {
				uint8_t src[6];
				uint32_t h, saddr;
				uint16_t sport;
				struct frame f;
				int member;

				/* Vary, independently, everything a policy
				 * hashes on. */
				memcpy(src, vf_mac[VF0], 6);
				seed = lcg(seed);
				src[5] = (uint8_t)(seed >> 24);
				seed = lcg(seed);
				saddr = 0x0a000000 | seed >> 16;
				seed = lcg(seed);
				sport = (uint16_t)(seed >> 16);
				f = tcp_frame(remote_mac, src, saddr,
					      0xc0a80001, sport, 443);
				h = vflag_xmit_hash(f.b, f.b + f.len,
						    policies[p]);
				member = tx[h % ntx];
				hits[h % ntx]++;
				mark(fx);
				assert_int_equal(ingress(fx, VF0, &f),
						 TC_ACT_REDIRECT);
				expect_deltas(fx, D(VF0, tx_packets, 1),
					      D(VF0, tx_bytes, f.len),
					      D(member, lag_tx_packets, 1),
					      D(member, lag_tx_bytes, f.len));
			}
			/* The flows spread, so the check above discriminated.
			 */
			for (unsigned i = 0; i < ntx; i++)
				if (!hits[i])
					fail_msg("policy %u, %u members: no "
						 "flow on member %u",
						 policies[p], ntx, i);
		}
	}
}

/* One member: no hash needed, it takes everything. */
static void test_vf_lag_single_member(void **state)
{
	struct fx *fx = *state;
	static const int only_up1[] = {UP1};

	publish(fx, VFLAG_HASH_LAYER34, only_up1, 1, 0x2);
	for (uint16_t flow = 0; flow < 4; flow++) {
		struct frame f =
		    tcp_frame(remote_mac, vf_mac[VF1], 0x0a000001, 0x0a000002,
			      (uint16_t)(1000 + flow), 80);

		mark(fx);
		assert_int_equal(ingress(fx, VF1, &f), TC_ACT_REDIRECT);
		expect_deltas(
		    fx, D(VF1, tx_packets, 1), D(VF1, tx_bytes, f.len),
		    D(UP1, lag_tx_packets, 1), D(UP1, lag_tx_bytes, f.len));
	}
}

static void test_vf_lag_no_member_drops(void **state)
{
	struct fx *fx = *state;
	struct frame f = tcp_frame(remote_mac, vf_mac[VF0], 0x0a000001,
				   0x0a000002, 1000, 80);

	publish(fx, VFLAG_HASH_LAYER34, NULL, 0, 0x3);
	mark(fx);
	assert_int_equal(ingress(fx, VF0, &f), TC_ACT_SHOT);
	expect_deltas(fx, D(VF0, tx_packets, 1), D(VF0, tx_bytes, f.len),
		      D(VF0, drop_no_member, 1));
	/* No LAG in the slot at all. */
	dp_lag_clear(fx->dp, LAG_SLOT);
	mark(fx);
	assert_int_equal(ingress(fx, VF0, &f), TC_ACT_SHOT);
	expect_deltas(fx, D(VF0, tx_packets, 1), D(VF0, tx_bytes, f.len),
		      D(VF0, drop_no_member, 1));
}

/* dp_lag_publish takes effect on the very next frame, both ways. */
static void test_lag_swap_next_frame(void **state)
{
	struct fx *fx = *state;
	static const int only_up0[] = {UP0}, only_up1[] = {UP1};
	struct frame f = tcp_frame(remote_mac, vf_mac[VF0], 0x0a000001,
				   0x0a000002, 1000, 80);
	struct frame in = tcp_frame(vf_mac[VF1], remote_mac, 0x0a000002,
				    0x0a000001, 80, 1000);

	publish(fx, VFLAG_HASH_LAYER34, only_up0, 1, 0x1);
	mark(fx);
	assert_int_equal(ingress(fx, VF0, &f), TC_ACT_REDIRECT);
	assert_int_equal(ingress(fx, UP0, &in), TC_ACT_REDIRECT);
	assert_int_equal(ingress(fx, UP1, &in), TC_ACT_SHOT);
	expect_deltas(fx, D(VF0, tx_packets, 1), D(VF0, tx_bytes, f.len),
		      D(UP0, lag_tx_packets, 1), D(UP0, lag_tx_bytes, f.len),
		      D(UP0, rx_packets, 1), D(UP0, rx_bytes, in.len),
		      D(UP1, rx_packets, 1), D(UP1, rx_bytes, in.len),
		      D(UP1, drop_not_collecting, 1));

	publish(fx, VFLAG_HASH_LAYER34, only_up1, 1,
		0x2); /* active-backup failover */
	mark(fx);
	assert_int_equal(ingress(fx, VF0, &f), TC_ACT_REDIRECT);
	assert_int_equal(ingress(fx, UP0, &in), TC_ACT_SHOT);
	assert_int_equal(ingress(fx, UP1, &in), TC_ACT_REDIRECT);
	expect_deltas(fx, D(VF0, tx_packets, 1), D(VF0, tx_bytes, f.len),
		      D(UP1, lag_tx_packets, 1), D(UP1, lag_tx_bytes, f.len),
		      D(UP0, rx_packets, 1), D(UP0, rx_bytes, in.len),
		      D(UP0, drop_not_collecting, 1), D(UP1, rx_packets, 1),
		      D(UP1, rx_bytes, in.len));
}

/* ---- VF ingress: the rest ---- */

/* A VF of a lone PF goes out of its uplink, not through any LAG. */
static void test_lone_pf_vf_to_uplink(void **state)
{
	struct fx *fx = *state;
	struct frame f = tcp_frame(remote_mac, vf_mac[VF2], 0x0a000001,
				   0x0a000002, 1000, 80);
	struct vflag_port gone = vf_entry(VF2, false);

	mark(fx);
	assert_int_equal(ingress(fx, VF2, &f), TC_ACT_REDIRECT);
	expect_deltas(fx, D(VF2, tx_packets, 1), D(VF2, tx_bytes, f.len));
	/* The uplink is gone (uplink_ifindex 0): nowhere to send. */
	gone.uplink_ifindex = 0;
	assert_int_equal(dp_port_update(fx->dp, ifindex[VF2], &gone), 0);
	mark(fx);
	assert_int_equal(ingress(fx, VF2, &f), TC_ACT_SHOT);
	expect_deltas(fx, D(VF2, tx_packets, 1), D(VF2, tx_bytes, f.len),
		      D(VF2, drop_no_member, 1));
}

/* VF to VF of the same domain: switched locally, the LAG is not used. */
static void test_vf_to_sibling(void **state)
{
	struct fx *fx = *state;
	struct frame f = tcp_frame(vf_mac[VF1], vf_mac[VF0], 0x0a000001,
				   0x0a000002, 1000, 80);

	mark(fx);
	assert_int_equal(ingress(fx, VF0, &f), TC_ACT_REDIRECT);
	expect_deltas(fx, D(VF0, tx_packets, 1), D(VF0, tx_bytes, f.len));
	/* Even with no LAG member to send on. */
	publish(fx, VFLAG_HASH_LAYER34, NULL, 0, 0);
	mark(fx);
	assert_int_equal(ingress(fx, VF0, &f), TC_ACT_REDIRECT);
	expect_deltas(fx, D(VF0, tx_packets, 1), D(VF0, tx_bytes, f.len));
}

static void test_vf_hairpin_drops(void **state)
{
	struct fx *fx = *state;
	struct frame f = tcp_frame(vf_mac[VF0], vf_mac[VF0], 0x0a000001,
				   0x0a000002, 1000, 80);

	mark(fx);
	assert_int_equal(ingress(fx, VF0, &f), TC_ACT_SHOT);
	expect_deltas(fx, D(VF0, tx_packets, 1), D(VF0, tx_bytes, f.len),
		      D(VF0, drop_hairpin, 1));
}

/* A VF's broadcast: copies to its siblings (not itself), then the LAG. */
static void test_vf_broadcast(void **state)
{
	struct fx *fx = *state;
	static const int only_up1[] = {UP1};
	struct frame f = eth_frame(bcast_mac, vf_mac[VF0], 0x0806, 60);

	publish(fx, VFLAG_HASH_LAYER34, only_up1, 1, 0x3);
	mark(fx);
	assert_int_equal(ingress(fx, VF0, &f), TC_ACT_REDIRECT);
	expect_deltas(fx, D(VF0, tx_packets, 1), D(VF0, tx_bytes, f.len),
		      D(VF0, flood_packets, 1), D(VF1, rx_packets, 1),
		      D(VF1, rx_bytes, f.len), D(UP1, lag_tx_packets, 1),
		      D(UP1, lag_tx_bytes, f.len));
}

static void test_vf_spoof_check(void **state)
{
	struct fx *fx = *state;
	struct vflag_port e = vf_entry(VF0, true);
	static const int only_up0[] = {UP0};
	struct frame bad = tcp_frame(remote_mac, unknown_mac, 0x0a000001,
				     0x0a000002, 1000, 80);
	struct frame good = tcp_frame(remote_mac, vf_mac[VF0], 0x0a000001,
				      0x0a000002, 1000, 80);
	struct frame bad_bcast = eth_frame(bcast_mac, vf_mac[VF1], 0x0806, 60);

	publish(fx, VFLAG_HASH_LAYER34, only_up0, 1, 0x3);
	assert_int_equal(dp_port_update(fx->dp, ifindex[VF0], &e), 0);
	mark(fx);
	assert_int_equal(ingress(fx, VF0, &bad), TC_ACT_SHOT);
	/* A sibling's MAC is not ours either, and a spoofed broadcast is not
	 * flooded. */
	assert_int_equal(ingress(fx, VF0, &bad_bcast), TC_ACT_SHOT);
	expect_deltas(fx, D(VF0, tx_packets, 2),
		      D(VF0, tx_bytes, bad.len + bad_bcast.len),
		      D(VF0, drop_spoof, 2));
	mark(fx);
	assert_int_equal(ingress(fx, VF0, &good), TC_ACT_REDIRECT);
	expect_deltas(fx, D(VF0, tx_packets, 1), D(VF0, tx_bytes, good.len),
		      D(UP0, lag_tx_packets, 1),
		      D(UP0, lag_tx_bytes, good.len));
	/* Spoof check off: the foreign source passes. */
	e = vf_entry(VF0, false);
	assert_int_equal(dp_port_update(fx->dp, ifindex[VF0], &e), 0);
	mark(fx);
	assert_int_equal(ingress(fx, VF0, &bad), TC_ACT_REDIRECT);
	expect_deltas(fx, D(VF0, tx_packets, 1), D(VF0, tx_bytes, bad.len),
		      D(UP0, lag_tx_packets, 1), D(UP0, lag_tx_bytes, bad.len));
}

/* Runts. BPF_PROG_TEST_RUN refuses data shorter than an Ethernet header
 * (EINVAL, checked in the kernel's bpf_test_init()), so the program's
 * drop_malformed branch cannot be reached from here; the kernel's refusal is
 * asserted so that, should it ever accept runts, the branch gets checked. A
 * header-only frame is not malformed. */
static void test_runt_frames(void **state)
{
	struct fx *fx = *state;
	struct frame runt = eth_frame(bcast_mac, remote_mac, 0x0800, 10);
	/* Not IPv4: the kernel also refuses IPv4 frames without a full IP
	 * header. 0x88b5: IEEE 802 local experimental. */
	struct frame hdr = eth_frame(unknown_mac, remote_mac, 0x88b5, 14);
	int ret;

	for (int p = UP0; p < NPORTS; p++) {
		mark(fx);
		ret = ingress(fx, p, &runt);
		if (ret >= 0) {
			assert_int_equal(ret, TC_ACT_SHOT);
			expect_deltas(fx, D(p, rx_packets, p <= UP2),
				      D(p, rx_bytes, p <= UP2 ? 10 : 0),
				      D(p, tx_packets, p >= VF0),
				      D(p, tx_bytes, p >= VF0 ? 10 : 0),
				      D(p, drop_malformed, 1));
		} else {
			assert_int_equal(ret, -EINVAL);
			expect_no_change(fx);
		}
	}
	mark(fx);
	assert_int_equal(ingress(fx, UP2, &hdr), TC_ACT_OK);
	expect_deltas(fx, D(UP2, rx_packets, 1), D(UP2, rx_bytes, 14),
		      D(UP2, to_host_packets, 1));
}

/* Not a port of ours: left alone, nothing counted. */
static void test_foreign_ifindex_untouched(void **state)
{
	struct fx *fx = *state;
	struct frame u = tcp_frame(vf_mac[VF0], remote_mac, 0x0a000001,
				   0x0a000002, 1000, 80);
	struct frame b = eth_frame(bcast_mac, vf_mac[VF0], 0x0806, 60);

	mark(fx);
	for (int p = UP0; p < NPORTS; p++) {
		assert_int_equal(
		    run_on(fx->ingress_fd, wire_ifindex[p], u.b, u.len, NULL),
		    TC_ACT_OK);
		assert_int_equal(
		    run_on(fx->ingress_fd, wire_ifindex[p], b.b, b.len, NULL),
		    TC_ACT_OK);
		assert_int_equal(
		    run_on(fx->egress_fd, wire_ifindex[p], u.b, u.len, NULL),
		    TC_ACT_OK);
	}
	expect_no_change(fx);
	/* Nor once a port is detached. */
	dp_port_detach(fx->dp, ifindex[VF1], false);
	mark(fx);
	assert_int_equal(ingress(fx, VF1, &b), TC_ACT_OK);
	expect_no_change(fx);
}

/* Egress only counts: tx on an uplink, rx on a VF (the VF's view). */
static void test_egress_counts(void **state)
{
	struct fx *fx = *state;
	struct frame f = tcp_frame(remote_mac, vf_mac[VF0], 0x0a000001,
				   0x0a000002, 1000, 80);
	struct frame g = eth_frame(bcast_mac, remote_mac, 0x0806, 42 + 18);

	mark(fx);
	assert_int_equal(egress(fx, UP0, &f), TC_ACT_OK);
	assert_int_equal(egress(fx, UP2, &g), TC_ACT_OK);
	assert_int_equal(egress(fx, VF1, &f), TC_ACT_OK);
	assert_int_equal(egress(fx, VF1, &g), TC_ACT_OK);
	expect_deltas(fx, D(UP0, tx_packets, 1), D(UP0, tx_bytes, f.len),
		      D(UP2, tx_packets, 1), D(UP2, tx_bytes, g.len),
		      D(VF1, rx_packets, 2), D(VF1, rx_bytes, f.len + g.len));
}

/* Domains are separate tables: A's VF MACs are unknown in B. */
static void test_domain_isolation(void **state)
{
	struct fx *fx = *state;
	struct frame to_a = tcp_frame(vf_mac[VF0], remote_mac, 0x0a000001,
				      0x0a000002, 1000, 80);
	struct frame a_to_b = tcp_frame(vf_mac[VF2], vf_mac[VF0], 0x0a000001,
					0x0a000002, 1000, 80);
	struct frame b_to_a = tcp_frame(vf_mac[VF0], vf_mac[VF2], 0x0a000001,
					0x0a000002, 1000, 80);
	struct frame b_bcast = eth_frame(bcast_mac, vf_mac[VF2], 0x0806, 60);
	static const int only_up0[] = {UP0};

	/* From the lone PF's wire to a bond VF's MAC: the host's, not the VF's.
	 */
	mark(fx);
	assert_int_equal(ingress(fx, UP2, &to_a), TC_ACT_OK);
	expect_deltas(fx, D(UP2, rx_packets, 1), D(UP2, rx_bytes, to_a.len),
		      D(UP2, to_host_packets, 1));
	/* From a bond VF to the lone PF's VF: out of the LAG. */
	publish(fx, VFLAG_HASH_LAYER34, only_up0, 1, 0x3);
	mark(fx);
	assert_int_equal(ingress(fx, VF0, &a_to_b), TC_ACT_REDIRECT);
	expect_deltas(fx, D(VF0, tx_packets, 1), D(VF0, tx_bytes, a_to_b.len),
		      D(UP0, lag_tx_packets, 1),
		      D(UP0, lag_tx_bytes, a_to_b.len));
	/* From the lone PF's VF to a bond VF: out of its uplink (and a
	 * broadcast of B has no sibling to reach). */
	mark(fx);
	assert_int_equal(ingress(fx, VF2, &b_to_a), TC_ACT_REDIRECT);
	assert_int_equal(ingress(fx, VF2, &b_bcast), TC_ACT_REDIRECT);
	expect_deltas(fx, D(VF2, tx_packets, 2),
		      D(VF2, tx_bytes, b_to_a.len + b_bcast.len));
}

/* ---- live: where the redirects go ---- */

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

/* Waits (up to 2 s) until port's counter has moved by `by` since mark(). */
static void wait_for(struct fx *fx, int port, size_t off, uint64_t by)
{
	struct vflag_port_stats s;

	for (int i = 0; i < 2000; i++) {
		assert_int_equal(dp_stats_read(fx->dp, port_id[port], &s), 0);
		if (stat_get(&s, off) - stat_get(&fx->before[port], off) >= by)
			return;
		nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
	}
}
#define WAIT_FOR(fx, port, field, by)                                          \
	wait_for(fx, port, offsetof(struct vflag_port_stats, field), by)

/* Sent from vf0 to vf1's MAC: leaves the eswitch on rep1. */
static void test_live_vf_to_sibling(void **state)
{
	struct fx *fx = *state;
	struct frame f = tcp_frame(vf_mac[VF1], vf_mac[VF0], 0x0a000001,
				   0x0a000002, 1000, 80);

	mark(fx);
	assert_int_equal(wire_send(VF0, &f), 0);
	WAIT_FOR(fx, VF1, rx_packets, 1);
	expect_deltas(fx, D(VF0, tx_packets, 1), D(VF0, tx_bytes, f.len),
		      D(VF1, rx_packets, 1), D(VF1, rx_bytes, f.len));
}

/* Sent from vf2 to anyone: leaves on the lone PF's uplink up2. */
static void test_live_lone_vf_to_uplink(void **state)
{
	struct fx *fx = *state;
	struct frame f = tcp_frame(remote_mac, vf_mac[VF2], 0x0a000001,
				   0x0a000002, 1000, 80);

	mark(fx);
	assert_int_equal(wire_send(VF2, &f), 0);
	WAIT_FOR(fx, UP2, tx_packets, 1);
	expect_deltas(fx, D(VF2, tx_packets, 1), D(VF2, tx_bytes, f.len),
		      D(UP2, tx_packets, 1), D(UP2, tx_bytes, f.len));
}

/* From the wire on a collecting member to vf0's MAC: reaches rep0. */
static void test_live_uplink_to_vf(void **state)
{
	struct fx *fx = *state;
	struct frame f = tcp_frame(vf_mac[VF0], remote_mac, 0x0a000002,
				   0x0a000001, 80, 1000);

	mark(fx);
	assert_int_equal(wire_send(UP1, &f), 0);
	WAIT_FOR(fx, VF0, rx_packets, 1);
	expect_deltas(fx, D(UP1, rx_packets, 1), D(UP1, rx_bytes, f.len),
		      D(VF0, rx_packets, 1), D(VF0, rx_bytes, f.len));
}

/* Flows from vf0 leave on the member the hash names, and on no other. */
static void test_live_lag_member(void **state)
{
	struct fx *fx = *state;

	publish(fx, VFLAG_HASH_LAYER34, both, 2, 0x3);
	for (uint16_t flow = 0; flow < 8; flow++) {
		struct frame f =
		    tcp_frame(remote_mac, vf_mac[VF0], 0x0a000001, 0x0a000002,
			      (uint16_t)(50000 + flow), 443);
		int member =
		    both[vflag_xmit_hash(f.b, f.b + f.len, VFLAG_HASH_LAYER34) %
			 2];

		mark(fx);
		assert_int_equal(wire_send(VF0, &f), 0);
		WAIT_FOR(fx, member, tx_packets, 1);
		expect_deltas(
		    fx, D(VF0, tx_packets, 1), D(VF0, tx_bytes, f.len),
		    D(member, lag_tx_packets, 1),
		    D(member, lag_tx_bytes, f.len), D(member, tx_packets, 1),
		    D(member, tx_bytes, f.len));
	}
}

/* ---- setup of the namespace ---- */

static int build_ports(void)
{
	struct nl *nl = nl_open();
	int ret = -1;

	if (!nl) {
		fprintf(stderr, "test_eswitch_bpf: nl_open failed\n");
		return -1;
	}
	for (int p = 0; p < NPORTS; p++) {
		struct nl_link_info info;
		const uint8_t *peer_mac = p >= VF0 ? vf_mac[p] : NULL;

		ifindex[p] =
		    nl_veth_create(nl, port_name[p], wire_name[p], peer_mac);
		if (ifindex[p] < 0 ||
		    nl_link_get(nl, wire_name[p], 0, &info) < 0) {
			fprintf(
			    stderr, "test_eswitch_bpf: veth %s: %s\n",
			    port_name[p],
			    strerror(ifindex[p] < 0 ? -ifindex[p] : ENODEV));
			goto close_nl;
		}
		wire_ifindex[p] = info.ifindex;
		if (nl_link_set_up(nl, ifindex[p], true) ||
		    nl_link_set_up(nl, wire_ifindex[p], true)) {
			fprintf(stderr, "test_eswitch_bpf: cannot set %s up\n",
				port_name[p]);
			goto close_nl;
		}
	}
	ret = 0;
close_nl:
	nl_close(nl);
	return ret;
}

#define ESW_TEST(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		ESW_TEST(test_uplink_not_collecting_drops),
		ESW_TEST(test_uplink_collecting_redirects_to_vf),
		ESW_TEST(test_uplink_no_lag_published_drops),
		ESW_TEST(test_uplink_unknown_unicast_to_host),
		ESW_TEST(test_uplink_broadcast_floods),
		ESW_TEST(test_uplink_broadcast_not_collecting),
		ESW_TEST(test_uplink_slow_proto_always_up),
		ESW_TEST(test_vf_lag_member_is_hash_mod_count),
		ESW_TEST(test_vf_lag_single_member),
		ESW_TEST(test_vf_lag_no_member_drops),
		ESW_TEST(test_lag_swap_next_frame),
		ESW_TEST(test_lone_pf_vf_to_uplink),
		ESW_TEST(test_vf_to_sibling),
		ESW_TEST(test_vf_hairpin_drops),
		ESW_TEST(test_uplink_link_local_to_host_only),
		ESW_TEST(test_vf_link_local_dropped),
		ESW_TEST(test_vf_broadcast),
		ESW_TEST(test_vf_spoof_check),
		ESW_TEST(test_runt_frames),
		ESW_TEST(test_foreign_ifindex_untouched),
		ESW_TEST(test_egress_counts),
		ESW_TEST(test_domain_isolation),
		ESW_TEST(test_live_vf_to_sibling),
		ESW_TEST(test_live_lone_vf_to_uplink),
		ESW_TEST(test_live_uplink_to_vf),
		ESW_TEST(test_live_lag_member),
	};
	/* clang-format on */

	int ret = test_private_netns_enter("test_eswitch_bpf");

	if (ret)
		return ret;
	log_set_quiet(true);
	if (build_ports() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
