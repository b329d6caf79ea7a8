/* Slow Protocols frames spoken by LACP: the LACPDU (802.1AX-2008 5.4.2)
 * and the Marker / Marker Response PDUs (5.5.3), as whole Ethernet frames.
 *
 * Pure functions over caller buffers: no state, no allocation, no logging;
 * safe from any thread. */
#ifndef VFLAG_LACP_LACPDU_H
#define VFLAG_LACP_LACPDU_H

#include <stddef.h>
#include <stdint.h>

#define LACPDU_ETH_HLEN 14
#define LACPDU_ETHERTYPE_SLOW 0x8809
#define LACPDU_SUBTYPE_LACP 1
#define LACPDU_SUBTYPE_MARKER 2
#define LACPDU_VERSION 1   /* what we send */
#define LACPDU_PDU_LEN 110 /* subtype .. end of Reserved, both PDUs */
#define LACPDU_FRAME_LEN (LACPDU_ETH_HLEN + LACPDU_PDU_LEN)

/* Actor or partner information as in the LACPDU (802.1AX 5.4.2.2). */
struct lacp_info {
	uint16_t sys_priority;
	uint8_t sys_mac[6];
	uint16_t key;
	uint16_t port_priority;
	uint16_t port;
	uint8_t state; /* LACP_STATE_* bits */
};

/* The state octet, bit by bit (802.1AX 5.4.2.2 item m). */
#define LACP_STATE_ACTIVITY (1u << 0)
#define LACP_STATE_TIMEOUT (1u << 1)
#define LACP_STATE_AGGREGATION (1u << 2)
#define LACP_STATE_SYNCHRONIZATION (1u << 3)
#define LACP_STATE_COLLECTING (1u << 4)
#define LACP_STATE_DISTRIBUTING (1u << 5)
#define LACP_STATE_DEFAULTED (1u << 6)
#define LACP_STATE_EXPIRED (1u << 7)

/* 01-80-C2-00-00-02, the Slow_Protocols_Multicast address. */
extern const uint8_t lacpdu_slow_protocols_mac[6];

enum lacpdu_kind {
	LACPDU_KIND_LACP,	     /* LACPDU */
	LACPDU_KIND_MARKER,	     /* Marker Information */
	LACPDU_KIND_MARKER_RESPONSE, /* Marker Response Information */
};

/* The Marker Information / Marker Response TLV body (5.5.3.2). */
struct lacpdu_marker {
	uint16_t requester_port;
	uint8_t requester_system[6];
	uint32_t requester_transaction_id;
};

/* One decoded frame, host byte order. */
struct lacpdu {
	enum lacpdu_kind kind;
	uint8_t src_mac[6];	      /* Ethernet source */
	uint8_t version;	      /* as received; lacpdu_encode sends 1 */
	struct lacp_info actor;	      /* LACP only */
	struct lacp_info partner;     /* LACP only */
	uint16_t collector_max_delay; /* LACP only, tens of microseconds */
	struct lacpdu_marker marker;  /* Marker and Marker Response only */
};

enum lacpdu_result {
	LACPDU_OK,
	LACPDU_TRUNCATED,	/* shorter than its PDU */
	LACPDU_NOT_SLOW,	/* wrong destination or ethertype */
	LACPDU_UNKNOWN_SUBTYPE, /* Slow Protocol other than LACP/Marker */
	LACPDU_BAD_VERSION,	/* version 0 */
	LACPDU_BAD_TLV,		/* a TLV type or length not as 5.4.2 */
	LACPDU_BAD_SYSTEM,	/* actor system zero or multicast */
};

/* Decodes one frame (Ethernet header included). Bytes after the 110-octet
 * PDU (padding, FCS) are ignored. Any version >= 1 is accepted (5.4.2.1's
 * forward compatibility: later versions only add fields), but for versions
 * above 1 the Terminator TLV is not checked, as later versions may insert
 * TLVs before it. `out` is valid only when LACPDU_OK is returned. */
enum lacpdu_result lacpdu_parse(const void *frame, size_t len,
				struct lacpdu *out);

/* Encodes `pdu` (its kind selects the layout; version is always 1) into
 * `buf`. Returns LACPDU_FRAME_LEN, or 0 if `cap` is smaller. */
size_t lacpdu_encode(const struct lacpdu *pdu, void *buf, size_t cap);

/* "ok", "truncated", ... for logs. */
const char *lacpdu_result_name(enum lacpdu_result result);

#endif
