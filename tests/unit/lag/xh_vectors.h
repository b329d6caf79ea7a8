/* Transmit hash test vectors, shared by the userspace and the BPF test.
 * Every expected value was computed by hand (the arithmetic is in
 * xh_vectors.c), not by running the code under test. */
#ifndef VFLAG_TEST_XH_VECTORS_H
#define VFLAG_TEST_XH_VECTORS_H

#include <stddef.h>
#include <stdint.h>

#include "lag/xmit_hash.h"

struct xh_vector {
	const char *name;
	const uint8_t *frame;
	size_t len;
	uint32_t
	    expect[VFLAG_HASH_POLICY_COUNT]; /* by enum vflag_hash_policy */
};

extern const struct xh_vector xh_vectors[];
extern const size_t xh_vector_count;

/* Builds the IPv4 TCP frame 10.0.0.1:sport -> 10.0.0.2:80 of vector
 * "ipv4-tcp" (54 bytes) into buf. */
void xh_build_ipv4_tcp(uint8_t buf[54], uint16_t sport);

#endif
