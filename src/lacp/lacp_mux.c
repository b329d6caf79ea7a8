/* The Mux machine (802.1AX-2008 5.4.15), the Churn Detection machines
 * (5.4.17), the Transmit machine (5.4.16) and the Marker Responder
 * (5.5.4). */
#include "lacp/lacp_impl.h"

/* ---- Mux machine (5.4.15) --------------------------------------------
 *
 * The states of coupled control, with two changes so that a member that
 * joins loses no frame in either direction:
 *   - ATTACHED enables collecting, and says so (Actor.Collecting), along
 *     with Synchronization. A coupled-control partner starts distributing
 *     the moment it hears we are in sync, before we have seen it in sync,
 *     so the datapath must accept the port's frames from then on; and
 *     since it does, the bit is true and tells an independent-control
 *     partner (or another vflag) it may distribute at once.
 *   - COLLECTING_DISTRIBUTING distributes only while the partner says
 *     Collecting, as independent control's DISTRIBUTING (Figure 5-15):
 *     Synchronization alone does not mean the partner's datapath takes
 *     our frames yet.
 * Collecting without Distributing is what independent control's
 * COLLECTING state announces, so every partner understands the bits.
 *
 * A partner whose state says Expired (its Receive machine timed out on
 * us, 5.4.12) is not taken at its word for Collecting: Open vSwitch
 * claims Collecting while expired, right after a link comes back, and
 * drops our frames until it has heard us again. Waiting for one of its
 * LACPDUs without Expired costs at most its periodic interval, on a
 * member that carried nothing yet, and loses nothing. */

/* Whether the partner takes frames we send on p. */
static bool partner_collects(const struct lacp_port *p)
{
	return p->partner.state.collecting && !p->partner.state.expired;
}

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
			 lacp_agg_ready(lacp, p->agg))
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

void lacp_mux_set_state(struct lacp *lacp, struct lacp_port *p,
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
		p->actor.collecting = true;
		p->actor.distributing = false;
		p->ntt = true;
		break;
	case MUX_COLLECTING_DISTRIBUTING:
		/* Distributing only while the partner collects (see the top
		 * of this section, and lacp_mux_machine()). The NTT is
		 * coupled control's: a partner checking our bits (Open
		 * vSwitch, the integration tests) hears Distributing now. */
		p->actor.collecting = true;
		p->actor.distributing = partner_collects(p);
		p->ntt = true;
		break;
	}
}

/* Ready_N goes TRUE when wait_while_timer expires; done for every port
 * before any Mux machine runs, since Ready looks at all of them. */
void lacp_mux_update_ready_n(struct lacp_port *p, uint64_t now)
{
	if (p->mux == MUX_WAITING && timer_expired(&p->wait_while, now)) {
		timer_stop(&p->wait_while);
		p->ready_n = true;
	}
}

bool lacp_mux_machine(struct lacp *lacp, struct lacp_port *p, uint64_t now)
{
	enum lacp_mux_state old = p->mux, next;

	if (mux_next(lacp, p, &next)) {
		lacp_mux_set_state(lacp, p, next, now);
		return old != next;
	}
	/* In COLLECTING_DISTRIBUTING, Distributing follows the partner's
	 * Collecting (independent control's COLLECTING <-> DISTRIBUTING
	 * transitions, 5.4.15). Like DISTRIBUTING's entry there, no NTT:
	 * the partner need not know, and the 3-per-second budget is better
	 * spent on what it must know. */
	if (p->mux == MUX_COLLECTING_DISTRIBUTING &&
	    p->actor.distributing != partner_collects(p)) {
		p->actor.distributing = partner_collects(p);
		LOG_DBG(TAG, "%s port %u: mux: distributing %s", p->name,
			p->index, p->actor.distributing ? "on" : "off");
		return true;
	}
	return false;
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

void lacp_actor_churn_set_state(struct lacp_port *p, enum lacp_churn_state next,
				uint64_t now)
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

void lacp_partner_churn_set_state(struct lacp_port *p,
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

bool lacp_churn_machines(struct lacp_port *p, uint64_t now)
{
	enum lacp_churn_state old_a = p->actor_churn_state;
	enum lacp_churn_state old_p = p->partner_churn_state;
	enum lacp_churn_state next;

	if (churn_next(p, old_a, p->actor.synchronization,
		       &p->actor_churn_timer, now, &next))
		lacp_actor_churn_set_state(p, next, now);
	if (churn_next(p, old_p, p->partner.state.synchronization,
		       &p->partner_churn_timer, now, &next))
		lacp_partner_churn_set_state(p, next, now);
	return old_a != p->actor_churn_state || old_p != p->partner_churn_state;
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
void lacp_tx_machine(struct lacp *lacp, struct lacp_port *p, uint64_t now)
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
void lacp_marker_respond(struct lacp *lacp, struct lacp_port *p,
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
