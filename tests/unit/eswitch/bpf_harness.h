/* What the eswitch's BPF unit tests share: frames built by hand, a run of
 * a program through BPF_PROG_TEST_RUN, the table of every counter of
 * struct vflag_port_stats and the check that exactly the expected ones
 * moved, and the two-uplink, one-VF LAG the datapath tests start from.
 * Tests with another topology keep their own fixture. */
#ifndef VFLAG_TESTS_BPF_HARNESS_H
#define VFLAG_TESTS_BPF_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "bpf/vflag_dp.h"

struct dp;

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

/* --- counters of a test's ports --- */

/* The ports a test checks counters of: their ids and names (n of them). */
struct stat_ports {
	const uint32_t *id;
	const char *const *name;
	int n;
};

/* One expected change: port's counter `field` went up by `by`. */
struct delta {
	int port;
	size_t off;
	uint64_t by;
};
#define D(port, field, by)                                                     \
	{                                                                      \
		port, offsetof(struct vflag_port_stats, field), by             \
	}

/* Reads every port's counters into out[0..ports->n). */
void stats_read_all(struct dp *dp, const struct stat_ports *ports,
		    struct vflag_port_stats *out);
/* Fails the test unless, since before, every counter of every port
 * moved by what d lists (a counter listed twice: summed) and no other
 * moved; line is the caller's, for the message. */
void stats_expect(struct dp *dp, const struct stat_ports *ports,
		  const struct vflag_port_stats *before, const struct delta *d,
		  size_t n, int line);

/* --- the smallest VF-LAG: two uplinks and a VF --- */

/* Port indexes of lag_topo_build() and lag_topo_attach(). */
enum { LAG_TOPO_UP0, LAG_TOPO_UP1, LAG_TOPO_VF0, LAG_TOPO_NPORTS };

/* Makes a veth per port (name[p], its peer wire[p]; the VF's peer gets
 * vf_mac), both ends up, in the caller's namespace (a private one);
 * fills ifindex. who names the test in the error message. 0 or -1. */
int lag_topo_build(const char *const name[LAG_TOPO_NPORTS],
		   const char *const wire[LAG_TOPO_NPORTS],
		   const uint8_t vf_mac[6], int ifindex[LAG_TOPO_NPORTS],
		   const char *who);
/* Hooks them: the uplinks as members 0 and 1 of lag_slot, the VF in the
 * LAG's domain with its MAC in the fdb and the flood list. 0 or -1. */
int lag_topo_attach(struct dp *dp, const int ifindex[LAG_TOPO_NPORTS],
		    const uint32_t port_id[LAG_TOPO_NPORTS], uint32_t lag_slot,
		    const uint8_t vf_mac[6]);

#endif
