/* Unit test of bpf/vflag_frame.h in the userspace build: every vector of
 * frame_vectors.c parsed from an exact-size heap copy (so a read past
 * the end is a sanitizer report when the build has them), then every
 * prefix of every vector, which must parse without crossing its end and
 * with the invariants the datapath relies on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bpf/vflag_frame.h"
#include "frame_vectors.h"

static void parse_copy(const uint8_t *bytes, size_t len, uint16_t accel_proto,
		       uint16_t accel_tci, struct vflag_frame *f)
{
	uint8_t *copy = malloc(len ? len : 1);

	int ret;

	assert_non_null(copy);
	memcpy(copy, bytes, len);
	ret = vflag_frame_parse(copy, copy + len, accel_proto, accel_tci, f);
	assert_int_equal(ret, f->status);
	free(copy);
}

static void test_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < frame_vector_count; i++) {
		const struct frame_vector *v = &frame_vectors[i];
		struct vflag_frame f;
		char why[128];

		parse_copy(v->bytes, v->len, v->accel_proto, v->accel_tci, &f);
		if (!frame_vector_check(v, &f, why, sizeof(why)))
			fail_msg("%s", why);
	}
}

/* Every prefix: the status is one of the four, the tags never more than
 * two, and an OK frame's payload offset is inside it. */
static void test_prefixes(void **state)
{
	(void)state;
	for (size_t i = 0; i < frame_vector_count; i++) {
		const struct frame_vector *v = &frame_vectors[i];

		for (size_t len = 0; len <= v->len; len++) {
			struct vflag_frame f;

			parse_copy(v->bytes, len, v->accel_proto, v->accel_tci,
				   &f);
			assert_true(f.status <= VFLAG_FRAME_TOO_MANY_TAGS);
			assert_true(f.ntags <= VFLAG_FRAME_MAX_TAGS);
			if (len < VFLAG_FRAME_ETH_HLEN)
				assert_int_equal(f.status, VFLAG_FRAME_SHORT);
			if (f.status == VFLAG_FRAME_OK)
				assert_true(f.l3_off <= len);
		}
	}
}

/* data_end before data (a caller's bug) is a short frame, not a read. */
static void test_inverted_bounds(void **state)
{
	uint8_t b[64] = {0};
	struct vflag_frame f;

	(void)state;
	assert_int_equal(vflag_frame_parse(b + 32, b, 0, 0, &f),
			 VFLAG_FRAME_SHORT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vectors),
	    cmocka_unit_test(test_prefixes),
	    cmocka_unit_test(test_inverted_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
