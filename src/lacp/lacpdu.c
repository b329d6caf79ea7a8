/* LACPDU and Marker PDU encoding and decoding (802.1AX-2008 5.4.2, 5.5.3).
 *
 * The wire structs below mirror the standard's figures field by field;
 * frames are copied into them with memcpy, so input alignment never
 * matters. */
#include "lacp/lacpdu.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>

#include "common/util.h"

const uint8_t lacpdu_slow_protocols_mac[6] = {0x01, 0x80, 0xc2,
					      0x00, 0x00, 0x02};

enum {
	TLV_TERMINATOR = 0x00,
	TLV_ACTOR = 0x01,
	TLV_PARTNER = 0x02,
	TLV_COLLECTOR = 0x03,
	TLV_MARKER_INFO = 0x01,
	TLV_MARKER_RESPONSE = 0x02,
	TLV_INFO_LEN = 20,
	TLV_COLLECTOR_LEN = 16,
	TLV_MARKER_LEN = 16,
};

struct wire_eth {
	uint8_t dst[6];
	uint8_t src[6];
	uint16_t ethertype; /* network order */
} __attribute__((packed));

/* Actor and Partner Information TLVs (5.4.2.2 items c..n). */
struct wire_info {
	uint8_t tlv_type;
	uint8_t length;
	uint16_t sys_priority;
	uint8_t sys_mac[6];
	uint16_t key;
	uint16_t port_priority;
	uint16_t port;
	uint8_t state;
	uint8_t reserved[3];
} __attribute__((packed));

struct wire_lacpdu {
	uint8_t subtype;
	uint8_t version;
	struct wire_info actor;
	struct wire_info partner;
	uint8_t collector_type;
	uint8_t collector_len;
	uint16_t collector_max_delay;
	uint8_t collector_reserved[12];
	uint8_t terminator_type;
	uint8_t terminator_len;
	uint8_t reserved[50];
} __attribute__((packed));

/* Marker and Marker Response PDUs share one layout (5.5.3.2). */
struct wire_marker {
	uint8_t subtype;
	uint8_t version;
	uint8_t tlv_type;
	uint8_t length;
	uint16_t requester_port;
	uint8_t requester_system[6];
	uint32_t requester_transaction_id;
	uint8_t pad[2];
	uint8_t terminator_type;
	uint8_t terminator_len;
	uint8_t reserved[90];
} __attribute__((packed));

_Static_assert(sizeof(struct wire_eth) == LACPDU_ETH_HLEN, "Ethernet header");
_Static_assert(sizeof(struct wire_info) == TLV_INFO_LEN, "info TLV");
_Static_assert(offsetof(struct wire_info, sys_mac) == 4, "info TLV");
_Static_assert(offsetof(struct wire_info, state) == 16, "info TLV");
_Static_assert(sizeof(struct wire_lacpdu) == LACPDU_PDU_LEN, "LACPDU");
_Static_assert(offsetof(struct wire_lacpdu, actor) == 2, "LACPDU");
_Static_assert(offsetof(struct wire_lacpdu, partner) == 22, "LACPDU");
_Static_assert(offsetof(struct wire_lacpdu, collector_type) == 42, "LACPDU");
_Static_assert(offsetof(struct wire_lacpdu, terminator_type) == 58, "LACPDU");
_Static_assert(offsetof(struct wire_lacpdu, reserved) == 60, "LACPDU");
_Static_assert(sizeof(struct wire_marker) == LACPDU_PDU_LEN, "Marker PDU");
_Static_assert(offsetof(struct wire_marker, requester_transaction_id) == 12,
	       "Marker PDU");
_Static_assert(offsetof(struct wire_marker, terminator_type) == 18,
	       "Marker PDU");

static const char *const lacpdu_result_names[] = {
    [LACPDU_OK] = "ok",
    [LACPDU_TRUNCATED] = "truncated",
    [LACPDU_NOT_SLOW] = "not slow protocol",
    [LACPDU_UNKNOWN_SUBTYPE] = "unknown subtype",
    [LACPDU_BAD_VERSION] = "bad version",
    [LACPDU_BAD_TLV] = "bad TLV",
    [LACPDU_BAD_SYSTEM] = "bad system ID",
};
_Static_assert(ARRAY_SIZE(lacpdu_result_names) == LACPDU_BAD_SYSTEM + 1,
	       "one name per result");

const char *lacpdu_result_name(enum lacpdu_result result)
{
	if ((unsigned)result >= ARRAY_SIZE(lacpdu_result_names))
		return "?";
	return lacpdu_result_names[result];
}

static void info_from_wire(const struct wire_info *w, struct lacp_info *info)
{
	info->sys_priority = ntohs(w->sys_priority);
	memcpy(info->sys_mac, w->sys_mac, 6);
	info->key = ntohs(w->key);
	info->port_priority = ntohs(w->port_priority);
	info->port = ntohs(w->port);
	info->state = w->state;
}

static void info_to_wire(const struct lacp_info *info, uint8_t type,
			 struct wire_info *w)
{
	w->tlv_type = type;
	w->length = TLV_INFO_LEN;
	w->sys_priority = htons(info->sys_priority);
	memcpy(w->sys_mac, info->sys_mac, 6);
	w->key = htons(info->key);
	w->port_priority = htons(info->port_priority);
	w->port = htons(info->port);
	w->state = info->state;
}

static enum lacpdu_result parse_lacp(const uint8_t *pdu, struct lacpdu *out)
{
	struct wire_lacpdu w;

	memcpy(&w, pdu, sizeof(w));
	if (w.actor.tlv_type != TLV_ACTOR || w.actor.length != TLV_INFO_LEN ||
	    w.partner.tlv_type != TLV_PARTNER ||
	    w.partner.length != TLV_INFO_LEN ||
	    w.collector_type != TLV_COLLECTOR ||
	    w.collector_len != TLV_COLLECTOR_LEN)
		return LACPDU_BAD_TLV;
	/* Version 2 (802.1AX-2014) inserts its TLVs before the Terminator. */
	if (w.version == 1 &&
	    (w.terminator_type != TLV_TERMINATOR || w.terminator_len != 0))
		return LACPDU_BAD_TLV;
	if (mac_is_zero(w.actor.sys_mac) || mac_is_multicast(w.actor.sys_mac))
		return LACPDU_BAD_SYSTEM;

	out->kind = LACPDU_KIND_LACP;
	info_from_wire(&w.actor, &out->actor);
	info_from_wire(&w.partner, &out->partner);
	out->collector_max_delay = ntohs(w.collector_max_delay);
	return LACPDU_OK;
}

static enum lacpdu_result parse_marker(const uint8_t *pdu, struct lacpdu *out)
{
	struct wire_marker w;

	memcpy(&w, pdu, sizeof(w));
	if ((w.tlv_type != TLV_MARKER_INFO &&
	     w.tlv_type != TLV_MARKER_RESPONSE) ||
	    w.length != TLV_MARKER_LEN)
		return LACPDU_BAD_TLV;
	if (w.version == 1 &&
	    (w.terminator_type != TLV_TERMINATOR || w.terminator_len != 0))
		return LACPDU_BAD_TLV;

	out->kind = w.tlv_type == TLV_MARKER_INFO ? LACPDU_KIND_MARKER
						  : LACPDU_KIND_MARKER_RESPONSE;
	out->marker.requester_port = ntohs(w.requester_port);
	memcpy(out->marker.requester_system, w.requester_system, 6);
	out->marker.requester_transaction_id =
	    ntohl(w.requester_transaction_id);
	return LACPDU_OK;
}

enum lacpdu_result lacpdu_parse(const void *frame, size_t len,
				struct lacpdu *out)
{
	const uint8_t *p = frame;
	struct wire_eth eth;
	uint8_t subtype, version;

	if (len < LACPDU_ETH_HLEN)
		return LACPDU_TRUNCATED;
	memcpy(&eth, p, sizeof(eth));
	if (ntohs(eth.ethertype) != LACPDU_ETHERTYPE_SLOW ||
	    memcmp(eth.dst, lacpdu_slow_protocols_mac, 6))
		return LACPDU_NOT_SLOW;
	if (len < LACPDU_ETH_HLEN + 1)
		return LACPDU_TRUNCATED;
	subtype = p[LACPDU_ETH_HLEN];
	if (subtype != LACPDU_SUBTYPE_LACP && subtype != LACPDU_SUBTYPE_MARKER)
		return LACPDU_UNKNOWN_SUBTYPE;
	if (len < LACPDU_FRAME_LEN)
		return LACPDU_TRUNCATED;
	version = p[LACPDU_ETH_HLEN + 1];
	if (version == 0)
		return LACPDU_BAD_VERSION;

	memset(out, 0, sizeof(*out));
	memcpy(out->src_mac, eth.src, 6);
	out->version = version;
	if (subtype == LACPDU_SUBTYPE_LACP)
		return parse_lacp(p + LACPDU_ETH_HLEN, out);
	return parse_marker(p + LACPDU_ETH_HLEN, out);
}

size_t lacpdu_encode(const struct lacpdu *pdu, void *buf, size_t cap)
{
	uint8_t *p = buf;
	struct wire_eth eth;

	if (cap < LACPDU_FRAME_LEN)
		return 0;
	memcpy(eth.dst, lacpdu_slow_protocols_mac, 6);
	memcpy(eth.src, pdu->src_mac, 6);
	eth.ethertype = htons(LACPDU_ETHERTYPE_SLOW);
	memcpy(p, &eth, sizeof(eth));

	if (pdu->kind == LACPDU_KIND_LACP) {
		struct wire_lacpdu w;

		memset(&w, 0, sizeof(w));
		w.subtype = LACPDU_SUBTYPE_LACP;
		w.version = LACPDU_VERSION;
		info_to_wire(&pdu->actor, TLV_ACTOR, &w.actor);
		info_to_wire(&pdu->partner, TLV_PARTNER, &w.partner);
		w.collector_type = TLV_COLLECTOR;
		w.collector_len = TLV_COLLECTOR_LEN;
		w.collector_max_delay = htons(pdu->collector_max_delay);
		w.terminator_type = TLV_TERMINATOR;
		memcpy(p + LACPDU_ETH_HLEN, &w, sizeof(w));
	} else {
		struct wire_marker w;

		memset(&w, 0, sizeof(w));
		w.subtype = LACPDU_SUBTYPE_MARKER;
		w.version = LACPDU_VERSION;
		w.tlv_type = pdu->kind == LACPDU_KIND_MARKER
				 ? TLV_MARKER_INFO
				 : TLV_MARKER_RESPONSE;
		w.length = TLV_MARKER_LEN;
		w.requester_port = htons(pdu->marker.requester_port);
		memcpy(w.requester_system, pdu->marker.requester_system, 6);
		w.requester_transaction_id =
		    htonl(pdu->marker.requester_transaction_id);
		w.terminator_type = TLV_TERMINATOR;
		memcpy(p + LACPDU_ETH_HLEN, &w, sizeof(w));
	}
	return LACPDU_FRAME_LEN;
}
