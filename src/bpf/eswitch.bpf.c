// SPDX-License-Identifier: GPL-2.0
/* The eswitch: what the NIC's embedded switch does, as tc programs.
 *
 * vflag_ingress runs on the clsact ingress hook of every port:
 *   - uplink (PF): drop what a member that may not collect receives, pass
 *     slow protocols (LACP, marker) up to vflagd, deliver to the VF whose
 *     MAC the frame is for, copy broadcast/multicast to every VF of the
 *     domain, and leave everything else to the host's stack on that uplink.
 *   - VF: deliver to a sibling VF by MAC, copy broadcast/multicast to the
 *     siblings, and send the rest out of the LAG (or the lone PF).
 * vflag_egress runs on egress of every port and only counts, so uplink
 * tx counters see every frame the wire gets, the host's own included.
 *
 * Frames are never modified: GSO/TSO frames and checksum offload pass
 * through as they are. Tables are in the maps of vflag_dp.h. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "bpf/vflag_dp.h"
#include "lag/xmit_hash.h"

#ifndef ETH_P_SLOW
#define ETH_P_SLOW 0x8809
#endif

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VFLAG_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct vflag_port);
} ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct vflag_fdb_key);
	__type(value, struct vflag_fdb_val);
} fdb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VFLAG_MAX_DOMAINS);
	__type(key, __u32);
	__type(value, struct vflag_flood);
} flood SEC(".maps");

struct lag_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vflag_lag);
} lag_template SEC(".maps"); /* a real instance, so BTF carries the whole
				* value type for the inner maps below */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, VFLAG_MAX_LAGS);
	__type(key, __u32);
	__array(values, struct lag_inner);
} lags SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VFLAG_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct vflag_port_stats);
} port_stats SEC(".maps");

static __always_inline struct vflag_port_stats *stats_of(__u32 port_id)
{
	return bpf_map_lookup_elem(&port_stats, &port_id);
}

/* The LAG's current member arrays; vflagd swaps the inner map whole. */
static __always_inline struct vflag_lag *lag_of(__u32 slot)
{
	__u32 zero = 0;
	void *inner = bpf_map_lookup_elem(&lags, &slot);

	return inner ? bpf_map_lookup_elem(inner, &zero) : NULL;
}

/* Copies the frame to every VF of the domain but `except`. Invalidates
 * packet pointers (bpf_clone_redirect may reallocate the head). */
static __always_inline void flood_vfs(struct __sk_buff *skb, __u32 domain,
				      __u32 except, struct vflag_port_stats *st)
{
	struct vflag_flood *fl = bpf_map_lookup_elem(&flood, &domain);
	__u32 n;

	if (!fl)
		return;
	n = fl->count;
	if (n > VFLAG_MAX_FLOOD) {
		st->drop_flood_full += n - VFLAG_MAX_FLOOD;
		n = VFLAG_MAX_FLOOD;
	}
	for (__u32 i = 0; i < VFLAG_MAX_FLOOD; i++) {
		if (i >= n)
			break;
		if (fl->ifindex[i] == except)
			continue;
		if (bpf_clone_redirect(skb, fl->ifindex[i], 0) == 0)
			st->flood_packets++;
	}
}

static __always_inline int mac_equal(const __u8 *a, const __u8 *b)
{
	return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) |
		(a[3] ^ b[3]) | (a[4] ^ b[4]) | (a[5] ^ b[5])) == 0;
}

/* 01:80:c2:00:00:00..0f: IEEE 802.1Q reserved addresses (LACP, STP,
 * LLDP, pause) that a bridge never forwards. */
static __always_inline int mac_is_link_local(const __u8 *mac)
{
	return mac[0] == 0x01 && mac[1] == 0x80 && mac[2] == 0xc2 && mac[3] == 0 &&
	       mac[4] == 0 && (mac[5] & 0xf0) == 0;
}

static __always_inline int fdb_lookup(__u32 domain, const __u8 *mac,
				      struct vflag_fdb_val **val)
{
	struct vflag_fdb_key key = { .domain = domain };

	__builtin_memcpy(key.mac, mac, 6);
	*val = bpf_map_lookup_elem(&fdb, &key);
	return *val ? 0 : -1;
}

static __always_inline int uplink_ingress(struct __sk_buff *skb,
					  const struct vflag_port *port,
					  struct vflag_port_stats *st,
					  const struct ethhdr *eth)
{
	struct vflag_fdb_val *to;

	/* LACP keeps its timing whatever the datapath does: vflagd's packet
	 * socket on this uplink takes it, collecting or not. */
	if (eth->h_proto == bpf_htons(ETH_P_SLOW)) {
		st->slow_proto_packets++;
		return TC_ACT_OK;
	}
	/* Other link-local protocols (LLDP, STP) are the host's, on the PF
	 * they arrived on, as on a NIC: never copied to the VFs. */
	if (mac_is_link_local(eth->h_dest)) {
		st->to_host_packets++;
		return TC_ACT_OK;
	}
	if (port->lag_slot != VFLAG_NO_LAG) {
		struct vflag_lag *lag = lag_of(port->lag_slot);

		if (!lag || port->member_index >= 32 ||
		    !(lag->rx_mask & (1u << port->member_index))) {
			st->drop_not_collecting++;
			return TC_ACT_SHOT;
		}
	}
	if (eth->h_dest[0] & 1) {
		flood_vfs(skb, port->domain, 0, st);
		return TC_ACT_OK; /* the host gets broadcasts too */
	}
	if (fdb_lookup(port->domain, eth->h_dest, &to) == 0)
		return bpf_redirect(to->ifindex, 0);
	st->to_host_packets++;
	return TC_ACT_OK;
}

/* A global (not inlined) function: the verifier checks it once on its
 * own, instead of once per path through its callers, which the header
 * parsing of the hash would multiply past the verifier's budget. */
__attribute__((noinline)) __u32 vflag_skb_hash(struct __sk_buff *skb, __u32 policy)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;

	return vflag_xmit_hash(data, data_end, policy);
}

/* Out of the LAG: the member is usable[hash % count], as Linux bonding
 * picks it, so a flow lands where Linux would put it. */
static __always_inline int lag_xmit(struct __sk_buff *skb, __u32 slot,
				    struct vflag_port_stats *st)
{
	struct vflag_lag *lag = lag_of(slot);
	struct vflag_port_stats *mst;
	__u32 idx = 0;

	if (!lag || lag->tx_count == 0 || lag->tx_count > VFLAG_MAX_LAG_MEMBERS) {
		st->drop_no_member++;
		return TC_ACT_SHOT;
	}
	if (lag->tx_count > 1)
		idx = vflag_skb_hash(skb, lag->hash_policy) % lag->tx_count;
	/* A no-op (tx_count <= VFLAG_MAX_LAG_MEMBERS, a power of two) that
	 * shows the verifier the index is in bounds; the empty asm keeps
	 * clang from proving it redundant and dropping it. */
	asm volatile("" : "+r"(idx));
	idx &= VFLAG_MAX_LAG_MEMBERS - 1;
	mst = stats_of(lag->tx_port_id[idx]);
	if (mst) {
		mst->lag_tx_packets++;
		mst->lag_tx_bytes += skb->len;
	}
	return bpf_redirect(lag->tx_ifindex[idx], 0);
}

static __always_inline int vf_ingress(struct __sk_buff *skb,
				      const struct vflag_port *port,
				      struct vflag_port_stats *st,
				      const struct ethhdr *eth)
{
	struct vflag_fdb_val *to;

	if (mac_is_link_local(eth->h_dest)) {
		st->drop_link_local++;
		return TC_ACT_SHOT;
	}
	if ((port->flags & VFLAG_PORT_F_SPOOFCHK) &&
	    !mac_equal(eth->h_source, port->mac)) {
		st->drop_spoof++;
		return TC_ACT_SHOT;
	}
	if (eth->h_dest[0] & 1) {
		flood_vfs(skb, port->domain, skb->ifindex, st);
	} else if (fdb_lookup(port->domain, eth->h_dest, &to) == 0) {
		if (to->ifindex == skb->ifindex) {
			st->drop_hairpin++;
			return TC_ACT_SHOT;
		}
		return bpf_redirect(to->ifindex, 0);
	}
	if (port->lag_slot != VFLAG_NO_LAG)
		return lag_xmit(skb, port->lag_slot, st);
	if (!port->uplink_ifindex) {
		st->drop_no_member++;
		return TC_ACT_SHOT;
	}
	return bpf_redirect(port->uplink_ifindex, 0);
}

SEC("tc")
int vflag_ingress(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex;
	struct vflag_port *port = bpf_map_lookup_elem(&ports, &ifindex);
	struct vflag_port_stats *st;
	struct ethhdr *eth;

	if (!port)
		return TC_ACT_OK; /* not ours (yet): leave it alone */
	st = stats_of(port->id);
	if (!st)
		return TC_ACT_OK;
	/* What came in here: for an uplink the wire's rx, for a VF what the
	 * VF sent (its counters are from its own side). */
	if (port->kind == VFLAG_PORT_UPLINK) {
		st->rx_packets++;
		st->rx_bytes += skb->len;
	} else {
		st->tx_packets++;
		st->tx_bytes += skb->len;
	}
	eth = (void *)(long)skb->data;
	if ((void *)(eth + 1) > (void *)(long)skb->data_end) {
		st->drop_malformed++;
		return TC_ACT_SHOT;
	}
	if (port->kind == VFLAG_PORT_UPLINK)
		return uplink_ingress(skb, port, st, eth);
	return vf_ingress(skb, port, st, eth);
}

SEC("tc")
int vflag_egress(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex;
	struct vflag_port *port = bpf_map_lookup_elem(&ports, &ifindex);
	struct vflag_port_stats *st;

	if (!port)
		return TC_ACT_OK;
	st = stats_of(port->id);
	if (!st)
		return TC_ACT_OK;
	/* A VF's counters are from the VF's side: what leaves the eswitch
	 * towards it is what it receives. */
	if (port->kind == VFLAG_PORT_UPLINK) {
		st->tx_packets++;
		st->tx_bytes += skb->len;
	} else {
		st->rx_packets++;
		st->rx_bytes += skb->len;
	}
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
