/* Fuzz target for the frame parser (bpf/vflag_frame.h).
 *
 * The first byte picks the tag the kernel would hold in skb metadata
 * (bit 0: none / one; bit 1: 0x8100 / 0x88a8), the next two are its TCI,
 * the rest is the frame. Parsing reads an exact-size heap copy, so a
 * read past data_end is an ASan report. The invariants the datapath
 * relies on abort() when broken. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/vflag_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int is_tpid(unsigned t)
{
	return t == 0x8100 || t == 0x88a8 || t == 0x9100;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned accel_proto = 0, accel_tci = 0, in_band, off;
	struct vflag_frame f;
	uint8_t *copy;
	size_t len;
	int ret;

	if (size >= 3) {
		if (data[0] & 1)
			accel_proto = (data[0] & 2) ? 0x88a8 : 0x8100;
		accel_tci = ((unsigned)data[1] << 8) | data[2];
		data += 3;
		size -= 3;
	}
	len = size;
	copy = malloc(len ? len : 1);
	if (!copy)
		abort();
	memcpy(copy, data, len);
	ret = vflag_frame_parse(copy, copy + len, accel_proto, accel_tci, &f);
	if (ret != f.status || f.status > VFLAG_FRAME_TOO_MANY_TAGS ||
	    f.ntags > VFLAG_FRAME_MAX_TAGS)
		abort();
	if ((len < VFLAG_FRAME_ETH_HLEN) != (f.status == VFLAG_FRAME_SHORT))
		abort();
	if (f.status == VFLAG_FRAME_SHORT)
		goto out;
	if (memcmp(f.dst, copy, 6) || memcmp(f.src, copy + 6, 6))
		abort();
	if (!!(f.flags & VFLAG_FRAME_F_ACCEL_TAG) != !!accel_proto)
		abort();
	in_band = f.ntags - (accel_proto ? 1u : 0u);
	if (f.status == VFLAG_FRAME_OK) {
		/* The EtherType is the first non-TPID after the tags, inside
		 * the frame, and what ctl names. */
		off = 12 + 4 * in_band;
		if (f.l3_off != off + 2 || f.l3_off > len)
			abort();
		if (f.ethertype !=
			(((unsigned)copy[off] << 8) | copy[off + 1]) ||
		    is_tpid(f.ethertype))
			abort();
		if ((f.ctl == VFLAG_CTL_SLOW) != (f.ethertype == 0x8809) ||
		    (f.ctl == VFLAG_CTL_MAC_CONTROL) != (f.ethertype == 0x8808))
			abort();
		for (unsigned i = 0; i < in_band; i++)
			if (!is_tpid(((unsigned)copy[12 + 4 * i] << 8) |
				     copy[13 + 4 * i]))
				abort();
	}
out:
	free(copy);
	return 0;
}
