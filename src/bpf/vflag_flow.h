/* The offload table's key (struct vflag_flow_key, bpf/vflag_dp.h) from a
 * frame, and masking, shared by the eBPF eswitch and userspace (the
 * classifier's reference lookup, unit tests, the bench), as
 * bpf/vflag_frame.h is.
 *
 * A pure function of the bytes and of the frame vflag_frame_parse() made
 * of them: no state, no libc. Every read is bounds-checked against
 * data_end at a constant size, and the offsets come from the parsed
 * frame (l3_off <= 22), so the verifier accepts it unrolled.
 *
 * Filled: in_port (the caller's), vlan_tci (outer tag's VID |
 * VFLAG_FLOW_VLAN_PRESENT), eth_type after the tags, MACs; for IPv4
 * (IHL >= 5) and IPv6 the addresses and the protocol (IPv6: the next
 * header of the fixed header, extension headers are not walked); for
 * TCP, UDP and SCTP of a first fragment (IPv4 offset 0) the ports. A
 * frame the parser found malformed keeps only MACs and in_port. */
#ifndef VFLAG_BPF_FLOW_H
#define VFLAG_BPF_FLOW_H

#include <linux/types.h>

#include "bpf/vflag_dp.h"
#include "bpf/vflag_frame.h"

#define VFLAG_ETH_P_IPV4 0x0800
#define VFLAG_ETH_P_IPV6 0x86dd
#define VFLAG_ETH_P_ARP 0x0806
#define VFLAG_IPPROTO_ICMP 1
#define VFLAG_IPPROTO_TCP 6
#define VFLAG_IPPROTO_UDP 17
#define VFLAG_IPPROTO_SCTP 132
#define VFLAG_IPPROTO_ICMPV6 58

#define VFLAG_FLOW_KEY_WORDS (sizeof(struct vflag_flow_key) / 8)

static __always_inline void vflag_flow_copy4(__u32 *dst, const __u8 *p)
{
	__builtin_memcpy(dst, p, 4);
}

/* Fills *k from the frame f parsed out of [data, data_end). */
static __always_inline void vflag_flow_extract(const void *data,
					       const void *data_end,
					       const struct vflag_frame *f,
					       __u32 in_port,
					       struct vflag_flow_key *k)
{
	const __u8 *p, *l4 = 0;
	__u32 off = f->l3_off;

	__builtin_memset(k, 0, sizeof(*k));
	k->in_port = in_port;
	__builtin_memcpy(k->dst, f->dst, 6);
	__builtin_memcpy(k->src, f->src, 6);
	if (f->status != VFLAG_FRAME_OK)
		return;
	if (f->ntags)
		k->vlan_tci = (__u16)((f->tci[0] & VFLAG_FRAME_VID_MASK) |
				      VFLAG_FLOW_VLAN_PRESENT);
	k->eth_type = f->ethertype;
	/* l3_off is 14, 18 or 22: a constant bound for the verifier. */
	if (off > 22)
		return;
	if (f->ethertype == VFLAG_ETH_P_IPV4) {
		__u32 ihl;

		p = vflag_frame_at(data, data_end, off, 20);
		if (!p || (p[0] >> 4) != 4)
			return;
		ihl = (__u32)(p[0] & 0xf) * 4;
		if (ihl < 20)
			return;
		k->ip_proto = p[9];
		vflag_flow_copy4(&k->src_ip[0], p + 12);
		vflag_flow_copy4(&k->dst_ip[0], p + 16);
		/* Ports only in the first fragment. */
		if (((p[6] & 0x1f) | p[7]) != 0)
			return;
		off += ihl;
	} else if (f->ethertype == VFLAG_ETH_P_IPV6) {
		p = vflag_frame_at(data, data_end, off, 40);
		if (!p || (p[0] >> 4) != 6)
			return;
		k->ip_proto = p[6];
		vflag_flow_copy4(&k->src_ip[0], p + 8);
		vflag_flow_copy4(&k->src_ip[1], p + 12);
		vflag_flow_copy4(&k->src_ip[2], p + 16);
		vflag_flow_copy4(&k->src_ip[3], p + 20);
		vflag_flow_copy4(&k->dst_ip[0], p + 24);
		vflag_flow_copy4(&k->dst_ip[1], p + 28);
		vflag_flow_copy4(&k->dst_ip[2], p + 32);
		vflag_flow_copy4(&k->dst_ip[3], p + 36);
		off += 40;
	} else {
		return;
	}
	if (k->ip_proto != VFLAG_IPPROTO_TCP &&
	    k->ip_proto != VFLAG_IPPROTO_UDP &&
	    k->ip_proto != VFLAG_IPPROTO_SCTP)
		return;
	/* off <= 22 + 60: bounded for the verifier. */
	if (off > 22 + 60)
		return;
	l4 = vflag_frame_at(data, data_end, off, 4);
	if (!l4)
		return;
	__builtin_memcpy(&k->src_port, l4, 2);
	__builtin_memcpy(&k->dst_port, l4 + 2, 2);
}

/* out = k & mask, a __u64 at a time (userspace: through memcpy, which
 * the compiler turns into the same loads without aliasing the struct). */
static __always_inline void vflag_flow_mask(const struct vflag_flow_key *k,
					    const struct vflag_flow_key *mask,
					    struct vflag_flow_key *out)
{
	int i;
#ifdef __bpf__
	const __u64 *a = (const __u64 *)k, *m = (const __u64 *)mask;
	__u64 *o = (__u64 *)out;

	for (i = 0; i < (int)VFLAG_FLOW_KEY_WORDS; i++)
		o[i] = a[i] & m[i];
#else
	for (i = 0; i < (int)VFLAG_FLOW_KEY_WORDS; i++) {
		__u64 a, m;

		__builtin_memcpy(&a, (const char *)k + 8 * i, 8);
		__builtin_memcpy(&m, (const char *)mask + 8 * i, 8);
		a &= m;
		__builtin_memcpy((char *)out + 8 * i, &a, 8);
	}
#endif
}

#endif
