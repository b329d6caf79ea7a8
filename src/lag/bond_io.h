/* A bond member's frame path: one AF_PACKET socket per member, bound to
 * its uplink, that reads slow-protocol frames (ethertype 0x8809) for the
 * bond and sends the bond's frames (LACPDUs, Marker Responses, failover
 * RARP announcements).
 *
 * Single-threaded: the socket is watched by vflagd's event loop. */
#ifndef VFLAG_LAG_BOND_IO_H
#define VFLAG_LAG_BOND_IO_H

#include <stddef.h>
#include <stdint.h>

#include "common/loop.h"

#define BOND_IO_RARP_LEN 60 /* minimum Ethernet frame, no FCS */

struct bond_io;

/* One received frame, whole (Ethernet header included), with the time it
 * was read. */
typedef void (*bond_io_rx_cb)(void *arg, const void *frame, size_t len,
			      uint64_t now_ms);

/* Opens the socket on `ifindex` (device `dev`, for errors) and watches it
 * in `loop`; cb gets every frame read. 0, or -errno with err set. */
int bond_io_open(struct loop *loop, int ifindex, const char *dev,
		 bond_io_rx_cb cb, void *arg, struct bond_io **out, char *err,
		 size_t errlen);
/* NULL ok. */
void bond_io_close(struct bond_io *io);
/* Sends one whole Ethernet frame, to its destination MAC. 0 or -errno. */
int bond_io_send(struct bond_io *io, const void *frame, size_t len);
/* Builds the RARP that announces `mac` (as QEMU and OVS announce a moved
 * VM): broadcast, from mac, reverse request for mac. Pure. */
void bond_io_rarp_build(uint8_t frame[BOND_IO_RARP_LEN], const uint8_t mac[6]);
/* Sends one RARP per MAC; returns how many failed. */
unsigned bond_io_announce(struct bond_io *io, const uint8_t (*macs)[6],
			  unsigned n);

#endif
