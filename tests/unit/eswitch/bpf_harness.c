/* See bpf_harness.h. */
#include "bpf_harness.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <cmocka.h>
#include <linux/bpf.h>

#include "dp/dp.h"
#include "eswitch/eswitch.h"
#include "nl/nl.h"

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

void stats_read_all(struct dp *dp, const struct stat_ports *ports,
		    struct vflag_port_stats *out)
{
	for (int p = 0; p < ports->n; p++)
		assert_int_equal(dp_stats_read(dp, ports->id[p], &out[p]), 0);
}

void stats_expect(struct dp *dp, const struct stat_ports *ports,
		  const struct vflag_port_stats *before, const struct delta *d,
		  size_t n, int line)
{
	struct vflag_port_stats now[VFLAG_MAX_PORTS];
	int bad = 0;

	assert_true(ports->n <= VFLAG_MAX_PORTS);
	stats_read_all(dp, ports, now);
	for (int p = 0; p < ports->n; p++) {
		for (size_t f = 0; f < stat_field_count; f++) {
			uint64_t want = 0, got;

			for (size_t i = 0; i < n; i++)
				if (d[i].port == p &&
				    d[i].off == stat_field[f].off)
					want += d[i].by;
			got = stat_get(&now[p], stat_field[f].off) -
			      stat_get(&before[p], stat_field[f].off);
			if (got != want) {
				print_error("line %d: %s %s moved by %llu, "
					    "expected %llu\n",
					    line, ports->name[p],
					    stat_field[f].name,
					    (unsigned long long)got,
					    (unsigned long long)want);
				bad = 1;
			}
		}
	}
	if (bad)
		fail_msg("counters (line %d)", line);
}

int lag_topo_build(const char *const name[LAG_TOPO_NPORTS],
		   const char *const wire[LAG_TOPO_NPORTS],
		   const uint8_t vf_mac[6], int ifindex[LAG_TOPO_NPORTS],
		   const char *who)
{
	struct nl *nl = nl_open();
	int ret = -1;

	if (!nl)
		return -1;
	for (int p = 0; p < LAG_TOPO_NPORTS; p++) {
		struct nl_link_info info;

		ifindex[p] = nl_veth_create(nl, name[p], wire[p],
					    p == LAG_TOPO_VF0 ? vf_mac : NULL);
		if (ifindex[p] < 0 || nl_link_get(nl, wire[p], 0, &info) < 0 ||
		    nl_link_set_up(nl, ifindex[p], true) ||
		    nl_link_set_up(nl, info.ifindex, true)) {
			fprintf(stderr, "%s: veth %s\n", who, name[p]);
			goto close_nl;
		}
	}
	ret = 0;
close_nl:
	nl_close(nl);
	return ret;
}

int lag_topo_attach(struct dp *dp, const int ifindex[LAG_TOPO_NPORTS],
		    const uint32_t port_id[LAG_TOPO_NPORTS], uint32_t lag_slot,
		    const uint8_t vf_mac[6])
{
	uint32_t domain = ESWITCH_DOMAIN_LAG_BASE + lag_slot;
	struct vflag_flood fl = {.count = 1};
	struct vflag_port vf = {
	    .id = port_id[LAG_TOPO_VF0],
	    .kind = VFLAG_PORT_VF,
	    .domain = domain,
	    .lag_slot = lag_slot,
	    .uplink_ifindex = (uint32_t)ifindex[LAG_TOPO_UP0],
	};

	for (int p = LAG_TOPO_UP0; p <= LAG_TOPO_UP1; p++) {
		struct vflag_port e = {
		    .id = port_id[p],
		    .kind = VFLAG_PORT_UPLINK,
		    .domain = domain,
		    .lag_slot = lag_slot,
		    .member_index = (uint32_t)(p - LAG_TOPO_UP0),
		};

		if (dp_port_attach(dp, ifindex[p], &e))
			return -1;
	}
	memcpy(vf.mac, vf_mac, 6);
	fl.ifindex[0] = (uint32_t)ifindex[LAG_TOPO_VF0];
	fl.port_id[0] = port_id[LAG_TOPO_VF0];
	if (dp_port_attach(dp, ifindex[LAG_TOPO_VF0], &vf) ||
	    dp_fdb_set(dp, domain, 0, vf_mac, ifindex[LAG_TOPO_VF0],
		       port_id[LAG_TOPO_VF0]) ||
	    dp_flood_set(dp, domain, &fl))
		return -1;
	return 0;
}
