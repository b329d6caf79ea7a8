/* The contract between the eBPF eswitch (eswitch.bpf.c) and vflagd
 * (src/eswitch): map keys, values and limits. Included by both, so it
 * uses only <linux/types.h> types.
 *
 * Maps (defined in eswitch.bpf.c):
 *   ports      HASH   ifindex -> struct vflag_port     which port a hook runs on
 *   fdb        HASH   struct vflag_fdb_key -> struct vflag_fdb_val   VF MACs
 *   flood      ARRAY  domain -> struct vflag_flood     VFs for bcast/mcast
 *   lags       ARRAY_OF_MAPS  lag slot -> inner ARRAY[1] of struct vflag_lag
 *   port_stats PERCPU_ARRAY port id -> struct vflag_port_stats
 *
 * vflagd replaces a LAG's inner map whole (one pointer swap in `lags`),
 * so the datapath never sees half a membership change. */
#ifndef VFLAG_BPF_DP_H
#define VFLAG_BPF_DP_H

#include <linux/types.h>

#define VFLAG_MAX_PORTS 256        /* uplinks + VF ports, incl. stats slots */
#define VFLAG_MAX_DOMAINS 256      /* switching domains (bonds + lone PFs) */
#define VFLAG_MAX_LAGS 8           /* bonds */
#define VFLAG_MAX_LAG_MEMBERS 8    /* members of one bond; a power of two */
#define VFLAG_MAX_FLOOD 64         /* VFs one broadcast is copied to */
#define VFLAG_NO_LAG 0xffffffffu

enum vflag_port_kind {
	VFLAG_PORT_UPLINK = 1, /* a PF: the wire side */
	VFLAG_PORT_VF = 2,     /* the eswitch end of a VF (veth peer or TAP) */
};

/* Per-port flags. */
#define VFLAG_PORT_F_SPOOFCHK (1u << 0) /* VF: drop frames not from its MAC */

struct vflag_port {
	__u32 id;             /* index in port_stats */
	__u32 kind;           /* enum vflag_port_kind */
	__u32 domain;         /* switching domain: VFs only see their own */
	__u32 lag_slot;       /* index in `lags`, or VFLAG_NO_LAG */
	__u32 uplink_ifindex; /* VF of a lone PF: where its traffic leaves */
	__u32 member_index;   /* uplink in a LAG: bit in vflag_lag.rx_mask */
	__u32 flags;          /* VFLAG_PORT_F_* */
	__u8 mac[6];          /* VF: its MAC (spoof check) */
	__u8 pad[2];
};

struct vflag_fdb_key {
	__u32 domain;
	__u8 mac[6];
	__u8 pad[2]; /* must be zero */
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

/* One LAG as the datapath sees it. Mode does not matter here: the
 * control plane reduces active-backup, balance-xor and 802.3ad to the
 * members that may transmit and those that may receive. */
struct vflag_lag {
	__u32 hash_policy;  /* enum vflag_hash_policy (lag/xmit_hash.h) */
	__u32 tx_count;     /* members that distribute, in enslave order */
	__u32 tx_ifindex[VFLAG_MAX_LAG_MEMBERS];
	__u32 tx_port_id[VFLAG_MAX_LAG_MEMBERS];
	__u32 rx_mask;      /* bit member_index: may collect */
	__u32 pad;
};

/* Counters per port, per CPU; vflagd sums the CPUs. For an uplink the
 * rx/tx pairs are what the wire saw (ethtool's *_phy); for a VF, rx is
 * what it was given and tx what it sent. */
struct vflag_port_stats {
	__u64 rx_packets;
	__u64 rx_bytes;
	__u64 tx_packets;
	__u64 tx_bytes;
	__u64 lag_tx_packets;      /* uplink: frames the LAG hashed onto it */
	__u64 lag_tx_bytes;
	__u64 to_host_packets;     /* uplink: unicast for no VF, to the host */
	__u64 slow_proto_packets;  /* uplink: LACP/marker, to vflagd */
	__u64 flood_packets;       /* copies of bcast/mcast made here */
	__u64 drop_not_collecting; /* arrived on a member that may not collect */
	__u64 drop_no_member;      /* LAG had no member to transmit on */
	__u64 drop_malformed;      /* shorter than an Ethernet header */
	__u64 drop_spoof;          /* VF sent from a MAC not its own */
	__u64 drop_hairpin;        /* VF sent to its own MAC */
	__u64 drop_flood_full;     /* broadcast copies beyond VFLAG_MAX_FLOOD */
	__u64 drop_link_local;     /* VF sent to 01:80:c2:00:00:0x (LACP, STP,
				      LLDP): a tenant must not speak for the
				      bond or the wire */
};

#endif
