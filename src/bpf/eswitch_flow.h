/* The offload table's half of the eswitch (vflag_dp.h "switchdev and the
 * offload table"): its maps, the tuple-space search and a rule's
 * actions. Included once, by eswitch.bpf.c, after stats_of() and lag_pick();
 * lag_pick() is eswitch.bpf.c's (the member wire_xmit would pick). */
#ifndef VFLAG_BPF_ESWITCH_FLOW_H
#define VFLAG_BPF_ESWITCH_FLOW_H

#include "bpf/vflag_flow.h"

/* The offload table (vflag_dp.h "switchdev and the offload table"). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VFLAG_FLOW_MAX_MASKS);
	__type(key, __u32);
	__type(value, struct vflag_flow_key);
} flow_masks SEC(".maps");

struct flow_table_inner {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VFLAG_FLOW_MAX_RULES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct vflag_flow_key);
	__type(value, struct vflag_flow_act);
} flow_table_template SEC(".maps"); /* as lag_template: BTF for the
				     * inner maps (no prealloc: empty) */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, VFLAG_FLOW_MAX_MASKS);
	__type(key, __u32);
	__array(values, struct flow_table_inner);
} flow_tables SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vflag_flow_mask_list);
} flow_mask_list SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VFLAG_FLOW_MAX_RULES);
	__type(key, __u32);
	__type(value, struct vflag_flow_stats);
} flow_stats SEC(".maps");

/* The frame's flow key (bpf/vflag_flow.h); global, verified once. */
__attribute__((noinline)) int vflag_skb_flow_key(struct __sk_buff *skb,
						 const struct vflag_frame *f,
						 __u32 in_port,
						 struct vflag_flow_key *k)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;

	if (!f || !k)
		return -1;
	vflag_flow_extract(data, data_end, f, in_port, k);
	return 0;
}

struct flow_search {
	struct vflag_flow_key key;    /* the frame's, unmasked */
	struct vflag_flow_key masked; /* scratch */
	struct vflag_flow_mask_list *list;
	struct vflag_flow_act best; /* a copy: no map pointer kept */
	__u32 best_prio;	    /* ~0: no hit yet */
	__u32 count;
};

/* One mask of the tuple-space search (a bpf_loop callback): masks the
 * key, looks it up in that mask's table. The list is sorted by
 * best_prio, so the first mask that cannot beat the hit so far ends it. */
static long flow_search_one(__u32 i, void *data)
{
	struct flow_search *c = data;
	struct vflag_flow_key *mask;
	struct vflag_flow_act *act;
	void *table;
	__u32 slot;

	if (i >= c->count || i >= VFLAG_FLOW_MAX_MASKS)
		return 1;
	asm volatile("" : "+r"(i)); /* see flood_one */
	i &= VFLAG_FLOW_MAX_MASKS - 1;
	if (c->list->best_prio[i] >= c->best_prio)
		return 1;
	slot = c->list->slot[i];
	mask = bpf_map_lookup_elem(&flow_masks, &slot);
	table = bpf_map_lookup_elem(&flow_tables, &slot);
	if (!mask || !table)
		return 0;
	vflag_flow_mask(&c->key, mask, &c->masked);
	act = bpf_map_lookup_elem(table, &c->masked);
	if (act && act->prio < c->best_prio) {
		c->best = *act;
		c->best_prio = act->prio;
	}
	return 0;
}

/* Counts a hit on the rule and on the port it arrived on. */
static __always_inline void flow_count(struct __sk_buff *skb, __u32 rule_id,
				       struct vflag_port_stats *st)
{
	struct vflag_flow_stats *fs =
	    bpf_map_lookup_elem(&flow_stats, &rule_id);

	if (fs) {
		__sync_fetch_and_add(&fs->packets, 1);
		__sync_fetch_and_add(&fs->bytes, skb->len);
		fs->last_used_ns = bpf_ktime_get_ns();
	}
	st->offload_packets++;
	st->offload_bytes += skb->len;
}

static __always_inline int lag_pick(struct __sk_buff *skb, __u32 slot,
				    __u32 *out, __u32 *out_port_id);

/* A rule's actions in the contract's order: pop, push, then drop or
 * redirect. Returns a verdict, or -1 to go on as a miss. */
static __always_inline int flow_apply(struct __sk_buff *skb,
				      const struct vflag_flow_act *a,
				      struct vflag_port_stats *st)
{
	struct vflag_port_stats *ost;
	__u32 out = a->out_ifindex, out_id = a->out_port_id;

	if (a->actions & VFLAG_FLOW_ACT_VLAN_POP) {
		if (bpf_skb_vlan_pop(skb))
			goto fail;
	}
	if (a->actions & VFLAG_FLOW_ACT_VLAN_PUSH) {
		__u16 proto = a->vlan_proto ? a->vlan_proto : VFLAG_ETH_P_8021Q;
		__u16 tci =
		    (a->vlan_id & VFLAG_FRAME_VID_MASK) |
		    ((__u16)(a->vlan_prio & 7) << VFLAG_FRAME_PCP_SHIFT);

		if (bpf_skb_vlan_push(skb, bpf_htons(proto), tci))
			goto fail;
	}
	if (a->actions & VFLAG_FLOW_ACT_DROP) {
		st->flow_drop++;
		return TC_ACT_SHOT;
	}
	if (!(a->actions & VFLAG_FLOW_ACT_REDIRECT))
		return -1;
	if (out & VFLAG_FLOW_OUT_LAG) {
		if (lag_pick(skb, out & ~VFLAG_FLOW_OUT_LAG, &out, &out_id))
			goto fail;
		ost = stats_of(out_id);
		if (ost) {
			ost->lag_tx_packets++;
			ost->lag_tx_bytes += skb->len;
		}
	} else {
		ost = stats_of(out_id);
	}
	if (!out)
		goto fail;
	if (ost) {
		ost->offload_rx_packets++;
		ost->offload_rx_bytes += skb->len;
	}
	if (bpf_redirect(out, 0) != TC_ACT_REDIRECT)
		goto fail;
	return TC_ACT_REDIRECT;
fail:
	st->flow_act_fail++;
	return TC_ACT_SHOT;
}

/* A global function (verified once): the search and the actions. */
__attribute__((noinline)) int vflag_flow_offload(struct __sk_buff *skb,
						 const struct vflag_frame *f,
						 __u32 in_port,
						 struct vflag_port_stats *st)
{
	struct flow_search c = {.best_prio = ~0u};
	__u32 zero = 0;

	if (!skb || !f || !st)
		return -1;
	c.list = bpf_map_lookup_elem(&flow_mask_list, &zero);
	if (!c.list || !c.list->count)
		return -1;
	c.count = c.list->count;
	if (c.count > VFLAG_FLOW_MAX_MASKS)
		c.count = VFLAG_FLOW_MAX_MASKS;
	vflag_skb_flow_key(skb, f, in_port, &c.key);
	bpf_loop(c.count, flow_search_one, &c, 0);
	if (c.best_prio == ~0u)
		return -1;
	flow_count(skb, c.best.rule_id, st);
	return flow_apply(skb, &c.best, st);
}

#endif
