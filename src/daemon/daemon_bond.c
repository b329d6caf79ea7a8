/* The daemon's bonds: struct bond_ops over the eswitch, the datapath and
 * the members' packet sockets (bond_io), PFs translated to member indexes,
 * and PFs moved into and out of the LAG's domain. The one place where a
 * pure bond (src/lag/bond.h) meets the outside world. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "daemon/daemon_impl.h"

#define TAG "bond"

/* The bond keeps PF names in its own buffers: same rule, same size. */
_Static_assert(BOND_NAME_MAX == ESWITCH_PF_NAME_MAX, "PF name length");
/* One announcement covers every VF a domain can hold. */
#define VFLAGD_ANNOUNCE_MAX (ESWITCH_MAX_VFS * VFLAG_MAX_LAG_MEMBERS)

static void member_rx(void *arg, const void *frame, size_t len, uint64_t now)
{
	struct vflagd_member *m = arg;

	bond_rx(m->b->bond, m->index, frame, len, now);
}

static int ops_attach(void *ctx, unsigned member, const struct bond_port *port,
		      char *err, size_t errlen)
{
	struct vflagd_bond *b = ctx;
	struct vflagd_member *m = &b->members[member];
	struct pf *pf = eswitch_pf_find(b->d->sw, port->name);
	int ret;

	if (!pf) {
		snprintf(err, errlen, "no PF named %s", port->name);
		return -ENOENT;
	}
	m->b = b;
	m->index = member;
	m->ifindex = port->ifindex;
	ret = bond_io_open(b->d->loop, port->ifindex, port->dev, member_rx, m,
			   &m->io, err, errlen);
	if (ret)
		return ret;
	/* An adopted PF is in the LAG's domain already (daemon_state.c):
	 * its datapath entries say so and stay as they are. */
	ret = pf_lag_slot(pf) == (int)b->slot
		  ? 0
		  : eswitch_pf_join_lag(b->d->sw, pf, b->slot, member);
	if (ret) {
		snprintf(err, errlen,
			 "cannot move %s into the bond's domain: %s",
			 port->name, strerror(-ret));
		goto close_io;
	}
	m->pf = pf;
	return 0;

close_io:
	bond_io_close(m->io);
	m->io = NULL;
	return ret;
}

static void ops_detach(void *ctx, unsigned member)
{
	struct vflagd_bond *b = ctx;
	struct vflagd_member *m = &b->members[member];

	if (!b->releasing)
		eswitch_pf_leave_lag(b->d->sw, m->pf);
	bond_io_close(m->io);
	m->io = NULL;
	m->pf = NULL;
}

/* For the failover timeline: the longest a carrier change may wait for
 * its publication. */
static uint32_t link_delay_ms(const struct vflagd_bond *b)
{
	struct bond_config cfg;

	bond_get_config(b->bond, &cfg);
	return cfg.updelay > cfg.downdelay ? cfg.updelay : cfg.downdelay;
}

/* For the failover timeline: frames the datapath hashed onto lag's tx
 * members (failover.h). */
static uint64_t lag_tx_packets(void *ctx, const struct vflag_lag *lag)
{
	struct vflagd_bond *b = ctx;
	uint64_t sum = 0;

	for (unsigned t = 0; t < lag->tx_count && t < VFLAG_MAX_LAG_MEMBERS;
	     t++) {
		struct vflag_port_stats st;

		if (!eswitch_port_stats(b->d->sw, lag->tx_port_id[t], &st))
			sum += st.lag_tx_packets;
	}
	return sum;
}

struct vflagd_bond *vflagd_bond_alloc(struct vflagd *d, uint32_t slot)
{
	struct vflagd_bond *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->d = d;
	b->slot = slot;
	failover_init(&b->fo, lag_tx_packets, b);
	return b;
}

bool vflagd_lag_can_carry(const struct vflag_lag *lag, enum bond_mode mode,
			  uint32_t min_links)
{
	if (!lag || !lag->tx_count)
		return false;
	/* As Linux's bonding, min_links counts in 802.3ad only. */
	return mode != BOND_MODE_8023AD || lag->tx_count >= min_links;
}

/* Whether lag, about to be published, can carry traffic. */
static bool bond_carry_of(const struct vflagd_bond *b,
			  const struct vflag_lag *lag)
{
	struct bond_config cfg = {0};

	/* b->bond is NULL while bond_create publishes its first, empty LAG. */
	if (b->bond)
		bond_get_config(b->bond, &cfg);
	return vflagd_lag_can_carry(lag, cfg.mode, cfg.min_links);
}

/* VFs in state auto follow ok (bond_carry_of()). */
static void bond_carry_update(struct vflagd_bond *b, bool ok)
{
	if (ok != b->can_carry)
		LOG_INFO(TAG, "%s: %s", b->bond ? bond_name(b->bond) : "bond",
			 ok ? "can carry traffic: VF links up"
			    : "cannot carry traffic: VF links down");
	b->can_carry = ok;
	eswitch_lag_set_carry(b->d->sw, b->slot, ok);
}

static int ops_publish(void *ctx, const struct vflag_lag *lag)
{
	struct vflagd_bond *b = ctx;
	bool ok = bond_carry_of(b, lag);
	int ret;

	if (b->hold_publish) {
		if (lag) {
			b->pending = *lag;
			b->have_pending = true;
		}
		return 0;
	}
	/* Down before the flip, up after it: a VF losing its LAG need not
	 * wait for the datapath, and a VF getting one must (its frames
	 * would be dropped until then). */
	if (!ok)
		bond_carry_update(b, false);
	if (!lag) {
		dp_lag_clear(b->d->dp, b->slot);
		failover_published(&b->fo, NULL);
		return 0;
	}
	ret = dp_lag_publish(b->d->dp, b->slot, lag);
	if (!ret)
		failover_published(&b->fo, lag); /* the timeline's mark */
	if (!ret && ok)
		bond_carry_update(b, true);
	return ret;
}

/* After a member joined: it takes the LAG's verdict, which a publish
 * reports only when the member arrays change. Not in ops_attach, where
 * the first member would flap its VFs down until the first publish. */
static void bond_carry_sync(struct vflagd_bond *b)
{
	struct bond_status st;
	struct vflag_lag lag = {0};

	bond_get_status(b->bond, &st);
	for (unsigned i = 0; i < st.nmembers; i++)
		lag.tx_count += st.members[i].tx;
	b->can_carry =
	    vflagd_lag_can_carry(&lag, st.cfg.mode, st.cfg.min_links);
	eswitch_lag_set_carry(b->d->sw, b->slot, b->can_carry);
}

static int ops_send(void *ctx, unsigned member, const void *frame, size_t len)
{
	struct vflagd_bond *b = ctx;

	if (b->hold_send)
		return 0;
	if (!b->members[member].io)
		return -ENOENT;
	return bond_io_send(b->members[member].io, frame, len);
}

static unsigned ops_announce(void *ctx, unsigned member)
{
	static uint8_t macs[VFLAGD_ANNOUNCE_MAX][6]; /* one loop: not shared */
	struct vflagd_bond *b = ctx;
	struct vflagd_member *m = &b->members[member];
	unsigned n, failed;

	if (!m->pf || b->hold_send)
		return 0;
	n = eswitch_domain_vf_macs(b->d->sw, m->pf, macs, VFLAGD_ANNOUNCE_MAX);
	failed = bond_io_announce(m->io, (const uint8_t(*)[6])macs, n);
	if (n)
		LOG_INFO(TAG, "%s: announced %u VF MAC(s) on %s",
			 bond_name(b->bond), n, pf_name(m->pf));
	return failed;
}

static int ops_poll_carrier(void *ctx, unsigned member, bool *carrier)
{
	struct vflagd_bond *b = ctx;

	struct pf *pf = b->members[member].pf;
	bool before;
	int ret;

	if (!pf)
		return -ENOENT;
	before = pf_carrier(pf);
	ret = eswitch_pf_poll_carrier(b->d->sw, pf, carrier);
	/* The poll often sees a carrier change before rtnetlink tells it
	 * (linkwatch delays): the failover timeline starts here then. */
	if (!ret && *carrier != before)
		failover_event(&b->fo, pf_port_id(pf), *carrier,
			       FAILOVER_MIIMON, link_delay_ms(b));
	return ret;
}

const struct bond_ops vflagd_bond_ops = {
    .attach = ops_attach,
    .detach = ops_detach,
    .publish = ops_publish,
    .send = ops_send,
    .announce = ops_announce,
    .poll_carrier = ops_poll_carrier,
};

int vflagd_bond_add(struct vflagd *d, const char *name,
		    const struct bond_config *cfg, struct vflagd_bond **out,
		    char *err, size_t errlen)
{
	struct vflagd_bond *b;
	unsigned slot;
	int ret;

	if (vflagd_bond_find(d, name)) {
		snprintf(err, errlen, "bond %s exists already", name);
		return -EEXIST;
	}
	for (slot = 0; slot < VFLAG_MAX_LAGS && d->bonds[slot]; slot++)
		;
	if (slot == VFLAG_MAX_LAGS) {
		snprintf(err, errlen, "too many bonds (at most %d)",
			 VFLAG_MAX_LAGS);
		return -ENOSPC;
	}
	if (!d->dp || !d->sw) {
		snprintf(err, errlen,
			 "no datapath: bonds need vflagd's eswitch");
		return -ENODEV;
	}
	b = vflagd_bond_alloc(d, slot);
	if (!b) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	b->bond =
	    bond_create(name, slot, cfg, &vflagd_bond_ops, b, err, errlen);
	if (!b->bond) {
		free(b);
		return -ENOMEM;
	}
	/* The bond's netdev for the host (switchdev's LAG representor),
	 * in both modes. */
	ret = eswitch_lag_rep_add(d->sw, slot, name, err, errlen);
	if (ret) {
		bond_destroy(b->bond, clock_now_ms());
		free(b);
		return ret;
	}
	b->fo.name = bond_name(b->bond);
	d->bonds[slot] = b;
	*out = b;
	return 0;
}

void vflagd_bond_free(struct vflagd_bond *b, uint64_t now)
{
	if (!b)
		return;
	bond_destroy(b->bond, now);
	free(b);
}

int vflagd_bond_del(struct vflagd *d, struct vflagd_bond *b, bool force,
		    char *err, size_t errlen)
{
	uint32_t slot;
	char why[160];

	for (unsigned i = 0; !force && i < VFLAG_MAX_LAG_MEMBERS; i++) {
		struct pf *pf = b->members[i].pf;

		if (pf && eswitch_pf_vfs_in_use(d->sw, pf, why, sizeof(why))) {
			snprintf(
			    err, errlen,
			    "%s and would lose the bond: detach the VFs "
			    "first (vf set PF vf N netns -), or add --force",
			    why);
			return -EBUSY;
		}
	}
	d->bonds[b->slot] = NULL;
	slot = b->slot;
	vflagd_bond_free(b, clock_now_ms());
	eswitch_lag_rep_del(d->sw, slot);
	return 0;
}

struct vflagd_bond *vflagd_bond_find(const struct vflagd *d, const char *name)
{
	for (unsigned i = 0; i < VFLAG_MAX_LAGS; i++)
		if (d->bonds[i] && !strcmp(bond_name(d->bonds[i]->bond), name))
			return d->bonds[i];
	return NULL;
}

struct vflagd_bond *vflagd_bond_at(const struct vflagd *d, unsigned i)
{
	for (unsigned slot = 0; slot < VFLAG_MAX_LAGS; slot++)
		if (d->bonds[slot] && i-- == 0)
			return d->bonds[slot];
	return NULL;
}

struct vflagd_bond *vflagd_pf_bond(const struct vflagd *d, const struct pf *pf)
{
	int slot = pf_lag_slot(pf);

	return slot >= 0 && slot < VFLAG_MAX_LAGS ? d->bonds[slot] : NULL;
}

struct bond *vflagd_bond_bond(const struct vflagd_bond *b)
{
	return b->bond;
}

const struct failover *vflagd_bond_failover(const struct vflagd_bond *b)
{
	return &b->fo;
}

uint32_t vflagd_bond_slot(const struct vflagd_bond *b)
{
	return b->slot;
}

const char *vflagd_bond_name(const struct vflagd_bond *b)
{
	return bond_name(b->bond);
}

const char *vflagd_lag_name(void *arg, unsigned slot)
{
	const struct vflagd *d = arg;

	return slot < VFLAG_MAX_LAGS && d->bonds[slot]
		   ? bond_name(d->bonds[slot]->bond)
		   : NULL;
}

int vflagd_bond_member_add(struct vflagd *d, struct vflagd_bond *b,
			   struct pf *pf, char *err, size_t errlen)
{
	struct vflagd_bond *other = vflagd_pf_bond(d, pf);
	struct bond_port port = {
	    .ifindex = pf_ifindex(pf),
	    .port_id = pf_port_id(pf),
	    .carrier = pf_carrier(pf),
	};
	int ret;

	/* An adopted PF is in its bond's domain before it is a member. */
	if (other &&
	    (other != b || bond_member_find(b->bond, pf_name(pf)) >= 0)) {
		snprintf(err, errlen, "%s is already a member of bond %s",
			 pf_name(pf), bond_name(other->bond));
		return -EBUSY;
	}
	snprintf(port.name, sizeof(port.name), "%s", pf_name(pf));
	snprintf(port.dev, sizeof(port.dev), "%s", pf_dev(pf));
	memcpy(port.mac, pf_mac(pf), 6);
	ret = bond_member_add(b->bond, &port, clock_now_ms(), err, errlen);
	if (ret < 0)
		return ret;
	bond_carry_sync(b);
	return 0;
}

/* The member index of pf in b, or -ENOENT. */
static int member_of(const struct vflagd_bond *b, const struct pf *pf)
{
	for (unsigned i = 0; i < VFLAG_MAX_LAG_MEMBERS; i++)
		if (b->members[i].pf == pf)
			return (int)i;
	return -ENOENT;
}

int vflagd_bond_member_del(struct vflagd *d, struct vflagd_bond *b,
			   struct pf *pf, char *err, size_t errlen)
{
	int member = member_of(b, pf);

	(void)d;
	if (member < 0) {
		snprintf(err, errlen, "%s is not a member of bond %s",
			 pf_name(pf), bond_name(b->bond));
		return -ENOENT;
	}
	return bond_member_del(b->bond, (unsigned)member, clock_now_ms());
}

int vflagd_bond_reconfigure(struct vflagd *d, struct vflagd_bond *b,
			    const struct bond_config *cfg, char *err,
			    size_t errlen)
{
	(void)d;
	return bond_reconfigure(b->bond, cfg, clock_now_ms(), err, errlen);
}

void vflagd_bond_member_moved(struct vflagd *d, struct pf *pf)
{
	struct vflagd_bond *b = vflagd_pf_bond(d, pf);
	int member = b ? member_of(b, pf) : -ENOENT;
	struct vflagd_member *m;
	char err[160];

	if (member < 0 || pf_gone(pf))
		return;
	m = &b->members[member];
	if (m->ifindex == pf_ifindex(pf))
		return;
	/* The old socket was bound to a device that is no more. */
	bond_io_close(m->io);
	m->io = NULL;
	m->ifindex = pf_ifindex(pf);
	if (bond_io_open(d->loop, m->ifindex, pf_dev(pf), member_rx, m, &m->io,
			 err, sizeof(err)))
		LOG_ERR(TAG, "%s: %s (no LACP on it)", pf_name(pf), err);
	bond_member_set_ifindex(b->bond, (unsigned)member, m->ifindex);
}

void vflagd_bond_link_changed(struct vflagd *d, struct pf *pf, uint64_t now)
{
	struct vflagd_bond *b = vflagd_pf_bond(d, pf);
	int member = b ? member_of(b, pf) : -ENOENT;

	if (member >= 0) {
		failover_event(&b->fo, pf_port_id(pf), pf_carrier(pf),
			       FAILOVER_NETLINK, link_delay_ms(b));
		bond_link_changed(b->bond, (unsigned)member, pf_carrier(pf),
				  now);
	}
}
