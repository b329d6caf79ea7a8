/* IEEE 802.1AX-2008 Link Aggregation Control Protocol for one aggregation
 * system: the per-port machines of clause 5.4 (Receive, Periodic
 * Transmission, Mux with coupled control, Transmit, Churn Detection), the
 * Selection Logic, and the Marker Responder of 5.5.
 *
 * Owns the ports, one aggregator per port (as Linux bonding does: a port
 * attaches to an aggregator that already holds ports of the same Link
 * Aggregation Group, else to a free one), and the choice of the one active
 * aggregator whose ports may collect and distribute.
 *
 * Every entry point first applies its event (a frame, a link change, a
 * port added), then runs the machines in rounds until none changes state
 * (lacp_settle), then lets each port's Transmit machine send at most one
 * LACPDU carrying the settled state, then calls ops->changed if what the
 * bond distributes on changed. No I/O but ops->send; no clock but now_ms.
 * Single-threaded; ops->send and ops->changed may query but not change the
 * same struct lacp. */
#include "lacp/lacp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "lacp/lacpdu.h"

#define TAG "lacp"

/* An INFO message that input can trigger: rate-limited per call site. */
#define INFO_RL(...)                                                       \
	do {                                                               \
		static struct log_ratelimit rl_ = LOG_RATELIMIT_INIT(5, 10); \
		if (log_get_level() >= LOG_LVL_INFO &&                     \
		    log_ratelimit_ok(&rl_))                                \
			LOG_INFO(TAG, __VA_ARGS__);                        \
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
	[RX_INITIALIZE] = "INITIALIZE",
	[RX_PORT_DISABLED] = "PORT_DISABLED",
	[RX_EXPIRED] = "EXPIRED",
	[RX_LACP_DISABLED] = "LACP_DISABLED",
	[RX_DEFAULTED] = "DEFAULTED",
	[RX_CURRENT] = "CURRENT",
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
	unsigned id;                 /* 1..LACP_MAX_PORTS */
	unsigned members;            /* ports whose agg points here */
	/* The Link Aggregation Group, copied from the first member: */
	bool individual;             /* holds one port, never more */
	uint16_t actor_key;
	uint16_t partner_sys_priority;
	uint8_t partner_sys_mac[6];
	uint16_t partner_key;
};

struct lacp_port {
	bool in_use;
	unsigned index;                /* 0..LACP_MAX_PORTS-1 */
	const char *name;              /* the bond's, for logs */
	struct lacp_port_config cfg;

	/* 5.4.7 and 5.4.8 variables */
	bool port_enabled;             /* link up */
	bool lacp_enabled;             /* always TRUE: links are full duplex */
	bool ntt;                      /* Need To Transmit */
	bool port_moved;               /* partner seen on another port */
	bool ready_n;                  /* wait_while_timer ran out */
	bool actor_churn;
	bool partner_churn;
	enum lacp_selected selected;
	struct lacp_state actor;       /* Actor_Oper_Port_State */
	struct lacp_peer partner;      /* Partner_Oper_* */

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

	struct lacp_agg *agg;          /* chosen by the Selection Logic */
	bool looped;                   /* received our own LACPDU */

	/* Transmit machine's rate limit: send times, a ring of TX_LIMIT. */
	uint64_t tx_times[TX_LIMIT];
	unsigned tx_count;             /* entries used, <= TX_LIMIT */
	unsigned tx_next;              /* oldest entry once full */
	bool tx_held;                  /* NTT waiting for the window */

	struct lacp_port_counters counters;
};

struct lacp {
	struct lacp_config cfg;
	struct lacp_ops ops;
	void *ctx;
	struct lacp_port ports[LACP_MAX_PORTS];
	struct lacp_agg aggs[LACP_MAX_PORTS]; /* aggs[i] is port i's own */
	struct lacp_agg *active;              /* NULL = none */
};

/* What the bond distributes on, to tell whether to call ops->changed. */
struct lacp_snapshot {
	bool collecting[LACP_MAX_PORTS];
	bool distributing[LACP_MAX_PORTS];
	unsigned active_id;
};

/* Partner_Admin_*: all zero, so a port that hears no partner is
 * individual (Aggregation FALSE), out of sync, and a passive actor stays
 * quiet toward it (LACP_Activity FALSE). */
static const struct lacp_peer partner_admin;

/* ---- timers ---------------------------------------------------------- */

static void timer_start(struct lacp_timer *t, uint64_t now, uint32_t ms)
{
	t->running = true;
	t->deadline = now + ms;
}

static void timer_stop(struct lacp_timer *t)
{
	t->running = false;
}

static bool timer_expired(const struct lacp_timer *t, uint64_t now)
{
	return t->running && now >= t->deadline;
}

static void deadline_min(uint64_t *min, const struct lacp_timer *t)
{
	if (t->running && t->deadline < *min)
		*min = t->deadline;
}

/* ---- state octet and peer info --------------------------------------- */

static uint8_t state_to_octet(const struct lacp_state *s)
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

static struct lacp_state state_from_octet(uint8_t o)
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

static struct lacp_peer peer_from_info(const struct lacp_info *info)
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

static struct lacp_info peer_to_info(const struct lacp_peer *peer)
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

static struct lacp_info actor_info(const struct lacp *lacp,
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
static bool peer_same_port(const struct lacp_peer *a, const struct lacp_peer *b)
{
	return a->sys_priority == b->sys_priority &&
	       !memcmp(a->sys_mac, b->sys_mac, 6) && a->key == b->key &&
	       a->port_priority == b->port_priority && a->port == b->port;
}

static struct lacp_port *port_get(struct lacp *lacp, unsigned port)
{
	if (port >= LACP_MAX_PORTS || !lacp->ports[port].in_use)
		return NULL;
	return &lacp->ports[port];
}

static const struct lacp_port *port_get_const(const struct lacp *lacp,
					      unsigned port)
{
	return port_get((struct lacp *)lacp, port);
}

/* ---- Receive machine (5.4.12) ---------------------------------------- */

/* recordDefault (5.4.9). */
static void record_default(struct lacp_port *p)
{
	p->partner = partner_admin;
	p->actor.defaulted = true;
}

/* update_Default_Selected (5.4.9). */
static void update_default_selected(struct lacp_port *p)
{
	if (!peer_same_port(&partner_admin, &p->partner) ||
	    partner_admin.state.aggregation != p->partner.state.aggregation)
		p->selected = UNSELECTED;
}

/* update_Selected (5.4.9); also counts a partner that changed identity. */
static void update_selected(struct lacp_port *p, const struct lacpdu *pdu)
{
	struct lacp_peer rx = peer_from_info(&pdu->actor);

	if (peer_same_port(&rx, &p->partner) &&
	    rx.state.aggregation == p->partner.state.aggregation)
		return;
	p->selected = UNSELECTED;
	/* Learning a partner after DEFAULTED is not a change. */
	if (!p->actor.defaulted && !peer_same_port(&rx, &p->partner)) {
		p->counters.partner_changes++;
		LOG_WARN_RL(TAG, "%s port %u: partner changed (key %u -> %u)",
			    p->name, p->index, p->partner.key, rx.key);
	}
}

/* Does the PDU's view of us match what we are? */
static bool pdu_partner_matches_actor(const struct lacp *lacp,
				      const struct lacp_port *p,
				      const struct lacpdu *pdu)
{
	const struct lacp_info *pi = &pdu->partner;

	return pi->port == p->cfg.port_number &&
	       pi->port_priority == p->cfg.port_priority &&
	       !memcmp(pi->sys_mac, lacp->cfg.sys_mac, 6) &&
	       pi->sys_priority == lacp->cfg.sys_priority &&
	       pi->key == lacp->cfg.key;
}

/* update_NTT (5.4.9). */
static void update_ntt(const struct lacp *lacp, struct lacp_port *p,
		       const struct lacpdu *pdu)
{
	struct lacp_state ps = state_from_octet(pdu->partner.state);

	if (!pdu_partner_matches_actor(lacp, p, pdu) ||
	    ps.lacp_activity != p->actor.lacp_activity ||
	    ps.lacp_timeout != p->actor.lacp_timeout ||
	    ps.synchronization != p->actor.synchronization ||
	    ps.aggregation != p->actor.aggregation)
		p->ntt = true;
}

/* recordPDU (5.4.9): the partner is in sync if it says so, describes us
 * correctly (or is individual), and one end actively maintains the link. */
static void record_pdu(const struct lacp *lacp, struct lacp_port *p,
		       const struct lacpdu *pdu)
{
	struct lacp_state as = state_from_octet(pdu->actor.state);
	struct lacp_state ps = state_from_octet(pdu->partner.state);
	bool matched = pdu_partner_matches_actor(lacp, p, pdu) &&
		       ps.aggregation == p->actor.aggregation;
	bool maintained = as.lacp_activity ||
			  (p->actor.lacp_activity && ps.lacp_activity);

	p->partner = peer_from_info(&pdu->actor);
	p->partner.state.synchronization = as.synchronization && maintained &&
					   (matched || !as.aggregation);
	p->actor.defaulted = false;
}

static bool rx_next(const struct lacp_port *p, bool pdu_rx, uint64_t now,
		    enum lacp_rx_state *next)
{
	if (!p->port_enabled && !p->port_moved) {
		*next = RX_PORT_DISABLED;
		return p->rx != RX_PORT_DISABLED;
	}
	switch (p->rx) {
	case RX_INITIALIZE:
		*next = RX_PORT_DISABLED;
		return true;
	case RX_PORT_DISABLED:
		if (p->port_moved)
			*next = RX_INITIALIZE;
		else if (p->port_enabled && p->lacp_enabled)
			*next = RX_EXPIRED;
		else if (p->port_enabled)
			*next = RX_LACP_DISABLED;
		else
			return false;
		return true;
	case RX_LACP_DISABLED:
		*next = RX_PORT_DISABLED;
		return p->lacp_enabled;
	case RX_EXPIRED:
	case RX_DEFAULTED:
	case RX_CURRENT:
		if (pdu_rx) {
			*next = RX_CURRENT;
			return true;
		}
		if (p->rx == RX_DEFAULTED ||
		    !timer_expired(&p->current_while, now))
			return false;
		*next = p->rx == RX_EXPIRED ? RX_DEFAULTED : RX_EXPIRED;
		return true;
	}
	return false;
}

static void rx_set_state(struct lacp *lacp, struct lacp_port *p,
			 enum lacp_rx_state next, const struct lacpdu *pdu,
			 uint64_t now)
{
	if (next != p->rx)
		LOG_DBG(TAG, "%s port %u: rx: %s -> %s", p->name, p->index,
			rx_state_names[p->rx], rx_state_names[next]);
	p->rx = next;

	/* Only EXPIRED and CURRENT watch current_while; a timer left running
	 * elsewhere would hold lacp_next_deadline() in the past. */
	if (next != RX_EXPIRED && next != RX_CURRENT)
		timer_stop(&p->current_while);

	switch (next) {
	case RX_INITIALIZE:
		p->selected = UNSELECTED;
		record_default(p);
		p->actor.expired = false;
		p->port_moved = false;
		break;
	case RX_PORT_DISABLED:
		p->partner.state.synchronization = false;
		break;
	case RX_EXPIRED:
		p->partner.state.synchronization = false;
		p->partner.state.lacp_timeout = true;
		timer_start(&p->current_while, now, SHORT_TIMEOUT_MS);
		p->actor.expired = true;
		break;
	case RX_LACP_DISABLED:
		p->selected = UNSELECTED;
		record_default(p);
		p->partner.state.aggregation = false;
		p->actor.expired = false;
		break;
	case RX_DEFAULTED:
		update_default_selected(p);
		record_default(p);
		p->actor.expired = false;
		break;
	case RX_CURRENT:
		update_selected(p, pdu);
		update_ntt(lacp, p, pdu);
		record_pdu(lacp, p, pdu);
		timer_start(&p->current_while, now,
			    p->actor.lacp_timeout ? SHORT_TIMEOUT_MS
						  : LONG_TIMEOUT_MS);
		p->actor.expired = false;
		break;
	}
}

/* Runs one transition of the Receive machine; `pdu` is the "LACPDU
 * received" event or NULL. Returns whether the state changed. */
static bool rx_machine(struct lacp *lacp, struct lacp_port *p,
		       const struct lacpdu *pdu, uint64_t now)
{
	enum lacp_rx_state old = p->rx, next;

	if (!rx_next(p, pdu != NULL, now, &next))
		return false;
	rx_set_state(lacp, p, next, pdu, now);
	return old != next;
}

/* ---- Periodic Transmission machine (5.4.13) -------------------------- */

static bool periodic_next(const struct lacp_port *p, uint64_t now,
			  enum lacp_periodic_state *next)
{
	bool expired = timer_expired(&p->periodic, now);
	bool short_timeout = p->partner.state.lacp_timeout;

	if (!p->lacp_enabled || !p->port_enabled ||
	    (!p->actor.lacp_activity && !p->partner.state.lacp_activity)) {
		*next = PER_NO_PERIODIC;
		return p->periodic_state != PER_NO_PERIODIC;
	}
	switch (p->periodic_state) {
	case PER_NO_PERIODIC:
		*next = PER_FAST_PERIODIC;
		return true;
	case PER_FAST_PERIODIC:
		if (!short_timeout)
			*next = PER_SLOW_PERIODIC;
		else if (expired)
			*next = PER_PERIODIC_TX;
		else
			return false;
		return true;
	case PER_SLOW_PERIODIC:
		*next = PER_PERIODIC_TX;
		return expired || short_timeout;
	case PER_PERIODIC_TX:
		*next = short_timeout ? PER_FAST_PERIODIC : PER_SLOW_PERIODIC;
		return true;
	}
	return false;
}

static void periodic_set_state(struct lacp_port *p,
			       enum lacp_periodic_state next, uint64_t now)
{
	if (next != p->periodic_state)
		LOG_DBG(TAG, "%s port %u: periodic: %s -> %s", p->name,
			p->index, periodic_state_names[p->periodic_state],
			periodic_state_names[next]);
	p->periodic_state = next;

	switch (next) {
	case PER_NO_PERIODIC:
		timer_stop(&p->periodic);
		break;
	case PER_FAST_PERIODIC:
		timer_start(&p->periodic, now, FAST_PERIODIC_MS);
		break;
	case PER_SLOW_PERIODIC:
		timer_start(&p->periodic, now, SLOW_PERIODIC_MS);
		break;
	case PER_PERIODIC_TX:
		p->ntt = true;
		break;
	}
}

static bool periodic_machine(struct lacp_port *p, uint64_t now)
{
	enum lacp_periodic_state old = p->periodic_state, next;

	if (!periodic_next(p, now, &next))
		return false;
	periodic_set_state(p, next, now);
	return old != next;
}

/* ---- Selection Logic (5.4.14) ---------------------------------------- */

/* A port is individual if either end says it cannot aggregate. */
static bool port_individual(const struct lacp_port *p)
{
	return !p->actor.aggregation || !p->partner.state.aggregation;
}

/* Counts toward ad_select and min_links: up and chosen. */
static bool port_counts(const struct lacp_port *p)
{
	return p->port_enabled && p->selected != UNSELECTED;
}

/* O(n) in ports; n <= LACP_MAX_PORTS. */
static unsigned agg_ports(const struct lacp *lacp, const struct lacp_agg *agg)
{
	unsigned n = 0;

	for (unsigned i = 0; i < LACP_MAX_PORTS; i++) {
		const struct lacp_port *p = &lacp->ports[i];

		n += p->in_use && p->agg == agg && port_counts(p);
	}
	return n;
}

static uint64_t agg_bandwidth(const struct lacp *lacp,
			      const struct lacp_agg *agg)
{
	uint64_t mbps = 0;

	for (unsigned i = 0; i < LACP_MAX_PORTS; i++) {
		const struct lacp_port *p = &lacp->ports[i];

		if (p->in_use && p->agg == agg && port_counts(p))
			mbps += p->cfg.speed_mbps;
	}
	return mbps;
}

static bool agg_has_partner(const struct lacp_agg *agg)
{
	return !mac_is_zero(agg->partner_sys_mac);
}

static bool agg_meets_min_links(const struct lacp *lacp,
				const struct lacp_agg *agg)
{
	return agg_ports(lacp, agg) >= lacp->cfg.min_links;
}

/* Ready (5.4.8): every port selected for the aggregator has waited out
 * its wait_while_timer, so they attach together. */
static bool agg_ready(const struct lacp *lacp, const struct lacp_agg *agg)
{
	for (unsigned i = 0; i < LACP_MAX_PORTS; i++) {
		const struct lacp_port *p = &lacp->ports[i];

		if (p->in_use && p->agg == agg && p->selected == SELECTED &&
		    !p->ready_n)
			return false;
	}
	return true;
}

static bool agg_takes(const struct lacp *lacp, const struct lacp_agg *agg,
		      const struct lacp_port *p)
{
	return agg->members && !agg->individual && !port_individual(p) &&
	       agg->actor_key == lacp->cfg.key &&
	       agg->partner_sys_priority == p->partner.sys_priority &&
	       !memcmp(agg->partner_sys_mac, p->partner.sys_mac, 6) &&
	       agg->partner_key == p->partner.key;
}

static void agg_join(struct lacp *lacp, struct lacp_agg *agg,
		     struct lacp_port *p)
{
	if (!agg->members) {
		agg->individual = port_individual(p);
		agg->actor_key = lacp->cfg.key;
		agg->partner_sys_priority = p->partner.sys_priority;
		memcpy(agg->partner_sys_mac, p->partner.sys_mac, 6);
		agg->partner_key = p->partner.key;
	}
	agg->members++;
	p->agg = agg;
	LOG_DBG(TAG, "%s port %u: selected aggregator %u", p->name, p->index,
		agg->id);
}

static void agg_leave(struct lacp *lacp, struct lacp_port *p)
{
	struct lacp_agg *agg = p->agg;
	unsigned id;

	if (!agg)
		return;
	p->agg = NULL;
	if (--agg->members)
		return;
	id = agg->id;
	memset(agg, 0, sizeof(*agg));
	agg->id = id;
	if (lacp->active == agg)
		lacp->active = NULL;
}

/* Finds the aggregator for an unselected, detached port: one holding its
 * Link Aggregation Group, else its own, else any free one (one always is:
 * there are as many aggregators as ports). */
static struct lacp_agg *agg_find(struct lacp *lacp, const struct lacp_port *p)
{
	for (unsigned i = 0; i < LACP_MAX_PORTS; i++)
		if (agg_takes(lacp, &lacp->aggs[i], p))
			return &lacp->aggs[i];
	if (!lacp->aggs[p->index].members)
		return &lacp->aggs[p->index];
	for (unsigned i = 0; i < LACP_MAX_PORTS; i++)
		if (!lacp->aggs[i].members)
			return &lacp->aggs[i];
	return NULL;
}

/* What every ad_select policy wants first: enough ports for min_links.
 * >0 when a is better. */
static int agg_cmp_class(const struct lacp *lacp, const struct lacp_agg *a,
			 const struct lacp_agg *b)
{
	if (agg_meets_min_links(lacp, a) != agg_meets_min_links(lacp, b))
		return agg_meets_min_links(lacp, a) ? 1 : -1;
	return 0;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a > b ? 1 : a < b ? -1 : 0;
}

/* Full ad_select order; ties go to the lower aggregator ID. */
static int agg_cmp(const struct lacp *lacp, const struct lacp_agg *a,
		   const struct lacp_agg *b)
{
	int c = agg_cmp_class(lacp, a, b);
	int bw = cmp_u64(agg_bandwidth(lacp, a), agg_bandwidth(lacp, b));
	int count = cmp_u64(agg_ports(lacp, a), agg_ports(lacp, b));

	if (c)
		return c;
	if (lacp->cfg.ad_select == LACP_SELECT_COUNT) {
		if (count)
			return count;
		if (bw)
			return bw;
	} else {
		/* bandwidth, and stable when it must choose afresh */
		if (bw)
			return bw;
		if (count)
			return count;
	}
	return a->id < b->id ? 1 : -1;
}

/* Candidates have a port up and a partner: an aggregator of defaulted
 * ports could never distribute, so it must not displace one that can. */
static bool agg_candidate(const struct lacp *lacp, const struct lacp_agg *agg)
{
	return agg_has_partner(agg) && agg_ports(lacp, agg);
}

/* Picks the one active aggregator by cfg.ad_select. stable keeps the
 * current one while it is a candidate, unless another meets min_links
 * where the current does not. */
static bool choose_active(struct lacp *lacp)
{
	struct lacp_agg *best = NULL, *old = lacp->active;

	for (unsigned i = 0; i < LACP_MAX_PORTS; i++) {
		struct lacp_agg *agg = &lacp->aggs[i];

		if (agg_candidate(lacp, agg) &&
		    (!best || agg_cmp(lacp, agg, best) > 0))
			best = agg;
	}
	if (lacp->cfg.ad_select == LACP_SELECT_STABLE && old && best &&
	    agg_candidate(lacp, old) && agg_cmp_class(lacp, best, old) <= 0)
		best = old;
	if (best == old)
		return false;
	INFO_RL("%s: active aggregator %u -> %u", lacp->cfg.name,
		old ? old->id : 0, best ? best->id : 0);
	lacp->active = best;
	return true;
}

/* Selection Logic: attaches detached, unselected ports to aggregators,
 * chooses the active aggregator, and makes Selected SELECTED for the
 * ports of the active one (if it meets min_links) and STANDBY for all
 * others, so only the active aggregator collects and distributes. */
static bool selection_logic(struct lacp *lacp)
{
	bool moved = false;

	for (unsigned i = 0; i < LACP_MAX_PORTS; i++) {
		struct lacp_port *p = &lacp->ports[i];
		struct lacp_agg *agg;

		if (!p->in_use)
			continue;
		if (p->looped && p->selected != UNSELECTED) {
			p->selected = UNSELECTED;
			moved = true;
		}
		/* 5.4.14: a port changes aggregator only once detached. */
		if (p->selected != UNSELECTED || p->mux != MUX_DETACHED)
			continue;
		if (p->agg) {
			agg_leave(lacp, p);
			moved = true;
		}
		if (!p->port_enabled || p->looped)
			continue;
		agg = agg_find(lacp, p);
		if (!agg)
			continue;
		agg_join(lacp, agg, p);
		p->selected = STANDBY; /* settled below */
		moved = true;
	}

	moved |= choose_active(lacp);

	for (unsigned i = 0; i < LACP_MAX_PORTS; i++) {
		struct lacp_port *p = &lacp->ports[i];
		enum lacp_selected want;

		if (!p->in_use || !p->agg || p->selected == UNSELECTED)
			continue;
		want = p->agg == lacp->active &&
				       agg_meets_min_links(lacp, p->agg)
			       ? SELECTED
			       : STANDBY;
		if (want != p->selected) {
			p->selected = want;
			moved = true;
		}
	}
	return moved;
}

/* ---- Mux machine, coupled control (5.4.15) --------------------------- */

static bool mux_next(const struct lacp *lacp, const struct lacp_port *p,
		     enum lacp_mux_state *next)
{
	switch (p->mux) {
	case MUX_DETACHED:
		*next = MUX_WAITING;
		return p->selected != UNSELECTED;
	case MUX_WAITING:
		if (p->selected == UNSELECTED)
			*next = MUX_DETACHED;
		else if (p->selected == SELECTED && p->agg &&
			 agg_ready(lacp, p->agg))
			*next = MUX_ATTACHED;
		else
			return false;
		return true;
	case MUX_ATTACHED:
		if (p->selected != SELECTED)
			*next = MUX_DETACHED;
		else if (p->partner.state.synchronization)
			*next = MUX_COLLECTING_DISTRIBUTING;
		else
			return false;
		return true;
	case MUX_COLLECTING_DISTRIBUTING:
		*next = MUX_ATTACHED;
		return p->selected != SELECTED ||
		       !p->partner.state.synchronization;
	}
	return false;
}

static void mux_set_state(struct lacp *lacp, struct lacp_port *p,
			  enum lacp_mux_state next, uint64_t now)
{
	if (next != p->mux)
		LOG_DBG(TAG, "%s port %u: mux: %s -> %s", p->name, p->index,
			mux_state_names[p->mux], mux_state_names[next]);
	p->mux = next;

	/* Attach/Detach_Mux_From_Aggregator are the Selection Logic's p->agg;
	 * Enable/Disable_Collecting_Distributing are the actor bits, which
	 * lacp_port_collecting() and lacp_port_distributing() report. */
	switch (next) {
	case MUX_DETACHED:
		timer_stop(&p->wait_while);
		p->actor.synchronization = false;
		p->actor.collecting = false;
		p->actor.distributing = false;
		p->ready_n = false;
		p->ntt = true;
		break;
	case MUX_WAITING:
		p->ready_n = false;
		timer_start(&p->wait_while, now, lacp->cfg.aggregate_wait_ms);
		break;
	case MUX_ATTACHED:
		timer_stop(&p->wait_while);
		p->actor.synchronization = true;
		p->actor.collecting = false;
		p->actor.distributing = false;
		p->ntt = true;
		break;
	case MUX_COLLECTING_DISTRIBUTING:
		p->actor.collecting = true;
		p->actor.distributing = true;
		p->ntt = true;
		break;
	}
}

/* Ready_N goes TRUE when wait_while_timer expires; done for every port
 * before any Mux machine runs, since Ready looks at all of them. */
static void mux_update_ready_n(struct lacp_port *p, uint64_t now)
{
	if (p->mux == MUX_WAITING && timer_expired(&p->wait_while, now)) {
		timer_stop(&p->wait_while);
		p->ready_n = true;
	}
}

static bool mux_machine(struct lacp *lacp, struct lacp_port *p, uint64_t now)
{
	enum lacp_mux_state old = p->mux, next;

	if (!mux_next(lacp, p, &next))
		return false;
	mux_set_state(lacp, p, next, now);
	return old != next;
}

/* ---- Churn Detection machines (5.4.17) ------------------------------- */

/* Both machines: `in_sync` is Actor_ or Partner_Oper_Port_State's
 * Synchronization. While the port is down the machine re-enters
 * *_CHURN_MONITOR, so its timer only runs while the port is up. */
static bool churn_next(const struct lacp_port *p, enum lacp_churn_state cur,
		       bool in_sync, const struct lacp_timer *timer,
		       uint64_t now, enum lacp_churn_state *next)
{
	if (!p->port_enabled) {
		*next = CHURN_MONITOR;
		return true;
	}
	switch (cur) {
	case CHURN_MONITOR:
		if (in_sync)
			*next = NO_CHURN;
		else if (timer_expired(timer, now))
			*next = CHURN;
		else
			return false;
		return true;
	case NO_CHURN:
		*next = CHURN_MONITOR;
		return !in_sync;
	case CHURN:
		*next = NO_CHURN;
		return in_sync;
	}
	return false;
}

static void actor_churn_set_state(struct lacp_port *p,
				  enum lacp_churn_state next, uint64_t now)
{
	if (next != p->actor_churn_state)
		LOG_DBG(TAG, "%s port %u: actor churn: %s -> %s", p->name,
			p->index, actor_churn_names[p->actor_churn_state],
			actor_churn_names[next]);
	p->actor_churn_state = next;
	p->actor_churn = next == CHURN;
	if (next == CHURN_MONITOR)
		timer_start(&p->actor_churn_timer, now, CHURN_DETECTION_MS);
	else
		timer_stop(&p->actor_churn_timer);
	if (next == CHURN)
		LOG_WARN_RL(TAG,
			    "%s port %u: actor churn: not in sync for %d s",
			    p->name, p->index, CHURN_DETECTION_MS / 1000);
}

static void partner_churn_set_state(struct lacp_port *p,
				    enum lacp_churn_state next, uint64_t now)
{
	if (next != p->partner_churn_state)
		LOG_DBG(TAG, "%s port %u: partner churn: %s -> %s", p->name,
			p->index, partner_churn_names[p->partner_churn_state],
			partner_churn_names[next]);
	p->partner_churn_state = next;
	p->partner_churn = next == CHURN;
	if (next == CHURN_MONITOR)
		timer_start(&p->partner_churn_timer, now, CHURN_DETECTION_MS);
	else
		timer_stop(&p->partner_churn_timer);
	if (next == CHURN)
		LOG_WARN_RL(TAG,
			    "%s port %u: partner churn: not in sync for %d s",
			    p->name, p->index, CHURN_DETECTION_MS / 1000);
}

static bool churn_machines(struct lacp_port *p, uint64_t now)
{
	enum lacp_churn_state old_a = p->actor_churn_state;
	enum lacp_churn_state old_p = p->partner_churn_state;
	enum lacp_churn_state next;

	if (churn_next(p, old_a, p->actor.synchronization,
		       &p->actor_churn_timer, now, &next))
		actor_churn_set_state(p, next, now);
	if (churn_next(p, old_p, p->partner.state.synchronization,
		       &p->partner_churn_timer, now, &next))
		partner_churn_set_state(p, next, now);
	return old_a != p->actor_churn_state ||
	       old_p != p->partner_churn_state;
}

/* ---- Transmit machine (5.4.16) --------------------------------------- */

static bool tx_window_open(const struct lacp_port *p, uint64_t now)
{
	return p->tx_count < TX_LIMIT ||
	       now - p->tx_times[p->tx_next] >= FAST_PERIODIC_MS;
}

static void tx_window_record(struct lacp_port *p, uint64_t now)
{
	p->tx_times[p->tx_next] = now;
	p->tx_next = (p->tx_next + 1) % TX_LIMIT;
	if (p->tx_count < TX_LIMIT)
		p->tx_count++;
}

static int port_send(struct lacp *lacp, struct lacp_port *p,
		     const struct lacpdu *pdu)
{
	uint8_t frame[LACPDU_FRAME_LEN];
	size_t len = lacpdu_encode(pdu, frame, sizeof(frame));
	int err = lacp->ops.send(lacp->ctx, p->index, frame, len);

	if (err < 0) {
		p->counters.lacpdu_tx_err++;
		LOG_WARN_RL(TAG, "%s port %u: send failed: %s", p->name,
			    p->index, strerror(-err));
	}
	return err;
}

/* Sends one LACPDU if NTT, within the rate limit; in NO_PERIODIC (passive
 * with a passive partner, or port down) NTT is dropped unsent. */
static void tx_machine(struct lacp *lacp, struct lacp_port *p, uint64_t now)
{
	struct lacpdu pdu = {.kind = LACPDU_KIND_LACP};

	if (p->periodic_state == PER_NO_PERIODIC) {
		p->ntt = false;
		p->tx_held = false;
		return;
	}
	if (!p->ntt)
		return;
	if (!tx_window_open(p, now)) {
		if (!p->tx_held) {
			p->tx_held = true;
			p->counters.lacpdu_tx_limited++;
		}
		return;
	}
	p->ntt = false;
	p->tx_held = false;
	tx_window_record(p, now);

	memcpy(pdu.src_mac, p->cfg.mac, 6);
	pdu.actor = actor_info(lacp, p);
	pdu.partner = peer_to_info(&p->partner);
	if (port_send(lacp, p, &pdu) == 0)
		p->counters.lacpdu_tx++;
}

/* ---- Marker Responder (5.5.4) ---------------------------------------- */

/* Answers out of the same port with the requester's fields unchanged. A
 * port that is down does not answer. */
static void marker_respond(struct lacp *lacp, struct lacp_port *p,
			   const struct lacpdu *req)
{
	struct lacpdu resp = {
		.kind = LACPDU_KIND_MARKER_RESPONSE,
		.marker = req->marker,
	};

	if (!p->port_enabled)
		return;
	memcpy(resp.src_mac, p->cfg.mac, 6);
	if (port_send(lacp, p, &resp) == 0)
		p->counters.marker_resp_tx++;
}

/* ---- running the machines -------------------------------------------- */

static void snapshot_take(const struct lacp *lacp, struct lacp_snapshot *s)
{
	for (unsigned i = 0; i < LACP_MAX_PORTS; i++) {
		s->collecting[i] = lacp_port_collecting(lacp, i);
		s->distributing[i] = lacp_port_distributing(lacp, i);
	}
	s->active_id = lacp->active ? lacp->active->id : 0;
}

/* One round: every machine gets one chance to move, in the order of the
 * standard's figures. Returns whether any state changed. */
static bool settle_round(struct lacp *lacp, uint64_t now)
{
	bool moved = false;

	for (unsigned i = 0; i < LACP_MAX_PORTS; i++) {
		struct lacp_port *p = &lacp->ports[i];

		if (!p->in_use)
			continue;
		moved |= rx_machine(lacp, p, NULL, now);
		moved |= periodic_machine(p, now);
	}
	moved |= selection_logic(lacp);
	for (unsigned i = 0; i < LACP_MAX_PORTS; i++)
		if (lacp->ports[i].in_use)
			mux_update_ready_n(&lacp->ports[i], now);
	for (unsigned i = 0; i < LACP_MAX_PORTS; i++) {
		struct lacp_port *p = &lacp->ports[i];

		if (!p->in_use)
			continue;
		moved |= mux_machine(lacp, p, now);
		moved |= churn_machines(p, now);
	}
	return moved;
}

/* Settles the machines at `now`, transmits, and reports a change against
 * `before`. */
static void lacp_settle(struct lacp *lacp, uint64_t now,
			const struct lacp_snapshot *before)
{
	struct lacp_snapshot after;
	unsigned rounds = 0;

	while (settle_round(lacp, now))
		if (++rounds == SETTLE_MAX_ROUNDS) {
			LOG_WARN_RL(TAG, "%s: machines did not settle",
				    lacp->cfg.name);
			break;
		}
	for (unsigned i = 0; i < LACP_MAX_PORTS; i++)
		if (lacp->ports[i].in_use)
			tx_machine(lacp, &lacp->ports[i], now);

	snapshot_take(lacp, &after);
	if (memcmp(before, &after, sizeof(after)) && lacp->ops.changed)
		lacp->ops.changed(lacp->ctx);
}

/* ---- public API ------------------------------------------------------ */

/* Copies `cfg`, naming an unnamed bond "bond" so logs always say which. */
static void config_set(struct lacp *lacp, const struct lacp_config *cfg)
{
	lacp->cfg = *cfg;
	lacp->cfg.name[sizeof(lacp->cfg.name) - 1] = '\0';
	if (!lacp->cfg.name[0])
		strcpy(lacp->cfg.name, "bond");
}

struct lacp *lacp_create(const struct lacp_config *cfg,
			 const struct lacp_ops *ops, void *ctx)
{
	struct lacp *lacp;

	if (!cfg || !ops || !ops->send || mac_is_zero(cfg->sys_mac) ||
	    mac_is_multicast(cfg->sys_mac)) {
		errno = EINVAL;
		return NULL;
	}
	lacp = calloc(1, sizeof(*lacp));
	if (!lacp)
		return NULL;
	config_set(lacp, cfg);
	lacp->ops = *ops;
	lacp->ctx = ctx;
	for (unsigned i = 0; i < LACP_MAX_PORTS; i++)
		lacp->aggs[i].id = i + 1;
	return lacp;
}

void lacp_destroy(struct lacp *lacp)
{
	free(lacp);
}

void lacp_reconfigure(struct lacp *lacp, const struct lacp_config *cfg,
		      uint64_t now_ms)
{
	struct lacp_snapshot before;
	bool system_changed;

	if (mac_is_zero(cfg->sys_mac) || mac_is_multicast(cfg->sys_mac)) {
		LOG_WARN(TAG, "%s: reconfigure: bad system MAC, ignored",
			 lacp->cfg.name);
		return;
	}
	snapshot_take(lacp, &before);
	system_changed = memcmp(cfg->sys_mac, lacp->cfg.sys_mac, 6) ||
			 cfg->sys_priority != lacp->cfg.sys_priority ||
			 cfg->key != lacp->cfg.key;
	config_set(lacp, cfg);

	for (unsigned i = 0; i < LACP_MAX_PORTS; i++) {
		struct lacp_port *p = &lacp->ports[i];
		bool active = cfg->active;
		bool fast = cfg->rate == LACP_RATE_FAST;

		if (!p->in_use)
			continue;
		if (p->actor.lacp_activity != active ||
		    p->actor.lacp_timeout != fast || system_changed)
			p->ntt = true;
		/* Our NTT makes the partner slow down at once; a current_while
		 * still running on the short timeout would then expire. */
		if (p->actor.lacp_timeout != fast && p->rx == RX_CURRENT)
			timer_start(&p->current_while, now_ms,
				    fast ? SHORT_TIMEOUT_MS : LONG_TIMEOUT_MS);
		p->actor.lacp_activity = active;
		p->actor.lacp_timeout = fast;
		/* A new system ID or key is a new Link Aggregation Group. */
		if (system_changed)
			p->selected = UNSELECTED;
	}
	lacp_settle(lacp, now_ms, &before);
}

int lacp_port_add(struct lacp *lacp, unsigned port,
		  const struct lacp_port_config *cfg, uint64_t now_ms)
{
	struct lacp_snapshot before;
	struct lacp_port *p;

	if (port >= LACP_MAX_PORTS || !cfg || cfg->port_number == 0)
		return -EINVAL;
	if (lacp->ports[port].in_use)
		return -EEXIST;
	for (unsigned i = 0; i < LACP_MAX_PORTS; i++)
		if (lacp->ports[i].in_use &&
		    lacp->ports[i].cfg.port_number == cfg->port_number)
			return -EEXIST;

	snapshot_take(lacp, &before);
	p = &lacp->ports[port];
	memset(p, 0, sizeof(*p));
	p->in_use = true;
	p->index = port;
	p->name = lacp->cfg.name;
	p->cfg = *cfg;
	p->lacp_enabled = true;
	p->actor.lacp_activity = lacp->cfg.active;
	p->actor.lacp_timeout = lacp->cfg.rate == LACP_RATE_FAST;
	p->actor.aggregation = true;

	/* BEGIN: every machine enters its initial state. */
	rx_set_state(lacp, p, RX_INITIALIZE, NULL, now_ms);
	periodic_set_state(p, PER_NO_PERIODIC, now_ms);
	mux_set_state(lacp, p, MUX_DETACHED, now_ms);
	actor_churn_set_state(p, CHURN_MONITOR, now_ms);
	partner_churn_set_state(p, CHURN_MONITOR, now_ms);
	LOG_INFO(TAG, "%s port %u: added, port number %u", lacp->cfg.name, port,
		 cfg->port_number);
	lacp_settle(lacp, now_ms, &before);
	return 0;
}

void lacp_port_remove(struct lacp *lacp, unsigned port, uint64_t now_ms)
{
	struct lacp_port *p = port_get(lacp, port);
	struct lacp_snapshot before;

	if (!p)
		return;
	snapshot_take(lacp, &before);
	agg_leave(lacp, p);
	memset(p, 0, sizeof(*p));
	LOG_INFO(TAG, "%s port %u: removed", lacp->cfg.name, port);
	lacp_settle(lacp, now_ms, &before);
}

void lacp_port_set_enabled(struct lacp *lacp, unsigned port, bool enabled,
			   uint64_t now_ms)
{
	struct lacp_port *p = port_get(lacp, port);
	struct lacp_snapshot before;

	if (!p)
		return;
	snapshot_take(lacp, &before);
	if (p->port_enabled != enabled) {
		LOG_INFO(TAG, "%s port %u: link %s", lacp->cfg.name, port,
			 enabled ? "up" : "down");
		p->port_enabled = enabled;
		/* Recabling may have fixed a loop; the next PDU will tell. */
		p->looped = false;
		/* Tell the partner at once rather than at the first periodic
		 * tick; the Transmit machine still applies its limit. */
		p->ntt = enabled;
	}
	lacp_settle(lacp, now_ms, &before);
}

/* Marks ports whose partner port now talks to us on `p` (port_moved,
 * 5.4.7); only PORT_DISABLED acts on it. */
static void mark_moved(struct lacp *lacp, const struct lacp_port *p,
		       const struct lacpdu *pdu)
{
	for (unsigned i = 0; i < LACP_MAX_PORTS; i++) {
		struct lacp_port *q = &lacp->ports[i];

		if (q->in_use && q != p && q->rx == RX_PORT_DISABLED &&
		    q->partner.sys_priority == pdu->actor.sys_priority &&
		    !memcmp(q->partner.sys_mac, pdu->actor.sys_mac, 6) &&
		    q->partner.port == pdu->actor.port)
			q->port_moved = true;
	}
}

static bool pdu_is_ours(const struct lacp *lacp, const struct lacpdu *pdu)
{
	return !memcmp(pdu->actor.sys_mac, lacp->cfg.sys_mac, 6) &&
	       pdu->actor.sys_priority == lacp->cfg.sys_priority;
}

static void rx_lacpdu(struct lacp *lacp, struct lacp_port *p,
		      const struct lacpdu *pdu, uint64_t now)
{
	if (pdu_is_ours(lacp, pdu)) {
		p->counters.rx_looped++;
		if (!p->looped)
			LOG_WARN_RL(TAG, "%s port %u: received our own LACPDU "
					 "(from port %u): looped, not "
					 "aggregated",
				    p->name, p->index, pdu->actor.port);
		p->looped = true;
		return;
	}
	if (p->looped)
		INFO_RL("%s port %u: no longer looped", p->name, p->index);
	p->looped = false;
	p->counters.lacpdu_rx++;
	mark_moved(lacp, p, pdu);
	rx_machine(lacp, p, pdu, now);
}

/* Counts a frame lacpdu_parse() refused; returns what lacp_rx() reports. */
static enum lacp_rx_result count_bad_frame(struct lacp_port *p,
					   enum lacpdu_result res)
{
	struct lacp_port_counters *c = &p->counters;

	switch (res) {
	case LACPDU_OK:
		break;
	case LACPDU_UNKNOWN_SUBTYPE:
		c->unknown_rx++;
		return LACP_RX_UNKNOWN;
	case LACPDU_TRUNCATED:
		c->rx_truncated++;
		break;
	case LACPDU_NOT_SLOW:
		c->rx_not_slow++;
		break;
	case LACPDU_BAD_VERSION:
		c->rx_bad_version++;
		break;
	case LACPDU_BAD_TLV:
		c->rx_bad_tlv++;
		break;
	case LACPDU_BAD_SYSTEM:
		c->rx_bad_system++;
		break;
	}
	c->illegal_rx++;
	LOG_WARN_RL(TAG, "%s port %u: dropped frame: %s", p->name, p->index,
		    lacpdu_result_name(res));
	return LACP_RX_ILLEGAL;
}

enum lacp_rx_result lacp_rx(struct lacp *lacp, unsigned port,
			    const void *frame, size_t len, uint64_t now_ms)
{
	struct lacp_port *p = port_get(lacp, port);
	struct lacp_snapshot before;
	enum lacp_rx_result ret;
	enum lacpdu_result res;
	struct lacpdu pdu;

	if (!p)
		return LACP_RX_NO_PORT;
	snapshot_take(lacp, &before);
	res = lacpdu_parse(frame, len, &pdu);
	if (res != LACPDU_OK) {
		ret = count_bad_frame(p, res);
	} else if (pdu.kind == LACPDU_KIND_LACP) {
		ret = LACP_RX_LACPDU;
		rx_lacpdu(lacp, p, &pdu, now_ms);
	} else if (pdu.kind == LACPDU_KIND_MARKER) {
		ret = LACP_RX_MARKER;
		p->counters.marker_rx++;
		marker_respond(lacp, p, &pdu);
	} else {
		ret = LACP_RX_MARKER_RESPONSE;
		p->counters.marker_resp_rx++;
	}
	lacp_settle(lacp, now_ms, &before);
	return ret;
}

void lacp_run(struct lacp *lacp, uint64_t now_ms)
{
	struct lacp_snapshot before;

	snapshot_take(lacp, &before);
	lacp_settle(lacp, now_ms, &before);
}

uint64_t lacp_next_deadline(const struct lacp *lacp)
{
	uint64_t min = UINT64_MAX;

	for (unsigned i = 0; i < LACP_MAX_PORTS; i++) {
		const struct lacp_port *p = &lacp->ports[i];

		if (!p->in_use)
			continue;
		deadline_min(&min, &p->current_while);
		deadline_min(&min, &p->periodic);
		deadline_min(&min, &p->wait_while);
		deadline_min(&min, &p->actor_churn_timer);
		deadline_min(&min, &p->partner_churn_timer);
		if (p->tx_held) {
			uint64_t open = p->tx_times[p->tx_next] +
					FAST_PERIODIC_MS;

			if (open < min)
				min = open;
		}
	}
	return min;
}

bool lacp_port_collecting(const struct lacp *lacp, unsigned port)
{
	const struct lacp_port *p = port_get_const(lacp, port);

	return p && p->mux == MUX_COLLECTING_DISTRIBUTING &&
	       p->actor.collecting;
}

bool lacp_port_distributing(const struct lacp *lacp, unsigned port)
{
	const struct lacp_port *p = port_get_const(lacp, port);

	return p && p->mux == MUX_COLLECTING_DISTRIBUTING &&
	       p->actor.distributing;
}

int lacp_port_get_status(const struct lacp *lacp, unsigned port,
			 struct lacp_port_status *st)
{
	const struct lacp_port *p = port_get_const(lacp, port);

	if (!p)
		return -ENOENT;
	memset(st, 0, sizeof(*st));
	st->enabled = p->port_enabled;
	st->selected = p->selected == SELECTED;
	st->standby = p->selected == STANDBY;
	st->collecting = lacp_port_collecting(lacp, port);
	st->distributing = lacp_port_distributing(lacp, port);
	st->looped = p->looped;
	st->aggregator_id = p->agg ? p->agg->id : 0;
	st->actor = actor_info(lacp, p);
	st->partner = peer_to_info(&p->partner);
	st->rx_state = rx_state_names[p->rx];
	st->periodic_state = periodic_state_names[p->periodic_state];
	st->mux_state = mux_state_names[p->mux];
	st->actor_churn = actor_churn_names[p->actor_churn_state];
	st->partner_churn = partner_churn_names[p->partner_churn_state];
	st->counters = p->counters;
	return 0;
}

void lacp_get_status(const struct lacp *lacp, struct lacp_status *st)
{
	const struct lacp_agg *agg = lacp->active;

	memset(st, 0, sizeof(*st));
	st->actor_key = lacp->cfg.key;
	if (!agg)
		return;
	st->active_aggregator_id = agg->id;
	st->num_ports = agg_ports(lacp, agg);
	st->ready = agg_meets_min_links(lacp, agg);
	memcpy(st->partner_mac, agg->partner_sys_mac, 6);
	st->partner_key = agg->partner_key;
}

const char *const lacp_state_bit_names[8] = {
	"activity",  "short_timeout", "aggregation", "in_sync",
	"collecting", "distributing", "defaulted",   "expired",
};

unsigned lacp_state_names(uint8_t state, const char *names[8])
{
	unsigned n = 0;

	for (unsigned bit = 0; bit < 8; bit++)
		if (state & (1u << bit))
			names[n++] = lacp_state_bit_names[bit];
	return n;
}
