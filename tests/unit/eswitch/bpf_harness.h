/* What the eswitch's BPF unit tests share: frames built by hand, a run of
 * a program through BPF_PROG_TEST_RUN, and the table of every counter of
 * struct vflag_port_stats (so a test can check that the ones it did not
 * expect to move did not). Each test keeps its own topology fixture. */
#ifndef VFLAG_TESTS_BPF_HARNESS_H
#define VFLAG_TESTS_BPF_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "bpf/vflag_dp.h"

struct frame {
	uint8_t b[1600];
	size_t len;
};

void put16(uint8_t *p, uint16_t v);
/* An Ethernet frame of `len` bytes, zero payload. */
struct frame eth_frame(const uint8_t dst[6], const uint8_t src[6],
		       uint16_t proto, size_t len);

/* Runs prog over the frame as if it arrived on ifidx; returns the
 * program's verdict, or -errno if the kernel refused the run. len_out
 * (NULL: not wanted) gets the frame's length after the program. */
int run_on(int prog_fd, int ifidx, const void *data, size_t len,
	   uint32_t *len_out);

/* Every counter, by name and offset. */
struct stat_field {
	const char *name;
	size_t off;
};
extern const struct stat_field stat_field[];
extern const size_t stat_field_count;
uint64_t stat_get(const struct vflag_port_stats *s, size_t off);

#endif
