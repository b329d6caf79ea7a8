/* tc-flower's vocabulary for the offload table: the words of
 * `vflagctl flow add` into a rule (match + mask + actions, ports still by
 * name), and a rule back into words for `flow show`.
 *
 * Pure: no I/O, no state, no allocation; callable from any thread.
 *
 *   dev PORT [prio N] [chain N] [handle H] flower MATCH... ACTIONS
 *   MATCH:   src_mac|dst_mac MAC[/MASK|/LEN]   vlan_id N (1..4094)
 *            eth_type ipv4|ipv6|arp|802.1Q|802.1ad|0xHHHH
 *            ip_proto tcp|udp|icmp|icmpv6|sctp|N
 *            src_ip|dst_ip ADDR[/LEN] (IPv4 or IPv6)
 *            src_port|dst_port N
 *   ACTIONS: one or more `action A [pipe]`, A one of
 *            vlan pop
 *            vlan push id N [protocol 802.1Q|802.1ad] [priority P]
 *            mirred egress redirect dev PORT   (last)
 *            drop                              (last)
 * As tc refuses them: IP fields without eth_type ipv4/ipv6 (of their
 * family), ports without ip_proto tcp/udp/sctp, a word twice. Beyond tc:
 * vlan pop after vlan push, or an action after drop/redirect (the eswitch
 * applies pop, push, then drop or redirect, in that order).
 *
 * eth_type is the EtherType after the VLAN tags; `eth_type 802.1Q` (or
 * 802.1ad) matches any tagged frame, `vlan_id N` one of VLAN N. */
#ifndef VFLAG_FLOW_FLOWER_H
#define VFLAG_FLOW_FLOWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf/vflag_dp.h"

#define FLOWER_NAME_MAX 16 /* IFNAMSIZ */
#define FLOWER_PRIO_MAX 0xffffu
#define FLOWER_PRIO_UNSET 0 /* tc: prio 0 = pick one */

struct flower_rule {
	char dev[FLOWER_NAME_MAX]; /* the port it matches frames of */
	uint32_t prio;		   /* 1..65535, FLOWER_PRIO_UNSET */
	uint32_t chain;		   /* tc chain; only 0 is offloaded */
	uint32_t handle;	   /* 0: assigned by the table */
	struct vflag_flow_key key; /* in_port left 0: the daemon's */
	struct vflag_flow_key mask;
	uint32_t actions;	       /* VFLAG_FLOW_ACT_* */
	char out_dev[FLOWER_NAME_MAX]; /* REDIRECT */
	uint16_t vlan_id;	       /* VLAN_PUSH */
	uint16_t vlan_proto;	       /* VLAN_PUSH: 0x8100 / 0x88a8 */
	uint8_t vlan_prio;	       /* VLAN_PUSH */
};

/* Parses argv[0..argc) (from `dev`) into *r. Returns 0, or -EINVAL with
 * a message naming the bad word in err. */
int flower_parse(int argc, char *const *argv, struct flower_rule *r, char *err,
		 size_t errlen);

/* The match of key/mask as flower words ("dst_mac 02:..:01 eth_type
 * ipv4 ..."; "" for match-all), in_port left out. Returns the length
 * snprintf would. */
int flower_format_match(const struct vflag_flow_key *key,
			const struct vflag_flow_key *mask, char *buf,
			size_t len);
/* The actions as words ("vlan pop | mirred egress redirect dev pf0_1"). */
int flower_format_actions(const struct flower_rule *r, char *buf, size_t len);

/* Whether the match needs parse-level checks of a well-formed rule (the
 * table's own, for rules it did not parse: adoption). */
bool flower_mask_valid(const struct vflag_flow_key *mask);

#endif
