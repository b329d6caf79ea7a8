/* Unit test of lag/xmit_hash.h in the BPF build: loads hash_test.bpf.c
 * (the verifier must accept the hash) and runs it with
 * bpf_prog_test_run_opts() on every vector under every policy, requiring
 * BPF result == userspace result == the hand-computed value. Then runs
 * both builds on mutated copies of the vectors and requires them equal.
 * Needs root (CAP_BPF, CAP_NET_ADMIN): skipped when bpf() is refused. */
#include <errno.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "hash_test.skel.h"
#include "lag/xmit_hash.h"
#include "xh_vectors.h"

static struct hash_test_bpf *skel;
static bool bpf_refused; /* bpf() not permitted: every test skips */

static int setup(void **state)
{
	int fd;

	(void)state;
	/* Probe: may this process use bpf() at all? */
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, NULL);
	if (fd < 0) {
		if (errno == EPERM || errno == EACCES || errno == ENOSYS) {
			printf("# bpf() refused (%s): skipping; run as root\n",
			       strerror(errno));
			bpf_refused = true;
			return 0;
		}
	} else {
		close(fd);
	}
	skel = hash_test_bpf__open_and_load();
	if (!skel) {
		/* libbpf printed the verifier's log */
		print_error("hash_test.bpf.o did not load: %s\n",
			    strerror(errno));
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	hash_test_bpf__destroy(skel);
	return 0;
}

/* Sets *hash to the BPF program's hash of frame under policy. Returns
 * false when BPF_PROG_TEST_RUN refuses the frame: it wants an Ethernet
 * header, and (Linux 6.x) a whole IPv4/IPv6 header after an IP
 * ethertype; such frames are covered by the userspace test only. */
static bool bpf_hash(const uint8_t *frame, size_t len, uint32_t policy,
		     uint32_t *hash)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame,
		    .data_size_in = (uint32_t)len, .repeat = 1);
	uint32_t key = 0;
	int err;

	assert_int_equal(bpf_map_update_elem(bpf_map__fd(skel->maps.policy_map),
					     &key, &policy, BPF_ANY),
			 0);
	err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.hash_test),
				     &opts);
	if (err == -EINVAL)
		return false;
	assert_int_equal(err, 0);
	*hash = opts.retval;
	return true;
}

static void test_vectors(void **state)
{
	int bad = 0, ran = 0;

	(void)state;
	if (!skel)
		skip();
	for (size_t i = 0; i < xh_vector_count; i++) {
		const struct xh_vector *v = &xh_vectors[i];

		for (uint32_t p = 0; p < VFLAG_HASH_POLICY_COUNT; p++) {
			uint32_t u =
			    vflag_xmit_hash(v->frame, v->frame + v->len, p);
			uint32_t b;

			if (!bpf_hash(v->frame, v->len, p, &b)) {
				if (p == 0)
					printf("# %s: refused by "
					       "BPF_PROG_TEST_RUN, userspace "
					       "only\n",
					       v->name);
				continue;
			}
			ran++;
			if (b != v->expect[p] || u != v->expect[p]) {
				print_error("%s %s: bpf 0x%08x, userspace "
					    "0x%08x, expected 0x%08x\n",
					    v->name, vflag_hash_policy_name(p),
					    b, u, v->expect[p]);
				bad++;
			}
		}
	}
	assert_int_equal(bad, 0);
	/* all but the two runt/short-IP vectors ran */
	assert_true(ran >=
		    (int)(xh_vector_count - 2) * VFLAG_HASH_POLICY_COUNT);
}

/* xorshift32: reproducible mutations without libc's rand(). */
static uint32_t next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Both builds on 500 mutations of every vector (1 to 4 bytes changed,
 * sometimes cut short), under every policy: they must agree. */
static void test_mutations_agree(void **state)
{
	uint32_t seed = 0x5eed1234;
	uint8_t frame[256];
	int bad = 0, ran = 0;

	(void)state;
	if (!skel)
		skip();
	for (size_t i = 0; i < xh_vector_count; i++) {
		const struct xh_vector *v = &xh_vectors[i];

		if (v->len < 14)
			continue;
		for (int m = 0; m < 500; m++) {
			size_t len = v->len;
			int flips = 1 + (int)(next_rand(&seed) % 4);

			memcpy(frame, v->frame, len);
			for (int f = 0; f < flips; f++)
				frame[12 + next_rand(&seed) % (len - 12)] =
				    (uint8_t)next_rand(&seed);
			if (next_rand(&seed) % 4 == 0)
				len = 14 + next_rand(&seed) % (len - 13);
			for (uint32_t p = 0; p < VFLAG_HASH_POLICY_COUNT; p++) {
				uint32_t u =
				    vflag_xmit_hash(frame, frame + len, p);
				uint32_t b;

				if (!bpf_hash(frame, len, p, &b))
					continue;
				ran++;
				if (b != u && bad++ < 10)
					print_error("%s mutation %d %s: bpf "
						    "0x%08x, userspace "
						    "0x%08x\n",
						    v->name, m,
						    vflag_hash_policy_name(p),
						    b, u);
			}
		}
	}
	printf("# %d mutated frames x policies compared\n", ran);
	assert_int_equal(bad, 0);
	assert_true(ran > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vectors),
	    cmocka_unit_test(test_mutations_agree),
	};

	int failed = cmocka_run_group_tests(tests, setup, teardown);

	/* 77: meson's "skipped" */
	return bpf_refused && !failed ? 77 : failed;
}
