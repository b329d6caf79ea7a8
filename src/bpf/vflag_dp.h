/* The contract between the eBPF eswitch (eswitch.bpf.c) and vflagd
 * (src/eswitch): map keys, values and limits. Included by both, so it
 * uses only <linux/types.h> types (and <linux/bpf.h>'s bpf_spin_lock).
 *
 * Maps (defined in eswitch.bpf.c):
 *   ports      HASH   ifindex -> struct vflag_port     which port a hook runs
 * on fdb        HASH   struct vflag_fdb_key -> struct vflag_fdb_val   VF MACs
 *   flood      ARRAY  domain -> struct vflag_flood     VFs for bcast/mcast
 *   lags       ARRAY (BPF_F_MMAPABLE)  lag slot -> struct vflag_lag_slot:
 *              two copies of struct vflag_lag, the live one named by seq
 *   port_stats PERCPU_ARRAY port id -> struct vflag_port_stats
 *   police     ARRAY  port id -> struct vflag_police   the VF's rate and
 *              storm token buckets; the datapath's own state: vflagd
 *              never writes it (a reused port id starts from its
 *              predecessor's buckets, refilled since their last frame)
 *
 * Frame parsing (tags, control protocols) is bpf/vflag_frame.h, shared
 * with userspace.
 *
 * Isolation rules of a VF's frames (vflag_ingress on a VF port), in this
 * order, each with the counter it moves:
 *   1. shorter than an Ethernet header, more than 2 VLAN tags (the tag
 *      the kernel holds in skb metadata counts), or a truncated tag:
 *      drop_malformed
 *   2. source MAC multicast, broadcast or all-zero: drop_bad_src
 *      (whatever VFLAG_PORT_F_SPOOFCHK says)
 *   3. VFLAG_PORT_F_SPOOFCHK and source != mac: drop_spoof
 *   4. EtherType after any tags 0x8809 (LACP, marker, OAM): drop_slow_proto;
 *      0x8808 (PAUSE, PFC): drop_mac_control. No flag lets them through.
 *   5. LLDP (0x88cc) or 802.1X (0x888e) from a VF without
 *      VFLAG_PORT_F_TRUST, or any other frame to 01:80:c2:00:00:0x:
 *      drop_link_local. A trusted VF's LLDP/802.1X pass to any address.
 *   6. VLAN: with vlan_id set (VST) any tag, priority tags included:
 *      drop_vlan; without, any tag unless VFLAG_PORT_F_TRUST (VGT):
 *      drop_vlan.
 *   7. broadcast/multicast over storm_pps: drop_storm
 *   8. over max_tx_rate: drop_rate
 *   9. shorter than 60 bytes: padded with zeros to 60 (runt_padded), or
 *      drop_runt if the kernel cannot grow it
 *  10. to the wire: payload (bytes after the tags) over the uplink's mtu:
 *      drop_oversize; a VST frame is tagged on its way (vlan_pushed).
 * On egress to a VST VF (vflag_egress), a frame whose outer tag is the
 * VF's VLAN (vlan_proto and vlan_id) is untagged (vlan_popped); one
 * tagged otherwise is dropped (drop_vlan): a VF never sees a frame of a
 * VLAN not its own. (fdb and flood match the VID only; the TPID is
 * checked here.)
 *
 * Switching is by (domain, VLAN, MAC): the VLAN of a frame is the VST
 * VLAN of the VF that sent it, else its outer tag's VID (0: untagged or
 * priority-tagged). Broadcasts go to the domain's VFs whose vlan_id is
 * that VLAN (0: the untagged VFs), looked up per copy in `ports`, so the
 * flood list stays one per domain. An fdb hit on a VST VF of another
 * VLAN (a key vflagd left stale) is a miss: checked in `ports` too.
 *
 * From the wire (an uplink's ingress): untagged slow protocols go to the
 * host for vflagd as before; link-local destinations, 0x8809/0x8808
 * behind tags and malformed tag stacks go to the host (to_host_packets),
 * never to a VF.
 *
 * Limits, admitted: a trusted VF without a VLAN (VGT) is flooded only
 * untagged frames, and gets a tagged unicast only for a (VLAN, MAC) key
 * vflagd wrote for it; a VST VF's frames reach its same-VLAN siblings
 * untagged and are tagged only towards the wire; the storm limit counts
 * what a VF sends, not what the wire floods to it; GSO frames are not
 * checked against the uplink's mtu (they are cut by the VF's MSS).
 *
 * A LAG changes without a syscall that waits (the former map-in-map
 * swap waited out an RCU grace period, 5-15 ms): vflagd, the only
 * writer, keeps `lags` mmapped, writes the copy not in use
 * (copy[(seq + 1) & 1]) and then makes it live with one release store
 * of seq + 1. The datapath reads seq, what it needs of copy[seq & 1], then seq
 * again; a different seq means vflagd flipped meanwhile and may be
 * rewriting that copy, so the read is retried once, and a second torn
 * read is a drop counted as if the LAG had no member (drop_no_member,
 * drop_not_collecting). So no frame is switched on half a membership
 * change, and none on a copy older than the flip it follows. seq 0 is a
 * slot never published: no LAG. Loads and stores keep their program
 * order on x86 (TSO); the datapath's reads rely on that (clang 14 has no
 * BPF load-acquire). */
#ifndef VFLAG_BPF_DP_H
#define VFLAG_BPF_DP_H

#include <linux/types.h>
#include <linux/bpf.h>

#define VFLAG_MAX_PORTS 256	/* uplinks + VF ports, incl. stats slots */
#define VFLAG_MAX_DOMAINS 256	/* switching domains (bonds + lone PFs) */
#define VFLAG_MAX_LAGS 8	/* bonds */
#define VFLAG_MAX_LAG_MEMBERS 8 /* members of one bond; a power of two */
/* VFs one broadcast is copied to: every port the ports map can hold,
 * so every VF a domain admits gets broadcasts (vflagd can never fill
 * more). The copies are made by bpf_loop, so the cost is per copy made
 * (one ports lookup and one clone each), not per slot. */
#define VFLAG_MAX_FLOOD VFLAG_MAX_PORTS
_Static_assert((VFLAG_MAX_FLOOD & (VFLAG_MAX_FLOOD - 1)) == 0,
	       "the flood index is masked: a power of two");
#define VFLAG_NO_LAG 0xffffffffu

enum vflag_port_kind {
	VFLAG_PORT_UPLINK = 1,	/* a PF: the wire side */
	VFLAG_PORT_VF = 2,	/* the eswitch end of a VF (veth peer or TAP) */
	VFLAG_PORT_LAG_REP = 3, /* the eswitch end of a bond's LAG
				   representor (switchdev): what the host
				   sends on the bond's netdev arrives here
				   and leaves through the LAG */
};

/* Per-port flags. */
#define VFLAG_PORT_F_SPOOFCHK (1u << 0) /* VF: drop frames not from its MAC */
#define VFLAG_PORT_F_TRUST                                                     \
	(1u << 1) /* VF: may send LLDP and 802.1X, and                         \
		     tagged frames when it has no                              \
		     vlan_id (VGT) */
/* The port's PF is in switchdev mode (see "switchdev" below): a frame no
 * offloaded rule takes goes to the port's representor, never through the
 * legacy fdb/flood. */
#define VFLAG_PORT_F_SWITCHDEV (1u << 2)
/* hw-tc-offload on for the port's PF: frames arriving here are looked up
 * in the flow table (switchdev only; off: every frame is a miss). */
#define VFLAG_PORT_F_OFFLOAD (1u << 3)

/* Default broadcast/multicast storm limit vflagd should put in a VF's
 * entry (storm_pps/storm_burst; 0 in the entry means no limit). */
#define VFLAG_STORM_PPS_DEFAULT 1000
#define VFLAG_STORM_BURST_DEFAULT 200

/* The rate policer's bucket holds 250 ms of max_tx_rate, and never less
 * than two maximal GSO frames, or a TSO sender could never pass. A
 * policer drops where a NIC's shaper would queue, so TCP needs the room
 * to back off: measured with iperf3 at 100 Mbit/s (test_isolation.py),
 * a 10 ms bucket gave TCP 12 Mbit/s, 100 ms 55, 250 ms 96-99 (UDP gets
 * 98 with any of them). The cost: a VF idle for a while may send
 * 250 ms worth at line rate. */
#define VFLAG_RATE_BURST_NS 250000000ull
#define VFLAG_RATE_MIN_BURST_BYTES (2 * 65536)

struct vflag_port {
	__u32 id;	      /* index in port_stats */
	__u32 kind;	      /* enum vflag_port_kind */
	__u32 domain;	      /* switching domain: VFs only see their own */
	__u32 lag_slot;	      /* index in `lags`, or VFLAG_NO_LAG */
	__u32 uplink_ifindex; /* VF of a lone PF: where its traffic leaves */
	__u32 member_index;   /* uplink in a LAG: bit in vflag_lag.rx_mask */
	__u32 flags;	      /* VFLAG_PORT_F_* */
	__u8 mac[6];	      /* VF: its MAC (spoof check) */
	__u8 pad[2];
	/* Appended for tenant isolation. Zero means no VLAN, no mtu check,
	 * no rate or storm limit: today's behaviour. What changed whatever
	 * the entry says (issue 8): rules 1, 2, 4, 5 and 9 at the top, and,
	 * without VFLAG_PORT_F_TRUST, rule 6 (an untrusted VF's tagged
	 * frames) and LLDP/802.1X. */
	__u16 vlan_id; /* VF: VST VLAN 1..4094, 0 = none */
	__u8 vlan_qos; /* VF: PCP 0..7 of the pushed tag */
	__u8 pad2;
	__u16 vlan_proto; /* VF: TPID of the pushed tag, host order:
			     0x8100 or 0x88a8; 0 = 0x8100 */
	__u16 pad3;
	__u32 mtu;	   /* uplink: largest payload after the Ethernet
			      header and tags a VF may send out of it
			      (the device's MTU); 0 = no check.
			      GSO frames are not checked. */
	__u32 max_tx_rate; /* VF: Mbit/s of all it sends (siblings
			      included), 0 = unlimited */
	__u32 storm_pps;   /* VF: broadcast+multicast it sends, packets
			      per second, 0 = unlimited */
	__u32 storm_burst; /* VF: bucket of the storm limit, packets;
			      0 = storm_pps (one second) */
	/* Appended for switchdev. */
	__u32 flow_port;   /* the in_port the flow table matches frames
			      arriving here with: a VF's own port id, a
			      LAG member's VFLAG_FLOW_OUT_LAG | lag_slot
			      (`dev BOND`), a lone uplink's own id */
	__u32 rep_ifindex; /* uplink in switchdev: where its misses go,
			      the eswitch end of its LAG representor
			      (bpf_redirect to it: they arrive on the
			      bond's netdev); 0 = the host on the uplink
			      itself (a lone PF is its own uplink
			      representor, as on mlx5) */
};

_Static_assert(sizeof(struct vflag_port) == 68, "vflag_port: appended only");

/* vlan is the VLAN the MAC lives in (0: untagged). vflagd must write a
 * VST VF's MAC with its vlan_id; in the bytes of the former `pad`, so an
 * old writer's zeroed key is vlan 0. */
struct vflag_fdb_key {
	__u32 domain;
	__u8 mac[6];
	__u16 vlan;
};

struct vflag_fdb_val {
	__u32 ifindex; /* eswitch end of the VF */
	__u32 port_id;
};

struct vflag_flood {
	__u32 count;
	__u32 ifindex[VFLAG_MAX_FLOOD];
	__u32 port_id[VFLAG_MAX_FLOOD];
};

/* How a VF's frame picks its member, as devlink's lag_port_select_mode
 * on a NIC:
 *   HASH: vflag_xmit_hash(frame, hash_policy) % tx_count, exactly what
 *     Linux bonding does with that xmit_hash_policy (and what `bond
 *     xmit-member` predicts).
 *   QUEUE_AFFINITY: the flow's own layer3+4 hash, whatever hash_policy
 *     says. A NIC in this mode spreads a VF's send queues over the ports,
 *     and the VF's driver spreads its flows over its queues; a VF talking
 *     to one peer MAC still spreads its flows over every member, where
 *     hash_policy layer2 (Linux's default) would put them all on one.
 * 0 is HASH, the meaning of the former pad word. */
enum vflag_port_select {
	VFLAG_PORT_SELECT_HASH = 0,
	VFLAG_PORT_SELECT_QUEUE_AFFINITY = 1,
};

/* One LAG as the datapath sees it. Mode does not matter here: the
 * control plane reduces active-backup, balance-xor and 802.3ad to the
 * members that may transmit and those that may receive. */
struct vflag_lag {
	__u32 hash_policy; /* enum vflag_hash_policy (lag/xmit_hash.h) */
	__u32 tx_count;	   /* members that distribute, in enslave order */
	__u32 tx_ifindex[VFLAG_MAX_LAG_MEMBERS];
	__u32 tx_port_id[VFLAG_MAX_LAG_MEMBERS];
	__u32 rx_mask;	   /* bit member_index: may collect */
	__u32 port_select; /* enum vflag_port_select (was pad: 0 = HASH) */
};

/* One slot of `lags` (see the top of this file). flags is vflagd's
 * own (dp_lag_read: published or cleared); the datapath reads only seq
 * and copy. */
struct vflag_lag_slot {
	__u32 seq; /* publications; copy[seq & 1] is live; 0: never */
	__u32 flags;
	struct vflag_lag copy[2];
};
#define VFLAG_LAG_SLOT_F_PUBLISHED 0x1u
_Static_assert(sizeof(struct vflag_lag) == 80, "vflag_lag: layout kept");
_Static_assert(sizeof(struct vflag_lag_slot) == 168, "vflag_lag_slot");

/* Counters per port, per CPU; vflagd sums the CPUs. For an uplink the
 * rx/tx pairs are what the wire saw (ethtool's *_phy); for a VF, rx is
 * what it was given and tx what it sent. */
struct vflag_port_stats {
	__u64 rx_packets;
	__u64 rx_bytes;
	__u64 tx_packets;
	__u64 tx_bytes;
	__u64 lag_tx_packets; /* uplink: frames the LAG hashed onto it */
	__u64 lag_tx_bytes;
	__u64 to_host_packets;	  /* uplink: for no VF, to the host: unicast
				     for no (VLAN, MAC), link-local, control
				     protocols behind tags, >2 tags */
	__u64 slow_proto_packets; /* uplink: LACP/marker, to vflagd */
	__u64 flood_packets;	  /* copies of bcast/mcast made here */
	__u64
	    drop_not_collecting; /* arrived on a member that may not collect */
	__u64 drop_no_member;	 /* LAG had no member to transmit on */
	__u64 drop_malformed;	 /* shorter than an Ethernet header; from a
				    VF also more than 2 tags or a tag cut
				    short */
	__u64 drop_spoof;	 /* VF sent from a MAC not its own */
	__u64 drop_hairpin;	 /* VF sent to its own MAC */
	__u64 drop_flood_full;	 /* broadcast copies beyond VFLAG_MAX_FLOOD */
	__u64 drop_link_local;	 /* VF sent to 01:80:c2:00:00:0x (LACP, STP,
				    LLDP), or LLDP/802.1X while not
				    trusted: a tenant must not speak for
				    the bond or the wire */
	/* Appended for tenant isolation (see the rules at the top). */
	__u64 drop_slow_proto;	/* VF sent 0x8809 (any tags, any address) */
	__u64 drop_mac_control; /* VF sent 0x8808 (PAUSE, PFC) */
	__u64 drop_bad_src;	/* VF sent from a group or zero MAC */
	__u64 drop_vlan;	/* VLAN policy: tag from a VST or untrusted
				   VF; to a VST VF, a frame of another
				   VLAN */
	__u64 drop_runt;	/* VF: under 60 bytes and not paddable */
	__u64 drop_oversize;	/* VF: payload over the uplink's mtu */
	__u64 drop_rate;	/* VF: over max_tx_rate */
	__u64 drop_storm;	/* VF: bcast/mcast over storm_pps */
	__u64 runt_padded;	/* VF: frames padded to 60 bytes */
	__u64 vlan_pushed;	/* VF: frames tagged with its VST VLAN */
	__u64 vlan_popped;	/* VF: frames untagged on their way to it */
	/* Appended for switchdev: slow path against offloaded. */
	__u64 slow_packets; /* arrived here, matched no rule, went to
			       the representor (a VF's rep, or the
			       LAG representor for an uplink) */
	__u64 slow_bytes;
	__u64 offload_packets; /* arrived here, a rule took them */
	__u64 offload_bytes;
	__u64 offload_rx_packets; /* handed to this port by a rule (the
				     rest of rx/tx came by the host or
				     the legacy path) */
	__u64 offload_rx_bytes;
	__u64 flow_drop;     /* dropped by a rule's action drop */
	__u64 flow_act_fail; /* a rule's action failed (vlan
				push/pop, no LAG member, redirect
				to a port gone): dropped */
};

/* Token buckets of one VF, under lock (ARRAY values with a
 * bpf_spin_lock: one bucket per VF, exact across CPUs, at the price of a
 * lock per frame of a VF with a limit; a VF without limits never takes
 * it). Units avoid division: rate tokens are milli-bits
 * (ns * Mbit/s), storm tokens nano-packets (ns * pkt/s). A bucket whose
 * last_ns is 0 starts full. */
struct vflag_police {
	struct bpf_spin_lock lock;
	__u32 pad;
	__u64 rate_last_ns;
	__u64 rate_tokens;
	__u64 storm_last_ns;
	__u64 storm_tokens;
};

/* --- switchdev and the offload table ---
 *
 * A PF in switchdev mode (VFLAG_PORT_F_SWITCHDEV on its uplink and its
 * VFs' ports): frames arriving on a port are looked up in the flow table
 * (if VFLAG_PORT_F_OFFLOAD); a hit applies the rule's action, a miss goes
 * to the port's representor:
 *   - VF: TC_ACT_OK on the VF's eswitch end, so the host receives it on
 *     that netdev (`<pf>_<n>`, the VF's representor) after the isolation
 *     rules (which apply in both modes);
 *   - uplink: bpf_redirect to rep_ifindex (the LAG representor's eswitch
 *     end, so it arrives on the bond's netdev), or TC_ACT_OK for a lone
 *     PF; slow protocols stay on the uplink for vflagd, as in legacy.
 * What the host sends on a representor goes to its VF (veth); what it
 * sends on the LAG representor arrives on the VFLAG_PORT_LAG_REP port
 * and leaves through the LAG (wire_xmit, no isolation rules: the host is
 * trusted).
 *
 * The flow table is a tuple-space search (Open vSwitch's megaflow
 * classifier): one hash map per mask in use (`flow_tables`, ARRAY_OF_MAPS
 * of HASH vflag_flow_key -> vflag_flow_act, indexed by mask slot), the
 * masks in `flow_masks` (ARRAY, slot -> vflag_flow_key), and the slots
 * to search, in order, in `flow_mask_list` (ARRAY[1]). A frame's key is
 * extracted once (bpf/vflag_flow.h), then for each listed slot masked and
 * looked up; the hit with the lowest prio wins, and the search stops at
 * the first slot whose best_prio cannot beat the hit so far (vflagd
 * keeps the list sorted by best_prio). Rule counters are in `flow_stats`
 * (ARRAY, rule_id -> vflag_flow_stats, atomic adds).
 *
 * vflagd changes the table without pausing traffic: a rule is one hash
 * update in its mask's table; a new mask gets its table and mask written
 * before the list names it; a mask leaves the list before its table is
 * emptied. A reader of a stale list finds nothing wrong: a table holds
 * only keys masked with its own mask. The list itself is rewritten in
 * place (an ARRAY value, not swapped whole as a LAG is): a frame racing
 * the write may read a mix of the old and new list, and then at worst
 * take a rule of worse prio or miss to the representor, once; it never
 * reads outside the maps (slots are looked up, count is clamped). */
#define VFLAG_FLOW_MAX_MASKS 32
#define VFLAG_FLOW_MAX_RULES (1u << 20) /* rule ids, and per mask table */

/* In the key, vlan_tci is the outer tag's VID | VFLAG_FLOW_VLAN_PRESENT
 * (tagged frames only; 0 = untagged). Addresses and ports are in network
 * order, eth_type in host order (after the tags); IPv4 addresses are in
 * src_ip[0]/dst_ip[0] with the rest 0. Fields a frame lacks are 0. The
 * size is a multiple of 8: masking goes a __u64 at a time. */
#define VFLAG_FLOW_VLAN_PRESENT 0x1000

struct vflag_flow_key {
	__u32 in_port; /* vflag_port.flow_port of the port it arrived on */
	__u16 vlan_tci;
	__u16 eth_type;
	__u8 dst[6];
	__u8 src[6];
	__u8 ip_proto;
	__u8 pad[3];
	__u16 src_port;
	__u16 dst_port;
	__u32 src_ip[4];
	__u32 dst_ip[4];
	__u32 pad2;
};

_Static_assert(sizeof(struct vflag_flow_key) == 64, "a multiple of 8");

/* Actions, applied in this order: pop, push, then drop or redirect; a
 * rule with neither drop nor redirect goes on as a miss (to the
 * representor) after its VLAN actions. */
#define VFLAG_FLOW_ACT_DROP (1u << 0)
#define VFLAG_FLOW_ACT_REDIRECT (1u << 1)
#define VFLAG_FLOW_ACT_VLAN_PUSH (1u << 2)
#define VFLAG_FLOW_ACT_VLAN_POP (1u << 3)

/* out_ifindex with this bit: out through the LAG of slot (the low bits),
 * member picked as wire_xmit picks it. */
#define VFLAG_FLOW_OUT_LAG 0x80000000u

/* Where a rule came from (flags), for `flow show` and adoption. */
#define VFLAG_FLOW_F_BRIDGE (1u << 0) /* learned from a kernel bridge */

struct vflag_flow_act {
	__u32 rule_id;	   /* index in flow_stats */
	__u32 prio;	   /* lower wins, as tc */
	__u32 actions;	   /* VFLAG_FLOW_ACT_* */
	__u32 out_ifindex; /* REDIRECT: a port's ifindex (a VF's eswitch
			      end: delivered to the VF; a lone uplink: out
			      of it), or VFLAG_FLOW_OUT_LAG | slot */
	__u32 out_port_id; /* REDIRECT: its port id, for offload_rx_* */
	__u16 vlan_id;	   /* VLAN_PUSH */
	__u16 vlan_proto;  /* VLAN_PUSH: 0x8100 or 0x88a8, host order */
	__u8 vlan_prio;	   /* VLAN_PUSH: PCP */
	__u8 pad[3];
	__u32 flags; /* VFLAG_FLOW_F_* */
};

struct vflag_flow_stats {
	__u64 packets;
	__u64 bytes;
	__u64 last_used_ns; /* bpf_ktime_get_ns() of the last hit */
};

struct vflag_flow_mask_list {
	__u32 count;
	__u32 slot[VFLAG_FLOW_MAX_MASKS];      /* searched in this order */
	__u32 best_prio[VFLAG_FLOW_MAX_MASKS]; /* lowest prio in slot[i] */
};

#endif
