/* The daemon object (see daemon.h): its parts, its loop and timers, link
 * events, PFs and teardown. Bonds and their I/O are in daemon_bond.c. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "daemon/daemon_impl.h"
#include "flow/flow_table.h"
#include "eswitch/eswitch_state.h"

#define TAG "vflagd"

static void on_link_event(void *arg, const struct nl_link_event *ev)
{
	vflagd_link_event(arg, ev);
}

static void on_monitor(void *arg, int fd)
{
	struct vflagd *d = arg;
	int ret = nl_monitor_read(d->mon, on_link_event, d);

	(void)fd;
	if (ret == -ENOBUFS) {
		LOG_WARN(TAG, "link events were lost: re-reading every port");
		vflagd_resync(d);
	}
}

struct vflagd *vflagd_open(char *err, size_t errlen)
{
	struct vflagd *d = calloc(1, sizeof(*d));

	if (!d) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	d->owned = true;
	d->lock_fd = -1;
	d->loop = loop_create();
	if (!d->loop) {
		snprintf(err, errlen, "cannot create the event loop");
		goto close;
	}
	if (vflagd_instance_open(d, err, errlen))
		goto close;
	d->dp = dp_open_pinned(d->pin_dir, err, errlen);
	if (!d->dp)
		goto close;
	d->nl = nl_open();
	d->mon = nl_monitor_open();
	if (!d->nl || !d->mon) {
		snprintf(err, errlen, "cannot open rtnetlink: %s",
			 strerror(errno));
		goto close;
	}
	if (loop_add(d->loop, nl_monitor_fd(d->mon), on_monitor, d)) {
		snprintf(err, errlen, "cannot watch link events");
		goto close;
	}
	d->sw = eswitch_create(d->dp, d->nl);
	if (!d->sw || vflagd_flows_open(d)) {
		snprintf(err, errlen, "out of memory");
		goto close;
	}
	return d;

close:
	vflagd_close(d);
	return NULL;
}

struct vflagd *vflagd_open_on(struct loop *loop, struct eswitch *sw,
			      struct dp *dp)
{
	struct vflagd *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->lock_fd = -1;
	d->loop = loop;
	d->sw = sw;
	d->dp = dp;
	if (dp && vflagd_flows_open(d)) {
		free(d);
		return NULL;
	}
	return d;
}

void vflagd_close(struct vflagd *d)
{
	uint64_t now = clock_now_ms();

	if (!d)
		return;
	vflagd_jobs_cancel(d);
	/* The model only: a kept datapath keeps its rules, a closed one
	 * takes them with it. */
	vflagd_bridge_close(d, d->keep);
	vflagd_flows_close(d);
	for (unsigned i = 0; i < VFLAG_MAX_LAGS; i++) {
		vflagd_bond_free(d->bonds[i], now);
		d->bonds[i] = NULL;
	}
	if (d->owned) {
		if (d->keep) {
			eswitch_forget(d->sw);
		} else {
			eswitch_destroy(d->sw);
			vflagd_state_remove(d);
		}
		if (d->mon)
			loop_del(d->loop, nl_monitor_fd(d->mon));
		nl_monitor_close(d->mon);
		nl_close(d->nl);
		if (d->keep)
			dp_close_keep(d->dp);
		else
			dp_close(d->dp);
		loop_destroy(d->loop);
	}
	vflagd_instance_close(d);
	free(d);
}

struct loop *vflagd_loop(const struct vflagd *d)
{
	return d->loop;
}

struct eswitch *vflagd_eswitch(const struct vflagd *d)
{
	return d->sw;
}

int vflagd_add_timer(struct vflagd *d, const struct vflagd_timer *t)
{
	if (d->ntimers == VFLAGD_TIMERS_MAX)
		return -ENOSPC;
	d->timers[d->ntimers++] = *t;
	return 0;
}

uint64_t vflagd_next_deadline(const struct vflagd *d)
{
	uint64_t next = UINT64_MAX;

	for (unsigned i = 0; i < VFLAG_MAX_LAGS; i++) {
		if (d->bonds[i]) {
			uint64_t t = bond_next_deadline(d->bonds[i]->bond);
			uint64_t f = failover_next_deadline(&d->bonds[i]->fo);

			if (t < next)
				next = t;
			if (f < next)
				next = f;
		}
	}
	for (unsigned i = 0; i < d->ntimers; i++) {
		uint64_t t = d->timers[i].next_deadline(d->timers[i].arg);

		if (t < next)
			next = t;
	}
	if (vflagd_state_next_deadline(d) < next)
		next = vflagd_state_next_deadline(d);
	if (vflagd_jobs_running(d))
		next = 0; /* a step each turn, after the sockets' events */
	return next;
}

void vflagd_tick(struct vflagd *d, uint64_t now)
{
	for (unsigned i = 0; i < VFLAG_MAX_LAGS; i++)
		if (d->bonds[i] && bond_next_deadline(d->bonds[i]->bond) <= now)
			bond_run(d->bonds[i]->bond, now);
	for (unsigned i = 0; i < VFLAG_MAX_LAGS; i++)
		if (d->bonds[i] &&
		    failover_next_deadline(&d->bonds[i]->fo) <= now)
			failover_run(&d->bonds[i]->fo, now);
	for (unsigned i = 0; i < d->ntimers; i++)
		if (d->timers[i].next_deadline(d->timers[i].arg) <= now)
			d->timers[i].run(d->timers[i].arg, now);
	vflagd_state_tick(d, now);
	vflagd_jobs_run(d);
}

/* The loop's timeout until deadline: -1 (none), 0 (due), else ms. */
static int timeout_until(uint64_t deadline, uint64_t now)
{
	if (deadline == UINT64_MAX)
		return -1;
	if (deadline <= now)
		return 0;
	return deadline - now > INT_MAX ? INT_MAX : (int)(deadline - now);
}

int vflagd_run(struct vflagd *d)
{
	d->running = true;
	while (d->running) {
		int ret = loop_run_once(
		    d->loop,
		    timeout_until(vflagd_next_deadline(d), clock_now_ms()));

		if (ret < 0) {
			LOG_ERR(TAG, "event loop: %s", strerror(-ret));
			return ret;
		}
		vflagd_tick(d, clock_now_ms());
	}
	return 0;
}

void vflagd_stop(struct vflagd *d)
{
	d->running = false;
}

void vflagd_link_event(struct vflagd *d, const struct nl_link_event *ev)
{
	struct pf *pf = d->sw ? eswitch_link_event(d->sw, ev) : NULL;

	if (pf) {
		vflagd_bond_member_moved(d, pf);
		vflagd_bond_link_changed(d, pf, clock_now_ms());
	}
}

void vflagd_resync(struct vflagd *d)
{
	uint64_t changed;
	struct pf *pf;

	if (!d->sw)
		return;
	changed = eswitch_resync(d->sw);
	for (unsigned i = 0; (pf = eswitch_pf_at(d->sw, i)); i++)
		if (changed & (1ull << i)) {
			vflagd_bond_member_moved(d, pf);
			vflagd_bond_link_changed(d, pf, clock_now_ms());
		}
}

int vflagd_pf_del(struct vflagd *d, struct pf *pf, bool force, char *err,
		  size_t errlen)
{
	struct vflagd_bond *b = vflagd_pf_bond(d, pf);

	if (b) {
		snprintf(err, errlen,
			 "%s is a member of bond %s: remove it from the bond "
			 "first (bond member del %s %s)",
			 pf_name(pf), bond_name(b->bond), bond_name(b->bond),
			 pf_name(pf));
		return -EBUSY;
	}
	return eswitch_pf_del(d->sw, pf, force, err, errlen);
}

int vflagd_teardown_check(struct vflagd *d, bool force, char *err,
			  size_t errlen)
{
	struct pf *pf;
	char why[160];

	for (unsigned i = 0; !force && d->sw && (pf = eswitch_pf_at(d->sw, i));
	     i++)
		if (eswitch_pf_vfs_in_use(d->sw, pf, why, sizeof(why))) {
			snprintf(err, errlen,
				 "%s: detach VFs from their VMs first (vf set "
				 "PF vf N netns -), or add --force",
				 why);
			return -EBUSY;
		}
	return 0;
}

int vflagd_teardown_rest(struct vflagd *d, char *err, size_t errlen)
{
	uint64_t now = clock_now_ms();
	struct pf *pf;
	int ret;

	if (!d->sw)
		return 0;
	/* 1. VFs, 2. bonds, 3. PFs: the seed's order. */
	for (unsigned i = 0; (pf = eswitch_pf_at(d->sw, i)); i++) {
		ret = eswitch_pf_set_numvfs(d->sw, pf, 0, VF_TYPE_VETH, true,
					    err, errlen);
		if (ret)
			return ret;
	}
	for (unsigned i = 0; i < VFLAG_MAX_LAGS; i++) {
		vflagd_bond_free(d->bonds[i], now);
		d->bonds[i] = NULL;
		eswitch_lag_rep_del(d->sw, i);
	}
	while ((pf = eswitch_pf_at(d->sw, 0))) {
		ret = eswitch_pf_del(d->sw, pf, true, err, errlen);
		if (ret)
			return ret;
	}
	/* 4. what let the datapath outlive us: nothing is left to adopt. */
	vflagd_state_remove(d);
	d->adopted = false;
	d->adopted_pfs = d->adopted_vfs = d->adopted_bonds = 0;
	return 0;
}

int vflagd_teardown(struct vflagd *d, bool force, char *err, size_t errlen)
{
	int ret;

	if (!d->sw)
		return 0;
	/* Refuse before touching anything, so a refusal changes nothing. */
	ret = vflagd_teardown_check(d, force, err, errlen);
	if (ret)
		return ret;
	vflagd_jobs_cancel(d);
	vflagd_offload_flush(d);
	return vflagd_teardown_rest(d, err, errlen);
}
