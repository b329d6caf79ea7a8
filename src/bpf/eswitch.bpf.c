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
 * vflag_egress runs on egress of every port and counts, so uplink tx
 * counters see every frame the wire gets, the host's own included; on a
 * VF with a VLAN (VST) it also takes the VLAN's tag off, and drops frames
 * of any other VLAN.
 *
 * A VF is a tenant: what it sends passes the isolation rules listed in
 * vflag_dp.h (control protocols, source MACs, VLAN policy, storm and rate
 * limits, minimum and maximum size) before it is switched. Frames are
 * modified only to pad a VF's runts to 60 bytes and to push or pop a VST
 * tag (bpf_skb_vlan_push/pop, which put the tag in skb metadata as
 * hardware acceleration would); GSO/TSO frames and checksum offload pass
 * through otherwise as they are. Tables are in the maps of vflag_dp.h. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "bpf/vflag_dp.h"
#include "bpf/vflag_frame.h"
#include "lag/xmit_hash.h"

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

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE); /* vflagd writes it in place */
	__uint(max_entries, VFLAG_MAX_LAGS);
	__type(key, __u32);
	__type(value, struct vflag_lag_slot);
} lags SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VFLAG_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct vflag_port_stats);
} port_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VFLAG_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct vflag_police);
} police SEC(".maps");

static __always_inline struct vflag_port_stats *stats_of(__u32 port_id)
{
	return bpf_map_lookup_elem(&port_stats, &port_id);
}

/* The LAG of slot (vflag_dp.h): the live copy is copy[seq & 1]. A reader
 * takes what it needs of that copy (no more: the stack is shared with
 * the flow key) and reads seq again; a seq that moved means vflagd may
 * be rewriting the copy: once more, then no LAG. seq 0: never
 * published. */
static __always_inline __u32 lag_seq(const struct vflag_lag_slot *s)
{
	__u32 seq = *(volatile const __u32 *)&s->seq;

	asm volatile("" ::: "memory");
	return seq;
}

static __always_inline int lag_seq_same(const struct vflag_lag_slot *s,
					__u32 seq)
{
	asm volatile("" ::: "memory");
	return *(volatile const __u32 *)&s->seq == seq;
}

/* Whether member_index of LAG slot may collect. */
static __always_inline int lag_collects(__u32 slot, __u32 member_index)
{
	struct vflag_lag_slot *s = bpf_map_lookup_elem(&lags, &slot);

	if (!s || member_index >= 32)
		return 0;
	for (int try = 0; try < 2; try++) {
		__u32 seq = lag_seq(s), mask;

		if (!seq)
			return 0;
		mask = s->copy[seq & 1].rx_mask;
		if (lag_seq_same(s, seq))
			return (mask >> member_index) & 1;
	}
	return 0;
}

/* A global (not inlined) function, verified once on its own: parses the
 * frame, with the tag the kernel may hold in skb metadata as the outer
 * one (see vflag_frame.h). Callers keep only *f, no packet pointer. */
__attribute__((noinline)) int vflag_skb_parse(struct __sk_buff *skb,
					      struct vflag_frame *f)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	__u32 proto = 0, tci = 0;

	if (!f)
		return VFLAG_FRAME_SHORT;
	if (skb->vlan_present) {
		proto = bpf_ntohs((__u16)skb->vlan_proto);
		tci = skb->vlan_tci;
	}
	return vflag_frame_parse(data, data_end, proto, tci, f);
}

struct flood_ctx {
	struct __sk_buff *skb;
	struct vflag_flood *fl;
	struct vflag_port_stats *st;
	__u32 n;
	__u32 except; /* ifindex the frame came in on */
	__u32 vlan;   /* the frame's VLAN: only VFs with that vlan_id */
};

/* One copy of a flood (a bpf_loop callback, verified once whatever the
 * list's length). O(1): one ports lookup, one clone. */
static long flood_one(__u32 i, void *data)
{
	struct flood_ctx *c = data;
	struct vflag_port *to;
	__u32 ifindex;

	if (i >= c->n || i >= VFLAG_MAX_FLOOD)
		return 1;
	/* A no-op mask (VFLAG_MAX_FLOOD is a power of two) on a copy the
	 * compiler cannot see through: clang otherwise indexes with the
	 * unchecked register and the verifier refuses the access. */
	asm volatile("" : "+r"(i));
	i &= VFLAG_MAX_FLOOD - 1;
	ifindex = c->fl->ifindex[i];
	if (ifindex == c->except)
		return 0;
	/* A listed VF without a port entry yet is untagged, as before VLANs. */
	to = bpf_map_lookup_elem(&ports, &ifindex);
	if ((to ? to->vlan_id : 0) != c->vlan)
		return 0;
	if (bpf_clone_redirect(c->skb, ifindex, 0) == 0)
		c->st->flood_packets++;
	return 0;
}

/* Copies the frame to every VF of the domain in `vlan` but `except`.
 * Invalidates packet pointers (bpf_clone_redirect may reallocate the
 * head). O(n) in the domain's VFs, n <= VFLAG_MAX_FLOOD. */
static __always_inline void flood_vfs(struct __sk_buff *skb, __u32 domain,
				      __u32 vlan, __u32 except,
				      struct vflag_port_stats *st)
{
	struct vflag_flood *fl = bpf_map_lookup_elem(&flood, &domain);
	struct flood_ctx c = {
	    .skb = skb, .st = st, .except = except, .vlan = vlan};

	if (!fl)
		return;
	c.fl = fl;
	c.n = fl->count;
	/* Only a count written past the array (not by dp_flood_set). */
	if (c.n > VFLAG_MAX_FLOOD) {
		st->drop_flood_full += c.n - VFLAG_MAX_FLOOD;
		c.n = VFLAG_MAX_FLOOD;
	}
	bpf_loop(c.n, flood_one, &c, 0);
}

static __always_inline int mac_equal(const __u8 *a, const __u8 *b)
{
	return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) |
		(a[4] ^ b[4]) | (a[5] ^ b[5])) == 0;
}

static __always_inline int fdb_lookup(__u32 domain, __u32 vlan, const __u8 *mac,
				      struct vflag_fdb_val **val)
{
	struct vflag_fdb_key key = {.domain = domain, .vlan = (__u16)vlan};

	struct vflag_port *to;

	__builtin_memcpy(key.mac, mac, 6);
	*val = bpf_map_lookup_elem(&fdb, &key);
	if (!*val)
		return -1;
	/* The key has the VLAN, but a VST VF must never be handed a frame
	 * of another VLAN even if vflagd left its MAC under a wrong one
	 * (untagged frames would pass its egress check): a miss then. One
	 * more lookup per unicast delivered. */
	to = bpf_map_lookup_elem(&ports, &(*val)->ifindex);
	if (to && to->vlan_id && to->vlan_id != vlan) {
		*val = NULL;
		return -1;
	}
	return 0;
}

#include "bpf/eswitch_flow.h"

/* switchdev: a miss goes to the port's representor (vflag_dp.h). */
static __always_inline int to_representor(struct __sk_buff *skb,
					  const struct vflag_port *port,
					  struct vflag_port_stats *st)
{
	st->slow_packets++;
	st->slow_bytes += skb->len;
	if (port->kind == VFLAG_PORT_UPLINK && port->rep_ifindex)
		return bpf_redirect(port->rep_ifindex, 0);
	return TC_ACT_OK;
}

/* switchdev: the flow table when offload is on, else the representor. */
static __always_inline int switchdev_ingress(struct __sk_buff *skb,
					     const struct vflag_port *port,
					     struct vflag_port_stats *st,
					     const struct vflag_frame *f)
{
	if (port->flags & VFLAG_PORT_F_OFFLOAD) {
		int ret = vflag_flow_offload(skb, f, port->flow_port, st);

		if (ret >= 0)
			return ret;
	}
	return to_representor(skb, port, st);
}

static __always_inline int uplink_ingress(struct __sk_buff *skb,
					  const struct vflag_port *port,
					  struct vflag_port_stats *st,
					  const struct vflag_frame *f)
{
	struct vflag_fdb_val *to;
	__u32 vlan;

	/* LACP keeps its timing whatever the datapath does: vflagd's packet
	 * socket on this uplink takes it, collecting or not. Bond traffic on
	 * the uplinks is untagged. */
	if (f->status == VFLAG_FRAME_OK && f->ntags == 0 &&
	    f->ethertype == VFLAG_ETH_P_SLOW) {
		st->slow_proto_packets++;
		return TC_ACT_OK;
	}
	/* Other link-local protocols (LLDP, STP), control protocols behind
	 * tags, and tag stacks a VF could not be given are the host's, on
	 * the PF they arrived on, as on a NIC: never copied to the VFs. */
	if (f->status != VFLAG_FRAME_OK ||
	    (f->flags & VFLAG_FRAME_F_DST_LINK_LOCAL) ||
	    f->ctl == VFLAG_CTL_SLOW || f->ctl == VFLAG_CTL_MAC_CONTROL) {
		st->to_host_packets++;
		return TC_ACT_OK;
	}
	if (port->lag_slot != VFLAG_NO_LAG &&
	    !lag_collects(port->lag_slot, port->member_index)) {
		st->drop_not_collecting++;
		return TC_ACT_SHOT;
	}
	if (port->flags & VFLAG_PORT_F_SWITCHDEV)
		return switchdev_ingress(skb, port, st, f);
	vlan = vflag_frame_vid(f);
	if (f->flags & VFLAG_FRAME_F_DST_GROUP) {
		flood_vfs(skb, port->domain, vlan, 0, st);
		return TC_ACT_OK; /* the host gets broadcasts too */
	}
	if (fdb_lookup(port->domain, vlan, f->dst, &to) == 0)
		return bpf_redirect(to->ifindex, 0);
	st->to_host_packets++;
	return TC_ACT_OK;
}

/* A global (not inlined) function: the verifier checks it once on its
 * own, instead of once per path through its callers, which the header
 * parsing of the hash would multiply past the verifier's budget. */
__attribute__((noinline)) __u32 vflag_skb_hash(struct __sk_buff *skb,
					       __u32 policy)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;

	return vflag_xmit_hash(data, data_end, policy);
}

/* Takes `cost` from a bucket that fills by `rate` per ns up to `cap`.
 * Called under the bucket's lock. Returns 0 when the frame fits. */
static __always_inline int bucket_take(__u64 *last, __u64 *tokens, __u64 now,
				       __u64 rate, __u64 cap, __u64 cost)
{
	__u64 t = *tokens;

	if (!*last) {
		t = cap;
	} else if (now > *last) {
		__u64 el = now - *last;

		/* A second refills any bucket: the cap keeps el * rate in
		 * 64 bits (1e9 * 2^32 < 2^63). */
		if (el > 1000000000ull)
			el = 1000000000ull;
		t += el * rate;
	}
	if (t > cap)
		t = cap;
	*last = now;
	if (t < cost) {
		*tokens = t;
		return -1;
	}
	*tokens = t - cost;
	return 0;
}

/* The VF's storm limit (group frames only) and rate policer. Returns 0 to
 * pass, or TC_ACT_SHOT with the counter moved. */
static __always_inline int police_vf(struct __sk_buff *skb,
				     const struct vflag_port *port,
				     struct vflag_port_stats *st, int group)
{
	__u32 id = port->id, pps = port->storm_pps, mbps = port->max_tx_rate;
	struct vflag_police *pl;
	__u64 now, cap, burst;
	int over = 0;

	if (!(group && pps) && !mbps)
		return 0;
	pl = bpf_map_lookup_elem(&police, &id);
	if (!pl)
		return 0;
	now = bpf_ktime_get_ns();
	if (group && pps) {
		burst = port->storm_burst ? port->storm_burst : pps;
		bpf_spin_lock(&pl->lock);
		over = bucket_take(&pl->storm_last_ns, &pl->storm_tokens, now,
				   pps, burst * 1000000000ull, 1000000000ull);
		bpf_spin_unlock(&pl->lock);
		if (over) {
			st->drop_storm++;
			return TC_ACT_SHOT;
		}
	}
	if (mbps) {
		burst = (__u64)mbps * VFLAG_RATE_BURST_NS / 8000;
		if (burst < VFLAG_RATE_MIN_BURST_BYTES)
			burst = VFLAG_RATE_MIN_BURST_BYTES;
		cap = burst * 8000;
		bpf_spin_lock(&pl->lock);
		over = bucket_take(&pl->rate_last_ns, &pl->rate_tokens, now,
				   mbps, cap, (__u64)skb->len * 8000);
		bpf_spin_unlock(&pl->lock);
		if (over) {
			st->drop_rate++;
			return TC_ACT_SHOT;
		}
	}
	return 0;
}

/* Whether the frame fits the uplink out of which it leaves: its payload
 * after the tags in the data (a metadata tag is not in skb->len) against
 * the uplink's mtu. GSO frames are cut to size later, not checked. */
static __always_inline int oversize_for(struct __sk_buff *skb,
					const struct vflag_frame *f,
					__u32 uplink_ifindex)
{
	struct vflag_port *up = bpf_map_lookup_elem(&ports, &uplink_ifindex);

	if (!up || !up->mtu || skb->gso_size)
		return 0;
	return skb->len > f->l3_off && skb->len - f->l3_off > up->mtu;
}

/* The member of LAG `slot` a frame leaves by: usable[hash % count], as
 * Linux bonding picks it (so a flow lands where Linux would put it).
 * Returns 0, or -1 when the LAG has no member to transmit on. */
static __always_inline int lag_pick(struct __sk_buff *skb, __u32 slot,
				    __u32 *out, __u32 *out_port_id)
{
	struct vflag_lag_slot *s = bpf_map_lookup_elem(&lags, &slot);

	if (!s)
		return -1;
	for (int try = 0; try < 2; try++) {
		__u32 seq = lag_seq(s), idx = 0, count;
		struct vflag_lag *lag;

		if (!seq)
			return -1;
		lag = &s->copy[seq & 1];
		count = lag->tx_count;
		if (count == 0 || count > VFLAG_MAX_LAG_MEMBERS) {
			if (lag_seq_same(s, seq))
				return -1;
			continue;
		}
		if (count > 1)
			idx = vflag_skb_hash(skb, vflag_lag_hash_policy(lag)) %
			      count;
		/* A no-op (count <= VFLAG_MAX_LAG_MEMBERS, a power of two)
		 * that shows the verifier the index is in bounds; the empty
		 * asm keeps clang from proving it redundant and dropping
		 * it. */
		asm volatile("" : "+r"(idx));
		idx &= VFLAG_MAX_LAG_MEMBERS - 1;
		*out = lag->tx_ifindex[idx];
		*out_port_id = lag->tx_port_id[idx];
		if (lag_seq_same(s, seq))
			return 0;
	}
	return -1;
}

/* Onto the wire: the LAG's member (lag_pick), or the lone PF. A VST
 * frame gets its VF's tag here, and only here: siblings get it
 * untagged. */
static __always_inline int wire_xmit(struct __sk_buff *skb,
				     const struct vflag_port *port,
				     struct vflag_port_stats *st,
				     const struct vflag_frame *f)
{
	struct vflag_port_stats *mst = NULL;
	__u32 out, out_id = 0;

	if (port->lag_slot != VFLAG_NO_LAG) {
		if (lag_pick(skb, port->lag_slot, &out, &out_id)) {
			st->drop_no_member++;
			return TC_ACT_SHOT;
		}
		mst = stats_of(out_id);
	} else {
		out = port->uplink_ifindex;
		if (!out) {
			st->drop_no_member++;
			return TC_ACT_SHOT;
		}
	}
	if (oversize_for(skb, f, out)) {
		st->drop_oversize++;
		return TC_ACT_SHOT;
	}
	if (port->vlan_id) {
		__u16 tpid =
		    port->vlan_proto ? port->vlan_proto : VFLAG_ETH_P_8021Q;
		__u16 tci =
		    (port->vlan_id & VFLAG_FRAME_VID_MASK) |
		    ((__u16)(port->vlan_qos & 7) << VFLAG_FRAME_PCP_SHIFT);

		if (bpf_skb_vlan_push(skb, bpf_htons(tpid), tci)) {
			st->drop_vlan++;
			return TC_ACT_SHOT;
		}
		st->vlan_pushed++;
	}
	if (mst) {
		mst->lag_tx_packets++;
		mst->lag_tx_bytes += skb->len;
	}
	return bpf_redirect(out, 0);
}

/* The isolation rules of vflag_dp.h, in its order. Returns 0 to switch
 * the frame, else TC_ACT_SHOT with the reason counted. */
static __always_inline int vf_admit(const struct vflag_port *port,
				    struct vflag_port_stats *st,
				    const struct vflag_frame *f)
{
	int trusted = port->flags & VFLAG_PORT_F_TRUST;

	if (f->status != VFLAG_FRAME_OK) {
		st->drop_malformed++;
		return TC_ACT_SHOT;
	}
	if (f->flags & VFLAG_FRAME_F_SRC_BAD) {
		st->drop_bad_src++;
		return TC_ACT_SHOT;
	}
	if ((port->flags & VFLAG_PORT_F_SPOOFCHK) &&
	    !mac_equal(f->src, port->mac)) {
		st->drop_spoof++;
		return TC_ACT_SHOT;
	}
	if (f->ctl == VFLAG_CTL_SLOW) {
		st->drop_slow_proto++;
		return TC_ACT_SHOT;
	}
	if (f->ctl == VFLAG_CTL_MAC_CONTROL) {
		st->drop_mac_control++;
		return TC_ACT_SHOT;
	}
	if (f->ctl == VFLAG_CTL_LLDP || f->ctl == VFLAG_CTL_EAPOL) {
		if (!trusted) {
			st->drop_link_local++;
			return TC_ACT_SHOT;
		}
	} else if (f->flags & VFLAG_FRAME_F_DST_LINK_LOCAL) {
		st->drop_link_local++;
		return TC_ACT_SHOT;
	}
	/* VST: the tag is the eswitch's to add, any tag of the VF's own
	 * (priority tags too) is refused. Without a VLAN, tags only from a
	 * trusted VF (VGT). */
	if (f->ntags && (port->vlan_id || !trusted)) {
		st->drop_vlan++;
		return TC_ACT_SHOT;
	}
	return 0;
}

static __always_inline int vf_ingress(struct __sk_buff *skb,
				      const struct vflag_port *port,
				      struct vflag_port_stats *st,
				      const struct vflag_frame *f)
{
	int group = f->flags & VFLAG_FRAME_F_DST_GROUP;
	struct vflag_fdb_val *to;
	__u32 vlan;
	int ret;

	ret = vf_admit(port, st, f);
	if (ret)
		return ret;
	ret = police_vf(skb, port, st, group);
	if (ret)
		return ret;
	if (skb->len < VFLAG_FRAME_MIN_LEN && !skb->gso_size) {
		/* Zeros to the 802.3 minimum; the tail grows, the headers
		 * already parsed stay where they are. */
		if (bpf_skb_change_tail(skb, VFLAG_FRAME_MIN_LEN, 0)) {
			st->drop_runt++;
			return TC_ACT_SHOT;
		}
		st->runt_padded++;
	}
	if (port->flags & VFLAG_PORT_F_SWITCHDEV)
		return switchdev_ingress(skb, port, st, f);
	vlan = port->vlan_id ? port->vlan_id : vflag_frame_vid(f);
	if (group) {
		flood_vfs(skb, port->domain, vlan, skb->ifindex, st);
	} else if (fdb_lookup(port->domain, vlan, f->dst, &to) == 0) {
		if (to->ifindex == skb->ifindex) {
			st->drop_hairpin++;
			return TC_ACT_SHOT;
		}
		return bpf_redirect(to->ifindex, 0);
	}
	return wire_xmit(skb, port, st, f);
}

SEC("tc")
int vflag_ingress(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex;
	struct vflag_port *port = bpf_map_lookup_elem(&ports, &ifindex);
	struct vflag_port_stats *st;
	struct vflag_frame f;

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
	if (vflag_skb_parse(skb, &f) == VFLAG_FRAME_SHORT) {
		st->drop_malformed++;
		return TC_ACT_SHOT;
	}
	if (port->kind == VFLAG_PORT_UPLINK)
		return uplink_ingress(skb, port, st, &f);
	/* What the host sends on a bond's netdev (the LAG representor)
	 * leaves through the LAG; the host is trusted. */
	if (port->kind == VFLAG_PORT_LAG_REP)
		return wire_xmit(skb, port, st, &f);
	return vf_ingress(skb, port, st, &f);
}

/* Towards a VST VF: its VLAN's tag comes off (whether the kernel holds
 * it in metadata or it is in the bytes); a frame of another VLAN (VID or
 * TPID) never reaches it. Untagged frames are a same-VLAN sibling's.
 * Returns 0 to deliver. */
static __always_inline int vst_egress(struct __sk_buff *skb,
				      const struct vflag_port *port,
				      struct vflag_port_stats *st)
{
	struct vflag_frame f;

	if (vflag_skb_parse(skb, &f) == VFLAG_FRAME_SHORT || !f.ntags)
		return 0;
	/* The VLAN is (TPID, VID): an S-tag VLAN 10 is not a C-tag one. */
	if (f.tpid[0] !=
		(port->vlan_proto ? port->vlan_proto : VFLAG_ETH_P_8021Q) ||
	    (f.tci[0] & VFLAG_FRAME_VID_MASK) != port->vlan_id ||
	    bpf_skb_vlan_pop(skb)) {
		st->drop_vlan++;
		return TC_ACT_SHOT;
	}
	st->vlan_popped++;
	return 0;
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
		return TC_ACT_OK;
	}
	if (port->vlan_id && vst_egress(skb, port, st))
		return TC_ACT_SHOT;
	st->rx_packets++;
	st->rx_bytes += skb->len;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
