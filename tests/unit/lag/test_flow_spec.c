/* Unit tests of lag/flow_spec.c: the frames FLOW words build (checked
 * byte by byte and through the hand-computed hashes of xh_vectors.c), and
 * the messages for wrong words. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lag/flow_spec.h"
#include "lag/xmit_hash.h"
#include "xh_vectors.h"

struct parsed {
	int ret;
	uint8_t frame[256];
	size_t len;
	char err[256];
};

/* Parses the NULL-terminated words into *p. */
static struct parsed *parse_words(struct parsed *p, size_t cap,
				  const char *const *words)
{
	char *argv[32];
	int argc = 0;

	while (words[argc]) {
		argv[argc] = (char *)words[argc];
		argc++;
	}
	memset(p, 0, sizeof(*p));
	p->ret = flow_spec_parse(argc, argv, p->frame, cap, &p->len, p->err,
				 sizeof(p->err));
	return p;
}

#define PARSE(p, ...)                                                          \
	parse_words(p, sizeof((p)->frame),                                     \
		    (const char *const[]){__VA_ARGS__, NULL})

static const struct xh_vector *vector(const char *name)
{
	for (size_t i = 0; i < xh_vector_count; i++)
		if (!strcmp(xh_vectors[i].name, name))
			return &xh_vectors[i];
	fail_msg("no vector %s", name);
	return NULL;
}

/* The frame hashes as the named vector under every policy. */
static void assert_hashes_as(const struct parsed *p, const char *name)
{
	const struct xh_vector *v = vector(name);

	assert_int_equal(p->ret, 0);
	for (uint32_t pol = 0; pol < VFLAG_HASH_POLICY_COUNT; pol++)
		assert_int_equal(
		    vflag_xmit_hash(p->frame, p->frame + p->len, pol),
		    v->expect[pol]);
}

static uint16_t get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

/* The IPv4 header sums to 0xffff when its checksum is right. */
static void assert_ipv4_csum(const uint8_t *ip)
{
	uint32_t sum = 0;

	for (int i = 0; i < 20; i += 2)
		sum += get16(ip + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	assert_int_equal(sum, 0xffff);
}

static void test_ipv4_tcp_defaults(void **state)
{
	struct parsed p;
	static const uint8_t macs[12] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1};

	(void)state;
	PARSE(&p, "src", "10.0.0.1", "dst", "10.0.0.2", "sport", "1000",
	      "dport", "80");
	assert_int_equal(p.ret, 0);
	assert_int_equal(p.len, 14 + 20 + 20);
	assert_memory_equal(p.frame, macs, 12); /* dmac, then smac */
	assert_int_equal(get16(p.frame + 12), 0x0800);
	assert_int_equal(p.frame[14], 0x45);
	assert_int_equal(get16(p.frame + 16), 40); /* total length */
	assert_int_equal(p.frame[22], 64);	   /* TTL */
	assert_int_equal(p.frame[23], 6);	   /* TCP by default */
	assert_ipv4_csum(p.frame + 14);
	assert_int_equal(get16(p.frame + 34), 1000);
	assert_int_equal(get16(p.frame + 36), 80);
	assert_int_equal(p.frame[46], 0x50); /* data offset 5 */
	assert_hashes_as(&p, "ipv4-tcp");
}

static void test_any_order(void **state)
{
	struct parsed p;

	(void)state;
	PARSE(&p, "dport", "80", "dst", "10.0.0.2", "proto", "tcp", "sport",
	      "1000", "src", "10.0.0.1");
	assert_hashes_as(&p, "ipv4-tcp");
	PARSE(&p, "proto", "6", "src", "10.0.0.1", "dst", "10.0.0.2", "sport",
	      "1000", "dport", "80");
	assert_hashes_as(&p, "ipv4-tcp");
}

static void test_vlan_udp(void **state)
{
	struct parsed p;

	(void)state;
	PARSE(&p, "vlan", "100", "proto", "udp", "src", "192.168.1.10", "dst",
	      "192.168.1.20", "sport", "5000", "dport", "53");
	assert_int_equal(p.ret, 0);
	assert_int_equal(p.len, 14 + 4 + 20 + 8);
	assert_int_equal(get16(p.frame + 12), 0x8100);
	assert_int_equal(get16(p.frame + 14), 100);
	assert_int_equal(get16(p.frame + 16), 0x0800);
	assert_int_equal(p.frame[27], 17);
	assert_int_equal(get16(p.frame + 38), 5000);
	assert_int_equal(get16(p.frame + 40), 53);
	assert_int_equal(get16(p.frame + 42), 8); /* UDP length */
	/* the tag is skipped: hashes as the untagged vector */
	assert_hashes_as(&p, "ipv4-udp");
}

static void test_ipv6_tcp(void **state)
{
	struct parsed p;

	(void)state;
	PARSE(&p, "src", "2001:db8::1", "dst", "2001:db8::2", "sport", "40000",
	      "dport", "443");
	assert_int_equal(p.ret, 0);
	assert_int_equal(p.len, 14 + 40 + 20);
	assert_int_equal(get16(p.frame + 12), 0x86dd);
	assert_int_equal(p.frame[14], 0x60);
	assert_int_equal(get16(p.frame + 18), 20); /* payload length */
	assert_int_equal(p.frame[20], 6);
	assert_int_equal(p.frame[21], 64);
	assert_hashes_as(&p, "ipv6-tcp");
}

static void test_icmp(void **state)
{
	struct parsed p;

	(void)state;
	PARSE(&p, "proto", "icmp", "src", "10.0.0.1", "dst", "10.0.0.2");
	assert_int_equal(p.ret, 0);
	assert_int_equal(p.len, 14 + 20 + 8);
	assert_int_equal(p.frame[23], 1);
	assert_int_equal(p.frame[34], 8); /* echo request */
	assert_int_equal(get16(p.frame + 38), 0);
	/* id 0 counts as 1: key 0x00010008 ^ 0x03000000 = 0x03010008,
	 * ^ 0x0301 = 0x03010309, ^ 0x00030103 = 0x0302020a, >>1 */
	assert_int_equal(
	    vflag_xmit_hash(p.frame, p.frame + p.len, VFLAG_HASH_LAYER34),
	    0x01810105);
	PARSE(&p, "proto", "1", "src", "10.0.0.1", "dst", "10.0.0.2");
	assert_int_equal(p.ret, 0);
	assert_int_equal(p.frame[34], 8);

	PARSE(&p, "proto", "icmp", "src", "2001:db8::1", "dst", "2001:db8::2");
	assert_int_equal(p.ret, 0);
	assert_int_equal(p.len, 14 + 40 + 8);
	assert_int_equal(p.frame[20], 58);
	assert_int_equal(p.frame[54], 128);
	assert_hashes_as(&p, "icmpv6-echo-id0");
}

static void test_macs(void **state)
{
	struct parsed p;

	(void)state;
	PARSE(&p, "smac", "6a:66:2d:48:92:c3", "dmac", "02:00:00:00:00:ff",
	      "src", "10.0.0.1", "dst", "10.0.0.2");
	assert_int_equal(p.ret, 0);
	assert_int_equal(p.frame[5], 0xff);
	assert_int_equal(p.frame[6], 0x6a);
	assert_int_equal(p.frame[11], 0xc3);
	/* layer2: 0xff ^ 0xc3 ^ 0x0800 = 0x083c */
	assert_int_equal(
	    vflag_xmit_hash(p.frame, p.frame + p.len, VFLAG_HASH_LAYER2),
	    0x083c);
}

static void test_numeric_protocols(void **state)
{
	struct parsed p;

	(void)state;
	/* SCTP: ports at offset 0 */
	PARSE(&p, "proto", "132", "src", "10.0.0.1", "dst", "10.0.0.2", "sport",
	      "1000", "dport", "80");
	assert_int_equal(p.ret, 0);
	assert_int_equal(p.len, 14 + 20 + 8);
	assert_int_equal(p.frame[23], 132);
	assert_int_equal(get16(p.frame + 34), 1000);
	/* same ports and addresses as ipv4-tcp: the same layer3+4 hash */
	assert_int_equal(
	    vflag_xmit_hash(p.frame, p.frame + p.len, VFLAG_HASH_LAYER34),
	    0x29a9dddc);
	/* AH: the SPI, at offset 4 */
	PARSE(&p, "proto", "51", "src", "10.0.0.1", "dst", "10.0.0.2", "sport",
	      "1000", "dport", "80");
	assert_int_equal(p.ret, 0);
	assert_int_equal(p.len, 14 + 20 + 12);
	assert_int_equal(get16(p.frame + 34), 0);
	assert_int_equal(get16(p.frame + 38), 1000);
	assert_int_equal(
	    vflag_xmit_hash(p.frame, p.frame + p.len, VFLAG_HASH_LAYER34),
	    0x29a9dddc);
	/* GRE: no ports, 8 zero bytes */
	PARSE(&p, "proto", "47", "src", "10.0.0.1", "dst", "10.0.0.2");
	assert_int_equal(p.ret, 0);
	assert_int_equal(p.len, 14 + 20 + 8);
	assert_int_equal(p.frame[23], 47);
}

static void test_hex(void **state)
{
	const struct xh_vector *v = vector("arp");
	char word[2 * 64 + 1];
	struct parsed p;

	(void)state;
	for (size_t i = 0; i < v->len; i++)
		snprintf(word + 2 * i, 3, "%02x", v->frame[i]);
	PARSE(&p, "hex", word);
	assert_int_equal(p.ret, 0);
	assert_int_equal(p.len, v->len);
	assert_memory_equal(p.frame, v->frame, v->len);
	/* split over words, with separators */
	PARSE(&p, "hex", "02:00:00:00:00:02", "02 00 00 00 00 01", "0806");
	assert_int_equal(p.ret, 0);
	assert_int_equal(p.len, 14);
	assert_int_equal(get16(p.frame + 12), 0x0806);
}

/* A wrong FLOW: -EINVAL and a message containing want. */
static void assert_refused(const struct parsed *p, const char *want)
{
	assert_int_equal(p->ret, -EINVAL);
	if (!strstr(p->err, want))
		fail_msg("message '%s' lacks '%s'", p->err, want);
}

static void test_bad_words(void **state)
{
	struct parsed p;
	char *none[1] = {NULL};
	uint8_t frame[64];
	size_t len;

	(void)state;
	p.ret = flow_spec_parse(0, none, p.frame, sizeof(p.frame), &p.len,
				p.err, sizeof(p.err));
	assert_refused(&p, "expected a FLOW");
	assert_refused(PARSE(&p, "src"), "src: expected a value");
	assert_refused(
	    PARSE(&p, "smac", "zz", "src", "10.0.0.1", "dst", "10.0.0.2"),
	    "smac: expected a MAC address");
	assert_refused(PARSE(&p, "dmac", "02:00:00:00:00", "src", "10.0.0.1",
			     "dst", "10.0.0.2"),
		       "dmac: expected a MAC address");
	assert_refused(
	    PARSE(&p, "vlan", "4096", "src", "10.0.0.1", "dst", "10.0.0.2"),
	    "vlan: expected a VLAN id 0..4095, got '4096'");
	assert_refused(
	    PARSE(&p, "vlan", "-1", "src", "10.0.0.1", "dst", "10.0.0.2"),
	    "vlan: expected");
	assert_refused(
	    PARSE(&p, "proto", "tcpp", "src", "10.0.0.1", "dst", "10.0.0.2"),
	    "proto: expected tcp, udp, icmp or a number 0..255");
	assert_refused(
	    PARSE(&p, "proto", "256", "src", "10.0.0.1", "dst", "10.0.0.2"),
	    "proto: expected");
	assert_refused(PARSE(&p, "src", "10.0.0.300", "dst", "10.0.0.2"),
		       "src: expected an IPv4 or IPv6 address, got "
		       "'10.0.0.300'");
	assert_refused(PARSE(&p, "src", "10.0.0.1", "dst", "::1"),
		       "dst: not of the same address family");
	assert_refused(PARSE(&p, "dst", "10.0.0.1", "src", "::1"),
		       "dst: not of the same address family");
	assert_refused(
	    PARSE(&p, "src", "10.0.0.1", "dst", "10.0.0.2", "sport", "70000"),
	    "sport: expected a port 0..65535, got '70000'");
	assert_refused(
	    PARSE(&p, "src", "10.0.0.1", "dst", "10.0.0.2", "dport", "8o"),
	    "dport: expected a port");
	assert_refused(PARSE(&p, "src", "10.0.0.1", "src", "10.0.0.2"),
		       "src: given twice");
	assert_refused(PARSE(&p, "from", "10.0.0.1"),
		       "unknown word 'from': expected smac");
	assert_refused(PARSE(&p, "dst", "10.0.0.2"), "src: missing");
	assert_refused(PARSE(&p, "src", "10.0.0.2"), "dst: missing");
	assert_refused(PARSE(&p, "proto", "icmp", "src", "10.0.0.1", "dst",
			     "10.0.0.2", "sport", "1"),
		       "sport: protocol 1 carries no ports");
	assert_refused(PARSE(&p, "proto", "47", "src", "10.0.0.1", "dst",
			     "10.0.0.2", "dport", "1"),
		       "dport: protocol 47 carries no ports");
	assert_refused(PARSE(&p, "src", "10.0.0.1", "hex", "00"),
		       "hex: must be the first word");
	assert_refused(PARSE(&p, "hex"), "hex: expected the frame's bytes");
	assert_refused(PARSE(&p, "hex", ""), "hex: expected the frame's bytes");
	assert_refused(PARSE(&p, "hex", "0200zz"), "hex: expected hex bytes");
	assert_refused(PARSE(&p, "hex", "020"), "hex: expected hex bytes");

	/* too long for the caller's buffer */
	assert_refused(
	    parse_words(&p, 4,
			(const char *const[]){"hex", "0102030405", NULL}),
	    "hex: the frame is longer than 4 bytes");
	assert_refused(
	    parse_words(&p, 20,
			(const char *const[]){"src", "10.0.0.1", "dst",
					      "10.0.0.2", NULL}),
	    "does not fit the 20-byte buffer");

	/* no room for a message: still refused, nothing written */
	{
		char *argv[] = {"vlan", "x"};

		assert_int_equal(flow_spec_parse(2, argv, frame, sizeof(frame),
						 &len, NULL, 0),
				 -EINVAL);
	}
	/* a short message buffer is truncated, not overrun */
	{
		char *argv[] = {"vlan", "x"};
		char small[8];

		memset(small, 'X', sizeof(small));
		assert_int_equal(flow_spec_parse(2, argv, frame, sizeof(frame),
						 &len, small, sizeof(small)),
				 -EINVAL);
		assert_int_equal(small[7], '\0');
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ipv4_tcp_defaults),
	    cmocka_unit_test(test_any_order),
	    cmocka_unit_test(test_vlan_udp),
	    cmocka_unit_test(test_ipv6_tcp),
	    cmocka_unit_test(test_icmp),
	    cmocka_unit_test(test_macs),
	    cmocka_unit_test(test_numeric_protocols),
	    cmocka_unit_test(test_hex),
	    cmocka_unit_test(test_bad_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
