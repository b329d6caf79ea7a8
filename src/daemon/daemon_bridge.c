/* The bridge offload's daemon side (bridge/bridge_offload.h): its
 * rtnetlink monitor on the loop, its ageing on a timer, and the ops that
 * reach the eswitch (which representor a link is), the flow table (the
 * rules, flagged VFLAG_FLOW_F_BRIDGE) and the bridge (extern_learn,
 * removal).
 *
 * Times are CLOCK_MONOTONIC ns, the clock of the rules' last-used stamps
 * (bpf_ktime_get_ns), not the daemon's clock_now_ms (which tests fake);
 * the timer converts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bridge/bridge_offload.h"
#include "common/clock.h"
#include "common/log.h"
#include "daemon/daemon_impl.h"
#include "flow/flow_table.h"
#include "nl/nl_bridge.h"

#define TAG "bridge"

/* ifindex -> port, rebuilt before each sync: the eswitch's ports change
 * only by commands and link events, each followed by a sync. */
struct bridge_port_cache {
	int ifindex;
	struct bro_port port;
};

struct vflagd_bridge {
	struct vflagd *d;
	struct nl_bridge_monitor *mon;
	struct bridge_offload *bo;
	uint64_t next_age_ns; /* 0: nothing to age */
	struct bridge_port_cache *ports;
	size_t nports, capports;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void cache_put(struct vflagd_bridge *b, int ifindex,
		      const struct bro_port *p)
{
	if (b->nports == b->capports) {
		size_t cap = b->capports ? b->capports * 2 : 64;
		void *n = realloc(b->ports, cap * sizeof(*b->ports));

		if (!n)
			return;
		b->ports = n;
		b->capports = cap;
	}
	b->ports[b->nports].ifindex = ifindex;
	b->ports[b->nports].port = *p;
	b->nports++;
}

/* Every representor of ours: VFs' eswitch ends, bonds' netdevs. */
static void cache_rebuild(struct vflagd_bridge *b)
{
	struct eswitch *sw = b->d->sw;
	struct pf *pf;

	b->nports = 0;
	for (uint32_t slot = 0; slot < VFLAG_MAX_LAGS; slot++) {
		struct eswitch_lag_rep_status ls;
		struct bro_port p = {.kind = BRO_PORT_LAG};

		if (!b->d->bonds[slot] ||
		    eswitch_lag_rep_status(sw, slot, &ls) || ls.ifindex <= 0)
			continue;
		snprintf(p.name, sizeof(p.name), "%s", ls.name);
		p.flow_port = VFLAG_FLOW_OUT_LAG | slot;
		p.out_ifindex = VFLAG_FLOW_OUT_LAG | slot;
		p.out_port_id = ls.port_id;
		cache_put(b, ls.ifindex, &p);
	}
	for (unsigned i = 0; (pf = eswitch_pf_at(sw, i)); i++) {
		struct eswitch_pf_status ps;

		eswitch_pf_status(sw, pf, &ps);
		for (unsigned v = 0; v < ps.numvfs; v++) {
			struct eswitch_vf_status vs;
			struct bro_port p = {.kind = BRO_PORT_VF};
			int ifindex;

			if (eswitch_vf_status(sw, pf, v, &vs) || vs.gone)
				continue;
			ifindex = vs.rep_ifindex;
			if (ifindex <= 0)
				continue;
			snprintf(p.name, sizeof(p.name), "%s", vs.rep);
			p.flow_port = vs.port_id;
			p.out_ifindex = (uint32_t)ifindex;
			p.out_port_id = vs.port_id;
			cache_put(b, ifindex, &p);
		}
	}
}

static bool br_resolve(void *ctx, int ifindex, struct bro_port *out)
{
	struct vflagd_bridge *b = ctx;

	for (size_t i = 0; i < b->nports; i++) {
		if (b->ports[i].ifindex == ifindex) {
			*out = b->ports[i].port;
			return true;
		}
	}
	return false;
}

static int br_rule_add(void *ctx, const struct bro_rule *br, uint32_t *handle,
		       bool *in_hw)
{
	struct vflagd_bridge *b = ctx;
	struct flower_rule r;
	struct flow_table_entry e;
	char err[160];
	int ret;

	memset(&r, 0, sizeof(r));
	snprintf(r.dev, sizeof(r.dev), "%s", br->in_dev);
	r.prio = BRIDGE_OFFLOAD_PRIO;
	memcpy(r.key.dst, br->dst, 6);
	memset(r.mask.dst, 0xff, 6);
	if (br->match_src) {
		memcpy(r.key.src, br->src, 6);
		memset(r.mask.src, 0xff, 6);
	}
	r.actions = VFLAG_FLOW_ACT_REDIRECT;
	snprintf(r.out_dev, sizeof(r.out_dev), "%s", br->out.name);
	ret = flow_table_add_flags(b->d->flows, &r, VFLAG_FLOW_F_BRIDGE, err,
				   sizeof(err));
	if (ret < 0) {
		LOG_DBG(TAG, "rule %s -> %s not added: %s", r.dev, r.out_dev,
			err);
		return ret;
	}
	*handle = (uint32_t)ret;
	*in_hw = flow_table_get(b->d->flows, *handle, &e) == 0 && e.in_hw;
	return 0;
}

static void br_rule_del(void *ctx, uint32_t handle)
{
	struct vflagd_bridge *b = ctx;
	struct flow_table_entry e;
	char err[160];

	if (flow_table_get(b->d->flows, handle, &e) == 0 && e.from_bridge)
		(void)flow_table_del(b->d->flows, e.rule.dev, 0, handle, err,
				     sizeof(err));
}

static bool br_rule_in_hw(void *ctx, uint32_t handle)
{
	struct vflagd_bridge *b = ctx;
	struct flow_table_entry e;

	return flow_table_get(b->d->flows, handle, &e) == 0 && e.in_hw;
}

static uint64_t br_rule_last_used(void *ctx, uint32_t handle)
{
	struct vflagd_bridge *b = ctx;
	struct vflag_flow_stats st;

	if (flow_table_stats(b->d->flows, handle, &st))
		return 0;
	return st.last_used_ns;
}

static int br_fdb_ext_learn(void *ctx, int port, const uint8_t mac[6])
{
	struct vflagd_bridge *b = ctx;

	return nl_fdb_ext_learn(b->d->nl, port, mac, 0);
}

static int br_fdb_del(void *ctx, int port, const uint8_t mac[6])
{
	struct vflagd_bridge *b = ctx;

	return nl_fdb_del(b->d->nl, port, mac, 0);
}

static const struct bridge_offload_ops bridge_ops = {
    .resolve = br_resolve,
    .rule_add = br_rule_add,
    .rule_del = br_rule_del,
    .rule_in_hw = br_rule_in_hw,
    .rule_last_used = br_rule_last_used,
    .fdb_ext_learn = br_fdb_ext_learn,
    .fdb_del = br_fdb_del,
};

void vflagd_bridge_sync(struct vflagd *d)
{
	struct vflagd_bridge *b = d->bridge;
	uint64_t now;

	if (!b)
		return;
	now = mono_ns();
	cache_rebuild(b);
	bridge_offload_sync(b->bo, now);
	b->next_age_ns = bridge_offload_age(b->bo, now);
}

static void on_fdb(void *arg, const struct nl_fdb_event *ev)
{
	struct vflagd_bridge *b = arg;

	bridge_offload_fdb(b->bo, ev, mono_ns());
}

static void on_link(void *arg, const struct nl_brlink_event *ev)
{
	struct vflagd_bridge *b = arg;

	bridge_offload_link(b->bo, ev);
}

static int dump_all(struct vflagd_bridge *b)
{
	int err;

	bridge_offload_dump_begin(b->bo);
	err = nl_brlink_dump(b->d->nl, on_link, b);
	if (!err)
		err = nl_fdb_dump(b->d->nl, on_fdb, b);
	bridge_offload_dump_end(b->bo);
	return err;
}

static void on_readable(void *arg, int fd)
{
	struct vflagd_bridge *b = arg;
	int ret;

	(void)fd;
	ret = nl_bridge_monitor_read(b->mon, on_fdb, on_link, b);
	if (ret == -ENOBUFS) {
		LOG_WARN(TAG, "bridge events were lost: reading them again");
		if (dump_all(b))
			LOG_WARN(TAG, "bridge dump failed");
	}
	if (ret != 0)
		vflagd_bridge_sync(b->d);
}

static uint64_t age_deadline(void *arg)
{
	struct vflagd_bridge *b = arg;
	uint64_t now_ns, now_ms = clock_now_ms();

	if (!b->next_age_ns)
		return UINT64_MAX;
	now_ns = mono_ns();
	/* In the daemon's clock: as far from now as in ours. */
	return b->next_age_ns <= now_ns
		   ? now_ms
		   : now_ms + (b->next_age_ns - now_ns + 999999) / 1000000;
}

static void age_run(void *arg, uint64_t now_ms)
{
	struct vflagd_bridge *b = arg;

	(void)now_ms;
	cache_rebuild(b);
	b->next_age_ns = bridge_offload_age(b->bo, mono_ns());
}

/* The rules a previous vflagd learned from bridges: the model starts
 * empty and learns them again from the dump, so they go (the bridge
 * still holds their entries, marked extern_learn: it switches the few
 * frames in between). Collected first: the walk must not see deletes. */
struct adopted {
	uint32_t *handle;
	size_t n, cap;
};

static void collect_adopted(void *arg, const struct flow_table_entry *e)
{
	struct adopted *a = arg;

	if (!e->from_bridge)
		return;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;
		uint32_t *n = realloc(a->handle, cap * sizeof(*n));

		if (!n)
			return;
		a->handle = n;
		a->cap = cap;
	}
	a->handle[a->n++] = e->rule.handle;
}

static void drop_adopted(struct vflagd_bridge *b)
{
	struct adopted a = {0};

	flow_table_walk(b->d->flows, NULL, false, collect_adopted, &a);
	for (size_t i = 0; i < a.n; i++)
		br_rule_del(b, a.handle[i]);
	if (a.n)
		LOG_INFO(TAG,
			 "%zu rule(s) a previous vflagd learned from "
			 "bridges: learning them again",
			 a.n);
	free(a.handle);
}

int vflagd_bridge_offload_start(struct vflagd *d, char *err, size_t errlen)
{
	struct vflagd_bridge *b = calloc(1, sizeof(*b));
	struct vflagd_timer t = {age_deadline, age_run, b};

	if (!b || !d->flows) {
		free(b);
		snprintf(err, errlen, "no offload table");
		return -ENOMEM;
	}
	b->d = d;
	b->bo = bridge_offload_create(&bridge_ops, b);
	b->mon = nl_bridge_monitor_open();
	if (!b->bo || !b->mon) {
		snprintf(err, errlen, "cannot watch bridges: %s",
			 strerror(errno));
		goto fail;
	}
	if (loop_add(d->loop, nl_bridge_monitor_fd(b->mon), on_readable, b) ||
	    vflagd_add_timer(d, &t)) {
		snprintf(err, errlen, "cannot watch bridges");
		goto fail;
	}
	d->bridge = b;
	drop_adopted(b);
	if (dump_all(b))
		LOG_WARN(TAG, "bridge dump failed: offload starts empty");
	vflagd_bridge_sync(d);
	return 0;

fail:
	if (b->mon)
		loop_del(d->loop, nl_bridge_monitor_fd(b->mon));
	nl_bridge_monitor_close(b->mon);
	bridge_offload_destroy(b->bo);
	free(b);
	return -ENOMEM;
}

void vflagd_bridge_close(struct vflagd *d, bool keep)
{
	struct vflagd_bridge *b = d->bridge;

	if (!b)
		return;
	loop_del(d->loop, nl_bridge_monitor_fd(b->mon));
	nl_bridge_monitor_close(b->mon);
	/* A restart keeps the rules (the datapath forwards on); a teardown
	 * removes them with the flow table. */
	if (keep)
		bridge_offload_release(b->bo);
	else
		bridge_offload_destroy(b->bo);
	free(b->ports);
	free(b);
	d->bridge = NULL;
}

void vflagd_bridge_reset(struct vflagd *d)
{
	struct vflagd_bridge *b = d->bridge;
	struct bridge_offload *fresh;

	if (!b)
		return;
	fresh = bridge_offload_create(&bridge_ops, b);
	if (!fresh)
		return;
	/* The rules are gone already (the table was flushed). */
	bridge_offload_release(b->bo);
	b->bo = fresh;
	b->next_age_ns = 0;
	if (dump_all(b))
		LOG_WARN(TAG, "bridge dump failed");
}

void vflagd_bridge_status(const struct vflagd *d,
			  struct bridge_offload_status *st)
{
	if (d->bridge)
		bridge_offload_status(d->bridge->bo, st);
	else
		memset(st, 0, sizeof(*st));
}
