/* IEEE 802.1AX-2008 Link Aggregation Control Protocol for one
 * aggregation system (one bond): the Receive, Periodic Transmission,
 * Selection, Mux (coupled control), Transmit and Churn Detection machines,
 * and the Marker Responder.
 *
 * No I/O and no clock: frames come in through lacp_rx(), frames go out
 * through lacp_ops.send, and time is passed in as `now_ms` (monotonic
 * milliseconds), so tests can step through every timeout exactly.
 *
 * Not thread-safe: one owner (vflagd's event loop) calls everything. */
#ifndef VFLAG_LACP_H
#define VFLAG_LACP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lacp/lacpdu.h"

#define LACP_MAX_PORTS 8

struct lacp;

enum lacp_rate { LACP_RATE_SLOW, LACP_RATE_FAST };
enum lacp_ad_select {
	LACP_SELECT_STABLE,
	LACP_SELECT_BANDWIDTH,
	LACP_SELECT_COUNT
};

struct lacp_config {
	uint8_t sys_mac[6];    /* actor system ID (the bond's MAC) */
	uint16_t sys_priority; /* actor system priority (default 65535) */
	uint16_t key;	       /* actor operational key, all ports */
	enum lacp_rate rate;   /* actor LACP_Timeout: fast = short (3 s) */
	bool active;	       /* actor LACP_Activity: false = passive */
	enum lacp_ad_select ad_select;
	unsigned min_links; /* active aggregator needs this many ports */
	uint32_t aggregate_wait_ms; /* Aggregate_Wait_Time (standard: 2000) */
	/* Ready without waiting out aggregate_wait_ms once no more ports
	 * can join: every port that is up is selected for the aggregator
	 * and hears its partner (lacp_agg_ready(), doc/lacp.md). */
	bool wait_shortcut;
	char name[16]; /* bond name that prefixes logs, or "" */
};

struct lacp_port_config {
	uint16_t port_number;	/* actor port number, 1..65535, unique */
	uint16_t port_priority; /* default 255 */
	uint8_t mac[6];		/* source MAC of this port's PDUs */
	uint32_t speed_mbps;	/* for ad_select bandwidth */
};

/* Both callbacks run inside lacp_*() calls: they may use the queries
 * (lacp_port_collecting(), lacp_port_get_status(), ...) but must not call
 * anything that changes the same struct lacp. */
struct lacp_ops {
	/* Transmits one whole Ethernet frame (LACPDU or Marker Response) out
	 * of port `port`. Returns 0 or -errno; a failure is counted. */
	int (*send)(void *ctx, unsigned port, const void *frame, size_t len);
	/* Something the bond distributes on changed: a port's Collecting or
	 * Distributing, or the active aggregator.
	 * Called after the machines settle and before the LACPDUs that
	 * announce the change are sent (so the datapath accepts a member's
	 * frames before the partner is told it may send them), at most once
	 * per lacp_rx()/lacp_run()/lacp_port_*() call. */
	void (*changed)(void *ctx);
};

/* Per-port counters: one for every distinct kind of frame or fault. */
struct lacp_port_counters {
	uint64_t lacpdu_rx;	/* valid LACPDUs received */
	uint64_t lacpdu_tx;	/* LACPDUs sent */
	uint64_t lacpdu_tx_err; /* ops.send failed */
	uint64_t
	    lacpdu_tx_limited;	  /* NTT held back by the 3-per-second limit */
	uint64_t marker_rx;	  /* Marker PDUs received */
	uint64_t marker_resp_tx;  /* Marker Responses sent */
	uint64_t marker_resp_rx;  /* Marker Responses received */
	uint64_t unknown_rx;	  /* slow protocol, unknown subtype */
	uint64_t illegal_rx;	  /* all malformed frames (sum of the five
				     rx_truncated .. rx_not_slow) */
	uint64_t rx_truncated;	  /* shorter than its PDU */
	uint64_t rx_bad_version;  /* version number 0 (other versions are
				     accepted, as 802.1AX requires) */
	uint64_t rx_bad_tlv;	  /* TLV type or length not as 5.4.2 */
	uint64_t rx_bad_system;	  /* actor system ID zero or multicast */
	uint64_t rx_not_slow;	  /* not to 01-80-C2-00-00-02 / 0x8809 */
	uint64_t rx_looped;	  /* our own system ID: a loop */
	uint64_t partner_changes; /* partner system/key/port changed */
};

struct lacp_port_status {
	bool enabled;  /* port_enabled (link up) */
	bool selected; /* Selected == SELECTED */
	bool standby;  /* Selected == STANDBY */
	bool collecting;
	bool distributing;
	bool looped;
	unsigned aggregator_id; /* 0 = none */
	struct lacp_info actor;
	struct lacp_info partner; /* operational */
	const char *rx_state;	  /* names as in the figures, e.g. "CURRENT" */
	const char *periodic_state; /* "FAST_PERIODIC" ... */
	const char *mux_state;	    /* "COLLECTING_DISTRIBUTING" ... */
	const char *actor_churn;    /* "NO_ACTOR_CHURN" ... */
	const char *partner_churn;  /* "PARTNER_CHURN_MONITOR" ... */
	struct lacp_port_counters counters;
};

struct lacp_status {
	unsigned active_aggregator_id; /* 0 = none */
	unsigned num_ports;	       /* ports attached to it */
	bool ready;		       /* meets min_links */
	uint8_t partner_mac[6];	       /* its partner system */
	uint16_t partner_key;
	uint16_t actor_key;
};

/* Result of lacp_rx(), for the caller's own counting. */
enum lacp_rx_result {
	LACP_RX_LACPDU,
	LACP_RX_MARKER,
	LACP_RX_MARKER_RESPONSE,
	LACP_RX_UNKNOWN, /* slow protocol we do not speak */
	LACP_RX_ILLEGAL, /* malformed, counted by cause */
	LACP_RX_NO_PORT, /* no such port */
};

struct lacp *lacp_create(const struct lacp_config *cfg,
			 const struct lacp_ops *ops, void *ctx);
void lacp_destroy(struct lacp *lacp);
/* Applies new settings; changed rate/activity are sent at once (NTT). */
void lacp_reconfigure(struct lacp *lacp, const struct lacp_config *cfg,
		      uint64_t now_ms);

/* Adds port `port` (0..LACP_MAX_PORTS-1), disabled. -EEXIST, -EINVAL. */
int lacp_port_add(struct lacp *lacp, unsigned port,
		  const struct lacp_port_config *cfg, uint64_t now_ms);
void lacp_port_remove(struct lacp *lacp, unsigned port, uint64_t now_ms);
/* port_enabled in the standard: the link is up (after up/down delays). */
void lacp_port_set_enabled(struct lacp *lacp, unsigned port, bool enabled,
			   uint64_t now_ms);

/* A restarted vflagd takes a port up where the previous one left it
 * (doc/architecture.md "Survivability"): the Receive machine enters
 * CURRENT with `partner` (the partner's info as saved: its last LACPDU's
 * actor), and, once selected, the Mux machine goes straight to ATTACHED
 * and, if the partner is in sync, COLLECTING_DISTRIBUTING, skipping
 * Aggregate_Wait_Time; NTT is set, so the first LACPDU leaves within this
 * call. The port must be added and enabled. 0, -ENOENT, -ENETDOWN. */
int lacp_port_resume(struct lacp *lacp, unsigned port,
		     const struct lacp_info *partner, uint64_t now_ms);

/* One received slow-protocol frame, whole (Ethernet header included). */
enum lacp_rx_result lacp_rx(struct lacp *lacp, unsigned port, const void *frame,
			    size_t len, uint64_t now_ms);
/* Advances every machine to `now_ms`; call at least every 100 ms, or at
 * lacp_next_deadline(). */
void lacp_run(struct lacp *lacp, uint64_t now_ms);
/* The earliest time lacp_run() has something to do. */
uint64_t lacp_next_deadline(const struct lacp *lacp);

/* Collecting: from ATTACHED on (see lacp_mux.c), since the partner may
 * send to us as soon as it hears we are in sync. */
bool lacp_port_collecting(const struct lacp *lacp, unsigned port);
bool lacp_port_distributing(const struct lacp *lacp, unsigned port);
/* -ENOENT if there is no such port. */
int lacp_port_get_status(const struct lacp *lacp, unsigned port,
			 struct lacp_port_status *st);
void lacp_get_status(const struct lacp *lacp, struct lacp_status *st);

/* The state octet's bits by name, bit 0 first: the one table that
 * `bond show` (vflagd) and vflagctl's printer use. */
extern const char *const lacp_state_bit_names[8];

/* Names for the state bits set in `state`, for `bond show`:
 * writes up to 8 pointers to static strings ("activity", "short_timeout",
 * "aggregation", "in_sync", "collecting", "distributing", "defaulted",
 * "expired"); returns how many. */
unsigned lacp_state_names(uint8_t state, const char *names[8]);

#endif
