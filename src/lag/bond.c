/* Bond modes 1, 2 and 4: link monitoring, active-backup selection, LACP
 * wiring, and the reduction of the mode to the published member arrays.
 * The world is reached through struct bond_ops only (see bond.h). */
#include "lag/bond.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "lag/xmit_hash.h"

#define TAG "bond"
#define BOND_LACP_KEY_BASE 0x0100

/* The link monitor's view of a member, as Linux bonding keeps it. */
enum bond_link {
	BOND_LINK_UP,	/* usable */
	BOND_LINK_FAIL, /* carrier lost, still used until downdelay ends */
	BOND_LINK_DOWN, /* not usable */
	BOND_LINK_BACK, /* carrier back, not used until updelay ends */
};

static const char *const bond_link_names[] = {
    [BOND_LINK_UP] = "up",
    [BOND_LINK_FAIL] = "going down",
    [BOND_LINK_DOWN] = "down",
    [BOND_LINK_BACK] = "going up",
};

struct bond_member {
	struct bond_port port;
	unsigned index; /* rx_mask bit and LACP port (index + 1) */
	bool carrier;	/* last known: events and successful polls */
	enum bond_link link;
	uint64_t link_deadline; /* end of updelay/downdelay */
	uint32_t link_failures;
	uint64_t slow_rx_ignored; /* LACPDUs heard outside mode 4 */
	uint64_t tx_errors;
};

struct bond {
	char name[BOND_NAME_MAX + 1];
	uint32_t slot;
	struct bond_config cfg;
	const struct bond_ops *ops;
	void *ctx;
	uint8_t mac[6]; /* LACP system ID: first member's MAC */
	struct bond_member *members[VFLAG_MAX_LAG_MEMBERS]; /* enslave order */
	unsigned nmembers;
	struct bond_member *active; /* mode 1 */
	struct lacp *lacp;	    /* mode 4 */
	uint64_t next_miimon;
	struct vflag_lag published;
	bool ever_published;
	bool deleting; /* in bond_destroy: no announcements */
};

const char *bond_name(const struct bond *bond)
{
	return bond->name;
}

uint32_t bond_slot(const struct bond *bond)
{
	return bond->slot;
}

static bool member_usable(const struct bond_member *m)
{
	return m->link == BOND_LINK_UP || m->link == BOND_LINK_FAIL;
}

static struct bond_member *member_at(const struct bond *bond, unsigned index)
{
	for (unsigned i = 0; i < bond->nmembers; i++)
		if (bond->members[i]->index == index)
			return bond->members[i];
	return NULL;
}

int bond_member_find(const struct bond *bond, const char *name)
{
	for (unsigned i = 0; i < bond->nmembers; i++)
		if (!strcmp(bond->members[i]->port.name, name))
			return (int)bond->members[i]->index;
	return -ENOENT;
}

/* Tells the peer switch where each VF's MAC now lives, out of the new
 * active member (ops.announce sends one RARP per MAC). */
static void bond_announce(struct bond *bond, struct bond_member *m)
{
	m->tx_errors += bond->ops->announce(bond->ctx, m->index);
}

static bool is_primary(const struct bond *bond, const struct bond_member *m)
{
	return bond->cfg.primary[0] && !strcmp(m->port.name, bond->cfg.primary);
}

/* Mode 1: keep the active member while it is usable, unless the primary
 * is usable and is not it (primary_reselect always). True if it changed. */
static bool bond_select_active(struct bond *bond)
{
	struct bond_member *best = NULL;

	for (unsigned i = 0; i < bond->nmembers; i++) {
		struct bond_member *m = bond->members[i];

		if (!member_usable(m))
			continue;
		if (is_primary(bond, m)) {
			best = m;
			break;
		}
		if (!best)
			best = m;
	}
	if (bond->active && member_usable(bond->active) &&
	    !(best && best != bond->active && is_primary(bond, best)))
		return false;
	if (best == bond->active)
		return false;
	LOG_INFO(TAG, "%s: active member %s -> %s", bond->name,
		 bond->active ? bond->active->port.name : "none",
		 best ? best->port.name : "none");
	bond->active = best;
	return true;
}

/* The mode reduced to tx and rx member sets. */
static void bond_reduce(const struct bond *bond, struct vflag_lag *lag)
{
	memset(lag, 0, sizeof(*lag));
	lag->hash_policy = bond->cfg.hash_policy;
	lag->port_select = bond->cfg.port_select;
	for (unsigned i = 0; i < bond->nmembers; i++) {
		struct bond_member *m = bond->members[i];
		bool tx, rx;

		switch (bond->cfg.mode) {
		case BOND_MODE_ACTIVE_BACKUP:
			tx = rx = m == bond->active;
			break;
		case BOND_MODE_XOR:
			tx = rx = member_usable(m);
			break;
		case BOND_MODE_8023AD:
		default:
			tx = bond->lacp &&
			     lacp_port_distributing(bond->lacp, m->index);
			rx = bond->lacp &&
			     lacp_port_collecting(bond->lacp, m->index);
			break;
		}
		if (tx) {
			lag->tx_ifindex[lag->tx_count] =
			    (uint32_t)m->port.ifindex;
			lag->tx_port_id[lag->tx_count] = m->port.port_id;
			lag->tx_count++;
		}
		if (rx)
			lag->rx_mask |= 1u << m->index;
	}
}

/* Publishes the member sets if they changed: one flip of the LAG's
 * double buffer (dp_lag_publish), so the datapath sees all or nothing. */
static void bond_publish(struct bond *bond)
{
	struct vflag_lag lag;
	int ret;

	bond_reduce(bond, &lag);
	if (bond->ever_published &&
	    !memcmp(&lag, &bond->published, sizeof(lag)))
		return;
	ret = bond->ops->publish(bond->ctx, &lag);
	if (ret) {
		LOG_ERR(TAG, "%s: cannot publish members to the datapath: %s",
			bond->name, strerror(-ret));
		return;
	}
	bond->published = lag;
	bond->ever_published = true;
	LOG_DBG(TAG, "%s: published tx %u member(s), rx mask 0x%x", bond->name,
		lag.tx_count, lag.rx_mask);
}

/* Reselects and publishes; returns the member to announce VF MACs on
 * (a new active one), or NULL. */
static struct bond_member *bond_reselect(struct bond *bond)
{
	bool changed = false;

	if (bond->cfg.mode == BOND_MODE_ACTIVE_BACKUP)
		changed = bond_select_active(bond);
	else
		bond->active = NULL;
	bond_publish(bond);
	return changed ? bond->active : NULL;
}

/* Everything that follows a change of link, LACP or config. The
 * announcement goes after the publication, so the peer's answers already
 * find the new member open. */
static void bond_update(struct bond *bond)
{
	struct bond_member *announce_on = bond_reselect(bond);

	if (announce_on)
		bond_announce(bond, announce_on);
}

static void bond_lacp_changed(void *ctx)
{
	bond_publish(ctx);
}

static int bond_lacp_send(void *ctx, unsigned port, const void *frame,
			  size_t len)
{
	struct bond *bond = ctx;
	struct bond_member *m = member_at(bond, port);
	int ret;

	if (!m)
		return -ENOENT;
	ret = bond->ops->send(bond->ctx, port, frame, len);
	if (ret < 0)
		m->tx_errors++;
	return ret < 0 ? ret : 0;
}

static const struct lacp_ops bond_lacp_ops = {
    .send = bond_lacp_send,
    .changed = bond_lacp_changed,
};

static void bond_lacp_config(const struct bond *bond, struct lacp_config *lc)
{
	memset(lc, 0, sizeof(*lc));
	snprintf(lc->name, sizeof(lc->name), "%s", bond->name);
	memcpy(lc->sys_mac, bond->mac, 6);
	lc->sys_priority = (uint16_t)bond->cfg.sys_prio;
	lc->key = (uint16_t)(BOND_LACP_KEY_BASE + bond->slot);
	lc->rate = bond->cfg.lacp_rate;
	lc->active = bond->cfg.lacp_active;
	lc->ad_select = bond->cfg.ad_select;
	lc->min_links = bond->cfg.min_links;
	lc->aggregate_wait_ms = bond->cfg.lacp_wait_ms;
	lc->wait_shortcut = bond->cfg.lacp_wait_shortcut;
}

static int bond_lacp_port_add(struct bond *bond, struct bond_member *m,
			      uint64_t now)
{
	struct lacp_port_config pc = {
	    .port_number = (uint16_t)(m->index + 1),
	    .port_priority = 255,
	    .speed_mbps = 10000,
	};
	int ret;

	memcpy(pc.mac, m->port.mac, 6);
	ret = lacp_port_add(bond->lacp, m->index, &pc, now);
	if (!ret)
		lacp_port_set_enabled(bond->lacp, m->index, member_usable(m),
				      now);
	return ret;
}

/* Creates the LACP instance (mode 4 with a system MAC known). */
static int bond_lacp_start(struct bond *bond, uint64_t now)
{
	struct lacp_config lc;

	if (bond->lacp || bond->cfg.mode != BOND_MODE_8023AD ||
	    mac_is_zero(bond->mac))
		return 0;
	bond_lacp_config(bond, &lc);
	bond->lacp = lacp_create(&lc, &bond_lacp_ops, bond);
	if (!bond->lacp)
		return -ENOMEM;
	for (unsigned i = 0; i < bond->nmembers; i++) {
		int ret = bond_lacp_port_add(bond, bond->members[i], now);

		if (ret) {
			lacp_destroy(bond->lacp);
			bond->lacp = NULL;
			return ret;
		}
	}
	return 0;
}

static void bond_lacp_stop(struct bond *bond)
{
	lacp_destroy(bond->lacp);
	bond->lacp = NULL;
}

void bond_rx(struct bond *bond, unsigned member, const void *frame, size_t len,
	     uint64_t now)
{
	struct bond_member *m = member_at(bond, member);

	if (!m)
		return;
	if (!bond->lacp) {
		m->slow_rx_ignored++;
		return;
	}
	lacp_rx(bond->lacp, m->index, frame, len, now);
}

struct bond *bond_create(const char *name, uint32_t slot,
			 const struct bond_config *cfg,
			 const struct bond_ops *ops, void *ctx, char *err,
			 size_t errlen)
{
	struct bond *bond;

	if (slot >= VFLAG_MAX_LAGS) {
		snprintf(err, errlen, "too many bonds (at most %d)",
			 VFLAG_MAX_LAGS);
		return NULL;
	}
	bond = calloc(1, sizeof(*bond));
	if (!bond) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(bond->name, sizeof(bond->name), "%s", name);
	bond->slot = slot;
	bond->cfg = *cfg;
	bond->ops = ops;
	bond->ctx = ctx;
	bond_publish(bond);
	LOG_INFO(TAG, "%s: created, mode %s", name, bond_mode_name(cfg->mode));
	return bond;
}

static unsigned member_free_index(const struct bond *bond)
{
	uint32_t used = 0;
	unsigned i;

	for (i = 0; i < bond->nmembers; i++)
		used |= 1u << bond->members[i]->index;
	for (i = 0; i < VFLAG_MAX_LAG_MEMBERS && (used & (1u << i)); i++)
		;
	return i;
}

int bond_member_add(struct bond *bond, const struct bond_port *port,
		    uint64_t now, char *err, size_t errlen)
{
	struct bond_member *m;
	int ret;

	if (bond_member_find(bond, port->name) >= 0) {
		snprintf(err, errlen, "%s is already a member of bond %s",
			 port->name, bond->name);
		return -EBUSY;
	}
	if (bond->nmembers == VFLAG_MAX_LAG_MEMBERS) {
		snprintf(err, errlen, "bond %s is full (%d members)",
			 bond->name, VFLAG_MAX_LAG_MEMBERS);
		return -ENOSPC;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	m->port = *port;
	m->index = member_free_index(bond);
	m->carrier = port->carrier;
	m->link = port->carrier ? BOND_LINK_UP : BOND_LINK_DOWN;
	ret = bond->ops->attach(bond->ctx, m->index, port, err, errlen);
	if (ret)
		goto free_member;
	bond->members[bond->nmembers++] = m;
	if (mac_is_zero(bond->mac))
		memcpy(bond->mac, port->mac, 6);
	if (bond->lacp)
		ret = bond_lacp_port_add(bond, m, now);
	else
		ret = bond_lacp_start(bond, now);
	if (ret) {
		snprintf(err, errlen, "cannot start LACP on %s: %s", port->name,
			 strerror(-ret));
		bond->nmembers--;
		goto detach;
	}
	bond_update(bond);
	LOG_INFO(TAG, "%s: member %s (%s) added, link %s", bond->name,
		 port->name, port->dev, bond_link_names[m->link]);
	return (int)m->index;

detach:
	bond->ops->detach(bond->ctx, m->index);
free_member:
	free(m);
	return ret;
}

int bond_member_del(struct bond *bond, unsigned member, uint64_t now)
{
	struct bond_member *m = member_at(bond, member);
	struct bond_member *announce_on;
	unsigned i;

	if (!m)
		return -ENOENT;
	if (bond->lacp)
		lacp_port_remove(bond->lacp, m->index, now);
	for (i = 0; bond->members[i] != m; i++)
		;
	memmove(&bond->members[i], &bond->members[i + 1],
		(bond->nmembers - i - 1) * sizeof(bond->members[0]));
	bond->nmembers--;
	if (bond->active == m)
		bond->active = NULL;
	/* The datapath stops using it before its domain changes; the new
	 * active member announces only the VFs that stay in the bond. A bond
	 * being deleted announces nothing, as Linux releases all at once. */
	announce_on = bond_reselect(bond);
	bond->ops->detach(bond->ctx, m->index);
	if (announce_on && !bond->deleting)
		bond_announce(bond, announce_on);
	LOG_INFO(TAG, "%s: member %s removed", bond->name, m->port.name);
	free(m);
	return 0;
}

unsigned bond_member_count(const struct bond *bond)
{
	return bond->nmembers;
}

void bond_destroy(struct bond *bond, uint64_t now)
{
	if (!bond)
		return;
	bond->deleting = true;
	while (bond->nmembers)
		bond_member_del(bond, bond->members[bond->nmembers - 1]->index,
				now);
	bond_lacp_stop(bond);
	bond->ops->publish(bond->ctx, NULL);
	LOG_INFO(TAG, "%s: deleted", bond->name);
	free(bond);
}

int bond_reconfigure(struct bond *bond, const struct bond_config *cfg,
		     uint64_t now, char *err, size_t errlen)
{
	struct lacp_config lc;

	if (cfg->mode != bond->cfg.mode && bond->nmembers) {
		snprintf(err, errlen,
			 "bond %s has members: remove them before changing its "
			 "mode (as Linux bonding requires)",
			 bond->name);
		return -EBUSY;
	}
	bond->cfg = *cfg;
	if (cfg->mode != BOND_MODE_8023AD)
		bond_lacp_stop(bond);
	else if (bond->lacp) {
		bond_lacp_config(bond, &lc);
		lacp_reconfigure(bond->lacp, &lc, now);
	}
	bond->next_miimon = now;
	bond_update(bond);
	return 0;
}

void bond_get_config(const struct bond *bond, struct bond_config *cfg)
{
	*cfg = bond->cfg;
}

static bool bond_any_usable(const struct bond *bond)
{
	for (unsigned i = 0; i < bond->nmembers; i++)
		if (member_usable(bond->members[i]))
			return true;
	return false;
}

/* The link monitor's next state for a member, given its carrier; pure.
 * With no member usable, updelay is ignored (as Linux does): waiting only
 * lengthens the outage. */
static enum bond_link member_link_next(const struct bond *bond,
				       const struct bond_member *m,
				       bool carrier, bool ignore_updelay,
				       uint64_t now)
{
	switch (m->link) {
	case BOND_LINK_UP:
		if (!carrier)
			return bond->cfg.downdelay ? BOND_LINK_FAIL
						   : BOND_LINK_DOWN;
		break;
	case BOND_LINK_FAIL:
		if (carrier)
			return BOND_LINK_UP;
		if (now >= m->link_deadline)
			return BOND_LINK_DOWN;
		break;
	case BOND_LINK_DOWN:
		if (carrier)
			return bond->cfg.updelay && !ignore_updelay
				   ? BOND_LINK_BACK
				   : BOND_LINK_UP;
		break;
	case BOND_LINK_BACK:
		if (!carrier)
			return BOND_LINK_DOWN;
		if (now >= m->link_deadline || ignore_updelay)
			return BOND_LINK_UP;
		break;
	}
	return m->link;
}

/* The link monitor for one member: next state and its entry actions. */
static bool member_link_step(struct bond *bond, struct bond_member *m,
			     bool carrier, bool ignore_updelay, uint64_t now)
{
	enum bond_link old = m->link;

	m->link = member_link_next(bond, m, carrier, ignore_updelay, now);
	if (m->link == old)
		return false;
	if (old == BOND_LINK_UP && m->link != BOND_LINK_UP)
		m->link_deadline = now + bond->cfg.downdelay;
	if (old == BOND_LINK_DOWN && m->link != BOND_LINK_DOWN)
		m->link_deadline = now + bond->cfg.updelay;
	if (m->link == BOND_LINK_DOWN &&
	    (old == BOND_LINK_UP || old == BOND_LINK_FAIL))
		m->link_failures++;
	LOG_INFO(TAG, "%s: %s link %s -> %s", bond->name, m->port.name,
		 bond_link_names[old], bond_link_names[m->link]);
	if (bond->lacp &&
	    member_usable(m) != (old == BOND_LINK_UP || old == BOND_LINK_FAIL))
		lacp_port_set_enabled(bond->lacp, m->index, member_usable(m),
				      now);
	return true;
}

int bond_member_set_ifindex(struct bond *bond, unsigned member, int ifindex)
{
	struct bond_member *m = member_at(bond, member);

	if (!m)
		return -ENOENT;
	if (m->port.ifindex == ifindex)
		return 0;
	LOG_INFO(TAG, "%s: member %s is ifindex %d now (was %d)", bond->name,
		 m->port.name, ifindex, m->port.ifindex);
	m->port.ifindex = ifindex;
	bond_publish(bond);
	return 0;
}

void bond_link_changed(struct bond *bond, unsigned member, bool carrier,
		       uint64_t now)
{
	struct bond_member *m = member_at(bond, member);

	if (!m)
		return;
	m->carrier = carrier;
	if (member_link_step(bond, m, carrier, !bond_any_usable(bond), now))
		bond_update(bond);
}

void bond_run(struct bond *bond, uint64_t now)
{
	bool changed = false;
	bool poll = bond->cfg.miimon && now >= bond->next_miimon;
	bool ignore_updelay = !bond_any_usable(bond);

	if (poll)
		bond->next_miimon = now + bond->cfg.miimon;
	for (unsigned i = 0; i < bond->nmembers; i++) {
		struct bond_member *m = bond->members[i];
		bool carrier = m->carrier;

		/* A failed poll counts as no carrier for this poll only, as
		 * the eswitch keeps its last known carrier. */
		if (poll) {
			if (bond->ops->poll_carrier(bond->ctx, m->index,
						    &carrier))
				carrier = false;
			else
				m->carrier = carrier;
		}
		changed |=
		    member_link_step(bond, m, carrier, ignore_updelay, now);
	}
	if (bond->lacp)
		lacp_run(bond->lacp, now);
	if (changed)
		bond_update(bond);
	else
		bond_publish(bond);
}

uint64_t bond_next_deadline(const struct bond *bond)
{
	uint64_t next = UINT64_MAX;
	bool ignore_updelay = !bond_any_usable(bond);

	if (bond->cfg.miimon)
		next = bond->next_miimon;
	for (unsigned i = 0; i < bond->nmembers; i++) {
		const struct bond_member *m = bond->members[i];

		/* A step due on what is known already (e.g. a failed poll, or
		 * updelay ignored since the last member went down): now. */
		if (member_link_next(bond, m, m->carrier, ignore_updelay, 0) !=
		    m->link)
			return 0;
		if ((m->link == BOND_LINK_FAIL || m->link == BOND_LINK_BACK) &&
		    m->link_deadline < next)
			next = m->link_deadline;
	}
	if (bond->lacp) {
		uint64_t l = lacp_next_deadline(bond->lacp);

		if (l < next)
			next = l;
	}
	return next;
}

void bond_get_status(const struct bond *bond, struct bond_status *st)
{
	memset(st, 0, sizeof(*st));
	snprintf(st->name, sizeof(st->name), "%s", bond->name);
	st->cfg = bond->cfg;
	memcpy(st->sys_mac, bond->mac, 6);
	st->nmembers = bond->nmembers;
	for (unsigned i = 0; i < bond->nmembers; i++) {
		const struct bond_member *m = bond->members[i];
		struct bond_member_status *ms = &st->members[i];

		ms->port = m->port;
		ms->index = m->index;
		ms->link = bond_link_names[m->link];
		ms->rx = (bond->published.rx_mask >> m->index) & 1;
		for (unsigned t = 0; t < bond->published.tx_count; t++)
			ms->tx |= bond->published.tx_ifindex[t] ==
				  (uint32_t)m->port.ifindex;
		st->carrier |= ms->tx;
		if (!member_usable(m))
			ms->state = "down";
		else if (bond->cfg.mode == BOND_MODE_ACTIVE_BACKUP)
			ms->state = m == bond->active ? "active" : "backup";
		else
			ms->state = ms->tx ? "active" : "backup";
		ms->link_failures = m->link_failures;
		ms->tx_errors = m->tx_errors;
		ms->slow_rx_ignored = m->slow_rx_ignored;
		ms->has_lacp =
		    bond->lacp &&
		    !lacp_port_get_status(bond->lacp, m->index, &ms->lacp);
	}
	if (bond->active)
		st->active = bond->active->port.name;
	if (bond->lacp)
		lacp_get_status(bond->lacp, &st->lacp);
}

void bond_xmit_member(const struct bond *bond, const uint8_t *frame, size_t len,
		      struct bond_xmit *x)
{
	const struct vflag_lag *lag = &bond->published;

	memset(x, 0, sizeof(*x));
	x->hash_policy = lag->hash_policy;
	x->port_select = lag->port_select;
	x->hashed_by = vflag_lag_hash_policy(lag);
	x->hash = vflag_xmit_hash(frame, frame + len, x->hashed_by);
	for (unsigned t = 0; t < lag->tx_count; t++) {
		const char *name = NULL;

		for (unsigned i = 0; i < bond->nmembers && !name; i++)
			if (bond->members[i]->port.ifindex ==
			    (int)lag->tx_ifindex[t])
				name = bond->members[i]->port.name;
		x->usable[x->nusable++] = name ? name : "?";
		if (t == (lag->tx_count > 1 ? x->hash % lag->tx_count : 0) &&
		    name)
			x->member = name;
	}
}

int bond_resume_member(struct bond *bond, unsigned member, bool active,
		       const struct lacp_info *partner, uint32_t link_failures,
		       uint64_t now)
{
	struct bond_member *m = member_at(bond, member);

	if (!m)
		return -ENOENT;
	/* The counter is the member's history, not this process's. */
	m->link_failures = link_failures;
	if (bond->cfg.mode == BOND_MODE_ACTIVE_BACKUP && active &&
	    member_usable(m) && bond->active != m) {
		/* No announcement: the switch learnt the VF MACs behind this
		 * member from the previous vflagd and never saw a change. */
		LOG_INFO(TAG, "%s: active member %s (resumed)", bond->name,
			 m->port.name);
		bond->active = m;
		bond_publish(bond);
	}
	if (bond->lacp && partner)
		return lacp_port_resume(bond->lacp, member, partner, now);
	return 0;
}
