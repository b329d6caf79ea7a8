/* Transmit hash test vectors: frames and, for every policy, the hash
 * Linux 6.1's __bond_xmit_hash() gives them, worked out by hand below.
 *
 * Conventions of the arithmetic:
 *  - every frame has dmac 02:00:00:00:00:02 and smac 02:00:00:00:00:01,
 *    so bond_eth_hash() = 0x02 ^ 0x01 ^ ethertype = 0x03 ^ ethertype
 *    (0x0803 for IPv4, 0x86de for IPv6, 0x0805 for ARP);
 *  - addresses and ports enter as the little-endian u32 of their wire
 *    bytes: 10.0.0.1 = 0a 00 00 01 -> 0x0100000a;
 *  - fold(h): h ^= h >> 16; h ^= h >> 8 (bond_ip_hash()); layer3+4 and
 *    encap3+4 then shift right by one;
 *  - IPv6 addresses enter as the xor of their four LE words.
 * IP lengths and checksums are left 0: the hash does not read them. */
#include "xh_vectors.h"

#include <string.h>

/* Byte tables read better as laid out by hand. */
/* clang-format off */
#define MACS 0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01
#define ET_IP 0x08, 0x00
#define ET_IP6 0x86, 0xdd
#define ET_ARP 0x08, 0x06
/* IPv4 header without options; fh/fl: flags and fragment offset */
#define IP4(proto, fh, fl, s, d)                                               \
	0x45, 0, 0, 0, 0, 0, fh, fl, 64, proto, 0, 0, s, d
/* IPv6 header */
#define IP6(nexthdr, s, d) 0x60, 0, 0, 0, 0, 0, nexthdr, 64, s, d
#define TCP(sh, sl, dh, dl)                                                    \
	sh, sl, dh, dl, 0, 0, 0, 0, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, \
		0, 0
#define UDP(sh, sl, dh, dl) sh, sl, dh, dl, 0, 8, 0, 0

#define A_10_0_0_1 10, 0, 0, 1
#define A_10_0_0_2 10, 0, 0, 2
#define A_10_0_0_254 10, 0, 0, 254
#define A_192_168_1_10 192, 168, 1, 10
#define A_192_168_1_20 192, 168, 1, 20
#define A_172_16_0_1 172, 16, 0, 1
#define A_172_16_5_9 172, 16, 5, 9
#define A6_1 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
#define A6_2 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2

/* 10.0.0.1:1000 -> 10.0.0.2:80 TCP.
 *   src ^ dst = 0x0100000a ^ 0x0200000a = 0x03000000
 *   ports: 03 e8 00 50 -> 0x5000e803
 *   layer2   0x0803
 *   layer2+3 0x0803 ^ 0x03000000 = 0x03000803
 *            ^ (>>16 = 0x0300)     = 0x03000b03
 *            ^ (>>8 = 0x0003000b)  = 0x03030b08
 *   layer3+4 0x5000e803 ^ 0x03000000 = 0x5300e803
 *            ^ (>>16 = 0x5300)       = 0x5300bb03
 *            ^ (>>8 = 0x005300bb)    = 0x5353bbb8, >>1 = 0x29a9dddc
 *   encap*   the dissector sees the same flow: 0x03030b08, 0x29a9dddc */
static const uint8_t f_ipv4_tcp[] = {
	MACS, ET_IP, IP4(6, 0, 0, A_10_0_0_1, A_10_0_0_2),
	TCP(0x03, 0xe8, 0x00, 0x50)};

/* 192.168.1.10:5000 -> 192.168.1.20:53 UDP.
 *   src ^ dst = 0x0a01a8c0 ^ 0x1401a8c0 = 0x1e000000
 *   ports: 13 88 00 35 -> 0x35008813
 *   layer2+3 0x0803 ^ 0x1e000000 = 0x1e000803
 *            ^ 0x1e00 = 0x1e001603; ^ 0x001e0016 = 0x1e1e1615
 *   layer3+4 0x35008813 ^ 0x1e000000 = 0x2b008813
 *            ^ 0x2b00 = 0x2b00a313; ^ 0x002b00a3 = 0x2b2ba3b0
 *            >>1 = 0x1595d1d8 */
static const uint8_t f_ipv4_udp[] = {
	MACS, ET_IP,
	IP4(17, 0, 0, A_192_168_1_10, A_192_168_1_20),
	UDP(0x13, 0x88, 0x00, 0x35)};

/* [2001:db8::1]:40000 -> [2001:db8::2]:443 TCP.
 *   src: words 0xb80d0120, 0, 0, 0x01000000 -> 0xb90d0120
 *   dst: words 0xb80d0120, 0, 0, 0x02000000 -> 0xba0d0120
 *   src ^ dst = 0x03000000
 *   ports: 9c 40 01 bb -> 0xbb01409c
 *   layer2   0x86de
 *   layer2+3 0x86de ^ 0x03000000 = 0x030086de
 *            ^ 0x0300 = 0x030085de; ^ 0x00030085 = 0x0303855b
 *   layer3+4 0xbb01409c ^ 0x03000000 = 0xb801409c
 *            ^ 0xb801 = 0xb801f89d; ^ 0x00b801f8 = 0xb8b9f965
 *            >>1 = 0x5c5cfcb2 */
static const uint8_t f_ipv6_tcp[] = {MACS, ET_IP6, IP6(6, A6_1, A6_2),
				     TCP(0x9c, 0x40, 0x01, 0xbb)};

/* f_ipv4_tcp with an 802.1Q tag (vid 100) in-band: hashed as Linux's
 * VLAN-accelerated skb, tag outside, ethertype 0x0800: the same values
 * as f_ipv4_tcp. */
static const uint8_t f_vlan_ipv4_tcp[] = {
	MACS, 0x81, 0x00, 0x00, 100, ET_IP,
	IP4(6, 0, 0, A_10_0_0_1, A_10_0_0_2), TCP(0x03, 0xe8, 0x00, 0x50)};

/* f_ipv4_tcp with an 802.1ad tag (vid 10) then an 802.1Q tag (vid 100):
 * both skipped, the same values as f_ipv4_tcp. */
static const uint8_t f_qinq_ipv4_tcp[] = {
	MACS, 0x88, 0xa8, 0x00, 10, 0x81, 0x00, 0x00, 100, ET_IP,
	IP4(6, 0, 0, A_10_0_0_1, A_10_0_0_2), TCP(0x03, 0xe8, 0x00, 0x50)};

/* 10.0.0.1 -> 10.0.0.2 UDP, first fragment (MF set, offset 0), the UDP
 * header 1000 -> 80 present but not read (ip_is_fragment()).
 *   layer2+3 as f_ipv4_tcp: 0x03030b08
 *   layer3+4 ports 0: 0x03000000 ^ 0x0300 = 0x03000300
 *            ^ 0x00030003 = 0x03030303, >>1 = 0x01818181
 *   encap*   the dissector stops at any fragment: 0x03030b08, 0x01818181 */
static const uint8_t f_ipv4_frag_first[] = {
	MACS, ET_IP, IP4(17, 0x20, 0x00, A_10_0_0_1, A_10_0_0_2),
	UDP(0x03, 0xe8, 0x00, 0x50)};

/* The same flow, a later fragment (offset 185 * 8): the same values. */
static const uint8_t f_ipv4_frag_later[] = {
	MACS, ET_IP, IP4(17, 0x00, 0xb9, A_10_0_0_1, A_10_0_0_2),
	0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};

/* 10.0.0.1 -> 10.0.0.2 ICMP echo request, id 0x1234, seq 1.
 *   ICMP key: type 8 | code 0 << 8 | 0x1234 << 16 = 0x12340008
 *   layer3+4 0x12340008 ^ 0x03000000 = 0x11340008
 *            ^ 0x1134 = 0x1134113c; ^ 0x00113411 = 0x1125252d
 *            >>1 = 0x08929296
 *   layer2+3 the key is not used: 0x03030b08 */
static const uint8_t f_icmp_echo[] = {
	MACS, ET_IP, IP4(1, 0, 0, A_10_0_0_1, A_10_0_0_2),
	0x08, 0x00, 0x00, 0x00, 0x12, 0x34, 0x00, 0x01};

/* 10.0.0.254 -> 10.0.0.1 ICMP port unreachable (type 3, code 3) quoting
 * 10.0.0.1:1000 -> 10.0.0.2:80 TCP (its first 8 bytes).
 *   layer2+3 / layer3+4 hash the quoted header: as f_ipv4_tcp,
 *            0x03030b08 and 0x29a9dddc (the key has no id: ports used)
 *   encap*   the dissector does not look inside: outer addresses
 *            0xfe00000a ^ 0x0100000a = 0xff000000
 *   encap2+3 0x0803 ^ 0xff000000 = 0xff000803
 *            ^ 0xff00 = 0xff00f703; ^ 0x00ff00f7 = 0xfffff7f4
 *   encap3+4 ports 0: 0xff000000 ^ 0xff00 = 0xff00ff00
 *            ^ 0x00ff00ff = 0xffffffff, >>1 = 0x7fffffff */
static const uint8_t f_icmp_error_tcp[] = {
	MACS, ET_IP, IP4(1, 0, 0, A_10_0_0_254, A_10_0_0_1),
	0x03, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	IP4(6, 0, 0, A_10_0_0_1, A_10_0_0_2),
	0x03, 0xe8, 0x00, 0x50, 0x00, 0x00, 0x00, 0x00};

/* ARP request 10.0.0.1 -> who has 10.0.0.2.
 *   layer2, layer2+3, layer3+4: not IP, 0x03 ^ 0x0806 = 0x0805
 *   encap2+3 the dissector accepts ARP with no addresses:
 *            0x0805 ^ 0 ^ (>>16 = 0) = 0x0805; ^ (>>8 = 0x08) = 0x080d
 *   encap3+4 ports 0, addresses 0: 0 */
#define ARP_BODY                                                               \
	0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0, 0, 0, 0,     \
		0x01, A_10_0_0_1, 0, 0, 0, 0, 0, 0, A_10_0_0_2
static const uint8_t f_arp[] = {MACS, ET_ARP, ARP_BODY};

/* The same ARP frame tagged (vid 100): the tag is skipped, same values. */
static const uint8_t f_vlan_arp[] = {MACS, 0x81, 0x00, 0x00, 100, ET_ARP,
				     ARP_BODY};

/* An ethertype nobody dissects (0x88b5, local experimental):
 * 0x03 ^ 0x88b5 = 0x88b6 under every policy. */
static const uint8_t f_unknown_ethertype[] = {MACS, 0x88, 0xb5, 1, 2, 3, 4,
					      5,    6,    7,    8,  9};

/* [2001:db8::1]:5000 -> [2001:db8::2]:53 UDP behind a hop-by-hop header
 * (next header 17, length 0, a PadN option).
 *   layer2+3 as f_ipv6_tcp: 0x0303855b
 *   layer3+4 the next header (0) has no ports: 0x03000000 folded,
 *            as f_ipv4_frag_first: 0x01818181
 *   encap2+3 0x0303855b
 *   encap3+4 the dissector walks the option header: ports 13 88 00 35
 *            -> 0x35008813 ^ 0x03000000 = 0x36008813
 *            ^ 0x3600 = 0x3600be13; ^ 0x003600be = 0x3636bead
 *            >>1 = 0x1b1b5f56 */
static const uint8_t f_ipv6_hop_udp[] = {
	MACS, ET_IP6, IP6(0, A6_1, A6_2), 17, 0, 0x01, 0x04, 0, 0, 0, 0,
	UDP(0x13, 0x88, 0x00, 0x35)};

/* [2001:db8::1] -> [2001:db8::2] ICMPv6 echo request with id 0 (counted
 * as 1), seq 1.
 *   key: 128 | 0 << 8 | 1 << 16 = 0x00010080
 *   layer3+4 0x00010080 ^ 0x03000000 = 0x03010080
 *            ^ 0x0301 = 0x03010381; ^ 0x00030103 = 0x03020282
 *            >>1 = 0x01810141 */
static const uint8_t f_icmpv6_echo_id0[] = {
	MACS, ET_IP6, IP6(58, A6_1, A6_2),
	0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01};

/* IP-in-IP: 172.16.0.1 -> 172.16.5.9 carrying f_ipv4_tcp's packet.
 *   outer src ^ dst = 0x010010ac ^ 0x090510ac = 0x08050000
 *   layer2+3 0x0803 ^ 0x08050000 = 0x08050803
 *            ^ 0x0805 = 0x08050006; ^ 0x00080500 = 0x080d0506
 *   layer3+4 protocol 4 has no ports: 0x08050000 ^ 0x0805 = 0x08050805
 *            ^ 0x00080508 = 0x080d0d0d, >>1 = 0x04068686
 *   encap*   the inner flow: as f_ipv4_tcp, 0x03030b08 and 0x29a9dddc */
static const uint8_t f_ipip[] = {
	MACS, ET_IP, IP4(4, 0, 0, A_172_16_0_1, A_172_16_5_9),
	IP4(6, 0, 0, A_10_0_0_1, A_10_0_0_2), TCP(0x03, 0xe8, 0x00, 0x50)};

/* GRE with a key, transparent Ethernet bridging: 172.16.0.1 ->
 * 172.16.5.9 carrying an Ethernet frame with 10.0.0.1:5000 ->
 * 10.0.0.2:53 UDP.
 *   layer2+3 / layer3+4 see the outer header (GRE has no ports): as
 *            f_ipip, 0x080d0506 and 0x04068686
 *   encap2+3 outer layer2 part, inner addresses: as f_ipv4_tcp, 0x03030b08
 *   encap3+4 inner ports 0x35008813 and addresses 0x03000000: as
 *            f_ipv6_hop_udp, 0x1b1b5f56 */
static const uint8_t f_gre_teb_key[] = {
	MACS, ET_IP, IP4(47, 0, 0, A_172_16_0_1, A_172_16_5_9),
	0x20, 0x00, 0x65, 0x58, 0x00, 0x00, 0x00, 0x2a,
	0x0a, 0, 0, 0, 0, 2, 0x0a, 0, 0, 0, 0, 1, ET_IP,
	IP4(17, 0, 0, A_10_0_0_1, A_10_0_0_2), UDP(0x13, 0x88, 0x00, 0x35)};

/* PPPoE session 0x2a carrying f_ipv4_tcp's packet (PPP protocol 0x0021).
 *   layer2   0x03 ^ 0x8864 = 0x8867; not IP to layer2+3/layer3+4
 *   encap2+3 0x8867 ^ 0x03000000 = 0x03008867
 *            ^ 0x0300 = 0x03008b67; ^ 0x0003008b = 0x03038bec
 *   encap3+4 the inner ports and addresses: 0x29a9dddc */
static const uint8_t f_pppoe_ipv4_tcp[] = {
	MACS, 0x88, 0x64, 0x11, 0x00, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x21,
	IP4(6, 0, 0, A_10_0_0_1, A_10_0_0_2), TCP(0x03, 0xe8, 0x00, 0x50)};

/* Three tags in-band (0x88a8, 0x8100, 0x8100) before f_ipv4_tcp's packet:
 * two are skipped, the ethertype seen is the third TPID, 0x8100.
 *   layer2   0x03 ^ 0x8100 = 0x8103, also layer2+3 and layer3+4
 *   encap2+3 the dissector walks the third tag:
 *            0x8103 ^ 0x03000000 = 0x03008103
 *            ^ 0x0300 = 0x03008203; ^ 0x00030082 = 0x03038281
 *   encap3+4 0x29a9dddc */
#define TAG_Q 0x81, 0x00, 0x00, 0x01
static const uint8_t f_three_tags[] = {
	MACS, 0x88, 0xa8, 0x00, 0x01, TAG_Q, TAG_Q, ET_IP,
	IP4(6, 0, 0, A_10_0_0_1, A_10_0_0_2), TCP(0x03, 0xe8, 0x00, 0x50)};

/* 17 tags: 2 skipped, 15 walked by the dissector, which takes at most 15
 * "again" steps: the 15th tag's step is allowed, IPv4 is reached.
 *   layer2 etc. 0x8103; encap2+3 0x03038281, encap3+4 0x29a9dddc as
 *   f_three_tags. */
#define TAGS_5 TAG_Q, TAG_Q, TAG_Q, TAG_Q, TAG_Q
static const uint8_t f_17_tags[] = {
	MACS, TAG_Q, TAG_Q, TAGS_5, TAGS_5, TAGS_5, ET_IP,
	IP4(6, 0, 0, A_10_0_0_1, A_10_0_0_2), TCP(0x03, 0xe8, 0x00, 0x50)};

/* 18 tags: the 16th walked tag is one step too many; the flow is taken
 * as it stands: no addresses, no ports.
 *   encap2+3 0x8103 ^ (>>16 = 0) = 0x8103; ^ (>>8 = 0x81) = 0x8182
 *   encap3+4 0 */
static const uint8_t f_18_tags[] = {
	MACS, TAG_Q, TAG_Q, TAG_Q, TAGS_5, TAGS_5, TAGS_5, ET_IP,
	IP4(6, 0, 0, A_10_0_0_1, A_10_0_0_2), TCP(0x03, 0xe8, 0x00, 0x50)};

#define V(n, f, l2, l34, l23, e23, e34)                                        \
	{                                                                      \
		n, f, sizeof(f), {                                             \
			[VFLAG_HASH_LAYER2] = l2, [VFLAG_HASH_LAYER34] = l34,  \
			[VFLAG_HASH_LAYER23] = l23,                            \
			[VFLAG_HASH_ENCAP23] = e23, [VFLAG_HASH_ENCAP34] = e34 \
		}                                                              \
	}
/* A prefix of a vector's frame: a truncated frame. */
#define T(n, f, len, l2, l34, l23, e23, e34)                                   \
	{                                                                      \
		n, f, len, {                                                   \
			[VFLAG_HASH_LAYER2] = l2, [VFLAG_HASH_LAYER34] = l34,  \
			[VFLAG_HASH_LAYER23] = l23,                            \
			[VFLAG_HASH_ENCAP23] = e23, [VFLAG_HASH_ENCAP34] = e34 \
		}                                                              \
	}

/*                         layer2  layer3+4    layer2+3    encap2+3 encap3+4 */
const struct xh_vector xh_vectors[] = {
	V("ipv4-tcp", f_ipv4_tcp, 0x0803, 0x29a9dddc, 0x03030b08, 0x03030b08,
	  0x29a9dddc),
	V("ipv4-udp", f_ipv4_udp, 0x0803, 0x1595d1d8, 0x1e1e1615, 0x1e1e1615,
	  0x1595d1d8),
	V("ipv6-tcp", f_ipv6_tcp, 0x86de, 0x5c5cfcb2, 0x0303855b, 0x0303855b,
	  0x5c5cfcb2),
	V("vlan-ipv4-tcp", f_vlan_ipv4_tcp, 0x0803, 0x29a9dddc, 0x03030b08,
	  0x03030b08, 0x29a9dddc),
	V("qinq-ipv4-tcp", f_qinq_ipv4_tcp, 0x0803, 0x29a9dddc, 0x03030b08,
	  0x03030b08, 0x29a9dddc),
	V("ipv4-frag-first", f_ipv4_frag_first, 0x0803, 0x01818181,
	  0x03030b08, 0x03030b08, 0x01818181),
	V("ipv4-frag-later", f_ipv4_frag_later, 0x0803, 0x01818181,
	  0x03030b08, 0x03030b08, 0x01818181),
	V("icmp-echo", f_icmp_echo, 0x0803, 0x08929296, 0x03030b08,
	  0x03030b08, 0x08929296),
	V("icmp-error-tcp", f_icmp_error_tcp, 0x0803, 0x29a9dddc, 0x03030b08,
	  0xfffff7f4, 0x7fffffff),
	V("arp", f_arp, 0x0805, 0x0805, 0x0805, 0x080d, 0),
	V("vlan-arp", f_vlan_arp, 0x0805, 0x0805, 0x0805, 0x080d, 0),
	V("unknown-ethertype", f_unknown_ethertype, 0x88b6, 0x88b6, 0x88b6,
	  0x88b6, 0x88b6),
	V("ipv6-hop-udp", f_ipv6_hop_udp, 0x86de, 0x01818181, 0x0303855b,
	  0x0303855b, 0x1b1b5f56),
	V("icmpv6-echo-id0", f_icmpv6_echo_id0, 0x86de, 0x01810141,
	  0x0303855b, 0x0303855b, 0x01810141),
	V("ipip", f_ipip, 0x0803, 0x04068686, 0x080d0506, 0x03030b08,
	  0x29a9dddc),
	V("gre-teb-key", f_gre_teb_key, 0x0803, 0x04068686, 0x080d0506,
	  0x03030b08, 0x1b1b5f56),
	V("pppoe-ipv4-tcp", f_pppoe_ipv4_tcp, 0x8867, 0x8867, 0x8867,
	  0x03038bec, 0x29a9dddc),
	V("three-tags", f_three_tags, 0x8103, 0x8103, 0x8103, 0x03038281,
	  0x29a9dddc),
	V("17-tags", f_17_tags, 0x8103, 0x8103, 0x8103, 0x03038281,
	  0x29a9dddc),
	V("18-tags", f_18_tags, 0x8103, 0x8103, 0x8103, 0x8182, 0),
	/* Shorter than an Ethernet header: bond_eth_hash() gives 0. */
	T("truncated-runt", f_ipv4_tcp, 10, 0, 0, 0, 0, 0),
	/* 19 of the 20 IPv4 header bytes: not IP to any policy, 0x0803. */
	T("truncated-ip", f_ipv4_tcp, 33, 0x0803, 0x0803, 0x0803, 0x0803,
	  0x0803),
	/* The IP header and 2 TCP bytes: no ports, as f_ipv4_frag_first. */
	T("truncated-tcp", f_ipv4_tcp, 36, 0x0803, 0x01818181, 0x03030b08,
	  0x03030b08, 0x01818181),
	/* The ICMP error with 10 of the quoted 20 IPv4 bytes: layer2+3 and
	 * layer3+4 fall back to layer2; the dissector never looked inside:
	 * as f_icmp_error_tcp. */
	T("truncated-icmp-error", f_icmp_error_tcp, 52, 0x0803, 0x0803, 0x0803,
	  0xfffff7f4, 0x7fffffff),
	/* A tag cut after its TPID: not skipped, so the ethertype is 0x8100:
	 * 0x03 ^ 0x8100 = 0x8103; the dissector cannot read the tag. */
	T("truncated-tag", f_vlan_ipv4_tcp, 16, 0x8103, 0x8103, 0x8103,
	  0x8103, 0x8103),
};

/* clang-format on */

const size_t xh_vector_count = sizeof(xh_vectors) / sizeof(xh_vectors[0]);

void xh_build_ipv4_tcp(uint8_t buf[54], uint16_t sport)
{
	memcpy(buf, f_ipv4_tcp, sizeof(f_ipv4_tcp));
	buf[34] = (uint8_t)(sport >> 8);
	buf[35] = (uint8_t)sport;
}
