/* FLOW specs: the frame `vflagctl bond xmit-member NAME FLOW` asks about.
 *
 * Owns the FLOW syntax of doc/ctl.md and turns it into the Ethernet
 * frame that vflag_xmit_hash() (lag/xmit_hash.h) is then run on, so the
 * daemon answers "which member would this flow leave on" with the very
 * code the datapath runs. Pure functions, no state: callable from any
 * thread.
 *
 * FLOW, words in any order, each at most once:
 *   [smac MAC] [dmac MAC] [vlan ID] [proto tcp|udp|icmp|N]
 *   src IP dst IP [sport N] [dport N]
 * or `hex HEXBYTES...` (a whole frame; every word after `hex` is hex).
 *
 * The frame built: Ethernet (smac default 02:00:00:00:00:01, dmac
 * default 02:00:00:00:00:02), an 802.1Q tag when `vlan` is given (TPID
 * 0x8100, priority 0), an IPv4 header (no options, TTL 64, DF clear, its
 * checksum filled in) or an IPv6 header (hop limit 64), as src/dst say
 * (both the same family), then the L4 header of `proto` (default tcp):
 *   tcp   20-byte header, the ports, SYN, data offset 5
 *   udp   8-byte header, the ports, length
 *   icmp  echo request (ICMPv6 echo request over IPv6), id 0, seq 0
 *   N     8 zero bytes (12 for AH), with sport/dport at the protocol's
 *         port offset when it has ports (6, 17, 33, 50, 132, 136: 0;
 *         51 (AH): 4); 6 and 17 are the same as tcp and udp, 1 over IPv4
 *         and 58 over IPv6 the same as icmp.
 * sport and dport (default 0) are refused for protocols without ports.
 * L4 checksums are left 0: the hash does not read them. */
#ifndef VFLAG_LAG_FLOW_SPEC_H
#define VFLAG_LAG_FLOW_SPEC_H

#include <stddef.h>
#include <stdint.h>

/* Longest frame a FLOW without `hex` builds (Ethernet + tag + IPv6 + TCP);
 * a `hex` frame may be as long as the caller's buffer. */
#define FLOW_SPEC_BUILT_MAX (14 + 4 + 40 + 20)

/* Parses the FLOW in argv[0..argc) into frame (cap bytes) and sets *len.
 * Returns 0, or -EINVAL with a message naming the wrong word and what was
 * expected in err (errlen bytes, may be 0). */
int flow_spec_parse(int argc, char **argv, uint8_t *frame, size_t cap,
		    size_t *len, char *err, size_t errlen);

#endif
