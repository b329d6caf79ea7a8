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

#include "lacp/lacp_impl.h"

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
		moved |= lacp_rx_machine(lacp, p, NULL, now);
		moved |= lacp_periodic_machine(p, now);
	}
	moved |= lacp_selection_logic(lacp);
	for (unsigned i = 0; i < LACP_MAX_PORTS; i++)
		if (lacp->ports[i].in_use)
			lacp_mux_update_ready_n(&lacp->ports[i], now);
	for (unsigned i = 0; i < LACP_MAX_PORTS; i++) {
		struct lacp_port *p = &lacp->ports[i];

		if (!p->in_use)
			continue;
		moved |= lacp_mux_machine(lacp, p, now);
		moved |= lacp_churn_machines(p, now);
	}
	return moved;
}

/* Settles the machines at `now`, reports a change against `before`,
 * then transmits. The report comes first: the bond publishes a port
 * collecting before the LACPDU saying so leaves, since the partner may
 * send on the port as soon as it hears it (5.4.15); a frame it sends
 * earlier than our publication would be dropped. */
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

	snapshot_take(lacp, &after);
	if (memcmp(before, &after, sizeof(after)) && lacp->ops.changed)
		lacp->ops.changed(lacp->ctx);

	for (unsigned i = 0; i < LACP_MAX_PORTS; i++)
		if (lacp->ports[i].in_use)
			lacp_tx_machine(lacp, &lacp->ports[i], now);
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
		/* Partner_Admin follows the rate (recordDefault, lacp_rx.c). */
		if (p->actor.defaulted)
			p->partner.state.lacp_timeout = fast;
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
	lacp_rx_set_state(lacp, p, RX_INITIALIZE, NULL, now_ms);
	lacp_periodic_set_state(p, PER_NO_PERIODIC, now_ms);
	lacp_mux_set_state(lacp, p, MUX_DETACHED, now_ms);
	lacp_actor_churn_set_state(p, CHURN_MONITOR, now_ms);
	lacp_partner_churn_set_state(p, CHURN_MONITOR, now_ms);
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
	lacp_agg_leave(lacp, p);
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
			LOG_WARN_RL(TAG,
				    "%s port %u: received our own LACPDU "
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
	lacp_rx_machine(lacp, p, pdu, now);
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

enum lacp_rx_result lacp_rx(struct lacp *lacp, unsigned port, const void *frame,
			    size_t len, uint64_t now_ms)
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
		lacp_marker_respond(lacp, p, &pdu);
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
			uint64_t open =
			    p->tx_times[p->tx_next] + FAST_PERIODIC_MS;

			if (open < min)
				min = open;
		}
	}
	return min;
}

bool lacp_port_collecting(const struct lacp *lacp, unsigned port)
{
	const struct lacp_port *p = port_get_const(lacp, port);

	/* A port that is down collects nothing, whatever its Mux says
	 * until the Selection Logic detaches it. */
	return p && p->port_enabled &&
	       (p->mux == MUX_ATTACHED ||
		p->mux == MUX_COLLECTING_DISTRIBUTING) &&
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
	st->num_ports = lacp_agg_ports(lacp, agg);
	st->ready = lacp_agg_meets_min_links(lacp, agg);
	memcpy(st->partner_mac, agg->partner_sys_mac, 6);
	st->partner_key = agg->partner_key;
}

const char *const lacp_state_bit_names[8] = {
    "activity",	  "short_timeout", "aggregation", "in_sync",
    "collecting", "distributing",  "defaulted",	  "expired",
};

unsigned lacp_state_names(uint8_t state, const char *names[8])
{
	unsigned n = 0;

	for (unsigned bit = 0; bit < 8; bit++)
		if (state & (1u << bit))
			names[n++] = lacp_state_bit_names[bit];
	return n;
}

/* ---- resuming after a restart (doc/architecture.md "Survivability") -- */

int lacp_port_resume(struct lacp *lacp, unsigned port,
		     const struct lacp_info *partner, uint64_t now_ms)
{
	struct lacp_port *p = port_get(lacp, port);
	struct lacp_snapshot before;
	struct lacpdu pdu = {.kind = LACPDU_KIND_LACP};

	if (!p)
		return -ENOENT;
	if (!p->port_enabled)
		return -ENETDOWN;
	snapshot_take(lacp, &before);
	/* The partner's last LACPDU as the previous vflagd recorded it,
	 * describing us as we were then: in sync, collecting, distributing
	 * if the partner said so. Receiving it again is what puts the Receive
	 * machine in CURRENT with that partner. */
	pdu.actor = *partner;
	pdu.partner = (struct lacp_info){
	    .sys_priority = lacp->cfg.sys_priority,
	    .key = lacp->cfg.key,
	    .port_priority = p->cfg.port_priority,
	    .port = p->cfg.port_number,
	    .state = LACP_STATE_AGGREGATION | LACP_STATE_SYNCHRONIZATION |
		     (p->actor.lacp_activity ? LACP_STATE_ACTIVITY : 0) |
		     (p->actor.lacp_timeout ? LACP_STATE_TIMEOUT : 0),
	};
	memcpy(pdu.partner.sys_mac, lacp->cfg.sys_mac, 6);
	lacp_rx_set_state(lacp, p, RX_CURRENT, &pdu, now_ms);
	/* Learning the partner unselected the port from the aggregator it
	 * had with the default partner; it may pick the partner's only once
	 * detached (5.4.14). */
	if (p->selected == UNSELECTED && p->mux != MUX_DETACHED)
		lacp_mux_set_state(lacp, p, MUX_DETACHED, now_ms);
	lacp_selection_logic(lacp);
	/* The partner has been distributing to us all along: waiting out
	 * Aggregate_Wait_Time in WAITING would tell it we fell out of sync
	 * (the LAG going down we are here to avoid). Attach at once. */
	if (p->selected == SELECTED && p->agg) {
		p->ready_n = true;
		lacp_mux_set_state(lacp, p, MUX_ATTACHED, now_ms);
		if (p->partner.state.synchronization)
			lacp_mux_set_state(lacp, p, MUX_COLLECTING_DISTRIBUTING,
					   now_ms);
	}
	p->ntt = true;
	LOG_INFO(TAG,
		 "%s port %u: resumed with partner key %u port %u (mux %s)",
		 lacp->cfg.name, port, partner->key, partner->port,
		 mux_state_names[p->mux]);
	lacp_settle(lacp, now_ms, &before);
	return 0;
}
