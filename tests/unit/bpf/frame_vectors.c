/* The vectors of frame_vectors.h. Addresses: D is a unicast
 * destination, S a unicast source; tags written as TPID, TCI. */
#include "frame_vectors.h"

#include <stdio.h>

#define D 0x02, 0x00, 0x00, 0x00, 0x00, 0x01
#define S 0x02, 0x00, 0x00, 0x00, 0x00, 0x02
#define BCAST 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
#define LACP_DST 0x01, 0x80, 0xc2, 0x00, 0x00, 0x02
#define LLDP_DST 0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e
#define STP_DST 0x01, 0x80, 0xc2, 0x00, 0x00, 0x00
#define NOT_LL_DST 0x01, 0x80, 0xc2, 0x00, 0x00, 0x10
#define MCAST_SRC 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01
#define ZERO 0x00, 0x00, 0x00, 0x00, 0x00, 0x00
#define BE(x) (uint8_t)((x) >> 8), (uint8_t)(x)

#define OK VFLAG_FRAME_OK
#define GRP VFLAG_FRAME_F_DST_GROUP

/* clang-format off */
const struct frame_vector frame_vectors[] = {
	{ "untagged-ipv4", { D, S, BE(0x0800), 0x45 }, 60, 0, 0,
	  OK, 0, 0, {0}, {0}, 0x0800, 14, VFLAG_CTL_NONE, 0 },
	{ "header-only", { D, S, BE(0x88b5) }, 14, 0, 0,
	  OK, 0, 0, {0}, {0}, 0x88b5, 14, VFLAG_CTL_NONE, 0 },
	{ "short-13", { D, S, 0x08 }, 13, 0, 0,
	  VFLAG_FRAME_SHORT, 0, 0, {0}, {0}, 0, 0, 0, 0 },
	{ "lacp-bcast", { BCAST, S, BE(0x8809), 0x01 }, 60, 0, 0,
	  OK, GRP | VFLAG_FRAME_F_DST_BCAST, 0, {0}, {0}, 0x8809, 14,
	  VFLAG_CTL_SLOW, 0 },
	{ "lacp-link-local", { LACP_DST, S, BE(0x8809), 0x01 }, 60, 0, 0,
	  OK, GRP | VFLAG_FRAME_F_DST_LINK_LOCAL, 0, {0}, {0}, 0x8809, 14,
	  VFLAG_CTL_SLOW, 0 },
	{ "pause-unicast", { D, S, BE(0x8808), BE(0x0001) }, 60, 0, 0,
	  OK, 0, 0, {0}, {0}, 0x8808, 14, VFLAG_CTL_MAC_CONTROL, 0 },
	{ "lldp", { LLDP_DST, S, BE(0x88cc) }, 60, 0, 0,
	  OK, GRP | VFLAG_FRAME_F_DST_LINK_LOCAL, 0, {0}, {0}, 0x88cc, 14,
	  VFLAG_CTL_LLDP, 0 },
	{ "eapol-unicast", { D, S, BE(0x888e) }, 60, 0, 0,
	  OK, 0, 0, {0}, {0}, 0x888e, 14, VFLAG_CTL_EAPOL, 0 },
	{ "stp-llc", { STP_DST, S, BE(0x0026), 0x42, 0x42, 0x03 }, 60, 0, 0,
	  OK, GRP | VFLAG_FRAME_F_DST_LINK_LOCAL, 0, {0}, {0}, 0x0026, 14,
	  VFLAG_CTL_NONE, 0 },
	{ "01:80:c2:00:00:10-not-link-local", { NOT_LL_DST, S, BE(0x0800) }, 60, 0, 0,
	  OK, GRP, 0, {0}, {0}, 0x0800, 14, VFLAG_CTL_NONE, 0 },
	{ "src-multicast", { D, MCAST_SRC, BE(0x0800) }, 60, 0, 0,
	  OK, VFLAG_FRAME_F_SRC_BAD, 0, {0}, {0}, 0x0800, 14, VFLAG_CTL_NONE, 0 },
	{ "src-broadcast", { D, BCAST, BE(0x0800) }, 60, 0, 0,
	  OK, VFLAG_FRAME_F_SRC_BAD, 0, {0}, {0}, 0x0800, 14, VFLAG_CTL_NONE, 0 },
	{ "src-zero", { D, ZERO, BE(0x0800) }, 60, 0, 0,
	  OK, VFLAG_FRAME_F_SRC_BAD, 0, {0}, {0}, 0x0800, 14, VFLAG_CTL_NONE, 0 },
	{ "priority-tagged-lacp", { D, S, BE(0x8100), BE(0xe000), BE(0x8809) }, 60, 0, 0,
	  OK, 0, 1, {0x8100}, {0xe000}, 0x8809, 18, VFLAG_CTL_SLOW, 0 },
	{ "dot1q-100-pcp5", { D, S, BE(0x8100), BE(0xa064), BE(0x0800) }, 60, 0, 0,
	  OK, 0, 1, {0x8100}, {0xa064}, 0x0800, 18, VFLAG_CTL_NONE, 100 },
	{ "dot1q-tag-only", { D, S, BE(0x8100), BE(0x0064), BE(0x0800) }, 18, 0, 0,
	  OK, 0, 1, {0x8100}, {0x0064}, 0x0800, 18, VFLAG_CTL_NONE, 100 },
	{ "dot1ad-200", { D, S, BE(0x88a8), BE(0x00c8), BE(0x86dd) }, 60, 0, 0,
	  OK, 0, 1, {0x88a8}, {0x00c8}, 0x86dd, 18, VFLAG_CTL_NONE, 200 },
	{ "qinq-ad-q-pause", { D, S, BE(0x88a8), BE(0x00c8), BE(0x8100), BE(0x000a),
	  BE(0x8808) }, 60, 0, 0,
	  OK, 0, 2, {0x88a8, 0x8100}, {0x00c8, 0x000a}, 0x8808, 22,
	  VFLAG_CTL_MAC_CONTROL, 200 },
	{ "qinq-q-q", { D, S, BE(0x8100), BE(0x0005), BE(0x8100), BE(0x0006),
	  BE(0x0800) }, 60, 0, 0,
	  OK, 0, 2, {0x8100, 0x8100}, {0x0005, 0x0006}, 0x0800, 22,
	  VFLAG_CTL_NONE, 5 },
	{ "9100-then-slow", { D, S, BE(0x9100), BE(0x0007), BE(0x8809) }, 60, 0, 0,
	  OK, 0, 1, {0x9100}, {0x0007}, 0x8809, 18, VFLAG_CTL_SLOW, 7 },
	{ "three-tags", { D, S, BE(0x88a8), BE(1), BE(0x8100), BE(2), BE(0x8100),
	  BE(3), BE(0x0800) }, 60, 0, 0,
	  VFLAG_FRAME_TOO_MANY_TAGS, 0, 2, {0x88a8, 0x8100}, {1, 2}, 0, 0, 0, 1 },
	{ "truncated-tci", { D, S, BE(0x8100), BE(0x0064) }, 16, 0, 0,
	  VFLAG_FRAME_TRUNC_TAG, 0, 0, {0}, {0}, 0, 0, 0, 0 },
	{ "truncated-inner-type", { D, S, BE(0x8100), BE(0x0064), 0x08 }, 17, 0, 0,
	  VFLAG_FRAME_TRUNC_TAG, 0, 0, {0}, {0}, 0, 0, 0, 0 },
	{ "truncated-second-tag", { D, S, BE(0x88a8), BE(1), BE(0x8100), 0x00 }, 19, 0, 0,
	  VFLAG_FRAME_TRUNC_TAG, 0, 1, {0x88a8}, {1}, 0, 0, 0, 1 },
	/* The kernel took the outer tag out of the bytes. */
	{ "accel-100", { D, S, BE(0x0800) }, 60, 0x8100, 0x0064,
	  OK, VFLAG_FRAME_F_ACCEL_TAG, 1, {0x8100}, {0x0064}, 0x0800, 14,
	  VFLAG_CTL_NONE, 100 },
	{ "accel-ad-inner-q-slow", { D, S, BE(0x8100), BE(0x000a), BE(0x8809) }, 60,
	  0x88a8, 0x00c8,
	  OK, VFLAG_FRAME_F_ACCEL_TAG, 2, {0x88a8, 0x8100}, {0x00c8, 0x000a}, 0x8809,
	  18, VFLAG_CTL_SLOW, 200 },
	{ "accel-plus-two", { D, S, BE(0x8100), BE(2), BE(0x8100), BE(3), BE(0x0800) },
	  60, 0x88a8, 1,
	  VFLAG_FRAME_TOO_MANY_TAGS, VFLAG_FRAME_F_ACCEL_TAG, 2, {0x88a8, 0x8100},
	  {1, 2}, 0, 0, 0, 1 },
};
/* clang-format on */
const size_t frame_vector_count =
    sizeof(frame_vectors) / sizeof(frame_vectors[0]);

int frame_vector_check(const struct frame_vector *v,
		       const struct vflag_frame *f, char *why, size_t whylen)
{
#define CHECK(field, want)                                                     \
	do {                                                                   \
		if ((unsigned)(f->field) != (unsigned)(want)) {                \
			snprintf(why, whylen, "%s: " #field " %#x, want %#x",  \
				 v->name, (unsigned)(f->field),                \
				 (unsigned)(want));                            \
			return 0;                                              \
		}                                                              \
	} while (0)
	CHECK(status, v->status);
	if (v->status == VFLAG_FRAME_SHORT)
		return 1;
	for (int i = 0; i < 6; i++) {
		CHECK(dst[i], v->bytes[i]);
		CHECK(src[i], v->bytes[6 + i]);
	}
	CHECK(flags, v->flags);
	CHECK(ntags, v->ntags);
	for (unsigned i = 0; i < v->ntags; i++) {
		CHECK(tpid[i], v->tpid[i]);
		CHECK(tci[i], v->tci[i]);
	}
	if (v->status == VFLAG_FRAME_OK) {
		CHECK(ethertype, v->ethertype);
		CHECK(l3_off, v->l3_off);
		CHECK(ctl, v->ctl);
	}
	if (vflag_frame_vid(f) != v->vid) {
		snprintf(why, whylen, "%s: vid %u, want %u", v->name,
			 vflag_frame_vid(f), v->vid);
		return 0;
	}
	return 1;
#undef CHECK
}
