/* The Selection Logic (802.1AX-2008 5.4.14): which aggregator each port
 * attaches to, and which aggregator is active. */
#include "lacp/lacp_impl.h"

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
unsigned lacp_agg_ports(const struct lacp *lacp, const struct lacp_agg *agg)
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

bool lacp_agg_meets_min_links(const struct lacp *lacp,
			      const struct lacp_agg *agg)
{
	return lacp_agg_ports(lacp, agg) >= lacp->cfg.min_links;
}

/* No port can still join `agg`: it has a partner, and every port that
 * is up is selected for it and CURRENT (its partner's Link Aggregation
 * Group is known, and is the aggregator's). A port that is up but has
 * not heard its partner yet (EXPIRED), or has given up (DEFAULTED), or
 * belongs to another aggregator, might still come: the full wait stays.
 * O(n) in ports; n <= LACP_MAX_PORTS. */
static bool agg_complete(const struct lacp *lacp, const struct lacp_agg *agg)
{
	bool any = false;

	if (!agg_has_partner(agg))
		return false;
	for (unsigned i = 0; i < LACP_MAX_PORTS; i++) {
		const struct lacp_port *p = &lacp->ports[i];

		if (!p->in_use || !p->port_enabled)
			continue;
		if (p->agg != agg || p->selected != SELECTED ||
		    p->rx != RX_CURRENT || p->looped)
			return false;
		any = true;
	}
	return any;
}

/* Ready (5.4.8): every port selected for the aggregator has waited out
 * its wait_while_timer, so they attach together. With cfg.wait_shortcut,
 * also as soon as agg_complete(): Aggregate_Wait_Time (5.4.4) exists to
 * gather the ports still coming, and when none can come, waiting gathers
 * nothing. The partner sees only an actor that attached quickly, which
 * the standard allows of a wait time it leaves to the implementation. */
bool lacp_agg_ready(const struct lacp *lacp, const struct lacp_agg *agg)
{
	bool waited = true;

	for (unsigned i = 0; i < LACP_MAX_PORTS; i++) {
		const struct lacp_port *p = &lacp->ports[i];

		if (p->in_use && p->agg == agg && p->selected == SELECTED &&
		    !p->ready_n)
			waited = false;
	}
	return waited || (lacp->cfg.wait_shortcut && agg_complete(lacp, agg));
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

void lacp_agg_leave(struct lacp *lacp, struct lacp_port *p)
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
	if (lacp_agg_meets_min_links(lacp, a) !=
	    lacp_agg_meets_min_links(lacp, b))
		return lacp_agg_meets_min_links(lacp, a) ? 1 : -1;
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
	int count = cmp_u64(lacp_agg_ports(lacp, a), lacp_agg_ports(lacp, b));

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
	return agg_has_partner(agg) && lacp_agg_ports(lacp, agg);
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
bool lacp_selection_logic(struct lacp *lacp)
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
			lacp_agg_leave(lacp, p);
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
			       lacp_agg_meets_min_links(lacp, p->agg)
			   ? SELECTED
			   : STANDBY;
		if (want != p->selected) {
			p->selected = want;
			moved = true;
		}
	}
	return moved;
}
