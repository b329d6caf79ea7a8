/* Unit tests of tc-flower's words (flow/flower.c) and of the flow key
 * extraction the eswitch runs (bpf/vflag_flow.h, in its userspace
 * build). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "bpf/vflag_flow.h"
#include "flow/flower.h"
#include "words.h"

static char err[256];

static int parse(const char *spec, struct flower_rule *r)
{
	char *argv[64];
	int argc = words(spec, argv);

	return flower_parse(argc, argv, r, err, sizeof(err));
}

/* A spec parses, and its match and actions print back as expected. */
static void expect_round_trip(const char *spec, const char *match,
			      const char *acts)
{
	struct flower_rule r;
	char m[256], a[256];

	if (parse(spec, &r))
		fail_msg("%s: %s", spec, err);
	flower_format_match(&r.key, &r.mask, m, sizeof(m));
	flower_format_actions(&r, a, sizeof(a));
	assert_string_equal(m, match);
	assert_string_equal(a, acts);
}

static void test_good_specs(void **state)
{
	expect_round_trip("dev pf0_0 flower action drop", "", "drop");
	expect_round_trip(
	    "dev pf0_0 prio 3 flower dst_mac 02:00:00:00:00:01 action "
	    "mirred egress redirect dev bond0",
	    "dst_mac 02:00:00:00:00:01", "mirred egress redirect dev bond0");
	expect_round_trip("dev bond0 flower src_mac 02:00:00:00:00:00/24 "
			  "action drop",
			  "src_mac 02:00:00:00:00:00/ff:ff:ff:00:00:00",
			  "drop");
	expect_round_trip(
	    "dev pf0_1 flower eth_type ipv4 ip_proto tcp dst_ip 10.1.0.0/16 "
	    "dst_port 80 action drop",
	    "eth_type ipv4 ip_proto tcp dst_ip 10.1.0.0/16 dst_port 80",
	    "drop");
	expect_round_trip("dev pf0_1 flower eth_type ipv6 src_ip 2001:db8::/32 "
			  "action drop",
			  "eth_type ipv6 src_ip 2001:db8::/32", "drop");
	expect_round_trip(
	    "dev bond0 flower vlan_id 10 action vlan pop action mirred "
	    "egress redirect dev pf0_0",
	    "vlan_id 10", "vlan pop | mirred egress redirect dev pf0_0");
	expect_round_trip(
	    "dev pf0_0 flower action vlan push id 20 protocol 802.1ad "
	    "priority 5 pipe action mirred egress redirect dev bond0",
	    "",
	    "vlan push id 20 protocol 802.1ad priority 5 | mirred egress "
	    "redirect dev bond0");
	expect_round_trip("dev pf0_0 flower eth_type 802.1Q action vlan pop",
			  "eth_type 802.1Q", "vlan pop");
	expect_round_trip("dev pf0_0 flower eth_type 0x88b5 action drop",
			  "eth_type 0x88b5", "drop");
	expect_round_trip("dev pf0_0 flower eth_type arp action drop",
			  "eth_type arp", "drop");
	expect_round_trip("dev pf0_0 flower eth_type ipv4 ip_proto 47 "
			  "action drop",
			  "eth_type ipv4 ip_proto 47", "drop");
}

static void test_fields(void **state)
{
	struct flower_rule r;

	assert_int_equal(parse("dev x prio 7 chain 2 handle 9 flower "
			       "eth_type ipv4 ip_proto udp src_port 53 "
			       "action drop",
			       &r),
			 0);
	assert_int_equal(r.prio, 7);
	assert_int_equal(r.chain, 2);
	assert_int_equal(r.handle, 9);
	assert_int_equal(r.key.src_port, htons(53));
	assert_int_equal(r.mask.src_port, 0xffff);
	assert_int_equal(r.key.ip_proto, 17);
	assert_int_equal(r.actions, VFLAG_FLOW_ACT_DROP);
	assert_int_equal(parse("dev x flower vlan_id 100 action vlan push id "
			       "7 action drop",
			       &r),
			 0);
	assert_int_equal(r.key.vlan_tci, 100 | VFLAG_FLOW_VLAN_PRESENT);
	assert_int_equal(r.vlan_id, 7);
	assert_int_equal(r.vlan_proto, 0x8100);
	assert_int_equal(r.actions,
			 VFLAG_FLOW_ACT_VLAN_PUSH | VFLAG_FLOW_ACT_DROP);
	/* A masked MAC is stored masked. */
	assert_int_equal(parse("dev x flower dst_mac 02:11:22:33:44:55/"
			       "ff:ff:00:00:00:00 action drop",
			       &r),
			 0);
	assert_int_equal(r.key.dst[2], 0);
	assert_int_equal(r.key.dst[1], 0x11);
}

/* Each bad spec: refused, and the message names the word at fault. */
static void test_bad_specs(void **state)
{
	static const struct {
		const char *spec, *says;
	} bad[] = {
	    {"flower action drop", "dev PORT"},
	    {"dev pf0_0 action drop", "action"},
	    {"dev pf0_0 flower", "expected action"},
	    {"dev pf0_0 prio 0 flower action drop", "prio"},
	    {"dev pf0_0 prio 70000 flower action drop", "prio"},
	    {"dev pf0_0 flower dst_mac 02:00:00:00:00 action drop", "dst_mac"},
	    {"dev pf0_0 flower dst_mac 02:00:00:00:00:01/49 action drop",
	     "dst_mac"},
	    {"dev pf0_0 flower src_ip 10.0.0.1 action drop", "eth_type"},
	    {"dev pf0_0 flower ip_proto tcp action drop", "eth_type"},
	    {"dev pf0_0 flower eth_type arp ip_proto tcp action drop",
	     "eth_type"},
	    {"dev pf0_0 flower eth_type ipv4 dst_port 80 action drop",
	     "dst_port"},
	    {"dev pf0_0 flower eth_type ipv4 ip_proto icmp dst_port 80 action "
	     "drop",
	     "dst_port"},
	    {"dev pf0_0 flower eth_type ipv4 src_ip 2001:db8::1 action drop",
	     "family"},
	    {"dev pf0_0 flower eth_type ipv4 dst_ip 10.0.0.0/33 action drop",
	     "dst_ip"},
	    {"dev pf0_0 flower eth_type ipx action drop", "ipx"},
	    {"dev pf0_0 flower eth_type ipv4 ip_proto tcpp action drop",
	     "tcpp"},
	    {"dev pf0_0 flower vlan_id 4095 action drop", "vlan_id"},
	    {"dev pf0_0 flower vlan_id 5 vlan_id 6 action drop", "twice"},
	    {"dev pf0_0 flower color red action drop", "color"},
	    {"dev pf0_0 flower action drop action drop", "drop"},
	    {"dev pf0_0 flower action mirred egress mirror dev x",
	     "mirred egress redirect"},
	    {"dev pf0_0 flower action mirred egress redirect dev", "mirred"},
	    {"dev pf0_0 flower action vlan push id 0", "id N"},
	    {"dev pf0_0 flower action vlan push id 5 priority 9", "priority"},
	    {"dev pf0_0 flower action vlan push id 5 protocol 802.1x",
	     "802.1x"},
	    {"dev pf0_0 flower action vlan push id 5 action vlan pop",
	     "vlan pop"},
	    {"dev pf0_0 flower action vlan swap", "swap"},
	    {"dev pf0_0 flower action goto chain 1", "goto"},
	    {"dev pf0_0 flower action drop pipe", "pipe"},
	    {"dev pf0_0 flower action", "what action"},
	    {"dev pf0_0 flower eth_type ipv4 action drop extra", "extra"},
	    {"dev this_name_is_far_too_long flower action drop", "dev"},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct flower_rule r;

		if (parse(bad[i].spec, &r) != -EINVAL)
			fail_msg("accepted: %s", bad[i].spec);
		if (!strstr(err, bad[i].says))
			fail_msg("%s: message \"%s\" does not say \"%s\"",
				 bad[i].spec, err, bad[i].says);
	}
}

/* --- key extraction --- */

static size_t ipv4_tcp(uint8_t *b, int tagged)
{
	size_t o = 12;
	static const uint8_t dst[6] = {2, 0, 0, 0, 0, 1},
			     src[6] = {2, 0, 0, 0, 0, 2};

	memset(b, 0, 128);
	memcpy(b, dst, 6);
	memcpy(b + 6, src, 6);
	if (tagged) {
		b[o] = 0x81;
		b[o + 1] = 0;
		b[o + 2] = 0x20; /* PCP 1 */
		b[o + 3] = 10;	 /* VID 10 */
		o += 4;
	}
	b[o] = 0x08;
	b[o + 1] = 0;
	o += 2;
	b[o] = 0x45;
	b[o + 9] = 6;
	memcpy(b + o + 12, "\x0a\x00\x00\x01", 4);
	memcpy(b + o + 16, "\x0a\x00\x00\x02", 4);
	b[o + 20] = 0x30; /* 12345 */
	b[o + 21] = 0x39;
	b[o + 22] = 0;
	b[o + 23] = 80;
	return o + 40;
}

static void test_extract_ipv4(void **state)
{
	uint8_t b[128];
	struct vflag_frame f;
	struct vflag_flow_key k;
	uint32_t a;

	for (int tagged = 0; tagged < 2; tagged++) {
		size_t len = ipv4_tcp(b, tagged);

		assert_int_equal(vflag_frame_parse(b, b + len, 0, 0, &f), 0);
		vflag_flow_extract(b, b + len, &f, 77, &k);
		assert_int_equal(k.in_port, 77);
		assert_int_equal(k.vlan_tci,
				 tagged ? (10 | VFLAG_FLOW_VLAN_PRESENT) : 0);
		assert_int_equal(k.eth_type, 0x0800);
		assert_int_equal(k.ip_proto, 6);
		inet_pton(AF_INET, "10.0.0.1", &a);
		assert_int_equal(k.src_ip[0], a);
		assert_int_equal(k.src_ip[1], 0);
		assert_int_equal(k.src_port, htons(12345));
		assert_int_equal(k.dst_port, htons(80));
		assert_int_equal(k.dst[5], 1);
		assert_int_equal(k.src[5], 2);
		/* Cut in the TCP header: addresses, no ports. */
		assert_int_equal(vflag_frame_parse(b, b + len - 38, 0, 0, &f),
				 0);
		vflag_flow_extract(b, b + len - 38, &f, 77, &k);
		assert_int_equal(k.src_port, 0);
		assert_int_equal(k.ip_proto, 0); /* IP header cut: nothing */
	}
	/* A metadata tag counts as the outer one. */
	{
		size_t len = ipv4_tcp(b, 0);

		vflag_frame_parse(b, b + len, 0x8100, 30, &f);
		vflag_flow_extract(b, b + len, &f, 1, &k);
		assert_int_equal(k.vlan_tci, 30 | VFLAG_FLOW_VLAN_PRESENT);
		assert_int_equal(k.dst_port, htons(80));
	}
	/* A later fragment has no ports. */
	{
		size_t len = ipv4_tcp(b, 0);

		b[14 + 7] = 0x10;
		vflag_frame_parse(b, b + len, 0, 0, &f);
		vflag_flow_extract(b, b + len, &f, 1, &k);
		assert_int_equal(k.ip_proto, 6);
		assert_int_equal(k.dst_port, 0);
	}
}

static void test_extract_ipv6_and_mask(void **state)
{
	uint8_t b[128] = {0};
	struct vflag_frame f;
	struct vflag_flow_key k, m, out;
	struct flower_rule r;

	b[12] = 0x86;
	b[13] = 0xdd;
	b[14] = 0x60;
	b[14 + 6] = 17;
	inet_pton(AF_INET6, "2001:db8::1", b + 14 + 8);
	inet_pton(AF_INET6, "2001:db8::2", b + 14 + 24);
	b[54] = 0;
	b[55] = 53;
	b[56] = 0x13;
	b[57] = 0x88;
	b[6] = 2;
	vflag_frame_parse(b, b + 62, 0, 0, &f);
	vflag_flow_extract(b, b + 62, &f, 5, &k);
	assert_int_equal(k.eth_type, 0x86dd);
	assert_int_equal(k.ip_proto, 17);
	assert_int_equal(k.src_port, htons(53));
	assert_int_equal(k.dst_port, htons(5000));
	assert_int_equal(((uint8_t *)k.dst_ip)[15], 2);
	/* The frame falls under a /32 rule once masked. */
	assert_int_equal(parse("dev x flower eth_type ipv6 src_ip "
			       "2001:db8::/32 action drop",
			       &r),
			 0);
	m = r.mask;
	m.in_port = 0xffffffff;
	r.key.in_port = 5;
	vflag_flow_mask(&k, &m, &out);
	assert_memory_equal(&out, &r.key, sizeof(out));
	/* Short: only the MACs. */
	vflag_frame_parse(b, b + 10, 0, 0, &f);
	vflag_flow_extract(b, b + 10, &f, 5, &k);
	assert_int_equal(k.eth_type, 0);
	assert_int_equal(k.in_port, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_specs),
	    cmocka_unit_test(test_fields),
	    cmocka_unit_test(test_bad_specs),
	    cmocka_unit_test(test_extract_ipv4),
	    cmocka_unit_test(test_extract_ipv6_and_mask),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
