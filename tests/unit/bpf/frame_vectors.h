/* Frame parser test vectors, shared by the userspace and the BPF test of
 * bpf/vflag_frame.h. Expected values are written by hand from the bytes,
 * not produced by the code under test. */
#ifndef VFLAG_TEST_FRAME_VECTORS_H
#define VFLAG_TEST_FRAME_VECTORS_H

#include <stddef.h>
#include <stdint.h>

#include "bpf/vflag_frame.h"

struct frame_vector {
	const char *name;
	uint8_t bytes[64];
	size_t len;
	uint16_t accel_proto; /* the metadata tag, 0: none */
	uint16_t accel_tci;
	/* expected */
	uint16_t status;
	uint16_t flags;
	uint16_t ntags;
	uint16_t tpid[2];
	uint16_t tci[2];
	uint16_t ethertype; /* checked when status is OK */
	uint16_t l3_off;
	uint16_t ctl;
	uint16_t vid;
};

extern const struct frame_vector frame_vectors[];
extern const size_t frame_vector_count;

/* Whether f is what v expects; on a mismatch writes which field into
 * why (at least 64 bytes). */
int frame_vector_check(const struct frame_vector *v,
		       const struct vflag_frame *f, char *why, size_t whylen);

#endif
