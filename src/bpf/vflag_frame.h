/* Frame parsing for the eswitch's isolation checks: Ethernet header, up
 * to two VLAN tags, the EtherType after them, and the class of control
 * protocol it names.
 *
 * Header-only and shared by two builds, as lag/xmit_hash.h is: the eBPF
 * datapath (clang -target bpf, __bpf__ defined) and userspace (unit tests
 * and the fuzzer, which run the same vectors). A pure function of the
 * bytes and of the tag the kernel may already have taken out of them: no
 * state, no allocation, no libc, safe from any thread. Every read is
 * bounds-checked against data_end and the tag walk is a loop of at most
 * three constant-offset steps, so the verifier accepts it unrolled.
 *
 * The tag outside the data. On tc ingress of a veth (and of most NICs)
 * the kernel has already moved the OUTER tag into skb metadata
 * (skb->vlan_present / vlan_proto / vlan_tci, skb_vlan_untag() in
 * __netif_receive_skb_core) before the tc hook runs; BPF_PROG_TEST_RUN,
 * on the other hand, leaves it in the bytes. The caller passes that
 * metadata tag as accel_proto/accel_tci (accel_proto 0: none) and the
 * parser counts it as the outermost of the stack, so both views of the
 * same frame parse alike.
 *
 * Tag protocol identifiers: 0x8100 (802.1Q C-tag), 0x88a8 (802.1ad
 * S-tag) and 0x9100 (the pre-standard QinQ TPID some switches still
 * treat as a tag: counting it as one keeps a control protocol from
 * hiding behind it). A tag of VID 0 is a priority tag: it is a tag (it
 * counts towards the limit of two and is skipped to find the EtherType)
 * but it names no VLAN.
 *
 * Result (struct vflag_frame): status VFLAG_FRAME_OK, or why not:
 *   SHORT          fewer than 14 bytes; nothing else is filled in
 *   TRUNC_TAG      a tag TPID not followed by its TCI and the next
 *                  EtherType (6 bytes from the TPID)
 *   TOO_MANY_TAGS  a third tag (metadata tag included)
 * MAC addresses and their flags are filled in whenever the header is
 * there; ethertype/ctl only when the status is OK. */
#ifndef VFLAG_BPF_FRAME_H
#define VFLAG_BPF_FRAME_H

#include <linux/types.h>

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define VFLAG_FRAME_MAX_TAGS 2 /* deeper stacks are malformed */
#define VFLAG_FRAME_ETH_HLEN 14
#define VFLAG_FRAME_TAG_LEN 4
#define VFLAG_FRAME_MIN_LEN 60 /* 802.3 minimum without the FCS */
#define VFLAG_FRAME_VID_MASK 0x0fff
#define VFLAG_FRAME_PCP_SHIFT 13

#define VFLAG_ETH_P_8021Q 0x8100
#define VFLAG_ETH_P_8021AD 0x88a8
#define VFLAG_ETH_P_QINQ_9100 0x9100
#define VFLAG_ETH_P_MAC_CONTROL 0x8808 /* PAUSE, PFC (802.3 Annex 31B) */
#define VFLAG_ETH_P_SLOW 0x8809	       /* LACP, marker, OAM (802.3 Annex 57A) */
#define VFLAG_ETH_P_EAPOL 0x888e       /* 802.1X */
#define VFLAG_ETH_P_LLDP 0x88cc	       /* 802.1AB */

enum vflag_frame_status {
	VFLAG_FRAME_OK = 0,
	VFLAG_FRAME_SHORT = 1,
	VFLAG_FRAME_TRUNC_TAG = 2,
	VFLAG_FRAME_TOO_MANY_TAGS = 3,
};

/* What the EtherType after the tags makes of the frame. */
enum vflag_frame_ctl {
	VFLAG_CTL_NONE = 0,
	VFLAG_CTL_SLOW = 1,	   /* 0x8809: never from a VF */
	VFLAG_CTL_MAC_CONTROL = 2, /* 0x8808: never from a VF */
	VFLAG_CTL_LLDP = 3,	   /* 0x88cc: only from a trusted VF */
	VFLAG_CTL_EAPOL = 4,	   /* 0x888e: only from a trusted VF */
};

#define VFLAG_FRAME_F_DST_GROUP (1u << 0)      /* multicast or broadcast */
#define VFLAG_FRAME_F_DST_BCAST (1u << 1)      /* ff:ff:ff:ff:ff:ff */
#define VFLAG_FRAME_F_DST_LINK_LOCAL (1u << 2) /* 01:80:c2:00:00:0x */
#define VFLAG_FRAME_F_SRC_BAD (1u << 3)	       /* group bit or all zero */
#define VFLAG_FRAME_F_ACCEL_TAG (1u << 4) /* tpid[0]/tci[0] from metadata */

struct vflag_frame {
	__u8 dst[6];
	__u8 src[6];
	__u16 status;	 /* enum vflag_frame_status */
	__u16 flags;	 /* VFLAG_FRAME_F_* */
	__u16 ntags;	 /* 0..2, the metadata tag included */
	__u16 ethertype; /* host order, after the tags (OK only) */
	__u16 tpid[VFLAG_FRAME_MAX_TAGS]; /* host order, outermost first */
	__u16 tci[VFLAG_FRAME_MAX_TAGS];
	__u16 l3_off; /* offset in the data of what follows the tags */
	__u16 ctl;    /* enum vflag_frame_ctl (OK only) */
};

static __always_inline int vflag_frame_is_tpid(__u32 t)
{
	return t == VFLAG_ETH_P_8021Q || t == VFLAG_ETH_P_8021AD ||
	       t == VFLAG_ETH_P_QINQ_9100;
}

/* The VLAN the frame belongs to: the outer tag's VID, 0 for untagged or
 * priority-tagged frames. */
static __always_inline __u32 vflag_frame_vid(const struct vflag_frame *f)
{
	return f->ntags ? (__u32)(f->tci[0] & VFLAG_FRAME_VID_MASK) : 0;
}

/* Whether the n bytes at off are inside [data, data_end); the BPF form
 * is what the verifier understands, the other never forms a pointer past
 * the buffer. */
static __always_inline const __u8 *
vflag_frame_at(const void *data, const void *data_end, __u32 off, __u32 n)
{
#ifdef __bpf__
	const __u8 *p = (const __u8 *)data + off;

	if (p + n > (const __u8 *)data_end)
		return 0;
	return p;
#else
	unsigned long avail =
	    (unsigned long)((const __u8 *)data_end - (const __u8 *)data);

	if ((const __u8 *)data_end < (const __u8 *)data || off > avail ||
	    n > avail - off)
		return 0;
	return (const __u8 *)data + off;
#endif
}

static __always_inline __u32 vflag_frame_be16(const __u8 *p)
{
	return ((__u32)p[0] << 8) | p[1];
}

static __always_inline __u32 vflag_frame_ctl_of(__u32 ethertype)
{
	switch (ethertype) {
	case VFLAG_ETH_P_SLOW:
		return VFLAG_CTL_SLOW;
	case VFLAG_ETH_P_MAC_CONTROL:
		return VFLAG_CTL_MAC_CONTROL;
	case VFLAG_ETH_P_LLDP:
		return VFLAG_CTL_LLDP;
	case VFLAG_ETH_P_EAPOL:
		return VFLAG_CTL_EAPOL;
	}
	return VFLAG_CTL_NONE;
}

/* Parses the frame in [data, data_end) into *f; accel_proto (host order,
 * 0 for none) and accel_tci are the tag the kernel holds outside the
 * data. Returns f->status. */
static __always_inline int vflag_frame_parse(const void *data,
					     const void *data_end,
					     __u32 accel_proto, __u32 accel_tci,
					     struct vflag_frame *f)
{
	const __u8 *eth =
	    vflag_frame_at(data, data_end, 0, VFLAG_FRAME_ETH_HLEN);
	__u32 off = 12, type;
	int i;

	__builtin_memset(f, 0, sizeof(*f));
	if (!eth) {
		f->status = VFLAG_FRAME_SHORT;
		return f->status;
	}
	__builtin_memcpy(f->dst, eth, 6);
	__builtin_memcpy(f->src, eth + 6, 6);
	if (eth[0] & 1)
		f->flags |= VFLAG_FRAME_F_DST_GROUP;
	if ((eth[0] & eth[1] & eth[2] & eth[3] & eth[4] & eth[5]) == 0xff)
		f->flags |= VFLAG_FRAME_F_DST_BCAST;
	if (eth[0] == 0x01 && eth[1] == 0x80 && eth[2] == 0xc2 && eth[3] == 0 &&
	    eth[4] == 0 && (eth[5] & 0xf0) == 0)
		f->flags |= VFLAG_FRAME_F_DST_LINK_LOCAL;
	if ((eth[6] & 1) ||
	    (eth[6] | eth[7] | eth[8] | eth[9] | eth[10] | eth[11]) == 0)
		f->flags |= VFLAG_FRAME_F_SRC_BAD;
	if (accel_proto) {
		f->flags |= VFLAG_FRAME_F_ACCEL_TAG;
		f->tpid[0] = (__u16)accel_proto;
		f->tci[0] = (__u16)accel_tci;
		f->ntags = 1;
	}
	/* At most three TPIDs can be met before the stack is too deep: the
	 * loop's bound is the verifier's, the returns are the parser's. */
	for (i = 0; i < VFLAG_FRAME_MAX_TAGS + 1; i++) {
		const __u8 *p = vflag_frame_at(data, data_end, off, 2);

		if (!p) { /* unreachable on the first step: 14 bytes are there
			   */
			f->status = VFLAG_FRAME_TRUNC_TAG;
			return f->status;
		}
		type = vflag_frame_be16(p);
		if (!vflag_frame_is_tpid(type)) {
			f->ethertype = (__u16)type;
			f->l3_off = (__u16)(off + 2);
			f->ctl = (__u16)vflag_frame_ctl_of(type);
			return VFLAG_FRAME_OK;
		}
		if (f->ntags >= VFLAG_FRAME_MAX_TAGS) {
			f->status = VFLAG_FRAME_TOO_MANY_TAGS;
			return f->status;
		}
		/* The TCI and the next EtherType must both be there. */
		p = vflag_frame_at(data, data_end, off, 6);
		if (!p) {
			f->status = VFLAG_FRAME_TRUNC_TAG;
			return f->status;
		}
		/* Constant indexes: clang turns a variable one into an OR on
		 * the stack pointer, which the verifier refuses. */
		if (f->ntags == 0) {
			f->tpid[0] = (__u16)type;
			f->tci[0] = (__u16)vflag_frame_be16(p + 2);
		} else {
			f->tpid[1] = (__u16)type;
			f->tci[1] = (__u16)vflag_frame_be16(p + 2);
		}
		f->ntags++;
		off += VFLAG_FRAME_TAG_LEN;
	}
	/* Three in-band TPIDs with no metadata tag end in the check above;
	 * this is for the verifier. */
	f->status = VFLAG_FRAME_TOO_MANY_TAGS;
	return f->status;
}

#endif
