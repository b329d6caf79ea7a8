/* Unit test of bpf/vflag_frame.h in the BPF build: loads frame_test.bpf.c
 * (the verifier must accept the parser) and runs every vector of
 * frame_vectors.c through it with BPF_PROG_TEST_RUN, requiring the
 * result the userspace test requires. Vectors the kernel refuses to run
 * (shorter than an Ethernet header) are covered by the userspace test
 * only. Needs root (CAP_BPF): skipped when bpf() is refused. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/vflag_frame.h"
#include "frame_test.skel.h"
#include "frame_vectors.h"

static struct frame_test_bpf *skel;

static void test_vectors_bpf(void **state)
{
	unsigned ran = 0;

	(void)state;
	for (size_t i = 0; i < frame_vector_count; i++) {
		const struct frame_vector *v = &frame_vectors[i];
		struct {
			uint32_t proto, tci;
		} a = {v->accel_proto, v->accel_tci};
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = v->bytes,
			    .data_size_in = (uint32_t)v->len, .repeat = 1);
		struct vflag_frame f;
		uint32_t key = 0;
		char why[128];

		assert_int_equal(
		    bpf_map_update_elem(bpf_map__fd(skel->maps.accel), &key, &a,
					BPF_ANY),
		    0);
		if (bpf_prog_test_run_opts(
			bpf_program__fd(skel->progs.frame_test), &opts)) {
			assert_int_equal(errno, EINVAL);
			assert_true(v->len < VFLAG_FRAME_ETH_HLEN);
			continue;
		}
		assert_int_equal(bpf_map_lookup_elem(
				     bpf_map__fd(skel->maps.result), &key, &f),
				 0);
		assert_int_equal(opts.retval, f.status);
		if (!frame_vector_check(v, &f, why, sizeof(why)))
			fail_msg("BPF: %s", why);
		ran++;
	}
	assert_true(ran + 1 >=
		    frame_vector_count); /* only "short-13" skipped */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vectors_bpf),
	};
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, NULL);
	int ret;

	if (fd < 0) {
		printf("# bpf() refused (%s): skipping; run as root\n",
		       strerror(errno));
		return 77;
	}
	close(fd);
	skel = frame_test_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "frame_test.bpf.o did not load: %s\n",
			strerror(errno));
		return 1;
	}
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	frame_test_bpf__destroy(skel);
	return ret;
}
