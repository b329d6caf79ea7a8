/* Unit tests of the eswitch's tenant isolation (issue 8): what a VF may
 * send, VLANs (VST push/pop, VGT with trust, switching and flooding by
 * (domain, VLAN)), padding and the uplink's mtu, the rate and storm
 * policers, and floods past 64 VFs. Through the loader API
 * (src/dp/dp.h) and BPF_PROG_TEST_RUN, as test_eswitch_bpf.c.
 *
 * The process leaves the host's network namespace first thing and
 * builds, in its private one, veth pairs for:
 *
 *   up0, up1   uplinks, members 0 and 1 of the bond in LAG slot 3
 *              (domain A = ESWITCH_DOMAIN_LAG_BASE + 3)
 *   rep0..3    eswitch ends of the bond's VFs vf0..vf3 (domain A)
 *   up2        a lone PF (domain B = 2), rep4 its VF vf4
 *   xr0..79    eswitch ends of 80 more VFs, alone in domain C, for
 *              floods past the old 64-copy limit
 *
 * Every test opens its own datapath with every VF untagged, untrusted
 * and unlimited (the entries of today's vflagd), changes the entries it
 * needs, and checks the verdict and the change of EVERY counter of every
 * port of domains A and B. Copies made by bpf_clone_redirect are really
 * transmitted under test run, so the egress program runs on each and a
 * VST VF's vlan_popped shows its copy was untagged. Tags the eswitch
 * pushes go into skb metadata, which BPF_PROG_TEST_RUN does not return:
 * the "live_" tests send real frames through the veths and read the tag
 * the uplink's far end received (PACKET_AUXDATA).
 *
 * Needs root; exits 77, meson's "skipped", when the namespace or the BPF
 * programs are not permitted. */
#include <errno.h>
#include <poll.h>
#include <sched.h>
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
#include <arpa/inet.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "bpf_harness.h"
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_packet.h>
#include <linux/pkt_cls.h>

#include "../common/private_netns.h"
#include "bpf/vflag_frame.h"
#include "common/log.h"
#include "dp/dp.h"
#include "eswitch/eswitch.h"
#include "lag/xmit_hash.h"
#include "nl/nl.h"

#define LAG_SLOT 3u
#define DOMAIN_A (ESWITCH_DOMAIN_LAG_BASE + LAG_SLOT)
#define DOMAIN_B 2u
#define DOMAIN_C 7u
#define NEXTRA 80 /* > the old VFLAG_MAX_FLOOD of 64 */

enum { UP0, UP1, UP2, VF0, VF1, VF2, VF3, VF4, NPORTS };

static const char *const port_name[NPORTS] = {"up0",  "up1",  "up2",  "rep0",
					      "rep1", "rep2", "rep3", "rep4"};
static const char *const wire_name[NPORTS] = {"up0w", "up1w", "up2w", "vf0",
					      "vf1",  "vf2",  "vf3",  "vf4"};
static const uint32_t port_id[NPORTS] = {1, 2, 3, 10, 11, 12, 13, 14};
#define EXTRA_ID_BASE 100u

static const uint8_t vf_mac[NPORTS][6] = {
    [VF0] = {0x02, 0x00, 0x00, 0x00, 0x01, 0x00},
    [VF1] = {0x02, 0x00, 0x00, 0x00, 0x01, 0x01},
    [VF2] = {0x02, 0x00, 0x00, 0x00, 0x01, 0x02},
    [VF3] = {0x02, 0x00, 0x00, 0x00, 0x01, 0x03},
    [VF4] = {0x02, 0x00, 0x00, 0x00, 0x01, 0x04},
};
static const uint8_t remote_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x99, 0x01};
static const uint8_t bcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t mcast_mac[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb};
static const uint8_t zero_mac[6] = {0};
static const uint8_t lacp_mac[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x02};
static const uint8_t pause_mac[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x01};
static const uint8_t lldp_mac[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e};
static const uint8_t stp_mac[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x00};

static int ifindex[NPORTS];
static int wire_ifindex[NPORTS];
static int extra_ifindex[NEXTRA];

struct fx {
	struct dp *dp;
	int ingress_fd;
	int egress_fd;
	int fdb_fd;
	struct vflag_port_stats before[NPORTS];
};

/* ---- frames ---- */

/* The frame with a tag (tpid, tci) inserted after the MAC addresses:
 * 4 bytes longer. */
static struct frame tagged(struct frame f, uint16_t tpid, uint16_t tci)
{
	memmove(f.b + 16, f.b + 12, f.len - 12);
	put16(f.b + 12, tpid);
	put16(f.b + 14, tci);
	f.len += 4;
	return f;
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

static uint64_t moved(struct fx *fx, int port, size_t off)
{
	struct vflag_port_stats now;

	assert_int_equal(dp_stats_read(fx->dp, port_id[port], &now), 0);
	return stat_get(&now, off) - stat_get(&fx->before[port], off);
}
#define MOVED(fx, port, field)                                                 \
	moved(fx, port, offsetof(struct vflag_port_stats, field))

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

/* A frame a VF sent and that was dropped for `field`. */
#define VF_DROP(port, f, field)                                                \
	D(port, tx_packets, 1), D(port, tx_bytes, (f).len), D(port, field, 1)

/* ---- programming the datapath ---- */

static bool bonded(int port)
{
	return port != UP2 && port != VF4;
}

static struct vflag_port uplink_entry(int port)
{
	return (struct vflag_port){
	    .id = port_id[port],
	    .kind = VFLAG_PORT_UPLINK,
	    .domain = bonded(port) ? DOMAIN_A : DOMAIN_B,
	    .lag_slot = bonded(port) ? LAG_SLOT : VFLAG_NO_LAG,
	    .member_index = port == UP1 ? 1 : 0,
	};
}

/* Today's VF entry: untagged, untrusted, unlimited. */
static struct vflag_port vf_entry(int port)
{
	struct vflag_port p = {
	    .id = port_id[port],
	    .kind = VFLAG_PORT_VF,
	    .domain = bonded(port) ? DOMAIN_A : DOMAIN_B,
	    .lag_slot = bonded(port) ? LAG_SLOT : VFLAG_NO_LAG,
	    .uplink_ifindex =
		bonded(port) ? (uint32_t)ifindex[UP0] : (uint32_t)ifindex[UP2],
	};

	memcpy(p.mac, vf_mac[port], 6);
	return p;
}

static void set_port(struct fx *fx, int port, const struct vflag_port *e)
{
	assert_int_equal(dp_port_update(fx->dp, ifindex[port], e), 0);
}

static void set_trust(struct fx *fx, int port, bool trust)
{
	struct vflag_port e = vf_entry(port);

	if (trust)
		e.flags |= VFLAG_PORT_F_TRUST;
	set_port(fx, port, &e);
}

/* The fdb map's fd, found among the maps the ingress program uses: dp.h
 * has no VLAN-keyed setter (yet), so the test writes the keys vflagd
 * will write for a VST VF. */
static int find_map_fd(int prog_fd, const char *name)
{
	uint32_t ids[16];
	struct bpf_prog_info info = {.nr_map_ids = 16,
				     .map_ids = (uint64_t)(uintptr_t)ids};
	uint32_t len = sizeof(info);

	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return -1;
	for (uint32_t i = 0; i < info.nr_map_ids && i < 16; i++) {
		struct bpf_map_info mi = {0};
		uint32_t mlen = sizeof(mi);
		int fd = bpf_map_get_fd_by_id(ids[i]);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &mi, &mlen) &&
		    !strcmp(mi.name, name))
			return fd;
		close(fd);
	}
	return -1;
}

static void fdb_key(struct vflag_fdb_key *k, uint32_t domain, uint16_t vlan,
		    const uint8_t mac[6])
{
	memset(k, 0, sizeof(*k));
	k->domain = domain;
	k->vlan = vlan;
	memcpy(k->mac, mac, 6);
}

/* Puts a VF in VST: its entry and its MAC's fdb key move to `vlan`. */
static void set_vst(struct fx *fx, int port, uint16_t vlan, uint8_t qos,
		    uint16_t proto)
{
	struct vflag_port e = vf_entry(port);
	struct vflag_fdb_key k;
	struct vflag_fdb_val v = {.ifindex = (uint32_t)ifindex[port],
				  .port_id = port_id[port]};

	e.vlan_id = vlan;
	e.vlan_qos = qos;
	e.vlan_proto = proto;
	set_port(fx, port, &e);
	fdb_key(&k, e.domain, 0, vf_mac[port]);
	bpf_map_delete_elem(fx->fdb_fd, &k);
	fdb_key(&k, e.domain, vlan, vf_mac[port]);
	assert_int_equal(bpf_map_update_elem(fx->fdb_fd, &k, &v, BPF_ANY), 0);
}

static void set_uplink_mtu(struct fx *fx, int port, uint32_t mtu)
{
	struct vflag_port e = uplink_entry(port);

	e.mtu = mtu;
	set_port(fx, port, &e);
}

static int fx_setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	static struct vflag_flood fl_a, fl_b, fl_c;
	struct vflag_lag lag = {
	    .hash_policy = VFLAG_HASH_LAYER2, .tx_count = 1, .rx_mask = 0x3};
	char err[256];

	if (!fx)
		return -1;
	memset(&fl_a, 0, sizeof(fl_a));
	memset(&fl_b, 0, sizeof(fl_b));
	memset(&fl_c, 0, sizeof(fl_c));
	fx->dp = dp_open(err, sizeof(err));
	if (!fx->dp) {
		print_error("dp_open: %s\n", err);
		free(fx);
		return -1;
	}
	fx->ingress_fd = dp_ingress_prog_fd(fx->dp);
	fx->egress_fd = dp_egress_prog_fd(fx->dp);
	fx->fdb_fd = find_map_fd(fx->ingress_fd, "fdb");
	if (fx->fdb_fd < 0)
		goto fail;
	for (int p = UP0; p <= UP2; p++) {
		struct vflag_port e = uplink_entry(p);

		if (dp_port_attach(fx->dp, ifindex[p], &e))
			goto fail;
	}
	for (int p = VF0; p <= VF4; p++) {
		struct vflag_port e = vf_entry(p);
		struct vflag_flood *fl = bonded(p) ? &fl_a : &fl_b;

		if (dp_port_attach(fx->dp, ifindex[p], &e) ||
		    dp_fdb_set(fx->dp, e.domain, 0, vf_mac[p], ifindex[p],
			       port_id[p]))
			goto fail;
		fl->ifindex[fl->count] = (uint32_t)ifindex[p];
		fl->port_id[fl->count] = port_id[p];
		fl->count++;
	}
	for (int i = 0; i < NEXTRA; i++) {
		struct vflag_port e = {.id = EXTRA_ID_BASE + (uint32_t)i,
				       .kind = VFLAG_PORT_VF,
				       .domain = DOMAIN_C,
				       .lag_slot = VFLAG_NO_LAG};

		if (dp_port_attach(fx->dp, extra_ifindex[i], &e))
			goto fail;
		fl_c.ifindex[fl_c.count] = (uint32_t)extra_ifindex[i];
		fl_c.port_id[fl_c.count] = e.id;
		fl_c.count++;
	}
	if (dp_flood_set(fx->dp, DOMAIN_A, &fl_a) ||
	    dp_flood_set(fx->dp, DOMAIN_B, &fl_b) ||
	    dp_flood_set(fx->dp, DOMAIN_C, &fl_c))
		goto fail;
	/* One member distributes (up0), both collect: where a frame leaves
	 * is then known without hashing. */
	lag.tx_ifindex[0] = (uint32_t)ifindex[UP0];
	lag.tx_port_id[0] = port_id[UP0];
	if (dp_lag_publish(fx->dp, LAG_SLOT, &lag))
		goto fail;
	*state = fx;
	return 0;

fail:
	if (fx->fdb_fd >= 0)
		close(fx->fdb_fd);
	dp_close(fx->dp);
	free(fx);
	return -1;
}

static int fx_teardown(void **state)
{
	struct fx *fx = *state;

	close(fx->fdb_fd);
	dp_close(fx->dp);
	free(fx);
	return 0;
}

/* ---- 1. control protocols never leave a VF ---- */

/* LACP, marker, OAM (0x8809): to any address, behind any tags, trusted
 * or not. */
static void test_vf_slow_proto_dropped(void **state)
{
	struct fx *fx = *state;
	struct frame base = eth_frame(remote_mac, vf_mac[VF0], 0x8809, 124);
	struct frame f[7];

	f[0] = base;
	f[1] = eth_frame(bcast_mac, vf_mac[VF0], 0x8809, 124);
	f[2] = eth_frame(lacp_mac, vf_mac[VF0], 0x8809, 124);
	f[3] = tagged(base, 0x8100, 0xe000);		      /* priority tag */
	f[4] = tagged(base, 0x8100, 100);		      /* 802.1Q */
	f[5] = tagged(base, 0x88a8, 200);		      /* 802.1ad */
	f[6] = tagged(tagged(base, 0x8100, 10), 0x88a8, 200); /* QinQ */
	for (int trust = 0; trust <= 1; trust++) {
		set_trust(fx, VF0, trust);
		for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
			mark(fx);
			assert_int_equal(ingress(fx, VF0, &f[i]), TC_ACT_SHOT);
			expect_deltas(fx, VF_DROP(VF0, f[i], drop_slow_proto));
		}
	}
}

/* PAUSE and PFC (0x8808), to the PAUSE address or any other. */
static void test_vf_mac_control_dropped(void **state)
{
	struct fx *fx = *state;
	struct frame f[4];

	f[0] = eth_frame(pause_mac, vf_mac[VF0], 0x8808, 60);
	f[1] = eth_frame(remote_mac, vf_mac[VF0], 0x8808, 60);
	f[2] = tagged(f[1], 0x8100, 0);
	f[3] = tagged(tagged(f[0], 0x8100, 5), 0x8100, 6);
	set_trust(fx, VF0, true);
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		mark(fx);
		assert_int_equal(ingress(fx, VF0, &f[i]), TC_ACT_SHOT);
		expect_deltas(fx, VF_DROP(VF0, f[i], drop_mac_control));
	}
}

/* LLDP and 802.1X only from a trusted VF; the other link-local
 * addresses (STP here) from none. */
static void test_vf_link_local_and_trust(void **state)
{
	struct fx *fx = *state;
	struct frame lldp = eth_frame(lldp_mac, vf_mac[VF0], 0x88cc, 60);
	struct frame eapol = eth_frame(remote_mac, vf_mac[VF0], 0x888e, 60);
	struct frame stp = eth_frame(stp_mac, vf_mac[VF0], 0x0026, 60);

	mark(fx);
	assert_int_equal(ingress(fx, VF0, &lldp), TC_ACT_SHOT);
	assert_int_equal(ingress(fx, VF0, &eapol), TC_ACT_SHOT);
	assert_int_equal(ingress(fx, VF0, &stp), TC_ACT_SHOT);
	expect_deltas(fx, D(VF0, tx_packets, 3), D(VF0, tx_bytes, 180),
		      D(VF0, drop_link_local, 3));
	set_trust(fx, VF0, true);
	mark(fx);
	assert_int_equal(ingress(fx, VF0, &eapol), TC_ACT_REDIRECT);
	/* A group address: flooded to the siblings, then out. */
	assert_int_equal(ingress(fx, VF0, &lldp), TC_ACT_REDIRECT);
	assert_int_equal(ingress(fx, VF0, &stp), TC_ACT_SHOT);
	expect_deltas(fx, D(VF0, tx_packets, 3), D(VF0, tx_bytes, 180),
		      D(VF0, drop_link_local, 1), D(VF0, flood_packets, 3),
		      D(VF1, rx_packets, 1), D(VF1, rx_bytes, 60),
		      D(VF2, rx_packets, 1), D(VF2, rx_bytes, 60),
		      D(VF3, rx_packets, 1), D(VF3, rx_bytes, 60),
		      D(UP0, lag_tx_packets, 2), D(UP0, lag_tx_bytes, 120));
}

/* ---- 2. source MACs ---- */

static void test_vf_bad_src_dropped(void **state)
{
	struct fx *fx = *state;
	const uint8_t *src[] = {bcast_mac, mcast_mac, zero_mac};
	struct vflag_port e = vf_entry(VF0);

	for (int spoofchk = 0; spoofchk <= 1; spoofchk++) {
		e.flags = spoofchk ? VFLAG_PORT_F_SPOOFCHK : 0;
		set_port(fx, VF0, &e);
		for (size_t i = 0; i < 3; i++) {
			struct frame f =
			    eth_frame(remote_mac, src[i], 0x88b5, 60);

			mark(fx);
			assert_int_equal(ingress(fx, VF0, &f), TC_ACT_SHOT);
			expect_deltas(fx, VF_DROP(VF0, f, drop_bad_src));
		}
	}
}

/* ---- 3. VLANs ---- */

/* VST: the VF's untagged frame leaves tagged (counted; the tag itself is
 * checked live), and a tagged one of its own is refused, priority tags
 * included. */
static void test_vst_push_and_tagged_refused(void **state)
{
	struct fx *fx = *state;
	struct frame f = eth_frame(remote_mac, vf_mac[VF1], 0x88b5, 60);
	struct frame t[3];

	set_vst(fx, VF1, 10, 3, 0);
	mark(fx);
	assert_int_equal(ingress(fx, VF1, &f), TC_ACT_REDIRECT);
	expect_deltas(fx, D(VF1, tx_packets, 1), D(VF1, tx_bytes, 60),
		      D(VF1, vlan_pushed, 1), D(UP0, lag_tx_packets, 1),
		      D(UP0, lag_tx_bytes, 60));
	t[0] = tagged(f, 0x8100, 10);
	t[1] = tagged(f, 0x8100, 0x6000); /* priority tag */
	t[2] = tagged(f, 0x88a8, 10);
	for (size_t i = 0; i < 3; i++) {
		mark(fx);
		assert_int_equal(ingress(fx, VF1, &t[i]), TC_ACT_SHOT);
		expect_deltas(fx, VF_DROP(VF1, t[i], drop_vlan));
	}
}

/* Without a VLAN, tags only from a trusted VF (VGT), which the eswitch
 * then leaves alone. */
static void test_vgt_needs_trust(void **state)
{
	struct fx *fx = *state;
	struct frame f =
	    tagged(eth_frame(remote_mac, vf_mac[VF0], 0x88b5, 60), 0x8100, 30);

	mark(fx);
	assert_int_equal(ingress(fx, VF0, &f), TC_ACT_SHOT);
	expect_deltas(fx, VF_DROP(VF0, f, drop_vlan));
	set_trust(fx, VF0, true);
	mark(fx);
	assert_int_equal(ingress(fx, VF0, &f), TC_ACT_REDIRECT);
	expect_deltas(fx, D(VF0, tx_packets, 1), D(VF0, tx_bytes, f.len),
		      D(UP0, lag_tx_packets, 1), D(UP0, lag_tx_bytes, f.len));
}

/* More than two tags, or a tag cut short: malformed, from a VF trusted
 * or not. */
static void test_malformed_tag_stacks(void **state)
{
	struct fx *fx = *state;
	struct frame base = eth_frame(remote_mac, vf_mac[VF0], 0x88b5, 60);
	struct frame three =
	    tagged(tagged(tagged(base, 0x8100, 3), 0x8100, 2), 0x88a8, 1);
	struct frame cut = eth_frame(remote_mac, vf_mac[VF0], 0x8100, 16);

	set_trust(fx, VF0, true);
	mark(fx);
	assert_int_equal(ingress(fx, VF0, &three), TC_ACT_SHOT);
	assert_int_equal(ingress(fx, VF0, &cut), TC_ACT_SHOT);
	expect_deltas(fx, D(VF0, tx_packets, 2),
		      D(VF0, tx_bytes, three.len + cut.len),
		      D(VF0, drop_malformed, 2));
	/* From the wire they are the host's, never a VF's. */
	mark(fx);
	assert_int_equal(ingress(fx, UP0, &three), TC_ACT_OK);
	expect_deltas(fx, D(UP0, rx_packets, 1), D(UP0, rx_bytes, three.len),
		      D(UP0, to_host_packets, 1));
}

/* From the wire, by (domain, VLAN, MAC): vf1 in VLAN 10 gets its MAC's
 * frames of VLAN 10 only; towards it the tag comes off, and a frame of
 * another VLAN never reaches it. */
static void test_wire_switching_by_vlan(void **state)
{
	struct fx *fx = *state;
	struct frame u = eth_frame(vf_mac[VF1], remote_mac, 0x88b5, 60);
	struct frame t10 = tagged(u, 0x8100, 10);
	struct frame t20 = tagged(u, 0x8100, 20);
	struct frame s10 = tagged(u, 0x88a8, 10); /* S-VLAN 10: not ours */
	uint32_t out_len = 0;

	set_vst(fx, VF1, 10, 0, 0);
	mark(fx);
	assert_int_equal(ingress(fx, UP0, &t10), TC_ACT_REDIRECT);
	assert_int_equal(ingress(fx, UP0, &u), TC_ACT_OK);
	assert_int_equal(ingress(fx, UP0, &t20), TC_ACT_OK);
	expect_deltas(fx, D(UP0, rx_packets, 3), D(UP0, rx_bytes, 64 + 60 + 64),
		      D(UP0, to_host_packets, 2));
	/* Egress on rep1: pop 10 (the in-band tag here, a metadata one
	 * live), refuse 20 and S-tag 10, pass untagged (a VLAN 10
	 * sibling's). */
	mark(fx);
	assert_int_equal(
	    run_on(fx->egress_fd, ifindex[VF1], t10.b, t10.len, &out_len),
	    TC_ACT_OK);
	assert_int_equal(out_len, 60);
	assert_int_equal(egress(fx, VF1, &t20), TC_ACT_SHOT);
	assert_int_equal(egress(fx, VF1, &s10), TC_ACT_SHOT);
	assert_int_equal(egress(fx, VF1, &u), TC_ACT_OK);
	expect_deltas(fx, D(VF1, rx_packets, 2), D(VF1, rx_bytes, 120),
		      D(VF1, vlan_popped, 1), D(VF1, drop_vlan, 2));
	/* An untagged VF takes tagged frames as they are (VGT). */
	mark(fx);
	assert_int_equal(egress(fx, VF0, &t20), TC_ACT_OK);
	expect_deltas(fx, D(VF0, rx_packets, 1), D(VF0, rx_bytes, 64));
}

/* A VST VF whose MAC is still keyed untagged (vflagd did not move it):
 * untagged frames for it, from the wire or a sibling, are a miss, not a
 * delivery into the wrong VLAN. */
static void test_vst_stale_fdb_key(void **state)
{
	struct fx *fx = *state;
	struct frame u = eth_frame(vf_mac[VF1], remote_mac, 0x88b5, 60);
	struct frame from_vf0 = eth_frame(vf_mac[VF1], vf_mac[VF0], 0x88b5, 60);
	struct vflag_port e = vf_entry(VF1);

	e.vlan_id = 10;
	set_port(fx, VF1, &e); /* the fdb keeps (A, 0, vf1) */
	mark(fx);
	assert_int_equal(ingress(fx, UP0, &u), TC_ACT_OK);
	assert_int_equal(ingress(fx, VF0, &from_vf0), TC_ACT_REDIRECT);
	expect_deltas(fx, D(UP0, rx_packets, 1), D(UP0, rx_bytes, 60),
		      D(UP0, to_host_packets, 1), D(VF0, tx_packets, 1),
		      D(VF0, tx_bytes, 60), D(UP0, lag_tx_packets, 1),
		      D(UP0, lag_tx_bytes, 60));
}

/* Broadcasts within a VLAN: vf1, vf2 in VLAN 10, vf3 in VLAN 20, vf0
 * untagged. */
static void test_flood_within_vlan(void **state)
{
	struct fx *fx = *state;
	struct frame u = eth_frame(bcast_mac, remote_mac, 0x0806, 60);
	struct frame t10 = tagged(u, 0x8100, 10);
	struct frame from_vf1 = eth_frame(bcast_mac, vf_mac[VF1], 0x0806, 60);

	set_vst(fx, VF1, 10, 0, 0);
	set_vst(fx, VF2, 10, 0, 0);
	set_vst(fx, VF3, 20, 0, 0);
	/* From the wire, tagged 10: the two VLAN 10 VFs, untagged. */
	mark(fx);
	assert_int_equal(ingress(fx, UP0, &t10), TC_ACT_OK);
	expect_deltas(fx, D(UP0, rx_packets, 1), D(UP0, rx_bytes, 64),
		      D(UP0, flood_packets, 2), D(VF1, rx_packets, 1),
		      D(VF1, rx_bytes, 60), D(VF1, vlan_popped, 1),
		      D(VF2, rx_packets, 1), D(VF2, rx_bytes, 60),
		      D(VF2, vlan_popped, 1));
	/* Untagged: the untagged VF only. */
	mark(fx);
	assert_int_equal(ingress(fx, UP0, &u), TC_ACT_OK);
	expect_deltas(fx, D(UP0, rx_packets, 1), D(UP0, rx_bytes, 60),
		      D(UP0, flood_packets, 1), D(VF0, rx_packets, 1),
		      D(VF0, rx_bytes, 60));
	/* From vf1: its VLAN sibling vf2 (untagged), then the wire, tagged. */
	mark(fx);
	assert_int_equal(ingress(fx, VF1, &from_vf1), TC_ACT_REDIRECT);
	expect_deltas(fx, D(VF1, tx_packets, 1), D(VF1, tx_bytes, 60),
		      D(VF1, flood_packets, 1), D(VF1, vlan_pushed, 1),
		      D(VF2, rx_packets, 1), D(VF2, rx_bytes, 60),
		      D(UP0, lag_tx_packets, 1), D(UP0, lag_tx_bytes, 60));
}

/* VF to VF by (domain, VLAN, MAC): vf1 (VLAN 10) reaches vf2 (VLAN 10)
 * directly, but not vf0 (untagged), whose MAC it only finds on the wire. */
static void test_vf_to_sibling_by_vlan(void **state)
{
	struct fx *fx = *state;
	struct frame to_vf2 = eth_frame(vf_mac[VF2], vf_mac[VF1], 0x88b5, 60);
	struct frame to_vf0 = eth_frame(vf_mac[VF0], vf_mac[VF1], 0x88b5, 60);

	set_vst(fx, VF1, 10, 0, 0);
	set_vst(fx, VF2, 10, 0, 0);
	mark(fx);
	assert_int_equal(ingress(fx, VF1, &to_vf2), TC_ACT_REDIRECT);
	expect_deltas(fx, D(VF1, tx_packets, 1), D(VF1, tx_bytes, 60));
	mark(fx);
	assert_int_equal(ingress(fx, VF1, &to_vf0), TC_ACT_REDIRECT);
	expect_deltas(fx, D(VF1, tx_packets, 1), D(VF1, tx_bytes, 60),
		      D(VF1, vlan_pushed, 1), D(UP0, lag_tx_packets, 1),
		      D(UP0, lag_tx_bytes, 60));
}

/* LACP on the uplinks stays untagged and the bond's; a tagged 0x8809
 * from the wire is the host's, never a VF's. */
static void test_uplink_slow_proto_untagged_only(void **state)
{
	struct fx *fx = *state;
	struct frame lacp = eth_frame(lacp_mac, remote_mac, 0x8809, 124);
	struct frame tagged_slow =
	    tagged(eth_frame(bcast_mac, remote_mac, 0x8809, 60), 0x8100, 10);

	set_vst(fx, VF1, 10, 0, 0);
	mark(fx);
	assert_int_equal(ingress(fx, UP0, &lacp), TC_ACT_OK);
	assert_int_equal(ingress(fx, UP0, &tagged_slow), TC_ACT_OK);
	expect_deltas(fx, D(UP0, rx_packets, 2), D(UP0, rx_bytes, 124 + 64),
		      D(UP0, slow_proto_packets, 1),
		      D(UP0, to_host_packets, 1));
}

/* ---- 4. frame sizes ---- */

/* A VF's runt is padded to 60 bytes; what it sent is counted as sent. */
static void test_runt_padded(void **state)
{
	struct fx *fx = *state;
	struct frame f = eth_frame(remote_mac, vf_mac[VF4], 0x88b5, 42);
	uint32_t out_len = 0;

	mark(fx);
	assert_int_equal(
	    run_on(fx->ingress_fd, ifindex[VF4], f.b, f.len, &out_len),
	    TC_ACT_REDIRECT);
	assert_int_equal(out_len, 60);
	expect_deltas(fx, D(VF4, tx_packets, 1), D(VF4, tx_bytes, 42),
		      D(VF4, runt_padded, 1));
}

/* Over the uplink's mtu (payload after the tags): dropped; at it:
 * out. mtu 0 checks nothing. Both a lone PF and a LAG member. */
static void test_oversize(void **state)
{
	struct fx *fx = *state;
	struct frame at = eth_frame(remote_mac, vf_mac[VF4], 0x88b5, 14 + 1000);
	struct frame over =
	    eth_frame(remote_mac, vf_mac[VF4], 0x88b5, 14 + 1001);
	struct frame lag_over =
	    eth_frame(remote_mac, vf_mac[VF0], 0x88b5, 14 + 1001);
	struct frame vgt_at = tagged(
	    eth_frame(remote_mac, vf_mac[VF0], 0x88b5, 14 + 1000), 0x8100, 7);

	mark(fx);
	assert_int_equal(ingress(fx, VF4, &over), TC_ACT_REDIRECT);
	expect_deltas(fx, D(VF4, tx_packets, 1), D(VF4, tx_bytes, over.len));
	set_uplink_mtu(fx, UP2, 1000);
	mark(fx);
	assert_int_equal(ingress(fx, VF4, &at), TC_ACT_REDIRECT);
	assert_int_equal(ingress(fx, VF4, &over), TC_ACT_SHOT);
	expect_deltas(fx, D(VF4, tx_packets, 2),
		      D(VF4, tx_bytes, at.len + over.len),
		      D(VF4, drop_oversize, 1));
	set_uplink_mtu(fx, UP0, 1000);
	set_trust(fx, VF0, true);
	mark(fx);
	assert_int_equal(ingress(fx, VF0, &lag_over), TC_ACT_SHOT);
	assert_int_equal(ingress(fx, VF0, &vgt_at), TC_ACT_REDIRECT);
	expect_deltas(fx, D(VF0, tx_packets, 2),
		      D(VF0, tx_bytes, lag_over.len + vgt_at.len),
		      D(VF0, drop_oversize, 1), D(UP0, lag_tx_packets, 1),
		      D(UP0, lag_tx_bytes, vgt_at.len));
}

/* ---- 5. rates ---- */

/* 1 Mbit/s: the bucket holds VFLAG_RATE_MIN_BURST_BYTES (the 250 ms of
 * 1 Mbit/s are less), then frames are dropped. The refill during the
 * test (1 Mbit/s for a few ms: a few hundred bytes) may let one more
 * through. */
static void test_rate_policer(void **state)
{
	struct fx *fx = *state;
	struct frame f = eth_frame(remote_mac, vf_mac[VF4], 0x88b5, 1514);
	struct vflag_port e = vf_entry(VF4);
	unsigned fit = VFLAG_RATE_MIN_BURST_BYTES / 1514, passed = 0;

	e.max_tx_rate = 1;
	set_port(fx, VF4, &e);
	mark(fx);
	for (unsigned i = 0; i < fit + 20; i++)
		if (ingress(fx, VF4, &f) == TC_ACT_REDIRECT)
			passed++;
	assert_true(passed >= fit && passed <= fit + 2);
	assert_int_equal(MOVED(fx, VF4, drop_rate), fit + 20 - passed);
	assert_int_equal(MOVED(fx, VF4, tx_packets), fit + 20);
	/* Unlimited again: everything passes. */
	e.max_tx_rate = 0;
	set_port(fx, VF4, &e);
	mark(fx);
	for (unsigned i = 0; i < 20; i++)
		assert_int_equal(ingress(fx, VF4, &f), TC_ACT_REDIRECT);
	expect_deltas(fx, D(VF4, tx_packets, 20), D(VF4, tx_bytes, 20 * 1514));
}

/* 10 broadcasts/multicasts per second, burst 5: the sixth is dropped;
 * unicast is not the storm limit's. */
static void test_storm_limit(void **state)
{
	struct fx *fx = *state;
	struct frame b = eth_frame(bcast_mac, vf_mac[VF4], 0x0806, 60);
	struct frame m = eth_frame(mcast_mac, vf_mac[VF4], 0x88b5, 60);
	struct frame u = eth_frame(remote_mac, vf_mac[VF4], 0x88b5, 60);
	struct vflag_port e = vf_entry(VF4);

	e.storm_pps = 10;
	e.storm_burst = 5;
	set_port(fx, VF4, &e);
	mark(fx);
	for (int i = 0; i < 3; i++)
		assert_int_equal(ingress(fx, VF4, &b), TC_ACT_REDIRECT);
	for (int i = 0; i < 2; i++)
		assert_int_equal(ingress(fx, VF4, &m), TC_ACT_REDIRECT);
	assert_int_equal(ingress(fx, VF4, &b), TC_ACT_SHOT);
	assert_int_equal(ingress(fx, VF4, &m), TC_ACT_SHOT);
	for (int i = 0; i < 10; i++)
		assert_int_equal(ingress(fx, VF4, &u), TC_ACT_REDIRECT);
	expect_deltas(fx, D(VF4, tx_packets, 17), D(VF4, tx_bytes, 17 * 60),
		      D(VF4, drop_storm, 2));
	/* A tenth of a second refills one. */
	nanosleep(&(struct timespec){.tv_nsec = 110000000}, NULL);
	assert_int_equal(ingress(fx, VF4, &b), TC_ACT_REDIRECT);
}

/* ---- 6. a domain of 80 VFs ---- */

/* A broadcast from the wire of domain C reaches all 80 VFs, the 65th
 * and later included: every one's egress counted it. */
static void test_flood_80_vfs(void **state)
{
	struct fx *fx = *state;
	struct frame b = eth_frame(bcast_mac, remote_mac, 0x0806, 60);
	struct vflag_port_stats before[NEXTRA], now;
	struct vflag_port up = uplink_entry(UP2);

	/* up2 as domain C's uplink for this test. */
	up.domain = DOMAIN_C;
	set_port(fx, UP2, &up);
	for (int i = 0; i < NEXTRA; i++)
		assert_int_equal(dp_stats_read(fx->dp,
					       EXTRA_ID_BASE + (uint32_t)i,
					       &before[i]),
				 0);
	mark(fx);
	assert_int_equal(ingress(fx, UP2, &b), TC_ACT_OK);
	assert_int_equal(MOVED(fx, UP2, flood_packets), NEXTRA);
	assert_int_equal(MOVED(fx, UP2, drop_flood_full), 0);
	for (int i = 0; i < NEXTRA; i++) {
		assert_int_equal(
		    dp_stats_read(fx->dp, EXTRA_ID_BASE + (uint32_t)i, &now),
		    0);
		assert_int_equal(now.rx_packets - before[i].rx_packets, 1);
	}
}

/* ---- live: tags in skb metadata ---- */

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

/* A packet socket on the far end of port that reports VLAN metadata. */
static int wire_listen(int port)
{
	struct sockaddr_ll at = {.sll_family = AF_PACKET,
				 .sll_protocol = htons(0x0003), /* ETH_P_ALL */
				 .sll_ifindex = wire_ifindex[port]};
	int one = 1;
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(0x0003));

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&at, sizeof(at)), 0);
	assert_int_equal(
	    setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)), 0);
	return fd;
}

/* Waits (up to 2 s) for a frame from src_mac on fd; returns its length,
 * with its tag (tpid, tci) or tpid 0 when it had none in metadata. */
static int wire_recv(int fd, const uint8_t src_mac[6], uint8_t *buf, size_t cap,
		     uint16_t *tpid, uint16_t *tci)
{
	for (int tries = 0; tries < 50; tries++) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		union {
			struct cmsghdr h;
			char b[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
		} cbuf;
		struct iovec iov = {.iov_base = buf, .iov_len = cap};
		struct msghdr msg = {.msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = &cbuf,
				     .msg_controllen = sizeof(cbuf)};
		ssize_t n;

		if (poll(&p, 1, 2000) <= 0)
			return -1;
		n = recvmsg(fd, &msg, 0);
		if (n < 12 || memcmp(buf + 6, src_mac, 6))
			continue;
		*tpid = 0;
		*tci = 0;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c;
		     c = CMSG_NXTHDR(&msg, c)) {
			struct tpacket_auxdata aux;

			if (c->cmsg_level != SOL_PACKET ||
			    c->cmsg_type != PACKET_AUXDATA)
				continue;
			memcpy(&aux, CMSG_DATA(c), sizeof(aux));
			if (aux.tp_status & TP_STATUS_VLAN_VALID) {
				*tci = aux.tp_vlan_tci;
				*tpid =
				    (aux.tp_status & TP_STATUS_VLAN_TPID_VALID)
					? aux.tp_vlan_tpid
					: 0x8100;
			}
		}
		return (int)n;
	}
	return -1;
}

/* vf1 in VST (VLAN 10, PCP 5, 802.1ad) sends untagged; the wire gets it
 * tagged. */
static void test_live_vst_push(void **state)
{
	struct fx *fx = *state;
	struct frame f = eth_frame(remote_mac, vf_mac[VF1], 0x88b5, 60);
	uint8_t buf[2048];
	uint16_t tpid, tci;
	int fd, n;

	set_vst(fx, VF1, 10, 5, 0x88a8);
	fd = wire_listen(UP0);
	assert_int_equal(wire_send(VF1, &f), 0);
	n = wire_recv(fd, vf_mac[VF1], buf, sizeof(buf), &tpid, &tci);
	close(fd);
	assert_int_equal(n, 60);
	assert_int_equal(tpid, 0x88a8);
	assert_int_equal(tci, (5 << 13) | 10);
	assert_int_equal(buf[12] << 8 | buf[13], 0x88b5);
}

/* From the wire tagged 10 (the kernel moves the tag into metadata before
 * the tc hook): vf1 receives it untagged; tagged 20 it never receives. */
static void test_live_vst_pop(void **state)
{
	struct fx *fx = *state;
	struct frame f10 =
	    tagged(eth_frame(vf_mac[VF1], remote_mac, 0x88b5, 60), 0x8100, 10);
	struct frame f20 =
	    tagged(eth_frame(vf_mac[VF1], remote_mac, 0x88b5, 60), 0x8100, 20);
	uint8_t buf[2048];
	uint16_t tpid, tci;
	int fd, n;

	set_vst(fx, VF1, 10, 0, 0);
	fd = wire_listen(VF1);
	mark(fx);
	assert_int_equal(wire_send(UP1, &f20), 0);
	assert_int_equal(wire_send(UP1, &f10), 0);
	n = wire_recv(fd, remote_mac, buf, sizeof(buf), &tpid, &tci);
	close(fd);
	assert_int_equal(n, 60);
	assert_int_equal(tpid, 0);
	assert_int_equal(buf[12] << 8 | buf[13], 0x88b5);
	assert_int_equal(MOVED(fx, VF1, vlan_popped), 1);
	assert_int_equal(MOVED(fx, VF1, rx_packets), 1);
	assert_int_equal(MOVED(fx, UP1, to_host_packets), 1); /* VLAN 20 */
}

/* A VF in VST sending a tagged frame: the kernel holds its tag in
 * metadata when the hook runs, and it is refused all the same. */
static void test_live_vst_tagged_refused(void **state)
{
	struct fx *fx = *state;
	struct frame f =
	    tagged(eth_frame(remote_mac, vf_mac[VF1], 0x88b5, 60), 0x8100, 10);

	set_vst(fx, VF1, 10, 0, 0);
	mark(fx);
	assert_int_equal(wire_send(VF1, &f), 0);
	for (int i = 0; i < 2000 && MOVED(fx, VF1, drop_vlan) == 0; i++)
		nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
	assert_int_equal(MOVED(fx, VF1, drop_vlan), 1);
	assert_int_equal(MOVED(fx, UP0, lag_tx_packets), 0);
}

/* A broadcast from the wire tagged 10 (in metadata once received):
 * vf1 and vf2 (VLAN 10) get it untagged, vf3 (VLAN 20) and vf0
 * (untagged) not at all. */
static void test_live_flood_vlan(void **state)
{
	struct fx *fx = *state;
	struct frame b =
	    tagged(eth_frame(bcast_mac, remote_mac, 0x0806, 60), 0x8100, 10);
	uint8_t buf[2048];
	uint16_t tpid, tci;
	int fd1, fd2, n;

	set_vst(fx, VF1, 10, 0, 0);
	set_vst(fx, VF2, 10, 0, 0);
	set_vst(fx, VF3, 20, 0, 0);
	fd1 = wire_listen(VF1);
	fd2 = wire_listen(VF2);
	mark(fx);
	assert_int_equal(wire_send(UP0, &b), 0);
	n = wire_recv(fd1, remote_mac, buf, sizeof(buf), &tpid, &tci);
	assert_int_equal(n, 60);
	assert_int_equal(tpid, 0);
	n = wire_recv(fd2, remote_mac, buf, sizeof(buf), &tpid, &tci);
	assert_int_equal(n, 60);
	assert_int_equal(tpid, 0);
	close(fd1);
	close(fd2);
	assert_int_equal(MOVED(fx, UP0, flood_packets), 2);
	assert_int_equal(MOVED(fx, VF0, rx_packets), 0);
	assert_int_equal(MOVED(fx, VF3, rx_packets), 0);
	assert_int_equal(MOVED(fx, VF3, drop_vlan), 0);
}

/* ---- setup of the namespace ---- */

static int make_veth(struct nl *nl, const char *name, const char *peer,
		     const uint8_t *peer_mac, int *peer_ifindex)
{
	struct nl_link_info info;
	int idx = nl_veth_create(nl, name, peer, peer_mac);

	if (idx < 0 || nl_link_get(nl, peer, 0, &info) < 0) {
		fprintf(stderr, "test_isolation_bpf: veth %s: %s\n", name,
			strerror(idx < 0 ? -idx : ENODEV));
		return -1;
	}
	if (nl_link_set_up(nl, idx, true) ||
	    nl_link_set_up(nl, info.ifindex, true)) {
		fprintf(stderr, "test_isolation_bpf: cannot set %s up\n", name);
		return -1;
	}
	if (peer_ifindex)
		*peer_ifindex = info.ifindex;
	return idx;
}

static int build_ports(void)
{
	struct nl *nl = nl_open();
	int ret = -1;

	if (!nl) {
		fprintf(stderr, "test_isolation_bpf: nl_open failed\n");
		return -1;
	}
	for (int p = 0; p < NPORTS; p++) {
		ifindex[p] =
		    make_veth(nl, port_name[p], wire_name[p],
			      p >= VF0 ? vf_mac[p] : NULL, &wire_ifindex[p]);
		if (ifindex[p] < 0)
			goto close_nl;
	}
	for (int i = 0; i < NEXTRA; i++) {
		char name[16], peer[16];

		snprintf(name, sizeof(name), "xr%d", i);
		snprintf(peer, sizeof(peer), "xw%d", i);
		extra_ifindex[i] = make_veth(nl, name, peer, NULL, NULL);
		if (extra_ifindex[i] < 0)
			goto close_nl;
	}
	ret = 0;
close_nl:
	nl_close(nl);
	return ret;
}

#define ISO_TEST(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		ISO_TEST(test_vf_slow_proto_dropped),
		ISO_TEST(test_vf_mac_control_dropped),
		ISO_TEST(test_vf_link_local_and_trust),
		ISO_TEST(test_vf_bad_src_dropped),
		ISO_TEST(test_vst_push_and_tagged_refused),
		ISO_TEST(test_vgt_needs_trust),
		ISO_TEST(test_malformed_tag_stacks),
		ISO_TEST(test_wire_switching_by_vlan),
		ISO_TEST(test_vst_stale_fdb_key),
		ISO_TEST(test_flood_within_vlan),
		ISO_TEST(test_vf_to_sibling_by_vlan),
		ISO_TEST(test_uplink_slow_proto_untagged_only),
		ISO_TEST(test_runt_padded),
		ISO_TEST(test_oversize),
		ISO_TEST(test_rate_policer),
		ISO_TEST(test_storm_limit),
		ISO_TEST(test_flood_80_vfs),
		ISO_TEST(test_live_vst_push),
		ISO_TEST(test_live_vst_pop),
		ISO_TEST(test_live_vst_tagged_refused),
		ISO_TEST(test_live_flood_vlan),
	};
	/* clang-format on */
	int ret = test_private_netns_enter("test_isolation_bpf");

	if (ret)
		return ret;
	log_set_quiet(true);
	if (build_ports() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
