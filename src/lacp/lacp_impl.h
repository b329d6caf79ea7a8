/* The insides of src/lacp shared by its files: the standard's variables,
 * states and timers (lacp.c runs the machines and holds the API,
 * lacp_rx.c the Receive and Periodic Transmission machines, lacp_select.c
 * the Selection Logic, lacp_mux.c the Mux, Churn Detection and Transmit
 * machines and the Marker Responder). Not for use outside src/lacp. */
#ifndef VFLAG_LACP_IMPL_H
#define VFLAG_LACP_IMPL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "lacp/lacp.h"
#include "lacp/lacpdu.h"

#define TAG "lacp"

/* An INFO message that input can trigger: rate-limited per call site. */
#define INFO_RL(...)                                                           \
	do {                                                                   \
		static struct log_ratelimit rl_ = LOG_RATELIMIT_INIT(5, 10);   \
		if (log_get_level() >= LOG_LVL_INFO && log_ratelimit_ok(&rl_)) \
			LOG_INFO(TAG, __VA_ARGS__);                            \
	} while (0)

/* 802.1AX-2008 5.4.4 constants, in milliseconds. */
enum {
	FAST_PERIODIC_MS = 1000,
	SLOW_PERIODIC_MS = 30000,
	SHORT_TIMEOUT_MS = 3000,
	LONG_TIMEOUT_MS = 90000,
	CHURN_DETECTION_MS = 60000,
};

/* 5.4.16: at most this many LACPDUs in any FAST_PERIODIC_MS interval. */
#define TX_LIMIT 3

/* The machines settle in 3 or 4 rounds; more means a bug, not input. */
#define SETTLE_MAX_ROUNDS 16

struct lacp_timer {
	bool running;
	uint64_t deadline; /* expired once now >= deadline */
};

/* The state octet as the standard's named variables (5.4.2.2 item m). */
struct lacp_state {
	bool lacp_activity;   /* Active LACP */
	bool lacp_timeout;    /* Short Timeout */
	bool aggregation;     /* Aggregatable */
	bool synchronization; /* IN_SYNC */
	bool collecting;
	bool distributing;
	bool defaulted;
	bool expired;
};

/* Partner_Oper_* or Partner_Admin_* parameters (5.4.7). */
struct lacp_peer {
	uint16_t sys_priority;
	uint8_t sys_mac[6];
	uint16_t key;
	uint16_t port_priority;
	uint16_t port;
	struct lacp_state state;
};

/* The Selected variable (5.4.8). */
enum lacp_selected { UNSELECTED, SELECTED, STANDBY };

/* Receive machine, the state diagram of 802.1AX-2008 5.4.12. */
enum lacp_rx_state {
	RX_INITIALIZE,
	RX_PORT_DISABLED,
	RX_EXPIRED,
	RX_LACP_DISABLED,
	RX_DEFAULTED,
	RX_CURRENT,
};
static const char *const rx_state_names[] = {
    [RX_INITIALIZE] = "INITIALIZE", [RX_PORT_DISABLED] = "PORT_DISABLED",
    [RX_EXPIRED] = "EXPIRED",	    [RX_LACP_DISABLED] = "LACP_DISABLED",
    [RX_DEFAULTED] = "DEFAULTED",   [RX_CURRENT] = "CURRENT",
};
_Static_assert(ARRAY_SIZE(rx_state_names) == RX_CURRENT + 1, "rx names");

/* Periodic Transmission machine, the state diagram of 5.4.13. */
enum lacp_periodic_state {
	PER_NO_PERIODIC,
	PER_FAST_PERIODIC,
	PER_SLOW_PERIODIC,
	PER_PERIODIC_TX,
};
static const char *const periodic_state_names[] = {
    [PER_NO_PERIODIC] = "NO_PERIODIC",
    [PER_FAST_PERIODIC] = "FAST_PERIODIC",
    [PER_SLOW_PERIODIC] = "SLOW_PERIODIC",
    [PER_PERIODIC_TX] = "PERIODIC_TX",
};
_Static_assert(ARRAY_SIZE(periodic_state_names) == PER_PERIODIC_TX + 1,
	       "periodic names");

/* Mux machine, the coupled control state diagram of 5.4.15. */
enum lacp_mux_state {
	MUX_DETACHED,
	MUX_WAITING,
	MUX_ATTACHED,
	MUX_COLLECTING_DISTRIBUTING,
};
static const char *const mux_state_names[] = {
    [MUX_DETACHED] = "DETACHED",
    [MUX_WAITING] = "WAITING",
    [MUX_ATTACHED] = "ATTACHED",
    [MUX_COLLECTING_DISTRIBUTING] = "COLLECTING_DISTRIBUTING",
};
_Static_assert(ARRAY_SIZE(mux_state_names) == MUX_COLLECTING_DISTRIBUTING + 1,
	       "mux names");

/* Actor and Partner Churn Detection machines, the two state diagrams of
 * 5.4.17: one enum for both, as they are one machine watching a different
 * variable; each has its names table. */
enum lacp_churn_state { CHURN_MONITOR, NO_CHURN, CHURN };
static const char *const actor_churn_names[] = {
    [CHURN_MONITOR] = "ACTOR_CHURN_MONITOR",
    [NO_CHURN] = "NO_ACTOR_CHURN",
    [CHURN] = "ACTOR_CHURN",
};
static const char *const partner_churn_names[] = {
    [CHURN_MONITOR] = "PARTNER_CHURN_MONITOR",
    [NO_CHURN] = "NO_PARTNER_CHURN",
    [CHURN] = "PARTNER_CHURN",
};
_Static_assert(ARRAY_SIZE(actor_churn_names) == CHURN + 1, "churn names");
_Static_assert(ARRAY_SIZE(partner_churn_names) == CHURN + 1, "churn names");

struct lacp_agg {
	unsigned id;	  /* 1..LACP_MAX_PORTS */
	unsigned members; /* ports whose agg points here */
	/* The Link Aggregation Group, copied from the first member: */
	bool individual; /* holds one port, never more */
	uint16_t actor_key;
	uint16_t partner_sys_priority;
	uint8_t partner_sys_mac[6];
	uint16_t partner_key;
};

struct lacp_port {
	bool in_use;
	unsigned index;	  /* 0..LACP_MAX_PORTS-1 */
	const char *name; /* the bond's, for logs */
	struct lacp_port_config cfg;

	/* 5.4.7 and 5.4.8 variables */
	bool port_enabled; /* link up */
	bool lacp_enabled; /* always TRUE: links are full duplex */
	bool ntt;	   /* Need To Transmit */
	bool port_moved;   /* partner seen on another port */
	bool ready_n;	   /* wait_while_timer ran out */
	bool actor_churn;
	bool partner_churn;
	enum lacp_selected selected;
	struct lacp_state actor;  /* Actor_Oper_Port_State */
	struct lacp_peer partner; /* Partner_Oper_* */

	/* 5.4.10 timers */
	struct lacp_timer current_while;
	struct lacp_timer periodic;
	struct lacp_timer wait_while;
	struct lacp_timer actor_churn_timer;
	struct lacp_timer partner_churn_timer;

	enum lacp_rx_state rx;
	enum lacp_periodic_state periodic_state;
	enum lacp_mux_state mux;
	enum lacp_churn_state actor_churn_state;
	enum lacp_churn_state partner_churn_state;

	struct lacp_agg *agg; /* chosen by the Selection Logic */
	bool looped;	      /* received our own LACPDU */

	/* Transmit machine's rate limit: send times, a ring of TX_LIMIT. */
	uint64_t tx_times[TX_LIMIT];
	unsigned tx_count; /* entries used, <= TX_LIMIT */
	unsigned tx_next;  /* oldest entry once full */
	bool tx_held;	   /* NTT waiting for the window */

	struct lacp_port_counters counters;
};

struct lacp {
	struct lacp_config cfg;
	struct lacp_ops ops;
	void *ctx;
	struct lacp_port ports[LACP_MAX_PORTS];
	struct lacp_agg aggs[LACP_MAX_PORTS]; /* aggs[i] is port i's own */
	struct lacp_agg *active;	      /* NULL = none */
};

/* What the bond distributes on, to tell whether to call ops->changed. */
struct lacp_snapshot {
	bool collecting[LACP_MAX_PORTS];
	bool distributing[LACP_MAX_PORTS];
	unsigned active_id;
};

/* Partner_Admin_*: all zero, so a port that hears no partner is
 * individual (Aggregation FALSE), out of sync, and a passive actor stays
 * quiet toward it (LACP_Activity FALSE). LACP_Timeout is the exception:
 * recordDefault (lacp_rx.c) sets it to the actor's own, so a defaulted
 * port of a fast bond keeps FAST_PERIODIC and a healed link is heard
 * within a second. */
static const struct lacp_peer partner_admin;

/* ---- timers ---------------------------------------------------------- */

static inline void timer_start(struct lacp_timer *t, uint64_t now, uint32_t ms)
{
	t->running = true;
	t->deadline = now + ms;
}

static inline void timer_stop(struct lacp_timer *t)
{
	t->running = false;
}

static inline bool timer_expired(const struct lacp_timer *t, uint64_t now)
{
	return t->running && now >= t->deadline;
}

static inline void deadline_min(uint64_t *min, const struct lacp_timer *t)
{
	if (t->running && t->deadline < *min)
		*min = t->deadline;
}

/* ---- state octet and peer info --------------------------------------- */

static inline uint8_t state_to_octet(const struct lacp_state *s)
{
	return (s->lacp_activity ? LACP_STATE_ACTIVITY : 0) |
	       (s->lacp_timeout ? LACP_STATE_TIMEOUT : 0) |
	       (s->aggregation ? LACP_STATE_AGGREGATION : 0) |
	       (s->synchronization ? LACP_STATE_SYNCHRONIZATION : 0) |
	       (s->collecting ? LACP_STATE_COLLECTING : 0) |
	       (s->distributing ? LACP_STATE_DISTRIBUTING : 0) |
	       (s->defaulted ? LACP_STATE_DEFAULTED : 0) |
	       (s->expired ? LACP_STATE_EXPIRED : 0);
}

static inline struct lacp_state state_from_octet(uint8_t o)
{
	return (struct lacp_state){
	    .lacp_activity = o & LACP_STATE_ACTIVITY,
	    .lacp_timeout = o & LACP_STATE_TIMEOUT,
	    .aggregation = o & LACP_STATE_AGGREGATION,
	    .synchronization = o & LACP_STATE_SYNCHRONIZATION,
	    .collecting = o & LACP_STATE_COLLECTING,
	    .distributing = o & LACP_STATE_DISTRIBUTING,
	    .defaulted = o & LACP_STATE_DEFAULTED,
	    .expired = o & LACP_STATE_EXPIRED,
	};
}

static inline struct lacp_peer peer_from_info(const struct lacp_info *info)
{
	struct lacp_peer peer = {
	    .sys_priority = info->sys_priority,
	    .key = info->key,
	    .port_priority = info->port_priority,
	    .port = info->port,
	    .state = state_from_octet(info->state),
	};

	memcpy(peer.sys_mac, info->sys_mac, 6);
	return peer;
}

static inline struct lacp_info peer_to_info(const struct lacp_peer *peer)
{
	struct lacp_info info = {
	    .sys_priority = peer->sys_priority,
	    .key = peer->key,
	    .port_priority = peer->port_priority,
	    .port = peer->port,
	    .state = state_to_octet(&peer->state),
	};

	memcpy(info.sys_mac, peer->sys_mac, 6);
	return info;
}

static inline struct lacp_info actor_info(const struct lacp *lacp,
					  const struct lacp_port *p)
{
	struct lacp_info info = {
	    .sys_priority = lacp->cfg.sys_priority,
	    .key = lacp->cfg.key,
	    .port_priority = p->cfg.port_priority,
	    .port = p->cfg.port_number,
	    .state = state_to_octet(&p->actor),
	};

	memcpy(info.sys_mac, lacp->cfg.sys_mac, 6);
	return info;
}

/* Same Link Aggregation Group identity on the partner side: system, key
 * and port (5.3.6), plus port priority, which 5.4.9 also compares. */
static inline bool peer_same_port(const struct lacp_peer *a,
				  const struct lacp_peer *b)
{
	return a->sys_priority == b->sys_priority &&
	       !memcmp(a->sys_mac, b->sys_mac, 6) && a->key == b->key &&
	       a->port_priority == b->port_priority && a->port == b->port;
}

static inline struct lacp_port *port_get(struct lacp *lacp, unsigned port)
{
	if (port >= LACP_MAX_PORTS || !lacp->ports[port].in_use)
		return NULL;
	return &lacp->ports[port];
}

static inline const struct lacp_port *port_get_const(const struct lacp *lacp,
						     unsigned port)
{
	return port_get((struct lacp *)lacp, port);
}

/* One step of each machine; each returns whether its state changed. */
bool lacp_rx_machine(struct lacp *lacp, struct lacp_port *p,
		     const struct lacpdu *pdu, uint64_t now);
bool lacp_periodic_machine(struct lacp_port *p, uint64_t now);
bool lacp_selection_logic(struct lacp *lacp);
void lacp_mux_update_ready_n(struct lacp_port *p, uint64_t now);
bool lacp_mux_machine(struct lacp *lacp, struct lacp_port *p, uint64_t now);
bool lacp_churn_machines(struct lacp_port *p, uint64_t now);
void lacp_tx_machine(struct lacp *lacp, struct lacp_port *p, uint64_t now);
void lacp_marker_respond(struct lacp *lacp, struct lacp_port *p,
			 const struct lacpdu *pdu);

/* Entry actions and queries that more than one file uses. */
void lacp_rx_set_state(struct lacp *lacp, struct lacp_port *p,
		       enum lacp_rx_state next, const struct lacpdu *pdu,
		       uint64_t now);
void lacp_periodic_set_state(struct lacp_port *p, enum lacp_periodic_state next,
			     uint64_t now);
void lacp_mux_set_state(struct lacp *lacp, struct lacp_port *p,
			enum lacp_mux_state next, uint64_t now);
void lacp_actor_churn_set_state(struct lacp_port *p, enum lacp_churn_state next,
				uint64_t now);
void lacp_partner_churn_set_state(struct lacp_port *p,
				  enum lacp_churn_state next, uint64_t now);
void lacp_agg_leave(struct lacp *lacp, struct lacp_port *p);
unsigned lacp_agg_ports(const struct lacp *lacp, const struct lacp_agg *agg);
bool lacp_agg_meets_min_links(const struct lacp *lacp,
			      const struct lacp_agg *agg);
bool lacp_agg_ready(const struct lacp *lacp, const struct lacp_agg *agg);

#endif
