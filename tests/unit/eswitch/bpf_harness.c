/* See bpf_harness.h. */
#include "bpf_harness.h"

#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

struct frame eth_frame(const uint8_t dst[6], const uint8_t src[6],
		       uint16_t proto, size_t len)
{
	struct frame f = {.len = len};

	memcpy(f.b, dst, 6);
	memcpy(f.b + 6, src, 6);
	put16(f.b + 12, proto);
	return f;
}

int run_on(int prog_fd, int ifidx, const void *data, size_t len,
	   uint32_t *len_out)
{
	static uint8_t out[2048];
	struct __sk_buff ctx = {.ifindex = (uint32_t)ifidx};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data,
		    .data_size_in = (uint32_t)len, .data_out = out,
		    .data_size_out = sizeof(out), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);
	int ret = bpf_prog_test_run_opts(prog_fd, &opts);

	if (ret < 0)
		return -errno;
	if (len_out)
		*len_out = opts.data_size_out;
	return (int)opts.retval;
}

/* clang-format off */
#define FIELD(name) {#name, offsetof(struct vflag_port_stats, name)}
const struct stat_field stat_field[] = {
	FIELD(rx_packets),	    FIELD(rx_bytes),	       FIELD(tx_packets),
	FIELD(tx_bytes),	    FIELD(lag_tx_packets),     FIELD(lag_tx_bytes),
	FIELD(to_host_packets),	    FIELD(slow_proto_packets), FIELD(flood_packets),
	FIELD(drop_not_collecting), FIELD(drop_no_member),     FIELD(drop_malformed),
	FIELD(drop_spoof),	    FIELD(drop_hairpin),       FIELD(drop_flood_full),
	FIELD(drop_link_local),     FIELD(drop_slow_proto),    FIELD(drop_mac_control),
	FIELD(drop_bad_src),        FIELD(drop_vlan),          FIELD(drop_runt),
	FIELD(drop_oversize),       FIELD(drop_rate),          FIELD(drop_storm),
	FIELD(runt_padded),         FIELD(vlan_pushed),        FIELD(vlan_popped),
	FIELD(slow_packets),        FIELD(slow_bytes),         FIELD(offload_packets),
	FIELD(offload_bytes),       FIELD(offload_rx_packets), FIELD(offload_rx_bytes),
	FIELD(flow_drop),           FIELD(flow_act_fail),
};
/* clang-format on */
const size_t stat_field_count = sizeof(stat_field) / sizeof(stat_field[0]);
_Static_assert(sizeof(stat_field) / sizeof(stat_field[0]) ==
		   sizeof(struct vflag_port_stats) / sizeof(uint64_t),
	       "every counter is in the table");

uint64_t stat_get(const struct vflag_port_stats *s, size_t off)
{
	uint64_t v;

	memcpy(&v, (const char *)s + off, sizeof(v));
	return v;
}
