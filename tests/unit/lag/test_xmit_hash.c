/* Unit tests of lag/xmit_hash.h in userspace: the hand-computed vectors,
 * every prefix of every vector in an exact-size heap buffer (so ASan
 * catches a read past data_end), the split of consecutive source ports
 * over two members, and the policy names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lag/xmit_hash.h"
#include "xh_vectors.h"

/* The hash of len bytes of frame, read from a heap copy of exactly len
 * bytes. */
static uint32_t hash_exact(const uint8_t *frame, size_t len, uint32_t policy)
{
	uint8_t *buf = malloc(len ? len : 1);
	uint32_t h;

	assert_non_null(buf);
	memcpy(buf, frame, len);
	h = vflag_xmit_hash(buf, buf + len, policy);
	free(buf);
	return h;
}

static void test_vectors(void **state)
{
	int bad = 0;

	(void)state;
	for (size_t i = 0; i < xh_vector_count; i++) {
		const struct xh_vector *v = &xh_vectors[i];

		for (uint32_t p = 0; p < VFLAG_HASH_POLICY_COUNT; p++) {
			uint32_t h = hash_exact(v->frame, v->len, p);

			if (h != v->expect[p]) {
				print_error("%s %s: got 0x%08x, expected "
					    "0x%08x\n",
					    v->name, vflag_hash_policy_name(p),
					    h, v->expect[p]);
				bad++;
			}
		}
	}
	assert_int_equal(bad, 0);
}

/* Every prefix of every vector: nothing read past the end (ASan), and
 * a runt hashes to 0. */
static void test_every_prefix(void **state)
{
	(void)state;
	for (size_t i = 0; i < xh_vector_count; i++) {
		const struct xh_vector *v = &xh_vectors[i];

		for (size_t len = 0; len <= v->len; len++)
			for (uint32_t p = 0; p < VFLAG_HASH_POLICY_COUNT; p++) {
				uint32_t h = hash_exact(v->frame, len, p);

				if (len < 14)
					assert_int_equal(h, 0);
			}
	}
}

/* An unknown policy value hashes as layer2. */
static void test_unknown_policy(void **state)
{
	(void)state;
	for (size_t i = 0; i < xh_vector_count; i++) {
		const struct xh_vector *v = &xh_vectors[i];

		assert_int_equal(hash_exact(v->frame, v->len, 5),
				 v->expect[VFLAG_HASH_LAYER2]);
		assert_int_equal(hash_exact(v->frame, v->len, 0xffffffffu),
				 v->expect[VFLAG_HASH_LAYER2]);
	}
}

/* Ten flows 10.0.0.1:1000..1009 -> 10.0.0.2:80 over two members under
 * layer3+4, as Linux places them. With ports 03 LL 00 50 (LL = 0xe8 ..
 * 0xf1) the word is 0x5000LL03; xor the addresses (0x03000000) gives
 * 0x5300LL03; ^ (>>16 = 0x5300) gives 0x5300(LL^53)03; ^ (>>8) gives
 * 0x5353(LL^53)(LL^50). The hash is that >> 1, so its bit 0 (the member,
 * hash % 2) is bit 1 of LL ^ 0x50:
 *   LL     e8 e9 ea eb ec ed ee ef f0 f1
 *   ^0x50  b8 b9 ba bb bc bd be bf a0 a1
 *   bit 1   0  0  1  1  0  0  1  1  0  0
 * Dropping bit 0 (Linux 5.18+) keeps even/odd port pairs together. */
static void test_consecutive_ports_split(void **state)
{
	static const unsigned expect[10] = {0, 0, 1, 1, 0, 0, 1, 1, 0, 0};
	uint8_t frame[54];

	(void)state;
	for (unsigned i = 0; i < 10; i++) {
		xh_build_ipv4_tcp(frame, (uint16_t)(1000 + i));
		assert_int_equal(
		    hash_exact(frame, sizeof(frame), VFLAG_HASH_LAYER34) % 2,
		    expect[i]);
		/* the whole hash of port 1000 is vector ipv4-tcp's */
		if (i == 0)
			assert_int_equal(hash_exact(frame, sizeof(frame),
						    VFLAG_HASH_LAYER34),
					 0x29a9dddc);
	}
}

static void test_policy_names(void **state)
{
	static const char *names[] = {"layer2", "layer3+4", "layer2+3",
				      "encap2+3", "encap3+4"};
	uint32_t p;

	(void)state;
	for (uint32_t i = 0; i < VFLAG_HASH_POLICY_COUNT; i++) {
		char num[2] = {(char)('0' + i), 0};

		assert_string_equal(vflag_hash_policy_name(i), names[i]);
		assert_int_equal(vflag_hash_policy_parse(names[i], &p), 0);
		assert_int_equal(p, i);
		assert_int_equal(vflag_hash_policy_parse(num, &p), 0);
		assert_int_equal(p, i);
	}
	assert_int_equal(VFLAG_HASH_LAYER2, 0);
	assert_int_equal(VFLAG_HASH_LAYER34, 1);
	assert_int_equal(VFLAG_HASH_LAYER23, 2);
	assert_int_equal(VFLAG_HASH_ENCAP23, 3);
	assert_int_equal(VFLAG_HASH_ENCAP34, 4);
	assert_null(vflag_hash_policy_name(5));
	assert_int_equal(vflag_hash_policy_parse("layer3", &p), -EINVAL);
	assert_int_equal(vflag_hash_policy_parse("5", &p), -EINVAL);
	assert_int_equal(vflag_hash_policy_parse("", &p), -EINVAL);
	assert_int_equal(vflag_hash_policy_parse("vlan+srcmac", &p), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vectors),
	    cmocka_unit_test(test_every_prefix),
	    cmocka_unit_test(test_unknown_policy),
	    cmocka_unit_test(test_consecutive_ports_split),
	    cmocka_unit_test(test_policy_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
