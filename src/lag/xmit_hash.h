/* Transmit hashing of a LAG: which member a frame leaves on.
 *
 * Owns the bonding driver's xmit_hash_policy arithmetic, reproduced from
 * Linux 6.1 (drivers/net/bonding/bond_main.c: __bond_xmit_hash,
 * bond_eth_hash, bond_flow_dissect, bond_flow_ip, bond_ip_hash; and, for
 * the encap policies, net/core/flow_dissector.c: __skb_flow_dissect with
 * the bonding driver's key set, flow_keys_bonding). The caller picks
 * usable[hash % count], as bond_xmit_3ad_xor_slave_get() does, so a flow
 * lands on the member Linux would pick for it.
 *
 * Header-only and shared by two builds: the eBPF datapath
 * (clang -target bpf, where __bpf__ is defined) and userspace (vflagd's
 * `bond xmit-member`, tests, fuzzers). The hash is a pure function of the
 * frame bytes and the policy: no state, no allocation, no libc, safe from
 * any thread. Every packet read is bounds-checked against data_end, loops
 * are bounded, so the BPF verifier accepts it.
 *
 * Results are those of a little-endian kernel (x86, arm64), on any host:
 * where Linux loads addresses and ports as raw 32-bit words, we assemble
 * the same words from bytes.
 *
 * What a frame hashes on (policy -> inputs):
 *   layer2    h_dest[5] ^ h_source[5] ^ ethertype
 *   layer2+3  layer2 ^ IP addresses, folded (>>16, >>8)
 *   layer3+4  L4 ports (or the ICMP type/code/id key of an echo) ^ IP
 *             addresses, folded, then >>1
 *   encap2+3  as layer2+3 / layer3+4, but on the flow dissector's view of
 *   encap3+4  the frame, which looks through tunnels (see below)
 * Frames the policy cannot parse (non-IP for layer2+3/layer3+4, anything
 * the dissector rejects for encap*) fall back to the layer2 hash without
 * folding, as Linux does. Frames shorter than an Ethernet header hash to 0.
 * Policy values other than 0..4 are treated as layer2.
 *
 * VLAN. In tc BPF the 802.1Q tag is usually already stripped into skb
 * metadata (hardware or the stack's VLAN acceleration), and Linux's bond
 * sees a VLAN-accelerated skb: the tag outside the data, the network
 * header right after the MAC addresses, h_proto and skb->protocol the
 * inner ethertype. So a frame carrying one or two 802.1Q/802.1ad tags
 * in-band (TPID 0x8100 or 0x88a8, each tag present in full) hashes exactly
 * as that accelerated skb would: tags skipped, ethertype = the one after
 * them. (Linux holds one tag outside the data at most; with a second
 * tag left in-band, its layer2+3/layer3+4 would see a non-IP frame. We
 * skip both, as if both were outside.) A third in-band tag is not
 * skipped; its TPID is then the ethertype (a non-IP frame for
 * layer2+3/layer3+4; the encap dissector walks through it, as Linux's
 * does).
 *
 * layer2+3 / layer3+4 (bond_flow_ip): IPv4 (no ihl/version validation,
 * as in Linux: the L4 offset is ihl * 4 even when ihl < 5) and IPv6 (the
 * next header is taken as the L4 protocol: no extension header walk).
 * IPv4 fragments, first or not, hash on addresses only (ports 0). Ports
 * are read for TCP, UDP, DCCP, SCTP, UDP-Lite, ESP (its SPI) at offset 0
 * and AH (its SPI) at offset 4 (proto_ports_offset); other protocols have
 * ports 0. ICMP and ICMPv6 echo/timestamp messages use the ICMP key
 * (type | code << 8 | id << 16, id 0 counted as 1) instead of ports under
 * layer3+4. ICMP/ICMPv6 errors are hashed on the header they quote (read
 * as the outer IP version): its addresses (and, for layer3+4, its ports);
 * if the quoted header is cut short the frame falls back to layer2.
 *
 * encap2+3 / encap3+4 (__skb_flow_dissect, flow_keys_bonding, flags 0),
 * covered as read in Linux 6.1-era sources:
 *   - 802.1Q/802.1ad tags at any depth, IPv4 (ihl >= 5 required; any
 *     fragment stops the dissection with addresses only), IPv6 with
 *     hop-by-hop, routing, destination-options and fragment headers,
 *   - IP-in-IP (4), IPv6-in-IP (41), MPLS-in-IP (137: stops there),
 *   - GRE version 0 with checksum/key/sequence fields, carrying IPv4,
 *     IPv6, Ethernet (0x6558, transparent bridging: the inner ethertype is
 *     walked on) or any other ethertype of this list; GRE with routing or
 *     version > 1 stops at the outer header; GRE version 1 (PPTP) into
 *     IPv4/IPv6,
 *   - PPPoE session (compressed protocol field too) into IP, IPv6, MPLS,
 *   - ARP, RARP, MPLS, FCoE, PTP (0x88f7): the walk stops there, with
 *     the addresses of an outer IP header if any; none at the top level,
 *     so an ARP frame hashes to the folded layer2 hash under encap2+3 and
 *     to 0 under encap3+4,
 *   - batman-adv unicast, HSR/PRP tags, TIPC (source node word as the
 *     source address),
 *   - ICMP/ICMPv6 key as above; ICMP errors are NOT looked into here (the
 *     dissector does not), so they hash on the outer addresses,
 *   - at most 15 "again" steps (MAX_FLOW_DISSECT_HDRS), then the flow is
 *     taken as it stands.
 * Not reproducible from the bytes alone, so not covered:
 *   - encap3+4 returns skb->hash when skb->l4_hash is set (a socket's
 *     txhash or a NIC's RSS hash): we always dissect,
 *   - a BPF flow dissector attached to the netns replaces the dissector,
 *   - TIPC link keepalives get a random key in Linux,
 *   - GRE/TEB on architectures with NET_IP_ALIGN != 0 (not x86),
 *   - Linux 6.2+ additions (e.g. CFM) are not dissected.
 *
 * Verifier cost: about 62,000 instructions processed on Linux 6.18 for
 * all policies (see vflag_xh_at() and vflag_xh_advance() for how the
 * dissector loop is kept small for it). */
#ifndef VFLAG_LAG_XMIT_HASH_H
#define VFLAG_LAG_XMIT_HASH_H

#include <linux/types.h>
#include <linux/if_ether.h>

#include "bpf/vflag_dp.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* Numbered as Linux's BOND_XMIT_POLICY_* (include/net/bond_options.h),
 * so the value can go to and come from rtnetlink unchanged. */
enum vflag_hash_policy {
	VFLAG_HASH_LAYER2 = 0,	/* MACs and ethertype */
	VFLAG_HASH_LAYER34 = 1, /* IP addresses and L4 ports */
	VFLAG_HASH_LAYER23 = 2, /* MACs, ethertype and IP addresses */
	VFLAG_HASH_ENCAP23 = 3, /* layer2+3 on the innermost dissected flow */
	VFLAG_HASH_ENCAP34 = 4, /* layer3+4 on the innermost dissected flow */
};

#define VFLAG_HASH_POLICY_COUNT 5

/* Every offset the hash reads at is below this (see the bound at
 * vflag_xh_at()); masking with it bounds pointer arithmetic for the
 * verifier without a branch. */
#define VFLAG_XH_OFF_MASK 0x7fff
/* Linux's MAX_FLOW_DISSECT_HDRS: "again" steps the dissector takes. */
#define VFLAG_XH_MAX_HDRS 15

/* IANA protocol numbers, spelled here so that this header never meets
 * libc's <netinet/in.h> through <linux/in.h>. */
#define VFLAG_XH_IPPROTO_HOPOPTS 0
#define VFLAG_XH_IPPROTO_ICMP 1
#define VFLAG_XH_IPPROTO_IPIP 4
#define VFLAG_XH_IPPROTO_TCP 6
#define VFLAG_XH_IPPROTO_UDP 17
#define VFLAG_XH_IPPROTO_DCCP 33
#define VFLAG_XH_IPPROTO_IPV6 41
#define VFLAG_XH_IPPROTO_ROUTING 43
#define VFLAG_XH_IPPROTO_FRAGMENT 44
#define VFLAG_XH_IPPROTO_GRE 47
#define VFLAG_XH_IPPROTO_ESP 50
#define VFLAG_XH_IPPROTO_AH 51
#define VFLAG_XH_IPPROTO_ICMPV6 58
#define VFLAG_XH_IPPROTO_DSTOPTS 60
#define VFLAG_XH_IPPROTO_SCTP 132
#define VFLAG_XH_IPPROTO_UDPLITE 136
#define VFLAG_XH_IPPROTO_MPLS 137

/* How one dissection step ended (Linux's enum flow_dissect_ret). */
enum vflag_xh_ret {
	VFLAG_XH_BAD,		/* malformed: hash falls back to layer2 */
	VFLAG_XH_GOOD,		/* done: hash the flow as it stands */
	VFLAG_XH_CONTINUE,	/* L3 header done: look at the L4 header */
	VFLAG_XH_PROTO_AGAIN,	/* another L3 header follows */
	VFLAG_XH_IPPROTO_AGAIN, /* another L4 (IPv6 extension) header */
};

/* The parts of Linux's struct flow_keys the hash reads, as the words it
 * reads them as. */
struct vflag_xh_flow {
	__u32 src;   /* flow_get_u32_src(): raw IPv4 word, IPv6 fold, TIPC */
	__u32 dst;   /* flow_get_u32_dst() */
	__u32 ports; /* the 4 bytes at the port offset, raw */
	__u32 icmp;  /* struct flow_dissector_key_icmp's memory image */
};

/* The dissector's cursor. */
struct vflag_xh_walk {
	__u32 proto;	/* L3 ethertype, host order */
	__u32 ip_proto; /* L4 protocol */
	__u32 nhoff;	/* offset of the header being looked at */
};

/* Returns a pointer to len bytes at off in [data, data_end), or 0 when
 * they are not all there.
 *
 * No offset reaches VFLAG_XH_OFF_MASK: the walk starts at most 22 bytes
 * in; at most 16 L3 steps add at most 60 bytes each (an IPv4 header), at
 * most 15 "again" steps add at most 2048 (an IPv6 extension header), and
 * a read adds at most 40 more: 22 + 960 + 30720 + 40 < 0x7fff. So the
 * mask below never changes an offset. It is a mask, not an `if`, on
 * purpose: a branch on the offset that the verifier can decide makes it
 * track every distinct offset through the dissector loop, and the loop
 * then no longer verifies within the 1M instruction budget. */
static __always_inline const __u8 *
vflag_xh_at(const void *data, const void *data_end, __u32 off, __u32 len)
{
	const __u8 *p;

	off &= VFLAG_XH_OFF_MASK;
#ifdef __bpf__
	p = (const __u8 *)data + off;
	if (p + len > (const __u8 *)data_end)
		return 0;
#else
	/* The same test without forming a pointer past the buffer. */
	{
		unsigned long avail = (unsigned long)((const __u8 *)data_end -
						      (const __u8 *)data);

		if ((const __u8 *)data_end < (const __u8 *)data ||
		    off > avail || len > avail - off)
			return 0;
		p = (const __u8 *)data + off;
	}
#endif
	return p;
}

/* ntohs() of the 2 bytes at p, built from bytes: no libc, no alignment
 * or host byte order assumption. */
static __always_inline __u32 vflag_xh_be16(const __u8 *p)
{
	return (__u32)p[0] << 8 | p[1];
}

/* The 4 bytes at p as a little-endian CPU loads them: Linux hashes
 * addresses and ports as such raw loads. */
static __always_inline __u32 vflag_xh_raw32(const __u8 *p)
{
	return (__u32)p[0] | (__u32)p[1] << 8 | (__u32)p[2] << 16 |
	       (__u32)p[3] << 24;
}

/* ipv6_addr_hash(): the xor of the address's four raw words. */
static __always_inline __u32 vflag_xh_ipv6_fold(const __u8 *a)
{
	return vflag_xh_raw32(a) ^ vflag_xh_raw32(a + 4) ^
	       vflag_xh_raw32(a + 8) ^ vflag_xh_raw32(a + 12);
}

/* __skb_flow_get_ports(): the 4 bytes at proto_ports_offset(), or 0. */
static __always_inline __u32 vflag_xh_ports(const void *data,
					    const void *data_end, __u32 thoff,
					    __u32 ip_proto)
{
	const __u8 *p;
	__u32 poff;

	switch (ip_proto) {
	case VFLAG_XH_IPPROTO_TCP:
	case VFLAG_XH_IPPROTO_UDP:
	case VFLAG_XH_IPPROTO_DCCP:
	case VFLAG_XH_IPPROTO_ESP:
	case VFLAG_XH_IPPROTO_SCTP:
	case VFLAG_XH_IPPROTO_UDPLITE:
		poff = 0;
		break;
	case VFLAG_XH_IPPROTO_AH:
		poff = 4;
		break;
	default:
		return 0;
	}
	p = vflag_xh_at(data, data_end, thoff + poff, 4);
	return p ? vflag_xh_raw32(p) : 0;
}

/* skb_flow_get_icmp_tci(): sets *icmp to type | code << 8 | id << 16
 * when the 8-byte ICMP header is there, else leaves it. The id is kept
 * for the messages that carry one (icmp_has_id(), which tests ICMP and
 * ICMPv6 type values alike), with 0 counted as 1. */
static __always_inline void
vflag_xh_icmp(const void *data, const void *data_end, __u32 thoff, __u32 *icmp)
{
	const __u8 *p = vflag_xh_at(data, data_end, thoff, 8);
	__u32 id = 0;

	if (!p)
		return;
	switch (p[0]) {
	case 0:	  /* ICMP_ECHOREPLY */
	case 8:	  /* ICMP_ECHO */
	case 13:  /* ICMP_TIMESTAMP */
	case 14:  /* ICMP_TIMESTAMPREPLY */
	case 128: /* ICMPV6_ECHO_REQUEST */
	case 129: /* ICMPV6_ECHO_REPLY */
		id = vflag_xh_be16(p + 4);
		if (!id)
			id = 1;
		break;
	}
	*icmp = (__u32)p[0] | (__u32)p[1] << 8 | id << 16;
}

/* icmp_is_err() / icmpv6_is_err(): messages quoting the offending
 * packet's header. */
static __always_inline int vflag_xh_icmp_is_err(__u32 ip_proto, __u32 type)
{
	if (ip_proto == VFLAG_XH_IPPROTO_ICMP)
		return type == 3 || type == 4 || type == 5 || type == 11 ||
		       type == 12;
	return type >= 1 && type <= 4;
}

/* bond_flow_ip(): the IP header at *nhoff, read as l2_proto says. Sets
 * the addresses, advances *nhoff past it, sets *ip_proto unless it is an
 * IPv4 fragment, and the ports when l34. Returns 0 if not IP or cut
 * short. */
static __always_inline int vflag_xh_flow_ip(const void *data,
					    const void *data_end,
					    __u32 l2_proto, __u32 *nhoff,
					    __u32 *ip_proto, int *has_proto,
					    int l34, struct vflag_xh_flow *fk)
{
	const __u8 *p;

	if (l2_proto == ETH_P_IP) {
		p = vflag_xh_at(data, data_end, *nhoff, 20);
		if (!p)
			return 0;
		fk->src = vflag_xh_raw32(p + 12);
		fk->dst = vflag_xh_raw32(p + 16);
		*nhoff += (__u32)(p[0] & 0xf) << 2;
		/* ip_is_fragment(): MF set or a non-zero offset */
		if (!(vflag_xh_be16(p + 6) & 0x3fff)) {
			*ip_proto = p[9];
			*has_proto = 1;
		}
	} else if (l2_proto == ETH_P_IPV6) {
		p = vflag_xh_at(data, data_end, *nhoff, 40);
		if (!p)
			return 0;
		fk->src = vflag_xh_ipv6_fold(p + 8);
		fk->dst = vflag_xh_ipv6_fold(p + 24);
		*nhoff += 40;
		*ip_proto = p[6];
		*has_proto = 1;
	} else {
		return 0;
	}
	if (l34 && *has_proto)
		fk->ports = vflag_xh_ports(data, data_end, *nhoff, *ip_proto);
	return 1;
}

/* bond_flow_dissect() for layer2+3 and layer3+4. Returns 0 when the
 * frame is to be hashed on layer2 alone. */
static __always_inline int vflag_xh_flow_l3(const void *data,
					    const void *data_end,
					    __u32 l2_proto, __u32 nhoff,
					    int l34, struct vflag_xh_flow *fk)
{
	__u32 ip_proto = 0;
	int has_proto = 0;

	if (!vflag_xh_flow_ip(data, data_end, l2_proto, &nhoff, &ip_proto,
			      &has_proto, l34, fk))
		return 0;
	if (!has_proto || (ip_proto != VFLAG_XH_IPPROTO_ICMP &&
			   ip_proto != VFLAG_XH_IPPROTO_ICMPV6))
		return 1;
	vflag_xh_icmp(data, data_end, nhoff, &fk->icmp);
	if (!vflag_xh_icmp_is_err(ip_proto, fk->icmp & 0xff))
		return 1;
	/* An error: hash the header it quotes, read as the outer one. */
	nhoff += 8;
	return vflag_xh_flow_ip(data, data_end, l2_proto, &nhoff, &ip_proto,
				&has_proto, l34, fk);
}

/* Moves the dissector's cursor k bytes on. The mask never changes the
 * value (see vflag_xh_at()); it keeps the verifier's view of the cursor
 * at "somewhere in [0, VFLAG_XH_OFF_MASK]" whatever headers came before,
 * so the states of different paths through the loop below compare equal
 * and get pruned. */
static __always_inline void vflag_xh_advance(struct vflag_xh_walk *w, __u32 k)
{
	w->nhoff = (w->nhoff + k) & VFLAG_XH_OFF_MASK;
}

/* One step of __skb_flow_dissect()'s switch on the L3 protocol. */
static __always_inline enum vflag_xh_ret
vflag_xh_dissect_l3(const void *data, const void *data_end,
		    struct vflag_xh_walk *w, struct vflag_xh_flow *fk)
{
	const __u8 *p;
	__u32 v, c;

	switch (w->proto) {
	case ETH_P_IP:
		p = vflag_xh_at(data, data_end, w->nhoff, 20);
		if (!p || (p[0] & 0xf) < 5)
			return VFLAG_XH_BAD;
		fk->src = vflag_xh_raw32(p + 12);
		fk->dst = vflag_xh_raw32(p + 16);
		w->ip_proto = p[9];
		/* Without FLOW_DISSECTOR_F_PARSE_1ST_FRAG even a first
		 * fragment stops here, its ports not read. */
		if (vflag_xh_be16(p + 6) & 0x3fff)
			return VFLAG_XH_GOOD;
		vflag_xh_advance(w, (__u32)(p[0] & 0xf) << 2);
		return VFLAG_XH_CONTINUE;
	case ETH_P_IPV6:
		p = vflag_xh_at(data, data_end, w->nhoff, 40);
		if (!p)
			return VFLAG_XH_BAD;
		fk->src = vflag_xh_ipv6_fold(p + 8);
		fk->dst = vflag_xh_ipv6_fold(p + 24);
		w->ip_proto = p[6];
		vflag_xh_advance(w, 40);
		return VFLAG_XH_CONTINUE;
	case ETH_P_8021Q:
	case ETH_P_8021AD:
		p = vflag_xh_at(data, data_end, w->nhoff, 4);
		if (!p)
			return VFLAG_XH_BAD;
		w->proto = vflag_xh_be16(p + 2);
		vflag_xh_advance(w, 4);
		return VFLAG_XH_PROTO_AGAIN;
	case ETH_P_PPP_SES:
		/* pppoe_hdr (ver 1, type 1, code 0) and the PPP protocol */
		p = vflag_xh_at(data, data_end, w->nhoff, 8);
		if (!p || p[0] != 0x11 || p[1] != 0)
			return VFLAG_XH_BAD;
		v = vflag_xh_be16(p + 6);
		c = (v >> 8) & 1; /* compressed to one byte */
		v >>= c << 3;
		vflag_xh_advance(w, 8 - c);
		if (v == 0x21) /* PPP_IP */
			w->proto = ETH_P_IP;
		else if (v == 0x57) /* PPP_IPV6 */
			w->proto = ETH_P_IPV6;
		else if (v == 0x0281) /* PPP_MPLS_UC */
			w->proto = ETH_P_MPLS_UC;
		else if (v == 0x0283) /* PPP_MPLS_MC */
			w->proto = ETH_P_MPLS_MC;
		else /* ppp_proto_is_valid() */
			return (v & 0x0101) == 0x0001 ? VFLAG_XH_GOOD
						      : VFLAG_XH_BAD;
		return VFLAG_XH_PROTO_AGAIN;
	case ETH_P_TIPC:
		/* tipc_basic_hdr; the key is word 3, the source node */
		p = vflag_xh_at(data, data_end, w->nhoff, 16);
		if (!p)
			return VFLAG_XH_BAD;
		fk->src = vflag_xh_raw32(p + 12);
		fk->dst = 0;
		return VFLAG_XH_GOOD;
	case ETH_P_MPLS_UC:
	case ETH_P_MPLS_MC:
	case ETH_P_ARP:
	case ETH_P_RARP:
		/* the bonding key set has no MPLS or ARP keys */
		return VFLAG_XH_GOOD;
	case ETH_P_FCOE:
		return vflag_xh_at(data, data_end, w->nhoff, 38) ? VFLAG_XH_GOOD
								 : VFLAG_XH_BAD;
	case ETH_P_1588:
		/* struct ptp_header */
		return vflag_xh_at(data, data_end, w->nhoff, 34) ? VFLAG_XH_GOOD
								 : VFLAG_XH_BAD;
	case ETH_P_BATMAN:
		/* batadv_unicast_packet (10 bytes) and an Ethernet header */
		p = vflag_xh_at(data, data_end, w->nhoff, 24);
		if (!p || p[1] != 15 || p[0] != 0x40)
			return VFLAG_XH_BAD;
		w->proto = vflag_xh_be16(p + 22);
		vflag_xh_advance(w, 24);
		return VFLAG_XH_PROTO_AGAIN;
	case ETH_P_PRP:
	case ETH_P_HSR:
		/* struct hsr_tag */
		p = vflag_xh_at(data, data_end, w->nhoff, 6);
		if (!p)
			return VFLAG_XH_BAD;
		w->proto = vflag_xh_be16(p + 4);
		vflag_xh_advance(w, 6);
		return VFLAG_XH_PROTO_AGAIN;
	default:
		return VFLAG_XH_BAD;
	}
}

/* __skb_flow_dissect_gre(): looks through GRE v0 and PPTP (v1). The
 * optional fields' sizes are added arithmetically rather than by
 * branches, which would give the verifier a path per flag combination. */
static __always_inline enum vflag_xh_ret
vflag_xh_dissect_gre(const void *data, const void *data_end,
		     struct vflag_xh_walk *w)
{
	const __u8 *p = vflag_xh_at(data, data_end, w->nhoff, 4);
	__u32 flags, ver, key, off;

	if (!p)
		return VFLAG_XH_BAD;
	flags = vflag_xh_be16(p);
	if (flags & 0x4000) /* routing present */
		return VFLAG_XH_GOOD;
	ver = flags & 0x7;
	if (ver > 1)
		return VFLAG_XH_GOOD;
	w->proto = vflag_xh_be16(p + 2);
	if (ver && !(w->proto == 0x880b && (flags & 0x2000)))
		return VFLAG_XH_GOOD; /* v1 must be PPTP: PPP with a key */
	/* base header, then checksum + reserved1 if C */
	off = 4 + (((flags >> 15) & 1) << 2);
	/* the key, if K, must be there; with key == 0 this asks for 0 bytes
	 * at offset 0, which always are */
	key = (flags >> 13) & 1;
	if (!vflag_xh_at(data, data_end, (w->nhoff + off) * key, key << 2))
		return VFLAG_XH_BAD;
	off += key << 2;
	off += ((flags >> 12) & 1) << 2; /* sequence number if S */
	if (!ver) {
		if (w->proto == ETH_P_TEB) {
			p = vflag_xh_at(data, data_end, w->nhoff + off, 14);
			if (!p)
				return VFLAG_XH_BAD;
			w->proto = vflag_xh_be16(p + 12);
			off += 14;
		}
	} else {
		off += ((flags >> 7) & 1) << 2; /* acknowledgment if A */
		p = vflag_xh_at(data, data_end, w->nhoff + off, 4);
		if (!p)
			return VFLAG_XH_BAD;
		/* PPP_PROTOCOL() of the 4-byte PPP header */
		if (vflag_xh_be16(p + 2) == 0x21)
			w->proto = ETH_P_IP;
		else if (vflag_xh_be16(p + 2) == 0x57)
			w->proto = ETH_P_IPV6;
		off += 4;
	}
	vflag_xh_advance(w, off);
	return VFLAG_XH_PROTO_AGAIN;
}

/* One step of __skb_flow_dissect()'s switch on the L4 protocol, then the
 * ports, which Linux reads after every such step. */
static __always_inline enum vflag_xh_ret
vflag_xh_dissect_l4(const void *data, const void *data_end,
		    struct vflag_xh_walk *w, struct vflag_xh_flow *fk)
{
	enum vflag_xh_ret ret = VFLAG_XH_GOOD;
	const __u8 *p;

	switch (w->ip_proto) {
	case VFLAG_XH_IPPROTO_GRE:
		ret = vflag_xh_dissect_gre(data, data_end, w);
		break;
	case VFLAG_XH_IPPROTO_HOPOPTS:
	case VFLAG_XH_IPPROTO_ROUTING:
	case VFLAG_XH_IPPROTO_DSTOPTS:
		if (w->proto != ETH_P_IPV6)
			break;
		p = vflag_xh_at(data, data_end, w->nhoff, 2);
		if (!p)
			return VFLAG_XH_BAD;
		w->ip_proto = p[0];
		vflag_xh_advance(w, ((__u32)p[1] + 1) << 3);
		ret = VFLAG_XH_IPPROTO_AGAIN;
		break;
	case VFLAG_XH_IPPROTO_FRAGMENT:
		if (w->proto != ETH_P_IPV6)
			break;
		p = vflag_xh_at(data, data_end, w->nhoff, 8);
		if (!p)
			return VFLAG_XH_BAD;
		/* first fragment or not: no ports, without PARSE_1ST_FRAG */
		return VFLAG_XH_GOOD;
	/* The ports of the next four are 0 (proto_ports_offset() < 0);
	 * set here rather than looked up, to spare the verifier paths. */
	case VFLAG_XH_IPPROTO_IPIP:
		w->proto = ETH_P_IP;
		fk->ports = 0;
		return VFLAG_XH_PROTO_AGAIN;
	case VFLAG_XH_IPPROTO_IPV6:
		w->proto = ETH_P_IPV6;
		fk->ports = 0;
		return VFLAG_XH_PROTO_AGAIN;
	case VFLAG_XH_IPPROTO_MPLS:
		w->proto = ETH_P_MPLS_UC;
		fk->ports = 0;
		return VFLAG_XH_PROTO_AGAIN;
	case VFLAG_XH_IPPROTO_ICMP:
	case VFLAG_XH_IPPROTO_ICMPV6:
		vflag_xh_icmp(data, data_end, w->nhoff, &fk->icmp);
		fk->ports = 0;
		return VFLAG_XH_GOOD;
	}
	if (ret == VFLAG_XH_BAD)
		return ret;
	fk->ports = vflag_xh_ports(data, data_end, w->nhoff, w->ip_proto);
	return ret;
}

#ifdef __bpf__
/* A zero that the verifier cannot prove is zero: the same packet byte
 * loaded twice and xored. Added to the cursor before the loop (and
 * masked), it makes the verifier treat the cursor as any offset in
 * [0, VFLAG_XH_OFF_MASK] from the first step on. */
static __always_inline __u32 vflag_xh_opaque_zero(const __u8 *byte)
{
	__u32 a = *(const volatile __u8 *)byte;
	__u32 b = *(const volatile __u8 *)byte;

	return (a ^ b) * 0x101;
}
#else
#define vflag_xh_opaque_zero(byte) 0u
#endif

/* __skb_flow_dissect() with the bonding keys, from the L3 header of
 * protocol proto at nhoff. Returns 0 when Linux's returns false.
 *
 * Each pass is one L3 or one L4 step. An L3 step that continues to L4
 * is followed by an L4 step; every other step that does not end the
 * walk counts against VFLAG_XH_MAX_HDRS; so (num_hdrs, l4) grows at
 * every pass and the walk ends within 2 * (VFLAG_XH_MAX_HDRS + 1)
 * passes. */
static __always_inline int vflag_xh_dissect(const void *data,
					    const void *data_end, __u32 proto,
					    __u32 nhoff,
					    struct vflag_xh_flow *fk)
{
	struct vflag_xh_walk w = {.proto = proto};
	__u32 num_hdrs = 0;
	int l4 = 0;

	w.nhoff = (nhoff + vflag_xh_opaque_zero(data)) & VFLAG_XH_OFF_MASK;
	while (num_hdrs <= VFLAG_XH_MAX_HDRS) {
		enum vflag_xh_ret ret;

		if (l4)
			ret = vflag_xh_dissect_l4(data, data_end, &w, fk);
		else
			ret = vflag_xh_dissect_l3(data, data_end, &w, fk);
		if (ret == VFLAG_XH_BAD)
			return 0;
		if (ret == VFLAG_XH_GOOD)
			return 1;
		if (ret == VFLAG_XH_CONTINUE) { /* only from an L3 step */
			l4 = 1;
			continue;
		}
		/* Linux stops here, taking the flow as it stands, once
		 * MAX_FLOW_DISSECT_HDRS steps have been taken */
		if (++num_hdrs > VFLAG_XH_MAX_HDRS)
			return 1;
		l4 = ret == VFLAG_XH_IPPROTO_AGAIN;
		if (!l4)
			w.ip_proto =
			    0; /* dead until the next L3 step sets it */
	}
	return 1;
}

/* bond_ip_hash(): mixes the addresses in and folds. */
static __always_inline __u32 vflag_xh_ip_hash(__u32 hash,
					      const struct vflag_xh_flow *fk,
					      __u32 policy)
{
	hash ^= fk->dst ^ fk->src;
	hash ^= hash >> 16;
	hash ^= hash >> 8;
	/* the lowest bit is dropped for the L4 policies only (Linux 5.18+) */
	if (policy == VFLAG_HASH_LAYER34 || policy == VFLAG_HASH_ENCAP34)
		return hash >> 1;
	return hash;
}

/* The bonding driver's __bond_xmit_hash() over the frame in
 * [data, data_end): the caller picks usable[hash % count]. */
static __always_inline __u32 vflag_xmit_hash(const void *data,
					     const void *data_end, __u32 policy)
{
	struct vflag_xh_flow fk = {0, 0, 0, 0};
	const __u8 *eth = vflag_xh_at(data, data_end, 0, 14);
	const __u8 *tag;
	__u32 proto, nhoff = 14, l2hash, hash;
	int ok;

	if (!eth)
		return 0; /* bond_eth_hash() of a runt */
	proto = vflag_xh_be16(eth + 12);
	/* Up to two in-band tags are taken as the accelerated tag of Linux's
	 * skb (see the top of this file). Unrolled: two checks. */
	if (proto == ETH_P_8021Q || proto == ETH_P_8021AD) {
		tag = vflag_xh_at(data, data_end, 14, 4);
		if (tag) {
			proto = vflag_xh_be16(tag + 2);
			nhoff = 18;
			if (proto == ETH_P_8021Q || proto == ETH_P_8021AD) {
				tag = vflag_xh_at(data, data_end, 18, 4);
				if (tag) {
					proto = vflag_xh_be16(tag + 2);
					nhoff = 22;
				}
			}
		}
	}
	/* bond_eth_hash() */
	l2hash = (__u32)eth[5] ^ eth[11] ^ proto;

	switch (policy) {
	case VFLAG_HASH_LAYER23:
	case VFLAG_HASH_LAYER34:
		ok = vflag_xh_flow_l3(data, data_end, proto, nhoff,
				      policy == VFLAG_HASH_LAYER34, &fk);
		break;
	case VFLAG_HASH_ENCAP23:
	case VFLAG_HASH_ENCAP34:
		ok = vflag_xh_dissect(data, data_end, proto, nhoff, &fk);
		break;
	default:
		ok = 0;
		break;
	}
	if (!ok)
		return l2hash;
	if (policy == VFLAG_HASH_LAYER23 || policy == VFLAG_HASH_ENCAP23)
		hash = l2hash;
	else if (fk.icmp >> 16) /* an ICMP id */
		hash = fk.icmp;
	else
		hash = fk.ports;
	return vflag_xh_ip_hash(hash, &fk, policy);
}

#ifndef __bpf__
#include <errno.h>
#include <string.h>

/* The policy's name as `bond show` and sysfs spell it, or NULL. */
static inline const char *vflag_hash_policy_name(__u32 policy)
{
	switch (policy) {
	case VFLAG_HASH_LAYER2:
		return "layer2";
	case VFLAG_HASH_LAYER34:
		return "layer3+4";
	case VFLAG_HASH_LAYER23:
		return "layer2+3";
	case VFLAG_HASH_ENCAP23:
		return "encap2+3";
	case VFLAG_HASH_ENCAP34:
		return "encap3+4";
	default:
		return NULL;
	}
}

/* Parses a policy name ("layer3+4") or its number ("1"), as the bonding
 * sysfs file accepts; 0 or -EINVAL. */
static inline int vflag_hash_policy_parse(const char *s, __u32 *policy)
{
	for (__u32 p = 0; p < VFLAG_HASH_POLICY_COUNT; p++) {
		if (!strcmp(s, vflag_hash_policy_name(p)) ||
		    (s[0] == (char)('0' + p) && !s[1])) {
			*policy = p;
			return 0;
		}
	}
	return -EINVAL;
}
#endif /* !__bpf__ */

/* The policy a LAG's frames are hashed with, by its port_select
 * (vflag_dp.h): hash_policy in HASH mode; in QUEUE_AFFINITY mode the
 * flow's own layer3+4 hash, whatever hash_policy says. The datapath and
 * `bond xmit-member` both call this, so the prediction is exact. */
static __always_inline __u32 vflag_lag_hash_policy(const struct vflag_lag *lag)
{
	return lag->port_select == VFLAG_PORT_SELECT_QUEUE_AFFINITY
		   ? VFLAG_HASH_LAYER34
		   : lag->hash_policy;
}

#endif
