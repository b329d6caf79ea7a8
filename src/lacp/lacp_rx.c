/* The Receive (802.1AX-2008 5.4.12) and Periodic Transmission (5.4.13)
 * machines of one port. */
#include "lacp/lacp_impl.h"

/* ---- Receive machine (5.4.12) ---------------------------------------- */

/* recordDefault (5.4.9). 5.4.7 leaves Partner_Admin_Port_State to the
 * administrator; we give it the actor's LACP_Timeout, so a fast bond
 * keeps transmitting every Fast_Periodic_Time (5.4.13) while defaulted,
 * instead of every 30 s. Otherwise, after a silent failure, both ends
 * are defaulted and a healed link goes unnoticed for up to 30 s. */
static void record_default(const struct lacp *lacp, struct lacp_port *p)
{
	p->partner = partner_admin;
	p->partner.state.lacp_timeout = lacp->cfg.rate == LACP_RATE_FAST;
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
	bool maintained =
	    as.lacp_activity || (p->actor.lacp_activity && ps.lacp_activity);

	p->partner = peer_from_info(&pdu->actor);
	p->partner.state.synchronization =
	    as.synchronization && maintained && (matched || !as.aggregation);
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

void lacp_rx_set_state(struct lacp *lacp, struct lacp_port *p,
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
		record_default(lacp, p);
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
		record_default(lacp, p);
		p->partner.state.aggregation = false;
		p->actor.expired = false;
		break;
	case RX_DEFAULTED:
		update_default_selected(p);
		record_default(lacp, p);
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
bool lacp_rx_machine(struct lacp *lacp, struct lacp_port *p,
		     const struct lacpdu *pdu, uint64_t now)
{
	enum lacp_rx_state old = p->rx, next;

	if (!rx_next(p, pdu != NULL, now, &next))
		return false;
	lacp_rx_set_state(lacp, p, next, pdu, now);
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

void lacp_periodic_set_state(struct lacp_port *p, enum lacp_periodic_state next,
			     uint64_t now)
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

bool lacp_periodic_machine(struct lacp_port *p, uint64_t now)
{
	enum lacp_periodic_state old = p->periodic_state, next;

	if (!periodic_next(p, now, &next))
		return false;
	lacp_periodic_set_state(p, next, now);
	return old != next;
}
