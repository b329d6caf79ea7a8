/* LACPDU and Marker PDU wire format: layout by offset, every parse
 * result, and encode/parse round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lacp/lacpdu.h"

static const struct lacp_info actor = {
    .sys_priority = 0x1234,
    .sys_mac = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55},
    .key = 0xabcd,
    .port_priority = 0x00ff,
    .port = 0x0102,
    .state = 0x3d,
};
static const struct lacp_info partner = {
    .sys_priority = 0x8000,
    .sys_mac = {0x02, 0x66, 0x77, 0x88, 0x99, 0xaa},
    .key = 7,
    .port_priority = 0x80,
    .port = 9,
    .state = 0xc7,
};

static size_t valid_lacpdu(uint8_t *buf)
{
	struct lacpdu pdu = {
	    .kind = LACPDU_KIND_LACP,
	    .src_mac = {0x02, 0, 0, 0, 0, 0x42},
	    .actor = actor,
	    .partner = partner,
	    .collector_max_delay = 5,
	};

	return lacpdu_encode(&pdu, buf, LACPDU_FRAME_LEN);
}

static size_t valid_marker(uint8_t *buf, enum lacpdu_kind kind)
{
	struct lacpdu pdu = {
	    .kind = kind,
	    .src_mac = {0x02, 0, 0, 0, 0, 0x43},
	    .marker = {.requester_port = 0x0203,
		       .requester_system = {0x02, 1, 2, 3, 4, 5},
		       .requester_transaction_id = 0xdeadbeef},
	};

	return lacpdu_encode(&pdu, buf, LACPDU_FRAME_LEN);
}

static void assert_info_equal(const struct lacp_info *a,
			      const struct lacp_info *b)
{
	assert_int_equal(a->sys_priority, b->sys_priority);
	assert_memory_equal(a->sys_mac, b->sys_mac, 6);
	assert_int_equal(a->key, b->key);
	assert_int_equal(a->port_priority, b->port_priority);
	assert_int_equal(a->port, b->port);
	assert_int_equal(a->state, b->state);
}

/* Offsets from the LACPDU structure of 802.1AX-2008 5.4.2.2, counted
 * from the frame start. */
static void test_lacpdu_layout(void **state)
{
	uint8_t f[LACPDU_FRAME_LEN + 8];
	static const uint8_t zero[50];

	assert_int_equal(valid_lacpdu(f), 124);
	assert_memory_equal(f, lacpdu_slow_protocols_mac, 6);
	assert_int_equal(f[6 + 5], 0x42);
	assert_int_equal(f[12], 0x88);
	assert_int_equal(f[13], 0x09);
	assert_int_equal(f[14], 1); /* subtype LACP */
	assert_int_equal(f[15], 1); /* version */
	assert_int_equal(f[16], 1); /* Actor TLV */
	assert_int_equal(f[17], 20);
	assert_int_equal(f[18], 0x12); /* system priority, big endian */
	assert_int_equal(f[19], 0x34);
	assert_memory_equal(&f[20], actor.sys_mac, 6);
	assert_int_equal(f[26], 0xab);
	assert_int_equal(f[27], 0xcd);
	assert_int_equal(f[30], 0x01); /* port */
	assert_int_equal(f[31], 0x02);
	assert_int_equal(f[32], 0x3d); /* state */
	assert_int_equal(f[36], 2);    /* Partner TLV */
	assert_int_equal(f[37], 20);
	assert_memory_equal(&f[40], partner.sys_mac, 6);
	assert_int_equal(f[52], 0xc7);
	assert_int_equal(f[56], 3); /* Collector TLV */
	assert_int_equal(f[57], 16);
	assert_int_equal(f[58], 0);
	assert_int_equal(f[59], 5);
	assert_int_equal(f[72], 0); /* Terminator */
	assert_int_equal(f[73], 0);
	assert_memory_equal(&f[74], zero, 50);

	assert_int_equal(lacpdu_encode(&(struct lacpdu){0}, f, 123), 0);
}

static void test_lacpdu_roundtrip(void **state)
{
	uint8_t f[LACPDU_FRAME_LEN];
	struct lacpdu out;
	static const uint8_t src[6] = {0x02, 0, 0, 0, 0, 0x42};

	valid_lacpdu(f);
	assert_int_equal(lacpdu_parse(f, sizeof(f), &out), LACPDU_OK);
	assert_int_equal(out.kind, LACPDU_KIND_LACP);
	assert_int_equal(out.version, 1);
	assert_memory_equal(out.src_mac, src, 6);
	assert_info_equal(&out.actor, &actor);
	assert_info_equal(&out.partner, &partner);
	assert_int_equal(out.collector_max_delay, 5);
}

static void test_marker_layout_and_roundtrip(void **state)
{
	uint8_t f[LACPDU_FRAME_LEN];
	static const uint8_t zero[90];
	struct lacpdu out;

	assert_int_equal(valid_marker(f, LACPDU_KIND_MARKER), 124);
	assert_int_equal(f[14], 2); /* subtype Marker */
	assert_int_equal(f[15], 1);
	assert_int_equal(f[16], 1); /* Marker Information */
	assert_int_equal(f[17], 16);
	assert_int_equal(f[18], 0x02);
	assert_int_equal(f[19], 0x03);
	assert_int_equal(f[26], 0xde); /* transaction ID, big endian */
	assert_int_equal(f[29], 0xef);
	assert_int_equal(f[32], 0); /* Terminator */
	assert_int_equal(f[33], 0);
	assert_memory_equal(&f[34], zero, 90);
	assert_int_equal(lacpdu_parse(f, sizeof(f), &out), LACPDU_OK);
	assert_int_equal(out.kind, LACPDU_KIND_MARKER);
	assert_int_equal(out.marker.requester_port, 0x0203);
	assert_int_equal(out.marker.requester_transaction_id, 0xdeadbeef);

	valid_marker(f, LACPDU_KIND_MARKER_RESPONSE);
	assert_int_equal(f[16], 2);
	assert_int_equal(lacpdu_parse(f, sizeof(f), &out), LACPDU_OK);
	assert_int_equal(out.kind, LACPDU_KIND_MARKER_RESPONSE);
}

static void test_parse_truncated(void **state)
{
	uint8_t f[LACPDU_FRAME_LEN];
	struct lacpdu out;

	valid_lacpdu(f);
	for (size_t len = 0; len < LACPDU_FRAME_LEN; len++)
		assert_int_equal(lacpdu_parse(f, len, &out), LACPDU_TRUNCATED);
	valid_marker(f, LACPDU_KIND_MARKER);
	for (size_t len = 0; len < LACPDU_FRAME_LEN; len++)
		assert_int_equal(lacpdu_parse(f, len, &out), LACPDU_TRUNCATED);
}

static void test_parse_trailing_bytes_ok(void **state)
{
	uint8_t f[LACPDU_FRAME_LEN + 200];
	struct lacpdu out;

	memset(f, 0xa5, sizeof(f));
	valid_lacpdu(f);
	assert_int_equal(lacpdu_parse(f, sizeof(f), &out), LACPDU_OK);
	assert_info_equal(&out.actor, &actor);
	/* FCS left on */
	assert_int_equal(lacpdu_parse(f, LACPDU_FRAME_LEN + 4, &out),
			 LACPDU_OK);
}

static void test_parse_not_slow(void **state)
{
	uint8_t f[LACPDU_FRAME_LEN];
	struct lacpdu out;

	valid_lacpdu(f);
	f[13] = 0x08; /* 0x8808, MAC Control */
	assert_int_equal(lacpdu_parse(f, sizeof(f), &out), LACPDU_NOT_SLOW);
	valid_lacpdu(f);
	f[5] = 0x0e; /* LLDP's address */
	assert_int_equal(lacpdu_parse(f, sizeof(f), &out), LACPDU_NOT_SLOW);
}

static void test_parse_unknown_subtype(void **state)
{
	static const uint8_t subtypes[] = {0, 3, 4, 10, 0xff};
	uint8_t f[LACPDU_FRAME_LEN];
	struct lacpdu out;

	for (size_t i = 0; i < sizeof(subtypes); i++) {
		valid_lacpdu(f);
		f[14] = subtypes[i];
		assert_int_equal(lacpdu_parse(f, sizeof(f), &out),
				 LACPDU_UNKNOWN_SUBTYPE);
		/* even a short one: the subtype alone says "not ours" */
		assert_int_equal(lacpdu_parse(f, 15, &out),
				 LACPDU_UNKNOWN_SUBTYPE);
	}
}

static void test_parse_version(void **state)
{
	uint8_t f[LACPDU_FRAME_LEN];
	struct lacpdu out;

	valid_lacpdu(f);
	f[15] = 0;
	assert_int_equal(lacpdu_parse(f, sizeof(f), &out), LACPDU_BAD_VERSION);
	valid_marker(f, LACPDU_KIND_MARKER);
	f[15] = 0;
	assert_int_equal(lacpdu_parse(f, sizeof(f), &out), LACPDU_BAD_VERSION);

	/* Later versions are accepted, and may carry TLVs where version 1
	 * has its Terminator. */
	valid_lacpdu(f);
	f[15] = 2;
	f[72] = 4;
	f[73] = 6;
	assert_int_equal(lacpdu_parse(f, sizeof(f), &out), LACPDU_OK);
	assert_int_equal(out.version, 2);
	assert_info_equal(&out.actor, &actor);
	f[15] = 0xff;
	assert_int_equal(lacpdu_parse(f, sizeof(f), &out), LACPDU_OK);
}

static void test_parse_bad_tlv(void **state)
{
	/* offset, value: each makes one TLV header wrong */
	static const struct {
		size_t off;
		uint8_t val;
	} lacp_cases[] =
	    {
		{16, 2},  {16, 0}, {17, 19},	 {17, 21}, {36, 1},
		{36, 3},  {37, 0}, {37, 20 + 1}, {56, 0},  {56, 4},
		{57, 15}, {57, 0}, {72, 1},	 {73, 2},
	    },
	  marker_cases[] = {
	      {16, 0}, {16, 3}, {17, 15}, {17, 0}, {32, 1}, {33, 16},
	  };
	uint8_t f[LACPDU_FRAME_LEN];
	struct lacpdu out;

	for (size_t i = 0; i < sizeof(lacp_cases) / sizeof(lacp_cases[0]);
	     i++) {
		valid_lacpdu(f);
		f[lacp_cases[i].off] = lacp_cases[i].val;
		assert_int_equal(lacpdu_parse(f, sizeof(f), &out),
				 LACPDU_BAD_TLV);
	}
	for (size_t i = 0; i < sizeof(marker_cases) / sizeof(marker_cases[0]);
	     i++) {
		valid_marker(f, LACPDU_KIND_MARKER);
		f[marker_cases[i].off] = marker_cases[i].val;
		assert_int_equal(lacpdu_parse(f, sizeof(f), &out),
				 LACPDU_BAD_TLV);
	}
}

static void test_parse_bad_system(void **state)
{
	static const uint8_t systems[][6] = {
	    {0, 0, 0, 0, 0, 0},
	    {0x01, 0x80, 0xc2, 0, 0, 0x02},
	    {0x01, 0, 0x5e, 0, 0, 1},
	    {0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
	};
	uint8_t f[LACPDU_FRAME_LEN];
	struct lacpdu out;

	for (size_t i = 0; i < sizeof(systems) / sizeof(systems[0]); i++) {
		valid_lacpdu(f);
		memcpy(&f[20], systems[i], 6);
		assert_int_equal(lacpdu_parse(f, sizeof(f), &out),
				 LACPDU_BAD_SYSTEM);
	}
	/* A zero partner system is normal: the actor has not heard us. */
	valid_lacpdu(f);
	memset(&f[40], 0, 6);
	assert_int_equal(lacpdu_parse(f, sizeof(f), &out), LACPDU_OK);
}

static void test_result_names(void **state)
{
	assert_string_equal(lacpdu_result_name(LACPDU_OK), "ok");
	assert_string_equal(lacpdu_result_name(LACPDU_BAD_SYSTEM),
			    "bad system ID");
	assert_string_equal(lacpdu_result_name((enum lacpdu_result)99), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lacpdu_layout),
	    cmocka_unit_test(test_lacpdu_roundtrip),
	    cmocka_unit_test(test_marker_layout_and_roundtrip),
	    cmocka_unit_test(test_parse_truncated),
	    cmocka_unit_test(test_parse_trailing_bytes_ok),
	    cmocka_unit_test(test_parse_not_slow),
	    cmocka_unit_test(test_parse_unknown_subtype),
	    cmocka_unit_test(test_parse_version),
	    cmocka_unit_test(test_parse_bad_tlv),
	    cmocka_unit_test(test_parse_bad_system),
	    cmocka_unit_test(test_result_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
